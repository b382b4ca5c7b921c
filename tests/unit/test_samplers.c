/*
 * test_samplers.c -- the registry and the three stateless samplers: grid
 * order and end, random without replacement covering an all-list grid once,
 * random with replacement within bounds, determinism per seed, qmc options,
 * stratification of qmc proposals, lhs needs n_trials.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/space.h"
#include "samplers/sampler.h"

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

static hpo_space *list_space(void)
{
    hpo_space *sp = NULL;
    assert_int_equal(hpo_space_create(&sp), 0);
    hpo_value a[3] = {S("x"), S("y"), S("z")};
    hpo_value b[4] = {I(1), I(2), I(3), I(4)};
    assert_int_equal(hpo_space_add_categorical(sp, "a", a, 3), 0);
    assert_int_equal(hpo_space_add_categorical(sp, "b", b, 4), 0);
    assert_int_equal(hpo_space_add_subspace(sp), 0);
    assert_int_equal(hpo_space_add_categorical(sp, "c", b, 4), 0);
    assert_int_equal(hpo__space_resolve(sp), 0);
    return sp;
}

static hpo_space *mixed_space(void)
{
    hpo_space *sp = NULL;
    assert_int_equal(hpo_space_create(&sp), 0);
    assert_int_equal(hpo_space_add_float(sp, "lr", 1e-4, 1e-1, 1), 0);
    assert_int_equal(hpo_space_add_int(sp, "units", 32, 512, 32, 0), 0);
    hpo_value k[2] = {S("rbf"), S("poly")};
    assert_int_equal(hpo_space_add_categorical(sp, "kernel", k, 2), 0);
    assert_int_equal(hpo_space_add_int(sp, "degree", 2, 5, 1, 0), 0);
    assert_int_equal(hpo_space_set_condition(sp, "degree", "kernel == poly"), 0);
    assert_int_equal(hpo__space_resolve(sp), 0);
    return sp;
}

static hpo__sampler *make(const char *name, const hpo_space *sp, uint64_t seed, long long n_trials,
                          const hpo_kv *opts, size_t n_opts)
{
    const hpo__sampler_ops *ops = hpo__sampler_find(name);
    assert_non_null(ops);
    hpo__sampler_config cfg = {
        .space = sp, .seed = seed, .n_trials = n_trials, .options = opts, .n_options = n_opts};
    hpo__sampler *s = NULL;
    int rc = ops->create(&s, &cfg);
    if (rc)
        fail_msg("create %s: %s", name, hpo_errmsg());
    return s;
}

static char *propose_json(const char *name, hpo__sampler *s, long long seq)
{
    const hpo__sampler_ops *ops = hpo__sampler_find(name);
    hpo__params p = HPO__PARAMS_INIT;
    int rc = ops->propose(s, seq, NULL, &p);
    if (rc)
        fail_msg("propose %s %lld: %s", name, seq, hpo_errmsg());
    char *j = NULL;
    assert_int_equal(hpo__params_to_json(&p, &j), 0);
    hpo__params_free(&p);
    return j;
}

static void test_registry(void **state)
{
    (void)state;
    const char *const *names = hpo__sampler_names();
    assert_string_equal(names[0], "grid");
    assert_string_equal(names[1], "random");
    assert_string_equal(names[2], "qmc");
    assert_string_equal(names[3], "gp");
    assert_string_equal(names[4], "rf");
    assert_string_equal(names[5], "et");
    assert_string_equal(names[6], "gbrt");
    assert_string_equal(names[7], "tpe");
    assert_null(names[8]);
    assert_null(hpo__sampler_find("gird"));
    assert_string_equal(hpo_errmsg(), "unknown sampler 'gird' (did you mean 'grid'?)");
    assert_null(hpo__sampler_find("zzzzzzzzz"));
    const hpo__sampler_ops *q = hpo__sampler_find("qmc");
    hpo_kv bad[1] = {{"metod", "sobol"}};
    hpo__sampler_config cfg = {.options = bad, .n_options = 1};
    assert_int_equal(hpo__sampler_check_options(q, &cfg), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "did you mean 'method'"));
    hpo_kv good[2] = {{"method", "halton"}, {"scramble", "false"}};
    cfg.options = good;
    cfg.n_options = 2;
    assert_int_equal(hpo__sampler_check_options(q, &cfg), 0);
    assert_string_equal(hpo__sampler_option(&cfg, "scramble"), "false");
    assert_null(hpo__sampler_option(&cfg, "x"));
    assert_int_equal(hpo__sampler_check_options(hpo__sampler_find("grid"), &cfg), HPO_EINVAL);
}

static void test_grid_sampler(void **state)
{
    (void)state;
    hpo_space *sp = list_space();
    hpo__sampler *s = make("grid", sp, 0, 0, NULL, 0);
    const hpo__sampler_ops *ops = hpo__sampler_find("grid");
    assert_int_equal(ops->capacity(s), 16);
    char *j = propose_json("grid", s, 0);
    assert_string_equal(j, "{\"a\": \"x\", \"b\": 1}");
    hpo_free(j);
    j = propose_json("grid", s, 1);
    assert_string_equal(j, "{\"a\": \"x\", \"b\": 2}");
    hpo_free(j);
    j = propose_json("grid", s, 12);
    assert_string_equal(j, "{\"c\": 1}");
    hpo_free(j);
    hpo__params p = HPO__PARAMS_INIT;
    assert_int_equal(ops->propose(s, 16, NULL, &p), HPO_EDONE);
    ops->destroy(s);
    ops->destroy(NULL);

    /* a float range without grid points is refused, naming it */
    hpo_space *m = mixed_space();
    hpo__sampler_config cfg = {.space = m};
    assert_int_equal(ops->create(&s, &cfg), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "'lr'"));
    hpo_space_destroy(m);
    hpo_space_destroy(sp);
}

static void test_random_without_replacement(void **state)
{
    (void)state;
    hpo_space *sp = list_space();
    const hpo__sampler_ops *ops = hpo__sampler_find("random");
    hpo__sampler *s = make("random", sp, 3, 0, NULL, 0);
    hpo__sampler *g = make("grid", sp, 3, 0, NULL, 0);
    assert_int_equal(ops->capacity(s), 16);
    char *grid[16], *seen[16];
    for (int i = 0; i < 16; i++) {
        grid[i] = propose_json("grid", g, i);
        seen[i] = propose_json("random", s, i);
    }
    int in_order = 1;
    for (int i = 0; i < 16; i++) {
        int found = 0;
        for (int k = 0; k < 16; k++)
            found += strcmp(seen[i], grid[k]) == 0;
        assert_int_equal(found, 1);
        for (int k = 0; k < i; k++)
            assert_string_not_equal(seen[i], seen[k]);
        in_order &= strcmp(seen[i], grid[i]) == 0;
    }
    assert_false(in_order);
    hpo__params p = HPO__PARAMS_INIT;
    assert_int_equal(ops->propose(s, 16, NULL, &p), HPO_EDONE);
    for (int i = 0; i < 16; i++) {
        hpo_free(grid[i]);
        hpo_free(seen[i]);
    }
    ops->destroy(s);
    hpo__sampler_find("grid")->destroy(g);
    hpo_space_destroy(sp);
}

static void test_random_with_replacement(void **state)
{
    (void)state;
    hpo_space *sp = mixed_space();
    const hpo__sampler_ops *ops = hpo__sampler_find("random");
    hpo__sampler *a = make("random", sp, 11, 0, NULL, 0);
    hpo__sampler *b = make("random", sp, 11, 0, NULL, 0);
    hpo__sampler *c = make("random", sp, 12, 0, NULL, 0);
    assert_int_equal(ops->capacity(a), -1);
    int differ = 0, poly = 0;
    for (long long i = 0; i < 200; i++) {
        /* out of order on purpose: proposals depend on (seed, seq) only */
        long long seq = (i * 37) % 200;
        char *x = propose_json("random", a, seq), *y = propose_json("random", b, seq);
        char *z = propose_json("random", c, seq);
        assert_string_equal(x, y);
        differ += strcmp(x, z) != 0;
        hpo_free(x);
        hpo_free(y);
        hpo_free(z);
        hpo__params p = HPO__PARAMS_INIT;
        assert_int_equal(ops->propose(a, seq, NULL, &p), 0);
        long lr = hpo__params_find(&p, "lr"), u = hpo__params_find(&p, "units");
        long k = hpo__params_find(&p, "kernel"), d = hpo__params_find(&p, "degree");
        assert_true(lr >= 0 && u >= 0 && k >= 0);
        assert_true(p.values[lr].u.f >= 1e-4 && p.values[lr].u.f <= 1e-1);
        assert_true(p.values[u].u.i % 32 == 0 && p.values[u].u.i >= 32 && p.values[u].u.i <= 512);
        int is_poly = strcmp(p.values[k].u.s, "poly") == 0;
        poly += is_poly;
        assert_int_equal(d >= 0, is_poly);
        hpo__params_free(&p);
    }
    assert_true(differ > 190);
    assert_true(poly > 60 && poly < 140);
    ops->destroy(a);
    ops->destroy(b);
    ops->destroy(c);
    hpo_space_destroy(sp);
}

static void test_qmc_sampler(void **state)
{
    (void)state;
    hpo_space *sp = NULL;
    assert_int_equal(hpo_space_create(&sp), 0);
    assert_int_equal(hpo_space_add_float(sp, "x", 0.0, 1.0, 0), 0);
    assert_int_equal(hpo_space_add_int(sp, "n", 0, 15, 1, 0), 0);
    assert_int_equal(hpo__space_resolve(sp), 0);
    const hpo__sampler_ops *ops = hpo__sampler_find("qmc");
    const char *methods[3] = {"sobol", "halton", "lhs"};
    for (int m = 0; m < 3; m++) {
        for (int sc = 0; sc < 2; sc++) {
            hpo_kv o[2] = {{"method", methods[m]}, {"scramble", sc ? "true" : "false"}};
            hpo__sampler *s = make("qmc", sp, 5, 16, o, 2);
            assert_int_equal(ops->capacity(s), m == 2 ? 16 : -1);
            /* 16 points over an int with 16 values: every value once (sobol, lhs) */
            int seen[16] = {0};
            for (long long i = 0; i < 16; i++) {
                hpo__params p = HPO__PARAMS_INIT;
                assert_int_equal(ops->propose(s, i, NULL, &p), 0);
                long n = hpo__params_find(&p, "n");
                long x = hpo__params_find(&p, "x");
                assert_true(p.values[x].u.f >= 0.0 && p.values[x].u.f <= 1.0);
                seen[p.values[n].u.i]++;
                hpo__params_free(&p);
            }
            if (m != 1)
                for (int v = 0; v < 16; v++)
                    assert_int_equal(seen[v], 1);
            ops->destroy(s);
        }
    }
    hpo__sampler *s = NULL;
    hpo_kv lhs[1] = {{"method", "lhs"}};
    hpo__sampler_config cfg = {.space = sp, .options = lhs, .n_options = 1};
    assert_int_equal(ops->create(&s, &cfg), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "the lhs design needs n_trials");
    hpo_kv bad[1] = {{"method", "sobl"}};
    cfg.options = bad;
    assert_int_equal(ops->create(&s, &cfg), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "did you mean 'sobol'"));
    hpo_kv bads[1] = {{"scramble", "maybe"}};
    cfg.options = bads;
    assert_int_equal(ops->create(&s, &cfg), HPO_EINVAL);
    hpo_space_destroy(sp);

    /* several sub-spaces: the first coordinate picks one */
    sp = list_space();
    s = make("qmc", sp, 1, 0, NULL, 0);
    int sub2 = 0;
    for (long long i = 0; i < 64; i++) {
        hpo__params p = HPO__PARAMS_INIT;
        assert_int_equal(ops->propose(s, i, NULL, &p), 0);
        sub2 += hpo__params_find(&p, "c") >= 0;
        hpo__params_free(&p);
    }
    assert_int_equal(sub2, 32);
    ops->destroy(s);
    hpo_space_destroy(sp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_grid_sampler),
        cmocka_unit_test(test_random_without_replacement),
        cmocka_unit_test(test_random_with_replacement),
        cmocka_unit_test(test_qmc_sampler),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
