"""fANOVA importances (hpo plot STUDY importance) against Optuna's fANOVA
(optuna.importance._fanova._Fanova, the engine of FanovaImportanceEvaluator)
fitted to the same inputs: the two golden studies (JSON exports of real
studies, tests/golden/), hpo's encoding — log10 axes scaled to [0, 1] for log
parameters, a categorical's level index over [-0.5, levels - 0.5] — and
Optuna's forest settings (64 trees, max_depth 64, min_samples_split 2,
min_samples_leaf 1), shares normalized to sum to 1, each side averaged over 5
seeds. The forests are hpo's and scikit-learn's with different draws, so the
shares agree up to seed noise: every share within 0.05 and the same ranking
wherever Optuna's shares are more than 0.05 apart.

Optuna's own evaluator works on raw values (transform_log=False) and one-hot
categoricals; hpo measures importance along the axes users see (log axes for
log parameters), so FanovaImportanceEvaluator's numbers differ on log
parameters by design (docs/plots.md)."""
import json
import math
import os
import subprocess
import sys

import numpy as np
from optuna.importance._fanova._fanova import _Fanova

from paritylib import Tally

SRC = os.environ.get("HPO_SRC", ".")
HPO = os.environ.get("HPO_BIN", "build/hpo")
SEEDS = range(5)


def label(v):
    """A categorical value as hpo's snapshot labels it."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def encode(path):
    """Parameter names, hpo's model-space X, y and the bounds of each column."""
    d = json.load(open(path))
    params = [p for sub in d["space"]["subspaces"] for p in sub]
    names, bounds = [], []
    for p in params:
        names.append(p["name"])
        bounds.append([-0.5, len(p["choices"]) - 0.5] if p["type"] == "categorical" else [0.0, 1.0])
    rows, ys = [], []
    for t in d["trials"]:
        if t["state"] != "complete" or t["value"] is None or math.isnan(t["value"]):
            continue
        row = []
        for p in params:
            v = t["params"].get(p["name"])
            if p["type"] == "categorical":
                labels = [label(c) for c in p["choices"]]
                row.append(float(labels.index(label(v))) if v is not None else 0.0)
            else:
                lo, hi = p["low"], p["high"]
                v = lo if v is None else v
                if p["log"]:
                    v, lo, hi = math.log10(v), math.log10(lo), math.log10(hi)
                row.append((v - lo) / (hi - lo))
        rows.append(row)
        ys.append(t["value"])
    return names, np.array(rows), np.array(ys), np.array(bounds)


def optuna_shares(names, X, y, bounds, seed):
    f = _Fanova(n_trees=64, max_depth=64, min_samples_split=2, min_samples_leaf=1, seed=seed)
    f.fit(X=X, y=y, search_spaces=bounds, column_to_encoded_columns=[np.array([j]) for j in range(len(names))])
    imp = np.array([f.get_importance(j)[0] for j in range(len(names))])
    imp /= imp.sum()
    return dict(zip(names, imp))


def hpo_shares(path, seed):
    r = subprocess.run([HPO, "plot", path, "importance", "--format", "txt", "--seed", str(seed)],
                       capture_output=True, text=True, check=True)
    shares = {}
    for line in r.stdout.splitlines()[1:]:
        name, value = line.split()[:2]
        shares[name] = float(value)
    return shares


def mean(dicts):
    return {k: sum(d[k] for d in dicts) / len(dicts) for k in dicts[0]}


def main():
    t = Tally()
    for fixture in ("golden-hyperband", "svc-digits-bo"):
        path = os.path.join(SRC, "tests", "golden", fixture + ".json")
        names, X, y, bounds = encode(path)
        ours = mean([hpo_shares(path, s) for s in SEEDS])
        theirs = mean([optuna_shares(names, X, y, bounds, s) for s in SEEDS])
        print(fixture, "hpo", {k: round(v, 3) for k, v in ours.items()},
              "optuna", {k: round(v, 3) for k, v in theirs.items()})
        t.check(set(ours) == set(theirs), f"{fixture}: the same parameters")
        for a in theirs:
            t.check(abs(ours[a] - theirs[a]) <= 0.05, f"{fixture}: {a} share {ours[a]:.3f} vs {theirs[a]:.3f}")
            for b in theirs:
                if theirs[a] > theirs[b] + 0.05:
                    t.check(ours[a] > ours[b], f"{fixture}: {a} above {b}")
    return t.summary()


if __name__ == "__main__":
    sys.exit(main())
