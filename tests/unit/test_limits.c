/* test_limits.c: the limits of schedlab's numbers: checked time arithmetic (ws_time.h), the
 * range of every parameter, progress of short slices on slow cores, the event cap and the
 * simulated clock limit (a stopped run stores nothing), saturating migration costs. */
#include "core/ws_migrate.h"
#include "core/ws_params.h"
#include "core/ws_time.h"
#include "sim/engine/sim_engine.h"
#include "sim/run/sim_run.h"
#include "sim/engine/sim_topo.h"
#include "sim/trace/import/sim_import.h"

#include <criterion/criterion.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- checked time operations ------------------------------------------------------------ */

Test(limits_time, add_sub_mul_saturate_instead_of_wrapping)
{
    cr_assert_eq(ws_time_add(1, 2), 3);
    cr_assert_eq(ws_time_add(UINT64_MAX - 1, 1), UINT64_MAX);
    cr_assert_eq(ws_time_add(UINT64_MAX, UINT64_MAX), UINT64_MAX);
    cr_assert_eq(ws_time_add(WS_TIME_CLOCK_MAX, WS_TIME_CLOCK_MAX), UINT64_C(1) << 63);
    cr_assert_eq(ws_time_sub(5, 3), 2);
    cr_assert_eq(ws_time_sub(3, 5), 0);
    cr_assert_eq(ws_time_mul(UINT64_C(1) << 32, UINT64_C(1) << 31), UINT64_C(1) << 63);
    cr_assert_eq(ws_time_mul(UINT64_C(1) << 32, UINT64_C(1) << 32), UINT64_MAX);
    cr_assert_eq(ws_time_mul(0, UINT64_MAX), 0);
}

Test(limits_time, doubles_convert_without_undefined_casts)
{
    cr_assert_eq(ws_time_from_double(NAN), 0);
    cr_assert_eq(ws_time_from_double(-1e300), 0);
    cr_assert_eq(ws_time_from_double(1e300), UINT64_MAX);
    cr_assert_eq(ws_time_from_double(18446744073709551616.0), UINT64_MAX);
    cr_assert_eq(ws_time_from_double(2.9), 2);
    /* 1000 ns of work at capacity 0.35 take 2857.14... ns: rounded up. */
    cr_assert_eq(ws_time_at_capacity(1000, 0.35), 2858);
    cr_assert_eq(ws_time_at_capacity(1000, 1.0), 1000);
    cr_assert_eq(ws_time_at_capacity(0, 1e-300), 0);
    cr_assert_eq(ws_time_at_capacity(1, 1e-300), UINT64_MAX, "saturates, no wrap");
    cr_assert_eq(ws_time_at_capacity(1, 0), UINT64_MAX);
    /* The largest input on the slowest core stays far below the clock limit. */
    cr_assert(!ws_time_past_clock(ws_time_at_capacity(WS_TIME_INPUT_MAX, 0.01)));
    cr_assert(!ws_time_past_clock(WS_TIME_CLOCK_MAX));
    cr_assert(ws_time_past_clock(WS_TIME_CLOCK_MAX + 1));
}

/* ---- parameter ranges ---------------------------------------------------------------------- */

static bool ends_with_ns(const char *name)
{
    size_t n = strlen(name);
    return n > 3 && strcmp(name + n - 3, "_ns") == 0;
}

/* Setting name=value fails, leaves p unchanged and the message contains want. */
static void refused(const char *name, const char *value, const char *want)
{
    struct ws_params p, before;
    char err[256] = "";
    ws_params_defaults(&p);
    before = p;
    cr_assert_eq(ws_params_set(&p, name, value, err, sizeof err), WS_EINVAL, "%s=%s", name, value);
    cr_assert_eq(memcmp(&p, &before, sizeof p), 0, "%s=%s changed the parameters", name, value);
    cr_assert_not_null(strstr(err, want), "%s=%s: '%s' lacks '%s'", name, value, err, want);
}

Test(limits_params, every_ns_parameter_takes_0_to_2_53_only)
{
    size_t seen = 0;
    for (size_t i = 0; i < ws_params_count(); i++) {
        const char *name = ws_params_desc(i)->name;
        if (!ends_with_ns(name))
            continue;
        seen++;
        struct ws_params p;
        ws_params_defaults(&p);
        char err[256];
        cr_assert_eq(ws_params_set(&p, name, "0", err, sizeof err), WS_OK, "%s", err);
        cr_assert_eq(ws_params_set(&p, name, "9007199254740992", err, sizeof err), WS_OK, "%s",
                     err);
        refused(name, "9007199254740993", "is outside 0..2^53");
        refused(name, "18446744073709551615", "is outside 0..2^53");
        refused(name, "18446744073709551616", "is outside 0..2^53");
        refused(name, "9008000G", "is outside 0..2^53");
    }
    cr_assert_geq(seen, 16, "every *_ns parameter was checked (%zu)", seen);
}

Test(limits_params, search_effort_counts_and_factors_are_bounded)
{
    refused("p2c_choices", "1000000000", "p2c_choices: 1000000000 is outside 1..64");
    refused("p2c_choices", "0", "is outside 1..64");
    refused("steal_retries", "4294967296", "steal_retries: 4294967296 is outside 0..1024");
    refused("steal_retries", "1025", "is outside 0..1024");
    refused("min_steal_queue", "1000001", "is outside 0..1000000");
    refused("steal_batch_max", "0", "is outside 1..1000000");
    refused("max_events", "0", "is outside 1..2^53");
    refused("numa_cost_scale", "1e308", "is outside 0..1000");
    refused("migration_factor", "-0.5", "is outside 0..1000");
    refused("no_preempt", "2", "is outside 0..1");
    refused("steal_retries", "three", "wants a whole number");
}

/* The defaults and every policy preset lie inside the ranges: each value parses back. */
/* The parameters only the simulator reads (sim_only: native warns on them) are those whose doc
 * says so, and they include the simulated costs a native run pays for real. */
Test(limits_params, sim_only_parameters_are_the_simulated_ones)
{
    size_t n = 0;
    for (size_t i = 0; i < ws_params_count(); i++) {
        const struct ws_param_desc *d = ws_params_desc(i);
        cr_assert_eq(d->sim_only, strstr(d->doc, "simulated") != NULL, "%s: sim_only %d, doc '%s'",
                     d->name, d->sim_only, d->doc);
        n += d->sim_only;
    }
    cr_assert_geq(n, 10);
    static const char *const sim[] = { "wake_ns", "spawn_ns", "msg_ns", "steal_hit_ns",
                                       "noise_ns", "max_events" };
    for (size_t i = 0; i < sizeof sim / sizeof sim[0]; i++)
        cr_assert(ws_params_find(sim[i])->sim_only, "%s", sim[i]);
    static const char *const both[] = { "spin_ns", "steal_retries", "time_slice_ns",
                                        "sample_interval_ns", "ctx_switch_ns" };
    for (size_t i = 0; i < sizeof both / sizeof both[0]; i++)
        cr_assert(!ws_params_find(both[i])->sim_only, "%s", both[i]);
}

Test(limits_params, defaults_and_presets_lie_in_their_ranges)
{
    static const char *const policies[] = { "conservative", "aggressive", "adaptive", "numa",
                                            "off" };
    for (size_t k = 0; k < 5; k++) {
        struct ws_params p;
        char err[256], v[64];
        ws_params_defaults(&p);
        cr_assert_eq(ws_params_set(&p, "migration_policy", policies[k], err, sizeof err), WS_OK);
        for (size_t i = 0; i < ws_params_count(); i++) {
            struct ws_params q = p;
            ws_params_format(&p, i, v, sizeof v);
            cr_assert_eq(ws_params_set(&q, ws_params_desc(i)->name, v, err, sizeof err), WS_OK,
                         "%s: %s", policies[k], err);
        }
    }
}

/* ---- runs ---------------------------------------------------------------------------------- */

static void tmp_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "/tmp/schedlab-limits-%d-%s", (int)getpid(), name);
    unlink(buf);
}

/* A trace file of `procs` roots at time 0, each `nrun` RUN phases of `work` ns. */
static void write_trace(const char *path, int procs, int nrun, uint64_t work)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "{\"format\":\"schedlab-trace\",\"version\":1,\"roots\":%d}\n", procs);
    for (int i = 0; i < procs; i++) {
        fprintf(f, "{\"id\":%d,\"spawn\":0,\"phases\":[", i);
        for (int j = 0; j < nrun; j++)
            fprintf(f, "%s[\"run\",%llu]", j ? "," : "", (unsigned long long)work);
        fprintf(f, "]}\n");
    }
    fclose(f);
}

struct outcome {
    int rc;
    char err[512];
    struct sim_run_summary s;
    uint64_t busy_ns;             /* core 0 */
};

/* Replay trace on topology in the pure model with the given time slice. */
static struct outcome run_engine(const char *trace, const char *topology, uint64_t slice)
{
    struct outcome o = { 0 };
    struct ws_topo *topo = NULL;
    cr_assert_eq(sim_topo_load(topology, &topo, o.err, sizeof o.err), 0, "%s", o.err);
    struct sim_trace *t = sim_trace_open(trace, NULL, o.err, sizeof o.err);
    cr_assert_not_null(t, "%s", o.err);
    struct ws_params p;
    ws_params_defaults(&p);
    p.zero_overheads = 1;
    p.time_slice_ns = slice;
    struct sim_engine_opts eo = { .topo = topo, .params = &p, .strategy = "random", .seed = 1 };
    struct sim_engine *e = sim_engine_create(t, &eo, o.err, sizeof o.err);
    cr_assert_not_null(e, "%s", o.err);
    o.rc = sim_engine_run(e, NULL, o.err, sizeof o.err);
    if (o.rc == 0) {
        const struct sim_run_metrics *m = sim_engine_metrics(e);
        o.s = m->summary;
        o.busy_ns = m->cores[0].busy_ns;
    }
    sim_engine_destroy(e);
    sim_trace_close(t);
    ws_topo_destroy(topo);
    return o;
}

/* A 2 ns slice on a 0.35 core used to do (uint64_t)(2 * 0.35) = 0 ns of work: no progress,
 * ever. Now every slice does at least 1 ns and the fractions add up: 1000 ns of work take
 * 1000 / 0.35 = 2857.14 ns, as without slices. */
Test(limits_progress, two_ns_slices_on_a_0_35_core_do_exactly_the_work, .timeout = 60)
{
    char trace[256];
    tmp_path(trace, sizeof trace, "one.jsonl");
    write_trace(trace, 1, 1, 1000);
    struct outcome sliced = run_engine(trace, "synth:e=1,ecap=0.35", 2);
    struct outcome whole = run_engine(trace, "synth:e=1,ecap=0.35", 0);
    cr_assert_eq(sliced.rc, 0, "%s", sliced.err);
    cr_assert_eq(whole.rc, 0, "%s", whole.err);
    cr_assert_eq(whole.s.makespan_ns, 2858);
    cr_assert_geq(sliced.s.makespan_ns, 2857);
    cr_assert_leq(sliced.s.makespan_ns, 2859, "sliced makespan %llu",
                  (unsigned long long)sliced.s.makespan_ns);
    cr_assert_eq(sliced.busy_ns, sliced.s.makespan_ns, "busy all the time, nothing else");
    cr_assert_gt(sliced.s.events, 500, "the run was cut into short slices (%llu events)",
                 (unsigned long long)sliced.s.events);
    unlink(trace);
}

/* Two processes take turns in 2 ns slices (preempted each time) and still do all their work. */
Test(limits_progress, preempted_slices_on_a_slow_core_add_up, .timeout = 60)
{
    char trace[256];
    tmp_path(trace, sizeof trace, "two.jsonl");
    write_trace(trace, 2, 1, 1000);
    struct outcome o = run_engine(trace, "synth:e=1,ecap=0.35", 2);
    cr_assert_eq(o.rc, 0, "%s", o.err);
    cr_assert_eq(o.s.processes, 2);
    cr_assert_gt(o.s.preemptions, 100);
    cr_assert_geq(o.s.makespan_ns, 5714);
    cr_assert_leq(o.s.makespan_ns, 5718, "makespan %llu", (unsigned long long)o.s.makespan_ns);
    unlink(trace);
}

/* The slowest core with the shortest slice: a slice lasts until 1 ns of work is done. */
Test(limits_progress, one_ns_slices_on_the_slowest_core_finish, .timeout = 60)
{
    char trace[256];
    tmp_path(trace, sizeof trace, "slowest.jsonl");
    write_trace(trace, 1, 1, 50);
    struct outcome o = run_engine(trace, "synth:e=1,ecap=0.01", 1);
    cr_assert_eq(o.rc, 0, "%s", o.err);
    cr_assert_eq(o.s.makespan_ns, 5000);
    unlink(trace);
}

/* Rows of a table in a database. */
static int64_t rows(const char *db_path, const char *table)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    char sql[128];
    int64_t n = -1;
    cr_assert_eq(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* Replay into db with one assignment; returns sim_run_replay's status. */
static int replay_into(const char *trace, const char *topo, const char *db, const char *param,
                       bool no_preempt, char *err, size_t errlen)
{
    struct sim_run_opts o = { .trace = trace, .topology = topo, .strategy = "random",
                              .seed = 1, .db_path = db };
    struct sim_run_result r;
    ws_params_defaults(&o.params);
    o.params.no_preempt = no_preempt;
    if (param != NULL)
        cr_assert_eq(sim_params_apply(&o.params, param, err, errlen), 0, "%s", err);
    return sim_run_replay(&o, &r, err, errlen);
}

static void assert_one_stored_run(const char *db)
{
    cr_assert_eq(rows(db, "runs"), 1);
    cr_assert_eq(rows(db, "run_summary"), 1);
    cr_assert_eq(rows(db, "core_stats"), 8, "the first run's m1 cores only");
}

Test(limits_runs, event_cap_stops_the_replay_and_stores_nothing, .timeout = 60)
{
    char db[256], err[1024];
    tmp_path(db, sizeof db, "cap.db");
    cr_assert_eq(replay_into("fib:5", "m1", db, NULL, false, err, sizeof err), 0, "%s", err);
    cr_assert_eq(replay_into("fib:12", "m1", db, "max_events=1000", false, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "more than 1000 events (parameter max_events)"), "%s", err);
    assert_one_stored_run(db);
    /* The same replay under the default cap runs to the end. */
    cr_assert_eq(replay_into("fib:12", "m1", db, NULL, false, err, sizeof err), 0, "%s", err);
    cr_assert_eq(rows(db, "runs"), 2);
    unlink(db);
}

/* Ten runs of 2^53 ns on a 0.01 core need 9 * 10^18 ns: past the 2^62 ns clock (this wrapped
 * around u64 and gave a small makespan). */
Test(limits_runs, clock_limit_stops_the_replay_and_stores_nothing, .timeout = 60)
{
    char db[256], trace[256], err[1024];
    tmp_path(db, sizeof db, "clock.db");
    tmp_path(trace, sizeof trace, "clock.jsonl");
    write_trace(trace, 1, 10, WS_TIME_INPUT_MAX);
    cr_assert_eq(replay_into("fib:5", "m1", db, NULL, false, err, sizeof err), 0, "%s", err);
    cr_assert_eq(replay_into(trace, "synth:e=1,ecap=0.01", db, NULL, true, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "simulated clock would pass 2^62 ns"), "%s", err);
    assert_one_stored_run(db);
    /* Five of them fit (4.5 * 10^18 ns < 2^62). */
    write_trace(trace, 1, 5, WS_TIME_INPUT_MAX);
    cr_assert_eq(replay_into(trace, "synth:e=1,ecap=0.01", db, NULL, true, err, sizeof err), 0,
                 "%s", err);
    unlink(trace);
    unlink(db);
}

/* ---- migration cost ------------------------------------------------------------------------ */

static uint64_t fake_now(void *ctx, uint32_t core)
{
    (void)ctx, (void)core;
    return 1000;
}

static uint64_t fake_random(void *ctx, uint32_t core)
{
    (void)ctx, (void)core;
    return 4;
}

static void fake_charge(void *ctx, uint32_t core, uint64_t ns, enum ws_charge what)
{
    (void)ctx, (void)core, (void)ns, (void)what;
}

static void fake_wake(void *ctx, uint32_t waker, uint32_t target)
{
    (void)ctx, (void)waker, (void)target;
}

static const struct ws_platform fake = { fake_now, fake_random, fake_charge, fake_wake, NULL };

/* The largest costs and working set: every term saturates positive (a wrapped product used to
 * turn into a negative cost, which always passes). */
Test(limits_migrate, largest_costs_saturate_and_stay_positive)
{
    struct ws_topo *t;
    struct ws_topo_error te;
    struct ws_sched *s;
    struct ws_params p;
    char err[256];
    ws_params_defaults(&p);
    static const char *const big[] = { "ctx_switch_ns", "refill_l2_ns", "refill_l3_ns",
                                       "refill_mem_ns", "remote_mem_ns", "numa_migration_ns" };
    for (size_t i = 0; i < 6; i++)
        cr_assert_eq(ws_params_set(&p, big[i], "9007199254740992", err, sizeof err), WS_OK);
    cr_assert_eq(ws_params_set(&p, "numa_cost_scale", "1000", err, sizeof err), WS_OK);
    cr_assert_eq(ws_topo_synth("p=4,nodes=2", &t, &te), WS_OK, "%s", te.message);
    cr_assert_eq(ws_sched_create(t, &p, "random", &fake, NULL, &s), WS_OK);
    struct ws_proc pr;
    ws_proc_init(&pr, 1);
    pr.wset_bytes = UINT64_MAX;
    pr.expected_ns = UINT64_MAX;
    struct ws_mig_cost c;
    ws_migrate_cost(s, &pr, 0, 3, &c);   /* across the nodes */
    for (int i = 0; i < 4; i++) {
        cr_assert_gt(c.terms[i], 0, "term %d", i + 1);
        cr_assert_leq(c.terms[i], INT64_C(1) << 60, "term %d", i + 1);
    }
    cr_assert_gt(c.total, 0);
    cr_assert_geq(ws_migrate_benefit(s, &pr, 0), 0);
    ws_migrate_commit(s, &pr, 0, 3, 1000);
    ws_migrate_commit(s, &pr, 3, 0, 1000);
    cr_assert_geq(pr.owed_ns, UINT64_C(1) << 61, "owed adds up, saturating (%llu)",
                  (unsigned long long)pr.owed_ns);
    ws_proc_fini(&pr);
    ws_sched_destroy(s);
    ws_topo_destroy(t);
}
