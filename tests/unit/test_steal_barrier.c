/* test_steal_barrier.c: the steal's barrier in time (ws_sched_set_steal_barrier): a thief that
 * finds a victim worth a steal pays steal_hit_ns (and its victim steal_victim_ns) and stops
 * its round with the steal pending; its next round completes it with whatever the victim
 * still holds, unless the victim's queue moved its top meanwhile (a lost race); work of its
 * own cancels it; the last look pends alike and goes on from the victim after it; a scheduler
 * without the barrier or its costs takes at once. Also the parameter runtime_known. */
#include "core/ws_sched.h"

#include <criterion/criterion.h>
#include <string.h>

#define NPROC 4

/* A platform whose clock moves only when a test sets it and which adds up the charges per
 * core and kind. */
struct rig {
    uint64_t now;
    uint64_t rng;
    uint64_t charged[3][WS_CHARGE_COUNT];
    uint64_t probe;         /* one attempt's cost: core-to-core latency + steal_probe_ns */
    struct ws_topo *t;
    struct ws_sched *s;
    struct ws_proc p[NPROC];
};

static uint64_t r_now(void *ctx, uint32_t core)
{
    (void)core;
    return ((struct rig *)ctx)->now;
}

static uint64_t r_random(void *ctx, uint32_t core)
{
    uint64_t *x = &((struct rig *)ctx)->rng;
    (void)core;
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
    return *x;
}

static void r_charge(void *ctx, uint32_t core, uint64_t ns, enum ws_charge what)
{
    ((struct rig *)ctx)->charged[core][what] += ns;
}

static void r_wake(void *ctx, uint32_t waker, uint32_t target)
{
    (void)ctx, (void)waker, (void)target;
}

static const struct ws_platform rplat = { r_now, r_random, r_charge, r_wake, NULL };

#define HIT 20000u
#define VICTIM 9000u
#define PROBE_NS 20u  /* steal_probe_ns */

/* Two cores, steal_hit_ns HIT and steal_victim_ns VICTIM (hit, victim: whether to set them),
 * the barrier on or off; nprocs processes spawned on core 0, p[0] first. */
static void rig_open(struct rig *r, bool barrier, bool costs, uint32_t nprocs)
{
    struct ws_topo_error err;
    struct ws_params prm;
    memset(r, 0, sizeof(*r));
    r->now = 1000000;
    r->rng = 0x9E3779B97F4A7C15ull;
    ws_params_defaults(&prm);
    prm.steal_probe_ns = PROBE_NS;
    prm.steal_hit_ns = costs ? HIT : 0;
    prm.steal_victim_ns = costs ? VICTIM : 0;
    cr_assert_eq(ws_topo_synth("synth:p=2", &r->t, &err), WS_OK, "%s", err.message);
    r->probe = ws_topo_latency_ns(r->t, 1, 0) + PROBE_NS;
    cr_assert_eq(ws_sched_create(r->t, &prm, "random", &rplat, r, &r->s), WS_OK);
    ws_sched_set_steal_barrier(r->s, barrier);
    for (uint32_t i = 0; i < NPROC; i++)
        ws_proc_init(&r->p[i], i);
    for (uint32_t i = 0; i < nprocs; i++) {
        uint32_t placed = WS_CORE_NONE;
        cr_assert_eq(ws_sched_spawn(r->s, 0, &r->p[i], &placed), WS_OK);
        cr_assert_eq(placed, 0);
    }
}

static void rig_close(struct rig *r)
{
    for (uint32_t i = 0; i < NPROC; i++)
        ws_proc_fini(&r->p[i]);
    ws_sched_destroy(r->s);
    ws_topo_destroy(r->t);
}

static uint64_t thief_paid(const struct rig *r)
{
    return r->charged[1][WS_CHARGE_STEAL_PROBE];
}

static uint64_t victim_paid(const struct rig *r)
{
    return r->charged[0][WS_CHARGE_STEAL_VICTIM];
}

static const struct ws_core_stats *thief_stats(const struct rig *r)
{
    return ws_sched_core_stats(r->s, 1);
}

Test(steal_barrier, off_the_steal_takes_at_once_and_pays_after)
{
    struct rig r;
    rig_open(&r, false, true, NPROC);
    struct ws_proc *got = ws_sched_steal(r.s, 1);
    cr_assert_eq(got, &r.p[0], "the victim's oldest process, at once");
    cr_assert(!ws_sched_steal_pending(r.s, 1));
    cr_assert_eq(thief_paid(&r), r.probe + HIT);
    cr_assert_eq(victim_paid(&r), VICTIM);
    cr_assert_eq(thief_stats(&r)->steal_items, 1);
    rig_close(&r);
}

Test(steal_barrier, on_the_steal_pends_then_completes_with_the_oldest)
{
    struct rig r;
    rig_open(&r, true, true, NPROC);
    cr_assert_null(ws_sched_steal(r.s, 1), "the round stops at the barrier");
    cr_assert(ws_sched_steal_pending(r.s, 1));
    cr_assert_eq(thief_paid(&r), r.probe + HIT, "the barrier is paid before anything is taken");
    cr_assert_eq(victim_paid(&r), VICTIM, "and interrupts the victim at once");
    cr_assert_eq(thief_stats(&r)->steal_items, 0);
    uint64_t attempts = 0;
    for (int i = 0; i < WS_STEAL_RESULT_COUNT; i++)
        attempts += thief_stats(&r)->steal_result[i];
    cr_assert_eq(attempts, 0, "a pending steal is not an attempt yet");
    struct ws_proc *got = ws_sched_steal(r.s, 1);
    cr_assert_eq(got, &r.p[0], "completed: the victim's oldest");
    cr_assert(!ws_sched_steal_pending(r.s, 1));
    cr_assert_eq(thief_paid(&r), r.probe + HIT, "the completion pays nothing more");
    cr_assert_eq(victim_paid(&r), VICTIM);
    cr_assert_eq(thief_stats(&r)->steal_result[WS_STEAL_OK], 1);
    cr_assert_eq(thief_stats(&r)->steal_items, 1);
    cr_assert_eq(got->cur_core, 1);
    rig_close(&r);
}

Test(steal_barrier, the_victim_takes_its_work_back_during_the_barrier)
{
    struct rig r;
    rig_open(&r, true, true, 2);   /* 2 waiting: min_steal_queue's default */
    cr_assert_null(ws_sched_steal(r.s, 1));
    cr_assert(ws_sched_steal_pending(r.s, 1));
    cr_assert_not_null(ws_sched_next(r.s, 0, false));
    cr_assert_not_null(ws_sched_next(r.s, 0, false));
    cr_assert_null(ws_sched_steal(r.s, 1), "nothing is left to take");
    cr_assert(!ws_sched_steal_pending(r.s, 1), "and nothing worth a new barrier");
    cr_assert_eq(thief_stats(&r)->steal_items, 0);
    cr_assert_eq(thief_stats(&r)->steal_result[WS_STEAL_LOST_RACE], 1,
                 "the completion lost its race: taking the last item moved top, and natively "
                 "the thief's CAS needs the top it read before the barrier");
    cr_assert_eq(thief_stats(&r)->steal_result[WS_STEAL_EMPTY], 2,
                 "the round's two other attempts found nothing");
    cr_assert_eq(thief_paid(&r), r.probe + HIT + 2 * r.probe,
                 "the barrier was paid all the same, and the round went on from its second "
                 "attempt (steal_retries 3), each probe paid once");
    rig_close(&r);
}

Test(steal_barrier, a_victim_that_emptied_its_queue_and_pushed_again_wins_the_race)
{
    struct rig r;
    rig_open(&r, true, true, 2);
    cr_assert_null(ws_sched_steal(r.s, 1));
    cr_assert_not_null(ws_sched_next(r.s, 0, false));
    cr_assert_not_null(ws_sched_next(r.s, 0, false));
    for (uint32_t i = 2; i < NPROC; i++) {   /* the victim spawns again: two waiting */
        uint32_t placed = WS_CORE_NONE;
        cr_assert_eq(ws_sched_spawn(r.s, 0, &r.p[i], &placed), WS_OK);
    }
    cr_assert_eq(ws_sched_queued(r.s, 0, WS_PRIO_NORMAL), 2);
    cr_assert_null(ws_sched_steal(r.s, 1), "work is there, but top moved meanwhile");
    cr_assert_eq(thief_stats(&r)->steal_result[WS_STEAL_LOST_RACE], 1);
    cr_assert(ws_sched_steal_pending(r.s, 1),
              "the round goes on: its next attempt finds the new work worth a new barrier");
    cr_assert_eq(ws_sched_steal(r.s, 1), &r.p[2], "which then completes with the oldest");
    cr_assert_eq(thief_paid(&r), 2 * (r.probe + HIT));
    cr_assert_eq(victim_paid(&r), 2 * VICTIM);
    rig_close(&r);
}

Test(steal_barrier, the_steal_is_dated_when_the_thief_looked)
{
    struct rig r;
    rig_open(&r, true, true, NPROC);
    uint64_t looked = r.now;
    cr_assert_null(ws_sched_steal(r.s, 1));
    r.now = looked + HIT;   /* the barrier is over */
    cr_assert_eq(ws_sched_steal(r.s, 1), &r.p[0]);
    r.now = looked + HIT + 1000;   /* 1 us after the completion, 21 us after the look */
    cr_assert_null(ws_sched_steal(r.s, 1));
    cr_assert_eq(thief_stats(&r)->steal_result[WS_STEAL_COOLDOWN], 0,
                 "steal_cooldown_ns (4 us) counts from the look, as natively, where the "
                 "thief's clock is read before the membarrier");
    cr_assert(ws_sched_steal_pending(r.s, 1), "v is worth a new steal at once");
    rig_close(&r);
}

Test(steal_barrier, a_single_process_left_is_taken_without_the_threshold)
{
    struct rig r;
    rig_open(&r, true, true, 2);
    cr_assert_null(ws_sched_steal(r.s, 1));
    struct ws_proc *own = ws_sched_next(r.s, 0, false);
    cr_assert_eq(own, &r.p[1], "the owner takes its newest");
    cr_assert_eq(ws_sched_steal(r.s, 1), &r.p[0],
                 "after the barrier the thief takes what is still there, as natively it "
                 "reads bottom again, not min_steal_queue");
    rig_close(&r);
}

Test(steal_barrier, work_of_its_own_cancels_the_pending_steal)
{
    struct rig r;
    rig_open(&r, true, true, NPROC - 1);
    cr_assert_null(ws_sched_steal(r.s, 1));
    cr_assert(ws_sched_steal_pending(r.s, 1));
    uint32_t placed = WS_CORE_NONE;
    cr_assert_eq(ws_sched_spawn(r.s, 1, &r.p[NPROC - 1], &placed), WS_OK);
    cr_assert_eq(placed, 1);
    cr_assert_eq(ws_sched_next(r.s, 1, false), &r.p[NPROC - 1]);
    cr_assert(!ws_sched_steal_pending(r.s, 1), "own work: the steal is given up");
    cr_assert_eq(ws_sched_queued(r.s, 0, WS_PRIO_NORMAL), NPROC - 1, "the victim keeps its work");
    cr_assert_null(ws_sched_steal(r.s, 1), "a fresh round: a new barrier");
    cr_assert_eq(thief_paid(&r), 2 * (r.probe + HIT));
    rig_close(&r);
}

Test(steal_barrier, without_costs_the_steal_takes_at_once)
{
    struct rig r;
    rig_open(&r, true, false, NPROC);
    cr_assert_eq(ws_sched_steal(r.s, 1), &r.p[0], "no barrier cost: nothing to wait for");
    cr_assert(!ws_sched_steal_pending(r.s, 1));
    rig_close(&r);
    rig_open(&r, true, false, NPROC);
    cr_assert_eq(ws_sched_last_look(r.s, 1), &r.p[0], "nor in the last look");
    rig_close(&r);
}

Test(steal_barrier, the_last_look_pends_like_the_round)
{
    struct rig r;
    rig_open(&r, true, true, NPROC);
    cr_assert_null(ws_sched_last_look(r.s, 1), "natively its steal pays the membarrier too");
    cr_assert(ws_sched_steal_pending(r.s, 1));
    cr_assert(ws_sched_look_pending(r.s, 1));
    cr_assert_eq(thief_paid(&r), r.probe + HIT);
    cr_assert_eq(victim_paid(&r), VICTIM);
    cr_assert_eq(thief_stats(&r)->steal_result[WS_STEAL_OK], 0, "not an attempt yet");
    cr_assert_null(ws_sched_last_look(r.s, 0), "another core's look is its own");
    r.now += HIT;
    cr_assert_eq(ws_sched_last_look(r.s, 1), &r.p[0], "completed: the victim's oldest");
    cr_assert(!ws_sched_steal_pending(r.s, 1));
    cr_assert_eq(thief_stats(&r)->steal_result[WS_STEAL_OK], 1);
    cr_assert_eq(thief_paid(&r), r.probe + HIT, "the completion pays nothing more");
    rig_close(&r);
    rig_open(&r, true, true, NPROC);
    cr_assert_null(ws_sched_last_look(r.s, 1));
    cr_assert_null(ws_sched_steal(r.s, 0), "the round's completion is not the look's");
    cr_assert_eq(ws_sched_steal(r.s, 1), &r.p[0],
                 "a round asked for while the look's steal pends completes the look");
    cr_assert_eq(thief_stats(&r)->steal_result[WS_STEAL_OK], 1);
    rig_close(&r);
    rig_open(&r, true, true, 2);
    cr_assert_null(ws_sched_last_look(r.s, 1));
    cr_assert_not_null(ws_sched_next(r.s, 0, false));
    cr_assert_not_null(ws_sched_next(r.s, 0, false));
    cr_assert_null(ws_sched_last_look(r.s, 1), "the victim took its work back meanwhile");
    cr_assert(!ws_sched_steal_pending(r.s, 1), "and the look has no other core to go on to");
    cr_assert_eq(thief_stats(&r)->steal_result[WS_STEAL_LOST_RACE], 1,
                 "taking its last item moved top: a lost race, as natively");
    rig_close(&r);
}

/* Three cores: the last look of core 0 finds work on 1 and 2 (ids above the thief, in turn). */
Test(steal_barrier, a_look_that_lost_its_race_goes_on_with_the_next_victim)
{
    struct rig r;
    struct ws_topo_error err;
    struct ws_params prm;
    struct ws_proc p[6];
    memset(&r, 0, sizeof(r));
    r.now = 1000000;
    r.rng = 0x9E3779B97F4A7C15ull;
    ws_params_defaults(&prm);
    prm.steal_hit_ns = HIT;
    cr_assert_eq(ws_topo_synth("synth:p=3", &r.t, &err), WS_OK, "%s", err.message);
    cr_assert_eq(ws_sched_create(r.t, &prm, "random", &rplat, &r, &r.s), WS_OK);
    ws_sched_set_steal_barrier(r.s, true);
    const uint32_t on[6] = { 1, 1, 2, 2, 1, 1 };   /* p[4], p[5]: core 1's second batch */
    for (uint32_t i = 0; i < 6; i++) {
        ws_proc_init(&p[i], i);
        uint32_t placed = WS_CORE_NONE;
        if (i < 4)
            cr_assert_eq(ws_sched_spawn(r.s, on[i], &p[i], &placed), WS_OK);
    }
    cr_assert_null(ws_sched_last_look(r.s, 0));
    cr_assert(ws_sched_look_pending(r.s, 0), "pending on core 1, the first above the thief");
    cr_assert_not_null(ws_sched_next(r.s, 1, false));   /* core 1 empties its queue ... */
    cr_assert_not_null(ws_sched_next(r.s, 1, false));
    for (uint32_t i = 4; i < 6; i++) {                  /* ... and spawns again: worth a look */
        uint32_t placed = WS_CORE_NONE;
        cr_assert_eq(ws_sched_spawn(r.s, 1, &p[i], &placed), WS_OK);
    }
    r.now += HIT;
    cr_assert_null(ws_sched_last_look(r.s, 0), "the race on core 1 is lost ...");
    cr_assert_eq(ws_sched_core_stats(r.s, 0)->steal_result[WS_STEAL_LOST_RACE], 1);
    cr_assert(ws_sched_look_pending(r.s, 0), "... and the look goes on to core 2, not back to 1");
    cr_assert_eq(ws_sched_queued(r.s, 1, WS_PRIO_NORMAL), 2);
    r.now += HIT;
    cr_assert_eq(ws_sched_last_look(r.s, 0), &p[2], "core 2's oldest");
    cr_assert_eq(ws_sched_queued(r.s, 1, WS_PRIO_NORMAL), 2, "core 1's new work untouched");
    for (uint32_t i = 0; i < 6; i++)
        ws_proc_fini(&p[i]);
    ws_sched_destroy(r.s);
    ws_topo_destroy(r.t);
}

Test(steal_barrier, runtime_known_defaults_to_1_and_parses)
{
    struct ws_params prm;
    char msg[128];
    ws_params_defaults(&prm);
    cr_assert_eq(prm.runtime_known, 1);
    cr_assert_eq(ws_params_set(&prm, "runtime_known", "0", msg, sizeof msg), WS_OK, "%s", msg);
    cr_assert_eq(prm.runtime_known, 0);
    cr_assert_neq(ws_params_set(&prm, "runtime_known", "2", msg, sizeof msg), WS_OK,
                  "range 0..1");
}
