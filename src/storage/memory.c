/*
 * memory.c -- the in-process storage back end ("memory:").
 *
 * Every handle is a new, empty store: an array of studies, each with an array
 * of trials, all behind one pthread mutex taken by every operation, so each
 * operation is one atomic step (the transaction of the SQL back ends).
 *
 * Invariants: a study's trials sit at the index equal to their number (numbers
 * are dense from 0); trial ids are unique in the handle and never reused; a
 * trial's reports are ordered by step, one per step. Every operation does all
 * its allocations before it changes anything, so a failure (HPO_ENOMEM or the
 * proposer's error) leaves the store as it was.
 *
 * Costs: lookups by trial id scan every trial of the handle (O(trials)); claim
 * and counts are O(trials of the study); trials() copies everything.
 */
#include "storage/storage.h"

#include "util/util.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

typedef struct mem_trial {
    hpo__trial_row row; /* reports owned here, cap_reports slots */
    size_t cap_reports;
} mem_trial;

typedef struct mem_artifact {
    char *key;
    void *data;
    size_t len;
    struct mem_artifact *next;
} mem_artifact;

typedef struct mem_study {
    hpo__study_row row;
    mem_trial *trials; /* trials[i].row.number == i */
    size_t n_trials, cap_trials;
    mem_artifact *artifacts;
} mem_study;

typedef struct mem_storage {
    hpo__storage base;
    pthread_mutex_t lock;
    mem_study **studies; /* creation order */
    size_t n_studies, cap_studies;
    int64_t next_study_id, next_trial_id;
} mem_storage;

static const char *state_name(int state)
{
    static const char *const names[] = {"running", "complete", "pruned", "failed"};
    return state >= 0 && state < 4 ? names[state] : "unknown";
}

static int dup_opt(const char *s, char **out)
{
    *out = NULL;
    if (s && !(*out = hpo__strdup(s)))
        return -1;
    return 0;
}

static int study_row_copy(hpo__study_row *dst, const hpo__study_row *src)
{
    hpo__study_row r = *src;
    r.name = r.sampler = r.sampler_options_json = r.space_json = NULL;
    r.objective_json = r.spec_text = r.scheduler = r.scheduler_options_json = NULL;
    if (dup_opt(src->name, &r.name) || dup_opt(src->sampler, &r.sampler) ||
        dup_opt(src->sampler_options_json, &r.sampler_options_json) ||
        dup_opt(src->scheduler, &r.scheduler) ||
        dup_opt(src->scheduler_options_json, &r.scheduler_options_json) ||
        dup_opt(src->space_json, &r.space_json) ||
        dup_opt(src->objective_json, &r.objective_json) || dup_opt(src->spec_text, &r.spec_text)) {
        hpo__study_row_free(&r);
        return hpo__enomem();
    }
    *dst = r;
    return 0;
}

static int trial_row_copy(hpo__trial_row *dst, const hpo__trial_row *src, int with_reports)
{
    hpo__trial_row r = *src;
    r.params_json = r.message = r.attrs_json = r.worker = NULL;
    r.reports = NULL;
    r.n_reports = 0;
    if (dup_opt(src->params_json, &r.params_json) || dup_opt(src->message, &r.message) ||
        dup_opt(src->attrs_json, &r.attrs_json) || dup_opt(src->worker, &r.worker))
        goto oom;
    if (with_reports && src->n_reports > 0) {
        r.reports = hpo__malloc(src->n_reports * sizeof *r.reports);
        if (!r.reports)
            goto oom;
        memcpy(r.reports, src->reports, src->n_reports * sizeof *r.reports);
        r.n_reports = src->n_reports;
    }
    *dst = r;
    return 0;
oom:
    hpo__trial_row_free(&r);
    return hpo__enomem();
}

static void study_free(mem_study *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_trials; i++)
        hpo__trial_row_free(&s->trials[i].row);
    hpo__free(s->trials);
    while (s->artifacts) {
        mem_artifact *a = s->artifacts;
        s->artifacts = a->next;
        hpo__free(a->key);
        hpo__free(a->data);
        hpo__free(a);
    }
    hpo__study_row_free(&s->row);
    hpo__free(s);
}

static mem_study *find_study_name(mem_storage *m, const char *name, size_t *index)
{
    for (size_t i = 0; i < m->n_studies; i++) {
        if (strcmp(m->studies[i]->row.name, name) == 0) {
            if (index)
                *index = i;
            return m->studies[i];
        }
    }
    return NULL;
}

static mem_study *find_study_id(mem_storage *m, int64_t id)
{
    for (size_t i = 0; i < m->n_studies; i++) {
        if (m->studies[i]->row.id == id)
            return m->studies[i];
    }
    return NULL;
}

static mem_trial *find_trial(mem_storage *m, int64_t id, mem_study **study)
{
    for (size_t i = 0; i < m->n_studies; i++) {
        mem_study *s = m->studies[i];
        for (size_t j = 0; j < s->n_trials; j++) {
            if (s->trials[j].row.id == id) {
                *study = s;
                return &s->trials[j];
            }
        }
    }
    return NULL;
}

static int mem_open(hpo__storage **out, const char *location)
{
    (void)location;
    mem_storage *m = hpo__calloc(1, sizeof *m);
    if (!m)
        return hpo__enomem();
    if (pthread_mutex_init(&m->lock, NULL) != 0) {
        hpo__free(m);
        return hpo__err(HPO_ESTORAGE, "storage memory: cannot create a mutex");
    }
    m->next_study_id = 1;
    m->next_trial_id = 1;
    *out = &m->base;
    return 0;
}

static void mem_close(hpo__storage *st)
{
    mem_storage *m = (mem_storage *)st;
    if (!m)
        return;
    for (size_t i = 0; i < m->n_studies; i++)
        study_free(m->studies[i]);
    hpo__free(m->studies);
    pthread_mutex_destroy(&m->lock);
    hpo__free(m);
}

static int mem_study_create(hpo__storage *st, const hpo__study_row *row, hpo__study_row *out,
                            int *created)
{
    mem_storage *m = (mem_storage *)st;
    if (!row || !row->name || !out || !created)
        return hpo__err(HPO_EINVAL, "storage '%s': study_create needs a named row", st->uri);
    int rc = 0;
    mem_study *s = NULL;
    hpo__study_row copy = {0};
    pthread_mutex_lock(&m->lock);
    mem_study *found = find_study_name(m, row->name, NULL);
    if (found) {
        if ((rc = study_row_copy(&copy, &found->row)) != 0)
            goto done;
        *out = copy;
        *created = 0;
        goto done;
    }
    if (m->n_studies == m->cap_studies) {
        size_t cap = m->cap_studies ? m->cap_studies * 2 : 4;
        mem_study **grown = hpo__realloc(m->studies, cap * sizeof *grown);
        if (!grown) {
            rc = hpo__enomem();
            goto done;
        }
        m->studies = grown;
        m->cap_studies = cap;
    }
    if (!(s = hpo__calloc(1, sizeof *s))) {
        rc = hpo__enomem();
        goto done;
    }
    if ((rc = study_row_copy(&s->row, row)) != 0)
        goto done;
    s->row.id = m->next_study_id;
    if ((rc = study_row_copy(&copy, &s->row)) != 0)
        goto done;
    m->next_study_id++;
    m->studies[m->n_studies++] = s;
    s = NULL;
    *out = copy;
    *created = 1;
done:
    pthread_mutex_unlock(&m->lock);
    study_free(s);
    return rc;
}

static int mem_study_get(hpo__storage *st, const char *name, hpo__study_row *out)
{
    mem_storage *m = (mem_storage *)st;
    if (!name || !out)
        return hpo__err(HPO_EINVAL, "storage '%s': study_get needs a name", st->uri);
    int rc = 0;
    pthread_mutex_lock(&m->lock);
    mem_study *s = find_study_name(m, name, NULL);
    if (!s)
        rc = hpo__err(HPO_ENOTFOUND, "storage '%s': no study named '%s'", st->uri, name);
    else
        rc = study_row_copy(out, &s->row);
    pthread_mutex_unlock(&m->lock);
    return rc;
}

static int mem_study_set_n_trials(hpo__storage *st, int64_t study_id, long long n_trials)
{
    mem_storage *m = (mem_storage *)st;
    int rc = 0;
    pthread_mutex_lock(&m->lock);
    mem_study *s = find_study_id(m, study_id);
    if (!s)
        rc = hpo__err(HPO_ENOTFOUND, "storage '%s': no study with id %lld", st->uri,
                      (long long)study_id);
    else
        s->row.n_trials = n_trials;
    pthread_mutex_unlock(&m->lock);
    return rc;
}

static int mem_study_delete(hpo__storage *st, const char *name)
{
    mem_storage *m = (mem_storage *)st;
    if (!name)
        return hpo__err(HPO_EINVAL, "storage '%s': study_delete needs a name", st->uri);
    int rc = 0;
    size_t i = 0;
    pthread_mutex_lock(&m->lock);
    mem_study *s = find_study_name(m, name, &i);
    if (!s) {
        rc = hpo__err(HPO_ENOTFOUND, "storage '%s': no study named '%s'", st->uri, name);
    } else {
        memmove(&m->studies[i], &m->studies[i + 1], (m->n_studies - i - 1) * sizeof s);
        m->n_studies--;
        study_free(s);
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

static int mem_study_list(hpo__storage *st, char ***names, size_t *n)
{
    mem_storage *m = (mem_storage *)st;
    if (!names || !n)
        return hpo__err(HPO_EINVAL, "storage '%s': study_list needs out-params", st->uri);
    int rc = 0;
    size_t count = 0;
    pthread_mutex_lock(&m->lock);
    char **list = hpo__calloc(m->n_studies + 1, sizeof *list);
    if (!list) {
        rc = hpo__enomem();
        goto done;
    }
    for (; count < m->n_studies; count++) {
        if (!(list[count] = hpo__strdup(m->studies[count]->row.name))) {
            rc = hpo__enomem();
            goto done;
        }
    }
    *names = list;
    *n = count;
    list = NULL;
done:
    pthread_mutex_unlock(&m->lock);
    if (list) {
        for (size_t i = 0; i < count; i++)
            hpo__free(list[i]);
        hpo__free(list);
    }
    return rc;
}

/* Step (3) of claim, as in sqlite.c: a new proposal within n_trials and
 * capacity, or the scheduler's job (new, promotion, wait, done). */
static int next_job(hpo__storage *st, mem_study *s, const hpo__claim_req *req,
                    hpo__propose_fn propose, void *payload, long long next_seq,
                    hpo__trial_row *fresh)
{
    int rc;
    hpo__job job = {.kind = HPO__JOB_NEW, .parent = -1, .bracket = -1, .rung = -1};
    job.budget = NAN;
    /* The view: shallow copies without strings or reports (params kept, borrowed,
     * when the proposer wants the history). */
    hpo__trial_row *rows = NULL;
    if (req->schedule || req->history) {
        rows = hpo__calloc(s->n_trials + 1, sizeof *rows);
        if (!rows)
            return hpo__enomem();
        for (size_t i = 0; i < s->n_trials; i++) {
            rows[i] = s->trials[i].row;
            if (!req->history)
                rows[i].params_json = NULL;
            rows[i].message = rows[i].attrs_json = rows[i].worker = NULL;
            rows[i].reports = NULL;
            rows[i].n_reports = 0;
        }
    }
    if (req->schedule) {
        rc = req->schedule(req->schedule_payload, rows, s->n_trials, next_seq, &job);
        if (rc == 0 && job.kind == HPO__JOB_WAIT)
            rc = hpo__err(HPO_EWAIT, "study %s: waiting for running trials", s->row.name);
        if (rc == 0 && job.kind == HPO__JOB_DONE)
            rc = hpo__err(HPO_EDONE, "study %s: the schedule is complete", s->row.name);
    } else {
        if (req->n_trials > 0 && next_seq >= req->n_trials)
            rc = hpo__err(HPO_EDONE, "study %s: all %lld trials claimed", s->row.name,
                          req->n_trials);
        else if (req->capacity >= 0 && next_seq >= req->capacity)
            rc = hpo__err(HPO_EDONE, "study %s: all %lld trials claimed", s->row.name,
                          req->capacity);
        else
            rc = 0;
    }
    if (rc) {
        hpo__free(rows);
        return rc;
    }
    fresh->parent = job.parent;
    fresh->bracket = job.bracket;
    fresh->rung = job.rung;
    fresh->budget = job.budget;
    fresh->budget_start = job.budget_start;
    if (job.kind == HPO__JOB_PROMOTE) {
        if (job.parent < 0 || (size_t)job.parent >= s->n_trials) {
            hpo__free(rows);
            return hpo__err(HPO_ESTORAGE,
                            "study %s: the scheduler promoted trial %lld, which "
                            "does not exist",
                            s->row.name, job.parent);
        }
        const hpo__trial_row *p = &s->trials[job.parent].row;
        hpo__free(rows);
        fresh->seq = p->seq;
        if (!(fresh->params_json = hpo__strdup(p->params_json)))
            return hpo__enomem();
        return 0;
    }
    if (job.kind != HPO__JOB_NEW) {
        hpo__free(rows);
        return hpo__err(HPO_ESTORAGE, "study %s: the scheduler returned job kind %d", s->row.name,
                        (int)job.kind);
    }
    fresh->seq = next_seq;
    char *params = NULL;
    rc = propose(payload, fresh->seq, req->history ? rows : NULL, req->history ? s->n_trials : 0,
                 &params);
    hpo__free(rows);
    if (rc != 0) {
        hpo__free(params);
        return rc;
    }
    if (!params)
        return hpo__err(HPO_ESTORAGE, "storage '%s': the proposer returned no params", st->uri);
    fresh->params_json = params;
    return 0;
}

static int mem_claim(hpo__storage *st, int64_t study_id, const hpo__claim_req *req,
                     hpo__propose_fn propose, void *payload, hpo__trial_row *out)
{
    mem_storage *m = (mem_storage *)st;
    if (!req || !propose || !out || !req->worker)
        return hpo__err(HPO_EINVAL, "storage '%s': claim needs a request, a proposer and out",
                        st->uri);
    int rc = 0;
    char **lost_msgs = NULL; /* per trial index: the message when reaped now */
    hpo__trial_row fresh = {0}, copy = {0};
    size_t n = 0;
    pthread_mutex_lock(&m->lock);
    mem_study *s = find_study_id(m, study_id);
    if (!s) {
        rc = hpo__err(HPO_ENOTFOUND, "storage '%s': no study with id %lld", st->uri,
                      (long long)study_id);
        goto done;
    }
    n = s->n_trials;
    if (s->n_trials == s->cap_trials) {
        size_t cap = s->cap_trials ? s->cap_trials * 2 : 16;
        mem_trial *grown = hpo__realloc(s->trials, cap * sizeof *grown);
        if (!grown) {
            rc = hpo__enomem();
            goto done;
        }
        s->trials = grown;
        s->cap_trials = cap;
    }
    if (n > 0 && !(lost_msgs = hpo__calloc(n, sizeof *lost_msgs))) {
        rc = hpo__enomem();
        goto done;
    }

    /* (1) reap: decide first, apply once nothing can fail any more. */
    long long max_seq = -1;
    for (size_t i = 0; i < n; i++) {
        const hpo__trial_row *t = &s->trials[i].row;
        if (t->seq > max_seq)
            max_seq = t->seq;
        if (t->state != HPO_TRIAL_RUNNING || !req->worker_dead)
            continue;
        if (!req->worker_dead(t->worker ? t->worker : "", t->heartbeat, req->now,
                              req->worker_dead_payload))
            continue;
        hpo__buf b = HPO__BUF_INIT;
        hpo__buf_printf(&b, "lost: worker %s stopped (trial will be re-run)",
                        t->worker ? t->worker : "?");
        if ((rc = hpo__buf_take(&b, &lost_msgs[i])) != 0)
            goto done;
    }

    /* (2) the lowest-numbered configuration waiting to be re-run, if any */
    size_t pick = n;
    for (size_t i = 0; i < n && pick == n; i++) {
        if (s->trials[i].row.requeue_pending || lost_msgs[i])
            pick = i;
    }
    fresh.study_id = s->row.id;
    fresh.number = (long long)n;
    fresh.state = HPO_TRIAL_RUNNING;
    fresh.value = NAN;
    fresh.start_time = fresh.heartbeat = req->now;
    fresh.end_time = NAN;
    fresh.retry_of = -1;
    fresh.parent = -1;
    fresh.bracket = fresh.rung = -1;
    fresh.budget = NAN;
    fresh.budget_start = 0;
    if (pick < n) {
        const hpo__trial_row *lost = &s->trials[pick].row;
        fresh.seq = lost->seq;
        fresh.retry_of = lost->number;
        fresh.parent = lost->parent;
        fresh.bracket = lost->bracket;
        fresh.rung = lost->rung;
        fresh.budget = lost->budget;
        fresh.budget_start = lost->budget_start;
        if (!(fresh.params_json = hpo__strdup(s->trials[pick].row.params_json))) {
            rc = hpo__enomem();
            goto done;
        }
    } else {
        /* (3) the scheduler's job, or a new proposal */
        if ((rc = next_job(st, s, req, propose, payload, max_seq + 1, &fresh)) != 0)
            goto done;
    }
    if (!(fresh.worker = hpo__strdup(req->worker))) {
        rc = hpo__enomem();
        goto done;
    }
    fresh.id = m->next_trial_id;
    if ((rc = trial_row_copy(&copy, &fresh, 0)) != 0)
        goto done;

    /* Commit: nothing below fails. */
    for (size_t i = 0; i < n; i++) {
        if (!lost_msgs[i])
            continue;
        mem_trial *t = &s->trials[i];
        t->row.state = HPO_TRIAL_FAILED;
        hpo__free(t->row.message);
        t->row.message = lost_msgs[i];
        lost_msgs[i] = NULL;
        t->row.requeue_pending = 1;
        t->row.end_time = req->now;
        t->row.lost = 1;
    }
    if (pick < n)
        s->trials[pick].row.requeue_pending = 0;
    m->next_trial_id++;
    memset(&s->trials[n], 0, sizeof s->trials[n]);
    s->trials[n].row = fresh;
    memset(&fresh, 0, sizeof fresh);
    s->n_trials++;
    *out = copy;
    memset(&copy, 0, sizeof copy);
done:
    pthread_mutex_unlock(&m->lock);
    if (lost_msgs) {
        for (size_t i = 0; i < n; i++)
            hpo__free(lost_msgs[i]);
        hpo__free(lost_msgs);
    }
    hpo__trial_row_free(&fresh);
    hpo__trial_row_free(&copy);
    return rc;
}

static int mem_finish(hpo__storage *st, int64_t trial_id, int state, double value,
                      const char *message, const char *attrs_json, double end_time)
{
    mem_storage *m = (mem_storage *)st;
    if ((state < HPO_TRIAL_COMPLETE || state > HPO_TRIAL_FAILED) && state != HPO__TRIAL_REQUEUE)
        return hpo__err(HPO_EINVAL, "storage '%s': cannot finish a trial as %s", st->uri,
                        state_name(state));
    int rc = 0;
    char *msg = NULL, *attrs = NULL;
    mem_study *s = NULL;
    pthread_mutex_lock(&m->lock);
    mem_trial *t = find_trial(m, trial_id, &s);
    if (!t) {
        rc = hpo__err(HPO_ENOTFOUND, "storage '%s': no trial with id %lld", st->uri,
                      (long long)trial_id);
        goto done;
    }
    if (t->row.state != HPO_TRIAL_RUNNING) {
        rc = hpo__err(HPO_ESTATE, "storage '%s': trial %lld of study %s is %s, not running",
                      st->uri, t->row.number, s->row.name, state_name(t->row.state));
        goto done;
    }
    if (dup_opt(message, &msg) || dup_opt(attrs_json, &attrs)) {
        rc = hpo__enomem();
        goto done;
    }
    if (state == HPO__TRIAL_REQUEUE) {
        state = HPO_TRIAL_FAILED;
        value = (double)NAN;
        t->row.lost = 1;
        t->row.requeue_pending = 1;
    }
    t->row.state = state;
    t->row.value = value;
    hpo__free(t->row.message);
    hpo__free(t->row.attrs_json);
    t->row.message = msg;
    t->row.attrs_json = attrs;
    msg = attrs = NULL;
    t->row.end_time = end_time;
done:
    pthread_mutex_unlock(&m->lock);
    hpo__free(msg);
    hpo__free(attrs);
    return rc;
}

static int mem_report(hpo__storage *st, int64_t trial_id, long long step, double value, double now)
{
    mem_storage *m = (mem_storage *)st;
    int rc = 0;
    mem_study *s = NULL;
    pthread_mutex_lock(&m->lock);
    mem_trial *t = find_trial(m, trial_id, &s);
    if (!t) {
        rc = hpo__err(HPO_ENOTFOUND, "storage '%s': no trial with id %lld", st->uri,
                      (long long)trial_id);
        goto done;
    }
    if (t->row.state != HPO_TRIAL_RUNNING) {
        rc = hpo__err(HPO_ESTATE, "storage '%s': trial %lld of study %s is %s, not running",
                      st->uri, t->row.number, s->row.name, state_name(t->row.state));
        goto done;
    }
    size_t i = t->row.n_reports;
    while (i > 0 && t->row.reports[i - 1].step > step)
        i--;
    if (i > 0 && t->row.reports[i - 1].step == step) {
        t->row.reports[i - 1].value = value;
    } else {
        if (t->row.n_reports == t->cap_reports) {
            size_t cap = t->cap_reports ? t->cap_reports * 2 : 8;
            hpo__report_row *grown = hpo__realloc(t->row.reports, cap * sizeof *grown);
            if (!grown) {
                rc = hpo__enomem();
                goto done;
            }
            t->row.reports = grown;
            t->cap_reports = cap;
        }
        memmove(&t->row.reports[i + 1], &t->row.reports[i],
                (t->row.n_reports - i) * sizeof *t->row.reports);
        t->row.reports[i].step = step;
        t->row.reports[i].value = value;
        t->row.n_reports++;
    }
    t->row.heartbeat = now;
done:
    pthread_mutex_unlock(&m->lock);
    return rc;
}

static int mem_heartbeat(hpo__storage *st, const int64_t *trial_ids, size_t n, double now)
{
    mem_storage *m = (mem_storage *)st;
    if (n > 0 && !trial_ids)
        return hpo__err(HPO_EINVAL, "storage '%s': heartbeat needs trial ids", st->uri);
    pthread_mutex_lock(&m->lock);
    for (size_t k = 0; k < n; k++) {
        mem_study *s = NULL;
        mem_trial *t = find_trial(m, trial_ids[k], &s);
        if (t && t->row.state == HPO_TRIAL_RUNNING)
            t->row.heartbeat = now;
    }
    pthread_mutex_unlock(&m->lock);
    return 0;
}

static int mem_trials(hpo__storage *st, int64_t study_id, hpo__trial_row **rows, size_t *n)
{
    mem_storage *m = (mem_storage *)st;
    if (!rows || !n)
        return hpo__err(HPO_EINVAL, "storage '%s': trials needs out-params", st->uri);
    int rc = 0;
    hpo__trial_row *list = NULL;
    size_t count = 0;
    pthread_mutex_lock(&m->lock);
    mem_study *s = find_study_id(m, study_id);
    if (!s) {
        rc = hpo__err(HPO_ENOTFOUND, "storage '%s': no study with id %lld", st->uri,
                      (long long)study_id);
        goto done;
    }
    if (!(list = hpo__calloc(s->n_trials + 1, sizeof *list))) {
        rc = hpo__enomem();
        goto done;
    }
    for (; count < s->n_trials; count++) {
        if ((rc = trial_row_copy(&list[count], &s->trials[count].row, 1)) != 0)
            goto done;
    }
    *rows = list;
    *n = count;
    list = NULL;
done:
    pthread_mutex_unlock(&m->lock);
    hpo__trial_rows_free(list, count);
    return rc;
}

static int mem_counts(hpo__storage *st, int64_t study_id, long long counts[4], long long *n_lost,
                      long long *n_claimed)
{
    mem_storage *m = (mem_storage *)st;
    int rc = 0;
    long long c[4] = {0, 0, 0, 0}, lost = 0, max_seq = -1;
    pthread_mutex_lock(&m->lock);
    mem_study *s = find_study_id(m, study_id);
    if (!s) {
        rc = hpo__err(HPO_ENOTFOUND, "storage '%s': no study with id %lld", st->uri,
                      (long long)study_id);
        goto done;
    }
    for (size_t i = 0; i < s->n_trials; i++) {
        const mem_trial *t = &s->trials[i];
        if (t->row.state >= 0 && t->row.state < 4)
            c[t->row.state]++;
        if (t->row.state == HPO_TRIAL_FAILED && t->row.lost)
            lost++;
        if (t->row.seq > max_seq)
            max_seq = t->row.seq;
    }
    if (counts)
        memcpy(counts, c, sizeof c);
    if (n_lost)
        *n_lost = lost;
    if (n_claimed)
        *n_claimed = max_seq + 1;
done:
    pthread_mutex_unlock(&m->lock);
    return rc;
}

static int mem_artifact_put(hpo__storage *st, int64_t study_id, const char *key, const void *data,
                            size_t len)
{
    mem_storage *m = (mem_storage *)st;
    if (!key || (!data && len))
        return hpo__err(HPO_EINVAL, "storage '%s': artifact_put needs a key and data", st->uri);
    void *copy = hpo__malloc(len ? len : 1);
    if (!copy)
        return hpo__enomem();
    if (len)
        memcpy(copy, data, len);
    int rc = 0;
    pthread_mutex_lock(&m->lock);
    mem_study *s = find_study_id(m, study_id);
    mem_artifact *a = s ? s->artifacts : NULL;
    while (a && strcmp(a->key, key) != 0)
        a = a->next;
    if (!s) {
        rc = hpo__err(HPO_ENOTFOUND, "storage '%s': no study with id %lld", st->uri,
                      (long long)study_id);
    } else if (a) {
        hpo__free(a->data);
        a->data = copy;
        a->len = len;
        copy = NULL;
    } else if (!(a = hpo__calloc(1, sizeof *a)) || !(a->key = hpo__strdup(key))) {
        hpo__free(a);
        rc = hpo__enomem();
    } else {
        a->data = copy;
        a->len = len;
        a->next = s->artifacts;
        s->artifacts = a;
        copy = NULL;
    }
    pthread_mutex_unlock(&m->lock);
    hpo__free(copy);
    return rc;
}

static int mem_artifact_get(hpo__storage *st, int64_t study_id, const char *key, void **data,
                            size_t *len)
{
    mem_storage *m = (mem_storage *)st;
    if (!key || !data || !len)
        return hpo__err(HPO_EINVAL, "storage '%s': artifact_get needs a key", st->uri);
    int rc = 0;
    pthread_mutex_lock(&m->lock);
    mem_study *s = find_study_id(m, study_id);
    mem_artifact *a = s ? s->artifacts : NULL;
    while (a && strcmp(a->key, key) != 0)
        a = a->next;
    if (!a) {
        rc = hpo__err(HPO_ENOTFOUND, "storage '%s': the study has no artifact '%s'", st->uri, key);
    } else if (!(*data = hpo__malloc(a->len ? a->len : 1))) {
        rc = hpo__enomem();
    } else {
        if (a->len)
            memcpy(*data, a->data, a->len);
        *len = a->len;
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

static int mem_artifact_delete(hpo__storage *st, int64_t study_id, const char *key, int prefix)
{
    mem_storage *m = (mem_storage *)st;
    if (!key)
        return hpo__err(HPO_EINVAL, "storage '%s': artifact_delete needs a key", st->uri);
    size_t klen = strlen(key);
    pthread_mutex_lock(&m->lock);
    mem_study *s = find_study_id(m, study_id);
    mem_artifact **link = s ? &s->artifacts : NULL;
    while (link && *link) {
        mem_artifact *a = *link;
        if (prefix ? strncmp(a->key, key, klen) == 0 : strcmp(a->key, key) == 0) {
            *link = a->next;
            hpo__free(a->key);
            hpo__free(a->data);
            hpo__free(a);
        } else {
            link = &a->next;
        }
    }
    pthread_mutex_unlock(&m->lock);
    return 0;
}

const hpo__storage_ops hpo__storage_memory_ops = {
    .version = HPO__STORAGE_OPS_VERSION,
    .scheme = "memory",
    .open = mem_open,
    .close = mem_close,
    .study_create = mem_study_create,
    .study_get = mem_study_get,
    .study_set_n_trials = mem_study_set_n_trials,
    .study_delete = mem_study_delete,
    .study_list = mem_study_list,
    .claim = mem_claim,
    .finish = mem_finish,
    .report = mem_report,
    .heartbeat = mem_heartbeat,
    .trials = mem_trials,
    .counts = mem_counts,
    .artifact_put = mem_artifact_put,
    .artifact_get = mem_artifact_get,
    .artifact_delete = mem_artifact_delete,
};
