#!/usr/bin/env bash
# The schedulers end to end through `hpo plan` and `hpo tune`: successive
# halving of a k-NN grid on iris (n_samples), Hyperband (KerasTuner's and Li et
# al.'s) and ASHA over a command, the median rule pruning a command and
# stopping its process group, and spec errors with exit status 2.
. "$(dirname "$0")/../lib/common.sh"

DB="sqlite:///$WORK/hpo.db"
# ---------------------------------------------------------------- halving
cat >halving.yaml <<YAML
study: knn-halving
storage: $DB
objective:
  estimator: knn
  data: {path: $HPO_SRC/data/iris.csv, target: target}
  cv: 3
space:
  n_neighbors: [1, 2, 3, 4, 5, 6, 7, 8, 9]
  weights: [uniform, distance]
sampler: grid
scheduler: {name: halving, factor: 3, min_resources: 15}
export: {cv_results: halving.csv}
YAML
expect_status 0 "plan the halving search" "$HPO_BIN" plan halving.yaml --json
cp last.out plan.json
check "plan: 3 iterations" test "$(json_query plan.json "d['scheduler']['n_iterations']")" = 3
check "plan: candidates 18, 6, 2" test "$(json_query plan.json "[i['n_candidates'] for i in d['scheduler']['iterations']]")" = "[18, 6, 2]"
check "plan: resources 15, 45, 135" test "$(json_query plan.json "[i['n_resources'] for i in d['scheduler']['iterations']]")" = "[15, 45, 135]"
check "plan: max_resources_ is the 150 rows" test "$(json_query plan.json "d['scheduler']['max_resources_']")" = 150
expect_status 0 "readable plan" "$HPO_BIN" plan halving.yaml
check "readable plan prints iterations as scikit-learn" grep -q "^  iter: 2$" last.out
check "readable plan prints n_resources" grep -q "^  n_resources: 135$" last.out
expect_status 0 "run the halving search" "$HPO_BIN" tune halving.yaml --progress lines
cp last.out tune.out
check "26 trials ran" test "$(grep -c '^trial .* complete ' last.out)" = 26
check "progress shows rung and budget" grep -q "complete .*\[rung 1, budget 45, from #" last.out
check "cv_results has iter and n_resources" head -1 halving.csv | grep -q ",iter,n_resources,"
"$PY" - halving.csv >halving.check <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
ok = True
by_iter = {}
for r in rows:
    by_iter.setdefault(int(r["iter"]), []).append(r)
ok &= [len(by_iter[i]) for i in sorted(by_iter)] == [18, 6, 2]
ok &= all(int(float(r["n_resources"])) == [15, 45, 135][int(r["iter"])] for r in rows)
# each iteration keeps the best of the previous one in ascending order of
# score, as scikit-learn's _top_k (np.argsort: numpy's order of ties)
import numpy as np
for i in (1, 2):
    prev = sorted(by_iter[i - 1], key=lambda r: int(r["number"]))
    order = np.argsort(np.array([float(r["mean_test_score"]) for r in prev]))
    keep = [prev[j] for j in order[-len(by_iter[i]):]]
    ok &= [r["params"] for r in keep] == [r["params"] for r in by_iter[i]]
    ok &= [int(r["parent"]) for r in by_iter[i]] == [int(r["number"]) for r in keep]
print("ok" if ok else "bad")
PY
check "kept candidates are each iteration's best" grep -qx ok halving.check
expect_status 0 "show the halving study" "$HPO_BIN" show knn-halving --storage "$DB"
cp last.out show.out
"$HPO_BIN" export knn-halving --storage "$DB" --format json -o halving.json
best_last=$(json_query halving.json "-max((t['value'], -t['number']) for t in d['trials'] if t['rung']==2)[1]")
check "the summary's best is the last iteration's best" grep -q "^best: trial #$best_last " tune.out

# ---------------------------------------------------------------- hyperband
cat >hb.yaml <<YAML
study: hb
storage: $DB
direction: minimize
objective:
  command: [$HPO_TESTFN, branin, "--x1=\${x1}", "--x2=\${x2}", --epochs, "\${budget}"]
  metric: loss
space:
  x1: {type: float, low: -5, high: 10}
  x2: {type: float, low: 0, high: 15}
sampler: random
scheduler: {name: hyperband, max_epochs: 9, factor: 3}
YAML
expect_status 0 "plan Hyperband" "$HPO_BIN" plan hb.yaml --json
cp last.out hbplan.json
check "plan: 3 brackets" test "$(json_query hbplan.json "d['scheduler']['n_brackets']")" = 3
check "plan: KerasTuner's 23 trials" test "$(json_query hbplan.json "d['scheduler']['trials_per_iteration']")" = 23
expect_status 0 "run Hyperband" "$HPO_BIN" tune hb.yaml --progress lines
"$HPO_BIN" export hb --storage "$DB" --format json -o hb.json
check "23 trials" test "$(json_query hb.json "len(d['trials'])")" = 23
check "rounds as the plan" test "$(json_query hb.json "sorted({(t['bracket'], t['rung'], t['budget']): 0 for t in d['trials']}.keys()) == sorted((k, r['round'], r['budget']) for k, b in enumerate(json.load(open('hbplan.json'))['scheduler']['brackets']) for r in b['rounds'])")" = True
check "a promoted trial continues its parent's configuration" test "$(json_query hb.json "all(d['trials'][t['parent']]['params'] == t['params'] and d['trials'][t['parent']]['budget'] == t['budget_start'] for t in d['trials'] if t['parent'] is not None)")" = True
check "a promoted trial ran to its budget" grep -q "epoch=9 " "runs/hb/trials/$(json_query hb.json "[t['number'] for t in d['trials'] if t['budget']==9][0]")/stdout.log"

# Li et al. on the same command (R=9, eta=3), synchronous rounds, 2 workers
cat >li.yaml <<YAML
study: li
storage: $DB
direction: minimize
objective:
  command: [$HPO_TESTFN, branin, "--x1=\${x1}", "--x2=\${x2}", --epochs, "\${budget}"]
  metric: loss
space:
  x1: {type: float, low: -5, high: 10}
  x2: {type: float, low: 0, high: 15}
sampler: random
scheduler: {name: hyperband, variant: li, R: 9, eta: 3}
workers: 2
YAML
expect_status 0 "plan Li et al." "$HPO_BIN" plan li.yaml --json
cp last.out liplan.json
expect_status 0 "run Li et al." "$HPO_BIN" tune li.yaml --progress lines
"$HPO_BIN" export li --storage "$DB" --format json -o li.json
check "Li et al.: trials per bracket and round as planned" test "$(json_query li.json "sorted(__import__('collections').Counter((t['bracket'], t['rung']) for t in d['trials']).items()) == sorted(((k, r['round']), r['n_trials']) for k, b in enumerate(json.load(open('liplan.json'))['scheduler']['brackets']) for r in b['rounds'])")" = True

# ---------------------------------------------------------------- asha
cat >asha.yaml <<YAML
study: asha
storage: $DB
direction: minimize
objective:
  command: [$HPO_TESTFN, branin, "--x1=\${x1}", "--x2=\${x2}", --epochs, "\${budget}", --sleep, "0.02"]
  metric: loss
space:
  x1: {type: float, low: -5, high: 10}
  x2: {type: float, low: 0, high: 15}
sampler: random
scheduler: {name: asha, min_resource: 1, max_resource: 9, reduction_factor: 3}
n_trials: 18
workers: 4
YAML
expect_status 0 "run ASHA with 4 workers" "$HPO_BIN" tune asha.yaml --progress lines
"$HPO_BIN" export asha --storage "$DB" --format json -o asha.json
check "18 configurations" test "$(json_query asha.json "len({t['params']['x1'] for t in d['trials']})")" = 18
check "budgets are the rungs 1, 3, 9" test "$(json_query asha.json "sorted({t['budget'] for t in d['trials']}) == [1, 3, 9]")" = True
check "no trial promoted twice" test "$(json_query asha.json "len([t['parent'] for t in d['trials'] if t['parent'] is not None]) == len({t['parent'] for t in d['trials'] if t['parent'] is not None})")" = True
check "some configurations reached the top rung" test "$(json_query asha.json "any(t['rung']==2 and t['state']=='complete' for t in d['trials'])")" = True

# ---------------------------------------------------------------- median
# gone PID: no such process, or a zombie (killed, waiting for a reaper)
gone() { ! kill -0 "$1" 2>/dev/null || grep -q '^[0-9]* ([^)]*) [ZX]' "/proc/$1/stat" 2>/dev/null; }
# Good configurations finish fast; a bad one is pruned at its first epoch, and
# its command (with the child it started) is stopped at once: the second
# epoch, two seconds later, is never printed.
cat >prunable.sh <<'SH'
#!/bin/sh
sleep 300 &
echo $! > "$HPO_TRIAL_DIR/child.pid"
pause=0.05
[ "$1" -ge 5 ] && pause=2
for e in 1 2 3 4 5; do
  echo "epoch $e - loss: $(awk -v x="$1" -v e="$e" 'BEGIN { printf "%.6f", x + 1 / e }')"
  sleep $pause
done
kill %1 2>/dev/null
echo "loss: $1"
SH
chmod +x prunable.sh
cat >median.yaml <<YAML
study: median
storage: $DB
direction: minimize
objective:
  command: [./prunable.sh, "\${x}"]
  metric: {name: loss, step: epoch}
  kill_grace: 5s
space:
  x: [0, 1, 6, 7]
sampler: grid
scheduler: {name: median, n_startup_trials: 2}
YAML
expect_status 0 "run with the median rule" "$HPO_BIN" tune median.yaml --progress lines
"$HPO_BIN" export median --storage "$DB" --format json -o median.json
st() { json_query median.json "[t['state'] for t in d['trials'] if t['params']['x']==$1][0]"; }
check "good configurations complete" test "$(st 0)$(st 1)" = completecomplete
check "bad configurations are pruned" test "$(st 6)$(st 7)" = prunedpruned
check "progress names the pruning step" grep -q "pruned .* at step 1" last.out
for x in 6 7; do
  n=$(json_query median.json "[t['number'] for t in d['trials'] if t['params']['x']==$x][0]")
  check "pruned trial $n printed only its first epoch" test "$(grep -c '^epoch' runs/median/trials/$n/stdout.log)" = 1
  check "pruned trial $n's child is gone" gone "$(cat runs/median/trials/$n/child.pid)"
done

# ---------------------------------------------------------------- errors
cat >bad1.yaml <<YAML
study: bad1
storage: $DB
objective: {command: [$HPO_TESTFN, sphere, "\${args}"], metric: loss}
space: {x1: [1, 2]}
scheduler: {name: hyperbnd, max_epochs: 9}
YAML
expect_status 2 "unknown scheduler" "$HPO_BIN" tune bad1.yaml
check "did you mean hyperband" grep -q "did you mean 'hyperband'" last.err
sed -e 's/hyperbnd/hyperband/' -e 's/max_epochs: 9/max_epoch: 9/' bad1.yaml >bad2.yaml
expect_status 2 "unknown scheduler option" "$HPO_BIN" tune bad2.yaml
check "did you mean max_epochs" grep -q "did you mean 'max_epochs'" last.err
cp halving.yaml bad3.yaml
echo "n_trials: 5" >>bad3.yaml
expect_status 2 "n_trials with halving" "$HPO_BIN" tune bad3.yaml
check "says the schedule sets the candidates" grep -q "n_trials: not with scheduler halving" last.err
sed -e 's/min_resources: 15/min_resources: 1000/' halving.yaml >bad4.yaml
expect_status 2 "impossible halving schedule" "$HPO_BIN" plan bad4.yaml
check "scikit-learn's message" grep -q "min_resources_=1000 is greater than max_resources_=150" last.err
finish
