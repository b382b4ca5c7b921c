#!/usr/bin/env bash
# `hpo tune` on a small grid over hpo-testfn: the header, one line per trial on a
# non-terminal with no escape codes, the summary (best, where, how to resume),
# the spec's export files, quiet mode, and resume: a second run of the same spec
# runs nothing new, raising -n runs only the difference.
. "$(dirname "$0")/../lib/common.sh"

DB="sqlite:///$WORK/hpo.db"
cat >spec.yaml <<YAML
study: grid3
storage: $DB
direction: minimize
objective:
  command: [$HPO_TESTFN, branin, "\${args}"]
  metric: loss
space:
  x1: {type: float, low: -5, high: 10, grid_points: 3}
  x2: {type: float, low: 0, high: 15, grid_points: 3}
sampler: grid
workers: 2
export:
  cv_results: results/grid3.csv
  json: results/grid3.json
YAML

expect_status 0 "tune the 9-point grid" "$HPO_BIN" tune spec.yaml
cp last.out run1.out
cp last.err run1.err
check "header names the new study" grep -q "^study grid3 (new) · $DB · grid · 9 trials · 2 workers" run1.out
check "9 trial lines" test "$(grep -c '^trial  *[0-9]* complete ' run1.out)" = 9
check "trial lines show params" grep -q "complete .*x1=-5 x2=0" run1.out
check "trial lines show the best so far" grep -q "best [0-9.e+-]* (#[0-9]*)" run1.out
check "summary counts" grep -q "^done: 9 trials this run · complete 9 · pruned 0 · failed 0 · running 0" run1.out
check "summary best" grep -q "^best: trial #[0-9]*  value [0-9.]*  x1=" run1.out
check "summary says where" grep -q "^results: $DB, study grid3" run1.out
check "summary names trial dirs" grep -q "trial dirs .*runs/grid3/trials/<number>" run1.out
check "summary says how to resume" grep -q "^resume with: .*hpo tune spec.yaml" run1.out
check "exports announced" grep -q "^export: wrote results/grid3.csv (cv_results)" run1.out
check "no escape codes on stdout" bash -c "! grep -q $'\x1b' run1.out"
check "no escape codes on stderr" bash -c "! grep -q $'\x1b' run1.err"
check "csv export written" test -s results/grid3.csv
check "json export written" test "$(json_query results/grid3.json "len(d['trials'])")" = 9

# the best of a 3x3 Branin grid, computed independently
best=$("$PY" - <<'PY'
import math
def branin(x1, x2):
    a, b, c, r, s, t = 1, 5.1/(4*math.pi**2), 5/math.pi, 6, 10, 1/(8*math.pi)
    return a*(x2 - b*x1**2 + c*x1 - r)**2 + s*(1-t)*math.cos(x1) + s
print(min(branin(x1, x2) for x1 in (-5, 2.5, 10) for x2 in (0, 7.5, 15)))
PY
)
check "best value matches Branin on the grid" "$PY" -c "import json,sys; d=json.load(open('results/grid3.json')); v=min(t['value'] for t in d['trials'] if t['state']=='complete'); sys.exit(abs(v-$best)>1e-9*max(1,abs($best)))"

# resume: same spec, nothing new
expect_status 0 "rerun the finished study" "$HPO_BIN" tune spec.yaml
check "rerun says resumed with 9 done" grep -q "^study grid3 (resumed: 9 trials done)" last.out
check "rerun runs no trial" test "$(grep -c '^trial ' last.out)" = 0
check "rerun summary: 0 this run" grep -q "^done: 0 trials this run" last.out

# quiet mode prints only the best
expect_status 0 "quiet run" "$HPO_BIN" tune spec.yaml -q
check "quiet prints one line" test "$(wc -l <last.out)" = 1
check "quiet line is the best" grep -q "^best [0-9.e+-]* (#[0-9]*: x1=" last.out
check "quiet prints nothing on stderr" test ! -s last.err

# raising n_trials on a random study runs only the difference
cat >rand.yaml <<YAML
study: rand
storage: $DB
direction: minimize
seed: 3
objective:
  command: [$HPO_TESTFN, branin, "\${args}"]
  metric: loss
space:
  x1: uniform(-5, 10)
  x2: uniform(0, 15)
sampler: random
n_trials: 4
YAML
expect_status 0 "random study, 4 trials" "$HPO_BIN" tune rand.yaml --progress lines
check "4 trials ran" test "$(grep -c '^trial ' last.out)" = 4
expect_status 0 "raise to 6 with -n" "$HPO_BIN" tune rand.yaml -n 6 --progress lines
check "only 2 more ran" test "$(grep -c '^trial ' last.out)" = 2
check "resume hint keeps -n" grep -q "^resume with: .*hpo tune rand.yaml -n 6" last.out
"$HPO_BIN" export rand --storage "$DB" --format json -o rand.json
check "the study has 6 complete trials" test "$(json_query rand.json "sum(t['state']=='complete' for t in d['trials'])")" = 6
check "numbers 0..5" test "$(json_query rand.json "[t['number'] for t in d['trials']] == list(range(6))")" = True

# overrides: --study and --storage make another study
expect_status 0 "tune under another name and storage" "$HPO_BIN" tune rand.yaml --study other --storage "sqlite:///$WORK/other.db" -n 2 --progress none
check "--progress none prints no trial lines" test "$(grep -c '^trial ' last.out)" = 0
check "the other storage holds it" test "$("$HPO_BIN" studies --storage "sqlite:///$WORK/other.db")" = other

# --fresh starts again
expect_status 0 "fresh run" "$HPO_BIN" tune rand.yaml --fresh -n 3 --progress lines
check "fresh study is new" grep -q "^study rand (new)" last.out
check "fresh runs 3" test "$(grep -c '^trial ' last.out)" = 3
finish
