"""hpo's Hyperband brackets equal KerasTuner's arithmetic and Li et al.'s.

KerasTuner 1.4's HyperbandOracle arithmetic (_get_num_brackets, _get_size,
_get_epochs, with min_epochs = 1) and Li et al.'s Algorithm 1 are pure, so
they are replayed here in Python (math.log(x, b), math.ceil, float
arithmetic as the references write them, semantics-notes.md 2.1-2.5) and
compared with hpo's plans (tests/tools/hb_plan.c) over many (R, factor)
pairs, including the float traps (15625, 5); plus the published tables:
KerasTuner's for max_epochs=27, factor=3 (70 trials, 375 epochs) and Li et
al.'s Table 1 for R=81, eta=3.
"""
import json
import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paritylib import Tally  # noqa: E402

TOOL = os.path.join(os.environ.get("HPO_TOOLS", "build/tools"), "hpo-tool-hb_plan")
T = Tally()


def keras(R, f):
    epochs, B = R, 0
    while epochs >= 1:
        epochs = epochs / f
        B += 1
    b0 = math.ceil(1 + math.log(R, f))
    out = []
    for b in reversed(range(B)):
        rounds = []
        for r in range(b + 1):
            size = math.ceil((b0 / (b + 1)) * f ** (b - r))
            ep = math.ceil(R / f ** (b - r))
            rounds.append([size, float(ep), float(rounds[-1][1]) if r else 0.0])
        out.append(rounds)
    return out


def li(R, eta):
    s_max = 0
    x = eta
    while x <= R:
        s_max += 1
        x *= eta
    B = (s_max + 1) * R
    out = []
    for s in range(s_max, -1, -1):
        n = math.ceil((B / R) * eta ** s / (s + 1))
        r = R * eta ** (-s)
        out.append([[math.floor(n * eta ** (-i)), r * eta ** i, 0.0] for i in range(s + 1)])
    return out


reqs = []
for R in list(range(1, 120)) + [243, 729, 1000, 15625, 46656, 16807]:
    for f in (2, 3, 4, 5, 6, 7, 10, 2.5):
        reqs.append(("keras", R, f))
for R in (1, 2, 9, 27, 81, 100, 243, 1000):
    for eta in (2, 3, 4, 1.5):
        reqs.append(("li", R, eta))
text = "".join(f"{k} {R} {f}\n" for k, R, f in reqs)
out = subprocess.run([TOOL], input=text, capture_output=True, text=True)
T.check(out.returncode == 0, "tool runs")
ours = [json.loads(line) for line in out.stdout.splitlines()]
T.check(len(ours) == len(reqs), "one answer per request")
for (kind, R, f), h in zip(reqs, ours):
    want = keras(R, f) if kind == "keras" else li(R, f)
    T.check(h.get("brackets") == want, f"{kind} R={R} f={f}: {h.get('brackets')} vs {want}")

by = {(k, R, f): h for (k, R, f), h in zip(reqs, ours)}
k27 = by[("keras", 27, 3)]
T.check([len(b) for b in k27["brackets"]] == [4, 3, 2, 1], "27/3: four brackets")
T.check(k27["total_trials"] == 70 and k27["total_resource"] == 375, "27/3: 70 trials, 375 epochs")
T.check(k27["brackets"][0] == [[27, 1, 0], [9, 3, 1], [3, 9, 3], [1, 27, 9]], "27/3 bracket 3")
k81 = by[("keras", 81, 3)]
T.check([[r[0] for r in b] for b in k81["brackets"]] == [[81, 27, 9, 3, 1], [34, 12, 4, 2], [15, 5, 2], [8, 3], [5]],
        "KerasTuner's sizes for R=81, f=3")
l81 = by[("li", 81, 3)]
T.check([[(r[0], r[1]) for r in b] for b in l81["brackets"]] ==
        [[(81, 1), (27, 3), (9, 9), (3, 27), (1, 81)], [(34, 3), (11, 9), (3, 27), (1, 81)],
         [(15, 9), (5, 27), (1, 81)], [(8, 27), (2, 81)], [(5, 81)]], "Li et al. Table 1")
k8 = by[("keras", 8, 2)]  # keras-tuner's own test_hyperband_oracle_bracket_configs
T.check(len(k8["brackets"]) == 4 and k8["brackets"][0][0][:2] == [8, 1] and k8["brackets"][0][3][:2] == [1, 8]
        and k8["brackets"][3] == [[4, 8, 0]], "keras-tuner's bracket test (8, 2)")
T.check(by[("li", 243, 3)]["brackets"][0][0][0] == 243, "Li: s_max = 5 for R = 243, eta = 3")
sys.exit(T.summary())
