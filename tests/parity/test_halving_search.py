"""A halving search keeps the candidates scikit-learn's HalvingGridSearchCV keeps.

Runs `hpo tune` on successive-halving specs (the example
examples/svc-digits-halving.yaml -- the 6 x 6 SVC grid on digits, factor 3,
n_samples resource, 2 workers -- a k-NN grid on iris with factor 2 and
aggressive elimination, and an SVR grid on diabetes scored by r2 with
KFold), exports cv_results, and compares with HalvingGridSearchCV on the same
data, folds and random_state: per iteration the same candidates in the same
order (which also checks how ties at the cut break: numpy's argsort order),
the same n_resources, every per-fold score equal, and the same best
parameters (chosen in the last iteration).
"""
import csv
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingGridSearchCV, KFold, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paritylib import Tally  # noqa: E402

warnings.filterwarnings("ignore")
HPO = os.environ["HPO_BIN"]
SRC = os.environ["HPO_SRC"]
T = Tally()


def load(name):
    d = np.loadtxt(os.path.join(SRC, "data", name), delimiter=",", skiprows=1)
    return d[:, :-1], d[:, -1]


def num(v):
    f = float(v)
    return int(f) if f == int(f) and "." not in v and "e" not in v.lower() else f


def run_hpo(spec_text, study, work):
    spec = os.path.join(work, study + ".yaml")
    with open(spec, "w") as f:
        f.write(spec_text)
    db = f"sqlite:///{work}/h.db"
    r = subprocess.run([HPO, "tune", spec, "--storage", db, "-q", "--no-refit"], capture_output=True,
                       text=True)
    T.check(r.returncode == 0, f"{study}: hpo tune: {r.stderr}")
    out = os.path.join(work, study + ".csv")
    subprocess.run([HPO, "export", study, "--storage", db, "--format", "cv_results", "-o", out],
                   check=True)
    return list(csv.DictReader(open(out)))


def compare(study, rows, search, names, n_splits):
    r = search.cv_results_
    T.check(int(max(int(x["iter"]) for x in rows)) + 1 == search.n_iterations_,
            f"{study}: {search.n_iterations_} iterations")
    for it in range(search.n_iterations_):
        sk = [k for k in range(len(r["iter"])) if r["iter"][k] == it]
        hp = [x for x in rows if int(x["iter"]) == it]
        sk_params = [tuple(float(r["params"][k][n]) if not isinstance(r["params"][k][n], str)
                           else r["params"][k][n] for n in names) for k in sk]
        hp_params = [tuple(float(x["param_" + n]) if n != "weights" else x["param_" + n]
                           for n in names) for x in hp]
        T.check(sk_params == hp_params,
                f"{study} iter {it}: candidates in order\n  hpo {hp_params}\n  sk  {sk_params}")
        T.check(all(int(float(x["n_resources"])) == int(r["n_resources"][k]) for x, k in zip(hp, sk)),
                f"{study} iter {it}: n_resources {r['n_resources'][sk[0]]}")
        for x, k in zip(hp, sk):
            for s in range(n_splits):
                a, b = float(x[f"split{s}_test_score"]), float(r[f"split{s}_test_score"][k])
                T.check(abs(a - b) <= 1e-9 * max(1.0, abs(b)),
                        f"{study} iter {it} {x['params']} split {s}: hpo {a} vs {b}")
    last = max(int(x["iter"]) for x in rows)
    cands = [x for x in rows if int(x["iter"]) == last]
    best = max(cands, key=lambda x: float(x["mean_test_score"]))  # first of equals, as nanargmax
    got = {n: (best["param_" + n] if n == "weights" else float(best["param_" + n])) for n in names}
    want = {n: (v if isinstance(v, str) else float(v)) for n, v in search.best_params_.items()}
    T.check(got == want, f"{study}: best {got} vs {want}")


with tempfile.TemporaryDirectory() as work:
    # 1. the example: SVC on digits
    X, y = load("digits.csv")
    text = open(os.path.join(SRC, "examples", "svc-digits-halving.yaml")).read()
    text = text.replace("data/digits.csv", os.path.join(SRC, "data", "digits.csv"))
    text = text.split("export:")[0]
    rows = run_hpo(text, "svc-digits-halving", work)
    grid = {"C": [0.1, 1, 10, 100, 1000, 10000], "gamma": [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0]}
    s = HalvingGridSearchCV(SVC(), grid, cv=StratifiedKFold(5), factor=3, random_state=0,
                            n_jobs=2).fit(X, y.astype(int))
    compare("svc-digits-halving", rows, s, ["C", "gamma"], 5)

    # 2. k-NN on iris, factor 2, aggressive elimination, min_resources 'smallest'
    X, y = load("iris.csv")
    rows = run_hpo(f"""study: knn-iris-halving
objective:
  estimator: knn
  data: {{path: {SRC}/data/iris.csv, target: target}}
  cv: 3
  preprocessing: none
space:
  n_neighbors: [1, 2, 3, 4, 5, 6, 7, 8, 9]
  weights: [uniform, distance]
sampler: grid
seed: 5
scheduler: {{name: halving, factor: 2, min_resources: smallest, aggressive_elimination: true}}
""", "knn-iris-halving", work)
    s = HalvingGridSearchCV(KNeighborsClassifier(), {"n_neighbors": list(range(1, 10)),
                                                     "weights": ["uniform", "distance"]},
                            cv=StratifiedKFold(3), factor=2, min_resources="smallest",
                            aggressive_elimination=True, random_state=5).fit(X, y.astype(int))
    compare("knn-iris-halving", rows, s, ["n_neighbors", "weights"], 3)

    # 3. SVR on diabetes (standardized), r2, KFold(4), factor 3
    X, y = load("diabetes.csv")
    rows = run_hpo(f"""study: svr-diabetes-halving
objective:
  estimator: svr
  data: {{path: {SRC}/data/diabetes.csv, target: target}}
  cv: 4
  scoring: r2
  preprocessing: standard
space:
  C: [1, 10, 100, 1000]
  epsilon: [0.1, 1.0, 10.0]
  gamma: [0.01, 0.1]
sampler: grid
seed: 11
scheduler: {{name: halving, factor: 3, min_resources: 40}}
""", "svr-diabetes-halving", work)
    s = HalvingGridSearchCV(make_pipeline(StandardScaler(), SVR()),
                            {"svr__C": [1, 10, 100, 1000], "svr__epsilon": [0.1, 1.0, 10.0],
                             "svr__gamma": [0.01, 0.1]},
                            cv=KFold(4), factor=3, min_resources=40, random_state=11,
                            scoring="r2").fit(X, y)
    s.cv_results_["params"] = [{k.split("__")[1]: v for k, v in p.items()} for p in s.cv_results_["params"]]
    s.best_params_ = {k.split("__")[1]: v for k, v in s.best_params_.items()}
    compare("svr-diabetes-halving", rows, s, ["C", "epsilon", "gamma"], 4)
sys.exit(T.summary())
