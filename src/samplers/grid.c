/*
 * grid.c -- the grid sampler: scikit-learn's ParameterGrid, walked in order.
 *
 * Proposal seq is grid point seq: sub-spaces concatenated in order; inside one,
 * parameters sorted by name (byte order, as Python sorts str) with the last
 * varying fastest; values in the user's order. A point with an inactive
 * conditional parameter is kept only when that parameter sits at its first
 * value, so each configuration appears once (space.c, hpo__grid). capacity()
 * is the number of points; propose is O(parameters) without conditions.
 * Stateless: safe from many threads.
 */
#include "core/space.h"
#include "samplers/sampler.h"

/* defined at the end of this file; listed in registry.c */
extern const hpo__sampler_ops hpo__grid_sampler_ops;

typedef struct grid_sampler {
    hpo__grid *grid;
} grid_sampler;

static const char *const grid_options[] = {NULL};

static int grid_create(hpo__sampler **out, const hpo__sampler_config *cfg)
{
    int rc = hpo__sampler_check_options(&hpo__grid_sampler_ops, cfg);
    if (rc)
        return rc;
    grid_sampler *g = hpo__calloc(1, sizeof *g);
    if (!g)
        return hpo__enomem();
    if ((rc = hpo__grid_create(cfg->space, &g->grid)) != 0) {
        hpo__err_prefix("sampler grid");
        hpo__free(g);
        return rc;
    }
    *out = (hpo__sampler *)g;
    return 0;
}

static void grid_destroy(hpo__sampler *s)
{
    grid_sampler *g = (grid_sampler *)s;
    if (!g)
        return;
    hpo__grid_destroy(g->grid);
    hpo__free(g);
}

static long long grid_capacity(const hpo__sampler *s)
{
    const grid_sampler *g = (const grid_sampler *)s;
    return (long long)hpo__grid_size(g->grid);
}

static int grid_propose(hpo__sampler *s, long long seq, const hpo__history *history,
                        hpo__params *out)
{
    (void)history;
    grid_sampler *g = (grid_sampler *)s;
    if (seq < 0 || (unsigned long long)seq >= hpo__grid_size(g->grid))
        return hpo__err(HPO_EDONE, "sampler grid: the grid's %llu points are all taken",
                        hpo__grid_size(g->grid));
    return hpo__grid_point(g->grid, (unsigned long long)seq, out);
}

const hpo__sampler_ops hpo__grid_sampler_ops = {
    .version = HPO__SAMPLER_OPS_VERSION,
    .name = "grid",
    .option_names = grid_options,
    .create = grid_create,
    .destroy = grid_destroy,
    .capacity = grid_capacity,
    .propose = grid_propose,
};
