/*
 * evaluations.c -- the "evaluations" plot (scikit-optimize's
 * plot_evaluations): where the search sampled. A matrix over the parameters
 * (default up to 8, or --params): on the diagonal the histogram of each
 * parameter's sampled values (bins of equal width on the axis, so log bins for
 * log parameters; one bar per label, in the user's order, for categoricals);
 * below it the scatter of every pair, points coloured by trial order (dark
 * early, yellow late), the best trial in red. Every trial that ran counts,
 * whatever its state.
 *
 * At scale (more trials than HPO__PLOT_MAX_MARKS) the scatters become counts
 * in 4-pixel cells. Cost: O(trials x parameters^2).
 */
#include "report/plot.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define BINS 20

int hpo__plot_evaluations(const hpo_snapshot *s, const hpo_plot_options *o, hpo__svg *svg)
{
    size_t sel[64], n = 0;
    int rc = hpo__snap_select_params(s, o->params, o->params ? 16 : HPO__PLOT_MAX_PARAMS, sel, &n);
    if (rc != 0)
        return rc;
    double side = n == 1 ? 360 : n <= 3 ? 220 : n <= 5 ? 160 : 120, gap = 18;
    int w = o->width ? o->width : (int)(90 + (double)n * (side + gap) + 10);
    int h = o->height ? o->height : (int)(70 + (double)n * (side + gap) + 40);
    side = fmin((w - 100.0) / (double)n - gap, (h - 110.0) / (double)n - gap);
    if (side < 40)
        return hpo__err(HPO_EINVAL, "plot evaluations: %dx%d is too small for %zu parameters", w, h,
                        n);
    int binned = s->n_trials > HPO__PLOT_MAX_MARKS;
    char sub[256];
    snprintf(sub, sizeof sub, "%s · %zu trials · histograms of the sampled values; pairs %s",
             s->study, s->n_trials,
             binned ? "as counts (binned)" : "coloured by trial order (late = yellow)");
    hpo__svg_begin(svg, "evaluations", w, h, "Evaluations", sub);
    long long last = s->n_trials ? s->trials[s->n_trials - 1].number : 1;
    unsigned *cnt = hpo__malloc(BINS * sizeof *cnt);
    if (!cnt)
        return hpo__enomem();
    for (size_t r = 0; r < n && rc == 0; r++) {
        for (size_t c = 0; c <= r; c++) {
            size_t px = sel[c], py = sel[r];
            double x0 = 90 + (double)c * (side + gap), y0 = 60 + (double)r * (side + gap);
            double x1 = x0 + side, y1 = y0 + side;
            hpo__scale xs;
            hpo__scale_param(&xs, &s->params[px], x0, x1);
            if (r == c) {
                /* histogram: equal-width bins in pixel space */
                const hpo__snap_param *p = &s->params[px];
                size_t nb = p->kind == HPO__SNAP_CATEGORICAL ? p->n_labels : BINS;
                if (nb == 0)
                    nb = 1;
                if (nb > BINS && p->kind != HPO__SNAP_CATEGORICAL)
                    nb = BINS;
                unsigned *hist = nb <= BINS ? cnt : hpo__calloc(nb, sizeof *hist);
                if (!hist) {
                    rc = hpo__enomem();
                    break;
                }
                memset(hist, 0, nb * sizeof *hist);
                unsigned maxh = 0;
                for (size_t i = 0; i < s->n_trials; i++) {
                    double v = s->x[i * s->n_params + px];
                    if (isnan(v))
                        continue;
                    double u = (hpo__scale_map(&xs, v) - x0) / (x1 - x0);
                    long b = (long)floor(u * (double)nb);
                    if (b < 0)
                        b = 0;
                    if (b >= (long)nb)
                        b = (long)nb - 1;
                    if (++hist[b] > maxh)
                        maxh = hist[b];
                }
                hpo__svg_panel_begin(svg, x0, y0, x1, y1);
                double bw = side / (double)nb;
                for (size_t b = 0; b < nb; b++) {
                    if (!hist[b])
                        continue;
                    double bh = (side - 8) * hist[b] / (double)maxh;
                    hpo__svg_raw(svg,
                                 "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                                 "height=\"%.1f\"><title>%u trials</title></rect>\n",
                                 x0 + (double)b * bw + 0.5, y1 - bh, bw - 1 > 0.5 ? bw - 1 : 0.5,
                                 bh, hist[b]);
                }
                hpo__svg_raw(svg, "</g>\n");
                if (hist != cnt)
                    hpo__free(hist);
                if (c == 0)
                    hpo__svg_text(svg, x0 - 8, (y0 + y1) / 2, "middle", -90, "axis-title", "count");
            } else {
                hpo__scale ys;
                hpo__scale_param(&ys, &s->params[py], y1, y0);
                hpo__svg_panel_begin(svg, x0, y0, x1, y1);
                if (binned) {
                    hpo__density dn;
                    if (hpo__density_init(&dn, x0, y0, x1, y1) != 0) {
                        rc = hpo__enomem();
                        break;
                    }
                    for (size_t i = 0; i < s->n_trials; i++)
                        hpo__density_add(&dn, hpo__scale_map(&xs, s->x[i * s->n_params + px]),
                                         hpo__scale_map(&ys, s->x[i * s->n_params + py]));
                    hpo__density_draw(&dn, svg);
                    hpo__density_free(&dn);
                } else {
                    for (size_t i = 0; i < s->n_trials; i++) {
                        double xv = s->x[i * s->n_params + px], yv = s->x[i * s->n_params + py];
                        if (isnan(xv) || isnan(yv) || (long)i == s->best)
                            continue;
                        char col[8], tip[640];
                        hpo__color_ramp(last > 0 ? (double)s->trials[i].number / (double)last : 1,
                                        col);
                        hpo__plot_tip(s, i, tip, sizeof tip);
                        hpo__svg_point(svg, hpo__scale_map(&xs, xv), hpo__scale_map(&ys, yv), 2.2,
                                       "pt", col, s->trials[i].number, tip);
                    }
                }
                hpo__plot_best_pair(s, svg, px, py, &xs, &ys, 4.0);
                hpo__svg_raw(svg, "</g>\n");
                if (c == 0)
                    hpo__svg_axis(svg, &ys, HPO__AXIS_LEFT, x0, s->params[py].name);
            }
            if (r == n - 1)
                hpo__svg_axis(svg, &xs, HPO__AXIS_BOTTOM, y1, s->params[px].name);
        }
    }
    hpo__free(cnt);
    return rc != 0 ? rc : svg->err;
}
