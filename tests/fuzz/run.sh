#!/usr/bin/env bash
# Runs every libFuzzer target of $FUZZ_DIR (built by `make fuzz-build`) for $FUZZ_SECONDS each,
# $FUZZ_JOBS at a time, starting from its seed corpus and regression inputs; exits non-zero and
# names the crashing input if any target crashed, leaked, timed out or ran out of memory.
#
#   FUZZ_DIR      folder of the fuzz_NAME binaries (default build/fuzz)
#   FUZZ_SECONDS  seconds per target (default 20)
#   FUZZ_JOBS     targets run at once (default 2)
#   FUZZ_TARGETS  space-separated names to run (default: every binary)
#
# New interesting inputs go to $FUZZ_DIR/corpus/NAME (never into the source tree); crashes to
# $FUZZ_DIR/artifacts/NAME/. To keep a crash as a regression test, minimise it
# ($FUZZ_DIR/fuzz_NAME -minimize_crash=1 -runs=10000 FILE), fix the bug, and copy the input to
# tests/fuzz/regressions/NAME/: `make test` replays that folder (and the seed corpus) with the
# gcc-built replayers of tests/fuzz/replay_main.c.
set -u
cd "$(dirname "$0")/../.."
FUZZ_DIR=${FUZZ_DIR:-build/fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
FUZZ_JOBS=${FUZZ_JOBS:-2}

targets=()
if [ -n "${FUZZ_TARGETS:-}" ]; then
  for n in $FUZZ_TARGETS; do targets+=("$n"); done
else
  for b in "$FUZZ_DIR"/fuzz_*; do
    [ -x "$b" ] && [ -f "$b" ] || continue
    targets+=("$(basename "$b" | sed 's/^fuzz_//')")
  done
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no targets in $FUZZ_DIR (run make fuzz-build)" >&2
  exit 1
fi

# One target: returns libFuzzer's status; its log is $FUZZ_DIR/logs/NAME.log.
run_one() {
  local name=$1
  local work=$FUZZ_DIR/corpus/$name art=$FUZZ_DIR/artifacts/$name/ log=$FUZZ_DIR/logs/$name.log
  rm -rf "$art"
  mkdir -p "$work" "$art" "$FUZZ_DIR/logs"
  local dirs=("$work")
  for d in tests/fuzz/corpus/$name tests/fuzz/regressions/$name; do
    [ -d "$d" ] && dirs+=("$d")
  done
  local dict=() max_len=8192
  [ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
  # WfCommons instances are bigger; seed from the shared ones (LGPL: not copied into the tree).
  if [ "$name" = wfcommons ]; then
    max_len=32768
    local shared=${SCHEDLAB_SHARED:-../shared}/traces/wfcommons
    [ -d "$shared" ] && find "$shared" -name '*.json' -size -32k -exec cp -n {} "$work/" \;
  fi
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    "$FUZZ_DIR/fuzz_$name" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
    -malloc_limit_mb=1024 -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$art" \
    "${dict[@]}" "${dirs[@]}" > "$log" 2>&1
}

failed=()
pids=()
names=()
i=0
for name in "${targets[@]}"; do
  run_one "$name" &
  pids+=($!)
  names+=("$name")
  i=$((i + 1))
  # Keep at most FUZZ_JOBS running: wait for the oldest.
  if [ ${#pids[@]} -ge "$FUZZ_JOBS" ]; then
    if ! wait "${pids[0]}"; then failed+=("${names[0]}"); fi
    pids=("${pids[@]:1}")
    names=("${names[@]:1}")
  fi
done
for k in "${!pids[@]}"; do
  if ! wait "${pids[$k]}"; then failed+=("${names[$k]}"); fi
done

for name in "${targets[@]}"; do
  log=$FUZZ_DIR/logs/$name.log
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  echo "fuzz $name: ${runs:-?} inputs in ${FUZZ_SECONDS} s, ${cov:-cov: ?}, corpus $(ls "$FUZZ_DIR/corpus/$name" | wc -l) new"
done
if [ ${#failed[@]} -gt 0 ]; then
  for name in "${failed[@]}"; do
    echo "fuzz $name: FAILED; log $FUZZ_DIR/logs/$name.log, input(s):"
    ls "$FUZZ_DIR/artifacts/$name/" | sed "s|^|  $FUZZ_DIR/artifacts/$name/|"
    grep -m1 -E 'ERROR|SUMMARY|broken' "$FUZZ_DIR/logs/$name.log" | sed 's/^/  /'
  done
  exit 1
fi
