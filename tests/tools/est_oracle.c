/*
 * est_oracle.c -- fit and apply one of hpo's built-in estimators from a JSON
 * request on stdin, for the scikit-learn parity tests.
 *
 *   {"estimator": "knn",                 (default knn)
 *    "X_train": [[...], ...], "y_train": [...], "X_test": [[...], ...],
 *    "task": "classification"|"regression", "n_classes": K,
 *    "params": {"n_neighbors": 5, "weights": "distance", "p": 1},
 *    "seed": S,                          (optional, default 0)
 *    "threads": T,                       (optional: knn emulates scikit-learn's
 *                                         OpenMP threads; others get set_threads)
 *    "proba": false,                     (optional: skip predict_proba)
 *    "save_load": true,                  (optional: predict again from a model
 *                                         saved and loaded into a fresh one)
 *    "continue_from": k,                 (optional: fit with the resource
 *                                         parameter at k, save, load into a fresh
 *                                         model, fit_more to the params' value)
 *    "model": true}                      (optional: also print the fitted model's
 *                                         save bytes as lowercase hex)
 *   -> {"pred": [...], "proba": [[...], ...], "decision": [...] | [[...], ...],
 *       "pred_reloaded": [...], "model": "hex"}
 *   proba when the estimator has it and the task is classification; decision
 *   when it has a decision function (binary: one value per row).
 *
 * Numbers are printed with %.17g. Any error prints {"error": "..."} on stdout
 * and exits 2. A JSON array of requests is a batch: one result line each
 * (errors as {"error": ...} lines), exit status 0.
 */
#include "core/params.h"
#include "ml/estimator.h"
#include "util/util.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *msg)
{
    json_t *o = json_pack("{s:s}", "error", msg ? msg : "unknown error");
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    fputs(s ? s : "{\"error\": \"out of memory\"}", stdout);
    fputc('\n', stdout);
    free(s);
    json_decref(o);
    return 2;
}

/* A JSON matrix (array of equal-length number arrays) into a malloc'd array. */
static double *matrix(json_t *a, size_t *n, size_t *d, const char *what, char *err, size_t esz)
{
    if (!json_is_array(a) || json_array_size(a) == 0) {
        snprintf(err, esz, "%s must be a non-empty array of rows", what);
        return NULL;
    }
    *n = json_array_size(a);
    json_t *r0 = json_array_get(a, 0);
    *d = json_is_array(r0) ? json_array_size(r0) : 0;
    double *v = malloc(*n * (*d ? *d : 1) * sizeof *v);
    if (!v) {
        snprintf(err, esz, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < *n; i++) {
        json_t *r = json_array_get(a, i);
        if (!json_is_array(r) || json_array_size(r) != *d) {
            snprintf(err, esz, "%s: row %zu has a different length", what, i);
            free(v);
            return NULL;
        }
        for (size_t j = 0; j < *d; j++) {
            json_t *x = json_array_get(r, j);
            if (!json_is_number(x)) {
                snprintf(err, esz, "%s: row %zu column %zu is not a number", what, i, j);
                free(v);
                return NULL;
            }
            v[i * *d + j] = json_number_value(x);
        }
    }
    return v;
}

/* The "params" object as hpo__params (ints, floats, strings, bools). */
static int params_of(json_t *o, hpo__params *p)
{
    if (!o)
        return 0;
    if (!json_is_object(o))
        return hpo__err(HPO_EINVAL, "params must be an object");
    char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
    if (!text)
        return hpo__enomem();
    int rc = hpo__params_from_json(text, p);
    free(text);
    return rc;
}

/* One request: a result line; 0, or 2 after an error line. */
static int run(json_t *req)
{
    hpo__params hp = HPO__PARAMS_INIT;
    hpo__estimator *est = NULL;
    const hpo__estimator_ops *ops = NULL;
    double *Xtr = NULL, *ytr = NULL, *Xte = NULL, *pred = NULL, *proba = NULL;
    double *decision = NULL, *reloaded = NULL;
    hpo__buf model = HPO__BUF_INIT; /* "model": the saved bytes */
    char err[256];
    size_t n = 0, d = 0, nq = 0, dq = 0, nc = 0;
    int status = 0;
    if (!json_is_object(req)) {
        status = fail("a request must be an object");
        goto done;
    }
    const char *task_s = json_string_value(json_object_get(req, "task"));
    hpo__task task = task_s && strcmp(task_s, "regression") == 0 ? HPO__TASK_REGRESSION
                                                                 : HPO__TASK_CLASSIFICATION;
    nc = (size_t)json_integer_value(json_object_get(req, "n_classes"));
    if (!(Xtr = matrix(json_object_get(req, "X_train"), &n, &d, "X_train", err, sizeof err)) ||
        !(Xte = matrix(json_object_get(req, "X_test"), &nq, &dq, "X_test", err, sizeof err))) {
        status = fail(err);
        goto done;
    }
    json_t *ya = json_object_get(req, "y_train");
    if (dq != d || !json_is_array(ya) || json_array_size(ya) != n) {
        status = fail("X_test width or y_train length does not match X_train");
        goto done;
    }
    ytr = malloc(n * sizeof *ytr);
    pred = malloc(nq * sizeof *pred);
    proba = malloc(nq * (nc ? nc : 1) * sizeof *proba);
    if (!ytr || !pred || !proba) {
        status = fail("out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        ytr[i] = json_number_value(json_array_get(ya, i));
    json_t *th = json_object_get(req, "threads");
    const char *name = json_string_value(json_object_get(req, "estimator"));
    uint64_t seed = (uint64_t)json_integer_value(json_object_get(req, "seed"));
    int want_proba =
        json_object_get(req, "proba") ? json_is_true(json_object_get(req, "proba")) : 1;
    json_t *from = json_object_get(req, "continue_from");
    if (!(ops = hpo__estimator_find(name ? name : "knn")) ||
        params_of(json_object_get(req, "params"), &hp) != 0) {
        status = fail(hpo_errmsg());
        goto done;
    }
    want_proba = want_proba && ops->predict_proba && task == HPO__TASK_CLASSIFICATION;
    int binary = nc == 2;
    size_t dw = binary ? 1 : nc;
    if (ops->decision_function && task == HPO__TASK_CLASSIFICATION &&
        !(decision = malloc(nq * (dw ? dw : 1) * sizeof *decision))) {
        status = fail("out of memory");
        goto done;
    }
    int rc = 0;
    if (from) { /* fit to k, save, load into a fresh model, continue to the params' value */
        const char *rp = ops->resource_param;
        long long to = 0;
        if (!rp || !ops->fit_more || !ops->save || !ops->load) {
            status = fail("estimator cannot continue training");
            goto done;
        }
        if ((rc = hpo__hp_int(ops->name, &hp, rp, 0, 1, LLONG_MAX, &to)) != 0 || to == 0) {
            status = fail(rc ? hpo_errmsg() : "continue_from needs the resource parameter");
            goto done;
        }
        hpo_value kv = {.type = HPO_VALUE_INT, .u.i = json_integer_value(from)};
        rc = hpo__params_set(&hp, rp, &kv);
        hpo__estimator *first = NULL;
        hpo__buf b = HPO__BUF_INIT;
        if (rc == 0)
            rc = ops->create(&first, task, &hp, seed);
        if (rc == 0)
            rc = ops->fit(first, Xtr, ytr, n, d, nc);
        if (rc == 0)
            rc = ops->save(first, &b);
        ops->destroy(first);
        kv.u.i = to;
        if (rc == 0)
            rc = hpo__params_set(&hp, rp, &kv);
        if (rc == 0)
            rc = ops->create(&est, task, &hp, seed);
        if (rc == 0)
            rc = ops->load(est, b.data, b.len);
        hpo__buf_free(&b);
        if (rc == 0)
            rc = ops->fit_more(est, Xtr, ytr, n, d, nc, to);
    } else {
        rc = ops->create(&est, task, &hp, seed);
        if (rc == 0 && th)
            rc = strcmp(ops->name, "knn") == 0
                     ? hpo__knn_set_threads(est, (int)json_integer_value(th))
                 : ops->set_threads ? ops->set_threads(est, (int)json_integer_value(th))
                                    : 0;
        if (rc == 0)
            rc = ops->fit(est, Xtr, ytr, n, d, nc);
    }
    if (rc || ops->predict(est, Xte, nq, pred) != 0 ||
        (want_proba && ops->predict_proba(est, Xte, nq, proba) != 0) ||
        (decision && ops->decision_function(est, Xte, nq, decision) != 0)) {
        status = fail(hpo_errmsg());
        goto done;
    }
    if (json_is_true(json_object_get(req, "save_load"))) {
        hpo__buf b = HPO__BUF_INIT;
        hpo__estimator *again = NULL;
        if (!ops->save || !ops->load || !(reloaded = malloc(nq * sizeof *reloaded))) {
            status = fail("estimator cannot save and load");
            goto done;
        }
        rc = ops->save(est, &b);
        if (rc == 0)
            rc = ops->create(&again, task, &hp, seed);
        if (rc == 0)
            rc = ops->load(again, b.data, b.len);
        if (rc == 0)
            rc = ops->predict(again, Xte, nq, reloaded);
        hpo__buf_free(&b);
        if (again)
            ops->destroy(again);
        if (rc) {
            status = fail(hpo_errmsg());
            goto done;
        }
    }
    int want_model = json_is_true(json_object_get(req, "model"));
    if (want_model && (!ops->save || ops->save(est, &model) != 0)) {
        status = fail(ops->save ? hpo_errmsg() : "estimator cannot save");
        goto done;
    }
    printf("{\"pred\": [");
    for (size_t i = 0; i < nq; i++)
        printf("%s%.17g", i ? ", " : "", pred[i]);
    printf("]");
    if (reloaded) {
        printf(", \"pred_reloaded\": [");
        for (size_t i = 0; i < nq; i++)
            printf("%s%.17g", i ? ", " : "", reloaded[i]);
        printf("]");
    }
    if (decision) {
        printf(", \"decision\": [");
        for (size_t i = 0; i < nq; i++) {
            if (binary) {
                printf("%s%.17g", i ? ", " : "", decision[i]);
                continue;
            }
            printf("%s[", i ? ", " : "");
            for (size_t c = 0; c < nc; c++)
                printf("%s%.17g", c ? ", " : "", decision[i * nc + c]);
            printf("]");
        }
        printf("]");
    }
    if (want_model) {
        printf(", \"model\": \"");
        for (size_t i = 0; i < model.len; i++)
            printf("%02x", (unsigned)(unsigned char)model.data[i]);
        printf("\"");
    }
    if (want_proba) {
        printf(", \"proba\": [");
        for (size_t i = 0; i < nq; i++) {
            printf("%s[", i ? ", " : "");
            for (size_t c = 0; c < nc; c++)
                printf("%s%.17g", c ? ", " : "", proba[i * nc + c]);
            printf("]");
        }
        printf("]");
    }
    printf("}\n");
done:
    if (ops)
        ops->destroy(est);
    hpo__params_free(&hp);
    free(Xtr);
    free(ytr);
    free(Xte);
    free(pred);
    free(proba);
    free(decision);
    free(reloaded);
    hpo__buf_free(&model);
    return status;
}

int main(void)
{
    json_error_t jerr;
    json_t *req = json_loadf(stdin, 0, &jerr);
    int status = 0;
    if (!req)
        return fail(jerr.text);
    if (json_is_array(req)) {
        for (size_t i = 0; i < json_array_size(req); i++)
            run(json_array_get(req, i));
    } else {
        status = run(req);
    }
    json_decref(req);
    return status;
}
