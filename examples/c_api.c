/*
 * c_api.c -- tuning a C function with libhpo: a quasi-random search of a 2-d
 * quadratic, stored in memory (or in SQLite when a storage URI is given): a few
 * trials by ask/tell, the rest by the optimize loop with 4 worker threads.
 *
 *   build/examples/hpo-example-c-api [sqlite:///hpo.db]
 */
#include <hpo.h>

#include <stdio.h>

static int objective(hpo_trial *t, double *value, void *payload)
{
    (void)payload;
    double x, y;
    int rc = hpo_trial_get_float(t, "x", &x);
    if (rc == 0)
        rc = hpo_trial_get_float(t, "y", &y);
    if (rc != 0)
        return rc;
    *value = (x - 1) * (x - 1) + (y + 2) * (y + 2);
    return 0;
}

int main(int argc, char **argv)
{
    hpo_space *space = NULL;
    hpo_study *study = NULL;
    hpo_trial *best = NULL;
    int status = 1;
    if (hpo_space_create(&space) != 0 || hpo_space_add_float(space, "x", -5, 5, 0) != 0 ||
        hpo_space_add_float(space, "y", -5, 5, 0) != 0)
        goto done;

    hpo_study_options o = HPO_STUDY_OPTIONS_INIT;
    o.name = "quadratic";
    o.storage = argc > 1 ? argv[1] : "memory:";
    o.sampler = "qmc";
    o.n_trials = 64;
    o.seed = 1;
    if (hpo_study_open(&study, &o, space) != 0)
        goto done;

    /* Ask and tell by hand for the first 8 configurations... */
    for (int i = 0; i < 8; i++) {
        hpo_trial *t = NULL;
        double v;
        if (hpo_study_ask(study, &t) != 0)
            goto done;
        if (objective(t, &v, NULL) == 0)
            hpo_trial_tell(t, v);
        else
            hpo_trial_fail(t, hpo_errmsg());
        hpo_trial_destroy(t);
    }

    /* ...then let the optimize loop run the rest of the study's 64 with 4 threads
     * (n_trials is the study's total). */
    hpo_optimize_options oo = HPO_OPTIMIZE_OPTIONS_INIT;
    oo.n_workers = 4;
    if (hpo_study_optimize(study, objective, NULL, &oo) != 0)
        goto done;

    if (hpo_study_best_trial(study, &best) != 0)
        goto done;
    double x, y;
    hpo_trial_get_float(best, "x", &x);
    hpo_trial_get_float(best, "y", &y);
    printf("best value %.6g at x=%.4f y=%.4f (trial %lld of %lld)\n", hpo_trial_value(best), x, y,
           hpo_trial_number(best), hpo_study_n_trials(study));
    status = 0;
done:
    if (status != 0)
        fprintf(stderr, "hpo: %s\n", hpo_errmsg());
    hpo_trial_destroy(best);
    hpo_study_close(study);
    hpo_space_destroy(space);
    return status;
}
