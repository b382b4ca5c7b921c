/*
 * space.c -- search spaces: parameters, sub-spaces, conditions, grids, the
 * canonical JSON form and diffs.
 *
 * Reference behaviour: scikit-learn's ParameterGrid (sorted keys, last key
 * fastest, sub-spaces concatenated) and ParameterSampler / scipy.stats
 * distributions (uniform, loguniform, randint, uniform choice).
 *
 * Invariants: names are unique and non-empty within a sub-space; every
 * sub-space keeps `sorted`, its parameter indices in strcmp order, up to date
 * on every add (so a space never needs resolving to be walked in order);
 * conditions are parsed when set and their parents bound by hpo__space_resolve.
 *
 * Canonical JSON (hpo_space_to_json, hpo__space_from_json), compact, keys in
 * this order, every field present, parameters in the user's order:
 *   {"subspaces":[[P, P, ...], [P, ...]]}
 *   P float       {"name":"C","type":"float","low":0.001,"high":1000.0,"log":true,
 *                  "grid_points":0,"when":null}
 *   P int         {"name":"n","type":"int","low":1,"high":9,"step":2,"log":false,
 *                  "grid_points":0,"when":"kernel == poly"}
 *   P categorical {"name":"kernel","type":"categorical","choices":["rbf",1,2.5,true],
 *                  "when":null}
 * Floats are written shortest-round-trip with ".0" when integral, so types read
 * back unchanged. The reader also accepts missing log/step/grid_points/when.
 *
 * Grid counting is O(product of value counts) only through conditional parents:
 * a sub-space without conditions is counted and indexed in O(parameters); one
 * with conditions is counted by a dynamic program over its condition forest and
 * indexed digit by digit with the same program (O(params * values * values)).
 */
#include "core/space.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GRID_POINTS 10000000u

/* ------------------------------------------------------------ lifecycle */

static void cond_clear(hpo__cond *c)
{
    hpo__free(c->parent_name);
    for (size_t i = 0; i < c->n_values; i++)
        hpo__value_free(&c->values[i]);
    hpo__free(c->values);
    memset(c, 0, sizeof *c);
    c->parent = -1;
}

static void param_clear(hpo__param *p)
{
    hpo__free(p->name);
    for (size_t i = 0; i < p->n_choices; i++)
        hpo__value_free(&p->choices[i]);
    hpo__free(p->choices);
    hpo__free(p->when);
    cond_clear(&p->cond);
}

static void sub_clear(hpo__subspace *s)
{
    for (size_t i = 0; i < s->n; i++)
        param_clear(&s->params[i]);
    hpo__free(s->params);
    hpo__free(s->sorted);
    memset(s, 0, sizeof *s);
}

void hpo_space_destroy(hpo_space *space)
{
    if (!space)
        return;
    for (size_t i = 0; i < space->n_subs; i++)
        sub_clear(&space->subs[i]);
    hpo__free(space->subs);
    hpo__free(space);
}

static int space_push_sub(hpo_space *sp)
{
    if (sp->n_subs == sp->cap_subs) {
        size_t cap = sp->cap_subs ? sp->cap_subs * 2 : 2;
        hpo__subspace *subs = hpo__realloc(sp->subs, cap * sizeof *subs);
        if (!subs)
            return hpo__enomem();
        sp->subs = subs;
        sp->cap_subs = cap;
    }
    memset(&sp->subs[sp->n_subs++], 0, sizeof(hpo__subspace));
    return 0;
}

int hpo_space_create(hpo_space **out)
{
    if (!out)
        return hpo__err(HPO_EINVAL, "hpo_space_create: out is NULL");
    hpo_space *sp = hpo__calloc(1, sizeof *sp);
    if (!sp)
        return hpo__enomem();
    if (space_push_sub(sp) != 0) {
        hpo__free(sp);
        return hpo__enomem();
    }
    *out = sp;
    return 0;
}

int hpo_space_add_subspace(hpo_space *space)
{
    if (!space)
        return hpo__err(HPO_EINVAL, "hpo_space_add_subspace: space is NULL");
    if (space->subs[space->n_subs - 1].n == 0)
        return hpo__err(HPO_EINVAL,
                        "sub-space %zu is empty: add parameters before starting "
                        "another sub-space",
                        space->n_subs);
    space->resolved = 0;
    return space_push_sub(space);
}

static long sub_find(const hpo__subspace *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->params[i].name, name) == 0)
            return (long)i;
    return -1;
}

/* Append *p (taking ownership of its allocations on success) to the current
 * sub-space, keeping `sorted` in name order. */
static int space_append(hpo_space *sp, hpo__param *p)
{
    hpo__subspace *s = &sp->subs[sp->n_subs - 1];
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        hpo__param *params = hpo__realloc(s->params, cap * sizeof *params);
        if (!params)
            return hpo__enomem();
        s->params = params;
        size_t *sorted = hpo__realloc(s->sorted, cap * sizeof *sorted);
        if (!sorted)
            return hpo__enomem();
        s->sorted = sorted;
        s->cap = cap;
    }
    size_t idx = s->n;
    s->params[idx] = *p;
    size_t pos = idx;
    while (pos > 0 && strcmp(s->params[s->sorted[pos - 1]].name, p->name) > 0) {
        s->sorted[pos] = s->sorted[pos - 1];
        pos--;
    }
    s->sorted[pos] = idx;
    s->n++;
    sp->resolved = 0;
    return 0;
}

static int check_name(const hpo_space *sp, const char *name)
{
    if (!sp)
        return hpo__err(HPO_EINVAL, "space is NULL");
    if (!name || !*name)
        return hpo__err(HPO_EINVAL, "parameter name is empty");
    if (sub_find(&sp->subs[sp->n_subs - 1], name) >= 0)
        return hpo__err(HPO_EINVAL, "duplicate parameter '%s'", name);
    return 0;
}

static void param_init(hpo__param *p)
{
    memset(p, 0, sizeof *p);
    p->cond.parent = -1;
    p->step = 1;
}

int hpo_space_add_float(hpo_space *space, const char *name, double low, double high, int log)
{
    int rc = check_name(space, name);
    if (rc)
        return rc;
    if (!isfinite(low) || !isfinite(high))
        return hpo__err(HPO_EINVAL, "parameter '%s': bounds must be finite", name);
    if (low > high)
        return hpo__err(HPO_EINVAL, "parameter '%s': low (%g) is greater than high (%g)", name, low,
                        high);
    if (log && low <= 0)
        return hpo__err(HPO_EINVAL, "parameter '%s': a log scale needs low > 0 (got %g)", name,
                        low);
    hpo__param p;
    param_init(&p);
    p.kind = HPO__PARAM_FLOAT;
    p.low = low;
    p.high = high;
    p.log = !!log;
    p.name = hpo__strdup(name);
    if (!p.name)
        return hpo__enomem();
    if ((rc = space_append(space, &p)) != 0)
        param_clear(&p);
    return rc;
}

int hpo_space_add_int(hpo_space *space, const char *name, long long low, long long high,
                      long long step, int log)
{
    int rc = check_name(space, name);
    if (rc)
        return rc;
    if (low > high)
        return hpo__err(HPO_EINVAL, "parameter '%s': low (%lld) is greater than high (%lld)", name,
                        low, high);
    if (step < 1)
        return hpo__err(HPO_EINVAL, "parameter '%s': step must be >= 1 (got %lld)", name, step);
    if (log && low < 1)
        return hpo__err(HPO_EINVAL, "parameter '%s': a log scale needs low >= 1 (got %lld)", name,
                        low);
    if (log && step != 1)
        return hpo__err(HPO_EINVAL, "parameter '%s': a log scale needs step 1 (got %lld)", name,
                        step);
    hpo__param p;
    param_init(&p);
    p.kind = HPO__PARAM_INT;
    p.ilow = low;
    p.ihigh = high;
    p.step = step;
    p.log = !!log;
    p.low = (double)low;
    p.high = (double)high;
    p.name = hpo__strdup(name);
    if (!p.name)
        return hpo__enomem();
    if ((rc = space_append(space, &p)) != 0)
        param_clear(&p);
    return rc;
}

int hpo_space_add_categorical(hpo_space *space, const char *name, const hpo_value *choices,
                              size_t n)
{
    int rc = check_name(space, name);
    if (rc)
        return rc;
    if (!choices || n == 0)
        return hpo__err(HPO_EINVAL, "parameter '%s': the list of values is empty", name);
    for (size_t i = 0; i < n; i++) {
        if (choices[i].type == HPO_VALUE_FLOAT && !isfinite(choices[i].u.f))
            return hpo__err(HPO_EINVAL, "parameter '%s': value %zu is not finite", name, i + 1);
        if (choices[i].type == HPO_VALUE_STRING && !choices[i].u.s)
            return hpo__err(HPO_EINVAL, "parameter '%s': value %zu is a NULL string", name, i + 1);
        if (choices[i].type < HPO_VALUE_FLOAT || choices[i].type > HPO_VALUE_BOOL)
            return hpo__err(HPO_EINVAL, "parameter '%s': value %zu has an unknown type", name,
                            i + 1);
        for (size_t j = 0; j < i; j++) {
            if (hpo__value_equal(&choices[i], &choices[j])) {
                hpo__buf b = HPO__BUF_INIT;
                char *txt = NULL;
                hpo__value_to_text(&b, &choices[i]);
                if (hpo__buf_take(&b, &txt) != 0)
                    return hpo__enomem();
                hpo__err(HPO_EINVAL, "parameter '%s': duplicate value '%s'", name, txt);
                hpo__free(txt);
                return HPO_EINVAL;
            }
        }
    }
    hpo__param p;
    param_init(&p);
    p.kind = HPO__PARAM_CATEGORICAL;
    p.name = hpo__strdup(name);
    p.choices = hpo__calloc(n, sizeof *p.choices);
    if (!p.name || !p.choices) {
        param_clear(&p);
        return hpo__enomem();
    }
    for (size_t i = 0; i < n; i++) {
        if ((rc = hpo__value_copy(&p.choices[i], &choices[i])) != 0) {
            param_clear(&p);
            return rc;
        }
        p.n_choices = i + 1;
    }
    if ((rc = space_append(space, &p)) != 0)
        param_clear(&p);
    return rc;
}

static hpo__param *current_param(hpo_space *sp, const char *name)
{
    long i = sub_find(&sp->subs[sp->n_subs - 1], name);
    return i < 0 ? NULL : &sp->subs[sp->n_subs - 1].params[i];
}

int hpo_space_set_grid_points(hpo_space *space, const char *name, size_t n)
{
    if (!space || !name)
        return hpo__err(HPO_EINVAL, "hpo_space_set_grid_points: space and name are required");
    hpo__param *p = current_param(space, name);
    if (!p)
        return hpo__err(HPO_EINVAL, "no parameter '%s' in the current sub-space", name);
    if (p->kind == HPO__PARAM_CATEGORICAL)
        return hpo__err(HPO_EINVAL,
                        "parameter '%s': grid_points applies to float and int ranges, not lists",
                        name);
    if (n < 1 || n > MAX_GRID_POINTS)
        return hpo__err(HPO_EINVAL, "parameter '%s': grid_points must be in [1, %u] (got %zu)",
                        name, MAX_GRID_POINTS, n);
    p->grid_points = n;
    space->resolved = 0;
    return 0;
}

/* ------------------------------------------------------------ conditions */

static const char *skip_ws(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* A YAML-like scalar from s[0..len): quoted string, true/false, int, float,
 * else a bare string. */
static int parse_scalar(const char *s, size_t len, hpo_value *out)
{
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0)
        return HPO_EINVAL;
    char *txt;
    if (len >= 2 && (s[0] == '\'' || s[0] == '"') && s[len - 1] == s[0]) {
        txt = hpo__strndup(s + 1, len - 2);
        if (!txt)
            return hpo__enomem();
        out->type = HPO_VALUE_STRING;
        out->u.s = txt;
        return 0;
    }
    txt = hpo__strndup(s, len);
    if (!txt)
        return hpo__enomem();
    long long ll;
    double d;
    if (!strcmp(txt, "true") || !strcmp(txt, "True") || !strcmp(txt, "TRUE")) {
        out->type = HPO_VALUE_BOOL;
        out->u.b = 1;
    } else if (!strcmp(txt, "false") || !strcmp(txt, "False") || !strcmp(txt, "FALSE")) {
        out->type = HPO_VALUE_BOOL;
        out->u.b = 0;
    } else if (hpo__parse_ll(txt, &ll) == 0) {
        out->type = HPO_VALUE_INT;
        out->u.i = ll;
    } else if (hpo__parse_double(txt, &d) == 0 && isfinite(d)) {
        out->type = HPO_VALUE_FLOAT;
        out->u.f = d;
    } else {
        out->type = HPO_VALUE_STRING;
        out->u.s = txt;
        return 0;
    }
    hpo__free(txt);
    return 0;
}

static int cond_add_value(hpo__cond *c, const char *s, size_t len)
{
    hpo_value v;
    int rc = parse_scalar(s, len, &v);
    if (rc)
        return rc;
    hpo_value *vals = hpo__realloc(c->values, (c->n_values + 1) * sizeof *vals);
    if (!vals) {
        hpo__value_free(&v);
        return hpo__enomem();
    }
    c->values = vals;
    c->values[c->n_values++] = v;
    return 0;
}

/* Parse "<p> == <v>", "<p> != <v>", "<p> in [<v>, ...]" into *c. */
static int cond_parse(const char *when, hpo__cond *c)
{
    memset(c, 0, sizeof *c);
    c->parent = -1;
    const char *s = skip_ws(when);
    const char *name_end = s;
    while (*name_end && *name_end != ' ' && *name_end != '\t' && *name_end != '=' &&
           *name_end != '!' && *name_end != '[')
        name_end++;
    if (name_end == s)
        return HPO_EINVAL;
    int rc = HPO_EINVAL;
    c->parent_name = hpo__strndup(s, (size_t)(name_end - s));
    if (!c->parent_name)
        return hpo__enomem();
    s = skip_ws(name_end);
    if (s[0] == '=' && s[1] == '=') {
        rc = cond_add_value(c, s + 2, strlen(s + 2));
    } else if (s[0] == '!' && s[1] == '=') {
        c->negate = 1;
        rc = cond_add_value(c, s + 2, strlen(s + 2));
    } else if (s[0] == 'i' && s[1] == 'n' && (s[2] == ' ' || s[2] == '\t' || s[2] == '[')) {
        s = skip_ws(s + 2);
        size_t len = strlen(s);
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (len < 2 || s[0] != '[' || s[len - 1] != ']')
            return HPO_EINVAL;
        const char *p = s + 1, *end = s + len - 1, *start = p;
        char quote = 0;
        for (; p <= end; p++) {
            if (quote) {
                if (*p == quote)
                    quote = 0;
                continue;
            }
            if (p < end && (*p == '\'' || *p == '"')) {
                quote = *p;
                continue;
            }
            if (p == end || *p == ',') {
                if ((rc = cond_add_value(c, start, (size_t)(p - start))) != 0)
                    return rc;
                start = p + 1;
            }
        }
        if (quote)
            return HPO_EINVAL;
    }
    return rc;
}

int hpo_space_set_condition(hpo_space *space, const char *name, const char *when)
{
    if (!space || !name || !when)
        return hpo__err(HPO_EINVAL, "hpo_space_set_condition: space, name and when are required");
    hpo__param *p = current_param(space, name);
    if (!p)
        return hpo__err(HPO_EINVAL, "no parameter '%s' in the current sub-space", name);
    hpo__cond c;
    char *copy = hpo__strdup(when);
    if (!copy)
        return hpo__enomem();
    int rc = cond_parse(when, &c);
    if (rc) {
        cond_clear(&c);
        hpo__free(copy);
        if (rc == HPO_ENOMEM)
            return hpo__enomem();
        return hpo__err(HPO_EINVAL,
                        "parameter '%s': cannot parse condition '%s' (expected '<param> == "
                        "<value>', '<param> != <value>' or '<param> in [<value>, ...]')",
                        name, when);
    }
    cond_clear(&p->cond);
    hpo__free(p->when);
    p->cond = c;
    p->when = copy;
    space->resolved = 0;
    return 0;
}

static int loose_equal(const hpo_value *a, const hpo_value *b)
{
    if (a->type == HPO_VALUE_INT && b->type == HPO_VALUE_FLOAT)
        return (double)a->u.i == b->u.f;
    if (a->type == HPO_VALUE_FLOAT && b->type == HPO_VALUE_INT)
        return a->u.f == (double)b->u.i;
    return hpo__value_equal(a, b);
}

int hpo__cond_holds(const hpo__cond *c, const hpo_value *parent_value)
{
    int match = 0;
    for (size_t i = 0; i < c->n_values && !match; i++)
        match = loose_equal(&c->values[i], parent_value);
    return c->negate ? !match : match;
}

int hpo__space_resolve(hpo_space *space)
{
    if (!space)
        return hpo__err(HPO_EINVAL, "hpo__space_resolve: space is NULL");
    for (size_t si = 0; si < space->n_subs; si++) {
        hpo__subspace *s = &space->subs[si];
        if (s->n == 0 && space->n_subs > 1)
            return hpo__err(HPO_EINVAL, "sub-space %zu has no parameters", si + 1);
        for (size_t i = 0; i < s->n; i++) {
            hpo__param *p = &s->params[i];
            if (!p->when)
                continue;
            long parent = sub_find(s, p->cond.parent_name);
            if (parent < 0)
                return hpo__err(HPO_EINVAL,
                                "parameter '%s': condition '%s' names an unknown parameter '%s'",
                                p->name, p->when, p->cond.parent_name);
            if (s->params[parent].kind == HPO__PARAM_FLOAT)
                return hpo__err(HPO_EINVAL,
                                "parameter '%s': condition parent '%s' is a float range; it must "
                                "be a list, an int or a bool",
                                p->name, p->cond.parent_name);
            p->cond.parent = parent;
        }
        /* Each parameter has at most one parent: a chain longer than n loops. */
        for (size_t i = 0; i < s->n; i++) {
            long cur = (long)i;
            size_t steps = 0;
            while (cur >= 0 && s->params[cur].when) {
                cur = s->params[cur].cond.parent;
                if (++steps > s->n || cur == (long)i)
                    return hpo__err(HPO_EINVAL,
                                    "parameter '%s': its condition '%s' depends on itself "
                                    "(a cycle of conditions)",
                                    s->params[i].name, s->params[i].when);
            }
        }
    }
    space->resolved = 1;
    return 0;
}

/* ------------------------------------------------------------ values */

static unsigned long long lattice_count(const hpo__param *p)
{
    return ((unsigned long long)p->ihigh - (unsigned long long)p->ilow) /
               (unsigned long long)p->step +
           1;
}

/* numpy.linspace / numpy.geomspace(low, high, n)[i], same expression order. */
static double grid_x(const hpo__param *p, double low, double high, size_t i)
{
    size_t n = p->grid_points;
    if (n <= 1 || i == 0)
        return low;
    if (i == n - 1)
        return high;
    if (p->log) {
        double l0 = log10(low), l1 = log10(high);
        return pow(10.0, (double)i * ((l1 - l0) / (double)(n - 1)) + l0);
    }
    return (double)i * ((high - low) / (double)(n - 1)) + low;
}

/* Walk the de-duplicated lattice points of an int with grid_points; returns
 * their number and stores the want-th in *found (when want < count). */
static unsigned long long int_points(const hpo__param *p, unsigned long long want, long long *found)
{
    unsigned long long m = lattice_count(p), count = 0;
    long long prev = 0;
    for (size_t i = 0; i < p->grid_points; i++) {
        double x = grid_x(p, (double)p->ilow, (double)p->ihigh, i);
        double kd = floor((x - (double)p->ilow) / (double)p->step + 0.5);
        unsigned long long k = kd <= 0 ? 0 : (unsigned long long)kd;
        if (k > m - 1)
            k = m - 1;
        long long v = (long long)((unsigned long long)p->ilow + k * (unsigned long long)p->step);
        if (count > 0 && v == prev)
            continue;
        if (count == want && found)
            *found = v;
        prev = v;
        count++;
    }
    return count;
}

int hpo__param_grid_count(const hpo__param *p, unsigned long long *out)
{
    switch (p->kind) {
    case HPO__PARAM_CATEGORICAL:
        *out = p->n_choices;
        return 0;
    case HPO__PARAM_INT:
        *out = p->grid_points ? int_points(p, (unsigned long long)-1, NULL) : lattice_count(p);
        return 0;
    case HPO__PARAM_FLOAT:
        if (!p->grid_points)
            return hpo__err(HPO_EINVAL,
                            "parameter '%s' is a float range; the grid sampler needs a list of "
                            "values or grid_points",
                            p->name);
        *out = p->grid_points;
        return 0;
    }
    return hpo__err(HPO_EINVAL, "parameter '%s' has an unknown kind", p->name);
}

int hpo__param_grid_value(const hpo__param *p, unsigned long long i, hpo_value *out)
{
    unsigned long long n = 0;
    int rc = hpo__param_grid_count(p, &n);
    if (rc)
        return rc;
    if (i >= n)
        return hpo__err(HPO_EINVAL, "parameter '%s': grid index %llu out of range", p->name, i);
    switch (p->kind) {
    case HPO__PARAM_CATEGORICAL:
        *out = p->choices[i];
        return 0;
    case HPO__PARAM_INT:
        out->type = HPO_VALUE_INT;
        if (p->grid_points)
            int_points(p, i, &out->u.i);
        else
            out->u.i = (long long)((unsigned long long)p->ilow + i * (unsigned long long)p->step);
        return 0;
    case HPO__PARAM_FLOAT:
        out->type = HPO_VALUE_FLOAT;
        out->u.f = grid_x(p, p->low, p->high, (size_t)i);
        return 0;
    }
    return HPO_EINVAL;
}

static long long int_clamp(const hpo__param *p, double x)
{
    if (x <= (double)p->ilow)
        return p->ilow;
    unsigned long long m = lattice_count(p);
    double kd = floor((x - (double)p->ilow) / (double)p->step);
    unsigned long long k = kd >= (double)(m - 1) ? m - 1 : (unsigned long long)kd;
    return (long long)((unsigned long long)p->ilow + k * (unsigned long long)p->step);
}

void hpo__param_from_unit(const hpo__param *p, double u, hpo_value *out)
{
    if (!(u >= 0))
        u = 0;
    if (u >= 1)
        u = 0x1.fffffffffffffp-1;
    switch (p->kind) {
    case HPO__PARAM_FLOAT: {
        double x = p->log ? exp(log(p->low) + u * (log(p->high) - log(p->low)))
                          : p->low + u * (p->high - p->low);
        out->type = HPO_VALUE_FLOAT;
        out->u.f = x < p->low ? p->low : x > p->high ? p->high : x;
        return;
    }
    case HPO__PARAM_INT: {
        out->type = HPO_VALUE_INT;
        if (p->log) {
            double lo = log((double)p->ilow), hi = log((double)p->ihigh + 1.0);
            out->u.i = int_clamp(p, floor(exp(lo + u * (hi - lo))));
        } else {
            unsigned long long m = lattice_count(p);
            double kd = floor(u * (double)m);
            unsigned long long k = kd >= (double)(m - 1) ? m - 1 : (unsigned long long)kd;
            out->u.i = (long long)((unsigned long long)p->ilow + k * (unsigned long long)p->step);
        }
        return;
    }
    case HPO__PARAM_CATEGORICAL: {
        size_t k = (size_t)(u * (double)p->n_choices);
        *out = p->choices[k >= p->n_choices ? p->n_choices - 1 : k];
        return;
    }
    }
}

void hpo__param_sample(const hpo__param *p, hpo__rng *rng, hpo_value *out)
{
    switch (p->kind) {
    case HPO__PARAM_FLOAT: {
        double u = hpo__rng_uniform(rng);
        double x = p->log ? exp(log(p->low) + u * (log(p->high) - log(p->low)))
                          : p->low + u * (p->high - p->low);
        out->type = HPO_VALUE_FLOAT;
        out->u.f = x < p->low ? p->low : x > p->high ? p->high : x;
        return;
    }
    case HPO__PARAM_INT:
        out->type = HPO_VALUE_INT;
        if (p->log) {
            /* log-uniform on [low - 0.5, high + 0.5], rounded to the lattice */
            double lo = log((double)p->ilow - 0.5), hi = log((double)p->ihigh + 0.5);
            double x = exp(lo + hpo__rng_uniform(rng) * (hi - lo));
            out->u.i = int_clamp(p, floor(x + 0.5));
        } else {
            uint64_t k = hpo__rng_below(rng, lattice_count(p));
            out->u.i = (long long)((unsigned long long)p->ilow + k * (unsigned long long)p->step);
        }
        return;
    case HPO__PARAM_CATEGORICAL:
        *out = p->choices[hpo__rng_below(rng, p->n_choices)];
        return;
    }
}

/* ------------------------------------------------------------ building params */

/* 1 active, 0 inactive; state: 0 unknown, 1 active, 2 inactive, 3 visiting. */
static int active_of(const hpo__subspace *sub, const hpo_value *vals, unsigned char *state,
                     size_t i)
{
    if (state[i] == 1 || state[i] == 2)
        return state[i] == 1;
    const hpo__param *p = &sub->params[i];
    int act = 1;
    if (p->when) {
        long par = p->cond.parent;
        if (par < 0 || state[par] == 3)
            act = 0;
        else {
            state[i] = 3;
            act = active_of(sub, vals, state, (size_t)par) && hpo__cond_holds(&p->cond, &vals[par]);
        }
    }
    state[i] = act ? 1 : 2;
    return act;
}

int hpo__subspace_build(const hpo__subspace *sub, const hpo_value *vals, hpo__params *out)
{
    for (size_t i = 0; i < sub->n; i++)
        if (sub->params[i].when && sub->params[i].cond.parent < 0)
            return hpo__err(HPO_EINVAL, "parameter '%s': condition not resolved",
                            sub->params[i].name);
    unsigned char *state = hpo__calloc(sub->n ? sub->n : 1, 1);
    if (!state)
        return hpo__enomem();
    hpo__params tmp = HPO__PARAMS_INIT;
    int rc = 0;
    for (size_t i = 0; i < sub->n; i++) {
        if (!active_of(sub, vals, state, i))
            continue;
        if ((rc = hpo__params_add(&tmp, sub->params[i].name, &vals[i])) != 0)
            goto done;
    }
done:
    hpo__free(state);
    if (rc) {
        hpo__params_free(&tmp);
        return rc;
    }
    *out = tmp;
    return 0;
}

/* ------------------------------------------------------------ the grid */

typedef struct grid_sub {
    const hpo__subspace *sub;
    unsigned long long *count; /* grid values per parameter (sub order) */
    long long **ipts;          /* de-duplicated points of ints with grid_points */
    int has_cond;
    unsigned long long total;
} grid_sub;

struct hpo__grid {
    grid_sub *subs;
    size_t n;
    unsigned long long total;
};

static void gvalue(const grid_sub *gs, size_t i, unsigned long long w, hpo_value *out)
{
    if (gs->ipts[i]) {
        out->type = HPO_VALUE_INT;
        out->u.i = gs->ipts[i][w];
        return;
    }
    hpo__param_grid_value(&gs->sub->params[i], w, out);
}

static int mul_ok(unsigned long long a, unsigned long long b, unsigned long long *r)
{
    return !__builtin_mul_overflow(a, b, r);
}

/* z: an inactive subtree contributes 1 when all its members may sit at 0. */
static unsigned long long dp_zero(const grid_sub *gs, const long long *fixed, size_t c)
{
    if (fixed[c] > 0)
        return 0;
    const hpo__subspace *s = gs->sub;
    for (size_t e = 0; e < s->n; e++)
        if (s->params[e].when && s->params[e].cond.parent == (long)c && !dp_zero(gs, fixed, e))
            return 0;
    return 1;
}

/* g: configurations of the subtree rooted at i with i active; -1 on overflow
 * is reported through *ovf. */
static unsigned long long dp_count(const grid_sub *gs, const long long *fixed, size_t i, int *ovf)
{
    const hpo__subspace *s = gs->sub;
    unsigned long long lo = 0, hi = gs->count[i], sum = 0;
    if (fixed[i] >= 0) {
        lo = (unsigned long long)fixed[i];
        hi = lo + 1;
    }
    int has_children = 0;
    for (size_t c = 0; c < s->n; c++)
        if (s->params[c].when && s->params[c].cond.parent == (long)i)
            has_children = 1;
    if (!has_children)
        return hi - lo;
    for (unsigned long long w = lo; w < hi; w++) {
        hpo_value v;
        gvalue(gs, i, w, &v);
        unsigned long long prod = 1;
        for (size_t c = 0; c < s->n && prod; c++) {
            if (!s->params[c].when || s->params[c].cond.parent != (long)i)
                continue;
            unsigned long long f = hpo__cond_holds(&s->params[c].cond, &v)
                                       ? dp_count(gs, fixed, c, ovf)
                                       : dp_zero(gs, fixed, c);
            if (!mul_ok(prod, f, &prod))
                *ovf = 1;
        }
        if (__builtin_add_overflow(sum, prod, &sum))
            *ovf = 1;
    }
    return sum;
}

static unsigned long long sub_count_fixed(const grid_sub *gs, const long long *fixed, int *ovf)
{
    const hpo__subspace *s = gs->sub;
    unsigned long long prod = 1;
    for (size_t i = 0; i < s->n && prod; i++) {
        if (s->params[i].when)
            continue;
        if (!mul_ok(prod, dp_count(gs, fixed, i, ovf), &prod))
            *ovf = 1;
    }
    return prod;
}

void hpo__grid_destroy(hpo__grid *g)
{
    if (!g)
        return;
    for (size_t k = 0; k < g->n; k++) {
        grid_sub *gs = &g->subs[k];
        if (gs->ipts)
            for (size_t i = 0; i < gs->sub->n; i++)
                hpo__free(gs->ipts[i]);
        hpo__free(gs->ipts);
        hpo__free(gs->count);
    }
    hpo__free(g->subs);
    hpo__free(g);
}

static int grid_sub_init(grid_sub *gs, const hpo__subspace *s)
{
    gs->sub = s;
    size_t n = s->n ? s->n : 1;
    gs->count = hpo__calloc(n, sizeof *gs->count);
    gs->ipts = hpo__calloc(n, sizeof *gs->ipts);
    if (!gs->count || !gs->ipts)
        return hpo__enomem();
    for (size_t k = 0; k < s->n; k++) {
        /* errors name the first float without grid points in sorted order */
        size_t i = s->sorted[k];
        const hpo__param *p = &s->params[i];
        int rc = hpo__param_grid_count(p, &gs->count[i]);
        if (rc)
            return rc;
        if (p->when)
            gs->has_cond = 1;
        if (p->kind == HPO__PARAM_INT && p->grid_points) {
            gs->ipts[i] = hpo__malloc(gs->count[i] * sizeof(long long));
            if (!gs->ipts[i])
                return hpo__enomem();
            for (unsigned long long w = 0; w < gs->count[i]; w++)
                int_points(p, w, &gs->ipts[i][w]);
        }
    }
    int ovf = 0;
    if (gs->has_cond) {
        long long *fixed = hpo__malloc(n * sizeof *fixed);
        if (!fixed)
            return hpo__enomem();
        for (size_t i = 0; i < n; i++)
            fixed[i] = -1;
        gs->total = sub_count_fixed(gs, fixed, &ovf);
        hpo__free(fixed);
    } else {
        gs->total = 1;
        for (size_t i = 0; i < s->n; i++)
            if (!mul_ok(gs->total, gs->count[i], &gs->total))
                ovf = 1;
    }
    if (ovf)
        return hpo__err(HPO_EINVAL, "the grid has more than 2^64 points");
    return 0;
}

int hpo__grid_create(const hpo_space *space, hpo__grid **out)
{
    if (!space || !out)
        return hpo__err(HPO_EINVAL, "hpo__grid_create: space and out are required");
    if (!space->resolved)
        return hpo__err(HPO_EINVAL, "hpo__grid_create: the space is not resolved");
    hpo__grid *g = hpo__calloc(1, sizeof *g);
    int rc = 0;
    if (!g)
        return hpo__enomem();
    g->subs = hpo__calloc(space->n_subs, sizeof *g->subs);
    if (!g->subs) {
        rc = hpo__enomem();
        goto fail;
    }
    for (size_t k = 0; k < space->n_subs; k++) {
        g->n = k + 1;
        if ((rc = grid_sub_init(&g->subs[k], &space->subs[k])) != 0)
            goto fail;
        if (__builtin_add_overflow(g->total, g->subs[k].total, &g->total) ||
            g->total > (unsigned long long)0x7fffffffffffffffLL) {
            rc = hpo__err(HPO_EINVAL, "the grid has more than 2^63 points");
            goto fail;
        }
    }
    *out = g;
    return 0;
fail:
    hpo__grid_destroy(g);
    return rc;
}

unsigned long long hpo__grid_size(const hpo__grid *g)
{
    return g ? g->total : 0;
}

int hpo__grid_point(const hpo__grid *g, unsigned long long idx, hpo__params *out)
{
    if (idx >= g->total)
        return hpo__err(HPO_EINVAL, "grid point %llu is past the grid's end (%llu points)", idx,
                        g->total);
    size_t k = 0;
    while (idx >= g->subs[k].total) {
        idx -= g->subs[k].total;
        k++;
    }
    const grid_sub *gs = &g->subs[k];
    const hpo__subspace *s = gs->sub;
    size_t n = s->n ? s->n : 1;
    int rc = 0;
    hpo_value *vals = hpo__calloc(n, sizeof *vals);
    long long *fixed = hpo__malloc(n * sizeof *fixed);
    if (!vals || !fixed) {
        rc = hpo__enomem();
        goto done;
    }
    if (!gs->has_cond) {
        /* ParameterGrid: the last sorted name varies fastest */
        for (size_t j = s->n; j-- > 0;) {
            size_t i = s->sorted[j];
            gvalue(gs, i, idx % gs->count[i], &vals[i]);
            idx /= gs->count[i];
        }
    } else {
        for (size_t i = 0; i < n; i++)
            fixed[i] = -1;
        for (size_t j = 0; j < s->n; j++) {
            size_t i = s->sorted[j];
            int ovf = 0;
            unsigned long long w = 0;
            for (; w < gs->count[i]; w++) {
                fixed[i] = (long long)w;
                unsigned long long cnt = sub_count_fixed(gs, fixed, &ovf);
                if (idx < cnt)
                    break;
                idx -= cnt;
            }
            if (w == gs->count[i]) {
                rc = hpo__err(HPO_EINVAL, "internal error: grid index not found");
                goto done;
            }
            gvalue(gs, i, w, &vals[i]);
        }
    }
    rc = hpo__subspace_build(s, vals, out);
done:
    hpo__free(vals);
    hpo__free(fixed);
    return rc;
}

int hpo_space_grid_size(const hpo_space *space, unsigned long long *out)
{
    if (!space || !out)
        return hpo__err(HPO_EINVAL, "hpo_space_grid_size: space and out are required");
    hpo_space *copy = NULL;
    hpo__grid *g = NULL;
    int rc = 0;
    if (!space->resolved) {
        if ((rc = hpo__space_copy(space, &copy)) != 0)
            goto done;
        if ((rc = hpo__space_resolve(copy)) != 0)
            goto done;
    }
    if ((rc = hpo__grid_create(copy ? copy : space, &g)) != 0)
        goto done;
    *out = g->total;
done:
    hpo__grid_destroy(g);
    hpo_space_destroy(copy);
    return rc;
}

/* ------------------------------------------------------------ queries, copy */

size_t hpo_space_param_count(const hpo_space *space)
{
    if (!space)
        return 0;
    size_t count = 0;
    for (size_t k = 0; k < space->n_subs; k++) {
        for (size_t i = 0; i < space->subs[k].n; i++) {
            const char *name = space->subs[k].params[i].name;
            int seen = 0;
            for (size_t k2 = 0; k2 < k && !seen; k2++)
                seen = sub_find(&space->subs[k2], name) >= 0;
            count += !seen;
        }
    }
    return count;
}

const hpo__param *hpo__space_find(const hpo_space *space, const char *name)
{
    if (!space || !name)
        return NULL;
    for (size_t k = 0; k < space->n_subs; k++) {
        long i = sub_find(&space->subs[k], name);
        if (i >= 0)
            return &space->subs[k].params[i];
    }
    return NULL;
}

static int param_copy(hpo__param *dst, const hpo__param *src)
{
    *dst = *src;
    dst->name = NULL;
    dst->choices = NULL;
    dst->n_choices = 0;
    dst->when = NULL;
    memset(&dst->cond, 0, sizeof dst->cond);
    dst->cond.parent = src->cond.parent;
    dst->cond.negate = src->cond.negate;
    dst->name = hpo__strdup(src->name);
    if (!dst->name)
        return hpo__enomem();
    if (src->n_choices) {
        dst->choices = hpo__calloc(src->n_choices, sizeof *dst->choices);
        if (!dst->choices)
            return hpo__enomem();
        for (size_t i = 0; i < src->n_choices; i++) {
            int rc = hpo__value_copy(&dst->choices[i], &src->choices[i]);
            if (rc)
                return rc;
            dst->n_choices = i + 1;
        }
    }
    if (src->when) {
        dst->when = hpo__strdup(src->when);
        dst->cond.parent_name = hpo__strdup(src->cond.parent_name);
        if (!dst->when || !dst->cond.parent_name)
            return hpo__enomem();
        dst->cond.values =
            hpo__calloc(src->cond.n_values ? src->cond.n_values : 1, sizeof(hpo_value));
        if (!dst->cond.values)
            return hpo__enomem();
        for (size_t i = 0; i < src->cond.n_values; i++) {
            int rc = hpo__value_copy(&dst->cond.values[i], &src->cond.values[i]);
            if (rc)
                return rc;
            dst->cond.n_values = i + 1;
        }
    }
    return 0;
}

int hpo__space_copy(const hpo_space *src, hpo_space **out)
{
    if (!src || !out)
        return hpo__err(HPO_EINVAL, "hpo__space_copy: src and out are required");
    hpo_space *sp = hpo__calloc(1, sizeof *sp);
    int rc = 0;
    if (!sp)
        return hpo__enomem();
    sp->subs = hpo__calloc(src->n_subs, sizeof *sp->subs);
    if (!sp->subs) {
        rc = hpo__enomem();
        goto fail;
    }
    sp->cap_subs = src->n_subs;
    for (size_t k = 0; k < src->n_subs; k++) {
        const hpo__subspace *s = &src->subs[k];
        hpo__subspace *d = &sp->subs[k];
        sp->n_subs = k + 1;
        size_t cap = s->n ? s->n : 1;
        d->params = hpo__calloc(cap, sizeof *d->params);
        d->sorted = hpo__calloc(cap, sizeof *d->sorted);
        if (!d->params || !d->sorted) {
            rc = hpo__enomem();
            goto fail;
        }
        d->cap = cap;
        if (s->n)
            memcpy(d->sorted, s->sorted, s->n * sizeof *d->sorted);
        for (size_t i = 0; i < s->n; i++) {
            d->n = i + 1;
            if ((rc = param_copy(&d->params[i], &s->params[i])) != 0)
                goto fail;
        }
    }
    sp->resolved = src->resolved;
    *out = sp;
    return 0;
fail:
    hpo_space_destroy(sp);
    return rc;
}

/* ------------------------------------------------------------ JSON, describe, diff */

static void put_double_json(hpo__buf *b, double v)
{
    hpo_value x = {.type = HPO_VALUE_FLOAT, .u.f = v};
    hpo__value_to_json(b, &x);
}

static void put_str_json(hpo__buf *b, const char *s)
{
    hpo_value x = {.type = HPO_VALUE_STRING, .u.s = s};
    hpo__value_to_json(b, &x);
}

static void param_json(hpo__buf *b, const hpo__param *p)
{
    hpo__buf_puts(b, "{\"name\":");
    put_str_json(b, p->name);
    switch (p->kind) {
    case HPO__PARAM_FLOAT:
        hpo__buf_puts(b, ",\"type\":\"float\",\"low\":");
        put_double_json(b, p->low);
        hpo__buf_puts(b, ",\"high\":");
        put_double_json(b, p->high);
        hpo__buf_printf(b, ",\"log\":%s,\"grid_points\":%zu", p->log ? "true" : "false",
                        p->grid_points);
        break;
    case HPO__PARAM_INT:
        hpo__buf_printf(b,
                        ",\"type\":\"int\",\"low\":%lld,\"high\":%lld,\"step\":%lld,\"log\":%s,"
                        "\"grid_points\":%zu",
                        p->ilow, p->ihigh, p->step, p->log ? "true" : "false", p->grid_points);
        break;
    case HPO__PARAM_CATEGORICAL:
        hpo__buf_puts(b, ",\"type\":\"categorical\",\"choices\":[");
        for (size_t i = 0; i < p->n_choices; i++) {
            if (i)
                hpo__buf_putc(b, ',');
            hpo__value_to_json(b, &p->choices[i]);
        }
        hpo__buf_putc(b, ']');
        break;
    }
    hpo__buf_puts(b, ",\"when\":");
    if (p->when)
        put_str_json(b, p->when);
    else
        hpo__buf_puts(b, "null");
    hpo__buf_putc(b, '}');
}

int hpo_space_to_json(const hpo_space *space, char **out)
{
    if (!space || !out)
        return hpo__err(HPO_EINVAL, "hpo_space_to_json: space and out are required");
    hpo__buf b = HPO__BUF_INIT;
    hpo__buf_puts(&b, "{\"subspaces\":[");
    for (size_t k = 0; k < space->n_subs; k++) {
        if (k)
            hpo__buf_putc(&b, ',');
        hpo__buf_putc(&b, '[');
        for (size_t i = 0; i < space->subs[k].n; i++) {
            if (i)
                hpo__buf_putc(&b, ',');
            param_json(&b, &space->subs[k].params[i]);
        }
        hpo__buf_putc(&b, ']');
    }
    hpo__buf_puts(&b, "]}");
    return hpo__buf_take(&b, out);
}

static int json_to_value(json_t *j, hpo_value *v)
{
    switch (json_typeof(j)) {
    case JSON_REAL:
        v->type = HPO_VALUE_FLOAT;
        v->u.f = json_real_value(j);
        return 0;
    case JSON_INTEGER:
        v->type = HPO_VALUE_INT;
        v->u.i = (long long)json_integer_value(j);
        return 0;
    case JSON_STRING:
        v->type = HPO_VALUE_STRING;
        v->u.s = json_string_value(j);
        return 0;
    case JSON_TRUE:
    case JSON_FALSE:
        v->type = HPO_VALUE_BOOL;
        v->u.b = json_is_true(j);
        return 0;
    default:
        return HPO_EINVAL;
    }
}

static int param_from_json(hpo_space *sp, json_t *jp, size_t k, size_t i)
{
    static const char *const known[] = {"name", "type",        "low",     "high", "step",
                                        "log",  "grid_points", "choices", "when", NULL};
    if (!json_is_object(jp))
        return hpo__err(HPO_EINVAL, "space JSON: sub-space %zu, parameter %zu: not an object",
                        k + 1, i + 1);
    const char *key;
    json_t *val;
    json_object_foreach(jp, key, val)
    {
        size_t q = 0;
        while (known[q] && strcmp(known[q], key) != 0)
            q++;
        if (!known[q]) {
            const char *s = hpo__suggest(key, known, 9);
            return hpo__err(HPO_EINVAL, "space JSON: parameter %zu: unknown key '%s'%s%s%s", i + 1,
                            key, s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
        }
    }
    json_t *jname = json_object_get(jp, "name"), *jtype = json_object_get(jp, "type");
    if (!json_is_string(jname) || !json_is_string(jtype))
        return hpo__err(HPO_EINVAL, "space JSON: parameter %zu needs a string name and type",
                        i + 1);
    const char *name = json_string_value(jname), *type = json_string_value(jtype);
    json_t *jlog = json_object_get(jp, "log"), *jgp = json_object_get(jp, "grid_points");
    json_t *jwhen = json_object_get(jp, "when"), *jlow = json_object_get(jp, "low");
    json_t *jhigh = json_object_get(jp, "high"), *jstep = json_object_get(jp, "step");
    if (jlog && !json_is_boolean(jlog))
        return hpo__err(HPO_EINVAL, "space JSON: parameter '%s': log must be true or false", name);
    if (jgp && !json_is_integer(jgp))
        return hpo__err(HPO_EINVAL, "space JSON: parameter '%s': grid_points must be an integer",
                        name);
    if (jwhen && !json_is_null(jwhen) && !json_is_string(jwhen))
        return hpo__err(HPO_EINVAL, "space JSON: parameter '%s': when must be a string or null",
                        name);
    int log = jlog && json_is_true(jlog);
    int rc;
    if (!strcmp(type, "float")) {
        if (!json_is_number(jlow) || !json_is_number(jhigh))
            return hpo__err(HPO_EINVAL, "space JSON: parameter '%s': low and high must be numbers",
                            name);
        rc = hpo_space_add_float(sp, name, json_number_value(jlow), json_number_value(jhigh), log);
    } else if (!strcmp(type, "int")) {
        if (!json_is_integer(jlow) || !json_is_integer(jhigh) || (jstep && !json_is_integer(jstep)))
            return hpo__err(HPO_EINVAL,
                            "space JSON: parameter '%s': low, high and step must be integers",
                            name);
        rc = hpo_space_add_int(sp, name, (long long)json_integer_value(jlow),
                               (long long)json_integer_value(jhigh),
                               jstep ? (long long)json_integer_value(jstep) : 1, log);
    } else if (!strcmp(type, "categorical")) {
        json_t *jc = json_object_get(jp, "choices");
        if (!json_is_array(jc) || json_array_size(jc) == 0)
            return hpo__err(HPO_EINVAL,
                            "space JSON: parameter '%s': choices must be a non-empty "
                            "array",
                            name);
        size_t n = json_array_size(jc);
        hpo_value *vals = hpo__calloc(n, sizeof *vals);
        if (!vals)
            return hpo__enomem();
        for (size_t q = 0; q < n; q++) {
            if (json_to_value(json_array_get(jc, q), &vals[q]) != 0) {
                hpo__free(vals);
                return hpo__err(HPO_EINVAL,
                                "space JSON: parameter '%s': choice %zu is not a number, string "
                                "or boolean",
                                name, q + 1);
            }
        }
        rc = hpo_space_add_categorical(sp, name, vals, n);
        hpo__free(vals);
    } else {
        return hpo__err(HPO_EINVAL,
                        "space JSON: parameter '%s': unknown type '%s' (expected float, int or "
                        "categorical)",
                        name, type);
    }
    if (rc)
        return rc;
    if (jgp && json_integer_value(jgp) != 0) {
        if (json_integer_value(jgp) < 0)
            return hpo__err(HPO_EINVAL, "space JSON: parameter '%s': grid_points must be >= 0",
                            name);
        if ((rc = hpo_space_set_grid_points(sp, name, (size_t)json_integer_value(jgp))) != 0)
            return rc;
    }
    if (jwhen && json_is_string(jwhen))
        return hpo_space_set_condition(sp, name, json_string_value(jwhen));
    return 0;
}

int hpo__space_from_json(const char *json, hpo_space **out)
{
    if (!json || !out)
        return hpo__err(HPO_EINVAL, "hpo__space_from_json: json and out are required");
    json_error_t jerr;
    hpo_space *sp = NULL;
    int rc = 0;
    json_t *root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return hpo__err(HPO_EINVAL, "space JSON: %s (line %d, column %d)", jerr.text, jerr.line,
                        jerr.column);
    json_t *subs = json_object_get(root, "subspaces");
    if (!json_is_array(subs) || json_array_size(subs) == 0) {
        rc = hpo__err(HPO_EINVAL, "space JSON: expected {\"subspaces\": [[...], ...]}");
        goto done;
    }
    if ((rc = hpo_space_create(&sp)) != 0)
        goto done;
    for (size_t k = 0; k < json_array_size(subs); k++) {
        json_t *js = json_array_get(subs, k);
        if (!json_is_array(js)) {
            rc = hpo__err(HPO_EINVAL, "space JSON: sub-space %zu is not an array", k + 1);
            goto done;
        }
        if (k && (rc = hpo_space_add_subspace(sp)) != 0)
            goto done;
        for (size_t i = 0; i < json_array_size(js); i++)
            if ((rc = param_from_json(sp, json_array_get(js, i), k, i)) != 0)
                goto done;
    }
done:
    json_decref(root);
    if (rc) {
        hpo_space_destroy(sp);
        return rc;
    }
    *out = sp;
    return 0;
}

int hpo__param_describe(const hpo__param *p, hpo__buf *b)
{
    switch (p->kind) {
    case HPO__PARAM_FLOAT: {
        hpo_value lo = {.type = HPO_VALUE_FLOAT, .u.f = p->low};
        hpo_value hi = {.type = HPO_VALUE_FLOAT, .u.f = p->high};
        hpo__buf_puts(b, "float [");
        hpo__value_to_text(b, &lo);
        hpo__buf_puts(b, ", ");
        hpo__value_to_text(b, &hi);
        hpo__buf_putc(b, ']');
        break;
    }
    case HPO__PARAM_INT:
        hpo__buf_printf(b, "int [%lld, %lld]", p->ilow, p->ihigh);
        if (p->step != 1)
            hpo__buf_printf(b, " step %lld", p->step);
        break;
    case HPO__PARAM_CATEGORICAL:
        hpo__buf_puts(b, "categorical [");
        for (size_t i = 0; i < p->n_choices; i++) {
            if (i)
                hpo__buf_puts(b, ", ");
            hpo__value_to_json(b, &p->choices[i]);
        }
        hpo__buf_putc(b, ']');
        break;
    }
    if (p->log)
        hpo__buf_puts(b, " log");
    if (p->grid_points)
        hpo__buf_printf(b, " grid_points %zu", p->grid_points);
    if (p->when)
        hpo__buf_printf(b, " when %s", p->when);
    return b->oom ? HPO_ENOMEM : 0;
}

static void diff_line(hpo__buf *b, char sign, size_t k, int multi, const hpo__param *p)
{
    hpo__buf_printf(b, "    %c ", sign);
    if (multi)
        hpo__buf_printf(b, "[%zu] ", k + 1);
    hpo__buf_printf(b, "%s: ", p->name);
    hpo__param_describe(p, b);
    hpo__buf_putc(b, '\n');
}

int hpo__space_diff(const hpo_space *a, const hpo_space *b, char **out)
{
    if (!a || !b || !out)
        return hpo__err(HPO_EINVAL, "hpo__space_diff: a, b and out are required");
    hpo__buf d = HPO__BUF_INIT, da = HPO__BUF_INIT, db = HPO__BUF_INIT;
    int multi = a->n_subs > 1 || b->n_subs > 1;
    if (a->n_subs != b->n_subs)
        hpo__buf_printf(&d, "    sub-spaces: %zu -> %zu\n", a->n_subs, b->n_subs);
    size_t nk = a->n_subs > b->n_subs ? a->n_subs : b->n_subs;
    for (size_t k = 0; k < nk; k++) {
        const hpo__subspace *sa = k < a->n_subs ? &a->subs[k] : NULL;
        const hpo__subspace *sb = k < b->n_subs ? &b->subs[k] : NULL;
        for (size_t i = 0; sa && i < sa->n; i++) {
            const hpo__param *pa = &sa->params[i];
            long j = sb ? sub_find(sb, pa->name) : -1;
            if (j < 0) {
                diff_line(&d, '-', k, multi, pa);
                continue;
            }
            const hpo__param *pb = &sb->params[j];
            da.len = db.len = 0;
            hpo__param_describe(pa, &da);
            hpo__param_describe(pb, &db);
            if (da.oom || db.oom || strcmp(da.data, db.data) != 0) {
                diff_line(&d, '-', k, multi, pa);
                diff_line(&d, '+', k, multi, pb);
            }
        }
        for (size_t i = 0; sb && i < sb->n; i++)
            if (!sa || sub_find(sa, sb->params[i].name) < 0)
                diff_line(&d, '+', k, multi, &sb->params[i]);
    }
    int oom = da.oom || db.oom;
    hpo__buf_free(&da);
    hpo__buf_free(&db);
    if (oom) {
        hpo__buf_free(&d);
        return hpo__enomem();
    }
    return hpo__buf_take(&d, out);
}
