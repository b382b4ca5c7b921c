/*
 * random.c -- the random sampler: scikit-learn's ParameterSampler semantics.
 *
 * When every parameter of every sub-space is a list, configurations are drawn
 * without replacement: proposal seq is grid point perm[seq] of a keyed
 * pseudo-random permutation of the grid (core/qmc.h, a Feistel bijection with
 * cycle-walking), so there are no duplicates, capacity() is the grid's size,
 * and running that many trials covers the grid exactly once, in O(1) memory.
 * Otherwise with replacement: proposal seq draws from the RNG stream
 * (seed, seq): a sub-space uniformly (rng.choice(param_distributions)), then
 * each parameter in sorted-name order (uniform, loguniform, randint on the
 * lattice, uniform choice); capacity() is -1. Inactive conditional parameters
 * are drawn and dropped. Stateless: safe from many threads.
 */
#include "core/qmc.h"
#include "core/space.h"
#include "samplers/sampler.h"

/* defined at the end of this file; listed in registry.c */
extern const hpo__sampler_ops hpo__random_sampler_ops;

typedef struct random_sampler {
    const hpo_space *space;
    uint64_t seed;
    hpo__grid *grid; /* all-list spaces only */
    hpo__perm perm;
} random_sampler;

static const char *const random_options[] = {NULL};

static int all_lists(const hpo_space *sp)
{
    for (size_t k = 0; k < sp->n_subs; k++)
        for (size_t i = 0; i < sp->subs[k].n; i++)
            if (sp->subs[k].params[i].kind != HPO__PARAM_CATEGORICAL)
                return 0;
    return 1;
}

static int random_create(hpo__sampler **out, const hpo__sampler_config *cfg)
{
    int rc = hpo__sampler_check_options(&hpo__random_sampler_ops, cfg);
    if (rc)
        return rc;
    if (!cfg->space || !cfg->space->resolved)
        return hpo__err(HPO_EINVAL, "sampler random: the space is not resolved");
    random_sampler *r = hpo__calloc(1, sizeof *r);
    if (!r)
        return hpo__enomem();
    r->space = cfg->space;
    r->seed = cfg->seed;
    if (all_lists(cfg->space)) {
        if ((rc = hpo__grid_create(cfg->space, &r->grid)) != 0) {
            hpo__err_prefix("sampler random");
            hpo__free(r);
            return rc;
        }
        hpo__perm_init(&r->perm, hpo__grid_size(r->grid), cfg->seed, 0x5A4D504C45ULL);
    }
    *out = (hpo__sampler *)r;
    return 0;
}

static void random_destroy(hpo__sampler *s)
{
    random_sampler *r = (random_sampler *)s;
    if (!r)
        return;
    hpo__grid_destroy(r->grid);
    hpo__free(r);
}

static long long random_capacity(const hpo__sampler *s)
{
    const random_sampler *r = (const random_sampler *)s;
    return r->grid ? (long long)hpo__grid_size(r->grid) : -1;
}

static int random_propose(hpo__sampler *s, long long seq, const hpo__history *history,
                          hpo__params *out)
{
    (void)history;
    random_sampler *r = (random_sampler *)s;
    if (seq < 0)
        return hpo__err(HPO_EINVAL, "sampler random: negative proposal index %lld", seq);
    if (r->grid) {
        unsigned long long n = hpo__grid_size(r->grid);
        if ((unsigned long long)seq >= n)
            return hpo__err(HPO_EDONE,
                            "sampler random: all %llu configurations of the lists were drawn", n);
        return hpo__grid_point(r->grid, hpo__perm_apply(&r->perm, (uint64_t)seq), out);
    }
    hpo__rng rng;
    hpo__rng_seed(&rng, r->seed, (uint64_t)seq);
    const hpo_space *sp = r->space;
    size_t k = sp->n_subs > 1 ? (size_t)hpo__rng_below(&rng, sp->n_subs) : 0;
    const hpo__subspace *sub = &sp->subs[k];
    hpo_value *vals = hpo__calloc(sub->n ? sub->n : 1, sizeof *vals);
    if (!vals)
        return hpo__enomem();
    for (size_t j = 0; j < sub->n; j++)
        hpo__param_sample(&sub->params[sub->sorted[j]], &rng, &vals[sub->sorted[j]]);
    int rc = hpo__subspace_build(sub, vals, out);
    hpo__free(vals);
    return rc;
}

const hpo__sampler_ops hpo__random_sampler_ops = {
    .version = HPO__SAMPLER_OPS_VERSION,
    .name = "random",
    .option_names = random_options,
    .create = random_create,
    .destroy = random_destroy,
    .capacity = random_capacity,
    .propose = random_propose,
};
