#!/usr/bin/env bash
# report prints compare's table from stored runs: equal to compare's own table row for row,
# after a direct compare and after a --plan run through GNU parallel and merge; workload seeds
# (--trace-seeds) fold into one trace whose heading says what the interval covers; the plan's
# paths are absolute; bad command lines exit 2, missing data 1. Uses $SCHEDLAB and sqlite3.
. "$(dirname "$0")/lib.sh"

# 1. compare into a fresh database, then report: the same text, the same JSON.
args=(fib:9 nqueens:5 --topology m1 --topology synth:p=4,e=2 -s random,locality
      --param steal_cooldown_ns=0,5000 --seeds 2)
"$S" compare "${args[@]}" -j 2 --db "$T/a.db" > "$T/compare.txt" || fail "compare"
"$S" report --db "$T/a.db" > "$T/report.txt" || fail "report"
if [ -s "$T/report.txt" ] && cmp -s "$T/compare.txt" "$T/report.txt"; then
  ok "report equals compare's table ($(wc -l < "$T/report.txt") lines)"
else fail "report differs from compare"; diff "$T/compare.txt" "$T/report.txt" | head; fi
rows=$(grep -c 'steal_cooldown_ns=' "$T/report.txt")
[ "$rows" = 32 ] && ok "4 groups x 4 rows x 2 tables" || fail "expected 32 labelled rows, got $rows"
"$S" compare "${args[@]}" -j 2 --db "$T/j.db" --json > "$T/compare.json" || fail "compare --json"
"$S" report --db "$T/j.db" --experiment 1 --json > "$T/report.json" || fail "report --json"
cmp -s "$T/compare.json" "$T/report.json" && ok "report --json equals compare --json" \
  || fail "JSON differs: $(diff <(tr , '\n' < "$T/compare.json") <(tr , '\n' < "$T/report.json") | head -5)"

# 2. The plan, run by GNU parallel from another folder, merged: report equals the direct table
#    (all but the first line, which names the database).
(cd / && "$S" compare "${args[@]}" --plan "$T/plan.txt" > /dev/null) || fail "plan"
if grep -v "^'/" "$T/plan.txt" | grep -q .; then fail "a plan line does not start with an absolute path"; fi
grep -q -- "--db '$T/plan.txt.d/run-000001.db'" "$T/plan.txt" && ok "plan databases are absolute" \
  || fail "plan db paths: $(head -c 300 "$T/plan.txt")"
if command -v parallel > /dev/null; then
  (cd / && parallel --will-cite --jobs 2 < "$T/plan.txt" > /dev/null) || fail "parallel"
  "$S" merge "$T/m.db" "$T"/plan.txt.d/run-*.db > /dev/null || fail "merge"
  "$S" report --db "$T/m.db" > "$T/merged.txt" || fail "report of the merged database"
  if [ -s "$T/merged.txt" ] && cmp -s <(tail -n +2 "$T/compare.txt") <(tail -n +2 "$T/merged.txt"); then
    ok "report after plan + merge equals compare's table row for row"
  else fail "merged report differs"; diff "$T/compare.txt" "$T/merged.txt" | head; fi
else
  fail "GNU parallel is not installed (scripts/setup.sh installs it)"
fi
mkdir "$T/wd"
"$S" compare fib:8 -s ring --seeds 1 --plan "$T/p2.txt" --workdir "$T/wd" > /dev/null || fail "--workdir"
grep -q -- "--db '$T/wd/run-000001.db'" "$T/p2.txt" && ok "--workdir holds the databases" \
  || fail "--workdir: $(cat "$T/p2.txt")"
SA=$(cd "$(dirname "$0")/../.." && pwd)/scripts/slurm-array.sh
(cd / && SLURM_ARRAY_TASK_ID=1 bash "$SA" "$T/p2.txt" > /dev/null) || fail "slurm-array.sh task 1"
[ -s "$T/wd/run-000001.db" ] && ok "slurm-array.sh ran plan line 1" || fail "no database from slurm-array.sh"
expect_stderr 2 "outside 1..1" env SLURM_ARRAY_TASK_ID=2 bash "$SA" "$T/p2.txt"

# 3. Workload seeds: one group per trace, the interval over workload x scheduler seeds.
"$S" compare mixed:procs=30 uts:T1 -s random,ring --seeds 2 --trace-seeds 3 -j 2 \
    --db "$T/w.db" > "$T/w.txt" || fail "compare --trace-seeds"
n=$(sqlite3 "$T/w.db" "SELECT COUNT(DISTINCT trace) FROM runs")
[ "$n" = 6 ] && ok "6 distinct workloads stored" || fail "distinct traces: $n"
has "$T/w.txt" "mixed:procs=30 on m1"
has "$T/w.txt" "95% CI over 3 workload seeds (seed=1..3) x 2 scheduler seeds"
has "$T/w.txt" "95% CI over 3 workload seeds (r=1..3) x 2 scheduler seeds"
has "$T/w.txt" "(n=6)"
sd=$(sqlite3 "$T/w.db" "SELECT COUNT(DISTINCT s.makespan_ns) FROM runs r JOIN run_summary s
     ON s.run_id = r.id WHERE r.strategy = 'ring' AND r.trace LIKE 'mixed%'")
[ "$sd" -gt 1 ] && ok "ring's makespan varies over workload seeds ($sd values)" || fail "ring: $sd"
"$S" report --db "$T/w.db" > "$T/wr.txt" && cmp -s "$T/w.txt" "$T/wr.txt" \
  && ok "report equals compare with workload seeds" || fail "workload-seed report differs"
"$S" compare fib:8 --trace-seeds 2 --db "$T/no.db" > /dev/null 2> "$T/err"
[ $? = 2 ] && grep -q "deterministic" "$T/err" && ok "fib --trace-seeds -> exit 2" || fail "fib trace seeds: $(cat "$T/err")"
expect_stderr 2 "gives seed= itself" "$S" compare mixed:procs=9,seed=4 --trace-seeds 2 --db "$T/no.db"

# 4. Formats and errors.
"$S" report --db "$T/a.db" --csv > "$T/r.csv" || fail "--csv"
[ "$(wc -l < "$T/r.csv")" = 17 ] && ok "csv: header + 16 rows" || fail "csv lines: $(wc -l < "$T/r.csv")"
"$S" report --db "$T/a.db" --markdown > "$T/r.md" || fail "--markdown"
[ "$(grep -c '^| \(random\|locality\) |' "$T/r.md")" = 16 ] && ok "markdown: 16 rows" || fail "markdown rows"
"$S" plot --db "$T/a.db" -o "$T/plots" > /dev/null 2>&1 || fail "plot"
grep '^<tr><td>.*</td></tr>$' "$T/plots/index.html" | grep -v 'params JSON' \
  | sed -e 's#<tr><td>#| #' -e 's#</td></tr># |#' -e 's#</td><td># | #g' -e 's#&lt;#<#g' > "$T/html_rows"
grep '^| \(random\|locality\) |' "$T/r.md" > "$T/md_rows"
[ -s "$T/md_rows" ] && cmp -s "$T/html_rows" "$T/md_rows" && ok "index.html shows report's table" \
  || fail "index.html table: $(diff "$T/html_rows" "$T/md_rows" | head -4)"
expect_stderr 2 "give one of" "$S" report --db "$T/a.db" --json --csv
expect_stderr 2 "--experiment wants" "$S" report --db "$T/a.db" --experiment x
expect_stderr 1 "experiment 9 has no runs" "$S" report --db "$T/a.db" --experiment 9
expect_exit 1 "$S" report --db "$T/none.db"
[ ! -e "$T/none.db" ] && ok "report creates no database" || fail "report created a database"

# 5. Names: "did you mean", exit 2, nothing stored.
expect_stderr 2 "unknown strategy 'locallity' (did you mean 'locality'?)" "$S" replay fib:4 -s locallity --db "$T/n.db"
expect_stderr 2 "unknown parameter 'steal_retry' (did you mean 'steal_retries'?)" "$S" replay fib:4 --param steal_retry=1 --db "$T/n.db"
expect_stderr 2 "unknown topology 'm2' (did you mean 'm1'?)" "$S" compare fib:4 --topology m2 --db "$T/n.db"
expect_stderr 2 "unknown generator 'fbi' (did you mean 'fib'?)" "$S" compare fbi:10 --db "$T/n.db"
lacks "$T/err" "cannot open"
[ ! -e "$T/n.db" ] && ok "no database for a misspelt name" || fail "a misspelt name created a database"
"$S" --help > "$T/help.txt"
for c in topo trace replay compare merge report plot native validate beam bench; do
  grep -q "^  $c " "$T/help.txt" || fail "top-level help lacks $c"
done

finish report.sh
