"""KFold / StratifiedKFold / ShuffleSplit / repeated k-fold of hpo against scikit-learn.

shuffle=False: hpo's folds must equal scikit-learn's exactly (test and train
index lists). shuffle=True and ShuffleSplit use hpo's RNG, so only the sizes,
the per-class counts of every fold, the partition property and
reproducibility per seed are compared. Error cases must error in both.
Requests go to hpo-tool-ml_oracle in batches (a JSON array on stdin).
"""
import json
import os
import random
import subprocess
import sys
import warnings

import numpy as np
from sklearn.model_selection import (KFold, RepeatedKFold, RepeatedStratifiedKFold,
                                     ShuffleSplit, StratifiedKFold)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paritylib import Tally  # noqa: E402

TOOL = os.path.join(os.environ.get("HPO_TOOLS", "build/tools"), "hpo-tool-ml_oracle")
T = Tally()


def oracle(requests):
    r = subprocess.run([TOOL], input=json.dumps(requests), capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"tool failed ({r.returncode}): {r.stderr.strip()} {r.stdout[:200]}")
    out = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    assert len(out) == len(requests), (len(out), len(requests))
    return out


def sk_folds(splitter, n, y=None):
    X = np.zeros((n, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = list(splitter.split(X, y))
        except ValueError as e:
            return {"error": str(e)}
    return {"test": [t.tolist() for _, t in res], "train": [tr.tolist() for tr, _ in res]}


def label_vector(rng, n):
    """Varied label vectors: imbalanced, many classes, runs, arbitrary values."""
    kind = rng.choice(["uniform", "imbalanced", "many", "runs", "rare", "two"])
    if kind == "uniform":
        c = rng.randint(2, 6)
        y = [rng.randrange(c) for _ in range(n)]
    elif kind == "imbalanced":
        c = rng.randint(2, 5)
        w = [rng.random() ** 3 + 0.01 for _ in range(c)]
        y = rng.choices(range(c), weights=w, k=n)
    elif kind == "many":
        c = rng.randint(5, max(6, n // 3))
        y = [rng.randrange(c) for _ in range(n)]
    elif kind == "runs":
        c = rng.randint(2, 6)
        y = sorted(rng.randrange(c) for _ in range(n))
        if rng.random() < 0.5:
            y.reverse()
    elif kind == "rare":
        y = [0] * n
        for _ in range(rng.randint(1, 3)):
            y[rng.randrange(n)] = rng.randint(1, 3)
    else:
        y = [int(rng.random() < 0.2) for _ in range(n)]
    # arbitrary label values (as strings or ints would be encoded)
    vals = rng.sample(range(-50, 1000), len(set(y)) + 1)
    mapping = {v: vals[i] for i, v in enumerate(sorted(set(y)))}
    return [mapping[v] for v in y]


def partition_ok(res, n, k):
    tests = res["test"]
    if len(tests) != k:
        return False
    allrows = sorted(i for t in tests for i in t)
    if allrows != list(range(n)):
        return False
    for t, tr in zip(res["test"], res["train"]):
        if t != sorted(t) or tr != sorted(tr) or sorted(t + tr) != list(range(n)):
            return False
    return True


def class_counts(res, y):
    return [sorted(np.unique(np.asarray(y)[t], return_counts=True)[1].tolist()) if t else []
            for t in res["test"]]


def per_class(res, y):
    ya = np.asarray(y)
    return [{int(c): int((ya[t] == c).sum()) for c in np.unique(ya)} for t in res["test"]]


def main():
    rng = random.Random(20260101)
    reqs, expect = [], []

    # ---- KFold, shuffle=False: exact
    for _ in range(150):
        n = rng.randint(5, 300)
        k = rng.randint(2, 10)
        reqs.append({"op": "kfold", "n": n, "k": k, "shuffle": False})
        expect.append(("kfold", n, k, sk_folds(KFold(k), n)))
    # ---- StratifiedKFold, shuffle=False: exact (includes error cases)
    for _ in range(300):
        n = rng.randint(5, 300)
        k = rng.randint(2, 10)
        y = label_vector(rng, n)
        reqs.append({"op": "stratified_kfold", "n": n, "k": k, "y": y, "shuffle": False})
        expect.append(("skf", n, k, sk_folds(StratifiedKFold(k), n, y)))
    # string labels: scikit-learn sees the strings, hpo their sorted-order codes
    for _ in range(40):
        n = rng.randint(5, 120)
        k = rng.randint(2, 6)
        names = rng.sample(["setosa", "versicolor", "virginica", "b", "a", "Z", "x1", "x10"],
                           rng.randint(2, 5))
        ys = [rng.choice(names) for _ in range(n)]
        codes = {s: i for i, s in enumerate(sorted(set(ys)))}
        reqs.append({"op": "stratified_kfold", "n": n, "k": k, "y": [codes[s] for s in ys]})
        expect.append(("skf", n, k, sk_folds(StratifiedKFold(k), n, np.array(ys))))
    # error cases
    for n, k, y in [(5, 10, None), (5, 6, None), (9, 1, None), (3, 3, None),
                    (5, 10, [0, 1, 0, 1, 0]), (10, 5, [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]),
                    (10, 3, [0] * 5 + [1] * 2 + [2] * 3), (12, 4, [0, 1] * 6),
                    (6, 2, [0.5, 1, 0, 1, 0, 1])]:
        op = "kfold" if y is None else "stratified_kfold"
        req = {"op": op, "n": n, "k": k}
        if y is not None:
            req["y"] = y
        reqs.append(req)
        try:
            sp = (KFold if y is None else StratifiedKFold)(k)
            want = sk_folds(sp, n, y)
        except ValueError as e:
            want = {"error": str(e)}
        expect.append(("kfold" if y is None else "skf", n, k, want))

    got = oracle(reqs)
    n_err = sum("error" in w for _, _, _, w in expect)
    print(f"{n_err} of {len(expect)} unshuffled cases are scikit-learn errors")
    T.check(n_err >= 9, "too few error cases exercised")
    for req, (kind, n, k, want), g in zip(reqs, expect, got):
        what = f"{kind} n={n} k={k} y={req.get('y', '')}"
        if "error" in want:
            T.check("error" in g, f"{what}: sklearn errors ({want['error']}), hpo gave folds")
            if "error" in g and "n_samples" in want["error"]:
                T.check(f"n_samples={n}" in g["error"] and f"n_splits={k}" in g["error"],
                        f"{what}: message {g['error']!r} vs {want['error']!r}")
            if "error" in g and "each class" in want["error"]:
                T.check("number of members in each class" in g["error"],
                        f"{what}: message {g['error']!r}")
            continue
        T.check("error" not in g and g == want, f"{what}: hpo {g} != sklearn {want}")

    # ---- shuffle=True: sizes, per-class counts, partition, reproducibility
    reqs, meta = [], []
    for _ in range(120):
        n = rng.randint(5, 300)
        k = rng.randint(2, 10)
        if k > n:
            continue
        seed = rng.randrange(2**32)
        strat = rng.random() < 0.6
        y = label_vector(rng, n) if strat else None
        sp = StratifiedKFold(k, shuffle=True, random_state=seed % 2**31) if strat else \
            KFold(k, shuffle=True, random_state=seed % 2**31)
        want = sk_folds(sp, n, y)
        req = {"op": "stratified_kfold" if strat else "kfold", "n": n, "k": k, "shuffle": True,
               "seed": seed}
        if strat:
            req["y"] = y
        reqs += [req, req, dict(req, seed=seed + 1)]
        meta.append((n, k, y, want))
    got = oracle(reqs)
    for i, (n, k, y, want) in enumerate(meta):
        a, b, c = got[3 * i:3 * i + 3]
        what = f"shuffled n={n} k={k} strat={y is not None}"
        if "error" in want:
            T.check("error" in a, f"{what}: sklearn errors, hpo not")
            continue
        T.check("error" not in a and partition_ok(a, n, k), f"{what}: not a sorted partition")
        if "error" in a:
            continue
        T.check(a == b, f"{what}: not reproducible for one seed")
        T.check([len(t) for t in a["test"]] == [len(t) for t in want["test"]],
                f"{what}: fold sizes differ")
        if y is not None:
            T.check(per_class(a, y) == per_class(want, y), f"{what}: per-class counts differ")
            T.check(per_class(c, y) == per_class(want, y), f"{what}: other seed, counts differ")
        if n >= 20:
            T.check(a != c, f"{what}: seed+1 gave identical folds")
        T.check(a["test"] != [list(range(sum(len(t) for t in a["test"][:j]),
                                           sum(len(t) for t in a["test"][:j + 1])))
                              for j in range(k)] or n < 20, f"{what}: shuffle had no effect")

    # ---- ShuffleSplit: sizes as scikit-learn, sorted disjoint cover, reproducible
    reqs, meta = [], []
    for _ in range(60):
        n = rng.randint(5, 300)
        f = rng.choice([0.1, 0.2, 0.25, 1 / 3, 0.5, 0.77, rng.random() * 0.9 + 0.05])
        m = rng.randint(1, 6)
        seed = rng.randrange(2**32)
        try:
            want = [(len(tr), len(te)) for tr, te in
                    ShuffleSplit(m, test_size=f, random_state=0).split(np.zeros((n, 1)))]
        except ValueError as e:
            want = {"error": str(e)}
        req = {"op": "shuffle_split", "n": n, "n_splits": m, "test_fraction": f, "seed": seed}
        reqs += [req, req]
        meta.append((n, f, m, want))
    got = oracle(reqs)
    for i, (n, f, m, want) in enumerate(meta):
        a, b = got[2 * i:2 * i + 2]
        what = f"shuffle_split n={n} f={f} m={m}"
        if isinstance(want, dict):
            T.check("error" in a, f"{what}: sklearn errors, hpo not")
            continue
        T.check("error" not in a, f"{what}: hpo error {a.get('error')}")
        if "error" in a:
            continue
        T.check(a == b, f"{what}: not reproducible")
        T.check([(len(tr), len(te)) for tr, te in zip(a["train"], a["test"])] == want,
                f"{what}: sizes differ")
        T.check(all(te == sorted(te) and tr == sorted(tr) and sorted(te + tr) == list(range(n))
                    for te, tr in zip(a["test"], a["train"])), f"{what}: not a sorted partition")

    # ---- repeated (stratified when y is given)
    reqs, meta = [], []
    for _ in range(40):
        n = rng.randint(10, 200)
        k = rng.randint(2, 6)
        reps = rng.randint(1, 4)
        y = label_vector(rng, n) if rng.random() < 0.5 else None
        sp = (RepeatedStratifiedKFold if y is not None else RepeatedKFold)(
            n_splits=k, n_repeats=reps, random_state=1)
        want = sk_folds(sp, n, y)
        reqs.append({"op": "repeated_kfold", "n": n, "k": k, "n_repeats": reps, "y": y,
                     "seed": rng.randrange(1000)})
        meta.append((n, k, reps, y, want))
    got = oracle(reqs)
    for (n, k, reps, y, want), a in zip(meta, got):
        what = f"repeated n={n} k={k} reps={reps} strat={y is not None}"
        if "error" in want:
            T.check("error" in a, f"{what}: sklearn errors, hpo not")
            continue
        T.check("error" not in a and len(a["test"]) == k * reps, f"{what}: {a.get('error')}")
        if "error" in a:
            continue
        for r in range(reps):
            part = {"test": a["test"][r * k:(r + 1) * k], "train": a["train"][r * k:(r + 1) * k]}
            wpart = {"test": want["test"][r * k:(r + 1) * k]}
            T.check(partition_ok(part, n, k), f"{what}: repeat {r} not a partition")
            T.check([len(t) for t in part["test"]] == [len(t) for t in wpart["test"]],
                    f"{what}: repeat {r} sizes differ")
            if y is not None:
                T.check(per_class(part, y) == per_class(wpart, y),
                        f"{what}: repeat {r} per-class counts differ")
        if reps > 1 and n >= 20:
            T.check(a["test"][:k] != a["test"][k:2 * k], f"{what}: repeats identical")

    return T.summary()


if __name__ == "__main__":
    sys.exit(main())
