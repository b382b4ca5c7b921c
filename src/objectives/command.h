/*
 * command.h -- the runner core of the external-command objective, callable
 * without a study: hpo_command_objective is a thin adapter that fills an
 * hpo__cmd_trial from an hpo_trial and copies the result into trial attributes.
 * Tests drive the core directly with plain parameter arrays.
 */
#ifndef HPO_OBJECTIVES_COMMAND_H
#define HPO_OBJECTIVES_COMMAND_H

#include "hpo.h"

#include <stddef.h>

typedef struct hpo__cmd_trial {
    long long number;
    size_t n_params;
    const char *const *names;
    const hpo_value *values;
    const char *params_json; /* {"name": value, ...}; NULL = "{}" */
    /* Multi-fidelity (scheduler.h): budget NaN = none; parent -1 = a new
     * configuration, else the trial whose directory holds the checkpoint the
     * run continues from (copied into this trial's directory first). */
    double budget, budget_start;
    long long parent;
    /* Intermediate values; *should_prune = 1 stops the run. May be NULL. */
    int (*report)(void *ctx, long long step, double value, int *should_prune);
    void *ctx;
} hpo__cmd_trial;

typedef struct hpo__cmd_result {
    double value;  /* valid when the run returned 0 */
    char *error;   /* failure reason (with the stderr tail), or NULL */
    char *log_dir; /* the trial directory, or NULL when it could not be made */
} hpo__cmd_result;

/* Run one trial. Returns 0 (res->value set), HPO_EPRUNED, HPO_ESTOPPED, or
 * HPO_EOBJECTIVE / HPO_EIO / HPO_ENOMEM with res->error. res is always filled
 * as far as it got; release it with hpo__cmd_result_free. */
int hpo__command_run(hpo_command *cmd, const hpo__cmd_trial *t, hpo__cmd_result *res);
void hpo__cmd_result_free(hpo__cmd_result *res);

/* Value text as placeholders show it: floats shortest round-trip, ints, strings
 * verbatim, bools true/false. */
int hpo__command_value_text(const hpo_value *v, char **out);

#endif
