#!/usr/bin/env bash
# A GP study with 4 workers killed with SIGKILL mid-study, then resumed: the
# model continues from the trials in storage (the resumed proposals use every
# result told before the kill), no configuration is evaluated twice, lost
# trials are re-run, and nothing told before the kill is lost.
. "$(dirname "$0")/../lib/common.sh"

cat >spec.yaml <<YAML
study: gp-kill
storage: sqlite:///$WORK/hpo.db
direction: minimize
seed: 5
objective:
  command: [$HPO_TESTFN, branin, "--x1=\${x1}", "--x2=\${x2}", --sleep, "0.2"]
  metric: loss
space:
  x1: {type: float, low: -5, high: 10}
  x2: {type: float, low: 0, high: 15}
sampler: {name: gp, n_initial_points: 6}
n_trials: 30
workers: 4
YAML

"$HPO_BIN" tune spec.yaml --progress lines >run1.log 2>&1 &
pid=$!
# Kill once model-based trials have completed (bounded wait).
for _ in $(seq 1 900); do
  [ "$(grep -c '^trial .* complete ' run1.log 2>/dev/null)" -ge 12 ] && break
  sleep 0.1
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
"$HPO_BIN" export gp-kill --storage "sqlite:///$WORK/hpo.db" --format json -o before.json
check "killed mid-study" test "$(json_query before.json "len(d['trials']) < 30")" = True
check "trials were running at the kill" test "$(json_query before.json "sum(t['state']=='running' for t in d['trials'])")" -ge 1

expect_status 0 "resume completes the study" "$HPO_BIN" tune spec.yaml --progress lines
"$HPO_BIN" export gp-kill --storage "sqlite:///$WORK/hpo.db" --format json -o after.json
q() { json_query after.json "$1"; }
check "no trial left running" test "$(q "sum(t['state']=='running' for t in d['trials'])")" = 0
check "30 configurations complete" test "$(q "len({(t['params']['x1'],t['params']['x2']) for t in d['trials'] if t['state']=='complete'})")" = 30
check "no configuration twice apart from lost re-runs" test "$(q "len([t for t in d['trials'] if t['retry_of'] is None]) == len({(t['params']['x1'],t['params']['x2']) for t in d['trials']})")" = True
check "results told before the kill are kept" test "$("$PY" - <<PYEOF
import json
b = {t['number']: t for t in json.load(open('before.json'))['trials']}
a = {t['number']: t for t in json.load(open('after.json'))['trials']}
print(all(a[n]['state'] == 'complete' and a[n]['value'] == t['value'] for n, t in b.items() if t['state'] == 'complete'))
PYEOF
)" = True
# The resumed run's new proposals come from the model fitted to the stored
# trials (not a fresh initial design): their median is well below the design's.
check "the resumed run continued the model" test "$("$PY" - <<PYEOF
import json, statistics
before = {t['number'] for t in json.load(open('before.json'))['trials']}
trials = json.load(open('after.json'))['trials']
design = [t['value'] for t in trials if t['number'] < 6 and t['state'] == 'complete']
resumed = [t['value'] for t in trials if t['number'] not in before and t['retry_of'] is None
           and t['state'] == 'complete']
ok = len(resumed) >= 3 and statistics.median(resumed) < statistics.median(design) / 2
print(True if ok else (design, resumed))
PYEOF
)" = True
finish
