/*
 * svg.h -- the one SVG writer behind every plot (hpo plot, hpo report, the
 * dashboard): a document buffer, scales (linear, log, categorical) with nice
 * ticks, axes, marks, a colour ramp and the state colours.
 *
 * Output is deterministic: coordinates are written with one decimal
 * ("%.1f"), numbers in labels with %.4g-style formatting; nothing depends on
 * time, locale or addresses. All text is XML-escaped by the writer.
 *
 * Conventions the report's script relies on (src/report/report.c):
 *   - the root <svg> has class "hpo-plot" and data-kind="<kind>";
 *   - a mark that stands for one trial carries data-t="<number>" and a
 *     <title> child (the browser's tooltip, also the report's);
 *   - the plot area of a panel is <g class="panel" data-x0 data-x1 data-y0
 *     data-y1> (pixels);
 *   - parallel coordinates: each line <path class="pc-line" data-t data-v="a,b,...">
 *     with data-v the line's y in pixels on each axis; each axis <g class="pc-axis"
 *     data-i="k" data-x="px" data-y0="top" data-y1="bottom">.
 * A style sheet is embedded in the document (classes below), so a standalone
 * .svg looks the same as in the report.
 *
 * Errors: a failed allocation is remembered (svg->err) and reported by
 * hpo__svg_finish; callers do not check each call.
 */
#ifndef HPO_REPORT_SVG_H
#define HPO_REPORT_SVG_H

#include "report/snapshot.h"
#include "util/util.h"

#include <stdarg.h>
#include <stddef.h>

typedef struct hpo__svg {
    hpo__buf b;
    int width, height;
    int err;    /* first error, 0 */
    int pen_up; /* path state between path_begin and path_end */
    size_t path_n;
} hpo__svg;

/* Start a document of the given size with the embedded style sheet, a white
 * background, the title at the top (escaped) and an optional subtitle below it
 * (NULL for none). */
void hpo__svg_begin(hpo__svg *s, const char *kind, int width, int height, const char *title,
                    const char *subtitle);
/* Close the document and take it: 0 and *out (hpo__free), or the first error. */
int hpo__svg_finish(hpo__svg *s, char **out, size_t *len);
/* Release a document abandoned after an error. */
void hpo__svg_discard(hpo__svg *s);

/* Raw markup (not escaped): the caller writes tags. */
void hpo__svg_raw(hpo__svg *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Escaped text content (for <title>, <text>, attribute values). */
void hpo__svg_esc(hpo__svg *s, const char *text);

/* Marks. `cls` is a class name from the style sheet (or NULL); `fill` a colour
 * ("#1f77b4") or NULL for the class's. Coordinates in pixels. */
void hpo__svg_line(hpo__svg *s, double x1, double y1, double x2, double y2, const char *cls);
void hpo__svg_rect(hpo__svg *s, double x, double y, double w, double h, const char *cls,
                   const char *fill);
/* Text at (x, y); anchor "start", "middle" or "end"; rotate in degrees (0 for none). */
void hpo__svg_text(hpo__svg *s, double x, double y, const char *anchor, double rotate,
                   const char *cls, const char *text);

/* A mark for one trial: a circle of radius r with data-t and a <title> tooltip
 * (`tip`, escaped). */
void hpo__svg_point(hpo__svg *s, double x, double y, double r, const char *cls, const char *fill,
                    long long trial, const char *tip);

/* Polylines: path_begin, then path_to for each vertex (the first is a move),
 * then path_end. NaN coordinates break the line (the next vertex is a move).
 * `attrs` is extra raw attribute text (data-t=..., or NULL). */
void hpo__svg_path_begin(hpo__svg *s, const char *cls, const char *stroke, const char *attrs);
void hpo__svg_path_to(hpo__svg *s, double x, double y);
void hpo__svg_path_end(hpo__svg *s);
/* End the path with a <title> tooltip child (escaped). */
void hpo__svg_path_end_tip(hpo__svg *s, const char *tip);

/* ---- scales */

typedef enum hpo__scale_kind {
    HPO__SCALE_LINEAR = 0,
    HPO__SCALE_LOG = 1,
    HPO__SCALE_CATEGORY = 2
} hpo__scale_kind;

typedef struct hpo__scale {
    hpo__scale_kind kind;
    double d0, d1;             /* domain (values; for CATEGORY 0 .. n-1) */
    double r0, r1;             /* range (pixels); r1 < r0 for a y axis */
    const char *const *labels; /* CATEGORY: borrowed labels */
    size_t n_labels;
    int integer; /* ticks only at integers */
} hpo__scale;

/* Linear or log scale over [lo, hi] (widened to a nice, non-empty interval;
 * a log scale needs lo > 0 and falls back to linear otherwise). */
void hpo__scale_numeric(hpo__scale *sc, double lo, double hi, int log, double r0, double r1);
/* A scale fitted to the finite values of v (stride `stride` doubles apart),
 * with 4% padding; log when `log` and all values > 0. */
void hpo__scale_fit(hpo__scale *sc, const double *v, size_t n, size_t stride, int log, double r0,
                    double r1);
/* The scale of a snapshot parameter: its declared bounds (log when declared
 * log), or its labels in the user's order (band centres). */
void hpo__scale_param(hpo__scale *sc, const hpo__snap_param *p, double r0, double r1);
/* Map a value to pixels (NaN for NaN; outside the domain extrapolates). */
double hpo__scale_map(const hpo__scale *sc, double v);
/* Inverse of map (value at pixel px). */
double hpo__scale_invert(const hpo__scale *sc, double px);
/* Up to `max` nice ticks inside the domain: values and their labels
 * (labels[k] of 32 bytes). Returns the count. */
int hpo__scale_ticks(const hpo__scale *sc, int max, double *values, char (*labels)[32]);

/* ---- axes and frames */

typedef enum hpo__axis_side { HPO__AXIS_BOTTOM = 0, HPO__AXIS_LEFT = 1 } hpo__axis_side;

/* An axis line with ticks and tick labels along `sc` at pixel `pos` (the y of a
 * bottom axis, the x of a left axis), and an axis title (NULL for none). */
void hpo__svg_axis(hpo__svg *s, const hpo__scale *sc, hpo__axis_side side, double pos,
                   const char *title);
/* Light grid lines at the ticks of `sc` across [from, to] (pixels of the other axis). */
void hpo__svg_grid(hpo__svg *s, const hpo__scale *sc, hpo__axis_side side, double from, double to);

/* Open a panel group <g class="panel" data-x0 .. data-y1> and draw its frame;
 * close it with hpo__svg_raw(s, "</g>"). */
void hpo__svg_panel_begin(hpo__svg *s, double x0, double y0, double x1, double y1);

/* A legend entry (swatch + label) at (x, y). */
void hpo__svg_legend(hpo__svg *s, double x, double y, const char *fill, const char *label);

/* A colour bar for the ramp over scale `sc` (vertical, at x, from sc->r0 to
 * sc->r1): the ramp's yellow end at the domain's high end, or at its low end
 * when `low_is_best` (a minimized objective). Log scales are coloured by
 * value, as the marks are. */
void hpo__svg_colorbar(hpo__svg *s, const hpo__scale *sc, double x, double width, const char *title,
                       int low_is_best);

/* ---- colours */

/* Fill colour of a trial state: complete blue, pruned orange, failed red,
 * running grey. */
const char *hpo__color_state(hpo_trial_state st);
/* The best trial's mark colour and the best-so-far line's. */
#define HPO__COLOR_BEST "#d62728"
/* Sequential ramp (viridis-like, 0 dark purple .. 1 yellow) into out ("#rrggbb"). */
void hpo__color_ramp(double t, char out[8]);
/* Category colours (10, cycled). */
const char *hpo__color_cat(size_t i);

/* ---- numbers */

/* A value for labels and tooltips: %.4g, "-" for NaN, "inf". */
void hpo__fmt_num(char *buf, size_t size, double v);

#endif
