/*
 * cv.c -- the cross-validated built-in-estimator objective.
 *
 * Reference behaviour: scikit-learn's GridSearchCV / cross_validate scoring of
 * one candidate: the same folds for every candidate (made once, at create),
 * preprocessing fitted on each fold's training rows only (a Pipeline), the
 * estimator refitted per fold, the scorer applied to the fold's test rows, the
 * candidate's value the unweighted mean of the fold scores; then refit=True:
 * the best candidate fitted on all training rows and, when a test set is given
 * (a separate file or a train_test_split-style hold-out), scored on it.
 * Scorers follow scikit-learn's: threshold scorers (roc_auc on a binary
 * target) use the decision function when the estimator has one, probability
 * scorers turn on `probability` for estimators that have that switch (svc).
 *
 * Parallelism: with workers > 1 a pool of that many threads runs (trial x
 * fold) jobs first-in first-out; the optimize loop's threads only wait for
 * their trial's folds, so at most `workers` fits run at once and a lone last
 * trial still spreads its folds. Each job gets max(1, cores / workers) library
 * threads (set_threads).
 *
 * Multi-fidelity (a scheduler's budget b for the trial, with a resource):
 * "n_samples" is scikit-learn 1.2's _SubsampleMetaSplitter -- each base fold's
 * training and test rows replaced by resample(rows, replace=False,
 * n_samples=int(b / n * len(rows)), random_state=seed): a fresh
 * RandomState(seed) per call, so the same draws for every fold and every
 * trial, in resample's permuted order (which the fit sees); the scaler is
 * fitted on those training rows. A hyperparameter resource is set to b in the
 * trial's configuration, as scikit-learn's halving does with
 * resource='n_estimators'. When it is also the estimator's resource_param
 * (mlp epochs, xgboost n_estimators), fold models are checkpointed as study
 * artifacts "ckpt/<trial>/<fold>" and a promoted trial (parent >= 0,
 * budget_start > 0) loads its parent's and continues them with fit_more --
 * bit for bit what a fit at b gives, so checkpoints only save time and a
 * missing one means training from scratch. A complete trial deletes its
 * parent's checkpoints (a configuration is promoted once per rung); a failed
 * or pruned one deletes its own (nothing continues from it).
 *
 * Invariants: the data set, test set and folds are read-only after create, so
 * trials run concurrently on one hpo__cv; only the pool's queue is shared and
 * it is guarded by its mutex. Checkpoints are read and written by the thread
 * that runs the fold (the storage handle is thread-safe, each key has one
 * writer). Costs per trial: folds x (copy of the fold's rows, scaler fit,
 * estimator fit and predict), plus with checkpoints one model save per fold
 * and, for a promoted trial, one load per fold.
 */
#include "objectives/cv.h"
#include "core/space.h"
#include "core/study.h"
#include "ml/estimator.h"
#include "ml/model.h"
#include "ml/nprandom.h"
#include "ml/scoring.h"
#include "ml/split.h"
#include "util/util.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef struct fold_job fold_job;

typedef enum resource_kind {
    RESOURCE_NONE = 0,
    RESOURCE_SAMPLES = 1, /* "n_samples" */
    RESOURCE_PARAM = 2    /* an integer hyperparameter */
} resource_kind;

typedef struct fold_pool {
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    fold_job *head, *tail;
    int stop;
    pthread_t *threads;
    size_t n_threads;
} fold_pool;

struct hpo__cv {
    hpo__dataset *data; /* training rows */
    hpo__dataset *test; /* NULL: no test set */
    hpo__fold *folds;
    size_t n_folds;
    const hpo__estimator_ops *est;
    const hpo__scorer_info *scorer;
    hpo__scaling scaling;
    hpo__params fixed;
    uint64_t seed;
    int use_decision; /* binary threshold scorer on an estimator with a decision function */
    int job_threads;
    fold_pool *pool;
    resource_kind rkind;
    char *resource;  /* owned; NULL with RESOURCE_NONE */
    int checkpoints; /* the resource is the estimator's resource_param (fit_more) */
};

/* Checkpoints of one fold job (RESOURCE_PARAM with checkpoints and a live
 * study): continue from `parent`'s fold model when parent >= 0, store the
 * fitted model under `self`. */
typedef struct fold_ckpt {
    hpo_study *study;
    long long self, parent;
    size_t fold;
    long long resource;
    int resumed; /* out: continued from the parent's checkpoint */
} fold_ckpt;

/* One fold of one trial. */
struct fold_job {
    const hpo__cv *cv;
    const hpo__params *hp;
    size_t fold;
    const size_t *train, *test; /* the fold's rows, subsampled with n_samples */
    size_t n_train, n_test;
    size_t *sub; /* owned subsample (train then test), or NULL */
    fold_ckpt ckpt;
    double score, fit_time, score_time;
    int rc;
    char err[512];
    size_t *pending; /* the trial's count of unfinished jobs (pool mode) */
    fold_job *next;
};

static void pool_destroy(fold_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; i < p->n_threads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    hpo__free(p->threads);
    hpo__free(p);
}

void hpo__cv_destroy(hpo__cv *cv)
{
    if (!cv)
        return;
    pool_destroy(cv->pool);
    hpo__dataset_free(cv->data);
    hpo__dataset_free(cv->test);
    hpo__folds_free(cv->folds, cv->n_folds);
    hpo__params_free(&cv->fixed);
    hpo__free(cv->resource);
    hpo__free(cv);
}

const char *hpo__cv_scoring(const hpo__cv *cv)
{
    return cv ? cv->scorer->name : NULL;
}

static const hpo__hyper *find_hyper(const hpo__estimator_ops *ops, const char *name)
{
    for (const hpo__hyper *h = ops->hypers; h->name; h++)
        if (strcmp(h->name, name) == 0)
            return h;
    return NULL;
}

static int has_hyper(const hpo__estimator_ops *ops, const char *name)
{
    return find_hyper(ops, name) != NULL;
}

/* "scheduler.resource: 'n_estimator' is not a hyperparameter of xgboost (did
 * you mean 'n_estimators'?)", else the list of what it can be. */
static int unknown_resource(const hpo__cv *cv, const char *r, const char *origin)
{
    size_t n = 1;
    for (const hpo__hyper *h = cv->est->hypers; h->name; h++)
        n++;
    const char **names = hpo__malloc(n * sizeof *names);
    hpo__buf ints = HPO__BUF_INIT;
    if (!names)
        return hpo__enomem();
    size_t k = 0;
    names[k++] = "n_samples";
    for (const hpo__hyper *h = cv->est->hypers; h->name; h++) {
        names[k++] = h->name;
        if (strcmp(h->type, "int") == 0)
            hpo__buf_printf(&ints, ", %s", h->name);
    }
    const char *near = hpo__suggest(r, names, n);
    int rc;
    if (ints.oom)
        rc = hpo__enomem();
    else if (near)
        rc = hpo__err(HPO_ESPEC,
                      "%s: scheduler.resource: '%s' is not a hyperparameter of %s (did you mean "
                      "'%s'?)",
                      origin, r, cv->est->name, near);
    else
        rc = hpo__err(HPO_ESPEC,
                      "%s: scheduler.resource: '%s' is not a hyperparameter of %s (expected "
                      "n_samples%s)",
                      origin, r, cv->est->name, ints.len ? ints.data : "");
    hpo__free(names);
    hpo__buf_free(&ints);
    return rc;
}

/* The resource: "n_samples" (the seed must fit numpy's RandomState) or an
 * integer hyperparameter that is not fixed. Sets rkind, resource and
 * checkpoints. */
static int check_resource(hpo__cv *cv, const hpo__cv_config *cfg, const char *origin)
{
    const char *r = cfg->resource;
    if (!r)
        return 0;
    if (strcmp(r, "n_samples") == 0) {
        if (cfg->seed > UINT32_MAX)
            return hpo__err(HPO_ESPEC,
                            "%s: scheduler.resource: n_samples subsamples the folds with numpy's "
                            "RandomState(seed), which needs a seed below 2^32, got %llu",
                            origin, (unsigned long long)cfg->seed);
        cv->rkind = RESOURCE_SAMPLES;
    } else {
        const hpo__hyper *h = find_hyper(cv->est, r);
        if (!h)
            return unknown_resource(cv, r, origin);
        if (strcmp(h->type, "int") != 0)
            return hpo__err(HPO_ESPEC,
                            "%s: scheduler.resource: '%s' is a %s hyperparameter of %s; the "
                            "resource must be n_samples or an integer hyperparameter",
                            origin, r, h->type, cv->est->name);
        if (hpo__params_find(&cv->fixed, r) >= 0)
            return hpo__err(HPO_ESPEC,
                            "%s: objective.fixed.%s: %s is the resource (scheduler.resource), "
                            "which the scheduler sets for every trial; it cannot be fixed",
                            origin, r, r);
        cv->rkind = RESOURCE_PARAM;
        cv->checkpoints = cv->est->resource_param && strcmp(cv->est->resource_param, r) == 0 &&
                          cv->est->save && cv->est->load && cv->est->fit_more;
    }
    if (!(cv->resource = hpo__strdup(r)))
        return hpo__enomem();
    return 0;
}

/* Training (and test) data: CSV or IDX, a separate test set or a hold-out. */
static int load_data(hpo__cv *cv, const hpo__cv_config *cfg, hpo__task task, const char *origin)
{
    int rc;
    if (cfg->data_path)
        rc = hpo__dataset_load_csv(cfg->data_path, cfg->target, task, &cv->data);
    else if (cfg->images && cfg->labels)
        rc = hpo__dataset_load_idx(cfg->images, cfg->labels, &cv->data);
    else
        return hpo__err(HPO_ESPEC,
                        "%s: objective.data: needs path: (CSV) or images: and labels: "
                        "(IDX)",
                        origin);
    if (rc)
        return rc;
    if (cfg->data_path == NULL && task == HPO__TASK_REGRESSION)
        return hpo__err(HPO_ESPEC,
                        "%s: objective.data: IDX labels are classes; %s is a "
                        "regressor",
                        origin, cfg->estimator);
    int n_sources = (cfg->test_path != NULL) + (cfg->test_images != NULL) + (cfg->test_size > 0);
    if (n_sources > 1)
        return hpo__err(HPO_ESPEC,
                        "%s: objective.data: give one of test:, test_images: or "
                        "test_size:",
                        origin);
    if (cfg->test_path) {
        if (!cfg->data_path)
            return hpo__err(HPO_ESPEC,
                            "%s: objective.data.test: a CSV test set needs CSV "
                            "training data",
                            origin);
        return hpo__dataset_load_like(cfg->test_path, cv->data, 1, &cv->test, NULL);
    }
    if (cfg->test_images || cfg->test_labels) {
        if (!cfg->test_images || !cfg->test_labels)
            return hpo__err(HPO_ESPEC,
                            "%s: objective.data: test_images: and test_labels: go "
                            "together",
                            origin);
        if ((rc = hpo__dataset_load_idx(cfg->test_images, cfg->test_labels, &cv->test)) != 0)
            return rc;
        if (cv->test->d != cv->data->d)
            return hpo__err(HPO_ESPEC,
                            "%s: objective.data: test images have %zu pixels, "
                            "training images %zu",
                            origin, cv->test->d, cv->data->d);
        return hpo__dataset_align_classes(cv->test, cv->data);
    }
    if (cfg->test_size > 0) {
        if (!(cfg->test_size < 1))
            return hpo__err(HPO_ESPEC, "%s: objective.data.test_size must be in (0, 1)", origin);
        hpo__fold *split = NULL;
        /* stream 1 of the seed: independent of the cv shuffling */
        if ((rc = hpo__shuffle_split(cv->data->n, 1, cfg->test_size, cfg->seed ^ 0x7e57u,
                                     &split)) != 0)
            return hpo__err(HPO_ESPEC, "%s: objective.data.test_size: %s", origin, hpo_errmsg());
        hpo__dataset *train = NULL, *test = NULL;
        rc = hpo__dataset_subset(cv->data, split->train, split->n_train, &train);
        if (rc == 0)
            rc = hpo__dataset_subset(cv->data, split->test, split->n_test, &test);
        hpo__folds_free(split, 1);
        if (rc) {
            hpo__dataset_free(train);
            return rc;
        }
        hpo__dataset_free(cv->data);
        cv->data = train;
        cv->test = test;
    }
    return 0;
}

static int make_folds(hpo__cv *cv, const hpo__cv_config *cfg, const char *origin)
{
    int classif = cv->data->task == HPO__TASK_CLASSIFICATION;
    hpo__cv_kind kind = cfg->kind;
    if (kind == HPO__CV_AUTO)
        kind = classif ? HPO__CV_STRATIFIED : HPO__CV_KFOLD;
    if (kind == HPO__CV_STRATIFIED && !classif)
        return hpo__err(HPO_ESPEC,
                        "%s: objective.cv: stratified folds need a classification "
                        "target",
                        origin);
    size_t k = cfg->folds ? cfg->folds : 5;
    int rc;
    if (cfg->repeats > 1 && (kind == HPO__CV_SHUFFLE || kind == HPO__CV_HOLDOUT))
        return hpo__err(HPO_ESPEC,
                        "%s: objective.cv.repeats: repeats go with k-fold kinds (use "
                        "folds: N with shuffle_split)",
                        origin);
    if (kind == HPO__CV_SHUFFLE || kind == HPO__CV_HOLDOUT) {
        double frac = cfg->cv_test_size > 0     ? cfg->cv_test_size
                      : kind == HPO__CV_SHUFFLE ? 0.1
                                                : 0.25;
        if (kind == HPO__CV_HOLDOUT)
            k = 1;
        rc = hpo__shuffle_split(cv->data->n, k, frac, cfg->seed, &cv->folds);
    } else if (cfg->repeats > 1) { /* RepeatedStratifiedKFold / RepeatedKFold */
        rc = hpo__repeated_kfold(kind == HPO__CV_STRATIFIED ? cv->data->y : NULL, cv->data->n, k,
                                 cfg->repeats, cfg->seed, &cv->folds);
        k *= cfg->repeats;
    } else if (kind == HPO__CV_STRATIFIED) {
        rc =
            hpo__stratified_kfold(cv->data->y, cv->data->n, k, cfg->shuffle, cfg->seed, &cv->folds);
    } else {
        rc = hpo__kfold(cv->data->n, k, cfg->shuffle, cfg->seed, &cv->folds);
    }
    if (rc)
        return hpo__err(HPO_ESPEC, "%s: objective.cv: %s", origin, hpo_errmsg());
    cv->n_folds = k;
    return 0;
}

int hpo__cv_create(hpo__cv **out, const hpo__cv_config *cfg)
{
    if (!out || !cfg || !cfg->estimator)
        return hpo__err(HPO_EINVAL, "cv objective: estimator and data are required");
    const char *origin = cfg->origin ? cfg->origin : "spec";
    hpo__cv *cv = hpo__calloc(1, sizeof *cv);
    if (!cv)
        return hpo__enomem();
    int rc = 0;
    cv->scaling = cfg->scaling;
    cv->seed = cfg->seed;
    cv->job_threads = hpo__cpu_count();
    cv->est = hpo__estimator_find(cfg->estimator);
    if (!cv->est) {
        rc = hpo__err(HPO_ESPEC, "%s: objective.estimator: %s", origin, hpo_errmsg());
        goto fail;
    }
    hpo__task task = cfg->task;
    if (task == HPO__TASK_AUTO && cv->est->tasks == 1)
        task = HPO__TASK_CLASSIFICATION;
    else if (task == HPO__TASK_AUTO && cv->est->tasks == 2)
        task = HPO__TASK_REGRESSION;
    if ((task == HPO__TASK_CLASSIFICATION && !(cv->est->tasks & 1)) ||
        (task == HPO__TASK_REGRESSION && !(cv->est->tasks & 2))) {
        rc = hpo__err(HPO_ESPEC, "%s: objective.task: %s is not a %s", origin, cv->est->name,
                      task == HPO__TASK_CLASSIFICATION ? "classifier" : "regressor");
        goto fail;
    }
    if ((rc = load_data(cv, cfg, task, origin)) != 0)
        goto fail;
    int classif = cv->data->task == HPO__TASK_CLASSIFICATION;
    const char *scoring = cfg->scoring ? cfg->scoring : classif ? "accuracy" : "r2";
    cv->scorer = hpo__scorer_find(scoring);
    if (!cv->scorer) {
        rc = hpo__err(HPO_ESPEC, "%s: objective.scoring: %s", origin, hpo_errmsg());
        goto fail;
    }
    if (cv->scorer->classification != classif) {
        rc = hpo__err(HPO_ESPEC, "%s: objective.scoring: '%s' is a %s metric but the target is %s",
                      origin, scoring, cv->scorer->classification ? "classification" : "regression",
                      classif ? "classes (classification)" : "numbers (regression)");
        goto fail;
    }
    if (cfg->fixed && (rc = hpo__params_copy(&cv->fixed, cfg->fixed)) != 0)
        goto fail;
    if ((rc = check_resource(cv, cfg, origin)) != 0)
        goto fail;
    if (cv->scorer->needs_proba) {
        cv->use_decision = cv->data->n_classes == 2 && strcmp(cv->scorer->name, "roc_auc") == 0 &&
                           cv->est->decision_function != NULL;
        if (!cv->use_decision && has_hyper(cv->est, "probability") &&
            hpo__params_find(&cv->fixed, "probability") < 0) {
            hpo_value on = {.type = HPO_VALUE_BOOL, .u.b = 1};
            if ((rc = hpo__params_add(&cv->fixed, "probability", &on)) != 0)
                goto fail;
        }
        if (!cv->use_decision && !cv->est->predict_proba) {
            rc = hpo__err(HPO_ESPEC,
                          "%s: objective.scoring: '%s' needs probabilities, which %s "
                          "does not give",
                          origin, scoring, cv->est->name);
            goto fail;
        }
    }
    /* The fixed parameters alone must already be acceptable to the estimator. */
    hpo__estimator *probe = NULL;
    if ((rc = cv->est->create(&probe, cv->data->task, &cv->fixed, cfg->seed)) != 0) {
        rc = hpo__err(HPO_ESPEC, "%s: objective.fixed: %s", origin, hpo_errmsg());
        goto fail;
    }
    cv->est->destroy(probe);
    if ((rc = make_folds(cv, cfg, origin)) != 0)
        goto fail;
    *out = cv;
    return 0;
fail:
    hpo__cv_destroy(cv);
    return rc;
}

/* Can the estimator be created with `name` = v over the fixed parameters? */
static int try_value(const hpo__cv *cv, const char *name, const hpo_value *v)
{
    hpo__params hp = HPO__PARAMS_INIT;
    int rc = hpo__params_copy(&hp, &cv->fixed);
    if (rc == 0)
        rc = hpo__params_set(&hp, name, v);
    hpo__estimator *e = NULL;
    if (rc == 0 && (rc = cv->est->create(&e, cv->data->task, &hp, cv->seed)) == 0)
        cv->est->destroy(e);
    hpo__params_free(&hp);
    return rc;
}

int hpo__cv_check_space(const hpo__cv *cv, const hpo_space *space, const char *origin)
{
    for (size_t k = 0; k < space->n_subs; k++) {
        const hpo__subspace *sub = &space->subs[k];
        for (size_t i = 0; i < sub->n; i++) {
            const hpo__param *p = &sub->params[i];
            if (cv->rkind == RESOURCE_PARAM && strcmp(p->name, cv->resource) == 0)
                return hpo__err(HPO_ESPEC,
                                "%s: space.%s: Cannot use parameter %s as the resource since it "
                                "is part of the searched parameters.",
                                origin ? origin : "spec", p->name, p->name);
            hpo_value vals[2];
            size_t nv = 0;
            const hpo_value *list = vals;
            if (p->kind == HPO__PARAM_CATEGORICAL) {
                list = p->choices;
                nv = p->n_choices;
            } else if (p->kind == HPO__PARAM_FLOAT) {
                vals[0].type = vals[1].type = HPO_VALUE_FLOAT;
                vals[0].u.f = p->low;
                vals[1].u.f = p->high;
                nv = 2;
            } else {
                vals[0].type = vals[1].type = HPO_VALUE_INT;
                vals[0].u.i = p->ilow;
                vals[1].u.i = p->ihigh;
                nv = 2;
            }
            for (size_t j = 0; j < nv; j++) {
                int rc = try_value(cv, p->name, &list[j]);
                if (rc == HPO_ENOMEM)
                    return rc;
                if (rc)
                    return hpo__err(HPO_ESPEC, "%s: space.%s: %s", origin ? origin : "spec",
                                    p->name, hpo_errmsg());
            }
        }
    }
    return 0;
}

int hpo__cv_resource_info(const hpo__cv *cv, long long *n_samples, long long *n_splits,
                          long long *n_classes)
{
    if (!cv || !n_samples || !n_splits || !n_classes)
        return hpo__err(HPO_EINVAL, "hpo__cv_resource_info: cv and outputs are required");
    long long classes = 0;
    if (cv->data->task == HPO__TASK_CLASSIFICATION) { /* np.unique(y) of the training rows */
        size_t k = cv->data->n_classes;
        unsigned char *seen = hpo__calloc(k ? k : 1, 1);
        if (!seen)
            return hpo__enomem();
        for (size_t i = 0; i < cv->data->n; i++) {
            double c = cv->data->y[i];
            if (c >= 0 && c < (double)k && !seen[(size_t)c]) {
                seen[(size_t)c] = 1;
                classes++;
            }
        }
        hpo__free(seen);
    }
    *n_samples = (long long)cv->data->n;
    *n_splits = (long long)cv->n_folds;
    *n_classes = classes;
    return 0;
}

/* The trial's parameters over the fixed ones. */
static int trial_params(const hpo__cv *cv, const hpo_trial *t, hpo__params *out)
{
    int rc = hpo__params_copy(out, &cv->fixed);
    for (size_t i = 0; rc == 0 && i < hpo_trial_param_count(t); i++) {
        hpo_value v;
        if ((rc = hpo_trial_param_at(t, i, &v)) == 0) /* searched wins over fixed */
            rc = hpo__params_set(out, hpo_trial_param_name(t, i), &v);
    }
    return rc;
}

/* Rows `idx` of X (and y) into fresh arrays. */
static int gather(const hpo__dataset *ds, const size_t *idx, size_t m, double **X, double **y)
{
    *X = hpo__malloc((m ? m : 1) * ds->d * sizeof **X);
    *y = hpo__malloc((m ? m : 1) * sizeof **y);
    if (!*X || !*y) {
        hpo__free(*X);
        hpo__free(*y);
        *X = *y = NULL;
        return hpo__enomem();
    }
    for (size_t i = 0; i < m; i++) {
        memcpy(*X + i * ds->d, ds->X + idx[i] * ds->d, ds->d * sizeof **X);
        (*y)[i] = ds->y[idx[i]];
    }
    return 0;
}

/* Score a fitted estimator on n rows (X already preprocessed). */
static int score_rows(const hpo__cv *cv, hpo__estimator *est, const double *X, const double *y,
                      size_t n, double *out)
{
    size_t k = cv->data->n_classes;
    double *pred = hpo__malloc((n ? n : 1) * sizeof *pred), *proba = NULL;
    int rc = pred ? 0 : hpo__enomem();
    if (rc == 0)
        rc = cv->est->predict(est, X, n, pred);
    if (rc == 0 && cv->scorer->needs_proba) {
        proba = hpo__malloc((n ? n : 1) * (k ? k : 1) * sizeof *proba);
        if (!proba) {
            rc = hpo__enomem();
        } else if (cv->use_decision) { /* binary: column 1 is what roc_auc ranks */
            double *dec = hpo__malloc((n ? n : 1) * sizeof *dec);
            if (!dec)
                rc = hpo__enomem();
            else if ((rc = cv->est->decision_function(est, X, n, dec)) == 0)
                for (size_t i = 0; i < n; i++) {
                    proba[2 * i] = -dec[i];
                    proba[2 * i + 1] = dec[i];
                }
            hpo__free(dec);
        } else {
            rc = cv->est->predict_proba(est, X, n, proba);
        }
    }
    if (rc == 0)
        rc = hpo__score(cv->scorer, y, pred, proba, n, k, out);
    hpo__free(pred);
    hpo__free(proba);
    return rc;
}

/* "ckpt/<trial>/<fold>", or the prefix "ckpt/<trial>/" when fold < 0. */
static void ckpt_key(char *key, size_t size, long long trial, long long fold)
{
    if (fold < 0)
        snprintf(key, size, "ckpt/%lld/", trial);
    else
        snprintf(key, size, "ckpt/%lld/%lld", trial, fold);
}

/* The parent's checkpoint of fold ck->fold into *data (hpo_free), or *data =
 * NULL when there is none to continue from. */
static int ckpt_read(const fold_ckpt *ck, void **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    if (!ck || ck->parent < 0)
        return 0;
    char key[64];
    ckpt_key(key, sizeof key, ck->parent, (long long)ck->fold);
    int rc = hpo_study_get_artifact(ck->study, key, data, len);
    if (rc == HPO_ENOTFOUND) { /* deleted, or never stored here: train from scratch */
        *data = NULL;
        return 0;
    }
    return rc;
}

/* Store a fitted fold model as "ckpt/<self>/<fold>". */
static int ckpt_write(const hpo__cv *cv, const fold_ckpt *ck, hpo__estimator *est)
{
    hpo__buf b = HPO__BUF_INIT;
    char key[64];
    int rc = cv->est->save(est, &b);
    if (rc == 0 && b.oom)
        rc = hpo__enomem();
    ckpt_key(key, sizeof key, ck->self, (long long)ck->fold);
    if (rc == 0)
        rc = hpo_study_set_artifact(ck->study, key, b.data, b.len);
    hpo__buf_free(&b);
    return rc;
}

/* Fit on `train` rows, score on `test` rows: one fold (or the refit). When
 * `keep` is not NULL the fitted estimator and scaler are handed back. With
 * `ck` (checkpoints), continue the parent's model when there is one and store
 * the fitted model. */
static int run_split(const hpo__cv *cv, const hpo__params *hp, const hpo__dataset *train_ds,
                     const size_t *train, size_t n_train, const hpo__dataset *test_ds,
                     const size_t *test, size_t n_test, int threads, fold_ckpt *ck, double *score,
                     double *fit_time, double *score_time, hpo__estimator **keep,
                     hpo__scaler *keep_scaler)
{
    const size_t d = train_ds->d;
    double *Xtr = NULL, *ytr = NULL, *Xte = NULL, *yte = NULL;
    hpo__estimator *est = NULL;
    hpo__scaler sc;
    memset(&sc, 0, sizeof sc);
    void *saved = NULL;
    size_t saved_len = 0;
    int rc;
    if ((rc = ckpt_read(ck, &saved, &saved_len)) != 0)
        goto done;
    if ((rc = gather(train_ds, train, n_train, &Xtr, &ytr)) != 0)
        goto done;
    if (test_ds && (rc = gather(test_ds, test, n_test, &Xte, &yte)) != 0)
        goto done;
    double t0 = hpo__monotonic();
    if ((rc = hpo__scaler_fit(cv->scaling, Xtr, n_train, d, &sc)) != 0)
        goto done;
    hpo__scaler_apply(&sc, Xtr, n_train);
    if (Xte)
        hpo__scaler_apply(&sc, Xte, n_test);
    if ((rc = cv->est->create(&est, train_ds->task, hp, cv->seed)) != 0)
        goto done;
    if (cv->est->set_threads && (rc = cv->est->set_threads(est, threads)) != 0)
        goto done;
    if (saved) { /* the parent's fold model, trained on these rows to budget_start */
        if ((rc = cv->est->load(est, saved, saved_len)) != 0 ||
            (rc = cv->est->fit_more(est, Xtr, ytr, n_train, d, train_ds->n_classes,
                                    ck->resource)) != 0)
            goto done;
        ck->resumed = 1;
    } else if ((rc = cv->est->fit(est, Xtr, ytr, n_train, d, train_ds->n_classes)) != 0) {
        goto done;
    }
    double t1 = hpo__monotonic();
    if (Xte && (rc = score_rows(cv, est, Xte, yte, n_test, score)) != 0)
        goto done;
    double t2 = hpo__monotonic();
    if (ck && (rc = ckpt_write(cv, ck, est)) != 0)
        goto done;
    if (fit_time)
        *fit_time = t1 - t0;
    if (score_time)
        *score_time = t2 - t1;
    if (keep) {
        *keep = est;
        *keep_scaler = sc;
        est = NULL;
        memset(&sc, 0, sizeof sc);
    }
done:
    if (est)
        cv->est->destroy(est);
    hpo__scaler_free(&sc);
    hpo_free(saved);
    hpo__free(Xtr);
    hpo__free(ytr);
    hpo__free(Xte);
    hpo__free(yte);
    return rc;
}

static void run_job(fold_job *j)
{
    const hpo__cv *cv = j->cv;
    j->rc = run_split(cv, j->hp, cv->data, j->train, j->n_train, cv->data, j->test, j->n_test,
                      cv->job_threads, j->ckpt.study ? &j->ckpt : NULL, &j->score, &j->fit_time,
                      &j->score_time, NULL, NULL);
    if (j->rc)
        snprintf(j->err, sizeof j->err, "%s", hpo_errmsg());
}

static void *pool_main(void *arg)
{
    fold_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->head && !p->stop)
            pthread_cond_wait(&p->work, &p->mu);
        if (!p->head)
            break; /* stopping and nothing queued */
        fold_job *j = p->head;
        p->head = j->next;
        if (!p->head)
            p->tail = NULL;
        pthread_mutex_unlock(&p->mu);
        run_job(j);
        pthread_mutex_lock(&p->mu);
        if (--*j->pending == 0)
            pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int hpo__cv_set_workers(hpo__cv *cv, int workers)
{
    if (!cv || workers < 1)
        return hpo__err(HPO_EINVAL, "cv objective: workers must be >= 1");
    int cores = hpo__cpu_count();
    cv->job_threads = cores / workers > 1 ? cores / workers : 1;
    size_t want = workers > 1 ? (size_t)workers : 0;
    if ((cv->pool ? cv->pool->n_threads : 0) == want)
        return 0;
    pool_destroy(cv->pool);
    cv->pool = NULL;
    if (want == 0)
        return 0;
    fold_pool *p = hpo__calloc(1, sizeof *p);
    if (!p || !(p->threads = hpo__calloc(want, sizeof *p->threads))) {
        hpo__free(p);
        return hpo__enomem();
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    for (size_t i = 0; i < want; i++) {
        if (pthread_create(&p->threads[i], NULL, pool_main, p) != 0) {
            pool_destroy(p);
            return hpo__err(HPO_EINVAL, "cv objective: cannot start worker threads");
        }
        p->n_threads++;
    }
    cv->pool = p;
    return 0;
}

static int set_attr_double(hpo_trial *t, const char *key, double v)
{
    char buf[48];
    hpo__fmt_double(buf, sizeof buf, v);
    return hpo_trial_set_attr(t, key, buf);
}

static void mean_std(const double *v, size_t n, double *mean, double *std)
{
    double m = 0, s = 0;
    for (size_t i = 0; i < n; i++)
        m += v[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++)
        s += (v[i] - m) * (v[i] - m);
    *mean = m;
    *std = sqrt(s / (double)n); /* numpy's std (ddof=0), as cv_results_ */
}

/* Per-fold attributes and the fold reports, in fold order. */
static int record_fold(hpo_trial *t, const fold_job *j, int *prune)
{
    char key[48];
    snprintf(key, sizeof key, "split%zu_test_score", j->fold);
    int rc = set_attr_double(t, key, j->score);
    /* a fold's value, as an intermediate report (step = fold + 1) */
    if (rc == 0)
        rc = hpo_trial_report(t, (long long)j->fold + 1, j->score, prune);
    return rc;
}

/* The trial's budget as the resource's integer (scikit-learn's n_resources). */
static int budget_value(const hpo__cv *cv, double b, long long *out)
{
    if (!(b >= 1) || !(b < 9.2e18))
        return hpo__err(HPO_EINVAL, "scheduler.resource: %s: a trial's budget must be >= 1, got %g",
                        cv->resource, b);
    if (cv->rkind == RESOURCE_SAMPLES && b > (double)cv->data->n)
        return hpo__err(HPO_EINVAL,
                        "scheduler.resource: n_samples: a budget of %g rows is more than the "
                        "%zu training rows",
                        b, cv->data->n);
    *out = (long long)b;
    return 0;
}

/* _SubsampleMetaSplitter: the fold's training and test rows resampled without
 * replacement to int(fraction * len) each, with a fresh RandomState(seed) per
 * call (so every fold and trial draws the same positions), order kept. */
static int subsample_rows(const hpo__cv *cv, double fraction, size_t fold, size_t **rows,
                          size_t *n_train, size_t *n_test)
{
    const hpo__fold *f = &cv->folds[fold];
    size_t mtr = (size_t)(fraction * (double)f->n_train); /* Python's int(): truncation */
    size_t mte = (size_t)(fraction * (double)f->n_test);
    if (mtr < 1 || mte < 1 || mtr > f->n_train || mte > f->n_test)
        return hpo__err(HPO_EINVAL,
                        "scheduler.resource: n_samples: a fraction of %g of the rows leaves fold "
                        "%zu with %zu training and %zu test rows",
                        fraction, fold, mtr, mte);
    size_t big = f->n_train > f->n_test ? f->n_train : f->n_test;
    size_t *scratch = hpo__malloc(big * sizeof *scratch);
    size_t *out = hpo__malloc((mtr + mte) * sizeof *out);
    if (!scratch || !out) {
        hpo__free(scratch);
        hpo__free(out);
        return hpo__enomem();
    }
    uint32_t seed = (uint32_t)cv->seed; /* < 2^32: checked at create */
    hpo__np_resample(f->train, f->n_train, mtr, seed, scratch, out);
    hpo__np_resample(f->test, f->n_test, mte, seed, scratch, out + mtr);
    hpo__free(scratch);
    *rows = out;
    *n_train = mtr;
    *n_test = mte;
    return 0;
}

int hpo__cv_fold_rows(const hpo__cv *cv, double budget, size_t fold, size_t **rows, size_t *n_train,
                      size_t *n_test)
{
    if (!cv || fold >= cv->n_folds || !rows || !n_train || !n_test)
        return hpo__err(HPO_EINVAL, "hpo__cv_fold_rows: cv, a fold below %zu and outputs",
                        cv ? cv->n_folds : 0);
    if (cv->rkind == RESOURCE_SAMPLES && !isnan(budget)) {
        long long rb;
        int rc = budget_value(cv, budget, &rb);
        return rc ? rc
                  : subsample_rows(cv, budget / (double)cv->data->n, fold, rows, n_train, n_test);
    }
    const hpo__fold *f = &cv->folds[fold];
    size_t *out = hpo__malloc((f->n_train + f->n_test + 1) * sizeof *out);
    if (!out)
        return hpo__enomem();
    memcpy(out, f->train, f->n_train * sizeof *out);
    memcpy(out + f->n_train, f->test, f->n_test * sizeof *out);
    *rows = out;
    *n_train = f->n_train;
    *n_test = f->n_test;
    return 0;
}

static int subsample_fold(const hpo__cv *cv, double fraction, fold_job *j)
{
    int rc = subsample_rows(cv, fraction, j->fold, &j->sub, &j->n_train, &j->n_test);
    if (rc == 0) {
        j->train = j->sub;
        j->test = j->sub + j->n_train;
    }
    return rc;
}

static int set_attr_ll(hpo_trial *t, const char *key, long long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", v);
    return hpo_trial_set_attr(t, key, buf);
}

/* Set up the folds' jobs for the trial's budget: the resource parameter in
 * `hp`, subsampled rows, checkpoints. *study: where checkpoints go, or NULL. */
static int setup_budget(const hpo__cv *cv, hpo_trial *t, hpo__params *hp, fold_job *jobs,
                        hpo_study **study)
{
    double b = hpo_trial_budget(t);
    long long rb = 0;
    int rc;
    *study = NULL;
    if (cv->rkind == RESOURCE_NONE || isnan(b)) /* no multi-fidelity: the whole budget */
        return 0;
    if ((rc = budget_value(cv, b, &rb)) != 0 || (rc = set_attr_ll(t, "n_resources", rb)) != 0)
        return rc;
    if (cv->rkind == RESOURCE_SAMPLES) {
        double fraction = b / (double)cv->data->n; /* n_resources / _n_samples_orig */
        for (size_t f = 0; f < cv->n_folds; f++)
            if ((rc = subsample_fold(cv, fraction, &jobs[f])) != 0)
                return rc;
        return 0;
    }
    hpo_value v = {.type = HPO_VALUE_INT, .u.i = rb};
    if ((rc = hpo__params_set(hp, cv->resource, &v)) != 0)
        return rc;
    if (!cv->checkpoints || !t->study)
        return 0;
    long long parent =
        hpo_trial_parent(t) >= 0 && hpo_trial_budget_start(t) > 0 ? hpo_trial_parent(t) : -1;
    for (size_t f = 0; f < cv->n_folds; f++) {
        fold_ckpt *ck = &jobs[f].ckpt;
        ck->study = t->study;
        ck->self = hpo_trial_number(t);
        ck->parent = parent;
        ck->fold = f;
        ck->resource = rb;
    }
    *study = t->study;
    return 0;
}

int hpo__cv_objective(hpo_trial *t, double *value, void *payload)
{
    hpo__cv *cv = payload;
    hpo__params hp = HPO__PARAMS_INIT;
    size_t k = cv->n_folds;
    fold_job *jobs = hpo__calloc(k, sizeof *jobs);
    double *v = hpo__calloc(k, sizeof *v);
    hpo_study *study = NULL; /* checkpoints */
    int rc = jobs && v ? 0 : hpo__enomem();
    int prune = 0;
    size_t pending = k;
    if (rc == 0)
        rc = trial_params(cv, t, &hp);
    if (rc)
        goto done;
    for (size_t f = 0; f < k; f++) {
        jobs[f].cv = cv;
        jobs[f].hp = &hp;
        jobs[f].fold = f;
        jobs[f].train = cv->folds[f].train;
        jobs[f].n_train = cv->folds[f].n_train;
        jobs[f].test = cv->folds[f].test;
        jobs[f].n_test = cv->folds[f].n_test;
        jobs[f].pending = &pending;
    }
    if ((rc = setup_budget(cv, t, &hp, jobs, &study)) != 0)
        goto done;
    if (cv->pool) { /* all folds at once, then the reports in order */
        fold_pool *p = cv->pool;
        pthread_mutex_lock(&p->mu);
        for (size_t f = 0; f < k; f++) {
            if (p->tail)
                p->tail->next = &jobs[f];
            else
                p->head = &jobs[f];
            p->tail = &jobs[f];
        }
        pthread_cond_broadcast(&p->work);
        while (pending > 0)
            pthread_cond_wait(&p->done, &p->mu);
        pthread_mutex_unlock(&p->mu);
        for (size_t f = 0; f < k; f++)
            if (jobs[f].rc) {
                rc = hpo__err(jobs[f].rc, "%s", jobs[f].err);
                goto done;
            }
        for (size_t f = 0; f < k && !prune; f++)
            if ((rc = record_fold(t, &jobs[f], &prune)) != 0)
                goto done;
    } else { /* one fold after another, stopping early when pruned */
        for (size_t f = 0; f < k && !prune; f++) {
            run_job(&jobs[f]);
            if ((rc = jobs[f].rc) != 0)
                goto done;
            if ((rc = record_fold(t, &jobs[f], &prune)) != 0)
                goto done;
        }
    }
    if (prune) {
        rc = HPO_EPRUNED;
        goto done;
    }
    double mean, std;
    for (size_t f = 0; f < k; f++)
        v[f] = jobs[f].score;
    mean_std(v, k, value, &std);
    if ((rc = set_attr_double(t, "std_test_score", std)) != 0)
        goto done;
    for (size_t f = 0; f < k; f++)
        v[f] = jobs[f].fit_time;
    mean_std(v, k, &mean, &std);
    if ((rc = set_attr_double(t, "mean_fit_time", mean)) != 0 ||
        (rc = set_attr_double(t, "std_fit_time", std)) != 0)
        goto done;
    for (size_t f = 0; f < k; f++)
        v[f] = jobs[f].score_time;
    mean_std(v, k, &mean, &std);
    if ((rc = set_attr_double(t, "mean_score_time", mean)) != 0 ||
        (rc = set_attr_double(t, "std_score_time", std)) != 0)
        goto done;
    if (study && hpo_trial_parent(t) >= 0) {
        long long resumed = 0;
        for (size_t f = 0; f < k; f++)
            resumed += jobs[f].ckpt.resumed;
        char key[64];
        ckpt_key(key, sizeof key, hpo_trial_parent(t), -1);
        /* promoted once per rung: nothing else continues the parent's models */
        if ((rc = set_attr_ll(t, "resumed_folds", resumed)) != 0 ||
            (rc = hpo__study_delete_artifacts(study, key, 1)) != 0)
            goto done;
    }
done:
    if (rc && rc != HPO_EPRUNED && rc != HPO_ENOMEM && !hpo_trial_attr(t, "error"))
        hpo_trial_set_attr(t, "error", hpo_errmsg());
    if (rc && study) { /* no trial continues a failed or pruned one */
        char key[64];
        ckpt_key(key, sizeof key, hpo_trial_number(t), -1);
        hpo__study_delete_artifacts(study, key, 1);
    }
    for (size_t f = 0; jobs && f < k; f++)
        hpo__free(jobs[f].sub);
    hpo__free(jobs);
    hpo__free(v);
    hpo__params_free(&hp);
    return rc == 0 || rc == HPO_EPRUNED ? rc : HPO_EOBJECTIVE;
}

int hpo__cv_refit(hpo__cv *cv, const hpo_trial *trial, hpo_model **out)
{
    hpo__params hp = HPO__PARAMS_INIT;
    hpo__estimator *est = NULL;
    hpo__scaler sc;
    memset(&sc, 0, sizeof sc);
    size_t n = cv->data->n, nt = cv->test ? cv->test->n : 0;
    size_t *all = hpo__malloc(n * sizeof *all), *all_test = NULL;
    double test_score = (double)NAN;
    int rc = all ? 0 : hpo__enomem();
    if (rc == 0 && nt && !(all_test = hpo__malloc(nt * sizeof *all_test)))
        rc = hpo__enomem();
    if (rc == 0)
        rc = trial_params(cv, trial, &hp);
    /* a hyperparameter resource at the trial's budget; n_samples: all rows */
    double b = hpo_trial_budget(trial);
    if (rc == 0 && cv->rkind == RESOURCE_PARAM && !isnan(b)) {
        hpo_value rv = {.type = HPO_VALUE_INT};
        if ((rc = budget_value(cv, b, &rv.u.i)) == 0)
            rc = hpo__params_set(&hp, cv->resource, &rv);
    }
    if (rc)
        goto done;
    for (size_t i = 0; i < n; i++)
        all[i] = i;
    for (size_t i = 0; i < nt; i++)
        all_test[i] = i;
    if ((rc = run_split(cv, &hp, cv->data, all, n, cv->test, all_test, nt, hpo__cpu_count(), NULL,
                        &test_score, NULL, NULL, &est, &sc)) != 0)
        goto done;
    hpo__model_parts parts = {.ops = cv->est,
                              .est = est,
                              .params = &hp,
                              .scaler = &sc,
                              .train = cv->data,
                              .scoring = cv->scorer->name,
                              .cv_score = hpo_trial_value(trial),
                              .test_score = cv->test ? test_score : (double)NAN,
                              .n_test = nt,
                              .seed = cv->seed};
    if ((rc = hpo__model_build(&parts, out)) != 0)
        goto done;
    est = NULL; /* the model owns it */
done:
    if (est)
        cv->est->destroy(est);
    hpo__scaler_free(&sc);
    hpo__params_free(&hp);
    hpo__free(all);
    hpo__free(all_test);
    return rc;
}
