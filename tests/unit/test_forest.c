/*
 * test_forest.c -- tree-ensemble surrogates: exact fits of a noiseless step,
 * larger sd away from the data, determinism per seed, min_samples_leaf,
 * ordered GBRT quantiles, degenerate data (one point, constant y), argument
 * errors and allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/rng.h"
#include "models/forest.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static hpo__forest *fit(hpo__forest_config c, const double *X, const double *y, size_t n)
{
    hpo__forest *f = NULL;
    assert_int_equal(hpo__forest_create(&f, &c), 0);
    assert_int_equal(hpo__forest_fit(f, X, y, n), 0);
    return f;
}

/* 40 points on [0, 1), y = 0 left of 0.5 and 1 right of it. */
static void step_data(double *X, double *y)
{
    for (size_t i = 0; i < 40; i++) {
        X[i] = ((double)i + 0.5) / 40.0;
        y[i] = X[i] < 0.5 ? 0.0 : 1.0;
    }
}

static void test_step_exact(void **state)
{
    (void)state;
    double X[40], y[40], mu[40], sd[40];
    step_data(X, y);
    hpo__forest_config cfgs[3] = {
        {.kind = HPO__FOREST_ET, .d = 1, .min_samples_leaf = 1, .seed = 3},
        {.kind = HPO__FOREST_RF, .d = 1, .min_samples_leaf = 1, .no_bootstrap = 1, .seed = 3},
        {.kind = HPO__FOREST_RF, .d = 1, .min_samples_leaf = 1, .n_estimators = 1, .seed = 3},
    };
    for (size_t c = 0; c < 3; c++) {
        hpo__forest *f = fit(cfgs[c], X, y, 40);
        assert_int_equal(hpo__forest_predict(f, X, 40, mu, sd), 0);
        for (size_t i = 0; i < 40; i++) {
            if (c == 2) {
                /* one bootstrapped tree: exact wherever the split cannot move */
                if (fabs(X[i] - 0.5) > 0.2)
                    assert_true(mu[i] == y[i]);
                continue;
            }
            assert_true(mu[i] == y[i]);
            assert_true(sd[i] == 0.0);
        }
        hpo__forest_destroy(f);
    }
}

/* A constant coordinate next to the step: skipped, the step still fitted. */
static void test_constant_feature_skipped(void **state)
{
    (void)state;
    double x1[40], y[40], X[80], mu[40];
    step_data(x1, y);
    for (size_t i = 0; i < 40; i++) {
        X[2 * i] = 0.25;
        X[2 * i + 1] = x1[i];
    }
    for (int kind = 0; kind < 2; kind++) {
        hpo__forest_config c = {.kind = (hpo__forest_kind)kind,
                                .d = 2,
                                .min_samples_leaf = 1,
                                .max_features = 0.5,
                                .no_bootstrap = 1,
                                .n_estimators = 10};
        hpo__forest *f = fit(c, X, y, 40);
        assert_int_equal(hpo__forest_predict(f, X, 40, mu, NULL), 0);
        for (size_t i = 0; i < 40; i++)
            assert_true(mu[i] == y[i]);
        hpo__forest_destroy(f);
    }
}

/* y = x on two clusters, [0, 0.3] and [0.7, 1]: the gap is uncertain. */
static void test_sd_away_from_data(void **state)
{
    (void)state;
    double X[30], y[30], mu[30], sd[30];
    for (size_t i = 0; i < 30; i++) {
        X[i] = i < 15 ? 0.3 * (double)i / 14.0 : 0.7 + 0.3 * (double)(i - 15) / 14.0;
        y[i] = X[i];
    }
    const double gap[3] = {0.45, 0.5, 0.55};
    double gmu[3], gsd[3];
    for (int kind = 0; kind < 3; kind++) {
        hpo__forest_config c = {.kind = (hpo__forest_kind)kind, .d = 1, .seed = 11};
        hpo__forest *f = fit(c, X, y, 30);
        assert_int_equal(hpo__forest_predict(f, X, 30, mu, sd), 0);
        assert_int_equal(hpo__forest_predict(f, gap, 3, gmu, gsd), 0);
        double at = 0.0, away = 0.0;
        for (size_t i = 0; i < 30; i++)
            at += sd[i] / 30.0;
        for (size_t i = 0; i < 3; i++)
            away += gsd[i] / 3.0;
        /* GBRT's quantile band is no uncertainty estimate on noiseless data */
        if (kind != HPO__FOREST_GBRT)
            assert_true(away > 1.2 * at);
        hpo__forest_destroy(f);
    }
}

static void noisy_data(double *X, double *y, size_t n, size_t d, uint64_t seed)
{
    hpo__rng r;
    hpo__rng_seed(&r, seed, 0);
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < d; j++) {
            X[i * d + j] = hpo__rng_uniform(&r);
            s += sin(3.0 * X[i * d + j]);
        }
        y[i] = s + 0.3 * hpo__rng_normal(&r);
    }
}

static void test_deterministic_per_seed(void **state)
{
    (void)state;
    enum { N = 80, D = 3, M = 50 };
    double X[N * D], y[N], Xs[M * D], ys[M];
    noisy_data(X, y, N, D, 1);
    noisy_data(Xs, ys, M, D, 2);
    for (int kind = 0; kind < 3; kind++) {
        double a[M], as[M], b[M], bs[M], c[M], cs[M];
        hpo__forest_config cfg = {
            .kind = (hpo__forest_kind)kind, .d = D, .n_estimators = 20, .seed = 5};
        /* GBRT draws only the feature order; a fraction makes it matter */
        cfg.max_features = kind == HPO__FOREST_GBRT ? 0.5 : 0.0;
        hpo__forest *f = fit(cfg, X, y, N);
        assert_int_equal(hpo__forest_predict(f, Xs, M, a, as), 0);
        /* refitting the same handle gives the same model */
        assert_int_equal(hpo__forest_fit(f, X, y, N), 0);
        assert_int_equal(hpo__forest_predict(f, Xs, M, b, bs), 0);
        hpo__forest_destroy(f);
        assert_memory_equal(a, b, sizeof a);
        assert_memory_equal(as, bs, sizeof as);
        cfg.seed = 6;
        f = fit(cfg, X, y, N);
        assert_int_equal(hpo__forest_predict(f, Xs, M, c, cs), 0);
        hpo__forest_destroy(f);
        assert_true(memcmp(a, c, sizeof a) != 0);
    }
}

/* One tree: training points grouped by their (distinct, continuous) leaf
 * means; every leaf holds at least min_samples_leaf of them. */
static void test_min_samples_leaf(void **state)
{
    (void)state;
    enum { N = 120, D = 2 };
    double X[N * D], y[N], mu[N];
    noisy_data(X, y, N, D, 9);
    const size_t ks[3] = {1, 3, 7};
    for (int kind = 0; kind < 3; kind++) {
        for (size_t t = 0; t < 3; t++) {
            hpo__forest_config c = {.kind = (hpo__forest_kind)kind,
                                    .d = D,
                                    .n_estimators = 1,
                                    .min_samples_leaf = ks[t],
                                    .max_depth = kind == HPO__FOREST_GBRT ? 8 : 0,
                                    .seed = 4};
            hpo__forest *f = fit(c, X, y, N);
            assert_int_equal(hpo__forest_predict(f, X, N, mu, NULL), 0);
            size_t leaves = 0, smallest = N;
            for (size_t i = 0; i < N; i++) {
                size_t count = 0, seen_before = 0;
                for (size_t j = 0; j < N; j++) {
                    if (mu[j] == mu[i]) {
                        count++;
                        seen_before |= j < i;
                    }
                }
                if (!seen_before) {
                    leaves++;
                    smallest = count < smallest ? count : smallest;
                }
            }
            assert_true(smallest >= ks[t]);
            if (ks[t] == 1 && kind == HPO__FOREST_ET)
                assert_true(leaves > N / 2); /* it does grow deep trees */
            hpo__forest_destroy(f);
        }
    }
}

static void test_gbrt_quantiles_ordered(void **state)
{
    (void)state;
    enum { N = 200, D = 2, M = 100 };
    double X[N * D], y[N], Xs[M * D], ys[M], q[3][M], sd[M];
    noisy_data(X, y, N, D, 21);
    noisy_data(Xs, ys, M, D, 22);
    const double alphas[3] = {0.16, 0.5, 0.84};
    double mean[3] = {0};
    for (int k = 0; k < 3; k++) {
        hpo__forest_config c = {.kind = HPO__FOREST_GBRT,
                                .d = D,
                                .quantiles = {alphas[k], alphas[k], alphas[k]},
                                .seed = 1};
        hpo__forest *f = fit(c, X, y, N);
        assert_int_equal(hpo__forest_predict(f, Xs, M, q[k], sd), 0);
        for (size_t i = 0; i < M; i++) {
            assert_true(sd[i] == 0.0); /* one quantile three times */
            mean[k] += q[k][i] / M;
        }
        hpo__forest_destroy(f);
    }
    assert_true(mean[0] < mean[1] && mean[1] < mean[2]);
    /* noise sd 0.3: the 16-84% band is about 0.6 wide */
    assert_true(mean[2] - mean[0] > 0.3 && mean[2] - mean[0] < 1.2);
    /* the default model: mu = median model, sd = half the band */
    double mu[M];
    hpo__forest_config c = {.kind = HPO__FOREST_GBRT, .d = D, .seed = 1};
    hpo__forest *f = fit(c, X, y, N);
    assert_int_equal(hpo__forest_predict(f, Xs, M, mu, sd), 0);
    for (size_t i = 0; i < M; i++) {
        assert_true(mu[i] == q[1][i]);
        double h = (q[2][i] - q[0][i]) / 2.0;
        assert_true(sd[i] == (h > 0.0 ? h : 0.0));
    }
    hpo__forest_destroy(f);
}

static void test_degenerate(void **state)
{
    (void)state;
    double X[20], y[20], mu[3], sd[3];
    const double Xs[3] = {-1.0, 0.3, 2.0};
    for (size_t i = 0; i < 20; i++) {
        X[i] = (double)i / 20.0;
        y[i] = 4.0;
    }
    for (int kind = 0; kind < 3; kind++) {
        for (int mv = 0; mv < 2; mv++) {
            hpo__forest_config c = {.kind = (hpo__forest_kind)kind, .d = 1, .seed = 2};
            c.min_variance = mv ? 0.25 : 0.0;
            double want = kind == HPO__FOREST_GBRT ? 0.0 : sqrt(c.min_variance);
            /* one point */
            hpo__forest *f = fit(c, X, y, 1);
            assert_int_equal(hpo__forest_predict(f, Xs, 3, mu, sd), 0);
            for (size_t i = 0; i < 3; i++) {
                assert_true(mu[i] == 4.0);
                assert_true(fabs(sd[i] - want) < 1e-12);
            }
            /* constant y */
            assert_int_equal(hpo__forest_fit(f, X, y, 20), 0);
            assert_int_equal(hpo__forest_predict(f, Xs, 3, mu, sd), 0);
            for (size_t i = 0; i < 3; i++) {
                assert_true(mu[i] == 4.0);
                assert_true(fabs(sd[i] - want) < 1e-12);
            }
            hpo__forest_destroy(f);
        }
    }
    /* constant X, varying y: no split, the mean everywhere */
    for (size_t i = 0; i < 20; i++) {
        X[i] = 0.5;
        y[i] = (double)i;
    }
    hpo__forest_config c = {.kind = HPO__FOREST_RF, .d = 1, .no_bootstrap = 1};
    hpo__forest *f = fit(c, X, y, 20);
    assert_int_equal(hpo__forest_predict(f, Xs, 3, mu, sd), 0);
    assert_true(fabs(mu[0] - 9.5) < 1e-12);
    assert_true(fabs(sd[0] - sqrt(399.0 / 12.0)) < 1e-9); /* population variance */
    hpo__forest_destroy(f);
}

static void test_errors(void **state)
{
    (void)state;
    hpo__forest *f = NULL;
    hpo__forest_config c = {.kind = HPO__FOREST_RF, .d = 0};
    assert_int_equal(hpo__forest_create(&f, &c), HPO_EINVAL);
    c.d = 1;
    c.kind = (hpo__forest_kind)7;
    assert_int_equal(hpo__forest_create(&f, &c), HPO_EINVAL);
    c.kind = HPO__FOREST_ET;
    c.max_features = 1.5;
    assert_int_equal(hpo__forest_create(&f, &c), HPO_EINVAL);
    c.max_features = 0.0;
    c.min_variance = -1.0;
    assert_int_equal(hpo__forest_create(&f, &c), HPO_EINVAL);
    c.min_variance = 0.0;
    c.kind = HPO__FOREST_GBRT;
    c.quantiles[1] = 1.0;
    assert_int_equal(hpo__forest_create(&f, &c), HPO_EINVAL);
    c.quantiles[1] = 0.0;
    assert_int_equal(hpo__forest_create(NULL, &c), HPO_EINVAL);
    assert_int_equal(hpo__forest_create(&f, &c), 0);
    double x = 0.5, y = NAN, mu, sd;
    assert_int_equal(hpo__forest_predict(f, &x, 1, &mu, &sd), HPO_EINVAL); /* not fitted */
    assert_int_equal(hpo__forest_fit(f, &x, &y, 1), HPO_EINVAL);
    y = 1.0;
    assert_int_equal(hpo__forest_fit(f, &x, &y, 0), HPO_EINVAL);
    x = INFINITY;
    assert_int_equal(hpo__forest_fit(f, &x, &y, 1), HPO_EINVAL);
    x = 0.5;
    assert_int_equal(hpo__forest_fit(f, &x, &y, 1), 0);
    assert_int_equal(hpo__forest_predict(f, &x, 1, &mu, &sd), 0);
    assert_true(mu == 1.0 && sd == 0.0);
    hpo__forest_destroy(f);
    hpo__forest_destroy(NULL);
}

/* The N-th allocation fails: HPO_ENOMEM, no leak (valgrind/ASan), and the
 * handle stays usable. */
static void test_alloc_failures(void **state)
{
    (void)state;
    enum { N = 30, D = 2 };
    double X[N * D], y[N], mu[N];
    noisy_data(X, y, N, D, 3);
    for (int kind = 0; kind < 3; kind++) {
        hpo__forest_config c = {.kind = (hpo__forest_kind)kind, .d = D, .n_estimators = 3};
        int ok = 0;
        for (long k = 0; k < 200 && !ok; k++) {
            hpo__forest *f = NULL;
            hpo__alloc_fail_after(k);
            int rc = hpo__forest_create(&f, &c);
            if (rc == 0)
                rc = hpo__forest_fit(f, X, y, N);
            hpo__alloc_fail_after(-1);
            if (rc == 0) {
                ok = 1;
                assert_int_equal(hpo__forest_predict(f, X, N, mu, NULL), 0);
            } else {
                assert_int_equal(rc, HPO_ENOMEM);
                if (f) {
                    assert_int_equal(hpo__forest_predict(f, X, N, mu, NULL), HPO_EINVAL);
                    assert_int_equal(hpo__forest_fit(f, X, y, N), 0);
                }
            }
            hpo__forest_destroy(f);
        }
        assert_true(ok);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_exact),        cmocka_unit_test(test_constant_feature_skipped),
        cmocka_unit_test(test_sd_away_from_data), cmocka_unit_test(test_deterministic_per_seed),
        cmocka_unit_test(test_min_samples_leaf),  cmocka_unit_test(test_gbrt_quantiles_ordered),
        cmocka_unit_test(test_degenerate),        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
