#!/usr/bin/env bash
# import_scale.sh: the ftrace and perf-sched importers at the scale of a system-wide recording:
# a generated recording of 10,000 threads created by forks (far past the importers' first
# allocation of 256 threads, where a pointer kept across growth once crashed) imports and
# replays in both text forms with exact counts; a trace spanning just under 2^53 ns imports.
# `make test` runs it twice: with build/schedlab and with the ASan+UBSan build.
. "$(dirname "$0")/lib.sh"
N=10000

# One CPU, one event per microsecond. Thread 1 runs from before the trace; thread i (2..n) is
# forked by thread int(i/2) (a binary tree), runs and sleeps; then, children before parents, each
# thread is woken by its parent and exits. A sleeping thread is woken (by the running thread: a
# message) before it runs again, so every wake-up is a message and the CPU is never idle.
GEN='
function ev(ctx, name, payload) {
  t++
  ts = sprintf("%d.%06d", 1000 + int(t / 1000000), t % 1000000)
  if (fmt == "perf")
    printf "%16s %6d [000] %s: sched:%s: %s\n", "t" ctx, ctx, ts, name, payload
  else
    printf "%16s [000] d..2. %s: %s: %s\n", "t" ctx "-" ctx, ts, name, payload
}
function sw(st, b) {
  ev(cur, "sched_switch", "prev_comm=t" cur " prev_pid=" cur " prev_prio=120 prev_state=" st \
     " ==> next_comm=t" b " next_pid=" b " next_prio=120")
  if (st == "S") asleep[cur] = 1
  cur = b
}
function go(b) {
  if (cur == b) return
  if (asleep[b]) ev(cur, "sched_waking", "comm=t" b " pid=" b " prio=120 target_cpu=000")
  asleep[b] = 0
  sw("R", b)
}
BEGIN {
  cur = 1
  if (fmt != "perf") print "# tracer: nop"
  for (i = 2; i <= n; i++) {
    go(int(i / 2))
    ev(cur, "sched_process_fork", "comm=t" cur " pid=" cur " child_comm=t" cur " child_pid=" i)
    sw("R", i)
    sw("S", int(i / 2))
  }
  for (i = n; i >= 2; i--) {
    go(int(i / 2))
    go(i)
    ev(i, "sched_process_exit", "comm=t" i " pid=" i " prio=120")
    sw("X", int(i / 2))
  }
}'

for f in ftrace perf; do
  awk -v n=$N -v fmt=$f "$GEN" >"$T/rec.$f"
  events=$(grep -c ' \[000\] ' "$T/rec.$f")
  wakes=$(grep -c 'sched_waking' "$T/rec.$f")
  [ "$(grep -c sched_process_fork "$T/rec.$f")" -eq $((N - 1)) ] || fail "$f: generator"
  # Every thread is a process (none added); every fork a spawn, every wake-up a message; the one
  # CPU is busy from the first event to the last, 1 us per event.
  expect_exit 0 "$S" trace import $f "$T/rec.$f" -o "$T/$f.jsonl"
  has "$T/err" "import: $f: $N processes, $wakes messages, $((N - 1)) spawns, $(((events - 1) * 1000)) ns of work"
  has "$T/err" "import: clipped_start 1:"
  has "$T/err" "import: clipped_end 1:"
  [ "$(grep -c '^import: ' "$T/err")" -eq 3 ] || fail "$f: unexpected notes: $(cat "$T/err")"
  has "$T/$f.jsonl" "\"roots\":1,\"processes\":$N,"
  [ "$(tail -n +2 "$T/$f.jsonl" | wc -l)" -eq $N ] || fail "$f: not $N process lines"
  has "$T/$f.jsonl" '{"id":2,"parent":1,"phases":[["run",1000],["recv"],["run",1000],["spawn",4],'
  has "$T/$f.jsonl" "{\"id\":$N,\"parent\":$((N / 2)),\"phases\":[[\"run\",1000],[\"recv\"],[\"run\",2000]]}"
  # replayed straight from the recording
  expect_exit 0 "$S" replay "$f:$T/rec.$f" --topology m1 --no-db --json
  has "$T/out" "\"processes\":$N,"
  has "$T/out" "\"messages\":$wakes,"
done
tail -n +2 "$T/ftrace.jsonl" >"$T/ftrace.body"
tail -n +2 "$T/perf.jsonl" >"$T/perf.body"
cmp -s "$T/ftrace.body" "$T/perf.body" || fail "ftrace and perf forms give different processes"

# ---- times: a trace may span up to 2^53 ns; 2^53 - 1 ns after the first event still imports ----
cat >"$T/long.ftrace" <<'EOF'
          sh-100 [000] d..2. 1000.000000000: sched_switch: prev_comm=sh prev_pid=100 prev_prio=120 prev_state=S ==> next_comm=w next_pid=200 next_prio=120
           w-200 [000] d..2. 9008199.254740991: sched_switch: prev_comm=w prev_pid=200 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120
EOF
expect_exit 0 "$S" trace import ftrace "$T/long.ftrace" -o "$T/long.jsonl"
has "$T/long.jsonl" '{"id":200,"spawn":0,"phases":[["run",9007199254740991]]}'
sed 's/9008199.254740991/9008199.254740993/' "$T/long.ftrace" >"$T/longer.ftrace"
expect_exit 1 "$S" trace import ftrace "$T/longer.ftrace" -o "$T/longer.jsonl"
has "$T/err" "longer.ftrace:2: timestamp: 9007199254740993 ns after the first event (line 1), beyond the limit of 2^53 ns"
[ -e "$T/longer.jsonl" ] && fail "a failed import left $T/longer.jsonl"

finish import_scale "$N threads"
