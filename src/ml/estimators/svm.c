/*
 * svm.c -- support vector machines: scikit-learn 1.2's SVC ("svc") and SVR
 * ("svr") on the system's libsvm 3.24 (Debian's libsvm3, <svm.h>).
 *
 * Reference behaviour (scikit-learn bundles its own fork of libsvm; this file
 * makes the upstream library solve the same problems):
 *  - Class order: scikit-learn's fork sorts the labels, upstream libsvm orders
 *    them by first appearance. fit hands libsvm the training rows stably sorted
 *    by class index, so libsvm's groups come out in ascending class order and
 *    every one-vs-one subproblem holds the same rows in the same order as
 *    scikit-learn's: the solver does the same arithmetic and the models are
 *    equal (support vectors, coefficients, rho).
 *  - Kernels: scikit-learn's libsvm takes every dot product from BLAS ddot
 *    (scipy's OpenBLAS, the same library hpo links; for rbf at prediction the
 *    ddot of x - v with itself). fit hands libsvm the kernel matrix as a
 *    precomputed kernel when it fits in cache_size (n (n + 2) 16 bytes): its
 *    entries are libsvm's own formulas (rbf exp(-gamma (|x_i|^2 + |x_j|^2 -
 *    2 x_i.x_j))) on dot products from cblas_ddot, or, on integer data where
 *    every summation order gives the same exact sum (digits), from a
 *    vectorised tile loop. Larger problems go to libsvm as sparse nodes
 *    without zeros (its own sequential sums: on non-integer data decision
 *    values may then differ from scikit-learn's in the last bits). Prediction
 *    does not call libsvm: the kernel against each (dense) support vector and
 *    the one-vs-one sums are computed here in libsvm's order
 *    (svm_predict_values), so predictions and decision values equal
 *    scikit-learn's; predict votes per pair (dec > 0 votes for the lower
 *    class), ties to the lowest class index.
 *  - decision_function: binary -> -dec (positive = class index 1), as
 *    BaseSVC._decision_function; multiclass -> _ovr_decision_function(dec < 0,
 *    -dec, k) (votes plus confidences / (3 (|confidences| + 1))).
 *  - gamma: 'scale' = 1 / (n_features * X.var()), 1 when the variance is 0,
 *    with numpy's summation (pairwise within blocks of 8192 elements, the
 *    blocks added in order), so the value is bit-equal; 'auto' = 1 / n_features.
 *  - class_weight 'balanced': n_samples / (n_classes * bincount(y)) over the
 *    classes present in the training rows, passed as libsvm class weights.
 *  - probability: libsvm's Platt scaling, whose internal 5-fold cross-validation
 *    shuffles with rand(). For determinism per seed such fits run under the
 *    process-wide lock of util/librand.c (shared with liblinear), with rand()
 *    seeded from the model's seed. scikit-learn's fork draws from
 *    its own generator, so probabilities are close to, not equal to, its own.
 *    predict_proba is libsvm's svm_predict_probability (pairwise coupling) on a
 *    model assembled here.
 * Known deviations: max_iter must be -1 (upstream libsvm has no iteration
 * limit parameter; its own cap is max(10^7, 100 n) iterations, unreachable in
 * practice); gamma must be > 0 (scikit-learn also accepts 0); class_weight takes
 * 'balanced' or 'none', not a dict. A class missing from the training rows
 * gets probability 0 and decision value -1 in its column.
 *
 * Invariants: libsvm never prints (its print hook is set to a no-op once,
 * with pthread_once, before any training); the fitted model is owned here
 * (dense support vectors, coefficients, rho, labels, nSV, probA/probB) and the
 * svm_model handed to libsvm only points into it, so it is never passed to
 * svm_free_*; libsvm's trained model is destroyed right after it is copied.
 * A model is used by one thread at a time; non-probability fits of distinct
 * models run concurrently.
 * Costs: fit O(n^2 d) for the kernel matrix (n (n + 2) 16 bytes) plus libsvm's
 * solver (cache_size MB of cache); predict O(nq n_SV d) without per-row
 * allocations (apart from libsvm's own inside predict_proba). BLAS calls are
 * ddot on d values, single-threaded, so set_threads is accepted and ignored.
 * Measured on digits (1437 training rows, rbf, one thread, same run): fit
 * about 1.5x scikit-learn's, predict about 0.2x, fit + predict 0.9-1.05x for
 * C >= 1 and 0.56x for C = 0.1; the 6 x 6 C x gamma grid (bench/svc_grid.sh)
 * 0.59x.
 */
#include "ml/estimator.h"
#include "util/util.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <svm.h>

enum { K_LINEAR, K_POLY, K_RBF, K_SIGMOID }; /* as libsvm's LINEAR..SIGMOID */
enum { G_SCALE, G_AUTO, G_VALUE };

#define MODEL_MAGIC 0x314d5653u /* "SVM1" */

typedef struct svm_est {
    const char *name; /* "svc" or "svr" */
    hpo__task task;
    /* hyperparameters */
    int kernel, degree, gamma_kind, shrinking, balanced, probability;
    double C, gamma_value, coef0, tol, cache_size, epsilon;
    uint64_t seed;
    /* the fitted model (fitted != 0) */
    int fitted;
    size_t d, n_classes; /* n_classes 0 for regression */
    double gamma;        /* resolved */
    size_t k, l;         /* groups (2 for regression), support vectors */
    int *label;          /* k class indices, ascending (classification) */
    int *nSV;            /* k (classification) */
    double *SV;          /* l x d, dense */
    double *coef;        /* (k-1) x l */
    double *rho;         /* k(k-1)/2 */
    double *probA, *probB;
    /* libsvm's view of it, for svm_predict_probability */
    struct svm_node *nodes;
    struct svm_node **svp;
    double **coefp;
    struct svm_model model;
} svm_est;

static svm_est *as_svm(hpo__estimator *e)
{
    return (svm_est *)(void *)e;
}

static const hpo__hyper svc_hypers[] = {
    {"C", "float", "1.0", "regularisation: penalty of margin violations (> 0)"},
    {"kernel", "string", "rbf", "linear, poly, rbf or sigmoid"},
    {"degree", "int", "3", "degree of the poly kernel"},
    {"gamma", "string", "scale",
     "kernel coefficient: scale (1/(n_features X.var())), auto (1/n_features) or a number > 0"},
    {"coef0", "float", "0.0", "independent term of the poly and sigmoid kernels"},
    {"shrinking", "bool", "true", "use libsvm's shrinking heuristic"},
    {"tol", "float", "1e-3", "stopping tolerance"},
    {"class_weight", "string", "none", "none, or balanced: C scaled by n/(k bincount(y))"},
    {"probability", "bool", "false", "fit Platt scaling for predict_proba (slower)"},
    {"cache_size", "float", "200", "kernel cache in MB"},
    {"max_iter", "int", "-1", "-1: no limit (the only value the system libsvm supports)"},
    {NULL, NULL, NULL, NULL}};

static const hpo__hyper svr_hypers[] = {
    {"C", "float", "1.0", "regularisation: penalty of errors beyond epsilon (> 0)"},
    {"kernel", "string", "rbf", "linear, poly, rbf or sigmoid"},
    {"degree", "int", "3", "degree of the poly kernel"},
    {"gamma", "string", "scale",
     "kernel coefficient: scale (1/(n_features X.var())), auto (1/n_features) or a number > 0"},
    {"coef0", "float", "0.0", "independent term of the poly and sigmoid kernels"},
    {"epsilon", "float", "0.1", "width of the tube without penalty"},
    {"shrinking", "bool", "true", "use libsvm's shrinking heuristic"},
    {"tol", "float", "1e-3", "stopping tolerance"},
    {"cache_size", "float", "200", "kernel cache in MB"},
    {"max_iter", "int", "-1", "-1: no limit (the only value the system libsvm supports)"},
    {NULL, NULL, NULL, NULL}};

static const char *const kernel_names[] = {"linear", "poly", "rbf", "sigmoid", NULL};
static const char *const class_weight_names[] = {"none", "balanced", NULL};

/* ---- libsvm's process-wide state: its print hook and rand() */

static void print_nothing(const char *s)
{
    (void)s;
}

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

static void make_quiet(void)
{
    svm_set_print_string_function(print_nothing);
}

/* ---- the fitted model */

static void model_clear(svm_est *m)
{
    hpo__free(m->label);
    hpo__free(m->nSV);
    hpo__free(m->SV);
    hpo__free(m->coef);
    hpo__free(m->rho);
    hpo__free(m->probA);
    hpo__free(m->probB);
    hpo__free(m->nodes);
    hpo__free(m->svp);
    hpo__free(m->coefp);
    m->label = m->nSV = NULL;
    m->SV = m->coef = m->rho = m->probA = m->probB = NULL;
    m->nodes = NULL;
    m->svp = NULL;
    m->coefp = NULL;
    memset(&m->model, 0, sizeof m->model);
    m->fitted = 0;
    m->k = m->l = 0;
}

static void sv_destroy(hpo__estimator *e)
{
    svm_est *m = as_svm(e);
    if (!m)
        return;
    model_clear(m);
    hpo__free(m);
}

/* Point an svm_model at the arrays of `m` (sparse copies of the support
 * vectors without zeros). */
static int build_view(svm_est *m)
{
    size_t l = m->l, d = m->d, nnz = 0, k = m->k;
    for (size_t i = 0; i < l * d; i++)
        nnz += m->SV[i] != 0.0;
    m->nodes = hpo__malloc((nnz + l + 1) * sizeof *m->nodes);
    m->svp = hpo__malloc((l ? l : 1) * sizeof *m->svp);
    m->coefp = hpo__malloc((k - 1) * sizeof *m->coefp);
    if (!m->nodes || !m->svp || !m->coefp)
        return hpo__enomem();
    struct svm_node *p = m->nodes;
    for (size_t i = 0; i < l; i++) {
        m->svp[i] = p;
        for (size_t j = 0; j < d; j++) {
            if (m->SV[i * d + j] != 0.0) {
                p->index = (int)j + 1;
                p->value = m->SV[i * d + j];
                p++;
            }
        }
        p->index = -1;
        p->value = 0.0;
        p++;
    }
    for (size_t r = 0; r + 1 < k; r++)
        m->coefp[r] = m->coef + r * l;
    struct svm_model *s = &m->model;
    memset(s, 0, sizeof *s);
    s->param.svm_type = m->task == HPO__TASK_CLASSIFICATION ? C_SVC : EPSILON_SVR;
    s->param.kernel_type = m->kernel;
    s->param.degree = m->degree;
    s->param.gamma = m->gamma;
    s->param.coef0 = m->coef0;
    s->param.probability = m->probA != NULL;
    s->nr_class = (int)k;
    s->l = (int)l;
    s->SV = m->svp;
    s->sv_coef = m->coefp;
    s->rho = m->rho;
    s->probA = m->probA;
    s->probB = m->probB;
    s->label = m->label;
    s->nSV = m->nSV;
    s->free_sv = 0;
    m->fitted = 1;
    return 0;
}

/* Allocate the arrays of a model with k groups and l support vectors. */
static int model_alloc(svm_est *m, size_t k, size_t l, int prob)
{
    size_t pairs = k * (k - 1) / 2;
    m->k = k;
    m->l = l;
    if (m->task == HPO__TASK_CLASSIFICATION) {
        m->label = hpo__malloc(k * sizeof *m->label);
        m->nSV = hpo__malloc(k * sizeof *m->nSV);
        if (!m->label || !m->nSV)
            return hpo__enomem();
    }
    m->SV = hpo__calloc(l * m->d + 1, sizeof *m->SV);
    m->coef = hpo__malloc(((k - 1) * l + 1) * sizeof *m->coef);
    m->rho = hpo__malloc(pairs * sizeof *m->rho);
    if (!m->SV || !m->coef || !m->rho)
        return hpo__enomem();
    if (prob) {
        m->probA = hpo__malloc(pairs * sizeof *m->probA);
        m->probB = hpo__malloc(pairs * sizeof *m->probB);
        if (!m->probA || !m->probB)
            return hpo__enomem();
    }
    return 0;
}

/* Copy libsvm's trained model into `m` (d and gamma already set). With a
 * precomputed kernel (Xs != NULL) a support vector's first node holds its
 * 1-based row in Xs, the rows as libsvm saw them. */
static int adopt(svm_est *m, const struct svm_model *t, const double *Xs)
{
    size_t k = (size_t)t->nr_class, l = (size_t)t->l, d = m->d;
    int rc = model_alloc(m, k, l, t->probA && t->probB);
    if (rc)
        return rc;
    if (m->task == HPO__TASK_CLASSIFICATION) {
        for (size_t i = 0; i < k; i++) {
            m->label[i] = t->label[i];
            m->nSV[i] = t->nSV[i];
            if (i && m->label[i] <= m->label[i - 1])
                return hpo__err(HPO_EINVAL, "svc: libsvm ordered the classes unexpectedly");
        }
    }
    for (size_t i = 0; i < l; i++) {
        if (Xs) {
            size_t row = (size_t)t->SV[i][0].value - 1;
            memcpy(m->SV + i * d, Xs + row * d, d * sizeof *m->SV);
            continue;
        }
        for (const struct svm_node *p = t->SV[i]; p->index != -1; p++)
            m->SV[i * d + (size_t)(p->index - 1)] = p->value;
    }
    for (size_t r = 0; r + 1 < k; r++)
        memcpy(m->coef + r * l, t->sv_coef[r], l * sizeof *m->coef);
    memcpy(m->rho, t->rho, k * (k - 1) / 2 * sizeof *m->rho);
    if (m->probA) {
        memcpy(m->probA, t->probA, k * (k - 1) / 2 * sizeof *m->probA);
        memcpy(m->probB, t->probB, k * (k - 1) / 2 * sizeof *m->probB);
    }
    return build_view(m);
}

/* ---- create */

static int read_gamma(svm_est *m, const hpo__params *hp)
{
    const hpo_value *v = hpo__hp_get(hp, "gamma");
    static const char *const words[] = {"scale", "auto"};
    char text[48];
    m->gamma_kind = G_SCALE;
    if (!v)
        return 0;
    if (v->type == HPO_VALUE_STRING && v->u.s) {
        if (strcmp(v->u.s, "scale") == 0)
            return 0;
        if (strcmp(v->u.s, "auto") == 0) {
            m->gamma_kind = G_AUTO;
            return 0;
        }
        const char *s = hpo__suggest(v->u.s, words, 2);
        if (s)
            return hpo__err(HPO_EINVAL,
                            "%s: gamma must be 'scale', 'auto' or a number > 0, got '%s' (did "
                            "you mean '%s'?)",
                            m->name, v->u.s, s);
        return hpo__err(HPO_EINVAL, "%s: gamma must be 'scale', 'auto' or a number > 0, got '%s'",
                        m->name, v->u.s);
    }
    double g;
    if (v->type == HPO_VALUE_FLOAT)
        g = v->u.f;
    else if (v->type == HPO_VALUE_INT)
        g = (double)v->u.i;
    else
        return hpo__err(HPO_EINVAL, "%s: gamma must be 'scale', 'auto' or a number > 0, got %s",
                        m->name, v->u.b ? "true" : "false");
    if (!(isfinite(g) && g > 0.0)) {
        hpo__fmt_double(text, sizeof text, g);
        return hpo__err(HPO_EINVAL, "%s: gamma must be 'scale', 'auto' or a number > 0, got %s",
                        m->name, text);
    }
    m->gamma_kind = G_VALUE;
    m->gamma_value = g;
    return 0;
}

static int create_common(hpo__estimator **out, hpo__task task, const hpo__params *hp, uint64_t seed,
                         int regression)
{
    const char *name = regression ? "svr" : "svc";
    hpo__task want = regression ? HPO__TASK_REGRESSION : HPO__TASK_CLASSIFICATION;
    size_t kern = K_RBF, cw = 0;
    long long degree, max_iter;
    int rc;
    svm_est tmp;
    if (!out)
        return hpo__err(HPO_EINVAL, "%s: no output", name);
    *out = NULL;
    if (task != want)
        return hpo__err(HPO_EINVAL, "%s: the task must be %s", name,
                        regression ? "regression" : "classification");
    memset(&tmp, 0, sizeof tmp);
    tmp.name = name;
    tmp.task = task;
    tmp.seed = seed;
    if ((rc = hpo__hp_check_names(name, hp, regression ? svr_hypers : svc_hypers)) != 0 ||
        (rc = hpo__hp_float(name, hp, "C", 1.0, 0.0, (double)INFINITY, HPO__HP_OPEN_LOW, &tmp.C)) !=
            0 ||
        (rc = hpo__hp_choice(name, hp, "kernel", kernel_names, K_RBF, &kern)) != 0 ||
        (rc = hpo__hp_int(name, hp, "degree", 3, 0, INT_MAX, &degree)) != 0 ||
        (rc = read_gamma(&tmp, hp)) != 0 ||
        (rc = hpo__hp_float(name, hp, "coef0", 0.0, -(double)INFINITY, (double)INFINITY, 0,
                            &tmp.coef0)) != 0 ||
        (rc = hpo__hp_bool(name, hp, "shrinking", 1, &tmp.shrinking)) != 0 ||
        (rc = hpo__hp_float(name, hp, "tol", 1e-3, 0.0, (double)INFINITY, HPO__HP_OPEN_LOW,
                            &tmp.tol)) != 0 ||
        (rc = hpo__hp_float(name, hp, "cache_size", 200.0, 0.0, (double)INFINITY, HPO__HP_OPEN_LOW,
                            &tmp.cache_size)) != 0 ||
        (rc = hpo__hp_int(name, hp, "max_iter", -1, -1, LLONG_MAX, &max_iter)) != 0)
        return rc;
    if (max_iter != -1)
        return hpo__err(HPO_EINVAL,
                        "%s: max_iter must be -1 (no limit; the system libsvm has no iteration "
                        "limit parameter), got %lld",
                        name, max_iter);
    if (regression) {
        if ((rc = hpo__hp_float(name, hp, "epsilon", 0.1, 0.0, (double)INFINITY, 0,
                                &tmp.epsilon)) != 0)
            return rc;
    } else if ((rc = hpo__hp_choice(name, hp, "class_weight", class_weight_names, 0, &cw)) != 0 ||
               (rc = hpo__hp_bool(name, hp, "probability", 0, &tmp.probability)) != 0) {
        return rc;
    }
    tmp.kernel = (int)kern;
    tmp.degree = (int)degree;
    tmp.balanced = cw == 1;
    svm_est *m = hpo__malloc(sizeof *m);
    if (!m)
        return hpo__enomem();
    *m = tmp;
    pthread_once(&quiet_once, make_quiet);
    *out = (hpo__estimator *)(void *)m;
    return 0;
}

static int svc_create(hpo__estimator **out, hpo__task task, const hpo__params *hp, uint64_t seed)
{
    return create_common(out, task, hp, seed, 0);
}

static int svr_create(hpo__estimator **out, hpo__task task, const hpo__params *hp, uint64_t seed)
{
    return create_common(out, task, hp, seed, 1);
}

static int sv_set_threads(hpo__estimator *e, int threads)
{
    if (!e || threads < 1)
        return hpo__err(HPO_EINVAL, "svm: threads must be >= 1, got %d", threads);
    return 0; /* libsvm is single-threaded */
}

/* ---- fit */

/* libsvm's powi: repeated squaring. */
static double powi(double base, int times)
{
    double tmp = base, ret = 1.0;
    for (int t = times; t > 0; t /= 2) {
        if (t % 2 == 1)
            ret *= tmp;
        tmp = tmp * tmp;
    }
    return ret;
}

/* X.var() as numpy computes it (mean, squared deviations, their sum / N);
 * `tmp` holds N doubles. */
static double np_var(const double *X, size_t N, double *tmp)
{
    double mean = hpo__np_sum(X, N) / (double)N;
    for (size_t i = 0; i < N; i++) {
        double x = X[i] - mean;
        tmp[i] = x * x;
    }
    return hpo__np_sum(tmp, N) / (double)N;
}

/* Dot products of 4 rows (x[r] + t, t < d) with the 8 columns of a packed
 * panel (P[t * 8 + c]) into out[r * 8 + c]: each
 * one summed left to right over t, in independent lanes of vectors (element-
 * wise IEEE products and sums: no sum is reordered; AVX2 when the CPU has it,
 * SSE2 otherwise). */
typedef double v4d __attribute__((vector_size(32)));
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
static void
dot_tile(const double *const x[4], const double *P, size_t d, double out[32])
{
    v4d a00 = {0}, a01 = {0}, a10 = {0}, a11 = {0}, a20 = {0}, a21 = {0}, a30 = {0}, a31 = {0};
    const double *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3];
    for (size_t t = 0; t < d; t++) {
        v4d p0, p1;
        memcpy(&p0, P + t * 8, sizeof p0);
        memcpy(&p1, P + t * 8 + 4, sizeof p1);
        const v4d v0 = {x0[t], x0[t], x0[t], x0[t]}, v1 = {x1[t], x1[t], x1[t], x1[t]};
        const v4d v2 = {x2[t], x2[t], x2[t], x2[t]}, v3 = {x3[t], x3[t], x3[t], x3[t]};
        a00 += v0 * p0;
        a01 += v0 * p1;
        a10 += v1 * p0;
        a11 += v1 * p1;
        a20 += v2 * p0;
        a21 += v2 * p1;
        a30 += v3 * p0;
        a31 += v3 * p1;
    }
    memcpy(out, &a00, sizeof a00);
    memcpy(out + 4, &a01, sizeof a01);
    memcpy(out + 8, &a10, sizeof a10);
    memcpy(out + 12, &a11, sizeof a11);
    memcpy(out + 16, &a20, sizeof a20);
    memcpy(out + 20, &a21, sizeof a21);
    memcpy(out + 24, &a30, sizeof a30);
    memcpy(out + 28, &a31, sizeof a31);
}

/* libsvm's Kernel::kernel_* from a dot product and the squared norms. */
static inline double kernel_value(const svm_est *m, double dot, double sqi, double sqj)
{
    switch (m->kernel) {
    case K_RBF:
        return exp(-m->gamma * (sqi + sqj - 2 * dot));
    case K_POLY:
        return powi(m->gamma * dot + m->coef0, m->degree);
    case K_SIGMOID:
        return tanh(m->gamma * dot + m->coef0);
    default:
        return dot;
    }
}

/* Whether every dot product of rows of X (N values, rows of d) is exact in
 * any summation order: integer values with d max|x|^2 < 2^53 (so any partial
 * sum, fused or not, is an exactly representable integer). */
static int exact_sums(const double *X, size_t N, size_t d)
{
    double top = 0.0;
    for (size_t i = 0; i < N; i++) {
        double a = fabs(X[i]);
        if (a != floor(a) || a > 67108864.0) /* 2^26 */
            return 0;
        top = a > top ? a : top;
    }
    return (double)d * top * top < 9007199254740992.0; /* 2^53 */
}

/* scikit-learn's libsvm takes every dot product from BLAS ddot (scipy's
 * OpenBLAS, the library hpo links): the same calls give the same bits. */
static double blas_dot(const double *x, const double *y, size_t d)
{
    return cblas_ddot((blasint)d, x, 1, y, 1);
}

/* kernel_matrix for data whose sums depend on their order: each dot product
 * from blas_dot, as scikit-learn's Kernel::dot computes it. */
static int kernel_matrix_blas(const svm_est *m, const double *Xs, size_t n, size_t d,
                              struct svm_node *nodes)
{
    const size_t w = n + 2;
    double *sq = hpo__malloc(n * sizeof *sq);
    if (!sq)
        return hpo__enomem();
    for (size_t i = 0; i < n; i++)
        sq[i] = blas_dot(Xs + i * d, Xs + i * d, d);
    for (size_t i = 0; i < n; i++) {
        struct svm_node *row = nodes + i * w;
        row[0].index = 0;
        row[0].value = (double)(i + 1);
        for (size_t j = i; j < n; j++) {
            double v = kernel_value(m, blas_dot(Xs + i * d, Xs + j * d, d), sq[i], sq[j]);
            struct svm_node a = {(int)j + 1, v}, b = {(int)i + 1, v};
            row[1 + j] = a;
            nodes[j * w + 1 + i] = b;
        }
        row[n + 1].index = -1;
        row[n + 1].value = 0.0;
    }
    hpo__free(sq);
    return 0;
}

/* The kernel matrix of the n rows Xs (n x d) as libsvm's precomputed-kernel
 * rows: row r is nodes[r (n + 2) ...]: (0, r + 1), (1, K(r, 0)), ...,
 * (n, K(r, n - 1)), (-1, 0). Every dot product is summed left to right over
 * the features, so K equals what libsvm's Kernel class computes (for rbf
 * exp(-gamma (|x_i|^2 + |x_j|^2 - 2 x_i.x_j)) with the same dot products):
 * training on it gives libsvm's (and scikit-learn's) model bit for bit. K is
 * symmetric (x_i.x_j and x_j.x_i are the same sum): the upper triangle is
 * computed, then mirrored. */
static int kernel_matrix(const svm_est *m, const double *Xs, size_t n, size_t d,
                         struct svm_node *nodes)
{
    if (!exact_sums(Xs, n * d, d))
        return kernel_matrix_blas(m, Xs, n, d, nodes);
    const size_t w = n + 2, np = (n + 7) / 8 * 8;
    double *P = hpo__malloc(np * d * sizeof *P), *sq = hpo__malloc(n * sizeof *sq);
    if (!P || !sq) {
        hpo__free(P);
        hpo__free(sq);
        return hpo__enomem();
    }
    /* panels of 8 rows, transposed: P[(j / 8) d 8 + t 8 + j % 8] */
    for (size_t j = 0; j < np; j++)
        for (size_t t = 0; t < d; t++)
            P[(j / 8) * d * 8 + t * 8 + j % 8] = j < n ? Xs[j * d + t] : 0.0;
    /* squared norms: the same left-to-right sums as the tiles' diagonal */
    for (size_t i = 0; i < n; i++) {
        const double *x = Xs + i * d;
        double t2 = 0.0;
        for (size_t t = 0; t < d; t++)
            t2 += x[t] * x[t];
        sq[i] = t2;
    }
    /* upper triangle by tiles of 4 x 8 dot products, each kernel value
     * written to (i, j) and (j, i) */
    for (size_t i0 = 0; i0 < n; i0 += 4) {
        size_t rows = n - i0 < 4 ? n - i0 : 4;
        const double *x[4];
        double tile[32];
        for (size_t r = 0; r < 4; r++)
            x[r] = Xs + (i0 + (r < rows ? r : 0)) * d;
        for (size_t j0 = i0 / 8 * 8; j0 < n; j0 += 8) {
            size_t cols = n - j0 < 8 ? n - j0 : 8;
            dot_tile(x, P + (j0 / 8) * d * 8, d, tile);
            for (size_t r = 0; r < rows; r++) {
                size_t i = i0 + r;
                for (size_t c = 0; c < cols; c++) {
                    size_t j = j0 + c;
                    if (j < i)
                        continue;
                    double v = kernel_value(m, tile[r * 8 + c], sq[i], sq[j]);
                    struct svm_node a = {(int)j + 1, v}, b = {(int)i + 1, v};
                    nodes[i * w + 1 + j] = a;
                    nodes[j * w + 1 + i] = b;
                }
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        struct svm_node *row = nodes + i * w;
        row[0].index = 0;
        row[0].value = (double)(i + 1);
        row[n + 1].index = -1;
        row[n + 1].value = 0.0;
    }
    hpo__free(P);
    hpo__free(sq);
    return 0;
}

static int sv_fit(hpo__estimator *e, const double *X, const double *y, size_t n, size_t d,
                  size_t n_classes)
{
    svm_est *m = as_svm(e);
    int classif;
    size_t *count = NULL, *order = NULL, *pos = NULL, present = 0, nnz = 0;
    double *py = NULL, *tmp = NULL, *weight = NULL, *Xs = NULL;
    int *wlabel = NULL, pre;
    struct svm_node *nodes = NULL, **px = NULL;
    struct svm_model *trained = NULL;
    int rc = 0;
    if (!m || !X || !y)
        return hpo__err(HPO_EINVAL, "svm: fit needs a model, X and y");
    classif = m->task == HPO__TASK_CLASSIFICATION;
    if (n == 0 || d == 0)
        return hpo__err(HPO_EINVAL, "%s: fit needs at least one row and one feature, got %zu x %zu",
                        m->name, n, d);
    if (n > INT_MAX || d >= INT_MAX || d > SIZE_MAX / sizeof(double) / n)
        return hpo__err(HPO_EINVAL, "%s: %zu x %zu training matrix is too large", m->name, n, d);
    for (size_t i = 0; i < n * d; i++) {
        if (!isfinite(X[i]))
            return hpo__err(HPO_EINVAL, "%s: X contains NaN or infinity (row %zu, column %zu)",
                            m->name, i / d, i % d);
        nnz += X[i] != 0.0;
    }
    if (classif) {
        if (n_classes == 0 || n_classes > INT_MAX)
            return hpo__err(HPO_EINVAL, "svc: classification needs n_classes >= 1, got %zu",
                            n_classes);
        for (size_t i = 0; i < n; i++)
            if (!(y[i] >= 0.0 && y[i] < (double)n_classes && y[i] == floor(y[i])))
                return hpo__err(HPO_EINVAL, "svc: y[%zu] is not a class index below %zu", i,
                                n_classes);
    } else {
        for (size_t i = 0; i < n; i++)
            if (!isfinite(y[i]))
                return hpo__err(HPO_EINVAL, "svr: y contains NaN or infinity (row %zu)", i);
    }
    model_clear(m);
    m->d = d;
    m->n_classes = classif ? n_classes : 0;

    /* gamma as scikit-learn resolves it */
    if (m->gamma_kind == G_SCALE) {
        if (!(tmp = hpo__malloc(n * d * sizeof *tmp))) {
            rc = hpo__enomem();
            goto done;
        }
        double var = np_var(X, n * d, tmp);
        m->gamma = var != 0.0 ? 1.0 / ((double)d * var) : 1.0;
    } else {
        m->gamma = m->gamma_kind == G_AUTO ? 1.0 / (double)d : m->gamma_value;
    }

    /* row order: stably by class (libsvm then groups classes in ascending order) */
    order = hpo__malloc(n * sizeof *order);
    py = hpo__malloc(n * sizeof *py);
    px = hpo__malloc(n * sizeof *px);
    /* the kernel matrix as libsvm's precomputed kernel when it fits in the
     * cache budget: n rows of (serial number, n values, end) */
    pre = n <= 16777216 &&
          (double)n * (double)(n + 2) * (double)sizeof *nodes <= m->cache_size * 1048576.0;
    if (pre)
        Xs = hpo__malloc(n * d * sizeof *Xs);
    nodes = hpo__malloc((pre ? n * (n + 2) : nnz + n) * sizeof *nodes);
    if (!order || !py || !px || !nodes || (pre && !Xs)) {
        rc = hpo__enomem();
        goto done;
    }
    if (classif) {
        count = hpo__calloc(n_classes, sizeof *count);
        pos = hpo__malloc(n_classes * sizeof *pos);
        if (!count || !pos) {
            rc = hpo__enomem();
            goto done;
        }
        for (size_t i = 0; i < n; i++)
            count[(size_t)y[i]]++;
        size_t at = 0;
        for (size_t c = 0; c < n_classes; c++) {
            pos[c] = at;
            at += count[c];
            present += count[c] > 0;
        }
        if (present < 2) {
            rc = hpo__err(HPO_EINVAL,
                          "svc: The number of classes has to be greater than one; got %zu class",
                          present);
            goto done;
        }
        for (size_t i = 0; i < n; i++)
            order[pos[(size_t)y[i]]++] = i;
    } else {
        for (size_t i = 0; i < n; i++)
            order[i] = i;
    }
    if (pre) {
        for (size_t r = 0; r < n; r++) {
            memcpy(Xs + r * d, X + order[r] * d, d * sizeof *Xs);
            px[r] = nodes + r * (n + 2);
            py[r] = y[order[r]];
        }
        if ((rc = kernel_matrix(m, Xs, n, d, nodes)) != 0)
            goto done;
    } else {
        struct svm_node *p = nodes;
        for (size_t r = 0; r < n; r++) {
            const double *row = X + order[r] * d;
            px[r] = p;
            py[r] = y[order[r]];
            for (size_t j = 0; j < d; j++) {
                if (row[j] != 0.0) {
                    p->index = (int)j + 1;
                    p->value = row[j];
                    p++;
                }
            }
            p->index = -1;
            p->value = 0.0;
            p++;
        }
    }

    struct svm_parameter par;
    memset(&par, 0, sizeof par);
    par.svm_type = classif ? C_SVC : EPSILON_SVR;
    par.kernel_type = pre ? PRECOMPUTED : m->kernel;
    par.degree = m->degree;
    par.gamma = m->gamma;
    par.coef0 = m->coef0;
    par.cache_size = m->cache_size;
    par.eps = m->tol;
    par.C = m->C;
    par.p = m->epsilon;
    par.shrinking = m->shrinking;
    par.probability = classif && m->probability;
    if (classif && m->balanced) {
        weight = hpo__malloc(present * sizeof *weight);
        wlabel = hpo__malloc(present * sizeof *wlabel);
        if (!weight || !wlabel) {
            rc = hpo__enomem();
            goto done;
        }
        size_t w = 0;
        for (size_t c = 0; c < n_classes; c++) {
            if (count[c] == 0)
                continue;
            wlabel[w] = (int)c;
            weight[w] = (double)n / ((double)present * (double)count[c]);
            w++;
        }
        par.nr_weight = (int)present;
        par.weight_label = wlabel;
        par.weight = weight;
    }
    struct svm_problem prob = {.l = (int)n, .y = py, .x = px};
    const char *bad = svm_check_parameter(&prob, &par);
    if (bad) {
        rc = hpo__err(HPO_EINVAL, "%s: libsvm refuses the parameters: %s", m->name, bad);
        goto done;
    }
    pthread_once(&quiet_once, make_quiet);
    if (par.probability) {
        /* Platt scaling shuffles with rand(): one such fit at a time, seeded */
        hpo__libc_rand_begin(m->seed);
        trained = svm_train(&prob, &par);
        hpo__libc_rand_end();
    } else {
        trained = svm_train(&prob, &par);
    }
    if (!trained) {
        rc = hpo__err(HPO_ENOMEM, "%s: libsvm could not train (out of memory)", m->name);
        goto done;
    }
    if (classif && par.probability && (!trained->probA || !trained->probB)) {
        rc = hpo__err(HPO_EINVAL, "svc: libsvm fitted no probability model");
        goto done;
    }
    rc = adopt(m, trained, pre ? Xs : NULL);
done:
    if (rc)
        model_clear(m);
    if (trained)
        svm_free_and_destroy_model(&trained);
    hpo__free(count);
    hpo__free(order);
    hpo__free(pos);
    hpo__free(py);
    hpo__free(tmp);
    hpo__free(Xs);
    hpo__free(weight);
    hpo__free(wlabel);
    hpo__free(nodes);
    hpo__free(px);
    return rc;
}

/* ---- prediction (libsvm's arithmetic, in its order) */

/* One-vs-one decision values of x into dec[k(k-1)/2] (svm_predict_values). */
static void ovo_values(const svm_est *m, const double *kv, double *dec)
{
    size_t k = m->k, p = 0, si = 0;
    for (size_t i = 0; i < k; i++) {
        size_t sj = si + (size_t)m->nSV[i];
        for (size_t j = i + 1; j < k; j++) {
            const double *coef1 = m->coef + (j - 1) * m->l, *coef2 = m->coef + i * m->l;
            size_t ci = (size_t)m->nSV[i], cj = (size_t)m->nSV[j];
            double sum = 0.0;
            for (size_t t = 0; t < ci; t++)
                sum += coef1[si + t] * kv[si + t];
            for (size_t t = 0; t < cj; t++)
                sum += coef2[sj + t] * kv[sj + t];
            sum -= m->rho[p];
            dec[p++] = sum;
            sj += cj;
        }
        si += (size_t)m->nSV[i];
    }
}

static int check_predict(const svm_est *m, const double *X, size_t nq, const void *out)
{
    if (!m || (nq && (!X || !out)))
        return hpo__err(HPO_EINVAL, "svm: predict needs a model, X and an output");
    if (!m->fitted)
        return hpo__err(HPO_EINVAL, "%s: predict before fit", m->name);
    for (size_t i = 0; i < nq * m->d; i++)
        if (!isfinite(X[i]))
            return hpo__err(HPO_EINVAL, "%s: X contains NaN or infinity (row %zu, column %zu)",
                            m->name, i / m->d, i % m->d);
    return 0;
}

/* Largest |x| of X (N values), or -1 when one is not an integer. */
static double int_max(const double *X, size_t N)
{
    double top = 0.0;
    for (size_t i = 0; i < N; i++) {
        double a = fabs(X[i]);
        if (a != floor(a))
            return -1.0;
        top = a > top ? a : top;
    }
    return top;
}

/* Work space of one predict call: kernel values of up to 4 rows, decision
 * values, votes; on integer data (every sum exact, so the tiles give BLAS's
 * bits: for rbf |x|^2 + |v|^2 - 2 x.v is the same integer as |x - v|^2) the
 * support vectors packed in panels for dot_tile. */
typedef struct pwork {
    double *kv;   /* 4 x l */
    double *diff; /* d */
    double *dec;  /* k(k-1)/2 + 2k */
    size_t *votes;
    double *P, *sqv, *sqx; /* exact path: panels, |v|^2 (l), |x|^2 (4) */
} pwork;

static void pwork_free(pwork *w)
{
    hpo__free(w->kv);
    hpo__free(w->diff);
    hpo__free(w->dec);
    hpo__free(w->votes);
    hpo__free(w->P);
    hpo__free(w->sqv);
    hpo__free(w->sqx);
}

static int pwork_init(const svm_est *m, const double *X, size_t nq, pwork *w)
{
    size_t k = m->k, l = m->l, d = m->d, lp = (l + 7) / 8 * 8;
    memset(w, 0, sizeof *w);
    w->kv = hpo__malloc((4 * l + 1) * sizeof *w->kv);
    w->diff = hpo__malloc(d * sizeof *w->diff);
    w->dec = hpo__malloc((k * (k - 1) / 2 + 2 * k) * sizeof *w->dec);
    w->votes = hpo__malloc(k * sizeof *w->votes);
    if (!w->kv || !w->diff || !w->dec || !w->votes)
        goto oom;
    double tx = int_max(X, nq * d), tv = int_max(m->SV, l * d), top = tx > tv ? tx : tv;
    if (tx < 0 || tv < 0 ||
        !(top <= 67108864.0 && (double)d * 4.0 * top * top < 9007199254740992.0))
        return 0; /* BLAS path */
    w->P = hpo__malloc((lp * d + 1) * sizeof *w->P);
    w->sqv = hpo__malloc((l + 1) * sizeof *w->sqv);
    w->sqx = hpo__malloc(4 * sizeof *w->sqx);
    if (!w->P || !w->sqv || !w->sqx)
        goto oom;
    for (size_t j = 0; j < lp; j++)
        for (size_t t = 0; t < d; t++)
            w->P[(j / 8) * d * 8 + t * 8 + j % 8] = j < l ? m->SV[j * d + t] : 0.0;
    for (size_t j = 0; j < l; j++)
        w->sqv[j] = blas_dot(m->SV + j * d, m->SV + j * d, d);
    return 0;
oom:
    pwork_free(w);
    return hpo__enomem();
}

/* Kernel values of rows x[0..rows-1] (rows <= 4) against every support vector
 * into w->kv[r l + s], as scikit-learn's dense k_function: BLAS ddot of x and
 * the vector, or for rbf of their difference with itself. */
static void kernel_rows(const svm_est *m, pwork *w, const double *x, size_t rows)
{
    size_t l = m->l, d = m->d;
    if (w->P) {
        const double *xr[4];
        double tile[32];
        for (size_t r = 0; r < 4; r++) {
            xr[r] = x + (r < rows ? r : 0) * d;
            w->sqx[r] = blas_dot(xr[r], xr[r], d);
        }
        for (size_t j0 = 0; j0 < l; j0 += 8) {
            dot_tile(xr, w->P + (j0 / 8) * d * 8, d, tile);
            for (size_t r = 0; r < rows; r++)
                for (size_t c = 0; c < 8 && j0 + c < l; c++)
                    w->kv[r * l + j0 + c] =
                        kernel_value(m, tile[r * 8 + c], w->sqx[r], w->sqv[j0 + c]);
        }
        return;
    }
    for (size_t r = 0; r < rows; r++) {
        const double *xq = x + r * d;
        double *kv = w->kv + r * l;
        for (size_t s = 0; s < l; s++) {
            const double *v = m->SV + s * d;
            if (m->kernel == K_RBF) {
                for (size_t j = 0; j < d; j++)
                    w->diff[j] = xq[j] - v[j];
                kv[s] = exp(-m->gamma * blas_dot(w->diff, w->diff, d));
            } else {
                kv[s] = kernel_value(m, blas_dot(xq, v, d), 0.0, 0.0);
            }
        }
    }
}

static int sv_predict(hpo__estimator *e, const double *X, size_t nq, double *out)
{
    svm_est *m = as_svm(e);
    pwork w;
    int rc = check_predict(m, X, nq, out);
    if (rc || nq == 0)
        return rc;
    int classif = m->task == HPO__TASK_CLASSIFICATION;
    if ((rc = pwork_init(m, X, nq, &w)) != 0)
        return rc;
    for (size_t q0 = 0; q0 < nq; q0 += 4) {
        size_t rows = nq - q0 < 4 ? nq - q0 : 4;
        kernel_rows(m, &w, X + q0 * m->d, rows);
        for (size_t r = 0; r < rows; r++) {
            const double *kv = w.kv + r * m->l;
            if (!classif) {
                double sum = 0.0;
                for (size_t s = 0; s < m->l; s++)
                    sum += m->coef[s] * kv[s];
                out[q0 + r] = sum - m->rho[0];
                continue;
            }
            ovo_values(m, kv, w.dec);
            size_t k = m->k, p = 0, best = 0;
            memset(w.votes, 0, k * sizeof *w.votes);
            for (size_t i = 0; i < k; i++)
                for (size_t j = i + 1; j < k; j++)
                    w.votes[w.dec[p++] > 0.0 ? i : j]++;
            for (size_t i = 1; i < k; i++)
                if (w.votes[i] > w.votes[best])
                    best = i;
            out[q0 + r] = (double)m->label[best];
        }
    }
    pwork_free(&w);
    return 0;
}

static int svc_decision_function(hpo__estimator *e, const double *X, size_t nq, double *out)
{
    svm_est *m = as_svm(e);
    pwork w;
    if (m && m->task != HPO__TASK_CLASSIFICATION)
        return hpo__err(HPO_EINVAL, "svr: decision_function needs a classification task");
    int rc = check_predict(m, X, nq, out);
    if (rc || nq == 0)
        return rc;
    if ((rc = pwork_init(m, X, nq, &w)) != 0)
        return rc;
    size_t k = m->k, nc = m->n_classes, pairs = k * (k - 1) / 2;
    double *dec = w.dec, *votes = dec + pairs, *conf = votes + k;
    for (size_t q0 = 0; q0 < nq; q0 += 4) {
        size_t rows = nq - q0 < 4 ? nq - q0 : 4;
        kernel_rows(m, &w, X + q0 * m->d, rows);
        for (size_t r = 0; r < rows; r++) {
            size_t q = q0 + r;
            ovo_values(m, w.kv + r * m->l, dec);
            if (nc == 2) {
                out[q] = -dec[0];
                continue;
            }
            /* _ovr_decision_function(dec < 0, -dec, k) */
            size_t p = 0;
            for (size_t i = 0; i < k; i++)
                votes[i] = conf[i] = 0.0;
            for (size_t i = 0; i < k; i++) {
                for (size_t j = i + 1; j < k; j++) {
                    double c = -dec[p];
                    conf[i] -= c;
                    conf[j] += c;
                    if (dec[p] < 0.0)
                        votes[j] += 1.0;
                    else
                        votes[i] += 1.0;
                    p++;
                }
            }
            double *row = out + q * nc;
            for (size_t c = 0; c < nc; c++)
                row[c] = -1.0; /* a class absent from the training rows */
            for (size_t i = 0; i < k; i++)
                row[m->label[i]] = votes[i] + conf[i] / (3.0 * (fabs(conf[i]) + 1.0));
        }
    }
    pwork_free(&w);
    return 0;
}

static int svc_predict_proba(hpo__estimator *e, const double *X, size_t nq, double *out)
{
    svm_est *m = as_svm(e);
    if (m && m->task != HPO__TASK_CLASSIFICATION)
        return hpo__err(HPO_EINVAL, "svr: predict_proba needs a classification task");
    int rc = check_predict(m, X, nq, out);
    if (rc || nq == 0)
        return rc;
    if (!m->probA || svm_check_probability_model(&m->model) == 0)
        return hpo__err(HPO_EINVAL,
                        "svc: predict_proba needs a model fitted with probability: true");
    size_t d = m->d, k = m->k, nc = m->n_classes;
    struct svm_node *x = hpo__malloc((d + 1) * sizeof *x);
    double *pk = hpo__malloc(k * sizeof *pk);
    if (!x || !pk) {
        hpo__free(x);
        hpo__free(pk);
        return hpo__enomem();
    }
    for (size_t q = 0; q < nq; q++) {
        const double *row = X + q * d;
        size_t t = 0;
        for (size_t j = 0; j < d; j++) {
            if (row[j] != 0.0) {
                x[t].index = (int)j + 1;
                x[t].value = row[j];
                t++;
            }
        }
        x[t].index = -1;
        x[t].value = 0.0;
        svm_predict_probability(&m->model, x, pk);
        double *o = out + q * nc;
        for (size_t c = 0; c < nc; c++)
            o[c] = 0.0;
        for (size_t i = 0; i < k; i++)
            o[m->label[i]] = pk[i];
    }
    hpo__free(x);
    hpo__free(pk);
    return 0;
}

/* ---- model bytes:
 * u32 magic, u32 task, u32 kernel, u32 degree, f64 gamma, f64 coef0,
 * u64 d, u64 n_classes, u64 k, u64 l, u32 has_probability,
 * classification: k x u64 label, k x u64 nSV;
 * f64 SV[l*d], coef[(k-1)*l], rho[k(k-1)/2], probA[k(k-1)/2], probB[k(k-1)/2] */
static int sv_save(hpo__estimator *e, hpo__buf *out)
{
    svm_est *m = as_svm(e);
    if (!m || !m->fitted || !out)
        return hpo__err(HPO_EINVAL, "%s: save before fit", m ? m->name : "svm");
    size_t k = m->k, pairs = k * (k - 1) / 2;
    int bad = hpo__ser_u32(out, MODEL_MAGIC) || hpo__ser_u32(out, (uint32_t)m->task) ||
              hpo__ser_u32(out, (uint32_t)m->kernel) || hpo__ser_u32(out, (uint32_t)m->degree) ||
              hpo__ser_f64(out, m->gamma) || hpo__ser_f64(out, m->coef0) ||
              hpo__ser_u64(out, m->d) || hpo__ser_u64(out, m->n_classes) || hpo__ser_u64(out, k) ||
              hpo__ser_u64(out, m->l) || hpo__ser_u32(out, m->probA != NULL);
    if (!bad && m->task == HPO__TASK_CLASSIFICATION) {
        for (size_t i = 0; i < k && !bad; i++)
            bad = hpo__ser_u64(out, (uint64_t)m->label[i]);
        for (size_t i = 0; i < k && !bad; i++)
            bad = hpo__ser_u64(out, (uint64_t)m->nSV[i]);
    }
    bad = bad || hpo__ser_f64s(out, m->SV, m->l * m->d) ||
          hpo__ser_f64s(out, m->coef, (k - 1) * m->l) || hpo__ser_f64s(out, m->rho, pairs);
    if (!bad && m->probA)
        bad = hpo__ser_f64s(out, m->probA, pairs) || hpo__ser_f64s(out, m->probB, pairs);
    return bad ? hpo__enomem() : 0;
}

static int sv_load(hpo__estimator *e, const void *data, size_t len)
{
    svm_est *m = as_svm(e);
    if (!m || (!data && len))
        return hpo__err(HPO_EINVAL, "svm: load needs a model and bytes");
    const char *what = m->task == HPO__TASK_CLASSIFICATION ? "svc model" : "svr model";
    hpo__deser rd = {data, len, what};
    uint32_t magic, task, kernel, degree, has_prob;
    double gamma, coef0;
    size_t d, nc, k, l, words = len / 8;
    int rc, classif = m->task == HPO__TASK_CLASSIFICATION;
    if ((rc = hpo__deser_u32(&rd, &magic)) != 0)
        return rc;
    if (magic != MODEL_MAGIC)
        return hpo__err(HPO_ESPEC, "%s: not an svm model", what);
    if ((rc = hpo__deser_u32(&rd, &task)) != 0 || (rc = hpo__deser_u32(&rd, &kernel)) != 0 ||
        (rc = hpo__deser_u32(&rd, &degree)) != 0 || (rc = hpo__deser_f64(&rd, &gamma)) != 0 ||
        (rc = hpo__deser_f64(&rd, &coef0)) != 0 ||
        (rc = hpo__deser_size(&rd, INT_MAX - 1, &d)) != 0 ||
        (rc = hpo__deser_size(&rd, INT_MAX, &nc)) != 0 ||
        (rc = hpo__deser_size(&rd, words + 2, &k)) != 0 ||
        (rc = hpo__deser_size(&rd, words, &l)) != 0 || (rc = hpo__deser_u32(&rd, &has_prob)) != 0)
        return rc;
    if (task != (uint32_t)m->task)
        return hpo__err(HPO_ESPEC, "%s: the model is for another task", what);
    if (kernel > K_SIGMOID || degree > INT_MAX || has_prob > 1 || !isfinite(gamma) ||
        !(gamma > 0.0) || !isfinite(coef0) || d == 0 || k < 2 || l > INT_MAX ||
        (classif ? (nc < k || k > words) : (nc != 0 || k != 2)) || (!classif && has_prob))
        return hpo__err(HPO_ESPEC, "%s: corrupt header", what);
    /* every count bounded by the bytes left before anything is allocated */
    size_t left = rd.left / 8;
    if (k - 1 > 2 * left / k) /* k(k-1)/2 pairs of rho alone would not fit */
        return hpo__err(HPO_ESPEC, "%s: truncated", what);
    size_t pairs = k * (k - 1) / 2;
    if ((l && d > left / l) || (k - 1 > left) || (l && (k - 1) > left / l) || pairs > left ||
        l * d + (k - 1) * l + pairs * (has_prob ? 3 : 1) + (classif ? 2 * k : 0) > left)
        return hpo__err(HPO_ESPEC, "%s: truncated", what);
    svm_est tmp = *m;
    memset(&tmp.model, 0, sizeof tmp.model);
    tmp.label = tmp.nSV = NULL;
    tmp.SV = tmp.coef = tmp.rho = tmp.probA = tmp.probB = NULL;
    tmp.nodes = NULL;
    tmp.svp = NULL;
    tmp.coefp = NULL;
    tmp.fitted = 0;
    tmp.kernel = (int)kernel;
    tmp.degree = (int)degree;
    tmp.gamma = gamma;
    tmp.coef0 = coef0;
    tmp.d = d;
    tmp.n_classes = nc;
    if ((rc = model_alloc(&tmp, k, l, (int)has_prob)) != 0)
        goto fail;
    if (classif) {
        size_t total = 0;
        for (size_t i = 0; i < k; i++) {
            uint64_t v;
            if ((rc = hpo__deser_u64(&rd, &v)) != 0)
                goto fail;
            if (v >= nc || (i && (int)v <= tmp.label[i - 1])) {
                rc = hpo__err(HPO_ESPEC, "%s: corrupt class labels", what);
                goto fail;
            }
            tmp.label[i] = (int)v;
        }
        for (size_t i = 0; i < k; i++) {
            uint64_t v;
            if ((rc = hpo__deser_u64(&rd, &v)) != 0)
                goto fail;
            if (v > l - total) {
                rc = hpo__err(HPO_ESPEC, "%s: corrupt support vector counts", what);
                goto fail;
            }
            tmp.nSV[i] = (int)v;
            total += (size_t)v;
        }
        if (total != l) {
            rc = hpo__err(HPO_ESPEC, "%s: corrupt support vector counts", what);
            goto fail;
        }
    }
    if ((rc = hpo__deser_f64s(&rd, tmp.SV, l * d)) != 0 ||
        (rc = hpo__deser_f64s(&rd, tmp.coef, (k - 1) * l)) != 0 ||
        (rc = hpo__deser_f64s(&rd, tmp.rho, pairs)) != 0)
        goto fail;
    if (has_prob && ((rc = hpo__deser_f64s(&rd, tmp.probA, pairs)) != 0 ||
                     (rc = hpo__deser_f64s(&rd, tmp.probB, pairs)) != 0))
        goto fail;
    if (rd.left != 0) {
        rc = hpo__err(HPO_ESPEC, "%s: %zu unexpected trailing bytes", what, rd.left);
        goto fail;
    }
    if ((rc = build_view(&tmp)) != 0)
        goto fail;
    model_clear(m);
    *m = tmp; /* the view points into heap arrays, which m now owns */
    return 0;
fail:
    model_clear(&tmp);
    return rc;
}

const hpo__estimator_ops hpo__svc_ops = {
    .version = HPO__ESTIMATOR_OPS_VERSION,
    .name = "svc",
    .tasks = 1,
    .hypers = svc_hypers,
    .create = svc_create,
    .destroy = sv_destroy,
    .fit = sv_fit,
    .predict = sv_predict,
    .predict_proba = svc_predict_proba,
    .decision_function = svc_decision_function,
    .save = sv_save,
    .load = sv_load,
    .set_threads = sv_set_threads,
};

const hpo__estimator_ops hpo__svr_ops = {
    .version = HPO__ESTIMATOR_OPS_VERSION,
    .name = "svr",
    .tasks = 2,
    .hypers = svr_hypers,
    .create = svr_create,
    .destroy = sv_destroy,
    .fit = sv_fit,
    .predict = sv_predict,
    .save = sv_save,
    .load = sv_load,
    .set_threads = sv_set_threads,
};
