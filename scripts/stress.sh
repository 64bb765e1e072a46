#!/bin/bash
# The suite under load: runs the tests of an already built tree N times in a row while a CPU
# hog keeps one core busy, and stops at the first failure (its output is kept). A user must
# never see a failure because the machine is busy; this is how that is checked.
#   scripts/stress.sh [BUILD_DIR [N [CTEST_ARGS...]]]   (as root; default: build, 10, -LE system)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then echo "stress.sh: run as root (as scripts/test.sh)" >&2; exit 1; fi
dir=${1:-build} runs=${2:-10}
shift $(($# > 2 ? 2 : $#))
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-LE system)
[ -f "$dir/CTestTestfile.cmake" ] || { echo "stress.sh: $dir is not a built tree (cmake --build $dir first)" >&2; exit 1; }

# The hog: one busy process at normal priority, for as long as the runs last.
( trap 'exit 0' TERM; while :; do :; done ) &
hog=$!
trap 'kill $hog 2>/dev/null; wait $hog 2>/dev/null' EXIT

for i in $(seq 1 "$runs"); do
  log=$dir/stress-$i.log
  if (cd "$dir" && ctest --output-on-failure --no-tests=error -j 1 "${args[@]}") >"$log" 2>&1; then
    echo "stress.sh: run $i of $runs passed under load"
  else
    echo "stress.sh: run $i of $runs FAILED under load; see $log" >&2
    grep -E '^ *[0-9]+ - .*\(Failed|Timeout\)' "$log" >&2 || true
    exit 1
  fi
done
echo "stress.sh: $runs runs in a row passed with a CPU hog running"
