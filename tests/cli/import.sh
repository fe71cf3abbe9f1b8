#!/usr/bin/env bash
# import.sh: end-to-end checks of `schedlab trace import` for Linux scheduler traces (ftrace
# `cat trace`, `trace-cmd report`, `perf script`) and WfCommons JSON: exact phases of a hand-made
# trace written in all three text forms, real traces recorded on a Linux 6.x machine, the drop
# report, imported files usable directly as TRACE, and bad inputs that fail naming file and line
# and leave nothing written.
. "$(dirname "$0")/lib.sh"
SHARED=${SCHEDLAB_SHARED:-../shared}
D=tests/data

# ---- one scenario in three text forms gives one trace, phase for phase ----
# sh(100) forks 101 and sleeps; 101 wakes "my worker"(200) (a message); 200 wakes 100 (a message),
# is preempted (R+) and sleeps; 101 exits; 100 is woken from a hard irq on the idle CPU (a timed
# sleep of 400 us) and runs 190 us more. Expected phases worked out by hand from the timestamps.
expect_exit 0 "$S" trace import ftrace $D/sched/ftrace_pingpong.txt -o "$T/ft.jsonl"
cp "$T/err" "$T/report"
expect_exit 0 "$S" trace import ftrace $D/sched/tracecmd_pingpong.txt -o "$T/tc.jsonl"
expect_exit 0 "$S" trace import perf $D/sched/perf_pingpong.txt -o "$T/pf.jsonl"
cat >"$T/want" <<'EOF'
{"id":100,"spawn":0,"phases":[["spawn",101],["run",150000],["recv"],["run",150000],["wait",400000],["run",190000]]}
{"id":101,"parent":100,"phases":[["run",80000],["send",200],["run",420000]]}
{"id":200,"spawn":0,"phases":[["recv"],["run",250000],["send",100],["run",150000]]}
EOF
for f in ft tc pf; do
  tail -n +2 "$T/$f.jsonl" >"$T/$f.body"
  cmp -s "$T/want" "$T/$f.body" || fail "$f: phases differ: $(diff "$T/want" "$T/$f.body")"
done
has "$T/report" "import: ftrace: 3 processes, 2 messages, 1 spawns, 1390000 ns of work"
has "$T/report" "import: clipped_start 1:"
has "$T/report" "import: untraced_wakers 1:"
has "$T/report" "import: trailing_sleeps 2:"
has "$T/report" "import: other_events 1:"
has "$T/report" "import: wake_not_sleeping 1:"
# directly usable as TRACE, sniffed by content or named by a spec; the walk agrees with the file
expect_exit 0 "$S" trace stats $D/sched/ftrace_pingpong.txt
has "$T/out" "critical path  1070000 ns"
expect_exit 0 "$S" trace stats "perf:$D/sched/perf_pingpong.txt"
has "$T/out" "critical path  1070000 ns"
has "$T/out" "canonical      perf:$D/sched/perf_pingpong.txt"
expect_exit 0 "$S" trace stats "$T/ft.jsonl"
has "$T/out" "critical path  1070000 ns"
expect_exit 0 "$S" replay $D/sched/tracecmd_pingpong.txt --topology synth:p=2 --no-db --json
has "$T/out" '"processes":3'

# ---- real traces recorded on this machine (Linux 6.18): pid-filtered ftrace of a shell pipeline,
# and `perf script` of `perf sched record -- sh pipeline.sh` (system-wide, with perf's own
# start-up, lost switches and ":-1 -1" lines) ----
expect_exit 0 "$S" trace import ftrace $D/sched/ftrace_pipeline_real.txt -o "$T/real_ft.jsonl"
has "$T/err" "import: ftrace: 13 processes, 49 messages, 6 spawns"
has "$T/err" "import: inconsistent 3:"
expect_exit 0 "$S" trace import perf $D/sched/perf_sched_pipeline_real.txt -o "$T/real_pf.jsonl"
has "$T/err" "import: perf: 29 processes, 80 messages, 10 spawns"
has "$T/err" "import: unknown_context 4:"
has "$T/err" "import: other_events 203:"
for f in $D/sched/ftrace_pipeline_real.txt $D/sched/perf_sched_pipeline_real.txt; do
  expect_exit 0 "$S" trace stats "$f"
  grep -q "^critical path  [0-9]* ns" "$T/out" || fail "$f: no critical path: $(cat "$T/out")"
  for st in locality random; do
    expect_exit 0 "$S" replay "$f" --topology synth:p=2 --strategy $st --no-db --json
  done
done

# ---- bad scheduler traces: file and line, exit 1, nothing written, existing output untouched ----
head -20 $D/sched/perf_pingpong.txt >"$T/bad.perf"
echo "            perf 12 [000]  1000.900000: sched:sched_switch: prev_pid=1 garbage" >>"$T/bad.perf"
echo keep >"$T/keep.jsonl"
expect_exit 1 "$S" trace import perf "$T/bad.perf" -o "$T/keep.jsonl"
has "$T/err" "$T/bad.perf:20: sched_switch:"
[ "$(cat "$T/keep.jsonl")" = keep ] || fail "a failed import touched the existing output"
ls "$T"/keep.jsonl.tmp* >/dev/null 2>&1 && fail "a failed import left a temporary file"
printf 'this is not perf output\n' >"$T/junk.perf"
expect_exit 1 "$S" trace import perf "$T/junk.perf" -o "$T/junk.jsonl"
has "$T/err" "$T/junk.perf:1: cannot read this line as perf script output"
[ -e "$T/junk.jsonl" ] && fail "a failed import wrote its output"
head -12 $D/sched/ftrace_pingpong.txt >"$T/cut.txt"   # the header only: no events
expect_exit 1 "$S" trace import ftrace "$T/cut.txt" -o "$T/cut.jsonl"
has "$T/err" "no events"
{ head -16 $D/sched/ftrace_pingpong.txt; sed -n 17p $D/sched/ftrace_pingpong.txt | head -c 60; echo; } \
  >"$T/trunc.txt"   # the last line cut in the middle of its event name
expect_exit 1 "$S" trace import ftrace "$T/trunc.txt" -o "$T/trunc.jsonl"
has "$T/err" "$T/trunc.txt:17:"

# ---- WfCommons ----
W=$D/wfcommons
expect_exit 0 "$S" trace import wfcommons $W/wf14_multicore.json -o "$T/wf.jsonl"
has "$T/err" "import: wfcommons: 5 processes, 5 messages, 0 spawns, 11500000000 ns of work"
has "$T/err" "import: multicore_split 1:"
has "$T/err" "import: one_sided_edges 2:"
has "$T/err" "import: files 2:"
has "$T/err" "import: avg_cpu 1:"
has "$T/err" "import: machines 1:"
# the 2-core task is a head and a helper: work 2 x 4 s, critical path unchanged (1 + 4 + 2 s)
expect_exit 0 "$S" trace stats "$T/wf.jsonl"
has "$T/out" "critical path  7000000000 ns"
expect_exit 0 "$S" trace import wf $W/wf14_multicore.json -o "$T/wfs.jsonl" --multicore serial
has "$T/err" "import: multicore_serial 1:"
expect_exit 0 "$S" trace stats "wfcommons:$W/wf14_multicore.json,multicore=serial"
has "$T/out" "critical path  11000000000 ns"
has "$T/out" "total work     11500000000 ns"
expect_exit 1 "$S" trace import wfcommons $W/wf15_missing_parent.json -o "$T/x.jsonl"
has "$T/err" "$W/wf15_missing_parent.json:8: tasks[1] 'b': parents[1]: no task 'ghost'"
expect_exit 1 "$S" trace import wfcommons $W/wf15_cycle.json -o "$T/x.jsonl"
has "$T/err" "$W/wf15_cycle.json:9: cycle in the workflow: task 'c' <- 'b' <- 'c'"
[ -e "$T/x.jsonl" ] && fail "a failed wfcommons import wrote its output"
head -c 300 $W/wf14_multicore.json >"$T/trunc.json"
expect_exit 1 "$S" trace import wfcommons "$T/trunc.json" -o "$T/x.jsonl"
has "$T/err" "malformed JSON (the file ends early: truncated?)"
if [ -f "$SHARED/traces/wfcommons/SUMMARY.tsv" ]; then
  f="$SHARED/traces/wfcommons/helloworld/helloworld-forkjoin-10-chameleon.json"
  expect_exit 0 "$S" trace import wfcommons "$f" -o "$T/hw.jsonl"
  has "$T/err" "import: wfcommons: 10 processes, 16 messages"
  expect_exit 0 "$S" replay "$f" --topology synth:p=48 --zero-overheads --no-preempt --no-db --json
  has "$T/out" '"makespan_ns":307'
else
  skip_check "the real WfCommons checks: $SHARED/traces/wfcommons is missing"
fi

# ---- an Erlang VM recording, phase for phase (no VM needed) ----
# The root spawns 2, takes an outside message (no RECV) and goes out; 2 runs and sends to the
# root, which was blocked in receive: its next slice began because that message came, so all of
# the slice (200 ns up to the receive's trace, 300 after) follows the RECV, where nothing of it
# could run before the message (on another core, alongside the sender).
cat >"$T/r.beam" <<'EOF'
schedlab-beam 1
schedulers 1
otp 25
bind unbound
in 0 1 1
spawn 100 1 1 2
recv 300 1 1 0
out 400 1 1
in 500 1 2
send 700 1 2 1 7
exit 800 1 2
in 1000 1 1
recv 1200 1 1 7
exit 1500 1 1
end 10
EOF
expect_exit 0 "$S" trace import beam "$T/r.beam" -o "$T/r.jsonl"
cat >"$T/want" <<'EOF'
{"id":1,"spawn":0,"phases":[["run",100],["spawn",2],["run",300],["recv"],["run",500]]}
{"id":2,"parent":1,"phases":[["run",200],["send",1],["run",100]]}
EOF
tail -n +2 "$T/r.jsonl" >"$T/r.body"
cmp -s "$T/want" "$T/r.body" || fail "beam: phases differ: $(diff "$T/want" "$T/r.body")"

# ---- the command line ----
expect_exit 2 "$S" trace import xml foo -o "$T/x.jsonl"
has "$T/err" "unknown format 'xml'"
expect_exit 2 "$S" trace import perf $D/sched/perf_pingpong.txt -o "$T/x.jsonl" --unit-ns 5
expect_exit 2 "$S" trace import stg foo.stg
expect_exit 1 "$S" trace import perf "$T/missing.txt" -o "$T/x.jsonl"
has "$T/err" "$T/missing.txt: cannot open"

finish import.sh
