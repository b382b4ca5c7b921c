#!/usr/bin/env bash
# Parameter values with ; $(...) backquotes quotes spaces and newlines reach the
# command verbatim as single argv elements: no shell ever sees them.
. "$(dirname "$0")/../lib/common.sh"

cat >values.json <<'JSON'
["a;b", "$(touch pwned)", "`touch pwned2`", "it's \"quoted\"", "two words", "x && touch pwned3", "-n", "$HOME"]
JSON
vals=$("$PY" -c 'import json; print(json.dumps(json.load(open("values.json"))))')
cat >spec.yaml <<YAML
study: inject
storage: sqlite:///$WORK/hpo.db
objective:
  command: [/bin/sh, -c, 'printf "%s" "\$1" > "\$HPO_TRIAL_DIR/got"; echo loss=1', sh, "\${v}"]
  metric: loss
space:
  v: $vals
sampler: grid
output: $WORK/runs
YAML

expect_status 0 "the study runs" "$HPO_BIN" tune spec.yaml -q
check "no file was created by a substituted command" test ! -e pwned -a ! -e pwned2 -a ! -e pwned3
"$HPO_BIN" export inject --storage "sqlite:///$WORK/hpo.db" --format json -o out.json
check "every value arrived verbatim" test "$("$PY" - <<'PYEOF'
import json, os
d = json.load(open('out.json'))
ok = len(d['trials']) == 8
for t in d['trials']:
    got = open(os.path.join('runs', 'trials', str(t['number']), 'got')).read()
    ok = ok and t['state'] == 'complete' and got == t['params']['v']
print(ok)
PYEOF
)" = True
finish
