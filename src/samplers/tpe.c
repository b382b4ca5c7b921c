/*
 * tpe.c -- the Tree-structured Parzen Estimator sampler, with the behaviour of
 * Optuna 3.1's TPESampler (single objective, no constraints).
 *
 * Startup: while fewer than n_startup_trials trials are finished (complete or
 * pruned, as Optuna counts them), proposal seq is the random sampler's draw:
 * every parameter from hpo__param_sample in sorted-name order with the RNG
 * stream (seed, seq), inactive conditional parameters dropped.
 *
 * Afterwards the finished trials are ranked -- complete ones by value (negated
 * when maximizing), then pruned ones (larger budget first, then by value, no
 * value last), then, with constant_liar, running ones as worst -- and split
 * into "below" (the first min(ceil(gamma n), 25), n = finished trials) and
 * "above" (the rest); failed trials are ignored. Each group, in trial order,
 * gives a Parzen estimator: one component per observation weighted by
 * Optuna's default_weights ramp (or uniformly) plus a prior component
 * (weight prior_weight, centre of the range, sigma = the range). Parameters
 * live in an internal space: log params as log(x); ints widened by +-step/2
 * (log ints: log(low-0.5) .. log(high+0.5)) and scored by the Gaussian mass of
 * their lattice cell, as Optuna does; categoricals as the choice index with
 * smoothed one-hot rows (prior_weight / (m+1) on every level). Numerical
 * components are normals truncated to the range; in univariate mode their
 * sigma is the larger gap to the sorted neighbours (endpoints as Optuna's
 * consider_endpoints), clipped to [range / min(100, m+1), range] by the magic
 * clip. n_ei_candidates points are drawn from l (below) and the one with the
 * largest log l(x) - log g(x) is proposed.
 *
 * Multivariate (multivariate: true): the parameters active and valid in every
 * finished trial (Optuna's IntersectionSearchSpace, single-valued ones left
 * out) are drawn jointly: components share one weight over all of them, sigma
 * = 0.2 m^(-1/(d+4)) times the range (Scott's rule as BOHB), clipped as above.
 * The other (conditional) parameters fall back to univariate TPE over the
 * trials where they are active -- what Optuna's multivariate, group=False does.
 *
 * Deviation from Optuna 3.1: its truncated-normal log density omits the
 * -log(sigma) term (optuna issue #5109, fixed by PR #5110, Nov 2023); this code
 * uses the normalized density. Random numbers differ from numpy's, so the
 * proposals match Optuna's in distribution, not digit for digit.
 *
 * Costs: a radix sort per parameter; univariate densities keep components
 * sorted in blocks of 32 and skip blocks (and lattice cells, and exps) that
 * cannot come within 40 nats of the largest term, so a proposal at n = 1000
 * in 5-d costs ~0.3-0.5 ms; multivariate evaluates all n_ei (n + 1) d terms.
 * hpo__tpe_selfcheck compares the pruned densities with a plain sum. All
 * scratch memory is one allocation per proposal. Stateless: safe from many
 * threads.
 */
#include "samplers/tpe.h"

#include "core/space.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* defined at the end of this file; listed in registry.c */
extern const hpo__sampler_ops hpo__tpe_sampler_ops;

#define TPE_EPS 1e-12
#define LOG_SQRT_2PI 0.91893853320467274178
#define SQRT1_2 0.70710678118654752440
#define SKIP_NATS 40.0 /* terms below max - 40 nats: < 4e-18 of the sum each */

typedef struct tpe_opts {
    long long n_startup;
    long long n_ei;
    double gamma; /* fraction g of min(ceil(g n), 25) */
    double prior_weight;
    int consider_prior;
    int magic_clip;
    int endpoints;
    int multivariate;
    int constant_liar;
    int uniform_weights;
} tpe_opts;

typedef struct tpe_sampler {
    const hpo_space *space;
    const hpo__subspace *sub;
    uint64_t seed;
    tpe_opts o;
} tpe_sampler;

static const char *const tpe_options[] = {"n_startup_trials",
                                          "n_ei_candidates",
                                          "gamma",
                                          "prior_weight",
                                          "consider_prior",
                                          "consider_magic_clip",
                                          "consider_endpoints",
                                          "multivariate",
                                          "constant_liar",
                                          "weights",
                                          NULL};
static const char *const tpe_weight_names[] = {"default", "uniform", NULL};

/* ------------------------------------------------------------ normal helpers */

static double norm_cdf(double z)
{
    return 0.5 * erfc(-z * SQRT1_2);
}

/* log Phi(z) for z <= 0 (asymptotic series in the far tail). */
static double log_norm_cdf_left(double z)
{
    if (z > -30.0)
        return log(0.5 * erfc(-z * SQRT1_2));
    double z2 = z * z;
    return -0.5 * z2 - log(-z) - LOG_SQRT_2PI + log1p(-1.0 / z2 + 3.0 / (z2 * z2));
}

/* log of the standard normal mass on [a, b], a <= b. */
static double log_gauss_mass(double a, double b)
{
    if (b <= 0.0) {
        double lb = log_norm_cdf_left(b), la = log_norm_cdf_left(a);
        return lb + log1p(-exp(la - lb));
    }
    if (a > 0.0)
        return log_gauss_mass(-b, -a);
    return log1p(-norm_cdf(a) - norm_cdf(-b));
}

/* log of the standard normal mass on [a, b] with a <= 0 <= b; tails beyond
 * 8.5 sigma (mass < 1e-17) count as nothing, which skips most erfc calls. */
static double log_trunc_mass(double a, double b)
{
    double pl = a < -8.5 ? 0.0 : norm_cdf(a), pu = b > 8.5 ? 0.0 : norm_cdf(-b);
    return pl + pu > 0.0 ? log1p(-pl - pu) : 0.0;
}

/* Phi^-1(p) for 0 < p <= 0.5: Abramowitz-Stegun 26.2.23 as the start, then
 * two Halley steps on erfc (relative error near machine precision). */
static double norm_ppf_left(double p)
{
    double t = sqrt(-2.0 * log(p));
    double x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) /
                         (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
    for (int it = 0; it < 2; it++) {
        double e = norm_cdf(x) - p;
        double u = e * exp(0.5 * x * x + LOG_SQRT_2PI);
        x -= u / (1.0 + 0.5 * x * u);
    }
    return x;
}

/* A draw from N(mu, s^2) truncated to [low, high], mu inside (so a <= 0 <= b),
 * by inversion working in the smaller tail. */
static double truncnorm_draw(hpo__rng *rng, double mu, double s, double low, double high)
{
    double a = (low - mu) / s, b = (high - mu) / s;
    double pl = norm_cdf(a), pu = norm_cdf(-b);
    double mass = 1.0 - pl - pu;
    double u = hpo__rng_uniform(rng);
    double p = pl + u * mass, z;
    if (p <= 0.5) {
        z = p > 0.0 ? norm_ppf_left(p) : a;
    } else {
        double q = pu + (1.0 - u) * mass;
        z = q > 0.0 ? -norm_ppf_left(q > 0.5 ? 0.5 : q) : b;
    }
    if (z < a)
        z = a;
    if (z > b)
        z = b;
    double x = mu + s * z;
    return x < low ? low : x > high ? high : x;
}

/* ------------------------------------------------------------ parameters */

/* A parameter in the estimator's internal space. */
typedef struct pinfo {
    const hpo__param *p;
    size_t idx;       /* index in the sub-space */
    double low, high; /* internal bounds */
    double q;         /* lattice step for non-log ints, else 0 */
    long long ihi;    /* last lattice point (ints) */
    int single;       /* only one possible value */
} pinfo;

static void pinfo_init(pinfo *pi, const hpo__param *p, size_t idx)
{
    memset(pi, 0, sizeof *pi);
    pi->p = p;
    pi->idx = idx;
    switch (p->kind) {
    case HPO__PARAM_FLOAT:
        pi->low = p->log ? log(p->low) : p->low;
        pi->high = p->log ? log(p->high) : p->high;
        pi->single = !(p->high > p->low);
        break;
    case HPO__PARAM_INT: {
        unsigned long long span = (unsigned long long)(p->ihigh - p->ilow);
        pi->ihi =
            p->ilow + (long long)(span / (unsigned long long)p->step * (unsigned long long)p->step);
        if (p->log) {
            pi->low = log((double)p->ilow - 0.5);
            pi->high = log((double)pi->ihi + 0.5);
        } else {
            pi->q = (double)p->step;
            pi->low = (double)p->ilow - 0.5 * pi->q;
            pi->high = (double)pi->ihi + 0.5 * pi->q;
        }
        pi->single = pi->ihi == p->ilow;
        break;
    }
    case HPO__PARAM_CATEGORICAL:
        pi->low = 0;
        pi->high = (double)p->n_choices;
        pi->single = p->n_choices <= 1;
        break;
    }
}

/* The internal coordinate of a trial's value, NaN when absent or invalid. */
static double to_internal(const pinfo *pi, const hpo_value *v)
{
    const hpo__param *p = pi->p;
    double x;
    switch (p->kind) {
    case HPO__PARAM_FLOAT:
        if (v->type == HPO_VALUE_FLOAT)
            x = v->u.f;
        else if (v->type == HPO_VALUE_INT)
            x = (double)v->u.i;
        else
            return NAN;
        if (!(x >= p->low && x <= p->high))
            return NAN;
        return p->log ? log(x) : x;
    case HPO__PARAM_INT:
        if (v->type == HPO_VALUE_INT)
            x = (double)v->u.i;
        else if (v->type == HPO_VALUE_FLOAT && v->u.f == floor(v->u.f))
            x = v->u.f;
        else
            return NAN;
        if (!(x >= (double)p->ilow && x <= (double)pi->ihi))
            return NAN;
        return p->log ? log(x) : x;
    case HPO__PARAM_CATEGORICAL:
        for (size_t c = 0; c < p->n_choices; c++)
            if (hpo__value_equal(&p->choices[c], v))
                return (double)c;
        return NAN;
    }
    return NAN;
}

/* Snap an internal coordinate to a value of the parameter; returns the
 * snapped internal coordinate (what the densities score). */
static double from_internal(const pinfo *pi, double x, hpo_value *out)
{
    const hpo__param *p = pi->p;
    switch (p->kind) {
    case HPO__PARAM_FLOAT: {
        double v = p->log ? exp(x) : x;
        v = v < p->low ? p->low : v > p->high ? p->high : v;
        out->type = HPO_VALUE_FLOAT;
        out->u.f = v;
        return p->log ? log(v) : v;
    }
    case HPO__PARAM_INT: {
        long long v;
        if (p->log) {
            double r = floor(exp(x) + 0.5);
            v = r <= (double)p->ilow ? p->ilow : r >= (double)pi->ihi ? pi->ihi : (long long)r;
        } else {
            double k = floor((x - (double)p->ilow) / pi->q + 0.5);
            double kmax = (double)((pi->ihi - p->ilow) / p->step);
            k = k < 0 ? 0 : k > kmax ? kmax : k;
            v = p->ilow + (long long)k * p->step;
        }
        out->type = HPO_VALUE_INT;
        out->u.i = v;
        return p->log ? log((double)v) : (double)v;
    }
    case HPO__PARAM_CATEGORICAL: {
        size_t c = (size_t)x;
        if (c >= p->n_choices)
            c = p->n_choices - 1;
        *out = p->choices[c];
        return (double)c;
    }
    }
    return x;
}

/* ------------------------------------------------------------ observations */

size_t hpo__tpe_gamma(double g, size_t n)
{
    double b = ceil(g * (double)n);
    size_t nb = b < 25.0 ? (size_t)b : 25;
    return nb < n ? nb : n;
}

typedef struct obs_key {
    int cls;     /* 0 complete, 1 pruned, 2 running */
    double step; /* pruned: -budget (larger budget first) */
    double v;    /* signed value, +inf when missing */
    size_t idx;  /* history index */
} obs_key;

static int cmp_double(double a, double b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

static int obs_key_cmp(const void *pa, const void *pb)
{
    const obs_key *a = pa, *b = pb;
    int c;
    if (a->cls != b->cls)
        return a->cls < b->cls ? -1 : 1;
    if ((c = cmp_double(a->step, b->step)) != 0)
        return c;
    if ((c = cmp_double(a->v, b->v)) != 0)
        return c;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Ranks the usable entries into keys[] (room for history->n); returns the
 * count and the number of finished entries. */
static size_t rank_history(const hpo__history *h, int constant_liar, double budget, obs_key *keys,
                           size_t *n_finished)
{
    size_t m = 0, nf = 0;
    double sign = h->direction == HPO_MAXIMIZE ? -1.0 : 1.0;
    for (size_t i = 0; i < h->n; i++) {
        const hpo__history_entry *e = &h->entries[i];
        obs_key k = {.idx = i, .step = 0.0, .v = INFINITY};
        if (!e->params)
            continue;
        /* BOHB: with a model budget, only the trials of that budget count */
        if (isfinite(budget) && e->state != HPO_TRIAL_RUNNING && e->budget != budget)
            continue;
        if (e->state == HPO_TRIAL_COMPLETE) {
            k.cls = 0;
        } else if (e->state == HPO_TRIAL_PRUNED) {
            k.cls = 1;
            k.step = isnan(e->budget) ? (e->rung >= 0 ? -(double)e->rung : 0.0) : -e->budget;
        } else if (e->state == HPO_TRIAL_RUNNING && constant_liar) {
            k.cls = 2;
        } else {
            continue;
        }
        if (k.cls < 2) {
            if (!isnan(e->value))
                k.v = sign * e->value;
            nf++;
        }
        keys[m++] = k;
    }
    qsort(keys, m, sizeof *keys, obs_key_cmp);
    *n_finished = nf;
    return m;
}

int hpo__tpe_split(const hpo__history *history, double g, int constant_liar, size_t *below,
                   size_t *n_below, size_t *above, size_t *n_above, size_t *n_finished)
{
    if (!history || !below || !above || !n_below || !n_above || !n_finished)
        return hpo__err(HPO_EINVAL, "hpo__tpe_split: arguments are required");
    obs_key *keys = hpo__malloc((history->n ? history->n : 1) * sizeof *keys);
    unsigned char *flag = hpo__calloc(history->n ? history->n : 1, 1);
    if (!keys || !flag) {
        hpo__free(keys);
        hpo__free(flag);
        return hpo__enomem();
    }
    size_t nf, m = rank_history(history, constant_liar, (double)NAN, keys, &nf);
    size_t nb = hpo__tpe_gamma(g, nf);
    for (size_t i = 0; i < m; i++)
        flag[keys[i].idx] = i < nb ? 1 : 2;
    size_t b = 0, a = 0;
    for (size_t i = 0; i < history->n; i++) {
        if (flag[i] == 1)
            below[b++] = i;
        else if (flag[i] == 2)
            above[a++] = i;
    }
    *n_below = b;
    *n_above = a;
    *n_finished = nf;
    hpo__free(keys);
    hpo__free(flag);
    return 0;
}

/* ------------------------------------------------------------ Parzen estimator */

/* A mixture over d dimensions with m components (observations, then the
 * prior when present). Per (dimension j, component k) at [j * cap + k]. */
typedef struct pe {
    size_t d, m, cap;
    int has_prior;
    const pinfo *const *dims;
    double *logw; /* log normalized weight */
    double *cum;  /* cumulative weights for sampling */
    double *mu;   /* internal centre; categorical: level index (prior: -1) */
    double *sig;
    double *lsig; /* log sigma */
    double *lz;   /* log truncation mass */
    double *isig; /* 1 / sigma */
    double *c;    /* continuous: -log sigma - log Z - log sqrt(2 pi); lattice: -log Z */
    double *cat;  /* per dimension: log hit, log miss, log prior, 1/Z */
    double *a;    /* scratch, m */
    double *b;    /* scratch, m */
    double *wc;   /* d == 1: log w + c */
    /* sorted (univariate numerical) only: blocks of BLK components with the
     * first and last centre, the largest sigma and the largest log w + c
     * (plus the best case of the lattice bound), to skip far blocks */
    size_t nblk;
    double *bfirst, *blast, *bsmax, *bwmax;
} pe;

#define BLK 32

typedef struct sort_pair {
    uint64_t key; /* sort_key(mu) */
    size_t k;
} sort_pair;

/* Order-preserving unsigned key of a double (no NaN here), and back. */
static uint64_t sort_key(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return (b >> 63) ? ~b : b | 0x8000000000000000ULL;
}

static double sort_key_value(uint64_t key)
{
    uint64_t b = (key >> 63) ? key & 0x7FFFFFFFFFFFFFFFULL : ~key;
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

/* Sort by key, ties in input order: insertion sort when short, else a stable
 * LSD radix sort on the key bytes, skipping bytes every key shares (tmp: room
 * for m pairs). */
static void sort_pairs(sort_pair *p, sort_pair *tmp, size_t m)
{
    if (m < 48) {
        for (size_t i = 1; i < m; i++) {
            sort_pair v = p[i];
            size_t j = i;
            while (j > 0 && p[j - 1].key > v.key) {
                p[j] = p[j - 1];
                j--;
            }
            p[j] = v;
        }
        return;
    }
    size_t count[8][256];
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < m; i++)
        for (unsigned byte = 0; byte < 8; byte++)
            count[byte][(p[i].key >> (8 * byte)) & 0xFF]++;
    sort_pair *src = p, *dst = tmp;
    for (unsigned byte = 0; byte < 8; byte++) {
        size_t *cnt = count[byte];
        unsigned shift = 8 * byte;
        if (cnt[(src[0].key >> shift) & 0xFF] == m)
            continue;
        size_t pos = 0;
        for (size_t b = 0; b < 256; b++) {
            size_t c = cnt[b];
            cnt[b] = pos;
            pos += c;
        }
        for (size_t i = 0; i < m; i++)
            dst[cnt[(src[i].key >> shift) & 0xFF]++] = src[i];
        sort_pair *t = src;
        src = dst;
        dst = t;
    }
    if (src != p)
        memcpy(p, src, m * sizeof *p);
}

static double default_weight(size_t m, size_t i)
{
    if (m < 25 || i >= m - 25)
        return 1.0;
    size_t num = m - 25;
    double start = 1.0 / (double)m;
    if (num == 1)
        return start;
    return start + (double)i * ((1.0 - start) / (double)(num - 1));
}

/* Carve a pe for up to `cap` components and `d` dims out of `buf`; returns
 * the doubles used. */
static size_t pe_layout(pe *e, double *buf, size_t d, size_t cap)
{
    double *p = buf;
    e->cap = cap;
    e->logw = p, p += cap;
    e->cum = p, p += cap;
    e->a = p, p += cap;
    e->b = p, p += cap;
    e->wc = p, p += cap;
    size_t nb = cap / BLK + 2;
    e->bfirst = p, p += nb;
    e->blast = p, p += nb;
    e->bsmax = p, p += nb;
    e->bwmax = p, p += nb;
    e->mu = p, p += d * cap;
    e->sig = p, p += d * cap;
    e->lsig = p, p += d * cap;
    e->lz = p, p += d * cap;
    e->isig = p, p += d * cap;
    e->c = p, p += d * cap;
    e->cat = p, p += 4 * d;
    return (size_t)(p - buf);
}

static size_t pe_doubles(size_t d, size_t cap)
{
    return 5 * cap + 6 * d * cap + 4 * d + 4 * (cap / BLK + 2);
}

/* Build from rows[0..m_obs) of the observation matrix X (n_cols columns, in
 * trial order). univariate: neighbour bandwidths (d must be 1). */
static void pe_build(pe *e, const tpe_opts *o, const pinfo *const *dims, size_t d, const double *X,
                     size_t n_cols, const size_t *rows, size_t m_obs, int univariate,
                     sort_pair *pairs)
{
    e->d = d;
    e->dims = dims;
    e->has_prior = o->consider_prior || m_obs == 0;
    size_t m = m_obs + (size_t)e->has_prior;
    e->m = m;
    /* raw weights in trial order (prior last) into the scratch b */
    double *w = e->b, wsum = 0.0;
    for (size_t k = 0; k < m_obs; k++) {
        w[k] = o->uniform_weights ? 1.0 : default_weight(m_obs, k);
        wsum += w[k];
    }
    if (e->has_prior) {
        w[m_obs] = o->prior_weight;
        wsum += o->prior_weight;
    }
    /* A univariate numerical estimator keeps its components sorted by centre
     * (the mixture does not depend on their order): the neighbour bandwidths
     * come from that order and equal neighbours share work in pe_log_pdf. */
    int sorted = univariate && dims[0]->p->kind != HPO__PARAM_CATEGORICAL;
    for (size_t j = 0; j < d; j++) {
        const pinfo *pi = dims[j];
        double *mu = e->mu + j * e->cap;
        for (size_t k = 0; k < m_obs; k++)
            mu[k] = X[rows[k] * n_cols + pi->idx];
        if (e->has_prior)
            mu[m_obs] = pi->p->kind == HPO__PARAM_CATEGORICAL ? -1.0 : 0.5 * (pi->low + pi->high);
    }
    if (sorted) {
        double *mu = e->mu;
        for (size_t k = 0; k < m; k++)
            pairs[k] = (sort_pair){sort_key(mu[k]), k};
        sort_pairs(pairs, pairs + e->cap, m);
        for (size_t i = 0; i < m; i++) {
            mu[i] = sort_key_value(pairs[i].key);
            e->logw[i] = w[pairs[i].k];
        }
    } else {
        memcpy(e->logw, w, m * sizeof *w);
    }
    double c = 0.0;
    for (size_t k = 0; k < m; k++) {
        c += e->logw[k] / wsum;
        e->cum[k] = c;
        e->logw[k] = log(e->logw[k] / wsum);
    }
    e->cum[m - 1] = 1.0;

    for (size_t j = 0; j < d; j++) {
        const pinfo *pi = dims[j];
        double *mu = e->mu + j * e->cap, *sig = e->sig + j * e->cap;
        double *lsig = e->lsig + j * e->cap, *lz = e->lz + j * e->cap;
        if (pi->p->kind == HPO__PARAM_CATEGORICAL) {
            double C = (double)pi->p->n_choices;
            double v = o->prior_weight / (double)(e->has_prior ? m_obs + 1 : m_obs);
            double Z = 1.0 + C * v;
            e->cat[4 * j + 0] = log((v + 1.0) / Z);
            e->cat[4 * j + 1] = log(v / Z);
            e->cat[4 * j + 2] = -log(C);
            e->cat[4 * j + 3] = 1.0 / Z;
            continue;
        }
        double low = pi->low, high = pi->high, range = high - low;
        if (sorted) {
            for (size_t i = 0; i < m; i++) {
                double left = i == 0 ? low : mu[i - 1];
                double right = i + 1 == m ? high : mu[i + 1];
                double dl = mu[i] - left, dr = right - mu[i];
                double s = dl > dr ? dl : dr;
                if (!o->endpoints && m >= 2) {
                    if (i == 0)
                        s = dr;
                    else if (i + 1 == m)
                        s = dl;
                }
                sig[i] = s;
            }
        } else {
            double s0 = 0.2 * pow((double)(m_obs > 1 ? m_obs : 1), -1.0 / ((double)d + 4.0));
            for (size_t k = 0; k < m; k++)
                sig[k] = s0 * range;
        }
        double maxs = range;
        double mins = o->magic_clip ? range / fmin(100.0, 1.0 + (double)m) : TPE_EPS;
        for (size_t k = 0; k < m; k++) {
            double s = sig[k];
            s = s < mins ? mins : s > maxs ? maxs : s;
            sig[k] = s;
        }
        if (e->has_prior) {
            if (!sorted) {
                sig[m_obs] = range;
            } else {
                for (size_t i = 0; i < m; i++)
                    if (pairs[i].k == m_obs)
                        sig[i] = range;
            }
        }
        double *isig = e->isig + j * e->cap, *cc = e->c + j * e->cap;
        double prev_s = -1.0, prev_ls = 0.0;
        for (size_t k = 0; k < m; k++) {
            if (sig[k] != prev_s) { /* most sigmas sit at the clip: one log for them */
                prev_s = sig[k];
                prev_ls = log(prev_s);
            }
            lsig[k] = prev_ls;
            isig[k] = 1.0 / sig[k];
            lz[k] = log_trunc_mass((low - mu[k]) * isig[k], (high - mu[k]) * isig[k]);
            cc[k] = pi->q > 0.0 ? -lz[k] : -lsig[k] - lz[k] - LOG_SQRT_2PI;
            e->wc[k] = e->logw[k] + cc[k]; /* used when d == 1 */
        }
    }
    e->nblk = 0;
    if (sorted) {
        const pinfo *pi = dims[0];
        double extra = pi->q > 0.0 ? log(pi->q) - LOG_SQRT_2PI : 0.0;
        e->nblk = (m + BLK - 1) / BLK;
        for (size_t bi = 0; bi < e->nblk; bi++) {
            size_t k0 = bi * BLK, k1 = k0 + BLK < m ? k0 + BLK : m;
            double smax = 0.0, wmax = -INFINITY;
            for (size_t k = k0; k < k1; k++) {
                double wk = e->wc[k];
                if (pi->q > 0.0) {
                    double t = extra - e->lsig[k];
                    wk += t > 0.0 ? t : 0.0;
                }
                smax = e->sig[k] > smax ? e->sig[k] : smax;
                wmax = wk > wmax ? wk : wmax;
            }
            e->bfirst[bi] = e->mu[k0];
            e->blast[bi] = e->mu[k1 - 1];
            e->bsmax[bi] = smax;
            e->bwmax[bi] = wmax;
        }
    }
}

/* Draw one point (internal coordinates, before snapping) into x[0..d). */
static void pe_sample(const pe *e, hpo__rng *rng, double *x)
{
    double u = hpo__rng_uniform(rng);
    size_t lo = 0, hi = e->m - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (e->cum[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    size_t k = lo;
    for (size_t j = 0; j < e->d; j++) {
        const pinfo *pi = e->dims[j];
        double mu = e->mu[j * e->cap + k];
        if (pi->p->kind == HPO__PARAM_CATEGORICAL) {
            size_t C = pi->p->n_choices;
            if (mu >= 0.0 && hpo__rng_uniform(rng) < e->cat[4 * j + 3])
                x[j] = mu;
            else
                x[j] = (double)hpo__rng_below(rng, C);
        } else {
            x[j] = truncnorm_draw(rng, mu, e->sig[j * e->cap + k], pi->low, pi->high);
        }
    }
}

/* The exact log term of component k, dimension j at snapped x (lattice
 * dimensions: the mass of the cell [lo, hi]). */
static double pe_term(const pe *e, size_t j, size_t k, double x, double lo, double hi)
{
    const pinfo *pi = e->dims[j];
    size_t at = j * e->cap + k;
    double mu = e->mu[at];
    if (pi->p->kind == HPO__PARAM_CATEGORICAL) {
        if (mu < 0.0)
            return e->cat[4 * j + 2];
        return mu == x ? e->cat[4 * j + 0] : e->cat[4 * j + 1];
    }
    double is = e->isig[at];
    if (pi->q == 0.0) {
        double z = (x - mu) * is;
        return e->c[at] - 0.5 * z * z;
    }
    return log_gauss_mass((lo - mu) * is, (hi - mu) * is) + e->c[at];
}

/* Components of block bi into a[] against the running maximum *M. */
static void pe_eval_block(pe *e, size_t bi, double x, double l, double h, double lw, double *M)
{
    const pinfo *pi = e->dims[0];
    size_t k0 = bi * BLK, k1 = k0 + BLK < e->m ? k0 + BLK : e->m;
    const double *mu = e->mu, *is = e->isig, *wc = e->wc;
    double *a = e->a, m = *M;
    if (pi->q == 0.0) {
        for (size_t k = k0; k < k1; k++) {
            double z = (x - mu[k]) * is[k];
            double v = wc[k] - 0.5 * z * z;
            a[k] = v;
            m = v > m ? v : m;
        }
    } else {
        double pmu = NAN, pis = NAN, pt = 0.0;
        for (size_t k = k0; k < k1; k++) {
            double za = (l - mu[k]) * is[k], zb = (h - mu[k]) * is[k];
            double zn = za > 0.0 ? za : zb < 0.0 ? zb : 0.0;
            double bnd = lw - e->lsig[k] - 0.5 * zn * zn;
            if (wc[k] + (bnd < 0.0 ? bnd : 0.0) < m - SKIP_NATS) {
                a[k] = -INFINITY; /* exact <= bound */
                continue;
            }
            if (mu[k] != pmu || is[k] != pis) { /* equal neighbours share the mass */
                pmu = mu[k];
                pis = is[k];
                pt = log_gauss_mass(za, zb);
            }
            double v = wc[k] + pt;
            a[k] = v;
            m = v > m ? v : m;
        }
    }
    e->b[bi] = 1.0;
    *M = m;
}

/* pe_log_pdf for a sorted univariate numerical estimator: the block around x
 * first, then only blocks whose bound reaches within SKIP_NATS of the best. */
static double pe_log_pdf_sorted(pe *e, double x)
{
    const pinfo *pi = e->dims[0];
    double l = x, h = x, lw = 0.0, half = 0.0;
    if (pi->q > 0.0) {
        half = 0.5 * pi->q;
        l = fmax(x - half, pi->low);
        h = fmin(x + half, pi->high);
        lw = log(h - l) - LOG_SQRT_2PI;
    }
    size_t nb = e->nblk, lo = 0, hi = nb - 1;
    while (lo < hi) { /* last block starting at or before x */
        size_t mid = (lo + hi + 1) / 2;
        if (e->bfirst[mid] <= x)
            lo = mid;
        else
            hi = mid - 1;
    }
    for (size_t bi = 0; bi < nb; bi++)
        e->b[bi] = 0.0;
    double M = -INFINITY;
    pe_eval_block(e, lo, x, l, h, lw, &M);
    for (size_t bi = 0; bi < nb; bi++) {
        if (bi == lo)
            continue;
        double dist = e->bfirst[bi] > x  ? e->bfirst[bi] - x
                      : x > e->blast[bi] ? x - e->blast[bi]
                                         : 0.0;
        dist = dist > half ? dist - half : 0.0;
        double z = dist / e->bsmax[bi];
        if (e->bwmax[bi] - 0.5 * z * z < M - SKIP_NATS)
            continue;
        pe_eval_block(e, bi, x, l, h, lw, &M);
    }
    if (!isfinite(M))
        return M;
    double sum = 0.0;
    for (size_t bi = 0; bi < nb; bi++) {
        if (e->b[bi] == 0.0)
            continue;
        size_t k0 = bi * BLK, k1 = k0 + BLK < e->m ? k0 + BLK : e->m;
        for (size_t k = k0; k < k1; k++)
            if (e->a[k] > M - SKIP_NATS)
                sum += exp(e->a[k] - M);
    }
    return M + log(sum);
}

/* log sum exp(v[k]) given their maximum M, leaving out terms more than
 * SKIP_NATS below it (NaN entries are left out). */
static double log_sum_exp(const double *v, size_t m, double M)
{
    if (!isfinite(M))
        return M;
    double sum = 0.0;
    for (size_t k = 0; k < m; k++)
        if (v[k] > M - SKIP_NATS)
            sum += exp(v[k] - M);
    return M + log(sum);
}

/* log of the mixture density (mass for lattice dimensions) at snapped x.
 * Dimensions outer, components inner (a vectorizable loop per dimension);
 * lattice dimensions first add a cheap upper bound, and only components that
 * can matter get the exact Gaussian mass. */
static double pe_log_pdf(pe *e, const double *x)
{
    double lo[64], hi[64];
    double *a = e->a;
    size_t m = e->m, d = e->d;
    int lattice = 0;
    if (e->nblk)
        return pe_log_pdf_sorted(e, x[0]);
    memcpy(a, e->logw, m * sizeof *a);
    for (size_t j = 0; j < d; j++) {
        const pinfo *pi = e->dims[j];
        const double *mu = e->mu + j * e->cap, *is = e->isig + j * e->cap;
        const double *c = e->c + j * e->cap, *ls = e->lsig + j * e->cap;
        double xj = x[j];
        lo[j] = hi[j] = 0.0;
        if (pi->p->kind == HPO__PARAM_CATEGORICAL) {
            double lh = e->cat[4 * j + 0], lm = e->cat[4 * j + 1], lp = e->cat[4 * j + 2];
            for (size_t k = 0; k < m; k++)
                a[k] += mu[k] < 0.0 ? lp : mu[k] == xj ? lh : lm;
        } else if (pi->q == 0.0) {
            for (size_t k = 0; k < m; k++) {
                double z = (xj - mu[k]) * is[k];
                a[k] += c[k] - 0.5 * z * z;
            }
        } else {
            double l = fmax(xj - 0.5 * pi->q, pi->low), h = fmin(xj + 0.5 * pi->q, pi->high);
            double lw = log(h - l) - LOG_SQRT_2PI;
            lo[j] = l;
            hi[j] = h;
            lattice = 1;
            for (size_t k = 0; k < m; k++) {
                double za = (l - mu[k]) * is[k], zb = (h - mu[k]) * is[k];
                double zn = za > 0.0 ? za : zb < 0.0 ? zb : 0.0;
                double bnd = lw - ls[k] - 0.5 * zn * zn;
                a[k] += (bnd < 0.0 ? bnd : 0.0) + c[k];
            }
        }
    }
    double M = -INFINITY;
    for (size_t k = 0; k < m; k++)
        M = a[k] > M ? a[k] : M;
    if (lattice) {
        /* exact terms where the bound is within reach of the maximum: first
         * near the largest bound, then wherever the bound reaches the
         * largest exact value (the bound can be loose when sigma is tiny) */
        double *b = e->b, M2 = -INFINITY;
        double pmu = NAN, pis = NAN, pt = 0.0; /* d == 1: equal neighbours, one mass */
        for (size_t k = 0; k < m; k++) {
            b[k] = NAN;
            if (a[k] < M - SKIP_NATS - 10.0)
                continue;
            double v = e->logw[k];
            if (d == 1) {
                if (e->mu[k] != pmu || e->isig[k] != pis) {
                    pmu = e->mu[k];
                    pis = e->isig[k];
                    pt = pe_term(e, 0, k, x[0], lo[0], hi[0]) - e->c[k];
                }
                v += pt + e->c[k];
            } else {
                for (size_t j = 0; j < d; j++)
                    v += pe_term(e, j, k, x[j], lo[j], hi[j]);
            }
            b[k] = v;
            M2 = v > M2 ? v : M2;
        }
        for (size_t k = 0; k < m; k++) {
            if (!isnan(b[k]) || !(a[k] >= M2 - SKIP_NATS))
                continue;
            double v = e->logw[k];
            for (size_t j = 0; j < d; j++)
                v += pe_term(e, j, k, x[j], lo[j], hi[j]);
            b[k] = v;
            M2 = v > M2 ? v : M2;
        }
        return log_sum_exp(b, m, M2);
    }
    return log_sum_exp(a, m, M);
}

/* Naive log density: every component, exact terms, plain log-sum-exp. */
static double pe_log_pdf_naive(const pe *e, const double *x)
{
    double M = -INFINITY, sum = 0.0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < e->m; k++) {
            double v = e->logw[k];
            for (size_t j = 0; j < e->d; j++) {
                const pinfo *pi = e->dims[j];
                double lo = 0.0, hi = 0.0;
                if (pi->q > 0.0) {
                    lo = fmax(x[j] - 0.5 * pi->q, pi->low);
                    hi = fmin(x[j] + 0.5 * pi->q, pi->high);
                }
                v += pe_term(e, j, k, x[j], lo, hi);
            }
            if (pass == 0)
                M = v > M ? v : M;
            else
                sum += exp(v - M);
        }
    }
    return M + log(sum);
}

double hpo__tpe_selfcheck(uint64_t seed)
{
    hpo__param params[3];
    memset(params, 0, sizeof params);
    params[0].kind = HPO__PARAM_FLOAT;
    params[0].low = -3.0;
    params[0].high = 5.0;
    params[1].kind = HPO__PARAM_INT;
    params[1].ilow = 0;
    params[1].ihigh = 60;
    params[1].step = 3;
    params[2].kind = HPO__PARAM_FLOAT;
    params[2].low = 1e-3;
    params[2].high = 10.0;
    params[2].log = 1;
    pinfo infos[3];
    const pinfo *dims[3];
    for (size_t j = 0; j < 3; j++) {
        pinfo_init(&infos[j], &params[j], j);
        dims[j] = &infos[j];
    }
    size_t n = 700, cap = n + 1;
    double *buf = hpo__malloc((n * 3 + pe_doubles(3, cap)) * sizeof(double));
    sort_pair *pairs = hpo__malloc(2 * cap * sizeof *pairs);
    size_t *rows = hpo__malloc(n * sizeof *rows);
    if (!buf || !pairs || !rows) {
        hpo__free(buf);
        hpo__free(pairs);
        hpo__free(rows);
        return INFINITY;
    }
    double *X = buf, worst = 0.0;
    pe e;
    pe_layout(&e, buf + n * 3, 3, cap);
    hpo__rng rng;
    hpo__rng_seed(&rng, seed, 0);
    for (int round = 0; round < 12; round++) {
        tpe_opts o = {.prior_weight = 1.0,
                      .consider_prior = round % 3 != 2,
                      .magic_clip = round % 4 != 3,
                      .endpoints = round % 2,
                      .uniform_weights = round % 5 == 4};
        size_t m = round < 4 ? (size_t)(1 + round * 7) : n; /* small and large */
        for (size_t i = 0; i < m; i++) {
            hpo_value v;
            /* clustered values: ties and narrow sigmas */
            for (size_t j = 0; j < 3; j++) {
                double u = hpo__rng_uniform(&rng);
                u = round % 2 ? u * u * u : u;
                X[i * 3 + j] =
                    from_internal(&infos[j], infos[j].low + u * (infos[j].high - infos[j].low), &v);
            }
            rows[i] = i;
        }
        for (int mode = 0; mode < 4; mode++) {
            size_t d = mode < 3 ? 1 : 3;
            const pinfo *const *dd = mode < 3 ? &dims[mode] : dims;
            pe_build(&e, &o, dd, d, X, 3, rows, m, mode < 3, pairs);
            for (int t = 0; t < 50; t++) {
                double x[3];
                pe_sample(&e, &rng, x);
                hpo_value v;
                for (size_t j = 0; j < d; j++)
                    x[j] = from_internal(dd[j], x[j], &v);
                double fast = pe_log_pdf(&e, x), slow = pe_log_pdf_naive(&e, x);
                double err = fabs(fast - slow);
                if (!(err <= worst))
                    worst = isnan(err) ? (double)INFINITY : err;
            }
        }
    }
    hpo__free(buf);
    hpo__free(pairs);
    hpo__free(rows);
    return worst;
}

/* ------------------------------------------------------------ the sampler */

static int opt_err(const char *key, const char *v, const char *what)
{
    return hpo__err(HPO_EINVAL, "sampler tpe: %s: expected %s, got '%s'", key, what, v);
}

static int tpe_parse(tpe_opts *o, const hpo__sampler_config *cfg)
{
    const hpo_kv *kv = cfg->options;
    size_t n = cfg->n_options;
    int rc;
    if ((rc = hpo__opt_ll(kv, n, "sampler", "tpe", "n_startup_trials", 10, &o->n_startup)) ||
        (rc = hpo__opt_ll(kv, n, "sampler", "tpe", "n_ei_candidates", 24, &o->n_ei)) ||
        (rc = hpo__opt_double(kv, n, "sampler", "tpe", "prior_weight", 1.0, &o->prior_weight)) ||
        (rc = hpo__opt_bool(kv, n, "sampler", "tpe", "consider_prior", 1, &o->consider_prior)) ||
        (rc = hpo__opt_bool(kv, n, "sampler", "tpe", "consider_magic_clip", 1, &o->magic_clip)) ||
        (rc = hpo__opt_bool(kv, n, "sampler", "tpe", "consider_endpoints", 0, &o->endpoints)) ||
        (rc = hpo__opt_bool(kv, n, "sampler", "tpe", "multivariate", 0, &o->multivariate)) ||
        (rc = hpo__opt_bool(kv, n, "sampler", "tpe", "constant_liar", 0, &o->constant_liar)) ||
        (rc = hpo__opt_enum(kv, n, "sampler", "tpe", "weights", tpe_weight_names, 0,
                            &o->uniform_weights)))
        return rc;
    if (o->n_startup < 0)
        return opt_err("n_startup_trials", hpo__sampler_option(cfg, "n_startup_trials"),
                       "an integer >= 0");
    if (o->n_ei < 1 || o->n_ei > 1000000)
        return opt_err("n_ei_candidates", hpo__sampler_option(cfg, "n_ei_candidates"),
                       "an integer in [1, 1000000]");
    if (!(o->prior_weight > 0.0) || !isfinite(o->prior_weight))
        return opt_err("prior_weight", hpo__sampler_option(cfg, "prior_weight"),
                       "a finite number > 0");
    o->gamma = 0.1;
    const char *g = hpo__sampler_option(cfg, "gamma");
    if (g && strcmp(g, "default") != 0) {
        double v;
        if (hpo__parse_double(g, &v) != 0 || !(v > 0.0 && v <= 1.0))
            return opt_err("gamma", g, "'default' or a number in (0, 1]");
        o->gamma = v;
    }
    return 0;
}

static int tpe_create(hpo__sampler **out, const hpo__sampler_config *cfg)
{
    int rc = hpo__sampler_check_options(&hpo__tpe_sampler_ops, cfg);
    if (rc)
        return rc;
    if (!cfg->space || !cfg->space->resolved)
        return hpo__err(HPO_EINVAL, "sampler tpe: the space is not resolved");
    if (cfg->space->n_subs != 1)
        return hpo__err(HPO_EINVAL, "sampler tpe: a list of spaces is not supported; use one "
                                    "space with conditions");
    if (cfg->space->subs[0].n > 64)
        return hpo__err(HPO_EINVAL, "sampler tpe: at most 64 parameters are supported (got %zu)",
                        cfg->space->subs[0].n);
    tpe_opts o;
    memset(&o, 0, sizeof o);
    if ((rc = tpe_parse(&o, cfg)) != 0)
        return rc;
    tpe_sampler *t = hpo__calloc(1, sizeof *t);
    if (!t)
        return hpo__enomem();
    t->space = cfg->space;
    t->sub = &cfg->space->subs[0];
    t->seed = cfg->seed;
    t->o = o;
    *out = (hpo__sampler *)t;
    return 0;
}

static void tpe_destroy(hpo__sampler *s)
{
    hpo__free(s);
}

static long long tpe_capacity(const hpo__sampler *s)
{
    (void)s;
    return -1;
}

/* Sample the d dims of `dims` jointly: n_ei candidates from `lo` (below),
 * keep the best l/g ratio; writes values into vals (by sub-space index). */
static void tpe_choose(const tpe_opts *o, pe *lo, pe *hi, hpo__rng *rng, const pinfo *const *dims,
                       size_t d, double *cand, double *best, hpo_value *vals)
{
    double best_score = -INFINITY;
    int have = 0;
    for (long long c = 0; c < o->n_ei; c++) {
        pe_sample(lo, rng, cand);
        hpo_value tmp;
        for (size_t j = 0; j < d; j++)
            cand[j] = from_internal(dims[j], cand[j], &tmp);
        double score = pe_log_pdf(lo, cand) - pe_log_pdf(hi, cand);
        if (!have || score > best_score) {
            have = 1;
            best_score = isnan(score) ? -(double)INFINITY : score;
            memcpy(best, cand, d * sizeof *best);
        }
    }
    for (size_t j = 0; j < d; j++)
        from_internal(dims[j], best[j], &vals[dims[j]->idx]);
}

/* Univariate categorical: the mixtures have a closed form per level. */
static void cat_probs(const tpe_opts *o, const double *X, size_t n_cols, size_t col,
                      const size_t *rows, size_t m_obs, size_t C, double *p)
{
    int prior = o->consider_prior || m_obs == 0;
    double wsum = 0.0;
    for (size_t c = 0; c < C; c++)
        p[c] = 0.0;
    for (size_t k = 0; k < m_obs; k++)
        wsum += o->uniform_weights ? 1.0 : default_weight(m_obs, k);
    if (prior)
        wsum += o->prior_weight;
    double v = o->prior_weight / (double)(prior ? m_obs + 1 : m_obs);
    double Z = 1.0 + (double)C * v;
    double base = 0.0;
    for (size_t k = 0; k < m_obs; k++) {
        double w = (o->uniform_weights ? 1.0 : default_weight(m_obs, k)) / wsum;
        base += w * v / Z;
        p[(size_t)X[rows[k] * n_cols + col]] += w / Z;
    }
    if (prior)
        base += o->prior_weight / wsum / (double)C;
    for (size_t c = 0; c < C; c++)
        p[c] += base;
}

static size_t cat_draw(hpo__rng *rng, const double *p, size_t C)
{
    double u = hpo__rng_uniform(rng), acc = 0.0;
    for (size_t c = 0; c + 1 < C; c++) {
        acc += p[c];
        if (u < acc)
            return c;
    }
    return C - 1;
}

static int tpe_propose(hpo__sampler *s, long long seq, const hpo__history *history,
                       hpo__params *out)
{
    tpe_sampler *t = (tpe_sampler *)s;
    if (seq < 0)
        return hpo__err(HPO_EINVAL, "sampler tpe: negative proposal index %lld", seq);
    const hpo__subspace *sub = t->sub;
    const tpe_opts *o = &t->o;
    size_t d = sub->n;
    hpo__rng rng;
    hpo__rng_seed(&rng, t->seed, (uint64_t)seq);
    hpo__history empty = {.entries = NULL, .n = 0, .direction = HPO_MINIMIZE};
    const hpo__history *h = history ? history : &empty;
    size_t nh = h->n;
    int rc = 0;

    /* one allocation for everything: keys, flags, row lists, X, the two
     * estimators, sort pairs, candidates, infos */
    size_t cap = nh + 1, dd = d ? d : 1, max_c = 1;
    for (size_t j = 0; j < d; j++)
        if (sub->params[j].kind == HPO__PARAM_CATEGORICAL && sub->params[j].n_choices > max_c)
            max_c = sub->params[j].n_choices;
    size_t n_dbl = nh * dd + 2 * pe_doubles(dd, cap) + 2 * dd + 2 * max_c;
    size_t bytes = n_dbl * sizeof(double) + nh * sizeof(obs_key) + 2 * cap * sizeof(sort_pair) +
                   2 * cap * sizeof(size_t) + dd * (sizeof(pinfo) + sizeof(pinfo *)) +
                   dd * sizeof(hpo_value) + nh;
    unsigned char *mem = hpo__malloc(bytes);
    if (!mem)
        return hpo__enomem();
    unsigned char *p = mem;
    double *dbl = (double *)(void *)p;
    p += n_dbl * sizeof(double);
    obs_key *keys = (obs_key *)(void *)p;
    p += nh * sizeof(obs_key);
    sort_pair *pairs = (sort_pair *)(void *)p;
    p += 2 * cap * sizeof(sort_pair);
    size_t *rows_b = (size_t *)(void *)p;
    p += cap * sizeof(size_t);
    size_t *rows_a = (size_t *)(void *)p;
    p += cap * sizeof(size_t);
    pinfo *infos = (pinfo *)(void *)p;
    p += dd * sizeof(pinfo);
    const pinfo **dims = (const pinfo **)(void *)p;
    p += dd * sizeof(pinfo *);
    hpo_value *vals = (hpo_value *)(void *)p;
    p += dd * sizeof(hpo_value);
    unsigned char *flag = p;

    size_t nf,
        m = rank_history(h, o->constant_liar, hpo__history_model_budget(h, d + 1), keys, &nf);
    /* Startup counts every finished trial, whatever its budget (a BOHB model
     * budget needs only D + 1 of its own). */
    size_t n_done = 0;
    for (size_t i = 0; i < nh; i++)
        n_done += h->entries[i].params && (h->entries[i].state == HPO_TRIAL_COMPLETE ||
                                           h->entries[i].state == HPO_TRIAL_PRUNED);
    if ((long long)n_done < o->n_startup || nf == 0 || d == 0) {
        for (size_t j = 0; j < d; j++)
            hpo__param_sample(&sub->params[sub->sorted[j]], &rng, &vals[sub->sorted[j]]);
        rc = hpo__subspace_build(sub, vals, out);
        hpo__free(mem);
        return rc;
    }

    double *X = dbl;
    double *q = X + nh * dd;
    pe lo, hi;
    q += pe_layout(&lo, q, dd, cap);
    q += pe_layout(&hi, q, dd, cap);
    double *cand = q, *best = q + dd, *probs = q + 2 * dd;

    for (size_t j = 0; j < d; j++)
        pinfo_init(&infos[j], &sub->params[j], j);
    memset(flag, 0, nh);
    size_t nb = hpo__tpe_gamma(o->gamma, nf);
    for (size_t i = 0; i < m; i++)
        flag[keys[i].idx] = i < nb ? 1 : 2;
    /* X: rows are history indices; NaN = inactive or invalid */
    for (size_t i = 0; i < nh; i++) {
        if (!flag[i])
            continue;
        const hpo__params *pp = h->entries[i].params;
        size_t pos = 0; /* params come in the space's order: try the next one first */
        for (size_t j = 0; j < d; j++) {
            long at;
            if (pos < pp->n && !strcmp(pp->names[pos], sub->params[j].name))
                at = (long)pos++;
            else
                at = hpo__params_find(pp, sub->params[j].name);
            X[i * dd + j] = at < 0 ? (double)NAN : to_internal(&infos[j], &pp->values[at]);
        }
    }

    /* multivariate: the parameters valid in every finished trial */
    size_t dj = 0;
    unsigned char jmask[64];
    memset(jmask, 0, sizeof jmask);
    if (o->multivariate && nf > 0) {
        for (size_t jj = 0; jj < d; jj++) {
            size_t j = sub->sorted[jj];
            if (infos[j].single)
                continue;
            int all = 1;
            for (size_t i = 0; i < nh && all; i++)
                if (flag[i] && h->entries[i].state != HPO_TRIAL_RUNNING && isnan(X[i * dd + j]))
                    all = 0;
            if (all) {
                jmask[j] = 1;
                dims[dj++] = &infos[j];
            }
        }
    }
    if (dj > 0) {
        size_t mb = 0, ma = 0;
        for (size_t i = 0; i < nh; i++) {
            if (!flag[i])
                continue;
            int ok = 1;
            for (size_t k = 0; k < dj && ok; k++)
                if (isnan(X[i * dd + dims[k]->idx]))
                    ok = 0;
            if (!ok)
                continue;
            if (flag[i] == 1)
                rows_b[mb++] = i;
            else
                rows_a[ma++] = i;
        }
        pe_build(&lo, o, dims, dj, X, dd, rows_b, mb, 0, pairs);
        pe_build(&hi, o, dims, dj, X, dd, rows_a, ma, 0, pairs);
        tpe_choose(o, &lo, &hi, &rng, dims, dj, cand, best, vals);
    }

    /* univariate, sorted-name order */
    for (size_t jj = 0; jj < d; jj++) {
        size_t j = sub->sorted[jj];
        const pinfo *pi = &infos[j];
        if (jmask[j])
            continue;
        if (pi->single) {
            from_internal(pi, pi->p->kind == HPO__PARAM_INT ? (double)pi->p->ilow : pi->low,
                          &vals[j]);
            continue;
        }
        size_t mb = 0, ma = 0;
        for (size_t i = 0; i < nh; i++) {
            if (!flag[i] || isnan(X[i * dd + j]))
                continue;
            if (flag[i] == 1)
                rows_b[mb++] = i;
            else
                rows_a[ma++] = i;
        }
        if (pi->p->kind == HPO__PARAM_CATEGORICAL) {
            size_t C = pi->p->n_choices;
            double *pl = probs, *pg = probs + max_c;
            cat_probs(o, X, dd, j, rows_b, mb, C, pl);
            cat_probs(o, X, dd, j, rows_a, ma, C, pg);
            size_t bestc = 0;
            double bs = -INFINITY;
            for (long long c = 0; c < o->n_ei; c++) {
                size_t k = cat_draw(&rng, pl, C);
                double sc = log(pl[k]) - log(pg[k]);
                if (c == 0 || sc > bs) {
                    bs = sc;
                    bestc = k;
                }
            }
            vals[j] = pi->p->choices[bestc];
            continue;
        }
        const pinfo *one[1] = {pi};
        pe_build(&lo, o, one, 1, X, dd, rows_b, mb, 1, pairs);
        pe_build(&hi, o, one, 1, X, dd, rows_a, ma, 1, pairs);
        tpe_choose(o, &lo, &hi, &rng, one, 1, cand, best, vals);
    }
    rc = hpo__subspace_build(sub, vals, out);
    hpo__free(mem);
    return rc;
}

const hpo__sampler_ops hpo__tpe_sampler_ops = {
    .version = HPO__SAMPLER_OPS_VERSION,
    .name = "tpe",
    .option_names = tpe_options,
    .create = tpe_create,
    .destroy = tpe_destroy,
    .capacity = tpe_capacity,
    .propose = tpe_propose,
    .needs_history = 1,
};
