/*
 * ytransform.h -- output transforms for surrogate models (bo-notes "output
 * transform"): standardize; Yeo-Johnson with lambda in [-2, 4] by maximum
 * likelihood (Brent) between two standardizations, falling back to plain
 * standardization when the transformed spread collapses (< 0.5 of the
 * standardized one) or lambda hits a bound; log (y shifted to >= 1 first).
 * Monotone increasing, so the arg-min is unchanged.
 */
#ifndef HPO_MODELS_YTRANSFORM_H
#define HPO_MODELS_YTRANSFORM_H

#include <stddef.h>

typedef enum hpo__ytf_kind {
    HPO__YTF_STANDARDIZE = 0,
    HPO__YTF_YEO_JOHNSON = 1,
    HPO__YTF_LOG = 2,
    HPO__YTF_NONE = 3
} hpo__ytf_kind;

typedef struct hpo__ytf {
    hpo__ytf_kind kind; /* what was applied (YEO_JOHNSON may fall back) */
    double mean1, sd1;  /* first standardization */
    double lambda;      /* Yeo-Johnson */
    double mean2, sd2;  /* after Yeo-Johnson / log */
    double shift;       /* log: y - min + 1 */
    int constant;       /* all y equal (sd 0): transform is y - mean */
} hpo__ytf;

/* Fit on y (n >= 1 finite values) for `kind`. */
void hpo__ytf_fit(hpo__ytf *t, const double *y, size_t n, hpo__ytf_kind kind);
/* Apply to one value (any finite y, also outside the fitted range). */
double hpo__ytf_apply(const hpo__ytf *t, double y);

/* Yeo-Johnson transform of y with lambda, and scipy.stats.yeojohnson_llf. */
double hpo__yeojohnson(double y, double lambda);
double hpo__yeojohnson_llf(const double *y, size_t n, double lambda);
/* lambda maximizing the llf in [lo, hi] by Brent's method (scipy's
 * yeojohnson_normmax uses the same criterion). */
double hpo__yeojohnson_normmax(const double *y, size_t n, double lo, double hi);

#endif
