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

# The schedulers' examples run whole (seconds each): successive halving of the
# SVC grid and of random XGBoost candidates, Hyperband over the training script.
expect_status 0 "tune examples/svc-digits-halving.yaml" "$HPO_BIN" tune examples/svc-digits-halving.yaml --storage "sqlite:///$WORK/ex.db" --no-refit
check "halving: 36 + 12 + 4 trials" grep -q "^done: 52 trials this run · complete 52" "$WORK/last.out"
check "halving: cv_results with iter" grep -q ",iter,n_resources," svc-digits-halving.csv
expect_status 0 "tune examples/xgboost-halving-random.yaml" "$HPO_BIN" tune examples/xgboost-halving-random.yaml --storage "sqlite:///$WORK/ex.db" --no-refit
check "halving random: 27 + 9 + 3 + 1 trials" grep -q "^done: 40 trials this run · complete 40" "$WORK/last.out"
# the training script needs Debian's python3 with numpy (python3-sklearn brings it)
expect_status 0 "tune examples/digits-command-hyperband.yaml" env PATH="$(dirname "$PY"):$PATH" "$HPO_BIN" tune examples/digits-command-hyperband.yaml --storage "sqlite:///$WORK/ex.db"
check "hyperband command: 23 trials" grep -q "^done: 23 trials this run · complete 23" "$WORK/last.out"
"$HPO_BIN" export digits-command-hyperband --storage "sqlite:///$WORK/ex.db" --format json -o hb.json
check "promoted trials resumed from their parent's checkpoint" test "$(json_query hb.json "all(open('runs/digits-command-hyperband/trials/%d/stdout.log' % t['number']).readline().startswith('epoch %d ' % (t['budget_start'] + 1)) for t in d['trials'])")" = True
check "some trials were promoted" test "$(json_query hb.json "sum(t['parent'] is not None for t in d['trials'])")" -ge 5
finish
