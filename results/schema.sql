-- schema.sql: the schedlab results database, schema version 4 (PRAGMA user_version).
--
-- One database holds many runs. A run is one replay (mode 'sim'), one native execution (mode
-- 'native') or one recorded Erlang VM run (mode 'beam', `schedlab beam validate`) of one trace
-- on one topology with one strategy, parameter set and seed; every other table hangs off
-- runs.id and is written in the same transaction as the runs row, so a failed run leaves no
-- rows. sim/db/sim_db_schema.c embeds this verbatim (a unit test checks) and runs it on a
-- database that has no tables. A database of an older version is upgraded when opened for
-- writing, and read through a view when opened read-only (sim/db/sim_db_upgrade.c); a newer one
-- is refused. Version 2 added the last eight columns of run_summary (results/README.md);
-- version 3 the tables timeline_info and timeline; version 4 the mode 'beam' in the CHECK of
-- runs.mode (an older runs table is rebuilt with the same rows and ids).
--
-- Units: times in nanoseconds (simulated time for 'sim' runs, wall time for 'native' and
-- 'beam'), energy in joules, utilisation as a fraction 0..1. Counters are non-negative 64-bit
-- integers; the seed is stored as the signed 64-bit integer with the same bits. Core numbers
-- are indexes 0..ncores-1 of the run's topology.

PRAGMA application_id = 1396918348;  -- 0x5343484C, "SCHL"
PRAGMA user_version = 4;

-- A named group of runs (one `schedlab compare` invocation, a sweep).
CREATE TABLE experiments (
    id          INTEGER PRIMARY KEY,
    created     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    description TEXT
);

-- What was run.
CREATE TABLE runs (
    id              INTEGER PRIMARY KEY,
    experiment_id   INTEGER REFERENCES experiments(id) ON DELETE SET NULL,
    trace           TEXT NOT NULL,             -- file path or generator spec ('fib:25')
    trace_checksum  TEXT,                      -- hex digest of the trace; NULL if unknown
    topology        TEXT NOT NULL,
    strategy        TEXT NOT NULL,
    params          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params)),  -- every parameter
    seed            INTEGER NOT NULL,
    mode            TEXT NOT NULL CHECK (mode IN ('sim', 'native', 'beam')),
    tool_version    TEXT NOT NULL,
    start_unix_ns   INTEGER NOT NULL,          -- wall-clock start
    wall_s          REAL NOT NULL CHECK (wall_s >= 0),
    ncores          INTEGER NOT NULL CHECK (ncores >= 1),
    timeseries_interval_ns INTEGER NOT NULL DEFAULT 0 CHECK (timeseries_interval_ns >= 0)
);
CREATE INDEX runs_by_experiment ON runs(experiment_id);

-- Whole-run totals. steal_attempts = steals + the seven failure counters; migrations is the sum
-- of the four distance classes (also in table migrations).
CREATE TABLE run_summary (
    run_id              INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    makespan_ns         INTEGER NOT NULL CHECK (makespan_ns >= 0),
    processes           INTEGER NOT NULL CHECK (processes >= 0),
    events              INTEGER NOT NULL CHECK (events >= 0),
    steals              INTEGER NOT NULL CHECK (steals >= 0),
    steal_attempts      INTEGER NOT NULL CHECK (steal_attempts >= steals),
    steal_fail_empty        INTEGER NOT NULL CHECK (steal_fail_empty >= 0),
    steal_fail_lost_race    INTEGER NOT NULL CHECK (steal_fail_lost_race >= 0),
    steal_denied_affinity   INTEGER NOT NULL CHECK (steal_denied_affinity >= 0),
    steal_denied_cooldown   INTEGER NOT NULL CHECK (steal_denied_cooldown >= 0),
    steal_denied_threshold  INTEGER NOT NULL CHECK (steal_denied_threshold >= 0),
    steal_denied_cost       INTEGER NOT NULL CHECK (steal_denied_cost >= 0),
    steal_denied_rate_limit INTEGER NOT NULL CHECK (steal_denied_rate_limit >= 0),
    migrations          INTEGER NOT NULL CHECK (migrations >= 0),
    migrations_smt      INTEGER NOT NULL CHECK (migrations_smt >= 0),
    migrations_cluster  INTEGER NOT NULL CHECK (migrations_cluster >= 0),
    migrations_node     INTEGER NOT NULL CHECK (migrations_node >= 0),
    migrations_remote   INTEGER NOT NULL CHECK (migrations_remote >= 0),
    migration_cost_ns   INTEGER NOT NULL CHECK (migration_cost_ns >= 0),
    preemptions         INTEGER NOT NULL CHECK (preemptions >= 0),
    messages            INTEGER NOT NULL CHECK (messages >= 0),
    stuck_processes     INTEGER NOT NULL CHECK (stuck_processes >= 0),  -- > 0: deadlocked
    utilization         REAL NOT NULL CHECK (utilization >= 0 AND utilization <= 1.000001),
    wait_p50_ns         INTEGER NOT NULL CHECK (wait_p50_ns >= 0),   -- spawn -> first run
    wait_p95_ns         INTEGER NOT NULL CHECK (wait_p95_ns >= wait_p50_ns),
    wait_p99_ns         INTEGER NOT NULL CHECK (wait_p99_ns >= wait_p95_ns),
    resp_p50_ns         INTEGER NOT NULL CHECK (resp_p50_ns >= 0),   -- spawn -> exit
    resp_p95_ns         INTEGER NOT NULL CHECK (resp_p95_ns >= resp_p50_ns),
    resp_p99_ns         INTEGER NOT NULL CHECK (resp_p99_ns >= resp_p95_ns),
    energy_j            REAL NOT NULL CHECK (energy_j >= 0),
    -- Version 2. NULL only in a run stored by version 1 whose rows cannot give the value.
    migrations_considered   INTEGER CHECK (migrations_considered >= 0),  -- policy decisions
    migration_cost_est_ns   INTEGER,   -- sum of the cost model's estimate of each migration
    migration_rate_per_s    REAL CHECK (migration_rate_per_s >= 0),      -- per s of makespan
    migration_success_rate  REAL CHECK (migration_success_rate >= 0),    -- committed/considered
    migration_cost_avg_ns   REAL,      -- migration_cost_est_ns / migrations
    busy_cv                 REAL CHECK (busy_cv >= 0),        -- stddev / mean of busy_ns
    busy_max_mean           REAL CHECK (busy_max_mean >= 0),  -- max / mean of busy_ns
    steal_success_rate      REAL CHECK (steal_success_rate >= 0 AND steal_success_rate <= 1),
    -- Version 3. NULL only in a run stored by an older version.
    balance_moves           INTEGER CHECK (balance_moves >= 0)  -- moved by the periodic balancer
);

-- Per core. busy + idle + steal is the core's share of the makespan; sleep_ns is part of idle.
CREATE TABLE core_stats (
    run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    core            INTEGER NOT NULL CHECK (core >= 0),
    kind            TEXT NOT NULL,             -- 'P', 'E' or 'other'
    cluster         INTEGER NOT NULL CHECK (cluster >= 0),
    node            INTEGER NOT NULL CHECK (node >= 0),
    busy_ns         INTEGER NOT NULL CHECK (busy_ns >= 0),
    idle_ns         INTEGER NOT NULL CHECK (idle_ns >= 0),
    steal_ns        INTEGER NOT NULL CHECK (steal_ns >= 0),
    sleep_ns        INTEGER NOT NULL CHECK (sleep_ns >= 0 AND sleep_ns <= idle_ns),
    wakeups         INTEGER NOT NULL CHECK (wakeups >= 0),
    processes_run   INTEGER NOT NULL CHECK (processes_run >= 0),
    steals_in       INTEGER NOT NULL CHECK (steals_in >= 0),   -- as thief
    steals_out      INTEGER NOT NULL CHECK (steals_out >= 0),  -- as victim
    steal_attempts  INTEGER NOT NULL CHECK (steal_attempts >= steals_in),
    PRIMARY KEY (run_id, core)
) WITHOUT ROWID;

-- Successful steals by thief and victim; only non-zero cells are stored.
CREATE TABLE steal_matrix (
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    thief   INTEGER NOT NULL,
    victim  INTEGER NOT NULL CHECK (victim <> thief),
    count   INTEGER NOT NULL CHECK (count > 0),
    PRIMARY KEY (run_id, thief, victim),
    FOREIGN KEY (run_id, thief) REFERENCES core_stats(run_id, core) ON DELETE CASCADE,
    FOREIGN KEY (run_id, victim) REFERENCES core_stats(run_id, core) ON DELETE CASCADE
) WITHOUT ROWID;

-- Migrations by distance class (the nearest level the two cores share); one row per class.
CREATE TABLE migrations (
    run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    distance  TEXT NOT NULL CHECK (distance IN ('smt', 'cluster', 'node', 'remote')),
    count     INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (run_id, distance)
) WITHOUT ROWID;

-- Per-core samples: utilisation over the interval that ends at t_ns, queue length at t_ns.
CREATE TABLE timeseries (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    core        INTEGER NOT NULL,
    t_ns        INTEGER NOT NULL CHECK (t_ns >= 0),
    utilization REAL NOT NULL CHECK (utilization >= 0 AND utilization <= 1.000001),
    queue_len   INTEGER NOT NULL CHECK (queue_len >= 0),
    PRIMARY KEY (run_id, core, t_ns),
    FOREIGN KEY (run_id, core) REFERENCES core_stats(run_id, core) ON DELETE CASCADE
) WITHOUT ROWID;

-- Per process (only with --per-process). NULL times: never happened (e.g. never ran).
CREATE TABLE processes (
    run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    pid           INTEGER NOT NULL CHECK (pid >= 0),
    spawn_ns      INTEGER NOT NULL CHECK (spawn_ns >= 0),
    first_run_ns  INTEGER CHECK (first_run_ns >= spawn_ns),
    end_ns        INTEGER CHECK (end_ns >= spawn_ns),
    wait_ns       INTEGER NOT NULL CHECK (wait_ns >= 0),
    core_last     INTEGER,
    migrations    INTEGER NOT NULL CHECK (migrations >= 0),
    PRIMARY KEY (run_id, pid),
    FOREIGN KEY (run_id, core_last) REFERENCES core_stats(run_id, core) ON DELETE CASCADE
) WITHOUT ROWID;

-- Version 3. The schedule of a run recorded with --timeline (replay, native): one row per
-- slice of a core, [start_ns, end_ns). kind 'run': process pid runs; 'migrate': a migrated
-- process pays its migration cost (victim: the core it came from, when known); 'steal': the
-- core probes victims (victim and pid: what it stole, if anything); 'sleep': the core sleeps;
-- 'wake': an instant (start = end), victim the core that woke it. The run and migrate slices of a
-- core add up to its core_stats.busy_ns when the timeline is complete.
CREATE TABLE timeline_info (
    run_id      INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    slices      INTEGER NOT NULL CHECK (slices >= 0),       -- rows in timeline
    max_slices  INTEGER NOT NULL CHECK (max_slices >= 1),   -- the cap it was recorded with
    dropped     INTEGER NOT NULL CHECK (dropped >= 0),      -- > 0: cut at the cap
    cut_ns      INTEGER CHECK (cut_ns >= 0)                 -- first slice not kept; NULL: whole
);

CREATE TABLE timeline (
    run_id    INTEGER NOT NULL REFERENCES timeline_info(run_id) ON DELETE CASCADE,
    core      INTEGER NOT NULL,
    start_ns  INTEGER NOT NULL CHECK (start_ns >= 0),
    end_ns    INTEGER NOT NULL CHECK (end_ns >= start_ns),
    kind      TEXT NOT NULL CHECK (kind IN ('run', 'migrate', 'steal', 'sleep', 'wake')),
    pid       INTEGER CHECK (pid >= 0),
    prio      INTEGER CHECK (prio >= 0 AND prio <= 3),
    victim    INTEGER CHECK (victim >= 0 AND victim <> core),
    FOREIGN KEY (run_id, core) REFERENCES core_stats(run_id, core) ON DELETE CASCADE
);
CREATE INDEX timeline_by_core ON timeline(run_id, core, start_ns);
