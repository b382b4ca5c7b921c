/*
 * registry.c -- the list of samplers and option helpers shared by them.
 *
 * A new sampler is one file with one hpo__sampler_ops and a line in `ops`
 * below. Lookups are linear over a handful of names.
 */
#include "samplers/sampler.h"

#include "util/util.h"

#include <math.h>
#include <string.h>

extern const hpo__sampler_ops hpo__grid_sampler_ops;
extern const hpo__sampler_ops hpo__random_sampler_ops;
extern const hpo__sampler_ops hpo__qmc_sampler_ops;
extern const hpo__sampler_ops hpo__gp_sampler_ops;
extern const hpo__sampler_ops hpo__rf_sampler_ops;
extern const hpo__sampler_ops hpo__et_sampler_ops;
extern const hpo__sampler_ops hpo__gbrt_sampler_ops;
extern const hpo__sampler_ops hpo__tpe_sampler_ops;

static const hpo__sampler_ops *const ops[] = {
    &hpo__grid_sampler_ops, &hpo__random_sampler_ops, &hpo__qmc_sampler_ops,  &hpo__gp_sampler_ops,
    &hpo__rf_sampler_ops,   &hpo__et_sampler_ops,     &hpo__gbrt_sampler_ops, &hpo__tpe_sampler_ops,
};

#define N_OPS (sizeof ops / sizeof ops[0])

static const char *const names[N_OPS + 1] = {"grid", "random", "qmc", "gp", "rf",
                                             "et",   "gbrt",   "tpe", NULL};

const char *const *hpo__sampler_names(void)
{
    return names;
}

const hpo__sampler_ops *hpo__sampler_find(const char *name)
{
    long i = hpo__lookup_name("sampler", name, names, N_OPS);
    return i < 0 ? NULL : ops[i];
}

const char *hpo__sampler_option(const hpo__sampler_config *cfg, const char *key)
{
    return cfg ? hpo__kv_get(cfg->options, cfg->n_options, key) : NULL;
}

int hpo__sampler_check_options(const hpo__sampler_ops *sops, const hpo__sampler_config *cfg)
{
    if (!sops || !cfg)
        return hpo__err(HPO_EINVAL, "hpo__sampler_check_options: ops and cfg are required");
    return hpo__check_option_names("sampler", sops->name, sops->option_names, cfg->options,
                                   cfg->n_options);
}

double hpo__history_model_budget(const hpo__history *h, size_t min_count)
{
    double budget = (double)NAN;
    if (!h)
        return budget;
    for (size_t i = 0; i < h->n; i++) {
        const hpo__history_entry *e = &h->entries[i];
        if (e->state != HPO_TRIAL_COMPLETE || !isfinite(e->budget) || !isfinite(e->value) ||
            (isfinite(budget) && e->budget <= budget))
            continue;
        size_t count = 0;
        for (size_t k = 0; k < h->n; k++)
            count += h->entries[k].state == HPO_TRIAL_COMPLETE &&
                     h->entries[k].budget == e->budget && isfinite(h->entries[k].value);
        if (count >= min_count)
            budget = e->budget;
    }
    return budget;
}
