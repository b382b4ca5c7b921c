/*
 * test_params.c -- parameter lists and values: add/find/copy/equal, JSON in and
 * out with types kept (integral floats keep ".0"), malformed JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/params.h"

#include <math.h>
#include <string.h>

static void test_add_find_copy(void **state)
{
    (void)state;
    hpo__params p = HPO__PARAMS_INIT, q = HPO__PARAMS_INIT;
    hpo_value f = {.type = HPO_VALUE_FLOAT, .u.f = 0.5};
    hpo_value s = {.type = HPO_VALUE_STRING, .u.s = "rbf"};
    assert_int_equal(hpo__params_add(&p, "C", &f), 0);
    assert_int_equal(hpo__params_add(&p, "kernel", &s), 0);
    assert_int_equal(hpo__params_add(&p, "C", &s), HPO_EINVAL);
    assert_int_equal(hpo__params_find(&p, "kernel"), 1);
    assert_int_equal(hpo__params_find(&p, "nope"), -1);
    assert_ptr_not_equal(p.values[1].u.s, s.u.s); /* copied */
    assert_int_equal(hpo__params_copy(&q, &p), 0);
    assert_true(hpo__params_equal(&p, &q));
    q.values[0].u.f = 0.25;
    assert_false(hpo__params_equal(&p, &q));
    hpo__params_free(&p);
    hpo__params_free(&q);
    hpo__params_free(NULL);
}

static void test_value_equal(void **state)
{
    (void)state;
    hpo_value a = {.type = HPO_VALUE_FLOAT, .u.f = 0.0};
    hpo_value b = {.type = HPO_VALUE_FLOAT, .u.f = -0.0};
    hpo_value i = {.type = HPO_VALUE_INT, .u.i = 0};
    hpo_value t1 = {.type = HPO_VALUE_BOOL, .u.b = 2};
    hpo_value t2 = {.type = HPO_VALUE_BOOL, .u.b = 1};
    assert_true(hpo__value_equal(&a, &b));
    assert_false(hpo__value_equal(&a, &i));
    assert_true(hpo__value_equal(&t1, &t2));
}

static void test_json_round_trip(void **state)
{
    (void)state;
    const char *in = "{\"C\": 100.0, \"n\": 3, \"k\": \"a\\\"b\\n\", \"s\": true, "
                     "\"lr\": 1e-05, \"big\": 1e+20, \"x\": 0.1}";
    hpo__params p = HPO__PARAMS_INIT;
    assert_int_equal(hpo__params_from_json(in, &p), 0);
    assert_int_equal(p.n, 7);
    assert_int_equal(p.values[0].type, HPO_VALUE_FLOAT);
    assert_int_equal(p.values[1].type, HPO_VALUE_INT);
    assert_int_equal(p.values[2].type, HPO_VALUE_STRING);
    assert_string_equal(p.values[2].u.s, "a\"b\n");
    assert_int_equal(p.values[3].type, HPO_VALUE_BOOL);
    char *out = NULL;
    assert_int_equal(hpo__params_to_json(&p, &out), 0);
    assert_string_equal(out, in);
    hpo_free(out);
    hpo__params_free(&p);

    hpo_value nan = {.type = HPO_VALUE_FLOAT, .u.f = NAN};
    assert_int_equal(hpo__params_add(&p, "x", &nan), 0);
    assert_int_equal(hpo__params_to_json(&p, &out), HPO_EINVAL);
    hpo__params_free(&p);

    const char *bad[] = {"", "[1]", "{\"a\": null}", "{\"a\": [1]}", "{\"a\": 1, \"a\": 2}", "{"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(hpo__params_from_json(bad[i], &p), HPO_EINVAL);
        assert_int_equal(p.n, 0);
    }
}

static void test_text(void **state)
{
    (void)state;
    hpo__buf b = HPO__BUF_INIT;
    hpo_value f = {.type = HPO_VALUE_FLOAT, .u.f = 10.0};
    hpo_value s = {.type = HPO_VALUE_STRING, .u.s = "rbf"};
    hpo__value_to_text(&b, &f);
    hpo__buf_putc(&b, ' ');
    hpo__value_to_text(&b, &s);
    char *out = NULL;
    assert_int_equal(hpo__buf_take(&b, &out), 0);
    assert_string_equal(out, "10 rbf");
    hpo_free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_find_copy),
        cmocka_unit_test(test_value_equal),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
