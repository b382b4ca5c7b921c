"""hpo's mlp estimator against scikit-learn's MLPClassifier / MLPRegressor.

Drives tests/tools/est_oracle.c (its "model" option prints the saved model as
hex, decoded here). Bit parity is impossible: hpo computes in float32 and draws
its initial weights and batch orders from its own generator, scikit-learn in
float64 from numpy's. What is compared:

- one optimizer step: hpo's model after 1 and 2 full-batch epochs (batch_size =
  n, so the order of rows does not matter); scikit-learn's partial_fit, started
  from hpo's epoch-1 weights and Adam moments (or SGD velocities), takes the
  second step with its own backprop and optimizer. Parameters agree within
  atol 2e-6 + rtol 1e-5 (float32 against float64), and predict_proba of the
  epoch-2 model within 1e-5 of scikit-learn's on those weights. iris, wine,
  digits (softmax), diabetes (identity output, half squared error), relu and
  tanh, 1 and 2 hidden layers, alpha 0 and 1e-2, adam and sgd.
- learning: 5 stratified folds of iris, wine, breast_cancer, digits (standard
  scaled per fold): mean test accuracy within 0.03 of MLPClassifier with the
  same architecture, optimizer, batch size and epochs (no early stopping);
  diabetes (X and y standardised): R^2 within 0.05 of MLPRegressor's.
- hpo's own contracts through the tool: save/load gives equal predictions;
  continue_from k (fit k epochs, save, load, fit_more) equals one fit.
- bad parameters: exit status 2 and a clear message.
"""
import json
import os
import struct
import subprocess
import sys
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paritylib import Tally  # noqa: E402

TOOL = os.path.join(os.environ.get("HPO_TOOLS", "build/tools"), "hpo-tool-est_oracle")
T = Tally()
warnings.filterwarnings("ignore", category=ConvergenceWarning)


def batch(reqs):
    """Runs requests as one batch of the tool; one result dict each."""
    r = subprocess.run([TOOL], input=json.dumps(reqs), capture_output=True, text=True)
    lines = [json.loads(x) for x in r.stdout.splitlines() if x.strip()]
    if r.returncode != 0 or len(lines) != len(reqs):
        raise RuntimeError(f"tool failed ({r.returncode}): {r.stderr.strip()[:300]}")
    return lines


def request(Xtr, ytr, Xte, params, task, n_classes=0, **extra):
    req = {"estimator": "mlp", "X_train": Xtr.tolist(), "y_train": ytr.tolist(),
           "X_test": Xte.tolist(), "task": task, "params": params, "seed": 3}
    if task == "classification":
        req["n_classes"] = int(n_classes)
    req.update(extra)
    return req


def decode(hexs, adam):
    """The model bytes of mlp.c: header, then params and optimizer state (f32)."""
    b = bytes.fromhex(hexs)
    magic, version, task, nl, act, opt = struct.unpack_from("<6I", b, 0)
    off = 24
    sizes = list(struct.unpack_from(f"<{nl + 2}Q", b, off))
    off += 8 * (nl + 2)
    n_classes, seed, done, step = struct.unpack_from("<4Q", b, off)
    off += 32
    n_params = sum(sizes[i] * sizes[i + 1] + sizes[i + 1] for i in range(nl + 1))
    arrays = np.frombuffer(b, dtype="<f4", offset=off).astype(np.float64)
    assert arrays.size == n_params * (3 if adam else 2), "model size"
    flat = [arrays[k * n_params:(k + 1) * n_params] for k in range(3 if adam else 2)]

    def split(v):
        coefs, inter, o = [], [], 0
        for i in range(nl + 1):
            w = sizes[i] * sizes[i + 1]
            coefs.append(v[o:o + w].reshape(sizes[i], sizes[i + 1]).copy())
            inter.append(v[o + w:o + w + sizes[i + 1]].copy())
            o += w + sizes[i + 1]
        return coefs + inter  # scikit-learn's order: coefs_ then intercepts_
    return {"sizes": sizes, "step": step, "done": done, "arrays": [split(v) for v in flat]}


WORST = {"params": 0.0, "proba": 0.0, "pred": 0.0}


def one_step(what, X, y, task, n_classes, hidden, activation, alpha, optimizer):
    n = len(X)
    params = {"n_layers": len(hidden), "activation": activation, "alpha": alpha,
              "optimizer": optimizer, "batch_size": n, "learning_rate": 0.01,
              "momentum": 0.9, "epsilon": 1e-7}
    for i, u in enumerate(hidden):
        params[f"units_{i + 1}"] = u
    reqs = [request(X, y, X, dict(params, epochs=e), task, n_classes, model=True)
            for e in (1, 2)]
    r1, r2 = batch(reqs)
    adam = optimizer == "adam"
    m1, m2 = decode(r1["model"], adam), decode(r2["model"], adam)
    T.check(m1["step"] == 1 and m2["step"] == 2 and m2["done"] == 2, f"{what}: steps")
    kw = dict(hidden_layer_sizes=tuple(hidden), activation=activation, alpha=alpha,
              batch_size=n, learning_rate_init=0.01, shuffle=False, random_state=0)
    if adam:
        kw.update(solver="adam", epsilon=1e-7)
    else:
        kw.update(solver="sgd", momentum=0.9, nesterovs_momentum=False,
                  learning_rate="constant")
    if task == "classification":
        sk = MLPClassifier(**kw)
        sk.partial_fit(X, y, classes=np.arange(n_classes))
    else:
        sk = MLPRegressor(**kw)
        sk.partial_fit(X, y)
    L = len(hidden) + 1
    p1 = m1["arrays"][0]
    sk.coefs_ = [a.copy() for a in p1[:L]]
    sk.intercepts_ = [a.copy() for a in p1[L:]]
    if adam:
        sk._optimizer.ms = [a.copy() for a in m1["arrays"][1]]
        sk._optimizer.vs = [a.copy() for a in m1["arrays"][2]]
        sk._optimizer.t = 1
    else:
        sk._optimizer.velocities = [a.copy() for a in m1["arrays"][1]]
    sk.partial_fit(X, y)
    want = sk.coefs_ + sk.intercepts_
    got = m2["arrays"][0]
    err = max(float(np.max(np.abs(g - w) / (2e-6 + 1e-5 * np.abs(w)))) for g, w in zip(got, want))
    WORST["params"] = max(WORST["params"], err)
    T.check(err <= 1.0, f"{what}: step 2 parameters differ (scaled error {err:.3g})")
    if adam:
        for k, name in ((1, "ms"), (2, "vs")):
            mine = m2["arrays"][k]
            theirs = getattr(sk._optimizer, name)
            e = max(float(np.max(np.abs(a - b) / (1e-9 + 1e-4 * np.abs(b))))
                    for a, b in zip(mine, theirs))
            T.check(e <= 1.0, f"{what}: adam {name} differ (scaled error {e:.3g})")
    # predictions of the epoch-2 model on its own weights
    sk.coefs_ = [a.copy() for a in got[:L]]
    sk.intercepts_ = [a.copy() for a in got[L:]]
    if task == "classification":
        e = float(np.max(np.abs(np.array(r2["proba"]) - sk.predict_proba(X))))
        WORST["proba"] = max(WORST["proba"], e)
        T.check(e <= 1e-5, f"{what}: predict_proba differs by {e:.3g}")
    else:
        e = float(np.max(np.abs(np.array(r2["pred"]) - sk.predict(X))))
        WORST["pred"] = max(WORST["pred"], e)
        T.check(e <= 1e-4, f"{what}: regression predictions differ by {e:.3g}")


def scaled(X):
    return StandardScaler().fit_transform(X)


Xi, yi = load_iris(return_X_y=True)
Xw, yw = load_wine(return_X_y=True)
Xg, yg = load_digits(return_X_y=True)
Xd, yd = load_diabetes(return_X_y=True)
Xi, Xw, Xds = scaled(Xi), scaled(Xw), scaled(Xd)
yds = (yd - yd.mean()) / yd.std()
Xg = Xg / 16.0

for opt in ("adam", "sgd"):
    for act in ("relu", "tanh"):
        one_step(f"iris {opt} {act}", Xi, yi, "classification", 3, [16], act, 0.0, opt)
        one_step(f"wine {opt} {act} 2 layers", Xw, yw, "classification", 3, [20, 12], act, 1e-2,
                 opt)
        one_step(f"digits {opt} {act}", Xg[:600], yg[:600], "classification", 10, [32], act,
                 1e-4, opt)
        one_step(f"diabetes {opt} {act}", Xds, yds, "regression", 0, [16, 8], act, 1e-3, opt)

print("one step: worst scaled parameter error {params:.3g} (1 = atol 2e-6 + rtol 1e-5), "
      "proba {proba:.3g}, regression {pred:.3g}".format(**WORST))


# ---- learning: mean fold accuracy against MLPClassifier
def learn(what, X, y, n_classes, hidden, epochs, batch_size, tol):
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    params = {"n_layers": len(hidden), "batch_size": batch_size, "epochs": epochs,
              "learning_rate": 1e-3, "alpha": 1e-4}
    for i, u in enumerate(hidden):
        params[f"units_{i + 1}"] = u
    reqs, theirs = [], []
    for f, (tr, te) in enumerate(folds):
        sc = StandardScaler().fit(X[tr])
        Xtr, Xte = sc.transform(X[tr]), sc.transform(X[te])
        reqs.append(request(Xtr, y[tr], Xte, params, "classification", n_classes, seed=f,
                            proba=False, save_load=(f == 0)))
        sk = MLPClassifier(hidden_layer_sizes=tuple(hidden), batch_size=batch_size,
                           max_iter=epochs, learning_rate_init=1e-3, alpha=1e-4, epsilon=1e-7,
                           n_iter_no_change=10 ** 9, tol=0.0, random_state=f)
        sk.fit(Xtr, y[tr])
        theirs.append(np.mean(sk.predict(Xte) == y[te]))
    got = batch(reqs)
    mine = [np.mean(np.array(g["pred"]) == y[te]) for g, (tr, te) in zip(got, folds)]
    a, b = float(np.mean(mine)), float(np.mean(theirs))
    print(f"{what}: hpo {a:.4f}, scikit-learn {b:.4f}")
    T.check(abs(a - b) <= tol, f"{what}: mean accuracy hpo {a:.4f} vs scikit-learn {b:.4f}")
    T.check(got[0]["pred"] == got[0]["pred_reloaded"], f"{what}: save/load changed predictions")


learn("iris", *load_iris(return_X_y=True), 3, [64], 200, 16, 0.04)
learn("wine", *load_wine(return_X_y=True), 3, [64], 100, 16, 0.03)
learn("breast_cancer", *load_breast_cancer(return_X_y=True), 2, [64, 32], 50, 32, 0.03)
learn("digits", *load_digits(return_X_y=True), 10, [128], 30, 64, 0.03)

# ---- regression: R^2 on diabetes folds against MLPRegressor
r2_mine, r2_theirs, reqs = [], [], []
folds = list(KFold(5, shuffle=True, random_state=0).split(Xd))
params = {"n_layers": 1, "units": 32, "batch_size": 32, "epochs": 100, "learning_rate": 1e-3}
for f, (tr, te) in enumerate(folds):
    sc = StandardScaler().fit(Xd[tr])
    mu, sd = yd[tr].mean(), yd[tr].std()
    Xtr, Xte, ytr = sc.transform(Xd[tr]), sc.transform(Xd[te]), (yd[tr] - mu) / sd
    reqs.append(request(Xtr, ytr, Xte, params, "regression", seed=f))
    sk = MLPRegressor(hidden_layer_sizes=(32,), batch_size=32, max_iter=100, epsilon=1e-7,
                      n_iter_no_change=10 ** 9, tol=0.0, random_state=f).fit(Xtr, ytr)
    r2_theirs.append(sk.score(Xte, (yd[te] - mu) / sd))
for g, (tr, te) in zip(batch(reqs), folds):
    mu, sd = yd[tr].mean(), yd[tr].std()
    yt = (yd[te] - mu) / sd
    p = np.array(g["pred"])
    r2_mine.append(1 - np.sum((yt - p) ** 2) / np.sum((yt - yt.mean()) ** 2))
a, b = float(np.mean(r2_mine)), float(np.mean(r2_theirs))
print(f"diabetes: R^2 hpo {a:.4f}, scikit-learn {b:.4f}")
T.check(abs(a - b) <= 0.05, f"diabetes: R^2 hpo {a:.4f} vs scikit-learn {b:.4f}")

# ---- checkpoint continuation through the tool equals one fit
for opt, drop in (("adam", 0.2), ("sgd", 0.0)):
    params = {"epochs": 6, "batch_size": 20, "units": 16, "optimizer": opt, "dropout": drop}
    one, cont = batch([request(Xw, yw, Xw, params, "classification", 3),
                       request(Xw, yw, Xw, params, "classification", 3, continue_from=2)])
    T.check(one["pred"] == cont["pred"] and one["proba"] == cont["proba"],
            f"continue_from 2 -> 6 ({opt}) differs from one fit")

# ---- bad parameters
small = {"estimator": "mlp", "X_train": [[0.0], [1.0], [2.0]], "y_train": [0, 1, 1],
         "X_test": [[0.5]], "task": "classification", "n_classes": 2}
bad = [({"units": 0}, "mlp: units must be in [1, 4096], got 0"),
       ({"n_layers": 9}, "n_layers must be in [1, 8], got 9"),
       ({"activation": "relux"}, "(did you mean 'relu'?)"),
       ({"learning_rat": 0.1}, "mlp: unknown parameter 'learning_rat' (did you mean "
                               "'learning_rate'?)"),
       ({"dropout": 1.0}, "dropout must be in [0, 1), got 1"),
       ({"epochs": 2.5}, "epochs must be an integer, got 2.5")]
for params, msg in bad:
    r = subprocess.run([TOOL], input=json.dumps(dict(small, params=params)), capture_output=True,
                       text=True)
    got = json.loads(r.stdout) if r.stdout.strip() else {}
    T.check(r.returncode == 2 and msg in got.get("error", ""), f"bad {params}: {r.returncode} {got}")

sys.exit(T.summary())
