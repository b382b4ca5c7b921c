/*
 * template.h -- expansion of a command's argv template for one trial.
 *
 * Placeholders (W&B's sweep macros, Katib's trialParameters, Orion's trial
 * context): ${name} (a parameter's value as text), ${args} (--name=value per
 * active parameter), ${args_no_hyphens} (name=value), ${args_json},
 * ${args_json_file}, ${trial.number}, ${trial.id}, ${trial.dir}, ${study},
 * ${seed}, ${budget}, ${budget_start} (the scheduler's resource to reach and
 * the one the checkpoint has; empty without a scheduler), ${trial.parent_dir}
 * (the directory of the trial this one continues; empty for a new
 * configuration). "$$" is a literal '$'; a '$' not followed
 * by '{' or '$' is literal. An element that is exactly ${args} or
 * ${args_no_hyphens} becomes one element per parameter; inside a longer element
 * the items are joined with spaces. Parameters win over the context names
 * ${study}, ${seed}, ${budget}, ${budget_start} when they share a name.
 * Without shell, values reach execve verbatim; with shell, the expanded elements
 * are joined by spaces into one "sh -c" script in which every substituted value
 * is single-quoted (the template's own text is not, so pipes still work).
 */
#ifndef HPO_OBJECTIVES_TEMPLATE_H
#define HPO_OBJECTIVES_TEMPLATE_H

#include "util/util.h"

#include <stddef.h>

typedef struct hpo__tmpl_ctx {
    size_t n_params;
    const char *const *names;
    const char *const *texts; /* values as text */
    const char *params_json;
    const char *params_file;
    long long number;
    const char *trial_dir;
    const char *study;
    unsigned long long seed;
    const char *budget, *budget_start; /* as text; "" without a scheduler */
    const char *parent_dir;            /* "" for a new configuration */
} hpo__tmpl_ctx;

/* Syntax check at creation: HPO_EINVAL for "${" without "}" or an empty "${}". */
int hpo__template_check(const char *const *tmpl, size_t n);

/* Expand into a NULL-terminated argv (release with hpo__template_free). With
 * shell != 0 the result is {"/bin/sh", "-c", script}. HPO_EINVAL "unknown
 * placeholder ${foo} in argv[2]" for a name that is neither a parameter of the
 * trial nor a context name. */
int hpo__template_expand(const char *const *tmpl, size_t n, const hpo__tmpl_ctx *ctx, int shell,
                         char ***out, size_t *outc);
void hpo__template_free(char **argv);

/* Append s single-quoted for sh: 'it'\''s'. */
int hpo__shell_quote(hpo__buf *b, const char *s);

#endif
