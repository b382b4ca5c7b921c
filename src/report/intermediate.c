/*
 * intermediate.c -- the "intermediate" plot (Optuna's
 * plot_intermediate_values): the learning curve of every trial that reported
 * intermediate values (step on x, value on y): complete trials in blue,
 * running in grey, pruned in orange and drawn on top with a mark where they
 * were stopped, failed in red. The y axis is logarithmic when every value is
 * positive and they span more than three decades.
 *
 * At scale (more curves than HPO__PLOT_MAX_MARKS / 10): a band of the 10-90 %
 * range and the median of all reported values at each step (exact), the 100
 * best complete trials' curves, and the pruning points as a density of
 * 4-pixel cells. Cost: O(reports) plus a sort per step.
 */
#include "report/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define W_DEFAULT 900
#define H_DEFAULT 480
#define TOP_CURVES 100

int hpo__plot_intermediate_applies(const hpo_snapshot *snap, const char **why)
{
    if (snap->n_reports > 0)
        return 1;
    if (why)
        *why = "no trial reported intermediate values";
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void curve(const hpo_snapshot *s, hpo__svg *svg, size_t i, const hpo__scale *xs,
                  const hpo__scale *ys)
{
    const hpo__snap_trial *t = &s->trials[i];
    char attrs[48], tip[800], base[640], last[32];
    snprintf(attrs, sizeof attrs, "data-t=\"%lld\"", t->number);
    hpo__svg_path_begin(svg, "line", hpo__color_state(t->state), attrs);
    for (size_t r = 0; r < t->n_reports; r++) {
        double v = s->report_values[t->report_off + r];
        hpo__svg_path_to(svg, hpo__scale_map(xs, (double)s->steps[t->report_off + r]),
                         isfinite(v) ? hpo__scale_map(ys, v) : (double)NAN);
    }
    hpo__plot_tip(s, i, base, sizeof base);
    hpo__fmt_num(last, sizeof last, s->report_values[t->report_off + t->n_reports - 1]);
    snprintf(tip, sizeof tip, "%s · %zu reports, last %s at step %lld", base, t->n_reports, last,
             s->steps[t->report_off + t->n_reports - 1]);
    hpo__svg_path_end_tip(svg, tip);
}

int hpo__plot_intermediate(const hpo_snapshot *s, const hpo_plot_options *o, hpo__svg *svg)
{
    int w = o->width ? o->width : W_DEFAULT, h = o->height ? o->height : H_DEFAULT;
    size_t ncurves = 0, npruned = 0;
    long long smin = 0, smax = 1;
    int first = 1, all_pos = 1;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < s->n_trials; i++) {
        const hpo__snap_trial *t = &s->trials[i];
        if (!t->n_reports)
            continue;
        ncurves++;
        npruned += t->state == HPO_TRIAL_PRUNED;
        for (size_t r = 0; r < t->n_reports; r++) {
            long long st = s->steps[t->report_off + r];
            double v = s->report_values[t->report_off + r];
            if (first || st < smin)
                smin = st;
            if (first || st > smax)
                smax = st;
            first = 0;
            if (isfinite(v)) {
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
                all_pos &= v > 0;
            }
        }
    }
    int binned = ncurves > HPO__PLOT_MAX_MARKS / 10;
    char sub[256];
    snprintf(sub, sizeof sub, "%s · %zu learning curves (%zu pruned)%s", s->study, ncurves, npruned,
             binned ? " · band: 10-90 % and median per step; lines: the 100 best trials" : "");
    hpo__svg_begin(svg, "intermediate", w, h, "Intermediate values", sub);
    double x0 = 80, x1 = w - 20.0, y0 = 56, y1 = h - 50.0;
    hpo__scale xs, ys;
    hpo__scale_numeric(&xs, (double)smin, (double)(smax > smin ? smax : smin + 1), 0, x0, x1);
    xs.integer = 1;
    double ends[2] = {lo, hi};
    hpo__scale_fit(&ys, ends, isfinite(lo) ? 2 : 0, 1, all_pos && hi / lo > 1e3, y1, y0);
    hpo__svg_grid(svg, &ys, HPO__AXIS_LEFT, x0, x1);
    hpo__svg_panel_begin(svg, x0, y0, x1, y1);
    if (!binned) {
        /* complete and running first, failed, then pruned on top */
        static const hpo_trial_state order[4] = {HPO_TRIAL_COMPLETE, HPO_TRIAL_RUNNING,
                                                 HPO_TRIAL_FAILED, HPO_TRIAL_PRUNED};
        for (int q = 0; q < 4; q++)
            for (size_t i = 0; i < s->n_trials; i++)
                if (s->trials[i].n_reports && s->trials[i].state == order[q])
                    curve(s, svg, i, &xs, &ys);
    } else {
        /* per step: the values reported at it, sorted, for the band and median */
        size_t nsteps = (size_t)(smax - smin + 1);
        if (nsteps > 4096)
            nsteps = 4096; /* steps beyond are folded onto the last column */
        size_t *cnt = hpo__calloc(nsteps + 1, sizeof *cnt);
        double *vals = hpo__malloc((s->n_reports ? s->n_reports : 1) * sizeof *vals);
        size_t *idx = hpo__malloc((s->n_trials ? s->n_trials : 1) * sizeof *idx);
        if (!cnt || !vals || !idx) {
            hpo__free(cnt);
            hpo__free(vals);
            hpo__free(idx);
            return hpo__enomem();
        }
        for (size_t r = 0; r < s->n_reports; r++) {
            size_t k = (size_t)(s->steps[r] - smin);
            cnt[(k < nsteps ? k : nsteps - 1) + 1] += isfinite(s->report_values[r]) != 0;
        }
        for (size_t k = 0; k < nsteps; k++)
            cnt[k + 1] += cnt[k];
        size_t *fill = hpo__calloc(nsteps, sizeof *fill);
        if (!fill) {
            hpo__free(cnt);
            hpo__free(vals);
            hpo__free(idx);
            return hpo__enomem();
        }
        for (size_t r = 0; r < s->n_reports; r++) {
            if (!isfinite(s->report_values[r]))
                continue;
            size_t k = (size_t)(s->steps[r] - smin);
            k = k < nsteps ? k : nsteps - 1;
            vals[cnt[k] + fill[k]++] = s->report_values[r];
        }
        double *q10 = hpo__malloc(nsteps * 3 * sizeof *q10), *q50 = q10 + nsteps,
               *q90 = q10 + 2 * nsteps;
        if (!q10) {
            hpo__free(cnt);
            hpo__free(vals);
            hpo__free(idx);
            hpo__free(fill);
            return hpo__enomem();
        }
        for (size_t k = 0; k < nsteps; k++) {
            size_t m = cnt[k + 1] - cnt[k];
            double *v = vals + cnt[k];
            qsort(v, m, sizeof *v, cmp_double);
            q10[k] = m ? v[(size_t)(0.1 * (double)(m - 1))] : (double)NAN;
            q50[k] = m ? v[(m - 1) / 2] : (double)NAN;
            q90[k] = m ? v[(size_t)(0.9 * (double)(m - 1))] : (double)NAN;
        }
        /* the band as one closed path: 90 % forward, 10 % back */
        hpo__svg_raw(svg, "<path fill=\"#1f77b4\" fill-opacity=\"0.18\" stroke=\"none\" d=\"");
        int started = 0;
        for (size_t k = 0; k < nsteps; k++)
            if (!isnan(q90[k])) {
                hpo__svg_raw(svg, "%s%.1f %.1f ", started ? "L" : "M",
                             hpo__scale_map(&xs, (double)smin + (double)k),
                             hpo__scale_map(&ys, q90[k]));
                started = 1;
            }
        for (size_t k = nsteps; k-- > 0;)
            if (!isnan(q10[k]))
                hpo__svg_raw(svg, "L%.1f %.1f ", hpo__scale_map(&xs, (double)smin + (double)k),
                             hpo__scale_map(&ys, q10[k]));
        hpo__svg_raw(svg, "Z\"/>\n");
        hpo__svg_path_begin(svg, "line", "#1f77b4", "stroke-dasharray=\"4 3\"");
        for (size_t k = 0; k < nsteps; k++)
            hpo__svg_path_to(svg, hpo__scale_map(&xs, (double)smin + (double)k),
                             isnan(q50[k]) ? (double)NAN : hpo__scale_map(&ys, q50[k]));
        hpo__svg_path_end(svg);
        /* the best complete curves */
        size_t n = 0;
        for (size_t i = 0; i < s->n_trials; i++)
            if (s->trials[i].n_reports && s->trials[i].state == HPO_TRIAL_COMPLETE)
                idx[n++] = i;
        int rc = hpo__sort_by_value(s, idx, n, 0);
        if (rc == 0)
            for (size_t m = 0; m < n && m < TOP_CURVES; m++)
                curve(s, svg, idx[m], &xs, &ys);
        hpo__free(cnt);
        hpo__free(vals);
        hpo__free(idx);
        hpo__free(fill);
        hpo__free(q10);
        if (rc != 0)
            return rc;
    }
    /* where pruned trials stopped */
    size_t marks = 0;
    for (size_t i = 0; i < s->n_trials; i++) {
        const hpo__snap_trial *t = &s->trials[i];
        if (t->state != HPO_TRIAL_PRUNED || !t->n_reports)
            continue;
        if (binned && marks >= HPO__PLOT_MAX_MARKS)
            break;
        size_t r = t->report_off + t->n_reports - 1;
        if (!isfinite(s->report_values[r]))
            continue;
        char tip[700];
        hpo__plot_tip(s, i, tip, sizeof tip);
        hpo__svg_point(svg, hpo__scale_map(&xs, (double)s->steps[r]),
                       hpo__scale_map(&ys, s->report_values[r]), 2.5, "pt",
                       hpo__color_state(HPO_TRIAL_PRUNED), t->number, tip);
        marks++;
    }
    hpo__svg_raw(svg, "</g>\n");
    hpo__svg_axis(svg, &xs, HPO__AXIS_BOTTOM, y1, "step");
    hpo__svg_axis(svg, &ys, HPO__AXIS_LEFT, x0, "intermediate value");
    static const hpo_trial_state states[4] = {HPO_TRIAL_COMPLETE, HPO_TRIAL_PRUNED,
                                              HPO_TRIAL_FAILED, HPO_TRIAL_RUNNING};
    for (int q = 0; q < 4; q++)
        hpo__svg_legend(svg, x1 - 380 + q * 95, 22, hpo__color_state(states[q]),
                        hpo_trial_state_to_string(states[q]));
    return svg->err;
}
