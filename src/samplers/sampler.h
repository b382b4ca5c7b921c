/*
 * sampler.h -- the interface every sampler implements, and the registry.
 *
 * A sampler proposes the configuration with proposal index `seq` (0, 1, 2, ...).
 * The study assigns seq inside the storage's claim transaction, so every seq is
 * proposed exactly once across threads, processes and resumed runs (a seq whose
 * trial died with its worker is re-run with the same params by the study, not
 * proposed again). Stateless samplers (grid, random, qmc) must make the proposal
 * a pure function of (space, seed, options, seq): that is what makes "same seed,
 * same proposals" hold with any number of workers. Model-based samplers also
 * read the history.
 *
 * A new sampler is a new file with one hpo__sampler_ops and a line in registry.c.
 */
#ifndef HPO_SAMPLERS_SAMPLER_H
#define HPO_SAMPLERS_SAMPLER_H

#include "core/params.h"
#include "hpo.h"

#include <stdint.h>

typedef struct hpo__sampler hpo__sampler;

/* The study's trials as a model-based sampler sees them, read inside the claim
 * transaction (so what is running is exactly what other workers are evaluating):
 * every trial ordered by number, running ones included (they are the "pending"
 * points of a constant liar). Only samplers whose ops set needs_history get it
 * (otherwise n = 0). */
typedef struct hpo__history_entry {
    long long number;
    long long seq;
    hpo_trial_state state; /* RUNNING = pending */
    double value;          /* NaN unless complete, or pruned with a value */
    const hpo__params *params;
    double budget;   /* scheduler budget, NaN without one */
    int rung;        /* -1 without a scheduler */
    double duration; /* seconds (end - start); NaN while running */
    int lost;        /* failed because its worker was lost (not the config's fault) */
} hpo__history_entry;

typedef struct hpo__history {
    const hpo__history_entry *entries;
    size_t n;
    hpo_direction direction;
} hpo__history;

typedef struct hpo__sampler_config {
    const hpo_space *space; /* resolved; outlives the sampler */
    uint64_t seed;
    long long n_trials;    /* study total, 0 = unlimited */
    const hpo_kv *options; /* sampler options by name */
    size_t n_options;
} hpo__sampler_config;

#define HPO__SAMPLER_OPS_VERSION 2

typedef struct hpo__sampler_ops {
    unsigned version;
    const char *name;                /* "grid", "random", "qmc", "gp", "tpe", ... */
    const char *const *option_names; /* NULL-terminated; for validation and did-you-mean */
    /* Validate options and space; HPO_EINVAL with a message naming the option or
     * parameter ("sampler grid: parameter 'C' is a float range: give a list of
     * values or grid_points"). */
    int (*create)(hpo__sampler **out, const hpo__sampler_config *cfg);
    void (*destroy)(hpo__sampler *s);
    /* How many proposals it can make (the grid's size, the number of distinct
     * points for random sampling of an all-list space); -1 = unlimited. */
    long long (*capacity)(const hpo__sampler *s);
    /* Proposal `seq` into `out` (empty on entry). May be called from several
     * threads at once (the sampler serializes internally if it has state). */
    int (*propose)(hpo__sampler *s, long long seq, const hpo__history *history, hpo__params *out);
    /* Nonzero: propose needs the history (model-based samplers). */
    int needs_history;
} hpo__sampler_ops;

/* Registry lookup; NULL and an error message with a did-you-mean if unknown. */
const hpo__sampler_ops *hpo__sampler_find(const char *name);
/* NULL-terminated list of registered sampler names. */
const char *const *hpo__sampler_names(void);

/* BOHB: the largest budget with at least min_count complete trials (with a
 * finite value), whose trials a model-based sampler should model; NaN when no
 * budget has that many (or the study has no scheduler): model every trial. */
double hpo__history_model_budget(const hpo__history *h, size_t min_count);

/* Convenience for implementations: the option value for `key` or NULL. */
const char *hpo__sampler_option(const hpo__sampler_config *cfg, const char *key);
/* Check every option key is in ops->option_names (HPO_EINVAL with did-you-mean). */
int hpo__sampler_check_options(const hpo__sampler_ops *ops, const hpo__sampler_config *cfg);

#endif
