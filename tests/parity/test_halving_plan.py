"""hpo's successive-halving schedule equals scikit-learn's.

For many generated settings -- candidates from a grid or from random search
(an integer n_candidates or 'exhaust', spaces of lists or with a continuous
distribution), integer and non-integer factors, min_resources 'smallest' /
'exhaust' / an integer, max_resources 'auto' / an integer, aggressive
elimination on and off, 2..5 folds, classification and regression, resource
n_samples or an estimator parameter -- fits scikit-learn's HalvingGridSearchCV
/ HalvingRandomSearchCV with a trivial estimator and compares min_resources_,
max_resources_, n_required_iterations_, n_possible_iterations_,
n_iterations_, n_resources_ and n_candidates_ with hpo's plan
(tests/tools/halving_plan.c); settings scikit-learn refuses must be refused.
Every fourth case (and the fixed ones) also goes through the command line as a
user writes it: a data file with that many rows and classes, a spec with
`scheduler: halving` over XGBoost (resource n_samples or n_estimators), and
`hpo plan --json`, whose schedule must equal scikit-learn's too.
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import warnings

import numpy as np
from scipy.stats import uniform
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingGridSearchCV, HalvingRandomSearchCV, KFold, StratifiedKFold

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paritylib import Tally  # noqa: E402

TOOL = os.path.join(os.environ.get("HPO_TOOLS", "build/tools"), "hpo-tool-halving_plan")
T = Tally()
warnings.filterwarnings("ignore")


class FastClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, a=0.0, budget=1):
        self.a = a
        self.budget = budget

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def score(self, X, y):
        return float(self.a)


class FastRegressor(RegressorMixin, BaseEstimator):
    def __init__(self, a=0.0, budget=1):
        self.a = a
        self.budget = budget

    def fit(self, X, y):
        return self

    def predict(self, X):
        return np.zeros(len(X))

    def score(self, X, y):
        return float(self.a)


rng = random.Random(20261128)
cases = []
for i in range(120):
    classif = rng.random() < 0.6
    n_classes = rng.choice([2, 3, 4]) if classif else 0
    k = rng.choice([2, 3, 5])
    n_samples = rng.choice([60, 97, 150, 240, 400, 1000])
    factor = rng.choice([2, 3, 4, 1.5, 2.5, 3.7])
    resource = rng.choice(["n_samples", "n_samples", "budget"])
    random_search = rng.random() < 0.4
    grid = rng.randint(1, 60)
    lists = rng.random() < 0.6
    n_cand = rng.choice(["exhaust", rng.randint(1, 60)])
    min_r = rng.choice(["smallest", "exhaust", rng.randint(1, 50)])
    if resource == "n_samples" and not isinstance(min_r, str):
        min_r = max(min_r, 2 * k * max(n_classes, 1))  # folds must be fillable
    max_r = "auto" if resource == "n_samples" and rng.random() < 0.6 else rng.randint(1, n_samples if resource == "n_samples" else 500)
    if resource == "n_samples" and max_r != "auto":
        max_r = max(max_r, 2 * k * max(n_classes, 1))
    cases.append(dict(classif=classif, n_classes=n_classes, k=k, n_samples=n_samples, factor=factor,
                      resource=resource, random_search=random_search, grid=grid, lists=lists,
                      n_cand=n_cand, min_r=min_r, max_r=max_r, aggressive=rng.random() < 0.3))
# a few fixed, well-known ones: the digits example of scikit-learn's user guide
cases.append(dict(classif=True, n_classes=10, k=5, n_samples=1797, factor=3, resource="n_samples",
                  random_search=False, grid=36, lists=True, n_cand=36, min_r="smallest", max_r="auto",
                  aggressive=False))
cases.append(dict(classif=True, n_classes=2, k=5, n_samples=1000, factor=2, resource="n_samples",
                  random_search=False, grid=30, lists=True, n_cand=30, min_r="smallest", max_r="auto",
                  aggressive=True))


def sklearn_plan(c):
    n, kc = c["n_samples"], c["n_classes"]
    X = np.zeros((n, 2))
    y = np.arange(n) % kc if c["classif"] else np.linspace(0, 1, n)
    est = FastClassifier() if c["classif"] else FastRegressor()
    cv = StratifiedKFold(c["k"]) if c["classif"] else KFold(c["k"])
    common = dict(factor=c["factor"], resource=c["resource"], min_resources=c["min_r"],
                  max_resources=c["max_r"], aggressive_elimination=c["aggressive"], cv=cv,
                  refit=False, error_score="raise")
    if c["random_search"]:
        dist = {"a": list(range(c["grid"]))} if c["lists"] else {"a": uniform(0, 1)}
        s = HalvingRandomSearchCV(est, dist, n_candidates=c["n_cand"], random_state=0, **common)
    else:
        s = HalvingGridSearchCV(est, {"a": list(range(c["grid"]))}, **common)
    try:
        s.fit(X, y)
    except ValueError as e:
        return {"error": str(e)}
    return {"min_resources_": float(s.min_resources_), "max_resources_": int(s.max_resources_),
            "n_required_iterations": int(s.n_required_iterations_),
            "n_possible_iterations": int(s.n_possible_iterations_), "n_iterations": int(s.n_iterations_),
            "n_resources": [int(r) for r in s.n_resources_], "n_candidates": [int(x) for x in s.n_candidates_]}


def request(c):
    rs = c["random_search"]
    return {"n_candidates": c["n_cand"] if rs else c["grid"],
            "grid_size": (c["grid"] if c["lists"] else 0) if rs else c["grid"],
            "factor": c["factor"], "resource": "n_samples" if c["resource"] == "n_samples" else "param",
            "min_resources": c["min_r"], "max_resources": c["max_r"],
            "aggressive_elimination": c["aggressive"], "n_samples": c["n_samples"],
            "n_splits": c["k"], "n_classes": c["n_classes"]}


out = subprocess.run([TOOL], input=json.dumps([request(c) for c in cases]), capture_output=True, text=True)
T.check(out.returncode == 0, "tool runs: " + out.stderr)
ours = [json.loads(line) for line in out.stdout.splitlines()]
T.check(len(ours) == len(cases), "one answer per case")
n_err = 0
for c, h in zip(cases, ours):
    s = sklearn_plan(c)
    if "error" in s:
        n_err += 1
        T.check("error" in h, f"refused as scikit-learn refuses ({s['error']}): {c} -> {h}")
        continue
    if "error" in h:
        T.check(False, f"hpo refused what scikit-learn runs: {c}: {h['error']}")
        continue
    for key in s:
        T.check(h[key] == s[key], f"{key}: hpo {h[key]} vs scikit-learn {s[key]} for {c}")


HPO = os.environ.get("HPO_BIN", "build/hpo")


def cli_plan(c, d):
    """The plan `hpo plan --json` prints for case c (data and spec written to d)."""
    n, kc = c["n_samples"], c["n_classes"]
    data = os.path.join(d, "data.csv")
    with open(data, "w") as f:
        f.write("x0,x1,target\n")
        for i in range(n):
            f.write(f"{i % 7},{i % 5},{(i % kc) if c['classif'] else i / max(n - 1, 1)}\n")
    if c["random_search"] and not c["lists"]:
        space = "  learning_rate: {type: float, low: 0.01, high: 1.0}\n"
    else:
        space = "  max_depth: [" + ", ".join(str(v + 1) for v in range(c["grid"])) + "]\n"
    sched = {"resource": "n_samples" if c["resource"] == "n_samples" else "n_estimators",
             "factor": c["factor"], "min_resources": c["min_r"], "max_resources": c["max_r"],
             "aggressive_elimination": "true" if c["aggressive"] else "false"}
    if c["random_search"]:
        sched["n_candidates"] = c["n_cand"]
    spec = os.path.join(d, "spec.yaml")
    with open(spec, "w") as f:
        f.write(f"study: plan\nstorage: sqlite:///{d}/h.db\nobjective:\n  estimator: xgboost\n"
                f"  data: {{path: {data}, target: target}}\n"
                f"  task: {'classification' if c['classif'] else 'regression'}\n"
                f"  cv: {{kind: {'stratified' if c['classif'] else 'kfold'}, folds: {c['k']}}}\n"
                f"space:\n{space}sampler: {'random' if c['random_search'] else 'grid'}\n"
                "scheduler:\n  name: halving\n" + "".join(f"  {k}: {v}\n" for k, v in sched.items()))
    out = subprocess.run([HPO, "plan", spec, "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": out.stderr.strip(), "status": out.returncode}
    p = json.loads(out.stdout)["scheduler"]
    return {"min_resources_": float(p["min_resources_"]), "max_resources_": p["max_resources_"],
            "n_required_iterations": p["n_required_iterations"],
            "n_possible_iterations": p["n_possible_iterations"], "n_iterations": p["n_iterations"],
            "n_resources": [i["n_resources"] for i in p["iterations"]],
            "n_candidates": [i["n_candidates"] for i in p["iterations"]]}


n_cli = 0
for i, c in enumerate(cases):
    if i % 4 and i < 120:
        continue
    s = sklearn_plan(c)
    with tempfile.TemporaryDirectory() as d:
        h = cli_plan(c, d)
    n_cli += 1
    if "error" in s:
        T.check("error" in h and h["status"] == 2,
                f"hpo plan refuses with status 2 as scikit-learn refuses ({s['error']}): {c} -> {h}")
        continue
    if "error" in h:
        T.check(False, f"hpo plan refused what scikit-learn runs: {c}: {h['error']}")
        continue
    for key in s:
        T.check(h[key] == s[key], f"hpo plan {key}: {h[key]} vs scikit-learn {s[key]} for {c}")
print(f"{len(cases)} cases, {n_err} refused by scikit-learn; {n_cli} through `hpo plan --json`")
sys.exit(T.summary())
