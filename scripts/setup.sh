#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install what is needed, build hpo,
# and tune the bundled example command with a grid search stored in ./hpo.db.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
./build/hpo tune examples/branin-grid.yaml "$@"
