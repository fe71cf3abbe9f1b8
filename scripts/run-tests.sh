#!/usr/bin/env bash
# Runs every test layer that `make tests-build` produced and prints one summary line.
#
# Layers:
#   layers     scripts/check-layers.sh (no #include reaches up or sideways across sim/ folders)
#   unit       $BUILD_ROOT/tests/unit_tests (Criterion; every tests/unit/*.c)
#   validate   build/tests/validate/* (self-checking stress programs; exit 0 = pass)
#   tsan       the validate programs again, built with SAN=thread, with --quick
#   cli        tests/cli/*.sh (end-to-end checks of build/schedlab; SCHEDLAB names the binary;
#              lib.sh is their shared set-up, not a test)
#   aarch64    scripts/test-aarch64.sh when present (cross-built programs under qemu)
#   asan, fuzz see the hardening block below
set -u
cd "$(dirname "$0")/.."

passed=0
failed=0
skipped=0
failures=()
skips=()          # layers that did not run at all (exit 77)
partial=()        # layers that passed with some of their checks skipped
start=$(date +%s)
SKIP_DIR=$(mktemp -d)
trap 'rm -rf "$SKIP_DIR"' EXIT

# run NAME CMD...: one layer. Exit 0 passes, 77 means the layer was skipped (its data or tool is
# missing), anything else fails. A layer that passes but skipped some checks appends a line per
# skipped check to $TEST_SKIP_FILE; it counts as passed and is named in the summary.
run() {
  local name=$1; shift
  local t0=$(date +%s) rc
  export TEST_SKIP_FILE=$SKIP_DIR/$passed-$failed-$skipped
  : > "$TEST_SKIP_FILE"
  echo "== $name"
  "$@"
  rc=$?
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1))
    if [ -s "$TEST_SKIP_FILE" ]; then
      partial+=("$name ($(wc -l < "$TEST_SKIP_FILE") skipped)")
      echo "-- $name: ok, with skipped checks ($(( $(date +%s) - t0 )) s)"
    else
      echo "-- $name: ok ($(( $(date +%s) - t0 )) s)"
    fi
  elif [ $rc -eq 77 ]; then
    skipped=$((skipped + 1))
    skips+=("$name")
    echo "-- $name: SKIPPED ($(( $(date +%s) - t0 )) s)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "-- $name: FAILED ($(( $(date +%s) - t0 )) s)"
  fi
}

B=${BUILD_ROOT:-build}
export SCHEDLAB=$PWD/$B/schedlab
export SCHEDLAB_SHARED=${SCHEDLAB_SHARED:-$PWD/../shared}

run layers bash scripts/check-layers.sh
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
  [ "$(basename "$t")" = lib.sh ] && continue   # the scripts' shared helpers, not a test
  run "cli/$(basename "$t" .sh)" bash "$t"
done
if [ -f scripts/test-aarch64.sh ]; then
  run aarch64 bash scripts/test-aarch64.sh
fi
if [ -f scripts/test-aarch64-native.sh ]; then
  run aarch64-native bash scripts/test-aarch64-native.sh
fi

# ---- hardening layers: sanitizer builds, bad inputs, fuzz replays and short fuzzing --------
#   asan   the ASan+UBSan build of `make hardening-build` ($B/san-address,undefined): the unit
#          tests (fault injection included, with LeakSanitizer), the validate programs with
#          --quick, the bad-input corpus, and each fuzz target's seed corpus and regression
#          inputs (tests/fuzz/{corpus,regressions}/NAME) replayed once
#   fuzz   each libFuzzer target of $B/fuzz for FUZZ_TEST_SECONDS (default 10; 0 skips), two
#          at a time; longer runs: make fuzz FUZZ_SECONDS=N
A=$B/san-address,undefined
SAN_ENV=(env FUZZ_REPLAY_STORE=1 LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0
         ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1
         UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1)
if [ -x "$A/tests/unit_tests" ]; then
  run asan/unit "${SAN_ENV[@]}" "$A/tests/unit_tests" --jobs 2
  for v in "$A"/tests/validate/*; do
    [ -x "$v" ] && [ -f "$v" ] || continue
    run "asan/validate/$(basename "$v")" "${SAN_ENV[@]}" "$v" --quick
  done
  run asan/bad_inputs "${SAN_ENV[@]}" SCHEDLAB="$PWD/$A/schedlab" bash tests/cli/bad_inputs.sh
  run asan/import_scale "${SAN_ENV[@]}" SCHEDLAB="$PWD/$A/schedlab" bash tests/cli/import_scale.sh
  run asan/trace_limits "${SAN_ENV[@]}" SCHEDLAB="$PWD/$A/schedlab" bash tests/cli/trace_limits.sh
  for f in "$A"/tests/fuzz/fuzz_*; do
    [ -x "$f" ] && [ -f "$f" ] || continue
    n=${f##*/fuzz_}
    dirs=()
    for d in tests/fuzz/corpus/$n tests/fuzz/regressions/$n; do [ -d "$d" ] && dirs+=("$d"); done
    run "asan/fuzz-replay/$n" "${SAN_ENV[@]}" "$f" "${dirs[@]}"
  done
else
  echo "== asan: $A/tests/unit_tests missing (make hardening-build)"
  failed=$((failed + 1)); failures+=(asan)
fi
if [ "${FUZZ_TEST_SECONDS:-10}" = 0 ]; then
  skipped=$((skipped + 1)); skips+=("fuzz (FUZZ_TEST_SECONDS=0)")
  echo "-- fuzz: SKIPPED (FUZZ_TEST_SECONDS=0)"
elif ! ls "$B"/fuzz/fuzz_* > /dev/null 2>&1; then
  skipped=$((skipped + 1)); skips+=("fuzz (no libFuzzer build: clang-14 missing)")
  echo "-- fuzz: SKIPPED (no libFuzzer targets in $B/fuzz)"
else
  run fuzz env FUZZ_DIR="$B/fuzz" FUZZ_SECONDS="${FUZZ_TEST_SECONDS:-10}" FUZZ_JOBS=2 \
      bash tests/fuzz/run.sh
fi
# ---- end hardening layers -------------------------------------------------------------------

echo
[ ${#skips[@]} -gt 0 ] && echo "skipped layers: $(IFS=';'; echo "${skips[*]}")"
[ ${#partial[@]} -gt 0 ] && echo "passed with skipped checks: $(IFS=';'; echo "${partial[*]}")"
if [ $failed -eq 0 ]; then
  echo "make test: $passed passed, $skipped skipped, 0 failed ($(( $(date +%s) - start )) s)"
else
  echo "make test: $passed passed, $skipped skipped, $failed failed: ${failures[*]}" \
       "($(( $(date +%s) - start )) s)"
  exit 1
fi
