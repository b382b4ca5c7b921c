/*
 * test_split.c -- cross-validation splitters: scikit-learn's exact KFold and
 * StratifiedKFold folds for small known inputs, error messages, shuffled folds
 * (partition, sizes, per-class counts, determinism per seed), ShuffleSplit and
 * repeated k-fold, and HPO_ENOMEM on every failing allocation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hpo.h"
#include "ml/split.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static void expect_test(const hpo__fold *f, const size_t *want, size_t n_want, size_t n)
{
    assert_int_equal(f->n_test, n_want);
    assert_int_equal(f->n_train, n - n_want);
    for (size_t i = 0; i < n_want; i++)
        assert_int_equal(f->test[i], want[i]);
    /* train is the sorted complement */
    size_t t = 0, r = 0;
    for (size_t i = 0; i < n; i++) {
        if (t < n_want && want[t] == i)
            t++;
        else
            assert_int_equal(f->train[r++], i);
    }
}

static void check_partition(const hpo__fold *folds, size_t k, size_t n)
{
    unsigned char *seen = calloc(n, 1);
    assert_non_null(seen);
    for (size_t f = 0; f < k; f++) {
        assert_int_equal(folds[f].n_test + folds[f].n_train, n);
        for (size_t i = 0; i < folds[f].n_test; i++) {
            if (i)
                assert_true(folds[f].test[i - 1] < folds[f].test[i]);
            assert_int_equal(seen[folds[f].test[i]], 0);
            seen[folds[f].test[i]] = 1;
        }
        for (size_t i = 1; i < folds[f].n_train; i++)
            assert_true(folds[f].train[i - 1] < folds[f].train[i]);
    }
    for (size_t i = 0; i < n; i++)
        assert_int_equal(seen[i], 1);
    free(seen);
}

static void test_kfold_exact(void **state)
{
    (void)state;
    hpo__fold *f;
    /* KFold(3).split(range(10)): [0..3], [4..6], [7..9] */
    assert_int_equal(hpo__kfold(10, 3, 0, 0, &f), 0);
    static const size_t a[] = {0, 1, 2, 3}, b[] = {4, 5, 6}, c[] = {7, 8, 9};
    expect_test(&f[0], a, 4, 10);
    expect_test(&f[1], b, 3, 10);
    expect_test(&f[2], c, 3, 10);
    hpo__folds_free(f, 3);
}

static void test_stratified_exact(void **state)
{
    (void)state;
    /* StratifiedKFold(3).split(X, [2,2,0,1,1,1,0,2,2,0]) in scikit-learn 1.2 */
    static const double y[] = {2, 2, 0, 1, 1, 1, 0, 2, 2, 0};
    static const size_t a[] = {0, 1, 2, 3}, b[] = {4, 6, 7}, c[] = {5, 8, 9};
    hpo__fold *f;
    assert_int_equal(hpo__stratified_kfold(y, 10, 3, 0, 0, &f), 0);
    expect_test(&f[0], a, 4, 10);
    expect_test(&f[1], b, 3, 10);
    expect_test(&f[2], c, 3, 10);
    hpo__folds_free(f, 3);
    /* the class encoding is by first appearance: relabelling changes nothing */
    static const double y2[] = {-7, -7, 40, 3, 3, 3, 40, -7, -7, 40};
    assert_int_equal(hpo__stratified_kfold(y2, 10, 3, 0, 0, &f), 0);
    expect_test(&f[0], a, 4, 10);
    expect_test(&f[1], b, 3, 10);
    expect_test(&f[2], c, 3, 10);
    hpo__folds_free(f, 3);
}

static void test_errors(void **state)
{
    (void)state;
    hpo__fold *f = (hpo__fold *)&f;
    assert_int_equal(hpo__kfold(5, 10, 0, 0, &f), HPO_EINVAL);
    assert_null(f);
    assert_non_null(strstr(hpo_errmsg(), "Cannot have number of splits n_splits=10 greater than "
                                         "the number of samples: n_samples=5"));
    assert_int_equal(hpo__kfold(5, 1, 0, 0, &f), HPO_EINVAL);
    static const double y[] = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2};
    assert_int_equal(hpo__stratified_kfold(y, 10, 5, 0, 0, &f), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "n_splits=5 cannot be greater than the number of "
                                         "members in each class"));
    /* only some classes smaller than k: allowed (scikit-learn warns) */
    assert_int_equal(hpo__stratified_kfold(y, 10, 4, 0, 0, &f), 0);
    check_partition(f, 4, 10);
    hpo__folds_free(f, 4);
    static const double cont[] = {0.5, 1, 0, 1};
    assert_int_equal(hpo__stratified_kfold(cont, 4, 2, 0, 0, &f), HPO_EINVAL);
    assert_int_equal(hpo__shuffle_split(10, 3, 0.0, 1, &f), HPO_EINVAL);
    assert_int_equal(hpo__shuffle_split(10, 3, 1.0, 1, &f), HPO_EINVAL);
    assert_int_equal(hpo__shuffle_split(1, 3, 0.5, 1, &f), HPO_EINVAL);
    assert_int_equal(hpo__repeated_kfold(NULL, 10, 2, 0, 1, &f), HPO_EINVAL);
    hpo__folds_free(NULL, 3);
}

static void test_shuffled(void **state)
{
    (void)state;
    double y[97];
    for (size_t i = 0; i < 97; i++)
        y[i] = (double)(i % 7 == 0 ? 2 : i % 3 == 0);
    hpo__fold *a, *b, *c;
    assert_int_equal(hpo__stratified_kfold(y, 97, 5, 1, 42, &a), 0);
    assert_int_equal(hpo__stratified_kfold(y, 97, 5, 1, 42, &b), 0);
    assert_int_equal(hpo__stratified_kfold(y, 97, 5, 0, 42, &c), 0);
    check_partition(a, 5, 97);
    int differs = 0;
    for (size_t f = 0; f < 5; f++) {
        assert_int_equal(a[f].n_test, b[f].n_test);
        assert_memory_equal(a[f].test, b[f].test, a[f].n_test * sizeof(size_t));
        /* per-class counts as the unshuffled (= scikit-learn's) allocation */
        size_t ca[3] = {0}, cc[3] = {0};
        for (size_t i = 0; i < a[f].n_test; i++)
            ca[(size_t)y[a[f].test[i]]]++;
        for (size_t i = 0; i < c[f].n_test; i++)
            cc[(size_t)y[c[f].test[i]]]++;
        assert_memory_equal(ca, cc, sizeof ca);
        differs |= a[f].n_test != c[f].n_test ||
                   memcmp(a[f].test, c[f].test, a[f].n_test * sizeof(size_t)) != 0;
    }
    assert_true(differs);
    hpo__folds_free(a, 5);
    hpo__folds_free(b, 5);
    hpo__folds_free(c, 5);

    assert_int_equal(hpo__kfold(23, 4, 1, 7, &a), 0);
    check_partition(a, 4, 23);
    assert_int_equal(a[0].n_test, 6);
    assert_int_equal(a[3].n_test, 5);
    hpo__folds_free(a, 4);
}

static void test_shuffle_split_and_repeats(void **state)
{
    (void)state;
    hpo__fold *f;
    assert_int_equal(hpo__shuffle_split(10, 3, 0.25, 9, &f), 0);
    for (size_t s = 0; s < 3; s++) {
        assert_int_equal(f[s].n_test, 3); /* ceil(2.5) */
        assert_int_equal(f[s].n_train, 7);
        size_t seen = 0, t = 0, r = 0;
        for (size_t i = 0; i < 10; i++) {
            if (t < 3 && f[s].test[t] == i)
                t++, seen++;
            else if (r < 7 && f[s].train[r] == i)
                r++, seen++;
        }
        assert_int_equal(seen, 10); /* sorted lists, disjoint, covering */
    }
    hpo__folds_free(f, 3);
    double y[40];
    for (size_t i = 0; i < 40; i++)
        y[i] = (double)(i % 4 == 0);
    assert_int_equal(hpo__repeated_kfold(y, 40, 5, 3, 1, &f), 0);
    for (size_t r = 0; r < 3; r++) {
        check_partition(f + 5 * r, 5, 40);
        for (size_t k = 0; k < 5; k++) {
            size_t pos = 0;
            for (size_t i = 0; i < f[5 * r + k].n_test; i++)
                pos += y[f[5 * r + k].test[i]] == 1.0;
            assert_int_equal(pos, 2);
        }
    }
    hpo__folds_free(f, 15);
    assert_int_equal(hpo__repeated_kfold(NULL, 40, 5, 2, 1, &f), 0);
    check_partition(f, 5, 40);
    check_partition(f + 5, 5, 40);
    hpo__folds_free(f, 10);
}

static void test_enomem(void **state)
{
    (void)state;
    static const double y[] = {2, 2, 0, 1, 1, 1, 0, 2, 2, 0, 1, 0};
    for (int which = 0; which < 4; which++) {
        int ok = 0;
        for (long k = 0; k < 200 && !ok; k++) {
            hpo__fold *f = NULL;
            size_t count = 3;
            hpo__alloc_fail_after(k);
            int rc;
            if (which == 0)
                rc = hpo__kfold(12, 3, 1, 5, &f);
            else if (which == 1)
                rc = hpo__stratified_kfold(y, 12, 3, 1, 5, &f);
            else if (which == 2)
                rc = hpo__shuffle_split(12, 3, 0.3, 5, &f);
            else {
                rc = hpo__repeated_kfold(y, 12, 3, 2, 5, &f);
                count = 6;
            }
            hpo__alloc_fail_after(-1);
            if (rc == 0) {
                ok = 1;
                hpo__folds_free(f, count);
            } else {
                assert_int_equal(rc, HPO_ENOMEM);
                assert_null(f);
            }
        }
        assert_true(ok);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kfold_exact),
        cmocka_unit_test(test_stratified_exact),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_shuffled),
        cmocka_unit_test(test_shuffle_split_and_repeats),
        cmocka_unit_test(test_enomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
