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
#   bench_deque   `schedlab bench deque --json` with few items: the native build's keys, plus the
#                 C11 reference deque measured beside the assembly (c11_*, asm_vs_c11_*: the
#                 ratios are printed), "deque" naming the variant and "emulated": true
#   bench_deque_L the issue's command line, `qemu-aarch64 -L /usr/aarch64-linux-gnu ... bench
#                 deque`: the regression test of the loader schedlab names (Makefile, aarch64
#                 block). With /lib/ld-linux-aarch64.so.1, -L pairs the cross toolchain's loader
#                 with the multiarch libc.so.6, and the first pthread_create (the contended
#                 phase's thief) spins for ever in glibc's stack-cache walk
#   bench_sim, bench_forkjoin  `schedlab bench sim` and `bench forkjoin` (the native runtime,
#                 fib(16) and the small UTS tree; every answer checked: "exact": 1) complete
#                 under qemu with small --items / --reps, saying "emulated": true
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

# json_val KEY: the raw value of KEY (a number, true/false, or a "string") in a JSON line.
json_val() {
  grep -o "\"$1\":[^,}]*" | head -1 | cut -d: -f2-
}

# The keys bench deque adds beside an assembly deque, and "emulator" under qemu.
ASM_DEQUE_KEYS='"asm_vs_c11_contended": "asm_vs_c11_pair": "asm_vs_c11_pair_last":
"asm_vs_c11_steal": "c11_contended_items_per_s": "c11_pair_ns": "c11_pair_last_ns":
"c11_steal_ns": "emulator":'

# bench_common OUT: the output says it was emulated and has no NaN or infinity (cJSON prints
# both as null).
bench_common() {
  if [ "$(json_val emulated <<<"$1")" != true ]; then
    echo "bench output does not say it ran under emulation" >&2
    return 1
  fi
  if grep -qiE '":(null|-?nan|-?inf)' <<<"$1"; then
    echo "bench output has a NaN or an infinity" >&2
    return 1
  fi
}

# bench_deque VARIANT QEMU_ARGS...: bench deque's keys are the native ones plus the C11
# reference's, the deque is this variant's assembly, and the asm/C11 ratios are printed. The
# native asym_* keys (the fence-free take, core/ws_deque.c (E)) exist only where the deque is C
# and the kernel has membarrier, never beside the assembly.
bench_deque() {
  local variant=$1 out; shift
  out=$(timeout -s KILL "$QEMU_TIMEOUT" qemu-aarch64 "$@" bench deque --json \
        --items 20000 --reps 3) || return 1
  echo "$out"
  bench_common "$out" || return 1
  local want
  want=$( (json_keys <<<"$native_deque" | grep -v '^"asym_'; tr ' ' '\n' <<<"$ASM_DEQUE_KEYS") |
         grep . | sort)
  if [ "$(json_keys <<<"$out")" != "$want" ]; then
    echo "bench deque keys are not the native build's plus the C11 reference's:" >&2
    diff <(echo "$want") <(json_keys <<<"$out") >&2
    return 1
  fi
  if [ "$(json_val deque <<<"$out")" != "\"aarch64-$variant\"" ]; then
    echo "bench deque did not measure the $variant assembly" >&2
    return 1
  fi
  local k
  for k in pair pair_last steal contended; do
    printf '   asm/C11 %-10s cost ratio %s (qemu, not hardware)\n' "$k" \
           "$(json_val "asm_vs_c11_$k" <<<"$out")"
  done
}

# bench_sim QEMU_ARGS...: bench sim prints the native build's keys (and "emulator").
bench_sim() {
  local out
  out=$(timeout -s KILL "$QEMU_TIMEOUT" qemu-aarch64 "$@" bench sim --json --items 2000 \
        --reps 1) || return 1
  bench_common "$out" || return 1
  local want
  want=$( (json_keys <<<"$native_sim"; echo '"emulator":') | sort)
  if [ "$(json_keys <<<"$out")" != "$want" ]; then
    echo "bench sim keys differ from the native build's:" >&2
    diff <(echo "$want") <(json_keys <<<"$out") >&2
    return 1
  fi
}

# bench_forkjoin QEMU_ARGS...: the native runtime's fork-join bench, every answer right. The
# OpenMP and oneTBB peers are x86-64 programs here, so it runs with --no-peers and must say so.
bench_forkjoin() {
  local out k
  out=$(timeout -s KILL "$QEMU_TIMEOUT" qemu-aarch64 "$@" bench forkjoin --json --items 16 \
        --reps 1 --no-peers) || return 1
  grep -q '"peers":"not run' <<<"$out" || { echo "bench forkjoin hides that peers were not run: $out" >&2; return 1; }
  bench_common "$out" || return 1
  for k in ns_per_task_1t ns_per_task_2t uts_ns_per_node_1t uts_ns_per_node_2t; do
    grep -q "\"$k\":" <<<"$out" || { echo "bench forkjoin lacks $k: $out" >&2; return 1; }
  done
  [ "$(json_val exact <<<"$out")" = 1 ] || { echo "bench forkjoin: wrong answer: $out" >&2; return 1; }
}

if ! submake all >/dev/null; then
  echo "aarch64: the native build failed" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
native_deque=$("$B/schedlab" bench deque --json --items 1000 --reps 1)
native_sim=$("$B/schedlab" bench sim --json --items 1000 --reps 1)

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
  check "$variant/bench_deque" bench_deque "$variant" -cpu "$cpu" "$dir/schedlab"
  check "$variant/bench_deque_L" bench_deque "$variant" -cpu "$cpu" -L /usr/aarch64-linux-gnu \
        "$dir/schedlab"
  check "$variant/bench_sim" bench_sim -cpu "$cpu" "$dir/schedlab"
  check "$variant/bench_forkjoin" bench_forkjoin -cpu "$cpu" "$dir/schedlab"
done

if [ $failed -eq 0 ]; then
  echo "aarch64: $passed passed, 0 failed"
else
  echo "aarch64: $passed passed, $failed failed: ${failures[*]}"
  exit 1
fi
