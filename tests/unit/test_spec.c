/*
 * test_spec.c -- study specs: the three parameter forms, YAML and JSON giving
 * the same study, scalar resolution, defaults, overrides, durations, the plan,
 * and one exact located message per kind of bad input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/space.h"
#include "hpo.h"
#include "spec/spec.h"

#include <math.h>
#include <string.h>

static const char *BASE = "study: s\n"
                          "objective:\n"
                          "  command: [prog, \"${args}\"]\n"
                          "  metric: loss\n";

static hpo_spec *parse_ok(const char *text)
{
    hpo_spec *s = NULL;
    int rc = hpo_spec_parse(&s, text, strlen(text), "spec.yaml");
    if (rc)
        fail_msg("unexpected error: %s", hpo_errmsg());
    return s;
}

/* Parse BASE + extra; expect HPO_ESPEC whose message contains `want`. */
static void expect_error(const char *extra, const char *want)
{
    char text[4096];
    snprintf(text, sizeof text, "%s%s", BASE, extra);
    hpo_spec *s = NULL;
    int rc = hpo_spec_parse(&s, text, strlen(text), "spec.yaml");
    if (rc == 0) {
        hpo_spec_destroy(s);
        fail_msg("no error for:\n%s", extra);
    }
    assert_null(s);
    if (!strstr(hpo_errmsg(), want))
        fail_msg("message \"%s\" lacks \"%s\"", hpo_errmsg(), want);
}

static const hpo__param *param(const hpo_spec *s, const char *name)
{
    const hpo__param *p = hpo__space_find(s->space, name);
    assert_non_null(p);
    return p;
}

static void test_three_forms(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof text,
             "%s"
             "space:\n"
             "  C: {type: float, low: 1.0e-3, high: 1.0e3, log: true}\n"
             "  units: {type: int, low: 32, high: 512, step: 32}\n"
             "  kernel: {type: categorical, values: [rbf, poly]}\n"
             "  degree: {type: int, low: 2, high: 5, when: \"kernel == poly\"}\n"
             "  lr: loguniform(1e-4, 1e-1)\n"
             "  layers: randint(1, 4)\n"
             "  act: choice(relu, tanh)\n"
             "  mixed: [1, 1.5, true, rbf, \"1e-3\", 1e-3]\n",
             BASE);
    hpo_spec *s = parse_ok(text);
    const hpo__param *p = param(s, "C");
    assert_int_equal(p->kind, HPO__PARAM_FLOAT);
    assert_true(p->log && p->low == 1e-3 && p->high == 1e3);
    p = param(s, "units");
    assert_int_equal(p->kind, HPO__PARAM_INT);
    assert_int_equal(p->step, 32);
    p = param(s, "degree");
    assert_string_equal(p->when, "kernel == poly");
    p = param(s, "lr");
    assert_true(p->kind == HPO__PARAM_FLOAT && p->log && p->low == 1e-4);
    p = param(s, "layers"); /* scipy randint(1, 4): 1, 2, 3 */
    assert_true(p->kind == HPO__PARAM_INT && p->ilow == 1 && p->ihigh == 3);
    p = param(s, "act");
    assert_int_equal(p->n_choices, 2);
    p = param(s, "mixed");
    assert_int_equal(p->n_choices, 6);
    assert_int_equal(p->choices[0].type, HPO_VALUE_INT);
    assert_int_equal(p->choices[1].type, HPO_VALUE_FLOAT);
    assert_int_equal(p->choices[2].type, HPO_VALUE_BOOL);
    assert_int_equal(p->choices[3].type, HPO_VALUE_STRING);
    assert_int_equal(p->choices[4].type, HPO_VALUE_STRING); /* quoted stays a string */
    assert_int_equal(p->choices[5].type, HPO_VALUE_FLOAT);  /* 1e-3 is a number */
    assert_string_equal(hpo_spec_storage(s), "sqlite:///hpo.db");
    assert_string_equal(s->sampler, "random");
    assert_int_equal(hpo_spec_n_trials(s), 10);
    assert_int_equal(hpo_spec_workers(s), 1);
    assert_string_equal(s->output, "runs/s");
    hpo_spec_destroy(s);
}

static void test_yaml_and_json_agree(void **state)
{
    (void)state;
    const char *yaml = "study: j\n"
                       "direction: maximize\n"
                       "seed: 3\n"
                       "n_trials: 7\n"
                       "timeout: 1h30m\n"
                       "objective: {command: [a, b], metric: {name: acc, strategy: max}}\n"
                       "space:\n"
                       "  - {k: [x, y], n: [1, 2]}\n"
                       "  - {k: [z], f: {type: float, low: 0, high: 1, grid_points: 3}}\n"
                       "sampler: {name: grid}\n";
    const char *json = "{\"study\": \"j\", \"direction\": \"maximize\", \"seed\": 3,"
                       " \"n_trials\": 7, \"timeout\": \"1h30m\","
                       " \"objective\": {\"command\": [\"a\", \"b\"],"
                       "   \"metric\": {\"name\": \"acc\", \"strategy\": \"max\"}},"
                       " \"space\": [{\"k\": [\"x\", \"y\"], \"n\": [1, 2]},"
                       "   {\"k\": [\"z\"], \"f\": {\"type\": \"float\", \"low\": 0.0, \"high\": 1,"
                       "    \"grid_points\": 3}}],"
                       " \"sampler\": {\"name\": \"grid\"}}";
    hpo_spec *a = parse_ok(yaml), *b = NULL;
    assert_int_equal(hpo_spec_parse(&b, json, strlen(json), "spec.json"), 0);
    char *ja = NULL, *jb = NULL;
    assert_int_equal(hpo_space_to_json(a->space, &ja), 0);
    assert_int_equal(hpo_space_to_json(b->space, &jb), 0);
    assert_string_equal(ja, jb);
    assert_string_equal(a->objective_json, b->objective_json);
    assert_int_equal(a->direction, HPO_MAXIMIZE);
    assert_int_equal(b->direction, HPO_MAXIMIZE);
    assert_true(a->timeout == 5400 && b->timeout == 5400);
    assert_int_equal(a->seed, 3);
    unsigned long long g = 0;
    assert_int_equal(hpo_space_grid_size(a->space, &g), 0);
    assert_int_equal(g, 4 + 3);
    hpo_free(ja);
    hpo_free(jb);
    hpo_spec_destroy(a);
    hpo_spec_destroy(b);
}

static void test_grid_default_trials_and_overrides(void **state)
{
    (void)state;
    char text[1024];
    snprintf(text, sizeof text, "%sspace: {a: [1, 2, 3], b: [x, y]}\nsampler: grid\n", BASE);
    hpo_spec *s = parse_ok(text);
    assert_int_equal(hpo_spec_n_trials(s), 6);
    assert_int_equal(hpo_spec_set(s, "n_trials", "4"), 0);
    assert_int_equal(hpo_spec_n_trials(s), 4);
    assert_int_equal(hpo_spec_set(s, "workers", "3"), 0);
    assert_int_equal(hpo_spec_workers(s), 3);
    assert_int_equal(hpo_spec_set(s, "study", "other"), 0);
    assert_string_equal(hpo_spec_study(s), "other");
    assert_string_equal(s->output, "runs/other");
    assert_int_equal(hpo_spec_set(s, "timeout", "20m"), 0);
    assert_true(s->timeout == 1200);
    assert_int_equal(hpo_spec_set(s, "workers", "0"), HPO_ESPEC);
    assert_int_equal(hpo_spec_set(s, "seed", "-1"), HPO_ESPEC);
    assert_int_equal(hpo_spec_set(s, "sampler", "qmc"), 0);
    assert_int_equal(hpo_spec_n_trials(s), 4); /* given explicitly: kept */
    assert_int_equal(hpo_spec_set(s, "sampler", "sobol"), HPO_ESPEC);
    assert_int_equal(hpo_spec_set(s, "workerz", "1"), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "did you mean 'workers'"));
    char *plan = NULL;
    assert_int_equal(hpo_spec_plan_json(s, 3, &plan), 0);
    assert_non_null(strstr(plan, "\"grid_size\": 6"));
    assert_non_null(strstr(plan, "\"preview\""));
    hpo_free(plan);
    hpo_spec_destroy(s);
}

/* Defaults follow overrides: a grid's n_trials is its size; an explicit output stays. */
static void test_override_defaults(void **state)
{
    (void)state;
    char text[1024];
    snprintf(text, sizeof text, "%sspace: {a: [1, 2, 3, 4], b: [x, y, z]}\noutput: runs/custom\n",
             BASE);
    hpo_spec *s = parse_ok(text);
    assert_int_equal(hpo_spec_n_trials(s), 10);
    assert_int_equal(hpo_spec_set(s, "sampler", "grid"), 0);
    assert_int_equal(hpo_spec_n_trials(s), 12);
    assert_int_equal(hpo_spec_set(s, "sampler", "random"), 0);
    assert_int_equal(hpo_spec_n_trials(s), 10);
    assert_int_equal(hpo_spec_set(s, "study", "other"), 0);
    assert_string_equal(s->output, "runs/custom");
    hpo_spec_destroy(s);
}

static void test_durations(void **state)
{
    (void)state;
    double d;
    assert_int_equal(hpo__parse_duration("90", &d), 0);
    assert_true(d == 90);
    assert_int_equal(hpo__parse_duration("45s", &d), 0);
    assert_true(d == 45);
    assert_int_equal(hpo__parse_duration("2h", &d), 0);
    assert_true(d == 7200);
    assert_int_equal(hpo__parse_duration("1h30m", &d), 0);
    assert_true(d == 5400);
    assert_int_equal(hpo__parse_duration("1.5d", &d), 0);
    assert_true(d == 129600);
    assert_int_equal(hpo__parse_duration("1h30", &d), HPO_EINVAL);
    assert_int_equal(hpo__parse_duration("abc", &d), HPO_EINVAL);
    assert_int_equal(hpo__parse_duration("", &d), HPO_EINVAL);
    assert_int_equal(hpo__parse_duration("-5s", &d), HPO_EINVAL);
}

static void test_errors_are_located(void **state)
{
    (void)state;
    expect_error("space:\n  C: {type: float, low: abc, high: 1}\n",
                 "spec.yaml:6:25: space.C.low: expected a number, got \"abc\"");
    expect_error("space:\n  C: {type: float, low: 2, high: 1}\n",
                 "low (2) is greater than high (1)");
    expect_error("space:\n  C: {type: float, low: 0, high: 1, log: true}\n",
                 "log: true needs low > 0");
    expect_error("space:\n  C: {type: float, min: 0, high: 1}\n",
                 "spec.yaml:6:20: space.C.min: unknown key 'min' (hpo calls it 'low')");
    expect_error("space:\n  k: []\n", "space.k: the list of values is empty");
    expect_error("space:\n  k: {type: categorical, values: [a, a]}\n", "space.k.values");
    expect_error("space:\n  d: {type: int, low: 1, high: 3, when: \"kernl == poly\"}\n",
                 "space.d.when: condition \"kernl == poly\" names no parameter");
    expect_error("space:\n  x: [1]\nsampelr: grid\n",
                 "spec.yaml:7:1: sampelr: unknown key 'sampelr' (did you mean 'sampler'?)");
    expect_error("space:\n  x: [1]\nparameters: {}\n", "(hpo calls it 'space')");
    expect_error("space:\n  x: {type: double, low: 0, high: 1}\n", "(hpo calls it 'float')");
    expect_error("space:\n  x: uniform(0, 1)\nsampler: grid\n", "a list of values or grid_points");
    expect_error("space:\n  x: [1]\nsampler: {name: qmc, methd: sobol}\n", "did you mean 'method'");
    expect_error("space:\n  x: [1]\nsampler: sobol\n", "sampler");
    expect_error("space:\n  x: normal(0, 1)\n", "normal priors are unbounded");
    expect_error("space: {x: uniform(0, 1)}\n", "is cut at a comma: inside {...} or [...] quote");
    expect_error("space:\n  x: [1]\nn_trials: 0\n", "n_trials: must be >= 1");
    expect_error("space:\n  x: [1]\ntimeout: soon\n", "timeout: expected a duration");
    expect_error("space:\n  x: [1]\nstudy: again\n", "duplicate key");
    expect_error("space:\n  x: [1\n", "invalid YAML");
    expect_error("", "space: missing");

    /* missing objective and bad objective forms */
    const char *no_obj = "study: s\nspace: {x: [1]}\n";
    hpo_spec *s = NULL;
    assert_int_equal(hpo_spec_parse(&s, no_obj, strlen(no_obj), "a.yaml"), HPO_ESPEC);
    assert_non_null(strstr(hpo_errmsg(), "objective: missing"));
    const char *est = "study: s\nobjective: {estimator: svc}\nspace: {x: [1]}\n";
    assert_int_equal(hpo_spec_parse(&s, est, strlen(est), "a.yaml"), HPO_ESPEC);
    assert_non_null(strstr(hpo_errmsg(), "missing data:"));
    const char *str_cmd = "study: s\nobjective: {command: \"a b\", metric: m}\nspace: {x: [1]}\n";
    assert_int_equal(hpo_spec_parse(&s, str_cmd, strlen(str_cmd), "a.yaml"), HPO_ESPEC);
    assert_non_null(strstr(hpo_errmsg(), "shell: true"));
    assert_int_equal(hpo_spec_parse(&s, "", 0, "empty.yaml"), HPO_ESPEC);
    assert_string_equal(hpo_errmsg(), "empty.yaml: empty spec");
    assert_int_equal(hpo_spec_parse(&s, "---\n", 4, "dash.yaml"), HPO_ESPEC);
    assert_string_equal(hpo_errmsg(), "dash.yaml: empty spec");
    const char *bad_json = "{\"study\": \"s\",}";
    assert_int_equal(hpo_spec_parse(&s, bad_json, strlen(bad_json), "a.json"), HPO_ESPEC);
    assert_non_null(strstr(hpo_errmsg(), "a.json:1:"));
    const char *dup_json = "{\"study\": \"s\", \"study\": \"t\"}";
    assert_int_equal(hpo_spec_parse(&s, dup_json, strlen(dup_json), "a.json"), HPO_ESPEC);
    assert_null(s);
    assert_int_equal(hpo_spec_load(&s, "/nonexistent/spec.yaml"), HPO_EIO);
    assert_non_null(strstr(hpo_errmsg(), "cannot read /nonexistent/spec.yaml"));
}

static void test_out_of_memory(void **state)
{
    (void)state;
    char text[1024];
    snprintf(text, sizeof text,
             "%sspace:\n  a: [1, 2]\n  b: uniform(0, 1)\n  c: {type: int, low: 1, high: 9}\n"
             "sampler: {name: qmc, method: halton}\n",
             BASE);
    for (long n = 0; n < 2000; n++) {
        hpo_spec *s = NULL;
        hpo__alloc_fail_after(n);
        int rc = hpo_spec_parse(&s, text, strlen(text), "spec.yaml");
        hpo__alloc_fail_after(-1);
        if (rc == 0) {
            hpo_spec_destroy(s);
            return;
        }
        assert_int_equal(rc, HPO_ENOMEM);
        assert_null(s);
    }
    fail_msg("never succeeded");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_forms),
        cmocka_unit_test(test_yaml_and_json_agree),
        cmocka_unit_test(test_grid_default_trials_and_overrides),
        cmocka_unit_test(test_override_defaults),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_errors_are_located),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
