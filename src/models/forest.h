/*
 * forest.h -- tree-ensemble surrogates as scikit-optimize uses them:
 *   RF    random forest: bootstrap samples, max_features of the coordinates
 *         tried per split (scikit-learn's RandomForestRegressor, MSE criterion);
 *   ET    extra trees: no bootstrap, one random threshold per tried feature
 *         (ExtraTreesRegressor);
 *   GBRT  gradient boosting with the quantile loss at 0.16, 0.5, 0.84
 *         (scikit-optimize's GradientBoostingQuantileRegressor).
 * Predictions give a mean and a standard deviation: for RF/ET the law of total
 * variance over the trees' leaves (scikit-optimize's forest _return_std with
 * min_variance), for GBRT (q84 - q16) / 2 around the median.
 * Deterministic for a seed. Not thread-safe per handle.
 */
#ifndef HPO_MODELS_FOREST_H
#define HPO_MODELS_FOREST_H

#include <stddef.h>
#include <stdint.h>

typedef enum hpo__forest_kind {
    HPO__FOREST_RF = 0,
    HPO__FOREST_ET = 1,
    HPO__FOREST_GBRT = 2
} hpo__forest_kind;

typedef struct hpo__forest_config {
    hpo__forest_kind kind;
    size_t d;
    size_t n_estimators;     /* 0 = default: 100 (RF/ET), 100 per quantile (GBRT) */
    size_t min_samples_leaf; /* 0 = default: 3 (RF/ET, skopt), 1 (GBRT) */
    double max_features;     /* fraction of d tried per split; 0 = default 1.0 */
    size_t max_depth;        /* 0 = unlimited (RF/ET), default 3 (GBRT) */
    double learning_rate;    /* GBRT; 0 = default 0.1 */
    double min_variance;     /* RF/ET; default 0 */
    uint64_t seed;
    /* Added for the parity tests (zero/NULL in normal use): */
    int no_bootstrap;    /* RF: fit every tree on all points, unweighted */
    double quantiles[3]; /* GBRT: low, median, high; all 0 = 0.16, 0.5, 0.84 */
    /* When set, each random integer in [lo, hi) of the split search (the order
     * in which features are tried) comes from draw(draw_ctx, tree, lo, hi), tree
     * being the tree's index (GBRT: quantile * n_estimators + stage), so a test
     * can replay scikit-learn's generator; bootstrap and ET thresholds still use
     * the seeded generator. */
    size_t (*draw)(void *ctx, size_t tree, size_t lo, size_t hi);
    void *draw_ctx;
} hpo__forest_config;

typedef struct hpo__forest hpo__forest;

int hpo__forest_create(hpo__forest **out, const hpo__forest_config *cfg);
void hpo__forest_destroy(hpo__forest *f);
/* Fit on X (n x d row-major) and y (n >= 1). Replaces any previous fit. */
int hpo__forest_fit(hpo__forest *f, const double *X, const double *y, size_t n);
/* Mean and standard deviation at m points. sd may be NULL. */
int hpo__forest_predict(const hpo__forest *f, const double *Xs, size_t m, double *mu, double *sd);

/* The fitted trees' structure (RF/ET), for analyses such as fANOVA
 * (src/report/importance.c). Node 0 is a tree's root; a leaf has feature -1;
 * a point goes left when x[feature] <= thr. */
typedef struct hpo__forest_node_info {
    int feature;
    double thr, value;
    size_t left, right;
} hpo__forest_node_info;
size_t hpo__forest_n_trees(const hpo__forest *f);
size_t hpo__forest_tree_size(const hpo__forest *f, size_t t);
void hpo__forest_node(const hpo__forest *f, size_t t, size_t k, hpo__forest_node_info *out);

#endif
