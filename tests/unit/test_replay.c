/* test_replay.c: whole replays through sim_run_replay: exact process counts, determinism of
 * the stored rows, consistency of the metrics tables, and bad inputs that must leave the
 * database unchanged. */
#include "core/ws_victim.h"
#include "sim/run/sim_run.h"
#include "tests/unit/sql_one.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static void tmp_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "/tmp/schedlab-test-%d-%s", (int)getpid(), name);
    unlink(buf);
}

static int replay(struct sim_run_opts *o, struct sim_run_result *r, char *err, size_t errlen)
{
    return sim_run_replay(o, r, err, errlen);
}

static struct sim_run_opts opts(const char *trace, const char *topo, const char *strategy,
                                const char *db)
{
    struct sim_run_opts o = { .trace = trace, .topology = topo, .strategy = strategy,
                              .seed = 7, .db_path = db };
    ws_params_defaults(&o.params);
    return o;
}

/* Every row of a table for one run, as text, without the id columns that differ by run. */
static char *dump(sqlite3 *db, const char *table, int64_t run)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT * FROM %s WHERE run_id = %lld ORDER BY 1,2,3", table,
             (long long)run);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    size_t cap = 1 << 16, n = 0;
    char *out = malloc(cap);
    out[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            if (strcmp(sqlite3_column_name(st, c), "run_id") == 0 ||
                strcmp(sqlite3_column_name(st, c), "id") == 0)
                continue;
            const char *v = (const char *)sqlite3_column_text(st, c);
            size_t need = n + (v ? strlen(v) : 4) + 2;
            if (need > cap)
                out = realloc(out, cap = need * 2);
            n += (size_t)sprintf(out + n, "%s|", v ? v : "NULL");
        }
        out[n++] = '\n';
        out[n] = '\0';
    }
    sqlite3_finalize(st);
    return out;
}

Test(replay, fib_runs_exactly_2F_minus_1_processes_on_every_strategy, .timeout = 120)
{
    for (size_t i = 0; i < ws_victim_count(); i++) {        /* every registered strategy */
        const char *name = ws_victim_get(i)->name;
        struct sim_run_opts o = opts("fib:15", "m1", name, NULL);
        struct sim_run_result r;
        char err[512];
        cr_assert_eq(replay(&o, &r, err, sizeof err), 0, "%s: %s", name, err);
        cr_assert_eq(r.summary.processes, 1973, "%s: 2*F(16)-1", name);
        cr_assert_eq(r.summary.messages, 1972);
        cr_assert_str_eq(r.tally_name, "result");
        cr_assert_eq(r.tally, 610, "fib(15)");
        cr_assert_gt(r.summary.makespan_ns, 0);
        cr_assert(r.summary.utilization > 0 && r.summary.utilization <= 1.0);
    }
}

Test(replay, nqueens_and_uts_process_counts_are_exact)
{
    struct sim_run_opts o = opts("nqueens:7", "synth:p=4", "random", NULL);
    struct sim_run_result r;
    char err[512];
    cr_assert_eq(replay(&o, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(r.tally, 40, "nqueens(7) has 40 solutions");
    o.trace = "fib:12";
    o.topology = "epyc7r13-2s";
    o.strategy = "locality";
    cr_assert_eq(replay(&o, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(r.summary.processes, 465);
}

Test(replay, same_inputs_and_seed_give_identical_rows, .timeout = 120)
{
    char a[256], b[256], err[512];
    tmp_path(a, sizeof a, "det-a.db");
    tmp_path(b, sizeof b, "det-b.db");
    const char *tables[] = { "run_summary", "core_stats", "steal_matrix", "migrations",
                             "timeseries", "processes" };
    struct sim_run_result ra, rb;
    struct sim_run_opts o = opts("fib:14", "m1", "p2c", a);
    o.per_process = true;
    cr_assert_eq(replay(&o, &ra, err, sizeof err), 0, "%s", err);
    o.db_path = b;
    cr_assert_eq(replay(&o, &rb, err, sizeof err), 0, "%s", err);
    sqlite3 *da, *db;
    cr_assert_eq(sqlite3_open(a, &da), SQLITE_OK);
    cr_assert_eq(sqlite3_open(b, &db), SQLITE_OK);
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char *x = dump(da, tables[i], ra.run_id), *y = dump(db, tables[i], rb.run_id);
        cr_assert_gt(strlen(x), 0, "%s has rows", tables[i]);
        cr_assert_str_eq(x, y, "%s differs between identical runs", tables[i]);
        free(x), free(y);
    }
    /* A different seed changes the schedule (the test can tell runs apart). */
    o.seed = 8;
    struct sim_run_result rc;
    cr_assert_eq(replay(&o, &rc, err, sizeof err), 0, "%s", err);
    char *x = dump(db, "core_stats", rb.run_id), *y = dump(db, "core_stats", rc.run_id);
    cr_assert_str_neq(x, y, "seed 8 gave the same rows as seed 7");
    free(x), free(y);
    sqlite3_close(da), sqlite3_close(db);
    unlink(a), unlink(b);
}

Test(replay, summary_core_stats_and_steal_matrix_agree, .timeout = 120)
{
    char path[256], err[512], sql[512];
    tmp_path(path, sizeof path, "consistency.db");
    for (size_t i = 0; i < ws_victim_count(); i++) {        /* every registered strategy */
        const char *name = ws_victim_get(i)->name;
        struct sim_run_opts o = opts("fib:16", "epyc7r13-2s", name, path);
        o.params.min_steal_queue = 1;
        o.params.imbalance_threshold = 0;
        struct sim_run_result r;
        cr_assert_eq(replay(&o, &r, err, sizeof err), 0, "%s", err);
        sqlite3 *db;
        cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
#define Q(...) (snprintf(sql, sizeof sql, __VA_ARGS__), q1(db, sql))
        int64_t run = r.run_id;
        int64_t steals = Q("SELECT steals FROM run_summary WHERE run_id=%lld", (long long)run);
        cr_assert_gt(steals, 0, "%s: the run must steal", name);
        cr_assert_eq(steals, Q("SELECT SUM(steals_in) FROM core_stats WHERE run_id=%lld",
                               (long long)run), "%s", name);
        cr_assert_eq(steals, Q("SELECT SUM(steals_out) FROM core_stats WHERE run_id=%lld",
                               (long long)run), "%s", name);
        cr_assert_eq(steals, Q("SELECT SUM(count) FROM steal_matrix WHERE run_id=%lld",
                               (long long)run), "%s", name);
        cr_assert_eq(Q("SELECT steal_attempts FROM run_summary WHERE run_id=%lld", (long long)run),
                     Q("SELECT SUM(steal_attempts) FROM core_stats WHERE run_id=%lld",
                       (long long)run));
        cr_assert_eq(Q("SELECT COUNT(*) FROM steal_matrix WHERE run_id=%lld AND thief=victim",
                       (long long)run), 0, "nobody steals from itself");
        /* Utilisation = total busy / (cores x makespan), to the nanosecond. */
        int64_t busy = Q("SELECT SUM(busy_ns) FROM core_stats WHERE run_id=%lld", (long long)run);
        double util = (double)busy / ((double)r.summary.makespan_ns * r.ncores);
        cr_assert_float_eq(util, r.summary.utilization, 1e-9);
        /* Migrations by distance: table rows sum to the summary's columns. */
        uint64_t mig = 0;
        for (int d = 0; d < SIM_DIST_COUNT; d++)
            mig += r.summary.migrations[d];
        cr_assert_eq((int64_t)mig, Q("SELECT COALESCE(SUM(count),0) FROM migrations "
                                     "WHERE run_id=%lld", (long long)run));
        cr_assert_geq(mig, (uint64_t)steals, "every steal is a migration");
        /* Per-core time never exceeds the makespan. */
        cr_assert_eq(Q("SELECT COUNT(*) FROM core_stats WHERE run_id=%lld AND "
                       "busy_ns + steal_ns > %llu", (long long)run,
                       (unsigned long long)r.summary.makespan_ns), 0);
#undef Q
        sqlite3_close(db);
    }
    unlink(path);
}

/* Write text to a temporary trace file. */
static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static void expect_failure(const char *trace, const char *topo, const char *strategy,
                           const char *db, const char *needle)
{
    struct sim_run_opts o = opts(trace, topo, strategy, db);
    struct sim_run_result r;
    char err[1024] = "";
    cr_assert_neq(replay(&o, &r, err, sizeof err), 0, "%s should fail", trace);
    cr_assert(strstr(err, needle) != NULL, "error '%s' should mention '%s'", err, needle);
}

Test(replay, bad_inputs_fail_clearly_and_leave_the_database_unchanged)
{
    char db[256], bad[256], err[512];
    tmp_path(db, sizeof db, "bad.db");
    tmp_path(bad, sizeof bad, "bad.jsonl");
    struct sim_run_opts o = opts("fib:8", "m1", "random", db);
    struct sim_run_result r;
    cr_assert_eq(replay(&o, &r, err, sizeof err), 0, "%s", err);
    const char *hdr = "{\"format\":\"schedlab-trace\",\"version\":1}\n";
    char text[1024];

    snprintf(text, sizeof text, "%s{\"id\":0,\"spawn\":0,\"phases\":[[\"run\",10]\n", hdr);
    write_file(bad, text);
    expect_failure(bad, "m1", "random", db, ":2");                  /* malformed JSON */

    snprintf(text, sizeof text, "%s{\"id\":0,\"spawn\":0,\"phases\":[[\"dance\",10]]}\n", hdr);
    write_file(bad, text);
    expect_failure(bad, "m1", "random", db, "dance");               /* unknown phase */

    snprintf(text, sizeof text, "%s{\"id\":0,\"spawn\":-5,\"phases\":[[\"run\",10]]}\n", hdr);
    write_file(bad, text);
    expect_failure(bad, "m1", "random", db, "spawn");               /* negative time */

    snprintf(text, sizeof text, "%s{\"id\":0,\"spawn\":0,\"phases\":[[\"send\",42]]}\n", hdr);
    write_file(bad, text);
    expect_failure(bad, "m1", "random", db, "42");                  /* never-existing process */

    snprintf(text, sizeof text, "%s{\"id\":0,\"spawn\":0,\"phases\":[[\"recv\"]]}\n"
                                "{\"id\":1,\"spawn\":0,\"phases\":[[\"recv\"]]}\n", hdr);
    write_file(bad, text);
    expect_failure(bad, "m1", "random", db, "deadlock: 2 processes");

    expect_failure("fib:8", "m1", "telepathy", db, "telepathy");    /* unknown strategy */
    expect_failure("fib:8", "no-such-machine", "random", db, "no-such-machine");
    expect_failure("/nonexistent/trace.jsonl", "m1", "random", db, "/nonexistent/trace.jsonl");

    sqlite3 *h;
    cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
    cr_assert_eq(q1(h, "SELECT COUNT(*) FROM runs"), 1, "only the good run is stored");
    cr_assert_eq(q1(h, "SELECT COUNT(*) FROM run_summary"), 1);
    cr_assert_eq(q1(h, "SELECT COUNT(DISTINCT run_id) FROM core_stats"), 1);
    sqlite3_close(h);
    unlink(db), unlink(bad);
}

Test(replay, strict_affinity_holds_in_a_replay)
{
    char path[256], err[512];
    tmp_path(path, sizeof path, "aff.jsonl");
    /* 40 processes bound to core 2 and 40 free ones, all arriving on core 0's side. */
    FILE *f = fopen(path, "w");
    fprintf(f, "{\"format\":\"schedlab-trace\",\"version\":1}\n");
    for (int i = 0; i < 80; i++) {
        if (i % 2)
            fprintf(f, "{\"id\":%d,\"spawn\":0,\"affinity\":{\"kind\":\"strict\",\"cores\":[2]},"
                       "\"phases\":[[\"run\",20000]]}\n", i);
        else
            fprintf(f, "{\"id\":%d,\"spawn\":0,\"phases\":[[\"run\",20000]]}\n", i);
    }
    fclose(f);
    char db[256];
    tmp_path(db, sizeof db, "aff.db");
    struct sim_run_opts o = opts(path, "synth:p=4", "load", db);
    o.per_process = true;
    o.params.min_steal_queue = 1;
    o.params.imbalance_threshold = 0;
    struct sim_run_result r;
    cr_assert_eq(replay(&o, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(r.summary.processes, 80);
    sqlite3 *h;
    cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
    cr_assert_eq(q1(h, "SELECT COUNT(*) FROM processes WHERE pid % 2 = 1 AND core_last != 2"), 0,
                 "a strictly bound process ran elsewhere");
    cr_assert_gt(q1(h, "SELECT COUNT(DISTINCT core_last) FROM processes WHERE pid % 2 = 0"), 1,
                 "free processes spread");
    sqlite3_close(h);
    unlink(path), unlink(db);
}

/* cost_capacity=1: a core's spawn and send costs run at its capacity, the fraction carried
 * (0: the same ns on every core). fib:10 has 176 spawns and 176 joins (sends), no work. */
Test(replay, cost_capacity_runs_cpu_costs_at_the_core_speed)
{
    struct sim_run_opts o = opts("fib:n=10,work=0", "synth:e=1,ecap=0.5", "random", NULL);
    o.params.spawn_ns = 100;
    o.params.msg_ns = 40;
    struct sim_run_result r;
    char err[512];
    cr_assert_eq(replay(&o, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(r.summary.makespan_ns, 176 * 140, "fixed ns at capacity 0.5");
    o.params.cost_capacity = 1;
    cr_assert_eq(replay(&o, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(r.summary.makespan_ns, 176 * 280, "twice as long at capacity 0.5");
    o.topology = "synth:e=1,ecap=0.3";   /* 100 / 0.3 and 40 / 0.3: fractions carried */
    cr_assert_eq(replay(&o, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(r.summary.makespan_ns, 82133, "176 x 466.67, to the ns");
    o.topology = "synth:p=1";
    cr_assert_eq(replay(&o, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(r.summary.makespan_ns, 176 * 140, "capacity 1: unchanged");
}

/* A spawn's cost comes before its child is queued, as natively a spawn makes the child's
 * process and then pushes it. Two cores, spawns of 10 us, a thief that may take a single
 * waiting process. The root's last child is queued as the root blocks for it, so the root's
 * core takes it back at once and the idle core never steals it (queued first, it was
 * stealable for the whole cost). A child followed by work is stolen, but not before its
 * spawn's cost is over. */
Test(replay, a_child_is_queued_when_its_spawn_is_paid)
{
    static const char *const traces[2] = {
        "{\"format\":\"schedlab-trace\",\"version\":1}\n"
        "{\"id\":0,\"spawn\":0,\"phases\":[[\"spawn\",1],[\"recv\"]]}\n"
        "{\"id\":1,\"parent\":0,\"phases\":[[\"run\",1000],[\"send\",0]]}\n",
        "{\"format\":\"schedlab-trace\",\"version\":1}\n"
        "{\"id\":0,\"spawn\":0,\"phases\":[[\"spawn\",1],[\"run\",50000],[\"recv\"]]}\n"
        "{\"id\":1,\"parent\":0,\"phases\":[[\"run\",1000],[\"send\",0]]}\n",
    };
    char path[256], db[256], err[512];
    tmp_path(path, sizeof path, "spawn-order.jsonl");
    tmp_path(db, sizeof db, "spawn-order.db");
    struct sim_run_opts o = opts(path, "synth:p=2", "random", db);
    o.params.spawn_ns = 10000;
    o.params.min_steal_queue = 1;
    o.params.imbalance_threshold = 0;
    o.timeline_max = 100;
    struct sim_run_result r;
    for (int i = 0; i < 2; i++) {
        write_file(path, traces[i]);
        cr_assert_eq(replay(&o, &r, err, sizeof err), 0, "%s", err);
    }
    sqlite3 *h;
    cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
    /* run 1: the last child */
    cr_assert_eq(q1(h, "SELECT count(*) FROM timeline WHERE run_id = 1 AND kind = 'steal' "
                       "AND pid = 1"), 0, "the last child was stolen during its spawn");
    cr_assert_eq(q1(h, "SELECT min(core) FROM timeline WHERE run_id = 1 AND kind = 'run' "
                       "AND pid = 1"), 0, "the last child left its spawner's core");
    /* run 2: a child followed by work */
    cr_assert_eq(q1(h, "SELECT count(*) FROM timeline WHERE run_id = 2 AND kind = 'steal' "
                       "AND pid = 1"), 1, "the child followed by work was not stolen");
    cr_assert_geq(q1(h, "SELECT min(start_ns) FROM timeline WHERE run_id = 2 AND kind = 'steal' "
                        "AND pid = 1"), 10000, "the child was stolen before its spawn was paid");
    sqlite3_close(h);
    unlink(path), unlink(db);
}

/* A steal round that waits for its barrier and then takes a process is one timeline slice, from
 * the round's start to the take, naming the process, as a native round's is (validate dates
 * a first steal from its slice's start on both sides). fib:16 on two cores, barrier 20 us. */
Test(replay, a_round_that_waited_for_its_barrier_is_one_slice)
{
    char db[256], err[512];
    tmp_path(db, sizeof db, "barrier-slice.db");
    struct sim_run_opts o = opts("fib:16", "synth:p=2", "random", db);
    o.params.steal_hit_ns = 20000;
    o.timeline_max = 100000;
    struct sim_run_result r;
    cr_assert_eq(replay(&o, &r, err, sizeof err), 0, "%s", err);
    cr_assert_gt(r.summary.steals, 0);
    sqlite3 *h;
    cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
    cr_assert_eq(q1(h, "SELECT count(*) FROM timeline WHERE kind = 'steal' AND pid IS NOT NULL"),
                 (int64_t)r.summary.steals, "one slice per steal");
    cr_assert_geq(q1(h, "SELECT min(end_ns - start_ns) FROM timeline WHERE kind = 'steal' "
                        "AND pid IS NOT NULL"), 20000,
                  "a steal's slice lacks its barrier (the wait is a slice of its own)");
    sqlite3_close(h);
    unlink(db);
}
