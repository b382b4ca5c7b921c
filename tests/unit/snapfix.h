/*
 * snapfix.h -- synthetic snapshots for the plot tests: a deterministic study of
 * any size with every kind of parameter, every trial state, workers, reports
 * and (optionally) a scheduler's rungs, built directly as a struct hpo_snapshot.
 *
 * Parameters: lr (float, log, 1e-4..1), units (int, 16..512), kernel
 * (categorical rbf, poly, linear — the user's order), dropout (float, 0..0.5),
 * degree (int 2..5, active only when kernel == poly).
 * Value (minimized unless maximize): a smooth function of the parameters plus
 * a little noise; failed/pruned trials have no value; pruned ones have reports.
 * Also two checks the plot tests share: counting a substring, and well-formed
 * XML by Python's parser ($PYTHON, skipped when unset).
 */
#ifndef HPO_TESTS_SNAPFIX_H
#define HPO_TESTS_SNAPFIX_H

#include "core/rng.h"
#include "report/snapshot.h"
#include "util/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline size_t snapfix_count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* 0 when `doc` parses as XML (or no $PYTHON), else non-zero. */
static inline int snapfix_xml_check(const char *doc)
{
    const char *py = getenv("PYTHON");
    if (!py || !*py)
        return 0;
    char path[] = "/tmp/hpo-test-plot.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    FILE *fp = fdopen(fd, "w");
    fputs(doc, fp);
    fclose(fp);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "%s -c 'import sys,xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' %s", py, path);
    int rc = system(cmd);
    unlink(path);
    return rc;
}

typedef struct snapfix_opts {
    size_t n_trials;
    unsigned long long seed;
    int maximize;
    double frac_failed, frac_pruned;
    size_t n_running; /* the last n trials are running */
    int n_workers;    /* >= 1 */
    int n_steps;      /* reports per complete trial (0 = none) */
    int scheduler;    /* 1: hyperband-like rungs/brackets/budgets with parents */
} snapfix_opts;

static char *snapfix_dup(const char *s)
{
    return hpo__strdup(s);
}

static hpo_snapshot *snapfix_make(const snapfix_opts *o)
{
    hpo_snapshot *s = hpo__calloc(1, sizeof *s);
    size_t n = o->n_trials;
    int nw = o->n_workers > 0 ? o->n_workers : 1;
    hpo__rng rng;
    hpo__rng_seed(&rng, o->seed, 7);
    s->study = snapfix_dup("fixture");
    s->direction = o->maximize ? HPO_MAXIMIZE : HPO_MINIMIZE;
    s->sampler = snapfix_dup("random");
    s->scheduler = snapfix_dup(o->scheduler ? "hyperband" : "");
    s->n_trials_target = (long long)n;
    s->n_params = 5;
    s->params = hpo__calloc(5, sizeof *s->params);
    const char *names[5] = {"lr", "units", "kernel", "dropout", "degree"};
    for (int j = 0; j < 5; j++)
        s->params[j].name = snapfix_dup(names[j]);
    s->params[0] = (hpo__snap_param){s->params[0].name, HPO__SNAP_FLOAT, 1e-4, 1.0, 1, NULL, 0};
    s->params[1] = (hpo__snap_param){s->params[1].name, HPO__SNAP_INT, 16, 512, 0, NULL, 0};
    s->params[2].kind = HPO__SNAP_CATEGORICAL;
    s->params[2].labels = hpo__calloc(3, sizeof(char *));
    s->params[2].labels[0] = snapfix_dup("rbf");
    s->params[2].labels[1] = snapfix_dup("poly");
    s->params[2].labels[2] = snapfix_dup("linear");
    s->params[2].n_labels = 3;
    s->params[3] = (hpo__snap_param){s->params[3].name, HPO__SNAP_FLOAT, 0.0, 0.5, 0, NULL, 0};
    s->params[4] = (hpo__snap_param){s->params[4].name, HPO__SNAP_INT, 2, 5, 0, NULL, 0};
    s->n_trials = n;
    s->trials = hpo__calloc(n ? n : 1, sizeof *s->trials);
    s->x = hpo__calloc((n ? n : 1) * 5, sizeof *s->x);
    size_t max_reports = n * (size_t)(o->n_steps > 0 ? o->n_steps : 0);
    s->steps = hpo__calloc(max_reports ? max_reports : 1, sizeof *s->steps);
    s->report_values = hpo__calloc(max_reports ? max_reports : 1, sizeof *s->report_values);
    s->n_workers = (size_t)nw;
    s->workers = hpo__calloc((size_t)nw, sizeof *s->workers);
    for (int w = 0; w < nw; w++) {
        char name[32];
        snprintf(name, sizeof name, "host:%d", 1000 + w);
        s->workers[w] = snapfix_dup(name);
    }
    double *worker_free = hpo__calloc((size_t)nw, sizeof *worker_free);
    for (size_t i = 0; i < n; i++) {
        hpo__snap_trial *t = &s->trials[i];
        double *x = &s->x[i * 5];
        t->number = (long long)i;
        x[0] = pow(10.0, -4.0 + 4.0 * hpo__rng_uniform(&rng));
        x[1] = (double)(16 + (long long)hpo__rng_below(&rng, 497));
        x[2] = (double)hpo__rng_below(&rng, 3);
        x[3] = 0.5 * hpo__rng_uniform(&rng);
        x[4] = x[2] == 1.0 ? (double)(2 + (long long)hpo__rng_below(&rng, 4)) : (double)NAN;
        double lx = log10(x[0]) + 2.0;
        double f = lx * lx + 0.3 * (x[3] - 0.2) * (x[3] - 0.2) * 10 + 0.001 * fabs(x[1] - 200) +
                   (x[2] == 2.0 ? 0.5 : 0.0) + (x[2] == 1.0 ? 0.1 * (x[4] - 3) * (x[4] - 3) : 0) +
                   0.05 * hpo__rng_uniform(&rng);
        double value = o->maximize ? -f : f;
        double u = hpo__rng_uniform(&rng);
        t->state = HPO_TRIAL_COMPLETE;
        if (i >= n - (o->n_running < n ? o->n_running : n))
            t->state = HPO_TRIAL_RUNNING;
        else if (u < o->frac_failed)
            t->state = HPO_TRIAL_FAILED;
        else if (u < o->frac_failed + o->frac_pruned)
            t->state = HPO_TRIAL_PRUNED;
        t->value = t->state == HPO_TRIAL_COMPLETE ? value : (double)NAN;
        int w = (int)(i % (size_t)nw);
        t->worker = w;
        double dur = 5.0 + 20.0 * hpo__rng_uniform(&rng);
        t->start = 1.7e9 + worker_free[w];
        t->end = t->state == HPO_TRIAL_RUNNING ? (double)NAN : t->start + dur;
        worker_free[w] += dur + 0.5;
        t->rung = -1;
        t->bracket = -1;
        t->budget = NAN;
        t->parent = -1;
        if (o->scheduler) {
            t->bracket = (int)(i % 3);
            t->rung = (int)((i / 3) % 3);
            t->budget = pow(3.0, t->rung);
            t->parent = t->rung > 0 && i >= 3 ? (long long)(i - 3) : -1;
        }
        t->report_off = s->n_reports;
        int steps = t->state == HPO_TRIAL_PRUNED ? o->n_steps / 2 : o->n_steps;
        if (t->state == HPO_TRIAL_FAILED)
            steps = 0;
        for (int k = 0; k < steps; k++) {
            s->steps[s->n_reports] = k + 1;
            double curve = f + 1.0 / (k + 1.0);
            s->report_values[s->n_reports] = o->maximize ? -curve : curve;
            s->n_reports++;
        }
        t->n_reports = (size_t)steps;
    }
    hpo__free(worker_free);
    s->best = -1;
    s->t0 = n ? s->trials[0].start : (double)NAN;
    for (size_t i = 0; i < n; i++) {
        s->counts[s->trials[i].state]++;
        if (s->trials[i].state == HPO_TRIAL_COMPLETE &&
            (s->best < 0 || hpo__snap_better(s, s->trials[i].value, s->trials[s->best].value)))
            s->best = (long)i;
        if (s->trials[i].start < s->t0)
            s->t0 = s->trials[i].start;
    }
    return s;
}

#endif
