/*
 * nprandom.h -- numpy's legacy RandomState(seed) for the few places where
 * scikit-learn's results depend on its random draws and hpo must reproduce
 * them: MT19937 seeded as RandomState(int) seeds it, RandomState.shuffle of a
 * 1-D array, and sklearn.utils.resample(..., replace=False) (successive
 * halving's n_samples subsampling of every fold).
 */
#ifndef HPO_ML_NPRANDOM_H
#define HPO_ML_NPRANDOM_H

#include <stddef.h>
#include <stdint.h>

typedef struct hpo__mt19937 {
    uint32_t key[624];
    int pos;
} hpo__mt19937;

/* RandomState(seed) for 0 <= seed < 2^32 (init_genrand). */
void hpo__mt_seed(hpo__mt19937 *mt, uint32_t seed);
uint32_t hpo__mt_next32(hpo__mt19937 *mt);
/* A uniform integer in [0, max] as numpy's random_interval (masked rejection). */
uint64_t hpo__mt_interval(hpo__mt19937 *mt, uint64_t max);
/* RandomState.shuffle of a 1-D array of n elements. */
void hpo__mt_shuffle(hpo__mt19937 *mt, size_t *a, size_t n);
/* resample(a, replace=False, n_samples=m, random_state=seed): the first m of
 * a shuffled permutation of positions, applied to a (order kept as numpy
 * gives it). `out` holds m; `scratch` n. m <= n. */
void hpo__np_resample(const size_t *a, size_t n, size_t m, uint32_t seed, size_t *scratch,
                      size_t *out);

#endif
