"""hpo's svc and svr estimators equal scikit-learn's SVC and SVR.

Drives tests/tools/est_oracle.c (batches of requests) and compares with
scikit-learn 1.2 on the same folds:

- digits, StratifiedKFold(5): rbf for C 0.1, 1, 10, 100 (gamma scale) and
  gamma auto, 0.001, 0.01 with several C, and linear, poly and sigmoid kernels: per-fold accuracy equal to
  cross_val_score's (cross_validate) within 1e-6, predictions equal, decision_function (ovr)
  within 1e-9 (it is computed in libsvm's order: in practice equal);
- breast_cancer (binary), standardised in numpy on each training fold: equal
  predictions, the binary decision value (positive = class 1) within 1e-9;
- class_weight='balanced' on an imbalanced subset of breast_cancer;
- probability=True on two digits folds: equal predictions, probabilities
  close to scikit-learn's (libsvm's Platt scaling shuffles with its own random
  generator in each library, so only close: mean |diff| < 0.01, max < 0.2);
- svr on diabetes (KFold 5, features standardised per training fold): r2 per
  fold within 1e-6 and predictions within 1e-7;
- save/load round trips (pred_reloaded equals pred);
- bad parameters: exit status 2 and a clear message.
"""
import json
import os
import subprocess
import sys

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold, StratifiedKFold, cross_validate
from sklearn.svm import SVC, SVR

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paritylib import Tally  # noqa: E402

TOOL = os.path.join(os.environ.get("HPO_TOOLS", "build/tools"), "hpo-tool-est_oracle")
T = Tally()
WORST = {"decision": 0.0, "proba_max": 0.0, "proba_mean": 0.0, "svr": 0.0, "r2": 0.0}


def run_batch(reqs):
    r = subprocess.run([TOOL], input=json.dumps(reqs), capture_output=True, text=True)
    lines = [json.loads(x) for x in r.stdout.splitlines() if x.strip()]
    if r.returncode != 0 or len(lines) != len(reqs):
        T.check(False, f"batch failed ({r.returncode}): {r.stderr.strip()[:300]}")
        return [{} for _ in reqs]
    return lines


def request(Xtr, ytr, Xte, params, task="classification", n_classes=None, save_load=True, **extra):
    req = {"estimator": "svc" if task == "classification" else "svr", "X_train": Xtr.tolist(),
           "y_train": ytr.tolist(), "X_test": Xte.tolist(), "task": task, "params": params,
           "proba": bool(params.get("probability", False)), "save_load": save_load}
    if n_classes is not None:
        req["n_classes"] = int(n_classes)
    req.update(extra)
    return req


def check_classifier(what, got, model, Xte, yte):
    if "pred" not in got:
        T.check(False, f"{what}: tool failed: {got}")
        return
    pred = np.array(got["pred"])
    want = model.predict(Xte)
    T.check(np.array_equal(pred, want), f"{what}: {int((pred != want).sum())} predictions differ")
    if "pred_reloaded" in got:
        T.check(np.array_equal(np.array(got["pred_reloaded"]), pred), f"{what}: save/load changes predictions")
    dec = np.array(got["decision"])
    want_dec = model.decision_function(Xte)
    T.check(dec.shape == want_dec.shape, f"{what}: decision shape {dec.shape} vs {want_dec.shape}")
    if dec.shape == want_dec.shape:
        err = float(np.max(np.abs(dec - want_dec)))
        WORST["decision"] = max(WORST["decision"], err)
        T.check(err <= 1e-9, f"{what}: decision_function differs by {err}")
        if dec.ndim == 1:
            T.check(np.array_equal(dec > 0, want_dec > 0), f"{what}: decision signs differ")
    return pred


# ---- digits, 5 stratified folds, against cross_val_score
X, y = load_digits(return_X_y=True)
folds = list(StratifiedKFold(5).split(X, y))
configs = [{"C": C} for C in (0.1, 1.0, 10.0, 100.0)]  # gamma 'scale'
configs += [{"C": 0.1, "gamma": "auto"}, {"C": 10.0, "gamma": 0.001}, {"C": 100.0, "gamma": 0.01},
            {"C": 1.0, "gamma": 0.001}, {"gamma": 0.01}]
configs += [{"kernel": "linear", "C": 0.1}, {"kernel": "linear", "C": 10.0},
            {"kernel": "poly"}, {"kernel": "poly", "degree": 2, "gamma": "auto", "coef0": 1.0, "C": 10.0},
            {"kernel": "sigmoid", "gamma": 0.001}, {"kernel": "sigmoid", "gamma": "auto", "coef0": -1.0, "C": 0.5},
            {"C": 1.0, "shrinking": False, "tol": 1e-4}]
for params in configs:
    cv = cross_validate(SVC(**params), X, y, cv=StratifiedKFold(5), scoring="accuracy", return_estimator=True)
    scores = cv["test_score"]
    reqs = [request(X[tr], y[tr], X[te], params, n_classes=10, save_load=f == 0) for f, (tr, te) in enumerate(folds)]
    for f, ((tr, te), got) in enumerate(zip(folds, run_batch(reqs))):
        what = f"digits {params} fold {f}"
        model = cv["estimator"][f]
        pred = check_classifier(what, got, model, X[te], y[te])
        if pred is not None:
            acc = float(np.mean(pred == y[te]))
            T.check(abs(acc - scores[f]) <= 1e-6, f"{what}: accuracy {acc} vs cross_validate {scores[f]}")

# ---- probability=True: predictions equal, probabilities close
for params in ({"probability": True}, {"probability": True, "C": 10.0, "gamma": 0.001}):
    reqs = [request(X[tr], y[tr], X[te], params, n_classes=10, seed=3) for tr, te in folds[:2]]
    for f, ((tr, te), got) in enumerate(zip(folds[:2], run_batch(reqs))):
        what = f"digits {params} fold {f}"
        model = SVC(random_state=0, **params).fit(X[tr], y[tr])
        check_classifier(what, got, model, X[te], y[te])
        if "proba" in got:
            diff = np.abs(np.array(got["proba"]) - model.predict_proba(X[te]))
            WORST["proba_max"] = max(WORST["proba_max"], float(diff.max()))
            WORST["proba_mean"] = max(WORST["proba_mean"], float(diff.mean()))
            T.check(diff.mean() < 0.01 and diff.max() < 0.2,
                    f"{what}: probabilities differ by {diff.mean()} on average, {diff.max()} at most")
            T.check(np.allclose(np.sum(got["proba"], axis=1), 1.0), f"{what}: probabilities sum to 1")


def standardised(Xtr, Xte):
    mean = Xtr.mean(axis=0)
    std = Xtr.std(axis=0)
    std[std == 0] = 1.0
    return (Xtr - mean) / std, (Xte - mean) / std


# ---- breast_cancer (binary), standardised per training fold
Xb, yb = load_breast_cancer(return_X_y=True)
cases = [({}, Xb, yb), ({"kernel": "linear", "C": 0.5}, Xb, yb), ({"C": 10.0, "gamma": "auto"}, Xb, yb),
         ({"kernel": "poly", "degree": 2, "coef0": 1.0}, Xb, yb)]
# an imbalanced subset: every benign (1) row and the first 40 malignant (0) rows
keep = np.concatenate([np.where(yb == 0)[0][:40], np.where(yb == 1)[0]])
keep.sort()
cases += [({"class_weight": "balanced"}, Xb[keep], yb[keep]),
          ({"class_weight": "balanced", "kernel": "linear", "C": 0.1}, Xb[keep], yb[keep]),
          ({"class_weight": "balanced", "C": 3.0, "gamma": 0.02}, Xb[keep], yb[keep])]
for params, Xc, yc in cases:
    sk_params = dict(params)
    reqs, models, tests = [], [], []
    cfolds = list(StratifiedKFold(5).split(Xc, yc))
    for tr, te in cfolds:
        Xtr, Xte = standardised(Xc[tr], Xc[te])
        reqs.append(request(Xtr, yc[tr], Xte, params, n_classes=2))
        models.append(SVC(**sk_params).fit(Xtr, yc[tr]))
        tests.append(Xte)
    for f, (got, model, Xte) in enumerate(zip(run_batch(reqs), models, tests)):
        check_classifier(f"breast_cancer{' imbalanced' if len(yc) < len(yb) else ''} {params} fold {f}",
                         got, model, Xte, yc[cfolds[f][1]])

# ---- svr on diabetes, KFold 5, standardised features
Xd, yd = load_diabetes(return_X_y=True)
for params in ({}, {"C": 100.0, "epsilon": 5.0}, {"kernel": "linear", "C": 10.0},
               {"kernel": "poly", "C": 50.0, "gamma": "auto", "coef0": 1.0, "degree": 2},
               {"C": 30.0, "gamma": 0.05, "epsilon": 0.0, "shrinking": False}):
    reqs, wants, ys = [], [], []
    for tr, te in KFold(5).split(Xd):
        Xtr, Xte = standardised(Xd[tr], Xd[te])
        reqs.append(request(Xtr, yd[tr], Xte, params, task="regression"))
        wants.append(SVR(**params).fit(Xtr, yd[tr]).predict(Xte))
        ys.append(yd[te])
    for f, (got, want, yte) in enumerate(zip(run_batch(reqs), wants, ys)):
        what = f"diabetes svr {params} fold {f}"
        if "pred" not in got:
            T.check(False, f"{what}: tool failed: {got}")
            continue
        pred = np.array(got["pred"])
        err = float(np.max(np.abs(pred - want)))
        r2 = abs(r2_score(yte, pred) - r2_score(yte, want))
        WORST["svr"] = max(WORST["svr"], err)
        WORST["r2"] = max(WORST["r2"], r2)
        T.check(err <= 1e-7, f"{what}: predictions differ by {err}")
        T.check(r2 <= 1e-6, f"{what}: r2 differs by {r2}")
        T.check(np.array_equal(np.array(got["pred_reloaded"]), pred), f"{what}: save/load changes predictions")

# ---- bad parameters
small = {"estimator": "svc", "X_train": [[0.0], [1.0], [2.0]], "y_train": [0, 1, 1], "X_test": [[0.5]],
         "task": "classification", "n_classes": 2, "proba": False}
bad = [({"C": 0}, "svc: C must be > 0, got 0"),
       ({"C": -1.5}, "svc: C must be > 0, got -1.5"),
       ({"kernel": "rbff"}, "(did you mean 'rbf'?)"),
       ({"gamma": "scael"}, "svc: gamma must be 'scale', 'auto' or a number > 0, got 'scael'"),
       ({"gamma": -1}, "svc: gamma must be 'scale', 'auto' or a number > 0, got -1"),
       ({"degree": -1}, "svc: degree must be in [0, 2147483647], got -1"),
       ({"tol": 0}, "svc: tol must be > 0, got 0"),
       ({"class_weight": "balance"}, "(did you mean 'balanced'?)"),
       ({"max_iter": 50}, "svc: max_iter must be -1"),
       ({"epsilon": 0.1}, "svc: unknown parameter 'epsilon'"),
       ({"probabilty": True}, "svc: unknown parameter 'probabilty' (did you mean 'probability'?)")]
for params, msg in bad:
    r = subprocess.run([TOOL], input=json.dumps(dict(small, params=params)), capture_output=True, text=True)
    got = json.loads(r.stdout) if r.stdout.strip() else {}
    T.check(r.returncode == 2 and msg in got.get("error", ""), f"bad {params}: rc={r.returncode} {got}")
r = subprocess.run([TOOL], input=json.dumps(dict(small, proba=True)), capture_output=True, text=True)
got = json.loads(r.stdout) if r.stdout.strip() else {}
T.check(r.returncode == 2 and "needs a model fitted with probability: true" in got.get("error", ""),
        f"predict_proba without probability: {got}")
svr_bad = dict(small, estimator="svr", task="regression", params={"epsilon": -1})
r = subprocess.run([TOOL], input=json.dumps(svr_bad), capture_output=True, text=True)
got = json.loads(r.stdout) if r.stdout.strip() else {}
T.check(r.returncode == 2 and "svr: epsilon must be >= 0, got -1" in got.get("error", ""), f"svr epsilon: {got}")

print(f"max |decision - sklearn|: {WORST['decision']:.3g}; svr max |pred diff|: {WORST['svr']:.3g}, "
      f"max r2 diff: {WORST['r2']:.3g}; probabilities: mean |diff| <= {WORST['proba_mean']:.3g}, "
      f"max {WORST['proba_max']:.3g}")
sys.exit(T.summary())
