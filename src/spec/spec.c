/*
 * spec.c -- the public hpo_spec_* API: load and parse a spec (YAML or JSON),
 * CLI overrides, opening its study, running its objective, and the plan.
 * Parsing happens before anything touches a storage, so a bad spec writes
 * nothing.
 */
#include "spec/spec.h"
#include "core/space.h"
#include "ml/estimator.h"
#include "ml/model.h"
#include "objectives/cv.h"
#include "samplers/sampler.h"
#include "schedulers/scheduler.h"
#include "spec/tree.h"
#include "util/util.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hpo_spec_destroy(hpo_spec *s)
{
    if (!s)
        return;
    hpo_command_destroy(s->cmd);
    hpo__cv_destroy(s->cv);
    hpo__free(s->est.name);
    hpo__free(s->est.data_path);
    hpo__free(s->est.test_path);
    hpo__free(s->est.images);
    hpo__free(s->est.labels);
    hpo__free(s->est.test_images);
    hpo__free(s->est.test_labels);
    hpo__free(s->est.target);
    hpo__free(s->est.scoring);
    hpo__params_free(&s->est.fixed);
    hpo__free(s->origin);
    hpo__free(s->text);
    hpo__free(s->study);
    hpo__free(s->storage);
    hpo_space_destroy(s->space);
    hpo__free(s->sampler);
    for (size_t i = 0; i < s->n_sampler_options; i++) {
        hpo__free((void *)(uintptr_t)s->sampler_options[i].key);
        hpo__free((void *)(uintptr_t)s->sampler_options[i].value);
    }
    hpo__free(s->sampler_options);
    hpo__free(s->scheduler);
    for (size_t i = 0; i < s->n_scheduler_options; i++) {
        hpo__free((void *)(uintptr_t)s->scheduler_options[i].key);
        hpo__free((void *)(uintptr_t)s->scheduler_options[i].value);
    }
    hpo__free(s->scheduler_options);
    hpo__free(s->output);
    for (size_t i = 0; i < s->command.argc; i++)
        hpo__free(s->command.argv[i]);
    hpo__free(s->command.argv);
    for (size_t i = 0; i < s->command.n_env; i++) {
        hpo__free((void *)(uintptr_t)s->command.env[i].key);
        hpo__free((void *)(uintptr_t)s->command.env[i].value);
    }
    hpo__free(s->command.env);
    hpo__free(s->command.workdir);
    hpo__free(s->command.metric);
    hpo__free(s->command.metric_regex);
    hpo__free(s->command.step_key);
    hpo__free(s->objective_json);
    hpo__free(s->export_csv);
    hpo__free(s->export_json);
    hpo__free(s);
}

static int is_json(const char *data, size_t len, const char *origin)
{
    size_t ol = strlen(origin);
    if (ol >= 5 && strcmp(origin + ol - 5, ".json") == 0)
        return 1;
    for (size_t i = 0; i < len; i++) {
        if (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r')
            continue;
        return data[i] == '{';
    }
    return 0;
}

int hpo_spec_parse(hpo_spec **out, const char *data, size_t len, const char *origin)
{
    if (!out || (!data && len))
        return hpo__err(HPO_EINVAL, "hpo_spec_parse: out and data are required");
    if (!origin)
        origin = "spec";
    if (!data)
        data = "";
    hpo__node *root = NULL;
    int rc = is_json(data, len, origin) ? hpo__tree_parse_json(data, len, origin, &root)
                                        : hpo__tree_parse_yaml(data, len, origin, &root);
    if (rc)
        return rc;
    hpo_spec *s = hpo__calloc(1, sizeof *s);
    if (!s) {
        hpo__tree_free(root);
        return hpo__enomem();
    }
    s->workers = 1;
    s->direction = HPO_MINIMIZE;
    s->origin = hpo__strdup(origin);
    s->text = hpo__strndup(data, len);
    if (!s->origin || !s->text) {
        rc = hpo__enomem();
        goto fail;
    }
    if ((rc = hpo__spec_from_tree(s, root, origin)) != 0)
        goto fail;
    if (!s->storage && !(s->storage = hpo__strdup("sqlite:///hpo.db"))) {
        rc = hpo__enomem();
        goto fail;
    }
    if (!s->output) {
        hpo__buf b = HPO__BUF_INIT;
        hpo__buf_printf(&b, "runs/%s", s->study);
        if ((rc = hpo__buf_take(&b, &s->output)) != 0)
            goto fail;
    }
    hpo__tree_free(root);
    *out = s;
    return 0;
fail:
    hpo__tree_free(root);
    hpo_spec_destroy(s);
    return rc;
}

int hpo_spec_load(hpo_spec **out, const char *path)
{
    if (!out || !path)
        return hpo__err(HPO_EINVAL, "hpo_spec_load: out and path are required");
    FILE *f = fopen(path, "rb");
    if (!f)
        return hpo__err(HPO_EIO, "cannot read %s: %s", path, strerror(errno));
    hpo__buf b = HPO__BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > (size_t)16 << 20) {
            fclose(f);
            hpo__buf_free(&b);
            return hpo__err(HPO_ESPEC, "%s: larger than 16 MiB; not a spec", path);
        }
        hpo__buf_append(&b, chunk, n);
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        hpo__buf_free(&b);
        return hpo__err(HPO_EIO, "cannot read %s", path);
    }
    size_t len = b.len;
    char *text = NULL;
    int rc = hpo__buf_take(&b, &text);
    if (rc)
        return rc;
    rc = hpo_spec_parse(out, text, len, path);
    hpo__free(text);
    return rc;
}

/* ------------------------------------------------------------ overrides */

static int set_string(char **field, const char *value)
{
    char *v = hpo__strdup(value);
    if (!v)
        return hpo__enomem();
    hpo__free(*field);
    *field = v;
    return 0;
}

int hpo_spec_set(hpo_spec *s, const char *key, const char *value)
{
    if (!s || !key || !value)
        return hpo__err(HPO_EINVAL, "hpo_spec_set: spec, key and value are required");
    long long ll;
    double d;
    if (!strcmp(key, "study") || !strcmp(key, "storage") || !strcmp(key, "output")) {
        if (!*value)
            return hpo__err(HPO_ESPEC, "--%s: empty value", key);
        char **f = !strcmp(key, "study")     ? &s->study
                   : !strcmp(key, "storage") ? &s->storage
                                             : &s->output;
        int rc = set_string(f, value);
        if (rc == 0 && !strcmp(key, "output"))
            s->output_set = 1;
        if (rc == 0 && !strcmp(key, "study") && !s->output_set) {
            hpo__buf b = HPO__BUF_INIT;
            hpo__buf_printf(&b, "runs/%s", value);
            char *o = NULL;
            if ((rc = hpo__buf_take(&b, &o)) == 0) {
                hpo__free(s->output);
                s->output = o;
            }
        }
        return rc;
    }
    if (!strcmp(key, "seed")) {
        if (hpo__parse_ll(value, &ll) || ll < 0)
            return hpo__err(HPO_ESPEC, "--seed: expected an integer >= 0, got '%s'", value);
        unsigned long long before = s->seed;
        s->seed = (unsigned long long)ll;
        int rc = hpo__spec_check_sampler(s);
        if (rc)
            s->seed = before;
        return rc;
    }
    if (!strcmp(key, "n_trials")) {
        if (hpo__parse_ll(value, &ll) || ll < 1)
            return hpo__err(HPO_ESPEC, "--n-trials: expected an integer >= 1, got '%s'", value);
        if (s->scheduler && !strcmp(s->scheduler, "halving"))
            return hpo__err(HPO_ESPEC,
                            "--n-trials: not with scheduler halving: the schedule sets the number "
                            "of candidates (the grid, or scheduler.n_candidates)");
        long long before = s->n_trials;
        int before_set = s->n_trials_set;
        s->n_trials = ll;
        s->n_trials_set = 1;
        int rc = hpo__spec_check_sampler(s);
        if (rc) {
            s->n_trials = before;
            s->n_trials_set = before_set;
        }
        return rc;
    }
    if (!strcmp(key, "workers")) {
        if (hpo__parse_ll(value, &ll) || ll < 1 || ll > 1024)
            return hpo__err(HPO_ESPEC, "--workers: expected an integer from 1 to 1024, got '%s'",
                            value);
        s->workers = (int)ll;
        return 0;
    }
    if (!strcmp(key, "max_failed_trials")) {
        if (hpo__parse_ll(value, &ll) || ll < 0)
            return hpo__err(HPO_ESPEC, "--max-failed-trials: expected an integer >= 0, got '%s'",
                            value);
        s->max_failed_trials = ll;
        return 0;
    }
    if (!strcmp(key, "timeout") || !strcmp(key, "trial_timeout")) {
        if (hpo__parse_duration(value, &d) != 0)
            return hpo__err(HPO_ESPEC,
                            "--%s: expected a duration like 90, 45s, 20m or 2h, got '%s'", key,
                            value);
        if (!strcmp(key, "timeout"))
            s->timeout = d;
        else
            s->trial_timeout = d;
        return 0;
    }
    if (!strcmp(key, "sampler")) {
        /* Validate before replacing: a refused override leaves the spec as it was. */
        char *name = hpo__strdup(value), *old = s->sampler;
        if (!name)
            return hpo__enomem();
        size_t n_old = s->n_sampler_options;
        long long trials_before = s->n_trials;
        s->sampler = name;
        s->n_sampler_options = 0;      /* the spec's options belong to the spec's sampler */
        hpo__spec_default_n_trials(s); /* a grid's default is its size */
        int rc = hpo__spec_check_sampler(s);
        if (rc) {
            s->sampler = old;
            s->n_sampler_options = n_old;
            s->n_trials = trials_before;
            hpo__free(name);
            return rc;
        }
        hpo__free(old);
        for (size_t i = 0; i < n_old; i++) {
            hpo__free((void *)(uintptr_t)s->sampler_options[i].key);
            hpo__free((void *)(uintptr_t)s->sampler_options[i].value);
        }
        return 0;
    }
    static const char *const keys[] = {
        "study",         "storage",           "seed",   "n_trials", "workers", "timeout",
        "trial_timeout", "max_failed_trials", "output", "sampler",  NULL};
    const char *hint = hpo__suggest(key, keys, 10);
    return hpo__err(HPO_EINVAL, "unknown setting '%s'%s%s%s", key, hint ? " (did you mean '" : "",
                    hint ? hint : "", hint ? "'?)" : "");
}

const char *hpo_spec_study(const hpo_spec *s)
{
    return s ? s->study : NULL;
}

const char *hpo_spec_storage(const hpo_spec *s)
{
    return s ? s->storage : NULL;
}

const char *hpo_spec_origin(const hpo_spec *s)
{
    return s ? s->origin : NULL;
}

int hpo_spec_workers(const hpo_spec *s)
{
    return s ? s->workers : 0;
}

long long hpo_spec_n_trials(const hpo_spec *s)
{
    return s ? s->n_trials : 0;
}

const hpo_space *hpo_spec_space(const hpo_spec *s)
{
    return s ? s->space : NULL;
}

/* ------------------------------------------------------------ study and run */

/* ------------------------------------------------------------ scheduler */

/* The resource a scheduler's budget counts for a built-in estimator: the
 * scheduler's `resource` option; by default n_samples for halving (as
 * scikit-learn), the estimator's own resource (epochs, n_estimators) for
 * hyperband and asha; none for median. NULL with *rc = 0 when none applies. */
static const char *spec_resource(const hpo_spec *s, int *rc)
{
    *rc = 0;
    if (!s->scheduler || !strcmp(s->scheduler, "median"))
        return NULL;
    for (size_t i = 0; i < s->n_scheduler_options; i++)
        if (!strcmp(s->scheduler_options[i].key, "resource"))
            return s->scheduler_options[i].value;
    if (!strcmp(s->scheduler, "halving"))
        return "n_samples";
    const hpo__estimator_ops *ops = s->est.set ? hpo__estimator_find(s->est.name) : NULL;
    if (ops && ops->resource_param)
        return ops->resource_param;
    if (s->est.set)
        *rc = hpo__err(HPO_ESPEC,
                       "%s: scheduler.resource: %s has no training-length hyperparameter; give "
                       "resource: n_samples or an integer hyperparameter",
                       s->origin, s->est.name);
    return NULL;
}

static void kv_list_free(hpo_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        hpo__free((void *)(uintptr_t)kv[i].key);
        hpo__free((void *)(uintptr_t)kv[i].value);
    }
    hpo__free(kv);
}

static int kv_add(hpo_kv *kv, size_t *n, const char *key, const char *value)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(kv[i].key, key))
            return 0; /* the user's value wins */
    kv[*n].key = hpo__strdup(key);
    kv[*n].value = hpo__strdup(value);
    (*n)++;
    return kv[*n - 1].key && kv[*n - 1].value ? 0 : hpo__enomem();
}

/* The scheduler's options as the study stores them: the spec's, plus what the
 * objective knows -- the resource, and for halving over n_samples the rows,
 * splits and classes of the data (scikit-learn's min_resources 'smallest' and
 * max_resources 'auto'). Call after hpo__spec_prepare. */
static int spec_scheduler_options(const hpo_spec *s, hpo_kv **out, size_t *n_out)
{
    size_t n = 0;
    hpo_kv *kv = hpo__calloc(s->n_scheduler_options + 5, sizeof *kv);
    if (!kv)
        return hpo__enomem();
    int rc = 0;
    for (size_t i = 0; i < s->n_scheduler_options && rc == 0; i++)
        rc = kv_add(kv, &n, s->scheduler_options[i].key, s->scheduler_options[i].value);
    const char *resource = rc ? NULL : spec_resource(s, &rc);
    if (rc == 0 && resource && s->est.set)
        rc = kv_add(kv, &n, "resource", resource);
    if (rc == 0 && resource && s->est.set && !strcmp(s->scheduler, "halving") &&
        !strcmp(resource, "n_samples")) {
        long long rows = 0, splits = 0, classes = 0;
        char num[32];
        rc = hpo__cv_resource_info(s->cv, &rows, &splits, &classes);
        if (rc == 0) {
            snprintf(num, sizeof num, "%lld", rows);
            rc = kv_add(kv, &n, "n_samples", num);
        }
        if (rc == 0) {
            snprintf(num, sizeof num, "%lld", splits);
            rc = kv_add(kv, &n, "n_splits", num);
        }
        if (rc == 0) {
            snprintf(num, sizeof num, "%lld", classes);
            rc = kv_add(kv, &n, "n_classes", num);
        }
    }
    if (rc) {
        kv_list_free(kv, n);
        return rc;
    }
    *out = kv;
    *n_out = n;
    return 0;
}

/* Create the spec's scheduler (with the sampler's capacity), to validate it,
 * plan it or count its configurations. The caller destroys it. */
static int spec_make_scheduler(const hpo_spec *s, const hpo_kv *kv, size_t n,
                               const hpo__scheduler_ops **ops_out, hpo__scheduler **out)
{
    const hpo__scheduler_ops *ops = hpo__scheduler_find(s->scheduler);
    if (!ops)
        return HPO_ESPEC;
    const hpo__sampler_ops *sops = hpo__sampler_find(s->sampler);
    if (!sops)
        return HPO_ESPEC;
    hpo__sampler_config scfg = {.space = s->space,
                                .seed = s->seed,
                                .n_trials = s->n_trials,
                                .options = s->sampler_options,
                                .n_options = s->n_sampler_options};
    hpo__sampler *smp = NULL;
    int rc = sops->create(&smp, &scfg);
    if (rc)
        return rc;
    hpo__scheduler_config cfg = {.options = kv,
                                 .n_options = n,
                                 .direction = s->direction,
                                 .sampler_capacity = sops->capacity(smp),
                                 .n_trials = s->n_trials_set ? s->n_trials : 0,
                                 .sampler = s->sampler};
    sops->destroy(smp);
    if ((rc = ops->create(out, &cfg)) != 0) {
        hpo__err_prefix("%s", s->origin);
        return rc == HPO_EINVAL ? HPO_ESPEC : rc;
    }
    *ops_out = ops;
    return 0;
}

/* With a scheduler and no n_trials given, the study's total is the number of
 * configurations the schedule creates (0 = unbounded: asha and median keep
 * the usual default). */
static int spec_schedule_total(hpo_spec *s, const hpo_kv *kv, size_t n)
{
    const hpo__scheduler_ops *ops = NULL;
    hpo__scheduler *sch = NULL;
    int rc = spec_make_scheduler(s, kv, n, &ops, &sch);
    if (rc)
        return rc;
    long long total = ops->n_configurations(sch);
    ops->destroy(sch);
    if (!s->n_trials_set && total >= 0)
        s->n_trials = total;
    return 0;
}

int hpo_spec_open_study(const hpo_spec *cs, int fresh, hpo_study **out)
{
    hpo_spec *s = (hpo_spec *)(uintptr_t)cs; /* the objective is created lazily */
    if (!s || !out)
        return hpo__err(HPO_EINVAL, "hpo_spec_open_study: spec and out are required");
    /* The objective first: a bad data file or metric pattern writes nothing. */
    int rc = hpo__spec_prepare(s);
    if (rc)
        return rc;
    hpo_kv *skv = NULL;
    size_t n_skv = 0;
    if (s->scheduler) {
        if ((rc = spec_scheduler_options(s, &skv, &n_skv)) != 0 ||
            (rc = spec_schedule_total(s, skv, n_skv)) != 0) {
            kv_list_free(skv, n_skv);
            return rc;
        }
    }
    hpo_study_options o = HPO_STUDY_OPTIONS_INIT;
    o.name = s->study;
    o.storage = s->storage;
    o.direction = s->direction;
    o.seed = s->seed;
    o.sampler = s->sampler;
    o.sampler_options = s->sampler_options;
    o.n_sampler_options = s->n_sampler_options;
    o.n_trials = s->n_trials;
    o.fresh = fresh;
    o.spec_text = s->text;
    o.objective_json = s->objective_json;
    o.scheduler = s->scheduler;
    o.scheduler_options = skv;
    o.n_scheduler_options = n_skv;
    rc = hpo_study_open(out, &o, s->space);
    kv_list_free(skv, n_skv);
    return rc;
}

static int spec_command(hpo_spec *s)
{
    if (s->cmd)
        return 0;
    hpo_command_options co = HPO_COMMAND_OPTIONS_INIT;
    co.argv = (const char *const *)s->command.argv;
    co.argc = s->command.argc;
    co.shell = s->command.shell;
    co.env = s->command.env;
    co.n_env = s->command.n_env;
    co.workdir = s->command.workdir;
    co.metric = s->command.metric;
    co.metric_regex = s->command.metric_regex;
    co.step_key = s->command.step_key;
    co.strategy = s->command.strategy;
    co.timeout = s->trial_timeout;
    co.kill_grace = s->command.kill_grace;
    co.output = s->output;
    co.study = s->study;
    co.seed = s->seed;
    int rc = hpo_command_create(&s->cmd, &co);
    if (rc)
        hpo__err_prefix("%s: objective", s->origin);
    return rc;
}

static int spec_cv(hpo_spec *s)
{
    if (s->cv)
        return 0;
    hpo__cv_config cfg = {.origin = s->origin,
                          .estimator = s->est.name,
                          .data_path = s->est.data_path,
                          .target = s->est.target,
                          .images = s->est.images,
                          .labels = s->est.labels,
                          .test_path = s->est.test_path,
                          .test_images = s->est.test_images,
                          .test_labels = s->est.test_labels,
                          .test_size = s->est.test_size,
                          .task = (hpo__task)s->est.task,
                          .cv_test_size = s->est.cv_test_size,
                          .repeats = s->est.repeats,
                          .folds = s->est.folds,
                          .kind = (hpo__cv_kind)s->est.kind,
                          .shuffle = s->est.shuffle,
                          .seed = s->seed,
                          .scoring = s->est.scoring,
                          .scaling = (hpo__scaling)s->est.scaling,
                          .fixed = &s->est.fixed};
    int rc = 0;
    cfg.resource = spec_resource(s, &rc);
    if (rc)
        return rc;
    rc = hpo__cv_create(&s->cv, &cfg);
    if (rc == 0 && (rc = hpo__cv_check_space(s->cv, s->space, s->origin)) != 0) {
        hpo__cv_destroy(s->cv);
        s->cv = NULL;
    }
    return rc;
}

int hpo__spec_prepare(hpo_spec *s)
{
    return s->est.set ? spec_cv(s) : spec_command(s);
}

int hpo_spec_run(const hpo_spec *cs, hpo_study *study, const hpo_optimize_options *opts)
{
    hpo_spec *s = (hpo_spec *)(uintptr_t)cs; /* the objective is created lazily */
    if (!s || !study)
        return hpo__err(HPO_EINVAL, "hpo_spec_run: spec and study are required");
    int rc = hpo__spec_prepare(s);
    if (rc)
        return rc;
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    o.n_trials = s->n_trials;
    o.timeout = s->timeout;
    o.n_workers = s->workers;
    o.max_failed_trials = s->max_failed_trials;
    o.stop_delta_y = s->stop_delta_y;
    o.stop_patience = s->stop_patience;
    o.stop_delta_x = s->stop_delta_x;
    o.deadline = s->stop_deadline;
    o.has_target = s->stop_has_target;
    o.target = s->stop_target;
    if (opts) {
        if (opts->n_trials > 0)
            o.n_trials = opts->n_trials;
        if (opts->timeout > 0)
            o.timeout = opts->timeout;
        if (opts->n_workers > 0)
            o.n_workers = opts->n_workers;
        if (opts->max_failed_trials > 0)
            o.max_failed_trials = opts->max_failed_trials;
        o.on_event = opts->on_event;
        o.event_payload = opts->event_payload;
    }
    if (s->est.set) {
        if ((rc = hpo__cv_set_workers(s->cv, o.n_workers > 0 ? o.n_workers : 1)) != 0)
            return rc;
        return hpo_study_optimize(study, hpo__cv_objective, s->cv, &o);
    }
    return hpo_study_optimize(study, hpo_command_objective, s->cmd, &o);
}

int hpo_spec_refit(const hpo_spec *cs, hpo_study *study, hpo_model **out)
{
    hpo_spec *s = (hpo_spec *)(uintptr_t)cs;
    if (out)
        *out = NULL;
    if (!s || !study)
        return hpo__err(HPO_EINVAL, "hpo_spec_refit: spec and study are required");
    if (!s->est.set)
        return hpo__err(HPO_EINVAL, "%s: refit needs a built-in estimator objective", s->origin);
    int rc = hpo__spec_prepare(s);
    if (rc)
        return rc;
    hpo_trial *best = NULL;
    hpo_model *m = NULL;
    size_t len = 0;
    if ((rc = hpo_study_best_trial(study, &best)) != 0)
        return rc;
    if ((rc = hpo__cv_refit(s->cv, best, &m)) == 0) {
        const void *bytes = hpo__model_bytes(m, &len);
        rc = hpo_study_set_artifact(study, "model", bytes, len);
    }
    hpo_trial_destroy(best);
    if (rc == 0 && out)
        *out = m;
    else
        hpo_model_destroy(m);
    return rc;
}

int hpo_model_from_study(hpo_model **out, hpo_study *study)
{
    if (!out || !study)
        return hpo__err(HPO_EINVAL, "hpo_model_from_study: out and study are required");
    void *bytes = NULL;
    size_t len = 0;
    int rc = hpo_study_get_artifact(study, "model", &bytes, &len);
    if (rc == HPO_ENOTFOUND)
        return hpo__err(HPO_ENOTFOUND,
                        "study '%s' has no model (it is saved after a search with a built-in "
                        "estimator and refit: true)",
                        hpo_study_name(study));
    if (rc == 0)
        rc = hpo_model_load(out, bytes, len);
    hpo__free(bytes);
    return rc;
}

int hpo_spec_refit_enabled(const hpo_spec *s)
{
    return s && s->est.set && s->est.refit;
}

void hpo_spec_interrupt(hpo_spec *s, hpo_study *study)
{
    if (s && s->cmd)
        hpo_command_interrupt(s->cmd);
    if (study)
        hpo_study_stop(study);
}

/* ------------------------------------------------------------ plan */

int hpo_spec_plan_json(const hpo_spec *s, int n_preview, char **out)
{
    if (!s || !out)
        return hpo__err(HPO_EINVAL, "hpo_spec_plan_json: spec and out are required");
    int rc = 0;
    json_t *o = json_object();
    json_t *params = json_array(), *opts = json_object(), *preview = json_array();
    hpo__sampler *smp = NULL;
    const hpo__sampler_ops *ops = NULL;
    if (!o || !params || !opts || !preview) {
        rc = hpo__enomem();
        goto done;
    }
    json_object_set_new(o, "study", json_string(s->study));
    json_object_set_new(o, "storage", json_string(s->storage));
    json_object_set_new(o, "direction",
                        json_string(s->direction == HPO_MAXIMIZE ? "maximize" : "minimize"));
    json_object_set_new(o, "seed", json_integer((json_int_t)s->seed));
    json_object_set_new(o, "sampler", json_string(s->sampler));
    for (size_t i = 0; i < s->n_sampler_options; i++)
        json_object_set_new(opts, s->sampler_options[i].key,
                            json_string(s->sampler_options[i].value));
    json_object_set_new(o, "sampler_options", opts);
    opts = NULL;
    json_object_set_new(o, "n_trials", json_integer(s->n_trials));
    json_object_set_new(o, "workers", json_integer(s->workers));
    json_object_set_new(o, "n_subspaces", json_integer((json_int_t)s->space->n_subs));
    for (size_t k = 0; k < s->space->n_subs; k++) {
        const hpo__subspace *sub = &s->space->subs[k];
        for (size_t i = 0; i < sub->n; i++) {
            const hpo__param *p = &sub->params[i];
            hpo__buf d = HPO__BUF_INIT;
            hpo__param_describe(p, &d);
            char *desc = NULL;
            if ((rc = hpo__buf_take(&d, &desc)) != 0)
                goto done;
            static const char *const kinds[] = {"", "float", "int", "categorical"};
            json_t *pj = json_pack("{s:s, s:s, s:s, s:i}", "name", p->name, "type", kinds[p->kind],
                                   "description", desc, "subspace", (int)k);
            hpo__free(desc);
            if (!pj) {
                rc = hpo__enomem();
                goto done;
            }
            if (p->when)
                json_object_set_new(pj, "when", json_string(p->when));
            json_array_append_new(params, pj);
        }
    }
    json_object_set_new(o, "space", params);
    params = NULL;
    unsigned long long g = 0;
    if (hpo_space_grid_size(s->space, &g) == 0) {
        json_object_set_new(o, "grid_size", json_integer((json_int_t)g));
    } else {
        json_object_set_new(o, "grid_size", json_null());
        json_object_set_new(o, "grid_error", json_string(hpo_errmsg()));
    }
    ops = hpo__sampler_find(s->sampler);
    if (!ops) {
        rc = HPO_EINVAL;
        goto done;
    }
    hpo__sampler_config cfg = {.space = s->space,
                               .seed = s->seed,
                               .n_trials = s->n_trials,
                               .options = s->sampler_options,
                               .n_options = s->n_sampler_options};
    if ((rc = ops->create(&smp, &cfg)) != 0)
        goto done;
    long long cap = ops->capacity(smp);
    long long total = cap >= 0 && cap < s->n_trials ? cap : s->n_trials;
    if (s->scheduler) {
        /* The schedule needs the data (halving over n_samples): load it. */
        hpo_spec *ms = (hpo_spec *)(uintptr_t)s;
        hpo_kv *skv = NULL;
        size_t n_skv = 0;
        const hpo__scheduler_ops *schops = NULL;
        hpo__scheduler *sch = NULL;
        json_t *sj = NULL;
        if ((rc = hpo__spec_prepare(ms)) != 0 ||
            (rc = spec_scheduler_options(s, &skv, &n_skv)) != 0 ||
            (rc = spec_schedule_total(ms, skv, n_skv)) != 0 ||
            (rc = spec_make_scheduler(s, skv, n_skv, &schops, &sch)) != 0) {
            kv_list_free(skv, n_skv);
            goto done;
        }
        rc = schops->plan_json(sch, &sj);
        long long n_conf = schops->n_configurations(sch);
        schops->destroy(sch);
        kv_list_free(skv, n_skv);
        if (rc)
            goto done;
        json_object_set_new(o, "scheduler", sj);
        json_object_set_new(o, "n_trials", json_integer(s->n_trials));
        if (n_conf >= 0)
            total = cap >= 0 && cap < n_conf ? cap : n_conf;
    }
    json_object_set_new(o, "trials_to_run", json_integer(total));
    hpo__history hist = {.entries = NULL, .n = 0, .direction = s->direction};
    for (long long seq = 0; seq < n_preview && seq < total; seq++) {
        hpo__params p = HPO__PARAMS_INIT;
        char *pj = NULL;
        if ((rc = ops->propose(smp, seq, &hist, &p)) == 0)
            rc = hpo__params_to_json(&p, &pj);
        hpo__params_free(&p);
        if (rc)
            goto done;
        json_error_t jerr;
        json_t *pv = json_loads(pj, 0, &jerr);
        hpo__free(pj);
        if (!pv) {
            rc = hpo__enomem();
            goto done;
        }
        json_array_append_new(preview, pv);
    }
    json_object_set_new(o, "preview", preview);
    preview = NULL;
    char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    if (!text) {
        rc = hpo__enomem();
        goto done;
    }
    *out = hpo__strdup(text);
    free(text);
    if (!*out)
        rc = hpo__enomem();
done:
    if (smp)
        ops->destroy(smp);
    json_decref(o);
    json_decref(params);
    json_decref(opts);
    json_decref(preview);
    return rc;
}
