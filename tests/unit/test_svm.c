/*
 * test_svm.c -- the svc and svr estimators (src/ml/estimators/svm.c) on small
 * hand-checked data: hyperparameter validation messages, the decision sign
 * convention (positive = class index 1) on a problem with a known solution,
 * multiclass votes and one-vs-rest scores, classes absent from the training
 * rows, the precomputed-kernel and sparse-node training paths giving the same
 * model bit for bit, probabilities (only with probability: true; deterministic
 * per seed), regression, save/load round trips, truncated and corrupt model
 * bytes refused with HPO_ESPEC, and HPO_ENOMEM on every failing allocation.
 * Parity with scikit-learn is tests/parity/test_svm.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "params_testlib.h"

#include "core/params.h"
#include "hpo.h"
#include "ml/estimator.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* create with one parameter set and expect HPO_EINVAL with `msg`. */
static void refused(const hpo__estimator_ops *ops, hpo__task task, const hpo__params *p,
                    const char *msg)
{
    hpo__estimator *e = (hpo__estimator *)(void *)&e; /* must be reset to NULL */
    assert_int_equal(ops->create(&e, task, p, 0), HPO_EINVAL);
    assert_null(e);
    assert_string_equal(hpo_errmsg(), msg);
}

static void test_registry(void **state)
{
    (void)state;
    assert_ptr_equal(hpo__estimator_find("svc"), &hpo__svc_ops);
    assert_ptr_equal(hpo__estimator_find("svr"), &hpo__svr_ops);
    assert_int_equal(hpo__svc_ops.tasks, 1);
    assert_int_equal(hpo__svr_ops.tasks, 2);
    assert_non_null(hpo__svc_ops.decision_function);
    assert_null(hpo__svr_ops.predict_proba);
}

static void test_create_errors(void **state)
{
    (void)state;
    hpo__task C = HPO__TASK_CLASSIFICATION, R = HPO__TASK_REGRESSION;
    hpo__params p = HPO__PARAMS_INIT;
    hpo__estimator *e = NULL;
    /* defaults are accepted */
    assert_int_equal(hpo__svc_ops.create(&e, C, &p, 0), 0);
    hpo__svc_ops.destroy(e);
    assert_int_equal(hpo__svr_ops.create(&e, R, NULL, 0), 0);
    hpo__svr_ops.destroy(e);
    refused(&hpo__svc_ops, R, &p, "svc: the task must be classification");
    refused(&hpo__svr_ops, C, &p, "svr: the task must be regression");
    struct {
        int svr;
        const char *name;
        int kind; /* 0 float, 1 int, 2 string, 3 bool */
        double f;
        const char *s;
        const char *msg;
    } cases[] = {
        {0, "C", 0, -1, NULL, "svc: C must be > 0, got -1"},
        {0, "C", 0, 0, NULL, "svc: C must be > 0, got 0"},
        {1, "C", 2, 0, "big", "svr: C must be a number, got 'big'"},
        {0, "kernel", 2, 0, "rfb",
         "svc: kernel must be one of 'linear', 'poly', 'rbf', 'sigmoid', got 'rfb' (did you "
         "mean 'rbf'?)"},
        {0, "kernel", 2, 0, "precomputed",
         "svc: kernel must be one of 'linear', 'poly', 'rbf', 'sigmoid', got 'precomputed'"},
        {0, "degree", 1, -1, NULL, "svc: degree must be in [0, 2147483647], got -1"},
        {0, "degree", 0, 2.5, NULL, "svc: degree must be an integer, got 2.5"},
        {0, "gamma", 2, 0, "scal",
         "svc: gamma must be 'scale', 'auto' or a number > 0, got 'scal' (did you mean "
         "'scale'?)"},
        {0, "gamma", 2, 0, "whatever",
         "svc: gamma must be 'scale', 'auto' or a number > 0, got "
         "'whatever'"},
        {1, "gamma", 0, -0.5, NULL, "svr: gamma must be 'scale', 'auto' or a number > 0, got -0.5"},
        {0, "gamma", 0, 0, NULL, "svc: gamma must be 'scale', 'auto' or a number > 0, got 0"},
        {0, "gamma", 3, 1, NULL, "svc: gamma must be 'scale', 'auto' or a number > 0, got true"},
        {0, "tol", 0, 0, NULL, "svc: tol must be > 0, got 0"},
        {0, "cache_size", 0, -5, NULL, "svc: cache_size must be > 0, got -5"},
        {0, "shrinking", 1, 1, NULL, "svc: shrinking must be true or false, got 1"},
        {0, "probability", 2, 0, "yes", "svc: probability must be true or false, got 'yes'"},
        {0, "class_weight", 2, 0, "balance",
         "svc: class_weight must be one of 'none', 'balanced', got 'balance' (did you mean "
         "'balanced'?)"},
        {0, "max_iter", 1, 100, NULL,
         "svc: max_iter must be -1 (no limit; the system libsvm has no iteration limit "
         "parameter), got 100"},
        {0, "max_iter", 1, -2, NULL, "svc: max_iter must be >= -1, got -2"},
        {1, "epsilon", 0, -0.1, NULL, "svr: epsilon must be >= 0, got -0.1"},
        {0, "epsilon", 0, 0.1, NULL,
         "svc: unknown parameter 'epsilon' (svc takes: C, kernel, degree, gamma, coef0, "
         "shrinking, tol, class_weight, probability, cache_size, max_iter)"},
        {1, "probability", 3, 1, NULL,
         "svr: unknown parameter 'probability' (svr takes: C, kernel, degree, gamma, coef0, "
         "epsilon, shrinking, tol, cache_size, max_iter)"},
        {1, "class_weight", 2, 0, "balanced",
         "svr: unknown parameter 'class_weight' (svr takes: C, kernel, degree, gamma, coef0, "
         "epsilon, shrinking, tol, cache_size, max_iter)"},
        {0, "gama", 0, 1, NULL, "svc: unknown parameter 'gama' (did you mean 'gamma'?)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hpo__params q = HPO__PARAMS_INIT;
        switch (cases[i].kind) {
        case 0:
            add_float(&q, cases[i].name, cases[i].f);
            break;
        case 1:
            add_int(&q, cases[i].name, (long long)cases[i].f);
            break;
        case 2:
            add_str(&q, cases[i].name, cases[i].s);
            break;
        default:
            add_bool(&q, cases[i].name, (int)cases[i].f);
        }
        refused(cases[i].svr ? &hpo__svr_ops : &hpo__svc_ops,
                cases[i].svr ? HPO__TASK_REGRESSION : HPO__TASK_CLASSIFICATION, &q, cases[i].msg);
        hpo__params_free(&q);
    }
    /* accepted spellings */
    add_str(&p, "gamma", "auto");
    add_str(&p, "class_weight", "none");
    add_int(&p, "max_iter", -1);
    add_int(&p, "C", 3);
    add_str(&p, "kernel", "sigmoid");
    assert_int_equal(hpo__svc_ops.create(&e, C, &p, 0), 0);
    hpo__svc_ops.destroy(e);
    hpo__params_free(&p);
    add_float(&p, "gamma", 0.25);
    add_str(&p, "class_weight", "balanced");
    assert_int_equal(hpo__svc_ops.create(&e, C, &p, 0), 0);
    hpo__svc_ops.destroy(e);
    hpo__params_free(&p);
    hpo__svc_ops.destroy(NULL);
}

static hpo__estimator *make(const hpo__estimator_ops *ops, const hpo__params *p, const double *X,
                            const double *y, size_t n, size_t d, size_t k, uint64_t seed)
{
    hpo__estimator *e = NULL;
    hpo__task task = ops == &hpo__svr_ops ? HPO__TASK_REGRESSION : HPO__TASK_CLASSIFICATION;
    assert_int_equal(ops->create(&e, task, p, seed), 0);
    int rc = ops->fit(e, X, y, n, d, k);
    if (rc)
        fail_msg("fit: %s", hpo_errmsg());
    return e;
}

/* Two points at -1 (class 0) and +1 (class 1), linear kernel: the maximum
 * margin solution is w = 1, b = 0 (alphas 0.5 <= C), so the decision value of
 * x is x, positive for class 1. */
static void test_binary_sign(void **state)
{
    (void)state;
    const double X[] = {-1, 1}, y[] = {0, 1}, q[] = {-2, -0.5, 0.25, 3};
    double pred[4], dec[4];
    hpo__params p = HPO__PARAMS_INIT;
    add_str(&p, "kernel", "linear");
    hpo__estimator *e = make(&hpo__svc_ops, &p, X, y, 2, 1, 2, 0);
    assert_int_equal(hpo__svc_ops.predict(e, q, 4, pred), 0);
    assert_int_equal(hpo__svc_ops.decision_function(e, q, 4, dec), 0);
    for (int i = 0; i < 4; i++) {
        assert_true(fabs(dec[i] - q[i]) < 1e-9);
        assert_true(pred[i] == (q[i] > 0 ? 1.0 : 0.0));
    }
    hpo__svc_ops.destroy(e);
    /* the same with the classes listed the other way round in the rows */
    const double X2[] = {1, -1}, y2[] = {1, 0};
    e = make(&hpo__svc_ops, &p, X2, y2, 2, 1, 2, 0);
    assert_int_equal(hpo__svc_ops.decision_function(e, q, 4, dec), 0);
    for (int i = 0; i < 4; i++)
        assert_true(fabs(dec[i] - q[i]) < 1e-9);
    hpo__svc_ops.destroy(e);
    hpo__params_free(&p);
}

/* Three well-separated blobs in 2-D, rows in shuffled class order. */
static const double blobs_X[] = {5,   5,   0,    0,   10,   0,    5.5, 4.5, 0.5, -0.5, 9.5, 0.5,
                                 4.5, 5.5, -0.5, 0.5, 10.5, -0.5, 5,   6,   1,   0,    10,  1};
static const double blobs_y[] = {2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1};
static const double blobs_q[] = {0.2, 0.1, 9.8, 0.2, 5.1, 5.2, 4, 3};

static void test_multiclass(void **state)
{
    (void)state;
    double pred[12], dec[12 * 3];
    hpo__params p = HPO__PARAMS_INIT;
    add_float(&p, "gamma", 0.1);
    hpo__estimator *e = make(&hpo__svc_ops, &p, blobs_X, blobs_y, 12, 2, 3, 0);
    assert_int_equal(hpo__svc_ops.predict(e, blobs_X, 12, pred), 0);
    for (int i = 0; i < 12; i++)
        assert_true(pred[i] == blobs_y[i]);
    assert_int_equal(hpo__svc_ops.predict(e, blobs_q, 4, pred), 0);
    assert_true(pred[0] == 0 && pred[1] == 1 && pred[2] == 2 && pred[3] == 2);
    /* ovr: votes (2, 1, 0 for a clear winner) plus confidences in (-1/3, 1/3) */
    assert_int_equal(hpo__svc_ops.decision_function(e, blobs_q, 4, dec), 0);
    for (int i = 0; i < 4; i++) {
        size_t best = 0;
        double sum = 0;
        for (size_t c = 0; c < 3; c++) {
            if (dec[i * 3 + c] > dec[i * 3 + best])
                best = c;
            sum += dec[i * 3 + c];
        }
        assert_true((double)best == pred[i]);
        assert_true(fabs(sum - 3.0) < 1.0); /* votes sum to 3 */
        assert_true(dec[i * 3 + best] > 5.0 / 3.0 && dec[i * 3 + best] < 7.0 / 3.0);
        for (size_t c = 0; c < 3; c++)
            assert_true(dec[i * 3 + c] > -1.0 / 3.0);
    }
    hpo__svc_ops.destroy(e);
    hpo__params_free(&p);
}

/* Training with libsvm's sparse nodes (a kernel matrix too big for a tiny
 * cache_size) and with the precomputed kernel matrix give the same model on
 * integer data (where every summation order gives the same dot products). */
static void test_paths_equal(void **state)
{
    (void)state;
    enum { N = 60, D = 5, Q = 20 };
    double X[N * D], y[N], q[Q * D];
    uint64_t s = 12345;
    for (size_t i = 0; i < N * D + Q * D; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double v = (double)(s >> 11) / 9007199254740992.0;
        v = v < 0.3 ? 0.0 : floor((v - 0.5) * 8.0); /* integers (exact sums), some zeros */
        if (i < N * D)
            X[i] = v;
        else
            q[i - N * D] = v;
    }
    for (size_t i = 0; i < N; i++)
        y[i] = (double)((size_t)(X[i * D] * 7 + 10 + (double)i) % 3);
    static const char *const kernels[] = {"rbf", "linear", "poly", "sigmoid"};
    for (size_t k = 0; k < 4; k++) {
        for (int reg = 0; reg < 2; reg++) {
            const hpo__estimator_ops *ops = reg ? &hpo__svr_ops : &hpo__svc_ops;
            hpo__params a = HPO__PARAMS_INIT, b = HPO__PARAMS_INIT;
            add_str(&a, "kernel", kernels[k]);
            add_str(&b, "kernel", kernels[k]);
            add_float(&b, "cache_size", 1e-6);
            add_float(&a, "coef0", 0.5);
            add_float(&b, "coef0", 0.5);
            hpo__estimator *ea = make(ops, &a, X, y, N, D, 3, 0);
            hpo__estimator *eb = make(ops, &b, X, y, N, D, 3, 0);
            double pa[Q * 3], pb[Q * 3];
            assert_int_equal(ops->predict(ea, q, Q, pa), 0);
            assert_int_equal(ops->predict(eb, q, Q, pb), 0);
            assert_memory_equal(pa, pb, sizeof(double) * Q);
            if (!reg) {
                assert_int_equal(ops->decision_function(ea, q, Q, pa), 0);
                assert_int_equal(ops->decision_function(eb, q, Q, pb), 0);
                assert_memory_equal(pa, pb, sizeof pa);
            }
            hpo__buf ba = HPO__BUF_INIT, bb = HPO__BUF_INIT;
            assert_int_equal(ops->save(ea, &ba), 0);
            assert_int_equal(ops->save(eb, &bb), 0);
            assert_int_equal(ba.len, bb.len);
            assert_memory_equal(ba.data, bb.data, ba.len);
            hpo__buf_free(&ba);
            hpo__buf_free(&bb);
            ops->destroy(ea);
            ops->destroy(eb);
            hpo__params_free(&a);
            hpo__params_free(&b);
        }
    }
}

static void test_absent_class_and_errors(void **state)
{
    (void)state;
    /* class 1 of 3 never appears in the training rows */
    const double X[] = {0, 0.2, 0.1, 3, 3.2, 3.1}, y[] = {0, 0, 0, 2, 2, 2}, q[] = {0.05, 3.05};
    double pred[2], dec[6], proba[6];
    hpo__params p = HPO__PARAMS_INIT;
    add_bool(&p, "probability", 1);
    hpo__estimator *e = make(&hpo__svc_ops, &p, X, y, 6, 1, 3, 7);
    assert_int_equal(hpo__svc_ops.predict(e, q, 2, pred), 0);
    assert_true(pred[0] == 0 && pred[1] == 2);
    assert_int_equal(hpo__svc_ops.decision_function(e, q, 2, dec), 0);
    assert_true(dec[1] == -1.0 && dec[4] == -1.0);
    assert_true(dec[0] > dec[2] && dec[5] > dec[3]);
    assert_int_equal(hpo__svc_ops.predict_proba(e, q, 2, proba), 0);
    assert_true(proba[1] == 0.0 && proba[4] == 0.0);
    assert_true(fabs(proba[0] + proba[2] - 1.0) < 1e-12);
    hpo__svc_ops.destroy(e);
    hpo__params_free(&p);
    /* errors */
    assert_int_equal(hpo__svc_ops.create(&e, HPO__TASK_CLASSIFICATION, NULL, 0), 0);
    assert_int_equal(hpo__svc_ops.predict(e, q, 1, pred), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "svc: predict before fit");
    hpo__buf b = HPO__BUF_INIT;
    assert_int_equal(hpo__svc_ops.save(e, &b), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "svc: save before fit");
    assert_int_equal(hpo__svc_ops.fit(e, X, y, 3, 1, 3), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(),
                        "svc: The number of classes has to be greater than one; got 1 class");
    const double bad_y[] = {0, 1, 3};
    assert_int_equal(hpo__svc_ops.fit(e, X, bad_y, 3, 1, 3), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "svc: y[2] is not a class index below 3");
    const double nan_X[] = {0, (double)NAN, 1};
    assert_int_equal(hpo__svc_ops.fit(e, nan_X, y + 2, 3, 1, 3), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "svc: X contains NaN or infinity (row 1, column 0)");
    assert_int_equal(hpo__svc_ops.fit(e, X, y, 0, 1, 3), HPO_EINVAL);
    assert_int_equal(hpo__svc_ops.fit(e, X, y + 2, 2, 1, 3), 0);
    /* predict_proba only with probability: true */
    assert_int_equal(hpo__svc_ops.predict_proba(e, q, 2, proba), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(),
                        "svc: predict_proba needs a model fitted with probability: true");
    assert_int_equal(hpo__svc_ops.predict(e, nan_X, 3, pred), HPO_EINVAL);
    assert_int_equal(hpo__svc_ops.predict(e, NULL, 0, pred), 0);
    assert_int_equal(hpo__svc_ops.set_threads(e, 4), 0);
    assert_int_equal(hpo__svc_ops.set_threads(e, 0), HPO_EINVAL);
    hpo__svc_ops.destroy(e);
}

static void test_probability(void **state)
{
    (void)state;
    double p1[8 * 3], p2[8 * 3], p3[8 * 3], pred[8];
    hpo__params p = HPO__PARAMS_INIT;
    add_bool(&p, "probability", 1);
    add_float(&p, "gamma", 0.1);
    hpo__estimator *a = make(&hpo__svc_ops, &p, blobs_X, blobs_y, 12, 2, 3, 42);
    hpo__estimator *b = make(&hpo__svc_ops, &p, blobs_X, blobs_y, 12, 2, 3, 42);
    assert_int_equal(hpo__svc_ops.predict_proba(a, blobs_q, 4, p1), 0);
    assert_int_equal(hpo__svc_ops.predict_proba(b, blobs_q, 4, p2), 0);
    assert_memory_equal(p1, p2, sizeof(double) * 12); /* same seed, same probabilities */
    assert_int_equal(hpo__svc_ops.predict(a, blobs_q, 4, pred), 0);
    for (int i = 0; i < 4; i++) {
        double sum = p1[i * 3] + p1[i * 3 + 1] + p1[i * 3 + 2];
        assert_true(fabs(sum - 1.0) < 1e-9);
        for (int c = 0; c < 3; c++)
            assert_true(p1[i * 3 + c] >= 0.0 && p1[i * 3 + c] <= 1.0);
    }
    /* the probabilities survive save/load */
    hpo__buf buf = HPO__BUF_INIT;
    hpo__estimator *c = NULL;
    assert_int_equal(hpo__svc_ops.save(a, &buf), 0);
    assert_int_equal(hpo__svc_ops.create(&c, HPO__TASK_CLASSIFICATION, &p, 0), 0);
    assert_int_equal(hpo__svc_ops.load(c, buf.data, buf.len), 0);
    assert_int_equal(hpo__svc_ops.predict_proba(c, blobs_q, 4, p3), 0);
    assert_memory_equal(p1, p3, sizeof(double) * 12);
    hpo__buf_free(&buf);
    hpo__svc_ops.destroy(a);
    hpo__svc_ops.destroy(b);
    hpo__svc_ops.destroy(c);
    hpo__params_free(&p);
}

static void test_regression(void **state)
{
    (void)state;
    /* y = 2x - 1 exactly; a linear SVR with epsilon 0.01 and large C fits it
     * within epsilon (+ tol) */
    double X[20], y[20], q[3] = {-0.5, 0.25, 0.9}, pred[3];
    for (int i = 0; i < 20; i++) {
        X[i] = -1.0 + (double)i / 10.0;
        y[i] = 2.0 * X[i] - 1.0;
    }
    hpo__params p = HPO__PARAMS_INIT;
    add_str(&p, "kernel", "linear");
    add_float(&p, "epsilon", 0.01);
    add_float(&p, "C", 100.0);
    hpo__estimator *e = make(&hpo__svr_ops, &p, X, y, 20, 1, 0, 0);
    assert_int_equal(hpo__svr_ops.predict(e, q, 3, pred), 0);
    for (int i = 0; i < 3; i++)
        assert_true(fabs(pred[i] - (2.0 * q[i] - 1.0)) < 0.02);
    const double bad[] = {1, (double)INFINITY};
    assert_int_equal(hpo__svr_ops.fit(e, X, bad, 2, 1, 0), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "svr: y contains NaN or infinity (row 1)");
    hpo__svr_ops.destroy(e);
    hpo__params_free(&p);
}

/* Save, load into a fresh model, same predictions; every truncation and
 * some corruptions refused with HPO_ESPEC. */
static void roundtrip(const hpo__estimator_ops *ops, const hpo__params *p, const double *X,
                      const double *y, size_t n, size_t d, size_t k, const double *q, size_t nq)
{
    hpo__task task = ops == &hpo__svr_ops ? HPO__TASK_REGRESSION : HPO__TASK_CLASSIFICATION;
    hpo__estimator *e = make(ops, p, X, y, n, d, k, 0), *f = NULL;
    hpo__buf b = HPO__BUF_INIT;
    double *p1 = calloc(nq * (k + 1), sizeof *p1), *p2 = calloc(nq * (k + 1), sizeof *p2);
    assert_non_null(p1);
    assert_non_null(p2);
    assert_int_equal(ops->save(e, &b), 0);
    assert_int_equal(ops->create(&f, task, p, 0), 0);
    assert_int_equal(ops->load(f, b.data, b.len), 0);
    assert_int_equal(ops->predict(e, q, nq, p1), 0);
    assert_int_equal(ops->predict(f, q, nq, p2), 0);
    assert_memory_equal(p1, p2, nq * sizeof *p1);
    if (ops->decision_function) {
        assert_int_equal(ops->decision_function(e, q, nq, p1), 0);
        assert_int_equal(ops->decision_function(f, q, nq, p2), 0);
        assert_memory_equal(p1, p2, nq * (k == 2 ? 1 : k) * sizeof *p1);
    }
    /* a second load replaces the model */
    assert_int_equal(ops->load(f, b.data, b.len), 0);
    for (size_t len = 0; len < b.len; len++) {
        int rc = ops->load(f, b.data, len);
        if (rc != HPO_ESPEC)
            fail_msg("truncated to %zu of %zu bytes: rc %d", len, b.len, rc);
    }
    /* the failed loads left the loaded model intact */
    assert_int_equal(ops->predict(f, q, nq, p2), 0);
    assert_int_equal(ops->predict(e, q, nq, p1), 0);
    assert_memory_equal(p1, p2, nq * sizeof *p1);
    /* trailing bytes, bad magic, huge counts */
    char *c = malloc(b.len + 1);
    assert_non_null(c);
    memcpy(c, b.data, b.len);
    c[b.len] = 0;
    assert_int_equal(ops->load(f, c, b.len + 1), HPO_ESPEC);
    c[0] ^= 1;
    assert_int_equal(ops->load(f, c, b.len), HPO_ESPEC);
    assert_string_equal(hpo_errmsg(), task == HPO__TASK_REGRESSION ? "svr model: not an svm model"
                                                                   : "svc model: not an svm model");
    c[0] ^= 1;
    for (size_t off = 4; off + 8 <= 64 && off + 8 <= b.len; off += 4) {
        char save[8];
        memcpy(save, c + off, 8);
        memset(c + off, 0x7f, 8);
        int rc = ops->load(f, c, b.len);
        if (rc != HPO_ESPEC && rc != 0)
            fail_msg("corrupt bytes at %zu: rc %d", off, rc);
        memcpy(c + off, save, 8);
    }
    assert_int_equal(ops->load(f, c, b.len), 0);
    free(c);
    free(p1);
    free(p2);
    hpo__buf_free(&b);
    ops->destroy(e);
    ops->destroy(f);
}

static void test_save_load(void **state)
{
    (void)state;
    hpo__params p = HPO__PARAMS_INIT;
    roundtrip(&hpo__svc_ops, &p, blobs_X, blobs_y, 12, 2, 3, blobs_q, 4);
    add_str(&p, "kernel", "poly");
    add_int(&p, "degree", 2);
    const double yb[] = {0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1};
    roundtrip(&hpo__svc_ops, &p, blobs_X, yb, 12, 2, 2, blobs_q, 4);
    hpo__params_free(&p);
    add_float(&p, "epsilon", 0.05);
    const double yr[] = {1.5, -2, 0.25, 1, 3, 2, -1, 0, 0.5, 2.5, 1, -0.5};
    roundtrip(&hpo__svr_ops, &p, blobs_X, yr, 12, 2, 0, blobs_q, 4);
    hpo__params_free(&p);
    /* bytes of the other task are refused */
    hpo__estimator *e = make(&hpo__svc_ops, NULL, blobs_X, blobs_y, 12, 2, 3, 0), *r = NULL;
    hpo__buf b = HPO__BUF_INIT;
    assert_int_equal(hpo__svc_ops.save(e, &b), 0);
    assert_int_equal(hpo__svr_ops.create(&r, HPO__TASK_REGRESSION, NULL, 0), 0);
    assert_int_equal(hpo__svr_ops.load(r, b.data, b.len), HPO_ESPEC);
    assert_string_equal(hpo_errmsg(), "svr model: the model is for another task");
    hpo__buf_free(&b);
    hpo__svc_ops.destroy(e);
    hpo__svr_ops.destroy(r);
}

static void test_class_weight(void **state)
{
    (void)state;
    /* 9 rows of class 0 against 3 of class 1, overlapping: 'balanced' moves
     * the boundary towards class 0 (more test points called class 1) */
    const double X[] = {0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 2.2, 3.4, 4.5};
    const double y[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1};
    double q[41], pn[41], pb[41];
    for (int i = 0; i < 41; i++)
        q[i] = (double)i / 10.0;
    hpo__params p = HPO__PARAMS_INIT;
    add_str(&p, "kernel", "linear");
    hpo__estimator *e = make(&hpo__svc_ops, &p, X, y, 12, 1, 2, 0);
    add_str(&p, "class_weight", "balanced");
    hpo__estimator *f = make(&hpo__svc_ops, &p, X, y, 12, 1, 2, 0);
    assert_int_equal(hpo__svc_ops.predict(e, q, 41, pn), 0);
    assert_int_equal(hpo__svc_ops.predict(f, q, 41, pb), 0);
    int ones_n = 0, ones_b = 0;
    for (int i = 0; i < 41; i++) {
        ones_n += pn[i] == 1.0;
        ones_b += pb[i] == 1.0;
        assert_true(pb[i] >= pn[i]); /* never the other way */
    }
    assert_true(ones_b > ones_n);
    hpo__svc_ops.destroy(e);
    hpo__svc_ops.destroy(f);
    hpo__params_free(&p);
}

static void test_enomem(void **state)
{
    (void)state;
    double pred[4], proba[12], dec[12];
    for (int cache = 0; cache < 2; cache++) {
        hpo__params p = HPO__PARAMS_INIT;
        add_bool(&p, "probability", 1);
        add_str(&p, "class_weight", "balanced");
        if (cache)
            add_float(&p, "cache_size", 1e-6); /* the sparse-node path */
        int ok = 0;
        for (long k = 0; k < 200 && !ok; k++) {
            hpo__estimator *e = NULL, *f = NULL;
            hpo__buf b = HPO__BUF_INIT;
            hpo__alloc_fail_after(k);
            int rc = hpo__svc_ops.create(&e, HPO__TASK_CLASSIFICATION, &p, 1);
            if (rc == 0)
                rc = hpo__svc_ops.fit(e, blobs_X, blobs_y, 12, 2, 3);
            if (rc == 0)
                rc = hpo__svc_ops.predict(e, blobs_q, 4, pred);
            if (rc == 0)
                rc = hpo__svc_ops.predict_proba(e, blobs_q, 4, proba);
            if (rc == 0)
                rc = hpo__svc_ops.decision_function(e, blobs_q, 4, dec);
            if (rc == 0)
                rc = hpo__svc_ops.save(e, &b);
            if (rc == 0)
                rc = hpo__svc_ops.create(&f, HPO__TASK_CLASSIFICATION, &p, 1);
            if (rc == 0)
                rc = hpo__svc_ops.load(f, b.data, b.len);
            if (rc == 0)
                rc = hpo__svc_ops.predict(f, blobs_q, 4, pred);
            hpo__alloc_fail_after(-1);
            if (rc == 0)
                ok = 1;
            else
                assert_int_equal(rc, HPO_ENOMEM);
            hpo__buf_free(&b);
            hpo__svc_ops.destroy(e);
            hpo__svc_ops.destroy(f);
        }
        assert_true(ok);
        hpo__params_free(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),    cmocka_unit_test(test_create_errors),
        cmocka_unit_test(test_binary_sign), cmocka_unit_test(test_multiclass),
        cmocka_unit_test(test_paths_equal), cmocka_unit_test(test_absent_class_and_errors),
        cmocka_unit_test(test_probability), cmocka_unit_test(test_regression),
        cmocka_unit_test(test_save_load),   cmocka_unit_test(test_class_weight),
        cmocka_unit_test(test_enomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
