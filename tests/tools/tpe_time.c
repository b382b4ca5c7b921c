/*
 * tpe_time.c -- a measurement, not a test: the time of one TPE proposal on a
 * 5-d space (3 floats, one of them log, a stepped int and a categorical) with
 * n complete trials drawn at random and scored by a sphere.
 *
 * usage: hpo-tool-tpe_time [N ...] [key=value ...]   (default N: 100 1000)
 * prints "n=<N> us_per_proposal=<median of 200> min_us=<fastest>".
 * The key=value pairs are sampler options (multivariate=true, ...).
 */
#include "core/space.h"
#include "hpo.h"
#include "samplers/sampler.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double num(const hpo__params *p, const char *name)
{
    long i = hpo__params_find(p, name);
    if (i < 0)
        return 0.0;
    return p->values[i].type == HPO_VALUE_INT ? (double)p->values[i].u.i : p->values[i].u.f;
}

int main(int argc, char **argv)
{
    size_t ns[16], nn = 0;
    hpo_kv kv[16];
    size_t nkv = 0;
    for (int i = 1; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (eq && nkv < 16) {
            *eq = '\0';
            kv[nkv++] = (hpo_kv){argv[i], eq + 1};
        } else if (!eq && nn < 16) {
            ns[nn++] = (size_t)strtoul(argv[i], NULL, 10);
        }
    }
    if (!nn) {
        ns[0] = 100;
        ns[1] = 1000;
        nn = 2;
    }
    hpo_space *sp = NULL;
    hpo_value c[3] = {{.type = HPO_VALUE_STRING, .u.s = "a"},
                      {.type = HPO_VALUE_STRING, .u.s = "b"},
                      {.type = HPO_VALUE_STRING, .u.s = "c"}};
    if (hpo_space_create(&sp) || hpo_space_add_float(sp, "x0", -5.0, 5.0, 0) ||
        hpo_space_add_float(sp, "x1", -5.0, 5.0, 0) ||
        hpo_space_add_float(sp, "lr", 1e-5, 1.0, 1) || hpo_space_add_int(sp, "k", 0, 100, 2, 0) ||
        hpo_space_add_categorical(sp, "c", c, 3) || hpo__space_resolve(sp)) {
        fprintf(stderr, "space: %s\n", hpo_errmsg());
        return 1;
    }
    const hpo__sampler_ops *rops = hpo__sampler_find("random"), *tops = hpo__sampler_find("tpe");
    hpo__sampler_config rcfg = {.space = sp, .seed = 1};
    hpo__sampler_config tcfg = {.space = sp, .seed = 2, .options = kv, .n_options = nkv};
    hpo__sampler *r = NULL, *t = NULL;
    if (rops->create(&r, &rcfg) || tops->create(&t, &tcfg)) {
        fprintf(stderr, "sampler: %s\n", hpo_errmsg());
        return 1;
    }
    for (size_t a = 0; a < nn; a++) {
        size_t n = ns[a];
        hpo__params *ps = calloc(n ? n : 1, sizeof *ps);
        hpo__history_entry *es = calloc(n ? n : 1, sizeof *es);
        for (size_t i = 0; i < n; i++) {
            rops->propose(r, (long long)i, NULL, &ps[i]);
            double v = num(&ps[i], "x0") * num(&ps[i], "x0") + num(&ps[i], "x1") +
                       log(num(&ps[i], "lr")) + num(&ps[i], "k") * 0.01;
            es[i] = (hpo__history_entry){.number = (long long)i,
                                         .seq = (long long)i,
                                         .state = HPO_TRIAL_COMPLETE,
                                         .value = v,
                                         .params = &ps[i],
                                         .budget = NAN,
                                         .rung = -1,
                                         .duration = 1.0};
        }
        hpo__history h = {.entries = es, .n = n, .direction = HPO_MINIMIZE};
        double t_us[200];
        for (int k = 0; k < 200; k++) {
            hpo__params out = HPO__PARAMS_INIT;
            double t0 = now();
            int rc = tops->propose(t, (long long)(n + (size_t)k), &h, &out);
            t_us[k] = (now() - t0) * 1e6;
            hpo__params_free(&out);
            if (rc) {
                fprintf(stderr, "propose: %s\n", hpo_errmsg());
                return 1;
            }
        }
        qsort(t_us, 200, sizeof *t_us, cmp);
        printf("n=%zu us_per_proposal=%.1f min_us=%.1f\n", n, t_us[100], t_us[0]);
        for (size_t i = 0; i < n; i++)
            hpo__params_free(&ps[i]);
        free(ps);
        free(es);
    }
    tops->destroy(t);
    rops->destroy(r);
    hpo_space_destroy(sp);
    return 0;
}
