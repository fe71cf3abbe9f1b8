#!/usr/bin/env bash
# trace_limits.sh: inputs too large for the bad-input corpus, generated here: /dev/zero and a
# 10-million-phase process are refused with "line too long" / a phase-count error, quickly and in
# small memory, by every trace entry point (replay, trace stats, trace import stg/wfcommons); a
# WfCommons file over its size limit is refused unread; a generator process too big for a file
# is not written; and a WfCommons task with 50,000 children imports with the right counts (its
# line lookup used to be quadratic). Uses $SCHEDLAB and /usr/bin/time (package time).
. "$(dirname "$0")/lib.sh"
# Peak memory allowed for refusing a huge input: the reader holds at most one 16 MiB line (the old
# reader took 3 GB for the 10 M-phase line). Generous for sanitizer builds.
MAX_KB=${TRACE_LIMITS_MAX_KB:-600000}

# run WANT_EXIT TEXT CMD...: exit status, stderr text, no sanitizer report, peak RSS <= MAX_KB.
run() {
  local want=$1 text=$2
  shift 2
  timeout -s KILL 120 /usr/bin/time -f '%M' -o "$T/rss" "$S" "$@" > "$T/out" 2> "$T/err"
  local rc=$?
  [ "$rc" = "$want" ] || fail "'$*' exited $rc, want $want: $(head -c 300 "$T/err")"
  [ -z "$text" ] || grep -qF -- "$text" "$T/err" || fail "'$*': stderr lacks '$text': $(head -c 300 "$T/err")"
  ! grep -qE 'Sanitizer|runtime error:' "$T/err" || fail "'$*': sanitizer report"
  local kb
  kb=$(tail -1 "$T/rss")
  [ "${kb:-0}" -le "$MAX_KB" ] 2> /dev/null || fail "'$*': peak RSS ${kb:-?} KB > $MAX_KB KB"
}

# ---- /dev/zero: a line without end, refused at line 1 by every reader ----
run 1 "/dev/zero:1: line: line too long: more than 16777216 bytes" replay /dev/zero \
  --topology m1 --no-db
run 1 "/dev/zero:1: line: line too long" trace stats /dev/zero
run 1 "/dev/zero:1: line too long: more than 16777216 bytes" trace import stg /dev/zero \
  -o "$T/zero.jsonl"
run 1 "/dev/zero: a NUL byte within the first" trace import wfcommons /dev/zero -o "$T/zero.jsonl"
[ ! -e "$T/zero.jsonl" ] || fail "a refused import left $T/zero.jsonl"

# ---- one process of 10 M phases: a 100 MB line, and a 40-byte one through a recv count ----
{
  echo '{"format":"schedlab-trace","version":1}'
  printf '{"id":0,"spawn":0,"phases":['
  yes '["run",1],' | head -n 9999999 | tr -d '\n'
  echo '["run",1]]}'
} > "$T/10m.jsonl"
[ "$(stat -c %s "$T/10m.jsonl")" -gt 90000000 ] || fail "the 10 M-phase file was not generated"
run 1 "10m.jsonl:2: line: line too long" replay "$T/10m.jsonl" --topology m1 --no-db
run 1 "10m.jsonl:2: line: line too long" trace stats "$T/10m.jsonl"
printf '%s\n' '{"format":"schedlab-trace","version":1}' \
  '{"id":0,"spawn":0,"phases":[["recv",10000000]]}' > "$T/recv.jsonl"
run 1 "recv.jsonl:2: phases: more than 524288 phases" trace stats "$T/recv.jsonl"
run 1 "recv.jsonl:2: phases: more than 524288 phases" replay "$T/recv.jsonl" --topology m1 \
  --no-db
rm -f "$T/10m.jsonl"

# ---- STG: a 20 MB line; WfCommons: a 300 MB file is refused by its size, unread ----
{ echo 1; head -c 20000000 /dev/zero | tr '\0' ' '; echo 0 0 0; } > "$T/long.stg"
run 1 "long.stg:2: line too long" trace import stg "$T/long.stg" -o "$T/long.jsonl"
truncate -s 300M "$T/big.wf.json"
run 1 "big.wf.json: file of 314572800 bytes: larger than the limit of 268435456 bytes" \
  trace import wfcommons "$T/big.wf.json" -o "$T/big.jsonl"
[ ! -e "$T/big.jsonl" ] && [ ! -e "$T/long.jsonl" ] || fail "a refused import left its output"

# ---- trace gen does not write a process a trace file may not hold ----
run 1 "process 0 has 600001 phases, more than a trace file may hold (524288" \
  trace gen ring:procs=2,rounds=200000 -o "$T/ring.jsonl"
[ ! -e "$T/ring.jsonl" ] || fail "trace gen left a file it could not read back"

# ---- a WfCommons task with 50,000 children imports, each child one message ----
awk 'BEGIN {
  n = 50000
  printf "{\"name\":\"fan\",\"schemaVersion\":\"1.5\",\"workflow\":{\"specification\":{\"tasks\":[\n"
  printf "{\"id\":\"root\",\"parents\":[],\"children\":["
  for (i = 0; i < n; i++) printf "%s\"t%d\"", (i ? "," : ""), i
  printf "]}"
  for (i = 0; i < n; i++) printf ",\n{\"id\":\"t%d\",\"parents\":[\"root\"],\"children\":[]}", i
  printf "]},\"execution\":{\"tasks\":[\n{\"id\":\"root\",\"runtimeInSeconds\":1}"
  for (i = 0; i < n; i++) printf ",\n{\"id\":\"t%d\",\"runtimeInSeconds\":0.5}", i
  printf "]}}}\n"
}' > "$T/fan.json"
run 0 "import: wfcommons: 50001 processes, 50000 messages, 0 spawns, 25001000000000 ns of work" \
  trace import wfcommons "$T/fan.json" -o "$T/fan.jsonl"
run 0 "" trace stats "$T/fan.jsonl"
grep -q "^processes      50001$" "$T/out" && grep -q "^roots          50001$" "$T/out" \
  && grep -q "^critical path  1500000000 ns$" "$T/out" \
  || fail "fan.jsonl: wrong counts: $(head -c 600 "$T/out")"
# errors name the task's own line (t49999's is 50002: after the opening line, the root and t0..)
sed -i 's/"t49999","runtimeInSeconds":0.5/"t49999","runtimeInSeconds":-1/' "$T/fan.json"
run 1 "fan.json:50002: task 't49999': runtimeInSeconds: want a number of seconds >= 0" \
  trace import wfcommons "$T/fan.json" -o "$T/fan2.jsonl"

finish trace_limits.sh
