#!/usr/bin/env bash
# timeline.sh: replay --timeline records a run's schedule and export --perfetto writes it as
# Chrome trace-event JSON that parses, has every required key and phase, and whose run and
# migrate slices add up to each core's busy_ns exactly (tests/cli/timeline_check.py); a timeline
# over its cap is cut with a message; export's errors; merge copies timelines; a database of
# schema version 2 is read unchanged (no timeline) and upgraded to 3 by a replay; native
# --timeline likewise, its slices merged from the workers' own recorders.
. "$(dirname "$0")/lib.sh"
CHECK="$(cd "$(dirname "$0")" && pwd)/timeline_check.py"
DATA="$(cd "$(dirname "$0")/../data/db" && pwd)"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"

# Busy time reproduced exactly, on machines of one kind, P/E and NUMA, with steals, migrations,
# affinity, preemption (a 20 us time slice) and a dispatch cost in play.
n=0
for run in "fib:14 --topology m1 --strategy pe" \
           "mixed:procs=300 --topology m1 --strategy random --param time_slice_ns=20000 --param dispatch_ns=300" \
           "affinity:procs=200 --topology i9-12900k --strategy load" \
           "skewed:procs=400 --topology epyc7r13-2s --strategy locality"; do
  n=$((n + 1))
  # shellcheck disable=SC2086
  expect_exit 0 "$S" replay $run --db "$T/t.db" --timeline
  expect_exit 0 "$S" export $n --perfetto -o "$T/run$n.json" --db "$T/t.db"
  has "$T/out" "exported run $n:"
  python3 "$CHECK" "$T/run$n.json" "$T/t.db" $n > "$T/check" || fail "run $n ($run): $(cat "$T/check")"
done
ok "exported timelines of $n runs parse and reproduce busy time"
[ "$(sqlite3 "$T/t.db" "SELECT count(*) FROM timeline_info WHERE dropped = 0")" = 4 ] ||
  fail "timeline_info: $(sqlite3 "$T/t.db" 'SELECT * FROM timeline_info')"
for k in run steal sleep wake migrate; do
  [ "$(sqlite3 "$T/t.db" "SELECT count(*) FROM timeline WHERE kind = '$k'")" -gt 0 ] ||
    fail "no '$k' slices recorded"
done
grep -q '"cat":"steal","ph":"s"' "$T/run1.json" && grep -q '"ph":"C"' "$T/run1.json" ||
  fail "run 1's export lacks steal flows or queue counters"
expect_exit 0 "$S" export newest --perfetto -o "$T/newest.json" --db "$T/t.db"
cmp -s "$T/newest.json" "$T/run4.json" || fail "export newest is not run 4"

# Migrations not made by a steal get an arrow too, from the core the process last ran on (or
# was queued on) to where it pays its migration cost, category "balance": the BEAM balancer's
# pulls (its pass every 10 us here), and an affinity change (2 processes whose strict sets
# change), one arrow per migration beyond the steals, each between slices of two cores.
n=0
for run in "fib:14 --topology m1 --strategy beam --param balance_interval_ns=10000" \
           "$ROOT/traces/samples/affinity_move.jsonl --topology m1 --strategy random"; do
  n=$((n + 1))
  # shellcheck disable=SC2086
  expect_exit 0 "$S" replay $run --db "$T/mv.db" --timeline
  moves=$(sqlite3 "$T/mv.db" "SELECT migrations - steals FROM run_summary WHERE run_id = $n")
  [ "${moves:-0}" -gt 0 ] || fail "run $n ($run) made no migration but steals: $moves"
  expect_exit 0 "$S" export $n --perfetto -o "$T/mv$n.json" --db "$T/mv.db"
  python3 "$CHECK" "$T/mv$n.json" "$T/mv.db" $n --moves "$moves" > "$T/check" ||
    fail "moves of run $n ($run): $(cat "$T/check")"
done
ok "migrations beyond the steals of $n runs drawn as balance arrows between slices"

# The same run without --timeline stores no slice and replays the same schedule.
expect_exit 0 "$S" replay fib:14 --topology m1 --strategy pe --db "$T/t.db"
[ "$(sqlite3 "$T/t.db" "SELECT count(*) FROM timeline WHERE run_id = 5")" = 0 ] ||
  fail "a run without --timeline stored slices"
[ "$(sqlite3 "$T/t.db" "SELECT group_concat(busy_ns) FROM core_stats WHERE run_id IN (1) ")" = \
  "$(sqlite3 "$T/t.db" "SELECT group_concat(busy_ns) FROM core_stats WHERE run_id IN (5)")" ] ||
  fail "recording the timeline changed the run"
expect_stderr 1 "run 5 has no timeline" "$S" export 5 --perfetto -o "$T/x.json" --db "$T/t.db"
[ ! -e "$T/x.json" ] || fail "a failed export left a file"

# The cap: cut with a clear message, recorded as cut, and exported with a marker.
expect_stderr 0 "timeline cut at 40 slices" \
  "$S" replay fib:14 --topology m1 --strategy pe --db "$T/t.db" --timeline=40
[ "$(sqlite3 "$T/t.db" "SELECT slices, max_slices, dropped > 0 FROM timeline_info WHERE run_id = 6")" = "40|40|1" ] ||
  fail "cut timeline_info: $(sqlite3 "$T/t.db" 'SELECT * FROM timeline_info WHERE run_id = 6')"
expect_stderr 0 "was cut when recorded" "$S" export 6 --perfetto -o "$T/cut.json" --db "$T/t.db"
has "$T/cut.json" '"timeline cut here"'
python3 "$CHECK" "$T/cut.json" "$T/t.db" 6 --cut > "$T/check" || fail "cut: $(cat "$T/check")"

# Bad command lines exit 2.
expect_stderr 2 "--timeline=N wants" "$S" replay fib:5 --timeline=0 --db "$T/t.db"
expect_stderr 2 "cannot go with --no-db" "$S" replay fib:5 --timeline --no-db
expect_stderr 2 "which format" "$S" export 1 -o "$T/x.json" --db "$T/t.db"
expect_stderr 2 "where to" "$S" export 1 --perfetto --db "$T/t.db"
expect_stderr 2 "RUN is a run id" "$S" export one --perfetto -o "$T/x.json" --db "$T/t.db"
expect_stderr 1 "run 99" "$S" export 99 --perfetto -o "$T/x.json" --db "$T/t.db"

# merge copies the slices with the runs.
expect_exit 0 "$S" merge "$T/m.db" "$T/t.db"
[ "$(sqlite3 "$T/m.db" "SELECT count(*) FROM timeline")" = \
  "$(sqlite3 "$T/t.db" "SELECT count(*) FROM timeline")" ] || fail "merge lost timeline rows"
last=$(sqlite3 "$T/m.db" "SELECT max(run_id) FROM timeline_info WHERE dropped = 0")
expect_exit 0 "$S" export "$last" --perfetto -o "$T/merged.json" --db "$T/m.db"
python3 "$CHECK" "$T/merged.json" "$T/m.db" "$last" > "$T/check" || fail "merged: $(cat "$T/check")"

# A version-2 database: read unchanged (no timeline), merged, upgraded by a replay.
sqlite3 "$T/v2.db" < "$DATA/schema_v2.sql"
sqlite3 "$T/v2.db" "INSERT INTO runs (id, trace, topology, strategy, seed, mode, tool_version,
  start_unix_ns, wall_s, ncores) VALUES (1, 'fib:5', 'synth:p=1', 'random', 1, 'sim', 'old', 1,
  0.1, 1); INSERT INTO core_stats VALUES (1, 0, 'P', 0, 0, 100, 0, 0, 0, 0, 1, 0, 0, 0);"
sum=$(sha1sum < "$T/v2.db")
expect_stderr 1 "run 1 has no timeline" "$S" export 1 --perfetto -o "$T/x.json" --db "$T/v2.db"
expect_exit 0 "$S" merge "$T/m2.db" "$T/v2.db"
[ "$(sha1sum < "$T/v2.db")" = "$sum" ] || fail "export or merge changed a version-2 database"
expect_exit 0 "$S" replay fib:10 --topology synth:p=2 --db "$T/v2.db" --timeline
[ "$(sqlite3 "$T/v2.db" "PRAGMA user_version")" = 4 ] || fail "replay did not upgrade version 2"
sqlite3 "$T/v2.db" "SELECT sql FROM sqlite_schema WHERE name LIKE 'timeline%' ORDER BY name" > "$T/up"
sqlite3 "$T/m.db" "SELECT sql FROM sqlite_schema WHERE name LIKE 'timeline%' ORDER BY name" > "$T/new"
cmp -s "$T/up" "$T/new" || fail "upgraded timeline tables differ from a new database's"
expect_exit 0 "$S" export 2 --perfetto -o "$T/up.json" --db "$T/v2.db"
python3 "$CHECK" "$T/up.json" "$T/v2.db" 2 > "$T/check" || fail "upgraded: $(cat "$T/check")"

# plot: a Gantt chart per small run with a timeline (its data rows are that run's slices but
# the wake-ups), a note for the cut one; a sweep of one parameter drawn against its values.
expect_exit 0 "$S" plot --db "$T/t.db" --experiment all -o "$T/plot"
[ -f "$T/plot/gantt-run1.dat" ] || fail "no Gantt data for run 1: $(ls "$T/plot")"
[ "$(grep -vc '^#' "$T/plot/gantt-run1.dat")" = \
  "$(sqlite3 "$T/t.db" "SELECT count(*) FROM timeline WHERE run_id = 1 AND kind <> 'wake'")" ] ||
  fail "gantt-run1.dat rows are not run 1's slices"
[ ! -e "$T/plot/gantt-run6.dat" ] || fail "a cut timeline was drawn as a Gantt chart"
has "$T/plot/index.html" "not drawn as a Gantt chart"
expect_exit 0 "$S" compare fib:12 --topology m1 -s random,ring --seeds 2 --db "$T/s.db" \
  --param steal_cooldown_ns=10,1000,100000
expect_exit 0 "$S" plot --db "$T/s.db" -o "$T/sweep"
d="$T/sweep/sweep-fib_12_on_m1.dat"
[ -f "$d" ] || fail "no sweep plot: $(ls "$T/sweep")"
[ "$(grep -v '^#' "$d" | awk 'NF == 4 { print $1 }' | tr '\n' ' ')" = "10 1000 100000 10 1000 100000 " ] ||
  fail "sweep data is not two strategies over the three values: $(cat "$d")"
has "$T/sweep/index.html" "the x axis is logarithmic"

# native --timeline: the workers' slices, merged, export and reproduce each worker's busy time
# exactly (the run slices cut each busy period at the very clock reads busy_ns adds up), for
# a computed workload on the fast path, the same through ws_sched only, and replayed traces.
# Each worker has a queue counter track (sampled at its clock reads: some count > 0 in fib's),
# and every wake-up names the other worker that woke it, but for the feeder's injections of
# the roots (first word: how many roots, from trace stats; second: whether some count must be
# > 0, "-" for no).
n=0
for run in "1 --queued fib:16" "1 --queued fib:16 --slow --strategy random" \
           "1 - $ROOT/traces/samples/ring_small.jsonl" "150 - mixed:procs=150"; do
  n=$((n + 1))
  # shellcheck disable=SC2086
  set -- $run
  roots=$1 queued=${2#-} spec=$3
  shift 3
  expect_exit 0 "$S" native "$spec" "$@" --threads 2 --db "$T/nat.db" --timeline
  expect_exit 0 "$S" export $n --perfetto -o "$T/nat$n.json" --db "$T/nat.db"
  # shellcheck disable=SC2086
  python3 "$CHECK" "$T/nat$n.json" "$T/nat.db" $n --wakers "$roots" $queued > "$T/check" ||
    fail "native run $n ($run): $(cat "$T/check")"
done
ok "native timelines of $n runs parse, reproduce busy time, count queues and name wakers"
[ "$(sqlite3 "$T/nat.db" "SELECT count(*) FROM timeline_info WHERE dropped = 0")" = 4 ] ||
  fail "native timeline_info: $(sqlite3 "$T/nat.db" 'SELECT * FROM timeline_info')"
[ "$(sqlite3 "$T/nat.db" "SELECT count(DISTINCT pid) FROM timeline WHERE run_id = 1 AND
  kind = 'run' AND pid IS NOT NULL")" = 3193 ] || fail "fib:16's 3193 processes are not all in run 1's slices"
expect_exit 0 "$S" native fib:16 --threads 2 --db "$T/nat.db"
[ "$(sqlite3 "$T/nat.db" "SELECT count(*) FROM timeline_info WHERE run_id = 5")" = 0 ] ||
  fail "a native run without --timeline recorded a timeline"
# (up to 30 slices: those at the ns of the first one left out are left out with it)
expect_stderr 0 "timeline cut at " "$S" native fib:16 --threads 2 --db "$T/nat.db" --timeline=30
[ "$(sqlite3 "$T/nat.db" "SELECT slices BETWEEN 20 AND 30, max_slices, dropped > 0, (SELECT
  max(start_ns) FROM timeline WHERE run_id = 6) < cut_ns, slices + dropped > 30 FROM
  timeline_info WHERE run_id = 6")" = "1|30|1|1|1" ] ||
  fail "native cut: $(sqlite3 "$T/nat.db" 'SELECT * FROM timeline_info WHERE run_id = 6')"
expect_stderr 0 "was cut when recorded" "$S" export 6 --perfetto -o "$T/natcut.json" --db "$T/nat.db"
has "$T/natcut.json" '"timeline cut here"'
python3 "$CHECK" "$T/natcut.json" "$T/nat.db" 6 --cut > "$T/check" || fail "native cut: $(cat "$T/check")"
expect_stderr 2 "cannot go with --no-db" "$S" native fib:5 --timeline --no-db
expect_stderr 2 "--timeline=N wants" "$S" native fib:5 --timeline=x --db "$T/nat.db"

finish timeline
