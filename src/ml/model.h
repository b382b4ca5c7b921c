/*
 * model.h -- building hpo_model values (the public API is in hpo.h): the
 * cross-validation objective's refit hands over a fitted estimator, its
 * scaler and the training set's names.
 */
#ifndef HPO_ML_MODEL_H
#define HPO_ML_MODEL_H

#include "core/params.h"
#include "hpo.h"
#include "ml/dataset.h"
#include "ml/estimator.h"

typedef struct hpo__model_parts {
    const hpo__estimator_ops *ops;
    hpo__estimator *est;       /* fitted; owned by the model on success */
    const hpo__params *params; /* its hyperparameters (fixed + searched) */
    const hpo__scaler *scaler; /* NULL or kind NONE: no preprocessing */
    const hpo__dataset *train; /* names, task, classes, n */
    const char *scoring;
    double cv_score, test_score; /* NaN when unknown */
    size_t n_test;
    uint64_t seed;
} hpo__model_parts;

/* Serialises at once (the bytes are kept). On failure the caller still owns
 * parts->est. */
int hpo__model_build(const hpo__model_parts *parts, hpo_model **out);
/* The model's bytes (the file format), borrowed from the model. */
const void *hpo__model_bytes(const hpo_model *m, size_t *len);
/* Feature/target/class names (a data set with n = 0). */
const hpo__dataset *hpo__model_names(const hpo_model *m);
/* Predictions (and probabilities, n x n_classes, when proba != NULL) for rows
 * laid out as the model's features (hpo__dataset_parse_like). */
int hpo__model_predict(hpo_model *m, const hpo__dataset *ds, double *pred, double *proba);

#endif
