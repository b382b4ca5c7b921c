/*
 * template.c -- argv template expansion for the command objective (rules in
 * template.h). Matches W&B's command macros (${args}, ${args_no_hyphens},
 * ${args_json}, ${args_json_file}) and argv-per-element substitution as in Katib,
 * so no value is ever re-split or interpreted by a shell unless shell mode is
 * asked for, where each value is single-quoted.
 *
 * Invariants: the output is freshly allocated; on error nothing is returned.
 * Cost: linear in the template size plus the substituted text.
 */
#include "objectives/template.h"

#include <string.h>

typedef struct strvec {
    char **v;
    size_t n, cap;
} strvec;

static int vec_push(strvec *s, char *str)
{
    if (!str)
        return hpo__enomem();
    if (s->n + 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        char **nv = hpo__realloc(s->v, cap * sizeof *nv);
        if (!nv) {
            hpo__free(str);
            return hpo__enomem();
        }
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n++] = str;
    s->v[s->n] = NULL;
    return 0;
}

void hpo__template_free(char **argv)
{
    if (!argv)
        return;
    for (char **p = argv; *p; p++)
        hpo__free(*p);
    hpo__free(argv);
}

int hpo__shell_quote(hpo__buf *b, const char *s)
{
    hpo__buf_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            hpo__buf_puts(b, "'\\''");
        else
            hpo__buf_putc(b, *s);
    }
    return hpo__buf_putc(b, '\'');
}

int hpo__template_check(const char *const *tmpl, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *s = tmpl[i];
        if (!s)
            return hpo__err(HPO_EINVAL, "command: argv[%zu] is NULL", i);
        for (const char *p = s; *p; p++) {
            if (p[0] != '$')
                continue;
            if (p[1] == '$') {
                p++;
                continue;
            }
            if (p[1] != '{')
                continue;
            const char *close = strchr(p + 2, '}');
            if (!close)
                return hpo__err(HPO_EINVAL, "command: unterminated '${' in argv[%zu]: %s", i, s);
            if (close == p + 2)
                return hpo__err(HPO_EINVAL, "command: empty placeholder '${}' in argv[%zu]", i);
            p = close;
        }
    }
    return 0;
}

/* Append a value: verbatim, or single-quoted in shell mode. */
static void put_value(hpo__buf *b, const char *v, int shell)
{
    if (shell)
        hpo__shell_quote(b, v);
    else
        hpo__buf_puts(b, v);
}

static void put_args(hpo__buf *b, const hpo__tmpl_ctx *ctx, int hyphens, int shell)
{
    hpo__buf item = HPO__BUF_INIT;
    for (size_t k = 0; k < ctx->n_params; k++) {
        item.len = 0;
        hpo__buf_printf(&item, "%s%s=%s", hyphens ? "--" : "", ctx->names[k], ctx->texts[k]);
        if (item.oom) {
            b->oom = 1;
            break;
        }
        if (k)
            hpo__buf_putc(b, ' ');
        put_value(b, item.data, shell);
    }
    hpo__buf_free(&item);
}

/* Expand the placeholder `name` (len bytes) into b. 0 or HPO_EINVAL. */
static int put_placeholder(hpo__buf *b, const char *name, size_t len, const hpo__tmpl_ctx *ctx,
                           int shell, size_t index)
{
    char num[32];
#define IS(lit) (len == sizeof(lit) - 1 && memcmp(name, lit, len) == 0)
    if (IS("args") || IS("args_no_hyphens")) {
        put_args(b, ctx, IS("args"), shell);
        return 0;
    }
    if (IS("args_json")) {
        put_value(b, ctx->params_json ? ctx->params_json : "{}", shell);
        return 0;
    }
    if (IS("args_json_file")) {
        put_value(b, ctx->params_file ? ctx->params_file : "", shell);
        return 0;
    }
    for (size_t k = 0; k < ctx->n_params; k++) {
        if (strlen(ctx->names[k]) == len && memcmp(ctx->names[k], name, len) == 0) {
            put_value(b, ctx->texts[k], shell);
            return 0;
        }
    }
    if (IS("trial.number") || IS("trial.id")) {
        /* trial.id is the number until trials get another identity */
        snprintf(num, sizeof num, "%lld", ctx->number);
        put_value(b, num, shell);
        return 0;
    }
    if (IS("trial.dir")) {
        put_value(b, ctx->trial_dir ? ctx->trial_dir : "", shell);
        return 0;
    }
    if (IS("study")) {
        put_value(b, ctx->study ? ctx->study : "", shell);
        return 0;
    }
    if (IS("seed")) {
        snprintf(num, sizeof num, "%llu", ctx->seed);
        put_value(b, num, shell);
        return 0;
    }
    if (IS("budget") || IS("budget_start")) {
        const char *v = IS("budget") ? ctx->budget : ctx->budget_start;
        put_value(b, v ? v : "", shell);
        return 0;
    }
    if (IS("trial.parent_dir")) {
        put_value(b, ctx->parent_dir ? ctx->parent_dir : "", shell);
        return 0;
    }
#undef IS
    return hpo__err(HPO_EINVAL, "unknown placeholder ${%.*s} in argv[%zu]", (int)len, name, index);
}

static int expand_one(hpo__buf *b, const char *s, const hpo__tmpl_ctx *ctx, int shell, size_t index)
{
    for (const char *p = s; *p; p++) {
        if (p[0] == '$' && p[1] == '$') {
            hpo__buf_putc(b, '$');
            p++;
            continue;
        }
        if (p[0] == '$' && p[1] == '{') {
            const char *close = strchr(p + 2, '}');
            if (!close)
                return hpo__err(HPO_EINVAL, "unterminated '${' in argv[%zu]", index);
            int rc = put_placeholder(b, p + 2, (size_t)(close - p - 2), ctx, shell, index);
            if (rc < 0)
                return rc;
            p = close;
            continue;
        }
        hpo__buf_putc(b, *p);
    }
    return 0;
}

int hpo__template_expand(const char *const *tmpl, size_t n, const hpo__tmpl_ctx *ctx, int shell,
                         char ***out, size_t *outc)
{
    int rc = 0;
    strvec v = {0};
    hpo__buf b = HPO__BUF_INIT;
    hpo__buf script = HPO__BUF_INIT;
    char *s = NULL;
    for (size_t i = 0; i < n; i++) {
        int whole_args = strcmp(tmpl[i], "${args}") == 0;
        int whole_nh = strcmp(tmpl[i], "${args_no_hyphens}") == 0;
        if (!shell && (whole_args || whole_nh)) {
            for (size_t k = 0; k < ctx->n_params; k++) {
                hpo__buf_printf(&b, "%s%s=%s", whole_args ? "--" : "", ctx->names[k],
                                ctx->texts[k]);
                if ((rc = hpo__buf_take(&b, &s)) < 0 || (rc = vec_push(&v, s)) < 0)
                    goto done;
                s = NULL;
            }
            continue;
        }
        rc = expand_one(&b, tmpl[i], ctx, shell, i);
        if (rc < 0)
            goto done;
        if (shell) {
            if (i)
                hpo__buf_putc(&script, ' ');
            if (b.len)
                hpo__buf_append(&script, b.data, b.len);
            if (b.oom) {
                rc = hpo__enomem();
                goto done;
            }
            b.len = 0;
            continue;
        }
        if ((rc = hpo__buf_take(&b, &s)) < 0 || (rc = vec_push(&v, s)) < 0)
            goto done;
        s = NULL;
    }
    if (shell) {
        if ((rc = vec_push(&v, hpo__strdup("/bin/sh"))) < 0 ||
            (rc = vec_push(&v, hpo__strdup("-c"))) < 0)
            goto done;
        if ((rc = hpo__buf_take(&script, &s)) < 0 || (rc = vec_push(&v, s)) < 0)
            goto done;
        s = NULL;
    }
    if (v.n == 0) {
        rc = hpo__err(HPO_EINVAL, "command: the expanded argv is empty");
        goto done;
    }
    *out = v.v;
    if (outc)
        *outc = v.n;
    v.v = NULL;
done:
    if (rc == HPO_ENOMEM)
        rc = hpo__enomem();
    hpo__template_free(v.v);
    hpo__buf_free(&b);
    hpo__buf_free(&script);
    return rc;
}
