/*
 * cmd_plot.c -- `hpo plot STUDY KIND` and `hpo report STUDY`: a plot as SVG,
 * HTML or terminal text, and the self-contained HTML report, from a study in a
 * storage or from a JSON export (a STUDY argument naming an existing .json file).
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char plot_usage[] =
    "usage: hpo plot STUDY KIND [options]\n"
    "\n"
    "Draw one plot of a study as SVG (default), a self-contained HTML page, or text.\n"
    "STUDY is a study name in the storage, or a JSON export (hpo export --format json).\n"
    "\n"
    "kinds: history, parallel, slice, contour, dependence, evaluations, importance,\n"
    "       intermediate, rungs, timeline, edf (docs/plots.md)\n"
    "\n"
    "  -o, --output FILE    write to FILE (default: stdout); .svg, .html or .txt\n"
    "                       chooses the format unless --format says\n"
    "      --format FMT     svg, html or txt (txt: history and importance)\n"
    "      --params A,B     parameters to show (slice, contour, parallel,\n"
    "                       dependence, evaluations)\n"
    "      --seed N         seed of the models behind importance and dependence (default 0)\n"
    "      --width N        width in pixels (characters for txt)\n"
    "      --height N       height in pixels (lines for txt)\n"
    "      --storage URI    storage (default " HPO_CLI_DEFAULT_STORAGE ")\n"
    "  -h, --help           this text\n";

static const char report_usage[] =
    "usage: hpo report STUDY -o FILE.html [options]\n"
    "\n"
    "One self-contained HTML file (inline SVG, CSS and script; works offline):\n"
    "summary, best trial, the trials table and every plot that applies.\n"
    "STUDY is a study name in the storage, or a JSON export.\n"
    "\n"
    "  -o, --output FILE    write to FILE (default: stdout)\n"
    "      --seed N         seed of the importance and dependence models (default 0)\n"
    "      --storage URI    storage (default " HPO_CLI_DEFAULT_STORAGE ")\n"
    "  -h, --help           this text\n";

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A snapshot from a JSON export file or a study of the storage. */
static int load_snapshot(const char *storage, const char *name, hpo_snapshot **out)
{
    struct stat st;
    int rc;
    if (ends_with(name, ".json") && stat(name, &st) == 0) {
        if ((rc = hpo_snapshot_from_json(name, out)) != 0)
            return hpo__cli_lib_error(rc, 1);
        return HPO_EXIT_OK;
    }
    hpo_study *study = NULL;
    int status = hpo__cli_load_study(storage, name, &study);
    if (status != 0)
        return status;
    rc = hpo_snapshot_from_study(study, out);
    hpo_study_close(study);
    return rc != 0 ? hpo__cli_lib_error(rc, 0) : HPO_EXIT_OK;
}

static int parse_size(const char *cmd, const char *what, const char *arg, int *out)
{
    long long v;
    if (hpo__cli_parse_ll(arg, &v) != 0 || v < 1 || v > 20000)
        return hpo__cli_usage_error(cmd, "--%s: expected a number from 1 to 20000, got '%s'", what,
                                    arg);
    *out = (int)v;
    return 0;
}

static int parse_seed(const char *cmd, const char *arg, unsigned long long *out)
{
    long long v;
    if (hpo__cli_parse_ll(arg, &v) != 0 || v < 0)
        return hpo__cli_usage_error(cmd, "--seed: expected a non-negative integer, got '%s'", arg);
    *out = (unsigned long long)v;
    return 0;
}

static int write_output(const char *output, const char *text, size_t len)
{
    hpo__cli_out out;
    int status = hpo__cli_out_open(&out, output);
    if (status != 0)
        return status;
    int ok = fwrite(text, 1, len, out.fp) == len;
    return hpo__cli_out_close(&out, ok);
}

int hpo__cli_plot(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"params", required_argument, NULL, 'p'},
        {"seed", required_argument, NULL, 's'},
        {"width", required_argument, NULL, 'W'},
        {"height", required_argument, NULL, 'H'},
        {"storage", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *storage = HPO_CLI_DEFAULT_STORAGE, *output = NULL, *format = NULL;
    hpo_plot_options opts = HPO_PLOT_OPTIONS_INIT;
    int c;
    while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            output = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'p':
            opts.params = optarg;
            break;
        case 's':
            if (parse_seed("plot", optarg, &opts.seed) != 0)
                return HPO_EXIT_USAGE;
            break;
        case 'W':
            if (parse_size("plot", "width", optarg, &opts.width) != 0)
                return HPO_EXIT_USAGE;
            break;
        case 'H':
            if (parse_size("plot", "height", optarg, &opts.height) != 0)
                return HPO_EXIT_USAGE;
            break;
        case 'S':
            storage = optarg;
            break;
        case 'h':
            fputs(plot_usage, stdout);
            return HPO_EXIT_OK;
        default:
            return hpo__cli_bad_option("plot", c, argv);
        }
    }
    if (optind + 2 > argc)
        return hpo__cli_usage_error("plot", "a study and a plot kind are required");
    if (optind + 2 < argc)
        return hpo__cli_usage_error("plot", "unexpected argument '%s'", argv[optind + 2]);
    const char *name = argv[optind], *kind = argv[optind + 1];
    if (!format && output)
        format = ends_with(output, ".html") || ends_with(output, ".htm") ? "html"
                 : ends_with(output, ".txt")                             ? "txt"
                                                                         : "svg";
    if (!format || strcmp(format, "svg") == 0)
        opts.format = HPO_PLOT_SVG;
    else if (strcmp(format, "html") == 0)
        opts.format = HPO_PLOT_HTML;
    else if (strcmp(format, "txt") == 0 || strcmp(format, "text") == 0)
        opts.format = HPO_PLOT_TEXT;
    else
        return hpo__cli_usage_error("plot", "--format: unknown format '%s' (svg, html, txt)",
                                    format);
    /* an unknown kind is a usage error before any storage is touched */
    int known = 0;
    for (const char *const *k = hpo_plot_kinds(); *k; k++)
        known |= strcmp(*k, kind) == 0;
    hpo_snapshot *snap = NULL;
    char *text = NULL;
    size_t len = 0;
    int status, rc;
    if (!known) {
        char list[256] = "";
        for (const char *const *k = hpo_plot_kinds(); *k; k++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", list[0] ? ", " : "",
                     *k);
        return hpo__cli_usage_error("plot", "unknown plot kind '%s' (kinds: %s)", kind, list);
    }
    if ((status = load_snapshot(storage, name, &snap)) != 0)
        return status;
    if ((rc = hpo_plot(snap, kind, &opts, &text, &len)) != 0) {
        status = hpo__cli_lib_error(rc, 0);
        if (rc == HPO_EINVAL)
            status = HPO_EXIT_USAGE;
        goto done;
    }
    status = write_output(output, text, len);
    if (status == 0 && strcmp(kind, "importance") == 0)
        fprintf(stderr, "importance: fANOVA on a random forest, seed %llu (--seed)\n", opts.seed);
done:
    hpo_free(text);
    hpo_snapshot_destroy(snap);
    return status;
}

int hpo__cli_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"seed", required_argument, NULL, 's'},
        {"storage", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *storage = HPO_CLI_DEFAULT_STORAGE, *output = NULL;
    hpo_plot_options opts = HPO_PLOT_OPTIONS_INIT;
    int c;
    while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            output = optarg;
            break;
        case 's':
            if (parse_seed("report", optarg, &opts.seed) != 0)
                return HPO_EXIT_USAGE;
            break;
        case 'S':
            storage = optarg;
            break;
        case 'h':
            fputs(report_usage, stdout);
            return HPO_EXIT_OK;
        default:
            return hpo__cli_bad_option("report", c, argv);
        }
    }
    if (optind >= argc)
        return hpo__cli_usage_error("report", "a study is required");
    if (optind + 1 < argc)
        return hpo__cli_usage_error("report", "unexpected argument '%s'", argv[optind + 1]);
    hpo_snapshot *snap = NULL;
    char *html = NULL;
    size_t len = 0;
    int status = load_snapshot(storage, argv[optind], &snap);
    if (status != 0)
        return status;
    int rc = hpo_report(snap, &opts, &html, &len);
    if (rc != 0)
        status = hpo__cli_lib_error(rc, 0);
    else
        status = write_output(output, html, len);
    if (status == 0 && output)
        printf("report: %s (%zu trials)\n", output, hpo_snapshot_n_trials(snap));
    hpo_free(html);
    hpo_snapshot_destroy(snap);
    return status;
}
