/*
 * testfn.c -- hpo-testfn, a stand-in training command for the examples and the
 * tests of the command objective. It evaluates a benchmark function of its
 * --name=value arguments and prints, once per "epoch", a line in a chosen log
 * format with a value that decays toward the function value (the last epoch
 * prints exactly f), then a final line without the metric.
 *
 *   hpo-testfn FUNCTION [--name=value ...] [--epochs N] [--format kv|keras|yaml|json]
 *              [--metric NAME] [--sleep SECONDS] [--mode MODE]
 *
 * FUNCTION: branin (x1 in [-5,10], x2 in [0,15]; minimum 0.397887),
 *           rosenbrock (x, y; minimum 0 at (1,1)), sphere (any --xN; minimum 0),
 *           quadratic (--kernel=linear|rbf|poly adds 0|1|2, plus (log10 C)^2 and
 *           (log10 gamma + 2)^2, plus 0.25*|degree - 3| when --degree is given;
 *           minimum 0 at kernel=linear, C=1, gamma=0.01).
 * MODE: ok, crash (SIGSEGV after one epoch), hang (sleep forever after one epoch),
 *       spawn-hang (fork a child that ignores SIGTERM and sleeps forever, print
 *       "child_pid=<pid>", then hang), garbage (random text, no metric, exit 0),
 *       nan (the metric prints as nan), fail (a message on stderr, exit 3).
 * Unknown flags, parameters or values: exit status 2 with a message.
 * Formats: kv "epoch=3 loss=0.5"; keras "Epoch 3/10 - loss: 0.5";
 *          yaml "step: 3" then "loss: 0.5"; json `hpo: {"step": 3, "loss": 0.5}`.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_PARAMS 64

struct param {
    char *name;
    const char *value;
};

static struct param params[MAX_PARAMS];
static int n_params;

/* Print "hpo-testfn: <what><arg>" and the usage, exit 2. */
static void usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "hpo-testfn: %s%s", what, arg);
    fprintf(stderr, "\nusage: hpo-testfn branin|rosenbrock|sphere|quadratic [--name=value ...] "
                    "[--epochs N] [--format kv|keras|yaml|json] [--metric NAME] "
                    "[--sleep SECONDS] [--mode ok|crash|hang|garbage|nan|fail|spawn-hang]\n");
    exit(2);
}

static const char *param(const char *name)
{
    for (int i = 0; i < n_params; i++)
        if (strcmp(params[i].name, name) == 0)
            return params[i].value;
    return NULL;
}

static double num(const char *name, double dflt)
{
    const char *v = param(name);
    if (!v)
        return dflt;
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end)
        usage_error("not a number: ", v);
    return d;
}

static void check_names(const char *const *allowed, int prefix_x)
{
    for (int i = 0; i < n_params; i++) {
        const char *n = params[i].name;
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            ok |= strcmp(*a, n) == 0;
        if (prefix_x && n[0] == 'x' && n[1] && strspn(n + 1, "0123456789") == strlen(n + 1))
            ok = 1;
        if (!ok)
            usage_error("unknown parameter --", n);
    }
}

static double evaluate(const char *fn)
{
    if (strcmp(fn, "branin") == 0) {
        static const char *const allowed[] = {"x1", "x2", NULL};
        check_names(allowed, 0);
        double x1 = num("x1", 0), x2 = num("x2", 0);
        const double pi = 3.14159265358979323846;
        double b = 5.1 / (4 * pi * pi), c = 5 / pi, t = 1 / (8 * pi);
        double u = x2 - b * x1 * x1 + c * x1 - 6;
        return u * u + 10 * (1 - t) * cos(x1) + 10;
    }
    if (strcmp(fn, "rosenbrock") == 0) {
        static const char *const allowed[] = {"x", "y", NULL};
        check_names(allowed, 0);
        double x = num("x", 0), y = num("y", 0);
        return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x);
    }
    if (strcmp(fn, "sphere") == 0) {
        static const char *const allowed[] = {NULL};
        check_names(allowed, 1);
        double s = 0;
        for (int i = 0; i < n_params; i++) {
            double v = num(params[i].name, 0);
            s += v * v;
        }
        return s;
    }
    if (strcmp(fn, "quadratic") == 0) {
        static const char *const allowed[] = {"kernel", "C", "gamma", "degree", NULL};
        check_names(allowed, 0);
        const char *k = param("kernel");
        double off = 0;
        if (!k || strcmp(k, "linear") == 0)
            off = 0;
        else if (strcmp(k, "rbf") == 0)
            off = 1;
        else if (strcmp(k, "poly") == 0)
            off = 2;
        else
            usage_error("unknown kernel: ", k);
        double C = num("C", 1), g = num("gamma", 0.01);
        if (C <= 0 || g <= 0)
            usage_error("C and gamma must be > 0", "");
        double lc = log10(C), lg = log10(g) + 2;
        /* poly: degree 3 is best; every step away costs 0.25 */
        double deg = num("degree", 3);
        return off + lc * lc + lg * lg + 0.25 * fabs(deg - 3);
    }
    usage_error("unknown function: ", fn);
    return 0;
}

static void sleep_for(double seconds)
{
    if (seconds <= 0)
        return;
    struct timespec ts;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    nanosleep(&ts, NULL);
}

static void hang(void)
{
    for (;;)
        pause();
}

static void print_epoch(const char *format, const char *metric, int e, int epochs, double v)
{
    if (strcmp(format, "kv") == 0)
        printf("epoch=%d %s=%.17g\n", e, metric, v);
    else if (strcmp(format, "keras") == 0)
        printf("Epoch %d/%d - 1s - %s: %.17g\n", e, epochs, metric, v);
    else if (strcmp(format, "yaml") == 0)
        printf("step: %d\n%s: %.17g\n", e, metric, v);
    else
        printf("hpo: {\"step\": %d, \"%s\": %.17g}\n", e, metric, v);
}

int main(int argc, char **argv)
{
    const char *format = "kv", *metric = "loss", *mode = "ok";
    int epochs = 3;
    double sleep_s = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2)
        usage_error("missing FUNCTION", "");
    const char *fn = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        char key[64];
        if (strncmp(a, "--", 2) != 0)
            usage_error("unexpected argument: ", a);
        const char *eq = strchr(a, '=');
        size_t klen = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (klen == 0 || klen >= sizeof key)
            usage_error("bad flag: ", a);
        memcpy(key, a + 2, klen);
        key[klen] = '\0';
        int builtin = !strcmp(key, "epochs") || !strcmp(key, "format") || !strcmp(key, "metric") ||
                      !strcmp(key, "sleep") || !strcmp(key, "mode");
        if (eq) {
            val = eq + 1;
        } else if (builtin) {
            if (i + 1 >= argc)
                usage_error("missing value for ", a);
            val = argv[++i];
        } else {
            usage_error("unknown flag: ", a);
        }
        if (!strcmp(key, "epochs")) {
            char *end;
            long n = strtol(val, &end, 10);
            if (end == val || *end || n < 1 || n > 1000000)
                usage_error("bad --epochs: ", val);
            epochs = (int)n;
        } else if (!strcmp(key, "format")) {
            if (strcmp(val, "kv") && strcmp(val, "keras") && strcmp(val, "yaml") &&
                strcmp(val, "json"))
                usage_error("unknown format: ", val);
            format = val;
        } else if (!strcmp(key, "metric")) {
            metric = val;
        } else if (!strcmp(key, "sleep")) {
            char *end;
            sleep_s = strtod(val, &end);
            if (end == val || *end || sleep_s < 0)
                usage_error("bad --sleep: ", val);
        } else if (!strcmp(key, "mode")) {
            if (strcmp(val, "ok") && strcmp(val, "crash") && strcmp(val, "hang") &&
                strcmp(val, "garbage") && strcmp(val, "nan") && strcmp(val, "fail") &&
                strcmp(val, "spawn-hang"))
                usage_error("unknown mode: ", val);
            mode = val;
        } else {
            if (n_params == MAX_PARAMS)
                usage_error("too many parameters at ", a);
            char *name = malloc(klen + 1);
            if (!name)
                return 1;
            memcpy(name, key, klen + 1);
            params[n_params].name = name;
            params[n_params].value = val;
            n_params++;
        }
    }
    double f = evaluate(fn);

    if (!strcmp(mode, "fail")) {
        fprintf(stderr, "training failed: out of patience\nsecond line of the error\n");
        return 3;
    }
    if (!strcmp(mode, "garbage")) {
        unsigned long s = 12345;
        for (int line = 0; line < 20; line++) {
            char text[61];
            for (int k = 0; k < 60; k++) {
                s = s * 6364136223846793005UL + 1442695040888963407UL;
                text[k] = "abcdefghij klmnop,;!?()[]"[(s >> 33) % 25];
            }
            text[60] = '\0';
            printf("%s\n", text);
        }
        return 0;
    }
    if (!strcmp(mode, "spawn-hang")) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            signal(SIGTERM, SIG_IGN);
            hang();
        }
        if (pid < 0)
            return 1;
        printf("child_pid=%ld\n", (long)pid);
    }
    for (int e = 1; e <= epochs; e++) {
        double v = f + (fabs(f) + 1) * (1.0 / e - 1.0 / epochs);
        if (!strcmp(mode, "nan"))
            v = (double)NAN;
        print_epoch(format, metric, e, epochs, v);
        if (!strcmp(mode, "crash")) {
            fflush(stdout);
            /* the default action, even when a sanitizer runtime installed a handler */
            signal(SIGSEGV, SIG_DFL);
            raise(SIGSEGV);
        }
        if (!strcmp(mode, "hang") || !strcmp(mode, "spawn-hang"))
            hang();
        if (e < epochs)
            sleep_for(sleep_s);
    }
    printf("# %s finished after %d epochs\n", fn, epochs);
    for (int i = 0; i < n_params; i++)
        free(params[i].name);
    return 0;
}
