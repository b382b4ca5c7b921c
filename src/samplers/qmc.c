/*
 * qmc.c -- the quasi-random sampler: scrambled Sobol (default), Halton or a
 * Latin hypercube, as scipy.stats.qmc offers them, mapped to the space.
 *
 * Options: method = sobol | halton | lhs; scramble = true (default) | false.
 * The design has d = (most parameters of a sub-space) coordinates, plus one
 * first coordinate that picks the sub-space when there are several. A
 * sub-space's parameters take the next coordinates in sorted-name order and
 * are mapped with hpo__param_from_unit; inactive conditional parameters are
 * dropped. Proposal seq is design point seq, a pure function of (seed, seq).
 * capacity() is -1 for sobol and halton (sobol stops at 2^32 points), n_trials
 * for lhs, which needs n_trials > 0.
 */
#include "core/qmc.h"
#include "core/space.h"
#include "samplers/sampler.h"

/* defined at the end of this file; listed in registry.c */
extern const hpo__sampler_ops hpo__qmc_sampler_ops;

#include <string.h>

typedef enum qmc_method { QMC_SOBOL, QMC_HALTON, QMC_LHS } qmc_method;

typedef struct qmc_sampler {
    const hpo_space *space;
    qmc_method method;
    size_t d;
    hpo__sobol sobol;
    hpo__halton halton;
    hpo__lhs lhs;
} qmc_sampler;

static const char *const qmc_options[] = {"method", "scramble", NULL};
static const char *const qmc_methods[] = {"sobol", "halton", "lhs", NULL};

static int parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"true", "True", "TRUE", "1", "yes", "on"};
    static const char *const no[] = {"false", "False", "FALSE", "0", "no", "off"};
    for (size_t i = 0; i < 6; i++) {
        if (!strcmp(s, yes[i])) {
            *out = 1;
            return 0;
        }
        if (!strcmp(s, no[i])) {
            *out = 0;
            return 0;
        }
    }
    return HPO_EINVAL;
}

static void qmc_destroy(hpo__sampler *s)
{
    qmc_sampler *q = (qmc_sampler *)s;
    if (!q)
        return;
    hpo__sobol_free(&q->sobol);
    hpo__halton_free(&q->halton);
    hpo__lhs_free(&q->lhs);
    hpo__free(q);
}

static int qmc_create(hpo__sampler **out, const hpo__sampler_config *cfg)
{
    int rc = hpo__sampler_check_options(&hpo__qmc_sampler_ops, cfg);
    if (rc)
        return rc;
    if (!cfg->space || !cfg->space->resolved)
        return hpo__err(HPO_EINVAL, "sampler qmc: the space is not resolved");
    const char *m = hpo__sampler_option(cfg, "method");
    const char *sc = hpo__sampler_option(cfg, "scramble");
    qmc_method method = QMC_SOBOL;
    int scramble = 1;
    if (m) {
        if (!strcmp(m, "sobol"))
            method = QMC_SOBOL;
        else if (!strcmp(m, "halton"))
            method = QMC_HALTON;
        else if (!strcmp(m, "lhs"))
            method = QMC_LHS;
        else {
            const char *s = hpo__suggest(m, qmc_methods, 3);
            if (s)
                return hpo__err(HPO_EINVAL,
                                "sampler qmc: method: unknown value '%s' (did you mean '%s'?)", m,
                                s);
            return hpo__err(HPO_EINVAL,
                            "sampler qmc: method: unknown value '%s' (expected sobol, halton or "
                            "lhs)",
                            m);
        }
    }
    if (sc && parse_bool(sc, &scramble) != 0)
        return hpo__err(HPO_EINVAL, "sampler qmc: scramble: expected true or false, not '%s'", sc);
    if (method == QMC_LHS && cfg->n_trials <= 0)
        return hpo__err(HPO_EINVAL, "the lhs design needs n_trials");
    const hpo_space *sp = cfg->space;
    size_t d = 0;
    for (size_t k = 0; k < sp->n_subs; k++)
        if (sp->subs[k].n > d)
            d = sp->subs[k].n;
    if (sp->n_subs > 1)
        d++;
    if (d == 0)
        d = 1;
    qmc_sampler *q = hpo__calloc(1, sizeof *q);
    if (!q)
        return hpo__enomem();
    q->space = sp;
    q->method = method;
    q->d = d;
    if (method == QMC_SOBOL)
        rc = hpo__sobol_init(&q->sobol, d, scramble, cfg->seed);
    else if (method == QMC_HALTON)
        rc = hpo__halton_init(&q->halton, d, scramble, cfg->seed);
    else
        rc = hpo__lhs_init(&q->lhs, d, (uint64_t)cfg->n_trials, scramble, cfg->seed);
    if (rc) {
        hpo__err_prefix("sampler qmc");
        qmc_destroy((hpo__sampler *)q);
        return rc;
    }
    *out = (hpo__sampler *)q;
    return 0;
}

static long long qmc_capacity(const hpo__sampler *s)
{
    const qmc_sampler *q = (const qmc_sampler *)s;
    return q->method == QMC_LHS ? (long long)q->lhs.n : -1;
}

static int qmc_propose(hpo__sampler *s, long long seq, const hpo__history *history,
                       hpo__params *out)
{
    (void)history;
    qmc_sampler *q = (qmc_sampler *)s;
    if (seq < 0)
        return hpo__err(HPO_EINVAL, "sampler qmc: negative proposal index %lld", seq);
    if (q->method == QMC_LHS && (uint64_t)seq >= q->lhs.n)
        return hpo__err(HPO_EDONE, "sampler qmc: the lhs design's %llu points are all taken",
                        (unsigned long long)q->lhs.n);
    double *u = hpo__calloc(q->d, sizeof *u);
    hpo_value *vals = NULL;
    int rc = 0;
    if (!u)
        return hpo__enomem();
    if (q->method == QMC_SOBOL)
        rc = hpo__sobol_point(&q->sobol, (uint64_t)seq, u);
    else if (q->method == QMC_HALTON)
        hpo__halton_point(&q->halton, (uint64_t)seq, u);
    else
        rc = hpo__lhs_point(&q->lhs, (uint64_t)seq, u);
    if (rc) {
        if (rc == HPO_EINVAL && q->method == QMC_SOBOL)
            rc = hpo__err(HPO_EDONE, "sampler qmc: the sobol sequence ends at 2^32 points");
        goto done;
    }
    const hpo_space *sp = q->space;
    size_t k = 0, c = 0;
    if (sp->n_subs > 1) {
        k = (size_t)(u[0] * (double)sp->n_subs);
        if (k >= sp->n_subs)
            k = sp->n_subs - 1;
        c = 1;
    }
    const hpo__subspace *sub = &sp->subs[k];
    vals = hpo__calloc(sub->n ? sub->n : 1, sizeof *vals);
    if (!vals) {
        rc = hpo__enomem();
        goto done;
    }
    for (size_t j = 0; j < sub->n; j++)
        hpo__param_from_unit(&sub->params[sub->sorted[j]], u[c + j], &vals[sub->sorted[j]]);
    rc = hpo__subspace_build(sub, vals, out);
done:
    hpo__free(u);
    hpo__free(vals);
    return rc;
}

const hpo__sampler_ops hpo__qmc_sampler_ops = {
    .version = HPO__SAMPLER_OPS_VERSION,
    .name = "qmc",
    .option_names = qmc_options,
    .create = qmc_create,
    .destroy = qmc_destroy,
    .capacity = qmc_capacity,
    .propose = qmc_propose,
};
