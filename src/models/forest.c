/*
 * forest.c -- tree ensembles as scikit-optimize uses scikit-learn 1.2's trees.
 *
 * One tree builder follows scikit-learn's depth-first builder and splitters
 * step by step, so that a tree without randomness is scikit-learn's tree:
 *   - the node's positively weighted samples occupy samples[start, end); the
 *     criterion sums them in that order; the best splitter sorts them by each
 *     tried feature in place, scans the positions between distinct values
 *     (values within 1e-7 count as equal), skips positions leaving fewer than
 *     min_samples_leaf samples on a side, and keeps the first strictly best
 *     proxy improvement; the threshold is the midpoint a/2 + b/2;
 *   - the random splitter (extra trees) draws one threshold uniformly in
 *     [min, max) of each tried feature and partitions in place;
 *   - features are tried in Fisher-Yates order (max_features of them, more
 *     while all tried ones were constant), features found constant in a node
 *     stay known as constant in its subtree;
 *   - a node is a leaf at max_depth, below 2 * min_samples_leaf (or 2)
 *     samples, at impurity <= DBL_EPSILON, or when no valid split exists;
 *   - the sums are updated from whichever end is nearer (scikit-learn's
 *     update/reverse_reset), so rounding agrees too.
 * Criteria: squared error (RF, ET; proxy sum_l^2/w_l + sum_r^2/w_r) and
 * Friedman's (GBRT; proxy (w_r sum_l - w_l sum_r)^2 / (w_l w_r)). Leaves keep
 * the weighted mean and variance of their targets; bootstrap counts are the
 * weights (as scikit-learn's forests pass them), min_samples_leaf counts
 * distinct samples. Coordinates are doubles (scikit-learn rounds X to float32).
 *
 * Prediction: RF/ET average the trees; the sd is scikit-optimize's
 * _return_std: mean over trees of (max(leaf variance, min_variance) + leaf
 * mean^2) minus the mean^2, floored at 0. GBRT: per quantile alpha,
 * init = numpy's linear percentile of y, each stage fits a Friedman tree to
 * the negative quantile gradient (alpha where y > f, alpha - 1 otherwise) and
 * sets each leaf to scikit-learn's _weighted_percentile of y - f in it;
 * f += learning_rate * leaf. mu = median model, sd = (high - low) / 2 >= 0.
 *
 * Cost per tree: sorting every tried feature at every node,
 * O(d n log^2 n) for balanced trees; extra trees O(d n log n).
 */
#include "models/forest.h"

#include "core/rng.h"
#include "util/util.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FEATURE_THRESHOLD 1e-7

typedef struct node {
    double thr;      /* go left when x[feature] <= thr */
    double value;    /* mean of the node's targets (GBRT: the leaf's step) */
    double impurity; /* variance of the node's targets */
    int32_t feature; /* -1 for a leaf */
    uint32_t left, right;
} node;

typedef struct tree {
    node *nodes;
    size_t n;
} tree;

struct hpo__forest {
    hpo__forest_config cfg; /* defaults resolved */
    size_t n_trees;
    tree *trees;
    double init[3]; /* GBRT: initial constants per quantile */
    int fitted;
};

/* ---- the builder */

typedef struct rec {
    size_t start, end, depth, parent, n_const;
    int is_left;
    double impurity;
} rec;

typedef struct split {
    size_t pos, feature;
    double thr, imp_left, imp_right, improvement;
} split;

typedef struct builder {
    double *Xc; /* column-major: Xc[j * n + i] */
    const double *y;
    const double *w; /* NULL: unit weights */
    size_t n, d;
    size_t max_features, min_leaf, max_depth;
    int random_split, friedman;
    hpo__rng rng;
    size_t (*draw)(void *ctx, size_t tree, size_t lo, size_t hi);
    void *draw_ctx;
    size_t tree_index;
    /* scratch, sized at creation */
    size_t *samples;
    double *Xf;
    size_t *features, *const_features;
    rec *stack;
    size_t *leaf_start, *leaf_end; /* per node id: the node's sample range */
    node *nodes;                   /* 2n - 1 */
    size_t n_nodes;
    /* criterion */
    size_t start, end, pos;
    double wn_samples, wn_node, wn_left, wn_right;
    double sum_total, sq_sum_total, sum_left, sum_right;
} builder;

static double weight(const builder *b, size_t i)
{
    return b->w ? b->w[i] : 1.0;
}

static void crit_init(builder *b, size_t start, size_t end)
{
    b->start = start;
    b->end = end;
    b->sum_total = 0.0;
    b->sq_sum_total = 0.0;
    b->wn_node = 0.0;
    for (size_t p = start; p < end; p++) {
        size_t i = b->samples[p];
        double w = weight(b, i), wy = w * b->y[i];
        b->sum_total += wy;
        b->sq_sum_total += wy * b->y[i];
        b->wn_node += w;
    }
}

static void crit_reset(builder *b)
{
    b->pos = b->start;
    b->wn_left = 0.0;
    b->wn_right = b->wn_node;
    b->sum_left = 0.0;
    b->sum_right = b->sum_total;
}

/* Move the boundary to new_pos, summing from whichever end is nearer. */
static void crit_update(builder *b, size_t new_pos)
{
    if (new_pos - b->pos <= b->end - new_pos) {
        for (size_t p = b->pos; p < new_pos; p++) {
            size_t i = b->samples[p];
            double w = weight(b, i);
            b->sum_left += w * b->y[i];
            b->wn_left += w;
        }
    } else {
        b->pos = b->end;
        b->wn_left = b->wn_node;
        b->sum_left = b->sum_total;
        for (size_t p = b->end; p-- > new_pos;) {
            size_t i = b->samples[p];
            double w = weight(b, i);
            b->sum_left -= w * b->y[i];
            b->wn_left -= w;
        }
    }
    b->wn_right = b->wn_node - b->wn_left;
    b->sum_right = b->sum_total - b->sum_left;
    b->pos = new_pos;
}

static double crit_proxy(const builder *b)
{
    if (b->friedman) {
        double diff = b->wn_right * b->sum_left - b->wn_left * b->sum_right;
        return diff * diff / (b->wn_left * b->wn_right);
    }
    return b->sum_left * b->sum_left / b->wn_left + b->sum_right * b->sum_right / b->wn_right;
}

static double crit_node_impurity(const builder *b)
{
    double m = b->sum_total / b->wn_node;
    return b->sq_sum_total / b->wn_node - m * m;
}

static void crit_children_impurity(const builder *b, double *left, double *right)
{
    double sq_left = 0.0;
    for (size_t p = b->start; p < b->pos; p++) {
        size_t i = b->samples[p];
        sq_left += weight(b, i) * b->y[i] * b->y[i];
    }
    double sq_right = b->sq_sum_total - sq_left;
    double ml = b->sum_left / b->wn_left, mr = b->sum_right / b->wn_right;
    *left = sq_left / b->wn_left - ml * ml;
    *right = sq_right / b->wn_right - mr * mr;
}

static double crit_improvement(const builder *b, double parent, double left, double right)
{
    if (b->friedman) {
        double diff = b->wn_right * b->sum_left - b->wn_left * b->sum_right;
        return diff * diff / (b->wn_left * b->wn_right * b->wn_node);
    }
    return b->wn_node / b->wn_samples *
           (parent - b->wn_right / b->wn_node * right - b->wn_left / b->wn_node * left);
}

static size_t rand_int(builder *b, size_t lo, size_t hi)
{
    if (b->draw)
        return b->draw(b->draw_ctx, b->tree_index, lo, hi);
    return lo + (size_t)hpo__rng_below(&b->rng, (uint64_t)(hi - lo));
}

/* ---- sorting Xf[0, n) with samples alongside (introsort) */

static void swap2(double *x, size_t *s, size_t i, size_t j)
{
    double t = x[i];
    x[i] = x[j];
    x[j] = t;
    size_t u = s[i];
    s[i] = s[j];
    s[j] = u;
}

static void sift_down(double *x, size_t *s, size_t root, size_t n)
{
    for (;;) {
        size_t c = 2 * root + 1;
        if (c >= n)
            return;
        if (c + 1 < n && x[c + 1] > x[c])
            c++;
        if (!(x[c] > x[root]))
            return;
        swap2(x, s, root, c);
        root = c;
    }
}

static void heapsort2(double *x, size_t *s, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(x, s, i, n);
    for (size_t end = n; end-- > 1;) {
        swap2(x, s, 0, end);
        sift_down(x, s, 0, end);
    }
}

static void introsort(double *x, size_t *s, size_t n, int depth)
{
    while (n > 16) {
        if (depth-- <= 0) {
            heapsort2(x, s, n);
            return;
        }
        /* median of three to the front, then Hoare partition */
        size_t mid = n / 2;
        if (x[mid] < x[0])
            swap2(x, s, mid, 0);
        if (x[n - 1] < x[0])
            swap2(x, s, n - 1, 0);
        if (x[n - 1] < x[mid])
            swap2(x, s, n - 1, mid);
        swap2(x, s, 0, mid);
        double pivot = x[0];
        size_t i = 0, j = n;
        for (;;) {
            do
                i++;
            while (i < n && x[i] < pivot);
            do
                j--;
            while (x[j] > pivot);
            if (i >= j)
                break;
            swap2(x, s, i, j);
        }
        swap2(x, s, 0, j);
        /* recurse into the smaller side */
        if (j < n - j - 1) {
            introsort(x, s, j, depth);
            x += j + 1;
            s += j + 1;
            n -= j + 1;
        } else {
            introsort(x + j + 1, s + j + 1, n - j - 1, depth);
            n = j;
        }
    }
    for (size_t i = 1; i < n; i++) {
        double v = x[i];
        size_t u = s[i], k = i;
        for (; k > 0 && x[k - 1] > v; k--) {
            x[k] = x[k - 1];
            s[k] = s[k - 1];
        }
        x[k] = v;
        s[k] = u;
    }
}

static void sort2(double *x, size_t *s, size_t n)
{
    int depth = 0;
    for (size_t m = n; m > 1; m >>= 1)
        depth += 2;
    introsort(x, s, n, depth);
}

/* ---- splitters */

/* Partition samples[start, end) by X[:, f] <= thr as scikit-learn does. */
static void partition_by(builder *b, size_t f, double thr)
{
    const double *col = b->Xc + f * b->n;
    size_t p = b->start, pe = b->end;
    while (p < pe) {
        if (col[b->samples[p]] <= thr) {
            p++;
        } else {
            pe--;
            size_t t = b->samples[p];
            b->samples[p] = b->samples[pe];
            b->samples[pe] = t;
        }
    }
}

/* Find the node's split (scikit-learn's BestSplitter / RandomSplitter
 * node_split). *n_const: known constant features in, all found out. */
static void node_split(builder *b, double impurity, split *best, size_t *n_const)
{
    size_t start = b->start, end = b->end, d = b->d;
    size_t *features = b->features, *cf = b->const_features;
    size_t n_known = *n_const, n_total = n_known, n_found = 0, n_drawn = 0, n_visited = 0;
    size_t f_i = d, cur_feature = 0;
    double best_proxy = -INFINITY;
    best->pos = end;
    best->feature = 0;
    best->thr = 0.0;
    best->imp_left = best->imp_right = INFINITY;
    best->improvement = -INFINITY;

    while (f_i > n_total && (n_visited < b->max_features || n_visited <= n_found + n_drawn)) {
        n_visited++;
        size_t f_j = rand_int(b, n_drawn, f_i - n_found);
        if (f_j < n_known) {
            size_t t = features[n_drawn];
            features[n_drawn] = features[f_j];
            features[f_j] = t;
            n_drawn++;
            continue;
        }
        f_j += n_found;
        size_t f = features[f_j];
        cur_feature = f;
        const double *col = b->Xc + f * b->n;
        double lo, hi;
        if (!b->random_split) {
            for (size_t p = start; p < end; p++)
                b->Xf[p] = col[b->samples[p]];
            sort2(b->Xf + start, b->samples + start, end - start);
            lo = b->Xf[start];
            hi = b->Xf[end - 1];
        } else {
            lo = hi = col[b->samples[start]];
            b->Xf[start] = lo;
            for (size_t p = start + 1; p < end; p++) {
                double v = col[b->samples[p]];
                b->Xf[p] = v;
                if (v < lo)
                    lo = v;
                else if (v > hi)
                    hi = v;
            }
        }
        if (hi <= lo + FEATURE_THRESHOLD) {
            features[f_j] = features[n_total];
            features[n_total] = f;
            n_found++;
            n_total++;
            continue;
        }
        f_i--;
        features[f_j] = features[f_i];
        features[f_i] = f;

        if (!b->random_split) {
            const double *Xf = b->Xf;
            crit_reset(b);
            size_t p = start;
            while (p < end) {
                while (p + 1 < end && Xf[p + 1] <= Xf[p] + FEATURE_THRESHOLD)
                    p++;
                p++;
                if (p >= end)
                    break;
                if (p - start < b->min_leaf || end - p < b->min_leaf)
                    continue;
                crit_update(b, p);
                double proxy = crit_proxy(b);
                if (proxy > best_proxy) {
                    best_proxy = proxy;
                    double thr = Xf[p - 1] / 2.0 + Xf[p] / 2.0;
                    if (thr == Xf[p] || isinf(thr))
                        thr = Xf[p - 1];
                    best->pos = p;
                    best->feature = f;
                    best->thr = thr;
                }
            }
        } else {
            double thr = lo + (hi - lo) * hpo__rng_uniform(&b->rng);
            if (thr >= hi)
                thr = lo;
            double *Xf = b->Xf;
            size_t p = start, pe = end;
            while (p < pe) {
                if (Xf[p] <= thr) {
                    p++;
                } else {
                    pe--;
                    swap2(Xf, b->samples, p, pe);
                }
            }
            if (pe - start < b->min_leaf || end - pe < b->min_leaf)
                continue;
            crit_reset(b);
            crit_update(b, pe);
            double proxy = crit_proxy(b);
            if (proxy > best_proxy) {
                best_proxy = proxy;
                best->pos = pe;
                best->feature = f;
                best->thr = thr;
            }
        }
    }

    if (best->pos < end) {
        if (!b->random_split || cur_feature != best->feature)
            partition_by(b, best->feature, best->thr);
        crit_reset(b);
        crit_update(b, best->pos);
        crit_children_impurity(b, &best->imp_left, &best->imp_right);
        best->improvement = crit_improvement(b, impurity, best->imp_left, best->imp_right);
    }
    /* Constant features known on entry keep their order for the subtree;
     * newly found ones join them. */
    memcpy(features, cf, n_known * sizeof *features);
    memcpy(cf + n_known, features + n_known, n_found * sizeof *cf);
    *n_const = n_total;
}

/* Build one tree on y (weights w or NULL) into b->nodes[0, b->n_nodes). */
static void build_tree(builder *b, const double *y, const double *w)
{
    b->y = y;
    b->w = w;
    size_t n_pos = 0;
    b->wn_samples = 0.0;
    for (size_t i = 0; i < b->n; i++) {
        if (!w || w[i] != 0.0)
            b->samples[n_pos++] = i;
        b->wn_samples += weight(b, i);
    }
    for (size_t j = 0; j < b->d; j++)
        b->features[j] = j;
    b->n_nodes = 0;
    size_t top = 0;
    b->stack[top++] = (rec){.start = 0,
                            .end = n_pos,
                            .depth = 0,
                            .parent = SIZE_MAX,
                            .n_const = 0,
                            .is_left = 0,
                            .impurity = INFINITY};
    int first = 1;
    while (top > 0) {
        rec r = b->stack[--top];
        size_t n_node = r.end - r.start;
        crit_init(b, r.start, r.end);
        int is_leaf = r.depth >= b->max_depth || n_node < 2 || n_node < 2 * b->min_leaf;
        double impurity = r.impurity;
        if (first) {
            impurity = crit_node_impurity(b);
            first = 0;
        }
        is_leaf = is_leaf || impurity <= DBL_EPSILON;
        split sp = {.pos = r.end};
        size_t n_const = r.n_const;
        if (!is_leaf) {
            node_split(b, impurity, &sp, &n_const);
            is_leaf = sp.pos >= r.end || sp.improvement + DBL_EPSILON < 0.0;
        }
        size_t id = b->n_nodes++;
        node *nd = &b->nodes[id];
        nd->value = b->sum_total / b->wn_node;
        nd->impurity = impurity;
        nd->feature = is_leaf ? -1 : (int32_t)sp.feature;
        nd->thr = is_leaf ? 0.0 : sp.thr;
        nd->left = nd->right = 0;
        b->leaf_start[id] = r.start;
        b->leaf_end[id] = r.end;
        if (r.parent != SIZE_MAX) {
            if (r.is_left)
                b->nodes[r.parent].left = (uint32_t)id;
            else
                b->nodes[r.parent].right = (uint32_t)id;
        }
        if (!is_leaf) {
            b->stack[top++] = (rec){.start = sp.pos,
                                    .end = r.end,
                                    .depth = r.depth + 1,
                                    .parent = id,
                                    .n_const = n_const,
                                    .is_left = 0,
                                    .impurity = sp.imp_right};
            b->stack[top++] = (rec){.start = r.start,
                                    .end = sp.pos,
                                    .depth = r.depth + 1,
                                    .parent = id,
                                    .n_const = n_const,
                                    .is_left = 1,
                                    .impurity = sp.imp_left};
        }
    }
}

static void builder_free(builder *b)
{
    hpo__free(b->samples);
    hpo__free(b->Xf);
    hpo__free(b->features);
    hpo__free(b->const_features);
    hpo__free(b->stack);
    hpo__free(b->leaf_start);
    hpo__free(b->leaf_end);
    hpo__free(b->nodes);
    hpo__free(b->Xc);
}

static int builder_init(builder *b, const hpo__forest_config *cfg, const double *X, size_t n)
{
    size_t d = cfg->d, cap = 2 * n;
    memset(b, 0, sizeof *b);
    double *Xc = hpo__malloc(n * d * sizeof *Xc);
    b->Xc = Xc;
    b->samples = hpo__malloc(n * sizeof *b->samples);
    b->Xf = hpo__malloc(n * sizeof *b->Xf);
    b->features = hpo__malloc(d * sizeof *b->features);
    b->const_features = hpo__malloc(d * sizeof *b->const_features);
    b->stack = hpo__malloc((n + 2) * sizeof *b->stack);
    b->leaf_start = hpo__malloc(cap * sizeof *b->leaf_start);
    b->leaf_end = hpo__malloc(cap * sizeof *b->leaf_end);
    b->nodes = hpo__malloc(cap * sizeof *b->nodes);
    if (!Xc || !b->samples || !b->Xf || !b->features || !b->const_features || !b->stack ||
        !b->leaf_start || !b->leaf_end || !b->nodes) {
        builder_free(b);
        return hpo__enomem();
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            Xc[j * n + i] = X[i * d + j];
    b->n = n;
    b->d = d;
    size_t mf = (size_t)(cfg->max_features * (double)d);
    b->max_features = mf < 1 ? 1 : mf;
    b->min_leaf = cfg->min_samples_leaf;
    b->max_depth = cfg->max_depth ? cfg->max_depth : SIZE_MAX;
    b->random_split = cfg->kind == HPO__FOREST_ET;
    b->friedman = cfg->kind == HPO__FOREST_GBRT;
    b->draw = cfg->draw;
    b->draw_ctx = cfg->draw_ctx;
    return 0;
}

/* Copy the built tree out of the builder. */
static int tree_take(tree *t, const builder *b)
{
    t->nodes = hpo__malloc(b->n_nodes * sizeof *t->nodes);
    if (!t->nodes)
        return hpo__enomem();
    memcpy(t->nodes, b->nodes, b->n_nodes * sizeof *t->nodes);
    t->n = b->n_nodes;
    return 0;
}

static const node *tree_leaf(const tree *t, const double *x)
{
    const node *nd = t->nodes;
    while (nd->feature >= 0)
        nd = &t->nodes[x[nd->feature] <= nd->thr ? nd->left : nd->right];
    return nd;
}

/* ---- GBRT helpers */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* numpy.percentile(v, 100 * alpha) ("linear"); sorts v. */
static double np_percentile(double *v, size_t n, double alpha)
{
    qsort(v, n, sizeof *v, cmp_double);
    double q = alpha * 100.0 / 100.0;
    double vi = (double)(n - 1) * q;
    double lo_f = floor(vi);
    size_t lo = (size_t)lo_f, hi = lo + 1 < n ? lo + 1 : n - 1;
    if (lo > n - 1)
        lo = n - 1;
    double g = vi - lo_f, a = v[lo], bb = v[hi], diff = bb - a;
    return g >= 0.5 ? bb - diff * (1.0 - g) : a + diff * g;
}

/* scikit-learn's _weighted_percentile with unit weights; sorts v. */
static double weighted_percentile(double *v, size_t n, double alpha)
{
    qsort(v, n, sizeof *v, cmp_double);
    double adj = alpha * 100.0 / 100.0 * (double)n;
    /* searchsorted(cdf = 1..n, adj, 'left'): the first i with i + 1 >= adj */
    size_t i = adj <= 1.0 ? 0 : (size_t)ceil(adj) - 1;
    return v[i < n ? i : n - 1];
}

/* ---- public */

void hpo__forest_destroy(hpo__forest *f)
{
    if (!f)
        return;
    for (size_t t = 0; f->trees && t < f->n_trees; t++)
        hpo__free(f->trees[t].nodes);
    hpo__free(f->trees);
    hpo__free(f);
}

int hpo__forest_create(hpo__forest **out, const hpo__forest_config *cfg)
{
    if (!out || !cfg)
        return hpo__err(HPO_EINVAL, "forest: NULL argument");
    hpo__forest_config c = *cfg;
    if (c.kind != HPO__FOREST_RF && c.kind != HPO__FOREST_ET && c.kind != HPO__FOREST_GBRT)
        return hpo__err(HPO_EINVAL, "forest: unknown kind %d", (int)c.kind);
    if (c.d < 1 || c.d > INT32_MAX)
        return hpo__err(HPO_EINVAL, "forest: bad dimension %zu", c.d);
    int gbrt = c.kind == HPO__FOREST_GBRT;
    if (c.n_estimators == 0)
        c.n_estimators = 100;
    if (c.min_samples_leaf == 0)
        c.min_samples_leaf = gbrt ? 1 : 3;
    if (c.max_features == 0.0)
        c.max_features = 1.0;
    if (!(c.max_features > 0.0 && c.max_features <= 1.0))
        return hpo__err(HPO_EINVAL, "forest: max_features %g not in (0, 1]", c.max_features);
    if (gbrt && c.max_depth == 0)
        c.max_depth = 3;
    if (c.learning_rate == 0.0)
        c.learning_rate = 0.1;
    if (!(c.learning_rate > 0.0) || !isfinite(c.learning_rate))
        return hpo__err(HPO_EINVAL, "forest: bad learning_rate %g", c.learning_rate);
    if (!(c.min_variance >= 0.0) || !isfinite(c.min_variance))
        return hpo__err(HPO_EINVAL, "forest: bad min_variance %g", c.min_variance);
    if (c.quantiles[0] == 0.0 && c.quantiles[1] == 0.0 && c.quantiles[2] == 0.0) {
        c.quantiles[0] = 0.16;
        c.quantiles[1] = 0.5;
        c.quantiles[2] = 0.84;
    }
    for (int k = 0; k < 3; k++)
        if (!(c.quantiles[k] > 0.0 && c.quantiles[k] < 1.0))
            return hpo__err(HPO_EINVAL, "forest: quantile %g not in (0, 1)", c.quantiles[k]);
    if (c.n_estimators > SIZE_MAX / 4)
        return hpo__err(HPO_EINVAL, "forest: too many estimators");
    hpo__forest *f = hpo__calloc(1, sizeof *f);
    if (!f)
        return hpo__enomem();
    f->cfg = c;
    *out = f;
    return 0;
}

static void drop_trees(hpo__forest *f)
{
    for (size_t t = 0; f->trees && t < f->n_trees; t++)
        hpo__free(f->trees[t].nodes);
    hpo__free(f->trees);
    f->trees = NULL;
    f->n_trees = 0;
    f->fitted = 0;
}

static int fit_forest(hpo__forest *f, builder *b, const double *y, size_t n)
{
    const hpo__forest_config *c = &f->cfg;
    int boot = c->kind == HPO__FOREST_RF && !c->no_bootstrap;
    double *w = NULL;
    if (boot && !(w = hpo__malloc(n * sizeof *w)))
        return hpo__enomem();
    int rc = 0;
    for (size_t t = 0; t < c->n_estimators; t++) {
        hpo__rng_seed(&b->rng, c->seed, (uint64_t)t);
        b->tree_index = t;
        if (boot) {
            for (size_t i = 0; i < n; i++)
                w[i] = 0.0;
            for (size_t i = 0; i < n; i++)
                w[hpo__rng_below(&b->rng, (uint64_t)n)] += 1.0;
        }
        build_tree(b, y, w);
        if ((rc = tree_take(&f->trees[t], b)) != 0)
            break;
        f->n_trees = t + 1;
    }
    hpo__free(w);
    return rc;
}

static int fit_gbrt(hpo__forest *f, builder *b, const double *y, size_t n)
{
    const hpo__forest_config *c = &f->cfg;
    double *fx = hpo__malloc(n * sizeof *fx), *res = hpo__malloc(n * sizeof *res),
           *tmp = hpo__malloc(n * sizeof *tmp);
    int rc = 0;
    if (!fx || !res || !tmp) {
        rc = hpo__enomem();
        goto done;
    }
    for (size_t k = 0; k < 3; k++) {
        double alpha = c->quantiles[k];
        memcpy(tmp, y, n * sizeof *tmp);
        double init = np_percentile(tmp, n, alpha);
        f->init[k] = init;
        for (size_t i = 0; i < n; i++)
            fx[i] = init;
        for (size_t s = 0; s < c->n_estimators; s++) {
            size_t t = k * c->n_estimators + s;
            /* the same streams for every quantile: a quantile's model depends
             * on (alpha, seed) only */
            hpo__rng_seed(&b->rng, c->seed, (uint64_t)s);
            b->tree_index = t;
            for (size_t i = 0; i < n; i++)
                res[i] = y[i] > fx[i] ? alpha : -(1.0 - alpha);
            build_tree(b, res, NULL);
            for (size_t id = 0; id < b->n_nodes; id++) {
                node *nd = &b->nodes[id];
                if (nd->feature >= 0)
                    continue;
                size_t m = 0;
                for (size_t p = b->leaf_start[id]; p < b->leaf_end[id]; p++) {
                    size_t i = b->samples[p];
                    tmp[m++] = y[i] - fx[i];
                }
                nd->value = weighted_percentile(tmp, m, alpha);
                for (size_t p = b->leaf_start[id]; p < b->leaf_end[id]; p++)
                    fx[b->samples[p]] += c->learning_rate * nd->value;
            }
            if ((rc = tree_take(&f->trees[t], b)) != 0)
                goto done;
            f->n_trees = t + 1;
        }
    }
done:
    hpo__free(fx);
    hpo__free(res);
    hpo__free(tmp);
    return rc;
}

int hpo__forest_fit(hpo__forest *f, const double *X, const double *y, size_t n)
{
    if (!f || !X || !y)
        return hpo__err(HPO_EINVAL, "forest: NULL argument");
    if (n < 1 || n > UINT32_MAX / 2)
        return hpo__err(HPO_EINVAL, "forest: bad number of points %zu", n);
    size_t d = f->cfg.d;
    if (n > SIZE_MAX / sizeof(double) / d)
        return hpo__err(HPO_EINVAL, "forest: too many points");
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            return hpo__err(HPO_EINVAL, "forest: y[%zu] is not finite", i);
        for (size_t j = 0; j < d; j++)
            if (!isfinite(X[i * d + j]))
                return hpo__err(HPO_EINVAL, "forest: X[%zu][%zu] is not finite", i, j);
    }
    drop_trees(f);
    int gbrt = f->cfg.kind == HPO__FOREST_GBRT;
    size_t total = gbrt ? 3 * f->cfg.n_estimators : f->cfg.n_estimators;
    f->trees = hpo__calloc(total, sizeof *f->trees);
    if (!f->trees)
        return hpo__enomem();
    builder b;
    int rc = builder_init(&b, &f->cfg, X, n);
    if (rc == 0) {
        rc = gbrt ? fit_gbrt(f, &b, y, n) : fit_forest(f, &b, y, n);
        builder_free(&b);
    }
    if (rc != 0) {
        drop_trees(f);
        return rc;
    }
    f->fitted = 1;
    return 0;
}

int hpo__forest_predict(const hpo__forest *f, const double *Xs, size_t m, double *mu, double *sd)
{
    if (!f || (m > 0 && (!Xs || !mu)))
        return hpo__err(HPO_EINVAL, "forest: NULL argument");
    if (!f->fitted)
        return hpo__err(HPO_EINVAL, "forest: predict before fit");
    const hpo__forest_config *c = &f->cfg;
    size_t d = c->d;
    for (size_t r = 0; r < m; r++) {
        const double *x = Xs + r * d;
        if (c->kind == HPO__FOREST_GBRT) {
            double q[3];
            for (size_t k = 0; k < 3; k++) {
                double v = f->init[k];
                for (size_t s = 0; s < c->n_estimators; s++)
                    v += c->learning_rate * tree_leaf(&f->trees[k * c->n_estimators + s], x)->value;
                q[k] = v;
            }
            mu[r] = q[1];
            if (sd) {
                double h = (q[2] - q[0]) / 2.0;
                sd[r] = h > 0.0 ? h : 0.0;
            }
            continue;
        }
        double sum = 0.0, second = 0.0;
        for (size_t t = 0; t < f->n_trees; t++) {
            const node *leaf = tree_leaf(&f->trees[t], x);
            double var = leaf->impurity < c->min_variance ? c->min_variance : leaf->impurity;
            sum += leaf->value;
            second += var + leaf->value * leaf->value;
        }
        double T = (double)f->n_trees, mean = sum / T;
        mu[r] = mean;
        if (sd) {
            double v = second / T - mean * mean;
            sd[r] = v > 0.0 ? sqrt(v) : 0.0;
        }
    }
    return 0;
}

/* ---- structure, for analyses of the fitted trees (fANOVA) */

size_t hpo__forest_n_trees(const hpo__forest *f)
{
    return f && f->fitted ? f->n_trees : 0;
}

size_t hpo__forest_tree_size(const hpo__forest *f, size_t t)
{
    return f && f->fitted && t < f->n_trees ? f->trees[t].n : 0;
}

void hpo__forest_node(const hpo__forest *f, size_t t, size_t k, hpo__forest_node_info *out)
{
    const node *nd = &f->trees[t].nodes[k];
    out->feature = nd->feature;
    out->thr = nd->thr;
    out->value = nd->value;
    out->left = nd->left;
    out->right = nd->right;
}
