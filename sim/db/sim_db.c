/* sim_db.c: the SQLite results database: one transaction per run with prepared statements
 * (opening and the schema check are in sim_db_open.c, the readers in sim_db_read.c).
 *
 * All-or-nothing writes. sim_db_write_run opens BEGIN IMMEDIATE (taking the write lock up front,
 * so a concurrent writer waits on the busy timeout instead of failing half-way), inserts every
 * row through statements prepared once per connection, and COMMITs. Any failure (a CHECK or
 * FOREIGN KEY violation, a full disk, a read-only file) rolls the whole transaction back, so the
 * database holds either every row of the run or none. The error message is taken before the
 * rollback (which would replace it) and names the file, the table and the row. */
#include "sim/db/sim_db_int.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- names -------------------------------------------------------------------------------- */

const char *sim_db_steal_fail_name(enum sim_steal_fail r)
{
    static const char *const names[SIM_STEAL_FAIL_COUNT] = {
        "empty", "lost_race", "affinity", "cooldown", "threshold", "cost", "rate_limit",
    };
    return (unsigned)r < SIM_STEAL_FAIL_COUNT ? names[r] : "?";
}

const char *sim_db_dist_name(enum sim_dist d)
{
    static const char *const names[SIM_DIST_COUNT] = { "smt", "cluster", "node", "remote" };
    return (unsigned)d < SIM_DIST_COUNT ? names[d] : "?";
}

const char *sim_db_mode_name(enum sim_run_mode m)
{
    return m == SIM_MODE_NATIVE ? "native" : m == SIM_MODE_BEAM ? "beam" : "sim";
}

/* ---- writing ------------------------------------------------------------------------------ */

static const char *const write_sql[ST_COUNT] = {
    [ST_RUN] = "INSERT INTO runs (experiment_id, trace, trace_checksum, topology, strategy, "
               "params, seed, mode, tool_version, start_unix_ns, wall_s, ncores, "
               "timeseries_interval_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
               "?12, ?13)",
    [ST_SUMMARY] = "INSERT INTO run_summary (run_id, makespan_ns, processes, events, steals, "
                   "steal_attempts, steal_fail_empty, steal_fail_lost_race, "
                   "steal_denied_affinity, steal_denied_cooldown, steal_denied_threshold, "
                   "steal_denied_cost, steal_denied_rate_limit, migrations, migrations_smt, "
                   "migrations_cluster, migrations_node, migrations_remote, migration_cost_ns, "
                   "preemptions, messages, stuck_processes, wait_p50_ns, wait_p95_ns, "
                   "wait_p99_ns, resp_p50_ns, resp_p95_ns, resp_p99_ns, utilization, energy_j, "
                   "migrations_considered, migration_cost_est_ns, migration_rate_per_s, "
                   "migration_success_rate, migration_cost_avg_ns, busy_cv, busy_max_mean, "
                   "steal_success_rate, balance_moves) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                   "?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, "
                   "?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39)",
    [ST_CORE] = "INSERT INTO core_stats (run_id, core, kind, cluster, node, busy_ns, idle_ns, "
                "steal_ns, sleep_ns, wakeups, processes_run, steals_in, steals_out, "
                "steal_attempts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
                "?14)",
    [ST_MATRIX] = "INSERT INTO steal_matrix (run_id, thief, victim, count) "
                  "VALUES (?1, ?2, ?3, ?4)",
    [ST_MIGR] = "INSERT INTO migrations (run_id, distance, count) VALUES (?1, ?2, ?3)",
    [ST_TS] = "INSERT INTO timeseries (run_id, core, t_ns, utilization, queue_len) "
              "VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_PROC] = "INSERT INTO processes (run_id, pid, spawn_ns, first_run_ns, end_ns, wait_ns, "
                "core_last, migrations) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_TL_INFO] = "INSERT INTO timeline_info (run_id, slices, max_slices, dropped, cut_ns) "
                   "VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_TL] = "INSERT INTO timeline (run_id, core, start_ns, end_ns, kind, pid, prio, victim) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
};

static int prepare_all(struct sim_db *db, char *err, size_t errlen)
{
    for (int i = 0; i < ST_COUNT; i++) {
        if (db->st[i] != NULL)
            continue;
        if (sqlite3_prepare_v3(db->h, write_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &db->st[i],
                               NULL) != SQLITE_OK)
            return sim_db_fail(db, err, errlen, "cannot prepare statement %d", i);
    }
    return 0;
}

/* Counters are stored as SQLite's signed 64-bit integers; a value above INT64_MAX becomes
 * negative and trips the column's CHECK (>= 0), which is what such garbage deserves. */
static void bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
    sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

/* UINT64_MAX (never happened) is stored as NULL. */
static void bind_opt_u64(sqlite3_stmt *st, int i, uint64_t v)
{
    if (v == UINT64_MAX)
        sqlite3_bind_null(st, i);
    else
        bind_u64(st, i, v);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s == NULL)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* Step a bound insert and reset it; true on success. */
static bool step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE;
}

static int64_t now_unix_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool insert_run(struct sim_db *db, const struct sim_run_metrics *m)
{
    const struct sim_run_desc *d = &m->run;
    sqlite3_stmt *st = db->st[ST_RUN];
    if (d->experiment_id != 0)
        sqlite3_bind_int64(st, 1, d->experiment_id);
    else
        sqlite3_bind_null(st, 1);
    bind_text(st, 2, d->trace);
    bind_text(st, 3, d->trace_checksum);
    bind_text(st, 4, d->topology);
    bind_text(st, 5, d->strategy);
    bind_text(st, 6, d->params_json ? d->params_json : "{}");
    bind_u64(st, 7, d->seed);   /* bits kept; may read back negative in SQL */
    bind_text(st, 8, sim_db_mode_name(d->mode));
    bind_text(st, 9, d->tool_version);
    sqlite3_bind_int64(st, 10, d->start_unix_ns ? d->start_unix_ns : now_unix_ns());
    sqlite3_bind_double(st, 11, d->wall_s);
    sqlite3_bind_int64(st, 12, m->ncores);
    bind_u64(st, 13, d->timeseries_interval_ns);
    return step_done(st);
}

/* The integer columns of run_summary after run_id, in write_sql order (?2 .. ?28). */
static size_t summary_ints(const struct sim_run_summary *s, uint64_t *v)
{
    size_t n = 0;
    v[n++] = s->makespan_ns;
    v[n++] = s->processes;
    v[n++] = s->events;
    v[n++] = s->steals;
    v[n++] = s->steal_attempts;
    for (int i = 0; i < SIM_STEAL_FAIL_COUNT; i++)
        v[n++] = s->steal_fail[i];
    uint64_t total = 0;
    for (int i = 0; i < SIM_DIST_COUNT; i++)
        total += s->migrations[i];
    v[n++] = total;
    for (int i = 0; i < SIM_DIST_COUNT; i++)
        v[n++] = s->migrations[i];
    v[n++] = s->migration_cost_ns;
    v[n++] = s->preemptions;
    v[n++] = s->messages;
    v[n++] = s->stuck_processes;
    v[n++] = s->wait_p50_ns;
    v[n++] = s->wait_p95_ns;
    v[n++] = s->wait_p99_ns;
    v[n++] = s->resp_p50_ns;
    v[n++] = s->resp_p95_ns;
    v[n++] = s->resp_p99_ns;
    return n;
}


static bool insert_summary(struct sim_db *db, int64_t run, const struct sim_run_summary *s)
{
    sqlite3_stmt *st = db->st[ST_SUMMARY];
    uint64_t v[SUMMARY_INTS];
    size_t n = summary_ints(s, v);
    sqlite3_bind_int64(st, 1, run);
    for (size_t i = 0; i < n; i++)
        bind_u64(st, (int)i + 2, v[i]);
    sqlite3_bind_double(st, SUMMARY_INTS + 2, s->utilization);
    sqlite3_bind_double(st, SUMMARY_INTS + 3, s->energy_j);
    /* Schema version 2: the derived metrics and their raw counts (sim_metrics_derive). */
    const double derived[] = {
        s->migration_rate_per_s, s->migration_success_rate, s->migration_cost_avg_ns,
        s->busy_cv, s->busy_max_mean, s->steal_success_rate,
    };
    bind_u64(st, SUMMARY_INTS + 4, s->migrations_considered);
    sqlite3_bind_int64(st, SUMMARY_INTS + 5, s->migration_cost_est_ns);
    for (int i = 0; i < (int)(sizeof derived / sizeof derived[0]); i++)
        sqlite3_bind_double(st, SUMMARY_INTS + 6 + i, derived[i]);
    /* Schema version 3: the periodic balancer's moves. */
    bind_u64(st, SUMMARY_INTS + 6 + (int)(sizeof derived / sizeof derived[0]), s->balance_moves);
    return step_done(st);
}

static bool insert_core(struct sim_db *db, int64_t run, uint32_t core,
                        const struct sim_core_stats *c)
{
    sqlite3_stmt *st = db->st[ST_CORE];
    char kind[sizeof(c->kind) + 1];
    memcpy(kind, c->kind, sizeof(c->kind));
    kind[sizeof(c->kind)] = '\0';   /* the field need not be terminated when full */
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_int64(st, 2, core);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, c->cluster);
    sqlite3_bind_int64(st, 5, c->node);
    bind_u64(st, 6, c->busy_ns);
    bind_u64(st, 7, c->idle_ns);
    bind_u64(st, 8, c->steal_ns);
    bind_u64(st, 9, c->sleep_ns);
    bind_u64(st, 10, c->wakeups);
    bind_u64(st, 11, c->processes_run);
    bind_u64(st, 12, c->steals_in);
    bind_u64(st, 13, c->steals_out);
    bind_u64(st, 14, c->steal_attempts);
    return step_done(st);
}

static bool insert_pair(sqlite3_stmt *st, int64_t run, uint32_t a, uint32_t b, uint64_t count)
{
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_int64(st, 2, a);
    sqlite3_bind_int64(st, 3, b);
    bind_u64(st, 4, count);
    return step_done(st);
}

static bool insert_ts(sqlite3_stmt *st, int64_t run, const struct sim_ts_sample *s)
{
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_int64(st, 2, s->core);
    bind_u64(st, 3, s->t_ns);
    sqlite3_bind_double(st, 4, s->utilization);
    sqlite3_bind_int64(st, 5, s->queue_len);
    return step_done(st);
}

static bool insert_proc(sqlite3_stmt *st, int64_t run, const struct sim_proc_row *p)
{
    sqlite3_bind_int64(st, 1, run);
    bind_u64(st, 2, p->pid);
    bind_u64(st, 3, p->spawn_ns);
    bind_opt_u64(st, 4, p->first_run_ns);
    bind_opt_u64(st, 5, p->end_ns);
    bind_u64(st, 6, p->wait_ns);
    if (p->core_last == UINT32_MAX)
        sqlite3_bind_null(st, 7);
    else
        sqlite3_bind_int64(st, 7, p->core_last);
    sqlite3_bind_int64(st, 8, p->migrations);
    return step_done(st);
}

/* Checks that need no database: what the runner must have filled in. NULL if fine. */
static const char *invalid_metrics(const struct sim_run_metrics *m)
{
    const struct sim_run_desc *d = &m->run;
    if (d->trace == NULL || d->topology == NULL || d->strategy == NULL ||
        d->tool_version == NULL)
        return "run descriptor lacks trace, topology, strategy or tool version";
    if (m->ncores == 0 || m->cores == NULL)
        return "no per-core statistics";
    if ((m->ntimeseries > 0 && m->timeseries == NULL) || (m->nprocs > 0 && m->procs == NULL) ||
        (m->ntimeline > 0 && m->timeline == NULL))
        return "a row count without its array";
    return NULL;
}

/* Format what[len] and return false. */
static bool failed(char *what, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool failed(char *what, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, len, fmt, ap);
    va_end(ap);
    return false;
}

/* The rows that hang off runs.id; false with *what naming the failed table and row. */
static bool insert_details(struct sim_db *db, const struct sim_run_metrics *m, int64_t run,
                           char *what, size_t len)
{
    uint32_t n = m->ncores;
    if (!insert_summary(db, run, &m->summary))
        return failed(what, len, "writing run_summary");
    for (uint32_t c = 0; c < n; c++)
        if (!insert_core(db, run, c, &m->cores[c]))
            return failed(what, len, "writing core_stats of core %u", c);
    for (uint64_t i = 0; m->steal_matrix != NULL && i < (uint64_t)n * n; i++)
        if (m->steal_matrix[i] != 0 &&
            !insert_pair(db->st[ST_MATRIX], run, (uint32_t)(i / n), (uint32_t)(i % n),
                         m->steal_matrix[i]))
            return failed(what, len, "writing steal_matrix[thief %u][victim %u]",
                            (unsigned)(i / n), (unsigned)(i % n));
    for (int d = 0; d < SIM_DIST_COUNT; d++) {
        sqlite3_stmt *st = db->st[ST_MIGR];
        sqlite3_bind_int64(st, 1, run);
        sqlite3_bind_text(st, 2, sim_db_dist_name((enum sim_dist)d), -1, SQLITE_STATIC);
        bind_u64(st, 3, m->summary.migrations[d]);
        if (!step_done(st))
            return failed(what, len, "writing migrations (%s)",
                            sim_db_dist_name((enum sim_dist)d));
    }
    for (size_t i = 0; i < m->ntimeseries; i++)
        if (!insert_ts(db->st[ST_TS], run, &m->timeseries[i]))
            return failed(what, len, "writing timeseries sample %zu (core %u)", i,
                            m->timeseries[i].core);
    for (size_t i = 0; i < m->nprocs; i++)
        if (!insert_proc(db->st[ST_PROC], run, &m->procs[i]))
            return failed(what, len, "writing processes row %zu (pid %llu)", i,
                            (unsigned long long)m->procs[i].pid);
    return sim_db_write_timeline(db, m, run, what, len);
}

int sim_db_write_run(struct sim_db *db, const struct sim_run_metrics *m, int64_t *run_id,
                     char *err, size_t errlen)
{
    const char *bad = invalid_metrics(m);
    if (bad != NULL)
        return sim_db_fail_plain(db, err, errlen, "cannot write run: %s", bad);
    if (prepare_all(db, err, errlen) != 0)
        return -1;
    if (sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return sim_db_fail(db, err, errlen, "cannot write run: cannot start a transaction");
    char what[160] = "writing runs";
    int64_t run = 0;
    bool ok = insert_run(db, m);
    if (ok) {
        run = sqlite3_last_insert_rowid(db->h);
        ok = insert_details(db, m, run, what, sizeof(what));
    }
    if (ok && sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) {
        *run_id = run;
        return 0;
    }
    if (ok)
        snprintf(what, sizeof(what), "committing");
    sim_db_fail(db, err, errlen, "cannot write run: %s", what);   /* before ROLLBACK resets it */
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_reset(db->st[i]);
    if (sqlite3_get_autocommit(db->h) == 0)
        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

int sim_db_create_experiment(struct sim_db *db, const char *description, int64_t *id,
                             char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->h, "INSERT INTO experiments (description) VALUES (?1)", -1, &st,
                           NULL) != SQLITE_OK)
        return sim_db_fail(db, err, errlen, "cannot create an experiment");
    bind_text(st, 1, description);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        sim_db_fail(db, err, errlen, "cannot create an experiment");
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    *id = sqlite3_last_insert_rowid(db->h);
    return 0;
}
