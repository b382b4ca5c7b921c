#!/usr/bin/env bash
# The cheat sheet: docs/cheatsheet.md is exactly `hpo space --markdown`; every
# estimator has a recommended space, and that block pasted into a spec is
# accepted as it stands (both ends of every range are checked against the
# estimator before a trial runs) and runs.
. "$(dirname "$0")/../lib/common.sh"
DATA="$HPO_SRC/data"

expect_status 0 "space --markdown" "$HPO_BIN" space --markdown
check "docs/cheatsheet.md equals hpo space --markdown (regenerate it)" cmp -s last.out "$HPO_SRC/docs/cheatsheet.md"
expect_status 0 "space --list" "$HPO_BIN" space --list
cp last.out names.txt
check "every built-in estimator listed" test "$(wc -l <names.txt)" -ge 9
for est in $(cat names.txt); do
  expect_status 0 "space $est" "$HPO_BIN" space "$est"
  cp last.out "$est.space"
  check "$est: a space block with a reason per parameter" "$PY" - "$est.space" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
i = lines.index('space:')
params = [l for l in lines[i + 1:] if l.startswith('  ')]
sys.exit(0 if params and all(' # ' in l for l in params) else 1)
PY
  case $est in
    svr | linear_svr) data="{path: $DATA/diabetes.csv, target: target}"; task=regression ;;
    *) data="{path: $DATA/iris.csv, target: target}"; task=auto ;;
  esac
  {
    printf 'study: sheet-%s\nstorage: "memory:"\nseed: 3\n' "$est"
    printf 'objective: {estimator: %s, data: %s, task: %s, cv: 2, preprocessing: standard}\n' "$est" "$data" "$task"
    sed -n '/^space:/,$p' "$est.space"
    printf 'sampler: random\nn_trials: 2\n'
  } >"$est.yaml"
  expect_status 0 "$est: the pasted space runs" "$HPO_BIN" tune "$est.yaml" -q --no-refit
  check "$est: trials complete" grep -q "^best " last.out
done
expect_status 2 "unknown estimator" "$HPO_BIN" space svm
check "did you mean" grep -q "did you mean" last.err
expect_status 2 "no estimator named" "$HPO_BIN" space
finish
