#!/usr/bin/env bash
# A `hpo tune` killed with SIGKILL in the middle of a grid study, then rerun:
# the finished study has exactly one complete trial per grid point, the lost
# trials are marked failed and re-run, and no result told before the kill is lost.
. "$(dirname "$0")/../lib/common.sh"

cat >spec.yaml <<YAML
study: killme
storage: sqlite:///$WORK/hpo.db
direction: minimize
objective:
  command: [$HPO_TESTFN, branin, "\${args}", --sleep, "0.3"]
  metric: loss
space:
  x1: {type: float, low: -5, high: 10, grid_points: 5}
  x2: {type: float, low: 0, high: 15, grid_points: 5}
sampler: grid
workers: 2
YAML

"$HPO_BIN" tune spec.yaml --progress lines >run1.log 2>&1 &
pid=$!
# Wait until a few trials are complete (bounded), then kill without warning.
for _ in $(seq 1 300); do
  n=$(grep -c " complete " run1.log 2>/dev/null || true)
  [ "${n:-0}" -ge 4 ] && break
  sleep 0.1
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
check "the first run was still running when killed" test "$(grep -c " complete " run1.log)" -lt 25

"$HPO_BIN" export killme --storage "sqlite:///$WORK/hpo.db" --format json -o before.json
expect_status 0 "rerun completes the study" "$HPO_BIN" tune spec.yaml --progress lines
"$HPO_BIN" export killme --storage "sqlite:///$WORK/hpo.db" --format json -o after.json

check "25 complete trials" test "$(json_query after.json "sum(t['state']=='complete' for t in d['trials'])")" = 25
check "each grid point complete exactly once" test "$(json_query after.json "len({json.dumps(t['params'],sort_keys=True) for t in d['trials'] if t['state']=='complete'})")" = 25
check "no trial left running" test "$(json_query after.json "sum(t['state']=='running' for t in d['trials'])")" = 0
check "killed trials are failed as lost" test "$(json_query after.json "all('lost' in (t['message'] or '') for t in d['trials'] if t['state']=='failed')")" = True
check "every lost trial was re-run" test "$(json_query after.json "sorted(t['retry_of'] for t in d['trials'] if t['retry_of'] not in (None,-1)) == sorted(t['number'] for t in d['trials'] if t['state']=='failed')")" = True
check "results told before the kill are kept" test "$("$PY" - <<PYEOF
import json
b = {t['number']: t for t in json.load(open('before.json'))['trials']}
a = {t['number']: t for t in json.load(open('after.json'))['trials']}
print(all(a[n]['state'] == 'complete' and a[n]['value'] == t['value'] for n, t in b.items() if t['state'] == 'complete'))
PYEOF
)" = True
check "trial numbers have no gaps" test "$(json_query after.json "[t['number'] for t in d['trials']] == list(range(len(d['trials'])))")" = True
finish
