"""hpo's knn estimator equals scikit-learn's KNeighbors{Classifier,Regressor}(algorithm='brute').

Drives tests/tools/est_oracle.c. scikit-learn's brute-force search keeps
different tied neighbours depending on its OpenMP thread count, so each
comparison pins scikit-learn's threads (threadpoolctl) and tells hpo the same
count (hpo's default is 1).

- digits, the 5 StratifiedKFold folds: n_neighbors 1, 3, 5, 15 x weights x p 1, 2
  (and minkowski p 1.5, 3 with 5 neighbours):
  predictions exactly equal, probabilities within 1e-12 (1 thread; a subset
  again with scikit-learn's 2 threads when the machine has 2 CPUs);
- small integer data with many duplicate rows and tied distances, including
  more queries than training rows (the other search strategy), p = 1.5, 3:
  equal predictions, probabilities within 1e-12;
- diabetes regression (KFold 5): predictions within 1e-9;
- bad parameters: exit status 2 and a clear message.
"""
import json
import os
import subprocess
import sys

import numpy as np
from sklearn.datasets import load_diabetes, load_digits
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paritylib import Tally  # noqa: E402

TOOL = os.path.join(os.environ.get("HPO_TOOLS", "build/tools"), "hpo-tool-est_oracle")
T = Tally()


def oracle(req):
    r = subprocess.run([TOOL], input=json.dumps(req), capture_output=True, text=True)
    out = json.loads(r.stdout) if r.stdout.strip() else {}
    return r.returncode, out


PENDING = []


def flush():
    """Runs the pending comparisons as one batch of the tool."""
    if not PENDING:
        return
    r = subprocess.run([TOOL], input=json.dumps([c[1] for c in PENDING]), capture_output=True,
                       text=True)
    lines = [json.loads(x) for x in r.stdout.splitlines() if x.strip()]
    if r.returncode != 0 or len(lines) != len(PENDING):
        T.check(False, f"batch failed ({r.returncode}): {r.stderr.strip()[:300]}")
        PENDING.clear()
        return
    for (what, req, want, want_p), got in zip(PENDING, lines):
        if "pred" not in got:
            T.check(False, f"{what}: tool failed: {got}")
            continue
        pred = np.array(got["pred"])
        if want_p is not None:
            T.check(np.array_equal(pred, want), f"{what}: {int((pred != want).sum())} predictions differ")
            err = float(np.max(np.abs(np.array(got["proba"]) - want_p)))
            T.check(err <= 1e-12, f"{what}: probabilities differ by {err}")
        else:
            err = float(np.max(np.abs(pred - want)))
            T.check(err <= 1e-9, f"{what}: regression predictions differ by {err}")
    PENDING.clear()


def compare(what, Xtr, ytr, Xte, params, task="classification", threads=1, n_classes=None):
    req = {"X_train": Xtr.tolist(), "y_train": ytr.tolist(), "X_test": Xte.tolist(),
           "task": task, "params": params, "threads": threads}
    if task == "classification":
        req["n_classes"] = int(n_classes)
        model = KNeighborsClassifier(algorithm="brute", **params)
    else:
        model = KNeighborsRegressor(algorithm="brute", **params)
    model.fit(Xtr, ytr)
    eff = _openmp_effective_n_threads()  # the caller pins it with threadpool_limits
    want = model.predict(Xte)
    want_p = model.predict_proba(Xte) if task == "classification" else None
    if eff != threads:
        T.check(False, f"{what}: scikit-learn uses {eff} threads, not {threads}")
        return
    PENDING.append((what, req, want, want_p))
    if len(PENDING) >= 20:
        flush()


ONE_THREAD = threadpool_limits(limits=1, user_api="openmp")

# ---- digits, 5 stratified folds
X, y = load_digits(return_X_y=True)
folds = list(StratifiedKFold(5).split(X, y))
for k in (1, 3, 5, 15):
    for w in ("uniform", "distance"):
        for p in (1, 2):
            for f, (tr, te) in enumerate(folds):
                compare(f"digits k={k} {w} p={p} fold {f}", X[tr], y[tr], X[te],
                        {"n_neighbors": k, "weights": w, "p": p}, n_classes=10)
for p in (1.5, 3):  # minkowski (slow in scikit-learn: two folds)
    for w in ("uniform", "distance"):
        for f, (tr, te) in enumerate(folds[:2]):
            compare(f"digits k=5 {w} p={p} fold {f}", X[tr], y[tr], X[te],
                    {"n_neighbors": 5, "weights": w, "p": p}, n_classes=10)
if (os.cpu_count() or 1) >= 2:
    ONE_THREAD.restore_original_limits()
    TWO = threadpool_limits(limits=2, user_api="openmp")
    for k, w, p in ((5, "uniform", 1), (15, "distance", 1), (15, "uniform", 2)):
        for f, (tr, te) in enumerate(folds):
            compare(f"digits 2 threads k={k} {w} p={p} fold {f}", X[tr], y[tr], X[te],
                    {"n_neighbors": k, "weights": w, "p": p}, threads=2, n_classes=10)
    flush()
    TWO.restore_original_limits()
    ONE_THREAD = threadpool_limits(limits=1, user_api="openmp")

# ---- small data with duplicate rows and many ties
rng = np.random.default_rng(7)
for case in range(12):
    base = rng.integers(0, 3, size=(8, 3)).astype(float)
    n_tr = int(rng.integers(12, 40))
    Xtr = base[rng.integers(0, 8, n_tr)]
    ytr = rng.integers(0, 3, n_tr)
    ytr[:3] = [0, 1, 2]
    n_te = int(rng.integers(5, 90))  # sometimes more queries than training rows
    Xte = np.vstack([base[rng.integers(0, 8, n_te // 2)],
                     rng.integers(0, 3, size=(n_te - n_te // 2, 3)).astype(float)])
    for k in (1, 2, 4, 7, min(11, n_tr)):
        for w in ("uniform", "distance"):
            for p in (1, 1.5, 2, 3):
                compare(f"ties case {case} k={k} {w} p={p}", Xtr, ytr, Xte,
                        {"n_neighbors": k, "weights": w, "p": p}, n_classes=3)

# ---- diabetes regression
Xd, yd = load_diabetes(return_X_y=True)
for k in (1, 5, 20):
    for w in ("uniform", "distance"):
        for p in (1, 2, 3):
            for f, (tr, te) in enumerate(KFold(5).split(Xd)):
                compare(f"diabetes k={k} {w} p={p} fold {f}", Xd[tr], yd[tr], Xd[te],
                        {"n_neighbors": k, "weights": w, "p": p}, task="regression")

flush()

# ---- bad parameters
small = {"X_train": [[0.0], [1.0], [2.0]], "y_train": [0, 1, 1], "X_test": [[0.5]],
         "task": "classification", "n_classes": 2}
bad = [({"n_neighbors": 0}, "n_neighbors must be >= 1, got 0"),
       ({"weights": "foo"}, "weights must be one of 'uniform', 'distance', got 'foo'"),
       ({"weights": "distanse"}, "(did you mean 'distance'?)"),
       ({"n_neighbour": 3}, "knn: unknown parameter 'n_neighbour' (did you mean 'n_neighbors'?)"),
       ({"p": 0.5}, "p must be >= 1, got 0.5"),
       ({"n_neighbors": 2.5}, "n_neighbors must be an integer, got 2.5"),
       ({"n_neighbors": 4}, "Expected n_neighbors <= n_samples_fit")]
for params, msg in bad:
    rc, got = oracle(dict(small, params=params))
    T.check(rc == 2 and msg in got.get("error", ""), f"bad {params}: rc={rc} {got}")

sys.exit(T.summary())
