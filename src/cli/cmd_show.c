/*
 * cmd_show.c -- read-only views of a storage: `hpo show STUDY` (counts, best
 * trial, the top trials by value; table or JSON), `hpo status [STUDY]` (one
 * study's progress and running trials, or a table of every study), and
 * `hpo studies` (names). None of them ever creates a storage file: a missing
 * file is "no storage at FILE", exit 2.
 */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char show_usage[] =
    "usage: hpo show STUDY [options]\n"
    "\n"
    "Counts by state, the best trial and the top trials by value.\n"
    "\n"
    "      --storage URI    storage (default " HPO_CLI_DEFAULT_STORAGE ")\n"
    "      --top K          how many trials to list (default 10; 0 = all)\n"
    "      --format FMT     table (default) or json\n"
    "  -h, --help           this text\n";

static const char status_usage[] =
    "usage: hpo status [STUDY] [options]\n"
    "\n"
    "A study's progress: counts, best trial, running trials. Without STUDY, a table\n"
    "of every study in the storage.\n"
    "\n"
    "      --plot           also draw the best value so far as a text chart\n"
    "      --storage URI    storage (default " HPO_CLI_DEFAULT_STORAGE ")\n"
    "  -h, --help           this text\n";

static const char studies_usage[] =
    "usage: hpo studies [--storage URI]\n"
    "\n"
    "The names of the studies in a storage, one per line.\n"
    "\n"
    "      --storage URI    storage (default " HPO_CLI_DEFAULT_STORAGE ")\n"
    "  -h, --help           this text\n";

static const char *direction_name(hpo_direction d)
{
    return d == HPO_MAXIMIZE ? "maximize" : "minimize";
}

/* Sort direction for qsort (set before sorting; the CLI is single-threaded here). */
static hpo_direction sort_dir;

static int by_value(const void *a, const void *b)
{
    const hpo_trial *x = *(hpo_trial *const *)a, *y = *(hpo_trial *const *)b;
    double u = hpo_trial_value(x), v = hpo_trial_value(y);
    if (u != v)
        return (sort_dir == HPO_MAXIMIZE ? u > v : u < v) ? -1 : 1;
    long long m = hpo_trial_number(x), n = hpo_trial_number(y);
    return m < n ? -1 : m > n;
}

/* Complete trials with a value, best first; borrowed pointers into `trials`. */
static size_t ranked(hpo_trial **trials, size_t n, hpo_direction dir, hpo_trial **out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (hpo_trial_get_state(trials[i]) == HPO_TRIAL_COMPLETE &&
            !isnan(hpo_trial_value(trials[i])))
            out[k++] = trials[i];
    sort_dir = dir;
    qsort(out, k, sizeof *out, by_value);
    return k;
}

static void print_trial_row(const hpo_trial *t)
{
    char v[32], d[32], params[1024];
    hpo__cli_value_text(hpo_trial_value(t), v, sizeof v);
    hpo__cli_duration_text(hpo__cli_trial_duration(t), d, sizeof d);
    hpo__cli_params_text(t, params, sizeof params);
    printf("  %6lld  %-8s  %-12s  %8s  %s\n", hpo_trial_number(t),
           hpo_trial_state_to_string(hpo_trial_get_state(t)), v, d, params);
}

static void print_best_line(hpo_study *study)
{
    hpo_trial *best = NULL;
    if (hpo_study_best_trial(study, &best) != 0) {
        printf("best: no complete trial yet\n");
        return;
    }
    char v[32], params[1024];
    hpo__cli_value_text(hpo_trial_value(best), v, sizeof v);
    hpo__cli_params_text(best, params, sizeof params);
    printf("best: trial #%lld  value %s  %s\n", hpo_trial_number(best), v, params);
    hpo_trial_destroy(best);
}

/* The refitted model kept with the study (built-in estimators), if any. */
static void print_model_line(hpo_study *study)
{
    hpo_model *m = NULL;
    if (hpo_model_from_study(&m, study) != 0)
        return;
    char v[64];
    printf("model: refitted on %zu training rows", hpo_model_n_train(m));
    if (hpo_model_n_test(m) > 0) {
        hpo__cli_value_text(hpo_model_test_score(m), v, sizeof v);
        printf(" · test %s %s (%zu rows)", hpo_model_scoring(m), v, hpo_model_n_test(m));
    }
    printf("\n");
    hpo_model_destroy(m);
}

static void print_header(hpo_study *study, const char *storage)
{
    char method[160];
    hpo__cli_method_text(study, method, sizeof method);
    printf("study %s · %s · %s · %s\n", hpo_study_name(study), storage,
           direction_name(hpo_study_direction(study)), method);
    long long counts[4] = {0, 0, 0, 0};
    char ctext[160];
    hpo_study_counts(study, counts);
    hpo__cli_counts_text(counts, ctext, sizeof ctext);
    printf("%s\n", ctext);
}

/* ---------------------------------------------------------------- show */

static json_t *trial_brief_json(const hpo_trial *t)
{
    char *pj = NULL;
    json_t *params = NULL;
    if (hpo_trial_params_json(t, &pj) == 0) {
        params = json_loads(pj, 0, NULL);
        hpo_free(pj);
    }
    double v = hpo_trial_value(t), d = hpo__cli_trial_duration(t);
    return json_pack("{sIsssososo}", "number", (json_int_t)hpo_trial_number(t), "state",
                     hpo_trial_state_to_string(hpo_trial_get_state(t)), "value",
                     isfinite(v) ? json_real(v) : json_null(), "params",
                     params ? params : json_object(), "duration",
                     isfinite(d) ? json_real(d) : json_null());
}

static int show_json(hpo_study *study, const char *storage, hpo_trial **top, size_t k)
{
    long long counts[4] = {0, 0, 0, 0};
    hpo_study_counts(study, counts);
    hpo_trial *best = NULL;
    json_t *jbest = json_null();
    if (hpo_study_best_trial(study, &best) == 0) {
        json_decref(jbest);
        jbest = trial_brief_json(best);
        hpo_trial_destroy(best);
    }
    json_t *list = json_array();
    for (size_t i = 0; i < k; i++)
        json_array_append_new(list, trial_brief_json(top[i]));
    long long total = hpo_study_n_trials(study);
    json_t *root = json_pack(
        "{sssssssssssos{sIsIsIsI}soso}", "study", hpo_study_name(study), "storage", storage,
        "sampler", hpo_study_sampler(study) ? hpo_study_sampler(study) : "", "scheduler",
        hpo_study_scheduler(study), "direction", direction_name(hpo_study_direction(study)),
        "n_trials", total > 0 ? json_integer((json_int_t)total) : json_null(), "counts", "complete",
        (json_int_t)counts[HPO_TRIAL_COMPLETE], "pruned", (json_int_t)counts[HPO_TRIAL_PRUNED],
        "failed", (json_int_t)counts[HPO_TRIAL_FAILED], "running",
        (json_int_t)counts[HPO_TRIAL_RUNNING], "best", jbest ? jbest : json_null(), "top", list);
    if (!root)
        return hpo__cli_error(HPO_EXIT_FAILURE, "out of memory");
    hpo_model *m = NULL;
    char *info = NULL;
    if (hpo_model_from_study(&m, study) == 0 && hpo_model_info_json(m, &info) == 0) {
        json_t *ji = json_loads(info, 0, NULL);
        if (ji)
            json_object_set_new(root, "model", ji);
    }
    hpo_free(info);
    hpo_model_destroy(m);
    json_dumpf(root, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(root);
    return HPO_EXIT_OK;
}

int hpo__cli_show(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"storage", required_argument, NULL, 'S'},
        {"top", required_argument, NULL, 'k'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *storage = HPO_CLI_DEFAULT_STORAGE;
    long long top = 10;
    int as_json = 0, c;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'S':
            storage = optarg;
            break;
        case 'k':
            if (hpo__cli_parse_ll(optarg, &top) != 0 || top < 0)
                return hpo__cli_usage_error("show", "--top: expected a count, got '%s'", optarg);
            break;
        case 'f':
            if (strcmp(optarg, "json") == 0)
                as_json = 1;
            else if (strcmp(optarg, "table") == 0)
                as_json = 0;
            else
                return hpo__cli_usage_error("show", "--format: unknown format '%s' (table, json)",
                                            optarg);
            break;
        case 'h':
            fputs(show_usage, stdout);
            return HPO_EXIT_OK;
        default:
            return hpo__cli_bad_option("show", c, argv);
        }
    }
    if (optind >= argc)
        return hpo__cli_usage_error("show", "a study name is required");
    if (optind + 1 < argc)
        return hpo__cli_usage_error("show", "unexpected argument '%s'", argv[optind + 1]);

    hpo_study *study = NULL;
    int status = hpo__cli_load_study(storage, argv[optind], &study);
    if (status != 0)
        return status;
    hpo_trial **trials = NULL, **best = NULL;
    size_t n = 0;
    int rc = hpo_study_trials(study, &trials, &n);
    if (rc != 0) {
        status = hpo__cli_lib_error(rc, 0);
        goto done;
    }
    best = calloc(n ? n : 1, sizeof *best);
    if (!best) {
        status = hpo__cli_error(HPO_EXIT_FAILURE, "out of memory");
        goto done;
    }
    size_t k = ranked(trials, n, hpo_study_direction(study), best);
    if (top > 0 && (size_t)top < k)
        k = (size_t)top;
    if (as_json) {
        status = show_json(study, storage, best, k);
        goto done;
    }
    print_header(study, storage);
    print_best_line(study);
    print_model_line(study);
    if (k > 0) {
        printf("\ntop %zu by value (%s):\n", k,
               hpo_study_direction(study) == HPO_MAXIMIZE ? "highest first" : "lowest first");
        printf("  %6s  %-8s  %-12s  %8s  %s\n", "number", "state", "value", "duration", "params");
        for (size_t i = 0; i < k; i++)
            print_trial_row(best[i]);
    }
    size_t shown_failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (hpo_trial_get_state(trials[i]) != HPO_TRIAL_FAILED)
            continue;
        if (shown_failed++ == 0)
            printf("\nfailed:\n");
        if (shown_failed > 5)
            continue;
        char reason[512];
        hpo__cli_reason_text(hpo_trial_message(trials[i]), reason, sizeof reason);
        printf("  %6lld  %s\n", hpo_trial_number(trials[i]), reason);
    }
    if (shown_failed > 5)
        printf("  ... and %zu more (hpo export %s --format csv)\n", shown_failed - 5,
               hpo_study_name(study));
done:
    free(best);
    hpo_trial_list_free(trials, n);
    hpo_study_close(study);
    return status;
}

/* ---------------------------------------------------------------- status */

/* The best-so-far text chart (`status --plot`), as wide as the terminal. */
static int print_chart(hpo_study *study)
{
    hpo_snapshot *snap = NULL;
    int rc = hpo_snapshot_from_study(study, &snap);
    if (rc != 0)
        return hpo__cli_lib_error(rc, 0);
    hpo_plot_options opts = HPO_PLOT_OPTIONS_INIT;
    opts.format = HPO_PLOT_TEXT;
    const char *cols = getenv("COLUMNS");
    long long w = 0;
    if (cols && hpo__cli_parse_ll(cols, &w) == 0 && w >= 30 && w <= 400)
        opts.width = (int)w - 12;
    char *text = NULL;
    int status = HPO_EXIT_OK;
    const char *why = NULL;
    putchar('\n');
    if (!hpo_plot_applies(snap, "history", &why))
        printf("no chart: %s\n", why ? why : "nothing to draw");
    else if ((rc = hpo_plot(snap, "history", &opts, &text, NULL)) != 0)
        status = hpo__cli_lib_error(rc, 0);
    else
        fputs(text, stdout);
    hpo_free(text);
    hpo_snapshot_destroy(snap);
    return status;
}

static int status_one(const char *storage, const char *name, int plot)
{
    hpo_study *study = NULL;
    int status = hpo__cli_load_study(storage, name, &study);
    if (status != 0)
        return status;
    print_header(study, storage);
    print_best_line(study);
    hpo_trial **trials = NULL;
    size_t n = 0;
    int rc = hpo_study_trials(study, &trials, &n);
    if (rc != 0) {
        status = hpo__cli_lib_error(rc, 0);
        hpo_study_close(study);
        return status;
    }
    int header = 0;
    for (size_t i = 0; i < n; i++) {
        const hpo_trial *t = trials[i];
        if (hpo_trial_get_state(t) != HPO_TRIAL_RUNNING)
            continue;
        if (!header++)
            printf("\nrunning:\n  %6s  %-24s  %8s  %-12s  %s\n", "number", "worker", "elapsed",
                   "last report", "params");
        char d[32], last[48] = "-", params[1024];
        hpo__cli_duration_text(hpo__cli_trial_duration(t), d, sizeof d);
        size_t nr = hpo_trial_report_count(t);
        long long step;
        double v;
        if (nr > 0 && hpo_trial_report_at(t, nr - 1, &step, &v) == 0)
            snprintf(last, sizeof last, "%.6g @%lld", v, step);
        hpo__cli_params_text(t, params, sizeof params);
        printf("  %6lld  %-24s  %8s  %-12s  %s\n", hpo_trial_number(t),
               hpo_trial_worker(t) ? hpo_trial_worker(t) : "-", d, last, params);
    }
    hpo_trial_list_free(trials, n);
    if (plot)
        status = print_chart(study);
    hpo_study_close(study);
    return status;
}

static int status_all(const char *storage)
{
    int status = hpo__cli_check_storage(storage);
    if (status != 0)
        return status;
    char **names = NULL;
    int rc = hpo_storage_list_studies(storage, &names);
    if (rc != 0)
        return hpo__cli_lib_error(rc, 1);
    if (!names[0])
        printf("no studies in %s\n", storage);
    else
        printf("%-28s %9s %9s %7s %7s %8s  %-12s %s\n", "study", "trials", "complete", "pruned",
               "failed", "running", "best", "direction");
    for (size_t i = 0; names[i]; i++) {
        hpo_study *study = NULL;
        if ((rc = hpo_study_load(&study, storage, names[i])) != 0) {
            status = hpo__cli_lib_error(rc, 1);
            continue;
        }
        long long counts[4] = {0, 0, 0, 0};
        hpo_study_counts(study, counts);
        char total[32], best[32] = "-";
        long long nt = hpo_study_n_trials(study);
        if (nt > 0)
            snprintf(total, sizeof total, "%lld", nt);
        else
            snprintf(total, sizeof total, "-");
        hpo_trial *b = NULL;
        if (hpo_study_best_trial(study, &b) == 0) {
            hpo__cli_value_text(hpo_trial_value(b), best, sizeof best);
            hpo_trial_destroy(b);
        }
        printf("%-28s %9s %9lld %7lld %7lld %8lld  %-12s %s\n", names[i], total,
               counts[HPO_TRIAL_COMPLETE], counts[HPO_TRIAL_PRUNED], counts[HPO_TRIAL_FAILED],
               counts[HPO_TRIAL_RUNNING], best, direction_name(hpo_study_direction(study)));
        hpo_study_close(study);
    }
    hpo_free(names);
    return status;
}

/* Options shared by status and studies: --storage, --help. */
static int parse_storage_only(int argc, char **argv, const char *cmd, const char *usage,
                              const char **storage, int *done)
{
    static const struct option longopts[] = {
        {"storage", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    *done = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'S':
            *storage = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            *done = 1;
            return HPO_EXIT_OK;
        default:
            *done = 1;
            return hpo__cli_bad_option(cmd, c, argv);
        }
    }
    return HPO_EXIT_OK;
}

int hpo__cli_status(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"storage", required_argument, NULL, 'S'},
        {"plot", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *storage = HPO_CLI_DEFAULT_STORAGE;
    int plot = 0, c;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'S':
            storage = optarg;
            break;
        case 'P':
            plot = 1;
            break;
        case 'h':
            fputs(status_usage, stdout);
            return HPO_EXIT_OK;
        default:
            return hpo__cli_bad_option("status", c, argv);
        }
    }
    if (optind + 1 < argc)
        return hpo__cli_usage_error("status", "unexpected argument '%s'", argv[optind + 1]);
    if (optind < argc)
        return status_one(storage, argv[optind], plot);
    if (plot)
        return hpo__cli_usage_error("status", "--plot needs a study name");
    return status_all(storage);
}

int hpo__cli_studies(int argc, char **argv)
{
    const char *storage = HPO_CLI_DEFAULT_STORAGE;
    int done;
    int status = parse_storage_only(argc, argv, "studies", studies_usage, &storage, &done);
    if (done)
        return status;
    if (optind < argc)
        return hpo__cli_usage_error("studies", "unexpected argument '%s'", argv[optind]);
    if ((status = hpo__cli_check_storage(storage)) != 0)
        return status;
    char **names = NULL;
    int rc = hpo_storage_list_studies(storage, &names);
    if (rc != 0)
        return hpo__cli_lib_error(rc, 1);
    for (size_t i = 0; names[i]; i++)
        printf("%s\n", names[i]);
    hpo_free(names);
    return HPO_EXIT_OK;
}
