/*
 * cmd_export.c -- `hpo export STUDY --format csv|json|cv_results [-o FILE]`:
 * the study's trials through hpo_study_export, to stdout or a file. The file is
 * written under a temporary name and renamed, so a failed export never leaves
 * half a file behind. Never creates a storage file.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char export_usage[] =
    "usage: hpo export STUDY --format csv|json|cv_results [-o FILE] [--storage URI]\n"
    "\n"
    "The study's trials: csv and cv_results have one row per trial with\n"
    "scikit-learn cv_results_ column names; json has every trial with its\n"
    "intermediate reports and attributes.\n"
    "\n"
    "  -f, --format FMT     csv, cv_results or json (required)\n"
    "  -o, --output FILE    write to FILE instead of stdout\n"
    "      --storage URI    storage (default " HPO_CLI_DEFAULT_STORAGE ")\n"
    "  -h, --help           this text\n";

int hpo__cli_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"storage", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *storage = HPO_CLI_DEFAULT_STORAGE, *output = NULL, *format = NULL;
    int c;
    while ((c = getopt_long(argc, argv, ":f:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            format = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 'S':
            storage = optarg;
            break;
        case 'h':
            fputs(export_usage, stdout);
            return HPO_EXIT_OK;
        default:
            return hpo__cli_bad_option("export", c, argv);
        }
    }
    if (optind >= argc)
        return hpo__cli_usage_error("export", "a study name is required");
    if (optind + 1 < argc)
        return hpo__cli_usage_error("export", "unexpected argument '%s'", argv[optind + 1]);
    if (!format)
        return hpo__cli_usage_error("export", "--format is required (csv, cv_results, json)");
    hpo_export_format fmt;
    if (strcmp(format, "csv") == 0)
        fmt = HPO_EXPORT_CSV;
    else if (strcmp(format, "cv_results") == 0)
        fmt = HPO_EXPORT_CV_RESULTS;
    else if (strcmp(format, "json") == 0)
        fmt = HPO_EXPORT_JSON;
    else
        return hpo__cli_usage_error(
            "export", "--format: unknown format '%s' (csv, cv_results, json)", format);

    hpo_study *study = NULL;
    int status = hpo__cli_load_study(storage, argv[optind], &study);
    if (status != 0)
        return status;

    hpo__cli_out out;
    if ((status = hpo__cli_out_open(&out, output)) != 0)
        goto done;
    int rc = hpo_study_export(study, fmt, out.fp);
    status = hpo__cli_out_close(&out, rc == 0);
    if (rc != 0)
        status = hpo__cli_lib_error(rc, 0);
done:
    hpo_study_close(study);
    return status;
}
