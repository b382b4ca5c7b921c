# Shared helpers for the shell-driven tests (cli/, reliability/).
# Each test: source this, call `check NAME CONDITION-COMMAND...`, end with `finish`.
set -u
: "${HPO_BIN:?HPO_BIN must point at the hpo binary}"
: "${HPO_TESTFN:?HPO_TESTFN must point at hpo-testfn}"
PY=${PYTHON:-/usr/bin/python3}
T_PASSED=0
T_FAILED=0
WORK=$(mktemp -d /tmp/hpo-test.XXXXXX)
cd "$WORK" || exit 1
cleanup() { [ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT

# check DESCRIPTION COMMAND...: passes when COMMAND exits 0.
check() {
  local desc=$1
  shift
  if "$@"; then
    T_PASSED=$((T_PASSED + 1))
  else
    T_FAILED=$((T_FAILED + 1))
    echo "FAILED: $desc" >&2
  fi
}

# expect_status N DESCRIPTION COMMAND...: passes when COMMAND exits with N.
expect_status() {
  local want=$1 desc=$2
  shift 2
  "$@" >"$WORK/last.out" 2>"$WORK/last.err"
  local got=$?
  if [ "$got" = "$want" ]; then
    T_PASSED=$((T_PASSED + 1))
  else
    T_FAILED=$((T_FAILED + 1))
    echo "FAILED: $desc (exit $got, wanted $want)" >&2
    sed 's/^/  stdout: /' "$WORK/last.out" | head -20 >&2
    sed 's/^/  stderr: /' "$WORK/last.err" | head -20 >&2
  fi
}

# json_query FILE PYTHON-EXPRESSION: evaluate with d = the parsed JSON; prints the result.
json_query() {
  "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

finish() {
  echo "$T_PASSED passed, $T_FAILED failed"
  [ "$T_FAILED" -eq 0 ]
}
