#!/usr/bin/env bash
# show, status, studies and export on a finished study: table and JSON forms,
# cv_results CSV columns and ranks as scikit-learn names and computes them,
# JSON export types, failed trials, and plan --json fields.
. "$(dirname "$0")/../lib/common.sh"

DB="sqlite:///$WORK/hpo.db"
cat >spec.yaml <<YAML
study: mixed
storage: $DB
direction: minimize
objective:
  command: [$HPO_TESTFN, quadratic, "\${args}", --epochs, "2"]
  metric: loss
space:
  kernel: [linear, rbf]
  C: [0.1, 1, 10]
  gamma: {type: float, low: 0.001, high: 0.1, log: true, grid_points: 2, when: "kernel == rbf"}
sampler: grid
YAML
cat >fail.yaml <<YAML
study: failing
storage: $DB
direction: maximize
objective:
  command: [$HPO_TESTFN, branin, "\${args}"]     # --mode=ok|fail is hpo-testfn's own flag
  metric: loss
space:
  mode: [ok, fail]
  x1: [1, 2]
  x2: [3]
sampler: grid
YAML

expect_status 0 "plan --json" "$HPO_BIN" plan spec.yaml --json
cp last.out plan.json
check "plan --json is JSON" "$PY" -c "import json; json.load(open('plan.json'))"
check "plan names the sampler" grep -q '"grid"' plan.json
check "plan has the grid size 9" grep -q '\b9\b' plan.json
expect_status 0 "plan readable" "$HPO_BIN" plan spec.yaml
check "readable plan lists the space" grep -q "kernel" last.out

expect_status 0 "tune mixed" "$HPO_BIN" tune spec.yaml --progress lines
expect_status 0 "tune failing" "$HPO_BIN" tune fail.yaml --progress lines
check "failed trials print a failed line" grep -q "^trial  *[0-9]* failed    exit status 3" last.out
check "failed line points at the log" grep -q "(log: .*runs/failing/trials/[0-9]*)" last.out

expect_status 0 "studies" "$HPO_BIN" studies --storage "$DB"
check "studies lists both" test "$(sort last.out | tr '\n' ' ')" = "failing mixed "

expect_status 0 "status of all" "$HPO_BIN" status --storage "$DB"
check "status table has mixed" grep -q "^mixed  *9  *9  *0  *0  *0" last.out
check "status table has failing" grep -q "^failing  *4  *2  *0  *2  *0" last.out
expect_status 0 "status of one" "$HPO_BIN" status mixed --storage "$DB"
check "status one: counts" grep -q "complete 9 · pruned 0 · failed 0 · running 0" last.out

expect_status 0 "show table" "$HPO_BIN" show mixed --storage "$DB" --top 3
check "show: best line" grep -q "^best: trial #[0-9]*  value " last.out
check "show: 3 rows" test "$(grep -c '^ *[0-9]*  complete' last.out)" = 3
expect_status 0 "show json" "$HPO_BIN" show mixed --storage "$DB" --format json --top 0
cp last.out show.json
check "show json: 9 in top" test "$(json_query show.json "len(d['top'])")" = 9
check "show json: sorted ascending" test "$(json_query show.json "[t['value'] for t in d['top']] == sorted(t['value'] for t in d['top'])")" = True
check "show json: best is first" test "$(json_query show.json "d['best']['number'] == d['top'][0]['number']")" = True
check "show json: counts" test "$(json_query show.json "d['counts']['complete']")" = 9
expect_status 0 "show failing lists failures" "$HPO_BIN" show failing --storage "$DB"
check "show lists the failure" grep -q "exit status 3" last.out

expect_status 0 "export csv to stdout" "$HPO_BIN" export mixed --storage "$DB" --format csv
cp last.out mixed.csv
expect_status 0 "export cv_results to a file" "$HPO_BIN" export mixed --storage "$DB" --format cv_results -o cv.csv
check "cv_results file equals csv" cmp -s mixed.csv cv.csv
expect_status 0 "export json" "$HPO_BIN" export mixed --storage "$DB" --format json -o mixed.json
expect_status 0 "export failing csv" "$HPO_BIN" export failing --storage "$DB" --format csv -o failing.csv

check "csv columns and ranks" "$PY" - <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open('mixed.csv', newline='')))
cols = list(rows[0].keys())
want = ['number', 'state', 'params', 'param_kernel', 'param_C', 'param_gamma', 'mean_test_score',
        'rank_test_score', 'mean_fit_time', 'std_fit_time', 'start_time', 'end_time', 'message', 'worker']
ok = sorted(cols) == sorted(want) and cols[:3] == want[:3]
ok &= len(rows) == 9
# gamma is empty when kernel is linear
ok &= all((r['param_gamma'] == '') == (r['param_kernel'] == 'linear') for r in rows)
# params column is the JSON of the parameters
ok &= all(json.loads(r['params'])['kernel'] == r['param_kernel'] for r in rows)
# rank: rankdata(method='min') of the scores, lowest first (minimize)
vals = [float(r['mean_test_score']) for r in rows]
ranks = [1 + sum(w < v for w in vals) for v in vals]
ok &= ranks == [int(r['rank_test_score']) for r in rows]
ok &= all(float(r['mean_fit_time']) >= 0 and r['std_fit_time'] == '0' for r in rows)
ok &= all(r['start_time'].endswith('Z') and 'T' in r['start_time'] for r in rows)
sys.exit(0 if ok else 1)
PY
check "failed trials rank last with no score" "$PY" - <<'PY'
import csv, sys
rows = list(csv.DictReader(open('failing.csv', newline='')))
ok = len(rows) == 4
for r in rows:
    if r['state'] == 'failed':
        ok &= r['mean_test_score'] == '' and r['rank_test_score'] == '3'
        ok &= 'exit status 3' in r['message']
    else:
        ok &= r['rank_test_score'] in ('1', '2')
sys.exit(0 if ok else 1)
PY
check "failed messages with newlines are quoted (RFC 4180)" "$PY" -c "
import csv; rows=list(csv.reader(open('failing.csv', newline=''))); import sys; sys.exit(0 if len(rows)==5 else 1)"
check "json export fields and types" "$PY" - <<'PY'
import json, sys
d = json.load(open('mixed.json'))
ok = d['study'] == 'mixed' and d['direction'] == 'minimize' and d['sampler'] == 'grid'
t = d['trials'][0]
for k in ('number', 'state', 'value', 'params', 'reports', 'attrs', 'message', 'start_time', 'end_time', 'worker', 'retry_of'):
    ok &= k in t
ok &= all(type(t['params']['C']) is (float if t['params']['C'] == 0.1 else int) for t in d['trials'])  # YAML 0.1 float, 1 and 10 ints, as in Python
ok &= all(isinstance(t['params']['kernel'], str) for t in d['trials'])
ok &= all(len(t['reports']) == 2 and isinstance(t['reports'][0][0], int) for t in d['trials'])
ok &= all(t['reports'][-1][1] == t['value'] for t in d['trials'])
ok &= all('gamma' not in t['params'] for t in d['trials'] if t['params']['kernel'] == 'linear')
sys.exit(0 if ok else 1)
PY
expect_status 0 "export failing json" "$HPO_BIN" export failing --storage "$DB" --format json -o failing.json
check "failed value is null" test "$(json_query failing.json "[t['value'] for t in d['trials'] if t['state']=='failed'][0]")" = None
finish
