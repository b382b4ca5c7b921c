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
    HPO__CV_AUTO = 0, /* stratified for classification, plain for regression */
    HPO__CV_KFOLD = 1,
    HPO__CV_STRATIFIED = 2,
    HPO__CV_SHUFFLE = 3, /* ShuffleSplit: `folds` random splits of cv_test_size */
    HPO__CV_HOLDOUT = 4  /* one random split of cv_test_size (train_test_split) */
} hpo__cv_kind;

typedef struct hpo__cv_config {
    const char *origin;                    /* spec file, for messages */
    const char *estimator;                 /* registry name */
    const char *data_path;                 /* CSV, or NULL with images/labels (IDX) */
    const char *target;                    /* column name, "last" or NULL */
    const char *images, *labels;           /* IDX training data */
    const char *test_path;                 /* optional CSV test set */
    const char *test_images, *test_labels; /* optional IDX test set */
    double test_size;                      /* (0, 1): hold out this fraction as the test set */
    hpo__task task;                        /* AUTO: from the estimator, else from the target */
    size_t folds;                          /* >= 2 (>= 1 for shuffle) */
    hpo__cv_kind kind;
    int shuffle;
    double cv_test_size; /* shuffle/holdout: 0 = 0.1 (shuffle) or 0.25 (holdout) */
    size_t repeats;      /* > 1: Repeated(Stratified)KFold, each repeat shuffled */
    uint64_t seed;
    const char *scoring; /* NULL: accuracy (classification) or r2 (regression) */
    hpo__scaling scaling;
    const hpo__params *fixed; /* hyperparameters not searched (may be NULL) */
    /* Multi-fidelity (the scheduler's resource): NULL for none (a trial's
     * budget is then ignored), "n_samples" (scikit-learn's halving default:
     * every fold's training and test rows subsampled to budget / rows), or
     * the name of an integer hyperparameter of the estimator (set to the
     * budget; continued from the parent's checkpoint when it is the
     * estimator's resource_param). */
    const char *resource;
} hpo__cv_config;

/* Load the data, make the folds, check estimator, scorer, fixed parameters
 * and resource. HPO_ESPEC / HPO_EIO with a message naming the file, row,
 * column or key ("scheduler.resource: 'n_estimator' is not a hyperparameter of
 * xgboost (did you mean 'n_estimators'?)"). */
int hpo__cv_create(hpo__cv **out, const hpo__cv_config *cfg);
void hpo__cv_destroy(hpo__cv *cv);
/* Check a search space against the estimator before any trial runs: every
 * parameter is one the estimator knows, and each listed value, and each range's
 * bounds, is accepted (with the fixed parameters); none is the resource
 * parameter. HPO_ESPEC naming the parameter and value otherwise. */
int hpo__cv_check_space(const hpo__cv *cv, const hpo_space *space, const char *origin);
/* What successive halving's schedule needs: the training rows (scikit-learn's
 * _n_samples_orig: rows given to fit, after any test hold-out), the number of
 * CV splits (repeats included) and the number of distinct classes of the
 * training target (0 for regression). */
int hpo__cv_resource_info(const hpo__cv *cv, long long *n_samples, long long *n_splits,
                          long long *n_classes);
/* The rows fold `fold` fits and scores on at `budget` (NaN: no budget), as
 * the objective uses them: *n_train training rows then *n_test test rows in
 * one block *rows (hpo__free). With n_samples the subsample, in resample's
 * order; otherwise the fold's rows. HPO_EINVAL for a fold out of range or a
 * budget the data cannot give. */
int hpo__cv_fold_rows(const hpo__cv *cv, double budget, size_t fold, size_t **rows, size_t *n_train,
                      size_t *n_test);
/* An hpo_objective_fn; payload is the hpo__cv. Thread-safe.
 * With a resource and a trial budget b (hpo_trial_budget not NaN):
 *  - "n_samples": each fold's training and test rows are replaced by
 *    resample(rows, replace=False, n_samples=int(b / n * len(rows)),
 *    random_state=seed), as scikit-learn 1.2's _SubsampleMetaSplitter;
 *  - a hyperparameter: it is set to (long long)b. When it is the estimator's
 *    resource_param, each fold's fitted model is stored as the study artifact
 *    "ckpt/<trial number>/<fold>"; a trial with a parent and budget_start > 0
 *    continues the parent's fold models (fit_more, equal to a fit at b) or,
 *    when a checkpoint is missing, trains from scratch; a complete trial
 *    deletes its parent's checkpoints, a failed or pruned one its own.
 * The attribute "n_resources" records (long long)b, "resumed_folds" the folds
 * continued from a checkpoint (trials with a parent). */
int hpo__cv_objective(hpo_trial *trial, double *value, void *payload);
/* The scorer's name (after defaults). */
const char *hpo__cv_scoring(const hpo__cv *cv);
/* Spread (configuration x fold) jobs over `workers` threads, and give each
 * job max(1, cores / workers) library threads (BLAS, XGBoost) so that
 * concurrent jobs never oversubscribe the cores. 1 (the default) runs folds in
 * the trial's own thread. Call while no trial runs. */
int hpo__cv_set_workers(hpo__cv *cv, int workers);
/* scikit-learn's refit: fit `trial`'s configuration (over the fixed
 * parameters; a hyperparameter resource at the trial's budget) on all training
 * rows, score it on the test set when there is one, and build a model
 * (hpo_model). */
int hpo__cv_refit(hpo__cv *cv, const hpo_trial *trial, hpo_model **out);

#endif
