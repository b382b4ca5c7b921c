"""Optuna peer for bench/overhead.sh: the same two measurements as hpo's.

usage: optuna_peer.py asktell STORAGE_URL N
       optuna_peer.py command STORAGE_URL N TESTFN    (2 workers, n_jobs=2)
Prints one line in the same format as hpo's benchmark programs.
"""
import re
import subprocess
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def asktell(url, n):
    study = optuna.create_study(storage=url, study_name="bench", sampler=optuna.samplers.RandomSampler(seed=0),
                                load_if_exists=False)
    t0 = time.perf_counter()
    for _ in range(n):
        t = study.ask()
        x = t.suggest_float("x", -5, 10)
        t.suggest_float("lr", 1e-5, 1e-1, log=True)
        t.suggest_categorical("k", ["a", "b", "c"])
        study.tell(t, x * x)
    dt = time.perf_counter() - t0
    print(f"storage={url} trials={n} seconds={dt:.4f} us_per_trial={dt / n * 1e6:.1f}")


def command(url, n, testfn):
    study = optuna.create_study(storage=url, study_name="cmd", sampler=optuna.samplers.RandomSampler(seed=0))

    def objective(trial):
        x1 = trial.suggest_float("x1", -5, 10)
        x2 = trial.suggest_float("x2", 0, 15)
        out = subprocess.run([testfn, "branin", f"--x1={x1}", f"--x2={x2}"], capture_output=True, text=True,
                             check=True).stdout
        values = re.findall(r"\bloss=(\S+)", out)  # the same lines hpo's matcher reads
        if not values:
            raise RuntimeError("no loss")
        return float(values[-1])

    t0 = time.perf_counter()
    study.optimize(objective, n_trials=n, n_jobs=2)
    dt = time.perf_counter() - t0
    print(f"storage={url} trials={n} seconds={dt:.4f} trials_per_s={n / dt:.1f}")


if __name__ == "__main__":
    if sys.argv[1] == "asktell":
        asktell(sys.argv[2], int(sys.argv[3]))
    else:
        command(sys.argv[2], int(sys.argv[3]), sys.argv[4])
