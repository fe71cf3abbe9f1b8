/* test_balance_beam.c: the periodic balancer (ws_balance.c) on small synthetic machines with a
 * deterministic fake platform: the pass publishes limits and paths and moves nothing, spawns
 * are pushed along a path past the limit, a dry core pulls from its source, compaction
 * concentrates work on the busy cores; and the `beam` strategy's scheduler: its own balancer
 * period, preferred affinity ignored, low priority in the normal queue. */
#include "core/ws_sched.h"
#include "core/ws_victim.h"

#include <criterion/criterion.h>
#include <string.h>

struct bfake {
    uint64_t now;
    uint64_t rng;
};

static uint64_t b_now(void *ctx, uint32_t core)
{
    (void)core;
    return ((struct bfake *)ctx)->now;
}

static uint64_t b_random(void *ctx, uint32_t core)
{
    struct bfake *f = ctx;
    (void)core;
    f->rng ^= f->rng << 13, f->rng ^= f->rng >> 7, f->rng ^= f->rng << 17;
    return f->rng;
}

static void b_charge(void *ctx, uint32_t core, uint64_t ns, enum ws_charge what)
{
    (void)ctx, (void)core, (void)ns, (void)what;
}

static void b_wake(void *ctx, uint32_t waker, uint32_t target)
{
    (void)ctx, (void)waker, (void)target;
}

static const struct ws_platform bplat = { b_now, b_random, b_charge, b_wake, NULL };

struct brig {
    struct bfake f;
    struct ws_topo *t;
    struct ws_sched *s;
    struct ws_proc procs[256];
    uint32_t n;
};

static void brig_open(struct brig *r, const char *strategy, const struct ws_params *p)
{
    struct ws_topo_error err;
    memset(r, 0, sizeof(*r));
    r->f.rng = 0x9E3779B97F4A7C15ull;
    r->f.now = 1000000;
    cr_assert_eq(ws_topo_synth("p=4", &r->t, &err), WS_OK);
    cr_assert_eq(ws_sched_create(r->t, p, strategy, &bplat, &r->f, &r->s), WS_OK);
}

static void brig_close(struct brig *r)
{
    ws_sched_destroy(r->s);
    for (uint32_t i = 0; i < r->n; i++)
        ws_proc_fini(&r->procs[i]);
    ws_topo_destroy(r->t);
}

static struct ws_proc *brig_proc(struct brig *r, enum ws_prio prio)
{
    cr_assert_lt(r->n, 256);
    struct ws_proc *p = &r->procs[r->n];
    ws_proc_init(p, r->n++);
    p->prio = (uint8_t)prio;
    return p;
}

/* Queue n fresh processes on core c (spawned there by c itself). */
static void brig_put(struct brig *r, uint32_t c, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t placed;
        cr_assert_eq(ws_sched_spawn(r->s, c, brig_proc(r, WS_PRIO_NORMAL), &placed), WS_OK);
        cr_assert_eq(placed, c);
    }
}

static uint64_t moves(struct brig *r, uint32_t c)
{
    return ws_sched_core_stats(r->s, c)->balance_moves;
}

static uint64_t migrations_in(struct brig *r, uint32_t c)
{
    uint64_t n = 0;
    for (int d = 0; d < WS_DIST_COUNT; d++)
        n += ws_sched_core_stats(r->s, c)->migrations[d];
    return n;
}

Test(balance, a_pass_publishes_paths_and_moves_nothing)
{
    struct ws_params p;
    ws_params_defaults(&p);
    p.balance_interval_ns = 1000;
    struct brig r;
    brig_open(&r, "ring", &p);
    brig_put(&r, 1, 12);                 /* 12 normal on core 1: limit ceil(12 / 4) = 3 */
    cr_assert(ws_sched_balance(r.s, 0));
    cr_assert_not(ws_sched_balance(r.s, 2), "one pass per period, whichever core asks");
    cr_assert_eq(ws_sched_waiting(r.s, 1), 12, "the pass itself moves nothing");
    uint32_t path = *(const uint32_t *)ws_sched_spawn_path(r.s, 1);
    cr_assert(path == 0 || path == 2 || path == 3, "core 1 emigrates to an under core");
    for (uint32_t c = 0; c < 4; c++)
        if (c != 1)
            cr_assert(ws_sched_spawn_stays(r.s, c, brig_proc(&r, WS_PRIO_NORMAL)),
                      "core %u has no path", c);
    /* Push on enqueue: core 1 is past its limit, so its next spawn goes along the path. */
    uint32_t placed;
    cr_assert_eq(ws_sched_spawn(r.s, 1, brig_proc(&r, WS_PRIO_NORMAL), &placed), WS_OK);
    cr_assert_eq(placed, path);
    cr_assert_eq(moves(&r, 1), 1, "the push is counted as a balance move of the spawner");
    cr_assert_eq(migrations_in(&r, path), 0, "a spawn placed elsewhere is no migration");
    r.f.now += 1000;
    cr_assert(ws_sched_balance(r.s, 3), "due again after the interval");
    brig_close(&r);
}

Test(balance, a_dry_core_pulls_from_its_source)
{
    struct ws_params p;
    ws_params_defaults(&p);
    p.balance_interval_ns = 1000;
    char err[128];
    cr_assert_eq(ws_params_set(&p, "migration_policy", "aggressive", err, sizeof err), WS_OK);
    struct brig r;
    brig_open(&r, "ring", &p);
    brig_put(&r, 1, 12);
    cr_assert(ws_sched_balance(r.s, 1));
    uint32_t to = *(const uint32_t *)ws_sched_spawn_path(r.s, 1);
    struct ws_proc *got = ws_sched_next(r.s, to, false);
    cr_assert_not_null(got, "core %u has nothing of its own but pulls from core 1", to);
    cr_assert_eq(got->cur_core, (int32_t)to);
    cr_assert_eq(ws_sched_waiting(r.s, 1), 11);
    cr_assert_eq(moves(&r, to), 1);
    cr_assert_eq(migrations_in(&r, to), 1, "a pull is a migration");
    cr_assert_eq(ws_sched_core_stats(r.s, to)->steal_items, 0, "and not a steal");
    uint32_t other = to == 0 ? 2 : 0;
    cr_assert_null(ws_sched_next(r.s, other, false), "only the paired core pulls");
    brig_close(&r);
}

Test(balance, without_a_period_nothing_happens)
{
    struct brig r;
    struct ws_params p;
    ws_params_defaults(&p);
    brig_open(&r, "ring", &p);
    brig_put(&r, 1, 12);
    cr_assert_not(ws_sched_balance(r.s, 0), "balance_interval_ns 0: no balancer");
    cr_assert(ws_sched_spawn_stays(r.s, 1, brig_proc(&r, WS_PRIO_NORMAL)));
    brig_close(&r);
}

/* Cores 2 and 3 idle at the pass: with compaction only cores 0 and 1 are active, so core 3's
 * two waiting processes are over its limit of 0 and its spawns leave for an active core;
 * without compaction the six processes over four cores are within the limit of 2. */
static uint32_t compact_case(uint64_t compact)
{
    struct ws_params p;
    ws_params_defaults(&p);
    p.balance_interval_ns = 1000;
    p.balance_compact = compact;
    struct brig r;
    brig_open(&r, "ring", &p);
    brig_put(&r, 0, 2);
    brig_put(&r, 1, 2);
    brig_put(&r, 3, 2);
    ws_sched_set_idle(r.s, 2, true);
    ws_sched_set_idle(r.s, 3, true);
    cr_assert(ws_sched_balance(r.s, 0));
    uint32_t placed = WS_CORE_NONE;
    cr_assert_eq(ws_sched_spawn(r.s, 3, brig_proc(&r, WS_PRIO_NORMAL), &placed), WS_OK);
    brig_close(&r);
    return placed;
}

Test(balance, compaction_concentrates_work_on_the_busy_cores)
{
    cr_assert_eq(compact_case(0), 3, "no compaction: within the limit, the spawn stays");
    uint32_t placed = compact_case(1);
    cr_assert(placed == 0 || placed == 1, "compaction: pushed to an active core, not %u", placed);
}

Test(beam, is_registered_and_balances_by_default)
{
    cr_assert_not_null(ws_victim_find("beam"));
    struct ws_params p;
    ws_params_defaults(&p);   /* balance_interval_ns 0 */
    struct brig r;
    brig_open(&r, "ring", &p);
    cr_assert_not(ws_sched_balance(r.s, 0), "ring: no balancer unless asked for");
    brig_close(&r);
    brig_open(&r, "beam", &p);
    cr_assert(ws_sched_balance(r.s, 0), "beam: its own period");
    r.f.now += 1000 * p.time_slice_ns - 1;
    cr_assert_not(ws_sched_balance(r.s, 0), "not before 1000 time slices");
    r.f.now += 1;
    cr_assert(ws_sched_balance(r.s, 0), "due after 1000 time slices");
    brig_close(&r);
}

/* Where a process with preferred affinity for core 2 spawned by core 0 goes, and whether a
 * low-priority spawn lands in the low or the normal queue. */
static void beam_case(const char *strategy, uint32_t *pref_placed, bool *low_in_normal)
{
    struct brig r;
    struct ws_params p;
    ws_params_defaults(&p);
    brig_open(&r, strategy, &p);
    struct ws_proc *q = brig_proc(&r, WS_PRIO_NORMAL);
    cr_assert_eq(ws_proc_set_affinity(q, WS_AFF_PREFERRED, NULL, 2), WS_OK);
    cr_assert_eq(ws_sched_spawn(r.s, 0, q, pref_placed), WS_OK);
    uint32_t placed;
    cr_assert_eq(ws_sched_spawn(r.s, 1, brig_proc(&r, WS_PRIO_LOW), &placed), WS_OK);
    *low_in_normal = ws_sched_queued(r.s, 1, WS_PRIO_NORMAL) == 1 &&
                     ws_sched_queued(r.s, 1, WS_PRIO_LOW) == 0;
    struct ws_proc *got = ws_sched_next(r.s, 1, false);
    cr_assert_not_null(got);
    cr_assert_eq(got->prio, WS_PRIO_LOW, "picked with its own priority kept");
    brig_close(&r);
}

Test(beam, ignores_preferred_affinity_and_queues_low_with_normal)
{
    uint32_t placed;
    bool shared;
    beam_case("ring", &placed, &shared);
    cr_assert_eq(placed, 2, "ring honours preferred affinity");
    cr_assert_not(shared, "ring keeps a low queue");
    beam_case("beam", &placed, &shared);
    cr_assert_eq(placed, 0, "beam places a preferred process as one without affinity");
    cr_assert(shared, "beam queues low with normal");
}
