/* test_sched_summary.c: the 64-ary summaries over the sleeping and spare bitmaps on thousands
 * of cores. A wake-up finds the nearest sleeper (its cluster first, then upwards from its word,
 * wrapping around) through the sleeping summary, also after the summary bit of a word went stale
 * and was cleared by a reader; ring's walk and load's scan find their victims through the spare
 * summary, skipping the cores that hold too little to spare. A priority's deques are read
 * once a process of that priority was first queued. */
#include "core/ws_sched.h"

#include <criterion/criterion.h>
#include <string.h>

#define NPROCS 32

struct plat_ctx {
    uint64_t rng;
    uint32_t woken;   /* target of the latest wake-up, UINT32_MAX if none */
};

static uint64_t s_now(void *ctx, uint32_t core)
{
    (void)ctx, (void)core;
    return 1000000;
}

static uint64_t s_random(void *ctx, uint32_t core)
{
    struct plat_ctx *x = ctx;
    (void)core;
    x->rng ^= x->rng << 13, x->rng ^= x->rng >> 7, x->rng ^= x->rng << 17;
    return x->rng;
}

static void s_charge(void *ctx, uint32_t core, uint64_t ns, enum ws_charge what)
{
    (void)ctx, (void)core, (void)ns, (void)what;
}

static void s_wake(void *ctx, uint32_t waker, uint32_t target)
{
    (void)waker;
    ((struct plat_ctx *)ctx)->woken = target;
}

static const struct ws_platform plat = { s_now, s_random, s_charge, s_wake, NULL };

struct machine {
    struct plat_ctx ctx;
    struct ws_topo *t;
    struct ws_sched *s;
    struct ws_proc procs[NPROCS];
    uint32_t n;
};

static void open_machine(struct machine *m, const char *synth, const char *strategy)
{
    struct ws_topo_error err;
    struct ws_params p;
    memset(m, 0, sizeof(*m));
    m->ctx.rng = 0x9E3779B97F4A7C15ull;
    m->ctx.woken = UINT32_MAX;
    ws_params_defaults(&p);
    p.steal_cooldown_ns = 0;
    cr_assert_eq(ws_topo_synth(synth, &m->t, &err), WS_OK, "%s: %s", synth, err.message);
    cr_assert_eq(ws_sched_create(m->t, &p, strategy, &plat, &m->ctx, &m->s), WS_OK);
}

static void close_machine(struct machine *m)
{
    for (uint32_t i = 0; i < m->n; i++)
        ws_proc_fini(&m->procs[i]);
    ws_sched_destroy(m->s);
    ws_topo_destroy(m->t);
}

/* Queue k processes on core c (they stay there). */
static void queue_on(struct machine *m, uint32_t c, uint32_t k)
{
    for (uint32_t i = 0; i < k; i++) {
        cr_assert_lt(m->n, NPROCS);
        struct ws_proc *p = &m->procs[m->n];
        ws_proc_init(p, m->n++);
        cr_assert_eq(ws_sched_requeue(m->s, c, p), WS_OK);
    }
}

/* The core a wake-up for work on `near` reaches (enough is queued there to steal), or
 * UINT32_MAX when none sleeps. (The woken cores stay searchers: a handful, far below the
 * throttle of half the busy cores.) */
static uint32_t wake_near(struct machine *m, uint32_t near)
{
    m->ctx.woken = UINT32_MAX;
    ws_sched_wake_for_work(m->s, near, near);
    return m->ctx.woken;
}

Test(sched_summary, wake_up_goes_to_the_cluster_then_upwards_wrapping_around)
{
    struct machine m;
    open_machine(&m, "p=4096,clusters=64", "random");   /* clusters of 64: cores 64i..64i+63 */
    queue_on(&m, 2000, 2);
    ws_sched_set_sleeping(m.s, 100, true);
    ws_sched_set_sleeping(m.s, 2047, true);   /* 2000's cluster: 1984..2047 */
    ws_sched_set_sleeping(m.s, 2100, true);
    ws_sched_set_sleeping(m.s, 4095, true);
    cr_assert_eq(wake_near(&m, 2000), 2047, "the sleeper of the waker's cluster first");
    cr_assert_eq(wake_near(&m, 2000), 2100, "then the next one upwards");
    cr_assert_eq(wake_near(&m, 2000), 4095);
    cr_assert_eq(wake_near(&m, 2000), 100, "then from core 0, wrapping around");
    cr_assert_eq(wake_near(&m, 2000), UINT32_MAX, "nobody sleeps any more");
    cr_assert(!ws_sched_is_sleeping(m.s, 100));
    close_machine(&m);
}

Test(sched_summary, sleeper_in_a_word_emptied_before_is_still_found)
{
    struct machine m;
    open_machine(&m, "p=4096", "random");
    queue_on(&m, 5, 2);
    ws_sched_set_sleeping(m.s, 3000, true);
    cr_assert_eq(wake_near(&m, 5), 3000);   /* word 46 is empty now; its summary bit is stale */
    ws_sched_set_sleeping(m.s, 3001, true); /* the same word again, summary bit still set */
    cr_assert_eq(wake_near(&m, 5), 3001);
    cr_assert_eq(wake_near(&m, 5), UINT32_MAX);   /* a reader clears the stale summary bit */
    ws_sched_set_sleeping(m.s, 3002, true); /* ... so this sleeper must set it again */
    cr_assert_eq(wake_near(&m, 5), 3002);
    ws_sched_set_sleeping(m.s, 4, true);    /* the waker's own word, below it */
    ws_sched_set_sleeping(m.s, 5, true);    /* the core with the work itself is skipped */
    cr_assert_eq(wake_near(&m, 5), 4);
    close_machine(&m);
}

Test(sched_summary, ring_walks_upwards_from_the_thief_over_cores_with_spare_work)
{
    struct machine m;
    open_machine(&m, "p=4096", "ring");
    queue_on(&m, 1000, 1);   /* one waiting: nothing to spare */
    queue_on(&m, 3000, 3);
    queue_on(&m, 200, 3);
    struct ws_proc *p = ws_sched_steal(m.s, 2500);
    cr_assert_not_null(p);
    cr_assert_eq(p->cur_core, 2500);
    cr_assert_eq(ws_sched_queued(m.s, 3000, WS_PRIO_NORMAL), 2, "3000 is next above 2500");
    p = ws_sched_steal(m.s, 3500);   /* above 3500: nothing; wraps around to 200 */
    cr_assert_not_null(p);
    cr_assert_eq(ws_sched_queued(m.s, 200, WS_PRIO_NORMAL), 2);
    cr_assert_eq(ws_sched_queued(m.s, 1000, WS_PRIO_NORMAL), 1, "a thin core is never a victim");
    close_machine(&m);
}

Test(sched_summary, load_takes_from_the_busiest_core_among_thousands)
{
    struct machine m;
    open_machine(&m, "p=4096", "load");
    queue_on(&m, 64, 3);
    queue_on(&m, 4000, 5);
    queue_on(&m, 2048, 4);
    struct ws_proc *p = ws_sched_steal(m.s, 7);
    cr_assert_not_null(p);
    cr_assert_eq(ws_sched_queued(m.s, 4000, WS_PRIO_NORMAL), 4, "4000 had the most");
    p = ws_sched_steal(m.s, 7);   /* 4000 and 2048 tie at 4: the lower id */
    cr_assert_not_null(p);
    cr_assert_eq(ws_sched_queued(m.s, 2048, WS_PRIO_NORMAL), 3);
    close_machine(&m);
}

Test(sched_summary, a_priority_first_queued_late_is_counted_picked_and_stolen)
{
    struct machine m;
    open_machine(&m, "p=2048", "random");
    queue_on(&m, 9, 2);   /* normal processes only so far */
    cr_assert_eq(ws_sched_waiting(m.s, 9), 2);
    struct ws_proc *hi = &m.procs[m.n];
    ws_proc_init(hi, m.n++);
    hi->prio = WS_PRIO_MAX;
    cr_assert_eq(ws_sched_requeue(m.s, 9, hi), WS_OK);   /* the first max-priority process */
    cr_assert_eq(ws_sched_waiting(m.s, 9), 3);
    cr_assert_eq(ws_sched_load(m.s, 9), 4 + 2 * 2, "weights 4 (max) and 2 (normal)");
    cr_assert_eq(ws_sched_next(m.s, 9, false), hi, "max before normal");
    struct ws_proc *low = &m.procs[m.n];
    ws_proc_init(low, m.n++);
    low->prio = WS_PRIO_LOW;
    uint32_t placed;
    cr_assert_eq(ws_sched_inject(m.s, 1500, low, 1000000, &placed), WS_OK);
    queue_on(&m, 1500, 2);
    cr_assert_not_null(ws_sched_next(m.s, 1500, false));   /* drains the inbox: low queued */
    cr_assert_eq(ws_sched_queued(m.s, 1500, WS_PRIO_LOW), 1);
    struct ws_proc *p = ws_sched_last_look(m.s, 3);   /* 9 has 2 normal, 1500 1 normal 1 low */
    cr_assert_not_null(p);
    p = ws_sched_last_look(m.s, 1000);
    cr_assert_not_null(p, "1500's low process counts: 2 waiting, enough to steal from");
    close_machine(&m);
}
