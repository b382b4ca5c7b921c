"""Parity of the random sampler with scikit-learn's ParameterSampler.

- All-list spaces are sampled without replacement: no duplicates, and asking
  for at least the grid's size returns exactly the grid's set, as
  ParameterSampler does (it truncates n_iter to the grid size).
- With distributions: values lie in their bounds, ints on their lattice,
  log-uniform floats pass a KS test against scipy.stats.loguniform, uniform
  floats against scipy.stats.uniform, and categorical and randint frequencies
  pass chi-square tests, all at fixed seeds.
- The same seed gives the same proposals; another seed other ones.
"""
import json
import os
import subprocess
import sys
import tempfile
import warnings

from scipy import stats
from sklearn.model_selection import ParameterGrid, ParameterSampler

from paritylib import Tally, run_sampler_tool

ALPHA = 1e-3
T = Tally()
check = T.check
run_tool = run_sampler_tool


def key(d):
    return tuple(sorted((k, type(v).__name__, v) for k, v in d.items()))


def lists_space(grids):
    return {"subspaces": [[{"name": k, "type": "categorical", "choices": v} for k, v in g.items()]
                          for g in grids]}


def test_without_replacement():
    cases = [
        [{"a": [1, 2, 3], "b": ["x", "y"], "c": [True, False]}],
        [{"kernel": ["linear"], "C": [0.1, 1.0, 10.0]},
         {"kernel": ["rbf"], "C": [0.1, 1.0, 10.0], "gamma": [0.01, 0.1]}],
        [{"n": list(range(37))}],
        [{"p": [1, 2.5, "s", False], "q": [0, 1]}],
    ]
    for seed in (0, 1, 7):
        for grids in cases:
            pg = grids if len(grids) > 1 else grids[0]
            size = len(ParameterGrid(pg))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = list(ParameterSampler(pg, n_iter=size + 10, random_state=seed))
            got = run_tool(lists_space(grids), "--sampler", "random", "--seed", str(seed),
                           "--n", str(size + 10))
            check(len(got) == size == len(ref), f"size {len(got)} vs {size}")
            check(sorted(map(key, got)) == sorted(map(key, ref)),
                  f"seed {seed}: the whole grid exactly once for {grids}")
            part = run_tool(lists_space(grids), "--sampler", "random", "--seed", str(seed),
                            "--n", str(max(1, size // 2)))
            ks = [key(p) for p in part]
            check(len(set(ks)) == len(ks) and set(ks) <= set(map(key, ref)),
                  f"seed {seed}: a partial draw has no duplicates for {grids}")
            other = run_tool(lists_space(grids), "--sampler", "random", "--seed", str(seed + 100),
                             "--n", str(size))
            if size > 3:
                check([key(p) for p in other] != [key(p) for p in got],
                      f"another seed gives another order for {grids}")


def test_distributions():
    space = {"subspaces": [[
        {"name": "C", "type": "float", "low": 1e-3, "high": 1e3, "log": True},
        {"name": "dropout", "type": "float", "low": 0.0, "high": 0.5},
        {"name": "units", "type": "int", "low": 32, "high": 512, "step": 32},
        {"name": "depth", "type": "int", "low": 1, "high": 6},
        {"name": "trees", "type": "int", "low": 1, "high": 1000, "log": True},
        {"name": "kernel", "type": "categorical", "choices": ["rbf", "poly", "linear", "sigmoid"]},
    ]]}
    n = 4000
    got = run_tool(space, "--sampler", "random", "--seed", "12345", "--n", str(n))
    check(len(got) == n, f"{len(got)} proposals")
    c = [p["C"] for p in got]
    dr = [p["dropout"] for p in got]
    units = [p["units"] for p in got]
    depth = [p["depth"] for p in got]
    trees = [p["trees"] for p in got]
    kern = [p["kernel"] for p in got]
    check(all(type(x) is float and 1e-3 <= x <= 1e3 for x in c), "C in bounds, float")
    check(all(type(x) is float and 0 <= x <= 0.5 for x in dr), "dropout in bounds")
    check(all(type(x) is int and 32 <= x <= 512 and x % 32 == 0 for x in units), "units lattice")
    check(all(type(x) is int and 1 <= x <= 6 for x in depth), "depth range")
    check(all(type(x) is int and 1 <= x <= 1000 for x in trees), "trees range")
    p = stats.kstest(c, stats.loguniform(1e-3, 1e3).cdf).pvalue
    check(p > ALPHA, f"C ~ loguniform(1e-3, 1e3): KS p = {p}")
    p = stats.kstest(dr, stats.uniform(0.0, 0.5).cdf).pvalue
    check(p > ALPHA, f"dropout ~ uniform(0, 0.5): KS p = {p}")
    # log-uniform ints: compare log(x) with the continuous law, coarsely binned
    big = [t for t in trees if t >= 10]
    p = stats.kstest(big, stats.loguniform(9.5, 1000.5).cdf).pvalue
    check(p > ALPHA, f"trees >= 10 ~ loguniform: KS p = {p}")
    for name, vals, cats in (("kernel", kern, ["rbf", "poly", "linear", "sigmoid"]),
                             ("units", units, list(range(32, 513, 32))),
                             ("depth", depth, list(range(1, 7)))):
        counts = [vals.count(v) for v in cats]
        p = stats.chisquare(counts).pvalue
        check(p > ALPHA and sum(counts) == n, f"{name} frequencies {counts}: chi-square p = {p}")

    again = run_tool(space, "--sampler", "random", "--seed", "12345", "--n", "50")
    check(again == got[:50], "same seed, same proposals")
    other = run_tool(space, "--sampler", "random", "--seed", "12346", "--n", "50")
    check(all(a["C"] != b["C"] for a, b in zip(other, got[:50])), "another seed, other proposals")


def test_grid_of_distributions():
    # ParameterSampler picks a sub-space uniformly: check the split
    space = {"subspaces": [
        [{"name": "kernel", "type": "categorical", "choices": ["linear"]},
         {"name": "C", "type": "float", "low": 0.1, "high": 10.0, "log": True}],
        [{"name": "kernel", "type": "categorical", "choices": ["rbf"]},
         {"name": "C", "type": "float", "low": 0.1, "high": 10.0, "log": True},
         {"name": "gamma", "type": "float", "low": 1e-4, "high": 1.0, "log": True}],
    ]}
    got = run_tool(space, "--sampler", "random", "--seed", "3", "--n", "2000")
    lin = sum(1 for p in got if p["kernel"] == "linear")
    p = stats.binomtest(lin, 2000, 0.5).pvalue
    check(p > ALPHA, f"sub-space choice {lin}/2000: binomial p = {p}")
    check(all(("gamma" in p) == (p["kernel"] == "rbf") for p in got), "sub-space parameters")


def main():
    for t in (test_without_replacement, test_distributions, test_grid_of_distributions):
        try:
            t()
        except Exception as e:  # a crash counts as a failure, keep going
            check(False, f"{t.__name__}: {e!r}")
    return T.summary()


if __name__ == "__main__":
    sys.exit(main())
