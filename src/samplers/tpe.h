/*
 * tpe.h -- internals of the TPE sampler (samplers/tpe.c) exposed for its unit
 * test: the size of the "below" group and the below/above split of a history.
 * The sampler itself is reached through the registry ("tpe").
 */
#ifndef HPO_SAMPLERS_TPE_H
#define HPO_SAMPLERS_TPE_H

#include "samplers/sampler.h"

#include <stddef.h>
#include <stdint.h>

/* Number of observations in "below" for n finished trials: Optuna's
 * default_gamma min(ceil(g n), 25) with g = 0.1 by default. */
size_t hpo__tpe_gamma(double g, size_t n);

/* Split the history as the sampler does: complete trials by value (negated
 * when maximizing), then pruned ones, then (constant_liar only) running ones;
 * failed trials are ignored. Writes the history indices of "below" and "above"
 * (each in history order) into below[] and above[] (room for history->n each),
 * their counts, and the number of finished (complete + pruned) trials. */
int hpo__tpe_split(const hpo__history *history, double g, int constant_liar, size_t *below,
                   size_t *n_below, size_t *above, size_t *n_above, size_t *n_finished);

/* Clever code checked against a naive one: on random estimators (float, int
 * lattice, log float; univariate and joint; every option combination), the
 * largest |fast - naive| of the log density over many points. */
double hpo__tpe_selfcheck(uint64_t seed);

#endif
