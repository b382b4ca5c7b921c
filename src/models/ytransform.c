/*
 * ytransform.c -- output transforms for the surrogate models (ytransform.h,
 * bo-notes §2.1 "output transform", §2.3 "Yeo-Johnson").
 *
 *   STANDARDIZE  (y - mean) / sd, population sd (ddof 0).
 *   YEO_JOHNSON  standardize; lambda = argmax of scipy's yeojohnson_llf on
 *                [-2, 4] (bounded Brent); apply; standardize again. Falls back
 *                to STANDARDIZE (kind rewritten) when the transformed sd is
 *                below 0.5 (half the standardized sd of 1), lambda lies within
 *                1e-3 of a bound, or anything is non-finite.
 *   LOG          shift = 1 - min(y) when min(y) < 1, else 0; log(y + shift);
 *                standardize. Falls back to STANDARDIZE if the logs collapse.
 *   NONE         identity.
 * Constant y (sd 0), whatever the kind: constant = 1, kind STANDARDIZE, and
 * the transform is y - mean.
 *
 * Reference: scipy 1.10 stats.yeojohnson / yeojohnson_llf (the transform, and
 * llf = -n/2 log var(psi) + (lambda - 1) sum sign(y) log1p|y|, +inf when the
 * variance is below DBL_MIN) and yeojohnson_normmax, whose criterion (the
 * llf, infinite values rejected) is maximized here by bounded Brent instead
 * of scipy's bracketing Brent from (-2, 2): the same optimum when it lies
 * inside the bounds. The powers are written expm1(lambda log1p(y)) / lambda,
 * more accurate than scipy's ((y + 1)^lambda - 1) / lambda near lambda = 0.
 *
 * Application outside the fitted range: Yeo-Johnson continues linearly (its
 * tangent) beyond |z| = 1e4 standardized units, the log continues linearly
 * (tangent at 1) below the fitted minimum, and every result is clamped to
 * +-DBL_MAX, so hpo__ytf_apply is finite and non-decreasing for every finite
 * input and equals the plain formulas on the data it was fitted on.
 *
 * Pure functions: no allocation, no state. Fitting costs O(n) per llf
 * evaluation, about 40 evaluations.
 */
#include "models/ytransform.h"

#include <float.h>
#include <math.h>

#define YJ_LO (-2.0)
#define YJ_HI 4.0
#define YJ_BOUND_MARGIN 1e-3
#define YJ_MIN_SD 0.5
#define YJ_ZMAX 1e4

/* ---- Yeo-Johnson */

double hpo__yeojohnson(double y, double lambda)
{
    if (y >= 0.0) {
        if (fabs(lambda) < DBL_EPSILON)
            return log1p(y);
        return expm1(lambda * log1p(y)) / lambda;
    }
    double b = 2.0 - lambda;
    if (fabs(b) < DBL_EPSILON)
        return -log1p(-y);
    return -expm1(b * log1p(-y)) / b;
}

/* d psi / dy: (1 + y)^(lambda - 1) for y >= 0, (1 - y)^(1 - lambda) below. */
static double yj_slope(double y, double lambda)
{
    if (y >= 0.0)
        return exp((lambda - 1.0) * log1p(y));
    return exp((1.0 - lambda) * log1p(-y));
}

/* The llf of the affine image (y - m) / s of the data (m = 0, s = 1: the data
 * itself, exactly). */
static double llf_affine(const double *y, size_t n, double m, double s, double lambda)
{
    if (n == 0)
        return (double)NAN;
    /* two passes on values shifted by the first one: equal values give a
     * variance of exactly 0 (scipy then returns +inf) */
    double first = hpo__yeojohnson((y[0] - m) / s, lambda);
    double mean = 0.0, logsum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double v = (y[i] - m) / s;
        mean += hpo__yeojohnson(v, lambda) - first;
        double l = log1p(fabs(v));
        logsum += v > 0.0 ? l : (v < 0.0 ? -l : 0.0);
    }
    mean /= (double)n;
    double var = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = hpo__yeojohnson((y[i] - m) / s, lambda) - first - mean;
        var += d * d;
    }
    var /= (double)n;
    if (!(var >= DBL_MIN))
        return isnan(var) ? (double)NAN : HUGE_VAL;
    return -0.5 * (double)n * log(var) + (lambda - 1.0) * logsum;
}

double hpo__yeojohnson_llf(const double *y, size_t n, double lambda)
{
    return llf_affine(y, n, 0.0, 1.0, lambda);
}

/* The objective Brent minimizes: -llf, with +inf llf (collapsed variance)
 * rejected as scipy's normmax does, and NaN treated as +inf. */
static double neg_llf(const double *y, size_t n, double m, double s, double lambda)
{
    double l = llf_affine(y, n, m, s, lambda);
    if (isnan(l) || l == HUGE_VAL)
        return HUGE_VAL;
    return -l;
}

/* Brent's bounded minimization (golden section plus parabolic steps, as in
 * Forsythe, Malcolm & Moler's FMIN and scipy's fminbound) of neg_llf on
 * [lo, hi]; x tolerance sqrt(eps) |x| + 1e-10. */
static double normmax_affine(const double *y, size_t n, double m, double s, double lo, double hi)
{
    const double golden = 0.5 * (3.0 - sqrt(5.0));
    const double rel = sqrt(DBL_EPSILON), abs_tol = 1e-10;
    double a = lo, b = hi;
    double x = a + golden * (b - a), w = x, v = x;
    double fx = neg_llf(y, n, m, s, x), fw = fx, fv = fx;
    double d = 0.0, e = 0.0;
    for (int iter = 0; iter < 500; iter++) {
        double xm = 0.5 * (a + b);
        double tol1 = rel * fabs(x) + abs_tol / 3.0, tol2 = 2.0 * tol1;
        if (fabs(x - xm) <= tol2 - 0.5 * (b - a))
            break;
        int golden_step = 1;
        if (fabs(e) > tol1) {
            /* try a parabola through x, w, v */
            double r = (x - w) * (fx - fv);
            double q = (x - v) * (fx - fw);
            double p = (x - v) * q - (x - w) * r;
            q = 2.0 * (q - r);
            if (q > 0.0)
                p = -p;
            q = fabs(q);
            double etemp = e;
            e = d;
            if (isfinite(p) && isfinite(q) && fabs(p) < fabs(0.5 * q * etemp) && p > q * (a - x) &&
                p < q * (b - x)) {
                d = p / q;
                double u = x + d;
                if (u - a < tol2 || b - u < tol2)
                    d = x < xm ? tol1 : -tol1;
                golden_step = 0;
            }
        }
        if (golden_step) {
            e = (x >= xm) ? a - x : b - x;
            d = golden * e;
        }
        double u = fabs(d) >= tol1 ? x + d : x + (d > 0.0 ? tol1 : -tol1);
        double fu = neg_llf(y, n, m, s, u);
        if (fu <= fx) {
            if (u >= x)
                a = x;
            else
                b = x;
            v = w;
            fv = fw;
            w = x;
            fw = fx;
            x = u;
            fx = fu;
        } else {
            if (u < x)
                a = u;
            else
                b = u;
            if (fu <= fw || w == x) {
                v = w;
                fv = fw;
                w = u;
                fw = fu;
            } else if (fu <= fv || v == x || v == w) {
                v = u;
                fv = fu;
            }
        }
    }
    return x;
}

double hpo__yeojohnson_normmax(const double *y, size_t n, double lo, double hi)
{
    return normmax_affine(y, n, 0.0, 1.0, lo, hi);
}

/* ---- fitting */

/* Mean and population sd of f(y_i), computed on values scaled by their
 * largest magnitude so that neither the sum nor the squares overflow. kind:
 * 0 raw, 1 Yeo-Johnson of (y - m) / s with lambda, 2 log(y + shift). */
typedef struct {
    int kind;
    double m, s, lambda, shift;
} valfn;

static double val(const valfn *f, double y)
{
    switch (f->kind) {
    case 1:
        return hpo__yeojohnson((y - f->m) / f->s, f->lambda);
    case 2:
        return log(y + f->shift);
    default:
        return y;
    }
}

static void mean_sd(const double *y, size_t n, const valfn *f, double *mean, double *sd)
{
    double big = 0.0;
    for (size_t i = 0; i < n; i++) {
        double a = fabs(val(f, y[i]));
        if (!(a <= big))
            big = a; /* also propagates NaN */
    }
    if (!isfinite(big)) {
        *mean = *sd = (double)NAN;
        return;
    }
    if (big == 0.0) {
        *mean = *sd = 0.0;
        return;
    }
    double mu = 0.0;
    for (size_t i = 0; i < n; i++)
        mu += val(f, y[i]) / big;
    mu /= (double)n;
    double var = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = val(f, y[i]) / big - mu;
        var += d * d;
    }
    *mean = mu * big;
    *sd = sqrt(var / (double)n) * big;
}

static void set_standardize(hpo__ytf *t, double mean, double sd)
{
    t->kind = HPO__YTF_STANDARDIZE;
    t->mean1 = mean;
    t->sd1 = sd;
    t->lambda = 1.0;
    t->mean2 = 0.0;
    t->sd2 = 1.0;
    t->shift = 0.0;
    t->constant = 0;
}

void hpo__ytf_fit(hpo__ytf *t, const double *y, size_t n, hpo__ytf_kind kind)
{
    set_standardize(t, 0.0, 1.0);
    if (kind == HPO__YTF_NONE || n == 0) {
        t->kind = HPO__YTF_NONE; /* n == 0 is outside the contract: identity */
        return;
    }
    valfn raw = {0, 0.0, 1.0, 1.0, 0.0};
    double mean, sd;
    mean_sd(y, n, &raw, &mean, &sd);
    if (!isfinite(mean) || !isfinite(sd) || sd <= 0.0) {
        /* constant (or, against the contract, non-finite) y: y - mean */
        set_standardize(t, isfinite(mean) ? mean : 0.0, 1.0);
        t->constant = 1;
        return;
    }
    set_standardize(t, mean, sd);
    if (kind == HPO__YTF_YEO_JOHNSON) {
        double lambda = normmax_affine(y, n, mean, sd, YJ_LO, YJ_HI);
        if (!isfinite(lambda) || lambda < YJ_LO + YJ_BOUND_MARGIN ||
            lambda > YJ_HI - YJ_BOUND_MARGIN)
            return;
        valfn f = {1, mean, sd, lambda, 0.0};
        double m2, s2;
        mean_sd(y, n, &f, &m2, &s2);
        if (!isfinite(m2) || !isfinite(s2) || !(s2 >= YJ_MIN_SD))
            return;
        t->kind = HPO__YTF_YEO_JOHNSON;
        t->lambda = lambda;
        t->mean2 = m2;
        t->sd2 = s2;
    } else if (kind == HPO__YTF_LOG) {
        double lo = y[0];
        for (size_t i = 1; i < n; i++)
            lo = y[i] < lo ? y[i] : lo;
        double shift = lo < 1.0 ? 1.0 - lo : 0.0;
        valfn f = {2, 0.0, 1.0, 1.0, shift};
        double m2, s2;
        mean_sd(y, n, &f, &m2, &s2);
        if (!isfinite(shift) || !isfinite(m2) || !isfinite(s2) || !(s2 > 0.0))
            return;
        t->kind = HPO__YTF_LOG;
        t->mean1 = 0.0;
        t->sd1 = 1.0;
        t->shift = shift;
        t->mean2 = m2;
        t->sd2 = s2;
    }
}

/* ---- application */

static double clamp_finite(double v)
{
    if (isnan(v))
        return 0.0; /* unreachable for finite input; keep the result finite */
    if (v > DBL_MAX)
        return DBL_MAX;
    if (v < -DBL_MAX)
        return -DBL_MAX;
    return v;
}

/* Yeo-Johnson of z, continued by its tangent beyond |z| = YJ_ZMAX so that it
 * stays finite (lambda up to 4) and strictly increasing (lambda down to -2). */
static double yj_extended(double z, double lambda)
{
    if (z > YJ_ZMAX)
        return hpo__yeojohnson(YJ_ZMAX, lambda) + yj_slope(YJ_ZMAX, lambda) * (z - YJ_ZMAX);
    if (z < -YJ_ZMAX)
        return hpo__yeojohnson(-YJ_ZMAX, lambda) + yj_slope(-YJ_ZMAX, lambda) * (z + YJ_ZMAX);
    return hpo__yeojohnson(z, lambda);
}

double hpo__ytf_apply(const hpo__ytf *t, double y)
{
    double v;
    switch (t->kind) {
    case HPO__YTF_NONE:
        return y;
    case HPO__YTF_YEO_JOHNSON:
        v = yj_extended((y - t->mean1) / t->sd1, t->lambda);
        v = (v - t->mean2) / t->sd2;
        break;
    case HPO__YTF_LOG: {
        double u = y + t->shift;
        /* the fitted data have u >= 1; below, the tangent of log at 1 */
        v = u >= 1.0 ? log(u) : u - 1.0;
        v = (v - t->mean2) / t->sd2;
        break;
    }
    case HPO__YTF_STANDARDIZE:
    default:
        v = (y - t->mean1) / t->sd1;
        break;
    }
    return clamp_finite(v);
}
