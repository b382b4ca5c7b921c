/*
 * hyperband.c -- Hyperband's brackets (see hyperband.h).
 *
 * KerasTuner 1.4 (HyperbandOracle): B counts the k >= 0 with R / f^k >= 1 by
 * repeated division; b0 = ceil(1 + log(R) / log(f)); round r of bracket b
 * holds ceil((b0 / (b + 1)) * f^(b - r)) trials trained to
 * ceil(R / f^(b - r)) epochs, starting from the previous round's epochs. The
 * double expressions are kept in that order: where log(R) / log(f) lands an
 * ulp above an integer (R = 15625, f = 5) b0 is one more than the exact value,
 * as in KerasTuner.
 *
 * Li et al.: s_max is the largest s with eta^s <= R, found with exact
 * multiplication (int(log(R) / log(eta)) is 4 for R = 243, eta = 3, not 5);
 * B = (s_max + 1) R; bracket s starts n = ceil((B / R) eta^s / (s + 1))
 * configurations at r = R eta^-s; round i keeps floor(n eta^-i) at r eta^i.
 */
#include "schedulers/hyperband.h"
#include "util/util.h"

#include <math.h>

int hpo__hb_plan_keras(long long max_epochs, double factor, hpo__hb_plan *p)
{
    if (!p)
        return hpo__err(HPO_EINVAL, "hyperband: no plan");
    if (max_epochs < 1)
        return hpo__err(HPO_EINVAL, "hyperband: max_epochs must be >= 1, got %lld", max_epochs);
    if (!(factor >= 2.0) || !isfinite(factor))
        return hpo__err(HPO_EINVAL, "hyperband: factor must be >= 2, got %g", factor);
    *p = (hpo__hb_plan){0};
    const double R = (double)max_epochs;
    int B = 0;
    for (double e = R; e >= 1.0; e = e / factor)
        B++;
    if (B > HPO__HB_MAX_BRACKETS)
        return hpo__err(HPO_EINVAL, "hyperband: %d brackets is too many", B);
    double b0 = ceil(1.0 + log(R) / log(factor));
    p->n_brackets = B;
    for (int k = 0; k < B; k++) {
        int b = B - 1 - k;
        hpo__hb_bracket *br = &p->brackets[k];
        br->s = b;
        for (int r = 0; r <= b; r++) {
            hpo__hb_round *rd = &br->rounds[r];
            rd->n_trials = (long long)ceil((b0 / (double)(b + 1)) * pow(factor, (double)(b - r)));
            rd->resource = ceil(R / pow(factor, (double)(b - r)));
            rd->initial = r == 0 ? 0.0 : br->rounds[r - 1].resource;
            p->total_trials += rd->n_trials;
            p->total_resource += (double)rd->n_trials * (rd->resource - rd->initial);
        }
    }
    return 0;
}

int hpo__hb_plan_li(double R, double eta, hpo__hb_plan *p)
{
    if (!p)
        return hpo__err(HPO_EINVAL, "hyperband: no plan");
    if (!(R >= 1.0) || !isfinite(R))
        return hpo__err(HPO_EINVAL, "hyperband: R must be >= 1, got %g", R);
    if (!(eta > 1.0) || !isfinite(eta))
        return hpo__err(HPO_EINVAL, "hyperband: eta must be > 1, got %g", eta);
    *p = (hpo__hb_plan){0};
    int s_max = 0;
    for (double x = eta; x <= R; x *= eta)
        s_max++;
    if (s_max + 1 > HPO__HB_MAX_BRACKETS)
        return hpo__err(HPO_EINVAL, "hyperband: %d brackets is too many", s_max + 1);
    double B = (double)(s_max + 1) * R;
    p->n_brackets = s_max + 1;
    for (int k = 0; k <= s_max; k++) {
        int s = s_max - k;
        hpo__hb_bracket *br = &p->brackets[k];
        br->s = s;
        double n = ceil((B / R) * pow(eta, (double)s) / (double)(s + 1));
        double r = R * pow(eta, (double)-s);
        for (int i = 0; i <= s; i++) {
            hpo__hb_round *rd = &br->rounds[i];
            rd->n_trials = (long long)floor(n * pow(eta, (double)-i));
            rd->resource = r * pow(eta, (double)i);
            rd->initial = 0.0;
            p->total_trials += i == 0 ? rd->n_trials : 0;
            p->total_resource += (double)rd->n_trials * rd->resource;
        }
    }
    return 0;
}
