#!/usr/bin/env bash
# stg.sh: end-to-end checks of the STG importer: `trace stats` critical path equals the CP
# Length comment and the message count equals the file's edge count (a sample of stg/50, stg/100
# and the real applications; tests/validate/stg_bounds checks every graph), cost units, specs
# with options, direct replay of a .stg file, and bad files (cycle, missing predecessor,
# truncated) failing with file and line and writing nothing. The full Graham-bound sweep is
# tests/validate/stg_bounds.c.
. "$(dirname "$0")/lib.sh"
SHARED=${SCHEDLAB_SHARED:-../shared}
G=$SHARED/traces/stg
D=tests/data/stg

field() { awk -v k="$2" '$0 ~ "^" k {print $(NF-1); exit}' "$1"; }   # "critical path  N ns" -> N

# ---- bad files: file, line and field named; exit 1; nothing written ----
expect_exit 1 "$S" trace import stg $D/cycle.stg -o "$T/x.jsonl"
has "$T/err" "$D/cycle.stg:6: cycle in the task graph: task 3 <- 2 <- 3"
expect_exit 1 "$S" trace import stg $D/missing_pred.stg -o "$T/x.jsonl"
has "$T/err" "$D/missing_pred.stg:4: pred[0]: predecessor 9 does not exist (tasks are 0..4)"
expect_exit 1 "$S" trace stats $D/cycle.stg
has "$T/err" "cycle in the task graph"
[ -e "$T/x.jsonl" ] && fail "a failed import wrote its output"
printf '3\n0 0 0\n1 5 1 0\n2 5 x 1\n' >"$T/junk.stg"
expect_exit 1 "$S" trace stats "$T/junk.stg"
has "$T/err" "$T/junk.stg:4: npred: not a non-negative integer: 'x'"
printf '3\n0 0 0\n1 5 1 0\n2 5 2 1\n' >"$T/short.stg"
expect_exit 1 "$S" trace stats "$T/short.stg"
has "$T/err" "$T/short.stg:4: pred[1]: missing (the line ends early)"
expect_exit 2 "$S" trace import stg $D/cycle.stg -o "$T/x.jsonl" --unit-ns 0
expect_exit 1 "$S" trace stats "stg:$D/greedy_fanout.stg,unit=-3"
has "$T/err" "unit: want ns per cost unit"

# ---- units and specs on the hand-made graph (work 321 units, critical path 128) ----
expect_exit 0 "$S" trace stats $D/greedy_fanout.stg
has "$T/out" "total work     321000 ns"
has "$T/out" "critical path  128000 ns"
has "$T/out" "canonical      stg:$D/greedy_fanout.stg,unit=1000"
expect_exit 0 "$S" trace stats "stg:$D/greedy_fanout.stg,unit=1"
has "$T/out" "critical path  128 ns"
sum1=$(sha1sum $D/greedy_fanout.stg | cut -d' ' -f1)
expect_exit 0 "$S" trace stats --json $D/greedy_fanout.stg
has "$T/out" "\"checksum\":\"$sum1\""
expect_exit 0 "$S" trace stats --json "stg:$D/greedy_fanout.stg,unit=1"
grep -qF "$sum1" "$T/out" && fail "a different unit must give a different checksum"
expect_exit 0 "$S" trace import stg $D/greedy_fanout.stg -o "$T/g.jsonl" --unit-ns 1000000
has "$T/err" "import: stg: 5 processes, 3 messages, 0 spawns, 321000000 ns of work"
has "$T/err" "import: dummy_tasks 2:"
has "$T/err" "import: dummy_edges 6:"
expect_exit 0 "$S" trace stats "$T/g.jsonl"
has "$T/out" "critical path  128000000 ns"
expect_exit 0 "$S" replay $D/greedy_fanout.stg --topology synth:p=8 --zero-overheads --no-preempt \
  --no-db --json
has "$T/out" '"makespan_ns":128000,'

if [ ! -d "$G/50" ]; then
  echo
  skip_check "the STG data checks: $G/50 is missing (set SCHEDLAB_SHARED)"
  echo
else
  # ---- CP Length and edge counts of a sample (every graph: tests/validate/stg_bounds) ----
  n=0
  for f in $G/50/rand0000.stg $G/50/rand0015.stg $G/50/rand0179.stg $G/100/rand0000.stg \
           $G/100/rand0086.stg $G/100/rand0179.stg $G/real_apps/robot.stg $G/real_apps/fpppp.stg \
           $G/real_apps/sparse.stg; do
    want=$(awk -F: '/CP Length/ {gsub(/ /, "", $2); print $2}' "$f")
    edges=$(awk '/^# *Edges/ {for (i = 1; i <= NF; i++) if ($i == ":") {print $(i+1); exit}}' "$f")
    expect_exit 0 "$S" trace import stg "$f" -o "$T/i.jsonl"
    got_e=$(sed -n 's/^import: stg: [0-9]* processes, \([0-9]*\) messages.*/\1/p' "$T/err")
    [ "$got_e" = "$edges" ] || fail "$f: $got_e messages, the file says $edges edges"
    expect_exit 0 "$S" trace stats "$T/i.jsonl"
    got=$(field "$T/out" "critical path")
    [ "$got" = "$((want * 1000))" ] || fail "$f: critical path $got ns, CP Length $want"
    n=$((n + 1))
  done
  # rand0015 on 2 cores: bound max(CP, W/2) = 262 but the proven optimum is 264
  f=$G/50/rand0015.stg
  for st in $("$S" --list-strategies); do
    expect_exit 0 "$S" replay "$f" --topology synth:p=2 --strategy $st --zero-overheads \
      --no-preempt --no-db --json
    mk=$(sed -n 's/.*"makespan_ns":\([0-9]*\),.*/\1/p' "$T/out")
    [ -n "$mk" ] && [ "$mk" -ge 264000 ] || fail "$f m=2 $st: makespan $mk ns < optimum 264 us"
  done
  echo "stg.sh: CP Length and edges of $n graphs"
fi

finish stg.sh
