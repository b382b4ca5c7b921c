/*
 * test_space.c -- search spaces: validation messages, conditions, grid counts
 * and ParameterGrid order, unit mapping, canonical JSON round trip, diffs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/space.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define S(x)                                                                                       \
    {                                                                                              \
        .type = HPO_VALUE_STRING, .u.s = (x)                                                       \
    }
#define I(x)                                                                                       \
    {                                                                                              \
        .type = HPO_VALUE_INT, .u.i = (x)                                                          \
    }
#define F(x)                                                                                       \
    {                                                                                              \
        .type = HPO_VALUE_FLOAT, .u.f = (x)                                                        \
    }
#define B(x)                                                                                       \
    {                                                                                              \
        .type = HPO_VALUE_BOOL, .u.b = (x)                                                         \
    }

static void test_validation(void **state)
{
    (void)state;
    hpo_space *sp = NULL;
    assert_int_equal(hpo_space_create(&sp), 0);
    assert_int_equal(hpo_space_add_float(sp, "C", 2.0, 1.0, 0), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "'C'"));
    assert_non_null(strstr(hpo_errmsg(), "greater"));
    assert_int_equal(hpo_space_add_float(sp, "C", 0.0, 1.0, 1), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "log"));
    assert_int_equal(hpo_space_add_float(sp, "C", 0.0, INFINITY, 0), HPO_EINVAL);
    assert_int_equal(hpo_space_add_float(sp, "C", NAN, 1.0, 0), HPO_EINVAL);
    assert_int_equal(hpo_space_add_int(sp, "n", 1, 10, 0, 0), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "step"));
    assert_int_equal(hpo_space_add_int(sp, "n", 0, 10, 1, 1), HPO_EINVAL);
    assert_int_equal(hpo_space_add_float(sp, "", 0.0, 1.0, 0), HPO_EINVAL);
    assert_int_equal(hpo_space_add_categorical(sp, "k", NULL, 0), HPO_EINVAL);
    hpo_value dup[2] = {S("a"), S("a")};
    assert_int_equal(hpo_space_add_categorical(sp, "k", dup, 2), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "duplicate value 'a'"));
    hpo_value mixed[3] = {I(1), F(1.0), S("1")};
    assert_int_equal(hpo_space_add_categorical(sp, "k", mixed, 3), 0);
    assert_int_equal(hpo_space_add_float(sp, "k", 0.0, 1.0, 0), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "duplicate parameter 'k'"));
    assert_int_equal(hpo_space_set_grid_points(sp, "k", 3), HPO_EINVAL);
    assert_int_equal(hpo_space_set_grid_points(sp, "zz", 3), HPO_EINVAL);
    /* a new sub-space may reuse names */
    assert_int_equal(hpo_space_add_subspace(sp), 0);
    assert_int_equal(hpo_space_add_subspace(sp), HPO_EINVAL);
    assert_int_equal(hpo_space_add_float(sp, "k", 0.0, 1.0, 0), 0);
    assert_int_equal(hpo_space_param_count(sp), 1);
    assert_int_equal(hpo_space_set_condition(sp, "k", "x ~ 3"), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "condition"));
    hpo_space_destroy(sp);
    hpo_space_destroy(NULL);
}

static void test_conditions_resolve(void **state)
{
    (void)state;
    hpo_space *sp = NULL;
    assert_int_equal(hpo_space_create(&sp), 0);
    hpo_value ks[2] = {S("rbf"), S("poly")};
    assert_int_equal(hpo_space_add_categorical(sp, "kernel", ks, 2), 0);
    assert_int_equal(hpo_space_add_int(sp, "degree", 2, 4, 1, 0), 0);
    assert_int_equal(hpo_space_set_condition(sp, "degree", "kernel == poly"), 0);
    assert_int_equal(hpo__space_resolve(sp), 0);
    const hpo__param *d = hpo__space_find(sp, "degree");
    assert_non_null(d);
    assert_int_equal(d->cond.parent, 0);
    hpo_value poly = S("poly"), rbf = S("rbf");
    assert_true(hpo__cond_holds(&d->cond, &poly));
    assert_false(hpo__cond_holds(&d->cond, &rbf));

    assert_int_equal(hpo_space_set_condition(sp, "degree", "kernel in ['rbf', \"x, y\"]"), 0);
    d = hpo__space_find(sp, "degree");
    assert_int_equal(d->cond.n_values, 2);
    assert_string_equal(d->cond.values[1].u.s, "x, y");
    assert_int_equal(hpo_space_set_condition(sp, "degree", "kernel != 3"), 0);
    d = hpo__space_find(sp, "degree");
    assert_int_equal(d->cond.values[0].type, HPO_VALUE_INT);
    assert_int_equal(d->cond.negate, 1);

    /* unknown parent, cycles */
    assert_int_equal(hpo_space_set_condition(sp, "degree", "nope == 1"), 0);
    assert_int_equal(hpo__space_resolve(sp), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "'degree'"));
    assert_non_null(strstr(hpo_errmsg(), "'nope'"));
    assert_int_equal(hpo_space_set_condition(sp, "degree", "kernel == poly"), 0);
    assert_int_equal(hpo_space_set_condition(sp, "kernel", "degree == 2"), 0);
    assert_int_equal(hpo__space_resolve(sp), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "cycle"));
    hpo_space_destroy(sp);

    /* a float parent is refused */
    assert_int_equal(hpo_space_create(&sp), 0);
    assert_int_equal(hpo_space_add_float(sp, "a", 0.0, 1.0, 0), 0);
    assert_int_equal(hpo_space_add_float(sp, "b", 0.0, 1.0, 0), 0);
    assert_int_equal(hpo_space_set_condition(sp, "b", "a == 1"), 0);
    assert_int_equal(hpo__space_resolve(sp), HPO_EINVAL);
    hpo_space_destroy(sp);
}

/* Collect grid points as JSON strings. */
static char **grid_all(hpo_space *sp, unsigned long long *n)
{
    assert_int_equal(hpo__space_resolve(sp), 0);
    hpo__grid *g = NULL;
    assert_int_equal(hpo__grid_create(sp, &g), 0);
    *n = hpo__grid_size(g);
    char **out = calloc(*n + 1, sizeof *out);
    for (unsigned long long i = 0; i < *n; i++) {
        hpo__params p = HPO__PARAMS_INIT;
        assert_int_equal(hpo__grid_point(g, i, &p), 0);
        assert_int_equal(hpo__params_to_json(&p, &out[i]), 0);
        hpo__params_free(&p);
    }
    hpo__params p = HPO__PARAMS_INIT;
    assert_int_equal(hpo__grid_point(g, *n, &p), HPO_EINVAL);
    hpo__grid_destroy(g);
    return out;
}

static void free_all(char **v, unsigned long long n)
{
    for (unsigned long long i = 0; i < n; i++)
        hpo_free(v[i]);
    free(v);
}

static void test_grid_order(void **state)
{
    (void)state;
    hpo_space *sp = NULL;
    assert_int_equal(hpo_space_create(&sp), 0);
    hpo_value ks[2] = {S("rbf"), S("linear")};
    hpo_value cs[2] = {I(10), I(1)};
    assert_int_equal(hpo_space_add_categorical(sp, "kernel", ks, 2), 0);
    assert_int_equal(hpo_space_add_categorical(sp, "C", cs, 2), 0);
    assert_int_equal(hpo_space_add_subspace(sp), 0);
    hpo_value bs[2] = {B(1), B(0)};
    assert_int_equal(hpo_space_add_categorical(sp, "b", bs, 2), 0);
    assert_int_equal(hpo_space_add_float(sp, "a", 1.0, 100.0, 1), 0);
    assert_int_equal(hpo_space_set_grid_points(sp, "a", 3), 0);
    unsigned long long n = 0;
    assert_int_equal(hpo_space_grid_size(sp, &n), 0);
    assert_int_equal(n, 10);
    char **pts = grid_all(sp, &n);
    /* ParameterGrid([{'kernel':['rbf','linear'],'C':[10,1]}, {'b':[True,False],'a':[1,10,100]}]) */
    const char *want[10] = {
        "{\"kernel\": \"rbf\", \"C\": 10}", "{\"kernel\": \"linear\", \"C\": 10}",
        "{\"kernel\": \"rbf\", \"C\": 1}",  "{\"kernel\": \"linear\", \"C\": 1}",
        "{\"b\": true, \"a\": 1.0}",        "{\"b\": false, \"a\": 1.0}",
        "{\"b\": true, \"a\": 10.0}",       "{\"b\": false, \"a\": 10.0}",
        "{\"b\": true, \"a\": 100.0}",      "{\"b\": false, \"a\": 100.0}",
    };
    for (int i = 0; i < 10; i++)
        assert_string_equal(pts[i], want[i]);
    free_all(pts, n);
    hpo_space_destroy(sp);
}

static void test_grid_float_needs_points(void **state)
{
    (void)state;
    hpo_space *sp = NULL;
    assert_int_equal(hpo_space_create(&sp), 0);
    assert_int_equal(hpo_space_add_int(sp, "n", 1, 10, 3, 0), 0); /* 1 4 7 10 */
    assert_int_equal(hpo_space_add_float(sp, "C", 0.1, 10.0, 1), 0);
    unsigned long long n = 0;
    assert_int_equal(hpo_space_grid_size(sp, &n), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "parameter 'C' is a float range; the grid sampler needs a "
                                      "list of values or grid_points");
    assert_int_equal(hpo_space_set_grid_points(sp, "C", 5), 0);
    assert_int_equal(hpo_space_grid_size(sp, &n), 0);
    assert_int_equal(n, 20);
    hpo_space_destroy(sp);

    /* int grid_points: linspace rounded to the lattice, de-duplicated */
    assert_int_equal(hpo_space_create(&sp), 0);
    assert_int_equal(hpo_space_add_int(sp, "n", 1, 4, 1, 0), 0);
    assert_int_equal(hpo_space_set_grid_points(sp, "n", 7), 0);
    char **pts = grid_all(sp, &n);
    assert_int_equal(n, 4);
    assert_string_equal(pts[0], "{\"n\": 1}");
    assert_string_equal(pts[3], "{\"n\": 4}");
    free_all(pts, n);
    hpo_space_destroy(sp);
}

static void test_grid_conditional(void **state)
{
    (void)state;
    hpo_space *sp = NULL;
    assert_int_equal(hpo_space_create(&sp), 0);
    hpo_value ks[3] = {S("rbf"), S("poly"), S("linear")};
    assert_int_equal(hpo_space_add_categorical(sp, "kernel", ks, 3), 0);
    assert_int_equal(hpo_space_add_int(sp, "degree", 2, 4, 1, 0), 0);
    assert_int_equal(hpo_space_set_condition(sp, "degree", "kernel == poly"), 0);
    hpo_value gs[2] = {F(0.1), F(1.0)};
    assert_int_equal(hpo_space_add_categorical(sp, "gamma", gs, 2), 0);
    assert_int_equal(hpo_space_set_condition(sp, "gamma", "kernel in [rbf, poly]"), 0);
    unsigned long long n = 0;
    /* rbf: 2 gammas; poly: 3 degrees x 2 gammas; linear: 1 */
    assert_int_equal(hpo_space_grid_size(sp, &n), 0);
    assert_int_equal(n, 9);
    char **pts = grid_all(sp, &n);
    assert_int_equal(n, 9);
    /* product order over sorted keys degree, gamma, kernel, kept when each
     * inactive parameter sits at its first value */
    const char *want[9] = {
        "{\"kernel\": \"rbf\", \"gamma\": 0.1}",
        "{\"kernel\": \"poly\", \"degree\": 2, \"gamma\": 0.1}",
        "{\"kernel\": \"linear\"}",
        "{\"kernel\": \"rbf\", \"gamma\": 1.0}",
        "{\"kernel\": \"poly\", \"degree\": 2, \"gamma\": 1.0}",
        "{\"kernel\": \"poly\", \"degree\": 3, \"gamma\": 0.1}",
        "{\"kernel\": \"poly\", \"degree\": 3, \"gamma\": 1.0}",
        "{\"kernel\": \"poly\", \"degree\": 4, \"gamma\": 0.1}",
        "{\"kernel\": \"poly\", \"degree\": 4, \"gamma\": 1.0}",
    };
    for (int i = 0; i < 9; i++)
        assert_string_equal(pts[i], want[i]);
    for (unsigned long long i = 0; i < n; i++)
        for (unsigned long long j = 0; j < i; j++)
            assert_string_not_equal(pts[i], pts[j]);
    free_all(pts, n);
    hpo_space_destroy(sp);
}

static void test_from_unit_and_sample(void **state)
{
    (void)state;
    hpo_space *sp = NULL;
    assert_int_equal(hpo_space_create(&sp), 0);
    assert_int_equal(hpo_space_add_float(sp, "f", -2.0, 3.0, 0), 0);
    assert_int_equal(hpo_space_add_float(sp, "lf", 1e-3, 1e3, 1), 0);
    assert_int_equal(hpo_space_add_int(sp, "i", 32, 512, 32, 0), 0);
    assert_int_equal(hpo_space_add_int(sp, "li", 1, 1000, 1, 1), 0);
    hpo_value ks[3] = {S("a"), S("b"), S("c")};
    assert_int_equal(hpo_space_add_categorical(sp, "k", ks, 3), 0);
    const hpo__subspace *s = &sp->subs[0];
    hpo_value v;
    hpo__param_from_unit(&s->params[0], 0.0, &v);
    assert_true(v.type == HPO_VALUE_FLOAT && v.u.f == -2.0);
    hpo__param_from_unit(&s->params[0], 0.5, &v);
    assert_true(v.u.f == 0.5);
    hpo__param_from_unit(&s->params[1], 0.5, &v);
    assert_true(fabs(v.u.f - 1.0) < 1e-12);
    hpo__param_from_unit(&s->params[1], 1.0, &v);
    assert_true(v.u.f <= 1e3);
    hpo__param_from_unit(&s->params[2], 0.0, &v);
    assert_int_equal(v.u.i, 32);
    hpo__param_from_unit(&s->params[2], 0.999999, &v);
    assert_int_equal(v.u.i, 512);
    hpo__param_from_unit(&s->params[3], 0.999999, &v);
    assert_int_equal(v.u.i, 1000);
    hpo__param_from_unit(&s->params[4], 0.34, &v);
    assert_string_equal(v.u.s, "b");
    hpo__param_from_unit(&s->params[4], 1.0, &v);
    assert_string_equal(v.u.s, "c");

    hpo__rng r;
    hpo__rng_seed(&r, 5, 0);
    for (int t = 0; t < 2000; t++) {
        hpo__param_sample(&s->params[0], &r, &v);
        assert_true(v.u.f >= -2.0 && v.u.f <= 3.0);
        hpo__param_sample(&s->params[1], &r, &v);
        assert_true(v.u.f >= 1e-3 && v.u.f <= 1e3);
        hpo__param_sample(&s->params[2], &r, &v);
        assert_true(v.u.i >= 32 && v.u.i <= 512 && v.u.i % 32 == 0);
        hpo__param_sample(&s->params[3], &r, &v);
        assert_true(v.u.i >= 1 && v.u.i <= 1000);
    }
    hpo_space_destroy(sp);
}

static hpo_space *rich_space(void)
{
    hpo_space *sp = NULL;
    assert_int_equal(hpo_space_create(&sp), 0);
    assert_int_equal(hpo_space_add_float(sp, "C", 0.001, 1000.0, 1), 0);
    assert_int_equal(hpo_space_set_grid_points(sp, "C", 7), 0);
    hpo_value ks[4] = {S("rbf"), I(1), F(2.0), B(1)};
    assert_int_equal(hpo_space_add_categorical(sp, "kernel", ks, 4), 0);
    assert_int_equal(hpo_space_add_int(sp, "degree", 2, 9, 2, 0), 0);
    assert_int_equal(hpo_space_set_condition(sp, "degree", "kernel == \"rbf\""), 0);
    assert_int_equal(hpo_space_add_subspace(sp), 0);
    assert_int_equal(hpo_space_add_float(sp, "x\"y", -1.5, 2.0, 0), 0);
    return sp;
}

static void test_json_round_trip(void **state)
{
    (void)state;
    hpo_space *sp = rich_space();
    char *j1 = NULL, *j2 = NULL, *diff = NULL;
    assert_int_equal(hpo_space_to_json(sp, &j1), 0);
    hpo_space *back = NULL;
    assert_int_equal(hpo__space_from_json(j1, &back), 0);
    assert_int_equal(hpo_space_to_json(back, &j2), 0);
    assert_string_equal(j1, j2);
    assert_non_null(strstr(j1, "\"choices\":[\"rbf\",1,2.0,true]"));
    assert_non_null(strstr(j1, "\"high\":1000.0"));
    assert_int_equal(hpo__space_diff(sp, back, &diff), 0);
    assert_string_equal(diff, "");
    hpo_free(diff);
    hpo_space *cp = NULL;
    assert_int_equal(hpo__space_copy(back, &cp), 0);
    hpo_free(j2);
    assert_int_equal(hpo_space_to_json(cp, &j2), 0);
    assert_string_equal(j1, j2);
    hpo_free(j1);
    hpo_free(j2);
    hpo_space_destroy(cp);
    hpo_space_destroy(back);
    hpo_space_destroy(sp);

    /* malformed inputs */
    const char *bad[] = {"",
                         "[]",
                         "{\"subspaces\":[]}",
                         "{\"subspaces\":[[{\"name\":\"a\"}]]}",
                         "{\"subspaces\":[[{\"name\":\"a\",\"type\":\"float\",\"low\":2,"
                         "\"high\":1}]]}",
                         "{\"subspaces\":[[{\"name\":\"a\",\"type\":\"int\",\"low\":1,"
                         "\"hgh\":1}]]}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hpo_space *x = NULL;
        assert_int_equal(hpo__space_from_json(bad[i], &x), HPO_EINVAL);
        assert_null(x);
        assert_true(hpo_errmsg()[0] != '\0');
    }
}

static void test_diff(void **state)
{
    (void)state;
    hpo_space *a = NULL, *b = NULL;
    assert_int_equal(hpo_space_create(&a), 0);
    assert_int_equal(hpo_space_create(&b), 0);
    assert_int_equal(hpo_space_add_float(a, "C", 0.1, 10.0, 1), 0);
    assert_int_equal(hpo_space_add_float(b, "C", 0.1, 100.0, 1), 0);
    assert_int_equal(hpo_space_add_int(a, "n", 1, 5, 1, 0), 0);
    assert_int_equal(hpo_space_add_float(b, "dropout", 0.0, 0.5, 0), 0);
    char *d = NULL;
    assert_int_equal(hpo__space_diff(a, b, &d), 0);
    assert_string_equal(d, "    - C: float [0.1, 10] log\n"
                           "    + C: float [0.1, 100] log\n"
                           "    - n: int [1, 5]\n"
                           "    + dropout: float [0, 0.5]\n");
    hpo_free(d);
    hpo_space_destroy(a);
    hpo_space_destroy(b);
}

static void test_oom(void **state)
{
    (void)state;
    /* every allocation failure becomes HPO_ENOMEM and leaks nothing */
    for (long k = 0; k < 200; k++) {
        hpo__alloc_fail_after(k);
        hpo_space *sp = NULL;
        int rc = hpo_space_create(&sp);
        hpo_value ks[2] = {S("a"), S("b")};
        if (!rc)
            rc = hpo_space_add_categorical(sp, "k", ks, 2);
        if (!rc)
            rc = hpo_space_add_int(sp, "n", 1, 4, 1, 0);
        if (!rc)
            rc = hpo_space_set_condition(sp, "n", "k == a");
        hpo_space *cp = NULL;
        if (!rc)
            rc = hpo__space_copy(sp, &cp);
        char *j = NULL;
        if (!rc)
            rc = hpo_space_to_json(cp, &j);
        unsigned long long n;
        if (!rc)
            rc = hpo_space_grid_size(cp, &n);
        hpo__alloc_fail_after(-1);
        assert_true(rc == 0 || rc == HPO_ENOMEM);
        hpo_free(j);
        hpo_space_destroy(cp);
        hpo_space_destroy(sp);
        if (rc == 0) {
            assert_int_equal(n, 5);
            break;
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_conditions_resolve),
        cmocka_unit_test(test_grid_order),
        cmocka_unit_test(test_grid_float_needs_points),
        cmocka_unit_test(test_grid_conditional),
        cmocka_unit_test(test_from_unit_and_sample),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_diff),
        cmocka_unit_test(test_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
