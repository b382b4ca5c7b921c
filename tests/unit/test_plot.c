/*
 * test_plot.c -- the plot foundation: the SVG writer (escaping, coordinates,
 * paths), scales and ticks (linear, log, categorical), snapshots (from a study
 * and from its JSON export give the same picture), the kinds table, option
 * and kind errors, and the history plot and its text form (best-so-far exact,
 * binned at scale, deterministic).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "report/plot.h"
#include "snapfix.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define assert_xml(doc) assert_int_equal(snapfix_xml_check(doc), 0)

static void test_escape_and_marks(void **state)
{
    (void)state;
    hpo__svg s;
    hpo__svg_begin(&s, "test", 100, 50, "a<b & \"c\" 'd'", "line1\nx\001y");
    hpo__svg_point(&s, 10.04, -0.04, 3, "pt", NULL, 7, "#7 <x>");
    hpo__svg_path_begin(&s, "line", "#000", NULL);
    hpo__svg_path_to(&s, 0, 0);
    hpo__svg_path_to(&s, 1, 1);
    hpo__svg_path_to(&s, NAN, 1);
    hpo__svg_path_to(&s, 2, 2);
    hpo__svg_path_end(&s);
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(hpo__svg_finish(&s, &out, &len), 0);
    assert_int_equal(strlen(out), len);
    assert_non_null(strstr(out, "a&lt;b &amp; &quot;c&quot; &#39;d&#39;"));
    assert_non_null(strstr(out, "x?y"));
    assert_non_null(strstr(out, "cx=\"10.0\" cy=\"0.0\"")); /* never "-0.0" */
    assert_non_null(strstr(out, "data-t=\"7\"><title>#7 &lt;x&gt;</title>"));
    assert_non_null(strstr(out, "d=\"M0.0 0.0 L1.0 1.0 M2.0 2.0\""));
    assert_non_null(strstr(out, "class=\"hpo-plot\" data-kind=\"test\""));
    assert_xml(out);
    hpo__free(out);
}

static void test_scales(void **state)
{
    (void)state;
    hpo__scale sc;
    double v[16];
    char l[16][32];
    hpo__scale_numeric(&sc, 0, 10, 0, 0, 100);
    assert_true(fabs(hpo__scale_map(&sc, 5) - 50) < 1e-12);
    assert_true(fabs(hpo__scale_invert(&sc, 25) - 2.5) < 1e-12);
    int n = hpo__scale_ticks(&sc, 6, v, l);
    assert_true(n >= 3 && n <= 6);
    assert_string_equal(l[0], "0");
    /* log: decade ticks, evenly spaced */
    hpo__scale_numeric(&sc, 1e-4, 1, 1, 0, 400);
    assert_int_equal(sc.kind, HPO__SCALE_LOG);
    n = hpo__scale_ticks(&sc, 8, v, l);
    assert_int_equal(n, 5);
    assert_string_equal(l[0], "0.0001");
    assert_string_equal(l[4], "1");
    assert_true(fabs(hpo__scale_map(&sc, 1e-2) - 200) < 1e-9);
    /* log with a non-positive bound falls back to linear */
    hpo__scale_numeric(&sc, 0, 1, 1, 0, 1);
    assert_int_equal(sc.kind, HPO__SCALE_LINEAR);
    /* an empty interval is widened */
    hpo__scale_numeric(&sc, 3, 3, 0, 0, 1);
    assert_true(sc.d0 < 3 && sc.d1 > 3);
    /* categorical: band centres, labels in the given order */
    hpo__snap_param p = {0};
    char l0[] = "rbf", l1[] = "poly", l2[] = "linear";
    char *labels[3] = {l0, l1, l2};
    p.kind = HPO__SNAP_CATEGORICAL;
    p.labels = labels;
    p.n_labels = 3;
    hpo__scale_param(&sc, &p, 0, 300);
    assert_true(fabs(hpo__scale_map(&sc, 0) - 50) < 1e-12);
    assert_true(fabs(hpo__scale_map(&sc, 2) - 250) < 1e-12);
    n = hpo__scale_ticks(&sc, 10, v, l);
    assert_int_equal(n, 3);
    assert_string_equal(l[0], "rbf");
    assert_string_equal(l[1], "poly");
    assert_string_equal(l[2], "linear");
    /* integer parameter: ticks only at integers */
    hpo__snap_param q = {0};
    q.kind = HPO__SNAP_INT;
    q.low = 2;
    q.high = 5;
    hpo__scale_param(&sc, &q, 0, 600);
    n = hpo__scale_ticks(&sc, 12, v, l);
    for (int k = 0; k < n; k++)
        assert_true(v[k] == floor(v[k]));
    /* fit pads around finite values and ignores NaN */
    double vals[4] = {1, NAN, 3, 2};
    hpo__scale_fit(&sc, vals, 4, 1, 0, 0, 1);
    assert_true(sc.d0 < 1 && sc.d1 > 3 && sc.d1 < 3.2);
}

static void test_kinds_table(void **state)
{
    (void)state;
    const char *const *names = hpo_plot_kinds();
    size_t n = 0;
    for (; names[n]; n++) {
        const hpo__plot_kind *k = hpo__plot_find(names[n]);
        assert_non_null(k);
        assert_string_equal(k->name, names[n]);
        assert_non_null(k->draw);
        assert_non_null(k->applies);
    }
    assert_true(n >= 1);
    assert_string_equal(names[0], "history");
}

static void test_errors(void **state)
{
    (void)state;
    snapfix_opts o = {.n_trials = 20, .seed = 1};
    hpo_snapshot *s = snapfix_make(&o);
    char *out = NULL;
    assert_int_equal(hpo_plot(s, "histroy", NULL, &out, NULL), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "did you mean 'history'"));
    hpo_plot_options opts = HPO_PLOT_OPTIONS_INIT;
    opts.version = 99;
    assert_int_equal(hpo_plot(s, "history", &opts, &out, NULL), HPO_EINVAL);
    opts = (hpo_plot_options)HPO_PLOT_OPTIONS_INIT;
    opts.width = -1;
    assert_int_equal(hpo_plot(s, "history", &opts, &out, NULL), HPO_EINVAL);
    assert_null(out);
    size_t idx[8], n;
    assert_int_equal(hpo__snap_select_params(s, "lr,kernal", 8, idx, &n), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "did you mean 'kernel'"));
    assert_int_equal(hpo__snap_select_params(s, "kernel, lr", 8, idx, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(idx[0], 2);
    assert_int_equal(idx[1], 0);
    assert_int_equal(hpo__snap_select_params(s, "lr,lr", 8, idx, &n), HPO_EINVAL);
    hpo_snapshot_destroy(s);

    /* a study with no complete trial: history does not apply, with a reason */
    snapfix_opts f = {.n_trials = 5, .seed = 1, .frac_failed = 1.0};
    s = snapfix_make(&f);
    const char *why = NULL;
    assert_int_equal(hpo_plot_applies(s, "history", &why), 0);
    assert_non_null(why);
    assert_int_equal(hpo_plot(s, "history", NULL, &out, NULL), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "no complete trial"));
    hpo_snapshot_destroy(s);
}

/* The best-so-far path's vertices: two per improvement after the first, plus
 * the first and the closing one. */
static void test_history(void **state)
{
    (void)state;
    snapfix_opts o = {.n_trials = 200, .seed = 3, .frac_failed = 0.1, .frac_pruned = 0.1};
    hpo_snapshot *s = snapfix_make(&o);
    char *a = NULL, *b = NULL;
    size_t la, lb;
    assert_int_equal(hpo_plot(s, "history", NULL, &a, &la), 0);
    assert_int_equal(hpo_plot(s, "history", NULL, &b, &lb), 0);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    size_t improvements = 0;
    double cur = NAN;
    for (size_t i = 0; i < s->n_trials; i++)
        if (s->trials[i].state == HPO_TRIAL_COMPLETE &&
            (isnan(cur) || hpo__snap_better(s, s->trials[i].value, cur))) {
            cur = s->trials[i].value;
            improvements++;
        }
    const char *path = strstr(a, "class=\"best-line\"");
    assert_non_null(path);
    const char *end = strstr(path, "\"/>");
    size_t vertices = 0;
    for (const char *p = path; p < end; p++)
        vertices += *p == 'M' || *p == 'L';
    assert_int_equal(vertices, 2 * improvements);
    /* one mark per complete trial (the best drawn once, as pt-best) */
    assert_int_equal(snapfix_count(a, "data-t="), (size_t)s->counts[HPO_TRIAL_COMPLETE]);
    assert_int_equal(snapfix_count(a, "class=\"pt-best\""), 1);
    char want[64];
    snprintf(want, sizeof want, "class=\"pt-best\" cx=");
    assert_non_null(strstr(a, want));
    assert_xml(a);
    hpo__free(a);
    hpo__free(b);

    /* HTML: the same SVG in a page */
    hpo_plot_options opts = HPO_PLOT_OPTIONS_INIT;
    opts.format = HPO_PLOT_HTML;
    assert_int_equal(hpo_plot(s, "history", &opts, &a, NULL), 0);
    assert_true(strncmp(a, "<!DOCTYPE html>", 15) == 0);
    assert_non_null(strstr(a, "<svg "));
    hpo__free(a);
    hpo_snapshot_destroy(s);
}

static void test_history_scale(void **state)
{
    (void)state;
    snapfix_opts o = {.n_trials = 20000, .seed = 4, .n_workers = 8};
    hpo_snapshot *s = snapfix_make(&o);
    char *a = NULL;
    size_t len;
    assert_int_equal(hpo_plot(s, "history", NULL, &a, &len), 0);
    assert_true(snapfix_count(a, "data-t=") <= 1); /* only the best's mark */
    assert_true(snapfix_count(a, "class=\"bin\"") <= (900 / 4 + 1) * (480 / 4 + 1));
    assert_non_null(strstr(a, "binned"));
    assert_true(len < 4u << 20);
    hpo__free(a);
    hpo_snapshot_destroy(s);
}

static void test_history_text(void **state)
{
    (void)state;
    snapfix_opts o = {.n_trials = 30, .seed = 5, .maximize = 1};
    hpo_snapshot *s = snapfix_make(&o);
    hpo_plot_options opts = HPO_PLOT_OPTIONS_INIT;
    opts.format = HPO_PLOT_TEXT;
    opts.width = 30;
    opts.height = 6;
    char *t = NULL;
    assert_int_equal(hpo_plot(s, "history", &opts, &t, NULL), 0);
    /* a header, 6 chart rows, the axis and its labels */
    assert_int_equal(snapfix_count(t, "\n"), 9);
    assert_int_equal(snapfix_count(t, "●"), 30); /* one mark per column */
    assert_non_null(strstr(t, "(maximize)"));
    /* the mark of the last column is on the top row (best = highest) */
    const char *row1 = strchr(t, '\n') + 1;
    const char *row1_end = strchr(row1, '\n');
    const char *last_dot = NULL;
    for (const char *p = row1; p < row1_end; p++)
        if (strncmp(p, "●", strlen("●")) == 0)
            last_dot = p;
    assert_non_null(last_dot);
    hpo__free(t);
    hpo_snapshot_destroy(s);
}

/* A study in memory and its JSON export give the same snapshot and plot. */
static void test_snapshot_roundtrip(void **state)
{
    (void)state;
    hpo_space *sp = NULL;
    assert_int_equal(hpo_space_create(&sp), 0);
    assert_int_equal(hpo_space_add_float(sp, "lr", 1e-4, 1, 1), 0);
    assert_int_equal(hpo_space_add_int(sp, "units", 8, 64, 8, 0), 0);
    hpo_value ch[3] = {{.type = HPO_VALUE_STRING, .u.s = "b"},
                       {.type = HPO_VALUE_STRING, .u.s = "a"},
                       {.type = HPO_VALUE_INT, .u.i = 3}};
    assert_int_equal(hpo_space_add_categorical(sp, "k", ch, 3), 0);
    hpo_study_options so = HPO_STUDY_OPTIONS_INIT;
    so.name = "rt";
    so.storage = "memory:";
    so.n_trials = 12;
    so.seed = 9;
    hpo_study *st = NULL;
    assert_int_equal(hpo_study_open(&st, &so, sp), 0);
    for (int i = 0; i < 12; i++) {
        hpo_trial *t = NULL;
        assert_int_equal(hpo_study_ask(st, &t), 0);
        double lr;
        assert_int_equal(hpo_trial_get_float(t, "lr", &lr), 0);
        int should = 0;
        hpo_trial_report(t, 1, lr * 2, &should);
        if (i == 4)
            hpo_trial_fail(t, "boom");
        else
            hpo_trial_tell(t, log10(lr) * log10(lr));
        hpo_trial_destroy(t);
    }
    hpo_snapshot *a = NULL, *b = NULL;
    assert_int_equal(hpo_snapshot_from_study(st, &a), 0);
    char path[] = "/tmp/hpo-test-snap.XXXXXX";
    int fd = mkstemp(path);
    FILE *fp = fdopen(fd, "w");
    assert_int_equal(hpo_study_export(st, HPO_EXPORT_JSON, fp), 0);
    fclose(fp);
    /* mkstemp names have no .json suffix; the loader does not care */
    assert_int_equal(hpo_snapshot_from_json(path, &b), 0);
    unlink(path);
    assert_int_equal(a->n_trials, 12);
    assert_int_equal(b->n_trials, 12);
    assert_int_equal(a->n_params, 3);
    assert_int_equal(b->n_params, 3);
    assert_string_equal(a->params[2].labels[0], "b");
    assert_string_equal(a->params[2].labels[2], "3");
    assert_int_equal(a->params[0].log, 1);
    assert_int_equal(a->counts[HPO_TRIAL_FAILED], 1);
    assert_int_equal(b->counts[HPO_TRIAL_FAILED], 1);
    assert_int_equal(a->best, b->best);
    assert_int_equal(a->n_reports, b->n_reports);
    for (size_t i = 0; i < 12 * 3; i++)
        assert_true((isnan(a->x[i]) && isnan(b->x[i])) || a->x[i] == b->x[i]);
    for (size_t i = 0; i < 12; i++) {
        assert_true(a->trials[i].start == b->trials[i].start);
        assert_int_equal(a->trials[i].state, b->trials[i].state);
    }
    char *pa = NULL, *pb = NULL;
    size_t la, lb;
    assert_int_equal(hpo_plot(a, "history", NULL, &pa, &la), 0);
    assert_int_equal(hpo_plot(b, "history", NULL, &pb, &lb), 0);
    assert_int_equal(la, lb);
    assert_memory_equal(pa, pb, la);
    hpo__free(pa);
    hpo__free(pb);
    hpo_snapshot_destroy(a);
    hpo_snapshot_destroy(b);
    hpo_study_close(st);
    hpo_space_destroy(sp);
}

static void test_json_errors(void **state)
{
    (void)state;
    hpo_snapshot *s = NULL;
    assert_int_equal(hpo_snapshot_from_json("/nonexistent/x.json", &s), HPO_EIO);
    const char *bad[] = {"{",
                         "[]",
                         "{\"trials\": []}",
                         "{\"study\": \"x\", \"space\": {\"subspaces\": []}, \"trials\": [1]}",
                         "{\"study\": \"x\", \"space\": {\"subspaces\": []}, \"trials\": "
                         "[{\"number\": 0, \"state\": \"weird\"}]}",
                         "{\"study\": \"x\", \"space\": {\"subspaces\": [[{\"name\": \"a\", "
                         "\"type\": \"complex\"}]]}, \"trials\": []}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char path[] = "/tmp/hpo-test-snap.XXXXXX";
        int fd = mkstemp(path);
        FILE *fp = fdopen(fd, "w");
        fputs(bad[i], fp);
        fclose(fp);
        assert_int_equal(hpo_snapshot_from_json(path, &s), HPO_ESPEC);
        assert_null(s);
        assert_non_null(strstr(hpo_errmsg(), path));
        assert_null(strchr(hpo_errmsg(), '\n'));
        unlink(path);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_and_marks), cmocka_unit_test(test_scales),
        cmocka_unit_test(test_kinds_table),      cmocka_unit_test(test_errors),
        cmocka_unit_test(test_history),          cmocka_unit_test(test_history_scale),
        cmocka_unit_test(test_history_text),     cmocka_unit_test(test_snapshot_roundtrip),
        cmocka_unit_test(test_json_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
