/*
 * mlp_fashion.c -- train hpo's mlp estimator on Fashion-MNIST's training set
 * and print its accuracy on the test set as one JSON line, for
 * tests/cli/mlp_fashion.sh and for benchmarks.
 *
 *   hpo-tool-mlp_fashion [--data DIR] [--threads T] [--seed S] [--train N]
 *                        [--test N] [--continue-from K] [--params JSON]
 *                        [--save FILE] [name=value ...]
 *
 * DIR holds {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz (default
 * /usr/share/datasets/fashion-mnist). --train/--test keep the first N rows.
 * Hyperparameters come from --params (a JSON object) and name=value pairs
 * (value read as an integer, a number, true/false, or else a string).
 * --continue-from K also trains K epochs, saves, loads into a fresh model and
 * continues to `epochs`, and reports whether its model bytes equal the
 * one-go model's ("checkpoint_equal"). --save FILE writes the model's bytes.
 *
 * Output: {"accuracy": A, "epochs": E, "threads": T, "train_rows": N,
 *          "test_rows": M, "fit_seconds": F, "seconds_per_epoch": F/E
 *          [, "checkpoint_equal": true|false]}
 * Errors: a message on stderr, exit status 2.
 */
#include "core/params.h"
#include "ml/dataset.h"
#include "ml/estimator.h"
#include "util/util.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int die(const char *what)
{
    fprintf(stderr, "hpo-tool-mlp_fashion: %s\n", what);
    return 2;
}

static int add_text(hpo__params *p, const char *name, const char *text)
{
    hpo_value v;
    long long i;
    double f;
    if (hpo__parse_ll(text, &i) == 0) {
        v.type = HPO_VALUE_INT;
        v.u.i = i;
    } else if (hpo__parse_double(text, &f) == 0) {
        v.type = HPO_VALUE_FLOAT;
        v.u.f = f;
    } else if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
        v.type = HPO_VALUE_BOOL;
        v.u.b = text[0] == 't';
    } else {
        v.type = HPO_VALUE_STRING;
        v.u.s = text;
    }
    return hpo__params_add(p, name, &v);
}

/* --params: a JSON object of hyperparameters, added to p. */
static int add_json(hpo__params *p, const char *text)
{
    hpo__params more = HPO__PARAMS_INIT;
    int rc = hpo__params_from_json(text, &more);
    for (size_t i = 0; rc == 0 && i < more.n; i++)
        rc = hpo__params_add(p, more.names[i], &more.values[i]);
    hpo__params_free(&more);
    return rc;
}

/* Set (or add) the integer parameter "epochs". */
static int set_epochs(hpo__params *p, long long v)
{
    hpo_value kv = {.type = HPO_VALUE_INT, .u.i = v};
    long j = hpo__params_find(p, "epochs");
    if (j < 0)
        return hpo__params_add(p, "epochs", &kv);
    p->values[j] = kv;
    return 0;
}

/* Create, fit (to `epochs`, or to k then save/load/fit_more), into *out. */
static int train(const hpo__estimator_ops *ops, hpo__params *hp, const hpo__dataset *tr,
                 uint64_t seed, int threads, long long k, long long epochs, hpo__estimator **out)
{
    hpo__estimator *e = NULL, *f = NULL;
    hpo__buf b = HPO__BUF_INIT;
    int rc;
    if (k <= 0) {
        if ((rc = ops->create(&e, tr->task, hp, seed)) == 0 &&
            (rc = ops->set_threads(e, threads)) == 0)
            rc = ops->fit(e, tr->X, tr->y, tr->n, tr->d, tr->n_classes);
        if (rc) {
            ops->destroy(e);
            return rc;
        }
        *out = e;
        return 0;
    }
    if ((rc = set_epochs(hp, k)) != 0)
        return rc;
    if ((rc = ops->create(&e, tr->task, hp, seed)) == 0 &&
        (rc = ops->set_threads(e, threads)) == 0 &&
        (rc = ops->fit(e, tr->X, tr->y, tr->n, tr->d, tr->n_classes)) == 0)
        rc = ops->save(e, &b);
    ops->destroy(e);
    if (rc == 0)
        rc = set_epochs(hp, epochs);
    if (rc == 0 && (rc = ops->create(&f, tr->task, hp, seed)) == 0 &&
        (rc = ops->set_threads(f, threads)) == 0 && (rc = ops->load(f, b.data, b.len)) == 0)
        rc = ops->fit_more(f, tr->X, tr->y, tr->n, tr->d, tr->n_classes, epochs);
    hpo__buf_free(&b);
    if (rc) {
        ops->destroy(f);
        return rc;
    }
    *out = f;
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = "/usr/share/datasets/fashion-mnist", *save_to = NULL;
    int threads = 1;
    uint64_t seed = 0;
    long long n_train = 0, n_test = 0, from = 0;
    hpo__params hp = HPO__PARAMS_INIT;
    hpo__dataset *tr = NULL, *te = NULL, *sub = NULL;
    hpo__estimator *est = NULL, *again = NULL;
    double *pred = NULL;
    int status = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long long x = 0;
        if (strcmp(a, "--data") == 0 && v) {
            dir = v;
        } else if (strcmp(a, "--save") == 0 && v) {
            save_to = v;
        } else if (strcmp(a, "--params") == 0 && v) {
            if (add_json(&hp, v) != 0)
                return die(hpo_errmsg());
        } else if (strncmp(a, "--", 2) == 0 && v && hpo__parse_ll(v, &x) == 0 && x >= 0) {
            if (strcmp(a, "--threads") == 0 && x >= 1 && x <= 1024)
                threads = (int)x;
            else if (strcmp(a, "--seed") == 0)
                seed = (uint64_t)x;
            else if (strcmp(a, "--train") == 0)
                n_train = x;
            else if (strcmp(a, "--test") == 0)
                n_test = x;
            else if (strcmp(a, "--continue-from") == 0)
                from = x;
            else
                return die("bad option (see the header of tests/tools/mlp_fashion.c)");
        } else if (strchr(a, '=') && a[0] != '=') {
            char name[64];
            size_t len = (size_t)(strchr(a, '=') - a);
            if (len >= sizeof name)
                return die("parameter name too long");
            memcpy(name, a, len);
            name[len] = '\0';
            if (add_text(&hp, name, a + len + 1) != 0)
                return die(hpo_errmsg());
            continue;
        } else {
            return die("bad argument (see the header of tests/tools/mlp_fashion.c)");
        }
        i++;
    }
    char p1[4096], p2[4096];
    snprintf(p1, sizeof p1, "%s/train-images-idx3-ubyte.gz", dir);
    snprintf(p2, sizeof p2, "%s/train-labels-idx1-ubyte.gz", dir);
    if (hpo__dataset_load_idx(p1, p2, &tr) != 0) {
        status = die(hpo_errmsg());
        goto done;
    }
    snprintf(p1, sizeof p1, "%s/t10k-images-idx3-ubyte.gz", dir);
    snprintf(p2, sizeof p2, "%s/t10k-labels-idx1-ubyte.gz", dir);
    if (hpo__dataset_load_idx(p1, p2, &te) != 0 || hpo__dataset_align_classes(te, tr) != 0) {
        status = die(hpo_errmsg());
        goto done;
    }
    if (n_train > 0 && (size_t)n_train < tr->n) {
        size_t *rows = malloc((size_t)n_train * sizeof *rows);
        for (size_t i = 0; rows && i < (size_t)n_train; i++)
            rows[i] = i;
        int rc = rows ? hpo__dataset_subset(tr, rows, (size_t)n_train, &sub) : HPO_ENOMEM;
        free(rows);
        if (rc) {
            status = die(hpo_errmsg());
            goto done;
        }
        hpo__dataset_free(tr);
        tr = sub;
        sub = NULL;
    }
    size_t nq = n_test > 0 && (size_t)n_test < te->n ? (size_t)n_test : te->n;
    const hpo__estimator_ops *ops = hpo__estimator_find("mlp");
    long long epochs = 0;
    if (!ops || hpo__hp_int("mlp", &hp, "epochs", 10, 1, LLONG_MAX, &epochs) != 0) {
        status = die(hpo_errmsg());
        goto done;
    }
    double t0 = hpo__monotonic();
    if (train(ops, &hp, tr, seed, threads, 0, epochs, &est) != 0) {
        status = die(hpo_errmsg());
        goto done;
    }
    double fit_s = hpo__monotonic() - t0;
    int equal = -1;
    if (from > 0) {
        hpo__buf b1 = HPO__BUF_INIT, b2 = HPO__BUF_INIT;
        int rc = train(ops, &hp, tr, seed, threads, from, epochs, &again);
        if (rc == 0 && (rc = ops->save(est, &b1)) == 0)
            rc = ops->save(again, &b2);
        equal = rc == 0 && b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0;
        hpo__buf_free(&b1);
        hpo__buf_free(&b2);
        if (rc) {
            status = die(hpo_errmsg());
            goto done;
        }
    }
    if (save_to) {
        hpo__buf b = HPO__BUF_INIT;
        FILE *fp = fopen(save_to, "wb");
        int ok = fp && ops->save(est, &b) == 0 && fwrite(b.data, 1, b.len, fp) == b.len;
        ok = fp && fclose(fp) == 0 && ok;
        hpo__buf_free(&b);
        if (!ok) {
            status = die("cannot save the model");
            goto done;
        }
    }
    if (!(pred = malloc(nq * sizeof *pred)) || ops->predict(est, te->X, nq, pred) != 0) {
        status = die(pred ? hpo_errmsg() : "out of memory");
        goto done;
    }
    size_t hits = 0;
    for (size_t i = 0; i < nq; i++)
        hits += pred[i] == te->y[i];
    printf("{\"accuracy\": %.6f, \"epochs\": %lld, \"threads\": %d, \"train_rows\": %zu, "
           "\"test_rows\": %zu, \"fit_seconds\": %.3f, \"seconds_per_epoch\": %.3f",
           (double)hits / (double)nq, epochs, threads, tr->n, nq, fit_s, fit_s / (double)epochs);
    if (equal >= 0)
        printf(", \"checkpoint_equal\": %s", equal ? "true" : "false");
    printf("}\n");
    status = 0;
done:
    hpo__mlp_ops.destroy(est);
    hpo__mlp_ops.destroy(again);
    hpo__dataset_free(tr);
    hpo__dataset_free(te);
    hpo__params_free(&hp);
    free(pred);
    return status;
}
