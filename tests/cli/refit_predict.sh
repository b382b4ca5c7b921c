#!/usr/bin/env bash
# After a search with a built-in estimator: the best configuration is refitted
# on all training rows, scored on the test set (a separate file, or a
# test_size hold-out), kept with the study and applied by `hpo predict`; the
# model file of --save-model gives the same predictions; (configuration x
# fold) jobs on 2 workers give the same per-fold scores as 1 worker; bad input
# to predict exits 2 with one line.
. "$(dirname "$0")/../lib/common.sh"
DATA="$HPO_SRC/data"
DB="sqlite:///$WORK/hpo.db"

# A train/test split of iris with shuffled column order in the test file.
"$PY" - "$DATA/iris.csv" <<'PY'
import csv, random, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
head, body = rows[0], rows[1:]
random.Random(3).shuffle(body)
test, train = body[:30], body[30:]
csv.writer(open('train.csv', 'w', newline='')).writerows([head] + train)
order = list(reversed(range(len(head))))
csv.writer(open('test.csv', 'w', newline='')).writerows([[r[i] for i in order] for r in [head] + test])
csv.writer(open('unlabelled.csv', 'w', newline='')).writerows([[r[i] for i in range(len(head) - 1)] for r in [head] + test])
PY

cat >knn.yaml <<YAML
study: knn-refit
storage: $DB
objective:
  estimator: knn
  data: {path: $WORK/train.csv, target: target, test: $WORK/test.csv}
  cv: 5
  preprocessing: standard
space:
  n_neighbors: [1, 3, 7, 15]
  weights: [uniform, distance]
sampler: grid
YAML
expect_status 0 "tune with a test set" "$HPO_BIN" tune knn.yaml --progress none --save-model "$WORK/m.hpomodel"
check "refit line names the rows and the test score" grep -q "refit: best configuration on all 120 training rows · test accuracy .* (30 rows)" last.out
check "model file written" test -s m.hpomodel
expect_status 0 "predict from the study" "$HPO_BIN" predict knn-refit test.csv --storage "$DB" -o pred.csv
check "score of the labelled rows on stderr" grep -q "^accuracy on test.csv: " last.err
expect_status 0 "predict from the file" "$HPO_BIN" predict --model m.hpomodel unlabelled.csv -o pred2.csv
check "no score without labels" test ! -s last.err
check "same predictions from study and file" cmp -s pred.csv pred2.csv
expect_status 0 "model info" "$HPO_BIN" predict knn-refit --info --storage "$DB" -o /dev/null
# The refitted model equals scikit-learn's refit on the same data, and the
# test score in the model equals the score printed by predict.
check "predictions and test score equal scikit-learn's" "$PY" - "$DB" <<'PY'
import csv, json, subprocess, os, sys
import numpy as np
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits
info = json.loads(subprocess.run([os.environ['HPO_BIN'], 'predict', 'knn-refit', '--info', '--storage', sys.argv[1]], capture_output=True, text=True).stdout)
tr = list(csv.DictReader(open('train.csv', newline='')))
te = list(csv.DictReader(open('test.csv', newline='')))
feats = info['features']
Xtr = np.array([[float(r[f]) for f in feats] for r in tr]); ytr = [r['target'] for r in tr]
Xte = np.array([[float(r[f]) for f in feats] for r in te]); yte = [r['target'] for r in te]
with threadpool_limits(1):
    m = make_pipeline(StandardScaler(), KNeighborsClassifier(**info['params'], algorithm='brute')).fit(Xtr, ytr)
    pred = list(m.predict(Xte))
ours = [r['target'] for r in csv.DictReader(open('pred.csv', newline=''))]
acc = float(np.mean(np.array(pred) == np.array(yte)))
ok = ours == pred and abs(info['test_score'] - acc) < 1e-12 and info['n_train'] == 120 and info['n_test'] == 30
if not ok:
    print(ours[:10], pred[:10], info['test_score'], acc, file=sys.stderr)
sys.exit(0 if ok else 1)
PY

# test_size hold-out: the training part shrinks, the rest is the test set.
cat >holdout.yaml <<YAML
study: knn-holdout
storage: $DB
seed: 5
objective:
  estimator: knn
  data: {path: $DATA/wine.csv, test_size: 0.25}
  cv: {kind: holdout, test_size: 0.2}
space:
  n_neighbors: [1, 5]
sampler: grid
YAML
expect_status 0 "tune with test_size and a holdout cv" "$HPO_BIN" tune holdout.yaml --progress none
check "133 training rows, 45 test rows" grep -q "on all 133 training rows · test accuracy .* (45 rows)" last.out
expect_status 0 "export" "$HPO_BIN" export knn-holdout --storage "$DB" --format cv_results -o h.csv
check "holdout has one split column" "$PY" -c "
import csv, sys
r = list(csv.DictReader(open('h.csv')))
sys.exit(0 if 'split0_test_score' in r[0] and 'split1_test_score' not in r[0] else 1)"

# repeated k-fold: folds x repeats split columns, reproducible for a seed.
cat >rep.yaml <<YAML
study: knn-repeated
storage: $DB
seed: 9
objective: {estimator: knn, data: $DATA/iris.csv, cv: {folds: 4, repeats: 3}}
space: {n_neighbors: [1, 5]}
sampler: grid
YAML
expect_status 0 "repeated k-fold" "$HPO_BIN" tune rep.yaml -q --no-refit
expect_status 0 "export repeated" "$HPO_BIN" export knn-repeated --storage "$DB" --format cv_results -o rep.csv
check "12 split columns" "$PY" -c "
import csv, sys
r = list(csv.DictReader(open('rep.csv')))
sys.exit(0 if 'split11_test_score' in r[0] and 'split12_test_score' not in r[0] else 1)"
printf 'study: bad-rep\nstorage: %s\nobjective: {estimator: knn, data: %s/iris.csv, cv: {kind: holdout, repeats: 2}}\nspace: {n_neighbors: [1]}\n' "$DB" "$DATA" >badrep.yaml
expect_status 2 "repeats with holdout refused" "$HPO_BIN" tune badrep.yaml -q

# workers 2 spreads (configuration x fold) jobs: per-fold scores equal 1 worker's.
for w in 1 2; do
  sed "s/study: knn-refit/study: knn-w$w/" knn.yaml >w$w.yaml
  expect_status 0 "workers $w" "$HPO_BIN" tune w$w.yaml -q --workers $w --no-refit
  expect_status 0 "export workers $w" "$HPO_BIN" export knn-w$w --storage "$DB" --format cv_results -o w$w.csv
done
check "same per-fold scores with 1 and 2 workers" "$PY" - <<'PY'
import csv, sys
def load(p):
    rows = sorted(csv.DictReader(open(p, newline='')), key=lambda r: r['params'])
    return [[r[f'split{k}_test_score'] for k in range(5)] + [r['mean_test_score']] for r in rows]
sys.exit(0 if load('w1.csv') == load('w2.csv') and len(load('w1.csv')) == 8 else 1)
PY

one_line() { test "$(wc -l <"$WORK/last.err")" = 1 && grep -q '^hpo: ' "$WORK/last.err"; }
printf 'sepal length (cm),bogus\n1,2\n' >wrongcols.csv
expect_status 2 "predict: unknown column" "$HPO_BIN" predict knn-refit wrongcols.csv --storage "$DB"
check "unknown column named, one line" one_line
printf 'x\n' >garbage.hpomodel
expect_status 2 "predict: not a model file" "$HPO_BIN" predict --model garbage.hpomodel test.csv
check "not a model: one line" one_line
head -c 200 m.hpomodel >trunc.hpomodel
expect_status 2 "predict: truncated model" "$HPO_BIN" predict --model trunc.hpomodel test.csv
check "truncated: one line" one_line
expect_status 2 "predict: study without a model" "$HPO_BIN" predict knn-w1 test.csv --storage "$DB"
check "no model: says why" grep -q "has no model" last.err
expect_status 2 "predict: no such study" "$HPO_BIN" predict nope test.csv --storage "$DB"
printf 'petal width (cm),petal length (cm),sepal width (cm),sepal length (cm),target\n1,2,3,4,9\n' >unseen.csv
expect_status 2 "predict: unseen class label" "$HPO_BIN" predict knn-refit unseen.csv --storage "$DB"
check "unseen label named" grep -q "class '9' was not in the training data" last.err
finish
