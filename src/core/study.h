/*
 * study.h -- internal structure of studies and trials (public API in hpo.h).
 *
 * A study handle holds the storage handle, its stored row, a resolved copy of
 * the space and the sampler. Every state change goes through the storage in one
 * transaction (claim, finish, report), so the handle itself holds no state that
 * another worker needs: several handles, threads and processes can serve one
 * study. The handle keeps the list of trials this process is running, for
 * heartbeats.
 */
#ifndef HPO_CORE_STUDY_H
#define HPO_CORE_STUDY_H

#include "core/params.h"
#include "hpo.h"
#include "samplers/sampler.h"
#include "schedulers/scheduler.h"
#include "storage/storage.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct hpo_study {
    hpo__storage *st;
    hpo__study_row row;
    hpo_space *space;
    const hpo__sampler_ops *sops;
    hpo__sampler *sampler;
    hpo_kv *sampler_opts; /* owned key/value strings */
    size_t n_sampler_opts;
    const hpo__scheduler_ops *schops; /* NULL: no scheduler */
    hpo__scheduler *scheduler;
    hpo_kv *scheduler_opts; /* owned */
    size_t n_scheduler_opts;
    int is_new;
    double stale_after;
    char *worker_id;
    atomic_int stop;
    pthread_mutex_t lock; /* guards running[] */
    int64_t *running;
    size_t n_running, cap_running;
    /* Model-based samplers: parsed params of trials by number (a trial's params
     * never change once claimed), so a proposal parses only new trials. */
    char stopped_by[256]; /* the stopper that ended the last optimize, or "" */
    pthread_mutex_t hist_lock;
    hpo__params *hist_params;
    unsigned char *hist_have;
    size_t hist_cap;
};

typedef struct hpo__attr {
    char *key;
    char *value;
} hpo__attr;

struct hpo_trial {
    hpo_study *study; /* NULL for snapshots */
    int64_t id;
    long long number, seq, retry_of;
    long long parent; /* scheduler fields (schedulers/scheduler.h) */
    int bracket, rung;
    double budget, budget_start;
    hpo_trial_state state;
    double value;
    char *message;
    char *worker;
    double start_time, end_time;
    hpo__params params;
    hpo__attr *attrs;
    size_t n_attrs;
    hpo__report_row *reports;
    size_t n_reports, cap_reports;
};

/* This process's worker id "host:pid:starttime". */
int hpo__worker_id(char **out);
/* hpo__worker_dead_fn: a worker on this host is dead when its pid is gone or
 * belongs to a newer process; one on another host when its heartbeat is older
 * than *(double *)payload seconds. */
int hpo__worker_dead(const char *worker, double heartbeat, double now, void *payload);

/* (Re)build the study's sampler from its row (seed, options, n_trials) and space.
 * Called again when n_trials changes: the lhs design depends on it. */
int hpo__study_make_sampler(hpo_study *study);

/* Finish a running trial as failed and lost, so that the next claim re-runs its
 * configuration (a trial interrupted by hpo_study_stop). */
int hpo__trial_requeue(hpo_trial *trial, const char *reason);

/* Delete a study's artifact `key`, or every one starting with it (prefix). */
int hpo__study_delete_artifacts(hpo_study *study, const char *key, int prefix);

/* Refresh heartbeats of the trials this handle is running. */
int hpo__study_heartbeat(hpo_study *study);

#endif
