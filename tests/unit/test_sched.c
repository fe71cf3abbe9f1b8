/* test_sched.c: the scheduler core on small synthetic machines with a deterministic fake
 * platform: victim strategies, stealing rules, affinity, limits, cost model, priorities. */
#include "core/ws_migrate.h"
#include "core/ws_sched.h"
#include "core/ws_victim.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

/* ---- a deterministic platform ------------------------------------------------------------ */

struct fake {
    uint64_t now;
    uint64_t rng;
    uint64_t charged[64];
    uint32_t woken[64];
};

static uint64_t f_now(void *ctx, uint32_t core)
{
    (void)core;
    return ((struct fake *)ctx)->now;
}

static uint64_t f_random(void *ctx, uint32_t core)
{
    struct fake *f = ctx;
    (void)core;
    f->rng ^= f->rng << 13, f->rng ^= f->rng >> 7, f->rng ^= f->rng << 17;
    return f->rng;
}

static void f_charge(void *ctx, uint32_t core, uint64_t ns, enum ws_charge what)
{
    (void)what;
    ((struct fake *)ctx)->charged[core % 64] += ns;
}

static void f_wake(void *ctx, uint32_t waker, uint32_t target)
{
    (void)waker;
    ((struct fake *)ctx)->woken[target % 64]++;
}

static const struct ws_platform fake_platform = { f_now, f_random, f_charge, f_wake, NULL };

struct rig {
    struct fake f;
    struct ws_topo *t;
    struct ws_sched *s;
    struct ws_proc procs[512];
    uint32_t nprocs;
};

static void rig_open(struct rig *r, const char *synth, const char *strategy,
                     const struct ws_params *p)
{
    struct ws_topo_error err;
    struct ws_params def;
    memset(r, 0, sizeof(*r));
    r->f.rng = 0x9E3779B97F4A7C15ull;
    r->f.now = 1000000;
    cr_assert_eq(ws_topo_synth(synth, &r->t, &err), WS_OK, "synth %s: %s", synth, err.message);
    if (p == NULL) {
        ws_params_defaults(&def);
        p = &def;
    }
    cr_assert_eq(ws_sched_create(r->t, p, strategy, &fake_platform, &r->f, &r->s), WS_OK);
}

static void rig_close(struct rig *r)
{
    for (uint32_t i = 0; i < r->nprocs; i++)
        ws_proc_fini(&r->procs[i]);
    ws_sched_destroy(r->s);
    ws_topo_destroy(r->t);
}

/* Spawn n processes of priority prio from core c (they queue on c). */
static void put(struct rig *r, uint32_t c, uint32_t n, enum ws_prio prio)
{
    for (uint32_t i = 0; i < n; i++) {
        struct ws_proc *p = &r->procs[r->nprocs];
        ws_proc_init(p, r->nprocs++);
        p->prio = (uint8_t)prio;
        uint32_t placed;
        cr_assert_eq(ws_sched_spawn(r->s, c, p, &placed), WS_OK);
        cr_assert_eq(placed, c);
    }
}

static uint64_t steals_out(struct rig *r, uint32_t c)
{
    return atomic_load(&ws_sched_core_stats(r->s, c)->steals_out);
}

/* ---- strategies -------------------------------------------------------------------------- */

Test(victim, registry_lists_every_strategy_by_name)
{
    const char *names[] = { "random", "ring", "load", "p2c", "locality", "pe" };  /* the BEAM six */
    cr_assert_geq(ws_victim_count(), 6);
    for (size_t i = 0; i < 6; i++)
        cr_assert_not_null(ws_victim_find(names[i]), "%s", names[i]);
    for (size_t i = 0; i < ws_victim_count(); i++)
        cr_assert_eq(ws_victim_find(ws_victim_get(i)->name), ws_victim_get(i));
    cr_assert_null(ws_victim_get(ws_victim_count()));
    cr_assert_null(ws_victim_find("nope"));
    struct rig r;
    struct ws_topo_error err;
    struct ws_params p;
    ws_params_defaults(&p);
    cr_assert_eq(ws_topo_synth("p=2", &r.t, &err), WS_OK);
    cr_assert_eq(ws_sched_create(r.t, &p, "nope", &fake_platform, &r.f, &r.s), WS_EINVAL);
    cr_assert_null(r.s);
    ws_topo_destroy(r.t);
}

Test(victim, load_picks_the_busiest_core)
{
    struct rig r;
    rig_open(&r, "p=4", "load", NULL);
    put(&r, 1, 3, WS_PRIO_NORMAL);
    put(&r, 2, 6, WS_PRIO_NORMAL);
    put(&r, 3, 4, WS_PRIO_NORMAL);
    struct ws_proc *p = ws_sched_steal(r.s, 0);
    cr_assert_not_null(p);
    cr_assert_eq(steals_out(&r, 2), 1, "stolen from the busiest (core 2)");
    cr_assert_eq(p->cur_core, 0);
    cr_assert_eq(p->migrations, 1);
    rig_close(&r);
}

Test(victim, load_weighs_priorities_4_3_2_1)
{
    struct rig r;
    rig_open(&r, "p=3", "load", NULL);
    put(&r, 1, 3, WS_PRIO_MAX);     /* load 12 */
    put(&r, 2, 5, WS_PRIO_NORMAL);  /* load 10: more processes, less load */
    cr_assert_eq(ws_sched_load(r.s, 1), 12);
    cr_assert_eq(ws_sched_load(r.s, 2), 10);
    cr_assert_not_null(ws_sched_steal(r.s, 0));
    cr_assert_eq(steals_out(&r, 1), 1);
    rig_close(&r);
}

Test(victim, locality_stays_in_cluster_then_node_then_crosses_numa)
{
    struct rig r;
    /* 2 nodes x 2 clusters x 2 cores: core 0's cluster-mate is 1, node-mates 2-3, remote 4-7. */
    rig_open(&r, "p=8,nodes=2,clusters=4", "locality", NULL);
    cr_assert_eq(ws_topo_dist_class(r.t, 0, 1), WS_DIST_CLUSTER);
    cr_assert_eq(ws_topo_dist_class(r.t, 0, 2), WS_DIST_NODE);
    cr_assert_eq(ws_topo_dist_class(r.t, 0, 4), WS_DIST_REMOTE);
    put(&r, 1, 3, WS_PRIO_NORMAL);
    put(&r, 2, 8, WS_PRIO_NORMAL);
    put(&r, 5, 20, WS_PRIO_NORMAL);
    /* While the cluster-mate has work to spare, every steal goes there. */
    cr_assert_not_null(ws_sched_steal(r.s, 0));
    cr_assert_eq(steals_out(&r, 1), 1);
    cr_assert_eq(ws_sched_core_stats(r.s, 0)->migrations[WS_DIST_CLUSTER], 1);
    /* Core 1 now has 2 waiting: still a candidate, still chosen first. */
    r.f.now += 1000000;
    cr_assert_not_null(ws_sched_steal(r.s, 0));
    cr_assert_eq(steals_out(&r, 1), 2);
    /* Core 1 is down to 1 waiting (below min_steal_queue): next is the same node (core 2),
     * although remote core 5 is busier. */
    r.f.now += 1000000;
    cr_assert_not_null(ws_sched_steal(r.s, 0));
    cr_assert_eq(steals_out(&r, 2), 1);
    cr_assert_eq(steals_out(&r, 5), 0, "no NUMA crossing while the node has work");
    /* Empty the node; only then does it cross. */
    struct ws_proc *p;
    while ((p = ws_sched_next(r.s, 2, false)) != NULL)
        ;
    while ((p = ws_sched_next(r.s, 1, false)) != NULL)
        ;
    r.f.now += 1000000;
    cr_assert_not_null(ws_sched_steal(r.s, 0));
    cr_assert_eq(steals_out(&r, 5), 1);
    cr_assert_eq(ws_sched_core_stats(r.s, 0)->migrations[WS_DIST_REMOTE], 1);
    rig_close(&r);
}

Test(victim, pe_p_core_prefers_e_core_victims)
{
    struct rig r;
    rig_open(&r, "p=2,e=2", "pe", NULL);
    uint32_t pcore = ws_cpuset_first(&r.t->kind_cores[WS_KIND_P]);
    uint32_t p2 = ws_cpuset_next(&r.t->kind_cores[WS_KIND_P], pcore);
    uint32_t ecore = ws_cpuset_first(&r.t->kind_cores[WS_KIND_E]);
    put(&r, p2, 10, WS_PRIO_NORMAL);   /* the busier queue is on a P-core ... */
    put(&r, ecore, 3, WS_PRIO_NORMAL); /* ... yet the P-core thief takes the E-core's work */
    cr_assert_not_null(ws_sched_steal(r.s, pcore));
    cr_assert_eq(steals_out(&r, ecore), 1);
    cr_assert_eq(steals_out(&r, p2), 0);
    rig_close(&r);
}

Test(victim, pe_e_core_leaves_work_to_an_idle_p_core)
{
    struct rig r;
    rig_open(&r, "p=2,e=2", "pe", NULL);
    uint32_t p0 = ws_cpuset_first(&r.t->kind_cores[WS_KIND_P]);
    uint32_t p1 = ws_cpuset_next(&r.t->kind_cores[WS_KIND_P], p0);
    uint32_t e0 = ws_cpuset_first(&r.t->kind_cores[WS_KIND_E]);
    put(&r, p1, 6, WS_PRIO_NORMAL);
    ws_sched_set_idle(r.s, p0, true);
    cr_assert_null(ws_sched_steal(r.s, e0), "an idle P-core should take it");
    ws_sched_set_idle(r.s, p0, false);
    cr_assert_not_null(ws_sched_steal(r.s, e0));
    rig_close(&r);
}

Test(victim, ring_goes_upwards_from_the_thief)
{
    struct rig r;
    rig_open(&r, "p=6", "ring", NULL);
    put(&r, 1, 3, WS_PRIO_NORMAL);
    put(&r, 4, 3, WS_PRIO_NORMAL);
    cr_assert_not_null(ws_sched_steal(r.s, 3));
    cr_assert_eq(steals_out(&r, 4), 1, "4 is the first above 3");
    cr_assert_not_null(ws_sched_steal(r.s, 5));
    cr_assert_eq(steals_out(&r, 1), 1, "from 5 it wraps around to 1");
    rig_close(&r);
}

/* ---- rules ------------------------------------------------------------------------------- */

Test(rules, short_queue_and_small_imbalance_are_refused)
{
    struct rig r;
    rig_open(&r, "p=2", "random", NULL);
    put(&r, 1, 1, WS_PRIO_NORMAL);
    cr_assert_null(ws_sched_steal(r.s, 0));
    cr_assert_geq(ws_sched_core_stats(r.s, 0)->steal_result[WS_STEAL_THRESHOLD], 1);
    cr_assert_eq(ws_sched_core_stats(r.s, 0)->steal_result[WS_STEAL_OK], 0);
    rig_close(&r);
}

Test(rules, cooldown_holds_between_steals_from_one_victim)
{
    struct ws_params p;
    ws_params_defaults(&p);
    p.steal_cooldown_ns = 5000;
    p.steal_retries = 1;
    struct rig r;
    rig_open(&r, "p=2", "random", &p);
    put(&r, 1, 10, WS_PRIO_NORMAL);
    cr_assert_not_null(ws_sched_steal(r.s, 0));
    r.f.now += 4999;
    cr_assert_null(ws_sched_steal(r.s, 0));
    cr_assert_eq(ws_sched_core_stats(r.s, 0)->steal_result[WS_STEAL_COOLDOWN], 1);
    r.f.now += 1;
    cr_assert_not_null(ws_sched_steal(r.s, 0));
    rig_close(&r);
}

Test(rules, per_process_migration_limit_holds)
{
    struct ws_params p;
    ws_params_defaults(&p);
    p.max_migrations = 2;
    p.steal_cooldown_ns = 0;
    struct rig r;
    rig_open(&r, "p=2", "random", &p);
    put(&r, 1, 3, WS_PRIO_NORMAL);
    for (uint32_t i = 0; i < 3; i++)
        r.procs[i].migrations = 2;
    cr_assert_null(ws_sched_steal(r.s, 0));
    cr_assert_geq(ws_sched_core_stats(r.s, 0)->steal_result[WS_STEAL_RATE_LIMIT], 1);
    rig_close(&r);
}

Test(rules, per_core_and_burst_limits_hold)
{
    struct ws_params p;
    ws_params_defaults(&p);
    cr_assert_eq(ws_params_set(&p, "migration_policy", "aggressive", NULL, 0), WS_OK);
    p.steal_cooldown_ns = 0;
    p.core_migrations_per_s = 3;
    struct rig r;
    rig_open(&r, "p=2", "random", &p);
    put(&r, 1, 40, WS_PRIO_NORMAL);
    int got = 0;
    for (int i = 0; i < 10; i++)
        got += ws_sched_steal(r.s, 0) != NULL;
    cr_assert_eq(got, 3, "3 per second into core 0");
    r.f.now += 1000000000;   /* next second */
    cr_assert_not_null(ws_sched_steal(r.s, 0));
    rig_close(&r);

    ws_params_defaults(&p);
    p.steal_cooldown_ns = 0;
    p.burst_max = 2;   /* per core: 4 per window on 2 cores */
    p.burst_window_ns = 1000;
    p.core_migrations_per_s = 0;
    rig_open(&r, "p=2", "random", &p);
    put(&r, 1, 40, WS_PRIO_NORMAL);
    got = 0;
    for (int i = 0; i < 10; i++)
        got += ws_sched_steal(r.s, 0) != NULL;
    cr_assert_eq(got, 4, "storm guard: 4 per window");
    r.f.now += 1000;
    cr_assert_not_null(ws_sched_steal(r.s, 0));
    rig_close(&r);
}

Test(rules, strict_affinity_is_never_violated_under_random_spawns_and_steals)
{
    struct ws_params p;
    ws_params_defaults(&p);
    p.min_steal_queue = 1;
    p.imbalance_threshold = 0;
    p.steal_cooldown_ns = 0;
    cr_assert_eq(ws_params_set(&p, "migration_policy", "aggressive", NULL, 0), WS_OK);
    for (size_t si = 0; si < ws_victim_count(); si++) {    /* every registered strategy */
        struct rig r;
        rig_open(&r, "p=4,e=4,clusters=4,nodes=2", ws_victim_get(si)->name, &p);
        uint64_t placements = 0, stolen = 0;
        struct ws_proc *running[8] = { 0 };
        for (int step = 0; step < 4000; step++) {
            uint64_t x = f_random(&r.f, 0);
            uint32_t c = (uint32_t)(x % 8);
            if (x % 3 == 0 && r.nprocs < 512) {
                struct ws_proc *q = &r.procs[r.nprocs];
                ws_proc_init(q, r.nprocs++);
                if ((x >> 8) % 2 == 0) {
                    struct ws_cpuset set;
                    cr_assert_eq(ws_cpuset_init(&set, 8), WS_OK);
                    ws_cpuset_set(&set, (uint32_t)((x >> 12) % 8));
                    ws_cpuset_set(&set, (uint32_t)((x >> 16) % 8));
                    cr_assert_eq(ws_proc_set_affinity(q, WS_AFF_STRICT, &set, -1), WS_OK);
                    ws_cpuset_destroy(&set);
                }
                uint32_t placed;
                cr_assert_eq(ws_sched_spawn(r.s, c, q, &placed), WS_OK);
                cr_assert(ws_proc_allowed(q, placed), "placement on a forbidden core");
                placements++;
            } else if (x % 3 == 1) {
                struct ws_proc *q = ws_sched_next(r.s, c, (x >> 20) & 1);
                if (q == NULL)
                    q = ws_sched_steal(r.s, c), stolen += q != NULL;
                if (q == NULL)
                    q = ws_sched_last_look(r.s, c), stolen += q != NULL;
                if (q != NULL) {
                    cr_assert(ws_proc_allowed(q, c), "%s: process %llu runs on forbidden core %u",
                              ws_victim_get(si)->name, (unsigned long long)q->id, c);
                    cr_assert_eq(q->cur_core, (int32_t)c);
                    if (running[c] != NULL)
                        cr_assert_eq(ws_sched_requeue(r.s, c, running[c]), WS_OK);
                    running[c] = q;
                }
            } else if (running[c] != NULL) {
                running[c] = NULL;   /* it exits */
            }
            r.f.now += 100;
        }
        cr_assert_gt(stolen, 10, "%s: the test must exercise stealing", ws_victim_get(si)->name);
        uint64_t denied = 0;
        for (uint32_t c = 0; c < 8; c++)
            denied += ws_sched_core_stats(r.s, c)->steal_result[WS_STEAL_AFFINITY];
        cr_assert_gt(denied, 0, "%s: and affinity refusals", ws_victim_get(si)->name);
        rig_close(&r);
    }
}

/* ---- migration cost ---------------------------------------------------------------------- */

Test(migrate, cost_orders_cluster_below_node_below_numa)
{
    struct rig r;
    rig_open(&r, "p=8,nodes=2,clusters=4", "random", NULL);
    struct ws_proc p;
    ws_proc_init(&p, 1);
    p.wset_bytes = 4 << 20;
    struct ws_mig_cost same_cluster, same_node, remote;
    ws_migrate_cost(r.s, &p, 0, 1, &same_cluster);
    ws_migrate_cost(r.s, &p, 0, 2, &same_node);
    ws_migrate_cost(r.s, &p, 0, 4, &remote);
    cr_assert_gt(same_cluster.total, 0);
    cr_assert_lt(same_cluster.total, same_node.total);
    cr_assert_lt(same_node.total, remote.total);
    cr_assert_gt(remote.terms[2], 0, "remote memory term");
    cr_assert_gt(remote.terms[3], 0, "cross-NUMA term");
    cr_assert_eq(same_node.terms[3], 0);
    rig_close(&r);
}

Test(migrate, speed_change_term_favours_faster_cores)
{
    struct rig r;
    rig_open(&r, "p=1,e=1", "random", NULL);
    uint32_t pc = ws_cpuset_first(&r.t->kind_cores[WS_KIND_P]);
    uint32_t ec = ws_cpuset_first(&r.t->kind_cores[WS_KIND_E]);
    struct ws_proc p;
    ws_proc_init(&p, 1);
    p.expected_ns = 1000000;
    struct ws_mig_cost to_e, to_p;
    ws_migrate_cost(r.s, &p, pc, ec, &to_e);
    ws_migrate_cost(r.s, &p, ec, pc, &to_p);
    cr_assert_gt(to_e.terms[4], 0);
    cr_assert_lt(to_p.terms[4], 0);
    cr_assert_eq(ws_migrate_check(r.s, &p, ec, pc, r.f.now), WS_STEAL_OK,
                 "a move to a faster core always passes");
    rig_close(&r);
}

Test(migrate, cost_denial_is_counted)
{
    struct ws_params p;
    ws_params_defaults(&p);
    p.migration_factor = 1e9;   /* nothing is worth it */
    p.steal_cooldown_ns = 0;
    struct rig r;
    rig_open(&r, "p=2", "random", &p);
    put(&r, 1, 5, WS_PRIO_NORMAL);
    cr_assert_null(ws_sched_steal(r.s, 0));
    cr_assert_geq(ws_sched_core_stats(r.s, 0)->steal_result[WS_STEAL_COST], 1);
    cr_assert_eq(ws_sched_waiting(r.s, 1), 5, "nothing moved");
    rig_close(&r);
}

/* ---- priorities -------------------------------------------------------------------------- */

Test(prio, max_and_high_first_then_low_once_per_low_every_normals)
{
    struct rig r;
    rig_open(&r, "p=1", "random", NULL);
    put(&r, 0, 20, WS_PRIO_NORMAL);
    put(&r, 0, 3, WS_PRIO_LOW);
    put(&r, 0, 1, WS_PRIO_HIGH);
    put(&r, 0, 1, WS_PRIO_MAX);
    struct ws_proc *p = ws_sched_next(r.s, 0, false);
    cr_assert_eq(p->prio, WS_PRIO_MAX);
    p = ws_sched_next(r.s, 0, false);
    cr_assert_eq(p->prio, WS_PRIO_HIGH);
    int order[23];
    for (int i = 0; i < 23; i++) {
        p = ws_sched_next(r.s, 0, false);
        cr_assert_not_null(p);
        order[i] = p->prio;
    }
    cr_assert_null(ws_sched_next(r.s, 0, false));
    /* Low runs at picks 9, 18 (after 8 normals each) and then once normal is exhausted. */
    for (int i = 0; i < 23; i++) {
        int want = (i == 8 || i == 17 || i == 22) ? WS_PRIO_LOW : WS_PRIO_NORMAL;
        cr_assert_eq(order[i], want, "pick %d", i);
    }
    rig_close(&r);
}

Test(prio, preempted_processes_round_robin_newcomers_run_depth_first)
{
    struct rig r;
    rig_open(&r, "p=1", "random", NULL);
    put(&r, 0, 3, WS_PRIO_NORMAL);
    struct ws_proc *p = ws_sched_next(r.s, 0, false);
    cr_assert_eq(p->id, 2, "LIFO: newest first");
    cr_assert_eq(ws_sched_requeue(r.s, 0, p), WS_OK);
    p = ws_sched_next(r.s, 0, true);
    cr_assert_eq(p->id, 0, "after a preemption, the oldest");
    rig_close(&r);
}

Test(placement, children_inherit_affinity_and_wakes_follow_the_rule)
{
    struct rig r;
    rig_open(&r, "p=4", "random", NULL);
    struct ws_proc parent, child;
    ws_proc_init(&parent, 1);
    ws_proc_init(&child, 2);
    struct ws_cpuset set;
    cr_assert_eq(ws_cpuset_init(&set, 4), WS_OK);
    ws_cpuset_set(&set, 3);
    cr_assert_eq(ws_proc_set_affinity(&parent, WS_AFF_STRICT, &set, -1), WS_OK);
    parent.prio = WS_PRIO_HIGH;
    cr_assert_eq(ws_proc_inherit(&child, &parent), WS_OK);
    cr_assert_eq(child.aff_kind, WS_AFF_STRICT);
    cr_assert_eq(child.prio, WS_PRIO_HIGH);
    uint32_t placed;
    cr_assert_eq(ws_sched_spawn(r.s, 0, &child, &placed), WS_OK);
    cr_assert_eq(placed, 3, "spawned from core 0 but bound to 3");
    cr_assert_eq(r.f.woken[3], 0, "core 3 is awake: no wake needed");
    cr_assert_eq(ws_sched_waiting(r.s, 3), 1, "in core 3's inbox");
    struct ws_proc *p = ws_sched_next(r.s, 3, false);
    cr_assert_eq(p, &child);
    /* Blocked, then woken from core 1 while core 3 sleeps: back to 3, and 3 is woken. */
    ws_sched_set_sleeping(r.s, 3, true);
    cr_assert_eq(ws_sched_wake(r.s, 1, &child, &placed), WS_OK);
    cr_assert_eq(placed, 3);
    cr_assert_eq(r.f.woken[3], 1);
    ws_proc_clear_affinity(&child);
    cr_assert_eq(child.aff_kind, WS_AFF_NONE);
    ws_cpuset_destroy(&set);
    ws_proc_fini(&parent);
    ws_proc_fini(&child);
    rig_close(&r);
}

Test(params, set_by_name_rejects_junk_and_unknown_names)
{
    struct ws_params p;
    char err[200];
    ws_params_defaults(&p);
    cr_assert_eq(p.min_steal_queue, 2);
    cr_assert_eq(p.imbalance_threshold, 2);
    cr_assert_eq(p.steal_retries, 3);
    cr_assert_eq(p.max_migrations, 100);
    cr_assert_eq(ws_params_set(&p, "steal_cooldown_ns", "10k", err, sizeof err), WS_OK);
    cr_assert_eq(p.steal_cooldown_ns, 10000);
    cr_assert_eq(ws_params_set(&p, "steal_amount", "half", err, sizeof err), WS_OK);
    cr_assert_eq(p.steal_amount, WS_STEAL_HALF);
    cr_assert_eq(ws_params_set(&p, "steal_amount", "most", err, sizeof err), WS_EINVAL);
    cr_assert(strstr(err, "one half") != NULL, "%s", err);
    cr_assert_eq(ws_params_set(&p, "min_steal_queue", "-1", err, sizeof err), WS_EINVAL);
    cr_assert_eq(ws_params_set(&p, "bogus", "1", err, sizeof err), WS_EINVAL);
    cr_assert(strstr(err, "bogus") != NULL);
    cr_assert_eq(ws_params_set(&p, "migration_policy", "conservative", err, sizeof err), WS_OK);
    cr_assert_eq(p.migration_factor, 2.0);
    char buf[32];
    size_t i;
    for (i = 0; i < ws_params_count(); i++)
        if (strcmp(ws_params_desc(i)->name, "migration_policy") == 0)
            break;
    cr_assert_str_eq(ws_params_format(&p, i, buf, sizeof buf), "conservative");
}

Test(migrate, a_steal_leaves_the_process_owing_the_cost_and_charges_the_probe)
{
    struct ws_params p;
    ws_params_defaults(&p);
    cr_assert_eq(ws_params_set(&p, "migration_policy", "aggressive", NULL, 0), WS_OK);
    struct rig r;
    rig_open(&r, "p=8,nodes=2,clusters=4", "random", &p);
    put(&r, 4, 6, WS_PRIO_NORMAL);            /* on the other NUMA node */
    for (uint32_t i = 0; i < r.nprocs; i++)
        r.procs[i].wset_bytes = 1 << 20;
    struct ws_proc *q = NULL;
    for (int i = 0; i < 20 && q == NULL; i++)
        q = ws_sched_steal(r.s, 0);
    cr_assert_not_null(q);
    struct ws_mig_cost cost;
    q->migrations = 0;
    ws_migrate_cost(r.s, q, 4, 0, &cost);
    cr_assert_eq((int64_t)q->owed_ns, cost.terms[0] + cost.terms[1] + cost.terms[2] + cost.terms[3]);
    cr_assert_gt(q->owed_ns, 0);
    cr_assert_geq(r.f.charged[0], ws_topo_latency_ns(r.t, 0, 4), "the probe costs latency");
    rig_close(&r);
}

/* Cost-refused idle rounds make the adaptive policy more willing; a fixed policy never gives. */
static int rounds_until_remote_steal(const char *policy)
{
    struct ws_params p;
    ws_params_defaults(&p);
    cr_assert_eq(ws_params_set(&p, "migration_policy", policy, NULL, 0), WS_OK);
    p.steal_cooldown_ns = 0;
    struct rig r;
    rig_open(&r, "p=8,nodes=2,clusters=4", "random", &p);
    put(&r, 4, 3, WS_PRIO_NORMAL);          /* remote from core 0 */
    for (uint32_t i = 0; i < r.nprocs; i++)
        r.procs[i].wset_bytes = 8 << 20, r.procs[i].expected_ns = 1000;
    int rounds = 0;
    for (; rounds < 40; rounds++) {
        if (ws_sched_steal(r.s, 0) != NULL || ws_sched_last_look(r.s, 0) != NULL)
            break;
        r.f.now += 10000;
    }
    cr_assert_gt(ws_sched_core_stats(r.s, 0)->steal_result[WS_STEAL_COST], 0);
    rig_close(&r);
    return rounds;
}

Test(migrate, adaptive_policy_yields_after_cost_refused_idle_rounds)
{
    int adaptive = rounds_until_remote_steal("adaptive");
    cr_assert_gt(adaptive, 0, "the first round is refused on cost");
    cr_assert_lt(adaptive, 40, "adaptive gives in after some idle rounds");
    cr_assert_eq(rounds_until_remote_steal("conservative"), 40, "conservative never does");
}

/* ---- the drivers' API -------------------------------------------------------------------- */

/* A fresh process of r with affinity kind on `set` (strict) or `pref` (preferred). */
static struct ws_proc *proc_with(struct rig *r, enum ws_aff_kind kind, const struct ws_cpuset *set,
                                 int32_t pref)
{
    struct ws_proc *p = &r->procs[r->nprocs];
    ws_proc_init(p, r->nprocs++);
    if (kind != WS_AFF_NONE)
        cr_assert_eq(ws_proc_set_affinity(p, kind, set, pref), WS_OK);
    return p;
}

Test(sched, spawn_stays_is_the_rule_ws_sched_spawn_places_by)
{
    struct rig r;
    rig_open(&r, "p=4", "random", NULL);
    struct ws_cpuset mid;
    cr_assert_eq(ws_cpuset_init(&mid, 4), WS_OK);
    ws_cpuset_set(&mid, 1);
    ws_cpuset_set(&mid, 2);
    const enum ws_aff_kind kinds[] = { WS_AFF_NONE, WS_AFF_STRICT, WS_AFF_PREFERRED };
    uint32_t stayed = 0;
    for (int k = 0; k < 3; k++) {
        for (uint32_t c = 0; c < 4; c++) {
            struct ws_proc *p = proc_with(&r, kinds[k], &mid, kinds[k] == WS_AFF_PREFERRED ? 2 : -1);
            bool stays = ws_sched_spawn_stays(r.s, c, p);
            uint32_t placed = WS_CORE_NONE;
            cr_assert_eq(ws_sched_spawn(r.s, c, p, &placed), WS_OK);
            cr_assert_eq(stays, placed == c, "%s affinity, spawned on %u: stays %d, placed on %u",
                         ws_aff_kind_name(kinds[k]), c, stays, placed);
            stayed += stays;
        }
    }
    cr_assert_eq(stayed, 4 + 2 + 1, "none: every core; strict {1,2}: two; preferred 2: one");
    ws_cpuset_destroy(&mid);
    rig_close(&r);
}

Test(sched, new_steals_counts_each_steal_once_with_its_victim)
{
    struct rig r;
    rig_open(&r, "p=4", "load", NULL);
    put(&r, 1, 8, WS_PRIO_NORMAL);
    uint64_t seen = 0;
    uint32_t victim = 99;
    cr_assert_eq(ws_sched_new_steals(r.s, 0, &seen, &victim), 0);
    cr_assert_eq(victim, 99, "no steal: the victim is left alone");
    cr_assert_not_null(ws_sched_steal(r.s, 0));
    uint64_t n = ws_sched_new_steals(r.s, 0, &seen, &victim);
    cr_assert_geq(n, 1);
    cr_assert_eq(n, steals_out(&r, 1), "every process taken from core 1 is counted");
    cr_assert_eq(victim, 1);
    cr_assert_eq(seen, ws_sched_core_stats(r.s, 0)->steal_items);
    victim = 99;
    cr_assert_eq(ws_sched_new_steals(r.s, 0, &seen, &victim), 0, "counted once");
    cr_assert_eq(victim, 99);
    rig_close(&r);
}

Test(sched, inject_queues_in_the_inbox_and_wakes_nobody)
{
    struct rig r;
    rig_open(&r, "p=4", "random", NULL);
    struct ws_proc *p = proc_with(&r, WS_AFF_NONE, NULL, -1);
    uint32_t placed = WS_CORE_NONE;
    cr_assert_eq(ws_sched_inject(r.s, 2, p, 777, &placed), WS_OK);
    cr_assert_eq(placed, 2);
    cr_assert_eq(p->cur_core, 2);
    cr_assert_eq(p->ready_ns, 777);
    cr_assert_eq(ws_sched_inbox_len(r.s, 2), 1);
    cr_assert_eq(ws_sched_queued(r.s, 2, WS_PRIO_NORMAL), 0, "in the inbox, not the deque");
    cr_assert_eq(ws_sched_waiting(r.s, 2), 1);
    for (uint32_t c = 0; c < 4; c++)
        cr_assert_eq(r.f.woken[c], 0, "the caller wakes the core, not ws_sched_inject");
    cr_assert_eq(ws_sched_next(r.s, 2, false), p, "the owner drains its inbox");
    cr_assert_eq(ws_sched_inbox_len(r.s, 2), 0);
    struct ws_cpuset only3, outside;
    cr_assert_eq(ws_cpuset_init(&only3, 4), WS_OK);
    ws_cpuset_set(&only3, 3);
    struct ws_proc *q = proc_with(&r, WS_AFF_STRICT, &only3, -1);
    cr_assert_eq(ws_sched_inject(r.s, 0, q, 1, &placed), WS_OK);
    cr_assert_eq(placed, 3, "corrected for strict affinity");
    cr_assert_eq(ws_cpuset_init(&outside, 8), WS_OK);
    ws_cpuset_set(&outside, 6);   /* a core this machine lacks */
    struct ws_proc *x = proc_with(&r, WS_AFF_STRICT, &outside, -1);
    placed = 42;
    cr_assert_eq(ws_sched_inject(r.s, 0, x, 1, &placed), WS_EINVAL);
    cr_assert_eq(placed, 42);
    for (uint32_t c = 0; c < 4; c++)
        cr_assert_eq(ws_sched_waiting(r.s, c), c == 3, "nothing queued for the unplaceable one");
    ws_cpuset_destroy(&only3);
    ws_cpuset_destroy(&outside);
    rig_close(&r);
}

Test(sched, wake_for_work_wakes_one_sleeper_when_enough_waits)
{
    struct rig r;
    rig_open(&r, "p=4", "random", NULL);   /* min_steal_queue 2 */
    put(&r, 0, 2, WS_PRIO_NORMAL);         /* nobody sleeps yet: nobody is woken */
    for (uint32_t c = 1; c < 4; c++) {
        ws_sched_set_idle(r.s, c, true);
        ws_sched_set_sleeping(r.s, c, true);
    }
    cr_assert_eq(ws_sched_idle_cores(r.s), 3);
    uint32_t woken[3];
    for (int i = 0; i < 3; i++) {
        /* 0: core 1 has nothing waiting; 1: core 0 has 2; 2: one searcher is already out */
        ws_sched_wake_for_work(r.s, 0, i == 0 ? 1 : 0);
        woken[i] = r.f.woken[1] + r.f.woken[2] + r.f.woken[3];
    }
    cr_assert_eq(woken[0], 0, "no work waits on core 1");
    cr_assert_eq(woken[1], 1, "two wait on core 0: the nearest sleeper is woken");
    cr_assert_eq(woken[2], 1, "one busy core: one searcher at a time");
    cr_assert_not(ws_sched_is_sleeping(r.s, 1), "core 1 is nearest to core 0");
    rig_close(&r);
}
