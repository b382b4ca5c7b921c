/*
 * importance.c -- the "importance" plot and hpo__importance: how much of the
 * objective's variation each parameter explains, by fANOVA (Hutter, Hoos and
 * Leyton-Brown 2014) on a random forest, as Optuna's default importance
 * evaluator (FanovaImportanceEvaluator: 64 trees, max_depth 64, one sample per
 * leaf at least, bootstrap, seeded).
 *
 * Inputs: the complete trials (at most 1000: the best 100 and an even
 * subsample of the rest), each parameter in its axis space scaled to [0, 1]
 * (log10 for log parameters); a categorical is its level index over
 * [-0.5, levels - 0.5], every level weighing the same (Optuna one-hot encodes
 * and sums; an ordinal split over the levels partitions them as finely); an
 * inactive parameter takes its lowest value. Per tree, exactly: the leaves'
 * boxes partition the domain; the tree's mean f0 and variance V over the
 * uniform measure; the main effect of parameter j is the tree averaged over
 * every other parameter, a step function of x_j whose variance is V_j; the
 * importance of j is the mean over trees of V_j / V, normalized to sum to 1
 * (Optuna normalizes too). Cost: O(trees x (leaves x params + leaves log
 * leaves)).
 */
#include "models/forest.h"
#include "report/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_TREES 64
#define MAX_DEPTH 64
#define MAX_ROWS 1000

static int complete(const hpo_snapshot *s, size_t i)
{
    return s->trials[i].state == HPO_TRIAL_COMPLETE && isfinite(s->trials[i].value);
}

/* Parameter j's domain in the forest's input space. */
static void domain(const hpo__snap_param *p, double *lo, double *hi)
{
    if (p->kind == HPO__SNAP_CATEGORICAL) {
        *lo = -0.5;
        *hi = (double)(p->n_labels ? p->n_labels : 1) - 0.5;
    } else {
        *lo = 0.0;
        *hi = 1.0;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct work {
    size_t d, cap;
    double *lo0, *hi0;      /* the domain */
    double *llo, *lhi, *lv; /* leaves: boxes and values */
    double *lvol;           /* leaves: volume fraction */
    double *stack_lo, *stack_hi;
    size_t *stack_node;
    double *pts, *acc; /* per dimension: breakpoints, difference array */
} work;

/* One tree's main-effect variances vj[d] and total variance; 0, or 1 when the
 * tree is constant. */
static int tree_effects(const hpo__forest *f, size_t t, work *w, double *vj, double *vtot)
{
    size_t d = w->d, nl = 0, top = 0;
    memcpy(w->stack_lo, w->lo0, d * sizeof(double));
    memcpy(w->stack_hi, w->hi0, d * sizeof(double));
    w->stack_node[0] = 0;
    top = 1;
    while (top > 0) {
        top--;
        size_t k = w->stack_node[top];
        double *lo = &w->stack_lo[top * d], *hi = &w->stack_hi[top * d];
        hpo__forest_node_info nd;
        hpo__forest_node(f, t, k, &nd);
        /* a leaf, or (never with max_depth MAX_DEPTH) a stack about to overflow */
        if (nd.feature < 0 || (size_t)nd.feature >= d || top + 2 > 2 * MAX_DEPTH + 4 ||
            nl >= w->cap) {
            memcpy(&w->llo[nl * d], lo, d * sizeof(double));
            memcpy(&w->lhi[nl * d], hi, d * sizeof(double));
            w->lv[nl] = nd.value;
            double vol = 1.0;
            for (size_t j = 0; j < d; j++)
                vol *= (hi[j] - lo[j]) / (w->hi0[j] - w->lo0[j]);
            w->lvol[nl] = vol;
            nl++;
            continue;
        }
        size_t j = (size_t)nd.feature;
        double thr = fmin(fmax(nd.thr, lo[j]), hi[j]);
        /* right child: a copy with lo[j] = thr; the left child reuses this slot */
        memcpy(&w->stack_lo[(top + 1) * d], lo, d * sizeof(double));
        memcpy(&w->stack_hi[(top + 1) * d], hi, d * sizeof(double));
        w->stack_lo[(top + 1) * d + j] = thr;
        w->stack_node[top + 1] = nd.right;
        hi[j] = thr;
        w->stack_node[top] = nd.left;
        top += 2;
    }
    double f0 = 0, V = 0;
    for (size_t l = 0; l < nl; l++)
        f0 += w->lvol[l] * w->lv[l];
    for (size_t l = 0; l < nl; l++)
        V += w->lvol[l] * (w->lv[l] - f0) * (w->lv[l] - f0);
    *vtot = V;
    if (!(V > 0))
        return 1;
    for (size_t j = 0; j < d; j++) {
        double width0 = w->hi0[j] - w->lo0[j];
        size_t np = 0;
        for (size_t l = 0; l < nl; l++) {
            w->pts[np++] = w->llo[l * d + j];
            w->pts[np++] = w->lhi[l * d + j];
        }
        qsort(w->pts, np, sizeof(double), cmp_double);
        size_t u = 0;
        for (size_t q = 0; q < np; q++)
            if (u == 0 || w->pts[q] != w->pts[u - 1])
                w->pts[u++] = w->pts[q];
        /* intervals [pts[k], pts[k+1]); each leaf adds its value times its
         * volume in the other dimensions over the intervals it covers */
        memset(w->acc, 0, (u + 1) * sizeof(double));
        for (size_t l = 0; l < nl; l++) {
            double a = w->llo[l * d + j], b = w->lhi[l * d + j];
            if (!(b > a))
                continue;
            double c = w->lv[l] * w->lvol[l] / ((b - a) / width0);
            double *pa = bsearch(&a, w->pts, u, sizeof(double), cmp_double);
            double *pb = bsearch(&b, w->pts, u, sizeof(double), cmp_double);
            if (!pa || !pb)
                continue;
            w->acc[pa - w->pts] += c;
            w->acc[pb - w->pts] -= c;
        }
        double run = 0, var = 0;
        for (size_t k = 0; k + 1 < u; k++) {
            run += w->acc[k];
            double len = (w->pts[k + 1] - w->pts[k]) / width0;
            var += len * (run - f0) * (run - f0);
        }
        vj[j] = var;
    }
    return 0;
}

int hpo__importance(const hpo_snapshot *s, unsigned long long seed, double *imp)
{
    size_t d = s->n_params;
    for (size_t j = 0; j < d; j++)
        imp[j] = 0;
    if (d == 0)
        return 0;
    size_t *rows = hpo__malloc(MAX_ROWS * sizeof *rows);
    if (!rows)
        return hpo__enomem();
    int dec;
    size_t n = hpo__plot_decimate(s, complete, MAX_ROWS, rows, &dec);
    if (n < 2) {
        hpo__free(rows);
        return hpo__err(HPO_EINVAL, "plot importance: needs at least two complete trials");
    }
    double *X = hpo__malloc(n * d * sizeof *X), *y = hpo__malloc(n * sizeof *y);
    work w = {.d = d, .cap = 2 * n};
    w.lo0 = hpo__malloc(d * sizeof(double));
    w.hi0 = hpo__malloc(d * sizeof(double));
    w.llo = hpo__malloc(2 * n * d * sizeof(double));
    w.lhi = hpo__malloc(2 * n * d * sizeof(double));
    w.lv = hpo__malloc(2 * n * sizeof(double));
    w.lvol = hpo__malloc(2 * n * sizeof(double));
    w.stack_lo = hpo__malloc((2 * MAX_DEPTH + 4) * d * sizeof(double));
    w.stack_hi = hpo__malloc((2 * MAX_DEPTH + 4) * d * sizeof(double));
    w.stack_node = hpo__malloc((2 * MAX_DEPTH + 4) * sizeof(size_t));
    w.pts = hpo__malloc(4 * n * sizeof(double));
    w.acc = hpo__malloc((4 * n + 1) * sizeof(double));
    double *vj = hpo__malloc(d * sizeof *vj);
    hpo__forest *f = NULL;
    int rc = 0;
    if (!X || !y || !w.lo0 || !w.hi0 || !w.llo || !w.lhi || !w.lv || !w.lvol || !w.stack_lo ||
        !w.stack_hi || !w.stack_node || !w.pts || !w.acc || !vj) {
        rc = hpo__enomem();
        goto done;
    }
    for (size_t j = 0; j < d; j++)
        domain(&s->params[j], &w.lo0[j], &w.hi0[j]);
    for (size_t r = 0; r < n; r++) {
        for (size_t j = 0; j < d; j++)
            X[r * d + j] = hpo__snap_unit(&s->params[j], s->x[rows[r] * d + j]);
        y[r] = s->trials[rows[r]].value;
    }
    hpo__forest_config cfg = {0};
    cfg.kind = HPO__FOREST_RF;
    cfg.d = d;
    cfg.n_estimators = N_TREES;
    cfg.min_samples_leaf = 1;
    cfg.max_depth = MAX_DEPTH;
    cfg.max_features = 1.0;
    cfg.seed = seed;
    if ((rc = hpo__forest_create(&f, &cfg)) != 0 || (rc = hpo__forest_fit(f, X, y, n)) != 0)
        goto done;
    size_t used = 0;
    for (size_t t = 0; t < hpo__forest_n_trees(f); t++) {
        double V;
        if (hpo__forest_tree_size(f, t) > 2 * n)
            continue; /* cannot happen: a binary tree over n points */
        if (tree_effects(f, t, &w, vj, &V) != 0)
            continue;
        for (size_t j = 0; j < d; j++)
            imp[j] += vj[j] / V;
        used++;
    }
    double sum = 0;
    for (size_t j = 0; j < d; j++)
        sum += imp[j];
    for (size_t j = 0; j < d; j++)
        imp[j] = sum > 0 ? imp[j] / sum : 0.0;
done:
    hpo__forest_destroy(f);
    hpo__free(rows);
    hpo__free(X);
    hpo__free(y);
    hpo__free(w.lo0);
    hpo__free(w.hi0);
    hpo__free(w.llo);
    hpo__free(w.lhi);
    hpo__free(w.lv);
    hpo__free(w.lvol);
    hpo__free(w.stack_lo);
    hpo__free(w.stack_hi);
    hpo__free(w.stack_node);
    hpo__free(w.pts);
    hpo__free(w.acc);
    hpo__free(vj);
    return rc;
}

int hpo__plot_importance_applies(const hpo_snapshot *snap, const char **why)
{
    if (snap->n_params == 0) {
        if (why)
            *why = "the study has no parameters";
        return 0;
    }
    if (snap->counts[HPO_TRIAL_COMPLETE] >= 2)
        return 1;
    if (why)
        *why = "importance needs at least two complete trials";
    return 0;
}

/* Parameters sorted by importance, largest first (ties: space order). */
static void order_by(const double *imp, size_t d, size_t *ord)
{
    for (size_t j = 0; j < d; j++)
        ord[j] = j;
    for (size_t a = 1; a < d; a++)
        for (size_t k = a; k > 0 && imp[ord[k]] > imp[ord[k - 1]]; k--) {
            size_t t = ord[k];
            ord[k] = ord[k - 1];
            ord[k - 1] = t;
        }
}

/* Importances and the parameters' order, largest first (both hpo__malloc'd). */
static int ranked(const hpo_snapshot *s, unsigned long long seed, double **imp, size_t **ord)
{
    size_t d = s->n_params;
    *imp = hpo__malloc((d ? d : 1) * sizeof **imp);
    *ord = hpo__malloc((d ? d : 1) * sizeof **ord);
    int rc = *imp && *ord ? hpo__importance(s, seed, *imp) : hpo__enomem();
    if (rc != 0) {
        hpo__free(*imp);
        hpo__free(*ord);
        *imp = NULL;
        *ord = NULL;
        return rc;
    }
    order_by(*imp, d, *ord);
    return 0;
}

int hpo__plot_importance(const hpo_snapshot *s, const hpo_plot_options *o, hpo__svg *svg)
{
    size_t d = s->n_params;
    double *imp;
    size_t *ord;
    int rc = ranked(s, o->seed, &imp, &ord);
    if (rc != 0)
        return rc;
    long long nc = s->counts[HPO_TRIAL_COMPLETE];
    int w = o->width ? o->width : 760;
    int h = o->height ? o->height : (int)(90 + 30 * (double)d);
    char sub[256];
    snprintf(sub, sizeof sub,
             "%s · fANOVA on a random forest (%d trees), seed %llu · %lld "
             "complete trials%s",
             s->study, N_TREES, o->seed, nc, nc > MAX_ROWS ? " (1000 used)" : "");
    hpo__svg_begin(svg, "importance", w, h, "Parameter importance", sub);
    double x0 = 170, x1 = w - 70.0, y0 = 56, y1 = h - 36.0;
    hpo__scale xs;
    hpo__scale_numeric(&xs, 0, 1, 0, x0, x1);
    hpo__svg_grid(svg, &xs, HPO__AXIS_BOTTOM, y0, y1);
    double bh = (y1 - y0) / (double)(d ? d : 1);
    for (size_t k = 0; k < d; k++) {
        size_t j = ord[k];
        double y = y0 + (double)k * bh;
        char label[64], val[32];
        snprintf(label, sizeof label, "%.40s", s->params[j].name);
        snprintf(val, sizeof val, "%.3f", imp[j]);
        hpo__svg_text(svg, x0 - 8, y + bh / 2 + 4, "end", 0, "tick", label);
        hpo__svg_raw(svg,
                     "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
                     "<title>",
                     x0, y + bh * 0.15, hpo__scale_map(&xs, imp[j]) - x0, bh * 0.7);
        hpo__svg_esc(svg, s->params[j].name);
        hpo__svg_raw(svg, ": %s</title></rect>\n", val);
        hpo__svg_text(svg, hpo__scale_map(&xs, imp[j]) + 5, y + bh / 2 + 4, "start", 0, "tick",
                      val);
    }
    hpo__svg_axis(svg, &xs, HPO__AXIS_BOTTOM, y1, "share of the objective's variance");
    hpo__free(imp);
    hpo__free(ord);
    return svg->err;
}

int hpo__plot_importance_text(const hpo_snapshot *s, const hpo_plot_options *o, hpo__buf *out)
{
    size_t d = s->n_params;
    double *imp;
    size_t *ord;
    int rc = ranked(s, o->seed, &imp, &ord);
    if (rc == 0) {
        int cols = o->width ? o->width : 40;
        size_t nw = 4;
        for (size_t j = 0; j < d; j++)
            nw = strlen(s->params[j].name) > nw ? strlen(s->params[j].name) : nw;
        if (nw > 30)
            nw = 30;
        hpo__buf_printf(out, "parameter importance (fANOVA, %d trees, seed %llu)\n", N_TREES,
                        o->seed);
        for (size_t k = 0; k < d; k++) {
            size_t j = ord[k];
            hpo__buf_printf(out, "%-*.*s %.3f ", (int)nw, (int)nw, s->params[j].name, imp[j]);
            int bars = (int)lround(imp[j] * cols);
            for (int b = 0; b < bars; b++)
                hpo__buf_puts(out, "█");
            hpo__buf_putc(out, '\n');
        }
    }
    hpo__free(imp);
    hpo__free(ord);
    return rc != 0 ? rc : out->oom ? hpo__enomem() : 0;
}
