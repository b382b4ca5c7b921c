/*
 * acq.c -- acquisition functions for minimization (acq.h), each returned as a
 * utility to MAXIMIZE with its derivatives w.r.t. the posterior mean and sd.
 *
 * Reference behaviour: scikit-optimize's skopt/acquisition.py for EI, PI and
 * LCB (improve = y_opt - xi - mu, z = improve / std, values 0 where std <= 0;
 * LCB negated here); LogEI of Ament et al. 2023 (bo-notes §2.3) for the
 * default, stable for every finite z:
 *
 *   h(z) = phi(z) + z Phi(z)
 *   z > -1        h directly (h(-1) = 0.083, no harmful cancellation);
 *   -1e6 <= z <= -1
 *                 h = phi(z) (1 - r), r = t sqrt(pi) erfcx(t), t = -z/sqrt2;
 *                 r in [0.65, 1) so 1 - r is exact; for t >= 26 the
 *                 asymptotic series of 1 - r is summed directly (no
 *                 cancellation as r -> 1);
 *   z < -1e6      log h = log phi(z) - 2 log|z| (the series' first term).
 *
 * Derivatives: d log h/dz = Phi/h and, for log EI w.r.t. sd, phi/h (the form
 * (1 - z Phi/h)/sd written without cancellation). For z <= -1 both ratios
 * come from r and 1 - r, which equals exp(log Phi - log h) but stays exact
 * when log Phi and log h are huge and nearly equal.
 *
 * erfcx: exp(x^2) erfc(x) with x^2 split exactly (fma) for x < 26, the
 * asymptotic series above; +inf where exp(x^2) erfc(x) overflows (x < -26.6).
 * log_ndtr: log(0.5 erfcx(-z/sqrt2)) - z^2/2 for z < -1, log(0.5 erfc(-z/sqrt2))
 * on [-1, 1], log1p(-Phi(-z)) above, with Phi(-z) from erfcx and an exactly
 * split exp(-z^2/2) (Phi(z) itself, for EI and PI, the same way).
 *
 * gp_hedge: probabilities softmax(eta * gains) with the extreme subtracted;
 * the pick is the inverse-CDF rule (first i whose cumulative probability
 * exceeds u). scikit-optimize picks np.argmax(rng.multinomial(1, probs)),
 * which has the same distribution but consumes its generator differently, so
 * picks match skopt in law, not draw for draw.
 *
 * Pure functions: no allocation, no state. Derivative out-pointers may be NULL.
 */
#include "models/acq.h"

#include <float.h>
#include <math.h>

#define SQRT_PI 1.7724538509055160273
#define SQRT_2PI 2.5066282746310005024
#define LOG_SQRT_2PI 0.91893853320467274178
#define SQRT1_2 0.70710678118654752440
#define ERFCX_ASYM 26.0
#define LOGH_ASYM (-1e6)

/* exp(x^2) with x^2 = hi + lo split exactly, so the result keeps full relative
 * precision even when x^2 is large (the rounding of x*x alone would cost up to
 * x^2 * eps). */
static double exp_sq(double x)
{
    double hi = x * x;
    if (!isfinite(hi))
        return HUGE_VAL;
    double lo = fma(x, x, -hi);
    return exp(hi) * (1.0 + lo);
}

/* The asymptotic series S(t) = sum_{k>=1} (-1)^(k+1) (2k-1)!! / (2t^2)^k, so that
 * t sqrt(pi) erfcx(t) = 1 - S(t); accurate to < 1e-17 relative for t >= 26
 * (the terms shrink until k ~ t^2). */
static double erfcx_tail(double t)
{
    double inv = 1.0 / (2.0 * t * t);
    double term = inv, sum = 0.0;
    for (int k = 1; k < 60 && term != 0.0; k++) {
        sum += (k % 2 == 1) ? term : -term;
        if (term < 1e-18 * sum)
            break;
        term *= (double)(2 * k + 1) * inv;
    }
    return sum;
}

double hpo__erfcx(double x)
{
    if (isnan(x))
        return x;
    if (x < ERFCX_ASYM)
        return exp_sq(x) * erfc(x); /* +inf once exp(x^2) overflows (x < -26.6) */
    if (x > 1e150)
        return 1.0 / (x * SQRT_PI);
    return (1.0 - erfcx_tail(x)) / (x * SQRT_PI);
}

/* For z <= -1: q = 1 - r = h / phi, with r = t sqrt(pi) erfcx(t), t = -z/sqrt2. */
static double one_minus_r(double z)
{
    double t = -z * SQRT1_2;
    if (t >= ERFCX_ASYM)
        return erfcx_tail(t);
    return 1.0 - t * SQRT_PI * hpo__erfcx(t);
}

/* exp(-z^2/2) with z^2 split exactly, as in exp_sq. */
static double exp_neg_half_sq(double z)
{
    double hi = z * z;
    if (!isfinite(hi))
        return 0.0;
    double lo = fma(z, z, -hi);
    return exp(-0.5 * hi) * (1.0 - 0.5 * lo);
}

static double phi(double z)
{
    return exp_neg_half_sq(z) / SQRT_2PI;
}

/* Phi(z) to a few ulps relative for z < -1 (erfcx times the exact Gaussian
 * factor: erfc(-z/sqrt2) alone loses z^2 ulps to the rounding of its argument),
 * erfc near 0, 1 - Phi(-z) above 1. */
static double ndtr(double z)
{
    if (z < -1.0)
        return 0.5 * hpo__erfcx(-z * SQRT1_2) * exp_neg_half_sq(z);
    if (z <= 1.0)
        return 0.5 * erfc(-z * SQRT1_2);
    return 1.0 - ndtr(-z);
}

double hpo__log_ndtr(double z)
{
    if (isnan(z))
        return z;
    if (z < -1.0)
        return log(0.5 * hpo__erfcx(-z * SQRT1_2)) - 0.5 * z * z;
    if (z <= 1.0)
        return log(0.5 * erfc(-z * SQRT1_2));
    return log1p(-ndtr(-z));
}

double hpo__log_h(double z)
{
    if (isnan(z))
        return z;
    if (z > -1.0)
        return log(phi(z) + z * ndtr(z));
    double logphi = -0.5 * z * z - LOG_SQRT_2PI;
    if (z < LOGH_ASYM)
        return logphi - 2.0 * log(-z);
    return logphi + log(one_minus_r(z));
}

/* g = Phi(z)/h(z) = d log h/dz and p = phi(z)/h(z), both without overflow or
 * cancellation. */
static void ratios(double z, double *g, double *p)
{
    if (z > -1.0) {
        double h = phi(z) + z * ndtr(z);
        *g = ndtr(z) / h;
        *p = phi(z) / h;
        return;
    }
    double a = -z;
    if (z < LOGH_ASYM) {
        /* q = 1/a^2 - 3/a^4 + ..., r = 1 - q: g = r / (a q), p = 1 / q */
        *g = a + 2.0 / a;
        *p = a * a + 3.0;
        return;
    }
    double q = one_minus_r(z);
    double r = 1.0 - q;
    *g = r / (a * q);
    *p = 1.0 / q;
}

double hpo__dlog_h(double z)
{
    if (isnan(z))
        return z;
    double g, p;
    ratios(z, &g, &p);
    return g;
}

static void set_derivs(double *dmu, double *dsd, double a, double b)
{
    if (dmu)
        *dmu = a;
    if (dsd)
        *dsd = b;
}

double hpo__acq_logei(double mu, double sd, double fbest, double xi, double *dmu, double *dsd)
{
    if (!(sd > 0.0)) {
        set_derivs(dmu, dsd, 0.0, 0.0);
        return -HUGE_VAL;
    }
    double z = (fbest - xi - mu) / sd;
    double g, p;
    ratios(z, &g, &p);
    /* d/dmu = g dz/dmu = -g/sd; d/dsd = 1/sd - g z/sd = (phi/h)/sd */
    set_derivs(dmu, dsd, -g / sd, p / sd);
    return log(sd) + hpo__log_h(z);
}

double hpo__acq_ei(double mu, double sd, double fbest, double xi, double *dmu, double *dsd)
{
    if (!(sd > 0.0)) {
        set_derivs(dmu, dsd, 0.0, 0.0);
        return 0.0;
    }
    double improve = fbest - xi - mu;
    double z = improve / sd;
    double cdf = ndtr(z), pdf = phi(z);
    set_derivs(dmu, dsd, -cdf, pdf);
    return improve * cdf + sd * pdf;
}

double hpo__acq_pi(double mu, double sd, double fbest, double xi, double *dmu, double *dsd)
{
    if (!(sd > 0.0)) {
        set_derivs(dmu, dsd, 0.0, 0.0);
        return 0.0;
    }
    double z = (fbest - xi - mu) / sd;
    double pdf = phi(z);
    set_derivs(dmu, dsd, -pdf / sd, -pdf * z / sd);
    return ndtr(z);
}

double hpo__acq_lcb(double mu, double sd, double kappa, double *dmu, double *dsd)
{
    set_derivs(dmu, dsd, -1.0, kappa);
    return -(mu - kappa * sd);
}

void hpo__hedge_probs(const double *gains, int n, double eta, double *probs)
{
    if (n <= 0)
        return;
    /* The largest eta * gain gets weight exp(0) = 1; NaN gains get weight 0. */
    double ext = (double)NAN;
    for (int i = 0; i < n; i++) {
        double g = gains[i];
        if (isnan(g))
            continue;
        if (isnan(ext) || (eta >= 0.0 ? g > ext : g < ext))
            ext = g;
    }
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
        double w;
        if (isnan(gains[i]) || isnan(ext) || eta == 0.0)
            w = (isnan(gains[i]) && !isnan(ext) && eta != 0.0) ? 0.0 : 1.0;
        else if (gains[i] == ext)
            w = 1.0; /* also when ext is infinite */
        else
            w = exp(eta * (gains[i] - ext)); /* argument <= 0; -inf -> 0 */
        probs[i] = w;
        sum += w;
    }
    for (int i = 0; i < n; i++)
        probs[i] /= sum;
}

int hpo__hedge_pick(const double *probs, int n, double u)
{
    if (n <= 0)
        return -1;
    double cum = 0.0;
    int last = n - 1;
    for (int i = 0; i < n; i++) {
        if (probs[i] > 0.0)
            last = i;
        cum += probs[i];
        if (cum > u && probs[i] > 0.0)
            return i;
    }
    /* rounding left the cumulative sum just below u: the last positive arm */
    return last;
}
