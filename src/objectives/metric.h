/*
 * metric.h -- reading a metric out of a training command's output.
 *
 * A compiled matcher (hpo__metric) is immutable after creation and may be shared
 * by many threads; each scan keeps its own state in an hpo__metric_run. Line forms
 * (docs: conventions 1.3), per line, first match only:
 *   - zero-config: the metric name as a whole token, optional blanks, '=' or ':',
 *     optional blanks, a float (nan, inf, -inf, Infinity accepted, any case):
 *     "loss=3.0e-02", "loss: 0.1", "epoch 2 - loss: 0.44 - val_accuracy: 0.84";
 *   - a PCRE2 pattern with a (?<value>...) group and optionally (?<step>...)
 *     (Python's (?P<name>...) is accepted too) replaces the zero-config form;
 *   - structured: `hpo: {"step": 3, "loss": 0.81}` is always accepted.
 * Steps: an integer after the step key ("step"/"epoch", any case, or the
 * configured key) on the same line or the most recent earlier line; when the key
 * never appeared, the n-th match is step n, counted from 1 like epochs.
 * Final value: last | max | min over the matches; max/min ignore NaN unless every
 * value is NaN (fmax/fmin semantics).
 * ANSI colour sequences are removed before matching.
 * Lines longer than HPO__METRIC_MAX_LINE bytes are truncated (the rest of the line
 * is dropped); a '\r' not followed by '\n' restarts the line, so progress bars
 * count only as their final state. Cost: O(bytes * name length) per scan.
 */
#ifndef HPO_OBJECTIVES_METRIC_H
#define HPO_OBJECTIVES_METRIC_H

#include "hpo.h"

#include <stddef.h>

#define HPO__METRIC_MAX_LINE (64 * 1024)
#define HPO__METRIC_TAIL 5
#define HPO__METRIC_TAIL_WIDTH 200

typedef struct hpo__metric hpo__metric;

typedef struct hpo__metric_config {
    const char *name;     /* zero-config name; the key of hpo: lines and results files */
    const char *regex;    /* optional PCRE2 pattern */
    const char *step_key; /* NULL: "step" or "epoch" */
    hpo_metric_strategy strategy;
} hpo__metric_config;

/* Compile a matcher. HPO_EINVAL when neither name nor regex is given, for a bad
 * strategy, or when the regex does not compile (PCRE2 message and offset) or has
 * no group named "value". */
int hpo__metric_create(hpo__metric **out, const hpo__metric_config *cfg);
void hpo__metric_destroy(hpo__metric *m);
/* The key hpo: lines and results files are read with ("value" for a regex only). */
const char *hpo__metric_key(const hpo__metric *m);
/* A description for messages: "'loss'" or "pattern '...'" */
const char *hpo__metric_describe(const hpo__metric *m);

/* Called for every value found; a non-zero return stops the scan and is returned
 * by the feeding call. */
typedef int (*hpo__metric_fn)(long long step, double value, void *payload);

typedef struct hpo__metric_run {
    const hpo__metric *m;
    hpo__metric_fn cb;
    void *payload;
    void *match_data; /* pcre2_match_data_8 *, per run */
    long long key_step;
    int has_key_step;
    size_t n;
    double last, max, min;
    int stopped; /* a callback returned non-zero: later input is ignored */
    /* line assembly */
    char *line;
    size_t len;
    int truncated;
    int pending_cr;
    /* the last lines seen, for messages */
    char tail[HPO__METRIC_TAIL][HPO__METRIC_TAIL_WIDTH + 1];
    size_t tail_next, tail_count;
} hpo__metric_run;

int hpo__metric_run_init(hpo__metric_run *r, const hpo__metric *m, hpo__metric_fn cb,
                         void *payload);
/* Feed a chunk of output (any split). Returns 0, HPO_ENOMEM or the callback's code. */
int hpo__metric_run_feed(hpo__metric_run *r, const char *data, size_t len);
/* End of output: process a final unterminated line. */
int hpo__metric_run_finish(hpo__metric_run *r);
/* Process one complete line (no newline). */
int hpo__metric_run_line(hpo__metric_run *r, const char *line, size_t len);
/* The final value by the strategy; NaN when there was no match. */
double hpo__metric_run_value(const hpo__metric_run *r);
/* The last lines joined with " | " into buf. */
void hpo__metric_run_tail(const hpo__metric_run *r, char *buf, size_t size);
void hpo__metric_run_free(hpo__metric_run *r);

/* Whole-text scan: the fuzzable core. cb may be NULL. *value and *n are set on success
 * (value NaN when n is 0). */
int hpo__metric_parse(const hpo__metric *m, const char *data, size_t len, hpo__metric_fn cb,
                      void *payload, double *value, size_t *n);

/* A results file: {"<key>": v, "step": s}, a list of such objects, or a bare
 * number. Values go to cb in order; *n may be 0 when the key is absent.
 * HPO_EINVAL with a message when the JSON is malformed. */
int hpo__metric_parse_results(const hpo__metric *m, const char *data, size_t len, hpo__metric_fn cb,
                              void *payload, double *value, size_t *n);

#endif
