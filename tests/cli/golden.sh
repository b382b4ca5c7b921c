#!/usr/bin/env bash
# golden.sh -- every plot kind of `hpo plot` on the fixed studies of
# tests/golden/ (JSON exports of real studies) gives exactly the committed
# bytes in tests/golden/expected/: SVG for the kinds that apply, the one-line
# reason (exit 2) for those that do not, and the text forms. Also `hpo plot`
# on the study in a storage gives the same bytes as on its export.
# HPO_GOLDEN_UPDATE=1 rewrites the expected files (review the diff!).
. "$(dirname "$0")/../lib/common.sh"
G="$HPO_SRC/tests/golden"
E="$G/expected"
update=${HPO_GOLDEN_UPDATE:-0}
[ "$update" = 1 ] && mkdir -p "$E"

kinds=$("$HPO_BIN" plot --help | sed -n '/^kinds:/,/^$/p' | sed 's/^kinds://; s/(docs.*)//' | tr ',\n' '  ')
check "the kinds are listed in 'hpo plot --help'" test -n "$kinds"

# golden FILE-STEM COMMAND...: the command's stdout (exit 0) or stderr (exit
# 2) equals the expected file.
golden() {
  local stem=$1
  shift
  "$@" >out 2>err
  local rc=$?
  local got=out want="$E/$stem"
  if [ $rc = 2 ]; then got=err; want="$E/$stem.err"; fi
  if [ $rc != 0 ] && [ $rc != 2 ]; then
    check "$stem: exit $rc ($(head -c 300 err))" false
    return
  fi
  if [ "$update" = 1 ]; then
    rm -f "$E/$stem" "$E/$stem.err"
    cp "$got" "$want"
  fi
  if [ -f "$want" ] && cmp -s "$got" "$want"; then
    check "$stem" true
  else
    check "$stem differs from $want (HPO_GOLDEN_UPDATE=1 to accept)" false
    diff "$want" "$got" 2>&1 | head -5 >&2
  fi
}

for fixture in golden-hyperband svc-digits-bo; do
  for kind in $kinds; do
    golden "$fixture.$kind.svg" "$HPO_BIN" plot "$G/$fixture.json" "$kind"
  done
  golden "$fixture.history.txt" "$HPO_BIN" plot "$G/$fixture.json" history --format txt
done
golden "golden-hyperband.importance.txt" "$HPO_BIN" plot "$G/golden-hyperband.json" importance \
  --format txt
golden "golden-hyperband.slice.lr.svg" "$HPO_BIN" plot "$G/golden-hyperband.json" slice \
  --params lr --width 500 --height 360

# every SVG written is well-formed XML
for f in "$E"/*.svg; do
  check "$(basename "$f") is XML" "$PY" -c 'import sys,xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$f"
done

# the same study from a storage: byte-identical to its export's plots
cat >spec.yaml <<YAML
study: golden-live
direction: minimize
seed: 5
objective:
  command: [$HPO_TESTFN, branin, "\${args}"]
  metric: loss
space:
  x1: uniform(-5, 10)
  x2: uniform(0, 15)
  mode: [ok, fail]
n_trials: 12
YAML
expect_status 0 "tune" "$HPO_BIN" tune spec.yaml --storage sqlite:///g.db --progress none
expect_status 0 "export" "$HPO_BIN" export golden-live --storage sqlite:///g.db --format json -o live.json
for kind in history parallel slice; do
  rm -f a.svg b.svg
  expect_status 0 "plot $kind from the storage" "$HPO_BIN" plot golden-live "$kind" --storage sqlite:///g.db -o a.svg
  expect_status 0 "plot $kind from the export" "$HPO_BIN" plot live.json "$kind" -o b.svg
  check "$kind: storage and export give the same bytes" cmp -s a.svg b.svg
done
finish
