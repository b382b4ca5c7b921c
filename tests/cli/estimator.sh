#!/usr/bin/env bash
# A built-in estimator scored by cross-validation from a spec: the study runs,
# cv_results carries per-fold columns, and bad data or parameters exit 2 with
# one line before anything is written.
. "$(dirname "$0")/../lib/common.sh"
DATA="$HPO_SRC/data"

cat >knn.yaml <<YAML
study: knn-iris
storage: sqlite:///$WORK/hpo.db
objective:
  estimator: knn
  data: {path: $DATA/iris.csv, target: target}
  cv: {folds: 5}
  scoring: accuracy
  preprocessing: standard
space:
  n_neighbors: [1, 5, 15]
  weights: [uniform, distance]
sampler: grid
YAML
expect_status 0 "knn on iris runs" "$HPO_BIN" tune knn.yaml -q
check "quiet prints the best" grep -q "^best " last.out
expect_status 0 "export cv_results" "$HPO_BIN" export knn-iris --storage "sqlite:///$WORK/hpo.db" --format cv_results -o cv.csv
check "6 candidates, 5 split columns, scores in [0,1]" "$PY" - <<'PY'
import csv, sys
rows = list(csv.DictReader(open('cv.csv', newline='')))
ok = len(rows) == 6 and all(f'split{k}_test_score' in rows[0] for k in range(5))
ok = ok and 'split5_test_score' not in rows[0] and 'std_test_score' in rows[0]
ok = ok and all(0 <= float(r['mean_test_score']) <= 1 for r in rows)
ok = ok and all(abs(sum(float(r[f'split{k}_test_score']) for k in range(5)) / 5 - float(r['mean_test_score'])) < 1e-12 for r in rows)
sys.exit(0 if ok else 1)
PY

one_line() { test "$(wc -l <"$WORK/last.err")" = 1 && grep -q '^hpo: ' "$WORK/last.err"; }
bad() { # name, then the YAML objective/space lines
  local name=$1
  shift
  printf 'study: %s\nstorage: sqlite:///%s/bad.db\n%s\n' "$name" "$WORK" "$*" >"$name.yaml"
  expect_status 2 "$name exits 2" "$HPO_BIN" tune "$name.yaml" -q
  check "$name: one line" one_line
}
bad out-of-range "objective: {estimator: knn, data: $DATA/iris.csv}
space: {n_neighbors: [0, 3]}"
check "out of range names the parameter" grep -q "n_neighbors must be >= 1" last.err
bad unknown-param "objective: {estimator: knn, data: $DATA/iris.csv}
space: {n_neighbour: [1, 3]}"
check "unknown parameter suggests" grep -q "did you mean 'n_neighbors'" last.err
bad unknown-estimator "objective: {estimator: knn2, data: $DATA/iris.csv}
space: {n_neighbors: [1, 3]}"
printf 'a,b,target\n1,2,0\n3,x,1\n4,5,0\n6,7,1\n' >text.csv
bad text-feature "objective: {estimator: knn, data: $WORK/text.csv}
space: {n_neighbors: [1]}"
check "text in a feature names row and column" grep -q "text.csv:3:.*column 'b'" last.err
printf 'a,b,target\n1,2,0\n3,4\n' >ragged.csv
bad ragged "objective: {estimator: knn, data: $WORK/ragged.csv}
space: {n_neighbors: [1]}"
printf 'a,target\n1,0\n2,0\n3,0\n' >single.csv
bad single-class "objective: {estimator: knn, data: $WORK/single.csv}
space: {n_neighbors: [1]}"
printf 'a,target\n1,0\n2,1\n3,0\n4,1\n' >tiny.csv
bad too-few-rows "objective: {estimator: knn, data: $WORK/tiny.csv, cv: 5}
space: {n_neighbors: [1]}"
bad minimize "direction: minimize
objective: {estimator: knn, data: $DATA/iris.csv}
space: {n_neighbors: [1]}"
bad wrong-metric "objective: {estimator: knn, data: $DATA/iris.csv, scoring: r2}
space: {n_neighbors: [1]}"
check "no storage was written by any bad spec" test ! -e bad.db
finish
