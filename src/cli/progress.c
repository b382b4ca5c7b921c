/*
 * progress.c -- the progress display of `hpo tune` (see progress.h).
 *
 * Trial lines (stdout):
 *   trial  12 complete  0.9552  C=12.3 gamma=0.0021 kernel=rbf   best 0.9552 (#12)  1.2s
 *   trial   7 failed    exit status 1 — "MemoryError" (log: runs/x/trials/7)
 *   trial   9 pruned    0.71 at step 3
 * A scheduler's trial shows "[rung 1, budget 9, from #4]" before its params.
 * Status bar (stderr, terminals only), redrawn on every event and tick:
 *   [ 37/60] ██████░░░░  running 2 · failed 1 · best 0.9889 (#21: C=3.1) · 0:41 / eta 0:26
 * The bar is cut to the terminal's width. Events arrive serialized from the
 * library's threads, so no locking is needed here.
 */
#include "progress.h"

#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define BAR_CELLS 20

struct hpo__progress {
    hpo__progress_mode mode;
    int bar_visible;
    long long best_number; /* whose parameters best_params holds; -1 none */
    char best_params[256];
    char trial_root[512];
    long long finished; /* trials finished in this run */
    hpo_event last;     /* the last event, for redraws */
    int have_last;
};

int hpo__progress_mode_from_string(const char *s, hpo__progress_mode *out)
{
    if (strcmp(s, "auto") == 0) {
        const char *term = getenv("TERM");
        int tty = isatty(STDERR_FILENO) && !(term && strcmp(term, "dumb") == 0);
        *out = tty ? HPO_PROGRESS_BAR : HPO_PROGRESS_LINES;
    } else if (strcmp(s, "bar") == 0) {
        *out = HPO_PROGRESS_BAR;
    } else if (strcmp(s, "lines") == 0) {
        *out = HPO_PROGRESS_LINES;
    } else if (strcmp(s, "none") == 0) {
        *out = HPO_PROGRESS_NONE;
    } else {
        return -1;
    }
    return 0;
}

hpo__progress *hpo__progress_create(hpo__progress_mode mode, hpo_study *study)
{
    hpo__progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->mode = mode;
    p->best_number = -1;
    hpo_trial *best = NULL;
    if (study && hpo_study_best_trial(study, &best) == 0) {
        p->best_number = hpo_trial_number(best);
        hpo__cli_params_text(best, p->best_params, sizeof p->best_params);
        hpo_trial_destroy(best);
    }
    return p;
}

void hpo__progress_destroy(hpo__progress *p)
{
    free(p);
}

const char *hpo__progress_trial_root(const hpo__progress *p)
{
    return p && p->trial_root[0] ? p->trial_root : NULL;
}

long long hpo__progress_finished(const hpo__progress *p)
{
    return p ? p->finished : 0;
}

/* ---------------------------------------------------------------- the bar */

static int term_width(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
        return ws.ws_col;
    return 100;
}

/* Cut a UTF-8 string to `cols` display columns (one per code point), marking a
 * cut with "…". */
static void cut_to_columns(char *s, int cols)
{
    int c = 0;
    for (char *q = s; *q; q++) {
        if (((unsigned char)*q & 0xC0) == 0x80)
            continue;
        if (c == cols - 1) {
            /* is there more than one more code point? */
            int more = 0;
            for (char *r = q + 1; *r; r++)
                more += ((unsigned char)*r & 0xC0) != 0x80;
            if (more > 0)
                memcpy(q, "\xe2\x80\xa6", 4); /* U+2026 and the terminator */
            return;
        }
        c++;
    }
}

/* Display columns of a UTF-8 string (one per code point). */
static int columns(const char *s)
{
    int c = 0;
    for (; *s; s++)
        c += ((unsigned char)*s & 0xC0) != 0x80;
    return c;
}

static void clock_text(double s, char *buf, size_t size)
{
    long long t = isfinite(s) && s > 0 ? (long long)llround(s) : 0;
    if (t >= 3600)
        snprintf(buf, size, "%lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, size, "%lld:%02lld", t / 60, t % 60);
}

static void draw_bar(hpo__progress *p)
{
    if (p->mode != HPO_PROGRESS_BAR || !p->have_last)
        return;
    const hpo_event *e = &p->last;
    long long total = e->n_trials;
    long long done = e->n_claimed - e->counts[HPO_TRIAL_RUNNING];
    if (done < 0)
        done = 0;
    if (total > 0 && done > total)
        done = total;
    char line[1024];
    size_t len = 0;
    int digits = total > 0 ? snprintf(NULL, 0, "%lld", total) : 1;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        int n_ = snprintf(line + len, sizeof line - len, __VA_ARGS__);                             \
        if (n_ > 0)                                                                                \
            len = len + (size_t)n_ < sizeof line ? len + (size_t)n_ : sizeof line - 1;             \
    } while (0)
    if (total > 0) {
        PUT("[%*lld/%lld] ", digits, done, total);
        int filled = (int)(BAR_CELLS * done / total);
        for (int i = 0; i < BAR_CELLS; i++)
            PUT("%s", i < filled ? "\xe2\x96\x88" : "\xe2\x96\x91"); /* █ ░ */
        PUT(" ");
    } else {
        PUT("[%lld] ", done);
    }
    PUT(" running %lld", e->counts[HPO_TRIAL_RUNNING]);
    if (e->counts[HPO_TRIAL_FAILED])
        PUT(" · failed %lld", e->counts[HPO_TRIAL_FAILED]);
    if (e->counts[HPO_TRIAL_PRUNED])
        PUT(" · pruned %lld", e->counts[HPO_TRIAL_PRUNED]);
    char elapsed[32], eta[32];
    clock_text(e->elapsed, elapsed, sizeof elapsed);
    if (total > 0 && p->finished > 0 && e->elapsed > 0) {
        double remaining = (double)(total - done) * e->elapsed / (double)p->finished;
        clock_text(remaining, eta, sizeof eta);
    } else {
        snprintf(eta, sizeof eta, "?");
    }
    char tail[96];
    snprintf(tail, sizeof tail, " · %s / eta %s", elapsed, eta);
    if (e->has_best) {
        char v[32];
        hpo__cli_value_text(e->best_value, v, sizeof v);
        if (p->best_number == e->best_number && p->best_params[0])
            PUT(" · best %s (#%lld: %s)", v, e->best_number, p->best_params);
        else
            PUT(" · best %s (#%lld)", v, e->best_number);
    }
    /* the clock stays visible: cut the middle part, then add the tail */
    int width = term_width() - 1;
    int tail_cols = columns(tail);
    cut_to_columns(line, width - tail_cols);
    len = strlen(line);
    PUT("%s", tail);
#undef PUT
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
    p->bar_visible = 1;
}

void hpo__progress_clear(hpo__progress *p)
{
    if (p && p->bar_visible) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->bar_visible = 0;
    }
}

/* ---------------------------------------------------------------- trial lines */

static void trial_line(const hpo_event *e)
{
    const hpo_trial *t = e->trial;
    long long number = hpo_trial_number(t);
    int digits = e->n_trials > 0 ? snprintf(NULL, 0, "%lld", e->n_trials - 1) : 3;
    if (digits < 3)
        digits = 3;
    hpo_trial_state st = hpo_trial_get_state(t);
    char value[32], params[640], dur[32];
    hpo__cli_value_text(hpo_trial_value(t), value, sizeof value);
    hpo__cli_params_text(t, params, sizeof params);
    double start = hpo_trial_start_time(t), end = hpo_trial_end_time(t);
    hpo__cli_duration_text(end >= start && start > 0 ? end - start : (double)NAN, dur, sizeof dur);
    const char *log_dir = hpo_trial_attr(t, "log_dir");

    if (st == HPO_TRIAL_COMPLETE) {
        char best[64] = "";
        if (e->has_best) {
            char bv[32];
            hpo__cli_value_text(e->best_value, bv, sizeof bv);
            snprintf(best, sizeof best, "best %s (#%lld)", bv, e->best_number);
        }
        printf("trial %*lld complete  %-10s  %-36s  %-22s  %s\n", digits, number, value, params,
               best, dur);
    } else if (st == HPO_TRIAL_FAILED) {
        const char *msg = hpo_trial_message(t);
        if (!msg)
            msg = hpo_trial_attr(t, "error");
        char reason[512];
        hpo__cli_reason_text(msg, reason, sizeof reason);
        printf("trial %*lld failed    %s", digits, number, reason);
        if (log_dir)
            printf(" (log: %s)", log_dir);
        printf("  %s\n", params);
    } else if (st == HPO_TRIAL_PRUNED) {
        size_t nr = hpo_trial_report_count(t);
        long long step = 0;
        double v = NAN;
        if (nr > 0)
            hpo_trial_report_at(t, nr - 1, &step, &v);
        if (nr > 0)
            printf("trial %*lld pruned    %s at step %lld  %s  %s\n", digits, number, value, step,
                   params, dur);
        else
            printf("trial %*lld pruned    %s  %s\n", digits, number, params, dur);
    }
    fflush(stdout);
}

void hpo__progress_on_event(const hpo_event *e, void *payload)
{
    hpo__progress *p = payload;
    if (!p || !e)
        return;
    p->last = *e;
    p->last.trial = NULL;
    p->have_last = 1;
    if (e->type == HPO_EVENT_TRIAL_FINISHED && e->trial) {
        p->finished++;
        const char *log_dir = hpo_trial_attr(e->trial, "log_dir");
        if (log_dir) {
            const char *slash = strrchr(log_dir, '/');
            if (slash && slash > log_dir)
                snprintf(p->trial_root, sizeof p->trial_root, "%.*s", (int)(slash - log_dir),
                         log_dir);
        }
        if (e->has_best && e->best_number == hpo_trial_number(e->trial)) {
            p->best_number = e->best_number;
            hpo__cli_params_text(e->trial, p->best_params, sizeof p->best_params);
        }
        if (p->mode == HPO_PROGRESS_BAR || p->mode == HPO_PROGRESS_LINES) {
            hpo__progress_clear(p);
            trial_line(e);
        }
    }
    draw_bar(p);
}
