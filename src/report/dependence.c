/*
 * dependence.c -- the "dependence" plot (scikit-optimize's plot_objective):
 * partial dependence of the objective on each parameter and each pair, from
 * a Gaussian process fitted to the study's complete trials.
 *
 * Model: the project's GP (Matérn 5/2 with one length per coordinate, a
 * Hamming kernel on categoricals, MAP hyperparameters from the default start
 * and two seeded draws), on at most 300 complete trials (the best 30 and an
 * even subsample), inputs in axis space scaled to [0, 1] (log10 for log
 * parameters; a categorical is its level index; an inactive parameter its
 * lowest value), outputs standardized. Partial dependence as scikit-optimize
 * computes it: the mean prediction over random points of the space (250 for
 * the 1-D curves, as scikit-optimize; 50 for the 2-D maps, to bound the cost)
 * with the shown parameters set to each grid value — 40 grid points per curve,
 * a 20 x 20 map (14 x 14 above four parameters), each level of a categorical.
 *
 * Layout: the lower triangle of a matrix over the parameters (all when at most
 * 6, else the 6 most important by fANOVA, or --params): 1-D dependence on the
 * diagonal with the samples as a rug and the best trial's value as a red
 * dashed line; 2-D dependence below it with the samples as black dots and the
 * best trial red (the dots are the trials the model saw). Bounded at any size:
 * the model sees at most 300 trials, the maps hold at most
 * HPO__PLOT_MAX_MARKS dots in all, the rugs at most that many ticks.
 */
#include "core/rng.h"
#include "models/gp.h"
#include "report/plot.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_FIT 300
#define MAX_SHOWN 6
#define N_1D 40
#define SAMPLES_1D 250
#define SAMPLES_2D 50

static int complete(const hpo_snapshot *s, size_t i)
{
    return s->trials[i].state == HPO_TRIAL_COMPLETE && isfinite(s->trials[i].value);
}

/* A model coordinate back to the parameter's value (hpo__snap_unit's inverse). */
static double from_unit(const hpo__snap_param *p, double u)
{
    if (p->log && p->low > 0)
        return pow(10.0, log10(p->low) + u * (log10(p->high) - log10(p->low)));
    return p->low + u * (p->high - p->low);
}

/* Grid of a parameter: n values in model space (levels for a categorical). */
static size_t grid_of(const hpo__snap_param *p, size_t n, double *g)
{
    if (p->kind == HPO__SNAP_CATEGORICAL) {
        size_t m = p->n_labels ? p->n_labels : 1;
        for (size_t k = 0; k < m && k < n; k++)
            g[k] = (double)k;
        return m < n ? m : n;
    }
    for (size_t k = 0; k < n; k++)
        g[k] = (double)k / (double)(n - 1);
    return n;
}

typedef struct model {
    hpo__gp *gp;
    double ymean, ysd;
    size_t d;
    double *samples; /* SAMPLES_1D x d random points */
    double *buf;     /* SAMPLES_1D x d scratch */
    double *mu;
    size_t *rows; /* the trials the GP was fitted on (drawn as the samples) */
    size_t n_rows;
} model;

/* Mean prediction (in objective units) over the first `ns` samples with
 * coordinates a (and b) fixed. */
static int pd_at(model *m, size_t ns, size_t ja, double a, long jb, double b, double *out)
{
    memcpy(m->buf, m->samples, ns * m->d * sizeof(double));
    for (size_t k = 0; k < ns; k++) {
        m->buf[k * m->d + ja] = a;
        if (jb >= 0)
            m->buf[k * m->d + (size_t)jb] = b;
    }
    int rc = hpo__gp_predict(m->gp, m->buf, ns, m->mu, NULL);
    if (rc != 0)
        return rc;
    double sum = 0;
    for (size_t k = 0; k < ns; k++)
        sum += m->mu[k];
    *out = m->ymean + m->ysd * sum / (double)ns;
    return 0;
}

static int fit(const hpo_snapshot *s, unsigned long long seed, model *m, size_t *n_fit)
{
    size_t d = s->n_params;
    size_t *rows = hpo__malloc(MAX_FIT * sizeof *rows);
    unsigned char *cat = hpo__calloc(d, 1);
    if (!rows || !cat) {
        hpo__free(rows);
        hpo__free(cat);
        return hpo__enomem();
    }
    m->rows = rows;
    int dec;
    size_t n = hpo__plot_decimate(s, complete, MAX_FIT, rows, &dec);
    m->rows = rows;
    m->n_rows = n;
    double *X = hpo__malloc((n ? n : 1) * d * sizeof *X), *y = hpo__malloc((n ? n : 1) * sizeof *y);
    int rc = 0;
    if (!X || !y) {
        rc = hpo__enomem();
        goto done;
    }
    for (size_t j = 0; j < d; j++)
        cat[j] = s->params[j].kind == HPO__SNAP_CATEGORICAL;
    double mean = 0, var = 0;
    for (size_t r = 0; r < n; r++) {
        for (size_t j = 0; j < d; j++)
            X[r * d + j] = hpo__snap_unit(&s->params[j], s->x[rows[r] * d + j]);
        y[r] = s->trials[rows[r]].value;
        mean += y[r];
    }
    mean /= (double)(n ? n : 1);
    for (size_t r = 0; r < n; r++)
        var += (y[r] - mean) * (y[r] - mean);
    double sd = n > 1 ? sqrt(var / (double)(n - 1)) : 1.0;
    if (!(sd > 0))
        sd = 1.0;
    for (size_t r = 0; r < n; r++)
        y[r] = (y[r] - mean) / sd;
    m->ymean = mean;
    m->ysd = sd;
    hpo__gp_config cfg = {.d = d,
                          .categorical = cat,
                          .kernel = HPO__KERNEL_MATERN52,
                          .hyper = HPO__GP_MAP,
                          .noise = 1e-2};
    if ((rc = hpo__gp_create(&m->gp, &cfg)) != 0 || (rc = hpo__gp_set_data(m->gp, X, y, n)) != 0)
        goto done;
    size_t nt = hpo__gp_n_theta(m->gp);
    double *starts = hpo__malloc(3 * nt * sizeof *starts);
    if (!starts) {
        rc = hpo__enomem();
        goto done;
    }
    hpo__gp_theta_default(m->gp, starts);
    hpo__gp_sample_theta(m->gp, seed, 0x646570ULL, starts + nt, 2);
    rc = hpo__gp_fit(m->gp, starts, 3, NULL);
    hpo__free(starts);
    *n_fit = n;
done:
    hpo__free(cat);
    hpo__free(X);
    hpo__free(y);
    return rc;
}

static int draw_samples(const hpo_snapshot *s, unsigned long long seed, model *m)
{
    size_t d = s->n_params;
    m->samples = hpo__malloc(SAMPLES_1D * d * sizeof(double));
    m->buf = hpo__malloc(SAMPLES_1D * d * sizeof(double));
    m->mu = hpo__malloc(SAMPLES_1D * sizeof(double));
    if (!m->samples || !m->buf || !m->mu)
        return hpo__enomem();
    hpo__rng rng;
    hpo__rng_seed(&rng, seed, 0x706470ULL);
    for (size_t k = 0; k < SAMPLES_1D; k++)
        for (size_t j = 0; j < d; j++) {
            const hpo__snap_param *p = &s->params[j];
            m->samples[k * d + j] =
                p->kind == HPO__SNAP_CATEGORICAL
                    ? (double)hpo__rng_below(&rng, p->n_labels ? p->n_labels : 1)
                    : hpo__rng_uniform(&rng);
        }
    return 0;
}

/* A grid value in the parameter's own units, for the axis. */
static double axis_value(const hpo__snap_param *p, double g)
{
    return p->kind == HPO__SNAP_CATEGORICAL ? g : from_unit(p, g);
}

int hpo__plot_dependence(const hpo_snapshot *s, const hpo_plot_options *o, hpo__svg *svg)
{
    size_t sel[64], n = 0, d = s->n_params;
    int rc = 0;
    int by_importance = !o->params && d > MAX_SHOWN;
    if (by_importance) {
        double *imp = hpo__malloc(d * sizeof *imp);
        if (!imp)
            return hpo__enomem();
        rc = hpo__importance(s, o->seed, imp);
        for (size_t k = 0; rc == 0 && k < MAX_SHOWN; k++) {
            size_t best = d;
            for (size_t j = 0; j < d; j++) {
                int taken = 0;
                for (size_t q = 0; q < n; q++)
                    taken |= sel[q] == j;
                if (!taken && (best == d || imp[j] > imp[best]))
                    best = j;
            }
            sel[n++] = best;
        }
        hpo__free(imp);
        /* keep the space's order */
        for (size_t a = 1; a < n; a++)
            for (size_t k = a; k > 0 && sel[k - 1] > sel[k]; k--) {
                size_t t = sel[k];
                sel[k] = sel[k - 1];
                sel[k - 1] = t;
            }
    } else {
        rc = hpo__snap_select_params(s, o->params, o->params ? 8 : MAX_SHOWN, sel, &n);
    }
    if (rc != 0)
        return rc;
    model m = {.d = d};
    size_t n_fit = 0;
    if ((rc = fit(s, o->seed, &m, &n_fit)) != 0 || (rc = draw_samples(s, o->seed, &m)) != 0)
        goto done;
    size_t g2 = n > 4 ? 14 : 20;
    double side = n == 1 ? 380 : n <= 3 ? 230 : 160, gap = 52;
    int w = o->width ? o->width : (int)(95 + (double)n * (side + gap) + 90);
    int h = o->height ? o->height : (int)(70 + (double)n * (side + gap) + 40);
    side = fmin((w - 185.0) / (double)n - gap, (h - 110.0) / (double)n - gap);
    if (side < 50) {
        rc =
            hpo__err(HPO_EINVAL, "plot dependence: %dx%d is too small for %zu parameters", w, h, n);
        goto done;
    }
    char sub[256];
    snprintf(sub, sizeof sub, "%s · partial dependence of a GP fitted to %zu trials (seed %llu)%s",
             s->study, n_fit, o->seed, by_importance ? " · the 6 most important parameters" : "");
    hpo__svg_begin(svg, "dependence", w, h, "Partial dependence", sub);
    double grid[N_1D], gx[64], gy[64];
    double *curves = hpo__malloc(n * N_1D * sizeof *curves);
    size_t *ng = hpo__malloc(n * sizeof *ng);
    if (!curves || !ng) {
        hpo__free(curves);
        hpo__free(ng);
        rc = hpo__enomem();
        goto done;
    }
    /* the 1-D curves first: their range sets the colour scale of the maps too */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < n && rc == 0; k++) {
        ng[k] = grid_of(&s->params[sel[k]], N_1D, grid);
        for (size_t q = 0; q < ng[k] && rc == 0; q++) {
            rc = pd_at(&m, SAMPLES_1D, sel[k], grid[q], -1, 0, &curves[k * N_1D + q]);
            lo = fmin(lo, curves[k * N_1D + q]);
            hi = fmax(hi, curves[k * N_1D + q]);
        }
    }
    /* every 2-D map next, so one colour scale covers all panels */
    size_t npairs = n * (n - 1) / 2;
    double *maps = hpo__malloc((npairs ? npairs : 1) * g2 * g2 * sizeof *maps);
    if (!maps)
        rc = hpo__enomem();
    for (size_t r = 1, pair = 0; r < n && rc == 0; r++)
        for (size_t c = 0; c < r && rc == 0; c++, pair++) {
            size_t nx = grid_of(&s->params[sel[c]], g2, gx),
                   ny = grid_of(&s->params[sel[r]], g2, gy);
            double *mp = &maps[pair * g2 * g2];
            for (size_t a = 0; a < ny && rc == 0; a++)
                for (size_t b = 0; b < nx && rc == 0; b++) {
                    rc = pd_at(&m, SAMPLES_2D, sel[c], gx[b], (long)sel[r], gy[a], &mp[a * nx + b]);
                    lo = fmin(lo, mp[a * nx + b]);
                    hi = fmax(hi, mp[a * nx + b]);
                }
        }
    for (size_t r = 0; r < n && rc == 0; r++) {
        for (size_t c = 0; c <= r && rc == 0; c++) {
            const hpo__snap_param *pc = &s->params[sel[c]], *pr = &s->params[sel[r]];
            double x0 = 95 + (double)c * (side + gap), y0 = 60 + (double)r * (side + gap);
            double x1 = x0 + side, y1 = y0 + side;
            hpo__scale xs;
            hpo__scale_param(&xs, pc, x0, x1);
            if (r == c) {
                size_t k = r;
                hpo__scale ys;
                double ends[2] = {lo, hi};
                hpo__scale_fit(&ys, ends, 2, 1, 0, y1, y0);
                hpo__svg_grid(svg, &ys, HPO__AXIS_LEFT, x0, x1);
                hpo__svg_panel_begin(svg, x0, y0, x1, y1);
                size_t m1 = grid_of(pc, N_1D, grid);
                hpo__svg_path_begin(svg, "line", "#1f77b4", NULL);
                for (size_t q = 0; q < m1; q++)
                    hpo__svg_path_to(svg, hpo__scale_map(&xs, axis_value(pc, grid[q])),
                                     hpo__scale_map(&ys, curves[k * N_1D + q]));
                hpo__svg_path_end(svg);
                if (pc->kind == HPO__SNAP_CATEGORICAL)
                    for (size_t q = 0; q < m1; q++)
                        hpo__svg_point(svg, hpo__scale_map(&xs, grid[q]),
                                       hpo__scale_map(&ys, curves[k * N_1D + q]), 3, "pt",
                                       "#1f77b4", -1, NULL);
                /* rug of the samples */
                size_t drawn = 0;
                for (size_t i = 0; i < s->n_trials && drawn < HPO__PLOT_MAX_MARKS; i++) {
                    double v = s->x[i * d + sel[c]];
                    if (!complete(s, i) || isnan(v))
                        continue;
                    double px = hpo__scale_map(&xs, v);
                    hpo__svg_line(svg, px, y1, px, y1 - 5, "whisker");
                    drawn++;
                }
                if (s->best >= 0 && !isnan(s->x[(size_t)s->best * d + sel[c]])) {
                    double bx = hpo__scale_map(&xs, s->x[(size_t)s->best * d + sel[c]]);
                    hpo__svg_raw(svg,
                                 "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                                 "stroke=\"#d62728\" stroke-dasharray=\"4 3\"/>\n",
                                 bx, y0, bx, y1);
                }
                hpo__svg_raw(svg, "</g>\n");
                hpo__svg_axis(svg, &ys, HPO__AXIS_LEFT, x0, c == 0 ? "objective" : NULL);
            } else {
                hpo__scale ys;
                hpo__scale_param(&ys, pr, y1, y0);
                size_t nx = grid_of(pc, g2, gx), ny = grid_of(pr, g2, gy);
                const double *map = &maps[(r * (r - 1) / 2 + c) * g2 * g2];
                hpo__svg_panel_begin(svg, x0, y0, x1, y1);
                for (size_t a = 0; a < ny; a++)
                    for (size_t b = 0; b < nx; b++) {
                        /* cells centred on the grid values (bands for categoricals) */
                        double cx0 = b == 0 ? x0
                                            : (hpo__scale_map(&xs, axis_value(pc, gx[b - 1])) +
                                               hpo__scale_map(&xs, axis_value(pc, gx[b]))) /
                                                  2;
                        double cx1 = b + 1 == nx
                                         ? x1
                                         : (hpo__scale_map(&xs, axis_value(pc, gx[b])) +
                                            hpo__scale_map(&xs, axis_value(pc, gx[b + 1]))) /
                                               2;
                        double cy0 = a == 0 ? y1
                                            : (hpo__scale_map(&ys, axis_value(pr, gy[a - 1])) +
                                               hpo__scale_map(&ys, axis_value(pr, gy[a]))) /
                                                  2;
                        double cy1 = a + 1 == ny
                                         ? y0
                                         : (hpo__scale_map(&ys, axis_value(pr, gy[a])) +
                                            hpo__scale_map(&ys, axis_value(pr, gy[a + 1]))) /
                                               2;
                        double t = hi > lo ? (map[a * nx + b] - lo) / (hi - lo) : 0.5;
                        char col[8];
                        hpo__color_ramp(s->direction == HPO_MAXIMIZE ? t : 1.0 - t, col);
                        hpo__svg_rect(svg, cx0, cy1, cx1 - cx0 + 0.3, cy0 - cy1 + 0.3, "cell", col);
                    }
                /* the samples the model saw, at most a share of the marks per panel */
                size_t cap = HPO__PLOT_MAX_MARKS / (n * (n - 1) / 2), drawn = 0;
                for (size_t q = 0; q < m.n_rows && drawn < cap; q++) {
                    size_t i = m.rows[q];
                    double xv = s->x[i * d + sel[c]], yv = s->x[i * d + sel[r]];
                    if (isnan(xv) || isnan(yv) || (long)i == s->best)
                        continue;
                    char tip[640];
                    hpo__plot_tip(s, i, tip, sizeof tip);
                    hpo__svg_point(svg, hpo__scale_map(&xs, xv), hpo__scale_map(&ys, yv), 1.8, "pt",
                                   "#111", s->trials[i].number, tip);
                    drawn++;
                }
                hpo__plot_best_pair(s, svg, sel[c], sel[r], &xs, &ys, 4.5);
                hpo__svg_raw(svg, "</g>\n");
                if (c == 0)
                    hpo__svg_axis(svg, &ys, HPO__AXIS_LEFT, x0, pr->name);
            }
            if (r == n - 1)
                hpo__svg_axis(svg, &xs, HPO__AXIS_BOTTOM, y1, pc->name);
        }
    }
    if (rc == 0 && n > 1) {
        hpo__scale cb;
        hpo__scale_numeric(&cb, lo, hi, 0, 60 + fmin(300.0, side * (double)n), 60);
        hpo__svg_colorbar(svg, &cb, w - 80.0, 12, "objective", s->direction == HPO_MINIMIZE);
    }
    hpo__free(maps);
    hpo__free(curves);
    hpo__free(ng);
done:
    hpo__gp_destroy(m.gp);
    hpo__free(m.rows);
    hpo__free(m.samples);
    hpo__free(m.buf);
    hpo__free(m.mu);
    return rc != 0 ? rc : svg->err;
}
