/* sim_db_upgrade.c: databases written by an older schema version: upgraded in place when opened
 * for writing, read through a TEMP view when opened read-only or merged from.
 *
 * Version 2 appended eight columns to run_summary (results/schema.sql). Opened for writing, a
 * version-1 database gets them by ALTER TABLE ADD COLUMN, with the very declarations of
 * schema.sql (appended last, so its column order is a new database's and merge, which copies by
 * PRAGMA table_info, sees one layout), then its old runs are filled in and user_version set to
 * 2, all in the caller's write transaction: an upgrade that fails leaves the file as it was.
 * What the stored rows can give is computed from them (migration rate from migrations and
 * makespan, steal success rate, load-balance quality from core_stats.busy_ns); what version 1
 * never recorded (migrations considered, the cost model's estimates) stays NULL.
 *
 * A reader must not write: a read-only connection (plot, merge's inputs) instead gets a TEMP
 * view named run_summary, which SQLite finds before main.run_summary for an unqualified name,
 * showing the same added columns with the same values. merge reads an attached older input
 * through such a view as well (sim_db_upgrade_view).
 *
 * Version 3 added the tables timeline_info and timeline, the last statements of schema.sql: a
 * version-2 database (or a version-1 one after the steps above) gets them by running that tail
 * of the embedded schema itself, so an upgraded database has exactly a new one's tables. A
 * reader of an older database finds no timeline table and says the run has no timeline.
 * Version 3 also appended run_summary.balance_moves (ALTER TABLE in the same step; NULL for the
 * older runs, and merge reads it as NULL from an older input).
 *
 * Version 4 let runs.mode be 'beam' (a recorded Erlang VM run). SQLite cannot alter a CHECK, so
 * the runs table is rebuilt, SQLite's way: a copy made with schema.sql's own declaration, every
 * row copied with its id, the old table dropped and the copy renamed to runs, its index made
 * again. Foreign keys are off while the schema is set up (sim_db_open.c, schema_setup), so
 * the drop cascades to nothing and the other tables' REFERENCES runs(id) find the new table by
 * name; PRAGMA foreign_key_check then proves every reference still lands. The runs columns are
 * the same in versions 1 to 4, so the copy is a plain SELECT *. */
#include "sim/db/sim_db_int.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* A column added by version 2: its declaration in schema.sql and its value for a version-1 run
 * (an SQL expression over a row `run_summary`, `@` standing for the schema name of the tables
 * it reads; NULL: never recorded). */
struct added_col {
    const char *name, *decl, *v1_value;
};

#define CORE_STATS_OF_RUN "FROM @.core_stats c WHERE c.run_id = run_summary.run_id"

static const struct added_col v2_cols[] = {
    { "migrations_considered", "INTEGER CHECK (migrations_considered >= 0)", "NULL" },
    { "migration_cost_est_ns", "INTEGER", "NULL" },
    { "migration_rate_per_s", "REAL CHECK (migration_rate_per_s >= 0)",
      "CASE WHEN makespan_ns > 0 THEN migrations * 1e9 / makespan_ns ELSE 0.0 END" },
    { "migration_success_rate", "REAL CHECK (migration_success_rate >= 0)", "NULL" },
    { "migration_cost_avg_ns", "REAL", "NULL" },
    { "busy_cv", "REAL CHECK (busy_cv >= 0)",
      "(SELECT CASE WHEN avg(c.busy_ns) > 0 THEN sqrt(max(0.0, avg(1.0 * c.busy_ns * c.busy_ns)"
      " - avg(c.busy_ns) * avg(c.busy_ns))) / avg(c.busy_ns) ELSE 0.0 END " CORE_STATS_OF_RUN ")" },
    { "busy_max_mean", "REAL CHECK (busy_max_mean >= 0)",
      "(SELECT CASE WHEN avg(c.busy_ns) > 0 THEN max(c.busy_ns) / avg(c.busy_ns) ELSE 0.0 END "
      CORE_STATS_OF_RUN ")" },
    { "steal_success_rate",
      "REAL CHECK (steal_success_rate >= 0 AND steal_success_rate <= 1)",
      "CASE WHEN steal_attempts > 0 THEN 1.0 * steals / steal_attempts ELSE 0.0 END" },
};
#define NV2 (sizeof v2_cols / sizeof v2_cols[0])

/* The value expression of column i for runs of schema `schema`, into buf (truncated only if
 * len is too small for the expressions above, which the statement then fails on). */
static const char *v1_value(size_t i, const char *schema, char *buf, size_t len)
{
    size_t n = 0, k = strlen(schema);
    for (const char *p = v2_cols[i].v1_value; *p != '\0' && n + k + 1 < len; p++) {
        if (*p == '@') {
            memcpy(buf + n, schema, k);
            n += k;
        } else {
            buf[n++] = *p;
        }
    }
    buf[n] = '\0';
    return buf;
}

/* Version 1 to 2: the columns of v2_cols, filled in for the stored runs. */
static int upgrade_v1(struct sim_db *db, char *err, size_t errlen)
{
    char sql[1024], val[512];
    for (size_t i = 0; i < NV2; i++) {
        snprintf(sql, sizeof sql, "ALTER TABLE main.run_summary ADD COLUMN %s %s",
                 v2_cols[i].name, v2_cols[i].decl);
        if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK)
            return sim_db_fail(db, err, errlen, "upgrading schema version 1 to %d: adding %s",
                               SIM_DB_SCHEMA_VERSION, v2_cols[i].name);
    }
    for (size_t i = 0; i < NV2; i++) {
        snprintf(sql, sizeof sql, "UPDATE main.run_summary SET %s = %s", v2_cols[i].name,
                 v1_value(i, "main", val, sizeof val));
        if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK)
            return sim_db_fail(db, err, errlen, "upgrading schema version 1 to %d: filling %s",
                               SIM_DB_SCHEMA_VERSION, v2_cols[i].name);
    }
    return 0;
}

/* Version 2 to 3: the timeline tables, as schema.sql declares them (its last statements), and
 * run_summary's balance_moves, appended last as in schema.sql (NULL for the older runs). */
static int upgrade_v2(struct sim_db *db, char *err, size_t errlen)
{
    const char *tail = strstr(sim_db_schema_sql(), "CREATE TABLE timeline_info");
    if (tail == NULL || sqlite3_exec(db->h, tail, NULL, NULL, NULL) != SQLITE_OK)
        return sim_db_fail(db, err, errlen, "upgrading schema version 2 to %d: adding the "
                           "timeline tables", SIM_DB_SCHEMA_VERSION);
    if (sqlite3_exec(db->h, "ALTER TABLE main.run_summary ADD COLUMN balance_moves INTEGER "
                            "CHECK (balance_moves >= 0)", NULL, NULL, NULL) != SQLITE_OK)
        return sim_db_fail(db, err, errlen, "upgrading schema version 2 to %d: adding "
                           "balance_moves", SIM_DB_SCHEMA_VERSION);
    return 0;
}

/* The statement of schema.sql starting at `from` up to its ';' (and newline), into buf. 0, or -1
 * when it is missing or does not fit. */
static int schema_statement(const char *from, char *buf, size_t len)
{
    const char *s = strstr(sim_db_schema_sql(), from), *end = s ? strstr(s, ");\n") : NULL;
    if (end == NULL || (size_t)(end + 3 - s) >= len)
        return -1;
    memcpy(buf, s, (size_t)(end + 3 - s));
    buf[end + 3 - s] = '\0';
    return 0;
}

/* Does PRAGMA foreign_key_check find no dangling reference? */
static bool foreign_keys_hold(struct sim_db *db)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->h, "PRAGMA main.foreign_key_check", -1, &st, NULL) != SQLITE_OK)
        return false;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE;
}

/* Version 3 to 4: runs rebuilt with the CHECK that admits mode 'beam' (see above). */
static int upgrade_v3(struct sim_db *db, char *err, size_t errlen)
{
    char decl[2048], create[2100], index[256];
    if (schema_statement("CREATE TABLE runs (", decl, sizeof decl) != 0
        || schema_statement("CREATE INDEX runs_by_experiment", index, sizeof index) != 0)
        return sim_db_fail_plain(db, err, errlen, "upgrading schema version 3 to %d: the "
                                 "embedded schema has no runs table", SIM_DB_SCHEMA_VERSION);
    snprintf(create, sizeof create, "CREATE TABLE main.runs_v4 %s",
             decl + strlen("CREATE TABLE runs "));
    static const char *const steps[] = {
        "INSERT INTO main.runs_v4 SELECT * FROM main.runs", "DROP TABLE main.runs",
        "ALTER TABLE main.runs_v4 RENAME TO runs",
    };
    int rc = sqlite3_exec(db->h, create, NULL, NULL, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < sizeof steps / sizeof *steps; i++)
        rc = sqlite3_exec(db->h, steps[i], NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db->h, index, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return sim_db_fail(db, err, errlen, "upgrading schema version 3 to %d: rebuilding "
                           "runs", SIM_DB_SCHEMA_VERSION);
    if (!foreign_keys_hold(db))
        return sim_db_fail_plain(db, err, errlen, "upgrading schema version 3 to %d: a row "
                                 "no longer finds its run after rebuilding runs",
                                 SIM_DB_SCHEMA_VERSION);
    return 0;
}

int sim_db_upgrade(struct sim_db *db, int64_t from, char *err, size_t errlen)
{
    if (from < 1 || from >= SIM_DB_SCHEMA_VERSION)
        return sim_db_fail_plain(db, err, errlen, "cannot upgrade schema version %lld",
                                 (long long)from);
    if (from == 1 && upgrade_v1(db, err, errlen) != 0)
        return -1;
    if (from <= 2 && upgrade_v2(db, err, errlen) != 0)
        return -1;
    if (from <= 3 && upgrade_v3(db, err, errlen) != 0)
        return -1;
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA main.user_version = %d", SIM_DB_SCHEMA_VERSION);
    if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK)
        return sim_db_fail(db, err, errlen, "upgrading schema version %lld: setting the "
                           "version", (long long)from);
    return 0;
}

int sim_db_upgrade_view(struct sqlite3 *h, const char *schema, const char *view, char *err,
                        size_t errlen)
{
    char sql[4096], val[512];
    size_t n = (size_t)snprintf(sql, sizeof sql, "CREATE TEMP VIEW %s AS SELECT run_summary.*",
                                view);
    for (size_t i = 0; i < NV2 && n < sizeof sql; i++)
        n += (size_t)snprintf(sql + n, sizeof sql - n, ", %s AS %s",
                              v1_value(i, schema, val, sizeof val), v2_cols[i].name);
    if (n < sizeof sql)
        n += (size_t)snprintf(sql + n, sizeof sql - n, " FROM %s.run_summary AS run_summary",
                              schema);
    if (n >= sizeof sql || sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot read schema version 1 (view of run_summary): %s",
                 sqlite3_errmsg(h));
        return -1;
    }
    return 0;
}
