/*
 * scaler.c -- feature scaling fitted on a fold's training rows and applied to
 * any rows: x' = (x - shift) / scale per column.
 *
 * Reference behaviour: scikit-learn 1.2's StandardScaler (shift = mean, scale
 * = population standard deviation, computed as sum((x - mean)^2) corrected by
 * (sum(x - mean))^2 / n as _incremental_mean_and_var does; a column whose
 * variance is within rounding of zero, _is_constant_feature's bound, gets
 * scale 1) and MinMaxScaler with feature_range (0, 1) (shift = min, scale =
 * max - min; a range below 10 * DBL_EPSILON gets scale 1, as
 * _handle_zeros_in_scale does). Results agree with scikit-learn's to rounding
 * (about 1e-15 relative; scikit-learn sums pairwise and applies min-max as
 * x * (1 / range) - min / range).
 *
 * Invariants: a fitted scaler owns shift and scale (d each, scale never 0);
 * kind NONE has neither and apply leaves X alone.
 *
 * Costs: fit O(m d) time, O(d) memory; apply O(n d) in place.
 */
#include "ml/dataset.h"
#include "util/util.h"

#include <float.h>
#include <math.h>
#include <string.h>

int hpo__scaler_fit_rows(hpo__scaling kind, const double *X, size_t d, const size_t *rows, size_t m,
                         hpo__scaler *out)
{
    double *shift = NULL, *scale = NULL, *corr = NULL;
    int rc = 0;
    if (!out)
        return hpo__err(HPO_EINVAL, "scaler: no output");
    memset(out, 0, sizeof *out);
    if (kind == HPO__SCALE_NONE) {
        out->d = d;
        return 0;
    }
    if (kind != HPO__SCALE_STANDARD && kind != HPO__SCALE_MINMAX)
        return hpo__err(HPO_EINVAL, "scaler: unknown kind %d", (int)kind);
    if (m == 0 || !X)
        return hpo__err(HPO_EINVAL, "scaler: no rows to fit on");
    shift = hpo__calloc(d, sizeof *shift);
    scale = hpo__calloc(d, sizeof *scale);
    corr = hpo__calloc(d, sizeof *corr);
    if (!shift || !scale || !corr) {
        rc = hpo__enomem();
        goto done;
    }
#define ROW(i) (X + (rows ? rows[i] : (i)) * d)
    if (kind == HPO__SCALE_STANDARD) {
        for (size_t i = 0; i < m; i++) {
            const double *x = ROW(i);
            for (size_t j = 0; j < d; j++)
                shift[j] += x[j];
        }
        for (size_t j = 0; j < d; j++)
            shift[j] /= (double)m;
        for (size_t i = 0; i < m; i++) {
            const double *x = ROW(i);
            for (size_t j = 0; j < d; j++) {
                double t = x[j] - shift[j];
                scale[j] += t * t; /* unnormalized variance */
                corr[j] += t;
            }
        }
        for (size_t j = 0; j < d; j++) {
            double var = (scale[j] - corr[j] * corr[j] / (double)m) / (double)m;
            double bound = (double)m * DBL_EPSILON * var + ((double)m * shift[j] * DBL_EPSILON) *
                                                               ((double)m * shift[j] * DBL_EPSILON);
            scale[j] = var <= bound ? 1.0 : sqrt(var);
        }
    } else {
        for (size_t j = 0; j < d; j++)
            shift[j] = scale[j] = ROW(0)[j];
        for (size_t i = 1; i < m; i++) {
            const double *x = ROW(i);
            for (size_t j = 0; j < d; j++) {
                if (x[j] < shift[j])
                    shift[j] = x[j];
                if (x[j] > scale[j])
                    scale[j] = x[j];
            }
        }
        for (size_t j = 0; j < d; j++) {
            scale[j] -= shift[j];
            if (scale[j] < 10 * DBL_EPSILON)
                scale[j] = 1.0;
        }
    }
#undef ROW
    out->kind = kind;
    out->d = d;
    out->shift = shift;
    out->scale = scale;
    shift = scale = NULL;

done:
    hpo__free(shift);
    hpo__free(scale);
    hpo__free(corr);
    return rc;
}

int hpo__scaler_fit(hpo__scaling kind, const double *X, size_t n, size_t d, hpo__scaler *out)
{
    return hpo__scaler_fit_rows(kind, X, d, NULL, n, out);
}

void hpo__scaler_apply(const hpo__scaler *s, double *X, size_t n)
{
    if (!s || !X || s->kind == HPO__SCALE_NONE || !s->shift || !s->scale)
        return;
    for (size_t i = 0; i < n; i++) {
        double *x = X + i * s->d;
        for (size_t j = 0; j < s->d; j++)
            x[j] = (x[j] - s->shift[j]) / s->scale[j];
    }
}

void hpo__scaler_free(hpo__scaler *s)
{
    if (!s)
        return;
    hpo__free(s->shift);
    hpo__free(s->scale);
    memset(s, 0, sizeof *s);
}
