/*
 * timeline.c -- the "timeline" plot (Optuna's plot_timeline): one lane per
 * worker (and one more for each trial a worker's threads ran at the same
 * time), a bar per trial from its start to its end, coloured by state
 * (complete, pruned, failed, running — a running trial reaches the latest time
 * seen). Shows idle workers, stragglers, crashes and how a scheduler packs
 * work. x is time since the study's first start.
 *
 * At scale (more trials than HPO__PLOT_MAX_MARKS) each lane becomes one
 * segment per pixel column coloured by the state most trials in that column
 * had (failed over pruned over complete on ties), merged along runs of equal
 * colour; the subtitle says so. More than 40 lanes get thinner and labelled
 * every k-th. Cost: O(trials + lanes x width).
 */
#include "report/plot.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define W_DEFAULT 1000

static void duration_text(double sec, char *buf, size_t size)
{
    if (!isfinite(sec))
        snprintf(buf, size, "-");
    else if (sec < 60)
        snprintf(buf, size, "%.1fs", sec);
    else if (sec < 3600)
        snprintf(buf, size, "%d:%02d", (int)(sec / 60), (int)fmod(sec, 60));
    else
        snprintf(buf, size, "%d:%02d:%02d", (int)(sec / 3600), (int)fmod(sec / 60, 60),
                 (int)fmod(sec, 60));
}

/* Lanes: a worker runs trials one after another, but several threads of one
 * process share a worker name; overlapping trials of a worker go to extra
 * lanes (greedy interval packing in start order: the first lane free at the
 * trial's start). lane_of[i] is trial i's lane; names[l] its worker (-1: none). */
static size_t assign_lanes(const hpo_snapshot *s, double t_end, size_t *lane_of, int *names,
                           size_t max_lanes)
{
    double *free_at = hpo__malloc(max_lanes * sizeof *free_at);
    if (!free_at)
        return 0;
    size_t lanes = 0;
    for (size_t i = 0; i < s->n_trials; i++) {
        const hpo__snap_trial *t = &s->trials[i];
        double start = isnan(t->start) ? t_end : t->start;
        double end = isnan(t->end) ? t_end : t->end;
        size_t l = lanes;
        for (size_t k = 0; k < lanes; k++)
            if (names[k] == t->worker && free_at[k] <= start + 1e-9) {
                l = k;
                break;
            }
        if (l == lanes) {
            if (lanes == max_lanes) { /* more concurrency than lanes: share the last */
                for (l = lanes; l-- > 0;)
                    if (names[l] == t->worker)
                        break;
                if (l == (size_t)-1)
                    l = lanes - 1;
            } else {
                names[lanes] = t->worker;
                free_at[lanes] = end;
                lanes++;
            }
        }
        if (end > free_at[l])
            free_at[l] = end;
        lane_of[i] = l;
    }
    hpo__free(free_at);
    /* a worker's lanes side by side: stable order by worker, then remap */
    size_t *order = hpo__malloc((lanes ? lanes : 1) * sizeof *order);
    size_t *where = hpo__malloc((lanes ? lanes : 1) * sizeof *where);
    int *sorted = hpo__malloc((lanes ? lanes : 1) * sizeof *sorted);
    if (!order || !where || !sorted) {
        hpo__free(order);
        hpo__free(where);
        hpo__free(sorted);
        return lanes; /* unsorted lanes still draw correctly */
    }
    for (size_t l = 0; l < lanes; l++)
        order[l] = l;
    for (size_t a = 1; a < lanes; a++)
        for (size_t k = a; k > 0 && names[order[k - 1]] > names[order[k]]; k--) {
            size_t t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    for (size_t l = 0; l < lanes; l++) {
        where[order[l]] = l;
        sorted[l] = names[order[l]];
    }
    memcpy(names, sorted, lanes * sizeof *names);
    for (size_t i = 0; i < s->n_trials; i++)
        lane_of[i] = where[lane_of[i]];
    hpo__free(order);
    hpo__free(where);
    hpo__free(sorted);
    return lanes;
}

int hpo__plot_timeline(const hpo_snapshot *s, const hpo_plot_options *o, hpo__svg *svg)
{
    double t_end = -INFINITY;
    for (size_t i = 0; i < s->n_trials; i++) {
        double e = isnan(s->trials[i].end) ? s->trials[i].start : s->trials[i].end;
        if (e > t_end)
            t_end = e;
    }
    double t0 = isnan(s->t0) ? 0 : s->t0;
    if (!(t_end > t0))
        t_end = t0 + 1;
    size_t max_lanes = 200;
    size_t *lane_of = hpo__malloc((s->n_trials ? s->n_trials : 1) * sizeof *lane_of);
    int *names = hpo__malloc(max_lanes * sizeof *names);
    if (!lane_of || !names) {
        hpo__free(lane_of);
        hpo__free(names);
        return hpo__enomem();
    }
    size_t lanes = assign_lanes(s, t_end, lane_of, names, max_lanes);
    if (lanes == 0) {
        lanes = 1;
        names[0] = -1;
    }
    double lane_h = lanes <= 12 ? 24 : lanes <= 40 ? 14 : 6;
    int w = o->width ? o->width : W_DEFAULT;
    int h = o->height ? o->height : (int)(110 + lane_h * (double)lanes);
    double x0 = 150, x1 = w - 20.0, y0 = 60, y1 = h - 50.0;
    lane_h = (y1 - y0) / (double)lanes;
    int binned = s->n_trials > HPO__PLOT_MAX_MARKS;
    char sub[256], span[32];
    duration_text(t_end - t0, span, sizeof span);
    snprintf(sub, sizeof sub, "%s · %zu trials on %zu worker%s over %s%s", s->study, s->n_trials,
             s->n_workers, s->n_workers == 1 ? "" : "s", span,
             binned ? " · one segment per pixel, coloured by the most common state" : "");
    hpo__svg_begin(svg, "timeline", w, h, "Timeline", sub);
    hpo__scale xs;
    hpo__scale_numeric(&xs, 0, t_end - t0, 0, x0, x1);
    hpo__svg_grid(svg, &xs, HPO__AXIS_BOTTOM, y0, y1);
    hpo__svg_panel_begin(svg, x0, y0, x1, y1);
    double bar = lane_h > 8 ? lane_h - 4 : lane_h - 1;
    if (!binned) {
        for (size_t i = 0; i < s->n_trials; i++) {
            const hpo__snap_trial *t = &s->trials[i];
            if (isnan(t->start))
                continue;
            size_t lane = lane_of[i];
            double a = hpo__scale_map(&xs, t->start - t0);
            double b = hpo__scale_map(&xs, (isnan(t->end) ? t_end : t->end) - t0);
            if (b - a < 2)
                b = a + 2; /* a trial that failed at once stays visible */
            double y = y0 + (double)lane * lane_h + (lane_h - bar) / 2;
            char tip[800], base[640], d[32];
            hpo__plot_tip(s, i, base, sizeof base);
            duration_text((isnan(t->end) ? t_end : t->end) - t->start, d, sizeof d);
            snprintf(tip, sizeof tip, "%s · %s · %s", base, hpo_trial_state_to_string(t->state), d);
            hpo__svg_raw(svg,
                         "<rect class=\"tbar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                         "height=\"%.1f\" fill=\"%s\" data-t=\"%lld\"><title>",
                         a, y, b - a, bar, hpo__color_state(t->state), t->number);
            hpo__svg_esc(svg, tip);
            hpo__svg_raw(svg, "</title></rect>\n");
        }
    } else {
        size_t cols = (size_t)ceil(x1 - x0) + 1;
        unsigned *cnt = hpo__calloc(lanes * cols * 4, sizeof *cnt);
        if (!cnt) {
            hpo__free(lane_of);
            hpo__free(names);
            return hpo__enomem();
        }
        for (size_t i = 0; i < s->n_trials; i++) {
            const hpo__snap_trial *t = &s->trials[i];
            if (isnan(t->start))
                continue;
            size_t lane = lane_of[i];
            long a = (long)floor(hpo__scale_map(&xs, t->start - t0) - x0);
            long b = (long)floor(hpo__scale_map(&xs, (isnan(t->end) ? t_end : t->end) - t0) - x0);
            if (a < 0)
                a = 0;
            if (b >= (long)cols)
                b = (long)cols - 1;
            for (long c = a; c <= b; c++)
                cnt[(lane * cols + (size_t)c) * 4 + (size_t)t->state]++;
        }
        for (size_t lane = 0; lane < lanes; lane++) {
            int run_state = -1;
            size_t run_start = 0;
            for (size_t c = 0; c <= cols; c++) {
                int st = -1;
                if (c < cols) {
                    const unsigned *k = &cnt[(lane * cols + c) * 4];
                    unsigned best = 0;
                    /* ties go to the most alarming state */
                    static const int order[4] = {HPO_TRIAL_FAILED, HPO_TRIAL_PRUNED,
                                                 HPO_TRIAL_COMPLETE, HPO_TRIAL_RUNNING};
                    for (int q = 0; q < 4; q++)
                        if (k[order[q]] > best) {
                            best = k[order[q]];
                            st = order[q];
                        }
                }
                if (st != run_state) {
                    if (run_state >= 0)
                        hpo__svg_rect(svg, x0 + (double)run_start,
                                      y0 + (double)lane * lane_h + (lane_h - bar) / 2,
                                      (double)(c - run_start), bar, "bin",
                                      hpo__color_state((hpo_trial_state)run_state));
                    run_state = st;
                    run_start = c;
                }
            }
        }
        hpo__free(cnt);
    }
    hpo__svg_raw(svg, "</g>\n");
    /* lane labels */
    size_t every = lane_h >= 12 ? 1 : (size_t)ceil(12.0 / lane_h);
    for (size_t lane = 0; lane < lanes; lane += every) {
        const char *name = names[lane] >= 0 ? s->workers[names[lane]] : "(no worker)";
        char label[40];
        if (lane > 0 && names[lane] == names[lane - 1])
            snprintf(label, sizeof label, "″");
        else
            snprintf(label, sizeof label, "%.24s%s", name, strlen(name) > 24 ? "…" : "");
        hpo__svg_text(svg, x0 - 6, y0 + ((double)lane + 0.5) * lane_h + 3.5, "end", 0, "tick",
                      label);
    }
    hpo__svg_axis(svg, &xs, HPO__AXIS_BOTTOM, y1, "seconds since the first trial started");
    static const hpo_trial_state states[4] = {HPO_TRIAL_COMPLETE, HPO_TRIAL_PRUNED,
                                              HPO_TRIAL_FAILED, HPO_TRIAL_RUNNING};
    for (int q = 0; q < 4; q++)
        hpo__svg_legend(svg, x1 - 380 + q * 95, 22, hpo__color_state(states[q]),
                        hpo_trial_state_to_string(states[q]));
    hpo__free(lane_of);
    hpo__free(names);
    return svg->err;
}
