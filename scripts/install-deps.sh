#!/usr/bin/env bash
# Installs the Debian packages hpo needs to build, test and run its examples.
# Debian 12 (bookworm), as root (or with sudo). Safe to run again.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Build and run-time libraries (MIT/BSD/Apache-2.0/public domain; no GPL code is
# linked: libgfortran, pulled in by OpenBLAS, is under the GCC runtime exception).
# dataset-fashion-mnist is the data of the MLP examples (IDX files, MIT);
# python3-numpy runs examples/train_digits.py, the training command of the
# Hyperband example (hpo itself uses no Python).
PKGS_BUILD="build-essential cmake pkg-config libyaml-dev libjansson-dev libsqlite3-dev libpcre2-dev zlib1g-dev libsvm-dev liblinear-dev libxgboost-dev libopenblas-dev liblapacke-dev liblbfgsb-dev libcivetweb-dev dataset-fashion-mnist python3-numpy"
# Tests: cmocka, clang + libFuzzer, valgrind, the scikit-learn oracle (and Optuna's fANOVA), sqlite3 shell;
# headless Chromium and ChromeDriver with python3-pil for the report and dashboard tests.
PKGS_TEST="libcmocka-dev clang libclang-rt-14-dev valgrind python3 python3-sklearn sqlite3 procps python3-xgboost python3-mpmath python3-optuna chromium chromium-driver python3-pil"

want="$PKGS_BUILD"
if [ "${1:-}" = "--test" ]; then want="$want $PKGS_TEST"; fi
if [ "${1:-}" = "--bench" ]; then want="$want $PKGS_TEST python3-optuna python3-torch python3-plotly bc time"; fi

missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
echo "dependencies ready"
