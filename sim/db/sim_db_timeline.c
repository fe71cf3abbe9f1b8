/* sim_db_timeline.c: a run's timeline in the database: written with the run (tables
 * timeline_info and timeline, schema version 3) and read back by `export` and `plot`. A
 * database of an older version has no timeline tables: its runs read as having no timeline. */
#include "sim/db/sim_db_int.h"
#include "sim/db/sim_db_timeline.h"

#include <sqlite3.h>
#include <stdio.h>

static bool step_reset(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE;
}

static void bind_opt32(sqlite3_stmt *st, int i, uint32_t v)
{
    if (v == SIM_TL_NONE32)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int64(st, i, v);
}

static bool insert_slice(sqlite3_stmt *st, int64_t run, const struct sim_tl_slice *s)
{
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_int64(st, 2, s->core);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)s->start_ns);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)s->end_ns);
    sqlite3_bind_text(st, 5, sim_timeline_kind_name((enum sim_tl_kind)s->kind), -1,
                      SQLITE_STATIC);
    if (s->pid == SIM_TL_NONE64) {
        sqlite3_bind_null(st, 6);
        sqlite3_bind_null(st, 7);
    } else {
        sqlite3_bind_int64(st, 6, (sqlite3_int64)s->pid);
        sqlite3_bind_int64(st, 7, s->prio);
    }
    bind_opt32(st, 8, s->victim);
    return step_reset(st);
}

bool sim_db_write_timeline(struct sim_db *db, const struct sim_run_metrics *m, int64_t run,
                           char *what, size_t len)
{
    if (m->timeline_max == 0)
        return true;
    sqlite3_stmt *st = db->st[ST_TL_INFO];
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)m->ntimeline);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)m->timeline_max);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)m->timeline_dropped);
    if (m->timeline_dropped > 0)
        sqlite3_bind_int64(st, 5, (sqlite3_int64)m->timeline_cut_ns);
    else
        sqlite3_bind_null(st, 5);
    if (!step_reset(st)) {
        snprintf(what, len, "writing timeline_info");
        return false;
    }
    for (size_t i = 0; i < m->ntimeline; i++) {
        if (!insert_slice(db->st[ST_TL], run, &m->timeline[i])) {
            snprintf(what, len, "writing timeline slice %zu (core %u, %s at %llu ns)", i,
                     m->timeline[i].core,
                     sim_timeline_kind_name((enum sim_tl_kind)m->timeline[i].kind),
                     (unsigned long long)m->timeline[i].start_ns);
            return false;
        }
    }
    return true;
}

/* ---- reading ------------------------------------------------------------------------------ */

/* Does the database have the timeline tables (schema version 3 or later)? */
static bool has_tables(sqlite3 *h)
{
    sqlite3_stmt *st;
    bool yes = false;
    if (sqlite3_prepare_v2(h, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND "
                           "name = 'timeline_info'", -1, &st, NULL) != SQLITE_OK)
        return false;
    yes = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return yes;
}

int sim_db_read_timeline_info(struct sim_db *db, int64_t run_id, struct sim_db_tl_info *out,
                              char *err, size_t errlen)
{
    *out = (struct sim_db_tl_info){ 0 };
    if (!has_tables(db->h))
        return 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->h, "SELECT slices, max_slices, dropped, cut_ns FROM "
                           "timeline_info WHERE run_id = ?1", -1, &st, NULL) != SQLITE_OK)
        return sim_db_fail(db, err, errlen, "reading timeline_info");
    sqlite3_bind_int64(st, 1, run_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->recorded = true;
        out->slices = (uint64_t)sqlite3_column_int64(st, 0);
        out->max_slices = (uint64_t)sqlite3_column_int64(st, 1);
        out->dropped = (uint64_t)sqlite3_column_int64(st, 2);
        out->cut_ns = (uint64_t)sqlite3_column_int64(st, 3);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sim_db_fail(db, err, errlen, "reading timeline_info of run %lld",
                           (long long)run_id);
    return out->recorded ? 1 : 0;
}

static uint64_t col_opt(sqlite3_stmt *st, int i, uint64_t none)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? none : (uint64_t)sqlite3_column_int64(st, i);
}

int sim_db_read_timeline(struct sim_db *db, int64_t run_id, sim_db_tl_fn fn, void *ctx,
                         char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->h, "SELECT core, start_ns, end_ns, kind, pid, prio, victim FROM "
                           "timeline WHERE run_id = ?1 ORDER BY core, start_ns, end_ns", -1,
                           &st, NULL) != SQLITE_OK)
        return sim_db_fail(db, err, errlen, "reading timeline");
    sqlite3_bind_int64(st, 1, run_id);
    int rc, stop = 0;
    while (stop == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct sim_tl_slice s = {
            .core = (uint32_t)sqlite3_column_int64(st, 0),
            .start_ns = (uint64_t)sqlite3_column_int64(st, 1),
            .end_ns = (uint64_t)sqlite3_column_int64(st, 2),
            .kind = (uint8_t)sim_timeline_kind_parse((const char *)sqlite3_column_text(st, 3)),
            .pid = col_opt(st, 4, SIM_TL_NONE64),
            .prio = (uint8_t)col_opt(st, 5, 0),
            .victim = (uint32_t)col_opt(st, 6, SIM_TL_NONE32),
        };
        stop = fn(ctx, &s);
    }
    sqlite3_finalize(st);
    if (stop != 0)
        return stop < 0 ? -1 : 0;
    if (rc != SQLITE_DONE)
        return sim_db_fail(db, err, errlen, "reading timeline of run %lld", (long long)run_id);
    return 0;
}
