/*
 * test_knn.c -- the estimator registry (lookup, did-you-mean), the shared
 * hyperparameter readers (defaults, types, ranges, messages), and the knn
 * estimator on hand-checked data: votes, probabilities, distance weights with
 * zero distances, regression means, tie-breaking by the heap, error messages,
 * and HPO_ENOMEM on every failing allocation. Exact parity with scikit-learn is
 * tests/parity/test_knn.py.
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

#include <limits.h>
#include <math.h>
#include <string.h>

static void test_registry(void **state)
{
    (void)state;
    const char *const *names = hpo__estimator_names();
    assert_non_null(names);
    size_t n = 0;
    for (; names[n]; n++) {
        const hpo__estimator_ops *ops = hpo__estimator_find(names[n]);
        assert_non_null(ops);
        assert_string_equal(ops->name, names[n]);
        assert_int_equal(ops->version, HPO__ESTIMATOR_OPS_VERSION);
        assert_non_null(ops->hypers);
    }
    assert_true(n >= 1);
    assert_ptr_equal(hpo__estimator_find("knn"), &hpo__knn_ops);
    assert_null(hpo__estimator_find("knm"));
    assert_string_equal(hpo_errmsg(), "unknown estimator 'knm' (did you mean 'knn'?)");
    assert_null(hpo__estimator_find("gradient_boosting"));
    assert_non_null(strstr(hpo_errmsg(), "unknown estimator 'gradient_boosting' (built-in: "));
    assert_null(hpo__estimator_find(NULL));
    assert_null(hpo__estimator_find(""));
}

static const hpo__hyper demo[] = {{"C", "float", "1.0", "x"},
                                  {"degree", "int", "3", "x"},
                                  {"kernel", "string", "rbf", "x"},
                                  {"shrinking", "bool", "true", "x"},
                                  {NULL, NULL, NULL, NULL}};

static void test_hyper_readers(void **state)
{
    (void)state;
    static const char *const kernels[] = {"linear", "poly", "rbf", NULL};
    hpo__params p = HPO__PARAMS_INIT;
    long long i;
    double f;
    size_t c;
    int b;
    /* absent: defaults */
    assert_int_equal(hpo__hp_check_names("svc", &p, demo), 0);
    assert_int_equal(hpo__hp_int("svc", &p, "degree", 3, 1, 10, &i), 0);
    assert_int_equal(i, 3);
    assert_int_equal(hpo__hp_float("svc", &p, "C", 1.0, 0.0, INFINITY, HPO__HP_OPEN_LOW, &f), 0);
    assert_true(f == 1.0);
    assert_int_equal(hpo__hp_choice("svc", &p, "kernel", kernels, 2, &c), 0);
    assert_int_equal(c, 2);
    assert_int_equal(hpo__hp_bool("svc", &p, "shrinking", 1, &b), 0);
    assert_int_equal(b, 1);
    assert_int_equal(hpo__hp_check_names("svc", NULL, demo), 0);
    assert_null(hpo__hp_get(&p, "C"));
    /* present and valid; ints accepted as floats, integral floats as ints */
    add_int(&p, "C", 2);
    add_float(&p, "degree", 4.0);
    add_str(&p, "kernel", "poly");
    add_bool(&p, "shrinking", 0);
    assert_int_equal(hpo__hp_check_names("svc", &p, demo), 0);
    assert_int_equal(hpo__hp_float("svc", &p, "C", 1.0, 0.0, INFINITY, HPO__HP_OPEN_LOW, &f), 0);
    assert_true(f == 2.0);
    assert_int_equal(hpo__hp_int("svc", &p, "degree", 3, 1, 10, &i), 0);
    assert_int_equal(i, 4);
    assert_int_equal(hpo__hp_choice("svc", &p, "kernel", kernels, 2, &c), 0);
    assert_int_equal(c, 1);
    assert_int_equal(hpo__hp_bool("svc", &p, "shrinking", 1, &b), 0);
    assert_int_equal(b, 0);
    assert_non_null(hpo__hp_get(&p, "kernel"));
    /* ranges */
    assert_int_equal(hpo__hp_int("svc", &p, "degree", 3, 5, LLONG_MAX, &i), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "svc: degree must be >= 5, got 4");
    assert_int_equal(hpo__hp_int("svc", &p, "degree", 3, LLONG_MIN, 2, &i), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "svc: degree must be <= 2, got 4");
    assert_int_equal(hpo__hp_int("svc", &p, "degree", 3, 0, 2, &i), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "svc: degree must be in [0, 2], got 4");
    assert_int_equal(hpo__hp_float("svc", &p, "C", 1.0, 2.0, INFINITY, HPO__HP_OPEN_LOW, &f),
                     HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "svc: C must be > 2, got 2");
    assert_int_equal(hpo__hp_float("svc", &p, "C", 1.0, 0.0, 1.0, HPO__HP_OPEN_HIGH, &f),
                     HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "svc: C must be in [0, 1), got 2");
    assert_int_equal(hpo__hp_float("svc", &p, "C", 1.0, -INFINITY, 1.5, 0, &f), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "svc: C must be <= 1.5, got 2");
    /* types */
    assert_int_equal(hpo__hp_int("svc", &p, "kernel", 3, 0, 9, &i), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "svc: kernel must be an integer, got 'poly'");
    assert_int_equal(hpo__hp_float("svc", &p, "shrinking", 1, 0, 9, 0, &f), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "svc: shrinking must be a number, got false");
    assert_int_equal(hpo__hp_bool("svc", &p, "C", 1, &b), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "svc: C must be true or false, got 2");
    assert_int_equal(hpo__hp_choice("svc", &p, "C", kernels, 0, &c), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "svc: C must be one of 'linear', 'poly', 'rbf', got 2");
    hpo__params_free(&p);
    add_str(&p, "kernel", "rfb");
    add_float(&p, "degree", 2.5);
    add_float(&p, "C", NAN);
    assert_int_equal(hpo__hp_choice("svc", &p, "kernel", kernels, 0, &c), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "svc: kernel must be one of 'linear', 'poly', 'rbf', got "
                                      "'rfb' (did you mean 'rbf'?)");
    assert_int_equal(hpo__hp_int("svc", &p, "degree", 3, 0, 9, &i), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "svc: degree must be an integer, got 2.5");
    assert_int_equal(hpo__hp_float("svc", &p, "C", 1, 0, 9, 0, &f), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "svc: C must be finite, got nan");
    /* unknown names */
    add_int(&p, "degre", 2);
    assert_int_equal(hpo__hp_check_names("svc", &p, demo), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "svc: unknown parameter 'degre' (did you mean 'degree'?)");
    hpo__params_free(&p);
    add_int(&p, "max_iter", 2);
    assert_int_equal(hpo__hp_check_names("svc", &p, demo), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "svc: unknown parameter 'max_iter' (svc takes: C, degree, "
                                      "kernel, shrinking)");
    hpo__params_free(&p);
}

/* create + fit, failing the test on an error */
static hpo__estimator *make(hpo__task task, const hpo__params *p, const double *X, const double *y,
                            size_t n, size_t d, size_t nc)
{
    hpo__estimator *e = NULL;
    assert_int_equal(hpo__knn_ops.create(&e, task, p, 0), 0);
    assert_non_null(e);
    assert_int_equal(hpo__knn_ops.fit(e, X, y, n, d, nc), 0);
    return e;
}

static void test_create_errors(void **state)
{
    (void)state;
    hpo__params p = HPO__PARAMS_INIT;
    hpo__estimator *e = (hpo__estimator *)&p; /* must be reset to NULL on failure */
    add_int(&p, "n_neighbour", 3);
    assert_int_equal(hpo__knn_ops.create(&e, HPO__TASK_CLASSIFICATION, &p, 0), HPO_EINVAL);
    assert_null(e);
    assert_string_equal(hpo_errmsg(),
                        "knn: unknown parameter 'n_neighbour' (did you mean 'n_neighbors'?)");
    hpo__params_free(&p);
    add_int(&p, "n_neighbors", 0);
    assert_int_equal(hpo__knn_ops.create(&e, HPO__TASK_CLASSIFICATION, &p, 0), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "knn: n_neighbors must be >= 1, got 0");
    hpo__params_free(&p);
    add_str(&p, "weights", "foo");
    assert_int_equal(hpo__knn_ops.create(&e, HPO__TASK_CLASSIFICATION, &p, 0), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(),
                        "knn: weights must be one of 'uniform', 'distance', got 'foo'");
    hpo__params_free(&p);
    add_float(&p, "p", 0.5);
    assert_int_equal(hpo__knn_ops.create(&e, HPO__TASK_REGRESSION, &p, 0), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "knn: p must be >= 1, got 0.5");
    hpo__params_free(&p);
    assert_int_equal(hpo__knn_ops.create(&e, HPO__TASK_AUTO, &p, 0), HPO_EINVAL);
    hpo__knn_ops.destroy(NULL);
}

static void test_classify(void **state)
{
    (void)state;
    /* 1-D points 0..5 with classes; query 2.2: neighbours 2 (d .2), 3 (.8), 1 (1.2) */
    const double X[] = {0, 1, 2, 3, 4, 5};
    const double y[] = {0, 1, 2, 2, 1, 0};
    const double q[] = {2.2, 2.0, -10.0};
    double pred[3], proba[9];
    hpo__params p = HPO__PARAMS_INIT;
    add_int(&p, "n_neighbors", 3);
    hpo__estimator *e = make(HPO__TASK_CLASSIFICATION, &p, X, y, 6, 1, 3);
    assert_int_equal(hpo__knn_ops.predict(e, q, 3, pred), 0);
    assert_true(pred[0] == 2.0);
    assert_true(pred[1] == 2.0); /* 2 (0), then 1 and 3 tie at 1: heap keeps both */
    assert_true(pred[2] == 0.0); /* 0, 1, 2 -> one vote each: lowest class */
    assert_int_equal(hpo__knn_ops.predict_proba(e, q, 3, proba), 0);
    assert_true(fabs(proba[0] - 0.0) < 1e-15 && fabs(proba[1] - 1.0 / 3) < 1e-15 &&
                fabs(proba[2] - 2.0 / 3) < 1e-15);
    hpo__knn_ops.destroy(e);

    /* distance weights: a zero distance keeps only the exact matches */
    hpo__params_free(&p);
    add_int(&p, "n_neighbors", 3);
    add_str(&p, "weights", "distance");
    e = make(HPO__TASK_CLASSIFICATION, &p, X, y, 6, 1, 3);
    assert_int_equal(hpo__knn_ops.predict_proba(e, q, 3, proba), 0);
    /* q = 2.2: weights 5, 1.25, 1/1.2 on classes 2, 2, 1 */
    double w0 = 1.0 / 0.2, w1 = 1.0 / 1.2, w2 = 1.0 / 0.8;
    (void)w0;
    assert_true(fabs(proba[1] - w1 / (1.0 / (2.2 - 2.0) + w2 + w1)) < 1e-12);
    assert_true(proba[3] == 0.0 && proba[4] == 0.0 && proba[5] == 1.0); /* q = 2.0 exact */
    assert_int_equal(hpo__knn_ops.predict(e, q, 3, pred), 0);
    assert_true(pred[0] == 2.0 && pred[1] == 2.0);
    assert_true(pred[2] == 0.0); /* -10: nearest 0 (class 0) weighs most */
    hpo__knn_ops.destroy(e);
    hpo__params_free(&p);
}

static void test_ties_and_metrics(void **state)
{
    (void)state;
    /* query 0 is equidistant from rows 0 (class 1) and 1 (class 0); k = 1 keeps
     * the first pushed row */
    const double X[] = {-1, 1, 1, 1, 3, 3};
    const double y[] = {1, 0, 0};
    const double q[] = {0, 1};
    double pred[1];
    hpo__params p = HPO__PARAMS_INIT;
    add_int(&p, "n_neighbors", 1);
    hpo__estimator *e = make(HPO__TASK_CLASSIFICATION, &p, X, y, 3, 2, 2);
    assert_int_equal(hpo__knn_ops.predict(e, q, 1, pred), 0);
    assert_true(pred[0] == 1.0);
    assert_int_equal(hpo__knn_set_threads(e, 2), 0);
    assert_int_equal(hpo__knn_set_threads(e, 0), HPO_EINVAL);
    hpo__knn_ops.destroy(e);
    /* p = 1 vs p = 2: query (0, 0); A = (3, 0) -> L1 3, L2 3; B = (2, 2) -> L1 4, L2 2.83 */
    const double X2[] = {3, 0, 2, 2};
    const double y2[] = {0, 1};
    const double q2[] = {0, 0};
    for (int pp = 1; pp <= 3; pp++) {
        hpo__params_free(&p);
        add_int(&p, "n_neighbors", 1);
        add_int(&p, "p", pp);
        e = make(HPO__TASK_CLASSIFICATION, &p, X2, y2, 2, 2, 2);
        assert_int_equal(hpo__knn_ops.predict(e, q2, 1, pred), 0);
        assert_true(pred[0] == (pp == 1 ? 0.0 : 1.0)); /* p = 3: 27 vs 16 */
        hpo__knn_ops.destroy(e);
    }
    hpo__params_free(&p);
}

static void test_regression(void **state)
{
    (void)state;
    const double X[] = {0, 1, 2, 3};
    const double y[] = {10, 20, 30, 40};
    const double q[] = {0.5, 3};
    double pred[2], proba[2];
    hpo__params p = HPO__PARAMS_INIT;
    add_int(&p, "n_neighbors", 2);
    hpo__estimator *e = make(HPO__TASK_REGRESSION, &p, X, y, 4, 1, 0);
    assert_int_equal(hpo__knn_ops.predict(e, q, 2, pred), 0);
    assert_true(pred[0] == 15.0 && pred[1] == 35.0);
    assert_int_equal(hpo__knn_ops.predict_proba(e, q, 2, proba), HPO_EINVAL);
    hpo__knn_ops.destroy(e);
    hpo__params_free(&p);
    add_int(&p, "n_neighbors", 3);
    add_str(&p, "weights", "distance");
    e = make(HPO__TASK_REGRESSION, &p, X, y, 4, 1, 0);
    assert_int_equal(hpo__knn_ops.predict(e, q, 2, pred), 0);
    /* 0.5: rows 0, 1 at .5 (w 2), row 2 at 1.5 (w 2/3) */
    assert_true(fabs(pred[0] - (20 + 40 + 20) / (2 + 2 + 2.0 / 3)) < 1e-12);
    assert_true(pred[1] == 40.0); /* exact match */
    hpo__knn_ops.destroy(e);
    hpo__params_free(&p);
}

static void test_fit_predict_errors(void **state)
{
    (void)state;
    const double X[] = {0, 1, 2};
    const double y[] = {0, 1, 1};
    const double bad_y[] = {0, 1, 2};
    const double q[] = {NAN};
    double pred[1];
    hpo__params p = HPO__PARAMS_INIT;
    add_int(&p, "n_neighbors", 4);
    hpo__estimator *e = NULL;
    assert_int_equal(hpo__knn_ops.create(&e, HPO__TASK_CLASSIFICATION, &p, 0), 0);
    assert_int_equal(hpo__knn_ops.predict(e, X, 1, pred), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "knn: predict before fit");
    assert_int_equal(hpo__knn_ops.fit(e, X, bad_y, 3, 1, 2), HPO_EINVAL);
    assert_int_equal(hpo__knn_ops.fit(e, X, y, 0, 1, 2), HPO_EINVAL);
    assert_int_equal(hpo__knn_ops.fit(e, q, y, 1, 1, 2), HPO_EINVAL);
    assert_int_equal(hpo__knn_ops.fit(e, X, y, 3, 1, 2), 0);
    assert_int_equal(hpo__knn_ops.predict(e, X, 1, pred), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "knn: Expected n_neighbors <= n_samples_fit, but "
                                      "n_neighbors = 4, n_samples_fit = 3, n_samples = 1");
    hpo__knn_ops.destroy(e);
    hpo__params_free(&p);
    add_int(&p, "n_neighbors", 2);
    e = make(HPO__TASK_CLASSIFICATION, &p, X, y, 3, 1, 2);
    assert_int_equal(hpo__knn_ops.predict(e, q, 1, pred), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "NaN"));
    assert_int_equal(hpo__knn_ops.predict(e, NULL, 0, pred), 0);
    hpo__knn_ops.destroy(e);
    hpo__params_free(&p);
}

static void test_enomem(void **state)
{
    (void)state;
    const double X[] = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4};
    const double y[] = {0, 1, 1, 0, 1};
    const double q[] = {0.5, 0.5, 3, 3.5};
    double pred[2], proba[4];
    hpo__params p = HPO__PARAMS_INIT;
    add_int(&p, "n_neighbors", 3);
    add_str(&p, "weights", "distance");
    int ok = 0;
    for (long k = 0; k < 100 && !ok; k++) {
        hpo__estimator *e = NULL;
        hpo__alloc_fail_after(k);
        int rc = hpo__knn_ops.create(&e, HPO__TASK_CLASSIFICATION, &p, 0);
        if (rc == 0)
            rc = hpo__knn_ops.fit(e, X, y, 5, 2, 2);
        if (rc == 0)
            rc = hpo__knn_ops.predict(e, q, 2, pred);
        if (rc == 0)
            rc = hpo__knn_ops.predict_proba(e, q, 2, proba);
        hpo__alloc_fail_after(-1);
        if (rc == 0)
            ok = 1;
        else
            assert_int_equal(rc, HPO_ENOMEM);
        hpo__knn_ops.destroy(e);
    }
    assert_true(ok);
    hpo__params_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),           cmocka_unit_test(test_hyper_readers),
        cmocka_unit_test(test_create_errors),      cmocka_unit_test(test_classify),
        cmocka_unit_test(test_ties_and_metrics),   cmocka_unit_test(test_regression),
        cmocka_unit_test(test_fit_predict_errors), cmocka_unit_test(test_enomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
