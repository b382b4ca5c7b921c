/*
 * test_hyperband.c -- Hyperband's brackets (src/schedulers/hyperband.c): the
 * KerasTuner table for max_epochs=27, factor=3, its float quirk at
 * (15625, 5), Li et al.'s Table 1, and refusals.
 */
#include "schedulers/hyperband.h"
#include "util/util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static void test_keras_27_3(void **state)
{
    (void)state;
    static hpo__hb_plan p;
    assert_int_equal(hpo__hb_plan_keras(27, 3, &p), 0);
    assert_int_equal(p.n_brackets, 4);
    assert_int_equal(p.total_trials, 70);
    assert_true(p.total_resource == 375.0);
    const long long sizes[] = {27, 9, 3, 1};
    const double epochs[] = {1, 3, 9, 27};
    for (int r = 0; r < 4; r++) {
        assert_int_equal(p.brackets[0].rounds[r].n_trials, sizes[r]);
        assert_true(p.brackets[0].rounds[r].resource == epochs[r]);
        assert_true(p.brackets[0].rounds[r].initial == (r ? epochs[r - 1] : 0.0));
    }
    assert_int_equal(p.brackets[3].s, 0);
    assert_int_equal(p.brackets[3].rounds[0].n_trials, 4);
}

/* log(15625) / log(5) lands an ulp above 6: b0 = 8, as in KerasTuner. */
static void test_keras_float_quirk(void **state)
{
    (void)state;
    static hpo__hb_plan p;
    assert_int_equal(hpo__hb_plan_keras(15625, 5, &p), 0);
    assert_int_equal(p.n_brackets, 7);
    assert_int_equal(p.brackets[6].rounds[0].n_trials, 8); /* bracket 0: ceil(b0 / 1) */
}

static void test_li_table1(void **state)
{
    (void)state;
    static hpo__hb_plan p;
    assert_int_equal(hpo__hb_plan_li(81, 3, &p), 0);
    assert_int_equal(p.n_brackets, 5);
    const long long s3[] = {34, 11, 3, 1};
    for (int i = 0; i < 4; i++)
        assert_int_equal(p.brackets[1].rounds[i].n_trials, s3[i]);
    assert_true(p.brackets[1].rounds[0].resource == 3.0);
    assert_int_equal(p.brackets[4].rounds[0].n_trials, 5);
    assert_int_equal(hpo__hb_plan_li(243, 3, &p), 0);
    assert_int_equal(p.n_brackets, 6); /* s_max 5, not int(log(243)/log(3)) = 4 */
}

static void test_refusals(void **state)
{
    (void)state;
    static hpo__hb_plan p;
    assert_int_equal(hpo__hb_plan_keras(0, 3, &p), HPO_EINVAL);
    assert_int_equal(hpo__hb_plan_keras(27, 1, &p), HPO_EINVAL);
    assert_int_equal(hpo__hb_plan_li(81, 1, &p), HPO_EINVAL);
    assert_int_equal(hpo__hb_plan_li(0.5, 3, &p), HPO_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keras_27_3),
        cmocka_unit_test(test_keras_float_quirk),
        cmocka_unit_test(test_li_table1),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
