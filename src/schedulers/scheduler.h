/*
 * scheduler.h -- the interface every scheduler implements, and the registry.
 *
 * A scheduler decides two things in the one study loop:
 *   1. what the next trial is (next_job), asked inside the storage's claim
 *      transaction: a NEW configuration from the sampler (with a budget), the
 *      PROMOTION of a finished trial's configuration to a larger budget (a new
 *      trial with the same params, `parent` = that trial, continuing from its
 *      checkpoint), WAIT (nothing can start until a running trial finishes), or
 *      DONE;
 *   2. whether a running trial stops early (should_prune), asked when the trial
 *      reports an intermediate value.
 *
 * Both decisions are pure functions of the study's trials as the storage holds
 * them (plus the scheduler's options): a scheduler keeps no state of its own.
 * That is what makes them safe with many workers, processes and machines (the
 * claim is one transaction, so no rung is promoted twice) and after a SIGKILL
 * (nothing to restore: the trials are the state).
 *
 * Trial fields schedulers own (stored with every trial, see storage.h):
 *   bracket       halving: 0; hyperband: the bracket instance, 0, 1, 2, ... in
 *                 the order brackets were opened (s = B-1 - index % B,
 *                 iteration = index / B); asha: 0; -1 without a scheduler
 *   rung          halving: the iteration (scikit-learn's `iter`); hyperband:
 *                 the round; asha: the rung; -1 without a scheduler
 *   budget        resources of this trial (n_resources, tuner/epochs); NaN
 *   budget_start  resources it continues from (tuner/initial_epoch); 0
 *   parent        number of the trial whose configuration (and checkpoint) it
 *                 continues; -1 for a new configuration
 *
 * A trial lost with its worker (state failed, `lost`) is replaced by its re-run
 * (same seq, params and scheduler fields, retry_of = its number) before
 * next_job is asked again, so schedulers skip rows with `lost` set.
 *
 * A new scheduler is a new file with one hpo__scheduler_ops and a line in
 * sched_registry.c.
 */
#ifndef HPO_SCHEDULERS_SCHEDULER_H
#define HPO_SCHEDULERS_SCHEDULER_H

#include "hpo.h"
#include "storage/storage.h"

#include <jansson.h>
#include <stddef.h>

typedef struct hpo__scheduler hpo__scheduler;

/* hpo__job and its kinds (NEW, PROMOTE, WAIT, DONE) are in storage.h: the
 * claim transaction carries them out. */

/* What next_job sees: every trial of the study ordered by number, with their
 * scheduler fields, state and value (params_json, attrs_json and reports may
 * be NULL/empty: next_job must not need them). */
typedef struct hpo__sched_view {
    const hpo__trial_row *rows;
    size_t n;
    hpo_direction direction;
    long long next_seq; /* the seq a NEW job gets */
    /* No NEW job may take a seq >= max_new (the study's n_trials or the
     * sampler's capacity, whichever is smaller); -1 = unlimited. */
    long long max_new;
} hpo__sched_view;

/* What should_prune sees: every trial of the study with its reports (the
 * reporting trial's newest report included), and which one reports. */
typedef struct hpo__prune_view {
    const hpo__trial_row *rows;
    size_t n;
    hpo_direction direction;
    size_t self; /* index of the reporting trial in rows */
    long long step;
    double value;
} hpo__prune_view;

typedef struct hpo__scheduler_config {
    const hpo_kv *options; /* by name, as strings (spec values or API kv) */
    size_t n_options;
    hpo_direction direction;
    /* How many configurations the sampler can propose (a grid's size; -1 =
     * unlimited) and the study's n_trials (0 = unset). Halving over a grid
     * uses the grid's size as n_candidates. */
    long long sampler_capacity;
    long long n_trials;
    const char *sampler; /* "grid", "random", "qmc" */
} hpo__scheduler_config;

#define HPO__SCHEDULER_OPS_VERSION 1

typedef struct hpo__scheduler_ops {
    unsigned version;
    const char *name;                /* "halving", "hyperband", "asha", "median" */
    const char *const *option_names; /* NULL-terminated, for validation and did-you-mean */
    /* Validate options (HPO_EINVAL naming the option: "scheduler halving:
     * factor: must be > 1") and compute the schedule. */
    int (*create)(hpo__scheduler **out, const hpo__scheduler_config *cfg);
    void (*destroy)(hpo__scheduler *s);
    /* The next job (see above). Called inside the claim transaction; must not
     * call the storage. */
    int (*next_job)(hpo__scheduler *s, const hpo__sched_view *view, hpo__job *out);
    /* Set *prune when the reporting trial should stop. NULL when the scheduler
     * never stops a trial mid-way (halving, hyperband and asha promote instead). */
    int (*should_prune)(hpo__scheduler *s, const hpo__prune_view *view, int *prune);
    /* The schedule for `hpo plan` as a JSON object (new reference in *out):
     * {"name": ..., options resolved, and e.g. "iterations": [...] or
     * "brackets": [...]}. */
    int (*plan_json)(const hpo__scheduler *s, json_t **out);
    /* The total number of configurations the schedule creates, or -1 when
     * unbounded (asha, median: the study's n_trials decides). */
    long long (*n_configurations)(const hpo__scheduler *s);
    /* The study's best trial is the best of the highest rung reached, not of
     * all trials (successive halving: scikit-learn's best_index_ comes from
     * the last iteration, whose scores alone use the most resource). */
    int best_in_last_rung;
} hpo__scheduler_ops;

/* Registry lookup; NULL and an error message with a did-you-mean if unknown. */
const hpo__scheduler_ops *hpo__scheduler_find(const char *name);
/* NULL-terminated list of registered scheduler names. */
const char *const *hpo__scheduler_names(void);

/* Option helpers for implementations. */
const char *hpo__scheduler_option(const hpo__scheduler_config *cfg, const char *key);
/* Every option key is in ops->option_names (HPO_EINVAL with did-you-mean). */
int hpo__scheduler_check_options(const hpo__scheduler_ops *ops, const hpo__scheduler_config *cfg);
/* Parse option `key` (absent: *out = dflt). HPO_EINVAL "scheduler NAME: KEY:
 * expected ..." on a malformed value. */
int hpo__scheduler_opt_double(const hpo__scheduler_config *cfg, const char *sched, const char *key,
                              double dflt, double *out);
int hpo__scheduler_opt_ll(const hpo__scheduler_config *cfg, const char *sched, const char *key,
                          long long dflt, long long *out);
int hpo__scheduler_opt_bool(const hpo__scheduler_config *cfg, const char *sched, const char *key,
                            int dflt, int *out);

/* An option known by several names (aliases[0] is the main one): *key and *val
 * of the one given (*val NULL when none); HPO_EINVAL "scheduler hyperband:
 * max_epochs: given twice, as 'max_epochs' and 'R' (aliases)". */
int hpo__scheduler_alias(const hpo__scheduler_config *cfg, const char *sched,
                         const char *const *aliases, const char **key, const char **val);

/* Fill a job (the other fields zeroed). */
void hpo__sched_job(hpo__job *out, hpo__job_kind kind, int bracket, int rung, double budget,
                    double budget_start, long long parent);
/* May a NEW job start (max_new not reached)? */
int hpo__sched_can_new(const hpo__sched_view *v);
/* Index in view->rows of the trial numbered `number` (rows are in number
 * order), or (size_t)-1. */
size_t hpo__sched_find_row(const hpo__sched_view *v, long long number);
/* For plan_json: an integral value as a JSON integer, else a real; and
 * json_object_set_new that sets *bad on failure. */
json_t *hpo__sched_json_num(double x);
void hpo__sched_json_set(json_t *o, const char *key, json_t *val, int *bad);

/* Is `a` better than `b` in this direction (NaN is worse than anything)? */
int hpo__sched_better(hpo_direction dir, double a, double b);

#endif
