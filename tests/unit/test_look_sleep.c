/* test_look_sleep.c: the simulator's last look before a core waits runs with the core's sleeping
 * bit set, as the native worker's does (nat_loop.c, wait_for_work). Two consequences, each
 * shown on a small hand-made trace replayed whole:
 *   - a core that finds work in its last look has ended its search, so it hands the search on
 *     to no other sleeper (a core that finds work in its round still does);
 *   - a push while the look waits for its steal's barrier wakes the core (the waker clears the
 *     bit), and a look that then comes back empty goes round again instead of waiting. */
#include "sim/engine/sim_engine.h"
#include "sim/engine/sim_topo.h"
#include "sim/run/sim_run.h"
#include "sim/trace/import/sim_import.h"
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

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fputs(text, f) >= 0, true);
    cr_assert_eq(fclose(f), 0);
}

static void set(struct ws_params *p, const char *name, const char *value)
{
    char e[160];
    cr_assert_eq(ws_params_set(p, name, value, e, sizeof e), 0, "%s", e);
}

/* Replays trace (JSONL text) on synth:p=ncores with the parameters common to both scenes: one
 * process waiting is enough to steal, a cooldown that outlasts the run (so a core that stole
 * from core 0 finds it only in its last look, which ignores the cooldown), one victim per
 * round, a fast wake-up, wakes as work is queued, spawns that cost nothing (so that each child
 * is queued when its phase comes). */
static void run(const char *name, const char *trace, uint32_t ncores, const char *hit_ns,
                const char *db, struct sim_run_result *r)
{
    char path[256];
    tmp_path(path, sizeof path, name);
    write_file(path, trace);
    char topo[32];
    snprintf(topo, sizeof topo, "synth:p=%u", ncores);
    struct sim_run_opts o = { .trace = path, .topology = topo, .strategy = "random", .seed = 1,
                              .db_path = db, .timeline_max = 1000 };
    ws_params_defaults(&o.params);
    set(&o.params, "min_steal_queue", "1");
    set(&o.params, "imbalance_threshold", "0");
    set(&o.params, "steal_cooldown_ns", "100000");
    set(&o.params, "steal_retries", "1");
    set(&o.params, "wake_ns", "100");
    set(&o.params, "wake_at", "enqueue");
    set(&o.params, "steal_hit_ns", hit_ns);
    set(&o.params, "spawn_ns", "0");
    char err[512];
    cr_assert_eq(sim_run_replay(&o, r, err, sizeof err), 0, "%s", err);
    unlink(path);
}

/* run() into a fresh database db (of dblen bytes) named after name; the database, open. */
static sqlite3 *scene(const char *name, const char *trace, uint32_t ncores, const char *hit_ns,
                      char *db, size_t dblen, struct sim_run_result *r)
{
    char file[64];
    snprintf(file, sizeof file, "%s.db", name);
    tmp_path(db, dblen, file);
    snprintf(file, sizeof file, "%s.jsonl", name);
    run(file, trace, ncores, hit_ns, db, r);
    sqlite3 *h;
    cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
    return h;
}

/* Core 0 runs the root. It spawns 1 at 0: core 1 is woken, steals it from its round (and so
 * hands the search on to core 2, which finds nothing and waits). At 10,000 ns it spawns 2:
 * core 1 is woken again, its round may not try core 0 (cooldown) and finds nothing, and its
 * last look takes 2. That find ends no search, so core 2 is not woken again. */
static const char hand_trace[] =
    "{\"format\":\"schedlab-trace\",\"version\":1}\n"
    "{\"id\":0,\"spawn\":0,\"phases\":[[\"spawn\",1],[\"run\",10000],[\"spawn\",2],"
    "[\"run\",50000],[\"recv\"],[\"recv\"]]}\n"
    "{\"id\":1,\"parent\":0,\"phases\":[[\"run\",100],[\"send\",0]]}\n"
    "{\"id\":2,\"parent\":0,\"phases\":[[\"run\",100],[\"send\",0]]}\n";

Test(look_sleep, work_found_in_the_last_look_hands_the_search_on_to_nobody)
{
    char db[256];
    struct sim_run_result r;
    sqlite3 *h = scene("look-hand", hand_trace, 3, "0", db, sizeof db, &r);
    cr_assert_eq(r.summary.steals, 2, "core 1 stole both children");
    cr_assert_eq(q1(h, "SELECT count(*) FROM timeline WHERE kind = 'wake' AND core = 1"), 2,
                 "core 1 woken by each spawn");
    cr_assert_eq(q1(h, "SELECT count(*) FROM timeline WHERE kind = 'wake' AND core = 2 "
                       "AND victim = 1 AND start_ns < 10000"), 1,
                 "the round's find hands the search on to core 2");
    cr_assert_eq(q1(h, "SELECT count(*) FROM timeline WHERE kind = 'wake' AND core = 2 "
                       "AND start_ns >= 10000"), 0,
                 "the last look's find woke core 2 (the search was already over)");
    sqlite3_close(h);
    unlink(db);
}

/* Two cores, barrier 10 us. Core 1 steals 1 (its round) and then waits. The root spawns 2 at
 * 50,000: core 1 is woken, its round skips core 0 (cooldown), and its last look sees 2 and
 * waits for the barrier. Meanwhile (52,000) the root spawns 3, which wakes core 1 (its bit is
 * set) and blocks; core 0 runs 3 and then 2, which spawns 4 and runs 20 us. The look loses
 * its race for 2 and comes back empty at 60,160; woken, core 1 goes round again, and its next
 * look takes 4, which core 0 cannot run before 72 us. Waiting instead, core 1 would sleep
 * through the run, as 4's push came while its bit was clear. */
static const char woken_trace[] =
    "{\"format\":\"schedlab-trace\",\"version\":1}\n"
    "{\"id\":0,\"spawn\":0,\"phases\":[[\"spawn\",1],[\"run\",50000],[\"spawn\",2],"
    "[\"run\",2000],[\"spawn\",3],[\"recv\"],[\"recv\"],[\"recv\"]]}\n"
    "{\"id\":1,\"parent\":0,\"phases\":[[\"run\",100],[\"send\",0]]}\n"
    "{\"id\":2,\"parent\":0,\"phases\":[[\"spawn\",4],[\"run\",20000],[\"send\",0]]}\n"
    "{\"id\":3,\"parent\":0,\"phases\":[[\"run\",10],[\"send\",0]]}\n"
    "{\"id\":4,\"parent\":2,\"phases\":[[\"run\",30000]]}\n";

Test(look_sleep, a_core_woken_during_its_looks_barrier_goes_round_again)
{
    char db[256];
    struct sim_run_result r;
    sqlite3 *h = scene("look-woken", woken_trace, 2, "10000", db, sizeof db, &r);
    uint64_t lost = 0;
    for (int i = 0; i < SIM_TENTHS; i++)
        lost += r.summary.lost_by_tenth[i];
    cr_assert_eq(lost, 1, "the look lost its race for process 2");
    cr_assert_eq(r.summary.steals, 2, "core 1 stole 1, then 4 after its wake: %llu",
                 (unsigned long long)r.summary.steals);
    cr_assert_eq(q1(h, "SELECT count(*) FROM timeline WHERE kind = 'run' AND pid = 4 "
                       "AND core = 1"), 1, "process 4 ran on core 1");
    cr_assert_eq(q1(h, "SELECT count(*) FROM timeline WHERE kind = 'run' AND pid = 4 "
                       "AND core = 0"), 0, "process 4 ran on core 0");
    sqlite3_close(h);
    unlink(db);
}

/* With barriers on many cores, looks wait while their cores' own queues fill (a woken process
 * goes to the core it last ran on) and pushes wake them: under the engine's invariant check,
 * no core ever runs a process with its sleeping bit set (a look given up for work of its own
 * clears it), and each run completes whole. */
Test(look_sleep, no_core_runs_with_its_sleeping_bit_set)
{
    static const char *const specs[] = { "fib:16", "uts:T3", "nqueens:8" };
    char err[512];
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        struct ws_params p;
        ws_params_defaults(&p);
        set(&p, "steal_hit_ns", "20000");
        set(&p, "steal_victim_ns", "5000");
        set(&p, "wake_at", "enqueue");
        struct ws_topo *t = NULL;
        cr_assert_eq(sim_topo_load("synth:p=16", &t, err, sizeof err), 0, "%s", err);
        struct sim_trace *tr = sim_trace_open(specs[i], NULL, err, sizeof err);
        cr_assert_not_null(tr, "%s", err);
        struct sim_engine_opts o = { .topo = t, .params = &p, .strategy = "random", .seed = 3,
                                     .check_invariants = true };
        struct sim_engine *e = sim_engine_create(tr, &o, err, sizeof err);
        cr_assert_not_null(e, "%s", err);
        cr_assert_eq(sim_engine_run(e, NULL, err, sizeof err), 0, "%s: %s", specs[i], err);
        const struct sim_run_metrics *m = sim_engine_metrics(e);
        cr_assert_gt(m->summary.processes, 0);
        cr_assert_gt(m->summary.steals, 0, "%s: no steal, so no look was tested", specs[i]);
        sim_engine_destroy(e);
        sim_trace_close(tr);
        ws_topo_destroy(t);
    }
}
