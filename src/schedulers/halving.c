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
 */
#include "schedulers/halving.h"
#include "util/util.h"

#include <math.h>

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
