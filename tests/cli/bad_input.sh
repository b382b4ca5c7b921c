#!/usr/bin/env bash
# Bad input exits 2 with one line "hpo: ..." on stderr: usage errors, a missing
# spec, bad YAML, an unknown key (with did-you-mean), an unknown study, a
# missing storage (never created by read-only commands), a changed space
# (with the --fresh hint), a locked storage.
. "$(dirname "$0")/../lib/common.sh"

one_line() { test "$(wc -l <"$WORK/last.err")" = 1 && grep -q '^hpo: ' "$WORK/last.err"; }

expect_status 2 "no command" "$HPO_BIN"
expect_status 2 "unknown command" "$HPO_BIN" tunee spec.yaml
check "unknown command suggests" grep -q "did you mean 'tune'" last.err
expect_status 2 "unknown option" "$HPO_BIN" tune spec.yaml --bogus
check "unknown option: one line" one_line
check "unknown option named" grep -q "unknown option '--bogus'" last.err
expect_status 2 "option without value" "$HPO_BIN" tune spec.yaml --storage
check "missing value: one line" one_line
expect_status 2 "bad -n" "$HPO_BIN" tune spec.yaml -n abc
expect_status 2 "bad --progress" "$HPO_BIN" tune spec.yaml --progress fancy
expect_status 2 "tune without spec" "$HPO_BIN" tune
expect_status 2 "export without format" "$HPO_BIN" export s
expect_status 2 "export with a bad format" "$HPO_BIN" export s --format xml

expect_status 2 "missing spec file" "$HPO_BIN" tune nosuch.yaml
check "missing spec: one line" one_line
check "missing spec named" grep -q "nosuch.yaml" last.err

printf 'study: x\nspace: {a: [1, 2\n' >broken.yaml
expect_status 2 "bad YAML" "$HPO_BIN" tune broken.yaml
check "bad YAML: one line" one_line
check "bad YAML: file:line" grep -q "broken.yaml:[0-9]" last.err

cat >typo.yaml <<YAML
study: typo
storage: sqlite:///$WORK/hpo.db
objective:
  command: [$HPO_TESTFN, branin, "\${args}"]
  metric: loss
space:
  x1: {type: float, low: -5, high: 10}
sampler: random
n_trails: 5
YAML
expect_status 2 "unknown key" "$HPO_BIN" tune typo.yaml
check "unknown key: one line" one_line
check "unknown key suggests n_trials" grep -q "n_trials" last.err
expect_status 2 "plan refuses the unknown key too" "$HPO_BIN" plan typo.yaml
check "tune with a bad spec created no storage" test ! -e hpo.db

# read-only commands never create a storage
expect_status 2 "show on a missing storage" "$HPO_BIN" show s --storage "sqlite:///$WORK/none.db"
check "missing storage message" grep -q "^hpo: no storage at .*none.db" last.err
expect_status 2 "status on a missing storage" "$HPO_BIN" status --storage "sqlite:///$WORK/none.db"
expect_status 2 "studies on a missing storage" "$HPO_BIN" studies --storage "$WORK/none.db"
expect_status 2 "export on a missing storage" "$HPO_BIN" export s --format csv --storage "$WORK/none.db"
check "none.db was not created" test ! -e none.db

# a real storage, then an unknown study
cat >ok.yaml <<YAML
study: ok
storage: sqlite:///$WORK/hpo.db
objective:
  command: [$HPO_TESTFN, branin, "\${args}"]
  metric: loss
space:
  x1: [-5, 0, 5]
  x2: [0, 5]
sampler: grid
YAML
expect_status 0 "a good study" "$HPO_BIN" tune ok.yaml -q
expect_status 2 "show an unknown study" "$HPO_BIN" show nosuch --storage "sqlite:///$WORK/hpo.db"
check "unknown study: one line" one_line
check "unknown study named" grep -q "nosuch" last.err
expect_status 2 "export an unknown study" "$HPO_BIN" export nosuch --format json --storage "sqlite:///$WORK/hpo.db"
expect_status 2 "status of an unknown study" "$HPO_BIN" status nosuch --storage "sqlite:///$WORK/hpo.db"
expect_status 2 "export to an unwritable place" "$HPO_BIN" export ok --format csv -o /nonexistent/dir/x.csv --storage "sqlite:///$WORK/hpo.db"

# a changed space is refused with the --fresh hint
sed 's/x2: \[0, 5\]/x2: [0, 5, 10]/' ok.yaml >changed.yaml
expect_status 2 "changed space refused" "$HPO_BIN" tune changed.yaml
check "changed space: hint" grep -q "use --fresh to start the study again" last.err
check "changed space: diff names x2" grep -q "x2" last.err
expect_status 0 "--fresh accepts the change" "$HPO_BIN" tune changed.yaml --fresh -q

# a locked storage: hold an exclusive lock with sqlite3 from python
if "$PY" -c 'import sqlite3' 2>/dev/null; then
  "$PY" - "$WORK/hpo.db" <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)
c.execute("PRAGMA locking_mode=EXCLUSIVE")
c.execute("BEGIN EXCLUSIVE")
open(sys.argv[1] + ".held", "w").close()
time.sleep(20)
PY
  locker=$!
  for _ in $(seq 1 100); do [ -e "$WORK/hpo.db.held" ] && break; sleep 0.1; done
  HPO_SQLITE_BUSY_TIMEOUT_MS=500 expect_status 2 "locked storage" timeout 60 "$HPO_BIN" tune ok.yaml -q
  check "locked storage says locked" grep -qi "locked" last.err
  kill "$locker" 2>/dev/null
  wait "$locker" 2>/dev/null
fi
# Storage that cannot be used: one line, exit 2, nothing written.
expect_status 2 "storage in a missing directory" "$HPO_BIN" tune ok.yaml --storage "$WORK/no/such/dir/x.db" -q
check "missing directory: one line" one_line
check "missing directory created nothing" test ! -e "$WORK/no"
printf 'not a database, just text\n' >notdb.db
expect_status 2 "storage that is not a database" "$HPO_BIN" tune ok.yaml --storage "$WORK/notdb.db" -q
check "not a database: file unchanged" test "$(cat notdb.db)" = "not a database, just text"
cp hpo.db future.db
"$PY" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA user_version=99"); c.commit()' future.db
expect_status 2 "schema version mismatch" "$HPO_BIN" tune ok.yaml --storage "$WORK/future.db" -q
check "schema mismatch: one line naming the version" grep -q "99" last.err
finish
