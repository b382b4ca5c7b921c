/*
 * export.c -- hpo_study_export: a study's trials as CSV with scikit-learn
 * cv_results_ column names, or as JSON; and hpo_spec_export_path, the files a
 * spec's `export:` section asks for.
 *
 * CSV (HPO_EXPORT_CSV and HPO_EXPORT_CV_RESULTS): one row per trial, ordered by
 * number, columns
 *   number, state, params, param_<name> (one per parameter of the space, in the
 *   space's order; empty when inactive), mean_test_score, rank_test_score,
 *   mean_fit_time, std_fit_time, start_time, end_time, message, worker; with
 *   per-fold scores also std_test_score, mean_score_time, std_score_time; and
 *   for a study run by a scheduler iter and n_resources (scikit-learn's halving
 *   columns: the iteration, Hyperband round or ASHA rung, and the budget),
 *   bracket and parent (the trial whose configuration it continues, empty for
 *   a new one).
 * mean_test_score is the value of a complete trial as stored (a minimized
 * objective is not negated) and empty for any other state. rank_test_score
 * follows the study's direction (1 = best) with ties sharing the smallest rank,
 * as scipy's rankdata(method='min') that scikit-learn uses; trials without a
 * score rank last, after every scored trial, as scikit-learn ranks NaN scores
 * (and all trials rank 1 when none has a score). Times are ISO 8601 UTC; fit
 * time is end - start in seconds. Quoting follows RFC 4180 (fields holding a
 * comma, quote, CR or LF are quoted, quotes doubled); lines end in "\n".
 *
 * JSON: {"study", "direction", "sampler", "scheduler", "n_trials", "space" (as
 * hpo_space_to_json writes it), "trials": [{"number",
 * "state", "value", "params": {...}, "reports": [[step, value], ...], "attrs":
 * {...}, "message", "start_time", "end_time", "duration", "worker",
 * "retry_of", and with a scheduler "budget", "budget_start", "rung",
 * "bracket", "parent"}]}, written with jansson; parameter values keep their types, times
 * are Unix seconds, and NaN, absent strings, a running trial's end time and a
 * missing retry_of are null.
 *
 * Library code: writes only to the FILE* it is given. Cost: O(trials x params).
 */
#include "core/space.h"
#include "core/study.h"
#include "spec/spec.h"
#include "util/util.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *hpo_spec_export_path(const hpo_spec *spec, hpo_export_format format)
{
    if (!spec)
        return NULL;
    switch (format) {
    case HPO_EXPORT_CSV:
    case HPO_EXPORT_CV_RESULTS:
        return spec->export_csv;
    case HPO_EXPORT_JSON:
        return spec->export_json;
    }
    return NULL;
}

/* ---------------------------------------------------------------- helpers */

/* Distinct parameter names of every sub-space, in order of first appearance;
 * names of the trials that the space lacks are appended (defensive: a trial's
 * params always come from the space). The array borrows the names. */
static int collect_names(const hpo_space *space, hpo_trial **trials, size_t n, const char ***out,
                         size_t *n_out)
{
    size_t cap = 8, len = 0;
    const char **names = hpo__malloc(cap * sizeof *names);
    if (!names)
        return hpo__enomem();
    size_t n_subs = space ? space->n_subs : 0;
    for (size_t pass = 0; pass < 2; pass++) {
        size_t outer = pass == 0 ? n_subs : n;
        for (size_t s = 0; s < outer; s++) {
            size_t inner = pass == 0 ? space->subs[s].n : hpo_trial_param_count(trials[s]);
            for (size_t i = 0; i < inner; i++) {
                const char *name =
                    pass == 0 ? space->subs[s].params[i].name : hpo_trial_param_name(trials[s], i);
                if (!name)
                    continue;
                int seen = 0;
                for (size_t k = 0; k < len && !seen; k++)
                    seen = strcmp(names[k], name) == 0;
                if (seen)
                    continue;
                if (len == cap) {
                    const char **grown = hpo__realloc(names, 2 * cap * sizeof *names);
                    if (!grown) {
                        hpo__free(names);
                        return hpo__enomem();
                    }
                    names = grown;
                    cap *= 2;
                }
                names[len++] = name;
            }
        }
    }
    *out = names;
    *n_out = len;
    return 0;
}

/* 1 when the trial has a score that ranks (complete with a finite value). */
static int has_score(const hpo_trial *t)
{
    return hpo_trial_get_state(t) == HPO_TRIAL_COMPLETE && isfinite(hpo_trial_value(t));
}

/* rankdata(method='min') of the scores by direction; unscored trials share the
 * rank after the last scored one (all 1 when nothing is scored). */
static int compute_ranks(hpo_trial **trials, size_t n, hpo_direction dir, long long **out)
{
    long long *rank = hpo__calloc(n ? n : 1, sizeof *rank);
    if (!rank)
        return hpo__enomem();
    long long scored = 0;
    for (size_t i = 0; i < n; i++)
        scored += has_score(trials[i]);
    for (size_t i = 0; i < n; i++) {
        if (!has_score(trials[i])) {
            rank[i] = scored + 1;
            if (scored == 0)
                rank[i] = 1;
            continue;
        }
        double v = hpo_trial_value(trials[i]);
        long long better = 0;
        for (size_t j = 0; j < n; j++) {
            if (!has_score(trials[j]))
                continue;
            double w = hpo_trial_value(trials[j]);
            if (dir == HPO_MAXIMIZE ? w > v : w < v)
                better++;
        }
        rank[i] = better + 1;
    }
    *out = rank;
    return 0;
}

/* RFC 4180: quote when the field holds a comma, quote, CR or LF. */
static void csv_field(FILE *fp, const char *s)
{
    if (!s)
        return;
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', fp);
        fputc(*p, fp);
    }
    fputc('"', fp);
}

static void csv_double(FILE *fp, double v)
{
    char buf[48];
    if (isnan(v))
        return;
    hpo__fmt_double(buf, sizeof buf, v);
    fputs(buf, fp);
}

/* A Unix time as ISO 8601 UTC with microseconds; nothing when 0. */
static void csv_time(FILE *fp, double t)
{
    if (!(t > 0))
        return;
    time_t secs = (time_t)floor(t);
    long usec = (long)llround((t - floor(t)) * 1e6);
    if (usec >= 1000000) {
        secs += 1;
        usec -= 1000000;
    }
    struct tm tm;
    if (!gmtime_r(&secs, &tm))
        return;
    char buf[64];
    size_t len = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    if (len == 0)
        return;
    fprintf(fp, "%s.%06ldZ", buf, usec);
}

static double duration_of(const hpo_trial *t)
{
    double start = hpo_trial_start_time(t), end = hpo_trial_end_time(t);
    if (start > 0 && end >= start)
        return end - start;
    return NAN;
}

/* ---------------------------------------------------------------- CSV */

static int export_csv(hpo_study *study, hpo_trial **trials, size_t n, FILE *fp)
{
    const char **names = NULL;
    size_t n_names = 0;
    long long *rank = NULL;
    hpo__buf cell = HPO__BUF_INIT;
    int rc = collect_names(hpo_study_space(study), trials, n, &names, &n_names);
    if (rc != 0)
        return rc;
    if ((rc = compute_ranks(trials, n, hpo_study_direction(study), &rank)) != 0)
        goto done;

    fputs("number,state,params", fp);
    for (size_t k = 0; k < n_names; k++) {
        fputc(',', fp);
        hpo__buf_printf(&cell, "param_%s", names[k]);
        if (cell.oom) {
            rc = hpo__enomem();
            goto done;
        }
        csv_field(fp, cell.data);
        cell.len = 0;
        cell.data[0] = '\0';
    }
    /* Cross-validated trials (built-in estimators) carry per-fold scores and
     * timings as attributes named like scikit-learn's cv_results_ columns. */
    size_t n_splits = 0;
    for (size_t i = 0; i < n; i++) {
        char key[48];
        while (1) {
            snprintf(key, sizeof key, "split%zu_test_score", n_splits);
            if (!hpo_trial_attr(trials[i], key))
                break;
            n_splits++;
        }
    }
    for (size_t k = 0; k < n_splits; k++)
        fprintf(fp, ",split%zu_test_score", k);
    fputs(",mean_test_score,rank_test_score,mean_fit_time,std_fit_time,start_time,end_time,"
          "message,worker",
          fp);
    if (n_splits)
        fputs(",std_test_score,mean_score_time,std_score_time", fp);
    int scheduled = 0;
    for (size_t i = 0; i < n; i++)
        scheduled |= hpo_trial_rung(trials[i]) >= 0;
    if (scheduled)
        fputs(",iter,n_resources,bracket,parent", fp);
    fputc('\n', fp);

    for (size_t i = 0; i < n; i++) {
        const hpo_trial *t = trials[i];
        char *pjson = NULL;
        if ((rc = hpo_trial_params_json(t, &pjson)) != 0)
            goto done;
        fprintf(fp, "%lld,%s,", hpo_trial_number(t),
                hpo_trial_state_to_string(hpo_trial_get_state(t)));
        csv_field(fp, pjson);
        hpo_free(pjson);
        for (size_t k = 0; k < n_names; k++) {
            fputc(',', fp);
            hpo_value v;
            if (hpo_trial_get(t, names[k], &v) != 0)
                continue;
            if (cell.data) {
                cell.len = 0;
                cell.data[0] = '\0';
            }
            if (hpo__value_to_text(&cell, &v) != 0 || cell.oom) {
                rc = hpo__enomem();
                goto done;
            }
            csv_field(fp, cell.data ? cell.data : "");
        }
        for (size_t k = 0; k < n_splits; k++) {
            char key[48];
            snprintf(key, sizeof key, "split%zu_test_score", k);
            fputc(',', fp);
            csv_field(fp, hpo_trial_attr(t, key));
        }
        fputc(',', fp);
        if (has_score(t))
            csv_double(fp, hpo_trial_value(t));
        fprintf(fp, ",%lld,", rank[i]);
        if (hpo_trial_attr(t, "mean_fit_time")) {
            csv_field(fp, hpo_trial_attr(t, "mean_fit_time"));
            fputc(',', fp);
            csv_field(fp, hpo_trial_attr(t, "std_fit_time"));
            fputc(',', fp);
        } else {
            csv_double(fp, duration_of(t));
            fputs(isnan(duration_of(t)) ? ",," : ",0,", fp);
        }
        csv_time(fp, hpo_trial_start_time(t));
        fputc(',', fp);
        csv_time(fp, hpo_trial_end_time(t));
        fputc(',', fp);
        csv_field(fp, hpo_trial_message(t));
        fputc(',', fp);
        csv_field(fp, hpo_trial_worker(t));
        if (n_splits) {
            static const char *const extra[] = {"std_test_score", "mean_score_time",
                                                "std_score_time"};
            for (size_t k = 0; k < 3; k++) {
                fputc(',', fp);
                csv_field(fp, hpo_trial_attr(t, extra[k]));
            }
        }
        if (scheduled) {
            if (hpo_trial_rung(t) >= 0)
                fprintf(fp, ",%d,", hpo_trial_rung(t));
            else
                fputs(",,", fp);
            csv_double(fp, hpo_trial_budget(t));
            if (hpo_trial_bracket(t) >= 0)
                fprintf(fp, ",%d,", hpo_trial_bracket(t));
            else
                fputs(",,", fp);
            if (hpo_trial_parent(t) >= 0)
                fprintf(fp, "%lld", hpo_trial_parent(t));
        }
        fputc('\n', fp);
    }
    rc = 0;
done:
    hpo__buf_free(&cell);
    hpo__free(rank);
    hpo__free(names);
    return rc;
}

/* ---------------------------------------------------------------- JSON */

/* jansson rejects non-finite reals: they become null. */
static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Add `value` (a new reference, possibly NULL on allocation failure) to obj. */
static int jset(json_t *obj, const char *key, json_t *value)
{
    if (!value || json_object_set_new(obj, key, value) != 0)
        return hpo__enomem();
    return 0;
}

static json_t *jvalue(const hpo_value *v)
{
    switch (v->type) {
    case HPO_VALUE_FLOAT:
        return jnum(v->u.f);
    case HPO_VALUE_INT:
        return json_integer((json_int_t)v->u.i);
    case HPO_VALUE_STRING:
        return json_string(v->u.s ? v->u.s : "");
    case HPO_VALUE_BOOL:
        return json_boolean(v->u.b);
    }
    return json_null();
}

static json_t *trial_json(const hpo_trial *t)
{
    json_t *o = json_object();
    json_t *params = json_object(), *reports = json_array(), *attrs = json_object();
    if (!o || !params || !reports || !attrs)
        goto fail;
    for (size_t i = 0; i < hpo_trial_param_count(t); i++) {
        hpo_value v;
        const char *name = hpo_trial_param_name(t, i);
        if (!name || hpo_trial_param_at(t, i, &v) != 0)
            continue;
        if (jset(params, name, jvalue(&v)) != 0)
            goto fail;
    }
    for (size_t i = 0; i < hpo_trial_report_count(t); i++) {
        long long step = 0;
        double value = NAN;
        if (hpo_trial_report_at(t, i, &step, &value) != 0)
            continue;
        json_t *pair = json_pack("[Io]", (json_int_t)step, jnum(value));
        if (!pair || json_array_append_new(reports, pair) != 0)
            goto fail;
    }
    for (size_t i = 0; i < t->n_attrs; i++) {
        if (jset(attrs, t->attrs[i].key, jstr(t->attrs[i].value)) != 0)
            goto fail;
    }
    double end = hpo_trial_end_time(t);
    long long retry = hpo_trial_retry_of(t);
    if (jset(o, "number", json_integer((json_int_t)hpo_trial_number(t))) != 0 ||
        jset(o, "state", json_string(hpo_trial_state_to_string(hpo_trial_get_state(t)))) != 0 ||
        jset(o, "value", jnum(hpo_trial_value(t))) != 0)
        goto fail;
    if (json_object_set_new(o, "params", params) != 0) {
        params = NULL;
        goto fail;
    }
    params = NULL;
    if (json_object_set_new(o, "reports", reports) != 0) {
        reports = NULL;
        goto fail;
    }
    reports = NULL;
    if (json_object_set_new(o, "attrs", attrs) != 0) {
        attrs = NULL;
        goto fail;
    }
    attrs = NULL;
    if (jset(o, "message", jstr(hpo_trial_message(t))) != 0 ||
        jset(o, "start_time", jnum(hpo_trial_start_time(t))) != 0 ||
        jset(o, "end_time", end > 0 ? jnum(end) : json_null()) != 0 ||
        jset(o, "duration", jnum(duration_of(t))) != 0 ||
        jset(o, "worker", jstr(hpo_trial_worker(t))) != 0 ||
        jset(o, "retry_of", retry >= 0 ? json_integer((json_int_t)retry) : json_null()) != 0)
        goto fail;
    if (hpo_trial_rung(t) >= 0 &&
        (jset(o, "budget", jnum(hpo_trial_budget(t))) != 0 ||
         jset(o, "budget_start", jnum(hpo_trial_budget_start(t))) != 0 ||
         jset(o, "rung", json_integer(hpo_trial_rung(t))) != 0 ||
         jset(o, "bracket", json_integer(hpo_trial_bracket(t))) != 0 ||
         jset(o, "parent",
              hpo_trial_parent(t) >= 0 ? json_integer((json_int_t)hpo_trial_parent(t))
                                       : json_null()) != 0))
        goto fail;
    return o;
fail:
    json_decref(params);
    json_decref(reports);
    json_decref(attrs);
    json_decref(o);
    return NULL;
}

/* The study's space as hpo_space_to_json writes it, so an export can be plotted
 * (hpo_snapshot_from_json). */
static int set_space(json_t *root, const hpo_space *space)
{
    char *text = NULL;
    int rc = hpo_space_to_json(space, &text);
    if (rc != 0)
        return rc;
    json_error_t e;
    json_t *v = json_loads(text, 0, &e);
    hpo_free(text);
    if (!v)
        return hpo__enomem();
    return jset(root, "space", v);
}

static int export_json(hpo_study *study, hpo_trial **trials, size_t n, FILE *fp)
{
    json_t *root = json_object();
    json_t *list = json_array();
    int rc = 0;
    if (!root || !list) {
        json_decref(list);
        rc = hpo__enomem();
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *t = trial_json(trials[i]);
        if (!t || json_array_append_new(list, t) != 0) {
            json_decref(list);
            rc = hpo__enomem();
            goto done;
        }
    }
    long long nt = hpo_study_n_trials(study);
    if ((rc = jset(root, "study", jstr(hpo_study_name(study)))) != 0 ||
        (rc = jset(root, "direction",
                   json_string(hpo_study_direction(study) == HPO_MAXIMIZE ? "maximize"
                                                                          : "minimize"))) != 0 ||
        (rc = jset(root, "sampler", jstr(hpo_study_sampler(study)))) != 0 ||
        (rc = jset(root, "scheduler", jstr(hpo_study_scheduler(study)))) != 0 ||
        (rc = jset(root, "n_trials", nt > 0 ? json_integer((json_int_t)nt) : json_null())) != 0 ||
        (rc = set_space(root, hpo_study_space(study))) != 0) {
        json_decref(list);
        goto done;
    }
    if (json_object_set_new(root, "trials", list) != 0) {
        rc = hpo__enomem();
        goto done;
    }
    if (json_dumpf(root, fp, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) != 0) {
        rc = hpo__err(HPO_EIO, "export: cannot write the JSON");
        goto done;
    }
    fputc('\n', fp);
done:
    json_decref(root);
    return rc;
}

/* ---------------------------------------------------------------- entry */

int hpo_study_export(hpo_study *study, hpo_export_format format, FILE *fp)
{
    if (!study || !fp)
        return hpo__err(HPO_EINVAL, "hpo_study_export: study and fp are required");
    if (format != HPO_EXPORT_CSV && format != HPO_EXPORT_JSON && format != HPO_EXPORT_CV_RESULTS)
        return hpo__err(HPO_EINVAL, "hpo_study_export: unknown format %d", (int)format);
    hpo_trial **trials = NULL;
    size_t n = 0;
    int rc = hpo_study_trials(study, &trials, &n);
    if (rc != 0)
        return rc;
    rc = format == HPO_EXPORT_JSON ? export_json(study, trials, n, fp)
                                   : export_csv(study, trials, n, fp);
    hpo_trial_list_free(trials, n);
    if (rc == 0 && (fflush(fp) != 0 || ferror(fp)))
        rc = hpo__err(HPO_EIO, "export: write error");
    return rc;
}
