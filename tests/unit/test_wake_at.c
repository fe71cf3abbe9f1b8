/* test_wake_at.c: when queued work wakes a waiting core. wake_at enqueue wakes a sleeper as the
 * work is queued, wake_at switch only when the queuing core next switches processes
 * (ws_sched_switch, BEAM's wakeup_other between slices); a spinning core is told of work it may
 * steal (min_steal_queue) short of a sleeper's backlog (wake_queue), a sleeping one is not. */
#include "core/ws_sched.h"
#include "tests/unit/still_platform.h"

#include <criterion/criterion.h>
#include <string.h>

struct rig {
    uint64_t rng;
    struct ws_topo *t;
    struct ws_sched *s;
    struct ws_proc procs[4];
    uint32_t n;
};

static void rig_open(struct rig *r, const char *wake_at, uint64_t wake_queue)
{
    struct ws_topo_error err;
    struct ws_params p;
    char e[128];
    memset(r, 0, sizeof(*r));
    r->rng = 0x9E3779B97F4A7C15ull;
    ws_params_defaults(&p);
    cr_assert_eq(ws_params_set(&p, "min_steal_queue", "1", e, sizeof e), 0, "%s", e);
    cr_assert_eq(ws_params_set(&p, "wake_at", wake_at, e, sizeof e), 0, "%s", e);
    p.wake_queue = wake_queue;
    cr_assert_eq(ws_topo_synth("p=2", &r->t, &err), WS_OK, "%s", err.message);
    cr_assert_eq(ws_sched_create(r->t, &p, "random", &plat, &r->rng, &r->s), WS_OK);
    ws_sched_set_idle(r->s, 1, true);
    ws_sched_set_sleeping(r->s, 1, true);   /* core 1 waits; core 0 runs */
}

static void rig_close(struct rig *r)
{
    for (uint32_t i = 0; i < r->n; i++)
        ws_proc_fini(&r->procs[i]);
    ws_sched_destroy(r->s);
    ws_topo_destroy(r->t);
}

static void spawn_on_0(struct rig *r)
{
    struct ws_proc *p = &r->procs[r->n];
    ws_proc_init(p, r->n++);
    uint32_t placed;
    cr_assert_eq(ws_sched_spawn(r->s, 0, p, &placed), WS_OK);
    cr_assert_eq(placed, 0);
}

Test(wake_at, enqueue_wakes_the_sleeper_as_the_work_is_queued)
{
    struct rig r;
    rig_open(&r, "enqueue", 0);
    spawn_on_0(&r);
    cr_assert(!ws_sched_is_sleeping(r.s, 1), "one waiting process (min_steal_queue 1) woke it");
    rig_close(&r);
}

Test(wake_at, switch_wakes_the_sleeper_at_the_queuing_cores_next_switch)
{
    struct rig r;
    rig_open(&r, "switch", 0);
    spawn_on_0(&r);
    spawn_on_0(&r);
    cr_assert(ws_sched_is_sleeping(r.s, 1), "woken while core 0's process still runs");
    ws_sched_switch(r.s, 1);   /* another core's switch: not the one that queued */
    cr_assert(ws_sched_is_sleeping(r.s, 1));
    ws_sched_switch(r.s, 0);
    cr_assert(!ws_sched_is_sleeping(r.s, 1), "core 0 switched and its work woke nobody");
    cr_assert(!ws_sched_told(r.s, 1), "a sleeper is woken, not told");
    rig_close(&r);
}

Test(wake_at, a_spinning_core_is_told_of_work_short_of_a_backlog_a_sleeper_is_not)
{
    struct rig r;
    rig_open(&r, "enqueue", 2);   /* sleepers wait for 2 waiting processes, as BEAM's */
    spawn_on_0(&r);
    cr_assert(ws_sched_is_sleeping(r.s, 1), "a sleeper was woken for one waiting process");
    /* Core 0 takes it back and queues another, now with core 1 spinning. */
    cr_assert_not_null(ws_sched_next(r.s, 0, false));
    ws_sched_set_spinning(r.s, 1, true);
    spawn_on_0(&r);
    cr_assert(!ws_sched_is_sleeping(r.s, 1), "the spinning core was not told of one waiting");
    cr_assert(ws_sched_told(r.s, 1), "told, short of a backlog");
    cr_assert(!ws_sched_told(r.s, 1), "the flag is taken by the first look");
    ws_sched_set_spinning(r.s, 1, false);
    rig_close(&r);
}
