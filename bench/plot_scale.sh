#!/usr/bin/env bash
# plot_scale.sh -- every plot of a 10^5-trial study: wall time and peak memory
# of `hpo plot` (and `hpo report`), next to Optuna's plotly figures of the same
# trials. Medians of RUNS runs (default 3).
#
#   N=100000 RUNS=3 PEER_RUNS=1 PEER_TIMEOUT=90 [KINDS="history edf"] bench/plot_scale.sh [BUILD_DIR]
#
# Two studies of N trials:
#   - "big" in SQLite, made through ask/tell (random search, 6 parameters, 1-9
#     reports each, 4% failed): the storage path (`hpo plot big KIND`);
#   - the same shape as a Hyperband-like JSON export with rungs, brackets,
#     parents and 8 workers (bench/make_big_export.py): every kind, and the
#     file Optuna's figures are made from (bench/plot_optuna_peer.py).
# Needs scripts/install-deps.sh --bench (python3-optuna, python3-plotly).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
N=${N:-100000}
RUNS=${RUNS:-3}
PEER_RUNS=${PEER_RUNS:-$RUNS}
PEER_TIMEOUT=${PEER_TIMEOUT:-600}
work=$(mktemp -d /tmp/hpo-bench-plot.XXXXXX)
trap 'rm -rf "$work"' EXIT
hpo=$build/hpo

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# measure CMD...: prints "seconds peak_MB" of one run
measure() {
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; echo "- -"; return; }
  awk '{printf "%s %.0f\n", $1, $2/1024}' "$work/time"
}

echo "making the studies ($N trials)..." >&2
"$build/bench/hpo-bench-plot" make "$work/big.db" "$N" >&2
/usr/bin/python3 "$here/make_big_export.py" "$N" "$work/big.json"

kinds=${KINDS:-"history parallel slice contour dependence evaluations importance intermediate rungs timeline edf report"}
printf "%-13s %10s %8s %10s %8s %12s %8s\n" kind "db s" "db MB" "json s" "json MB" "optuna s" "ratio"
for kind in $kinds; do
  ts_db=() ; ms_db=(); ts_js=(); ms_js=(); ts_op=()
  for _ in $(seq "$RUNS"); do
    if [ "$kind" = report ]; then
      read -r t m < <(measure "$hpo" report big --storage "sqlite:///$work/big.db" -o "$work/out")
      ts_db+=("$t"); ms_db+=("$m")
      read -r t m < <(measure "$hpo" report "$work/big.json" -o "$work/out")
    else
      if [ "$kind" != rungs ]; then
        read -r t m < <(measure "$hpo" plot big "$kind" --storage "sqlite:///$work/big.db" -o "$work/out.svg")
        ts_db+=("$t"); ms_db+=("$m")
      fi
      read -r t m < <(measure "$hpo" plot "$work/big.json" "$kind" -o "$work/out.svg")
    fi
    ts_js+=("$t"); ms_js+=("$m")
  done
  op="-"
  case $kind in history|parallel|slice|contour|edf|intermediate|importance)
    : >"$work/op"
    for _ in $(seq "$PEER_RUNS"); do
      if ! timeout "$PEER_TIMEOUT" /usr/bin/python3 "$here/plot_optuna_peer.py" "$work/big.json" "$kind" \
        | sed -n 's/.*plot_s=\([0-9.]*\).*/\1/p' >>"$work/op"; then
        echo ">$PEER_TIMEOUT" >>"$work/op"
        break # no use waiting for it again
      fi
    done
    op=$({ grep -v '>' "$work/op" || true; } | median)
    grep -q '>' "$work/op" && op=">$PEER_TIMEOUT"
    ;;
  esac
  tdb=$(printf "%s\n" "${ts_db[@]:-}" | { grep -v '^-*$' || true; } | median)
  mdb=$(printf "%s\n" "${ms_db[@]:-}" | { grep -v '^-*$' || true; } | median)
  tjs=$(printf "%s\n" "${ts_js[@]}" | median)
  mjs=$(printf "%s\n" "${ms_js[@]}" | median)
  # Optuna's time against hpo's from the storage (which includes reading the
  # 10^5 trials from SQLite; Optuna's study is already in memory)
  ratio="-"
  if [ "$op" != "-" ] && [ "$tdb" != "-" ]; then
    if [ "${op#>}" = "$op" ]; then
      ratio=$(awk -v a="$op" -v b="$tdb" 'BEGIN{printf "%.1fx", a/b}')
    else
      ratio=$(awk -v a="${op#>}" -v b="$tdb" 'BEGIN{printf ">%.0fx", a/b}')
    fi
  fi
  printf "%-13s %10s %8s %10s %8s %12s %8s\n" "$kind" "$tdb" "$mdb" "$tjs" "$mjs" "$op" "$ratio"
done
echo "(db: hpo plot from the SQLite study, including reading it; json: from the JSON export;"
echo " optuna: figure + fig.to_json() from the in-memory study, loading excluded; ratio = optuna / hpo db)"
