#!/usr/bin/env bash
# Cross-builds both ARM64 deque variants and runs their self-checking programs under qemu-aarch64.
#
# For each AARCH64_ATOMICS variant (llsc: ARMv8.0 LDAXR/STLXR, run on an emulated Cortex-A57,
# which has no LSE, so a stray v8.1 instruction traps; lse: ARMv8.1 CASAL/LDADD, run on qemu's
# "max" CPU) it runs, each bounded by `timeout -s KILL`:
#   deque_stress  tests/validate/deque_stress.c, owner + 1..4 thieves: every item consumed once
#   deque_race    deque_stress --race: the owner pushes 1..3 items and takes them back while
#                 1..3 thieves steal back to back, so nearly every take races a thief for the
#                 last one or two items. This is the regression test of take's store-bottom /
#                 load-top order (the DMB ISH in core/aarch64/ws_deque.S): with STLR;LDAR there
#                 (which qemu runs without a StoreLoad barrier) it duplicated and lost items in
#                 19 of 20 runs of this size
#   deque_race_ref  the same race through the C reference (ws_deque_ref_*), as gcc compiles it
#   deque_diff    tests/aarch64/deque_diff.c, assembly against the C reference (ws_deque_ref_*)
#   bench         `schedlab bench deque --json` with few items: must print the native keys
# Criterion binaries hang under qemu-user, so every program here prints "N passed, M failed"
# and exits non-zero on failure. Called by scripts/run-tests.sh (layer "aarch64") with
# BUILD_ROOT set; prints its own "N passed, M failed" line last and exits 1 on any failure.
set -u
cd "$(dirname "$0")/.."

B=${BUILD_ROOT:-build}
QEMU_TIMEOUT=${QEMU_TIMEOUT:-90}
RACE_ITEMS=${RACE_ITEMS:-4000000}   # per round; a round takes 1-2 s under qemu
passed=0
failed=0
failures=()

for tool in aarch64-linux-gnu-gcc qemu-aarch64 timeout; do
  if ! command -v "$tool" >/dev/null; then
    echo "aarch64: $tool not found (scripts/setup.sh installs it)" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
done

# A clean sub-make: MAKEFLAGS from an outer make would carry its jobserver and its variables.
submake() {
  env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory BUILD_ROOT="$B" "$@"
}

# check NAME COMMAND...: runs one program, records pass/fail, prints its wall time.
check() {
  local name=$1; shift
  local t0 t1 rc
  t0=$(date +%s%N)
  "$@"
  rc=$?
  t1=$(date +%s%N)
  local ms=$(( (t1 - t0) / 1000000 ))
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1))
    echo "-- aarch64/$name: ok (${ms} ms under qemu)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "-- aarch64/$name: FAILED, exit $rc (${ms} ms under qemu)"
  fi
}

# JSON keys of a one-object JSON line, sorted, one a line.
json_keys() {
  grep -o '"[A-Za-z0-9_]*":' | sort
}

# bench_keys QEMU_CPU SCHEDLAB: the aarch64 bench prints valid output with the native keys.
bench_keys() {
  local cpu=$1 bin=$2 out
  out=$(timeout -s KILL "$QEMU_TIMEOUT" qemu-aarch64 -cpu "$cpu" "$bin" bench deque --json \
        --items 20000 --reps 3) || return 1
  echo "$out"
  if [ "$(json_keys <<<"$out")" != "$(json_keys <<<"$native_json")" ]; then
    echo "bench keys differ from the native build's:" >&2
    diff <(json_keys <<<"$native_json") <(json_keys <<<"$out") >&2
    return 1
  fi
}

if ! submake all >/dev/null; then
  echo "aarch64: the native build failed" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
native_json=$("$B/schedlab" bench deque --json --items 1000 --reps 1)

for variant in llsc lse; do
  if [ "$variant" = lse ]; then dir=$B/aarch64-lse cpu=max; else dir=$B/aarch64 cpu=cortex-a57; fi
  echo "== aarch64 $variant: make ARCH=aarch64 AARCH64_ATOMICS=$variant (into $dir)"
  if ! submake -j2 ARCH=aarch64 AARCH64_ATOMICS=$variant aarch64-tests; then
    failed=$((failed + 1))
    failures+=("$variant/build")
    continue
  fi
  q=(timeout -s KILL "$QEMU_TIMEOUT" qemu-aarch64 -cpu "$cpu")
  check "$variant/deque_stress" "${q[@]}" "$dir/tests/aarch64/deque_stress" --thieves 4
  check "$variant/deque_race" "${q[@]}" "$dir/tests/aarch64/deque_stress" --race \
        --items "$RACE_ITEMS" --thieves 3
  check "$variant/deque_race_ref" "${q[@]}" "$dir/tests/aarch64/deque_stress" --race --ref \
        --items "$RACE_ITEMS" --thieves 3
  check "$variant/deque_diff" "${q[@]}" "$dir/tests/aarch64/deque_diff"
  check "$variant/bench" bench_keys "$cpu" "$dir/schedlab"
done

if [ $failed -eq 0 ]; then
  echo "aarch64: $passed passed, 0 failed"
else
  echo "aarch64: $passed passed, $failed failed: ${failures[*]}"
  exit 1
fi
