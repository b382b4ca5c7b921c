/*
 * spec.h -- internal form of a study spec (public handle hpo_spec in hpo.h).
 *
 * The parser (YAML via libyaml, JSON via jansson) reads either syntax into one
 * node tree with line/column marks (spec_tree.c), then one validator
 * (spec_schema.c) turns the tree into this struct, so both syntaxes share every
 * rule and message. Messages read "origin:line:col: key.path: what is wrong".
 *
 * Scalar resolution (YAML 1.2 core style, ../shared/conventions.md 4.1):
 * plain 1e-3, 1E3, .inf, -.inf, .nan are numbers; only true/false are booleans;
 * quoted scalars are always strings.
 */
#ifndef HPO_SPEC_SPEC_H
#define HPO_SPEC_SPEC_H

#include "core/params.h"
#include "hpo.h"

typedef struct hpo__spec_command {
    char **argv; /* template elements */
    size_t argc;
    int shell;
    hpo_kv *env; /* owned key/value strings */
    size_t n_env;
    char *workdir;
    char *metric; /* metric.name */
    char *metric_regex;
    char *step_key;
    hpo_metric_strategy strategy;
    double kill_grace; /* seconds, 0 = default */
} hpo__spec_command;

typedef struct hpo__spec_estimator {
    int set; /* objective.estimator given */
    char *name;
    char *data_path;
    char *target; /* NULL = last column */
    size_t folds; /* default 5 */
    int kind;     /* hpo__cv_kind */
    int shuffle;
    char *scoring; /* NULL = accuracy / r2 */
    int scaling;   /* hpo__scaling */
    hpo__params fixed;
    int task;              /* hpo__task: 0 auto */
    char *test_path;       /* data.test (CSV) */
    double test_size;      /* data.test_size, 0 = none */
    char *images, *labels; /* data.images / data.labels (IDX) */
    char *test_images, *test_labels;
    double cv_test_size; /* cv.test_size (shuffle_split / holdout) */
    size_t repeats;      /* cv.repeats: Repeated(Stratified)KFold, 0 = 1 */
    int refit;           /* default 1 */
} hpo__spec_estimator;

struct hpo_spec {
    char *origin;            /* file name for messages */
    char *text;              /* the spec as given (stored with the study) */
    char *study;             /* required */
    char *storage;           /* default "sqlite:///hpo.db" */
    hpo_direction direction; /* default minimize */
    unsigned long long seed; /* default 0 */
    hpo_space *space;        /* built with the public space API */
    char *sampler;           /* default "random" */
    hpo_kv *sampler_options; /* owned; every key but "name" of the sampler mapping */
    size_t n_sampler_options;
    char *scheduler;           /* NULL = none */
    hpo_kv *scheduler_options; /* owned; every key but "name" of the scheduler mapping */
    size_t n_scheduler_options;
    long long n_trials;          /* default: the grid size for grid, 10 otherwise (n_iter) */
    int workers;                 /* default 1 */
    double timeout;              /* seconds, 0 = none ("2h", "30m", "45s", or a number) */
    double trial_timeout;        /* seconds, 0 = none */
    long long max_failed_trials; /* 0 = no limit */
    /* stop: stoppers (hpo_optimize_options), 0 = off */
    double stop_delta_y, stop_delta_x, stop_deadline, stop_target;
    long long stop_patience;
    int stop_has_target;
    char *output;              /* default "runs/<study>" */
    int output_set;            /* output given in the spec or by an override */
    int n_trials_set;          /* n_trials given in the spec or by an override */
    hpo__spec_command command; /* objective.command */
    hpo__spec_estimator est;   /* objective.estimator (instead of a command) */
    int direction_set;
    char *objective_json;    /* canonical JSON of the objective (study identity) */
    char *export_csv;        /* export.cv_results / export.csv path, or NULL */
    char *export_json;       /* export.json path, or NULL */
    struct hpo_command *cmd; /* created lazily by hpo_spec_run */
    struct hpo__cv *cv;      /* likewise, for an estimator objective */
};

struct hpo__node;
/* Validate a parsed tree into `s` (zeroed, origin and text set). */
int hpo__spec_from_tree(hpo_spec *s, const struct hpo__node *root, const char *origin);
/* Set the default n_trials (grid size for grid, else 10) unless one was given. */
void hpo__spec_default_n_trials(hpo_spec *s);
/* Re-validate the sampler against the space after an override. */
int hpo__spec_check_sampler(hpo_spec *s);

/* Create the spec's objective (command or cross-validated estimator) now,
 * so that data and parameter errors show before a study is opened. */
int hpo__spec_prepare(hpo_spec *s);

/* Parse durations: "90", "90s", "20m", "2h", "1h30m", "1.5d" -> seconds. */
int hpo__parse_duration(const char *s, double *out);

#endif
