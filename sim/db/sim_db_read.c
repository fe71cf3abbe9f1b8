/* sim_db_read.c: readers of the results database (a run, its summary, per-core rows, steal
 * matrix, migrations, the runs of an experiment) for tests, compare and plot. */
#include "sim/db/sim_db_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading ------------------------------------------------------------------------------ */

/* Prepare `sql` with ?1 bound to `id`; NULL after reporting. */
static sqlite3_stmt *prepare_for(struct sim_db *db, const char *sql, int64_t id,
                                 const char *what, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
        sim_db_fail(db, err, errlen, "cannot read %s", what);
        return NULL;
    }
    sqlite3_bind_int64(st, 1, id);
    return st;
}

/* Step a one-row query: 0 with the row ready, -1 after reporting (also for "no such run"). */
static int step_row(struct sim_db *db, sqlite3_stmt *st, const char *what, int64_t run,
                    char *err, size_t errlen)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE)
        sim_db_fail_plain(db, err, errlen, "no %s for run %lld", what, (long long)run);
    else
        sim_db_fail(db, err, errlen, "cannot read %s of run %lld", what, (long long)run);
    sqlite3_finalize(st);
    return -1;
}

static char *column_strdup(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s == NULL ? NULL : strdup((const char *)s);
}

static uint64_t column_u64(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? UINT64_MAX
                                                     : (uint64_t)sqlite3_column_int64(st, i);
}

int sim_db_read_run(struct sim_db *db, int64_t run_id, struct sim_run_record *rec, char *err,
                    size_t errlen)
{
    memset(rec, 0, sizeof(*rec));
    sqlite3_stmt *st = prepare_for(db,
        "SELECT id, experiment_id, trace, trace_checksum, topology, strategy, params, seed, "
        "mode, tool_version, start_unix_ns, wall_s, timeseries_interval_ns, ncores "
        "FROM runs WHERE id = ?1", run_id, "runs", err, errlen);
    if (st == NULL || step_row(db, st, "runs row", run_id, err, errlen) != 0)
        return -1;
    rec->id = sqlite3_column_int64(st, 0);
    rec->experiment_id = sqlite3_column_int64(st, 1);   /* NULL reads as 0 */
    rec->trace = column_strdup(st, 2);
    rec->trace_checksum = column_strdup(st, 3);
    rec->topology = column_strdup(st, 4);
    rec->strategy = column_strdup(st, 5);
    rec->params_json = column_strdup(st, 6);
    rec->seed = (uint64_t)sqlite3_column_int64(st, 7);
    const unsigned char *mode = sqlite3_column_text(st, 8);
    rec->mode = mode == NULL ? SIM_MODE_SIM
                : strcmp((const char *)mode, "native") == 0 ? SIM_MODE_NATIVE
                : strcmp((const char *)mode, "beam") == 0 ? SIM_MODE_BEAM : SIM_MODE_SIM;
    rec->tool_version = column_strdup(st, 9);
    rec->start_unix_ns = sqlite3_column_int64(st, 10);
    rec->wall_s = sqlite3_column_double(st, 11);
    rec->timeseries_interval_ns = (uint64_t)sqlite3_column_int64(st, 12);
    rec->ncores = (uint32_t)sqlite3_column_int64(st, 13);
    sqlite3_finalize(st);
    if (rec->trace == NULL || rec->topology == NULL || rec->strategy == NULL ||
        rec->params_json == NULL || rec->tool_version == NULL) {
        sim_db_run_record_free(rec);
        return sim_db_fail_plain(db, err, errlen, "out of memory reading run %lld",
                             (long long)run_id);
    }
    return 0;
}

void sim_db_run_record_free(struct sim_run_record *rec)
{
    free(rec->trace);
    free(rec->trace_checksum);
    free(rec->topology);
    free(rec->strategy);
    free(rec->params_json);
    free(rec->tool_version);
    memset(rec, 0, sizeof(*rec));
}

int sim_db_read_summary(struct sim_db *db, int64_t run_id, struct sim_run_summary *out,
                        char *err, size_t errlen)
{
    sqlite3_stmt *st = prepare_for(db,
        "SELECT makespan_ns, processes, events, steals, steal_attempts, steal_fail_empty, "
        "steal_fail_lost_race, steal_denied_affinity, steal_denied_cooldown, "
        "steal_denied_threshold, steal_denied_cost, steal_denied_rate_limit, migrations, "
        "migrations_smt, migrations_cluster, migrations_node, migrations_remote, "
        "migration_cost_ns, preemptions, messages, stuck_processes, wait_p50_ns, wait_p95_ns, "
        "wait_p99_ns, resp_p50_ns, resp_p95_ns, resp_p99_ns, utilization, energy_j, "
        "migrations_considered, migration_cost_est_ns, migration_rate_per_s, "
        "migration_success_rate, migration_cost_avg_ns, busy_cv, busy_max_mean, "
        "steal_success_rate FROM run_summary WHERE run_id = ?1", run_id, "run_summary", err,
        errlen);
    if (st == NULL || step_row(db, st, "run_summary row", run_id, err, errlen) != 0)
        return -1;
    uint64_t v[SUMMARY_INTS];
    for (int i = 0; i < SUMMARY_INTS; i++)
        v[i] = (uint64_t)sqlite3_column_int64(st, i);
    memset(out, 0, sizeof(*out));
    size_t n = 0;
    out->makespan_ns = v[n++];
    out->processes = v[n++];
    out->events = v[n++];
    out->steals = v[n++];
    out->steal_attempts = v[n++];
    for (int i = 0; i < SIM_STEAL_FAIL_COUNT; i++)
        out->steal_fail[i] = v[n++];
    n++;   /* the migrations total, derived */
    for (int i = 0; i < SIM_DIST_COUNT; i++)
        out->migrations[i] = v[n++];
    out->migration_cost_ns = v[n++];
    out->preemptions = v[n++];
    out->messages = v[n++];
    out->stuck_processes = v[n++];
    out->wait_p50_ns = v[n++];
    out->wait_p95_ns = v[n++];
    out->wait_p99_ns = v[n++];
    out->resp_p50_ns = v[n++];
    out->resp_p95_ns = v[n++];
    out->resp_p99_ns = v[n++];
    out->utilization = sqlite3_column_double(st, SUMMARY_INTS);
    out->energy_j = sqlite3_column_double(st, SUMMARY_INTS + 1);
    /* Version 2 columns; NULL (a run stored by version 1) reads as 0. */
    int k = SUMMARY_INTS + 2;
    out->migrations_considered = (uint64_t)sqlite3_column_int64(st, k++);
    out->migration_cost_est_ns = sqlite3_column_int64(st, k++);
    out->migration_rate_per_s = sqlite3_column_double(st, k++);
    out->migration_success_rate = sqlite3_column_double(st, k++);
    out->migration_cost_avg_ns = sqlite3_column_double(st, k++);
    out->busy_cv = sqlite3_column_double(st, k++);
    out->busy_max_mean = sqlite3_column_double(st, k++);
    out->steal_success_rate = sqlite3_column_double(st, k++);
    sqlite3_finalize(st);
    return 0;
}

static void read_core_row(sqlite3_stmt *st, struct sim_core_stats *c)
{
    memset(c, 0, sizeof(*c));
    const unsigned char *kind = sqlite3_column_text(st, 1);
    if (kind != NULL)
        strncpy(c->kind, (const char *)kind, sizeof(c->kind));   /* unterminated if full */
    c->cluster = (uint32_t)sqlite3_column_int64(st, 2);
    c->node = (uint32_t)sqlite3_column_int64(st, 3);
    c->busy_ns = column_u64(st, 4);
    c->idle_ns = column_u64(st, 5);
    c->steal_ns = column_u64(st, 6);
    c->sleep_ns = column_u64(st, 7);
    c->wakeups = column_u64(st, 8);
    c->processes_run = column_u64(st, 9);
    c->steals_in = column_u64(st, 10);
    c->steals_out = column_u64(st, 11);
    c->steal_attempts = column_u64(st, 12);
}

int sim_db_read_core_stats(struct sim_db *db, int64_t run_id, struct sim_core_stats *cores,
                           uint32_t ncores, char *err, size_t errlen)
{
    sqlite3_stmt *st = prepare_for(db,
        "SELECT core, kind, cluster, node, busy_ns, idle_ns, steal_ns, sleep_ns, wakeups, "
        "processes_run, steals_in, steals_out, steal_attempts FROM core_stats "
        "WHERE run_id = ?1 ORDER BY core", run_id, "core_stats", err, errlen);
    if (st == NULL)
        return -1;
    uint32_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < ncores) {
        if (sqlite3_column_int64(st, 0) != n)
            break;
        read_core_row(st, &cores[n++]);
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        sim_db_fail(db, err, errlen, "cannot read core_stats of run %lld", (long long)run_id);
    else if (rc == SQLITE_ROW || n != ncores)
        sim_db_fail_plain(db, err, errlen, "core_stats of run %lld do not hold cores 0..%u",
                      (long long)run_id, ncores - 1);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE && n == ncores ? 0 : -1;
}

int sim_db_read_queue_means(struct sim_db *db, int64_t run_id, double *mean, uint32_t ncores,
                            char *err, size_t errlen)
{
    memset(mean, 0, (size_t)ncores * sizeof *mean);
    sqlite3_stmt *st = prepare_for(db, "SELECT core, avg(queue_len) FROM timeseries "
                                   "WHERE run_id = ?1 GROUP BY core", run_id, "timeseries",
                                   err, errlen);
    if (st == NULL)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t c = sqlite3_column_int64(st, 0);
        if (c >= 0 && c < ncores)
            mean[c] = sqlite3_column_double(st, 1);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : sim_db_fail(db, err, errlen, "cannot read timeseries of "
                                               "run %lld", (long long)run_id);
}

int sim_db_read_steal_matrix(struct sim_db *db, int64_t run_id, uint64_t *matrix,
                             uint32_t ncores, char *err, size_t errlen)
{
    memset(matrix, 0, (size_t)ncores * ncores * sizeof(*matrix));
    sqlite3_stmt *st = prepare_for(db,
        "SELECT thief, victim, count FROM steal_matrix WHERE run_id = ?1", run_id,
        "steal_matrix", err, errlen);
    if (st == NULL)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t t = sqlite3_column_int64(st, 0), v = sqlite3_column_int64(st, 1);
        if (t < 0 || v < 0 || t >= ncores || v >= ncores) {
            sqlite3_finalize(st);
            return sim_db_fail_plain(db, err, errlen, "steal_matrix of run %lld names core %lld",
                                 (long long)run_id, (long long)(t >= ncores ? t : v));
        }
        matrix[(size_t)t * ncores + (size_t)v] = (uint64_t)sqlite3_column_int64(st, 2);
    }
    if (rc != SQLITE_DONE)
        sim_db_fail(db, err, errlen, "cannot read steal_matrix of run %lld", (long long)run_id);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int sim_db_read_migrations(struct sim_db *db, int64_t run_id, uint64_t *counts, char *err,
                           size_t errlen)
{
    memset(counts, 0, SIM_DIST_COUNT * sizeof(*counts));
    sqlite3_stmt *st = prepare_for(db,
        "SELECT distance, count FROM migrations WHERE run_id = ?1", run_id, "migrations",
        err, errlen);
    if (st == NULL)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *name = sqlite3_column_text(st, 0);
        for (int d = 0; name != NULL && d < SIM_DIST_COUNT; d++)
            if (strcmp((const char *)name, sim_db_dist_name((enum sim_dist)d)) == 0)
                counts[d] = (uint64_t)sqlite3_column_int64(st, 1);
    }
    if (rc != SQLITE_DONE)
        sim_db_fail(db, err, errlen, "cannot read migrations of run %lld", (long long)run_id);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int sim_db_list_runs(struct sim_db *db, int64_t experiment_id, int64_t **ids, size_t *n,
                     char *err, size_t errlen)
{
    *ids = NULL;
    *n = 0;
    sqlite3_stmt *st = prepare_for(db,
        "SELECT id FROM runs WHERE ?1 = 0 OR experiment_id = ?1 ORDER BY id", experiment_id,
        "runs", err, errlen);
    if (st == NULL)
        return -1;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            int64_t *grown = realloc(*ids, cap * sizeof(**ids));
            if (grown == NULL) {
                rc = SQLITE_NOMEM;
                break;
            }
            *ids = grown;
        }
        (*ids)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    if (rc != SQLITE_DONE) {
        sim_db_fail(db, err, errlen, "cannot list runs");
        free(*ids);
        *ids = NULL;
        *n = 0;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int sim_db_newest_experiment(struct sim_db *db, int64_t *id, char *err, size_t errlen)
{
    *id = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->h,
            "SELECT id FROM experiments e WHERE EXISTS (SELECT 1 FROM runs r WHERE "
            "r.experiment_id = e.id) ORDER BY created DESC, id DESC LIMIT 1", -1, &st,
            NULL) != SQLITE_OK)
        return sim_db_fail(db, err, errlen, "cannot read experiments");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        sim_db_fail(db, err, errlen, "cannot read experiments");
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}
