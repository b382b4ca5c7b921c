/*
 * halving.h -- the schedule of successive halving exactly as scikit-learn 1.2's
 * HalvingGridSearchCV / HalvingRandomSearchCV compute it (semantics-notes.md,
 * "scikit-learn search CV: parity traps" 1-3 and 7): how many candidates and
 * how much resource each iteration gets. Pure arithmetic, no I/O; the
 * scheduler that runs it (issue 4) and `hpo plan` use it.
 */
#ifndef HPO_SCHEDULERS_HALVING_H
#define HPO_SCHEDULERS_HALVING_H

#include <stddef.h>

#define HPO__HALVING_MAX_ITER 128

typedef enum hpo__min_resources {
    HPO__MINRES_SMALLEST = 0, /* scikit-learn's default */
    HPO__MINRES_EXHAUST = 1,
    HPO__MINRES_VALUE = 2
} hpo__min_resources;

typedef struct hpo__halving_config {
    /* candidates: a grid's size, or (random search) n_candidates, with
     * n_candidates_exhaust = 1 for 'exhaust' (max_resources_ // min_resources_
     * candidates, capped at grid_size when the space is all lists) */
    unsigned long long n_candidates;
    int n_candidates_exhaust;
    unsigned long long grid_size; /* 0: not a finite list space */
    double factor;                /* > 1 */
    int factor_is_int;            /* given as an integer (Python int arithmetic) */
    int resource_is_n_samples;    /* else an integer hyperparameter */
    hpo__min_resources min_kind;
    long long min_resources; /* HPO__MINRES_VALUE */
    long long max_resources; /* <= 0: 'auto' (n_samples; only with n_samples) */
    int aggressive_elimination;
    /* for 'smallest' / 'exhaust' with n_samples: 2 * n_splits (* n_classes for
     * a classifier) */
    long long n_samples, n_splits, n_classes; /* n_classes 0: a regressor */
} hpo__halving_config;

typedef struct hpo__halving_plan {
    double min_resources_; /* may be fractional with a float factor, as scikit-learn's */
    int min_resources_is_float;
    long long max_resources_;
    unsigned long long n_candidates_first; /* candidates generated */
    int n_required_iterations, n_possible_iterations, n_iterations;
    long long n_resources[HPO__HALVING_MAX_ITER];
    unsigned long long n_candidates[HPO__HALVING_MAX_ITER];
} hpo__halving_plan;

/* HPO_EINVAL with scikit-learn's meaning ("min_resources_=40 is greater than
 * max_resources_=30.") for impossible settings. */
int hpo__halving_plan_make(const hpo__halving_config *cfg, hpo__halving_plan *out);

#endif
