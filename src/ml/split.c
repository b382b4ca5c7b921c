/*
 * split.c -- cross-validation splitters: KFold, StratifiedKFold, ShuffleSplit,
 * repeated (stratified) k-fold.
 *
 * Reference: scikit-learn 1.2 sklearn/model_selection/_split.py.
 *   KFold(shuffle=False): fold f is the contiguous block of rows
 *     [start_f, start_f + size_f), size_f = n / k + (f < n % k).
 *   StratifiedKFold(shuffle=False), _make_test_folds: classes are encoded in
 *     order of first appearance in y; the per-class allocation to folds is the
 *     round robin over the sorted encoded labels (allocation[f][c] = number of
 *     positions p = f, f + k, f + 2k, ... of sorted(y_encoded) holding class c);
 *     the rows of class c, in row order, get fold 0 allocation[0][c] times, then
 *     fold 1 allocation[1][c] times, ... (contiguous per-class blocks).
 *   Errors as scikit-learn: k < 2, k > n, and (stratified) k greater than the
 *     member count of every class; when only some classes are smaller than k
 *     scikit-learn warns and so this is allowed.
 *   ShuffleSplit: n_test = ceil(test_fraction * n), n_train = n - n_test.
 * shuffle=True (and ShuffleSplit, repeats) draw from hpo's RNG instead of numpy's
 * MT19937, so fold membership differs from scikit-learn's for the same seed;
 * fold sizes and per-class counts per fold are the same: KFold shuffles the row
 * order then cuts the same blocks, StratifiedKFold shuffles each class's block
 * of fold labels (exactly where scikit-learn calls rng.shuffle). Stream s of the
 * seed drives split/repeat s, so results are a pure function of (seed, n, k, y).
 * Invariants: every fold's train and test lists are sorted ascending and
 * disjoint, and together cover 0..n-1; for k-fold every row is in exactly one
 * test fold.
 * Costs: O(n log n + n k) time (merge sort of the labels, fold lists), O(n k)
 * index memory for k folds (each fold stores all n rows as train or test).
 */
#include "ml/split.h"

#include "core/rng.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>

void hpo__folds_free(hpo__fold *folds, size_t count)
{
    if (!folds)
        return;
    for (size_t i = 0; i < count; i++) {
        hpo__free(folds[i].train);
        hpo__free(folds[i].test);
    }
    hpo__free(folds);
}

static int check_k(size_t n, size_t k)
{
    if (k < 2)
        return hpo__err(HPO_EINVAL,
                        "k-fold cross-validation requires at least one train/test split by "
                        "setting n_splits=2 or more, got n_splits=%zu",
                        k);
    if (k > n)
        return hpo__err(HPO_EINVAL,
                        "Cannot have number of splits n_splits=%zu greater than the number of "
                        "samples: n_samples=%zu",
                        k, n);
    return 0;
}

/* Fill folds[0..k) from a fold label per row (every label < k). */
static int folds_from_labels(const size_t *fold_of, size_t n, size_t k, hpo__fold *folds)
{
    for (size_t f = 0; f < k; f++) {
        folds[f].n_test = 0;
        folds[f].train = folds[f].test = NULL;
    }
    for (size_t i = 0; i < n; i++)
        folds[fold_of[i]].n_test++;
    for (size_t f = 0; f < k; f++) {
        folds[f].n_train = n - folds[f].n_test;
        /* +1: never a zero-size request */
        folds[f].test = hpo__malloc((folds[f].n_test + 1) * sizeof(size_t));
        folds[f].train = hpo__malloc((folds[f].n_train + 1) * sizeof(size_t));
        if (!folds[f].test || !folds[f].train)
            return hpo__enomem();
        folds[f].n_test = 0;
        folds[f].n_train = 0;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t f = 0; f < k; f++) {
            hpo__fold *fd = &folds[f];
            if (fold_of[i] == f)
                fd->test[fd->n_test++] = i;
            else
                fd->train[fd->n_train++] = i;
        }
    }
    return 0;
}

/* Fisher-Yates shuffle of a[0..n) with hpo's RNG. */
static void shuffle_sizes(size_t *a, size_t n, hpo__rng *r)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)hpo__rng_below(r, (uint64_t)i);
        size_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

static int kfold_into(size_t n, size_t k, int shuffle, uint64_t seed, uint64_t stream,
                      hpo__fold *folds)
{
    int rc = 0;
    size_t *order = hpo__malloc((n + 1) * sizeof(size_t));
    size_t *fold_of = hpo__malloc((n + 1) * sizeof(size_t));
    if (!order || !fold_of) {
        rc = hpo__enomem();
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    if (shuffle) {
        hpo__rng r;
        hpo__rng_seed(&r, seed, stream);
        shuffle_sizes(order, n, &r);
    }
    size_t pos = 0;
    for (size_t f = 0; f < k; f++) {
        size_t size = n / k + (f < n % k ? 1 : 0);
        for (size_t j = 0; j < size; j++)
            fold_of[order[pos++]] = f;
    }
    rc = folds_from_labels(fold_of, n, k, folds);
done:
    hpo__free(order);
    hpo__free(fold_of);
    return rc;
}

int hpo__kfold(size_t n, size_t k, int shuffle, uint64_t seed, hpo__fold **out)
{
    *out = NULL;
    int rc = check_k(n, k);
    if (rc < 0)
        return rc;
    hpo__fold *folds = hpo__calloc(k, sizeof(*folds));
    if (!folds)
        return hpo__enomem();
    rc = kfold_into(n, k, shuffle, seed, 0, folds);
    if (rc < 0) {
        hpo__folds_free(folds, k);
        return rc;
    }
    *out = folds;
    return 0;
}

/* ---- stratified */

typedef struct strat_enc {
    size_t *cls;   /* class of each row, encoded by first appearance */
    size_t *count; /* members per encoded class */
    size_t n_classes;
} strat_enc;

static int cmp_first(const void *a, const void *b)
{
    size_t x = ((const size_t *)a)[0], y = ((const size_t *)b)[0];
    return (x > y) - (x < y);
}

/* Encode y by first appearance. Rejects NaN/inf and non-integral labels as
 * scikit-learn's type_of_target does ('continuous' is not allowed). */
static int encode_labels(const double *y, size_t n, strat_enc *e)
{
    int rc = 0;
    size_t *idx = NULL, *pairs = NULL, *rank = NULL;
    e->cls = e->count = NULL;
    e->n_classes = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            return hpo__err(HPO_EINVAL, "Input y contains NaN or infinity (row %zu)", i);
        if (y[i] != floor(y[i]))
            return hpo__err(HPO_EINVAL,
                            "Supported target types are: ('binary', 'multiclass'). Got "
                            "'continuous' instead (row %zu holds %g)",
                            i, y[i]);
    }
    idx = hpo__malloc((n + 1) * sizeof(size_t));
    e->cls = hpo__malloc((n + 1) * sizeof(size_t));
    if (!idx || !e->cls) {
        rc = hpo__enomem();
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    {
        /* bottom-up merge sort of idx by (y, row): stable, O(n log n), reentrant */
        size_t *tmp = hpo__malloc((n + 1) * sizeof(size_t));
        if (!tmp) {
            rc = hpo__enomem();
            goto done;
        }
        for (size_t w = 1; w < n; w *= 2) {
            for (size_t lo = 0; lo < n; lo += 2 * w) {
                size_t mid = lo + w < n ? lo + w : n;
                size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
                size_t a = lo, b = mid, o = lo;
                while (a < mid && b < hi)
                    tmp[o++] = (y[idx[b]] < y[idx[a]]) ? idx[b++] : idx[a++];
                while (a < mid)
                    tmp[o++] = idx[a++];
                while (b < hi)
                    tmp[o++] = idx[b++];
            }
            size_t *sw = idx;
            idx = tmp;
            tmp = sw;
        }
        hpo__free(tmp);
    }
    /* distinct classes in sorted order: (first row, sorted class id) pairs */
    size_t nc = 0;
    for (size_t p = 0; p < n; p++)
        if (p == 0 || y[idx[p]] != y[idx[p - 1]])
            nc++;
    pairs = hpo__malloc((2 * nc + 1) * sizeof(size_t));
    rank = hpo__malloc((nc + 1) * sizeof(size_t));
    e->count = hpo__calloc(nc + 1, sizeof(size_t));
    if (!pairs || !rank || !e->count) {
        rc = hpo__enomem();
        goto done;
    }
    size_t c = 0;
    for (size_t p = 0; p < n; p++) {
        if (p > 0 && y[idx[p]] != y[idx[p - 1]])
            c++;
        if (p == 0 || y[idx[p]] != y[idx[p - 1]]) {
            pairs[2 * c] = idx[p]; /* stable sort: first member is the first row */
            pairs[2 * c + 1] = c;
        }
        e->cls[idx[p]] = c; /* sorted class id for now */
    }
    qsort(pairs, nc, 2 * sizeof(size_t), cmp_first);
    for (size_t j = 0; j < nc; j++)
        rank[pairs[2 * j + 1]] = j;
    for (size_t i = 0; i < n; i++) {
        e->cls[i] = rank[e->cls[i]];
        e->count[e->cls[i]]++;
    }
    e->n_classes = nc;
done:
    hpo__free(idx);
    hpo__free(pairs);
    hpo__free(rank);
    if (rc < 0) {
        hpo__free(e->cls);
        hpo__free(e->count);
        e->cls = e->count = NULL;
    }
    return rc;
}

static int check_strat(const strat_enc *e, size_t k)
{
    int all_small = 1;
    for (size_t c = 0; c < e->n_classes; c++)
        if (e->count[c] >= k)
            all_small = 0;
    if (all_small)
        return hpo__err(HPO_EINVAL,
                        "n_splits=%zu cannot be greater than the number of members in each class",
                        k);
    return 0;
}

static int stratified_into(const strat_enc *e, size_t n, size_t k, int shuffle, uint64_t seed,
                           uint64_t stream, hpo__fold *folds)
{
    int rc = 0;
    size_t nc = e->n_classes;
    size_t *alloc = hpo__calloc(k * nc + 1, sizeof(size_t)); /* alloc[f * nc + c] */
    size_t *labels = hpo__malloc((n + 1) * sizeof(size_t));  /* fold labels, class blocks */
    size_t *start = hpo__malloc((nc + 1) * sizeof(size_t));
    size_t *fold_of = hpo__malloc((n + 1) * sizeof(size_t));
    if (!alloc || !labels || !start || !fold_of) {
        rc = hpo__enomem();
        goto done;
    }
    /* round robin over the sorted encoded labels: class c holds sorted positions
     * [s_c, s_c + count_c) */
    size_t pos = 0;
    for (size_t c = 0; c < nc; c++) {
        for (size_t j = 0; j < e->count[c]; j++, pos++)
            alloc[(pos % k) * nc + c]++;
    }
    pos = 0;
    for (size_t c = 0; c < nc; c++) {
        start[c] = pos;
        for (size_t f = 0; f < k; f++)
            for (size_t j = 0; j < alloc[f * nc + c]; j++)
                labels[pos++] = f;
    }
    if (shuffle) {
        hpo__rng r;
        hpo__rng_seed(&r, seed, stream);
        for (size_t c = 0; c < nc; c++)
            shuffle_sizes(labels + start[c], e->count[c], &r);
    }
    for (size_t i = 0; i < n; i++)
        fold_of[i] = labels[start[e->cls[i]]++];
    rc = folds_from_labels(fold_of, n, k, folds);
done:
    hpo__free(alloc);
    hpo__free(labels);
    hpo__free(start);
    hpo__free(fold_of);
    return rc;
}

int hpo__stratified_kfold(const double *y, size_t n, size_t k, int shuffle, uint64_t seed,
                          hpo__fold **out)
{
    *out = NULL;
    strat_enc e = {0};
    hpo__fold *folds = NULL;
    int rc = check_k(n, k);
    if (rc < 0)
        return rc;
    rc = encode_labels(y, n, &e);
    if (rc < 0)
        return rc;
    rc = check_strat(&e, k);
    if (rc < 0)
        goto done;
    folds = hpo__calloc(k, sizeof(*folds));
    if (!folds) {
        rc = hpo__enomem();
        goto done;
    }
    rc = stratified_into(&e, n, k, shuffle, seed, 0, folds);
    if (rc < 0) {
        hpo__folds_free(folds, k);
        folds = NULL;
        goto done;
    }
    *out = folds;
done:
    hpo__free(e.cls);
    hpo__free(e.count);
    return rc;
}

int hpo__repeated_kfold(const double *y_or_null, size_t n, size_t k, size_t n_repeats,
                        uint64_t seed, hpo__fold **out)
{
    *out = NULL;
    strat_enc e = {0};
    hpo__fold *folds = NULL;
    int rc = check_k(n, k);
    if (rc < 0)
        return rc;
    if (n_repeats < 1)
        return hpo__err(HPO_EINVAL, "Number of repetitions must be greater than 0, got %zu",
                        n_repeats);
    if (y_or_null) {
        rc = encode_labels(y_or_null, n, &e);
        if (rc < 0)
            return rc;
        rc = check_strat(&e, k);
        if (rc < 0)
            goto done;
    }
    folds = hpo__calloc(k * n_repeats, sizeof(*folds));
    if (!folds) {
        rc = hpo__enomem();
        goto done;
    }
    for (size_t r = 0; r < n_repeats; r++) {
        if (y_or_null)
            rc = stratified_into(&e, n, k, 1, seed, r, folds + r * k);
        else
            rc = kfold_into(n, k, 1, seed, r, folds + r * k);
        if (rc < 0) {
            hpo__folds_free(folds, k * n_repeats);
            folds = NULL;
            goto done;
        }
    }
    *out = folds;
done:
    hpo__free(e.cls);
    hpo__free(e.count);
    return rc;
}

int hpo__shuffle_split(size_t n, size_t n_splits, double test_fraction, uint64_t seed,
                       hpo__fold **out)
{
    *out = NULL;
    size_t *order = NULL;
    size_t *fold_of = NULL;
    hpo__fold *folds = NULL;
    int rc = 0;
    if (n_splits < 1)
        return hpo__err(HPO_EINVAL, "n_splits must be at least 1, got %zu", n_splits);
    if (!(test_fraction > 0.0 && test_fraction < 1.0))
        return hpo__err(HPO_EINVAL,
                        "test_size=%g should be either positive and smaller than the number of "
                        "samples %zu or a float in the (0, 1) range",
                        test_fraction, n);
    size_t n_test = (size_t)ceil(test_fraction * (double)n);
    if (n_test >= n)
        return hpo__err(HPO_EINVAL,
                        "With n_samples=%zu, test_size=%g and train_size=None, the resulting "
                        "train set will be empty. Adjust any of the aforementioned parameters.",
                        n, test_fraction);
    folds = hpo__calloc(n_splits, sizeof(*folds));
    order = hpo__malloc((n + 1) * sizeof(size_t));
    fold_of = hpo__malloc((n + 1) * sizeof(size_t));
    if (!folds || !order || !fold_of) {
        rc = hpo__enomem();
        goto done;
    }
    for (size_t s = 0; s < n_splits; s++) {
        hpo__rng r;
        hpo__rng_seed(&r, seed, s);
        for (size_t i = 0; i < n; i++)
            order[i] = i;
        shuffle_sizes(order, n, &r);
        /* label 0 = test, 1 = train; folds_from_labels builds both lists sorted */
        for (size_t j = 0; j < n; j++)
            fold_of[order[j]] = j < n_test ? 0 : 1;
        hpo__fold two[2];
        rc = folds_from_labels(fold_of, n, 2, two);
        hpo__free(two[1].train);
        hpo__free(two[1].test);
        if (rc < 0) {
            hpo__free(two[0].train);
            hpo__free(two[0].test);
            goto done;
        }
        folds[s] = two[0];
    }
    *out = folds;
    folds = NULL;
done:
    hpo__folds_free(folds, n_splits);
    hpo__free(order);
    hpo__free(fold_of);
    return rc;
}
