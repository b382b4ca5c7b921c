/*
 * metric.c -- the metric-line parser of the command objective (see metric.h for
 * the accepted forms). Matches the conventions of Katib's stdout collector
 * ("loss=3.0e-02"), Guild's output scalars ("loss: 0.1", step from a "step:"
 * line) and Keras's progress lines ("... - val_accuracy: 0.8433"); custom patterns
 * are PCRE2 (named groups value/step, Python's (?P<...>) spelling is native to
 * PCRE2); final strategies follow Katib's metricStrategies.
 *
 * Invariants: a compiled hpo__metric is read-only (thread-shared); PCRE2 and the
 * line buffer allocate through the util funnel. No input, however malformed,
 * makes a scan fail: only allocation failures and callback codes are returned.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "objectives/metric.h"

#include "util/util.h"

#include <jansson.h>
#include <math.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

struct hpo__metric {
    char *name; /* NULL when only a regex is given */
    size_t name_len;
    char *key; /* name, or "value" */
    char *step_key;
    char *desc;
    hpo_metric_strategy strategy;
    pcre2_general_context *gctx;
    pcre2_code *code;
    int value_group;
    int step_group; /* 0 = none */
};

static void *pcre_alloc(PCRE2_SIZE n, void *data)
{
    (void)data;
    return hpo__malloc(n ? n : 1);
}

static void pcre_free(void *p, void *data)
{
    (void)data;
    hpo__free(p);
}

const char *hpo__metric_key(const hpo__metric *m)
{
    return m->key;
}

const char *hpo__metric_describe(const hpo__metric *m)
{
    return m->desc;
}

void hpo__metric_destroy(hpo__metric *m)
{
    if (!m)
        return;
    pcre2_code_free(m->code);
    pcre2_general_context_free(m->gctx);
    hpo__free(m->name);
    hpo__free(m->key);
    hpo__free(m->step_key);
    hpo__free(m->desc);
    hpo__free(m);
}

static int compile_regex(hpo__metric *m, const char *regex)
{
    int rc = 0;
    pcre2_compile_context *cctx = NULL;
    m->gctx = pcre2_general_context_create(pcre_alloc, pcre_free, NULL);
    if (!m->gctx)
        return hpo__enomem();
    cctx = pcre2_compile_context_create(m->gctx);
    if (!cctx) {
        rc = hpo__enomem();
        goto done;
    }
    int errcode = 0;
    PCRE2_SIZE erroffset = 0;
    m->code =
        pcre2_compile((PCRE2_SPTR)regex, PCRE2_ZERO_TERMINATED, 0, &errcode, &erroffset, cctx);
    if (!m->code) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(errcode, msg, sizeof msg) < 0)
            msg[0] = '\0';
        if (errcode == PCRE2_ERROR_NOMEMORY)
            rc = hpo__enomem();
        else
            rc = hpo__err(HPO_EINVAL, "metric regex: %s at offset %zu", (const char *)msg,
                          (size_t)erroffset);
        goto done;
    }
    m->value_group = pcre2_substring_number_from_name(m->code, (PCRE2_SPTR) "value");
    if (m->value_group <= 0) {
        rc = hpo__err(HPO_EINVAL, "metric regex has no (?<value>...) group: %s", regex);
        goto done;
    }
    m->step_group = pcre2_substring_number_from_name(m->code, (PCRE2_SPTR) "step");
    if (m->step_group < 0)
        m->step_group = 0;
done:
    pcre2_compile_context_free(cctx);
    return rc;
}

int hpo__metric_create(hpo__metric **out, const hpo__metric_config *cfg)
{
    int rc = 0;
    hpo__metric *m = NULL;
    hpo__buf desc = HPO__BUF_INIT;
    if (!out || !cfg)
        return hpo__err(HPO_EINVAL, "metric: NULL argument");
    int has_name = cfg->name && cfg->name[0];
    int has_regex = cfg->regex && cfg->regex[0];
    if (!has_name && !has_regex)
        return hpo__err(HPO_EINVAL, "command: a metric name or a metric regex is required");
    if (cfg->strategy != HPO_METRIC_LAST && cfg->strategy != HPO_METRIC_MAX &&
        cfg->strategy != HPO_METRIC_MIN)
        return hpo__err(HPO_EINVAL, "metric strategy %d is not last, max or min",
                        (int)cfg->strategy);
    if (cfg->step_key && !cfg->step_key[0])
        return hpo__err(HPO_EINVAL, "metric step key is empty");
    m = hpo__calloc(1, sizeof *m);
    if (!m)
        return hpo__enomem();
    m->strategy = cfg->strategy;
    if (has_name) {
        m->name = hpo__strdup(cfg->name);
        m->name_len = strlen(cfg->name);
    }
    m->key = hpo__strdup(has_name ? cfg->name : "value");
    if (cfg->step_key)
        m->step_key = hpo__strdup(cfg->step_key);
    if ((has_name && !m->name) || !m->key || (cfg->step_key && !m->step_key)) {
        rc = hpo__enomem();
        goto done;
    }
    if (has_regex) {
        rc = compile_regex(m, cfg->regex);
        if (rc < 0)
            goto done;
        hpo__buf_printf(&desc, "pattern '%s'", cfg->regex);
    } else {
        hpo__buf_printf(&desc, "'%s'", cfg->name);
    }
    rc = hpo__buf_take(&desc, &m->desc);
    if (rc < 0) {
        rc = hpo__enomem();
        goto done;
    }
    *out = m;
    m = NULL;
done:
    hpo__buf_free(&desc);
    hpo__metric_destroy(m);
    return rc;
}

/* ---------------------------------------------------------------- scanning */

static int is_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Characters that, before a name, make it part of a longer identifier. */
static int is_ident_before(unsigned char c)
{
    return is_word(c) || c == '.' || c == '/' || c == '-';
}

static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t';
}

static int lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static int prefix_ci(const char *p, const char *end, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)p[i]) != lower((unsigned char)word[i]))
            return 0;
    return 1;
}

/* A float at p: [+-] (digits [. digits] [e [+-] digits] | inf | infinity | nan),
 * not followed by a word character. Returns its length (0 if none). */
static size_t scan_float(const char *p, const char *end, double *out)
{
    const char *q = p;
    if (q < end && (*q == '+' || *q == '-'))
        q++;
    const char *body = q;
    if (prefix_ci(q, end, "infinity")) {
        q += 8;
    } else if (prefix_ci(q, end, "inf") || prefix_ci(q, end, "nan")) {
        q += 3;
    } else {
        size_t digits = 0;
        while (q < end && *q >= '0' && *q <= '9') {
            q++;
            digits++;
        }
        if (q < end && *q == '.') {
            q++;
            while (q < end && *q >= '0' && *q <= '9') {
                q++;
                digits++;
            }
        }
        if (digits == 0)
            return 0;
        if (q < end && (*q == 'e' || *q == 'E')) {
            const char *e = q + 1;
            if (e < end && (*e == '+' || *e == '-'))
                e++;
            if (e < end && *e >= '0' && *e <= '9') {
                while (e < end && *e >= '0' && *e <= '9')
                    e++;
                q = e;
            }
        }
    }
    if (q == body)
        return 0;
    if (q < end && is_word((unsigned char)*q))
        return 0;
    char tmp[256];
    size_t n = (size_t)(q - p);
    if (n >= sizeof tmp)
        return 0; /* absurdly long numerals are not metric values */
    memcpy(tmp, p, n);
    tmp[n] = '\0';
    *out = strtod(tmp, NULL); /* overflow gives +-inf, which is what the text says */
    return n;
}

/* An integer at p, not followed by a word character or a decimal fraction. */
static int scan_int(const char *p, const char *end, long long *out)
{
    const char *q = p;
    int neg = 0;
    if (q < end && (*q == '+' || *q == '-')) {
        neg = *q == '-';
        q++;
    }
    unsigned long long v = 0;
    const char *d = q;
    while (q < end && *q >= '0' && *q <= '9') {
        if (v > (unsigned long long)(9223372036854775807LL / 10))
            return 0;
        v = v * 10 + (unsigned long long)(*q - '0');
        q++;
    }
    if (q == d || v > 9223372036854775807ULL)
        return 0;
    if (q < end && is_word((unsigned char)*q))
        return 0;
    if (q + 1 < end && *q == '.' && q[1] >= '0' && q[1] <= '9')
        return 0;
    *out = neg ? -(long long)v : (long long)v;
    return 1;
}

/* Skip blanks, one '=' or ':' (required when need_sep), blanks. NULL if no sep. */
static const char *skip_sep(const char *p, const char *end, int need_sep)
{
    while (p < end && is_blank((unsigned char)*p))
        p++;
    if (p < end && (*p == '=' || *p == ':'))
        p++;
    else if (need_sep)
        return NULL;
    while (p < end && is_blank((unsigned char)*p))
        p++;
    return p;
}

static int find_step_key(const hpo__metric *m, const char *line, size_t len, long long *out)
{
    const char *end = line + len;
    const char *keys[2] = {"step", "epoch"};
    size_t nkeys = 2;
    if (m->step_key) {
        keys[0] = m->step_key;
        nkeys = 1;
    }
    for (const char *p = line; p < end; p++) {
        if (p > line && is_ident_before((unsigned char)p[-1]))
            continue;
        for (size_t k = 0; k < nkeys; k++) {
            if (!prefix_ci(p, end, keys[k]))
                continue;
            const char *q = p + strlen(keys[k]);
            if (q < end && is_word((unsigned char)*q))
                continue;
            q = skip_sep(q, end, 0);
            if (scan_int(q, end, out))
                return 1;
        }
    }
    return 0;
}

/* The zero-config matcher: the first "name [=:] float" on the line. */
static int find_name_value(const hpo__metric *m, const char *line, size_t len, double *out)
{
    const char *end = line + len;
    if (m->name_len == 0 || len < m->name_len)
        return 0;
    for (const char *p = line; (size_t)(end - p) >= m->name_len; p++) {
        if (memcmp(p, m->name, m->name_len) != 0)
            continue;
        if (p > line && is_ident_before((unsigned char)p[-1]))
            continue;
        const char *q = skip_sep(p + m->name_len, end, 1);
        if (!q)
            continue;
        if (scan_float(q, end, out))
            return 1;
    }
    return 0;
}

static void tail_push(hpo__metric_run *r, const char *line, size_t len)
{
    size_t i = 0;
    while (i < len && (is_blank((unsigned char)line[i]) || line[i] == '\r'))
        i++;
    if (i == len)
        return;
    char *dst = r->tail[r->tail_next];
    size_t n = 0;
    for (; i < len && n < HPO__METRIC_TAIL_WIDTH; i++) {
        unsigned char c = (unsigned char)line[i];
        dst[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    dst[n] = '\0';
    r->tail_next = (r->tail_next + 1) % HPO__METRIC_TAIL;
    if (r->tail_count < HPO__METRIC_TAIL)
        r->tail_count++;
}

void hpo__metric_run_tail(const hpo__metric_run *r, char *buf, size_t size)
{
    if (size == 0)
        return;
    buf[0] = '\0';
    size_t used = 0;
    size_t start = (r->tail_next + HPO__METRIC_TAIL - r->tail_count) % HPO__METRIC_TAIL;
    for (size_t k = 0; k < r->tail_count; k++) {
        const char *s = r->tail[(start + k) % HPO__METRIC_TAIL];
        int w = snprintf(buf + used, size - used, "%s%s", k ? " | " : "", s);
        if (w < 0 || (size_t)w >= size - used)
            return;
        used += (size_t)w;
    }
}

static int record(hpo__metric_run *r, int has_step, long long step, double v)
{
    if (!has_step)
        step = r->has_key_step ? r->key_step : (long long)r->n + 1;
    r->n++;
    r->last = v;
    r->max = fmax(r->max, v);
    r->min = fmin(r->min, v);
    if (!r->cb)
        return 0;
    int rc = r->cb(step, v, r->payload);
    if (rc != 0)
        r->stopped = 1;
    return rc;
}

static int json_get_step(const hpo__metric *m, json_t *obj, long long *out)
{
    const char *keys[3] = {"step", "epoch", NULL};
    if (m->step_key)
        keys[2] = m->step_key;
    for (size_t k = 0; k < 3; k++) {
        if (!keys[k])
            continue;
        json_t *s = json_object_get(obj, keys[k]);
        if (json_is_integer(s)) {
            *out = (long long)json_integer_value(s);
            return 1;
        }
        if (json_is_real(s)) {
            double d = json_real_value(s);
            if (d == floor(d) && fabs(d) < 9e18) {
                *out = (long long)d;
                return 1;
            }
        }
    }
    return 0;
}

static int json_get_value(const hpo__metric *m, json_t *obj, double *out)
{
    json_t *v = json_object_get(obj, m->key);
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return 1;
    }
    /* Python's json.dumps writes NaN bare, which JSON rejects; "nan" as a string works. */
    if (json_is_string(v) && hpo__parse_double(json_string_value(v), out) == 0)
        return 1;
    return 0;
}

static int hpo_line(hpo__metric_run *r, const char *p, const char *end)
{
    json_error_t err;
    json_t *obj = json_loadb(p, (size_t)(end - p), 0, &err);
    int rc = 0;
    if (!json_is_object(obj))
        goto done;
    long long step = 0;
    int has_step = json_get_step(r->m, obj, &step);
    double v;
    if (json_get_value(r->m, obj, &v)) {
        rc = record(r, has_step, step, v);
        if (has_step) {
            r->key_step = step;
            r->has_key_step = 1;
        }
    } else if (has_step) {
        r->key_step = step;
        r->has_key_step = 1;
    }
done:
    json_decref(obj);
    return rc;
}

static int regex_line(hpo__metric_run *r, const char *line, size_t len)
{
    const hpo__metric *m = r->m;
    pcre2_match_data *md = r->match_data;
    int mrc = pcre2_match(m->code, (PCRE2_SPTR)line, len, 0, 0, md, NULL);
    if (mrc < 0)
        return 0;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    uint32_t npairs = pcre2_get_ovector_count(md);
    char tmp[256];
    double v;
    if ((uint32_t)m->value_group >= npairs)
        return 0;
    PCRE2_SIZE a = ov[2 * m->value_group], b = ov[2 * m->value_group + 1];
    if (a == PCRE2_UNSET || b < a || b - a >= sizeof tmp)
        return 0;
    while (a < b && is_blank((unsigned char)line[a]))
        a++;
    while (b > a && is_blank((unsigned char)line[b - 1]))
        b--;
    memcpy(tmp, line + a, b - a);
    tmp[b - a] = '\0';
    if (hpo__parse_double(tmp, &v) != 0) {
        /* out of range: take the overflowed value as written */
        size_t n = scan_float(tmp, tmp + (b - a), &v);
        if (n == 0 || n != b - a)
            return 0;
    }
    long long step = 0;
    int has_step = 0;
    if (m->step_group > 0 && (uint32_t)m->step_group < npairs) {
        PCRE2_SIZE sa = ov[2 * m->step_group], sb = ov[2 * m->step_group + 1];
        if (sa != PCRE2_UNSET && sb >= sa && sb - sa < sizeof tmp) {
            memcpy(tmp, line + sa, sb - sa);
            tmp[sb - sa] = '\0';
            has_step = hpo__parse_ll(tmp, &step) == 0;
        }
    }
    return record(r, has_step, step, v);
}

int hpo__metric_run_line(hpo__metric_run *r, const char *line, size_t len)
{
    if (r->stopped)
        return 0;
    tail_push(r, line, len);
    const char *end = line + len;
    const char *p = line;
    while (p < end && is_blank((unsigned char)*p))
        p++;
    if (end - p >= 4 && memcmp(p, "hpo:", 4) == 0)
        return hpo_line(r, p + 4, end);
    long long step;
    if (find_step_key(r->m, line, len, &step)) {
        r->key_step = step;
        r->has_key_step = 1;
    }
    if (r->m->code)
        return regex_line(r, line, len);
    double v;
    if (find_name_value(r->m, line, len, &v))
        return record(r, 0, 0, v);
    return 0;
}

int hpo__metric_run_init(hpo__metric_run *r, const hpo__metric *m, hpo__metric_fn cb, void *payload)
{
    memset(r, 0, sizeof *r);
    r->m = m;
    r->cb = cb;
    r->payload = payload;
    r->last = r->max = r->min = (double)NAN;
    r->line = hpo__malloc(HPO__METRIC_MAX_LINE + 1);
    if (!r->line)
        return hpo__enomem();
    if (m->code) {
        r->match_data = pcre2_match_data_create_from_pattern(m->code, m->gctx);
        if (!r->match_data) {
            hpo__free(r->line);
            r->line = NULL;
            return hpo__enomem();
        }
    }
    return 0;
}

void hpo__metric_run_free(hpo__metric_run *r)
{
    if (!r)
        return;
    pcre2_match_data_free(r->match_data);
    r->match_data = NULL;
    hpo__free(r->line);
    r->line = NULL;
}

/* Drop ANSI escape sequences (coloured logs): ESC '[' ... final byte, or ESC x. */
static size_t strip_ansi(char *s, size_t n)
{
    if (!memchr(s, 0x1b, n))
        return n;
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != 0x1b) {
            s[w++] = s[i];
            continue;
        }
        if (i + 1 < n && s[i + 1] == '[') {
            i += 2;
            while (i < n && !((unsigned char)s[i] >= 0x40 && (unsigned char)s[i] <= 0x7e))
                i++;
        } else {
            i++;
        }
    }
    return w;
}

static int end_line(hpo__metric_run *r)
{
    size_t n = strip_ansi(r->line, r->len);
    r->len = 0;
    r->truncated = 0;
    return hpo__metric_run_line(r, r->line, n);
}

int hpo__metric_run_feed(hpo__metric_run *r, const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (r->stopped)
            return 0;
        char c = data[i];
        if (r->pending_cr) {
            r->pending_cr = 0;
            if (c == '\n') {
                int rc = end_line(r);
                if (rc != 0)
                    return rc;
                continue;
            }
            r->len = 0; /* a carriage return rewrites the line (progress bars) */
            r->truncated = 0;
        }
        if (c == '\r') {
            r->pending_cr = 1;
        } else if (c == '\n') {
            int rc = end_line(r);
            if (rc != 0)
                return rc;
        } else if (r->len < HPO__METRIC_MAX_LINE) {
            r->line[r->len++] = c;
        } else {
            r->truncated = 1;
        }
    }
    return 0;
}

int hpo__metric_run_finish(hpo__metric_run *r)
{
    r->pending_cr = 0;
    if (r->len == 0 || r->stopped)
        return 0;
    return end_line(r);
}

double hpo__metric_run_value(const hpo__metric_run *r)
{
    if (r->n == 0)
        return (double)NAN;
    switch (r->m->strategy) {
    case HPO_METRIC_MAX:
        return r->max;
    case HPO_METRIC_MIN:
        return r->min;
    case HPO_METRIC_LAST:
    default:
        return r->last;
    }
}

int hpo__metric_parse(const hpo__metric *m, const char *data, size_t len, hpo__metric_fn cb,
                      void *payload, double *value, size_t *n)
{
    hpo__metric_run r;
    int rc = hpo__metric_run_init(&r, m, cb, payload);
    if (rc < 0)
        return rc;
    rc = hpo__metric_run_feed(&r, data, len);
    if (rc == 0)
        rc = hpo__metric_run_finish(&r);
    if (rc == 0) {
        if (value)
            *value = hpo__metric_run_value(&r);
        if (n)
            *n = r.n;
    }
    hpo__metric_run_free(&r);
    return rc;
}

int hpo__metric_parse_results(const hpo__metric *m, const char *data, size_t len, hpo__metric_fn cb,
                              void *payload, double *value, size_t *n)
{
    int rc = 0;
    json_error_t err;
    hpo__metric_run r;
    memset(&r, 0, sizeof r);
    r.m = m;
    r.cb = cb;
    r.payload = payload;
    r.last = r.max = r.min = (double)NAN;
    json_t *root = json_loadb(data, len, JSON_DECODE_ANY, &err);
    if (!root)
        return hpo__err(HPO_EINVAL, "results file: line %d: %s", err.line, err.text);
    if (json_is_number(root)) {
        rc = record(&r, 0, 0, json_number_value(root));
    } else if (json_is_object(root) || json_is_array(root)) {
        size_t count = json_is_array(root) ? json_array_size(root) : 1;
        for (size_t i = 0; i < count && rc == 0; i++) {
            json_t *o = json_is_array(root) ? json_array_get(root, i) : root;
            long long step = 0;
            double v;
            if (!json_is_object(o))
                continue;
            int has_step = json_get_step(m, o, &step);
            if (json_get_value(m, o, &v))
                rc = record(&r, has_step, step, v);
        }
    } else {
        rc = hpo__err(HPO_EINVAL, "results file: expected an object, a list or a number");
    }
    if (rc == 0) {
        if (value)
            *value = hpo__metric_run_value(&r);
        if (n)
            *n = r.n;
    }
    json_decref(root);
    return rc;
}
