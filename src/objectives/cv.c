/*
 * cv.c -- the cross-validated built-in-estimator objective.
 *
 * Reference behaviour: scikit-learn's cross_validate / GridSearchCV scoring of
 * one candidate: the same folds for every candidate (made once, at create),
 * preprocessing fitted on each fold's training rows only (a Pipeline), the
 * estimator refitted per fold, the scorer applied to the fold's test rows, the
 * candidate's value the unweighted mean of the fold scores.
 *
 * Invariants: the data set and folds are read-only after create, so trials run
 * concurrently on one hpo__cv. Costs per trial: folds x (copy of the fold's
 * rows, scaler fit, estimator fit and predict).
 */
#include "objectives/cv.h"
#include "core/space.h"
#include "ml/estimator.h"
#include "ml/scoring.h"
#include "ml/split.h"
#include "util/util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct hpo__cv {
    hpo__dataset *data;
    hpo__fold *folds;
    size_t n_folds;
    const hpo__estimator_ops *est;
    const hpo__scorer_info *scorer;
    hpo__scaling scaling;
    hpo__params fixed;
    uint64_t seed;
};

void hpo__cv_destroy(hpo__cv *cv)
{
    if (!cv)
        return;
    hpo__dataset_free(cv->data);
    hpo__folds_free(cv->folds, cv->n_folds);
    hpo__params_free(&cv->fixed);
    hpo__free(cv);
}

const char *hpo__cv_scoring(const hpo__cv *cv)
{
    return cv ? cv->scorer->name : NULL;
}

int hpo__cv_create(hpo__cv **out, const hpo__cv_config *cfg)
{
    if (!out || !cfg || !cfg->estimator || !cfg->data_path)
        return hpo__err(HPO_EINVAL, "cv objective: estimator and data are required");
    const char *origin = cfg->origin ? cfg->origin : "spec";
    hpo__cv *cv = hpo__calloc(1, sizeof *cv);
    if (!cv)
        return hpo__enomem();
    int rc = 0;
    cv->scaling = cfg->scaling;
    cv->seed = cfg->seed;
    cv->est = hpo__estimator_find(cfg->estimator);
    if (!cv->est) {
        rc = hpo__err(HPO_ESPEC, "%s: objective.estimator: %s", origin, hpo_errmsg());
        goto fail;
    }
    hpo__task task = HPO__TASK_AUTO;
    if (cv->est->tasks == 1)
        task = HPO__TASK_CLASSIFICATION;
    else if (cv->est->tasks == 2)
        task = HPO__TASK_REGRESSION;
    if ((rc = hpo__dataset_load_csv(cfg->data_path, cfg->target, task, &cv->data)) != 0)
        goto fail;
    int classif = cv->data->task == HPO__TASK_CLASSIFICATION;
    const char *scoring = cfg->scoring ? cfg->scoring : classif ? "accuracy" : "r2";
    cv->scorer = hpo__scorer_find(scoring);
    if (!cv->scorer) {
        rc = hpo__err(HPO_ESPEC, "%s: objective.scoring: %s", origin, hpo_errmsg());
        goto fail;
    }
    if (cv->scorer->classification != classif) {
        rc = hpo__err(HPO_ESPEC, "%s: objective.scoring: '%s' is a %s metric but %s is a %s task",
                      origin, scoring, cv->scorer->classification ? "classification" : "regression",
                      cfg->data_path, classif ? "classification" : "regression");
        goto fail;
    }
    if (cfg->fixed && (rc = hpo__params_copy(&cv->fixed, cfg->fixed)) != 0)
        goto fail;
    /* The fixed parameters alone must already be acceptable to the estimator. */
    hpo__estimator *probe = NULL;
    if ((rc = cv->est->create(&probe, cv->data->task, &cv->fixed, cfg->seed)) != 0) {
        rc = hpo__err(HPO_ESPEC, "%s: objective.fixed: %s", origin, hpo_errmsg());
        goto fail;
    }
    cv->est->destroy(probe);
    hpo__cv_kind kind = cfg->kind;
    if (kind == HPO__CV_AUTO)
        kind = classif ? HPO__CV_STRATIFIED : HPO__CV_KFOLD;
    if (kind == HPO__CV_STRATIFIED && !classif) {
        rc = hpo__err(HPO_ESPEC, "%s: objective.cv: stratified folds need a classification target",
                      origin);
        goto fail;
    }
    size_t k = cfg->folds ? cfg->folds : 5;
    rc = kind == HPO__CV_STRATIFIED
             ? hpo__stratified_kfold(cv->data->y, cv->data->n, k, cfg->shuffle, cfg->seed,
                                     &cv->folds)
             : hpo__kfold(cv->data->n, k, cfg->shuffle, cfg->seed, &cv->folds);
    if (rc) {
        rc = hpo__err(HPO_ESPEC, "%s: objective.cv: %s", origin, hpo_errmsg());
        goto fail;
    }
    cv->n_folds = k;
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
    long j = rc ? -1 : hpo__params_find(&hp, name);
    if (rc == 0 && j >= 0) {
        hpo_value copy;
        if ((rc = hpo__value_copy(&copy, v)) == 0) {
            hpo__value_free(&hp.values[j]);
            hp.values[j] = copy;
        }
    } else if (rc == 0) {
        rc = hpo__params_add(&hp, name, v);
    }
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
        const char *name = hpo_trial_param_name(t, i);
        if ((rc = hpo_trial_param_at(t, i, &v)) != 0)
            break;
        long j = hpo__params_find(out, name);
        if (j >= 0) { /* searched wins over fixed */
            hpo_value copy;
            if ((rc = hpo__value_copy(&copy, &v)) != 0)
                break;
            hpo__value_free(&out->values[j]);
            out->values[j] = copy;
        } else {
            rc = hpo__params_add(out, name, &v);
        }
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

int hpo__cv_objective(hpo_trial *t, double *value, void *payload)
{
    const hpo__cv *cv = payload;
    const hpo__dataset *ds = cv->data;
    hpo__params hp = HPO__PARAMS_INIT;
    double *scores = hpo__calloc(cv->n_folds, sizeof *scores);
    double *fit_t = hpo__calloc(cv->n_folds, sizeof *fit_t);
    double *score_t = hpo__calloc(cv->n_folds, sizeof *score_t);
    double *Xtr = NULL, *ytr = NULL, *Xte = NULL, *yte = NULL, *pred = NULL, *proba = NULL;
    hpo__estimator *est = NULL;
    hpo__scaler sc;
    memset(&sc, 0, sizeof sc);
    int rc = 0;
    if (!scores || !fit_t || !score_t) {
        rc = hpo__enomem();
        goto done;
    }
    if ((rc = trial_params(cv, t, &hp)) != 0)
        goto done;
    for (size_t f = 0; f < cv->n_folds; f++) {
        const hpo__fold *fold = &cv->folds[f];
        if ((rc = gather(ds, fold->train, fold->n_train, &Xtr, &ytr)) != 0 ||
            (rc = gather(ds, fold->test, fold->n_test, &Xte, &yte)) != 0)
            goto done;
        double t0 = hpo__monotonic();
        if ((rc = hpo__scaler_fit(cv->scaling, Xtr, fold->n_train, ds->d, &sc)) != 0)
            goto done;
        hpo__scaler_apply(&sc, Xtr, fold->n_train);
        hpo__scaler_apply(&sc, Xte, fold->n_test);
        if ((rc = cv->est->create(&est, ds->task, &hp, cv->seed)) != 0) {
            hpo_trial_set_attr(t, "error", hpo_errmsg());
            goto done;
        }
        if ((rc = cv->est->fit(est, Xtr, ytr, fold->n_train, ds->d, ds->n_classes)) != 0)
            goto done;
        double t1 = hpo__monotonic();
        pred = hpo__malloc((fold->n_test ? fold->n_test : 1) * sizeof *pred);
        if (!pred) {
            rc = hpo__enomem();
            goto done;
        }
        if ((rc = cv->est->predict(est, Xte, fold->n_test, pred)) != 0)
            goto done;
        if (cv->scorer->needs_proba) {
            if (!cv->est->predict_proba) {
                rc = hpo__err(HPO_EINVAL, "%s has no probability estimates for scoring '%s'",
                              cv->est->name, cv->scorer->name);
                goto done;
            }
            proba = hpo__malloc((fold->n_test ? fold->n_test : 1) * ds->n_classes * sizeof *proba);
            if (!proba) {
                rc = hpo__enomem();
                goto done;
            }
            if ((rc = cv->est->predict_proba(est, Xte, fold->n_test, proba)) != 0)
                goto done;
        }
        if ((rc = hpo__score(cv->scorer, yte, pred, proba, fold->n_test, ds->n_classes,
                             &scores[f])) != 0)
            goto done;
        double t2 = hpo__monotonic();
        fit_t[f] = t1 - t0;
        score_t[f] = t2 - t1;
        char key[48];
        snprintf(key, sizeof key, "split%zu_test_score", f);
        if ((rc = set_attr_double(t, key, scores[f])) != 0)
            goto done;
        /* a fold's value, as an intermediate report (step = fold + 1) */
        int prune = 0;
        if ((rc = hpo_trial_report(t, (long long)f + 1, scores[f], &prune)) != 0)
            goto done;
        cv->est->destroy(est);
        est = NULL;
        hpo__scaler_free(&sc);
        hpo__free(Xtr);
        hpo__free(ytr);
        hpo__free(Xte);
        hpo__free(yte);
        hpo__free(pred);
        hpo__free(proba);
        Xtr = ytr = Xte = yte = pred = proba = NULL;
        if (prune) {
            rc = HPO_EPRUNED;
            goto done;
        }
    }
    double mean, std;
    mean_std(scores, cv->n_folds, &mean, &std);
    if ((rc = set_attr_double(t, "std_test_score", std)) != 0)
        goto done;
    mean_std(fit_t, cv->n_folds, &mean, &std);
    if ((rc = set_attr_double(t, "mean_fit_time", mean)) != 0 ||
        (rc = set_attr_double(t, "std_fit_time", std)) != 0)
        goto done;
    mean_std(score_t, cv->n_folds, &mean, &std);
    if ((rc = set_attr_double(t, "mean_score_time", mean)) != 0 ||
        (rc = set_attr_double(t, "std_score_time", std)) != 0)
        goto done;
    mean_std(scores, cv->n_folds, &mean, &std);
    *value = mean;
done:
    if (rc && rc != HPO_EPRUNED && rc != HPO_ENOMEM && !hpo_trial_attr(t, "error"))
        hpo_trial_set_attr(t, "error", hpo_errmsg());
    if (est)
        cv->est->destroy(est);
    hpo__scaler_free(&sc);
    hpo__free(Xtr);
    hpo__free(ytr);
    hpo__free(Xte);
    hpo__free(yte);
    hpo__free(pred);
    hpo__free(proba);
    hpo__free(scores);
    hpo__free(fit_t);
    hpo__free(score_t);
    hpo__params_free(&hp);
    return rc == 0 || rc == HPO_EPRUNED ? rc : HPO_EOBJECTIVE;
}
