#!/usr/bin/python3
"""make_big_export.py N OUT.json -- a Hyperband-like study of N trials as an hpo
JSON export (the format `hpo export --format json` writes), for the plot
benchmark: 6 parameters (log float, float, int, two categoricals, a conditional
int), 8 workers, brackets of rungs at budgets 1, 3, 9, 27 with each promoted
trial continuing its parent, per-epoch reports, 4% failed. Seeded: the same N
gives the same file.
"""
import json
import math
import random
import sys


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(7)
    space = {"subspaces": [[
        {"name": "lr", "type": "float", "low": 1e-5, "high": 0.1, "log": True, "grid_points": 0, "when": None},
        {"name": "dropout", "type": "float", "low": 0.0, "high": 0.5, "log": False, "grid_points": 0, "when": None},
        {"name": "units", "type": "int", "low": 16, "high": 1024, "step": 16, "log": False, "grid_points": 0, "when": None},
        {"name": "optimizer", "type": "categorical", "choices": ["adam", "sgd", "rmsprop"], "when": None},
        {"name": "activation", "type": "categorical", "choices": ["relu", "tanh"], "when": None},
        {"name": "momentum_steps", "type": "int", "low": 1, "high": 10, "step": 1, "log": False, "grid_points": 0,
         "when": "optimizer == sgd"},
    ]]}
    workers = ["node%d:%d" % (w // 4, 4000 + w) for w in range(8)]
    free = [1.8e9] * 8
    trials = []

    def quality(p):
        q = 0.9 - 0.02 * (math.log10(p["lr"]) + 3) ** 2 - 0.1 * (p["dropout"] - 0.2) ** 2
        q -= 0.00005 * abs(p["units"] - 400) + (0.03 if p["optimizer"] == "sgd" else 0)
        return q

    def add(params, budget, start, rung, bracket, parent):
        i = len(trials)
        q = quality(params)
        w = i % 8
        failed = rng.random() < 0.04
        reports = []
        v = None
        for k in range(int(start) + 1, int(budget) + 1):
            v = q * (1 - math.exp(-k / 4)) + 0.01 * math.sin(i * 31 + k)
            reports.append([k, v])
        dur = 2.0 * (budget - start) + rng.random()
        t0 = free[w]
        free[w] += dur + 0.2
        trials.append({
            "number": i, "state": "failed" if failed else "complete",
            "value": None if failed else v, "params": params,
            "reports": [] if failed else reports, "attrs": {},
            "message": "diverged" if failed else None,
            "start_time": t0, "end_time": t0 + dur, "duration": dur, "worker": workers[w],
            "retry_of": None, "budget": budget, "budget_start": start, "rung": rung,
            "bracket": bracket, "parent": parent})
        return None if failed else v

    bracket = 0
    while len(trials) < n:
        # one Hyperband bracket: 27 configurations at 1 epoch, the best third promoted
        cands = []
        for _ in range(27):
            p = {"lr": 10 ** rng.uniform(-5, -1), "dropout": rng.uniform(0, 0.5),
                 "units": 16 * rng.randint(1, 64), "optimizer": rng.choice(["adam", "sgd", "rmsprop"]),
                 "activation": rng.choice(["relu", "tanh"])}
            if p["optimizer"] == "sgd":
                p["momentum_steps"] = rng.randint(1, 10)
            cands.append(p)
        level = [(p, None, 0) for p in cands]
        for rung, budget in enumerate([1, 3, 9, 27]):
            scored = []
            for p, parent, start in level:
                if len(trials) >= n:
                    break
                v = add(p, budget, start, rung, bracket % 4, parent)
                if v is not None:
                    scored.append((v, p, len(trials) - 1))
            scored.sort(key=lambda s: -s[0])
            level = [(p, num, budget) for _, p, num in scored[:max(1, len(scored) // 3)]]
        bracket += 1
    doc = {"study": "big", "direction": "maximize", "sampler": "random", "scheduler": "hyperband",
           "n_trials": None, "space": space, "trials": trials}
    with open(out, "w") as f:
        json.dump(doc, f)


if __name__ == "__main__":
    main()
