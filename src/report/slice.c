/*
 * slice.c -- the "slice" plot (Optuna's plot_slice): one panel per parameter,
 * the objective of each complete trial against the parameter's value, points
 * coloured by trial number (dark early, yellow late) so a search that
 * converges shows, the best trial in red. Log x axes for log parameters;
 * categorical x axes in the user's order, with a small deterministic jitter
 * (a hash of the trial number) inside each band. One y scale for all panels.
 *
 * At scale (more complete trials than HPO__PLOT_MAX_MARKS) each panel becomes
 * a density of 4-pixel cells coloured by count. Cost: O(trials x panels).
 */
#include "report/plot.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PANEL_W 260.0
#define PANEL_H 210.0
#define GAP 55.0

static double jitter(long long number)
{
    unsigned long long h = (unsigned long long)number * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 29;
    return ((double)(h % 1000) / 1000.0 - 0.5) * 0.5; /* within +-0.25 of a band */
}

int hpo__plot_slice(const hpo_snapshot *s, const hpo_plot_options *o, hpo__svg *svg)
{
    size_t sel[64], nsel = 0;
    int rc =
        hpo__snap_select_params(s, o->params, o->params ? 63 : HPO__PLOT_MAX_PARAMS, sel, &nsel);
    if (rc != 0)
        return rc;
    size_t per_row = nsel < 4 ? nsel : 4, rows = (nsel + per_row - 1) / per_row;
    double pw = PANEL_W, ph = PANEL_H;
    int w = o->width ? o->width : (int)(70 + per_row * (pw + GAP));
    int h = o->height ? o->height : (int)(60 + rows * (ph + 55));
    pw = (w - 70.0) / (double)per_row - GAP;
    ph = (h - 60.0) / (double)rows - 55;
    if (pw < 60 || ph < 60)
        return hpo__err(HPO_EINVAL, "plot slice: %dx%d is too small for %zu panels", w, h, nsel);
    long long ncomplete = s->counts[HPO_TRIAL_COMPLETE];
    int binned = ncomplete > HPO__PLOT_MAX_MARKS;
    double *vals = hpo__malloc((s->n_trials ? s->n_trials : 1) * sizeof *vals);
    if (!vals)
        return hpo__enomem();
    for (size_t i = 0; i < s->n_trials; i++)
        vals[i] = s->trials[i].state == HPO_TRIAL_COMPLETE ? s->trials[i].value : (double)NAN;
    char sub[256];
    snprintf(sub, sizeof sub, "%s · objective by parameter · %lld complete trials%s", s->study,
             ncomplete,
             binned ? " · binned (colour = count)" : " · colour = trial number (late = yellow)");
    hpo__svg_begin(svg, "slice", w, h, "Slice plot", sub);
    long long last = s->n_trials ? s->trials[s->n_trials - 1].number : 1;
    for (size_t k = 0; k < nsel; k++) {
        size_t j = sel[k];
        double x0 = 70 + (double)(k % per_row) * (pw + GAP);
        double y0 = 60 + (double)(k / per_row) * (ph + 55);
        double x1 = x0 + pw, y1 = y0 + ph;
        hpo__scale xs, ys;
        hpo__scale_param(&xs, &s->params[j], x0, x1);
        hpo__scale_fit(&ys, vals, s->n_trials, 1, 0, y1, y0);
        hpo__svg_grid(svg, &ys, HPO__AXIS_LEFT, x0, x1);
        hpo__svg_panel_begin(svg, x0, y0, x1, y1);
        if (binned) {
            hpo__density dn;
            if (hpo__density_init(&dn, x0, y0, x1, y1) != 0) {
                hpo__free(vals);
                return hpo__enomem();
            }
            for (size_t i = 0; i < s->n_trials; i++) {
                const hpo__snap_trial *t = &s->trials[i];
                double xv = s->x[i * s->n_params + j];
                if (t->state != HPO_TRIAL_COMPLETE || !isfinite(t->value) || isnan(xv))
                    continue;
                if (xs.kind == HPO__SCALE_CATEGORY)
                    xv += jitter(t->number);
                hpo__density_add(&dn, hpo__scale_map(&xs, xv), hpo__scale_map(&ys, t->value));
            }
            hpo__density_draw(&dn, svg);
            hpo__density_free(&dn);
        } else {
            for (size_t i = 0; i < s->n_trials; i++) {
                const hpo__snap_trial *t = &s->trials[i];
                double xv = s->x[i * s->n_params + j];
                if (t->state != HPO_TRIAL_COMPLETE || !isfinite(t->value) || isnan(xv) ||
                    (long)i == s->best)
                    continue;
                if (xs.kind == HPO__SCALE_CATEGORY)
                    xv += jitter(t->number);
                char col[8], tip[640];
                hpo__color_ramp(last > 0 ? (double)t->number / (double)last : 1.0, col);
                hpo__plot_tip(s, i, tip, sizeof tip);
                hpo__svg_point(svg, hpo__scale_map(&xs, xv), hpo__scale_map(&ys, t->value), 2.8,
                               "pt", col, t->number, tip);
            }
        }
        if (s->best >= 0 && !isnan(s->x[(size_t)s->best * s->n_params + j])) {
            char tip[640];
            hpo__plot_tip(s, (size_t)s->best, tip, sizeof tip);
            hpo__svg_point(svg, hpo__scale_map(&xs, s->x[(size_t)s->best * s->n_params + j]),
                           hpo__scale_map(&ys, s->trials[s->best].value), 4.5, "pt-best", NULL,
                           s->trials[s->best].number, tip);
        }
        hpo__svg_raw(svg, "</g>\n");
        hpo__svg_axis(svg, &xs, HPO__AXIS_BOTTOM, y1, s->params[j].name);
        hpo__svg_axis(svg, &ys, HPO__AXIS_LEFT, x0, k % per_row == 0 ? "objective" : NULL);
    }
    hpo__free(vals);
    return svg->err;
}
