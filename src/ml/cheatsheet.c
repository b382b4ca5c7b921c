/*
 * cheatsheet.c -- the recommended search space of every built-in estimator:
 * `hpo space MODEL` prints it as a ready-to-paste `space:` block, and
 * docs/cheatsheet.md is generated from the same table (a test keeps the two
 * equal: `hpo space --all --markdown` must reproduce the file).
 *
 * The ranges follow the practice the references teach: scikit-learn's user
 * guide (C and gamma on log scales spanning several decades for RBF SVMs, C on
 * a log scale for linear models), XGBoost's parameter tuning notes (learning
 * rate and depth first, then sampling, then regularisation), KerasTuner's
 * examples (units in steps of 32, a few layers, learning rate on a log scale)
 * and scikit-optimize's / Optuna's benchmark spaces. Each line carries its
 * reason, so users can adapt it.
 *
 * Invariants: every parameter named here is one the estimator accepts and
 * every range lies inside what it validates (a unit test creates each
 * estimator at both ends of every range); each estimator in the registry has
 * an entry.
 */
#include "ml/estimator.h"
#include "util/util.h"

#include <string.h>

typedef struct entry {
    const char *param;
    const char *value; /* hpo's space syntax, as written in YAML */
    const char *reason;
} entry;

typedef struct sheet {
    const char *estimator;
    const char *summary;   /* one line: what the model is, when to reach for it */
    const char *objective; /* the objective lines to pair it with */
    const entry *entries;
} sheet;

static const entry knn_entries[] = {
    {"n_neighbors", "{type: int, low: 1, high: 50, log: true}",
     "small k fits local detail, large k smooths; log spacing covers both ends"},
    {"weights", "[uniform, distance]", "distance weighting helps when classes overlap unevenly"},
    {"p", "[1, 2]", "manhattan (1) is more robust to outlying features than euclidean (2)"},
    {NULL, NULL, NULL}};

static const entry svc_entries[] = {
    {"C", "{type: float, low: 1.0e-2, high: 1.0e3, log: true}",
     "margin softness; its effect is multiplicative, so search decades"},
    {"gamma", "{type: float, low: 1.0e-4, high: 1.0e0, log: true}",
     "RBF width on standardised features; too large memorises, too small underfits"},
    {"kernel", "[rbf]", "RBF is the safe default; add linear for many features and few samples"},
    {"class_weight", "[none, balanced]", "balanced re-weights rare classes"},
    {NULL, NULL, NULL}};

static const entry svr_entries[] = {
    {"C", "{type: float, low: 1.0e-2, high: 1.0e3, log: true}",
     "penalty on errors beyond epsilon; search decades"},
    {"gamma", "{type: float, low: 1.0e-4, high: 1.0e0, log: true}",
     "RBF width on standardised features"},
    {"epsilon", "{type: float, low: 1.0e-3, high: 1.0e0, log: true}",
     "width of the error-free tube, in the target's units (standardise the target scale)"},
    {NULL, NULL, NULL}};

static const entry logreg_entries[] = {
    {"C", "{type: float, low: 1.0e-3, high: 1.0e2, log: true}",
     "inverse regularisation strength; search decades"},
    {"penalty", "[l1, l2]", "l1 selects features, l2 keeps all with small weights"},
    {"class_weight", "[none, balanced]", "balanced re-weights rare classes"},
    {NULL, NULL, NULL}};

static const entry linear_svc_entries[] = {
    {"C", "{type: float, low: 1.0e-3, high: 1.0e2, log: true}",
     "inverse regularisation strength; search decades"},
    {"loss", "[squared_hinge, hinge]", "squared hinge is smoother, hinge is the classic SVM"},
    {"class_weight", "[none, balanced]", "balanced re-weights rare classes"},
    {NULL, NULL, NULL}};

static const entry linear_svr_entries[] = {
    {"C", "{type: float, low: 1.0e-3, high: 1.0e2, log: true}",
     "inverse regularisation strength; search decades"},
    {"epsilon", "{type: float, low: 0.0, high: 1.0}",
     "error-free tube width in the target's units; 0 is scikit-learn's default"},
    {"loss", "[epsilon_insensitive, squared_epsilon_insensitive]",
     "squared loss penalises large errors more"},
    {NULL, NULL, NULL}};

static const entry xgboost_entries[] = {
    {"n_estimators", "{type: int, low: 50, high: 1000, log: true}",
     "more rounds need a smaller learning rate; tune the two together"},
    {"learning_rate", "{type: float, low: 1.0e-2, high: 3.0e-1, log: true}",
     "shrinkage per round; the most important parameter with n_estimators"},
    {"max_depth", "{type: int, low: 2, high: 10}", "interaction order of the trees"},
    {"min_child_weight", "{type: float, low: 1.0, high: 20.0, log: true}",
     "minimum hessian per leaf; larger is more conservative"},
    {"subsample", "{type: float, low: 0.5, high: 1.0}",
     "row sampling per round decorrelates trees"},
    {"colsample_bytree", "{type: float, low: 0.5, high: 1.0}", "feature sampling per tree"},
    {"gamma", "{type: float, low: 1.0e-8, high: 5.0, log: true}",
     "minimum loss reduction to split; prunes weak splits"},
    {"reg_alpha", "{type: float, low: 1.0e-8, high: 1.0, log: true}",
     "L1 on leaf weights; tiny values mean off"},
    {"reg_lambda", "{type: float, low: 1.0e-3, high: 10.0, log: true}", "L2 on leaf weights"},
    {NULL, NULL, NULL}};

static const entry forest_entries[] = {
    {"n_estimators", "{type: int, low: 50, high: 500, log: true}",
     "more trees only reduce variance; past a few hundred the gain is small"},
    {"max_depth", "{type: int, low: 4, high: 16}",
     "forests want deep trees; depth caps memory and time"},
    {"min_child_weight", "{type: float, low: 1.0, high: 10.0, log: true}",
     "minimum hessian per leaf; regularises the deepest splits"},
    {"subsample", "{type: float, low: 0.5, high: 1.0}", "bootstrap-like row sampling per tree"},
    {"colsample_bynode", "{type: float, low: 0.3, high: 1.0}",
     "features tried per split (max_features); lower decorrelates trees"},
    {NULL, NULL, NULL}};

static const entry mlp_entries[] = {
    {"n_layers", "{type: int, low: 1, high: 3}",
     "one to three hidden layers suit tabular and "
     "small image data"},
    {"units", "{type: int, low: 32, high: 512, step: 32}",
     "width of every hidden layer, in KerasTuner's steps of 32"},
    {"activation", "[relu, tanh]", "relu trains faster; tanh can help small networks"},
    {"dropout", "{type: float, low: 0.0, high: 0.5}", "regularises wide layers"},
    {"learning_rate", "{type: float, low: 1.0e-4, high: 1.0e-2, log: true}",
     "Adam's step size; the most sensitive parameter"},
    {"batch_size", "[64, 128, 256]", "smaller batches regularise, larger ones are faster"},
    {"alpha", "{type: float, low: 1.0e-6, high: 1.0e-2, log: true}", "L2 penalty on weights"},
    {"epochs", "[10]", "the budget: Hyperband (issue 4) tunes it as the resource"},
    {NULL, NULL, NULL}};

static const sheet sheets[] = {
    {"knn", "k-nearest neighbours: no training, strong on small dense data such as digits",
     "preprocessing: standard", knn_entries},
    {"svc", "RBF support-vector classifier (libsvm): a strong default for up to ~10^4 rows",
     "preprocessing: standard", svc_entries},
    {"svr", "RBF support-vector regressor (libsvm)", "preprocessing: standard", svr_entries},
    {"logistic_regression",
     "linear classifier (liblinear): fast baseline, calibrated "
     "probabilities",
     "preprocessing: standard", logreg_entries},
    {"linear_svc", "linear SVM (liblinear): many features, many rows", "preprocessing: standard",
     linear_svc_entries},
    {"linear_svr", "linear support-vector regressor (liblinear)", "preprocessing: standard",
     linear_svr_entries},
    {"xgboost", "gradient-boosted trees (XGBoost): the strongest default on tabular data",
     "preprocessing: none", xgboost_entries},
    {"random_forest", "random forest (XGBoost's random-forest mode): robust with little tuning",
     "preprocessing: none", forest_entries},
    {"mlp", "multi-layer perceptron (OpenBLAS): images such as Fashion-MNIST, large data",
     "preprocessing: standard (CSV) or none (IDX images, already in [0, 1])", mlp_entries},
};

#define N_SHEETS (sizeof sheets / sizeof sheets[0])

static const sheet *find_sheet(const char *name)
{
    for (size_t i = 0; i < N_SHEETS; i++)
        if (strcmp(sheets[i].estimator, name) == 0)
            return &sheets[i];
    return NULL;
}

const char *const *hpo_estimator_names(void)
{
    return hpo__estimator_names();
}

static int yaml_block(const sheet *s, hpo__buf *b)
{
    size_t w = 0;
    for (const entry *e = s->entries; e->param; e++) {
        size_t l = strlen(e->param) + 2 + strlen(e->value);
        if (l > w)
            w = l;
    }
    hpo__buf_printf(b, "# %s: %s\n", s->estimator, s->summary);
    hpo__buf_printf(b, "# pair with: objective: {estimator: %s, %s}\n", s->estimator, s->objective);
    hpo__buf_puts(b, "space:\n");
    for (const entry *e = s->entries; e->param; e++) {
        int l = (int)(strlen(e->param) + 2 + strlen(e->value));
        hpo__buf_printf(b, "  %s: %s%*s  # %s\n", e->param, e->value, (int)w - l, "", e->reason);
    }
    return b->oom ? hpo__enomem() : 0;
}

static int markdown_section(const sheet *s, hpo__buf *b)
{
    hpo__buf_printf(b, "## %s\n\n%s.\n\n", s->estimator, s->summary);
    hpo__buf_puts(b, "| parameter | range | why |\n|---|---|---|\n");
    for (const entry *e = s->entries; e->param; e++)
        hpo__buf_printf(b, "| `%s` | `%s` | %s |\n", e->param, e->value, e->reason);
    hpo__buf_printf(b, "\nPair with `%s`. Ready to paste (`hpo space %s`):\n\n```yaml\n",
                    s->objective, s->estimator);
    yaml_block(s, b);
    hpo__buf_puts(b, "```\n\n");
    const hpo__estimator_ops *ops = hpo__estimator_find(s->estimator);
    if (ops) {
        hpo__buf_printf(b, "All parameters of `%s` (defaults as scikit-learn's / XGBoost's):\n\n",
                        s->estimator);
        hpo__buf_puts(b, "| parameter | type | default | meaning |\n|---|---|---|---|\n");
        for (const hpo__hyper *h = ops->hypers; h->name; h++)
            hpo__buf_printf(b, "| `%s` | %s | `%s` | %s |\n", h->name, h->type,
                            h->default_text ? h->default_text : "", h->doc ? h->doc : "");
        hpo__buf_puts(b, "\n");
    }
    return b->oom ? hpo__enomem() : 0;
}

int hpo_estimator_space(const char *estimator, const char *format, char **out)
{
    if (!estimator || !out)
        return hpo__err(HPO_EINVAL, "hpo_estimator_space: estimator and out are required");
    int md = format && strcmp(format, "markdown") == 0;
    if (format && !md && strcmp(format, "yaml") != 0)
        return hpo__err(HPO_EINVAL, "hpo_estimator_space: format must be yaml or markdown");
    if (!hpo__estimator_find(estimator))
        return HPO_EINVAL;
    const sheet *s = find_sheet(estimator);
    if (!s)
        return hpo__err(HPO_EINVAL, "no recommended space for '%s' yet", estimator);
    hpo__buf b = HPO__BUF_INIT;
    int rc = md ? markdown_section(s, &b) : yaml_block(s, &b);
    if (rc) {
        hpo__buf_free(&b);
        return rc;
    }
    return hpo__buf_take(&b, out);
}

/* For tests: the table's ranges, one parameter at a time. */
size_t hpo__cheatsheet_count(const char *estimator)
{
    const sheet *s = find_sheet(estimator);
    size_t n = 0;
    while (s && s->entries[n].param)
        n++;
    return n;
}

int hpo__cheatsheet_entry(const char *estimator, size_t i, const char **param, const char **value)
{
    const sheet *s = find_sheet(estimator);
    if (!s || i >= hpo__cheatsheet_count(estimator))
        return HPO_EINVAL;
    *param = s->entries[i].param;
    *value = s->entries[i].value;
    return 0;
}
