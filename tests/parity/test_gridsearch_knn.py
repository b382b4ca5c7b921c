"""hpo's grid search of knn on digits equals scikit-learn's GridSearchCV.

Runs `hpo tune` on a knn grid over data/digits.csv with 5 stratified folds,
exports cv_results, and compares every candidate's per-fold scores, mean and
rank, and the best parameters with GridSearchCV(KNeighborsClassifier(
algorithm='brute'), cv=StratifiedKFold(5)) on the same data.
"""
import csv
import json
import os

# scikit-learn's brute-force neighbours keep a heap per OpenMP thread and merge
# them, so which of several tied neighbours it keeps depends on the thread
# count; hpo reproduces the one-thread search. Pin it before numpy/sklearn load.
os.environ["OMP_NUM_THREADS"] = "1"
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier

HPO = os.environ["HPO_BIN"]
SRC = os.environ["HPO_SRC"]
passed = failed = 0


def check(desc, ok):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAILED:", desc)


grid = {"n_neighbors": [1, 3, 5, 9, 15], "weights": ["uniform", "distance"], "p": [1, 2]}
with tempfile.TemporaryDirectory() as work:
    spec = os.path.join(work, "knn.yaml")
    with open(spec, "w") as f:
        f.write(f"""study: knn
storage: sqlite:///{work}/hpo.db
objective:
  estimator: knn
  data: {{path: {SRC}/data/digits.csv, target: target}}
  cv: 5
  scoring: accuracy
space:
  n_neighbors: {json.dumps(grid['n_neighbors'])}
  weights: {json.dumps(grid['weights'])}
  p: {json.dumps(grid['p'])}
sampler: grid
workers: 2
""")
    run = subprocess.run([HPO, "tune", spec, "-q"], capture_output=True, text=True, cwd=work)
    check("hpo tune exits 0: " + run.stderr.strip(), run.returncode == 0)
    out = os.path.join(work, "cv.csv")
    subprocess.run([HPO, "export", "knn", "--storage", f"sqlite:///{work}/hpo.db",
                    "--format", "cv_results", "-o", out], check=True)
    rows = list(csv.DictReader(open(out, newline="")))

X, y = load_digits(return_X_y=True)
gs = GridSearchCV(KNeighborsClassifier(algorithm="brute"), grid, cv=StratifiedKFold(5), scoring="accuracy")
gs.fit(X, y)
res = gs.cv_results_
check("as many candidates", len(rows) == len(res["params"]))
by_params = {json.dumps({k: r[f"param_{k}"] for k in sorted(grid)}): r for r in rows}
for i, p in enumerate(res["params"]):
    key = json.dumps({k: str(p[k]) for k in sorted(grid)})
    r = by_params.get(key)
    check(f"candidate {p} present", r is not None)
    if r is None:
        continue
    for k in range(5):
        check(f"{p} split{k} equal", float(r[f"split{k}_test_score"]) == res[f"split{k}_test_score"][i])
    check(f"{p} mean within 1e-12", abs(float(r["mean_test_score"]) - res["mean_test_score"][i]) < 1e-12)
    check(f"{p} rank equal", int(r["rank_test_score"]) == res["rank_test_score"][i])
best = min(rows, key=lambda r: int(r["rank_test_score"]))
check("best parameters equal", all(best[f"param_{k}"] == str(gs.best_params_[k]) for k in grid))
check("best score equal", abs(float(best["mean_test_score"]) - gs.best_score_) < 1e-12)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
