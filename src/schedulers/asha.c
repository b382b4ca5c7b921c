/*
 * asha.c -- the scheduler `asha`: asynchronous successive halving (Li et al.,
 * "A System for Massively Parallel Hyperparameter Tuning", MLSys 2020,
 * Algorithm 2), the promotion variant (semantics-notes.md 2.7).
 *
 * Reference behaviour: with minimum resource r, maximum resource R, reduction
 * factor eta and minimum early-stopping rate s, rungs k = 0..K, K =
 * floor(log_eta(R / r)) - s, computed as the largest integer K with
 * r * eta^(s+K) <= R * (1 + 1e-12) (no log, so R / r = eta^K is not lost to
 * rounding). Rung k trains to r * eta^(s+k); deviation from the paper: the
 * top rung trains to exactly R, so the best configurations always reach
 * max_resource even when R / r is not a power of eta. K = 0 is random
 * search at R. Whenever a worker asks (get_job):
 *   for k = K-1 down to 0: the candidates of rung k are the top
 *   floor(|rung k| / eta) of its COMPLETE trials by value (ties: the earliest);
 *   the best candidate not yet promoted (no trial has it as parent) is
 *   promoted to rung k+1, continuing from its checkpoint (budget_start = the
 *   budget of rung k); otherwise a new configuration starts in rung 0.
 * When no new configuration is allowed (n_trials or the sampler exhausted)
 * and nothing is promotable: WAIT while a trial runs, else DONE. No worker
 * ever waits while a new configuration is allowed; a configuration is
 * promoted at most once per rung; a failed trial is never promoted.
 *
 * Invariants: next_job is a pure function of (options, rows); rows with
 * `lost` set are skipped; all trials have bracket 0. Costs per call: O(n log n)
 * time and O(n) memory, n = trials of the study.
 */
#include "schedulers/scheduler.h"

#include "util/util.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

extern const hpo__scheduler_ops hpo__asha_scheduler_ops;

#define ASHA_MAX_RUNGS 256

struct hpo__scheduler {
    double r, R, eta;
    long long s;
    int K;
    double budget[ASHA_MAX_RUNGS];
    char *resource;
    hpo_direction direction;
};

static const char *const asha_options[] = {"min_resource",
                                           "max_resource",
                                           "reduction_factor",
                                           "factor",
                                           "resource",
                                           "min_early_stopping_rate",
                                           NULL};

static int asha_create(hpo__scheduler **out, const hpo__scheduler_config *cfg)
{
    if (!out || !cfg)
        return hpo__err(HPO_EINVAL, "scheduler asha: no configuration");
    int rc = hpo__scheduler_check_options(&hpo__asha_scheduler_ops, cfg);
    if (rc)
        return rc;
    static const char *const factor_names[] = {"reduction_factor", "factor", NULL};
    const char *kf, *kv;
    if ((rc = hpo__scheduler_alias(cfg, "asha", factor_names, &kf, &kv)) != 0)
        return rc;
    double r, R, eta;
    long long s;
    if (!hpo__scheduler_option(cfg, "max_resource"))
        return hpo__err(HPO_EINVAL, "scheduler asha: max_resource: required (the R of Li et al.)");
    if ((rc = hpo__scheduler_opt_double(cfg, "asha", "min_resource", 1.0, &r)) ||
        (rc = hpo__scheduler_opt_double(cfg, "asha", "max_resource", 0.0, &R)) ||
        (rc = hpo__scheduler_opt_double(cfg, "asha", kf, 4.0, &eta)) ||
        (rc = hpo__scheduler_opt_ll(cfg, "asha", "min_early_stopping_rate", 0, &s)))
        return rc;
    if (!(r > 0.0))
        return hpo__err(HPO_EINVAL, "scheduler asha: min_resource: must be > 0, got %g", r);
    if (!(R >= r))
        return hpo__err(HPO_EINVAL,
                        "scheduler asha: max_resource: must be >= min_resource (%g), "
                        "got %g",
                        r, R);
    if (!(eta > 1.0))
        return hpo__err(HPO_EINVAL, "scheduler asha: %s: must be > 1, got %g", kf, eta);
    if (s < 0)
        return hpo__err(HPO_EINVAL,
                        "scheduler asha: min_early_stopping_rate: must be >= 0, got %lld", s);
    const double cap = R * (1.0 + 1e-12);
    if (s > 100000 || r * pow(eta, (double)s) > cap)
        return hpo__err(HPO_EINVAL,
                        "scheduler asha: min_early_stopping_rate: %lld leaves no rung "
                        "(min_resource * reduction_factor^%lld > max_resource %g)",
                        s, s, R);
    int K = 0;
    while (r * pow(eta, (double)(s + K + 1)) <= cap) {
        if (++K >= ASHA_MAX_RUNGS)
            return hpo__err(HPO_EINVAL, "scheduler asha: more than %d rungs", ASHA_MAX_RUNGS);
    }
    const char *resource = hpo__scheduler_option(cfg, "resource");
    hpo__scheduler *a = hpo__calloc(1, sizeof *a);
    if (!a)
        return hpo__enomem();
    a->resource = hpo__strdup(resource ? resource : "epochs");
    if (!a->resource) {
        hpo__free(a);
        return hpo__enomem();
    }
    a->r = r;
    a->R = R;
    a->eta = eta;
    a->s = s;
    a->K = K;
    for (int k = 0; k < K; k++)
        a->budget[k] = r * pow(eta, (double)(s + k));
    a->budget[K] = R; /* the top rung reaches max_resource exactly */
    a->direction = cfg->direction;
    *out = a;
    return 0;
}

static void asha_destroy(hpo__scheduler *a)
{
    if (!a)
        return;
    hpo__free(a->resource);
    hpo__free(a);
}

/* A COMPLETE trial of a rung: key = value, negated when maximizing (smaller
 * is better; NaN last). */
typedef struct asha_ent {
    int rung;
    double key;
    size_t row;
} asha_ent;

/* By rung, then best first (NaN last), then by row (= by number). */
static int asha_cmp(const void *pa, const void *pb)
{
    const asha_ent *a = pa, *b = pb;
    if (a->rung != b->rung)
        return a->rung < b->rung ? -1 : 1;
    int na = isnan(a->key), nb = isnan(b->key);
    if (na != nb)
        return na - nb;
    if (!na && a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

static int asha_next_job(hpo__scheduler *a, const hpo__sched_view *v, hpo__job *out)
{
    if (!a || !v || !out || (v->n && !v->rows))
        return hpo__err(HPO_EINVAL, "scheduler asha: next_job: missing arguments");
    size_t n = v->n ? v->n : 1;
    asha_ent *ent = hpo__malloc(n * sizeof *ent);
    char *promoted = hpo__calloc(n, 1);
    if (!ent || !promoted) {
        hpo__free(ent);
        hpo__free(promoted);
        return hpo__enomem();
    }
    size_t n_ent = 0, start[ASHA_MAX_RUNGS + 1] = {0};
    int running = 0;
    for (size_t i = 0; i < v->n; i++) {
        const hpo__trial_row *r = &v->rows[i];
        if (r->lost)
            continue;
        if (r->state == HPO_TRIAL_RUNNING)
            running = 1;
        if (r->parent >= 0) {
            size_t p = hpo__sched_find_row(v, r->parent);
            if (p != (size_t)-1)
                promoted[p] = 1;
        }
        if (r->state != HPO_TRIAL_COMPLETE || r->rung < 0 || r->rung >= a->K)
            continue; /* only rungs below the top promote */
        ent[n_ent++] = (asha_ent){
            .rung = r->rung, .key = a->direction == HPO_MAXIMIZE ? -r->value : r->value, .row = i};
        start[r->rung + 1]++;
    }
    for (int k = 0; k < a->K; k++)
        start[k + 1] += start[k];
    qsort(ent, n_ent, sizeof *ent, asha_cmp);
    for (int k = a->K - 1; k >= 0; k--) {
        size_t size = start[k + 1] - start[k];
        size_t n_cand = (size_t)floor((double)size / a->eta);
        for (size_t j = 0; j < n_cand; j++) {
            size_t row = ent[start[k] + j].row;
            if (promoted[row])
                continue;
            hpo__sched_job(out, HPO__JOB_PROMOTE, 0, k + 1, a->budget[k + 1], a->budget[k],
                           v->rows[row].number);
            goto done;
        }
    }
    if (hpo__sched_can_new(v))
        hpo__sched_job(out, HPO__JOB_NEW, 0, 0, a->budget[0], 0.0, -1);
    else
        hpo__sched_job(out, running ? HPO__JOB_WAIT : HPO__JOB_DONE, -1, -1, (double)NAN, 0.0, -1);
done:
    hpo__free(ent);
    hpo__free(promoted);
    return 0;
}

static int asha_plan_json(const hpo__scheduler *a, json_t **out)
{
    int bad = 0;
    json_t *o = json_object(), *rungs = json_array();
    if (!o || !rungs) {
        json_decref(o);
        json_decref(rungs);
        return hpo__enomem();
    }
    hpo__sched_json_set(o, "name", json_string("asha"), &bad);
    hpo__sched_json_set(o, "min_resource", hpo__sched_json_num(a->r), &bad);
    hpo__sched_json_set(o, "max_resource", hpo__sched_json_num(a->R), &bad);
    hpo__sched_json_set(o, "reduction_factor", hpo__sched_json_num(a->eta), &bad);
    hpo__sched_json_set(o, "min_early_stopping_rate", json_integer((json_int_t)a->s), &bad);
    hpo__sched_json_set(o, "resource", json_string(a->resource), &bad);
    for (int k = 0; k <= a->K; k++) {
        json_t *e = json_object();
        if (!e || json_array_append_new(rungs, e) != 0) {
            bad = 1;
            break;
        }
        hpo__sched_json_set(e, "rung", json_integer(k), &bad);
        hpo__sched_json_set(e, "budget", hpo__sched_json_num(a->budget[k]), &bad);
    }
    hpo__sched_json_set(o, "rungs", rungs, &bad);
    if (bad) {
        json_decref(o);
        return hpo__enomem();
    }
    *out = o;
    return 0;
}

static long long asha_n_configurations(const hpo__scheduler *a)
{
    (void)a;
    return -1;
}

const hpo__scheduler_ops hpo__asha_scheduler_ops = {
    .version = HPO__SCHEDULER_OPS_VERSION,
    .name = "asha",
    .option_names = asha_options,
    .create = asha_create,
    .destroy = asha_destroy,
    .next_job = asha_next_job,
    .should_prune = NULL,
    .plan_json = asha_plan_json,
    .n_configurations = asha_n_configurations,
};
