#!/usr/bin/env bash
# run_metrics.sh: the derived run metrics (migration rate, success rate and average cost,
# load-balance quality, steal success rate) in replay, native and compare --json, with values
# that agree with the counts printed beside them; and a database of schema version 1 that plot
# reads unchanged, merge takes as an input, and replay upgrades in place.
. "$(dirname "$0")/lib.sh"

KEYS="migrations_considered migration_rate_per_s migration_success_rate migration_cost_avg_ns
busy_cv busy_max_mean steal_success_rate"

# has_keys WHAT JSON: every key of $KEYS is in JSON.
has_keys() {
  for k in $KEYS; do
    grep -qF "\"$k\":" <<< "$2" || fail "$1 --json lacks $k: ${2:0:300}"
  done
}

# ratio_is V N D [K]: V equals K * N / D (K 1 by default) within 1e-9 relative.
ratio_is() { awk -v v="$1" -v n="$2" -v d="$3" -v k="${4:-1}" 'BEGIN { r = k * n / d; e = v - r;
  if (e < 0) e = -e; m = r < 0 ? -r : r; if (m < 1) m = 1; exit !(e <= 1e-9 * m) }'; }

j=$("$S" replay fib:18 --topology m1 --strategy random --no-db --json) || fail "replay --json"
has_keys replay "$j"
mig=$(json_num migrations "$j"); con=$(json_num migrations_considered "$j")
[ "$con" -ge "$mig" ] && [ "$mig" -gt 0 ] || fail "replay: $mig migrations of $con considered"
ratio_is "$(json_num migration_success_rate "$j")" "$mig" "$con" ||
  fail "replay: migration_success_rate is not migrations / migrations_considered: $j"
ratio_is "$(json_num migration_rate_per_s "$j")" "$mig" "$(json_num makespan_ns "$j")" 1e9 ||
  fail "replay: migration_rate_per_s is not migrations per second of makespan: $j"
ratio_is "$(json_num steal_success_rate "$j")" "$(json_num steals "$j")" \
         "$(json_num steal_attempts "$j")" || fail "replay: steal_success_rate is not steals / attempts"
"$S" replay fib:18 --topology m1 --no-db > "$T/text" || fail "replay"
has "$T/text" "migration     "
has "$T/text" "busy time CV"

j=$("$S" native fib:16 --threads 2 --no-db --json) || fail "native --json"
has_keys native "$j"
"$S" native fib:16 --threads 2 --no-db > "$T/text" || fail "native"
has "$T/text" "busy time CV"

j=$("$S" compare fib:14 --topology m1 -s random,ring --seeds 1 --db "$T/c.db" --json) ||
  fail "compare --json"
for k in $KEYS; do
  [ "$k" = migrations_considered ] && continue   # compare shows the rates, not the counts
  [ "$(grep -oF "\"$k\":" <<< "$j" | wc -l)" -eq 2 ] || fail "compare --json rows lack $k"
done
"$S" compare fib:14 --topology m1 -s random --seeds 1 --db "$T/c.db" > "$T/text" || fail compare
has "$T/text" "migr ok"

# A version-1 database: one run of 2 cores, busy 100 and 300 ns (CV 0.5, max/mean 1.5).
sqlite3 "$T/v1.db" < tests/data/db/schema_v1.sql
sqlite3 "$T/v1.db" "INSERT INTO runs (id, trace, topology, strategy, seed, mode, tool_version,
  start_unix_ns, wall_s, ncores) VALUES (1, 'fib:5', 'synth:p=2', 'random', 1, 'sim', 'old', 1,
  0.1, 2); INSERT INTO run_summary VALUES (1, 500000000, 15, 100, 3, 4, 1, 0, 0, 0, 0, 0, 0, 4,
  0, 4, 0, 0, 50, 0, 0, 0, 0.5, 1, 2, 3, 4, 5, 6, 0.25);
  INSERT INTO core_stats VALUES (1, 0, 'P', 0, 0, 100, 0, 0, 0, 0, 1, 0, 0, 0);
  INSERT INTO core_stats VALUES (1, 1, 'P', 0, 0, 300, 0, 0, 0, 0, 1, 3, 0, 4);"
sum=$(sha1sum < "$T/v1.db")
expect_exit 0 "$S" plot --db "$T/v1.db" --experiment all -o "$T/plot"
has "$T/plot/index.html" "<td>1.500</td>"
[ "$(sha1sum < "$T/v1.db")" = "$sum" ] || fail "plot changed a version-1 database"
expect_exit 0 "$S" merge "$T/m.db" "$T/v1.db"
[ "$(sha1sum < "$T/v1.db")" = "$sum" ] || fail "merge changed its version-1 input"
[ "$(sqlite3 "$T/m.db" "SELECT busy_cv, busy_max_mean, migration_rate_per_s,
      migrations_considered IS NULL FROM run_summary")" = "0.5|1.5|8.0|1" ] ||
  fail "merged version-1 run: $(sqlite3 "$T/m.db" 'SELECT * FROM run_summary')"
expect_exit 0 "$S" replay fib:10 --topology synth:p=2 --db "$T/v1.db"
[ "$(sqlite3 "$T/v1.db" "PRAGMA user_version")" = 4 ] || fail "replay did not upgrade version 1"
[ "$(sqlite3 "$T/v1.db" "SELECT count(*) FROM run_summary WHERE busy_max_mean IS NOT NULL")" = 2 ] ||
  fail "upgraded database: $(sqlite3 "$T/v1.db" 'SELECT run_id, busy_max_mean FROM run_summary')"

finish run_metrics
