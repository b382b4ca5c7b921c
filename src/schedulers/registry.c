/*
 * registry.c -- the list of schedulers and the option helpers they share.
 *
 * A new scheduler is one file with one hpo__scheduler_ops and a line in `ops`
 * below.
 */
#include "schedulers/scheduler.h"

#include "util/util.h"

#include <math.h>
#include <string.h>

extern const hpo__scheduler_ops hpo__halving_scheduler_ops;
extern const hpo__scheduler_ops hpo__hyperband_scheduler_ops;
extern const hpo__scheduler_ops hpo__asha_scheduler_ops;
extern const hpo__scheduler_ops hpo__median_scheduler_ops;

static const hpo__scheduler_ops *const ops[] = {
    &hpo__halving_scheduler_ops,
    &hpo__hyperband_scheduler_ops,
    &hpo__asha_scheduler_ops,
    &hpo__median_scheduler_ops,
};

#define N_OPS (sizeof ops / sizeof ops[0])

static const char *const names[N_OPS + 1] = {"halving", "hyperband", "asha", "median", NULL};

const char *const *hpo__scheduler_names(void)
{
    return names;
}

const hpo__scheduler_ops *hpo__scheduler_find(const char *name)
{
    if (!name || !*name) {
        hpo__err(HPO_EINVAL,
                 "no scheduler name given (expected halving, hyperband, asha or median)");
        return NULL;
    }
    for (size_t i = 0; i < N_OPS; i++)
        if (strcmp(ops[i]->name, name) == 0)
            return ops[i];
    const char *s = hpo__suggest(name, names, N_OPS);
    if (s)
        hpo__err(HPO_EINVAL, "unknown scheduler '%s' (did you mean '%s'?)", name, s);
    else
        hpo__err(HPO_EINVAL, "unknown scheduler '%s' (expected halving, hyperband, asha or median)",
                 name);
    return NULL;
}

const char *hpo__scheduler_option(const hpo__scheduler_config *cfg, const char *key)
{
    for (size_t i = 0; cfg && i < cfg->n_options; i++)
        if (cfg->options[i].key && strcmp(cfg->options[i].key, key) == 0)
            return cfg->options[i].value;
    return NULL;
}

int hpo__scheduler_check_options(const hpo__scheduler_ops *sops, const hpo__scheduler_config *cfg)
{
    if (!sops || !cfg)
        return hpo__err(HPO_EINVAL, "hpo__scheduler_check_options: ops and cfg are required");
    return hpo__check_option_names("scheduler", sops->name, sops->option_names, cfg->options,
                                   cfg->n_options);
}

int hpo__scheduler_opt_double(const hpo__scheduler_config *cfg, const char *sched, const char *key,
                              double dflt, double *out)
{
    const char *v = hpo__scheduler_option(cfg, key);
    if (!v) {
        *out = dflt;
        return 0;
    }
    double d;
    if (hpo__parse_double(v, &d) != 0 || !isfinite(d))
        return hpo__err(HPO_EINVAL, "scheduler %s: %s: expected a number, got '%s'", sched, key, v);
    *out = d;
    return 0;
}

int hpo__scheduler_opt_ll(const hpo__scheduler_config *cfg, const char *sched, const char *key,
                          long long dflt, long long *out)
{
    const char *v = hpo__scheduler_option(cfg, key);
    if (!v) {
        *out = dflt;
        return 0;
    }
    long long x;
    if (hpo__parse_ll(v, &x) != 0)
        return hpo__err(HPO_EINVAL, "scheduler %s: %s: expected an integer, got '%s'", sched, key,
                        v);
    *out = x;
    return 0;
}

int hpo__scheduler_opt_bool(const hpo__scheduler_config *cfg, const char *sched, const char *key,
                            int dflt, int *out)
{
    const char *v = hpo__scheduler_option(cfg, key);
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "1") || !strcmp(v, "yes")) {
        *out = 1;
        return 0;
    }
    if (!strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "0") || !strcmp(v, "no")) {
        *out = 0;
        return 0;
    }
    return hpo__err(HPO_EINVAL, "scheduler %s: %s: expected true or false, got '%s'", sched, key,
                    v);
}

int hpo__sched_better(hpo_direction dir, double a, double b)
{
    if (isnan(a))
        return 0;
    if (isnan(b))
        return 1;
    return dir == HPO_MAXIMIZE ? a > b : a < b;
}
