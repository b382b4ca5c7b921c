#!/usr/bin/env bash
# Hyperband over the MLP on Fashion-MNIST (examples/mlp-fashion-hyperband.yaml:
# units 32..512 step 32, n_layers 1..3, dropout 0..0.5, learning_rate
# 1e-2/1e-3/1e-4, Adam, batch 128, 10% holdout as validation, factor 3):
# hpo (workers 1, its mlp on 2 BLAS threads) against Optuna's HyperbandPruner
# (min_resource 1, max_resource MAX_EPOCHS, reduction_factor 3) with a seeded
# RandomSampler and PyTorch CPU on 2 threads (Debian python3-optuna and
# python3-torch, bench/hyperband_torch_peer.py), in the same run. Optuna gets as
# many trials as hpo's Hyperband creates configurations. Both refit the best
# configuration on all 60000 training images for its epochs and score it on
# the 10000 t10k images. Reports the medians over RUNS runs (default 3 for
# MAX_EPOCHS <= 3, else 1; run r uses seed r for both) of the
# best validation accuracy, the test accuracy of the refitted best, the wall
# time (whole process: loading, search, refit) and the epochs trained.
#   MAX_EPOCHS  the spec's max_epochs (default 3: 2 brackets, about 2 minutes
#               a run on a 2-core machine, 6 with the default 3 runs; 9: 3
#               brackets, about 21 minutes; the example's 27: 4 brackets, well
#               over an hour). 3, 9 and 27 put
#               Optuna's rungs (1, 3, 9, ...) on hpo's round budgets.
#   SAMPLER     random (default) or tpe, for Optuna
#   scripts/install-deps.sh --bench && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build
#   bench/hyperband_mlp.sh
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_EPOCHS=${MAX_EPOCHS:-3}
RUNS=${RUNS:-$( ((MAX_EPOCHS <= 3)) && echo 3 || echo 1)}
SAMPLER=${SAMPLER:-random}
THREADS=2
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
HPO=$(realpath build/hpo)
PY=/usr/bin/python3
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
m() { printf '%s\n' "$@" | median; }
get() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

h_val=(); h_test=(); h_t=(); h_ep=(); h_rep=(); o_val=(); o_test=(); o_t=(); o_ep=(); o_rep=(); lines=""
for r in $(seq 1 "$RUNS"); do
  # Run r uses seed r for both (the example's seed is 1).
  sed -e "s/^  max_epochs: .*/  max_epochs: $MAX_EPOCHS/" -e "s/^seed: .*/seed: $r/" \
    examples/mlp-fashion-hyperband.yaml >"$W/spec.yaml"
  STUDY=$(sed -n 's/^study: *//p' "$W/spec.yaml")
  "$HPO" plan "$W/spec.yaml" >"$W/plan.txt"
  n_conf=$(awk '$1 == "configurations_per_iteration" {print $2}' "$W/plan.txt")
  n_trials=$(awk '$1 == "trials_per_iteration" {print $2}' "$W/plan.txt")
  budget=$(awk '$1 == "resource_per_iteration" {print $2}' "$W/plan.txt")

  rm -f "$W/h.db"*
  t0=$(date +%s.%N)
  OMP_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS "$HPO" tune "$W/spec.yaml" --storage "sqlite:///$W/h.db" -q >"$W/tune.txt"
  t1=$(date +%s.%N)
  h_t+=("$(echo "$t1 - $t0" | bc -l)")
  "$HPO" export "$STUDY" --storage "sqlite:///$W/h.db" --format json -o "$W/h.json"
  "$HPO" predict "$STUDY" --info --storage "sqlite:///$W/h.db" >"$W/info.json"
  $PY - "$W/h.json" "$W/info.json" "$W/tune.txt" >"$W/h.sum" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); info = json.load(open(sys.argv[2]))
done = [t for t in d["trials"] if t["state"] == "complete"]
best = max(done, key=lambda t: t["value"])
print(json.dumps({"best_val_accuracy": info["cv_score"], "test_accuracy": info["test_score"],
                  "search_epochs": sum(t["budget"] - t["budget_start"] for t in done),
                  "refit_epochs": info["params"]["epochs"], "trials": len(d["trials"]),
                  "configurations": sum(1 for t in d["trials"] if t["parent"] is None),
                  "states": {s: sum(1 for t in d["trials"] if t["state"] == s) for s in sorted({t["state"] for t in d["trials"]})},
                  "best_params": info["params"], "best_trial_value": best["value"],
                  "tune_line": open(sys.argv[3]).read().strip()}))
PY
  h_val+=("$(get "$W/h.sum" best_val_accuracy)"); h_test+=("$(get "$W/h.sum" test_accuracy)")
  h_ep+=("$(get "$W/h.sum" search_epochs)"); h_rep+=("$(get "$W/h.sum" refit_epochs)")

  t0=$(date +%s.%N)
  OMP_NUM_THREADS=$THREADS $PY bench/hyperband_torch_peer.py "$MAX_EPOCHS" "$n_conf" "$THREADS" "$r" "$SAMPLER" >"$W/o.json"
  t1=$(date +%s.%N)
  o_t+=("$(echo "$t1 - $t0" | bc -l)")
  o_val+=("$(get "$W/o.json" best_val_accuracy)"); o_test+=("$(get "$W/o.json" test_accuracy)")
  o_ep+=("$(get "$W/o.json" search_epochs)"); o_rep+=("$(get "$W/o.json" refit_epochs)")
  lines+="run $r hpo   : $(cat "$W/h.sum")"$'\n'"run $r optuna: $(cat "$W/o.json")"$'\n'
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%Y-%m-%d)"
echo "runs: $RUNS (medians), max_epochs $MAX_EPOCHS, factor 3, $THREADS threads each, torch $($PY -c 'import torch; print(torch.__version__)')," \
     "optuna $($PY -c 'import optuna; print(optuna.__version__)') with $SAMPLER sampler"
echo "hpo's Hyperband (one iteration): $n_conf configurations, $n_trials trials, $budget epochs; Optuna: $n_conf trials (= hpo's configurations)"
printf '%-7s: best val accuracy %.4f   test accuracy %.4f   wall %7.1f s   epochs %4.0f search + %2.0f refit\n' \
  hpo "$(m "${h_val[@]}")" "$(m "${h_test[@]}")" "$(m "${h_t[@]}")" "$(m "${h_ep[@]}")" "$(m "${h_rep[@]}")"
printf '%-7s: best val accuracy %.4f   test accuracy %.4f   wall %7.1f s   epochs %4.0f search + %2.0f refit\n' \
  optuna "$(m "${o_val[@]}")" "$(m "${o_test[@]}")" "$(m "${o_t[@]}")" "$(m "${o_ep[@]}")" "$(m "${o_rep[@]}")"
printf 'wall time hpo / optuna+torch: %.2fx; seconds per epoch trained (search + refit): hpo %.2f, optuna+torch %.2f\n' \
  "$(echo "$(m "${h_t[@]}") / $(m "${o_t[@]}")" | bc -l)" \
  "$(echo "$(m "${h_t[@]}") / ($(m "${h_ep[@]}") + $(m "${h_rep[@]}"))" | bc -l)" \
  "$(echo "$(m "${o_t[@]}") / ($(m "${o_ep[@]}") + $(m "${o_rep[@]}"))" | bc -l)"
printf '%s' "$lines"
