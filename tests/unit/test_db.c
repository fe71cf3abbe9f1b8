/* test_db.c: the results database stores every field of a run and reads it back, identical runs
 * give identical rows, any failure mid-run leaves the database unchanged, read-only and foreign
 * or newer databases are refused with messages naming the file, and the embedded schema is
 * results/schema.sql. */
#include "sim/db/sim_db.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NCORES 4

static char tmpdir[64];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/schedlab-test-db-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(db, .init = make_tmpdir, .fini = remove_tmpdir);

static const char *db_file(const char *name)
{
    static char path[128];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    return path;
}

static struct sim_db *open_db(const char *name)
{
    struct sim_db *db;
    char err[512] = "";
    cr_assert_eq(sim_db_open(db_file(name), false, &db, err, sizeof(err)), 0, "%s", err);
    return db;
}

/* A run with every field set to a distinct value derived from `k`. */
struct fixture {
    struct sim_run_metrics m;
    struct sim_core_stats cores[NCORES];
    uint64_t matrix[NCORES * NCORES];
    struct sim_ts_sample ts[NCORES * 3];
    struct sim_proc_row procs[5];
};

static void fill_summary(struct sim_run_summary *s, uint64_t k)
{
    s->makespan_ns = 1000000 + k;
    s->processes = 5;
    s->events = 777 + k;
    s->steals = 9;
    s->steal_attempts = 9 + 28;
    for (int i = 0; i < SIM_STEAL_FAIL_COUNT; i++)
        s->steal_fail[i] = (uint64_t)i + 1;
    for (int i = 0; i < SIM_DIST_COUNT; i++)
        s->migrations[i] = 10 * (uint64_t)i + 3;
    s->migration_cost_ns = 4242;
    s->preemptions = 11;
    s->messages = 12;
    s->stuck_processes = 0;
    s->utilization = 0.625;
    s->wait_p50_ns = 100, s->wait_p95_ns = 950, s->wait_p99_ns = 990;
    s->resp_p50_ns = 5000, s->resp_p95_ns = 9500, s->resp_p99_ns = 9900;
    s->energy_j = 1.5;
}

static void fill(struct fixture *f, uint64_t k)
{
    memset(f, 0, sizeof(*f));
    for (uint32_t c = 0; c < NCORES; c++) {
        struct sim_core_stats *cs = &f->cores[c];
        cs->busy_ns = 600000 + c, cs->idle_ns = 300000 + c, cs->steal_ns = 100000 - c;
        cs->sleep_ns = 1000 * c, cs->wakeups = c, cs->processes_run = 10 + c;
        cs->steals_in = c, cs->steals_out = 3 - c, cs->steal_attempts = 5 + c;
        snprintf(cs->kind, sizeof(cs->kind), "%s", c < 2 ? "P" : "E");
        cs->cluster = c / 2, cs->node = 0;
        for (uint32_t t = 0; t < 3; t++)
            f->ts[c * 3 + t] = (struct sim_ts_sample){ c, (t + 1) * 1000, 0.25 * t, c + t };
    }
    f->matrix[1 * NCORES + 0] = 2;
    f->matrix[2 * NCORES + 3] = 3;
    f->matrix[3 * NCORES + 0] = 4;
    for (uint32_t p = 0; p < 5; p++)
        f->procs[p] = (struct sim_proc_row){ p, 10 * p, 10 * p + 5, 10 * p + 500, 5 + p,
                                             p % NCORES, p };
    f->procs[4].first_run_ns = UINT64_MAX;   /* never ran */
    f->procs[4].end_ns = UINT64_MAX;
    f->procs[4].core_last = UINT32_MAX;
    f->m.run = (struct sim_run_desc){
        .trace = "fib:10", .trace_checksum = "abc123", .topology = "m1", .strategy = "random",
        .params_json = "{\"slice_ns\":1000,\"x\":[1,2]}", .seed = 0xFEDCBA9876543210ull,
        .mode = SIM_MODE_SIM, .tool_version = "0.1-test", .start_unix_ns = 1700000000000000000,
        .wall_s = 0.5, .timeseries_interval_ns = 1000,
    };
    fill_summary(&f->m.summary, k);
    f->m.ncores = NCORES;
    f->m.cores = f->cores;
    f->m.steal_matrix = f->matrix;
    f->m.timeseries = f->ts;
    f->m.ntimeseries = NCORES * 3;
    f->m.procs = f->procs;
    f->m.nprocs = 5;
}

static int64_t count_rows(struct sim_db *db, const char *table)
{
    char sql[128];
    sqlite3_stmt *st;
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
    cr_assert_eq(sqlite3_prepare_v2(sim_db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static const char *const tables[] = {
    "experiments", "runs", "run_summary", "core_stats", "steal_matrix", "migrations",
    "timeseries", "processes",
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

static void count_all(struct sim_db *db, int64_t *n)
{
    for (size_t i = 0; i < NTABLES; i++)
        n[i] = count_rows(db, tables[i]);
}

static void assert_counts(struct sim_db *db, const int64_t *before)
{
    int64_t now[NTABLES];
    count_all(db, now);
    for (size_t i = 0; i < NTABLES; i++)
        cr_assert_eq(now[i], before[i], "%s has %lld rows, had %lld", tables[i],
                     (long long)now[i], (long long)before[i]);
}

static int64_t write_ok(struct sim_db *db, const struct sim_run_metrics *m)
{
    char err[512] = "";
    int64_t id = 0;
    cr_assert_eq(sim_db_write_run(db, m, &id, err, sizeof(err)), 0, "%s", err);
    cr_assert_gt(id, 0);
    return id;
}

/* Write m, expect failure with an error naming the file and containing `want`; no row added. */
static void write_fails(struct sim_db *db, const struct sim_run_metrics *m, const char *want)
{
    int64_t before[NTABLES], id = -5;
    char err[512] = "";
    count_all(db, before);
    cr_assert_eq(sim_db_write_run(db, m, &id, err, sizeof(err)), -1, "write did not fail");
    cr_assert_eq(id, -5, "run id set on failure");
    cr_assert(strstr(err, sim_db_path(db)) != NULL, "error does not name the file: %s", err);
    cr_assert(strstr(err, want) != NULL, "error lacks '%s': %s", want, err);
    assert_counts(db, before);
}

Test(db, embedded_schema_is_results_schema_sql)
{
    FILE *f = fopen("results/schema.sql", "rb");
    cr_assert_not_null(f, "run the tests from the repository root");
    static char text[65536];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    const char *embedded = sim_db_schema_sql();
    size_t i = 0;
    while (text[i] != '\0' && text[i] == embedded[i])
        i++;
    cr_assert(text[i] == '\0' && embedded[i] == '\0',
              "sim_db_schema_sql() differs from results/schema.sql at byte %zu: '%.40s' vs "
              "'%.40s'", i, embedded + i, text + i);
    cr_assert(sqlite3_complete(embedded), "the schema does not end in a complete statement");
}

Test(db, creates_a_versioned_schema_in_wal_mode_and_reopens_it)
{
    struct sim_db *db = open_db("new.db");
    sqlite3_stmt *st;
    const char *checks[][2] = {
        { "PRAGMA user_version", "4" },
        { "PRAGMA application_id", "1396918348" },
        { "PRAGMA journal_mode", "wal" },
        { "PRAGMA foreign_keys", "1" },
        { "SELECT count(*) FROM sqlite_schema WHERE type = 'table'", "10" },
    };
    for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        cr_assert_eq(sqlite3_prepare_v2(sim_db_handle(db), checks[i][0], -1, &st, NULL), 0);
        cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
        cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), checks[i][1], "%s",
                         checks[i][0]);
        sqlite3_finalize(st);
    }
    cr_assert_eq(SIM_DB_SCHEMA_VERSION, 4);
    sim_db_close(db);
    db = open_db("new.db");   /* existing schema accepted, not re-created */
    cr_assert_eq(count_rows(db, "runs"), 0);
    sim_db_close(db);
}

Test(db, writes_every_table_and_reads_it_back)
{
    struct fixture f;
    fill(&f, 1);
    struct sim_db *db = open_db("rt.db");
    char err[512] = "";
    int64_t exp;
    cr_assert_eq(sim_db_create_experiment(db, "round trip", &exp, err, sizeof(err)), 0, "%s", err);
    f.m.run.experiment_id = exp;
    int64_t id = write_ok(db, &f.m);

    struct sim_run_record rec;
    cr_assert_eq(sim_db_read_run(db, id, &rec, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(rec.id, id);
    cr_assert_eq(rec.experiment_id, exp);
    cr_assert_str_eq(rec.trace, "fib:10");
    cr_assert_str_eq(rec.trace_checksum, "abc123");
    cr_assert_str_eq(rec.topology, "m1");
    cr_assert_str_eq(rec.strategy, "random");
    cr_assert_str_eq(rec.params_json, f.m.run.params_json);
    cr_assert_str_eq(rec.tool_version, "0.1-test");
    cr_assert_eq(rec.seed, 0xFEDCBA9876543210ull);
    cr_assert_eq(rec.mode, SIM_MODE_SIM);
    cr_assert_eq(rec.start_unix_ns, 1700000000000000000);
    cr_assert_float_eq(rec.wall_s, 0.5, 0);
    cr_assert_eq(rec.timeseries_interval_ns, 1000);
    cr_assert_eq(rec.ncores, NCORES);
    sim_db_run_record_free(&rec);

    struct sim_run_summary s;
    cr_assert_eq(sim_db_read_summary(db, id, &s, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(memcmp(&s, &f.m.summary, sizeof(s)), 0, "summary differs after round trip");
    struct sim_core_stats cores[NCORES];
    cr_assert_eq(sim_db_read_core_stats(db, id, cores, NCORES, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(memcmp(cores, f.cores, sizeof(cores)), 0, "core_stats differ");
    uint64_t matrix[NCORES * NCORES];
    cr_assert_eq(sim_db_read_steal_matrix(db, id, matrix, NCORES, err, sizeof(err)), 0, "%s",
                 err);
    cr_assert_eq(memcmp(matrix, f.matrix, sizeof(matrix)), 0, "steal matrix differs");
    cr_assert_eq(count_rows(db, "steal_matrix"), 3, "zero cells must not be stored");
    uint64_t migr[SIM_DIST_COUNT];
    cr_assert_eq(sim_db_read_migrations(db, id, migr, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(memcmp(migr, f.m.summary.migrations, sizeof(migr)), 0);
    sim_db_close(db);
}

/* Every row of run `id` in `table`, as text, with ids and timestamps left out. */
static void dump_table(struct sim_db *db, const char *table, int64_t id, char *out, size_t len)
{
    char sql[256];
    sqlite3_stmt *st;
    const char *key = strcmp(table, "runs") == 0 ? "id" : "run_id";
    snprintf(sql, sizeof(sql), "SELECT * FROM %s WHERE %s = %lld ORDER BY 1, 2, 3", table, key,
             (long long)id);
    cr_assert_eq(sqlite3_prepare_v2(sim_db_handle(db), sql, -1, &st, NULL), SQLITE_OK, "%s",
                 sql);
    size_t n = strlen(out);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const char *name = sqlite3_column_name(st, c);
            if (strcmp(name, "id") == 0 || strcmp(name, "run_id") == 0 ||
                strcmp(name, "start_unix_ns") == 0)
                continue;
            const unsigned char *v = sqlite3_column_text(st, c);
            n += (size_t)snprintf(out + n, len - n, "%s=%s|", name, v ? (const char *)v : "NULL");
            cr_assert_lt(n, len);
        }
        n += (size_t)snprintf(out + n, len - n, "\n");
    }
    sqlite3_finalize(st);
}

static void dump_run(struct sim_db *db, int64_t id, char *out, size_t len)
{
    out[0] = '\0';
    for (size_t i = 1; i < NTABLES; i++)   /* every table but experiments */
        dump_table(db, tables[i], id, out, len);
}

Test(db, identical_runs_give_identical_rows)
{
    static char a[65536], b[65536], c[65536], d[65536];
    struct fixture f, g;
    fill(&f, 7);
    fill(&g, 8);
    struct sim_db *one = open_db("one.db"), *two = open_db("two.db");
    f.m.run.start_unix_ns = 0;     /* the writer stamps the time */
    int64_t id1 = write_ok(one, &f.m);
    write_ok(two, &g.m);           /* a different run first, so the ids differ */
    int64_t id2 = write_ok(two, &f.m);
    int64_t id3 = write_ok(one, &f.m);
    cr_assert_neq(id1, id2);
    dump_run(one, id1, a, sizeof(a));
    dump_run(two, id2, b, sizeof(b));
    dump_run(one, id3, c, sizeof(c));
    dump_run(two, id2 - 1, d, sizeof(d));
    cr_assert_gt(strlen(a), 1000, "the dump is too short to mean anything");
    cr_assert_str_eq(a, b, "same run, two databases: rows differ");
    cr_assert_str_eq(a, c, "same run twice in one database: rows differ");
    cr_assert_str_neq(a, d, "different runs dump equal: the comparison cannot fail");
    sim_db_close(one);
    sim_db_close(two);
}

Test(db, failure_anywhere_in_a_run_leaves_no_rows)
{
    struct sim_db *db = open_db("fail.db");
    struct fixture f;
    fill(&f, 1);
    write_ok(db, &f.m);   /* a good run first: the failed ones must not disturb it */

    fill(&f, 2);
    f.ts[5].core = NCORES + 3;            /* no such core: FOREIGN KEY, mid-transaction */
    write_fails(db, &f.m, "timeseries sample 5");
    fill(&f, 2);
    f.procs[3].core_last = NCORES;        /* the last table written */
    write_fails(db, &f.m, "FOREIGN KEY");
    fill(&f, 2);
    f.matrix[2 * NCORES + 2] = 1;         /* a core stealing from itself: CHECK */
    write_fails(db, &f.m, "steal_matrix[thief 2][victim 2]");
    fill(&f, 2);
    f.cores[3].busy_ns = UINT64_MAX;      /* not a real counter: CHECK (>= 0) */
    write_fails(db, &f.m, "core_stats of core 3");
    fill(&f, 2);
    f.m.summary.wait_p99_ns = 1;          /* percentiles out of order: CHECK */
    write_fails(db, &f.m, "run_summary");
    fill(&f, 2);
    f.m.run.params_json = "{not json";
    write_fails(db, &f.m, "writing runs");
    fill(&f, 2);
    f.m.run.experiment_id = 99;           /* no such experiment */
    write_fails(db, &f.m, "FOREIGN KEY");
    fill(&f, 2);
    f.m.ncores = 0;
    write_fails(db, &f.m, "per-core");

    fill(&f, 3);
    int64_t id = write_ok(db, &f.m);      /* statements were reset: writing still works */
    struct sim_run_summary s;
    char err[512];
    cr_assert_eq(sim_db_read_summary(db, id, &s, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(s.events, 777 + 3);
    cr_assert_eq(count_rows(db, "runs"), 2);
    sim_db_close(db);
}

Test(db, a_full_disk_rolls_the_run_back_with_a_clear_error)
{
    struct sim_db *db = open_db("full.db");
    struct fixture f;
    fill(&f, 1);
    write_ok(db, &f.m);
    /* Simulate a full disk: the database may not grow by a single page (the limit is clamped
     * to the current size). */
    cr_assert_eq(sqlite3_exec(sim_db_handle(db), "PRAGMA max_page_count = 1", NULL, NULL, NULL),
                 SQLITE_OK);
    size_t n = 20000;
    struct sim_ts_sample *ts = calloc(n, sizeof(*ts));
    for (size_t i = 0; i < n; i++)
        ts[i] = (struct sim_ts_sample){ (uint32_t)(i % NCORES), i, 0.5, 1 };
    fill(&f, 2);
    f.m.timeseries = ts;
    f.m.ntimeseries = n;
    write_fails(db, &f.m, "full");
    cr_assert_eq(sqlite3_exec(sim_db_handle(db), "PRAGMA max_page_count = 1000000000", NULL,
                              NULL, NULL), SQLITE_OK);
    write_ok(db, &f.m);
    cr_assert_eq(count_rows(db, "timeseries"), (int64_t)(n + NCORES * 3));
    free(ts);
    sim_db_close(db);
}

Test(db, read_only_databases_refuse_writes_and_still_read)
{
    struct fixture f;
    fill(&f, 1);
    struct sim_db *db = open_db("ro.db");
    int64_t id = write_ok(db, &f.m);
    sim_db_close(db);
    char err[512] = "";
    cr_assert_eq(sim_db_open(db_file("ro.db"), true, &db, err, sizeof(err)), 0, "%s", err);
    write_fails(db, &f.m, "readonly");
    struct sim_run_summary s;
    cr_assert_eq(sim_db_read_summary(db, id, &s, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(s.events, 778);
    cr_assert_eq(sim_db_read_summary(db, id + 1, &s, err, sizeof(err)), -1);
    cr_assert(strstr(err, "no run_summary row") && strstr(err, db_file("ro.db")), "%s", err);
    sim_db_close(db);

    cr_assert_eq(sim_db_open(db_file("absent.db"), true, &db, err, sizeof(err)), -1);
    cr_assert_null(db);
    cr_assert(strstr(err, db_file("absent.db")) != NULL, "%s", err);
    if (geteuid() != 0) {   /* root writes through file permissions */
        cr_assert_eq(chmod(db_file("ro.db"), 0444), 0);
        cr_assert_eq(sim_db_open(db_file("ro.db"), false, &db, err, sizeof(err)), -1);
        cr_assert(strstr(err, "read-only") != NULL, "%s", err);
    }
}

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *h;
    cr_assert_eq(sqlite3_open(path, &h), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(h));
    sqlite3_close(h);
}

static void open_fails(const char *path, const char *want)
{
    struct sim_db *db = (struct sim_db *)1;
    char err[512] = "";
    cr_assert_eq(sim_db_open(path, false, &db, err, sizeof(err)), -1, "%s opened", path);
    cr_assert_null(db);
    cr_assert(strstr(err, path) != NULL, "error does not name the file: %s", err);
    cr_assert(strstr(err, want) != NULL, "error lacks '%s': %s", want, err);
}

Test(db, foreign_newer_and_broken_databases_are_refused)
{
    raw_exec(db_file("other.db"), "CREATE TABLE t (x); INSERT INTO t VALUES (1);");
    open_fails(db_file("other.db"), "not a schedlab database");
    sim_db_close(open_db("newer.db"));
    raw_exec(db_file("newer.db"), "PRAGMA user_version = 99");
    open_fails(db_file("newer.db"), "newer schedlab");
    FILE *f = fopen(db_file("text.db"), "w");
    cr_assert_not_null(f);
    fputs("this is not a database, just a long enough line of text to look like a header\n", f);
    fclose(f);
    open_fails(db_file("text.db"), "not a database");
    open_fails(db_file("no/such/dir/x.db"), "cannot open");
    raw_exec(db_file("other.db"), "SELECT 1");   /* refused databases are left alone */
}

Test(db, experiments_group_runs)
{
    struct sim_db *db = open_db("exp.db");
    struct fixture f;
    fill(&f, 1);
    char err[512] = "";
    int64_t e1, e2, *ids;
    size_t n;
    cr_assert_eq(sim_db_create_experiment(db, "sweep", &e1, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(sim_db_create_experiment(db, NULL, &e2, err, sizeof(err)), 0, "%s", err);
    cr_assert_neq(e1, e2);
    int64_t solo = write_ok(db, &f.m);
    f.m.run.experiment_id = e1;
    int64_t a = write_ok(db, &f.m), b = write_ok(db, &f.m);
    cr_assert_eq(sim_db_list_runs(db, e1, &ids, &n, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(n, 2);
    cr_assert_eq(ids[0], a);
    cr_assert_eq(ids[1], b);
    free(ids);
    cr_assert_eq(sim_db_list_runs(db, e2, &ids, &n, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(n, 0);
    free(ids);
    cr_assert_eq(sim_db_list_runs(db, 0, &ids, &n, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(n, 3);
    cr_assert_eq(ids[0], solo);
    free(ids);
    struct sim_run_record rec;
    cr_assert_eq(sim_db_read_run(db, solo, &rec, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(rec.experiment_id, 0);
    sim_db_run_record_free(&rec);
    cr_assert_str_eq(sim_db_steal_fail_name(SIM_STEAL_FAIL_RATE_LIMIT), "rate_limit");
    cr_assert_str_eq(sim_db_dist_name(SIM_DIST_REMOTE), "remote");
    cr_assert_str_eq(sim_db_mode_name(SIM_MODE_NATIVE), "native");
    sim_db_close(db);
}
