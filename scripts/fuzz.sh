#!/bin/bash
# Builds the libFuzzer targets (fuzz/, clang, ASan+UBSan) in build-fuzz and runs each one for
# SECONDS (default 60) on a copy of its seed corpus fuzz/corpus/<name>/, one after another,
# so the repository's corpus is never modified. Any crash, leak, UB report, broken invariant,
# timeout or out-of-memory fails the run; the input that did it is kept in
# build-fuzz/artifacts/ and its path printed. One summary line per target. docs/fuzzing.md.
#   scripts/fuzz.sh [SECONDS [TARGET...]]   (from anywhere; installs nothing: scripts/install-deps.sh does)
# TARGET is a name below (config, record, ...); without one, every target runs.
# SSPR_BUILD_LOCK=/path: take that flock(1) lock around the configure and build steps only
# (for a machine where other builds run at the same time).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then echo "usage: scripts/fuzz.sh [SECONDS [TARGET...]]" >&2; exit 2; fi
shift || true

# Each target and the longest input it is given: a little past what its parser accepts, so the
# size limits themselves are fuzzed (templates: 16 KiB files; answers: 1 KiB; the config
# parser refuses lines over 4 KiB).
targets=(config record shadow login_defs templates addresses answers ldap module_options status)
declare -A max_len=(
  [config]=16384 [record]=8192 [shadow]=8192 [login_defs]=4096 [templates]=20480
  [addresses]=512 [answers]=2048 [ldap]=2048 [module_options]=4096 [status]=8192
)
if [ $# -gt 0 ]; then
  for t in "$@"; do
    if [ -z "${max_len[$t]:-}" ]; then echo "fuzz.sh: no target '$t' (there are: ${targets[*]})" >&2; exit 2; fi
  done
  targets=("$@")
fi

for tool in clang clang++; do
  if ! command -v "$tool" >/dev/null; then
    echo "fuzz.sh: $tool is missing: install the Debian packages clang and libclang-rt-14-dev (scripts/install-deps.sh)" >&2
    exit 1
  fi
done
runtime_dir=$(clang --print-runtime-dir 2>/dev/null || true)
if [ ! -f "$runtime_dir/libclang_rt.fuzzer-x86_64.a" ] && [ ! -f "$runtime_dir/libclang_rt.fuzzer.a" ]; then
  echo "fuzz.sh: clang has no libFuzzer runtime (libclang_rt.fuzzer) in '$runtime_dir': install libclang-rt-14-dev" >&2
  exit 1
fi

lock=()
if [ -n "${SSPR_BUILD_LOCK:-}" ]; then lock=(flock "$SSPR_BUILD_LOCK"); fi
build=build-fuzz
mkdir -p "$build"
echo "=== fuzz: configure and build $build (clang, -fsanitize=fuzzer,address,undefined)"
if ! CC=clang CXX=clang++ "${lock[@]}" cmake -S . -B "$build" -DSSPR_FUZZ=ON -DSSPR_BUILD_TESTS=OFF \
       -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/fuzz-configure.log" 2>&1; then
  cat "$build/fuzz-configure.log" >&2
  echo "fuzz.sh: configuring $build failed" >&2
  exit 1
fi
if ! "${lock[@]}" cmake --build "$build" --target fuzzers -j "$(nproc)" >"$build/fuzz-build.log" 2>&1; then
  tail -n 60 "$build/fuzz-build.log" >&2
  echo "fuzz.sh: building the fuzz targets failed (whole log: $build/fuzz-build.log)" >&2
  exit 1
fi

artifacts=$PWD/$build/artifacts
mkdir -p "$artifacts"
work=$(mktemp -d "${TMPDIR:-/tmp}/sspr-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Every sanitizer report is fatal: ASan (leaks included) and UBSan (the targets are built with
# -fno-sanitize-recover=undefined; halt_on_error says the same at run time).
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:check_initialization_order=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:report_error_type=1

echo "=== fuzz: every target ${seconds} s, one at a time"
failed=()
started=$(date +%s)
for t in "${targets[@]}"; do
  bin=$PWD/$build/fuzz/fuzz_$t
  corpus=$work/corpus-$t
  scratch=$work/tmp-$t
  mkdir -p "$scratch"
  cp -R "fuzz/corpus/$t" "$corpus"
  log=$work/$t.log
  rc=0
  # -jobs/-workers stay at 1 (one process); nice: this is a background load on a shared machine.
  (cd "$work" && TMPDIR=$scratch nice -n 19 "$bin" -max_total_time="$seconds" -max_len="${max_len[$t]}" \
     -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/$t-" \
     "$corpus" >"$log" 2>&1) || rc=$?
  output=$(<"$log")
  cov=$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) .*/\1/p' <<<"$output" | tail -n 1)
  ft=$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) .*/\2/p' <<<"$output" | tail -n 1)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' <<<"$output" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' <<<"$output" | tail -n 1)
  files=$(find "$corpus" -type f | wc -l)
  # The exit code says it already; the report's words too, in case a sanitizer only printed.
  if [ "$rc" -eq 0 ] && [[ $output != *"ERROR: "* && $output != *"runtime error:"* && $output != *"invariant broken"* ]]; then
    status=ok
  else
    status="FAILED (exit $rc)"
    failed+=("$t")
    echo "--- fuzz_$t output (last 80 lines):"
    tail -n 80 "$log"
    artifact=$(grep -o "Test unit written to [^ ]*" <<<"$output" | tail -n 1 || true)
    echo "--- fuzz_$t: ${artifact:-no test unit written}"
    echo "--- reproduce: $build/fuzz/fuzz_$t ${artifact#Test unit written to }"
  fi
  printf 'fuzz_%-15s %5s s  %11s execs  %7s execs/s  cov: %-5s ft: %-6s corpus: %5s files  %s\n' \
    "$t" "$seconds" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$files" "$status"
done
echo "fuzz.sh: ${#targets[@]} targets in $(( $(date +%s) - started )) s"

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz.sh: FAILED: ${failed[*]} (inputs in $artifacts)" >&2
  exit 1
fi
echo "fuzz.sh: all ${#targets[@]} targets ran ${seconds} s without a crash, leak, UB report or broken invariant"
