/* sim_db.h: the SQLite results database: open or create it (schema in results/schema.sql,
 * embedded here as sim_db_schema_sql()), store one run's metrics atomically, read them back.
 *
 * Every function that can fail returns 0 on success or -1 with a message in err[errlen] that
 * names the database file (err may be NULL). On failure the database is left as it was. */
#ifndef SIM_DB_H
#define SIM_DB_H

#include "sim/engine/sim_metrics.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Schema version this binary writes and understands (PRAGMA user_version). */
#define SIM_DB_SCHEMA_VERSION 4

/* The schema text, identical to results/schema.sql (a unit test checks). Never NULL. */
const char *sim_db_schema_sql(void);

struct sim_db;
struct sqlite3;

/* Open the database at `path`, creating the file and the schema if absent. WAL journal, foreign
 * keys on, a busy timeout so that concurrent writers (compare -j N) wait instead of failing.
 * An empty file, or an SQLite database with no tables and no foreign application_id, becomes a
 * new schedlab database; one of an older schema version is upgraded in place (read-only: read
 * through a view, unchanged). Anything else that is not a schedlab database of this schema
 * version (another program's database, a text or binary file, a newer schema) is refused
 * before any write: its bytes stay as they were and no -wal/-shm/-journal file is made. With read_only the
 * database must exist, nothing is written, and a database in a read-only folder opens too (see
 * sim_db_open.c). A connection belongs to one thread (open one per thread or process). */
int sim_db_open(const char *path, bool read_only, struct sim_db **out, char *err, size_t errlen);

/* Remove a database file and its -wal and -shm files (a temporary one, closed). */
void sim_db_remove(const char *path);

/* 0 when every row read so far through this read-only connection came from one state of the
 * file; -1 with a message when another process rewrote the file since it was opened (a reader
 * that holds no locks, see sim_db_open.c: check after reading, before trusting the rows). */
int sim_db_verify_unchanged(const struct sim_db *db, char *err, size_t errlen);

/* The "file:" URI (sqlite3_free it) that reaches this database the way it was opened, for
 * ATTACH on another connection opened by sim_db_open; NULL for ":memory:" or out of memory. */
char *sim_db_uri(const struct sim_db *db);

/* Close the database (NULL is fine). */
void sim_db_close(struct sim_db *db);

/* Path the database was opened with. */
const char *sim_db_path(const struct sim_db *db);

/* The underlying connection, for ad-hoc queries (compare, plot). Do not close it. */
struct sqlite3 *sim_db_handle(struct sim_db *db);

/* Create an experiment row (description may be NULL) and return its id in *id. */
int sim_db_create_experiment(struct sim_db *db, const char *description, int64_t *id,
                             char *err, size_t errlen);

/* Copy every run of the databases paths[0..n) into one new experiment of out_path (created if
 * missing) in one transaction: *exp gets the experiment, *runs the number of runs copied. Each
 * input must be a schedlab database of this schema version or an older one (its runs get the
 * values sim_db_upgrade would give them), opened read-only and left unchanged;
 * naming each input once is the caller's check. -1 with err (ending "; nothing was merged
 * (...)") on failure: an existing OUT is unchanged and a new one is not created. */
int sim_db_merge(const char *out_path, int n, char **paths, int64_t *exp, int64_t *runs,
                 char *err, size_t errlen);

/* Write everything of one run (runs, run_summary, core_stats, steal_matrix, migrations,
 * timeseries, processes) in one transaction; *run_id gets the new runs.id. All or nothing:
 * on any failure the transaction is rolled back and no row of the run remains. */
int sim_db_write_run(struct sim_db *db, const struct sim_run_metrics *m, int64_t *run_id,
                     char *err, size_t errlen);

/* ---- readers ------------------------------------------------------------------------------ */

/* A run's descriptor as stored; the strings are owned by the record (sim_db_run_record_free). */
struct sim_run_record {
    int64_t id;
    int64_t experiment_id;           /* 0 = none */
    char *trace, *trace_checksum, *topology, *strategy, *params_json, *tool_version;
    uint64_t seed;
    enum sim_run_mode mode;
    int64_t start_unix_ns;
    double wall_s;
    uint64_t timeseries_interval_ns;
    uint32_t ncores;                 /* rows in core_stats */
};

/* Read runs row `run_id` into *rec (freed with sim_db_run_record_free, also after failure). */
int sim_db_read_run(struct sim_db *db, int64_t run_id, struct sim_run_record *rec, char *err,
                    size_t errlen);
void sim_db_run_record_free(struct sim_run_record *rec);

/* Read the run_summary row of `run_id`. */
int sim_db_read_summary(struct sim_db *db, int64_t run_id, struct sim_run_summary *out,
                        char *err, size_t errlen);

/* The mean queue_len of each core's timeseries rows of `run_id` into mean[0..ncores) (0 for a
 * core with none). */
int sim_db_read_queue_means(struct sim_db *db, int64_t run_id, double *mean, uint32_t ncores,
                            char *err, size_t errlen);

/* Read core_stats of `run_id` into cores[0..ncores): every core must have a row. */
int sim_db_read_core_stats(struct sim_db *db, int64_t run_id, struct sim_core_stats *cores,
                           uint32_t ncores, char *err, size_t errlen);

/* Read steal_matrix of `run_id` into matrix[ncores * ncores] (zeroed first; [thief*n+victim]). */
int sim_db_read_steal_matrix(struct sim_db *db, int64_t run_id, uint64_t *matrix,
                             uint32_t ncores, char *err, size_t errlen);

/* Read the migrations table of `run_id` into counts[SIM_DIST_COUNT] (zeroed first). */
int sim_db_read_migrations(struct sim_db *db, int64_t run_id, uint64_t *counts, char *err,
                           size_t errlen);

/* Ids of the runs of `experiment_id` (0 = all runs), ascending, into a malloc'd array *ids
 * (free with free()); *n gets the count. */
int sim_db_list_runs(struct sim_db *db, int64_t experiment_id, int64_t **ids, size_t *n,
                     char *err, size_t errlen);

/* The newest experiment that has runs (by creation time, then id) into *id; 0 when none has. */
int sim_db_newest_experiment(struct sim_db *db, int64_t *id, char *err, size_t errlen);

/* Names stored in the database for the enums of sim_metrics.h. */
const char *sim_db_steal_fail_name(enum sim_steal_fail r);   /* "empty", "lost_race", ... */
const char *sim_db_dist_name(enum sim_dist d);               /* "smt", "cluster", ... */
const char *sim_db_mode_name(enum sim_run_mode m);           /* "sim", "native" or "beam" */

#endif
