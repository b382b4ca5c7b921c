/*
 * tell_one.c -- make a study change from outside, for the dashboard tests
 * (tests/cli/browser.sh): open an existing study by storage and name
 * (hpo_study_load), ask one trial and tell it a value.
 *
 *   hpo-tool-tell_one STORAGE NAME VALUE     ask one trial, tell VALUE; prints
 *                                            "told trial N = VALUE"
 *   hpo-tool-tell_one --create STORAGE NAME  create a study of that name (one
 *                                            float parameter x in [0, 1], random
 *                                            sampler, minimize, no limit on the
 *                                            number of trials) unless it exists
 *
 * Exit status 0, or 1 with the library's message on stderr. Uses only hpo.h.
 */
#include "hpo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(int rc, const char *what)
{
    const char *msg = hpo_errmsg();
    fprintf(stderr, "tell_one: %s: %s\n", what, msg && *msg ? msg : hpo_strerror(rc));
    return 1;
}

static int create(const char *storage, const char *name)
{
    hpo_space *space = NULL;
    hpo_study *study = NULL;
    int rc = hpo_space_create(&space);
    if (rc == 0)
        rc = hpo_space_add_float(space, "x", 0.0, 1.0, 0);
    if (rc != 0) {
        hpo_space_destroy(space);
        return fail(rc, "space");
    }
    hpo_study_options opts = HPO_STUDY_OPTIONS_INIT;
    opts.name = name;
    opts.storage = storage;
    opts.direction = HPO_MINIMIZE;
    opts.sampler = "random";
    opts.seed = 1;
    rc = hpo_study_open(&study, &opts, space);
    hpo_space_destroy(space);
    if (rc != 0)
        return fail(rc, "create the study");
    hpo_study_close(study);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--create") == 0)
        return create(argv[2], argv[3]);
    if (argc != 4) {
        fprintf(stderr, "usage: tell_one STORAGE NAME VALUE | tell_one --create STORAGE NAME\n");
        return 2;
    }
    char *end = NULL;
    double value = strtod(argv[3], &end);
    if (!end || *end != '\0' || end == argv[3]) {
        fprintf(stderr, "tell_one: VALUE must be a number, not '%s'\n", argv[3]);
        return 2;
    }
    hpo_study *study = NULL;
    hpo_trial *trial = NULL;
    int rc = hpo_study_load(&study, argv[1], argv[2]);
    if (rc != 0)
        return fail(rc, "load the study");
    if ((rc = hpo_study_ask(study, &trial)) != 0) {
        hpo_study_close(study);
        return fail(rc, "ask");
    }
    long long number = hpo_trial_number(trial);
    rc = hpo_trial_tell(trial, value);
    hpo_trial_destroy(trial);
    hpo_study_close(study);
    if (rc != 0)
        return fail(rc, "tell");
    printf("told trial %lld = %.17g\n", number, value);
    return 0;
}
