#!/bin/bash
# The test command of the README (and of CI): installs what is missing, then builds and runs
# the whole suite twice, normally and under ASan+UBSan, runs every fuzz target for 60 s, and runs
# the login benchmarks (in the harness and on the booted Debian).
# Nothing is skipped: a test that cannot run here fails the run.
#   scripts/test.sh            (as root, from the top of the source tree)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then echo "test.sh: run as root (the bus, PAM and sandbox tests need it)" >&2; exit 1; fi
scripts/install-deps.sh

jobs=$(nproc)
run_suite() {  # run_suite BUILD_DIR CMAKE_ARGS...
  local dir=$1; shift
  echo "=== $dir: configure and build"
  cmake -S . -B "$dir" -DSSPR_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j "$jobs" >/dev/null
  echo "=== $dir: tests"
  # --no-tests=error and a skip check: a missing prerequisite must fail, not pass quietly.
  (cd "$dir" && ctest --output-on-failure --no-tests=error -j 1 | tee ctest.log)
  if grep -q 'Not Run\|Skipped' "$dir/ctest.log"; then echo "test.sh: tests were skipped in $dir" >&2; exit 1; fi
}

run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DSSPR_SANITIZE=ON

echo "=== fuzzing (every target 60 s, ASan+UBSan)"
scripts/fuzz.sh 60

echo "=== benchmark (not a test: figures only, see bench/README.md)"
cmake --build build --target bench
# The same login path on the booted Debian 12 of the system tier (its packages and root file
# system are in build/system after the suite).
cmake --build build --target bench_system

total=0
for dir in build build-asan; do
  n=$(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\).*/\1/p' "$dir/ctest.log")
  total=$((total + n))
done
echo "test.sh: all suites passed (normal and ASan+UBSan builds)"
echo "$total passed, 0 failed"
