/*
 * test_metric.c -- the metric-line parser: every line form, whole-token
 * boundaries, steps, strategies, PCRE2 patterns (Python spelling too), hpo: JSON
 * lines, results files, garbage, nan/inf, long lines and progress bars.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "objectives/metric.h"
#include "util/util.h"

#include <math.h>
#include <string.h>

#define MAXV 64

typedef struct seen {
    size_t n;
    long long steps[MAXV];
    double values[MAXV];
} seen;

static int collect(long long step, double value, void *payload)
{
    seen *s = payload;
    if (s->n < MAXV) {
        s->steps[s->n] = step;
        s->values[s->n] = value;
    }
    s->n++;
    return 0;
}

static hpo__metric *make(const char *name, const char *regex, const char *step_key,
                         hpo_metric_strategy strategy)
{
    hpo__metric_config c = {
        .name = name, .regex = regex, .step_key = step_key, .strategy = strategy};
    hpo__metric *m = NULL;
    assert_int_equal(hpo__metric_create(&m, &c), 0);
    assert_non_null(m);
    return m;
}

/* Parse text with the matcher; returns the final value, fills s. */
static double run(const hpo__metric *m, const char *text, seen *s)
{
    double v = -12345;
    size_t n = 99;
    memset(s, 0, sizeof *s);
    assert_int_equal(hpo__metric_parse(m, text, strlen(text), collect, s, &v, &n), 0);
    assert_int_equal(n, s->n);
    return v;
}

static void test_line_forms(void **state)
{
    (void)state;
    hpo__metric *m = make("loss", NULL, NULL, HPO_METRIC_LAST);
    seen s;
    assert_true(run(m, "loss=3.0e-02\n", &s) == 3.0e-02);
    assert_true(run(m, "loss: 0.1\n", &s) == 0.1);
    assert_true(run(m, "loss :0.25", &s) == 0.25); /* no trailing newline */
    assert_true(run(m, "loss =\t-1.5E+3\n", &s) == -1.5e3);
    assert_true(run(m, "epoch 2 - loss: 0.44 - val_accuracy: 0.8433\n", &s) == 0.44);
    assert_true(run(m, "train  loss=.5,\n", &s) == 0.5);
    assert_true(run(m, "loss=7 ", &s) == 7.0);
    run(m, "\"loss\": 2.5", &s); /* a quoted key is not one of the forms */
    assert_int_equal(s.n, 0);
    hpo__metric_destroy(m);

    m = make("val_accuracy", NULL, NULL, HPO_METRIC_LAST);
    assert_true(run(m, "epoch 2 - loss: 0.44 - val_accuracy: 0.8433\n", &s) == 0.8433);
    assert_int_equal(s.n, 1);
    hpo__metric_destroy(m);
}

static void test_whole_token(void **state)
{
    (void)state;
    hpo__metric *m = make("loss", NULL, NULL, HPO_METRIC_LAST);
    seen s;
    double v = run(m,
                   "val_loss=1\nmy_loss: 2\nloss_x=3\nlossy=4\nval.loss=5\ntrain/loss=6\n"
                   "x-loss=8\nloss 9\nloss==10\n",
                   &s);
    assert_int_equal(s.n, 0);
    assert_true(isnan(v));
    /* the first whole-token match on a line counts, after longer identifiers */
    run(m, "val_loss: 0.9 - loss: 0.3 - loss: 0.2\n", &s);
    assert_int_equal(s.n, 1);
    assert_true(s.values[0] == 0.3);
    /* not a number after the separator */
    run(m, "loss: abc\nloss=1.5x\nloss: information\nloss: -\n", &s);
    assert_int_equal(s.n, 0);
    hpo__metric_destroy(m);
}

static void test_nan_inf(void **state)
{
    (void)state;
    hpo__metric *m = make("loss", NULL, NULL, HPO_METRIC_LAST);
    seen s;
    assert_true(isnan(run(m, "loss=nan\n", &s)));
    assert_int_equal(s.n, 1);
    assert_true(isnan(run(m, "loss: NaN\n", &s)));
    assert_int_equal(s.n, 1);
    double v = run(m, "loss=inf\n", &s);
    assert_true(isinf(v) && v > 0);
    v = run(m, "loss=-inf\n", &s);
    assert_true(isinf(v) && v < 0);
    v = run(m, "loss: Infinity\n", &s);
    assert_true(isinf(v) && v > 0);
    v = run(m, "loss: -INF\n", &s);
    assert_true(isinf(v) && v < 0);
    v = run(m, "loss=1e999\n", &s); /* overflow reads as inf */
    assert_int_equal(s.n, 1);
    assert_true(isinf(v));
    v = run(m, "loss=1e-400\n", &s);
    assert_int_equal(s.n, 1);
    assert_true(v == 0.0);
    hpo__metric_destroy(m);
}

static void test_steps_counted_from_one(void **state)
{
    (void)state;
    hpo__metric *m = make("loss", NULL, NULL, HPO_METRIC_LAST);
    seen s;
    run(m, "loss=3\nnoise\nloss=2\nloss=1\n", &s);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.steps[0], 1);
    assert_int_equal(s.steps[1], 2);
    assert_int_equal(s.steps[2], 3);
    hpo__metric_destroy(m);
}

static void test_steps_from_key(void **state)
{
    (void)state;
    hpo__metric *m = make("loss", NULL, NULL, HPO_METRIC_LAST);
    seen s;
    /* same line, either key, any case */
    run(m, "epoch=5 loss=3\nEpoch 7/10 - loss: 2\nstep: 9 loss: 1\n", &s);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.steps[0], 5);
    assert_int_equal(s.steps[1], 7);
    assert_int_equal(s.steps[2], 9);
    /* an earlier line (Guild's "step:" line) */
    run(m, "step: 10\nloss: 0.5\nsomething\nloss: 0.4\nstep: 20\nloss: 0.3\n", &s);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.steps[0], 10);
    assert_int_equal(s.steps[1], 10);
    assert_int_equal(s.steps[2], 20);
    /* not a step: a longer identifier or a fraction */
    run(m, "steps=4 loss=1\nepoch_time=3 loss=2\nepoch 1.5 loss=3\n", &s);
    assert_int_equal(s.steps[0], 1);
    assert_int_equal(s.steps[1], 2);
    assert_int_equal(s.steps[2], 3);
    hpo__metric_destroy(m);

    m = make("loss", NULL, "iter", HPO_METRIC_LAST);
    run(m, "iter 100 loss=1\nepoch 3 loss=2\n", &s);
    assert_int_equal(s.steps[0], 100);
    assert_int_equal(s.steps[1], 100); /* "epoch" is not the key any more */
    hpo__metric_destroy(m);
}

static void test_strategies(void **state)
{
    (void)state;
    const char *text = "loss=3\nloss=1\nloss=nan\nloss=2\n";
    seen s;
    hpo__metric *m = make("loss", NULL, NULL, HPO_METRIC_LAST);
    assert_true(run(m, text, &s) == 2.0);
    hpo__metric_destroy(m);
    m = make("loss", NULL, NULL, HPO_METRIC_MAX);
    assert_true(run(m, text, &s) == 3.0);
    hpo__metric_destroy(m);
    m = make("loss", NULL, NULL, HPO_METRIC_MIN);
    assert_true(run(m, text, &s) == 1.0);
    assert_true(isnan(run(m, "loss=nan\n", &s)));
    assert_true(isnan(run(m, "nothing here\n", &s)));
    assert_int_equal(s.n, 0);
    hpo__metric_destroy(m);
}

static void test_regex(void **state)
{
    (void)state;
    seen s;
    hpo__metric *m =
        make(NULL, "epoch (?<step>\\d+) .* acc=(?<value>[-+0-9.eE]+)", NULL, HPO_METRIC_MAX);
    double v = run(m, "epoch 1 x acc=0.5\nepoch 2 y acc=0.75\nepoch 3 acc=0.6\nacc=0.99\n", &s);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.steps[0], 1);
    assert_int_equal(s.steps[1], 2);
    assert_true(v == 0.75);
    hpo__metric_destroy(m);

    /* Python's named-group spelling */
    m = make(NULL, "Validation-accuracy=(?P<value>\\S+)", NULL, HPO_METRIC_LAST);
    v = run(m, "Validation-accuracy=0.91\nValidation-accuracy=0.93\n", &s);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.steps[1], 2);
    assert_true(v == 0.93);
    /* a captured non-number is skipped */
    run(m, "Validation-accuracy=high\n", &s);
    assert_int_equal(s.n, 0);
    hpo__metric_destroy(m);

    /* regex with a name: the name keys hpo: lines */
    m = make("acc", "A=(?<value>\\d+)", NULL, HPO_METRIC_LAST);
    v = run(m, "A=4\nhpo: {\"acc\": 5}\nacc=6\n", &s);
    assert_int_equal(s.n, 2);
    assert_true(v == 5.0);
    hpo__metric_destroy(m);
}

static void test_regex_errors(void **state)
{
    (void)state;
    hpo__metric *m = NULL;
    hpo__metric_config c = {.regex = "loss=(?<value>[0-9"};
    assert_int_equal(hpo__metric_create(&m, &c), HPO_EINVAL);
    assert_null(m);
    assert_non_null(strstr(hpo_errmsg(), "offset"));
    c.regex = "loss=([0-9.]+)";
    assert_int_equal(hpo__metric_create(&m, &c), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "value"));
    hpo__metric_config none = {0};
    assert_int_equal(hpo__metric_create(&m, &none), HPO_EINVAL);
    hpo__metric_config bad = {.name = "loss", .strategy = (hpo_metric_strategy)7};
    assert_int_equal(hpo__metric_create(&m, &bad), HPO_EINVAL);
    assert_null(m);
}

static void test_hpo_json_lines(void **state)
{
    (void)state;
    seen s;
    hpo__metric *m = make("val_accuracy", NULL, NULL, HPO_METRIC_LAST);
    double v = run(m,
                   "hpo: {\"step\": 3, \"val_accuracy\": 0.81}\n"
                   "  hpo:{\"epoch\": 4, \"val_accuracy\": 0.82}\n"
                   "hpo: {\"val_accuracy\": \"nan\"}\n"
                   "hpo: {\"step\": 9}\n"
                   "val_accuracy=0.9\n"
                   "hpo: {broken json\n"
                   "hpo: [1, 2]\n"
                   "hpo: {\"val_accuracy\": true}\n",
                   &s);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.steps[0], 3);
    assert_int_equal(s.steps[1], 4);
    assert_int_equal(s.steps[2], 4); /* no step: the most recent one */
    assert_true(isnan(s.values[2]));
    assert_int_equal(s.steps[3], 9);
    assert_true(v == 0.9);
    hpo__metric_destroy(m);
}

static void test_garbage_and_binary(void **state)
{
    (void)state;
    seen s;
    hpo__metric *m = make("loss", NULL, NULL, HPO_METRIC_LAST);
    const char bin[] = "\x00\xff\xfe loss\x00=1\n\x1b[31mloss=2\x1b[0m\n";
    double v = -1;
    size_t n = 0;
    memset(&s, 0, sizeof s);
    assert_int_equal(hpo__metric_parse(m, bin, sizeof bin - 1, collect, &s, &v, &n), 0);
    assert_int_equal(n, 1); /* the ANSI-coloured line still reads */
    assert_true(v == 2.0);
    run(m, "::::====\n=loss\nloss\n:\n\n\n", &s);
    assert_int_equal(s.n, 0);
    assert_int_equal(hpo__metric_parse(m, "", 0, NULL, NULL, &v, &n), 0);
    assert_int_equal(n, 0);
    hpo__metric_destroy(m);
}

static void test_long_lines_truncated(void **state)
{
    (void)state;
    hpo__metric *m = make("loss", NULL, NULL, HPO_METRIC_LAST);
    size_t big = HPO__METRIC_MAX_LINE + 1000;
    char *text = hpo__malloc(big + 64);
    assert_non_null(text);
    /* a metric at the start of a huge line survives; one past 64 KiB is dropped */
    memcpy(text, "loss=1 ", 7);
    memset(text + 7, 'x', big - 7);
    memcpy(text + big, " loss=2\nloss=3\n", 16);
    seen s;
    run(m, text, &s);
    assert_int_equal(s.n, 2);
    assert_true(s.values[0] == 1.0);
    assert_true(s.values[1] == 3.0);
    hpo__free(text);
    hpo__metric_destroy(m);
}

static void test_progress_bars_and_crlf(void **state)
{
    (void)state;
    seen s;
    hpo__metric *m = make("loss", NULL, NULL, HPO_METRIC_LAST);
    run(m, "1/3 [==] loss: 0.9\r2/3 [===] loss: 0.8\r3/3 [====] loss: 0.7\r\nloss=0.5\r\n", &s);
    assert_int_equal(s.n, 2);
    assert_true(s.values[0] == 0.7);
    assert_true(s.values[1] == 0.5);
    hpo__metric_destroy(m);
}

static void test_streaming_split_anywhere(void **state)
{
    (void)state;
    const char *text = "epoch 1 loss=0.5\nepoch 2 loss=0.25\nloss=0.125";
    hpo__metric *m = make("loss", NULL, NULL, HPO_METRIC_MIN);
    for (size_t cut = 0; cut <= strlen(text); cut++) {
        hpo__metric_run r;
        seen s;
        memset(&s, 0, sizeof s);
        assert_int_equal(hpo__metric_run_init(&r, m, collect, &s), 0);
        assert_int_equal(hpo__metric_run_feed(&r, text, cut), 0);
        assert_int_equal(hpo__metric_run_feed(&r, text + cut, strlen(text) - cut), 0);
        assert_int_equal(hpo__metric_run_finish(&r), 0);
        assert_int_equal(r.n, 3);
        assert_true(hpo__metric_run_value(&r) == 0.125);
        assert_int_equal(s.steps[2], 2);
        hpo__metric_run_free(&r);
    }
    hpo__metric_destroy(m);
}

static int stop_at_two(long long step, double value, void *payload)
{
    (void)step;
    (void)value;
    int *count = payload;
    return ++*count == 2 ? HPO_EPRUNED : 0;
}

static void test_callback_stops(void **state)
{
    (void)state;
    hpo__metric *m = make("loss", NULL, NULL, HPO_METRIC_LAST);
    int count = 0;
    double v;
    size_t n;
    assert_int_equal(
        hpo__metric_parse(m, "loss=1\nloss=2\nloss=3\n", 21, stop_at_two, &count, &v, &n),
        HPO_EPRUNED);
    assert_int_equal(count, 2);
    hpo__metric_destroy(m);
}

static void test_tail(void **state)
{
    (void)state;
    hpo__metric *m = make("loss", NULL, NULL, HPO_METRIC_LAST);
    hpo__metric_run r;
    assert_int_equal(hpo__metric_run_init(&r, m, NULL, NULL), 0);
    const char *text = "a\nb\n\nc\nd\ne\nf\tg\n";
    assert_int_equal(hpo__metric_run_feed(&r, text, strlen(text)), 0);
    char buf[256];
    hpo__metric_run_tail(&r, buf, sizeof buf);
    assert_string_equal(buf, "b | c | d | e | f?g");
    hpo__metric_run_free(&r);
    hpo__metric_destroy(m);
}

static void test_results_file(void **state)
{
    (void)state;
    seen s;
    double v;
    size_t n;
    hpo__metric *m = make("val_accuracy", NULL, NULL, HPO_METRIC_MAX);
    const char *one = "{\"val_accuracy\": 0.93, \"other\": 1}";
    memset(&s, 0, sizeof s);
    assert_int_equal(hpo__metric_parse_results(m, one, strlen(one), collect, &s, &v, &n), 0);
    assert_int_equal(n, 1);
    assert_true(v == 0.93);
    const char *list =
        "[{\"step\": 1, \"val_accuracy\": 0.5}, {\"step\": 2, \"val_accuracy\": 0.7},"
        " {\"step\": 3, \"val_accuracy\": 0.6}, 5, {\"loss\": 1}]";
    memset(&s, 0, sizeof s);
    assert_int_equal(hpo__metric_parse_results(m, list, strlen(list), collect, &s, &v, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(s.steps[2], 3);
    assert_true(v == 0.7);
    assert_int_equal(hpo__metric_parse_results(m, "0.25", 4, NULL, NULL, &v, &n), 0);
    assert_true(v == 0.25);
    assert_int_equal(hpo__metric_parse_results(m, "{\"loss\": 2}", 11, NULL, NULL, &v, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(hpo__metric_parse_results(m, "{nope", 5, NULL, NULL, &v, &n), HPO_EINVAL);
    assert_int_equal(hpo__metric_parse_results(m, "\"str\"", 5, NULL, NULL, &v, &n), HPO_EINVAL);
    hpo__metric_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_forms),
        cmocka_unit_test(test_whole_token),
        cmocka_unit_test(test_nan_inf),
        cmocka_unit_test(test_steps_counted_from_one),
        cmocka_unit_test(test_steps_from_key),
        cmocka_unit_test(test_strategies),
        cmocka_unit_test(test_regex),
        cmocka_unit_test(test_regex_errors),
        cmocka_unit_test(test_hpo_json_lines),
        cmocka_unit_test(test_garbage_and_binary),
        cmocka_unit_test(test_long_lines_truncated),
        cmocka_unit_test(test_progress_bars_and_crlf),
        cmocka_unit_test(test_streaming_split_anywhere),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_tail),
        cmocka_unit_test(test_results_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
