#!/usr/bin/env bash
# balance_beam.sh: the periodic balancer from the command line: on a skewed workload a replay
# with --param balance_interval_ns differs from one without, and its moves are printed and in
# --json as balance_moves, apart from steals (its pulls are migrations, not steals), and stored
# in run_summary.balance_moves (schema version 3; a version-2 database gains the column when a
# replay upgrades it, and merges with NULL for its old runs); the strategy beam (BEAM as
# shipped) runs in replay, compare and native, with its own balancer.
. "$(dirname "$0")/lib.sh"

W=skewed:procs=3000
off=$("$S" replay $W --topology synth:p=8 --strategy ring --no-db --json) || fail "replay"
on=$("$S" replay $W --topology synth:p=8 --strategy ring --param balance_interval_ns=100000 \
       --no-db --json) || fail "replay with the balancer"
[ "$(json_num balance_moves "$off")" = 0 ] || fail "no balancer, yet balance moves: $off"
[ "$(json_num balance_moves "$on")" -gt 0 ] || fail "the balancer moved nothing: $on"
[ "$(json_num makespan_ns "$on")" != "$(json_num makespan_ns "$off")" ] ||
  fail "the runs with and without the balancer are the same: $on"
[ "$(json_num migrations "$on")" -gt "$(json_num steals "$on")" ] ||
  fail "the balancer's pulls are not counted as migrations apart from steals: $on"
"$S" replay $W --topology synth:p=8 --strategy ring --param balance_interval_ns=100000 \
  --no-db > "$T/text" || fail "replay text"
has "$T/text" "balancer      $(json_num balance_moves "$on") moves"
ok "replay: balancer on and off differ, its moves counted apart"

# beam balances with balance_interval_ns left at 0: its period is 1000 time slices (1 ms here).
b=$("$S" replay $W --topology synth:p=8 --strategy beam --param time_slice_ns=1000 --no-db \
      --json) || fail "replay --strategy beam"
[ "$(json_num balance_moves "$b")" -gt 0 ] || fail "beam: no balancer: $b"
"$S" compare fib:12 --topology synth:p=4 --strategy ring,beam --seeds 2 --db "$T/c.db" \
  > "$T/cmp" 2> "$T/err" || fail "compare --strategy ring,beam: $(head -c 400 "$T/err")"
has "$T/cmp" "beam"
n=$(sqlite3 "$T/c.db" "select count(*) from runs where strategy = 'beam'")
[ "$n" = 2 ] || fail "compare stored $n beam runs, want 2"
nj=$("$S" native fib:16 --threads 2 --strategy beam --no-db --json) || fail "native beam"
[ "$(json_num processes "$nj")" = 3193 ] || fail "native beam: $nj"
nb=$("$S" native $W --threads 2 --strategy ring --scale 0.05 \
       --param balance_interval_ns=20000 --no-db --json) || fail "native with the balancer"
[ "$(json_num balance_moves "$nb")" -gt 0 ] || fail "native: the balancer moved nothing: $nb"
ok "beam in replay, compare and native"

# Stored: a new database, a version-2 one upgraded by a replay, a version-2 one merged.
DATA="$(cd "$(dirname "$0")/../data/db" && pwd)"
j=$("$S" replay $W --topology synth:p=8 --strategy ring --param balance_interval_ns=100000 \
      --db "$T/b.db" --json) || fail "replay --db"
got=$(sqlite3 "$T/b.db" "SELECT balance_moves FROM run_summary")
[ "$got" = "$(json_num balance_moves "$j")" ] && [ "$got" -gt 0 ] ||
  fail "stored balance_moves '$got', printed $(json_num balance_moves "$j")"
sqlite3 "$T/v2.db" < "$DATA/schema_v2.sql"
sqlite3 "$T/v2.db" "INSERT INTO runs (id, trace, topology, strategy, seed, mode, tool_version,
  start_unix_ns, wall_s, ncores) VALUES (1, 'fib:5', 'synth:p=1', 'random', 1, 'sim', 'old', 1,
  0.1, 1); INSERT INTO core_stats VALUES (1, 0, 'P', 0, 0, 100, 0, 0, 0, 0, 1, 0, 0, 0);"
cp "$T/v2.db" "$T/v2b.db"
expect_exit 0 "$S" merge "$T/b.db" "$T/v2.db"
[ "$(sqlite3 "$T/b.db" "SELECT count(*) FROM runs")" = 2 ] || fail "merge of a version-2 input"
j=$("$S" replay $W --topology synth:p=8 --strategy ring --param balance_interval_ns=100000 \
      --db "$T/v2b.db" --json) || fail "replay into a version-2 database"
[ "$(sqlite3 "$T/v2b.db" "SELECT balance_moves FROM run_summary WHERE run_id = 2")" = \
  "$(json_num balance_moves "$j")" ] || fail "the upgraded database lacks the balance moves"
ok "balance_moves stored, also after an upgrade and a merge"

finish balance_beam.sh
