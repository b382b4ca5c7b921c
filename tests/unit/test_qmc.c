/*
 * test_qmc.c -- quasi-random designs: primitive polynomials, Sobol and Halton
 * stratification (unscrambled and scrambled), determinism per seed, LHS one
 * point per stratum, keyed permutations are bijections.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/qmc.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static void test_polynomials(void **state)
{
    (void)state;
    /* x+1, x^2+x+1, x^3+x+1, x^3+x^2+1, x^4+x+1, x^4+x^3+1 */
    const uint32_t want[6] = {3, 7, 11, 13, 19, 25};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(hpo__sobol_poly(i), want[i]);
    /* 6 primitive polynomials of degree 5 follow, then 6 of degree 6 */
    assert_int_equal(hpo__sobol_poly(6) >> 5, 1);
    assert_int_equal(hpo__sobol_poly(11) >> 5, 1);
    assert_int_equal(hpo__sobol_poly(12) >> 6, 1);
    assert_int_equal(hpo__sobol_poly(18) >> 7, 1);
}

/* Each of the first 2^k points (and each next block of 2^k) falls alone in
 * one of 2^k equal intervals per dimension. */
static void check_sobol_strata(int scramble, uint64_t seed, size_t d)
{
    hpo__sobol s;
    assert_int_equal(hpo__sobol_init(&s, d, scramble, seed), 0);
    double *x = calloc(d, sizeof *x);
    for (unsigned k = 1; k <= 9; k++) {
        size_t n = (size_t)1 << k;
        for (size_t block = 0; block < 2; block++) {
            unsigned char *seen = calloc(d * n, 1);
            for (size_t i = 0; i < n; i++) {
                assert_int_equal(hpo__sobol_point(&s, block * n + i, x), 0);
                for (size_t j = 0; j < d; j++) {
                    assert_true(x[j] >= 0.0 && x[j] < 1.0);
                    size_t cell = (size_t)(x[j] * (double)n);
                    assert_int_equal(seen[j * n + cell], 0);
                    seen[j * n + cell] = 1;
                }
            }
            free(seen);
        }
    }
    free(x);
    hpo__sobol_free(&s);
}

static void test_sobol_stratified(void **state)
{
    (void)state;
    check_sobol_strata(0, 0, 64);
    check_sobol_strata(1, 7, 64);
    check_sobol_strata(1, 8, 300);
}

static void test_sobol_known_and_seeded(void **state)
{
    (void)state;
    hpo__sobol s, t, u;
    assert_int_equal(hpo__sobol_init(&s, 2, 0, 0), 0);
    double x[2];
    /* unscrambled: 0, 1/2, then the two quarters */
    assert_int_equal(hpo__sobol_point(&s, 0, x), 0);
    assert_true(x[0] == 0.0 && x[1] == 0.0);
    assert_int_equal(hpo__sobol_point(&s, 1, x), 0);
    assert_true(x[0] == 0.5 && x[1] == 0.5);
    assert_int_equal(hpo__sobol_point(&s, 2, x), 0);
    assert_true(x[0] == 0.25 && x[1] == 0.75);
    assert_int_equal(hpo__sobol_point(&s, 1ULL << 32, x), HPO_EINVAL);
    assert_int_equal(hpo__sobol_init(&t, 2, 1, 5), 0);
    assert_int_equal(hpo__sobol_init(&u, 2, 1, 6), 0);
    double a[2], b[2], c[2];
    int differ = 0;
    for (uint64_t i = 0; i < 16; i++) {
        hpo__sobol_point(&t, i, a);
        hpo__sobol_point(&t, i, b);
        hpo__sobol_point(&u, i, c);
        assert_true(a[0] == b[0] && a[1] == b[1]);
        differ += a[0] != c[0];
    }
    assert_true(differ > 8);
    hpo__sobol_free(&u);
    assert_int_equal(hpo__sobol_init(&u, 0, 1, 6), HPO_EINVAL);
    assert_int_equal(hpo__sobol_init(&u, HPO__SOBOL_MAX_DIM + 1, 1, 6), HPO_EINVAL);
    hpo__sobol_free(&s);
    hpo__sobol_free(&t);
}

static void test_halton(void **state)
{
    (void)state;
    for (int scramble = 0; scramble < 2; scramble++) {
        hpo__halton h;
        size_t d = 5;
        assert_int_equal(hpo__halton_init(&h, d, scramble, 11), 0);
        double x[5];
        if (!scramble) {
            hpo__halton_point(&h, 1, x);
            assert_true(x[0] == 0.5);
            assert_true(x[1] > 0.3333 && x[1] < 0.3334);
            hpo__halton_point(&h, 3, x);
            assert_true(x[0] == 0.75);
        }
        /* first p^2 points: one per interval of width 1/p^2 in base p */
        for (size_t j = 0; j < d; j++) {
            unsigned p = h.base[j], n = p * p;
            unsigned char *seen = calloc(n, 1);
            for (unsigned i = 0; i < n; i++) {
                hpo__halton_point(&h, i, x);
                assert_true(x[j] >= 0.0 && x[j] < 1.0);
                unsigned cell = (unsigned)(x[j] * n + 1e-9); /* radical inverses are inexact */
                assert_int_equal(seen[cell], 0);
                seen[cell] = 1;
            }
            free(seen);
        }
        hpo__halton_free(&h);
    }
}

static void test_lhs(void **state)
{
    (void)state;
    hpo__lhs l;
    assert_int_equal(hpo__lhs_init(&l, 3, 0, 1, 1), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "the lhs design needs n_trials");
    const uint64_t n = 37;
    assert_int_equal(hpo__lhs_init(&l, 3, n, 1, 9), 0);
    unsigned char seen[3][37];
    memset(seen, 0, sizeof seen);
    double x[3];
    for (uint64_t i = 0; i < n; i++) {
        assert_int_equal(hpo__lhs_point(&l, i, x), 0);
        for (int j = 0; j < 3; j++) {
            size_t cell = (size_t)(x[j] * (double)n);
            assert_int_equal(seen[j][cell], 0);
            seen[j][cell] = 1;
        }
    }
    assert_int_equal(hpo__lhs_point(&l, n, x), HPO_EINVAL);
    hpo__lhs_free(&l);
    /* centred */
    assert_int_equal(hpo__lhs_init(&l, 1, 4, 0, 9), 0);
    for (uint64_t i = 0; i < 4; i++) {
        assert_int_equal(hpo__lhs_point(&l, i, x), 0);
        double c = x[0] * 4 - 0.5;
        assert_true(c == (double)(int)c);
    }
    hpo__lhs_free(&l);
}

static void test_perm_bijection(void **state)
{
    (void)state;
    const uint64_t sizes[] = {1, 2, 3, 5, 16, 17, 1000, 4097};
    for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
        uint64_t n = sizes[t];
        hpo__perm p, q;
        hpo__perm_init(&p, n, 42, t);
        hpo__perm_init(&q, n, 43, t);
        unsigned char *seen = calloc(n, 1);
        uint64_t fixed = 0, same = 0;
        for (uint64_t i = 0; i < n; i++) {
            uint64_t y = hpo__perm_apply(&p, i);
            assert_true(y < n);
            assert_int_equal(seen[y], 0);
            seen[y] = 1;
            fixed += y == i;
            same += y == hpo__perm_apply(&q, i);
        }
        if (n >= 1000) {
            assert_true(fixed < n / 50);
            assert_true(same < n / 50);
        }
        free(seen);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_polynomials),
        cmocka_unit_test(test_sobol_stratified),
        cmocka_unit_test(test_sobol_known_and_seeded),
        cmocka_unit_test(test_halton),
        cmocka_unit_test(test_lhs),
        cmocka_unit_test(test_perm_bijection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
