/*
 * svg.c -- the SVG writer every plot draws with (svg.h): document, marks,
 * scales with nice ticks, axes, legends, colours.
 *
 * Deterministic by construction: coordinates "%.1f" (with -0.0 written as
 * 0.0), labels "%.4g"; the embedded style sheet is a constant.
 */
#include "report/svg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char style_sheet[] =
    "<style>"
    ".hpo-plot{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;font-size:11px}"
    ".title{font-size:15px;font-weight:bold;fill:#222}"
    ".subtitle{font-size:11px;fill:#666}"
    ".axis line{stroke:#444;stroke-width:1}"
    ".tick{font-size:10px;fill:#444}"
    ".axis-title{font-size:11px;fill:#222}"
    ".grid{stroke:#e6e6e6;stroke-width:1}"
    ".frame{fill:none;stroke:#bbb;stroke-width:1}"
    ".pt{stroke:none;fill-opacity:0.75}"
    ".pt-best{stroke:#000;stroke-width:1;fill:#d62728}"
    ".line{fill:none;stroke-width:1.2;stroke-opacity:0.8}"
    ".best-line{fill:none;stroke:#d62728;stroke-width:2}"
    ".pc-line{fill:none;stroke-width:1;stroke-opacity:0.45}"
    ".pc-line.pc-best{stroke-width:2.5;stroke-opacity:1}"
    ".bin{stroke:none}"
    ".bar{fill:#1f77b4}"
    ".tbar{stroke:#fff;stroke-width:0.5}"
    ".whisker{stroke:#1f77b4;stroke-width:1}"
    ".legend{font-size:10px;fill:#333}"
    ".note{font-size:10px;fill:#888}"
    ".cell{stroke:none}"
    "</style>";

/* ---------------------------------------------------------------- numbers */

/* One decimal, never "-0.0". */
static void coord(char *buf, size_t size, double v)
{
    if (!isfinite(v))
        v = 0.0;
    double r = round(v * 10.0) / 10.0;
    if (r == 0.0)
        r = 0.0;
    snprintf(buf, size, "%.1f", r);
}

void hpo__fmt_num(char *buf, size_t size, double v)
{
    if (isnan(v))
        snprintf(buf, size, "-");
    else if (isinf(v))
        snprintf(buf, size, v > 0 ? "inf" : "-inf");
    else {
        if (v == 0.0)
            v = 0.0;
        if (v == floor(v) && fabs(v) < 1e7)
            snprintf(buf, size, "%.0f", v); /* 20000, not 2e+04 */
        else
            snprintf(buf, size, "%.4g", v);
    }
}

/* ---------------------------------------------------------------- document */

void hpo__svg_raw(hpo__svg *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (hpo__buf_vprintf(&s->b, fmt, ap) != 0 && !s->err)
        s->err = HPO_ENOMEM;
    va_end(ap);
}

void hpo__svg_esc(hpo__svg *s, const char *text)
{
    if (!text)
        return;
    const char *run = text;
    for (const char *p = text;; p++) {
        const char *rep = NULL;
        switch (*p) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        case '\0':
            break;
        default:
            /* control characters are not allowed in XML 1.0 */
            if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
                rep = "?";
            break;
        }
        if (rep || !*p) {
            if (p > run && hpo__buf_append(&s->b, run, (size_t)(p - run)) != 0)
                s->err = HPO_ENOMEM;
            if (!*p)
                break;
            if (hpo__buf_puts(&s->b, rep) != 0)
                s->err = HPO_ENOMEM;
            run = p + 1;
        }
    }
}

void hpo__svg_begin(hpo__svg *s, const char *kind, int width, int height, const char *title,
                    const char *subtitle)
{
    memset(s, 0, sizeof *s);
    s->width = width;
    s->height = height;
    hpo__svg_raw(s,
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"hpo-plot\" data-kind=\"%s\" "
                 "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
                 kind, width, height, width, height);
    hpo__svg_raw(s, "%s\n", style_sheet);
    hpo__svg_raw(s,
                 "<rect class=\"bg\" x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n",
                 width, height);
    if (title)
        hpo__svg_text(s, 12, 22, "start", 0, "title", title);
    if (subtitle)
        hpo__svg_text(s, 12, 38, "start", 0, "subtitle", subtitle);
}

int hpo__svg_finish(hpo__svg *s, char **out, size_t *len)
{
    hpo__svg_raw(s, "</svg>\n");
    if (s->err) {
        int rc = s->err;
        hpo__buf_free(&s->b);
        return rc == HPO_ENOMEM ? hpo__enomem() : rc;
    }
    size_t n = s->b.len;
    int rc = hpo__buf_take(&s->b, out);
    if (rc != 0)
        return hpo__enomem();
    if (len)
        *len = n;
    return 0;
}

void hpo__svg_discard(hpo__svg *s)
{
    hpo__buf_free(&s->b);
}

/* ---------------------------------------------------------------- marks */

void hpo__svg_line(hpo__svg *s, double x1, double y1, double x2, double y2, const char *cls)
{
    char a[32], b[32], c[32], d[32];
    coord(a, sizeof a, x1);
    coord(b, sizeof b, y1);
    coord(c, sizeof c, x2);
    coord(d, sizeof d, y2);
    hpo__svg_raw(s, "<line%s%s%s x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\"/>\n",
                 cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "", a, b, c, d);
}

void hpo__svg_rect(hpo__svg *s, double x, double y, double w, double h, const char *cls,
                   const char *fill)
{
    char a[32], b[32], c[32], d[32];
    if (w < 0) {
        x += w;
        w = -w;
    }
    if (h < 0) {
        y += h;
        h = -h;
    }
    coord(a, sizeof a, x);
    coord(b, sizeof b, y);
    coord(c, sizeof c, w);
    coord(d, sizeof d, h);
    hpo__svg_raw(s, "<rect%s%s%s x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\"%s%s%s/>\n",
                 cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "", a, b, c, d,
                 fill ? " fill=\"" : "", fill ? fill : "", fill ? "\"" : "");
}

void hpo__svg_text(hpo__svg *s, double x, double y, const char *anchor, double rotate,
                   const char *cls, const char *text)
{
    char a[32], b[32];
    coord(a, sizeof a, x);
    coord(b, sizeof b, y);
    hpo__svg_raw(s, "<text x=\"%s\" y=\"%s\"", a, b);
    if (anchor && strcmp(anchor, "start") != 0)
        hpo__svg_raw(s, " text-anchor=\"%s\"", anchor);
    if (rotate != 0.0)
        hpo__svg_raw(s, " transform=\"rotate(%g %s %s)\"", rotate, a, b);
    if (cls)
        hpo__svg_raw(s, " class=\"%s\"", cls);
    hpo__svg_raw(s, ">");
    hpo__svg_esc(s, text);
    hpo__svg_raw(s, "</text>\n");
}

void hpo__svg_point(hpo__svg *s, double x, double y, double r, const char *cls, const char *fill,
                    long long trial, const char *tip)
{
    char a[32], b[32], c[32];
    coord(a, sizeof a, x);
    coord(b, sizeof b, y);
    coord(c, sizeof c, r);
    hpo__svg_raw(s, "<circle class=\"%s\" cx=\"%s\" cy=\"%s\" r=\"%s\"", cls ? cls : "pt", a, b, c);
    if (fill)
        hpo__svg_raw(s, " fill=\"%s\"", fill);
    if (trial >= 0)
        hpo__svg_raw(s, " data-t=\"%lld\"", trial);
    if (tip) {
        hpo__svg_raw(s, "><title>");
        hpo__svg_esc(s, tip);
        hpo__svg_raw(s, "</title></circle>\n");
    } else {
        hpo__svg_raw(s, "/>\n");
    }
}

void hpo__svg_path_begin(hpo__svg *s, const char *cls, const char *stroke, const char *attrs)
{
    hpo__svg_raw(s, "<path class=\"%s\"", cls ? cls : "line");
    if (stroke)
        hpo__svg_raw(s, " stroke=\"%s\"", stroke);
    if (attrs)
        hpo__svg_raw(s, " %s", attrs);
    hpo__svg_raw(s, " d=\"");
    s->pen_up = 1;
    s->path_n = 0;
}

void hpo__svg_path_to(hpo__svg *s, double x, double y)
{
    if (isnan(x) || isnan(y)) {
        s->pen_up = 1;
        return;
    }
    char a[32], b[32];
    coord(a, sizeof a, x);
    coord(b, sizeof b, y);
    hpo__svg_raw(s, "%s%s %s", s->pen_up ? (s->path_n ? " M" : "M") : " L", a, b);
    s->pen_up = 0;
    s->path_n++;
}

void hpo__svg_path_end(hpo__svg *s)
{
    hpo__svg_raw(s, "\"/>\n");
}

void hpo__svg_path_end_tip(hpo__svg *s, const char *tip)
{
    hpo__svg_raw(s, "\"><title>");
    hpo__svg_esc(s, tip);
    hpo__svg_raw(s, "</title></path>\n");
}

/* ---------------------------------------------------------------- scales */

static double nice_step(double span, int max_ticks)
{
    if (!(span > 0) || max_ticks < 1)
        return 1.0;
    double raw = span / max_ticks;
    double mag = pow(10.0, floor(log10(raw)));
    double f = raw / mag;
    double nf = f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 2.5 ? 2.5 : f <= 5.0 ? 5.0 : 10.0;
    return nf * mag;
}

void hpo__scale_numeric(hpo__scale *sc, double lo, double hi, int log, double r0, double r1)
{
    memset(sc, 0, sizeof *sc);
    sc->r0 = r0;
    sc->r1 = r1;
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0.0;
        hi = 1.0;
    }
    if (lo > hi) {
        double t = lo;
        lo = hi;
        hi = t;
    }
    if (log && lo > 0) {
        sc->kind = HPO__SCALE_LOG;
        if (hi <= lo) {
            lo /= 2.0;
            hi *= 2.0;
        }
    } else {
        sc->kind = HPO__SCALE_LINEAR;
        if (hi <= lo) {
            double d = fabs(lo) > 0 ? fabs(lo) * 0.1 : 1.0;
            lo -= d;
            hi += d;
        }
    }
    sc->d0 = lo;
    sc->d1 = hi;
}

void hpo__scale_fit(hpo__scale *sc, const double *v, size_t n, size_t stride, int log, double r0,
                    double r1)
{
    double lo = INFINITY, hi = -INFINITY;
    int all_pos = 1;
    if (stride == 0)
        stride = 1;
    for (size_t i = 0; i < n; i++) {
        double x = v[i * stride];
        if (!isfinite(x))
            continue;
        if (x < lo)
            lo = x;
        if (x > hi)
            hi = x;
        if (x <= 0)
            all_pos = 0;
    }
    if (lo > hi) {
        hpo__scale_numeric(sc, 0.0, 1.0, 0, r0, r1);
        return;
    }
    if (log && all_pos) {
        double a = log10(lo), b = log10(hi);
        double pad = b > a ? (b - a) * 0.04 : 0.1;
        hpo__scale_numeric(sc, pow(10.0, a - pad), pow(10.0, b + pad), 1, r0, r1);
    } else {
        double pad = hi > lo ? (hi - lo) * 0.04 : (fabs(lo) > 0 ? fabs(lo) * 0.1 : 1.0);
        hpo__scale_numeric(sc, lo - pad, hi + pad, 0, r0, r1);
    }
}

void hpo__scale_param(hpo__scale *sc, const hpo__snap_param *p, double r0, double r1)
{
    if (p->kind == HPO__SNAP_CATEGORICAL) {
        memset(sc, 0, sizeof *sc);
        sc->kind = HPO__SCALE_CATEGORY;
        sc->labels = (const char *const *)p->labels;
        sc->n_labels = p->n_labels;
        sc->d0 = 0;
        sc->d1 = p->n_labels ? (double)p->n_labels - 1 : 0;
        sc->r0 = r0;
        sc->r1 = r1;
        return;
    }
    double lo = p->low, hi = p->high;
    if (p->kind == HPO__SNAP_INT && !p->log) {
        lo -= 0.5;
        hi += 0.5;
    }
    hpo__scale_numeric(sc, lo, hi, p->log, r0, r1);
    sc->integer = p->kind == HPO__SNAP_INT;
}

double hpo__scale_map(const hpo__scale *sc, double v)
{
    if (isnan(v))
        return NAN;
    switch (sc->kind) {
    case HPO__SCALE_CATEGORY: {
        double n = sc->n_labels ? (double)sc->n_labels : 1.0;
        return sc->r0 + (v + 0.5) * (sc->r1 - sc->r0) / n;
    }
    case HPO__SCALE_LOG:
        if (v <= 0)
            return sc->r0;
        return sc->r0 +
               (log10(v) - log10(sc->d0)) / (log10(sc->d1) - log10(sc->d0)) * (sc->r1 - sc->r0);
    case HPO__SCALE_LINEAR:
    default:
        return sc->r0 + (v - sc->d0) / (sc->d1 - sc->d0) * (sc->r1 - sc->r0);
    }
}

double hpo__scale_invert(const hpo__scale *sc, double px)
{
    double t = (px - sc->r0) / (sc->r1 - sc->r0);
    switch (sc->kind) {
    case HPO__SCALE_CATEGORY:
        return t * (sc->n_labels ? (double)sc->n_labels : 1.0) - 0.5;
    case HPO__SCALE_LOG:
        return pow(10.0, log10(sc->d0) + t * (log10(sc->d1) - log10(sc->d0)));
    case HPO__SCALE_LINEAR:
    default:
        return sc->d0 + t * (sc->d1 - sc->d0);
    }
}

int hpo__scale_ticks(const hpo__scale *sc, int max, double *values, char (*labels)[32])
{
    int n = 0;
    if (max < 1)
        return 0;
    if (sc->kind == HPO__SCALE_CATEGORY) {
        size_t every =
            sc->n_labels > (size_t)max ? (sc->n_labels + (size_t)max - 1) / (size_t)max : 1;
        for (size_t k = 0; k < sc->n_labels && n < max; k += every) {
            values[n] = (double)k;
            snprintf(labels[n], 32, "%.31s", sc->labels[k]);
            n++;
        }
        return n;
    }
    if (sc->kind == HPO__SCALE_LOG) {
        int e0 = (int)ceil(log10(sc->d0) - 1e-9), e1 = (int)floor(log10(sc->d1) + 1e-9);
        int decades = e1 - e0 + 1;
        if (decades >= 2) {
            int every = (decades + max - 1) / max;
            for (int e = e0; e <= e1 && n < max; e += every) {
                values[n] = pow(10.0, e);
                hpo__fmt_num(labels[n], 32, values[n]);
                n++;
            }
            return n;
        }
        /* less than two decades: 1, 2, 5 multiples */
        static const double mult[] = {1, 2, 5};
        for (int e = e0 - 1; e <= e1 + 1; e++)
            for (int m = 0; m < 3; m++) {
                double v = mult[m] * pow(10.0, e);
                if (v >= sc->d0 * (1 - 1e-12) && v <= sc->d1 * (1 + 1e-12) && n < max) {
                    values[n] = v;
                    hpo__fmt_num(labels[n], 32, v);
                    n++;
                }
            }
        if (n >= 2)
            return n;
        n = 0; /* a narrow log range: fall through to linear ticks */
    }
    /* nice steps, finer until at least two ticks fit (a domain like 15.5 .. 1024.5) */
    for (int div = max > 1 ? max - 1 : 1; n < 2 && div <= 8 * max; div *= 2) {
        double step = nice_step(sc->d1 - sc->d0, div);
        if (sc->integer)
            step = step < 1.0 ? 1.0 : ceil(step);
        double first = ceil(sc->d0 / step - 1e-9) * step;
        n = 0;
        for (double v = first; v <= sc->d1 + step * 1e-9 && n < max; v += step) {
            double t = fabs(v) < step * 1e-9 ? 0.0 : v;
            values[n] = t;
            hpo__fmt_num(labels[n], 32, t);
            n++;
        }
        if (sc->integer && step == 1.0)
            break;
    }
    return n;
}

/* ---------------------------------------------------------------- axes */

void hpo__svg_axis(hpo__svg *s, const hpo__scale *sc, hpo__axis_side side, double pos,
                   const char *title)
{
    double tv[16];
    char tl[16][32];
    double span = fabs(sc->r1 - sc->r0);
    int max = side == HPO__AXIS_BOTTOM ? (int)(span / 60) : (int)(span / 35);
    if (sc->kind == HPO__SCALE_CATEGORY)
        max = side == HPO__AXIS_BOTTOM ? (int)(span / 36) : (int)(span / 14);
    if (max < 3)
        max = 3;
    if (max > 16)
        max = 16;
    int n = hpo__scale_ticks(sc, max, tv, tl);
    hpo__svg_raw(s, "<g class=\"axis\">\n");
    if (side == HPO__AXIS_BOTTOM) {
        hpo__svg_line(s, sc->r0, pos, sc->r1, pos, NULL);
        for (int k = 0; k < n; k++) {
            double x = hpo__scale_map(sc, tv[k]);
            hpo__svg_line(s, x, pos, x, pos + 4, NULL);
            hpo__svg_text(s, x, pos + 15, "middle", 0, "tick", tl[k]);
        }
        if (title)
            hpo__svg_text(s, (sc->r0 + sc->r1) / 2, pos + 31, "middle", 0, "axis-title", title);
    } else {
        hpo__svg_line(s, pos, sc->r0, pos, sc->r1, NULL);
        double widest = 0;
        for (int k = 0; k < n; k++) {
            double y = hpo__scale_map(sc, tv[k]);
            hpo__svg_line(s, pos - 4, y, pos, y, NULL);
            hpo__svg_text(s, pos - 6, y + 3.5, "end", 0, "tick", tl[k]);
            double w = 6.0 * (double)strlen(tl[k]);
            if (w > widest)
                widest = w;
        }
        if (title) {
            double x = pos - 12 - widest;
            double y = (sc->r0 + sc->r1) / 2;
            hpo__svg_text(s, x, y, "middle", -90, "axis-title", title);
        }
    }
    hpo__svg_raw(s, "</g>\n");
}

void hpo__svg_grid(hpo__svg *s, const hpo__scale *sc, hpo__axis_side side, double from, double to)
{
    double tv[16];
    char tl[16][32];
    double span = fabs(sc->r1 - sc->r0);
    int max = side == HPO__AXIS_BOTTOM ? (int)(span / 70) : (int)(span / 35);
    if (max < 2)
        max = 2;
    if (max > 16)
        max = 16;
    int n = hpo__scale_ticks(sc, max, tv, tl);
    for (int k = 0; k < n; k++) {
        double p = hpo__scale_map(sc, tv[k]);
        if (side == HPO__AXIS_BOTTOM)
            hpo__svg_line(s, p, from, p, to, "grid");
        else
            hpo__svg_line(s, from, p, to, p, "grid");
    }
}

void hpo__svg_panel_begin(hpo__svg *s, double x0, double y0, double x1, double y1)
{
    char a[32], b[32], c[32], d[32];
    coord(a, sizeof a, x0);
    coord(b, sizeof b, y0);
    coord(c, sizeof c, x1);
    coord(d, sizeof d, y1);
    hpo__svg_raw(
        s, "<g class=\"panel\" data-x0=\"%s\" data-y0=\"%s\" data-x1=\"%s\" data-y1=\"%s\">\n", a,
        b, c, d);
    hpo__svg_rect(s, x0, y0, x1 - x0, y1 - y0, "frame", NULL);
}

void hpo__svg_legend(hpo__svg *s, double x, double y, const char *fill, const char *label)
{
    hpo__svg_rect(s, x, y - 8, 10, 10, NULL, fill);
    hpo__svg_text(s, x + 14, y + 1, "start", 0, "legend", label);
}

void hpo__svg_colorbar(hpo__svg *s, const hpo__scale *sc, double x, double width, const char *title,
                       int low_is_best)
{
    const int steps = 32;
    double top = sc->r0 < sc->r1 ? sc->r0 : sc->r1;
    double h = fabs(sc->r1 - sc->r0) / steps;
    for (int k = 0; k < steps; k++) {
        char col[8];
        /* the value at the cell's centre, as a fraction of the domain */
        double v = hpo__scale_invert(sc, top + (k + 0.5) * h);
        double t = sc->d1 > sc->d0 ? (v - sc->d0) / (sc->d1 - sc->d0) : 0.5;
        hpo__color_ramp(low_is_best ? 1.0 - t : t, col);
        hpo__svg_rect(s, x, top + k * h, width, h + 0.3, "cell", col);
    }
    hpo__svg_rect(s, x, top, width, fabs(sc->r1 - sc->r0), "frame", NULL);
    double tv[8];
    char tl[8][32];
    int n = hpo__scale_ticks(sc, 6, tv, tl);
    for (int k = 0; k < n; k++) {
        double y = hpo__scale_map(sc, tv[k]);
        hpo__svg_line(s, x + width, y, x + width + 3, y, "grid");
        hpo__svg_text(s, x + width + 5, y + 3.5, "start", 0, "tick", tl[k]);
    }
    if (title)
        hpo__svg_text(s, x, top - 6, "start", 0, "axis-title", title);
}

/* ---------------------------------------------------------------- colours */

const char *hpo__color_state(hpo_trial_state st)
{
    switch (st) {
    case HPO_TRIAL_COMPLETE:
        return "#1f77b4";
    case HPO_TRIAL_PRUNED:
        return "#ff7f0e";
    case HPO_TRIAL_FAILED:
        return "#d62728";
    case HPO_TRIAL_RUNNING:
    default:
        return "#8c8c8c";
    }
}

/* Viridis at 9 stops, interpolated linearly. */
void hpo__color_ramp(double t, char out[8])
{
    static const unsigned char stops[9][3] = {{68, 1, 84},    {71, 44, 122},  {59, 81, 139},
                                              {44, 113, 142}, {33, 144, 141}, {39, 173, 129},
                                              {92, 200, 99},  {170, 220, 50}, {253, 231, 37}};
    if (!(t >= 0))
        t = 0;
    if (t > 1)
        t = 1;
    double f = t * 8.0;
    int k = (int)f;
    if (k >= 8)
        k = 7;
    double u = f - k;
    int c[3];
    for (int i = 0; i < 3; i++)
        c[i] = (int)lround(stops[k][i] + u * (stops[k + 1][i] - stops[k][i]));
    snprintf(out, 8, "#%02x%02x%02x", c[0] & 255, c[1] & 255, c[2] & 255);
}

const char *hpo__color_cat(size_t i)
{
    static const char *const cols[10] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                         "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    return cols[i % 10];
}
