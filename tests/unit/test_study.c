/*
 * test_study.c -- studies and trials through the public API: ask/tell, typed
 * accessors, reproducible proposals, grid exhaustion, the optimize loop with
 * many threads, resume with n_trials as a study total, refused space changes,
 * and re-running the trials of a dead worker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/study.h"
#include "hpo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static hpo_space *grid_space(void)
{
    hpo_space *sp = NULL;
    assert_int_equal(hpo_space_create(&sp), 0);
    hpo_value ks[3] = {{.type = HPO_VALUE_STRING, .u.s = "linear"},
                       {.type = HPO_VALUE_STRING, .u.s = "rbf"},
                       {.type = HPO_VALUE_STRING, .u.s = "poly"}};
    assert_int_equal(hpo_space_add_categorical(sp, "kernel", ks, 3), 0);
    hpo_value cs[4] = {{.type = HPO_VALUE_FLOAT, .u.f = 0.1},
                       {.type = HPO_VALUE_FLOAT, .u.f = 1.0},
                       {.type = HPO_VALUE_FLOAT, .u.f = 10.0},
                       {.type = HPO_VALUE_FLOAT, .u.f = 100.0}};
    assert_int_equal(hpo_space_add_categorical(sp, "C", cs, 4), 0);
    return sp;
}

static hpo_space *mixed_space(void)
{
    hpo_space *sp = NULL;
    assert_int_equal(hpo_space_create(&sp), 0);
    assert_int_equal(hpo_space_add_float(sp, "lr", 1e-4, 1e-1, 1), 0);
    assert_int_equal(hpo_space_add_int(sp, "units", 32, 512, 32, 0), 0);
    hpo_value bs[2] = {{.type = HPO_VALUE_BOOL, .u.b = 0}, {.type = HPO_VALUE_BOOL, .u.b = 1}};
    assert_int_equal(hpo_space_add_categorical(sp, "shuffle", bs, 2), 0);
    return sp;
}

static hpo_study *open_study(const char *storage, const char *name, const char *sampler,
                             hpo_space *sp, long long n_trials, unsigned long long seed)
{
    hpo_study_options o = HPO_STUDY_OPTIONS_INIT;
    o.name = name;
    o.storage = storage;
    o.sampler = sampler;
    o.n_trials = n_trials;
    o.seed = seed;
    hpo_study *s = NULL;
    int rc = hpo_study_open(&s, &o, sp);
    if (rc)
        fail_msg("hpo_study_open: %s", hpo_errmsg());
    return s;
}

/* The grid is walked in ParameterGrid order: sorted keys, last key fastest. */
static void test_grid_order_and_exhaustion(void **state)
{
    (void)state;
    hpo_space *sp = grid_space();
    hpo_study *s = open_study("memory:", "g", "grid", sp, 0, 0);
    const char *kernels[3] = {"linear", "rbf", "poly"};
    double cs[4] = {0.1, 1.0, 10.0, 100.0};
    for (int i = 0; i < 12; i++) {
        hpo_trial *t = NULL;
        assert_int_equal(hpo_study_ask(s, &t), 0);
        assert_int_equal(hpo_trial_number(t), i);
        double c;
        const char *k;
        assert_int_equal(hpo_trial_get_float(t, "C", &c), 0);
        assert_int_equal(hpo_trial_get_string(t, "kernel", &k), 0);
        /* sorted keys: C, kernel -> kernel varies fastest */
        assert_true(c == cs[i / 3]);
        assert_string_equal(k, kernels[i % 3]);
        assert_int_equal(hpo_trial_tell(t, c), 0);
        hpo_trial_destroy(t);
    }
    hpo_trial *t = NULL;
    assert_int_equal(hpo_study_ask(s, &t), HPO_EDONE);
    long long counts[4];
    assert_int_equal(hpo_study_counts(s, counts), 0);
    assert_int_equal(counts[HPO_TRIAL_COMPLETE], 12);
    hpo_study_close(s);
    hpo_space_destroy(sp);
}

static void test_typed_accessors(void **state)
{
    (void)state;
    hpo_space *sp = mixed_space();
    hpo_study *s = open_study("memory:", "m", "random", sp, 5, 1);
    hpo_trial *t = NULL;
    assert_int_equal(hpo_study_ask(s, &t), 0);
    double lr;
    long long units;
    int shuffle;
    const char *str;
    assert_int_equal(hpo_trial_get_float(t, "lr", &lr), 0);
    assert_true(lr >= 1e-4 && lr <= 1e-1);
    assert_int_equal(hpo_trial_get_int(t, "units", &units), 0);
    assert_true(units >= 32 && units <= 512 && units % 32 == 0);
    assert_int_equal(hpo_trial_get_bool(t, "shuffle", &shuffle), 0);
    assert_int_equal(hpo_trial_get_string(t, "lr", &str), HPO_ETYPE);
    assert_int_equal(hpo_trial_get_float(t, "nope", &lr), HPO_ENOTFOUND);
    assert_int_equal(hpo_trial_param_count(t), 3);
    int prune = -1;
    assert_int_equal(hpo_trial_report(t, 1, 0.5, &prune), 0);
    assert_int_equal(prune, 0);
    assert_int_equal(hpo_trial_report(t, 2, 0.25, NULL), 0);
    assert_int_equal(hpo_trial_report_count(t), 2);
    assert_int_equal(hpo_trial_tell(t, 0.25), 0);
    assert_int_equal(hpo_trial_tell(t, 0.3), HPO_ESTATE);
    hpo_trial_destroy(t);

    /* A NaN result is recorded as failed. */
    assert_int_equal(hpo_study_ask(s, &t), 0);
    assert_int_equal(hpo_trial_tell(t, NAN), HPO_EINVAL);
    assert_int_equal(hpo_trial_get_state(t), HPO_TRIAL_FAILED);
    hpo_trial_destroy(t);

    hpo_trial *best = NULL;
    assert_int_equal(hpo_study_best_trial(s, &best), 0);
    assert_int_equal(hpo_trial_number(best), 0);
    assert_int_equal(hpo_trial_report_count(best), 2);
    hpo_trial_destroy(best);
    hpo_study_close(s);
    hpo_space_destroy(sp);
}

/* Same seed, same proposals; another seed, other proposals. */
static void collect(const char *sampler, unsigned long long seed, char **out, int n)
{
    hpo_space *sp = mixed_space();
    hpo_study *s = open_study("memory:", "r", sampler, sp, n, seed);
    for (int i = 0; i < n; i++) {
        hpo_trial *t = NULL;
        assert_int_equal(hpo_study_ask(s, &t), 0);
        assert_int_equal(hpo_trial_params_json(t, &out[i]), 0);
        assert_int_equal(hpo_trial_tell(t, 1.0), 0);
        hpo_trial_destroy(t);
    }
    hpo_study_close(s);
    hpo_space_destroy(sp);
}

static void test_same_seed_same_proposals(void **state)
{
    (void)state;
    const char *samplers[2] = {"random", "qmc"};
    for (int k = 0; k < 2; k++) {
        char *a[8], *b[8], *c[8];
        collect(samplers[k], 42, a, 8);
        collect(samplers[k], 42, b, 8);
        collect(samplers[k], 43, c, 8);
        int differ = 0;
        for (int i = 0; i < 8; i++) {
            assert_string_equal(a[i], b[i]);
            differ += strcmp(a[i], c[i]) != 0;
            hpo_free(a[i]);
            hpo_free(b[i]);
            hpo_free(c[i]);
        }
        assert_true(differ > 0);
    }
}

typedef struct seen {
    int hits[12];
} seen;

static int grid_objective(hpo_trial *t, double *value, void *payload)
{
    seen *sn = payload;
    double c;
    const char *k;
    if (hpo_trial_get_float(t, "C", &c) || hpo_trial_get_string(t, "kernel", &k))
        return HPO_EINVAL;
    int ci = c < 0.5 ? 0 : c < 5 ? 1 : c < 50 ? 2 : 3;
    int ki = strcmp(k, "linear") == 0 ? 0 : strcmp(k, "rbf") == 0 ? 1 : 2;
    __atomic_fetch_add(&sn->hits[ci * 3 + ki], 1, __ATOMIC_SEQ_CST);
    *value = c;
    return 0;
}

/* 8 threads on one grid: every point exactly once. */
static void test_optimize_threads_grid(void **state)
{
    (void)state;
    char path[] = "/tmp/hpo-test-study-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    hpo_space *sp = grid_space();
    hpo_study *s = open_study(path, "threads", "grid", sp, 0, 0);
    seen sn;
    memset(&sn, 0, sizeof sn);
    hpo_optimize_options oo = HPO_OPTIMIZE_OPTIONS_INIT;
    oo.n_workers = 8;
    assert_int_equal(hpo_study_optimize(s, grid_objective, &sn, &oo), 0);
    for (int i = 0; i < 12; i++)
        assert_int_equal(sn.hits[i], 1);
    hpo_trial **list = NULL;
    size_t n = 0;
    assert_int_equal(hpo_study_trials(s, &list, &n), 0);
    assert_int_equal(n, 12);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(hpo_trial_number(list[i]), (long long)i);
    hpo_trial_list_free(list, n);
    hpo_study_close(s);
    hpo_space_destroy(sp);
    unlink(path);
    char wal[512];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
}

static int const_objective(hpo_trial *t, double *value, void *payload)
{
    (void)t;
    (void)payload;
    *value = 1.0;
    return 0;
}

static int failing_objective(hpo_trial *t, double *value, void *payload)
{
    (void)value;
    (void)payload;
    hpo_trial_set_attr(t, "error", "exit status 3");
    return HPO_EOBJECTIVE;
}

/* n_trials is the study's total; a resumed study runs only the difference. */
static void test_resume_total(void **state)
{
    (void)state;
    char path[] = "/tmp/hpo-test-resume-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    hpo_space *sp = mixed_space();
    hpo_study *s = open_study(path, "resume", "random", sp, 5, 3);
    assert_true(hpo_study_is_new(s));
    assert_int_equal(hpo_study_optimize(s, const_objective, NULL, NULL), 0);
    hpo_study_close(s);

    s = open_study(path, "resume", "random", sp, 5, 3);
    assert_false(hpo_study_is_new(s));
    assert_int_equal(hpo_study_optimize(s, const_objective, NULL, NULL), 0);
    long long counts[4];
    assert_int_equal(hpo_study_counts(s, counts), 0);
    assert_int_equal(counts[HPO_TRIAL_COMPLETE], 5);
    hpo_optimize_options oo = HPO_OPTIMIZE_OPTIONS_INIT;
    oo.n_trials = 8;
    assert_int_equal(hpo_study_optimize(s, const_objective, NULL, &oo), 0);
    assert_int_equal(hpo_study_counts(s, counts), 0);
    assert_int_equal(counts[HPO_TRIAL_COMPLETE], 8);
    hpo_study_close(s);

    /* A changed space is refused with a diff, unless fresh. */
    hpo_space *sp2 = mixed_space();
    assert_int_equal(hpo_space_add_float(sp2, "dropout", 0.0, 0.5, 0), 0);
    hpo_study_options o = HPO_STUDY_OPTIONS_INIT;
    o.name = "resume";
    o.storage = path;
    o.sampler = "random";
    o.seed = 3;
    s = NULL;
    assert_int_equal(hpo_study_open(&s, &o, sp2), HPO_EMISMATCH);
    assert_non_null(strstr(hpo_errmsg(), "dropout"));
    assert_null(s);
    o.fresh = 1;
    o.n_trials = 2;
    assert_int_equal(hpo_study_open(&s, &o, sp2), 0);
    assert_true(hpo_study_is_new(s));
    assert_int_equal(hpo_study_counts(s, counts), 0);
    assert_int_equal(counts[HPO_TRIAL_COMPLETE], 0);
    hpo_study_close(s);

    /* The study can be reloaded from the storage alone. */
    assert_int_equal(hpo_study_load(&s, path, "resume"), 0);
    assert_string_equal(hpo_study_sampler(s), "random");
    assert_int_equal(hpo_space_param_count(hpo_study_space(s)), 4);
    hpo_study_close(s);
    assert_int_equal(hpo_study_load(&s, path, "nope"), HPO_ENOTFOUND);

    hpo_space_destroy(sp);
    hpo_space_destroy(sp2);
    unlink(path);
}

/* Failed trials are recorded, the study goes on, max_failed_trials stops it. */
static void test_failures_and_max_failed(void **state)
{
    (void)state;
    hpo_space *sp = mixed_space();
    hpo_study *s = open_study("memory:", "f", "random", sp, 20, 0);
    hpo_optimize_options oo = HPO_OPTIMIZE_OPTIONS_INIT;
    oo.max_failed_trials = 3;
    assert_int_equal(hpo_study_optimize(s, failing_objective, NULL, &oo), HPO_ESTOPPED);
    long long counts[4];
    assert_int_equal(hpo_study_counts(s, counts), 0);
    assert_int_equal(counts[HPO_TRIAL_FAILED], 3);
    hpo_trial **list = NULL;
    size_t n = 0;
    assert_int_equal(hpo_study_trials(s, &list, &n), 0);
    assert_string_equal(hpo_trial_message(list[0]), "exit status 3");
    hpo_trial_list_free(list, n);
    hpo_study_close(s);
    hpo_space_destroy(sp);
}

/* A trial whose worker died is failed as lost and its configuration re-run,
 * without consuming a new proposal. */
static void test_lost_trial_rerun(void **state)
{
    (void)state;
    hpo_space *sp = grid_space();
    hpo_study *s = open_study("memory:", "lost", "grid", sp, 0, 0);
    char host[256];
    assert_int_equal(gethostname(host, sizeof host), 0);
    char dead[300];
    snprintf(dead, sizeof dead, "%s:999999999:1", host);
    assert_int_equal(hpo__worker_dead(dead, 0, 1, NULL), 1);
    char *mine = s->worker_id;
    assert_int_equal(hpo__worker_dead(mine, 0, 1e9, NULL), 0);

    /* Claim trial 0 as if a (now dead) process on this host had. */
    s->worker_id = dead;
    hpo_trial *t0 = NULL;
    assert_int_equal(hpo_study_ask(s, &t0), 0);
    s->worker_id = mine;
    char *p0 = NULL;
    assert_int_equal(hpo_trial_params_json(t0, &p0), 0);

    hpo_trial *t1 = NULL;
    assert_int_equal(hpo_study_ask(s, &t1), 0);
    assert_int_equal(hpo_trial_number(t1), 1);
    assert_int_equal(hpo_trial_retry_of(t1), 0);
    char *p1 = NULL;
    assert_int_equal(hpo_trial_params_json(t1, &p1), 0);
    assert_string_equal(p0, p1);

    /* The next one is the grid's second point, not its third. */
    hpo_trial *t2 = NULL;
    assert_int_equal(hpo_study_ask(s, &t2), 0);
    assert_int_equal(hpo_trial_retry_of(t2), -1);
    const char *k;
    assert_int_equal(hpo_trial_get_string(t2, "kernel", &k), 0);
    assert_string_equal(k, "rbf");

    /* The dead worker's late result is refused: its trial is failed (lost). */
    assert_int_equal(hpo_trial_tell(t0, 1.0), HPO_ESTATE);
    long long counts[4];
    assert_int_equal(hpo_study_counts(s, counts), 0);
    assert_int_equal(counts[HPO_TRIAL_FAILED], 1);
    assert_int_equal(counts[HPO_TRIAL_RUNNING], 2);
    assert_int_equal(hpo_trial_tell(t1, 1.0), 0);
    assert_int_equal(hpo_trial_tell(t2, 2.0), 0);
    hpo_trial_destroy(t0);
    hpo_trial_destroy(t1);
    hpo_trial_destroy(t2);
    hpo_free(p0);
    hpo_free(p1);
    hpo_study_close(s);
    hpo_space_destroy(sp);
}

static int sleepy_objective(hpo_trial *t, double *value, void *payload)
{
    (void)t;
    hpo_study *s = payload;
    usleep(2000);
    *value = 1.0;
    if (s) {
        long long counts[4];
        if (hpo_study_counts(s, counts) == 0 && counts[HPO_TRIAL_COMPLETE] >= 5)
            hpo_study_stop(s); /* from inside a worker, as a signal handler would */
    }
    return 0;
}

/* An unlimited random study ends at its timeout; hpo_study_stop ends it early.
 * Either way no trial is left running. */
static void test_timeout_and_stop(void **state)
{
    (void)state;
    hpo_space *sp = mixed_space();
    hpo_study *s = open_study("memory:", "t", "random", sp, 0, 0);
    hpo_optimize_options oo = HPO_OPTIMIZE_OPTIONS_INIT;
    oo.timeout = 0.05;
    oo.n_workers = 2;
    assert_int_equal(hpo_study_optimize(s, sleepy_objective, NULL, &oo), HPO_ETIMEOUT);
    long long counts[4];
    assert_int_equal(hpo_study_counts(s, counts), 0);
    assert_int_equal(counts[HPO_TRIAL_RUNNING], 0);
    assert_true(counts[HPO_TRIAL_COMPLETE] >= 1);
    hpo_study_close(s);

    s = open_study("memory:", "t", "random", sp, 0, 0);
    oo.timeout = 0;
    assert_int_equal(hpo_study_optimize(s, sleepy_objective, s, &oo), HPO_ESTOPPED);
    assert_int_equal(hpo_study_counts(s, counts), 0);
    assert_int_equal(counts[HPO_TRIAL_RUNNING], 0);
    assert_true(counts[HPO_TRIAL_COMPLETE] >= 5);
    hpo_study_close(s);
    hpo_space_destroy(sp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_order_and_exhaustion),
        cmocka_unit_test(test_typed_accessors),
        cmocka_unit_test(test_same_seed_same_proposals),
        cmocka_unit_test(test_optimize_threads_grid),
        cmocka_unit_test(test_resume_total),
        cmocka_unit_test(test_failures_and_max_failed),
        cmocka_unit_test(test_lost_trial_rerun),
        cmocka_unit_test(test_timeout_and_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
