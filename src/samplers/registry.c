/*
 * registry.c -- the list of samplers and option helpers shared by them.
 *
 * A new sampler is one file with one hpo__sampler_ops and a line in `ops`
 * below. Lookups are linear over a handful of names.
 */
#include "samplers/sampler.h"

#include "util/util.h"

#include <string.h>

extern const hpo__sampler_ops hpo__grid_sampler_ops;
extern const hpo__sampler_ops hpo__random_sampler_ops;
extern const hpo__sampler_ops hpo__qmc_sampler_ops;

static const hpo__sampler_ops *const ops[] = {
    &hpo__grid_sampler_ops,
    &hpo__random_sampler_ops,
    &hpo__qmc_sampler_ops,
};

#define N_OPS (sizeof ops / sizeof ops[0])

static const char *const names[N_OPS + 1] = {"grid", "random", "qmc", NULL};

const char *const *hpo__sampler_names(void)
{
    return names;
}

const hpo__sampler_ops *hpo__sampler_find(const char *name)
{
    if (!name || !*name) {
        hpo__err(HPO_EINVAL, "no sampler name given (expected grid, random or qmc)");
        return NULL;
    }
    for (size_t i = 0; i < N_OPS; i++)
        if (strcmp(ops[i]->name, name) == 0)
            return ops[i];
    const char *s = hpo__suggest(name, names, N_OPS);
    if (s)
        hpo__err(HPO_EINVAL, "unknown sampler '%s' (did you mean '%s'?)", name, s);
    else
        hpo__err(HPO_EINVAL, "unknown sampler '%s' (expected grid, random or qmc)", name);
    return NULL;
}

const char *hpo__sampler_option(const hpo__sampler_config *cfg, const char *key)
{
    for (size_t i = 0; cfg && i < cfg->n_options; i++)
        if (cfg->options[i].key && strcmp(cfg->options[i].key, key) == 0)
            return cfg->options[i].value;
    return NULL;
}

int hpo__sampler_check_options(const hpo__sampler_ops *sops, const hpo__sampler_config *cfg)
{
    if (!sops || !cfg)
        return hpo__err(HPO_EINVAL, "hpo__sampler_check_options: ops and cfg are required");
    return hpo__check_option_names("sampler", sops->name, sops->option_names, cfg->options,
                                   cfg->n_options);
}
