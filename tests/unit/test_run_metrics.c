/* test_run_metrics.c: the derived run metrics (migration rate, success rate and average cost,
 * load-balance quality, steal success rate) on hand-made counts and on replays whose counts are
 * known, their storage, and the upgrade of a database written by schema version 1. */
#include "core/ws_sched.h"
#include "sim/db/sim_db.h"
#include "sim/engine/sim_metrics.h"
#include "sim/run/sim_run.h"

#include <criterion/criterion.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void tmp_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "/tmp/schedlab-metrics-%d-%s", (int)getpid(), name);
    unlink(buf);
    char side[600];
    snprintf(side, sizeof side, "%s-wal", buf);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", buf);
    unlink(side);
}

Test(run_metrics, derived_from_hand_made_counts)
{
    struct sim_core_stats cores[4] = { { .busy_ns = 100 }, { .busy_ns = 100 },
                                       { .busy_ns = 100 }, { .busy_ns = 500 } };
    struct sim_run_metrics m = { .ncores = 4, .cores = cores };
    struct sim_run_summary *s = &m.summary;
    s->makespan_ns = 2000000000;                       /* 2 s */
    s->migrations[SIM_DIST_SMT] = 1, s->migrations[SIM_DIST_CLUSTER] = 2;
    s->migrations[SIM_DIST_NODE] = 3, s->migrations[SIM_DIST_REMOTE] = 4;   /* 10 in all */
    s->migrations_considered = 40;
    s->migration_cost_est_ns = 1000;
    s->steals = 3, s->steal_attempts = 12;
    sim_metrics_derive(&m);
    cr_assert_float_eq(s->migration_rate_per_s, 5.0, 1e-12);
    cr_assert_float_eq(s->migration_success_rate, 0.25, 1e-12);
    cr_assert_float_eq(s->migration_cost_avg_ns, 100.0, 1e-12);
    cr_assert_float_eq(s->steal_success_rate, 0.25, 1e-12);
    /* busy: mean 200, population variance (3 * 100^2 + 300^2) / 4 = 30000 */
    cr_assert_float_eq(s->busy_cv, sqrt(30000.0) / 200.0, 1e-12);
    cr_assert_float_eq(s->busy_max_mean, 2.5, 1e-12);
}

Test(run_metrics, zero_denominators_give_zero_and_even_cores_give_one)
{
    struct sim_core_stats cores[3] = { { .busy_ns = 7 }, { .busy_ns = 7 }, { .busy_ns = 7 } };
    struct sim_run_metrics m = { .ncores = 3, .cores = cores };
    m.summary.migration_cost_est_ns = -5;   /* no committed migration to divide by */
    sim_metrics_derive(&m);
    cr_assert_eq(m.summary.migration_rate_per_s, 0);
    cr_assert_eq(m.summary.migration_success_rate, 0);
    cr_assert_eq(m.summary.migration_cost_avg_ns, 0);
    cr_assert_eq(m.summary.steal_success_rate, 0);
    cr_assert_eq(m.summary.busy_cv, 0);
    cr_assert_float_eq(m.summary.busy_max_mean, 1.0, 1e-12);
    cores[0].busy_ns = cores[1].busy_ns = cores[2].busy_ns = 0;
    sim_metrics_derive(&m);
    cr_assert_eq(m.summary.busy_cv, 0);
    cr_assert_eq(m.summary.busy_max_mean, 0);
}

Test(run_metrics, core_counts_add_up_and_the_cost_sum_saturates)
{
    struct ws_core_stats a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    atomic_store(&a.mig_considered, 5);
    atomic_store(&b.mig_considered, 7);
    a.mig_cost_est_ns = -300;
    b.mig_cost_est_ns = 1000;
    struct sim_run_summary s = { 0 };
    sim_metrics_add_core(&s, &a);
    sim_metrics_add_core(&s, &b);
    cr_assert_eq(s.migrations_considered, 12);
    cr_assert_eq(s.migration_cost_est_ns, 700);
    b.mig_cost_est_ns = INT64_MAX;
    sim_metrics_add_core(&s, &b);
    cr_assert_eq(s.migration_cost_est_ns, INT64_MAX);
}

static struct sim_run_opts opts(const char *trace, const char *topo, const char *db)
{
    struct sim_run_opts o = { .trace = trace, .topology = topo, .strategy = "random",
                              .seed = 3, .db_path = db };
    ws_params_defaults(&o.params);
    return o;
}

static void set(struct sim_run_opts *o, const char *assignment)
{
    char err[256];
    cr_assert_eq(sim_params_apply(&o->params, assignment, err, sizeof err), 0, "%s", err);
}

static uint64_t committed(const struct sim_run_summary *s)
{
    uint64_t n = 0;
    for (int d = 0; d < SIM_DIST_COUNT; d++)
        n += s->migrations[d];
    return n;
}

/* Every migration costs exactly ctx_switch_ns when the cache, NUMA and speed terms are 0:
 * identical cores of one node, refill costs 0. The stored row equals what was printed. */
Test(run_metrics, replay_with_known_migration_cost_is_stored_as_computed)
{
    char db[512], err[1024];
    tmp_path(db, sizeof db, "known.db");
    struct sim_run_opts o = opts("fib:16", "synth:p=4", db);
    set(&o, "ctx_switch_ns=777");
    set(&o, "refill_l2_ns=0");
    set(&o, "refill_l3_ns=0");
    set(&o, "refill_mem_ns=0");
    struct sim_run_result r;
    cr_assert_eq(sim_run_replay(&o, &r, err, sizeof err), 0, "%s", err);
    const struct sim_run_summary *s = &r.summary;
    uint64_t mig = committed(s);
    cr_assert_gt(mig, 0, "no migration: the test shows nothing");
    cr_assert_eq(s->migration_cost_est_ns, (int64_t)(777 * mig));
    cr_assert_float_eq(s->migration_cost_avg_ns, 777.0, 1e-9);
    cr_assert_geq(s->migrations_considered, mig);
    cr_assert_geq(s->migrations_considered,
                  mig + s->steal_fail[SIM_STEAL_FAIL_COST] +
                      s->steal_fail[SIM_STEAL_FAIL_RATE_LIMIT]);
    cr_assert_float_eq(s->migration_success_rate, (double)mig / (double)s->migrations_considered,
                       1e-12);
    cr_assert_float_eq(s->migration_rate_per_s, (double)mig * 1e9 / (double)s->makespan_ns,
                       1e-6);
    cr_assert_float_eq(s->steal_success_rate, (double)s->steals / (double)s->steal_attempts,
                       1e-12);
    cr_assert_gt(s->busy_max_mean, 1.0);
    struct sim_db *h;
    cr_assert_eq(sim_db_open(db, true, &h, err, sizeof err), 0, "%s", err);
    struct sim_run_summary back;
    cr_assert_eq(sim_db_read_summary(h, r.run_id, &back, err, sizeof err), 0, "%s", err);
    cr_assert_eq(back.migrations_considered, s->migrations_considered);
    cr_assert_eq(back.migration_cost_est_ns, s->migration_cost_est_ns);
    cr_assert_eq(back.busy_cv, s->busy_cv);
    cr_assert_eq(back.busy_max_mean, s->busy_max_mean);
    cr_assert_eq(back.migration_success_rate, s->migration_success_rate);
    /* The load-balance quality is that of the stored per-core busy times. */
    struct sim_core_stats cores[4];
    cr_assert_eq(sim_db_read_core_stats(h, r.run_id, cores, 4, err, sizeof err), 0, "%s", err);
    struct sim_run_metrics m = { .ncores = 4, .cores = cores };
    sim_metrics_derive(&m);
    cr_assert_float_eq(m.summary.busy_cv, s->busy_cv, 1e-12);
    sim_db_close(h);
    tmp_path(db, sizeof db, "known.db");
}

/* One core: nothing to migrate or steal, perfectly balanced. Migration policy off: every
 * decision is a refusal, so decisions are counted but none succeeds. */
Test(run_metrics, replays_with_no_migration_possible_or_allowed)
{
    char err[1024];
    struct sim_run_opts o = opts("fib:14", "synth:p=1", NULL);
    struct sim_run_result r;
    cr_assert_eq(sim_run_replay(&o, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(r.summary.migrations_considered, 0);
    cr_assert_eq(committed(&r.summary), 0);
    cr_assert_eq(r.summary.migration_rate_per_s, 0);
    cr_assert_eq(r.summary.steal_success_rate, 0);
    cr_assert_eq(r.summary.busy_cv, 0);
    cr_assert_float_eq(r.summary.busy_max_mean, 1.0, 1e-12);
    o = opts("fib:14", "synth:p=4", NULL);
    set(&o, "migration_policy=off");
    cr_assert_eq(sim_run_replay(&o, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(committed(&r.summary), 0);
    cr_assert_geq(r.summary.migrations_considered, r.summary.steal_fail[SIM_STEAL_FAIL_COST]);
    cr_assert_gt(r.summary.migrations_considered, 0);
    cr_assert_eq(r.summary.migration_success_rate, 0);
    cr_assert_eq(r.summary.migration_cost_avg_ns, 0);
}

/* Run sql on a raw connection to path (no schedlab code in between). */
static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *h;
    cr_assert_eq(sqlite3_open(path, &h), SQLITE_OK);
    char *msg = NULL;
    cr_assert_eq(sqlite3_exec(h, sql, NULL, NULL, &msg), SQLITE_OK, "%s", msg ? msg : "");
    sqlite3_close(h);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* A version-1 database with one run of 2 cores (busy 100 and 300 ns), 4 migrations over a
 * makespan of 0.5 s and 3 steals of 4 attempts, built with the old DDL. */
static void make_v1(const char *path)
{
    raw_exec(path, read_text("tests/data/db/schema_v1.sql"));
    raw_exec(path,
             "INSERT INTO runs (id, trace, topology, strategy, seed, mode, tool_version, "
             "start_unix_ns, wall_s, ncores) VALUES (1, 'fib:5', 'm1', 'random', 1, 'sim', "
             "'old', 1, 0.1, 2);"
             "INSERT INTO run_summary VALUES (1, 500000000, 15, 100, 3, 4, 1, 0, 0, 0, 0, 0, 0, "
             "4, 0, 4, 0, 0, 50, 0, 0, 0, 0.5, 1, 2, 3, 4, 5, 6, 0.25);"
             "INSERT INTO core_stats VALUES (1, 0, 'P', 0, 0, 100, 0, 0, 0, 0, 1, 0, 0, 0);"
             "INSERT INTO core_stats VALUES (1, 1, 'P', 0, 0, 300, 0, 0, 0, 0, 1, 3, 0, 4);");
}

/* The v1 run's derived values: rate 8/s, steals 0.75, busy mean 200 -> cv 0.5, max/mean 1.5;
 * what version 1 never recorded reads as 0 (stored NULL). */
static void check_v1_run(struct sim_db *db)
{
    char err[512];
    struct sim_run_summary s;
    cr_assert_eq(sim_db_read_summary(db, 1, &s, err, sizeof err), 0, "%s", err);
    cr_assert_eq(s.makespan_ns, 500000000);
    cr_assert_float_eq(s.migration_rate_per_s, 8.0, 1e-9);
    cr_assert_float_eq(s.steal_success_rate, 0.75, 1e-12);
    cr_assert_float_eq(s.busy_cv, 0.5, 1e-9);
    cr_assert_float_eq(s.busy_max_mean, 1.5, 1e-12);
    cr_assert_eq(s.migrations_considered, 0);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(sim_db_handle(db), "SELECT migrations_considered IS NULL "
                                    "AND migration_success_rate IS NULL FROM run_summary",
                                    -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_int(st, 0), 1, "unrecorded metrics of a v1 run are not NULL");
    sqlite3_finalize(st);
}

static int64_t user_version(const char *path)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_open(path, &h), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

/* Columns of run_summary as "name type notnull default pk;" (the table's layout). */
static void layout(struct sim_db *db, char *out, size_t len)
{
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(sim_db_handle(db), "PRAGMA main.table_info(run_summary)",
                                    -1, &st, NULL), SQLITE_OK);
    size_t n = 0;
    out[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW && n < len)
        n += (size_t)snprintf(out + n, len - n, "%s %s %d %s %d;", sqlite3_column_text(st, 1),
                              sqlite3_column_text(st, 2), sqlite3_column_int(st, 3),
                              sqlite3_column_text(st, 4) ? (const char *)sqlite3_column_text(st, 4)
                                                         : "-", sqlite3_column_int(st, 5));
    sqlite3_finalize(st);
}

Test(run_metrics_db, a_version_1_database_is_read_as_is_and_upgraded_on_write)
{
    char v1[512], fresh[512], err[1024];
    tmp_path(v1, sizeof v1, "v1.db");
    tmp_path(fresh, sizeof fresh, "fresh.db");
    make_v1(v1);
    struct sim_db *db;
    cr_assert_eq(sim_db_open(v1, true, &db, err, sizeof err), 0, "%s", err);
    check_v1_run(db);   /* read-only: through a view, the file untouched */
    sim_db_close(db);
    cr_assert_eq(user_version(v1), 1);
    cr_assert_eq(sim_db_open(v1, false, &db, err, sizeof err), 0, "%s", err);
    cr_assert_eq(user_version(v1), SIM_DB_SCHEMA_VERSION);
    check_v1_run(db);
    char a[4096], b[4096];
    layout(db, a, sizeof a);
    sim_db_close(db);
    cr_assert_eq(sim_db_open(fresh, false, &db, err, sizeof err), 0, "%s", err);
    layout(db, b, sizeof b);
    sim_db_close(db);
    cr_assert_str_eq(a, b, "an upgraded run_summary differs from a new one");
    /* A new run goes into the upgraded database with every metric. */
    struct sim_run_opts o = opts("fib:12", "synth:p=2", v1);
    struct sim_run_result r;
    cr_assert_eq(sim_run_replay(&o, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(r.run_id, 2);
    tmp_path(v1, sizeof v1, "v1.db");
    tmp_path(fresh, sizeof fresh, "fresh.db");
}

Test(run_metrics_db, merge_takes_a_version_1_input_unchanged)
{
    char v1[512], out[512], err[1024];
    tmp_path(v1, sizeof v1, "mv1.db");
    tmp_path(out, sizeof out, "mout.db");
    make_v1(v1);
    char *in[] = { v1 };
    int64_t exp = 0, runs = 0;
    cr_assert_eq(sim_db_merge(out, 1, in, &exp, &runs, err, sizeof err), 0, "%s", err);
    cr_assert_eq(runs, 1);
    cr_assert_eq(user_version(v1), 1, "merge changed its input");
    struct sim_db *db;
    cr_assert_eq(sim_db_open(out, true, &db, err, sizeof err), 0, "%s", err);
    check_v1_run(db);
    sim_db_close(db);
    tmp_path(v1, sizeof v1, "mv1.db");
    tmp_path(out, sizeof out, "mout.db");
}

Test(run_metrics_db, a_failed_upgrade_leaves_the_file_at_version_1)
{
    char v1[512], err[1024];
    tmp_path(v1, sizeof v1, "bad.db");
    make_v1(v1);
    /* A column of that name already there makes the ALTER fail half-way. */
    raw_exec(v1, "ALTER TABLE run_summary ADD COLUMN busy_cv REAL");
    struct sim_db *db;
    cr_assert_eq(sim_db_open(v1, false, &db, err, sizeof err), -1);
    cr_assert(strstr(err, v1) != NULL && strstr(err, "upgrading schema version 1") != NULL,
              "%s", err);
    cr_assert_eq(user_version(v1), 1);
    sqlite3 *h;
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_open(v1, &h), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(h, "SELECT count(*) FROM pragma_table_info('run_summary') "
                                    "WHERE name = 'migrations_considered'", -1, &st, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_int(st, 0), 0, "a failed upgrade left a column behind");
    sqlite3_finalize(st);
    sqlite3_close(h);
    tmp_path(v1, sizeof v1, "bad.db");
}
