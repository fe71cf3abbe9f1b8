/* sim_db_schema.c: results/schema.sql embedded verbatim (sim_db_schema_sql), kept apart from
 * sim_db.c because it is data. One literal per blank-line-separated block, because ISO C caps a
 * single literal at 4095 characters (-Woverlength-strings); tests/unit/test_db.c checks that the
 * joined text equals results/schema.sql byte for byte, so edit both together. */
#include "sim/db/sim_db.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* results/schema.sql, verbatim. */
static const char *const schema_parts[] = {
    "-- schema.sql: the schedlab results database, schema version 4 (PRAGMA user_version).\n"
    "--\n"
    "-- One database holds many runs. A run is one replay (mode 'sim'), one native execution (mode\n"
    "-- 'native') or one recorded Erlang VM run (mode 'beam', `schedlab beam validate`) of one trace\n"
    "-- on one topology with one strategy, parameter set and seed; every other table hangs off\n"
    "-- runs.id and is written in the same transaction as the runs row, so a failed run leaves no\n"
    "-- rows. sim/db/sim_db_schema.c embeds this verbatim (a unit test checks) and runs it on a\n"
    "-- database that has no tables. A database of an older version is upgraded when opened for\n"
    "-- writing, and read through a view when opened read-only (sim/db/sim_db_upgrade.c); a newer one\n"
    "-- is refused. Version 2 added the last eight columns of run_summary (results/README.md);\n"
    "-- version 3 the tables timeline_info and timeline; version 4 the mode 'beam' in the CHECK of\n"
    "-- runs.mode (an older runs table is rebuilt with the same rows and ids).\n"
    "--\n"
    "-- Units: times in nanoseconds (simulated time for 'sim' runs, wall time for 'native' and\n"
    "-- 'beam'), energy in joules, utilisation as a fraction 0..1. Counters are non-negative 64-bit\n"
    "-- integers; the seed is stored as the signed 64-bit integer with the same bits. Core numbers\n"
    "-- are indexes 0..ncores-1 of the run's topology.\n"
    "\n",
    "PRAGMA application_id = 1396918348;  -- 0x5343484C, \"SCHL\"\n"
    "PRAGMA user_version = 4;\n"
    "\n",
    "-- A named group of runs (one `schedlab compare` invocation, a sweep).\n"
    "CREATE TABLE experiments (\n"
    "    id          INTEGER PRIMARY KEY,\n"
    "    created     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),\n"
    "    description TEXT\n"
    ");\n"
    "\n",
    "-- What was run.\n"
    "CREATE TABLE runs (\n"
    "    id              INTEGER PRIMARY KEY,\n"
    "    experiment_id   INTEGER REFERENCES experiments(id) ON DELETE SET NULL,\n"
    "    trace           TEXT NOT NULL,             -- file path or generator spec ('fib:25')\n"
    "    trace_checksum  TEXT,                      -- hex digest of the trace; NULL if unknown\n"
    "    topology        TEXT NOT NULL,\n"
    "    strategy        TEXT NOT NULL,\n"
    "    params          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params)),  -- every parameter\n"
    "    seed            INTEGER NOT NULL,\n"
    "    mode            TEXT NOT NULL CHECK (mode IN ('sim', 'native', 'beam')),\n"
    "    tool_version    TEXT NOT NULL,\n"
    "    start_unix_ns   INTEGER NOT NULL,          -- wall-clock start\n"
    "    wall_s          REAL NOT NULL CHECK (wall_s >= 0),\n"
    "    ncores          INTEGER NOT NULL CHECK (ncores >= 1),\n"
    "    timeseries_interval_ns INTEGER NOT NULL DEFAULT 0 CHECK (timeseries_interval_ns >= 0)\n"
    ");\n"
    "CREATE INDEX runs_by_experiment ON runs(experiment_id);\n"
    "\n",
    "-- Whole-run totals. steal_attempts = steals + the seven failure counters; migrations is the sum\n"
    "-- of the four distance classes (also in table migrations).\n"
    "CREATE TABLE run_summary (\n"
    "    run_id              INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,\n"
    "    makespan_ns         INTEGER NOT NULL CHECK (makespan_ns >= 0),\n"
    "    processes           INTEGER NOT NULL CHECK (processes >= 0),\n"
    "    events              INTEGER NOT NULL CHECK (events >= 0),\n"
    "    steals              INTEGER NOT NULL CHECK (steals >= 0),\n"
    "    steal_attempts      INTEGER NOT NULL CHECK (steal_attempts >= steals),\n"
    "    steal_fail_empty        INTEGER NOT NULL CHECK (steal_fail_empty >= 0),\n"
    "    steal_fail_lost_race    INTEGER NOT NULL CHECK (steal_fail_lost_race >= 0),\n"
    "    steal_denied_affinity   INTEGER NOT NULL CHECK (steal_denied_affinity >= 0),\n"
    "    steal_denied_cooldown   INTEGER NOT NULL CHECK (steal_denied_cooldown >= 0),\n"
    "    steal_denied_threshold  INTEGER NOT NULL CHECK (steal_denied_threshold >= 0),\n"
    "    steal_denied_cost       INTEGER NOT NULL CHECK (steal_denied_cost >= 0),\n"
    "    steal_denied_rate_limit INTEGER NOT NULL CHECK (steal_denied_rate_limit >= 0),\n"
    "    migrations          INTEGER NOT NULL CHECK (migrations >= 0),\n"
    "    migrations_smt      INTEGER NOT NULL CHECK (migrations_smt >= 0),\n"
    "    migrations_cluster  INTEGER NOT NULL CHECK (migrations_cluster >= 0),\n"
    "    migrations_node     INTEGER NOT NULL CHECK (migrations_node >= 0),\n"
    "    migrations_remote   INTEGER NOT NULL CHECK (migrations_remote >= 0),\n"
    "    migration_cost_ns   INTEGER NOT NULL CHECK (migration_cost_ns >= 0),\n"
    "    preemptions         INTEGER NOT NULL CHECK (preemptions >= 0),\n"
    "    messages            INTEGER NOT NULL CHECK (messages >= 0),\n"
    "    stuck_processes     INTEGER NOT NULL CHECK (stuck_processes >= 0),  -- > 0: deadlocked\n"
    "    utilization         REAL NOT NULL CHECK (utilization >= 0 AND utilization <= 1.000001),\n"
    "    wait_p50_ns         INTEGER NOT NULL CHECK (wait_p50_ns >= 0),   -- spawn -> first run\n"
    "    wait_p95_ns         INTEGER NOT NULL CHECK (wait_p95_ns >= wait_p50_ns),\n"
    "    wait_p99_ns         INTEGER NOT NULL CHECK (wait_p99_ns >= wait_p95_ns),\n"
    "    resp_p50_ns         INTEGER NOT NULL CHECK (resp_p50_ns >= 0),   -- spawn -> exit\n"
    "    resp_p95_ns         INTEGER NOT NULL CHECK (resp_p95_ns >= resp_p50_ns),\n"
    "    resp_p99_ns         INTEGER NOT NULL CHECK (resp_p99_ns >= resp_p95_ns),\n"
    "    energy_j            REAL NOT NULL CHECK (energy_j >= 0),\n"
    "    -- Version 2. NULL only in a run stored by version 1 whose rows cannot give the value.\n"
    "    migrations_considered   INTEGER CHECK (migrations_considered >= 0),  -- policy decisions\n"
    "    migration_cost_est_ns   INTEGER,   -- sum of the cost model's estimate of each migration\n"
    "    migration_rate_per_s    REAL CHECK (migration_rate_per_s >= 0),      -- per s of makespan\n"
    "    migration_success_rate  REAL CHECK (migration_success_rate >= 0),    -- committed/considered\n"
    "    migration_cost_avg_ns   REAL,      -- migration_cost_est_ns / migrations\n"
    "    busy_cv                 REAL CHECK (busy_cv >= 0),        -- stddev / mean of busy_ns\n"
    "    busy_max_mean           REAL CHECK (busy_max_mean >= 0),  -- max / mean of busy_ns\n"
    "    steal_success_rate      REAL CHECK (steal_success_rate >= 0 AND steal_success_rate <= 1),\n"
    "    -- Version 3. NULL only in a run stored by an older version.\n"
    "    balance_moves           INTEGER CHECK (balance_moves >= 0)  -- moved by the periodic balancer\n"
    ");\n"
    "\n",
    "-- Per core. busy + idle + steal is the core's share of the makespan; sleep_ns is part of idle.\n"
    "CREATE TABLE core_stats (\n"
    "    run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "    core            INTEGER NOT NULL CHECK (core >= 0),\n"
    "    kind            TEXT NOT NULL,             -- 'P', 'E' or 'other'\n"
    "    cluster         INTEGER NOT NULL CHECK (cluster >= 0),\n"
    "    node            INTEGER NOT NULL CHECK (node >= 0),\n"
    "    busy_ns         INTEGER NOT NULL CHECK (busy_ns >= 0),\n"
    "    idle_ns         INTEGER NOT NULL CHECK (idle_ns >= 0),\n"
    "    steal_ns        INTEGER NOT NULL CHECK (steal_ns >= 0),\n"
    "    sleep_ns        INTEGER NOT NULL CHECK (sleep_ns >= 0 AND sleep_ns <= idle_ns),\n"
    "    wakeups         INTEGER NOT NULL CHECK (wakeups >= 0),\n"
    "    processes_run   INTEGER NOT NULL CHECK (processes_run >= 0),\n"
    "    steals_in       INTEGER NOT NULL CHECK (steals_in >= 0),   -- as thief\n"
    "    steals_out      INTEGER NOT NULL CHECK (steals_out >= 0),  -- as victim\n"
    "    steal_attempts  INTEGER NOT NULL CHECK (steal_attempts >= steals_in),\n"
    "    PRIMARY KEY (run_id, core)\n"
    ") WITHOUT ROWID;\n"
    "\n",
    "-- Successful steals by thief and victim; only non-zero cells are stored.\n"
    "CREATE TABLE steal_matrix (\n"
    "    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "    thief   INTEGER NOT NULL,\n"
    "    victim  INTEGER NOT NULL CHECK (victim <> thief),\n"
    "    count   INTEGER NOT NULL CHECK (count > 0),\n"
    "    PRIMARY KEY (run_id, thief, victim),\n"
    "    FOREIGN KEY (run_id, thief) REFERENCES core_stats(run_id, core) ON DELETE CASCADE,\n"
    "    FOREIGN KEY (run_id, victim) REFERENCES core_stats(run_id, core) ON DELETE CASCADE\n"
    ") WITHOUT ROWID;\n"
    "\n",
    "-- Migrations by distance class (the nearest level the two cores share); one row per class.\n"
    "CREATE TABLE migrations (\n"
    "    run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "    distance  TEXT NOT NULL CHECK (distance IN ('smt', 'cluster', 'node', 'remote')),\n"
    "    count     INTEGER NOT NULL CHECK (count >= 0),\n"
    "    PRIMARY KEY (run_id, distance)\n"
    ") WITHOUT ROWID;\n"
    "\n",
    "-- Per-core samples: utilisation over the interval that ends at t_ns, queue length at t_ns.\n"
    "CREATE TABLE timeseries (\n"
    "    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "    core        INTEGER NOT NULL,\n"
    "    t_ns        INTEGER NOT NULL CHECK (t_ns >= 0),\n"
    "    utilization REAL NOT NULL CHECK (utilization >= 0 AND utilization <= 1.000001),\n"
    "    queue_len   INTEGER NOT NULL CHECK (queue_len >= 0),\n"
    "    PRIMARY KEY (run_id, core, t_ns),\n"
    "    FOREIGN KEY (run_id, core) REFERENCES core_stats(run_id, core) ON DELETE CASCADE\n"
    ") WITHOUT ROWID;\n"
    "\n",
    "-- Per process (only with --per-process). NULL times: never happened (e.g. never ran).\n"
    "CREATE TABLE processes (\n"
    "    run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "    pid           INTEGER NOT NULL CHECK (pid >= 0),\n"
    "    spawn_ns      INTEGER NOT NULL CHECK (spawn_ns >= 0),\n"
    "    first_run_ns  INTEGER CHECK (first_run_ns >= spawn_ns),\n"
    "    end_ns        INTEGER CHECK (end_ns >= spawn_ns),\n"
    "    wait_ns       INTEGER NOT NULL CHECK (wait_ns >= 0),\n"
    "    core_last     INTEGER,\n"
    "    migrations    INTEGER NOT NULL CHECK (migrations >= 0),\n"
    "    PRIMARY KEY (run_id, pid),\n"
    "    FOREIGN KEY (run_id, core_last) REFERENCES core_stats(run_id, core) ON DELETE CASCADE\n"
    ") WITHOUT ROWID;\n"
    "\n",
    "-- Version 3. The schedule of a run recorded with --timeline (replay, native): one row per\n"
    "-- slice of a core, [start_ns, end_ns). kind 'run': process pid runs; 'migrate': a migrated\n"
    "-- process pays its migration cost (victim: the core it came from, when known); 'steal': the\n"
    "-- core probes victims (victim and pid: what it stole, if anything); 'sleep': the core sleeps;\n"
    "-- 'wake': an instant (start = end), victim the core that woke it. The run and migrate slices of a\n"
    "-- core add up to its core_stats.busy_ns when the timeline is complete.\n"
    "CREATE TABLE timeline_info (\n"
    "    run_id      INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,\n"
    "    slices      INTEGER NOT NULL CHECK (slices >= 0),       -- rows in timeline\n"
    "    max_slices  INTEGER NOT NULL CHECK (max_slices >= 1),   -- the cap it was recorded with\n"
    "    dropped     INTEGER NOT NULL CHECK (dropped >= 0),      -- > 0: cut at the cap\n"
    "    cut_ns      INTEGER CHECK (cut_ns >= 0)                 -- first slice not kept; NULL: whole\n"
    ");\n"
    "\n",
    "CREATE TABLE timeline (\n"
    "    run_id    INTEGER NOT NULL REFERENCES timeline_info(run_id) ON DELETE CASCADE,\n"
    "    core      INTEGER NOT NULL,\n"
    "    start_ns  INTEGER NOT NULL CHECK (start_ns >= 0),\n"
    "    end_ns    INTEGER NOT NULL CHECK (end_ns >= start_ns),\n"
    "    kind      TEXT NOT NULL CHECK (kind IN ('run', 'migrate', 'steal', 'sleep', 'wake')),\n"
    "    pid       INTEGER CHECK (pid >= 0),\n"
    "    prio      INTEGER CHECK (prio >= 0 AND prio <= 3),\n"
    "    victim    INTEGER CHECK (victim >= 0 AND victim <> core),\n"
    "    FOREIGN KEY (run_id, core) REFERENCES core_stats(run_id, core) ON DELETE CASCADE\n"
    ");\n"
    "CREATE INDEX timeline_by_core ON timeline(run_id, core, start_ns);\n",
};

static char schema_text[16384];
static pthread_once_t schema_once = PTHREAD_ONCE_INIT;

static void schema_join(void)
{
    size_t len = 0;
    for (size_t i = 0; i < sizeof(schema_parts) / sizeof(schema_parts[0]); i++) {
        size_t n = strlen(schema_parts[i]);
        if (len + n >= sizeof(schema_text))
            abort();   /* the buffer is sized at compile time for the schema above */
        memcpy(schema_text + len, schema_parts[i], n);
        len += n;
    }
    schema_text[len] = '\0';
}

const char *sim_db_schema_sql(void)
{
    pthread_once(&schema_once, schema_join);
    return schema_text;
}
