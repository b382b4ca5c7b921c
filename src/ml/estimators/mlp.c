/*
 * mlp.c -- a dense multi-layer perceptron (the project's KerasTuner-style
 * model): n_layers hidden layers of `units` (or units_1..units_8) relu or tanh
 * units with optional inverted dropout, then a softmax output with
 * cross-entropy (classification) or one linear unit with squared error
 * (regression), trained by mini-batch Adam or momentum SGD in single precision
 * with OpenBLAS's cblas_sgemm.
 *
 * Reference behaviour: Keras' Dense/Dropout stack compiled with Adam or SGD,
 * and scikit-learn's MLPClassifier/MLPRegressor for the L2 penalty:
 *  - Weights Glorot uniform (U(-l, l), l = sqrt(6 / (fan_in + fan_out)),
 *    Keras' default; scikit-learn uses the same bound), biases zero (Keras;
 *    scikit-learn draws its biases too), all from hpo's RNG stream (seed, INIT).
 *  - Loss per batch: classification the mean cross-entropy of softmax(z)
 *    (so the output gradient is (p - onehot) / rows); binary problems use two
 *    softmax units (scikit-learn uses one logistic unit: the same model,
 *    parameterised differently). Regression half the mean squared error,
 *    scikit-learn's squared_error loss (Keras' 'mse' has no 1/2: its gradient is
 *    twice as large); targets are not scaled.
 *  - alpha: scikit-learn's L2 term, alpha * W / rows added to each weight
 *    gradient of a batch of `rows` rows (not to biases).
 *  - Adam as Keras 2 / scikit-learn: lr_t = lr sqrt(1 - b2^t) / (1 - b1^t),
 *    m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, w -= lr_t m / (sqrt(v) + eps)
 *    with eps = 1e-7 by default (Keras; scikit-learn's is 1e-8). SGD: v =
 *    momentum v - lr g, w += v (Keras and scikit-learn, nesterov off).
 *    learning_rate defaults to 1e-3 for both optimizers (Keras' SGD uses 1e-2).
 *  - Each epoch visits the rows in a fresh random order in batches of
 *    batch_size (the last one smaller; batch_size > n means one batch of n).
 *  - Dropout (rate p) after each hidden layer in training only: a unit is kept
 *    with probability 1 - p and scaled by 1 / (1 - p) (inverted dropout).
 *  - predict: the first class of largest probability; predict_proba: softmax.
 * Known deviations: no early stopping, validation split or learning-rate
 * schedule (a fixed number of epochs, as Keras' fit); momentum defaults to
 * 0.9 (scikit-learn; Keras' SGD has 0); the dropout rate is applied as a
 * 24-bit threshold (rates differ from p by < 6e-8); units_k for k > n_layers
 * are accepted and ignored (so flat search spaces need no conditions).
 * Exact equality with Keras or scikit-learn is impossible (their random
 * streams differ); tests/parity/test_mlp.py checks one optimizer step against
 * scikit-learn's own backprop and optimizers, and accuracy against MLPClassifier.
 *
 * Invariants:
 *  - Randomness is a pure function of (seed, what): the initial weights come
 *    from stream (seed, INIT), epoch e's order from (seed, SHUFFLE|e), the
 *    dropout masks of batch b of epoch e from (seed, DROPOUT|e|b); no generator
 *    runs across batches. With the Adam moments, the step count and the
 *    epochs done in the model bytes, training k epochs, saving, loading and
 *    fit_more to N gives bytes equal to training N epochs in one go.
 *  - Same seed, same data, same hyperparameters -> same bytes, whatever the
 *    thread count. OpenBLAS's own threading breaks that: its threaded sgemm
 *    driver partitions the work differently from its one-thread driver, which
 *    changes the last bits of sums (on this machine's SkylakeX kernels when
 *    the inner dimension is 784; with its Haswell and Zen kernels, as under
 *    valgrind, for nearly every shape here), and after two Fashion-MNIST
 *    epochs the test accuracy differed (0.852 vs 0.861 with 1 and 2 threads).
 *    So OpenBLAS is kept at one thread and hpo threads itself: every matrix
 *    product is cut into fixed blocks of GEMM_ROWS output rows, one sgemm
 *    call each, shared among the call's threads; the optimizer step is cut
 *    into fixed chunks. The calls, hence the bits, are the same for any
 *    thread count (tests/unit/test_mlp.c compares 1 and 2 threads).
 *  - Arithmetic is float; C17 mode turns off FMA contraction, so Debug and
 *    Release builds give the same bytes on one machine (checked); other CPUs
 *    (other OpenBLAS kernels) may differ in the last bits.
 *  - Threads: set_threads(n) (default 1) gives each fit, fit_more and predict
 *    call a pool of n - 1 threads besides the caller, started and joined
 *    within the call. openblas_set_num_threads(1) is applied (under a mutex,
 *    only when the count differs) before each call's sgemms; it is
 *    process-wide, so hpo assumes nothing else in the process raises it
 *    while an mlp fits (if something does, results stay correct but may
 *    differ in the last bits). Concurrent fits of distinct models are safe:
 *    OpenBLAS 0.3.21's pthread build allows concurrent one-thread calls, and
 *    models share no state; each fit uses its own n threads, so a caller
 *    running k fits at once should give each cores / k (the cv objective does).
 *  - The model owns copies of everything predict needs; fit and fit_more
 *    allocate all work buffers once per call, none per batch.
 *
 * Costs: per epoch about 6 n P flops (P weights), i.e. 784-256-128-10 on
 * 60000 rows ~ 70 Gflop; memory 3-4 P floats for the model and optimizer plus
 * batch_size * (d + 4 * sum(units)) floats during training. Fashion-MNIST,
 * 784-256-128-10, batch 128, on the 2-core reference machine: see
 * tests/cli/mlp_fashion.sh for the measured seconds per epoch.
 */
#include "core/rng.h"
#include "ml/estimator.h"
#include "util/util.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#define MAX_LAYERS 8
#define MAX_UNITS 4096
#define MAX_EPOCHS 1000000LL /* < 2^28: epochs fit their bits of a stream number */
#define PREDICT_ROWS 256
#define GEMM_ROWS 64            /* rows of C per sgemm call, see gemm() */
#define UPDATE_CHUNK 65536      /* parameters per task of the optimizer step */
#define MODEL_MAGIC 0x504c4d68u /* "hMLP" */
#define MODEL_VERSION 1u

enum { ACT_RELU = 0, ACT_TANH = 1 };
enum { OPT_ADAM = 0, OPT_SGD = 1 };
enum { STREAM_INIT = 1, STREAM_SHUFFLE = 2, STREAM_DROPOUT = 3 };

typedef struct mlp {
    /* hyperparameters */
    hpo__task task;
    size_t n_layers; /* hidden layers */
    size_t units[MAX_LAYERS];
    int act, opt;
    double dropout, lr, momentum, beta_1, beta_2, epsilon, alpha;
    size_t batch;
    long long epochs;
    uint64_t seed;
    int threads;
    /* the fitted model (d == 0: not fitted) */
    size_t d, n_classes, n_out;
    size_t size[MAX_LAYERS + 2]; /* layer widths: size[0] = d, size[n_layers + 1] = n_out */
    size_t woff[MAX_LAYERS + 1], boff[MAX_LAYERS + 1]; /* layer l's W, b in p */
    size_t n_params;
    float *p;       /* parameters: W_l (size[l] x size[l+1], row-major), then b_l */
    float *s1, *s2; /* optimizer state: adam m and v; sgd velocity in s1 */
    uint64_t step;  /* optimizer steps taken */
    long long done; /* epochs trained */
} mlp;

static mlp *as_mlp(hpo__estimator *e)
{
    return (mlp *)(void *)e;
}

static const hpo__hyper hypers[] = {
    {"n_layers", "int", "2", "hidden layers, 1..8"},
    {"units", "int", "128", "units of every hidden layer, 1..4096"},
    {"units_1", "int", "units", "units of hidden layer 1 (overrides units)"},
    {"units_2", "int", "units", "units of hidden layer 2 (ignored beyond n_layers)"},
    {"units_3", "int", "units", "units of hidden layer 3"},
    {"units_4", "int", "units", "units of hidden layer 4"},
    {"units_5", "int", "units", "units of hidden layer 5"},
    {"units_6", "int", "units", "units of hidden layer 6"},
    {"units_7", "int", "units", "units of hidden layer 7"},
    {"units_8", "int", "units", "units of hidden layer 8"},
    {"activation", "string", "relu", "hidden activation: relu or tanh"},
    {"dropout", "float", "0.0", "dropout rate after each hidden layer, in [0, 1)"},
    {"optimizer", "string", "adam", "adam or sgd (momentum, not nesterov)"},
    {"learning_rate", "float", "0.001", "step size, > 0"},
    {"momentum", "float", "0.9", "sgd momentum, in [0, 1)"},
    {"beta_1", "float", "0.9", "adam: decay of the first moment, in [0, 1)"},
    {"beta_2", "float", "0.999", "adam: decay of the second moment, in [0, 1)"},
    {"epsilon", "float", "1e-07", "adam: added to sqrt(v) (Keras' default), > 0"},
    {"batch_size", "int", "128", "rows per gradient step"},
    {"alpha", "float", "0.0001", "L2 penalty: alpha * W / rows added to the gradient"},
    {"epochs", "int", "10", "passes over the data (the resource for fit_more)"},
    {NULL, NULL, NULL, NULL}};

static const char *const act_names[] = {"relu", "tanh", NULL};
static const char *const opt_names[] = {"adam", "sgd", NULL};

static void mlp_destroy(hpo__estimator *e)
{
    mlp *m = as_mlp(e);
    if (!m)
        return;
    hpo__free(m->p);
    hpo__free(m->s1);
    hpo__free(m->s2);
    hpo__free(m);
}

static int mlp_create(hpo__estimator **out, hpo__task task, const hpo__params *hp, uint64_t seed)
{
    long long nl, units, lu[MAX_LAYERS], batch, epochs;
    size_t act, opt;
    double dropout, lr, momentum, b1, b2, eps, alpha;
    int rc;
    if (!out)
        return hpo__err(HPO_EINVAL, "mlp: no output");
    *out = NULL;
    if (task != HPO__TASK_CLASSIFICATION && task != HPO__TASK_REGRESSION)
        return hpo__err(HPO_EINVAL, "mlp: the task must be classification or regression");
    if ((rc = hpo__hp_check_names("mlp", hp, hypers)) != 0 ||
        (rc = hpo__hp_int("mlp", hp, "n_layers", 2, 1, MAX_LAYERS, &nl)) != 0 ||
        (rc = hpo__hp_int("mlp", hp, "units", 128, 1, MAX_UNITS, &units)) != 0)
        return rc;
    for (int l = 0; l < MAX_LAYERS; l++) {
        char name[16] = "units_";
        name[6] = (char)('1' + l);
        name[7] = '\0';
        if ((rc = hpo__hp_int("mlp", hp, name, units, 1, MAX_UNITS, &lu[l])) != 0)
            return rc;
    }
    if ((rc = hpo__hp_choice("mlp", hp, "activation", act_names, ACT_RELU, &act)) != 0 ||
        (rc = hpo__hp_float("mlp", hp, "dropout", 0.0, 0.0, 1.0, HPO__HP_OPEN_HIGH, &dropout)) !=
            0 ||
        (rc = hpo__hp_choice("mlp", hp, "optimizer", opt_names, OPT_ADAM, &opt)) != 0 ||
        (rc = hpo__hp_float("mlp", hp, "learning_rate", 1e-3, 0.0, (double)INFINITY,
                            HPO__HP_OPEN_LOW, &lr)) != 0 ||
        (rc = hpo__hp_float("mlp", hp, "momentum", 0.9, 0.0, 1.0, HPO__HP_OPEN_HIGH, &momentum)) !=
            0 ||
        (rc = hpo__hp_float("mlp", hp, "beta_1", 0.9, 0.0, 1.0, HPO__HP_OPEN_HIGH, &b1)) != 0 ||
        (rc = hpo__hp_float("mlp", hp, "beta_2", 0.999, 0.0, 1.0, HPO__HP_OPEN_HIGH, &b2)) != 0 ||
        (rc = hpo__hp_float("mlp", hp, "epsilon", 1e-7, 0.0, (double)INFINITY, HPO__HP_OPEN_LOW,
                            &eps)) != 0 ||
        (rc = hpo__hp_int("mlp", hp, "batch_size", 128, 1, LLONG_MAX, &batch)) != 0 ||
        (rc = hpo__hp_float("mlp", hp, "alpha", 1e-4, 0.0, (double)INFINITY, 0, &alpha)) != 0 ||
        (rc = hpo__hp_int("mlp", hp, "epochs", 10, 1, MAX_EPOCHS, &epochs)) != 0)
        return rc;
    mlp *m = hpo__calloc(1, sizeof *m);
    if (!m)
        return hpo__enomem();
    m->task = task;
    m->n_layers = (size_t)nl;
    for (size_t l = 0; l < m->n_layers; l++)
        m->units[l] = (size_t)lu[l];
    m->act = (int)act;
    m->opt = (int)opt;
    m->dropout = dropout;
    m->lr = lr;
    m->momentum = momentum;
    m->beta_1 = b1;
    m->beta_2 = b2;
    m->epsilon = eps;
    m->alpha = alpha;
    m->batch = (size_t)batch;
    m->epochs = epochs;
    m->seed = seed;
    m->threads = 1;
    *out = (hpo__estimator *)(void *)m;
    return 0;
}

static int mlp_set_threads(hpo__estimator *e, int threads)
{
    if (!e || threads < 1 || threads > 1024)
        return hpo__err(HPO_EINVAL, "mlp: threads must be in [1, 1024], got %d", threads);
    as_mlp(e)->threads = threads;
    return 0;
}

/* OpenBLAS's thread count is process-wide: every sgemm here runs on the
 * calling thread (count 1, set under a lock, only when it differs), and hpo
 * splits the work among its own threads. */
static pthread_mutex_t blas_lock = PTHREAD_MUTEX_INITIALIZER;

static void blas_one_thread(void)
{
    pthread_mutex_lock(&blas_lock);
    if (openblas_get_num_threads() != 1)
        openblas_set_num_threads(1);
    pthread_mutex_unlock(&blas_lock);
}

/* ---- a pool of threads for one fit or predict call. pool_run(fn, n) calls
 * fn(ctx, t) for t < n, task t on member t % members (the caller is member 0)
 * and returns when all are done. Each task writes its own outputs, so results
 * do not depend on the number of members. */
typedef void (*task_fn)(void *ctx, size_t t);

typedef struct pool pool;
typedef struct member {
    pool *p;
    size_t id;
} member;

struct pool {
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    pthread_t *th;
    member *mem;
    size_t n_workers; /* started threads besides the caller */
    uint64_t gen;     /* job number */
    size_t pending;   /* workers still on the current job */
    int quit, ready;  /* ready: the mutex and conditions are initialised */
    task_fn fn;
    void *ctx;
    size_t n_tasks;
};

static void *pool_main(void *arg)
{
    member *me = arg;
    pool *p = me->p;
    uint64_t seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->quit && p->gen == seen)
            pthread_cond_wait(&p->go, &p->mu);
        if (p->quit)
            break;
        seen = p->gen;
        task_fn fn = p->fn;
        void *ctx = p->ctx;
        size_t n = p->n_tasks, step = p->n_workers + 1;
        pthread_mutex_unlock(&p->mu);
        for (size_t t = me->id; t < n; t += step)
            fn(ctx, t);
        pthread_mutex_lock(&p->mu);
        if (--p->pending == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void pool_run(pool *p, task_fn fn, void *ctx, size_t n)
{
    if (!p || p->n_workers == 0 || n <= 1) {
        for (size_t t = 0; t < n; t++)
            fn(ctx, t);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->ctx = ctx;
    p->n_tasks = n;
    p->pending = p->n_workers;
    p->gen++;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    for (size_t t = 0; t < n; t += p->n_workers + 1)
        fn(ctx, t);
    pthread_mutex_lock(&p->mu);
    while (p->pending)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

/* Stop and join the workers; NULL and a pool that never started are fine. */
static void pool_stop(pool *p)
{
    if (!p)
        return;
    if (p->ready) {
        pthread_mutex_lock(&p->mu);
        p->quit = 1;
        pthread_cond_broadcast(&p->go);
        pthread_mutex_unlock(&p->mu);
        for (size_t i = 0; i < p->n_workers; i++)
            pthread_join(p->th[i], NULL);
        pthread_cond_destroy(&p->go);
        pthread_cond_destroy(&p->done);
        pthread_mutex_destroy(&p->mu);
    }
    hpo__free(p->th);
    hpo__free(p->mem);
    memset(p, 0, sizeof *p);
}

/* Up to threads - 1 workers (fewer if the system refuses some: results are
 * the same, only slower). HPO_ENOMEM when the arrays cannot be allocated. */
static int pool_start(pool *p, int threads)
{
    memset(p, 0, sizeof *p);
    if (threads <= 1)
        return 0;
    size_t want = (size_t)threads - 1;
    p->th = hpo__calloc(want, sizeof *p->th);
    p->mem = hpo__calloc(want, sizeof *p->mem);
    if (!p->th || !p->mem) {
        pool_stop(p);
        return hpo__enomem();
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->go, NULL);
    pthread_cond_init(&p->done, NULL);
    p->ready = 1;
    for (size_t i = 0; i < want; i++) {
        p->mem[i].p = p;
        p->mem[i].id = i + 1;
        if (pthread_create(&p->th[i], NULL, pool_main, &p->mem[i]) != 0)
            break;
        p->n_workers++;
    }
    return 0;
}

/* ---- architecture */

/* Layer widths and parameter offsets for d inputs and n_out outputs into
 * `size`, `woff`, `boff`, *n_params; HPO_EINVAL when too large. */
static int layout(const mlp *m, size_t d, size_t n_out, size_t *size, size_t *woff, size_t *boff,
                  size_t *n_params)
{
    size_t L = m->n_layers, total = 0;
    if (d == 0 || d > (size_t)INT_MAX / 2)
        return hpo__err(HPO_EINVAL, "mlp: %zu features is out of range", d);
    size[0] = d;
    for (size_t l = 0; l < L; l++)
        size[l + 1] = m->units[l];
    size[L + 1] = n_out;
    for (size_t l = 0; l <= L; l++) {
        size_t w = size[l] * size[l + 1]; /* < 2^31 * 2^12: no overflow in 64 bits */
        if (size[l] > SIZE_MAX / (size[l + 1] + 1) || w > (SIZE_MAX / 16) - total - size[l + 1])
            return hpo__err(HPO_EINVAL, "mlp: the network is too large");
        woff[l] = total;
        boff[l] = total + w;
        total += w + size[l + 1];
    }
    if (total > (size_t)1 << 32)
        return hpo__err(HPO_EINVAL, "mlp: the network has too many parameters (%zu)", total);
    *n_params = total;
    return 0;
}

/* ---- work space of one fit or predict call */

typedef struct work {
    size_t rows;               /* capacity in rows */
    float *a[MAX_LAYERS + 2];  /* layer inputs/outputs: a[0] the batch, a[L+1] the output */
    float *h[MAX_LAYERS + 1];  /* hidden activations before dropout (== a[l] without it) */
    float *mk[MAX_LAYERS + 1]; /* dropout scale per unit (0 or 1/(1-p)); NULL without */
    float *g, *dz, *da;        /* training: gradients, two back-propagated buffers */
    size_t *perm;              /* training: the epoch's order */
    pool pool;                 /* this call's threads */
} work;

static void work_free(work *w, size_t L)
{
    for (size_t l = 0; l <= L + 1; l++) {
        if (l >= 1 && l <= L && w->a[l] != w->h[l])
            hpo__free(w->h[l]);
        hpo__free(w->a[l]);
        if (l <= L)
            hpo__free(w->mk[l]);
    }
    hpo__free(w->g);
    hpo__free(w->dz);
    hpo__free(w->da);
    hpo__free(w->perm);
    pool_stop(&w->pool);
    memset(w, 0, sizeof *w);
}

/* Buffers for `rows` rows; for training (n > 0 rows of data) also gradients,
 * dropout masks and the order. */
static int work_alloc(const mlp *m, work *w, size_t rows, size_t n)
{
    size_t L = m->n_layers, widest = 0;
    int drop = n > 0 && m->dropout > 0.0;
    memset(w, 0, sizeof *w);
    w->rows = rows;
    for (size_t l = 0; l <= L + 1; l++)
        widest = m->size[l] > widest ? m->size[l] : widest;
    int bad = 0;
    for (size_t l = 0; l <= L + 1; l++) {
        w->a[l] = hpo__malloc(rows * m->size[l] * sizeof(float));
        bad |= !w->a[l];
        if (l >= 1 && l <= L) {
            w->h[l] = drop ? hpo__malloc(rows * m->size[l] * sizeof(float)) : w->a[l];
            w->mk[l] = drop ? hpo__malloc(rows * m->size[l] * sizeof(float)) : NULL;
            bad |= !w->h[l] || (drop && !w->mk[l]);
        }
    }
    if (n > 0) {
        w->g = hpo__calloc(m->n_params, sizeof(float));
        w->dz = hpo__calloc(rows * widest, sizeof(float));
        w->da = hpo__calloc(rows * widest, sizeof(float));
        w->perm = hpo__malloc(n * sizeof *w->perm);
        bad |= !w->g || !w->dz || !w->da || !w->perm;
    }
    if (bad) {
        work_free(w, L);
        return hpo__enomem();
    }
    int rc = pool_start(&w->pool, m->threads);
    if (rc)
        work_free(w, L);
    return rc;
}

/* ---- the network */

static uint64_t stream_of(unsigned kind, uint64_t epoch, uint64_t batch)
{
    return ((uint64_t)kind << 60) ^ (epoch << 32) ^ batch;
}

/* C (M x N) = beta C + op(A) op(B), op(A) M x K, op(B) K x N, all dense
 * row-major (A is K x M when ta, B is N x K when tb), as one sgemm call per
 * block of GEMM_ROWS rows of C, spread over the pool. OpenBLAS's own threads
 * are not used: its threaded driver splits M and N, and partly K, differently
 * from its one-thread driver, which changes the last bits of the sums (on
 * this machine for K = 784; with its Haswell/Zen kernels for any size), so
 * model bytes would depend on the thread count. Blocks of a fixed size give
 * the same calls, hence the same bits, for any number of threads. */
typedef struct gemm_job {
    int ta, tb;
    size_t M, N, K;
    const float *A, *B;
    float beta;
    float *C;
} gemm_job;

static void gemm_task(void *ctx, size_t t)
{
    const gemm_job *g = ctx;
    size_t r0 = t * GEMM_ROWS, rows = g->M - r0 < GEMM_ROWS ? g->M - r0 : GEMM_ROWS;
    const float *a = g->ta ? g->A + r0 : g->A + r0 * g->K;
    cblas_sgemm(CblasRowMajor, g->ta ? CblasTrans : CblasNoTrans, g->tb ? CblasTrans : CblasNoTrans,
                (blasint)rows, (blasint)g->N, (blasint)g->K, 1.0f, a,
                (blasint)(g->ta ? g->M : g->K), g->B, (blasint)(g->tb ? g->K : g->N), g->beta,
                g->C + r0 * g->N, (blasint)g->N);
}

static void gemm(pool *p, int ta, int tb, size_t M, size_t N, size_t K, const float *A,
                 const float *B, float beta, float *C)
{
    gemm_job g = {ta, tb, M, N, K, A, B, beta, C};
    pool_run(p, gemm_task, &g, (M + GEMM_ROWS - 1) / GEMM_ROWS);
}

/* Forward pass of w->a[0] (rows x d) to w->a[L+1]; dropout masks drawn from
 * `drop` when not NULL. Outputs are logits (softmax applied by the caller). */
static void forward(const mlp *m, work *w, size_t rows, hpo__rng *drop)
{
    size_t L = m->n_layers;
    for (size_t l = 0; l <= L; l++) {
        size_t fi = m->size[l], fo = m->size[l + 1];
        const float *W = m->p + m->woff[l], *b = m->p + m->boff[l];
        float *z = l < L ? w->h[l + 1] : w->a[L + 1];
        for (size_t r = 0; r < rows; r++)
            memcpy(z + r * fo, b, fo * sizeof *z);
        gemm(&w->pool, 0, 0, rows, fo, fi, w->a[l], W, 1.0f, z);
        if (l == L)
            break;
        size_t k = rows * fo;
        if (m->act == ACT_RELU) {
            for (size_t i = 0; i < k; i++)
                z[i] = z[i] > 0.0f ? z[i] : 0.0f;
        } else {
            for (size_t i = 0; i < k; i++)
                z[i] = tanhf(z[i]);
        }
        if (drop) {
            /* keep when a 24-bit uniform is >= p * 2^24 */
            uint64_t cut = (uint64_t)(m->dropout * 16777216.0);
            float scale = (float)(1.0 / (1.0 - m->dropout));
            float *mk = w->mk[l + 1], *a = w->a[l + 1];
            for (size_t i = 0; i < k; i++) {
                mk[i] = (hpo__rng_next(drop) >> 40) >= cut ? scale : 0.0f;
                a[i] = z[i] * mk[i];
            }
        }
    }
}

/* Softmax of each row of z (rows x c) in place. */
static void softmax(float *z, size_t rows, size_t c)
{
    for (size_t r = 0; r < rows; r++) {
        float *v = z + r * c, mx = v[0], s = 0.0f;
        for (size_t j = 1; j < c; j++)
            mx = v[j] > mx ? v[j] : mx;
        for (size_t j = 0; j < c; j++) {
            v[j] = expf(v[j] - mx);
            s += v[j];
        }
        for (size_t j = 0; j < c; j++)
            v[j] /= s;
    }
}

/* Gradients into w->g from the output gradient in w->dz (rows x n_out). */
static void backward(const mlp *m, work *w, size_t rows)
{
    size_t L = m->n_layers;
    float *dz = w->dz, *da = w->da;
    float decay = (float)(m->alpha / (double)rows);
    for (size_t l = L + 1; l-- > 0;) {
        size_t fi = m->size[l], fo = m->size[l + 1];
        const float *W = m->p + m->woff[l];
        float *gw = w->g + m->woff[l], *gb = w->g + m->boff[l];
        gemm(&w->pool, 1, 0, fi, fo, rows, w->a[l], dz, 0.0f, gw);
        if (decay > 0.0f)
            for (size_t i = 0; i < fi * fo; i++)
                gw[i] += decay * W[i];
        memset(gb, 0, fo * sizeof *gb);
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < fo; j++)
                gb[j] += dz[r * fo + j];
        if (l == 0)
            break;
        gemm(&w->pool, 0, 1, rows, fi, fo, dz, W, 0.0f, da);
        const float *h = w->h[l], *mk = w->mk[l];
        size_t k = rows * fi;
        if (mk)
            for (size_t i = 0; i < k; i++)
                da[i] *= mk[i];
        if (m->act == ACT_RELU) {
            for (size_t i = 0; i < k; i++)
                da[i] = h[i] > 0.0f ? da[i] : 0.0f;
        } else {
            for (size_t i = 0; i < k; i++)
                da[i] *= 1.0f - h[i] * h[i];
        }
        float *t = dz;
        dz = da;
        da = t;
    }
}

/* sqrtf can set errno (never here: v >= 0), which keeps GCC from vectorising
 * the Adam loop; vector and scalar square roots round alike, so results are
 * unchanged. */
#if defined(__GNUC__) && !defined(__clang__)
#define NO_MATH_ERRNO __attribute__((optimize("no-math-errno")))
#else
#define NO_MATH_ERRNO
#endif

typedef struct update_job {
    const float *g;
    float *p, *s1, *s2;
    size_t n;
    int adam;
    float lrt, b1, b2, c1, c2, eps; /* adam; sgd: lrt = learning rate, b1 = momentum */
} update_job;

NO_MATH_ERRNO static void update_task(void *ctx, size_t t)
{
    const update_job *u = ctx;
    size_t i0 = t * UPDATE_CHUNK, i1 = u->n - i0 < UPDATE_CHUNK ? u->n : i0 + UPDATE_CHUNK;
    const float *g = u->g;
    float *p = u->p, *s1 = u->s1, *s2 = u->s2;
    if (u->adam) {
        const float lrt = u->lrt, b1 = u->b1, b2 = u->b2, c1 = u->c1, c2 = u->c2, eps = u->eps;
        for (size_t i = i0; i < i1; i++) {
            s1[i] = b1 * s1[i] + c1 * g[i];
            s2[i] = b2 * s2[i] + c2 * g[i] * g[i];
            p[i] -= lrt * s1[i] / (sqrtf(s2[i]) + eps);
        }
    } else {
        const float mu = u->b1, lr = u->lrt;
        for (size_t i = i0; i < i1; i++) {
            s1[i] = mu * s1[i] - lr * g[i];
            p[i] += s1[i];
        }
    }
}

/* One optimizer step with the gradients g, elementwise over the pool. */
static void update(mlp *m, pool *pl, const float *g)
{
    update_job u = {g, m->p, m->s1, m->s2, m->n_params, m->opt == OPT_ADAM, 0, 0, 0, 0, 0, 0};
    m->step++;
    if (u.adam) {
        double t = (double)m->step;
        u.lrt = (float)(m->lr * sqrt(1.0 - pow(m->beta_2, t)) / (1.0 - pow(m->beta_1, t)));
        u.b1 = (float)m->beta_1;
        u.b2 = (float)m->beta_2;
        u.c1 = (float)(1.0 - m->beta_1);
        u.c2 = (float)(1.0 - m->beta_2);
        u.eps = (float)m->epsilon;
    } else {
        u.lrt = (float)m->lr;
        u.b1 = (float)m->momentum;
    }
    pool_run(pl, update_task, &u, (u.n + UPDATE_CHUNK - 1) / UPDATE_CHUNK);
}

/* Train from m->done to `to` epochs on checked data with buffers from
 * work_alloc; cannot fail. */
static void train(mlp *m, work *w, const double *X, const double *y, size_t n, long long to)
{
    size_t B = w->rows, d = m->d, c = m->n_out;
    size_t n_batches = (n + B - 1) / B;
    blas_one_thread();
    for (long long ep = m->done; ep < to; ep++) {
        hpo__rng rng;
        hpo__rng_seed(&rng, m->seed, stream_of(STREAM_SHUFFLE, (uint64_t)ep, 0));
        for (size_t i = 0; i < n; i++)
            w->perm[i] = i;
        for (size_t i = n; i-- > 1;) {
            size_t j = (size_t)hpo__rng_below(&rng, (uint64_t)i + 1), t = w->perm[i];
            w->perm[i] = w->perm[j];
            w->perm[j] = t;
        }
        for (size_t bi = 0; bi < n_batches; bi++) {
            size_t r0 = bi * B, rows = n - r0 < B ? n - r0 : B;
            const size_t *idx = w->perm + r0;
            for (size_t r = 0; r < rows; r++) {
                const double *x = X + idx[r] * d;
                float *a = w->a[0] + r * d;
                for (size_t j = 0; j < d; j++)
                    a[j] = (float)x[j];
            }
            hpo__rng drop;
            if (m->dropout > 0.0)
                hpo__rng_seed(&drop, m->seed, stream_of(STREAM_DROPOUT, (uint64_t)ep, bi));
            forward(m, w, rows, m->dropout > 0.0 ? &drop : NULL);
            float *out = w->a[m->n_layers + 1], inv = (float)(1.0 / (double)rows);
            if (m->task == HPO__TASK_CLASSIFICATION) {
                softmax(out, rows, c);
                for (size_t r = 0; r < rows; r++) {
                    size_t cls = (size_t)y[idx[r]];
                    for (size_t j = 0; j < c; j++)
                        w->dz[r * c + j] = (out[r * c + j] - (j == cls ? 1.0f : 0.0f)) * inv;
                }
            } else {
                for (size_t r = 0; r < rows; r++)
                    w->dz[r] = (out[r] - (float)y[idx[r]]) * inv;
            }
            backward(m, w, rows);
            update(m, &w->pool, w->g);
        }
    }
    m->done = to;
}

/* ---- fit */

static int check_data(const mlp *m, const double *X, const double *y, size_t n, size_t d,
                      size_t n_classes)
{
    if (!m || !X || !y)
        return hpo__err(HPO_EINVAL, "mlp: fit needs a model, X and y");
    if (n == 0 || d == 0)
        return hpo__err(HPO_EINVAL,
                        "mlp: fit needs at least one row and one feature, got %zu x %zu", n, d);
    if (d > SIZE_MAX / sizeof(double) / n)
        return hpo__err(HPO_EINVAL, "mlp: %zu x %zu training matrix is too large", n, d);
    if (n > INT_MAX)
        return hpo__err(HPO_EINVAL, "mlp: %zu rows is too many (at most %d)", n, INT_MAX);
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(X[i]))
            return hpo__err(HPO_EINVAL, "mlp: X contains NaN or infinity (row %zu, column %zu)",
                            i / d, i % d);
    if (m->task == HPO__TASK_CLASSIFICATION) {
        if (n_classes == 0 || n_classes > INT_MAX)
            return hpo__err(HPO_EINVAL, "mlp: classification needs n_classes >= 1");
        for (size_t i = 0; i < n; i++)
            if (!(y[i] >= 0.0 && y[i] < (double)n_classes && y[i] == floor(y[i])))
                return hpo__err(HPO_EINVAL, "mlp: y[%zu] is not a class index below %zu", i,
                                n_classes);
    } else {
        for (size_t i = 0; i < n; i++)
            if (!isfinite(y[i]))
                return hpo__err(HPO_EINVAL, "mlp: y contains NaN or infinity (row %zu)", i);
    }
    return 0;
}

/* Glorot-uniform weights, zero biases, zero optimizer state. */
static void init_params(mlp *m)
{
    hpo__rng rng;
    hpo__rng_seed(&rng, m->seed, stream_of(STREAM_INIT, 0, 0));
    for (size_t l = 0; l <= m->n_layers; l++) {
        size_t fi = m->size[l], fo = m->size[l + 1];
        double lim = sqrt(6.0 / (double)(fi + fo));
        float *W = m->p + m->woff[l];
        for (size_t i = 0; i < fi * fo; i++)
            W[i] = (float)((2.0 * hpo__rng_uniform(&rng) - 1.0) * lim);
        memset(m->p + m->boff[l], 0, fo * sizeof(float));
    }
    memset(m->s1, 0, m->n_params * sizeof(float));
    if (m->s2)
        memset(m->s2, 0, m->n_params * sizeof(float));
    m->step = 0;
    m->done = 0;
}

/* Replace the model's arrays by fresh ones for (d, n_classes); the old model
 * stays on failure. */
static int new_model(mlp *m, size_t d, size_t n_classes)
{
    size_t size[MAX_LAYERS + 2], woff[MAX_LAYERS + 1], boff[MAX_LAYERS + 1], P;
    size_t n_out = m->task == HPO__TASK_CLASSIFICATION ? n_classes : 1;
    int rc = layout(m, d, n_out, size, woff, boff, &P);
    if (rc)
        return rc;
    float *p = hpo__malloc(P * sizeof *p), *s1 = hpo__malloc(P * sizeof *s1);
    float *s2 = m->opt == OPT_ADAM ? hpo__malloc(P * sizeof *s2) : NULL;
    if (!p || !s1 || (m->opt == OPT_ADAM && !s2)) {
        hpo__free(p);
        hpo__free(s1);
        hpo__free(s2);
        return hpo__enomem();
    }
    hpo__free(m->p);
    hpo__free(m->s1);
    hpo__free(m->s2);
    m->p = p;
    m->s1 = s1;
    m->s2 = s2;
    memcpy(m->size, size, sizeof size);
    memcpy(m->woff, woff, sizeof woff);
    memcpy(m->boff, boff, sizeof boff);
    m->n_params = P;
    m->d = d;
    m->n_out = n_out;
    m->n_classes = m->task == HPO__TASK_CLASSIFICATION ? n_classes : 0;
    return 0;
}

static int mlp_fit(hpo__estimator *e, const double *X, const double *y, size_t n, size_t d,
                   size_t n_classes)
{
    mlp *m = as_mlp(e);
    work w;
    int rc = check_data(m, X, y, n, d, n_classes);
    if (rc)
        return rc;
    if ((rc = new_model(m, d, n_classes)) != 0)
        return rc;
    if ((rc = work_alloc(m, &w, m->batch < n ? m->batch : n, n)) != 0) {
        m->d = 0; /* unfitted */
        return rc;
    }
    init_params(m);
    train(m, &w, X, y, n, m->epochs);
    work_free(&w, m->n_layers);
    return 0;
}

static int mlp_fit_more(hpo__estimator *e, const double *X, const double *y, size_t n, size_t d,
                        size_t n_classes, long long resource)
{
    mlp *m = as_mlp(e);
    work w;
    int rc = check_data(m, X, y, n, d, n_classes);
    if (rc)
        return rc;
    if (m->d == 0)
        return hpo__err(HPO_EINVAL, "mlp: fit_more before fit or load");
    if (d != m->d || (m->task == HPO__TASK_CLASSIFICATION && n_classes != m->n_classes))
        return hpo__err(HPO_EINVAL,
                        "mlp: fit_more on %zu features and %zu classes, the model has %zu and %zu",
                        d, n_classes, m->d, m->n_classes);
    if (resource < m->done || resource > MAX_EPOCHS)
        return hpo__err(HPO_EINVAL, "mlp: cannot continue from %lld epochs to %lld", m->done,
                        resource);
    if (resource == m->done)
        return 0;
    if ((rc = work_alloc(m, &w, m->batch < n ? m->batch : n, n)) != 0)
        return rc;
    train(m, &w, X, y, n, resource);
    work_free(&w, m->n_layers);
    return 0;
}

/* ---- predict */

/* Class indices, probabilities (proba) or values for nq checked rows, in
 * chunks of PREDICT_ROWS. */
static int run_rows(const mlp *m, const double *X, size_t nq, double *out, int proba)
{
    work w;
    size_t L = m->n_layers, d = m->d, c = m->n_out;
    size_t cap = nq < PREDICT_ROWS ? nq : PREDICT_ROWS;
    int rc = work_alloc(m, &w, cap, 0);
    if (rc)
        return rc;
    blas_one_thread();
    for (size_t r0 = 0; r0 < nq; r0 += cap) {
        size_t rows = nq - r0 < cap ? nq - r0 : cap;
        for (size_t i = 0; i < rows * d; i++)
            w.a[0][i] = (float)X[r0 * d + i];
        forward(m, &w, rows, NULL);
        float *o = w.a[L + 1];
        if (m->task == HPO__TASK_REGRESSION) {
            for (size_t r = 0; r < rows; r++)
                out[r0 + r] = (double)o[r];
            continue;
        }
        softmax(o, rows, c);
        for (size_t r = 0; r < rows; r++) {
            const float *v = o + r * c;
            if (proba) {
                for (size_t j = 0; j < c; j++)
                    out[(r0 + r) * c + j] = (double)v[j];
                continue;
            }
            size_t best = 0;
            for (size_t j = 1; j < c; j++)
                if (v[j] > v[best])
                    best = j;
            out[r0 + r] = (double)best;
        }
    }
    work_free(&w, L);
    return 0;
}

static int check_predict(const mlp *m, const double *X, size_t nq, const double *out)
{
    if (!m || ((!X || !out) && nq))
        return hpo__err(HPO_EINVAL, "mlp: predict needs a model, X and output");
    if (m->d == 0)
        return hpo__err(HPO_EINVAL, "mlp: predict before fit");
    for (size_t i = 0; i < nq * m->d; i++)
        if (!isfinite(X[i]))
            return hpo__err(HPO_EINVAL, "mlp: X contains NaN or infinity (row %zu, column %zu)",
                            i / m->d, i % m->d);
    return 0;
}

static int mlp_predict(hpo__estimator *e, const double *X, size_t nq, double *out)
{
    mlp *m = as_mlp(e);
    int rc = check_predict(m, X, nq, out);
    if (rc || nq == 0)
        return rc;
    return run_rows(m, X, nq, out, 0);
}

static int mlp_predict_proba(hpo__estimator *e, const double *X, size_t nq, double *out)
{
    mlp *m = as_mlp(e);
    if (m && m->task != HPO__TASK_CLASSIFICATION)
        return hpo__err(HPO_EINVAL, "mlp: predict_proba needs a classification task");
    int rc = check_predict(m, X, nq, out);
    if (rc || nq == 0)
        return rc;
    return run_rows(m, X, nq, out, 1);
}

/* ---- model bytes: magic, version, task, n_layers, activation, optimizer (u32);
 * the layer widths, n_classes, seed, epochs done, optimizer steps (u64); the
 * parameters, then adam's m and v or sgd's velocity (f32). Nothing follows. */
static int mlp_save(hpo__estimator *e, hpo__buf *out)
{
    mlp *m = as_mlp(e);
    if (!m || m->d == 0)
        return hpo__err(HPO_EINVAL, "mlp: save before fit");
    int bad = hpo__ser_u32(out, MODEL_MAGIC) || hpo__ser_u32(out, MODEL_VERSION) ||
              hpo__ser_u32(out, (uint32_t)m->task) || hpo__ser_u32(out, (uint32_t)m->n_layers) ||
              hpo__ser_u32(out, (uint32_t)m->act) || hpo__ser_u32(out, (uint32_t)m->opt);
    for (size_t l = 0; l <= m->n_layers + 1; l++)
        bad = bad || hpo__ser_u64(out, m->size[l]);
    bad = bad || hpo__ser_u64(out, m->n_classes) || hpo__ser_u64(out, m->seed) ||
          hpo__ser_u64(out, (uint64_t)m->done) || hpo__ser_u64(out, m->step) ||
          hpo__ser_f32s(out, m->p, m->n_params) || hpo__ser_f32s(out, m->s1, m->n_params) ||
          (m->s2 && hpo__ser_f32s(out, m->s2, m->n_params));
    return bad ? hpo__enomem() : 0;
}

static int all_finite(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

static int mlp_load(hpo__estimator *e, const void *data, size_t len)
{
    mlp *m = as_mlp(e);
    hpo__deser rd = {data, len, "mlp model"};
    uint32_t magic, version, task, nl, act, opt;
    uint64_t size[MAX_LAYERS + 2], nc, seed, done, step;
    int rc;
    if (!m || (!data && len))
        return hpo__err(HPO_EINVAL, "mlp: load needs a model and bytes");
    if ((rc = hpo__deser_u32(&rd, &magic)) != 0 || (rc = hpo__deser_u32(&rd, &version)) != 0)
        return rc;
    if (magic != MODEL_MAGIC || version != MODEL_VERSION)
        return hpo__err(HPO_ESPEC, "mlp model: not an mlp model (bad magic or version)");
    if ((rc = hpo__deser_u32(&rd, &task)) != 0 || (rc = hpo__deser_u32(&rd, &nl)) != 0 ||
        (rc = hpo__deser_u32(&rd, &act)) != 0 || (rc = hpo__deser_u32(&rd, &opt)) != 0)
        return rc;
    if (task != (uint32_t)m->task || nl != m->n_layers || act != (uint32_t)m->act ||
        opt != (uint32_t)m->opt)
        return hpo__err(HPO_ESPEC,
                        "mlp model: task, n_layers, activation or optimizer do not match the "
                        "hyperparameters");
    for (size_t l = 0; l <= m->n_layers + 1; l++)
        if ((rc = hpo__deser_u64(&rd, &size[l])) != 0)
            return rc;
    if ((rc = hpo__deser_u64(&rd, &nc)) != 0 || (rc = hpo__deser_u64(&rd, &seed)) != 0 ||
        (rc = hpo__deser_u64(&rd, &done)) != 0 || (rc = hpo__deser_u64(&rd, &step)) != 0)
        return rc;
    for (size_t l = 0; l < m->n_layers; l++)
        if (size[l + 1] != m->units[l])
            return hpo__err(HPO_ESPEC,
                            "mlp model: hidden layer %zu has %llu units, the hyperparameters "
                            "say %zu",
                            l + 1, (unsigned long long)size[l + 1], m->units[l]);
    uint64_t n_out = size[m->n_layers + 1];
    int cls = m->task == HPO__TASK_CLASSIFICATION;
    if (size[0] == 0 || size[0] > INT_MAX / 2 ||
        (cls && (nc == 0 || nc > INT_MAX || n_out != nc)) || (!cls && (nc != 0 || n_out != 1)) ||
        done < 1 || done > (uint64_t)MAX_EPOCHS)
        return hpo__err(HPO_ESPEC, "mlp model: implausible sizes or epochs");
    size_t sz[MAX_LAYERS + 2], woff[MAX_LAYERS + 1], boff[MAX_LAYERS + 1], P;
    if (layout(m, (size_t)size[0], (size_t)n_out, sz, woff, boff, &P) != 0)
        return hpo__err(HPO_ESPEC, "mlp model: implausible sizes");
    size_t arrays = m->opt == OPT_ADAM ? 3 : 2;
    if (rd.left / 4 / arrays != P || rd.left != P * 4 * arrays)
        return hpo__err(HPO_ESPEC, "mlp model: %s",
                        rd.left < P * 4 * arrays ? "truncated" : "trailing bytes");
    mlp t = *m; /* the new state, committed on success */
    t.p = t.s1 = t.s2 = NULL;
    t.d = 0;
    if ((rc = new_model(&t, (size_t)size[0], (size_t)nc)) != 0)
        return rc;
    if (hpo__deser_f32s(&rd, t.p, P) != 0 || hpo__deser_f32s(&rd, t.s1, P) != 0 ||
        (t.s2 && hpo__deser_f32s(&rd, t.s2, P) != 0) || !all_finite(t.p, P) ||
        !all_finite(t.s1, P) || (t.s2 && !all_finite(t.s2, P))) {
        hpo__free(t.p);
        hpo__free(t.s1);
        hpo__free(t.s2);
        return hpo__err(HPO_ESPEC, "mlp model: corrupt parameters (not finite)");
    }
    t.seed = seed;
    t.done = (long long)done;
    t.step = step;
    hpo__free(m->p);
    hpo__free(m->s1);
    hpo__free(m->s2);
    *m = t;
    return 0;
}

const hpo__estimator_ops hpo__mlp_ops = {
    .version = HPO__ESTIMATOR_OPS_VERSION,
    .name = "mlp",
    .tasks = 3,
    .hypers = hypers,
    .create = mlp_create,
    .destroy = mlp_destroy,
    .fit = mlp_fit,
    .predict = mlp_predict,
    .predict_proba = mlp_predict_proba,
    .save = mlp_save,
    .load = mlp_load,
    .resource_param = "epochs",
    .fit_more = mlp_fit_more,
    .set_threads = mlp_set_threads,
};
