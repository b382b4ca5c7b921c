/*
 * npsum.c -- numpy's np.sum of a contiguous 1-D double array, to the bit:
 * pairwise summation (8 partial sums below 128 elements, halves above) within
 * buffers of 8192 elements, the buffers added left to right. Estimators and
 * scorers that reproduce scikit-learn's numbers sum with it.
 */
#include "util/util.h"

static double pairwise(const double *a, size_t n)
{
    if (n < 8) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += a[i];
        return s;
    }
    if (n <= 128) {
        double r[8];
        size_t i;
        for (i = 0; i < 8; i++)
            r[i] = a[i];
        for (i = 8; i < n - n % 8; i += 8)
            for (size_t j = 0; j < 8; j++)
                r[j] += a[i + j];
        double s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            s += a[i];
        return s;
    }
    size_t h = n / 2;
    h -= h % 8;
    return pairwise(a, h) + pairwise(a + h, n - h);
}

double hpo__np_sum(const double *a, size_t n)
{
    double res = 0.0;
    for (size_t s = 0; s < n; s += 8192) {
        size_t m = n - s < 8192 ? n - s : 8192;
        double part = pairwise(a + s, m);
        res = s == 0 ? part : res + part;
    }
    return res;
}
