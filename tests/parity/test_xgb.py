"""hpo's xgboost / random_forest equal xgboost 1.7's scikit-learn wrapper, bit for bit.

Drives tests/tools/est_oracle.c; the oracle is Debian's python3-xgboost (the
same libxgboost underneath), one thread on both sides, the same seed
(random_state). Per fold of StratifiedKFold(5) / KFold(5):

- XGBClassifier on breast_cancer (binary) and wine (multiclass), XGBRegressor
  on diabetes, XGBRFClassifier on breast_cancer, XGBRFRegressor on diabetes,
  for several settings (max_depth, learning_rate, subsample < 1,
  colsample_* < 1, reg_alpha, reg_lambda, gamma, min_child_weight,
  tree_method approx / hist with max_bin): predictions equal and
  probabilities / values equal exactly (max difference reported, must be 0);
- predictions after save + load equal;
- continued training (fit to k rounds, save, load, fit_more to N) equals
  XGBClassifier(n_estimators=N), deterministic and sampled settings;
- two threads on both sides (exact trees) still equal;
- bad parameters: exit status 2 and a clear message.
"""
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import xgboost as xgb
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.model_selection import KFold, StratifiedKFold

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paritylib import Tally  # noqa: E402

warnings.filterwarnings("ignore")
TOOL = os.path.join(os.environ.get("HPO_TOOLS", "build/tools"), "hpo-tool-est_oracle")
T = Tally()
SEED = 7
PENDING = []
MAXDIFF = {}


def oracle(req):
    r = subprocess.run([TOOL], input=json.dumps(req), capture_output=True, text=True)
    out = json.loads(r.stdout) if r.stdout.strip() else {}
    return r.returncode, out, r.stderr


def flush():
    """Runs the pending comparisons as one batch of the tool."""
    if not PENDING:
        return
    r = subprocess.run([TOOL], input=json.dumps([c[2] for c in PENDING]), capture_output=True,
                       text=True)
    lines = [json.loads(x) for x in r.stdout.splitlines() if x.strip()]
    T.check(r.stderr == "", f"the tool wrote on stderr: {r.stderr[:300]}")
    if r.returncode != 0 or len(lines) != len(PENDING):
        T.check(False, f"batch failed ({r.returncode}): {r.stderr.strip()[:300]}")
        PENDING.clear()
        return
    for (what, group, req, want, want_p), got in zip(PENDING, lines):
        if "pred" not in got:
            T.check(False, f"{what}: tool failed: {got}")
            continue
        pred = np.array(got["pred"])
        if want_p is not None:
            T.check(np.array_equal(pred, want),
                    f"{what}: {int((pred != want).sum())} predictions differ")
            err = float(np.max(np.abs(np.array(got["proba"]) - want_p)))
        else:
            err = float(np.max(np.abs(pred - want)))
        MAXDIFF[group] = max(MAXDIFF.get(group, 0.0), err)
        T.check(err == 0.0, f"{what}: probabilities / values differ by {err}")
        if "pred_reloaded" in got:
            T.check(np.array_equal(np.array(got["pred_reloaded"]), pred),
                    f"{what}: predictions differ after save + load")
    PENDING.clear()


def model_of(estimator, task, params, threads=1):
    cls = {("xgboost", "classification"): xgb.XGBClassifier,
           ("xgboost", "regression"): xgb.XGBRegressor,
           ("random_forest", "classification"): xgb.XGBRFClassifier,
           ("random_forest", "regression"): xgb.XGBRFRegressor}[(estimator, task)]
    return cls(n_jobs=threads, random_state=SEED, **params)


def compare(what, group, estimator, Xtr, ytr, Xte, params, task, n_classes=0, threads=1,
            continue_from=None, save_load=False):
    req = {"estimator": estimator, "X_train": Xtr.tolist(), "y_train": ytr.tolist(),
           "X_test": Xte.tolist(), "task": task, "params": params, "seed": SEED,
           "threads": threads, "n_classes": int(n_classes)}
    if continue_from is not None:
        req["continue_from"] = continue_from
        del req["threads"]
    if save_load:
        req["save_load"] = True
    model = model_of(estimator, task, params, threads).fit(Xtr, ytr)
    want = model.predict(Xte)
    want_p = model.predict_proba(Xte) if task == "classification" else None
    PENDING.append((what, group, req, want, want_p))
    if len(PENDING) >= 10:
        flush()


SETTINGS = [
    {},
    {"max_depth": 3, "learning_rate": 0.1},
    {"subsample": 0.7, "colsample_bytree": 0.6},
    {"reg_alpha": 1.0, "gamma": 0.5, "min_child_weight": 3},
    {"tree_method": "hist", "max_bin": 64, "colsample_bynode": 0.5, "max_depth": 4},
    {"tree_method": "approx", "reg_lambda": 5.0, "colsample_bylevel": 0.7, "subsample": 0.9},
]

Xb, yb = load_breast_cancer(return_X_y=True)
Xw, yw = load_wine(return_X_y=True)
Xd, yd = load_diabetes(return_X_y=True)
CASES = [("xgboost", "breast_cancer", Xb, yb, "classification", 2, 50),
         ("xgboost", "wine", Xw, yw, "classification", 3, 50),
         ("xgboost", "diabetes", Xd, yd, "regression", 0, 50),
         ("random_forest", "breast_cancer", Xb, yb, "classification", 2, 30),
         ("random_forest", "diabetes", Xd, yd, "regression", 0, 30)]

for est, name, X, y, task, nc, n_est in CASES:
    splitter = StratifiedKFold(5) if task == "classification" else KFold(5)
    folds = list(splitter.split(X, y))
    for s, setting in enumerate(SETTINGS):
        params = dict(setting, n_estimators=n_est)
        for f, (tr, te) in enumerate(folds):
            compare(f"{est} {name} {params} fold {f}", f"{est} {name}", est, X[tr], y[tr], X[te],
                    params, task, nc, save_load=(f == 0))
flush()

# defaults (100 rounds) on one fold each
for est, name, X, y, task, nc, _ in CASES[:1] + CASES[3:4]:
    tr, te = next(StratifiedKFold(5).split(X, y))
    compare(f"{est} {name} defaults", f"{est} {name}", est, X[tr], y[tr], X[te], {}, task, nc)

# two threads on both sides (exact trees)
tr, te = next(StratifiedKFold(5).split(Xb, yb))
compare("xgboost breast_cancer 2 threads", "xgboost 2 threads", "xgboost", Xb[tr], yb[tr], Xb[te],
        {"n_estimators": 30, "max_depth": 4}, "classification", 2, threads=2)
flush()

# continued training: fit to k, save, load, fit_more to N == one fit to N
for setting in ({"max_depth": 3}, {"subsample": 0.8, "colsample_bynode": 0.7},
                {"tree_method": "hist", "max_bin": 32}):
    for name, X, y, task, nc in (("breast_cancer", Xb, yb, "classification", 2),
                                 ("wine", Xw, yw, "classification", 3),
                                 ("diabetes", Xd, yd, "regression", 0)):
        splitter = StratifiedKFold(5) if task == "classification" else KFold(5)
        tr, te = next(splitter.split(X, y))
        params = dict(setting, n_estimators=40)
        compare(f"continue 10 -> 40 {name} {setting}", "continue", "xgboost", X[tr], y[tr],
                X[te], params, task, nc, continue_from=10)
flush()

# ---- bad parameters
small = {"estimator": "xgboost", "X_train": [[0.0], [1.0], [2.0], [3.0]],
         "y_train": [0, 1, 1, 0], "X_test": [[0.5]], "task": "classification", "n_classes": 2}
bad = [("xgboost", {"n_estimators": 0}, "xgboost: n_estimators must be >= 1, got 0"),
       ("xgboost", {"learning_rate": -1}, "xgboost: learning_rate must be >= 0, got -1"),
       ("xgboost", {"subsample": 1.5}, "xgboost: subsample must be in (0, 1], got 1.5"),
       ("xgboost", {"colsample_bytree": 0.0}, "colsample_bytree must be in (0, 1], got 0"),
       ("xgboost", {"max_depth": 2.5}, "xgboost: max_depth must be an integer, got 2.5"),
       ("xgboost", {"gamma": -0.1}, "xgboost: gamma must be >= 0, got -0.1"),
       ("xgboost", {"tree_method": "gpu_hist"}, "tree_method must be one of 'auto', 'exact', "
                                                 "'approx', 'hist', got 'gpu_hist'"),
       ("xgboost", {"eta": 0.1}, "xgboost: unknown parameter 'eta'"),
       ("random_forest", {"n_estimator": 10},
        "random_forest: unknown parameter 'n_estimator' (did you mean 'n_estimators'?)"),
       ("random_forest", {"reg_lambda": -1}, "random_forest: reg_lambda must be >= 0, got -1")]
for est, params, msg in bad:
    rc, got, err = oracle(dict(small, estimator=est, params=params))
    T.check(rc == 2 and msg in got.get("error", "") and err == "",
            f"bad {est} {params}: rc={rc} {got} {err[:200]}")

for group in sorted(MAXDIFF):
    print(f"max |hpo - xgboost wrapper| {group}: {MAXDIFF[group]:.3g}")
sys.exit(T.summary())
