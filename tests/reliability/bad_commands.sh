#!/usr/bin/env bash
# Commands that crash, hang past their timeout (with a child), print garbage,
# print NaN or exit non-zero: each trial is failed with a clear reason, the
# process group is killed and reaped, and the study runs to its end.
. "$(dirname "$0")/../lib/common.sh"

cat >spec.yaml <<YAML
study: bad
storage: sqlite:///$WORK/hpo.db
objective:
  command: [$HPO_TESTFN, branin, --x1=1, --x2=2, "--mode=\${mode}"]
  metric: loss
  kill_grace: 1s
space:
  mode: [ok, crash, spawn-hang, garbage, nan, fail]
sampler: grid
trial_timeout: 2s
workers: 2
YAML

expect_status 0 "the study completes despite failing trials" "$HPO_BIN" tune spec.yaml --progress lines
"$HPO_BIN" export bad --storage "sqlite:///$WORK/hpo.db" --format json -o out.json
msg() { json_query out.json "[t['message'] or '' for t in d['trials'] if t['params']['mode']=='$1'][0]"; }
state() { json_query out.json "[t['state'] for t in d['trials'] if t['params']['mode']=='$1'][0]"; }
check "ok completes" test "$(state ok)" = complete
for m in crash spawn-hang garbage nan fail; do
  check "$m is failed" test "$(state "$m")" = failed
done
check "crash names the signal" grep -qi "signal" <<<"$(msg crash)"
check "hang names the timeout" grep -qi "timed out" <<<"$(msg spawn-hang)"
check "garbage says no value was found" grep -qi "no value" <<<"$(msg garbage)"
check "nan says nan" grep -qi "nan" <<<"$(msg nan)"
check "non-zero exit names the status" grep -qi "exit status 3" <<<"$(msg fail)"
# The hung command and the child it spawned are gone.
sleep 0.5
check "no hpo-testfn left running" test -z "$(pgrep -f "$HPO_TESTFN branin --x1=1 --x2=2 --mode=spawn-hang" || true)"
finish
