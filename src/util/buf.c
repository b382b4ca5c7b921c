/*
 * buf.c -- a growable NUL-terminated string buffer. Appends after a failed one
 * are ignored (the `oom` flag is sticky) so callers check once, at hpo__buf_take.
 */
#include "util/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hpo__buf_append(hpo__buf *b, const char *s, size_t n)
{
    if (b->oom)
        return HPO_ENOMEM;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = hpo__realloc(b->data, cap);
        if (!d) {
            b->oom = 1;
            return HPO_ENOMEM;
        }
        b->data = d;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int hpo__buf_puts(hpo__buf *b, const char *s)
{
    return hpo__buf_append(b, s, strlen(s));
}

int hpo__buf_putc(hpo__buf *b, char c)
{
    return hpo__buf_append(b, &c, 1);
}

int hpo__buf_vprintf(hpo__buf *b, const char *fmt, va_list ap)
{
    char small[256];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0) {
        va_end(ap2);
        return HPO_EINVAL;
    }
    if ((size_t)n < sizeof small) {
        va_end(ap2);
        return hpo__buf_append(b, small, (size_t)n);
    }
    char *big = hpo__malloc((size_t)n + 1);
    if (!big) {
        va_end(ap2);
        b->oom = 1;
        return HPO_ENOMEM;
    }
    vsnprintf(big, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    int rc = hpo__buf_append(b, big, (size_t)n);
    hpo__free(big);
    return rc;
}

int hpo__buf_printf(hpo__buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = hpo__buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

int hpo__buf_take(hpo__buf *b, char **out)
{
    if (b->oom) {
        hpo__buf_free(b);
        return hpo__enomem();
    }
    if (!b->data && hpo__buf_append(b, "", 0) != 0) {
        hpo__buf_free(b);
        return hpo__enomem();
    }
    *out = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return 0;
}

void hpo__buf_free(hpo__buf *b)
{
    hpo__free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

void hpo__fmt_double(char *buf, size_t size, double v)
{
    if (isnan(v)) {
        snprintf(buf, size, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, size, v > 0 ? "inf" : "-inf");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

int hpo__buf_double(hpo__buf *b, double v)
{
    char tmp[40];
    hpo__fmt_double(tmp, sizeof tmp, v);
    return hpo__buf_puts(b, tmp);
}
