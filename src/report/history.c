/*
 * history.c -- the "history" plot (scikit-optimize's plot_convergence,
 * Optuna's plot_optimization_history): each complete trial's value by trial
 * number, and the best value so far as a step line.
 *
 * At scale (more complete trials than HPO__PLOT_MAX_MARKS) the values become a
 * density of 4-pixel cells coloured by count; the best-so-far line stays exact
 * (one vertex per improvement). The y axis is logarithmic when every value is
 * positive and they span more than three decades.
 *
 * The text form (HPO_PLOT_TEXT; `hpo status --plot`) draws the best-so-far in
 * a terminal with UTF-8 box characters, one column per bucket of trials.
 */
#include "report/plot.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define W_DEFAULT 900
#define H_DEFAULT 480

typedef struct layout {
    double x0, x1, y0, y1; /* plot area: x0 left, y0 top */
} layout;

static int value_log_scale(const hpo_snapshot *s)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < s->n_trials; i++) {
        double v = s->trials[i].value;
        if (s->trials[i].state != HPO_TRIAL_COMPLETE || !isfinite(v))
            continue;
        if (v <= 0)
            return 0;
        if (v < lo)
            lo = v;
        if (v > hi)
            hi = v;
    }
    return hi > lo && hi / lo > 1e3;
}

static void tooltip(const hpo_snapshot *s, size_t i, const char *what, char *buf, size_t size)
{
    char val[32], params[512];
    hpo__fmt_num(val, sizeof val, s->trials[i].value);
    hpo__snap_params_text(s, i, params, sizeof params);
    snprintf(buf, size, "#%lld%s %s · %s", s->trials[i].number, what, val, params);
}

int hpo__plot_history(const hpo_snapshot *s, const hpo_plot_options *o, hpo__svg *svg)
{
    int w = o->width ? o->width : W_DEFAULT, h = o->height ? o->height : H_DEFAULT;
    long long ncomplete = s->counts[HPO_TRIAL_COMPLETE];
    int binned = ncomplete > HPO__PLOT_MAX_MARKS;
    char sub[512], best[64];
    hpo__fmt_num(best, sizeof best, s->best >= 0 ? s->trials[s->best].value : (double)NAN);
    snprintf(sub, sizeof sub,
             "%s · %s · %zu trials (%lld complete, %lld pruned, %lld failed, "
             "%lld running) · best %s (#%lld)%s",
             s->study, s->direction == HPO_MAXIMIZE ? "maximize" : "minimize", s->n_trials,
             s->counts[HPO_TRIAL_COMPLETE], s->counts[HPO_TRIAL_PRUNED],
             s->counts[HPO_TRIAL_FAILED], s->counts[HPO_TRIAL_RUNNING], best,
             s->best >= 0 ? s->trials[s->best].number : -1LL,
             binned ? " · values binned (colour = count)" : "");
    hpo__svg_begin(svg, "history", w, h, "Optimization history", sub);
    layout L = {80, w - 20.0, 56, h - 50.0};

    long long nmax = s->n_trials ? s->trials[s->n_trials - 1].number : 0;
    hpo__scale xs, ys;
    hpo__scale_numeric(&xs, -0.5, (double)nmax + 0.5, 0, L.x0, L.x1);
    xs.integer = 1;
    double *vals = hpo__malloc((s->n_trials ? s->n_trials : 1) * sizeof *vals);
    if (!vals)
        return hpo__enomem();
    for (size_t i = 0; i < s->n_trials; i++)
        vals[i] = s->trials[i].state == HPO_TRIAL_COMPLETE ? s->trials[i].value : (double)NAN;
    hpo__scale_fit(&ys, vals, s->n_trials, 1, value_log_scale(s), L.y1, L.y0);
    hpo__free(vals);

    hpo__svg_grid(svg, &ys, HPO__AXIS_LEFT, L.x0, L.x1);
    hpo__svg_panel_begin(svg, L.x0, L.y0, L.x1, L.y1);
    if (binned) {
        hpo__density d;
        if (hpo__density_init(&d, L.x0, L.y0, L.x1, L.y1) != 0)
            return hpo__enomem();
        for (size_t i = 0; i < s->n_trials; i++)
            if (s->trials[i].state == HPO_TRIAL_COMPLETE && isfinite(s->trials[i].value))
                hpo__density_add(&d, hpo__scale_map(&xs, (double)s->trials[i].number),
                                 hpo__scale_map(&ys, s->trials[i].value));
        hpo__density_draw(&d, svg);
        hpo__density_free(&d);
    } else {
        for (size_t i = 0; i < s->n_trials; i++) {
            const hpo__snap_trial *t = &s->trials[i];
            if (t->state != HPO_TRIAL_COMPLETE || !isfinite(t->value) || (long)i == s->best)
                continue;
            char tip[640];
            tooltip(s, i, "", tip, sizeof tip);
            hpo__svg_point(svg, hpo__scale_map(&xs, (double)t->number),
                           hpo__scale_map(&ys, t->value), 3.0, "pt",
                           hpo__color_state(HPO_TRIAL_COMPLETE), t->number, tip);
        }
    }
    /* best so far: one vertex pair per improvement, then to the last trial */
    double cur = NAN;
    hpo__svg_path_begin(svg, "best-line", NULL, NULL);
    for (size_t i = 0; i < s->n_trials; i++) {
        const hpo__snap_trial *t = &s->trials[i];
        if (t->state != HPO_TRIAL_COMPLETE || !isfinite(t->value))
            continue;
        if (isnan(cur) || hpo__snap_better(s, t->value, cur)) {
            double x = hpo__scale_map(&xs, (double)t->number);
            if (!isnan(cur))
                hpo__svg_path_to(svg, x, hpo__scale_map(&ys, cur));
            cur = t->value;
            hpo__svg_path_to(svg, x, hpo__scale_map(&ys, cur));
        }
    }
    if (!isnan(cur))
        hpo__svg_path_to(svg, hpo__scale_map(&xs, (double)nmax), hpo__scale_map(&ys, cur));
    hpo__svg_path_end(svg);
    if (s->best >= 0) {
        char tip[640];
        tooltip(s, (size_t)s->best, " (best)", tip, sizeof tip);
        hpo__svg_point(svg, hpo__scale_map(&xs, (double)s->trials[s->best].number),
                       hpo__scale_map(&ys, s->trials[s->best].value), 5.0, "pt-best", NULL,
                       s->trials[s->best].number, tip);
    }
    hpo__svg_raw(svg, "</g>\n");
    hpo__svg_axis(svg, &xs, HPO__AXIS_BOTTOM, L.y1, "trial");
    hpo__svg_axis(svg, &ys, HPO__AXIS_LEFT, L.x0, "objective value");
    hpo__svg_legend(svg, L.x1 - 230, L.y0 - 6, hpo__color_state(HPO_TRIAL_COMPLETE),
                    binned ? "trials (density)" : "complete trial");
    hpo__svg_legend(svg, L.x1 - 100, L.y0 - 6, HPO__COLOR_BEST, "best so far");
    return svg->err;
}

/* ---------------------------------------------------------------- text */

int hpo__plot_history_text(const hpo_snapshot *s, const hpo_plot_options *o, hpo__buf *out)
{
    int cols = o->width ? o->width : 60, rows = o->height ? o->height : 8;
    if (cols < 10)
        cols = 10;
    if (rows < 2)
        rows = 2;
    /* best so far at the end of each column's bucket of trials */
    double *col = hpo__malloc((size_t)cols * sizeof *col);
    if (!col)
        return hpo__enomem();
    size_t n = s->n_trials;
    double cur = NAN, lo = INFINITY, hi = -INFINITY;
    size_t i = 0;
    for (int c = 0; c < cols; c++) {
        size_t end = (size_t)ceil((double)n * (c + 1) / cols);
        if (end > n)
            end = n;
        for (; i < end; i++) {
            const hpo__snap_trial *t = &s->trials[i];
            if (t->state == HPO_TRIAL_COMPLETE && isfinite(t->value) &&
                (isnan(cur) || hpo__snap_better(s, t->value, cur)))
                cur = t->value;
        }
        col[c] = cur;
        if (!isnan(cur)) {
            if (cur < lo)
                lo = cur;
            if (cur > hi)
                hi = cur;
        }
    }
    char best[32], lo_s[32], hi_s[32];
    hpo__fmt_num(best, sizeof best, cur);
    hpo__fmt_num(lo_s, sizeof lo_s, lo);
    hpo__fmt_num(hi_s, sizeof hi_s, hi);
    hpo__buf_printf(out, "best so far (%s) · %zu trials · best %s (#%lld)\n",
                    s->direction == HPO_MAXIMIZE ? "maximize" : "minimize", n, best,
                    s->best >= 0 ? s->trials[s->best].number : -1LL);
    int lw = (int)(strlen(hi_s) > strlen(lo_s) ? strlen(hi_s) : strlen(lo_s));
    for (int r = 0; r < rows; r++) {
        /* row 0 is the top: the highest value */
        const char *label = r == 0 ? hi_s : r == rows - 1 ? lo_s : "";
        hpo__buf_printf(out, "%*s %s", lw, label, (r == 0 || r == rows - 1) ? "┤" : "│");
        for (int c = 0; c < cols; c++) {
            double v = col[c];
            int vr = -1;
            if (!isnan(v))
                vr = hi > lo ? (int)lround((hi - v) / (hi - lo) * (rows - 1)) : rows / 2;
            hpo__buf_puts(out, vr == r ? "●" : " ");
        }
        hpo__buf_putc(out, '\n');
    }
    hpo__buf_printf(out, "%*s └", lw, "");
    for (int c = 0; c < cols; c++)
        hpo__buf_puts(out, "─");
    long long first = n ? s->trials[0].number : 0, last = n ? s->trials[n - 1].number : 0;
    char a[32], b[32];
    snprintf(a, sizeof a, "%lld", first);
    snprintf(b, sizeof b, "%lld", last);
    hpo__buf_printf(out, "\n%*s  %s%*s trial\n", lw, "", a, cols - (int)strlen(a), b);
    hpo__free(col);
    return out->oom ? hpo__enomem() : 0;
}
