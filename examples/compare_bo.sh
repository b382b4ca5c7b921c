#!/usr/bin/env bash
# Compare Bayesian-optimization setups on the Branin function (a command), as
# docs/customizing_bayesian_optimization.md shows: each setup runs N trials
# (default 25) with SEEDS seeds (default 5); the table gives the median and the
# worst of the best value found (Branin's minimum is 0.397887).
#   examples/compare_bo.sh            # from the repository root, after the build
set -euo pipefail
cd "$(dirname "$0")/.."
HPO=${HPO:-build/hpo}
TESTFN=${TESTFN:-build/examples/hpo-testfn}
N=${N:-25}
SEEDS=${SEEDS:-5}
WORK=$(mktemp -d /tmp/hpo-compare.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# name | sampler mapping
SETUPS=(
  "random|{name: random}"
  "gp (defaults)|{name: gp}"
  "gp EI, lbfgs|{name: gp, acq_func: EI, acq_optimizer: lbfgs}"
  "gp LCB kappa 1.96|{name: gp, acq_func: LCB, kappa: 1.96}"
  "gp gp_hedge|{name: gp, acq_func: gp_hedge}"
  "gp matern32, lhs design|{name: gp, kernel: matern32, initial_point_generator: lhs}"
  "gp rbf, ml hyperparameters|{name: gp, kernel: rbf, gp_hyper: ml}"
  "rf|{name: rf}"
  "et|{name: et}"
  "gbrt|{name: gbrt}"
  "tpe|{name: tpe}"
)

printf "| setup | median best | worst best |\n|---|---|---|\n"
for setup in "${SETUPS[@]}"; do
  label=${setup%%|*}
  sampler=${setup#*|}
  bests=""
  for seed in $(seq 1 "$SEEDS"); do
    cat >"$WORK/spec.yaml" <<YAML
study: compare
storage: sqlite:///$WORK/s.db
direction: minimize
seed: $seed
objective:
  command: [$TESTFN, branin, "\${args}"]
  metric: loss
space:
  x1: uniform(-5, 10)
  x2: uniform(0, 15)
sampler: $sampler
n_trials: $N
YAML
    best=$("$HPO" tune "$WORK/spec.yaml" --fresh -q | sed -n "s/^best \([^ ]*\) .*/\1/p")
    bests="$bests $best"
  done
  /usr/bin/python3 -c '
import statistics, sys
v = [float(x) for x in sys.argv[2:]]
print("| %s | %.4f | %.4f |" % (sys.argv[1], statistics.median(v), max(v)))' "$label" $bests
done
