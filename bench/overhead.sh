#!/usr/bin/env bash
# Per-trial overhead of ask+tell (SQLite and memory) and trials/s of a trivial
# command with 2 workers, hpo and Optuna (Debian python3-optuna) side by side in
# the same run. Medians of RUNS runs (default 5). Needs a build in ./build.
#   scripts/install-deps.sh --bench && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build
#   bench/overhead.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
N=${N:-2000}
NCMD=${NCMD:-1000}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
HPO=build/hpo
TESTFN=$(realpath build/examples/hpo-testfn)
AT=build/bench/hpo-bench-ask-tell
PY=/usr/bin/python3

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

hpo_mem=(); hpo_sql=(); opt_sql=(); hpo_cmd=(); opt_cmd=()
for r in $(seq 1 "$RUNS"); do
  hpo_mem+=("$($AT memory: "$N" | field us_per_trial)")
  rm -f "$W/h.db"*; hpo_sql+=("$($AT "$W/h.db" "$N" | field us_per_trial)")
  rm -f "$W/o.db"*; opt_sql+=("$($PY bench/optuna_peer.py asktell "sqlite:///$W/o.db" "$((N / 4))" | field us_per_trial)")
  cat >"$W/spec.yaml" <<YAML
study: cmd$r
storage: sqlite:///$W/hc.db
objective: {command: [$TESTFN, branin, "\${args}"], metric: loss}
space:
  x1: uniform(-5, 10)
  x2: uniform(0, 15)
sampler: random
n_trials: $NCMD
workers: 2
output: $W/runs
YAML
  t0=$(date +%s.%N); $HPO tune "$W/spec.yaml" -q >/dev/null; t1=$(date +%s.%N)
  hpo_cmd+=("$(echo "$NCMD / ($t1 - $t0)" | bc -l)")
  rm -f "$W/oc.db"*; opt_cmd+=("$($PY bench/optuna_peer.py command "sqlite:///$W/oc.db" "$NCMD" "$TESTFN" | field trials_per_s)")
done
m() { printf '%s\n' "$@" | median; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%Y-%m-%d)"
echo "runs: $RUNS (medians)"
printf 'ask+tell, memory   : hpo %8.1f us/trial\n' "$(m "${hpo_mem[@]}")"
printf 'ask+tell, sqlite   : hpo %8.1f us/trial   optuna %8.1f us/trial   ratio %.1fx\n' \
  "$(m "${hpo_sql[@]}")" "$(m "${opt_sql[@]}")" "$(echo "$(m "${opt_sql[@]}") / $(m "${hpo_sql[@]}")" | bc -l)"
printf 'command, 2 workers : hpo %8.1f trials/s  optuna %8.1f trials/s  ratio %.1fx\n' \
  "$(m "${hpo_cmd[@]}")" "$(m "${opt_cmd[@]}")" "$(echo "$(m "${hpo_cmd[@]}") / $(m "${opt_cmd[@]}")" | bc -l)"
