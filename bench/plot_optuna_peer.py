#!/usr/bin/python3
"""plot_optuna_peer.py EXPORT.json KIND [TIMEOUT] -- Optuna's plot of the same study.

Loads an hpo JSON export (hpo export STUDY --format json) into an in-memory
Optuna study (create_trial + add_trials: the same parameters, distributions,
values, states and intermediate values), then times Optuna's plotly figure for
KIND and its serialization (fig.to_json(), what optuna-dashboard or an HTML
file would carry). Prints one line:
    kind=<K> trials=<n> load_s=<s> plot_s=<s> bytes=<b>
KIND: history parallel slice contour edf intermediate importance (Optuna 3.1
has no timeline, rungs, dependence or evaluations plot).
"""
import json
import math
import sys
import time

import optuna
import optuna.visualization as vis

optuna.logging.set_verbosity(optuna.logging.ERROR)


def distributions(space):
    out = {}
    for sub in space["subspaces"]:
        for p in sub:
            if p["type"] == "float":
                out[p["name"]] = optuna.distributions.FloatDistribution(p["low"], p["high"], log=p["log"])
            elif p["type"] == "int":
                out[p["name"]] = optuna.distributions.IntDistribution(
                    p["low"], p["high"], log=p["log"], step=1 if p["log"] else p.get("step", 1))
            else:
                out[p["name"]] = optuna.distributions.CategoricalDistribution(p["choices"])
    return out


def load(path):
    d = json.load(open(path))
    dists = distributions(d["space"])
    states = {"complete": optuna.trial.TrialState.COMPLETE, "pruned": optuna.trial.TrialState.PRUNED,
              "failed": optuna.trial.TrialState.FAIL, "running": optuna.trial.TrialState.RUNNING}
    study = optuna.create_study(direction=d["direction"])
    trials = []
    for t in d["trials"]:
        if t["state"] == "running":
            continue
        params = {k: v for k, v in t["params"].items() if k in dists}
        value = t["value"] if t["state"] == "complete" else None
        inter = {int(s): v for s, v in t["reports"] if v is not None and not math.isnan(v)}
        trials.append(optuna.trial.create_trial(
            params=params, distributions={k: dists[k] for k in params}, value=value,
            state=states[t["state"]], intermediate_values=inter))
    study.add_trials(trials)
    return study


def main():
    path, kind = sys.argv[1], sys.argv[2]
    t0 = time.perf_counter()
    study = load(path)
    t1 = time.perf_counter()
    fn = {"history": vis.plot_optimization_history, "parallel": vis.plot_parallel_coordinate,
          "slice": vis.plot_slice, "contour": vis.plot_contour, "edf": vis.plot_edf,
          "intermediate": vis.plot_intermediate_values,
          "importance": vis.plot_param_importances}[kind]
    fig = fn(study)
    text = fig.to_json()
    t2 = time.perf_counter()
    print("kind=%s trials=%d load_s=%.3f plot_s=%.3f bytes=%d" % (
        kind, len(study.trials), t1 - t0, t2 - t1, len(text)))


if __name__ == "__main__":
    main()
