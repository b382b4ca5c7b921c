/*
 * test_rng.c -- xoshiro256**: reference outputs for a known state, determinism
 * per (seed, stream), independence of streams, unbiased ranges, moments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/rng.h"

#include <math.h>

static void test_reference_outputs(void **state)
{
    (void)state;
    /* xoshiro256** from state {1, 2, 3, 4}: first outputs of the reference C code */
    hpo__rng r = {{1, 2, 3, 4}};
    assert_true(hpo__rng_next(&r) == 11520ULL);
    assert_true(hpo__rng_next(&r) == 0ULL);
    assert_true(hpo__rng_next(&r) == 1509978240ULL);
    assert_true(hpo__rng_next(&r) == 1215971899390074240ULL);
}

static void test_streams(void **state)
{
    (void)state;
    hpo__rng a, b, c, d;
    hpo__rng_seed(&a, 42, 7);
    hpo__rng_seed(&b, 42, 7);
    hpo__rng_seed(&c, 42, 8);
    hpo__rng_seed(&d, 43, 7);
    int same_c = 0, same_d = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = hpo__rng_next(&a);
        assert_true(x == hpo__rng_next(&b));
        same_c += x == hpo__rng_next(&c);
        same_d += x == hpo__rng_next(&d);
    }
    assert_int_equal(same_c, 0);
    assert_int_equal(same_d, 0);
}

static void test_ranges_and_moments(void **state)
{
    (void)state;
    hpo__rng r;
    hpo__rng_seed(&r, 1, 0);
    unsigned counts[7] = {0};
    double sum = 0, sum2 = 0, nsum = 0, nsum2 = 0;
    const int n = 70000;
    for (int i = 0; i < n; i++) {
        double u = hpo__rng_uniform(&r);
        assert_true(u >= 0.0 && u < 1.0);
        sum += u;
        sum2 += u * u;
        uint64_t k = hpo__rng_below(&r, 7);
        assert_true(k < 7);
        counts[k]++;
        double z = hpo__rng_normal(&r);
        assert_true(isfinite(z));
        nsum += z;
        nsum2 += z * z;
    }
    assert_true(fabs(sum / n - 0.5) < 0.01);
    assert_true(fabs(sum2 / n - 1.0 / 3.0) < 0.01);
    assert_true(fabs(nsum / n) < 0.02);
    assert_true(fabs(nsum2 / n - 1.0) < 0.03);
    /* chi-square with 6 degrees of freedom; 22.46 is the 0.999 quantile */
    double chi = 0;
    for (int k = 0; k < 7; k++)
        chi += (counts[k] - n / 7.0) * (counts[k] - n / 7.0) / (n / 7.0);
    assert_true(chi < 22.46);
    assert_true(hpo__rng_below(&r, 1) == 0);
    assert_true(hpo__rng_below(&r, 0) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_outputs),
        cmocka_unit_test(test_streams),
        cmocka_unit_test(test_ranges_and_moments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
