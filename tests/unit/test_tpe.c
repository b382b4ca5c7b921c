/*
 * test_tpe.c -- the TPE sampler on hand-built histories: options and their
 * errors, startup = the random sampler's draws, the below/above split (gamma,
 * pruned, failed, running), valid proposals for every parameter kind with
 * conditions (uni- and multivariate), the categorical posterior, direction
 * symmetry, the constant liar, reproducibility, and a statistical convergence
 * check against random search.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/rng.h"
#include "core/space.h"
#include "hpo.h"
#include "samplers/sampler.h"
#include "samplers/tpe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define S(x)                                                                                       \
    {                                                                                              \
        .type = HPO_VALUE_STRING, .u.s = (x)                                                       \
    }

/* ---------------------------------------------------------------- helpers */

#define HCAP 2048

typedef struct hist {
    hpo__history_entry e[HCAP];
    hpo__params p[HCAP];
    size_t n;
    hpo__history h;
} hist;

static hist *hist_new(hpo_direction dir)
{
    hist *h = calloc(1, sizeof *h);
    assert_non_null(h);
    h->h.entries = h->e;
    h->h.direction = dir;
    return h;
}

/* Append a trial; takes ownership of *params (left empty). */
static void hist_add(hist *h, hpo_trial_state st, double value, hpo__params *params)
{
    assert_true(h->n < HCAP);
    size_t i = h->n++;
    h->p[i] = *params;
    memset(params, 0, sizeof *params);
    h->e[i] = (hpo__history_entry){.number = (long long)i,
                                   .seq = (long long)i,
                                   .state = st,
                                   .value = value,
                                   .params = &h->p[i],
                                   .budget = NAN,
                                   .rung = -1,
                                   .duration = 1.0};
    h->h.n = h->n;
}

static void hist_free(hist *h)
{
    for (size_t i = 0; i < h->n; i++)
        hpo__params_free(&h->p[i]);
    free(h);
}

static hpo__sampler *make(const char *name, const hpo_space *sp, uint64_t seed, const hpo_kv *o,
                          size_t n)
{
    const hpo__sampler_ops *ops = hpo__sampler_find(name);
    assert_non_null(ops);
    hpo__sampler_config cfg = {.space = sp, .seed = seed, .options = o, .n_options = n};
    hpo__sampler *s = NULL;
    assert_int_equal(ops->create(&s, &cfg), 0);
    return s;
}

static void destroy(const char *name, hpo__sampler *s)
{
    hpo__sampler_find(name)->destroy(s);
}

static void propose(const char *name, hpo__sampler *s, long long seq, const hist *h,
                    hpo__params *out)
{
    memset(out, 0, sizeof *out);
    assert_int_equal(hpo__sampler_find(name)->propose(s, seq, h ? &h->h : NULL, out), 0);
}

static double get_f(const hpo__params *p, const char *name)
{
    long i = hpo__params_find(p, name);
    assert_true(i >= 0);
    if (p->values[i].type == HPO_VALUE_INT)
        return (double)p->values[i].u.i;
    assert_int_equal(p->values[i].type, HPO_VALUE_FLOAT);
    return p->values[i].u.f;
}

static hpo_space *xy_space(void)
{
    hpo_space *sp = NULL;
    assert_int_equal(hpo_space_create(&sp), 0);
    assert_int_equal(hpo_space_add_float(sp, "x", -1.0, 1.0, 0), 0);
    assert_int_equal(hpo_space_add_float(sp, "y", -1.0, 1.0, 0), 0);
    assert_int_equal(hpo__space_resolve(sp), 0);
    return sp;
}

static hpo_space *mixed_space(void)
{
    hpo_space *sp = NULL;
    assert_int_equal(hpo_space_create(&sp), 0);
    assert_int_equal(hpo_space_add_float(sp, "lr", 1e-4, 1e-1, 1), 0);
    assert_int_equal(hpo_space_add_float(sp, "dropout", 0.0, 0.5, 0), 0);
    assert_int_equal(hpo_space_add_int(sp, "units", 32, 500, 32, 0), 0); /* 500 off-lattice */
    assert_int_equal(hpo_space_add_int(sp, "trees", 1, 1000, 1, 1), 0);
    hpo_value k[3] = {S("rbf"), S("poly"), S("linear")};
    assert_int_equal(hpo_space_add_categorical(sp, "kernel", k, 3), 0);
    assert_int_equal(hpo_space_add_int(sp, "degree", 2, 5, 1, 0), 0);
    assert_int_equal(hpo_space_set_condition(sp, "degree", "kernel == poly"), 0);
    hpo_value b[2] = {{.type = HPO_VALUE_BOOL, .u.b = 0}, {.type = HPO_VALUE_BOOL, .u.b = 1}};
    assert_int_equal(hpo_space_add_categorical(sp, "shrink", b, 2), 0);
    assert_int_equal(hpo_space_add_int(sp, "fixed", 7, 7, 1, 0), 0);
    assert_int_equal(hpo__space_resolve(sp), 0);
    return sp;
}

/* Every value of a mixed_space proposal is valid and conditions hold. */
static void check_mixed(const hpo__params *p)
{
    double lr = get_f(p, "lr");
    assert_true(lr >= 1e-4 && lr <= 1e-1);
    double dr = get_f(p, "dropout");
    assert_true(dr >= 0.0 && dr <= 0.5);
    long i = hpo__params_find(p, "units");
    assert_true(i >= 0 && p->values[i].type == HPO_VALUE_INT);
    long long u = p->values[i].u.i;
    assert_true(u >= 32 && u <= 480 && u % 32 == 0);
    i = hpo__params_find(p, "trees");
    assert_true(i >= 0 && p->values[i].type == HPO_VALUE_INT);
    assert_true(p->values[i].u.i >= 1 && p->values[i].u.i <= 1000);
    i = hpo__params_find(p, "kernel");
    assert_true(i >= 0 && p->values[i].type == HPO_VALUE_STRING);
    const char *k = p->values[i].u.s;
    assert_true(!strcmp(k, "rbf") || !strcmp(k, "poly") || !strcmp(k, "linear"));
    i = hpo__params_find(p, "degree");
    assert_int_equal(i >= 0, !strcmp(k, "poly"));
    if (i >= 0) {
        assert_int_equal(p->values[i].type, HPO_VALUE_INT);
        assert_true(p->values[i].u.i >= 2 && p->values[i].u.i <= 5);
    }
    i = hpo__params_find(p, "shrink");
    assert_true(i >= 0 && p->values[i].type == HPO_VALUE_BOOL);
    i = hpo__params_find(p, "fixed");
    assert_true(i >= 0 && p->values[i].u.i == 7);
    assert_int_equal(p->n, 7u + (i >= 0 && !strcmp(k, "poly")));
}

static double branin_like(const hpo__params *p)
{
    double x = get_f(p, "x"), y = get_f(p, "y");
    return (x - 0.3) * (x - 0.3) + (y + 0.2) * (y + 0.2);
}

/* ---------------------------------------------------------------- tests */

static void test_options(void **state)
{
    (void)state;
    const hpo__sampler_ops *ops = hpo__sampler_find("tpe");
    assert_non_null(ops);
    assert_true(ops->needs_history);
    hpo_space *sp = xy_space();
    hpo__sampler *s = NULL;
    hpo__sampler_config cfg = {.space = sp};
    hpo_kv bad[1] = {{"n_startup_trails", "5"}};
    cfg.options = bad;
    cfg.n_options = 1;
    assert_int_equal(ops->create(&s, &cfg), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "did you mean 'n_startup_trials'"));

    const char *const invalid[][2] = {
        {"gamma", "0"},        {"gamma", "1.5"},          {"gamma", "fast"},
        {"weights", "ramp"},   {"n_ei_candidates", "0"},  {"n_startup_trials", "-1"},
        {"prior_weight", "0"}, {"multivariate", "maybe"}, {"constant_liar", "2x"},
    };
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        hpo_kv kv[1] = {{invalid[i][0], invalid[i][1]}};
        cfg.options = kv;
        assert_int_equal(ops->create(&s, &cfg), HPO_EINVAL);
        assert_non_null(strstr(hpo_errmsg(), invalid[i][0]));
    }
    hpo_kv good[10] = {{"n_startup_trials", "3"},
                       {"n_ei_candidates", "10"},
                       {"gamma", "0.25"},
                       {"prior_weight", "2"},
                       {"consider_prior", "false"},
                       {"consider_magic_clip", "false"},
                       {"consider_endpoints", "true"},
                       {"multivariate", "true"},
                       {"constant_liar", "true"},
                       {"weights", "uniform"}};
    cfg.options = good;
    cfg.n_options = 10;
    assert_int_equal(ops->create(&s, &cfg), 0);
    assert_int_equal(ops->capacity(s), -1);
    ops->destroy(s);
    hpo_kv dflt[1] = {{"gamma", "default"}};
    cfg.options = dflt;
    cfg.n_options = 1;
    assert_int_equal(ops->create(&s, &cfg), 0);
    ops->destroy(s);
    ops->destroy(NULL);
    hpo_space_destroy(sp);

    /* a list of spaces is refused */
    assert_int_equal(hpo_space_create(&sp), 0);
    assert_int_equal(hpo_space_add_float(sp, "x", 0.0, 1.0, 0), 0);
    assert_int_equal(hpo_space_add_subspace(sp), 0);
    assert_int_equal(hpo_space_add_float(sp, "z", 0.0, 1.0, 0), 0);
    assert_int_equal(hpo__space_resolve(sp), 0);
    cfg = (hpo__sampler_config){.space = sp};
    assert_int_equal(ops->create(&s, &cfg), HPO_EINVAL);
    assert_non_null(strstr(hpo_errmsg(), "sampler tpe: a list of spaces is not supported"));
    hpo_space_destroy(sp);
}

/* Before n_startup_trials finished trials the proposals are the random
 * sampler's, reproducible, within bounds. */
static void test_startup_is_random(void **state)
{
    (void)state;
    hpo_space *sp = mixed_space();
    hpo__sampler *t = make("tpe", sp, 42, NULL, 0);
    hpo__sampler *r = make("random", sp, 42, NULL, 0);
    hist *h = hist_new(HPO_MINIMIZE);
    for (long long seq = 0; seq < 200; seq++) {
        hpo__params a, b, c;
        propose("tpe", t, seq, h, &a);
        propose("random", r, seq, NULL, &b);
        propose("tpe", t, seq, h, &c);
        assert_true(hpo__params_equal(&a, &b));
        assert_true(hpo__params_equal(&a, &c));
        check_mixed(&a);
        hpo__params_free(&b);
        hpo__params_free(&c);
        /* 9 finished (and any failed or running) stay in startup */
        if (h->n < 9)
            hist_add(h, HPO_TRIAL_COMPLETE, (double)seq, &a);
        else if (h->n < 30)
            hist_add(h, seq % 2 ? HPO_TRIAL_FAILED : HPO_TRIAL_RUNNING, NAN, &a);
        else
            hpo__params_free(&a);
    }
    /* the 10th finished trial (pruned counts, as in Optuna) ends the startup */
    hpo__params a, b;
    propose("tpe", t, 500, h, &a);
    hist_add(h, HPO_TRIAL_PRUNED, NAN, &a);
    int differ = 0;
    for (long long seq = 500; seq < 520; seq++) {
        propose("tpe", t, seq, h, &a);
        propose("random", r, seq, NULL, &b);
        check_mixed(&a);
        differ += !hpo__params_equal(&a, &b);
        hpo__params_free(&a);
        hpo__params_free(&b);
    }
    assert_true(differ >= 15);
    hist_free(h);
    destroy("tpe", t);
    destroy("random", r);
    hpo_space_destroy(sp);
}

static void add_x(hist *h, hpo_trial_state st, double x, double value)
{
    hpo__params p = HPO__PARAMS_INIT;
    hpo_value v = {.type = HPO_VALUE_FLOAT, .u.f = x};
    assert_int_equal(hpo__params_add(&p, "x", &v), 0);
    hist_add(h, st, value, &p);
}

/* The pruned, blocked log densities equal a plain sum over all components. */
static void test_density_vs_naive(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        double err = hpo__tpe_selfcheck(seed);
        print_message("seed %llu: max |fast - naive| = %g\n", (unsigned long long)seed, err);
        assert_true(err < 1e-9);
    }
}

static void test_split(void **state)
{
    (void)state;
    /* Optuna's default_gamma: min(ceil(0.1 n), 25) */
    assert_int_equal(hpo__tpe_gamma(0.1, 0), 0);
    assert_int_equal(hpo__tpe_gamma(0.1, 5), 1);
    assert_int_equal(hpo__tpe_gamma(0.1, 10), 1);
    assert_int_equal(hpo__tpe_gamma(0.1, 11), 2);
    assert_int_equal(hpo__tpe_gamma(0.1, 50), 5);
    assert_int_equal(hpo__tpe_gamma(0.1, 1000), 25);
    assert_int_equal(hpo__tpe_gamma(0.25, 50), 13);
    assert_int_equal(hpo__tpe_gamma(1.0, 3), 3);

    const size_t ns[3] = {5, 50, 1000}, want[3] = {1, 5, 25};
    size_t *below = calloc(HCAP, sizeof *below), *above = calloc(HCAP, sizeof *above);
    for (int dir = 0; dir < 2; dir++) {
        for (size_t c = 0; c < 3; c++) {
            hist *h = hist_new(dir ? HPO_MAXIMIZE : HPO_MINIMIZE);
            /* values: a permutation of 0..n-1 (7919 is prime, coprime with n) */
            for (size_t i = 0; i < ns[c]; i++) {
                double v = (double)((i * 7919) % ns[c]);
                add_x(h, HPO_TRIAL_COMPLETE, 0.5, dir ? -v : v);
            }
            add_x(h, HPO_TRIAL_FAILED, 0.5, NAN);
            add_x(h, HPO_TRIAL_RUNNING, 0.5, NAN);
            size_t nb, na, nf;
            assert_int_equal(hpo__tpe_split(&h->h, 0.1, 0, below, &nb, above, &na, &nf), 0);
            assert_int_equal(nf, ns[c]);
            assert_int_equal(nb, want[c]);
            assert_int_equal(na, ns[c] - want[c]);
            for (size_t i = 0; i < nb; i++) {
                assert_true(fabs(h->e[below[i]].value) < (double)want[c]);
                if (i)
                    assert_true(below[i] > below[i - 1]); /* trial order */
            }
            /* constant liar: the running trial joins "above" (last) */
            assert_int_equal(hpo__tpe_split(&h->h, 0.1, 1, below, &nb, above, &na, &nf), 0);
            assert_int_equal(nb, want[c]);
            assert_int_equal(na, ns[c] - want[c] + 1);
            assert_int_equal(above[na - 1], h->n - 1);
            hist_free(h);
        }
    }
    /* pruned trials rank after every complete one, larger budget first */
    hist *h = hist_new(HPO_MINIMIZE);
    add_x(h, HPO_TRIAL_PRUNED, 0.1, -100.0); /* 0 */
    add_x(h, HPO_TRIAL_PRUNED, 0.1, -200.0); /* 1 */
    h->e[1].budget = 10.0;
    add_x(h, HPO_TRIAL_PRUNED, 0.1, NAN); /* 2 */
    for (int i = 0; i < 8; i++)
        add_x(h, HPO_TRIAL_COMPLETE, 0.1, 5.0 + i); /* 3..10 */
    size_t nb, na, nf;
    assert_int_equal(hpo__tpe_split(&h->h, 1.0, 0, below, &nb, above, &na, &nf), 0);
    assert_int_equal(nf, 11);
    assert_int_equal(nb, 11);
    assert_int_equal(hpo__tpe_split(&h->h, 0.8, 0, below, &nb, above, &na, &nf), 0);
    assert_int_equal(nb, 9); /* ceil(8.8): the 8 complete, then pruned #1 (budget 10) */
    assert_int_equal(below[0], 1);
    assert_int_equal(below[1], 3);
    assert_int_equal(na, 2);
    assert_int_equal(above[0], 0);
    assert_int_equal(above[1], 2);
    hist_free(h);
    free(below);
    free(above);
}

/* 10^4 proposals on random histories of the mixed space are valid. */
static void test_valid_on_random_histories(void **state)
{
    (void)state;
    hpo_space *sp = mixed_space();
    hpo__sampler *r = make("random", sp, 7, NULL, 0);
    hpo_kv mv[3] = {{"multivariate", "true"}, {"constant_liar", "true"}, {"n_startup_trials", "0"}};
    hpo_kv ep[3] = {{"consider_endpoints", "true"},
                    {"consider_prior", "false"},
                    {"consider_magic_clip", "false"}};
    hpo_kv uw[2] = {{"weights", "uniform"}, {"n_ei_candidates", "3"}};
    hpo__sampler *ts[4] = {make("tpe", sp, 1, NULL, 0), make("tpe", sp, 2, mv, 3),
                           make("tpe", sp, 3, ep, 3), make("tpe", sp, 4, uw, 2)};
    hpo__rng rng;
    hpo__rng_seed(&rng, 99, 0);
    long long seq = 0;
    size_t count = 0;
    for (int hrep = 0; hrep < 50; hrep++) {
        hist *h = hist_new(hrep % 2 ? HPO_MAXIMIZE : HPO_MINIMIZE);
        size_t n = 10 + hpo__rng_below(&rng, 120);
        for (size_t i = 0; i < n; i++) {
            hpo__params p;
            propose("random", r, seq++, NULL, &p);
            double u = hpo__rng_uniform(&rng);
            hpo_trial_state st = u < 0.75   ? HPO_TRIAL_COMPLETE
                                 : u < 0.85 ? HPO_TRIAL_PRUNED
                                 : u < 0.93 ? HPO_TRIAL_FAILED
                                            : HPO_TRIAL_RUNNING;
            double v = st == HPO_TRIAL_COMPLETE || (st == HPO_TRIAL_PRUNED && u < 0.8)
                           ? hpo__rng_normal(&rng) * 10.0
                           : (double)NAN;
            /* duplicates of one value stress the bandwidths */
            if (hrep % 5 == 0 && i % 2) {
                hpo__params_free(&p);
                assert_int_equal(hpo__params_copy(&p, &h->p[0]), 0);
            }
            hist_add(h, st, v, &p);
        }
        for (int k = 0; k < 200; k++) {
            hpo__params p;
            propose("tpe", ts[k % 4], seq++, h, &p);
            check_mixed(&p);
            hpo__params_free(&p);
            count++;
        }
        hist_free(h);
    }
    assert_int_equal(count, 10000);
    for (int k = 0; k < 4; k++)
        destroy("tpe", ts[k]);
    destroy("random", r);
    hpo_space_destroy(sp);
}

/* With 30 complete trials where level "b" always has the best values, at
 * least 80% of 200 proposals pick "b". */
static void test_categorical_posterior(void **state)
{
    (void)state;
    hpo_space *sp = NULL;
    assert_int_equal(hpo_space_create(&sp), 0);
    hpo_value lv[3] = {S("a"), S("b"), S("c")};
    assert_int_equal(hpo_space_add_categorical(sp, "level", lv, 3), 0);
    assert_int_equal(hpo_space_add_float(sp, "x", 0.0, 1.0, 0), 0);
    assert_int_equal(hpo__space_resolve(sp), 0);
    for (int mv = 0; mv < 2; mv++) {
        hpo_kv o[1] = {{"multivariate", mv ? "true" : "false"}};
        hpo__sampler *t = make("tpe", sp, 5, o, 1);
        hist *h = hist_new(HPO_MINIMIZE);
        for (int i = 0; i < 30; i++) {
            hpo__params p = HPO__PARAMS_INIT;
            int lvl = i % 3;
            hpo_value x = {.type = HPO_VALUE_FLOAT, .u.f = (double)((i * 37) % 30) / 30.0};
            assert_int_equal(hpo__params_add(&p, "level", &lv[lvl]), 0);
            assert_int_equal(hpo__params_add(&p, "x", &x), 0);
            hist_add(h, HPO_TRIAL_COMPLETE, (lvl == 1 ? 0.0 : 10.0) + x.u.f, &p);
        }
        int nb = 0;
        for (long long seq = 30; seq < 230; seq++) {
            hpo__params p;
            propose("tpe", t, seq, h, &p);
            long i = hpo__params_find(&p, "level");
            nb += !strcmp(p.values[i].u.s, "b");
            hpo__params_free(&p);
        }
        assert_true(nb >= 160);
        hist_free(h);
        destroy("tpe", t);
    }
    hpo_space_destroy(sp);
}

/* Maximizing -f gives exactly the proposals of minimizing f. */
static void test_direction_mirror(void **state)
{
    (void)state;
    hpo_space *sp = mixed_space();
    hpo__sampler *r = make("random", sp, 11, NULL, 0);
    for (int mv = 0; mv < 2; mv++) {
        hpo_kv o[1] = {{"multivariate", mv ? "true" : "false"}};
        hpo__sampler *t = make("tpe", sp, 12, o, 1);
        hist *mn = hist_new(HPO_MINIMIZE), *mx = hist_new(HPO_MAXIMIZE);
        for (long long i = 0; i < 60; i++) {
            hpo__params p, q;
            propose("random", r, i, NULL, &p);
            assert_int_equal(hpo__params_copy(&q, &p), 0);
            double v = get_f(&p, "dropout") * 3.0 + log(get_f(&p, "lr"));
            hist_add(mn, HPO_TRIAL_COMPLETE, v, &p);
            hist_add(mx, HPO_TRIAL_COMPLETE, -v, &q);
        }
        int differ_from_flip = 0;
        hist *flip = hist_new(HPO_MAXIMIZE); /* same values, wrong direction */
        for (size_t i = 0; i < mn->n; i++) {
            hpo__params q;
            assert_int_equal(hpo__params_copy(&q, &mn->p[i]), 0);
            hist_add(flip, HPO_TRIAL_COMPLETE, mn->e[i].value, &q);
        }
        for (long long seq = 60; seq < 100; seq++) {
            hpo__params a, b, c;
            propose("tpe", t, seq, mn, &a);
            propose("tpe", t, seq, mx, &b);
            propose("tpe", t, seq, flip, &c);
            assert_true(hpo__params_equal(&a, &b));
            differ_from_flip += !hpo__params_equal(&a, &c);
            hpo__params_free(&a);
            hpo__params_free(&b);
            hpo__params_free(&c);
        }
        assert_true(differ_from_flip >= 30);
        hist_free(mn);
        hist_free(mx);
        hist_free(flip);
        destroy("tpe", t);
    }
    destroy("random", r);
    hpo_space_destroy(sp);
}

/* Running trials near the optimum: the constant liar proposes near them less. */
static void test_constant_liar(void **state)
{
    (void)state;
    hpo_space *sp = NULL;
    assert_int_equal(hpo_space_create(&sp), 0);
    assert_int_equal(hpo_space_add_float(sp, "x", 0.0, 1.0, 0), 0);
    assert_int_equal(hpo__space_resolve(sp), 0);
    hist *h = hist_new(HPO_MINIMIZE);
    for (int i = 0; i < 30; i++) {
        double x = (double)((i * 13) % 30) / 29.0;
        add_x(h, HPO_TRIAL_COMPLETE, x, (x - 0.5) * (x - 0.5));
    }
    for (int i = 0; i < 8; i++)
        add_x(h, HPO_TRIAL_RUNNING, 0.48 + 0.005 * i, NAN);
    int near[2] = {0, 0};
    for (int cl = 0; cl < 2; cl++) {
        hpo_kv o[1] = {{"constant_liar", cl ? "true" : "false"}};
        for (uint64_t seed = 0; seed < 4; seed++) {
            hpo__sampler *t = make("tpe", sp, seed, o, 1);
            for (long long seq = 0; seq < 100; seq++) {
                hpo__params p;
                propose("tpe", t, seq, h, &p);
                near[cl] += fabs(get_f(&p, "x") - 0.5) < 0.03;
                hpo__params_free(&p);
            }
            destroy("tpe", t);
        }
    }
    print_message("near the pending points: %d without, %d with the constant liar\n", near[0],
                  near[1]);
    assert_true(near[1] * 2 < near[0]);
    hist_free(h);
    hpo_space_destroy(sp);
}

static void test_reproducible(void **state)
{
    (void)state;
    hpo_space *sp = mixed_space();
    hpo__sampler *r = make("random", sp, 3, NULL, 0);
    hist *h = hist_new(HPO_MINIMIZE);
    for (long long i = 0; i < 40; i++) {
        hpo__params p;
        propose("random", r, i, NULL, &p);
        hist_add(h, HPO_TRIAL_COMPLETE, get_f(&p, "dropout"), &p);
    }
    for (int mv = 0; mv < 2; mv++) {
        hpo_kv o[1] = {{"multivariate", mv ? "true" : "false"}};
        hpo__sampler *t1 = make("tpe", sp, 8, o, 1), *t2 = make("tpe", sp, 8, o, 1);
        hpo__sampler *t3 = make("tpe", sp, 9, o, 1);
        int diff_seq = 0, diff_seed = 0;
        hpo__params prev = HPO__PARAMS_INIT;
        for (long long seq = 40; seq < 60; seq++) {
            hpo__params a, b, c;
            propose("tpe", t1, seq, h, &a);
            propose("tpe", t2, seq, h, &b);
            propose("tpe", t3, seq, h, &c);
            assert_true(hpo__params_equal(&a, &b));
            diff_seed += !hpo__params_equal(&a, &c);
            diff_seq += !hpo__params_equal(&a, &prev);
            hpo__params_free(&prev);
            prev = a;
            hpo__params_free(&b);
            hpo__params_free(&c);
        }
        hpo__params_free(&prev);
        assert_true(diff_seq >= 15 && diff_seed >= 15);
        destroy("tpe", t1);
        destroy("tpe", t2);
        destroy("tpe", t3);
    }
    hist_free(h);
    destroy("random", r);
    hpo_space_destroy(sp);
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Best value after a 60-trial loop of propose -> evaluate -> append. */
static double run_loop(const char *name, const hpo_space *sp, uint64_t seed, const hpo_kv *o,
                       size_t no)
{
    hpo__sampler *s = make(name, sp, seed, o, no);
    hist *h = hist_new(HPO_MINIMIZE);
    double best = INFINITY;
    for (long long seq = 0; seq < 60; seq++) {
        hpo__params p;
        propose(name, s, seq, h, &p);
        double v = branin_like(&p);
        best = fmin(best, v);
        hist_add(h, HPO_TRIAL_COMPLETE, v, &p);
    }
    hist_free(h);
    destroy(name, s);
    return best;
}

/* On f(x,y) = (x-0.3)^2 + (y+0.2)^2 over [-1,1]^2, 60 trials, 20 seeds:
 * Optuna 3.1.0 measured once (/usr/bin/python3, seeds 0..19): median best
 * TPESampler 0.00102 (worst 0.0107), multivariate 0.00179 (worst 0.0042),
 * RandomSampler 0.0177 (worst 0.0554). This code, seeds 0..19: TPE 0.0020,
 * multivariate 0.0012, random 0.0080 (a different RNG). The checks: TPE's
 * median below random's and below 0.01 (5x margin over Optuna's). */
static void test_convergence(void **state)
{
    (void)state;
    hpo_space *sp = xy_space();
    double bt[20], bm[20], br[20];
    hpo_kv mv[1] = {{"multivariate", "true"}};
    for (uint64_t seed = 0; seed < 20; seed++) {
        bt[seed] = run_loop("tpe", sp, seed, NULL, 0);
        bm[seed] = run_loop("tpe", sp, seed, mv, 1);
        br[seed] = run_loop("random", sp, seed, NULL, 0);
    }
    qsort(bt, 20, sizeof *bt, cmp_dbl);
    qsort(bm, 20, sizeof *bm, cmp_dbl);
    qsort(br, 20, sizeof *br, cmp_dbl);
    double mt = 0.5 * (bt[9] + bt[10]), mm = 0.5 * (bm[9] + bm[10]), mr = 0.5 * (br[9] + br[10]);
    print_message("median best: tpe %g, tpe multivariate %g, random %g\n", mt, mm, mr);
    assert_true(mt < mr);
    assert_true(mm < mr);
    assert_true(mt < 0.01);
    assert_true(mm < 0.01);
    hpo_space_destroy(sp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_startup_is_random),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_density_vs_naive),
        cmocka_unit_test(test_valid_on_random_histories),
        cmocka_unit_test(test_categorical_posterior),
        cmocka_unit_test(test_direction_mirror),
        cmocka_unit_test(test_constant_liar),
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_convergence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
