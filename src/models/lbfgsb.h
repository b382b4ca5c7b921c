/*
 * lbfgsb.h -- bound-constrained quasi-Newton minimization with L-BFGS-B 3.0
 * (Zhu, Byrd, Lu, Nocedal; BSD-3), the Fortran code Debian ships as liblbfgsb
 * and the same engine as scipy.optimize.fmin_l_bfgs_b, which scikit-learn's
 * GaussianProcessRegressor and scikit-optimize's acquisition optimizer use.
 * This file drives its reverse-communication interface (setulb).
 */
#ifndef HPO_MODELS_LBFGSB_H
#define HPO_MODELS_LBFGSB_H

#include <stddef.h>

/* f(x) and its gradient g (n entries); return nonzero to abort the run (the
 * code is passed back by hpo__lbfgsb). A non-finite f is treated as +inf by the
 * line search (the step is shortened). */
typedef int (*hpo__lbfgsb_fn)(const double *x, double *g, double *f, void *payload);

typedef struct hpo__lbfgsb_opts {
    int m;        /* number of corrections, scipy's default 10 */
    double factr; /* scipy's default 1e7 */
    double pgtol; /* scipy's default 1e-5 */
    int max_iter; /* scipy's default 15000 */
    int max_fun;  /* scipy's default 15000 */
} hpo__lbfgsb_opts;

/* scipy's defaults (fmin_l_bfgs_b). */
hpo__lbfgsb_opts hpo__lbfgsb_defaults(void);

/* Minimize f over lo <= x <= hi (lo/hi entries may be -INFINITY/INFINITY) from
 * x (n entries; moved into the bounds first), leaving the best point in x and
 * its value in *fx. Returns 0 on convergence or when an iteration/evaluation
 * limit was reached (the best point so far is kept), the callback's code when
 * it aborted, HPO_ENUMERIC when L-BFGS-B reports an abnormal termination
 * without any finite value, HPO_ENOMEM. *n_iter (may be NULL) gets the
 * iterations. Thread-safe. */
int hpo__lbfgsb(hpo__lbfgsb_fn fn, void *payload, size_t n, double *x, const double *lo,
                const double *hi, const hpo__lbfgsb_opts *opts, double *fx, int *n_iter);

#endif
