/* test_bind.c: scheduler binding (core/ws_bind.h): every bind order and binding kind gives the
 * expected scheduler-to-core map on m1, i9-12900k and epyc7r13-2s; the model in bind order keeps
 * each core's kind; the operating-system migration cost; and in whole simulated runs, unbound
 * schedulers are moved by the operating system and pay for it while bound ones never move. */
#include "core/ws_bind.h"
#include "core/ws_topo.h"
#include "sim/engine/sim_engine.h"
#include "sim/engine/sim_topo.h"
#include "sim/trace/import/sim_import.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ws_topo *load(const char *name)
{
    char err[256];
    struct ws_topo *t = NULL;
    cr_assert_eq(sim_topo_load(name, &t, err, sizeof err), 0, "%s", err);
    return t;
}

/* order o of t, checked to be a permutation of the cores. Caller frees. */
static uint32_t *order_of(const struct ws_topo *t, enum ws_bind_order o)
{
    uint32_t *m = calloc(t->ncores, sizeof(uint32_t));
    char *seen = calloc(t->ncores, 1);
    cr_assert_eq(ws_bind_order_map(t, o, m), WS_OK);
    for (uint32_t i = 0; i < t->ncores; i++) {
        cr_assert_lt(m[i], t->ncores);
        cr_assert_eq(seen[m[i]], 0, "%s order %s: core %u twice", t->name,
                     ws_bind_order_names[o], m[i]);
        seen[m[i]] = 1;
    }
    free(seen);
    return m;
}

static void expect_prefix(const struct ws_topo *t, enum ws_bind_order o, const uint32_t *want,
                          size_t n)
{
    uint32_t *m = order_of(t, o);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(m[i], want[i], "%s order %s: scheduler %zu on core %u, expected %u",
                     t->name, ws_bind_order_names[o], i, m[i], want[i]);
    free(m);
}

static const uint32_t logical[24] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                      17, 18, 19, 20, 21, 22, 23 };

/* M1: one socket, no SMT: every order is the logical one but spread, which alternates the
 * E-cluster (0-3) and the P-cluster (4-7). */
Test(bind, orders_on_m1)
{
    struct ws_topo *t = load("m1");
    for (int o = 0; o < WS_ORDER_COUNT; o++)
        if (o != WS_ORDER_S)
            expect_prefix(t, (enum ws_bind_order)o, logical, 8);
    static const uint32_t s[8] = { 0, 4, 1, 5, 2, 6, 3, 7 };
    expect_prefix(t, WS_ORDER_S, s, 8);
    ws_topo_destroy(t);
}

/* i9-12900k: 8 P-cores with 2 threads each (0-15, siblings adjacent), 8 E-cores in 2 modules. */
Test(bind, orders_on_i9_12900k)
{
    struct ws_topo *t = load("i9-12900k");
    static const uint32_t ts[24] = { 0, 2, 4, 6, 8, 10, 12, 14, 16, 17, 18, 19, 20, 21, 22, 23,
                                     1, 3, 5, 7, 9, 11, 13, 15 };
    static const uint32_t s[24] = { 0, 16, 20, 2, 17, 21, 4, 18, 22, 6, 19, 23, 8, 10, 12, 14,
                                    1, 3, 5, 7, 9, 11, 13, 15 };
    expect_prefix(t, WS_ORDER_NS, logical, 24);
    expect_prefix(t, WS_ORDER_U, logical, 24);
    for (int o = WS_ORDER_TS; o < WS_ORDER_COUNT; o++)   /* one socket, one node */
        if (o != WS_ORDER_S)
            expect_prefix(t, (enum ws_bind_order)o, ts, 24);
    expect_prefix(t, WS_ORDER_S, s, 24);
    ws_topo_destroy(t);
}

/* EPYC 7R13 x 2: 96 threads per socket and node, siblings adjacent, 16-thread CCX clusters. */
Test(bind, orders_on_epyc7r13_2s)
{
    struct ws_topo *t = load("epyc7r13-2s");
    cr_assert_eq(t->ncores, 192);
    static const uint32_t ts[4] = { 0, 2, 4, 6 }, ps[4] = { 0, 96, 2, 98 };
    static const uint32_t s[6] = { 0, 96, 16, 112, 32, 128 };
    expect_prefix(t, WS_ORDER_NS, logical, 24);
    expect_prefix(t, WS_ORDER_TS, ts, 4);
    expect_prefix(t, WS_ORDER_PS, ps, 4);
    expect_prefix(t, WS_ORDER_S, s, 6);
    uint32_t *m;
    /* thread_spread, tnnps and db: every first thread (node 0, then node 1), then siblings. */
    for (int o = WS_ORDER_TS; o < WS_ORDER_COUNT; o++) {
        if (o != WS_ORDER_TS && o != WS_ORDER_TNNPS && o != WS_ORDER_DB)
            continue;
        m = order_of(t, (enum ws_bind_order)o);
        cr_assert_eq(m[48], 96, "%s", ws_bind_order_names[o]);
        cr_assert_eq(m[96], 1, "%s", ws_bind_order_names[o]);
        free(m);
    }
    /* nnts and nnps: all of node 0 (first threads, then siblings) before node 1. */
    for (int o = WS_ORDER_NNTS; o <= WS_ORDER_NNPS; o++) {
        m = order_of(t, (enum ws_bind_order)o);
        cr_assert_eq(m[48], 1, "%s", ws_bind_order_names[o]);
        cr_assert_eq(m[96], 96, "%s", ws_bind_order_names[o]);
        free(m);
    }
    ws_topo_destroy(t);
}

/* Kinds on i9-12900k in the default bind order (db = tnnps). */
Test(bind, kinds_map_and_scope)
{
    struct ws_topo *t = load("i9-12900k");
    uint32_t home[24];
    uint8_t sc[24];
    cr_assert_eq(ws_bind_map(t, WS_BIND_STATIC, WS_ORDER_DB, home, sc), WS_OK);
    cr_assert_eq(home[1], 2);
    cr_assert_eq(home[8], 16);
    for (int i = 0; i < 24; i++)
        cr_assert_eq(sc[i], WS_SCOPE_FIXED);
    cr_assert_eq(ws_bind_map(t, WS_BIND_PCORES, WS_ORDER_DB, home, sc), WS_OK);
    for (int i = 0; i < 8; i++)
        cr_assert_eq(ws_topo_core_kind(t, home[i]), WS_KIND_P, "scheduler %d", i);
    cr_assert_eq(home[0], 0);
    cr_assert_eq(home[7], 14);
    cr_assert_eq(home[8], 16, "whole E-cores before P-core siblings");
    cr_assert_eq(home[16], 1);
    cr_assert_eq(ws_bind_map(t, WS_BIND_HYBRID, WS_ORDER_DB, home, sc), WS_OK);
    cr_assert_eq(home[0], 0);
    cr_assert_eq(sc[0], WS_SCOPE_FIXED, "the primary is bound to core 0");
    for (int i = 1; i < 24; i++)
        cr_assert_eq(sc[i], WS_SCOPE_KIND);
    cr_assert(ws_bind_allows(t, WS_SCOPE_KIND, 2, 15), "a P-core scheduler on another P-core");
    cr_assert_not(ws_bind_allows(t, WS_SCOPE_KIND, 2, 16), "... but not on an E-core");
    cr_assert_not(ws_bind_allows(t, WS_SCOPE_FIXED, 2, 4));
    cr_assert_eq(ws_bind_map(t, WS_BIND_DYNAMIC, WS_ORDER_DB, home, sc), WS_OK);
    cr_assert_eq(home[1], 2, "dynamic starts in bind order");
    cr_assert_eq(sc[1], WS_SCOPE_ANY);
    cr_assert_eq(ws_bind_map(t, WS_BIND_NONE, WS_ORDER_DB, home, sc), WS_OK);
    cr_assert_eq(home[1], 1, "none ignores the bind order");
    cr_assert_eq(sc[1], WS_SCOPE_ANY);
    cr_assert_eq(ws_bind_map(t, WS_BIND_STATIC, WS_ORDER_U, home, sc), WS_OK);
    cr_assert_eq(sc[3], WS_SCOPE_ANY, "order u unbinds");
    cr_assert_eq(ws_bind_map(t, WS_BIND_KIND_COUNT, WS_ORDER_DB, home, sc), WS_EINVAL);
    ws_topo_destroy(t);
}

/* The model in bind order keeps every core's kind, capacity and os id. */
Test(bind, sub_topology_in_bind_order)
{
    struct ws_topo *t = load("m1"), *s = NULL;
    uint32_t home[8];
    uint8_t sc[8];
    struct ws_topo_error e;
    cr_assert_eq(ws_bind_map(t, WS_BIND_PCORES, WS_ORDER_NS, home, sc), WS_OK);
    cr_assert_eq(ws_bind_sub_topo(t, home, 8, &s, &e), WS_OK, "%s", e.message);
    for (uint32_t i = 0; i < 8; i++) {
        cr_assert_eq(ws_topo_core_kind(s, i), ws_topo_core_kind(t, home[i]));
        cr_assert_float_eq(ws_topo_capacity(s, i), ws_topo_capacity(t, home[i]), 1e-12);
    }
    cr_assert_eq(ws_topo_core_kind(s, 0), WS_KIND_P);
    cr_assert_null(ws_topo_check(s));
    ws_topo_destroy(s);
    uint32_t twice[2] = { 1, 1 };
    cr_assert_eq(ws_bind_sub_topo(t, twice, 2, &s, &e), WS_EINVAL);
    cr_assert_null(s);
    ws_topo_destroy(t);
}

Test(bind, os_migration_cost_grows_with_distance)
{
    struct ws_topo *t = load("epyc7r13-2s");
    struct ws_params p;
    ws_params_defaults(&p);
    cr_assert_eq(ws_bind_os_migration_ns(t, &p, 5, 5), 0);
    cr_assert_eq(ws_bind_os_migration_ns(t, &p, 0, 1), p.ctx_switch_ns, "SMT siblings");
    uint64_t ccx = ws_bind_os_migration_ns(t, &p, 0, 2);
    uint64_t node = ws_bind_os_migration_ns(t, &p, 0, 16);
    uint64_t remote = ws_bind_os_migration_ns(t, &p, 0, 96);
    cr_assert_lt(p.ctx_switch_ns, ccx);
    cr_assert_lt(ccx, node);
    cr_assert_lt(node, remote);
    cr_assert_eq(remote, p.ctx_switch_ns + WS_BIND_HOT_LINES * p.refill_mem_ns +
                         p.numa_migration_ns);
    ws_topo_destroy(t);
}

struct bound_run {
    struct sim_run_summary s;
    uint64_t os_moves;
};

static struct bound_run run(const char *trace, const char *topo, const char *binding,
                            const char *order)
{
    char err[512] = "";
    struct ws_params p;
    ws_params_defaults(&p);
    cr_assert_eq(ws_params_set(&p, "binding", binding, err, sizeof err), WS_OK, "%s", err);
    cr_assert_eq(ws_params_set(&p, "bind_order", order, err, sizeof err), WS_OK, "%s", err);
    struct ws_topo *t = load(topo);
    struct sim_trace *tr = sim_trace_open(trace, NULL, err, sizeof err);
    cr_assert_not_null(tr, "%s", err);
    struct sim_engine_opts o = { .topo = t, .params = &p, .strategy = "random", .seed = 1,
                                 .check_invariants = true };
    struct sim_engine *e = sim_engine_create(tr, &o, err, sizeof err);
    cr_assert_not_null(e, "%s", err);
    cr_assert_eq(sim_engine_run(e, NULL, err, sizeof err), 0, "%s", err);
    struct bound_run r = { sim_engine_metrics(e)->summary, sim_engine_os_migrations(e) };
    if (strcmp(binding, "static") == 0 || strcmp(binding, "pcores") == 0)
        for (uint32_t c = 0; c < t->ncores; c++)
            cr_assert_eq(sim_engine_sched_core(e, c), c, "a bound scheduler never moves");
    sim_engine_destroy(e);
    sim_trace_close(tr);
    ws_topo_destroy(t);
    return r;
}

/* Bursty work lets schedulers sleep and wake: unbound ones are moved by the operating system,
 * pay the move, and the run differs from the static one; static never moves. */
Test(bind, dynamic_binding_pays_os_migrations, .timeout = 120)
{
    const char *w = "bursty:bursts=20,size=200";
    struct bound_run st = run(w, "epyc7r13-2s", "static", "ns");
    struct bound_run dy = run(w, "epyc7r13-2s", "dynamic", "ns");
    struct bound_run no = run(w, "epyc7r13-2s", "none", "ns");
    struct bound_run hy = run(w, "m1", "hybrid", "db");
    cr_assert_eq(st.os_moves, 0);
    cr_assert_gt(dy.os_moves, 0);
    cr_assert_gt(no.os_moves, 0);
    cr_assert_gt(hy.os_moves, 0);
    cr_assert_eq(st.s.processes, dy.s.processes);
    cr_assert_neq(st.s.makespan_ns, dy.s.makespan_ns, "static %llu ns, dynamic %llu ns",
                  (unsigned long long)st.s.makespan_ns, (unsigned long long)dy.s.makespan_ns);
    /* The same seed gives the same moves. */
    struct bound_run again = run(w, "epyc7r13-2s", "dynamic", "ns");
    cr_assert_eq(again.os_moves, dy.os_moves);
    cr_assert_eq(again.s.makespan_ns, dy.s.makespan_ns);
}

/* A bind order changes which core each scheduler runs on, and with it the run: on i9-12900k
 * thread_spread puts schedulers 1-7 on separate physical P-cores. */
Test(bind, bind_order_changes_a_static_run, .timeout = 120)
{
    const char *w = "fib:16";
    struct bound_run ns = run(w, "i9-12900k", "static", "ns");
    struct bound_run ts = run(w, "i9-12900k", "static", "ts");
    cr_assert_eq(ns.os_moves + ts.os_moves, 0);
    cr_assert_eq(ns.s.processes, ts.s.processes);
    cr_assert_neq(ns.s.makespan_ns, ts.s.makespan_ns);
}
