/*
 * test_plot_kinds.c -- every plot kind on synthetic studies (snapfix.h):
 * well-formed, deterministic documents; bounded output above the marks cap (10^5 trials are
 * measured in bench/plot_scale.sh); the properties each kind promises (parallel's brushing markup,
 * categorical axes in the user's order, fANOVA finding the parameter that drives the objective, the
 * EDF's exact steps, timeline lanes per worker, rungs and intermediate only when they apply); the
 * same bytes from four threads at once (the dashboard draws in parallel).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "report/plot.h"
#include "snapfix.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define assert_xml(doc) assert_int_equal(snapfix_xml_check(doc), 0)

static hpo_snapshot *small_study(void)
{
    snapfix_opts o = {.n_trials = 80,
                      .seed = 11,
                      .frac_failed = 0.08,
                      .frac_pruned = 0.12,
                      .n_running = 2,
                      .n_workers = 3,
                      .n_steps = 8,
                      .scheduler = 1};
    return snapfix_make(&o);
}

/* noinline: inlined, gcc -O2 takes the returned heap pointer for the address
 * of the local it was read from (-Wdangling-pointer) */
__attribute__((noinline)) static char *draw(const hpo_snapshot *s, const char *kind,
                                            const hpo_plot_options *o, size_t *len)
{
    char *out = NULL;
    int rc = hpo_plot(s, kind, o, &out, len);
    if (rc != 0)
        fail_msg("%s: %s", kind, hpo_errmsg());
    return out;
}

static void test_every_kind_small(void **state)
{
    (void)state;
    hpo_snapshot *s = small_study();
    for (const char *const *k = hpo_plot_kinds(); *k; k++) {
        const char *why = NULL;
        assert_true(hpo_plot_applies(s, *k, &why));
        size_t la, lb;
        char *a = draw(s, *k, NULL, &la), *b = draw(s, *k, NULL, &lb);
        assert_int_equal(la, lb);
        assert_memory_equal(a, b, la); /* deterministic */
        char want[64];
        snprintf(want, sizeof want, "data-kind=\"%s\"", *k);
        assert_non_null(strstr(a, want));
        assert_xml(a);
        hpo__free(a);
        hpo__free(b);
    }
    hpo_snapshot_destroy(s);
}

static void test_every_kind_at_scale(void **state)
{
    (void)state;
    snapfix_opts o = {.n_trials = 6000, /* > HPO__PLOT_MAX_MARKS: every kind bins or decimates */
                      .seed = 12,
                      .frac_failed = 0.04,
                      .frac_pruned = 0.04,
                      .n_workers = 16,
                      .n_steps = 4,
                      .scheduler = 1};
    hpo_snapshot *s = snapfix_make(&o);
    for (const char *const *k = hpo_plot_kinds(); *k; k++) {
        size_t len;
        /* dependence's cost is its model's (at most 300 trials, whatever the
         * study's size) times the pairs: three parameters keep the test quick
         * under valgrind */
        hpo_plot_options po = HPO_PLOT_OPTIONS_INIT;
        po.params = strcmp(*k, "dependence") == 0 ? "lr,units,kernel" : NULL;
        char *a = draw(s, *k, &po, &len);
        /* per-trial marks are capped (parallel and intermediate add a few
         * best-trial marks; timeline and evaluations bin) */
        size_t marks = snapfix_count(a, "data-t=");
        if (marks > HPO__PLOT_MAX_MARKS + 200)
            fail_msg("%s: %zu marks at 6000 trials", *k, marks);
        if (len > (8u << 20))
            fail_msg("%s: %zu bytes at 6000 trials", *k, len);
        hpo__free(a);
    }
    hpo_snapshot_destroy(s);
}

/* The report: every plot that applies, the reasons for the others, the trials
 * as JSON (escaped so no label can close the script element) and the first
 * 100 rows as static HTML; the same bytes twice. */
static void test_report(void **state)
{
    (void)state;
    snapfix_opts o = {.n_trials = 300, .seed = 17, .frac_failed = 0.1, .n_workers = 2};
    hpo_snapshot *s = snapfix_make(&o);
    hpo__free(s->params[2].labels[1]);
    s->params[2].labels[1] = hpo__strdup("</script><b>x</b>");
    char *r = NULL, *r2 = NULL;
    size_t len = 0, len2 = 0;
    assert_int_equal(hpo_report(s, NULL, &r, &len), 0);
    assert_int_equal(hpo_report(s, NULL, &r2, &len2), 0);
    assert_int_equal(len, len2);
    assert_memory_equal(r, r2, len);
    size_t rows = 0; /* static rows only: the script's own '<tr data-t="' is not one */
    for (const char *p = r; (p = strstr(p, "<tr data-t=\"")) != NULL; p++)
        rows += p[12] >= '0' && p[12] <= '9';
    assert_int_equal(rows, 100);
    assert_int_equal(snapfix_count(r, "</script>"), 2); /* the data and the script */
    assert_int_equal(snapfix_count(r, "<b>x</b>"), 0);
    assert_non_null(strstr(r, "\\u003c/script\\u003e\\u003cb\\u003ex"));
    assert_int_equal(snapfix_count(r, "</html>"), 1);
    size_t applies = 0, total = 0;
    for (const char *const *k = hpo_plot_kinds(); *k; k++, total++)
        applies += hpo_plot_applies(s, *k, NULL) != 0;
    assert_int_equal(snapfix_count(r, "<svg xmlns="), applies);
    assert_int_equal(snapfix_count(r, "<li><b>"), total - applies); /* rungs, intermediate */
    assert_true(applies < total);
    /* the trials JSON parses and has a row per trial */
    const char *a = strstr(r, "id=\"trials-data\">") + strlen("id=\"trials-data\">");
    const char *b = strstr(a, "</script>");
    json_error_t e;
    json_t *doc = json_loadb(a, (size_t)(b - a), 0, &e);
    assert_non_null(doc);
    assert_int_equal(json_array_size(json_object_get(doc, "rows")), 300);
    json_decref(doc);
    hpo__free(r);
    hpo__free(r2);
    hpo_snapshot_destroy(s);
}

static void test_parallel_markup(void **state)
{
    (void)state;
    hpo_snapshot *s = small_study();
    char *a = draw(s, "parallel", NULL, NULL);
    /* one axis per parameter plus the objective */
    assert_int_equal(snapfix_count(a, "class=\"pc-axis\""), s->n_params + 1);
    assert_int_equal(snapfix_count(a, "class=\"pc-line"), (size_t)s->counts[HPO_TRIAL_COMPLETE]);
    assert_int_equal(snapfix_count(a, "pc-line pc-best"), 1);
    /* every line has one entry per axis (empty when inactive: degree) */
    for (const char *p = a; (p = strstr(p, "data-v=\"")) != NULL; p++) {
        p += 8;
        size_t commas = 0;
        for (; *p != '"'; p++)
            commas += *p == ',';
        assert_int_equal(commas, s->n_params);
    }
    hpo__free(a);
    /* --params picks and orders the axes */
    hpo_plot_options o = HPO_PLOT_OPTIONS_INIT;
    o.params = "kernel,lr";
    a = draw(s, "parallel", &o, NULL);
    assert_int_equal(snapfix_count(a, "class=\"pc-axis\""), 3);
    const char *k = strstr(a, ">kernel<"), *l = strstr(a, ">lr<");
    assert_true(k && l && k < l);
    hpo__free(a);
    hpo_snapshot_destroy(s);
}

/* Categorical ticks come in the user's order (rbf, poly, linear), not sorted. */
static void test_categorical_order(void **state)
{
    (void)state;
    hpo_snapshot *s = small_study();
    hpo_plot_options o = HPO_PLOT_OPTIONS_INIT;
    o.params = "kernel";
    char *a = draw(s, "slice", &o, NULL);
    const char *r = strstr(a, ">rbf<"), *p = strstr(a, ">poly<"), *l = strstr(a, ">linear<");
    assert_true(r && p && l && r < p && p < l);
    hpo__free(a);
    hpo_snapshot_destroy(s);
}

static void test_log_axis(void **state)
{
    (void)state;
    hpo_snapshot *s = small_study();
    hpo_plot_options o = HPO_PLOT_OPTIONS_INIT;
    o.params = "lr";
    char *a = draw(s, "slice", &o, NULL);
    /* lr in [1e-4, 1] on a log axis: decade ticks */
    assert_non_null(strstr(a, ">0.0001<"));
    assert_non_null(strstr(a, ">0.01<"));
    assert_non_null(strstr(a, ">1<"));
    hpo__free(a);
    hpo_snapshot_destroy(s);
}

/* snapfix's value is driven by lr (a squared log distance): fANOVA ranks it
 * first with most of the variance, whatever the seed; importances sum to 1. */
static void test_importance(void **state)
{
    (void)state;
    snapfix_opts o = {.n_trials = 300, .seed = 13};
    hpo_snapshot *s = snapfix_make(&o);
    for (unsigned long long seed = 0; seed < 3; seed++) {
        double imp[5];
        assert_int_equal(hpo__importance(s, seed, imp), 0);
        double sum = 0;
        for (int j = 0; j < 5; j++) {
            assert_true(imp[j] >= 0);
            sum += imp[j];
        }
        assert_true(fabs(sum - 1) < 1e-9);
        for (int j = 1; j < 5; j++)
            assert_true(imp[0] > imp[j]);
        assert_true(imp[0] > 0.5);
    }
    double a[5], b[5];
    assert_int_equal(hpo__importance(s, 7, a), 0);
    assert_int_equal(hpo__importance(s, 7, b), 0);
    assert_memory_equal(a, b, sizeof a);
    hpo_plot_options po = HPO_PLOT_OPTIONS_INIT;
    po.format = HPO_PLOT_TEXT;
    char *t = draw(s, "importance", &po, NULL);
    assert_true(strncmp(t, "parameter importance", 20) == 0);
    assert_true(strncmp(strchr(t, '\n') + 1, "lr ", 3) == 0); /* the first row */
    hpo__free(t);
    hpo_snapshot_destroy(s);
}

/* The EDF's path: a start, two vertices per distinct value, an end. */
static void test_edf_exact(void **state)
{
    (void)state;
    snapfix_opts o = {.n_trials = 60, .seed = 14};
    hpo_snapshot *s = snapfix_make(&o);
    s->trials[3].value = s->trials[4].value; /* a tie */
    char *a = draw(s, "edf", NULL, NULL);
    const char *p = strstr(a, "<path class=\"line\"");
    assert_non_null(p);
    const char *d = strstr(p, " d=\""), *end = strstr(d + 4, "\"");
    size_t v = 0;
    for (const char *q = d; q < end; q++)
        v += *q == 'M' || *q == 'L';
    assert_int_equal(v, 2 * 59 + 2);
    hpo__free(a);
    hpo_snapshot_destroy(s);
}

static void test_applies(void **state)
{
    (void)state;
    snapfix_opts o = {.n_trials = 40, .seed = 15};
    hpo_snapshot *s = snapfix_make(&o);
    const char *why = NULL;
    assert_false(hpo_plot_applies(s, "rungs", &why));
    assert_non_null(strstr(why, "scheduler"));
    assert_false(hpo_plot_applies(s, "intermediate", &why));
    assert_non_null(strstr(why, "intermediate"));
    char *out = NULL;
    assert_int_equal(hpo_plot(s, "rungs", NULL, &out, NULL), HPO_EINVAL);
    assert_null(out);
    hpo_plot_options po = HPO_PLOT_OPTIONS_INIT;
    po.params = "lr";
    assert_int_equal(hpo_plot(s, "contour", &po, &out, NULL), HPO_EINVAL);
    po.params = "lr,units";
    out = draw(s, "contour", &po, NULL);
    hpo__free(out);
    po.params = NULL;
    po.width = 100;
    po.height = 100;
    assert_int_equal(hpo_plot(s, "evaluations", &po, &out, NULL), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "too small"));
    po.width = po.height = 0;
    po.format = HPO_PLOT_TEXT;
    assert_int_equal(hpo_plot(s, "slice", &po, &out, NULL), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "no text form"));
    hpo_snapshot_destroy(s);
}

static void test_rungs_and_curves(void **state)
{
    (void)state;
    hpo_snapshot *s = small_study();
    char *a = draw(s, "rungs", NULL, NULL);
    /* three brackets of three rungs: "n × budget" above each rung */
    assert_int_equal(snapfix_count(a, "bracket "), 3);
    assert_non_null(strstr(a, " × 9<"));
    hpo__free(a);
    a = draw(s, "intermediate", NULL, NULL);
    size_t curves = 0, pruned = 0;
    for (size_t i = 0; i < s->n_trials; i++) {
        curves += s->trials[i].n_reports > 0;
        pruned += s->trials[i].n_reports > 0 && s->trials[i].state == HPO_TRIAL_PRUNED;
    }
    assert_int_equal(snapfix_count(a, "<path class=\"line\""), curves);
    /* each pruned curve ends in a mark */
    assert_int_equal(snapfix_count(a, "fill=\"#ff7f0e\" data-t="), pruned);
    hpo__free(a);
    hpo_snapshot_destroy(s);
}

static void test_timeline_lanes(void **state)
{
    (void)state;
    hpo_snapshot *s = small_study(); /* 3 workers, sequential trials each */
    char *a = draw(s, "timeline", NULL, NULL);
    assert_non_null(strstr(a, ">host:1000<"));
    assert_non_null(strstr(a, ">host:1002<"));
    assert_null(strstr(a, "″")); /* no overlapping trials, no extra lanes */
    assert_int_equal(snapfix_count(a, "class=\"tbar\""), s->n_trials);
    hpo__free(a);
    /* two trials of one worker at the same time: a second lane */
    s->trials[3].start = s->trials[0].start;
    s->trials[3].worker = s->trials[0].worker;
    a = draw(s, "timeline", NULL, NULL);
    assert_non_null(strstr(a, "″"));
    hpo__free(a);
    hpo_snapshot_destroy(s);
}

typedef struct job {
    const hpo_snapshot *s;
    char *out[11];
    size_t len[11];
} job;

static void *run(void *arg)
{
    job *j = arg;
    size_t k = 0;
    for (const char *const *kind = hpo_plot_kinds(); *kind && k < 11; kind++, k++)
        if (hpo_plot(j->s, *kind, NULL, &j->out[k], &j->len[k]) != 0)
            j->out[k] = NULL;
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    snapfix_opts o = {.n_trials = 40,
                      .seed = 16,
                      .frac_pruned = 0.2,
                      .n_workers = 2,
                      .n_steps = 3,
                      .scheduler = 1};
    hpo_snapshot *s = snapfix_make(&o);
    job jobs[4];
    pthread_t th[4];
    for (int t = 0; t < 4; t++) {
        memset(&jobs[t], 0, sizeof jobs[t]);
        jobs[t].s = s;
        assert_int_equal(pthread_create(&th[t], NULL, run, &jobs[t]), 0);
    }
    for (int t = 0; t < 4; t++)
        pthread_join(th[t], NULL);
    for (size_t k = 0; k < 11 && hpo_plot_kinds()[k]; k++)
        for (int t = 0; t < 4; t++) {
            assert_non_null(jobs[t].out[k]);
            assert_int_equal(jobs[t].len[k], jobs[0].len[k]);
            assert_memory_equal(jobs[t].out[k], jobs[0].out[k], jobs[0].len[k]);
        }
    for (int t = 0; t < 4; t++)
        for (size_t k = 0; k < 11; k++)
            hpo__free(jobs[t].out[k]);
    hpo_snapshot_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind_small),
        cmocka_unit_test(test_every_kind_at_scale),
        cmocka_unit_test(test_report),
        cmocka_unit_test(test_parallel_markup),
        cmocka_unit_test(test_categorical_order),
        cmocka_unit_test(test_log_axis),
        cmocka_unit_test(test_importance),
        cmocka_unit_test(test_edf_exact),
        cmocka_unit_test(test_applies),
        cmocka_unit_test(test_rungs_and_curves),
        cmocka_unit_test(test_timeline_lanes),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
