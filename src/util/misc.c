/*
 * misc.c -- strict number parsing, did-you-mean suggestions, clocks.
 */
#include "util/util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int hpo__parse_double(const char *s, double *out)
{
    if (!s || !*s)
        return HPO_EINVAL;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || end == s)
        return HPO_EINVAL;
    if (errno == ERANGE && isinf(v))
        return HPO_EINVAL;
    *out = v;
    return 0;
}

int hpo__parse_ll(const char *s, long long *out)
{
    if (!s || !*s)
        return HPO_EINVAL;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end != '\0' || end == s || errno == ERANGE)
        return HPO_EINVAL;
    *out = v;
    return 0;
}

size_t hpo__edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return (size_t)-1;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            size_t m = sub < del ? sub : del;
            cur[j] = m < ins ? m : ins;
        }
        memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
    }
    return prev[lb];
}

const char *hpo__suggest(const char *word, const char *const *candidates, size_t n)
{
    size_t len = strlen(word);
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        if (!candidates[i])
            break;
        size_t d = hpo__edit_distance(word, candidates[i]);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    return best_d <= limit ? best : NULL;
}

/* "a, b or c" */
static void list_names(hpo__buf *b, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        hpo__buf_printf(b, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", names[i]);
}

long hpo__lookup_name(const char *kind, const char *name, const char *const *names, size_t n)
{
    for (size_t i = 0; name && i < n; i++)
        if (strcmp(names[i], name) == 0)
            return (long)i;
    hpo__buf b = HPO__BUF_INIT;
    list_names(&b, names, n);
    const char *all = b.data ? b.data : "";
    const char *s = name && *name ? hpo__suggest(name, names, n) : NULL;
    if (!name || !*name)
        hpo__err(HPO_EINVAL, "no %s name given (expected %s)", kind, all);
    else if (s)
        hpo__err(HPO_EINVAL, "unknown %s '%s' (did you mean '%s'?)", kind, name, s);
    else
        hpo__err(HPO_EINVAL, "unknown %s '%s' (expected %s)", kind, name, all);
    hpo__buf_free(&b);
    return -1;
}

const char *hpo__kv_get(const hpo_kv *kv, size_t n, const char *key)
{
    for (size_t i = 0; kv && i < n; i++)
        if (kv[i].key && strcmp(kv[i].key, key) == 0)
            return kv[i].value;
    return NULL;
}

int hpo__check_option_names(const char *kind, const char *owner, const char *const *names,
                            const hpo_kv *opts, size_t n)
{
    size_t n_names = 0;
    while (names && names[n_names])
        n_names++;
    for (size_t i = 0; i < n; i++) {
        const char *key = opts[i].key;
        if (!key)
            return hpo__err(HPO_EINVAL, "%s %s: an option has no name", kind, owner);
        size_t j = 0;
        while (j < n_names && strcmp(names[j], key) != 0)
            j++;
        if (j < n_names)
            continue;
        const char *s = n_names ? hpo__suggest(key, names, n_names) : NULL;
        if (s)
            return hpo__err(HPO_EINVAL, "%s %s: unknown option '%s' (did you mean '%s'?)", kind,
                            owner, key, s);
        if (!n_names)
            return hpo__err(HPO_EINVAL, "%s %s: unknown option '%s' (it takes no options)", kind,
                            owner, key);
        hpo__buf b = HPO__BUF_INIT;
        for (size_t k = 0; k < n_names; k++)
            hpo__buf_printf(&b, "%s%s", k ? ", " : "", names[k]);
        int rc = hpo__err(HPO_EINVAL, "%s %s: unknown option '%s' (expected %s)", kind, owner, key,
                          b.data ? b.data : "");
        hpo__buf_free(&b);
        return rc;
    }
    return 0;
}

static _Thread_local int worker_index;

int hpo__worker_index(void)
{
    return worker_index;
}

void hpo__set_worker_index(int index)
{
    worker_index = index;
}

double hpo__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double hpo__monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void hpo__sleep(double seconds)
{
    if (seconds <= 0)
        return;
    struct timespec ts;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int hpo__opt_double(const hpo_kv *kv, size_t n, const char *kind, const char *owner,
                    const char *key, double dflt, double *out)
{
    const char *v = hpo__kv_get(kv, n, key);
    double d;
    if (!v)
        d = dflt;
    else if (hpo__parse_double(v, &d) != 0 || !isfinite(d))
        return hpo__err(HPO_EINVAL, "%s %s: %s: expected a number, got '%s'", kind, owner, key, v);
    *out = d;
    return 0;
}

int hpo__opt_ll(const hpo_kv *kv, size_t n, const char *kind, const char *owner, const char *key,
                long long dflt, long long *out)
{
    const char *v = hpo__kv_get(kv, n, key);
    long long x;
    if (!v)
        x = dflt;
    else if (hpo__parse_ll(v, &x) != 0)
        return hpo__err(HPO_EINVAL, "%s %s: %s: expected an integer, got '%s'", kind, owner, key,
                        v);
    *out = x;
    return 0;
}

int hpo__opt_bool(const hpo_kv *kv, size_t n, const char *kind, const char *owner, const char *key,
                  int dflt, int *out)
{
    static const char *const yes[] = {"true", "True", "TRUE", "1", "yes", "on"};
    static const char *const no[] = {"false", "False", "FALSE", "0", "no", "off"};
    const char *v = hpo__kv_get(kv, n, key);
    if (!v) {
        *out = dflt;
        return 0;
    }
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (!strcmp(v, yes[i]) || !strcmp(v, no[i])) {
            *out = !strcmp(v, yes[i]);
            return 0;
        }
    }
    return hpo__err(HPO_EINVAL, "%s %s: %s: expected true or false, got '%s'", kind, owner, key, v);
}

int hpo__opt_enum(const hpo_kv *kv, size_t n, const char *kind, const char *owner, const char *key,
                  const char *const *names, int dflt, int *out)
{
    const char *v = hpo__kv_get(kv, n, key);
    if (!v) {
        *out = dflt;
        return 0;
    }
    size_t count = 0;
    while (names[count])
        count++;
    for (size_t i = 0; i < count; i++) {
        if (!strcmp(v, names[i])) {
            *out = (int)i;
            return 0;
        }
    }
    const char *s = hpo__suggest(v, names, count);
    if (s)
        return hpo__err(HPO_EINVAL, "%s %s: %s: unknown value '%s' (did you mean '%s'?)", kind,
                        owner, key, v, s);
    hpo__buf b = HPO__BUF_INIT;
    for (size_t i = 0; i < count; i++)
        hpo__buf_printf(&b, "%s%s", i ? (i + 1 == count ? " or " : ", ") : "", names[i]);
    int rc = hpo__err(HPO_EINVAL, "%s %s: %s: unknown value '%s' (expected %s)", kind, owner, key,
                      v, b.data ? b.data : "");
    hpo__buf_free(&b);
    return rc;
}

char *hpo__one_line(char *s)
{
    for (char *p = s; p && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return s;
}
