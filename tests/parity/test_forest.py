"""hpo's tree ensembles (src/models/forest.c) against scikit-learn 1.2.

hpo-tool-forest_oracle fits hpo's forest on the data and predicts. Checked:
(a) a single tree without randomness (RF kind, one estimator, no bootstrap,
    max_features 1.0) equals DecisionTreeRegressor(min_samples_leaf=k,
    random_state=0) at training and test points, k in {1, 3, 5}, 1e-12; the
    tool replays scikit-learn's rand_r feature order (sklearn_rng=0) so that
    splits tied between features (equal partitions) are broken alike; with
    one feature no replay is needed; the sd of one tree is the square root of
    its leaf impurity floored at min_variance (scikit-optimize's _return_std);
(b) each GBRT quantile model equals GradientBoostingRegressor(loss='quantile',
    alpha=q, n_estimators=20, max_depth=3, learning_rate=0.1, random_state=0),
    1e-8, and the default model gives mu = the 0.5 model and
    sd = max(0, (q84 - q16) / 2);
(c) RandomForest / ExtraTrees (100 trees, min_samples_leaf 3) on a smooth 3-d
    function with 200 points: test-set R^2 within 0.05 of scikit-learn's
    (mean over 3 seeds), and the mean predicted sd within 25% of
    scikit-optimize's _return_std on scikit-learn's forest.
X is rounded to float32 first: scikit-learn's trees work in float32, hpo in
double, and float32-representable data make both see the same numbers.
"""
import json
import os
import subprocess
import sys

import numpy as np
from sklearn.ensemble import ExtraTreesRegressor, GradientBoostingRegressor, RandomForestRegressor
from sklearn.metrics import r2_score
from sklearn.tree import DecisionTreeRegressor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paritylib import Tally  # noqa: E402

TOOL = os.path.join(os.environ.get("HPO_TOOLS", "build/tools"), "hpo-tool-forest_oracle")
T = Tally()


def hpo(kind, X, y, Xs, *args):
    lines = [f"{X.shape[0]} {X.shape[1]}"]
    lines += [" ".join(repr(float(v)) for v in list(r) + [t]) for r, t in zip(X, y)]
    lines += [str(Xs.shape[0])] + [" ".join(repr(float(v)) for v in r) for r in Xs]
    r = subprocess.run([TOOL, kind, *args], input="\n".join(lines) + "\n", capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"forest_oracle failed ({r.returncode}): {r.stderr.strip()}")
    out = json.loads(r.stdout)
    return np.array(out["mu"]), np.array(out["sd"])


def data(rng, n, d, noise=0.3):
    """Ties-free float32-representable points and a noisy smooth target."""
    while True:
        X = rng.rand(n, d).astype(np.float32).astype(np.float64)
        if all(len(np.unique(X[:, j])) == n for j in range(d)):
            break
    y = np.sin(3 * X).sum(axis=1) + X[:, 0] ** 2 + noise * rng.randn(n)
    return X, y


def return_std(X, trees, mean, min_variance=0.0):
    """scikit-optimize's _return_std (law of total variance over the trees)."""
    std = np.zeros(len(X))
    for tree in trees:
        var = tree.tree_.impurity[tree.apply(X)]
        var[var < min_variance] = min_variance
        std += var + tree.predict(X) ** 2
    std /= len(trees)
    std -= mean ** 2
    std[std < 0] = 0
    return std ** 0.5


rng = np.random.RandomState(20240611)

# ---- (a) one deterministic tree = DecisionTreeRegressor
for d in (1, 3, 5):
    for k in (1, 3, 5):
        X, y = data(rng, 150, d)
        Xt, _ = data(rng, 300, d)
        P = np.vstack([X, Xt])
        tree = DecisionTreeRegressor(min_samples_leaf=k, random_state=0).fit(X, y)
        ref = tree.predict(P)
        args = ("n_estimators=1", "no_bootstrap=1", f"min_samples_leaf={k}", "max_features=1.0")
        mu, sd = hpo("rf", X, y, P, *args, "sklearn_rng=0", "min_variance=0.01")
        err = np.abs(mu - ref).max()
        T.check(err <= 1e-12, f"tree d={d} k={k}: max |hpo - sklearn| = {err:g}")
        var = np.maximum(tree.tree_.impurity[tree.apply(P)], 0.01)
        verr = np.abs(sd ** 2 - var).max()
        T.check(verr <= 1e-12, f"tree d={d} k={k}: sd^2 vs leaf impurity {verr:g}")
        if d == 1:  # no ties between features: hpo's own generator gives the same tree
            mu1, _ = hpo("rf", X, y, P, *args, "seed=9")
            T.check(np.abs(mu1 - ref).max() <= 1e-12, f"tree d=1 k={k} without replay")
        # the comparison can fail: another min_samples_leaf is another tree
        other, _ = hpo("rf", X, y, P, "n_estimators=1", "no_bootstrap=1", f"min_samples_leaf={k + 1}",
                       "sklearn_rng=0")
        T.check(np.abs(other - ref).max() > 1e-6, f"tree d={d} k={k}: k+1 should differ")

# ---- (b) GBRT quantile models = GradientBoostingRegressor(loss='quantile')
for d in (1, 3, 5):
    X, y = data(rng, 120, d)
    Xt, _ = data(rng, 200, d)
    preds = {}
    for q in (0.16, 0.5, 0.84):
        g = GradientBoostingRegressor(loss="quantile", alpha=q, n_estimators=20, max_depth=3,
                                      learning_rate=0.1, random_state=0).fit(X, y)
        preds[q] = g.predict(Xt)
        mu, sd = hpo("gbrt", X, y, Xt, "n_estimators=20", f"q={q},{q},{q}", "sklearn_rng=0")
        err = np.abs(mu - preds[q]).max()
        T.check(err <= 1e-8, f"gbrt d={d} alpha={q}: max |hpo - sklearn| = {err:g}")
    mu, sd = hpo("gbrt", X, y, Xt, "n_estimators=20", "sklearn_rng=0")
    want_sd = np.maximum((preds[0.84] - preds[0.16]) / 2, 0)
    T.check(np.abs(mu - preds[0.5]).max() <= 1e-8, f"gbrt d={d}: mu is the median model")
    T.check(np.abs(sd - want_sd).max() <= 1e-8, f"gbrt d={d}: sd is (q84 - q16) / 2")
    other, _ = hpo("gbrt", X, y, Xt, "n_estimators=19", "q=0.5,0.5,0.5", "sklearn_rng=0")
    T.check(np.abs(other - preds[0.5]).max() > 1e-6, f"gbrt d={d}: 19 stages should differ")

# ---- (c) forests, statistically
def smooth(X):
    return np.sin(4 * X[:, 0]) + X[:, 1] ** 2 + 0.5 * np.cos(3 * X[:, 2])


X = rng.rand(200, 3)
y = smooth(X)
Xt = rng.rand(1000, 3)
yt = smooth(Xt)
for kind, cls in (("rf", RandomForestRegressor), ("et", ExtraTreesRegressor)):
    r_sk, r_hpo, s_sk, s_hpo = [], [], [], []
    for seed in range(3):
        m = cls(n_estimators=100, min_samples_leaf=3, random_state=seed).fit(X, y)
        mean = m.predict(Xt)
        r_sk.append(r2_score(yt, mean))
        s_sk.append(return_std(Xt, m.estimators_, mean).mean())
        mu, sd = hpo(kind, X, y, Xt, f"seed={seed}")
        r_hpo.append(r2_score(yt, mu))
        s_hpo.append(sd.mean())
    a, b = np.mean(r_hpo), np.mean(r_sk)
    print(f"{kind}: R^2 hpo {a:.4f} sklearn {b:.4f}; mean sd hpo {np.mean(s_hpo):.4f} "
          f"skopt {np.mean(s_sk):.4f}")
    T.check(abs(a - b) <= 0.05, f"{kind}: R^2 {a:.4f} vs sklearn {b:.4f}")
    ratio = np.mean(s_hpo) / np.mean(s_sk)
    T.check(0.8 <= ratio <= 1.25, f"{kind}: mean sd ratio {ratio:.3f}")

sys.exit(T.summary())
