/*
 * test_acq.c -- acquisition functions and output transforms (models/acq.h,
 * models/ytransform.h): log h against a long-double direct form, continuity
 * at the branch points, monotonicity and finiteness from z = -1e8 to 40,
 * derivatives against finite differences, skopt's sd = 0 rule, gp_hedge's
 * probabilities and pick, and the output transforms' fits, fallbacks and
 * monotonicity beyond the fitted range.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "models/acq.h"
#include "models/ytransform.h"

#include <float.h>
#include <math.h>

#define SQRT1_2 0.70710678118654752440
#define INV_SQRT_2PI 0.39894228040143267794
#define SQRT_PI 1.7724538509055160273

static void assert_close(double got, double want, double rtol, double atol)
{
    double err = fabs(got - want), tol = atol + rtol * fabs(want);
    if (!(err <= tol))
        fail_msg("got %.17g, want %.17g (err %.3g > tol %.3g)", got, want, err, tol);
}

/* The plain double formulas (no long double: valgrind emulates it as double).
 * erfc's rounded argument costs them up to z^2 ulps; h cancels ~z^2 ulps for
 * z down to -5. The tolerances below allow for both. */
static double phi_d(double z)
{
    return exp(-0.5 * z * z) * INV_SQRT_2PI;
}

static double cdf_d(double z)
{
    return 0.5 * erfc(-z * SQRT1_2);
}

static double h_d(double z)
{
    return phi_d(z) + z * cdf_d(z);
}

/* ---- log h, d log h, erfcx, log_ndtr */

static void test_log_h_direct(void **state)
{
    (void)state;
    for (int i = 0; i <= 1000; i++) {
        double z = -5.0 + 0.01 * i;
        double want = log(h_d(z));
        assert_close(hpo__log_h(z), want, 1e-12, 1e-15);
        /* Phi/h from the same long-double forms */
        assert_close(hpo__dlog_h(z), cdf_d(z) / h_d(z), 1e-11, 0.0);
    }
}

static void test_log_h_continuity(void **state)
{
    (void)state;
    /* z = -1: direct form above, erfcx form at and below */
    double a = -1.0, above = nextafter(a, 0.0), below = nextafter(a, -2.0);
    assert_close(hpo__log_h(above), hpo__log_h(a), 1e-14, 0.0);
    assert_close(hpo__log_h(below), hpo__log_h(a), 1e-14, 0.0);
    assert_close(hpo__dlog_h(above), hpo__dlog_h(a), 1e-13, 0.0);
    /* z = -1e6: series above, asymptotic below */
    double b = -1e6, bb = nextafter(b, -2e6);
    assert_close(hpo__log_h(bb), hpo__log_h(b), 1e-15, 0.0);
    assert_close(hpo__dlog_h(bb), hpo__dlog_h(b), 1e-12, 0.0);
    assert_true(hpo__log_h(bb) < hpo__log_h(b));
    /* the erfcx switch at t = 26 (z = -26 sqrt 2) */
    double c = -26.0 * sqrt(2.0);
    assert_close(hpo__log_h(nextafter(c, 0.0)), hpo__log_h(nextafter(c, -100.0)), 1e-15, 0.0);
    assert_close(hpo__dlog_h(nextafter(c, 0.0)), hpo__dlog_h(nextafter(c, -100.0)), 1e-12, 0.0);
}

static void test_log_h_monotone(void **state)
{
    (void)state;
    double prev = -HUGE_VAL;
    int count = 0;
    /* -1e8 .. -1 geometrically (2000 steps), then -1 .. 40 linearly */
    for (int i = 0; i <= 2000; i++) {
        double z = -pow(10.0, 8.0 * (1.0 - i / 2000.0));
        double v = hpo__log_h(z), g = hpo__dlog_h(z);
        assert_true(isfinite(v));
        assert_true(isfinite(g) && g > 0.0);
        if (i > 0)
            assert_true(v > prev);
        prev = v;
        count++;
    }
    for (int i = 1; i <= 4100; i++) {
        double z = -1.0 + 0.01 * i;
        double v = hpo__log_h(z), g = hpo__dlog_h(z);
        assert_true(isfinite(v) && v > prev);
        assert_true(isfinite(g) && g > 0.0);
        prev = v;
        count++;
    }
    assert_int_equal(count, 6101);
    /* asymptotics: log h ~ -z^2/2 - log sqrt(2 pi) - 2 log|z|; Phi/h -> |z|; -> 1/z */
    assert_close(hpo__log_h(-1e8), -0.5e16 - 0.918938533204672742 - 2.0 * log(1e8), 1e-15, 0.0);
    assert_close(hpo__dlog_h(-1e8), 1e8, 1e-15, 0.0);
    assert_close(hpo__dlog_h(1e3), 1e-3, 1e-15, 0.0);
    assert_close(hpo__log_h(1e3), log(1e3), 1e-15, 0.0);
}

static void test_dlog_h_fd(void **state)
{
    (void)state;
    const double zs[] = {-1e5,   -3e3,   -200, -40, -36.8, -30, -10, -3,
                         -1.001, -0.999, 0,    0.5, 2,     8,   30};
    for (size_t i = 0; i < sizeof zs / sizeof zs[0]; i++) {
        double z = zs[i], step = 1e-4 * fmax(1.0, fabs(z)) / fmax(1.0, fabs(z));
        if (z < -100)
            step = 1e-3;
        double fd = (hpo__log_h(z + step) - hpo__log_h(z - step)) / (2.0 * step);
        assert_close(hpo__dlog_h(z), fd, 1e-6, 1e-12);
    }
}

static void test_erfcx_log_ndtr(void **state)
{
    (void)state;
    assert_close(hpo__erfcx(0.0), 1.0, 1e-16, 0.0);
    for (int i = 0; i <= 400; i++) {
        double x = -20.0 + 0.1 * i;
        assert_close(hpo__erfcx(x), exp(x * x) * erfc(x), 1e-13, 0.0);
        double z = -30.0 + 0.15 * i;
        double lp = z < 0 ? log(0.5 * erfc(-z * SQRT1_2)) : log1p(-0.5 * erfc(z * SQRT1_2));
        assert_close(hpo__log_ndtr(z), lp, 2e-13, 1e-300);
    }
    /* asymptotic branch (values from mpmath at 40 digits) */
    assert_close(hpo__erfcx(100.0), 0.005641613782989432903556, 2e-16, 0.0);
    assert_close(hpo__erfcx(30.0), 0.01879588886141675149712, 2e-16, 0.0);
    assert_true(isinf(hpo__erfcx(-27.0)) && hpo__erfcx(-27.0) > 0);
    assert_true(isfinite(hpo__erfcx(-26.5)));
    assert_close(hpo__erfcx(1e200), 1.0 / (1e200 * SQRT_PI), 1e-15, 0.0);
    /* log Phi(-40) = -804.608442013754... */
    assert_close(hpo__log_ndtr(-40.0), -804.60844201375460, 1e-15, 0.0);
    assert_close(hpo__log_ndtr(10.0), -7.6198530241605269e-24, 1e-13, 0.0);
}

/* ---- acquisitions */

static void test_logei_matches_log_ei(void **state)
{
    (void)state;
    for (int i = 0; i <= 200; i++) {
        double z = -5.0 + 0.05 * i;
        double sd = 0.3, fbest = 1.0, xi = 0.01, mu = fbest - xi - z * sd;
        double dmu, dsd, edmu, edsd;
        double lv = hpo__acq_logei(mu, sd, fbest, xi, &dmu, &dsd);
        double ev = hpo__acq_ei(mu, sd, fbest, xi, &edmu, &edsd);
        assert_close(lv, log(ev), 1e-12, 1e-14);
        /* d log EI = d EI / EI */
        assert_close(dmu, edmu / ev, 1e-10, 0.0);
        assert_close(dsd, edsd / ev, 1e-10, 0.0);
    }
}

typedef double (*acq4)(double, double, double, double, double *, double *);

static void check_fd(acq4 f, double mu, double sd, double fbest, double xi)
{
    double dmu, dsd, e = 1e-6;
    f(mu, sd, fbest, xi, &dmu, &dsd);
    double fm =
        (f(mu + e, sd, fbest, xi, NULL, NULL) - f(mu - e, sd, fbest, xi, NULL, NULL)) / (2 * e);
    double fs =
        (f(mu, sd + e, fbest, xi, NULL, NULL) - f(mu, sd - e, fbest, xi, NULL, NULL)) / (2 * e);
    assert_close(dmu, fm, 1e-6, 1e-8);
    assert_close(dsd, fs, 1e-6, 1e-8);
}

static void test_ei_pi_lcb_closed_forms(void **state)
{
    (void)state;
    const double mus[] = {-2.0, -0.3, 0.0, 0.2, 1.5, 4.0};
    const double sds[] = {0.05, 0.5, 1.0, 3.0};
    for (size_t i = 0; i < 6; i++) {
        for (size_t j = 0; j < 4; j++) {
            double mu = mus[i], sd = sds[j], fbest = 0.1, xi = 0.01;
            double imp = fbest - xi - mu, z = imp / sd;
            double dmu, dsd;
            double ei = hpo__acq_ei(mu, sd, fbest, xi, &dmu, &dsd);
            /* the two terms cancel in the tail: tolerance on their size */
            double terms = fabs(imp * cdf_d(z)) + sd * phi_d(z);
            assert_close(ei, imp * cdf_d(z) + sd * phi_d(z), 0.0, 2e-12 * terms + 1e-300);
            assert_close(dmu, -cdf_d(z), 2e-12, 1e-300);
            assert_close(dsd, phi_d(z), 2e-12, 1e-300);
            double pi = hpo__acq_pi(mu, sd, fbest, xi, &dmu, &dsd);
            assert_close(pi, cdf_d(z), 2e-12, 1e-300);
            assert_close(dmu, -phi_d(z) / sd, 2e-12, 1e-300);
            double lcb = hpo__acq_lcb(mu, sd, 1.96, &dmu, &dsd);
            assert_close(lcb, -(mu - 1.96 * sd), 1e-15, 1e-15);
            assert_close(dmu, -1.0, 0, 0);
            assert_close(dsd, 1.96, 0, 0);
            check_fd(hpo__acq_ei, mu, sd, fbest, xi);
            check_fd(hpo__acq_pi, mu, sd, fbest, xi);
            if (z > -8.0)
                check_fd(hpo__acq_logei, mu, sd, fbest, xi);
        }
    }
    /* EI at z = 0 is sd phi(0); PI is 1/2 */
    assert_close(hpo__acq_ei(1.0, 2.0, 1.0, 0.0, NULL, NULL), 2.0 * INV_SQRT_2PI, 1e-15, 0);
    assert_close(hpo__acq_pi(1.0, 2.0, 1.0, 0.0, NULL, NULL), 0.5, 1e-15, 0);
    /* log EI far in the tail stays finite with finite, signed derivatives */
    double dmu, dsd;
    double v = hpo__acq_logei(1e3, 1e-6, 0.0, 0.0, &dmu, &dsd);
    assert_true(isfinite(v) && v < -1e17);
    assert_true(isfinite(dmu) && dmu < 0.0 && isfinite(dsd) && dsd > 0.0);
}

static void test_sd_zero(void **state)
{
    (void)state;
    const double sds[] = {0.0, -0.0, -1.0, (double)NAN};
    for (size_t i = 0; i < 4; i++) {
        double dmu = 7, dsd = 7;
        assert_true(hpo__acq_ei(-5.0, sds[i], 0.0, 0.01, &dmu, &dsd) == 0.0);
        assert_true(dmu == 0.0 && dsd == 0.0);
        dmu = dsd = 7;
        assert_true(hpo__acq_pi(-5.0, sds[i], 0.0, 0.01, &dmu, &dsd) == 0.0);
        assert_true(dmu == 0.0 && dsd == 0.0);
        dmu = dsd = 7;
        double l = hpo__acq_logei(-5.0, sds[i], 0.0, 0.01, &dmu, &dsd);
        assert_true(isinf(l) && l < 0.0);
        assert_true(dmu == 0.0 && dsd == 0.0);
    }
    /* LCB has no mask in skopt */
    assert_close(hpo__acq_lcb(2.5, 0.0, 1.96, NULL, NULL), -2.5, 0, 0);
}

/* ---- gp_hedge */

static void test_hedge(void **state)
{
    (void)state;
    double p[4];
    const double g1[3] = {0.0, -1.0, 2.0};
    hpo__hedge_probs(g1, 3, 1.0, p);
    double s = exp(0.0) + exp(-1.0) + exp(2.0);
    assert_close(p[0], 1.0 / s, 1e-15, 0);
    assert_close(p[1], exp(-1.0) / s, 1e-15, 0);
    assert_close(p[2], exp(2.0) / s, 1e-15, 0);
    assert_close(p[0] + p[1] + p[2], 1.0, 1e-15, 0);

    const double g2[3] = {1e300, -1e300, 0.0};
    hpo__hedge_probs(g2, 3, 1.0, p);
    assert_true(p[0] == 1.0 && p[1] == 0.0 && p[2] == 0.0);
    hpo__hedge_probs(g2, 3, -1.0, p); /* negative eta favours the smallest gain */
    assert_true(p[0] == 0.0 && p[1] == 1.0 && p[2] == 0.0);
    const double g3[4] = {1e300, 1e300, -1e300, -1e300};
    hpo__hedge_probs(g3, 4, 2.0, p);
    assert_true(p[0] == 0.5 && p[1] == 0.5 && p[2] == 0.0 && p[3] == 0.0);
    hpo__hedge_probs(g3, 4, 0.0, p); /* eta 0: uniform */
    for (int i = 0; i < 4; i++)
        assert_true(p[i] == 0.25);
    const double g4[3] = {(double)NAN, 1.0, 1.0};
    hpo__hedge_probs(g4, 3, 1.0, p);
    assert_true(p[0] == 0.0 && p[1] == 0.5 && p[2] == 0.5);
    const double g5[3] = {-1e300, -1e300, -1e300};
    hpo__hedge_probs(g5, 3, 1.0, p);
    assert_close(p[0] + p[1] + p[2], 1.0, 1e-15, 0);
    assert_close(p[1], 1.0 / 3.0, 1e-15, 0);

    /* pick: the first arm whose cumulative probability exceeds u */
    const double q[3] = {0.25, 0.5, 0.25};
    assert_int_equal(hpo__hedge_pick(q, 3, 0.0), 0);
    assert_int_equal(hpo__hedge_pick(q, 3, 0.2499), 0);
    assert_int_equal(hpo__hedge_pick(q, 3, 0.25), 1);
    assert_int_equal(hpo__hedge_pick(q, 3, 0.7499), 1);
    assert_int_equal(hpo__hedge_pick(q, 3, 0.75), 2);
    assert_int_equal(hpo__hedge_pick(q, 3, nextafter(1.0, 0.0)), 2);
    const double z[3] = {0.0, 1.0, 0.0};
    assert_int_equal(hpo__hedge_pick(z, 3, 0.0), 1);
    assert_int_equal(hpo__hedge_pick(z, 3, nextafter(1.0, 0.0)), 1);
    /* rounding: probabilities summing just below u never pick a zero arm */
    const double r[3] = {0.3, 0.3, 0.0};
    assert_int_equal(hpo__hedge_pick(r, 3, 0.9999), 1);
    /* frequencies over an even grid of u follow the probabilities */
    int counts[3] = {0, 0, 0};
    const double w[3] = {0.2, 0.5, 0.3};
    for (int i = 0; i < 10000; i++)
        counts[hpo__hedge_pick(w, 3, (i + 0.5) / 10000.0)]++;
    assert_int_equal(counts[0], 2000);
    assert_int_equal(counts[1], 5000);
    assert_int_equal(counts[2], 3000);
}

/* ---- output transforms */

static void mean_sd(const hpo__ytf *t, const double *y, size_t n, double *mean, double *sd)
{
    double m = 0.0, v = 0.0;
    for (size_t i = 0; i < n; i++)
        m += hpo__ytf_apply(t, y[i]);
    m /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = hpo__ytf_apply(t, y[i]) - m;
        v += d * d;
    }
    *mean = m;
    *sd = sqrt(v / (double)n);
}

/* Finite everywhere and non-decreasing on a grid from -1e300 to 1e300, strictly
 * increasing within 10 data ranges of the data. */
static void check_monotone(const hpo__ytf *t, const double *y, size_t n)
{
    double lo = y[0], hi = y[0];
    for (size_t i = 1; i < n; i++) {
        lo = fmin(lo, y[i]);
        hi = fmax(hi, y[i]);
    }
    double span = hi > lo ? hi - lo : 1.0;
    double prev = -HUGE_VAL, x;
    for (int k = 300; k >= -3; k--) {
        x = -pow(10.0, k);
        if (x < lo - 10 * span) {
            double v = hpo__ytf_apply(t, x);
            assert_true(isfinite(v) && v >= prev);
            prev = v;
        }
    }
    for (int i = 0; i <= 4000; i++) {
        x = lo - 10 * span + i * (21 * span / 4000.0);
        double v = hpo__ytf_apply(t, x);
        assert_true(isfinite(v));
        if (i > 0 && t->kind != HPO__YTF_NONE)
            assert_true(v > prev);
        assert_true(v >= prev);
        prev = v;
    }
    for (int k = -3; k <= 300; k++) {
        x = pow(10.0, k);
        if (x > hi + 11 * span) {
            double v = hpo__ytf_apply(t, x);
            assert_true(isfinite(v) && v >= prev);
            prev = v;
        }
    }
    assert_true(isfinite(hpo__ytf_apply(t, DBL_MAX)));
    assert_true(isfinite(hpo__ytf_apply(t, -DBL_MAX)));
    assert_true(hpo__ytf_apply(t, DBL_MAX) >= hpo__ytf_apply(t, -DBL_MAX));
}

static void test_ytf_standardize(void **state)
{
    (void)state;
    const double y[5] = {3.0, -1.0, 7.5, 2.0, 0.25};
    hpo__ytf t;
    hpo__ytf_fit(&t, y, 5, HPO__YTF_STANDARDIZE);
    assert_int_equal(t.kind, HPO__YTF_STANDARDIZE);
    assert_int_equal(t.constant, 0);
    double m, s;
    mean_sd(&t, y, 5, &m, &s);
    assert_close(m, 0.0, 0, 1e-15);
    assert_close(s, 1.0, 1e-15, 0);
    assert_close(t.mean1, 2.35, 1e-15, 0);
    check_monotone(&t, y, 5);
    /* huge magnitudes do not overflow the fit */
    const double big[3] = {1e308, -1e308, 5e307};
    hpo__ytf_fit(&t, big, 3, HPO__YTF_STANDARDIZE);
    assert_true(isfinite(t.mean1) && isfinite(t.sd1) && t.sd1 > 0);
    mean_sd(&t, big, 3, &m, &s);
    assert_close(s, 1.0, 1e-14, 0);
}

static void test_ytf_constant(void **state)
{
    (void)state;
    const double y[4] = {2.5, 2.5, 2.5, 2.5};
    const hpo__ytf_kind kinds[3] = {HPO__YTF_STANDARDIZE, HPO__YTF_YEO_JOHNSON, HPO__YTF_LOG};
    for (int k = 0; k < 3; k++) {
        hpo__ytf t;
        hpo__ytf_fit(&t, y, 4, kinds[k]);
        assert_int_equal(t.constant, 1);
        assert_int_equal(t.kind, HPO__YTF_STANDARDIZE);
        assert_close(hpo__ytf_apply(&t, 2.5), 0.0, 0, 0);
        assert_close(hpo__ytf_apply(&t, 4.0), 1.5, 0, 0);
        check_monotone(&t, y, 4);
        hpo__ytf_fit(&t, y, 1, kinds[k]);
        assert_int_equal(t.constant, 1);
    }
    hpo__ytf t;
    hpo__ytf_fit(&t, y, 4, HPO__YTF_NONE);
    assert_int_equal(t.kind, HPO__YTF_NONE);
    assert_true(hpo__ytf_apply(&t, -3.25) == -3.25);
}

static void test_ytf_yeo_johnson(void **state)
{
    (void)state;
    hpo__ytf t;
    double m, s;
    /* moderately skewed: Yeo-Johnson kept (scipy: lambda = -0.49488092) */
    const double ok[7] = {0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4};
    hpo__ytf_fit(&t, ok, 7, HPO__YTF_YEO_JOHNSON);
    assert_int_equal(t.kind, HPO__YTF_YEO_JOHNSON);
    assert_close(t.lambda, -0.49488092070484613, 0, 1e-6);
    mean_sd(&t, ok, 7, &m, &s);
    assert_close(m, 0.0, 0, 1e-14);
    assert_close(s, 1.0, 1e-14, 0);
    check_monotone(&t, ok, 7);
    /* the same lambda by hand: standardize, transform, standardize */
    double z[7], mean = 0, sd = 0;
    for (int i = 0; i < 7; i++)
        mean += ok[i] / 7;
    for (int i = 0; i < 7; i++)
        sd += (ok[i] - mean) * (ok[i] - mean) / 7;
    sd = sqrt(sd);
    for (int i = 0; i < 7; i++)
        z[i] = (ok[i] - mean) / sd;
    assert_close(hpo__yeojohnson_normmax(z, 7, -2.0, 4.0), t.lambda, 0, 1e-7);

    /* lambda beyond the lower bound (scipy: -2.139): plain standardization */
    const double low[6] = {1, 10, 100, 1e3, 1e4, 1e5};
    hpo__ytf_fit(&t, low, 6, HPO__YTF_YEO_JOHNSON);
    assert_int_equal(t.kind, HPO__YTF_STANDARDIZE);
    mean_sd(&t, low, 6, &m, &s);
    assert_close(s, 1.0, 1e-14, 0);
    check_monotone(&t, low, 6);
    /* mirrored: beyond the upper bound (scipy: 4.139) */
    const double high[6] = {-1e5, -1e4, -1e3, -100, -10, -1};
    hpo__ytf_fit(&t, high, 6, HPO__YTF_YEO_JOHNSON);
    assert_int_equal(t.kind, HPO__YTF_STANDARDIZE);
    /* lambda inside (scipy: -1.761) but the transformed sd collapses to 0.44 */
    const double collapse[10] = {0.6, -12.8, -23.4, 0.1, -0.4, 4.1, 1.7, -0.4, 230.8, 0.5};
    hpo__ytf_fit(&t, collapse, 10, HPO__YTF_YEO_JOHNSON);
    assert_int_equal(t.kind, HPO__YTF_STANDARDIZE);
    assert_close(t.lambda, 1.0, 0, 0);
    mean_sd(&t, collapse, 10, &m, &s);
    assert_close(s, 1.0, 1e-14, 0);
    check_monotone(&t, collapse, 10);
    /* transform basics */
    assert_close(hpo__yeojohnson(3.0, 0.0), log(4.0), 1e-15, 0);
    assert_close(hpo__yeojohnson(-3.0, 2.0), -log(4.0), 1e-15, 0);
    assert_close(hpo__yeojohnson(3.0, 2.0), (16.0 - 1.0) / 2.0, 1e-15, 0);
    assert_close(hpo__yeojohnson(-3.0, 0.5), -(pow(4.0, 1.5) - 1.0) / 1.5, 1e-15, 0);
    assert_close(hpo__yeojohnson(2.0, 1.0), 2.0, 1e-15, 0);
    assert_close(hpo__yeojohnson(-2.0, 1.0), -2.0, 1e-15, 0);
    /* llf: the variance collapsing is +inf, as in scipy */
    const double same[3] = {1.0, 1.0, 1.0};
    assert_true(isinf(hpo__yeojohnson_llf(same, 3, 0.5)));
}

static void test_ytf_log(void **state)
{
    (void)state;
    hpo__ytf t;
    double m, s;
    const double neg[4] = {-3.0, 0.0, 5.0, 12.0};
    hpo__ytf_fit(&t, neg, 4, HPO__YTF_LOG);
    assert_int_equal(t.kind, HPO__YTF_LOG);
    assert_close(t.shift, 4.0, 0, 0);
    mean_sd(&t, neg, 4, &m, &s);
    assert_close(m, 0.0, 0, 1e-15);
    assert_close(s, 1.0, 1e-15, 0);
    /* log(y + 4) standardized: the minimum maps from log 1 = 0 */
    double lm = (log(1.0) + log(4.0) + log(9.0) + log(16.0)) / 4;
    assert_close(t.mean2, lm, 1e-15, 0);
    check_monotone(&t, neg, 4);
    const double pos[3] = {2.0, 20.0, 200.0};
    hpo__ytf_fit(&t, pos, 3, HPO__YTF_LOG);
    assert_int_equal(t.kind, HPO__YTF_LOG);
    assert_close(t.shift, 0.0, 0, 0);
    assert_close(hpo__ytf_apply(&t, 20.0), 0.0, 0, 1e-15);
    check_monotone(&t, pos, 3);
    /* min exactly 1: no shift */
    const double one[3] = {1.0, 2.0, 3.0};
    hpo__ytf_fit(&t, one, 3, HPO__YTF_LOG);
    assert_close(t.shift, 0.0, 0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_h_direct),
        cmocka_unit_test(test_log_h_continuity),
        cmocka_unit_test(test_log_h_monotone),
        cmocka_unit_test(test_dlog_h_fd),
        cmocka_unit_test(test_erfcx_log_ndtr),
        cmocka_unit_test(test_logei_matches_log_ei),
        cmocka_unit_test(test_ei_pi_lcb_closed_forms),
        cmocka_unit_test(test_sd_zero),
        cmocka_unit_test(test_hedge),
        cmocka_unit_test(test_ytf_standardize),
        cmocka_unit_test(test_ytf_constant),
        cmocka_unit_test(test_ytf_yeo_johnson),
        cmocka_unit_test(test_ytf_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
