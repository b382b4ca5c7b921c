/*
 * plot_scale.c -- plots of a 10^5-trial study: bounded time and memory.
 *
 * usage:
 *   hpo-bench-plot make STORAGE N    create study "big": N random-search trials
 *                                    over 6 parameters (log float, float, int,
 *                                    two categoricals, a conditional int), each
 *                                    reporting 1 to 9 steps; 4% fail
 * (No scheduler: ASHA's claim reads every trial, so making 10^5 ASHA trials
 * through ask/tell is quadratic; bench/plot_scale.sh plots a 10^5-trial
 * Hyperband-like JSON export for the kinds that need rungs.)
 *   hpo-bench-plot load STORAGE      time the snapshot (reading every trial)
 *   hpo-bench-plot plot STORAGE KIND time snapshot + one plot; prints
 *       kind=<K> trials=<n> snapshot_s=<s> plot_s=<s> bytes=<b>
 *   hpo-bench-plot report STORAGE    the same for hpo_report
 * Peak memory is measured around it by the script (/usr/bin/time -v).
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

static int fail(void)
{
    fprintf(stderr, "hpo: %s\n", hpo_errmsg());
    return 1;
}

static int make(const char *storage, long n)
{
    hpo_space *sp = NULL;
    hpo_space_create(&sp);
    hpo_space_add_float(sp, "lr", 1e-5, 1e-1, 1);
    hpo_space_add_float(sp, "dropout", 0.0, 0.5, 0);
    hpo_space_add_int(sp, "units", 16, 1024, 16, 0);
    hpo_value opt[3] = {{.type = HPO_VALUE_STRING, .u.s = "adam"},
                        {.type = HPO_VALUE_STRING, .u.s = "sgd"},
                        {.type = HPO_VALUE_STRING, .u.s = "rmsprop"}};
    hpo_space_add_categorical(sp, "optimizer", opt, 3);
    hpo_value act[2] = {{.type = HPO_VALUE_STRING, .u.s = "relu"},
                        {.type = HPO_VALUE_STRING, .u.s = "tanh"}};
    hpo_space_add_categorical(sp, "activation", act, 2);
    hpo_space_add_int(sp, "momentum_steps", 1, 10, 1, 0);
    hpo_space_set_condition(sp, "momentum_steps", "optimizer == sgd");
    hpo_study_options o = HPO_STUDY_OPTIONS_INIT;
    o.name = "big";
    o.storage = storage;
    o.sampler = "random";
    o.seed = 1;
    o.fresh = 1;
    hpo_study *s = NULL;
    if (hpo_study_open(&s, &o, sp) != 0)
        return fail();
    double t0 = now();
    for (long i = 0; i < n; i++) {
        hpo_trial *t = NULL;
        if (hpo_study_ask(s, &t) != 0)
            return fail();
        double lr, dropout;
        long long units;
        const char *optimizer;
        hpo_trial_get_float(t, "lr", &lr);
        hpo_trial_get_float(t, "dropout", &dropout);
        hpo_trial_get_int(t, "units", &units);
        hpo_trial_get_string(t, "optimizer", &optimizer);
        double q = 0.9 - 0.02 * pow(log10(lr) + 3.0, 2) - 0.1 * pow(dropout - 0.2, 2) -
                   0.00005 * fabs((double)units - 400) - (strcmp(optimizer, "sgd") == 0 ? 0.03 : 0);
        long steps = 1 + i % 9;
        double v = 0;
        int prune = 0;
        for (long k = 1; k <= steps; k++) {
            v = q * (1.0 - exp(-(double)k / 4.0)) + 0.01 * sin((double)(i * 31 + k));
            hpo_trial_report(t, k, v, &prune);
        }
        int rc = (i % 25 == 7) ? hpo_trial_fail(t, "diverged") : hpo_trial_tell(t, v);
        hpo_trial_destroy(t);
        if (rc != 0)
            return fail();
    }
    printf("made study big: %ld trials in %.1f s\n", n, now() - t0);
    hpo_study_close(s);
    hpo_space_destroy(sp);
    return 0;
}

static int plot(const char *storage, const char *kind)
{
    hpo_study *s = NULL;
    double t0 = now();
    if (hpo_study_load(&s, storage, "big") != 0)
        return fail();
    hpo_snapshot *snap = NULL;
    if (hpo_snapshot_from_study(s, &snap) != 0)
        return fail();
    double t1 = now();
    hpo_study_close(s);
    char *out = NULL;
    size_t len = 0;
    int rc = 0;
    if (kind && strcmp(kind, "report") == 0) {
        rc = hpo_report(snap, NULL, &out, &len);
    } else if (kind) {
        rc = hpo_plot(snap, kind, NULL, &out, &len);
    }
    if (rc != 0)
        return fail();
    double t2 = now();
    printf("kind=%s trials=%zu snapshot_s=%.3f plot_s=%.3f bytes=%zu\n", kind ? kind : "-",
           hpo_snapshot_n_trials(snap), t1 - t0, t2 - t1, len);
    hpo_free(out);
    hpo_snapshot_destroy(snap);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "make") == 0)
        return make(argv[2], strtol(argv[3], NULL, 10));
    if (argc == 3 && strcmp(argv[1], "load") == 0)
        return plot(argv[2], NULL);
    if (argc == 4 && strcmp(argv[1], "plot") == 0)
        return plot(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "report") == 0)
        return plot(argv[2], "report");
    fprintf(stderr, "usage: %s make STORAGE N | load STORAGE | plot STORAGE KIND | report "
                    "STORAGE\n",
            argv[0]);
    return 2;
}
