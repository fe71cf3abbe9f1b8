#!/usr/bin/env bash
# The main job (`make demo`): compare every victim strategy on a default workload mix over an
# Apple M1 (4 P + 4 E cores) and a 2-socket AMD EPYC 7R13 (192 cores, 2 NUMA nodes), store the
# runs in SQLite, draw the plots, and say where they are.
set -eu
cd "$(dirname "$0")/.."
B=${BUILD_ROOT:-build}
S=$B/schedlab
DB=${DEMO_DB:-results/demo.db}
OUT=${DEMO_PLOTS:-results/plots/demo}
JOBS=$(nproc 2>/dev/null || echo 2)

mkdir -p results
rm -f "$DB" "$DB-wal" "$DB-shm"
# Each workload keeps all 192 EPYC cores busy for most of its run (utilisation 66-98 % there
# under locality, 88-99 % on the M1): fork-join with 20 us per process, Poisson arrivals
# every 100 ns, 2000 clients of 64 servers, and bursts of 4000.
WORKLOADS=(fib:24,work=20000 nqueens:11,work=20000 mixed:procs=20000,gap=100
           server:clients=2000,requests=10,servers=64 bursty:bursts=10,size=4000,gap=100000)
echo "== compare: 5 workloads x 2 machines x 6 strategies x 3 seeds (-j $JOBS)"
"$S" compare "${WORKLOADS[@]}" \
    --topology m1 --topology epyc7r13-2s --strategy all --seeds 3 -j "$JOBS" --per-process \
    --description "make demo: default workload mix" --db "$DB"
echo
echo "== plot"
"$S" plot --db "$DB" -o "$OUT"
"$S" report --db "$DB" --markdown > "$OUT/report.md"   # the table above, read back from $DB
echo
echo "database: $DB   (sqlite3 $DB 'SELECT * FROM run_summary LIMIT 5')"
echo "plots:    $OUT/index.html"
echo "table:    $OUT/report.md   (schedlab report --db $DB [--csv|--json|--markdown])"
