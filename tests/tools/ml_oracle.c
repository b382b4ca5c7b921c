/*
 * ml_oracle.c -- drive the cross-validation splitters and scorers from a JSON
 * request on stdin, for the scikit-learn parity tests.
 *
 *   {"op": "kfold"|"stratified_kfold", "n": N, "k": K, "y": [...],
 *    "shuffle": bool, "seed": S}
 *       -> {"test": [[...], ...], "train": [[...], ...]}
 *   {"op": "shuffle_split", "n": N, "n_splits": M, "test_fraction": F, "seed": S}
 *   {"op": "repeated_kfold", "n": N, "k": K, "n_repeats": R, "y": [...]|null,
 *    "seed": S}
 *       -> same shape as above, one entry per split
 *   {"op": "score", "name": "f1_macro", "y_true": [...], "y_pred": [...],
 *    "proba": [[...], ...], "n_classes": K}
 *       -> {"score": %.17g}
 * Any error prints {"error": "..."} on stdout and exits 2. A JSON array of
 * requests is a batch: one result line each (errors as {"error": ...} lines),
 * exit status 0.
 */
#include "ml/scoring.h"
#include "ml/split.h"
#include "util/util.h"

#include <jansson.h>
#include <math.h>
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

/* A JSON number array into a malloc'd double array (NULL on a non-array). */
static double *doubles(json_t *a, size_t *n)
{
    if (!json_is_array(a))
        return NULL;
    *n = json_array_size(a);
    double *v = malloc((*n + 1) * sizeof(double));
    if (!v)
        return NULL;
    for (size_t i = 0; i < *n; i++) {
        json_t *x = json_array_get(a, i);
        v[i] = json_is_number(x) ? json_number_value(x) : (double)NAN;
    }
    return v;
}

static json_t *index_list(const size_t *ix, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_integer((json_int_t)ix[i]));
    return a;
}

static int print_folds(const hpo__fold *f, size_t count)
{
    json_t *tests = json_array(), *trains = json_array();
    for (size_t i = 0; i < count; i++) {
        json_array_append_new(tests, index_list(f[i].test, f[i].n_test));
        json_array_append_new(trains, index_list(f[i].train, f[i].n_train));
    }
    json_t *o = json_pack("{s:o,s:o}", "test", tests, "train", trains);
    char *s = json_dumps(o, JSON_COMPACT);
    puts(s);
    free(s);
    json_decref(o);
    return 0;
}

static size_t get_size(json_t *req, const char *key, size_t dflt)
{
    json_t *v = json_object_get(req, key);
    return json_is_integer(v) && json_integer_value(v) >= 0 ? (size_t)json_integer_value(v) : dflt;
}

static int do_split(json_t *req, const char *op)
{
    size_t n = get_size(req, "n", 0), k = get_size(req, "k", 5), ny = 0;
    uint64_t seed = get_size(req, "seed", 0);
    int shuffle = json_is_true(json_object_get(req, "shuffle"));
    double *y = doubles(json_object_get(req, "y"), &ny);
    hpo__fold *folds = NULL;
    size_t count = k;
    int rc;
    if (y && json_object_get(req, "n") == NULL)
        n = ny;
    if (y && ny != n) {
        free(y);
        return fail("y length differs from n");
    }
    if (strcmp(op, "kfold") == 0) {
        rc = hpo__kfold(n, k, shuffle, seed, &folds);
    } else if (strcmp(op, "stratified_kfold") == 0) {
        if (!y)
            return fail("stratified_kfold needs y");
        rc = hpo__stratified_kfold(y, n, k, shuffle, seed, &folds);
    } else if (strcmp(op, "shuffle_split") == 0) {
        count = get_size(req, "n_splits", 10);
        json_t *tf = json_object_get(req, "test_fraction");
        rc = hpo__shuffle_split(n, count, json_is_number(tf) ? json_number_value(tf) : 0.1, seed,
                                &folds);
    } else {
        size_t reps = get_size(req, "n_repeats", 10);
        count = k * reps;
        rc = hpo__repeated_kfold(y, n, k, reps, seed, &folds);
    }
    free(y);
    if (rc < 0)
        return fail(hpo_errmsg());
    print_folds(folds, count);
    hpo__folds_free(folds, count);
    return 0;
}

static int do_score(json_t *req)
{
    const char *name = json_string_value(json_object_get(req, "name"));
    const hpo__scorer_info *s = hpo__scorer_find(name);
    if (!s)
        return fail(hpo_errmsg());
    size_t n = 0, np = 0, k = get_size(req, "n_classes", 0);
    double *yt = doubles(json_object_get(req, "y_true"), &n);
    double *yp = doubles(json_object_get(req, "y_pred"), &np);
    double *proba = NULL;
    json_t *pa = json_object_get(req, "proba");
    int status = 0;
    if (!yt) {
        status = fail("y_true missing");
        goto done;
    }
    if (json_is_array(pa)) {
        if (json_array_size(pa) != n) {
            status = fail("proba rows differ from y_true");
            goto done;
        }
        proba = malloc((n * k + 1) * sizeof(double));
        for (size_t i = 0; proba && i < n; i++) {
            json_t *row = json_array_get(pa, i);
            if (json_array_size(row) != k) {
                status = fail("proba row length differs from n_classes");
                goto done;
            }
            for (size_t j = 0; j < k; j++)
                proba[i * k + j] = json_number_value(json_array_get(row, j));
        }
    }
    if (yp && np != n) {
        status = fail("y_pred length differs from y_true");
        goto done;
    }
    double v;
    if (hpo__score(s, yt, yp, proba, n, k, &v) < 0) {
        status = fail(hpo_errmsg());
        goto done;
    }
    if (isnan(v))
        puts("{\"score\": NaN}");
    else
        printf("{\"score\": %.17g}\n", v);
done:
    free(yt);
    free(yp);
    free(proba);
    return status;
}

static int handle(json_t *req)
{
    const char *op = json_string_value(json_object_get(req, "op"));
    if (!op)
        return fail("missing op");
    if (strcmp(op, "score") == 0)
        return do_score(req);
    if (strcmp(op, "kfold") == 0 || strcmp(op, "stratified_kfold") == 0 ||
        strcmp(op, "shuffle_split") == 0 || strcmp(op, "repeated_kfold") == 0)
        return do_split(req, op);
    return fail("unknown op");
}

int main(void)
{
    json_error_t jerr;
    json_t *req = json_loadf(stdin, 0, &jerr);
    if (!req)
        return fail(jerr.text);
    int status;
    if (json_is_array(req)) {
        /* batch: one result line per request, errors included; exit 0 */
        for (size_t i = 0; i < json_array_size(req); i++)
            (void)handle(json_array_get(req, i));
        status = 0;
    } else {
        status = handle(req);
    }
    json_decref(req);
    return status;
}
