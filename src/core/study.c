/*
 * study.c -- studies and trials: open/resume, ask, report, tell, snapshots.
 *
 * Identity: a study is its name in a storage. Reopening checks that the space,
 * direction, seed, sampler (with options) and objective are those stored; a
 * difference is refused with a readable diff (HPO_EMISMATCH) unless the caller
 * asks for a fresh study, so resumed results never mix two experiments.
 *
 * Claims: hpo_study_ask is one storage transaction that first re-runs a
 * configuration lost with a dead worker, else asks the sampler for proposal
 * `seq` = the next proposal index. Stateless samplers make the proposal a pure
 * function of (seed, seq), so the sequence is the same with one worker or many,
 * in one run or across resumed runs.
 */
#include "core/study.h"
#include "core/space.h"
#include "util/util.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ helpers */

static void kv_free(hpo_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        hpo__free((void *)(uintptr_t)kv[i].key);
        hpo__free((void *)(uintptr_t)kv[i].value);
    }
    hpo__free(kv);
}

static int kv_to_json(const hpo_kv *kv, size_t n, char **out)
{
    /* Keys sorted so that the stored form does not depend on the given order. */
    json_t *o = json_object();
    if (!o)
        return hpo__enomem();
    for (size_t i = 0; i < n; i++) {
        if (!kv[i].key || !kv[i].value) {
            json_decref(o);
            return hpo__err(HPO_EINVAL, "option %zu has no key or value", i);
        }
        if (json_object_set_new(o, kv[i].key, json_string(kv[i].value)) != 0) {
            json_decref(o);
            return hpo__err(HPO_EINVAL, "option '%s' is not valid UTF-8", kv[i].key);
        }
    }
    char *s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(o);
    if (!s)
        return hpo__enomem();
    *out = hpo__strdup(s);
    free(s);
    return *out ? 0 : hpo__enomem();
}

static int kv_from_json(const char *json, hpo_kv **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!json || !*json)
        return 0;
    json_error_t jerr;
    json_t *o = json_loads(json, 0, &jerr);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return hpo__err(HPO_ESTORAGE, "stored sampler options are not a JSON object");
    }
    size_t count = json_object_size(o), i = 0;
    hpo_kv *kv = hpo__calloc(count ? count : 1, sizeof *kv);
    if (!kv) {
        json_decref(o);
        return hpo__enomem();
    }
    const char *key;
    json_t *val;
    json_object_foreach(o, key, val)
    {
        kv[i].key = hpo__strdup(key);
        kv[i].value = hpo__strdup(json_is_string(val) ? json_string_value(val) : "");
        if (!kv[i].key || !kv[i].value) {
            for (size_t j = 0; j <= i; j++) {
                hpo__free((void *)(uintptr_t)kv[j].key);
                hpo__free((void *)(uintptr_t)kv[j].value);
            }
            hpo__free(kv);
            json_decref(o);
            return hpo__enomem();
        }
        i++;
    }
    json_decref(o);
    *out = kv;
    *n = count;
    return 0;
}

static int streq_null(const char *a, const char *b)
{
    if (!a || !*a)
        return !b || !*b;
    return b && strcmp(a, b) == 0;
}

/* Build the scheduler of a study (after its sampler) from its row; none when
 * the row names none. */
static int study_make_scheduler(hpo_study *s)
{
    if (s->scheduler) {
        s->schops->destroy(s->scheduler);
        s->scheduler = NULL;
    }
    s->schops = NULL;
    kv_free(s->scheduler_opts, s->n_scheduler_opts);
    s->scheduler_opts = NULL;
    s->n_scheduler_opts = 0;
    if (!s->row.scheduler || !s->row.scheduler[0])
        return 0;
    if (!(s->schops = hpo__scheduler_find(s->row.scheduler)))
        return HPO_EINVAL; /* message set by find */
    int rc = kv_from_json(s->row.scheduler_options_json, &s->scheduler_opts, &s->n_scheduler_opts);
    if (rc)
        return rc;
    hpo__scheduler_config cfg = {
        .options = s->scheduler_opts,
        .n_options = s->n_scheduler_opts,
        .direction = (hpo_direction)s->row.direction,
        .sampler_capacity = s->sops->capacity(s->sampler),
        .n_trials = s->row.n_trials,
        .sampler = s->row.sampler,
    };
    if ((rc = s->schops->create(&s->scheduler, &cfg)) != 0) {
        s->schops = NULL;
        return rc;
    }
    return 0;
}

/* Build the sampler (and the scheduler) of a study from its row and space. */
int hpo__study_make_sampler(hpo_study *s)
{
    s->sops = hpo__sampler_find(s->row.sampler);
    if (!s->sops)
        return HPO_EINVAL; /* message set by find */
    kv_free(s->sampler_opts, s->n_sampler_opts);
    s->sampler_opts = NULL;
    s->n_sampler_opts = 0;
    int rc = kv_from_json(s->row.sampler_options_json, &s->sampler_opts, &s->n_sampler_opts);
    if (rc)
        return rc;
    hpo__sampler_config cfg = {
        .space = s->space,
        .seed = s->row.seed,
        .n_trials = s->row.n_trials,
        .options = s->sampler_opts,
        .n_options = s->n_sampler_opts,
    };
    rc = hpo__sampler_check_options(s->sops, &cfg);
    if (rc)
        return rc;
    if (s->sampler) {
        s->sops->destroy(s->sampler);
        s->sampler = NULL;
    }
    if ((rc = s->sops->create(&s->sampler, &cfg)) != 0)
        return rc;
    return study_make_scheduler(s);
}

static hpo_study *study_alloc(void)
{
    hpo_study *s = hpo__calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        hpo__free(s);
        return NULL;
    }
    if (pthread_mutex_init(&s->hist_lock, NULL) != 0) {
        pthread_mutex_destroy(&s->lock);
        hpo__free(s);
        return NULL;
    }
    atomic_init(&s->stop, 0);
    s->stale_after = 60.0;
    return s;
}

void hpo_study_close(hpo_study *study)
{
    if (!study)
        return;
    if (study->sampler)
        study->sops->destroy(study->sampler);
    kv_free(study->sampler_opts, study->n_sampler_opts);
    if (study->scheduler)
        study->schops->destroy(study->scheduler);
    kv_free(study->scheduler_opts, study->n_scheduler_opts);
    hpo_space_destroy(study->space);
    hpo__study_row_free(&study->row);
    hpo__storage_close(study->st);
    hpo__free(study->worker_id);
    hpo__free(study->running);
    for (size_t i = 0; i < study->hist_cap; i++)
        hpo__params_free(&study->hist_params[i]);
    hpo__free(study->hist_params);
    hpo__free(study->hist_have);
    pthread_mutex_destroy(&study->lock);
    pthread_mutex_destroy(&study->hist_lock);
    hpo__free(study);
}

/* Describe how the stored study differs from the requested one. */
static int study_compare(const hpo__study_row *stored, const hpo__study_row *want,
                         const hpo_space *want_space)
{
    hpo__buf b = HPO__BUF_INIT;
    int differs = 0;
    if (strcmp(stored->space_json, want->space_json) != 0) {
        hpo_space *old = NULL;
        char *diff = NULL;
        if (hpo__space_from_json(stored->space_json, &old) == 0 &&
            hpo__space_diff(old, want_space, &diff) == 0 && diff[0]) {
            hpo__buf_printf(&b, "\n  space:\n%s", diff);
        } else {
            hpo__buf_puts(&b, "\n  space: changed");
        }
        hpo__free(diff);
        hpo_space_destroy(old);
        differs = 1;
    }
    if (stored->direction != want->direction) {
        hpo__buf_printf(&b, "\n  direction: %s -> %s",
                        stored->direction == HPO_MAXIMIZE ? "maximize" : "minimize",
                        want->direction == HPO_MAXIMIZE ? "maximize" : "minimize");
        differs = 1;
    }
    if (stored->seed != want->seed) {
        hpo__buf_printf(&b, "\n  seed: %llu -> %llu", (unsigned long long)stored->seed,
                        (unsigned long long)want->seed);
        differs = 1;
    }
    if (strcmp(stored->sampler, want->sampler) != 0 ||
        !streq_null(stored->sampler_options_json, want->sampler_options_json)) {
        hpo__buf_printf(&b, "\n  sampler: %s %s -> %s %s", stored->sampler,
                        stored->sampler_options_json ? stored->sampler_options_json : "{}",
                        want->sampler,
                        want->sampler_options_json ? want->sampler_options_json : "{}");
        differs = 1;
    }
    if (!streq_null(stored->scheduler, want->scheduler) ||
        !streq_null(stored->scheduler_options_json, want->scheduler_options_json)) {
        hpo__buf_printf(&b, "\n  scheduler: %s %s -> %s %s",
                        stored->scheduler && *stored->scheduler ? stored->scheduler : "none",
                        stored->scheduler_options_json ? stored->scheduler_options_json : "{}",
                        want->scheduler && *want->scheduler ? want->scheduler : "none",
                        want->scheduler_options_json ? want->scheduler_options_json : "{}");
        differs = 1;
    }
    if (want->objective_json && !streq_null(stored->objective_json, want->objective_json)) {
        hpo__buf_printf(&b, "\n  objective: %s\n          -> %s",
                        stored->objective_json ? stored->objective_json : "(none)",
                        want->objective_json);
        differs = 1;
    }
    if (!differs) {
        hpo__buf_free(&b);
        return 0;
    }
    char *text = NULL;
    if (hpo__buf_take(&b, &text) != 0)
        return HPO_ENOMEM;
    hpo__err(HPO_EMISMATCH, "study '%s' already exists with other settings:%s", stored->name, text);
    hpo__free(text);
    return HPO_EMISMATCH;
}

int hpo_study_open(hpo_study **out, const hpo_study_options *opts, const hpo_space *space)
{
    if (!out || !opts || !space)
        return hpo__err(HPO_EINVAL, "hpo_study_open: out, opts and space are required");
    if (opts->version != HPO_STUDY_OPTIONS_VERSION)
        return hpo__err(HPO_EINVAL, "hpo_study_open: unknown options version %u", opts->version);
    if (!opts->name || !opts->name[0])
        return hpo__err(HPO_EINVAL, "hpo_study_open: the study needs a name");
    if (opts->direction != HPO_MINIMIZE && opts->direction != HPO_MAXIMIZE)
        return hpo__err(HPO_EINVAL, "hpo_study_open: direction must be minimize or maximize");
    if (opts->n_trials < 0)
        return hpo__err(HPO_EINVAL, "hpo_study_open: n_trials must be >= 0");
    if (opts->stale_after < 0)
        return hpo__err(HPO_EINVAL, "hpo_study_open: stale_after must be >= 0");

    int rc;
    hpo_study *s = study_alloc();
    hpo__study_row want = {0};
    if (!s)
        return hpo__enomem();
    if (opts->stale_after > 0)
        s->stale_after = opts->stale_after;

    /* Everything that can be checked without the storage is checked first, so
     * bad input writes nothing. */
    if ((rc = hpo__space_copy(space, &s->space)) != 0)
        goto fail;
    if ((rc = hpo__space_resolve(s->space)) != 0)
        goto fail;
    if (hpo_space_param_count(s->space) == 0) {
        rc = hpo__err(HPO_EINVAL, "study '%s': the space has no parameters", opts->name);
        goto fail;
    }
    want.name = hpo__strdup(opts->name);
    want.direction = (int)opts->direction;
    want.seed = opts->seed;
    want.sampler = hpo__strdup(opts->sampler && opts->sampler[0] ? opts->sampler : "random");
    want.objective_json = hpo__strdup(opts->objective_json);
    want.spec_text = hpo__strdup(opts->spec_text);
    want.n_trials = opts->n_trials;
    want.created = hpo__now();
    if (!want.name || !want.sampler || (opts->objective_json && !want.objective_json) ||
        (opts->spec_text && !want.spec_text)) {
        rc = hpo__enomem();
        goto fail;
    }
    if ((rc = kv_to_json(opts->sampler_options, opts->n_sampler_options,
                         &want.sampler_options_json)) != 0)
        goto fail;
    if (opts->scheduler && opts->scheduler[0]) {
        if (!(want.scheduler = hpo__strdup(opts->scheduler))) {
            rc = hpo__enomem();
            goto fail;
        }
        if ((rc = kv_to_json(opts->scheduler_options, opts->n_scheduler_options,
                             &want.scheduler_options_json)) != 0)
            goto fail;
    }
    if ((rc = hpo_space_to_json(s->space, &want.space_json)) != 0)
        goto fail;
    /* Validate the sampler against the space before touching the storage. */
    s->row = want;
    memset(&want, 0, sizeof want);
    if ((rc = hpo__study_make_sampler(s)) != 0) {
        if (s->row.scheduler && s->sampler)
            hpo__err_prefix("study '%s'", s->row.name);
        else
            hpo__err_prefix("study '%s': sampler %s", s->row.name, s->row.sampler);
        goto fail;
    }
    if ((rc = hpo__worker_id(&s->worker_id)) != 0)
        goto fail;

    if ((rc = hpo__storage_open(&s->st, opts->storage ? opts->storage : "memory:")) != 0)
        goto fail;
    if (opts->fresh) {
        rc = s->st->ops->study_delete(s->st, s->row.name);
        if (rc != 0 && rc != HPO_ENOTFOUND)
            goto fail;
    }
    hpo__study_row stored = {0};
    int created = 0;
    if ((rc = s->st->ops->study_create(s->st, &s->row, &stored, &created)) != 0)
        goto fail;
    if (!created) {
        rc = study_compare(&stored, &s->row, s->space);
        if (rc != 0) {
            hpo__study_row_free(&stored);
            goto fail;
        }
        if (opts->n_trials > 0 && opts->n_trials != stored.n_trials) {
            rc = s->st->ops->study_set_n_trials(s->st, stored.id, opts->n_trials);
            if (rc != 0) {
                hpo__study_row_free(&stored);
                goto fail;
            }
            stored.n_trials = opts->n_trials;
        }
        /* Keep the stored spec text unless a new one was given. */
    }
    s->is_new = created;
    hpo__study_row_free(&s->row);
    s->row = stored;
    /* Rebuild the sampler with the stored n_trials (the lhs design depends on it). */
    if ((rc = hpo__study_make_sampler(s)) != 0)
        goto fail;
    *out = s;
    return 0;
fail:
    hpo__study_row_free(&want);
    hpo_study_close(s);
    return rc;
}

int hpo_study_load(hpo_study **out, const char *storage, const char *name)
{
    if (!out || !name)
        return hpo__err(HPO_EINVAL, "hpo_study_load: out and name are required");
    int rc;
    hpo_study *s = study_alloc();
    if (!s)
        return hpo__enomem();
    if ((rc = hpo__worker_id(&s->worker_id)) != 0)
        goto fail;
    if ((rc = hpo__storage_open(&s->st, storage ? storage : "memory:")) != 0)
        goto fail;
    if ((rc = s->st->ops->study_get(s->st, name, &s->row)) != 0) {
        if (rc == HPO_ENOTFOUND)
            hpo__err(HPO_ENOTFOUND, "no study '%s' in %s", name, s->st->uri);
        goto fail;
    }
    if ((rc = hpo__space_from_json(s->row.space_json, &s->space)) != 0)
        goto fail;
    if ((rc = hpo__space_resolve(s->space)) != 0)
        goto fail;
    if ((rc = hpo__study_make_sampler(s)) != 0)
        goto fail;
    *out = s;
    return 0;
fail:
    hpo_study_close(s);
    return rc;
}

int hpo_study_delete(const char *storage, const char *name)
{
    if (!name)
        return hpo__err(HPO_EINVAL, "hpo_study_delete: name is required");
    hpo__storage *st = NULL;
    int rc = hpo__storage_open(&st, storage);
    if (rc)
        return rc;
    rc = st->ops->study_delete(st, name);
    if (rc == HPO_ENOTFOUND)
        hpo__err(HPO_ENOTFOUND, "no study '%s' in %s", name, st->uri);
    hpo__storage_close(st);
    return rc;
}

int hpo_storage_list_studies(const char *storage, char ***out)
{
    if (!out)
        return hpo__err(HPO_EINVAL, "hpo_storage_list_studies: out is required");
    hpo__storage *st = NULL;
    char **names = NULL;
    size_t n = 0;
    int rc = hpo__storage_open(&st, storage);
    if (rc)
        return rc;
    rc = st->ops->study_list(st, &names, &n);
    hpo__storage_close(st);
    if (rc)
        return rc;
    /* One block: the pointer array followed by the strings. */
    size_t total = (n + 1) * sizeof(char *);
    for (size_t i = 0; i < n; i++)
        total += strlen(names[i]) + 1;
    char **block = hpo__malloc(total); /* released by the caller with hpo_free() */
    if (block) {
        char *p = (char *)(block + n + 1);
        for (size_t i = 0; i < n; i++) {
            size_t len = strlen(names[i]) + 1;
            memcpy(p, names[i], len);
            block[i] = p;
            p += len;
        }
        block[n] = NULL;
    }
    for (size_t i = 0; i < n; i++)
        hpo__free(names[i]);
    hpo__free(names);
    if (!block)
        return hpo__enomem();
    *out = block;
    return 0;
}

const char *hpo_study_name(const hpo_study *study)
{
    return study ? study->row.name : NULL;
}

hpo_direction hpo_study_direction(const hpo_study *study)
{
    return study && study->row.direction == HPO_MAXIMIZE ? HPO_MAXIMIZE : HPO_MINIMIZE;
}

const char *hpo_study_sampler(const hpo_study *study)
{
    return study ? study->row.sampler : NULL;
}

const char *hpo_study_scheduler(const hpo_study *study)
{
    return study && study->row.scheduler ? study->row.scheduler : "";
}

const hpo_space *hpo_study_space(const hpo_study *study)
{
    return study ? study->space : NULL;
}

long long hpo_study_n_trials(const hpo_study *study)
{
    return study ? study->row.n_trials : 0;
}

const char *hpo_study_spec_text(const hpo_study *study)
{
    return study ? study->row.spec_text : NULL;
}

const char *hpo_study_objective_json(const hpo_study *study)
{
    return study ? study->row.objective_json : NULL;
}

int hpo_study_is_new(const hpo_study *study)
{
    return study ? study->is_new : 0;
}

void hpo_study_stop(hpo_study *study)
{
    if (study)
        atomic_store(&study->stop, 1);
}

/* ------------------------------------------------------------ trials from rows */

static void trial_free_fields(hpo_trial *t)
{
    hpo__free(t->message);
    hpo__free(t->worker);
    hpo__params_free(&t->params);
    for (size_t i = 0; i < t->n_attrs; i++) {
        hpo__free(t->attrs[i].key);
        hpo__free(t->attrs[i].value);
    }
    hpo__free(t->attrs);
    hpo__free(t->reports);
}

static int attrs_from_json(hpo_trial *t, const char *json)
{
    if (!json || !*json)
        return 0;
    json_error_t jerr;
    json_t *o = json_loads(json, 0, &jerr);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return 0; /* attributes are informational; ignore a damaged blob */
    }
    size_t n = json_object_size(o);
    t->attrs = hpo__calloc(n ? n : 1, sizeof *t->attrs);
    if (!t->attrs) {
        json_decref(o);
        return hpo__enomem();
    }
    const char *key;
    json_t *val;
    json_object_foreach(o, key, val)
    {
        if (!json_is_string(val))
            continue;
        hpo__attr *a = &t->attrs[t->n_attrs];
        a->key = hpo__strdup(key);
        a->value = hpo__strdup(json_string_value(val));
        if (!a->key || !a->value) {
            hpo__free(a->key);
            hpo__free(a->value);
            json_decref(o);
            return hpo__enomem();
        }
        t->n_attrs++;
    }
    json_decref(o);
    return 0;
}

static int trial_from_row(hpo_trial **out, const hpo__trial_row *row, hpo_study *live)
{
    hpo_trial *t = hpo__calloc(1, sizeof *t);
    if (!t)
        return hpo__enomem();
    int rc = 0;
    t->study = live;
    t->id = row->id;
    t->number = row->number;
    t->seq = row->seq;
    t->retry_of = row->retry_of;
    t->parent = row->parent;
    t->bracket = row->bracket;
    t->rung = row->rung;
    t->budget = row->budget;
    t->budget_start = row->budget_start;
    t->state = (hpo_trial_state)row->state;
    t->value = row->value;
    t->start_time = row->start_time;
    t->end_time = isnan(row->end_time) ? 0 : row->end_time;
    if ((row->message && !(t->message = hpo__strdup(row->message))) ||
        (row->worker && !(t->worker = hpo__strdup(row->worker)))) {
        rc = hpo__enomem();
        goto fail;
    }
    if ((rc = hpo__params_from_json(row->params_json ? row->params_json : "{}", &t->params)) != 0)
        goto fail;
    if ((rc = attrs_from_json(t, row->attrs_json)) != 0)
        goto fail;
    if (row->n_reports) {
        t->reports = hpo__malloc(row->n_reports * sizeof *t->reports);
        if (!t->reports) {
            rc = hpo__enomem();
            goto fail;
        }
        memcpy(t->reports, row->reports, row->n_reports * sizeof *t->reports);
        t->n_reports = t->cap_reports = row->n_reports;
    }
    *out = t;
    return 0;
fail:
    trial_free_fields(t);
    hpo__free(t);
    return rc;
}

/* ------------------------------------------------------------ ask */

static int study_track(hpo_study *s, int64_t id)
{
    pthread_mutex_lock(&s->lock);
    if (s->n_running == s->cap_running) {
        size_t cap = s->cap_running ? s->cap_running * 2 : 8;
        int64_t *r = hpo__realloc(s->running, cap * sizeof *r);
        if (!r) {
            pthread_mutex_unlock(&s->lock);
            return hpo__enomem();
        }
        s->running = r;
        s->cap_running = cap;
    }
    s->running[s->n_running++] = id;
    pthread_mutex_unlock(&s->lock);
    return 0;
}

static void study_untrack(hpo_study *s, int64_t id)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n_running; i++) {
        if (s->running[i] == id) {
            s->running[i] = s->running[--s->n_running];
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
}

int hpo__study_heartbeat(hpo_study *s)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->n_running;
    int64_t *ids = n ? hpo__malloc(n * sizeof *ids) : NULL;
    if (ids)
        memcpy(ids, s->running, n * sizeof *ids);
    pthread_mutex_unlock(&s->lock);
    if (n && !ids)
        return hpo__enomem();
    int rc = n ? s->st->ops->heartbeat(s->st, ids, n, hpo__now()) : 0;
    hpo__free(ids);
    return rc;
}

typedef struct propose_ctx {
    hpo_study *s;
} propose_ctx;

/* Room in the params cache for trial numbers < n (hist_lock held). Grown
 * before any pointer into it is taken. */
static int hist_reserve(hpo_study *s, size_t n)
{
    if (n <= s->hist_cap)
        return 0;
    size_t cap = s->hist_cap ? s->hist_cap : 64;
    while (cap < n)
        cap *= 2;
    hpo__params *p = hpo__realloc(s->hist_params, cap * sizeof *p);
    if (!p)
        return hpo__enomem();
    s->hist_params = p;
    unsigned char *h = hpo__realloc(s->hist_have, cap);
    if (!h)
        return hpo__enomem();
    s->hist_have = h;
    for (size_t i = s->hist_cap; i < cap; i++) {
        s->hist_params[i] = (hpo__params)HPO__PARAMS_INIT;
        s->hist_have[i] = 0;
    }
    s->hist_cap = cap;
    return 0;
}

/* The parsed params of a trial row, from the cache (hist_lock held, room
 * reserved for its number). */
static int hist_params(hpo_study *s, const hpo__trial_row *row, const hpo__params **out)
{
    if (row->number < 0 || (size_t)row->number >= s->hist_cap)
        return hpo__err(HPO_ESTORAGE, "trial number %lld out of range", row->number);
    size_t k = (size_t)row->number;
    if (!s->hist_have[k]) {
        int rc =
            hpo__params_from_json(row->params_json ? row->params_json : "{}", &s->hist_params[k]);
        if (rc) {
            hpo__params_free(&s->hist_params[k]);
            hpo__err_prefix("trial %lld", row->number);
            return rc;
        }
        s->hist_have[k] = 1;
    }
    *out = &s->hist_params[k];
    return 0;
}

static int propose_cb(void *payload, long long seq, const hpo__trial_row *rows, size_t n,
                      char **params_json)
{
    propose_ctx *ctx = payload;
    hpo_study *s = ctx->s;
    hpo__params p = HPO__PARAMS_INIT;
    hpo__history hist = {.entries = NULL, .n = 0, .direction = (hpo_direction)s->row.direction};
    hpo__history_entry *e = NULL;
    int rc = 0;
    pthread_mutex_lock(&s->hist_lock);
    if (rows && n && s->sops->needs_history) {
        long long top = -1;
        for (size_t i = 0; i < n; i++)
            top = rows[i].number > top ? rows[i].number : top;
        e = hpo__calloc(n, sizeof *e);
        if (!e)
            rc = hpo__enomem();
        else if (top >= 0)
            rc = hist_reserve(s, (size_t)top + 1);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            const hpo__trial_row *r = &rows[i];
            e[i].number = r->number;
            e[i].seq = r->seq;
            e[i].state = (hpo_trial_state)r->state;
            e[i].value = r->value;
            e[i].budget = r->budget;
            e[i].rung = r->rung;
            e[i].lost = r->lost;
            e[i].duration = isfinite(r->end_time) && isfinite(r->start_time)
                                ? r->end_time - r->start_time
                                : (double)NAN;
            rc = hist_params(s, r, &e[i].params);
        }
        hist.entries = e;
        hist.n = n;
    }
    if (rc == 0)
        rc = s->sops->propose(s->sampler, seq, &hist, &p);
    pthread_mutex_unlock(&s->hist_lock);
    hpo__free(e);
    if (rc == 0)
        rc = hpo__params_to_json(&p, params_json);
    hpo__params_free(&p);
    return rc;
}

/* hpo__schedule_fn: the study's scheduler decides inside the claim. */
static int schedule_cb(void *payload, const hpo__trial_row *rows, size_t n, long long next_seq,
                       hpo__job *out)
{
    hpo_study *s = payload;
    long long max_new = s->sops->capacity(s->sampler);
    if (s->row.n_trials > 0 && (max_new < 0 || s->row.n_trials < max_new))
        max_new = s->row.n_trials;
    hpo__sched_view view = {
        .rows = rows,
        .n = n,
        .direction = (hpo_direction)s->row.direction,
        .next_seq = next_seq,
        .max_new = max_new,
    };
    return s->schops->next_job(s->scheduler, &view, out);
}

int hpo_study_ask(hpo_study *study, hpo_trial **out)
{
    if (!study || !out)
        return hpo__err(HPO_EINVAL, "hpo_study_ask: study and out are required");
    propose_ctx ctx = {.s = study};
    hpo__claim_req req = {
        .n_trials = study->row.n_trials,
        .capacity = study->sops->capacity(study->sampler),
        .worker = study->worker_id,
        .now = hpo__now(),
        .worker_dead = hpo__worker_dead,
        .worker_dead_payload = &study->stale_after,
        .schedule = study->scheduler ? schedule_cb : NULL,
        .schedule_payload = study,
        .history = study->sops->needs_history,
    };
    hpo__trial_row row = {0};
    int rc = study->st->ops->claim(study->st, study->row.id, &req, propose_cb, &ctx, &row);
    if (rc)
        return rc;
    hpo_trial *t = NULL;
    rc = trial_from_row(&t, &row, study);
    if (rc == 0 && (rc = study_track(study, t->id)) != 0) {
        trial_free_fields(t);
        hpo__free(t);
        t = NULL;
    }
    if (rc != 0) {
        /* Do not leave a running trial nobody will finish. */
        int keep = rc;
        study->st->ops->finish(study->st, row.id, HPO_TRIAL_FAILED, NAN,
                               "could not start: out of memory", NULL, hpo__now());
        hpo__trial_row_free(&row);
        return keep;
    }
    hpo__trial_row_free(&row);
    *out = t;
    return 0;
}

/* ------------------------------------------------------------ finishing */

static int attrs_to_json(const hpo_trial *t, char **out)
{
    *out = NULL;
    if (t->n_attrs == 0)
        return 0;
    json_t *o = json_object();
    if (!o)
        return hpo__enomem();
    for (size_t i = 0; i < t->n_attrs; i++)
        json_object_set_new(o, t->attrs[i].key, json_string(t->attrs[i].value));
    char *s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(o);
    if (!s)
        return hpo__enomem();
    *out = hpo__strdup(s);
    free(s);
    return *out ? 0 : hpo__enomem();
}

static int trial_finish(hpo_trial *t, hpo_trial_state state, double value, const char *message)
{
    if (!t)
        return hpo__err(HPO_EINVAL, "trial is NULL");
    if (!t->study)
        return hpo__err(HPO_ESTATE, "trial %lld is a snapshot, not a running trial", t->number);
    if (t->state != HPO_TRIAL_RUNNING)
        return hpo__err(HPO_ESTATE, "trial %lld is already %s", t->number,
                        hpo_trial_state_to_string(t->state));
    char *attrs = NULL;
    int rc = attrs_to_json(t, &attrs);
    if (rc)
        return rc;
    double end = hpo__now();
    rc = t->study->st->ops->finish(t->study->st, t->id, (int)state, value, message, attrs, end);
    hpo__free(attrs);
    if (rc)
        return rc;
    study_untrack(t->study, t->id);
    if ((int)state == HPO__TRIAL_REQUEUE) {
        state = HPO_TRIAL_FAILED;
        value = (double)NAN;
    }
    t->state = state;
    t->value = value;
    t->end_time = end;
    hpo__free(t->message);
    t->message = message ? hpo__strdup(message) : NULL;
    return 0;
}

int hpo_trial_tell(hpo_trial *trial, double value)
{
    if (!isfinite(value)) {
        char msg[96];
        snprintf(msg, sizeof msg, "objective value is %s", isnan(value) ? "nan" : "inf");
        int rc = trial_finish(trial, HPO_TRIAL_FAILED, NAN, msg);
        if (rc)
            return rc;
        return hpo__err(HPO_EINVAL, "trial %lld: %s; recorded as failed", trial->number, msg);
    }
    return trial_finish(trial, HPO_TRIAL_COMPLETE, value, NULL);
}

int hpo__trial_requeue(hpo_trial *trial, const char *reason)
{
    return trial_finish(trial, (hpo_trial_state)HPO__TRIAL_REQUEUE, (double)NAN, reason);
}

int hpo_trial_fail(hpo_trial *trial, const char *reason)
{
    return trial_finish(trial, HPO_TRIAL_FAILED, NAN, reason);
}

int hpo_trial_prune(hpo_trial *trial)
{
    if (!trial)
        return hpo__err(HPO_EINVAL, "trial is NULL");
    double v = trial->n_reports ? trial->reports[trial->n_reports - 1].value : (double)NAN;
    return trial_finish(trial, HPO_TRIAL_PRUNED, v, NULL);
}

int hpo_trial_report(hpo_trial *trial, long long step, double value, int *should_prune)
{
    if (!trial)
        return hpo__err(HPO_EINVAL, "trial is NULL");
    if (!trial->study || trial->state != HPO_TRIAL_RUNNING)
        return hpo__err(HPO_ESTATE, "trial %lld is not running", trial->number);
    int rc = trial->study->st->ops->report(trial->study->st, trial->id, step, value, hpo__now());
    if (rc)
        return rc;
    /* Keep the local copy ordered by step, a repeated step replacing its value. */
    size_t i = trial->n_reports;
    while (i > 0 && trial->reports[i - 1].step > step)
        i--;
    if (i > 0 && trial->reports[i - 1].step == step) {
        trial->reports[i - 1].value = value;
    } else {
        if (trial->n_reports == trial->cap_reports) {
            size_t cap = trial->cap_reports ? trial->cap_reports * 2 : 16;
            hpo__report_row *r = hpo__realloc(trial->reports, cap * sizeof *r);
            if (!r)
                return hpo__enomem();
            trial->reports = r;
            trial->cap_reports = cap;
        }
        memmove(trial->reports + i + 1, trial->reports + i,
                (trial->n_reports - i) * sizeof *trial->reports);
        trial->reports[i].step = step;
        trial->reports[i].value = value;
        trial->n_reports++;
    }
    if (should_prune)
        *should_prune = 0;
    hpo_study *s = trial->study;
    if (!should_prune || !s->scheduler || !s->schops->should_prune)
        return 0;
    /* The rule reads every trial's reports, this one's newest included. */
    hpo__trial_row *rows = NULL;
    size_t n = 0;
    if ((rc = s->st->ops->trials(s->st, s->row.id, &rows, &n)) != 0)
        return rc;
    size_t self = n;
    for (size_t k = 0; k < n; k++)
        if (rows[k].id == trial->id)
            self = k;
    if (self < n) {
        hpo__prune_view view = {.rows = rows,
                                .n = n,
                                .direction = (hpo_direction)s->row.direction,
                                .self = self,
                                .step = step,
                                .value = value};
        rc = s->schops->should_prune(s->scheduler, &view, should_prune);
    }
    hpo__trial_rows_free(rows, n);
    return rc;
}

int hpo_trial_set_attr(hpo_trial *trial, const char *key, const char *value)
{
    if (!trial || !key || !value)
        return hpo__err(HPO_EINVAL, "hpo_trial_set_attr: trial, key and value are required");
    for (size_t i = 0; i < trial->n_attrs; i++) {
        if (strcmp(trial->attrs[i].key, key) == 0) {
            char *v = hpo__strdup(value);
            if (!v)
                return hpo__enomem();
            hpo__free(trial->attrs[i].value);
            trial->attrs[i].value = v;
            return 0;
        }
    }
    hpo__attr *a = hpo__realloc(trial->attrs, (trial->n_attrs + 1) * sizeof *a);
    if (!a)
        return hpo__enomem();
    trial->attrs = a;
    a[trial->n_attrs].key = hpo__strdup(key);
    a[trial->n_attrs].value = hpo__strdup(value);
    if (!a[trial->n_attrs].key || !a[trial->n_attrs].value) {
        hpo__free(a[trial->n_attrs].key);
        hpo__free(a[trial->n_attrs].value);
        return hpo__enomem();
    }
    trial->n_attrs++;
    return 0;
}

const char *hpo_trial_attr(const hpo_trial *trial, const char *key)
{
    if (!trial || !key)
        return NULL;
    for (size_t i = 0; i < trial->n_attrs; i++)
        if (strcmp(trial->attrs[i].key, key) == 0)
            return trial->attrs[i].value;
    return NULL;
}

void hpo_trial_destroy(hpo_trial *trial)
{
    if (!trial)
        return;
    if (trial->study && trial->state == HPO_TRIAL_RUNNING)
        trial_finish(trial, HPO_TRIAL_FAILED, NAN, "abandoned: released without a result");
    if (trial->study)
        study_untrack(trial->study, trial->id);
    trial_free_fields(trial);
    hpo__free(trial);
}

/* ------------------------------------------------------------ accessors */

long long hpo_trial_number(const hpo_trial *t)
{
    return t ? t->number : -1;
}

hpo_trial_state hpo_trial_get_state(const hpo_trial *t)
{
    return t ? t->state : HPO_TRIAL_FAILED;
}

double hpo_trial_value(const hpo_trial *t)
{
    return t ? t->value : (double)NAN;
}

const char *hpo_trial_message(const hpo_trial *t)
{
    return t ? t->message : NULL;
}

double hpo_trial_start_time(const hpo_trial *t)
{
    return t ? t->start_time : 0;
}

double hpo_trial_end_time(const hpo_trial *t)
{
    return t ? t->end_time : 0;
}

const char *hpo_trial_worker(const hpo_trial *t)
{
    return t ? t->worker : NULL;
}

long long hpo_trial_retry_of(const hpo_trial *t)
{
    return t ? t->retry_of : -1;
}

double hpo_trial_budget(const hpo_trial *t)
{
    return t ? t->budget : (double)NAN;
}

double hpo_trial_budget_start(const hpo_trial *t)
{
    return t ? t->budget_start : 0.0;
}

long long hpo_trial_parent(const hpo_trial *t)
{
    return t ? t->parent : -1;
}

int hpo_trial_rung(const hpo_trial *t)
{
    return t ? t->rung : -1;
}

int hpo_trial_bracket(const hpo_trial *t)
{
    return t ? t->bracket : -1;
}

size_t hpo_trial_param_count(const hpo_trial *t)
{
    return t ? t->params.n : 0;
}

const char *hpo_trial_param_name(const hpo_trial *t, size_t i)
{
    return t && i < t->params.n ? t->params.names[i] : NULL;
}

int hpo_trial_param_at(const hpo_trial *t, size_t i, hpo_value *out)
{
    if (!t || !out || i >= t->params.n)
        return hpo__err(HPO_EINVAL, "hpo_trial_param_at: index out of range");
    *out = t->params.values[i];
    return 0;
}

int hpo_trial_get(const hpo_trial *t, const char *name, hpo_value *out)
{
    if (!t || !name || !out)
        return hpo__err(HPO_EINVAL, "hpo_trial_get: trial, name and out are required");
    long i = hpo__params_find(&t->params, name);
    if (i < 0)
        return hpo__err(HPO_ENOTFOUND, "trial %lld has no (active) parameter '%s'", t->number,
                        name);
    *out = t->params.values[i];
    return 0;
}

static const char *type_name(hpo_value_type type)
{
    switch (type) {
    case HPO_VALUE_FLOAT:
        return "float";
    case HPO_VALUE_INT:
        return "int";
    case HPO_VALUE_STRING:
        return "string";
    case HPO_VALUE_BOOL:
        return "bool";
    }
    return "unknown";
}

static int get_typed(const hpo_trial *t, const char *name, hpo_value_type want, hpo_value *v)
{
    int rc = hpo_trial_get(t, name, v);
    if (rc)
        return rc;
    if (v->type != want && !(want == HPO_VALUE_FLOAT && v->type == HPO_VALUE_INT))
        return hpo__err(HPO_ETYPE, "parameter '%s' is a %s, not a %s", name, type_name(v->type),
                        type_name(want));
    return 0;
}

int hpo_trial_get_float(const hpo_trial *t, const char *name, double *out)
{
    hpo_value v;
    int rc = get_typed(t, name, HPO_VALUE_FLOAT, &v);
    if (rc)
        return rc;
    *out = v.type == HPO_VALUE_INT ? (double)v.u.i : v.u.f;
    return 0;
}

int hpo_trial_get_int(const hpo_trial *t, const char *name, long long *out)
{
    hpo_value v;
    int rc = get_typed(t, name, HPO_VALUE_INT, &v);
    if (rc)
        return rc;
    *out = v.u.i;
    return 0;
}

int hpo_trial_get_string(const hpo_trial *t, const char *name, const char **out)
{
    hpo_value v;
    int rc = get_typed(t, name, HPO_VALUE_STRING, &v);
    if (rc)
        return rc;
    *out = v.u.s;
    return 0;
}

int hpo_trial_get_bool(const hpo_trial *t, const char *name, int *out)
{
    hpo_value v;
    int rc = get_typed(t, name, HPO_VALUE_BOOL, &v);
    if (rc)
        return rc;
    *out = v.u.b;
    return 0;
}

int hpo_trial_params_json(const hpo_trial *t, char **out)
{
    if (!t || !out)
        return hpo__err(HPO_EINVAL, "hpo_trial_params_json: trial and out are required");
    char *s = NULL;
    int rc = hpo__params_to_json(&t->params, &s);
    if (rc)
        return rc;
    *out = s; /* hpo_free() releases what the funnel allocated */
    return 0;
}

size_t hpo_trial_report_count(const hpo_trial *t)
{
    return t ? t->n_reports : 0;
}

int hpo_trial_report_at(const hpo_trial *t, size_t i, long long *step, double *value)
{
    if (!t || i >= t->n_reports)
        return hpo__err(HPO_EINVAL, "hpo_trial_report_at: index out of range");
    if (step)
        *step = t->reports[i].step;
    if (value)
        *value = t->reports[i].value;
    return 0;
}

const char *hpo_trial_state_to_string(hpo_trial_state state)
{
    switch (state) {
    case HPO_TRIAL_RUNNING:
        return "running";
    case HPO_TRIAL_COMPLETE:
        return "complete";
    case HPO_TRIAL_PRUNED:
        return "pruned";
    case HPO_TRIAL_FAILED:
        return "failed";
    }
    return "unknown";
}

int hpo_trial_state_from_string(const char *s, hpo_trial_state *out)
{
    static const char *const names[] = {"running", "complete", "pruned", "failed"};
    if (!s || !out)
        return hpo__err(HPO_EINVAL, "state name is required");
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (hpo_trial_state)i;
            return 0;
        }
    }
    const char *hint = hpo__suggest(s, names, 4);
    return hpo__err(HPO_EINVAL, "unknown trial state '%s'%s%s%s", s, hint ? " (did you mean '" : "",
                    hint ? hint : "", hint ? "'?)" : "");
}

/* ------------------------------------------------------------ snapshots */

int hpo_study_trials(hpo_study *study, hpo_trial ***out, size_t *n)
{
    if (!study || !out || !n)
        return hpo__err(HPO_EINVAL, "hpo_study_trials: study, out and n are required");
    hpo__trial_row *rows = NULL;
    size_t count = 0;
    int rc = study->st->ops->trials(study->st, study->row.id, &rows, &count);
    if (rc)
        return rc;
    hpo_trial **list = hpo__calloc(count ? count : 1, sizeof *list);
    if (!list) {
        hpo__trial_rows_free(rows, count);
        return hpo__enomem();
    }
    for (size_t i = 0; i < count; i++) {
        if ((rc = trial_from_row(&list[i], &rows[i], NULL)) != 0) {
            hpo_trial_list_free(list, i);
            hpo__trial_rows_free(rows, count);
            return rc;
        }
    }
    hpo__trial_rows_free(rows, count);
    *out = list;
    *n = count;
    return 0;
}

void hpo_trial_list_free(hpo_trial **trials, size_t n)
{
    if (!trials)
        return;
    for (size_t i = 0; i < n; i++)
        hpo_trial_destroy(trials[i]);
    hpo__free(trials);
}

static int better(hpo_direction dir, double a, double b)
{
    return dir == HPO_MAXIMIZE ? a > b : a < b;
}

int hpo_study_best_trial(hpo_study *study, hpo_trial **out)
{
    if (!study || !out)
        return hpo__err(HPO_EINVAL, "hpo_study_best_trial: study and out are required");
    hpo_trial **list = NULL;
    size_t n = 0;
    int rc = hpo_study_trials(study, &list, &n);
    if (rc)
        return rc;
    long best = -1;
    hpo_direction dir = hpo_study_direction(study);
    /* Successive halving's winner comes from its last iteration (scikit-learn's
     * best_index_: nanargmax over the last iteration's rows), not from a
     * smaller budget that happened to score higher. */
    int last_rung = -1;
    if (study->schops && study->schops->best_in_last_rung)
        for (size_t i = 0; i < n; i++)
            if (list[i]->rung > last_rung)
                last_rung = list[i]->rung;
    for (size_t i = 0; i < n; i++) {
        if (list[i]->state != HPO_TRIAL_COMPLETE || !isfinite(list[i]->value))
            continue;
        if (list[i]->rung < last_rung)
            continue;
        if (best < 0 || better(dir, list[i]->value, list[best]->value))
            best = (long)i;
    }
    if (best < 0) {
        hpo_trial_list_free(list, n);
        return hpo__err(HPO_ENOTFOUND, "study '%s' has no complete trial yet", study->row.name);
    }
    *out = list[best];
    list[best] = NULL;
    hpo_trial_list_free(list, n);
    return 0;
}

int hpo_study_counts(hpo_study *study, long long counts[4])
{
    if (!study || !counts)
        return hpo__err(HPO_EINVAL, "hpo_study_counts: study and counts are required");
    long long lost = 0, claimed = 0;
    return study->st->ops->counts(study->st, study->row.id, counts, &lost, &claimed);
}

int hpo_study_set_artifact(hpo_study *study, const char *key, const void *data, size_t len)
{
    if (!study || !key || !*key || (!data && len))
        return hpo__err(HPO_EINVAL, "hpo_study_set_artifact: study, key and data are required");
    return study->st->ops->artifact_put(study->st, study->row.id, key, data, len);
}

int hpo__study_delete_artifacts(hpo_study *study, const char *key, int prefix)
{
    if (!study || !key)
        return hpo__err(HPO_EINVAL, "hpo__study_delete_artifacts: study and key are required");
    return study->st->ops->artifact_delete(study->st, study->row.id, key, prefix);
}

int hpo_study_get_artifact(hpo_study *study, const char *key, void **data, size_t *len)
{
    if (!study || !key || !data || !len)
        return hpo__err(HPO_EINVAL,
                        "hpo_study_get_artifact: study, key, data and len are required");
    return study->st->ops->artifact_get(study->st, study->row.id, key, data, len);
}
