"""hpo's scorers against scikit-learn's metric functions on the same predictions.

Random binary, multiclass and regression predictions (with tied scores, exact 0
and 1 probabilities, constant targets, absent classes, single samples) are
scored by hpo-tool-ml_oracle and by the scikit-learn function behind each
scorer name; values must agree within 1e-9 (relative to max(1, |value|)), NaN
with NaN, and an error in one must be an error in the other.

Documented differences (hpo's choices, not tested as parity):
- roc_auc on multiclass is roc_auc_score(multi_class='ovr', average='macro');
- neg_log_loss uses labels=range(n_classes), so a y_true lacking a class is
  scored (scikit-learn's scorer raises there); both agree when labels are given.
"""
import json
import math
import os
import random
import subprocess
import sys
import warnings

import numpy as np
from sklearn import metrics as M

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paritylib import Tally  # noqa: E402

TOOL = os.path.join(os.environ.get("HPO_TOOLS", "build/tools"), "hpo-tool-ml_oracle")
T = Tally()
CLASSIF = ["accuracy", "balanced_accuracy", "f1", "f1_macro", "f1_weighted", "precision",
           "recall", "roc_auc", "neg_log_loss"]
REGR = ["r2", "neg_mean_squared_error", "neg_root_mean_squared_error",
        "neg_mean_absolute_error"]


def oracle(requests):
    r = subprocess.run([TOOL], input=json.dumps(requests), capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"tool failed ({r.returncode}): {r.stderr.strip()}")
    out = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    assert len(out) == len(requests)
    return out


def sk_score(name, yt, yp, proba, k):
    yt = np.asarray(yt)
    if name in REGR:
        yp = np.asarray(yp, dtype=float)
        yt = yt.astype(float)
        return {"r2": lambda: M.r2_score(yt, yp),
                "neg_mean_squared_error": lambda: -M.mean_squared_error(yt, yp),
                "neg_root_mean_squared_error":
                    lambda: -M.mean_squared_error(yt, yp, squared=False),
                "neg_mean_absolute_error": lambda: -M.mean_absolute_error(yt, yp)}[name]()
    yp = np.asarray(yp) if yp is not None else None
    if name == "accuracy":
        return M.accuracy_score(yt, yp)
    if name == "balanced_accuracy":
        return M.balanced_accuracy_score(yt, yp)
    if name in ("f1", "precision", "recall"):
        if k > 2:
            # hpo's binary scorers refuse a multiclass problem outright
            raise ValueError("Target is multiclass but average='binary'")
        fn = {"f1": M.f1_score, "precision": M.precision_score, "recall": M.recall_score}[name]
        return fn(yt, yp)
    if name == "f1_macro":
        return M.f1_score(yt, yp, average="macro")
    if name == "f1_weighted":
        return M.f1_score(yt, yp, average="weighted")
    p = np.asarray(proba)
    if name == "roc_auc":
        if k == 2:
            return M.roc_auc_score(yt, p[:, 1])
        return M.roc_auc_score(yt, p, multi_class="ovr", average="macro")
    if name == "neg_log_loss":
        if k == 2:
            return -M.log_loss(yt, p[:, 1], labels=[0, 1])
        return -M.log_loss(yt, p, labels=list(range(k)))
    raise KeyError(name)


def proba_rows(rng, n, k, ties):
    if ties:
        pool = [rng.dirichlet(np.ones(k)) for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.3:
            hard = np.zeros(k)
            hard[rng.randrange(k)] = 1.0
            pool.append(hard)
        return [pool[rng.randrange(len(pool))].tolist() for _ in range(n)]
    return [rng.dirichlet(np.ones(k) * rng.choice([0.1, 1.0, 5.0])).tolist() for _ in range(n)]


class R(random.Random):
    def dirichlet(self, alpha):
        g = np.array([self.gammavariate(a, 1.0) for a in alpha])
        if g.sum() == 0:
            g[0] = 1.0
        return g / g.sum()


def classification_case(rng):
    k = rng.choice([2, 2, 2, 3, 4, 5, 8])
    n = rng.choice([1, 2, 3, 5, 10, 37, 100, 250, 1000])
    kind = rng.choice(["random", "good", "one_true", "one_pred", "missing", "ties"])
    yt = [rng.randrange(k) for _ in range(n)]
    if kind == "one_true":
        yt = [rng.randrange(k)] * n
    if kind == "missing" and k > 2:
        yt = [rng.randrange(k - 1) for _ in range(n)]
    proba = proba_rows(rng, n, k, kind == "ties")
    if kind == "good":
        for i in range(n):
            proba[i][yt[i]] += 2.0
            s = sum(proba[i])
            proba[i] = [v / s for v in proba[i]]
    yp = [int(np.argmax(r)) for r in proba]
    if kind == "one_pred":
        yp = [rng.randrange(k)] * n
    if rng.random() < 0.2:
        yp = [rng.randrange(k) for _ in range(n)]
    return k, yt, yp, proba


def regression_case(rng):
    n = rng.choice([1, 2, 3, 7, 50, 300, 9000])
    kind = rng.choice(["random", "perfect", "const", "const_tenth", "big", "ties"])
    scale = 10 ** rng.uniform(-3, 4)
    yt = [rng.gauss(0, scale) for _ in range(n)]
    if kind == "const":
        yt = [rng.gauss(0, 1)] * n
    if kind == "const_tenth":
        yt = [0.1] * n
    if kind == "big":
        yt = [1e6 + rng.random() for _ in range(n)]
    if kind == "ties":
        yt = [float(rng.randrange(3)) for _ in range(n)]
    yp = [v + rng.gauss(0, scale * rng.choice([0.01, 0.5, 2])) for v in yt]
    if kind in ("perfect",) or (kind == "const" and rng.random() < 0.5):
        yp = list(yt)
    return yt, yp


def close(a, b):
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


def main():
    rng = R(7)
    reqs, wants = [], []
    for _ in range(400):
        k, yt, yp, proba = classification_case(rng)
        for name in CLASSIF:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    want = float(sk_score(name, yt, yp, proba, k))
                except ValueError as e:
                    want = e
            reqs.append({"op": "score", "name": name, "y_true": yt, "y_pred": yp,
                         "proba": proba, "n_classes": k})
            wants.append(want)
    for _ in range(150):
        yt, yp = regression_case(rng)
        for name in REGR:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                want = float(sk_score(name, yt, yp, None, 0))
            reqs.append({"op": "score", "name": name, "y_true": yt, "y_pred": yp})
            wants.append(want)
    # unknown scorer: an error with a suggestion
    reqs.append({"op": "score", "name": "f1_macr", "y_true": [0], "y_pred": [0],
                 "n_classes": 2})
    wants.append(ValueError("unknown"))

    got = oracle(reqs)
    n_err = 0
    for req, want, g in zip(reqs, wants, got):
        what = f"{req['name']} n={len(req['y_true'])} k={req.get('n_classes')}"
        if isinstance(want, Exception):
            n_err += 1
            T.check("error" in g, f"{what}: sklearn raised {want}, hpo gave {g}")
            continue
        if "error" in g:
            T.check(False, f"{what}: hpo error {g['error']!r}, sklearn {want!r}; req={req}")
            continue
        T.check(close(g["score"], want), f"{what}: hpo {g['score']!r} != sklearn {want!r}")
    print(f"{n_err} of {len(reqs)} cases are errors in both")
    T.check(got[-1].get("error", "").find("f1_macro") >= 0, "no did-you-mean for f1_macr")
    # the error messages name the problem as scikit-learn does
    probe = oracle([
        {"op": "score", "name": "f1", "y_true": [0, 1, 2], "y_pred": [0, 1, 2], "n_classes": 3},
        {"op": "score", "name": "roc_auc", "y_true": [1, 1], "proba": [[0.2, 0.8], [0.3, 0.7]],
         "n_classes": 2}])
    T.check("Target is multiclass but average='binary'" in probe[0].get("error", ""),
            f"f1 multiclass message: {probe[0]}")
    T.check("Only one class present in y_true" in probe[1].get("error", ""),
            f"roc_auc one class message: {probe[1]}")
    return T.summary()


if __name__ == "__main__":
    sys.exit(main())
