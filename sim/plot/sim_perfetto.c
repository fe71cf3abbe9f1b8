/* sim_perfetto.c: a run's timeline as Chrome trace-event JSON (see sim_perfetto.h). Written as
 * a stream, one event per line, so a timeline of a million slices needs no tree in memory. */
#include "sim/plot/sim_perfetto.h"
#include "core/ws_proc.h"
#include "sim/db/sim_db_timeline.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct writer {
    FILE *f;
    bool first;            /* no event written yet (no comma before the next) */
    uint64_t flows;        /* flow ids given so far */
    uint64_t slices;
    struct sim_tl_slice prev;   /* the slice before (slices come by core, then start) */
};

/* Nanoseconds as microseconds with every digit: "1234.567". */
static void put_us(FILE *f, uint64_t ns)
{
    fprintf(f, "%llu.%03llu", (unsigned long long)(ns / 1000), (unsigned long long)(ns % 1000));
}

static void begin(struct writer *w)
{
    fputs(w->first ? "\n" : ",\n", w->f);
    w->first = false;
}

/* {"name":..,"ph":..,"pid":0,"tid":core,"ts":..  (left open for more keys) */
static void head(struct writer *w, const char *name, const char *cat, char ph, uint32_t core,
                 uint64_t ts)
{
    begin(w);
    fprintf(w->f, "{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"%c\",\"pid\":0,\"tid\":%u,\"ts\":",
            name, cat, ph, core);
    put_us(w->f, ts);
}

static void flow(struct writer *w, const char *cat, uint32_t from, uint32_t to, uint64_t t0,
                 uint64_t t1)
{
    uint64_t id = ++w->flows;
    head(w, cat, cat, 's', from, t0);
    fprintf(w->f, ",\"id\":%llu}", (unsigned long long)id);
    head(w, cat, cat, 'f', to, t1);
    fprintf(w->f, ",\"bp\":\"e\",\"id\":%llu}", (unsigned long long)id);
}

/* The cause of a migrate slice's move, as its flow's category: "steal" when the core stole the
 * process right before (the steal slice's own flow shows it: none is drawn again), else
 * "balance" (the balancer pulled it, or an affinity change moved it: the timeline does not
 * tell these two apart). */
static const char *migrate_cause(const struct writer *w, const struct sim_tl_slice *s)
{
    const struct sim_tl_slice *p = &w->prev;
    bool stolen = w->slices > 1 && p->core == s->core && p->kind == SIM_TL_STEAL &&
                  p->pid == s->pid && p->end_ns == s->start_ns;
    return stolen ? NULL : "balance";
}

static const char *prio_name(uint8_t p)
{
    return p <= WS_PRIO_LOW ? ws_prio_name((enum ws_prio)p) : "?";
}

static int on_slice(void *ctx, const struct sim_tl_slice *s)
{
    struct writer *w = ctx;
    const char *kind = sim_timeline_kind_name((enum sim_tl_kind)s->kind);
    if (kind == NULL)
        return 0;   /* (the schema's CHECK admits no other kind) */
    w->slices++;
    const char *cat = s->kind != SIM_TL_MIGRATE ? kind : migrate_cause(w, s);
    w->prev = *s;
    if (s->kind == SIM_TL_WAKE) {
        head(w, "wake", kind, 'i', s->core, s->start_ns);
        fputs(",\"s\":\"t\"", w->f);
        if (s->victim != SIM_TL_NONE32)
            fprintf(w->f, ",\"args\":{\"waker\":%u}", s->victim);
        fputc('}', w->f);
        return 0;
    }
    char name[64];
    if (s->pid != SIM_TL_NONE64)
        snprintf(name, sizeof name, "%s%s%llu", s->kind == SIM_TL_RUN ? "" : kind,
                 s->kind == SIM_TL_RUN ? "pid " : " pid ", (unsigned long long)s->pid);
    else
        snprintf(name, sizeof name, "%s", kind);
    head(w, name, kind, 'X', s->core, s->start_ns);
    fputs(",\"dur\":", w->f);
    put_us(w->f, s->end_ns - s->start_ns);
    fputs(",\"args\":{", w->f);
    if (s->pid != SIM_TL_NONE64)
        fprintf(w->f, "\"pid\":%llu,\"priority\":\"%s\",", (unsigned long long)s->pid,
                prio_name(s->prio));
    if (s->victim != SIM_TL_NONE32)
        fprintf(w->f, "\"from_core\":%u,", s->victim);
    fprintf(w->f, "\"dur_ns\":%llu}}", (unsigned long long)(s->end_ns - s->start_ns));
    if (s->victim != SIM_TL_NONE32 && cat != NULL)
        flow(w, cat, s->victim, s->core, s->start_ns, s->end_ns > s->start_ns ? s->end_ns - 1
                                                                                : s->start_ns);
    return 0;
}

/* Metadata: the machine's name and a named, ordered track per core (from core_stats). */
static int tracks(struct writer *w, sqlite3 *h, int64_t run, const struct sim_run_record *r)
{
    begin(w);
    fprintf(w->f, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":0,\"tid\":0,\"args\":"
            "{\"name\":\"run %lld (%s)\"}}", (long long)run, sim_db_mode_name(r->mode));
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h, "SELECT core, kind, cluster, node FROM core_stats WHERE "
                           "run_id = ?1 ORDER BY core", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, run);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int core = sqlite3_column_int(st, 0);
        begin(w);
        fprintf(w->f, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":0,\"tid\":%d,\"args\":"
                "{\"name\":\"core %d (%s, cluster %d, node %d)\"}}", core, core,
                (const char *)sqlite3_column_text(st, 1), sqlite3_column_int(st, 2),
                sqlite3_column_int(st, 3));
        begin(w);
        fprintf(w->f, "{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":0,\"tid\":%d,"
                "\"args\":{\"sort_index\":%d}}", core, core);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* A run whose every process exited (no stuck one) ends with every queue empty. */
static bool run_complete(sqlite3 *h, int64_t run)
{
    sqlite3_stmt *st;
    bool yes = false;
    if (sqlite3_prepare_v2(h, "SELECT stuck_processes = 0 FROM run_summary WHERE run_id = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_int64(st, 1, run);
    yes = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
    sqlite3_finalize(st);
    return yes;
}

static void counter(struct writer *w, uint32_t core, uint64_t t, long long waiting)
{
    char name[48];
    snprintf(name, sizeof name, "queue core %u", core);
    head(w, name, "queue", 'C', core, t);
    fprintf(w->f, ",\"args\":{\"waiting\":%lld}}", waiting);
}

/* Counters: each core's queue length, the largest of each timeseries interval drawn over that
 * interval (a counter holds its value from its ts on), and 0 at the end of a complete run. */
static int counters(struct writer *w, sqlite3 *h, int64_t run)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h, "SELECT core, t_ns, queue_len FROM timeseries WHERE run_id = ?1 "
                           "ORDER BY core, t_ns", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, run);
    bool complete = run_complete(h, run), any = false;
    uint32_t core = 0;
    uint64_t from = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint32_t c = (uint32_t)sqlite3_column_int(st, 0);
        if (any && c != core && complete)
            counter(w, core, from, 0);
        if (!any || c != core)
            from = 0;
        counter(w, c, from, (long long)sqlite3_column_int64(st, 2));
        core = c;
        from = (uint64_t)sqlite3_column_int64(st, 1);
        any = true;
    }
    if (any && complete)
        counter(w, core, from, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* err = "PATH: reading TABLE of run N: SQLite's message"; -1. */
static int db_error(struct sim_db *db, const char *table, int64_t run, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: reading %s of run %lld: %s", sim_db_path(db), table,
             (long long)run, sqlite3_errmsg(sim_db_handle(db)));
    return -1;
}

int sim_perfetto_newest(struct sim_db *db, int64_t *run, char *err, size_t errlen)
{
    sqlite3 *h = sim_db_handle(db);
    sqlite3_stmt *st;
    *run = 0;
    if (sqlite3_prepare_v2(h, "SELECT max(run_id) FROM timeline_info", -1, &st, NULL) ==
        SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            *run = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    if (*run > 0)
        return 0;
    snprintf(err, errlen, "%s: no run has a timeline (record one with replay --timeline or "
             "native --timeline)", sim_db_path(db));
    return -1;
}

int sim_perfetto_export(struct sim_db *db, int64_t run, FILE *f, uint64_t *slices,
                        uint64_t *cut, char *err, size_t errlen)
{
    struct sim_run_record r;
    struct sim_db_tl_info info;
    int rc = sim_db_read_run(db, run, &r, err, errlen);
    if (rc == 0 && (rc = sim_db_read_timeline_info(db, run, &info, err, errlen)) == 0) {
        snprintf(err, errlen, "%s: run %lld has no timeline (it was recorded without "
                 "--timeline; run it again with replay --timeline or native --timeline)",
                 sim_db_path(db), (long long)run);
        rc = -1;
    }
    if (rc < 0) {
        sim_db_run_record_free(&r);
        return -1;
    }
    struct writer w = { .f = f, .first = true };
    sqlite3 *h = sim_db_handle(db);
    fprintf(f, "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"run\":%lld,\"trace\":\"",
            (long long)run);
    for (const char *p = r.trace; *p; p++)   /* JSON string: escape quotes, backslashes, controls */
        fprintf(f, *p == '"' || *p == '\\' ? "\\%c" : (unsigned char)*p < 0x20 ? "\\u%04x" : "%c",
                *p);
    fprintf(f, "\",\"strategy\":\"%s\",\"mode\":\"%s\",\"slices\":%llu,\"slices_cut\":%llu},"
            "\"traceEvents\":[", r.strategy, sim_db_mode_name(r.mode),
            (unsigned long long)info.slices, (unsigned long long)info.dropped);
    rc = tracks(&w, h, run, &r) != 0 ? db_error(db, "core_stats", run, err, errlen) : 0;
    if (rc == 0)
        rc = sim_db_read_timeline(db, run, on_slice, &w, err, errlen);
    if (rc == 0 && counters(&w, h, run) != 0)
        rc = db_error(db, "timeseries", run, err, errlen);
    if (rc == 0 && info.dropped > 0) {
        head(&w, "timeline cut here", "cut", 'i', 0, info.cut_ns);
        fprintf(f, ",\"s\":\"g\",\"args\":{\"slices_cut\":%llu}}",
                (unsigned long long)info.dropped);
    }
    fputs("\n]}\n", f);
    *slices = w.slices;
    *cut = info.dropped;
    sim_db_run_record_free(&r);
    return rc;
}
