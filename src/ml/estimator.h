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

#include <stdint.h>

typedef struct hpo__estimator hpo__estimator;

typedef struct hpo__hyper {
    const char *name;
    const char *type;          /* "float", "int", "string", "bool" */
    const char *default_text;  /* as scikit-learn's default, e.g. "5", "uniform" */
    const char *doc;           /* one line */
} hpo__hyper;

#define HPO__ESTIMATOR_OPS_VERSION 1

typedef struct hpo__estimator_ops {
    unsigned version;
    const char *name;                 /* "knn", "svc", ... */
    int tasks;                        /* bit 1 classification, bit 2 regression */
    const hpo__hyper *hypers;         /* terminated by {NULL} */
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
} hpo__estimator_ops;

const hpo__estimator_ops *hpo__estimator_find(const char *name);
const char *const *hpo__estimator_names(void);

#endif
