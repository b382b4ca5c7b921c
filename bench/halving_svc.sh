#!/usr/bin/env bash
# Successive halving over the 6 x 6 C x gamma RBF-SVC grid on digits
# (examples/svc-digits-halving.yaml: 5 stratified folds, factor 3,
# min_resources exhaust, resource n_samples, seed 0): hpo with 2 workers
# against scikit-learn's
#   HalvingGridSearchCV(SVC(), grid, cv=StratifiedKFold(5), factor=3,
#                       random_state=0, n_jobs=2)
# (Debian python3-sklearn) in the same run. Reports the medians of RUNS runs
# (default 3) of the wall time of each and their ratio, whether the candidates
# kept in every iteration are the same (the set of (C, gamma) with iter == i in
# hpo's cv_results export against scikit-learn's cv_results_), whether the best
# is identical, and, where the kept sets differ, the iteration and the tied
# mean_test_score values at the cut.
#   scripts/install-deps.sh --bench && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build
#   bench/halving_svc.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
HPO=$(realpath build/hpo)
PY=/usr/bin/python3
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
m() { printf '%s\n' "$@" | median; }
get() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
sed -e "s|data/digits.csv|$PWD/data/digits.csv|" -e '/^export:/,$d' examples/svc-digits-halving.yaml >"$W/spec.yaml"
STUDY=$(sed -n 's/^study: *//p' "$W/spec.yaml")

cat >"$W/sk.py" <<'PY'
import json, resource, sys, time
import numpy as np
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.datasets import load_digits
from sklearn.model_selection import HalvingGridSearchCV, StratifiedKFold
from sklearn.svm import SVC
X, y = load_digits(return_X_y=True)
grid = {"C": [0.1, 1, 10, 100, 1000, 10000], "gamma": [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0]}
t0 = time.perf_counter()
hs = HalvingGridSearchCV(SVC(kernel="rbf"), grid, cv=StratifiedKFold(5), scoring="accuracy", factor=3,
                         resource="n_samples", min_resources="exhaust", aggressive_elimination=False,
                         random_state=0, n_jobs=2).fit(X, y)
t = time.perf_counter() - t0
rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
cv = hs.cv_results_
rows = [{"iter": int(cv["iter"][i]), "n_resources": int(cv["n_resources"][i]), "C": float(p["C"]),
         "gamma": float(p["gamma"]), "mean": float(cv["mean_test_score"][i])} for i, p in enumerate(cv["params"])]
print(json.dumps({"seconds": t, "rss_kb": rss, "best": [hs.best_params_["C"], hs.best_params_["gamma"]],
                  "score": hs.best_score_, "rows": rows}))
PY

# compare.py CV_CSV SK_JSON HPO_BEST_NUMBER: the differences on stdout; exit status bits: 1 the
# kept sets of some iteration differ, 2 the best parameters differ, 4 the best
# scores differ.
cat >"$W/compare.py" <<'PY'
import csv, json, sys
from collections import defaultdict
import numpy as np
sk = json.load(open(sys.argv[2]))
h = defaultdict(dict); s = defaultdict(dict); ho = defaultdict(list); so = defaultdict(list)
for r in sorted(csv.DictReader(open(sys.argv[1])), key=lambda r: int(r["number"])):
    if r["state"] == "complete":
        c = (float(r["param_C"]), float(r["param_gamma"]))
        h[int(r["iter"])][c] = float(r["mean_test_score"]); ho[int(r["iter"])].append(c)
for r in sk["rows"]:
    s[r["iter"]][(r["C"], r["gamma"])] = r["mean"]; so[r["iter"]].append((r["C"], r["gamma"]))
fmt = lambda cs: ", ".join(f"C={c[0]:g} gamma={c[1]:g}" for c in cs)
status = 0
for it in sorted(set(h) | set(s)):
    hk, sk_ = set(h[it]), set(s[it])
    common = hk & sk_
    dmax = max((abs(h[it][k] - s[it][k]) for k in common), default=0.0)
    if hk != sk_:
        status = 1
        print(f"  iter {it}: kept sets differ: hpo only {fmt(sorted(hk - sk_))}; scikit-learn only "
              f"{fmt(sorted(sk_ - hk))}; mean_test_score of the {len(common)} common candidates: "
              + ("identical" if dmax == 0 else f"differ by up to {dmax:.3g}"))
        prev = s.get(it - 1, {})
        if prev:
            k = len(sk_)
            ranked = sorted(prev.values(), reverse=True)
            cut = ranked[k - 1]
            tied = [c for c in so[it - 1] if prev[c] == cut]
            above = sum(1 for v in ranked if v > cut)
            print(f"  cut iter {it - 1} -> {it}: top {k} of {len(prev)} kept, {above} strictly above; "
                  f"{len(tied)} candidates tied at mean_test_score {cut!r}")
            print(f"    tied, in scikit-learn's row order (it keeps the last {k - above}): {fmt(tied)}")
            print(f"    tied, in hpo's row order (it keeps the last {k - above}): "
                  f"{fmt([c for c in ho[it - 1] if h[it - 1].get(c) == cut])}")
    elif dmax > 1e-12:
        print(f"  iter {it}: same kept set, but mean_test_score differs by up to {dmax:.3g}")
    if it > 0 and ho[it] != so[it] and hk == sk_:
        # Row order of iteration it = ascending argsort of iteration it-1's scores.
        n = len(s[it - 1])
        groups = defaultdict(list)
        for c in so[it]:
            groups[s[it - 1][c]].append(c)
        for v, cs in groups.items():
            hcs = [c for c in ho[it] if c in cs]
            if len(cs) > 1 and hcs != cs:
                print(f"  iter {it}: row order differs: candidates tied at iter {it - 1} score {v!r} (argsort over "
                      f"n={n} scores) ordered scikit-learn [{fmt(cs)}], hpo [{fmt(hcs)}]")
# scikit-learn's _top_k with a stable argsort, replayed on the scores (scikit-learn's where it ran the
# candidate, else hpo's, identical where both ran it).
score = lambda i, c: s[i].get(c, h[i].get(c))
cands = so[0]
replay = [set(cands)]
for i in range(1, max(s) + 1):
    v = np.array([score(i - 1, c) for c in cands])
    idx = np.roll(np.argsort(v, kind="stable"), np.count_nonzero(np.isnan(v)))
    cands = [cands[j] for j in idx[-len(s[i]):]]
    replay.append(set(cands))
print("  scikit-learn's _top_k with a stable argsort would keep hpo's sets: " +
      ("yes" if all(replay[i] == set(h[i]) for i in range(len(replay))) else "no"))
# hpo's best: the trial `hpo tune` reports ("Best VALUE (#N: ...)").
hn = int(sys.argv[3])
hr = next(r for r in csv.DictReader(open(sys.argv[1])) if int(r["number"]) == hn)
hb = ((float(hr["param_C"]), float(hr["param_gamma"])), float(hr["mean_test_score"]))
if list(hb[0]) != sk["best"]:
    status |= 2
if hb[1] != sk["score"]:
    status |= 4
print(f"  best: hpo C={hb[0][0]:g} gamma={hb[0][1]:g} {hb[1]!r}; "
      f"scikit-learn C={sk['best'][0]:g} gamma={sk['best'][1]:g} {sk['score']!r}")
print("  candidates per iteration: hpo " + " ".join(str(len(h[i])) for i in sorted(h)) +
      ", scikit-learn " + " ".join(str(len(s[i])) for i in sorted(s)))
sys.exit(status)
PY

hpo_t=(); sk_t=(); hpo_rss=(); sk_rss=(); same_sets=yes; same_params=yes; same_score=yes; notes=""
for r in $(seq 1 "$RUNS"); do
  rm -f "$W/h.db"*
  t0=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$W/time" "$HPO" tune "$W/spec.yaml" --storage "sqlite:///$W/h.db" -q --no-refit >"$W/tune.txt"
  best_no=$(sed -n 's/.*(#\([0-9]*\).*/\1/p' "$W/tune.txt")
  t1=$(date +%s.%N)
  hpo_t+=("$(echo "$t1 - $t0" | bc -l)"); hpo_rss+=("$(cat "$W/time")")
  "$HPO" export "$STUDY" --storage "sqlite:///$W/h.db" --format cv_results -o "$W/cv.csv"
  $PY "$W/sk.py" >"$W/sk.json"
  sk_t+=("$(get "$W/sk.json" seconds)"); sk_rss+=("$(get "$W/sk.json" rss_kb)")
  rc=0; $PY "$W/compare.py" "$W/cv.csv" "$W/sk.json" "$best_no" >"$W/cmp.txt" || rc=$?
  if ((rc > 7)); then cat "$W/cmp.txt"; exit 1; fi
  ((rc & 1)) && same_sets=no
  ((rc & 2)) && same_params=no
  ((rc & 4)) && same_score=no
  notes+="run $r:"$'\n'"$(cat "$W/cmp.txt")"$'\n'
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%Y-%m-%d)"
echo "runs: $RUNS (medians); 36 -> 12 -> 4 candidates on 100 -> 300 -> 900 samples x 5 folds, 2 workers / n_jobs=2," \
     "scikit-learn $($PY -c 'import sklearn; print(sklearn.__version__)')"
printf 'hpo          : %6.3f s   peak RSS %6.0f MB\n' "$(m "${hpo_t[@]}")" "$(echo "$(m "${hpo_rss[@]}") / 1024" | bc -l)"
printf 'scikit-learn : %6.3f s   peak RSS %6.0f MB (largest process)\n' "$(m "${sk_t[@]}")" "$(echo "$(m "${sk_rss[@]}") / 1024" | bc -l)"
printf 'ratio hpo / scikit-learn: %.2fx\n' "$(echo "$(m "${hpo_t[@]}") / $(m "${sk_t[@]}")" | bc -l)"
echo "same kept candidates in every iteration, every run: $same_sets"
echo "identical best parameters in every run: $same_params"
echo "identical best mean_test_score in every run: $same_score"
printf '%s' "$notes"
