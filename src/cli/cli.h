/*
 * cli.h -- shared declarations of the `hpo` command: exit statuses, the command
 * entry points, and helpers every command uses (error lines, storage checks,
 * trial formatting). The command uses only the public API in hpo.h.
 *
 * Exit statuses: 0 success; 1 a runtime failure; 2 bad input or usage (spec
 * errors, unknown study, storage locked, unwritable or of another schema, a
 * changed space); 130 interrupted by SIGINT/SIGTERM. Every error is one line on
 * stderr, "hpo: <message>".
 */
#ifndef HPO_CLI_CLI_H
#define HPO_CLI_CLI_H

#include "hpo.h"

#include <stddef.h>
#include <stdio.h>

enum { HPO_EXIT_OK = 0, HPO_EXIT_FAILURE = 1, HPO_EXIT_USAGE = 2, HPO_EXIT_INTERRUPTED = 130 };

#define HPO_CLI_DEFAULT_STORAGE "sqlite:///hpo.db"

/* Commands: argv[0] is the command's name; each returns an exit status. */
/* The command as the user typed it ("./build/hpo"), or "hpo" when found in PATH. */
extern const char *hpo__cli_program;

int hpo__cli_tune(int argc, char **argv);
int hpo__cli_plan(int argc, char **argv);
int hpo__cli_show(int argc, char **argv);
int hpo__cli_status(int argc, char **argv);
int hpo__cli_studies(int argc, char **argv);
int hpo__cli_export(int argc, char **argv);
int hpo__cli_predict(int argc, char **argv);
int hpo__cli_space(int argc, char **argv);
int hpo__cli_plot(int argc, char **argv);
int hpo__cli_report(int argc, char **argv);
int hpo__cli_dashboard(int argc, char **argv);

/* Print "hpo: <message>" on stderr and return `status`. */
int hpo__cli_error(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print "hpo: <hpo_errmsg() or hpo_strerror(code)>" and return the exit status for
 * `code`: 2 for bad input (spec, argument, not found, locked, schema, mismatch,
 * unreadable file, storage errors when `opening`), 1 otherwise. */
int hpo__cli_lib_error(int code, int opening);

/* A usage error: "hpo: <command>: <message> (see 'hpo <command> --help')"; returns 2. */
int hpo__cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* getopt_long's report of a bad option, as a usage error (returns 2). */
int hpo__cli_bad_option(const char *command, int c, char **argv);

/* Strict numbers for option values; 0 or -1. */
int hpo__cli_parse_ll(const char *s, long long *out);

/* The file behind a SQLite storage URI, with the same rules as the library
 * ("sqlite:///rel", "sqlite:////abs", "sqlite:rel", a plain path); NULL for
 * "memory:" and for URIs the library will judge itself. Points into `uri`. */
const char *hpo__cli_storage_file(const char *uri);

/* Load an existing study for reading without ever creating a storage file.
 * Prints the error and returns the exit status on failure. */
int hpo__cli_load_study(const char *storage, const char *name, hpo_study **out);

/* Check a storage file exists (show/status/export/studies never create one).
 * Prints "hpo: no storage at FILE" and returns 2 when it does not. */
int hpo__cli_check_storage(const char *storage);

/* Output to stdout ("-" or NULL) or to a file written under a temporary name
 * and renamed when done, so a failure never leaves half a file behind.
 * open: 0, or prints the error and returns the exit status. close: with
 * ok != 0 renames into place (0, or prints and returns 1); with ok == 0 removes
 * the temporary file; either way the stream is closed. */
typedef struct hpo__cli_out {
    FILE *fp;
    const char *path; /* NULL for stdout */
    char tmp[4096];
} hpo__cli_out;
int hpo__cli_out_open(hpo__cli_out *o, const char *path);
int hpo__cli_out_close(hpo__cli_out *o, int ok);

/* "random + hyperband · 49 configurations" (sampler, scheduler, the study's
 * n_trials: configurations with a promoting scheduler, else trials). */
void hpo__cli_method_text(hpo_study *study, char *buf, size_t size);
/* Parameters as "a=1 b=rbf" (active only, in the space's order), after
 * "[rung 1, budget 9, from #4] " for a scheduler's trial. */
void hpo__cli_params_text(const hpo_trial *t, char *buf, size_t size);
/* Seconds a trial ran (so far, while running); NaN when unknown. */
double hpo__cli_trial_duration(const hpo_trial *t);
/* A value for people: %.6g, or "-" for NaN. */
void hpo__cli_value_text(double v, char *buf, size_t size);
/* A duration: "0.4s", "12.3s", "4:05", "1:02:03". */
void hpo__cli_duration_text(double seconds, char *buf, size_t size);
/* A failure message for one line: "exit status 1; last stderr lines:\n...\nMemoryError"
 * becomes 'exit status 1 — "MemoryError"' (the first line, then the last non-empty
 * line of the rest, quoted). */
void hpo__cli_reason_text(const char *msg, char *buf, size_t size);
/* "complete 12 · pruned 0 · failed 1 · running 0". */
void hpo__cli_counts_text(const long long counts[4], char *buf, size_t size);

#endif
