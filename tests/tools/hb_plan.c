/*
 * hb_plan.c -- hpo's Hyperband brackets for the replay test
 * (tests/parity/test_hyperband_plan.py): one request per line on stdin,
 * "keras R F" or "li R ETA"; one JSON line each:
 *   {"brackets": [[[n_trials, resource, initial], ...], ...], "total_trials": T,
 *    "total_resource": E}  or {"error": "..."}
 */
#include "schedulers/hyperband.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

int main(void)
{
    char kind[16];
    double a, b;
    static hpo__hb_plan p;
    while (scanf("%15s %lf %lf", kind, &a, &b) == 3) {
        int rc = strcmp(kind, "keras") == 0 ? hpo__hb_plan_keras((long long)a, b, &p)
                                            : hpo__hb_plan_li(a, b, &p);
        if (rc) {
            printf("{\"error\": \"%s\"}\n", hpo_errmsg());
            continue;
        }
        printf("{\"brackets\": [");
        for (int k = 0; k < p.n_brackets; k++) {
            printf("%s[", k ? ", " : "");
            for (int r = 0; r <= p.brackets[k].s; r++) {
                const hpo__hb_round *rd = &p.brackets[k].rounds[r];
                printf("%s[%lld, %.17g, %.17g]", r ? ", " : "", rd->n_trials, rd->resource,
                       rd->initial);
            }
            printf("]");
        }
        printf("], \"total_trials\": %lld, \"total_resource\": %.17g}\n", p.total_trials,
               p.total_resource);
    }
    return 0;
}
