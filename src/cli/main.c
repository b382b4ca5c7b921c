/*
 * main.c -- the `hpo` command: dispatch to a command, `hpo help`, `hpo --version`,
 * and the helpers the commands share (error lines and exit statuses, storage
 * checks, formatting of values, parameters, durations and counts).
 *
 * Each command parses its own options with getopt_long (see cmd_*.c) and
 * answers `--help`. The command uses only hpo.h.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: hpo <command> [options]\n"
    "\n"
    "commands:\n"
    "  tune SPEC      create or resume the study a spec describes and run it\n"
    "  plan SPEC      what `tune` would run: space, grid size, first proposals\n"
    "  show STUDY     counts, best trial and the top trials of a study\n"
    "  status [STUDY] a study's progress, or every study of a storage\n"
    "  studies        names of the studies in a storage\n"
    "  export STUDY   trials as CSV (scikit-learn cv_results_ names) or JSON\n"
    "  plot STUDY KIND  a plot as SVG, HTML or text (history, parallel, slice, ...)\n"
    "  report STUDY   a self-contained HTML report: summary, trials, every plot\n"
    "  dashboard      a read-only web view of every study in a storage, live\n"
    "  predict STUDY DATA  apply the model refitted after a search to a CSV file\n"
    "  space MODEL    a recommended search space for a built-in estimator\n"
    "  help [COMMAND] this text, or a command's options\n"
    "\n"
    "options: --version, --help; `hpo COMMAND --help` for a command's options.\n"
    "The default storage is " HPO_CLI_DEFAULT_STORAGE ". See docs/cli.md.\n";

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    {"tune", hpo__cli_tune},       {"plan", hpo__cli_plan},           {"show", hpo__cli_show},
    {"status", hpo__cli_status},   {"studies", hpo__cli_studies},     {"export", hpo__cli_export},
    {"predict", hpo__cli_predict}, {"space", hpo__cli_space},         {"plot", hpo__cli_plot},
    {"report", hpo__cli_report},   {"dashboard", hpo__cli_dashboard},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

/* ---------------------------------------------------------------- errors */

int hpo__cli_error(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("hpo: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return status;
}

int hpo__cli_lib_error(int code, int opening)
{
    const char *msg = hpo_errmsg();
    if (!msg || !msg[0])
        msg = hpo_strerror(code);
    /* one line: multi-line details (a space diff) are kept, but the first line
     * carries the message */
    fprintf(stderr, "hpo: %s\n", msg);
    switch (code) {
    case HPO_EINVAL:
    case HPO_ESPEC:
    case HPO_ELOCKED:
    case HPO_ESCHEMA:
    case HPO_ENOTFOUND:
    case HPO_EMISMATCH:
    case HPO_EIO:
    case HPO_ETYPE:
    case HPO_EEXIST:
        return HPO_EXIT_USAGE;
    case HPO_ESTORAGE:
        return opening ? HPO_EXIT_USAGE : HPO_EXIT_FAILURE;
    default:
        return HPO_EXIT_FAILURE;
    }
}

int hpo__cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "hpo: %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see 'hpo %s --help')\n", cmd);
    va_end(ap);
    return HPO_EXIT_USAGE;
}

int hpo__cli_bad_option(const char *cmd, int c, char **argv)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "";
    if (c == ':')
        return hpo__cli_usage_error(cmd, "option '%s' needs a value", arg);
    if (optopt && !(arg[0] == '-' && arg[1] == '-'))
        return hpo__cli_usage_error(cmd, "unknown option '-%c'", optopt);
    return hpo__cli_usage_error(cmd, "unknown option '%s'", arg);
}

double hpo__cli_trial_duration(const hpo_trial *t)
{
    double s = hpo_trial_start_time(t), e = hpo_trial_end_time(t);
    if (s > 0 && e >= s)
        return e - s;
    if (s > 0 && hpo_trial_get_state(t) == HPO_TRIAL_RUNNING) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9 - s;
    }
    return NAN;
}

int hpo__cli_parse_ll(const char *s, long long *out)
{
    if (!s || !*s)
        return -1;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* ---------------------------------------------------------------- storage */

const char *hpo__cli_storage_file(const char *uri)
{
    if (!uri || !*uri)
        return NULL;
    size_t i = 0;
    if ((uri[0] >= 'a' && uri[0] <= 'z') || (uri[0] >= 'A' && uri[0] <= 'Z')) {
        while ((uri[i] >= 'a' && uri[i] <= 'z') || (uri[i] >= 'A' && uri[i] <= 'Z') ||
               (uri[i] >= '0' && uri[i] <= '9') || uri[i] == '+' || uri[i] == '-' || uri[i] == '.')
            i++;
    }
    if (i > 0 && uri[i] == ':') {
        const char *rest = uri + i + 1;
        int slashes = strncmp(rest, "//", 2) == 0;
        if ((i == 6 && strncmp(uri, "sqlite", 6) == 0) ||
            (i == 7 && strncmp(uri, "sqlite3", 7) == 0)) {
            const char *loc = slashes ? rest + 2 : rest;
            return slashes && loc[0] == '/' ? loc + 1 : loc;
        }
        if (i == 6 && strncmp(uri, "memory", 6) == 0)
            return NULL;
        if (slashes)
            return NULL; /* another scheme: the library says what is wrong */
    }
    return uri; /* a plain path */
}

int hpo__cli_check_storage(const char *storage)
{
    const char *file = hpo__cli_storage_file(storage);
    struct stat sb;
    if (file && *file && stat(file, &sb) != 0)
        return hpo__cli_error(HPO_EXIT_USAGE, "no storage at %s", file);
    return 0;
}

int hpo__cli_load_study(const char *storage, const char *name, hpo_study **out)
{
    int status = hpo__cli_check_storage(storage);
    if (status != 0)
        return status;
    int rc = hpo_study_load(out, storage, name);
    if (rc != 0)
        return hpo__cli_lib_error(rc, 1);
    return 0;
}

/* ---------------------------------------------------------------- formatting */

void hpo__cli_value_text(double v, char *buf, size_t size)
{
    if (isnan(v))
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%.6g", v);
}

void hpo__cli_params_text(const hpo_trial *t, char *buf, size_t size)
{
    size_t len = 0;
    if (size == 0)
        return;
    buf[0] = '\0';
    if (hpo_trial_rung(t) >= 0) {
        /* a scheduler's trial: its rung, budget and the trial it continues */
        char b[32], from[48] = "";
        hpo__cli_value_text(hpo_trial_budget(t), b, sizeof b);
        if (hpo_trial_parent(t) >= 0)
            snprintf(from, sizeof from, ", from #%lld", hpo_trial_parent(t));
        int n = snprintf(buf, size, "[rung %d, budget %s%s]", hpo_trial_rung(t), b, from);
        len = n > 0 ? (size_t)n : 0;
    }
    for (size_t i = 0; i < hpo_trial_param_count(t) && len + 1 < size; i++) {
        hpo_value v;
        const char *name = hpo_trial_param_name(t, i);
        if (!name || hpo_trial_param_at(t, i, &v) != 0)
            continue;
        char val[64];
        switch (v.type) {
        case HPO_VALUE_FLOAT:
            snprintf(val, sizeof val, "%.6g", v.u.f);
            break;
        case HPO_VALUE_INT:
            snprintf(val, sizeof val, "%lld", v.u.i);
            break;
        case HPO_VALUE_BOOL:
            snprintf(val, sizeof val, "%s", v.u.b ? "true" : "false");
            break;
        case HPO_VALUE_STRING:
        default:
            snprintf(val, sizeof val, "%s", v.u.s ? v.u.s : "");
            break;
        }
        int n = snprintf(buf + len, size - len, "%s%s=%s", len ? " " : "", name, val);
        if (n < 0)
            break;
        len += (size_t)n;
    }
    if (len >= size)
        buf[size - 1] = '\0';
}

void hpo__cli_method_text(hpo_study *study, char *buf, size_t size)
{
    const char *sched = hpo_study_scheduler(study);
    long long total = hpo_study_n_trials(study);
    /* With a scheduler n_trials counts configurations; promotions add trials. */
    const char *what = *sched && strcmp(sched, "median") ? "configurations" : "trials";
    char count[48];
    if (total > 0)
        snprintf(count, sizeof count, "%lld %s", total, what);
    else
        snprintf(count, sizeof count, "unlimited %s", what);
    snprintf(buf, size, "%s%s%s · %s", hpo_study_sampler(study), *sched ? " + " : "", sched, count);
}

void hpo__cli_duration_text(double s, char *buf, size_t size)
{
    if (!(s >= 0) || !isfinite(s)) {
        snprintf(buf, size, "-");
        return;
    }
    if (s < 60) {
        snprintf(buf, size, "%.1fs", s);
        return;
    }
    long long t = (long long)llround(s);
    if (t < 3600)
        snprintf(buf, size, "%lld:%02lld", t / 60, t % 60);
    else
        snprintf(buf, size, "%lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
}

void hpo__cli_counts_text(const long long counts[4], char *buf, size_t size)
{
    snprintf(buf, size, "complete %lld · pruned %lld · failed %lld · running %lld",
             counts[HPO_TRIAL_COMPLETE], counts[HPO_TRIAL_PRUNED], counts[HPO_TRIAL_FAILED],
             counts[HPO_TRIAL_RUNNING]);
}

/* "exit status 1; last stderr lines:\n...\nMemoryError" -> head "exit status 1",
 * quote "MemoryError" (the last non-empty line after the first). */
static void split_message(const char *msg, char *head, size_t hsize, char *quote, size_t qsize)
{
    head[0] = quote[0] = '\0';
    if (!msg)
        return;
    const char *nl = strchr(msg, '\n');
    size_t hlen = nl ? (size_t)(nl - msg) : strlen(msg);
    const char *marker = "; last stderr lines:";
    size_t mlen = strlen(marker);
    if (hlen >= mlen && strncmp(msg + hlen - mlen, marker, mlen) == 0)
        hlen -= mlen;
    else if (hlen > 0 && nl && msg[hlen - 1] == ':')
        hlen -= 1;
    snprintf(head, hsize, "%.*s", (int)hlen, msg);
    if (!nl)
        return;
    /* the last non-empty line */
    const char *end = msg + strlen(msg);
    while (end > nl && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\r'))
        end--;
    const char *start = end;
    while (start > nl + 1 && start[-1] != '\n')
        start--;
    while (start < end && (*start == ' ' || *start == '\t'))
        start++;
    if (end > start) {
        size_t n = (size_t)(end - start);
        if (n > 100)
            snprintf(quote, qsize, "%.97s...", start);
        else
            snprintf(quote, qsize, "%.*s", (int)n, start);
    }
}

void hpo__cli_reason_text(const char *msg, char *buf, size_t size)
{
    char head[256], quote[128];
    split_message(msg ? msg : "failed", head, sizeof head, quote, sizeof quote);
    if (quote[0])
        snprintf(buf, size, "%s — \"%s\"", head[0] ? head : "failed", quote);
    else
        snprintf(buf, size, "%s", head[0] ? head : "failed");
}

/* ---------------------------------------------------------------- main */

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* The command closest to a mistyped name (edit distance <= 2), or NULL. */
static const char *suggest_command(const char *name)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t c = 0; c < N_COMMANDS; c++) {
        const char *cand = commands[c].name;
        size_t la = strlen(name), lb = strlen(cand);
        if (la > 32 || lb > 32)
            continue;
        size_t d[33][33];
        for (size_t i = 0; i <= la; i++)
            d[i][0] = i;
        for (size_t j = 0; j <= lb; j++)
            d[0][j] = j;
        for (size_t i = 1; i <= la; i++) {
            for (size_t j = 1; j <= lb; j++) {
                size_t sub = d[i - 1][j - 1] + (name[i - 1] != cand[j - 1]);
                size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
                d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            }
        }
        if (d[la][lb] < best_d) {
            best_d = d[la][lb];
            best = cand;
        }
    }
    return best;
}

const char *hpo__cli_program = "hpo";

int main(int argc, char **argv)
{
    if (argc > 0 && argv[0] && strchr(argv[0], '/'))
        hpo__cli_program = argv[0];
    if (argc < 2) {
        fputs(usage_text, stderr);
        return HPO_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0 || strcmp(name, "version") == 0) {
        printf("hpo %s (libhpo %s)\n", HPO_VERSION_STRING, hpo_version());
        return HPO_EXIT_OK;
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        if (argc > 2 && strcmp(name, "help") == 0) {
            const command *c = find_command(argv[2]);
            if (!c)
                return hpo__cli_error(HPO_EXIT_USAGE, "help: unknown command '%s'", argv[2]);
            static char help_flag[] = "--help";
            char *sub[] = {argv[2], help_flag, NULL};
            optind = 1;
            opterr = 0;
            return c->run(2, sub);
        }
        fputs(usage_text, stdout);
        return HPO_EXIT_OK;
    }
    const command *c = find_command(name);
    if (!c) {
        const char *s = suggest_command(name);
        if (s)
            return hpo__cli_error(HPO_EXIT_USAGE,
                                  "unknown command '%s' (did you mean '%s'?); see 'hpo help'", name,
                                  s);
        return hpo__cli_error(HPO_EXIT_USAGE, "unknown command '%s'; see 'hpo help'", name);
    }
    optind = 1;
    opterr = 0;
    return c->run(argc - 1, argv + 1);
}

/* ---------------------------------------------------------------- output files */

int hpo__cli_out_open(hpo__cli_out *o, const char *path)
{
    o->fp = stdout;
    o->path = NULL;
    o->tmp[0] = '\0';
    if (!path || strcmp(path, "-") == 0)
        return 0;
    if (snprintf(o->tmp, sizeof o->tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof o->tmp) {
        o->tmp[0] = '\0';
        return hpo__cli_error(HPO_EXIT_USAGE, "output path too long: %s", path);
    }
    if (!(o->fp = fopen(o->tmp, "w"))) {
        o->tmp[0] = '\0';
        o->fp = NULL;
        return hpo__cli_error(HPO_EXIT_USAGE, "cannot write %s: %s", path, strerror(errno));
    }
    o->path = path;
    return 0;
}

int hpo__cli_out_close(hpo__cli_out *o, int ok)
{
    if (!o->path) {
        fflush(stdout);
        return 0;
    }
    int status = 0;
    if (fclose(o->fp) != 0 && ok) {
        status = hpo__cli_error(HPO_EXIT_FAILURE, "cannot write %s: %s", o->path, strerror(errno));
        ok = 0;
    }
    if (ok && rename(o->tmp, o->path) != 0) {
        status = hpo__cli_error(HPO_EXIT_FAILURE, "cannot write %s: %s", o->path, strerror(errno));
        ok = 0;
    }
    if (!ok)
        unlink(o->tmp);
    o->fp = NULL;
    o->path = NULL;
    return status;
}
