/*
 * snapshot.c -- hpo_snapshot: a study flattened for plots (snapshot.h), from
 * a study in its storage or from a JSON export.
 *
 * Both loaders go through the same space parser (the JSON hpo_space_to_json
 * writes, which the export embeds as "space") and the same per-trial code, so
 * a study and its export give the same snapshot. Cost: O(trials x params)
 * time; memory is one row of doubles per trial plus the reports.
 */
#include "report/snapshot.h"

#include "util/util.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- helpers */

int hpo__snap_better(const hpo_snapshot *s, double a, double b)
{
    if (isnan(a))
        return 0;
    if (isnan(b))
        return 1;
    return s->direction == HPO_MAXIMIZE ? a > b : a < b;
}

long hpo__snap_param_index(const hpo_snapshot *s, const char *name)
{
    for (size_t j = 0; j < s->n_params; j++)
        if (strcmp(s->params[j].name, name) == 0)
            return (long)j;
    return -1;
}

int hpo__snap_select_params(const hpo_snapshot *s, const char *list, size_t max, size_t *idx,
                            size_t *n)
{
    *n = 0;
    if (!list || !*list) {
        for (size_t j = 0; j < s->n_params && *n < max; j++)
            idx[(*n)++] = j;
        return 0;
    }
    const char *p = list;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char name[256];
        while (len > 0 && (*p == ' ')) {
            p++;
            len--;
        }
        while (len > 0 && p[len - 1] == ' ')
            len--;
        if (len == 0 || len >= sizeof name)
            return hpo__err(HPO_EINVAL, "plot: bad parameter list '%s'", list);
        memcpy(name, p, len);
        name[len] = '\0';
        long j = hpo__snap_param_index(s, name);
        if (j < 0) {
            const char **names = hpo__calloc(s->n_params ? s->n_params : 1, sizeof *names);
            if (!names)
                return hpo__enomem();
            for (size_t k = 0; k < s->n_params; k++)
                names[k] = s->params[k].name;
            const char *sugg = hpo__suggest(name, names, s->n_params);
            int rc = sugg ? hpo__err(HPO_EINVAL,
                                     "plot: no parameter '%s' in the study (did you mean '%s'?)",
                                     name, sugg)
                          : hpo__err(HPO_EINVAL, "plot: no parameter '%s' in the study", name);
            hpo__free(names);
            return rc;
        }
        for (size_t k = 0; k < *n; k++)
            if (idx[k] == (size_t)j)
                return hpo__err(HPO_EINVAL, "plot: parameter '%s' listed twice", name);
        if (*n >= max)
            return hpo__err(HPO_EINVAL, "plot: at most %zu parameters for this plot", max);
        idx[(*n)++] = (size_t)j;
        p = comma ? comma + 1 : p + len;
    }
    return 0;
}

void hpo__snap_value_label(const hpo_snapshot *s, size_t j, double v, char *buf, size_t size)
{
    const hpo__snap_param *p = &s->params[j];
    if (isnan(v)) {
        snprintf(buf, size, "-");
        return;
    }
    if (p->kind == HPO__SNAP_CATEGORICAL) {
        size_t k = (size_t)v;
        snprintf(buf, size, "%s", k < p->n_labels ? p->labels[k] : "?");
    } else if (p->kind == HPO__SNAP_INT) {
        snprintf(buf, size, "%.0f", v);
    } else {
        snprintf(buf, size, "%.6g", v);
    }
}

double hpo__snap_unit(const hpo__snap_param *p, double v)
{
    if (p->kind == HPO__SNAP_CATEGORICAL)
        return isnan(v) ? 0.0 : v;
    double lo = p->low, hi = p->high;
    if (isnan(v))
        v = lo;
    if (p->log && lo > 0 && v > 0)
        return hi > lo ? (log10(v) - log10(lo)) / (log10(hi) - log10(lo)) : 0.5;
    return hi > lo ? (v - lo) / (hi - lo) : 0.5;
}

void hpo__snap_params_text(const hpo_snapshot *s, size_t i, char *buf, size_t size)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t j = 0; j < s->n_params && off + 1 < size; j++) {
        double v = s->x[i * s->n_params + j];
        if (isnan(v))
            continue;
        char val[128];
        hpo__snap_value_label(s, j, v, val, sizeof val);
        int w = snprintf(buf + off, size - off, "%s%s=%s", off ? " " : "", s->params[j].name, val);
        if (w < 0)
            break;
        off += (size_t)w;
    }
    if (off >= size && size > 4)
        memcpy(buf + size - 4, "...", 4);
}

/* ---------------------------------------------------------------- building */

typedef struct builder {
    hpo_snapshot *s;
    size_t cap_reports;
    /* worker names: open addressing over indices into s->workers */
    long *wtab;
    size_t wcap;
} builder;

static unsigned long long hash_str(const char *str)
{
    unsigned long long h = 1469598103934665603ULL;
    for (; *str; str++)
        h = (h ^ (unsigned char)*str) * 1099511628211ULL;
    return h;
}

static int worker_index(builder *bd, const char *name, int *out)
{
    hpo_snapshot *s = bd->s;
    *out = -1;
    if (!name || !*name)
        return 0;
    if ((s->n_workers + 1) * 2 > bd->wcap) {
        size_t ncap = bd->wcap ? bd->wcap * 2 : 64;
        long *tab = hpo__malloc(ncap * sizeof *tab);
        char **names = hpo__realloc(s->workers, (ncap / 2) * sizeof *names);
        if (!tab || !names) {
            hpo__free(tab);
            if (names)
                s->workers = names;
            return hpo__enomem();
        }
        s->workers = names;
        for (size_t k = 0; k < ncap; k++)
            tab[k] = -1;
        for (size_t w = 0; w < s->n_workers; w++) {
            size_t h = (size_t)(hash_str(s->workers[w]) & (ncap - 1));
            while (tab[h] >= 0)
                h = (h + 1) & (ncap - 1);
            tab[h] = (long)w;
        }
        hpo__free(bd->wtab);
        bd->wtab = tab;
        bd->wcap = ncap;
    }
    size_t h = (size_t)(hash_str(name) & (bd->wcap - 1));
    while (bd->wtab[h] >= 0) {
        if (strcmp(s->workers[bd->wtab[h]], name) == 0) {
            *out = (int)bd->wtab[h];
            return 0;
        }
        h = (h + 1) & (bd->wcap - 1);
    }
    char *copy = hpo__strdup(name);
    if (!copy)
        return hpo__enomem();
    s->workers[s->n_workers] = copy;
    bd->wtab[h] = (long)s->n_workers;
    *out = (int)s->n_workers++;
    return 0;
}

/* The text of a categorical choice or value, as labels are compared. */
static void json_label(const json_t *v, char *buf, size_t size)
{
    if (json_is_string(v))
        snprintf(buf, size, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        hpo__fmt_double(buf, size, json_real_value(v));
    else if (json_is_true(v))
        snprintf(buf, size, "true");
    else if (json_is_false(v))
        snprintf(buf, size, "false");
    else
        snprintf(buf, size, "null");
}

static int add_label(hpo__snap_param *p, const char *label, size_t *index)
{
    for (size_t k = 0; k < p->n_labels; k++)
        if (strcmp(p->labels[k], label) == 0) {
            *index = k;
            return 0;
        }
    char **labels = hpo__realloc(p->labels, (p->n_labels + 1) * sizeof *labels);
    if (!labels)
        return hpo__enomem();
    p->labels = labels;
    if (!(labels[p->n_labels] = hpo__strdup(label)))
        return hpo__enomem();
    *index = p->n_labels++;
    return 0;
}

static int to_categorical(hpo__snap_param *p)
{
    if (p->kind == HPO__SNAP_CATEGORICAL)
        return 0;
    p->kind = HPO__SNAP_CATEGORICAL;
    p->n_labels = 0;
    p->labels = NULL;
    return 0;
}

/* Parse the space JSON ({"subspaces": [[{name, type, ...}, ...], ...]}) into
 * the union of parameters. `where` names the source for messages. */
static int parse_space(hpo_snapshot *s, const json_t *space, const char *where)
{
    const json_t *subs = json_object_get(space, "subspaces");
    if (!json_is_array(subs))
        return hpo__err(HPO_ESPEC, "%s: \"space\" has no \"subspaces\" list", where);
    size_t si;
    const json_t *sub;
    json_array_foreach(subs, si, sub)
    {
        size_t pi;
        const json_t *pj;
        if (!json_is_array(sub))
            return hpo__err(HPO_ESPEC, "%s: space.subspaces[%zu] is not a list", where, si);
        json_array_foreach(sub, pi, pj)
        {
            const char *name = json_string_value(json_object_get(pj, "name"));
            const char *type = json_string_value(json_object_get(pj, "type"));
            if (!name || !type)
                return hpo__err(HPO_ESPEC, "%s: space.subspaces[%zu][%zu] needs a name and a type",
                                where, si, pi);
            hpo__snap_kind kind = strcmp(type, "float") == 0         ? HPO__SNAP_FLOAT
                                  : strcmp(type, "int") == 0         ? HPO__SNAP_INT
                                  : strcmp(type, "categorical") == 0 ? HPO__SNAP_CATEGORICAL
                                                                     : (hpo__snap_kind)0;
            if (!kind)
                return hpo__err(HPO_ESPEC, "%s: parameter '%s': unknown type '%s'", where, name,
                                type);
            long j = hpo__snap_param_index(s, name);
            hpo__snap_param *p;
            if (j < 0) {
                hpo__snap_param *np = hpo__realloc(s->params, (s->n_params + 1) * sizeof *np);
                if (!np)
                    return hpo__enomem();
                s->params = np;
                p = &np[s->n_params];
                memset(p, 0, sizeof *p);
                if (!(p->name = hpo__strdup(name)))
                    return hpo__enomem();
                s->n_params++;
                p->kind = kind;
                p->low = INFINITY;
                p->high = -INFINITY;
                p->log = 1;
            } else {
                p = &s->params[j];
                if (p->kind != kind &&
                    !(p->kind != HPO__SNAP_CATEGORICAL && kind != HPO__SNAP_CATEGORICAL)) {
                    to_categorical(p);
                    kind = HPO__SNAP_CATEGORICAL;
                } else if (p->kind == HPO__SNAP_INT && kind == HPO__SNAP_FLOAT) {
                    p->kind = HPO__SNAP_FLOAT;
                }
            }
            if (kind == HPO__SNAP_CATEGORICAL) {
                const json_t *choices = json_object_get(pj, "choices");
                size_t ci;
                const json_t *c;
                json_array_foreach(choices, ci, c)
                {
                    char label[256];
                    size_t k;
                    json_label(c, label, sizeof label);
                    int rc = add_label(p, label, &k);
                    if (rc != 0)
                        return rc;
                }
            } else if (p->kind != HPO__SNAP_CATEGORICAL) {
                double lo = json_number_value(json_object_get(pj, "low"));
                double hi = json_number_value(json_object_get(pj, "high"));
                if (lo < p->low)
                    p->low = lo;
                if (hi > p->high)
                    p->high = hi;
                if (!json_is_true(json_object_get(pj, "log")))
                    p->log = 0;
            }
        }
    }
    for (size_t j = 0; j < s->n_params; j++)
        if (s->params[j].kind == HPO__SNAP_CATEGORICAL)
            s->params[j].log = 0;
    return 0;
}

/* Set parameter `name` of trial i from a JSON value. Unknown names are
 * ignored (a study reopened with --force may hold older parameters). */
static int set_param(hpo_snapshot *s, size_t i, const char *name, const json_t *v)
{
    long j = hpo__snap_param_index(s, name);
    if (j < 0)
        return 0;
    hpo__snap_param *p = &s->params[j];
    double *dst = &s->x[i * s->n_params + (size_t)j];
    if (p->kind == HPO__SNAP_CATEGORICAL) {
        char label[256];
        size_t k;
        json_label(v, label, sizeof label);
        int rc = add_label(p, label, &k);
        if (rc != 0)
            return rc;
        *dst = (double)k;
    } else if (json_is_number(v)) {
        *dst = json_number_value(v);
    } else if (json_is_boolean(v)) {
        *dst = json_is_true(v) ? 1.0 : 0.0;
    }
    return 0;
}

static double jnum_or_nan(const json_t *v)
{
    return json_is_number(v) ? json_number_value(v) : (double)NAN;
}

static int parse_state(const char *text, hpo_trial_state *st)
{
    return text ? hpo_trial_state_from_string(text, st) : HPO_EINVAL;
}

/* Fill trial i from its export object. */
static int parse_trial(builder *bd, size_t i, const json_t *t, const char *where)
{
    hpo_snapshot *s = bd->s;
    hpo__snap_trial *tr = &s->trials[i];
    const json_t *num = json_object_get(t, "number");
    if (!json_is_integer(num))
        return hpo__err(HPO_ESPEC, "%s: trials[%zu]: \"number\" must be an integer", where, i);
    tr->number = (long long)json_integer_value(num);
    if (parse_state(json_string_value(json_object_get(t, "state")), &tr->state) != 0)
        return hpo__err(HPO_ESPEC,
                        "%s: trials[%zu]: \"state\" must be one of running, "
                        "complete, pruned, failed",
                        where, i);
    tr->value =
        tr->state == HPO_TRIAL_COMPLETE ? jnum_or_nan(json_object_get(t, "value")) : (double)NAN;
    tr->start = jnum_or_nan(json_object_get(t, "start_time"));
    tr->end = jnum_or_nan(json_object_get(t, "end_time"));
    tr->budget = jnum_or_nan(json_object_get(t, "budget"));
    const json_t *rung = json_object_get(t, "rung");
    tr->rung = json_is_integer(rung) ? (int)json_integer_value(rung) : -1;
    const json_t *br = json_object_get(t, "bracket");
    tr->bracket = json_is_integer(br) ? (int)json_integer_value(br) : -1;
    const json_t *parent = json_object_get(t, "parent");
    tr->parent = json_is_integer(parent) ? (long long)json_integer_value(parent) : -1;
    int rc = worker_index(bd, json_string_value(json_object_get(t, "worker")), &tr->worker);
    if (rc != 0)
        return rc;
    json_t *params = json_object_get(t, "params");
    const char *key;
    const json_t *v;
    json_object_foreach(params, key, v)
    {
        if ((rc = set_param(s, i, key, v)) != 0)
            return rc;
    }
    const json_t *reports = json_object_get(t, "reports");
    tr->report_off = s->n_reports;
    tr->n_reports = 0;
    size_t ri;
    const json_t *pair;
    json_array_foreach(reports, ri, pair)
    {
        const json_t *st = json_array_get(pair, 0), *rv = json_array_get(pair, 1);
        if (!json_is_integer(st))
            return hpo__err(HPO_ESPEC, "%s: trials[%zu].reports[%zu]: expected [step, value]",
                            where, i, ri);
        if (s->n_reports == bd->cap_reports) {
            size_t ncap = bd->cap_reports ? bd->cap_reports * 2 : 256;
            long long *steps = hpo__realloc(s->steps, ncap * sizeof *steps);
            if (!steps)
                return hpo__enomem();
            s->steps = steps;
            double *vals = hpo__realloc(s->report_values, ncap * sizeof *vals);
            if (!vals)
                return hpo__enomem();
            s->report_values = vals;
            bd->cap_reports = ncap;
        }
        s->steps[s->n_reports] = (long long)json_integer_value(st);
        s->report_values[s->n_reports] = jnum_or_nan(rv);
        s->n_reports++;
        tr->n_reports++;
    }
    return 0;
}

static int alloc_trials(hpo_snapshot *s, size_t n)
{
    s->n_trials = n;
    s->trials = hpo__calloc(n ? n : 1, sizeof *s->trials);
    size_t cells = n * (s->n_params ? s->n_params : 1);
    s->x = hpo__malloc((cells ? cells : 1) * sizeof *s->x);
    if (!s->trials || !s->x)
        return hpo__enomem();
    for (size_t k = 0; k < cells; k++)
        s->x[k] = NAN;
    return 0;
}

/* Counts, best trial, t0. */
static void finish(hpo_snapshot *s)
{
    s->best = -1;
    s->t0 = NAN;
    for (size_t i = 0; i < s->n_trials; i++) {
        const hpo__snap_trial *t = &s->trials[i];
        if ((unsigned)t->state < 4)
            s->counts[t->state]++;
        if (t->state == HPO_TRIAL_COMPLETE &&
            (s->best < 0 || hpo__snap_better(s, t->value, s->trials[s->best].value)))
            s->best = (long)i;
        if (!isnan(t->start) && (isnan(s->t0) || t->start < s->t0))
            s->t0 = t->start;
    }
}

static int set_header(hpo_snapshot *s, const char *study, const char *direction,
                      const char *sampler, const char *scheduler, long long n_trials,
                      const char *where)
{
    if (!study)
        return hpo__err(HPO_ESPEC, "%s: missing \"study\"", where);
    if (direction && strcmp(direction, "maximize") != 0 && strcmp(direction, "minimize") != 0)
        return hpo__err(HPO_ESPEC, "%s: \"direction\" must be maximize or minimize", where);
    s->direction = direction && strcmp(direction, "maximize") == 0 ? HPO_MAXIMIZE : HPO_MINIMIZE;
    s->n_trials_target = n_trials;
    if (!(s->study = hpo__strdup(study)) || !(s->sampler = hpo__strdup(sampler ? sampler : "")) ||
        !(s->scheduler = hpo__strdup(scheduler ? scheduler : "")))
        return hpo__enomem();
    return 0;
}

void hpo_snapshot_destroy(hpo_snapshot *s)
{
    if (!s)
        return;
    hpo__free(s->study);
    hpo__free(s->sampler);
    hpo__free(s->scheduler);
    for (size_t j = 0; j < s->n_params; j++) {
        hpo__free(s->params[j].name);
        for (size_t k = 0; k < s->params[j].n_labels; k++)
            hpo__free(s->params[j].labels[k]);
        hpo__free(s->params[j].labels);
    }
    hpo__free(s->params);
    hpo__free(s->trials);
    hpo__free(s->x);
    hpo__free(s->steps);
    hpo__free(s->report_values);
    for (size_t w = 0; w < s->n_workers; w++)
        hpo__free(s->workers[w]);
    hpo__free(s->workers);
    hpo__free(s);
}

size_t hpo_snapshot_n_trials(const hpo_snapshot *snap)
{
    return snap ? snap->n_trials : 0;
}

/* ---------------------------------------------------------------- from JSON */

static int from_json(const json_t *root, const char *where, hpo_snapshot **out)
{
    hpo_snapshot *s = hpo__calloc(1, sizeof *s);
    builder bd = {.s = s};
    int rc;
    if (!s)
        return hpo__enomem();
    if (!json_is_object(root)) {
        rc = hpo__err(HPO_ESPEC, "%s: not a JSON export of a study (expected an object)", where);
        goto fail;
    }
    const json_t *trials = json_object_get(root, "trials");
    const json_t *space = json_object_get(root, "space");
    if (!json_is_array(trials)) {
        rc = hpo__err(HPO_ESPEC, "%s: missing \"trials\" list (not an hpo JSON export?)", where);
        goto fail;
    }
    if (!json_is_object(space)) {
        rc = hpo__err(HPO_ESPEC,
                      "%s: missing \"space\" (exported by an older hpo; export it again)", where);
        goto fail;
    }
    const json_t *nt = json_object_get(root, "n_trials");
    if ((rc = set_header(s, json_string_value(json_object_get(root, "study")),
                         json_string_value(json_object_get(root, "direction")),
                         json_string_value(json_object_get(root, "sampler")),
                         json_string_value(json_object_get(root, "scheduler")),
                         json_is_integer(nt) ? (long long)json_integer_value(nt) : 0, where)) !=
            0 ||
        (rc = parse_space(s, space, where)) != 0 ||
        (rc = alloc_trials(s, json_array_size(trials))) != 0)
        goto fail;
    for (size_t i = 0; i < s->n_trials; i++) {
        const json_t *t = json_array_get(trials, i);
        if (!json_is_object(t)) {
            rc = hpo__err(HPO_ESPEC, "%s: trials[%zu] is not an object", where, i);
            goto fail;
        }
        if ((rc = parse_trial(&bd, i, t, where)) != 0)
            goto fail;
    }
    finish(s);
    hpo__free(bd.wtab);
    *out = s;
    return 0;
fail:
    hpo__free(bd.wtab);
    hpo_snapshot_destroy(s);
    return rc;
}

int hpo__snapshot_from_json_text(const char *text, size_t len, const char *where,
                                 hpo_snapshot **out)
{
    *out = NULL;
    json_error_t e;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
    if (!root)
        return hpo__err(HPO_ESPEC, "%s:%d:%d: %s", where, e.line, e.column, e.text);
    int rc = from_json(root, where, out);
    json_decref(root);
    return rc;
}

int hpo_snapshot_from_json(const char *path, hpo_snapshot **out)
{
    if (!path || !out)
        return hpo__err(HPO_EINVAL, "hpo_snapshot_from_json: path and out are required");
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return hpo__err(HPO_EIO, "%s: cannot open: %s", path, strerror(errno));
    json_error_t e;
    json_t *root = json_loadf(fp, JSON_REJECT_DUPLICATES, &e);
    fclose(fp);
    if (!root)
        return hpo__err(HPO_ESPEC, "%s:%d:%d: %s", path, e.line, e.column, e.text);
    int rc = from_json(root, path, out);
    json_decref(root);
    return rc;
}

/* ---------------------------------------------------------------- from a study */

static json_t *value_json(const hpo_value *v)
{
    switch (v->type) {
    case HPO_VALUE_FLOAT:
        return json_real(v->u.f);
    case HPO_VALUE_INT:
        return json_integer((json_int_t)v->u.i);
    case HPO_VALUE_STRING:
        return json_string(v->u.s ? v->u.s : "");
    case HPO_VALUE_BOOL:
        return json_boolean(v->u.b);
    }
    return json_null();
}

static int trial_from_handle(builder *bd, size_t i, const hpo_trial *t)
{
    hpo_snapshot *s = bd->s;
    hpo__snap_trial *tr = &s->trials[i];
    tr->number = hpo_trial_number(t);
    tr->state = hpo_trial_get_state(t);
    tr->value = tr->state == HPO_TRIAL_COMPLETE ? hpo_trial_value(t) : (double)NAN;
    tr->start = hpo_trial_start_time(t);
    double end = hpo_trial_end_time(t);
    tr->end = end > 0 ? end : (double)NAN;
    tr->rung = hpo_trial_rung(t);
    tr->bracket = tr->rung >= 0 ? hpo_trial_bracket(t) : -1;
    tr->budget = tr->rung >= 0 ? hpo_trial_budget(t) : (double)NAN;
    tr->parent = tr->rung >= 0 ? hpo_trial_parent(t) : -1;
    int rc = worker_index(bd, hpo_trial_worker(t), &tr->worker);
    if (rc != 0)
        return rc;
    for (size_t k = 0; k < hpo_trial_param_count(t); k++) {
        hpo_value v;
        const char *name = hpo_trial_param_name(t, k);
        if (!name || hpo_trial_param_at(t, k, &v) != 0)
            continue;
        long j = hpo__snap_param_index(s, name);
        if (j < 0)
            continue;
        double *dst = &s->x[i * s->n_params + (size_t)j];
        if (s->params[j].kind == HPO__SNAP_CATEGORICAL) {
            json_t *jv = value_json(&v);
            if (!jv)
                return hpo__enomem();
            rc = set_param(s, i, name, jv);
            json_decref(jv);
            if (rc != 0)
                return rc;
        } else if (v.type == HPO_VALUE_FLOAT) {
            *dst = v.u.f;
        } else if (v.type == HPO_VALUE_INT) {
            *dst = (double)v.u.i;
        } else if (v.type == HPO_VALUE_BOOL) {
            *dst = v.u.b ? 1.0 : 0.0;
        }
    }
    size_t nr = hpo_trial_report_count(t);
    tr->report_off = s->n_reports;
    tr->n_reports = 0;
    for (size_t r = 0; r < nr; r++) {
        long long step;
        double value;
        if (hpo_trial_report_at(t, r, &step, &value) != 0)
            continue;
        s->steps[s->n_reports] = step;
        s->report_values[s->n_reports] = value;
        s->n_reports++;
        tr->n_reports++;
    }
    return 0;
}

int hpo_snapshot_from_study(hpo_study *study, hpo_snapshot **out)
{
    if (!study || !out)
        return hpo__err(HPO_EINVAL, "hpo_snapshot_from_study: study and out are required");
    *out = NULL;
    hpo_snapshot *s = hpo__calloc(1, sizeof *s);
    builder bd = {.s = s};
    hpo_trial **trials = NULL;
    size_t n = 0;
    char *space_text = NULL;
    json_t *space = NULL;
    int rc;
    if (!s)
        return hpo__enomem();
    if ((rc = set_header(s, hpo_study_name(study),
                         hpo_study_direction(study) == HPO_MAXIMIZE ? "maximize" : "minimize",
                         hpo_study_sampler(study), hpo_study_scheduler(study),
                         hpo_study_n_trials(study), "study")) != 0)
        goto done;
    if ((rc = hpo_space_to_json(hpo_study_space(study), &space_text)) != 0)
        goto done;
    json_error_t e;
    if (!(space = json_loads(space_text, 0, &e))) {
        rc = hpo__enomem();
        goto done;
    }
    if ((rc = parse_space(s, space, hpo_study_name(study))) != 0)
        goto done;
    if ((rc = hpo_study_trials(study, &trials, &n)) != 0 || (rc = alloc_trials(s, n)) != 0)
        goto done;
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += hpo_trial_report_count(trials[i]);
    s->steps = hpo__malloc((total ? total : 1) * sizeof *s->steps);
    s->report_values = hpo__malloc((total ? total : 1) * sizeof *s->report_values);
    if (!s->steps || !s->report_values) {
        rc = hpo__enomem();
        goto done;
    }
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = trial_from_handle(&bd, i, trials[i]);
    if (rc == 0)
        finish(s);
done:
    hpo_trial_list_free(trials, n);
    hpo_free(space_text);
    json_decref(space);
    hpo__free(bd.wtab);
    if (rc != 0) {
        hpo_snapshot_destroy(s);
        return rc;
    }
    *out = s;
    return 0;
}
