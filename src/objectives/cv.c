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
 * Invariants: the data set, test set and folds are read-only after create, so
 * trials run concurrently on one hpo__cv; only the pool's queue is shared and
 * it is guarded by its mutex. Costs per trial: folds x (copy of the fold's
 * rows, scaler fit, estimator fit and predict).
 */
#include "objectives/cv.h"
#include "core/space.h"
#include "ml/estimator.h"
#include "ml/model.h"
#include "ml/scoring.h"
#include "ml/split.h"
#include "util/util.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef struct fold_job fold_job;

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
};

/* One fold of one trial. */
struct fold_job {
    const hpo__cv *cv;
    const hpo__params *hp;
    size_t fold;
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
    hpo__free(cv);
}

const char *hpo__cv_scoring(const hpo__cv *cv)
{
    return cv ? cv->scorer->name : NULL;
}

static int has_hyper(const hpo__estimator_ops *ops, const char *name)
{
    for (const hpo__hyper *h = ops->hypers; h->name; h++)
        if (strcmp(h->name, name) == 0)
            return 1;
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

/* Fit on `train` rows, score on `test` rows: one fold (or the refit). When
 * `keep` is not NULL the fitted estimator and scaler are handed back. */
static int run_split(const hpo__cv *cv, const hpo__params *hp, const hpo__dataset *train_ds,
                     const size_t *train, size_t n_train, const hpo__dataset *test_ds,
                     const size_t *test, size_t n_test, int threads, double *score,
                     double *fit_time, double *score_time, hpo__estimator **keep,
                     hpo__scaler *keep_scaler)
{
    const size_t d = train_ds->d;
    double *Xtr = NULL, *ytr = NULL, *Xte = NULL, *yte = NULL;
    hpo__estimator *est = NULL;
    hpo__scaler sc;
    memset(&sc, 0, sizeof sc);
    int rc;
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
    if ((rc = cv->est->fit(est, Xtr, ytr, n_train, d, train_ds->n_classes)) != 0)
        goto done;
    double t1 = hpo__monotonic();
    if (Xte && (rc = score_rows(cv, est, Xte, yte, n_test, score)) != 0)
        goto done;
    if (fit_time)
        *fit_time = t1 - t0;
    if (score_time)
        *score_time = hpo__monotonic() - t1;
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
    hpo__free(Xtr);
    hpo__free(ytr);
    hpo__free(Xte);
    hpo__free(yte);
    return rc;
}

static void run_job(fold_job *j)
{
    const hpo__cv *cv = j->cv;
    const hpo__fold *f = &cv->folds[j->fold];
    j->rc = run_split(cv, j->hp, cv->data, f->train, f->n_train, cv->data, f->test, f->n_test,
                      cv->job_threads, &j->score, &j->fit_time, &j->score_time, NULL, NULL);
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

int hpo__cv_objective(hpo_trial *t, double *value, void *payload)
{
    hpo__cv *cv = payload;
    hpo__params hp = HPO__PARAMS_INIT;
    size_t k = cv->n_folds;
    fold_job *jobs = hpo__calloc(k, sizeof *jobs);
    double *v = hpo__calloc(k, sizeof *v);
    int rc = jobs && v ? 0 : hpo__enomem();
    int prune = 0;
    if (rc == 0)
        rc = trial_params(cv, t, &hp);
    if (rc)
        goto done;
    size_t pending = k;
    for (size_t f = 0; f < k; f++) {
        jobs[f].cv = cv;
        jobs[f].hp = &hp;
        jobs[f].fold = f;
        jobs[f].pending = &pending;
    }
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
done:
    if (rc && rc != HPO_EPRUNED && rc != HPO_ENOMEM && !hpo_trial_attr(t, "error"))
        hpo_trial_set_attr(t, "error", hpo_errmsg());
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
    if (rc)
        goto done;
    for (size_t i = 0; i < n; i++)
        all[i] = i;
    for (size_t i = 0; i < nt; i++)
        all_test[i] = i;
    if ((rc = run_split(cv, &hp, cv->data, all, n, cv->test, all_test, nt, hpo__cpu_count(),
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
