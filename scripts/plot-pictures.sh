#!/usr/bin/env bash
# plot-pictures.sh [BUILD_DIR] -- the pictures of docs/plots.md, made by hpo
# from its own examples, run in a scratch storage: the Bayesian optimization of
# an SVM (examples/svc-digits-bo.yaml, 2 parameters) and of XGBoost
# (examples/xgboost-bo.yaml, 7 parameters), and Hyperband over a training
# command (examples/digits-command-hyperband.yaml); every plot kind is written
# to docs/img/plots/KIND.svg.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(cd "${1:-build}" && pwd)
hpo=$build/hpo
work=$(mktemp -d /tmp/hpo-pictures.XXXXXX)
trap 'rm -rf "$work"' EXIT
db="sqlite:///$work/pictures.db"
out=docs/img/plots
mkdir -p "$out"
# examples/train_digits.py needs Debian's numpy
export PATH=/usr/bin:$PATH
"$hpo" tune examples/svc-digits-bo.yaml --storage "$db" --progress none -q
"$hpo" tune examples/xgboost-bo.yaml --storage "$db" --progress none -q
"$hpo" tune examples/digits-command-hyperband.yaml --storage "$db" --progress none -q
rm -rf runs/digits-command-hyperband
for kind in history contour edf; do
  "$hpo" plot svc-digits-bo "$kind" --storage "$db" -o "$out/$kind.svg"
done
for kind in dependence evaluations slice parallel importance; do
  "$hpo" plot xgboost-bo "$kind" --storage "$db" -o "$out/$kind.svg"
done
for kind in intermediate rungs timeline; do
  "$hpo" plot digits-command-hyperband "$kind" --storage "$db" -o "$out/$kind.svg"
done
"$hpo" plot digits-command-hyperband parallel --storage "$db" -o "$out/parallel-hyperband.svg"
"$hpo" plot svc-digits-bo history --storage "$db" --format txt >"$out/history.txt"
"$hpo" report digits-command-hyperband --storage "$db" -o "$work/report.html"
echo "pictures in $out"
