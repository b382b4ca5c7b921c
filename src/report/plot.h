/*
 * plot.h -- the plot kinds behind hpo_plot(): one function per kind, a table
 * of them (plot.c), and the limits every kind honours at scale.
 *
 * A kind draws a complete SVG document into `s` (hpo__svg_begin .. the marks;
 * the dispatcher calls hpo__svg_finish). It reads only the snapshot and the
 * options, so the same inputs give the same bytes. It returns 0, or an error
 * (HPO_EINVAL with a message, HPO_ENOMEM); on error the dispatcher discards
 * the document.
 *
 * Scale: a kind never writes more than HPO__PLOT_MAX_MARKS per-trial marks.
 * Above that it bins (a density of small rectangles coloured by count or by
 * best value) or decimates (keeps the best trials, the trials that improved
 * the best, and an even subsample of the rest), and says so in its subtitle
 * ("100000 trials, binned"). Exact quantities stay exact: the best-so-far
 * line has one vertex per improvement.
 */
#ifndef HPO_REPORT_PLOT_H
#define HPO_REPORT_PLOT_H

#include "report/snapshot.h"
#include "report/svg.h"

#define HPO__PLOT_MAX_MARKS 4000
/* Parameters shown by default in the many-panel kinds. */
#define HPO__PLOT_MAX_PARAMS 8

typedef int (*hpo__plot_fn)(const hpo_snapshot *snap, const hpo_plot_options *opts, hpo__svg *s);
/* Does the kind apply to the snapshot? 1, or 0 with *why set (static text). */
typedef int (*hpo__plot_applies_fn)(const hpo_snapshot *snap, const char **why);
/* A terminal rendering (HPO_PLOT_TEXT), or NULL when the kind has none. */
typedef int (*hpo__plot_text_fn)(const hpo_snapshot *snap, const hpo_plot_options *opts,
                                 hpo__buf *out);

typedef struct hpo__plot_kind {
    const char *name;
    const char *title; /* "Optimization history" */
    hpo__plot_fn draw;
    hpo__plot_applies_fn applies;
    hpo__plot_text_fn text;
} hpo__plot_kind;

const hpo__plot_kind *hpo__plot_find(const char *name);

/* The kinds (each in its own file under src/report/). */
int hpo__plot_history(const hpo_snapshot *snap, const hpo_plot_options *o, hpo__svg *s);
int hpo__plot_history_text(const hpo_snapshot *snap, const hpo_plot_options *o, hpo__buf *out);
int hpo__plot_parallel(const hpo_snapshot *snap, const hpo_plot_options *o, hpo__svg *s);
int hpo__plot_slice(const hpo_snapshot *snap, const hpo_plot_options *o, hpo__svg *s);
int hpo__plot_contour(const hpo_snapshot *snap, const hpo_plot_options *o, hpo__svg *s);
int hpo__plot_dependence(const hpo_snapshot *snap, const hpo_plot_options *o, hpo__svg *s);
int hpo__plot_evaluations(const hpo_snapshot *snap, const hpo_plot_options *o, hpo__svg *s);
int hpo__plot_importance(const hpo_snapshot *snap, const hpo_plot_options *o, hpo__svg *s);
int hpo__plot_importance_applies(const hpo_snapshot *snap, const char **why);
int hpo__plot_importance_text(const hpo_snapshot *snap, const hpo_plot_options *o, hpo__buf *out);
int hpo__plot_intermediate(const hpo_snapshot *snap, const hpo_plot_options *o, hpo__svg *s);
int hpo__plot_intermediate_applies(const hpo_snapshot *snap, const char **why);
int hpo__plot_rungs(const hpo_snapshot *snap, const hpo_plot_options *o, hpo__svg *s);
int hpo__plot_rungs_applies(const hpo_snapshot *snap, const char **why);
int hpo__plot_timeline(const hpo_snapshot *snap, const hpo_plot_options *o, hpo__svg *s);
int hpo__plot_edf(const hpo_snapshot *snap, const hpo_plot_options *o, hpo__svg *s);

/* A trial's tooltip: "#12 · 0.9533 · C=1 gamma=0.001" (value "-" when none,
 * the state when not complete). */
void hpo__plot_tip(const hpo_snapshot *snap, size_t i, char *buf, size_t size);

/* Indices of the trials to draw as marks when there are more than `cap`
 * candidates (those with keep(i) true): the best `cap/10` complete ones by
 * value, then an even stride over the rest, in trial order. Returns the count
 * (<= cap) and sets *decimated when some were left out. `idx` holds cap. */
size_t hpo__plot_decimate(const hpo_snapshot *snap, int (*keep)(const hpo_snapshot *, size_t),
                          size_t cap, size_t *idx, int *decimated);

/* Sort trial indices by value: best first, or worst first when `worst_first`;
 * trials without a value last either way; ties by index. */
int hpo__sort_by_value(const hpo_snapshot *snap, size_t *idx, size_t n, int worst_first);

/* A density of 4-pixel cells over a panel, for the kinds that bin at scale:
 * add points in pixels, then draw the cells coloured by count (log scale on
 * the ramp). init returns HPO_ENOMEM on failure. */
#define HPO__DENSITY_CELL 4.0
typedef struct hpo__density {
    double x0, y0;
    size_t nx, ny;
    unsigned *count;
    unsigned max;
} hpo__density;
int hpo__density_init(hpo__density *d, double x0, double y0, double x1, double y1);
void hpo__density_add(hpo__density *d, double px, double py);
void hpo__density_draw(const hpo__density *d, hpo__svg *svg);
void hpo__density_free(hpo__density *d);

/* The best trial as a red point on a pair panel (parameters px, py), when
 * both are active. */
void hpo__plot_best_pair(const hpo_snapshot *snap, hpo__svg *svg, size_t px, size_t py,
                         const hpo__scale *xs, const hpo__scale *ys, double r);

/* Shared applicability tests. */
int hpo__plot_needs_complete(const hpo_snapshot *snap, const char **why); /* >= 1 complete */
int hpo__plot_needs_params(const hpo_snapshot *snap, const char **why);   /* >= 1 param too */
int hpo__plot_needs_two_params(const hpo_snapshot *snap, const char **why);

/* Importances by fANOVA (importance.c): for each parameter of the snapshot, its
 * share of the variance of a random forest fitted to the complete trials
 * (seeded); imp[j] sums to 1 over parameters with any variance. Used by the
 * importance plot, its text form and the report's summary. */
int hpo__importance(const hpo_snapshot *snap, unsigned long long seed, double *imp);

#endif
