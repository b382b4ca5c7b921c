/*
 * test_command.c -- the external-command objective through its runner core
 * (hpo__command_run with plain parameter arrays): hpo-testfn (HPO_TESTFN) in
 * every log format and failure mode, /bin/sh one-liners for verbatim argv values,
 * placeholders and the environment, timeouts that kill the whole process group
 * (grandchild included), the results file, logs, prune and interrupt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "objectives/command.h"
#include "objectives/template.h"
#include "util/util.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256]; /* scratch directory of this test run */

static const char *testfn(void)
{
    const char *p = getenv("HPO_TESTFN");
    if (p && access(p, X_OK) == 0)
        return p;
    return NULL;
}

#define NEED_TESTFN()                                                                              \
    do {                                                                                           \
        if (!testfn()) {                                                                           \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

static void rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char sub[1024];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            rm_rf(sub);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/hpo-test-command-XXXXXX");
    return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    rm_rf(root);
    return 0;
}

/* Read a file into a static buffer ("" when absent). */
static const char *slurp(const char *path)
{
    static char buf[65536];
    buf[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f)
        return buf;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

typedef struct reports {
    int n;
    long long steps[64];
    double values[64];
    int prune_at; /* ask to prune at this report count (0 = never) */
} reports;

static int on_report(void *ctx, long long step, double value, int *should_prune)
{
    reports *r = ctx;
    if (r->n < 64) {
        r->steps[r->n] = step;
        r->values[r->n] = value;
    }
    r->n++;
    *should_prune = r->prune_at && r->n >= r->prune_at;
    return 0;
}

static hpo_command *make_cmd(const char *const *argv, size_t argc, const char *out_sub)
{
    char out[512];
    snprintf(out, sizeof out, "%s/%s", root, out_sub);
    hpo_command_options o = HPO_COMMAND_OPTIONS_INIT;
    o.argv = argv;
    o.argc = argc;
    o.metric = "loss";
    o.output = out;
    o.study = "s1";
    o.seed = 42;
    hpo_command *cmd = NULL;
    assert_int_equal(hpo_command_create(&cmd, &o), 0);
    return cmd;
}

static int run_trial(hpo_command *cmd, long long number, size_t n, const char *const *names,
                     const hpo_value *values, reports *r, hpo__cmd_result *res)
{
    hpo__cmd_trial t = {.number = number,
                        .budget = (double)NAN,
                        .parent = -1,
                        .n_params = n,
                        .names = names,
                        .values = values,
                        .params_json = "{\"x\": 1}",
                        .report = on_report,
                        .ctx = r};
    return hpo__command_run(cmd, &t, res);
}

static void test_create_validates(void **state)
{
    (void)state;
    const char *argv[] = {"prog", "${x"};
    hpo_command_options o = HPO_COMMAND_OPTIONS_INIT;
    hpo_command *cmd = (hpo_command *)&o; /* must stay untouched */
    o.argv = argv;
    o.argc = 0;
    o.metric = "loss";
    assert_int_equal(hpo_command_create(&cmd, &o), HPO_EINVAL);
    o.argc = 1;
    o.metric = NULL;
    assert_int_equal(hpo_command_create(&cmd, &o), HPO_EINVAL);
    o.metric = "loss";
    o.strategy = (hpo_metric_strategy)9;
    assert_int_equal(hpo_command_create(&cmd, &o), HPO_EINVAL);
    o.strategy = HPO_METRIC_LAST;
    o.metric_regex = "(?<value>";
    assert_int_equal(hpo_command_create(&cmd, &o), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "offset"));
    o.metric_regex = NULL;
    o.argc = 2;
    assert_int_equal(hpo_command_create(&cmd, &o), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "unterminated"));
    o.argc = 1;
    o.timeout = -1;
    assert_int_equal(hpo_command_create(&cmd, &o), HPO_EINVAL);
    o.timeout = 0;
    o.version = 99;
    assert_int_equal(hpo_command_create(&cmd, &o), HPO_EINVAL);
    assert_ptr_equal(cmd, (hpo_command *)&o);
    hpo_command_destroy(NULL);
}

static void test_parse_output(void **state)
{
    (void)state;
    const char *argv[] = {"true"};
    hpo_command *cmd = make_cmd(argv, 1, "po");
    double v = 0;
    size_t n = 0;
    const char *text = "epoch 1 - loss: 0.5\nepoch 2 - loss: 0.25\n";
    assert_int_equal(hpo_command_parse_output(cmd, text, strlen(text), &v, &n), 0);
    assert_int_equal(n, 2);
    assert_true(v == 0.25);
    assert_int_equal(hpo_command_parse_output(cmd, "nothing", 7, &v, &n), 0);
    assert_int_equal(n, 0);
    hpo_command_destroy(cmd);
}

static void test_testfn_formats(void **state)
{
    (void)state;
    NEED_TESTFN();
    const char *formats[] = {"kv", "keras", "yaml", "json"};
    for (size_t f = 0; f < 4; f++) {
        const char *argv[] = {testfn(), "branin",   "${args}", "--epochs",
                              "3",      "--format", formats[f]};
        hpo_command *cmd = make_cmd(argv, 7, "fmt");
        const char *names[] = {"x1", "x2"};
        hpo_value values[2] = {{.type = HPO_VALUE_FLOAT, .u.f = 3.141592653589793},
                               {.type = HPO_VALUE_FLOAT, .u.f = 2.275}};
        reports r = {0};
        hpo__cmd_result res = {0};
        assert_int_equal(run_trial(cmd, (long long)f, 2, names, values, &r, &res), 0);
        assert_null(res.error);
        assert_true(fabs(res.value - 0.397887357729738) < 1e-9);
        assert_int_equal(r.n, 3);
        assert_int_equal(r.steps[0], 1);
        assert_int_equal(r.steps[2], 3);
        assert_true(r.values[0] > r.values[2]);
        /* logs and params in <output>/trials/<number> */
        char p[1024];
        snprintf(p, sizeof p, "%s/fmt/trials/%zu", root, f);
        assert_string_equal(res.log_dir, p);
        snprintf(p, sizeof p, "%s/fmt/trials/%zu/stdout.log", root, f);
        assert_non_null(strstr(slurp(p), "finished after 3 epochs"));
        snprintf(p, sizeof p, "%s/fmt/trials/%zu/params.json", root, f);
        assert_string_equal(slurp(p), "{\"x\": 1}\n");
        hpo__cmd_result_free(&res);
        hpo_command_destroy(cmd);
    }
}

static void test_quadratic_categorical_int(void **state)
{
    (void)state;
    NEED_TESTFN();
    const char *argv[] = {testfn(),   "quadratic",        "--kernel=${kernel}",
                          "--C=${C}", "--gamma=${gamma}", "--epochs=${epochs}"};
    hpo_command *cmd = make_cmd(argv, 6, "quad");
    const char *names[] = {"kernel", "C", "gamma", "epochs"};
    hpo_value values[4] = {{.type = HPO_VALUE_STRING, .u.s = "rbf"},
                           {.type = HPO_VALUE_FLOAT, .u.f = 10},
                           {.type = HPO_VALUE_FLOAT, .u.f = 0.1},
                           {.type = HPO_VALUE_INT, .u.i = 2}};
    reports r = {0};
    hpo__cmd_result res = {0};
    assert_int_equal(run_trial(cmd, 0, 4, names, values, &r, &res), 0);
    assert_true(fabs(res.value - 3.0) < 1e-12); /* 1 + 1^2 + 1^2 */
    assert_int_equal(r.n, 2);
    hpo__cmd_result_free(&res);
    hpo_command_destroy(cmd);
}

static void test_values_reach_argv_verbatim(void **state)
{
    (void)state;
    const char *evil = "a; touch pwned1 $(touch pwned2) `touch pwned3` 'sq' \"dq\" \\ x\ny $HOME";
    const char *argv[] = {"/bin/sh",
                          "-c",
                          ("printf '%s' \"$1\" > \"$HPO_TRIAL_DIR/arg1\"; "
                           "printf '%s' \"$2\" > \"$HPO_TRIAL_DIR/arg2\"; echo loss=1"),
                          "sh",
                          "${v}",
                          "pre ${v} post"};
    char work[512];
    snprintf(work, sizeof work, "%s/work", root);
    assert_int_equal(mkdir(work, 0777), 0);
    hpo_command_options o = HPO_COMMAND_OPTIONS_INIT;
    o.argv = argv;
    o.argc = 6;
    o.metric = "loss";
    o.output = root;
    o.workdir = work;
    hpo_command *cmd = NULL;
    assert_int_equal(hpo_command_create(&cmd, &o), 0);
    const char *names[] = {"v"};
    hpo_value values[1] = {{.type = HPO_VALUE_STRING, .u.s = evil}};
    reports r = {0};
    hpo__cmd_result res = {0};
    assert_int_equal(run_trial(cmd, 3, 1, names, values, &r, &res), 0);
    char p[1024];
    snprintf(p, sizeof p, "%s/trials/3/arg1", root);
    assert_string_equal(slurp(p), evil);
    snprintf(p, sizeof p, "%s/trials/3/arg2", root);
    char expect[512];
    snprintf(expect, sizeof expect, "pre %s post", evil);
    assert_string_equal(slurp(p), expect);
    for (int k = 1; k <= 3; k++) {
        snprintf(p, sizeof p, "%s/pwned%d", work, k);
        assert_int_equal(access(p, F_OK), -1);
        snprintf(p, sizeof p, "pwned%d", k);
        assert_int_equal(access(p, F_OK), -1);
    }
    hpo__cmd_result_free(&res);
    hpo_command_destroy(cmd);

    /* shell mode: the template is a script, values are single-quoted */
    const char *sh_argv[] = {"printf", "'%s'", "${v}", ">", "${trial.dir}/out;", "echo", "loss=2"};
    o.argv = sh_argv;
    o.argc = 7;
    o.shell = 1;
    assert_int_equal(hpo_command_create(&cmd, &o), 0);
    assert_int_equal(run_trial(cmd, 4, 1, names, values, &r, &res), 0);
    assert_true(res.value == 2.0);
    snprintf(p, sizeof p, "%s/trials/4/out", root);
    assert_string_equal(slurp(p), evil);
    for (int k = 1; k <= 3; k++) {
        snprintf(p, sizeof p, "%s/pwned%d", work, k);
        assert_int_equal(access(p, F_OK), -1);
    }
    hpo__cmd_result_free(&res);
    hpo_command_destroy(cmd);
}

static void test_placeholders(void **state)
{
    (void)state;
    const char *names[] = {"lr", "units", "kernel", "shrink"};
    hpo_value values[4] = {{.type = HPO_VALUE_FLOAT, .u.f = 0.1},
                           {.type = HPO_VALUE_INT, .u.i = 256},
                           {.type = HPO_VALUE_STRING, .u.s = "rbf"},
                           {.type = HPO_VALUE_BOOL, .u.b = 1}};
    char *texts[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(hpo__command_value_text(&values[i], &texts[i]), 0);
    hpo__tmpl_ctx ctx = {.n_params = 4,
                         .names = names,
                         .texts = (const char *const *)texts,
                         .params_json = "{\"lr\": 0.1}",
                         .params_file = "/d/params.json",
                         .number = 12,
                         .trial_dir = "/d",
                         .study = "st",
                         .seed = 7};
    const char *tmpl[] = {"prog",
                          "${args}",
                          "${args_no_hyphens}",
                          "x ${args} y",
                          "${args_json}",
                          "${args_json_file}",
                          "n=${trial.number}/${trial.id}",
                          "${trial.dir}",
                          "${study}-${seed}",
                          "[${budget}${budget_start}]",
                          "$$HOME $${lr} $5",
                          "${lr}${units}"};
    char **argv = NULL;
    size_t argc = 0;
    assert_int_equal(hpo__template_expand(tmpl, 12, &ctx, 0, &argv, &argc), 0);
    const char *expect[] = {"prog",           "--lr=0.1",
                            "--units=256",    "--kernel=rbf",
                            "--shrink=true",  "lr=0.1",
                            "units=256",      "kernel=rbf",
                            "shrink=true",    "x --lr=0.1 --units=256 --kernel=rbf --shrink=true y",
                            "{\"lr\": 0.1}",  "/d/params.json",
                            "n=12/12",        "/d",
                            "st-7",           "[]",
                            "$HOME ${lr} $5", "0.1256"};
    assert_int_equal(argc, sizeof expect / sizeof expect[0]);
    for (size_t i = 0; i < argc; i++)
        assert_string_equal(argv[i], expect[i]);
    assert_null(argv[argc]);
    hpo__template_free(argv);

    /* shell mode quoting */
    const char *sh[] = {"echo", "${kernel}", "${args}"};
    hpo_value q = {.type = HPO_VALUE_STRING, .u.s = "it's"};
    char *qt;
    assert_int_equal(hpo__command_value_text(&q, &qt), 0);
    hpo__free(texts[2]);
    texts[2] = qt;
    assert_int_equal(hpo__template_expand(sh, 3, &ctx, 1, &argv, &argc), 0);
    assert_int_equal(argc, 3);
    assert_string_equal(argv[0], "/bin/sh");
    assert_string_equal(argv[1], "-c");
    assert_string_equal(argv[2], "echo 'it'\\''s' '--lr=0.1' '--units=256' '--kernel=it'\\''s' "
                                 "'--shrink=true'");
    hpo__template_free(argv);

    /* unknown names fail with the element's index */
    const char *bad[] = {"prog", "x", "${foo}"};
    argv = NULL;
    assert_int_equal(hpo__template_expand(bad, 3, &ctx, 0, &argv, &argc), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "unknown placeholder ${foo} in argv[2]");
    assert_null(argv);
    for (int i = 0; i < 4; i++)
        hpo__free(texts[i]);

    /* and through a run: the trial fails with that message */
    const char *run_argv[] = {"/bin/echo", "loss=1", "${foo}"};
    hpo_command *cmd = make_cmd(run_argv, 3, "ph");
    reports r = {0};
    hpo__cmd_result res = {0};
    assert_int_equal(run_trial(cmd, 0, 0, NULL, NULL, &r, &res), HPO_EOBJECTIVE);
    assert_string_equal(res.error, "unknown placeholder ${foo} in argv[2]");
    hpo__cmd_result_free(&res);
    hpo_command_destroy(cmd);
}

/* A promoted trial: ${budget}, ${budget_start}, HPO_BUDGET*, and the parent's
 * checkpoint copied into its own ${trial.dir} (hpo's own files are not), the
 * parent's files left as they were. */
static void test_budget_and_checkpoint(void **state)
{
    (void)state;
    const char *argv[] = {
        "/bin/sh",
        "-c",
        "d=$1; cat \"$d/ckpt/epoch\" > \"$d/seen\" 2>/dev/null || echo none > \"$d/seen\"; "
        "test -e \"$d/stdout.log.parent\" && echo copied-log >> \"$d/seen\"; "
        "mkdir -p \"$d/ckpt\"; echo \"$2\" > \"$d/ckpt/epoch\"; "
        "echo \"$HPO_BUDGET $HPO_BUDGET_START [$HPO_TRIAL_PARENT_DIR] $3\" > \"$d/budget\"; "
        "echo loss=1",
        "sh",
        "${trial.dir}",
        "${budget}",
        "${budget_start}"};
    hpo_command *cmd = make_cmd(argv, 7, "budget");
    reports r = {0};
    hpo__cmd_result res = {0};
    hpo__cmd_trial t = {
        .number = 3, .budget = 3, .budget_start = 0, .parent = -1, .report = on_report, .ctx = &r};
    assert_int_equal(hpo__command_run(cmd, &t, &res), 0);
    hpo__cmd_result_free(&res);
    char p[1024], line[1024];
    snprintf(p, sizeof p, "%s/budget/trials/3/seen", root);
    assert_string_equal(slurp(p), "none\n");
    snprintf(p, sizeof p, "%s/budget/trials/3/budget", root);
    assert_string_equal(slurp(p), "3 0 [] 0\n");

    hpo__cmd_trial c = {
        .number = 5, .budget = 9, .budget_start = 3, .parent = 3, .report = on_report, .ctx = &r};
    assert_int_equal(hpo__command_run(cmd, &c, &res), 0);
    hpo__cmd_result_free(&res);
    snprintf(p, sizeof p, "%s/budget/trials/5/seen", root);
    assert_string_equal(slurp(p), "3\n"); /* the parent's checkpoint was there */
    snprintf(p, sizeof p, "%s/budget/trials/5/ckpt/epoch", root);
    assert_string_equal(slurp(p), "9\n");
    snprintf(p, sizeof p, "%s/budget/trials/3/ckpt/epoch", root);
    assert_string_equal(slurp(p), "3\n"); /* the parent's copy is untouched */
    snprintf(p, sizeof p, "%s/budget/trials/5/budget", root);
    snprintf(line, sizeof line, "9 3 [%s/budget/trials/3] 3\n", root);
    assert_string_equal(slurp(p), line);
    /* hpo's own files are the child's, not copies */
    snprintf(p, sizeof p, "%s/budget/trials/5/params.json", root);
    assert_string_equal(slurp(p), "{}\n");

    /* a fractional budget (Li et al.'s r_i) shows as the shortest float */
    hpo__cmd_trial f = {.number = 6,
                        .budget = 100.0 / 81.0,
                        .budget_start = 0,
                        .parent = -1,
                        .report = on_report,
                        .ctx = &r};
    assert_int_equal(hpo__command_run(cmd, &f, &res), 0);
    hpo__cmd_result_free(&res);
    snprintf(p, sizeof p, "%s/budget/trials/6/budget", root);
    assert_string_equal(slurp(p), "1.2345679012345678 0 [] 0\n");
    hpo_command_destroy(cmd);
}

static void test_environment(void **state)
{
    (void)state;
    setenv("HPO_TEST_INHERITED", "yes", 1);
    const char *argv[] = {"/bin/sh", "-c", "env > \"$HPO_TRIAL_DIR/env.txt\"; echo loss=1"};
    char out[512];
    snprintf(out, sizeof out, "%s/envs", root);
    hpo_kv env[] = {{"FOO", "bar baz"}, {"HPO_SEED", "overridden"}};
    hpo_command_options o = HPO_COMMAND_OPTIONS_INIT;
    o.argv = argv;
    o.argc = 3;
    o.metric = "loss";
    o.output = out;
    o.study = "my-study";
    o.seed = 99;
    o.env = env;
    o.n_env = 1;
    hpo_command *cmd = NULL;
    assert_int_equal(hpo_command_create(&cmd, &o), 0);
    const char *names[] = {"learning-rate", "n.layers"};
    hpo_value values[2] = {{.type = HPO_VALUE_FLOAT, .u.f = 0.001},
                           {.type = HPO_VALUE_INT, .u.i = 3}};
    reports r = {0};
    hpo__cmd_result res = {0};
    assert_int_equal(run_trial(cmd, 7, 2, names, values, &r, &res), 0);
    char p[1024], line[1024];
    snprintf(p, sizeof p, "%s/envs/trials/7/env.txt", root);
    const char *e = slurp(p);
    const char *want[] = {"HPO_TEST_INHERITED=yes\n",
                          "FOO=bar baz\n",
                          "HPO_STUDY=my-study\n",
                          "HPO_TRIAL_ID=7\n",
                          "HPO_TRIAL_NUMBER=7\n",
                          "HPO_SEED=99\n",
                          "PYTHONUNBUFFERED=1\n",
                          "HPO_PARAM_LEARNING_RATE=0.001\n",
                          "HPO_BUDGET=\n",
                          "HPO_BUDGET_START=\n",
                          "HPO_WORKER=0\n",
                          "HPO_TRIAL_PARENT_DIR=\n",
                          "HPO_PARAM_N_LAYERS=3\n",
                          "HPO_PARAMS_JSON={\"x\": 1}\n"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!strstr(e, want[i]))
            fail_msg("missing %s in\n%s", want[i], e);
    }
    snprintf(line, sizeof line, "HPO_TRIAL_DIR=%s/envs/trials/7\n", root);
    assert_non_null(strstr(e, line));
    snprintf(line, sizeof line, "HPO_PARAMS_FILE=%s/envs/trials/7/params.json\n", root);
    assert_non_null(strstr(e, line));
    snprintf(line, sizeof line, "HPO_RESULT_FILE=%s/envs/trials/7/result.json\n", root);
    assert_non_null(strstr(e, line));
    hpo__cmd_result_free(&res);
    hpo_command_destroy(cmd);

    /* opts->env wins over the HPO_* variables */
    o.n_env = 2;
    assert_int_equal(hpo_command_create(&cmd, &o), 0);
    assert_int_equal(run_trial(cmd, 8, 0, NULL, NULL, &r, &res), 0);
    snprintf(p, sizeof p, "%s/envs/trials/8/env.txt", root);
    e = slurp(p);
    assert_non_null(strstr(e, "HPO_SEED=overridden\n"));
    assert_null(strstr(e, "HPO_SEED=99"));
    hpo__cmd_result_free(&res);
    hpo_command_destroy(cmd);
}

static int process_gone(long pid)
{
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        return 1;
    /* a zombie waiting for a non-reaping init counts as dead */
    char p[64];
    snprintf(p, sizeof p, "/proc/%ld/stat", pid);
    const char *st = slurp(p);
    const char *rp = strrchr(st, ')');
    return rp && (rp[2] == 'Z' || rp[2] == 'X');
}

static void test_timeout_kills_group(void **state)
{
    (void)state;
    NEED_TESTFN();
    const char *argv[] = {testfn(), "sphere", "--x1=1", "--mode", "spawn-hang"};
    char out[512];
    snprintf(out, sizeof out, "%s/to", root);
    hpo_command_options o = HPO_COMMAND_OPTIONS_INIT;
    o.argv = argv;
    o.argc = 5;
    o.metric = "loss";
    o.output = out;
    o.timeout = 1;
    o.kill_grace = 0.5;
    hpo_command *cmd = NULL;
    assert_int_equal(hpo_command_create(&cmd, &o), 0);
    reports r = {0};
    hpo__cmd_result res = {0};
    double t0 = hpo__monotonic();
    assert_int_equal(run_trial(cmd, 0, 0, NULL, NULL, &r, &res), HPO_EOBJECTIVE);
    assert_true(hpo__monotonic() - t0 < 6.0); /* guards a hang, not a speed */
    assert_string_equal(res.error, "timed out after 1s; process group killed");
    assert_int_equal(r.n, 1); /* the first epoch was streamed before the hang */
    char p[1024];
    snprintf(p, sizeof p, "%s/to/trials/0/stdout.log", root);
    const char *log = slurp(p);
    const char *cp = strstr(log, "child_pid=");
    assert_non_null(cp);
    long pid = strtol(cp + 10, NULL, 10);
    assert_true(pid > 1);
    int gone = 0;
    for (int i = 0; i < 50 && !gone; i++) {
        gone = process_gone(pid);
        if (!gone)
            hpo__sleep(0.1);
    }
    assert_true(gone);
    hpo__cmd_result_free(&res);
    hpo_command_destroy(cmd);
}

static void expect_failure(const char *mode, const char *want1, const char *want2)
{
    const char *argv[] = {testfn(), "rosenbrock", "--x=0.5", "--y=0.5", "--mode", mode};
    hpo_command *cmd = make_cmd(argv, 6, mode);
    reports r = {0};
    hpo__cmd_result res = {0};
    assert_int_equal(run_trial(cmd, 1, 0, NULL, NULL, &r, &res), HPO_EOBJECTIVE);
    assert_non_null(res.error);
    if (!strstr(res.error, want1) || (want2 && !strstr(res.error, want2)))
        fail_msg("mode %s: unexpected reason: %s", mode, res.error);
    assert_string_equal(hpo_errmsg(), res.error);
    assert_non_null(res.log_dir);
    hpo__cmd_result_free(&res);
    hpo_command_destroy(cmd);
}

static void test_failures_have_reasons(void **state)
{
    (void)state;
    NEED_TESTFN();
    expect_failure("crash", "killed by signal 11 (Segmentation fault)", NULL);
    expect_failure("fail", "exit status 3", "out of patience");
    expect_failure("garbage", "no value for 'loss' in the output; last lines: ", " | ");
    expect_failure("nan", "metric 'loss' is nan", NULL);
}

static void test_exec_failures(void **state)
{
    (void)state;
    const char *a1[] = {"hpo-no-such-program-xyz", "loss=1"};
    hpo_command *cmd = make_cmd(a1, 2, "exec");
    reports r = {0};
    hpo__cmd_result res = {0};
    assert_int_equal(run_trial(cmd, 0, 0, NULL, NULL, &r, &res), HPO_EOBJECTIVE);
    assert_string_equal(res.error,
                        "cannot execute 'hpo-no-such-program-xyz': No such file or directory");
    hpo__cmd_result_free(&res);
    hpo_command_destroy(cmd);

    const char *a2[] = {"/nonexistent/prog"};
    cmd = make_cmd(a2, 1, "exec");
    assert_int_equal(run_trial(cmd, 1, 0, NULL, NULL, &r, &res), HPO_EOBJECTIVE);
    assert_string_equal(res.error, "cannot execute '/nonexistent/prog': No such file or directory");
    hpo__cmd_result_free(&res);
    hpo_command_destroy(cmd);

    const char *a3[] = {"/bin/echo", "loss=1"};
    hpo_command_options o = HPO_COMMAND_OPTIONS_INIT;
    o.argv = a3;
    o.argc = 2;
    o.metric = "loss";
    o.output = root;
    o.workdir = "/nonexistent-dir";
    assert_int_equal(hpo_command_create(&cmd, &o), 0);
    assert_int_equal(run_trial(cmd, 2, 0, NULL, NULL, &r, &res), HPO_EOBJECTIVE);
    assert_non_null(strstr(res.error, "cannot change to directory '/nonexistent-dir'"));
    hpo__cmd_result_free(&res);
    hpo_command_destroy(cmd);
}

static void test_results_file_wins_and_logs(void **state)
{
    (void)state;
    const char *argv[] = {"/bin/sh", "-c",
                          ("echo loss=5; echo to-stderr >&2; "
                           "echo '[{\"step\": 1, \"loss\": 0.5}, {\"step\": 2, \"loss\": 0.125}]' "
                           "> \"$HPO_RESULT_FILE\"")};
    hpo_command *cmd = make_cmd(argv, 3, "res");
    reports r = {0};
    hpo__cmd_result res = {0};
    assert_int_equal(run_trial(cmd, 0, 0, NULL, NULL, &r, &res), 0);
    assert_true(res.value == 0.125);
    assert_int_equal(r.n, 1); /* stdout's value was streamed; the file's are not repeated */
    char p[1024];
    snprintf(p, sizeof p, "%s/res/trials/0/stdout.log", root);
    assert_string_equal(slurp(p), "loss=5\n");
    snprintf(p, sizeof p, "%s/res/trials/0/stderr.log", root);
    assert_string_equal(slurp(p), "to-stderr\n");
    hpo__cmd_result_free(&res);
    hpo_command_destroy(cmd);

    /* a re-run with the same number starts clean: the old result.json is gone */
    const char *argv2[] = {"/bin/sh", "-c", "echo loss=2"};
    cmd = make_cmd(argv2, 3, "res");
    assert_int_equal(run_trial(cmd, 0, 0, NULL, NULL, &r, &res), 0);
    assert_true(res.value == 2.0);
    snprintf(p, sizeof p, "%s/res/trials/0/stdout.log", root);
    assert_string_equal(slurp(p), "loss=2\n");
    hpo__cmd_result_free(&res);
    hpo_command_destroy(cmd);

    /* a malformed results file fails the trial */
    const char *argv3[] = {"/bin/sh", "-c", "echo loss=2; echo '{oops' > \"$HPO_RESULT_FILE\""};
    cmd = make_cmd(argv3, 3, "res");
    assert_int_equal(run_trial(cmd, 1, 0, NULL, NULL, &r, &res), HPO_EOBJECTIVE);
    assert_non_null(strstr(res.error, "results file"));
    hpo__cmd_result_free(&res);
    hpo_command_destroy(cmd);
}

static void test_prune_stops_group(void **state)
{
    (void)state;
    NEED_TESTFN();
    const char *argv[] = {testfn(), "sphere", "--x1=2", "--epochs", "50", "--sleep", "0.05"};
    hpo_command *cmd = make_cmd(argv, 7, "prune");
    reports r = {.prune_at = 2};
    hpo__cmd_result res = {0};
    assert_int_equal(run_trial(cmd, 0, 0, NULL, NULL, &r, &res), HPO_EPRUNED);
    assert_int_equal(r.n, 2);
    char p[1024];
    snprintf(p, sizeof p, "%s/prune/trials/0/stdout.log", root);
    assert_null(strstr(slurp(p), "finished"));
    hpo__cmd_result_free(&res);
    hpo_command_destroy(cmd);
}

typedef struct bg_run {
    hpo_command *cmd;
    long long number;
    int rc;
    hpo__cmd_result res;
    reports r;
} bg_run;

static void *bg(void *arg)
{
    bg_run *b = arg;
    b->rc = run_trial(b->cmd, b->number, 0, NULL, NULL, &b->r, &b->res);
    return NULL;
}

static void test_interrupt(void **state)
{
    (void)state;
    const char *argv[] = {"/bin/sh", "-c", "echo loss=1; sleep 30 & wait"};
    char out[512];
    snprintf(out, sizeof out, "%s/intr", root);
    hpo_command_options o = HPO_COMMAND_OPTIONS_INIT;
    o.argv = argv;
    o.argc = 3;
    o.metric = "loss";
    o.output = out;
    o.kill_grace = 1;
    bg_run b = {0};
    assert_int_equal(hpo_command_create(&b.cmd, &o), 0);
    pthread_t th;
    double t0 = hpo__monotonic();
    assert_int_equal(pthread_create(&th, NULL, bg, &b), 0);
    /* wait until the command runs (its first line was reported) */
    for (int i = 0; i < 100; i++) {
        char p[1024];
        snprintf(p, sizeof p, "%s/intr/trials/0/stdout.log", root);
        if (strstr(slurp(p), "loss=1"))
            break;
        hpo__sleep(0.05);
    }
    hpo_command_interrupt(b.cmd);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_true(hpo__monotonic() - t0 < 10.0); /* guards a hang */
    assert_int_equal(b.rc, HPO_ESTOPPED);
    hpo__cmd_result_free(&b.res);
    /* sticky: a later trial does not start */
    assert_int_equal(run_trial(b.cmd, 1, 0, NULL, NULL, &b.r, &b.res), HPO_ESTOPPED);
    hpo__cmd_result_free(&b.res);
    hpo_command_destroy(b.cmd);
}

static void test_concurrent_trials(void **state)
{
    (void)state;
    const char *argv[] = {"/bin/sh", "-c", "sleep 0.2; echo loss=${trial.number}"};
    hpo_command *cmd = make_cmd(argv, 3, "conc");
    bg_run b[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        memset(&b[i], 0, sizeof b[i]);
        b[i].cmd = cmd;
        b[i].number = i;
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, bg, &b[i]), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(b[i].rc, 0);
        assert_true(b[i].res.value == (double)i);
        hpo__cmd_result_free(&b[i].res);
    }
    hpo_command_destroy(cmd);
}

#ifndef HPO_TEST_FAKE_TRIAL
/* The public adapter on a real in-memory study (skipped in standalone builds
 * that fake the hpo_trial_* calls). */
static void test_objective_adapter(void **state)
{
    (void)state;
    NEED_TESTFN();
    hpo_space *sp = NULL;
    hpo_study *study = NULL;
    hpo_trial **trials = NULL;
    size_t n = 0;
    assert_int_equal(hpo_space_create(&sp), 0);
    assert_int_equal(hpo_space_add_float(sp, "x1", -5, 10, 0), 0);
    assert_int_equal(hpo_space_add_float(sp, "x2", 0, 15, 0), 0);
    hpo_study_options so = HPO_STUDY_OPTIONS_INIT;
    so.name = "cmd-adapter";
    so.storage = "memory:";
    so.seed = 1;
    so.n_trials = 3;
    assert_int_equal(hpo_study_open(&study, &so, sp), 0);
    const char *argv[] = {testfn(), "branin", "${args}", "--epochs", "2"};
    hpo_command *cmd = make_cmd(argv, 5, "adapter");
    hpo_optimize_options oo = HPO_OPTIMIZE_OPTIONS_INIT;
    oo.n_workers = 2;
    assert_int_equal(hpo_study_optimize(study, hpo_command_objective, cmd, &oo), 0);
    assert_int_equal(hpo_study_trials(study, &trials, &n), 0);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(hpo_trial_get_state(trials[i]), HPO_TRIAL_COMPLETE);
        assert_int_equal(hpo_trial_report_count(trials[i]), 2);
        assert_non_null(hpo_trial_attr(trials[i], "log_dir"));
        assert_true(isfinite(hpo_trial_value(trials[i])));
    }
    hpo_trial_list_free(trials, n);
    hpo_command_destroy(cmd);
    hpo_study_close(study);

    /* a failing command: the trial is failed with the reason in "error" */
    so.name = "cmd-adapter-fail";
    so.n_trials = 1;
    assert_int_equal(hpo_study_open(&study, &so, sp), 0);
    const char *bad[] = {testfn(), "branin", "${args}", "--mode", "fail"};
    cmd = make_cmd(bad, 5, "adapter-fail");
    assert_int_equal(hpo_study_optimize(study, hpo_command_objective, cmd, &oo), 0);
    assert_int_equal(hpo_study_trials(study, &trials, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(hpo_trial_get_state(trials[0]), HPO_TRIAL_FAILED);
    assert_non_null(strstr(hpo_trial_attr(trials[0], "error"), "exit status 3"));
    hpo_trial_list_free(trials, n);
    hpo_command_destroy(cmd);
    hpo_study_close(study);
    hpo_space_destroy(sp);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_validates),
        cmocka_unit_test(test_parse_output),
        cmocka_unit_test(test_testfn_formats),
        cmocka_unit_test(test_quadratic_categorical_int),
        cmocka_unit_test(test_values_reach_argv_verbatim),
        cmocka_unit_test(test_placeholders),
        cmocka_unit_test(test_environment),
        cmocka_unit_test(test_budget_and_checkpoint),
        cmocka_unit_test(test_timeout_kills_group),
        cmocka_unit_test(test_failures_have_reasons),
        cmocka_unit_test(test_exec_failures),
        cmocka_unit_test(test_results_file_wins_and_logs),
        cmocka_unit_test(test_prune_stops_group),
        cmocka_unit_test(test_interrupt),
        cmocka_unit_test(test_concurrent_trials),
#ifndef HPO_TEST_FAKE_TRIAL
        cmocka_unit_test(test_objective_adapter),
#endif
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
