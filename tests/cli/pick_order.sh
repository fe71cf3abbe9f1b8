#!/usr/bin/env bash
# pick_order.sh: the parameter pick_order end to end. One core, a root that spawns a long child
# and then three short ones: with lifo the core runs the newest first (4, 3, 2, 1), with fifo
# the oldest (1, 2, 3, 4), so the short children's response times and the order in which the
# processes end differ; the same order natively (a trace replay on one worker, read from its
# timeline), and a computed fib on the native fast path runs breadth-first under fifo (first
# runs in spawn order, which is pid order on one worker); validate beam replays with fifo; a
# bad value exits 2 naming the choices. About 2 s (plus 3 s with erl).
. "$(dirname "$0")/lib.sh"
R=$(cd "$(dirname "$0")/../.." && pwd)
num() { json_num "$@"; }
db=$T/runs.db

cat > "$T/order.jsonl" << 'EOF'
{"format":"schedlab-trace","version":1,"name":"order","time_unit":"us","roots":1,"processes":5}
{"id":0,"spawn":0,"phases":[["spawn",1],["spawn",2],["spawn",3],["spawn",4]]}
{"id":1,"parent":0,"phases":[["run",400]]}
{"id":2,"parent":0,"phases":[["run",10]]}
{"id":3,"parent":0,"phases":[["run",10]]}
{"id":4,"parent":0,"phases":[["run",10]]}
EOF
want_lifo=4,3,2,1
want_fifo=1,2,3,4

# The children's order on one core, from a run's per-process ends (sim) or timeline (native).
ends() {
  sqlite3 "$db" "SELECT group_concat(pid) FROM (SELECT pid FROM processes
                 WHERE run_id = $1 AND pid > 0 ORDER BY end_ns, pid)"
}
first_runs() {   # $2: the largest pid to list (the native root of a replay has a huge one)
  sqlite3 "$db" "SELECT group_concat(pid) FROM (SELECT pid, MIN(start_ns) s, MIN(rowid) r
                 FROM timeline WHERE run_id = $1 AND kind = 'run' AND pid BETWEEN 1 AND $2
                 GROUP BY pid ORDER BY s, r)"
}

# 1. Simulated: the order, and what it does to response times (deterministic).
for o in lifo fifo; do
  out=$("$S" replay "$T/order.jsonl" --topology synth:p=1 --param pick_order=$o --db "$db" \
        --per-process --json) || { fail "replay pick_order=$o: exit $?"; continue; }
  id=$(num run_id "$out")
  eval "resp_$o=\$(num resp_p50_ns \"\$out\")"
  [ "$(sqlite3 "$db" "SELECT json_extract(params, '\$.pick_order') FROM runs WHERE id = $id")" = $o ] ||
    fail "replay pick_order=$o: not recorded in params"
  got=$(ends "$id"); eval "want=\$want_$o"
  [ "$got" = "$want" ] || fail "replay pick_order=$o: children ended $got, want $want"
done
# Lifo's short children end after 10-30 us, fifo's after the long one (400 us and more).
awk -v l="${resp_lifo:-0}" -v f="${resp_fifo:-0}" 'BEGIN { exit !(l > 0 && l < 100000 && f > 400000) }' ||
  fail "response p50: lifo $resp_lifo ns, fifo $resp_fifo ns: want lifo < 100 us < 400 us < fifo"
# The default is lifo: a run without the parameter is lifo's run.
out=$("$S" replay "$T/order.jsonl" --topology synth:p=1 --db "$db" --per-process --json) ||
  fail "replay default"
[ "$(ends "$(num run_id "$out")")" = "$want_lifo" ] || fail "the default is not lifo"

# 2. Native, a replay on one worker (through ws_sched_next): the same orders.
for o in lifo fifo; do
  out=$("$S" native "$T/order.jsonl" --threads 1 --param pick_order=$o --db "$db" --timeline \
        --json) || { fail "native pick_order=$o: exit $?"; continue; }
  got=$(first_runs "$(num run_id "$out")" 4); eval "want=\$want_$o"
  [ "$got" = "$want" ] || fail "native pick_order=$o: children ran $got, want $want"
done

# 3. Native fib on the fast path (ws_sched_fast_take): fifo runs processes in spawn order.
for o in lifo fifo; do
  out=$("$S" native fib:10 --threads 1 --param pick_order=$o --db "$db" --timeline --json) ||
    { fail "native fib:10 pick_order=$o: exit $?"; continue; }
  [ "$(num result "$out")" = 55 ] || fail "native fib:10 pick_order=$o: result is not 55"
  got=$(first_runs "$(num run_id "$out")" 1000000)
  sorted=$(tr , '\n' <<< "$got" | sort -n | paste -sd, -)
  [ "$(tr , '\n' <<< "$got" | wc -l)" -ge 100 ] || fail "native fib:10 $o: too few processes: $got"
  if [ $o = fifo ]; then
    [ "$got" = "$sorted" ] || fail "native fib:10 fifo: not run in spawn order: ${got:0:200}"
  else
    [ "$got" != "$sorted" ] || fail "native fib:10 lifo: ran in spawn order (breadth-first)"
  fi
done

# 4. validate beam replays BEAM's run queues oldest first.
if command -v erl > /dev/null &&
   erl -noshell -eval 'code:ensure_loaded(dbg) =:= {module, dbg} orelse halt(1), halt(0).' > /dev/null 2>&1; then
  export SCHEDLAB_BEAM_RECORD=$R/scripts/beam-record.sh
  expect_exit 0 "$S" validate beam "$R/traces/beam/fib.erl" --arg 5 --schedulers 2 --reps 1 \
    --db "$T/v.db" --json
  p=$(sqlite3 "$T/v.db" "SELECT json_extract(params, '\$.pick_order') FROM runs WHERE mode = 'sim'")
  [ "$p" = fifo ] || fail "validate beam replayed with pick_order '$p', want fifo"
else
  skip_check "pick_order: validate beam uses fifo (erl with dbg is not installed)"
fi

# 5. A bad value: exit 2, the choices named, nothing stored.
before=$(sqlite3 "$db" "SELECT COUNT(*) FROM runs")
expect_stderr 2 "parameter pick_order wants one of lifo fifo, not 'newest'" \
  "$S" replay "$T/order.jsonl" --topology synth:p=1 --param pick_order=newest --db "$db"
expect_stderr 2 "parameter pick_order wants one of lifo fifo, not 'LIFO'" \
  "$S" native "$T/order.jsonl" --threads 1 --param pick_order=LIFO --db "$db"
[ "$(sqlite3 "$db" "SELECT COUNT(*) FROM runs")" = "$before" ] || fail "a refused run stored rows"

finish pick_order "lifo $want_lifo, fifo $want_fifo; response p50 ${resp_lifo:-?} vs ${resp_fifo:-?} ns"
