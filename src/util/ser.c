/*
 * ser.c -- fixed-width little-endian serialisation for model files.
 *
 * Invariants: every writer appends through hpo__buf (sticky oom); every reader
 * checks the bytes left before reading, so truncated or hostile input yields
 * HPO_ESPEC, never an out-of-bounds read. Doubles travel as their IEEE-754 bits.
 */
#include "util/util.h"

#include <string.h>

static int put(hpo__buf *b, uint64_t v, size_t width)
{
    char bytes[8];
    for (size_t i = 0; i < width; i++)
        bytes[i] = (char)(unsigned char)(v >> (8 * i));
    return hpo__buf_append(b, bytes, width);
}

int hpo__ser_u32(hpo__buf *b, uint32_t v)
{
    return put(b, v, 4);
}

int hpo__ser_u64(hpo__buf *b, uint64_t v)
{
    return put(b, v, 8);
}

int hpo__ser_f64(hpo__buf *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return put(b, u, 8);
}

int hpo__ser_f64s(hpo__buf *b, const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (hpo__ser_f64(b, v[i]) != 0)
            return HPO_ENOMEM;
    return 0;
}

int hpo__ser_f32s(hpo__buf *b, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &v[i], sizeof u);
        if (put(b, u, 4) != 0)
            return HPO_ENOMEM;
    }
    return 0;
}

int hpo__ser_str(hpo__buf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n > UINT32_MAX)
        return hpo__err(HPO_EINVAL, "string too long to serialise");
    if (put(b, (uint32_t)n, 4) != 0)
        return HPO_ENOMEM;
    return n ? hpo__buf_append(b, s, n) : 0;
}

static int get(hpo__deser *d, size_t width, uint64_t *v)
{
    if (d->left < width)
        return hpo__err(HPO_ESPEC, "%s: truncated", d->what ? d->what : "model");
    uint64_t x = 0;
    for (size_t i = 0; i < width; i++)
        x |= (uint64_t)d->p[i] << (8 * i);
    d->p += width;
    d->left -= width;
    *v = x;
    return 0;
}

int hpo__deser_u32(hpo__deser *d, uint32_t *v)
{
    uint64_t x = 0;
    int rc = get(d, 4, &x);
    if (rc == 0)
        *v = (uint32_t)x;
    return rc;
}

int hpo__deser_u64(hpo__deser *d, uint64_t *v)
{
    return get(d, 8, v);
}

int hpo__deser_f64(hpo__deser *d, double *v)
{
    uint64_t x = 0;
    int rc = get(d, 8, &x);
    if (rc == 0)
        memcpy(v, &x, sizeof *v);
    return rc;
}

int hpo__deser_f64s(hpo__deser *d, double *v, size_t n)
{
    if (n > d->left / 8)
        return hpo__err(HPO_ESPEC, "%s: truncated", d->what ? d->what : "model");
    for (size_t i = 0; i < n; i++)
        hpo__deser_f64(d, &v[i]);
    return 0;
}

int hpo__deser_f32s(hpo__deser *d, float *v, size_t n)
{
    if (n > d->left / 4)
        return hpo__err(HPO_ESPEC, "%s: truncated", d->what ? d->what : "model");
    for (size_t i = 0; i < n; i++) {
        uint64_t x = 0;
        get(d, 4, &x);
        uint32_t u = (uint32_t)x;
        memcpy(&v[i], &u, sizeof u);
    }
    return 0;
}

int hpo__deser_size(hpo__deser *d, size_t max, size_t *out)
{
    uint64_t x = 0;
    int rc = get(d, 8, &x);
    if (rc)
        return rc;
    if (x > max)
        return hpo__err(HPO_ESPEC, "%s: implausible size %llu", d->what ? d->what : "model",
                        (unsigned long long)x);
    *out = (size_t)x;
    return 0;
}

int hpo__deser_str(hpo__deser *d, size_t max, char **out)
{
    uint32_t n;
    int rc = hpo__deser_u32(d, &n);
    if (rc)
        return rc;
    if (n > max || n > d->left)
        return hpo__err(HPO_ESPEC, "%s: %s", d->what ? d->what : "model",
                        n > max ? "implausible string length" : "truncated");
    char *s = hpo__strndup((const char *)d->p, n);
    if (!s)
        return hpo__enomem();
    d->p += n;
    d->left -= n;
    *out = s;
    return 0;
}
