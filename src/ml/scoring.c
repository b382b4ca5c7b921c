/*
 * scoring.c -- scikit-learn's scorers by name, with the same values.
 *
 * Reference: scikit-learn 1.2 sklearn/metrics/_classification.py, _ranking.py,
 * _regression.py and _scorer.py, on numpy 1.24. Every sum that scikit-learn
 * takes with numpy (np.sum/np.mean/np.average) is taken here with numpy's own
 * algorithm (util/npsum.c: pairwise summation in blocks of 8 within 8192-element
 * buffers), so means, r2's mean-centred denominator and the log-loss average
 * agree to the last bit or nearly, not just to 1e-9; this matters for r2 on
 * near-constant targets, where the denominator is pure rounding noise.
 *
 * Classification inputs are class indices 0..n_classes-1 (stored as doubles).
 *   accuracy           matches / n.
 *   balanced_accuracy  mean recall over the classes present in y_true.
 *   precision, recall, f1   average='binary', positive class = index 1. Error,
 *                      like scikit-learn's "Target is multiclass but
 *                      average='binary'", when y_true and y_pred hold more than
 *                      two distinct labels or the problem has n_classes > 2.
 *   f1_macro, f1_weighted   over the labels present in y_true or y_pred
 *                      (scikit-learn's unique_labels), zero_division -> 0.
 *   roc_auc            binary: AUC of proba[:, 1] by the rank statistic with
 *                      ties averaged (= the trapezoidal ROC area); error with
 *                      one class in y_true. Multiclass: one-vs-rest macro AUC
 *                      on proba, as roc_auc_score(multi_class='ovr') -- the
 *                      plain 'roc_auc' scorer of scikit-learn raises there;
 *                      every class must occur in y_true and rows must sum to 1
 *                      (np.allclose), as scikit-learn requires.
 *   neg_log_loss       -log_loss with eps = DBL_EPSILON clipping, rows
 *                      renormalized; binary uses proba[:, 1] as the scorer
 *                      does (column 0 rebuilt as 1 - p). Labels are all
 *                      n_classes, i.e. log_loss(labels=range(n_classes)):
 *                      scikit-learn's scorer errors when a fold's y_true lacks
 *                      a class, hpo scores it.
 * Regression: r2 (1.0 for a perfect fit, 0.0 when y_true is constant and the
 * fit is not, NaN for n < 2 as scikit-learn), neg_mean_squared_error,
 * neg_root_mean_squared_error, neg_mean_absolute_error.
 * Costs: O(n) per score except roc_auc (O(n log n) per class; O(n) scratch).
 */
#include "ml/scoring.h"

#include "util/util.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    SC_ACCURACY,
    SC_BALANCED,
    SC_F1,
    SC_F1_MACRO,
    SC_F1_WEIGHTED,
    SC_PRECISION,
    SC_RECALL,
    SC_ROC_AUC,
    SC_LOG_LOSS,
    SC_R2,
    SC_MSE,
    SC_RMSE,
    SC_MAE,
    SC_COUNT
};

static const hpo__scorer_info SCORERS[SC_COUNT] = {
    {"accuracy", 0, 1},
    {"balanced_accuracy", 0, 1},
    {"f1", 0, 1},
    {"f1_macro", 0, 1},
    {"f1_weighted", 0, 1},
    {"precision", 0, 1},
    {"recall", 0, 1},
    {"roc_auc", 1, 1},
    {"neg_log_loss", 1, 1},
    {"r2", 0, 0},
    {"neg_mean_squared_error", 0, 0},
    {"neg_root_mean_squared_error", 0, 0},
    {"neg_mean_absolute_error", 0, 0},
};

static const char *const NAMES[SC_COUNT + 1] = {"accuracy",
                                                "balanced_accuracy",
                                                "f1",
                                                "f1_macro",
                                                "f1_weighted",
                                                "precision",
                                                "recall",
                                                "roc_auc",
                                                "neg_log_loss",
                                                "r2",
                                                "neg_mean_squared_error",
                                                "neg_root_mean_squared_error",
                                                "neg_mean_absolute_error",
                                                NULL};

const char *const *hpo__scorer_names(void)
{
    return NAMES;
}

const hpo__scorer_info *hpo__scorer_find(const char *name)
{
    if (!name) {
        hpo__err(HPO_EINVAL, "no scoring name given");
        return NULL;
    }
    for (size_t i = 0; i < SC_COUNT; i++)
        if (strcmp(SCORERS[i].name, name) == 0)
            return &SCORERS[i];
    const char *s = hpo__suggest(name, NAMES, SC_COUNT);
    if (s)
        hpo__err(HPO_EINVAL, "unknown scoring '%s'; did you mean '%s'?", name, s);
    else
        hpo__err(HPO_EINVAL, "unknown scoring '%s'", name);
    return NULL;
}

/* ---- classification helpers */

static int check_classes(const double *y, size_t n, size_t k, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        double v = y[i];
        if (!(v >= 0.0 && v < (double)k && v == floor(v)))
            return hpo__err(HPO_EINVAL, "%s[%zu] = %g is not a class index in 0..%zu", what, i, v,
                            k ? k - 1 : 0);
    }
    return 0;
}

typedef struct counts {
    size_t *tp, *true_sum, *pred_sum;
    unsigned char *present; /* label occurs in y_true or y_pred */
    size_t n_present;
} counts;

static void counts_free(counts *c)
{
    hpo__free(c->tp);
    hpo__free(c->true_sum);
    hpo__free(c->pred_sum);
    hpo__free(c->present);
}

static int counts_make(const double *yt, const double *yp, size_t n, size_t k, counts *c)
{
    c->tp = hpo__calloc(k + 1, sizeof(size_t));
    c->true_sum = hpo__calloc(k + 1, sizeof(size_t));
    c->pred_sum = hpo__calloc(k + 1, sizeof(size_t));
    c->present = hpo__calloc(k + 1, 1);
    c->n_present = 0;
    if (!c->tp || !c->true_sum || !c->pred_sum || !c->present)
        return hpo__enomem();
    for (size_t i = 0; i < n; i++) {
        size_t t = (size_t)yt[i], p = (size_t)yp[i];
        c->true_sum[t]++;
        c->pred_sum[p]++;
        if (t == p)
            c->tp[t]++;
        c->present[t] = c->present[p] = 1;
    }
    for (size_t j = 0; j < k; j++)
        c->n_present += c->present[j];
    return 0;
}

static double prf_divide(size_t num, size_t den)
{
    return (double)num / (double)(den == 0 ? 1 : den);
}

static double f1_of(const counts *c, size_t j)
{
    double p = prf_divide(c->tp[j], c->pred_sum[j]);
    double r = prf_divide(c->tp[j], c->true_sum[j]);
    double denom = p + r;
    if (denom == 0.0)
        denom = 1.0;
    return 2.0 * p * r / denom;
}

static int score_labels(int which, const double *yt, const double *yp, size_t n, size_t k,
                        double *out)
{
    counts c = {0};
    double *vals = NULL, *w = NULL;
    int rc = counts_make(yt, yp, n, k, &c);
    if (rc < 0)
        goto done;
    vals = hpo__malloc((k + 1) * sizeof(double));
    w = hpo__malloc((k + 1) * sizeof(double));
    if (!vals || !w) {
        rc = hpo__enomem();
        goto done;
    }
    switch (which) {
    case SC_ACCURACY: {
        size_t hit = 0;
        for (size_t j = 0; j < k; j++)
            hit += c.tp[j];
        *out = (double)hit / (double)n;
        break;
    }
    case SC_BALANCED: {
        size_t m = 0;
        for (size_t j = 0; j < k; j++)
            if (c.true_sum[j] > 0)
                vals[m++] = (double)c.tp[j] / (double)c.true_sum[j];
        *out = hpo__np_sum(vals, m) / (double)m;
        break;
    }
    case SC_F1:
    case SC_PRECISION:
    case SC_RECALL:
        if (k > 2 || c.n_present > 2) {
            rc = hpo__err(HPO_EINVAL, "Target is multiclass but average='binary'. Please choose "
                                      "another average setting, one of "
                                      "[None, 'micro', 'macro', 'weighted'] (f1_macro, "
                                      "f1_weighted in hpo).");
            goto done;
        }
        if (k < 2) {
            /* one class: the positive class 1 never occurs */
            *out = 0.0;
            break;
        }
        if (which == SC_PRECISION)
            *out = prf_divide(c.tp[1], c.pred_sum[1]);
        else if (which == SC_RECALL)
            *out = prf_divide(c.tp[1], c.true_sum[1]);
        else
            *out = f1_of(&c, 1);
        break;
    case SC_F1_MACRO:
    case SC_F1_WEIGHTED: {
        size_t m = 0;
        for (size_t j = 0; j < k; j++) {
            if (!c.present[j])
                continue;
            w[m] = (double)c.true_sum[j];
            vals[m] = f1_of(&c, j);
            if (which == SC_F1_WEIGHTED)
                vals[m] *= w[m];
            m++;
        }
        if (which == SC_F1_MACRO)
            *out = hpo__np_sum(vals, m) / (double)m;
        else
            *out = hpo__np_sum(vals, m) / hpo__np_sum(w, m); /* weights sum to n > 0 */
        break;
    }
    default:
        rc = hpo__err(HPO_EINVAL, "internal: not a label scorer");
        break;
    }
done:
    counts_free(&c);
    hpo__free(vals);
    hpo__free(w);
    return rc;
}

/* ---- ROC AUC */

typedef struct scored {
    double s;
    int pos;
} scored;

static int cmp_scored(const void *a, const void *b)
{
    double x = ((const scored *)a)->s, y = ((const scored *)b)->s;
    return (x > y) - (x < y);
}

/* AUC of score column `col` (stride k) for positives y_true == pos_class.
 * Mann-Whitney U with tied scores given their average rank. */
static int binary_auc(const double *yt, const double *proba, size_t n, size_t k, size_t col,
                      size_t pos_class, scored *buf, double *out)
{
    size_t npos = 0;
    for (size_t i = 0; i < n; i++) {
        buf[i].s = proba[i * k + col];
        buf[i].pos = (size_t)yt[i] == pos_class;
        npos += (size_t)buf[i].pos;
    }
    size_t nneg = n - npos;
    if (npos == 0 || nneg == 0)
        return hpo__err(HPO_EINVAL, "Only one class present in y_true. ROC AUC score is not "
                                    "defined in that case.");
    qsort(buf, n, sizeof(*buf), cmp_scored);
    double rank_sum = 0.0; /* exact: half-integers far below 2^53 */
    for (size_t i = 0; i < n;) {
        size_t j = i, p = 0;
        while (j < n && buf[j].s == buf[i].s) {
            p += (size_t)buf[j].pos;
            j++;
        }
        /* ranks i+1..j, average (i + 1 + j) / 2 */
        rank_sum += (double)p * ((double)(i + 1 + j) / 2.0);
        i = j;
    }
    double u = rank_sum - (double)npos * ((double)npos + 1.0) / 2.0;
    *out = u / ((double)npos * (double)nneg);
    return 0;
}

static int score_roc_auc(const double *yt, const double *proba, size_t n, size_t k, double *out)
{
    int rc = 0;
    scored *buf = hpo__malloc((n + 1) * sizeof(*buf));
    double *per = hpo__malloc((k + 1) * sizeof(double));
    size_t *seen = hpo__calloc(k + 1, sizeof(size_t));
    if (!buf || !per || !seen) {
        rc = hpo__enomem();
        goto done;
    }
    if (k == 2) {
        rc = binary_auc(yt, proba, n, k, 1, 1, buf, out);
        goto done;
    }
    size_t present = 0;
    for (size_t i = 0; i < n; i++)
        if (seen[(size_t)yt[i]]++ == 0)
            present++;
    if (present != k) {
        rc = hpo__err(HPO_EINVAL,
                      "Number of classes in y_true (%zu) not equal to the number of columns in "
                      "'y_score' (%zu)",
                      present, k);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < k; j++)
            s += proba[i * k + j];
        if (!(fabs(1.0 - s) <= 1e-8 + 1e-5 * fabs(s))) {
            rc = hpo__err(HPO_EINVAL, "Target scores need to be probabilities for multiclass "
                                      "roc_auc, i.e. they should sum up to 1.0 over classes");
            goto done;
        }
    }
    for (size_t j = 0; j < k; j++) {
        rc = binary_auc(yt, proba, n, k, j, j, buf, &per[j]);
        if (rc < 0)
            goto done;
    }
    *out = hpo__np_sum(per, k) / (double)k;
done:
    hpo__free(buf);
    hpo__free(per);
    hpo__free(seen);
    return rc;
}

/* ---- log loss */

static int score_log_loss(const double *yt, const double *proba, size_t n, size_t k, double *out)
{
    const double eps = DBL_EPSILON;
    int rc = 0;
    double *loss = hpo__malloc((n + 1) * sizeof(double));
    double *row = hpo__malloc((k + 1) * sizeof(double));
    if (!loss || !row) {
        rc = hpo__enomem();
        goto done;
    }
    if (k < 2) {
        rc = hpo__err(HPO_EINVAL, "The labels array needs to contain at least two labels for "
                                  "log_loss, got 1");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        size_t t = (size_t)yt[i];
        if (k == 2) {
            /* scorer passes proba[:, 1]; log_loss clips it then appends 1 - p */
            double p = fmin(fmax(proba[i * 2 + 1], eps), 1.0 - eps);
            row[0] = 1.0 - p;
            row[1] = p;
        } else {
            for (size_t j = 0; j < k; j++)
                row[j] = fmin(fmax(proba[i * k + j], eps), 1.0 - eps);
        }
        double s = hpo__np_sum(row, k);
        loss[i] = -log(row[t] / s);
    }
    *out = -(hpo__np_sum(loss, n) / (double)n);
done:
    hpo__free(loss);
    hpo__free(row);
    return rc;
}

/* ---- regression */

static int score_regression(int which, const double *yt, const double *yp, size_t n, double *out)
{
    int rc = 0;
    double *d = hpo__malloc((n + 1) * sizeof(double));
    if (!d)
        return hpo__enomem();
    switch (which) {
    case SC_MSE:
    case SC_RMSE:
        for (size_t i = 0; i < n; i++) {
            double e = yt[i] - yp[i];
            d[i] = e * e;
        }
        *out = hpo__np_sum(d, n) / (double)n;
        if (which == SC_RMSE)
            *out = sqrt(*out);
        *out = -*out;
        break;
    case SC_MAE:
        for (size_t i = 0; i < n; i++)
            d[i] = fabs(yp[i] - yt[i]);
        *out = -(hpo__np_sum(d, n) / (double)n);
        break;
    case SC_R2: {
        if (n < 2) {
            *out = (double)NAN; /* scikit-learn: warning, nan */
            break;
        }
        for (size_t i = 0; i < n; i++) {
            double e = yt[i] - yp[i];
            d[i] = e * e;
        }
        double num = hpo__np_sum(d, n);
        double mean = hpo__np_sum(yt, n) / (double)n;
        for (size_t i = 0; i < n; i++) {
            double e = yt[i] - mean;
            d[i] = e * e;
        }
        double den = hpo__np_sum(d, n);
        if (num == 0.0)
            *out = 1.0;
        else if (den == 0.0)
            *out = 0.0;
        else
            *out = 1.0 - num / den;
        break;
    }
    default:
        rc = hpo__err(HPO_EINVAL, "internal: not a regression scorer");
        break;
    }
    hpo__free(d);
    return rc;
}

int hpo__score(const hpo__scorer_info *s, const double *y_true, const double *y_pred,
               const double *proba, size_t n, size_t n_classes, double *out)
{
    if (!s || !out)
        return hpo__err(HPO_EINVAL, "hpo__score: no scorer or output");
    size_t which = 0;
    while (which < SC_COUNT && s != &SCORERS[which])
        which++;
    if (which == SC_COUNT)
        return hpo__err(HPO_EINVAL, "hpo__score: not a scorer from hpo__scorer_find");
    if (n == 0)
        return hpo__err(HPO_EINVAL, "%s: no samples to score", s->name);
    if (!y_true || (!s->needs_proba && !y_pred) || (s->needs_proba && !proba))
        return hpo__err(HPO_EINVAL, "%s: missing %s", s->name,
                        s->needs_proba ? "probabilities" : "predictions");
    int rc;
    if (!s->classification) {
        for (size_t i = 0; i < n; i++)
            if (!isfinite(y_true[i]) || !isfinite(y_pred[i]))
                return hpo__err(HPO_EINVAL, "%s: NaN or infinity at row %zu", s->name, i);
        return score_regression((int)which, y_true, y_pred, n, out);
    }
    if (n_classes < 1)
        return hpo__err(HPO_EINVAL, "%s: no classes", s->name);
    rc = check_classes(y_true, n, n_classes, "y_true");
    if (rc < 0)
        return rc;
    if (s->needs_proba) {
        if (n_classes < 2)
            return hpo__err(HPO_EINVAL, "%s needs at least two classes", s->name);
        for (size_t i = 0; i < n * n_classes; i++)
            if (!isfinite(proba[i]))
                return hpo__err(HPO_EINVAL, "%s: probability NaN or infinity at row %zu", s->name,
                                i / n_classes);
        if (which == SC_ROC_AUC)
            return score_roc_auc(y_true, proba, n, n_classes, out);
        return score_log_loss(y_true, proba, n, n_classes, out);
    }
    rc = check_classes(y_pred, n, n_classes, "y_pred");
    if (rc < 0)
        return rc;
    return score_labels((int)which, y_true, y_pred, n, n_classes, out);
}
