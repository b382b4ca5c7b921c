/*
 * encode.c -- configurations <-> unit-cube codes (encode.h).
 */
#include "core/encode.h"

#include "util/util.h"

#include <math.h>
#include <string.h>

int hpo__encoder_init(hpo__encoder *e, const hpo_space *space, const char *who)
{
    memset(e, 0, sizeof *e);
    if (!space || !space->resolved)
        return hpo__err(HPO_EINVAL, "%s: the space is not resolved", who);
    if (space->n_subs != 1)
        return hpo__err(HPO_EINVAL,
                        "%s: a list of spaces is not supported; use one space with conditions",
                        who);
    const hpo__subspace *sub = &space->subs[0];
    if (sub->n == 0)
        return hpo__err(HPO_EINVAL, "%s: the space has no parameter", who);
    e->sub = sub;
    e->d = sub->n;
    e->categorical = hpo__calloc(sub->n, 1);
    e->levels = hpo__calloc(sub->n, sizeof *e->levels);
    if (!e->categorical || !e->levels) {
        hpo__encoder_free(e);
        return hpo__enomem();
    }
    for (size_t j = 0; j < sub->n; j++) {
        const hpo__param *p = &sub->params[j];
        if (p->kind == HPO__PARAM_CATEGORICAL) {
            e->categorical[j] = 1;
            e->levels[j] = p->n_choices;
        } else if (p->kind == HPO__PARAM_INT) {
            e->levels[j] = (size_t)(((unsigned long long)p->ihigh - (unsigned long long)p->ilow) /
                                        (unsigned long long)p->step +
                                    1);
        }
    }
    return 0;
}

void hpo__encoder_free(hpo__encoder *e)
{
    if (!e)
        return;
    hpo__free(e->categorical);
    hpo__free(e->levels);
    memset(e, 0, sizeof *e);
}

static double clip01(double u)
{
    return !(u > 0) ? 0 : u > 1 ? 1 : u;
}

/* The code of one active value of parameter j. */
static int encode_value(const hpo__encoder *e, size_t j, const hpo_value *v, double *u)
{
    const hpo__param *p = &e->sub->params[j];
    switch (p->kind) {
    case HPO__PARAM_FLOAT: {
        double x;
        if (v->type == HPO_VALUE_FLOAT)
            x = v->u.f;
        else if (v->type == HPO_VALUE_INT)
            x = (double)v->u.i;
        else
            break;
        if (p->high <= p->low) {
            *u = 0.5;
            return 0;
        }
        if (p->log)
            *u = clip01((log(x > 0 ? x : p->low) - log(p->low)) / (log(p->high) - log(p->low)));
        else
            *u = clip01((x - p->low) / (p->high - p->low));
        return 0;
    }
    case HPO__PARAM_INT: {
        if (v->type != HPO_VALUE_INT)
            break;
        long long k = v->u.i < p->ilow ? p->ilow : v->u.i > p->ihigh ? p->ihigh : v->u.i;
        if (p->log) {
            double lo = log((double)p->ilow), hi = log((double)p->ihigh + 1.0);
            double top = (double)k + (double)p->step;
            if (top > (double)p->ihigh + 1.0)
                top = (double)p->ihigh + 1.0;
            *u = hi > lo ? clip01((0.5 * (log((double)k) + log(top)) - lo) / (hi - lo)) : 0.5;
        } else {
            unsigned long long idx =
                ((unsigned long long)k - (unsigned long long)p->ilow) / (unsigned long long)p->step;
            *u = ((double)idx + 0.5) / (double)e->levels[j];
        }
        return 0;
    }
    case HPO__PARAM_CATEGORICAL:
        for (size_t c = 0; c < p->n_choices; c++) {
            if (hpo__value_equal(&p->choices[c], v)) {
                *u = (double)c;
                return 0;
            }
        }
        /* An int written for a float choice (or back) still matches by number. */
        for (size_t c = 0; c < p->n_choices; c++) {
            const hpo_value *w = &p->choices[c];
            double a = w->type == HPO_VALUE_FLOAT ? w->u.f
                       : w->type == HPO_VALUE_INT ? (double)w->u.i
                                                  : (double)NAN;
            double b = v->type == HPO_VALUE_FLOAT ? v->u.f
                       : v->type == HPO_VALUE_INT ? (double)v->u.i
                                                  : (double)NAN;
            if (!isnan(a) && a == b) {
                *u = (double)c;
                return 0;
            }
        }
        return hpo__err(HPO_EINVAL, "parameter '%s': value is not one of its choices", p->name);
    }
    return hpo__err(HPO_EINVAL, "parameter '%s': value of another type", p->name);
}

int hpo__encode(const hpo__encoder *e, const hpo__params *p, double *u)
{
    for (size_t j = 0; j < e->d; j++) {
        const hpo__param *q = &e->sub->params[j];
        long i = hpo__params_find(p, q->name);
        if (i < 0) {
            u[j] = e->categorical[j] ? 0.0 : 0.5;
            continue;
        }
        int rc = encode_value(e, j, &p->values[i], &u[j]);
        if (rc)
            return rc;
    }
    return 0;
}

int hpo__decode(const hpo__encoder *e, const double *u, hpo__params *out)
{
    hpo_value *vals = hpo__calloc(e->d, sizeof *vals);
    if (!vals)
        return hpo__enomem();
    for (size_t j = 0; j < e->d; j++) {
        const hpo__param *p = &e->sub->params[j];
        if (e->categorical[j]) {
            double c = floor(u[j] + 0.5);
            size_t k = !(c > 0) ? 0 : c >= (double)p->n_choices ? p->n_choices - 1 : (size_t)c;
            vals[j] = p->choices[k];
        } else {
            hpo__param_from_unit(p, clip01(u[j]), &vals[j]);
        }
    }
    int rc = hpo__subspace_build(e->sub, vals, out);
    hpo__free(vals);
    return rc;
}

int hpo__encode_snap(const hpo__encoder *e, double *u)
{
    hpo__params p = HPO__PARAMS_INIT;
    int rc = hpo__decode(e, u, &p);
    if (rc == 0)
        rc = hpo__encode(e, &p, u);
    hpo__params_free(&p);
    return rc;
}
