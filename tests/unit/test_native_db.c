/* test_native_db.c: what a native run leaves in SQLite: every table of the schema filled for the
 * run (runs with mode 'native' and the native settings in params, run_summary, one core_stats
 * row per worker, steal_matrix agreeing with the summary, migrations by class, timeseries of
 * every core), nothing at all for a failed run, and validate's pair of runs with the
 * calibration stored. */
#include "native/nat_run.h"
#include "native/nat_validate.h"
#include "sim/db/sim_db.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void tmp_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "/tmp/schedlab-natdb-%d-%s", (int)getpid(), name);
    unlink(buf);
}

/* One integer from a query with one parameter (?) bound to `run`. */
static int64_t q1(sqlite3 *db, const char *sql, int64_t run)
{
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, run);
    int64_t v = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

Test(native_db, rows_of_a_native_run_are_complete)
{
    char path[256], err[512];
    tmp_path(path, sizeof path, "rows.db");
    struct nat_run_opts o;
    nat_run_defaults(&o);
    o.workload = "nqueens:8";
    o.threads = 2;
    o.strategy = "random";
    o.db_path = path;
    struct nat_run_result r;
    cr_assert_eq(nat_run(&o, &r, err, sizeof err), 0, "%s", err);
    cr_assert_gt(r.run_id, 0);

    struct sim_db *db;
    cr_assert_eq(sim_db_open(path, true, &db, err, sizeof err), 0, "%s", err);
    struct sim_run_record rec;
    cr_assert_eq(sim_db_read_run(db, r.run_id, &rec, err, sizeof err), 0, "%s", err);
    cr_assert_eq(rec.mode, SIM_MODE_NATIVE);
    cr_assert_eq(rec.ncores, 2);
    cr_assert_str_eq(rec.trace, "nqueens:8");
    cr_assert_str_eq(rec.strategy, "random");
    cr_assert_str_eq(rec.topology, "host:2:static");
    cr_assert_not_null(rec.trace_checksum);
    cJSON *pj = cJSON_Parse(rec.params_json);
    cr_assert_not_null(pj);
    const cJSON *nat = cJSON_GetObjectItem(pj, "native");
    cr_assert_eq(cJSON_GetObjectItem(nat, "threads")->valueint, 2);
    cr_assert_str_eq(cJSON_GetObjectItem(nat, "binding")->valuestring, "static");
    cr_assert_not_null(cJSON_GetObjectItem(pj, "min_steal_queue"), "every ws parameter too");
    cJSON_Delete(pj);
    sim_db_run_record_free(&rec);

    struct sim_run_summary s;
    cr_assert_eq(sim_db_read_summary(db, r.run_id, &s, err, sizeof err), 0, "%s", err);
    cr_assert_eq(s.processes, r.summary.processes);
    cr_assert_eq(s.steals, r.summary.steals);
    cr_assert_gt(s.makespan_ns, 0);
    cr_assert(s.utilization > 0 && s.utilization <= 1.0);
    struct sim_core_stats cores[2];
    cr_assert_eq(sim_db_read_core_stats(db, r.run_id, cores, 2, err, sizeof err), 0, "%s", err);
    cr_assert_geq(cores[0].processes_run + cores[1].processes_run, s.processes);
    uint64_t matrix[4], steals_in = cores[0].steals_in + cores[1].steals_in;
    cr_assert_eq(sim_db_read_steal_matrix(db, r.run_id, matrix, 2, err, sizeof err), 0);
    cr_assert_eq(matrix[1] + matrix[2], s.steals, "steal matrix sums to the steals");
    cr_assert_eq(steals_in, s.steals);
    cr_assert_eq(matrix[0] + matrix[3], 0, "nobody steals from itself");
    uint64_t mig[SIM_DIST_COUNT];
    cr_assert_eq(sim_db_read_migrations(db, r.run_id, mig, err, sizeof err), 0);
    sqlite3 *h = sim_db_handle(db);
    cr_assert_eq(q1(h, "SELECT COUNT(*) FROM migrations WHERE run_id = ?", r.run_id), 4);
    cr_assert_eq(q1(h, "SELECT COUNT(DISTINCT core) FROM timeseries WHERE run_id = ?",
                    r.run_id), 2);
    cr_assert_gt(q1(h, "SELECT timeseries_interval_ns FROM runs WHERE id = ?", r.run_id), 0);
    cr_assert_eq(q1(h, "SELECT COUNT(*) FROM runs WHERE mode = 'native' AND id = ?",
                    r.run_id), 1);
    sim_db_close(db);
    unlink(path);
}

Test(native_db, a_failed_run_writes_nothing)
{
    char path[256], trace[256], err[512];
    tmp_path(path, sizeof path, "fail.db");
    tmp_path(trace, sizeof trace, "stuck.jsonl");
    FILE *f = fopen(trace, "w");
    cr_assert_not_null(f);
    fputs("{\"format\":\"schedlab-trace\",\"version\":1}\n"
          "{\"id\":0,\"spawn\":0,\"phases\":[[\"recv\"]]}\n", f);
    fclose(f);
    struct nat_run_opts o;
    nat_run_defaults(&o);
    o.workload = "fib:10";
    o.threads = 1;
    o.db_path = path;
    struct nat_run_result r;
    cr_assert_eq(nat_run(&o, &r, err, sizeof err), 0, "%s", err);
    o.workload = trace;
    cr_assert_neq(nat_run(&o, &r, err, sizeof err), 0);
    cr_assert(strstr(err, "deadlock") != NULL, "%s", err);
    sqlite3 *h;
    cr_assert_eq(sqlite3_open(path, &h), SQLITE_OK);
    cr_assert_eq(q1(h, "SELECT COUNT(*) FROM runs WHERE ? = 0", 0), 1, "only the good run");
    cr_assert_eq(q1(h, "SELECT COUNT(*) FROM run_summary WHERE ? = 0", 0), 1);
    sqlite3_close(h);
    unlink(path);
    unlink(trace);
}

Test(native_db, validate_stores_both_runs_with_the_calibration, .timeout = 240)
{
    char path[256], err[512];
    tmp_path(path, sizeof path, "validate.db");
    struct nat_validate_opts o = { .workload = "fib:15", .strategy = "locality", .threads = 2,
                                   .seed = 3, .repeat = 2, .sim_repeat = 2, .db_path = path };
    ws_params_defaults(&o.params);
    struct nat_validate_result r;
    cr_assert_eq(nat_validate(&o, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(r.native.tally, 610);
    cr_assert_eq(r.m[5].native, 1973);
    cr_assert_eq(r.m[5].sim, 1973, "the simulator replays the same processes");
    cr_assert_gt(r.cal.spawn.ns, 0);
    cr_assert_gt(r.cal.proc.ns, 0);
    cr_assert(strstr(r.sim_trace, "fib:n=15,") == r.sim_trace, "%s", r.sim_trace);
    cr_assert(strstr(r.sim_trace, ",ws=0") != NULL, "%s", r.sim_trace);
    sqlite3 *h;
    cr_assert_eq(sqlite3_open(path, &h), SQLITE_OK);
    cr_assert_eq(q1(h, "SELECT COUNT(*) FROM runs WHERE mode = 'native' AND id = ?",
                    r.native.run_id), 1);
    cr_assert_eq(q1(h, "SELECT COUNT(*) FROM runs WHERE mode = 'sim' AND id = ?",
                    r.sim_run_id), 1);
    cr_assert_eq(q1(h, "SELECT COUNT(*) FROM runs WHERE json_extract(params, "
                       "'$.calibration.spawn_ns') > 0 AND ? = 0", 0), 4,
                 "two repetitions of each side");
    sqlite3_close(h);
    unlink(path);
}
