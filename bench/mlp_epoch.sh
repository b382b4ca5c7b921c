#!/usr/bin/env bash
# One MLP epoch on Fashion-MNIST: hpo's mlp (float32, OpenBLAS sgemm) against
# PyTorch CPU (Debian python3-torch), the same 784-256-128-10 ReLU network,
# Adam lr 1e-3, batch 128, 2 threads each, in the same run. Each run trains
# EPOCHS epochs (default 5) from scratch; reports the medians over RUNS runs
# (default 3) of seconds per epoch and of test accuracy after EPOCHS epochs,
# the speed ratio (target: hpo >= 1.5x faster at equal accuracy) and the peak
# resident memory of each process.
#   scripts/install-deps.sh --bench && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON && cmake --build build
#   bench/mlp_epoch.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
EPOCHS=${EPOCHS:-5}
THREADS=${THREADS:-2}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
TOOL=build/tools/hpo-tool-mlp_fashion
PY=/usr/bin/python3
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
m() { printf '%s\n' "$@" | median; }
get() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

h_s=(); h_a=(); h_m=(); t_s=(); t_a=(); t_m=()
for r in $(seq 1 "$RUNS"); do
  /usr/bin/time -f '%M' -o "$W/hm" "$TOOL" --threads "$THREADS" --seed "$r" \
    n_layers=2 units_1=256 units_2=128 activation=relu optimizer=adam learning_rate=0.001 \
    batch_size=128 alpha=0 epochs="$EPOCHS" >"$W/h.json"
  h_s+=("$(get "$W/h.json" seconds_per_epoch)"); h_a+=("$(get "$W/h.json" accuracy)"); h_m+=("$(cat "$W/hm")")
  /usr/bin/time -f '%M' -o "$W/tm" $PY bench/mlp_torch_peer.py "$EPOCHS" "$THREADS" "$r" >"$W/t.json"
  t_s+=("$(get "$W/t.json" seconds_per_epoch)"); t_a+=("$(get "$W/t.json" accuracy)"); t_m+=("$(cat "$W/tm")")
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%Y-%m-%d)"
echo "runs: $RUNS (medians), $EPOCHS epochs each, $THREADS threads, torch $($PY -c 'import torch; print(torch.__version__)')"
printf 'hpo mlp : %6.3f s/epoch   test accuracy %.4f   peak RSS %5.0f MB\n' "$(m "${h_s[@]}")" "$(m "${h_a[@]}")" "$(echo "$(m "${h_m[@]}") / 1024" | bc -l)"
printf 'pytorch : %6.3f s/epoch   test accuracy %.4f   peak RSS %5.0f MB\n' "$(m "${t_s[@]}")" "$(m "${t_a[@]}")" "$(echo "$(m "${t_m[@]}") / 1024" | bc -l)"
printf 'speed-up hpo vs pytorch: %.2fx (target >= 1.5)\n' "$(echo "$(m "${t_s[@]}") / $(m "${h_s[@]}")" | bc -l)"
