#!/usr/bin/env bash
# plot.sh: end-to-end checks of `schedlab plot`: PNG and SVG of every plot from a database made
# by real replays, data files that agree with sqlite3 queries, index.html, the default output
# folder and experiment, a PATH without gnuplot (data still written, exit 0, install hint),
# clear errors for a bad experiment id or database, and what makes the plots read well: NUMA
# node and socket boundaries on the heatmaps, a note in place of an empty migration or steal
# panel, the makespan dot plot's axes.
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

# ---- plots that read well: machine boundaries, notes for empty panels, the dot plot --------
# fib:1 is one process (5 us: a heatmap needs two samples a core): no steal, no migration; the
# synthetic machine has 2 sockets of 2 nodes
ED=$T/e.db
SY=synth:sockets=2,nodes=4,clusters=8,p=32
for seed in 1 2; do
  expect_exit 0 "$S" replay fib:1,work=5000 --db "$ED" --topology synth:p=4 --strategy random \
    --seed "$seed"
  expect_exit 0 "$S" replay fib:12 --db "$ED" --topology "$SY" --strategy random --seed "$seed"
done
expect_exit 0 "$S" plot --db "$ED" --experiment all -o "$T/e"
has "$T/out" "PNG and SVG of each"
# the first core of each node but the first, from what the run recorded; sockets from the machine
run=$(sqlite3 "$ED" "SELECT MIN(id) FROM runs WHERE topology = '$SY'")
nodes=$(sqlite3 "$ED" "SELECT group_concat(core, ' ') FROM (SELECT c.core FROM core_stats c
          JOIN core_stats p ON p.run_id = c.run_id AND p.core = c.core - 1
          WHERE c.run_id = $run AND c.node != p.node ORDER BY c.core)")
[ "$nodes" = "8 16 24" ] || fail "core_stats nodes of $SY begin at '$nodes'"
for k in util steals; do
  f=$(ls "$T"/e/$k-2-*.dat)
  has "$f" "NUMA nodes: $nodes; sockets: 16"
  has "$f" "clusters: 4 8 12 16 20 24 28;"
  grep -q 'NUMA nodes' "$T"/e/$k-2-*.svg || fail "$k heatmap of $SY names no NUMA node lines"
done
has "$(ls "$T"/e/util-1-*.dat)" "clusters: -; NUMA nodes: -; sockets: -"
# no migration, no steal: the panel says so
has "$T/e/migrations.dat" "# block 0: no migrations in any run"
grep -q '# block 1: no migrations' "$T/e/migrations.dat" && fail "fib:12 had migrations"
grep -q '>no migrations<' "$T/e/migrations.svg" || fail "migrations.svg: no 'no migrations' note"
has "$(ls "$T"/e/steals-1-*.dat)" "0.0 steals per run (no steals)"
grep -q '>no steals<' "$T"/e/steals-1-*.svg || fail "steal matrix of fib:1 has no 'no steals' note"
grep -q '>no steals<' "$T"/e/steals-2-*.svg && fail "fib:12 steal matrix says 'no steals'"
# makespan: a dot plot in per cent above the best, the best labelled, absolute time on the right
grep -q '>best<' "$T/e/makespan.svg" || fail "makespan.svg labels no best strategy"
grep -q 'above the best (%)' "$T/e/makespan.svg" || fail "makespan.svg: no per-cent axis"
grep -q 'mean makespan (µs)' "$T/e/makespan.svg" || fail "makespan.svg: no time axis in µs"

# ---- sweeps: a tick at each swept value, labels told apart, nothing outside the image -------
# unclipped SVG: every text label (rotated ones aside) lies inside the image, its width guessed
# at 6.5 px a character of the 10-point font; prints the labels anchored "end" (the y ticks)
svg_labels() {
  python3 - "$1" << 'PY'
import re, sys
svg = open(sys.argv[1]).read()
w = float(re.search(r'width="(\d+)"', svg).group(1))
ys = []
for tr, anchor, text in re.findall(r'<g transform="translate\(([-0-9.,]+)\)"[^>]*?'
                                   r'(?:text-anchor="(\w+)")?>\s*<text>([^<]*)</text>', svg):
    x, y = map(float, tr.split(","))
    half = 6.5 * len(text.strip())
    lo, hi = {"end": (x - half, x), "middle": (x - half / 2, x + half / 2)}.get(anchor, (x, x + half))
    if lo < 0 or hi > w or y < 0:
        print(f"CLIPPED {text!r} at {x},{y} of width {w}")
    if anchor == "end":
        ys.append(text.strip())
print(" ".join(ys))
PY
}
# distinct_ticks DAT SVG N: the sweep's x tick labels (its .dat header) are N non-empty,
# distinct labels, each drawn; the y tick labels are distinct too; nothing is clipped
distinct_ticks() {
  local labels y
  labels=$(grep '^# x tick labels: ' "$1" | grep -o '"[^"]*"' | tr -d '"' | grep -v '^$')
  [ "$(wc -l <<< "$labels")" -eq "$3" ] || fail "$1: $3 x tick labels wanted: $labels"
  [ "$(sort <<< "$labels" | uniq -d)" = "" ] || fail "$1: repeated x tick labels: $labels"
  while read -r l; do grep -qF "<text>$l</text>" "$2" || fail "$2: x tick '$l' not drawn"; done <<< "$labels"
  y=$(svg_labels "$2")
  grep -q CLIPPED <<< "$y" && fail "$2: $(grep CLIPPED <<< "$y")"
  y=$(grep -v CLIPPED <<< "$y" | tr ' ' '\n')
  if [ -z "$y" ] || [ -n "$(sort <<< "$y" | uniq -d)" ]; then fail "$2: y tick labels: $y"; fi
}
n=0
for sweep in "1000,1001,1002 1000 1001 1002" "1,10,100,1000 1 10 100 1000" \
             "1000000,1000001,1000002 1M 1.000001M 1.000002M" "1000000,1000001,3000000 1M 3M"; do
  n=$((n + 1))
  # shellcheck disable=SC2086
  set -- $sweep
  vals=$1
  shift
  expect_exit 0 "$S" compare fib:8 --topology synth:p=2 -s random,ring --db "$T/sw$n.db" \
    --param steal_cooldown_ns="$vals"
  expect_exit 0 "$S" plot --db "$T/sw$n.db" -o "$T/sw$n"
  d=$T/sw$n/sweep-fib_8_on_synth_p_2
  distinct_ticks "$d.dat" "$d.svg" $#
  [ "$(grep '^# x tick labels: ' "$d.dat" | grep -o '"[^"]*"' | grep -v '""' | tr -d '"' |
       tr '\n' ' ')" = "$* " ] || fail "sweep over $vals: x tick labels $(grep 'x tick' "$d.dat")"
done
has "$T/sw4/sweep-fib_8_on_synth_p_2.dat" '"" 1000001'   # too close to 1M to print apart
ok "sweeps of $n value sets: x ticks at the values, labels distinct, unclipped"
# the Gantt chart of a run recorded with --timeline: unclipped labels
expect_exit 0 "$S" replay fib:12 --topology m1 --strategy random --db "$T/g.db" --timeline
expect_exit 0 "$S" plot --db "$T/g.db" -o "$T/g"
y=$(svg_labels "$T/g/gantt-run1.svg")
grep -q CLIPPED <<< "$y" && fail "gantt-run1.svg: $(grep CLIPPED <<< "$y")"
[ "$(tr ' ' '\n' <<< "$y" | tr '\n' ' ')" = "0 1 2 3 4 5 6 7 " ] || fail "gantt core labels: $y"

finish plot.sh
