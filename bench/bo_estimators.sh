#!/usr/bin/env bash
# Bayesian optimization of built-in estimators on bundled data: hpo's gp (and
# the other hpo samplers in HPO_SAMPLERS) against Optuna's TPE, CMA-ES and
# random samplers (PEER_SAMPLERS), in the same run, at equal budgets, SEEDS
# seeds each. Both sides score the same configurations identically: hpo's svc
# is libsvm as scikit-learn's SVC, its xgboost is XGBoost as python3-xgboost,
# with scikit-learn's StratifiedKFold(5) folds (the parity tests show equal
# per-fold scores), so the comparison is of the samplers alone.
#   svc      digits, C in [1e-2, 1e4] log, gamma in [1e-6, 1] log, 25 trials
#   xgboost  breast cancer, 5 parameters, 25 trials
#   mlp      digits (standardized), the built-in MLP, 5 parameters, 10 epochs;
#            Optuna's objective runs hpo's own mlp on the one configuration
#            (`hpo tune` of a one-point grid, the same seed), as no Python MLP
#            scores like it
# Regret = best mean CV accuracy seen by any run of any sampler - the run's best.
#   SEEDS=10 bench/bo_estimators.sh
set -euo pipefail
cd "$(dirname "$0")/.."
HPO=$(realpath "${HPO:-build-rel/hpo}")
PY=/usr/bin/python3
SEEDS=${SEEDS:-10}
N=${N:-25}
TASKS=${TASKS:-"svc xgboost mlp"}
HPO_SAMPLERS=${HPO_SAMPLERS:-"gp random"}
PEER_SAMPLERS=${PEER_SAMPLERS:-"tpe cmaes random"}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

space_yaml() {
  case $1 in
    svc) cat <<'Y'
space:
  C: {type: float, low: 1.0e-2, high: 1.0e+4, log: true}
  gamma: {type: float, low: 1.0e-6, high: 1.0, log: true}
Y
    ;;
    mlp) cat <<'Y'
space:
  n_layers: {type: int, low: 1, high: 3}
  units: {type: int, low: 16, high: 256, step: 16}
  dropout: {type: float, low: 0.0, high: 0.5}
  learning_rate: {type: float, low: 1.0e-4, high: 1.0e-1, log: true}
  alpha: {type: float, low: 1.0e-6, high: 1.0e-1, log: true}
Y
    ;;
    xgboost) cat <<'Y'
space:
  n_estimators: {type: int, low: 10, high: 200, log: true}
  learning_rate: {type: float, low: 1.0e-2, high: 3.0e-1, log: true}
  max_depth: {type: int, low: 2, high: 8}
  min_child_weight: {type: float, low: 1.0, high: 20.0, log: true}
  reg_lambda: {type: float, low: 1.0e-3, high: 10.0, log: true}
Y
    ;;
  esac
}
data() { case $1 in svc | mlp) echo "$PWD/data/digits.csv" ;; xgboost) echo "$PWD/data/breast_cancer.csv" ;; esac; }
fixed() { [ "$1" = mlp ] && printf '  preprocessing: standard\n  fixed: {epochs: 10, batch_size: 64}\n' || true; }

cat >"$W/peer.py" <<PY
HPO = "$HPO"
FIXED = """$(fixed mlp)""" + "\n"
PY
cat >>"$W/peer.py" <<'PY'
import subprocess, tempfile, os
import sys, warnings
import numpy as np, optuna
from sklearn.model_selection import StratifiedKFold, cross_val_score
optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.filterwarnings("ignore")
task, sampler, n, seed, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
d = np.loadtxt(path, delimiter=",", skiprows=1)
X, y = d[:, :-1], d[:, -1].astype(int)
cv = StratifiedKFold(5)
def hpo_mlp(t):
    p = {"n_layers": t.suggest_int("n_layers", 1, 3), "units": t.suggest_int("units", 16, 256, step=16),
         "dropout": t.suggest_float("dropout", 0.0, 0.5),
         "learning_rate": t.suggest_float("learning_rate", 1e-4, 1e-1, log=True),
         "alpha": t.suggest_float("alpha", 1e-6, 1e-1, log=True)}
    spec = "study: peer\nseed: %d\nobjective:\n  estimator: mlp\n  data: {path: %s, target: target}\n  cv: 5\n  scoring: accuracy\n%sspace:\n" % (seed, path, FIXED)
    spec += "".join("  %s: [%r]\n" % (k, v) for k, v in p.items())
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(spec + "sampler: grid\n")
    out = subprocess.run([HPO, "tune", f.name, "--storage", "memory:", "-q", "--no-refit"],
                         capture_output=True, text=True, check=True).stdout
    os.unlink(f.name)
    return float(out.split()[1])
def obj(t):
    if task == "mlp":
        return hpo_mlp(t)
    if task == "svc":
        from sklearn.svm import SVC
        m = SVC(C=t.suggest_float("C", 1e-2, 1e4, log=True), gamma=t.suggest_float("gamma", 1e-6, 1.0, log=True))
    else:
        from xgboost import XGBClassifier
        m = XGBClassifier(n_estimators=t.suggest_int("n_estimators", 10, 200, log=True),
                          learning_rate=t.suggest_float("learning_rate", 1e-2, 3e-1, log=True),
                          max_depth=t.suggest_int("max_depth", 2, 8),
                          min_child_weight=t.suggest_float("min_child_weight", 1.0, 20.0, log=True),
                          reg_lambda=t.suggest_float("reg_lambda", 1e-3, 10.0, log=True),
                          n_jobs=1)
    return cross_val_score(m, X, y, cv=cv, scoring="accuracy").mean()
s = {"tpe": optuna.samplers.TPESampler(seed=seed), "cmaes": optuna.samplers.CmaEsSampler(seed=seed),
     "random": optuna.samplers.RandomSampler(seed=seed)}[sampler]
st = optuna.create_study(direction="maximize", sampler=s)
st.optimize(obj, n_trials=n)
print(st.best_value)
PY

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for task in $TASKS; do
  : >"$W/$task.res"
  for s in $HPO_SAMPLERS; do
    for seed in $(seq 1 "$SEEDS"); do
      { cat <<Y
study: bench-$task
storage: sqlite:///$W/s.db
seed: $seed
objective:
  estimator: $task
  data: {path: $(data "$task"), target: target}
  cv: 5
  scoring: accuracy
Y
        fixed "$task"
        space_yaml "$task"
        echo "sampler: $s"
        echo "n_trials: $N"
      } >"$W/spec.yaml"
      v=$("$HPO" tune "$W/spec.yaml" --fresh -q --no-refit | sed -n 's/^best \([^ ]*\) .*/\1/p')
      echo "hpo_$s $v" >>"$W/$task.res"
    done
  done
  for s in $PEER_SAMPLERS; do
    for seed in $(seq 1 "$SEEDS"); do
      echo "optuna_$s $($PY "$W/peer.py" "$task" "$s" "$N" "$seed" "$(data "$task")")" >>"$W/$task.res"
    done
  done
  $PY - "$W/$task.res" "$task" "$N" <<'PY'
import sys, statistics, collections
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
best = max(float(v) for _, v in rows)
by = collections.OrderedDict()
for s, v in rows:
    by.setdefault(s, []).append(best - float(v))
print("%s, %s trials, best mean CV accuracy seen %.6f; regret median [q1, q3]:" % (sys.argv[2], sys.argv[3], best))
for s, r in by.items():
    q = statistics.quantiles(r, n=4) if len(r) > 1 else [r[0]] * 3
    print("  %-16s %.5f [%.5f, %.5f]" % (s, statistics.median(r), q[0], q[2]))
PY
done
