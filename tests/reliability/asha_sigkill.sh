#!/usr/bin/env bash
# ASHA with 4 workers, killed with SIGKILL while rungs are filling, then
# resumed: the rung state is consistent (no configuration promoted twice, every
# promotion's parent complete at the rung below, budgets the rungs'), the lost
# trials are re-run with their own rung and budget, and nothing told before
# the kill is lost.
. "$(dirname "$0")/../lib/common.sh"

cat >spec.yaml <<YAML
study: asha-kill
storage: sqlite:///$WORK/hpo.db
direction: minimize
objective:
  command: [$HPO_TESTFN, branin, "--x1=\${x1}", "--x2=\${x2}", --epochs, "\${budget}", --sleep, "0.1"]
  metric: loss
space:
  x1: {type: float, low: -5, high: 10}
  x2: {type: float, low: 0, high: 15}
sampler: random
scheduler: {name: asha, min_resource: 1, max_resource: 9, reduction_factor: 3}
n_trials: 24
workers: 4
YAML

"$HPO_BIN" tune spec.yaml --progress lines >run1.log 2>&1 &
pid=$!
# Kill once a promotion has completed (bounded wait).
for _ in $(seq 1 600); do
  grep -q "complete .*\[rung 1," run1.log 2>/dev/null && break
  sleep 0.1
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
check "killed while running" bash -c "! grep -q '^done:' run1.log"
"$HPO_BIN" export asha-kill --storage "sqlite:///$WORK/hpo.db" --format json -o before.json
check "trials were running at the kill" test "$(json_query before.json "sum(t['state']=='running' for t in d['trials'])")" -ge 1

expect_status 0 "resume completes the study" "$HPO_BIN" tune spec.yaml --progress lines
"$HPO_BIN" export asha-kill --storage "sqlite:///$WORK/hpo.db" --format json -o after.json
q() { json_query after.json "$1"; }
check "no trial left running" test "$(q "sum(t['state']=='running' for t in d['trials'])")" = 0
check "24 configurations" test "$(q "len({t['params']['x1'] for t in d['trials']})")" = 24
check "every lost trial was re-run with its rung and budget" test "$(q "all(any(r['retry_of']==t['number'] and r['rung']==t['rung'] and r['budget']==t['budget'] and r['parent']==t['parent'] and r['params']==t['params'] for r in d['trials']) for t in d['trials'] if 'lost' in (t['message'] or ''))")" = True
check "no configuration promoted twice to one rung" test "$(q "len([(t['parent'],t['rung']) for t in d['trials'] if t['parent'] is not None and 'lost' not in (t['message'] or '')]) == len({(t['parent'],t['rung']) for t in d['trials'] if t['parent'] is not None})")" = True
check "every promotion's parent completed the rung below" test "$(q "all(d['trials'][t['parent']]['state']=='complete' and d['trials'][t['parent']]['rung']==t['rung']-1 for t in d['trials'] if t['parent'] is not None)")" = True
check "budgets are the rungs'" test "$(q "all(t['budget']=={0:1,1:3,2:9}[t['rung']] for t in d['trials'])")" = True
check "results told before the kill are kept" test "$("$PY" - <<PYEOF
import json
b = {t['number']: t for t in json.load(open('before.json'))['trials']}
a = {t['number']: t for t in json.load(open('after.json'))['trials']}
print(all(a[n]['state'] == 'complete' and a[n]['value'] == t['value'] for n, t in b.items() if t['state'] == 'complete'))
PYEOF
)" = True
check "a rung-2 trial completed" test "$(q "any(t['rung']==2 and t['state']=='complete' for t in d['trials'])")" = True
finish
