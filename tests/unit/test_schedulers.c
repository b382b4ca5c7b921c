/*
 * test_schedulers.c -- the schedulers halving, hyperband (keras and li) and
 * asha (src/schedulers/{halving,hyperband,asha}.c) driven by a small study
 * simulator: trials are claimed through next_job, run, and finished with a
 * deterministic score (with ties and failures), one at a time (sequential)
 * or with W workers finishing in a seeded random order (parallel). The
 * expected schedules come from the plan arithmetic (tested in test_halving.c
 * and test_hyperband.c), the tables of semantics-notes.md, KerasTuner's own
 * tests, and reference rules written plainly here.
 */
#include "schedulers/halving.h"
#include "schedulers/hyperband.h"
#include "schedulers/scheduler.h"
#include "util/util.h"

#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

extern const hpo__scheduler_ops hpo__halving_scheduler_ops;
extern const hpo__scheduler_ops hpo__hyperband_scheduler_ops;
extern const hpo__scheduler_ops hpo__asha_scheduler_ops;

/* ---- the simulator */

typedef struct sim sim;
/* Called with every job before its trial is added (rows as next_job saw them). */
typedef void (*sim_check_fn)(const sim *m, const hpo__job *job);

struct sim {
    hpo__trial_row *rows;
    size_t n, cap;
    long long next_seq, max_new;
    hpo_direction dir;
    const hpo__scheduler_ops *ops;
    hpo__scheduler *s;
    double (*score)(long long seq, double budget); /* NaN: the trial fails */
    sim_check_fn check;
    uint64_t rng;
    size_t n_wait, n_asks;
};

static void sim_init(sim *m, const hpo__scheduler_ops *ops, const hpo_kv *opts, size_t n_opts,
                     hpo_direction dir, const char *sampler, long long capacity, long long max_new,
                     double (*score)(long long, double))
{
    memset(m, 0, sizeof *m);
    hpo__scheduler_config cfg = {.options = opts,
                                 .n_options = n_opts,
                                 .direction = dir,
                                 .sampler_capacity = capacity,
                                 .n_trials = 0,
                                 .sampler = sampler};
    int rc = ops->create(&m->s, &cfg);
    if (rc)
        fail_msg("create: %s", hpo_errmsg());
    m->ops = ops;
    m->dir = dir;
    m->max_new = max_new;
    m->score = score;
    m->rng = 0x9e3779b97f4a7c15ULL;
}

static void sim_free(sim *m)
{
    m->ops->destroy(m->s);
    free(m->rows);
}

static hpo__job_kind sim_ask(sim *m, hpo__job *job)
{
    hpo__sched_view v = {.rows = m->rows,
                         .n = m->n,
                         .direction = m->dir,
                         .next_seq = m->next_seq,
                         .max_new = m->max_new};
    memset(job, 0xA5, sizeof *job);
    int rc = m->ops->next_job(m->s, &v, job);
    if (rc)
        fail_msg("next_job: %s", hpo_errmsg());
    m->n_asks++;
    if (m->check)
        m->check(m, job);
    if (job->kind == HPO__JOB_WAIT)
        m->n_wait++;
    if (job->kind != HPO__JOB_NEW && job->kind != HPO__JOB_PROMOTE)
        return job->kind;
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 64;
        m->rows = realloc(m->rows, m->cap * sizeof *m->rows);
        assert_non_null(m->rows);
    }
    hpo__trial_row *r = &m->rows[m->n];
    memset(r, 0, sizeof *r);
    r->number = (long long)m->n;
    r->state = HPO_TRIAL_RUNNING;
    r->value = (double)NAN;
    r->retry_of = -1;
    r->parent = job->parent;
    r->bracket = job->bracket;
    r->rung = job->rung;
    r->budget = job->budget;
    r->budget_start = job->budget_start;
    if (job->kind == HPO__JOB_NEW) {
        assert_int_equal(job->parent, -1);
        assert_true(job->budget_start == 0.0);
        assert_true(m->max_new < 0 || m->next_seq < m->max_new);
        r->seq = m->next_seq++;
    } else {
        assert_true(job->parent >= 0 && (size_t)job->parent < m->n);
        r->seq = m->rows[job->parent].seq;
    }
    m->n++;
    return job->kind;
}

static void sim_finish(sim *m, size_t i)
{
    hpo__trial_row *r = &m->rows[i];
    assert_int_equal(r->state, HPO_TRIAL_RUNNING);
    double x = m->score(r->seq, r->budget);
    r->state = isnan(x) ? HPO_TRIAL_FAILED : HPO_TRIAL_COMPLETE;
    r->value = x;
}

static uint64_t sim_rand(sim *m)
{
    m->rng ^= m->rng << 13;
    m->rng ^= m->rng >> 7;
    m->rng ^= m->rng << 17;
    return m->rng;
}

/* Run to DONE with `workers` trials in flight, finishing a random running
 * one at a time (workers = 1: sequential). Fails on WAIT with nothing
 * running (a deadlock) or after max_asks. */
static void sim_run(sim *m, size_t workers, uint64_t seed, size_t max_asks)
{
    size_t *run = calloc(workers, sizeof *run), nrun = 0;
    assert_non_null(run);
    if (seed)
        m->rng = seed;
    for (;;) {
        hpo__job job;
        hpo__job_kind kind = HPO__JOB_DONE;
        while (nrun < workers) {
            kind = sim_ask(m, &job);
            if (kind == HPO__JOB_NEW || kind == HPO__JOB_PROMOTE)
                run[nrun++] = m->n - 1;
            else
                break;
            assert_true(m->n_asks < max_asks);
        }
        if (nrun == 0) {
            assert_int_equal(kind, HPO__JOB_DONE);
            break;
        }
        assert_true(m->n_asks < max_asks);
        size_t j = (size_t)(sim_rand(m) % nrun);
        sim_finish(m, run[j]);
        run[j] = run[--nrun];
    }
    free(run);
}

/* ---- scores: deterministic, with ties and failures */

/* Many ties (7 distinct values per budget), a failure every 11th seq. */
static double score_ties_fail(long long seq, double budget)
{
    if (seq % 11 == 3)
        return (double)NAN;
    return (double)((seq * 37 + (long long)budget) % 7);
}

/* Distinct-ish values that grow with the budget, a few ties. */
static double score_hb(long long seq, double budget)
{
    return (double)((seq * 7919) % 13) + 0.01 * budget;
}

static double score_hb_fail(long long seq, double budget)
{
    if (seq % 5 == 2)
        return (double)NAN;
    return score_hb(seq, budget);
}

static double score_asha(long long seq, double budget)
{
    return (double)((seq * 7919) % 17) - 0.1 * budget;
}

static double row_score(const hpo__trial_row *r)
{
    return r->state == HPO_TRIAL_COMPLETE ? r->value : (double)NAN;
}

/* Is a better than b (NaN worst)? Written out, not hpo__sched_better. */
static int better(hpo_direction dir, double a, double b)
{
    if (isnan(a))
        return 0;
    if (isnan(b))
        return 1;
    return dir == HPO_MINIMIZE ? a < b : a > b;
}

/* ---- halving */

/* scikit-learn's _top_k, written out: sorted_indices = np.roll(np.argsort(
 * scores), count of NaNs) -- numpy's argsort (hpo__np_argsort, checked
 * against numpy by tests/parity/test_nprandom.py) puts NaNs last, the roll
 * brings them to the front -- then the last k. */
static void ref_top_k(const double *score, size_t n, size_t k, size_t *kept)
{
    size_t *perm = malloc((n ? n : 1) * sizeof *perm), n_nan = 0;
    assert_non_null(perm);
    hpo__np_argsort(score, n, perm);
    for (size_t i = 0; i < n; i++)
        n_nan += isnan(score[i]) != 0;
    for (size_t q = 0; q < k; q++) {
        size_t pos = n - k + q; /* position in the rolled array */
        kept[q] = perm[(pos + n - n_nan) % n];
    }
    free(perm);
}

/* Up to 16 scores numpy's argsort is stable; beyond, its introsort moves
 * equal scores: the order scikit-learn keeps. */
static void test_np_argsort_ties(void **state)
{
    (void)state;
    double small[16], big[17];
    size_t p[17];
    for (int i = 0; i < 16; i++)
        small[i] = (double)(i % 2);
    hpo__np_argsort(small, 16, p);
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(p[i], 2 * i);
        assert_int_equal(p[8 + i], 2 * i + 1);
    }
    for (int i = 0; i < 17; i++)
        big[i] = (double)(i % 2);
    hpo__np_argsort(big, 17, p);
    /* np.argsort(np.arange(17) % 2 * 1.0) with numpy 1.24 */
    const size_t want[17] = {0, 14, 12, 10, 6, 8, 4, 2, 16, 7, 15, 9, 3, 11, 13, 1, 5};
    for (size_t i = 0; i < 17; i++)
        assert_int_equal(p[i], want[i]);
    /* NaNs last */
    double nan3[3] = {(double)NAN, 1.0, 0.0};
    hpo__np_argsort(nan3, 3, p);
    assert_int_equal(p[0], 2);
    assert_int_equal(p[1], 1);
    assert_int_equal(p[2], 0);
}

static void halving_check(const sim *m, const hpo__job *job)
{
    if (job->kind == HPO__JOB_PROMOTE) {
        /* iteration rung-1 has finished */
        for (size_t i = 0; i < m->n; i++)
            if (m->rows[i].rung == job->rung - 1)
                assert_int_not_equal(m->rows[i].state, HPO_TRIAL_RUNNING);
        assert_int_equal(job->bracket, 0);
        assert_true(job->budget_start == m->rows[job->parent].budget);
    } else if (job->kind == HPO__JOB_WAIT) {
        int running = 0;
        for (size_t i = 0; i < m->n; i++)
            running |= m->rows[i].state == HPO_TRIAL_RUNNING;
        assert_true(running);
    }
}

/* The finished run against the plan and the reference top-k. */
static void halving_verify(const sim *m, const hpo__halving_plan *p)
{
    size_t total = 0;
    for (int it = 0; it < p->n_iterations; it++) {
        size_t cnt = 0;
        for (size_t i = 0; i < m->n; i++) {
            if (m->rows[i].rung != it)
                continue;
            cnt++;
            assert_true(m->rows[i].budget == (double)p->n_resources[it]);
            assert_int_equal(m->rows[i].bracket, 0);
        }
        assert_int_equal(cnt, p->n_candidates[it]);
        total += cnt;
        if (it == 0)
            continue;
        /* iteration it-1 in number order, its scores as scikit-learn's */
        size_t n_prev = (size_t)p->n_candidates[it - 1], k = (size_t)p->n_candidates[it], q = 0;
        double *sc = malloc(n_prev * sizeof *sc);
        long long *num = malloc(n_prev * sizeof *num);
        size_t *kept = malloc(k * sizeof *kept);
        assert_true(sc && num && kept);
        for (size_t i = 0; i < m->n; i++) {
            if (m->rows[i].rung != it - 1)
                continue;
            double x = row_score(&m->rows[i]);
            sc[q] = m->dir == HPO_MINIMIZE ? -x : x;
            num[q++] = m->rows[i].number;
        }
        assert_int_equal(q, n_prev);
        ref_top_k(sc, n_prev, k, kept);
        q = 0;
        for (size_t i = 0; i < m->n; i++)
            if (m->rows[i].rung == it)
                assert_int_equal(m->rows[i].parent, num[kept[q++]]);
        free(sc);
        free(num);
        free(kept);
    }
    assert_int_equal(m->n, total);
}

static void halving_case(const hpo_kv *opts, size_t n_opts, const char *sampler, long long cap,
                         hpo_direction dir, const hpo__halving_config *hc, hpo__halving_plan *plan)
{
    assert_int_equal(hpo__halving_plan_make(hc, plan), 0);
    sim a, b;
    sim_init(&a, &hpo__halving_scheduler_ops, opts, n_opts, dir, sampler, cap, -1, score_ties_fail);
    a.check = halving_check;
    sim_run(&a, 1, 1, 100000);
    assert_int_equal(a.n_wait, 0);
    halving_verify(&a, plan);
    assert_int_equal(a.ops->n_configurations(a.s), (long long)plan->n_candidates_first);

    sim_init(&b, &hpo__halving_scheduler_ops, opts, n_opts, dir, sampler, cap, -1, score_ties_fail);
    b.check = halving_check;
    sim_run(&b, 3, 12345, 100000);
    assert_true(b.n_wait > 0);
    halving_verify(&b, plan);
    /* the same schedule with 1 and 3 workers */
    assert_int_equal(a.n, b.n);
    for (size_t i = 0; i < a.n; i++) {
        assert_int_equal(a.rows[i].seq, b.rows[i].seq);
        assert_int_equal(a.rows[i].parent, b.rows[i].parent);
        assert_int_equal(a.rows[i].rung, b.rows[i].rung);
        assert_true(a.rows[i].budget == b.rows[i].budget);
        assert_true(a.rows[i].value == b.rows[i].value ||
                    (isnan(a.rows[i].value) && isnan(b.rows[i].value)));
    }
    sim_free(&a);
    sim_free(&b);
}

static const hpo_kv grid36_opts[] = {{"n_samples", "1000"}, {"n_splits", "5"}, {"n_classes", "3"}};

static void grid36_config(hpo__halving_config *hc)
{
    *hc = (hpo__halving_config){.n_candidates = 36,
                                .factor = 3,
                                .factor_is_int = 1,
                                .resource_is_n_samples = 1,
                                .min_kind = HPO__MINRES_EXHAUST,
                                .n_samples = 1000,
                                .n_splits = 5,
                                .n_classes = 3};
}

static void test_halving_grid36(void **state)
{
    (void)state;
    hpo__halving_config hc;
    grid36_config(&hc);
    hpo__halving_plan p;
    halving_case(grid36_opts, 3, "grid", 36, HPO_MAXIMIZE, &hc, &p);
    /* by hand: n_required 4, min_resources_ max(30, 1000 // 27 = 37) */
    assert_int_equal(p.n_iterations, 4);
    const long long res[] = {37, 111, 333, 999};
    const unsigned long long cand[] = {36, 12, 4, 2};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(p.n_resources[i], res[i]);
        assert_int_equal(p.n_candidates[i], cand[i]);
    }
}

static void test_halving_grid36_minimize(void **state)
{
    (void)state;
    hpo__halving_config hc;
    grid36_config(&hc);
    hpo__halving_plan p;
    halving_case(grid36_opts, 3, "grid", 36, HPO_MINIMIZE, &hc, &p);
}

static const hpo_kv rand20_opts[] = {{"n_candidates", "20"},
                                     {"factor", "2.5"},
                                     {"resource", "n_estimators"},
                                     {"max_resources", "100"},
                                     {"min_resources", "exhaust"}};

static void test_halving_random20(void **state)
{
    (void)state;
    hpo__halving_config hc = {
        .n_candidates = 20, .factor = 2.5, .min_kind = HPO__MINRES_EXHAUST, .max_resources = 100};
    hpo__halving_plan p;
    halving_case(rand20_opts, 5, "random", -1, HPO_MAXIMIZE, &hc, &p);
    /* by hand: min_resources_ = 100 // 2.5**3 = 6.0 (a float) */
    assert_true(p.min_resources_is_float && p.min_resources_ == 6.0);
    const long long res[] = {6, 15, 37, 93};
    for (int i = 0; i < 4; i++)
        assert_int_equal(p.n_resources[i], res[i]);
}

static void test_halving_aggressive(void **state)
{
    (void)state;
    const hpo_kv opts[] = {{"resource", "n_estimators"},
                           {"max_resources", "20"},
                           {"min_resources", "smallest"},
                           {"aggressive_elimination", "true"}};
    hpo__halving_config hc = {.n_candidates = 36,
                              .factor = 3,
                              .factor_is_int = 1,
                              .min_kind = HPO__MINRES_SMALLEST,
                              .max_resources = 20,
                              .aggressive_elimination = 1};
    hpo__halving_plan p;
    halving_case(opts, 4, "grid", 36, HPO_MAXIMIZE, &hc, &p);
    /* by hand: 4 iterations at 1, 1, 3, 9 */
    assert_int_equal(p.n_iterations, 4);
    assert_int_equal(p.n_resources[1], 1);
    assert_int_equal(p.n_resources[3], 9);
}

/* A random sampler over a space of lists yields at most its grid: 'exhaust'
 * (1000 // 20 = 50 candidates) is capped at the 10 configurations; a sampler
 * without a finite grid is not. */
static void test_halving_grid_cap(void **state)
{
    (void)state;
    const hpo_kv opts[] = {{"n_samples", "1000"}, {"n_splits", "5"}, {"n_classes", "2"}};
    const char *samplers[] = {"random", "qmc"};
    const long long caps[] = {10, -1}, expect[] = {10, 50};
    for (int i = 0; i < 2; i++) {
        hpo__scheduler_config cfg = {.options = opts,
                                     .n_options = 3,
                                     .direction = HPO_MAXIMIZE,
                                     .sampler_capacity = caps[i],
                                     .sampler = samplers[i]};
        hpo__scheduler *s = NULL;
        assert_int_equal(hpo__halving_scheduler_ops.create(&s, &cfg), 0);
        assert_int_equal(hpo__halving_scheduler_ops.n_configurations(s), expect[i]);
        hpo__halving_scheduler_ops.destroy(s);
    }
}

/* WAIT exactly while iteration 0 is unfinished, DONE at the end. */
static void test_halving_wait(void **state)
{
    (void)state;
    sim m;
    sim_init(&m, &hpo__halving_scheduler_ops, grid36_opts, 3, HPO_MAXIMIZE, "grid", 36, -1,
             score_ties_fail);
    hpo__job job;
    for (int i = 0; i < 36; i++)
        assert_int_equal(sim_ask(&m, &job), HPO__JOB_NEW);
    for (size_t i = 0; i < 35; i++)
        sim_finish(&m, i);
    assert_int_equal(sim_ask(&m, &job), HPO__JOB_WAIT);
    assert_int_equal(sim_ask(&m, &job), HPO__JOB_WAIT);
    sim_finish(&m, 35);
    assert_int_equal(sim_ask(&m, &job), HPO__JOB_PROMOTE);
    assert_int_equal(job.rung, 1);
    assert_true(job.budget == 111.0 && job.budget_start == 37.0);
    sim_free(&m);

    /* n_trials stops iteration 0 at 10: the schedule goes on with those */
    sim_init(&m, &hpo__halving_scheduler_ops, grid36_opts, 3, HPO_MAXIMIZE, "grid", 36, 10,
             score_ties_fail);
    sim_run(&m, 2, 7, 10000);
    size_t c0 = 0, c1 = 0;
    for (size_t i = 0; i < m.n; i++) {
        c0 += m.rows[i].rung == 0;
        c1 += m.rows[i].rung == 1;
    }
    assert_int_equal(c0, 10);
    assert_int_equal(c1, 10); /* min(12, 10) */
    sim_free(&m);
}

/* ---- hyperband, keras */

/* KerasTuner's invariants for every job: round-0 NEW with its epochs; a
 * promotion continues the best not yet promoted COMPLETE trial of the
 * previous round of the same instance, from its epochs. */
static const hpo__hb_plan *hb_ref_plan;

static void keras_check(const sim *m, const hpo__job *job)
{
    const hpo__hb_plan *p = hb_ref_plan;
    if (job->kind == HPO__JOB_NEW) {
        assert_int_equal(job->rung, 0);
        assert_true(job->budget == p->brackets[job->bracket % p->n_brackets].rounds[0].resource);
        return;
    }
    if (job->kind != HPO__JOB_PROMOTE)
        return;
    const hpo__trial_row *par = &m->rows[job->parent];
    assert_int_equal(par->state, HPO_TRIAL_COMPLETE);
    assert_int_equal(par->bracket, job->bracket);
    assert_int_equal(par->rung, job->rung - 1);
    const hpo__hb_round *rd = &p->brackets[job->bracket % p->n_brackets].rounds[job->rung];
    assert_true(job->budget == rd->resource);
    assert_true(job->budget_start == rd->initial);
    assert_true(job->budget_start == par->budget);
    long long best = -1;
    for (size_t i = 0; i < m->n; i++) {
        const hpo__trial_row *r = &m->rows[i];
        assert_int_not_equal(r->parent, job->parent); /* never promoted twice */
        if (r->bracket != par->bracket || r->rung != par->rung || r->state != HPO_TRIAL_COMPLETE)
            continue;
        int taken = 0;
        for (size_t j = 0; j < m->n; j++)
            taken |= m->rows[j].parent == r->number;
        if (!taken && (best < 0 || better(m->dir, r->value, m->rows[best].value)))
            best = r->number;
    }
    assert_int_equal(job->parent, best);
}

static void count_rounds(const sim *m, int bracket, int rung, size_t *n, double *budget,
                         double *start)
{
    *n = 0;
    for (size_t i = 0; i < m->n; i++) {
        const hpo__trial_row *r = &m->rows[i];
        if (r->bracket != bracket || r->rung != rung)
            continue;
        (*n)++;
        *budget = r->budget;
        *start = r->budget_start;
    }
}

static void test_keras_27_sequential(void **state)
{
    (void)state;
    static hpo__hb_plan p;
    assert_int_equal(hpo__hb_plan_keras(27, 3, &p), 0);
    hb_ref_plan = &p;
    const hpo_kv opts[] = {{"max_epochs", "27"}, {"factor", "3"}};
    sim m;
    sim_init(&m, &hpo__hyperband_scheduler_ops, opts, 2, HPO_MAXIMIZE, "random", -1, -1, score_hb);
    m.check = keras_check;
    sim_run(&m, 1, 1, 10000);
    assert_int_equal(m.n, 70);
    assert_int_equal(m.n_wait, 0);
    /* semantics-notes.md 2.1: per bracket (round, n_trials, epochs, initial) */
    static const double table[4][4][3] = {{{27, 1, 0}, {9, 3, 1}, {3, 9, 3}, {1, 27, 9}},
                                          {{12, 3, 0}, {4, 9, 3}, {2, 27, 9}},
                                          {{6, 9, 0}, {2, 27, 9}},
                                          {{4, 27, 0}}};
    for (int k = 0; k < 4; k++) {
        for (int r = 0; r < 4; r++) {
            size_t n;
            double b = -1, st = -1;
            count_rounds(&m, k, r, &n, &b, &st);
            if (r > 3 - k) {
                assert_int_equal(n, 0);
                continue;
            }
            assert_int_equal(n, (size_t)table[k][r][0]);
            assert_true(b == table[k][r][1]);
            assert_true(st == table[k][r][2]);
        }
    }
    /* sequential: bracket after bracket */
    for (size_t i = 1; i < m.n; i++)
        assert_true(m.rows[i].bracket >= m.rows[i - 1].bracket);
    hpo__job job;
    assert_int_equal(sim_ask(&m, &job), HPO__JOB_DONE);
    assert_int_equal(m.ops->n_configurations(m.s), 49);
    sim_free(&m);
}

static void test_keras_9_sequential_and_iterations(void **state)
{
    (void)state;
    static hpo__hb_plan p;
    assert_int_equal(hpo__hb_plan_keras(9, 3, &p), 0);
    hb_ref_plan = &p;
    const hpo_kv opts[] = {{"max_epochs", "9"}};
    sim m;
    sim_init(&m, &hpo__hyperband_scheduler_ops, opts, 1, HPO_MINIMIZE, "random", -1, -1, score_hb);
    m.check = keras_check;
    sim_run(&m, 1, 1, 10000);
    assert_int_equal(m.n, 23);
    hpo__job job;
    assert_int_equal(sim_ask(&m, &job), HPO__JOB_DONE);
    sim_free(&m);

    /* two sweeps, through the alias hyperband_iterations */
    const hpo_kv opts2[] = {{"R", "9"}, {"hyperband_iterations", "2"}};
    sim_init(&m, &hpo__hyperband_scheduler_ops, opts2, 2, HPO_MAXIMIZE, "random", -1, -1, score_hb);
    m.check = keras_check;
    sim_run(&m, 1, 1, 10000);
    assert_int_equal(m.n, 46);
    for (int k = 0; k < 6; k++) {
        size_t n;
        double b = -1, st = -1;
        count_rounds(&m, k, 0, &n, &b, &st);
        assert_int_equal(n, (size_t)p.brackets[k % 3].rounds[0].n_trials);
    }
    assert_int_equal(m.ops->n_configurations(m.s), 2 * (9 + 5 + 3));
    sim_free(&m);
}

/* keras_tuner/tuners/hyperband_test.py test_hyperband_oracle_one_sweep_parallel */
static void test_keras_parallel_4_2(void **state)
{
    (void)state;
    static hpo__hb_plan p;
    assert_int_equal(hpo__hb_plan_keras(4, 2, &p), 0);
    hb_ref_plan = &p;
    const hpo_kv opts[] = {{"max_epochs", "4"}, {"factor", "2"}};
    sim m;
    sim_init(&m, &hpo__hyperband_scheduler_ops, opts, 2, HPO_MAXIMIZE, "random", -1, -1, score_hb);
    m.check = keras_check;
    hpo__job job;
    int per[3] = {0};
    for (int i = 0; i < 10; i++) {
        assert_int_equal(sim_ask(&m, &job), HPO__JOB_NEW);
        assert_true(job.bracket >= 0 && job.bracket < 3);
        per[job.bracket]++;
    }
    assert_int_equal(per[0], 4);
    assert_int_equal(per[1], 3);
    assert_int_equal(per[2], 3);
    assert_int_equal(sim_ask(&m, &job), HPO__JOB_WAIT);
    for (size_t i = 0; i < m.n; i++)
        sim_finish(&m, i);
    size_t from = m.n;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(sim_ask(&m, &job), HPO__JOB_PROMOTE);
        assert_int_equal(job.rung, 1);
    }
    assert_int_equal(sim_ask(&m, &job), HPO__JOB_WAIT);
    for (size_t i = from; i < m.n; i++)
        sim_finish(&m, i);
    from = m.n;
    assert_int_equal(sim_ask(&m, &job), HPO__JOB_PROMOTE);
    assert_int_equal(job.rung, 2);
    assert_int_equal(job.bracket, 0);
    assert_int_equal(sim_ask(&m, &job), HPO__JOB_WAIT);
    sim_finish(&m, from);
    assert_int_equal(sim_ask(&m, &job), HPO__JOB_DONE);
    sim_free(&m);
}

/* Random completion order with 4 workers and failures: the invariants hold,
 * no parent twice, the run ends. */
static void test_keras_parallel_random_failures(void **state)
{
    (void)state;
    static hpo__hb_plan p;
    assert_int_equal(hpo__hb_plan_keras(27, 3, &p), 0);
    hb_ref_plan = &p;
    const hpo_kv opts[] = {{"max_epochs", "27"}};
    for (int pass = 0; pass < 2; pass++) {
        sim m;
        sim_init(&m, &hpo__hyperband_scheduler_ops, opts, 1, HPO_MAXIMIZE, "random", -1, -1,
                 pass ? score_hb_fail : score_hb);
        m.check = keras_check;
        sim_run(&m, 4, 99 + (uint64_t)pass, 10000);
        size_t n_new = 0;
        for (size_t i = 0; i < m.n; i++) {
            const hpo__trial_row *r = &m.rows[i];
            n_new += r->parent < 0;
            size_t n;
            double b, st;
            count_rounds(&m, r->bracket, r->rung, &n, &b, &st);
            assert_true(n <= (size_t)p.brackets[r->bracket].rounds[r->rung].n_trials);
            if (r->parent >= 0)
                assert_int_equal(m.rows[r->parent].state, HPO_TRIAL_COMPLETE);
        }
        assert_int_equal(n_new, 49);
        if (!pass)
            assert_int_equal(m.n, 70);
        else
            assert_true(m.n < 70); /* failed trials end rounds short */
        sim_free(&m);
    }
}

/* Exhaustion: KerasTuner's test_exhausted_values_during_init_bracket
 * (max_epochs=8, factor=3, one Boolean) and a small n_trials. */
static void test_keras_exhausted(void **state)
{
    (void)state;
    static hpo__hb_plan p;
    assert_int_equal(hpo__hb_plan_keras(8, 3, &p), 0);
    hb_ref_plan = &p;
    const hpo_kv opts[] = {{"max_epochs", "8"}, {"factor", "3"}};
    sim m;
    sim_init(&m, &hpo__hyperband_scheduler_ops, opts, 2, HPO_MAXIMIZE, "random", 2, 2, score_hb);
    m.check = keras_check;
    hpo__job job;
    assert_int_equal(sim_ask(&m, &job), HPO__JOB_NEW);
    assert_int_equal(sim_ask(&m, &job), HPO__JOB_NEW);
    assert_int_equal(sim_ask(&m, &job), HPO__JOB_WAIT);
    sim_finish(&m, 0);
    sim_finish(&m, 1);
    assert_int_equal(sim_ask(&m, &job), HPO__JOB_DONE);
    sim_free(&m);

    static hpo__hb_plan p27;
    assert_int_equal(hpo__hb_plan_keras(27, 3, &p27), 0);
    hb_ref_plan = &p27;
    const hpo_kv opts27[] = {{"max_epochs", "27"}, {"iterations", "0"}};
    for (long long max_new = 1; max_new <= 40; max_new += 13) {
        sim_init(&m, &hpo__hyperband_scheduler_ops, opts27, 2, HPO_MAXIMIZE, "random", -1, max_new,
                 score_hb);
        m.check = keras_check;
        sim_run(&m, 3, 5, 1000);
        assert_int_equal(m.next_seq, max_new);
        assert_int_equal(m.ops->n_configurations(m.s), -1);
        sim_free(&m);
    }
}

/* ---- hyperband, li */

static void li_check(const sim *m, const hpo__job *job)
{
    if (job->kind != HPO__JOB_PROMOTE)
        return;
    /* synchronous: every trial of the previous round finished; the m-th
     * promotion takes the m-th best */
    const hpo__trial_row *par = &m->rows[job->parent];
    assert_int_equal(par->bracket, job->bracket);
    assert_int_equal(par->rung, job->rung - 1);
    size_t already = 0, better_than_parent = 0;
    for (size_t i = 0; i < m->n; i++) {
        const hpo__trial_row *r = &m->rows[i];
        if (r->bracket == job->bracket && r->rung == job->rung)
            already++;
        if (r->bracket != par->bracket || r->rung != par->rung)
            continue;
        assert_int_not_equal(r->state, HPO_TRIAL_RUNNING);
        if (better(m->dir, row_score(r), row_score(par)) ||
            (row_score(r) == row_score(par) && r->number < par->number))
            better_than_parent++;
    }
    assert_int_equal(better_than_parent, already);
    assert_true(job->budget_start == 0.0);
}

static void test_li_81(void **state)
{
    (void)state;
    const hpo_kv opts[] = {{"variant", "li"}, {"max_budget", "81"}, {"eta", "3"}};
    /* Table 1 of Li et al. (n_i, r_i) */
    static const double table[5][5][2] = {{{81, 1}, {27, 3}, {9, 9}, {3, 27}, {1, 81}},
                                          {{34, 3}, {11, 9}, {3, 27}, {1, 81}},
                                          {{15, 9}, {5, 27}, {1, 81}},
                                          {{8, 27}, {2, 81}},
                                          {{5, 81}}};
    for (size_t workers = 1; workers <= 4; workers += 3) {
        sim m;
        sim_init(&m, &hpo__hyperband_scheduler_ops, opts, 3, HPO_MINIMIZE, "random", -1, -1,
                 score_hb);
        m.check = li_check;
        sim_run(&m, workers, 3, 10000);
        size_t total = 0;
        for (int k = 0; k < 5; k++)
            for (int r = 0; r < 5; r++) {
                size_t n;
                double b = -1, st = -1;
                count_rounds(&m, k, r, &n, &b, &st);
                assert_int_equal(n, (size_t)table[k][r][0]);
                if (n)
                    assert_true(b == table[k][r][1]);
                total += n;
            }
        assert_int_equal(m.n, total);
        assert_int_equal(m.ops->n_configurations(m.s), 81 + 34 + 15 + 8 + 5);
        sim_free(&m);
    }
}

/* ---- asha */

static double asha_budget[8];
static int asha_K;

/* The rule of the paper, written out: top rung first, candidates are the top
 * floor(|rung| / eta) COMPLETE trials, the best not promoted goes up. */
static void asha_check(const sim *m, const hpo__job *job)
{
    const double eta = 3.0;
    long long expect = -1;
    int expect_rung = -1;
    for (int k = asha_K - 1; k >= 0 && expect < 0; k--) {
        long long *rung = malloc((m->n ? m->n : 1) * sizeof *rung);
        size_t n = 0;
        assert_non_null(rung);
        for (size_t i = 0; i < m->n; i++) {
            if (m->rows[i].rung != k || m->rows[i].state != HPO_TRIAL_COMPLETE)
                continue;
            size_t j = n++;
            while (j > 0 && better(m->dir, m->rows[i].value, m->rows[rung[j - 1]].value)) {
                rung[j] = rung[j - 1];
                j--;
            }
            rung[j] = (long long)i;
        }
        size_t top = (size_t)floor((double)n / eta);
        for (size_t c = 0; c < top && expect < 0; c++) {
            int taken = 0;
            for (size_t i = 0; i < m->n; i++)
                taken |= m->rows[i].parent == rung[c];
            if (!taken) {
                expect = rung[c];
                expect_rung = k + 1;
            }
        }
        free(rung);
    }
    int running = 0;
    for (size_t i = 0; i < m->n; i++)
        running |= m->rows[i].state == HPO_TRIAL_RUNNING;
    if (expect >= 0) {
        assert_int_equal(job->kind, HPO__JOB_PROMOTE);
        assert_int_equal(job->parent, expect);
        assert_int_equal(job->rung, expect_rung);
        assert_true(job->budget == asha_budget[expect_rung]);
        assert_true(job->budget_start == asha_budget[expect_rung - 1]);
    } else if (m->max_new < 0 || m->next_seq < m->max_new) {
        assert_int_equal(job->kind, HPO__JOB_NEW);
        assert_int_equal(job->rung, 0);
        assert_true(job->budget == asha_budget[0]);
    } else {
        assert_int_equal(job->kind, running ? HPO__JOB_WAIT : HPO__JOB_DONE);
    }
}

static void test_asha_27(void **state)
{
    (void)state;
    const hpo_kv opts[] = {{"min_resource", "1"}, {"max_resource", "27"}, {"factor", "3"}};
    asha_K = 3;
    const double b[] = {1, 3, 9, 27};
    memcpy(asha_budget, b, sizeof b);
    for (int dir = 0; dir < 2; dir++) {
        sim m;
        sim_init(&m, &hpo__asha_scheduler_ops, opts, 3, (hpo_direction)dir, "random", -1, 60,
                 score_asha);
        m.check = asha_check;
        sim_run(&m, 4, 2024 + (uint64_t)dir, 10000);
        size_t per[4] = {0};
        for (size_t i = 0; i < m.n; i++) {
            const hpo__trial_row *r = &m.rows[i];
            assert_true(r->rung >= 0 && r->rung <= 3);
            per[r->rung]++;
            assert_true(r->budget == b[r->rung]);
            for (size_t j = i + 1; j < m.n; j++)
                assert_true(r->parent < 0 || r->parent != m.rows[j].parent);
        }
        assert_int_equal(per[0], 60);
        assert_true(per[1] >= 60 / 3 && per[2] >= 1 && per[3] >= 1);
        sim_free(&m);
    }
}

/* The top rung gets exactly max_resource; K = 0 is random search at R. */
static void test_asha_rungs(void **state)
{
    (void)state;
    const hpo_kv o1[] = {{"max_resource", "20"}, {"reduction_factor", "3"}};
    asha_K = 2;
    const double b[] = {1, 3, 20};
    memcpy(asha_budget, b, sizeof b);
    sim m;
    sim_init(&m, &hpo__asha_scheduler_ops, o1, 2, HPO_MAXIMIZE, "random", -1, 30, score_asha);
    m.check = asha_check;
    sim_run(&m, 1, 1, 10000);
    sim_free(&m);

    const hpo_kv o2[] = {{"max_resource", "2"}, {"reduction_factor", "3"}};
    asha_K = 0;
    asha_budget[0] = 2;
    sim_init(&m, &hpo__asha_scheduler_ops, o2, 2, HPO_MAXIMIZE, "random", -1, 5, score_asha);
    m.check = asha_check;
    sim_run(&m, 2, 1, 100);
    assert_int_equal(m.n, 5);
    sim_free(&m);
}

/* ---- option errors */

static void expect_error(const hpo__scheduler_ops *ops, const hpo_kv *opts, size_t n,
                         const char *sampler, long long cap, const char *needle)
{
    hpo__scheduler_config cfg = {.options = opts,
                                 .n_options = n,
                                 .direction = HPO_MAXIMIZE,
                                 .sampler_capacity = cap,
                                 .sampler = sampler};
    hpo__scheduler *s = NULL;
    assert_int_equal(ops->create(&s, &cfg), HPO_EINVAL);
    assert_null(s);
    if (!strstr(hpo_errmsg(), needle))
        fail_msg("message '%s' lacks '%s'", hpo_errmsg(), needle);
}

static void test_option_errors(void **state)
{
    (void)state;
    const hpo_kv typo[] = {{"max_epochs", "9"}, {"factr", "3"}};
    expect_error(&hpo__hyperband_scheduler_ops, typo, 2, "random", -1, "did you mean 'factor'");
    expect_error(&hpo__hyperband_scheduler_ops, NULL, 0, "random", -1,
                 "scheduler hyperband: max_epochs: required");
    const hpo_kv f1[] = {{"max_epochs", "9"}, {"factor", "1"}};
    expect_error(&hpo__hyperband_scheduler_ops, f1, 2, "random", -1, "factor: must be >= 2");
    const hpo_kv f1li[] = {{"max_epochs", "9"}, {"factor", "1"}, {"variant", "li"}};
    expect_error(&hpo__hyperband_scheduler_ops, f1li, 3, "random", -1, "factor: must be > 1");
    const hpo_kv alias[] = {{"max_epochs", "9"}, {"R", "9"}};
    expect_error(&hpo__hyperband_scheduler_ops, alias, 2, "random", -1,
                 "given twice, as 'max_epochs' and 'R'");
    const hpo_kv frac[] = {{"max_epochs", "9.5"}};
    expect_error(&hpo__hyperband_scheduler_ops, frac, 1, "random", -1, "max_epochs");
    const hpo_kv hf[] = {{"factor", "1"}, {"n_samples", "100"}};
    expect_error(&hpo__halving_scheduler_ops, hf, 2, "grid", 10,
                 "scheduler halving: factor: must be > 1");
    const hpo_kv nc[] = {{"n_candidates", "5"}, {"n_samples", "100"}};
    expect_error(&hpo__halving_scheduler_ops, nc, 2, "grid", 10,
                 "scheduler halving: n_candidates: not an option over a grid");
    const hpo_kv hbig[] = {{"min_resources", "500"}, {"n_samples", "100"}};
    expect_error(&hpo__halving_scheduler_ops, hbig, 2, "grid", 10,
                 "scheduler halving: min_resources_=500 is greater than max_resources_=100");
    const hpo_kv hty[] = {{"agressive_elimination", "true"}};
    expect_error(&hpo__halving_scheduler_ops, hty, 1, "grid", 10,
                 "did you mean 'aggressive_elimination'");
    const hpo_kv af[] = {{"max_resource", "27"}, {"reduction_factor", "1"}};
    expect_error(&hpo__asha_scheduler_ops, af, 2, "random", -1,
                 "scheduler asha: reduction_factor: must be > 1");
    const hpo_kv aa[] = {{"max_resource", "27"}, {"reduction_factor", "3"}, {"factor", "3"}};
    expect_error(&hpo__asha_scheduler_ops, aa, 3, "random", -1, "given twice");
    expect_error(&hpo__asha_scheduler_ops, NULL, 0, "random", -1,
                 "scheduler asha: max_resource: required");
    const hpo_kv ak[] = {{"max_resource", "27"}, {"factor", "3"}, {"min_early_stopping_rate", "4"}};
    expect_error(&hpo__asha_scheduler_ops, ak, 3, "random", -1, "leaves no rung");
}

/* ---- plan_json */

static json_t *plan_of(const hpo__scheduler_ops *ops, const hpo_kv *opts, size_t n,
                       const char *sampler, long long cap)
{
    hpo__scheduler_config cfg = {.options = opts,
                                 .n_options = n,
                                 .direction = HPO_MAXIMIZE,
                                 .sampler_capacity = cap,
                                 .sampler = sampler};
    hpo__scheduler *s = NULL;
    assert_int_equal(ops->create(&s, &cfg), 0);
    json_t *j = NULL;
    assert_int_equal(ops->plan_json(s, &j), 0);
    ops->destroy(s);
    assert_non_null(j);
    return j;
}

static double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!v || !json_is_number(v))
        fail_msg("plan_json: no number '%s'", key);
    return json_number_value(v);
}

static void test_plan_json(void **state)
{
    (void)state;
    /* halving over the 36-grid */
    hpo__halving_config hc;
    grid36_config(&hc);
    hpo__halving_plan hp;
    assert_int_equal(hpo__halving_plan_make(&hc, &hp), 0);
    json_t *j = plan_of(&hpo__halving_scheduler_ops, grid36_opts, 3, "grid", 36);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "halving");
    assert_string_equal(json_string_value(json_object_get(j, "resource")), "n_samples");
    assert_true(json_is_integer(json_object_get(j, "factor")));
    assert_true(num(j, "factor") == 3.0);
    assert_true(json_is_false(json_object_get(j, "aggressive_elimination")));
    assert_true(json_is_integer(json_object_get(j, "min_resources_")));
    assert_true(num(j, "min_resources_") == hp.min_resources_);
    assert_true(num(j, "max_resources_") == (double)hp.max_resources_);
    assert_true(num(j, "n_candidates") == 36.0);
    assert_true(num(j, "n_iterations") == hp.n_iterations);
    assert_true(num(j, "n_required_iterations") == hp.n_required_iterations);
    assert_true(num(j, "n_possible_iterations") == hp.n_possible_iterations);
    const json_t *its = json_object_get(j, "iterations");
    assert_int_equal(json_array_size(its), (size_t)hp.n_iterations);
    for (int i = 0; i < hp.n_iterations; i++) {
        const json_t *e = json_array_get(its, (size_t)i);
        assert_true(num(e, "iter") == i);
        assert_true(num(e, "n_candidates") == (double)hp.n_candidates[i]);
        assert_true(num(e, "n_resources") == (double)hp.n_resources[i]);
    }
    json_decref(j);
    /* a float factor and min_resources_ stay reals */
    j = plan_of(&hpo__halving_scheduler_ops, rand20_opts, 5, "random", -1);
    assert_true(json_is_real(json_object_get(j, "factor")) && num(j, "factor") == 2.5);
    assert_true(json_is_real(json_object_get(j, "min_resources_")) &&
                num(j, "min_resources_") == 6.0);
    json_decref(j);

    /* hyperband keras 27/3 and li 81/3 */
    for (int li = 0; li < 2; li++) {
        static hpo__hb_plan p;
        const hpo_kv ko[] = {{"max_epochs", "27"}, {"factor", "3"}, {"iterations", "2"}};
        const hpo_kv lo[] = {{"max_epochs", "81"}, {"variant", "li"}};
        if (li) {
            assert_int_equal(hpo__hb_plan_li(81, 3, &p), 0);
            j = plan_of(&hpo__hyperband_scheduler_ops, lo, 2, "random", -1);
        } else {
            assert_int_equal(hpo__hb_plan_keras(27, 3, &p), 0);
            j = plan_of(&hpo__hyperband_scheduler_ops, ko, 3, "random", -1);
        }
        assert_string_equal(json_string_value(json_object_get(j, "name")), "hyperband");
        assert_string_equal(json_string_value(json_object_get(j, "variant")), li ? "li" : "keras");
        assert_string_equal(json_string_value(json_object_get(j, "resource")), "epochs");
        assert_true(num(j, "max_epochs") == (li ? 81.0 : 27.0));
        assert_true(num(j, "factor") == 3.0);
        assert_true(num(j, "iterations") == (li ? 1.0 : 2.0));
        assert_true(num(j, "n_brackets") == p.n_brackets);
        assert_true(num(j, "resource_per_iteration") == p.total_resource);
        if (!li) {
            assert_true(num(j, "trials_per_iteration") == 70.0);
            assert_true(num(j, "resource_per_iteration") == 375.0);
        }
        const json_t *brs = json_object_get(j, "brackets");
        assert_int_equal(json_array_size(brs), (size_t)p.n_brackets);
        long long trials = 0;
        for (int k = 0; k < p.n_brackets; k++) {
            const json_t *b = json_array_get(brs, (size_t)k);
            assert_true(num(b, "bracket") == p.brackets[k].s);
            const json_t *rounds = json_object_get(b, "rounds");
            assert_int_equal(json_array_size(rounds), (size_t)p.brackets[k].s + 1);
            for (int r = 0; r <= p.brackets[k].s; r++) {
                const json_t *x = json_array_get(rounds, (size_t)r);
                const hpo__hb_round *rd = &p.brackets[k].rounds[r];
                assert_true(num(x, "round") == r);
                assert_true(num(x, "n_trials") == (double)rd->n_trials);
                assert_true(num(x, "budget") == rd->resource);
                assert_true(num(x, "budget_start") == rd->initial);
                trials += rd->n_trials;
            }
        }
        assert_true(num(j, "trials_per_iteration") == (double)trials);
        json_decref(j);
    }

    /* asha */
    const hpo_kv ao[] = {{"max_resource", "27"}, {"reduction_factor", "3"}, {"resource", "steps"}};
    j = plan_of(&hpo__asha_scheduler_ops, ao, 3, "random", -1);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "asha");
    assert_string_equal(json_string_value(json_object_get(j, "resource")), "steps");
    assert_true(num(j, "min_resource") == 1.0 && num(j, "max_resource") == 27.0);
    assert_true(num(j, "reduction_factor") == 3.0 && num(j, "min_early_stopping_rate") == 0.0);
    const json_t *rungs = json_object_get(j, "rungs");
    assert_int_equal(json_array_size(rungs), 4);
    for (size_t k = 0; k < 4; k++) {
        assert_true(num(json_array_get(rungs, k), "rung") == (double)k);
        assert_true(num(json_array_get(rungs, k), "budget") == pow(3.0, (double)k));
    }
    json_decref(j);
}

/* ---- allocation failures become HPO_ENOMEM, never a crash or a leak */

static void test_alloc_failures(void **state)
{
    (void)state;
    const hpo__scheduler_ops *all[] = {&hpo__halving_scheduler_ops, &hpo__hyperband_scheduler_ops,
                                       &hpo__asha_scheduler_ops};
    const hpo_kv o0[] = {{"n_samples", "1000"}};
    const hpo_kv o1[] = {{"max_epochs", "9"}};
    const hpo_kv o2[] = {{"max_resource", "9"}};
    const hpo_kv *opts[] = {o0, o1, o2};
    for (int w = 0; w < 3; w++) {
        hpo__scheduler_config cfg = {.options = opts[w],
                                     .n_options = 1,
                                     .direction = HPO_MAXIMIZE,
                                     .sampler_capacity = 30,
                                     .sampler = "grid"};
        for (long k = 0;; k++) {
            hpo__scheduler *s = NULL;
            hpo__alloc_fail_after(k);
            int rc = all[w]->create(&s, &cfg);
            hpo__alloc_fail_after(-1);
            if (rc == 0) {
                all[w]->destroy(s);
                break;
            }
            assert_int_equal(rc, HPO_ENOMEM);
            assert_true(k < 100);
        }
        /* next_job on a few trials */
        sim m;
        sim_init(&m, all[w], opts[w], 1, HPO_MAXIMIZE, "grid", 30, -1, score_hb);
        hpo__job job;
        for (int i = 0; i < 12; i++) {
            if (sim_ask(&m, &job) == HPO__JOB_NEW || job.kind == HPO__JOB_PROMOTE)
                sim_finish(&m, m.n - 1);
        }
        hpo__sched_view v = {
            .rows = m.rows, .n = m.n, .direction = m.dir, .next_seq = m.next_seq, .max_new = -1};
        for (long k = 0;; k++) {
            hpo__alloc_fail_after(k);
            int rc = all[w]->next_job(m.s, &v, &job);
            hpo__alloc_fail_after(-1);
            if (rc == 0)
                break;
            assert_int_equal(rc, HPO_ENOMEM);
            assert_true(k < 100);
        }
        sim_free(&m);
    }
}

/* ---- lost trials are skipped (their re-runs stand in) */

static void test_lost_skipped(void **state)
{
    (void)state;
    const hpo_kv opts[] = {{"max_resource", "9"}, {"reduction_factor", "3"}};
    sim m;
    sim_init(&m, &hpo__asha_scheduler_ops, opts, 2, HPO_MAXIMIZE, "random", -1, -1, score_asha);
    hpo__job job;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sim_ask(&m, &job), HPO__JOB_NEW);
        sim_finish(&m, m.n - 1);
    }
    /* three complete rung-0 trials: one promotion is due */
    assert_int_equal(sim_ask(&m, &job), HPO__JOB_PROMOTE);
    m.n--; /* forget it */
    m.rows[0].lost = 1;
    m.rows[0].state = HPO_TRIAL_FAILED;
    assert_int_equal(sim_ask(&m, &job), HPO__JOB_NEW); /* only two count now */
    sim_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_np_argsort_ties),
        cmocka_unit_test(test_halving_grid36),
        cmocka_unit_test(test_halving_grid36_minimize),
        cmocka_unit_test(test_halving_random20),
        cmocka_unit_test(test_halving_aggressive),
        cmocka_unit_test(test_halving_grid_cap),
        cmocka_unit_test(test_halving_wait),
        cmocka_unit_test(test_keras_27_sequential),
        cmocka_unit_test(test_keras_9_sequential_and_iterations),
        cmocka_unit_test(test_keras_parallel_4_2),
        cmocka_unit_test(test_keras_parallel_random_failures),
        cmocka_unit_test(test_keras_exhausted),
        cmocka_unit_test(test_li_81),
        cmocka_unit_test(test_asha_27),
        cmocka_unit_test(test_asha_rungs),
        cmocka_unit_test(test_option_errors),
        cmocka_unit_test(test_plan_json),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_lost_skipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
