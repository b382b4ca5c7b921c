#!/usr/bin/env bash
# Every example spec in examples/ is valid as shipped (hpo plan), and the
# built-in-estimator examples run a first trial from the repository root (the
# MLP example's trials take minutes; its estimator is tested in mlp_fashion.sh,
# so it is only planned).
. "$(dirname "$0")/../lib/common.sh"
# Run where the examples expect to be run (paths relative to the repository
# root) without writing into the source tree: data/ and examples/ linked here.
ln -s "$HPO_SRC/data" data
ln -s "$HPO_SRC/examples" examples
for spec in examples/*.yaml; do
  expect_status 0 "plan $spec" "$HPO_BIN" plan "$spec"
done
for spec in examples/svc-digits-grid.yaml examples/xgboost-breast-cancer.yaml \
  examples/random-forest-breast-cancer.yaml examples/knn-digits-grid.yaml; do
  expect_status 0 "first trial of $spec" "$HPO_BIN" tune "$spec" --storage memory: -n 1 -q --no-refit
  check "$spec: the trial completes" grep -q "^best " "$WORK/last.out"
done
check "the example's export went to the working directory" test -s svc-digits-grid.csv
finish
