/*
 * linear.c -- linear models on Debian's liblinear 2.3: scikit-learn 1.2's
 * LogisticRegression(solver='liblinear') ("logistic_regression"), LinearSVC
 * ("linear_svc") and LinearSVR ("linear_svr").
 *
 * Reference behaviour (scikit-learn's _fit_liblinear):
 *  - Solver: chosen from (loss, penalty, dual) as _get_liblinear_solver_type
 *    does; the combinations it refuses are refused at create with its meaning
 *    ("linear_svc: penalty='l1' with loss='hinge' is not supported").
 *  - Intercept: liblinear's bias feature is intercept_scaling when
 *    fit_intercept (so the intercept is regularised, as in scikit-learn), and
 *    intercept_ = intercept_scaling * w_bias. Dense rows are handed over without
 *    their zero entries, as scikit-learn's dense_to_sparse does.
 *  - Classes: one-vs-rest for more than two classes (class i against the rest
 *    with C * class_weight[i] for class i and C for the rest); binary: one
 *    weight vector, positive meaning class index 1. class_weight='balanced' is
 *    n_samples / (n_classes * count) over the classes present in y.
 *  - Labels: scikit-learn's bundled liblinear sorts the labels and gives the
 *    first one -1 in the binary case; Debian's orders them by first appearance
 *    and gives the first +1. fit hands the rows over grouped by class in
 *    ascending class order (stable within a class), which is the order
 *    scikit-learn's liblinear itself trains on, so both see the same problem;
 *    the binary weight vector comes back for the other sign and is negated
 *    (the solvers are symmetric in the sign of y, so this is exact).
 *  - decision_function: X coef^T + intercept (binary: one value, positive =
 *    class index 1; otherwise n x n_classes); predict: binary score > 0 ->
 *    class 1, else the first largest score (numpy argmax); predict_proba
 *    (logistic regression only): the one-vs-rest probabilities of
 *    scikit-learn's _predict_proba_lr, 1 / (1 + exp(-score)) per class, rows
 *    divided by their sum; binary [1 - p, p].
 *
 * Known deviations, all from the library itself (not reproducible exactly):
 *  - Debian's liblinear 2.3 Newton solver (trust region with preconditioned
 *    conjugate gradient) is newer than the one scikit-learn bundles, so even
 *    the deterministic primal solvers (L2R_LR: logistic_regression's default,
 *    L2R_L2LOSS_SVC: linear_svc dual=false, L2R_L2LOSS_SVR: linear_svr
 *    squared_epsilon_insensitive dual=false) agree with scikit-learn only to the
 *    solver tolerance (coefficients close, predictions normally identical).
 *  - The dual coordinate-descent solvers and the L1 solvers shuffle with libc's
 *    rand(); scikit-learn uses its own generator seeded from random_state, so
 *    those solutions are only close to scikit-learn's. For determinism per seed
 *    hpo runs those train() calls one at a time under the process-wide lock of
 *    util/librand.c, with rand() seeded from the model's seed (libsvm's
 *    probability estimates take the same lock).
 *  - max_iter: Debian's liblinear 2.3 has no max_iter in struct parameter; its
 *    solvers stop at a fixed 1000 iterations (Newton: 1000 outer iterations;
 *    L1 logistic: 100 inner Newton steps). max_iter is accepted and validated
 *    for compatibility but has no effect: results equal scikit-learn's up to
 *    the above only when scikit-learn converges within its max_iter (no
 *    ConvergenceWarning); LinearSVC's and LinearSVR's default 1000 equals
 *    liblinear's limit, LogisticRegression's default 100 does not.
 *  - liblinear allocates with unchecked malloc inside train(); hpo cannot turn
 *    an out-of-memory there into HPO_ENOMEM. Everything hpo allocates goes
 *    through the allocation funnel; the fitted model is copied out of
 *    liblinear's and liblinear's freed before fit returns.
 *  - class_weight takes 'balanced' or 'none' (no per-class dictionary).
 *
 * Invariants: a fitted model holds n_w weight vectors of d coefficients plus
 * their intercepts (n_w = 1 for binary and regression, else the number of
 * classes present in y) and the class index of each liblinear class; liblinear's
 * print function is a no-op, set once (pthread_once). Models are used by one
 * thread at a time; distinct models fit concurrently except for the shuffling
 * solvers, which are serialised.
 * Costs: fit copies the nonzeros of X into liblinear's sparse rows
 * (O(n (d + 2)) nodes) and trains one problem per class (OvR); predict is
 * O(n d n_w).
 */
#include "ml/estimator.h"
#include "util/util.h"

#include <linear.h>

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { KIND_LR = 0, KIND_SVC = 1, KIND_SVR = 2 };

static const char *const kind_names[] = {"logistic_regression", "linear_svc", "linear_svr"};

#define MODEL_MAGIC "hpo-linear-1"

typedef struct lin {
    int kind;
    hpo__task task;
    const char *name;
    int solver; /* liblinear solver_type */
    double C, tol, intercept_scaling, epsilon;
    int fit_intercept, balanced;
    long long max_iter; /* validated, not honoured (see above) */
    uint64_t seed;
    /* fitted (d == 0: not fitted) */
    size_t d, n_classes; /* n_classes: 0 for regression */
    size_t n_present;    /* classes present in the training y */
    size_t n_w;          /* weight vectors: 1 (binary, regression) or n_present */
    size_t *cls;         /* n_present class indices, ascending */
    double *w;           /* n_w x d, row per weight vector */
    double *b;           /* n_w intercepts */
} lin;

static lin *as_lin(hpo__estimator *e)
{
    return (lin *)(void *)e;
}

/* ---- hyperparameters */

static const hpo__hyper lr_hypers[] = {
    {"C", "float", "1.0", "inverse of the regularisation strength (> 0)"},
    {"penalty", "string", "l2", "l2 or l1 regularisation"},
    {"dual", "bool", "false", "solve the dual problem (l2 penalty only)"},
    {"tol", "float", "1e-4", "stopping tolerance (> 0)"},
    {"class_weight", "string", "none", "none, or balanced: C scaled by n / (k * class count)"},
    {"fit_intercept", "bool", "true", "add a (regularised) intercept"},
    {"intercept_scaling", "float", "1.0", "value of the synthetic intercept feature (> 0)"},
    {"max_iter", "int", "100", "accepted for compatibility; liblinear 2.3 fixes 1000"},
    {NULL, NULL, NULL, NULL}};

static const hpo__hyper svc_hypers[] = {
    {"C", "float", "1.0", "inverse of the regularisation strength (> 0)"},
    {"penalty", "string", "l2", "l2 or l1 regularisation"},
    {"loss", "string", "squared_hinge", "squared_hinge or hinge"},
    {"dual", "bool", "true", "solve the dual problem"},
    {"tol", "float", "1e-4", "stopping tolerance (> 0)"},
    {"class_weight", "string", "none", "none, or balanced: C scaled by n / (k * class count)"},
    {"fit_intercept", "bool", "true", "add a (regularised) intercept"},
    {"intercept_scaling", "float", "1.0", "value of the synthetic intercept feature (> 0)"},
    {"max_iter", "int", "1000", "accepted for compatibility; liblinear 2.3 fixes 1000"},
    {NULL, NULL, NULL, NULL}};

static const hpo__hyper svr_hypers[] = {
    {"C", "float", "1.0", "inverse of the regularisation strength (> 0)"},
    {"loss", "string", "epsilon_insensitive",
     "epsilon_insensitive (L1) or squared_epsilon_insensitive (L2)"},
    {"epsilon", "float", "0.0", "width of the insensitive tube (>= 0)"},
    {"dual", "bool", "true", "solve the dual problem"},
    {"tol", "float", "1e-4", "stopping tolerance (> 0)"},
    {"fit_intercept", "bool", "true", "add a (regularised) intercept"},
    {"intercept_scaling", "float", "1.0", "value of the synthetic intercept feature (> 0)"},
    {"max_iter", "int", "1000", "accepted for compatibility; liblinear 2.3 fixes 1000"},
    {NULL, NULL, NULL, NULL}};

static const char *const penalty_names[] = {"l2", "l1", NULL};
static const char *const svc_losses[] = {"squared_hinge", "hinge", NULL};
static const char *const svr_losses[] = {"epsilon_insensitive", "squared_epsilon_insensitive",
                                         NULL};
static const char *const weight_names[] = {"none", "balanced", NULL};

/* Solvers that shuffle with rand(): everything but the Newton ones. */
static int shuffles(int solver)
{
    return solver != L2R_LR && solver != L2R_L2LOSS_SVC && solver != L2R_L2LOSS_SVR;
}

/* ---- process-wide liblinear state */

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

static void print_nothing(const char *s)
{
    (void)s;
}

static void make_quiet(void)
{
    set_print_string_function(print_nothing);
}

/* ---- create / destroy */

static void lin_destroy(hpo__estimator *e)
{
    lin *m = as_lin(e);
    if (!m)
        return;
    hpo__free(m->cls);
    hpo__free(m->w);
    hpo__free(m->b);
    hpo__free(m);
}

/* The liblinear solver for the parameters, as _get_liblinear_solver_type maps
 * them; HPO_EINVAL naming the unsupported combination. */
static int pick_solver(const char *est, int kind, size_t penalty, size_t loss, int dual,
                       int *solver)
{
    int l1 = penalty == 1;
    if (kind == KIND_LR) {
        if (l1 && dual)
            return hpo__err(HPO_EINVAL,
                            "%s: penalty='l1' is not supported when dual=true (use dual=false)",
                            est);
        *solver = l1 ? L1R_LR : dual ? L2R_LR_DUAL : L2R_LR;
        return 0;
    }
    if (kind == KIND_SVC) {
        if (loss == 1) { /* hinge */
            if (l1)
                return hpo__err(HPO_EINVAL, "%s: penalty='l1' with loss='hinge' is not supported",
                                est);
            if (!dual)
                return hpo__err(HPO_EINVAL,
                                "%s: penalty='l2' with loss='hinge' is not supported when "
                                "dual=false (use dual=true)",
                                est);
            *solver = L2R_L1LOSS_SVC_DUAL;
            return 0;
        }
        if (l1 && dual)
            return hpo__err(HPO_EINVAL,
                            "%s: penalty='l1' with loss='squared_hinge' is not supported when "
                            "dual=true (use dual=false)",
                            est);
        *solver = l1 ? L1R_L2LOSS_SVC : dual ? L2R_L2LOSS_SVC_DUAL : L2R_L2LOSS_SVC;
        return 0;
    }
    if (loss == 0) { /* epsilon_insensitive */
        if (!dual)
            return hpo__err(HPO_EINVAL,
                            "%s: loss='epsilon_insensitive' is not supported when dual=false "
                            "(use dual=true)",
                            est);
        *solver = L2R_L1LOSS_SVR_DUAL;
        return 0;
    }
    *solver = dual ? L2R_L2LOSS_SVR_DUAL : L2R_L2LOSS_SVR;
    return 0;
}

static int lin_create(int kind, hpo__estimator **out, hpo__task task, const hpo__params *hp,
                      uint64_t seed)
{
    const char *est = kind_names[kind];
    const hpo__hyper *hypers = kind == KIND_LR    ? lr_hypers
                               : kind == KIND_SVC ? svc_hypers
                                                  : svr_hypers;
    double C, tol, scaling, epsilon = 0.0;
    size_t penalty = 0, loss = 0, cw = 0;
    int dual, fit_intercept, solver = 0, rc;
    long long max_iter;
    if (!out)
        return hpo__err(HPO_EINVAL, "%s: no output", est);
    *out = NULL;
    if (kind == KIND_SVR ? task != HPO__TASK_REGRESSION : task != HPO__TASK_CLASSIFICATION)
        return hpo__err(HPO_EINVAL, "%s: the task must be %s", est,
                        kind == KIND_SVR ? "regression" : "classification");
    if ((rc = hpo__hp_check_names(est, hp, hypers)) != 0 ||
        (rc = hpo__hp_float(est, hp, "C", 1.0, 0.0, INFINITY, HPO__HP_OPEN_LOW, &C)) != 0 ||
        (rc = hpo__hp_float(est, hp, "tol", 1e-4, 0.0, INFINITY, HPO__HP_OPEN_LOW, &tol)) != 0 ||
        (rc = hpo__hp_bool(est, hp, "dual", kind != KIND_LR, &dual)) != 0 ||
        (rc = hpo__hp_bool(est, hp, "fit_intercept", 1, &fit_intercept)) != 0 ||
        (rc = hpo__hp_float(est, hp, "intercept_scaling", 1.0, 0.0, INFINITY, HPO__HP_OPEN_LOW,
                            &scaling)) != 0 ||
        (rc = hpo__hp_int(est, hp, "max_iter", kind == KIND_LR ? 100 : 1000, 1, LLONG_MAX,
                          &max_iter)) != 0)
        return rc;
    if (kind != KIND_SVR &&
        ((rc = hpo__hp_choice(est, hp, "penalty", penalty_names, 0, &penalty)) != 0 ||
         (rc = hpo__hp_choice(est, hp, "class_weight", weight_names, 0, &cw)) != 0))
        return rc;
    if (kind == KIND_SVC && (rc = hpo__hp_choice(est, hp, "loss", svc_losses, 0, &loss)) != 0)
        return rc;
    if (kind == KIND_SVR &&
        ((rc = hpo__hp_choice(est, hp, "loss", svr_losses, 0, &loss)) != 0 ||
         (rc = hpo__hp_float(est, hp, "epsilon", 0.0, 0.0, INFINITY, 0, &epsilon)) != 0))
        return rc;
    if ((rc = pick_solver(est, kind, penalty, loss, dual, &solver)) != 0)
        return rc;
    lin *m = hpo__calloc(1, sizeof *m);
    if (!m)
        return hpo__enomem();
    m->kind = kind;
    m->task = task;
    m->name = est;
    m->solver = solver;
    m->C = C;
    m->tol = tol;
    m->intercept_scaling = scaling;
    m->epsilon = epsilon;
    m->fit_intercept = fit_intercept;
    m->balanced = cw == 1;
    m->max_iter = max_iter;
    m->seed = seed;
    *out = (hpo__estimator *)(void *)m;
    return 0;
}

static int lr_create(hpo__estimator **out, hpo__task task, const hpo__params *hp, uint64_t seed)
{
    return lin_create(KIND_LR, out, task, hp, seed);
}

static int svc_create(hpo__estimator **out, hpo__task task, const hpo__params *hp, uint64_t seed)
{
    return lin_create(KIND_SVC, out, task, hp, seed);
}

static int svr_create(hpo__estimator **out, hpo__task task, const hpo__params *hp, uint64_t seed)
{
    return lin_create(KIND_SVR, out, task, hp, seed);
}

static int lin_set_threads(hpo__estimator *e, int threads)
{
    (void)threads; /* liblinear is single-threaded */
    if (!e)
        return hpo__err(HPO_EINVAL, "linear model: set_threads needs a model");
    return 0;
}

/* ---- fit */

static int check_finite(const lin *m, const double *X, size_t n, size_t d, const char *what)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            if (!isfinite(X[i * d + j]))
                return hpo__err(HPO_EINVAL, "%s: %s contains NaN or infinity (row %zu, column %zu)",
                                m->name, what, i, j);
    return 0;
}

/* The fitted state, installed into the model only when complete. */
typedef struct fitted {
    size_t n_present, n_w;
    size_t *cls;
    double *w, *b;
} fitted;

static void fitted_free(fitted *f)
{
    hpo__free(f->cls);
    hpo__free(f->w);
    hpo__free(f->b);
}

static void install(lin *m, fitted *f, size_t d, size_t n_classes)
{
    hpo__free(m->cls);
    hpo__free(m->w);
    hpo__free(m->b);
    m->cls = f->cls;
    m->w = f->w;
    m->b = f->b;
    m->n_present = f->n_present;
    m->n_w = f->n_w;
    m->d = d;
    m->n_classes = n_classes;
    memset(f, 0, sizeof *f);
}

static int lin_fit(hpo__estimator *e, const double *X, const double *y, size_t n, size_t d,
                   size_t n_classes)
{
    lin *m = as_lin(e);
    int rc = 0;
    size_t *count = NULL, *order = NULL;
    struct feature_node *nodes = NULL, **rows = NULL;
    double *ly = NULL, *weight = NULL;
    int *weight_label = NULL;
    struct model *lm = NULL;
    fitted f = {0, 0, NULL, NULL, NULL};
    if (!m || !X || !y)
        return hpo__err(HPO_EINVAL, "linear model: fit needs a model, X and y");
    const char *est = m->name;
    int regression = m->kind == KIND_SVR;
    if (n == 0 || d == 0)
        return hpo__err(HPO_EINVAL, "%s: fit needs at least one row and one feature, got %zu x %zu",
                        est, n, d);
    if (n > INT_MAX || d > (size_t)INT_MAX - 2 || d + 2 > SIZE_MAX / sizeof *nodes / n)
        return hpo__err(HPO_EINVAL, "%s: %zu x %zu training matrix is too large for liblinear", est,
                        n, d);
    if ((rc = check_finite(m, X, n, d, "X")) != 0)
        return rc;
    if (regression) {
        if ((rc = check_finite(m, y, n, 1, "y")) != 0)
            return rc;
        n_classes = 0;
    } else {
        if (n_classes == 0 || n_classes > INT_MAX)
            return hpo__err(HPO_EINVAL, "%s: classification needs 1 <= n_classes <= %d", est,
                            INT_MAX);
        for (size_t i = 0; i < n; i++)
            if (!(y[i] >= 0.0 && y[i] < (double)n_classes && y[i] == floor(y[i])))
                return hpo__err(HPO_EINVAL, "%s: y[%zu] is not a class index below %zu", est, i,
                                n_classes);
    }

    /* rows in the order liblinear trains on: grouped by class, ascending */
    order = hpo__malloc(n * sizeof *order);
    ly = hpo__malloc(n * sizeof *ly);
    rows = hpo__malloc(n * sizeof *rows);
    nodes = hpo__malloc(n * (d + 2) * sizeof *nodes);
    if (!regression)
        count = hpo__calloc(n_classes, sizeof *count);
    if (!order || !ly || !rows || !nodes || (!regression && !count)) {
        rc = hpo__enomem();
        goto done;
    }
    if (regression) {
        for (size_t i = 0; i < n; i++)
            order[i] = i;
    } else {
        for (size_t i = 0; i < n; i++)
            count[(size_t)y[i]]++;
        for (size_t c = 0; c < n_classes; c++)
            f.n_present += count[c] > 0;
        if (f.n_present < 2) {
            rc = hpo__err(HPO_EINVAL,
                          "%s: This solver needs samples of at least 2 classes in the data, but "
                          "the data contains only one class: %zu",
                          est, (size_t)y[0]);
            goto done;
        }
        f.cls = hpo__malloc(f.n_present * sizeof *f.cls);
        if (!f.cls) {
            rc = hpo__enomem();
            goto done;
        }
        size_t k = 0, pos = 0;
        for (size_t c = 0; c < n_classes; c++) {
            if (!count[c])
                continue;
            f.cls[k++] = c;
            size_t start = pos;
            pos += count[c];
            count[c] = start; /* now: the next slot of class c */
        }
        for (size_t i = 0; i < n; i++)
            order[count[(size_t)y[i]]++] = i;
    }
    double bias = m->fit_intercept ? m->intercept_scaling : -1.0;
    struct feature_node *nd = nodes;
    for (size_t r = 0; r < n; r++) {
        const double *x = X + order[r] * d;
        rows[r] = nd;
        ly[r] = y[order[r]];
        for (size_t j = 0; j < d; j++) {
            if (x[j] != 0.0) { /* scikit-learn's dense_to_sparse drops zeros */
                nd->index = (int)j + 1;
                nd->value = x[j];
                nd++;
            }
        }
        if (m->fit_intercept) {
            nd->index = (int)d + 1;
            nd->value = bias;
            nd++;
        }
        nd->index = -1;
        nd->value = 0.0;
        nd++;
    }
    struct problem prob = {
        .l = (int)n, .n = (int)d + (m->fit_intercept ? 1 : 0), .y = ly, .x = rows, .bias = bias};
    struct parameter param;
    memset(&param, 0, sizeof param);
    param.solver_type = m->solver;
    param.eps = m->tol;
    param.C = m->C;
    param.p = m->epsilon;
    param.init_sol = NULL;
    if (m->balanced) {
        weight = hpo__malloc(f.n_present * sizeof *weight);
        weight_label = hpo__malloc(f.n_present * sizeof *weight_label);
        if (!weight || !weight_label) {
            rc = hpo__enomem();
            goto done;
        }
        /* compute_class_weight('balanced'): n / (k * bincount) */
        for (size_t k = 0; k < f.n_present; k++) {
            size_t cnt = 0;
            for (size_t i = 0; i < n; i++)
                cnt += (size_t)y[i] == f.cls[k];
            weight_label[k] = (int)f.cls[k];
            weight[k] = (double)n / ((double)f.n_present * (double)cnt);
        }
        param.nr_weight = (int)f.n_present;
        param.weight_label = weight_label;
        param.weight = weight;
    }
    const char *bad = check_parameter(&prob, &param);
    if (bad) {
        rc = hpo__err(HPO_EINVAL, "%s: liblinear refuses the parameters: %s", est, bad);
        goto done;
    }
    pthread_once(&quiet_once, make_quiet);
    if (shuffles(m->solver)) {
        hpo__libc_rand_begin(m->seed); /* liblinear shuffles with libc random numbers */
        lm = train(&prob, &param);
        hpo__libc_rand_end();
    } else {
        lm = train(&prob, &param);
    }
    if (!lm || !lm->w) {
        rc = hpo__err(HPO_EINVAL, "%s: liblinear failed to train", est);
        goto done;
    }

    /* copy the weights out, columns in class-index order */
    size_t nr_w = regression || lm->nr_class == 2 ? 1 : (size_t)lm->nr_class;
    if (!regression && (size_t)lm->nr_class != f.n_present) {
        rc = hpo__err(HPO_EINVAL, "%s: liblinear found %d classes, expected %zu", est, lm->nr_class,
                      f.n_present);
        goto done;
    }
    f.n_w = nr_w;
    f.w = hpo__malloc(nr_w * d * sizeof *f.w);
    f.b = hpo__malloc(nr_w * sizeof *f.b);
    if (!f.w || !f.b) {
        rc = hpo__enomem();
        goto done;
    }
    for (size_t c = 0; c < nr_w; c++) {
        size_t src = c;
        double sign = 1.0;
        if (!regression) {
            int want = (int)f.cls[nr_w == 1 ? 1 : c];
            int at = -1;
            for (int k = 0; k < lm->nr_class; k++)
                if (lm->label[k] == want)
                    at = k;
            if (at < 0) {
                rc = hpo__err(HPO_EINVAL, "%s: liblinear lost class %d", est, want);
                goto done;
            }
            if (nr_w == 1)
                sign = at == 0 ? 1.0 : -1.0; /* liblinear's label[0] is the positive class */
            else
                src = (size_t)at;
        }
        for (size_t j = 0; j < d; j++)
            f.w[c * d + j] = sign * lm->w[j * nr_w + src];
        f.b[c] = m->fit_intercept ? m->intercept_scaling * (sign * lm->w[d * nr_w + src]) : 0.0;
    }
    install(m, &f, d, n_classes);
done:
    if (lm)
        free_and_destroy_model(&lm);
    fitted_free(&f);
    hpo__free(count);
    hpo__free(order);
    hpo__free(nodes);
    hpo__free(rows);
    hpo__free(ly);
    hpo__free(weight);
    hpo__free(weight_label);
    return rc;
}

/* ---- predict */

static int check_predict(const lin *m, const double *X, size_t nq, double *out)
{
    if (!m || (!X && nq) || (!out && nq))
        return hpo__err(HPO_EINVAL, "linear model: predict needs a model, X and an output");
    if (m->d == 0)
        return hpo__err(HPO_EINVAL, "%s: predict before fit", m->name);
    return check_finite(m, X, nq, m->d, "X");
}

/* Score of weight vector c for row x: sum_j w_j x_j (left to right) + b. */
static double score(const lin *m, size_t c, const double *x)
{
    const double *w = m->w + c * m->d;
    double s = 0.0;
    for (size_t j = 0; j < m->d; j++)
        s += w[j] * x[j];
    return s + m->b[c];
}

static int lin_predict(hpo__estimator *e, const double *X, size_t nq, double *out)
{
    lin *m = as_lin(e);
    int rc = check_predict(m, X, nq, out);
    if (rc)
        return rc;
    for (size_t q = 0; q < nq; q++) {
        const double *x = X + q * m->d;
        if (m->kind == KIND_SVR) {
            out[q] = score(m, 0, x);
        } else if (m->n_w == 1) {
            out[q] = (double)m->cls[score(m, 0, x) > 0.0 ? 1 : 0];
        } else {
            size_t best = 0;
            double bs = score(m, 0, x);
            for (size_t c = 1; c < m->n_w; c++) {
                double s = score(m, c, x);
                if (s > bs) {
                    bs = s;
                    best = c;
                }
            }
            out[q] = (double)m->cls[best];
        }
    }
    return 0;
}

/* Scores as decision_function gives them: binary n values (positive = class
 * index 1), otherwise n x n_classes; a class absent from the training y scores
 * -inf (and its probability is 0). */
static int lin_decision(hpo__estimator *e, const double *X, size_t nq, double *out)
{
    lin *m = as_lin(e);
    if (m && m->kind == KIND_SVR)
        return hpo__err(HPO_EINVAL, "%s: decision_function needs a classification task", m->name);
    int rc = check_predict(m, X, nq, out);
    if (rc)
        return rc;
    size_t nc = m->n_classes;
    for (size_t q = 0; q < nq; q++) {
        const double *x = X + q * m->d;
        if (nc == 2) {
            out[q] = score(m, 0, x);
            continue;
        }
        double *row = out + q * nc;
        for (size_t c = 0; c < nc; c++)
            row[c] = -INFINITY;
        if (m->n_w == 1) {
            double s = score(m, 0, x);
            row[m->cls[1]] = s;
            row[m->cls[0]] = -s;
        } else {
            for (size_t k = 0; k < m->n_w; k++)
                row[m->cls[k]] = score(m, k, x);
        }
    }
    return 0;
}

static double expit(double v)
{
    return 1.0 / (1.0 + exp(-v));
}

static int lin_predict_proba(hpo__estimator *e, const double *X, size_t nq, double *out)
{
    lin *m = as_lin(e);
    if (m && m->kind != KIND_LR)
        return hpo__err(HPO_EINVAL, "%s: predict_proba is only for logistic_regression", m->name);
    int rc = check_predict(m, X, nq, out);
    if (rc)
        return rc;
    size_t nc = m->n_classes;
    for (size_t q = 0; q < nq; q++) {
        const double *x = X + q * m->d;
        double *row = out + q * nc;
        for (size_t c = 0; c < nc; c++)
            row[c] = 0.0;
        if (m->n_w == 1) {
            double p = expit(score(m, 0, x));
            row[m->cls[0]] = 1.0 - p;
            row[m->cls[1]] = p;
            continue;
        }
        double sum = 0.0;
        for (size_t k = 0; k < m->n_w; k++) {
            double p = expit(score(m, k, x));
            row[m->cls[k]] = p;
            sum += p;
        }
        for (size_t k = 0; k < m->n_w; k++)
            row[m->cls[k]] /= sum;
    }
    return 0;
}

/* ---- model bytes: magic, kind, solver, d, n_classes, n_present, n_w, the
 * class indices (u64 each), the weights (n_w x d) and the intercepts */

static int lin_save(hpo__estimator *e, hpo__buf *out)
{
    lin *m = as_lin(e);
    if (!m || !out)
        return hpo__err(HPO_EINVAL, "linear model: save needs a model and a buffer");
    if (m->d == 0)
        return hpo__err(HPO_EINVAL, "%s: save before fit", m->name);
    int bad = hpo__ser_str(out, MODEL_MAGIC) || hpo__ser_u32(out, (uint32_t)m->kind) ||
              hpo__ser_u32(out, (uint32_t)m->solver) || hpo__ser_u64(out, m->d) ||
              hpo__ser_u64(out, m->n_classes) || hpo__ser_u64(out, m->n_present) ||
              hpo__ser_u64(out, m->n_w);
    for (size_t k = 0; k < m->n_present && !bad; k++)
        bad = hpo__ser_u64(out, m->cls[k]);
    if (bad || hpo__ser_f64s(out, m->w, m->n_w * m->d) || hpo__ser_f64s(out, m->b, m->n_w))
        return hpo__enomem();
    return 0;
}

static int lin_load(hpo__estimator *e, const void *data, size_t len)
{
    lin *m = as_lin(e);
    if (!m || (!data && len))
        return hpo__err(HPO_EINVAL, "linear model: load needs a model and bytes");
    char what[64];
    snprintf(what, sizeof what, "%s model", m->name);
    hpo__deser rd = {data, len, what};
    char *magic = NULL;
    uint32_t kind, solver;
    size_t d, nc, np, nw;
    fitted f = {0, 0, NULL, NULL, NULL};
    int rc;
    if ((rc = hpo__deser_str(&rd, 64, &magic)) != 0)
        return rc;
    int foreign = strcmp(magic, MODEL_MAGIC) != 0;
    hpo__free(magic);
    if (foreign)
        return hpo__err(HPO_ESPEC, "%s: not an hpo linear model", what);
    if ((rc = hpo__deser_u32(&rd, &kind)) != 0 || (rc = hpo__deser_u32(&rd, &solver)) != 0)
        return rc;
    if (kind != (uint32_t)m->kind)
        return hpo__err(HPO_ESPEC, "%s: the bytes hold a %s model", what,
                        kind < 3 ? kind_names[kind] : "foreign");
    if (solver != (uint32_t)m->solver)
        return hpo__err(HPO_ESPEC, "%s: saved with other loss/penalty/dual settings", what);
    if ((rc = hpo__deser_size(&rd, len / 8, &d)) != 0 ||
        (rc = hpo__deser_size(&rd, INT_MAX, &nc)) != 0 ||
        (rc = hpo__deser_size(&rd, len / 8, &np)) != 0 ||
        (rc = hpo__deser_size(&rd, len / 8, &nw)) != 0)
        return rc;
    int ok = d >= 1 && nw >= 1;
    if (m->kind == KIND_SVR)
        ok = ok && nc == 0 && np == 0 && nw == 1;
    else
        ok = ok && np >= 2 && np <= nc && (nc != 2 || np == 2) && nw == (np == 2 ? 1 : np);
    if (!ok)
        return hpo__err(HPO_ESPEC, "%s: inconsistent sizes", what);
    /* the bytes still to come bound every size, so nothing below overflows */
    if (np > rd.left / 8 || nw > rd.left / 8 / d || np + nw * d + nw > rd.left / 8)
        return hpo__err(HPO_ESPEC, "%s: truncated", what);
    f.n_present = np;
    f.n_w = nw;
    f.cls = np ? hpo__malloc(np * sizeof *f.cls) : NULL;
    f.w = hpo__malloc(nw * d * sizeof *f.w);
    f.b = hpo__malloc(nw * sizeof *f.b);
    if ((np && !f.cls) || !f.w || !f.b) {
        fitted_free(&f);
        return hpo__enomem();
    }
    for (size_t k = 0; k < np; k++) {
        if ((rc = hpo__deser_size(&rd, nc ? nc - 1 : 0, &f.cls[k])) != 0)
            goto fail;
        if (k && f.cls[k] <= f.cls[k - 1]) {
            rc = hpo__err(HPO_ESPEC, "%s: class indices out of order", what);
            goto fail;
        }
    }
    if ((rc = hpo__deser_f64s(&rd, f.w, nw * d)) != 0 || (rc = hpo__deser_f64s(&rd, f.b, nw)) != 0)
        goto fail;
    for (size_t i = 0; i < nw * d; i++)
        if (!isfinite(f.w[i]))
            goto nonfinite;
    for (size_t i = 0; i < nw; i++)
        if (!isfinite(f.b[i]))
            goto nonfinite;
    if (rd.left != 0) {
        rc = hpo__err(HPO_ESPEC, "%s: %zu trailing bytes", what, rd.left);
        goto fail;
    }
    install(m, &f, d, nc);
    return 0;
nonfinite:
    rc = hpo__err(HPO_ESPEC, "%s: a weight is not finite", what);
fail:
    fitted_free(&f);
    return rc;
}

const hpo__estimator_ops hpo__logistic_regression_ops = {
    .version = HPO__ESTIMATOR_OPS_VERSION,
    .name = "logistic_regression",
    .tasks = 1,
    .hypers = lr_hypers,
    .create = lr_create,
    .destroy = lin_destroy,
    .fit = lin_fit,
    .predict = lin_predict,
    .predict_proba = lin_predict_proba,
    .decision_function = lin_decision,
    .save = lin_save,
    .load = lin_load,
    .set_threads = lin_set_threads,
};

const hpo__estimator_ops hpo__linear_svc_ops = {
    .version = HPO__ESTIMATOR_OPS_VERSION,
    .name = "linear_svc",
    .tasks = 1,
    .hypers = svc_hypers,
    .create = svc_create,
    .destroy = lin_destroy,
    .fit = lin_fit,
    .predict = lin_predict,
    .predict_proba = NULL,
    .decision_function = lin_decision,
    .save = lin_save,
    .load = lin_load,
    .set_threads = lin_set_threads,
};

const hpo__estimator_ops hpo__linear_svr_ops = {
    .version = HPO__ESTIMATOR_OPS_VERSION,
    .name = "linear_svr",
    .tasks = 2,
    .hypers = svr_hypers,
    .create = svr_create,
    .destroy = lin_destroy,
    .fit = lin_fit,
    .predict = lin_predict,
    .predict_proba = NULL,
    .decision_function = NULL,
    .save = lin_save,
    .load = lin_load,
    .set_threads = lin_set_threads,
};
