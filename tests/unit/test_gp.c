/*
 * test_gp.c -- the GP surrogate and what it stands on: Cholesky (with jitter
 * escalation), triangular solves, inverse and one-row append; L-BFGS-B on
 * bounded problems; the GP objective's gradient against central differences
 * for every kernel, with and without categorical coordinates, MAP and ML;
 * prediction gradients; fantasies against a full refactorization; degenerate
 * data; fitting; allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/rng.h"
#include "models/gp.h"
#include "models/lbfgsb.h"
#include "models/linalg.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void rand_fill(hpo__rng *r, double *v, size_t n, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        v[i] = lo + (hi - lo) * hpo__rng_uniform(r);
}

/* A = B B^T + n I, n x n */
static void rand_spd(hpo__rng *r, double *A, size_t n)
{
    double *B = calloc(n * n, sizeof *B);
    rand_fill(r, B, n * n, -1.0, 1.0);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = i == j ? (double)n : 0.0;
            for (size_t k = 0; k < n; k++)
                s += B[i * n + k] * B[j * n + k];
            A[i * n + j] = s;
        }
    free(B);
}

/* ---- linalg */

static void test_cholesky_reconstructs(void **state)
{
    (void)state;
    hpo__rng r;
    hpo__rng_seed(&r, 1, 0);
    const size_t n = 9;
    double A[81], L[81], jit = -1.0;
    rand_spd(&r, A, n);
    assert_int_equal(hpo__chol_jitter(A, L, n, &jit), 0);
    assert_true(jit == 0.0);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            if (j > i)
                assert_true(L[i * n + j] == 0.0);
            double s = 0.0;
            for (size_t k = 0; k < n; k++)
                s += L[i * n + k] * L[j * n + k];
            assert_true(fabs(s - A[i * n + j]) < 1e-12 * fabs(A[i * n + i]));
        }
}

static void test_cholesky_jitter(void **state)
{
    (void)state;
    /* rank one: v v^T is singular */
    const size_t n = 5;
    double A[25], L[25], jit = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            A[i * n + j] = (double)(i + 1) * (double)(j + 1);
    assert_int_equal(hpo__chol_jitter(A, L, n, &jit), 0);
    assert_true(jit > 0.0);
    assert_true(jit <= 1e-4 * 11.0 * 1.0000001);
    for (size_t i = 0; i < n; i++)
        assert_true(L[i * n + i] > 0.0 && isfinite(L[i * n + i]));
    /* indefinite beyond any jitter */
    double B[4] = {1.0, 0.0, 0.0, -1.0}, LB[4];
    assert_int_equal(hpo__chol_jitter(B, LB, 2, &jit), HPO_ENUMERIC);
    double Z[4] = {0.0, 0.0, 0.0, 0.0};
    assert_int_equal(hpo__chol_jitter(Z, LB, 2, NULL), HPO_ENUMERIC);
}

static void test_solves_and_inverse(void **state)
{
    (void)state;
    hpo__rng r;
    hpo__rng_seed(&r, 2, 0);
    const size_t n = 8, m = 3;
    double A[64], L[64], Ki[64], b[8], x[8], B[24], Z[24];
    rand_spd(&r, A, n);
    assert_int_equal(hpo__chol_jitter(A, L, n, NULL), 0);
    rand_fill(&r, b, n, -2.0, 2.0);
    /* L x = b */
    memcpy(x, b, sizeof x);
    hpo__trsv_lower(L, n, x);
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t k = 0; k <= i; k++)
            s += L[i * n + k] * x[k];
        assert_true(fabs(s - b[i]) < 1e-12);
    }
    /* L^T x = b */
    memcpy(x, b, sizeof x);
    hpo__trsv_lower_t(L, n, x);
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t k = i; k < n; k++)
            s += L[k * n + i] * x[k];
        assert_true(fabs(s - b[i]) < 1e-12);
    }
    /* L Z = B, B with 3 columns */
    rand_fill(&r, B, n * m, -1.0, 1.0);
    memcpy(Z, B, sizeof Z);
    hpo__trsm_lower(L, n, Z, m);
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < m; c++) {
            double s = 0.0;
            for (size_t k = 0; k <= i; k++)
                s += L[i * n + k] * Z[k * m + c];
            assert_true(fabs(s - B[i * m + c]) < 1e-12);
        }
    /* (L L^T)^-1 A = I */
    assert_int_equal(hpo__chol_inverse(L, n, Ki), 0);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            assert_true(Ki[i * n + j] == Ki[j * n + i]);
            double s = 0.0;
            for (size_t k = 0; k < n; k++)
                s += Ki[i * n + k] * A[k * n + j];
            assert_true(fabs(s - (i == j ? 1.0 : 0.0)) < 1e-12);
        }
}

static void test_append_equals_full(void **state)
{
    (void)state;
    hpo__rng r;
    hpo__rng_seed(&r, 3, 0);
    const size_t n = 7, ld = 10;
    double A[49], L[49], A6[36], L6[36], Lb[100];
    rand_spd(&r, A, n);
    assert_int_equal(hpo__chol_jitter(A, L, n, NULL), 0);
    for (size_t i = 0; i < n - 1; i++)
        for (size_t j = 0; j < n - 1; j++)
            A6[i * (n - 1) + j] = A[i * n + j];
    assert_int_equal(hpo__chol_jitter(A6, L6, n - 1, NULL), 0);
    memset(Lb, 0, sizeof Lb);
    for (size_t i = 0; i < n - 1; i++)
        memcpy(Lb + i * ld, L6 + i * (n - 1), (n - 1) * sizeof *L6);
    double k[6];
    for (size_t j = 0; j < n - 1; j++)
        k[j] = A[(n - 1) * n + j];
    assert_int_equal(hpo__chol_append(Lb, n - 1, ld, k, A[n * n - 1]), 0);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            assert_true(fabs(Lb[i * ld + j] - L[i * n + j]) < 1e-12);
    /* a non-positive new diagonal is refused */
    double k0[1] = {0.0};
    double L1[4] = {1.0, 0.0, 0.0, 0.0};
    assert_int_equal(hpo__chol_append(L1, 1, 2, k0, -1.0), HPO_ENUMERIC);
}

/* ---- L-BFGS-B */

static int rosen(const double *x, double *g, double *f, void *payload)
{
    size_t n = *(const size_t *)payload;
    *f = 0.0;
    for (size_t i = 0; i < n; i++)
        g[i] = 0.0;
    for (size_t i = 0; i + 1 < n; i++) {
        double a = x[i + 1] - x[i] * x[i], b = 1.0 - x[i];
        *f += 100.0 * a * a + b * b;
        g[i] += -400.0 * a * x[i] - 2.0 * b;
        g[i + 1] += 200.0 * a;
    }
    return 0;
}

static void test_lbfgsb_rosenbrock(void **state)
{
    (void)state;
    size_t n = 4;
    double x[4] = {-1.2, 1.0, -1.2, 1.0}, lo[4] = {-2, -2, -2, -2}, hi[4] = {2, 2, 2, 2}, f;
    int it = 0;
    assert_int_equal(hpo__lbfgsb(rosen, &n, n, x, lo, hi, NULL, &f, &it), 0);
    assert_true(it > 5);
    assert_true(f < 1e-8);
    for (size_t i = 0; i < n; i++)
        assert_true(fabs(x[i] - 1.0) < 1e-3);
    /* the optimum outside the box: x0 <= 0.5 */
    double hi2[4] = {0.5, 2, 2, 2};
    double y[4] = {0, 0, 0, 0};
    assert_int_equal(hpo__lbfgsb(rosen, &n, n, y, lo, hi2, NULL, &f, NULL), 0);
    assert_true(fabs(y[0] - 0.5) < 1e-12);
    assert_true(y[0] <= 0.5);
    /* an iteration limit keeps the best point so far */
    hpo__lbfgsb_opts o = hpo__lbfgsb_defaults();
    o.max_iter = 3;
    double z[4] = {-1.2, 1.0, -1.2, 1.0};
    assert_int_equal(hpo__lbfgsb(rosen, &n, n, z, lo, hi, &o, &f, &it), 0);
    assert_int_equal(it, 3);
    assert_true(f > 1e-3);
}

/* (x - 3)^2 + (y + 1)^2 on x <= 2, y >= 0: the optimum (2, 0) on the bounds */
static int quad_fn(const double *x, double *g, double *f, void *payload)
{
    (void)payload;
    *f = (x[0] - 3) * (x[0] - 3) + (x[1] + 1) * (x[1] + 1);
    g[0] = 2 * (x[0] - 3);
    g[1] = 2 * (x[1] + 1);
    return 0;
}

/* (x - 1)^2, NaN left of 0.5 */
static int nan_fn(const double *x, double *g, double *f, void *payload)
{
    (void)payload;
    *f = x[0] < 0.5 ? nan("") : (x[0] - 1) * (x[0] - 1);
    g[0] = 2 * (x[0] - 1);
    return 0;
}

static int all_nan_fn(const double *x, double *g, double *f, void *payload)
{
    (void)payload;
    (void)x;
    *f = nan("");
    g[0] = nan("");
    return 0;
}

static int abort_fn(const double *x, double *g, double *f, void *payload)
{
    int *calls = payload;
    if (++*calls == 3)
        return -77;
    return quad_fn(x, g, f, NULL);
}

static void test_lbfgsb_bounds_and_failures(void **state)
{
    (void)state;
    double x[2] = {0.0, 5.0}, lo[2] = {-HUGE_VAL, 0.0}, hi[2] = {2.0, HUGE_VAL}, f;
    assert_int_equal(hpo__lbfgsb(quad_fn, NULL, 2, x, lo, hi, NULL, &f, NULL), 0);
    assert_true(x[0] == 2.0 && x[1] == 0.0);
    assert_true(fabs(f - 2.0) < 1e-12);
    /* the start is moved into the box */
    double x2[2] = {10.0, -10.0};
    assert_int_equal(hpo__lbfgsb(quad_fn, NULL, 2, x2, lo, hi, NULL, &f, NULL), 0);
    assert_true(x2[0] == 2.0 && x2[1] == 0.0);
    /* NaN region: the line search backs off, the minimum is found */
    double x3[1] = {4.0}, lo3[1] = {-3.0}, hi3[1] = {5.0};
    assert_int_equal(hpo__lbfgsb(nan_fn, NULL, 1, x3, lo3, hi3, NULL, &f, NULL), 0);
    assert_true(fabs(x3[0] - 1.0) < 1e-4);
    assert_true(isfinite(f));
    double x4[1] = {1.0};
    assert_int_equal(hpo__lbfgsb(all_nan_fn, NULL, 1, x4, lo3, hi3, NULL, &f, NULL), HPO_ENUMERIC);
    int calls = 0;
    double x5[2] = {0.0, 5.0};
    assert_int_equal(hpo__lbfgsb(abort_fn, &calls, 2, x5, lo, hi, NULL, &f, NULL), -77);
}

/* ---- GP */

static hpo__gp *make_gp(size_t d, const unsigned char *cat, hpo__kernel k, hpo__gp_hyper h)
{
    hpo__gp_config cfg = {
        .d = d, .categorical = cat, .kernel = k, .hyper = h, .alpha = 1e-10, .noise = 0.01};
    hpo__gp *gp = NULL;
    assert_int_equal(hpo__gp_create(&gp, &cfg), 0);
    return gp;
}

/* n x d data in [0,1]; categorical coordinates hold levels 0..2 */
static void make_data(hpo__rng *r, size_t n, size_t d, const unsigned char *cat, double *X,
                      double *y)
{
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t k = 0; k < d; k++) {
            double u = hpo__rng_uniform(r);
            X[i * d + k] = (cat && cat[k]) ? (double)hpo__rng_below(r, 3) : u;
            s += sin(3.0 * X[i * d + k] + (double)k);
        }
        y[i] = s + 0.1 * hpo__rng_normal(r);
    }
}

static void check_objective_gradient(hpo__kernel kern, const unsigned char *cat, hpo__gp_hyper h)
{
    const size_t d = 3, n = 14, nt = d + 2;
    hpo__rng r;
    hpo__rng_seed(&r, 10 + (uint64_t)kern, 1);
    double X[42], y[14];
    make_data(&r, n, d, cat, X, y);
    memcpy(X + 13 * d, X + 2 * d, d * sizeof *X); /* a duplicate row */
    hpo__gp *gp = make_gp(d, cat, kern, h);
    assert_int_equal(hpo__gp_set_data(gp, X, y, n), 0);
    double theta[5] = {log(0.3), log(0.8), log(1.5), log(1.3), log(0.05)};
    double v, g[5], tp[5], vp, vm;
    for (int with_prior = 0; with_prior <= 1; with_prior++) {
        assert_int_equal(hpo__gp_objective(gp, theta, with_prior, &v, g), 0);
        assert_true(isfinite(v));
        for (size_t k = 0; k < nt; k++) {
            const double hh = 1e-5;
            memcpy(tp, theta, sizeof tp);
            tp[k] += hh;
            assert_int_equal(hpo__gp_objective(gp, tp, with_prior, &vp, NULL), 0);
            tp[k] -= 2 * hh;
            assert_int_equal(hpo__gp_objective(gp, tp, with_prior, &vm, NULL), 0);
            double fd = (vp - vm) / (2 * hh);
            if (fabs(fd - g[k]) > 1e-6 * fmax(1.0, fabs(g[k])))
                fail_msg("kernel %d cat %d hyper %d prior %d: dtheta[%zu] %.10g vs fd %.10g",
                         (int)kern, cat != NULL, (int)h, with_prior, k, g[k], fd);
        }
    }
    /* the prior changes the value only in MAP mode */
    double v0, v1;
    assert_int_equal(hpo__gp_objective(gp, theta, 0, &v0, NULL), 0);
    assert_int_equal(hpo__gp_objective(gp, theta, 1, &v1, NULL), 0);
    if (h == HPO__GP_ML)
        assert_true(v0 == v1);
    else
        assert_true(v0 != v1);
    hpo__gp_destroy(gp);
}

static void test_objective_gradient(void **state)
{
    (void)state;
    static const unsigned char cat[3] = {0, 1, 0};
    for (int k = 0; k < 4; k++)
        for (int h = 0; h < 2; h++) {
            check_objective_gradient((hpo__kernel)k, NULL, (hpo__gp_hyper)h);
            check_objective_gradient((hpo__kernel)k, cat, (hpo__gp_hyper)h);
        }
}

/* LML against a direct computation for a 2-point case: K_y = [[a+s, c], [c, a+s]] */
static void test_objective_value(void **state)
{
    (void)state;
    hpo__gp *gp = make_gp(1, NULL, HPO__KERNEL_RBF, HPO__GP_ML);
    double X[2] = {0.0, 0.5}, y[2] = {1.0, -0.5};
    assert_int_equal(hpo__gp_set_data(gp, X, y, 2), 0);
    double theta[3] = {log(0.7), log(2.0), log(0.1)}, v;
    assert_int_equal(hpo__gp_objective(gp, theta, 1, &v, NULL), 0);
    double a = 2.0 + 0.1 + 1e-10, c = 2.0 * exp(-0.5 * 0.25 / 0.49);
    double det = a * a - c * c;
    double quad = (a * y[0] * y[0] - 2 * c * y[0] * y[1] + a * y[1] * y[1]) / det;
    double want = -0.5 * quad - 0.5 * log(det) - log(2 * 3.14159265358979323846);
    assert_true(fabs(v - want) < 1e-12);
    hpo__gp_destroy(gp);
}

static void test_predict_grad(void **state)
{
    (void)state;
    static const unsigned char cat[3] = {0, 0, 1};
    const size_t d = 3, n = 20;
    for (int kern = 0; kern < 4; kern++) {
        hpo__rng r;
        hpo__rng_seed(&r, 20 + (uint64_t)kern, 1);
        double X[60], y[20];
        make_data(&r, n, d, cat, X, y);
        hpo__gp *gp = make_gp(d, cat, (hpo__kernel)kern, HPO__GP_MAP);
        assert_int_equal(hpo__gp_set_data(gp, X, y, n), 0);
        double theta[5] = {log(0.4), log(0.6), log(1.0), log(1.2), log(0.02)};
        assert_int_equal(hpo__gp_set_theta(gp, theta), 0);
        for (int t = 0; t < 5; t++) {
            double x[3] = {hpo__rng_uniform(&r), hpo__rng_uniform(&r), (double)(t % 3)};
            double mu, var, dmu[3], dvar[3], mu2, var2;
            assert_int_equal(hpo__gp_predict_grad(gp, x, &mu, &var, dmu, dvar), 0);
            assert_int_equal(hpo__gp_predict(gp, x, 1, &mu2, &var2), 0);
            assert_true(fabs(mu - mu2) < 1e-12 && fabs(var - var2) < 1e-12);
            assert_true(dmu[2] == 0.0 && dvar[2] == 0.0);
            for (size_t k = 0; k < 2; k++) {
                const double hh = 1e-6;
                double xp[3], mp, vp, mm, vm;
                memcpy(xp, x, sizeof xp);
                xp[k] += hh;
                assert_int_equal(hpo__gp_predict(gp, xp, 1, &mp, &vp), 0);
                xp[k] -= 2 * hh;
                assert_int_equal(hpo__gp_predict(gp, xp, 1, &mm, &vm), 0);
                double fm = (mp - mm) / (2 * hh), fv = (vp - vm) / (2 * hh);
                if (fabs(fm - dmu[k]) > 1e-5 * fmax(1.0, fabs(fm)) ||
                    fabs(fv - dvar[k]) > 1e-5 * fmax(1.0, fabs(fv)))
                    fail_msg("kernel %d dim %zu: dmu %g vs %g, dvar %g vs %g", kern, k, dmu[k], fm,
                             dvar[k], fv);
            }
        }
        hpo__gp_destroy(gp);
    }
}

static void test_fantasies(void **state)
{
    (void)state;
    const size_t d = 2, n = 10, nt = 4;
    for (int kern = 0; kern < 4; kern++) {
        hpo__rng r;
        hpo__rng_seed(&r, 30 + (uint64_t)kern, 1);
        double X[2 * 40], y[40], Xs[2 * 20], mu1[20], v1[20], mu2[20], v2[20];
        make_data(&r, n + 30, d, NULL, X, y);
        rand_fill(&r, Xs, 40, 0.0, 1.0);
        double theta[4] = {log(0.3), log(0.5), log(1.1), log(0.01)};
        hpo__gp *a = make_gp(d, NULL, (hpo__kernel)kern, HPO__GP_MAP);
        hpo__gp *b = make_gp(d, NULL, (hpo__kernel)kern, HPO__GP_MAP);
        assert_int_equal(hpo__gp_set_data(a, X, y, n), 0);
        assert_int_equal(hpo__gp_set_theta(a, theta), 0);
        /* 30 fantasies: the buffers grow past their first capacity */
        for (size_t f = 0; f < 30; f++)
            assert_int_equal(hpo__gp_add_fantasy(a, X + (n + f) * d, y[n + f]), 0);
        assert_int_equal(hpo__gp_n(a), n + 30);
        assert_int_equal(hpo__gp_set_data(b, X, y, n + 30), 0);
        assert_int_equal(hpo__gp_set_theta(b, theta), 0);
        assert_int_equal(hpo__gp_predict(a, Xs, 20, mu1, v1), 0);
        assert_int_equal(hpo__gp_predict(b, Xs, 20, mu2, v2), 0);
        for (size_t j = 0; j < 20; j++)
            assert_true(fabs(mu1[j] - mu2[j]) < 1e-9 && fabs(v1[j] - v2[j]) < 1e-9);
        /* a new theta re-appends the fantasies */
        double theta2[4] = {log(0.2), log(0.7), log(0.9), log(0.02)};
        assert_int_equal(hpo__gp_set_theta(a, theta2), 0);
        assert_int_equal(hpo__gp_set_theta(b, theta2), 0);
        assert_int_equal(hpo__gp_predict(a, Xs, 20, mu1, v1), 0);
        assert_int_equal(hpo__gp_predict(b, Xs, 20, mu2, v2), 0);
        for (size_t j = 0; j < 20; j++)
            assert_true(fabs(mu1[j] - mu2[j]) < 1e-9 && fabs(v1[j] - v2[j]) < 1e-9);
        /* clearing gives back the training-only model */
        hpo__gp_clear_fantasies(a);
        assert_int_equal(hpo__gp_n(a), n);
        assert_int_equal(hpo__gp_set_data(b, X, y, n), 0);
        assert_int_equal(hpo__gp_set_theta(b, theta2), 0);
        assert_int_equal(hpo__gp_predict(a, Xs, 20, mu1, v1), 0);
        assert_int_equal(hpo__gp_predict(b, Xs, 20, mu2, v2), 0);
        for (size_t j = 0; j < 20; j++)
            assert_true(fabs(mu1[j] - mu2[j]) < 1e-12 && fabs(v1[j] - v2[j]) < 1e-12);
        (void)nt;
        hpo__gp_destroy(a);
        hpo__gp_destroy(b);
    }
}

static void check_finite_predictions(hpo__gp *gp, size_t d)
{
    double Xs[6 * 8], mu[8], var[8];
    for (size_t i = 0; i < 8 * d; i++)
        Xs[i] = (double)(i % 5) * 0.25;
    assert_int_equal(hpo__gp_predict(gp, Xs, 8, mu, var), 0);
    for (size_t j = 0; j < 8; j++)
        assert_true(isfinite(mu[j]) && isfinite(var[j]) && var[j] >= 1e-12);
    double m, v, dm[6], dv[6];
    assert_int_equal(hpo__gp_predict_grad(gp, Xs, &m, &v, dm, dv), 0);
    assert_true(isfinite(m) && isfinite(v));
    for (size_t k = 0; k < d; k++)
        assert_true(isfinite(dm[k]) && isfinite(dv[k]));
}

static void test_degenerate_data(void **state)
{
    (void)state;
    const size_t d = 3;
    for (int kern = 0; kern < 4; kern++) {
        hpo__gp *gp = make_gp(d, NULL, (hpo__kernel)kern, HPO__GP_MAP);
        size_t nt = hpo__gp_n_theta(gp);
        assert_int_equal(nt, d + 2);
        double starts[3 * 5], best;
        hpo__gp_theta_default(gp, starts);
        hpo__gp_sample_theta(gp, 7, 0, starts + nt, 2);
        /* n = 0: the prior */
        double x[3] = {0.5, 0.5, 0.5}, mu, var;
        assert_int_equal(hpo__gp_set_data(gp, NULL, NULL, 0), 0);
        assert_int_equal(hpo__gp_predict(gp, x, 1, &mu, &var), 0);
        assert_true(mu == 0.0 && fabs(var - exp(hpo__gp_theta(gp)[d])) < 1e-15);
        assert_int_equal(hpo__gp_fit(gp, starts, 3, &best), 0);
        check_finite_predictions(gp, d);
        /* n = 1 */
        double y1 = 2.0;
        assert_int_equal(hpo__gp_set_data(gp, x, &y1, 1), 0);
        assert_int_equal(hpo__gp_fit(gp, starts, 3, &best), 0);
        assert_true(isfinite(best));
        check_finite_predictions(gp, d);
        /* duplicate rows, constant y */
        double X[3 * 12], y[12];
        for (size_t i = 0; i < 12; i++) {
            for (size_t k = 0; k < d; k++)
                X[i * d + k] = i < 6 ? 0.25 : 0.75;
            y[i] = 1.0;
        }
        assert_int_equal(hpo__gp_set_data(gp, X, y, 12), 0);
        assert_int_equal(hpo__gp_fit(gp, starts, 3, &best), 0);
        assert_true(isfinite(best));
        check_finite_predictions(gp, d);
        assert_int_equal(hpo__gp_add_fantasy(gp, X, 1.0), 0);
        check_finite_predictions(gp, d);
        hpo__gp_destroy(gp);

        /* length scales at huge / tiny bounds, fixed tiny noise */
        hpo__gp_config cfg = {.d = d,
                              .kernel = (hpo__kernel)kern,
                              .hyper = HPO__GP_ML,
                              .fix_noise = 1,
                              .noise = 1e-12,
                              .length_lo = 1e-12,
                              .length_hi = 1e12};
        assert_int_equal(hpo__gp_create(&gp, &cfg), 0);
        hpo__rng r;
        hpo__rng_seed(&r, 5, 5);
        make_data(&r, 12, d, NULL, X, y);
        memcpy(X + 3 * d, X, d * sizeof *X);
        assert_int_equal(hpo__gp_set_data(gp, X, y, 12), 0);
        for (int s = 0; s < 2; s++) {
            double th[5], v, g[5], l = s ? 1e12 : 1e-12;
            for (size_t k = 0; k < d; k++)
                th[k] = log(l);
            th[d] = 0.0;
            th[d + 1] = log(1e-12);
            int rc = hpo__gp_objective(gp, th, 1, &v, g);
            assert_true(rc == 0 || rc == HPO_ENUMERIC);
            if (rc == 0)
                for (size_t k = 0; k < nt; k++)
                    assert_true(isfinite(g[k]));
            assert_true(isfinite(v) || rc != 0);
            rc = hpo__gp_set_theta(gp, th);
            assert_true(rc == 0 || rc == HPO_ENUMERIC);
            if (rc == 0)
                check_finite_predictions(gp, d);
        }
        hpo__gp_destroy(gp);
    }
}

static void test_fit_improves(void **state)
{
    (void)state;
    static const unsigned char cat[4] = {0, 0, 0, 1};
    const size_t d = 4, n = 30, nt = d + 2;
    for (int h = 0; h < 2; h++)
        for (int kern = 0; kern < 4; kern++) {
            hpo__rng r;
            hpo__rng_seed(&r, 40 + (uint64_t)kern, (uint64_t)h);
            double X[4 * 30], y[30];
            make_data(&r, n, d, cat, X, y);
            hpo__gp *gp = make_gp(d, cat, (hpo__kernel)kern, (hpo__gp_hyper)h);
            assert_int_equal(hpo__gp_set_data(gp, X, y, n), 0);
            double starts[3 * 6], best, v;
            hpo__gp_theta_default(gp, starts);
            hpo__gp_sample_theta(gp, 11, 3, starts + nt, 2);
            double start_val = -HUGE_VAL;
            for (size_t s = 0; s < 3; s++) {
                assert_int_equal(hpo__gp_objective(gp, starts + s * nt, 1, &v, NULL), 0);
                start_val = fmax(start_val, v);
            }
            assert_int_equal(hpo__gp_fit(gp, starts, 3, &best), 0);
            assert_true(best > start_val + 1e-3);
            assert_int_equal(hpo__gp_objective(gp, hpo__gp_theta(gp), 1, &v, NULL), 0);
            assert_true(fabs(v - best) < 1e-9 * fmax(1.0, fabs(best)));
            check_finite_predictions(gp, d);
            hpo__gp_destroy(gp);
        }
}

/* fix_noise: the noise stays at cfg.noise through sampling, fitting and set_theta */
static void test_fixed_noise(void **state)
{
    (void)state;
    const size_t d = 2, n = 20, nt = 4;
    hpo__rng r;
    hpo__rng_seed(&r, 60, 0);
    double X[2 * 20], y[20];
    make_data(&r, n, d, NULL, X, y);
    for (int h = 0; h < 2; h++) {
        hpo__gp_config cfg = {.d = d, .hyper = (hpo__gp_hyper)h, .fix_noise = 1, .noise = 1e-6};
        hpo__gp *gp = NULL;
        assert_int_equal(hpo__gp_create(&gp, &cfg), 0);
        assert_int_equal(hpo__gp_set_data(gp, X, y, n), 0);
        double starts[3 * 4], best, v;
        hpo__gp_theta_default(gp, starts);
        hpo__gp_sample_theta(gp, 2, 2, starts + nt, 2);
        for (size_t s = 0; s < 3; s++)
            assert_true(starts[s * nt + 3] == log(1e-6));
        assert_int_equal(hpo__gp_objective(gp, starts, 1, &v, NULL), 0);
        assert_int_equal(hpo__gp_fit(gp, starts, 3, &best), 0);
        assert_true(best > v);
        assert_true(hpo__gp_theta(gp)[3] == log(1e-6));
        double t[4] = {0.0, 0.0, 0.0, 0.0};
        assert_int_equal(hpo__gp_set_theta(gp, t), 0);
        assert_true(hpo__gp_theta(gp)[3] == log(1e-6));
        hpo__gp_destroy(gp);
    }
}

static void test_sample_theta(void **state)
{
    (void)state;
    for (int h = 0; h < 2; h++) {
        hpo__gp_config cfg = {.d = 2, .hyper = (hpo__gp_hyper)h, .noise = 0.5};
        hpo__gp *gp = NULL;
        assert_int_equal(hpo__gp_create(&gp, &cfg), 0);
        double a[4 * 50], b[4 * 50];
        hpo__gp_sample_theta(gp, 3, 9, a, 50);
        hpo__gp_sample_theta(gp, 3, 9, b, 50);
        assert_memory_equal(a, b, sizeof a);
        hpo__gp_sample_theta(gp, 3, 10, b, 50);
        assert_true(memcmp(a, b, sizeof a) != 0);
        double lo_l = log(0.01), hi_l = log(100.0);
        for (size_t i = 0; i < 50; i++) {
            assert_true(a[i * 4] >= lo_l && a[i * 4] <= hi_l);
            assert_true(a[i * 4 + 3] >= log(h ? 1e-5 : 1e-6) && a[i * 4 + 3] <= log(h ? 1e5 : 1.0));
        }
        double t[4];
        hpo__gp_theta_default(gp, t);
        if (h == 1)
            assert_true(t[0] == 0.0 && t[2] == 0.0 && fabs(t[3] - log(0.5)) < 1e-15);
        else
            assert_true(fabs(t[0] - (sqrt(2.0) + 0.5 * log(2.0) - 3.0)) < 1e-15);
        hpo__gp_destroy(gp);
    }
    hpo__gp_config bad = {.d = 0};
    hpo__gp *gp = NULL;
    assert_int_equal(hpo__gp_create(&gp, &bad), HPO_EINVAL);
    hpo__gp_config bad2 = {.d = 1, .length_lo = 5, .length_hi = 1};
    assert_int_equal(hpo__gp_create(&gp, &bad2), HPO_EINVAL);
    hpo__gp_config bad3 = {.d = 1, .fix_noise = 1, .noise = 0};
    assert_int_equal(hpo__gp_create(&gp, &bad3), HPO_EINVAL);
}

/* Every allocation failure turns into HPO_ENOMEM, without leaks or crashes. */
static void test_out_of_memory(void **state)
{
    (void)state;
    hpo__rng r;
    hpo__rng_seed(&r, 50, 0);
    double X[2 * 12], y[12], Xs[2 * 4], mu[4], var[4], best;
    make_data(&r, 12, 2, NULL, X, y);
    rand_fill(&r, Xs, 8, 0.0, 1.0);
    int completed = 0;
    for (long k = 0; k < 200 && !completed; k++) {
        hpo__alloc_fail_after(k);
        hpo__gp *gp = NULL;
        hpo__gp_config cfg = {.d = 2, .noise = 0.01};
        int rc = hpo__gp_create(&gp, &cfg);
        if (rc == 0) {
            double starts[4 * 2];
            hpo__gp_theta_default(gp, starts);
            hpo__gp_sample_theta(gp, 1, 1, starts + 4, 1);
            rc = hpo__gp_set_data(gp, X, y, 12);
            if (rc == 0)
                rc = hpo__gp_fit(gp, starts, 2, &best);
            if (rc == 0)
                rc = hpo__gp_predict(gp, Xs, 4, mu, var);
            for (size_t f = 0; rc == 0 && f < 10; f++)
                rc = hpo__gp_add_fantasy(gp, Xs + 2 * (f % 4), 0.5);
            if (rc == 0)
                completed = 1;
        }
        hpo__alloc_fail_after(-1);
        if (!completed)
            assert_int_equal(rc, HPO_ENOMEM);
        hpo__gp_destroy(gp);
    }
    assert_true(completed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cholesky_reconstructs),
        cmocka_unit_test(test_cholesky_jitter),
        cmocka_unit_test(test_solves_and_inverse),
        cmocka_unit_test(test_append_equals_full),
        cmocka_unit_test(test_lbfgsb_rosenbrock),
        cmocka_unit_test(test_lbfgsb_bounds_and_failures),
        cmocka_unit_test(test_objective_value),
        cmocka_unit_test(test_objective_gradient),
        cmocka_unit_test(test_predict_grad),
        cmocka_unit_test(test_fantasies),
        cmocka_unit_test(test_degenerate_data),
        cmocka_unit_test(test_fit_improves),
        cmocka_unit_test(test_fixed_noise),
        cmocka_unit_test(test_sample_theta),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
