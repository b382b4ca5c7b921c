/*
 * bo.c -- Bayesian optimization: the "gp", "rf", "et" and "gbrt" samplers, as
 * scikit-optimize's Optimizer (gp_minimize, forest_minimize, gbrt_minimize)
 * with the defaults of docs/customizing_bayesian_optimization.md (bo-notes,
 * changed where the project's benchmark refuted them: bench/README.md).
 *
 * Proposal `seq`:
 *   1. seq < n_initial_points: point seq of the initial design (random, sobol,
 *      halton, hammersly, lhs or grid), a pure function of (seed, seq);
 *   2. else the history (read inside the claim) gives the observations: complete
 *      trials (with a scheduler, those of the largest budget with at least D+1
 *      of them: BOHB), failed and pruned ones imputed at the worst value
 *      (failed: impute_worst) or dropped (failed: ignore), running ones pending
 *      (lost trials say nothing of their configuration and are skipped);
 *      fewer than 2 observations or a constant objective: the design goes on;
 *   3. the surrogate is fitted to the transformed values (output_transform),
 *      pending points join as constant-liar fantasies (strategy cl_mean by
 *      default, cl_min, cl_max), and the acquisition is maximized over n_points
 *      scrambled Sobol candidates plus perturbations of the best points, then
 *      (GP with acq_optimizer: lbfgs) by L-BFGS-B from the best candidates on
 *      the continuous coordinates and a neighbour search on the discrete ones;
 *   4. the best point whose configuration is neither evaluated nor pending is
 *      proposed; when every good point is taken, the most uncertain free
 *      candidate, then a design point.
 * Everything random is seeded by (seed, seq), so a history gives one proposal.
 * The GP's hyperparameters warm-start from the previous fit of this handle and
 * gp_hedge keeps its gains per handle (a resumed study starts them afresh).
 */
#include "core/encode.h"
#include "core/qmc.h"
#include "core/rng.h"
#include "core/space.h"
#include "models/acq.h"
#include "models/forest.h"
#include "models/gp.h"
#include "models/lbfgsb.h"
#include "models/ytransform.h"
#include "samplers/sampler.h"
#include "util/util.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

extern const hpo__sampler_ops hpo__gp_sampler_ops;
extern const hpo__sampler_ops hpo__rf_sampler_ops;
extern const hpo__sampler_ops hpo__et_sampler_ops;
extern const hpo__sampler_ops hpo__gbrt_sampler_ops;

typedef enum surr_kind { SURR_GP, SURR_RF, SURR_ET, SURR_GBRT } surr_kind;
static const char *const surr_names[] = {"GP", "RF", "ET", "GBRT", NULL};

typedef enum acq_kind {
    ACQ_AUTO,
    ACQ_LOGEI,
    ACQ_EI,
    ACQ_PI,
    ACQ_LCB,
    ACQ_HEDGE,
    ACQ_EIPS,
    ACQ_PIPS
} acq_kind;
static const char *const acq_names[] = {"auto",     "LogEI", "EI",   "PI", "LCB",
                                        "gp_hedge", "EIps",  "PIps", NULL};

typedef enum init_kind {
    INIT_RANDOM,
    INIT_SOBOL,
    INIT_HALTON,
    INIT_HAMMERSLY,
    INIT_LHS,
    INIT_GRID
} init_kind;
static const char *const init_names[] = {"random", "sobol", "halton", "hammersly",
                                         "lhs",    "grid",  NULL};

enum { OPT_AUTO, OPT_SAMPLING, OPT_LBFGS };
static const char *const opt_names[] = {"auto", "sampling", "lbfgs", NULL};
enum { CL_MIN, CL_MEAN, CL_MAX };
static const char *const cl_names[] = {"cl_min", "cl_mean", "cl_max", NULL};
static const char *const kernel_names[] = {"matern52", "matern32", "matern12", "rbf", NULL};
static const char *const hyper_names[] = {"map", "ml", NULL};
static const char *const ytf_names[] = {"standardize", "yeo-johnson", "log", "none", NULL};
static const hpo__ytf_kind ytf_kinds[] = {HPO__YTF_STANDARDIZE, HPO__YTF_YEO_JOHNSON, HPO__YTF_LOG,
                                          HPO__YTF_NONE};
static const char *const failed_names[] = {"impute_worst", "ignore", NULL};

static const char *const bo_options[] = {
    "base_estimator", "acq_func", "acq_optimizer", "n_initial_points", "initial_point_generator",
    "n_points", "n_restarts_optimizer", "xi", "kappa", "noise", "strategy", "acq_strategy",
    "kernel", "gp_hyper", "output_transform", "failed", "deterministic", "random_interleave",
    "n_estimators", "min_samples_leaf",
    /* KerasTuner's BayesianOptimization names */
    "num_initial_points", "alpha", "beta", NULL};

#define N_HEDGE 3 /* EI, LCB, PI: scikit-optimize's portfolio order */
#define MAX_SUBSET 300
#define ROUNDS 5

typedef struct bo_sampler {
    const hpo_space *space;
    hpo__encoder enc;
    size_t d;
    uint64_t seed;
    long long n_trials;
    surr_kind surr;
    acq_kind acq;
    int acq_opt;
    long long n_init;
    init_kind init;
    size_t n_points;
    long long n_restarts;
    double xi, kappa;
    int noise_given;
    double noise;
    int strategy;
    hpo__kernel kernel;
    hpo__gp_hyper hyper;
    hpo__ytf_kind ytf;
    int failed_ignore;
    int deterministic;
    double interleave;
    long long n_estimators, min_samples_leaf;
    /* the initial design */
    hpo__sobol sobol;
    hpo__halton halton;
    hpo__lhs lhs;
    /* state kept between proposals of this handle (guarded by lock) */
    pthread_mutex_t lock;
    double *theta;
    int have_theta;
    size_t fit_n; /* observations at the last hyperparameter fit */
    double gains[N_HEDGE];
    double *hedge_prev; /* N_HEDGE x d: last proposals of each arm */
    int have_hedge_prev;
    long long capacity; /* distinct configurations of an all-discrete space, or -1 */
} bo_sampler;

/* ------------------------------------------------------------ options */

static const char *who(const bo_sampler *b)
{
    static const char *const names[] = {"gp", "rf", "et", "gbrt"};
    return names[b->surr];
}

static int opt_enum(const hpo__sampler_config *cfg, const char *owner, const char *key,
                    const char *const *names, int dflt, int *out)
{
    return hpo__opt_enum(cfg->options, cfg->n_options, "sampler", owner, key, names, dflt, out);
}

static int opt_double(const hpo__sampler_config *cfg, const char *owner, const char *key,
                      double dflt, double *out)
{
    return hpo__opt_double(cfg->options, cfg->n_options, "sampler", owner, key, dflt, out);
}

static int opt_ll(const hpo__sampler_config *cfg, const char *owner, const char *key,
                  long long dflt, long long *out)
{
    return hpo__opt_ll(cfg->options, cfg->n_options, "sampler", owner, key, dflt, out);
}

/* A count option that may be "auto" (-1). */
static int opt_auto_ll(const hpo__sampler_config *cfg, const char *owner, const char *key,
                       long long lo, long long *out)
{
    const char *v = hpo__sampler_option(cfg, key);
    if (!v || !strcmp(v, "auto")) {
        *out = -1;
        return 0;
    }
    int rc = opt_ll(cfg, owner, key, 0, out);
    if (rc == 0 && *out < lo)
        rc = hpo__err(HPO_EINVAL, "sampler %s: %s: must be auto or at least %lld, got %lld", owner,
                      key, lo, *out);
    return rc;
}

static int parse_options(bo_sampler *b, const hpo__sampler_config *cfg, surr_kind dflt_surr)
{
    const char *own = who(b);
    int v, rc;
    if ((rc = opt_enum(cfg, own, "base_estimator", surr_names, (int)dflt_surr, &v)) != 0)
        return rc;
    b->surr = (surr_kind)v;
    own = who(b);
    if ((rc = opt_enum(cfg, own, "acq_func", acq_names, ACQ_AUTO, &v)) != 0)
        return rc;
    b->acq = (acq_kind)v;
    if ((rc = opt_enum(cfg, own, "acq_optimizer", opt_names, OPT_AUTO, &b->acq_opt)) != 0)
        return rc;
    if (b->acq_opt == OPT_LBFGS && b->surr != SURR_GP)
        return hpo__err(HPO_EINVAL,
                        "sampler %s: acq_optimizer: lbfgs needs a differentiable surrogate (GP); "
                        "use sampling",
                        own);
    const char *ni = hpo__sampler_option(cfg, "n_initial_points")     ? "n_initial_points"
                     : hpo__sampler_option(cfg, "num_initial_points") ? "num_initial_points"
                                                                      : "n_initial_points";
    if ((rc = opt_auto_ll(cfg, own, ni, 1, &b->n_init)) != 0)
        return rc;
    if ((rc = opt_enum(cfg, own, "initial_point_generator", init_names, INIT_SOBOL, &v)) != 0)
        return rc;
    b->init = (init_kind)v;
    long long np;
    if ((rc = opt_auto_ll(cfg, own, "n_points", 1, &np)) != 0)
        return rc;
    size_t nc = 200 * b->d;
    b->n_points = np > 0 ? (size_t)np : nc < 1024 ? 1024 : nc > 5000 ? 5000 : nc;
    if ((rc = opt_ll(cfg, own, "n_restarts_optimizer", 10, &b->n_restarts)) != 0)
        return rc;
    if (b->n_restarts < 0)
        return hpo__err(HPO_EINVAL, "sampler %s: n_restarts_optimizer: must be >= 0", own);
    /* scikit-optimize's xi = 0.01 when EI/PI/gp_hedge are asked for; LogEI 0. */
    double xi_dflt = (b->acq == ACQ_AUTO || b->acq == ACQ_LOGEI || b->acq == ACQ_LCB) ? 0.0 : 0.01;
    if ((rc = opt_double(cfg, own, "xi", xi_dflt, &b->xi)) != 0)
        return rc;
    const char *kap = hpo__sampler_option(cfg, "kappa")  ? "kappa"
                      : hpo__sampler_option(cfg, "beta") ? "beta"
                                                         : "kappa";
    if ((rc = opt_double(cfg, own, kap, 1.96, &b->kappa)) != 0)
        return rc;
    if (b->kappa < 0)
        return hpo__err(HPO_EINVAL, "sampler %s: %s: must be >= 0", own, kap);
    /* KerasTuner's BayesianOptimization minimizes mu - beta * sigma. */
    if (!strcmp(kap, "beta") && b->acq == ACQ_AUTO)
        b->acq = ACQ_LCB;
    if (b->acq == ACQ_AUTO)
        b->acq = ACQ_LOGEI;
    if ((b->acq == ACQ_EIPS || b->acq == ACQ_PIPS || b->acq == ACQ_HEDGE) && b->surr != SURR_GP)
        return hpo__err(HPO_EINVAL, "sampler %s: acq_func %s needs the GP surrogate", own,
                        acq_names[b->acq]);
    const char *nk = hpo__sampler_option(cfg, "noise")   ? "noise"
                     : hpo__sampler_option(cfg, "alpha") ? "alpha"
                                                         : NULL;
    if (nk) {
        const char *nv = hpo__sampler_option(cfg, nk);
        if (strcmp(nv, "auto") != 0 && strcmp(nv, "gaussian") != 0) {
            if ((rc = opt_double(cfg, own, nk, 0, &b->noise)) != 0)
                return rc;
            if (!(b->noise > 0))
                return hpo__err(HPO_EINVAL, "sampler %s: %s: must be auto or > 0", own, nk);
            b->noise_given = 1;
        }
    }
    const char *sk = hpo__sampler_option(cfg, "acq_strategy") ? "acq_strategy" : "strategy";
    /* cl_mean by default: on Branin with 2 and 4 workers it beat skopt's
     * cl_min (bench/README.md, "constant liar"). */
    if ((rc = opt_enum(cfg, own, sk, cl_names, CL_MEAN, &b->strategy)) != 0)
        return rc;
    if ((rc = opt_enum(cfg, own, "kernel", kernel_names, 0, &v)) != 0)
        return rc;
    b->kernel = (hpo__kernel)v;
    if ((rc = opt_enum(cfg, own, "gp_hyper", hyper_names, 0, &v)) != 0)
        return rc;
    b->hyper = v ? HPO__GP_ML : HPO__GP_MAP;
    if ((rc = opt_enum(cfg, own, "output_transform", ytf_names, 1, &v)) != 0)
        return rc;
    b->ytf = ytf_kinds[v];
    if ((rc = opt_enum(cfg, own, "failed", failed_names, 0, &b->failed_ignore)) != 0)
        return rc;
    if ((rc = hpo__opt_bool(cfg->options, cfg->n_options, "sampler", own, "deterministic", 0,
                            &b->deterministic)) != 0)
        return rc;
    if ((rc = opt_double(cfg, own, "random_interleave", 0.0, &b->interleave)) != 0)
        return rc;
    if (b->interleave < 0 || b->interleave > 1)
        return hpo__err(HPO_EINVAL, "sampler %s: random_interleave: must be in [0, 1]", own);
    if ((rc = opt_ll(cfg, own, "n_estimators", 0, &b->n_estimators)) != 0 ||
        (rc = opt_ll(cfg, own, "min_samples_leaf", 0, &b->min_samples_leaf)) != 0)
        return rc;
    if (b->n_estimators < 0 || b->min_samples_leaf < 0)
        return hpo__err(HPO_EINVAL, "sampler %s: n_estimators and min_samples_leaf must be >= 0",
                        own);
    /* n_initial_points auto: max(5, D + 1), at most a quarter of the budget. */
    if (b->n_init < 0) {
        long long n = (long long)b->d + 1 < 5 ? 5 : (long long)b->d + 1;
        if (cfg->n_trials > 0 && n > cfg->n_trials / 4)
            n = cfg->n_trials / 4 < 2 ? 2 : cfg->n_trials / 4;
        b->n_init = n;
    }
    return 0;
}

/* ------------------------------------------------------------ life cycle */

static void bo_destroy(hpo__sampler *s)
{
    bo_sampler *b = (bo_sampler *)s;
    if (!b)
        return;
    hpo__encoder_free(&b->enc);
    hpo__sobol_free(&b->sobol);
    hpo__halton_free(&b->halton);
    hpo__lhs_free(&b->lhs);
    hpo__free(b->theta);
    hpo__free(b->hedge_prev);
    pthread_mutex_destroy(&b->lock);
    hpo__free(b);
}

static long long discrete_capacity(const hpo_space *space);

static int bo_create_kind(hpo__sampler **out, const hpo__sampler_config *cfg,
                          const hpo__sampler_ops *ops, surr_kind kind)
{
    int rc = hpo__sampler_check_options(ops, cfg);
    if (rc)
        return rc;
    bo_sampler *b = hpo__calloc(1, sizeof *b);
    if (!b)
        return hpo__enomem();
    if (pthread_mutex_init(&b->lock, NULL) != 0) {
        hpo__free(b);
        return hpo__err(HPO_ENOMEM, "sampler %s: cannot create a mutex", ops->name);
    }
    b->surr = kind;
    b->space = cfg->space;
    b->seed = cfg->seed;
    b->n_trials = cfg->n_trials;
    char owner[32];
    snprintf(owner, sizeof owner, "sampler %s", ops->name);
    if ((rc = hpo__encoder_init(&b->enc, cfg->space, owner)) != 0)
        goto fail;
    b->d = b->enc.d;
    if ((rc = parse_options(b, cfg, kind)) != 0)
        goto fail;
    /* The design's coordinates: one per parameter. Sobol also continues the
     * finite designs and serves as the fallback. */
    rc = hpo__sobol_init(&b->sobol, b->d, 1, b->seed);
    if (rc == 0 && b->init == INIT_HALTON)
        rc = hpo__halton_init(&b->halton, b->d, 1, b->seed);
    if (rc == 0 && b->init == INIT_HAMMERSLY && b->d > 1)
        rc = hpo__halton_init(&b->halton, b->d - 1, 0, b->seed);
    if (rc == 0 && b->init == INIT_LHS)
        rc = hpo__lhs_init(&b->lhs, b->d, (uint64_t)b->n_init, 1, b->seed);
    if (rc)
        goto fail;
    b->capacity = discrete_capacity(cfg->space);
    b->hedge_prev = hpo__calloc(N_HEDGE * b->d, sizeof *b->hedge_prev);
    b->theta = hpo__calloc(b->d + 2, sizeof *b->theta);
    if (!b->hedge_prev || !b->theta) {
        rc = hpo__enomem();
        goto fail;
    }
    *out = (hpo__sampler *)b;
    return 0;
fail:
    bo_destroy((hpo__sampler *)b);
    return rc;
}

/* An all-discrete space has finitely many configurations: the study stops
 * when every one was tried instead of proposing one again. */
static long long bo_capacity(const hpo__sampler *s)
{
    return ((const bo_sampler *)s)->capacity;
}

static long long discrete_capacity(const hpo_space *space)
{
    const hpo__subspace *sub = &space->subs[0];
    for (size_t j = 0; j < sub->n; j++)
        if (sub->params[j].kind == HPO__PARAM_FLOAT)
            return -1;
    hpo__grid *g = NULL;
    if (hpo__grid_create(space, &g) != 0) {
        hpo__err_clear();
        return -1;
    }
    unsigned long long n = hpo__grid_size(g);
    hpo__grid_destroy(g);
    return n > (unsigned long long)LLONG_MAX ? -1 : (long long)n;
}

/* ------------------------------------------------------------ the design */

/* A point of the unit cube into a code: categorical coordinates become levels. */
static void cube_to_code(const bo_sampler *b, double *u)
{
    for (size_t j = 0; j < b->d; j++) {
        if (b->enc.categorical[j]) {
            double c = floor(u[j] * (double)b->enc.levels[j]);
            double top = (double)b->enc.levels[j] - 1;
            u[j] = c < 0 ? 0 : c > top ? top : c;
        }
    }
}

/* Point k of the initial design as a code; attempt > 0: a random point
 * (seeded by k and attempt) instead. */
static int design_point(const bo_sampler *b, long long k, long long attempt, double *u)
{
    hpo__rng rng;
    hpo__rng_seed(&rng, b->seed, (uint64_t)k * 1024 + (uint64_t)attempt);
    int rc = 0;
    uint64_t n = (uint64_t)b->n_init;
    init_kind kind = attempt > 0 ? INIT_RANDOM : b->init;
    /* Past the end of a finite design the Sobol sequence continues it. */
    if ((kind == INIT_LHS || kind == INIT_HAMMERSLY || kind == INIT_GRID) && (uint64_t)k >= n)
        kind = INIT_SOBOL;
    switch (kind) {
    case INIT_RANDOM:
        for (size_t j = 0; j < b->d; j++)
            u[j] = hpo__rng_uniform(&rng);
        break;
    case INIT_SOBOL:
        rc = hpo__sobol_point(&b->sobol, (uint64_t)k, u);
        break;
    case INIT_HALTON:
        hpo__halton_point(&b->halton, (uint64_t)k + 1, u);
        break;
    case INIT_HAMMERSLY:
        /* (k + 1/2) / n first, Halton in the rest (scikit-optimize's Hammersly). */
        u[0] = ((double)k + 0.5) / (double)n;
        if (b->d > 1)
            hpo__halton_point(&b->halton, (uint64_t)k + 1, u + 1);
        break;
    case INIT_LHS:
        rc = hpo__lhs_point(&b->lhs, (uint64_t)k, u);
        break;
    case INIT_GRID: {
        /* A full-factorial layout with m points a side (m^d >= n), cell
         * centres, visited in a keyed random order. */
        uint64_t m = 1;
        while (pow((double)m, (double)b->d) < (double)n)
            m++;
        double total = pow((double)m, (double)b->d);
        uint64_t cells = total > 1e18 ? (uint64_t)1e18 : (uint64_t)total;
        hpo__perm perm;
        hpo__perm_init(&perm, cells, b->seed, 0x67726964);
        uint64_t idx = hpo__perm_apply(&perm, (uint64_t)k % cells);
        for (size_t j = 0; j < b->d; j++) {
            u[j] = ((double)(idx % m) + 0.5) / (double)m;
            idx /= m;
        }
        break;
    }
    }
    if (rc)
        return rc;
    cube_to_code(b, u);
    return hpo__encode_snap(&b->enc, u);
}

/* ------------------------------------------------------------ observations */

typedef struct obs {
    size_t n, cap;
    double *X; /* n x d codes */
    double *y; /* objective as minimized (maximize: negated) */
    double *t; /* log duration, NaN when unknown */
} obs;

static int obs_push(obs *o, size_t d, const double *x, double y, double t)
{
    if (o->n == o->cap) {
        size_t cap = o->cap ? 2 * o->cap : 64;
        double *X = hpo__realloc(o->X, cap * d * sizeof *X);
        if (!X)
            return hpo__enomem();
        o->X = X;
        double *yy = hpo__realloc(o->y, cap * sizeof *yy);
        if (!yy)
            return hpo__enomem();
        o->y = yy;
        double *tt = hpo__realloc(o->t, cap * sizeof *tt);
        if (!tt)
            return hpo__enomem();
        o->t = tt;
        o->cap = cap;
    }
    memcpy(o->X + o->n * d, x, d * sizeof *x);
    o->y[o->n] = y;
    o->t[o->n] = t;
    o->n++;
    return 0;
}

static void obs_free(obs *o)
{
    hpo__free(o->X);
    hpo__free(o->y);
    hpo__free(o->t);
    memset(o, 0, sizeof *o);
}

/* What the history says: observations, imputed (failed/pruned) codes,
 * pending codes and every configuration's code (for duplicates). */
typedef struct view {
    obs seen;    /* complete (at the chosen budget) */
    obs bad;     /* failed or pruned: imputed at the worst value */
    obs pending; /* running */
    obs taken;   /* every code with params: never proposed again */
} view;

static void view_free(view *v)
{
    obs_free(&v->seen);
    obs_free(&v->bad);
    obs_free(&v->pending);
    obs_free(&v->taken);
}

static int read_history(const bo_sampler *b, const hpo__history *h, view *v)
{
    size_t d = b->d;
    double *x = hpo__malloc(d * sizeof *x);
    if (!x)
        return hpo__enomem();
    double sign = h->direction == HPO_MAXIMIZE ? -1.0 : 1.0;
    /* BOHB: with budgets, model the largest budget with at least D + 1
     * complete observations. */
    double budget = hpo__history_model_budget(h, d + 1);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < h->n; i++) {
        const hpo__history_entry *e = &h->entries[i];
        if (!e->params || hpo__encode(&b->enc, e->params, x) != 0) {
            hpo__err_clear();
            continue; /* not of this space: not modelled */
        }
        rc = obs_push(&v->taken, d, x, 0, NAN);
        if (rc)
            break;
        switch (e->state) {
        case HPO_TRIAL_COMPLETE:
            if (!isfinite(e->value))
                break;
            if (isfinite(budget) && e->budget != budget)
                break;
            rc = obs_push(&v->seen, d, x, sign * e->value,
                          e->duration > 0 ? log(e->duration) : (double)NAN);
            break;
        case HPO_TRIAL_RUNNING:
            rc = obs_push(&v->pending, d, x, 0, NAN);
            break;
        case HPO_TRIAL_FAILED:
        case HPO_TRIAL_PRUNED:
            /* A lost worker says nothing about the configuration; with
             * budgets a trial's rung is what counts, not pruning. */
            if (e->lost || b->failed_ignore || isfinite(budget))
                break;
            rc = obs_push(&v->bad, d, x, 0, NAN);
            break;
        }
    }
    hpo__free(x);
    return rc;
}

static int is_taken(const view *v, size_t d, const double *x)
{
    for (size_t i = 0; i < v->taken.n; i++) {
        const double *t = v->taken.X + i * d;
        size_t j = 0;
        while (j < d && fabs(t[j] - x[j]) <= 1e-12)
            j++;
        if (j == d)
            return 1;
    }
    return 0;
}

/* ------------------------------------------------------------ models */

typedef struct model {
    const bo_sampler *b;
    hpo__gp *gp;
    hpo__forest *forest;
    hpo__gp *tgp; /* log duration (EIps/PIps) */
    hpo__ytf ttf; /* its standardization */
    double fbest; /* incumbent for EI/PI (transformed best y) */
    double fmu;   /* incumbent for LogEI: min posterior mean at the data */
} model;

static void model_free(model *m)
{
    hpo__gp_destroy(m->gp);
    hpo__forest_destroy(m->forest);
    hpo__gp_destroy(m->tgp);
}

/* Mean and sd at m points. */
static int model_predict(const model *m, const double *X, size_t n, double *mu, double *sd)
{
    int rc;
    if (m->gp) {
        rc = hpo__gp_predict(m->gp, X, n, mu, sd);
        if (rc == 0)
            for (size_t i = 0; i < n; i++)
                sd[i] = sqrt(sd[i]);
    } else {
        rc = hpo__forest_predict(m->forest, X, n, mu, sd);
    }
    return rc;
}

/* Acquisition `a` (to maximize) from mean and sd; with derivatives. */
static double acq_value(const model *m, acq_kind a, double mu, double sd, double tmu, double *dmu,
                        double *dsd, double *dtmu)
{
    const bo_sampler *b = m->b;
    double v = 0, gm = 0, gs = 0, gt = 0;
    switch (a) {
    case ACQ_LOGEI:
        v = hpo__acq_logei(mu, sd, m->fmu, b->xi, &gm, &gs);
        break;
    case ACQ_EI:
        v = hpo__acq_ei(mu, sd, m->fbest, b->xi, &gm, &gs);
        break;
    case ACQ_PI:
        v = hpo__acq_pi(mu, sd, m->fbest, b->xi, &gm, &gs);
        break;
    case ACQ_LCB:
        v = hpo__acq_lcb(mu, sd, b->kappa, &gm, &gs);
        break;
    case ACQ_EIPS:
        /* EI per second, in log form: log EI - E[log t]. */
        v = hpo__acq_logei(mu, sd, m->fbest, b->xi, &gm, &gs) - tmu;
        gt = -1;
        break;
    case ACQ_PIPS: {
        double p = hpo__acq_pi(mu, sd, m->fbest, b->xi, &gm, &gs);
        double s = exp(-tmu);
        v = p * s;
        gm *= s;
        gs *= s;
        gt = -v;
        break;
    }
    case ACQ_AUTO:
    case ACQ_HEDGE:
        break;
    }
    if (dmu)
        *dmu = gm;
    if (dsd)
        *dsd = gs;
    if (dtmu)
        *dtmu = gt;
    return isnan(v) ? -(double)INFINITY : v;
}

/* Acquisition values at n codes. */
static int acq_batch(const model *m, acq_kind a, const double *X, size_t n, double *out)
{
    double *mu = hpo__malloc(3 * n * sizeof *mu);
    if (!mu)
        return hpo__enomem();
    double *sd = mu + n, *tm = mu + 2 * n;
    int rc = model_predict(m, X, n, mu, sd);
    if (rc == 0 && m->tgp && (a == ACQ_EIPS || a == ACQ_PIPS)) {
        rc = hpo__gp_predict(m->tgp, X, n, tm, NULL);
        for (size_t i = 0; rc == 0 && i < n; i++)
            tm[i] = m->ttf.mean1 + m->ttf.sd1 * tm[i];
    } else {
        for (size_t i = 0; i < n; i++)
            tm[i] = 0;
    }
    for (size_t i = 0; rc == 0 && i < n; i++)
        out[i] = acq_value(m, a, mu[i], sd[i], tm[i], NULL, NULL, NULL);
    hpo__free(mu);
    return rc;
}

/* Fit the GP's hyperparameters on (a subset of) the observations, then
 * condition on all of them. */
static int fit_gp(bo_sampler *b, model *m, const double *X, const double *y, size_t n,
                  long long seq)
{
    hpo__gp_config cfg = {
        .d = b->d,
        .categorical = b->enc.categorical,
        .kernel = b->kernel,
        .hyper = b->hyper,
        .alpha = 0,
        .fix_noise = b->noise_given || b->deterministic,
        .noise = b->noise_given     ? b->noise
                 : b->deterministic ? 1e-6
                                    : 1e-2,
    };
    int rc = hpo__gp_create(&m->gp, &cfg);
    if (rc)
        return rc;
    size_t nt = hpo__gp_n_theta(m->gp);
    int refit = !b->have_theta || n <= MAX_SUBSET || (double)n >= 1.1 * (double)b->fit_n;
    if (refit) {
        /* Subset of data for the hyperparameters past MAX_SUBSET points: the
         * best 100 and 200 drawn at random (seeded). */
        size_t ns = n;
        const double *Xs = X, *ys = y;
        double *sub = NULL;
        if (n > MAX_SUBSET) {
            ns = MAX_SUBSET;
            sub = hpo__malloc(ns * (b->d + 1) * sizeof *sub);
            size_t *idx = hpo__malloc(n * sizeof *idx);
            if (!sub || !idx) {
                hpo__free(sub);
                hpo__free(idx);
                return hpo__enomem();
            }
            for (size_t i = 0; i < n; i++)
                idx[i] = i;
            /* partial selection of the 100 best */
            for (size_t i = 0; i < 100; i++) {
                size_t best = i;
                for (size_t k = i + 1; k < n; k++)
                    if (y[idx[k]] < y[idx[best]])
                        best = k;
                size_t t = idx[i];
                idx[i] = idx[best];
                idx[best] = t;
            }
            hpo__rng rng;
            hpo__rng_seed(&rng, b->seed, (uint64_t)seq ^ 0x737562ULL);
            for (size_t i = 100; i < ns; i++) {
                size_t k = i + (size_t)hpo__rng_below(&rng, n - i);
                size_t t = idx[i];
                idx[i] = idx[k];
                idx[k] = t;
            }
            for (size_t i = 0; i < ns; i++) {
                memcpy(sub + i * b->d, X + idx[i] * b->d, b->d * sizeof *X);
                sub[ns * b->d + i] = y[idx[i]];
            }
            Xs = sub;
            ys = sub + ns * b->d;
            hpo__free(idx);
        }
        rc = hpo__gp_set_data(m->gp, Xs, ys, ns);
        if (rc == 0) {
            size_t n_starts = 1 + (size_t)b->have_theta + (seq % 10 == 0 ? 2 : 0);
            double *starts = hpo__malloc(n_starts * nt * sizeof *starts);
            if (!starts) {
                rc = hpo__enomem();
            } else {
                size_t k = 0;
                if (b->have_theta)
                    memcpy(starts + nt * k++, b->theta, nt * sizeof *starts);
                hpo__gp_theta_default(m->gp, starts + nt * k++);
                if (k < n_starts)
                    hpo__gp_sample_theta(m->gp, b->seed, (uint64_t)seq, starts + nt * k,
                                         n_starts - k);
                rc = hpo__gp_fit(m->gp, starts, n_starts, NULL);
                hpo__free(starts);
            }
        }
        hpo__free(sub);
        if (rc == 0) {
            memcpy(b->theta, hpo__gp_theta(m->gp), nt * sizeof *b->theta);
            b->have_theta = 1;
            b->fit_n = n;
        }
        if (rc == 0 && n > MAX_SUBSET)
            rc = hpo__gp_set_data(m->gp, X, y, n);
        if (rc == 0 && n > MAX_SUBSET)
            rc = hpo__gp_set_theta(m->gp, b->theta);
    } else {
        rc = hpo__gp_set_data(m->gp, X, y, n);
        if (rc == 0)
            rc = hpo__gp_set_theta(m->gp, b->theta);
    }
    return rc;
}

/* A GP on the standardized log durations (EIps/PIps). */
static int fit_time_gp(bo_sampler *b, model *m, const obs *seen)
{
    size_t n = 0;
    double *X = hpo__malloc(seen->n * b->d * sizeof *X);
    double *t = hpo__malloc((seen->n + 1) * sizeof *t);
    int rc = 0;
    if (!X || !t) {
        rc = hpo__enomem();
        goto done;
    }
    for (size_t i = 0; i < seen->n; i++) {
        if (!isfinite(seen->t[i]))
            continue;
        memcpy(X + n * b->d, seen->X + i * b->d, b->d * sizeof *X);
        t[n++] = seen->t[i];
    }
    hpo__ytf_fit(&m->ttf, t, n ? n : 1, HPO__YTF_STANDARDIZE);
    if (n == 0) {
        m->ttf.mean1 = 0;
        m->ttf.sd1 = 1;
    }
    for (size_t i = 0; i < n; i++)
        t[i] = hpo__ytf_apply(&m->ttf, t[i]);
    if (m->ttf.constant)
        m->ttf.sd1 = 1;
    hpo__gp_config cfg = {.d = b->d,
                          .categorical = b->enc.categorical,
                          .kernel = b->kernel,
                          .hyper = HPO__GP_MAP,
                          .noise = 1e-2};
    if ((rc = hpo__gp_create(&m->tgp, &cfg)) != 0 || (rc = hpo__gp_set_data(m->tgp, X, t, n)) != 0)
        goto done;
    double *start = hpo__malloc(hpo__gp_n_theta(m->tgp) * sizeof *start);
    if (!start) {
        rc = hpo__enomem();
        goto done;
    }
    hpo__gp_theta_default(m->tgp, start);
    rc = n >= 2 ? hpo__gp_fit(m->tgp, start, 1, NULL) : hpo__gp_set_theta(m->tgp, start);
    hpo__free(start);
done:
    hpo__free(X);
    hpo__free(t);
    return rc;
}

/* ------------------------------------------------------------ acquisition optimizer */

typedef struct lb_ctx {
    const model *m;
    acq_kind a;
    double *x;          /* full code; the optimized coordinates are written into it */
    const size_t *cont; /* indices of the continuous coordinates */
    size_t nc;
    double *g;     /* d scratch */
    double *dvar;  /* d scratch */
    double *tg;    /* d scratch */
    double *tdvar; /* d scratch */
} lb_ctx;

static int lb_fn(const double *z, double *g, double *f, void *payload)
{
    lb_ctx *c = payload;
    const bo_sampler *b = c->m->b;
    for (size_t k = 0; k < c->nc; k++)
        c->x[c->cont[k]] = z[k];
    double mu, var, tmu = 0;
    int rc = hpo__gp_predict_grad(c->m->gp, c->x, &mu, &var, c->g, c->dvar);
    if (rc)
        return rc;
    for (size_t j = 0; j < b->d; j++)
        c->tg[j] = 0;
    if (c->m->tgp && (c->a == ACQ_EIPS || c->a == ACQ_PIPS)) {
        double tv;
        if ((rc = hpo__gp_predict_grad(c->m->tgp, c->x, &tmu, &tv, c->tg, c->tdvar)) != 0)
            return rc;
        tmu = c->m->ttf.mean1 + c->m->ttf.sd1 * tmu;
        for (size_t j = 0; j < b->d; j++)
            c->tg[j] *= c->m->ttf.sd1;
    }
    double sd = sqrt(var);
    double dmu, dsd, dt;
    double v = acq_value(c->m, c->a, mu, sd, tmu, &dmu, &dsd, &dt);
    if (!isfinite(v)) {
        *f = INFINITY;
        for (size_t k = 0; k < c->nc; k++)
            g[k] = 0;
        return 0;
    }
    *f = -v;
    for (size_t k = 0; k < c->nc; k++) {
        size_t j = c->cont[k];
        double dsdx = sd > 0 ? c->dvar[j] / (2 * sd) : 0;
        g[k] = -(dmu * c->g[j] + dsd * dsdx + dt * c->tg[j]);
    }
    return 0;
}

/* Local search from x (a code) for acquisition a: L-BFGS-B over the continuous
 * coordinates, then neighbours of the discrete ones, alternating. *val is the
 * acquisition at the result. */
static int local_search(const model *m, acq_kind a, double *x, double *val)
{
    const bo_sampler *b = m->b;
    size_t d = b->d;
    size_t *cont = hpo__malloc(d * sizeof *cont);
    double *buf = hpo__malloc(8 * d * sizeof *buf);
    if (!cont || !buf) {
        hpo__free(cont);
        hpo__free(buf);
        return hpo__enomem();
    }
    double *z = buf, *lo = buf + d, *hi = buf + 2 * d, *trial = buf + 3 * d;
    lb_ctx c = {.m = m,
                .a = a,
                .x = x,
                .cont = cont,
                .g = buf + 4 * d,
                .dvar = buf + 5 * d,
                .tg = buf + 6 * d,
                .tdvar = buf + 7 * d};
    for (size_t j = 0; j < d; j++)
        if (!b->enc.categorical[j] && b->enc.levels[j] == 0)
            cont[c.nc++] = j;
    int rc = acq_batch(m, a, x, 1, val);
    hpo__lbfgsb_opts o = hpo__lbfgsb_defaults();
    o.max_iter = 50;
    o.pgtol = 1e-6;
    for (int round = 0; rc == 0 && round < ROUNDS; round++) {
        double before = *val;
        if (c.nc && m->gp) {
            for (size_t k = 0; k < c.nc; k++) {
                z[k] = x[cont[k]];
                lo[k] = 0;
                hi[k] = 1;
            }
            memcpy(trial, x, d * sizeof *x);
            c.x = trial;
            double f;
            int lrc = hpo__lbfgsb(lb_fn, &c, c.nc, z, lo, hi, &o, &f, NULL);
            if (lrc == HPO_ENOMEM) {
                rc = lrc;
                break;
            }
            hpo__err_clear();
            for (size_t k = 0; k < c.nc; k++)
                trial[cont[k]] = z[k];
            double v;
            if ((rc = acq_batch(m, a, trial, 1, &v)) != 0)
                break;
            if (v > *val) {
                memcpy(x, trial, d * sizeof *x);
                *val = v;
            }
        }
        /* Discrete coordinates: int cells +-1, +-2; every categorical level. */
        for (size_t j = 0; rc == 0 && j < d; j++) {
            if (!b->enc.categorical[j] && b->enc.levels[j] == 0)
                continue;
            size_t L = b->enc.levels[j];
            if (b->enc.categorical[j]) {
                for (size_t l = 0; rc == 0 && l < L; l++) {
                    memcpy(trial, x, d * sizeof *x);
                    trial[j] = (double)l;
                    double v;
                    if ((rc = acq_batch(m, a, trial, 1, &v)) == 0 && v > *val) {
                        memcpy(x, trial, d * sizeof *x);
                        *val = v;
                    }
                }
            } else {
                static const int steps[] = {-2, -1, 1, 2};
                double cell = floor(x[j] * (double)L);
                for (size_t s = 0; rc == 0 && s < 4; s++) {
                    double nc = cell + steps[s];
                    if (nc < 0 || nc >= (double)L)
                        continue;
                    memcpy(trial, x, d * sizeof *x);
                    trial[j] = (nc + 0.5) / (double)L;
                    double v;
                    if ((rc = acq_batch(m, a, trial, 1, &v)) == 0 && v > *val) {
                        memcpy(x, trial, d * sizeof *x);
                        *val = v;
                    }
                }
            }
        }
        if (!(*val > before + 1e-12 * fabs(before)))
            break;
    }
    hpo__free(cont);
    hpo__free(buf);
    return rc;
}

/* Candidates: n_points scrambled Sobol points plus 20 perturbations of each of
 * the 5 best observations, snapped to codes. */
static int candidates(const bo_sampler *b, const view *v, long long seq, double **out, size_t *n)
{
    size_t d = b->d;
    size_t n_best = v->seen.n < 5 ? v->seen.n : 5;
    size_t total = b->n_points + 20 * n_best;
    double *C = hpo__malloc(total * d * sizeof *C);
    if (!C)
        return hpo__enomem();
    hpo__sobol sob;
    int rc = hpo__sobol_init(&sob, d, 1, b->seed ^ ((uint64_t)seq * 0x9e3779b97f4a7c15ULL));
    for (size_t i = 0; rc == 0 && i < b->n_points; i++) {
        rc = hpo__sobol_point(&sob, i, C + i * d);
        if (rc == 0) {
            cube_to_code(b, C + i * d);
            rc = hpo__encode_snap(&b->enc, C + i * d);
        }
    }
    hpo__sobol_free(&sob);
    /* the best observations by value */
    size_t best[5];
    for (size_t k = 0; k < n_best; k++) {
        size_t arg = SIZE_MAX;
        for (size_t i = 0; i < v->seen.n; i++) {
            int used = 0;
            for (size_t q = 0; q < k; q++)
                used |= best[q] == i;
            if (!used && (arg == SIZE_MAX || v->seen.y[i] < v->seen.y[arg]))
                arg = i;
        }
        best[k] = arg;
    }
    hpo__rng rng;
    hpo__rng_seed(&rng, b->seed ^ 0x70657274ULL, (uint64_t)seq);
    size_t at = b->n_points;
    for (size_t k = 0; rc == 0 && k < n_best; k++) {
        for (int r = 0; rc == 0 && r < 20; r++, at++) {
            double *x = C + at * d;
            memcpy(x, v->seen.X + best[k] * d, d * sizeof *x);
            for (size_t j = 0; j < d; j++) {
                if (b->enc.levels[j] == 0) { /* continuous: a Gaussian step */
                    x[j] += 0.05 * hpo__rng_normal(&rng);
                    x[j] = x[j] < 0 ? 0 : x[j] > 1 ? 1 : x[j];
                } else if (hpo__rng_uniform(&rng) < 1.0 / (double)d) { /* discrete: resampled */
                    double l = (double)hpo__rng_below(&rng, b->enc.levels[j]);
                    x[j] = b->enc.categorical[j] ? l : (l + 0.5) / (double)b->enc.levels[j];
                }
            }
            rc = hpo__encode_snap(&b->enc, x);
        }
    }
    if (rc) {
        hpo__free(C);
        return rc;
    }
    *out = C;
    *n = total;
    return 0;
}

/* Maximize acquisition a over the candidates C (with acq_optimizer lbfgs, a
 * local search from the best ones): the best point whose configuration is
 * neither evaluated nor pending into x, *found = 0 when every candidate is
 * taken. */
static int maximize(const bo_sampler *b, const model *m, acq_kind a, const view *v, const double *C,
                    size_t nc, double *x, int *found)
{
    size_t d = b->d;
    *found = 0;
    double *val = hpo__malloc(nc * sizeof *val);
    size_t *order = hpo__malloc(nc * sizeof *order);
    double *y = hpo__malloc(d * sizeof *y);
    int rc = 0;
    if (!val || !order || !y) {
        rc = hpo__enomem();
        goto done;
    }
    if ((rc = acq_batch(m, a, C, nc, val)) != 0)
        goto done;
    /* Candidates by acquisition, best first (ties by index: deterministic). */
    for (size_t i = 0; i < nc; i++)
        order[i] = i;
    size_t top = (size_t)b->n_restarts + 3 * 3;
    if (top > nc)
        top = nc;
    for (size_t i = 0; i < top; i++) {
        size_t arg = i;
        for (size_t k = i + 1; k < nc; k++)
            if (val[order[k]] > val[order[arg]])
                arg = k;
        size_t t = order[i];
        order[i] = order[arg];
        order[arg] = t;
    }
    double best = -INFINITY;
    /* auto = sampling: on the benchmark functions the L-BFGS-B polish drove
     * proposals to the cube's corners (bench/README.md, "acquisition optimizer"). */
    int local = m->gp && b->acq_opt == OPT_LBFGS && b->n_restarts > 0;
    size_t starts = 0;
    for (size_t i = 0; i < top; i++) {
        const double *c = C + order[i] * d;
        memcpy(y, c, d * sizeof *y);
        double vy = val[order[i]];
        if (local && starts < (size_t)b->n_restarts) {
            starts++;
            if ((rc = local_search(m, a, y, &vy)) != 0)
                goto done;
            if ((rc = hpo__encode_snap(&b->enc, y)) != 0 || (rc = acq_batch(m, a, y, 1, &vy)) != 0)
                goto done;
        }
        if (!(vy > best) || is_taken(v, d, y))
            continue;
        best = vy;
        memcpy(x, y, d * sizeof *y);
        *found = 1;
    }
    if (!*found) {
        /* Every top point is taken: the best free candidate. */
        for (size_t i = 0; i < nc; i++) {
            const double *c = C + i * d;
            if (val[i] > best && !is_taken(v, d, c)) {
                best = val[i];
                memcpy(x, c, d * sizeof *x);
                *found = 1;
            }
        }
    }
done:
    hpo__free(val);
    hpo__free(order);
    hpo__free(y);
    return rc;
}

/* ------------------------------------------------------------ propose */

static int propose_model(bo_sampler *b, long long seq, view *v, double *x, int *found)
{
    size_t d = b->d;
    *found = 0;
    model m = {.b = b};
    obs all = {0};
    double *C = NULL;
    size_t nc = 0;
    int rc = 0;
    /* Transformed values; imputed ones at the worst. */
    hpo__ytf tf;
    hpo__ytf_fit(&tf, v->seen.y, v->seen.n, b->ytf);
    double worst = -INFINITY, sum = 0, lo = INFINITY;
    for (size_t i = 0; i < v->seen.n; i++) {
        double t = hpo__ytf_apply(&tf, v->seen.y[i]);
        worst = t > worst ? t : worst;
        lo = t < lo ? t : lo;
        sum += t;
        if ((rc = obs_push(&all, d, v->seen.X + i * d, t, NAN)) != 0)
            goto done;
    }
    for (size_t i = 0; i < v->bad.n; i++)
        if ((rc = obs_push(&all, d, v->bad.X + i * d, worst, NAN)) != 0)
            goto done;
    double lie = b->strategy == CL_MIN   ? lo
                 : b->strategy == CL_MAX ? worst
                                         : sum / (double)v->seen.n;
    m.fbest = lo;
    if (b->surr == SURR_GP) {
        if ((rc = fit_gp(b, &m, all.X, all.y, all.n, seq)) != 0)
            goto done;
        for (size_t i = 0; i < v->pending.n; i++)
            if ((rc = hpo__gp_add_fantasy(m.gp, v->pending.X + i * d, lie)) != 0)
                goto done;
        if ((b->acq == ACQ_EIPS || b->acq == ACQ_PIPS) && (rc = fit_time_gp(b, &m, &v->seen)) != 0)
            goto done;
        /* LogEI's incumbent: the lowest posterior mean at the observed points. */
        double *mu = hpo__malloc(all.n * sizeof *mu);
        if (!mu) {
            rc = hpo__enomem();
            goto done;
        }
        rc = hpo__gp_predict(m.gp, all.X, all.n, mu, NULL);
        m.fmu = INFINITY;
        for (size_t i = 0; rc == 0 && i < v->seen.n; i++)
            m.fmu = mu[i] < m.fmu ? mu[i] : m.fmu;
        hpo__free(mu);
        if (rc)
            goto done;
    } else {
        hpo__forest_config fc = {
            .kind = b->surr == SURR_RF   ? HPO__FOREST_RF
                    : b->surr == SURR_ET ? HPO__FOREST_ET
                                         : HPO__FOREST_GBRT,
            .d = d,
            /* scikit-optimize's cook_estimator: GBRT with 30 trees a quantile */
            .n_estimators = b->n_estimators > 0    ? (size_t)b->n_estimators
                            : b->surr == SURR_GBRT ? 30
                                                   : 0,
            .min_samples_leaf = (size_t)b->min_samples_leaf,
            .seed = b->seed ^ (uint64_t)seq,
        };
        /* Pending points join the data at the lie (the forest is refitted). */
        for (size_t i = 0; i < v->pending.n; i++)
            if ((rc = obs_push(&all, d, v->pending.X + i * d, lie, NAN)) != 0)
                goto done;
        if ((rc = hpo__forest_create(&m.forest, &fc)) != 0 ||
            (rc = hpo__forest_fit(m.forest, all.X, all.y, all.n)) != 0)
            goto done;
        m.fmu = lo;
    }
    if ((rc = candidates(b, v, seq, &C, &nc)) != 0)
        goto done;
    if (b->acq == ACQ_HEDGE) {
        /* scikit-optimize's gp_hedge: each arm proposes; the gains of the
         * last proposals drop by the new model's mean there; softmax picks. */
        static const acq_kind arms[N_HEDGE] = {ACQ_EI, ACQ_LCB, ACQ_PI};
        if (b->have_hedge_prev) {
            double mu[N_HEDGE], sd[N_HEDGE];
            if ((rc = model_predict(&m, b->hedge_prev, N_HEDGE, mu, sd)) != 0)
                goto done;
            for (int k = 0; k < N_HEDGE; k++)
                b->gains[k] -= mu[k];
        }
        int ok[N_HEDGE] = {0};
        for (int k = 0; k < N_HEDGE; k++) {
            if ((rc = maximize(b, &m, arms[k], v, C, nc, b->hedge_prev + k * d, &ok[k])) != 0)
                goto done;
        }
        double probs[N_HEDGE];
        hpo__hedge_probs(b->gains, N_HEDGE, 1.0, probs);
        hpo__rng rng;
        hpo__rng_seed(&rng, b->seed ^ 0x6865646765ULL, (uint64_t)seq);
        int k = hpo__hedge_pick(probs, N_HEDGE, hpo__rng_uniform(&rng));
        for (int t = 0; t < N_HEDGE && !ok[k]; t++)
            k = (k + 1) % N_HEDGE;
        b->have_hedge_prev = ok[0] && ok[1] && ok[2];
        if (ok[k]) {
            memcpy(x, b->hedge_prev + k * d, d * sizeof *x);
            *found = 1;
        }
    } else {
        rc = maximize(b, &m, b->acq, v, C, nc, x, found);
    }
    if (rc == 0 && !*found) {
        /* Every candidate is taken: the most uncertain free one. */
        double *mu = hpo__malloc(2 * nc * sizeof *mu);
        if (!mu) {
            rc = hpo__enomem();
            goto done;
        }
        if ((rc = model_predict(&m, C, nc, mu, mu + nc)) == 0) {
            double best = -1;
            for (size_t i = 0; i < nc; i++) {
                if (mu[nc + i] > best && !is_taken(v, d, C + i * d)) {
                    best = mu[nc + i];
                    memcpy(x, C + i * d, d * sizeof *x);
                    *found = 1;
                }
            }
        }
        hpo__free(mu);
    }
done:
    hpo__free(C);
    obs_free(&all);
    model_free(&m);
    return rc;
}

static int bo_propose(hpo__sampler *s, long long seq, const hpo__history *history, hpo__params *out)
{
    bo_sampler *b = (bo_sampler *)s;
    size_t d = b->d;
    double *x = hpo__malloc(d * sizeof *x);
    if (!x)
        return hpo__enomem();
    view v = {0};
    int rc = 0, found = 0;
    pthread_mutex_lock(&b->lock);
    rc = read_history(b, history, &v);
    if (rc == 0 && seq >= b->n_init) {
        hpo__rng rng;
        hpo__rng_seed(&rng, b->seed ^ 0x696e746cULL, (uint64_t)seq);
        int interleave = b->interleave > 0 && hpo__rng_uniform(&rng) < b->interleave;
        size_t n_obs = v.seen.n;
        int constant = 1;
        for (size_t i = 1; i < n_obs; i++)
            constant &= v.seen.y[i] == v.seen.y[0];
        if (!interleave && n_obs >= 2 && !constant)
            rc = propose_model(b, seq, &v, x, &found);
    }
    /* The design point seq (past n_initial_points: the design goes on), then
     * random points while the configuration is taken; a space with no free
     * configuration left gets the design point again. */
    for (long long k = 0; rc == 0 && !found && k < 1000; k++) {
        rc = design_point(b, seq, k, x);
        found = rc == 0 && !is_taken(&v, d, x);
    }
    if (rc == 0 && !found)
        rc = design_point(b, seq, 0, x);
    pthread_mutex_unlock(&b->lock);
    if (rc == 0)
        rc = hpo__decode(&b->enc, x, out);
    view_free(&v);
    hpo__free(x);
    if (rc)
        hpo__err_prefix("sampler %s", who(b));
    return rc;
}

/* ------------------------------------------------------------ registration */

static int gp_create(hpo__sampler **out, const hpo__sampler_config *cfg)
{
    return bo_create_kind(out, cfg, &hpo__gp_sampler_ops, SURR_GP);
}
static int rf_create(hpo__sampler **out, const hpo__sampler_config *cfg)
{
    return bo_create_kind(out, cfg, &hpo__rf_sampler_ops, SURR_RF);
}
static int et_create(hpo__sampler **out, const hpo__sampler_config *cfg)
{
    return bo_create_kind(out, cfg, &hpo__et_sampler_ops, SURR_ET);
}
static int gbrt_create(hpo__sampler **out, const hpo__sampler_config *cfg)
{
    return bo_create_kind(out, cfg, &hpo__gbrt_sampler_ops, SURR_GBRT);
}

#define BO_OPS(var, nm, create_fn)                                                                 \
    const hpo__sampler_ops var = {                                                                 \
        .version = HPO__SAMPLER_OPS_VERSION,                                                       \
        .name = nm,                                                                                \
        .option_names = bo_options,                                                                \
        .create = create_fn,                                                                       \
        .destroy = bo_destroy,                                                                     \
        .capacity = bo_capacity,                                                                   \
        .propose = bo_propose,                                                                     \
        .needs_history = 1,                                                                        \
    }

BO_OPS(hpo__gp_sampler_ops, "gp", gp_create);
BO_OPS(hpo__rf_sampler_ops, "rf", rf_create);
BO_OPS(hpo__et_sampler_ops, "et", et_create);
BO_OPS(hpo__gbrt_sampler_ops, "gbrt", gbrt_create);
