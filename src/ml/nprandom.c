/*
 * nprandom.c -- numpy's legacy RandomState: MT19937 (Matsumoto & Nishimura's
 * reference algorithm, init_genrand seeding as numpy's mt19937_seed), the
 * masked-rejection random_interval and the Fisher-Yates shuffle of
 * RandomState.shuffle (i from n-1 down to 1, j = random_interval(i)), so that
 * draws equal numpy's bit for bit (a parity test compares them).
 */
#include "ml/nprandom.h"

#define N 624
#define M 397

void hpo__mt_seed(hpo__mt19937 *mt, uint32_t seed)
{
    mt->key[0] = seed;
    for (int i = 1; i < N; i++)
        mt->key[i] = 1812433253u * (mt->key[i - 1] ^ (mt->key[i - 1] >> 30)) + (uint32_t)i;
    mt->pos = N;
}

static void regenerate(hpo__mt19937 *mt)
{
    static const uint32_t mag01[2] = {0u, 0x9908b0dfu};
    int k;
    uint32_t y;
    for (k = 0; k < N - M; k++) {
        y = (mt->key[k] & 0x80000000u) | (mt->key[k + 1] & 0x7fffffffu);
        mt->key[k] = mt->key[k + M] ^ (y >> 1) ^ mag01[y & 1u];
    }
    for (; k < N - 1; k++) {
        y = (mt->key[k] & 0x80000000u) | (mt->key[k + 1] & 0x7fffffffu);
        mt->key[k] = mt->key[k + (M - N)] ^ (y >> 1) ^ mag01[y & 1u];
    }
    y = (mt->key[N - 1] & 0x80000000u) | (mt->key[0] & 0x7fffffffu);
    mt->key[N - 1] = mt->key[M - 1] ^ (y >> 1) ^ mag01[y & 1u];
    mt->pos = 0;
}

uint32_t hpo__mt_next32(hpo__mt19937 *mt)
{
    if (mt->pos >= N)
        regenerate(mt);
    uint32_t y = mt->key[mt->pos++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

uint64_t hpo__mt_interval(hpo__mt19937 *mt, uint64_t max)
{
    if (max == 0)
        return 0;
    uint64_t mask = max;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    mask |= mask >> 32;
    uint64_t v;
    if (max <= 0xffffffffu) {
        while ((v = (hpo__mt_next32(mt) & mask)) > max)
            ;
    } else {
        do {
            uint64_t hi = hpo__mt_next32(mt), lo = hpo__mt_next32(mt);
            v = ((hi << 32) | lo) & mask;
        } while (v > max);
    }
    return v;
}

void hpo__mt_shuffle(hpo__mt19937 *mt, size_t *a, size_t n)
{
    for (size_t i = n; i-- > 1;) {
        size_t j = (size_t)hpo__mt_interval(mt, i);
        size_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

void hpo__np_resample(const size_t *a, size_t n, size_t m, uint32_t seed, size_t *scratch,
                      size_t *out)
{
    hpo__mt19937 mt;
    hpo__mt_seed(&mt, seed);
    for (size_t i = 0; i < n; i++)
        scratch[i] = i;
    hpo__mt_shuffle(&mt, scratch, n);
    for (size_t i = 0; i < m && i < n; i++)
        out[i] = a[scratch[i]];
}
