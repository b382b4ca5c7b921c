"""hpo's liblinear estimators against scikit-learn 1.2's LogisticRegression(solver='liblinear'),
LinearSVC and LinearSVR, on the same folds.

Drives tests/tools/est_oracle.c. hpo links Debian's liblinear 2.3; scikit-learn bundles an
older, modified liblinear. Exact parity is impossible (see src/ml/estimators/linear.c):
Debian's Newton solver preconditions its conjugate gradient, scikit-learn's does not, so the
deterministic primal solvers agree to the solver tolerance only; the dual and L1 solvers
shuffle with different generators. Hence two kinds of check:

- exact: per-fold accuracy equal within 1e-6 and every prediction equal, where the problem is
  well conditioned (standardised features) and the solver is the deterministic primal Newton
  one (logistic_regression penalty='l2', linear_svc dual=false, linear_svr
  squared_epsilon_insensitive dual=false); decisions, probabilities and coefficients (read back through
  decisions at probe rows 0, e_1, ..., e_d) within stated bounds;
- close: per-fold accuracy within 3 test rows and at most 1% of all CV predictions different
  (raw, badly scaled breast_cancer features; the shuffling L1 and dual solvers); R^2 within
  0.01 for the dual linear_svr.

The largest differences found are printed ("max ..." lines) for the report. Also: one-vs-rest
multiclass (iris, wine), class_weight='balanced', predictions after save/load, the same output
for the same seed, and scikit-learn's refusals of unsupported parameter combinations.
"""
import json
import os
import subprocess
import sys
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC, LinearSVR

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paritylib import Tally  # noqa: E402

TOOL = os.path.join(os.environ.get("HPO_TOOLS", "build/tools"), "hpo-tool-est_oracle")
T = Tally()
MAX = {}  # what -> largest difference seen
warnings.simplefilter("ignore", ConvergenceWarning)


def note(key, value):
    MAX[key] = max(MAX.get(key, 0.0), float(value))


def batch(reqs):
    r = subprocess.run([TOOL], input=json.dumps(reqs), capture_output=True, text=True)
    lines = [json.loads(x) for x in r.stdout.splitlines() if x.strip()]
    if r.returncode != 0 or len(lines) != len(reqs):
        T.check(False, f"batch failed ({r.returncode}): {r.stderr.strip()[:300]}")
        return [{} for _ in reqs]
    return lines


def oracle(req):
    r = subprocess.run([TOOL], input=json.dumps(req), capture_output=True, text=True)
    out = json.loads(r.stdout) if r.stdout.strip() else {}
    return r.returncode, out


def folds_of(X, y, scale, splitter):
    out = []
    for tr, te in splitter.split(X, y):
        Xtr, Xte = X[tr], X[te]
        if scale:
            s = StandardScaler().fit(Xtr)
            Xtr, Xte = s.transform(Xtr), s.transform(Xte)
        out.append((Xtr, y[tr], Xte, y[te]))
    return out


def request(est, Xtr, ytr, Xte, params, n_classes=None, seed=0, save_load=False):
    req = {"estimator": est, "X_train": Xtr.tolist(), "y_train": ytr.tolist(),
           "X_test": Xte.tolist(), "params": params, "seed": seed, "save_load": save_load}
    if n_classes is None:
        req["task"] = "regression"
    else:
        req["task"] = "classification"
        req["n_classes"] = int(n_classes)
    return req


def compare_classifier(what, est, model, params, folds, n_classes, exact, cv_scores=None,
                       dec_bound=None, proba_bound=None):
    """Fits hpo and scikit-learn on each fold and compares."""
    reqs = [request(est, Xtr, ytr, Xte, params, n_classes, seed=f, save_load=(f == 0))
            for f, (Xtr, ytr, Xte, _) in enumerate(folds)]
    # probe rows 0, e_1, ..., e_d give the intercepts and the coefficients
    Xtr0, ytr0 = folds[0][0], folds[0][1]
    probe = np.vstack([np.zeros(Xtr0.shape[1]), np.eye(Xtr0.shape[1])])
    reqs.append(request(est, Xtr0, ytr0, probe, params, n_classes, seed=0))
    got = batch(reqs)
    pg = got.pop()
    if "decision" in pg:
        m0 = model().set_params(random_state=0).fit(Xtr0, ytr0)
        D = np.array(pg["decision"]).reshape(len(probe), -1)
        coef, icpt = (D[1:] - D[0]).T, D[0]
        dc = float(np.max(np.abs(coef - m0.coef_)))
        rel = dc / float(np.max(np.abs(m0.coef_)))
        di = float(np.max(np.abs(icpt - m0.intercept_)))
        tag = "exact" if exact else "close"
        note(f"coef {tag} (abs)", dc)
        note(f"coef {tag} (relative to max |coef|)", rel)
        note(f"intercept {tag}", di)
        if exact and dec_bound is not None:
            T.check(rel <= 0.05, f"{what}: coefficients differ by {dc} ({rel:.3g} relative)")
    else:
        T.check(False, f"{what}: probe failed: {pg}")
    n_diff = n_all = 0
    for f, ((Xtr, ytr, Xte, yte), g) in enumerate(zip(folds, got)):
        if "pred" not in g:
            T.check(False, f"{what} fold {f}: tool failed: {g}")
            continue
        m = model().set_params(random_state=0).fit(Xtr, ytr)  # repeatable runs
        want = m.predict(Xte)
        pred = np.array(g["pred"])
        acc_h = float(np.mean(pred == yte))
        acc_s = float(np.mean(want == yte)) if cv_scores is None else float(cv_scores[f])
        d = int((pred != want).sum())
        n_diff += d
        n_all += len(yte)
        dec = float(np.max(np.abs(np.array(g["decision"]) - m.decision_function(Xte))))
        note(f"decision {what.split(' ')[0]} {'exact' if exact else 'close'}"
             f"{' (bounded)' if exact and dec_bound is not None else ''}", dec)
        if exact:
            T.check(abs(acc_h - acc_s) <= 1e-6, f"{what} fold {f}: accuracy {acc_h} vs {acc_s}")
            T.check(d == 0, f"{what} fold {f}: {d} predictions differ")
            if dec_bound is not None:
                T.check(dec <= dec_bound, f"{what} fold {f}: decisions differ by {dec}")
        else:
            T.check(abs(acc_h - acc_s) <= 3.0 / len(yte) + 1e-12,
                    f"{what} fold {f}: accuracy {acc_h} vs {acc_s}")
        if "proba" in g:
            p = float(np.max(np.abs(np.array(g["proba"]) - m.predict_proba(Xte))))
            note(f"proba {'exact' if exact else 'close'}"
                 f"{' (bounded)' if exact and proba_bound is not None else ''}", p)
            rows = np.array(g["proba"]).sum(axis=1)
            T.check(float(np.max(np.abs(rows - 1))) <= 1e-12, f"{what} fold {f}: proba rows")
            if exact and proba_bound is not None:
                T.check(p <= proba_bound, f"{what} fold {f}: probabilities differ by {p}")
        if "pred_reloaded" in g:
            T.check(g["pred_reloaded"] == g["pred"], f"{what} fold {f}: save/load changed "
                    "predictions")
    note("differing predictions share " + ("exact" if exact else "close"), n_diff / max(n_all, 1))
    if not exact:
        T.check(n_diff <= 0.01 * n_all, f"{what}: {n_diff} of {n_all} predictions differ")


# ---- logistic regression on breast_cancer: the brief's grid
X, y = load_breast_cancer(return_X_y=True)
skf = StratifiedKFold(5)
raw_folds, std_folds = folds_of(X, y, False, skf), folds_of(X, y, True, skf)
for C in (0.01, 0.1, 1, 10):
    for penalty in ("l2", "l1"):
        for scale in (False, True):
            def model(C=C, penalty=penalty):
                return LogisticRegression(solver="liblinear", C=C, penalty=penalty)

            one = model().set_params(random_state=0)
            pipe = make_pipeline(StandardScaler(), one) if scale else one
            scores = cross_val_score(pipe, X, y, cv=skf)
            exact = scale and penalty == "l2"
            compare_classifier(f"logistic_regression C={C} {penalty} "
                               f"{'standardised' if scale else 'raw'}",
                               "logistic_regression", model, {"C": float(C), "penalty": penalty},
                               std_folds if scale else raw_folds, 2, exact, cv_scores=scores,
                               dec_bound=0.1, proba_bound=0.01)
compare_classifier("logistic_regression balanced standardised", "logistic_regression",
                   lambda: LogisticRegression(solver="liblinear", class_weight="balanced"),
                   {"class_weight": "balanced"}, std_folds, 2, True, dec_bound=0.1,
                   proba_bound=0.01)
compare_classifier("logistic_regression no-intercept standardised", "logistic_regression",
                   lambda: LogisticRegression(solver="liblinear", fit_intercept=False),
                   {"fit_intercept": False}, std_folds, 2, True, dec_bound=0.1,
                   proba_bound=0.01)
compare_classifier("logistic_regression dual standardised", "logistic_regression",
                   lambda: LogisticRegression(solver="liblinear", dual=True, max_iter=1000),
                   {"dual": True}, std_folds, 2, False)

# ---- one-vs-rest multiclass
for name, loader in (("iris", load_iris), ("wine", load_wine)):
    Xm, ym = loader(return_X_y=True)
    for scale in (False, True):
        fm = folds_of(Xm, ym, scale, StratifiedKFold(5))
        tag = f"{name} {'standardised' if scale else 'raw'}"
        compare_classifier(f"logistic_regression {tag}", "logistic_regression",
                           lambda: LogisticRegression(solver="liblinear"), {}, fm, 3, True,
                           proba_bound=0.02)
        if scale:
            compare_classifier(f"linear_svc primal {tag}", "linear_svc",
                               lambda: LinearSVC(dual=False), {"dual": False}, fm, 3, True,
                               dec_bound=0.1)
            compare_classifier(f"linear_svc dual {tag}", "linear_svc", lambda: LinearSVC(), {},
                               fm, 3, False)

# ---- linear_svc on breast_cancer (standardised)
for C in (0.1, 1.0):
    compare_classifier(f"linear_svc primal C={C} standardised", "linear_svc",
                       lambda C=C: LinearSVC(C=C, dual=False), {"C": C, "dual": False},
                       std_folds, 2, True, dec_bound=0.1)
    compare_classifier(f"linear_svc dual C={C} standardised", "linear_svc",
                       lambda C=C: LinearSVC(C=C), {"C": C}, std_folds, 2, False)
    compare_classifier(f"linear_svc hinge C={C} standardised", "linear_svc",
                       lambda C=C: LinearSVC(C=C, loss="hinge"), {"C": C, "loss": "hinge"},
                       std_folds, 2, False)
    compare_classifier(f"linear_svc l1 C={C} standardised", "linear_svc",
                       lambda C=C: LinearSVC(C=C, penalty="l1", dual=False),
                       {"C": C, "penalty": "l1", "dual": False}, std_folds, 2, False)

# ---- linear_svr on diabetes (features standardised on the training fold)
Xd, yd = load_diabetes(return_X_y=True)
dfolds = folds_of(Xd, yd, True, KFold(5))
svr_cases = [({"loss": "squared_epsilon_insensitive", "dual": False}, True),
             ({"loss": "squared_epsilon_insensitive", "dual": False, "C": 0.1}, True),
             ({}, False), ({"C": 10.0, "epsilon": 0.1}, False),
             ({"loss": "squared_epsilon_insensitive"}, False)]
reqs = [request("linear_svr", Xtr, ytr, Xte, params, seed=f, save_load=True)
        for params, _ in svr_cases for f, (Xtr, ytr, Xte, _) in enumerate(dfolds)]
got = iter(batch(reqs))
for params, exact in svr_cases:
    for f, (Xtr, ytr, Xte, yte) in enumerate(dfolds):
        g = next(got)
        if "pred" not in g:
            T.check(False, f"linear_svr {params} fold {f}: tool failed: {g}")
            continue
        want = LinearSVR(random_state=0, **params).fit(Xtr, ytr).predict(Xte)
        r2h, r2s = r2_score(yte, g["pred"]), r2_score(yte, want)
        note(f"linear_svr r2 {'exact' if exact else 'close'}", abs(r2h - r2s))
        note(f"linear_svr pred {'exact' if exact else 'close'}",
             np.max(np.abs(np.array(g["pred"]) - want)))
        T.check(abs(r2h - r2s) <= (1e-6 if exact else 0.01),
                f"linear_svr {params} fold {f}: r2 {r2h} vs {r2s}")
        T.check(g["pred_reloaded"] == g["pred"], f"linear_svr {params} fold {f}: save/load")

# ---- the same seed, the same model (the shuffling dual solver); another seed runs too
Xtr, ytr, Xte, _ = raw_folds[0]
req = request("linear_svc", Xtr, ytr, Xte, {}, 2, seed=11)
a, b = batch([req, req])
c = batch([dict(req, seed=12)])[0]
T.check("decision" in a and a == b, "linear_svc: the same seed gave different models")
T.check("decision" in c, f"linear_svc seed 12: {c}")

# ---- bad parameters
small = {"X_train": [[0.0], [1.0], [2.0], [3.0]], "y_train": [0, 0, 1, 1], "X_test": [[0.5]],
         "task": "classification", "n_classes": 2}
bad = [("logistic_regression", {"C": 0}, "logistic_regression: C must be > 0, got 0"),
       ("logistic_regression", {"penalty": "l1", "dual": True},
        "penalty='l1' is not supported when dual=true"),
       ("logistic_regression", {"penalty": "elasticnet"}, "penalty must be one of 'l2', 'l1'"),
       ("linear_svc", {"penalty": "l1", "loss": "hinge", "dual": False},
        "linear_svc: penalty='l1' with loss='hinge' is not supported"),
       ("linear_svc", {"loss": "hinge", "dual": False},
        "penalty='l2' with loss='hinge' is not supported when dual=false"),
       ("linear_svc", {"penalty": "l1"},
        "penalty='l1' with loss='squared_hinge' is not supported when dual=true"),
       ("linear_svc", {"class_weight": "balancd"}, "(did you mean 'balanced'?)"),
       ("linear_svc", {"tol": 0}, "tol must be > 0"),
       ("linear_svc", {"intercept_scaling": -1}, "intercept_scaling must be > 0"),
       ("linear_svc", {"epsilon": 0.1}, "linear_svc: unknown parameter 'epsilon'"),
       ("linear_svr", {"dual": False},
        "loss='epsilon_insensitive' is not supported when dual=false"),
       ("linear_svr", {"epsilon": -1}, "epsilon must be >= 0"),
       ("linear_svr", {"max_iter": 0}, "max_iter must be >= 1, got 0")]
for est, params, msg in bad:
    req = dict(small, estimator=est, params=params)
    if est == "linear_svr":
        req["task"] = "regression"
    rc, got1 = oracle(req)
    T.check(rc == 2 and msg in got1.get("error", ""), f"bad {est} {params}: rc={rc} {got1}")
rc, got1 = oracle(dict(small, estimator="logistic_regression", y_train=[1, 1, 1, 1]))
T.check(rc == 2 and "at least 2 classes" in got1.get("error", ""), f"one class: {got1}")

for k in sorted(MAX):
    print(f"max {k}: {MAX[k]:.3g}")
sys.exit(T.summary())
