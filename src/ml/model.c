/*
 * model.c -- hpo's native model format and the public hpo_model API: a fitted
 * built-in estimator with the preprocessing fitted alongside it, the feature
 * and class names of its training data, and how it scored.
 *
 * File layout (every number little-endian, fixed width; util/ser.c):
 *   "HPOMODEL"                 8 bytes magic
 *   u32 format version         1
 *   str header                 JSON: estimator, task, params (as hpo stores
 *                              trial parameters), scoring, cv_score, test_score
 *                              (null when no test set), n_train, n_test, seed,
 *                              features [names], target, classes [labels],
 *                              scaling ("none" | "standard" | "minmax"),
 *                              hpo_version
 *   u64 d, f64 shift[d], f64 scale[d]   when scaling is not none
 *   u64 length, bytes          the estimator's own bytes (ops->save)
 * A reader refuses another magic, a newer version, a header that does not
 * describe a known estimator, or bytes that do not add up (HPO_ESPEC).
 *
 * Reference behaviour: scikit-learn's refit=True best_estimator_ (a Pipeline
 * of the scaler and the estimator) pickled with its feature_names_in_ and
 * classes_; predictions on a CSV reorder its columns by name, as a pandas
 * DataFrame would be aligned, and refuse unknown or missing columns.
 *
 * Invariants: a model is immutable after build/load except for the estimator's
 * scratch state, so one model is used by one thread at a time.
 */
#include "ml/model.h"
#include "core/params.h"
#include "ml/dataset.h"
#include "ml/estimator.h"
#include "ml/scoring.h"
#include "util/util.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "HPOMODEL"
#define FORMAT_VERSION 1u
#define MAX_HEADER (64u << 20)

struct hpo_model {
    const hpo__estimator_ops *ops;
    hpo__estimator *est;
    hpo__task task;
    hpo__scaler scaler;
    hpo__dataset *names; /* n = 0: feature, target and class names only */
    char *header_json;   /* as stored */
    const hpo__scorer_info *scorer;
    double cv_score, test_score;
    size_t n_train, n_test;
    unsigned char *bytes; /* the whole file */
    size_t len;
};

static const char *const scaling_names[] = {"none", "standard", "minmax", NULL};

void hpo_model_destroy(hpo_model *m)
{
    if (!m)
        return;
    if (m->ops && m->est)
        m->ops->destroy(m->est);
    hpo__scaler_free(&m->scaler);
    hpo__dataset_free(m->names);
    hpo__free(m->header_json);
    hpo__free(m->bytes);
    hpo__free(m);
}

/* A names-only data set (features, target, classes) copied from `ds`. */
static int names_of(const hpo__dataset *ds, hpo__dataset **out)
{
    hpo__dataset *n = hpo__calloc(1, sizeof *n);
    if (!n)
        return hpo__enomem();
    n->d = ds->d;
    n->task = ds->task;
    n->n_classes = ds->task == HPO__TASK_CLASSIFICATION ? ds->n_classes : 0;
    n->feature_names = hpo__calloc(ds->d ? ds->d : 1, sizeof *n->feature_names);
    n->target_name = hpo__strdup(ds->target_name ? ds->target_name : "target");
    if (n->n_classes)
        n->class_names = hpo__calloc(n->n_classes, sizeof *n->class_names);
    int bad = !n->feature_names || !n->target_name || (n->n_classes && !n->class_names);
    for (size_t j = 0; !bad && j < ds->d; j++)
        bad = !(n->feature_names[j] = hpo__strdup(ds->feature_names[j]));
    for (size_t c = 0; !bad && c < n->n_classes; c++)
        bad = !(n->class_names[c] = hpo__strdup(ds->class_names[c]));
    if (bad) {
        hpo__dataset_free(n);
        return hpo__enomem();
    }
    *out = n;
    return 0;
}

static json_t *strings_json(char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_string(v[i] ? v[i] : "")) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static json_t *number_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

int hpo__model_build(const hpo__model_parts *p, hpo_model **out)
{
    hpo_model *m = hpo__calloc(1, sizeof *m);
    char *params = NULL, *text = NULL;
    json_t *h = NULL;
    hpo__buf b = HPO__BUF_INIT, blob = HPO__BUF_INIT;
    int rc = 0;
    if (!m)
        return hpo__enomem();
    m->ops = p->ops;
    m->task = p->train->task;
    m->cv_score = p->cv_score;
    m->test_score = p->test_score;
    m->n_train = p->train->n;
    m->n_test = p->n_test;
    m->scorer = hpo__scorer_find(p->scoring);
    if (!m->scorer) {
        rc = HPO_EINVAL;
        goto done;
    }
    if ((rc = names_of(p->train, &m->names)) != 0)
        goto done;
    if (p->scaler && p->scaler->kind != HPO__SCALE_NONE) {
        size_t d = p->scaler->d;
        m->scaler.kind = p->scaler->kind;
        m->scaler.d = d;
        m->scaler.shift = hpo__malloc(d * sizeof(double));
        m->scaler.scale = hpo__malloc(d * sizeof(double));
        if (!m->scaler.shift || !m->scaler.scale) {
            rc = hpo__enomem();
            goto done;
        }
        memcpy(m->scaler.shift, p->scaler->shift, d * sizeof(double));
        memcpy(m->scaler.scale, p->scaler->scale, d * sizeof(double));
    }
    if (!p->ops->save) {
        rc = hpo__err(HPO_EINVAL, "%s: the estimator cannot be saved", p->ops->name);
        goto done;
    }
    if ((rc = p->ops->save(p->est, &blob)) != 0)
        goto done;
    if ((rc = hpo__params_to_json(p->params, &params)) != 0)
        goto done;
    json_error_t jerr;
    json_t *pj = json_loads(params, 0, &jerr);
    h = json_object();
    if (!h || !pj) {
        json_decref(pj);
        rc = hpo__enomem();
        goto done;
    }
    int bad = 0;
    bad |= json_object_set_new(h, "estimator", json_string(p->ops->name));
    bad |= json_object_set_new(
        h, "task",
        json_string(m->task == HPO__TASK_CLASSIFICATION ? "classification" : "regression"));
    bad |= json_object_set_new(h, "params", pj);
    bad |= json_object_set_new(h, "scoring", json_string(m->scorer->name));
    bad |= json_object_set_new(h, "cv_score", number_or_null(p->cv_score));
    bad |= json_object_set_new(h, "test_score", number_or_null(p->test_score));
    bad |= json_object_set_new(h, "n_train", json_integer((json_int_t)p->train->n));
    bad |= json_object_set_new(h, "n_test", json_integer((json_int_t)p->n_test));
    bad |= json_object_set_new(h, "seed", json_integer((json_int_t)p->seed));
    bad |= json_object_set_new(h, "features", strings_json(p->train->feature_names, p->train->d));
    bad |= json_object_set_new(h, "target", json_string(m->names->target_name));
    bad |=
        json_object_set_new(h, "classes", strings_json(m->names->class_names, m->names->n_classes));
    bad |= json_object_set_new(h, "scaling", json_string(scaling_names[m->scaler.kind]));
    bad |= json_object_set_new(h, "hpo_version", json_string(hpo_version()));
    if (bad ||
        !(text = json_dumps(h, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(17)))) {
        rc = hpo__enomem();
        goto done;
    }
    if (!(m->header_json = hpo__strdup(text))) {
        rc = hpo__enomem();
        goto done;
    }
    hpo__buf_append(&b, MAGIC, 8);
    hpo__ser_u32(&b, FORMAT_VERSION);
    hpo__ser_str(&b, text);
    if (m->scaler.kind != HPO__SCALE_NONE) {
        hpo__ser_u64(&b, m->scaler.d);
        hpo__ser_f64s(&b, m->scaler.shift, m->scaler.d);
        hpo__ser_f64s(&b, m->scaler.scale, m->scaler.d);
    }
    hpo__ser_u64(&b, blob.len);
    if (blob.len)
        hpo__buf_append(&b, blob.data, blob.len);
    if (b.oom) {
        rc = hpo__enomem();
        goto done;
    }
    m->bytes = (unsigned char *)b.data;
    m->len = b.len;
    memset(&b, 0, sizeof b);
    m->est = p->est; /* owned from here on */
done:
    json_decref(h);
    free(text);
    hpo__free(params);
    hpo__buf_free(&b);
    hpo__buf_free(&blob);
    if (rc) {
        hpo_model_destroy(m);
        return rc;
    }
    *out = m;
    return 0;
}

/* ---- reading */

/* "model: <what>" (+ " 'detail'" when given), HPO_ESPEC. */
static int bad_model(const char *what, const char *detail)
{
    if (detail)
        return hpo__err(HPO_ESPEC, "model: %s '%s'", what, detail);
    return hpo__err(HPO_ESPEC, "model: %s", what);
}

static int strings_from(json_t *a, size_t *n, char ***out)
{
    if (!json_is_array(a))
        return bad_model("header: expected a list of names", NULL);
    *n = json_array_size(a);
    char **v = hpo__calloc(*n ? *n : 1, sizeof *v);
    if (!v)
        return hpo__enomem();
    for (size_t i = 0; i < *n; i++) {
        const char *s = json_string_value(json_array_get(a, i));
        if (!s || !(v[i] = hpo__strdup(s))) {
            for (size_t j = 0; j < i; j++)
                hpo__free(v[j]);
            hpo__free(v);
            return s ? hpo__enomem() : bad_model("header: a name is not a string", NULL);
        }
    }
    *out = v;
    return 0;
}

int hpo_model_load(hpo_model **out, const void *data, size_t len)
{
    if (!out || (!data && len))
        return hpo__err(HPO_EINVAL, "hpo_model_load: out and data are required");
    *out = NULL;
    hpo__deser rd = {data, len, "model"};
    hpo__params params = HPO__PARAMS_INIT;
    json_t *h = NULL;
    char *text = NULL;
    int rc = 0;
    uint32_t version;
    hpo_model *m = hpo__calloc(1, sizeof *m);
    if (!m)
        return hpo__enomem();
    if (len < 8 || memcmp(data, MAGIC, 8) != 0) {
        rc = bad_model("not an hpo model (no HPOMODEL magic)", NULL);
        goto done;
    }
    rd.p += 8;
    rd.left -= 8;
    if ((rc = hpo__deser_u32(&rd, &version)) != 0)
        goto done;
    if (version != FORMAT_VERSION) {
        rc = hpo__err(HPO_ESPEC, "model: format version %u; this hpo reads version %u", version,
                      FORMAT_VERSION);
        goto done;
    }
    if ((rc = hpo__deser_str(&rd, MAX_HEADER, &text)) != 0)
        goto done;
    json_error_t jerr;
    if (!(h = json_loads(text, 0, &jerr)) || !json_is_object(h)) {
        rc = hpo__err(HPO_ESPEC, "model: header is not a JSON object (%s)",
                      h ? "another JSON value" : jerr.text);
        goto done;
    }
    const char *est = json_string_value(json_object_get(h, "estimator"));
    const char *task = json_string_value(json_object_get(h, "task"));
    const char *scoring = json_string_value(json_object_get(h, "scoring"));
    const char *scaling = json_string_value(json_object_get(h, "scaling"));
    const char *target = json_string_value(json_object_get(h, "target"));
    json_t *pj = json_object_get(h, "params");
    if (!est || !task || !scoring || !scaling || !target || !json_is_object(pj)) {
        rc = bad_model("header: missing estimator, task, scoring, scaling, target or params", NULL);
        goto done;
    }
    const char *const shown[] = {est, task, scoring, scaling};
    for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++)
        for (const char *c = shown[i]; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f) {
                rc = bad_model("header: control characters in a name", NULL);
                goto done;
            }
    if (!(m->ops = hpo__estimator_find(est)) || !(m->scorer = hpo__scorer_find(scoring))) {
        rc = hpo__err(HPO_ESPEC, "model: header: %s", hpo_errmsg());
        goto done;
    }
    m->task = strcmp(task, "regression") == 0 ? HPO__TASK_REGRESSION : HPO__TASK_CLASSIFICATION;
    json_t *cs = json_object_get(h, "cv_score"), *ts = json_object_get(h, "test_score");
    m->cv_score = json_is_number(cs) ? json_number_value(cs) : (double)NAN;
    m->test_score = json_is_number(ts) ? json_number_value(ts) : (double)NAN;
    json_int_t ntr = json_integer_value(json_object_get(h, "n_train"));
    json_int_t nte = json_integer_value(json_object_get(h, "n_test"));
    m->n_train = ntr > 0 ? (size_t)ntr : 0;
    m->n_test = nte > 0 ? (size_t)nte : 0;
    size_t sk = 0;
    while (scaling_names[sk] && strcmp(scaling_names[sk], scaling) != 0)
        sk++;
    if (!scaling_names[sk]) {
        rc = bad_model("header: unknown scaling", scaling);
        goto done;
    }
    if (!(m->names = hpo__calloc(1, sizeof *m->names))) {
        rc = hpo__enomem();
        goto done;
    }
    m->names->task = m->task;
    if ((rc = strings_from(json_object_get(h, "features"), &m->names->d,
                           &m->names->feature_names)) != 0 ||
        (rc = strings_from(json_object_get(h, "classes"), &m->names->n_classes,
                           &m->names->class_names)) != 0)
        goto done;
    if (!(m->names->target_name = hpo__strdup(target))) {
        rc = hpo__enomem();
        goto done;
    }
    if (m->names->d == 0 || (m->task == HPO__TASK_CLASSIFICATION && m->names->n_classes < 2)) {
        rc = bad_model("header: no features or fewer than 2 classes", NULL);
        goto done;
    }
    if (sk != HPO__SCALE_NONE) {
        size_t d;
        if ((rc = hpo__deser_size(&rd, m->names->d, &d)) != 0)
            goto done;
        if (d != m->names->d) {
            rc = bad_model("scaler width differs from the features", NULL);
            goto done;
        }
        m->scaler.kind = (hpo__scaling)sk;
        m->scaler.d = d;
        m->scaler.shift = hpo__malloc(d * sizeof(double));
        m->scaler.scale = hpo__malloc(d * sizeof(double));
        if (!m->scaler.shift || !m->scaler.scale) {
            rc = hpo__enomem();
            goto done;
        }
        if ((rc = hpo__deser_f64s(&rd, m->scaler.shift, d)) != 0 ||
            (rc = hpo__deser_f64s(&rd, m->scaler.scale, d)) != 0)
            goto done;
    }
    size_t blen;
    if ((rc = hpo__deser_size(&rd, SIZE_MAX, &blen)) != 0)
        goto done;
    if (blen != rd.left) { /* the estimator's bytes end the file */
        rc = bad_model(blen > rd.left ? "truncated" : "trailing bytes after the model", NULL);
        goto done;
    }
    char *ptext = json_dumps(pj, JSON_COMPACT | JSON_REAL_PRECISION(17));
    if (!ptext) {
        rc = hpo__enomem();
        goto done;
    }
    rc = hpo__params_from_json(ptext, &params);
    free(ptext);
    if (rc) {
        rc = hpo__err(HPO_ESPEC, "model: header params: %s", hpo_errmsg());
        goto done;
    }
    if ((rc = m->ops->create(&m->est, m->task, &params, 0)) != 0) {
        rc = hpo__err(HPO_ESPEC, "model: %s", hpo_errmsg());
        goto done;
    }
    if (!m->ops->load) {
        rc = hpo__err(HPO_ESPEC, "model: %s models cannot be loaded", m->ops->name);
        goto done;
    }
    if ((rc = m->ops->load(m->est, rd.p, blen)) != 0)
        goto done;
    if (!(m->bytes = hpo__malloc(len)) || !(m->header_json = hpo__strdup(text))) {
        rc = hpo__enomem();
        goto done;
    }
    memcpy(m->bytes, data, len);
    m->len = len;
done:
    json_decref(h);
    hpo__free(text);
    hpo__params_free(&params);
    if (rc) {
        hpo_model_destroy(m);
        return rc;
    }
    *out = m;
    return 0;
}

int hpo_model_load_file(hpo_model **out, const char *path)
{
    if (!out || !path)
        return hpo__err(HPO_EINVAL, "hpo_model_load_file: out and path are required");
    char *bytes = NULL;
    size_t len = 0;
    int rc = hpo__read_file(path, &bytes, &len);
    if (rc == 0 && (rc = hpo_model_load(out, bytes, len)) != 0)
        hpo__err_prefix("%s", path);
    hpo__free(bytes);
    return rc;
}

int hpo_model_save(const hpo_model *m, void **data, size_t *len)
{
    if (!m || !data || !len)
        return hpo__err(HPO_EINVAL, "hpo_model_save: model, data and len are required");
    void *copy = hpo__malloc(m->len);
    if (!copy)
        return hpo__enomem();
    memcpy(copy, m->bytes, m->len);
    *data = copy;
    *len = m->len;
    return 0;
}

int hpo_model_save_file(const hpo_model *m, const char *path)
{
    if (!m || !path)
        return hpo__err(HPO_EINVAL, "hpo_model_save_file: model and path are required");
    FILE *f = fopen(path, "wb");
    if (!f)
        return hpo__err(HPO_EIO, "%s: cannot create: %s", path, strerror(errno));
    size_t put = fwrite(m->bytes, 1, m->len, f);
    int rc = fclose(f);
    if (put != m->len || rc != 0)
        return hpo__err(HPO_EIO, "%s: write error", path);
    return 0;
}

int hpo_model_info_json(const hpo_model *m, char **out)
{
    if (!m || !out)
        return hpo__err(HPO_EINVAL, "hpo_model_info_json: model and out are required");
    *out = hpo__strdup(m->header_json);
    return *out ? 0 : hpo__enomem();
}

const void *hpo__model_bytes(const hpo_model *m, size_t *len)
{
    *len = m->len;
    return m->bytes;
}

const char *hpo_model_scoring(const hpo_model *m)
{
    return m ? m->scorer->name : NULL;
}

double hpo_model_cv_score(const hpo_model *m)
{
    return m ? m->cv_score : (double)NAN;
}

double hpo_model_test_score(const hpo_model *m)
{
    return m ? m->test_score : (double)NAN;
}

size_t hpo_model_n_train(const hpo_model *m)
{
    return m ? m->n_train : 0;
}

size_t hpo_model_n_test(const hpo_model *m)
{
    return m ? m->n_test : 0;
}

const hpo__dataset *hpo__model_names(const hpo_model *m)
{
    return m->names;
}

int hpo__model_predict(hpo_model *m, const hpo__dataset *ds, double *pred, double *proba)
{
    size_t n = ds->n, d = ds->d;
    double *X = hpo__malloc((n * d > 0 ? n * d : 1) * sizeof *X);
    if (!X)
        return hpo__enomem();
    memcpy(X, ds->X, n * d * sizeof *X);
    hpo__scaler_apply(&m->scaler, X, n);
    int rc = m->ops->predict(m->est, X, n, pred);
    if (rc == 0 && proba)
        rc = m->ops->predict_proba(m->est, X, n, proba);
    hpo__free(X);
    return rc;
}

/* A CSV field: quoted when it holds a comma, quote or line break. */
static void csv_field(FILE *fp, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

int hpo_model_predict_csv(hpo_model *m, const char *csv_path, FILE *fp, double *score)
{
    if (!m || !csv_path || !fp)
        return hpo__err(HPO_EINVAL, "hpo_model_predict_csv: model, path and output are required");
    if (score)
        *score = (double)NAN;
    hpo__dataset *ds = NULL;
    int has_target = 0;
    int rc = hpo__dataset_load_like(csv_path, m->names, 0, &ds, &has_target);
    if (rc)
        return rc;
    size_t n = ds->n, k = m->names->n_classes;
    int with_proba = m->task == HPO__TASK_CLASSIFICATION && m->ops->predict_proba != NULL;
    double *pred = hpo__malloc(n * sizeof *pred);
    double *proba = with_proba ? hpo__malloc(n * k * sizeof *proba) : NULL;
    if (!pred || (with_proba && !proba)) {
        rc = hpo__enomem();
        goto done;
    }
    rc = hpo__model_predict(m, ds, pred, proba);
    if (rc && with_proba) { /* e.g. svc without probability: predictions only */
        with_proba = 0;
        rc = hpo__model_predict(m, ds, pred, NULL);
    }
    if (rc)
        goto done;
    if (has_target && score) {
        if (m->scorer->needs_proba && !with_proba)
            rc = hpo__err(HPO_EINVAL, "%s needs probabilities, which this model does not give",
                          m->scorer->name);
        else
            rc = hpo__score(m->scorer, ds->y, pred, proba, n, k, score);
        if (rc)
            goto done;
    }
    csv_field(fp, m->names->target_name);
    for (size_t c = 0; with_proba && c < k; c++) {
        fputs(",proba_", fp);
        csv_field(fp, m->names->class_names[c]);
    }
    fputc('\n', fp);
    for (size_t i = 0; i < n; i++) {
        char num[40];
        if (m->task == HPO__TASK_CLASSIFICATION) {
            size_t c = (size_t)pred[i];
            csv_field(fp, c < k ? m->names->class_names[c] : "?");
        } else {
            hpo__fmt_double(num, sizeof num, pred[i]);
            fputs(num, fp);
        }
        for (size_t c = 0; with_proba && c < k; c++) {
            hpo__fmt_double(num, sizeof num, proba[i * k + c]);
            fprintf(fp, ",%s", num);
        }
        fputc('\n', fp);
    }
    if (ferror(fp))
        rc = hpo__err(HPO_EIO, "cannot write the predictions");
done:
    hpo__free(pred);
    hpo__free(proba);
    hpo__dataset_free(ds);
    return rc;
}
