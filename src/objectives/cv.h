/*
 * cv.h -- the cross-validated built-in-estimator objective (issue 3): a trial's
 * value is the mean of a scikit-learn scorer over the folds of a data set, each
 * fold fitting preprocessing and the estimator on its training rows only.
 * Per-fold scores and fit/score times are stored as trial attributes named as
 * scikit-learn's cv_results_ columns (split<k>_test_score, mean_fit_time, ...).
 */
#ifndef HPO_OBJECTIVES_CV_H
#define HPO_OBJECTIVES_CV_H

#include "core/params.h"
#include "hpo.h"
#include "ml/dataset.h"

#include <stdint.h>

typedef struct hpo__cv hpo__cv;

typedef enum hpo__cv_kind {
    HPO__CV_AUTO = 0,       /* stratified for classification, plain for regression */
    HPO__CV_KFOLD = 1,
    HPO__CV_STRATIFIED = 2
} hpo__cv_kind;

typedef struct hpo__cv_config {
    const char *origin;     /* spec file, for messages */
    const char *estimator;  /* registry name */
    const char *data_path;  /* CSV */
    const char *target;     /* column name, "last" or NULL */
    size_t folds;           /* >= 2 */
    hpo__cv_kind kind;
    int shuffle;
    uint64_t seed;
    const char *scoring;    /* NULL: accuracy (classification) or r2 (regression) */
    hpo__scaling scaling;
    const hpo__params *fixed; /* hyperparameters not searched (may be NULL) */
} hpo__cv_config;

/* Load the data, make the folds, check estimator, scorer and fixed parameters.
 * HPO_ESPEC / HPO_EIO with a message naming the file, row, column or key. */
int hpo__cv_create(hpo__cv **out, const hpo__cv_config *cfg);
void hpo__cv_destroy(hpo__cv *cv);
/* Check a search space against the estimator before any trial runs: every
 * parameter is one the estimator knows, and each listed value, and each range's
 * bounds, is accepted (with the fixed parameters). HPO_ESPEC naming the
 * parameter and value otherwise. */
int hpo__cv_check_space(const hpo__cv *cv, const hpo_space *space, const char *origin);
/* An hpo_objective_fn; payload is the hpo__cv. Thread-safe. */
int hpo__cv_objective(hpo_trial *trial, double *value, void *payload);
/* The scorer's name (after defaults). */
const char *hpo__cv_scoring(const hpo__cv *cv);

#endif
