/* test_pick_order.c: the parameter pick_order: a core's owner takes its newest waiting process
 * (lifo, the default) or its oldest (fifo, BEAM's run queues), through ws_sched_next and the
 * inline fast take alike; work placed from another core (the inbox) queues behind what waits;
 * the parameter's parsing. */
#include "core/ws_sched.h"

#include "tests/unit/still_platform.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#define NPROC 6

struct rig {
    uint64_t rng;
    struct ws_topo *t;
    struct ws_sched *s;
    struct ws_proc p[NPROC];
};

/* Two cores, the given pick order, no stealing (steal_retries 0): what core 0 runs is only
 * what was placed on it. */
static void rig_open(struct rig *r, const char *order)
{
    struct ws_topo_error err;
    struct ws_params prm;
    char msg[128];
    memset(r, 0, sizeof(*r));
    r->rng = 0x9E3779B97F4A7C15ull;
    ws_params_defaults(&prm);
    prm.steal_retries = 0;
    if (order != NULL)
        cr_assert_eq(ws_params_set(&prm, "pick_order", order, msg, sizeof msg), WS_OK, "%s", msg);
    cr_assert_eq(ws_topo_synth("synth:p=2", &r->t, &err), WS_OK, "%s", err.message);
    cr_assert_eq(ws_sched_create(r->t, &prm, "random", &plat, &r->rng, &r->s), WS_OK);
    for (uint32_t i = 0; i < NPROC; i++)
        ws_proc_init(&r->p[i], i);
}

static void rig_close(struct rig *r)
{
    for (uint32_t i = 0; i < NPROC; i++)
        ws_proc_fini(&r->p[i]);
    ws_sched_destroy(r->s);
    ws_topo_destroy(r->t);
}

/* Spawn p[0..n) on core 0 (by code running there), in that order. */
static void spawn_all(struct rig *r, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t placed = WS_CORE_NONE;
        cr_assert_eq(ws_sched_spawn(r->s, 0, &r->p[i], &placed), WS_OK);
        cr_assert_eq(placed, 0);
    }
}

/* The ids of the next n picks of core 0 (after_preempt false), as "a,b,c". */
static void picks(struct rig *r, uint32_t n, char *out, size_t len)
{
    size_t k = 0;
    out[0] = '\0';
    for (uint32_t i = 0; i < n && k < len; i++) {
        struct ws_proc *p = ws_sched_next(r->s, 0, false);
        k += (size_t)snprintf(out + k, len - k, "%s%lld", i ? "," : "",
                              p != NULL ? (long long)p->id : -1LL);
    }
}

Test(pick_order, lifo_takes_the_newest_and_is_the_default)
{
    char got[64];
    for (int explicit_lifo = 0; explicit_lifo < 2; explicit_lifo++) {
        struct rig r;
        rig_open(&r, explicit_lifo ? "lifo" : NULL);
        spawn_all(&r, NPROC);
        picks(&r, NPROC + 1, got, sizeof got);
        cr_assert_str_eq(got, "5,4,3,2,1,0,-1", "%s: newest first, then nothing",
                         explicit_lifo ? "lifo" : "the default");
        cr_assert_eq(ws_sched_core_stats(r.s, 0)->picks[WS_PRIO_NORMAL], NPROC);
        rig_close(&r);
    }
}

Test(pick_order, fifo_takes_the_oldest)
{
    struct rig r;
    char got[64];
    rig_open(&r, "fifo");
    spawn_all(&r, NPROC);
    picks(&r, NPROC + 1, got, sizeof got);
    cr_assert_str_eq(got, "0,1,2,3,4,5,-1", "oldest first, then nothing");
    cr_assert_eq(ws_sched_core_stats(r.s, 0)->picks[WS_PRIO_NORMAL], NPROC);
    cr_assert_eq(ws_sched_waiting(r.s, 0), 0);
    rig_close(&r);
}

/* Processes made runnable while others run join the tail: fifo is a queue, not a stack. */
Test(pick_order, fifo_interleaved_with_pushes_is_a_queue)
{
    struct rig r;
    rig_open(&r, "fifo");
    spawn_all(&r, 2);
    cr_assert_eq(ws_sched_next(r.s, 0, false), &r.p[0]);
    cr_assert_eq(ws_sched_requeue(r.s, 0, &r.p[0]), WS_OK);   /* back to the tail */
    uint32_t placed;
    cr_assert_eq(ws_sched_spawn(r.s, 0, &r.p[2], &placed), WS_OK);
    cr_assert_eq(ws_sched_next(r.s, 0, false), &r.p[1]);
    cr_assert_eq(ws_sched_next(r.s, 0, false), &r.p[0]);
    cr_assert_eq(ws_sched_next(r.s, 0, false), &r.p[2]);
    cr_assert_null(ws_sched_next(r.s, 0, false));
    rig_close(&r);
}

/* Lifo after a preemption already takes the oldest (the essay in ws_sched.h); unchanged. */
Test(pick_order, lifo_after_preemption_takes_the_oldest)
{
    struct rig r;
    rig_open(&r, "lifo");
    spawn_all(&r, 3);
    cr_assert_eq(ws_sched_next(r.s, 0, true), &r.p[0]);
    cr_assert_eq(ws_sched_next(r.s, 0, false), &r.p[2]);
    rig_close(&r);
}

/* A wake-up by another core lands in core 0's inbox; under fifo it runs after what already
 * waits in core 0's deque, under lifo before it. */
Test(pick_order, inbox_work_queues_behind_under_fifo)
{
    const char *orders[2] = { "fifo", "lifo" };
    const char *want[2] = { "0,1,2", "2,1,0" };
    for (int i = 0; i < 2; i++) {
        struct rig r;
        char got[64];
        rig_open(&r, orders[i]);
        spawn_all(&r, 2);
        r.p[2].cur_core = 0;   /* it last ran on core 0: BEAM's wake placement sends it there */
        uint32_t placed = WS_CORE_NONE;
        cr_assert_eq(ws_sched_wake(r.s, 1, &r.p[2], &placed), WS_OK);
        cr_assert_eq(placed, 0);
        cr_assert_eq(ws_sched_inbox_len(r.s, 0), 1);
        picks(&r, 3, got, sizeof got);
        cr_assert_str_eq(got, want[i], "%s", orders[i]);
        rig_close(&r);
    }
}

/* The owner's inline fast take honours the order too (a native worker's fast path). */
Test(pick_order, fast_take_follows_the_order)
{
    const char *orders[2] = { "fifo", "lifo" };
    const uint64_t first[2] = { 0, NPROC - 1 }, second[2] = { 1, NPROC - 2 };
    for (int i = 0; i < 2; i++) {
        struct rig r;
        struct ws_sched_fast f;
        rig_open(&r, orders[i]);
        ws_sched_fast_init(r.s, 0, &f);
        cr_assert_eq(f.oldest, i == 0);
        for (uint32_t k = 0; k < NPROC; k++)
            cr_assert_eq(ws_sched_fast_push(&f, 0, &r.p[k]), WS_OK);
        struct ws_proc *a = ws_sched_fast_take(&f), *b = ws_sched_fast_take(&f);
        cr_assert(a != NULL && b != NULL);
        cr_assert_eq(a->id, first[i], "%s: first take %llu", orders[i],
                     (unsigned long long)a->id);
        cr_assert_eq(b->id, second[i], "%s: second take %llu", orders[i],
                     (unsigned long long)b->id);
        cr_assert_eq(ws_sched_core_stats(r.s, 0)->picks[WS_PRIO_NORMAL], 2);
        for (uint32_t k = 2; k < NPROC; k++)
            cr_assert_not_null(ws_sched_fast_take(&f));
        cr_assert_null(ws_sched_fast_take(&f), "%s: empty", orders[i]);
        rig_close(&r);
    }
}

Test(pick_order, parameter_parses_and_refuses)
{
    struct ws_params p;
    char err[160], buf[16];
    ws_params_defaults(&p);
    cr_assert_eq(p.pick_order, WS_PICK_LIFO);
    const struct ws_param_desc *d = ws_params_find("pick_order");
    cr_assert_not_null(d);
    size_t i = (size_t)(d - ws_params_desc(0));
    cr_assert_str_eq(ws_params_format(&p, i, buf, sizeof buf), "lifo");
    cr_assert_str_eq(ws_params_range_text(d, buf, sizeof buf), "lifo|fifo");
    cr_assert_eq(ws_params_set(&p, "pick_order", "fifo", err, sizeof err), WS_OK);
    cr_assert_eq(p.pick_order, WS_PICK_FIFO);
    cr_assert_str_eq(ws_params_format(&p, i, buf, sizeof buf), "fifo");
    cr_assert_eq(ws_params_set(&p, "pick_order", "oldest", err, sizeof err), WS_EINVAL);
    cr_assert_str_eq(err, "parameter pick_order wants one of lifo fifo, not 'oldest'");
    cr_assert_eq(p.pick_order, WS_PICK_FIFO, "a refused value leaves the parameter unchanged");
    cr_assert_eq(ws_params_set(&p, "pick_order", "", err, sizeof err), WS_EINVAL);
}
