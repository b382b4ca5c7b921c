/*
 * test_mlp.c -- the mlp estimator on small synthetic data: hyperparameter
 * validation and messages, learning blobs, XOR and a smooth regression,
 * determinism (same seed -> same model bytes; 1 and 2 OpenBLAS threads alike),
 * checkpoint-continue equality (k epochs + save + load + fit_more to N equals N
 * epochs, byte for byte), save/load round trips, truncated and corrupt bytes
 * refused with HPO_ESPEC, two concurrent fits equal to sequential ones, and
 * HPO_ENOMEM on every failing allocation. Fashion-MNIST accuracy is
 * tests/cli/mlp_fashion.sh; scikit-learn parity tests/parity/test_mlp.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "params_testlib.h"

#include "core/params.h"
#include "core/rng.h"
#include "hpo.h"
#include "ml/estimator.h"
#include "util/util.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const hpo__estimator_ops *ops = &hpo__mlp_ops;

/* n points of k Gaussian blobs in d dimensions (centres 3 apart on axes). */
typedef struct data {
    size_t n, d, k;
    double *X, *y;
} data;

static data blobs(size_t n, size_t d, size_t k, uint64_t seed)
{
    data s = {n, d, k, malloc(n * d * sizeof(double)), malloc(n * sizeof(double))};
    assert_non_null(s.X);
    assert_non_null(s.y);
    hpo__rng r;
    hpo__rng_seed(&r, seed, 0);
    for (size_t i = 0; i < n; i++) {
        size_t c = i % k;
        s.y[i] = (double)c;
        for (size_t j = 0; j < d; j++)
            s.X[i * d + j] = hpo__rng_normal(&r) * 0.7 + (j == c % d ? 3.0 : 0.0) +
                             (c >= d && j == 0 ? -3.0 : 0.0);
    }
    return s;
}

/* XOR: class 1 when x0 * x1 > 0, points uniform in [-1, 1]^2 away from the axes. */
static data xor_data(size_t n, uint64_t seed)
{
    data s = {n, 2, 2, malloc(n * 2 * sizeof(double)), malloc(n * sizeof(double))};
    assert_non_null(s.X);
    assert_non_null(s.y);
    hpo__rng r;
    hpo__rng_seed(&r, seed, 0);
    for (size_t i = 0; i < n; i++) {
        double a = 0.1 + 0.9 * hpo__rng_uniform(&r), b = 0.1 + 0.9 * hpo__rng_uniform(&r);
        a = hpo__rng_uniform(&r) < 0.5 ? -a : a;
        b = hpo__rng_uniform(&r) < 0.5 ? -b : b;
        s.X[2 * i] = a;
        s.X[2 * i + 1] = b;
        s.y[i] = a * b > 0 ? 1.0 : 0.0;
    }
    return s;
}

static void data_free(data *s)
{
    free(s->X);
    free(s->y);
}

static hpo__estimator *make(hpo__task task, const hpo__params *p, uint64_t seed)
{
    hpo__estimator *e = NULL;
    assert_int_equal(ops->create(&e, task, p, seed), 0);
    assert_non_null(e);
    return e;
}

static double accuracy(hpo__estimator *e, const data *s)
{
    double *pred = malloc(s->n * sizeof *pred);
    assert_non_null(pred);
    assert_int_equal(ops->predict(e, s->X, s->n, pred), 0);
    size_t hits = 0;
    for (size_t i = 0; i < s->n; i++)
        hits += pred[i] == s->y[i];
    free(pred);
    return (double)hits / (double)s->n;
}

static void save(hpo__estimator *e, hpo__buf *b)
{
    memset(b, 0, sizeof *b);
    assert_int_equal(ops->save(e, b), 0);
    assert_true(b->len > 0);
}

static int same_bytes(const hpo__buf *a, const hpo__buf *b)
{
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static void expect_create_error(hpo__params *p, hpo__task task, const char *msg)
{
    hpo__estimator *e = (hpo__estimator *)p; /* reset to NULL on failure */
    assert_int_equal(ops->create(&e, task, p, 0), HPO_EINVAL);
    assert_null(e);
    assert_string_equal(hpo_errmsg(), msg);
    hpo__params_free(p);
}

static void test_create_errors(void **state)
{
    (void)state;
    hpo__params p = HPO__PARAMS_INIT;
    add_int(&p, "unit", 3);
    expect_create_error(&p, HPO__TASK_CLASSIFICATION,
                        "mlp: unknown parameter 'unit' (did you mean 'units'?)");
    add_int(&p, "n_layers", 0);
    expect_create_error(&p, HPO__TASK_CLASSIFICATION, "mlp: n_layers must be in [1, 8], got 0");
    add_int(&p, "n_layers", 9);
    expect_create_error(&p, HPO__TASK_CLASSIFICATION, "mlp: n_layers must be in [1, 8], got 9");
    add_int(&p, "units", 0);
    expect_create_error(&p, HPO__TASK_CLASSIFICATION, "mlp: units must be in [1, 4096], got 0");
    add_int(&p, "units_3", 5000);
    expect_create_error(&p, HPO__TASK_CLASSIFICATION,
                        "mlp: units_3 must be in [1, 4096], got 5000");
    add_str(&p, "activation", "sigmoid");
    expect_create_error(&p, HPO__TASK_CLASSIFICATION,
                        "mlp: activation must be one of 'relu', 'tanh', got 'sigmoid'");
    add_float(&p, "dropout", 1.0);
    expect_create_error(&p, HPO__TASK_CLASSIFICATION, "mlp: dropout must be in [0, 1), got 1");
    add_str(&p, "optimizer", "adma");
    expect_create_error(&p, HPO__TASK_CLASSIFICATION,
                        "mlp: optimizer must be one of 'adam', 'sgd', got 'adma' (did you mean "
                        "'adam'?)");
    add_float(&p, "learning_rate", 0.0);
    expect_create_error(&p, HPO__TASK_CLASSIFICATION, "mlp: learning_rate must be > 0, got 0");
    add_float(&p, "momentum", 1.0);
    expect_create_error(&p, HPO__TASK_CLASSIFICATION, "mlp: momentum must be in [0, 1), got 1");
    add_float(&p, "beta_2", -0.5);
    expect_create_error(&p, HPO__TASK_CLASSIFICATION, "mlp: beta_2 must be in [0, 1), got -0.5");
    add_float(&p, "epsilon", 0.0);
    expect_create_error(&p, HPO__TASK_CLASSIFICATION, "mlp: epsilon must be > 0, got 0");
    add_int(&p, "batch_size", 0);
    expect_create_error(&p, HPO__TASK_CLASSIFICATION, "mlp: batch_size must be >= 1, got 0");
    add_float(&p, "alpha", -1.0);
    expect_create_error(&p, HPO__TASK_CLASSIFICATION, "mlp: alpha must be >= 0, got -1");
    add_int(&p, "epochs", 0);
    expect_create_error(&p, HPO__TASK_REGRESSION, "mlp: epochs must be in [1, 1000000], got 0");
    add_float(&p, "epochs", 2.5);
    expect_create_error(&p, HPO__TASK_REGRESSION, "mlp: epochs must be an integer, got 2.5");
    expect_create_error(&p, HPO__TASK_AUTO, "mlp: the task must be classification or regression");
    /* valid: every name of the table, units_k beyond n_layers ignored */
    add_int(&p, "n_layers", 1);
    add_int(&p, "units", 4);
    add_int(&p, "units_1", 8);
    add_int(&p, "units_8", 16);
    add_str(&p, "activation", "tanh");
    add_float(&p, "dropout", 0.5);
    add_str(&p, "optimizer", "sgd");
    add_float(&p, "learning_rate", 0.1);
    add_float(&p, "momentum", 0.0);
    add_float(&p, "beta_1", 0.5);
    add_float(&p, "beta_2", 0.5);
    add_float(&p, "epsilon", 1e-8);
    add_int(&p, "batch_size", 1);
    add_float(&p, "alpha", 0.0);
    add_int(&p, "epochs", 1);
    hpo__estimator *e = make(HPO__TASK_CLASSIFICATION, &p, 0);
    assert_int_equal(ops->set_threads(e, 0), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "mlp: threads must be in [1, 1024], got 0");
    assert_int_equal(ops->set_threads(e, 2), 0);
    ops->destroy(e);
    ops->destroy(NULL);
    hpo__params_free(&p);
    /* the registry finds it and it declares the checkpoint interface */
    assert_ptr_equal(hpo__estimator_find("mlp"), &hpo__mlp_ops);
    assert_string_equal(ops->resource_param, "epochs");
    assert_non_null(ops->fit_more);
}

static void test_fit_errors(void **state)
{
    (void)state;
    const double X[] = {0, 1, 2, (double)NAN};
    const double y[] = {0, 1, 1};
    const double bad_y[] = {0, 1, 2};
    double pred[3];
    hpo__params p = HPO__PARAMS_INIT;
    add_int(&p, "epochs", 2);
    hpo__estimator *e = make(HPO__TASK_CLASSIFICATION, &p, 0);
    hpo__buf b = HPO__BUF_INIT;
    assert_int_equal(ops->predict(e, X, 1, pred), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "mlp: predict before fit");
    assert_int_equal(ops->save(e, &b), HPO_EINVAL);
    assert_int_equal(ops->fit_more(e, X, y, 3, 1, 2, 4), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "mlp: fit_more before fit or load");
    assert_int_equal(ops->fit(e, X, bad_y, 3, 1, 2), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "mlp: y[2] is not a class index below 2");
    assert_int_equal(ops->fit(e, X, y, 0, 1, 2), HPO_EINVAL);
    assert_int_equal(ops->fit(e, X + 1, y, 3, 1, 2), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "mlp: X contains NaN or infinity (row 2, column 0)");
    assert_int_equal(ops->fit(e, X, y, 3, 1, 0), HPO_EINVAL);
    assert_int_equal(ops->fit(e, X, y, 3, 1, 2), 0);
    assert_int_equal(ops->predict(e, X + 1, 3, pred), HPO_EINVAL);
    assert_int_equal(ops->predict(e, NULL, 0, pred), 0);
    /* continuing: not backwards, same shape of data */
    assert_int_equal(ops->fit_more(e, X, y, 3, 1, 2, 1), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "mlp: cannot continue from 2 epochs to 1");
    assert_int_equal(ops->fit_more(e, X, y, 3, 1, 3, 4), HPO_EINVAL);
    assert_int_equal(ops->fit_more(e, X, y, 3, 1, 2, 2), 0); /* nothing to do */
    assert_int_equal(ops->fit_more(e, X, y, 3, 1, 2, 3), 0);
    ops->destroy(e);
    e = make(HPO__TASK_REGRESSION, &p, 0);
    const double yr[] = {0.5, (double)NAN, 1};
    assert_int_equal(ops->fit(e, X, yr, 3, 1, 0), HPO_EINVAL);
    assert_string_equal(hpo_errmsg(), "mlp: y contains NaN or infinity (row 1)");
    assert_int_equal(ops->predict_proba(e, X, 1, pred), HPO_EINVAL);
    ops->destroy(e);
    hpo__params_free(&p);
}

static void test_learns(void **state)
{
    (void)state;
    /* three blobs in 2-D: adam, default architecture */
    data tr = blobs(600, 2, 3, 1), te = blobs(300, 2, 3, 2);
    hpo__params p = HPO__PARAMS_INIT;
    add_int(&p, "epochs", 20);
    add_int(&p, "batch_size", 32);
    hpo__estimator *e = make(HPO__TASK_CLASSIFICATION, &p, 7);
    assert_int_equal(ops->fit(e, tr.X, tr.y, tr.n, tr.d, tr.k), 0);
    double acc = accuracy(e, &te);
    assert_true(acc >= 0.95);
    /* probabilities: rows sum to 1 and their first maximum is the prediction */
    double proba[30], pred[10];
    assert_int_equal(ops->predict_proba(e, te.X, 10, proba), 0);
    assert_int_equal(ops->predict(e, te.X, 10, pred), 0);
    for (size_t i = 0; i < 10; i++) {
        double s = proba[3 * i] + proba[3 * i + 1] + proba[3 * i + 2];
        size_t best = 0;
        for (size_t c = 1; c < 3; c++)
            if (proba[3 * i + c] > proba[3 * i + best])
                best = c;
        assert_true(fabs(s - 1.0) < 1e-5);
        assert_true(pred[i] == (double)best);
    }
    ops->destroy(e);
    hpo__params_free(&p);
    data_free(&tr);
    data_free(&te);

    /* XOR needs the hidden layer: tanh, sgd with momentum, dropout on */
    data xtr = xor_data(800, 3), xte = xor_data(400, 4);
    add_int(&p, "epochs", 40);
    add_int(&p, "batch_size", 16);
    add_str(&p, "activation", "tanh");
    add_str(&p, "optimizer", "sgd");
    add_float(&p, "learning_rate", 0.05);
    add_int(&p, "units", 32);
    add_float(&p, "dropout", 0.1);
    e = make(HPO__TASK_CLASSIFICATION, &p, 3);
    assert_int_equal(ops->fit(e, xtr.X, xtr.y, xtr.n, 2, 2), 0);
    assert_true(accuracy(e, &xte) >= 0.95);
    ops->destroy(e);
    hpo__params_free(&p);
    data_free(&xtr);
    data_free(&xte);

    /* regression: y = sin(2x) on [-2, 2]; the error falls well below the variance */
    enum { N = 400 };
    double X[N], y[N], pr[N];
    double var = 0.0, mse = 0.0;
    for (size_t i = 0; i < N; i++) {
        X[i] = -2.0 + 4.0 * (double)i / (N - 1);
        y[i] = sin(2.0 * X[i]);
        var += y[i] * y[i] / N;
    }
    add_int(&p, "epochs", 60);
    add_int(&p, "batch_size", 16);
    add_float(&p, "learning_rate", 0.01);
    add_str(&p, "activation", "tanh");
    e = make(HPO__TASK_REGRESSION, &p, 5);
    assert_int_equal(ops->fit(e, X, y, N, 1, 0), 0);
    assert_int_equal(ops->predict(e, X, N, pr), 0);
    for (size_t i = 0; i < N; i++)
        mse += (pr[i] - y[i]) * (pr[i] - y[i]) / N;
    assert_true(mse < 0.05 * var);
    ops->destroy(e);
    hpo__params_free(&p);
}

/* Fit and save; the bytes in *b. */
static void fit_bytes(const hpo__params *p, hpo__task task, uint64_t seed, int threads,
                      const data *s, hpo__buf *b)
{
    hpo__estimator *e = make(task, p, seed);
    assert_int_equal(ops->set_threads(e, threads), 0);
    assert_int_equal(ops->fit(e, s->X, s->y, s->n, s->d, s->k), 0);
    save(e, b);
    ops->destroy(e);
}

static void test_determinism(void **state)
{
    (void)state;
    /* 784 features (Fashion-MNIST's): OpenBLAS alone gives different bits with
     * 1 and 2 threads for this inner dimension (see gemm() in mlp.c) */
    data s = blobs(333, 784, 4, 11);
    hpo__params p = HPO__PARAMS_INIT;
    add_int(&p, "epochs", 2);
    add_int(&p, "units", 100);
    add_int(&p, "batch_size", 300); /* the weight gradient's K too */
    add_float(&p, "dropout", 0.25);
    hpo__buf a, b, c, d;
    fit_bytes(&p, HPO__TASK_CLASSIFICATION, 1, 1, &s, &a);
    fit_bytes(&p, HPO__TASK_CLASSIFICATION, 1, 1, &s, &b);
    fit_bytes(&p, HPO__TASK_CLASSIFICATION, 1, 2, &s, &c);
    fit_bytes(&p, HPO__TASK_CLASSIFICATION, 2, 1, &s, &d);
    assert_true(same_bytes(&a, &b));
    assert_true(same_bytes(&a, &c)); /* 1 and 2 OpenBLAS threads */
    assert_false(same_bytes(&a, &d));
    hpo__buf_free(&a);
    hpo__buf_free(&b);
    hpo__buf_free(&c);
    hpo__buf_free(&d);
    hpo__params_free(&p);
    data_free(&s);
}

/* k epochs, save, load into a model created with `epochs` = n, fit_more to n:
 * the same bytes as n epochs at once. */
static void check_continue(hpo__params *p, hpo__task task, const data *s, long long k, long long n)
{
    hpo__buf whole, part, again;
    hpo_value v = {.type = HPO_VALUE_INT, .u.i = n};
    long j = hpo__params_find(p, "epochs");
    if (j < 0) {
        assert_int_equal(hpo__params_add(p, "epochs", &v), 0);
        j = hpo__params_find(p, "epochs");
    }
    p->values[j] = v;
    fit_bytes(p, task, 9, 1, s, &whole);
    p->values[j].u.i = k;
    fit_bytes(p, task, 9, 1, s, &part);
    assert_false(same_bytes(&whole, &part));
    p->values[j].u.i = n;
    hpo__estimator *e = make(task, p, 12345); /* the seed comes from the bytes */
    assert_int_equal(ops->load(e, part.data, part.len), 0);
    assert_int_equal(ops->fit_more(e, s->X, s->y, s->n, s->d, s->k, n), 0);
    save(e, &again);
    assert_true(same_bytes(&whole, &again));
    ops->destroy(e);
    hpo__buf_free(&whole);
    hpo__buf_free(&part);
    hpo__buf_free(&again);
}

static void test_checkpoint_continue(void **state)
{
    (void)state;
    data s = blobs(250, 5, 3, 21);
    hpo__params p = HPO__PARAMS_INIT;
    add_int(&p, "batch_size", 32);
    add_float(&p, "dropout", 0.2);
    check_continue(&p, HPO__TASK_CLASSIFICATION, &s, 2, 5); /* adam */
    check_continue(&p, HPO__TASK_CLASSIFICATION, &s, 1, 2);
    hpo__params_free(&p);
    add_str(&p, "optimizer", "sgd");
    add_int(&p, "n_layers", 3);
    add_int(&p, "units_2", 7);
    add_str(&p, "activation", "tanh");
    check_continue(&p, HPO__TASK_CLASSIFICATION, &s, 3, 4);
    hpo__params_free(&p);
    for (size_t i = 0; i < s.n; i++)
        s.y[i] = s.X[i * s.d] - 2.0 * s.X[i * s.d + 1];
    s.k = 0;
    add_int(&p, "batch_size", 64);
    check_continue(&p, HPO__TASK_REGRESSION, &s, 1, 3);
    hpo__params_free(&p);
    data_free(&s);
}

static void test_save_load(void **state)
{
    (void)state;
    data s = blobs(120, 3, 3, 31);
    hpo__params p = HPO__PARAMS_INIT;
    add_int(&p, "epochs", 3);
    add_int(&p, "units", 6);
    hpo__estimator *e = make(HPO__TASK_CLASSIFICATION, &p, 4);
    assert_int_equal(ops->fit(e, s.X, s.y, s.n, s.d, s.k), 0);
    hpo__buf b;
    save(e, &b);
    double p1[360], p2[360];
    assert_int_equal(ops->predict_proba(e, s.X, s.n, p1), 0);
    hpo__estimator *f = make(HPO__TASK_CLASSIFICATION, &p, 4);
    assert_int_equal(ops->load(f, b.data, b.len), 0);
    assert_int_equal(ops->predict_proba(f, s.X, s.n, p2), 0);
    assert_memory_equal(p1, p2, sizeof p1);
    hpo__buf b2;
    save(f, &b2);
    assert_true(same_bytes(&b, &b2));
    hpo__buf_free(&b2);
    /* every truncation is refused and leaves the loaded model as it was */
    for (size_t len = 0; len < b.len; len++)
        assert_int_equal(ops->load(f, b.data, len), HPO_ESPEC);
    assert_int_equal(ops->predict_proba(f, s.X, s.n, p2), 0);
    assert_memory_equal(p1, p2, sizeof p1);
    /* trailing bytes, bad magic, a NaN weight, absurd sizes */
    char *c = malloc(b.len + 1);
    assert_non_null(c);
    memcpy(c, b.data, b.len);
    c[b.len] = 0;
    assert_int_equal(ops->load(f, c, b.len + 1), HPO_ESPEC);
    c[0] ^= 1;
    assert_int_equal(ops->load(f, c, b.len), HPO_ESPEC);
    c[0] ^= 1;
    float nan = NAN;
    size_t header = 6 * 4 + 4 * 8 + 4 * 8; /* u32 x 6, 4 widths, 4 counters */
    memcpy(c + header, &nan, sizeof nan);
    assert_int_equal(ops->load(f, c, b.len), HPO_ESPEC);
    assert_non_null(strstr(hpo_errmsg(), "not finite"));
    memcpy(c, b.data, b.len);
    memset(c + 6 * 4, 0xff, 8); /* d = 2^64 - 1 */
    assert_int_equal(ops->load(f, c, b.len), HPO_ESPEC);
    /* random corruption of the header never crashes */
    hpo__rng r;
    hpo__rng_seed(&r, 5, 0);
    for (int t = 0; t < 2000; t++) {
        memcpy(c, b.data, b.len);
        size_t at = (size_t)hpo__rng_below(&r, header + 8);
        c[at] = (char)hpo__rng_next(&r);
        int rc = ops->load(f, c, b.len);
        assert_true(rc == 0 || rc == HPO_ESPEC);
    }
    free(c);
    ops->destroy(f);
    /* a model created with other hyperparameters refuses the bytes */
    const char *names[] = {"units", "n_layers", "optimizer", "activation"};
    for (int i = 0; i < 4; i++) {
        hpo__params q = HPO__PARAMS_INIT;
        if (i == 0)
            add_int(&q, "units", 7);
        else if (i == 1)
            add_int(&q, "n_layers", 3);
        else if (i == 2)
            add_str(&q, "optimizer", "sgd");
        else
            add_str(&q, "activation", "tanh");
        if (i != 0)
            add_int(&q, "units", 6);
        f = make(HPO__TASK_CLASSIFICATION, &q, 4);
        assert_int_equal(ops->load(f, b.data, b.len), HPO_ESPEC);
        (void)names[i];
        ops->destroy(f);
        hpo__params_free(&q);
    }
    f = make(HPO__TASK_REGRESSION, &p, 4);
    assert_int_equal(ops->load(f, b.data, b.len), HPO_ESPEC);
    ops->destroy(f);
    hpo__buf_free(&b);
    ops->destroy(e);
    hpo__params_free(&p);
    data_free(&s);
}

typedef struct job {
    const data *s;
    const hpo__params *p;
    uint64_t seed;
    int threads;
    hpo__buf out;
    int rc;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    hpo__estimator *e = NULL;
    memset(&j->out, 0, sizeof j->out);
    j->rc = ops->create(&e, HPO__TASK_CLASSIFICATION, j->p, j->seed);
    if (j->rc == 0)
        j->rc = ops->set_threads(e, j->threads);
    if (j->rc == 0)
        j->rc = ops->fit(e, j->s->X, j->s->y, j->s->n, j->s->d, j->s->k);
    if (j->rc == 0)
        j->rc = ops->save(e, &j->out);
    ops->destroy(e);
    return NULL;
}

static void test_concurrent_fits(void **state)
{
    (void)state;
    data s = blobs(400, 784, 5, 41);
    hpo__params p = HPO__PARAMS_INIT;
    add_int(&p, "epochs", 2);
    add_int(&p, "units", 64);
    add_int(&p, "batch_size", 50);
    add_float(&p, "dropout", 0.1);
    job seq[2] = {{&s, &p, 1, 1, HPO__BUF_INIT, 0}, {&s, &p, 2, 2, HPO__BUF_INIT, 0}};
    job par[2] = {{&s, &p, 1, 2, HPO__BUF_INIT, 0}, {&s, &p, 2, 1, HPO__BUF_INIT, 0}};
    run_job(&seq[0]);
    run_job(&seq[1]);
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, run_job, &par[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(seq[i].rc, 0);
        assert_int_equal(par[i].rc, 0);
        assert_true(same_bytes(&seq[i].out, &par[i].out));
        hpo__buf_free(&seq[i].out);
        hpo__buf_free(&par[i].out);
    }
    hpo__params_free(&p);
    data_free(&s);
}

static void test_enomem(void **state)
{
    (void)state;
    data s = blobs(40, 3, 2, 51);
    hpo__params p = HPO__PARAMS_INIT;
    add_int(&p, "epochs", 2);
    add_int(&p, "units", 5);
    add_float(&p, "dropout", 0.3);
    hpo__buf good = HPO__BUF_INIT;
    fit_bytes(&p, HPO__TASK_CLASSIFICATION, 3, 1, &s, &good);
    double pred[40], proba[80];
    int ok = 0;
    for (long k = 0; k < 200 && !ok; k++) {
        hpo__estimator *e = NULL, *f = NULL;
        hpo__buf b = HPO__BUF_INIT;
        hpo__alloc_fail_after(k);
        int rc = ops->create(&e, HPO__TASK_CLASSIFICATION, &p, 3);
        if (rc == 0)
            rc = ops->set_threads(e, 2); /* the pool's arrays are allocations too */
        if (rc == 0)
            rc = ops->fit(e, s.X, s.y, s.n, s.d, s.k);
        if (rc == 0)
            rc = ops->predict(e, s.X, s.n, pred);
        if (rc == 0)
            rc = ops->predict_proba(e, s.X, s.n, proba);
        if (rc == 0)
            rc = ops->save(e, &b);
        if (rc == 0)
            rc = ops->create(&f, HPO__TASK_CLASSIFICATION, &p, 3);
        if (rc == 0)
            rc = ops->load(f, good.data, good.len);
        if (rc == 0)
            rc = ops->fit_more(f, s.X, s.y, s.n, s.d, s.k, 3);
        hpo__alloc_fail_after(-1);
        if (rc == 0)
            ok = 1;
        else
            assert_int_equal(rc, HPO_ENOMEM);
        hpo__buf_free(&b);
        ops->destroy(e);
        ops->destroy(f);
    }
    assert_true(ok);
    hpo__buf_free(&good);
    hpo__params_free(&p);
    data_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_errors),
        cmocka_unit_test(test_fit_errors),
        cmocka_unit_test(test_learns),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_checkpoint_continue),
        cmocka_unit_test(test_save_load),
        cmocka_unit_test(test_concurrent_fits),
        cmocka_unit_test(test_enomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
