/*
 * acq_oracle.c -- hpo's acquisition functions and output transforms for the
 * parity test tests/parity/test_acq.py. Reads commands on stdin, one per
 * line, and prints one line of results each (numbers with %.17g):
 *
 *   erfcx X            -> hpo__erfcx(X)
 *   logndtr Z          -> hpo__log_ndtr(Z)
 *   logh Z             -> hpo__log_h(Z) hpo__dlog_h(Z)
 *   ei MU SD FBEST XI  -> value dmu dsd   (likewise pi, logei)
 *   lcb MU SD KAPPA    -> value dmu dsd
 *   yjllf LAMBDA N Y1..YN     -> hpo__yeojohnson_llf
 *   yjmax LO HI N Y1..YN      -> hpo__yeojohnson_normmax
 *   yj LAMBDA N Y1..YN        -> hpo__yeojohnson of each value
 *   ytf KIND N Y1..YN M Q1..QM -> kind lambda, then hpo__ytf_apply of each Q
 *                                 (KIND: standardize, yeo-johnson, log, none)
 *
 * Values are read with strtod, so "inf", "-inf" and "nan" are accepted. An
 * unknown command or a malformed line prints "error" and exits 2.
 */
#include "models/acq.h"
#include "models/ytransform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int read_double(double *out)
{
    char tok[128];
    if (scanf("%127s", tok) != 1)
        return -1;
    char *end;
    *out = strtod(tok, &end);
    return *end == '\0' ? 0 : -1;
}

static double *read_vec(size_t *n)
{
    double dn;
    if (read_double(&dn) != 0 || dn < 0 || dn > 1e7)
        return NULL;
    *n = (size_t)dn;
    double *v = malloc((*n + 1) * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < *n; i++) {
        if (read_double(&v[i]) != 0) {
            free(v);
            return NULL;
        }
    }
    return v;
}

static int fail(void)
{
    printf("error\n");
    return 2;
}

static int ytf_cmd(void)
{
    char kind[32];
    if (scanf("%31s", kind) != 1)
        return fail();
    hpo__ytf_kind k;
    if (strcmp(kind, "standardize") == 0)
        k = HPO__YTF_STANDARDIZE;
    else if (strcmp(kind, "yeo-johnson") == 0)
        k = HPO__YTF_YEO_JOHNSON;
    else if (strcmp(kind, "log") == 0)
        k = HPO__YTF_LOG;
    else if (strcmp(kind, "none") == 0)
        k = HPO__YTF_NONE;
    else
        return fail();
    size_t n, m;
    double *y = read_vec(&n);
    if (!y)
        return fail();
    double *q = read_vec(&m);
    if (!q) {
        free(y);
        return fail();
    }
    hpo__ytf t;
    hpo__ytf_fit(&t, y, n, k);
    printf("%d %.17g", (int)t.kind, t.lambda);
    for (size_t i = 0; i < m; i++)
        printf(" %.17g", hpo__ytf_apply(&t, q[i]));
    printf("\n");
    free(y);
    free(q);
    return 0;
}

int main(void)
{
    char cmd[32];
    while (scanf("%31s", cmd) == 1) {
        double a, b, c, d, dmu = 0.0, dsd = 0.0;
        if (strcmp(cmd, "erfcx") == 0 || strcmp(cmd, "logndtr") == 0 || strcmp(cmd, "logh") == 0) {
            if (read_double(&a) != 0)
                return fail();
            if (cmd[0] == 'e')
                printf("%.17g\n", hpo__erfcx(a));
            else if (cmd[3] == 'n')
                printf("%.17g\n", hpo__log_ndtr(a));
            else
                printf("%.17g %.17g\n", hpo__log_h(a), hpo__dlog_h(a));
        } else if (strcmp(cmd, "ei") == 0 || strcmp(cmd, "pi") == 0 || strcmp(cmd, "logei") == 0) {
            if (read_double(&a) || read_double(&b) || read_double(&c) || read_double(&d))
                return fail();
            double v = cmd[0] == 'e'   ? hpo__acq_ei(a, b, c, d, &dmu, &dsd)
                       : cmd[0] == 'p' ? hpo__acq_pi(a, b, c, d, &dmu, &dsd)
                                       : hpo__acq_logei(a, b, c, d, &dmu, &dsd);
            printf("%.17g %.17g %.17g\n", v, dmu, dsd);
        } else if (strcmp(cmd, "lcb") == 0) {
            if (read_double(&a) || read_double(&b) || read_double(&c))
                return fail();
            double v = hpo__acq_lcb(a, b, c, &dmu, &dsd);
            printf("%.17g %.17g %.17g\n", v, dmu, dsd);
        } else if (strcmp(cmd, "yjllf") == 0 || strcmp(cmd, "yj") == 0) {
            size_t n;
            if (read_double(&a) != 0)
                return fail();
            double *y = read_vec(&n);
            if (!y)
                return fail();
            if (cmd[2] == 'l') {
                printf("%.17g\n", hpo__yeojohnson_llf(y, n, a));
            } else {
                for (size_t i = 0; i < n; i++)
                    printf("%s%.17g", i ? " " : "", hpo__yeojohnson(y[i], a));
                printf("\n");
            }
            free(y);
        } else if (strcmp(cmd, "yjmax") == 0) {
            size_t n;
            if (read_double(&a) || read_double(&b))
                return fail();
            double *y = read_vec(&n);
            if (!y)
                return fail();
            printf("%.17g\n", hpo__yeojohnson_normmax(y, n, a, b));
            free(y);
        } else if (strcmp(cmd, "ytf") == 0) {
            int rc = ytf_cmd();
            if (rc)
                return rc;
        } else {
            return fail();
        }
    }
    return 0;
}
