/*
 * contour.c -- the "contour" plot (Optuna's plot_contour): the objective over
 * pairs of parameters. Two parameters give one panel; more give the lower
 * triangle of a matrix (default: the first 4 parameters, or --params). Each
 * panel is a 40 x 40 grid in axis space (log axes for log parameters, bands
 * for categoricals): a cell holds the best value of the trials that fall in
 * it, and empty cells are filled by inverse-distance weighting (power 2) of
 * the filled ones (Optuna interpolates linearly with scipy's griddata; IDW
 * also extrapolates outside the samples' hull and needs no triangulation).
 * Colours on the ramp, the best end yellow, one colour bar for all panels; the
 * samples are black dots and the best trial a red one. A trial whose
 * parameter is inactive is left out of that panel.
 *
 * At scale the cells still see every trial (binning first bounds the cost:
 * O(trials + cells x filled cells) per panel); above HPO__PLOT_MAX_MARKS
 * samples the dots are left out and the subtitle says so.
 */
#include "report/plot.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define GRID 40
#define MAX_PARAMS 8

typedef struct panel {
    double x0, y0, x1, y1;
} panel;

/* The value grid of one pair (px, py) into g[GRID*GRID] (NaN = no trial). */
static void bin_pair(const hpo_snapshot *s, size_t px, size_t py, const hpo__scale *xs,
                     const hpo__scale *ys, const panel *P, double *g)
{
    for (size_t k = 0; k < GRID * GRID; k++)
        g[k] = NAN;
    for (size_t i = 0; i < s->n_trials; i++) {
        const hpo__snap_trial *t = &s->trials[i];
        double xv = s->x[i * s->n_params + px], yv = s->x[i * s->n_params + py];
        if (t->state != HPO_TRIAL_COMPLETE || !isfinite(t->value) || isnan(xv) || isnan(yv))
            continue;
        double u = (hpo__scale_map(xs, xv) - P->x0) / (P->x1 - P->x0);
        double v = (hpo__scale_map(ys, yv) - P->y0) / (P->y1 - P->y0);
        long cx = (long)floor(u * GRID), cy = (long)floor(v * GRID);
        if (cx < 0 || cy < 0 || cx >= GRID || cy >= GRID)
            continue;
        double *c = &g[cy * GRID + cx];
        if (isnan(*c) || hpo__snap_better(s, t->value, *c))
            *c = t->value;
    }
}

/* Fill empty cells by inverse-distance weighting of the filled ones. */
static int fill_idw(double *g)
{
    size_t nf = 0;
    int *fx = hpo__malloc(GRID * GRID * sizeof *fx), *fy = hpo__malloc(GRID * GRID * sizeof *fy);
    double *fv = hpo__malloc(GRID * GRID * sizeof *fv);
    if (!fx || !fy || !fv) {
        hpo__free(fx);
        hpo__free(fy);
        hpo__free(fv);
        return hpo__enomem();
    }
    for (int y = 0; y < GRID; y++)
        for (int x = 0; x < GRID; x++)
            if (!isnan(g[y * GRID + x])) {
                fx[nf] = x;
                fy[nf] = y;
                fv[nf] = g[y * GRID + x];
                nf++;
            }
    for (int y = 0; y < GRID && nf; y++)
        for (int x = 0; x < GRID; x++) {
            if (!isnan(g[y * GRID + x]))
                continue;
            double sw = 0, sv = 0;
            for (size_t k = 0; k < nf; k++) {
                double dx = x - fx[k], dy = y - fy[k];
                double wgt = 1.0 / (dx * dx + dy * dy);
                sw += wgt;
                sv += wgt * fv[k];
            }
            g[y * GRID + x] = sv / sw;
        }
    hpo__free(fx);
    hpo__free(fy);
    hpo__free(fv);
    return 0;
}

int hpo__plot_contour(const hpo_snapshot *s, const hpo_plot_options *o, hpo__svg *svg)
{
    size_t sel[MAX_PARAMS], n = 0;
    int rc = hpo__snap_select_params(s, o->params, o->params ? MAX_PARAMS : 4, sel, &n);
    if (rc != 0)
        return rc;
    if (n < 2)
        return hpo__err(HPO_EINVAL, "plot contour: needs two parameters (--params a,b)");
    size_t cells = n == 2 ? 1 : n - 1; /* panels per side */
    double side = n == 2 ? 420 : (n == 3 ? 260 : 200);
    double gap = 40;
    int w = o->width ? o->width : (int)(90 + (double)cells * (side + gap) + 90);
    int h = o->height ? o->height : (int)(70 + (double)cells * (side + gap) + 20);
    side = fmin((w - 180.0) / (double)cells - gap, (h - 90.0) / (double)cells - gap);
    if (side < 60)
        return hpo__err(HPO_EINVAL, "plot contour: %dx%d is too small for %zu parameters", w, h, n);
    double *g = hpo__malloc(GRID * GRID * sizeof *g);
    double *vals = hpo__malloc((s->n_trials ? s->n_trials : 1) * sizeof *vals);
    if (!g || !vals) {
        hpo__free(g);
        hpo__free(vals);
        return hpo__enomem();
    }
    for (size_t i = 0; i < s->n_trials; i++)
        vals[i] = s->trials[i].state == HPO_TRIAL_COMPLETE ? s->trials[i].value : (double)NAN;
    hpo__scale vs;
    hpo__scale_fit(&vs, vals, s->n_trials, 1, 0, 0, 1);
    long long nc = s->counts[HPO_TRIAL_COMPLETE];
    int dots = nc <= HPO__PLOT_MAX_MARKS;
    char sub[256];
    snprintf(sub, sizeof sub,
             "%s · best value per cell, empty cells interpolated (inverse "
             "distance) · %lld trials%s",
             s->study, nc, dots ? "" : " · samples not drawn");
    hpo__svg_begin(svg, "contour", w, h, "Contour plot", sub);
    for (size_t r = 1; r < n; r++) {
        for (size_t c = 0; c < r; c++) {
            size_t px = sel[c], py = sel[r];
            size_t row = n == 2 ? 0 : r - 1, col = c;
            panel P = {90 + (double)col * (side + gap), 60 + (double)row * (side + gap), 0, 0};
            P.x1 = P.x0 + side;
            P.y1 = P.y0 + side;
            hpo__scale xs, ys;
            hpo__scale_param(&xs, &s->params[px], P.x0, P.x1);
            hpo__scale_param(&ys, &s->params[py], P.y1, P.y0);
            bin_pair(s, px, py, &xs, &ys, &P, g);
            if ((rc = fill_idw(g)) != 0)
                break;
            hpo__svg_panel_begin(svg, P.x0, P.y0, P.x1, P.y1);
            double cw = side / GRID;
            for (int y = 0; y < GRID; y++)
                for (int x = 0; x < GRID; x++) {
                    double v = g[y * GRID + x];
                    if (isnan(v))
                        continue;
                    double t = (v - vs.d0) / (vs.d1 - vs.d0);
                    char col_s[8];
                    hpo__color_ramp(s->direction == HPO_MAXIMIZE ? t : 1.0 - t, col_s);
                    hpo__svg_rect(svg, P.x0 + x * cw, P.y0 + y * cw, cw + 0.2, cw + 0.2, "cell",
                                  col_s);
                }
            if (dots)
                for (size_t i = 0; i < s->n_trials; i++) {
                    double xv = s->x[i * s->n_params + px], yv = s->x[i * s->n_params + py];
                    if (s->trials[i].state != HPO_TRIAL_COMPLETE || isnan(xv) || isnan(yv) ||
                        (long)i == s->best)
                        continue;
                    char tip[640];
                    hpo__plot_tip(s, i, tip, sizeof tip);
                    hpo__svg_point(svg, hpo__scale_map(&xs, xv), hpo__scale_map(&ys, yv), 2.0, "pt",
                                   "#111", s->trials[i].number, tip);
                }
            hpo__plot_best_pair(s, svg, px, py, &xs, &ys, 4.5);
            hpo__svg_raw(svg, "</g>\n");
            if (r == n - 1 || n == 2)
                hpo__svg_axis(svg, &xs, HPO__AXIS_BOTTOM, P.y1, s->params[px].name);
            if (c == 0)
                hpo__svg_axis(svg, &ys, HPO__AXIS_LEFT, P.x0, s->params[py].name);
        }
        if (rc != 0)
            break;
    }
    if (rc == 0) {
        hpo__scale cb;
        hpo__scale_numeric(&cb, vs.d0, vs.d1, 0, 60 + fmin(300, side * (double)cells), 60);
        hpo__svg_colorbar(svg, &cb, w - 80.0, 12, "objective", s->direction == HPO_MINIMIZE);
    }
    hpo__free(g);
    hpo__free(vals);
    return rc != 0 ? rc : svg->err;
}
