/*
 * gp.c -- Gaussian-process regression (gp.h): ARD Matern / RBF kernel with a
 * Hamming term for categorical coordinates, log marginal likelihood with its
 * analytic gradient, MAP or ML-II fitting by L-BFGS-B, batch prediction,
 * prediction gradients and constant-liar fantasies.
 *
 * Matches scikit-learn 1.2's GaussianProcessRegressor with kernel
 * ConstantKernel(amp) * Matern(l, nu) (or RBF) + WhiteKernel(noise) and
 * alpha = cfg.alpha, normalize_y=False: same K_y, the same LML, the same
 * posterior mean; our variance is the latent one (sklearn's predictive std^2
 * minus the noise).
 *
 * Numerics. K_y = amp M + (noise + alpha) I (+ jitter from hpo__chol_jitter).
 * LML = -1/2 y'a - sum log L_ii - n/2 log 2pi, a = K_y^-1 y; the gradient
 * w.r.t. log-parameters is 1/2 tr((a a' - K_y^-1) dK_y/dtheta) with K_y^-1 from
 * dpotri. Every kernel is written through
 *     G(r^2) = -2 dM/d(r^2),   dK/dlog l_j = amp a_j G,   dk/dx_j = -amp G dx_j / l_j^2
 * (a_j = dx_j^2 / l_j^2, or [x_j != x'_j] / l_j^2 when categorical), which
 * has no singularity at r = 0 except for matern12, where G = e^-r / r and
 * a_j G <= sqrt(a_j) e^-r -> 0: pairs at r = 0 contribute 0 there.
 * The squared differences of the training pairs are computed once per
 * set_data (lazily, at the first objective), so an objective evaluation costs
 * O(n^2 d) plus one Cholesky and one dpotri.
 *
 * Layout. X/y hold the n training rows followed by nf fantasies; L is the
 * Cholesky factor of all n + nf rows with row stride `cap` (rows 0..n-1 are
 * the training factor, untouched by fantasies, so clear_fantasies is two
 * triangular solves).
 */
#include "models/gp.h"

#include "core/rng.h"
#include "models/lbfgsb.h"
#include "models/linalg.h"
#include "util/util.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* The MAP prior of the log noise variance: N(NOISE_MU, NOISE_SD^2). bo-notes
 * proposed BoTorch's LogNormal(-4, 1); on noise-free functions its pull
 * towards noise 0.018 (in standardized units) made the GP creep along an edge
 * of Branin on 5 seeds of 20, and N(-10, 3^2) did not (bench/README.md,
 * "noise prior"); a noisy objective still gets its noise from the data. */
#define NOISE_MU (-10.0)
#define NOISE_SD 3.0

#define LOG_2PI 1.8378770664093454836
#define SQRT3 1.7320508075688772935
#define SQRT5 2.2360679774997896964
#define PRED_BLOCK 256

struct hpo__gp {
    size_t d;
    unsigned char *cat; /* d flags */
    hpo__kernel kernel;
    hpo__gp_hyper hyper;
    double alpha;
    int fix_noise;
    double noise_fixed; /* cfg.noise */
    double prior_mu;    /* mean of the log length-scale prior */
    double *lo, *hi;    /* log bounds, d + 2 each */
    double *theta;      /* d + 2 */
    double *scratch_d;  /* d + 2 + d: objective's inverse squared length scales, etc. */

    /* data: n training rows, then nf fantasies; capacity cap rows */
    size_t n, nf, cap;
    double *X, *y;
    double *D2; /* n(n-1)/2 x d squared differences of training pairs (lazy) */

    /* factor at theta */
    int factored;
    double *L;  /* cap x cap, row stride cap */
    double *al; /* K_y^-1 y over the n + nf rows */
    double *inv_l2;
    double amp, noise, jitter;

    /* objective scratch, n x n each and n (lazy) */
    double *K, *W, *av;
};

/* ---- kernel */

/* M(r^2) into *m; returns G(r^2) = -2 dM/d(r^2). */
static double kern(hpo__kernel k, double r2, double *m)
{
    if (!(r2 < HUGE_VAL)) { /* inf (or NaN from an absurd length scale) */
        *m = 0.0;
        return 0.0;
    }
    double r, e;
    switch (k) {
    case HPO__KERNEL_RBF:
        e = exp(-0.5 * r2);
        *m = e;
        return e;
    case HPO__KERNEL_MATERN12:
        r = sqrt(r2);
        e = exp(-r);
        *m = e;
        return (r2 > 1e-300 && e > 0.0) ? e / r : 0.0;
    case HPO__KERNEL_MATERN32:
        r = sqrt(r2);
        e = exp(-SQRT3 * r);
        *m = (1.0 + SQRT3 * r) * e;
        return 3.0 * e;
    case HPO__KERNEL_MATERN52:
    default:
        r = sqrt(r2);
        e = exp(-SQRT5 * r);
        *m = (1.0 + SQRT5 * r + 5.0 / 3.0 * r2) * e;
        return 5.0 / 3.0 * (1.0 + SQRT5 * r) * e;
    }
}

/* Scaled squared distance between two points. */
static double dist2(const hpo__gp *gp, const double *a, const double *b, const double *inv_l2)
{
    double s = 0.0;
    for (size_t k = 0; k < gp->d; k++) {
        if (gp->cat[k]) {
            if (a[k] != b[k])
                s += inv_l2[k];
        } else {
            double t = a[k] - b[k];
            s += t * t * inv_l2[k];
        }
    }
    return s;
}

/* ---- creation */

static int log_bounds(double lo, double hi, double dlo, double dhi, const char *what, double *llo,
                      double *lhi)
{
    if (lo == 0.0)
        lo = dlo;
    if (hi == 0.0)
        hi = dhi;
    if (!(lo > 0.0) || !(hi >= lo) || !isfinite(lo) || !isfinite(hi))
        return hpo__err(HPO_EINVAL, "gp: bad %s bounds [%g, %g]", what, lo, hi);
    *llo = log(lo);
    *lhi = log(hi);
    return 0;
}

int hpo__gp_create(hpo__gp **out, const hpo__gp_config *cfg)
{
    if (!out || !cfg)
        return hpo__err(HPO_EINVAL, "gp: NULL argument");
    size_t d = cfg->d;
    if (d == 0 || d > 100000)
        return hpo__err(HPO_EINVAL, "gp: bad dimension %zu", d);
    if ((int)cfg->kernel < 0 || (int)cfg->kernel > 3)
        return hpo__err(HPO_EINVAL, "gp: unknown kernel %d", (int)cfg->kernel);
    if (cfg->hyper != HPO__GP_MAP && cfg->hyper != HPO__GP_ML)
        return hpo__err(HPO_EINVAL, "gp: unknown hyperparameter mode %d", (int)cfg->hyper);
    if (!(cfg->alpha >= 0.0) || !isfinite(cfg->alpha))
        return hpo__err(HPO_EINVAL, "gp: bad alpha %g", cfg->alpha);
    if (!(cfg->noise >= 0.0) || !isfinite(cfg->noise) || (cfg->fix_noise && cfg->noise <= 0.0))
        return hpo__err(HPO_EINVAL, "gp: bad noise %g (a fixed noise must be > 0)", cfg->noise);
    int ml = cfg->hyper == HPO__GP_ML;
    double llo[3] = {0.0, 0.0, 0.0}, lhi[3] = {0.0, 0.0, 0.0};
    int rc =
        log_bounds(cfg->length_lo, cfg->length_hi, 0.01, 100.0, "length scale", &llo[0], &lhi[0]);
    if (rc == 0)
        rc = log_bounds(cfg->amp_lo, cfg->amp_hi, ml ? 1e-5 : 1e-3, ml ? 1e5 : 1e3, "amplitude",
                        &llo[1], &lhi[1]);
    if (rc == 0)
        rc = log_bounds(cfg->noise_lo, cfg->noise_hi, ml ? 1e-5 : 1e-6, ml ? 1e5 : 1.0, "noise",
                        &llo[2], &lhi[2]);
    if (rc)
        return rc;

    hpo__gp *gp = hpo__calloc(1, sizeof *gp);
    if (!gp)
        return hpo__enomem();
    size_t nt = d + 2;
    gp->cat = hpo__calloc(d, 1);
    gp->lo = hpo__calloc(nt, sizeof(double));
    gp->hi = hpo__calloc(nt, sizeof(double));
    gp->theta = hpo__calloc(nt, sizeof(double));
    gp->scratch_d = hpo__calloc(nt + d, sizeof(double));
    gp->inv_l2 = hpo__calloc(d, sizeof(double));
    if (!gp->cat || !gp->lo || !gp->hi || !gp->theta || !gp->scratch_d || !gp->inv_l2) {
        hpo__gp_destroy(gp);
        return hpo__enomem();
    }
    gp->d = d;
    if (cfg->categorical)
        for (size_t k = 0; k < d; k++)
            gp->cat[k] = cfg->categorical[k] ? 1 : 0;
    gp->kernel = cfg->kernel;
    gp->hyper = cfg->hyper;
    gp->alpha = cfg->alpha;
    gp->fix_noise = cfg->fix_noise ? 1 : 0;
    gp->noise_fixed = cfg->noise;
    gp->prior_mu = sqrt(2.0) + 0.5 * log((double)d);
    for (size_t k = 0; k < d; k++) {
        gp->lo[k] = llo[0];
        gp->hi[k] = lhi[0];
    }
    gp->lo[d] = llo[1];
    gp->hi[d] = lhi[1];
    gp->lo[d + 1] = llo[2];
    gp->hi[d + 1] = lhi[2];
    hpo__gp_theta_default(gp, gp->theta);
    /* The prior needs no factor: n = 0 is ready to predict. */
    rc = hpo__gp_set_theta(gp, gp->theta);
    if (rc) {
        hpo__gp_destroy(gp);
        return rc;
    }
    *out = gp;
    return 0;
}

static void free_data(hpo__gp *gp)
{
    hpo__free(gp->X);
    hpo__free(gp->y);
    hpo__free(gp->D2);
    hpo__free(gp->L);
    hpo__free(gp->al);
    hpo__free(gp->K);
    hpo__free(gp->W);
    hpo__free(gp->av);
    gp->X = gp->y = gp->D2 = gp->L = gp->al = gp->K = gp->W = gp->av = NULL;
    gp->n = gp->nf = gp->cap = 0;
}

void hpo__gp_destroy(hpo__gp *gp)
{
    if (!gp)
        return;
    free_data(gp);
    hpo__free(gp->cat);
    hpo__free(gp->lo);
    hpo__free(gp->hi);
    hpo__free(gp->theta);
    hpo__free(gp->scratch_d);
    hpo__free(gp->inv_l2);
    hpo__free(gp);
}

size_t hpo__gp_n_theta(const hpo__gp *gp)
{
    return gp->d + 2;
}

const double *hpo__gp_theta(const hpo__gp *gp)
{
    return gp->theta;
}

size_t hpo__gp_n(const hpo__gp *gp)
{
    return gp->n + gp->nf;
}

static double clip(double v, double lo, double hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* Clip to the bounds; the fixed noise stays at cfg.noise (outside the
 * bounds if need be). */
static void clip_theta(const hpo__gp *gp, double *theta)
{
    size_t nt = gp->d + 2;
    for (size_t k = 0; k < nt; k++)
        theta[k] = isnan(theta[k]) ? gp->lo[k] : clip(theta[k], gp->lo[k], gp->hi[k]);
    if (gp->fix_noise)
        theta[gp->d + 1] = log(gp->noise_fixed);
}

/* MAP: the modes of the priors on the natural scale (bo-notes 2.1: length
 * e^(mu - 3) = 0.205 sqrt(D), amp 1 = the mode of Gamma(2, 1); noise
 * e^(NOISE_MU - NOISE_SD^2), at the 1e-6 floor); ML: length 1, amp 1, noise cfg.noise (1 when 0),
 * as scikit-learn's kernel defaults. Clipped to the bounds. */
void hpo__gp_theta_default(const hpo__gp *gp, double *theta)
{
    size_t d = gp->d;
    int ml = gp->hyper == HPO__GP_ML;
    for (size_t k = 0; k < d; k++)
        theta[k] = ml ? 0.0 : gp->prior_mu - 3.0;
    theta[d] = 0.0;
    theta[d + 1] =
        ml ? log(gp->noise_fixed > 0.0 ? gp->noise_fixed : 1.0) : NOISE_MU - NOISE_SD * NOISE_SD;
    clip_theta(gp, theta);
}

void hpo__gp_sample_theta(const hpo__gp *gp, uint64_t seed, uint64_t stream, double *starts,
                          size_t n)
{
    hpo__rng r;
    hpo__rng_seed(&r, seed, stream);
    size_t d = gp->d, nt = d + 2;
    for (size_t i = 0; i < n; i++) {
        double *t = starts + i * nt;
        if (gp->hyper == HPO__GP_ML) {
            for (size_t k = 0; k < nt; k++)
                t[k] = gp->lo[k] + hpo__rng_uniform(&r) * (gp->hi[k] - gp->lo[k]);
        } else {
            for (size_t k = 0; k < d; k++)
                t[k] = gp->prior_mu + SQRT3 * hpo__rng_normal(&r);
            /* Gamma(2, 1) = the sum of two Exp(1) */
            double u1 = 1.0 - hpo__rng_uniform(&r), u2 = 1.0 - hpo__rng_uniform(&r);
            t[d] = log(-log(u1) - log(u2) + 1e-300);
            t[d + 1] = NOISE_MU + NOISE_SD * hpo__rng_normal(&r);
        }
        clip_theta(gp, t);
    }
}

/* ---- data */

int hpo__gp_set_data(hpo__gp *gp, const double *X, const double *y, size_t n)
{
    size_t d = gp->d;
    if (n > 0 && (!X || !y))
        return hpo__err(HPO_EINVAL, "gp: NULL data");
    if (n > 100000)
        return hpo__err(HPO_EINVAL, "gp: too many points (%zu)", n);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            return hpo__err(HPO_EINVAL, "gp: y[%zu] is not finite", i);
        for (size_t k = 0; k < d; k++)
            if (!isfinite(X[i * d + k]))
                return hpo__err(HPO_EINVAL, "gp: X[%zu][%zu] is not finite", i, k);
    }
    free_data(gp);
    size_t cap = n + 8;
    gp->X = hpo__malloc(cap * d * sizeof(double));
    gp->y = hpo__malloc(cap * sizeof(double));
    gp->L = hpo__calloc(cap * cap, sizeof(double));
    gp->al = hpo__calloc(cap, sizeof(double));
    if (!gp->X || !gp->y || !gp->L || !gp->al) {
        free_data(gp);
        gp->factored = 0;
        return hpo__enomem();
    }
    gp->cap = cap;
    gp->n = n;
    if (n > 0) {
        memcpy(gp->X, X, n * d * sizeof(double));
        memcpy(gp->y, y, n * sizeof(double));
    }
    gp->factored = 0;
    if (n == 0)
        return hpo__gp_set_theta(gp, gp->theta);
    return 0;
}

static int ensure_scratch(hpo__gp *gp)
{
    size_t n = gp->n, d = gp->d;
    if (n == 0)
        return 0;
    if (!gp->K) {
        gp->K = hpo__malloc(n * n * sizeof(double));
        gp->W = hpo__malloc(n * n * sizeof(double));
        gp->av = hpo__malloc(n * sizeof(double));
        if (!gp->K || !gp->W || !gp->av) {
            hpo__free(gp->K);
            hpo__free(gp->W);
            hpo__free(gp->av);
            gp->K = gp->W = gp->av = NULL;
            return hpo__enomem();
        }
    }
    if (!gp->D2 && n > 1) {
        size_t np = n * (n - 1) / 2;
        gp->D2 = hpo__malloc(np * d * sizeof(double));
        if (!gp->D2)
            return hpo__enomem();
        double *p = gp->D2;
        for (size_t i = 1; i < n; i++) {
            const double *a = gp->X + i * d;
            for (size_t j = 0; j < i; j++, p += d) {
                const double *b = gp->X + j * d;
                for (size_t k = 0; k < d; k++) {
                    double t = a[k] - b[k];
                    p[k] = gp->cat[k] ? (a[k] != b[k] ? 1.0 : 0.0) : t * t;
                }
            }
        }
    }
    return 0;
}

/* ---- objective */

static double log_prior(const hpo__gp *gp, const double *theta, double *grad)
{
    size_t d = gp->d;
    double lp = 0.0;
    for (size_t k = 0; k < d; k++) {
        double t = theta[k] - gp->prior_mu;
        lp += -t * t / 6.0 - 0.5 * (LOG_2PI + log(3.0));
        if (grad)
            grad[k] += -t / 3.0;
    }
    double amp = exp(theta[d]);
    lp += theta[d] - amp; /* Gamma(2, 1) density of amp: amp e^-amp / Gamma(2) */
    if (grad)
        grad[d] += 1.0 - amp;
    if (!gp->fix_noise) {
        double t = (theta[d + 1] - NOISE_MU) / NOISE_SD;
        lp += -0.5 * t * t - 0.5 * LOG_2PI - log(NOISE_SD);
        if (grad)
            grad[d + 1] += -t / NOISE_SD;
    }
    return lp;
}

int hpo__gp_objective(hpo__gp *gp, const double *theta, int with_prior, double *value, double *grad)
{
    size_t n = gp->n, d = gp->d, nt = d + 2;
    for (size_t k = 0; k < nt; k++)
        if (!isfinite(theta[k]))
            return hpo__err(HPO_EINVAL, "gp: theta[%zu] is not finite", k);
    int rc = ensure_scratch(gp);
    if (rc)
        return rc;
    double *inv_l2 = gp->scratch_d, *g = gp->scratch_d + d;
    for (size_t k = 0; k < d; k++)
        inv_l2[k] = exp(-2.0 * theta[k]);
    double amp = exp(theta[d]), noise = exp(theta[d + 1]);
    memset(g, 0, nt * sizeof *g);
    double lml = 0.0;
    if (n > 0) {
        double *K = gp->K, *L = gp->W;
        const double *p = gp->D2;
        double diag = amp + noise + gp->alpha;
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < i; j++, p += d) {
                double r2 = 0.0, m;
                for (size_t k = 0; k < d; k++)
                    r2 += p[k] * inv_l2[k];
                kern(gp->kernel, r2, &m);
                K[i * n + j] = amp * m;
            }
            K[i * n + i] = diag;
        }
        double jit;
        rc = hpo__chol_jitter(K, L, n, &jit);
        if (rc)
            return rc;
        double *a = gp->av; /* K_y^-1 y */
        memcpy(a, gp->y, n * sizeof *a);
        hpo__trsv_lower(L, n, a);
        double quad = 0.0, logdet = 0.0;
        for (size_t i = 0; i < n; i++) {
            quad += a[i] * a[i];
            logdet += log(L[i * n + i]);
        }
        hpo__trsv_lower_t(L, n, a);
        lml = -0.5 * quad - logdet - 0.5 * (double)n * LOG_2PI;
        if (grad) {
            double *Kinv = K; /* K is not needed any more */
            rc = hpo__chol_inverse(L, n, Kinv);
            if (rc)
                return rc;
            double g_amp = 0.0, g_noise = 0.0;
            p = gp->D2;
            for (size_t i = 0; i < n; i++) {
                double ai = a[i];
                for (size_t j = 0; j < i; j++, p += d) {
                    double w = ai * a[j] - Kinv[i * n + j];
                    double r2 = 0.0, m;
                    for (size_t k = 0; k < d; k++)
                        r2 += p[k] * inv_l2[k];
                    double G = kern(gp->kernel, r2, &m);
                    /* (i, j) and (j, i) each with the 1/2 of the trace */
                    g_amp += w * m;
                    if (G != 0.0) {
                        double wg = w * G;
                        for (size_t k = 0; k < d; k++)
                            g[k] += wg * p[k] * inv_l2[k];
                    }
                }
                double wd = ai * ai - Kinv[i * n + i];
                g_amp += 0.5 * wd; /* M(0) = 1 */
                g_noise += 0.5 * wd;
            }
            for (size_t k = 0; k < d; k++)
                g[k] *= amp;
            g[d] = g_amp * amp;
            g[d + 1] = g_noise * noise;
        }
    }
    if (with_prior && gp->hyper == HPO__GP_MAP)
        lml += log_prior(gp, theta, grad ? g : NULL);
    if (!isfinite(lml))
        return hpo__err(HPO_ENUMERIC, "gp: log marginal likelihood is not finite");
    *value = lml;
    if (grad)
        memcpy(grad, g, nt * sizeof *grad);
    return 0;
}

/* ---- factorization at gp->theta */

static void solve_alpha(hpo__gp *gp)
{
    size_t N = gp->n + gp->nf;
    if (N == 0)
        return;
    memcpy(gp->al, gp->y, N * sizeof(double));
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (blasint)N, gp->L,
                (blasint)gp->cap, gp->al, 1);
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, (blasint)N, gp->L,
                (blasint)gp->cap, gp->al, 1);
}

/* k(x, row i) for the first N rows into k. */
static void kvec(const hpo__gp *gp, const double *x, size_t N, double *k)
{
    for (size_t i = 0; i < N; i++) {
        double m;
        kern(gp->kernel, dist2(gp, x, gp->X + i * gp->d, gp->inv_l2), &m);
        k[i] = gp->amp * m;
    }
}

static int grow(hpo__gp *gp, size_t need)
{
    if (need <= gp->cap)
        return 0;
    size_t d = gp->d, cap = gp->cap * 2 > need ? gp->cap * 2 : need;
    double *X = hpo__realloc(gp->X, cap * d * sizeof(double));
    if (!X)
        return hpo__enomem();
    gp->X = X;
    double *y = hpo__realloc(gp->y, cap * sizeof(double));
    if (!y)
        return hpo__enomem();
    gp->y = y;
    double *al = hpo__realloc(gp->al, cap * sizeof(double));
    if (!al)
        return hpo__enomem();
    gp->al = al;
    double *L = hpo__calloc(cap * cap, sizeof(double));
    if (!L)
        return hpo__enomem();
    size_t N = gp->n + gp->nf;
    for (size_t i = 0; i < N; i++)
        memcpy(L + i * cap, gp->L + i * gp->cap, (i + 1) * sizeof(double));
    hpo__free(gp->L);
    gp->L = L;
    gp->cap = cap;
    return 0;
}

static int append_row(hpo__gp *gp, size_t N, const double *x)
{
    /* the new row of L is filled by hpo__chol_append from k (stored there) */
    double *row = gp->L + N * gp->cap;
    kvec(gp, x, N, row);
    double kpp = gp->amp + gp->noise + gp->alpha + gp->jitter;
    return hpo__chol_append(gp->L, N, gp->cap, row, kpp);
}

static int factorize(hpo__gp *gp)
{
    size_t n = gp->n, d = gp->d, cap = gp->cap;
    const double *theta = gp->theta;
    for (size_t k = 0; k < d; k++)
        gp->inv_l2[k] = exp(-2.0 * theta[k]);
    gp->amp = exp(theta[d]);
    gp->noise = exp(theta[d + 1]);
    gp->jitter = 0.0;
    gp->factored = 0;
    if (n > 0) {
        int rc = ensure_scratch(gp);
        if (rc)
            return rc;
        double *K = gp->K, *Lc = gp->W;
        double diag = gp->amp + gp->noise + gp->alpha;
        for (size_t i = 0; i < n; i++) {
            const double *a = gp->X + i * d;
            for (size_t j = 0; j < i; j++) {
                double m;
                kern(gp->kernel, dist2(gp, a, gp->X + j * d, gp->inv_l2), &m);
                K[i * n + j] = gp->amp * m;
            }
            K[i * n + i] = diag;
        }
        rc = hpo__chol_jitter(K, Lc, n, &gp->jitter);
        if (rc)
            return rc;
        for (size_t i = 0; i < n; i++) {
            memcpy(gp->L + i * cap, Lc + i * n, (i + 1) * sizeof(double));
            memset(gp->L + i * cap + i + 1, 0, (cap - i - 1) * sizeof(double));
        }
    }
    /* re-append the fantasies at the new theta */
    for (size_t f = 0; f < gp->nf; f++) {
        int rc = append_row(gp, n + f, gp->X + (n + f) * d);
        if (rc) {
            gp->nf = f;
            solve_alpha(gp);
            gp->factored = 1;
            return rc;
        }
    }
    solve_alpha(gp);
    gp->factored = 1;
    return 0;
}

int hpo__gp_set_theta(hpo__gp *gp, const double *theta)
{
    size_t nt = gp->d + 2;
    double *t = gp->scratch_d; /* nt + d >= nt entries */
    memcpy(t, theta, nt * sizeof *t);
    clip_theta(gp, t);
    memcpy(gp->theta, t, nt * sizeof *t);
    return factorize(gp);
}

/* ---- fitting */

typedef struct fit_ctx {
    hpo__gp *gp;
    double *full; /* n_theta: the optimized ones then the fixed noise */
    double *grad; /* n_theta */
    size_t n_opt;
} fit_ctx;

static int fit_fn(const double *x, double *g, double *f, void *payload)
{
    fit_ctx *c = payload;
    memcpy(c->full, x, c->n_opt * sizeof *x);
    double v;
    int rc = hpo__gp_objective(c->gp, c->full, 1, &v, c->grad);
    if (rc == HPO_ENUMERIC || rc == HPO_EINVAL) {
        *f = HUGE_VAL; /* this start or this step loses */
        return 0;
    }
    if (rc)
        return rc;
    *f = -v;
    for (size_t k = 0; k < c->n_opt; k++)
        g[k] = -c->grad[k];
    return 0;
}

int hpo__gp_fit(hpo__gp *gp, const double *starts, size_t n_starts, double *best)
{
    size_t d = gp->d, nt = d + 2;
    size_t n_opt = gp->fix_noise ? d + 1 : nt;
    double *buf = hpo__malloc(4 * nt * sizeof(double));
    if (!buf)
        return hpo__enomem();
    double *x = buf, *full = buf + nt, *grad = full + nt, *xbest = grad + nt;
    fit_ctx c = {gp, full, grad, n_opt};
    hpo__lbfgsb_opts o = hpo__lbfgsb_defaults();
    if (gp->hyper == HPO__GP_MAP)
        o.max_iter = 200;
    double fbest = HUGE_VAL;
    int rc = 0;
    for (size_t s = 0; s < n_starts; s++) {
        memcpy(x, starts + s * nt, nt * sizeof *x);
        clip_theta(gp, x);
        memcpy(full, x, nt * sizeof *x);
        double f;
        int r = hpo__lbfgsb(fit_fn, &c, n_opt, x, gp->lo, gp->hi, &o, &f, NULL);
        if (r == HPO_ENUMERIC)
            continue;
        if (r) {
            rc = r;
            break;
        }
        if (isfinite(f) && f < fbest) {
            fbest = f;
            memcpy(xbest, x, n_opt * sizeof *x);
        }
    }
    if (rc == 0) {
        memcpy(full, gp->theta, nt * sizeof *full);
        if (fbest < HUGE_VAL)
            memcpy(full, xbest, n_opt * sizeof *full);
        rc = hpo__gp_set_theta(gp, full);
        if (rc == 0 && best) {
            if (fbest < HUGE_VAL) {
                *best = -fbest;
            } else {
                double v;
                rc = hpo__gp_objective(gp, gp->theta, 1, &v, NULL);
                if (rc == 0)
                    *best = v;
            }
        }
    }
    hpo__free(buf);
    return rc;
}

/* ---- prediction */

static int need_factor(const hpo__gp *gp)
{
    if (!gp->factored)
        return hpo__err(HPO_EINVAL, "gp: no factorization (call set_theta or fit after set_data)");
    return 0;
}

int hpo__gp_predict(const hpo__gp *gp, const double *Xs, size_t m, double *mu, double *var)
{
    int rc = need_factor(gp);
    if (rc)
        return rc;
    size_t N = gp->n + gp->nf, d = gp->d;
    if (N == 0) {
        for (size_t j = 0; j < m; j++) {
            mu[j] = 0.0;
            if (var)
                var[j] = gp->amp > 1e-12 ? gp->amp : 1e-12;
        }
        return 0;
    }
    size_t B = m < PRED_BLOCK ? m : PRED_BLOCK;
    double *Ks = hpo__malloc((N * B + 1) * sizeof *Ks);
    if (!Ks)
        return hpo__enomem();
    for (size_t j0 = 0; j0 < m; j0 += B) {
        size_t b = m - j0 < B ? m - j0 : B;
        for (size_t i = 0; i < N; i++) {
            const double *xi = gp->X + i * d;
            for (size_t c = 0; c < b; c++) {
                double mm;
                kern(gp->kernel, dist2(gp, Xs + (j0 + c) * d, xi, gp->inv_l2), &mm);
                Ks[i * b + c] = gp->amp * mm;
            }
        }
        for (size_t c = 0; c < b; c++)
            mu[j0 + c] = 0.0;
        for (size_t i = 0; i < N; i++) {
            double a = gp->al[i];
            for (size_t c = 0; c < b; c++)
                mu[j0 + c] += Ks[i * b + c] * a;
        }
        if (!var)
            continue;
        cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (blasint)N,
                    (blasint)b, 1.0, gp->L, (blasint)gp->cap, Ks, (blasint)b);
        for (size_t c = 0; c < b; c++)
            var[j0 + c] = gp->amp;
        for (size_t i = 0; i < N; i++)
            for (size_t c = 0; c < b; c++)
                var[j0 + c] -= Ks[i * b + c] * Ks[i * b + c];
        for (size_t c = 0; c < b; c++)
            if (!(var[j0 + c] >= 1e-12))
                var[j0 + c] = 1e-12;
    }
    hpo__free(Ks);
    return 0;
}

int hpo__gp_predict_grad(const hpo__gp *gp, const double *x, double *mu, double *var, double *dmu,
                         double *dvar)
{
    int rc = need_factor(gp);
    if (rc)
        return rc;
    size_t N = gp->n + gp->nf, d = gp->d;
    for (size_t k = 0; k < d; k++)
        dmu[k] = dvar[k] = 0.0;
    if (N == 0) {
        *mu = 0.0;
        *var = gp->amp > 1e-12 ? gp->amp : 1e-12;
        return 0;
    }
    double *k = hpo__malloc(3 * N * sizeof *k);
    if (!k)
        return hpo__enomem();
    double *v = k + N, *G = v + N;
    double m0 = 0.0;
    for (size_t i = 0; i < N; i++) {
        double mm;
        G[i] = kern(gp->kernel, dist2(gp, x, gp->X + i * d, gp->inv_l2), &mm);
        k[i] = gp->amp * mm;
        m0 += k[i] * gp->al[i];
    }
    memcpy(v, k, N * sizeof *v);
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (blasint)N, gp->L,
                (blasint)gp->cap, v, 1);
    double s = gp->amp;
    for (size_t i = 0; i < N; i++)
        s -= v[i] * v[i];
    int clamped = !(s >= 1e-12);
    /* w = K_y^-1 k* */
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, (blasint)N, gp->L,
                (blasint)gp->cap, v, 1);
    for (size_t i = 0; i < N; i++) {
        const double *xi = gp->X + i * d;
        double c = -gp->amp * G[i];
        if (c == 0.0)
            continue;
        for (size_t j = 0; j < d; j++) {
            if (gp->cat[j])
                continue;
            double dk = c * (x[j] - xi[j]) * gp->inv_l2[j];
            dmu[j] += dk * gp->al[i];
            if (!clamped)
                dvar[j] += -2.0 * dk * v[i];
        }
    }
    *mu = m0;
    *var = clamped ? 1e-12 : s;
    hpo__free(k);
    return 0;
}

/* ---- fantasies */

int hpo__gp_add_fantasy(hpo__gp *gp, const double *x, double y)
{
    int rc = need_factor(gp);
    if (rc)
        return rc;
    size_t d = gp->d, N = gp->n + gp->nf;
    if (!isfinite(y))
        return hpo__err(HPO_EINVAL, "gp: fantasy y is not finite");
    for (size_t k = 0; k < d; k++)
        if (!isfinite(x[k]))
            return hpo__err(HPO_EINVAL, "gp: fantasy x[%zu] is not finite", k);
    rc = grow(gp, N + 1);
    if (rc)
        return rc;
    rc = append_row(gp, N, x);
    if (rc)
        return rc;
    memcpy(gp->X + N * d, x, d * sizeof *x);
    gp->y[N] = y;
    gp->nf++;
    solve_alpha(gp);
    return 0;
}

void hpo__gp_clear_fantasies(hpo__gp *gp)
{
    if (gp->nf == 0)
        return;
    gp->nf = 0;
    if (gp->factored)
        solve_alpha(gp);
}
