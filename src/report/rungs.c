/*
 * rungs.c -- the "rungs" plot: how successive halving or Hyperband spent its
 * budget (scikit-learn's plot_successive_halving_iterations example). One
 * panel per bracket (a single panel for halving and ASHA): iteration (rung) on
 * x, each candidate's score at each rung on y, a line from a trial to the
 * trial it continued (its `parent`), so a candidate is followed across
 * iterations; candidates that reached the bracket's last rung are coloured
 * (the ramp by final score) and the others grey; the best trial in red. Above
 * each rung: "n × budget" — how many candidates ran and the resource each got.
 *
 * At scale (a bracket with more than HPO__PLOT_MAX_MARKS / brackets trials)
 * each rung becomes a box (quartiles, whiskers at min/max) of its scores, and
 * only the candidates of the last rung (at most 50) keep their lines.
 * Applies only to studies run by a scheduler. Cost: O(trials log trials).
 */
#include "report/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PANEL_W 300.0
#define PANEL_H 240.0
#define GAP 60.0
#define MAX_BRACKETS 64
#define MAX_RUNGS 32
#define TOP_LINES 50

int hpo__plot_rungs_applies(const hpo_snapshot *snap, const char **why)
{
    if (!snap->scheduler[0]) {
        if (why)
            *why = "the study ran without a scheduler (halving, hyperband, asha)";
        return 0;
    }
    for (size_t i = 0; i < snap->n_trials; i++)
        if (snap->trials[i].rung >= 0 && snap->trials[i].state == HPO_TRIAL_COMPLETE)
            return 1;
    if (why)
        *why = "no complete trial with a rung yet";
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Index of the trial with a given number (trials are ordered by number). */
static long find_number(const hpo_snapshot *s, long long number)
{
    size_t lo = 0, hi = s->n_trials;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->trials[mid].number < number)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n_trials && s->trials[lo].number == number ? (long)lo : -1;
}

/* The bracket's last rung each configuration reached, following the parent
 * chain from each trial: reach[root] = max rung over its descendants. Roots are
 * trials without a parent. */
static void reach_of(const hpo_snapshot *s, const long *parent_idx, int *reach)
{
    for (size_t i = 0; i < s->n_trials; i++)
        reach[i] = -1;
    for (size_t i = 0; i < s->n_trials; i++) {
        if (s->trials[i].rung < 0)
            continue;
        /* climb to the root (bounded: a cycle in hostile data stops) */
        size_t r = i;
        for (int guard = 0; parent_idx[r] >= 0 && guard < MAX_RUNGS * 4; guard++)
            r = (size_t)parent_idx[r];
        if (s->trials[i].rung > reach[r])
            reach[r] = s->trials[i].rung;
    }
}

int hpo__plot_rungs(const hpo_snapshot *s, const hpo_plot_options *o, hpo__svg *svg)
{
    /* brackets present, in order */
    int brackets[MAX_BRACKETS];
    size_t nb = 0;
    for (size_t i = 0; i < s->n_trials; i++) {
        int b = s->trials[i].bracket < 0 ? 0 : s->trials[i].bracket;
        if (s->trials[i].rung < 0)
            continue;
        size_t k = 0;
        while (k < nb && brackets[k] != b)
            k++;
        if (k == nb && nb < MAX_BRACKETS)
            brackets[nb++] = b;
    }
    for (size_t a = 1; a < nb; a++) /* insertion sort: few brackets */
        for (size_t k = a; k > 0 && brackets[k - 1] > brackets[k]; k--) {
            int t = brackets[k];
            brackets[k] = brackets[k - 1];
            brackets[k - 1] = t;
        }
    long *parent_idx = hpo__malloc((s->n_trials ? s->n_trials : 1) * sizeof *parent_idx);
    int *reach = hpo__malloc((s->n_trials ? s->n_trials : 1) * sizeof *reach);
    size_t *root = hpo__malloc((s->n_trials ? s->n_trials : 1) * sizeof *root);
    double *buf = hpo__malloc((s->n_trials ? s->n_trials : 1) * sizeof *buf);
    if (!parent_idx || !reach || !root || !buf) {
        hpo__free(parent_idx);
        hpo__free(reach);
        hpo__free(root);
        hpo__free(buf);
        return hpo__enomem();
    }
    for (size_t i = 0; i < s->n_trials; i++) {
        long p = s->trials[i].parent >= 0 ? find_number(s, s->trials[i].parent) : -1;
        parent_idx[i] = p >= 0 && (size_t)p < i ? p : -1; /* a parent comes first */
    }
    reach_of(s, parent_idx, reach);
    for (size_t i = 0; i < s->n_trials; i++) {
        size_t r = i;
        for (int guard = 0; parent_idx[r] >= 0 && guard < MAX_RUNGS * 4; guard++)
            r = (size_t)parent_idx[r];
        root[i] = r;
    }
    size_t per_row = nb < 3 ? nb : 3, rows = (nb + per_row - 1) / per_row;
    int w = o->width ? o->width : (int)(70 + (double)per_row * (PANEL_W + GAP));
    int h = o->height ? o->height : (int)(70 + (double)rows * (PANEL_H + 70));
    double pw = (w - 70.0) / (double)per_row - GAP, ph = (h - 70.0) / (double)rows - 70;
    if (pw < 80 || ph < 60) {
        hpo__free(parent_idx);
        hpo__free(reach);
        hpo__free(root);
        hpo__free(buf);
        return hpo__err(HPO_EINVAL, "plot rungs: %dx%d is too small for %zu brackets", w, h, nb);
    }
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < s->n_trials; i++)
        if (s->trials[i].rung >= 0 && s->trials[i].state == HPO_TRIAL_COMPLETE &&
            isfinite(s->trials[i].value)) {
            lo = fmin(lo, s->trials[i].value);
            hi = fmax(hi, s->trials[i].value);
        }
    char sub[256];
    snprintf(sub, sizeof sub,
             "%s · %s · %zu bracket%s · lines follow a configuration to the "
             "trial that continued it",
             s->study, s->scheduler, nb, nb == 1 ? "" : "s");
    hpo__svg_begin(svg, "rungs", w, h, "Rungs: candidates and resources per iteration", sub);
    double ends[2] = {lo, hi};
    for (size_t bi = 0; bi < nb; bi++) {
        int b = brackets[bi];
        double x0 = 70 + (double)(bi % per_row) * (pw + GAP);
        double y0 = 80 + (double)(bi / per_row) * (ph + 70);
        double x1 = x0 + pw, y1 = y0 + ph;
        int max_rung = 0;
        size_t ntr = 0;
        size_t count[MAX_RUNGS] = {0};
        double budget[MAX_RUNGS];
        for (int r = 0; r < MAX_RUNGS; r++)
            budget[r] = NAN;
        for (size_t i = 0; i < s->n_trials; i++) {
            const hpo__snap_trial *t = &s->trials[i];
            if (t->rung < 0 || (t->bracket < 0 ? 0 : t->bracket) != b || t->rung >= MAX_RUNGS)
                continue;
            max_rung = t->rung > max_rung ? t->rung : max_rung;
            count[t->rung]++;
            budget[t->rung] = t->budget;
            ntr++;
        }
        int boxes = ntr > (size_t)HPO__PLOT_MAX_MARKS / (nb ? nb : 1);
        hpo__scale xs, ys;
        hpo__scale_numeric(&xs, -0.5, max_rung + 0.5, 0, x0, x1);
        xs.integer = 1;
        hpo__scale_fit(&ys, ends, isfinite(lo) ? 2 : 0, 1, 0, y1, y0);
        hpo__svg_grid(svg, &ys, HPO__AXIS_LEFT, x0, x1);
        hpo__svg_panel_begin(svg, x0, y0, x1, y1);
        /* segments parent -> child, then the points; grey first, finalists on top */
        for (int pass = 0; pass < 2; pass++) {
            size_t lines = 0;
            for (size_t i = 0; i < s->n_trials; i++) {
                const hpo__snap_trial *t = &s->trials[i];
                if (t->rung < 0 || (t->bracket < 0 ? 0 : t->bracket) != b ||
                    t->state != HPO_TRIAL_COMPLETE || !isfinite(t->value))
                    continue;
                int finalist = reach[root[i]] == max_rung && max_rung > 0;
                if (finalist != pass)
                    continue;
                if (boxes && (!finalist || lines >= TOP_LINES))
                    continue;
                lines++;
                double tx = hpo__scale_map(&xs, t->rung), ty = hpo__scale_map(&ys, t->value);
                long p = parent_idx[i];
                char col[8];
                if (finalist) {
                    double u = hi > lo ? (t->value - lo) / (hi - lo) : 1.0;
                    hpo__color_ramp(s->direction == HPO_MAXIMIZE ? u : 1.0 - u, col);
                } else {
                    snprintf(col, sizeof col, "#b0b0b0");
                }
                if (p >= 0 && s->trials[p].state == HPO_TRIAL_COMPLETE) {
                    hpo__svg_path_begin(svg, "line", col, NULL);
                    hpo__svg_path_to(svg, hpo__scale_map(&xs, s->trials[p].rung),
                                     hpo__scale_map(&ys, s->trials[p].value));
                    hpo__svg_path_to(svg, tx, ty);
                    hpo__svg_path_end(svg);
                }
                char tip[800], base[640];
                hpo__plot_tip(s, i, base, sizeof base);
                snprintf(tip, sizeof tip, "%s · rung %d, budget %g%s", base, t->rung, t->budget,
                         finalist ? " · reached the last rung" : "");
                hpo__svg_point(svg, tx, ty, (long)i == s->best ? 4.5 : 2.8,
                               (long)i == s->best ? "pt-best" : "pt",
                               (long)i == s->best ? NULL : col, t->number, tip);
            }
        }
        if (boxes) {
            for (int r = 0; r <= max_rung && r < MAX_RUNGS; r++) {
                size_t m = 0;
                for (size_t i = 0; i < s->n_trials; i++) {
                    const hpo__snap_trial *t = &s->trials[i];
                    if (t->rung == r && (t->bracket < 0 ? 0 : t->bracket) == b &&
                        t->state == HPO_TRIAL_COMPLETE && isfinite(t->value))
                        buf[m++] = t->value;
                }
                if (!m)
                    continue;
                qsort(buf, m, sizeof *buf, cmp_double);
                double q1 = buf[(m - 1) / 4], q2 = buf[(m - 1) / 2], q3 = buf[3 * (m - 1) / 4];
                double cx = hpo__scale_map(&xs, r), bw = (x1 - x0) / (max_rung + 1.0) * 0.3;
                hpo__svg_line(svg, cx, hpo__scale_map(&ys, buf[0]), cx,
                              hpo__scale_map(&ys, buf[m - 1]), "whisker");
                hpo__svg_raw(svg,
                             "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                             "fill=\"#1f77b4\" fill-opacity=\"0.25\" stroke=\"#1f77b4\"/>\n",
                             cx - bw / 2, hpo__scale_map(&ys, q3), bw,
                             hpo__scale_map(&ys, q1) - hpo__scale_map(&ys, q3));
                hpo__svg_line(svg, cx - bw / 2, hpo__scale_map(&ys, q2), cx + bw / 2,
                              hpo__scale_map(&ys, q2), "best-line");
            }
        }
        hpo__svg_raw(svg, "</g>\n");
        /* "n × budget" above each rung */
        for (int r = 0; r <= max_rung && r < MAX_RUNGS; r++) {
            char label[64];
            snprintf(label, sizeof label, "%zu × %g", count[r], budget[r]);
            hpo__svg_text(svg, hpo__scale_map(&xs, r), y0 - 6, "middle", 0, "note", label);
        }
        char title[64];
        if (nb > 1)
            snprintf(title, sizeof title, "bracket %d", b);
        else
            snprintf(title, sizeof title, "%s", s->scheduler);
        hpo__svg_text(svg, x0, y0 - 20, "start", 0, "axis-title", title);
        hpo__svg_axis(svg, &xs, HPO__AXIS_BOTTOM, y1, nb > 1 ? "rung" : "iteration");
        hpo__svg_axis(svg, &ys, HPO__AXIS_LEFT, x0, bi % per_row == 0 ? "score" : NULL);
    }
    hpo__free(parent_idx);
    hpo__free(reach);
    hpo__free(root);
    hpo__free(buf);
    return svg->err;
}
