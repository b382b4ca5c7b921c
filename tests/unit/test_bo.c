/*
 * test_bo.c -- the model-based samplers (gp, rf, et, gbrt) through the study:
 * the unit-cube encoding, options and their errors, reproducibility, the
 * statistical advantage over random search on Branin, distinct proposals for
 * pending trials and concurrent workers, failed trials, every acquisition,
 * initial design and surrogate, and BOHB with Hyperband.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/encode.h"
#include "core/space.h"
#include "hpo.h"
#include "samplers/sampler.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S(x)                                                                                       \
    {                                                                                              \
        .type = HPO_VALUE_STRING, .u.s = (x)                                                       \
    }

static hpo_space *mixed_space(void)
{
    hpo_space *sp = NULL;
    assert_int_equal(hpo_space_create(&sp), 0);
    assert_int_equal(hpo_space_add_float(sp, "lr", 1e-4, 1e-1, 1), 0);
    assert_int_equal(hpo_space_add_float(sp, "dropout", 0.0, 0.5, 0), 0);
    assert_int_equal(hpo_space_add_int(sp, "units", 32, 512, 32, 0), 0);
    assert_int_equal(hpo_space_add_int(sp, "trees", 1, 1000, 1, 1), 0);
    hpo_value k[3] = {S("rbf"), S("poly"), S("linear")};
    assert_int_equal(hpo_space_add_categorical(sp, "kernel", k, 3), 0);
    assert_int_equal(hpo_space_add_int(sp, "degree", 2, 5, 1, 0), 0);
    assert_int_equal(hpo_space_set_condition(sp, "degree", "kernel == poly"), 0);
    assert_int_equal(hpo__space_resolve(sp), 0);
    return sp;
}

static hpo_space *branin_space(void)
{
    hpo_space *sp = NULL;
    assert_int_equal(hpo_space_create(&sp), 0);
    assert_int_equal(hpo_space_add_float(sp, "x", -5.0, 10.0, 0), 0);
    assert_int_equal(hpo_space_add_float(sp, "y", 0.0, 15.0, 0), 0);
    return sp;
}

/* ---------------------------------------------------------------- encoding */

static void test_encode_roundtrip(void **state)
{
    (void)state;
    hpo_space *sp = mixed_space();
    hpo__encoder e;
    assert_int_equal(hpo__encoder_init(&e, sp, "test"), 0);
    assert_int_equal(e.d, 6);
    assert_true(e.categorical[4] && !e.categorical[0]);
    assert_int_equal(e.levels[2], 16); /* 32..512 step 32 */
    assert_int_equal(e.levels[4], 3);
    double u[6], w[6];
    for (int i = 0; i < 2000; i++) {
        for (int j = 0; j < 6; j++)
            u[j] = (double)((i * 7919 + j * 104729) % 1000) / 999.0;
        u[4] = (double)(i % 3);
        hpo__params p = HPO__PARAMS_INIT, q = HPO__PARAMS_INIT;
        assert_int_equal(hpo__decode(&e, u, &p), 0);
        /* conditions: degree only with poly */
        assert_int_equal(hpo__params_find(&p, "degree") >= 0, i % 3 == 1);
        assert_int_equal(hpo__encode(&e, &p, w), 0);
        assert_int_equal(hpo__decode(&e, w, &q), 0);
        assert_true(hpo__params_equal(&p, &q));
        /* ints at cell centres; inactive at 0.5 */
        double cell = w[2] * 16 - 0.5;
        assert_true(fabs(cell - floor(cell + 0.5)) < 1e-9);
        if (i % 3 != 1)
            assert_true(w[5] == 0.5);
        double snap[6];
        memcpy(snap, u, sizeof u);
        assert_int_equal(hpo__encode_snap(&e, snap), 0);
        for (int j = 0; j < 6; j++)
            assert_true(fabs(snap[j] - w[j]) < 1e-12);
        hpo__params_free(&p);
        hpo__params_free(&q);
    }
    /* a value not of the space */
    hpo__params bad = HPO__PARAMS_INIT;
    hpo_value v = S("sigmoid");
    assert_int_equal(hpo__params_add(&bad, "kernel", &v), 0);
    assert_int_equal(hpo__encode(&e, &bad, w), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "kernel"));
    hpo__params_free(&bad);
    hpo__encoder_free(&e);
    /* a list of spaces is refused */
    assert_int_equal(hpo_space_add_subspace(sp), 0);
    assert_int_equal(hpo_space_add_float(sp, "z", 0, 1, 0), 0);
    assert_int_equal(hpo__space_resolve(sp), 0);
    assert_int_equal(hpo__encoder_init(&e, sp, "sampler gp"), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "list of spaces"));
    hpo_space_destroy(sp);
}

/* ---------------------------------------------------------------- studies */

static double branin(double x, double y)
{
    const double a = 1, b = 5.1 / (4 * M_PI * M_PI), c = 5 / M_PI, r = 6, s = 10,
                 t = 1 / (8 * M_PI);
    double q = y - b * x * x + c * x - r;
    return a * q * q + s * (1 - t) * cos(x) + s;
}

static int branin_obj(hpo_trial *t, double *value, void *payload)
{
    (void)payload;
    double x, y;
    if (hpo_trial_get_float(t, "x", &x) || hpo_trial_get_float(t, "y", &y))
        return HPO_EINVAL;
    *value = branin(x, y);
    return 0;
}

static hpo_study *open_study(const char *sampler, const hpo_space *sp, uint64_t seed,
                             const hpo_kv *opts, size_t n_opts, long long n_trials)
{
    hpo_study_options o = HPO_STUDY_OPTIONS_INIT;
    o.name = "bo";
    o.sampler = sampler;
    o.sampler_options = opts;
    o.n_sampler_options = n_opts;
    o.seed = seed;
    o.n_trials = n_trials;
    hpo_study *s = NULL;
    int rc = hpo_study_open(&s, &o, sp);
    if (rc)
        fail_msg("open %s: %s", sampler, hpo_errmsg());
    return s;
}

static double best_value(hpo_study *s)
{
    hpo_trial *t = NULL;
    assert_int_equal(hpo_study_best_trial(s, &t), 0);
    double v = hpo_trial_value(t);
    hpo_trial_destroy(t);
    return v;
}

static double run_branin(const char *sampler, uint64_t seed, long long n, const hpo_kv *opts,
                         size_t n_opts)
{
    hpo_space *sp = branin_space();
    hpo_study *s = open_study(sampler, sp, seed, opts, n_opts, n);
    hpo_optimize_options oo = HPO_OPTIMIZE_OPTIONS_INIT;
    assert_int_equal(hpo_study_optimize(s, branin_obj, NULL, &oo), 0);
    double v = best_value(s);
    hpo_study_close(s);
    hpo_space_destroy(sp);
    return v;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The GP sampler finds Branin's minimum (0.397887) far faster than random
 * search: over 20 seeds at 25 evaluations it beats random search on at least
 * 16 (a sign test: p < 0.006 under "no better") and its median is within 0.1
 * of the optimum, where random search's median is above 1. */
static void test_gp_beats_random_on_branin(void **state)
{
    (void)state;
    double gp[20], rnd[20];
    int wins = 0;
    for (int seed = 0; seed < 20; seed++) {
        gp[seed] = run_branin("gp", (uint64_t)seed + 1, 25, NULL, 0);
        rnd[seed] = run_branin("random", (uint64_t)seed + 1, 25, NULL, 0);
        wins += gp[seed] < rnd[seed];
    }
    qsort(gp, 20, sizeof gp[0], cmp_double);
    qsort(rnd, 20, sizeof rnd[0], cmp_double);
    double med_gp = 0.5 * (gp[9] + gp[10]), med_rnd = 0.5 * (rnd[9] + rnd[10]);
    print_message("branin, 25 evaluations: gp median %.4f, random median %.4f, gp wins %d/20\n",
                  med_gp, med_rnd, wins);
    assert_true(wins >= 16);
    assert_true(med_gp < 0.397887 + 0.1);
    assert_true(med_rnd > 1.0);
}

static int scaled_obj(hpo_trial *t, double *value, void *payload)
{
    int rc = branin_obj(t, value, NULL);
    *value *= *(const double *)payload;
    return rc;
}

/* Huge and tiny objective values: the model standardizes them, so the study
 * proposes what it proposes on the unscaled function. A constant objective
 * runs to the end on the design. */
static void test_scale_invariant(void **state)
{
    (void)state;
    static const double scales[] = {1.0, 1e15, 1e-15, 0.0};
    char *first = NULL;
    for (int k = 0; k < 4; k++) {
        hpo_space *sp = branin_space();
        hpo_study *s = open_study("gp", sp, 13, NULL, 0, 15);
        hpo_optimize_options oo = HPO_OPTIMIZE_OPTIONS_INIT;
        assert_int_equal(hpo_study_optimize(s, scaled_obj, (void *)(uintptr_t)&scales[k], &oo), 0);
        hpo_trial **ts = NULL;
        size_t n = 0;
        assert_int_equal(hpo_study_trials(s, &ts, &n), 0);
        assert_int_equal(n, 15);
        char *last = NULL;
        assert_int_equal(hpo_trial_params_json(ts[n - 1], &last), 0);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(hpo_trial_get_state(ts[i]), HPO_TRIAL_COMPLETE);
        hpo_trial_list_free(ts, n);
        if (k == 0)
            first = last;
        else if (k < 3) {
            assert_string_equal(first, last);
            hpo_free(last);
        } else {
            hpo_free(last);
        }
        hpo_study_close(s);
        hpo_space_destroy(sp);
    }
    hpo_free(first);
}

/* Same seed, same proposals; another seed, others. */
static void test_reproducible(void **state)
{
    (void)state;
    double a = run_branin("gp", 7, 12, NULL, 0);
    double b = run_branin("gp", 7, 12, NULL, 0);
    double c = run_branin("gp", 8, 12, NULL, 0);
    assert_true(a == b);
    assert_true(a != c);
}

/* Pending trials are fantasies: asking 4 times without telling gives 4
 * distinct proposals, each away from the others. */
static void test_pending_distinct(void **state)
{
    (void)state;
    hpo_space *sp = branin_space();
    hpo_study *s = open_study("gp", sp, 3, NULL, 0, 0);
    for (int i = 0; i < 8; i++) {
        hpo_trial *t = NULL;
        assert_int_equal(hpo_study_ask(s, &t), 0);
        double v = 0;
        assert_int_equal(branin_obj(t, &v, NULL), 0);
        assert_int_equal(hpo_trial_tell(t, v), 0);
        hpo_trial_destroy(t);
    }
    hpo_trial *t[4];
    double x[4], y[4];
    for (int i = 0; i < 4; i++) {
        assert_int_equal(hpo_study_ask(s, &t[i]), 0);
        assert_int_equal(hpo_trial_get_float(t[i], "x", &x[i]), 0);
        assert_int_equal(hpo_trial_get_float(t[i], "y", &y[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < i; j++)
            assert_true(hypot((x[i] - x[j]) / 15, (y[i] - y[j]) / 15) > 1e-3);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(hpo_trial_tell(t[i], branin(x[i], y[i])), 0);
        hpo_trial_destroy(t[i]);
    }
    hpo_study_close(s);
    hpo_space_destroy(sp);
}

/* 4 worker threads on one study: no two trials share a configuration. */
static void test_workers_distinct(void **state)
{
    (void)state;
    hpo_space *sp = branin_space();
    hpo_study *s = open_study("gp", sp, 5, NULL, 0, 24);
    hpo_optimize_options oo = HPO_OPTIMIZE_OPTIONS_INIT;
    oo.n_workers = 4;
    assert_int_equal(hpo_study_optimize(s, branin_obj, NULL, &oo), 0);
    hpo_trial **ts = NULL;
    size_t n = 0;
    assert_int_equal(hpo_study_trials(s, &ts, &n), 0);
    assert_int_equal(n, 24);
    for (size_t i = 0; i < n; i++) {
        char *pi = NULL;
        assert_int_equal(hpo_trial_params_json(ts[i], &pi), 0);
        for (size_t j = 0; j < i; j++) {
            char *pj = NULL;
            assert_int_equal(hpo_trial_params_json(ts[j], &pj), 0);
            assert_string_not_equal(pi, pj);
            hpo_free(pj);
        }
        hpo_free(pi);
    }
    hpo_trial_list_free(ts, n);
    hpo_study_close(s);
    hpo_space_destroy(sp);
}

/* A discrete space of 12 configurations: 12 trials are 12 distinct ones, and
 * a 13th is not proposed (n_trials 20). */
static void test_discrete_never_repeats(void **state)
{
    (void)state;
    const char *samplers[] = {"gp", "rf", "et", "gbrt"};
    for (int k = 0; k < 4; k++) {
        hpo_space *sp = NULL;
        assert_int_equal(hpo_space_create(&sp), 0);
        assert_int_equal(hpo_space_add_int(sp, "a", 1, 4, 1, 0), 0);
        hpo_value c[3] = {S("x"), S("y"), S("z")};
        assert_int_equal(hpo_space_add_categorical(sp, "b", c, 3), 0);
        hpo_study *s = open_study(samplers[k], sp, 11, NULL, 0, 20);
        char *seen[12];
        for (int i = 0; i < 12; i++) {
            hpo_trial *t = NULL;
            assert_int_equal(hpo_study_ask(s, &t), 0);
            assert_int_equal(hpo_trial_params_json(t, &seen[i]), 0);
            for (int j = 0; j < i; j++)
                assert_string_not_equal(seen[i], seen[j]);
            long long a = 0;
            const char *b = NULL;
            assert_int_equal(hpo_trial_get_int(t, "a", &a), 0);
            assert_int_equal(hpo_trial_get_string(t, "b", &b), 0);
            assert_int_equal(hpo_trial_tell(t, (double)((a - 3) * (a - 3)) + (b[0] == 'y')), 0);
            hpo_trial_destroy(t);
        }
        /* the space is exhausted: the study ends instead of repeating */
        hpo_trial *t = NULL;
        assert_int_equal(hpo_study_ask(s, &t), HPO_EDONE);
        for (int i = 0; i < 12; i++)
            hpo_free(seen[i]);
        hpo_study_close(s);
        hpo_space_destroy(sp);
    }
}

static int half_fails(hpo_trial *t, double *value, void *payload)
{
    (void)payload;
    double x, y;
    if (hpo_trial_get_float(t, "x", &x) || hpo_trial_get_float(t, "y", &y))
        return HPO_EINVAL;
    if (x > 2.5)
        return HPO_EOBJECTIVE; /* crashes in half the space */
    *value = branin(x, y);
    return 0;
}

/* Failed trials are imputed at the worst value: the study goes on, and the
 * model learns to avoid the failing half. */
static void test_failures_avoided(void **state)
{
    (void)state;
    hpo_space *sp = branin_space();
    hpo_study *s = open_study("gp", sp, 9, NULL, 0, 30);
    hpo_optimize_options oo = HPO_OPTIMIZE_OPTIONS_INIT;
    assert_int_equal(hpo_study_optimize(s, half_fails, NULL, &oo), 0);
    hpo_trial **ts = NULL;
    size_t n = 0;
    assert_int_equal(hpo_study_trials(s, &ts, &n), 0);
    assert_int_equal(n, 30);
    int failed_late = 0;
    for (size_t i = 0; i < n; i++) {
        if (i >= 15 && hpo_trial_get_state(ts[i]) == HPO_TRIAL_FAILED)
            failed_late++;
    }
    hpo_trial_list_free(ts, n);
    /* random search would fail half of the last 15 */
    assert_true(failed_late <= 4);
    hpo_study_close(s);
    hpo_space_destroy(sp);
}

/* Every acquisition, optimizer, design, kernel and surrogate runs a study on
 * the mixed space (with conditions) and proposes valid configurations. */
static int mixed_obj(hpo_trial *t, double *value, void *payload)
{
    (void)payload;
    double lr, dr;
    long long units, trees;
    const char *kernel;
    if (hpo_trial_get_float(t, "lr", &lr) || hpo_trial_get_float(t, "dropout", &dr) ||
        hpo_trial_get_int(t, "units", &units) || hpo_trial_get_int(t, "trees", &trees) ||
        hpo_trial_get_string(t, "kernel", &kernel))
        return HPO_EINVAL;
    if (units % 32 != 0 || units < 32 || units > 512 || trees < 1 || trees > 1000)
        return HPO_EINVAL;
    long long degree = 0;
    int has_degree = hpo_trial_get_int(t, "degree", &degree) == 0;
    if (has_degree != !strcmp(kernel, "poly"))
        return HPO_EINVAL;
    *value = pow(log10(lr) + 2.5, 2) + dr + fabs((double)units - 256) / 256 +
             fabs(log((double)trees) - 4) + (strcmp(kernel, "rbf") != 0) + 0.1 * (double)degree;
    return 0;
}

static void run_mixed(const char *sampler, const char *key, const char *value, int want_rc)
{
    hpo_space *sp = mixed_space();
    hpo_kv kv[2] = {{"n_initial_points", "4"}, {key, value}};
    hpo_study_options o = HPO_STUDY_OPTIONS_INIT;
    o.name = "mixed";
    o.sampler = sampler;
    o.sampler_options = kv;
    o.n_sampler_options = key ? 2 : 1;
    o.seed = 4;
    o.n_trials = 10;
    o.direction = HPO_MINIMIZE;
    hpo_study *s = NULL;
    int rc = hpo_study_open(&s, &o, sp);
    if (want_rc) {
        assert_int_equal(rc, want_rc);
        hpo_space_destroy(sp);
        return;
    }
    if (rc)
        fail_msg("%s %s=%s: %s", sampler, key ? key : "", value ? value : "", hpo_errmsg());
    hpo_optimize_options oo = HPO_OPTIMIZE_OPTIONS_INIT;
    rc = hpo_study_optimize(s, mixed_obj, NULL, &oo);
    if (rc)
        fail_msg("%s %s=%s: %s", sampler, key ? key : "", value ? value : "", hpo_errmsg());
    long long counts[4] = {0};
    hpo_trial **ts = NULL;
    size_t n = 0;
    assert_int_equal(hpo_study_trials(s, &ts, &n), 0);
    for (size_t i = 0; i < n; i++) {
        counts[hpo_trial_get_state(ts[i])]++;
    }
    hpo_trial_list_free(ts, n);
    assert_int_equal(n, 10);
    assert_int_equal(counts[HPO_TRIAL_COMPLETE], 10); /* every proposal valid */
    hpo_study_close(s);
    hpo_space_destroy(sp);
}

static void test_every_option(void **state)
{
    (void)state;
    static const char *const acq[] = {"EI", "PI", "LCB", "gp_hedge", "EIps", "PIps", "LogEI"};
    for (size_t i = 0; i < sizeof acq / sizeof acq[0]; i++)
        run_mixed("gp", "acq_func", acq[i], 0);
    static const char *const gen[] = {"random", "sobol", "halton", "hammersly", "lhs", "grid"};
    for (size_t i = 0; i < sizeof gen / sizeof gen[0]; i++)
        run_mixed("gp", "initial_point_generator", gen[i], 0);
    static const char *const kern[] = {"matern52", "matern32", "matern12", "rbf"};
    for (size_t i = 0; i < sizeof kern / sizeof kern[0]; i++)
        run_mixed("gp", "kernel", kern[i], 0);
    run_mixed("gp", "acq_optimizer", "sampling", 0);
    run_mixed("gp", "acq_optimizer", "lbfgs", 0);
    run_mixed("gp", "strategy", "cl_max", 0);
    run_mixed("gp", "gp_hyper", "ml", 0);
    run_mixed("gp", "output_transform", "standardize", 0);
    run_mixed("gp", "output_transform", "log", 0);
    run_mixed("gp", "deterministic", "true", 0);
    run_mixed("gp", "noise", "0.01", 0);
    run_mixed("gp", "beta", "2.6", 0);
    run_mixed("gp", "base_estimator", "ET", 0);
    run_mixed("rf", NULL, NULL, 0);
    run_mixed("et", NULL, NULL, 0);
    run_mixed("gbrt", NULL, NULL, 0);
    run_mixed("rf", "acq_func", "LCB", 0);
}

static void test_bad_options(void **state)
{
    (void)state;
    run_mixed("gp", "acq_fnuc", "EI", HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "did you mean 'acq_func'"));
    run_mixed("gp", "acq_func", "EII", HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "did you mean 'EI'"));
    run_mixed("rf", "acq_optimizer", "lbfgs", HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "lbfgs"));
    run_mixed("et", "acq_func", "gp_hedge", HPO_EINVAL);
    run_mixed("gp", "n_initial_points", "0", HPO_EINVAL);
    run_mixed("gp", "xi", "abc", HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "xi"));
    run_mixed("gp", "noise", "-1", HPO_EINVAL);
    run_mixed("gp", "random_interleave", "2", HPO_EINVAL);
}

/* BOHB: a gp sampler under Hyperband models the largest budget with enough
 * observations; the schedule runs to its end. */
static int budget_obj(hpo_trial *t, double *value, void *payload)
{
    (void)payload;
    double x, y;
    if (hpo_trial_get_float(t, "x", &x) || hpo_trial_get_float(t, "y", &y))
        return HPO_EINVAL;
    double b = hpo_trial_budget(t);
    *value = branin(x, y) * (1 + 1 / b);
    return 0;
}

/* The best value at the top budget of one Hyperband study (iterations 2,
 * max_budget 9, factor 3); every trial completes. */
static double hyperband_best(const char *sampler, uint64_t seed)
{
    hpo_space *sp = branin_space();
    hpo_kv so[3] = {{"max_budget", "9"}, {"factor", "3"}, {"iterations", "2"}};
    hpo_study_options o = HPO_STUDY_OPTIONS_INIT;
    o.name = "bohb";
    o.sampler = sampler;
    o.seed = seed;
    o.scheduler = "hyperband";
    o.scheduler_options = so;
    o.n_scheduler_options = 3;
    hpo_study *s = NULL;
    if (hpo_study_open(&s, &o, sp))
        fail_msg("%s", hpo_errmsg());
    hpo_optimize_options oo = HPO_OPTIMIZE_OPTIONS_INIT;
    assert_int_equal(hpo_study_optimize(s, budget_obj, NULL, &oo), 0);
    hpo_trial **ts = NULL;
    size_t n = 0;
    assert_int_equal(hpo_study_trials(s, &ts, &n), 0);
    assert_int_equal(n, 46);
    double best = INFINITY;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(hpo_trial_get_state(ts[i]), HPO_TRIAL_COMPLETE);
        if (hpo_trial_budget(ts[i]) == 9 && hpo_trial_value(ts[i]) < best)
            best = hpo_trial_value(ts[i]);
    }
    hpo_trial_list_free(ts, n);
    hpo_study_close(s);
    hpo_space_destroy(sp);
    return best;
}

/* BOHB: under Hyperband the gp sampler models the largest budget with enough
 * observations; over 8 seeds its median best at the top budget is below
 * random sampling's. */
static void test_bohb(void **state)
{
    (void)state;
    double gp[8], rnd[8];
    for (int seed = 0; seed < 8; seed++) {
        gp[seed] = hyperband_best("gp", (uint64_t)seed + 1);
        rnd[seed] = hyperband_best("random", (uint64_t)seed + 1);
    }
    qsort(gp, 8, sizeof gp[0], cmp_double);
    qsort(rnd, 8, sizeof rnd[0], cmp_double);
    double mg = 0.5 * (gp[3] + gp[4]), mr = 0.5 * (rnd[3] + rnd[4]);
    print_message("hyperband on branin: gp (BOHB) median %.3f, random median %.3f\n", mg, mr);
    assert_true(mg < mr);
}

/* ---------------------------------------------------------------- stoppers */

static size_t count_trials(hpo_study *s)
{
    hpo_trial **ts = NULL;
    size_t n = 0;
    assert_int_equal(hpo_study_trials(s, &ts, &n), 0);
    hpo_trial_list_free(ts, n);
    return n;
}

static int slow_obj(hpo_trial *t, double *value, void *payload)
{
    (void)payload;
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    return branin_obj(t, value, NULL);
}

static void test_stoppers(void **state)
{
    (void)state;
    hpo_space *sp = branin_space();
    /* target: stops at the first trial that reaches it */
    hpo_study *s = open_study("gp", sp, 1, NULL, 0, 100);
    hpo_optimize_options oo = HPO_OPTIMIZE_OPTIONS_INIT;
    oo.has_target = 1;
    oo.target = 2.0;
    assert_int_equal(hpo_study_optimize(s, branin_obj, NULL, &oo), 0);
    assert_non_null(strstr(hpo_study_stopped_by(s), "target"));
    size_t n = count_trials(s);
    assert_true(n < 100);
    assert_true(best_value(s) <= 2.0);
    hpo_study_close(s);
    /* delta_y: no improvement > 1e9 over 3 trials fires after the 4th complete one */
    s = open_study("random", sp, 1, NULL, 0, 100);
    oo = (hpo_optimize_options)HPO_OPTIMIZE_OPTIONS_INIT;
    oo.stop_delta_y = 1e9;
    oo.stop_patience = 3;
    assert_int_equal(hpo_study_optimize(s, branin_obj, NULL, &oo), 0);
    assert_non_null(strstr(hpo_study_stopped_by(s), "delta_y"));
    assert_int_equal(count_trials(s), 4);
    hpo_study_close(s);
    /* delta_x: two configurations closer than the whole cube's diagonal */
    s = open_study("random", sp, 1, NULL, 0, 100);
    oo = (hpo_optimize_options)HPO_OPTIMIZE_OPTIONS_INIT;
    oo.stop_delta_x = 10;
    assert_int_equal(hpo_study_optimize(s, branin_obj, NULL, &oo), 0);
    assert_non_null(strstr(hpo_study_stopped_by(s), "delta_x"));
    assert_int_equal(count_trials(s), 2);
    hpo_study_close(s);
    /* deadline: no trial starts that could not end in time */
    s = open_study("random", sp, 1, NULL, 0, 1000);
    oo = (hpo_optimize_options)HPO_OPTIMIZE_OPTIONS_INIT;
    oo.deadline = 0.5;
    assert_int_equal(hpo_study_optimize(s, slow_obj, NULL, &oo), 0);
    assert_non_null(strstr(hpo_study_stopped_by(s), "deadline"));
    assert_true(count_trials(s) < 1000);
    /* no stopper: "" */
    oo = (hpo_optimize_options)HPO_OPTIMIZE_OPTIONS_INIT;
    oo.n_trials = count_trials(s) + 1;
    assert_int_equal(hpo_study_optimize(s, branin_obj, NULL, &oo), 0);
    assert_string_equal(hpo_study_stopped_by(s), "");
    hpo_study_close(s);
    hpo_space_destroy(sp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_roundtrip), cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_every_option),     cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_scale_invariant),  cmocka_unit_test(test_pending_distinct),
        cmocka_unit_test(test_workers_distinct), cmocka_unit_test(test_discrete_never_repeats),
        cmocka_unit_test(test_failures_avoided), cmocka_unit_test(test_bohb),
        cmocka_unit_test(test_stoppers),         cmocka_unit_test(test_gp_beats_random_on_branin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
