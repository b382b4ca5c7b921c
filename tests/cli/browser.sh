#!/usr/bin/env bash
# The report and the dashboard in headless Chromium (W3C WebDriver through
# tests/lib/webdriver.py): (a) `hpo report` opened from a file: a non-blank
# screenshot, plots drawn as svg.hpo-plot, one table row per trial; (b) the
# dashboard's study page: a non-blank screenshot, and the page updating in
# place (no reload) when a trial is told while it is open.
# Skipped (exit 0, "SKIP") only when Chromium or chromedriver is missing and
# HPO_REQUIRE_BROWSER is unset; CI sets it, so there a missing browser fails.
. "$(dirname "$0")/../lib/common.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
export CHROMIUM CHROMEDRIVER
if [ ! -x "$CHROMIUM" ] || [ ! -x "$CHROMEDRIVER" ]; then
  if [ -z "${HPO_REQUIRE_BROWSER:-}" ]; then
    echo "SKIP: $CHROMIUM or $CHROMEDRIVER is missing (apt-get install chromium chromium-driver)"
    exit 0
  fi
  echo "FAILED: HPO_REQUIRE_BROWSER is set but $CHROMIUM or $CHROMEDRIVER is missing" >&2
  exit 1
fi
LIB=$(cd "$(dirname "$0")/../lib" && pwd)
TELL="$HPO_TOOLS/hpo-tool-tell_one"
DB="$WORK/hpo.db"

# ---- (a) the report
cat >spec.yaml <<YAML
study: demo
storage: sqlite:///$DB
direction: minimize
objective:
  command: [$HPO_TESTFN, quadratic, "\${args}", --epochs, "2"]
  metric: loss
space:
  kernel: [linear, rbf]
  C: [0.1, 1, 10]
sampler: grid
YAML
expect_status 0 "tune demo" "$HPO_BIN" tune spec.yaml --progress none
expect_status 0 "hpo report" "$HPO_BIN" report demo --storage "sqlite:///$DB" -o "$WORK/r.html"
check "report in Chromium: non-blank, plots, 6 rows" "$PY" - "$LIB" "$WORK/r.html" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from webdriver import Browser, nonblank
ok = True
with Browser() as b:
    b.get('file://' + sys.argv[2])
    plots = b.script("return document.querySelectorAll('svg.hpo-plot').length")
    rows = b.script("return document.querySelectorAll('table tbody tr').length")
    png = b.screenshot()
open('report.png', 'wb').write(png)
if plots < 1:
    print(f'FAILED: report has {plots} svg.hpo-plot', file=sys.stderr); ok = False
if rows != 6:
    print(f'FAILED: report table has {rows} rows, wanted 6', file=sys.stderr); ok = False
if not nonblank(png):
    print('FAILED: the report screenshot is blank', file=sys.stderr); ok = False
sys.exit(0 if ok else 1)
PY

# The report's script at work: a tooltip and highlighting on hover, sorting by
# a column, and brushing the objective axis of the parallel coordinates (mouse
# events dispatched at the elements' on-screen positions).
check "report in Chromium: tooltip, sorting, brushing" "$PY" - "$LIB" "$WORK/r.html" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from webdriver import Browser
ok = True
def fail(msg):
    global ok
    print('FAILED: ' + msg, file=sys.stderr); ok = False
with Browser() as b:
    b.get('file://' + sys.argv[2])
    tip = b.script("""
      var e = document.querySelector('svg.hpo-plot[data-kind=history] circle[data-t]');
      var r = e.getBoundingClientRect();
      e.dispatchEvent(new MouseEvent('mouseover', {bubbles: true, clientX: r.x, clientY: r.y}));
      var t = document.getElementById('tip');
      var lit = document.querySelectorAll('.hl').length;
      return [getComputedStyle(t).display, t.textContent, lit];""")
    if tip[0] != 'block' or not tip[1].startswith('#') or tip[2] < 2:
        fail(f'tooltip/highlight: {tip}')
    first = b.script("""
      var th = document.querySelectorAll('table.trials th')[2];   // value
      th.click();
      var cells = [].map.call(document.querySelectorAll('table.trials tbody tr td:nth-child(3)'),
                              function (td) { return +td.textContent; });
      return cells;""")
    if first != sorted(first):
        fail(f'sorting by value: {first}')
    brushed = b.script("""
      var svg = document.querySelector('svg.hpo-plot[data-kind=parallel]');
      var ax = svg.querySelector('g.pc-axis[data-i="0"]');   // the objective's axis
      var hit = ax.querySelector('rect[fill=transparent]'), r = hit.getBoundingClientRect();
      var x = r.x + r.width / 2, y0 = r.y + 1, y1 = r.y + r.height * 0.5;
      hit.dispatchEvent(new MouseEvent('mousedown', {bubbles: true, clientX: x, clientY: y0}));
      document.dispatchEvent(new MouseEvent('mousemove', {bubbles: true, clientX: x, clientY: y1}));
      document.dispatchEvent(new MouseEvent('mouseup', {bubbles: true, clientX: x, clientY: y1}));
      var lines = svg.querySelectorAll('path.pc-line').length;
      var off = svg.querySelectorAll('path.pc-line.off').length;
      var rows = document.querySelectorAll('table.trials tbody tr').length;
      return [lines, off, rows, document.getElementById('trials-shown').textContent];""")
    lines, off, rows, shown = brushed
    if not (0 < off < lines) or rows != lines - off or 'brushed' not in shown:
        fail(f'brushing the objective axis: {brushed}')
sys.exit(0 if ok else 1)
PY

# ---- (b) the dashboard, updating while it is open
expect_status 0 "create the live study" "$TELL" --create "sqlite:///$DB" live
for v in 0.5 0.25 0.75; do
  expect_status 0 "tell $v" "$TELL" "sqlite:///$DB" live "$v"
done
"$HPO_BIN" dashboard --storage "sqlite:///$DB" --port 0 --refresh 1 >dash.out 2>dash.err &
PID=$!
for _ in $(seq 1 100); do
  grep -q "^dashboard: http://" dash.out 2>/dev/null && break
  kill -0 $PID 2>/dev/null || break
  sleep 0.1
done
URL=$(sed -n 's|^dashboard: \(http://[^ ]*\) .*|\1|p' dash.out)
check "dashboard started" test -n "$URL"

check "dashboard in Chromium: updates in place when a trial is told" \
  "$PY" - "$LIB" "$URL" "$TELL" "sqlite:///$DB" <<'PY'
import subprocess, sys, time
sys.path.insert(0, sys.argv[1])
from webdriver import Browser, nonblank
url, tell, storage = sys.argv[2], sys.argv[3], sys.argv[4]
ok = True
def fail(msg):
    global ok
    ok = False
    print('FAILED:', msg, file=sys.stderr)
with Browser() as b:
    b.get(url)
    listed = b.script("return document.querySelectorAll('#studies a[href=\"/study/live\"]').length")
    if listed != 1:
        fail(f'the study list links the study {listed} times')
    b.get(url + 'study/live')
    before = int(b.script("return document.getElementById('n-complete').textContent"))
    if before != 3:
        fail(f'#n-complete is {before}, wanted 3')
    imgs = b.script("return Array.from(document.querySelectorAll('#plots img'))"
                    ".filter(i => i.complete && i.naturalWidth > 0).length")
    if imgs < 1:
        fail('no plot image loaded')
    b.script('window.hpoTestMarker = 42')  # gone if the page reloads
    rows = b.script("return document.querySelectorAll('#trials-table tbody tr').length")
    subprocess.run([tell, storage, 'live', '0.125'], check=True, stdout=subprocess.DEVNULL)
    after = before
    deadline = time.monotonic() + 30  # generous: the page checks every second
    while time.monotonic() < deadline:
        after = int(b.script("return document.getElementById('n-complete').textContent"))
        if after != before:
            break
        time.sleep(0.25)
    if after != before + 1:
        fail(f'#n-complete went from {before} to {after} within 30 s, wanted {before + 1}')
    # the rest of the page follows: the table gains the row (the swap of #live
    # comes right after the counts)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = b.script("return document.querySelectorAll('#trials-table tbody tr').length")
        if now == rows + 1:
            break
        time.sleep(0.25)
    else:
        fail(f'the trials table has {now} rows, wanted {rows + 1}')
    if b.script('return window.hpoTestMarker') != 42:
        fail('the page reloaded instead of updating in place')
    png = b.screenshot()
open('dashboard.png', 'wb').write(png)
if not nonblank(png):
    fail('the dashboard screenshot is blank')
sys.exit(0 if ok else 1)
PY

kill -TERM $PID
wait $PID
check "dashboard stops with exit 0" test $? = 0
if [ -n "${HPO_BROWSER_ARTIFACTS:-}" ]; then
  mkdir -p "$HPO_BROWSER_ARTIFACTS" && cp -f ./*.png "$HPO_BROWSER_ARTIFACTS/" 2>/dev/null
fi
finish
