/*
 * hyperband.h -- Hyperband's brackets and rounds, as KerasTuner 1.4 computes
 * them (max_epochs, factor; rounds sized from the end, epochs rounded up,
 * promoted trials continuing from their round's initial epoch) and as Li et
 * al. (JMLR 2018, Algorithm 1) define them (R, eta). Pure arithmetic in
 * double with the references' expression order (semantics-notes.md 2.1, 2.3,
 * 2.5); the scheduler of issue 4 runs these plans and `hpo plan` prints them.
 */
#ifndef HPO_SCHEDULERS_HYPERBAND_H
#define HPO_SCHEDULERS_HYPERBAND_H

#include <stddef.h>

#define HPO__HB_MAX_BRACKETS 64

typedef struct hpo__hb_round {
    long long n_trials; /* trials in the round (KerasTuner size; Li n_i) */
    double resource;    /* epochs to reach (KerasTuner: integer); Li r_i */
    double initial;     /* KerasTuner tuner/initial_epoch (0 in round 0); Li: 0 */
} hpo__hb_round;

typedef struct hpo__hb_bracket {
    int s; /* bracket number: rounds = s + 1 */
    hpo__hb_round rounds[HPO__HB_MAX_BRACKETS];
} hpo__hb_bracket;

typedef struct hpo__hb_plan {
    int n_brackets; /* in run order: most aggressive (s = n - 1) first */
    hpo__hb_bracket brackets[HPO__HB_MAX_BRACKETS];
    long long total_trials; /* of one sweep (KerasTuner: trials created) */
    double total_resource;  /* epochs trained in one sweep (continuing promoted trials) */
} hpo__hb_plan;

/* KerasTuner: max_epochs >= 1, factor >= 2 (HPO_EINVAL otherwise). */
int hpo__hb_plan_keras(long long max_epochs, double factor, hpo__hb_plan *out);
/* Li et al.: R >= 1, eta > 1. */
int hpo__hb_plan_li(double R, double eta, hpo__hb_plan *out);

#endif
