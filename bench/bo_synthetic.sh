#!/usr/bin/env bash
# Bayesian optimization on synthetic functions: hpo's samplers (gp default,
# tpe, random) against Optuna's (TPE, CMA-ES, random) in the same run, at equal
# budgets, SEEDS seeds each: median and interquartile range of the regret
# (best found - global minimum); then time per suggestion at 100, 500 and 1000
# observations (hpo gp in 6-d, hpo tpe and Optuna TPE).
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel -j2
#   SEEDS=10 bench/bo_synthetic.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build-rel/bench/hpo-bench-bo-synth}
PEER="/usr/bin/python3 bench/bo_optuna_peer.py"
SEEDS=${SEEDS:-10}
FUNCS=${FUNCS:-"branin:40 hartmann6:80 ackley5:80 styblinski8:100"}
HPO_SAMPLERS=${HPO_SAMPLERS:-"gp tpe random"}
PEER_SAMPLERS=${PEER_SAMPLERS:-"tpe cmaes random"}
TIME_N=${TIME_N:-1000}

summary() { # regrets on stdin -> "median [q1, q3]"
  /usr/bin/python3 -c '
import sys, statistics
v = sorted(float(x) for x in sys.stdin.read().split())
q = statistics.quantiles(v, n=4) if len(v) > 1 else [v[0]] * 3
print("%.4g [%.3g, %.3g]" % (statistics.median(v), q[0], q[2]))'
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "seeds: $SEEDS; regret = best found - global minimum; median [q1, q3]"
printf "| function | budget |"
for s in $HPO_SAMPLERS; do printf " hpo %s |" "$s"; done
for s in $PEER_SAMPLERS; do printf " Optuna %s |" "$s"; done
echo
for fb in $FUNCS; do
  f=${fb%%:*}; n=${fb##*:}
  printf "| %s | %s |" "$f" "$n"
  for s in $HPO_SAMPLERS; do
    r=$(for seed in $(seq 1 "$SEEDS"); do "$BIN" regret "$f" "$s" "$n" "$seed" | sed 's/.*regret=\([^ ]*\).*/\1/'; done | summary)
    printf " %s |" "$r"
  done
  for s in $PEER_SAMPLERS; do
    r=$(for seed in $(seq 1 "$SEEDS"); do $PEER regret "$f" "$s" "$n" "$seed" | sed 's/.*regret=\([^ ]*\).*/\1/'; done | summary)
    printf " %s |" "$r"
  done
  echo
done

echo
echo "time per suggestion (ms, median of 5 asks after n observations)"
echo "hpo gp, hartmann6 (6-d):";      "$BIN" time hartmann6 gp "$TIME_N"
echo "hpo tpe, hartmann6 (6-d):";     "$BIN" time hartmann6 tpe "$TIME_N"
echo "Optuna TPE, hartmann6 (6-d):";  $PEER time hartmann6 tpe "$TIME_N"
