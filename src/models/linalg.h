/*
 * linalg.h -- the dense linear algebra the surrogate models need, on LAPACK
 * (LAPACKE) and CBLAS from Debian's OpenBLAS. Matrices are row-major doubles.
 *
 * Cholesky with jitter escalation: a kernel matrix that is not numerically
 * positive definite (duplicate points, a tiny noise) gets jitter added to its
 * diagonal, 1e-10 x mean(diag) first and x10 per retry up to 1e-4 x mean(diag),
 * before giving up with HPO_ENUMERIC. Nothing here prints or exits.
 */
#ifndef HPO_MODELS_LINALG_H
#define HPO_MODELS_LINALG_H

#include <stddef.h>

/* Lower Cholesky factor of the symmetric n x n matrix A (row-major; only the
 * lower triangle is read) into L (n x n, upper triangle zeroed). A and L may be
 * the same buffer only if the caller keeps a copy for the retries; they must
 * differ here. *jitter_out (may be NULL) receives the jitter that was added
 * (0 when none). HPO_ENUMERIC when it fails even at the largest jitter. */
int hpo__chol_jitter(const double *A, double *L, size_t n, double *jitter_out);

/* Solve L z = b in place (b has n entries), L lower triangular n x n. */
void hpo__trsv_lower(const double *L, size_t n, double *b);
/* Solve L^T z = b in place. */
void hpo__trsv_lower_t(const double *L, size_t n, double *b);
/* Solve L Z = B in place for B with m columns (B is n x m row-major). */
void hpo__trsm_lower(const double *L, size_t n, double *B, size_t m);
/* The inverse of L L^T from its Cholesky factor (full symmetric n x n into Kinv). */
int hpo__chol_inverse(const double *L, size_t n, double *Kinv);

/* Append one row/column to a Cholesky factor: L is n x n inside a buffer with
 * row stride `ld` (ld >= n + 1); k holds the new column's first n entries and
 * kpp its diagonal. Writes row n of L. HPO_ENUMERIC when the new diagonal is not
 * positive (kpp - |L^-1 k|^2 <= 0 after a 1e-10 relative floor). */
int hpo__chol_append(double *L, size_t n, size_t ld, const double *k, double kpp);

#endif
