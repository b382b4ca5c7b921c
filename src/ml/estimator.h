/*
 * estimator.h -- the interface of built-in estimators (issue 3), one file per
 * estimator in src/ml/estimators/ behind one ops table, and the registry.
 * Hyperparameters arrive by name as hpo__params (the trial's parameters plus
 * the spec's fixed ones), named as scikit-learn / XGBoost name them; unknown
 * names and out-of-range values are refused at create with a clear message.
 */
#ifndef HPO_ML_ESTIMATOR_H
#define HPO_ML_ESTIMATOR_H

#include "core/params.h"
#include "ml/dataset.h"
#include "util/util.h"

#include <stdint.h>

typedef struct hpo__estimator hpo__estimator;

typedef struct hpo__hyper {
    const char *name;
    const char *type;         /* "float", "int", "string", "bool" */
    const char *default_text; /* as scikit-learn's default, e.g. "5", "uniform" */
    const char *doc;          /* one line */
} hpo__hyper;

#define HPO__ESTIMATOR_OPS_VERSION 2

typedef struct hpo__estimator_ops {
    unsigned version;
    const char *name;         /* "knn", "svc", ... */
    int tasks;                /* bit 1 classification, bit 2 regression */
    const hpo__hyper *hypers; /* terminated by {NULL} */
    /* Validate hyperparameters; HPO_EINVAL "knn: n_neighbors must be >= 1, got 0". */
    int (*create)(hpo__estimator **out, hpo__task task, const hpo__params *hp, uint64_t seed);
    void (*destroy)(hpo__estimator *e);
    /* Fit on n rows (X row-major n*d); y class indices or values. */
    int (*fit)(hpo__estimator *e, const double *X, const double *y, size_t n, size_t d,
               size_t n_classes);
    /* Class indices or values for n rows. */
    int (*predict)(hpo__estimator *e, const double *X, size_t n, double *out);
    /* n x n_classes probabilities; NULL when the estimator has none. */
    int (*predict_proba)(hpo__estimator *e, const double *X, size_t n, double *out);

    /* ---- optional entries (NULL when absent) */
    /* Classifiers with a decision function (svc, linear models), as
     * scikit-learn's decision_function: binary -> n values, positive means
     * class index 1; multiclass -> n x n_classes one-vs-rest scores
     * (decision_function_shape='ovr'). scikit-learn's threshold scorers
     * (roc_auc on binary targets) use it in preference to predict_proba. */
    int (*decision_function)(hpo__estimator *e, const double *X, size_t n, double *out);
    /* The fitted model as bytes appended to `out` (the estimator's own
     * portable format: fixed-width little-endian numbers or the library's
     * serialisation), and back: `load` fills a model made by `create` with the
     * same task and hyperparameters. HPO_ESPEC on truncated or foreign bytes. */
    int (*save)(hpo__estimator *e, hpo__buf *out);
    int (*load)(hpo__estimator *e, const void *data, size_t len);
    /* Continue training a fitted (or loaded) model on the same data up to
     * `resource` in total of its resource parameter (`resource_param`: epochs
     * for mlp, n_estimators for boosting). Continuing from k to N equals one
     * fit with the parameter at N, bit for bit (same seed). */
    const char *resource_param;
    int (*fit_more)(hpo__estimator *e, const double *X, const double *y, size_t n, size_t d,
                    size_t n_classes, long long resource);
    /* Threads one fit/predict may use (OpenMP/BLAS/XGBoost nthread); the
     * caller divides the cores among concurrent jobs. Default 1. */
    int (*set_threads)(hpo__estimator *e, int threads);
} hpo__estimator_ops;

/* Conventions for estimator files: each defines its own model struct and
 * converts pointers to and from hpo__estimator * (which is never defined), so
 * no two files define the same struct differently. fit copies what predict
 * needs (the caller may free X and y after fit). Models are not shared between
 * threads; distinct models run concurrently. */

/* The registry. find: NULL with HPO_EINVAL "unknown estimator 'knm' (did you
 * mean 'knn'?)" in hpo_errmsg() when absent. names: NULL-terminated, static. */
const hpo__estimator_ops *hpo__estimator_find(const char *name);
const char *const *hpo__estimator_names(void);

/* Estimators in the registry. */
extern const hpo__estimator_ops hpo__knn_ops;
extern const hpo__estimator_ops hpo__svc_ops, hpo__svr_ops; /* svm.c */
extern const hpo__estimator_ops hpo__logistic_regression_ops, hpo__linear_svc_ops,
    hpo__linear_svr_ops;                                                  /* linear.c */
extern const hpo__estimator_ops hpo__xgboost_ops, hpo__random_forest_ops; /* xgb.c */
extern const hpo__estimator_ops hpo__mlp_ops;                             /* mlp.c */

/* ---- reading hyperparameters in create (shared by every estimator)
 * `est` is the estimator's name for messages. Each getter sets *out to `def`
 * when the name is absent and returns HPO_EINVAL with a one-line message
 * ("knn: n_neighbors must be >= 1, got 0") on a wrong type or range. */

/* Refuse names not in `hypers` ({NULL}-terminated): "knn: unknown parameter
 * 'n_neighbour' (did you mean 'n_neighbors'?)". */
int hpo__hp_check_names(const char *est, const hpo__params *hp, const hpo__hyper *hypers);
/* The value of `name` or NULL (for parameters of mixed type, e.g. gamma). */
const hpo_value *hpo__hp_get(const hpo__params *hp, const char *name);
/* An int in [lo, hi] (LLONG_MIN / LLONG_MAX for no bound); an integral float
 * (5.0) is accepted as 5. */
int hpo__hp_int(const char *est, const hpo__params *hp, const char *name, long long def,
                long long lo, long long hi, long long *out);
#define HPO__HP_OPEN_LOW 1  /* lo excluded: "must be > 0" */
#define HPO__HP_OPEN_HIGH 2 /* hi excluded */
/* A finite float (an int is accepted) in [lo, hi] (-INFINITY / INFINITY for no
 * bound), ends excluded per `open` (HPO__HP_OPEN_*). */
int hpo__hp_float(const char *est, const hpo__params *hp, const char *name, double def, double lo,
                  double hi, int open, double *out);
/* One of `choices` (NULL-terminated strings): its index; `def` is an index.
 * "knn: weights must be one of 'uniform', 'distance', got 'unifrom' (did you
 * mean 'uniform'?)". */
int hpo__hp_choice(const char *est, const hpo__params *hp, const char *name,
                   const char *const *choices, size_t def, size_t *out);
int hpo__hp_bool(const char *est, const hpo__params *hp, const char *name, int def, int *out);

/* ---- the cheat sheet's table (cheatsheet.c), for tests: entry i of an
 * estimator's recommended space (its parameter and hpo space syntax). */
size_t hpo__cheatsheet_count(const char *estimator);
int hpo__cheatsheet_entry(const char *estimator, size_t i, const char **param, const char **value);

/* ---- knn internals, for tests: scikit-learn's ArgKmin result depends on its
 * OpenMP thread count when distances tie (see knn.c); hpo emulates `threads`
 * (default 1, i.e. OMP_NUM_THREADS=1). HPO_EINVAL unless 1 <= threads <= 1024. */
int hpo__knn_set_threads(hpo__estimator *e, int threads);

#endif
