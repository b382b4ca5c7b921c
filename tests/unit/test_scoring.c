/*
 * test_scoring.c -- scorers: lookup and did-you-mean, known values computed by
 * scikit-learn 1.2 for small inputs, zero-division and degenerate cases,
 * errors, and HPO_ENOMEM on every failing allocation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hpo.h"
#include "ml/scoring.h"
#include "util/util.h"

#include <math.h>
#include <string.h>

static double score(const char *name, const double *yt, const double *yp, const double *proba,
                    size_t n, size_t k)
{
    const hpo__scorer_info *s = hpo__scorer_find(name);
    assert_non_null(s);
    double v = -12345.0;
    assert_int_equal(hpo__score(s, yt, yp, proba, n, k, &v), 0);
    return v;
}

static int score_rc(const char *name, const double *yt, const double *yp, const double *proba,
                    size_t n, size_t k)
{
    double v;
    return hpo__score(hpo__scorer_find(name), yt, yp, proba, n, k, &v);
}

static void test_lookup(void **state)
{
    (void)state;
    const char *const *names = hpo__scorer_names();
    size_t count = 0;
    for (; names[count]; count++)
        assert_non_null(hpo__scorer_find(names[count]));
    assert_int_equal(count, 13);
    assert_true(hpo__scorer_find("roc_auc")->needs_proba);
    assert_false(hpo__scorer_find("r2")->classification);
    assert_null(hpo__scorer_find("f1_macr"));
    assert_non_null(strstr(hpo_errmsg(), "f1_macro"));
    assert_null(hpo__scorer_find(NULL));
}

static void test_classification_values(void **state)
{
    (void)state;
    /* sklearn: y_true=[0,1,2,2,1,0,2], y_pred=[0,2,2,2,1,1,0] */
    static const double yt[] = {0, 1, 2, 2, 1, 0, 2}, yp[] = {0, 2, 2, 2, 1, 1, 0};
    assert_true(score("accuracy", yt, yp, NULL, 7, 3) == 4.0 / 7.0);
    /* recalls 1/2, 1/2, 2/3 */
    assert_true(fabs(score("balanced_accuracy", yt, yp, NULL, 7, 3) - 5.0 / 9.0) < 1e-15);
    /* f1 per class: 1/2, 1/2, 2/3 -> macro 5/9, weighted (1/2*2+1/2*2+2/3*3)/7 = 4/7 */
    assert_true(fabs(score("f1_macro", yt, yp, NULL, 7, 3) - 5.0 / 9.0) < 1e-15);
    assert_true(fabs(score("f1_weighted", yt, yp, NULL, 7, 3) - 4.0 / 7.0) < 1e-15);
    assert_int_equal(score_rc("f1", yt, yp, NULL, 7, 3), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "Target is multiclass but average='binary'"));

    static const double bt[] = {0, 1, 1, 0, 1}, bp[] = {0, 1, 0, 0, 0};
    assert_true(score("precision", bt, bp, NULL, 5, 2) == 1.0);
    assert_true(score("recall", bt, bp, NULL, 5, 2) == 1.0 / 3.0);
    assert_true(fabs(score("f1", bt, bp, NULL, 5, 2) - 0.5) < 1e-15);
    /* zero division: no positive prediction -> precision 0, f1 0 */
    static const double none[] = {0, 0, 0, 0, 0};
    assert_true(score("precision", bt, none, NULL, 5, 2) == 0.0);
    assert_true(score("f1", bt, none, NULL, 5, 2) == 0.0);
    /* class present only in y_pred is ignored by balanced accuracy */
    static const double ot[] = {0, 0, 1, 1}, op[] = {0, 2, 1, 1};
    assert_true(score("balanced_accuracy", ot, op, NULL, 4, 3) == 0.75);
    /* labels out of range are an error */
    static const double badp[] = {0, 5, 1, 1};
    assert_int_equal(score_rc("accuracy", ot, badp, NULL, 4, 3), HPO_EINVAL);
}

static void test_proba_values(void **state)
{
    (void)state;
    /* roc_auc_score([0,0,1,1],[0.1,0.4,0.35,0.8]) = 0.75; ties average */
    static const double yt[] = {0, 0, 1, 1};
    static const double p[] = {0.9, 0.1, 0.6, 0.4, 0.65, 0.35, 0.2, 0.8};
    assert_true(score("roc_auc", yt, NULL, p, 4, 2) == 0.75);
    static const double tie[] = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
    assert_true(score("roc_auc", yt, NULL, tie, 4, 2) == 0.5);
    static const double one[] = {1, 1, 1, 1};
    assert_int_equal(score_rc("roc_auc", one, NULL, p, 4, 2), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "Only one class present in y_true"));
    /* log_loss([0,0,1,1], p[:,1]); exact 0/1 probabilities are clipped (sklearn:
     * log_loss([0,0,1,1],[0,1,0,1]) = 18.021826694558577) */
    double ll = score("neg_log_loss", yt, NULL, p, 4, 2);
    double want = -(log(0.9) + log(0.6) + log(0.35) + log(0.8)) / 4;
    assert_true(fabs(ll + want) < 1e-12); /* 0.47228795380917615 */
    static const double hard[] = {0, 1, 1, 0, 1, 0, 0, 1};
    ll = score("neg_log_loss", yt, NULL, hard, 4, 2);
    assert_true(fabs(ll + 18.021826694558577) < 1e-12);
    /* multiclass ovr macro; rows must sum to 1 and every class be present */
    static const double mt[] = {0, 1, 2, 2};
    static const double mp[] = {0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.1, 0.2, 0.7, 0.3, 0.3, 0.4};
    assert_true(score("roc_auc", mt, NULL, mp, 4, 3) == 1.0);
    static const double mt2[] = {0, 1, 1, 1};
    assert_int_equal(score_rc("roc_auc", mt2, NULL, mp, 4, 3), HPO_EINVAL);
    static const double bad[] = {0.8, 0.1, 0.3, 0.2, 0.7, 0.1, 0.1, 0.2, 0.7, 0.3, 0.3, 0.4};
    assert_int_equal(score_rc("roc_auc", mt, NULL, bad, 4, 3), HPO_EINVAL);
}

static void test_regression_values(void **state)
{
    (void)state;
    /* sklearn: y_true=[3,-0.5,2,7], y_pred=[2.5,0,2,8]: r2 0.9486081370449679,
     * mse 0.375, mae 0.5 */
    static const double yt[] = {3, -0.5, 2, 7}, yp[] = {2.5, 0, 2, 8};
    assert_true(fabs(score("r2", yt, yp, NULL, 4, 0) - 0.9486081370449679) < 1e-15);
    assert_true(score("neg_mean_squared_error", yt, yp, NULL, 4, 0) == -0.375);
    assert_true(score("neg_root_mean_squared_error", yt, yp, NULL, 4, 0) == -sqrt(0.375));
    assert_true(score("neg_mean_absolute_error", yt, yp, NULL, 4, 0) == -0.5);
    static const double c[] = {2, 2, 2}, cp[] = {2, 2, 3};
    assert_true(score("r2", c, c, NULL, 3, 0) == 1.0);
    assert_true(score("r2", c, cp, NULL, 3, 0) == 0.0);
    assert_true(isnan(score("r2", c, cp, NULL, 1, 0)));
    assert_int_equal(score_rc("r2", c, cp, NULL, 0, 0), HPO_EINVAL);
    static const double nanv[] = {2, NAN, 2};
    assert_int_equal(score_rc("r2", c, nanv, NULL, 3, 0), HPO_EINVAL);
}

static void test_enomem(void **state)
{
    (void)state;
    static const double mt[] = {0, 1, 2, 2}, mp_lab[] = {0, 1, 1, 2};
    static const double mp[] = {0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.1, 0.2, 0.7, 0.3, 0.3, 0.4};
    const char *const *names = hpo__scorer_names();
    for (size_t s = 0; names[s]; s++) {
        const hpo__scorer_info *info = hpo__scorer_find(names[s]);
        if (strcmp(names[s], "f1") == 0 || strcmp(names[s], "precision") == 0 ||
            strcmp(names[s], "recall") == 0)
            continue;
        int ok = 0;
        for (long k = 0; k < 50 && !ok; k++) {
            double v;
            hpo__alloc_fail_after(k);
            int rc = hpo__score(info, mt, mp_lab, mp, 4, 3, &v);
            hpo__alloc_fail_after(-1);
            if (rc == 0)
                ok = 1;
            else
                assert_int_equal(rc, HPO_ENOMEM);
        }
        assert_true(ok);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),       cmocka_unit_test(test_classification_values),
        cmocka_unit_test(test_proba_values), cmocka_unit_test(test_regression_values),
        cmocka_unit_test(test_enomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
