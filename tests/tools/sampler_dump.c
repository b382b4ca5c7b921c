/*
 * sampler_dump.c -- print a sampler's proposals for a space, for script tests.
 *
 *   hpo-tool-sampler_dump SPACE.json --sampler NAME [--seed S] [--n N]
 *                         [--n-trials T] [--opt key=value ...] [--capacity]
 *
 * SPACE.json is the canonical space JSON (src/core/space.c). Prints one JSON
 * object per proposal, keys sorted by name, until N proposals or the sampler's
 * end (n_trials defaults to N). --capacity prints capacity() instead. On error
 * prints the message to stderr and exits 2.
 */
#include "core/space.h"
#include "samplers/sampler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, fp)) > 0) {
        len += n;
        if (cap - len < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(fp);
    if (buf)
        buf[len] = '\0';
    return buf;
}

static int fail(const char *what)
{
    fprintf(stderr, "sampler_dump: %s%s%s\n", what, hpo_errmsg()[0] ? ": " : "", hpo_errmsg());
    return 2;
}

static int print_sorted(const hpo__params *p)
{
    size_t *idx = malloc((p->n ? p->n : 1) * sizeof *idx);
    if (!idx)
        return HPO_ENOMEM;
    for (size_t i = 0; i < p->n; i++) {
        size_t j = i;
        while (j > 0 && strcmp(p->names[idx[j - 1]], p->names[i]) > 0) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = i;
    }
    hpo__params s = HPO__PARAMS_INIT;
    int rc = 0;
    for (size_t i = 0; i < p->n && !rc; i++)
        rc = hpo__params_add(&s, p->names[idx[i]], &p->values[idx[i]]);
    char *json = NULL;
    if (!rc)
        rc = hpo__params_to_json(&s, &json);
    if (!rc)
        printf("%s\n", json);
    hpo_free(json);
    hpo__params_free(&s);
    free(idx);
    return rc;
}

int main(int argc, char **argv)
{
    const char *path = NULL, *sampler = NULL;
    unsigned long long seed = 0;
    long long n = 10, n_trials = -1;
    int capacity_only = 0;
    hpo_kv opts[32];
    size_t n_opts = 0;
    char *optbuf[32];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--sampler") && i + 1 < argc)
            sampler = argv[++i];
        else if (!strcmp(a, "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(a, "--n") && i + 1 < argc)
            n = strtoll(argv[++i], NULL, 10);
        else if (!strcmp(a, "--n-trials") && i + 1 < argc)
            n_trials = strtoll(argv[++i], NULL, 10);
        else if (!strcmp(a, "--capacity"))
            capacity_only = 1;
        else if (!strcmp(a, "--opt") && i + 1 < argc && n_opts < 32) {
            char *kv = strdup(argv[++i]);
            char *eq = kv ? strchr(kv, '=') : NULL;
            if (!eq) {
                fprintf(stderr, "sampler_dump: --opt needs key=value\n");
                free(kv);
                return 2;
            }
            *eq = '\0';
            optbuf[n_opts] = kv;
            opts[n_opts].key = kv;
            opts[n_opts].value = eq + 1;
            n_opts++;
        } else if (a[0] != '-' && !path)
            path = a;
        else {
            fprintf(stderr, "usage: sampler_dump SPACE.json --sampler NAME [--seed S] [--n N] "
                            "[--n-trials T] [--opt key=value ...] [--capacity]\n");
            return 2;
        }
    }
    if (!path || !sampler) {
        fprintf(stderr, "sampler_dump: a space file and --sampler are required\n");
        return 2;
    }
    int status = 0;
    char *text = read_file(path);
    hpo_space *sp = NULL;
    hpo__sampler *s = NULL;
    const hpo__sampler_ops *ops = NULL;
    if (!text) {
        fprintf(stderr, "sampler_dump: cannot read %s\n", path);
        status = 2;
        goto done;
    }
    if (hpo__space_from_json(text, &sp) != 0 || hpo__space_resolve(sp) != 0) {
        status = fail("space");
        goto done;
    }
    ops = hpo__sampler_find(sampler);
    if (!ops) {
        status = fail("sampler");
        goto done;
    }
    hpo__sampler_config cfg = {.space = sp,
                               .seed = seed,
                               .n_trials = n_trials >= 0 ? n_trials : n,
                               .options = opts,
                               .n_options = n_opts};
    if (hpo__sampler_check_options(ops, &cfg) != 0 || ops->create(&s, &cfg) != 0) {
        status = fail("sampler");
        goto done;
    }
    long long cap = ops->capacity(s);
    if (capacity_only) {
        printf("%lld\n", cap);
        goto done;
    }
    for (long long seq = 0; seq < n && (cap < 0 || seq < cap); seq++) {
        hpo__params p = HPO__PARAMS_INIT;
        int rc = ops->propose(s, seq, NULL, &p);
        if (rc == 0)
            rc = print_sorted(&p);
        hpo__params_free(&p);
        if (rc == HPO_EDONE)
            break;
        if (rc) {
            status = fail("propose");
            goto done;
        }
    }
done:
    if (s)
        ops->destroy(s);
    hpo_space_destroy(sp);
    free(text);
    for (size_t i = 0; i < n_opts; i++)
        free(optbuf[i]);
    return status;
}
