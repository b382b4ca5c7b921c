"""hpo's GP surrogate equals scikit-learn 1.2's GaussianProcessRegressor.

Kernel ConstantKernel(amp) * Matern(length_scale=[...], nu) (nu = 2.5, 1.5,
0.5) or * RBF([...]), + WhiteKernel(noise); alpha=1e-10, normalize_y=False.
Data: X uniform in [0,1]^d (d from 1 to 6), y a smooth function plus noise,
standardized (so the tolerances below are absolute on the standardized scale).

Fixed theta (optimizer=None): the posterior mean and std at 50 test points
agree within 1e-8 absolute (hpo predicts the latent variance; scikit-learn's
std includes the WhiteKernel noise, so hpo's std is sqrt(var + noise)), and
the log marginal likelihood within 1e-8 relative.

ML fit: scikit-learn with n_restarts_optimizer=5 and hpo with HPO__GP_ML, the
same bounds (length [1e-2, 1e2], amp and noise [1e-5, 1e5]) and 6 starts
(scikit-learn's initial theta plus 5 log-uniform draws of
hpo__gp_sample_theta): hpo's fitted LML >= scikit-learn's optimum - 1e-6.
"""
import json
import os
import subprocess
import sys
import warnings

import numpy as np
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, Matern, WhiteKernel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paritylib import Tally  # noqa: E402

TOOL = os.path.join(os.environ.get("HPO_TOOLS", "build/tools"), "hpo-tool-gp_oracle")
T = Tally()
KERNELS = [(0, 2.5), (1, 1.5), (2, 0.5), (3, None)]  # hpo kernel id, Matern nu (None = RBF)
LB = (1e-2, 1e2, 1e-5, 1e5, 1e-5, 1e5)  # length, amp, noise bounds
ALPHA = 1e-10


def sk_kernel(nu, ls, amp, noise):
    base = RBF(ls, (LB[0], LB[1])) if nu is None else Matern(ls, (LB[0], LB[1]), nu=nu)
    return ConstantKernel(amp, (LB[2], LB[3])) * base + WhiteKernel(noise, (LB[4], LB[5]))


def hpo_theta(sk_theta, d):
    """scikit-learn's theta [log amp, log l..., log noise] in hpo's order."""
    return list(sk_theta[1:1 + d]) + [sk_theta[0], sk_theta[d + 1]]


def run_tool(kid, hyper, X, y, Xs, theta, starts, extra=()):
    n, d = X.shape
    parts = [f"{kid} {hyper} {d} {n} {Xs.shape[0]}", " ".join(repr(v) for v in (ALPHA,) + LB),
             " ".join(repr(float(v)) for v in theta)]
    for a in (X.ravel(), y, Xs.ravel()):
        parts.append(" ".join(repr(float(v)) for v in a))
    parts.append(str(len(starts)))
    for s in starts:
        parts.append(" ".join(repr(float(v)) for v in s))
    r = subprocess.run([TOOL, *map(str, extra)], input="\n".join(parts) + "\n", capture_output=True,
                       text=True)
    if r.returncode != 0:
        raise RuntimeError(f"gp_oracle failed ({r.returncode}): {r.stderr.strip()}")
    return json.loads(r.stdout)


def data(rng, n, d):
    X = rng.uniform(size=(n, d))
    w = rng.normal(size=d)
    y = np.sin(3.0 * X @ w) + 0.5 * np.cos(5.0 * X[:, 0]) + 0.1 * rng.normal(size=n)
    y = (y - y.mean()) / y.std()
    return X, y


case = 0
for kid, nu in KERNELS:
    for n in (5, 30, 80):
        case += 1
        d = 1 + (case * 5) % 6  # 1..6 across the cases
        rng = np.random.RandomState(1000 + case)
        X, y = data(rng, n, d)
        Xs = rng.uniform(size=(50, d))
        what = f"kernel={kid} nu={nu} n={n} d={d}"

        # ---- fixed theta
        ls = np.exp(rng.uniform(np.log(0.1), np.log(2.0), size=d))
        amp = float(np.exp(rng.uniform(np.log(0.5), np.log(2.0))))
        noise = float(np.exp(rng.uniform(np.log(1e-3), np.log(1e-1))))
        gpr = GaussianProcessRegressor(sk_kernel(nu, ls, amp, noise), alpha=ALPHA, optimizer=None,
                                       normalize_y=False).fit(X, y)
        mean, std = gpr.predict(Xs, return_std=True)
        lml = gpr.log_marginal_likelihood_value_
        theta = list(np.log(ls)) + [np.log(amp), np.log(noise)]
        got = run_tool(kid, 1, X, y, Xs, theta, [])
        mu = np.array(got["mu"])
        hstd = np.sqrt(np.array(got["var"]) + noise)
        err_mu = float(np.max(np.abs(mu - mean)))
        err_std = float(np.max(np.abs(hstd - std)))
        T.check(err_mu <= 1e-8, f"{what}: mean max abs error {err_mu:.3g}")
        T.check(err_std <= 1e-8, f"{what}: std max abs error {err_std:.3g}")
        rel = abs(got["lml"] - lml) / max(1.0, abs(lml))
        T.check(rel <= 1e-8, f"{what}: lml {got['lml']!r} vs scikit-learn {lml!r}")

        # ---- ML fit, 6 starts each
        k0 = sk_kernel(nu, np.ones(d), 1.0, 1.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gpr = GaussianProcessRegressor(k0, alpha=ALPHA, n_restarts_optimizer=5,
                                           normalize_y=False, random_state=case).fit(X, y)
        sk_lml = gpr.log_marginal_likelihood_value_
        start0 = hpo_theta(k0.theta, d)
        got = run_tool(kid, 1, X, y, Xs, start0, [start0], extra=(5, case))
        T.check(got["lml"] >= sk_lml - 1e-6,
                f"{what}: fitted lml {got['lml']!r} < scikit-learn's {sk_lml!r}")
        # and hpo's LML at scikit-learn's optimum is scikit-learn's value
        at_sk = run_tool(kid, 1, X, y, Xs, hpo_theta(gpr.kernel_.theta, d), [])
        rel = abs(at_sk["lml"] - sk_lml) / max(1.0, abs(sk_lml))
        T.check(rel <= 1e-8, f"{what}: lml at scikit-learn's optimum {at_sk['lml']!r} vs {sk_lml!r}")
        print(f"{what}: fixed |dmu| {err_mu:.2e} |dstd| {err_std:.2e}; "
              f"ML fit hpo {got['lml']:.6f} sklearn {sk_lml:.6f}")

sys.exit(T.summary())
