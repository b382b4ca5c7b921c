"""The cv objective's n_samples budget equals scikit-learn 1.2's halving folds.

With resource n_samples, HalvingGridSearchCV evaluates every candidate of an
iteration on _SubsampleMetaSplitter(base_cv, fraction=n_resources / n,
subsample_test=True, random_state=seed): each base fold's training and test
rows resampled without replacement. For a fixed configuration, several
budgets and seeds, hpo-tool-cv_budget runs one trial of the cv objective at
that budget (through a memory study, as a scheduler's trial) and prints the
rows each fold used and its test score; scikit-learn computes the same
(cross_validate on the meta splitter's folds). Checked: the rows, in order,
are the splitter's; the per-fold scores are equal (exact for SVC accuracy on
digits -- same rows, same libsvm; SVR r2 on diabetes with a StandardScaler
fitted on the subsampled training rows, also exact); the budget equal to
all rows gives plain cross-validation; the resource info (rows, splits,
classes) is what halving's schedule reads from the data.
"""
import json
import os
import subprocess
import sys

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold, cross_validate
from sklearn.model_selection._search_successive_halving import _SubsampleMetaSplitter
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paritylib import Tally  # noqa: E402

TOOL = os.path.join(os.environ.get("HPO_TOOLS", "build/tools"), "hpo-tool-cv_budget")
SRC = os.environ.get("HPO_SRC", ".")
T = Tally()


def load(name):
    data = np.loadtxt(os.path.join(SRC, "data", name), delimiter=",", skiprows=1)
    return data[:, :-1], data[:, -1]


def hpo(data, est, kind, seed, budget, *params):
    r = subprocess.run([TOOL, os.path.join(SRC, "data", data), est, kind, "5", str(seed), "n_samples",
                        str(budget), *params], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"cv_budget failed ({r.returncode}): {r.stderr.strip()}")
    return json.loads(r.stdout)


def case(label, data, est, kind, seed, budget, model, base_cv, tol, *params):
    X, y = load(data)
    got = hpo(data, est, kind, seed, budget, *params)
    n = X.shape[0]
    what = f"{label} seed={seed} budget={budget}"
    T.check(got["n_resources"] == budget, f"{what}: n_resources {got['n_resources']}")
    T.check(got["n_samples"] == n, f"{what}: n_samples {got['n_samples']} vs {n}")
    classes = len(np.unique(y)) if kind == "stratified" else 0
    T.check(got["n_classes"] == classes, f"{what}: n_classes {got['n_classes']} vs {classes}")
    splitter = _SubsampleMetaSplitter(base_cv=base_cv, fraction=budget / n, subsample_test=True,
                                      random_state=seed)
    folds = list(splitter.split(X, y))
    T.check(len(got["rows"]) == len(folds), f"{what}: {len(got['rows'])} folds")
    for k, ((tr, te), (htr, hte)) in enumerate(zip(folds, got["rows"])):
        T.check(list(tr) == htr, f"{what}: fold {k} training rows ({len(htr)} vs {len(tr)})")
        T.check(list(te) == hte, f"{what}: fold {k} test rows ({len(hte)} vs {len(te)})")
    ref = cross_validate(model, X, y, cv=folds)["test_score"]
    for k, (a, b) in enumerate(zip(got["scores"], ref)):
        T.check(abs(a - b) <= tol, f"{what}: split{k}_test_score {a!r} vs scikit-learn {b!r}")
    return got


svc = SVC(C=10.0, gamma=0.001)
svc_params = ("C=10.0", "gamma=0.001")
for seed in (0, 7):
    for budget in (200, 600, 1797):
        case("svc digits", "digits.csv", "svc", "stratified", seed, budget, svc, StratifiedKFold(5), 0.0,
             *svc_params)

# The whole data set is the plain cross-validation of the same folds (the
# subsample is then a permutation of each fold, which SVC's result ignores).
X, y = load("digits.csv")
full = hpo("digits.csv", "svc", "stratified", 0, "nan", *svc_params)
plain = cross_validate(svc, X, y, cv=StratifiedKFold(5))["test_score"]
T.check(all(a == b for a, b in zip(full["scores"], plain)), f"no budget = plain CV: {full['scores']} vs {list(plain)}")
T.check(full["n_resources"] is None, "no budget: no n_resources")

svr = make_pipeline(StandardScaler(), SVR(C=100.0, epsilon=1.0))
for seed in (0, 7):
    for budget in (150, 400):
        case("svr diabetes", "diabetes.csv", "svr", "kfold", seed, budget, svr, KFold(5), 0.0,
             "C=100.0", "epsilon=1.0", "--scale=standard")

# Pool mode (two workers) gives the same folds and scores.
pooled = hpo("digits.csv", "svc", "stratified", 7, 600, *svc_params, "--workers=2")
serial = hpo("digits.csv", "svc", "stratified", 7, 600, *svc_params)
T.check(pooled["scores"] == serial["scores"] and pooled["rows"] == serial["rows"], "two workers = one")
sys.exit(T.summary())
