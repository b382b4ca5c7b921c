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
    size_t n_names = 0;
    while (sops->option_names && sops->option_names[n_names])
        n_names++;
    for (size_t i = 0; i < cfg->n_options; i++) {
        const char *key = cfg->options[i].key;
        if (!key)
            return hpo__err(HPO_EINVAL, "sampler %s: an option has no name", sops->name);
        size_t j = 0;
        while (j < n_names && strcmp(sops->option_names[j], key) != 0)
            j++;
        if (j < n_names)
            continue;
        const char *s = n_names ? hpo__suggest(key, sops->option_names, n_names) : NULL;
        if (s)
            return hpo__err(HPO_EINVAL, "sampler %s: unknown option '%s' (did you mean '%s'?)",
                            sops->name, key, s);
        if (!n_names)
            return hpo__err(HPO_EINVAL, "sampler %s: unknown option '%s' (it takes no options)",
                            sops->name, key);
        hpo__buf b = HPO__BUF_INIT;
        for (size_t k = 0; k < n_names; k++)
            hpo__buf_printf(&b, "%s%s", k ? ", " : "", sops->option_names[k]);
        int rc = hpo__err(HPO_EINVAL, "sampler %s: unknown option '%s' (expected %s)", sops->name,
                          key, b.data ? b.data : "");
        hpo__buf_free(&b);
        return rc;
    }
    return 0;
}
