/*
 * test_cv_budget.c -- the cv objective under a scheduler's budget (cv.c):
 * resource validation and its messages, the resource info halving's schedule
 * reads, n_samples subsample sizes (Python's int() truncation, values from
 * Python) and rows, a budget of all rows equal to plain cross-validation,
 * mlp epochs and xgboost n_estimators continued from the parent's fold
 * checkpoints bit-equal to a fresh fit at the budget (serial and pool mode),
 * checkpoints stored and the parent's deleted, the checkpoint's content really
 * used, a missing checkpoint trained from scratch, and the refit at the best
 * trial's budget (memory and SQLite studies). Trials get their budget fields set directly, as a
 * scheduler's claim would set them (no scheduler needed).
 * Exact parity of the n_samples folds and scores with scikit-learn is
 * tests/parity/test_halving_subsample.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/params.h"
#include "core/study.h"
#include "hpo.h"
#include "objectives/cv.h"
#include "util/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char data_path[1024];

static const char *data(const char *name)
{
    const char *src = getenv("HPO_SRC");
    snprintf(data_path, sizeof data_path, "%s/data/%s", src ? src : ".", name);
    return data_path;
}

static hpo_value ival(long long i)
{
    hpo_value v = {.type = HPO_VALUE_INT, .u.i = i};
    return v;
}

static hpo_value fval(double f)
{
    hpo_value v = {.type = HPO_VALUE_FLOAT, .u.f = f};
    return v;
}

/* A cv objective on a bundled CSV; fixed parameters as name/value pairs. */
static const char *scoring; /* NULL: the default */

static int make_cv(hpo__cv **out, const char *est, const char *csv, hpo__cv_kind kind, size_t folds,
                   uint64_t seed, const char *resource, const hpo__params *fixed)
{
    hpo__cv_config cfg = {.origin = "t.yaml",
                          .estimator = est,
                          .data_path = data(csv),
                          .target = "last",
                          .folds = folds,
                          .kind = kind,
                          .seed = seed,
                          .fixed = fixed,
                          .scoring = scoring,
                          .resource = resource};
    return hpo__cv_create(out, &cfg);
}

static hpo__cv *must_cv(const char *est, const char *csv, hpo__cv_kind kind, size_t folds,
                        uint64_t seed, const char *resource, const hpo__params *fixed)
{
    hpo__cv *cv = NULL;
    if (make_cv(&cv, est, csv, kind, folds, seed, resource, fixed) != 0)
        fail_msg("hpo__cv_create: %s", hpo_errmsg());
    return cv;
}

/* Every trial's configuration is {point_name: point_value}. */
static const char *storage; /* NULL: memory */
static const char *point_name;
static hpo_value point_value;

/* A memory study over [v, 2v] of parameter `name`; every trial asked through
 * budget_trial gets v, so that trials share one configuration as a promoted
 * one shares its parent's (a random sampler proposes a finite space's points
 * once only). */
static hpo_study *one_point_study(const char *name, hpo_value v, hpo_space **space)
{
    point_name = name;
    point_value = v;
    assert_int_equal(hpo_space_create(space), 0);
    assert_int_equal(hpo_space_add_float(*space, name, v.u.f, 2 * v.u.f, 0), 0);
    hpo_study_options o = HPO_STUDY_OPTIONS_INIT;
    o.name = "cv-budget";
    o.storage = storage;
    o.fresh = 1;
    hpo_study *s = NULL;
    if (hpo_study_open(&s, &o, *space) != 0)
        fail_msg("hpo_study_open: %s", hpo_errmsg());
    return s;
}

/* Ask a trial and give it scheduler fields, as a promotion or new job would. */
static hpo_trial *budget_trial(hpo_study *s, double budget, double start, long long parent)
{
    hpo_trial *t = NULL;
    assert_int_equal(hpo_study_ask(s, &t), 0);
    assert_int_equal(hpo__params_set(&t->params, point_name, &point_value), 0);
    t->budget = budget;
    t->budget_start = start;
    t->parent = parent;
    t->rung = parent >= 0 ? 1 : 0;
    t->bracket = 0;
    return t;
}

static hpo_trial *numbered(hpo_trial *t, long long number)
{
    assert_int_equal(hpo_trial_number(t), number);
    return t;
}

/* Run the objective on t and tell the result. */
static double run(hpo__cv *cv, hpo_trial *t)
{
    double v = NAN;
    int rc = hpo__cv_objective(t, &v, cv);
    if (rc != 0)
        fail_msg("objective: %s",
                 hpo_trial_attr(t, "error") ? hpo_trial_attr(t, "error") : hpo_errmsg());
    assert_int_equal(hpo_trial_tell(t, v), 0);
    return v;
}

static const char *split_score(const hpo_trial *t, size_t fold)
{
    char key[48];
    snprintf(key, sizeof key, "split%zu_test_score", fold);
    const char *s = hpo_trial_attr(t, key);
    assert_non_null(s);
    return s;
}

static int has_artifact(hpo_study *s, long long trial, size_t fold)
{
    char key[64];
    snprintf(key, sizeof key, "ckpt/%lld/%zu", trial, fold);
    void *d = NULL;
    size_t n = 0;
    int rc = hpo_study_get_artifact(s, key, &d, &n);
    hpo_free(d);
    if (rc != 0 && rc != HPO_ENOTFOUND)
        fail_msg("get_artifact %s: %s", key, hpo_errmsg());
    return rc == 0;
}

/* The fitted models (checkpoint bytes) of two trials' fold are identical. */
static void same_checkpoint(hpo_study *s, long long t1, long long t2, size_t fold)
{
    char k1[64], k2[64];
    snprintf(k1, sizeof k1, "ckpt/%lld/%zu", t1, fold);
    snprintf(k2, sizeof k2, "ckpt/%lld/%zu", t2, fold);
    void *d1 = NULL, *d2 = NULL;
    size_t n1 = 0, n2 = 0;
    assert_int_equal(hpo_study_get_artifact(s, k1, &d1, &n1), 0);
    assert_int_equal(hpo_study_get_artifact(s, k2, &d2, &n2), 0);
    assert_int_equal(n1, n2);
    assert_memory_equal(d1, d2, n1);
    hpo_free(d1);
    hpo_free(d2);
}

static void expect_create_error(const char *est, const char *resource, uint64_t seed,
                                const hpo__params *fixed, const char *msg)
{
    hpo__cv *cv = NULL;
    const char *csv = strcmp(est, "xgboost") == 0 ? "breast_cancer.csv" : "iris.csv";
    assert_int_equal(make_cv(&cv, est, csv, HPO__CV_AUTO, 3, seed, resource, fixed), HPO_ESPEC);
    assert_null(cv);
    if (!strstr(hpo_errmsg(), msg))
        fail_msg("message '%s' lacks '%s'", hpo_errmsg(), msg);
}

/* Unknown, non-integer, fixed and searched resources are refused by name. */
static void test_resource_validation(void **state)
{
    (void)state;
    expect_create_error("xgboost", "n_estimator", 0, NULL,
                        "t.yaml: scheduler.resource: 'n_estimator' is not a hyperparameter of "
                        "xgboost (did you mean 'n_estimators'?)");
    expect_create_error("knn", "zzzzzzzzzz", 0, NULL,
                        "scheduler.resource: 'zzzzzzzzzz' is not a hyperparameter of knn "
                        "(expected n_samples, n_neighbors");
    expect_create_error("xgboost", "learning_rate", 0, NULL,
                        "scheduler.resource: 'learning_rate' is a float hyperparameter of "
                        "xgboost; the resource must be n_samples or an integer hyperparameter");
    hpo__params fixed = HPO__PARAMS_INIT;
    hpo_value ten = ival(10);
    assert_int_equal(hpo__params_add(&fixed, "n_estimators", &ten), 0);
    expect_create_error("xgboost", "n_estimators", 0, &fixed,
                        "objective.fixed.n_estimators: n_estimators is the resource");
    hpo__params_free(&fixed);
    expect_create_error("knn", "n_samples", 4294967296ull, NULL,
                        "needs a seed below 2^32, got 4294967296");

    /* scikit-learn's message for a searched resource */
    hpo__cv *cv = must_cv("xgboost", "breast_cancer.csv", HPO__CV_AUTO, 3, 0, "n_estimators", NULL);
    hpo_space *sp = NULL;
    assert_int_equal(hpo_space_create(&sp), 0);
    assert_int_equal(hpo_space_add_float(sp, "learning_rate", 0.01, 0.3, 1), 0);
    assert_int_equal(hpo__cv_check_space(cv, sp, "t.yaml"), 0);
    assert_int_equal(hpo_space_add_int(sp, "n_estimators", 10, 100, 1, 0), 0);
    assert_int_equal(hpo__cv_check_space(cv, sp, "t.yaml"), HPO_ESPEC);
    assert_string_equal(hpo_errmsg(),
                        "t.yaml: space.n_estimators: Cannot use parameter n_estimators as the "
                        "resource since it is part of the searched parameters.");
    hpo_space_destroy(sp);
    hpo__cv_destroy(cv);

    /* accepted: n_samples, and integer hyperparameters with or without fit_more */
    cv = must_cv("knn", "iris.csv", HPO__CV_AUTO, 3, 4294967295ull, "n_samples", NULL);
    hpo__cv_destroy(cv);
    cv = must_cv("knn", "iris.csv", HPO__CV_AUTO, 3, 0, "n_neighbors", NULL);
    hpo__cv_destroy(cv);
}

/* Rows after the hold-out, splits with repeats, distinct training classes. */
static void test_resource_info(void **state)
{
    (void)state;
    long long n, k, c;
    hpo__cv_config cfg = {.estimator = "knn",
                          .data_path = data("iris.csv"),
                          .target = "last",
                          .folds = 3,
                          .repeats = 2,
                          .test_size = 0.2,
                          .resource = "n_samples"};
    hpo__cv *cv = NULL;
    assert_int_equal(hpo__cv_create(&cv, &cfg), 0);
    assert_int_equal(hpo__cv_resource_info(cv, &n, &k, &c), 0);
    assert_int_equal(n, 150 - 30); /* train_test_split(test_size=0.2): ceil(30) test rows */
    assert_int_equal(k, 6);
    assert_int_equal(c, 3);
    hpo__cv_destroy(cv);
    cv = must_cv("svr", "diabetes.csv", HPO__CV_KFOLD, 5, 0, NULL, NULL);
    assert_int_equal(hpo__cv_resource_info(cv, &n, &k, &c), 0);
    assert_int_equal(n, 442);
    assert_int_equal(k, 5);
    assert_int_equal(c, 0);
    assert_int_equal(hpo__cv_resource_info(cv, &n, &k, NULL), HPO_EINVAL);
    hpo__cv_destroy(cv);
}

/* int(b / n * len) rows of each part of each fold (Python's values for iris,
 * KFold(5): 120 training and 30 test rows per fold), distinct rows of that
 * part, the same positions drawn for every fold; a budget of all rows gives
 * plain cross-validation; budgets the data cannot give fail the trial. */
static void test_subsample_sizes(void **state)
{
    (void)state;
    /* int(b/150*120), int(b/150*30) as Python computes them */
    static const struct {
        double b;
        size_t tr, te;
    } want[] = {{50, 40, 10}, {101, 80, 20}, {149, 119, 29}, {150, 120, 30}};
    hpo__cv *cv = must_cv("svc", "iris.csv", HPO__CV_KFOLD, 5, 3, "n_samples", NULL);
    for (size_t w = 0; w < sizeof want / sizeof *want; w++) {
        for (size_t f = 0; f < 5; f++) {
            size_t *rows = NULL, ntr, nte, *all = NULL, atr, ate;
            assert_int_equal(hpo__cv_fold_rows(cv, want[w].b, f, &rows, &ntr, &nte), 0);
            assert_int_equal(hpo__cv_fold_rows(cv, NAN, f, &all, &atr, &ate), 0);
            assert_int_equal(atr, 120);
            assert_int_equal(ate, 30);
            assert_int_equal(ntr, want[w].tr);
            assert_int_equal(nte, want[w].te);
            unsigned char seen[150] = {0};
            for (size_t i = 0; i < ntr + nte; i++) {
                assert_true(rows[i] < 150);
                assert_false(seen[rows[i]]);
                seen[rows[i]] = 1;
                /* a training row is one of the fold's training rows, a test row a test row */
                int found = 0;
                for (size_t j = i < ntr ? 0 : atr; j < (i < ntr ? atr : atr + ate); j++)
                    found |= all[j] == rows[i];
                assert_true(found);
            }
            hpo__free(rows);
            hpo__free(all);
        }
    }
    /* full budget = plain CV: same per-fold scores */
    hpo_space *sp = NULL;
    hpo_study *s = one_point_study("C", fval(1.0), &sp);
    hpo_trial *plain = budget_trial(s, NAN, 0, -1);
    hpo_trial *full = budget_trial(s, 150, 0, -1);
    hpo_trial *half = budget_trial(s, 75, 0, -1);
    run(cv, plain);
    run(cv, full);
    run(cv, half);
    assert_null(hpo_trial_attr(plain, "n_resources"));
    assert_string_equal(hpo_trial_attr(full, "n_resources"), "150");
    assert_string_equal(hpo_trial_attr(half, "n_resources"), "75");
    int differ = 0;
    for (size_t f = 0; f < 5; f++) {
        assert_string_equal(split_score(full, f), split_score(plain, f));
        differ |= strcmp(split_score(half, f), split_score(plain, f)) != 0;
    }
    assert_true(differ); /* the subsample changes something */
    /* too many or too few rows: the trial fails with a message */
    hpo_trial *t = budget_trial(s, 151, 0, -1);
    double v;
    assert_int_equal(hpo__cv_objective(t, &v, cv), HPO_EOBJECTIVE);
    assert_non_null(strstr(hpo_trial_attr(t, "error"), "more than the 150 training rows"));
    hpo_trial_fail(t, NULL);
    hpo_trial_destroy(t);
    t = budget_trial(s, 4, 0, -1); /* int(4/150*30) = 0 test rows */
    assert_int_equal(hpo__cv_objective(t, &v, cv), HPO_EOBJECTIVE);
    assert_non_null(strstr(hpo_trial_attr(t, "error"), "with 3 training and 0 test rows"));
    hpo_trial_fail(t, NULL);
    hpo_trial_destroy(t);
    hpo_trial_destroy(plain);
    hpo_trial_destroy(full);
    hpo_trial_destroy(half);
    hpo_study_close(s);
    hpo_space_destroy(sp);
    hpo__cv_destroy(cv);
}

/* One estimator's resource (scored by log loss, so that any change of the
 * model shows): a trial at `lo` (checkpoints stored), its promotion to `hi`
 * continuing them (bit-equal to a fresh trial at `hi`, the parent's
 * checkpoints deleted, its own stored), a promotion whose parent's
 * checkpoints are gone (from scratch, same scores), and a promotion from
 * checkpoints of another model (`other_fixed`, `other_seed`: different
 * scores, so the bytes are used). */
static void check_resume(const char *est, const char *csv, const char *resource,
                         const hpo__params *fixed, const hpo__params *other_fixed,
                         uint64_t other_seed, long long lo, long long hi, int workers)
{
    const size_t K = 3;
    scoring = "neg_log_loss";
    hpo__cv *cv = must_cv(est, csv, HPO__CV_AUTO, K, 0, resource, fixed);
    hpo__cv *other = must_cv(est, csv, HPO__CV_AUTO, K, other_seed, resource, other_fixed);
    scoring = NULL;
    assert_int_equal(hpo__cv_set_workers(cv, workers), 0);
    hpo_space *sp = NULL;
    hpo_study *s = one_point_study("learning_rate", fval(0.05), &sp);

    hpo_trial *a = numbered(budget_trial(s, (double)lo, 0, -1), 0);
    run(cv, a);
    char num[32];
    snprintf(num, sizeof num, "%lld", lo);
    assert_string_equal(hpo_trial_attr(a, "n_resources"), num);
    assert_null(hpo_trial_attr(a, "resumed_folds"));
    for (size_t f = 0; f < K; f++)
        assert_true(has_artifact(s, 0, f));

    hpo_trial *b = numbered(budget_trial(s, (double)hi, (double)lo, 0), 1); /* promotes 0 */
    run(cv, b);
    assert_string_equal(hpo_trial_attr(b, "resumed_folds"), "3");
    for (size_t f = 0; f < K; f++) {
        assert_false(has_artifact(s, 0, f));
        assert_true(has_artifact(s, 1, f));
    }

    hpo_trial *c = numbered(budget_trial(s, (double)hi, 0, -1), 2); /* fresh at hi */
    run(cv, c);
    /* continued from lo to hi = trained to hi in one go: the same weights
     * (and optimizer state), byte for byte */
    for (size_t f = 0; f < K; f++)
        same_checkpoint(s, 1, 2, f);
    /* 0's checkpoints are gone */
    hpo_trial *d = numbered(budget_trial(s, (double)hi, (double)lo, 0), 3);
    run(cv, d);
    assert_string_equal(hpo_trial_attr(d, "resumed_folds"), "0");
    int differ_lo = 0;
    for (size_t f = 0; f < K; f++) {
        assert_string_equal(split_score(b, f), split_score(c, f));
        assert_string_equal(split_score(d, f), split_score(c, f));
        differ_lo |= strcmp(split_score(a, f), split_score(c, f)) != 0;
    }
    assert_true(differ_lo); /* lo and hi are different models */

    /* 4: checkpoints at lo of another model; 5: continues them */
    hpo_trial *e = numbered(budget_trial(s, (double)lo, 0, -1), 4);
    run(other, e);
    hpo_trial *g = numbered(budget_trial(s, (double)hi, (double)lo, 4), 5);
    run(cv, g);
    assert_string_equal(hpo_trial_attr(g, "resumed_folds"), "3");
    int differ = 0;
    for (size_t f = 0; f < K; f++)
        differ |= strcmp(split_score(g, f), split_score(c, f)) != 0;
    assert_true(differ);

    /* the refit of a trial with a budget uses it as the parameter */
    hpo_model *m = NULL;
    char *info = NULL;
    assert_int_equal(hpo__cv_refit(cv, c, &m), 0);
    assert_int_equal(hpo_model_info_json(m, &info), 0);
    char want[64];
    snprintf(want, sizeof want, "\"%s\":%lld", resource, hi);
    if (!strstr(info, want))
        fail_msg("refit info %s lacks %s", info, want);
    hpo_free(info);
    hpo_model_destroy(m);

    hpo_trial *ts[] = {a, b, c, d, e, g};
    for (size_t i = 0; i < sizeof ts / sizeof *ts; i++)
        hpo_trial_destroy(ts[i]);
    hpo_study_close(s);
    hpo_space_destroy(sp);
    hpo__cv_destroy(cv);
    hpo__cv_destroy(other);
}

static void test_mlp_epochs_resume(void **state)
{
    (void)state;
    hpo__params fixed = HPO__PARAMS_INIT;
    hpo_value one = ival(1), units = ival(8), batch = ival(16);
    assert_int_equal(hpo__params_add(&fixed, "n_layers", &one), 0);
    assert_int_equal(hpo__params_add(&fixed, "units", &units), 0);
    assert_int_equal(hpo__params_add(&fixed, "batch_size", &batch), 0);
    /* another seed: other initial weights */
    check_resume("mlp", "iris.csv", "epochs", &fixed, &fixed, 1, 1, 3, 1);
    check_resume("mlp", "iris.csv", "epochs", &fixed, &fixed, 1, 1, 3, 2); /* pool mode */
    hpo__params_free(&fixed);
}

static void test_xgboost_rounds_resume(void **state)
{
    (void)state;
    hpo__params fixed = HPO__PARAMS_INIT, deeper = HPO__PARAMS_INIT;
    hpo_value depth = ival(2), depth3 = ival(3);
    assert_int_equal(hpo__params_add(&fixed, "max_depth", &depth), 0);
    /* deterministic boosting ignores the seed: other trees from another depth */
    assert_int_equal(hpo__params_add(&deeper, "max_depth", &depth3), 0);
    check_resume("xgboost", "breast_cancer.csv", "n_estimators", &fixed, &deeper, 0, 2, 5, 1);
    check_resume("xgboost", "breast_cancer.csv", "n_estimators", &fixed, &deeper, 0, 2, 5, 2);
    /* checkpoints written by pool threads into a SQLite study */
    char path[] = "/tmp/hpo-cv-budget-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char uri[64];
    snprintf(uri, sizeof uri, "sqlite:///%s", path);
    storage = uri;
    check_resume("xgboost", "breast_cancer.csv", "n_estimators", &fixed, &deeper, 0, 2, 5, 2);
    storage = NULL;
    unlink(path);
    hpo__params_free(&fixed);
    hpo__params_free(&deeper);
}

/* A resource that is not the estimator's resource_param only sets the
 * parameter: no checkpoints, equal to the parameter fixed at the budget. */
static void test_param_resource_without_checkpoints(void **state)
{
    (void)state;
    hpo__cv *cv = must_cv("knn", "iris.csv", HPO__CV_AUTO, 5, 0, "n_neighbors", NULL);
    hpo__params fixed = HPO__PARAMS_INIT;
    hpo_value seven = ival(7);
    assert_int_equal(hpo__params_add(&fixed, "n_neighbors", &seven), 0);
    hpo__cv *ref = must_cv("knn", "iris.csv", HPO__CV_AUTO, 5, 0, NULL, &fixed);
    hpo__params_free(&fixed);
    hpo_space *sp = NULL;
    hpo_study *s = one_point_study("p", fval(1.0), &sp);
    hpo_trial *a = budget_trial(s, 7, 0, -1);
    hpo_trial *p = budget_trial(s, 7, 3, 0); /* a "promotion": nothing to continue */
    hpo_trial *b = budget_trial(s, NAN, 0, -1);
    run(cv, a);
    run(cv, p);
    run(ref, b);
    for (size_t f = 0; f < 5; f++) {
        assert_string_equal(split_score(a, f), split_score(b, f));
        assert_string_equal(split_score(p, f), split_score(b, f));
        assert_false(has_artifact(s, 0, f));
    }
    assert_null(hpo_trial_attr(p, "resumed_folds"));
    hpo_trial_destroy(a);
    hpo_trial_destroy(p);
    hpo_trial_destroy(b);
    hpo_study_close(s);
    hpo_space_destroy(sp);
    hpo__cv_destroy(cv);
    hpo__cv_destroy(ref);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resource_validation),
        cmocka_unit_test(test_resource_info),
        cmocka_unit_test(test_subsample_sizes),
        cmocka_unit_test(test_mlp_epochs_resume),
        cmocka_unit_test(test_xgboost_rounds_resume),
        cmocka_unit_test(test_param_resource_without_checkpoints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
