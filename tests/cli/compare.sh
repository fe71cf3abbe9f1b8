#!/usr/bin/env bash
# compare, sweeps, interruption, and the plan -> GNU parallel -> merge path against a direct
# compare. Uses $SCHEDLAB (the binary) and the sqlite3 shell.
. "$(dirname "$0")/lib.sh"
q() { sqlite3 "$1" "$2"; }

# 1. The cross product: 2 traces x 2 topologies x 2 strategies x 1 sweep of 2 values x 2 seeds.
if "$S" compare fib:9 nqueens:5 --topology m1 --topology synth:p=4,e=2 -s random,locality \
     --param steal_cooldown_ns=0,5000 --seeds 2 -j 2 --db "$T/a.db" > "$T/out.txt"; then
  n=$(q "$T/a.db" "SELECT COUNT(*) FROM runs WHERE experiment_id = 1")
  [ "$n" = 32 ] && ok "cross product has 32 runs" || bad "expected 32 runs, got $n"
  c=$(q "$T/a.db" "SELECT COUNT(*) FROM runs r JOIN run_summary s ON s.run_id = r.id")
  [ "$c" = 32 ] && ok "every run has its summary" || bad "summaries: $c"
  grep -q "steal_cooldown_ns=5000" "$T/out.txt" && ok "sweep labels printed" || bad "no sweep label"
  grep -q "lower bound" "$T/out.txt" && ok "lower bound printed" || bad "no lower bound"
else
  bad "compare failed"; cat "$T/out.txt"
fi

# 2. --json has the groups and confidence intervals.
"$S" compare fib:8 -s all --seeds 2 -j 2 --db "$T/j.db" --json > "$T/j.json" || bad "compare --json"
for key in '"groups"' '"makespan_ns":{"mean"' '"ci95"' '"vs_best"' '"lower_bound_ns"'; do
  grep -q "$key" "$T/j.json" && ok "json has $key" || bad "json lacks $key"
done
n=$(grep -o '"strategy"' "$T/j.json" | wc -l)
want=$("$S" --list-strategies | wc -l)
[ "$want" -ge 6 ] || bad "--list-strategies names $want strategies"
[ "$n" = "$want" ] && ok "all = $want strategies" || bad "all gave $n strategies, not $want"
for st in $("$S" --list-strategies); do
  grep -q "\"strategy\":\"$st\"" "$T/j.json" || bad "all lacks strategy $st"
done

# 3. Bad input: exit 2 for usage errors, nothing run.
"$S" compare fib:8 -s telepathy --db "$T/b.db" 2>"$T/err.txt"; rc=$?
[ $rc = 2 ] && grep -q telepathy "$T/err.txt" && ok "unknown strategy -> exit 2" || bad "unknown strategy rc=$rc"
[ ! -e "$T/b.db" ] && ok "no database for a usage error" || bad "database created on usage error"
"$S" compare fib:8 --param nonsense=3 --db "$T/b.db" 2>/dev/null; [ $? = 2 ] && ok "unknown param -> 2" || bad "unknown param"

# 4. Plan, run it with GNU parallel, merge, and compare with a direct compare.
"$S" compare fib:10 --topology m1 -s random,ring --seeds 2 --param steal_cooldown_ns=0,2000 \
    --plan "$T/plan.txt" > /dev/null || bad "plan"
lines=$(wc -l < "$T/plan.txt")
[ "$lines" = 8 ] && ok "plan has 8 commands" || bad "plan has $lines commands"
if command -v parallel > /dev/null; then
  parallel --will-cite --jobs 2 < "$T/plan.txt" > /dev/null || bad "parallel run of the plan"
  "$S" merge "$T/merged.db" "$T"/plan.txt.d/run-*.db > /dev/null || bad "merge"
  "$S" compare fib:10 --topology m1 -s random,ring --seeds 2 --param steal_cooldown_ns=0,2000 \
      -j 2 --db "$T/direct.db" > /dev/null || bad "direct compare"
  sel="SELECT r.trace, r.topology, r.strategy, r.seed, r.params, s.makespan_ns, s.steals,
       s.steal_attempts, s.events, s.utilization FROM runs r JOIN run_summary s ON s.run_id = r.id
       ORDER BY r.strategy, r.seed, r.params"
  q "$T/merged.db" "$sel" > "$T/m.txt"; q "$T/direct.db" "$sel" > "$T/d.txt"
  if [ -s "$T/m.txt" ] && cmp -s "$T/m.txt" "$T/d.txt"; then ok "merged plan equals direct compare"
  else bad "merged plan differs from direct compare"; diff "$T/m.txt" "$T/d.txt" | head; fi
  cs="SELECT COUNT(*) FROM core_stats"
  [ "$(q "$T/merged.db" "$cs")" = "$(q "$T/direct.db" "$cs")" ] && ok "core_stats merged" || bad "core_stats counts differ"
  [ "$(q "$T/merged.db" "SELECT COUNT(DISTINCT experiment_id) FROM runs")" = 1 ] && ok "one experiment" || bad "experiments"
else
  bad "GNU parallel is not installed (scripts/setup.sh installs it)"
fi

# 5. Ctrl-C: finished runs stay, no half-written run.
"$S" compare fib:20 --topology epyc7r13-2s -s all --seeds 20 -j 2 --db "$T/i.db" > /dev/null 2>&1 &
pid=$!
sleep 2
kill -INT $pid
wait $pid; rc=$?
[ $rc = 130 ] && ok "interrupted compare exits 130" || bad "interrupted compare rc=$rc"
runs=$(q "$T/i.db" "SELECT COUNT(*) FROM runs")
full=$(q "$T/i.db" "SELECT COUNT(*) FROM runs r WHERE EXISTS (SELECT 1 FROM run_summary s WHERE s.run_id = r.id) AND (SELECT COUNT(*) FROM core_stats c WHERE c.run_id = r.id) = r.ncores")
[ "$runs" -lt 120 ] && ok "stopped early ($runs of 120 runs)" || bad "it did not stop ($runs runs)"
[ "$runs" = "$full" ] && ok "all $runs stored runs are complete" || bad "$runs runs, $full complete"

finish compare.sh
