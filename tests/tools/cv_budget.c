/*
 * cv_budget.c -- one trial of the cv objective at a scheduler budget, for the
 * parity test tests/parity/test_halving_subsample.py:
 *
 *   hpo-tool-cv_budget DATA ESTIMATOR KIND FOLDS SEED RESOURCE BUDGET
 *                      [--scale=standard|minmax] [--workers=N] [name=value ...]
 *
 * KIND is kfold or stratified (no shuffle); BUDGET a number or "nan"; each
 * name=value (an integer, a float or a string) is a one-choice searched
 * parameter. The trial runs through a memory study whose trial gets the
 * budget as a scheduler would give it. Prints one JSON object: n_resources,
 * the per-fold test scores (17 significant digits) and, per fold, the
 * training and test rows the objective used ("rows": [[train], [test]], ...).
 */
#include "core/study.h"
#include "objectives/cv.h"
#include "util/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
    fprintf(stderr, "usage: hpo-tool-cv_budget DATA ESTIMATOR kfold|stratified FOLDS SEED "
                    "RESOURCE BUDGET [--scale=standard|minmax] [--workers=N] [name=value ...]\n");
    return 2;
}

static hpo_value parse_value(const char *text)
{
    hpo_value v;
    char *end;
    long long i = strtoll(text, &end, 10);
    if (*text && *end == '\0') {
        v.type = HPO_VALUE_INT;
        v.u.i = i;
        return v;
    }
    double f = strtod(text, &end);
    if (*text && *end == '\0') {
        v.type = HPO_VALUE_FLOAT;
        v.u.f = f;
        return v;
    }
    v.type = HPO_VALUE_STRING;
    v.u.s = text;
    return v;
}

static int fail(const char *what)
{
    fprintf(stderr, "cv_budget: %s: %s\n", what, hpo_errmsg());
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 8)
        return usage();
    hpo__cv_config cfg = {.origin = "cv_budget",
                          .estimator = argv[2],
                          .data_path = argv[1],
                          .target = "last",
                          .folds = (size_t)strtoul(argv[4], NULL, 10),
                          .seed = strtoull(argv[5], NULL, 10),
                          .resource = strcmp(argv[6], "-") ? argv[6] : NULL};
    if (strcmp(argv[3], "kfold") == 0)
        cfg.kind = HPO__CV_KFOLD;
    else if (strcmp(argv[3], "stratified") == 0)
        cfg.kind = HPO__CV_STRATIFIED;
    else
        return usage();
    double budget = strtod(argv[7], NULL);
    int workers = 1;
    hpo_space *space = NULL;
    if (hpo_space_create(&space) != 0)
        return fail("space");
    for (int a = 8; a < argc; a++) {
        if (strncmp(argv[a], "--scale=", 8) == 0) {
            cfg.scaling =
                strcmp(argv[a] + 8, "standard") == 0 ? HPO__SCALE_STANDARD : HPO__SCALE_MINMAX;
            continue;
        }
        if (strncmp(argv[a], "--workers=", 10) == 0) {
            workers = atoi(argv[a] + 10);
            continue;
        }
        char *eq = strchr(argv[a], '=');
        if (!eq)
            return usage();
        *eq = '\0';
        hpo_value v = parse_value(eq + 1);
        if (hpo_space_add_categorical(space, argv[a], &v, 1) != 0)
            return fail(argv[a]);
    }
    hpo__cv *cv = NULL;
    if (hpo__cv_create(&cv, &cfg) != 0)
        return fail("create");
    if (hpo__cv_check_space(cv, space, "cv_budget") != 0)
        return fail("space");
    if (hpo__cv_set_workers(cv, workers) != 0)
        return fail("workers");
    hpo_study_options o = HPO_STUDY_OPTIONS_INIT;
    o.name = "cv_budget";
    o.seed = cfg.seed;
    hpo_study *study = NULL;
    hpo_trial *t = NULL;
    if (hpo_study_open(&study, &o, space) != 0 || hpo_study_ask(study, &t) != 0)
        return fail("study");
    t->budget = budget; /* as a scheduler's claim would set it */
    t->budget_start = 0;
    double value;
    if (hpo__cv_objective(t, &value, cv) != 0)
        return fail(hpo_trial_attr(t, "error") ? hpo_trial_attr(t, "error") : "objective");
    const char *nr = hpo_trial_attr(t, "n_resources");
    printf("{\"n_resources\": %s, \"mean\": %.17g, \"scores\": [", nr ? nr : "null", value);
    long long n_folds = 0, n_samples, n_classes;
    hpo__cv_resource_info(cv, &n_samples, &n_folds, &n_classes);
    for (long long f = 0; f < n_folds; f++) {
        char key[48];
        snprintf(key, sizeof key, "split%lld_test_score", f);
        printf("%s%s", f ? ", " : "", hpo_trial_attr(t, key));
    }
    printf("], \"n_samples\": %lld, \"n_classes\": %lld, \"rows\": [", n_samples, n_classes);
    for (long long f = 0; f < n_folds; f++) {
        size_t *rows = NULL, ntr, nte;
        if (hpo__cv_fold_rows(cv, budget, (size_t)f, &rows, &ntr, &nte) != 0)
            return fail("rows");
        printf("%s[[", f ? ", " : "");
        for (size_t i = 0; i < ntr + nte; i++)
            printf("%s%zu", i == ntr ? "], [" : i ? ", " : "", rows[i]);
        printf("]]");
        hpo__free(rows);
    }
    printf("]}\n");
    hpo_trial_tell(t, value);
    hpo_trial_destroy(t);
    hpo_study_close(study);
    hpo__cv_destroy(cv);
    hpo_space_destroy(space);
    return 0;
}
