/*
 * edf.c -- the "edf" plot (Optuna's plot_edf): the empirical distribution
 * function of the complete trials' values, a step line from 0 to 1: the
 * fraction of trials at or below each value. A study whose curve rises early
 * (minimize) or late (maximize) found good values often.
 *
 * Exact at any size: one vertex pair per distinct value while they fit; above
 * HPO__PLOT_MAX_MARKS distinct values the curve is sampled at every pixel
 * column, which is exact to the pixel. Cost: O(n log n) for the sort.
 */
#include "report/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define W_DEFAULT 800
#define H_DEFAULT 440

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int hpo__plot_edf(const hpo_snapshot *s, const hpo_plot_options *o, hpo__svg *svg)
{
    int w = o->width ? o->width : W_DEFAULT, h = o->height ? o->height : H_DEFAULT;
    double *v = hpo__malloc((s->n_trials ? s->n_trials : 1) * sizeof *v);
    if (!v)
        return hpo__enomem();
    size_t n = 0;
    for (size_t i = 0; i < s->n_trials; i++)
        if (s->trials[i].state == HPO_TRIAL_COMPLETE && isfinite(s->trials[i].value))
            v[n++] = s->trials[i].value;
    qsort(v, n, sizeof *v, cmp_double);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++)
        distinct += i == 0 || v[i] != v[i - 1];
    int sampled = distinct > HPO__PLOT_MAX_MARKS;
    char sub[256], med[32];
    hpo__fmt_num(med, sizeof med, n ? v[n / 2] : (double)NAN);
    snprintf(sub, sizeof sub, "%s · %s · %zu complete trials · median %s%s", s->study,
             s->direction == HPO_MAXIMIZE ? "maximize: further right is better"
                                          : "minimize: further left is better",
             n, med, sampled ? " · sampled per pixel" : "");
    hpo__svg_begin(svg, "edf", w, h, "Empirical distribution of the objective", sub);
    double x0 = 70, x1 = w - 20.0, y0 = 56, y1 = h - 50.0;
    hpo__scale xs, ys;
    hpo__scale_fit(&xs, v, n, 1, 0, x0, x1);
    hpo__scale_numeric(&ys, 0, 1, 0, y1, y0);
    hpo__svg_grid(svg, &ys, HPO__AXIS_LEFT, x0, x1);
    hpo__svg_panel_begin(svg, x0, y0, x1, y1);
    hpo__svg_path_begin(svg, "line", hpo__color_cat(0), "stroke-width=\"2\"");
    if (!sampled) {
        hpo__svg_path_to(svg, x0, hpo__scale_map(&ys, 0));
        for (size_t i = 0; i < n; i++) {
            if (i + 1 < n && v[i + 1] == v[i])
                continue;
            double x = hpo__scale_map(&xs, v[i]);
            /* the fraction before this value, then including it */
            size_t before = i;
            while (before > 0 && v[before - 1] == v[i])
                before--;
            hpo__svg_path_to(svg, x, hpo__scale_map(&ys, (double)before / (double)n));
            hpo__svg_path_to(svg, x, hpo__scale_map(&ys, (double)(i + 1) / (double)n));
        }
        hpo__svg_path_to(svg, x1, hpo__scale_map(&ys, 1));
    } else {
        size_t k = 0;
        for (double px = x0; px <= x1; px += 1.0) {
            double xv = hpo__scale_invert(&xs, px);
            while (k < n && v[k] <= xv)
                k++;
            hpo__svg_path_to(svg, px, hpo__scale_map(&ys, (double)k / (double)n));
        }
    }
    hpo__svg_path_end(svg);
    if (s->best >= 0) {
        double bx = hpo__scale_map(&xs, s->trials[s->best].value);
        hpo__svg_line(svg, bx, y0, bx, y1, "grid");
        char tip[640];
        hpo__plot_tip(s, (size_t)s->best, tip, sizeof tip);
        size_t at = 0;
        while (at < n && v[at] <= s->trials[s->best].value)
            at++;
        hpo__svg_point(svg, bx, hpo__scale_map(&ys, (double)at / (double)n), 4.5, "pt-best", NULL,
                       s->trials[s->best].number, tip);
    }
    hpo__svg_raw(svg, "</g>\n");
    hpo__svg_axis(svg, &xs, HPO__AXIS_BOTTOM, y1, "objective value");
    hpo__svg_axis(svg, &ys, HPO__AXIS_LEFT, x0, "fraction of trials ≤ value");
    hpo__free(v);
    return svg->err;
}
