/*
 * test_linear.c -- the liblinear estimators (logistic_regression, linear_svc,
 * linear_svr): hyperparameter validation and scikit-learn's refusals of
 * unsupported loss/penalty/dual combinations, the optimality of fitted
 * logistic models (the gradient of the objective scikit-learn minimises
 * vanishes: checks the label order, the sign of binary models, the
 * regularised intercept and balanced class weights), one-vs-rest outputs,
 * classes absent from y, save/load round trips and refusal of truncated or
 * foreign bytes, determinism per seed (also with concurrent fits), and
 * HPO_ENOMEM on every failing allocation. Parity with scikit-learn is
 * tests/parity/test_linear.py.
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
#include <pthread.h>
#include <string.h>

/* ---- small deterministic data: a tiny LCG, no rand() */
static double unif(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}

/* n rows, d = 2; class by the sign of a noisy linear function (binary) or the
 * nearest of three centres (k = 3). Rows of class 1 first when first1. */
static void make_data(size_t n, size_t k, int first1, double *X, double *y)
{
    uint64_t s = 42;
    for (size_t i = 0; i < n; i++) {
        double a = 4 * unif(&s) - 2, b = 4 * unif(&s) - 2;
        X[2 * i] = a;
        X[2 * i + 1] = b;
        if (k == 2) {
            y[i] = (a + 0.5 * b + 0.8 * (unif(&s) - 0.5) > 0.3) ? 1.0 : 0.0;
        } else {
            double d0 = (a + 1) * (a + 1) + (b + 1) * (b + 1), d1 = (a - 1) * (a - 1) + b * b,
                   d2 = a * a + (b - 1.5) * (b - 1.5);
            y[i] = d0 < d1 && d0 < d2 ? 0.0 : d1 < d2 ? 1.0 : 2.0;
        }
    }
    if (first1 && y[0] != 1.0) { /* put a class-1 row first */
        for (size_t i = 1; i < n; i++) {
            if (y[i] == 1.0) {
                double t0 = X[0], t1 = X[1], ty = y[0];
                X[0] = X[2 * i];
                X[1] = X[2 * i + 1];
                y[0] = y[i];
                X[2 * i] = t0;
                X[2 * i + 1] = t1;
                y[i] = ty;
                break;
            }
        }
    }
}

static hpo__estimator *make(const hpo__estimator_ops *ops, hpo__task task, const hpo__params *p,
                            const double *X, const double *y, size_t n, size_t d, size_t nc,
                            uint64_t seed)
{
    hpo__estimator *e = NULL;
    assert_int_equal(ops->create(&e, task, p, seed), 0);
    assert_non_null(e);
    int rc = ops->fit(e, X, y, n, d, nc);
    if (rc)
        print_message("fit: %s\n", hpo_errmsg());
    assert_int_equal(rc, 0);
    return e;
}

static void test_registry(void **state)
{
    (void)state;
    assert_ptr_equal(hpo__estimator_find("logistic_regression"), &hpo__logistic_regression_ops);
    assert_ptr_equal(hpo__estimator_find("linear_svc"), &hpo__linear_svc_ops);
    assert_ptr_equal(hpo__estimator_find("linear_svr"), &hpo__linear_svr_ops);
    assert_int_equal(hpo__logistic_regression_ops.tasks, 1);
    assert_int_equal(hpo__linear_svc_ops.tasks, 1);
    assert_int_equal(hpo__linear_svr_ops.tasks, 2);
    assert_null(hpo__linear_svc_ops.predict_proba);
    assert_non_null(hpo__linear_svc_ops.decision_function);
    assert_null(hpo__linear_svr_ops.decision_function);
    assert_null(hpo__estimator_find("linear_svm"));
    assert_non_null(strstr(hpo_errmsg(), "did you mean"));
}

/* create must fail with `msg` (a substring) and leave *out NULL. */
static void refused(const hpo__estimator_ops *ops, hpo__task task, const hpo__params *p,
                    const char *msg)
{
    hpo__estimator *e = (hpo__estimator *)(void *)&e;
    assert_int_equal(ops->create(&e, task, p, 0), HPO_EINVAL);
    assert_null(e);
    if (!strstr(hpo_errmsg(), msg))
        print_message("got '%s', want '%s'\n", hpo_errmsg(), msg);
    assert_non_null(strstr(hpo_errmsg(), msg));
}

static void test_create_errors(void **state)
{
    (void)state;
    const hpo__estimator_ops *lr = &hpo__logistic_regression_ops, *svc = &hpo__linear_svc_ops,
                             *svr = &hpo__linear_svr_ops;
    const hpo__task CL = HPO__TASK_CLASSIFICATION, RG = HPO__TASK_REGRESSION;
    hpo__params p = HPO__PARAMS_INIT;
    refused(lr, RG, &p, "logistic_regression: the task must be classification");
    refused(svr, CL, &p, "linear_svr: the task must be regression");
    add_float(&p, "c", 1.0);
    refused(lr, CL, &p, "logistic_regression: unknown parameter 'c' (did you mean 'C'?)");
    hpo__params_free(&p);
    add_float(&p, "C", 0.0);
    refused(svc, CL, &p, "linear_svc: C must be > 0, got 0");
    hpo__params_free(&p);
    add_float(&p, "tol", -1.0);
    refused(svr, RG, &p, "linear_svr: tol must be > 0, got -1");
    hpo__params_free(&p);
    add_float(&p, "intercept_scaling", 0.0);
    refused(lr, CL, &p, "logistic_regression: intercept_scaling must be > 0, got 0");
    hpo__params_free(&p);
    add_int(&p, "max_iter", 0);
    refused(lr, CL, &p, "logistic_regression: max_iter must be >= 1, got 0");
    hpo__params_free(&p);
    add_str(&p, "penalty", "elasticnet");
    refused(lr, CL, &p, "logistic_regression: penalty must be one of 'l2', 'l1', got");
    hpo__params_free(&p);
    add_str(&p, "loss", "hinj");
    refused(svc, CL, &p, "(did you mean 'hinge'?)");
    hpo__params_free(&p);
    add_str(&p, "class_weight", "balance");
    refused(svc, CL, &p, "class_weight must be one of 'none', 'balanced'");
    hpo__params_free(&p);
    add_float(&p, "epsilon", -0.1);
    refused(svr, RG, &p, "linear_svr: epsilon must be >= 0, got -0.1");
    hpo__params_free(&p);
    add_str(&p, "penalty", "l2");
    refused(svr, RG, &p, "linear_svr: unknown parameter 'penalty'");
    hpo__params_free(&p);
    add_str(&p, "dual", "yes");
    refused(svc, CL, &p, "linear_svc: dual must be true or false, got 'yes'");
    hpo__params_free(&p);
    /* scikit-learn's unsupported combinations */
    add_str(&p, "penalty", "l1");
    add_bool(&p, "dual", 1);
    refused(lr, CL, &p, "logistic_regression: penalty='l1' is not supported when dual=true");
    hpo__params_free(&p);
    add_str(&p, "penalty", "l1");
    add_str(&p, "loss", "hinge");
    add_bool(&p, "dual", 0);
    refused(svc, CL, &p, "linear_svc: penalty='l1' with loss='hinge' is not supported");
    hpo__params_free(&p);
    add_str(&p, "loss", "hinge");
    add_bool(&p, "dual", 0);
    refused(svc, CL, &p,
            "linear_svc: penalty='l2' with loss='hinge' is not supported when dual=false");
    hpo__params_free(&p);
    add_str(&p, "penalty", "l1");
    refused(svc, CL, &p,
            "linear_svc: penalty='l1' with loss='squared_hinge' is not supported when dual=true");
    hpo__params_free(&p);
    add_bool(&p, "dual", 0);
    refused(svr, RG, &p, "linear_svr: loss='epsilon_insensitive' is not supported when dual=false");
    hpo__params_free(&p);
    /* the supported ones */
    static const struct {
        const char *penalty, *loss;
        int dual;
    } ok[] = {{"l2", "squared_hinge", 1},
              {"l2", "squared_hinge", 0},
              {"l1", "squared_hinge", 0},
              {"l2", "hinge", 1}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        hpo__estimator *e = NULL;
        add_str(&p, "penalty", ok[i].penalty);
        add_str(&p, "loss", ok[i].loss);
        add_bool(&p, "dual", ok[i].dual);
        assert_int_equal(svc->create(&e, CL, &p, 0), 0);
        assert_int_equal(svc->set_threads(e, 4), 0);
        svc->destroy(e);
        hpo__params_free(&p);
    }
    assert_int_equal(lr->create(NULL, CL, &p, 0), HPO_EINVAL);
    lr->destroy(NULL);
}

/* Gradient norm (relative to the one at w = 0) of scikit-learn's liblinear
 * objective 0.5 |w|^2 + sum_i C_i log(1 + exp(-s_i (w.x_i + wb * scaling)))
 * with s_i = +1 for class 1, the bias wb regularised too. */
static double lr_grad_ratio(const double *X, const double *y, size_t n, const double *w,
                            double intercept, double scaling, const double *Ci)
{
    double wb = intercept / scaling;
    double g[3] = {w[0], w[1], wb}, g0[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        double s = y[i] == 1.0 ? 1.0 : -1.0;
        double z = w[0] * X[2 * i] + w[1] * X[2 * i + 1] + wb * scaling;
        double f = -Ci[i] * s / (1.0 + exp(s * z)), f0 = -Ci[i] * s * 0.5;
        g[0] += f * X[2 * i];
        g[1] += f * X[2 * i + 1];
        g[2] += f * scaling;
        g0[0] += f0 * X[2 * i];
        g0[1] += f0 * X[2 * i + 1];
        g0[2] += f0 * scaling;
    }
    return sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]) /
           sqrt(g0[0] * g0[0] + g0[1] * g0[1] + g0[2] * g0[2]);
}

static void test_logistic_optimal(void **state)
{
    (void)state;
    enum { N = 80 };
    double X[2 * N], y[N], dec[N], pred[N], proba[2 * N], Ci[N];
    const hpo__estimator_ops *lr = &hpo__logistic_regression_ops;
    for (int first1 = 0; first1 <= 1; first1++) {
        for (int balanced = 0; balanced <= 1; balanced++) {
            make_data(N, 2, first1, X, y);
            size_t n1 = 0;
            for (size_t i = 0; i < N; i++)
                n1 += y[i] == 1.0;
            assert_true(n1 > 10 && n1 < N - 10 && n1 != N / 2);
            hpo__params p = HPO__PARAMS_INIT;
            add_float(&p, "C", 2.0);
            add_float(&p, "tol", 1e-10);
            add_float(&p, "intercept_scaling", 1.5);
            if (balanced)
                add_str(&p, "class_weight", "balanced");
            hpo__estimator *e =
                make(lr, HPO__TASK_CLASSIFICATION, &p, X, y, N, 2, 2, (uint64_t)first1);
            /* weights from the decision of unit vectors and the origin */
            const double q[] = {0, 0, 1, 0, 0, 1};
            double dq[3];
            assert_int_equal(lr->decision_function(e, q, 3, dq), 0);
            double w[2] = {dq[1] - dq[0], dq[2] - dq[0]};
            for (size_t i = 0; i < N; i++)
                Ci[i] = 2.0 *
                        (balanced ? (double)N / (2.0 * (double)(y[i] == 1.0 ? n1 : N - n1)) : 1.0);
            double r = lr_grad_ratio(X, y, N, w, dq[0], 1.5, Ci);
            if (r > 1e-6)
                print_message("first1 %d balanced %d: gradient ratio %g\n", first1, balanced, r);
            assert_true(r < 1e-6);
            assert_true(w[0] > 0.0); /* class 1 lies at large a */
            /* predict, decision and proba agree */
            assert_int_equal(lr->predict(e, X, N, pred), 0);
            assert_int_equal(lr->decision_function(e, X, N, dec), 0);
            assert_int_equal(lr->predict_proba(e, X, N, proba), 0);
            size_t right = 0;
            for (size_t i = 0; i < N; i++) {
                assert_true(pred[i] == (dec[i] > 0.0 ? 1.0 : 0.0));
                double pp = 1.0 / (1.0 + exp(-dec[i]));
                assert_true(fabs(proba[2 * i + 1] - pp) < 1e-15);
                assert_true(fabs(proba[2 * i] - (1.0 - pp)) < 1e-15);
                right += pred[i] == y[i];
            }
            assert_true(right >= N * 8 / 10);
            lr->destroy(e);
            hpo__params_free(&p);
        }
    }
}

static void test_multiclass(void **state)
{
    (void)state;
    enum { N = 90 };
    double X[2 * N], y[N], dec[3 * N], pred[N], proba[3 * N];
    make_data(N, 3, 1, X, y);
    const hpo__estimator_ops *ops[] = {&hpo__logistic_regression_ops, &hpo__linear_svc_ops};
    for (int o = 0; o < 2; o++) {
        hpo__params p = HPO__PARAMS_INIT;
        hpo__estimator *e = make(ops[o], HPO__TASK_CLASSIFICATION, &p, X, y, N, 2, 3, 7);
        assert_int_equal(ops[o]->predict(e, X, N, pred), 0);
        assert_int_equal(ops[o]->decision_function(e, X, N, dec), 0);
        size_t right = 0;
        for (size_t i = 0; i < N; i++) {
            size_t best = 0;
            for (size_t c = 1; c < 3; c++)
                if (dec[3 * i + c] > dec[3 * i + best])
                    best = c;
            assert_true(pred[i] == (double)best);
            right += pred[i] == y[i];
        }
        assert_true(right >= N * 7 / 10);
        if (o == 0) {
            assert_int_equal(ops[o]->predict_proba(e, X, N, proba), 0);
            for (size_t i = 0; i < N; i++) {
                double s = 0.0, sig[3];
                for (size_t c = 0; c < 3; c++) {
                    sig[c] = 1.0 / (1.0 + exp(-dec[3 * i + c]));
                    s += sig[c];
                }
                for (size_t c = 0; c < 3; c++)
                    assert_true(fabs(proba[3 * i + c] - sig[c] / s) < 1e-15);
            }
        } else {
            assert_null(ops[o]->predict_proba);
        }
        ops[o]->destroy(e);
    }
    /* a class absent from y: predictions among the present ones, score -inf, p 0 */
    double y2[N];
    for (size_t i = 0; i < N; i++)
        y2[i] = y[i] == 1.0 ? 2.0 : y[i];
    hpo__params p = HPO__PARAMS_INIT;
    const hpo__estimator_ops *lr = &hpo__logistic_regression_ops;
    hpo__estimator *e = make(lr, HPO__TASK_CLASSIFICATION, &p, X, y2, N, 2, 3, 0);
    assert_int_equal(lr->predict(e, X, N, pred), 0);
    assert_int_equal(lr->decision_function(e, X, N, dec), 0);
    assert_int_equal(lr->predict_proba(e, X, N, proba), 0);
    for (size_t i = 0; i < N; i++) {
        assert_true(pred[i] == 0.0 || pred[i] == 2.0);
        assert_true(isinf(dec[3 * i + 1]) && dec[3 * i + 1] < 0);
        assert_true(dec[3 * i] == -dec[3 * i + 2]);
        assert_true(proba[3 * i + 1] == 0.0);
        assert_true(fabs(proba[3 * i] + proba[3 * i + 2] - 1.0) < 1e-15);
        assert_true(pred[i] == (dec[3 * i + 2] > 0 ? 2.0 : 0.0));
    }
    lr->destroy(e);
}

static void test_fit_errors(void **state)
{
    (void)state;
    const double X[] = {0, 1, 2, 3};
    const double y1[] = {1, 1, 1, 1}, bad[] = {0, 1, 2, 0.5}, yn[] = {0, NAN, 1, 2};
    const double q[] = {NAN};
    double out[4];
    hpo__params p = HPO__PARAMS_INIT;
    hpo__estimator *e = NULL;
    const hpo__estimator_ops *svc = &hpo__linear_svc_ops, *svr = &hpo__linear_svr_ops;
    assert_int_equal(svc->create(&e, HPO__TASK_CLASSIFICATION, &p, 0), 0);
    assert_int_equal(svc->predict(e, X, 1, out), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "linear_svc: predict before fit");
    assert_int_equal(svc->save(e, NULL), HPO_EINVAL);
    assert_int_equal(svc->fit(e, X, y1, 4, 1, 2), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "linear_svc: This solver needs samples of at least 2 "
                                      "classes in the data, but the data contains only one "
                                      "class: 1");
    assert_int_equal(svc->fit(e, X, bad, 4, 1, 3), HPO_EINVAL);
    assert_int_equal(svc->fit(e, X, y1, 0, 1, 2), HPO_EINVAL);
    assert_int_equal(svc->fit(e, q, y1, 1, 1, 2), HPO_EINVAL);
    assert_int_equal(svc->fit(e, X, bad, 4, 1, 0), HPO_EINVAL);
    const double y2[] = {0, 0, 1, 1};
    assert_int_equal(svc->fit(e, X, y2, 4, 1, 2), 0);
    assert_int_equal(svc->predict(e, q, 1, out), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "NaN"));
    assert_int_equal(svc->predict(e, NULL, 0, out), 0);
    svc->destroy(e);
    assert_int_equal(svr->create(&e, HPO__TASK_REGRESSION, &p, 0), 0);
    assert_int_equal(svr->fit(e, X, yn, 4, 1, 0), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "linear_svr: y contains NaN"));
    svr->destroy(e);
}

static void test_regression(void **state)
{
    (void)state;
    enum { N = 60 };
    double X[2 * N], y[N], pred[N];
    uint64_t s = 3;
    for (size_t i = 0; i < N; i++) {
        X[2 * i] = 4 * unif(&s) - 2;
        X[2 * i + 1] = 4 * unif(&s) - 2;
        y[i] = 3.0 * X[2 * i] - 2.0 * X[2 * i + 1] + 5.0;
    }
    const hpo__estimator_ops *svr = &hpo__linear_svr_ops;
    for (int v = 0; v < 3; v++) {
        hpo__params p = HPO__PARAMS_INIT;
        add_float(&p, "C", 100.0);
        add_float(&p, "tol", 1e-8);
        if (v >= 1)
            add_str(&p, "loss", "squared_epsilon_insensitive");
        if (v == 2)
            add_bool(&p, "dual", 0);
        hpo__estimator *e = make(svr, HPO__TASK_REGRESSION, &p, X, y, N, 2, 0, 1);
        assert_int_equal(svr->predict(e, X, N, pred), 0);
        for (size_t i = 0; i < N; i++) /* the intercept is regularised: close, not exact */
            assert_true(fabs(pred[i] - y[i]) < 0.05);
        assert_int_equal(svr->predict_proba ? -1 : 0, 0);
        svr->destroy(e);
        hpo__params_free(&p);
    }
    /* no intercept: the fitted function goes through the origin */
    hpo__params p = HPO__PARAMS_INIT;
    add_bool(&p, "fit_intercept", 0);
    hpo__estimator *e = make(svr, HPO__TASK_REGRESSION, &p, X, y, N, 2, 0, 1);
    const double origin[] = {0, 0};
    assert_int_equal(svr->predict(e, origin, 1, pred), 0);
    assert_true(pred[0] == 0.0);
    svr->destroy(e);
    hpo__params_free(&p);
}

/* Round trip; then every truncation, a foreign magic, trailing bytes and
 * another estimator's bytes are refused with HPO_ESPEC. */
static void round_trip(const hpo__estimator_ops *ops, hpo__task task, const hpo__params *p,
                       const double *X, const double *y, size_t n, size_t nc)
{
    hpo__estimator *e = make(ops, task, p, X, y, n, 2, nc, 5), *f = NULL;
    hpo__buf b = HPO__BUF_INIT;
    double a[300], c[300];
    assert_true(n * (nc ? nc : 1) <= 300);
    assert_int_equal(ops->save(e, &b), 0);
    assert_int_equal(ops->create(&f, task, p, 5), 0);
    assert_int_equal(ops->load(f, b.data, b.len), 0);
    assert_int_equal(ops->predict(e, X, n, a), 0);
    assert_int_equal(ops->predict(f, X, n, c), 0);
    assert_memory_equal(a, c, n * sizeof a[0]);
    if (ops->decision_function) {
        size_t w = nc == 2 ? 1 : nc;
        assert_int_equal(ops->decision_function(e, X, n, a), 0);
        assert_int_equal(ops->decision_function(f, X, n, c), 0);
        assert_memory_equal(a, c, n * w * sizeof a[0]);
    }
    ops->destroy(f);
    for (size_t len = 0; len < b.len; len++) {
        assert_int_equal(ops->create(&f, task, p, 5), 0);
        assert_int_equal(ops->load(f, b.data, len), HPO_ESPEC);
        assert_int_equal(ops->predict(f, X, 1, c), HPO_EINVAL); /* still unfitted */
        ops->destroy(f);
    }
    char *copy = hpo__malloc(b.len + 8);
    assert_non_null(copy);
    memcpy(copy, b.data, b.len);
    memset(copy + b.len, 0, 8);
    assert_int_equal(ops->create(&f, task, p, 5), 0);
    assert_int_equal(ops->load(f, copy, b.len + 8), HPO_ESPEC); /* trailing bytes */
    copy[5] ^= 0x20;
    assert_int_equal(ops->load(f, copy, b.len), HPO_ESPEC); /* foreign magic */
    assert_non_null(strstr(hpo_errmsg(), "not an hpo linear model"));
    ops->destroy(f);
    hpo__free(copy);
    /* another estimator or other solver settings */
    const hpo__estimator_ops *other =
        ops == &hpo__linear_svc_ops ? &hpo__logistic_regression_ops : &hpo__linear_svc_ops;
    if (task == HPO__TASK_CLASSIFICATION) {
        assert_int_equal(other->create(&f, task, NULL, 5), 0);
        assert_int_equal(other->load(f, b.data, b.len), HPO_ESPEC);
        other->destroy(f);
    }
    hpo__buf_free(&b);
    ops->destroy(e);
}

static void test_save_load(void **state)
{
    (void)state;
    enum { N = 60 };
    double X[2 * N], y[N], y3[N], yr[N];
    make_data(N, 2, 1, X, y);
    make_data(N, 3, 0, X, y3);
    for (size_t i = 0; i < N; i++)
        yr[i] = X[2 * i] - X[2 * i + 1];
    hpo__params p = HPO__PARAMS_INIT;
    round_trip(&hpo__logistic_regression_ops, HPO__TASK_CLASSIFICATION, &p, X, y, N, 2);
    round_trip(&hpo__logistic_regression_ops, HPO__TASK_CLASSIFICATION, &p, X, y3, N, 3);
    round_trip(&hpo__linear_svc_ops, HPO__TASK_CLASSIFICATION, &p, X, y3, N, 3);
    round_trip(&hpo__linear_svr_ops, HPO__TASK_REGRESSION, &p, X, yr, N, 0);
    /* same estimator, other solver: refused */
    hpo__estimator *e = make(&hpo__linear_svc_ops, HPO__TASK_CLASSIFICATION, &p, X, y, N, 2, 2, 0);
    hpo__estimator *f = NULL;
    hpo__buf b = HPO__BUF_INIT;
    assert_int_equal(hpo__linear_svc_ops.save(e, &b), 0);
    add_bool(&p, "dual", 0);
    assert_int_equal(hpo__linear_svc_ops.create(&f, HPO__TASK_CLASSIFICATION, &p, 0), 0);
    assert_int_equal(hpo__linear_svc_ops.load(f, b.data, b.len), HPO_ESPEC);
    hpo__linear_svc_ops.destroy(f);
    hpo__linear_svc_ops.destroy(e);
    hpo__buf_free(&b);
    hpo__params_free(&p);
}

/* ---- determinism: the shuffling solvers repeat for a seed, also when fits
 * run concurrently */
enum { DN = 120 };
static double DX[2 * DN], DY[DN];

typedef struct det_job {
    uint64_t seed;
    double dec[DN];
    int rc;
} det_job;

static void *det_run(void *arg)
{
    det_job *j = arg;
    hpo__params p = HPO__PARAMS_INIT; /* linear_svc: dual coordinate descent */
    hpo__estimator *e = NULL;
    j->rc = hpo__linear_svc_ops.create(&e, HPO__TASK_CLASSIFICATION, &p, j->seed);
    if (j->rc == 0)
        j->rc = hpo__linear_svc_ops.fit(e, DX, DY, DN, 2, 2);
    if (j->rc == 0)
        j->rc = hpo__linear_svc_ops.decision_function(e, DX, DN, j->dec);
    hpo__linear_svc_ops.destroy(e);
    return NULL;
}

static void test_determinism(void **state)
{
    (void)state;
    make_data(DN, 2, 0, DX, DY);
    for (size_t i = 0; i < DN; i++) /* poorly scaled: many passes, order matters */
        DX[2 * i] *= 30.0;
    static det_job a[4], b[4];
    for (int i = 0; i < 4; i++) {
        a[i].seed = b[i].seed = (uint64_t)(i % 2);
        det_run(&a[i]);
        assert_int_equal(a[i].rc, 0);
    }
    assert_memory_equal(a[0].dec, a[2].dec, sizeof a[0].dec);
    assert_memory_equal(a[1].dec, a[3].dec, sizeof a[1].dec);
    /* the seed reaches the shuffle: another seed, another (close) solution */
    assert_memory_not_equal(a[0].dec, a[1].dec, sizeof a[0].dec);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, det_run, &b[i]), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(b[i].rc, 0);
        assert_memory_equal(a[i].dec, b[i].dec, sizeof a[i].dec);
    }
}

static void test_enomem(void **state)
{
    (void)state;
    enum { N = 40 };
    double X[2 * N], y[N], pred[N], proba[3 * N], dec[3 * N];
    make_data(N, 3, 0, X, y);
    hpo__params p = HPO__PARAMS_INIT;
    add_str(&p, "class_weight", "balanced");
    const hpo__estimator_ops *lr = &hpo__logistic_regression_ops;
    int ok = 0;
    for (long k = 0; k < 200 && !ok; k++) {
        hpo__estimator *e = NULL, *f = NULL;
        hpo__buf b = HPO__BUF_INIT;
        hpo__alloc_fail_after(k);
        int rc = lr->create(&e, HPO__TASK_CLASSIFICATION, &p, 0);
        if (rc == 0)
            rc = lr->fit(e, X, y, N, 2, 3);
        if (rc == 0)
            rc = lr->predict(e, X, N, pred);
        if (rc == 0)
            rc = lr->predict_proba(e, X, N, proba);
        if (rc == 0)
            rc = lr->decision_function(e, X, N, dec);
        if (rc == 0)
            rc = lr->save(e, &b);
        if (rc == 0)
            rc = lr->create(&f, HPO__TASK_CLASSIFICATION, &p, 0);
        if (rc == 0)
            rc = lr->load(f, b.data, b.len);
        hpo__alloc_fail_after(-1);
        if (rc == 0)
            ok = 1;
        else
            assert_int_equal(rc, HPO_ENOMEM);
        hpo__buf_free(&b);
        lr->destroy(e);
        lr->destroy(f);
    }
    assert_true(ok);
    hpo__params_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),         cmocka_unit_test(test_create_errors),
        cmocka_unit_test(test_logistic_optimal), cmocka_unit_test(test_multiclass),
        cmocka_unit_test(test_fit_errors),       cmocka_unit_test(test_regression),
        cmocka_unit_test(test_save_load),        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_enomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
