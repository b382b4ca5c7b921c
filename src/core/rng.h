/*
 * rng.h -- the library's only random number generator: xoshiro256** seeded by
 * splitmix64 from (seed, stream). Streams make proposals a pure function of
 * (study seed, proposal index), so concurrent workers and resumed studies see
 * the same sequence as a single uninterrupted run. No rand(), no globals.
 */
#ifndef HPO_CORE_RNG_H
#define HPO_CORE_RNG_H

#include <stdint.h>

typedef struct hpo__rng {
    uint64_t s[4];
} hpo__rng;

/* Seed the generator for (seed, stream); different streams are independent. */
void hpo__rng_seed(hpo__rng *r, uint64_t seed, uint64_t stream);
uint64_t hpo__rng_next(hpo__rng *r);
/* Uniform double in [0, 1) with 53 random bits. */
double hpo__rng_uniform(hpo__rng *r);
/* Uniform integer in [0, n) without modulo bias; n >= 1. */
uint64_t hpo__rng_below(hpo__rng *r, uint64_t n);
/* Standard normal (Box-Muller, no cached state). */
double hpo__rng_normal(hpo__rng *r);

#endif
