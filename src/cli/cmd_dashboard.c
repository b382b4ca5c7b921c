/*
 * cmd_dashboard.c -- `hpo dashboard`: a read-only web view of every study in a
 * storage, served by CivetWeb (Debian libcivetweb-dev), refreshing while
 * studies run (docs/dashboard.md).
 *
 * Routes (GET and HEAD only; anything else is 405):
 *   /                              the study list (HTML)
 *   /study/<name>                  a study: summary, best trial, plots, trials
 *   /plot/<name>/<kind>.svg        one plot (hpo_plot)
 *   /report/<name>.html            the self-contained report (hpo_report)
 *   /api/studies                   every study's summary (JSON array)
 *   /api/studies/<name>            one study's summary (JSON object)
 *   /api/studies/<name>/trials     the study's JSON export
 * Nothing else is served: there is no document root and no file is ever read
 * from a path in a request. Each path segment is percent-decoded on its own
 * (a bad escape or a NUL is 400); the query string is ignored.
 *
 * Every request runs on one of CivetWeb's threads and opens its own study
 * handle (hpo_study_load), closing it before it answers. The dashboard never
 * writes to the storage and never creates a storage file: a request made
 * while the file is missing is answered 503.
 */
#define _GNU_SOURCE /* RTLD_NEXT */
#include "cli.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef HPO_HAVE_DASHBOARD

#include "dashboard_page.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <dlfcn.h>
#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#endif

static const char dashboard_usage[] =
    "usage: hpo dashboard [options]\n"
    "\n"
    "A read-only web view of every study in a storage: the study list, each\n"
    "study's summary, best trial, plots and trials, its report, and a JSON API.\n"
    "Pages refresh themselves while studies run. Stop with Ctrl-C.\n"
    "\n"
    "      --storage URI    storage (default " HPO_CLI_DEFAULT_STORAGE ")\n"
    "      --host ADDR      address to listen on (default 127.0.0.1: this machine\n"
    "                       only; use an SSH tunnel to reach it from elsewhere)\n"
    "      --port N         port (default 8080; 0 picks a free one)\n"
    "      --refresh S      seconds between the pages' checks for news (default 2)\n"
    "  -h, --help           this text\n";

#ifndef HPO_HAVE_DASHBOARD

int hpo__cli_dashboard(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(dashboard_usage, stdout);
            printf("\n(this hpo was built without the dashboard)\n");
            return HPO_EXIT_OK;
        }
    return hpo__cli_error(HPO_EXIT_USAGE,
                          "dashboard: this hpo was built without the dashboard; rebuild with "
                          "libcivetweb-dev installed and -DHPO_DASHBOARD=ON");
}

#else

enum {
    MAX_PATH_BYTES = 1024, /* longer request paths are answered 414 */
    MAX_SEGMENTS = 8,
    TABLE_ROWS = 200 /* trials listed on a study page, most recent first */
};

/* What every request handler reads; set before the server starts, then constant. */
typedef struct dash {
    const char *storage;
    const char *storage_file; /* NULL when the storage is not a file */
    int refresh;
} dash;

/* ---------------------------------------------------------------- thread stacks */

/* CivetWeb as Debian builds it asks for 100 KB stacks for its threads
 * (pthread_attr_setstacksize(attr, 102400)); glibc carves the static TLS of
 * every loaded library out of that, and with XGBoost and OpenBLAS loaded that
 * leaves about 25 KB: too little for CivetWeb's own error pages (a TRACE
 * request crashed it) and for SQLite. This definition takes the place of
 * libc's for the whole program (the executable comes first in symbol lookup)
 * and raises any request below MIN_STACK to it; the library's own threads do
 * not set a stack size. */
#define MIN_STACK ((size_t)4 << 20)

int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size)
{
    typedef int (*setstacksize_fn)(pthread_attr_t *, size_t);
    union {
        void *p;
        setstacksize_fn f;
    } real = {.p = dlsym(RTLD_NEXT, "pthread_attr_setstacksize")};
    if (!real.p)
        return 22; /* EINVAL: the thread then gets the default stack */
    return real.f(attr, size < MIN_STACK ? MIN_STACK : size);
}

/* ---------------------------------------------------------------- buffers */

typedef struct buf {
    char *p;
    size_t len, cap;
    int oom;
} buf;

static void buf_add(buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_puts(buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void buf_printf(buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        buf_add(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf_add(b, big, (size_t)n);
    free(big);
}

/* Text for HTML content and attribute values: & < > " ' escaped. */
static void buf_html(buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            buf_puts(b, "&amp;");
            break;
        case '<':
            buf_puts(b, "&lt;");
            break;
        case '>':
            buf_puts(b, "&gt;");
            break;
        case '"':
            buf_puts(b, "&quot;");
            break;
        case '\'':
            buf_puts(b, "&#39;");
            break;
        default:
            buf_add(b, s, 1);
        }
    }
}

/* A path segment for a URL: everything but unreserved characters %-escaped. */
static void buf_url(buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *u = (const unsigned char *)s; u && *u; u++) {
        if ((*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z') || (*u >= '0' && *u <= '9') ||
            *u == '-' || *u == '.' || *u == '_' || *u == '~') {
            buf_add(b, (const char *)u, 1);
        } else {
            char e[3] = {'%', hex[*u >> 4], hex[*u & 15]};
            buf_add(b, e, 3);
        }
    }
}

/* ---------------------------------------------------------------- responses */

typedef struct resp {
    int status;
    const char *type; /* Content-Type */
    buf body;
} resp;

static void resp_text(resp *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void resp_text(resp *r, int status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->status = status;
    r->type = "text/plain; charset=utf-8";
    r->body.len = 0;
    r->body.oom = 0;
    buf_printf(&r->body, "%d %s: %s\n", status, mg_get_response_code_text(NULL, status), msg);
}

/* The library's message for a failed call, or the code's text. */
static const char *lib_msg(int rc)
{
    const char *msg = hpo_errmsg();
    return msg && *msg ? msg : hpo_strerror(rc);
}

static void send_resp(struct mg_connection *conn, resp *r, int head_only)
{
    static const char *const fixed[][2] = {
        {"Cache-Control", "no-store"},
        {"X-Content-Type-Options", "nosniff"},
        {"X-Frame-Options", "DENY"},
        {"Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; "
                                    "style-src 'self' 'unsafe-inline'; img-src 'self' data:"},
        {"Referrer-Policy", "no-referrer"},
    };
    if (r->body.oom)
        resp_text(r, 500, "out of memory");
    char len[32];
    snprintf(len, sizeof len, "%zu", r->body.len);
    mg_response_header_start(conn, r->status);
    mg_response_header_add(conn, "Content-Type", r->type, -1);
    mg_response_header_add(conn, "Content-Length", len, -1);
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        mg_response_header_add(conn, fixed[i][0], fixed[i][1], -1);
    if (r->status == 405)
        mg_response_header_add(conn, "Allow", "GET, HEAD", -1);
    mg_response_header_send(conn);
    if (!head_only && r->body.len > 0)
        mg_write(conn, r->body.p, r->body.len);
}

/* ---------------------------------------------------------------- studies */

/* The storage file may have been removed since the start: never recreate it. */
static int storage_present(const dash *d)
{
    struct stat sb;
    return !d->storage_file || !*d->storage_file || stat(d->storage_file, &sb) == 0;
}

/* Open a study for one request; on failure fill `r` and return -1. */
static int open_study(const dash *d, const char *name, hpo_study **out, resp *r)
{
    if (!storage_present(d)) {
        resp_text(r, 503, "the storage file %s is gone", d->storage_file);
        return -1;
    }
    int rc = hpo_study_load(out, d->storage, name);
    if (rc == 0)
        return 0;
    const char *msg = lib_msg(rc);
    if (rc == HPO_ENOTFOUND)
        resp_text(r, 404, "no study of that name");
    else
        resp_text(r, rc == HPO_ELOCKED ? 503 : 500, "%s", msg);
    return -1;
}

typedef struct summary {
    long long counts[4];
    int has_best;
    long long best_number;
    double best_value;
    double updated; /* the latest start or end time, 0 when no trial */
} summary;

static void summarize(hpo_study *study, hpo_trial **trials, size_t n, summary *s)
{
    memset(s, 0, sizeof *s);
    hpo_study_counts(study, s->counts);
    hpo_trial *best = NULL;
    if (hpo_study_best_trial(study, &best) == 0) {
        s->has_best = 1;
        s->best_number = hpo_trial_number(best);
        s->best_value = hpo_trial_value(best);
        hpo_trial_destroy(best);
    }
    for (size_t i = 0; i < n; i++) {
        double a = hpo_trial_start_time(trials[i]), e = hpo_trial_end_time(trials[i]);
        if (a > s->updated)
            s->updated = a;
        if (e > s->updated)
            s->updated = e;
    }
}

static const char *direction_name(hpo_direction dir)
{
    return dir == HPO_MAXIMIZE ? "maximize" : "minimize";
}

static void time_text(double t, char *out, size_t size)
{
    if (!(t > 0) || !isfinite(t)) {
        snprintf(out, size, "-");
        return;
    }
    time_t secs = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&secs, &tm) || strftime(out, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(out, size, "-");
}

/* ---------------------------------------------------------------- JSON */

/* A JSON string; bytes that are not UTF-8 become '?'. */
static json_t *jstr(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    size_t n = strlen(s);
    char *copy = malloc(n + 1);
    if (!copy)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        copy[i] = (unsigned char)s[i] >= 0x80 ? '?' : s[i];
    j = json_string(copy);
    free(copy);
    return j;
}

static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* The summary object of /api/studies (see docs/dashboard.md). */
static json_t *summary_json(hpo_study *study, const summary *s)
{
    json_t *o = json_object(), *counts = json_object();
    if (!o || !counts) {
        json_decref(o);
        json_decref(counts);
        return NULL;
    }
    const char *sched = hpo_study_scheduler(study);
    long long target = hpo_study_n_trials(study);
    json_object_set_new(o, "name", jstr(hpo_study_name(study)));
    json_object_set_new(o, "direction", json_string(direction_name(hpo_study_direction(study))));
    json_object_set_new(o, "sampler", jstr(hpo_study_sampler(study)));
    json_object_set_new(o, "scheduler", sched && *sched ? jstr(sched) : json_null());
    json_object_set_new(o, "n_trials", target > 0 ? json_integer(target) : json_null());
    json_object_set_new(counts, "complete", json_integer(s->counts[HPO_TRIAL_COMPLETE]));
    json_object_set_new(counts, "pruned", json_integer(s->counts[HPO_TRIAL_PRUNED]));
    json_object_set_new(counts, "failed", json_integer(s->counts[HPO_TRIAL_FAILED]));
    json_object_set_new(counts, "running", json_integer(s->counts[HPO_TRIAL_RUNNING]));
    json_object_set_new(o, "counts", counts);
    if (s->has_best) {
        json_t *best = json_object();
        json_object_set_new(best, "number", json_integer(s->best_number));
        json_object_set_new(best, "value", jnum(s->best_value));
        json_object_set_new(o, "best", best);
    } else {
        json_object_set_new(o, "best", json_null());
    }
    json_object_set_new(o, "updated", s->updated > 0 ? json_real(s->updated) : json_null());
    return o;
}

static void buf_json(buf *b, const json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    if (!text) {
        b->oom = 1;
        return;
    }
    buf_puts(b, text);
    free(text);
}

/* One study's summary as JSON; 0, or -1 with `r` filled. */
static int study_summary(const dash *d, const char *name, json_t **out, resp *r)
{
    hpo_study *study = NULL;
    if (open_study(d, name, &study, r) != 0)
        return -1;
    hpo_trial **trials = NULL;
    size_t n = 0;
    int rc = hpo_study_trials(study, &trials, &n);
    if (rc != 0) {
        resp_text(r, 500, "%s", lib_msg(rc));
        hpo_study_close(study);
        return -1;
    }
    summary s;
    summarize(study, trials, n, &s);
    *out = summary_json(study, &s);
    hpo_trial_list_free(trials, n);
    hpo_study_close(study);
    if (!*out) {
        resp_text(r, 500, "out of memory");
        return -1;
    }
    return 0;
}

/* Every study's summary, in the storage's order. */
static int all_summaries(const dash *d, json_t **out, resp *r)
{
    if (!storage_present(d)) {
        resp_text(r, 503, "the storage file %s is gone", d->storage_file);
        return -1;
    }
    char **names = NULL;
    int rc = hpo_storage_list_studies(d->storage, &names);
    if (rc != 0) {
        resp_text(r, 500, "%s", lib_msg(rc));
        return -1;
    }
    json_t *list = json_array();
    for (size_t i = 0; list && names[i]; i++) {
        json_t *one = NULL;
        if (study_summary(d, names[i], &one, r) != 0) {
            if (r->status == 404) /* deleted meanwhile */
                continue;
            json_decref(list);
            hpo_free(names);
            return -1;
        }
        json_array_append_new(list, one);
    }
    hpo_free(names);
    if (!list) {
        resp_text(r, 500, "out of memory");
        return -1;
    }
    *out = list;
    return 0;
}

/* ---------------------------------------------------------------- HTML */

static void page_start(buf *b, const dash *d, const char *title, const char *api, const json_t *key)
{
    buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width\"><title>");
    buf_html(b, title);
    buf_puts(b, "</title><style>");
    buf_puts(b, dashboard_css);
    buf_printf(b, "</style></head>\n<body data-refresh=\"%d\" data-api=\"", d->refresh);
    buf_html(b, api);
    buf_puts(b, "\" data-key=\"");
    char *k = json_dumps(key, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
    if (k)
        buf_html(b, k);
    free(k);
    buf_puts(b, "\">\n<header><a href=\"/\">hpo dashboard</a><span class=\"storage\">");
    buf_html(b, d->storage);
    buf_puts(b, "</span><span id=\"status\">live</span></header>\n<main>\n");
}

static void page_end(buf *b)
{
    buf_puts(b, "</main>\n<script>");
    buf_puts(b, dashboard_js);
    buf_puts(b, "</script>\n</body></html>\n");
}

static void counts_html(buf *b, const long long c[4])
{
    buf_printf(b,
               "<p class=\"counts\">complete <span class=\"n\" id=\"n-complete\">%lld</span> · "
               "pruned <span class=\"n\" id=\"n-pruned\">%lld</span> · failed <span class=\"n\" "
               "id=\"n-failed\">%lld</span> · running <span class=\"n\" "
               "id=\"n-running\">%lld</span></p>\n",
               c[HPO_TRIAL_COMPLETE], c[HPO_TRIAL_PRUNED], c[HPO_TRIAL_FAILED],
               c[HPO_TRIAL_RUNNING]);
}

static void list_page(const dash *d, resp *r)
{
    json_t *list = NULL;
    if (all_summaries(d, &list, r) != 0)
        return;
    buf *b = &r->body;
    page_start(b, d, "hpo · studies", "/api/studies", list);
    buf_printf(b, "<div id=\"live\">\n<h1>Studies</h1>\n");
    if (json_array_size(list) == 0) {
        buf_puts(b, "<p class=\"empty\">No study in this storage yet.</p>\n");
    } else {
        buf_puts(b, "<table id=\"studies\"><thead><tr><th>study</th><th>direction</th>"
                    "<th>method</th><th>complete</th><th>pruned</th><th>failed</th>"
                    "<th>running</th><th>best</th><th>last activity</th></tr></thead><tbody>\n");
        size_t i;
        json_t *o;
        json_array_foreach(list, i, o)
        {
            const char *name = json_string_value(json_object_get(o, "name"));
            hpo_study *study = NULL;
            resp ignored = {0};
            char method[256] = "-";
            if (name && open_study(d, name, &study, &ignored) == 0) {
                hpo__cli_method_text(study, method, sizeof method);
                hpo_study_close(study);
            }
            free(ignored.body.p);
            json_t *c = json_object_get(o, "counts"), *best = json_object_get(o, "best");
            char value[64] = "-", when[64];
            if (json_is_object(best)) {
                json_t *bv = json_object_get(best, "value");
                if (json_is_number(bv))
                    hpo__cli_value_text(json_number_value(bv), value, sizeof value);
            }
            time_text(json_number_value(json_object_get(o, "updated")), when, sizeof when);
            buf_puts(b, "<tr><td><a href=\"/study/");
            buf_url(b, name);
            buf_puts(b, "\">");
            buf_html(b, name);
            buf_printf(b, "</a></td><td>%s</td><td>",
                       json_string_value(json_object_get(o, "direction")));
            buf_html(b, method);
            buf_printf(b,
                       "</td><td class=\"num\">%lld</td><td class=\"num\">%lld</td>"
                       "<td class=\"num\">%lld</td><td class=\"num\">%lld</td>"
                       "<td class=\"num\">%s</td><td>%s</td></tr>\n",
                       (long long)json_integer_value(json_object_get(c, "complete")),
                       (long long)json_integer_value(json_object_get(c, "pruned")),
                       (long long)json_integer_value(json_object_get(c, "failed")),
                       (long long)json_integer_value(json_object_get(c, "running")), value, when);
        }
        buf_puts(b, "</tbody></table>\n");
    }
    buf_puts(b, "</div>\n");
    page_end(b);
    json_decref(list);
    r->status = 200;
    r->type = "text/html; charset=utf-8";
}

static void best_html(buf *b, hpo_study *study)
{
    hpo_trial *best = NULL;
    buf_puts(b, "<section id=\"best\"><h2>Best trial</h2>\n");
    if (hpo_study_best_trial(study, &best) != 0) {
        buf_puts(b, "<p class=\"empty\">No complete trial yet.</p></section>\n");
        return;
    }
    char v[64];
    hpo__cli_value_text(hpo_trial_value(best), v, sizeof v);
    buf_printf(b, "<p>trial <b id=\"best-number\">#%lld</b> · value <b id=\"best-value\">",
               hpo_trial_number(best));
    buf_html(b, v);
    buf_puts(b,
             "</b></p>\n<table><thead><tr><th>parameter</th><th>value</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < hpo_trial_param_count(best); i++) {
        hpo_value pv;
        const char *name = hpo_trial_param_name(best, i);
        if (!name || hpo_trial_param_at(best, i, &pv) != 0)
            continue;
        char text[128];
        switch (pv.type) {
        case HPO_VALUE_FLOAT:
            snprintf(text, sizeof text, "%.6g", pv.u.f);
            break;
        case HPO_VALUE_INT:
            snprintf(text, sizeof text, "%lld", pv.u.i);
            break;
        case HPO_VALUE_BOOL:
            snprintf(text, sizeof text, "%s", pv.u.b ? "true" : "false");
            break;
        case HPO_VALUE_STRING:
        default:
            snprintf(text, sizeof text, "%s", pv.u.s ? pv.u.s : "");
            break;
        }
        buf_puts(b, "<tr><td>");
        buf_html(b, name);
        buf_puts(b, "</td><td class=\"params\">");
        buf_html(b, text);
        buf_puts(b, "</td></tr>\n");
    }
    buf_puts(b, "</tbody></table></section>\n");
    hpo_trial_destroy(best);
}

static void plots_html(buf *b, hpo_study *study, const char *name, long long version)
{
    hpo_snapshot *snap = NULL;
    buf_puts(b, "<section><h2>Plots</h2><div id=\"plots\">\n");
    int rc = hpo_snapshot_from_study(study, &snap);
    if (rc != 0) {
        buf_puts(b, "<p class=\"empty\">Cannot read the study for plots: ");
        buf_html(b, lib_msg(rc));
        buf_puts(b, "</p></div></section>\n");
        return;
    }
    int shown = 0;
    for (const char *const *k = hpo_plot_kinds(); k && *k; k++) {
        const char *why = NULL;
        if (!hpo_plot_applies(snap, *k, &why))
            continue;
        buf_puts(b, "<figure><img src=\"/plot/");
        buf_url(b, name);
        buf_printf(b, "/%s.svg?v=%lld\" alt=\"%s plot\"><figcaption>%s</figcaption></figure>\n", *k,
                   version, *k, *k);
        shown++;
    }
    if (!shown)
        buf_puts(b, "<p class=\"empty\">No plot applies yet.</p>\n");
    buf_puts(b, "</div></section>\n");
    hpo_snapshot_destroy(snap);
}

static void trials_html(buf *b, hpo_trial **trials, size_t n)
{
    buf_printf(b, "<section id=\"trials\"><h2>Trials</h2>\n<p class=\"meta\">%zu trial%s%s</p>\n",
               n, n == 1 ? "" : "s", n > TABLE_ROWS ? " (the 200 most recent below)" : "");
    buf_puts(b, "<table id=\"trials-table\"><thead><tr><th>#</th><th>state</th><th>value</th>"
                "<th>duration</th><th>started</th><th>parameters</th></tr></thead><tbody>\n");
    for (size_t k = 0; k < n && k < TABLE_ROWS; k++) {
        const hpo_trial *t = trials[n - 1 - k];
        const char *state = hpo_trial_state_to_string(hpo_trial_get_state(t));
        char v[64], dur[32], when[64], params[2048];
        hpo__cli_value_text(hpo_trial_value(t), v, sizeof v);
        hpo__cli_duration_text(hpo__cli_trial_duration(t), dur, sizeof dur);
        time_text(hpo_trial_start_time(t), when, sizeof when);
        hpo__cli_params_text(t, params, sizeof params);
        buf_printf(b, "<tr><td class=\"num\">%lld</td><td class=\"%s\">%s</td><td class=\"num\">",
                   hpo_trial_number(t), state, state);
        buf_html(b, v);
        buf_printf(b, "</td><td class=\"num\">%s</td><td>%s</td><td class=\"params\">", dur, when);
        buf_html(b, params);
        if (hpo_trial_get_state(t) == HPO_TRIAL_FAILED && hpo_trial_message(t)) {
            char reason[512];
            hpo__cli_reason_text(hpo_trial_message(t), reason, sizeof reason);
            buf_puts(b, "<br><span class=\"failed\">");
            buf_html(b, reason);
            buf_puts(b, "</span>");
        }
        buf_puts(b, "</td></tr>\n");
    }
    buf_puts(b, "</tbody></table></section>\n");
}

static void study_page(const dash *d, const char *name, resp *r)
{
    hpo_study *study = NULL;
    if (open_study(d, name, &study, r) != 0)
        return;
    hpo_trial **trials = NULL;
    size_t n = 0;
    int rc = hpo_study_trials(study, &trials, &n);
    if (rc != 0) {
        resp_text(r, 500, "%s", lib_msg(rc));
        hpo_study_close(study);
        return;
    }
    summary s;
    summarize(study, trials, n, &s);
    json_t *key = summary_json(study, &s);
    buf api = {0};
    buf_puts(&api, "/api/studies/");
    buf_url(&api, name);
    char title[300];
    snprintf(title, sizeof title, "hpo · %s", name);
    buf *b = &r->body;
    page_start(b, d, title, api.oom ? "/api/studies" : api.p, key);
    free(api.p);

    char method[256], when[64];
    hpo__cli_method_text(study, method, sizeof method);
    time_text(s.updated, when, sizeof when);
    buf_puts(b, "<div id=\"live\">\n<h1 id=\"study-name\">");
    buf_html(b, name);
    buf_printf(b, "</h1>\n<p class=\"meta\">%s · ", direction_name(hpo_study_direction(study)));
    buf_html(b, method);
    buf_printf(b, " · last activity <span id=\"updated\">%s</span> · <a href=\"/report/", when);
    buf_url(b, name);
    buf_puts(b, ".html\">report</a> · <a href=\"/api/studies/");
    buf_url(b, name);
    buf_puts(b, "/trials\">JSON export</a></p>\n");
    counts_html(b, s.counts);
    best_html(b, study);
    long long version = (long long)(s.updated * 1000.0) + s.counts[0] * 3 + s.counts[1] * 5 +
                        s.counts[2] * 7 + s.counts[3] * 11;
    plots_html(b, study, name, version);
    trials_html(b, trials, n);
    buf_puts(b, "</div>\n");
    page_end(b);

    json_decref(key);
    hpo_trial_list_free(trials, n);
    hpo_study_close(study);
    r->status = 200;
    r->type = "text/html; charset=utf-8";
}

/* ---------------------------------------------------------------- other routes */

static int strip_suffix(char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    if (n <= m || strcmp(s + n - m, suffix) != 0)
        return -1;
    s[n - m] = '\0';
    return 0;
}

static void plot_route(const dash *d, const char *name, char *kind, resp *r)
{
    if (strip_suffix(kind, ".svg") != 0) {
        resp_text(r, 404, "plots are /plot/STUDY/KIND.svg");
        return;
    }
    int known = 0;
    for (const char *const *k = hpo_plot_kinds(); k && *k; k++)
        known |= strcmp(*k, kind) == 0;
    if (!known) {
        resp_text(r, 404, "no plot kind of that name");
        return;
    }
    hpo_study *study = NULL;
    if (open_study(d, name, &study, r) != 0)
        return;
    hpo_snapshot *snap = NULL;
    int rc = hpo_snapshot_from_study(study, &snap);
    hpo_study_close(study);
    if (rc != 0) {
        resp_text(r, 500, "%s", lib_msg(rc));
        return;
    }
    const char *why = NULL;
    if (!hpo_plot_applies(snap, kind, &why)) {
        resp_text(r, 404, "plot %s does not apply to this study: %s", kind,
                  why ? why : "nothing to show");
        hpo_snapshot_destroy(snap);
        return;
    }
    hpo_plot_options opts = HPO_PLOT_OPTIONS_INIT;
    opts.format = HPO_PLOT_SVG;
    char *svg = NULL;
    size_t len = 0;
    rc = hpo_plot(snap, kind, &opts, &svg, &len);
    hpo_snapshot_destroy(snap);
    if (rc != 0) {
        resp_text(r, 500, "%s", lib_msg(rc));
        return;
    }
    buf_add(&r->body, svg, len);
    hpo_free(svg);
    r->status = 200;
    r->type = "image/svg+xml; charset=utf-8";
}

static void report_route(const dash *d, char *file, resp *r)
{
    if (strip_suffix(file, ".html") != 0) {
        resp_text(r, 404, "reports are /report/STUDY.html");
        return;
    }
    hpo_study *study = NULL;
    if (open_study(d, file, &study, r) != 0)
        return;
    hpo_snapshot *snap = NULL;
    int rc = hpo_snapshot_from_study(study, &snap);
    hpo_study_close(study);
    if (rc != 0) {
        resp_text(r, 500, "%s", lib_msg(rc));
        return;
    }
    hpo_plot_options opts = HPO_PLOT_OPTIONS_INIT;
    char *html = NULL;
    size_t len = 0;
    rc = hpo_report(snap, &opts, &html, &len);
    hpo_snapshot_destroy(snap);
    if (rc != 0) {
        resp_text(r, 500, "%s", lib_msg(rc));
        return;
    }
    buf_add(&r->body, html, len);
    hpo_free(html);
    r->status = 200;
    r->type = "text/html; charset=utf-8";
}

static void api_route(const dash *d, char **seg, int nseg, resp *r)
{
    json_t *j = NULL;
    if (nseg == 2) { /* /api/studies */
        if (all_summaries(d, &j, r) != 0)
            return;
    } else if (nseg == 3) { /* /api/studies/NAME */
        if (study_summary(d, seg[2], &j, r) != 0)
            return;
    } else { /* /api/studies/NAME/trials */
        hpo_study *study = NULL;
        if (open_study(d, seg[2], &study, r) != 0)
            return;
        char *text = NULL;
        size_t len = 0;
        FILE *fp = open_memstream(&text, &len);
        int rc = fp ? hpo_study_export(study, HPO_EXPORT_JSON, fp) : HPO_ENOMEM;
        const char *msg = rc ? lib_msg(rc) : NULL;
        if (fp)
            fclose(fp);
        hpo_study_close(study);
        if (rc != 0)
            resp_text(r, 500, "%s", msg);
        else
            buf_add(&r->body, text, len);
        free(text);
        if (rc == 0) {
            r->status = 200;
            r->type = "application/json; charset=utf-8";
        }
        return;
    }
    buf_json(&r->body, j);
    buf_puts(&r->body, "\n");
    json_decref(j);
    r->status = 200;
    r->type = "application/json; charset=utf-8";
}

/* ---------------------------------------------------------------- routing */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode %XX escapes in place; -1 on a bad escape or an encoded NUL. */
static int pct_decode(char *s)
{
    char *w = s;
    for (const char *p = s; *p; p++) {
        if (*p != '%') {
            *w++ = *p;
            continue;
        }
        int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
            return -1;
        *w++ = (char)(hi * 16 + lo);
        p += 2;
    }
    *w = '\0';
    return 0;
}

/* Answer one request; `path` is the raw path (no query string), writable. */
static void route(const dash *d, char *path, resp *r)
{
    char *seg[MAX_SEGMENTS];
    int nseg = 0;
    if (path[0] != '/') {
        resp_text(r, 404, "not found");
        return;
    }
    if (path[1] != '\0') {
        char *p = path + 1;
        for (;;) {
            if (nseg == MAX_SEGMENTS) {
                resp_text(r, 404, "not found");
                return;
            }
            seg[nseg++] = p;
            char *slash = strchr(p, '/');
            if (!slash)
                break;
            *slash = '\0';
            p = slash + 1;
        }
    }
    for (int i = 0; i < nseg; i++) {
        if (pct_decode(seg[i]) != 0) {
            resp_text(r, 400, "bad percent-encoding in the path");
            return;
        }
        if (seg[i][0] == '\0') {
            resp_text(r, 404, "not found");
            return;
        }
    }
    if (nseg == 0)
        list_page(d, r);
    else if (nseg == 2 && strcmp(seg[0], "study") == 0)
        study_page(d, seg[1], r);
    else if (nseg == 3 && strcmp(seg[0], "plot") == 0)
        plot_route(d, seg[1], seg[2], r);
    else if (nseg == 2 && strcmp(seg[0], "report") == 0)
        report_route(d, seg[1], r);
    else if (nseg >= 2 && nseg <= 4 && strcmp(seg[0], "api") == 0 &&
             strcmp(seg[1], "studies") == 0 && (nseg < 4 || strcmp(seg[3], "trials") == 0))
        api_route(d, seg, nseg, r);
    else
        resp_text(r, 404, "not found");
}

static int on_request(struct mg_connection *conn)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    const dash *d = mg_get_user_data(mg_get_context(conn));
    resp r = {.status = 500, .type = "text/plain; charset=utf-8"};
    const char *method = ri && ri->request_method ? ri->request_method : "";
    const char *uri = ri && ri->request_uri ? ri->request_uri : "";
    int head = strcmp(method, "HEAD") == 0;
    size_t n = strcspn(uri, "?#");
    if (!head && strcmp(method, "GET") != 0) {
        resp_text(&r, 405, "the dashboard is read-only: GET and HEAD only");
    } else if (n > MAX_PATH_BYTES) {
        resp_text(&r, 414, "path too long");
    } else {
        char path[MAX_PATH_BYTES + 1];
        memcpy(path, uri, n);
        path[n] = '\0';
        route(d, path, &r);
    }
    send_resp(conn, &r, head);
    free(r.body.p);
    return r.status;
}

/* An error CivetWeb found itself (a malformed request, a method it refuses
 * such as TRACE): answered with the same headers as every other response, and
 * 405 for any well-formed method but GET and HEAD. */
static int on_http_error(struct mg_connection *conn, int status, const char *errmsg)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    const char *m = ri ? ri->request_method : NULL;
    int token = m && *m && strlen(m) <= 32;
    for (const char *p = m; token && *p; p++)
        token = *p >= 'A' && *p <= 'Z';
    resp r = {.status = status, .type = "text/plain; charset=utf-8"};
    if (token && strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0)
        resp_text(&r, 405, "the dashboard is read-only: GET and HEAD only");
    else
        resp_text(&r, status >= 400 && status <= 599 ? status : 400, "%s",
                  errmsg && *errmsg ? errmsg : "malformed request");
    send_resp(conn, &r, token && strcmp(m, "HEAD") == 0);
    free(r.body.p);
    return 0;
}

static int on_log(const struct mg_connection *conn, const char *message)
{
    (void)conn;
    (void)message;
    return 1; /* quiet: malformed requests are answered, not logged */
}

/* ---------------------------------------------------------------- the command */

/* A numeric address for `host` (a name is resolved); 0, or the exit status. */
static int resolve_host(const char *host, char *out, size_t size, int *loopback)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0 || !res)
        return hpo__cli_usage_error("dashboard", "cannot resolve host '%s': %s", host,
                                    gai_strerror(rc));
    const struct addrinfo *a = res;
    for (const struct addrinfo *p = res; p; p = p->ai_next)
        if (p->ai_family == AF_INET) { /* prefer IPv4 for a name with both */
            a = p;
            break;
        }
    if (getnameinfo(a->ai_addr, a->ai_addrlen, out, (socklen_t)size, NULL, 0, NI_NUMERICHOST)) {
        freeaddrinfo(res);
        return hpo__cli_usage_error("dashboard", "cannot resolve host '%s'", host);
    }
    if (a->ai_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)a->ai_addr;
        *loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    } else {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)a->ai_addr;
        *loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    }
    freeaddrinfo(res);
    return 0;
}

int hpo__cli_dashboard(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"storage", required_argument, NULL, 's'}, {"host", required_argument, NULL, 'H'},
        {"port", required_argument, NULL, 'p'},    {"refresh", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    const char *storage = HPO_CLI_DEFAULT_STORAGE, *host = "127.0.0.1";
    long long port = 8080, refresh = 2;
    int c;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            storage = optarg;
            break;
        case 'H':
            host = optarg;
            break;
        case 'p':
            if (hpo__cli_parse_ll(optarg, &port) != 0 || port < 0 || port > 65535)
                return hpo__cli_usage_error("dashboard", "--port must be 0 to 65535, not '%s'",
                                            optarg);
            break;
        case 'r':
            if (hpo__cli_parse_ll(optarg, &refresh) != 0 || refresh < 1 || refresh > 3600)
                return hpo__cli_usage_error(
                    "dashboard", "--refresh must be a whole number of seconds, 1 to 3600, not '%s'",
                    optarg);
            break;
        case 'h':
            fputs(dashboard_usage, stdout);
            return HPO_EXIT_OK;
        default:
            return hpo__cli_bad_option("dashboard", c, argv);
        }
    }
    if (optind < argc)
        return hpo__cli_usage_error("dashboard", "unexpected argument '%s'", argv[optind]);

    int status = hpo__cli_check_storage(storage);
    if (status != 0)
        return status;
    char **names = NULL; /* the storage opens (and is ours) before we listen */
    int rc = hpo_storage_list_studies(storage, &names);
    if (rc != 0)
        return hpo__cli_lib_error(rc, 1);
    hpo_free(names);

    char addr[INET6_ADDRSTRLEN + 8];
    int loopback = 0;
    if ((status = resolve_host(host, addr, sizeof addr, &loopback)) != 0)
        return status;
    int v6 = strchr(addr, ':') != NULL;
    if (v6 && !mg_check_feature(8))
        return hpo__cli_error(HPO_EXIT_USAGE,
                              "dashboard: this CivetWeb was built without IPv6; use an IPv4 host");
    char listen[INET6_ADDRSTRLEN + 16];
    snprintf(listen, sizeof listen, v6 ? "[%s]:%lld" : "%s:%lld", addr, port);
    if (!loopback)
        fprintf(stderr,
                "hpo: warning: dashboard listening on %s, which is not loopback: anyone who "
                "can reach it sees every study (no authentication)\n",
                addr);

    /* Signals go to the main thread only (sigwait below); CivetWeb's threads
     * inherit the blocked mask. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    dash d = {.storage = storage,
              .storage_file = hpo__cli_storage_file(storage),
              .refresh = (int)refresh};
    /* decode_url no: the handler sees the path as sent and decodes each
     * segment itself (so %2F stays in a segment and a bad escape is a 400). */
    // clang-format off
    const char *options[] = {
        "listening_ports", listen,
        "num_threads", "4",
        "request_timeout_ms", "10000",
        "enable_keep_alive", "no",
        "decode_url", "no",
        NULL};
    // clang-format on
    struct mg_callbacks callbacks;
    memset(&callbacks, 0, sizeof callbacks);
    callbacks.begin_request = on_request;
    callbacks.log_message = on_log;
    callbacks.http_error = on_http_error;
    struct mg_init_data init = {
        .callbacks = &callbacks, .user_data = &d, .configuration_options = options};
    char errtext[256] = "";
    unsigned errcode = 0;
    struct mg_error_data err = {
        .code = &errcode, .text = errtext, .text_buffer_size = sizeof errtext};
    mg_init_library(0);
    struct mg_context *ctx = mg_start2(&init, &err);
    if (!ctx) {
        mg_exit_library();
        return hpo__cli_error(HPO_EXIT_FAILURE, "dashboard: cannot listen on %s: %s", listen,
                              errtext[0] ? errtext : "unknown error");
    }
    struct mg_server_port ports[4];
    memset(ports, 0, sizeof ports);
    int nports = mg_get_server_ports(ctx, 4, ports);
    int bound = nports > 0 ? ports[0].port : (int)port;
    printf(v6 ? "dashboard: http://[%s]:%d/ (%s, read-only; Ctrl-C to stop)\n"
              : "dashboard: http://%s:%d/ (%s, read-only; Ctrl-C to stop)\n",
           addr, bound, storage);
    fflush(stdout);

    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    mg_stop(ctx);
    mg_exit_library();
    return HPO_EXIT_OK;
}

#endif /* HPO_HAVE_DASHBOARD */
