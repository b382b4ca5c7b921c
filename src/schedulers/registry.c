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
    long i = hpo__lookup_name("scheduler", name, names, N_OPS);
    return i < 0 ? NULL : ops[i];
}

const char *hpo__scheduler_option(const hpo__scheduler_config *cfg, const char *key)
{
    return cfg ? hpo__kv_get(cfg->options, cfg->n_options, key) : NULL;
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
    return hpo__opt_double(cfg->options, cfg->n_options, "scheduler", sched, key, dflt, out);
}

int hpo__scheduler_opt_ll(const hpo__scheduler_config *cfg, const char *sched, const char *key,
                          long long dflt, long long *out)
{
    return hpo__opt_ll(cfg->options, cfg->n_options, "scheduler", sched, key, dflt, out);
}

int hpo__scheduler_opt_bool(const hpo__scheduler_config *cfg, const char *sched, const char *key,
                            int dflt, int *out)
{
    return hpo__opt_bool(cfg->options, cfg->n_options, "scheduler", sched, key, dflt, out);
}

int hpo__scheduler_alias(const hpo__scheduler_config *cfg, const char *sched,
                         const char *const *aliases, const char **key, const char **val)
{
    *key = aliases[0];
    *val = NULL;
    for (size_t i = 0; aliases[i]; i++) {
        const char *v = hpo__scheduler_option(cfg, aliases[i]);
        if (!v)
            continue;
        if (*val)
            return hpo__err(HPO_EINVAL, "scheduler %s: %s: given twice, as '%s' and '%s' (aliases)",
                            sched, aliases[0], *key, aliases[i]);
        *key = aliases[i];
        *val = v;
    }
    return 0;
}

void hpo__sched_job(hpo__job *out, hpo__job_kind kind, int bracket, int rung, double budget,
                    double budget_start, long long parent)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
    out->parent = parent;
    out->bracket = bracket;
    out->rung = rung;
    out->budget = budget;
    out->budget_start = budget_start;
}

int hpo__sched_can_new(const hpo__sched_view *v)
{
    return v->max_new < 0 || v->next_seq < v->max_new;
}

size_t hpo__sched_find_row(const hpo__sched_view *v, long long number)
{
    size_t lo = 0, hi = v->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->rows[mid].number < number)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < v->n && v->rows[lo].number == number ? lo : (size_t)-1;
}

json_t *hpo__sched_json_num(double x)
{
    if (x == floor(x) && fabs(x) < 9007199254740992.0)
        return json_integer((json_int_t)x);
    return json_real(x);
}

void hpo__sched_json_set(json_t *o, const char *key, json_t *val, int *bad)
{
    if (json_object_set_new(o, key, val) != 0)
        *bad = 1;
}

int hpo__sched_better(hpo_direction dir, double a, double b)
{
    if (isnan(a))
        return 0;
    if (isnan(b))
        return 1;
    return dir == HPO_MAXIMIZE ? a > b : a < b;
}
