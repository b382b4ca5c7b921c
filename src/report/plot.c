/*
 * plot.c -- hpo_plot(), hpo_plot_kinds(), hpo_plot_applies(): the table of
 * plot kinds (plot.h) and the wrapping every kind shares (option checks, the
 * HTML page around an SVG, the text form).
 */
#include "report/plot.h"

#include "util/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int needs_trials(const hpo_snapshot *snap, const char **why)
{
    if (snap->n_trials > 0)
        return 1;
    if (why)
        *why = "the study has no trial yet";
    return 0;
}

static int needs_params_any(const hpo_snapshot *snap, const char **why)
{
    if (!needs_trials(snap, why))
        return 0;
    if (snap->n_params > 0)
        return 1;
    if (why)
        *why = "the study has no parameters";
    return 0;
}

static const hpo__plot_kind kinds[] = {
    {"history", "Optimization history", hpo__plot_history, hpo__plot_needs_complete,
     hpo__plot_history_text},
    {"parallel", "Parallel coordinates", hpo__plot_parallel, hpo__plot_needs_params, NULL},
    {"slice", "Slice plot", hpo__plot_slice, hpo__plot_needs_params, NULL},
    {"contour", "Contour plot", hpo__plot_contour, hpo__plot_needs_two_params, NULL},
    {"dependence", "Partial dependence", hpo__plot_dependence, hpo__plot_importance_applies, NULL},
    {"evaluations", "Evaluations", hpo__plot_evaluations, needs_params_any, NULL},
    {"importance", "Parameter importance", hpo__plot_importance, hpo__plot_importance_applies,
     hpo__plot_importance_text},
    {"intermediate", "Intermediate values", hpo__plot_intermediate, hpo__plot_intermediate_applies,
     NULL},
    {"rungs", "Rungs", hpo__plot_rungs, hpo__plot_rungs_applies, NULL},
    {"timeline", "Timeline", hpo__plot_timeline, needs_trials, NULL},
    {"edf", "Empirical distribution", hpo__plot_edf, hpo__plot_needs_complete, NULL},
};

#define N_KINDS (sizeof kinds / sizeof kinds[0])

/* The names in the table's order (a unit test checks they agree). */
static const char *const kind_names[] = {"history",    "parallel",    "slice",      "contour",
                                         "dependence", "evaluations", "importance", "intermediate",
                                         "rungs",      "timeline",    "edf",        NULL};

const hpo__plot_kind *hpo__plot_find(const char *name)
{
    for (size_t k = 0; k < N_KINDS; k++)
        if (strcmp(kinds[k].name, name) == 0)
            return &kinds[k];
    return NULL;
}

const char *const *hpo_plot_kinds(void)
{
    return kind_names;
}

int hpo__plot_needs_complete(const hpo_snapshot *snap, const char **why)
{
    if (snap->counts[HPO_TRIAL_COMPLETE] > 0)
        return 1;
    if (why)
        *why = "the study has no complete trial yet";
    return 0;
}

int hpo__plot_needs_params(const hpo_snapshot *snap, const char **why)
{
    if (!hpo__plot_needs_complete(snap, why))
        return 0;
    if (snap->n_params > 0)
        return 1;
    if (why)
        *why = "the study has no parameters";
    return 0;
}

int hpo__plot_needs_two_params(const hpo_snapshot *snap, const char **why)
{
    if (!hpo__plot_needs_complete(snap, why))
        return 0;
    if (snap->n_params >= 2)
        return 1;
    if (why)
        *why = "this plot needs at least two parameters";
    return 0;
}

void hpo__plot_tip(const hpo_snapshot *snap, size_t i, char *buf, size_t size)
{
    const hpo__snap_trial *t = &snap->trials[i];
    char val[32], params[512];
    if (t->state == HPO_TRIAL_COMPLETE)
        hpo__fmt_num(val, sizeof val, t->value);
    else
        snprintf(val, sizeof val, "%s", hpo_trial_state_to_string(t->state));
    hpo__snap_params_text(snap, i, params, sizeof params);
    snprintf(buf, size, "#%lld · %s · %s", t->number, val, params);
}

/* (key, index) pairs: key = value oriented so that smaller is better, NaN last. */
typedef struct keyed {
    double key;
    size_t i;
} keyed;

static int by_key(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    int xn = isnan(x->key), yn = isnan(y->key);
    if (xn != yn)
        return xn - yn;
    if (!xn && x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static int by_index(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

int hpo__sort_by_value(const hpo_snapshot *snap, size_t *idx, size_t n, int worst_first)
{
    keyed *k = hpo__malloc((n ? n : 1) * sizeof *k);
    if (!k)
        return hpo__enomem();
    for (size_t j = 0; j < n; j++) {
        const hpo__snap_trial *t = &snap->trials[idx[j]];
        double v = t->state == HPO_TRIAL_COMPLETE ? t->value : (double)NAN;
        int flip = (snap->direction == HPO_MAXIMIZE) != (worst_first != 0);
        k[j].key = flip ? -v : v;
        k[j].i = idx[j];
    }
    qsort(k, n, sizeof *k, by_key);
    for (size_t j = 0; j < n; j++)
        idx[j] = k[j].i;
    hpo__free(k);
    return 0;
}

size_t hpo__plot_decimate(const hpo_snapshot *snap, int (*keep)(const hpo_snapshot *, size_t),
                          size_t cap, size_t *idx, int *decimated)
{
    size_t n = 0;
    *decimated = 0;
    for (size_t i = 0; i < snap->n_trials; i++)
        n += keep(snap, i) != 0;
    if (n <= cap) {
        size_t k = 0;
        for (size_t i = 0; i < snap->n_trials; i++)
            if (keep(snap, i))
                idx[k++] = i;
        return k;
    }
    *decimated = 1;
    size_t *all = hpo__malloc(n * sizeof *all);
    if (!all)
        return 0;
    size_t k = 0;
    for (size_t i = 0; i < snap->n_trials; i++)
        if (keep(snap, i))
            all[k++] = i;
    /* the best tenth by value (complete trials sort first) */
    keyed *sorted = hpo__malloc(n * sizeof *sorted);
    unsigned char *taken = hpo__calloc(snap->n_trials, 1);
    if (!sorted || !taken) {
        hpo__free(all);
        hpo__free(sorted);
        hpo__free(taken);
        return 0;
    }
    for (size_t j = 0; j < n; j++) {
        const hpo__snap_trial *t = &snap->trials[all[j]];
        double v = t->state == HPO_TRIAL_COMPLETE ? t->value : (double)NAN;
        sorted[j].key = snap->direction == HPO_MAXIMIZE ? -v : v;
        sorted[j].i = all[j];
    }
    qsort(sorted, n, sizeof *sorted, by_key);
    size_t out = 0, best = cap / 10;
    for (size_t j = 0; j < n && out < best; j++) {
        if (isnan(sorted[j].key))
            break;
        idx[out++] = sorted[j].i;
        taken[sorted[j].i] = 1;
    }
    size_t rest = cap - out, left = n - out;
    double stride = (double)left / (double)rest;
    size_t m = 0;
    double next = 0;
    for (size_t j = 0; j < n && out < cap; j++) {
        if (taken[all[j]])
            continue;
        if ((double)m >= next) {
            idx[out++] = all[j];
            next += stride;
        }
        m++;
    }
    qsort(idx, out, sizeof *idx, by_index);
    hpo__free(all);
    hpo__free(sorted);
    hpo__free(taken);
    return out;
}

int hpo__density_init(hpo__density *d, double x0, double y0, double x1, double y1)
{
    d->x0 = x0;
    d->y0 = y0;
    d->nx = (size_t)ceil((x1 - x0) / HPO__DENSITY_CELL);
    d->ny = (size_t)ceil((y1 - y0) / HPO__DENSITY_CELL);
    d->max = 0;
    size_t cells = d->nx * d->ny;
    d->count = hpo__calloc(cells ? cells : 1, sizeof *d->count);
    return d->count ? 0 : hpo__enomem();
}

void hpo__density_add(hpo__density *d, double px, double py)
{
    if (!d->count || isnan(px) || isnan(py))
        return;
    long cx = (long)floor((px - d->x0) / HPO__DENSITY_CELL);
    long cy = (long)floor((py - d->y0) / HPO__DENSITY_CELL);
    if (cx < 0 || cy < 0 || (size_t)cx >= d->nx || (size_t)cy >= d->ny)
        return;
    unsigned c = ++d->count[(size_t)cy * d->nx + (size_t)cx];
    if (c > d->max)
        d->max = c;
}

void hpo__density_draw(const hpo__density *d, hpo__svg *svg)
{
    for (size_t cy = 0; cy < d->ny && d->count; cy++)
        for (size_t cx = 0; cx < d->nx; cx++) {
            unsigned c = d->count[cy * d->nx + cx];
            if (!c)
                continue;
            char col[8];
            double t = d->max > 1 ? log((double)c) / log((double)d->max) : 1.0;
            hpo__color_ramp(0.15 + 0.85 * t, col);
            hpo__svg_rect(svg, d->x0 + (double)cx * HPO__DENSITY_CELL,
                          d->y0 + (double)cy * HPO__DENSITY_CELL, HPO__DENSITY_CELL,
                          HPO__DENSITY_CELL, "bin", col);
        }
}

void hpo__density_free(hpo__density *d)
{
    hpo__free(d->count);
    d->count = NULL;
}

void hpo__plot_best_pair(const hpo_snapshot *snap, hpo__svg *svg, size_t px, size_t py,
                         const hpo__scale *xs, const hpo__scale *ys, double r)
{
    if (snap->best < 0)
        return;
    double xv = snap->x[(size_t)snap->best * snap->n_params + px];
    double yv = snap->x[(size_t)snap->best * snap->n_params + py];
    if (isnan(xv) || isnan(yv))
        return;
    char tip[640];
    hpo__plot_tip(snap, (size_t)snap->best, tip, sizeof tip);
    hpo__svg_point(svg, hpo__scale_map(xs, xv), hpo__scale_map(ys, yv), r, "pt-best", NULL,
                   snap->trials[snap->best].number, tip);
}

static int unknown_kind(const char *kind)
{
    const char *const *names = hpo_plot_kinds();
    const char *sugg = hpo__suggest(kind, names, N_KINDS);
    hpo__buf b = HPO__BUF_INIT;
    for (size_t k = 0; k < N_KINDS; k++)
        hpo__buf_printf(&b, "%s%s", k ? ", " : "", names[k]);
    int rc = sugg ? hpo__err(HPO_EINVAL, "unknown plot kind '%s' (did you mean '%s'?)", kind, sugg)
                  : hpo__err(HPO_EINVAL, "unknown plot kind '%s' (kinds: %s)", kind,
                             b.data ? b.data : "");
    hpo__buf_free(&b);
    return rc;
}

int hpo_plot_applies(const hpo_snapshot *snap, const char *kind, const char **why)
{
    if (why)
        *why = NULL;
    if (!snap || !kind)
        return 0;
    const hpo__plot_kind *k = hpo__plot_find(kind);
    if (!k) {
        if (why)
            *why = "unknown plot kind";
        return 0;
    }
    const char *reason = NULL;
    int ok = k->applies(snap, &reason);
    if (why)
        *why = reason;
    return ok;
}

static int check_options(const hpo_plot_options *o)
{
    if (o->version != HPO_PLOT_OPTIONS_VERSION)
        return hpo__err(HPO_EINVAL,
                        "hpo_plot_options: version %u, expected %u (use "
                        "HPO_PLOT_OPTIONS_INIT)",
                        o->version, HPO_PLOT_OPTIONS_VERSION);
    if (o->format != HPO_PLOT_SVG && o->format != HPO_PLOT_HTML && o->format != HPO_PLOT_TEXT)
        return hpo__err(HPO_EINVAL, "hpo_plot_options: unknown format %d", (int)o->format);
    if (o->width < 0 || o->height < 0 || o->width > 20000 || o->height > 20000)
        return hpo__err(HPO_EINVAL, "plot: width and height must be 0 (default) or up to 20000");
    return 0;
}

/* The SVG in a page of its own. */
static int wrap_html(const hpo_snapshot *snap, const hpo__plot_kind *k, const char *svg, char **out,
                     size_t *len)
{
    hpo__svg page = {0};
    hpo__svg_raw(&page, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                        "<title>");
    hpo__svg_esc(&page, snap->study);
    hpo__svg_raw(&page, " · ");
    hpo__svg_esc(&page, k->title);
    hpo__svg_raw(&page,
                 "</title>\n<style>body{margin:16px;background:#fafafa}"
                 "svg{background:#fff;box-shadow:0 1px 3px #0002}</style>\n"
                 "</head>\n<body>\n%s</body>\n</html>\n",
                 svg);
    if (page.err) {
        hpo__buf_free(&page.b);
        return hpo__enomem();
    }
    size_t n = page.b.len;
    if (hpo__buf_take(&page.b, out) != 0)
        return hpo__enomem();
    if (len)
        *len = n;
    return 0;
}

int hpo_plot(const hpo_snapshot *snap, const char *kind, const hpo_plot_options *opts, char **out,
             size_t *len)
{
    hpo_plot_options defaults = HPO_PLOT_OPTIONS_INIT;
    if (!snap || !kind || !out)
        return hpo__err(HPO_EINVAL, "hpo_plot: snapshot, kind and out are required");
    *out = NULL;
    if (len)
        *len = 0;
    if (!opts)
        opts = &defaults;
    int rc = check_options(opts);
    if (rc != 0)
        return rc;
    const hpo__plot_kind *k = hpo__plot_find(kind);
    if (!k)
        return unknown_kind(kind);
    const char *why = NULL;
    if (!k->applies(snap, &why))
        return hpo__err(HPO_EINVAL, "plot %s: %s", kind, why ? why : "nothing to show");
    if (opts->format == HPO_PLOT_TEXT) {
        if (!k->text)
            return hpo__err(HPO_EINVAL, "plot %s: no text form (text: history, importance)", kind);
        hpo__buf b = HPO__BUF_INIT;
        rc = k->text(snap, opts, &b);
        if (rc == 0 && b.oom)
            rc = hpo__enomem();
        if (rc != 0) {
            hpo__buf_free(&b);
            return rc;
        }
        size_t n = b.len;
        if (hpo__buf_take(&b, out) != 0)
            return hpo__enomem();
        if (len)
            *len = n;
        return 0;
    }
    hpo__svg s;
    memset(&s, 0, sizeof s);
    rc = k->draw(snap, opts, &s);
    if (rc != 0) {
        hpo__svg_discard(&s);
        return rc;
    }
    char *svg = NULL;
    size_t n = 0;
    if ((rc = hpo__svg_finish(&s, &svg, &n)) != 0)
        return rc;
    if (opts->format == HPO_PLOT_SVG) {
        *out = svg;
        if (len)
            *len = n;
        return 0;
    }
    rc = wrap_html(snap, k, svg, out, len);
    hpo__free(svg);
    return rc;
}
