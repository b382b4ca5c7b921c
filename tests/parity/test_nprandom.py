"""hpo's numpy RandomState emulation equals numpy's.

sklearn.utils.resample(..., replace=False, random_state=seed) -- what
successive halving uses to subsample every fold for the n_samples resource --
and the raw MT19937 stream of RandomState(seed), for many seeds (including 0,
1 and 2^32 - 1) and sizes (including n = m, m = 0, n = 1 and sizes that
exercise the rejection loop's masks), compared with tests/tools/np_resample.c.
And np.argsort of float64 arrays full of ties (and NaNs), index for index:
which of equally scored candidates successive halving keeps is numpy's
introsort order (util/npsort.c), for sizes on both sides of its insertion-sort
cut-off (16) and far beyond it.
"""
import json
import os
import random
import subprocess
import sys

import numpy as np
from sklearn.utils import resample

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paritylib import Tally  # noqa: E402

TOOL = os.path.join(os.environ.get("HPO_TOOLS", "build/tools"), "hpo-tool-np_resample")
T = Tally()
rng = random.Random(7)
cases = [(0, 10, 5), (1, 10, 10), (2**32 - 1, 7, 3), (42, 1, 1), (5, 1437, 100), (5, 1437, 0),
         (123, 4096, 4000), (9, 4097, 17)]
cases += [(rng.randrange(2**32), n, rng.randint(0, n)) for n in [rng.randint(1, 3000) for _ in range(60)]]
text = "".join(f"{s} {n} {m}\n" for s, n, m in cases)
out = subprocess.run([TOOL], input=text, capture_output=True, text=True)
T.check(out.returncode == 0, "tool runs")
lines = out.stdout.splitlines()
T.check(len(lines) == 2 * len(cases), "two lines per case")
for k, (seed, n, m) in enumerate(cases):
    a = np.arange(n) * 7 + 3
    want = [int(v) for v in resample(a, replace=False, n_samples=m, random_state=seed)] if m else []
    got = json.loads(lines[2 * k])
    T.check(got == want, f"resample seed={seed} n={n} m={m}")
    raw = json.loads(lines[2 * k + 1])["raw"]
    # a full-range uint32 draw is the raw MT19937 output
    want_raw = [int(v) for v in np.random.RandomState(seed).randint(0, 2**32, size=5, dtype=np.uint32)]
    T.check(raw == want_raw, f"raw stream seed={seed}: {raw} vs {want_raw}")

arrays = [[float(i % 2) for i in range(n)] for n in range(1, 70)]
for _ in range(1500):
    n = rng.randint(1, 400)
    hi = rng.choice([0, 1, 3, 10, 1000])
    arr = [float(rng.randint(0, hi)) for _ in range(n)]
    if rng.random() < 0.2:
        for _ in range(rng.randint(1, 5)):
            arr[rng.randrange(n)] = float("nan")
    if rng.random() < 0.2:
        arr = [x / 7.0 for x in arr]
    arrays.append(arr)
arrays.append([1.0] * 5000)  # all equal, deep partitions
arrays.append(sorted(float(rng.randint(0, 50)) for _ in range(3000)))  # sorted input
text = "".join(f"{len(a)} " + " ".join(repr(x) for x in a) + "\n" for a in arrays)
out = subprocess.run([TOOL, "argsort"], input=text, capture_output=True, text=True)
T.check(out.returncode == 0, "argsort tool runs")
lines = out.stdout.splitlines()
T.check(len(lines) == len(arrays), "one line per array")
bad = 0
for a, line in zip(arrays, lines):
    want = [int(i) for i in np.argsort(np.array(a, dtype=np.float64))]
    if json.loads(line) != want:
        bad += 1
        T.check(False, f"argsort of {len(a)} values differs: {a[:20]}...")
T.check(bad == 0, f"np.argsort equal on {len(arrays)} arrays")
sys.exit(T.summary())
