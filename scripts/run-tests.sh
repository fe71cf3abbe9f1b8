#!/usr/bin/env bash
# Runs every test layer that `make tests-build` produced and prints one summary line.
#
# Layers:
#   unit       $BUILD_ROOT/tests/unit_tests (Criterion; every tests/unit/*.c)
#   validate   build/tests/validate/* (self-checking stress programs; exit 0 = pass)
#   tsan       the validate programs again, built with SAN=thread, with --quick
#   cli        tests/cli/*.sh (end-to-end checks of build/schedlab; SCHEDLAB names the binary)
#   aarch64    scripts/test-aarch64.sh when present (cross-built programs under qemu)
set -u
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=()
start=$(date +%s)

run() {
  local name=$1; shift
  local t0=$(date +%s)
  echo "== $name"
  if "$@"; then
    passed=$((passed + 1))
    echo "-- $name: ok ($(( $(date +%s) - t0 )) s)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "-- $name: FAILED ($(( $(date +%s) - t0 )) s)"
  fi
}

B=${BUILD_ROOT:-build}
export SCHEDLAB=$PWD/$B/schedlab
export SCHEDLAB_SHARED=${SCHEDLAB_SHARED:-$PWD/../shared}

run unit $B/tests/unit_tests --jobs 2
for v in $B/tests/validate/*; do
  [ -x "$v" ] && [ -f "$v" ] || continue
  run "validate/$(basename "$v")" "$v"
done
for v in $B/san-thread/tests/validate/*; do
  [ -x "$v" ] && [ -f "$v" ] || continue
  run "tsan/$(basename "$v")" env TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" "$v" --quick
done
for t in tests/cli/*.sh; do
  [ -f "$t" ] || continue
  run "cli/$(basename "$t" .sh)" bash "$t"
done
if [ -f scripts/test-aarch64.sh ]; then
  run aarch64 bash scripts/test-aarch64.sh
fi

echo
if [ $failed -eq 0 ]; then
  echo "make test: $passed passed, 0 failed ($(( $(date +%s) - start )) s)"
else
  echo "make test: $passed passed, $failed failed: ${failures[*]} ($(( $(date +%s) - start )) s)"
  exit 1
fi
