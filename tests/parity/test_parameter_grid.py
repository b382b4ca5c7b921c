"""Parity of the grid sampler with scikit-learn's ParameterGrid.

Random grids and grids of grids (ints, floats, strings, bools, mixed lists,
1-5 parameters, several sub-spaces) are generated with a fixed seed, written in
hpo's canonical space JSON, walked by hpo-tool-sampler_dump --sampler grid, and
compared with list(ParameterGrid(grid)): same order, same values, same types.
Float ranges with grid_points are compared with numpy.linspace/geomspace.
"""
import json
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.model_selection import ParameterGrid

from paritylib import Tally, run_sampler_tool

T = Tally()
check = T.check
run_tool = run_sampler_tool


NAME_CHARS = "abcXYZ_09é"


def rand_name(rng):
    return "".join(rng.choice(NAME_CHARS) for _ in range(rng.randint(1, 4)))


def rand_value(rng, kind):
    if kind == "int":
        return rng.randint(-50, 50)
    if kind == "float":
        return rng.choice([rng.uniform(-10, 10), float(rng.randint(-3, 3)), 10 ** rng.uniform(-6, 6)])
    if kind == "str":
        return rng.choice(["rbf", "poly", "linear", "a b", 'q"t', "1", "", "Ä"]) + str(rng.randint(0, 9))
    return rng.choice([True, False])


def rand_list(rng):
    kind = rng.choice(["int", "float", "str", "bool", "mixed"])
    n = rng.randint(1, 4)
    out, seen = [], set()
    for _ in range(n * 3):
        k = rng.choice(["int", "float", "str", "bool"]) if kind == "mixed" else kind
        v = rand_value(rng, k)
        key = (type(v).__name__, v)
        if key not in seen:
            seen.add(key)
            out.append(v)
        if len(out) == n:
            break
    return out


def rand_grid(rng):
    d = {}
    for _ in range(rng.randint(1, 5)):
        d[rand_name(rng)] = rand_list(rng)
    return d


def to_space(grids):
    subs = []
    for g in grids:
        subs.append([{"name": k, "type": "categorical", "choices": v} for k, v in g.items()])
    return {"subspaces": subs}


def same(a, b):
    if set(a) != set(b):
        return False
    for k in a:
        if type(a[k]) is not type(b[k]) or a[k] != b[k]:
            return False
    return True


def main():
    rng = random.Random(20240501)
    for case in range(150):
        grids = [rand_grid(rng) for _ in range(1 if case % 3 else rng.randint(2, 4))]
        want = list(ParameterGrid(grids if len(grids) > 1 else grids[0]))
        try:
            got = run_tool(to_space(grids), "--sampler", "grid", "--n", str(len(want) + 5))
        except RuntimeError as e:
            check(False, f"case {case}: {e}")
            continue
        ok = len(got) == len(want) and all(same(g, w) for g, w in zip(got, want))
        check(ok, f"case {case}: grid {grids}\n got  {got[:6]}\n want {want[:6]}")

    # float ranges enumerated with grid_points: numpy.linspace / numpy.geomspace
    for case in range(30):
        lo = rng.uniform(0.001, 5)
        hi = lo * rng.uniform(1, 1000)
        n = rng.randint(1, 9)
        log = bool(case % 2)
        space = {"subspaces": [[
            {"name": "C", "type": "float", "low": lo, "high": hi, "log": log, "grid_points": n},
            {"name": "k", "type": "categorical", "choices": ["a", "b"]}]]}
        ref = np.geomspace(lo, hi, n) if log else np.linspace(lo, hi, n)
        want = list(ParameterGrid({"C": [float(x) for x in ref], "k": ["a", "b"]}))
        got = run_tool(space, "--sampler", "grid", "--n", "100")
        ok = len(got) == len(want) and all(
            g["k"] == w["k"] and type(g["C"]) is float and abs(g["C"] - w["C"]) <= 1e-12 * abs(w["C"])
            for g, w in zip(got, want))
        check(ok, f"grid_points case {case}: {lo} {hi} {n} log={log}: {got} vs {want}")

    return T.summary()


if __name__ == "__main__":
    sys.exit(main())
