/* test_db_mode.c: schema version 4's runs.mode 'beam' (a recorded Erlang VM run): written and
 * read back; a version-3 database made here (a new one with the version-3 CHECK written back
 * into its schema) and the version-2 fixture are upgraded on open with their runs table
 * rebuilt, ids, rows and foreign keys kept; a rebuild that would leave a dangling reference
 * rolls back to version 3; merge takes a version-3 input and a beam run. */
#include "sim/db/sim_db.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/schedlab-test-dbmode-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(db_mode, .init = make_dir, .fini = remove_dir);

static const char *file(const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", dir, name);
    return buf;
}

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *h;
    cr_assert_eq(sqlite3_open(path, &h), SQLITE_OK);
    char *msg = NULL;
    cr_assert_eq(sqlite3_exec(h, sql, NULL, NULL, &msg), SQLITE_OK, "%s", msg ? msg : "");
    sqlite3_close(h);
}

/* The integer the query's first row gives on a raw connection to path. */
static int64_t raw_int(const char *path, const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_open(path, &h), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(h));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

/* One run of two cores in mode m. */
static int64_t write_run(struct sim_db *db, enum sim_run_mode m, const char *strategy)
{
    struct sim_core_stats cores[2] = { { .busy_ns = 300, .idle_ns = 700, .kind = "P" },
                                       { .busy_ns = 900, .idle_ns = 100, .kind = "P" } };
    struct sim_run_metrics r = {
        .run = { .trace = "fib:4", .topology = "synth:p=2", .strategy = strategy,
                 .params_json = "{}", .mode = m, .tool_version = "test", .wall_s = 0.001 },
        .summary = { .makespan_ns = 1000, .processes = 9, .utilization = 0.6 },
        .ncores = 2, .cores = cores,
    };
    sim_metrics_derive(&r);
    char err[512] = "";
    int64_t id = 0;
    cr_assert_eq(sim_db_write_run(db, &r, &id, err, sizeof err), 0, "%s", err);
    return id;
}

static struct sim_db *open_rw(const char *path)
{
    struct sim_db *db;
    char err[512] = "";
    cr_assert_eq(sim_db_open(path, false, &db, err, sizeof err), 0, "%s", err);
    return db;
}

static void assert_mode(struct sim_db *db, int64_t id, enum sim_run_mode m)
{
    struct sim_run_record rec;
    char err[512] = "";
    cr_assert_eq(sim_db_read_run(db, id, &rec, err, sizeof err), 0, "%s", err);
    cr_assert_eq(rec.mode, m, "run %lld: mode %d, want %d", (long long)id, rec.mode, m);
    sim_db_run_record_free(&rec);
}

/* A version-3 database: runs 1 and 3 in mode sim and native (run 2 deleted, so the ids have a
 * gap the rebuild must keep), each with its summary and core rows; the runs CHECK and
 * user_version set back to version 3's. */
static void make_v3(const char *path)
{
    struct sim_db *db = open_rw(path);
    write_run(db, SIM_MODE_SIM, "ring");
    write_run(db, SIM_MODE_SIM, "gone");
    write_run(db, SIM_MODE_NATIVE, "ring");
    sim_db_close(db);
    raw_exec(path, "PRAGMA foreign_keys = ON; DELETE FROM runs WHERE id = 2;"
                   "PRAGMA journal_mode = DELETE; PRAGMA writable_schema = ON;"
                   "UPDATE sqlite_schema SET sql = replace(sql, ', ''beam''))', '))') "
                   "WHERE name = 'runs'; PRAGMA writable_schema = OFF; PRAGMA user_version = 3;");
    cr_assert_eq(raw_int(path, "SELECT instr(sql, 'beam') FROM sqlite_schema WHERE name = "
                               "'runs'"), 0, "the made database still admits mode beam");
}

static void assert_upgraded(const char *path)
{
    cr_assert_eq(raw_int(path, "PRAGMA user_version"), SIM_DB_SCHEMA_VERSION);
    cr_assert_gt(raw_int(path, "SELECT instr(sql, '''beam''') FROM sqlite_schema WHERE name = "
                               "'runs'"), 0, "runs does not admit mode beam");
    cr_assert_eq(raw_int(path, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    cr_assert_eq(raw_int(path, "SELECT count(*) FROM sqlite_schema WHERE name = "
                               "'runs_by_experiment'"), 1, "the runs index is gone");
}

Test(db_mode, a_beam_run_is_stored_and_read_back_as_mode_beam)
{
    char p[128];
    struct sim_db *db = open_rw(file("new.db", p, sizeof p));
    int64_t id = write_run(db, SIM_MODE_BEAM, "beam-vm");
    assert_mode(db, id, SIM_MODE_BEAM);
    sim_db_close(db);
    cr_assert_eq(raw_int(p, "SELECT count(*) FROM runs WHERE mode = 'beam'"), 1);
    cr_assert_str_eq(sim_db_mode_name(SIM_MODE_BEAM), "beam");
    cr_assert_eq(raw_int(p, "PRAGMA user_version"), 4);
}

Test(db_mode, a_version_3_database_is_upgraded_keeping_ids_and_rows)
{
    char p[128];
    make_v3(file("v3.db", p, sizeof p));
    int64_t summaries = raw_int(p, "SELECT count(*) FROM run_summary");
    int64_t cores = raw_int(p, "SELECT count(*) FROM core_stats");
    cr_assert_eq(summaries, 2);
    struct sim_db *db = open_rw(p);
    assert_mode(db, 1, SIM_MODE_SIM);
    assert_mode(db, 3, SIM_MODE_NATIVE);
    int64_t id = write_run(db, SIM_MODE_BEAM, "beam-vm");
    cr_assert_eq(id, 4, "a new run after the rebuild got id %lld", (long long)id);
    sim_db_close(db);
    assert_upgraded(p);
    cr_assert_eq(raw_int(p, "SELECT count(*) FROM runs WHERE id IN (1, 3, 4)"), 3);
    cr_assert_eq(raw_int(p, "SELECT count(*) FROM run_summary"), summaries + 1,
                 "the rebuild lost summary rows");
    cr_assert_eq(raw_int(p, "SELECT count(*) FROM core_stats"), cores + 2);
    /* The other tables' REFERENCES runs(id) land on the rebuilt table: deleting a run still
     * cascades to its rows. */
    raw_exec(p, "PRAGMA foreign_keys = ON; DELETE FROM runs WHERE id = 1;");
    cr_assert_eq(raw_int(p, "SELECT count(*) FROM run_summary WHERE run_id = 1"), 0);
    cr_assert_eq(raw_int(p, "SELECT count(*) FROM core_stats WHERE run_id = 1"), 0);
}

Test(db_mode, the_version_2_fixture_is_upgraded_to_version_4)
{
    char p[128];
    FILE *f = fopen("tests/data/db/schema_v2.sql", "rb");
    cr_assert_not_null(f);
    static char sql[1 << 16];
    sql[fread(sql, 1, sizeof sql - 1, f)] = '\0';
    fclose(f);
    raw_exec(file("v2.db", p, sizeof p), sql);
    struct sim_db *db = open_rw(p);
    assert_mode(db, write_run(db, SIM_MODE_BEAM, "beam-vm"), SIM_MODE_BEAM);
    sim_db_close(db);
    assert_upgraded(p);
}

Test(db_mode, a_rebuild_leaving_a_dangling_reference_rolls_back_to_version_3)
{
    char p[128], err[512] = "";
    make_v3(file("bad.db", p, sizeof p));
    raw_exec(p, "INSERT INTO core_stats VALUES (77, 0, 'P', 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0);");
    /* (foreign keys are off on a raw connection: an orphan row) */
    struct sim_db *db = NULL;
    cr_assert_eq(sim_db_open(p, false, &db, err, sizeof err), -1, "an orphan row was upgraded");
    cr_assert(strstr(err, p) != NULL && strstr(err, "upgrading schema version 3") != NULL,
              "%s", err);
    cr_assert_eq(raw_int(p, "PRAGMA user_version"), 3);
    cr_assert_eq(raw_int(p, "SELECT count(*) FROM runs"), 2);
    cr_assert_eq(raw_int(p, "SELECT count(*) FROM sqlite_schema WHERE name = 'runs_v4'"), 0);
}

Test(db_mode, merge_takes_a_version_3_input_and_a_beam_run)
{
    char v3[128], v4[128], out[128], err[512] = "";
    make_v3(file("m3.db", v3, sizeof v3));
    struct sim_db *db = open_rw(file("m4.db", v4, sizeof v4));
    write_run(db, SIM_MODE_BEAM, "beam-vm");
    write_run(db, SIM_MODE_SIM, "beam");
    sim_db_close(db);
    char *in[] = { v3, v4 };
    int64_t exp = 0, runs = 0;
    cr_assert_eq(sim_db_merge(file("out.db", out, sizeof out), 2, in, &exp, &runs, err,
                              sizeof err), 0, "%s", err);
    cr_assert_eq(runs, 4);
    cr_assert_eq(raw_int(v3, "PRAGMA user_version"), 3, "merge changed its input");
    cr_assert_eq(raw_int(out, "SELECT count(*) FROM runs WHERE mode = 'beam'"), 1);
    cr_assert_eq(raw_int(out, "SELECT count(*) FROM runs WHERE mode = 'native'"), 1);
    cr_assert_eq(raw_int(out, "SELECT count(*) FROM run_summary"), 4);
    assert_upgraded(out);
}
