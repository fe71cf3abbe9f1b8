#!/usr/bin/env bash
# native.sh: `schedlab native`, `validate` and `bench forkjoin` end to end: native --json carries
# every key of replay --json; exact answers (fib, nqueens, UTS) on 1 and 2 workers; a run stored
# with mode native and a row per core; strict affinity keeps every process on its core; a trace
# replayed natively; usage errors exit 2 and failed runs exit 1 without rows; validate reports
# native, simulated and relative error per metric; bench forkjoin prints the native and peer
# keys in one run, and fails naming a missing peer (small sizes). About 3 s.
. "$(dirname "$0")/lib.sh"
keys() { json_keys; }
num() { json_num "$@"; }

# 1. The keys of replay --json, and the answers, on 1 and 2 workers.
r=$("$S" replay fib:12 --topology synth:p=2 --no-db --json) || fail "replay fib:12"
n=$("$S" native fib:12 --threads 2 --no-db --json) || fail "native fib:12"
missing=$(comm -23 <(keys <<<"$r") <(keys <<<"$n"))
[ -z "$missing" ] || fail "native --json lacks keys of replay --json: $missing"
for t in 1 2; do
  for spec in fib:20=result=6765 nqueens:8=solutions=92 uts:default=nodes=1732; do
    w=${spec%%=*}; rest=${spec#*=}; key=${rest%%=*}; want=${rest#*=}
    out=$("$S" native "$w" --threads $t --strategy random --no-db --json) || {
      fail "native $w --threads $t: exit $?"; continue; }
    [ "$(num "$key" "$out")" = "$want" ] || fail "native $w --threads $t: $key is not $want: $out"
    [ "$(num threads "$out")" = "$t" ] || fail "native $w: threads is not $t"
    # Each steal round that took a process is timed, or counted apart when it lost its thread
    # (won_rounds_long): one takes at least one, and every steal is taken in one; none on one
    # worker.
    python3 -c 'import json, sys; j = json.loads(sys.argv[1]); w, s = j["won_rounds"], j["steals"]
w_all = w + j["won_rounds_long"]
assert w_all <= s and (w_all > 0) == (s > 0) and (w > 0) == (j["won_round_ns"] > 0), (w, s, j)
p = [j["won_round_p%d0_ns" % k] for k in (1, 5, 9)]   # every won round, as quantiles
assert p[0] <= p[1] <= p[2] and (p[0] > 0) == (w_all > 0), p
assert j["threads"] > 1 or s == 0' "$out" || fail "native $w --threads $t: won rounds: $out"
  done
done

# 2. Stored: mode native, one core_stats row per worker, the native settings in params.
db=$T/runs.db
out=$("$S" native nqueens:7 --threads 2 --db "$db" --json) || fail "native --db"
id=$(num run_id "$out")
[ "$(sqlite3 "$db" "SELECT mode FROM runs WHERE id = $id")" = native ] || fail "mode is not native"
[ "$(sqlite3 "$db" "SELECT COUNT(*) FROM core_stats WHERE run_id = $id")" = 2 ] ||
  fail "core_stats rows are not 2"
[ "$(sqlite3 "$db" "SELECT json_extract(params, '\$.native.threads') FROM runs WHERE id = $id")" = 2 ] ||
  fail "params lack native.threads"
# ... its timeseries start from sample_interval_ns and double while 128 do not cover the run,
# as a replay's: 1 us by default, 100 us here
out=$("$S" native fib:20 --threads 2 --param sample_interval_ns=100000 --db "$db" --json) ||
  fail "native --param sample_interval_ns"
iv=$(sqlite3 "$db" "SELECT timeseries_interval_ns FROM runs WHERE id = $(num run_id "$out")")
[ $((iv % 100000)) = 0 ] && [ $(((iv / 100000) & (iv / 100000 - 1))) = 0 ] ||
  fail "native sample_interval_ns=100000: the interval is $iv ns"
iv=$(sqlite3 "$db" "SELECT timeseries_interval_ns FROM runs WHERE id = $id")
[ $((iv % 1000)) = 0 ] && [ $(((iv / 1000) & (iv / 1000 - 1))) = 0 ] && [ "$iv" -lt 100000 ] ||
  fail "native without sample_interval_ns: the interval is $iv ns"

# ... and it says which parameters only the simulator reads: they change nothing here
"$S" native fib:12 --threads 2 --param wake_ns=100000 --param spin_ns=0 --no-db > /dev/null \
  2> "$T/warn" || fail "native --param wake_ns"
has "$T/warn" "warning: parameter wake_ns is the simulator's"
lacks "$T/warn" "parameter spin_ns"

# 3. Strict affinity: a root bound to core 1 keeps the whole tree there.
out=$("$S" native fib:16 --threads 2 --affinity strict:1 --db "$db" --json) || fail "strict:1"
id=$(num run_id "$out")
[ "$(num affinity_violations "$out")" = 0 ] || fail "affinity violated: $out"
[ "$(sqlite3 "$db" "SELECT processes_run FROM core_stats WHERE run_id = $id AND core = 0")" = 0 ] ||
  fail "core 0 ran processes of a root bound to core 1"

# 4. A trace replayed natively: every process completes, messages counted.
"$S" trace gen ring:procs=4,rounds=5,work=1000 -o "$T/ring.jsonl" >/dev/null 2>&1 || fail "trace gen"
out=$("$S" native "$T/ring.jsonl" --threads 2 --scale 0.5 --no-db --json) || fail "native ring"
[ "$(num processes "$out")" = 4 ] || fail "ring: processes is not 4: $out"
[ "$(num messages "$out")" = 20 ] || fail "ring: messages is not 20: $out"
# ... its records read before the run (all of a small trace: a spawn then takes them unlocked)
[ "$(num trace_read_ahead "$out")" = 4 ] || fail "ring: not every record read ahead: $out"
# ... so every process has its own mailbox slot and nobody takes the replay's lock, and its
# root (spawn 0) went in before the workers started, as a computed workload's does
[ "$(num lock_waits "$out")" = 0 ] || fail "ring: waits for the replay's lock: $out"
[ "$(num trace_roots_at_start "$out")" = 1 ] || fail "ring: root not injected at the start: $out"
"$S" trace gen fib:10,work=100 -o "$T/fib10.jsonl" >/dev/null 2>&1 || fail "trace gen fib"
out=$("$S" native "$T/fib10.jsonl" --threads 2 --no-db --json) || fail "native fib trace"
[ "$(num processes "$out")" = 177 ] && [ "$(num trace_read_ahead "$out")" = 177 ] ||
  fail "fib:10 trace: not 177 processes, all read ahead: $out"

# 5. Errors: usage exits 2, a failed run exits 1 and stores nothing.
before=$(sqlite3 "$db" "SELECT COUNT(*) FROM runs")
"$S" native fib:10 --threads 0 2>/dev/null; [ $? = 2 ] || fail "--threads 0 does not exit 2"
"$S" native fib:10 --binding sideways 2>/dev/null; [ $? = 2 ] || fail "--binding sideways: not 2"
"$S" native 2>/dev/null; [ $? = 2 ] || fail "no workload does not exit 2"
expect_stderr 2 "unknown strategy 'nosuch' (one of: $("$S" --list-strategies | paste -sd, - | sed 's/,/, /g'))" \
  "$S" native fib:10 --strategy nosuch --db "$db"
printf '%s\n' '{"format":"schedlab-trace","version":1}' \
  '{"id":0,"spawn":0,"phases":[["recv"]]}' >"$T/stuck.jsonl"
err=$("$S" native "$T/stuck.jsonl" --db "$db" 2>&1 >/dev/null); rc=$?
[ $rc = 1 ] || fail "a deadlocked trace exits $rc, not 1"
grep -q deadlock <<<"$err" || fail "no deadlock message: $err"
[ "$(sqlite3 "$db" "SELECT COUNT(*) FROM runs")" = "$before" ] || fail "a failed run left rows"

# 6. validate: per metric native, sim and relative error; both runs stored.
out=$("$S" validate fib:14 --threads 2 --repeat 2 --db "$db" --json) || fail "validate fib:14"
for m in makespan_ns steals steal_attempts migrations utilization; do
  grep -q "\"$m\":{\"native\":[-0-9.e+]*,\"sim\":[-0-9.e+]*,\"rel_error\":" <<<"$out" ||
    fail "validate lacks $m: $out"
done
[ "$(num result "$out")" = 377 ] || fail "validate: result is not 377"
# (2 native runs, and 20 simulated seeds: the default, more than --repeat)
[ "$(sqlite3 "$db" "SELECT group_concat(mode || '/' || n, ' ') FROM (SELECT mode, COUNT(*) AS n
      FROM runs WHERE json_extract(params, '\$.calibration.wake_ns') IS NOT NULL GROUP BY 1
      ORDER BY 1)")" = "native/2 sim/20" ] ||
  fail "validate did not store 2 native and 20 simulated runs with their calibration"
out=$("$S" validate fib:12 --sweep threads=1 --repeat 2 --no-db --json) || fail "validate --sweep"
grep -q '^{"sweep":\[{"workload":"fib:12",.*"threads":1,.*"cpu_ns":{"native":' <<<"$out" ||
  fail "validate --sweep: no row for 1 thread: $out"

# 7. bench forkjoin (small): native and peer keys in one run; a missing peer is an error that
#    names it, with nothing on stdout.
if [ -x "$(dirname "$S")/tests/bench/peer_gomp" ] && [ -x "$(dirname "$S")/tests/bench/peer_tbb" ]; then
  out=$("$S" bench forkjoin --items 16 --reps 1 --json) || fail "bench forkjoin"
  for k in ns_per_task_1t ns_per_task_2t uts_ns_per_node_1t speedup_2t speedup_2t_min \
           slower_2t_runs loadavg_1m gomp_ns_per_task_1t gomp_ns_per_task_2t tbb_ns_per_task_1t \
           tbb_ns_per_task_2t gomp_ratio_1t tbb_ratio_2t gomp_uts_ratio_1t tbb_uts_ratio_2t; do
    grep -q "\"$k\":" <<<"$out" || fail "bench forkjoin lacks $k"
  done
  [ "$(num exact "$out")" = 1 ] || fail "bench forkjoin: a wrong answer: $out"
else
  echo "native.sh: peers not built next to $S; only their absence is checked"
fi
rc=0
out=$(SCHEDLAB_PEERS="$T/no-peers" "$S" bench forkjoin --items 16 --reps 1 --json 2>"$T/err") || rc=$?
[ $rc = 1 ] || fail "bench forkjoin without peers exits $rc, not 1"
[ -z "$out" ] || fail "bench forkjoin without peers printed: $out"
grep -q "no-peers/peer_gomp is missing" "$T/err" || fail "no missing-peer message: $(cat "$T/err")"

finish native.sh
