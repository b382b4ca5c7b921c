/*
 * test_halving.c -- successive halving's schedule (src/schedulers/halving.c)
 * on cases whose values scikit-learn documents or that exercise Python's
 * arithmetic (float factor, 'exhaust', aggressive elimination); the parity
 * test compares many more with scikit-learn itself.
 */
#include "schedulers/halving.h"
#include "util/util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static hpo__halving_config digits(void)
{
    hpo__halving_config c = {.n_candidates = 36,
                             .factor = 3,
                             .factor_is_int = 1,
                             .resource_is_n_samples = 1,
                             .min_kind = HPO__MINRES_SMALLEST,
                             .n_samples = 1797,
                             .n_splits = 5,
                             .n_classes = 10};
    return c;
}

/* The scikit-learn user guide's digits example: 100, 300, 900 samples. */
static void test_digits_smallest(void **state)
{
    (void)state;
    hpo__halving_config c = digits();
    hpo__halving_plan p;
    assert_int_equal(hpo__halving_plan_make(&c, &p), 0);
    assert_true(p.min_resources_ == 100.0);
    assert_int_equal(p.max_resources_, 1797);
    assert_int_equal(p.n_required_iterations, 4);
    assert_int_equal(p.n_possible_iterations, 3);
    assert_int_equal(p.n_iterations, 3);
    const long long r[] = {100, 300, 900};
    const unsigned long long n[] = {36, 12, 4};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(p.n_resources[i], r[i]);
        assert_int_equal(p.n_candidates[i], n[i]);
    }
}

/* 'exhaust' starts as high as the last iteration allows: 1797 // 27 = 66. */
static void test_exhaust_and_aggressive(void **state)
{
    (void)state;
    hpo__halving_config c = digits();
    c.min_kind = HPO__MINRES_EXHAUST;
    hpo__halving_plan p;
    assert_int_equal(hpo__halving_plan_make(&c, &p), 0);
    assert_true(p.min_resources_ == 100.0); /* max(100, 66) keeps 100 */
    c.n_splits = 2;                         /* smallest 40 < 66 */
    assert_int_equal(hpo__halving_plan_make(&c, &p), 0);
    assert_true(p.min_resources_ == 66.0);
    assert_int_equal(p.n_iterations, 4);
    assert_int_equal(p.n_resources[3], 1782);
    c = digits();
    c.aggressive_elimination = 1; /* 4 required, 3 possible: the first resource twice */
    assert_int_equal(hpo__halving_plan_make(&c, &p), 0);
    assert_int_equal(p.n_iterations, 4);
    assert_int_equal(p.n_resources[0], 100);
    assert_int_equal(p.n_resources[1], 100);
    assert_int_equal(p.n_resources[2], 300);
    assert_int_equal(p.n_candidates[3], 2);
}

/* A float factor: float floor division and a fractional min_resources_. */
static void test_float_factor(void **state)
{
    (void)state;
    hpo__halving_config c = {.n_candidates = 10,
                             .factor = 2.5,
                             .resource_is_n_samples = 0,
                             .min_kind = HPO__MINRES_EXHAUST,
                             .max_resources = 100};
    hpo__halving_plan p;
    assert_int_equal(hpo__halving_plan_make(&c, &p), 0);
    /* n_required = 1 + floor(log 10 / log 2.5) = 3; 100 // 6.25 = 16.0 */
    assert_int_equal(p.n_required_iterations, 3);
    assert_true(p.min_resources_ == 16.0);
    assert_int_equal(p.min_resources_is_float, 1);
    /* n_possible = 1 + floor(log(100 // 16.0) / log 2.5) = 2 */
    assert_int_equal(p.n_possible_iterations, 2);
    assert_int_equal(p.n_iterations, 2);
    assert_int_equal(p.n_resources[0], 16);
    assert_int_equal(p.n_resources[1], 40);
    assert_int_equal(p.n_candidates[1], 4);
    c.aggressive_elimination = 1; /* 3 iterations: 16, 16, 40 */
    assert_int_equal(hpo__halving_plan_make(&c, &p), 0);
    assert_int_equal(p.n_iterations, 3);
    assert_int_equal(p.n_resources[1], 16);
    assert_int_equal(p.n_resources[2], 40);
    assert_int_equal(p.n_candidates[2], 2);
}

static void test_refusals(void **state)
{
    (void)state;
    hpo__halving_config c = digits();
    hpo__halving_plan p;
    c.max_resources = 50; /* smallest 100 > 50 */
    assert_int_equal(hpo__halving_plan_make(&c, &p), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "greater than max_resources_=50"));
    c = digits();
    c.resource_is_n_samples = 0; /* 'auto' needs n_samples */
    assert_int_equal(hpo__halving_plan_make(&c, &p), HPO_EINVAL);
    c = digits();
    c.factor = 1.0;
    assert_int_equal(hpo__halving_plan_make(&c, &p), HPO_EINVAL);
    c = digits();
    c.n_candidates_exhaust = 1;
    c.min_kind = HPO__MINRES_EXHAUST;
    assert_int_equal(hpo__halving_plan_make(&c, &p), HPO_EINVAL);
    c = digits();
    c.n_candidates_exhaust = 1; /* 1797 // 100 = 17, capped by a grid of 9 */
    c.grid_size = 9;
    assert_int_equal(hpo__halving_plan_make(&c, &p), 0);
    assert_int_equal(p.n_candidates_first, 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digits_smallest),
        cmocka_unit_test(test_exhaust_and_aggressive),
        cmocka_unit_test(test_float_factor),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
