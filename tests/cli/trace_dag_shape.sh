#!/usr/bin/env bash
# trace_dag_shape.sh: `trace stats` gives a task graph's depth (most processes on one chain of
# spawns and messages) and width (most processes running at once on unlimited cores), worked
# out by hand for small graphs: an STG graph, a spawned DAG, a fork-join tree, a ring.
. "$(dirname "$0")/lib.sh"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"

# dag_shape SPEC DEPTH WIDTH: trace stats --json SPEC says dag_depth DEPTH and dag_width WIDTH.
dag_shape() {
  expect_exit 0 "$S" trace stats "$1" --json
  local j; j=$(cat "$T/out")
  [ "$(json_num dag_depth "$j")" = "$2" ] && [ "$(json_num dag_width "$j")" = "$3" ] ||
    fail "$1: want depth $2, width $3: $j"
}

# greedy_fanout.stg (its dummy entry and exit dropped): 1 (1 unit) and 2 (32) start at once,
# 2 feeds 3, 4, 5 (96 each): the chain 2 -> 3 is 2 long, 3, 4 and 5 run together.
dag_shape "$ROOT/tests/data/stg/greedy_fanout.stg" 2 3
# dag_tiny: 0 spawns 1..4; 1 messages 2 and 3, both message 4: chain 0 -> 1 -> 3 -> 4 is 4
# long; 2 [100, 300) and 3 [100, 400) us overlap, 1 and 4 run alone.
dag_shape "$ROOT/traces/samples/dag_tiny.jsonl" 4 2
# fib:4: 9 processes; down root -> fib 3 -> fib 2 -> fib 1 and the replies back up: 7; spawns
# take no time, so its 5 leaves (the fib 1 and fib 0 calls) all run in [0, 1000) ns.
dag_shape fib:4 7 5
# A ring of 4 passing one token twice round: 8 hops after the first holder, one runs at a time.
dag_shape ring:procs=4,rounds=2 9 1
expect_exit 0 "$S" trace stats "$ROOT/tests/data/stg/greedy_fanout.stg"
has "$T/out" "dag depth      2 processes"
has "$T/out" "dag width      3 processes"

finish trace_dag_shape
