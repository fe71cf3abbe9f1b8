#!/usr/bin/env bash
# strategies.sh: every list of victim strategies comes from the registry (core/ws_victim.c), read
# here through `schedlab --list-strategies`: each command's --help lists every strategy with its
# summary and the parameters it alone reads, each unknown-strategy error names them all (exit 2,
# no database), every strategy replays and `compare --strategy all` plans every one, and a
# strategy's own parameter set while another strategy runs draws a warning; wake_queue and
# dispatch_ns change a replay as they say.
. "$(dirname "$0")/lib.sh"

mapfile -t names < <("$S" --list-strategies)
[ "${#names[@]}" -ge 6 ] || fail "--list-strategies names ${#names[@]} strategies"
[ "$(printf '%s\n' "${names[@]}" | sort -u | wc -l)" = "${#names[@]}" ] || fail "a name twice"
list=$(printf '%s, ' "${names[@]}"); list=${list%, }

# --help of every command that takes --strategy: one line per strategy, in registry order.
for cmd in replay compare native validate; do
  expect_exit 0 "$S" $cmd --help
  got=$(sed -n '/^strategies (--strategy NAME):$/,/^$/p' "$T/out" | awk 'NF && $1 != "reads" && !/^strategies/ { print $1 }')
  [ "$got" = "$(printf '%s\n' "${names[@]}")" ] || fail "$cmd --help lists [$got]"
  has "$T/out" "reads --param p2c_choices (no other strategy does)"
done

# Unknown strategies: exit 2, every name in the message, nothing written.
for cmd in replay compare native validate; do
  expect_stderr 2 "unknown strategy 'telepathy' (one of: $list)" \
    "$S" $cmd fib:5 --strategy telepathy --db "$T/$cmd.db"
  [ ! -e "$T/$cmd.db" ] || fail "$cmd created a database for an unknown strategy"
done
expect_stderr 2 "unknown strategy 'telepathy'" "$S" compare fib:5 -s random,telepathy --db "$T/c.db"

# Every strategy replays fib:8 (2 F(9) - 1 = 67 processes), and compare's all is every one.
for st in "${names[@]}"; do
  expect_exit 0 "$S" replay fib:8 --topology synth:p=4 --strategy "$st" --no-db --json
  [ "$(json_num processes "$(cat "$T/out")")" = 67 ] || fail "$st: $(head -c 300 "$T/out")"
  lacks "$T/err" "warning"
done
expect_exit 0 "$S" compare fib:5 --strategy all --seeds 1 --plan "$T/plan.txt"
[ "$(wc -l < "$T/plan.txt")" = "${#names[@]}" ] || fail "plan: $(wc -l < "$T/plan.txt") runs"
for st in "${names[@]}"; do
  grep -q -- "--strategy $st " "$T/plan.txt" || fail "compare all did not plan $st"
done

# A strategy's own parameter: a warning when no strategy that reads it runs, silence otherwise.
warn="warning: parameter p2c_choices is read only by strategy p2c"
expect_stderr 0 "$warn" "$S" replay fib:6 --strategy random --param p2c_choices=3 --no-db
expect_exit 0 "$S" replay fib:6 --strategy p2c --param p2c_choices=3 --no-db
lacks "$T/err" "warning"
expect_exit 0 "$S" replay fib:6 --strategy random --param steal_retries=5 --no-db
lacks "$T/err" "warning"
expect_stderr 0 "$warn" "$S" compare fib:5 -s random,ring -p p2c_choices=2,3 --plan "$T/p2.txt"
expect_exit 0 "$S" compare fib:5 -s random,p2c -p p2c_choices=2,3 --plan "$T/p3.txt"
lacks "$T/err" "warning"

# wake_queue: a sleeper is woken when a core holds that many waiting (0: min_steal_queue's
# count). Under beam on two cores a process spawns a child and works on for 50 us: at 1 (= 0
# here) the push wakes the idle core, which steals the child; at 2 nobody is woken, and the
# child waits for its parent's core (no migration, a longer run).
printf '%s\n' '{"format":"schedlab-trace","version":1}' \
  '{"id":0,"spawn":0,"phases":[["spawn",1],["run",50000],["recv"]]}' \
  '{"id":1,"parent":0,"phases":[["run",50000],["send",0]]}' > "$T/child.jsonl"
wq() { "$S" replay "$T/child.jsonl" --topology synth:p=2 -s beam --param min_steal_queue=1 \
         --param imbalance_threshold=1 --param spin_ns=0 --param wake_queue="$1" --no-db --json |
       python3 -c 'import json, sys; j = json.load(sys.stdin); print(j["makespan_ns"], j["migrations"])'; }
w0=$(wq 0) && w1=$(wq 1) && w2=$(wq 2) || fail "replay with wake_queue"
[ "$w0" = "$w1" ] || fail "wake_queue=0 should follow min_steal_queue=1: $w0 vs $w1"
[ "${w0#* }" -gt 0 ] || fail "wake_queue=1: the woken core should steal the child: $w0"
[ "${w2#* }" -eq 0 ] && [ "${w2% *}" -gt "${w0% *}" ] ||
  fail "wake_queue=2 should leave the child on its parent's core (later, no migration): $w0 vs $w2"
expect_exit 2 "$S" replay fib:5 --param wake_queue=x

# dispatch_ns: every process a core starts costs that core dispatch_ns, drawn as busy time. On
# one core, with nothing else in the way, the makespan grows by exactly dispatch_ns times the
# processes the core started (core_stats.processes_run).
mk() { "$S" replay fib:10 --topology synth:p=1 --param dispatch_ns="$1" --db "$T/d$1.db" --json |
       python3 -c 'import json, sys; print(json.load(sys.stdin)["makespan_ns"])'; }
d0=$(mk 0) && d1=$(mk 1000) || fail "replay with dispatch_ns"
n=$(sqlite3 "$T/d1000.db" "SELECT processes_run FROM core_stats")
[ -n "$n" ] && [ "$n" -gt 0 ] && [ $((d1 - d0)) = $((1000 * n)) ] ||
  fail "dispatch_ns=1000 moved fib:10 on one core from $d0 to $d1 ns, want + 1000 x $n dispatches"

finish strategies.sh "${#names[@]} strategies"
