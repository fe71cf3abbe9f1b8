/* test_sched_fast.c: the owner's inline fast path into its own Chase-Lev deque
 * (ws_sched_fast_push / ws_sched_fast_take, ws_sched.h): what it pushes is stealable at once
 * and found by the last look, the owner takes the newest back, and ws_sched's own picking and
 * counting see the same deque. */
#include "core/ws_sched.h"

#include "tests/unit/still_platform.h"

#include <criterion/criterion.h>
#include <string.h>

struct rig {
    uint64_t rng;
    struct ws_topo *t;
    struct ws_sched *s;
    struct ws_sched_fast f0;
    struct ws_proc p[8];
};

/* Two identical cores, permissive stealing rules (any waiting process may be taken). */
static void rig_open(struct rig *r)
{
    struct ws_topo_error err;
    struct ws_params prm;
    memset(r, 0, sizeof(*r));
    r->rng = 0x9E3779B97F4A7C15ull;
    ws_params_defaults(&prm);
    prm.min_steal_queue = 1;
    prm.imbalance_threshold = 0;
    cr_assert_eq(ws_topo_synth("synth:p=2", &r->t, &err), WS_OK, "%s", err.message);
    cr_assert_eq(ws_sched_create(r->t, &prm, "random", &plat, &r->rng, &r->s), WS_OK);
    ws_sched_fast_init(r->s, 0, &r->f0);
    for (uint32_t i = 0; i < 8; i++)
        ws_proc_init(&r->p[i], i);
    ws_sched_set_idle(r->s, 1, true);
}

static void rig_close(struct rig *r)
{
    for (uint32_t i = 0; i < 8; i++)
        ws_proc_fini(&r->p[i]);
    ws_sched_destroy(r->s);
    ws_topo_destroy(r->t);
}

Test(sched_fast, pushed_work_is_stolen_oldest_first_and_taken_newest_first)
{
    struct rig r;
    rig_open(&r);
    for (uint32_t i = 0; i < 3; i++)
        cr_assert_eq(ws_sched_fast_push(&r.f0, 0, &r.p[i]), WS_OK);
    cr_assert_eq(ws_sched_waiting(r.s, 0), 3, "fast pushes are queued where ws_sched sees them");
    cr_assert_eq(ws_sched_queued(r.s, 0, WS_PRIO_NORMAL), 3);
    cr_assert_eq(r.p[2].cur_core, 0);
    cr_assert_eq(ws_sched_steal(r.s, 1), &r.p[0], "a thief takes the oldest at once");
    cr_assert_eq(ws_sched_fast_take(&r.f0), &r.p[2], "the owner takes the newest");
    cr_assert_eq(ws_sched_fast_take(&r.f0), &r.p[1]);
    cr_assert_null(ws_sched_fast_take(&r.f0));
    const struct ws_core_stats *st = ws_sched_core_stats(r.s, 0);
    cr_assert_eq(st->spawns, 3, "each fast push counts as a spawn");
    cr_assert_eq(st->picks[WS_PRIO_NORMAL], 2, "each fast take counts as a normal pick");
    cr_assert_eq(atomic_load(&st->steals_out), 1);
    rig_close(&r);
}

Test(sched_fast, last_look_finds_a_push_after_the_owner_cleared_its_work_bit)
{
    struct rig r;
    rig_open(&r);
    cr_assert_null(ws_sched_next(r.s, 0, false), "empty: the owner clears its work bit");
    cr_assert_null(ws_sched_last_look(r.s, 1), "nothing anywhere");
    cr_assert_eq(ws_sched_fast_push(&r.f0, 0, &r.p[0]), WS_OK);
    cr_assert_eq(ws_sched_last_look(r.s, 1), &r.p[0],
                 "the push set the work bit again: the last look scans core 0");
    rig_close(&r);
}

Test(sched_fast, ws_sched_next_and_the_fast_take_share_one_deque)
{
    struct rig r;
    rig_open(&r);
    uint32_t placed = WS_CORE_NONE;
    cr_assert_eq(ws_sched_spawn(r.s, 0, &r.p[0], &placed), WS_OK);
    cr_assert_eq(placed, 0);
    cr_assert_eq(ws_sched_fast_push(&r.f0, 0, &r.p[1]), WS_OK);
    cr_assert_eq(ws_sched_next(r.s, 0, false), &r.p[1], "newest first, whoever pushed it");
    cr_assert_eq(ws_sched_fast_take(&r.f0), &r.p[0]);
    cr_assert_eq(ws_sched_fast_push(&r.f0, 0, &r.p[2]), WS_OK);
    cr_assert_eq(ws_sched_fast_push(&r.f0, 0, &r.p[3]), WS_OK);
    cr_assert_eq(ws_sched_next(r.s, 0, true), &r.p[2], "after a preemption: the oldest");
    rig_close(&r);
}
