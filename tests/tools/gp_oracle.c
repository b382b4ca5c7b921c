/*
 * gp_oracle.c -- hpo's GP for the parity test against scikit-learn
 * (tests/parity/test_gp.py). Reads one case from stdin, whitespace-separated:
 *   kernel(0=matern52 1=matern32 2=matern12 3=rbf) hyper(0=map 1=ml) d n m
 *   alpha length_lo length_hi amp_lo amp_hi noise_lo noise_hi
 *   theta (d+2, log space: lengths, amp, noise)
 *   X (n x d)  y (n)  Xs (m x d)
 *   n_starts  starts (n_starts x (d+2))
 * With n_starts = 0: sets theta and prints {"lml", "mu", "var"} (the LML
 * without prior, the latent posterior at Xs, and theta). Otherwise fits from
 * the starts and prints the same at the optimum (lml then the fitted
 * objective, which in ML mode is the LML). Arguments "K SEED" append K
 * starts drawn by hpo__gp_sample_theta(SEED, stream 0) to the ones read.
 */
#include "models/gp.h"

#include <stdio.h>
#include <stdlib.h>

static int rd(double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (scanf("%lf", &v[i]) != 1)
            return -1;
    return 0;
}

static void print_arr(const char *name, const double *v, size_t n, int last)
{
    printf("\"%s\": [", name);
    for (size_t i = 0; i < n; i++)
        printf("%s%.17g", i ? ", " : "", v[i]);
    printf("]%s", last ? "" : ", ");
}

int main(int argc, char **argv)
{
    int kernel, hyper;
    size_t d, n, m, ns;
    if (scanf("%d %d %zu %zu %zu", &kernel, &hyper, &d, &n, &m) != 5)
        return 2;
    double b[7];
    if (rd(b, 7))
        return 2;
    hpo__gp_config cfg = {.d = d,
                          .kernel = (hpo__kernel)kernel,
                          .hyper = (hpo__gp_hyper)hyper,
                          .alpha = b[0],
                          .noise = 1.0,
                          .length_lo = b[1],
                          .length_hi = b[2],
                          .amp_lo = b[3],
                          .amp_hi = b[4],
                          .noise_lo = b[5],
                          .noise_hi = b[6]};
    double *theta = malloc((d + 2) * sizeof *theta), *X = malloc((n * d + 1) * sizeof *X),
           *y = malloc((n + 1) * sizeof *y), *Xs = malloc((m * d + 1) * sizeof *Xs),
           *mu = malloc((m + 1) * sizeof *mu), *var = malloc((m + 1) * sizeof *var);
    if (!theta || !X || !y || !Xs || !mu || !var)
        return 2;
    if (rd(theta, d + 2) || rd(X, n * d) || rd(y, n) || rd(Xs, m * d) || scanf("%zu", &ns) != 1)
        return 2;
    size_t extra = argc > 2 ? strtoul(argv[1], NULL, 10) : 0;
    unsigned long long seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 0;
    double *starts = malloc(((ns + extra) * (d + 2) + 1) * sizeof *starts);
    if (!starts || rd(starts, ns * (d + 2)))
        return 2;
    hpo__gp *gp = NULL;
    int rc = hpo__gp_create(&gp, &cfg);
    if (rc == 0 && extra > 0) {
        hpo__gp_sample_theta(gp, seed, 0, starts + ns * (d + 2), extra);
        ns += extra;
    }
    if (rc == 0)
        rc = hpo__gp_set_data(gp, X, y, n);
    double lml = 0.0;
    if (rc == 0 && ns == 0) {
        rc = hpo__gp_set_theta(gp, theta);
        if (rc == 0)
            rc = hpo__gp_objective(gp, theta, 0, &lml, NULL);
    } else if (rc == 0) {
        rc = hpo__gp_fit(gp, starts, ns, NULL);
        if (rc == 0)
            rc = hpo__gp_objective(gp, hpo__gp_theta(gp), 0, &lml, NULL);
    }
    if (rc == 0)
        rc = hpo__gp_predict(gp, Xs, m, mu, var);
    if (rc != 0) {
        fprintf(stderr, "gp_oracle: error %d\n", rc);
        return 1;
    }
    printf("{\"lml\": %.17g, ", lml);
    print_arr("theta", hpo__gp_theta(gp), d + 2, 0);
    print_arr("mu", mu, m, 0);
    print_arr("var", var, m, 1);
    printf("}\n");
    hpo__gp_destroy(gp);
    free(theta);
    free(X);
    free(y);
    free(Xs);
    free(mu);
    free(var);
    free(starts);
    return 0;
}
