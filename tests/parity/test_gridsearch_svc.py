"""The README's main job equals scikit-learn's GridSearchCV.

Runs `hpo tune examples/svc-digits-grid.yaml` (the 6 x 6 C x gamma RBF-SVC
grid on digits, 5 stratified folds, 2 workers) in a scratch storage, exports
cv_results, and compares with GridSearchCV(SVC(), same grid,
cv=StratifiedKFold(5)) on the same data: the best parameters and best mean
score equal, every candidate's per-fold accuracy within 1e-6, ranks equal
(scores are fractions of 360 rows, so within 1e-6 means the same count of
correct predictions); then the refitted model's predictions on the data equal
GridSearchCV's best_estimator_.
"""
import csv
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.svm import SVC

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paritylib import Tally  # noqa: E402

HPO = os.environ["HPO_BIN"]
SRC = os.environ["HPO_SRC"]
T = Tally()

example = open(os.path.join(SRC, "examples", "svc-digits-grid.yaml")).read()


def listed(name):
    m = re.search(rf"^  {name}: \[(.*)\]$", example, re.M)
    return [float(v) for v in m.group(1).split(",")]


grid = {"C": listed("C"), "gamma": listed("gamma")}
with tempfile.TemporaryDirectory() as work:
    db = f"sqlite:///{work}/hpo.db"
    spec = os.path.join(work, "svc.yaml")
    text = example.replace("data/digits.csv", f"{SRC}/data/digits.csv")
    text = re.sub(r"^export:.*\n(  .*\n)*", "", text, flags=re.M)
    open(spec, "w").write(text)
    run = subprocess.run([HPO, "tune", spec, "-q", "--storage", db], capture_output=True, text=True, cwd=work)
    T.check(run.returncode == 0, "hpo tune exits 0: " + run.stderr.strip())
    out = os.path.join(work, "cv.csv")
    subprocess.run([HPO, "export", "svc-digits-grid", "--storage", db, "--format", "cv_results", "-o", out], check=True)
    rows = list(csv.DictReader(open(out, newline="")))
    pred = subprocess.run([HPO, "predict", "svc-digits-grid", f"{SRC}/data/digits.csv", "--storage", db],
                          capture_output=True, text=True)
    T.check(pred.returncode == 0, "hpo predict exits 0: " + pred.stderr.strip())
    ours = [int(r["target"]) for r in csv.DictReader(pred.stdout.splitlines())]

X, y = load_digits(return_X_y=True)
gs = GridSearchCV(SVC(kernel="rbf"), grid, cv=StratifiedKFold(5), scoring="accuracy", n_jobs=2)
gs.fit(X, y)
res = gs.cv_results_
T.check(len(rows) == len(res["params"]) == 36, "36 candidates")
by = {(float(r["param_C"]), float(r["param_gamma"])): r for r in rows}
worst = 0.0
for i, p in enumerate(res["params"]):
    r = by.get((p["C"], p["gamma"]))
    T.check(r is not None, f"candidate {p} present")
    if r is None:
        continue
    for k in range(5):
        d = abs(float(r[f"split{k}_test_score"]) - res[f"split{k}_test_score"][i])
        worst = max(worst, d)
        T.check(d < 1e-6, f"{p} split{k}: {r[f'split{k}_test_score']} vs {res[f'split{k}_test_score'][i]}")
    T.check(int(r["rank_test_score"]) == res["rank_test_score"][i], f"{p} rank")
best = min(rows, key=lambda r: int(r["rank_test_score"]))
T.check(float(best["param_C"]) == gs.best_params_["C"] and float(best["param_gamma"]) == gs.best_params_["gamma"],
        f"best parameters {best['param_C']}, {best['param_gamma']} vs {gs.best_params_}")
T.check(abs(float(best["mean_test_score"]) - gs.best_score_) < 1e-6, "best score")
T.check(ours == list(gs.best_estimator_.predict(X)), "refitted model predicts as best_estimator_")
print(f"max per-fold difference: {worst:.3g}; best {gs.best_params_} {gs.best_score_:.6f}")
sys.exit(T.summary())
