/*
 * report.c -- hpo_report(): one self-contained HTML file for a study: a
 * header (study, direction, methods, counts, time span), the best trial, a
 * table of contents, every plot that applies (inline SVG from hpo_plot, each
 * with a caption; the kinds that do not apply listed with their reason), and
 * the trials table. The style sheet and the script are the project's own
 * (report_assets.h); nothing is fetched, so the file works offline.
 *
 * The trials travel as JSON inside <script type="application/json"> ('<', '>'
 * and '&' written as \u escapes, so no label can close the element); the
 * script renders the table 100 rows a page, so 10^5 trials stay responsive.
 * Without a script the first 100 trials are in the page as plain rows.
 *
 * Deterministic: the same snapshot and options give the same bytes (times are
 * the trials' own, written in UTC). Cost: the plots' plus O(trials x params).
 */
#include "report/plot.h"
#include "report/report_assets.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define STATIC_ROWS 100

static const char *caption(const char *kind)
{
    static const struct {
        const char *kind, *text;
    } caps[] = {
        {"history", "Each complete trial's value by trial number, and the best value so far."},
        {"parallel", "Every complete trial as a line across the parameters to its value; drag "
                     "along an axis to keep only the lines inside the band."},
        {"slice", "The objective against each parameter; colour shows when a trial ran."},
        {"contour", "The objective over pairs of parameters, interpolated between the trials."},
        {"dependence", "Partial dependence of a Gaussian process fitted to the trials: the "
                       "objective as each parameter (and pair) varies, the others averaged out."},
        {"evaluations", "Where the search sampled: each parameter's histogram, and every pair."},
        {"importance", "How much of the objective's variance each parameter explains (fANOVA on a "
                       "random forest)."},
        {"intermediate", "The values each trial reported while it ran; pruned trials stop early."},
        {"rungs", "How the scheduler spent its budget: candidates and resources per rung, each "
                  "configuration followed to the trials that continued it."},
        {"timeline", "When each trial ran, on which worker, and how it ended."},
        {"edf", "The fraction of trials at or below each value."},
    };
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++)
        if (strcmp(caps[k].kind, kind) == 0)
            return caps[k].text;
    return "";
}

static void esc(hpo__buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            hpo__buf_puts(b, "&amp;");
            break;
        case '<':
            hpo__buf_puts(b, "&lt;");
            break;
        case '>':
            hpo__buf_puts(b, "&gt;");
            break;
        case '"':
            hpo__buf_puts(b, "&quot;");
            break;
        case '\'':
            hpo__buf_puts(b, "&#39;");
            break;
        default:
            hpo__buf_putc(b, (unsigned char)*s < 0x20 && *s != '\t' ? '?' : *s);
        }
    }
}

/* A JSON string safe inside <script>: quotes, backslashes and control
 * characters escaped, and '<', '>', '&' as \u003c, \u003e, \u0026. */
static void json_str(hpo__buf *b, const char *s)
{
    hpo__buf_putc(b, '"');
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            hpo__buf_printf(b, "\\%c", c);
        else if (c < 0x20 || c == '<' || c == '>' || c == '&')
            hpo__buf_printf(b, "\\u%04x", c);
        else
            hpo__buf_putc(b, (char)c);
    }
    hpo__buf_putc(b, '"');
}

static void json_num(hpo__buf *b, double v)
{
    if (!isfinite(v))
        hpo__buf_puts(b, "null");
    else
        hpo__buf_double(b, v);
}

static void utc(double t, char *buf, size_t size)
{
    if (!isfinite(t)) {
        snprintf(buf, size, "-");
        return;
    }
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static double duration(const hpo__snap_trial *t)
{
    return isfinite(t->end) && isfinite(t->start) ? t->end - t->start : (double)NAN;
}

static void card(hpo__buf *b, const char *key, const char *value)
{
    hpo__buf_puts(b, "<div class=\"card\"><div class=\"k\">");
    esc(b, key);
    hpo__buf_puts(b, "</div><div class=\"v\">");
    esc(b, value);
    hpo__buf_puts(b, "</div></div>\n");
}

static void header(const hpo_snapshot *s, hpo__buf *b)
{
    double last = -INFINITY;
    for (size_t i = 0; i < s->n_trials; i++) {
        double e = isfinite(s->trials[i].end) ? s->trials[i].end : s->trials[i].start;
        if (e > last)
            last = e;
    }
    char from[40], to[40];
    utc(s->t0, from, sizeof from);
    utc(isfinite(last) ? last : (double)NAN, to, sizeof to);
    hpo__buf_puts(b, "<header><h1>");
    esc(b, s->study);
    hpo__buf_puts(b, "</h1><div class=\"meta\">");
    hpo__buf_printf(b, "%s · sampler ", s->direction == HPO_MAXIMIZE ? "maximize" : "minimize");
    esc(b, s->sampler);
    if (s->scheduler[0]) {
        hpo__buf_puts(b, " · scheduler ");
        esc(b, s->scheduler);
    }
    hpo__buf_printf(b, " · %s — %s</div></header>\n<main>\n<div class=\"cards\">\n", from, to);
    char v[64];
    snprintf(v, sizeof v, "%zu", s->n_trials);
    if (s->n_trials_target > 0)
        snprintf(v + strlen(v), sizeof v - strlen(v), " / %lld%s", s->n_trials_target,
                 s->scheduler[0] ? " configs" : "");
    card(b, "trials", v);
    static const hpo_trial_state st[4] = {HPO_TRIAL_COMPLETE, HPO_TRIAL_PRUNED, HPO_TRIAL_FAILED,
                                          HPO_TRIAL_RUNNING};
    for (int k = 0; k < 4; k++) {
        snprintf(v, sizeof v, "%lld", s->counts[st[k]]);
        card(b, hpo_trial_state_to_string(st[k]), v);
    }
    hpo__buf_puts(b, "<div class=\"card best\"><div class=\"k\">best trial</div>");
    if (s->best < 0) {
        hpo__buf_puts(b, "<div class=\"v\">none yet</div></div>\n");
    } else {
        const hpo__snap_trial *t = &s->trials[s->best];
        hpo__fmt_num(v, sizeof v, t->value);
        hpo__buf_printf(b, "<div class=\"v\">%s <span style=\"font-size:13px;color:#667\">#%lld", v,
                        t->number);
        if (t->rung >= 0)
            hpo__buf_printf(b, " · rung %d, budget %g", t->rung, t->budget);
        hpo__buf_puts(b, "</span></div><div class=\"params\">");
        for (size_t j = 0; j < s->n_params; j++) {
            double x = s->x[(size_t)s->best * s->n_params + j];
            if (isnan(x))
                continue;
            char val[256];
            hpo__snap_value_label(s, j, x, val, sizeof val);
            hpo__buf_puts(b, "<span class=\"n\">");
            esc(b, s->params[j].name);
            hpo__buf_puts(b, "</span><span>");
            esc(b, val);
            hpo__buf_puts(b, "</span>");
        }
        hpo__buf_puts(b, "</div></div>\n");
    }
    hpo__buf_puts(b, "</div>\n");
}

/* The trials as JSON rows: number, state, value, duration, worker, the
 * parameters (labels for categoricals), and rung, budget with a scheduler. */
static void trials_json(const hpo_snapshot *s, hpo__buf *b, int sched)
{
    hpo__buf_puts(b, "{\"columns\":[\"number\",\"state\",\"value\",\"duration (s)\",\"worker\"");
    for (size_t j = 0; j < s->n_params; j++) {
        hpo__buf_putc(b, ',');
        json_str(b, s->params[j].name);
    }
    if (sched)
        hpo__buf_puts(b, ",\"rung\",\"budget\"");
    hpo__buf_puts(b, "],\"numeric\":[true,false,true,true,false");
    for (size_t j = 0; j < s->n_params; j++)
        hpo__buf_puts(b, s->params[j].kind == HPO__SNAP_CATEGORICAL ? ",false" : ",true");
    if (sched)
        hpo__buf_puts(b, ",true,true");
    hpo__buf_puts(b, "],\"rows\":[\n");
    for (size_t i = 0; i < s->n_trials; i++) {
        const hpo__snap_trial *t = &s->trials[i];
        hpo__buf_printf(b, "%s[%lld,\"%s\",", i ? ",\n" : "", t->number,
                        hpo_trial_state_to_string(t->state));
        json_num(b, t->value);
        hpo__buf_putc(b, ',');
        json_num(b, duration(t));
        hpo__buf_putc(b, ',');
        if (t->worker >= 0)
            json_str(b, s->workers[t->worker]);
        else
            hpo__buf_puts(b, "null");
        for (size_t j = 0; j < s->n_params; j++) {
            double x = s->x[i * s->n_params + j];
            hpo__buf_putc(b, ',');
            if (isnan(x))
                hpo__buf_puts(b, "null");
            else if (s->params[j].kind == HPO__SNAP_CATEGORICAL)
                json_str(b,
                         x < (double)s->params[j].n_labels ? s->params[j].labels[(size_t)x] : "?");
            else
                json_num(b, x);
        }
        if (sched) {
            if (t->rung >= 0)
                hpo__buf_printf(b, ",%d,", t->rung);
            else
                hpo__buf_puts(b, ",null,");
            json_num(b, t->budget);
        }
        hpo__buf_putc(b, ']');
    }
    hpo__buf_puts(b, "\n]}");
}

static void static_cell(hpo__buf *b, const char *text, int num)
{
    hpo__buf_puts(b, num ? "<td class=\"num\">" : "<td>");
    esc(b, text);
    hpo__buf_puts(b, "</td>");
}

static void trials_table(const hpo_snapshot *s, hpo__buf *b, int sched)
{
    hpo__buf_printf(b,
                    "<section id=\"trials\"><h2>Trials</h2><p class=\"caption\"><span "
                    "id=\"trials-count\">%zu</span> trials; click a column to sort, type to "
                    "filter.</p>\n",
                    s->n_trials);
    hpo__buf_puts(b, "<div class=\"controls\"><input id=\"trials-filter\" type=\"search\" "
                     "placeholder=\"filter\"><select id=\"trials-state\"><option value=\"\">every "
                     "state</option><option>complete</option><option>pruned</option>"
                     "<option>failed</option><option>running</option></select>"
                     "<button id=\"trials-prev\" type=\"button\">&#9664;</button><span "
                     "id=\"trials-page\"></span><button id=\"trials-next\" "
                     "type=\"button\">&#9654;</button><span id=\"trials-shown\"></span></div>\n");
    hpo__buf_puts(b, "<table class=\"trials\"><thead><tr><th>number</th><th>state</th><th>value"
                     "</th><th>duration (s)</th><th>worker</th>");
    for (size_t j = 0; j < s->n_params; j++) {
        hpo__buf_puts(b, "<th>");
        esc(b, s->params[j].name);
        hpo__buf_puts(b, "</th>");
    }
    if (sched)
        hpo__buf_puts(b, "<th>rung</th><th>budget</th>");
    hpo__buf_puts(b, "</tr></thead>\n<tbody>\n");
    /* the first page without a script; the script replaces it */
    for (size_t i = 0; i < s->n_trials && i < STATIC_ROWS; i++) {
        const hpo__snap_trial *t = &s->trials[i];
        char v[256];
        hpo__buf_printf(b, "<tr data-t=\"%lld\" class=\"st-%s\">", t->number,
                        hpo_trial_state_to_string(t->state));
        snprintf(v, sizeof v, "%lld", t->number);
        static_cell(b, v, 1);
        static_cell(b, hpo_trial_state_to_string(t->state), 0);
        hpo__fmt_num(v, sizeof v, t->value);
        static_cell(b, isnan(t->value) ? "" : v, 1);
        hpo__fmt_num(v, sizeof v, duration(t));
        static_cell(b, isnan(duration(t)) ? "" : v, 1);
        static_cell(b, t->worker >= 0 ? s->workers[t->worker] : "", 0);
        for (size_t j = 0; j < s->n_params; j++) {
            double x = s->x[i * s->n_params + j];
            hpo__snap_value_label(s, j, x, v, sizeof v);
            static_cell(b, isnan(x) ? "" : v, s->params[j].kind != HPO__SNAP_CATEGORICAL);
        }
        if (sched) {
            snprintf(v, sizeof v, "%d", t->rung);
            static_cell(b, t->rung >= 0 ? v : "", 1);
            hpo__fmt_num(v, sizeof v, t->budget);
            static_cell(b, isnan(t->budget) ? "" : v, 1);
        }
        hpo__buf_puts(b, "</tr>\n");
    }
    hpo__buf_puts(b, "</tbody></table></section>\n");
    hpo__buf_puts(b, "<script type=\"application/json\" id=\"trials-data\">");
    trials_json(s, b, sched);
    hpo__buf_puts(b, "</script>\n");
}

int hpo_report(const hpo_snapshot *snap, const hpo_plot_options *opts, char **out, size_t *len)
{
    hpo_plot_options o = HPO_PLOT_OPTIONS_INIT;
    if (!snap || !out)
        return hpo__err(HPO_EINVAL, "hpo_report: snapshot and out are required");
    *out = NULL;
    if (len)
        *len = 0;
    if (opts) {
        if (opts->version != HPO_PLOT_OPTIONS_VERSION)
            return hpo__err(HPO_EINVAL,
                            "hpo_plot_options: version %u, expected %u (use "
                            "HPO_PLOT_OPTIONS_INIT)",
                            opts->version, HPO_PLOT_OPTIONS_VERSION);
        o.seed = opts->seed;
    }
    o.format = HPO_PLOT_SVG;
    int sched = snap->scheduler[0] != '\0';
    hpo__buf b = HPO__BUF_INIT;
    hpo__buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                      "<meta name=\"generator\" content=\"hpo report\">\n<title>");
    esc(&b, snap->study);
    hpo__buf_puts(&b, " · hpo report</title>\n<style>");
    for (size_t k = 0; report_css[k]; k++)
        hpo__buf_puts(&b, report_css[k]);
    hpo__buf_puts(&b, "</style>\n</head>\n<body>\n<div id=\"tip\"></div>\n");
    header(snap, &b);
    /* table of contents */
    const char *const *kinds = hpo_plot_kinds();
    hpo__buf_puts(&b, "<nav class=\"toc\">");
    for (size_t k = 0; kinds[k]; k++)
        if (hpo_plot_applies(snap, kinds[k], NULL))
            hpo__buf_printf(&b, "<a href=\"#plot-%s\">%s</a>", kinds[k], kinds[k]);
    hpo__buf_puts(&b, "<a href=\"#trials\">trials</a></nav>\n");
    int rc = 0;
    hpo__buf skipped = HPO__BUF_INIT;
    for (size_t k = 0; kinds[k] && rc == 0; k++) {
        const char *why = NULL;
        if (!hpo_plot_applies(snap, kinds[k], &why)) {
            hpo__buf_printf(&skipped, "<li><b>%s</b>: ", kinds[k]);
            esc(&skipped, why ? why : "nothing to show");
            hpo__buf_puts(&skipped, "</li>");
            continue;
        }
        char *svg = NULL;
        size_t n = 0;
        rc = hpo_plot(snap, kinds[k], &o, &svg, &n);
        if (rc != 0)
            break;
        const hpo__plot_kind *pk = hpo__plot_find(kinds[k]);
        hpo__buf_printf(&b, "<section id=\"plot-%s\"><h2>%s</h2><p class=\"caption\">%s</p>\n",
                        kinds[k], pk ? pk->title : kinds[k], caption(kinds[k]));
        hpo__buf_append(&b, svg, n);
        hpo__buf_puts(&b, "</section>\n");
        hpo__free(svg);
    }
    if (rc == 0 && skipped.len) {
        hpo__buf_puts(&b, "<section id=\"not-shown\"><h2>Not shown</h2><ul class=\"skipped\">");
        hpo__buf_append(&b, skipped.data, skipped.len);
        hpo__buf_puts(&b, "</ul></section>\n");
    }
    hpo__buf_free(&skipped);
    if (rc != 0) {
        hpo__buf_free(&b);
        return rc;
    }
    trials_table(snap, &b, sched);
    hpo__buf_puts(&b, "</main>\n<footer>made by hpo report · works offline · no third-party "
                      "code</footer>\n<script>");
    for (size_t k = 0; report_js[k]; k++)
        hpo__buf_puts(&b, report_js[k]);
    hpo__buf_puts(&b, "</script>\n</body>\n</html>\n");
    if (b.oom) {
        hpo__buf_free(&b);
        return hpo__enomem();
    }
    size_t n = b.len;
    if (hpo__buf_take(&b, out) != 0)
        return hpo__enomem();
    if (len)
        *len = n;
    return 0;
}
