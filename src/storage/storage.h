/*
 * storage.h -- the only shared state: studies, trials, reports.
 *
 * One interface, several back ends (memory, sqlite; postgres later). The rules
 * every back end keeps:
 *   - every claim (a new trial number and proposal index, or the re-run of a
 *     lost configuration) and every result is one transaction, so concurrent
 *     workers (threads, processes, machines) never duplicate or lose work;
 *   - a handle is safe to use from several threads (back ends lock internally);
 *   - errors are HPO_ESTORAGE / HPO_ELOCKED / HPO_ESCHEMA / HPO_ENOTFOUND /
 *     HPO_ESTATE / HPO_ENOMEM with a message naming the storage.
 *
 * A new back end is a new file with one hpo__storage_ops and a line in storage.c.
 */
#ifndef HPO_STORAGE_STORAGE_H
#define HPO_STORAGE_STORAGE_H

#include "hpo.h"

#include <stdint.h>

typedef struct hpo__storage hpo__storage;

typedef struct hpo__study_row {
    int64_t id;
    char *name;
    int direction; /* hpo_direction */
    uint64_t seed;
    char *sampler;
    char *sampler_options_json;   /* {"key": "value", ...} */
    char *scheduler;              /* NULL or "" = none */
    char *scheduler_options_json; /* {"key": "value", ...} or NULL */
    char *space_json;
    char *objective_json; /* may be NULL */
    char *spec_text;      /* may be NULL */
    long long n_trials;
    double created;
} hpo__study_row;

typedef struct hpo__report_row {
    long long step;
    double value;
} hpo__report_row;

typedef struct hpo__trial_row {
    int64_t id;
    int64_t study_id;
    long long number; /* 0, 1, 2, ... per study, no gaps */
    long long seq;    /* proposal index; a re-run keeps its original's */
    int state;        /* hpo_trial_state */
    double value;     /* NaN when none */
    char *params_json;
    char *message;    /* NULL when none */
    char *attrs_json; /* {"key": "value"} or NULL */
    char *worker;     /* "host:pid:starttime" */
    double start_time, end_time, heartbeat;
    long long retry_of;  /* number of the lost trial it re-runs, or -1 */
    int requeue_pending; /* lost with its worker; not yet re-run */
    int lost;            /* failed because its worker was lost */
    /* Scheduler fields (schedulers/scheduler.h): set at claim, kept by re-runs. */
    long long parent;         /* trial whose configuration it continues, or -1 */
    int bracket, rung;        /* -1 without a scheduler */
    double budget;            /* NaN when none */
    double budget_start;      /* 0 unless it continues a checkpoint */
    hpo__report_row *reports; /* filled by trials() only */
    size_t n_reports;
} hpo__trial_row;

/* Given the next proposal index, produce the params of a new trial (JSON).
 * Called inside the claim transaction; its error code aborts the claim. With
 * claim_req.history, `rows` holds every trial of the study ordered by number
 * (id, number, seq, state, value, lost, scheduler fields, start/end time and
 * params_json; no message, attrs or reports), read in the same transaction, so
 * the running ones are exactly the trials other workers evaluate; else NULL/0. */
typedef int (*hpo__propose_fn)(void *payload, long long seq, const hpo__trial_row *rows, size_t n,
                               char **params_json);

/* Is the worker that owns a running trial gone? (worker id, last heartbeat, now) */
typedef int (*hpo__worker_dead_fn)(const char *worker, double heartbeat, double now, void *payload);

/* A scheduler's decision, carried out by the claim (schedulers/scheduler.h). */
typedef enum hpo__job_kind {
    HPO__JOB_NEW = 1,     /* the sampler's next configuration (seq = next_seq) */
    HPO__JOB_PROMOTE = 2, /* `parent`'s configuration again, with a larger budget */
    HPO__JOB_WAIT = 3,    /* nothing can start before a running trial finishes */
    HPO__JOB_DONE = 4     /* the schedule is complete */
} hpo__job_kind;

typedef struct hpo__job {
    hpo__job_kind kind;
    long long parent; /* PROMOTE: the trial number continued; else -1 */
    int bracket, rung;
    double budget;       /* NaN when the scheduler assigns none */
    double budget_start; /* 0 for a new configuration */
} hpo__job;

/* Called inside the claim transaction with every trial of the study ordered by
 * number (scheduler fields, state, value, seq; no params, attrs or reports)
 * and the seq a new configuration would get. */
typedef int (*hpo__schedule_fn)(void *payload, const hpo__trial_row *rows, size_t n,
                                long long next_seq, hpo__job *out);

typedef struct hpo__claim_req {
    long long n_trials; /* > 0: no new seq >= n_trials */
    long long capacity; /* >= 0: no new seq >= capacity (sampler exhausted) */
    const char *worker; /* this worker's id */
    double now;
    hpo__worker_dead_fn worker_dead; /* NULL = never reap */
    void *worker_dead_payload;
    /* With a scheduler: step (3) of claim asks it instead of checking n_trials
     * and capacity (the scheduler does): NEW proposes seq = next_seq, PROMOTE
     * copies the parent's seq and params, WAIT returns HPO_EWAIT, DONE
     * HPO_EDONE. The job's fields are stored with the new trial. */
    hpo__schedule_fn schedule; /* NULL = no scheduler */
    void *schedule_payload;
    int history; /* nonzero: propose gets the study's trials (model-based samplers) */
} hpo__claim_req;

/* finish() pseudo-state: failed, lost, configuration to be re-run. */
#define HPO__TRIAL_REQUEUE 100

#define HPO__STORAGE_OPS_VERSION 4

typedef struct hpo__storage_ops {
    unsigned version;
    const char *scheme; /* "memory", "sqlite" */
    /* `location` is what follows the scheme (a file path for sqlite). Creates the
     * schema when absent; HPO_ESCHEMA when the stored schema version differs. */
    int (*open)(hpo__storage **out, const char *location);
    void (*close)(hpo__storage *st);

    /* Insert the study unless one of that name exists; either way *out is the
     * stored row (caller frees with hpo__study_row_free) and *created says which.
     * Atomic: two processes creating the same study both get the one row. */
    int (*study_create)(hpo__storage *st, const hpo__study_row *row, hpo__study_row *out,
                        int *created);
    int (*study_get)(hpo__storage *st, const char *name, hpo__study_row *out); /* ENOTFOUND */
    int (*study_set_n_trials)(hpo__storage *st, int64_t study_id, long long n_trials);
    int (*study_delete)(hpo__storage *st, const char *name); /* ENOTFOUND */
    /* Names in creation order. */
    int (*study_list)(hpo__storage *st, char ***names, size_t *n);

    /* One transaction: (1) mark running trials whose worker is dead as failed
     * ("lost: worker ... stopped responding"), requeue_pending = 1; (2) if a trial
     * has requeue_pending, clear it and insert a new running trial with the same
     * seq and params, retry_of = its number; (3) else next seq = max(seq)+1; if it
     * is past n_trials or capacity return HPO_EDONE; else call propose(seq) and
     * insert a running trial. Trial number = max(number)+1. *out is the new row. */
    int (*claim)(hpo__storage *st, int64_t study_id, const hpo__claim_req *req,
                 hpo__propose_fn propose, void *payload, hpo__trial_row *out);
    /* One transaction: set state, value (NaN = none), message, attrs_json and
     * end_time of a running trial; HPO_ESTATE when it is not running. State
     * HPO__TRIAL_REQUEUE finishes it as failed and lost, with requeue_pending, so
     * the next claim re-runs its configuration (an interrupted trial). */
    int (*finish)(hpo__storage *st, int64_t trial_id, int state, double value, const char *message,
                  const char *attrs_json, double end_time);
    /* Append an intermediate value and refresh the heartbeat. */
    int (*report)(hpo__storage *st, int64_t trial_id, long long step, double value, double now);
    /* Refresh the heartbeat of running trials (ids). */
    int (*heartbeat)(hpo__storage *st, const int64_t *trial_ids, size_t n, double now);
    /* Every trial of the study with its reports, ordered by number. */
    int (*trials)(hpo__storage *st, int64_t study_id, hpo__trial_row **rows, size_t *n);
    /* Counts by state (4 entries) and the number of lost trials
     * (failed with requeue) among the failed. */
    int (*counts)(hpo__storage *st, int64_t study_id, long long counts[4], long long *n_lost,
                  long long *n_claimed);
    /* Named byte blobs of a study (the refitted model), replaced whole in one
     * transaction; get returns a copy (hpo__free) or HPO_ENOTFOUND. Deleted
     * with the study. */
    int (*artifact_put)(hpo__storage *st, int64_t study_id, const char *key, const void *data,
                        size_t len);
    int (*artifact_get)(hpo__storage *st, int64_t study_id, const char *key, void **data,
                        size_t *len);
    /* Delete the artifact `key`, or with prefix != 0 every artifact whose key
     * starts with `key` (checkpoints "ckpt/12/" of a trial). Absent is fine. */
    int (*artifact_delete)(hpo__storage *st, int64_t study_id, const char *key, int prefix);
} hpo__storage_ops;

/* Back ends allocate a struct whose first member is this base; hpo__storage_open
 * fills ops and uri after ops->open succeeds, hpo__storage_close frees uri. */
struct hpo__storage {
    const hpo__storage_ops *ops;
    char *uri; /* as given, for messages */
};

extern const hpo__storage_ops hpo__storage_memory_ops;
extern const hpo__storage_ops hpo__storage_sqlite_ops;

/* Open a storage by URI: "memory:" (or NULL), "sqlite:///relative/path" and
 * "sqlite:////absolute/path" (SQLAlchemy's form, as Optuna users write it),
 * "sqlite:path", or a plain path (SQLite). Every handle of
 * "memory:" in one process is a new, empty store. */
int hpo__storage_open(hpo__storage **out, const char *uri);
void hpo__storage_close(hpo__storage *st);

void hpo__study_row_free(hpo__study_row *row);
void hpo__trial_row_free(hpo__trial_row *row);
void hpo__trial_rows_free(hpo__trial_row *rows, size_t n);

#endif
