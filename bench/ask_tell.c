/*
 * ask_tell.c -- per-trial overhead of ask + tell through the public API.
 *
 * usage: hpo-bench-ask-tell STORAGE N
 * Runs N ask/tell pairs of a random-search study over a 3-parameter space on
 * STORAGE ("memory:" or a SQLite path) and prints one line:
 *   storage=<STORAGE> trials=<N> seconds=<s> us_per_trial=<us>
 */
#include "hpo.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s STORAGE N\n", argv[0]);
        return 2;
    }
    long n = strtol(argv[2], NULL, 10);
    hpo_space *sp = NULL;
    hpo_space_create(&sp);
    hpo_space_add_float(sp, "x", -5, 10, 0);
    hpo_space_add_float(sp, "lr", 1e-5, 1e-1, 1);
    hpo_value ks[3] = {{.type = HPO_VALUE_STRING, .u.s = "a"},
                       {.type = HPO_VALUE_STRING, .u.s = "b"},
                       {.type = HPO_VALUE_STRING, .u.s = "c"}};
    hpo_space_add_categorical(sp, "k", ks, 3);
    hpo_study_options o = HPO_STUDY_OPTIONS_INIT;
    o.name = "bench";
    o.storage = argv[1];
    o.sampler = "random";
    o.fresh = 1;
    hpo_study *s = NULL;
    if (hpo_study_open(&s, &o, sp) != 0) {
        fprintf(stderr, "hpo: %s\n", hpo_errmsg());
        return 1;
    }
    double t0 = now();
    for (long i = 0; i < n; i++) {
        hpo_trial *t = NULL;
        double x;
        if (hpo_study_ask(s, &t) != 0 || hpo_trial_get_float(t, "x", &x) != 0 ||
            hpo_trial_tell(t, x * x) != 0) {
            fprintf(stderr, "hpo: %s\n", hpo_errmsg());
            return 1;
        }
        hpo_trial_destroy(t);
    }
    double dt = now() - t0;
    printf("storage=%s trials=%ld seconds=%.4f us_per_trial=%.1f\n", argv[1], n, dt,
           dt / (double)n * 1e6);
    hpo_study_close(s);
    hpo_space_destroy(sp);
    return 0;
}
