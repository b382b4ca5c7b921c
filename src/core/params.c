/*
 * params.c -- a trial's parameter values: an ordered list of (name, value).
 *
 * Values keep their types (float, int, string, bool) through JSON: an integral
 * float is written with ".0" so it reads back as a float, ints are written
 * without a point, strings are escaped per RFC 8259. Parsing uses jansson
 * (objects in document order). Lookups are linear: trials hold few parameters.
 * Invariants: names are unique; string values are owned copies.
 */
#include "core/params.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hpo__value_equal(const hpo_value *a, const hpo_value *b)
{
    if (a->type != b->type)
        return 0;
    switch (a->type) {
    case HPO_VALUE_FLOAT:
        return a->u.f == b->u.f;
    case HPO_VALUE_INT:
        return a->u.i == b->u.i;
    case HPO_VALUE_STRING:
        return a->u.s && b->u.s && strcmp(a->u.s, b->u.s) == 0;
    case HPO_VALUE_BOOL:
        return !a->u.b == !b->u.b;
    }
    return 0;
}

int hpo__value_copy(hpo_value *dst, const hpo_value *src)
{
    hpo_value v = *src;
    if (src->type == HPO_VALUE_STRING) {
        if (!src->u.s)
            return hpo__err(HPO_EINVAL, "string value is NULL");
        v.u.s = hpo__strdup(src->u.s);
        if (!v.u.s)
            return hpo__enomem();
    } else if (src->type == HPO_VALUE_BOOL) {
        v.u.b = !!src->u.b;
    } else if (src->type != HPO_VALUE_FLOAT && src->type != HPO_VALUE_INT) {
        return hpo__err(HPO_EINVAL, "unknown value type %d", (int)src->type);
    }
    *dst = v;
    return 0;
}

void hpo__value_free(hpo_value *v)
{
    if (v && v->type == HPO_VALUE_STRING) {
        hpo__free((void *)(uintptr_t)v->u.s);
        v->u.s = NULL;
    }
}

static int put_json_str(hpo__buf *b, const char *s)
{
    hpo__buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            hpo__buf_puts(b, "\\\"");
            break;
        case '\\':
            hpo__buf_puts(b, "\\\\");
            break;
        case '\n':
            hpo__buf_puts(b, "\\n");
            break;
        case '\r':
            hpo__buf_puts(b, "\\r");
            break;
        case '\t':
            hpo__buf_puts(b, "\\t");
            break;
        default:
            if (*p < 0x20)
                hpo__buf_printf(b, "\\u%04x", (unsigned)*p);
            else
                hpo__buf_putc(b, (char)*p);
        }
    }
    return hpo__buf_putc(b, '"');
}

/* Python's repr(float): the shortest digits that read back exactly, fixed
 * notation for decimal exponents in [-5, 16), else d.ddde+XX. `point` adds ".0"
 * to integral fixed values. */
static void fmt_float(char *buf, size_t size, double v, int point)
{
    if (!isfinite(v)) {
        snprintf(buf, size, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
        return;
    }
    char e[40];
    int prec = 1;
    for (; prec < 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, v);
        if (strtod(e, NULL) == v)
            break;
    }
    snprintf(e, sizeof e, "%.*e", prec - 1, v);
    const char *ep = strchr(e, 'e');
    long exp10 = ep ? strtol(ep + 1, NULL, 10) : 0;
    if (exp10 < -4 || exp10 >= 16) {
        snprintf(buf, size, "%s", e);
        return;
    }
    int decimals = prec - 1 - (int)exp10;
    snprintf(buf, size, "%.*f", decimals > 0 ? decimals : 0, v);
    if (point && decimals <= 0)
        strncat(buf, ".0", size - strlen(buf) - 1);
}

int hpo__value_to_json(hpo__buf *b, const hpo_value *v)
{
    char tmp[48];
    switch (v->type) {
    case HPO_VALUE_FLOAT:
        if (!isfinite(v->u.f))
            return hpo__err(HPO_EINVAL, "a non-finite float has no JSON form");
        fmt_float(tmp, sizeof tmp, v->u.f, 1);
        return hpo__buf_puts(b, tmp);
    case HPO_VALUE_INT:
        return hpo__buf_printf(b, "%lld", v->u.i);
    case HPO_VALUE_STRING:
        return put_json_str(b, v->u.s ? v->u.s : "");
    case HPO_VALUE_BOOL:
        return hpo__buf_puts(b, v->u.b ? "true" : "false");
    }
    return hpo__err(HPO_EINVAL, "unknown value type %d", (int)v->type);
}

int hpo__value_to_text(hpo__buf *b, const hpo_value *v)
{
    char tmp[48];
    switch (v->type) {
    case HPO_VALUE_FLOAT:
        fmt_float(tmp, sizeof tmp, v->u.f, 0);
        return hpo__buf_puts(b, tmp);
    case HPO_VALUE_INT:
        return hpo__buf_printf(b, "%lld", v->u.i);
    case HPO_VALUE_STRING:
        return hpo__buf_puts(b, v->u.s ? v->u.s : "");
    case HPO_VALUE_BOOL:
        return hpo__buf_puts(b, v->u.b ? "true" : "false");
    }
    return hpo__err(HPO_EINVAL, "unknown value type %d", (int)v->type);
}

long hpo__params_find(const hpo__params *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->names[i], name) == 0)
            return (long)i;
    return -1;
}

int hpo__params_add(hpo__params *p, const char *name, const hpo_value *v)
{
    if (!name || !*name)
        return hpo__err(HPO_EINVAL, "parameter name is empty");
    if (hpo__params_find(p, name) >= 0)
        return hpo__err(HPO_EINVAL, "duplicate parameter '%s'", name);
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        char **names = hpo__realloc(p->names, cap * sizeof *names);
        if (!names)
            return hpo__enomem();
        p->names = names;
        hpo_value *values = hpo__realloc(p->values, cap * sizeof *values);
        if (!values)
            return hpo__enomem();
        p->values = values;
        p->cap = cap;
    }
    char *n = hpo__strdup(name);
    if (!n)
        return hpo__enomem();
    int rc = hpo__value_copy(&p->values[p->n], v);
    if (rc) {
        hpo__free(n);
        return rc;
    }
    p->names[p->n++] = n;
    return 0;
}

int hpo__params_set(hpo__params *p, const char *name, const hpo_value *v)
{
    long j = hpo__params_find(p, name);
    if (j < 0)
        return hpo__params_add(p, name, v);
    hpo_value copy;
    int rc = hpo__value_copy(&copy, v);
    if (rc)
        return rc;
    hpo__value_free(&p->values[j]);
    p->values[j] = copy;
    return 0;
}

void hpo__params_free(hpo__params *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        hpo__free(p->names[i]);
        hpo__value_free(&p->values[i]);
    }
    hpo__free(p->names);
    hpo__free(p->values);
    p->names = NULL;
    p->values = NULL;
    p->n = p->cap = 0;
}

int hpo__params_copy(hpo__params *dst, const hpo__params *src)
{
    hpo__params tmp = HPO__PARAMS_INIT;
    for (size_t i = 0; i < src->n; i++) {
        int rc = hpo__params_add(&tmp, src->names[i], &src->values[i]);
        if (rc) {
            hpo__params_free(&tmp);
            return rc;
        }
    }
    *dst = tmp;
    return 0;
}

int hpo__params_equal(const hpo__params *a, const hpo__params *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        long j = hpo__params_find(b, a->names[i]);
        if (j < 0 || !hpo__value_equal(&a->values[i], &b->values[j]))
            return 0;
    }
    return 1;
}

int hpo__params_to_json(const hpo__params *p, char **out)
{
    hpo__buf b = HPO__BUF_INIT;
    int rc = 0;
    hpo__buf_putc(&b, '{');
    for (size_t i = 0; i < p->n; i++) {
        if (i)
            hpo__buf_puts(&b, ", ");
        put_json_str(&b, p->names[i]);
        hpo__buf_puts(&b, ": ");
        if ((rc = hpo__value_to_json(&b, &p->values[i])) < 0)
            goto fail;
    }
    hpo__buf_putc(&b, '}');
    return hpo__buf_take(&b, out);
fail:
    hpo__buf_free(&b);
    return rc;
}

int hpo__params_from_json(const char *json, hpo__params *out)
{
    json_error_t jerr;
    hpo__params tmp = HPO__PARAMS_INIT;
    int rc = 0;
    json_t *root = json_loads(json ? json : "", JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return hpo__err(HPO_EINVAL, "params JSON: %s (line %d)", jerr.text, jerr.line);
    if (!json_is_object(root)) {
        rc = hpo__err(HPO_EINVAL, "params JSON: expected an object");
        goto done;
    }
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val)
    {
        hpo_value v;
        switch (json_typeof(val)) {
        case JSON_REAL:
            v.type = HPO_VALUE_FLOAT;
            v.u.f = json_real_value(val);
            break;
        case JSON_INTEGER:
            v.type = HPO_VALUE_INT;
            v.u.i = (long long)json_integer_value(val);
            break;
        case JSON_STRING:
            v.type = HPO_VALUE_STRING;
            v.u.s = json_string_value(val);
            break;
        case JSON_TRUE:
        case JSON_FALSE:
            v.type = HPO_VALUE_BOOL;
            v.u.b = json_is_true(val);
            break;
        default:
            rc = hpo__err(HPO_EINVAL, "params JSON: '%s' is not a number, string or boolean", key);
            goto done;
        }
        if ((rc = hpo__params_add(&tmp, key, &v)) < 0)
            goto done;
    }
done:
    json_decref(root);
    if (rc) {
        hpo__params_free(&tmp);
        return rc;
    }
    *out = tmp;
    return 0;
}
