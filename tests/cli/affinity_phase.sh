#!/usr/bin/env bash
# Affinity changes at run time, end to end: an AFFINITY phase with a strict mask away from the
# current core moves the process (one migration, counted by distance), it then runs on the new
# cores (per-process last core, per-core busy time), in the simulator and natively.
set -u
S=${SCHEDLAB:-$PWD/build/schedlab}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "affinity_phase.sh: FAIL: $*" >&2; exit 1; }
q() { sqlite3 "$1" "$2"; }

# m1: cores 0-3 the E cluster, 4-7 the P cluster. Process 0 runs 500 us on E, is moved to P (a
# node-distance migration), runs 500 us there, clears its affinity and runs 100 us more; process
# 1 goes from strict 0 to preferred 1, which moves nothing.
"$S" replay traces/samples/affinity_move.jsonl --topology m1 --per-process --db "$T/m1.db" \
    >"$T/out" 2>&1 || fail "replay: $(cat "$T/out")"
grep -q "migrations    1 (smt 0, cluster 0, node 1, remote 0)" "$T/out" || fail "$(cat "$T/out")"
[ "$(q "$T/m1.db" "select core_last || ' ' || migrations from processes where pid = 0")" = "4 1" ] \
    || fail "process 0 did not end on core 4 with one migration"
[ "$(q "$T/m1.db" "select migrations from processes where pid = 1")" = "0" ] \
    || fail "a preferred change moved process 1"
# P-core time: 500 + 100 us of work plus the 50 ns migration cost charged on arrival
[ "$(q "$T/m1.db" "select sum(busy_ns) from core_stats where core >= 4")" = "600050" ] \
    || fail "P cores busy $(q "$T/m1.db" "select sum(busy_ns) from core_stats where core >= 4")"

# without the phases nothing moves: the same trace with every affinity phase dropped
python3 -c '
import json, sys
for i, l in enumerate(open(sys.argv[1])):
    o = json.loads(l)
    if i: o["phases"] = [p for p in o["phases"] if p[0] != "affinity"]
    print(json.dumps(o))' traces/samples/affinity_move.jsonl >"$T/none.jsonl"
"$S" replay "$T/none.jsonl" --topology m1 --no-db >"$T/out0" 2>&1 || fail "$(cat "$T/out0")"
grep -q "migrations    0 " "$T/out0" || fail "baseline migrated: $(cat "$T/out0")"

# two identical cores: 30 ms on core 0, then 10 ms on core 1
"$S" replay traces/samples/affinity_move_2cpu.jsonl --topology synth:p=2 --db "$T/p2.db" \
    >"$T/out" 2>&1 || fail "$(cat "$T/out")"
[ "$(q "$T/p2.db" "select group_concat(busy_ns, ' ') from core_stats")" = "30000000 10000050" ] \
    || fail "busy $(q "$T/p2.db" "select group_concat(busy_ns, ' ') from core_stats")"

# natively on CPUs 0 and 1 (where the host has two): the move is one migration, and core 1 works
if [ "$(nproc)" -ge 2 ]; then
    "$S" native traces/samples/affinity_move_2cpu.jsonl --threads 2 --db "$T/nat.db" \
        >"$T/out" 2>&1 || fail "native: $(cat "$T/out")"
    grep -q "migrations    1 (smt 0, cluster 1, node 0, remote 0)" "$T/out" \
        || fail "native: $(cat "$T/out")"
    [ "$(q "$T/nat.db" "select busy_ns > 0 from core_stats where core = 1")" = "1" ] \
        || fail "native: core 1 never ran"
fi
echo "affinity_phase.sh: ok"
