#!/usr/bin/env bash
# replay --json and native --json carry every key of a compare --json row that describes one run
# (vs_best and vs_bound compare runs with each other and exist only in compare), with the same
# meaning. params is "name=value ..." in both: in replay and native the parameters that differ
# from the defaults, in a compare row those that vary within its group (empty when none does).
. "$(dirname "$0")/lib.sh"

"$S" compare fib:10 --topology m1 --strategy random --seeds 2 --param min_steal_queue=1 \
  --db "$T/c.db" --json > "$T/compare.json" 2> "$T/err" || fail "compare: $(cat "$T/err")"
"$S" replay fib:10 --topology m1 --strategy random --param min_steal_queue=1 --no-db --json \
  > "$T/replay.json" 2> "$T/err" || fail "replay: $(cat "$T/err")"
"$S" native fib:10 --threads 2 --strategy random --param min_steal_queue=1 --no-db --json \
  > "$T/native.json" 2> "$T/err" || fail "native: $(cat "$T/err")"
out=$(python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
row = json.load(open(t + "/compare.json"))["groups"][0]["rows"][0]
want = set(row) - {"vs_best", "vs_bound"}
for name in ("replay", "native"):
    d = json.load(open(t + "/" + name + ".json"))
    missing = sorted(want - set(d))
    if missing:
        print(f"{name} --json lacks compare's keys {missing}")
    if d.get("params") != "min_steal_queue=1":
        print(f"{name} --json params is {d.get('params')!r}, not 'min_steal_queue=1'")
if row["params"] not in ("", "-", "min_steal_queue=1"):
    print(f"compare's row params is {row['params']!r}")
PY
)
[ -z "$out" ] || fail "$out"
finish json_keys
