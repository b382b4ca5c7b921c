/*
 * rng.c -- xoshiro256** (Blackman & Vigna, 2018) seeded by splitmix64.
 *
 * The state for (seed, stream) is four successive splitmix64 outputs started
 * from a mix of both numbers, so nearby seeds and streams give unrelated
 * sequences. Reference outputs of xoshiro256** itself are checked in
 * tests/unit/test_rng.c. Every call is O(1); there is no global state.
 */
#include "core/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void hpo__rng_seed(hpo__rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t a = seed;
    uint64_t mixed = splitmix64(&a);
    uint64_t b = stream ^ 0xD1B54A32D192ED03ULL;
    mixed ^= splitmix64(&b) * 0x2545F4914F6CDD1DULL;
    uint64_t x = mixed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
        r->s[0] = 1; /* the all-zero state is a fixed point */
}

uint64_t hpo__rng_next(hpo__rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double hpo__rng_uniform(hpo__rng *r)
{
    return (double)(hpo__rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t hpo__rng_below(hpo__rng *r, uint64_t n)
{
    if (n <= 1)
        return 0;
    /* Rejection of the low (2^64 mod n) values removes the modulo bias. */
    uint64_t threshold = (0 - n) % n;
    for (;;) {
        uint64_t x = hpo__rng_next(r);
        if (x >= threshold)
            return x % n;
    }
}

double hpo__rng_normal(hpo__rng *r)
{
    double u1 = 1.0 - hpo__rng_uniform(r); /* (0, 1]: log is finite */
    double u2 = hpo__rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
