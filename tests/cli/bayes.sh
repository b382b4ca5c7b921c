#!/usr/bin/env bash
# Bayesian optimization from the command line: a GP study of a command
# (branin) with skopt's option names, the result far better than its initial
# design; every surrogate and TPE, improving on its initial design (one
# worker: the outcome is the seed's, not the order in which two workers
# finish); KerasTuner's names (max_trials, num_initial_points, alpha, beta)
# and the stop: key; spec errors with exit status 2.
. "$(dirname "$0")/../lib/common.sh"

DB="sqlite:///$WORK/hpo.db"
cat >gp.yaml <<YAML
study: branin-gp
storage: $DB
direction: minimize
seed: 3
objective:
  command: [$HPO_TESTFN, branin, "\${args}"]
  metric: loss
space:
  x1: {type: float, low: -5, high: 10}
  x2: {type: float, low: 0, high: 15}
sampler:
  name: gp
  acq_func: EI
  acq_optimizer: lbfgs
  n_initial_points: 5
  initial_point_generator: lhs
  xi: 0.01
n_trials: 25
workers: 1
export: {cv_results: gp.csv, json: gp.json}
YAML
expect_status 0 "a GP study of a command" "$HPO_BIN" tune gp.yaml --progress lines
check "25 trials complete" test "$(json_query gp.json "sum(t['state']=='complete' for t in d['trials'])")" = 25
check "the best is near Branin's minimum 0.398" test "$(json_query gp.json "min(t['value'] for t in d['trials']) < 2.0")" = True
check "better than the initial design" test "$(json_query gp.json "min(t['value'] for t in d['trials']) < min(t['value'] for t in d['trials'] if t['number'] < 5)")" = True
check "no configuration twice" test "$(json_query gp.json "len({(t['params']['x1'], t['params']['x2']) for t in d['trials']})")" = 25
expect_status 0 "show names the sampler" "$HPO_BIN" show branin-gp --storage "$DB"
check "show: gp" grep -q "gp" last.out

for s in rf et gbrt tpe; do
  sed -e "s/study: branin-gp/study: branin-$s/" -e "s/name: gp/name: $s/" \
      -e '/acq_optimizer/d' -e '/acq_func/d' -e '/xi:/d' -e '/n_initial_points/d' \
      -e '/initial_point_generator/d' -e 's/gp.csv/'$s'.csv/' -e 's/gp.json/'$s'.json/' gp.yaml >$s.yaml
  [ "$s" = tpe ] || sed -i 's/name: '$s'/name: '$s'\n  n_initial_points: 10/' $s.yaml
  [ "$s" = tpe ] && sed -i 's/name: tpe/name: tpe\n  n_startup_trials: 10/' $s.yaml
  expect_status 0 "a $s study" "$HPO_BIN" tune $s.yaml --progress lines
  check "$s: 25 trials complete" test "$(json_query $s.json "sum(t['state']=='complete' for t in d['trials'])")" = 25
  check "$s: the model improved on its initial design" test "$(json_query $s.json "min(t['value'] for t in d['trials'] if t['number'] >= 10) < min(t['value'] for t in d['trials'] if t['number'] < 10)")" = True
done

# KerasTuner's names and a stopper
cat >kt.yaml <<YAML
study: branin-kt
storage: $DB
direction: minimize
objective:
  command: [$HPO_TESTFN, branin, "\${args}"]
  metric: loss
space:
  x1: {type: float, low: -5, high: 10}
  x2: {type: float, low: 0, high: 15}
sampler: {name: gp, num_initial_points: 3, alpha: 1.0e-4, beta: 2.6}
max_trials: 40
stop: {target: 1.0}
export: {json: kt.json}
YAML
expect_status 0 "KerasTuner's names" "$HPO_BIN" tune kt.yaml --progress lines
check "stopped by the target" grep -q "^stopped: target" last.out
check "fewer than 40 trials" test "$(json_query kt.json "len(d['trials']) < 40")" = True

# errors
sed -e 's/acq_func: EI/acq_fucn: EI/' gp.yaml >bad1.yaml
expect_status 2 "unknown sampler option" "$HPO_BIN" tune bad1.yaml
check "did you mean acq_func" grep -q "did you mean 'acq_func'" last.err
sed -e 's/acq_func: EI/acq_func: EY/' gp.yaml >bad2.yaml
expect_status 2 "unknown acquisition" "$HPO_BIN" tune bad2.yaml
check "did you mean EI" grep -q "did you mean 'EI'" last.err
sed -e 's/name: gp/name: rf/' gp.yaml >bad3.yaml
expect_status 2 "lbfgs with a forest" "$HPO_BIN" tune bad3.yaml
check "says sampling" grep -q "use sampling" last.err
cp kt.yaml bad4.yaml
echo "n_trials: 5" >>bad4.yaml
expect_status 2 "max_trials and n_trials" "$HPO_BIN" tune bad4.yaml
check "not both" grep -q "not both" last.err
sed -e 's/stop: {target: 1.0}/stop: {patience: 3}/' kt.yaml >bad5.yaml
expect_status 2 "patience without delta_y" "$HPO_BIN" tune bad5.yaml
check "names stop.patience" grep -q "stop.patience" last.err
finish
