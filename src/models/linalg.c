/*
 * linalg.c -- Cholesky with jitter escalation, triangular solves, the inverse
 * from a factor and the one-row Cholesky append (linalg.h), on LAPACKE and
 * CBLAS (OpenBLAS).
 *
 * Storage: the matrices here are row-major; LAPACK is column-major. A lower
 * triangular row-major L is, read column-major, the upper triangular U = L^T,
 * and A = L L^T = U^T U. So dpotrf/dpotri are called column-major with 'U' on
 * the row-major buffer: no transposition and, through the LAPACKE _work entry
 * points, no allocation outside hpo__malloc (LAPACKE's row-major path would
 * malloc a transposed copy).
 */
#include "models/linalg.h"

#include "util/util.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

/* Copy the lower triangle of A into L (upper zeroed), adding `jitter` to the
 * diagonal, and factorize. 0 when the factor is positive definite and finite. */
static int chol_try(const double *A, double *L, size_t n, double jitter)
{
    for (size_t i = 0; i < n; i++) {
        memcpy(L + i * n, A + i * n, (i + 1) * sizeof *L);
        L[i * n + i] += jitter;
        if (i + 1 < n)
            memset(L + i * n + i + 1, 0, (n - i - 1) * sizeof *L);
    }
    lapack_int info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (lapack_int)n, L, (lapack_int)n);
    if (info != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        double v = L[i * n + i];
        if (!(v > 0.0) || !isfinite(v))
            return -1;
    }
    return 0;
}

int hpo__chol_jitter(const double *A, double *L, size_t n, double *jitter_out)
{
    if (jitter_out)
        *jitter_out = 0.0;
    if (n == 0)
        return 0;
    double mean = 0.0;
    for (size_t i = 0; i < n; i++)
        mean += A[i * n + i];
    mean /= (double)n;
    if (!(mean > 0.0) || !isfinite(mean))
        return hpo__err(HPO_ENUMERIC, "cholesky: mean diagonal %g is not positive", mean);
    if (chol_try(A, L, n, 0.0) == 0)
        return 0;
    /* 1e-10, 1e-9, ..., 1e-4 times the mean diagonal */
    double jitter = 1e-10 * mean;
    for (int k = 0; k < 7; k++, jitter *= 10.0) {
        if (chol_try(A, L, n, jitter) == 0) {
            if (jitter_out)
                *jitter_out = jitter;
            return 0;
        }
    }
    return hpo__err(HPO_ENUMERIC,
                    "cholesky: matrix (n=%zu) not positive definite even with jitter %g", n,
                    1e-4 * mean);
}

void hpo__trsv_lower(const double *L, size_t n, double *b)
{
    if (n == 0)
        return;
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (blasint)n, L, (blasint)n, b,
                1);
}

void hpo__trsv_lower_t(const double *L, size_t n, double *b)
{
    if (n == 0)
        return;
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, (blasint)n, L, (blasint)n, b,
                1);
}

void hpo__trsm_lower(const double *L, size_t n, double *B, size_t m)
{
    if (n == 0 || m == 0)
        return;
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (blasint)n,
                (blasint)m, 1.0, L, (blasint)n, B, (blasint)m);
}

int hpo__chol_inverse(const double *L, size_t n, double *Kinv)
{
    if (n == 0)
        return 0;
    memcpy(Kinv, L, n * n * sizeof *Kinv);
    lapack_int info =
        LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'U', (lapack_int)n, Kinv, (lapack_int)n);
    if (info != 0)
        return hpo__err(HPO_ENUMERIC, "cholesky inverse: singular factor (info %d)", (int)info);
    /* dpotri wrote the lower triangle (row-major view); mirror it. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            Kinv[j * n + i] = Kinv[i * n + j];
    return 0;
}

int hpo__chol_append(double *L, size_t n, size_t ld, const double *k, double kpp)
{
    double *row = L + n * ld;
    if (n > 0) {
        memcpy(row, k, n * sizeof *row);
        cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (blasint)n, L,
                    (blasint)ld, row, 1);
    }
    double ss = 0.0;
    for (size_t i = 0; i < n; i++)
        ss += row[i] * row[i];
    /* Round-off can leave a (near) duplicate point with a diagonal at or just
     * below zero: floor it at 1e-10 kpp, as the jitter of hpo__chol_jitter
     * would. Only a non-positive kpp or non-finite numbers fail. */
    double d2 = kpp - ss;
    double dmin = 1e-10 * kpp;
    if (d2 < dmin)
        d2 = dmin;
    if (!(d2 > 0.0) || !isfinite(d2) || !isfinite(ss))
        return hpo__err(HPO_ENUMERIC, "cholesky append: new diagonal %g is not positive", kpp - ss);
    row[n] = sqrt(d2);
    for (size_t j = n + 1; j < ld; j++)
        row[j] = 0.0;
    return 0;
}
