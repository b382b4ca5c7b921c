#!/usr/bin/env bash
# The C example of docs/quickstart.md runs: ask/tell by hand, then the optimize
# loop with 4 threads, on memory and on SQLite; rerunning on SQLite resumes
# (the study's 64 trials are already there, so nothing new runs).
. "$(dirname "$0")/../lib/common.sh"
EX="$HPO_BUILD/examples/hpo-example-c-api"
expect_status 0 "memory storage" "$EX"
check "reports the best of 64 trials" grep -q "of 64)" last.out
expect_status 0 "sqlite storage" "$EX" "sqlite:///$WORK/c.db"
"$HPO_BIN" export quadratic --storage "sqlite:///$WORK/c.db" --format json -o c.json
check "64 complete trials" test "$(json_query c.json "sum(t['state']=='complete' for t in d['trials'])")" = 64
check "64 Sobol points find the basin of (1, -2)" test "$(json_query c.json "min(t['value'] for t in d['trials']) < 1.0")" = True
expect_status 1 "a rerun asks past the study's total and says so" "$EX" "sqlite:///$WORK/c.db"
check "rerun message names the total" grep -qi "64" last.err
finish
