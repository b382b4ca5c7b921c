#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install what is needed, build hpo,
# and tune a built-in model on bundled data: the 6 x 6 C x gamma grid of an RBF
# SVM on digits with 5-fold cross-validation (examples/svc-digits-grid.yaml),
# stored in ./hpo.db, then the best configuration refitted.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j"$(nproc)"
./build/hpo tune examples/svc-digits-grid.yaml "$@"
