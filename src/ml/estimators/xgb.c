/*
 * xgb.c -- gradient-boosted trees and XGBoost's random-forest mode on
 * Debian's XGBoost 1.7.4 C API: "xgboost" as XGBClassifier / XGBRegressor,
 * "random_forest" as XGBRFClassifier / XGBRFRegressor (xgboost 1.7.4's
 * scikit-learn wrapper).
 *
 * Reference behaviour, to the bit (same libxgboost underneath):
 *  - Hyperparameters are the wrapper's names and defaults; the wrapper leaves
 *    most of them unset (None) so libxgboost's defaults apply: learning_rate
 *    0.3, max_depth 6, min_child_weight 1, subsample 1, colsample_* 1, gamma 0,
 *    reg_alpha 0, reg_lambda 1, tree_method auto (exact on in-memory data in
 *    1.7), max_bin 256. random_forest: learning_rate 1, subsample 0.8,
 *    colsample_bynode 0.8, reg_lambda 1e-5, num_parallel_tree = n_estimators
 *    and one boosting round, as XGBRF* do. hpo sets every parameter
 *    explicitly, formatted the shortest way that reads back (as Python's str),
 *    so libxgboost parses the same float32.
 *  - Objective as the wrapper picks it: binary:logistic for 2 classes,
 *    multi:softprob with num_class for more, reg:squarederror for regression;
 *    base_score left at 1.7's default 0.5. seed -> `seed` (random_state), its
 *    low 63 bits (XGBoost's std::mt19937 uses the low 32 anyway).
 *  - Data: a DMatrix over the caller's row-major doubles through an
 *    __array_interface__ ("<f8"), missing = NaN, cast to float32 inside
 *    XGBoost exactly as the wrapper's DMatrix from a float64 numpy array;
 *    labels likewise. With tree_method hist the wrapper builds a
 *    QuantileDMatrix instead; on the parity data the cuts are identical, so
 *    hpo keeps the plain DMatrix (tests/parity/test_xgb.py checks).
 *  - Prediction: in-place prediction from the dense doubles (the wrapper's
 *    inplace_predict), float32 results widened to double. predict: binary
 *    p > 0.5, multiclass the first maximal probability (numpy argmax), values
 *    for regression; predict_proba: binary [1 - p, p] with 1 - p computed in
 *    float32 as numpy does, multiclass the softprob rows.
 *  - Silence: XGBoost's global configuration (verbosity) is thread-local in
 *    1.7, so every thread that calls in sets {"verbosity": 0} once (a
 *    _Thread_local flag, the file's only mutable state), and each booster
 *    gets verbosity 0; errors come back as return codes with
 *    XGBGetLastError()'s first line, stripped of its time stamp and source
 *    location.
 *  - Threads: set_threads(n) (default 1) is XGBoost's nthread for building
 *    the DMatrix, training and prediction. A booster about to load a model is
 *    configured first, or XGBoost would load the trees on every core.
 *  - Continuing (fit_more, xgboost only): with subsample = 1 and every
 *    colsample_* = 1 training is deterministic and hpo boosts the existing
 *    (or loaded) booster on, which equals one fit to the total bit for bit.
 *    Otherwise XGBoost's random state cannot be resumed: row sampling draws
 *    from a thread-local std::mt19937 reseeded whenever a booster is
 *    (re)configured, e.g. after loading, and the column sampler is seeded when
 *    the tree updater is created; boosting on gives other trees than one fit
 *    (measured: probabilities differ by ~0.2 on breast_cancer). So in that
 *    case fit_more refits all `resource` rounds from scratch: the same result
 *    as one fit, at the cost of the earlier rounds again. random_forest has
 *    no fit_more (its trees are one round; adding trees is not one fit).
 *
 * Model bytes: magic, kind, task, n_classes, n_features, rounds, an FNV-1a
 * checksum (of everything but the magic and itself) and the length of
 * XGBoost's UBJSON model (XGBoosterSaveModelToBuffer "ubj"), then those
 * bytes. Truncated or altered bytes are refused with
 * HPO_ESPEC before XGBoost sees them (lengths, checksum, then a structural
 * UBJSON check: XGBoost's reader trusts lengths and recurses without limit);
 * XGBoost's own load errors also map to HPO_ESPEC. Known limit: bytes crafted
 * to carry a matching checksum and well-formed UBJSON but an inconsistent
 * model (num_trees or num_nodes not matching the arrays) crash XGBoost 1.7's
 * loader, which does not check them; hpo only loads models it saved itself.
 *
 * Invariants: a model is used by one thread at a time; `bst` is NULL until a
 * fit or load succeeds; a failed fit or fit_more leaves the model unfitted, a
 * failed load leaves it as it was. Memory inside XGBoost does not pass
 * through hpo's allocation funnel.
 * Costs: fit O(rounds * n * d log n) for exact trees; 100 trees on all of
 * breast_cancer (569 x 30) take 0.05 s on one thread (the Python wrapper
 * 0.063 s); predict O(rows * trees * depth).
 */
#include "ml/estimator.h"
#include "util/util.h"

#include <xgboost/c_api.h>

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define MODEL_MAGIC 0x31425847u /* "GXB1" little-endian */
#define MAX_CLASSES 1000000
#define MAX_FEATURES (1u << 30)

enum { TM_AUTO, TM_EXACT, TM_APPROX, TM_HIST };

typedef struct xgb {
    int rf; /* random_forest */
    const char *name;
    hpo__task task;
    long long n_estimators, max_depth, max_bin;
    double learning_rate, min_child_weight, subsample, colsample_bytree, colsample_bylevel,
        colsample_bynode, gamma, reg_alpha, reg_lambda;
    size_t tree_method;
    long long seed;
    int threads;
    BoosterHandle bst; /* NULL: not fitted */
    size_t d, n_classes;
    long long rounds; /* boosting rounds in bst */
} xgb;

static xgb *as_xgb(hpo__estimator *e)
{
    return (xgb *)(void *)e;
}

static const char *const tree_methods[] = {"auto", "exact", "approx", "hist", NULL};

/* The two tables differ in the first five defaults (XGBRF*'s). */
static const hpo__hyper xgb_hypers[] = {
    {"n_estimators", "int", "100", "boosting rounds"},
    {"learning_rate", "float", "0.3", "shrinkage of each tree (eta)"},
    {"subsample", "float", "1", "fraction of rows sampled per tree"},
    {"colsample_bynode", "float", "1", "fraction of features sampled per split"},
    {"reg_lambda", "float", "1", "L2 regularisation of leaf weights"},
    {"max_depth", "int", "6", "maximum depth of a tree (0: unlimited, hist/approx only)"},
    {"min_child_weight", "float", "1", "minimum hessian sum in a leaf"},
    {"colsample_bytree", "float", "1", "fraction of features sampled per tree"},
    {"colsample_bylevel", "float", "1", "fraction of features sampled per level"},
    {"gamma", "float", "0", "minimum loss reduction to split (min_split_loss)"},
    {"reg_alpha", "float", "0", "L1 regularisation of leaf weights"},
    {"tree_method", "string", "auto", "auto (exact here), exact, approx or hist"},
    {"max_bin", "int", "256", "histogram bins (approx, hist)"},
    {NULL, NULL, NULL, NULL}};

static const hpo__hyper rf_hypers[] = {
    {"n_estimators", "int", "100", "trees in the forest (num_parallel_tree)"},
    {"learning_rate", "float", "1", "shrinkage of the forest (eta)"},
    {"subsample", "float", "0.8", "fraction of rows sampled per tree"},
    {"colsample_bynode", "float", "0.8", "fraction of features sampled per split"},
    {"reg_lambda", "float", "1e-05", "L2 regularisation of leaf weights"},
    {"max_depth", "int", "6", "maximum depth of a tree (0: unlimited, hist/approx only)"},
    {"min_child_weight", "float", "1", "minimum hessian sum in a leaf"},
    {"colsample_bytree", "float", "1", "fraction of features sampled per tree"},
    {"colsample_bylevel", "float", "1", "fraction of features sampled per level"},
    {"gamma", "float", "0", "minimum loss reduction to split (min_split_loss)"},
    {"reg_alpha", "float", "0", "L1 regularisation of leaf weights"},
    {"tree_method", "string", "auto", "auto (exact here), exact, approx or hist"},
    {"max_bin", "int", "256", "histogram bins (approx, hist)"},
    {NULL, NULL, NULL, NULL}};

/* XGBoost's global configuration is thread-local: silence each calling
 * thread once. */
static void quiet(void)
{
    static _Thread_local int done;
    if (!done && XGBSetGlobalConfig("{\"verbosity\": 0}") == 0)
        done = 1;
}

/* The last XGBoost error as one line: "[10:49:31] ./src/x.cc:177: Check
 * failed: ... : message\nStack trace: ..." -> "Check failed: ... : message". */
static int xgb_fail(const xgb *m, int code, const char *what)
{
    const char *s = XGBGetLastError();
    if (!s)
        s = "";
    if (s[0] == '[') {
        const char *t = strstr(s, "] ");
        if (t)
            s = t + 2;
    }
    const char *nl = strchr(s, '\n');
    size_t len = nl ? (size_t)(nl - s) : strlen(s);
    /* a source location "path.cc:123: " */
    for (size_t i = 0; i + 1 < len; i++) {
        if (s[i] == ' ')
            break;
        if (s[i] == ':' && i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9' && s[i + 1] == ' ') {
            s += i + 2;
            len -= i + 2;
            break;
        }
    }
    if (len > 300)
        len = 300;
    return hpo__err(code, "%s: %s: %.*s", m->name, what, (int)len, s);
}

static void xgb_destroy(hpo__estimator *e)
{
    xgb *m = as_xgb(e);
    if (!m)
        return;
    if (m->bst)
        XGBoosterFree(m->bst);
    hpo__free(m);
}

static int create(hpo__estimator **out, hpo__task task, const hpo__params *hp, uint64_t seed,
                  int rf)
{
    const char *name = rf ? "random_forest" : "xgboost";
    const hpo__hyper *hypers = rf ? rf_hypers : xgb_hypers;
    xgb t;
    int rc;
    if (!out)
        return hpo__err(HPO_EINVAL, "%s: no output", name);
    *out = NULL;
    if (task != HPO__TASK_CLASSIFICATION && task != HPO__TASK_REGRESSION)
        return hpo__err(HPO_EINVAL, "%s: the task must be classification or regression", name);
    memset(&t, 0, sizeof t);
    if ((rc = hpo__hp_check_names(name, hp, hypers)) != 0 ||
        (rc = hpo__hp_int(name, hp, "n_estimators", 100, 1, LLONG_MAX, &t.n_estimators)) != 0 ||
        (rc = hpo__hp_float(name, hp, "learning_rate", rf ? 1.0 : 0.3, 0.0, INFINITY, 0,
                            &t.learning_rate)) != 0 ||
        (rc = hpo__hp_int(name, hp, "max_depth", 6, 0, LLONG_MAX, &t.max_depth)) != 0 ||
        (rc = hpo__hp_float(name, hp, "min_child_weight", 1.0, 0.0, INFINITY, 0,
                            &t.min_child_weight)) != 0 ||
        (rc = hpo__hp_float(name, hp, "subsample", rf ? 0.8 : 1.0, 0.0, 1.0, HPO__HP_OPEN_LOW,
                            &t.subsample)) != 0 ||
        (rc = hpo__hp_float(name, hp, "colsample_bytree", 1.0, 0.0, 1.0, HPO__HP_OPEN_LOW,
                            &t.colsample_bytree)) != 0 ||
        (rc = hpo__hp_float(name, hp, "colsample_bylevel", 1.0, 0.0, 1.0, HPO__HP_OPEN_LOW,
                            &t.colsample_bylevel)) != 0 ||
        (rc = hpo__hp_float(name, hp, "colsample_bynode", rf ? 0.8 : 1.0, 0.0, 1.0,
                            HPO__HP_OPEN_LOW, &t.colsample_bynode)) != 0 ||
        (rc = hpo__hp_float(name, hp, "gamma", 0.0, 0.0, INFINITY, 0, &t.gamma)) != 0 ||
        (rc = hpo__hp_float(name, hp, "reg_alpha", 0.0, 0.0, INFINITY, 0, &t.reg_alpha)) != 0 ||
        (rc = hpo__hp_float(name, hp, "reg_lambda", rf ? 1e-5 : 1.0, 0.0, INFINITY, 0,
                            &t.reg_lambda)) != 0 ||
        (rc = hpo__hp_choice(name, hp, "tree_method", tree_methods, TM_AUTO, &t.tree_method)) !=
            0 ||
        (rc = hpo__hp_int(name, hp, "max_bin", 256, 2, LLONG_MAX, &t.max_bin)) != 0)
        return rc;
    if (t.n_estimators > INT_MAX || t.max_depth > INT_MAX || t.max_bin > INT_MAX)
        return hpo__err(HPO_EINVAL, "%s: %s must be <= %d, got %lld", name,
                        t.n_estimators > INT_MAX ? "n_estimators"
                        : t.max_depth > INT_MAX  ? "max_depth"
                                                 : "max_bin",
                        INT_MAX,
                        t.n_estimators > INT_MAX ? t.n_estimators
                        : t.max_depth > INT_MAX  ? t.max_depth
                                                 : t.max_bin);
    /* auto is exact here, which refuses unlimited depth when it trains */
    if (t.max_depth == 0 && (t.tree_method == TM_AUTO || t.tree_method == TM_EXACT))
        return hpo__err(HPO_EINVAL,
                        "%s: max_depth 0 (unlimited) needs tree_method 'hist' or 'approx'", name);
    xgb *m = hpo__calloc(1, sizeof *m);
    if (!m)
        return hpo__enomem();
    *m = t;
    m->rf = rf;
    m->name = name;
    m->task = task;
    m->seed = (long long)(seed & (uint64_t)INT64_MAX);
    m->threads = 1;
    *out = (hpo__estimator *)(void *)m;
    return 0;
}

static int xgboost_create(hpo__estimator **out, hpo__task task, const hpo__params *hp,
                          uint64_t seed)
{
    return create(out, task, hp, seed, 0);
}

static int rf_create(hpo__estimator **out, hpo__task task, const hpo__params *hp, uint64_t seed)
{
    return create(out, task, hp, seed, 1);
}

static int xgb_set_threads(hpo__estimator *e, int threads)
{
    xgb *m = as_xgb(e);
    char v[16];
    if (!m || threads < 1 || threads > 1024)
        return hpo__err(HPO_EINVAL, "%s: threads must be in [1, 1024], got %d",
                        m ? m->name : "xgboost", threads);
    m->threads = threads;
    if (m->bst) {
        quiet();
        snprintf(v, sizeof v, "%d", threads);
        if (XGBoosterSetParam(m->bst, "nthread", v) != 0)
            return xgb_fail(m, HPO_EINVAL, "nthread");
    }
    return 0;
}

/* ---- parameters of a booster */

static int set_param(const xgb *m, BoosterHandle h, const char *k, const char *v)
{
    if (XGBoosterSetParam(h, k, v) != 0)
        return xgb_fail(m, HPO_EINVAL, k);
    return 0;
}

static int set_float(const xgb *m, BoosterHandle h, const char *k, double v)
{
    char s[40];
    hpo__fmt_double(s, sizeof s, v);
    return set_param(m, h, k, s);
}

static int set_int(const xgb *m, BoosterHandle h, const char *k, long long v)
{
    char s[32];
    snprintf(s, sizeof s, "%lld", v);
    return set_param(m, h, k, s);
}

/* Every training parameter, as the wrapper hands them to its Booster. */
static int set_params(const xgb *m, BoosterHandle h, size_t n_classes)
{
    int rc;
    const char *obj = m->task == HPO__TASK_REGRESSION ? "reg:squarederror"
                      : n_classes > 2                 ? "multi:softprob"
                                                      : "binary:logistic";
    if ((rc = set_param(m, h, "verbosity", "0")) != 0 ||
        (rc = set_param(m, h, "validate_parameters", "1")) != 0 ||
        (rc = set_param(m, h, "objective", obj)) != 0 ||
        (m->task == HPO__TASK_CLASSIFICATION && n_classes > 2 &&
         (rc = set_int(m, h, "num_class", (long long)n_classes)) != 0) ||
        (rc = set_float(m, h, "eta", m->learning_rate)) != 0 ||
        (rc = set_int(m, h, "max_depth", m->max_depth)) != 0 ||
        (rc = set_float(m, h, "min_child_weight", m->min_child_weight)) != 0 ||
        (rc = set_float(m, h, "subsample", m->subsample)) != 0 ||
        (rc = set_float(m, h, "colsample_bytree", m->colsample_bytree)) != 0 ||
        (rc = set_float(m, h, "colsample_bylevel", m->colsample_bylevel)) != 0 ||
        (rc = set_float(m, h, "colsample_bynode", m->colsample_bynode)) != 0 ||
        (rc = set_float(m, h, "gamma", m->gamma)) != 0 ||
        (rc = set_float(m, h, "alpha", m->reg_alpha)) != 0 ||
        (rc = set_float(m, h, "lambda", m->reg_lambda)) != 0 ||
        (rc = set_param(m, h, "tree_method", tree_methods[m->tree_method])) != 0 ||
        (rc = set_int(m, h, "max_bin", m->max_bin)) != 0 ||
        (m->rf && (rc = set_int(m, h, "num_parallel_tree", m->n_estimators)) != 0) ||
        (rc = set_int(m, h, "seed", m->seed)) != 0 || (rc = set_int(m, h, "nthread", m->threads)))
        return rc;
    return 0;
}

/* ---- data */

/* An __array_interface__ of n x d row-major doubles (d = 0: a vector). */
static int array_interface(char *buf, size_t size, const double *p, size_t n, size_t d)
{
    int k = d ? snprintf(buf, size,
                         "{\"data\": [%" PRIuPTR ", true], \"shape\": [%zu, %zu], "
                         "\"strides\": null, \"typestr\": \"<f8\", \"version\": 3}",
                         (uintptr_t)p, n, d)
              : snprintf(buf, size,
                         "{\"data\": [%" PRIuPTR ", true], \"shape\": [%zu], "
                         "\"strides\": null, \"typestr\": \"<f8\", \"version\": 3}",
                         (uintptr_t)p, n);
    return k > 0 && (size_t)k < size ? 0 : HPO_EINVAL;
}

static int check_fit_args(const xgb *m, const double *X, const double *y, size_t n, size_t d,
                          size_t n_classes)
{
    if (!m || !X || !y)
        return hpo__err(HPO_EINVAL, "%s: fit needs a model, X and y", m ? m->name : "xgboost");
    if (n == 0 || d == 0)
        return hpo__err(HPO_EINVAL, "%s: fit needs at least one row and one feature, got %zu x %zu",
                        m->name, n, d);
    if (n > (size_t)INT64_MAX / d || d > MAX_FEATURES)
        return hpo__err(HPO_EINVAL, "%s: %zu x %zu training matrix is too large", m->name, n, d);
    if (m->task == HPO__TASK_CLASSIFICATION) {
        if (n_classes < 2 || n_classes > MAX_CLASSES)
            return hpo__err(HPO_EINVAL, "%s: classification needs 2 to %d classes, got %zu",
                            m->name, MAX_CLASSES, n_classes);
        for (size_t i = 0; i < n; i++)
            if (!(y[i] >= 0.0 && y[i] < (double)n_classes && y[i] == floor(y[i])))
                return hpo__err(HPO_EINVAL, "%s: y[%zu] is not a class index below %zu", m->name, i,
                                n_classes);
    } else {
        for (size_t i = 0; i < n; i++)
            if (!isfinite(y[i]))
                return hpo__err(HPO_EINVAL, "%s: y contains NaN or infinity (row %zu)", m->name, i);
    }
    return 0;
}

/* A DMatrix over X (missing = NaN) with labels y. */
static int make_dmatrix(const xgb *m, const double *X, const double *y, size_t n, size_t d,
                        DMatrixHandle *out)
{
    char xi[192], yi[192], cfg[64];
    DMatrixHandle dm = NULL;
    *out = NULL;
    if (array_interface(xi, sizeof xi, X, n, d) || array_interface(yi, sizeof yi, y, n, 0))
        return hpo__err(HPO_EINVAL, "%s: array interface too long", m->name);
    snprintf(cfg, sizeof cfg, "{\"missing\": NaN, \"nthread\": %d}", m->threads);
    if (XGDMatrixCreateFromDense(xi, cfg, &dm) != 0)
        return xgb_fail(m, HPO_EINVAL, "X");
    if (XGDMatrixSetInfoFromInterface(dm, "label", yi) != 0) {
        int rc = xgb_fail(m, HPO_EINVAL, "y");
        XGDMatrixFree(dm);
        return rc;
    }
    *out = dm;
    return 0;
}

/* Boost rounds [from, to) of h on dm. */
static int boost(const xgb *m, BoosterHandle h, DMatrixHandle dm, long long from, long long to)
{
    for (long long i = from; i < to; i++)
        if (XGBoosterUpdateOneIter(h, (int)i, dm) != 0)
            return xgb_fail(m, HPO_EINVAL, "fit");
    return 0;
}

/* A new booster trained for `rounds` rounds (one for random_forest) replaces
 * the model's; on failure the model is left unfitted. */
static int train(xgb *m, const double *X, const double *y, size_t n, size_t d, size_t n_classes,
                 long long rounds)
{
    DMatrixHandle dm = NULL;
    BoosterHandle h = NULL;
    int rc;
    if (m->bst) {
        XGBoosterFree(m->bst);
        m->bst = NULL;
    }
    quiet();
    if ((rc = make_dmatrix(m, X, y, n, d, &dm)) != 0)
        return rc;
    if (XGBoosterCreate(&dm, 1, &h) != 0) {
        rc = xgb_fail(m, HPO_EINVAL, "booster");
        goto done;
    }
    if ((rc = set_params(m, h, n_classes)) != 0 || (rc = boost(m, h, dm, 0, rounds)) != 0)
        goto done;
    m->bst = h;
    h = NULL;
    m->d = d;
    m->n_classes = m->task == HPO__TASK_CLASSIFICATION ? n_classes : 0;
    m->rounds = rounds;
done:
    if (h)
        XGBoosterFree(h);
    XGDMatrixFree(dm);
    return rc;
}

static int xgb_fit(hpo__estimator *e, const double *X, const double *y, size_t n, size_t d,
                   size_t n_classes)
{
    xgb *m = as_xgb(e);
    int rc = check_fit_args(m, X, y, n, d, n_classes);
    if (rc)
        return rc;
    return train(m, X, y, n, d, n_classes, m->rf ? 1 : m->n_estimators);
}

/* Whether training draws random numbers (so it cannot be resumed exactly). */
static int is_random(const xgb *m)
{
    return m->subsample < 1.0 || m->colsample_bytree < 1.0 || m->colsample_bylevel < 1.0 ||
           m->colsample_bynode < 1.0;
}

static int xgb_fit_more(hpo__estimator *e, const double *X, const double *y, size_t n, size_t d,
                        size_t n_classes, long long resource)
{
    xgb *m = as_xgb(e);
    DMatrixHandle dm = NULL;
    int rc = check_fit_args(m, X, y, n, d, n_classes);
    if (rc)
        return rc;
    if (!m->bst)
        return hpo__err(HPO_EINVAL, "%s: fit_more before fit", m->name);
    if (d != m->d || (m->task == HPO__TASK_CLASSIFICATION ? n_classes : 0) != m->n_classes)
        return hpo__err(HPO_EINVAL,
                        "%s: fit_more needs the data of the fit (%zu features, %zu classes), got "
                        "%zu features, %zu classes",
                        m->name, m->d, m->n_classes, d, n_classes);
    if (resource < m->rounds || resource > INT_MAX)
        return hpo__err(HPO_EINVAL, "%s: fit_more to %lld rounds, the model has %lld", m->name,
                        resource, m->rounds);
    if (resource == m->rounds)
        return 0;
    if (is_random(m)) /* see the header comment */
        return train(m, X, y, n, d, n_classes, resource);
    quiet();
    if ((rc = make_dmatrix(m, X, y, n, d, &dm)) != 0)
        return rc;
    /* parameters again: a loaded booster has only the model's */
    if ((rc = set_params(m, m->bst, n_classes)) == 0)
        rc = boost(m, m->bst, dm, m->rounds, resource);
    XGDMatrixFree(dm);
    if (rc) { /* some rounds may have been added: the model is no longer what was fitted */
        XGBoosterFree(m->bst);
        m->bst = NULL;
        return rc;
    }
    m->rounds = resource;
    m->n_estimators = resource;
    return 0;
}

/* ---- prediction */

/* Raw predictions (n or n x n_classes float32) into *res, owned by XGBoost
 * until the booster's next call. */
static int raw_predict(xgb *m, const double *X, size_t n, const float **res)
{
    char xi[192];
    bst_ulong const *shape = NULL;
    bst_ulong dim = 0;
    size_t want = m->n_classes > 2 ? n * m->n_classes : n;
    quiet();
    if (array_interface(xi, sizeof xi, X, n, m->d))
        return hpo__err(HPO_EINVAL, "%s: array interface too long", m->name);
    if (XGBoosterPredictFromDense(m->bst, xi,
                                  "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
                                  "\"iteration_end\": 0, \"missing\": NaN, "
                                  "\"strict_shape\": false, \"cache_id\": 0}",
                                  NULL, &shape, &dim, res) != 0)
        return xgb_fail(m, HPO_EINVAL, "predict");
    size_t got = 1;
    for (bst_ulong i = 0; i < dim; i++)
        got *= (size_t)shape[i];
    if (got != want)
        return hpo__err(HPO_EINVAL, "%s: predict: XGBoost returned %zu values, expected %zu",
                        m->name, got, want);
    return 0;
}

static int check_predict(const xgb *m, const double *X, size_t n)
{
    if (!m || (!X && n))
        return hpo__err(HPO_EINVAL, "%s: predict needs a model and X", m ? m->name : "xgboost");
    if (!m->bst)
        return hpo__err(HPO_EINVAL, "%s: predict before fit", m->name);
    if (n > (size_t)INT64_MAX / m->d)
        return hpo__err(HPO_EINVAL, "%s: too many rows to predict", m->name);
    return 0;
}

static int xgb_predict(hpo__estimator *e, const double *X, size_t n, double *out)
{
    xgb *m = as_xgb(e);
    const float *r = NULL;
    int rc = check_predict(m, X, n);
    if (rc || n == 0)
        return rc;
    if ((rc = raw_predict(m, X, n, &r)) != 0)
        return rc;
    size_t nc = m->n_classes;
    for (size_t i = 0; i < n; i++) {
        if (m->task == HPO__TASK_REGRESSION) {
            out[i] = (double)r[i];
        } else if (nc == 2) {
            out[i] = r[i] > 0.5f ? 1.0 : 0.0;
        } else {
            const float *row = r + i * nc;
            size_t best = 0;
            for (size_t c = 1; c < nc; c++)
                if (row[c] > row[best])
                    best = c;
            out[i] = (double)best;
        }
    }
    return 0;
}

static int xgb_predict_proba(hpo__estimator *e, const double *X, size_t n, double *out)
{
    xgb *m = as_xgb(e);
    const float *r = NULL;
    if (m && m->task != HPO__TASK_CLASSIFICATION)
        return hpo__err(HPO_EINVAL, "%s: predict_proba needs a classification task", m->name);
    int rc = check_predict(m, X, n);
    if (rc || n == 0)
        return rc;
    if ((rc = raw_predict(m, X, n, &r)) != 0)
        return rc;
    if (m->n_classes == 2) {
        for (size_t i = 0; i < n; i++) {
            out[2 * i] = (double)(1.0f - r[i]);
            out[2 * i + 1] = (double)r[i];
        }
    } else {
        for (size_t i = 0; i < n * m->n_classes; i++)
            out[i] = (double)r[i];
    }
    return 0;
}

/* ---- model bytes */

#define FNV_BASIS 0xcbf29ce484222325u

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3u;
    }
    return h;
}

/* The checksum of model bytes b (header + payload of n bytes): FNV-1a over
 * the header's kind..rounds (bytes 4..36), its length field (44..52) and the
 * payload -- everything but the magic and the checksum itself. */
#define HDR_SIZE 52
static uint64_t model_sum(const unsigned char *b, size_t n)
{
    uint64_t h = fnv1a(FNV_BASIS, b + 4, 32);
    h = fnv1a(h, b + 44, 8);
    return fnv1a(h, b + HDR_SIZE, n);
}

/* ---- a structural check of UBJSON (XGBoost's "ubj" model format) before
 * XGBoost parses it: every value well-formed, every length and count within
 * the bytes left, nesting at most UBJ_DEPTH deep, and nothing after the
 * document. XGBoost's own reader trusts lengths (a garbage length makes it
 * attempt a huge allocation) and recurses without a limit. */
#define UBJ_DEPTH 32

typedef struct ubj {
    const unsigned char *p;
    size_t left;
} ubj;

static int ubj_take(ubj *u, size_t n)
{
    if (n > u->left)
        return -1;
    u->p += n;
    u->left -= n;
    return 0;
}

/* Bytes of a fixed-size value of type t; 0 for valueless markers; -1 when t
 * is not a fixed-size type. */
static int ubj_fixed(unsigned char t)
{
    switch (t) {
    case 'Z':
    case 'N':
    case 'T':
    case 'F':
        return 0;
    case 'i':
    case 'U':
    case 'C':
        return 1;
    case 'I':
        return 2;
    case 'l':
    case 'd':
        return 4;
    case 'L':
    case 'D':
        return 8;
    default:
        return -1;
    }
}

/* A length: an integer marker and a big-endian integer, >= 0 and at most the
 * bytes left. */
static int ubj_len(ubj *u, size_t *out)
{
    if (u->left < 1)
        return -1;
    unsigned char t = u->p[0];
    int size = t == 'i' || t == 'U' ? 1 : t == 'I' ? 2 : t == 'l' ? 4 : t == 'L' ? 8 : -1;
    if (size < 0 || ubj_take(u, 1) || (size_t)size > u->left)
        return -1;
    uint64_t v = 0;
    for (int i = 0; i < size; i++)
        v = v << 8 | u->p[i];
    int negative = t != 'U' && (u->p[0] & 0x80);
    ubj_take(u, (size_t)size);
    if (negative || v > u->left)
        return -1;
    *out = (size_t)v;
    return 0;
}

static int ubj_value(ubj *u, unsigned char t, int depth);

static int ubj_container(ubj *u, int object, int depth)
{
    unsigned char type = 0;
    size_t count = 0;
    int counted = 0;
    if (depth > UBJ_DEPTH)
        return -1;
    if (u->left >= 2 && u->p[0] == '$') {
        type = u->p[1];
        if (type == '[' || type == '{' || type == '$' || type == '#')
            return -1;
        ubj_take(u, 2);
        if (u->left < 1 || u->p[0] != '#')
            return -1; /* a type needs a count */
    }
    if (u->left >= 1 && u->p[0] == '#') {
        ubj_take(u, 1);
        if (ubj_len(u, &count))
            return -1;
        counted = 1;
    }
    if (counted) {
        int fixed = type ? ubj_fixed(type) : -1;
        if (!object && fixed >= 0) /* a typed array: count values of one size */
            return fixed > 0 && count > u->left / (size_t)fixed
                       ? -1
                       : ubj_take(u, count * (size_t)fixed);
        for (size_t i = 0; i < count; i++) {
            size_t k;
            if (object && (ubj_len(u, &k) || ubj_take(u, k)))
                return -1;
            unsigned char vt = type;
            if (!vt) {
                if (u->left < 1)
                    return -1;
                vt = u->p[0];
                ubj_take(u, 1);
            }
            if (ubj_value(u, vt, depth))
                return -1;
        }
        return 0;
    }
    for (;;) {
        if (u->left < 1)
            return -1;
        if (u->p[0] == (object ? '}' : ']'))
            return ubj_take(u, 1);
        size_t k;
        if (object && (ubj_len(u, &k) || ubj_take(u, k) || u->left < 1))
            return -1;
        unsigned char vt = u->p[0];
        ubj_take(u, 1);
        if (ubj_value(u, vt, depth))
            return -1;
    }
}

static int ubj_value(ubj *u, unsigned char t, int depth)
{
    size_t n;
    int fixed = ubj_fixed(t);
    if (fixed >= 0)
        return ubj_take(u, (size_t)fixed);
    if (t == 'S' || t == 'H')
        return ubj_len(u, &n) || ubj_take(u, n) ? -1 : 0;
    if (t == '[' || t == '{')
        return ubj_container(u, t == '{', depth + 1);
    return -1;
}

/* 0 when data[0..n) is one well-formed UBJSON object and nothing else. */
static int ubj_check(const unsigned char *data, size_t n)
{
    ubj u = {data, n};
    if (n < 2 || data[0] != '{')
        return -1;
    ubj_take(&u, 1);
    return ubj_container(&u, 1, 1) || u.left != 0 ? -1 : 0;
}

static int xgb_save(hpo__estimator *e, hpo__buf *out)
{
    xgb *m = as_xgb(e);
    bst_ulong len = 0;
    const char *raw = NULL;
    if (!m || !out)
        return hpo__err(HPO_EINVAL, "xgboost: save needs a model and a buffer");
    if (!m->bst)
        return hpo__err(HPO_EINVAL, "%s: save before fit", m->name);
    quiet();
    if (XGBoosterSaveModelToBuffer(m->bst, "{\"format\": \"ubj\"}", &len, &raw) != 0)
        return xgb_fail(m, HPO_EINVAL, "save");
    size_t at = out->len;
    if (hpo__ser_u32(out, MODEL_MAGIC) || hpo__ser_u32(out, (uint32_t)m->rf) ||
        hpo__ser_u32(out, (uint32_t)m->task) || hpo__ser_u64(out, m->n_classes) ||
        hpo__ser_u64(out, m->d) || hpo__ser_u64(out, (uint64_t)m->rounds) || hpo__ser_u64(out, 0) ||
        hpo__ser_u64(out, (uint64_t)len) || hpo__buf_append(out, raw, (size_t)len))
        return hpo__enomem();
    unsigned char *b = (unsigned char *)out->data + at;
    uint64_t sum = model_sum(b, (size_t)len);
    for (int i = 0; i < 8; i++) /* the checksum field, little-endian */
        b[36 + i] = (unsigned char)(sum >> (8 * i));
    return 0;
}

static int xgb_load(hpo__estimator *e, const void *data, size_t len)
{
    xgb *m = as_xgb(e);
    if (!m || (!data && len))
        return hpo__err(HPO_EINVAL, "xgboost: load needs a model and bytes");
    const char *what = m->rf ? "random_forest model" : "xgboost model";
    hpo__deser rd = {data, len, what};
    uint32_t magic, kind, task;
    uint64_t rounds, sum;
    size_t nc, d, n;
    BoosterHandle h = NULL;
    int rc;
    if ((rc = hpo__deser_u32(&rd, &magic)) != 0 || (rc = hpo__deser_u32(&rd, &kind)) != 0 ||
        (rc = hpo__deser_u32(&rd, &task)) != 0)
        return rc;
    if (magic != MODEL_MAGIC)
        return hpo__err(HPO_ESPEC, "%s: not an XGBoost model of hpo", what);
    if (kind != (uint32_t)m->rf || task != (uint32_t)m->task)
        return hpo__err(HPO_ESPEC, "%s: saved by %s for %s", what,
                        kind ? "random_forest" : "xgboost",
                        task == HPO__TASK_REGRESSION ? "regression" : "classification");
    if ((rc = hpo__deser_size(&rd, MAX_CLASSES, &nc)) != 0 ||
        (rc = hpo__deser_size(&rd, MAX_FEATURES, &d)) != 0 ||
        (rc = hpo__deser_u64(&rd, &rounds)) != 0 || (rc = hpo__deser_u64(&rd, &sum)) != 0 ||
        (rc = hpo__deser_size(&rd, len, &n)) != 0)
        return rc;
    if (n != rd.left)
        return hpo__err(HPO_ESPEC, "%s: truncated", what);
    if (d == 0 || rounds == 0 || rounds > INT_MAX || (m->rf && rounds != 1) ||
        (task == HPO__TASK_CLASSIFICATION ? nc < 2 : nc != 0))
        return hpo__err(HPO_ESPEC, "%s: implausible header", what);
    if (model_sum(data, n) != sum)
        return hpo__err(HPO_ESPEC, "%s: checksum mismatch (corrupt bytes)", what);
    if (ubj_check(rd.p, n))
        return hpo__err(HPO_ESPEC, "%s: malformed UBJSON", what);
    quiet();
    /* XGBoost loads the trees on as many threads as its context says, which
     * is every core until the booster is configured. Configuring needs the
     * number of features: a booster over one row of d missing values has it
     * (the loaded model's own num_feature replaces it). */
    double *row = hpo__malloc(d * sizeof *row);
    DMatrixHandle dm = NULL;
    bst_ulong nf = 0, clen = 0;
    const char *conf = NULL;
    int br = 0;
    if (!row)
        return hpo__enomem();
    for (size_t j = 0; j < d; j++)
        row[j] = (double)NAN;
    const double label = 0.0;
    rc = make_dmatrix(m, row, &label, 1, d, &dm);
    if (rc == 0 && XGBoosterCreate(&dm, 1, &h) != 0)
        rc = xgb_fail(m, HPO_EINVAL, "booster");
    if (rc == 0)
        rc = set_params(m, h, nc);
    if (rc == 0 && XGBoosterSaveJsonConfig(h, &clen, &conf) != 0) /* configures */
        rc = xgb_fail(m, HPO_EINVAL, "booster");
    if (dm)
        XGDMatrixFree(dm);
    hpo__free(row);
    if (rc)
        goto fail;
    if (XGBoosterLoadModelFromBuffer(h, rd.p, (bst_ulong)n) != 0 ||
        XGBoosterGetNumFeature(h, &nf) != 0 || XGBoosterBoostedRounds(h, &br) != 0) {
        rc = xgb_fail(m, HPO_ESPEC, what);
        goto fail;
    }
    if ((size_t)nf != d || (uint64_t)br != rounds) {
        rc = hpo__err(HPO_ESPEC, "%s: the XGBoost model does not match its header", what);
        goto fail;
    }
    if (m->bst)
        XGBoosterFree(m->bst);
    m->bst = h;
    m->d = d;
    m->n_classes = nc;
    m->rounds = (long long)rounds;
    if (!m->rf)
        m->n_estimators = (long long)rounds;
    return 0;
fail:
    if (h)
        XGBoosterFree(h);
    return rc;
}

const hpo__estimator_ops hpo__xgboost_ops = {
    .version = HPO__ESTIMATOR_OPS_VERSION,
    .name = "xgboost",
    .tasks = 3,
    .hypers = xgb_hypers,
    .create = xgboost_create,
    .destroy = xgb_destroy,
    .fit = xgb_fit,
    .predict = xgb_predict,
    .predict_proba = xgb_predict_proba,
    .save = xgb_save,
    .load = xgb_load,
    .resource_param = "n_estimators",
    .fit_more = xgb_fit_more,
    .set_threads = xgb_set_threads,
};

const hpo__estimator_ops hpo__random_forest_ops = {
    .version = HPO__ESTIMATOR_OPS_VERSION,
    .name = "random_forest",
    .tasks = 3,
    .hypers = rf_hypers,
    .create = rf_create,
    .destroy = xgb_destroy,
    .fit = xgb_fit,
    .predict = xgb_predict,
    .predict_proba = xgb_predict_proba,
    .save = xgb_save,
    .load = xgb_load,
    .set_threads = xgb_set_threads,
};
