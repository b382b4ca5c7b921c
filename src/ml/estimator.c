/*
 * estimator.c -- the registry of built-in estimators and the shared readers of
 * their hyperparameters.
 *
 * Reference behaviour: scikit-learn's parameter validation (an unknown name or
 * a value of the wrong type or out of range is refused before fitting), with
 * hpo's did-you-mean suggestions. Names are scikit-learn's / XGBoost's.
 *
 * Invariants: the registry is static and read-only (thread-safe); `names` and
 * `table` list the same estimators in the same order (a unit test checks).
 * Costs: lookups are linear in the (few) estimators and parameters.
 */
#include "ml/estimator.h"
#include "util/util.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const hpo__estimator_ops *const table[] = {
    &hpo__knn_ops,        &hpo__svc_ops,        &hpo__svr_ops,     &hpo__logistic_regression_ops,
    &hpo__linear_svc_ops, &hpo__linear_svr_ops, &hpo__xgboost_ops, &hpo__random_forest_ops,
    &hpo__mlp_ops};
static const char *const names[] = {"knn",        "svc",        "svr",     "logistic_regression",
                                    "linear_svc", "linear_svr", "xgboost", "random_forest",
                                    "mlp",        NULL};

#define N_EST (sizeof table / sizeof table[0])

const char *const *hpo__estimator_names(void)
{
    return names;
}

const hpo__estimator_ops *hpo__estimator_find(const char *name)
{
    if (!name || !*name) {
        hpo__err(HPO_EINVAL, "estimator name is empty");
        return NULL;
    }
    for (size_t i = 0; i < N_EST; i++)
        if (strcmp(table[i]->name, name) == 0)
            return table[i];
    const char *s = hpo__suggest(name, names, N_EST);
    if (s) {
        hpo__err(HPO_EINVAL, "unknown estimator '%s' (did you mean '%s'?)", name, s);
    } else {
        hpo__buf b = HPO__BUF_INIT;
        for (size_t i = 0; i < N_EST; i++)
            hpo__buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
        hpo__err(HPO_EINVAL, "unknown estimator '%s' (built-in: %s)", name,
                 b.data && !b.oom ? b.data : "?");
        hpo__buf_free(&b);
    }
    return NULL;
}

/* ---- hyperparameters */

const hpo_value *hpo__hp_get(const hpo__params *hp, const char *name)
{
    if (!hp || !name)
        return NULL;
    long i = hpo__params_find(hp, name);
    return i < 0 ? NULL : &hp->values[i];
}

/* A value as text for messages ("3", "0.5", "'foo'", "true"). */
static void value_text(const hpo_value *v, char *buf, size_t size)
{
    switch (v->type) {
    case HPO_VALUE_FLOAT:
        hpo__fmt_double(buf, size, v->u.f);
        return;
    case HPO_VALUE_INT:
        snprintf(buf, size, "%lld", v->u.i);
        return;
    case HPO_VALUE_STRING:
        snprintf(buf, size, "'%s'", v->u.s ? v->u.s : "");
        return;
    case HPO_VALUE_BOOL:
        snprintf(buf, size, "%s", v->u.b ? "true" : "false");
        return;
    }
    snprintf(buf, size, "?");
}

int hpo__hp_check_names(const char *est, const hpo__params *hp, const hpo__hyper *hypers)
{
    if (!hp)
        return 0;
    size_t nh = 0;
    while (hypers[nh].name)
        nh++;
    for (size_t i = 0; i < hp->n; i++) {
        size_t j = 0;
        while (j < nh && strcmp(hypers[j].name, hp->names[i]) != 0)
            j++;
        if (j < nh)
            continue;
        /* candidates for the suggestion, without allocating */
        const char *best = NULL;
        size_t best_d = (size_t)-1, len = strlen(hp->names[i]);
        size_t limit = len / 3 > 2 ? len / 3 : 2;
        for (j = 0; j < nh; j++) {
            size_t d = hpo__edit_distance(hp->names[i], hypers[j].name);
            if (d < best_d) {
                best_d = d;
                best = hypers[j].name;
            }
        }
        if (best && best_d <= limit)
            return hpo__err(HPO_EINVAL, "%s: unknown parameter '%s' (did you mean '%s'?)", est,
                            hp->names[i], best);
        hpo__buf b = HPO__BUF_INIT;
        for (j = 0; j < nh; j++)
            hpo__buf_printf(&b, "%s%s", j ? ", " : "", hypers[j].name);
        int rc = hpo__err(HPO_EINVAL, "%s: unknown parameter '%s' (%s takes: %s)", est,
                          hp->names[i], est, b.data && !b.oom ? b.data : "none");
        hpo__buf_free(&b);
        return rc;
    }
    return 0;
}

int hpo__hp_int(const char *est, const hpo__params *hp, const char *name, long long def,
                long long lo, long long hi, long long *out)
{
    const hpo_value *v = hpo__hp_get(hp, name);
    char text[64];
    long long x;
    if (!v) {
        *out = def;
        return 0;
    }
    if (v->type == HPO_VALUE_INT) {
        x = v->u.i;
    } else if (v->type == HPO_VALUE_FLOAT && isfinite(v->u.f) && v->u.f == floor(v->u.f) &&
               fabs(v->u.f) < 9.0e15) {
        x = (long long)v->u.f;
    } else {
        value_text(v, text, sizeof text);
        return hpo__err(HPO_EINVAL, "%s: %s must be an integer, got %s", est, name, text);
    }
    if (x < lo || x > hi) {
        if (hi == LLONG_MAX)
            return hpo__err(HPO_EINVAL, "%s: %s must be >= %lld, got %lld", est, name, lo, x);
        if (lo == LLONG_MIN)
            return hpo__err(HPO_EINVAL, "%s: %s must be <= %lld, got %lld", est, name, hi, x);
        return hpo__err(HPO_EINVAL, "%s: %s must be in [%lld, %lld], got %lld", est, name, lo, hi,
                        x);
    }
    *out = x;
    return 0;
}

int hpo__hp_float(const char *est, const hpo__params *hp, const char *name, double def, double lo,
                  double hi, int open, double *out)
{
    const hpo_value *v = hpo__hp_get(hp, name);
    char text[64], lt[40], ht[40];
    double x;
    if (!v) {
        *out = def;
        return 0;
    }
    if (v->type == HPO_VALUE_FLOAT) {
        x = v->u.f;
    } else if (v->type == HPO_VALUE_INT) {
        x = (double)v->u.i;
    } else {
        value_text(v, text, sizeof text);
        return hpo__err(HPO_EINVAL, "%s: %s must be a number, got %s", est, name, text);
    }
    value_text(v, text, sizeof text);
    if (!isfinite(x))
        return hpo__err(HPO_EINVAL, "%s: %s must be finite, got %s", est, name, text);
    int lo_bad = (open & HPO__HP_OPEN_LOW) ? !(x > lo) : !(x >= lo);
    int hi_bad = (open & HPO__HP_OPEN_HIGH) ? !(x < hi) : !(x <= hi);
    if (lo_bad || hi_bad) {
        hpo__fmt_double(lt, sizeof lt, lo);
        hpo__fmt_double(ht, sizeof ht, hi);
        const char *lop = (open & HPO__HP_OPEN_LOW) ? ">" : ">=";
        const char *hop = (open & HPO__HP_OPEN_HIGH) ? "<" : "<=";
        if (isinf(hi))
            return hpo__err(HPO_EINVAL, "%s: %s must be %s %s, got %s", est, name, lop, lt, text);
        if (isinf(lo))
            return hpo__err(HPO_EINVAL, "%s: %s must be %s %s, got %s", est, name, hop, ht, text);
        return hpo__err(HPO_EINVAL, "%s: %s must be in %c%s, %s%c, got %s", est, name,
                        (open & HPO__HP_OPEN_LOW) ? '(' : '[', lt, ht,
                        (open & HPO__HP_OPEN_HIGH) ? ')' : ']', text);
    }
    *out = x;
    return 0;
}

int hpo__hp_choice(const char *est, const hpo__params *hp, const char *name,
                   const char *const *choices, size_t def, size_t *out)
{
    const hpo_value *v = hpo__hp_get(hp, name);
    char text[64];
    if (!v) {
        *out = def;
        return 0;
    }
    size_t n = 0;
    while (choices[n])
        n++;
    if (v->type == HPO_VALUE_STRING && v->u.s) {
        for (size_t i = 0; i < n; i++) {
            if (strcmp(choices[i], v->u.s) == 0) {
                *out = i;
                return 0;
            }
        }
    }
    hpo__buf b = HPO__BUF_INIT;
    for (size_t i = 0; i < n; i++)
        hpo__buf_printf(&b, "%s'%s'", i ? ", " : "", choices[i]);
    const char *list = b.data && !b.oom ? b.data : "?";
    const char *s = v->type == HPO_VALUE_STRING && v->u.s ? hpo__suggest(v->u.s, choices, n) : NULL;
    value_text(v, text, sizeof text);
    int rc;
    if (s)
        rc = hpo__err(HPO_EINVAL, "%s: %s must be one of %s, got %s (did you mean '%s'?)", est,
                      name, list, text, s);
    else
        rc = hpo__err(HPO_EINVAL, "%s: %s must be one of %s, got %s", est, name, list, text);
    hpo__buf_free(&b);
    return rc;
}

int hpo__hp_bool(const char *est, const hpo__params *hp, const char *name, int def, int *out)
{
    const hpo_value *v = hpo__hp_get(hp, name);
    char text[64];
    if (!v) {
        *out = def;
        return 0;
    }
    if (v->type != HPO_VALUE_BOOL) {
        value_text(v, text, sizeof text);
        return hpo__err(HPO_EINVAL, "%s: %s must be true or false, got %s", est, name, text);
    }
    *out = v->u.b != 0;
    return 0;
}
