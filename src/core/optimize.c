/*
 * optimize.c -- the one study loop: every technique runs through it.
 *
 * N worker threads each repeat: ask (one storage claim) -> evaluate the
 * objective -> tell (one storage transaction). A monitor thread refreshes the
 * heartbeats of running trials every few seconds and emits a tick about once a
 * second for progress displays. Events reach the observer serialized under one
 * mutex. Stopping conditions: the study's n_trials claimed (HPO_EDONE from the
 * storage), the sampler exhausted, the timeout, max_failed_trials, or
 * hpo_study_stop(). Running trials are always finished, never abandoned.
 *
 * Objective failures are recorded on the trial and the loop goes on; only
 * storage errors (or out of memory) end the loop with an error.
 */
#include "core/encode.h"
#include "core/study.h"
#include "util/util.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define HEARTBEAT_EVERY 5.0
#define TICK_EVERY 1.0
#define WAIT_POLL 0.5 /* seconds between asks while the scheduler waits */

typedef struct loop {
    hpo_study *study;
    hpo_objective_fn objective;
    void *payload;
    hpo_optimize_options opts;
    double t0;
    pthread_mutex_t lock; /* events, best, error */
    pthread_cond_t cond;  /* wakes the monitor at the end */
    pthread_cond_t wake;  /* a trial finished: waiting workers ask again */
    int n_active;         /* worker threads still running */
    int has_best;
    double best_value;
    long long best_number;
    int best_rung;
    int last_rung_best; /* the scheduler's best is in its highest rung (halving) */
    int error;          /* first storage/system error */
    char error_msg[1024];
    int stop_reason; /* HPO_ETIMEOUT / HPO_ESTOPPED / 0 */
    char stop_msg[256];
    /* Study counters: read from the storage at the start and on every tick (so
     * other processes' work shows), kept up to date locally in between, so an
     * event costs no query however many trials the study has. */
    long long counts[4], lost, claimed;
    /* stoppers */
    int stopper_fired;
    double *bests; /* best value after each complete trial finished here */
    size_t n_bests, cap_bests;
    hpo__encoder enc; /* delta_x */
    double *code, *prev_code;
    int have_prev;
    double longest; /* seconds of the longest trial (deadline) */
} loop;

static int loop_should_stop(loop *l)
{
    if (atomic_load(&l->study->stop)) {
        pthread_mutex_lock(&l->lock);
        if (!l->stop_reason) {
            l->stop_reason = HPO_ESTOPPED;
            snprintf(l->stop_msg, sizeof l->stop_msg, "study '%s' stopped on request",
                     l->study->row.name);
        }
        pthread_mutex_unlock(&l->lock);
        return 1;
    }
    pthread_mutex_lock(&l->lock);
    int stop = l->error != 0 || l->stop_reason != 0;
    if (!stop && l->opts.timeout > 0 && hpo__monotonic() - l->t0 >= l->opts.timeout) {
        l->stop_reason = HPO_ETIMEOUT;
        snprintf(l->stop_msg, sizeof l->stop_msg, "timeout of %gs reached", l->opts.timeout);
        stop = 1;
    }
    if (!stop && l->opts.deadline > 0 &&
        hpo__monotonic() - l->t0 + l->longest >= l->opts.deadline) {
        l->stopper_fired = 1;
        l->stop_reason = HPO_ESTOPPED;
        snprintf(l->stop_msg, sizeof l->stop_msg,
                 "deadline: %gs left of %gs, the longest trial took %gs",
                 l->opts.deadline - (hpo__monotonic() - l->t0), l->opts.deadline, l->longest);
        stop = 1;
    }
    pthread_mutex_unlock(&l->lock);
    return stop;
}

static void loop_set_error(loop *l, int rc)
{
    pthread_mutex_lock(&l->lock);
    if (!l->error) {
        l->error = rc;
        snprintf(l->error_msg, sizeof l->error_msg, "%s", hpo_errmsg());
    }
    pthread_mutex_unlock(&l->lock);
}

/* Refresh the counters from the storage. Called with l->lock held. */
static void loop_refresh_counts(loop *l)
{
    long long counts[4] = {0, 0, 0, 0}, lost = 0, claimed = 0;
    hpo_study *s = l->study;
    if (s->st->ops->counts(s->st, s->row.id, counts, &lost, &claimed) != 0)
        return; /* keep the local counts; the next tick tries again */
    memcpy(l->counts, counts, sizeof counts);
    l->lost = lost;
    l->claimed = claimed;
}

/* Update the counters for a trial that started (t finished == 0) or finished. */
static void loop_count(loop *l, const hpo_trial *t, int finished)
{
    if (!finished) {
        l->counts[HPO_TRIAL_RUNNING]++;
        if (t->seq + 1 > l->claimed)
            l->claimed = t->seq + 1;
        return;
    }
    if (l->counts[HPO_TRIAL_RUNNING] > 0)
        l->counts[HPO_TRIAL_RUNNING]--;
    if (t->state >= HPO_TRIAL_RUNNING && t->state <= HPO_TRIAL_FAILED)
        l->counts[t->state]++;
}

/* Check the stopping rules on the counters and deliver an event. Called with
 * l->lock held. */
static void loop_emit(loop *l, hpo_event_type type, const hpo_trial *t)
{
    hpo_study *s = l->study;
    if (type == HPO_EVENT_TICK)
        loop_refresh_counts(l);
    else
        loop_count(l, t, type == HPO_EVENT_TRIAL_FINISHED);
    long long failed = l->counts[HPO_TRIAL_FAILED] - l->lost;
    if (type == HPO_EVENT_TRIAL_FINISHED && l->opts.max_failed_trials > 0 &&
        failed >= l->opts.max_failed_trials && !l->stop_reason) {
        /* Confirm with the storage: a lost trial counts as failed locally. */
        loop_refresh_counts(l);
        failed = l->counts[HPO_TRIAL_FAILED] - l->lost;
        if (failed >= l->opts.max_failed_trials) {
            l->stop_reason = HPO_ESTOPPED;
            snprintf(l->stop_msg, sizeof l->stop_msg,
                     "stopped: %lld trials failed (max_failed_trials is %lld)", failed,
                     l->opts.max_failed_trials);
        }
    }
    if (!l->opts.on_event)
        return;
    hpo_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = type;
    ev.trial = t;
    ev.n_claimed = l->claimed;
    ev.n_trials = s->row.n_trials;
    memcpy(ev.counts, l->counts, sizeof ev.counts);
    ev.has_best = l->has_best;
    ev.best_value = l->best_value;
    ev.best_number = l->best_number;
    ev.elapsed = hpo__monotonic() - l->t0;
    l->opts.on_event(&ev, l->opts.event_payload);
}

/* Does the finished trial t beat the best so far? As hpo_study_best_trial:
 * with successive halving a later iteration beats any earlier one (scores on
 * small subsamples are not comparable with the final ones). Called with
 * l->lock held. */
static int loop_improves(const loop *l, const hpo_trial *t)
{
    if (!l->has_best)
        return 1;
    if (l->last_rung_best && t->rung != l->best_rung)
        return t->rung > l->best_rung;
    return l->study->row.direction == HPO_MAXIMIZE ? t->value > l->best_value
                                                   : t->value < l->best_value;
}

static void loop_fire(loop *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void loop_fire(loop *l, const char *fmt, ...)
{
    if (l->stop_reason)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->stop_msg, sizeof l->stop_msg, fmt, ap);
    va_end(ap);
    l->stop_reason = HPO_ESTOPPED;
    l->stopper_fired = 1;
}

/* The stoppers, after trial t finished. Called with l->lock held. */
static void loop_stoppers(loop *l, const hpo_trial *t)
{
    const hpo_optimize_options *o = &l->opts;
    double took = t->end_time - t->start_time;
    if (isfinite(took) && took > l->longest)
        l->longest = took;
    if (t->state != HPO_TRIAL_COMPLETE || !isfinite(t->value))
        return;
    int maximize = l->study->row.direction == HPO_MAXIMIZE;
    if (o->has_target && (maximize ? l->best_value >= o->target : l->best_value <= o->target))
        loop_fire(l, "target: the best value %.6g reached %.6g", l->best_value, o->target);
    if (o->stop_delta_y > 0 && l->has_best) {
        if (l->n_bests == l->cap_bests) {
            size_t cap = l->cap_bests ? 2 * l->cap_bests : 64;
            double *b = hpo__realloc(l->bests, cap * sizeof *b);
            if (!b)
                return;
            l->bests = b;
            l->cap_bests = cap;
        }
        l->bests[l->n_bests++] = l->best_value;
        size_t k = o->stop_patience > 0 ? (size_t)o->stop_patience : 10;
        if (l->n_bests > k &&
            fabs(l->bests[l->n_bests - 1] - l->bests[l->n_bests - 1 - k]) <= o->stop_delta_y)
            loop_fire(l,
                      "delta_y: the best value improved by no more than %g over the last %zu "
                      "trials",
                      o->stop_delta_y, k);
    }
    if (o->stop_delta_x > 0 && l->code && hpo__encode(&l->enc, &t->params, l->code) == 0) {
        if (l->have_prev) {
            double d2 = 0;
            for (size_t j = 0; j < l->enc.d; j++) {
                double dx = l->enc.categorical[j] ? (double)(l->code[j] != l->prev_code[j])
                                                  : l->code[j] - l->prev_code[j];
                d2 += dx * dx;
            }
            if (sqrt(d2) < o->stop_delta_x)
                loop_fire(l, "delta_x: the last two configurations are %.3g apart (< %g)", sqrt(d2),
                          o->stop_delta_x);
        }
        memcpy(l->prev_code, l->code, l->enc.d * sizeof *l->code);
        l->have_prev = 1;
    }
}

/* Sleep until a trial finishes in this loop or `seconds` pass. */
static void loop_wait(loop *l, double seconds)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    double wake = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9 + seconds;
    ts.tv_sec = (time_t)wake;
    ts.tv_nsec = (long)((wake - (double)ts.tv_sec) * 1e9);
    pthread_mutex_lock(&l->lock);
    pthread_cond_timedwait(&l->wake, &l->lock, &ts);
    pthread_mutex_unlock(&l->lock);
}

typedef struct worker_arg {
    loop *l;
    int index;
} worker_arg;

static void *worker_main(void *arg)
{
    loop *l = ((worker_arg *)arg)->l;
    hpo__set_worker_index(((worker_arg *)arg)->index);
    hpo_study *s = l->study;
    while (!loop_should_stop(l)) {
        hpo_trial *t = NULL;
        int rc = hpo_study_ask(s, &t);
        if (rc == HPO_EDONE)
            break;
        if (rc == HPO_EWAIT) {
            /* The scheduler needs a running trial's result (here or in another
             * process): ask again when one of ours finishes, or after a while. */
            loop_wait(l, WAIT_POLL);
            continue;
        }
        if (rc != 0) {
            loop_set_error(l, rc);
            break;
        }
        pthread_mutex_lock(&l->lock);
        loop_emit(l, HPO_EVENT_TRIAL_STARTED, t);
        pthread_mutex_unlock(&l->lock);

        double value = NAN;
        hpo__err_clear();
        rc = l->objective(t, &value, l->payload);
        int frc;
        if (rc == 0) {
            frc = hpo_trial_tell(t, value);
            if (frc == HPO_EINVAL) /* non-finite: recorded as failed */
                frc = 0;
        } else if (rc == HPO_EPRUNED) {
            frc = hpo_trial_prune(t);
        } else if (rc == HPO_ESTOPPED && atomic_load(&s->stop)) {
            /* Interrupted, not failed: the next run evaluates it again. */
            frc = hpo__trial_requeue(t, "interrupted: stopped before it finished; will be re-run");
        } else {
            const char *why = hpo_trial_attr(t, "error");
            char msg[1024];
            if (!why || !*why) {
                snprintf(msg, sizeof msg, "%s%s%s", hpo_strerror(rc), hpo_errmsg()[0] ? ": " : "",
                         hpo_errmsg());
                why = msg;
            }
            frc = hpo_trial_fail(t, why);
        }
        if (frc != 0) {
            loop_set_error(l, frc);
            hpo_trial_destroy(t);
            break;
        }
        pthread_mutex_lock(&l->lock);
        if (t->state == HPO_TRIAL_COMPLETE && isfinite(t->value) && loop_improves(l, t)) {
            l->has_best = 1;
            l->best_value = t->value;
            l->best_number = t->number;
            l->best_rung = t->rung;
        }
        loop_stoppers(l, t);
        loop_emit(l, HPO_EVENT_TRIAL_FINISHED, t);
        pthread_cond_broadcast(&l->wake);
        pthread_mutex_unlock(&l->lock);
        hpo_trial_destroy(t);
    }
    pthread_mutex_lock(&l->lock);
    l->n_active--;
    pthread_cond_broadcast(&l->cond);
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

static void *monitor_main(void *arg)
{
    loop *l = arg;
    double last_beat = hpo__monotonic();
    pthread_mutex_lock(&l->lock);
    while (l->n_active > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double wake = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9 + TICK_EVERY;
        ts.tv_sec = (time_t)wake;
        ts.tv_nsec = (long)((wake - (double)ts.tv_sec) * 1e9);
        pthread_cond_timedwait(&l->cond, &l->lock, &ts);
        if (l->n_active == 0)
            break;
        loop_emit(l, HPO_EVENT_TICK, NULL);
        if (hpo__monotonic() - last_beat >= HEARTBEAT_EVERY) {
            pthread_mutex_unlock(&l->lock);
            hpo__study_heartbeat(l->study); /* a failed beat is retried next time */
            last_beat = hpo__monotonic();
            pthread_mutex_lock(&l->lock);
        }
    }
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

/* The best complete trial stored so far, for progress events. */
static void loop_load_best(loop *l)
{
    hpo_trial *best = NULL;
    if (hpo_study_best_trial(l->study, &best) == 0) {
        l->has_best = 1;
        l->best_value = best->value;
        l->best_number = best->number;
        l->best_rung = best->rung;
        hpo_trial_destroy(best);
    }
    hpo__err_clear();
}

int hpo_study_optimize(hpo_study *study, hpo_objective_fn objective, void *payload,
                       const hpo_optimize_options *opts)
{
    if (!study || !objective)
        return hpo__err(HPO_EINVAL, "hpo_study_optimize: study and objective are required");
    if (opts && opts->version != HPO_OPTIMIZE_OPTIONS_VERSION)
        return hpo__err(HPO_EINVAL, "hpo_study_optimize: unknown options version %u",
                        opts->version);
    loop l;
    int rc = 0;
    memset(&l, 0, sizeof l);
    l.study = study;
    l.objective = objective;
    l.payload = payload;
    if (opts)
        l.opts = *opts;
    if (l.opts.n_workers <= 0)
        l.opts.n_workers = 1;
    if (l.opts.n_trials < 0 || l.opts.timeout < 0 || l.opts.max_failed_trials < 0 ||
        l.opts.n_workers > 1024 || !(l.opts.stop_delta_y >= 0) || l.opts.stop_patience < 0 ||
        !(l.opts.stop_delta_x >= 0) || !(l.opts.deadline >= 0) ||
        (l.opts.has_target && !isfinite(l.opts.target)))
        return hpo__err(HPO_EINVAL, "hpo_study_optimize: negative limit or too many workers");
    study->stopped_by[0] = '\0';
    if (l.opts.stop_delta_x > 0) {
        if ((rc = hpo__encoder_init(&l.enc, study->space, "stop_delta_x")) != 0)
            return rc;
        l.code = hpo__calloc(2 * l.enc.d, sizeof *l.code);
        if (!l.code) {
            hpo__encoder_free(&l.enc);
            return hpo__enomem();
        }
        l.prev_code = l.code + l.enc.d;
    }
    if (l.opts.n_trials > 0 && l.opts.n_trials != study->row.n_trials) {
        rc = study->st->ops->study_set_n_trials(study->st, study->row.id, l.opts.n_trials);
        if (rc)
            return rc;
        study->row.n_trials = l.opts.n_trials;
        if ((rc = hpo__study_make_sampler(study)) != 0)
            return rc;
    }
    atomic_store(&study->stop, 0);
    pthread_mutex_init(&l.lock, NULL);
    pthread_cond_init(&l.cond, NULL);
    pthread_cond_init(&l.wake, NULL);
    l.t0 = hpo__monotonic();
    l.last_rung_best = study->schops && study->schops->best_in_last_rung;
    loop_load_best(&l);
    loop_refresh_counts(&l);

    int n = l.opts.n_workers;
    pthread_t *threads = hpo__calloc((size_t)n, sizeof *threads);
    worker_arg *args = hpo__calloc((size_t)n, sizeof *args);
    if (!threads || !args) {
        rc = hpo__enomem();
        goto done;
    }
    int started = 0;
    for (; started < n; started++) {
        pthread_mutex_lock(&l.lock);
        l.n_active++;
        pthread_mutex_unlock(&l.lock);
        args[started].l = &l;
        args[started].index = started;
        if (pthread_create(&threads[started], NULL, worker_main, &args[started]) != 0) {
            pthread_mutex_lock(&l.lock);
            l.n_active--;
            pthread_mutex_unlock(&l.lock);
            break;
        }
    }
    if (started == 0) {
        rc = hpo__err(HPO_ENOMEM, "could not start worker threads");
        goto done;
    }
    pthread_t mon;
    int have_mon = pthread_create(&mon, NULL, monitor_main, &l) == 0;
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    if (have_mon)
        pthread_join(mon, NULL);

    if (l.error) {
        rc = hpo__err(l.error, "%s", l.error_msg);
    } else if (l.stopper_fired) {
        snprintf(study->stopped_by, sizeof study->stopped_by, "%s", l.stop_msg);
    } else if (l.stop_reason) {
        rc = hpo__err(l.stop_reason, "%s", l.stop_msg);
    }
done:
    hpo__free(threads);
    hpo__free(args);
    hpo__free(l.bests);
    hpo__free(l.code);
    hpo__encoder_free(&l.enc);
    pthread_cond_destroy(&l.cond);
    pthread_cond_destroy(&l.wake);
    pthread_mutex_destroy(&l.lock);
    return rc;
}

const char *hpo_study_stopped_by(const hpo_study *study)
{
    return study ? study->stopped_by : "";
}
