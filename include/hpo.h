/*
 * hpo.h -- the whole public API of libhpo, hyperparameter optimization in C.
 *
 * Concepts
 *   space   named parameters (float, int, categorical), optional conditions, and
 *           optionally several sub-spaces (a "grid of grids", as scikit-learn's
 *           param_grid=[{...}, {...}]).
 *   study   a named, persistent experiment on a storage ("memory:" or SQLite).
 *           Reopening a study by name resumes it.
 *   trial   one configuration proposed by the study's sampler; states
 *           running -> complete | pruned | failed.
 *   sampler "grid" (scikit-learn ParameterGrid order), "random" (ParameterSampler
 *           semantics), "qmc" (scrambled Sobol, Halton, Latin hypercube).
 *
 * Conventions
 *   - Fallible calls return int: 0 (HPO_OK) or a negative HPO_E* code. A one-line
 *     detail for the last error on the calling thread is in hpo_errmsg().
 *   - `T **out` parameters are set only on success; the caller destroys the object
 *     with the type's destroy function. Strings returned through `char **out` are
 *     released with hpo_free(). `const char *` results are borrowed from their
 *     parent object and live as long as it does. Inputs are copied.
 *   - Destroy functions accept NULL.
 *   - The library never prints, never exits, and never aborts on bad input.
 *   - Thread safety: a study handle may be used from many threads at once
 *     (ask, trial calls, tell); a space, spec or trial handle serves one thread
 *     at a time. Storage claims are transactions, so many processes may share one
 *     SQLite study.
 *   - Same seed, same sequence of proposals: stateless samplers derive the
 *     proposal for the k-th configuration from (seed, k) alone.
 */
#ifndef HPO_H
#define HPO_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define HPO_API __attribute__((visibility("default")))
#else
#define HPO_API
#endif

#define HPO_VERSION_STRING "0.1.0"

/* ---------------------------------------------------------------- errors */

/* X(name, code, description): one list yields the enum and hpo_strerror(). */
#define HPO_ERRNO_MAP(X)                                                                           \
    X(OK, 0, "success")                                                                            \
    X(EINVAL, -1, "invalid argument")                                                              \
    X(ENOMEM, -2, "out of memory")                                                                 \
    X(ESPEC, -3, "invalid study spec")                                                             \
    X(ESTORAGE, -4, "storage error")                                                               \
    X(ELOCKED, -5, "storage is locked")                                                            \
    X(ESCHEMA, -6, "storage schema version mismatch")                                              \
    X(ENOTFOUND, -7, "not found")                                                                  \
    X(EMISMATCH, -8, "study differs from the stored study")                                        \
    X(EDONE, -9, "no more trials to run")                                                          \
    X(ESTATE, -10, "trial is not running")                                                         \
    X(EOBJECTIVE, -11, "objective failed")                                                         \
    X(ETIMEOUT, -12, "timed out")                                                                  \
    X(EIO, -13, "input/output error")                                                              \
    X(ETYPE, -14, "parameter has another type")                                                    \
    X(EPRUNED, -15, "trial pruned")                                                                \
    X(ESTOPPED, -16, "study stopped")                                                              \
    X(EEXIST, -17, "already exists")                                                               \
    X(EWAIT, -18, "no trial can start until a running trial finishes")                             \
    X(ENUMERIC, -19, "numerical failure")

typedef enum hpo_error {
#define HPO__ERR_ENUM(name, code, desc) HPO_##name = (code),
    HPO_ERRNO_MAP(HPO__ERR_ENUM)
#undef HPO__ERR_ENUM
} hpo_error;

/* Description of an error code ("invalid argument"); never NULL. */
HPO_API const char *hpo_strerror(int code);

/* Detail of the last error on this thread, e.g.
 * "spec.yaml:12:5: sampler.method: unknown value 'sobl' (did you mean 'sobol'?)".
 * Never NULL; "" when there is none. Valid until the next hpo_ call on this thread. */
HPO_API const char *hpo_errmsg(void);

/* Release memory the library handed over (strings from `char **out`). NULL is fine. */
HPO_API void hpo_free(void *ptr);

/* The library's version, "MAJOR.MINOR.PATCH". */
HPO_API const char *hpo_version(void);

/* ---------------------------------------------------------------- values */

typedef enum hpo_value_type {
    HPO_VALUE_FLOAT = 1,
    HPO_VALUE_INT = 2,
    HPO_VALUE_STRING = 3,
    HPO_VALUE_BOOL = 4
} hpo_value_type;

/* A parameter value. For strings `u.s` is borrowed (input: copied by the callee). */
typedef struct hpo_value {
    hpo_value_type type;
    union {
        double f;
        long long i;
        const char *s;
        int b;
    } u;
} hpo_value;

/* ---------------------------------------------------------------- spaces */

typedef struct hpo_space hpo_space;

/* An empty space with one (empty) sub-space. */
HPO_API int hpo_space_create(hpo_space **out);
HPO_API void hpo_space_destroy(hpo_space *space);

/* Start a new sub-space: later add_* calls go to it. The space becomes a grid of
 * grids (scikit-learn's list of dicts); HPO_EINVAL if the current one is empty. */
HPO_API int hpo_space_add_subspace(hpo_space *space);

/* A float in [low, high]; log != 0 samples log-uniformly (needs low > 0).
 * Errors: HPO_EINVAL (low > high, log with low <= 0, non-finite, duplicate name). */
HPO_API int hpo_space_add_float(hpo_space *space, const char *name, double low, double high,
                                int log);

/* An int in [low, high] on the lattice low + k*step (step >= 1); log != 0 samples
 * log-uniformly (needs low >= 1, step 1). */
HPO_API int hpo_space_add_int(hpo_space *space, const char *name, long long low, long long high,
                              long long step, int log);

/* A categorical parameter; choices are copied, kept in the given order, and must be
 * distinct and non-empty. Mixed types are allowed (scikit-learn lists allow them). */
HPO_API int hpo_space_add_categorical(hpo_space *space, const char *name, const hpo_value *choices,
                                      size_t n);

/* For the grid sampler: enumerate a float parameter as n points (linspace, or
 * geomspace when log), or an int parameter as n points instead of every value. */
HPO_API int hpo_space_set_grid_points(hpo_space *space, const char *name, size_t n);

/* Make `name` active only when the condition holds. Grammar:
 *   <param> == <value> | <param> != <value> | <param> in [<v>, <v>, ...]
 * The parent must be a categorical, int or bool parameter of the same sub-space
 * (checked when the study is opened or the grid is counted). */
HPO_API int hpo_space_set_condition(hpo_space *space, const char *name, const char *when);

/* Number of points of the grid the "grid" sampler walks. HPO_EINVAL with a message
 * naming the parameter when a float has neither a value list nor grid points. */
HPO_API int hpo_space_grid_size(const hpo_space *space, unsigned long long *out);

/* Number of parameters in all sub-spaces (distinct names). */
HPO_API size_t hpo_space_param_count(const hpo_space *space);

/* The space as canonical JSON (the form stored with a study). */
HPO_API int hpo_space_to_json(const hpo_space *space, char **out);

/* ---------------------------------------------------------------- studies */

typedef struct hpo_study hpo_study;
typedef struct hpo_trial hpo_trial;

typedef enum hpo_direction { HPO_MINIMIZE = 0, HPO_MAXIMIZE = 1 } hpo_direction;

typedef enum hpo_trial_state {
    HPO_TRIAL_RUNNING = 0,
    HPO_TRIAL_COMPLETE = 1,
    HPO_TRIAL_PRUNED = 2,
    HPO_TRIAL_FAILED = 3
} hpo_trial_state;

/* "running", "complete", "pruned", "failed"; and back (HPO_EINVAL if unknown). */
HPO_API const char *hpo_trial_state_to_string(hpo_trial_state state);
HPO_API int hpo_trial_state_from_string(const char *s, hpo_trial_state *out);

/* A key/value pair for method options ("method" -> "sobol"). */
typedef struct hpo_kv {
    const char *key;
    const char *value;
} hpo_kv;

#define HPO_STUDY_OPTIONS_VERSION 1

/* Options of hpo_study_open. Initialise with HPO_STUDY_OPTIONS_INIT. */
typedef struct hpo_study_options {
    unsigned version;
    /* The study's name in its storage (required). */
    const char *name;
    /* "memory:" (default when NULL); SQLite as SQLAlchemy/Optuna write it,
     * "sqlite:///relative.db" or "sqlite:////absolute/path.db"; "sqlite:file.db";
     * or a plain file path. */
    const char *storage;
    hpo_direction direction;
    unsigned long long seed;
    /* "grid", "random" (default when NULL) or "qmc". */
    const char *sampler;
    /* Sampler options by name, e.g. {"method","sobol"}, {"scramble","true"}. */
    const hpo_kv *sampler_options;
    size_t n_sampler_options;
    /* Total number of configurations of the study (not "N more"); 0 = unlimited
     * (the grid sampler stops at the grid's end). Updated on reopen when > 0. */
    long long n_trials;
    /* Delete an existing study of that name first (KerasTuner's overwrite). */
    int fresh;
    /* Seconds without a heartbeat after which a running trial of a worker on
     * another host is taken as dead; 0 = 60 s. A dead process on this host is
     * detected at once. */
    double stale_after;
    /* Optional text stored with the study (the spec it was created from). */
    const char *spec_text;
    /* Optional JSON describing the objective; part of the study's identity. */
    const char *objective_json;
    /* NULL/"" (none), "halving", "hyperband", "asha" or "median"; options by
     * name as for the sampler (docs/halving.md, docs/hyperband.md). Part of
     * the study's identity. */
    const char *scheduler;
    const hpo_kv *scheduler_options;
    size_t n_scheduler_options;
} hpo_study_options;

#define HPO_STUDY_OPTIONS_INIT                                                                     \
    {                                                                                              \
        .version = HPO_STUDY_OPTIONS_VERSION                                                       \
    }

/* Create the study, or reopen it when it exists. Reopening checks that the space,
 * direction, sampler and objective are the same: HPO_EMISMATCH with a diff in
 * hpo_errmsg() otherwise (unless opts->fresh). Other errors: HPO_EINVAL,
 * HPO_ESTORAGE, HPO_ELOCKED, HPO_ESCHEMA, HPO_ENOMEM. */
HPO_API int hpo_study_open(hpo_study **out, const hpo_study_options *opts, const hpo_space *space);

/* Reopen an existing study with the space and options stored with it.
 * HPO_ENOTFOUND when there is no such study. */
HPO_API int hpo_study_load(hpo_study **out, const char *storage, const char *name);

/* Close the handle (the study stays in its storage). */
HPO_API void hpo_study_close(hpo_study *study);

/* Delete a study and its trials from a storage. HPO_ENOTFOUND if absent. */
HPO_API int hpo_study_delete(const char *storage, const char *name);

/* Names of the studies in a storage, as a NULL-terminated array released with
 * hpo_free() (one block). */
HPO_API int hpo_storage_list_studies(const char *storage, char ***out);

HPO_API const char *hpo_study_name(const hpo_study *study);
HPO_API hpo_direction hpo_study_direction(const hpo_study *study);
HPO_API const char *hpo_study_sampler(const hpo_study *study);
/* The scheduler's name, "" when none. */
HPO_API const char *hpo_study_scheduler(const hpo_study *study);
HPO_API const hpo_space *hpo_study_space(const hpo_study *study);
HPO_API long long hpo_study_n_trials(const hpo_study *study);
/* The stored spec text and objective JSON; NULL when none was stored. */
HPO_API const char *hpo_study_spec_text(const hpo_study *study);
HPO_API const char *hpo_study_objective_json(const hpo_study *study);
/* 1 when hpo_study_open created the study, 0 when it resumed an existing one. */
HPO_API int hpo_study_is_new(const hpo_study *study);

/* Claim the next trial: first a configuration whose trial was lost with a dead
 * worker, else (with a scheduler) the scheduler's next job -- a promotion of a
 * finished trial's configuration to a larger budget or a new configuration --
 * else the sampler's next proposal. One storage transaction.
 * HPO_EDONE when n_trials configurations were claimed, the grid is exhausted or
 * the schedule is complete; HPO_EWAIT when the scheduler can start nothing
 * until a running trial finishes (ask again later). */
HPO_API int hpo_study_ask(hpo_study *study, hpo_trial **out);

/* Ask that stops a running hpo_study_optimize from starting new trials
 * (running ones finish). Safe from any thread and from a signal handler. */
HPO_API void hpo_study_stop(hpo_study *study);

/* ---------------------------------------------------------------- trials */

/* Record an intermediate value. *should_prune (may be NULL) is set to 1 when the
 * study's scheduler decides the trial should stop (the median rule; halving,
 * hyperband and asha never stop a trial mid-way, they promote instead): the
 * objective should then return HPO_EPRUNED (or call hpo_trial_prune). Also
 * refreshes the trial's heartbeat. */
HPO_API int hpo_trial_report(hpo_trial *trial, long long step, double value, int *should_prune);

/* Finish the trial as complete with `value`. A non-finite value makes it failed
 * (returns HPO_EINVAL after recording the failure). HPO_ESTATE if not running. */
HPO_API int hpo_trial_tell(hpo_trial *trial, double value);

/* Finish the trial as failed with a reason (may be NULL). */
HPO_API int hpo_trial_fail(hpo_trial *trial, const char *reason);

/* Finish the trial as pruned (its last reported value is kept). */
HPO_API int hpo_trial_prune(hpo_trial *trial);

/* Attach a user attribute (stored as a string; e.g. "stderr_tail", "log_dir").
 * Written with the trial's result. */
HPO_API int hpo_trial_set_attr(hpo_trial *trial, const char *key, const char *value);
/* A user attribute, or NULL. */
HPO_API const char *hpo_trial_attr(const hpo_trial *trial, const char *key);

/* Release the handle. A trial still running is marked failed ("abandoned"). */
HPO_API void hpo_trial_destroy(hpo_trial *trial);

HPO_API long long hpo_trial_number(const hpo_trial *trial);
HPO_API hpo_trial_state hpo_trial_get_state(const hpo_trial *trial);
/* The final value; NaN when the trial has none. */
HPO_API double hpo_trial_value(const hpo_trial *trial);
/* Failure reason or other message; NULL when none. */
HPO_API const char *hpo_trial_message(const hpo_trial *trial);
/* Unix times in seconds; end is 0 while running. */
HPO_API double hpo_trial_start_time(const hpo_trial *trial);
HPO_API double hpo_trial_end_time(const hpo_trial *trial);
/* The worker that ran it ("host:pid"). */
HPO_API const char *hpo_trial_worker(const hpo_trial *trial);
/* When this trial re-runs the configuration of a trial lost with its worker,
 * that trial's number; else -1. */
HPO_API long long hpo_trial_retry_of(const hpo_trial *trial);

/* Multi-fidelity: what the scheduler gave the trial. budget: the resource to
 * reach (epochs, n_estimators, n_samples; scikit-learn's n_resources,
 * KerasTuner's tuner/epochs), NaN without one; budget_start: the resource its
 * parent's checkpoint already has (tuner/initial_epoch), 0 for a new
 * configuration; parent: the trial whose configuration and checkpoint it
 * continues, -1 if none; rung: halving iteration, Hyperband round or ASHA rung
 * (-1 without a scheduler); bracket: Hyperband bracket instance (0, 1, ... in
 * the order they opened), 0 for halving and asha, -1 without a scheduler. */
HPO_API double hpo_trial_budget(const hpo_trial *trial);
HPO_API double hpo_trial_budget_start(const hpo_trial *trial);
HPO_API long long hpo_trial_parent(const hpo_trial *trial);
HPO_API int hpo_trial_rung(const hpo_trial *trial);
HPO_API int hpo_trial_bracket(const hpo_trial *trial);

/* Parameters: active ones only, in the space's order. */
HPO_API size_t hpo_trial_param_count(const hpo_trial *trial);
HPO_API const char *hpo_trial_param_name(const hpo_trial *trial, size_t i);
HPO_API int hpo_trial_param_at(const hpo_trial *trial, size_t i, hpo_value *out);
/* By name: HPO_ENOTFOUND when absent (or inactive), HPO_ETYPE when of another
 * type (an int is converted for get_float). Strings are borrowed. */
HPO_API int hpo_trial_get(const hpo_trial *trial, const char *name, hpo_value *out);
HPO_API int hpo_trial_get_float(const hpo_trial *trial, const char *name, double *out);
HPO_API int hpo_trial_get_int(const hpo_trial *trial, const char *name, long long *out);
HPO_API int hpo_trial_get_string(const hpo_trial *trial, const char *name, const char **out);
HPO_API int hpo_trial_get_bool(const hpo_trial *trial, const char *name, int *out);
/* Parameters as a JSON object {"name": value, ...}. */
HPO_API int hpo_trial_params_json(const hpo_trial *trial, char **out);

/* Intermediate reports. */
HPO_API size_t hpo_trial_report_count(const hpo_trial *trial);
HPO_API int hpo_trial_report_at(const hpo_trial *trial, size_t i, long long *step, double *value);

/* A snapshot of every trial of the study, ordered by number. Release with
 * hpo_trial_list_free(). */
HPO_API int hpo_study_trials(hpo_study *study, hpo_trial ***out, size_t *n);
HPO_API void hpo_trial_list_free(hpo_trial **trials, size_t n);

/* The best complete trial (by direction; the first of equal ones), as a
 * snapshot; HPO_ENOTFOUND if none. With successive halving, the best of the
 * last iteration (scikit-learn's best_index_). */
HPO_API int hpo_study_best_trial(hpo_study *study, hpo_trial **out);

/* Counts by state (array indexed by hpo_trial_state, 4 entries). */
HPO_API int hpo_study_counts(hpo_study *study, long long counts[4]);

/* Artifacts: named byte blobs kept with a study in its storage (the model
 * refitted after a search is stored as "model"). set replaces the whole value
 * in one transaction; get returns a copy (hpo_free) or HPO_ENOTFOUND. */
HPO_API int hpo_study_set_artifact(hpo_study *study, const char *key, const void *data, size_t len);
HPO_API int hpo_study_get_artifact(hpo_study *study, const char *key, void **data, size_t *len);

/* ---------------------------------------------------------------- optimize */

/* The objective: evaluate the trial, set *value, return 0. Return HPO_EPRUNED to
 * have the trial pruned, any other negative code to have it failed (the message
 * is hpo_trial_message if set with hpo_trial_set_attr(trial, "error", ...), else
 * hpo_errmsg() on the calling thread). The objective must not tell the trial. */
typedef int (*hpo_objective_fn)(hpo_trial *trial, double *value, void *payload);

typedef enum hpo_event_type {
    HPO_EVENT_TRIAL_STARTED = 1,
    HPO_EVENT_TRIAL_FINISHED = 2,
    HPO_EVENT_TICK = 3 /* about once a second, for redrawing progress */
} hpo_event_type;

/* What the optimize loop tells its observer. `trial` is borrowed for the call. */
typedef struct hpo_event {
    hpo_event_type type;
    const hpo_trial *trial; /* NULL for ticks */
    long long n_claimed;    /* configurations claimed in the study so far */
    long long n_trials;     /* the study's total, 0 = unlimited */
    long long counts[4];    /* trials by state in the study */
    int has_best;
    double best_value;
    long long best_number;
    double elapsed; /* seconds since optimize started */
} hpo_event;

/* Called from worker threads, serialized (never two at once). */
typedef void (*hpo_event_fn)(const hpo_event *event, void *payload);

#define HPO_OPTIMIZE_OPTIONS_VERSION 2

typedef struct hpo_optimize_options {
    unsigned version;
    /* Study total of configurations; 0 = the study's own n_trials. */
    long long n_trials;
    /* Wall-clock limit of this call in seconds; 0 = none. No trial starts after it. */
    double timeout;
    /* Worker threads; 0 = 1. */
    int n_workers;
    /* Stop starting trials once the study has this many failed trials; 0 = no limit. */
    long long max_failed_trials;
    hpo_event_fn on_event;
    void *event_payload;
    /* Stoppers, as scikit-optimize's callbacks (docs/bayesian_optimization.md).
     * No new trial starts once one fires; the call returns 0 and
     * hpo_study_stopped_by() says which. 0 = off for each. */
    /* delta_y: the best value improved by no more than this over the last
     * `patience` finished trials (patience 0 = 10). */
    double stop_delta_y;
    long long stop_patience;
    /* delta_x: the last two finished configurations are closer than this
     * (Euclidean distance in the unit cube of the space's encoding, a differing
     * categorical counting 1). */
    double stop_delta_x;
    /* deadline: seconds from the call's start; no trial starts that the
     * longest trial so far could not finish in time (skopt's DeadlineStopper). */
    double deadline;
    /* target: stop once the best value reaches it (<= when minimizing, >= when
     * maximizing); has_target says it is set. */
    int has_target;
    double target;
} hpo_optimize_options;

#define HPO_OPTIMIZE_OPTIONS_INIT                                                                  \
    {                                                                                              \
        .version = HPO_OPTIMIZE_OPTIONS_VERSION                                                    \
    }

/* Run trials with n_workers threads until n_trials configurations are done, the
 * sampler is exhausted, the timeout passes, max_failed_trials is reached, or
 * hpo_study_stop() is called. Objective failures are recorded, not returned.
 * Returns 0, HPO_ETIMEOUT, HPO_ESTOPPED (stop or max_failed_trials; detail in
 * hpo_errmsg()), or a storage error. */
HPO_API int hpo_study_optimize(hpo_study *study, hpo_objective_fn objective, void *payload,
                               const hpo_optimize_options *opts);
/* Why the last hpo_study_optimize on this handle stopped early through a
 * stopper ("delta_y: ..."), or "" when none fired. Valid until the next call. */
HPO_API const char *hpo_study_stopped_by(const hpo_study *study);

/* ---------------------------------------------------------------- commands */

/* The external-command objective: runs a command per trial with the trial's
 * parameters (argv template with ${name}, ${args}, ${args_no_hyphens},
 * ${args_json}, ${args_json_file}, ${trial.number}, ${trial.id}, ${trial.dir},
 * ${study}, ${seed}; HPO_* environment variables), reads the metric from its
 * stdout (or $HPO_RESULT_FILE), each trial in its own process group with a
 * timeout that kills the whole group. */
typedef struct hpo_command hpo_command;

typedef enum hpo_metric_strategy {
    HPO_METRIC_LAST = 0,
    HPO_METRIC_MAX = 1,
    HPO_METRIC_MIN = 2
} hpo_metric_strategy;

#define HPO_COMMAND_OPTIONS_VERSION 1

typedef struct hpo_command_options {
    unsigned version;
    /* argv template; argv[0] is looked up in PATH. Copied. */
    const char *const *argv;
    size_t argc;
    /* Run through "sh -c" with the argv elements joined by spaces and values
     * shell-quoted (opt-in). */
    int shell;
    /* Extra environment variables. */
    const hpo_kv *env;
    size_t n_env;
    /* Working directory; NULL = the current one. */
    const char *workdir;
    /* Metric name for the zero-config matcher (required unless regex is set). */
    const char *metric;
    /* Optional PCRE2 pattern with a (?<value>...) group and optionally (?<step>...). */
    const char *metric_regex;
    /* Key that numbers steps ("epoch", "step"); NULL = "step" or "epoch". */
    const char *step_key;
    hpo_metric_strategy strategy;
    /* Seconds; 0 = no limit. */
    double timeout;
    /* Seconds between SIGTERM and SIGKILL of the process group; 0 = 10 s. */
    double kill_grace;
    /* Root of trial directories: <output>/trials/<number>; NULL = "runs/<study>". */
    const char *output;
    /* Study name and seed for ${study}, ${seed} and HPO_STUDY. */
    const char *study;
    unsigned long long seed;
} hpo_command_options;

#define HPO_COMMAND_OPTIONS_INIT                                                                   \
    {                                                                                              \
        .version = HPO_COMMAND_OPTIONS_VERSION                                                     \
    }

HPO_API int hpo_command_create(hpo_command **out, const hpo_command_options *opts);
HPO_API void hpo_command_destroy(hpo_command *cmd);

/* An hpo_objective_fn: payload is an hpo_command*. Thread-safe: many trials may
 * run at once. On failure it sets the trial's "error" attribute (reason plus the
 * last stderr lines) and "log_dir". */
HPO_API int hpo_command_objective(hpo_trial *trial, double *value, void *payload);

/* Ask every command started by this objective to stop (SIGTERM, then SIGKILL
 * after the grace period). Async-signal-safe. */
HPO_API void hpo_command_interrupt(hpo_command *cmd);

/* Test the metric matcher on a captured output (for `hpo check --metric-from`):
 * *value gets the final value by the strategy, *n_steps the number of matches. */
HPO_API int hpo_command_parse_output(const hpo_command *cmd, const char *text, size_t len,
                                     double *value, size_t *n_steps);

/* ---------------------------------------------------------------- specs */

/* A study spec (YAML, or JSON with the same schema). */
typedef struct hpo_spec hpo_spec;

/* Parse a spec from memory. `origin` names it in messages ("spec.yaml"); JSON is
 * chosen when origin ends in ".json" or the text starts with '{'. HPO_ESPEC with
 * "origin:line:col: key: message" in hpo_errmsg(). */
HPO_API int hpo_spec_parse(hpo_spec **out, const char *data, size_t len, const char *origin);
/* Read and parse a file (HPO_EIO when it cannot be read). */
HPO_API int hpo_spec_load(hpo_spec **out, const char *path);
HPO_API void hpo_spec_destroy(hpo_spec *spec);

/* Override a top-level setting as the CLI flags do: "study", "storage", "seed",
 * "n_trials", "workers", "timeout", "trial_timeout", "max_failed_trials",
 * "output", "sampler". HPO_ESPEC when the value does not fit. */
HPO_API int hpo_spec_set(hpo_spec *spec, const char *key, const char *value);

/* Top-level settings. Strings are borrowed. */
HPO_API const char *hpo_spec_study(const hpo_spec *spec);
HPO_API const char *hpo_spec_storage(const hpo_spec *spec); /* default "sqlite:///hpo.db" */
HPO_API const char *hpo_spec_origin(const hpo_spec *spec);
HPO_API int hpo_spec_workers(const hpo_spec *spec);
HPO_API long long hpo_spec_n_trials(const hpo_spec *spec);
HPO_API const hpo_space *hpo_spec_space(const hpo_spec *spec);

/* Open (create or resume) the study the spec describes. */
HPO_API int hpo_spec_open_study(const hpo_spec *spec, int fresh, hpo_study **out);

/* Run the spec's objective on the study with the spec's n_trials, workers,
 * timeout, trial timeout and max_failed_trials. `opts` may be NULL; its
 * non-zero fields and on_event override the spec. */
HPO_API int hpo_spec_run(const hpo_spec *spec, hpo_study *study, const hpo_optimize_options *opts);

/* Interrupt commands started by hpo_spec_run on any thread (async-signal-safe),
 * and stop the study from starting new trials. */
HPO_API void hpo_spec_interrupt(hpo_spec *spec, hpo_study *study);

/* What will run, as JSON: space size, grid length, number of trials, sampler,
 * the first proposals. */
HPO_API int hpo_spec_plan_json(const hpo_spec *spec, int n_preview, char **out);

/* ---------------------------------------------------------------- models */

/* A fitted built-in estimator with its preprocessing, feature and class names,
 * in hpo's native model format (a versioned binary file, "HPOMODEL" magic). */
typedef struct hpo_model hpo_model;

/* After hpo_spec_run on a built-in-estimator objective, as scikit-learn's
 * refit=True: fit the best trial's configuration on all training rows, score
 * it on the test set when the spec names one (data.test or data.test_size),
 * store it as the study's "model" artifact and return it (NULL out is fine).
 * HPO_ENOTFOUND when no trial completed; HPO_EINVAL for a command objective. */
HPO_API int hpo_spec_refit(const hpo_spec *spec, hpo_study *study, hpo_model **out);
/* Whether the spec asks for that refit (a built-in estimator, refit not false). */
HPO_API int hpo_spec_refit_enabled(const hpo_spec *spec);

HPO_API int hpo_model_load(hpo_model **out, const void *data, size_t len);
HPO_API int hpo_model_load_file(hpo_model **out, const char *path);
/* The study's "model" artifact (HPO_ENOTFOUND before a refit). */
HPO_API int hpo_model_from_study(hpo_model **out, hpo_study *study);
HPO_API void hpo_model_destroy(hpo_model *model);
/* The model's bytes (hpo_free) and a file with them. */
HPO_API int hpo_model_save(const hpo_model *model, void **data, size_t *len);
HPO_API int hpo_model_save_file(const hpo_model *model, const char *path);
/* What the model is, as JSON: estimator, task, params, scoring, cv score,
 * test score (null when none), features, classes, rows it was fitted on. */
HPO_API int hpo_model_info_json(const hpo_model *model, char **out);
/* The scorer's name, its cross-validated score of the configuration, and its
 * score on the test set (NaN without one). */
HPO_API const char *hpo_model_scoring(const hpo_model *model);
HPO_API double hpo_model_cv_score(const hpo_model *model);
HPO_API double hpo_model_test_score(const hpo_model *model);
/* Rows the model was fitted on and rows of its test set. */
HPO_API size_t hpo_model_n_train(const hpo_model *model);
HPO_API size_t hpo_model_n_test(const hpo_model *model);
/* Predict each row of a CSV file whose header names the model's features (in
 * any order; the target column, when present, is scored and *score set, else
 * NaN). Writes CSV to `fp`: the rows' predictions under the target's name
 * (class labels as in the training data), then one column per class with the
 * probabilities when the estimator has them. HPO_ESPEC naming file, line and
 * column on bad data. */
HPO_API int hpo_model_predict_csv(hpo_model *model, const char *csv_path, FILE *fp, double *score);

/* The recommended search space of a built-in estimator as a ready-to-paste
 * YAML `space:` block with a one-line reason per parameter (hpo space MODEL,
 * docs/cheatsheet.md); "markdown" gives the cheat sheet section. HPO_EINVAL
 * with a did-you-mean for an unknown estimator. */
HPO_API int hpo_estimator_space(const char *estimator, const char *format, char **out);
/* The built-in estimators' names, NULL-terminated, static. */
HPO_API const char *const *hpo_estimator_names(void);

/* ---------------------------------------------------------------- exports */

typedef enum hpo_export_format {
    HPO_EXPORT_CSV = 1,       /* one row per trial, scikit-learn cv_results_ names */
    HPO_EXPORT_JSON = 2,      /* the study and every trial with reports and attrs */
    HPO_EXPORT_CV_RESULTS = 3 /* same columns as CSV (kept for later cv columns) */
} hpo_export_format;

/* Write the study's trials to `fp` in the given format. */
HPO_API int hpo_study_export(hpo_study *study, hpo_export_format format, FILE *fp);

/* The file the spec's `export:` section names for a format (export.cv_results or
 * export.csv for HPO_EXPORT_CSV and HPO_EXPORT_CV_RESULTS, export.json for
 * HPO_EXPORT_JSON), or NULL when it names none. Borrowed from the spec. */
HPO_API const char *hpo_spec_export_path(const hpo_spec *spec, hpo_export_format format);


/* ---------------------------------------------------------------- plots */

/* A read-only picture of a study for plots and reports: its space, direction,
 * methods and every trial with parameters, value, times, worker, budget/rung
 * and intermediate reports. Taken from a study in a storage, or read back from
 * a JSON export (hpo_study_export(..., HPO_EXPORT_JSON), `hpo export --format
 * json`), so a study can be plotted on a machine without its storage. */
typedef struct hpo_snapshot hpo_snapshot;

HPO_API int hpo_snapshot_from_study(hpo_study *study, hpo_snapshot **out);
/* HPO_EIO when the file cannot be read; HPO_ESPEC naming file, line and column
 * or key when it is not a JSON export. */
HPO_API int hpo_snapshot_from_json(const char *path, hpo_snapshot **out);
HPO_API void hpo_snapshot_destroy(hpo_snapshot *snap);
HPO_API size_t hpo_snapshot_n_trials(const hpo_snapshot *snap);

typedef enum hpo_plot_format {
    HPO_PLOT_SVG = 0,  /* a standalone SVG document */
    HPO_PLOT_HTML = 1, /* the SVG in a minimal self-contained HTML page */
    HPO_PLOT_TEXT = 2  /* a terminal chart (kinds "history" and "importance") */
} hpo_plot_format;

#define HPO_PLOT_OPTIONS_VERSION 1

/* Options of hpo_plot and hpo_report. Initialise with HPO_PLOT_OPTIONS_INIT. */
typedef struct hpo_plot_options {
    unsigned version;
    hpo_plot_format format;
    /* Comma-separated parameter names to show (slice, contour, parallel,
     * dependence, evaluations); NULL = the kind's default selection. */
    const char *params;
    /* Seed of the models behind "importance" and "dependence" (same seed, same
     * picture). */
    unsigned long long seed;
    /* Size in pixels (SVG) or characters (TEXT); 0 = the kind's default. */
    int width, height;
} hpo_plot_options;

#define HPO_PLOT_OPTIONS_INIT                                                                      \
    {                                                                                              \
        .version = HPO_PLOT_OPTIONS_VERSION                                                        \
    }

/* The plot kinds, NULL-terminated, static: "history", "parallel", "slice",
 * "contour", "dependence", "evaluations", "importance", "intermediate",
 * "rungs", "timeline", "edf" (docs/plots.md). */
HPO_API const char *const *hpo_plot_kinds(void);

/* 1 when the kind has something to show for the snapshot, else 0 with *why (a
 * static sentence, may be NULL) set: "rungs" needs a scheduler, "contour" two
 * parameters, "intermediate" reports, ... */
HPO_API int hpo_plot_applies(const hpo_snapshot *snap, const char *kind, const char **why);

/* Draw one plot into a new string (hpo_free). The same snapshot and options
 * give the same bytes. HPO_EINVAL for an unknown kind or parameter name (with
 * a did-you-mean), or a kind that does not apply (the reason as the message). */
HPO_API int hpo_plot(const hpo_snapshot *snap, const char *kind, const hpo_plot_options *opts,
                     char **out, size_t *len);

/* A self-contained HTML report (inline SVG, CSS and script; no network):
 * summary, best trial, the trials table and every plot that applies. */
HPO_API int hpo_report(const hpo_snapshot *snap, const hpo_plot_options *opts, char **out,
                       size_t *len);

#ifdef __cplusplus
}
#endif
#endif /* HPO_H */
