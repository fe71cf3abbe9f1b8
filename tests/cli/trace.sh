#!/usr/bin/env bash
# trace.sh: end-to-end checks of `schedlab trace gen` and `trace stats`: the gen -> file -> stats
# round trip gives the generator's own stats, bad files fail naming file and line, and a failed
# gen leaves nothing behind (nor touches an existing file).
. "$(dirname "$0")/lib.sh"

# stats without the lines that name the source or time it
core_stats() { grep -vE '^(trace|canonical|checksum|walk time|result|solutions) ' "$1"; }

# ---- round trip: gen -> file -> stats equals the generator's stats ----
for spec in fib:14 nqueens:7 uts:default ring:procs=20,rounds=5,tokens=2 \
            server:clients=12,requests=4,servers=2 bursty:bursts=3,size=8,fanout=2 \
            skewed:procs=200,spawners=4 mixed:procs=60 affinity:procs=60,cores=16; do
  f="$T/$(echo "$spec" | tr ':,=/' '____').jsonl"
  expect_exit 0 "$S" trace gen "$spec" -o "$f"
  [ -s "$f" ] || { fail "$spec: no file written"; continue; }
  head -1 "$f" | grep -q '"format":"schedlab-trace","version":1' || fail "$spec: bad header"
  expect_exit 0 "$S" trace stats "$spec"
  core_stats "$T/out" >"$T/a"
  expect_exit 0 "$S" trace stats "$f"
  core_stats "$T/out" >"$T/b"
  cmp -s "$T/a" "$T/b" || fail "$spec: stats differ after the round trip: $(diff "$T/a" "$T/b")"
done

# the generator's numbers are the right ones
expect_exit 0 "$S" trace stats fib:20
has "$T/out" "processes      21891"
has "$T/out" "result         6765"
expect_exit 0 "$S" trace stats nqueens:8
has "$T/out" "solutions      92"
expect_exit 0 "$S" trace stats --json traces/samples/dag_tiny.jsonl
has "$T/out" '"critical_path_ns":500000'
has "$T/out" '"parallelism":1.4'
sum=$(sha1sum traces/samples/dag_tiny.jsonl | cut -d' ' -f1)
has "$T/out" "\"checksum\":\"$sum\""

# a generated file is deterministic
"$S" trace gen mixed:procs=50,seed=3 -o "$T/m1.jsonl" 2>/dev/null
"$S" trace gen mixed:procs=50,seed=3 -o "$T/m2.jsonl" 2>/dev/null
cmp -s "$T/m1.jsonl" "$T/m2.jsonl" || fail "gen is not deterministic"

# ---- bad files: non-zero exit, file and line named ----
hdr='{"format":"schedlab-trace","version":1}'
printf '%s\n{"id":0,"spawn":0,"phases":[["run",1]]}\n{"id":1,"spawn":0,"phases":[["run",1]\n' \
  "$hdr" >"$T/bad1.jsonl"
expect_exit 1 "$S" trace stats "$T/bad1.jsonl"
has "$T/err" "$T/bad1.jsonl:3: column"
has "$T/err" "malformed JSON"
printf '%s\n{"id":0,"spawn":0,"phases":[["fly",1]]}\n' "$hdr" >"$T/bad2.jsonl"
expect_exit 1 "$S" trace stats "$T/bad2.jsonl"
has "$T/err" "$T/bad2.jsonl:2: phases[0]: unknown phase 'fly'"
printf '%s\n{"id":0,"spawn":0,"phases":[["spawn",5]]}\n{"id":1,"spawn":0,"phases":[]}\n' \
  "$hdr" >"$T/bad3.jsonl"
expect_exit 1 "$S" trace stats "$T/bad3.jsonl"
has "$T/err" "$T/bad3.jsonl:2: phases: process 0 spawns 5, which never appears"
{ head -3 "$T/fib_14.jsonl"; sed -n 4p "$T/fib_14.jsonl" | head -c 20; } >"$T/truncated.jsonl"
expect_exit 1 "$S" trace stats "$T/truncated.jsonl"
has "$T/err" "$T/truncated.jsonl:4: column"
head -3 "$T/fib_14.jsonl" >"$T/cut.jsonl"   # cut at a line end: children never appear
expect_exit 1 "$S" trace stats "$T/cut.jsonl"
has "$T/err" "$T/cut.jsonl:2: phases: process 0 spawns"
expect_exit 1 "$S" trace stats "$T/missing.jsonl"
has "$T/err" "$T/missing.jsonl: cannot open"

# a deadlocking trace is reported, not hung on
printf '%s\n{"id":0,"spawn":0,"phases":[["recv"]]}\n' "$hdr" >"$T/dead.jsonl"
expect_exit 0 "$S" trace stats "$T/dead.jsonl"
has "$T/out" "deadlock, 1 processes wait"

# ---- nothing written on error ----
expect_exit 1 "$S" trace gen fib:99 -o "$T/none.jsonl"
has "$T/err" "n: expected an integer"
[ -e "$T/none.jsonl" ] && fail "a failed gen left a file"
expect_exit 2 "$S" trace gen "$T/fib_14.jsonl" -o "$T/none.jsonl"
expect_exit 1 "$S" trace gen fib:5 -o "$T/nodir/x.jsonl"
has "$T/err" "cannot create"
# a write error half-way (file size limit) leaves the old file untouched and no temp file
echo old >"$T/keep.jsonl"
( trap '' XFSZ; ulimit -f 8; exec "$S" trace gen fib:16 -o "$T/keep.jsonl" ) >"$T/out" 2>"$T/err"
[ $? -eq 1 ] || fail "gen past the file size limit did not fail: $(cat "$T/err")"
has "$T/err" "write error"
[ "$(cat "$T/keep.jsonl")" = old ] || fail "a failed gen changed the existing file"
ls "$T" | grep -q 'keep.jsonl.tmp' && fail "a failed gen left its temporary file"

# ---- usage ----
expect_exit 2 "$S" trace
expect_exit 2 "$S" trace frob
expect_exit 2 "$S" trace gen fib:5
expect_exit 2 "$S" trace stats
expect_exit 0 "$S" trace --help
has "$T/out" "uts:SET"

finish trace.sh
