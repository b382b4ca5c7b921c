"""Bundled data sets and scalers against scikit-learn (Debian python3-sklearn).

For every CSV under data/, hpo's loader (through hpo-tool-dataset_dump) gives
exactly sklearn.datasets.load_*'s X and y, row for row, class names equal to
np.unique of the labels and the task type_of_target implies; StandardScaler and
MinMaxScaler agree with scikit-learn's within 1e-12; CSV dialect details
(quotes, CRLF, BOM, string labels, blank lines) parse as Python's csv module
reads them; bad files exit 2 with one line naming the row and column.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import sklearn.datasets as skd
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils.multiclass import type_of_target

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paritylib import Tally  # noqa: E402

TOOL = os.path.join(os.environ.get("HPO_TOOLS", "build/tools"), "hpo-tool-dataset_dump")
SRC = os.environ.get("HPO_SRC", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DATA = os.path.join(SRC, "data")

t = Tally()


def dump(path, *args):
    r = subprocess.run([TOOL, path, *args], capture_output=True, text=True)
    out = json.loads(r.stdout) if r.returncode == 0 else None
    return r.returncode, out, r.stderr


def dump_text(text, *args, suffix=".csv"):
    with tempfile.NamedTemporaryFile("wb", suffix=suffix, delete=False) as f:
        f.write(text.encode() if isinstance(text, str) else text)
        path = f.name
    try:
        return (path,) + dump(path, *args)
    finally:
        os.unlink(path)


def sk_load(name):
    if name == "diabetes":
        return skd.load_diabetes(scaled=False)
    return getattr(skd, "load_" + name)()


def close(a, b, tol=1e-12):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= tol * np.maximum(1.0, np.abs(b))))


# ---- bundled data: exact equality with scikit-learn's loaders
for name in ["iris", "wine", "breast_cancer", "digits", "diabetes"]:
    path = os.path.join(DATA, name + ".csv")
    bunch = sk_load(name)
    X, y = bunch.data, bunch.target
    regression = name == "diabetes"
    rc, out, err = dump(path, *(["--task", "regression"] if regression else []))
    t.check(rc == 0, f"{name}: tool exit {rc}: {err.strip()}")
    if rc != 0:
        continue
    t.check(out["n"] == X.shape[0] and out["d"] == X.shape[1], f"{name}: shape")
    t.check(np.array_equal(np.array(out["X"]), X), f"{name}: X differs from sklearn's")
    if regression:
        t.check(out["task"] == "regression", f"{name}: task {out['task']}")
        t.check(np.array_equal(np.array(out["y"]), y), f"{name}: y differs")
    else:
        classes, codes = np.unique(y, return_inverse=True)
        t.check(out["task"] == "classification", f"{name}: task {out['task']}")
        t.check(out["class_names"] == [str(c) for c in classes], f"{name}: class names")
        t.check(np.array_equal(np.array(out["y"]), codes), f"{name}: y differs")
    if name != "digits":
        names = list(bunch.feature_names)
    else:
        names = [f"pixel_{i}_{j}" for i in range(8) for j in range(8)]
    t.check(out["feature_names"] == names, f"{name}: feature names")
    t.check(out["target_name"] == "target", f"{name}: target name")
    # AUTO follows type_of_target: diabetes' integral target reads as multiclass
    rc2, auto, _ = dump(path)
    kind = type_of_target(y)
    want = "classification" if kind in ("binary", "multiclass") else "regression"
    t.check(rc2 == 0 and auto["task"] == want, f"{name}: AUTO task vs type_of_target {kind}")
    # scalers fitted on all rows
    for scale, cls in (("standard", StandardScaler), ("minmax", MinMaxScaler)):
        rc3, sc, err3 = dump(path, "--scale", scale, *(["--task", "regression"] if regression else []))
        ok = rc3 == 0 and close(sc["X"], cls().fit_transform(X))
        t.check(ok, f"{name}: {scale} scaler differs from sklearn's {err3.strip()}")

# ---- scalers on awkward columns: constant, tiny range, negative, large offsets
rng = np.random.default_rng(3)
Xs = np.column_stack([
    np.full(40, 7.25), rng.normal(size=40), 1e6 + rng.normal(size=40), rng.integers(-3, 3, 40),
    np.full(40, 0.1), rng.normal(size=40) * 1e-9])
ys = np.arange(40) % 3
lines = ["a,b,c,d,e,f,target"] + [",".join(repr(float(v)) for v in row) + f",{c}" for row, c in zip(Xs, ys)]
for scale, cls in (("standard", StandardScaler), ("minmax", MinMaxScaler)):
    _, rc, out, err = dump_text("\n".join(lines) + "\n", "--scale", scale)
    t.check(rc == 0 and close(out["X"], cls().fit_transform(Xs), 1e-9), f"awkward {scale}: {err}")

# ---- dialect: quotes, CRLF, BOM, string labels, blank lines, target by name
text = ("\ufeff\"x,1\",y,\"the \"\"label\"\"\",z\r\n"
        "1.5,2,beta,3\r\n"
        "\"-4\",5e-1,alpha,6\r\n"
        "\r\n"
        "7, 8 ,\"gamma\ndelta\",9\r\n"
        "10,11,beta,12\r\n\r\n\r\n")
_, rc, out, err = dump_text(text, "--target", 'the "label"')
t.check(rc == 0, f"dialect: {err}")
if rc == 0:
    t.check(out["feature_names"] == ["x,1", "y", "z"], f"dialect names {out['feature_names']}")
    t.check(out["X"] == [[1.5, 2, 3], [-4, 0.5, 6], [7, 8, 9], [10, 11, 12]], f"dialect X {out['X']}")
    labels = ["beta", "alpha", "gamma\ndelta", "beta"]
    classes, codes = np.unique(labels, return_inverse=True)
    t.check(out["class_names"] == list(classes), f"dialect classes {out['class_names']}")
    t.check(out["y"] == list(codes), f"dialect y {out['y']}")

# numeric labels compare numerically, "2" and "2.0" are one class, no final newline
_, rc, out, err = dump_text("a,t\n1,10\n2,9\n3,2.0\n4,2\n5,-1")
t.check(rc == 0 and out["class_names"] == ["-1", "2", "9", "10"] and out["y"] == [3, 2, 1, 1, 0],
        f"numeric labels: {out} {err}")
# a non-integral number makes it regression under AUTO
_, rc, out, err = dump_text("a,t\n1,0.5\n2,1\n3,2\n")
t.check(rc == 0 and out["task"] == "regression" and out["y"] == [0.5, 1, 2], f"regression auto {err}")

# ---- bad files: exit 2, one line naming the row and column
bad = [
    ("ragged", "a,b,t\n1,2,0\n3,4\n5,6,1\n", [], ":3:", None),
    ("text in a feature", "a,b,t\n1,2,0\n3,x,1\n", [], ":3:2:", "'b'"),
    ("missing value", "a,b,t\n1,2,0\n,4,1\n", [], ":3:1:", "missing value"),
    ("nan feature", "a,b,t\n1,2,0\nnan,4,1\n", [], ":3:1:", "missing value"),
    ("single class", "a,b,t\n1,2,0\n3,4,0\n", [], ":3:", "at least 2 classes"),
    ("missing target column", "a,b,t\n1,2,0\n3,4,1\n", ["--target", "label"], ":1:", "'label'"),
    ("duplicate names", "a,a,t\n1,2,0\n3,4,1\n", [], ":1:2:", "duplicate"),
    ("no data rows", "a,b,t\n", [], "no data rows", None),
    ("empty file", "", [], "empty file", None),
    ("unterminated quote", "a,b,t\n1,\"2,0\n3,4,1\n", [], ":2:2:", "unterminated"),
    ("text regression target", "a,t\n1,2\n3,x\n", ["--task", "regression"], ":3:2:", "'t'"),
    ("continuous classification", "a,t\n1,2\n3,2.5\n", ["--task", "classification"], ":3:2:", "continuous"),
]
for what, text, args, where, words in bad:
    path, rc, out, err = dump_text(text, *args)
    lines_ = err.strip().splitlines()
    ok = rc == 2 and len(lines_) == 1 and where in lines_[0] and (words is None or words in lines_[0])
    t.check(ok, f"bad file ({what}): rc={rc} stderr={err!r}")
    if what == "single class":
        t.check(":1:3:" in err, f"single class names the target column's header cell: {err!r}")
rc, _, err = dump("/nonexistent/dir/x.csv")
t.check(rc == 2 and "cannot open" in err, f"missing file: {err!r}")

sys.exit(t.summary())
