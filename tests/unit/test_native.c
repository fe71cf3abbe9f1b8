/* test_native.c: the native runtime end to end: exact answers of fib, nqueens and UTS on 1 and 2
 * workers with every victim strategy (fast path and through ws_sched), strict and preferred
 * affinity honoured per process, trace replay with messages, timers and late roots, deadlocks
 * and bad traces reported, and the topology a binding builds. */
#include "core/ws_victim.h"
#include "native/nat_metrics.h"
#include "native/nat_run.h"
#include "native/nat_work.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static struct nat_run_opts opts(const char *workload, uint32_t threads, const char *strategy)
{
    struct nat_run_opts o;
    nat_run_defaults(&o);
    o.workload = workload;
    o.threads = threads;
    o.strategy = strategy;
    return o;
}

static void run_ok(const struct nat_run_opts *o, struct nat_run_result *r)
{
    char err[512];
    int rc = nat_run(o, r, err, sizeof err);
    cr_assert_eq(rc, 0, "%s, %u threads, %s%s: %s", o->workload, o->threads, o->strategy,
                 o->slow ? " (slow)" : "", err);
    cr_assert_eq(r->tally, r->expected, "%s: %s %llu, expected %llu", o->workload,
                 r->tally_name ? r->tally_name : "tally", (unsigned long long)r->tally,
                 (unsigned long long)r->expected);
    cr_assert_eq(r->x.aff_violations, 0);
}

Test(native, exact_answers_every_strategy_1_and_2_threads)
{
    const char *work[] = { "fib:18", "nqueens:8", "uts:default" };
    const uint64_t answer[] = { 2584, 92, 1732 };
    for (size_t s = 0; s < ws_victim_count(); s++)   /* every registered strategy */
        for (uint32_t t = 1; t <= 2; t++)
            for (size_t k = 0; k < 3; k++) {
                struct nat_run_opts o = opts(work[k], t, ws_victim_get(s)->name);
                struct nat_run_result r;
                run_ok(&o, &r);
                cr_assert_eq(r.tally, answer[k], "%s: %llu", work[k],
                             (unsigned long long)r.tally);
                cr_assert_eq(r.ncores, t);
            }
}

Test(native, fib_processes_and_messages)
{
    struct nat_run_opts o = opts("fib:20", 2, "random");
    struct nat_run_result r;
    run_ok(&o, &r);
    cr_assert_eq(r.tally, 6765);
    cr_assert_eq(r.summary.processes, 21891);        /* 2 F(21) - 1 */
    cr_assert_eq(r.summary.messages, 21890);         /* every process but the root joins */
    cr_assert_geq(r.per_core_run[0] + r.per_core_run[1], 21891, "a dispatch per process at least");
    cr_assert_eq(r.x.spawns, 21890);
    cr_assert_geq(r.summary.steal_attempts, r.summary.steals);
}

/* A half-steal queues its extra processes on the thief, whose fast take runs them without
 * ws_sched: each still owes its migration's cost (ctx_switch_ns here: no working set, one
 * cluster), and once it exits its pool slot must not keep the migration fields. A run without
 * steals (the other worker got no CPU in time: the tests share the machine) proves nothing,
 * so up to 10 runs are made until 3 have stolen; every run must count every migration's cost. */
Test(native, half_steals_extra_processes_pay_their_migration, .timeout = 120)
{
    int stole = 0;
    for (int i = 0; i < 10 && stole < 3; i++) {
        struct nat_run_opts o = opts("fib:26", 2, "random");
        o.params.steal_amount = WS_STEAL_HALF;
        o.params.ctx_switch_ns = 50;
        struct nat_run_result r;
        run_ok(&o, &r);
        uint64_t moved = 0;
        for (int d = 0; d < SIM_DIST_COUNT; d++)
            moved += r.summary.migrations[d];
        stole += moved > 0;
        cr_assert_eq(r.summary.migration_cost_ns, 50 * moved, "%llu migrations cost %llu ns",
                     (unsigned long long)moved, (unsigned long long)r.summary.migration_cost_ns);
    }
    cr_assert_geq(stole, 1, "no run of 10 stole anything");
}

/* roots = N: N copies of a computed root, one placed on each worker; with stealing off each
 * worker runs exactly its own copy, and every copy is checked (joined values alike, counts
 * added up). */
Test(native, copies_of_the_root_one_per_worker, .timeout = 60)
{
    const char *w[] = { "fib:18", "nqueens:7", "uts:default" };
    for (int i = 0; i < 3; i++) {
        struct nat_run_opts o = opts(w[i], 1, "random");
        struct nat_run_result one, r;
        run_ok(&o, &one);
        o.threads = 2;
        o.roots = 2;
        o.params.steal_retries = 0;
        run_ok(&o, &r);
        cr_assert_eq(r.summary.steals, 0, "%s: %llu steals", w[i],
                     (unsigned long long)r.summary.steals);
        cr_assert_eq(r.per_core_run[0], one.per_core_run[0], "%s: %llu dispatches, alone %llu",
                     w[i], (unsigned long long)r.per_core_run[0],
                     (unsigned long long)one.per_core_run[0]);
        cr_assert_eq(r.per_core_run[1], one.per_core_run[0], "%s: %llu dispatches, alone %llu",
                     w[i], (unsigned long long)r.per_core_run[1],
                     (unsigned long long)one.per_core_run[0]);
        cr_assert_eq(r.summary.processes, 2 * one.summary.processes, "%s", w[i]);
        cr_assert_eq(r.tally, w[i][0] == 'u' ? 2 * one.tally : one.tally, "%s", w[i]);
    }
}

Test(native, through_ws_sched_only)
{
    for (size_t s = 0; s < ws_victim_count(); s++)   /* every registered strategy */ {
        struct nat_run_opts o = opts("fib:16", 2, ws_victim_get(s)->name);
        o.slow = true;
        struct nat_run_result r;
        run_ok(&o, &r);
        cr_assert_eq(r.tally, 987);
        o.workload = "nqueens:7";
        run_ok(&o, &r);
        cr_assert_eq(r.tally, 40);
    }
}

Test(native, uts_t1_published_size, .timeout = 240)
{
    struct nat_run_opts o = opts("uts:T1", 2, "locality");
    struct nat_run_result r;
    run_ok(&o, &r);
    cr_assert_eq(r.tally, 4130071);
    cr_assert_eq(r.summary.processes, 4130071);
}

Test(native, uts_custom_tree_counted_sequentially)
{
    struct nat_workload wl;
    char err[256];
    cr_assert_eq(nat_work_parse("uts:t=1,a=0,d=5,b=3,r=7", false, &wl, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(wl.kind, NAT_WORK_UTS);
    cr_assert_str_empty(wl.uts_set);
    cr_assert_gt(wl.expected, 1);
    struct nat_run_opts o = opts("uts:t=1,a=0,d=5,b=3,r=7", 2, "p2c");
    struct nat_run_result r;
    run_ok(&o, &r);
    cr_assert_eq(r.tally, wl.expected);
    cr_assert_eq(nat_work_parse("uts:T3", false, &wl, err, sizeof err), 0);
    cr_assert_str_eq(wl.uts_set, "T3");
    cr_assert_eq(wl.expected, 4112897);
}

Test(native, strict_affinity_never_violated)
{
    for (uint32_t core = 0; core < 2; core++) {
        char aff[32];
        snprintf(aff, sizeof aff, "strict:%u", core);
        for (int slow = 0; slow < 2; slow++) {
            struct nat_run_opts o = opts("fib:17", 2, "random");
            o.root_affinity = aff;
            o.slow = slow;
            struct nat_run_result r;
            run_ok(&o, &r);
            cr_assert_eq(r.tally, 1597);
            cr_assert_eq(r.per_core_run[1 - core], 0, "%s: core %u ran %llu processes", aff,
                         1 - core, (unsigned long long)r.per_core_run[1 - core]);
            cr_assert_geq(r.per_core_run[core], 5167);   /* 2 F(18) - 1 processes */
            cr_assert_eq(r.summary.steals, 0);
        }
    }
}

Test(native, strict_affinity_of_both_cores_and_preferred)
{
    struct nat_run_opts o = opts("nqueens:8", 2, "locality");
    o.root_affinity = "strict:0-1";
    struct nat_run_result r;
    run_ok(&o, &r);
    cr_assert_eq(r.tally, 92);
    o.root_affinity = "preferred:1";
    run_ok(&o, &r);
    cr_assert_eq(r.tally, 92);
    char err[256];
    o.root_affinity = "strict:5";
    cr_assert_neq(nat_run(&o, &r, err, sizeof err), 0);
    cr_assert(strstr(err, "--affinity") != NULL, "%s", err);
}

Test(native, oversubscribed_and_unpinned)
{
    struct nat_run_opts o = opts("fib:18", 4, "ring");
    struct nat_run_result r;
    run_ok(&o, &r);
    cr_assert_eq(r.ncores, 4);
    o.bind = NAT_BIND_NONE;
    o.threads = 2;
    run_ok(&o, &r);
    cr_assert_eq(r.tally, 2584);
    cr_assert_str_eq(r.topology, "host:2:none");
}

Test(native, replay_ring_messages)
{
    struct nat_run_opts o = opts("ring:procs=8,rounds=20,work=2000", 2, "locality");
    struct nat_run_result r;
    char err[512];
    cr_assert_eq(nat_run(&o, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(r.summary.processes, 8);
    cr_assert_eq(r.summary.messages, 160);            /* as `trace stats` counts the sends */
    cr_assert_eq(r.x.dropped, 0);
    cr_assert_gt(r.busy_ipn, 0);
    cr_assert_null(r.tally_name);
}

Test(native, replay_fib_trace_matches_the_computed_one)
{
    struct nat_run_opts o = opts("fib:12,work=500", 2, "random");
    o.replay = true;
    struct nat_run_result r;
    char err[512];
    cr_assert_eq(nat_run(&o, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(r.summary.processes, 465);          /* 2 F(13) - 1 */
    cr_assert_eq(r.summary.messages, 464);
}

/* A replay reads its records ahead (all of a small trace) so that a spawn takes its child's
 * parsed record without the lock; past the limit the rest is read under the lock in the run,
 * and either way the replay is the same. */
Test(native, replay_reads_ahead_up_to_its_limit)
{
    const uint64_t limits[] = { 0, 1, 2, 100, 464 };
    const uint64_t ahead[] = { 465, 1, 3, 101, 465 };   /* a record's children are read whole */
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        struct nat_run_opts o = opts("fib:12,work=500", 2, "random");
        o.replay = true;
        o.read_ahead_max = limits[i];
        struct nat_run_result r;
        char err[512];
        cr_assert_eq(nat_run(&o, &r, err, sizeof err), 0, "limit %llu: %s",
                     (unsigned long long)limits[i], err);
        cr_assert_eq(r.read_ahead, ahead[i], "limit %llu: %llu records read ahead",
                     (unsigned long long)limits[i], (unsigned long long)r.read_ahead);
        cr_assert_eq(r.summary.processes, 465);
        cr_assert_eq(r.summary.messages, 464);
        cr_assert_eq(r.x.dropped, 0);
    }
}

/* Write a trace file; returns its path in buf. */
static void trace_file(char *buf, size_t len, const char *name, const char *text)
{
    snprintf(buf, len, "/tmp/schedlab-native-%d-%s.jsonl", (int)getpid(), name);
    FILE *f = fopen(buf, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

Test(native, replay_waits_and_late_roots)
{
    char path[256];
    trace_file(path, sizeof path, "waits",
               "{\"format\":\"schedlab-trace\",\"version\":1,\"time_unit\":\"us\"}\n"
               "{\"id\":0,\"spawn\":0,\"phases\":[[\"run\",50],[\"wait\",300],[\"send\",1],"
               "[\"run\",20]]}\n"
               "{\"id\":1,\"spawn\":200,\"phases\":[[\"recv\"],[\"wait\",100],[\"run\",30]]}\n"
               "{\"id\":2,\"spawn\":400,\"affinity\":{\"kind\":\"strict\",\"cores\":[1]},"
               "\"phases\":[[\"run\",40],[\"wait\",50]]}\n");
    struct nat_run_opts o = opts(path, 2, "locality");
    struct nat_run_result r;
    char err[512];
    cr_assert_eq(nat_run(&o, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(r.summary.processes, 3);
    cr_assert_eq(r.summary.messages, 1);
    cr_assert_geq(r.summary.makespan_ns, 400000, "root 2 arrives at 400 us");
    cr_assert_eq(r.roots_at_start, 1, "root 0 (spawn 0) goes in before the start, the others "
                 "at their times");
    cr_assert_eq(r.x.aff_violations, 0);
    cr_assert_geq(r.per_core_run[1], 1);
    unlink(path);
}

/* Messages sent to a process before it is spawned wait for it, and messages sent after its exit
 * are dropped and counted, alike whether its record was read ahead (its mailbox in a slot of its
 * own, no lock taken anywhere in the run) or read in the run (the maps, under the lock). */
Test(native, replay_mailboxes_alike_with_and_without_slots)
{
    char path[256], err[512];
    trace_file(path, sizeof path, "slots",
               "{\"format\":\"schedlab-trace\",\"version\":1,\"time_unit\":\"us\"}\n"
               "{\"id\":0,\"spawn\":0,\"phases\":[[\"send\",1],[\"send\",1],[\"spawn\",1],"
               "[\"spawn\",2],[\"recv\"],[\"recv\"],[\"wait\",20000],[\"send\",2],[\"send\",2],"
               "[\"send\",3],[\"run\",10]]}\n"
               "{\"id\":1,\"parent\":0,\"phases\":[[\"recv\"],[\"recv\"],[\"run\",5],"
               "[\"send\",0]]}\n"
               "{\"id\":2,\"parent\":0,\"phases\":[[\"run\",5],[\"send\",0]]}\n"
               "{\"id\":3,\"spawn\":0,\"phases\":[[\"run\",5],[\"recv\"]]}\n");
    const uint64_t limits[] = { 0, 1 };      /* all four read ahead; only root 0 */
    const uint64_t ahead[] = { 4, 1 };
    for (size_t i = 0; i < 2; i++) {
        struct nat_run_opts o = opts(path, 2, "random");
        o.read_ahead_max = limits[i];
        struct nat_run_result r;
        cr_assert_eq(nat_run(&o, &r, err, sizeof err), 0, "limit %llu: %s",
                     (unsigned long long)limits[i], err);
        cr_assert_eq(r.read_ahead, ahead[i]);
        cr_assert_eq(r.summary.processes, 4);
        cr_assert_eq(r.summary.messages, 7, "limit %llu", (unsigned long long)limits[i]);
        /* 2 exited 20 ms before the two sends to it (a margin, not a timing) */
        cr_assert_eq(r.x.dropped, 2, "limit %llu: %llu dropped", (unsigned long long)limits[i],
                     (unsigned long long)r.x.dropped);
        if (i == 0)
            cr_assert_eq(r.x.lock_waits, 0, "every process has a slot: nobody takes the lock");
    }
    unlink(path);
}

Test(native, replay_deadlock_and_missing_process_fail)
{
    char path[256], err[512];
    struct nat_run_result r;
    trace_file(path, sizeof path, "deadlock",
               "{\"format\":\"schedlab-trace\",\"version\":1}\n"
               "{\"id\":0,\"spawn\":0,\"phases\":[[\"spawn\",1],[\"recv\"]]}\n"
               "{\"id\":1,\"parent\":0,\"phases\":[[\"recv\"]]}\n");
    struct nat_run_opts o = opts(path, 2, "random");
    cr_assert_neq(nat_run(&o, &r, err, sizeof err), 0);
    cr_assert(strstr(err, "deadlock: 2 processes") != NULL, "%s", err);
    unlink(path);
    trace_file(path, sizeof path, "missing",
               "{\"format\":\"schedlab-trace\",\"version\":1}\n"
               "{\"id\":0,\"spawn\":0,\"phases\":[[\"run\",10],[\"send\",9]]}\n");
    o.workload = path;
    cr_assert_neq(nat_run(&o, &r, err, sizeof err), 0);
    cr_assert(strstr(err, "process 9, which never exists") != NULL, "%s", err);
    unlink(path);
}

Test(native, bad_workloads_and_strategies)
{
    char err[512];
    struct nat_run_result r;
    struct nat_run_opts o = opts("fib:x", 1, "random");
    cr_assert_neq(nat_run(&o, &r, err, sizeof err), 0);
    o = opts("fib:10", 1, "nosuch");
    cr_assert_neq(nat_run(&o, &r, err, sizeof err), 0);
    cr_assert(strstr(err, "unknown strategy 'nosuch'") != NULL, "%s", err);
    o = opts("/nonexistent/trace.jsonl", 1, "random");
    cr_assert_neq(nat_run(&o, &r, err, sizeof err), 0);
    o = opts("chain:0", 1, "random");
    cr_assert_neq(nat_run(&o, &r, err, sizeof err), 0);
}

Test(native, chain_and_known_answers)
{
    struct nat_run_opts o = opts("chain:5000", 2, "locality");
    struct nat_run_result r;
    run_ok(&o, &r);
    cr_assert_eq(r.summary.processes, 5000);
    cr_assert_eq(nat_fib_value(30), 832040);
    cr_assert_eq(nat_fib_value(93), 12200160415121876738ull);
    cr_assert_eq(nat_nqueens_solutions(14), 365596);
    cr_assert_eq(nat_uts_published("T1"), 4130071);
    cr_assert_eq(nat_uts_published("nosuch"), 0);
}

Test(native, binding_orders_and_models)
{
    struct ws_topo *host = NULL, *t = NULL;
    struct ws_topo_error e;
    cr_assert_eq(ws_topo_synth("p=2,e=4,smt=2", &host, &e), WS_OK, "%s", e.message);
    for (uint32_t c = 0; c < host->ncores; c++)
        host->cores[c].os_id = (int32_t)(100 + c);
    int32_t cpus[16];
    char err[256];
    /* P-cores first, one thread per physical core before any sibling. */
    cr_assert_eq(nat_topo_workers(host, 3, NAT_BIND_PCORES, &t, cpus, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(t->ncores, 3);
    cr_assert_eq(ws_topo_core_kind(t, 0), WS_KIND_P);
    cr_assert_eq(ws_topo_core_kind(t, 1), WS_KIND_P);
    cr_assert_eq(ws_topo_core_kind(t, 2), WS_KIND_E);
    cr_assert_neq(t->cores[0].phys, t->cores[1].phys, "siblings come last");
    cr_assert_null(ws_topo_check(t));
    ws_topo_destroy(t);
    cr_assert_eq(nat_topo_workers(host, 2, NAT_BIND_NONE, &t, cpus, err, sizeof err), 0);
    cr_assert_eq(cpus[0], -1);
    ws_topo_destroy(t);
    cr_assert_eq(nat_topo_workers(host, 9, NAT_BIND_STATIC, &t, cpus, err, sizeof err), 0);
    cr_assert_eq(t->ncores, 9, "more workers than cores: a synthetic model");
    cr_assert_geq(cpus[8], 100);
    ws_topo_destroy(t);
    ws_topo_destroy(host);
    enum nat_bind b;
    cr_assert_eq(nat_bind_parse("pcores", &b), 0);
    cr_assert_eq(b, NAT_BIND_PCORES);
    cr_assert_eq(nat_bind_parse("dynamic", &b), 0);
    cr_assert_eq(b, NAT_BIND_DYNAMIC);
    cr_assert_neq(nat_bind_parse("pinned", &b), 0);
}

/* A run whose span is a whole number of buckets gets one sample per bucket, stamps distinct
 * (the database's key), the last at the span; what was put at the span joins the last. */
Test(native, timeseries_stamps_distinct_at_whole_buckets)
{
    const uint64_t spans[] = { 1, 999, 1000, 1001, 26000, 26001, 128000, 300000 };
    for (size_t s = 0; s < sizeof spans / sizeof spans[0]; s++) {
        uint64_t span = spans[s];
        struct nat_worker *w = calloc(2, sizeof(*w));
        cr_assert_not_null(w);
        struct nat_rt rt = { .n = 2, .w = w };
        for (uint32_t c = 0; c < 2; c++) {
            w[c].ts.width = NAT_TS_FIRST_WIDTH;
            nat_ts_busy(&w[c].ts, 0, span);
            nat_ts_queue(&w[c].ts, span, 7);
        }
        struct sim_run_metrics m;
        memset(&m, 0, sizeof m);
        cr_assert_eq(nat_ts_collect(&rt, span, &m), 0);
        uint64_t width = m.run.timeseries_interval_ns;
        cr_assert_eq(m.ntimeseries, 2 * ((span + width - 1) / width), "span %llu",
                     (unsigned long long)span);
        for (size_t i = 0; i < m.ntimeseries; i++) {
            const struct sim_ts_sample *t = &m.timeseries[i];
            cr_assert_float_eq(t->utilization, 1.0, 1e-9, "span %llu sample %zu",
                               (unsigned long long)span, i);
            if (i + 1 < m.ntimeseries && m.timeseries[i + 1].core == t->core)
                cr_assert_lt(t->t_ns, m.timeseries[i + 1].t_ns, "span %llu sample %zu",
                             (unsigned long long)span, i);
            else
                cr_assert(t->t_ns == span && t->queue_len == 7, "span %llu: last %llu q %u",
                          (unsigned long long)span, (unsigned long long)t->t_ns, t->queue_len);
        }
        free(m.timeseries);
        free(w);
    }
}
