#!/usr/bin/env bash
# Builds hpo and passes every test: the normal build, then the whole suite again
# under AddressSanitizer + UndefinedBehaviorSanitizer, unit tests under valgrind,
# and a short libFuzzer run of every parser. Used as-is by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
jobs=$(nproc)
export CTEST_OUTPUT_ON_FAILURE=1
# the report and dashboard tests drive headless Chromium; here they must not skip
export HPO_REQUIRE_BROWSER=1

echo "== build and test (gcc, -Werror)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build -j"$jobs" --timeout 900

echo "== ASan + UBSan build, whole suite"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DHPO_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan -j"$jobs" --timeout 900

echo "== valgrind, unit tests (but the heavy ones, which run under ASan above)"
ctest --test-dir build -L unit -LE heavy -j"$jobs" --timeout 900 \
  --overwrite MemoryCheckCommand=/usr/bin/valgrind \
  --overwrite "MemoryCheckCommandOptions=--error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --track-fds=no --suppressions=$PWD/tests/valgrind.supp" \
  -T memcheck >build/memcheck.log 2>&1 || { tail -50 build/memcheck.log; exit 1; }
if grep -q "Defects:" build/memcheck.log; then grep -A20 "Defects:" build/memcheck.log; exit 1; fi
grep -E "tests passed|tests failed" build/memcheck.log

echo "== libFuzzer, ${HPO_FUZZ_SECONDS:-30}s per parser"
# clang's own warnings are checked by the gcc build's -Werror, not here.
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DHPO_FUZZ=ON -DHPO_SANITIZE=ON -DHPO_WERROR=OFF >/dev/null
for src in tests/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c)
  cmake --build build-fuzz -j"$jobs" --target "$name" >"build-fuzz/$name.build.log" 2>&1 \
    || { tail -40 "build-fuzz/$name.build.log"; exit 1; }
  fz=build-fuzz/tests/$name
  work=$(mktemp -d)
  cp -r "tests/fuzz/corpus/$name/." "$work/"
  "$fz" -max_total_time="${HPO_FUZZ_SECONDS:-30}" -rss_limit_mb=2048 "$work" >"build-fuzz/$name.log" 2>&1 \
    || { tail -40 "build-fuzz/$name.log"; exit 1; }
  echo "$name: $(grep -E '^Done [0-9]+ runs' "build-fuzz/$name.log" | tail -1), no crash"
  rm -rf "$work"
done
echo "all test stages passed"
