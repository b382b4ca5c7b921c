#!/usr/bin/python3
"""Optuna's samplers on the synthetic functions of bench/bo_synth.c.

usage: bo_optuna_peer.py regret FUNCTION SAMPLER N SEED   (SAMPLER: tpe, cmaes, random)
           prints "best=<best> regret=<best - optimum> seconds=<s>"
       bo_optuna_peer.py time FUNCTION tpe N
           prints "n=<k> ms_per_suggestion=<median of 5>" for k in 100, 500, 1000 (<= N)
In-memory storage, minimize, default sampler settings (Optuna 3.1 from Debian).
"""
import math
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)

A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8],
     [17, 8, 0.05, 10, 0.1, 14]]
P = [[.1312, .1696, .5569, .0124, .8283, .5886], [.2329, .4135, .8307, .3736, .1004, .9991],
     [.2348, .1451, .3522, .2883, .3047, .6650], [.4047, .8828, .8732, .5743, .1091, .0381]]
ALPHA = [1.0, 1.2, 3.0, 3.2]


def branin(x):
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x[1] - b * x[0] ** 2 + c * x[0] - 6) ** 2 + 10 * (1 - t) * math.cos(x[0]) + 10


def hartmann6(x):
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6)))
                for i in range(4))


def ackley5(x):
    s1 = sum(v * v for v in x)
    s2 = sum(math.cos(2 * math.pi * v) for v in x)
    return -20 * math.exp(-0.2 * math.sqrt(s1 / 5)) - math.exp(s2 / 5) + 20 + math.e


def styblinski8(x):
    return sum(v ** 4 - 16 * v * v + 5 * v for v in x) / 2


FNS = {
    "branin": (branin, [(-5, 10), (0, 15)], 0.397887357729739),
    "hartmann6": (hartmann6, [(0, 1)] * 6, -3.32236801141551),
    "ackley5": (ackley5, [(-32.768, 32.768)] * 5, 0.0),
    "styblinski8": (styblinski8, [(-5, 5)] * 8, -39.16616570377142 * 8),
}


def sampler(name, seed, n_startup=None):
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed, **({} if n_startup is None else
                                                        {"n_startup_trials": n_startup}))
    if name == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise SystemExit("unknown sampler " + name)


def objective(f, bounds):
    def obj(trial):
        return f([trial.suggest_float("x%d" % (j + 1), lo, hi) for j, (lo, hi) in enumerate(bounds)])
    return obj


def main():
    mode, fname, sname, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    f, bounds, opt = FNS[fname]
    if mode == "regret":
        seed = int(sys.argv[5])
        study = optuna.create_study(sampler=sampler(sname, seed))
        t0 = time.perf_counter()
        study.optimize(objective(f, bounds), n_trials=n)
        print("best=%.10g regret=%.10g seconds=%.3f" % (study.best_value, study.best_value - opt,
                                                       time.perf_counter() - t0))
        return
    for mark in (100, 500, 1000):
        if mark > n:
            break
        study = optuna.create_study(sampler=sampler(sname, 1, n_startup=mark))
        study.optimize(objective(f, bounds), n_trials=mark)
        times = []
        obj = objective(f, bounds)
        for _ in range(5):
            t0 = time.perf_counter()
            trial = study.ask()
            x = [trial.suggest_float("x%d" % (j + 1), lo, hi) for j, (lo, hi) in enumerate(bounds)]
            times.append(time.perf_counter() - t0)
            study.tell(trial, f(x))
        del obj
        times.sort()
        print("n=%d ms_per_suggestion=%.3f" % (mark, times[2] * 1e3), flush=True)


if __name__ == "__main__":
    main()
