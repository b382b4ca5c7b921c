/*
 * halving_plan.c -- hpo's successive-halving schedule from JSON requests on
 * stdin, for the scikit-learn parity test (tests/parity/test_halving_plan.py).
 *
 *   [{"n_candidates": N | "exhaust", "grid_size": G, "factor": F (int or float),
 *     "resource": "n_samples" | "param", "min_resources": "smallest" |
 *     "exhaust" | M, "max_resources": "auto" | M, "aggressive_elimination": b,
 *     "n_samples": S, "n_splits": K, "n_classes": C (0 for a regressor)}, ...]
 *   -> one line per request: {"min_resources_": x, "max_resources_": m,
 *      "n_candidates_first": n, "n_required_iterations": .., "n_possible_iterations":
 *      .., "n_iterations": .., "n_resources": [...], "n_candidates": [...]}
 *      or {"error": "..."}
 */
#include "schedulers/halving.h"
#include "util/util.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void run(json_t *q)
{
    hpo__halving_config c = {0};
    json_t *v = json_object_get(q, "n_candidates");
    if (json_is_string(v))
        c.n_candidates_exhaust = 1;
    else
        c.n_candidates = (unsigned long long)json_integer_value(v);
    c.grid_size = (unsigned long long)json_integer_value(json_object_get(q, "grid_size"));
    v = json_object_get(q, "factor");
    c.factor = json_number_value(v);
    c.factor_is_int = json_is_integer(v);
    const char *res = json_string_value(json_object_get(q, "resource"));
    c.resource_is_n_samples = !res || strcmp(res, "n_samples") == 0;
    v = json_object_get(q, "min_resources");
    if (json_is_string(v))
        c.min_kind = strcmp(json_string_value(v), "exhaust") == 0 ? HPO__MINRES_EXHAUST
                                                                  : HPO__MINRES_SMALLEST;
    else {
        c.min_kind = HPO__MINRES_VALUE;
        c.min_resources = json_integer_value(v);
    }
    v = json_object_get(q, "max_resources");
    c.max_resources = json_is_integer(v) ? json_integer_value(v) : 0;
    c.aggressive_elimination = json_is_true(json_object_get(q, "aggressive_elimination"));
    c.n_samples = json_integer_value(json_object_get(q, "n_samples"));
    c.n_splits = json_integer_value(json_object_get(q, "n_splits"));
    c.n_classes = json_integer_value(json_object_get(q, "n_classes"));
    hpo__halving_plan p;
    if (hpo__halving_plan_make(&c, &p) != 0) {
        json_t *e = json_pack("{s:s}", "error", hpo_errmsg());
        char *s = json_dumps(e, JSON_COMPACT);
        puts(s);
        free(s);
        json_decref(e);
        return;
    }
    printf("{\"min_resources_\": %.17g, \"max_resources_\": %lld, \"n_candidates_first\": %llu, "
           "\"n_required_iterations\": %d, \"n_possible_iterations\": %d, \"n_iterations\": %d, "
           "\"n_resources\": [",
           p.min_resources_, p.max_resources_, p.n_candidates_first, p.n_required_iterations,
           p.n_possible_iterations, p.n_iterations);
    for (int i = 0; i < p.n_iterations; i++)
        printf("%s%lld", i ? ", " : "", p.n_resources[i]);
    printf("], \"n_candidates\": [");
    for (int i = 0; i < p.n_iterations; i++)
        printf("%s%llu", i ? ", " : "", p.n_candidates[i]);
    printf("]}\n");
}

int main(void)
{
    json_error_t err;
    json_t *all = json_loadf(stdin, 0, &err);
    if (!json_is_array(all)) {
        fprintf(stderr, "halving_plan: expected a JSON array: %s\n", err.text);
        return 2;
    }
    for (size_t i = 0; i < json_array_size(all); i++)
        run(json_array_get(all, i));
    json_decref(all);
    return 0;
}
