/*
 * parallel.c -- the "parallel" plot (Optuna's plot_parallel_coordinate): one
 * vertical axis for the objective, first as in Optuna, then one per parameter
 * (log axes for log parameters, categorical axes in the user's order), and one line per complete
 * trial coloured by its value on the viridis ramp (the best end yellow,
 * whichever the direction), the best trial drawn last in red. An inactive
 * parameter breaks its line.
 *
 * The report's script brushes the axes (svg.h: g.pc-axis with data-i, data-x,
 * data-y0, data-y1; path.pc-line with data-t and data-v, the line's y on each
 * axis, empty when inactive).
 *
 * At scale at most HPO__PLOT_MAX_MARKS lines: the best tenth by value and an
 * even subsample of the rest (hpo__plot_decimate); the subtitle says so.
 * Cost: O(trials x axes).
 */
#include "report/plot.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define W_DEFAULT 1000
#define H_DEFAULT 480

static int complete(const hpo_snapshot *s, size_t i)
{
    return s->trials[i].state == HPO_TRIAL_COMPLETE && isfinite(s->trials[i].value);
}

int hpo__plot_parallel(const hpo_snapshot *s, const hpo_plot_options *o, hpo__svg *svg)
{
    size_t sel[64], nsel = 0;
    int rc = hpo__snap_select_params(s, o->params, 63, sel, &nsel);
    if (rc != 0)
        return rc;
    int w = o->width ? o->width : W_DEFAULT, h = o->height ? o->height : H_DEFAULT;
    size_t *idx = hpo__malloc(HPO__PLOT_MAX_MARKS * sizeof *idx);
    double *vals = hpo__malloc((s->n_trials ? s->n_trials : 1) * sizeof *vals);
    hpo__scale *axes = hpo__calloc(nsel + 1, sizeof *axes);
    if (!idx || !vals || !axes) {
        hpo__free(idx);
        hpo__free(vals);
        hpo__free(axes);
        return hpo__enomem();
    }
    int decimated = 0;
    size_t n = hpo__plot_decimate(s, complete, HPO__PLOT_MAX_MARKS, idx, &decimated);
    long long ncomplete = 0;
    for (size_t i = 0; i < s->n_trials; i++) {
        vals[i] = complete(s, i) ? s->trials[i].value : (double)NAN;
        ncomplete += complete(s, i);
    }
    char sub[256];
    if (decimated)
        snprintf(sub, sizeof sub,
                 "%s · %zu parameters · showing %zu of %lld complete trials (the "
                 "best tenth and an even sample)",
                 s->study, nsel, n, ncomplete);
    else
        snprintf(sub, sizeof sub, "%s · %zu parameters · %lld complete trials", s->study, nsel,
                 ncomplete);
    hpo__svg_begin(svg, "parallel", w, h, "Parallel coordinates", sub);

    double top = 78, bottom = h - 40.0, left = 70, right = w - 110.0;
    size_t naxes = nsel + 1;
    double step = naxes > 1 ? (right - left) / (double)(naxes - 1) : 0;
    /* the objective's axis first (as Optuna draws it), so a trial whose last
     * parameters are inactive still reaches its value */
    hpo__scale_fit(&axes[0], vals, s->n_trials, 1, 0, bottom, top);
    for (size_t k = 1; k <= nsel; k++)
        hpo__scale_param(&axes[k], &s->params[sel[k - 1]], bottom, top);
    /* colour: t in [0, 1] with 1 = best */
    double lo = axes[0].d0, hi = axes[0].d1;

    /* axes: line, name, ticks */
    for (size_t k = 0; k < naxes; k++) {
        double x = left + step * (double)k;
        hpo__svg_raw(svg,
                     "<g class=\"pc-axis\" data-i=\"%zu\" data-x=\"%.1f\" data-y0=\"%.1f\" "
                     "data-y1=\"%.1f\">\n",
                     k, x, top, bottom);
        hpo__svg_axis(svg, &axes[k], HPO__AXIS_LEFT, x, NULL);
        hpo__svg_text(svg, x, top - 12, "middle", 0, "axis-title",
                      k ? s->params[sel[k - 1]].name : "objective");
        hpo__svg_raw(svg, "</g>\n");
    }
    /* lines from the worst to the best, so the good ones stay visible; the best last */
    hpo__sort_by_value(s, idx, n, 1);
    hpo__buf dv = HPO__BUF_INIT;
    for (size_t pass = 0; pass < 2; pass++) {
        for (size_t m = 0; m < n; m++) {
            size_t i = idx[m];
            int is_best = (long)i == s->best;
            if (is_best != (int)pass)
                continue;
            const double *x = &s->x[i * s->n_params];
            double v = s->trials[i].value;
            double t = hi > lo ? (v - lo) / (hi - lo) : 1.0;
            if (s->direction == HPO_MINIMIZE)
                t = 1.0 - t;
            char col[8];
            hpo__color_ramp(t, col);
            dv.len = 0;
            if (dv.data)
                dv.data[0] = '\0';
            for (size_t k = 0; k < naxes; k++) {
                double y = hpo__scale_map(&axes[k], k ? x[sel[k - 1]] : v);
                if (isnan(y))
                    hpo__buf_printf(&dv, "%s", k ? "," : "");
                else
                    hpo__buf_printf(&dv, "%s%.1f", k ? "," : "", y);
            }
            char attrs[64 + 16 * 64];
            snprintf(attrs, sizeof attrs, "data-t=\"%lld\" data-v=\"%s\"", s->trials[i].number,
                     dv.data ? dv.data : "");
            hpo__svg_path_begin(svg, is_best ? "pc-line pc-best" : "pc-line",
                                is_best ? HPO__COLOR_BEST : col, attrs);
            for (size_t k = 0; k < naxes; k++)
                hpo__svg_path_to(svg, left + step * (double)k,
                                 hpo__scale_map(&axes[k], k ? x[sel[k - 1]] : v));
            char tip[640];
            hpo__plot_tip(s, i, tip, sizeof tip);
            hpo__svg_path_end_tip(svg, tip);
        }
    }
    if (dv.oom)
        svg->err = HPO_ENOMEM;
    hpo__buf_free(&dv);
    hpo__scale cb;
    hpo__scale_numeric(&cb, lo, hi, 0, bottom, top);
    hpo__svg_colorbar(svg, &cb, w - 70.0, 12, "objective", s->direction == HPO_MINIMIZE);
    hpo__free(idx);
    hpo__free(vals);
    hpo__free(axes);
    return svg->err;
}
