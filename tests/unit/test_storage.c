/*
 * test_storage.c -- the storage contract (src/storage/storage.h), run against
 * every back end: the same test functions take the back end as cmocka
 * prestate. SQLite-only cases (several processes, schema version, bad files,
 * locking) follow.
 */
#include "storage/storage.h"
#include "util/util.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

typedef struct fixture {
    const char *kind; /* "memory" or "sqlite" */
    char dir[64];
    char path[128];
    char uri[160];
    hpo__storage *st;
} fixture;

static const char kind_memory[] = "memory";
static const char kind_sqlite[] = "sqlite";

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->kind = *state;
    snprintf(f->dir, sizeof f->dir, "/tmp/hpo-test-storage-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/study.db", f->dir);
    if (strcmp(f->kind, kind_memory) == 0)
        snprintf(f->uri, sizeof f->uri, "memory:");
    else
        snprintf(f->uri, sizeof f->uri, "sqlite:///%s", f->path);
    if (hpo__storage_open(&f->st, f->uri) != 0) {
        rmdir(f->dir);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static void remove_dir(const char *dir)
{
    static const char *const names[] = {"study.db",         "study.db-wal", "study.db-shm",
                                        "study.db-journal", "other.db",     "other.db-wal",
                                        "other.db-shm",     "plain.txt",    "rel.db",
                                        "rel.db-wal",       "rel.db-shm"};
    char p[256];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

static int teardown(void **state)
{
    fixture *f = *state;
    hpo__storage_close(f->st);
    remove_dir(f->dir);
    free(f);
    return 0;
}

/* ------------------------------------------------------------ helpers */

static int64_t make_study(hpo__storage *st, const char *name, long long n_trials)
{
    hpo__study_row row = {0}, out = {0};
    row.name = (char *)(uintptr_t)name;
    row.direction = HPO_MINIMIZE;
    row.seed = 42;
    row.sampler = (char *)(uintptr_t) "random";
    row.sampler_options_json = (char *)(uintptr_t) "{}";
    row.space_json = (char *)(uintptr_t) "{\"x\": [0, 1]}";
    row.n_trials = n_trials;
    row.created = 1000.0;
    int created = -1;
    assert_int_equal(st->ops->study_create(st, &row, &out, &created), 0);
    int64_t id = out.id;
    hpo__study_row_free(&out);
    return id;
}

typedef struct proposer {
    int fail_code; /* returned instead of params when nonzero */
    int calls;
    /* What the last call saw of the history (claim_req.history). */
    size_t seen_n, seen_running, seen_params;
    double seen_value_sum;
} proposer;

static int propose(void *payload, long long seq, const hpo__trial_row *rows, size_t n,
                   char **params_json)
{
    proposer *p = payload;
    if (p) {
        p->calls++;
        p->seen_n = n;
        p->seen_running = p->seen_params = 0;
        p->seen_value_sum = 0;
        for (size_t i = 0; i < n; i++) {
            p->seen_running += rows[i].state == HPO_TRIAL_RUNNING;
            p->seen_params += rows[i].params_json && rows[i].params_json[0] == '{';
            if (!isnan(rows[i].value))
                p->seen_value_sum += rows[i].value;
        }
        if (p->fail_code)
            return hpo__err(p->fail_code, "proposer failed on purpose");
    }
    hpo__buf b = HPO__BUF_INIT;
    hpo__buf_printf(&b, "{\"x\": %lld}", seq);
    return hpo__buf_take(&b, params_json);
}

static hpo__claim_req request(const char *worker, double now, long long n_trials)
{
    hpo__claim_req req = {.n_trials = n_trials,
                          .capacity = -1,
                          .worker = worker,
                          .now = now,
                          .worker_dead = NULL,
                          .worker_dead_payload = NULL};
    return req;
}

static int claim(hpo__storage *st, int64_t study, const hpo__claim_req *req, proposer *p,
                 hpo__trial_row *out)
{
    return st->ops->claim(st, study, req, propose, p, out);
}

static void expect_msg(const char *needle)
{
    const char *msg = hpo_errmsg();
    if (!strstr(msg, needle))
        fail_msg("message '%s' lacks '%s'", msg, needle);
}

/* ------------------------------------------------------------ both back ends */

static void test_studies_create_get_list_delete(void **state)
{
    fixture *f = *state;
    hpo__storage *st = f->st;
    hpo__study_row row = {0}, out = {0}, again = {0}, got = {0};
    row.name = (char *)(uintptr_t) "alpha";
    row.direction = HPO_MAXIMIZE;
    row.seed = UINT64_MAX - 5; /* survives the signed column */
    row.sampler = (char *)(uintptr_t) "tpe";
    row.sampler_options_json = (char *)(uintptr_t) "{\"n_startup\": \"5\"}";
    row.space_json = (char *)(uintptr_t) "{}";
    row.objective_json = NULL;
    row.spec_text = (char *)(uintptr_t) "name: alpha\n";
    row.n_trials = 7;
    row.created = 1234.5;
    int created = -1;
    assert_int_equal(st->ops->study_create(st, &row, &out, &created), 0);
    assert_int_equal(created, 1);
    assert_string_equal(out.name, "alpha");
    assert_int_equal(out.direction, HPO_MAXIMIZE);
    assert_true(out.seed == UINT64_MAX - 5);
    assert_string_equal(out.sampler, "tpe");
    assert_string_equal(out.sampler_options_json, "{\"n_startup\": \"5\"}");
    assert_null(out.objective_json);
    assert_string_equal(out.spec_text, "name: alpha\n");
    assert_int_equal(out.n_trials, 7);
    assert_true(out.created == 1234.5);

    row.n_trials = 99; /* ignored: the stored row wins */
    assert_int_equal(st->ops->study_create(st, &row, &again, &created), 0);
    assert_int_equal(created, 0);
    assert_int_equal(again.id, out.id);
    assert_int_equal(again.n_trials, 7);

    assert_int_equal(st->ops->study_get(st, "alpha", &got), 0);
    assert_int_equal(got.id, out.id);
    hpo__study_row_free(&got);
    assert_int_equal(st->ops->study_get(st, "nope", &got), HPO_ENOTFOUND);
    expect_msg("nope");

    assert_int_equal(st->ops->study_set_n_trials(st, out.id, 20), 0);
    assert_int_equal(st->ops->study_get(st, "alpha", &got), 0);
    assert_int_equal(got.n_trials, 20);
    hpo__study_row_free(&got);

    int64_t beta = make_study(st, "beta", 0);
    make_study(st, "gamma", 0);
    char **names = NULL;
    size_t n = 0;
    assert_int_equal(st->ops->study_list(st, &names, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(names[0], "alpha");
    assert_string_equal(names[1], "beta");
    assert_string_equal(names[2], "gamma");
    for (size_t i = 0; i < n; i++)
        hpo__free(names[i]);
    hpo__free(names);

    /* Deleting removes the trials and reports too. */
    hpo__claim_req req = request("w", 10.0, 0);
    hpo__trial_row t = {0};
    assert_int_equal(claim(st, beta, &req, NULL, &t), 0);
    assert_int_equal(st->ops->report(st, t.id, 1, 0.5, 11.0), 0);
    hpo__trial_row_free(&t);
    assert_int_equal(st->ops->study_delete(st, "beta"), 0);
    assert_int_equal(st->ops->study_delete(st, "beta"), HPO_ENOTFOUND);
    assert_int_equal(st->ops->study_get(st, "beta", &got), HPO_ENOTFOUND);
    int64_t beta2 = make_study(st, "beta", 0);
    hpo__trial_row *rows = NULL;
    size_t nrows = 99;
    assert_int_equal(st->ops->trials(st, beta2, &rows, &nrows), 0);
    assert_int_equal(nrows, 0);
    hpo__trial_rows_free(rows, nrows);
    assert_int_equal(st->ops->study_list(st, &names, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(names[2], "beta");
    for (size_t i = 0; i < n; i++)
        hpo__free(names[i]);
    hpo__free(names);

    hpo__study_row_free(&out);
    hpo__study_row_free(&again);
}

static void test_claim_numbers_and_seqs(void **state)
{
    fixture *f = *state;
    int64_t sid = make_study(f->st, "s", 5);
    hpo__claim_req req = request("host:1:2", 100.0, 5);
    proposer p = {0};
    for (long long i = 0; i < 5; i++) {
        hpo__trial_row t = {0};
        assert_int_equal(claim(f->st, sid, &req, &p, &t), 0);
        assert_int_equal(t.number, i);
        assert_int_equal(t.seq, i);
        assert_int_equal(t.study_id, sid);
        assert_int_equal(t.state, HPO_TRIAL_RUNNING);
        assert_true(isnan(t.value));
        assert_int_equal(t.retry_of, -1);
        assert_int_equal(t.requeue_pending, 0);
        assert_string_equal(t.worker, "host:1:2");
        assert_true(t.start_time == 100.0 && t.heartbeat == 100.0);
        char want[32];
        snprintf(want, sizeof want, "{\"x\": %lld}", i);
        assert_string_equal(t.params_json, want);
        hpo__trial_row_free(&t);
    }
    hpo__trial_row t = {0};
    assert_int_equal(claim(f->st, sid, &req, &p, &t), HPO_EDONE);
    expect_msg("study s: all 5 trials claimed");
    assert_int_equal(p.calls, 5);
    assert_int_equal(claim(f->st, 999999, &req, &p, &t), HPO_ENOTFOUND);
}

/* With claim_req.history the proposer sees every trial, running ones and
 * params included, in the claim's transaction; without it, nothing. */
static void test_claim_history(void **state)
{
    fixture *f = *state;
    int64_t sid = make_study(f->st, "s", 0);
    hpo__claim_req req = request("host:1:2", 100.0, 0);
    proposer p = {0};
    hpo__trial_row t[4] = {{0}};
    assert_int_equal(claim(f->st, sid, &req, &p, &t[0]), 0);
    assert_int_equal(p.seen_n, 0);
    req.history = 1;
    assert_int_equal(claim(f->st, sid, &req, &p, &t[1]), 0);
    assert_int_equal(p.seen_n, 1);
    assert_int_equal(p.seen_running, 1);
    assert_int_equal(p.seen_params, 1);
    assert_int_equal(f->st->ops->finish(f->st, t[0].id, HPO_TRIAL_COMPLETE, 2.5, NULL, NULL, 101.0),
                     0);
    assert_int_equal(claim(f->st, sid, &req, &p, &t[2]), 0);
    assert_int_equal(p.seen_n, 2);
    assert_int_equal(p.seen_running, 1);
    assert_int_equal(p.seen_params, 2);
    assert_true(p.seen_value_sum == 2.5);
    req.history = 0;
    assert_int_equal(claim(f->st, sid, &req, &p, &t[3]), 0);
    assert_int_equal(p.seen_n, 0);
    for (int i = 0; i < 4; i++)
        hpo__trial_row_free(&t[i]);
}

static void test_claim_capacity(void **state)
{
    fixture *f = *state;
    int64_t sid = make_study(f->st, "grid", 0);
    hpo__claim_req req = request("w", 1.0, 0);
    req.capacity = 3;
    hpo__trial_row t = {0};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(claim(f->st, sid, &req, NULL, &t), 0);
        hpo__trial_row_free(&t);
    }
    assert_int_equal(claim(f->st, sid, &req, NULL, &t), HPO_EDONE);
    expect_msg("all 3 trials claimed");
    /* No limit at all: keeps going. */
    req.capacity = -1;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(claim(f->st, sid, &req, NULL, &t), 0);
        assert_int_equal(t.seq, 3 + i);
        hpo__trial_row_free(&t);
    }
    long long counts[4], lost = -1, claimed = -1;
    assert_int_equal(f->st->ops->counts(f->st, sid, counts, &lost, &claimed), 0);
    assert_int_equal(counts[HPO_TRIAL_RUNNING], 7);
    assert_int_equal(claimed, 7);
    assert_int_equal(lost, 0);
}

static void test_propose_error_rolls_back(void **state)
{
    fixture *f = *state;
    int64_t sid = make_study(f->st, "s", 10);
    hpo__claim_req req = request("w", 1.0, 10);
    proposer bad = {.fail_code = HPO_ETYPE};
    hpo__trial_row t = {0};
    assert_int_equal(claim(f->st, sid, &req, &bad, &t), HPO_ETYPE);
    expect_msg("on purpose");
    assert_null(t.params_json);
    hpo__trial_row *rows = NULL;
    size_t n = 99;
    assert_int_equal(f->st->ops->trials(f->st, sid, &rows, &n), 0);
    assert_int_equal(n, 0);
    hpo__trial_rows_free(rows, n);
    long long counts[4], lost, claimed = -1;
    assert_int_equal(f->st->ops->counts(f->st, sid, counts, &lost, &claimed), 0);
    assert_int_equal(claimed, 0);
    proposer good = {0};
    assert_int_equal(claim(f->st, sid, &req, &good, &t), 0);
    assert_int_equal(t.number, 0);
    assert_int_equal(t.seq, 0);
    hpo__trial_row_free(&t);
}

static void test_finish_report_heartbeat(void **state)
{
    fixture *f = *state;
    hpo__storage *st = f->st;
    int64_t sid = make_study(st, "s", 0);
    hpo__claim_req req = request("w", 10.0, 0);
    hpo__trial_row a = {0}, b = {0}, c = {0};
    assert_int_equal(claim(st, sid, &req, NULL, &a), 0);
    assert_int_equal(claim(st, sid, &req, NULL, &b), 0);
    assert_int_equal(claim(st, sid, &req, NULL, &c), 0);

    assert_int_equal(st->ops->report(st, a.id, 2, 0.2, 11.0), 0);
    assert_int_equal(st->ops->report(st, a.id, 1, 0.1, 12.0), 0);
    assert_int_equal(st->ops->report(st, a.id, 2, 0.25, 13.0), 0); /* replaces */
    assert_int_equal(st->ops->report(st, a.id, 3, NAN, 14.0), 0);
    int64_t ids[2] = {b.id, c.id};
    assert_int_equal(st->ops->heartbeat(st, ids, 2, 20.0), 0);
    assert_int_equal(st->ops->heartbeat(st, NULL, 0, 21.0), 0);

    assert_int_equal(
        st->ops->finish(st, a.id, HPO_TRIAL_COMPLETE, 1.5, NULL, "{\"acc\": \"0.9\"}", 30.0), 0);
    assert_int_equal(st->ops->finish(st, b.id, HPO_TRIAL_FAILED, NAN, "boom", NULL, 31.0), 0);
    assert_int_equal(st->ops->finish(st, a.id, HPO_TRIAL_FAILED, NAN, NULL, NULL, 32.0),
                     HPO_ESTATE);
    expect_msg("complete");
    assert_int_equal(st->ops->report(st, a.id, 4, 1.0, 33.0), HPO_ESTATE);
    assert_int_equal(st->ops->finish(st, 987654, HPO_TRIAL_COMPLETE, 1.0, NULL, NULL, 1.0),
                     HPO_ENOTFOUND);
    assert_int_equal(st->ops->heartbeat(st, ids, 1, 40.0), 0); /* b finished: unchanged */

    hpo__trial_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(st->ops->trials(st, sid, &rows, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(rows[0].number, 0);
    assert_int_equal(rows[0].state, HPO_TRIAL_COMPLETE);
    assert_true(rows[0].value == 1.5);
    assert_null(rows[0].message);
    assert_string_equal(rows[0].attrs_json, "{\"acc\": \"0.9\"}");
    assert_true(rows[0].end_time == 30.0);
    assert_true(rows[0].heartbeat == 14.0);
    assert_int_equal(rows[0].n_reports, 3);
    assert_int_equal(rows[0].reports[0].step, 1);
    assert_true(rows[0].reports[0].value == 0.1);
    assert_int_equal(rows[0].reports[1].step, 2);
    assert_true(rows[0].reports[1].value == 0.25);
    assert_int_equal(rows[0].reports[2].step, 3);
    assert_true(isnan(rows[0].reports[2].value));
    assert_int_equal(rows[1].state, HPO_TRIAL_FAILED);
    assert_true(isnan(rows[1].value));
    assert_string_equal(rows[1].message, "boom");
    assert_true(rows[1].heartbeat == 20.0);
    assert_int_equal(rows[1].n_reports, 0);
    assert_int_equal(rows[2].state, HPO_TRIAL_RUNNING);
    assert_true(rows[2].heartbeat == 20.0);
    assert_true(isnan(rows[2].end_time));
    hpo__trial_rows_free(rows, n);

    long long counts[4], lost = -1, claimed = -1;
    assert_int_equal(st->ops->counts(st, sid, counts, &lost, &claimed), 0);
    assert_int_equal(counts[HPO_TRIAL_RUNNING], 1);
    assert_int_equal(counts[HPO_TRIAL_COMPLETE], 1);
    assert_int_equal(counts[HPO_TRIAL_PRUNED], 0);
    assert_int_equal(counts[HPO_TRIAL_FAILED], 1);
    assert_int_equal(lost, 0);
    assert_int_equal(claimed, 3);
    hpo__trial_row_free(&a);
    hpo__trial_row_free(&b);
    hpo__trial_row_free(&c);
}

typedef struct dead_ctx {
    const char *dead_worker;
    int calls;
} dead_ctx;

static int worker_dead(const char *worker, double heartbeat, double now, void *payload)
{
    dead_ctx *d = payload;
    d->calls++;
    assert_true(heartbeat <= now);
    return strcmp(worker, d->dead_worker) == 0;
}

static void test_reap_and_requeue(void **state)
{
    fixture *f = *state;
    hpo__storage *st = f->st;
    int64_t sid = make_study(st, "s", 3);
    hpo__claim_req req = request("w1", 10.0, 3);
    hpo__trial_row t[3] = {{0}};
    for (int i = 0; i < 3; i++)
        assert_int_equal(claim(st, sid, &req, NULL, &t[i]), 0);
    assert_int_equal(st->ops->finish(st, t[0].id, HPO_TRIAL_COMPLETE, 1.0, NULL, NULL, 11.0), 0);

    dead_ctx d = {.dead_worker = "w1"};
    hpo__claim_req r2 = request("w2", 50.0, 3);
    r2.worker_dead = worker_dead;
    r2.worker_dead_payload = &d;
    proposer p = {0};
    hpo__trial_row x = {0}, y = {0}, z = {0};
    assert_int_equal(claim(st, sid, &r2, &p, &x), 0);
    assert_int_equal(d.calls, 2); /* the two running trials of w1 */
    assert_int_equal(x.number, 3);
    assert_int_equal(x.seq, 1);
    assert_int_equal(x.retry_of, 1);
    assert_string_equal(x.params_json, t[1].params_json);
    assert_string_equal(x.worker, "w2");
    assert_int_equal(claim(st, sid, &r2, &p, &y), 0);
    assert_int_equal(y.number, 4);
    assert_int_equal(y.seq, 2);
    assert_int_equal(y.retry_of, 2);
    assert_string_equal(y.params_json, t[2].params_json);
    assert_int_equal(p.calls, 0); /* re-runs do not propose */
    /* n_trials reached; w2 is alive, so nothing more. */
    assert_int_equal(claim(st, sid, &r2, &p, &z), HPO_EDONE);

    hpo__trial_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(st->ops->trials(st, sid, &rows, &n), 0);
    assert_int_equal(n, 5);
    for (int i = 1; i <= 2; i++) {
        assert_int_equal(rows[i].state, HPO_TRIAL_FAILED);
        assert_string_equal(rows[i].message, "lost: worker w1 stopped (trial will be re-run)");
        assert_int_equal(rows[i].requeue_pending, 0);
        assert_true(rows[i].end_time == 50.0);
    }
    assert_int_equal(rows[0].state, HPO_TRIAL_COMPLETE);
    hpo__trial_rows_free(rows, n);

    long long counts[4], lost = -1, claimed = -1;
    assert_int_equal(st->ops->counts(st, sid, counts, &lost, &claimed), 0);
    assert_int_equal(counts[HPO_TRIAL_FAILED], 2);
    assert_int_equal(counts[HPO_TRIAL_RUNNING], 2);
    assert_int_equal(lost, 2);
    assert_int_equal(claimed, 3);

    /* A plain failure is not lost; a lost trial whose re-run is pending shows it. */
    assert_int_equal(st->ops->finish(st, x.id, HPO_TRIAL_FAILED, NAN, "bad", NULL, 60.0), 0);
    d.dead_worker = "w2";
    hpo__claim_req r3 = request("w3", 70.0, 3);
    r3.worker_dead = worker_dead;
    r3.worker_dead_payload = &d;
    /* y (w2) is reaped and immediately re-run by w3. */
    assert_int_equal(claim(st, sid, &r3, &p, &z), 0);
    assert_int_equal(z.retry_of, 4);
    assert_int_equal(z.seq, 2);
    assert_int_equal(st->ops->counts(st, sid, counts, &lost, &claimed), 0);
    assert_int_equal(counts[HPO_TRIAL_FAILED], 4);
    assert_int_equal(lost, 3);
    assert_int_equal(claimed, 3);

    for (int i = 0; i < 3; i++)
        hpo__trial_row_free(&t[i]);
    hpo__trial_row_free(&x);
    hpo__trial_row_free(&y);
    hpo__trial_row_free(&z);
}

static void test_finish_finished_is_estate(void **state)
{
    fixture *f = *state;
    int64_t sid = make_study(f->st, "s", 0);
    hpo__claim_req req = request("w", 1.0, 0);
    hpo__trial_row t = {0};
    assert_int_equal(claim(f->st, sid, &req, NULL, &t), 0);
    assert_int_equal(f->st->ops->finish(f->st, t.id, HPO_TRIAL_PRUNED, 0.5, NULL, NULL, 2.0), 0);
    assert_int_equal(f->st->ops->finish(f->st, t.id, HPO_TRIAL_COMPLETE, 0.1, NULL, NULL, 3.0),
                     HPO_ESTATE);
    expect_msg("pruned");
    hpo__trial_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(f->st->ops->trials(f->st, sid, &rows, &n), 0);
    assert_int_equal(rows[0].state, HPO_TRIAL_PRUNED);
    assert_true(rows[0].value == 0.5);
    hpo__trial_rows_free(rows, n);
    hpo__trial_row_free(&t);
}

/* The N-th allocation fails, for every N until the call succeeds: each failure
 * is HPO_ENOMEM, changes nothing and leaks nothing. */
static void test_out_of_memory(void **state)
{
    fixture *f = *state;
    hpo__storage *st = f->st;
    int64_t sid = make_study(st, "oom", 0);
    int done = 0;
    for (long k = 0; k < 1000 && !done; k++) {
        hpo__claim_req req = request("w", 1.0, 0);
        hpo__trial_row t = {0};
        hpo__alloc_fail_after(k);
        int rc = claim(st, sid, &req, NULL, &t);
        hpo__alloc_fail_after(-1);
        assert_true(rc == 0 || rc == HPO_ENOMEM);
        if (rc == 0) {
            assert_int_equal(t.number, 0); /* failed attempts left no trial */
            assert_int_equal(t.seq, 0);
            done = 1;
        }
        hpo__trial_row_free(&t);
    }
    assert_true(done);
    hpo__claim_req req = request("w", 2.0, 0);
    hpo__trial_row second = {0};
    assert_int_equal(claim(st, sid, &req, NULL, &second), 0);
    assert_int_equal(st->ops->report(st, second.id, 1, 0.5, 3.0), 0);
    hpo__trial_row_free(&second);
    done = 0;
    for (long k = 0; k < 1000 && !done; k++) {
        hpo__trial_row *rows = NULL;
        size_t n = 0;
        hpo__alloc_fail_after(k);
        int rc = st->ops->trials(st, sid, &rows, &n);
        hpo__alloc_fail_after(-1);
        assert_true(rc == 0 || rc == HPO_ENOMEM);
        if (rc == 0) {
            assert_int_equal(n, 2);
            done = 1;
        }
        hpo__trial_rows_free(rows, n);
    }
    assert_true(done);
    done = 0;
    for (long k = 0; k < 1000 && !done; k++) {
        hpo__study_row row = {0}, out = {0};
        row.name = (char *)(uintptr_t) "oom2";
        row.sampler = (char *)(uintptr_t) "random";
        row.space_json = (char *)(uintptr_t) "{}";
        int created = -1;
        hpo__alloc_fail_after(k);
        int rc = st->ops->study_create(st, &row, &out, &created);
        hpo__alloc_fail_after(-1);
        assert_true(rc == 0 || rc == HPO_ENOMEM);
        if (rc == 0) {
            assert_string_equal(out.name, "oom2");
            done = 1;
        }
        hpo__study_row_free(&out);
    }
    assert_true(done);
}

#define N_THREADS 8
#define N_CLAIMS 200

typedef struct thread_arg {
    hpo__storage *st;
    int64_t sid;
    long long numbers[N_CLAIMS], seqs[N_CLAIMS];
    size_t n;
    int error;
} thread_arg;

static void *claim_thread(void *p)
{
    thread_arg *a = p;
    char worker[32];
    snprintf(worker, sizeof worker, "thread:%p", p);
    hpo__claim_req req = request(worker, 5.0, N_CLAIMS);
    for (;;) {
        hpo__trial_row t = {0};
        int rc = claim(a->st, a->sid, &req, NULL, &t);
        if (rc == HPO_EDONE)
            break;
        if (rc != 0 || a->n == N_CLAIMS) {
            a->error = rc ? rc : -1000;
            break;
        }
        a->numbers[a->n] = t.number;
        a->seqs[a->n] = t.seq;
        a->n++;
        rc = a->st->ops->finish(a->st, t.id, HPO_TRIAL_COMPLETE, (double)t.seq, NULL, NULL, 6.0);
        hpo__trial_row_free(&t);
        if (rc != 0) {
            a->error = rc;
            break;
        }
    }
    return NULL;
}

static void test_threads_claim_once(void **state)
{
    fixture *f = *state;
    int64_t sid = make_study(f->st, "threads", N_CLAIMS);
    static thread_arg args[N_THREADS];
    pthread_t th[N_THREADS];
    memset(args, 0, sizeof args);
    for (int i = 0; i < N_THREADS; i++) {
        args[i].st = f->st;
        args[i].sid = sid;
        assert_int_equal(pthread_create(&th[i], NULL, claim_thread, &args[i]), 0);
    }
    for (int i = 0; i < N_THREADS; i++)
        pthread_join(th[i], NULL);
    int seen_number[N_CLAIMS] = {0}, seen_seq[N_CLAIMS] = {0};
    size_t total = 0;
    for (int i = 0; i < N_THREADS; i++) {
        assert_int_equal(args[i].error, 0);
        for (size_t k = 0; k < args[i].n; k++) {
            assert_in_range(args[i].numbers[k], 0, N_CLAIMS - 1);
            assert_in_range(args[i].seqs[k], 0, N_CLAIMS - 1);
            seen_number[args[i].numbers[k]]++;
            seen_seq[args[i].seqs[k]]++;
        }
        total += args[i].n;
    }
    assert_int_equal(total, N_CLAIMS);
    for (int k = 0; k < N_CLAIMS; k++) {
        assert_int_equal(seen_number[k], 1);
        assert_int_equal(seen_seq[k], 1);
    }
    long long counts[4], lost, claimed;
    assert_int_equal(f->st->ops->counts(f->st, sid, counts, &lost, &claimed), 0);
    assert_int_equal(counts[HPO_TRIAL_COMPLETE], N_CLAIMS);
    assert_int_equal(claimed, N_CLAIMS);
}

static void test_uri_forms(void **state)
{
    fixture *f = *state;
    (void)f;
    hpo__storage *st = NULL;
    assert_int_equal(hpo__storage_open(&st, "postgresql://user@host/db"), HPO_EINVAL);
    expect_msg("postgresql storage is not available yet");
    assert_null(st);
    assert_int_equal(hpo__storage_open(&st, "mongodb://x"), HPO_EINVAL);
    assert_int_equal(hpo__storage_open(&st, "sqlite:"), HPO_EINVAL);
    assert_null(st);

    /* Every memory handle is a new, empty store. */
    hpo__storage *m1 = NULL, *m2 = NULL;
    assert_int_equal(hpo__storage_open(&m1, NULL), 0);
    assert_int_equal(hpo__storage_open(&m2, "memory:"), 0);
    assert_string_equal(m1->ops->scheme, "memory");
    make_study(m1, "only-in-m1", 0);
    hpo__study_row got = {0};
    assert_int_equal(m2->ops->study_get(m2, "only-in-m1", &got), HPO_ENOTFOUND);
    hpo__storage_close(m1);
    hpo__storage_close(m2);
    hpo__storage_close(NULL);

    /* The SQLite spellings all reach the same file. */
    char uri[256], cwd[512];
    struct stat sb;
    snprintf(uri, sizeof uri, "sqlite:///%s/other.db", f->dir); /* 4 slashes: absolute */
    assert_int_equal(hpo__storage_open(&st, uri), 0);
    assert_string_equal(st->ops->scheme, "sqlite");
    assert_string_equal(st->uri, uri);
    make_study(st, "shared", 0);
    hpo__storage_close(st);
    snprintf(uri, sizeof uri, "sqlite:%s/other.db", f->dir);
    assert_int_equal(hpo__storage_open(&st, uri), 0);
    assert_int_equal(st->ops->study_get(st, "shared", &got), 0);
    hpo__study_row_free(&got);
    hpo__storage_close(st);
    snprintf(uri, sizeof uri, "%s/other.db", f->dir);
    assert_int_equal(hpo__storage_open(&st, uri), 0);
    assert_int_equal(st->ops->study_get(st, "shared", &got), 0);
    hpo__study_row_free(&got);
    hpo__storage_close(st);

    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(f->dir), 0);
    int rc1 = hpo__storage_open(&st, "sqlite://rel.db");
    if (rc1 == 0)
        hpo__storage_close(st);
    /* SQLAlchemy's three slashes: relative to the working directory. */
    int rc3 = hpo__storage_open(&st, "sqlite:///other.db");
    int found3 = rc3 == 0 ? st->ops->study_get(st, "shared", &got) : rc3;
    if (rc3 == 0) {
        if (found3 == 0)
            hpo__study_row_free(&got);
        hpo__storage_close(st);
    }
    int rc2 = hpo__storage_open(&st, "sqlite:other.db");
    int found = rc2 == 0 ? st->ops->study_get(st, "shared", &got) : rc2;
    if (rc2 == 0) {
        hpo__study_row_free(&got);
        hpo__storage_close(st);
    }
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(found3, 0);
    assert_int_equal(rc1, 0);
    assert_int_equal(found, 0);
    snprintf(uri, sizeof uri, "%s/rel.db", f->dir);
    assert_int_equal(stat(uri, &sb), 0);
}

/* ------------------------------------------------------------ SQLite only */

#define N_PROCS 4
#define PROC_TRIALS 120

static int child_claims(const char *uri, int64_t sid)
{
    hpo__storage *st = NULL;
    if (hpo__storage_open(&st, uri) != 0)
        return 2;
    char worker[32];
    snprintf(worker, sizeof worker, "pid:%ld", (long)getpid());
    hpo__claim_req req = request(worker, 1.0, PROC_TRIALS);
    int status = 0;
    for (;;) {
        hpo__trial_row t = {0};
        int rc = claim(st, sid, &req, NULL, &t);
        if (rc == HPO_EDONE)
            break;
        if (rc != 0) {
            status = 3;
            break;
        }
        rc = st->ops->finish(st, t.id, HPO_TRIAL_COMPLETE, 0.0, NULL, NULL, 2.0);
        hpo__trial_row_free(&t);
        if (rc != 0) {
            status = 4;
            break;
        }
    }
    hpo__storage_close(st);
    return status;
}

static void test_sqlite_processes_claim_once(void **state)
{
    fixture *f = *state;
    int64_t sid = make_study(f->st, "procs", PROC_TRIALS);
    /* Children get their own handles; none inherits an open connection. */
    hpo__storage_close(f->st);
    f->st = NULL;
    pid_t pids[N_PROCS];
    for (int i = 0; i < N_PROCS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0)
            _exit(child_claims(f->uri, sid));
    }
    for (int i = 0; i < N_PROCS; i++) {
        int status = 0;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_int_equal(hpo__storage_open(&f->st, f->uri), 0);
    hpo__trial_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(f->st->ops->trials(f->st, sid, &rows, &n), 0);
    assert_int_equal(n, PROC_TRIALS);
    int seen[PROC_TRIALS] = {0};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(rows[i].number, (long long)i);
        assert_in_range(rows[i].seq, 0, PROC_TRIALS - 1);
        seen[rows[i].seq]++;
        assert_int_equal(rows[i].state, HPO_TRIAL_COMPLETE);
    }
    for (int k = 0; k < PROC_TRIALS; k++)
        assert_int_equal(seen[k], 1);
    hpo__trial_rows_free(rows, n);
}

static void test_sqlite_processes_create_once(void **state)
{
    fixture *f = *state;
    /* A new file: the processes also race to create the schema. */
    char uri[256];
    snprintf(uri, sizeof uri, "sqlite:///%s/other.db", f->dir);
    hpo__storage_close(f->st);
    f->st = NULL;
    pid_t pids[N_PROCS];
    for (int i = 0; i < N_PROCS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            hpo__storage *st = NULL;
            if (hpo__storage_open(&st, uri) != 0) {
                fprintf(stderr, "child: %s\n", hpo_errmsg());
                _exit(10);
            }
            hpo__study_row row = {0}, out = {0};
            row.name = (char *)(uintptr_t) "race";
            row.sampler = (char *)(uintptr_t) "random";
            int created = -1;
            int rc = st->ops->study_create(st, &row, &out, &created);
            hpo__study_row_free(&out);
            hpo__storage_close(st);
            _exit(rc != 0 ? 11 : created);
        }
    }
    int made = 0;
    for (int i = 0; i < N_PROCS; i++) {
        int status = 0;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
        assert_in_range(WEXITSTATUS(status), 0, 1);
        made += WEXITSTATUS(status);
    }
    assert_int_equal(made, 1);
    hpo__storage *st = NULL;
    assert_int_equal(hpo__storage_open(&st, uri), 0);
    char **names = NULL;
    size_t n = 0;
    int rc = st->ops->study_list(st, &names, &n);
    hpo__storage_close(st);
    assert_int_equal(rc, 0);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "race");
    hpo__free(names[0]);
    hpo__free(names);
}

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void test_sqlite_schema_mismatch(void **state)
{
    fixture *f = *state;
    char path[256];
    snprintf(path, sizeof path, "%s/other.db", f->dir);
    raw_exec(path, "PRAGMA user_version = 99");
    hpo__storage *st = NULL;
    assert_int_equal(hpo__storage_open(&st, path), HPO_ESCHEMA);
    expect_msg("has schema version 99; this hpo reads version 3");
    assert_null(st);

    /* A database of another program is refused, not adopted. */
    raw_exec(path, "PRAGMA user_version = 0; CREATE TABLE mine (x)");
    assert_int_equal(hpo__storage_open(&st, path), HPO_ESTORAGE);
    assert_null(st);

    /* The fixture's file carries version 3. */
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), 3);
    sqlite3_finalize(s);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT value FROM hpo_meta WHERE key = 'schema_version'",
                                        -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "3");
    sqlite3_finalize(s);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    sqlite3_close(db);
}

static void test_sqlite_bad_locations(void **state)
{
    fixture *f = *state;
    char path[256];
    struct stat sb;
    hpo__storage *st = NULL;

    snprintf(path, sizeof path, "%s/missing/dir/x.db", f->dir);
    assert_int_equal(hpo__storage_open(&st, path), HPO_ESTORAGE);
    expect_msg("does not exist");
    assert_null(st);
    snprintf(path, sizeof path, "%s/missing", f->dir);
    assert_int_equal(stat(path, &sb), -1);

    assert_int_equal(hpo__storage_open(&st, f->dir), HPO_ESTORAGE);
    assert_null(st);

    static const char text[] = "this is not a database, it is a text file of some length\n"
                               "with a second line that makes it longer than a header....\n";
    snprintf(path, sizeof path, "%s/plain.txt", f->dir);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fwrite(text, 1, sizeof text - 1, fp);
    fclose(fp);
    assert_int_equal(hpo__storage_open(&st, path), HPO_ESTORAGE);
    expect_msg("plain.txt");
    assert_null(st);
    char back[256] = {0};
    fp = fopen(path, "rb");
    assert_non_null(fp);
    size_t got = fread(back, 1, sizeof back - 1, fp);
    fclose(fp);
    assert_int_equal(got, sizeof text - 1);
    assert_memory_equal(back, text, sizeof text - 1);
    char wal[300];
    snprintf(wal, sizeof wal, "%s-wal", path);
    assert_int_equal(stat(wal, &sb), -1);
}

static void test_sqlite_locked(void **state)
{
    fixture *f = *state;
    setenv("HPO_SQLITE_BUSY_TIMEOUT_MS", "100", 1);
    hpo__storage *st = NULL;
    int rc = hpo__storage_open(&st, f->uri);
    unsetenv("HPO_SQLITE_BUSY_TIMEOUT_MS");
    assert_int_equal(rc, 0);
    int64_t sid = make_study(st, "s", 0);

    sqlite3 *other = NULL;
    assert_int_equal(sqlite3_open(f->path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    hpo__claim_req req = request("w", 1.0, 0);
    hpo__trial_row t = {0};
    assert_int_equal(claim(st, sid, &req, NULL, &t), HPO_ELOCKED);
    expect_msg("is locked by another process");
    hpo__study_row row = {0}, out = {0};
    row.name = (char *)(uintptr_t) "blocked";
    int created = -1;
    assert_int_equal(st->ops->study_create(st, &row, &out, &created), HPO_ELOCKED);
    assert_int_equal(created, -1);
    /* Readers are not blocked by a writer in WAL mode. */
    long long counts[4], lost, claimed;
    assert_int_equal(st->ops->counts(st, sid, counts, &lost, &claimed), 0);
    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);

    assert_int_equal(claim(st, sid, &req, NULL, &t), 0);
    assert_int_equal(t.number, 0);
    hpo__trial_row_free(&t);
    hpo__storage_close(st);
}

static void test_artifacts(void **state)
{
    fixture *f = *state;
    hpo__storage *st = f->st;
    int64_t a = make_study(st, "alpha", 5), b = make_study(st, "beta", 5);
    void *data = NULL;
    size_t len = 0;
    assert_int_equal(st->ops->artifact_get(st, a, "model", &data, &len), HPO_ENOTFOUND);
    expect_msg("model");
    const char bytes[] = {'x', 0, 'y', (char)0xff};
    assert_int_equal(st->ops->artifact_put(st, a, "model", bytes, sizeof bytes), 0);
    assert_int_equal(st->ops->artifact_put(st, b, "model", "other", 5), 0);
    assert_int_equal(st->ops->artifact_get(st, a, "model", &data, &len), 0);
    assert_int_equal(len, sizeof bytes);
    assert_memory_equal(data, bytes, sizeof bytes);
    hpo__free(data);
    /* replaced whole */
    assert_int_equal(st->ops->artifact_put(st, a, "model", "new", 3), 0);
    assert_int_equal(st->ops->artifact_get(st, a, "model", &data, &len), 0);
    assert_int_equal(len, 3);
    assert_memory_equal(data, "new", 3);
    hpo__free(data);
    /* empty value */
    assert_int_equal(st->ops->artifact_put(st, a, "empty", "", 0), 0);
    assert_int_equal(st->ops->artifact_get(st, a, "empty", &data, &len), 0);
    assert_int_equal(len, 0);
    hpo__free(data);
    /* delete one key, then a prefix (keys with LIKE wildcards are literal) */
    assert_int_equal(st->ops->artifact_put(st, a, "ckpt/1/0", "a", 1), 0);
    assert_int_equal(st->ops->artifact_put(st, a, "ckpt/1/1", "b", 1), 0);
    assert_int_equal(st->ops->artifact_put(st, a, "ckpt/10/0", "c", 1), 0);
    assert_int_equal(st->ops->artifact_put(st, a, "ckpt%", "d", 1), 0);
    assert_int_equal(st->ops->artifact_put(st, b, "ckpt/1/0", "e", 1), 0);
    assert_int_equal(st->ops->artifact_delete(st, a, "empty", 0), 0);
    assert_int_equal(st->ops->artifact_get(st, a, "empty", &data, &len), HPO_ENOTFOUND);
    assert_int_equal(st->ops->artifact_delete(st, a, "absent", 0), 0);
    assert_int_equal(st->ops->artifact_delete(st, a, "ckpt/1/", 1), 0);
    assert_int_equal(st->ops->artifact_get(st, a, "ckpt/1/0", &data, &len), HPO_ENOTFOUND);
    assert_int_equal(st->ops->artifact_get(st, a, "ckpt/1/1", &data, &len), HPO_ENOTFOUND);
    assert_int_equal(st->ops->artifact_get(st, a, "ckpt/10/0", &data, &len), 0);
    hpo__free(data);
    assert_int_equal(st->ops->artifact_delete(st, a, "ckpt_", 1), 0); /* no key starts so */
    assert_int_equal(st->ops->artifact_get(st, a, "ckpt%", &data, &len), 0);
    hpo__free(data);
    assert_int_equal(st->ops->artifact_get(st, b, "ckpt/1/0", &data, &len), 0);
    hpo__free(data);
    assert_int_equal(st->ops->artifact_get(st, a, "model", &data, &len), 0);
    hpo__free(data);
    /* deleted with the study, the other study's kept */
    assert_int_equal(st->ops->study_delete(st, "alpha"), 0);
    int64_t a2 = make_study(st, "alpha", 5);
    assert_int_equal(st->ops->artifact_get(st, a2, "model", &data, &len), HPO_ENOTFOUND);
    assert_int_equal(st->ops->artifact_get(st, b, "model", &data, &len), 0);
    assert_int_equal(len, 5);
    hpo__free(data);
}

/* The schema as hpo wrote it at version 1 (no artifacts table); version 2
 * added the artifacts table, version 3 the scheduler columns. */
static const char v1_schema[] =
    "CREATE TABLE hpo_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "INSERT INTO hpo_meta (key, value) VALUES ('schema_version', '1');"
    "CREATE TABLE studies (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " direction INTEGER NOT NULL, seed INTEGER NOT NULL, sampler TEXT NOT NULL,"
    " sampler_options_json TEXT, space_json TEXT, objective_json TEXT, spec_text TEXT,"
    " n_trials INTEGER NOT NULL, created REAL NOT NULL);"
    "CREATE TABLE trials (id INTEGER PRIMARY KEY,"
    " study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,"
    " number INTEGER NOT NULL, seq INTEGER NOT NULL, state INTEGER NOT NULL, value REAL,"
    " params_json TEXT NOT NULL, message TEXT, attrs_json TEXT, worker TEXT NOT NULL,"
    " start_time REAL NOT NULL, end_time REAL, heartbeat REAL NOT NULL,"
    " retry_of INTEGER NOT NULL DEFAULT -1, requeue_pending INTEGER NOT NULL DEFAULT 0,"
    " lost INTEGER NOT NULL DEFAULT 0);"
    "CREATE UNIQUE INDEX trials_study_number ON trials (study_id, number);"
    "CREATE INDEX trials_study_seq ON trials (study_id, seq);"
    "CREATE INDEX trials_running ON trials (study_id, number) WHERE state = 0;"
    "CREATE INDEX trials_requeue ON trials (study_id, number) WHERE requeue_pending = 1;"
    "CREATE INDEX trials_state ON trials (study_id, state, lost);"
    "CREATE TABLE reports (trial_id INTEGER NOT NULL REFERENCES trials (id) ON DELETE CASCADE,"
    " step INTEGER NOT NULL, value REAL, PRIMARY KEY (trial_id, step));"
    "INSERT INTO studies VALUES (1, 'old', 1, 7, 'random', '{}', '{}', NULL, NULL, 3, 1.0);"
    "INSERT INTO trials (id, study_id, number, seq, state, value, params_json, worker,"
    " start_time, end_time, heartbeat) VALUES (1, 1, 0, 0, 1, 0.5, '{\"x\":1}', 'w', 1, 2, 2);"
    "PRAGMA user_version = 1;";

static const char v1_to_v2[] =
    "CREATE TABLE artifacts (study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,"
    " key TEXT NOT NULL, value BLOB NOT NULL, created REAL NOT NULL,"
    " PRIMARY KEY (study_id, key));"
    "UPDATE hpo_meta SET value = '2' WHERE key = 'schema_version'; PRAGMA user_version = 2;";

/* A version-1 or version-2 file is migrated in place at open: artifacts work,
 * old trials get no scheduler fields, new claims store them. */
static void check_migrated(fixture *f, int from)
{
    unlink(f->path);
    raw_exec(f->path, v1_schema);
    if (from == 2)
        raw_exec(f->path, v1_to_v2);
    assert_int_equal(hpo__storage_open(&f->st, f->uri), 0);
    hpo__study_row got = {0};
    assert_int_equal(f->st->ops->study_get(f->st, "old", &got), 0);
    assert_null(got.scheduler);
    hpo__trial_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(f->st->ops->trials(f->st, got.id, &rows, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].parent, -1);
    assert_int_equal(rows[0].rung, -1);
    assert_int_equal(rows[0].bracket, -1);
    assert_true(isnan(rows[0].budget));
    assert_true(rows[0].budget_start == 0.0);
    assert_true(rows[0].value == 0.5);
    hpo__trial_rows_free(rows, n);
    assert_int_equal(f->st->ops->artifact_put(f->st, got.id, "model", "m", 1), 0);
    proposer p = {0};
    hpo__trial_row t = {0};
    hpo__claim_req req = request("w2", 100.0, 3);
    assert_int_equal(claim(f->st, got.id, &req, &p, &t), 0);
    assert_int_equal(t.seq, 1);
    assert_int_equal(t.parent, -1);
    hpo__trial_row_free(&t);
    hpo__study_row_free(&got);
    hpo__storage_close(f->st);
    f->st = NULL;
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), 3);
    sqlite3_finalize(s);
    sqlite3_close(db);
}

static void test_sqlite_migrate_v1(void **state)
{
    fixture *f = *state;
    hpo__storage_close(f->st);
    f->st = NULL;
    check_migrated(f, 1);
}

static void test_sqlite_migrate_v2(void **state)
{
    fixture *f = *state;
    hpo__storage_close(f->st);
    f->st = NULL;
    check_migrated(f, 2);
}

/* A scripted scheduler: returns jobs[k] on its k-th call and records what
 * it saw. */
typedef struct script {
    hpo__job jobs[8];
    int calls;
    size_t seen_n[8];
    long long seen_next[8];
    int seen_lost_rows;
} script;

static int scripted(void *payload, const hpo__trial_row *rows, size_t n, long long next_seq,
                    hpo__job *out)
{
    script *sc = payload;
    sc->seen_n[sc->calls] = n;
    sc->seen_next[sc->calls] = next_seq;
    for (size_t i = 0; i < n; i++) {
        assert_null(rows[i].params_json); /* the view carries no strings */
        if (rows[i].lost)
            sc->seen_lost_rows++;
    }
    *out = sc->jobs[sc->calls++];
    return 0;
}

/* With a scheduler the claim carries out its jobs: a new configuration with
 * its budget, a promotion (same seq and params as the parent, new number),
 * WAIT and DONE; n_trials is left to the scheduler; a lost trial's re-run
 * keeps its scheduler fields. */
static void test_claim_schedule(void **state)
{
    fixture *f = *state;
    hpo__storage *st = f->st;
    int64_t sid = make_study(st, "s", 0);
    script sc = {.calls = 0};
    sc.jobs[0] = (hpo__job){HPO__JOB_NEW, -1, 0, 0, 1.0, 0.0};
    sc.jobs[1] = (hpo__job){HPO__JOB_NEW, -1, 0, 0, 1.0, 0.0};
    sc.jobs[2] = (hpo__job){HPO__JOB_WAIT, -1, -1, -1, 0.0, 0.0};
    sc.jobs[3] = (hpo__job){HPO__JOB_PROMOTE, 1, 0, 1, 3.0, 1.0};
    sc.jobs[4] = (hpo__job){HPO__JOB_DONE, -1, -1, -1, 0.0, 0.0};
    hpo__claim_req req = request("w1", 10.0, 1); /* n_trials 1: the scheduler decides */
    req.schedule = scripted;
    req.schedule_payload = &sc;
    proposer p = {0};
    hpo__trial_row a = {0}, b = {0}, c = {0}, d = {0};
    assert_int_equal(claim(st, sid, &req, &p, &a), 0);
    assert_int_equal(a.seq, 0);
    assert_int_equal(a.rung, 0);
    assert_int_equal(a.bracket, 0);
    assert_true(a.budget == 1.0);
    assert_int_equal(a.parent, -1);
    assert_int_equal(claim(st, sid, &req, &p, &b), 0);
    assert_int_equal(b.seq, 1);
    assert_int_equal(p.calls, 2);
    assert_int_equal(claim(st, sid, &req, &p, &c), HPO_EWAIT);
    assert_int_equal(st->ops->finish(st, b.id, HPO_TRIAL_COMPLETE, 0.9, NULL, NULL, 11.0), 0);
    assert_int_equal(claim(st, sid, &req, &p, &c), 0);
    assert_int_equal(p.calls, 2); /* a promotion proposes nothing */
    assert_int_equal(c.number, 2);
    assert_int_equal(c.seq, 1);
    assert_string_equal(c.params_json, b.params_json);
    assert_int_equal(c.parent, 1);
    assert_int_equal(c.rung, 1);
    assert_true(c.budget == 3.0);
    assert_true(c.budget_start == 1.0);
    assert_int_equal(claim(st, sid, &req, &p, &d), HPO_EDONE);
    assert_int_equal(sc.seen_n[0], 0);
    assert_int_equal(sc.seen_n[3], 2);
    assert_int_equal(sc.seen_next[3], 2);

    /* The promoted trial's worker dies: its re-run keeps the job. */
    dead_ctx dc = {.dead_worker = "w1"};
    hpo__claim_req r2 = request("w2", 50.0, 0);
    r2.worker_dead = worker_dead;
    r2.worker_dead_payload = &dc;
    r2.schedule = scripted;
    r2.schedule_payload = &sc;
    hpo__trial_row e = {0}, g = {0};
    assert_int_equal(claim(st, sid, &r2, &p, &e), 0);
    assert_int_equal(sc.calls, 5);   /* re-runs do not ask the scheduler */
    assert_int_equal(e.retry_of, 0); /* trial 0 (w1, running) is re-run first */
    assert_int_equal(claim(st, sid, &r2, &p, &g), 0);
    assert_int_equal(g.retry_of, 2);
    assert_int_equal(g.parent, 1);
    assert_int_equal(g.rung, 1);
    assert_int_equal(g.seq, 1);
    assert_true(g.budget == 3.0);
    assert_true(g.budget_start == 1.0);
    hpo__trial_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(st->ops->trials(st, sid, &rows, &n), 0);
    assert_int_equal(n, 5);
    assert_int_equal(rows[2].lost, 1);
    assert_int_equal(rows[2].parent, 1);
    assert_int_equal(rows[4].parent, 1);
    assert_true(isnan(rows[0].budget) == 0);
    hpo__trial_rows_free(rows, n);
    hpo__trial_row_free(&a);
    hpo__trial_row_free(&b);
    hpo__trial_row_free(&c);
    hpo__trial_row_free(&e);
    hpo__trial_row_free(&g);
}

#define ON(kind, fn)                                                                               \
    {                                                                                              \
#kind "/" #fn, fn, setup, teardown, (void *)(uintptr_t)kind_##kind                         \
    }
#define BOTH(fn) ON(memory, fn), ON(sqlite, fn)
#define SQLITE(fn) ON(sqlite, fn)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_studies_create_get_list_delete),
        BOTH(test_claim_numbers_and_seqs),
        BOTH(test_claim_capacity),
        BOTH(test_claim_history),
        BOTH(test_propose_error_rolls_back),
        BOTH(test_finish_report_heartbeat),
        BOTH(test_reap_and_requeue),
        BOTH(test_claim_schedule),
        BOTH(test_finish_finished_is_estate),
        BOTH(test_out_of_memory),
        BOTH(test_threads_claim_once),
        BOTH(test_artifacts),
        SQLITE(test_sqlite_migrate_v1),
        SQLITE(test_sqlite_migrate_v2),
        SQLITE(test_uri_forms),
        SQLITE(test_sqlite_processes_claim_once),
        SQLITE(test_sqlite_processes_create_once),
        SQLITE(test_sqlite_schema_mismatch),
        SQLITE(test_sqlite_bad_locations),
        SQLITE(test_sqlite_locked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
