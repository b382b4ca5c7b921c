/*
 * cmd_tune.c -- `hpo tune SPEC`: create or resume the study a spec describes and
 * run it to its total number of trials, showing progress (progress.c), then a
 * summary: counts by state, the best trial, where the results are, how to resume.
 * Writes the spec's `export:` files at the end.
 *
 * Signals: the first SIGINT/SIGTERM asks the library to stop (no new trials;
 * running commands get SIGTERM, then SIGKILL after their grace period); tune
 * then prints the summary and exits 130. A second signal exits at once (130).
 */
#include "cli.h"
#include "progress.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char tune_usage[] =
    "usage: hpo tune SPEC [options]\n"
    "\n"
    "Create the study SPEC describes, or resume it, and run it until it has its\n"
    "total number of trials (n_trials is the study's total, not \"N more\").\n"
    "\n"
    "  -n, --n-trials N     the study's total number of trials\n"
    "  -w, --workers K      trials run at once\n"
    "      --storage URI    storage (sqlite:///path.db, a path, memory:)\n"
    "      --study NAME     study name\n"
    "      --seed S         sampler seed\n"
    "      --timeout DUR    stop starting trials after DUR (90s, 20m, 2h)\n"
    "      --fresh          delete the stored study of that name first\n"
    "      --save-model F   built-in estimators: also write the refitted model to F\n"
    "      --no-refit       built-in estimators: skip the final refit\n"
    "  -q, --quiet          print only the best trial at the end\n"
    "      --progress MODE  auto (default), bar, lines or none\n"
    "  -h, --help           this text\n"
    "\n"
    "Exit status: 0 done, 1 runtime failure, 2 bad spec/options/storage or a changed\n"
    "study (use --fresh), 130 interrupted.\n";

static hpo_spec *volatile g_spec;
static hpo_study *volatile g_study;
static volatile sig_atomic_t g_signals;

static void on_signal(int sig)
{
    (void)sig;
    g_signals = g_signals + 1;
    if (g_spec)
        hpo_spec_interrupt(g_spec, g_study);
    if (g_signals == 1) {
        static const char msg[] =
            "\nhpo: interrupted; stopping the running trials (again to quit at once)\n";
        ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)w;
    } else {
        _exit(HPO_EXIT_INTERRUPTED);
    }
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* mkdir -p of the directory part of `path`. */
static void make_parent_dirs(const char *path)
{
    char dir[1024];
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path || (size_t)(slash - path) >= sizeof dir)
        return;
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
    for (char *q = dir + 1; *q; q++) {
        if (*q == '/') {
            *q = '\0';
            mkdir(dir, 0777);
            *q = '/';
        }
    }
    mkdir(dir, 0777);
}

/* Write one export file; prints what it did unless quiet. 0 or an exit status. */
static int write_export(hpo_study *study, const char *path, hpo_export_format fmt, const char *what,
                        int quiet)
{
    make_parent_dirs(path);
    FILE *fp = fopen(path, "w");
    if (!fp)
        return hpo__cli_error(HPO_EXIT_FAILURE, "cannot write %s: %s", path, strerror(errno));
    int rc = hpo_study_export(study, fmt, fp);
    if (fclose(fp) != 0 && rc == 0)
        return hpo__cli_error(HPO_EXIT_FAILURE, "cannot write %s: %s", path, strerror(errno));
    if (rc != 0)
        return hpo__cli_lib_error(rc, 0);
    if (!quiet)
        printf("export: wrote %s (%s)\n", path, what);
    return 0;
}

/* The trial-directory root from any trial's "log_dir" attribute. */
static void find_trial_root(hpo_study *study, char *buf, size_t size)
{
    hpo_trial **trials = NULL;
    size_t n = 0;
    buf[0] = '\0';
    if (hpo_study_trials(study, &trials, &n) != 0)
        return;
    for (size_t i = n; i-- > 0;) {
        const char *dir = hpo_trial_attr(trials[i], "log_dir");
        const char *slash = dir ? strrchr(dir, '/') : NULL;
        if (slash && slash > dir) {
            snprintf(buf, size, "%.*s", (int)(slash - dir), dir);
            break;
        }
    }
    hpo_trial_list_free(trials, n);
}

static void print_best(hpo_study *study, int quiet)
{
    hpo_trial *best = NULL;
    if (hpo_study_best_trial(study, &best) != 0) {
        printf(quiet ? "no complete trial\n" : "best: no complete trial yet\n");
        return;
    }
    char v[32], params[1024];
    hpo__cli_value_text(hpo_trial_value(best), v, sizeof v);
    hpo__cli_params_text(best, params, sizeof params);
    if (quiet)
        printf("best %s (#%lld: %s)\n", v, hpo_trial_number(best), params);
    else
        printf("best: trial #%lld  value %s  %s\n", hpo_trial_number(best), v, params);
    hpo_trial_destroy(best);
}

/* The summary after the run (not in quiet mode). */
static void print_summary(hpo_study *study, const hpo_spec *spec, const hpo__progress *prog,
                          const char *resume)
{
    long long counts[4] = {0, 0, 0, 0};
    char ctext[160];
    hpo_study_counts(study, counts);
    hpo__cli_counts_text(counts, ctext, sizeof ctext);
    printf("done: %lld trials this run · %s\n", hpo__progress_finished(prog), ctext);
    print_best(study, 0);
    char root[512];
    const char *r = hpo__progress_trial_root(prog);
    if (r)
        snprintf(root, sizeof root, "%s", r);
    else
        find_trial_root(study, root, sizeof root);
    printf("results: %s, study %s", hpo_spec_storage(spec), hpo_study_name(study));
    if (root[0])
        printf(" · trial dirs %s/<number>", root);
    printf("\n");
    printf("resume with: %s\n", resume);
}

/* scikit-learn's refit=True: the best configuration on all training rows,
 * kept with the study (and in a file when asked). */
static int refit(const hpo_spec *spec, hpo_study *study, const char *save_model, int quiet)
{
    hpo_model *m = NULL;
    int rc = hpo_spec_refit(spec, study, &m);
    if (rc == HPO_ENOTFOUND) /* no complete trial: nothing to refit */
        return HPO_EXIT_OK;
    if (rc != 0)
        return hpo__cli_lib_error(rc, 0);
    if (save_model && (rc = hpo_model_save_file(m, save_model)) != 0) {
        hpo_model_destroy(m);
        return hpo__cli_lib_error(rc, 0);
    }
    if (!quiet) {
        char v[64];
        printf("refit: best configuration on all %zu training rows", hpo_model_n_train(m));
        if (hpo_model_n_test(m) > 0) {
            hpo__cli_value_text(hpo_model_test_score(m), v, sizeof v);
            printf(" · test %s %s (%zu rows)", hpo_model_scoring(m), v, hpo_model_n_test(m));
        }
        printf("\nmodel: kept with the study; apply it with: %s predict %s DATA.csv",
               hpo__cli_program, hpo_study_name(study));
        if (strcmp(hpo_spec_storage(spec), HPO_CLI_DEFAULT_STORAGE) != 0)
            printf(" --storage %s", hpo_spec_storage(spec));
        if (save_model)
            printf(" (also saved as %s)", save_model);
        printf("\n");
    }
    hpo_model_destroy(m);
    return HPO_EXIT_OK;
}

/* "hpo tune SPEC" plus the overrides that name the study. */
static void resume_command(char *buf, size_t size, const char *path, const char *study,
                           const char *storage, const char *n_trials)
{
    int n = snprintf(buf, size, "%s tune %s", hpo__cli_program, path);
    if (study && n >= 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, " --study %s", study);
    if (storage && n >= 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, " --storage %s", storage);
    if (n_trials && n >= 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, " -n %s", n_trials);
}

int hpo__cli_tune(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"n-trials", required_argument, NULL, 'n'},
        {"workers", required_argument, NULL, 'w'},
        {"storage", required_argument, NULL, 'S'},
        {"study", required_argument, NULL, 's'},
        {"seed", required_argument, NULL, 'e'},
        {"timeout", required_argument, NULL, 't'},
        {"fresh", no_argument, NULL, 'f'},
        {"save-model", required_argument, NULL, 'M'},
        {"no-refit", no_argument, NULL, 'R'},
        {"quiet", no_argument, NULL, 'q'},
        {"progress", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *n_trials = NULL, *workers = NULL, *storage = NULL, *study_name = NULL;
    const char *seed = NULL, *timeout = NULL, *progress = "auto", *save_model = NULL;
    int fresh = 0, quiet = 0, no_refit = 0, c;
    while ((c = getopt_long(argc, argv, ":n:w:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'n':
            n_trials = optarg;
            break;
        case 'w':
            workers = optarg;
            break;
        case 'S':
            storage = optarg;
            break;
        case 's':
            study_name = optarg;
            break;
        case 'e':
            seed = optarg;
            break;
        case 't':
            timeout = optarg;
            break;
        case 'f':
            fresh = 1;
            break;
        case 'M':
            save_model = optarg;
            break;
        case 'R':
            no_refit = 1;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'p':
            progress = optarg;
            break;
        case 'h':
            fputs(tune_usage, stdout);
            return HPO_EXIT_OK;
        default:
            return hpo__cli_bad_option("tune", c, argv);
        }
    }
    if (optind >= argc)
        return hpo__cli_usage_error("tune", "a spec file is required");
    if (optind + 1 < argc)
        return hpo__cli_usage_error("tune", "unexpected argument '%s'", argv[optind + 1]);
    const char *path = argv[optind];

    hpo__progress_mode mode;
    if (hpo__progress_mode_from_string(progress, &mode) != 0)
        return hpo__cli_usage_error(
            "tune", "--progress: unknown mode '%s' (auto, bar, lines, none)", progress);
    if (quiet)
        mode = HPO_PROGRESS_QUIET;
    long long num;
    if (n_trials && (hpo__cli_parse_ll(n_trials, &num) != 0 || num < 1))
        return hpo__cli_usage_error("tune", "-n: expected a positive integer, got '%s'", n_trials);
    if (workers && (hpo__cli_parse_ll(workers, &num) != 0 || num < 1))
        return hpo__cli_usage_error("tune", "--workers: expected a positive integer, got '%s'",
                                    workers);

    hpo_spec *spec = NULL;
    hpo_study *study = NULL;
    hpo__progress *prog = NULL;
    int status = HPO_EXIT_OK;
    int rc = hpo_spec_load(&spec, path);
    if (rc != 0)
        return hpo__cli_lib_error(rc, 1);

    const char *keys[] = {"study", "storage", "seed", "n_trials", "workers", "timeout"};
    const char *values[] = {study_name, storage, seed, n_trials, workers, timeout};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (values[i] && (rc = hpo_spec_set(spec, keys[i], values[i])) != 0) {
            status = hpo__cli_lib_error(rc, 1);
            goto done;
        }
    }

    if ((rc = hpo_spec_open_study(spec, fresh, &study)) != 0) {
        status = hpo__cli_lib_error(rc, 1);
        if (rc == HPO_EMISMATCH)
            fputs("hpo: use --fresh to start the study again (its stored trials are deleted), "
                  "or another --study name\n",
                  stderr);
        goto done;
    }

    long long counts[4] = {0, 0, 0, 0};
    hpo_study_counts(study, counts);
    if (!quiet) {
        long long done_before =
            counts[HPO_TRIAL_COMPLETE] + counts[HPO_TRIAL_PRUNED] + counts[HPO_TRIAL_FAILED];
        int w = hpo_spec_workers(spec);
        printf("study %s (", hpo_study_name(study));
        if (hpo_study_is_new(study))
            printf("new");
        else
            printf("resumed: %lld trials done", done_before);
        char method[160];
        hpo__cli_method_text(study, method, sizeof method);
        printf(") · %s · %s", hpo_spec_storage(spec), method);
        printf(" · %d worker%s\n", w > 0 ? w : 1, w > 1 ? "s" : "");
        fflush(stdout);
    }

    prog = hpo__progress_create(mode, study);
    if (!prog) {
        status = hpo__cli_error(HPO_EXIT_FAILURE, "out of memory");
        goto done;
    }
    g_spec = spec;
    g_study = study;
    install_signals();

    hpo_optimize_options oo = HPO_OPTIMIZE_OPTIONS_INIT;
    oo.on_event = hpo__progress_on_event;
    oo.event_payload = prog;
    rc = hpo_spec_run(spec, study, &oo);
    hpo__progress_clear(prog);

    int interrupted = g_signals > 0;
    if (rc != 0 && rc != HPO_ETIMEOUT && !interrupted) {
        /* keep the library's message before anything else calls into it */
        status = hpo__cli_lib_error(rc, 0);
    } else if (rc == HPO_ETIMEOUT && !quiet) {
        printf("stopped: the timeout passed\n");
    } else if (rc == 0 && hpo_study_stopped_by(study)[0] && !quiet) {
        printf("stopped: %s\n", hpo_study_stopped_by(study));
    }

    char resume[1024];
    resume_command(resume, sizeof resume, path, study_name, storage, n_trials);
    if (quiet)
        print_best(study, 1);
    else
        print_summary(study, spec, prog, resume);

    if (status == HPO_EXIT_OK && !interrupted && !no_refit && hpo_spec_refit_enabled(spec)) {
        int st = refit(spec, study, save_model, quiet);
        if (st != HPO_EXIT_OK)
            status = st;
    } else if (save_model && status == HPO_EXIT_OK && !interrupted) {
        status = hpo__cli_error(HPO_EXIT_USAGE, "--save-model needs a built-in estimator objective "
                                                "with the refit");
    }

    const char *csv = hpo_spec_export_path(spec, HPO_EXPORT_CV_RESULTS);
    const char *json = hpo_spec_export_path(spec, HPO_EXPORT_JSON);
    int est = 0;
    if (csv)
        est = write_export(study, csv, HPO_EXPORT_CV_RESULTS, "cv_results", quiet);
    if (json && est == 0)
        est = write_export(study, json, HPO_EXPORT_JSON, "json", quiet);
    if (status == HPO_EXIT_OK)
        status = est;
    if (interrupted)
        status = HPO_EXIT_INTERRUPTED;

done:
    g_spec = NULL;
    g_study = NULL;
    hpo__progress_destroy(prog);
    hpo_study_close(study);
    hpo_spec_destroy(spec);
    return status;
}
