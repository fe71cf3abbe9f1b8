#!/usr/bin/env bash
# The native runtime on ARM64: cross-builds schedlab for aarch64 (with the assembly deque, LL/SC
# variant, into $BUILD_ROOT/aarch64) and runs `schedlab native` under qemu-aarch64 with 4 worker
# threads: fib:25 must give 75025 from 242,785 processes and uts:T1 exactly 4,130,071 nodes
# (the published size). Each run is bounded by `timeout -s KILL` (the whole script takes about
# 10 s under qemu). Called by scripts/run-tests.sh's aarch64 layer (or on its own) with
# BUILD_ROOT set; prints "aarch64-native: N passed, M failed" last and exits 1 on any failure.
set -u
cd "$(dirname "$0")/.."

B=${BUILD_ROOT:-build}
QEMU_TIMEOUT=${QEMU_TIMEOUT:-50}
passed=0
failed=0
failures=()

for tool in aarch64-linux-gnu-gcc qemu-aarch64 timeout; do
  if ! command -v "$tool" >/dev/null; then
    echo "aarch64-native: $tool not found (scripts/setup.sh installs it)" >&2
    echo "aarch64-native: 0 passed, 1 failed"
    exit 1
  fi
done

# A clean sub-make: MAKEFLAGS from an outer make would carry its jobserver and its variables.
submake() {
  env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory BUILD_ROOT="$B" "$@"
}

# check NAME WORKLOAD KEY VALUE [KEY VALUE]: a native run under qemu whose JSON has these values.
check() {
  local name=$1 workload=$2; shift 2
  local t0 out rc ok=1
  t0=$(date +%s%N)
  out=$(timeout -s KILL "$QEMU_TIMEOUT" qemu-aarch64 -cpu cortex-a57 "$B/aarch64/schedlab" \
        native "$workload" --threads 4 --no-db --json 2>&1)
  rc=$?
  local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  [ $rc -eq 0 ] || ok=0
  while [ $# -ge 2 ]; do
    grep -q "\"$1\":$2[,}]" <<<"$out" || ok=0
    shift 2
  done
  if [ $ok = 1 ]; then
    passed=$((passed + 1))
    echo "-- aarch64-native/$name: ok (${ms} ms under qemu)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "-- aarch64-native/$name: FAILED, exit $rc (${ms} ms under qemu): $out"
  fi
}

echo "== aarch64-native: make ARCH=aarch64 all (into $B/aarch64)"
if ! submake -j2 ARCH=aarch64 AARCH64_ATOMICS=llsc all; then
  echo "aarch64-native: 0 passed, 1 failed: build"
  exit 1
fi
check fib25 fib:25 result 75025 processes 242785 threads 4 affinity_violations 0
check utsT1 uts:T1 nodes 4130071 processes 4130071 threads 4

if [ $failed -eq 0 ]; then
  echo "aarch64-native: $passed passed, 0 failed"
else
  echo "aarch64-native: $passed passed, $failed failed: ${failures[*]}"
  exit 1
fi
