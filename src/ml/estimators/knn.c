/*
 * knn.c -- k-nearest neighbours: scikit-learn's KNeighborsClassifier and
 * KNeighborsRegressor with algorithm='brute' (scikit-learn 1.2), by brute force.
 *
 * Reference behaviour, to the bit where it can be:
 *  - Distances: p = 2 ranks by ||x||^2 + (-2 x.y) + ||y||^2 and reports its
 *    square root (clamped at 0), as scikit-learn's EuclideanArgKmin does; p = 1
 *    the sum of |x - y|; other p >= 1 rank by sum |x - y|^p and report its p-th
 *    root. Sums run left to right; on integer-valued data (digits) every
 *    distance is exact, so neighbour sets equal scikit-learn's exactly. On
 *    other data scikit-learn's BLAS sums may differ in the last bits.
 *  - Neighbour selection and order: scikit-learn's ArgKmin pushes candidates
 *    into a fixed-size max-heap (rejecting a value >= the root), per OpenMP
 *    thread when it parallelises over the training rows ("parallel_on_Y", used
 *    when there are fewer queries than training rows), merges the thread heaps
 *    in thread order, then sorts each heap with a median-of-three quicksort
 *    that is not stable. With tied distances the chosen neighbours therefore
 *    depend on its thread count; hpo emulates that process for `threads`
 *    threads (default 1: scikit-learn under OMP_NUM_THREADS=1), including the
 *    static split of 256-row chunks among threads, so results are equal to
 *    scikit-learn's for the same thread count, ties included.
 *  - Weights: uniform, or 1/d; a query with a zero (or 1/d = inf) distance
 *    uses only those neighbours with weight 1 (scikit-learn's _get_weights).
 *  - Classification: uniform votes -> most frequent class, lowest on ties
 *    (scipy.stats.mode); distance -> weighted_mode (per class, in class order,
 *    the numpy sum of the weights; strictly greater wins). predict_proba adds
 *    weights in neighbour order and divides by the numpy sum of the row (1 when
 *    it is 0). Regression: numpy mean / weighted sum over sum of weights. numpy's
 *    sums are reproduced with its pairwise summation (blocks of 8 partial sums).
 *
 * Invariants: fit copies X and y; a model is used by one thread at a time.
 * Costs: fit O(n d); predict O(nq n d) time, O(n + threads k) memory per call;
 * digits x 5 folds takes about 0.05 s for p = 1 or 2 (pow() makes other p slower).
 */
#include "ml/estimator.h"
#include "util/util.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define CHUNK 256 /* scikit-learn's pairwise_dist_chunk_size */
#define POW_TABLE 256

enum { MANHATTAN = 1, EUCLIDEAN = 2, MINKOWSKI = 3 };

typedef struct knn {
    hpo__task task;
    size_t k;
    int distance; /* weights == 'distance' */
    int metric;
    double p;
    int threads;
    size_t n, d, n_classes;      /* n == 0: not fitted */
    double *X, *y, *norms;       /* copies; squared row norms for EUCLIDEAN */
    double pow_table[POW_TABLE]; /* MINKOWSKI: pow(i, p) */
} knn;

static knn *as_knn(hpo__estimator *e)
{
    return (knn *)(void *)e;
}

static const hpo__hyper hypers[] = {
    {"n_neighbors", "int", "5", "number of neighbours that vote"},
    {"weights", "string", "uniform",
     "uniform: equal votes; distance: votes weighted by 1/distance"},
    {"p", "float", "2", "Minkowski power: 1 manhattan, 2 euclidean"},
    {NULL, NULL, NULL, NULL}};

static const char *const weight_names[] = {"uniform", "distance", NULL};

static void knn_destroy(hpo__estimator *e)
{
    knn *m = as_knn(e);
    if (!m)
        return;
    hpo__free(m->X);
    hpo__free(m->y);
    hpo__free(m->norms);
    hpo__free(m);
}

static int knn_create(hpo__estimator **out, hpo__task task, const hpo__params *hp, uint64_t seed)
{
    (void)seed; /* deterministic */
    long long k;
    size_t w;
    double p;
    int rc;
    if (!out)
        return hpo__err(HPO_EINVAL, "knn: no output");
    *out = NULL;
    if (task != HPO__TASK_CLASSIFICATION && task != HPO__TASK_REGRESSION)
        return hpo__err(HPO_EINVAL, "knn: the task must be classification or regression");
    if ((rc = hpo__hp_check_names("knn", hp, hypers)) != 0 ||
        (rc = hpo__hp_int("knn", hp, "n_neighbors", 5, 1, LLONG_MAX, &k)) != 0 ||
        (rc = hpo__hp_choice("knn", hp, "weights", weight_names, 0, &w)) != 0 ||
        (rc = hpo__hp_float("knn", hp, "p", 2.0, 1.0, INFINITY, 0, &p)) != 0)
        return rc;
    if ((unsigned long long)k > SIZE_MAX / 4)
        return hpo__err(HPO_EINVAL, "knn: n_neighbors is too large, got %lld", k);
    knn *m = hpo__calloc(1, sizeof *m);
    if (!m)
        return hpo__enomem();
    m->task = task;
    m->k = (size_t)k;
    m->distance = w == 1;
    m->p = p;
    m->metric = p == 1.0 ? MANHATTAN : p == 2.0 ? EUCLIDEAN : MINKOWSKI;
    m->threads = 1;
    for (int i = 0; i < POW_TABLE; i++)
        m->pow_table[i] = pow((double)i, p);
    *out = (hpo__estimator *)(void *)m;
    return 0;
}

int hpo__knn_set_threads(hpo__estimator *e, int threads)
{
    if (!e || threads < 1 || threads > 1024)
        return hpo__err(HPO_EINVAL, "knn: threads must be in [1, 1024], got %d", threads);
    as_knn(e)->threads = threads;
    return 0;
}

static int check_finite(const double *X, size_t n, size_t d, const char *what)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            if (!isfinite(X[i * d + j]))
                return hpo__err(HPO_EINVAL,
                                "knn: %s contains NaN or infinity (row %zu, column %zu)", what, i,
                                j);
    return 0;
}

static int knn_fit(hpo__estimator *e, const double *X, const double *y, size_t n, size_t d,
                   size_t n_classes)
{
    knn *m = as_knn(e);
    double *nx = NULL, *ny = NULL, *nn = NULL;
    int rc = 0;
    if (!m || !X || !y)
        return hpo__err(HPO_EINVAL, "knn: fit needs a model, X and y");
    if (n == 0 || d == 0)
        return hpo__err(HPO_EINVAL,
                        "knn: fit needs at least one row and one feature, got %zu x %zu", n, d);
    if (d > SIZE_MAX / sizeof(double) / n)
        return hpo__err(HPO_EINVAL, "knn: %zu x %zu training matrix is too large", n, d);
    if ((rc = check_finite(X, n, d, "X")) != 0)
        return rc;
    if (m->task == HPO__TASK_CLASSIFICATION) {
        if (n_classes == 0)
            return hpo__err(HPO_EINVAL, "knn: classification needs n_classes >= 1");
        for (size_t i = 0; i < n; i++)
            if (!(y[i] >= 0.0 && y[i] < (double)n_classes && y[i] == floor(y[i])))
                return hpo__err(HPO_EINVAL, "knn: y[%zu] is not a class index below %zu", i,
                                n_classes);
    } else if ((rc = check_finite(y, n, 1, "y")) != 0) {
        return rc;
    }
    nx = hpo__malloc(n * d * sizeof *nx);
    ny = hpo__malloc(n * sizeof *ny);
    if (m->metric == EUCLIDEAN)
        nn = hpo__malloc(n * sizeof *nn);
    if (!nx || !ny || (m->metric == EUCLIDEAN && !nn)) {
        rc = hpo__enomem();
        goto fail;
    }
    memcpy(nx, X, n * d * sizeof *nx);
    memcpy(ny, y, n * sizeof *ny);
    if (nn) {
        for (size_t i = 0; i < n; i++) {
            const double *r = nx + i * d;
            double s = 0.0;
            for (size_t j = 0; j < d; j++)
                s += r[j] * r[j];
            nn[i] = s;
        }
    }
    hpo__free(m->X);
    hpo__free(m->y);
    hpo__free(m->norms);
    m->X = nx;
    m->y = ny;
    m->norms = nn;
    m->n = n;
    m->d = d;
    m->n_classes = m->task == HPO__TASK_CLASSIFICATION ? n_classes : 0;
    return 0;
fail:
    hpo__free(nx);
    hpo__free(ny);
    hpo__free(nn);
    return rc;
}

/* ---- ArgKmin's heap and sort */

/* Push (v, j) into a max-heap of `size` slots whose root is the largest. */
static void heap_push(double *val, size_t *ind, size_t size, double v, size_t j)
{
    if (v >= val[0])
        return;
    size_t cur = 0;
    for (;;) {
        size_t l = 2 * cur + 1, r = l + 1, next;
        if (l >= size)
            break;
        if (r >= size) {
            if (!(val[l] > v))
                break;
            next = l;
        } else if (val[l] >= val[r]) {
            if (!(v < val[l]))
                break;
            next = l;
        } else {
            if (!(v < val[r]))
                break;
            next = r;
        }
        val[cur] = val[next];
        ind[cur] = ind[next];
        cur = next;
    }
    val[cur] = v;
    ind[cur] = j;
}

static void swap2(double *val, size_t *ind, size_t a, size_t b)
{
    double t = val[a];
    val[a] = val[b];
    val[b] = t;
    size_t u = ind[a];
    ind[a] = ind[b];
    ind[b] = u;
}

/* Ascending quicksort of val (carrying ind): median of three, the pivot at the
 * end, a Lomuto partition on "< pivot"; not stable, like ArgKmin's. */
static void pair_sort(double *val, size_t *ind, size_t size)
{
    while (size > 1) {
        if (size == 2) {
            if (val[0] > val[1])
                swap2(val, ind, 0, 1);
            return;
        }
        if (size == 3) {
            if (val[0] > val[1])
                swap2(val, ind, 0, 1);
            if (val[1] > val[2]) {
                swap2(val, ind, 1, 2);
                if (val[0] > val[1])
                    swap2(val, ind, 0, 1);
            }
            return;
        }
        size_t mid = size / 2, last = size - 1;
        if (val[0] > val[last])
            swap2(val, ind, 0, last);
        if (val[last] > val[mid]) {
            swap2(val, ind, last, mid);
            if (val[0] > val[last])
                swap2(val, ind, 0, last);
        }
        double pivot = val[last];
        size_t store = 0;
        for (size_t i = 0; i < last; i++) {
            if (val[i] < pivot) {
                swap2(val, ind, i, store);
                store++;
            }
        }
        swap2(val, ind, store, last);
        if (store > 1)
            pair_sort(val, ind, store);
        /* the right part, iteratively */
        val += store + 1;
        ind += store + 1;
        size -= store + 1;
    }
}

/* Surrogate distances ("rdist") from query q to every training row. */
static void rdists(const knn *m, const double *q, double *r)
{
    size_t n = m->n, d = m->d, j = 0;
    const double *X = m->X;
    if (m->metric == EUCLIDEAN) {
        double qn = 0.0;
        for (size_t t = 0; t < d; t++)
            qn += q[t] * q[t];
        for (; j + 4 <= n; j += 4) { /* four independent left-to-right sums */
            const double *a = X + j * d, *b = a + d, *c = b + d, *e = c + d;
            double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
            for (size_t t = 0; t < d; t++) {
                s0 += q[t] * a[t];
                s1 += q[t] * b[t];
                s2 += q[t] * c[t];
                s3 += q[t] * e[t];
            }
            r[j] = (qn + -2.0 * s0) + m->norms[j];
            r[j + 1] = (qn + -2.0 * s1) + m->norms[j + 1];
            r[j + 2] = (qn + -2.0 * s2) + m->norms[j + 2];
            r[j + 3] = (qn + -2.0 * s3) + m->norms[j + 3];
        }
        for (; j < n; j++) {
            const double *a = X + j * d;
            double s = 0.0;
            for (size_t t = 0; t < d; t++)
                s += q[t] * a[t];
            r[j] = (qn + -2.0 * s) + m->norms[j];
        }
    } else if (m->metric == MANHATTAN) {
        for (; j + 4 <= n; j += 4) {
            const double *a = X + j * d, *b = a + d, *c = b + d, *e = c + d;
            double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
            for (size_t t = 0; t < d; t++) {
                s0 += fabs(q[t] - a[t]);
                s1 += fabs(q[t] - b[t]);
                s2 += fabs(q[t] - c[t]);
                s3 += fabs(q[t] - e[t]);
            }
            r[j] = s0;
            r[j + 1] = s1;
            r[j + 2] = s2;
            r[j + 3] = s3;
        }
        for (; j < n; j++) {
            const double *a = X + j * d;
            double s = 0.0;
            for (size_t t = 0; t < d; t++)
                s += fabs(q[t] - a[t]);
            r[j] = s;
        }
    } else {
        /* pow() is slow: small integral differences (pixel data) come from a
         * table of the same pow() values, so results are unchanged */
        for (; j < n; j++) {
            const double *a = X + j * d;
            double s = 0.0;
            for (size_t t = 0; t < d; t++) {
                double x = fabs(q[t] - a[t]);
                s += x < (double)POW_TABLE && x == (double)(int)x ? m->pow_table[(int)x]
                                                                  : pow(x, m->p);
            }
            r[j] = s;
        }
    }
}

/* Work space of one predict call. */
typedef struct knn_work {
    double *r;        /* n surrogate distances */
    double *hv;       /* threads * k heap values */
    size_t *hi;       /* threads * k heap indices */
    double *dist, *w; /* k: sorted distances, weights */
    size_t *idx;      /* k: sorted neighbour rows */
    double *tmp;      /* max(k, n_classes) */
} knn_work;

static void work_free(knn_work *w)
{
    hpo__free(w->r);
    hpo__free(w->hv);
    hpo__free(w->hi);
    hpo__free(w->dist);
    hpo__free(w->w);
    hpo__free(w->idx);
    hpo__free(w->tmp);
}

static int work_alloc(const knn *m, knn_work *w)
{
    size_t k = m->k, t = (size_t)m->threads + 1, nt = k > m->n_classes ? k : m->n_classes;
    memset(w, 0, sizeof *w);
    w->r = hpo__malloc(m->n * sizeof *w->r);
    w->hv = hpo__malloc(t * k * sizeof *w->hv);
    w->hi = hpo__malloc(t * k * sizeof *w->hi);
    w->dist = hpo__malloc(k * sizeof *w->dist);
    w->w = hpo__malloc(k * sizeof *w->w);
    w->idx = hpo__malloc(k * sizeof *w->idx);
    w->tmp = hpo__malloc(nt * sizeof *w->tmp);
    if (!w->r || !w->hv || !w->hi || !w->dist || !w->w || !w->idx || !w->tmp) {
        work_free(w);
        return hpo__enomem();
    }
    return 0;
}

static void heap_init(double *val, size_t *ind, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        val[i] = DBL_MAX;
        ind[i] = 0;
    }
}

/* The k neighbours of query q (one of nq in this call) into w->idx, w->dist,
 * and their weights into w->w, as ArgKmin and _get_weights produce them. */
static void neighbours(const knn *m, const double *q, size_t nq, knn_work *w)
{
    size_t n = m->n, k = m->k, T = (size_t)m->threads;
    double *main_v = w->hv + T * k;
    size_t *main_i = w->hi + T * k;
    rdists(m, q, w->r);
    heap_init(main_v, main_i, k);
    if (n < nq || 4 * (size_t)CHUNK * T < nq) {
        /* parallel_on_X: one heap per query, rows in order */
        for (size_t j = 0; j < n; j++)
            heap_push(main_v, main_i, k, w->r[j], j);
    } else {
        /* parallel_on_Y: chunks of training rows split statically among threads */
        size_t cs = n < CHUNK ? n : CHUNK;
        size_t n_chunks = n / cs + (n % cs ? 1 : 0);
        size_t nt = n_chunks < T ? n_chunks : T;
        size_t per = n_chunks / nt, extra = n_chunks % nt;
        for (size_t t = 0; t < nt; t++) {
            double *v = w->hv + t * k;
            size_t *ix = w->hi + t * k;
            size_t c0 = per * t + (t < extra ? t : extra);
            size_t c1 = c0 + per + (t < extra ? 1 : 0);
            size_t j1 = c1 * cs < n ? c1 * cs : n;
            heap_init(v, ix, k);
            for (size_t j = c0 * cs; j < j1; j++)
                heap_push(v, ix, k, w->r[j], j);
        }
        for (size_t t = 0; t < nt; t++)
            for (size_t i = 0; i < k; i++)
                heap_push(main_v, main_i, k, w->hv[t * k + i], w->hi[t * k + i]);
    }
    pair_sort(main_v, main_i, k);
    int any_inf = 0;
    for (size_t i = 0; i < k; i++) {
        double r = main_v[i] > 0.0 ? main_v[i] : 0.0;
        double dd = m->metric == EUCLIDEAN   ? sqrt(r)
                    : m->metric == MANHATTAN ? r
                                             : pow(r, 1.0 / m->p);
        w->idx[i] = main_i[i];
        w->dist[i] = dd;
        w->w[i] = m->distance ? 1.0 / dd : 1.0;
        if (isinf(w->w[i]))
            any_inf = 1;
    }
    if (any_inf)
        for (size_t i = 0; i < k; i++)
            w->w[i] = isinf(w->w[i]) ? 1.0 : 0.0;
}

static int check_predict(const knn *m, const double *X, size_t nq)
{
    if (!m || (!X && nq))
        return hpo__err(HPO_EINVAL, "knn: predict needs a model and X");
    if (m->n == 0)
        return hpo__err(HPO_EINVAL, "knn: predict before fit");
    if (m->k > m->n)
        return hpo__err(HPO_EINVAL,
                        "knn: Expected n_neighbors <= n_samples_fit, but n_neighbors = %zu, "
                        "n_samples_fit = %zu, n_samples = %zu",
                        m->k, m->n, nq);
    return check_finite(X, nq, m->d, "X");
}

static int knn_predict(hpo__estimator *e, const double *X, size_t nq, double *out)
{
    knn *m = as_knn(e);
    knn_work w;
    int rc = check_predict(m, X, nq);
    if (rc || nq == 0)
        return rc;
    if ((rc = work_alloc(m, &w)) != 0)
        return rc;
    size_t k = m->k;
    for (size_t q = 0; q < nq; q++) {
        neighbours(m, X + q * m->d, nq, &w);
        if (m->task == HPO__TASK_REGRESSION) {
            if (!m->distance) {
                for (size_t i = 0; i < k; i++)
                    w.tmp[i] = m->y[w.idx[i]];
                out[q] = hpo__np_sum(w.tmp, k) / (double)k;
            } else {
                for (size_t i = 0; i < k; i++)
                    w.tmp[i] = m->y[w.idx[i]] * w.w[i];
                double num = hpo__np_sum(w.tmp, k);
                out[q] = num / hpo__np_sum(w.w, k);
            }
            continue;
        }
        size_t best = 0;
        if (!m->distance) { /* scipy.stats.mode: most frequent, lowest class on ties */
            size_t best_n = 0;
            for (size_t c = 0; c < m->n_classes; c++) {
                size_t cnt = 0;
                for (size_t i = 0; i < k; i++)
                    cnt += (size_t)m->y[w.idx[i]] == c;
                if (cnt > best_n) {
                    best_n = cnt;
                    best = c;
                }
            }
        } else { /* weighted_mode */
            double best_s = 0.0;
            for (size_t c = 0; c < m->n_classes; c++) {
                int present = 0;
                for (size_t i = 0; i < k; i++) {
                    int hit = (size_t)m->y[w.idx[i]] == c;
                    w.tmp[i] = hit ? w.w[i] : 0.0;
                    present |= hit;
                }
                if (!present)
                    continue;
                double s = hpo__np_sum(w.tmp, k);
                if (s > best_s) {
                    best_s = s;
                    best = c;
                }
            }
        }
        out[q] = (double)best;
    }
    work_free(&w);
    return 0;
}

static int knn_predict_proba(hpo__estimator *e, const double *X, size_t nq, double *out)
{
    knn *m = as_knn(e);
    knn_work w;
    if (m && m->task != HPO__TASK_CLASSIFICATION)
        return hpo__err(HPO_EINVAL, "knn: predict_proba needs a classification task");
    int rc = check_predict(m, X, nq);
    if (rc || nq == 0)
        return rc;
    if ((rc = work_alloc(m, &w)) != 0)
        return rc;
    size_t nc = m->n_classes;
    for (size_t q = 0; q < nq; q++) {
        double *row = out + q * nc;
        neighbours(m, X + q * m->d, nq, &w);
        for (size_t c = 0; c < nc; c++)
            row[c] = 0.0;
        for (size_t i = 0; i < m->k; i++)
            row[(size_t)m->y[w.idx[i]]] += w.w[i];
        double norm = hpo__np_sum(row, nc);
        if (norm == 0.0)
            norm = 1.0;
        for (size_t c = 0; c < nc; c++)
            row[c] /= norm;
    }
    work_free(&w);
    return 0;
}

/* ---- model bytes: n, d, n_classes, X, y (the training set is the model) */
static int knn_save(hpo__estimator *e, hpo__buf *out)
{
    knn *m = as_knn(e);
    if (!m || m->n == 0)
        return hpo__err(HPO_EINVAL, "knn: save before fit");
    if (hpo__ser_u64(out, m->n) || hpo__ser_u64(out, m->d) || hpo__ser_u64(out, m->n_classes) ||
        hpo__ser_f64s(out, m->X, m->n * m->d) || hpo__ser_f64s(out, m->y, m->n))
        return hpo__enomem();
    return 0;
}

static int knn_load(hpo__estimator *e, const void *data, size_t len)
{
    knn *m = as_knn(e);
    hpo__deser rd = {data, len, "knn model"};
    size_t n, d, nc;
    int rc;
    if ((rc = hpo__deser_size(&rd, len / 8, &n)) != 0 || (rc = hpo__deser_size(&rd, len / 8, &d)) ||
        (rc = hpo__deser_size(&rd, len / 8 + 1, &nc)) != 0)
        return rc;
    if (n == 0 || d == 0 || d > rd.left / 8 / n || n * d + n > rd.left / 8)
        return hpo__err(HPO_ESPEC, "knn model: truncated");
    double *X = hpo__malloc(n * d * sizeof *X), *y = hpo__malloc(n * sizeof *y);
    if (!X || !y) {
        hpo__free(X);
        hpo__free(y);
        return hpo__enomem();
    }
    if ((rc = hpo__deser_f64s(&rd, X, n * d)) != 0 || (rc = hpo__deser_f64s(&rd, y, n)) != 0 ||
        (rc = knn_fit(e, X, y, n, d, nc)) != 0) {
        hpo__free(X);
        hpo__free(y);
        return rc == HPO_ENOMEM ? rc : hpo__err(HPO_ESPEC, "knn model: %s", hpo_errmsg());
    }
    hpo__free(X);
    hpo__free(y);
    (void)m;
    return 0;
}

const hpo__estimator_ops hpo__knn_ops = {
    .version = HPO__ESTIMATOR_OPS_VERSION,
    .name = "knn",
    .tasks = 3,
    .hypers = hypers,
    .create = knn_create,
    .destroy = knn_destroy,
    .fit = knn_fit,
    .predict = knn_predict,
    .predict_proba = knn_predict_proba,
    .save = knn_save,
    .load = knn_load,
};
