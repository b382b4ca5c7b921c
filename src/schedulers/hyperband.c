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
 *
 * The scheduler `hyperband` (hpo__hyperband_scheduler_ops, after the plan
 * code) runs those plans over the study's trials. Bracket instances k = 0, 1,
 * 2, ... are numbered in opening order (the trial's `bracket`); instance k
 * runs plan bracket k % B (most aggressive first) in iteration k / B; round r
 * of instance k is the trials with bracket k and rung r.
 *  - variant keras (default) is KerasTuner 1.4's HyperbandOracle state
 *    machine (semantics-notes.md 2.2), rebuilt from the trials at each call:
 *    an instance is open while its last round has fewer than size trials
 *    (finished or not); for each open instance in order, round 0 is filled
 *    with new configurations, else round r takes the best not yet promoted
 *    COMPLETE trial of round r-1 (ties: the earliest) as soon as more of them
 *    are ready than round r-1 will drop; when nothing can run the next
 *    instance opens (so parallel workers get round-0 trials of later
 *    brackets) until iterations * B instances exist (iterations 0: forever).
 *    Promoted trials continue from their parent's epochs (initial_epoch).
 *    A failed trial is never promoted: a round that cannot fill leaves its
 *    instance open and short, as in KerasTuner. Deviation: when the sampler
 *    or n_trials is exhausted, KerasTuner stops at once; we skip round 0 and
 *    still run the promotions the existing trials allow, then WAIT/DONE.
 *  - variant li is Li et al.'s Algorithm 1 with the same instance
 *    bookkeeping, but synchronous successive halving inside an instance:
 *    round r starts only when every trial of round r-1 has finished, and then
 *    takes the top n_r COMPLETE trials of round r-1 (best first, ties the
 *    earliest; failed trials are never promoted, so a round may be short).
 *    Budgets r_i may be fractional and are kept as doubles; budget_start is 0
 *    (Algorithm 1 evaluates each round with r_i resources, no continuation).
 * Invariants: next_job is a pure function of (options, rows); rows with
 * `lost` set are skipped; a trial is promoted at most once. Costs per call:
 * O(n log n) time, O(n) memory, n = trials of the study.
 */
#include "schedulers/hyperband.h"
#include "schedulers/scheduler.h"
#include "util/util.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- the scheduler `hyperband` (see the header comment) */

extern const hpo__scheduler_ops hpo__hyperband_scheduler_ops;

enum { HB_KERAS = 0, HB_LI = 1 };

struct hpo__scheduler {
    hpo__hb_plan plan;
    int variant;
    double max_epochs, factor;
    long long iterations; /* 0: forever */
    char *resource;
    hpo_direction direction;
};

static const char *const hb_options[] = {
    "variant",    "max_epochs",           "R",        "max_budget", "factor", "eta",
    "iterations", "hyperband_iterations", "resource", NULL};

static int hb_create(hpo__scheduler **out, const hpo__scheduler_config *cfg)
{
    if (!out || !cfg)
        return hpo__err(HPO_EINVAL, "scheduler hyperband: no configuration");
    int rc = hpo__scheduler_check_options(&hpo__hyperband_scheduler_ops, cfg);
    if (rc)
        return rc;
    static const char *const n_max[] = {"max_epochs", "R", "max_budget", NULL};
    static const char *const n_factor[] = {"factor", "eta", NULL};
    static const char *const n_iter[] = {"iterations", "hyperband_iterations", NULL};
    const char *k_max, *v_max, *k_factor, *v_factor, *k_iter, *v_iter;
    if ((rc = hpo__scheduler_alias(cfg, "hyperband", n_max, &k_max, &v_max)) ||
        (rc = hpo__scheduler_alias(cfg, "hyperband", n_factor, &k_factor, &v_factor)) ||
        (rc = hpo__scheduler_alias(cfg, "hyperband", n_iter, &k_iter, &v_iter)))
        return rc;

    int variant;
    const char *v = hpo__scheduler_option(cfg, "variant");
    if (!v || strcmp(v, "keras") == 0)
        variant = HB_KERAS;
    else if (strcmp(v, "li") == 0)
        variant = HB_LI;
    else
        return hpo__err(HPO_EINVAL, "scheduler hyperband: variant: expected keras or li, got '%s'",
                        v);

    if (!v_max)
        return hpo__err(HPO_EINVAL,
                        "scheduler hyperband: max_epochs: required (the R of Li et al.)");
    double R;
    long long Ri = 0;
    if (variant == HB_KERAS) {
        if (hpo__parse_ll(v_max, &Ri) != 0 || Ri < 1)
            return hpo__err(HPO_EINVAL,
                            "scheduler hyperband: %s: expected an integer >= 1 (epochs), got '%s'",
                            k_max, v_max);
        R = (double)Ri;
    } else if (hpo__parse_double(v_max, &R) != 0 || !isfinite(R) || !(R >= 1.0)) {
        return hpo__err(HPO_EINVAL, "scheduler hyperband: %s: expected a number >= 1, got '%s'",
                        k_max, v_max);
    }

    double f = 3.0;
    if (v_factor && (hpo__parse_double(v_factor, &f) != 0 || !isfinite(f)))
        return hpo__err(HPO_EINVAL, "scheduler hyperband: %s: expected a number, got '%s'",
                        k_factor, v_factor);
    if (variant == HB_KERAS && !(f >= 2.0))
        return hpo__err(HPO_EINVAL, "scheduler hyperband: %s: must be >= 2 (KerasTuner), got %g",
                        k_factor, f);
    if (variant == HB_LI && !(f > 1.0))
        return hpo__err(HPO_EINVAL, "scheduler hyperband: %s: must be > 1, got %g", k_factor, f);

    long long iters = 1;
    if (v_iter && (hpo__parse_ll(v_iter, &iters) != 0 || iters < 0))
        return hpo__err(HPO_EINVAL,
                        "scheduler hyperband: %s: expected an integer >= 0 (0 = repeat forever), "
                        "got '%s'",
                        k_iter, v_iter);

    const char *resource = hpo__scheduler_option(cfg, "resource");
    if (!resource)
        resource = "epochs";

    hpo__scheduler *s = hpo__calloc(1, sizeof *s);
    if (!s)
        return hpo__enomem();
    rc =
        variant == HB_KERAS ? hpo__hb_plan_keras(Ri, f, &s->plan) : hpo__hb_plan_li(R, f, &s->plan);
    if (rc) {
        hpo__free(s);
        const char *m = hpo_errmsg();
        if (m && strncmp(m, "hyperband: ", 11) == 0)
            m += 11;
        return hpo__err(rc, "scheduler hyperband: %s", m ? m : "invalid schedule");
    }
    s->resource = hpo__strdup(resource);
    if (!s->resource) {
        hpo__free(s);
        return hpo__enomem();
    }
    s->variant = variant;
    s->max_epochs = R;
    s->factor = f;
    s->iterations = iters;
    s->direction = cfg->direction;
    if (iters > 0 && (iters > (1LL << 40) / s->plan.n_brackets)) {
        hpo__free(s->resource);
        hpo__free(s);
        return hpo__err(HPO_EINVAL, "scheduler hyperband: %s: %lld is too many", k_iter, iters);
    }
    *out = s;
    return 0;
}

static void hb_destroy(hpo__scheduler *s)
{
    if (!s)
        return;
    hpo__free(s->resource);
    hpo__free(s);
}

typedef struct hb_ent {
    int bracket, rung;
    size_t row; /* index in the view; rows are in number order */
} hb_ent;

static int hb_ent_cmp(const void *pa, const void *pb)
{
    const hb_ent *a = pa, *b = pb;
    if (a->bracket != b->bracket)
        return a->bracket < b->bracket ? -1 : 1;
    if (a->rung != b->rung)
        return a->rung < b->rung ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

/* A trial to rank: key = its value, negated when maximizing (smaller is
 * better), NaN for a trial with no score. */
typedef struct hb_rank {
    double key;
    size_t row;
} hb_rank;

/* Best first, NaN last, ties by row (= by number). */
static int hb_rank_cmp(const void *pa, const void *pb)
{
    const hb_rank *a = pa, *b = pb;
    int na = isnan(a->key), nb = isnan(b->key);
    if (na != nb)
        return na - nb;
    if (!na && a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

static hb_rank hb_rank_of(const hpo__sched_view *v, hpo_direction dir, size_t row)
{
    const hpo__trial_row *r = &v->rows[row];
    double x = r->state == HPO_TRIAL_COMPLETE ? r->value : (double)NAN;
    return (hb_rank){.key = dir == HPO_MAXIMIZE ? -x : x, .row = row};
}

/* The job instance k (its trials ent[0..n), sorted by rung then number) can
 * run now, if any: 1 and *out set, else 0. `promoted` marks rows continued by
 * another; `rank` is scratch of n entries. */
static int hb_instance_job(const hpo__scheduler *s, const hpo__sched_view *v, int k,
                           const hb_ent *ent, size_t n, const char *promoted, hb_rank *rank,
                           hpo__job *out)
{
    const hpo__hb_bracket *b = &s->plan.brackets[k % s->plan.n_brackets];
    const int last = b->s;
    size_t start[HPO__HB_MAX_BRACKETS + 1], cnt[HPO__HB_MAX_BRACKETS] = {0};
    for (size_t i = 0; i < n; i++)
        if (ent[i].rung <= last)
            cnt[ent[i].rung]++;
    start[0] = 0;
    for (int r = 0; r <= last; r++)
        start[r + 1] = start[r] + cnt[r];
    /* ent is sorted by rung, and rungs > last sort after the valid ones */
    if (s->variant == HB_KERAS && cnt[last] >= (size_t)b->rounds[last].n_trials)
        return 0; /* closed: its last round is full */
    if (cnt[0] < (size_t)b->rounds[0].n_trials && hpo__sched_can_new(v)) {
        hpo__sched_job(out, HPO__JOB_NEW, k, 0, b->rounds[0].resource, 0.0, -1);
        return 1;
    }
    for (int r = 1; r <= last; r++) {
        const hb_ent *prev = ent + start[r - 1];
        const size_t n_prev = cnt[r - 1];
        size_t m = 0;
        if (s->variant == HB_KERAS) {
            /* COMPLETE trials of round r-1 not yet promoted */
            for (size_t i = 0; i < n_prev; i++)
                if (v->rows[prev[i].row].state == HPO_TRIAL_COMPLETE && !promoted[prev[i].row])
                    rank[m++] = hb_rank_of(v, s->direction, prev[i].row);
            if ((long long)m <= b->rounds[r - 1].n_trials - b->rounds[r].n_trials)
                continue;
            qsort(rank, m, sizeof *rank, hb_rank_cmp);
        } else {
            int running = 0;
            for (size_t i = 0; i < n_prev; i++) {
                const hpo__trial_row *row = &v->rows[prev[i].row];
                if (row->state == HPO_TRIAL_RUNNING)
                    running = 1;
                else if (row->state == HPO_TRIAL_COMPLETE)
                    rank[m++] = hb_rank_of(v, s->direction, prev[i].row);
            }
            if (running)
                return 0; /* synchronous: round r waits for all of round r-1 */
            size_t target = (size_t)b->rounds[r].n_trials;
            if (target > m)
                target = m; /* failed trials are not promoted */
            if (cnt[r] >= target)
                continue;
            qsort(rank, m, sizeof *rank, hb_rank_cmp);
            rank[0] = rank[cnt[r]]; /* the m-th claim takes the m-th best */
        }
        hpo__sched_job(out, HPO__JOB_PROMOTE, k, r, b->rounds[r].resource, b->rounds[r].initial,
                       v->rows[rank[0].row].number);
        return 1;
    }
    return 0;
}

static int hb_next_job(hpo__scheduler *s, const hpo__sched_view *v, hpo__job *out)
{
    if (!s || !v || !out || (v->n && !v->rows))
        return hpo__err(HPO_EINVAL, "scheduler hyperband: next_job: missing arguments");
    const int B = s->plan.n_brackets;
    size_t n = v->n ? v->n : 1;
    hb_ent *ent = hpo__malloc(n * sizeof *ent);
    hb_rank *rank = hpo__malloc(n * sizeof *rank);
    char *promoted = hpo__calloc(n, 1);
    int rc = 0;
    if (!ent || !rank || !promoted) {
        rc = hpo__enomem();
        goto done;
    }
    size_t n_ent = 0;
    long long k_max = -1;
    int running = 0;
    for (size_t i = 0; i < v->n; i++) {
        const hpo__trial_row *r = &v->rows[i];
        if (r->lost)
            continue;
        if (r->state == HPO_TRIAL_RUNNING)
            running = 1;
        if (r->parent >= 0) {
            size_t p = hpo__sched_find_row(v, r->parent);
            if (p != (size_t)-1)
                promoted[p] = 1;
        }
        if (r->bracket < 0 || r->rung < 0)
            continue;
        if ((size_t)r->bracket >= v->n) {
            /* instances open one at a time, each with a trial */
            rc = hpo__err(HPO_EINVAL,
                          "scheduler hyperband: trial %lld has bracket %d, beyond the %zu trials",
                          r->number, r->bracket, v->n);
            goto done;
        }
        ent[n_ent++] = (hb_ent){.bracket = r->bracket, .rung = r->rung, .row = i};
        if (r->bracket > k_max)
            k_max = r->bracket;
    }
    qsort(ent, n_ent, sizeof *ent, hb_ent_cmp);
    for (size_t i = 0; i < n_ent;) {
        size_t j = i;
        while (j < n_ent && ent[j].bracket == ent[i].bracket)
            j++;
        if (hb_instance_job(s, v, ent[i].bracket, ent + i, j - i, promoted, rank, out))
            goto done;
        i = j;
    }
    /* nothing to run in the open instances: open the next one */
    if (s->iterations > 0 && k_max >= s->iterations * B - 1) {
        hpo__sched_job(out, running ? HPO__JOB_WAIT : HPO__JOB_DONE, -1, -1, (double)NAN, 0.0, -1);
    } else if (hpo__sched_can_new(v)) {
        if (k_max + 1 > 0x7fffffffLL) {
            rc = hpo__err(HPO_EINVAL, "scheduler hyperband: too many bracket instances");
            goto done;
        }
        int k = (int)(k_max + 1);
        hpo__sched_job(out, HPO__JOB_NEW, k, 0, s->plan.brackets[k % B].rounds[0].resource, 0.0,
                       -1);
    } else {
        hpo__sched_job(out, running ? HPO__JOB_WAIT : HPO__JOB_DONE, -1, -1, (double)NAN, 0.0, -1);
    }
done:
    hpo__free(ent);
    hpo__free(rank);
    hpo__free(promoted);
    return rc;
}

static int hb_plan_json(const hpo__scheduler *s, json_t **out)
{
    const hpo__hb_plan *p = &s->plan;
    int bad = 0;
    json_t *o = json_object(), *brs = json_array();
    if (!o || !brs) {
        json_decref(o);
        json_decref(brs);
        return hpo__enomem();
    }
    long long trials = 0, configs = 0;
    for (int k = 0; k < p->n_brackets && !bad; k++) {
        const hpo__hb_bracket *b = &p->brackets[k];
        json_t *e = json_object();
        if (!e || json_array_append_new(brs, e) != 0) {
            bad = 1;
            break;
        }
        json_t *rounds = json_array();
        if (!rounds) {
            bad = 1;
            break;
        }
        hpo__sched_json_set(e, "bracket", json_integer(b->s), &bad);
        configs += b->rounds[0].n_trials;
        for (int r = 0; r <= b->s; r++) {
            const hpo__hb_round *rd = &b->rounds[r];
            trials += rd->n_trials;
            json_t *x = json_object();
            if (!x || json_array_append_new(rounds, x) != 0) {
                bad = 1;
                break;
            }
            hpo__sched_json_set(x, "round", json_integer(r), &bad);
            hpo__sched_json_set(x, "n_trials", json_integer((json_int_t)rd->n_trials), &bad);
            hpo__sched_json_set(x, "budget", hpo__sched_json_num(rd->resource), &bad);
            hpo__sched_json_set(x, "budget_start", hpo__sched_json_num(rd->initial), &bad);
        }
        hpo__sched_json_set(e, "rounds", rounds, &bad);
    }
    hpo__sched_json_set(o, "name", json_string("hyperband"), &bad);
    hpo__sched_json_set(o, "variant", json_string(s->variant == HB_KERAS ? "keras" : "li"), &bad);
    hpo__sched_json_set(o, "max_epochs", hpo__sched_json_num(s->max_epochs), &bad);
    hpo__sched_json_set(o, "factor", hpo__sched_json_num(s->factor), &bad);
    hpo__sched_json_set(o, "iterations", json_integer((json_int_t)s->iterations), &bad);
    hpo__sched_json_set(o, "resource", json_string(s->resource), &bad);
    hpo__sched_json_set(o, "n_brackets", json_integer(p->n_brackets), &bad);
    /* trials = rows created in one sweep (promotions included); configurations
     * = new ones; resource = what one sweep trains (KerasTuner: promoted trials
     * continue; Li: each round from scratch) */
    hpo__sched_json_set(o, "trials_per_iteration", json_integer((json_int_t)trials), &bad);
    hpo__sched_json_set(o, "configurations_per_iteration", json_integer((json_int_t)configs), &bad);
    hpo__sched_json_set(o, "resource_per_iteration", hpo__sched_json_num(p->total_resource), &bad);
    hpo__sched_json_set(o, "brackets", brs, &bad);
    if (bad) {
        json_decref(o);
        return hpo__enomem();
    }
    *out = o;
    return 0;
}

static long long hb_n_configurations(const hpo__scheduler *s)
{
    if (s->iterations <= 0)
        return -1;
    long long per = 0;
    for (int k = 0; k < s->plan.n_brackets; k++)
        per += s->plan.brackets[k].rounds[0].n_trials;
    return s->iterations * per;
}

const hpo__scheduler_ops hpo__hyperband_scheduler_ops = {
    .version = HPO__SCHEDULER_OPS_VERSION,
    .name = "hyperband",
    .option_names = hb_options,
    .create = hb_create,
    .destroy = hb_destroy,
    .next_job = hb_next_job,
    .should_prune = NULL,
    .plan_json = hb_plan_json,
    .n_configurations = hb_n_configurations,
};
