/*
 * halving.c -- successive halving's schedule as scikit-learn 1.2 computes it in
 * BaseSuccessiveHalving._check_input_parameters and _run_search.
 *
 * Reference behaviour, to the bit:
 *  - min_resources_: 'smallest' and 'exhaust' start from 2 * n_splits, times
 *    the number of classes for a classifier, when the resource is n_samples,
 *    else 1; max_resources_ 'auto' is n_samples (n_samples only).
 *  - n_required_iterations = 1 + floor(log(n_candidates) / log(factor)).
 *  - 'exhaust': min_resources_ = max(min_resources_, max_resources_ //
 *    factor ** (n_required - 1)), with Python's semantics: integer floor
 *    division when factor is an integer, float floor division (and a float
 *    result) when it is a float; max() keeps the first of equal values.
 *  - n_possible_iterations = 1 + floor(log(max_resources_ // min_resources_) /
 *    log(factor)); n_iterations = n_required with aggressive_elimination, else
 *    min(n_possible, n_required).
 *  - iteration i: power = i, or max(0, i - n_required + n_possible) with
 *    aggressive elimination; n_resources = min(int(factor ** power *
 *    min_resources_), max_resources_); candidates ceil(previous / factor).
 *  - random search: n_candidates 'exhaust' is max_resources_ // min_resources_
 *    (before the 'exhaust' adjustment); a space of lists yields at most its
 *    grid size (ParameterSampler).
 * Python's float floor division is reproduced (fmod-based, as CPython's
 * float_floor_div), and logs are log(x) / log(b) in double, as math.log(x, b).
 *
 * The scheduler `halving` (hpo__halving_scheduler_ops, after the plan code)
 * runs that plan over the study's trials, as _run_search does:
 *  - iteration 0 (rung 0, bracket 0) creates n_candidates[0] configurations
 *    with n_resources[0]; iteration i+1 starts only when every trial of
 *    iteration i has finished (scikit-learn's synchronous loop);
 *  - the candidates kept for iteration i+1 are scikit-learn's _top_k over
 *    iteration i's trials in number order: scores (value if COMPLETE, else NaN;
 *    negated when minimizing, scikit-learn maximizes) sorted ascending, NaNs
 *    moved to the front (np.roll of np.argsort by the NaN count), the last
 *    k = n_candidates[i+1] kept; the m-th trial of iteration i+1 continues
 *    kept[m] (so the best kept candidate runs last, as in scikit-learn).
 *    np.argsort is reproduced index for index (util/npsort.c: numpy's
 *    introsort, stable up to 16 scores, its own order of equal scores
 *    beyond), so ties at the cut keep the candidates scikit-learn keeps. As
 *    in scikit-learn, a failed candidate is kept when fewer than k succeeded.
 *  - when the sampler or n_trials stops iteration 0 short, the schedule goes
 *    on with the candidates it has (k = min(n_candidates[i+1], trials of
 *    iteration i)).
 * Options: resource, factor, min_resources, max_resources,
 * aggressive_elimination, n_candidates as scikit-learn's (min_resources
 * defaults to 'exhaust' over a grid, as HalvingGridSearchCV, and to 'smallest'
 * otherwise, as HalvingRandomSearchCV); n_samples, n_splits and n_classes are
 * filled by the spec layer from the data and the objective's CV (they are the
 * inputs of 'smallest', 'exhaust' and 'auto').
 * Invariants: next_job is a pure function of (options, rows); rows with
 * `lost` set are skipped. Costs: O(n log n) time and O(n) memory per call.
 */
#include "schedulers/halving.h"
#include "schedulers/scheduler.h"
#include "util/util.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* CPython's float // float for positive operands. */
static double py_floordiv(double vx, double wx)
{
    double mod = fmod(vx, wx);
    double div = (vx - mod) / wx;
    if (mod != 0.0 && ((wx < 0) != (mod < 0)))
        div -= 1.0;
    if (div == 0.0)
        return copysign(0.0, vx / wx);
    double f = floor(div);
    if (div - f > 0.5)
        f += 1.0;
    return f;
}

/* factor ** p as Python computes it: exact integer powers for an int factor
 * (within double's exact range, which schedules never leave), pow() else. */
static double py_pow(const hpo__halving_config *c, int p)
{
    if (c->factor_is_int) {
        double r = 1.0;
        for (int i = 0; i < p; i++)
            r *= c->factor;
        return r;
    }
    return pow(c->factor, (double)p);
}

static int floor_log(double x, double b)
{
    return (int)floor(log(x) / log(b));
}

int hpo__halving_plan_make(const hpo__halving_config *c, hpo__halving_plan *p)
{
    if (!c || !p)
        return hpo__err(HPO_EINVAL, "halving: no configuration");
    if (!(c->factor > 1.0) || !isfinite(c->factor))
        return hpo__err(HPO_EINVAL, "halving: factor must be > 1, got %g", c->factor);
    if (c->n_candidates_exhaust && c->min_kind == HPO__MINRES_EXHAUST)
        return hpo__err(HPO_EINVAL,
                        "halving: n_candidates and min_resources cannot both be 'exhaust'");
    *p = (hpo__halving_plan){0};
    /* _check_input_parameters */
    double minr;
    int min_float = 0;
    if (c->min_kind == HPO__MINRES_VALUE) {
        if (c->min_resources < 1)
            return hpo__err(HPO_EINVAL, "halving: min_resources must be >= 1, got %lld",
                            c->min_resources);
        minr = (double)c->min_resources;
    } else if (c->resource_is_n_samples) {
        minr = (double)(c->n_splits * 2 * (c->n_classes > 0 ? c->n_classes : 1));
    } else {
        minr = 1.0;
    }
    long long maxr = c->max_resources;
    if (maxr <= 0) {
        if (!c->resource_is_n_samples)
            return hpo__err(HPO_EINVAL,
                            "halving: max_resources 'auto' needs resource n_samples; give "
                            "max_resources for a parameter resource");
        maxr = c->n_samples;
    }
    if (minr > (double)maxr)
        return hpo__err(HPO_EINVAL,
                        "halving: min_resources_=%.17g is greater than "
                        "max_resources_=%lld",
                        minr, maxr);
    if (minr == 0.0)
        return hpo__err(HPO_EINVAL, "halving: min_resources_=0: is the data set empty?");
    /* _generate_candidate_params */
    unsigned long long n = c->n_candidates;
    if (c->n_candidates_exhaust)
        n = (unsigned long long)((long long)maxr / (long long)minr);
    if (c->grid_size > 0 && n > c->grid_size)
        n = c->grid_size;
    if (n == 0)
        return hpo__err(HPO_EINVAL, "halving: no candidates");
    p->n_candidates_first = n;
    /* _run_search */
    int n_required = 1 + floor_log((double)n, c->factor);
    if (c->min_kind == HPO__MINRES_EXHAUST) {
        double fp = py_pow(c, n_required - 1), v;
        int v_float = !c->factor_is_int;
        if (v_float)
            v = py_floordiv((double)maxr, fp);
        else
            v = floor((double)maxr / fp); /* int // int (exact for these sizes) */
        if (v > minr) {                   /* max() keeps the first of equal values */
            minr = v;
            min_float = v_float;
        }
    }
    double ratio =
        min_float ? py_floordiv((double)maxr, minr) : (double)((long long)maxr / (long long)minr);
    int n_possible = 1 + floor_log(ratio, c->factor);
    int n_iter = c->aggressive_elimination ? n_required
                                           : (n_possible < n_required ? n_possible : n_required);
    if (n_iter > HPO__HALVING_MAX_ITER)
        return hpo__err(HPO_EINVAL, "halving: %d iterations is too many", n_iter);
    unsigned long long cand = n;
    for (int i = 0; i < n_iter; i++) {
        int power = i;
        if (c->aggressive_elimination) {
            power = i - n_required + n_possible;
            if (power < 0)
                power = 0;
        }
        double r = py_pow(c, power) * minr;
        long long nr = (long long)r; /* int(): truncation */
        if (nr > maxr)
            nr = maxr;
        p->n_resources[i] = nr;
        p->n_candidates[i] = cand;
        cand = (unsigned long long)ceil((double)cand / c->factor);
    }
    p->min_resources_ = minr;
    p->min_resources_is_float = min_float;
    p->max_resources_ = maxr;
    p->n_required_iterations = n_required;
    p->n_possible_iterations = n_possible;
    p->n_iterations = n_iter;
    return 0;
}

/* ---- the scheduler `halving` (see the header comment) */

extern const hpo__scheduler_ops hpo__halving_scheduler_ops;

struct hpo__scheduler {
    hpo__halving_plan plan;
    char *resource;
    double factor;
    int factor_is_int;
    int aggressive_elimination;
    hpo_direction direction;
};

static const char *const halving_options[] = {
    "resource",     "factor",    "min_resources", "max_resources", "aggressive_elimination",
    "n_candidates", "n_samples", "n_splits",      "n_classes",     NULL};

/* A plan error as "scheduler halving: ..." (the plan's own messages start
 * with "halving: "). */
static int halving_plan_err(int rc)
{
    const char *m = hpo_errmsg();
    if (m && strncmp(m, "halving: ", 9) == 0)
        m += 9;
    return hpo__err(rc, "scheduler halving: %s", m ? m : "invalid schedule");
}

static int halving_opt_count(const hpo__scheduler_config *cfg, const char *key, long long dflt,
                             long long min, long long *out)
{
    int rc = hpo__scheduler_opt_ll(cfg, "halving", key, dflt, out);
    if (rc)
        return rc;
    if (*out < min)
        return hpo__err(HPO_EINVAL, "scheduler halving: %s: must be >= %lld, got %lld", key, min,
                        *out);
    return 0;
}

static int halving_create(hpo__scheduler **out, const hpo__scheduler_config *cfg)
{
    if (!out || !cfg)
        return hpo__err(HPO_EINVAL, "scheduler halving: no configuration");
    int rc = hpo__scheduler_check_options(&hpo__halving_scheduler_ops, cfg);
    if (rc)
        return rc;
    const int grid = cfg->sampler && strcmp(cfg->sampler, "grid") == 0;
    hpo__halving_config hc = {0};
    const char *resource = hpo__scheduler_option(cfg, "resource");
    if (!resource)
        resource = "n_samples";
    if (!*resource)
        return hpo__err(HPO_EINVAL, "scheduler halving: resource: must not be empty");
    hc.resource_is_n_samples = strcmp(resource, "n_samples") == 0;

    /* factor: a Python int ("3") or float ("3.0", "2.5"), as given */
    const char *v = hpo__scheduler_option(cfg, "factor");
    long long fi;
    if (!v) {
        hc.factor = 3.0;
        hc.factor_is_int = 1;
    } else if (hpo__parse_ll(v, &fi) == 0) {
        hc.factor = (double)fi;
        hc.factor_is_int = 1;
    } else if (hpo__parse_double(v, &hc.factor) != 0 || !isfinite(hc.factor)) {
        return hpo__err(HPO_EINVAL, "scheduler halving: factor: expected a number, got '%s'", v);
    }
    if (!(hc.factor > 1.0))
        return hpo__err(HPO_EINVAL, "scheduler halving: factor: must be > 1, got '%s'", v);

    /* min_resources: scikit-learn's default differs between the two classes */
    v = hpo__scheduler_option(cfg, "min_resources");
    if (!v)
        hc.min_kind = grid ? HPO__MINRES_EXHAUST : HPO__MINRES_SMALLEST;
    else if (strcmp(v, "exhaust") == 0)
        hc.min_kind = HPO__MINRES_EXHAUST;
    else if (strcmp(v, "smallest") == 0)
        hc.min_kind = HPO__MINRES_SMALLEST;
    else if (hpo__parse_ll(v, &hc.min_resources) == 0 && hc.min_resources >= 1)
        hc.min_kind = HPO__MINRES_VALUE;
    else
        return hpo__err(HPO_EINVAL,
                        "scheduler halving: min_resources: expected 'exhaust', 'smallest' or an "
                        "integer >= 1, got '%s'",
                        v);

    v = hpo__scheduler_option(cfg, "max_resources");
    if (!v || strcmp(v, "auto") == 0)
        hc.max_resources = 0;
    else if (hpo__parse_ll(v, &hc.max_resources) != 0 || hc.max_resources < 1)
        return hpo__err(HPO_EINVAL,
                        "scheduler halving: max_resources: expected 'auto' or an integer >= 1, "
                        "got '%s'",
                        v);
    if (hc.max_resources == 0 && !hc.resource_is_n_samples)
        return hpo__err(HPO_EINVAL,
                        "scheduler halving: max_resources: required when the resource is a "
                        "parameter ('%s'); 'auto' needs resource n_samples",
                        resource);

    if ((rc = hpo__scheduler_opt_bool(cfg, "halving", "aggressive_elimination", 0,
                                      &hc.aggressive_elimination)))
        return rc;

    /* candidates: the grid, or n_candidates */
    v = hpo__scheduler_option(cfg, "n_candidates");
    if (grid) {
        if (v)
            return hpo__err(HPO_EINVAL,
                            "scheduler halving: n_candidates: not an option over a grid (the "
                            "grid's configurations are the candidates, as in "
                            "HalvingGridSearchCV)");
        if (cfg->sampler_capacity < 1)
            return hpo__err(HPO_EINVAL, "scheduler halving: the grid has no configurations");
        hc.n_candidates = (unsigned long long)cfg->sampler_capacity;
    } else if (!v || strcmp(v, "exhaust") == 0) {
        hc.n_candidates_exhaust = 1;
    } else {
        long long nc;
        if (hpo__parse_ll(v, &nc) != 0 || nc < 1)
            return hpo__err(HPO_EINVAL,
                            "scheduler halving: n_candidates: expected 'exhaust' or an integer "
                            ">= 1, got '%s'",
                            v);
        hc.n_candidates = (unsigned long long)nc;
    }
    if (!grid && cfg->sampler && strcmp(cfg->sampler, "random") == 0 && cfg->sampler_capacity >= 0)
        hc.grid_size = (unsigned long long)cfg->sampler_capacity; /* a space of lists */

    /* filled by the spec layer from the data and the CV */
    if ((rc = halving_opt_count(cfg, "n_samples", 0, 0, &hc.n_samples)) ||
        (rc = halving_opt_count(cfg, "n_splits", 5, 1, &hc.n_splits)) ||
        (rc = halving_opt_count(cfg, "n_classes", 0, 0, &hc.n_classes)))
        return rc;
    if (hc.resource_is_n_samples && hc.max_resources == 0 && hc.n_samples < 1)
        return hpo__err(HPO_EINVAL,
                        "scheduler halving: n_samples: required with max_resources 'auto' "
                        "(filled from the data by the spec)");
    if (hc.n_candidates_exhaust && hc.min_kind == HPO__MINRES_EXHAUST)
        return hpo__err(HPO_EINVAL, "scheduler halving: n_candidates, min_resources: cannot both "
                                    "be 'exhaust'");

    hpo__scheduler *s = hpo__calloc(1, sizeof *s);
    if (!s)
        return hpo__enomem();
    if ((rc = hpo__halving_plan_make(&hc, &s->plan))) {
        hpo__free(s);
        return halving_plan_err(rc);
    }
    s->resource = hpo__strdup(resource);
    if (!s->resource) {
        hpo__free(s);
        return hpo__enomem();
    }
    s->factor = hc.factor;
    s->factor_is_int = hc.factor_is_int;
    s->aggressive_elimination = hc.aggressive_elimination;
    s->direction = cfg->direction;
    *out = s;
    return 0;
}

static void halving_destroy(hpo__scheduler *s)
{
    if (!s)
        return;
    hpo__free(s->resource);
    hpo__free(s);
}

static int halving_next_job(hpo__scheduler *s, const hpo__sched_view *v, hpo__job *out)
{
    if (!s || !v || !out || (v->n && !v->rows))
        return hpo__err(HPO_EINVAL, "scheduler halving: next_job: missing arguments");
    const hpo__halving_plan *p = &s->plan;
    const int n_iter = p->n_iterations;
    size_t cnt[HPO__HALVING_MAX_ITER] = {0}, start[HPO__HALVING_MAX_ITER + 1];
    for (size_t i = 0; i < v->n; i++) {
        const hpo__trial_row *r = &v->rows[i];
        if (!r->lost && r->rung >= 0 && r->rung < n_iter)
            cnt[r->rung]++;
    }
    if (cnt[0] < p->n_candidates[0] && hpo__sched_can_new(v)) {
        hpo__sched_job(out, HPO__JOB_NEW, 0, 0, (double)p->n_resources[0], 0.0, -1);
        return 0;
    }
    /* row indices grouped by iteration, number order within each (counting sort) */
    start[0] = 0;
    for (int i = 0; i < n_iter; i++)
        start[i + 1] = start[i] + cnt[i];
    size_t total = start[n_iter] ? start[n_iter] : 1;
    size_t *ord = hpo__malloc(total * sizeof *ord), *perm = hpo__malloc(total * sizeof *perm);
    double *sc = hpo__malloc(total * sizeof *sc);
    if (!ord || !perm || !sc) {
        hpo__free(ord);
        hpo__free(perm);
        hpo__free(sc);
        return hpo__enomem();
    }
    size_t fill[HPO__HALVING_MAX_ITER];
    memcpy(fill, start, sizeof fill);
    for (size_t i = 0; i < v->n; i++) {
        const hpo__trial_row *r = &v->rows[i];
        if (!r->lost && r->rung >= 0 && r->rung < n_iter)
            ord[fill[r->rung]++] = i;
    }
    hpo__sched_job(out, HPO__JOB_DONE, -1, -1, (double)NAN, 0.0, -1);
    for (int i = 0; i + 1 < n_iter; i++) {
        size_t k = (size_t)p->n_candidates[i + 1];
        if (k > cnt[i])
            k = cnt[i]; /* iteration 0 stopped short by the sampler or n_trials */
        if (cnt[i + 1] >= k)
            continue;
        const size_t *it = ord + start[i];
        int running = 0;
        for (size_t j = 0; j < cnt[i]; j++) {
            const hpo__trial_row *r = &v->rows[it[j]];
            if (r->state == HPO_TRIAL_RUNNING)
                running = 1;
            double x = r->state == HPO_TRIAL_COMPLETE ? r->value : (double)NAN;
            sc[j] = s->direction == HPO_MINIMIZE ? -x : x;
        }
        if (running) {
            out->kind = HPO__JOB_WAIT;
            break;
        }
        /* np.argsort (numpy's own introsort: its order of equal scores) */
        hpo__np_argsort(sc, cnt[i], perm);
        /* np.roll by the NaN count: the NaN block (last) moves to the front */
        size_t n_nan = 0;
        for (size_t j = 0; j < cnt[i]; j++)
            n_nan += isnan(sc[j]) != 0;
        /* rolled[q] = perm[(q + cnt - n_nan) % cnt]; kept[m] = rolled[cnt - k + m] */
        size_t q = cnt[i] - k + cnt[i + 1];
        const hpo__trial_row *parent = &v->rows[it[perm[(q + cnt[i] - n_nan) % cnt[i]]]];
        hpo__sched_job(out, HPO__JOB_PROMOTE, 0, i + 1, (double)p->n_resources[i + 1],
                       parent->budget, parent->number);
        break;
    }
    hpo__free(ord);
    hpo__free(perm);
    hpo__free(sc);
    return 0;
}

static int halving_plan_json(const hpo__scheduler *s, json_t **out)
{
    const hpo__halving_plan *p = &s->plan;
    int bad = 0;
    json_t *o = json_object(), *its = json_array();
    if (!o || !its) {
        json_decref(o);
        json_decref(its);
        return hpo__enomem();
    }
    hpo__sched_json_set(o, "name", json_string("halving"), &bad);
    hpo__sched_json_set(o, "resource", json_string(s->resource), &bad);
    hpo__sched_json_set(
        o, "factor", s->factor_is_int ? json_integer((json_int_t)s->factor) : json_real(s->factor),
        &bad);
    hpo__sched_json_set(o, "aggressive_elimination", json_boolean(s->aggressive_elimination), &bad);
    hpo__sched_json_set(o, "min_resources_",
                        p->min_resources_is_float ? json_real(p->min_resources_)
                                                  : json_integer((json_int_t)p->min_resources_),
                        &bad);
    hpo__sched_json_set(o, "max_resources_", json_integer((json_int_t)p->max_resources_), &bad);
    hpo__sched_json_set(o, "n_candidates", json_integer((json_int_t)p->n_candidates_first), &bad);
    hpo__sched_json_set(o, "n_iterations", json_integer(p->n_iterations), &bad);
    hpo__sched_json_set(o, "n_required_iterations", json_integer(p->n_required_iterations), &bad);
    hpo__sched_json_set(o, "n_possible_iterations", json_integer(p->n_possible_iterations), &bad);
    for (int i = 0; i < p->n_iterations; i++) {
        json_t *e = json_object();
        if (!e || json_array_append_new(its, e) != 0) {
            bad = 1;
            break;
        }
        hpo__sched_json_set(e, "iter", json_integer(i), &bad);
        hpo__sched_json_set(e, "n_candidates", json_integer((json_int_t)p->n_candidates[i]), &bad);
        hpo__sched_json_set(e, "n_resources", json_integer((json_int_t)p->n_resources[i]), &bad);
    }
    hpo__sched_json_set(o, "iterations", its, &bad);
    if (bad) {
        json_decref(o);
        return hpo__enomem();
    }
    *out = o;
    return 0;
}

static long long halving_n_configurations(const hpo__scheduler *s)
{
    return (long long)s->plan.n_candidates_first;
}

const hpo__scheduler_ops hpo__halving_scheduler_ops = {
    .version = HPO__SCHEDULER_OPS_VERSION,
    .name = "halving",
    .option_names = halving_options,
    .create = halving_create,
    .destroy = halving_destroy,
    .next_job = halving_next_job,
    .should_prune = NULL,
    .plan_json = halving_plan_json,
    .n_configurations = halving_n_configurations,
    .best_in_last_rung = 1,
};
