/*
 * np_resample.c -- hpo's emulation of numpy's RandomState for the parity test
 * (tests/parity/test_nprandom.py): each stdin line "SEED N M" prints
 * resample(arange(N) * 7 + 3, replace=False, n_samples=M, random_state=SEED)
 * as one JSON array, then the first 5 raw 32-bit draws of RandomState(SEED)
 * on the next line ("raw": [...]).
 * With the argument "argsort", each stdin line "N v1 ... vN" (doubles, "nan"
 * allowed) prints np.argsort of the values as a JSON array (util/npsort.c).
 */
#include "ml/nprandom.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int argsort_mode(void)
{
    size_t n;
    while (scanf("%zu", &n) == 1) {
        double *v = malloc((n + 1) * sizeof *v);
        size_t *p = malloc((n + 1) * sizeof *p);
        if (!v || !p)
            return 2;
        for (size_t i = 0; i < n; i++) {
            char tok[64];
            if (scanf("%63s", tok) != 1)
                return 2;
            v[i] = strtod(tok, NULL);
        }
        hpo__np_argsort(v, n, p);
        printf("[");
        for (size_t i = 0; i < n; i++)
            printf("%s%zu", i ? ", " : "", p[i]);
        printf("]\n");
        free(v);
        free(p);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "argsort") == 0)
        return argsort_mode();
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
