/*
 * median.c -- the median stopping rule (Golovin et al., "Google Vizier", 2017)
 * as Optuna 3's MedianPruner / PercentilePruner decide it, for any objective
 * that reports intermediate values (hpo_trial_report, or a command's per-epoch
 * lines).
 *
 * Reference behaviour (optuna/pruners/_percentile.py):
 *  - nothing is pruned while fewer than n_startup_trials trials are complete,
 *    before step n_warmup_steps, or off the check interval: a report at `step`
 *    is checked only when the trial's previous step lies before the nearest
 *    check step at or below it, (step - warmup) // interval * interval + warmup;
 *  - the trial's best value so far (max when maximizing) is compared with the
 *    percentile (50 = median; 100 - percentile when maximizing) of the values
 *    the complete trials reported at the same step, computed as numpy's
 *    nanpercentile (linear method, its virtual index and lerp); fewer than
 *    n_min_trials such values: no decision;
 *  - a trial whose reports are all NaN is pruned.
 * New configurations come from the sampler as without a scheduler: the rule
 * only stops trials. The trial's own step is its largest reported step (Optuna's
 * last_step).
 *
 * Costs: one pass over the study's trials and their reports per decision.
 */
#include "schedulers/scheduler.h"

#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

extern const hpo__scheduler_ops hpo__median_scheduler_ops;

typedef struct median_sched {
    long long n_startup_trials, n_warmup_steps, interval_steps, n_min_trials;
    double percentile;
} median_sched;

struct hpo__scheduler {
    median_sched m;
};

static const char *const median_options[] = {"n_startup_trials", "n_warmup_steps", "interval_steps",
                                             "n_min_trials",     "percentile",     NULL};

static int median_create(hpo__scheduler **out, const hpo__scheduler_config *cfg)
{
    int rc = hpo__scheduler_check_options(&hpo__median_scheduler_ops, cfg);
    if (rc)
        return rc;
    median_sched m;
    if ((rc = hpo__scheduler_opt_ll(cfg, "median", "n_startup_trials", 5, &m.n_startup_trials)) ||
        (rc = hpo__scheduler_opt_ll(cfg, "median", "n_warmup_steps", 0, &m.n_warmup_steps)) ||
        (rc = hpo__scheduler_opt_ll(cfg, "median", "interval_steps", 1, &m.interval_steps)) ||
        (rc = hpo__scheduler_opt_ll(cfg, "median", "n_min_trials", 1, &m.n_min_trials)) ||
        (rc = hpo__scheduler_opt_double(cfg, "median", "percentile", 50.0, &m.percentile)))
        return rc;
    if (m.n_startup_trials < 0)
        return hpo__err(HPO_EINVAL, "scheduler median: n_startup_trials: must be >= 0, got %lld",
                        m.n_startup_trials);
    if (m.n_warmup_steps < 0)
        return hpo__err(HPO_EINVAL, "scheduler median: n_warmup_steps: must be >= 0, got %lld",
                        m.n_warmup_steps);
    if (m.interval_steps < 1)
        return hpo__err(HPO_EINVAL, "scheduler median: interval_steps: must be >= 1, got %lld",
                        m.interval_steps);
    if (m.n_min_trials < 1)
        return hpo__err(HPO_EINVAL, "scheduler median: n_min_trials: must be >= 1, got %lld",
                        m.n_min_trials);
    if (!(m.percentile >= 0.0 && m.percentile <= 100.0))
        return hpo__err(HPO_EINVAL, "scheduler median: percentile: must be in [0, 100], got %g",
                        m.percentile);
    hpo__scheduler *s = hpo__calloc(1, sizeof *s);
    if (!s)
        return hpo__enomem();
    s->m = m;
    *out = s;
    return 0;
}

static void median_destroy(hpo__scheduler *s)
{
    hpo__free(s);
}

/* New configurations as without a scheduler. */
static int median_next_job(hpo__scheduler *s, const hpo__sched_view *v, hpo__job *out)
{
    (void)s;
    hpo__sched_job(out, hpo__sched_can_new(v) ? HPO__JOB_NEW : HPO__JOB_DONE, -1, -1, (double)NAN,
                   0.0, -1);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* numpy.nanpercentile(values, q), method 'linear'; NaN when none. Sorts `v`. */
static double np_percentile(double *v, size_t n, double q)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            v[k++] = v[i];
    if (k == 0)
        return (double)NAN;
    qsort(v, k, sizeof *v, cmp_double);
    double quant = q / 100.0, nn = (double)k;
    /* numpy's _compute_virtual_index(n, q, alpha=1, beta=1) */
    double vi = nn * quant + (1.0 + quant * (1.0 - 1.0 - 1.0)) - 1.0;
    double prev = floor(vi), gamma = vi - prev;
    double lo_i = prev < 0 ? 0 : prev > nn - 1 ? nn - 1 : prev;
    double hi_i = prev + 1 < 0 ? 0 : prev + 1 > nn - 1 ? nn - 1 : prev + 1;
    double a = v[(size_t)lo_i], b = v[(size_t)hi_i];
    double diff = b - a;
    return gamma >= 0.5 ? b - diff * (1.0 - gamma) : a + diff * gamma;
}

static int median_should_prune(hpo__scheduler *s, const hpo__prune_view *v, int *prune)
{
    const median_sched *m = &s->m;
    *prune = 0;
    size_t n_complete = 0;
    for (size_t i = 0; i < v->n; i++)
        if (v->rows[i].state == HPO_TRIAL_COMPLETE)
            n_complete++;
    if (n_complete == 0 || n_complete < (size_t)m->n_startup_trials)
        return 0;
    const hpo__trial_row *self = &v->rows[v->self];
    if (self->n_reports == 0)
        return 0;
    long long step = self->reports[0].step;
    for (size_t i = 1; i < self->n_reports; i++)
        if (self->reports[i].step > step)
            step = self->reports[i].step;
    if (step < m->n_warmup_steps)
        return 0;
    /* Optuna's _is_first_in_interval_step (Python floor division). */
    long long d = step - m->n_warmup_steps;
    long long q = d / m->interval_steps;
    if (d % m->interval_steps != 0 && ((d < 0) != (m->interval_steps < 0)))
        q--;
    long long nearest = q * m->interval_steps + m->n_warmup_steps;
    long long second_last = -1;
    for (size_t i = 0; i < self->n_reports; i++) {
        long long st = self->reports[i].step;
        if (st > second_last && st != step)
            second_last = st;
    }
    if (!(second_last < nearest))
        return 0;
    double best = (double)NAN;
    for (size_t i = 0; i < self->n_reports; i++) {
        double x = self->reports[i].value;
        if (isnan(x))
            continue;
        if (isnan(best) || (v->direction == HPO_MAXIMIZE ? x > best : x < best))
            best = x;
    }
    if (isnan(best)) {
        *prune = 1;
        return 0;
    }
    double *vals = hpo__malloc((n_complete ? n_complete : 1) * sizeof *vals);
    if (!vals)
        return hpo__enomem();
    size_t k = 0;
    for (size_t i = 0; i < v->n; i++) {
        const hpo__trial_row *r = &v->rows[i];
        if (r->state != HPO_TRIAL_COMPLETE)
            continue;
        for (size_t j = 0; j < r->n_reports; j++)
            if (r->reports[j].step == step) {
                vals[k++] = r->reports[j].value;
                break;
            }
    }
    double p = (double)NAN;
    if (k >= (size_t)m->n_min_trials) {
        double pct = v->direction == HPO_MAXIMIZE ? 100.0 - m->percentile : m->percentile;
        p = np_percentile(vals, k, pct);
    }
    hpo__free(vals);
    if (isnan(p))
        return 0;
    *prune = v->direction == HPO_MAXIMIZE ? best < p : best > p;
    return 0;
}

static int median_plan_json(const hpo__scheduler *s, json_t **out)
{
    const median_sched *m = &s->m;
    json_t *o =
        json_pack("{s:s, s:I, s:I, s:I, s:I, s:f}", "name", "median", "n_startup_trials",
                  (json_int_t)m->n_startup_trials, "n_warmup_steps", (json_int_t)m->n_warmup_steps,
                  "interval_steps", (json_int_t)m->interval_steps, "n_min_trials",
                  (json_int_t)m->n_min_trials, "percentile", m->percentile);
    if (!o)
        return hpo__enomem();
    *out = o;
    return 0;
}

static long long median_n_configurations(const hpo__scheduler *s)
{
    (void)s;
    return -1;
}

const hpo__scheduler_ops hpo__median_scheduler_ops = {
    .version = HPO__SCHEDULER_OPS_VERSION,
    .name = "median",
    .option_names = median_options,
    .create = median_create,
    .destroy = median_destroy,
    .next_job = median_next_job,
    .should_prune = median_should_prune,
    .plan_json = median_plan_json,
    .n_configurations = median_n_configurations,
};
