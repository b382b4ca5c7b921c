/*
 * np_resample.c -- hpo's emulation of numpy's RandomState for the parity test
 * (tests/parity/test_nprandom.py): each stdin line "SEED N M" prints
 * resample(arange(N) * 7 + 3, replace=False, n_samples=M, random_state=SEED)
 * as one JSON array, then the first 5 raw 32-bit draws of RandomState(SEED)
 * on the next line ("raw": [...]).
 */
#include "ml/nprandom.h"

#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    unsigned long seed;
    size_t n, m;
    while (scanf("%lu %zu %zu", &seed, &n, &m) == 3) {
        size_t *a = malloc((n + 1) * sizeof *a), *s = malloc((n + 1) * sizeof *s),
               *o = malloc((m + 1) * sizeof *o);
        if (!a || !s || !o)
            return 2;
        for (size_t i = 0; i < n; i++)
            a[i] = i * 7 + 3;
        hpo__np_resample(a, n, m, (uint32_t)seed, s, o);
        printf("[");
        for (size_t i = 0; i < m; i++)
            printf("%s%zu", i ? ", " : "", o[i]);
        printf("]\n");
        hpo__mt19937 mt;
        hpo__mt_seed(&mt, (uint32_t)seed);
        printf("{\"raw\": [");
        for (int i = 0; i < 5; i++)
            printf("%s%u", i ? ", " : "", hpo__mt_next32(&mt));
        printf("]}\n");
        free(a);
        free(s);
        free(o);
    }
    return 0;
}
