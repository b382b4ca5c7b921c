/*
 * knn_oracle.c -- fit and apply hpo's knn estimator from a JSON request on
 * stdin, for the scikit-learn parity tests.
 *
 *   {"X_train": [[...], ...], "y_train": [...], "X_test": [[...], ...],
 *    "task": "classification"|"regression", "n_classes": K,
 *    "params": {"n_neighbors": 5, "weights": "distance", "p": 1},
 *    "threads": T}                       (optional: scikit-learn's OpenMP threads)
 *   -> {"pred": [...], "proba": [[...], ...]}   (proba for classification only)
 *
 * Numbers are printed with %.17g. Any error prints {"error": "..."} on stdout
 * and exits 2. A JSON array of requests is a batch: one result line each
 * (errors as {"error": ...} lines), exit status 0.
 */
#include "core/params.h"
#include "ml/estimator.h"
#include "util/util.h"

#include <jansson.h>
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
    const char *key;
    json_t *v;
    if (!o)
        return 0;
    if (!json_is_object(o))
        return hpo__err(HPO_EINVAL, "params must be an object");
    json_object_foreach(o, key, v)
    {
        hpo_value hv;
        if (json_is_integer(v)) {
            hv.type = HPO_VALUE_INT;
            hv.u.i = json_integer_value(v);
        } else if (json_is_real(v)) {
            hv.type = HPO_VALUE_FLOAT;
            hv.u.f = json_real_value(v);
        } else if (json_is_string(v)) {
            hv.type = HPO_VALUE_STRING;
            hv.u.s = json_string_value(v);
        } else if (json_is_boolean(v)) {
            hv.type = HPO_VALUE_BOOL;
            hv.u.b = json_is_true(v);
        } else {
            return hpo__err(HPO_EINVAL, "params: '%s' has an unsupported type", key);
        }
        int rc = hpo__params_add(p, key, &hv);
        if (rc)
            return rc;
    }
    return 0;
}

/* One request: a result line; 0, or 2 after an error line. */
static int run(json_t *req)
{
    hpo__params hp = HPO__PARAMS_INIT;
    hpo__estimator *est = NULL;
    const hpo__estimator_ops *ops = NULL;
    double *Xtr = NULL, *ytr = NULL, *Xte = NULL, *pred = NULL, *proba = NULL;
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
    if (!(ops = hpo__estimator_find("knn")) ||
        params_of(json_object_get(req, "params"), &hp) != 0 ||
        ops->create(&est, task, &hp, 0) != 0 ||
        (th && hpo__knn_set_threads(est, (int)json_integer_value(th)) != 0) ||
        ops->fit(est, Xtr, ytr, n, d, nc) != 0 || ops->predict(est, Xte, nq, pred) != 0 ||
        (task == HPO__TASK_CLASSIFICATION && ops->predict_proba(est, Xte, nq, proba) != 0)) {
        status = fail(hpo_errmsg());
        goto done;
    }
    printf("{\"pred\": [");
    for (size_t i = 0; i < nq; i++)
        printf("%s%.17g", i ? ", " : "", pred[i]);
    printf("]");
    if (task == HPO__TASK_CLASSIFICATION) {
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
