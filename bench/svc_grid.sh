#!/usr/bin/env bash
# The 6 x 6 C x gamma RBF-SVC grid on digits with 5 stratified folds (the
# README's main job, examples/svc-digits-grid.yaml): hpo with 2 workers against
# scikit-learn's GridSearchCV(n_jobs=2) (Debian python3-sklearn) in the same
# run. Reports the medians of RUNS runs (default 5) of the wall time of each,
# their ratio (target: hpo <= 0.7x scikit-learn), whether the best parameters
# and scores are identical, and the peak resident memory of each.
#   scripts/install-deps.sh --bench && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build
#   bench/svc_grid.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
HPO=$(realpath build/hpo)
PY=/usr/bin/python3
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
m() { printf '%s\n' "$@" | median; }
sed -e "s|data/digits.csv|$PWD/data/digits.csv|" -e '/^export:/,$d' examples/svc-digits-grid.yaml >"$W/spec.yaml"

cat >"$W/sk.py" <<'PY'
import json, resource, sys, time
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.svm import SVC
X, y = load_digits(return_X_y=True)
grid = {"C": [0.1, 1, 10, 100, 1000, 10000], "gamma": [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0]}
t0 = time.perf_counter()
gs = GridSearchCV(SVC(kernel="rbf"), grid, cv=StratifiedKFold(5), scoring="accuracy", n_jobs=2).fit(X, y)
t = time.perf_counter() - t0
rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"seconds": t, "best": [gs.best_params_["C"], gs.best_params_["gamma"]],
                  "score": gs.best_score_, "means": list(gs.cv_results_["mean_test_score"]), "rss_kb": rss}))
PY

hpo_t=(); sk_t=(); hpo_rss=(); sk_rss=(); same=yes
for r in $(seq 1 "$RUNS"); do
  rm -f "$W/h.db"*
  /usr/bin/time -f '%e %M' -o "$W/time" "$HPO" tune "$W/spec.yaml" --storage "sqlite:///$W/h.db" -q --no-refit >/dev/null
  read -r secs kb <"$W/time"
  hpo_t+=("$secs"); hpo_rss+=("$kb")
  "$HPO" export svc-digits-grid --storage "sqlite:///$W/h.db" --format cv_results -o "$W/cv.csv"
  $PY "$W/sk.py" >"$W/sk.json"
  sk_t+=("$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$W/sk.json")")
  sk_rss+=("$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["rss_kb"])' "$W/sk.json")")
  $PY - "$W/cv.csv" "$W/sk.json" <<'PY' || same=no
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
sk = json.load(open(sys.argv[2]))
best = min(rows, key=lambda r: int(r["rank_test_score"]))
ok = [float(best["param_C"]), float(best["param_gamma"])] == sk["best"] and abs(float(best["mean_test_score"]) - sk["score"]) < 1e-9
sys.exit(0 if ok else 1)
PY
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%Y-%m-%d)"
echo "runs: $RUNS (medians); 36 candidates x 5 folds, 2 workers / n_jobs=2"
printf 'hpo          : %6.2f s   peak RSS %6.0f MB\n' "$(m "${hpo_t[@]}")" "$(echo "$(m "${hpo_rss[@]}") / 1024" | bc -l)"
printf 'scikit-learn : %6.2f s   peak RSS %6.0f MB (largest process)\n' "$(m "${sk_t[@]}")" "$(echo "$(m "${sk_rss[@]}") / 1024" | bc -l)"
printf 'ratio hpo / scikit-learn: %.2fx (target <= 0.70)\n' "$(echo "$(m "${hpo_t[@]}") / $(m "${sk_t[@]}")" | bc -l)"
echo "identical best parameters and score in every run: $same"
