#!/usr/bin/env bash
# Progress modes and interruption: --progress bar draws the status line on stderr
# (with escape codes) and keeps stdout's trial lines clean; on a pseudo-terminal
# the default is the bar; SIGINT stops the run, prints the summary, exits 130,
# and leaves no trial running; the study resumes afterwards.
. "$(dirname "$0")/../lib/common.sh"

DB="sqlite:///$WORK/hpo.db"
cat >slow.yaml <<YAML
study: slow
storage: $DB
direction: minimize
objective:
  command: [$HPO_TESTFN, branin, "\${args}", --sleep, "0.2"]
  metric: loss
space:
  x1: {type: float, low: -5, high: 10, grid_points: 4}
  x2: {type: float, low: 0, high: 15, grid_points: 2}
sampler: grid
workers: 2
YAML

expect_status 0 "forced bar" "$HPO_BIN" tune slow.yaml --progress bar --study bar1
check "bar on stderr has escape codes" grep -q $'\x1b\\[K' last.err
check "bar shows the counter" grep -q "\[ *[0-9]*/8\]" last.err
check "bar shows the clock and eta" grep -q "/ eta " last.err
check "stdout has no escape codes" bash -c "! grep -q $'\x1b' '$WORK/last.out'"
check "stdout has 8 trial lines" test "$(grep -c '^trial ' last.out)" = 8

# a pseudo-terminal picks the bar by default
if script -qec true /dev/null >/dev/null 2>&1; then
  TERM=xterm script -qec "'$HPO_BIN' tune slow.yaml --study tty1" tty.log >/dev/null 2>&1
  check "a terminal gets the bar by default" grep -q "█" tty.log
fi

# SIGINT: stop, summary, 130
"$HPO_BIN" tune slow.yaml --study intr -w 1 --progress lines >intr.out 2>intr.err &
pid=$!
for _ in $(seq 1 100); do
  [ "$(grep -c '^trial ' intr.out 2>/dev/null || true)" -ge 2 ] && break
  sleep 0.1
done
kill -INT "$pid"
wait "$pid"
st=$?
check "interrupted run exits 130" test "$st" = 130
check "interrupt is reported" grep -q "interrupted" intr.err
check "summary after the interrupt" grep -q "^resume with: .*hpo tune slow.yaml --study intr" intr.out
check "not every trial ran" test "$(grep -c '^trial .* complete ' intr.out)" -lt 8
"$HPO_BIN" export intr --storage "$DB" --format json -o intr.json
check "no trial left running" test "$(json_query intr.json "sum(t['state']=='running' for t in d['trials'])")" = 0
expect_status 0 "the interrupted study resumes" "$HPO_BIN" tune slow.yaml --study intr -q
"$HPO_BIN" export intr --storage "$DB" --format json -o intr2.json
check "resumed study: nothing running" test "$(json_query intr2.json "sum(t['state']=='running' for t in d['trials'])")" = 0
check "resumed study: every grid point has a finished trial" test "$(json_query intr2.json "len({json.dumps(t['params'],sort_keys=True) for t in d['trials'] if t['state']!='running'})")" = 8
finish
