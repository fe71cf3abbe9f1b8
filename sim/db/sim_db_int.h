/* sim_db_int.h: what sim_db_open.c (connection, schema check), sim_db.c (writing) and
 * sim_db_read.c (readers) share;
 * not for other modules. */
#ifndef SIM_DB_INT_H
#define SIM_DB_INT_H

#include "sim/db/sim_db.h"

#include <sqlite3.h>
#include <stddef.h>
#include <sys/stat.h>

enum stmt_id { ST_RUN, ST_SUMMARY, ST_CORE, ST_MATRIX, ST_MIGR, ST_TS, ST_PROC, ST_TL_INFO,
               ST_TL, ST_COUNT };

struct sim_db {
    sqlite3 *h;
    char *path;
    bool read_only;
    bool immutable;               /* read without locks (no -wal rows); stamp is the file then */
    int64_t version;              /* user_version found by the latest schema check */
    struct stat stamp;
    const char *uri_query;        /* "mode=ro", "immutable=1", "mode=rwc"; NULL: not a URI */
    sqlite3_stmt *st[ST_COUNT];   /* write statements, prepared on first write */
};

/* Integer columns of run_summary, in the order summary_ints() writes and the reader reads. */
#define SUMMARY_INTS 27

/* Write m's timeline (timeline_info and timeline; nothing when m->timeline_max is 0) for run
 * `run` inside the open transaction (sim_db_timeline.c); false with *what naming the row. */
bool sim_db_write_timeline(struct sim_db *db, const struct sim_run_metrics *m, int64_t run,
                           char *what, size_t len);

/* Upgrade the database from schema version `from` to SIM_DB_SCHEMA_VERSION inside the open
 * write transaction (sim_db_upgrade.c); -1 with err, and the caller rolls back. */
int sim_db_upgrade(struct sim_db *db, int64_t from, char *err, size_t errlen);

/* CREATE TEMP VIEW `view`: run_summary of the version-1 database `schema` ("main", an attached
 * name) with the columns later versions added; -1 with err (no path prefix). */
int sim_db_upgrade_view(struct sqlite3 *h, const char *schema, const char *view, char *err,
                        size_t errlen);

/* err = "PATH: what: sqlite message (hint)"; returns -1. */
int sim_db_fail(const struct sim_db *db, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Like sim_db_fail, for errors that are not SQLite's. */
int sim_db_fail_plain(const struct sim_db *db, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
