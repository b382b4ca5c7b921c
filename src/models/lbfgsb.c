/*
 * lbfgsb.c -- the reverse-communication driver of L-BFGS-B 3.0 (lbfgsb.h),
 * following scipy 1.10's _minimize_lbfgsb loop: task "FG" -> evaluate f and g,
 * "NEW_X" -> one more iteration (stop at max_iter / max_fun), "CONV" -> done,
 * "ABNO"/"ERROR"/"WARN" -> stop.
 *
 * The Fortran routine is Debian's liblbfgsb (3.0, LAPACK-based). Its
 * signature (no C header ships with it):
 *   setulb(n, m, x, l, u, nbd, f, g, factr, pgtol, wa, iwa, task, iprint,
 *          csave, lsave, isave, dsave)
 * with CHARACTER*60 task and csave, for which gfortran passes two hidden
 * size_t lengths after the last argument; LOGICAL lsave(4) is a 4-byte int.
 * All of its state lives in wa/iwa/task/csave/lsave/isave/dsave: the archive
 * has empty .data and .bss sections (objdump -t), so concurrent runs on
 * separate work arrays need no lock. iprint = -1 keeps it silent.
 *
 * Non-finite values: the line search of L-BFGS-B would turn an inf or NaN f
 * into NaN steps (scipy's does), so a non-finite value at x is replaced by a
 * finite wall built from the last finite evaluation (xf, ff, gf):
 *     f = ff + 10 |gf . (x - xf)| + 1e-8 (1 + |ff|),   g = gf,
 * higher than ff by several times the decrease the gradient promised, so the
 * cubic/quadratic interpolation of the line search backtracks by a moderate
 * factor (about 10x) towards the finite side. A first evaluation that is not
 * finite ends the run (there is no finite side). The best finite point ever
 * evaluated is what is returned.
 */
#include "models/lbfgsb.h"

#include "util/util.h"

#include <math.h>
#include <string.h>

#define TASK_LEN 60

extern void setulb_(const int *n, const int *m, double *x, const double *l, const double *u,
                    const int *nbd, double *f, double *g, const double *factr, const double *pgtol,
                    double *wa, int *iwa, char *task, const int *iprint, char *csave, int *lsave,
                    int *isave, double *dsave, size_t task_len, size_t csave_len);

hpo__lbfgsb_opts hpo__lbfgsb_defaults(void)
{
    hpo__lbfgsb_opts o = {
        .m = 10, .factr = 1e7, .pgtol = 1e-5, .max_iter = 15000, .max_fun = 15000};
    return o;
}

static void set_task(char *task, const char *s)
{
    size_t k = strlen(s);
    memset(task, ' ', TASK_LEN);
    memcpy(task, s, k < TASK_LEN ? k : TASK_LEN);
}

static int task_is(const char *task, const char *prefix)
{
    return strncmp(task, prefix, strlen(prefix)) == 0;
}

int hpo__lbfgsb(hpo__lbfgsb_fn fn, void *payload, size_t n, double *x, const double *lo,
                const double *hi, const hpo__lbfgsb_opts *opts, double *fx, int *n_iter)
{
    if (!fn || !x || n == 0 || n > 1000000)
        return hpo__err(HPO_EINVAL, "lbfgsb: bad arguments (n=%zu)", n);
    hpo__lbfgsb_opts o = opts ? *opts : hpo__lbfgsb_defaults();
    if (o.m < 1 || o.max_iter < 1 || o.max_fun < 1 || !(o.factr >= 0.0) || !(o.pgtol >= 0.0))
        return hpo__err(HPO_EINVAL, "lbfgsb: bad options");
    int ni = (int)n, m = o.m, iprint = -1;
    size_t nwa = 2 * (size_t)m * n + 5 * n + 11 * (size_t)m * (size_t)m + 8 * (size_t)m;
    double *wa = hpo__calloc(nwa + 6 * n, sizeof *wa);
    int *iwa = hpo__calloc(4 * n, sizeof *iwa);
    if (!wa || !iwa) {
        hpo__free(wa);
        hpo__free(iwa);
        return hpo__enomem();
    }
    double *l = wa + nwa, *u = l + n, *g = u + n, *xbest = g + n, *xf = xbest + n, *gf = xf + n;
    int *nbd = iwa + 3 * n;
    for (size_t i = 0; i < n; i++) {
        int has_lo = lo && lo[i] > -HUGE_VAL, has_hi = hi && hi[i] < HUGE_VAL;
        l[i] = has_lo ? lo[i] : 0.0;
        u[i] = has_hi ? hi[i] : 0.0;
        nbd[i] = has_lo ? (has_hi ? 2 : 1) : (has_hi ? 3 : 0);
        if (has_lo && x[i] < l[i])
            x[i] = l[i];
        if (has_hi && x[i] > u[i])
            x[i] = u[i];
        if (has_lo && has_hi && l[i] > u[i]) {
            hpo__free(wa);
            hpo__free(iwa);
            return hpo__err(HPO_EINVAL, "lbfgsb: lower bound %g > upper bound %g", l[i], u[i]);
        }
        if (!isfinite(x[i]))
            x[i] = has_lo ? l[i] : (has_hi ? u[i] : 0.0);
    }
    char task[TASK_LEN + 1], csave[TASK_LEN + 1];
    int lsave[4] = {0}, isave[44] = {0};
    double dsave[29] = {0};
    task[TASK_LEN] = csave[TASK_LEN] = '\0';
    set_task(task, "START");
    set_task(csave, "");
    double f = 0.0, fbest = HUGE_VAL, ff = 0.0;
    int have_best = 0, iters = 0, nfev = 0, rc = 0;
    for (;;) {
        setulb_(&ni, &m, x, l, u, nbd, &f, g, &o.factr, &o.pgtol, wa, iwa, task, &iprint, csave,
                lsave, isave, dsave, TASK_LEN, TASK_LEN);
        if (task_is(task, "FG")) {
            nfev++;
            int cb = fn(x, g, &f, payload);
            if (cb != 0) {
                rc = cb;
                break;
            }
            int ok = isfinite(f);
            for (size_t i = 0; ok && i < n; i++)
                ok = isfinite(g[i]);
            if (!ok) {
                if (!have_best)
                    break;
                double gs = 0.0;
                for (size_t i = 0; i < n; i++)
                    gs += gf[i] * (x[i] - xf[i]);
                f = ff + 10.0 * fabs(gs) + 1e-8 * (1.0 + fabs(ff));
                memcpy(g, gf, n * sizeof *g);
                continue;
            }
            ff = f;
            memcpy(xf, x, n * sizeof *x);
            memcpy(gf, g, n * sizeof *g);
            if (f < fbest) {
                fbest = f;
                have_best = 1;
                memcpy(xbest, x, n * sizeof *x);
            }
        } else if (task_is(task, "NEW_X")) {
            iters++;
            if (iters >= o.max_iter)
                set_task(task, "STOP: TOTAL NO. of ITERATIONS REACHED LIMIT");
            else if (nfev > o.max_fun)
                set_task(task, "STOP: TOTAL NO. of f AND g EVALUATIONS EXCEEDS LIMIT");
        } else {
            break; /* CONV, ABNO, ERROR, WARN, STOP */
        }
    }
    if (rc == 0) {
        if (!have_best) {
            rc = hpo__err(HPO_ENUMERIC, "lbfgsb: no finite objective value (%.40s)", task);
        } else {
            memcpy(x, xbest, n * sizeof *x);
            if (fx)
                *fx = fbest;
            if (n_iter)
                *n_iter = iters;
        }
    }
    hpo__free(wa);
    hpo__free(iwa);
    return rc;
}
