#!/usr/bin/env bash
# plot.sh: end-to-end checks of `schedlab plot`: PNG and SVG of every plot from a database made
# by real replays, data files that agree with sqlite3 queries, index.html, the default output
# folder and experiment, a PATH without gnuplot (data still written, exit 0, install hint), and
# clear errors for a bad experiment id or database.
. "$(dirname "$0")/lib.sh"
sql() { sqlite3 "$DB" "$1"; }
# data rows (not comments, not blank) of block $2 (0-based) of .dat file $1; blocks are
# separated by two blank lines
rows() {
  awk -v want="$2" '/^$/ { b++; next } /^#/ { next }
    { if (b >= 2 && seen) { blk++; seen = 0 } b = 0; seen = 1; if (blk == want) print }' "$1"
}
# near A B: the numbers A and B agree to 1e-6
near() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a - b < 1e-6 && b - a < 1e-6) }'; }

# ---- a database: fib:10 on m1 (P/E) and synth:p=4, random (per-process) and pe, 2 seeds ----
DB=$T/r.db
for topo in m1 synth:p=4; do
  for seed in 1 2; do
    expect_exit 0 "$S" replay fib:10 --db "$DB" --topology "$topo" --strategy random \
      --seed "$seed" --per-process
    expect_exit 0 "$S" replay fib:10 --db "$DB" --topology "$topo" --strategy pe --seed "$seed"
  done
done
sql "INSERT INTO experiments(description) VALUES ('cli test'); UPDATE runs SET experiment_id = 1;"

stems="makespan util-1-fib_10-m1 util-2-fib_10-synth_p_4 steals-1-fib_10-m1
       steals-2-fib_10-synth_p_4 migrations response energy"

expect_exit 0 "$S" plot --db "$DB" -o "$T/p"
has "$T/out" "experiment 1: 8 runs"
has "$T/out" "8 plots"
for s in $stems; do
  [ -s "$T/p/$s.dat" ] || fail "$s.dat missing"
  [ -s "$T/p/$s.svg" ] || fail "$s.svg missing or empty"
  if [ -s "$T/p/$s.png" ]; then
    [ "$(head -c 4 "$T/p/$s.png" | od -An -c | tr -d ' ')" = '211PNG' ] ||
      fail "$s.png is not a PNG"
  else
    fail "$s.png missing or empty"
  fi
  head -5 "$T/p/$s.dat" | grep -q '^# query: SELECT' || fail "$s.dat header names no query"
done

# the data came from the database
cell="SELECT id FROM runs WHERE topology = 'synth:p=4'"
want=$(sql "SELECT COUNT(*) FROM runs WHERE topology = 'm1'")
[ "$(rows "$T/p/energy.dat" 0 | wc -l)" -eq "$want" ] || fail "energy.dat rows != $want runs on m1"
want=$(sql 'SELECT COUNT(*) FROM runs')
[ "$(rows "$T/p/makespan.dat" 0 | awk '{ n += $4 } END { print n }')" -eq "$want" ] ||
  fail "makespan.dat seeds != $want runs"
want=$(sql "SELECT AVG(makespan_ns) FROM run_summary WHERE run_id IN ($cell AND strategy = 'pe')")
got=$(rows "$T/p/makespan.dat" 0 | awk '$2 == 1 && $3 == 1 { print $5 }')
near "$got" "$want" || fail "makespan.dat mean of pe on synth:p=4: '$got', SQL $want"
want=$(sql "SELECT COUNT(*) FROM processes WHERE end_ns IS NOT NULL AND run_id IN
            (SELECT id FROM runs WHERE topology = 'm1' AND strategy = 'random')")
has "$T/p/response.dat" "# processes: $want"
want=$(sql "SELECT SUM(count) FROM steal_matrix WHERE run_id IN ($cell AND strategy = 'random')")
got=$(rows "$T/p/steals-2-fib_10-synth_p_4.dat" 0 |
      awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s * 2 }')
near "$got" "$want" || fail "steal matrix sum x 2 seeds = $got, SQL $want"
[ "$(rows "$T/p/steals-2-fib_10-synth_p_4.dat" 0 | wc -l)" -eq 4 ] || fail "steal matrix of 4 cores"

has "$T/p/index.html" "data:image/png;base64,"
[ "$(grep -o '<img ' "$T/p/index.html" | wc -l)" -eq 8 ] || fail "index.html should show 8 plots"
grep -q 'https\?://' "$T/p/index.html" && fail "index.html references the network"

# ---- no gnuplot on PATH: data and index.html, exit 0, how to install it -------------------
expect_exit 0 env PATH=/nonexistent "$S" plot --db "$DB" -o "$T/nog"
has "$T/err" "gnuplot not found"
has "$T/err" "apt-get install gnuplot-nox"
has "$T/out" "no images (gnuplot missing)"
for s in $stems; do
  [ -s "$T/nog/$s.dat" ] || fail "without gnuplot: $s.dat missing"
  [ -e "$T/nog/$s.png" ] && fail "without gnuplot: $s.png exists"
done
has "$T/nog/index.html" "apt-get install gnuplot-nox"

# ---- defaults: results/plots/<newest experiment>, and 'all' includes runs of no experiment -
expect_exit 0 "$S" replay fib:8 --db "$DB" --topology m1 --strategy ring
(cd "$T" && "$S" plot --db r.db >"$T/out" 2>"$T/err") ||
  fail "plot with defaults failed: $(cat "$T/err")"
[ -s "$T/results/plots/1/index.html" ] || fail "default output folder results/plots/1"
has "$T/out" "experiment 1: 8 runs"
(cd "$T" && "$S" plot --db r.db --experiment all >"$T/out" 2>"$T/err") ||
  fail "--experiment all failed"
has "$T/out" "all runs (no experiment): 9 runs"
[ -s "$T/results/plots/all/makespan.png" ] || fail "results/plots/all/makespan.png"

# ---- errors --------------------------------------------------------------------------------
expect_exit 1 "$S" plot --db "$DB" --experiment 42 -o "$T/bad"
has "$T/err" "no experiment 42"
has "$T/err" "$DB"
[ -e "$T/bad" ] && fail "a bad experiment id created the output folder"
expect_exit 2 "$S" plot --db "$DB" --experiment abc
has "$T/err" "--experiment wants a positive id"
expect_exit 1 "$S" plot --db "$T/none.db" -o "$T/none"
has "$T/err" "none.db"
expect_exit 2 "$S" plot --db "$DB" stray
expect_exit 0 "$S" plot --help
has "$T/out" "apt-get install gnuplot-nox"

finish plot.sh
