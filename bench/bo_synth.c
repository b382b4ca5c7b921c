/*
 * bo_synth.c -- hpo's samplers on synthetic functions, through the public API.
 *
 * usage: hpo-bench-bo-synth regret FUNCTION SAMPLER N SEED [key=value ...]
 *          prints "best=<best value> regret=<best - optimum> seconds=<s>"
 *        hpo-bench-bo-synth time FUNCTION SAMPLER N [key=value ...]
 *          for k = 100, 500, 1000 (those <= N): a study whose first k trials are
 *          its initial design, then prints "n=<k> ms_per_suggestion=<median of
 *          the next 5 asks> max_ms=<the slowest, a hyperparameter refit>"
 * FUNCTION: branin (2-d), hartmann6 (6-d), ackley5 (5-d), styblinski8 (8-d).
 * The key=value pairs are sampler options. memory: storage; minimize.
 */
#include "hpo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct fn {
    const char *name;
    int d;
    double lo, hi; /* every coordinate (branin: see below) */
    double opt;
} fn;

static const fn fns[] = {
    {"branin", 2, 0, 0, 0.397887357729739},
    {"hartmann6", 6, 0, 1, -3.32236801141551},
    {"ackley5", 5, -32.768, 32.768, 0},
    {"styblinski8", 8, -5, 5, -39.16616570377142 * 8},
};

static double eval(const fn *f, const double *x)
{
    if (!strcmp(f->name, "branin")) {
        const double b = 5.1 / (4 * M_PI * M_PI), c = 5 / M_PI, t = 1 / (8 * M_PI);
        double q = x[1] - b * x[0] * x[0] + c * x[0] - 6;
        return q * q + 10 * (1 - t) * cos(x[0]) + 10;
    }
    if (!strcmp(f->name, "hartmann6")) {
        static const double A[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                       {0.05, 10, 17, 0.1, 8, 14},
                                       {3, 3.5, 1.7, 10, 17, 8},
                                       {17, 8, 0.05, 10, 0.1, 14}};
        static const double P[4][6] = {{.1312, .1696, .5569, .0124, .8283, .5886},
                                       {.2329, .4135, .8307, .3736, .1004, .9991},
                                       {.2348, .1451, .3522, .2883, .3047, .6650},
                                       {.4047, .8828, .8732, .5743, .1091, .0381}};
        static const double alpha[4] = {1.0, 1.2, 3.0, 3.2};
        double s = 0;
        for (int i = 0; i < 4; i++) {
            double e = 0;
            for (int j = 0; j < 6; j++)
                e += A[i][j] * (x[j] - P[i][j]) * (x[j] - P[i][j]);
            s -= alpha[i] * exp(-e);
        }
        return s;
    }
    if (!strcmp(f->name, "ackley5")) {
        double s1 = 0, s2 = 0;
        for (int j = 0; j < 5; j++) {
            s1 += x[j] * x[j];
            s2 += cos(2 * M_PI * x[j]);
        }
        return -20 * exp(-0.2 * sqrt(s1 / 5)) - exp(s2 / 5) + 20 + M_E;
    }
    double s = 0; /* styblinski-tang */
    for (int j = 0; j < 8; j++)
        s += pow(x[j], 4) - 16 * x[j] * x[j] + 5 * x[j];
    return s / 2;
}

static hpo_study *open_study(const fn *f, const char *sampler, unsigned long long seed, long long n,
                             int argc, char **argv, hpo_space **sp)
{
    hpo_space_create(sp);
    char name[16];
    for (int j = 0; j < f->d; j++) {
        snprintf(name, sizeof name, "x%d", j + 1);
        double lo = f->lo, hi = f->hi;
        if (!strcmp(f->name, "branin")) {
            lo = j == 0 ? -5 : 0;
            hi = j == 0 ? 10 : 15;
        }
        hpo_space_add_float(*sp, name, lo, hi, 0);
    }
    static hpo_kv kv[32];
    size_t nkv = 0;
    for (int i = 0; i < argc && nkv < 32; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq)
            continue;
        *eq = '\0';
        kv[nkv].key = argv[i];
        kv[nkv].value = eq + 1;
        nkv++;
    }
    hpo_study_options o = HPO_STUDY_OPTIONS_INIT;
    o.name = "bench";
    o.sampler = sampler;
    o.sampler_options = kv;
    o.n_sampler_options = nkv;
    o.seed = seed;
    o.n_trials = n;
    hpo_study *s = NULL;
    if (hpo_study_open(&s, &o, *sp) != 0) {
        fprintf(stderr, "hpo: %s\n", hpo_errmsg());
        exit(1);
    }
    return s;
}

static double ask_tell(hpo_study *s, const fn *f, double *took)
{
    double t0 = now();
    hpo_trial *t = NULL;
    if (hpo_study_ask(s, &t) != 0) {
        fprintf(stderr, "hpo: %s\n", hpo_errmsg());
        exit(1);
    }
    if (took)
        *took = now() - t0;
    double x[8];
    char name[16];
    for (int j = 0; j < f->d; j++) {
        snprintf(name, sizeof name, "x%d", j + 1);
        hpo_trial_get_float(t, name, &x[j]);
    }
    double v = eval(f, x);
    hpo_trial_tell(t, v);
    hpo_trial_destroy(t);
    return v;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s regret|time FUNCTION SAMPLER N [SEED] [key=value ...]\n",
                argv[0]);
        return 2;
    }
    const fn *f = NULL;
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        if (!strcmp(fns[i].name, argv[2]))
            f = &fns[i];
    if (!f) {
        fprintf(stderr, "unknown function %s\n", argv[2]);
        return 2;
    }
    long long n = strtoll(argv[4], NULL, 10);
    hpo_space *sp = NULL;
    if (!strcmp(argv[1], "regret")) {
        unsigned long long seed = argc > 5 ? strtoull(argv[5], NULL, 10) : 0;
        hpo_study *s = open_study(f, argv[3], seed, n, argc - 6, argv + 6, &sp);
        double best = INFINITY, t0 = now();
        for (long long i = 0; i < n; i++) {
            double v = ask_tell(s, f, NULL);
            best = v < best ? v : best;
        }
        printf("best=%.10g regret=%.10g seconds=%.3f\n", best, best - f->opt, now() - t0);
        hpo_study_close(s);
    } else {
        /* The first `mark` trials are the initial design (cheap); the next 5
         * asks are model-based suggestions with `mark` observations. */
        static const long long marks[] = {100, 500, 1000};
        for (size_t m = 0; m < 3 && marks[m] <= n; m++) {
            char init[64];
            snprintf(init, sizeof init, "%s=%lld",
                     !strcmp(argv[3], "tpe") ? "n_startup_trials" : "n_initial_points", marks[m]);
            char *extra[40];
            int ne = 0;
            for (int i = 5; i < argc && ne < 39; i++)
                extra[ne++] = argv[i];
            extra[ne++] = init;
            hpo_study *s = open_study(f, argv[3], 1, marks[m] + 5, ne, extra, &sp);
            for (long long i = 0; i < marks[m]; i++)
                ask_tell(s, f, NULL);
            double t[5];
            for (int k = 0; k < 5; k++)
                ask_tell(s, f, &t[k]);
            qsort(t, 5, sizeof t[0], cmp);
            printf("n=%lld ms_per_suggestion=%.3f max_ms=%.3f\n", marks[m], t[2] * 1e3, t[4] * 1e3);
            fflush(stdout);
            hpo_study_close(s);
            hpo_space_destroy(sp);
            sp = NULL;
        }
    }
    hpo_space_destroy(sp);
    return 0;
}
