/*
 * split.h -- cross-validation splitters with scikit-learn's exact assignment
 * (semantics-notes.md item 9): KFold, StratifiedKFold (shuffle=False exact;
 * shuffle=True seeded with hpo's RNG, so the folds differ from numpy's but keep
 * the same sizes and stratification), ShuffleSplit, RepeatedKFold and
 * RepeatedStratifiedKFold.
 */
#ifndef HPO_ML_SPLIT_H
#define HPO_ML_SPLIT_H

#include <stddef.h>
#include <stdint.h>

typedef struct hpo__fold {
    size_t *train, *test; /* sorted row indices, as scikit-learn yields them */
    size_t n_train, n_test;
} hpo__fold;

/* Each returns k folds (release with hpo__folds_free). HPO_EINVAL with a clear
 * message for k < 2, k > n, and (stratified) a class with fewer members than
 * ... as scikit-learn: error if every class has fewer than k members, a warning
 * case otherwise (allowed). */
int hpo__kfold(size_t n, size_t k, int shuffle, uint64_t seed, hpo__fold **out);
int hpo__stratified_kfold(const double *y, size_t n, size_t k, int shuffle, uint64_t seed,
                          hpo__fold **out);
/* n_splits random splits with test_size = round-up(test_fraction * n) rows. */
int hpo__shuffle_split(size_t n, size_t n_splits, double test_fraction, uint64_t seed,
                       hpo__fold **out);
/* n_repeats x k folds, repeat r shuffled with stream r of the seed. */
int hpo__repeated_kfold(const double *y_or_null, size_t n, size_t k, size_t n_repeats,
                        uint64_t seed, hpo__fold **out);
void hpo__folds_free(hpo__fold *folds, size_t count);

#endif
