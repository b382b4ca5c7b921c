/*
 * dataset_dump.c -- load a CSV data set (and optionally scale it, fitted on all
 * rows) and print it as one JSON object, for the scikit-learn parity tests.
 *
 *   hpo-tool-dataset_dump FILE.csv [--target NAME] [--scale standard|minmax]
 *                         [--task auto|classification|regression]
 *   -> {"n": N, "d": D, "task": "classification"|"regression", "n_classes": K,
 *       "class_names": [...], "feature_names": [...], "target_name": "...",
 *       "X": [[...], ...], "y": [...]}          (numbers as %.17g)
 * Errors: the library's message on stderr, exit status 2.
 */
#include "hpo.h"
#include "ml/dataset.h"

#include <stdio.h>
#include <string.h>

static void json_str(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static void json_strs(char *const *v, size_t n)
{
    putchar('[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(", ", stdout);
        json_str(v[i]);
    }
    putchar(']');
}

static int usage(void)
{
    fputs("usage: hpo-tool-dataset_dump FILE.csv [--target NAME] [--scale standard|minmax] "
          "[--task auto|classification|regression]\n",
          stderr);
    return 2;
}

int main(int argc, char **argv)
{
    const char *path = NULL, *target = NULL;
    hpo__scaling kind = HPO__SCALE_NONE;
    hpo__task task = HPO__TASK_AUTO;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--target") == 0 && i + 1 < argc) {
            target = argv[++i];
        } else if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc) {
            const char *s = argv[++i];
            if (strcmp(s, "standard") == 0)
                kind = HPO__SCALE_STANDARD;
            else if (strcmp(s, "minmax") == 0)
                kind = HPO__SCALE_MINMAX;
            else if (strcmp(s, "none") != 0)
                return usage();
        } else if (strcmp(argv[i], "--task") == 0 && i + 1 < argc) {
            const char *s = argv[++i];
            if (strcmp(s, "classification") == 0)
                task = HPO__TASK_CLASSIFICATION;
            else if (strcmp(s, "regression") == 0)
                task = HPO__TASK_REGRESSION;
            else if (strcmp(s, "auto") != 0)
                return usage();
        } else if (!path && argv[i][0] != '-') {
            path = argv[i];
        } else {
            return usage();
        }
    }
    if (!path)
        return usage();

    hpo__dataset *ds = NULL;
    if (hpo__dataset_load_csv(path, target, task, &ds) != 0) {
        fprintf(stderr, "%s\n", hpo_errmsg());
        return 2;
    }
    hpo__scaler sc;
    if (hpo__scaler_fit(kind, ds->X, ds->n, ds->d, &sc) != 0) {
        fprintf(stderr, "%s\n", hpo_errmsg());
        hpo__dataset_free(ds);
        return 2;
    }
    hpo__scaler_apply(&sc, ds->X, ds->n);
    hpo__scaler_free(&sc);

    printf("{\"n\": %zu, \"d\": %zu, \"task\": \"%s\", \"n_classes\": %zu, \"class_names\": ",
           ds->n, ds->d, ds->task == HPO__TASK_CLASSIFICATION ? "classification" : "regression",
           ds->n_classes);
    json_strs(ds->class_names, ds->n_classes);
    fputs(", \"feature_names\": ", stdout);
    json_strs(ds->feature_names, ds->d);
    fputs(", \"target_name\": ", stdout);
    json_str(ds->target_name);
    fputs(", \"X\": [", stdout);
    for (size_t i = 0; i < ds->n; i++) {
        fputs(i ? ", [" : "[", stdout);
        for (size_t j = 0; j < ds->d; j++)
            printf(j ? ", %.17g" : "%.17g", ds->X[i * ds->d + j]);
        putchar(']');
    }
    fputs("], \"y\": [", stdout);
    for (size_t i = 0; i < ds->n; i++)
        printf(i ? ", %.17g" : "%.17g", ds->y[i]);
    fputs("]}\n", stdout);
    hpo__dataset_free(ds);
    return 0;
}
