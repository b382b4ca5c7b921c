/*
 * cmd_predict.c -- `hpo predict STUDY DATA.csv` and `hpo predict --model FILE
 * DATA.csv`: apply the model refitted after a search (kept with the study, or
 * saved to a file with `hpo tune --save-model`) to the rows of a CSV file.
 * Predictions go to stdout or -o FILE as CSV (written under a temporary name
 * and renamed); when the file has the target column, the model's metric on
 * those rows goes to stderr. Never creates a storage file.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char predict_usage[] =
    "usage: hpo predict STUDY DATA.csv [-o FILE] [--storage URI]\n"
    "       hpo predict --model FILE DATA.csv [-o FILE]\n"
    "\n"
    "Apply the best configuration refitted after a search with a built-in\n"
    "estimator to the rows of DATA.csv (its columns named as the training\n"
    "data's features, in any order). Writes one prediction per row as CSV,\n"
    "with class probabilities when the estimator gives them. When DATA.csv\n"
    "has the target column, prints the model's score on it to stderr.\n"
    "\n"
    "  -m, --model FILE     a model file (hpo tune --save-model) instead of a study\n"
    "  -o, --output FILE    write to FILE instead of stdout\n"
    "      --info           print what the model is (JSON) and exit\n"
    "      --storage URI    storage (default " HPO_CLI_DEFAULT_STORAGE ")\n"
    "  -h, --help           this text\n";

int hpo__cli_predict(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'},   {"output", required_argument, NULL, 'o'},
        {"storage", required_argument, NULL, 'S'}, {"info", no_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    const char *storage = HPO_CLI_DEFAULT_STORAGE, *output = NULL, *model_path = NULL;
    int info = 0, c;
    while ((c = getopt_long(argc, argv, ":m:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm':
            model_path = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 'S':
            storage = optarg;
            break;
        case 'I':
            info = 1;
            break;
        case 'h':
            fputs(predict_usage, stdout);
            return HPO_EXIT_OK;
        default:
            return hpo__cli_bad_option("predict", c, argv);
        }
    }
    int want = (model_path ? 0 : 1) + (info ? 0 : 1);
    if (argc - optind < want)
        return hpo__cli_usage_error("predict", model_path ? "a data file is required"
                                               : info     ? "a study name is required"
                                                          : "a study name and a data file are "
                                                            "required");
    if (argc - optind > want)
        return hpo__cli_usage_error("predict", "unexpected argument '%s'", argv[optind + want]);
    const char *data = info ? NULL : argv[argc - 1];

    hpo_model *model = NULL;
    hpo_study *study = NULL;
    int status = HPO_EXIT_OK, rc;
    if (model_path) {
        if ((rc = hpo_model_load_file(&model, model_path)) != 0)
            return hpo__cli_lib_error(rc == HPO_ESPEC ? HPO_ESPEC : rc, 1);
    } else {
        if ((status = hpo__cli_load_study(storage, argv[optind], &study)) != 0)
            return status;
        rc = hpo_model_from_study(&model, study);
        hpo_study_close(study);
        if (rc != 0)
            return hpo__cli_lib_error(rc, 1);
    }
    if (info) {
        char *text = NULL;
        if ((rc = hpo_model_info_json(model, &text)) != 0) {
            status = hpo__cli_lib_error(rc, 0);
        } else {
            puts(text);
            hpo_free(text);
        }
        hpo_model_destroy(model);
        return status;
    }

    hpo__cli_out out;
    if ((status = hpo__cli_out_open(&out, output)) != 0)
        goto done;
    double score = NAN;
    rc = hpo_model_predict_csv(model, data, out.fp, &score);
    status = hpo__cli_out_close(&out, rc == 0);
    if (rc != 0)
        status = hpo__cli_lib_error(rc, 1);
    else if (status == 0 && !isnan(score))
        fprintf(stderr, "%s on %s: %.6g\n", hpo_model_scoring(model), data, score);
done:
    hpo_model_destroy(model);
    return status;
}
