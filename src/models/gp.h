/*
 * gp.h -- Gaussian-process regression for model-based samplers.
 *
 * Kernel k(x, x') = amp * M(r) (+ noise on the diagonal of the training points),
 * with r^2 = sum over continuous coordinates (dx_j / l_j)^2 + sum over
 * categorical coordinates [x_j != x'_j] / l_j^2 (ARD; a categorical coordinate
 * holds a level index), and M one of
 *   matern12: exp(-r)
 *   matern32: (1 + sqrt3 r) exp(-sqrt3 r)
 *   matern52: (1 + sqrt5 r + 5 r^2 / 3) exp(-sqrt5 r)
 *   rbf:      exp(-r^2 / 2)
 * as scikit-learn's ConstantKernel * Matern(nu) / RBF + WhiteKernel. Zero mean
 * on the y it is given (the caller standardizes or transforms y). `alpha` is
 * added to the diagonal as scikit-learn's GaussianProcessRegressor(alpha=).
 *
 * Hyperparameters theta (all in log space), in this order:
 *   theta[0..d)  log length scales
 *   theta[d]     log amp
 *   theta[d+1]   log noise (variance)
 * Fitting maximizes the log marginal likelihood (HPO__GP_ML, scikit-learn's
 * criterion, within the bounds) or LML + log prior (HPO__GP_MAP, the default
 * of bo-notes: log l ~ N(sqrt2 + ln(D)/2, variance 3), amp ~ Gamma(2, 1)
 * (density of amp, no Jacobian), log noise ~ N(-10, 3^2)) with L-BFGS-B from
 * several starts. With fix_noise the noise stays at cfg.noise.
 *
 * Not thread-safe per handle; separate handles are independent.
 */
#ifndef HPO_MODELS_GP_H
#define HPO_MODELS_GP_H

#include <stddef.h>
#include <stdint.h>

typedef enum hpo__kernel {
    HPO__KERNEL_MATERN52 = 0,
    HPO__KERNEL_MATERN32 = 1,
    HPO__KERNEL_MATERN12 = 2,
    HPO__KERNEL_RBF = 3
} hpo__kernel;

typedef enum hpo__gp_hyper {
    HPO__GP_MAP = 0, /* maximum a posteriori with the priors above */
    HPO__GP_ML = 1   /* maximum likelihood within the bounds (scikit-learn) */
} hpo__gp_hyper;

typedef struct hpo__gp_config {
    size_t d;                         /* input coordinates */
    const unsigned char *categorical; /* d flags (copied), or NULL = none */
    hpo__kernel kernel;
    hpo__gp_hyper hyper;
    double alpha;  /* added to the training diagonal; 0 ok */
    int fix_noise; /* keep noise = `noise` */
    double noise;  /* initial/fixed noise variance */
    /* Bounds of the hyperparameters (natural scale, not log). Zero-initialized
     * fields take the defaults: length [0.01, 100], amp [1e-3, 1e3] (MAP) /
     * [1e-5, 1e5] (ML), noise [1e-6, 1] (MAP) / [1e-5, 1e5] (ML). */
    double length_lo, length_hi, amp_lo, amp_hi, noise_lo, noise_hi;
} hpo__gp_config;

typedef struct hpo__gp hpo__gp;

/* HPO_EINVAL for d == 0 or bad bounds, HPO_ENOMEM. Theta starts at the prior
 * mode (MAP) or at length 1, amp 1, noise cfg.noise (ML). */
int hpo__gp_create(hpo__gp **out, const hpo__gp_config *cfg);
void hpo__gp_destroy(hpo__gp *gp);

size_t hpo__gp_n_theta(const hpo__gp *gp); /* d + 2 */
const double *hpo__gp_theta(const hpo__gp *gp);
/* The prior mode (MAP) / the ML start point, into theta (n_theta entries). */
void hpo__gp_theta_default(const hpo__gp *gp, double *theta);

/* Training data: X is n x d row-major, y n values (copied). Drops fantasies.
 * Does not factorize; call set_theta or fit next. n may be 0 (prior). */
int hpo__gp_set_data(hpo__gp *gp, const double *X, const double *y, size_t n);

/* Log marginal likelihood (plus the log prior in MAP mode when with_prior)
 * at theta, and its gradient w.r.t. theta (grad may be NULL). HPO_ENUMERIC
 * when the kernel matrix cannot be factorized even with jitter. */
int hpo__gp_objective(hpo__gp *gp, const double *theta, int with_prior, double *value,
                      double *grad);

/* Use theta (clipped to the bounds) and factorize. */
int hpo__gp_set_theta(hpo__gp *gp, const double *theta);

/* Fit theta: L-BFGS-B from each of the n_starts start points (n_starts x
 * n_theta, row-major; the first is usually the previous theta or the default)
 * and keep the best objective; when every start fails, keep the current theta.
 * Factorizes at the result. *best (may be NULL) gets the best objective. */
int hpo__gp_fit(hpo__gp *gp, const double *starts, size_t n_starts, double *best);

/* Fill `starts` (n x n_theta) with draws from the prior (MAP) or log-uniform
 * in the bounds (ML, as scikit-learn's restarts), from the seeded stream. */
void hpo__gp_sample_theta(const hpo__gp *gp, uint64_t seed, uint64_t stream, double *starts,
                          size_t n);

/* Posterior mean and variance at m points (Xs m x d) of the latent function
 * (no noise added; variance clamped at >= 1e-12). Uses training points and
 * fantasies. var may be NULL. */
int hpo__gp_predict(const hpo__gp *gp, const double *Xs, size_t m, double *mu, double *var);

/* At one point: mean, variance and their gradients w.r.t. x (d entries each;
 * categorical coordinates get 0). */
int hpo__gp_predict_grad(const hpo__gp *gp, const double *x, double *mu, double *var, double *dmu,
                         double *dvar);

/* Add a fantasy observation (x, y) with theta frozen: an O(n^2) append to the
 * Cholesky factor and a new alpha (constant liar). */
int hpo__gp_add_fantasy(hpo__gp *gp, const double *x, double y);
/* Drop every fantasy (back to the training data, no refactorization). */
void hpo__gp_clear_fantasies(hpo__gp *gp);
/* Number of points in the model (training + fantasies). */
size_t hpo__gp_n(const hpo__gp *gp);

#endif
