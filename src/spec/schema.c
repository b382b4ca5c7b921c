/*
 * schema.c -- the study-spec schema: one validator over the node tree, shared
 * by YAML and JSON, producing struct hpo_spec (spec.h).
 *
 * Every message reads "origin:line:col: key.path: what is wrong" (no position
 * for JSON nodes). Unknown keys get a did-you-mean, and the spellings people
 * bring from W&B, Katib and Optuna get a pointed hint (min -> low, double ->
 * float, parameters -> space). Plain scalars follow the YAML 1.2 core schema:
 * 1e-3 and .inf are numbers, only true/false are booleans, quoted is a string.
 */
#include "core/space.h"
#include "objectives/cv.h"
#include "samplers/sampler.h"
#include "schedulers/scheduler.h"
#include "spec/spec.h"
#include "spec/tree.h"
#include "util/util.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef struct ctx {
    const char *origin;
    hpo_spec *spec;
} ctx;

/* ------------------------------------------------------------ messages */

static int fail_at(const ctx *c, const hpo__node *n, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(const ctx *c, const hpo__node *n, const char *path, const char *fmt, ...)
{
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (n && n->line > 0)
        return hpo__err(HPO_ESPEC, "%s:%d:%d: %s: %s", c->origin, n->line, n->col, path, what);
    return hpo__err(HPO_ESPEC, "%s: %s: %s", c->origin, path, what);
}

static int fail_key(const ctx *c, const hpo__node *map, size_t i, const char *path, const char *fmt,
                    ...) __attribute__((format(printf, 5, 6)));

static int fail_key(const ctx *c, const hpo__node *map, size_t i, const char *path, const char *fmt,
                    ...)
{
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (map->key_line && map->key_line[i] > 0)
        return hpo__err(HPO_ESPEC, "%s:%d:%d: %s: %s", c->origin, map->key_line[i], map->key_col[i],
                        path, what);
    return hpo__err(HPO_ESPEC, "%s: %s: %s", c->origin, path, what);
}

/* An error from a library call, located; out of memory passes through as is. */
static int wrap(const ctx *c, const hpo__node *n, const char *path, int rc)
{
    if (rc == HPO_ENOMEM)
        return rc;
    return fail_at(c, n, path, "%s", hpo_errmsg());
}

typedef struct hint {
    const char *wrong, *right;
} hint;

/* Refuse keys not in `allowed`, with a pointed hint or a did-you-mean. */
static int check_keys(const ctx *c, const hpo__node *map, const char *path,
                      const char *const *allowed, const hint *hints)
{
    for (size_t i = 0; i < map->n; i++) {
        const char *k = map->keys[i];
        int ok = 0;
        size_t na = 0;
        for (; allowed[na]; na++)
            ok |= strcmp(allowed[na], k) == 0;
        if (ok)
            continue;
        char kp[512];
        snprintf(kp, sizeof kp, "%s%s%s", path, path[0] ? "." : "", k);
        for (const hint *h = hints; h && h->wrong; h++)
            if (strcmp(h->wrong, k) == 0)
                return fail_key(c, map, i, kp, "unknown key '%s' (hpo calls it '%s')", k, h->right);
        const char *s = hpo__suggest(k, allowed, na);
        if (s)
            return fail_key(c, map, i, kp, "unknown key '%s' (did you mean '%s'?)", k, s);
        return fail_key(c, map, i, kp, "unknown key '%s'", k);
    }
    return 0;
}

/* ------------------------------------------------------------ scalars */

static const char *kind_name(const hpo__node *n)
{
    return n->kind == HPO__NODE_MAP ? "a mapping" : n->kind == HPO__NODE_SEQ ? "a list" : "a value";
}

static int is_int_text(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

static int special_float(const char *s, double *out)
{
    const char *t = s;
    int neg = 0;
    if (*t == '+' || *t == '-')
        neg = *t++ == '-';
    if (!strcmp(t, ".inf") || !strcmp(t, ".Inf") || !strcmp(t, ".INF")) {
        *out = neg ? -(double)INFINITY : (double)INFINITY;
        return 1;
    }
    if (t == s && (!strcmp(t, ".nan") || !strcmp(t, ".NaN") || !strcmp(t, ".NAN"))) {
        *out = (double)NAN;
        return 1;
    }
    return 0;
}

/* A plain scalar as a number: 0 ok (is_int says which), -1 not a number. */
static int scalar_number(const hpo__node *n, double *d, long long *ll, int *is_int)
{
    if (n->kind != HPO__NODE_SCALAR || n->quoted || n->is_null)
        return -1;
    const char *s = n->text;
    if (is_int_text(s)) {
        if (hpo__parse_ll(s, ll) != 0)
            return -1;
        *d = (double)*ll;
        *is_int = 1;
        return 0;
    }
    if (special_float(s, d)) {
        *is_int = 0;
        return 0;
    }
    /* strtod also reads "nan", "inf", hex and "infinity": YAML does not. */
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789+-.eE", *p))
            return -1;
    if (hpo__parse_double(s, d) != 0)
        return -1;
    *is_int = 0;
    return 0;
}

static int get_number(const ctx *c, const hpo__node *n, const char *path, double *out)
{
    long long ll;
    int is_int;
    if (scalar_number(n, out, &ll, &is_int) != 0)
        return fail_at(c, n, path, "expected a number, got %s%s%s%s", n->text ? "\"" : "",
                       n->text ? n->text : kind_name(n), n->text ? "\"" : "", "");
    return 0;
}

static int get_int(const ctx *c, const hpo__node *n, const char *path, long long *out)
{
    double d;
    int is_int;
    if (scalar_number(n, &d, out, &is_int) != 0 || !is_int)
        return fail_at(c, n, path, "expected an integer, got %s%s%s", n->text ? "\"" : "",
                       n->text ? n->text : kind_name(n), n->text ? "\"" : "");
    return 0;
}

static int get_bool(const ctx *c, const hpo__node *n, const char *path, int *out)
{
    if (n->kind == HPO__NODE_SCALAR && !n->quoted) {
        if (!strcmp(n->text, "true") || !strcmp(n->text, "True") || !strcmp(n->text, "TRUE")) {
            *out = 1;
            return 0;
        }
        if (!strcmp(n->text, "false") || !strcmp(n->text, "False") || !strcmp(n->text, "FALSE")) {
            *out = 0;
            return 0;
        }
    }
    return fail_at(c, n, path, "expected true or false, got %s%s%s", n->text ? "\"" : "",
                   n->text ? n->text : kind_name(n), n->text ? "\"" : "");
}

static int get_string(const ctx *c, const hpo__node *n, const char *path, char **out)
{
    if (n->kind != HPO__NODE_SCALAR || n->is_null || !n->text[0])
        return fail_at(c, n, path, "expected a non-empty string, got %s",
                       n->kind == HPO__NODE_SCALAR ? "nothing" : kind_name(n));
    char *s = hpo__strdup(n->text);
    if (!s)
        return hpo__enomem();
    hpo__free(*out);
    *out = s;
    return 0;
}

static int get_duration(const ctx *c, const hpo__node *n, const char *path, double *out)
{
    if (n->kind != HPO__NODE_SCALAR || hpo__parse_duration(n->text, out) != 0 || *out < 0)
        return fail_at(c, n, path, "expected a duration like 90, 45s, 20m, 2h or 1h30m, got %s%s%s",
                       n->text ? "\"" : "", n->text ? n->text : kind_name(n), n->text ? "\"" : "");
    return 0;
}

/* One of `names` (NULL-terminated); *out = its index. Did-you-mean on a typo. */
static int get_enum(const ctx *c, const hpo__node *n, const char *path, const char *const *names,
                    int *out)
{
    const char *t = n->kind == HPO__NODE_SCALAR ? n->text : "";
    size_t count = 0;
    for (; names[count]; count++) {
        if (!strcmp(t, names[count])) {
            *out = (int)count;
            return 0;
        }
    }
    hpo__buf b = HPO__BUF_INIT;
    for (size_t i = 0; i < count; i++)
        hpo__buf_printf(&b, "%s%s", i ? (i + 1 == count ? " or " : ", ") : "", names[i]);
    const char *guess = hpo__suggest(t, names, count);
    int rc = fail_at(c, n, path, "expected %s, got \"%s\"%s%s%s", b.data ? b.data : "", t,
                     guess ? " (did you mean '" : "", guess ? guess : "", guess ? "'?)" : "");
    hpo__buf_free(&b);
    return rc;
}

/* A categorical value from a scalar: typed as the YAML core schema says. */
static int scalar_value(const ctx *c, const hpo__node *n, const char *path, hpo_value *out)
{
    if (n->kind != HPO__NODE_SCALAR)
        return fail_at(c, n, path, "a choice must be a single value, not %s", kind_name(n));
    if (n->is_null)
        return fail_at(c, n, path, "a choice cannot be null");
    if (n->quoted) {
        out->type = HPO_VALUE_STRING;
        out->u.s = n->text;
        return 0;
    }
    double d;
    long long ll;
    int is_int, b;
    if (scalar_number(n, &d, &ll, &is_int) == 0) {
        if (is_int) {
            out->type = HPO_VALUE_INT;
            out->u.i = ll;
        } else {
            if (!isfinite(d))
                return fail_at(c, n, path, "a choice must be finite, got %s", n->text);
            out->type = HPO_VALUE_FLOAT;
            out->u.f = d;
        }
        return 0;
    }
    if (get_bool(c, n, path, &b) == 0) {
        out->type = HPO_VALUE_BOOL;
        out->u.b = b;
        return 0;
    }
    hpo__err_clear();
    out->type = HPO_VALUE_STRING;
    out->u.s = n->text;
    return 0;
}

/* ------------------------------------------------------------ durations */

int hpo__parse_duration(const char *s, double *out)
{
    if (!s || !*s)
        return HPO_EINVAL;
    double total = 0;
    const char *p = s;
    int any = 0;
    while (*p) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || !isfinite(v) || v < 0)
            return HPO_EINVAL;
        double unit = 1;
        switch (*end) {
        case 's':
            unit = 1;
            end++;
            break;
        case 'm':
            unit = 60;
            end++;
            break;
        case 'h':
            unit = 3600;
            end++;
            break;
        case 'd':
            unit = 86400;
            end++;
            break;
        case '\0':
            if (any)
                return HPO_EINVAL; /* "1h30" is ambiguous */
            break;
        default:
            return HPO_EINVAL;
        }
        total += v * unit;
        any = 1;
        p = end;
    }
    *out = total;
    return 0;
}

/* ------------------------------------------------------------ space */

static const char *const param_keys[] = {"type",   "low",         "high", "log", "step",
                                         "values", "grid_points", "when", NULL};
static const hint param_hints[] = {
    {"min", "low"},      {"max", "high"}, {"distribution", "type"}, {"choices", "values"},
    {"value", "values"}, {"q", "step"},   {"condition", "when"},    {NULL, NULL}};

static int add_choices(const ctx *c, const char *name, const hpo__node *list, const char *path)
{
    if (list->kind != HPO__NODE_SEQ)
        return fail_at(c, list, path, "expected a list of values, got %s", kind_name(list));
    if (list->n == 0)
        return fail_at(c, list, path, "the list of values is empty");
    hpo_value *vals = hpo__calloc(list->n, sizeof *vals);
    if (!vals)
        return hpo__enomem();
    int rc = 0;
    for (size_t i = 0; i < list->n && !rc; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s[%zu]", path, i);
        rc = scalar_value(c, list->items[i], p, &vals[i]);
    }
    if (!rc && (rc = hpo_space_add_categorical(c->spec->space, name, vals, list->n)) != 0)
        rc = wrap(c, list, path, rc);
    hpo__free(vals);
    return rc;
}

/* Split "fn(a, b, c)" into the function name and trimmed arguments. */
static int split_prior(const char *s, char *fn, size_t fn_size, char args[][128], size_t *nargs)
{
    const char *open = strchr(s, '(');
    size_t len = strlen(s);
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (!open || len == 0 || s[len - 1] != ')')
        return -1;
    size_t fl = (size_t)(open - s);
    while (fl && isspace((unsigned char)s[fl - 1]))
        fl--;
    if (fl == 0 || fl >= fn_size)
        return -1;
    memcpy(fn, s, fl);
    fn[fl] = '\0';
    const char *p = open + 1, *end = s + len - 1;
    *nargs = 0;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        while (p < stop && isspace((unsigned char)*p))
            p++;
        const char *q = stop;
        while (q > p && isspace((unsigned char)q[-1]))
            q--;
        if (*nargs >= 64 || (size_t)(q - p) >= 128 || q == p)
            return -1;
        memcpy(args[*nargs], p, (size_t)(q - p));
        args[*nargs][q - p] = '\0';
        (*nargs)++;
        p = comma ? comma + 1 : end;
    }
    return 0;
}

static int prior_param(const ctx *c, const char *name, const hpo__node *n, const char *path)
{
    char args[64][128];
    char fn[32];
    size_t na = 0;
    if (!n->quoted && strchr(n->text, '(') && !strchr(n->text, ')'))
        return fail_at(c, n, path,
                       "\"%s\" is cut at a comma: inside {...} or [...] quote the prior, "
                       "e.g. \"uniform(0, 1)\", or write it on its own line",
                       n->text);
    if (split_prior(n->text, fn, sizeof fn, args, &na) != 0)
        return fail_at(c, n, path,
                       "expected a list, a mapping {type: ...} or a prior like "
                       "uniform(a, b), got \"%s\"",
                       n->text);
    double a = 0, b = 0;
    int rc;
    int two_numbers =
        na == 2 && hpo__parse_double(args[0], &a) == 0 && hpo__parse_double(args[1], &b) == 0;
    if (!strcmp(fn, "uniform") || !strcmp(fn, "loguniform")) {
        if (!two_numbers)
            return fail_at(c, n, path, "%s(low, high) takes two numbers", fn);
        rc = hpo_space_add_float(c->spec->space, name, a, b, fn[0] == 'l');
    } else if (!strcmp(fn, "randint") || !strcmp(fn, "lograndint")) {
        long long lo, hi;
        if (na != 2 || hpo__parse_ll(args[0], &lo) || hpo__parse_ll(args[1], &hi))
            return fail_at(c, n, path, "%s(low, high) takes two integers", fn);
        /* scipy.stats.randint(a, b) draws from a..b-1; so do we */
        if (hi <= lo)
            return fail_at(c, n, path, "%s(%lld, %lld) is empty: high is exclusive", fn, lo, hi);
        rc = hpo_space_add_int(c->spec->space, name, lo, hi - 1, 1, fn[0] == 'l');
    } else if (!strcmp(fn, "quniform")) {
        long long lo, hi, q;
        if (na != 3 || hpo__parse_ll(args[0], &lo) || hpo__parse_ll(args[1], &hi) ||
            hpo__parse_ll(args[2], &q))
            return fail_at(c, n, path,
                           "quniform(low, high, q) takes three integers here "
                           "(an int lattice low, low+q, ..., high)");
        rc = hpo_space_add_int(c->spec->space, name, lo, hi, q, 0);
    } else if (!strcmp(fn, "choice")) {
        if (na == 0)
            return fail_at(c, n, path, "choice() needs at least one value");
        hpo_value vals[64];
        hpo__node tmp;
        for (size_t i = 0; i < na; i++) {
            memset(&tmp, 0, sizeof tmp);
            tmp.kind = HPO__NODE_SCALAR;
            size_t l = strlen(args[i]);
            tmp.text = args[i];
            if (l >= 2 && (args[i][0] == '"' || args[i][0] == '\'') &&
                args[i][l - 1] == args[i][0]) {
                args[i][l - 1] = '\0';
                tmp.text = args[i] + 1;
                tmp.quoted = 1;
            }
            if ((rc = scalar_value(c, &tmp, path, &vals[i])) != 0)
                return rc;
        }
        rc = hpo_space_add_categorical(c->spec->space, name, vals, na);
    } else {
        static const char *const fns[] = {"uniform",  "loguniform", "randint", "lograndint",
                                          "quniform", "choice",     NULL};
        const char *s = hpo__suggest(fn, fns, 6);
        if (!strcmp(fn, "normal") || !strcmp(fn, "lognormal"))
            return fail_at(c, n, path,
                           "%s priors are unbounded; give uniform(low, high) or "
                           "loguniform(low, high)",
                           fn);
        return fail_at(c, n, path,
                       "unknown prior '%s'%s%s%s (expected uniform, loguniform, "
                       "randint, quniform or choice)",
                       fn, s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
    }
    if (rc)
        return wrap(c, n, path, rc);
    return 0;
}

static int map_param(const ctx *c, const char *name, const hpo__node *m, const char *path)
{
    int rc = check_keys(c, m, path, param_keys, param_hints);
    if (rc)
        return rc;
    char p[1024];
    const hpo__node *type = hpo__tree_get(m, "type", NULL), *low = hpo__tree_get(m, "low", NULL),
                    *high = hpo__tree_get(m, "high", NULL),
                    *values = hpo__tree_get(m, "values", NULL),
                    *log = hpo__tree_get(m, "log", NULL), *step = hpo__tree_get(m, "step", NULL),
                    *gp = hpo__tree_get(m, "grid_points", NULL),
                    *when = hpo__tree_get(m, "when", NULL);
    char kind[16] = "";
    if (type) {
        snprintf(p, sizeof p, "%s.type", path);
        if (type->kind != HPO__NODE_SCALAR)
            return fail_at(c, type, p, "expected float, int or categorical");
        const char *t = type->text;
        if (!strcmp(t, "float") || !strcmp(t, "int") || !strcmp(t, "categorical"))
            snprintf(kind, sizeof kind, "%s", t);
        else if (!strcmp(t, "double") || !strcmp(t, "real") || !strcmp(t, "uniform"))
            return fail_at(c, type, p, "unknown type '%s' (hpo calls it 'float')", t);
        else if (!strcmp(t, "integer") || !strcmp(t, "discrete"))
            return fail_at(c, type, p, "unknown type '%s' (hpo calls it 'int')", t);
        else if (!strcmp(t, "choice") || !strcmp(t, "categorical_choice") || !strcmp(t, "enum"))
            return fail_at(c, type, p, "unknown type '%s' (hpo calls it 'categorical')", t);
        else
            return fail_at(c, type, p, "unknown type '%s' (expected float, int or categorical)", t);
    } else if (values) {
        snprintf(kind, sizeof kind, "categorical");
    } else {
        double d;
        long long ll;
        int li = 0, hi = 0;
        if (low && high && scalar_number(low, &d, &ll, &li) == 0 &&
            scalar_number(high, &d, &ll, &hi) == 0 && li && hi && !step)
            snprintf(kind, sizeof kind, "int");
        else
            snprintf(kind, sizeof kind, "float");
        if (step)
            snprintf(kind, sizeof kind, "int");
    }
    if (!strcmp(kind, "categorical")) {
        if (!values)
            return fail_at(c, m, path, "a categorical parameter needs values: [...]");
        if (low || high || log || step || gp)
            return fail_at(
                c, m, path,
                "a categorical parameter takes values, not low/high/log/step/grid_points");
        snprintf(p, sizeof p, "%s.values", path);
        if ((rc = add_choices(c, name, values, p)) != 0)
            return rc;
    } else {
        if (values)
            return fail_at(c, m, path, "values: goes with type: categorical");
        if (!low || !high)
            return fail_at(c, m, path, "a %s parameter needs low and high", kind);
        int lg = 0;
        if (log) {
            snprintf(p, sizeof p, "%s.log", path);
            if ((rc = get_bool(c, log, p, &lg)) != 0)
                return rc;
        }
        if (!strcmp(kind, "float")) {
            double lo, hi;
            snprintf(p, sizeof p, "%s.low", path);
            if ((rc = get_number(c, low, p, &lo)) != 0)
                return rc;
            snprintf(p, sizeof p, "%s.high", path);
            if ((rc = get_number(c, high, p, &hi)) != 0)
                return rc;
            if (step)
                return fail_at(c, step, path, "step: goes with type: int");
            if (lo > hi)
                return fail_at(c, low, path, "low (%g) is greater than high (%g)", lo, hi);
            if (lg && lo <= 0)
                return fail_at(c, low, path, "log: true needs low > 0, got %g", lo);
            if ((rc = hpo_space_add_float(c->spec->space, name, lo, hi, lg)) != 0)
                return wrap(c, m, path, rc);
        } else {
            long long lo, hi, st = 1;
            snprintf(p, sizeof p, "%s.low", path);
            if ((rc = get_int(c, low, p, &lo)) != 0)
                return rc;
            snprintf(p, sizeof p, "%s.high", path);
            if ((rc = get_int(c, high, p, &hi)) != 0)
                return rc;
            if (step) {
                snprintf(p, sizeof p, "%s.step", path);
                if ((rc = get_int(c, step, p, &st)) != 0)
                    return rc;
                if (st < 1)
                    return fail_at(c, step, p, "step must be >= 1, got %lld", st);
            }
            if (lo > hi)
                return fail_at(c, low, path, "low (%lld) is greater than high (%lld)", lo, hi);
            if (lg && lo <= 0)
                return fail_at(c, low, path, "log: true needs low > 0, got %lld", lo);
            if ((rc = hpo_space_add_int(c->spec->space, name, lo, hi, st, lg)) != 0)
                return wrap(c, m, path, rc);
        }
        if (gp) {
            long long g;
            snprintf(p, sizeof p, "%s.grid_points", path);
            if ((rc = get_int(c, gp, p, &g)) != 0)
                return rc;
            if (g < 1)
                return fail_at(c, gp, p, "grid_points must be >= 1, got %lld", g);
            if ((rc = hpo_space_set_grid_points(c->spec->space, name, (size_t)g)) != 0)
                return wrap(c, gp, p, rc);
        }
    }
    if (when) {
        snprintf(p, sizeof p, "%s.when", path);
        if (when->kind != HPO__NODE_SCALAR || !when->text[0])
            return fail_at(c, when, p, "expected a condition like \"kernel == poly\"");
        if ((rc = hpo_space_set_condition(c->spec->space, name, when->text)) != 0)
            return wrap(c, when, p, rc);
    }
    return 0;
}

static int subspace(const ctx *c, const hpo__node *m, const char *path)
{
    if (m->kind != HPO__NODE_MAP)
        return fail_at(c, m, path, "expected a mapping of parameter names, got %s", kind_name(m));
    if (m->n == 0)
        return fail_at(c, m, path, "no parameters");
    for (size_t i = 0; i < m->n; i++) {
        const char *name = m->keys[i];
        const hpo__node *v = m->items[i];
        char p[512];
        snprintf(p, sizeof p, "%s.%s", path, name);
        int rc;
        if (v->kind == HPO__NODE_SEQ)
            rc = add_choices(c, name, v, p);
        else if (v->kind == HPO__NODE_MAP)
            rc = map_param(c, name, v, p);
        else if (v->is_null)
            rc = fail_at(c, v, p, "no definition (give a list, a mapping or a prior)");
        else
            rc = prior_param(c, name, v, p);
        if (rc)
            return rc;
    }
    /* Conditions must name a parameter of the same sub-space. */
    hpo__subspace *sub = &c->spec->space->subs[c->spec->space->n_subs - 1];
    for (size_t i = 0; i < sub->n; i++) {
        const char *when = sub->params[i].when;
        if (!when)
            continue;
        size_t l = 0;
        while (when[l] && (isalnum((unsigned char)when[l]) || when[l] == '_' || when[l] == '.' ||
                           when[l] == '-'))
            l++;
        int found = 0;
        for (size_t j = 0; j < sub->n; j++)
            found |= strlen(sub->params[j].name) == l && !strncmp(sub->params[j].name, when, l);
        if (!found) {
            size_t idx = 0;
            const hpo__node *pn = hpo__tree_get(m, sub->params[i].name, &idx);
            const hpo__node *wn = pn ? hpo__tree_get(pn, "when", NULL) : NULL;
            char p[512];
            snprintf(p, sizeof p, "%s.%s.when", path, sub->params[i].name);
            return fail_at(c, wn ? wn : m, p, "condition \"%s\" names no parameter of this space",
                           when);
        }
    }
    return 0;
}

static int parse_space(const ctx *c, const hpo__node *n)
{
    int rc = hpo_space_create(&c->spec->space);
    if (rc)
        return rc;
    if (n->kind == HPO__NODE_SEQ) {
        if (n->n == 0)
            return fail_at(c, n, "space", "the list of grids is empty");
        for (size_t i = 0; i < n->n; i++) {
            char p[64];
            snprintf(p, sizeof p, "space[%zu]", i);
            if (i > 0 && (rc = hpo_space_add_subspace(c->spec->space)) != 0)
                return rc;
            if ((rc = subspace(c, n->items[i], p)) != 0)
                return rc;
        }
    } else if ((rc = subspace(c, n, "space")) != 0) {
        return rc;
    }
    if ((rc = hpo__space_resolve(c->spec->space)) != 0)
        return wrap(c, n, "space", rc);
    return 0;
}

/* ------------------------------------------------------------ objective */

static const char *const objective_keys[] = {"command", "shell",      "env", "workdir",
                                             "metric",  "kill_grace", NULL};
static const hint objective_hints[] = {
    {"cmd", "command"}, {"args", "command"},    {"timeout", "trial_timeout (top level)"},
    {"cwd", "workdir"}, {"environment", "env"}, {NULL, NULL}};
static const char *const metric_keys[] = {"name", "regex", "step", "strategy", NULL};

static int parse_metric(const ctx *c, const hpo__node *n, hpo__spec_command *cmd)
{
    int rc;
    if (n->kind == HPO__NODE_SCALAR)
        return get_string(c, n, "objective.metric", &cmd->metric);
    if (n->kind != HPO__NODE_MAP)
        return fail_at(c, n, "objective.metric",
                       "expected a name or {name, regex, step, strategy}");
    static const hint mh[] = {
        {"pattern", "regex"}, {"goal", "direction (top level)"}, {NULL, NULL}};
    if ((rc = check_keys(c, n, "objective.metric", metric_keys, mh)) != 0)
        return rc;
    const hpo__node *v;
    if ((v = hpo__tree_get(n, "name", NULL)) &&
        (rc = get_string(c, v, "objective.metric.name", &cmd->metric)))
        return rc;
    if ((v = hpo__tree_get(n, "regex", NULL)) &&
        (rc = get_string(c, v, "objective.metric.regex", &cmd->metric_regex)))
        return rc;
    if ((v = hpo__tree_get(n, "step", NULL)) &&
        (rc = get_string(c, v, "objective.metric.step", &cmd->step_key)))
        return rc;
    static const char *const strategies[] = {"last", "max", "min", NULL}; /* hpo_metric_strategy */
    int strategy = 0;
    if ((v = hpo__tree_get(n, "strategy", NULL))) {
        if ((rc = get_enum(c, v, "objective.metric.strategy", strategies, &strategy)) != 0)
            return rc;
        cmd->strategy = (hpo_metric_strategy)strategy;
    }
    if (!cmd->metric && !cmd->metric_regex)
        return fail_at(c, n, "objective.metric", "needs a name or a regex");
    return 0;
}

static const char *const estimator_keys[] = {
    "estimator", "data", "cv", "scoring", "preprocessing", "fixed", "task", "refit", NULL};
static const hint estimator_hints[] = {
    {"dataset", "data"}, {"metric", "scoring"},       {"params", "fixed"},
    {"folds", "cv"},     {"scaler", "preprocessing"}, {"command", "estimator or command, not both"},
    {NULL, NULL}};

/* objective: {estimator: svc, data: {path, target}, cv: 5, scoring: accuracy, ...} */
static int parse_estimator(const ctx *c, const hpo__node *n)
{
    hpo__spec_estimator *e = &c->spec->est;
    int rc = check_keys(c, n, "objective", estimator_keys, estimator_hints);
    if (rc)
        return rc;
    e->set = 1;
    e->folds = 5;
    const hpo__node *v = hpo__tree_get(n, "estimator", NULL), *w;
    if ((rc = get_string(c, v, "objective.estimator", &e->name)) != 0)
        return rc;
    if (!(v = hpo__tree_get(n, "data", NULL)))
        return fail_at(c, n, "objective", "missing data: {path: file.csv, target: column}");
    if (v->kind == HPO__NODE_MAP) {
        static const char *const dk[] = {"path",        "target",      "test",
                                         "test_size",   "images",      "labels",
                                         "test_images", "test_labels", NULL};
        static const struct {
            const char *key;
            size_t off;
        } strs[] = {{"path", offsetof(hpo__spec_estimator, data_path)},
                    {"target", offsetof(hpo__spec_estimator, target)},
                    {"test", offsetof(hpo__spec_estimator, test_path)},
                    {"images", offsetof(hpo__spec_estimator, images)},
                    {"labels", offsetof(hpo__spec_estimator, labels)},
                    {"test_images", offsetof(hpo__spec_estimator, test_images)},
                    {"test_labels", offsetof(hpo__spec_estimator, test_labels)}};
        if ((rc = check_keys(c, v, "objective.data", dk, NULL)) != 0)
            return rc;
        for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
            char p[64];
            snprintf(p, sizeof p, "objective.data.%s", strs[i].key);
            if ((w = hpo__tree_get(v, strs[i].key, NULL)) &&
                (rc = get_string(c, w, p, (char **)((char *)e + strs[i].off))) != 0)
                return rc;
        }
        if ((w = hpo__tree_get(v, "test_size", NULL))) {
            if ((rc = get_number(c, w, "objective.data.test_size", &e->test_size)) != 0)
                return rc;
            if (!(e->test_size > 0 && e->test_size < 1))
                return fail_at(c, w, "objective.data.test_size", "must be in (0, 1)");
        }
        if (!e->data_path && !(e->images && e->labels))
            return fail_at(c, v, "objective.data",
                           "missing path: (a CSV file) or images: and labels: (IDX files)");
        if (e->data_path && (e->images || e->labels))
            return fail_at(c, v, "objective.data",
                           "give path: (CSV) or images:/labels: (IDX), "
                           "not both");
        if ((e->test_path != NULL) + (e->test_images || e->test_labels) + (e->test_size > 0) > 1)
            return fail_at(c, v, "objective.data",
                           "give one test set: test:, test_images:/test_labels: or test_size:");
    } else if ((rc = get_string(c, v, "objective.data", &e->data_path)) != 0) {
        return rc;
    }
    static const char *const tasks[] = {"auto", "classification", "regression", NULL};
    if ((v = hpo__tree_get(n, "task", NULL)) &&
        (rc = get_enum(c, v, "objective.task", tasks, &e->task)) != 0)
        return rc;
    e->refit = 1;
    if ((v = hpo__tree_get(n, "refit", NULL)) &&
        (rc = get_bool(c, v, "objective.refit", &e->refit)) != 0)
        return rc;
    if ((v = hpo__tree_get(n, "cv", NULL))) {
        long long k;
        const hpo__node *kn = v;
        if (v->kind == HPO__NODE_MAP) {
            static const char *const ck[] = {"folds",     "shuffle", "kind",
                                             "test_size", "repeats", NULL};
            if ((rc = check_keys(c, v, "objective.cv", ck, NULL)) != 0)
                return rc;
            if ((w = hpo__tree_get(v, "repeats", NULL))) {
                long long r;
                if ((rc = get_int(c, w, "objective.cv.repeats", &r)) != 0)
                    return rc;
                if (r < 1 || r > 1000)
                    return fail_at(c, w, "objective.cv.repeats", "must be in [1, 1000], got %lld",
                                   r);
                e->repeats = (size_t)r;
            }
            if ((w = hpo__tree_get(v, "test_size", NULL))) {
                if ((rc = get_number(c, w, "objective.cv.test_size", &e->cv_test_size)) != 0)
                    return rc;
                if (!(e->cv_test_size > 0 && e->cv_test_size < 1))
                    return fail_at(c, w, "objective.cv.test_size", "must be in (0, 1)");
            }
            kn = hpo__tree_get(v, "folds", NULL);
            if ((w = hpo__tree_get(v, "shuffle", NULL)) &&
                (rc = get_bool(c, w, "objective.cv.shuffle", &e->shuffle)) != 0)
                return rc;
            static const char *const kinds[] = {"auto",          "kfold",   "stratified",
                                                "shuffle_split", "holdout", NULL};
            if ((w = hpo__tree_get(v, "kind", NULL)) &&
                (rc = get_enum(c, w, "objective.cv.kind", kinds, &e->kind)) != 0)
                return rc;
        }
        if (kn) {
            if ((rc = get_int(c, kn, "objective.cv.folds", &k)) != 0)
                return rc;
            if (k < (e->kind == HPO__CV_SHUFFLE ? 1 : 2))
                return fail_at(c, kn, "objective.cv.folds", "must be >= %d, got %lld",
                               e->kind == HPO__CV_SHUFFLE ? 1 : 2, k);
            e->folds = (size_t)k;
        }
    }
    if ((v = hpo__tree_get(n, "scoring", NULL)) &&
        (rc = get_string(c, v, "objective.scoring", &e->scoring)) != 0)
        return rc;
    static const char *const scalings[] = {"none", "standard", "minmax", NULL};
    if ((v = hpo__tree_get(n, "preprocessing", NULL)) &&
        (rc = get_enum(c, v, "objective.preprocessing", scalings, &e->scaling)) != 0)
        return rc;
    if ((v = hpo__tree_get(n, "fixed", NULL))) {
        if (v->kind != HPO__NODE_MAP)
            return fail_at(c, v, "objective.fixed", "expected a mapping name: value");
        for (size_t i = 0; i < v->n; i++) {
            hpo_value val;
            char p[256];
            snprintf(p, sizeof p, "objective.fixed.%s", v->keys[i]);
            if ((rc = scalar_value(c, v->items[i], p, &val)) != 0)
                return rc;
            if ((rc = hpo__params_add(&e->fixed, v->keys[i], &val)) != 0)
                return rc == HPO_ENOMEM ? rc : fail_key(c, v, i, p, "%s", hpo_errmsg());
        }
    }
    return 0;
}

static int parse_objective(const ctx *c, const hpo__node *n)
{
    hpo__spec_command *cmd = &c->spec->command;
    if (n->kind != HPO__NODE_MAP)
        return fail_at(c, n, "objective", "expected a mapping with command: and metric:");
    if (hpo__tree_get(n, "estimator", NULL))
        return parse_estimator(c, n);
    int rc = check_keys(c, n, "objective", objective_keys, objective_hints);
    if (rc)
        return rc;
    const hpo__node *v;
    if ((v = hpo__tree_get(n, "shell", NULL)) &&
        (rc = get_bool(c, v, "objective.shell", &cmd->shell)))
        return rc;
    const hpo__node *command = hpo__tree_get(n, "command", NULL);
    if (!command)
        return fail_at(c, n, "objective", "missing command: [program, args...]");
    if (command->kind == HPO__NODE_SCALAR && !command->is_null) {
        if (!cmd->shell)
            return fail_at(c, command, "objective.command",
                           "give a list (argv), or set shell: true to run a string with sh -c");
        cmd->argv = hpo__calloc(1, sizeof *cmd->argv);
        if (!cmd->argv || !(cmd->argv[0] = hpo__strdup(command->text)))
            return hpo__enomem();
        cmd->argc = 1;
    } else if (command->kind == HPO__NODE_SEQ && command->n > 0) {
        cmd->argv = hpo__calloc(command->n, sizeof *cmd->argv);
        if (!cmd->argv)
            return hpo__enomem();
        for (size_t i = 0; i < command->n; i++) {
            const hpo__node *a = command->items[i];
            char p[64];
            snprintf(p, sizeof p, "objective.command[%zu]", i);
            if (a->kind != HPO__NODE_SCALAR || a->is_null)
                return fail_at(c, a, p, "expected a string, got %s", kind_name(a));
            if (!(cmd->argv[i] = hpo__strdup(a->text)))
                return hpo__enomem();
            cmd->argc++;
        }
    } else {
        return fail_at(c, command, "objective.command",
                       "expected a non-empty list [program, args...]");
    }
    if ((v = hpo__tree_get(n, "env", NULL))) {
        if (v->kind != HPO__NODE_MAP)
            return fail_at(c, v, "objective.env", "expected a mapping NAME: value");
        cmd->env = hpo__calloc(v->n ? v->n : 1, sizeof *cmd->env);
        if (!cmd->env)
            return hpo__enomem();
        for (size_t i = 0; i < v->n; i++) {
            const hpo__node *e = v->items[i];
            if (e->kind != HPO__NODE_SCALAR)
                return fail_key(c, v, i, "objective.env", "%s: expected a value", v->keys[i]);
            cmd->env[i].key = hpo__strdup(v->keys[i]);
            cmd->env[i].value = hpo__strdup(e->is_null ? "" : e->text);
            cmd->n_env++;
            if (!cmd->env[i].key || !cmd->env[i].value)
                return hpo__enomem();
        }
    }
    if ((v = hpo__tree_get(n, "workdir", NULL)) &&
        (rc = get_string(c, v, "objective.workdir", &cmd->workdir)))
        return rc;
    if ((v = hpo__tree_get(n, "kill_grace", NULL)) &&
        (rc = get_duration(c, v, "objective.kill_grace", &cmd->kill_grace)))
        return rc;
    if (!(v = hpo__tree_get(n, "metric", NULL)))
        return fail_at(c, n, "objective",
                       "missing metric: the name of the value the command prints");
    return parse_metric(c, v, cmd);
}

/* Canonical JSON of what defines the objective's results (not env/workdir). */
static int estimator_json(hpo_spec *s)
{
    const hpo__spec_estimator *e = &s->est;
    static const char *const kinds[] = {"auto", "kfold", "stratified", "shuffle_split", "holdout"};
    static const char *const scalings[] = {"none", "standard", "minmax"};
    char *fixed = NULL;
    int rc = hpo__params_to_json(&e->fixed, &fixed);
    if (rc)
        return rc;
    json_error_t jerr;
    json_t *fj = json_loads(fixed, 0, &jerr);
    hpo__free(fixed);
    static const char *const tasks[] = {"auto", "classification", "regression"};
    json_t *o = json_pack("{s:s, s:s?, s:s?, s:{s:I, s:s, s:b}, s:s?, s:s, s:o?, s:s}", "estimator",
                          e->name, "data", e->data_path, "target", e->target, "cv", "folds",
                          (json_int_t)e->folds, "kind", kinds[e->kind], "shuffle", e->shuffle,
                          "scoring", e->scoring, "preprocessing", scalings[e->scaling], "fixed", fj,
                          "task", tasks[e->task]);
    if (o && e->repeats > 1)
        json_object_set_new(json_object_get(o, "cv"), "repeats",
                            json_integer((json_int_t)e->repeats));
    if (o && e->cv_test_size > 0)
        json_object_set_new(json_object_get(o, "cv"), "test_size", json_real(e->cv_test_size));
    if (o && e->test_size > 0)
        json_object_set_new(o, "test_size", json_real(e->test_size));
    static const char *const extra[] = {"test", "images", "labels", "test_images", "test_labels"};
    const char *const vals[] = {e->test_path, e->images, e->labels, e->test_images, e->test_labels};
    for (size_t i = 0; o && i < sizeof extra / sizeof extra[0]; i++)
        if (vals[i])
            json_object_set_new(o, extra[i], json_string(vals[i]));
    if (!o)
        return hpo__enomem();
    char *text = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(o);
    if (!text)
        return hpo__enomem();
    s->objective_json = hpo__strdup(text);
    free(text);
    return s->objective_json ? 0 : hpo__enomem();
}

static int objective_json(hpo_spec *s)
{
    if (s->est.set)
        return estimator_json(s);
    json_t *o = json_object(), *argv = json_array(), *metric = json_object();
    if (!o || !argv || !metric) {
        json_decref(o);
        json_decref(argv);
        json_decref(metric);
        return hpo__enomem();
    }
    for (size_t i = 0; i < s->command.argc; i++)
        json_array_append_new(argv, json_string(s->command.argv[i]));
    json_object_set_new(o, "command", argv);
    json_object_set_new(o, "shell", json_boolean(s->command.shell));
    if (s->command.metric)
        json_object_set_new(metric, "name", json_string(s->command.metric));
    if (s->command.metric_regex)
        json_object_set_new(metric, "regex", json_string(s->command.metric_regex));
    if (s->command.step_key)
        json_object_set_new(metric, "step", json_string(s->command.step_key));
    static const char *const strategies[] = {"last", "max", "min"};
    json_object_set_new(metric, "strategy", json_string(strategies[s->command.strategy]));
    json_object_set_new(o, "metric", metric);
    char *text = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(o);
    if (!text)
        return hpo__enomem();
    s->objective_json = hpo__strdup(text);
    free(text);
    return s->objective_json ? 0 : hpo__enomem();
}

/* ------------------------------------------------------------ sampler */

/* `key: name` or `key: {name: ..., option: value, ...}` (sampler, scheduler). */
static int parse_named(const ctx *c, const hpo__node *n, const char *key, const char *names,
                       char **name_out, hpo_kv **opts, size_t *n_opts)
{
    int rc;
    if (n->kind == HPO__NODE_SCALAR)
        return get_string(c, n, key, name_out);
    if (n->kind != HPO__NODE_MAP)
        return fail_at(c, n, key, "expected a name or {name: ..., options}");
    const hpo__node *name = hpo__tree_get(n, "name", NULL);
    if (!name)
        return fail_at(c, n, key, "missing name: (%s)", names);
    char path[64];
    snprintf(path, sizeof path, "%s.name", key);
    if ((rc = get_string(c, name, path, name_out)) != 0)
        return rc;
    *opts = hpo__calloc(n->n, sizeof **opts);
    if (!*opts)
        return hpo__enomem();
    for (size_t i = 0; i < n->n; i++) {
        if (!strcmp(n->keys[i], "name"))
            continue;
        const hpo__node *v = n->items[i];
        if (v->kind != HPO__NODE_SCALAR || v->is_null)
            return fail_key(c, n, i, key, "%s: expected a single value", n->keys[i]);
        hpo_kv *kv = &(*opts)[*n_opts];
        kv->key = hpo__strdup(n->keys[i]);
        kv->value = hpo__strdup(v->text);
        (*n_opts)++;
        if (!kv->key || !kv->value)
            return hpo__enomem();
    }
    return 0;
}

static int parse_sampler(const ctx *c, const hpo__node *n)
{
    hpo_spec *s = c->spec;
    return parse_named(c, n, "sampler", "grid, random or qmc", &s->sampler, &s->sampler_options,
                       &s->n_sampler_options);
}

/* The scheduler must exist and know its options; the schedule itself is
 * computed when the study opens (halving over n_samples needs the data). With
 * halving the schedule sets the number of candidates, so n_trials is refused. */
static int parse_scheduler(const ctx *c, const hpo__node *n, const hpo__node *n_trials)
{
    hpo_spec *s = c->spec;
    int rc = parse_named(c, n, "scheduler", "halving, hyperband, asha or median", &s->scheduler,
                         &s->scheduler_options, &s->n_scheduler_options);
    if (rc)
        return rc;
    if (!strcmp(s->scheduler, "none")) {
        if (s->n_scheduler_options)
            return fail_at(c, n, "scheduler", "'none' takes no options");
        hpo__free(s->scheduler);
        s->scheduler = NULL;
        return 0;
    }
    const hpo__scheduler_ops *ops = hpo__scheduler_find(s->scheduler);
    if (!ops)
        return fail_at(c, n, "scheduler", "%s", hpo_errmsg());
    hpo__scheduler_config cfg = {.options = s->scheduler_options,
                                 .n_options = s->n_scheduler_options};
    if ((rc = hpo__scheduler_check_options(ops, &cfg)) != 0)
        return wrap(c, n, "scheduler", rc);
    if (!strcmp(s->scheduler, "halving") && n_trials)
        return fail_at(c, n_trials, "n_trials",
                       "not with scheduler halving: the schedule sets the number of candidates "
                       "(the grid, or scheduler.n_candidates for random candidates)");
    return 0;
}

/* The sampler must exist, know its options and accept the space. */
static int check_sampler(const ctx *c, const hpo__node *where)
{
    hpo_spec *s = c->spec;
    const hpo__sampler_ops *ops = hpo__sampler_find(s->sampler);
    if (!ops)
        return fail_at(c, where, "sampler", "%s", hpo_errmsg());
    hpo__sampler_config cfg = {.space = s->space,
                               .seed = s->seed,
                               .n_trials = s->n_trials,
                               .options = s->sampler_options,
                               .n_options = s->n_sampler_options};
    hpo__sampler *smp = NULL;
    int rc = hpo__sampler_check_options(ops, &cfg);
    if (rc == 0)
        rc = ops->create(&smp, &cfg);
    if (rc)
        return wrap(c, where, "sampler", rc);
    ops->destroy(smp);
    return 0;
}

/* ------------------------------------------------------------ stoppers */

/* stop: {delta_y: 0.001, patience: 10, delta_x: 0.01, deadline: 30m, target: 0.99}
 * (scikit-optimize's DeltaYStopper, DeltaXStopper, DeadlineStopper, a target). */
static int parse_stop(const ctx *c, const hpo__node *n)
{
    static const char *const keys[] = {"delta_y",  "patience", "delta_x",
                                       "deadline", "target",   NULL};
    static const hint hints[] = {{"n_best", "patience"},     {"delta", "delta_y"},
                                 {"total_time", "deadline"}, {"timeout", "deadline"},
                                 {"goal", "target"},         {NULL, NULL}};
    hpo_spec *s = c->spec;
    int rc;
    if (n->kind != HPO__NODE_MAP)
        return fail_at(c, n, "stop",
                       "expected a mapping {delta_y, patience, delta_x, deadline, target}");
    if ((rc = check_keys(c, n, "stop", keys, hints)) != 0)
        return rc;
    const hpo__node *v;
    if ((v = hpo__tree_get(n, "delta_y", NULL))) {
        if ((rc = get_number(c, v, "stop.delta_y", &s->stop_delta_y)) != 0)
            return rc;
        if (!(s->stop_delta_y > 0))
            return fail_at(c, v, "stop.delta_y", "must be > 0");
    }
    if ((v = hpo__tree_get(n, "patience", NULL))) {
        if ((rc = get_int(c, v, "stop.patience", &s->stop_patience)) != 0)
            return rc;
        if (s->stop_patience < 1)
            return fail_at(c, v, "stop.patience", "must be >= 1");
        if (!hpo__tree_get(n, "delta_y", NULL))
            return fail_at(c, v, "stop.patience", "counts trials for delta_y: give delta_y too");
    }
    if ((v = hpo__tree_get(n, "delta_x", NULL))) {
        if ((rc = get_number(c, v, "stop.delta_x", &s->stop_delta_x)) != 0)
            return rc;
        if (!(s->stop_delta_x > 0))
            return fail_at(c, v, "stop.delta_x", "must be > 0");
    }
    if ((v = hpo__tree_get(n, "deadline", NULL))) {
        if ((rc = get_duration(c, v, "stop.deadline", &s->stop_deadline)) != 0)
            return rc;
        if (!(s->stop_deadline > 0))
            return fail_at(c, v, "stop.deadline", "must be > 0");
    }
    if ((v = hpo__tree_get(n, "target", NULL))) {
        if ((rc = get_number(c, v, "stop.target", &s->stop_target)) != 0)
            return rc;
        s->stop_has_target = 1;
    }
    return 0;
}

/* ------------------------------------------------------------ top level */

static const char *const top_keys[] = {
    "study",   "storage",  "direction", "seed",          "objective",         "space",
    "sampler", "n_trials", "timeout",   "trial_timeout", "max_failed_trials", "workers",
    "output",  "export",   "scheduler", "stop",          "max_trials",        NULL};
static const hint top_hints[] = {{"parameters", "space"},
                                 {"params", "space"},
                                 {"search_space", "space"},
                                 {"metric", "objective.metric"},
                                 {"command", "objective.command"},
                                 {"program", "objective.command"},
                                 {"method", "sampler"},
                                 {"algorithm", "sampler"},
                                 {"name", "study"},
                                 {"n_iter", "n_trials"},
                                 {"goal", "direction"},
                                 {"n_jobs", "workers"},
                                 {"pruner", "scheduler"},
                                 {"early_stopping", "scheduler"},
                                 {"stopper", "stop"},
                                 {"callbacks", "stop"},
                                 {NULL, NULL}};

int hpo__spec_from_tree(hpo_spec *s, const hpo__node *root, const char *origin)
{
    ctx cx = {.origin = origin, .spec = s};
    const ctx *c = &cx;
    int rc;
    if (root->kind == HPO__NODE_SCALAR && root->is_null)
        return hpo__err(HPO_ESPEC, "%s: empty spec", origin);
    if (root->kind != HPO__NODE_MAP)
        return fail_at(c, root, "spec", "expected a mapping at the top, got %s", kind_name(root));
    if ((rc = check_keys(c, root, "", top_keys, top_hints)) != 0)
        return rc;
    const hpo__node *v;
    if (!(v = hpo__tree_get(root, "study", NULL)))
        return fail_at(c, root, "study", "missing: every spec names its study");
    if ((rc = get_string(c, v, "study", &s->study)) != 0)
        return rc;
    if ((v = hpo__tree_get(root, "storage", NULL)) &&
        (rc = get_string(c, v, "storage", &s->storage)))
        return rc;
    if ((v = hpo__tree_get(root, "direction", NULL))) {
        s->direction_set = 1;
        const char *d = v->kind == HPO__NODE_SCALAR ? v->text : "";
        if (!strcmp(d, "minimize") || !strcmp(d, "min"))
            s->direction = HPO_MINIMIZE;
        else if (!strcmp(d, "maximize") || !strcmp(d, "max"))
            s->direction = HPO_MAXIMIZE;
        else
            return fail_at(c, v, "direction", "expected minimize or maximize, got \"%s\"", d);
    }
    long long ll;
    if ((v = hpo__tree_get(root, "seed", NULL))) {
        if ((rc = get_int(c, v, "seed", &ll)) != 0)
            return rc;
        if (ll < 0)
            return fail_at(c, v, "seed", "must be >= 0");
        s->seed = (unsigned long long)ll;
    }
    int n_trials_set = 0;
    const hpo__node *nt = hpo__tree_get(root, "n_trials", NULL);
    const char *nt_key = "n_trials";
    if ((v = hpo__tree_get(root, "max_trials", NULL))) { /* KerasTuner's name */
        if (nt)
            return fail_at(c, v, "max_trials", "give n_trials or max_trials, not both");
        nt = v;
        nt_key = "max_trials";
    }
    if ((v = nt)) {
        if ((rc = get_int(c, v, nt_key, &s->n_trials)) != 0)
            return rc;
        if (s->n_trials < 1)
            return fail_at(c, v, nt_key, "must be >= 1");
        n_trials_set = 1;
    }
    if ((v = hpo__tree_get(root, "workers", NULL))) {
        if ((rc = get_int(c, v, "workers", &ll)) != 0)
            return rc;
        if (ll < 1 || ll > 1024)
            return fail_at(c, v, "workers", "must be between 1 and 1024");
        s->workers = (int)ll;
    }
    if ((v = hpo__tree_get(root, "max_failed_trials", NULL))) {
        if ((rc = get_int(c, v, "max_failed_trials", &s->max_failed_trials)) != 0)
            return rc;
        if (s->max_failed_trials < 0)
            return fail_at(c, v, "max_failed_trials", "must be >= 0");
    }
    if ((v = hpo__tree_get(root, "timeout", NULL)) &&
        (rc = get_duration(c, v, "timeout", &s->timeout)))
        return rc;
    if ((v = hpo__tree_get(root, "trial_timeout", NULL)) &&
        (rc = get_duration(c, v, "trial_timeout", &s->trial_timeout)))
        return rc;
    if ((v = hpo__tree_get(root, "output", NULL))) {
        if ((rc = get_string(c, v, "output", &s->output)) != 0)
            return rc;
        s->output_set = 1;
    }
    if ((v = hpo__tree_get(root, "stop", NULL)) && (rc = parse_stop(c, v)) != 0)
        return rc;
    if ((v = hpo__tree_get(root, "export", NULL))) {
        static const char *const ek[] = {"cv_results", "csv", "json", NULL};
        if (v->kind != HPO__NODE_MAP)
            return fail_at(c, v, "export", "expected a mapping {cv_results: path, json: path}");
        if ((rc = check_keys(c, v, "export", ek, NULL)) != 0)
            return rc;
        const hpo__node *e;
        if ((e = hpo__tree_get(v, "cv_results", NULL)) &&
            (rc = get_string(c, e, "export.cv_results", &s->export_csv)))
            return rc;
        if ((e = hpo__tree_get(v, "csv", NULL)) &&
            (rc = get_string(c, e, "export.csv", &s->export_csv)))
            return rc;
        if ((e = hpo__tree_get(v, "json", NULL)) &&
            (rc = get_string(c, e, "export.json", &s->export_json)))
            return rc;
    }
    if (!(v = hpo__tree_get(root, "objective", NULL)))
        return fail_at(c, root, "objective", "missing: what to run for each trial");
    if ((rc = parse_objective(c, v)) != 0)
        return rc;
    if ((rc = objective_json(s)) != 0)
        return rc;
    if (s->est.set) {
        /* scikit-learn scorers are "greater is better" (hence neg_mean_squared_error) */
        if (s->direction_set && s->direction != HPO_MAXIMIZE)
            return fail_at(c, hpo__tree_get(root, "direction", NULL), "direction",
                           "built-in estimators are scored greater-is-better (scikit-learn "
                           "scorers, e.g. neg_mean_squared_error): use maximize or leave it out");
        s->direction = HPO_MAXIMIZE;
    }
    if (!(v = hpo__tree_get(root, "space", NULL)))
        return fail_at(c, root, "space", "missing: the parameters to tune");
    if ((rc = parse_space(c, v)) != 0)
        return rc;
    const hpo__node *sn = hpo__tree_get(root, "sampler", NULL);
    if (sn && (rc = parse_sampler(c, sn)) != 0)
        return rc;
    if (!s->sampler && !(s->sampler = hpo__strdup("random")))
        return hpo__enomem();
    const hpo__node *sch = hpo__tree_get(root, "scheduler", NULL);
    if (sch && (rc = parse_scheduler(c, sch, nt)) != 0)
        return rc;
    s->n_trials_set = n_trials_set;
    hpo__spec_default_n_trials(s);
    return check_sampler(c, sn ? sn : root);
}

void hpo__spec_default_n_trials(hpo_spec *s)
{
    if (s->n_trials_set)
        return;
    unsigned long long g = 0;
    if (!strcmp(s->sampler, "grid") && hpo_space_grid_size(s->space, &g) == 0 && g > 0 &&
        g <= (unsigned long long)0x7fffffffffffffffLL)
        s->n_trials = (long long)g;
    else
        s->n_trials = 10; /* RandomizedSearchCV's n_iter */
    hpo__err_clear();
}

/* Re-validate after an override of the sampler or n_trials. */
int hpo__spec_check_sampler(hpo_spec *s)
{
    ctx cx = {.origin = s->origin, .spec = s};
    return check_sampler(&cx, NULL);
}
