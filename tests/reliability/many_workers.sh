#!/usr/bin/env bash
# Many workers on one SQLite study: 4 processes x 2 threads, and 1 process x 8
# threads. Grid: each point evaluated exactly once. Random and qmc: trials
# numbered without gaps or duplicates, exactly n_trials configurations.
. "$(dirname "$0")/../lib/common.sh"
DB="sqlite:///$WORK/hpo.db"

write_spec() { # name sampler n_trials
  cat >"$1.yaml" <<YAML
study: $1
storage: $DB
objective:
  command: [$HPO_TESTFN, branin, "\${args}", --sleep, "0.02"]
  metric: loss
space:
  x1: {type: float, low: -5, high: 10, grid_points: 6}
  x2: {type: float, low: 0, high: 15, grid_points: 6}
sampler: $2
n_trials: $3
YAML
}

verify() { # name expected_complete grid?
  "$HPO_BIN" export "$1" --storage "$DB" --format json -o "$1.json"
  check "$1: $2 complete" test "$(json_query "$1.json" "sum(t['state']=='complete' for t in d['trials'])")" = "$2"
  check "$1: no failed trial" test "$(json_query "$1.json" "sum(t['state']!='complete' for t in d['trials'])")" = 0
  check "$1: numbers without gaps or duplicates" test "$(json_query "$1.json" "sorted(t['number'] for t in d['trials']) == list(range($2))")" = True
  if [ "$3" = grid ]; then
    check "$1: each grid point once" test "$(json_query "$1.json" "len({json.dumps(t['params'],sort_keys=True) for t in d['trials']})")" = "$2"
  fi
}

for sampler in grid random qmc; do
  name=procs-$sampler
  write_spec "$name" "$sampler" 36
  pids=""
  for i in 1 2 3 4; do
    "$HPO_BIN" tune "$name.yaml" --workers 2 -q >"$name.$i.log" 2>&1 &
    pids="$pids $!"
  done
  ok=0
  for p in $pids; do wait "$p" || ok=1; done
  check "$name: all 4 processes exit 0" test "$ok" = 0
  [ "$ok" = 0 ] || cat "$name".*.log >&2
  verify "$name" 36 "$sampler"
done

write_spec threads-grid grid 36
expect_status 0 "8 threads in one process" "$HPO_BIN" tune threads-grid.yaml --workers 8 -q
verify threads-grid 36 grid
finish
