/*
 * forest_oracle.c -- hpo's tree ensembles for the parity test
 * (tests/parity/test_forest.py).
 *
 *   hpo-tool-forest_oracle rf|et|gbrt [key=value ...] < input
 *
 * Input: "n d", n lines of d coordinates and y, "m", m lines of d coordinates.
 * Output: one JSON object {"mu": [...], "sd": [...]} at the m points.
 * Keys: n_estimators, min_samples_leaf, max_depth, max_features,
 * learning_rate, min_variance, seed, no_bootstrap, q=LOW,MID,HIGH (GBRT
 * quantiles), sklearn_rng=S: the split search draws its feature order from
 * scikit-learn's generator: each tree's splitter seeds rand_r with
 * RandomState(S).randint(0, 2^31 - 1) (one RandomState per model: per tree
 * for a lone tree, per quantile model for GBRT) and draws
 * lo + rand_r() % (hi - lo).
 */
#include "ml/nprandom.h"
#include "models/forest.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct skrng {
    hpo__mt19937 mt;
    uint32_t seed, state;
    size_t per_model; /* reseed the RandomState every per_model trees */
    size_t cur;
    int started;
} skrng;

static uint32_t our_rand_r(uint32_t *s)
{
    if (*s == 0)
        *s = 1;
    *s ^= (uint32_t)(*s << 13);
    *s ^= (uint32_t)(*s >> 17);
    *s ^= (uint32_t)(*s << 5);
    return *s % ((uint32_t)0x7FFFFFFF + 1u);
}

static size_t sk_draw(void *ctx, size_t tree, size_t lo, size_t hi)
{
    skrng *r = ctx;
    if (!r->started || tree != r->cur) {
        size_t t = r->started ? r->cur + 1 : 0;
        for (; t <= tree; t++) {
            if (t == 0 || (r->per_model && t % r->per_model == 0))
                hpo__mt_seed(&r->mt, r->seed);
            r->state = (uint32_t)hpo__mt_interval(&r->mt, 0x7FFFFFFE);
        }
        r->cur = tree;
        r->started = 1;
    }
    return lo + our_rand_r(&r->state) % (hi - lo);
}

static int read_doubles(double *v, size_t k)
{
    for (size_t i = 0; i < k; i++)
        if (scanf("%lf", &v[i]) != 1)
            return -1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s rf|et|gbrt [key=value ...]\n", argv[0]);
        return 2;
    }
    hpo__forest_config cfg = {0};
    cfg.kind = strcmp(argv[1], "rf") == 0   ? HPO__FOREST_RF
               : strcmp(argv[1], "et") == 0 ? HPO__FOREST_ET
                                            : HPO__FOREST_GBRT;
    skrng sk = {0};
    int use_sk = 0;
    for (int a = 2; a < argc; a++) {
        char *eq = strchr(argv[a], '=');
        if (!eq) {
            fprintf(stderr, "bad argument %s\n", argv[a]);
            return 2;
        }
        *eq = '\0';
        const char *k = argv[a], *v = eq + 1;
        if (strcmp(k, "n_estimators") == 0)
            cfg.n_estimators = (size_t)strtoull(v, NULL, 10);
        else if (strcmp(k, "min_samples_leaf") == 0)
            cfg.min_samples_leaf = (size_t)strtoull(v, NULL, 10);
        else if (strcmp(k, "max_depth") == 0)
            cfg.max_depth = (size_t)strtoull(v, NULL, 10);
        else if (strcmp(k, "max_features") == 0)
            cfg.max_features = strtod(v, NULL);
        else if (strcmp(k, "learning_rate") == 0)
            cfg.learning_rate = strtod(v, NULL);
        else if (strcmp(k, "min_variance") == 0)
            cfg.min_variance = strtod(v, NULL);
        else if (strcmp(k, "seed") == 0)
            cfg.seed = strtoull(v, NULL, 10);
        else if (strcmp(k, "no_bootstrap") == 0)
            cfg.no_bootstrap = atoi(v);
        else if (strcmp(k, "q") == 0) {
            if (sscanf(v, "%lf,%lf,%lf", &cfg.quantiles[0], &cfg.quantiles[1], &cfg.quantiles[2]) !=
                3)
                return 2;
        } else if (strcmp(k, "sklearn_rng") == 0) {
            sk.seed = (uint32_t)strtoul(v, NULL, 10);
            use_sk = 1;
        } else {
            fprintf(stderr, "unknown key %s\n", k);
            return 2;
        }
    }
    size_t n, d, m;
    if (scanf("%zu %zu", &n, &d) != 2)
        return 2;
    cfg.d = d;
    if (use_sk) {
        sk.per_model =
            cfg.kind == HPO__FOREST_GBRT ? (cfg.n_estimators ? cfg.n_estimators : 100) : 1;
        cfg.draw = sk_draw;
        cfg.draw_ctx = &sk;
    }
    double *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    if (!X || !y)
        return 2;
    for (size_t i = 0; i < n; i++)
        if (read_doubles(X + i * d, d) || read_doubles(y + i, 1))
            return 2;
    if (scanf("%zu", &m) != 1)
        return 2;
    double *Xs = malloc((m * d + 1) * sizeof *Xs), *mu = malloc((m + 1) * sizeof *mu),
           *sd = malloc((m + 1) * sizeof *sd);
    if (!Xs || !mu || !sd || read_doubles(Xs, m * d))
        return 2;
    hpo__forest *f = NULL;
    int rc = hpo__forest_create(&f, &cfg);
    if (rc == 0)
        rc = hpo__forest_fit(f, X, y, n);
    if (rc == 0)
        rc = hpo__forest_predict(f, Xs, m, mu, sd);
    if (rc != 0) {
        fprintf(stderr, "forest: %d %s\n", rc, hpo_errmsg());
        return 1;
    }
    printf("{\"mu\": [");
    for (size_t i = 0; i < m; i++)
        printf("%s%.17g", i ? ", " : "", mu[i]);
    printf("], \"sd\": [");
    for (size_t i = 0; i < m; i++)
        printf("%s%.17g", i ? ", " : "", sd[i]);
    printf("]}\n");
    hpo__forest_destroy(f);
    free(X);
    free(y);
    free(Xs);
    free(mu);
    free(sd);
    return 0;
}
