/*
 * progress.h -- what `hpo tune` shows while it runs: one line per finished trial
 * on stdout, and on a terminal a status bar redrawn on stderr (cleared before each
 * trial line and redrawn after it, so both streams can share one terminal).
 *
 * Modes: bar (trial lines + bar; the default when stderr is a terminal), lines
 * (trial lines only, no escape codes; the default otherwise), none (nothing while
 * running), quiet (-q: nothing while running; tune prints only the final best).
 */
#ifndef HPO_CLI_PROGRESS_H
#define HPO_CLI_PROGRESS_H

#include "hpo.h"

typedef enum hpo__progress_mode {
    HPO_PROGRESS_NONE = 0,
    HPO_PROGRESS_LINES = 1,
    HPO_PROGRESS_BAR = 2,
    HPO_PROGRESS_QUIET = 3
} hpo__progress_mode;

typedef struct hpo__progress hpo__progress;

/* Parse "auto", "bar", "lines", "none"; auto picks bar when stderr is a terminal
 * (and TERM is not "dumb"), lines otherwise. -1 for an unknown word. */
int hpo__progress_mode_from_string(const char *s, hpo__progress_mode *out);

/* A progress display; NULL when out of memory. `study` may give a best trial of
 * earlier runs (resumed studies) so the bar shows its parameters. */
hpo__progress *hpo__progress_create(hpo__progress_mode mode, hpo_study *study);
void hpo__progress_destroy(hpo__progress *p);

/* An hpo_event_fn; payload is the hpo__progress. */
void hpo__progress_on_event(const hpo_event *event, void *payload);

/* Remove the bar (before the summary). */
void hpo__progress_clear(hpo__progress *p);

/* The trial-directory root seen in the trials' "log_dir" attribute (the parent of
 * "<root>/trials/<n>"), or NULL when no trial reported one. */
const char *hpo__progress_trial_root(const hpo__progress *p);

/* Trials that finished during this run. */
long long hpo__progress_finished(const hpo__progress *p);

#endif
