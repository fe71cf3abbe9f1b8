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
echo "== compare: 5 workloads x 2 machines x 6 strategies x 3 seeds (-j $JOBS)"
"$S" compare fib:20 nqueens:9 uts:default mixed:procs=2000 server:clients=50,requests=20 \
    --topology m1 --topology epyc7r13-2s --strategy all --seeds 3 -j "$JOBS" --per-process \
    --description "make demo: default workload mix" --db "$DB"
echo
echo "== plot"
"$S" plot --db "$DB" -o "$OUT"
echo
echo "database: $DB   (sqlite3 $DB 'SELECT * FROM run_summary LIMIT 5')"
echo "plots:    $OUT/index.html"
