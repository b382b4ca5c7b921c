/*
 * scoring.h -- scikit-learn's scorers by name, with the same values:
 * accuracy, balanced_accuracy, f1 (binary), f1_macro, f1_weighted, precision,
 * recall (binary), roc_auc (binary; one-vs-rest macro for multiclass),
 * neg_log_loss, r2, neg_mean_squared_error, neg_root_mean_squared_error,
 * neg_mean_absolute_error. Every scorer is "greater is better" as in
 * scikit-learn (hence the neg_ prefixes), so a study on it maximizes.
 * Zero-division cases follow scikit-learn's defaults (0.0 with its warning).
 */
#ifndef HPO_ML_SCORING_H
#define HPO_ML_SCORING_H

#include <stddef.h>

typedef struct hpo__scorer_info {
    const char *name;
    int needs_proba;    /* roc_auc, neg_log_loss */
    int classification; /* 1 classification, 0 regression */
} hpo__scorer_info;

/* Lookup; NULL with a did-you-mean message when unknown. */
const hpo__scorer_info *hpo__scorer_find(const char *name);
/* NULL-terminated list of names. */
const char *const *hpo__scorer_names(void);

/* Score predictions. y_true and y_pred hold class indices (classification) or
 * values; proba is n x n_classes (rows sum to 1) when the scorer needs it, else
 * may be NULL. HPO_EINVAL with a message for impossible cases (roc_auc with one
 * class present, f1/precision/recall binary on multiclass data). */
int hpo__score(const hpo__scorer_info *s, const double *y_true, const double *y_pred,
               const double *proba, size_t n, size_t n_classes, double *out);

#endif
