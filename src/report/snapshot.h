/*
 * snapshot.h -- struct hpo_snapshot: a study flattened for plots and reports.
 *
 * Every plot kind reads only this. It is filled either from a study in a
 * storage (hpo_snapshot_from_study) or from a JSON export
 * (hpo_snapshot_from_json); both give the same snapshot for the same study.
 *
 * Parameters are the union of the space's sub-spaces, in the order they first
 * appear; a name that is numeric in one sub-space and categorical in another
 * becomes categorical. A categorical's labels keep the user's order (the
 * choices as written); a trial's value is the index of its label. Numeric
 * values are the values themselves (not log). An inactive or absent parameter
 * is NaN.
 *
 * Trials are ordered by number. Arrays are one block each, so a 10^5-trial
 * study is a handful of allocations.
 */
#ifndef HPO_REPORT_SNAPSHOT_H
#define HPO_REPORT_SNAPSHOT_H

#include "hpo.h"

#include <stddef.h>

typedef enum hpo__snap_kind {
    HPO__SNAP_FLOAT = 1,
    HPO__SNAP_INT = 2,
    HPO__SNAP_CATEGORICAL = 3
} hpo__snap_kind;

typedef struct hpo__snap_param {
    char *name;
    hpo__snap_kind kind;
    double low, high; /* numeric bounds as declared (ints as doubles) */
    int log;
    char **labels; /* categorical: labels in the user's order */
    size_t n_labels;
} hpo__snap_param;

typedef struct hpo__snap_trial {
    long long number;
    hpo_trial_state state;
    double value;      /* NaN unless complete (a pruned trial's last report is in reports) */
    double start;      /* Unix seconds */
    double end;        /* NaN while running */
    int worker;        /* index into hpo_snapshot.workers, -1 unknown */
    double budget;     /* NaN without a scheduler */
    int rung;          /* -1 without a scheduler */
    int bracket;       /* -1 without a scheduler */
    long long parent;  /* trial number whose configuration it continues, -1 */
    size_t report_off; /* first report in hpo_snapshot.steps/report_values */
    size_t n_reports;
} hpo__snap_trial;

struct hpo_snapshot {
    char *study;
    hpo_direction direction;
    char *sampler;
    char *scheduler;           /* "" when none */
    long long n_trials_target; /* the study's n_trials, 0 = unlimited */

    hpo__snap_param *params;
    size_t n_params;

    hpo__snap_trial *trials;
    size_t n_trials;
    double *x; /* n_trials x n_params, row-major: trial i, parameter j at x[i*n_params+j] */

    long long *steps; /* all reports, trial after trial */
    double *report_values;
    size_t n_reports;

    char **workers; /* distinct worker names in order of first appearance */
    size_t n_workers;

    long long counts[4]; /* by hpo_trial_state */
    long best;           /* index (not number) of the best complete trial, -1 */
    double t0;           /* earliest start time, NaN when no trial */
};

/* hpo_snapshot_from_json on text in memory; `where` names it in messages. */
int hpo__snapshot_from_json_text(const char *text, size_t len, const char *where,
                                 hpo_snapshot **out);

/* 1 when a is better than b for the snapshot's direction (NaN never better). */
int hpo__snap_better(const hpo_snapshot *s, double a, double b);

/* Index of a parameter by name, -1 when absent. */
long hpo__snap_param_index(const hpo_snapshot *s, const char *name);

/* Parse a comma-separated list of names into indices (at most `max`), or take
 * the default (every parameter, up to `max`) when `list` is NULL or empty.
 * HPO_EINVAL with a did-you-mean for an unknown name. */
int hpo__snap_select_params(const hpo_snapshot *s, const char *list, size_t max, size_t *idx,
                            size_t *n);

/* Label of parameter j's value v ("0.001", "rbf", "-" for NaN) into buf. */
void hpo__snap_value_label(const hpo_snapshot *s, size_t j, double v, char *buf, size_t size);

/* A value in model space for the models behind the plots (importance,
 * dependence): a numeric parameter scaled to [0, 1] along its axis (log10 for
 * a log parameter), a categorical its level index; NaN (inactive) becomes the
 * lowest value / the first level. */
double hpo__snap_unit(const hpo__snap_param *p, double v);

/* A trial's parameters as "C=1 gamma=0.001 kernel=rbf" (active only). */
void hpo__snap_params_text(const hpo_snapshot *s, size_t i, char *buf, size_t size);

#endif
