/*
 * qmc.c -- Sobol, Halton and Latin hypercube designs, and keyed permutations.
 *
 * Sobol (Bratley & Fox 1988): dimension 0 is van der Corput in base 2; the
 * dimension j >= 1 uses the j-th primitive polynomial over GF(2) (found by code:
 * x has order 2^s - 1 modulo it) and initial direction numbers m_i, odd and
 * below 2^i, drawn once from a fixed splitmix64 stream (our own table, not
 * Joe & Kuo's). Every one-dimensional projection is a (0,1)-sequence: the first
 * 2^k points fall one in each interval [i/2^k, (i+1)/2^k). Scrambling follows
 * scipy (Owen 1998 / Matousek): a random lower-triangular binary matrix with unit
 * diagonal times the generator matrix, then a random digital shift; both keep
 * the stratification.
 *
 * Halton: radical inverses in the first d primes; scrambled with one random
 * digit permutation per dimension and digit position over all digits a double
 * can hold, so leading zeros are permuted too (first p^k points still stratify).
 *
 * LHS: per dimension a keyed permutation of the n strata plus a jitter drawn
 * from the (seed, index) stream; nothing of size n is stored.
 *
 * Costs: Sobol init O(d * 32) after finding polynomials (O(2^13) small tests),
 * a point O(d * 32); Halton init O(sum of base * digits), a point O(d * digits);
 * LHS a point O(d).
 */
#include "core/qmc.h"

#include "core/rng.h"
#include "util/util.h"

#include <math.h>
#include <string.h>

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* ------------------------------------------------------------ permutations */

void hpo__perm_init(hpo__perm *p, uint64_t n, uint64_t seed, uint64_t stream)
{
    unsigned bits = 2;
    while (bits < 64 && (1ULL << bits) < n)
        bits++;
    bits += bits & 1;
    p->n = n;
    p->half_bits = bits / 2;
    hpo__rng r;
    hpo__rng_seed(&r, seed, stream ^ 0x7065726D75746531ULL);
    for (int i = 0; i < 6; i++)
        p->keys[i] = hpo__rng_next(&r);
}

static uint64_t feistel(const hpo__perm *p, uint64_t x)
{
    unsigned h = p->half_bits;
    uint64_t mask = h >= 64 ? ~0ULL : (1ULL << h) - 1;
    uint64_t left = (x >> h) & mask, right = x & mask;
    for (int i = 0; i < 6; i++) {
        uint64_t f = mix64(right ^ p->keys[i]) & mask;
        uint64_t t = left ^ f;
        left = right;
        right = t;
    }
    return (left << h) | right;
}

uint64_t hpo__perm_apply(const hpo__perm *p, uint64_t i)
{
    if (p->n <= 1)
        return 0;
    uint64_t x = i;
    do {
        x = feistel(p, x);
    } while (x >= p->n);
    return x;
}

/* ------------------------------------------------------------ GF(2) polynomials */

static uint32_t gf2_mulmod(uint32_t a, uint32_t b, uint32_t mod, unsigned deg)
{
    uint32_t r = 0;
    while (b) {
        if (b & 1)
            r ^= a;
        b >>= 1;
        a <<= 1;
        if (a & (1u << deg))
            a ^= mod;
    }
    return r;
}

static uint32_t gf2_powx(uint64_t e, uint32_t mod, unsigned deg)
{
    uint32_t result = 1, base = deg == 1 ? (2u ^ mod) : 2u; /* x mod p */
    while (e) {
        if (e & 1)
            result = gf2_mulmod(result, base, mod, deg);
        base = gf2_mulmod(base, base, mod, deg);
        e >>= 1;
    }
    return result;
}

static int gf2_primitive(uint32_t poly, unsigned deg)
{
    uint64_t order = (1ULL << deg) - 1;
    if (gf2_powx(order, poly, deg) != 1)
        return 0;
    uint64_t m = order;
    for (uint64_t q = 2; q * q <= m; q++) {
        if (m % q)
            continue;
        if (gf2_powx(order / q, poly, deg) == 1)
            return 0;
        while (m % q == 0)
            m /= q;
    }
    if (m > 1 && m != order && gf2_powx(order / m, poly, deg) == 1)
        return 0;
    return 1;
}

uint32_t hpo__sobol_poly(size_t i)
{
    size_t k = 0;
    for (unsigned deg = 1; deg <= 16; deg++) {
        for (uint32_t c = (1u << deg) | 1u; c < (1u << (deg + 1)); c += 2) {
            if (gf2_primitive(c, deg)) {
                if (k == i)
                    return c;
                k++;
            }
        }
    }
    return 0;
}

/* ------------------------------------------------------------ Sobol */

void hpo__sobol_free(hpo__sobol *s)
{
    if (!s)
        return;
    hpo__free(s->v);
    hpo__free(s->shift);
    s->v = s->shift = NULL;
    s->d = 0;
}

static int parity32(uint32_t x)
{
    return __builtin_parity(x);
}

int hpo__sobol_init(hpo__sobol *s, size_t d, int scramble, uint64_t seed)
{
    memset(s, 0, sizeof *s);
    if (d < 1 || d > HPO__SOBOL_MAX_DIM)
        return hpo__err(HPO_EINVAL, "sobol: dimension %zu is outside [1, %d]", d,
                        HPO__SOBOL_MAX_DIM);
    uint32_t *v = hpo__calloc(d * 32, sizeof *v);
    uint32_t *shift = hpo__calloc(d, sizeof *shift);
    if (!v || !shift) {
        hpo__free(v);
        hpo__free(shift);
        return hpo__enomem();
    }
    for (int i = 0; i < 32; i++)
        v[i] = 1u << (31 - i);
    /* walk the primitive polynomials once, in order */
    size_t j = 1;
    for (unsigned deg = 1; deg <= 16 && j < d; deg++) {
        for (uint32_t c = (1u << deg) | 1u; c < (1u << (deg + 1)) && j < d; c += 2) {
            if (!gf2_primitive(c, deg))
                continue;
            uint32_t m[33];
            uint64_t st = 0x50B01ULL * (uint64_t)j;
            for (unsigned i = 1; i <= deg; i++) {
                uint64_t r = mix64(st + i);
                m[i] = i == 1 ? 1u : (uint32_t)((r % (1ULL << (i - 1))) * 2 + 1);
            }
            for (unsigned i = deg + 1; i <= 32; i++) {
                uint32_t x = m[i - deg] ^ (m[i - deg] << deg);
                for (unsigned k = 1; k < deg; k++)
                    if ((c >> (deg - k)) & 1)
                        x ^= m[i - k] << k;
                m[i] = x;
            }
            for (unsigned i = 1; i <= 32; i++)
                v[j * 32 + (i - 1)] = m[i] << (32 - i);
            j++;
        }
    }
    if (scramble) {
        hpo__rng r;
        hpo__rng_seed(&r, seed, 0x50B0125C4A3B1EULL);
        for (size_t dim = 0; dim < d; dim++) {
            uint32_t lmask[32];
            for (int row = 0; row < 32; row++) {
                uint32_t above = row == 0 ? 0u : ~((uint32_t)((1ULL << (32 - row)) - 1));
                lmask[row] = (1u << (31 - row)) | ((uint32_t)hpo__rng_next(&r) & above);
            }
            for (int col = 0; col < 32; col++) {
                uint32_t old = v[dim * 32 + col], nv = 0;
                for (int row = 0; row < 32; row++)
                    if (parity32(old & lmask[row]))
                        nv |= 1u << (31 - row);
                v[dim * 32 + col] = nv;
            }
            shift[dim] = (uint32_t)(hpo__rng_next(&r) >> 32);
        }
    }
    s->d = d;
    s->v = v;
    s->shift = shift;
    return 0;
}

int hpo__sobol_point(const hpo__sobol *s, uint64_t seq, double *out)
{
    if (seq >> 32)
        return hpo__err(HPO_EINVAL, "sobol: index %llu is past 2^32 points",
                        (unsigned long long)seq);
    for (size_t j = 0; j < s->d; j++) {
        uint32_t x = s->shift[j];
        const uint32_t *v = s->v + j * 32;
        for (int k = 0; k < 32; k++)
            if ((seq >> k) & 1)
                x ^= v[k];
        out[j] = (double)x * 0x1.0p-32;
    }
    return 0;
}

/* ------------------------------------------------------------ Halton */

void hpo__halton_free(hpo__halton *h)
{
    if (!h)
        return;
    if (h->perm)
        for (size_t j = 0; j < h->d; j++)
            hpo__free(h->perm[j]);
    hpo__free(h->perm);
    hpo__free(h->base);
    hpo__free(h->ndigits);
    memset(h, 0, sizeof *h);
}

int hpo__halton_init(hpo__halton *h, size_t d, int scramble, uint64_t seed)
{
    memset(h, 0, sizeof *h);
    if (d < 1 || d > HPO__HALTON_MAX_DIM)
        return hpo__err(HPO_EINVAL, "halton: dimension %zu is outside [1, %d]", d,
                        HPO__HALTON_MAX_DIM);
    h->d = d;
    h->base = hpo__calloc(d, sizeof *h->base);
    h->ndigits = hpo__calloc(d, sizeof *h->ndigits);
    h->perm = hpo__calloc(d, sizeof *h->perm);
    if (!h->base || !h->ndigits || !h->perm)
        goto oom;
    unsigned p = 2;
    for (size_t j = 0; j < d; p++) {
        int prime = 1;
        for (unsigned q = 2; q * q <= p && prime; q++)
            prime = p % q != 0;
        if (!prime)
            continue;
        h->base[j] = p;
        unsigned k = 0;
        double pk = 1;
        while (pk * p <= 9007199254740992.0) {
            pk *= p;
            k++;
        }
        h->ndigits[j] = k;
        if (scramble) {
            uint16_t *perm = hpo__malloc((size_t)k * p * sizeof *perm);
            if (!perm)
                goto oom;
            h->perm[j] = perm;
            hpo__rng r;
            hpo__rng_seed(&r, seed, 0x4A170000ULL + j);
            for (unsigned level = 0; level < k; level++) {
                uint16_t *row = perm + (size_t)level * p;
                for (unsigned i = 0; i < p; i++)
                    row[i] = (uint16_t)i;
                for (unsigned i = p - 1; i > 0; i--) {
                    unsigned t = (unsigned)hpo__rng_below(&r, i + 1);
                    uint16_t tmp = row[i];
                    row[i] = row[t];
                    row[t] = tmp;
                }
            }
        }
        j++;
    }
    return 0;
oom:
    hpo__halton_free(h);
    return hpo__enomem();
}

void hpo__halton_point(const hpo__halton *h, uint64_t seq, double *out)
{
    for (size_t j = 0; j < h->d; j++) {
        unsigned b = h->base[j];
        const uint16_t *perm = h->perm[j];
        double inv = 1.0 / b, f = inv, x = 0;
        uint64_t n = seq;
        for (unsigned level = 0; level < h->ndigits[j]; level++) {
            unsigned digit = (unsigned)(n % b);
            n /= b;
            if (perm)
                digit = perm[(size_t)level * b + digit];
            else if (!n && !digit)
                break;
            x += digit * f;
            f *= inv;
        }
        out[j] = x < 1.0 ? x : 0x1.fffffffffffffp-1;
    }
}

/* ------------------------------------------------------------ Latin hypercube */

void hpo__lhs_free(hpo__lhs *l)
{
    if (!l)
        return;
    hpo__free(l->perms);
    memset(l, 0, sizeof *l);
}

int hpo__lhs_init(hpo__lhs *l, size_t d, uint64_t n, int scramble, uint64_t seed)
{
    memset(l, 0, sizeof *l);
    if (n < 1)
        return hpo__err(HPO_EINVAL, "the lhs design needs n_trials");
    if (d < 1)
        return hpo__err(HPO_EINVAL, "lhs: the dimension must be >= 1");
    l->perms = hpo__calloc(d, sizeof *l->perms);
    if (!l->perms)
        return hpo__enomem();
    for (size_t j = 0; j < d; j++)
        hpo__perm_init(&l->perms[j], n, seed, 0x1A5000ULL + j);
    l->d = d;
    l->n = n;
    l->scramble = scramble;
    l->seed = seed;
    return 0;
}

int hpo__lhs_point(const hpo__lhs *l, uint64_t seq, double *out)
{
    if (seq >= l->n)
        return hpo__err(HPO_EINVAL, "lhs: point %llu is past the design's %llu points",
                        (unsigned long long)seq, (unsigned long long)l->n);
    hpo__rng r;
    hpo__rng_seed(&r, l->seed ^ 0x1A5C0FFEEULL, seq);
    for (size_t j = 0; j < l->d; j++) {
        double jitter = l->scramble ? hpo__rng_uniform(&r) : 0.5;
        double x = ((double)hpo__perm_apply(&l->perms[j], seq) + jitter) / (double)l->n;
        out[j] = x < 1.0 ? x : 0x1.fffffffffffffp-1;
    }
    return 0;
}
