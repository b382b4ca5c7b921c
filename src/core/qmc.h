/*
 * qmc.h -- quasi-random designs on the unit cube: Sobol (optionally with a
 * linear matrix scramble and digital shift, as scipy.stats.qmc.Sobol), Halton
 * (optionally with random digit permutations, as scipy.stats.qmc.Halton),
 * Latin hypercube (as scipy.stats.qmc.LatinHypercube), and a keyed
 * pseudo-random permutation of [0, n) used to index designs without storing them.
 *
 * Every point is a pure function of (design parameters, seed, index): no state
 * changes after init, so points can be computed from several threads at once.
 */
#ifndef HPO_CORE_QMC_H
#define HPO_CORE_QMC_H

#include <stddef.h>
#include <stdint.h>

#define HPO__SOBOL_MAX_DIM 1024
#define HPO__HALTON_MAX_DIM 256

/* A bijection of [0, n): a balanced Feistel network over the smallest even
 * number of bits covering n, with cycle-walking. O(1) memory, expected O(1)
 * time per call. */
typedef struct hpo__perm {
    uint64_t n;
    unsigned half_bits;
    uint64_t keys[6];
} hpo__perm;

void hpo__perm_init(hpo__perm *p, uint64_t n, uint64_t seed, uint64_t stream);
/* The image of i (< n). */
uint64_t hpo__perm_apply(const hpo__perm *p, uint64_t i);

/* Sobol points in d dimensions with 32-bit resolution (indices < 2^32), direct
 * (not Gray-code) order: the first 2^k points are the same set either way. */
typedef struct hpo__sobol {
    size_t d;
    uint32_t *v;     /* d x 32 direction numbers (scrambled when asked) */
    uint32_t *shift; /* d digital shifts (0 when not scrambled) */
} hpo__sobol;

int hpo__sobol_init(hpo__sobol *s, size_t d, int scramble, uint64_t seed);
/* Point `seq` into out[0..d); HPO_EINVAL when seq >= 2^32. */
int hpo__sobol_point(const hpo__sobol *s, uint64_t seq, double *out);
void hpo__sobol_free(hpo__sobol *s);

/* Halton points on the first d primes; scrambled: one random permutation of
 * the digits per dimension and digit position (leading zeros included). */
typedef struct hpo__halton {
    size_t d;
    unsigned *base;
    unsigned *ndigits;
    uint16_t **perm; /* per dimension: ndigits x base entries, or NULL */
} hpo__halton;

int hpo__halton_init(hpo__halton *h, size_t d, int scramble, uint64_t seed);
void hpo__halton_point(const hpo__halton *h, uint64_t seq, double *out);
void hpo__halton_free(hpo__halton *h);

/* Latin hypercube of n points: coordinate j of point i is
 * (perm_j(i) + jitter_ij) / n, jitter uniform (scramble) or 0.5 (centred). */
typedef struct hpo__lhs {
    size_t d;
    uint64_t n;
    int scramble;
    uint64_t seed;
    hpo__perm *perms;
} hpo__lhs;

int hpo__lhs_init(hpo__lhs *l, size_t d, uint64_t n, int scramble, uint64_t seed);
/* HPO_EINVAL when seq >= n. */
int hpo__lhs_point(const hpo__lhs *l, uint64_t seq, double *out);
void hpo__lhs_free(hpo__lhs *l);

/* The i-th primitive polynomial over GF(2) in order of degree then value, as
 * a bit mask (bit s = x^s); exposed for tests. 0 past the table's end. */
uint32_t hpo__sobol_poly(size_t i);

#endif
