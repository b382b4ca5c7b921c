/*
 * npsort.c -- numpy's np.argsort(float64 array) (kind 'quicksort', the default)
 * to the index: introsort over an index array as numpy 1.24's aquicksort --
 * median-of-three pivot swapped next to the end, Hoare partition with
 * sentinels, the larger side pushed and the smaller one looped on, partitions
 * of at most 16 elements finished by insertion sort (so up to 16 values the
 * order is stable), heapsort once 2 * floor(log2(n)) partitions have been made
 * on a path. NaNs sort last (numpy's `a < b || (b != b && a == a)`).
 *
 * Why: scikit-learn's successive halving keeps the candidates at the end of
 * np.argsort of their scores; with equal scores at the cut, which candidate
 * goes on, and in what order the next iteration lists them, is this
 * algorithm's order. Checked against numpy over thousands of tie-heavy arrays
 * (tests/parity/test_nprandom.py).
 *
 * Cost: O(n log n) time, O(log n) stack.
 */
#include "util/util.h"

#define NP_SMALL 15 /* numpy partitions while pr - pl > 15 */
#define NP_STACK 128

static int np_less(double a, double b)
{
    return a < b || (b != b && a == a);
}

static void swap_idx(size_t *a, size_t *b)
{
    size_t t = *a;
    *a = *b;
    *b = t;
}

/* numpy's aheapsort on tosort[0..n) (1-based heap indexing). */
static void np_aheapsort(const double *v, size_t *tosort, size_t n)
{
    size_t *a = tosort - 1, i, j, l, tmp;
    for (l = n >> 1; l > 0; --l) {
        tmp = a[l];
        for (i = l, j = l << 1; j <= n;) {
            if (j < n && np_less(v[a[j]], v[a[j + 1]]))
                j += 1;
            if (np_less(v[tmp], v[a[j]])) {
                a[i] = a[j];
                i = j;
                j += j;
            } else {
                break;
            }
        }
        a[i] = tmp;
    }
    for (; n > 1;) {
        tmp = a[n];
        a[n] = a[1];
        n -= 1;
        for (i = 1, j = 2; j <= n;) {
            if (j < n && np_less(v[a[j]], v[a[j + 1]]))
                j++;
            if (np_less(v[tmp], v[a[j]])) {
                a[i] = a[j];
                i = j;
                j += j;
            } else {
                break;
            }
        }
        a[i] = tmp;
    }
}

static int msb(size_t n)
{
    int d = 0;
    while (n >>= 1)
        d++;
    return d;
}

void hpo__np_argsort(const double *v, size_t n, size_t *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = i;
    if (n < 2)
        return;
    size_t *pl = out, *pr = out + n - 1;
    size_t *stack[NP_STACK], **sptr = stack;
    int depth[NP_STACK], *psdepth = depth;
    int cdepth = msb(n) * 2;
    for (;;) {
        if (cdepth < 0) {
            np_aheapsort(v, pl, (size_t)(pr - pl) + 1);
            goto stack_pop;
        }
        while (pr - pl > NP_SMALL) {
            size_t *pm = pl + ((pr - pl) >> 1);
            if (np_less(v[*pm], v[*pl]))
                swap_idx(pm, pl);
            if (np_less(v[*pr], v[*pm]))
                swap_idx(pr, pm);
            if (np_less(v[*pm], v[*pl]))
                swap_idx(pm, pl);
            double vp = v[*pm];
            size_t *pi = pl, *pj = pr - 1;
            swap_idx(pm, pj);
            for (;;) {
                do
                    ++pi;
                while (np_less(v[*pi], vp));
                do
                    --pj;
                while (np_less(vp, v[*pj]));
                if (pi >= pj)
                    break;
                swap_idx(pi, pj);
            }
            swap_idx(pi, pr - 1);
            if (pi - pl < pr - pi) {
                *sptr++ = pi + 1;
                *sptr++ = pr;
                pr = pi - 1;
            } else {
                *sptr++ = pl;
                *sptr++ = pi - 1;
                pl = pi + 1;
            }
            *psdepth++ = --cdepth;
        }
        for (size_t *pi = pl + 1; pi <= pr; ++pi) {
            size_t vi = *pi;
            double vp = v[vi];
            size_t *pj = pi, *pk = pi - 1;
            while (pj > pl && np_less(vp, v[*pk]))
                *pj-- = *pk--;
            *pj = vi;
        }
    stack_pop:
        if (sptr == stack)
            break;
        pr = *(--sptr);
        pl = *(--sptr);
        cdepth = *(--psdepth);
    }
}
