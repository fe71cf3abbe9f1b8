#!/usr/bin/env bash
# native_params.sh: the scheduler's parameters change native runs too, shown where the rules make
# the outcome certain whatever the host does: fib:25 on 2 workers steals with the defaults, and
# not at all when a rule forbids every steal (no retries, a queue or imbalance no victim reaches,
# a normal process weighing nothing, migrations off or none allowed); the migration rate limits
# bound its steals; a spin longer than the run never sleeps; binding none leaves the workers
# unpinned; a replayed trace's 5 ms phases are preempted in 200 us slices unless no_preempt.
# (params_wired.sh shows every parameter in replay; the simulated-only ones draw native's
# warning, native.sh.) About 2 s.
. "$(dirname "$0")/lib.sh"

W=fib:25
run() { "$S" native "$W" --threads 2 --no-db --json "$@"; }
field() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

# The defaults steal (worker 1 starts with nothing): three tries, as a loaded host may keep
# worker 1 off its CPU through a whole run.
base=0
for try in 1 2 3; do
  out=$(run) || { fail "native $W: exit $?"; break; }
  base=$(field "$out" steals)
  [ "$base" -gt 0 ] && break
done
[ "$base" -gt 0 ] || fail "native $W with the defaults stole nothing in 3 runs"

for p in steal_retries=0 min_steal_queue=1000000 imbalance_threshold=1000000000 \
         load_w_normal=0 migration_policy=off max_migrations=0; do
  out=$(run --param "$p") || { fail "native --param $p: exit $?"; continue; }
  [ "$(field "$out" steals)" = 0 ] || fail "native --param $p stole: $out"
  [ "$(field "$out" result)" = 75025 ] || fail "native --param $p: fib(25) is not 75025"
done
out=$(run --param steal_retries=0)
[ "$(field "$out" steal_attempts)" = 0 ] || fail "steal_retries=0 still tried: $out"

# One migration into each core a second, one in the whole machine: the run lasts far less.
out=$(run --param core_migrations_per_s=1)
[ "$(field "$out" steals)" -le 2 ] || fail "core_migrations_per_s=1 let more than 2 steals by: $out"
out=$(run --param system_migrations_per_s=1)
[ "$(field "$out" steals)" -le 1 ] ||
  fail "system_migrations_per_s=1 let more than 1 steal by: $out"

# A 10 s spin: no worker sleeps, so none is woken and no sleep times out.
out=$(run --param spin_ns=10000000000)
[ "$(field "$out" wakeups)" = 0 ] && [ "$(field "$out" sleep_timeouts)" = 0 ] ||
  fail "spin_ns=10 s: a worker slept: $out"

for b in none static; do   # (static: the default)
  p=(); [ $b = none ] && p=(--param binding=none)
  topo=$(field "$(run "${p[@]}")" topology)
  case "$topo" in *:$b) ;; *) fail "binding $b: the run's topology is $topo" ;; esac
done

# Three processes of one 5 ms phase on 2 workers: one worker holds two (a queue of one is not
# stolen), so its 200 us slices end in preemptions; with no_preempt the phases run through.
cat > "$T/long.jsonl" << 'EOF'
{"format":"schedlab-trace","version":1,"name":"long","time_unit":"us","roots":3,"processes":3}
{"id":0,"spawn":0,"phases":[["run",5000]]}
{"id":1,"spawn":0,"phases":[["run",5000]]}
{"id":2,"spawn":0,"phases":[["run",5000]]}
EOF
out=$("$S" native "$T/long.jsonl" --threads 2 --param time_slice_ns=200000 --no-db --json) ||
  fail "native long.jsonl: exit $?"
[ "$(field "$out" preemptions)" -ge 1 ] || fail "time_slice_ns=200 us preempted nothing: $out"
out=$("$S" native "$T/long.jsonl" --threads 2 --param time_slice_ns=200000 --param no_preempt=1 \
      --no-db --json) || fail "native long.jsonl no_preempt: exit $?"
[ "$(field "$out" preemptions)" = 0 ] || fail "no_preempt=1 preempted: $out"

finish native_params.sh "defaults stole $base"
