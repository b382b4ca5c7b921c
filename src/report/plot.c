/*
 * plot.c -- hpo_plot(), hpo_plot_kinds(), hpo_plot_applies(): the table of
 * plot kinds (plot.h) and the wrapping every kind shares (option checks, the
 * HTML page around an SVG, the text form).
 */
#include "report/plot.h"

#include "util/util.h"

#include <math.h>
#include <string.h>

static const hpo__plot_kind kinds[] = {
    {"history", "Optimization history", hpo__plot_history, hpo__plot_needs_complete,
     hpo__plot_history_text},
};

#define N_KINDS (sizeof kinds / sizeof kinds[0])

/* The names in the table's order (a unit test checks they agree). */
static const char *const kind_names[] = {"history", NULL};

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
