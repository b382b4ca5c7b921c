/*
 * space.h -- internal view of hpo_space (public API in hpo.h).
 *
 * A space is a list of sub-spaces (one, unless the user wrote a grid of grids);
 * each sub-space an ordered list of parameters. Parameter order is the user's
 * order; the grid sampler walks parameters in sorted-name order as scikit-learn's
 * ParameterGrid does (last key fastest).
 *
 * Conditions: a parameter with a condition is active only when its parent (same
 * sub-space, declared anywhere in it, no cycles) is active and has a value the
 * condition accepts. Inactive parameters are absent from a trial's params.
 */
#ifndef HPO_CORE_SPACE_H
#define HPO_CORE_SPACE_H

#include "core/params.h"
#include "core/rng.h"
#include "hpo.h"

typedef enum hpo__param_kind {
    HPO__PARAM_FLOAT = 1,
    HPO__PARAM_INT = 2,
    HPO__PARAM_CATEGORICAL = 3
} hpo__param_kind;

typedef struct hpo__cond {
    char *parent_name;
    long parent;       /* index in the sub-space, resolved by hpo__space_resolve; -1 before */
    int negate;        /* != */
    hpo_value *values; /* accepted values (owned) */
    size_t n_values;
} hpo__cond;

typedef struct hpo__param {
    char *name;
    hpo__param_kind kind;
    double low, high;      /* float */
    long long ilow, ihigh; /* int */
    long long step;        /* int lattice step, >= 1 */
    int log;
    size_t grid_points; /* 0 = not set */
    hpo_value *choices; /* categorical (owned) */
    size_t n_choices;
    char *when;     /* condition text as given, or NULL */
    hpo__cond cond; /* valid when when != NULL */
} hpo__param;

typedef struct hpo__subspace {
    hpo__param *params;
    size_t n;
    size_t cap;
    size_t *sorted; /* indices of params by strcmp order of names */
} hpo__subspace;

struct hpo_space {
    hpo__subspace *subs;
    size_t n_subs;
    size_t cap_subs;
    int resolved;
};

/* Parse conditions' parents, check for unknown parents and cycles, build the
 * sorted order. Idempotent. HPO_EINVAL with a message naming the parameter. */
int hpo__space_resolve(hpo_space *space);

/* Number of grid values of one parameter (categorical: choices; int: lattice
 * size or grid_points; float: grid_points, else HPO_EINVAL). */
int hpo__param_grid_count(const hpo__param *p, unsigned long long *out);
/* The i-th grid value (i < count): linspace/geomspace for floats, rounded and
 * de-duplicated lattice points for ints. */
int hpo__param_grid_value(const hpo__param *p, unsigned long long i, hpo_value *out);

/* Map a unit-cube coordinate u in [0,1) to a value: uniform or log-uniform for
 * floats, equal-width bins over the lattice for ints and over choices for
 * categoricals. Strings in `out` are borrowed from the space. */
void hpo__param_from_unit(const hpo__param *p, double u, hpo_value *out);
/* Draw a value at random (scipy-style distributions: uniform, loguniform,
 * randint on the lattice, uniform choice). Strings borrowed from the space. */
void hpo__param_sample(const hpo__param *p, hpo__rng *rng, hpo_value *out);

/* Is parameter i of `sub` active given the values chosen so far, where vals[j]
 * is the value of parameter j (ignored for inactive j) and active[j] says
 * whether j is active? Parents are evaluated first by the caller
 * (hpo__subspace_build does it). */
int hpo__cond_holds(const hpo__cond *c, const hpo_value *parent_value);

/* Build a trial's params from one value per parameter of `sub` (in sub order):
 * drops inactive parameters (resolving conditions in dependency order), copies
 * the rest into `out` in the space's order. `out` must be empty. */
int hpo__subspace_build(const hpo__subspace *sub, const hpo_value *vals, hpo__params *out);

/* Canonical JSON of the space and its inverse. */
int hpo__space_from_json(const char *json, hpo_space **out);
/* A readable line-by-line diff of two spaces ("- C: float [0.1, 10] log\n+ ...");
 * *out is "" when they are equal. */
int hpo__space_diff(const hpo_space *a, const hpo_space *b, char **out);
/* A one-line description of a parameter ("float [0.001, 1000] log"). */
int hpo__param_describe(const hpo__param *p, hpo__buf *b);
/* Look up a parameter by name in any sub-space (first match) or NULL. */
const hpo__param *hpo__space_find(const hpo_space *space, const char *name);
/* A deep copy. */
int hpo__space_copy(const hpo_space *src, hpo_space **out);

/* The grid the grid sampler walks (and the random sampler permutes when every
 * parameter is a list), over a resolved space that must outlive it: sub-spaces
 * concatenated, ParameterGrid order inside each, conditional points kept once. */
typedef struct hpo__grid hpo__grid;
int hpo__grid_create(const hpo_space *space, hpo__grid **out);
void hpo__grid_destroy(hpo__grid *g);
/* Number of points (fits in a long long). */
unsigned long long hpo__grid_size(const hpo__grid *g);
/* Point idx (< size) into `out` (empty on entry), active parameters only. */
int hpo__grid_point(const hpo__grid *g, unsigned long long idx, hpo__params *out);

#endif
