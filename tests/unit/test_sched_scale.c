/* test_sched_scale.c: the scheduler's structures for thousands of cores: deques allocated at a
 * core's first use, and the spare bitmap the last look scans (a superset of the cores with
 * min_steal_queue waiting processes, so the last look finds the same victims in the same order
 * while skipping the busy cores that have nothing to spare). */
#include "core/ws_alloc.h"
#include "core/ws_sched.h"
#include "core/ws_victim.h"
#include "tests/unit/still_platform.h"

#include <criterion/criterion.h>
#include <string.h>

#define NPROCS 256

struct big {
    uint64_t rng;
    struct ws_topo *t;
    struct ws_sched *s;
    struct ws_proc procs[NPROCS];
    uint32_t n;
    uint64_t sched_allocs;   /* allocations made by ws_sched_create */
};

static void big_open_as(struct big *b, const char *synth, const char *strategy)
{
    struct ws_topo_error err;
    struct ws_params p;
    memset(b, 0, sizeof(*b));
    b->rng = 0x9E3779B97F4A7C15ull;
    ws_params_defaults(&p);
    p.steal_cooldown_ns = 0;
    cr_assert_eq(ws_topo_synth(synth, &b->t, &err), WS_OK, "%s: %s", synth, err.message);
    uint64_t before = ws_alloc_count();
    cr_assert_eq(ws_sched_create(b->t, &p, strategy, &plat, &b->rng, &b->s), WS_OK);
    b->sched_allocs = ws_alloc_count() - before;
}

static void big_open(struct big *b, const char *synth)
{
    big_open_as(b, synth, "random");
}

static void big_close(struct big *b)
{
    for (uint32_t i = 0; i < b->n; i++)
        ws_proc_fini(&b->procs[i]);
    ws_sched_destroy(b->s);
    ws_topo_destroy(b->t);
}

/* Spawn k processes on core c (they queue on c). */
static void spawn_on(struct big *b, uint32_t c, uint32_t k)
{
    for (uint32_t i = 0; i < k; i++) {
        cr_assert_lt(b->n, NPROCS);
        struct ws_proc *p = &b->procs[b->n];
        ws_proc_init(p, b->n++);
        uint32_t placed;
        cr_assert_eq(ws_sched_spawn(b->s, c, p, &placed), WS_OK);
        cr_assert_eq(placed, c);
    }
}

static uint64_t empty_looks(const struct big *b, uint32_t thief)
{
    const struct ws_core_stats *st = ws_sched_core_stats(b->s, thief);
    return st->steal_result[WS_STEAL_EMPTY] + st->steal_result[WS_STEAL_THRESHOLD];
}

Test(sched_scale, deques_get_buffers_at_a_cores_first_use_only)
{
    struct big b;
    big_open(&b, "p=4096");
    /* A fixed number of arrays, not one buffer per deque (16,384 of them). */
    cr_assert_lt(b.sched_allocs, 16, "creating a 4,096-core scheduler made %llu allocations",
                 (unsigned long long)b.sched_allocs);
    cr_assert_eq(ws_sched_queued(b.s, 4000, WS_PRIO_NORMAL), 0);
    cr_assert_null(ws_sched_steal(b.s, 1));        /* stealing from bufferless deques: empty */
    cr_assert_null(ws_sched_last_look(b.s, 1));
    cr_assert_null(ws_sched_next(b.s, 7, false));  /* first use of core 7: its four buffers */
    uint64_t at = ws_alloc_count();
    spawn_on(&b, 7, 1);
    spawn_on(&b, 7, 1);
    cr_assert_eq(ws_alloc_count(), at, "the buffers were made once, at the first use");
    cr_assert_eq(ws_sched_queued(b.s, 7, WS_PRIO_NORMAL), 2);
    cr_assert_eq(ws_sched_next(b.s, 7, false), &b.procs[1]);
    cr_assert_eq(ws_sched_next(b.s, 7, false), &b.procs[0]);
    cr_assert_null(ws_sched_next(b.s, 7, false));
    big_close(&b);
}

Test(sched_scale, first_spawn_on_an_unused_core_allocates_and_queues)
{
    struct big b;
    big_open(&b, "p=1024");
    uint64_t at = ws_alloc_count();
    spawn_on(&b, 900, 3);
    cr_assert_eq(ws_alloc_count() - at, WS_PRIO_COUNT, "one buffer per priority of core 900");
    cr_assert_eq(ws_sched_queued(b.s, 900, WS_PRIO_NORMAL), 3);
    struct ws_proc *p = ws_sched_last_look(b.s, 3);     /* a thief reaches the new buffer */
    cr_assert_not_null(p);
    cr_assert_eq(p->cur_core, 3);
    big_close(&b);
}

Test(sched_scale, last_look_skips_thin_cores_and_finds_the_far_victim)
{
    struct big b;
    big_open(&b, "p=4096");
    for (uint32_t c = 100; c < 140; c++)
        spawn_on(&b, c, 1);   /* 40 busy cores with one waiting each: nothing to spare */
    spawn_on(&b, 4000, 2);
    struct ws_proc *p = ws_sched_last_look(b.s, 0);
    cr_assert_not_null(p);
    cr_assert_eq(p->cur_core, 0);
    cr_assert_eq(atomic_load(&ws_sched_core_stats(b.s, 4000)->steals_out), 1);
    cr_assert_eq(empty_looks(&b, 0), 0, "no attempt was counted on a core without spare work");
    /* 4000 keeps one: no longer enough to steal from (the thief settled its spare bit after
     * the steal), and nothing else is. */
    cr_assert_null(ws_sched_last_look(b.s, 1));
    cr_assert_eq(ws_sched_queued(b.s, 4000, WS_PRIO_NORMAL), 1);
    big_close(&b);
}

Test(sched_scale, owner_picks_clear_the_spare_mark_and_enqueues_set_it_again)
{
    struct big b;
    big_open(&b, "p=2048");
    spawn_on(&b, 1500, 2);
    cr_assert_not_null(ws_sched_next(b.s, 1500, false));   /* 1 left: below the mark */
    cr_assert_null(ws_sched_last_look(b.s, 2));
    spawn_on(&b, 1500, 1);                                  /* 2 again: stealable */
    struct ws_proc *p = ws_sched_last_look(b.s, 2);
    cr_assert_not_null(p);
    cr_assert_eq(p->cur_core, 2);
    /* A remote enqueue goes to the inbox, which counts as waiting. */
    struct ws_proc *q = &b.procs[b.n];
    ws_proc_init(q, b.n++);
    uint32_t placed;
    cr_assert_eq(ws_sched_inject(b.s, 60, q, 1000000, &placed), WS_OK);
    cr_assert_eq(placed, 60);
    spawn_on(&b, 60, 1);
    p = ws_sched_last_look(b.s, 3);
    cr_assert_not_null(p);
    cr_assert_eq(p->cur_core, 3);
    big_close(&b);
}

Test(sched_scale, fast_path_pushes_are_found_by_the_last_look)
{
    struct big b;
    big_open(&b, "p=1024");
    struct ws_sched_fast f;
    ws_sched_fast_init(b.s, 700, &f);
    for (int i = 0; i < 3; i++) {
        struct ws_proc *p = &b.procs[b.n];
        ws_proc_init(p, b.n++);
        cr_assert_eq(ws_sched_fast_push(&f, 700, p), WS_OK);
    }
    struct ws_proc *p = ws_sched_last_look(b.s, 5);
    cr_assert_not_null(p, "fast pushes set no spare bit: the last look must not rely on it");
    cr_assert_eq(p->cur_core, 5);
    big_close(&b);
}

/* A cluster of 1,024 cores (synth:p=1024 is one): locality compares at most 64 of its members
 * with work to spare per look, yet finds every one while few hold work. */
Test(sched_scale, wide_cluster_finds_sparse_work_and_bounds_its_looks)
{
    struct big b;
    big_open_as(&b, "p=1024", "locality");
    const struct ws_cpuset *cl = &b.t->clusters[0].cores;
    spawn_on(&b, 900, 3);
    spawn_on(&b, 10, 5);
    spawn_on(&b, 500, 2);
    /* Sparse: the busiest of the three, from whatever member the look starts at (64 random
     * members of 1,024 would miss all three most of the time). */
    for (int i = 0; i < 40; i++)
        cr_assert_eq(ws_victim_busiest_capped(b.s, 0, cl, 64), 10);
    cr_assert_eq(ws_victim_busiest(b.s, 0, cl, 0), 10, "the uncapped look agrees");
    /* Dense: 100 more cores with 2 each; core 10 (5) stays the busiest. A look that compared
     * every member would always name it; 64 from a random start often do not reach it. */
    for (uint32_t c = 100; c < 200; c++)
        spawn_on(&b, c, 2);
    uint32_t other = 0;
    for (int i = 0; i < 40; i++) {
        uint32_t v = ws_victim_busiest_capped(b.s, 0, cl, 64);
        cr_assert(v == 10 || v == 500 || v == 900 || (v >= 100 && v < 200),
                  "victim %u holds nothing to spare", v);
        other += v != 10;
    }
    cr_assert_gt(other, 0, "every capped look reached core 10: the cap did not bound it");
    cr_assert_lt(other, 40, "no capped look ever reached core 10");
    big_close(&b);
}

/* Sampling a set larger than the sample maps each draw to a member: by adding to the first
 * member when the set is one run of cores, by counting bits when it is not. Either way every
 * victim is a member with work to spare, and a sample finds one where a quarter of the members
 * hold some. */
Test(sched_scale, sampled_looks_name_members_of_runs_and_of_scattered_sets)
{
    struct big b;
    big_open_as(&b, "p=1024", "locality");
    for (uint32_t c = 100; c < 200; c++)
        spawn_on(&b, c, 2);
    struct ws_cpuset run, even;
    cr_assert_eq(ws_cpuset_init(&run, 1024), WS_OK);
    cr_assert_eq(ws_cpuset_init(&even, 1024), WS_OK);
    cr_assert_eq(ws_cpuset_set_range(&run, 150, 349), WS_OK);   /* 200 members, 50 with work */
    for (uint32_t c = 0; c < 400; c += 2)                        /* 200 members, 50 with work */
        cr_assert_eq(ws_cpuset_set(&even, c), WS_OK);
    uint32_t found_run = 0, found_even = 0;
    for (int i = 0; i < 200; i++) {
        uint32_t v = ws_victim_busiest(b.s, 0, &run, 64);
        if (v != WS_CORE_NONE) {
            cr_assert(v >= 150 && v < 200, "run: victim %u is not a member with work", v);
            found_run++;
        }
        v = ws_victim_busiest(b.s, 0, &even, 64);
        if (v != WS_CORE_NONE) {
            cr_assert(v >= 100 && v < 200 && v % 2 == 0,
                      "scattered: victim %u is not a member with work", v);
            found_even++;
        }
    }
    cr_assert_gt(found_run, 150, "64 draws over 200 members, 50 with work, found %u", found_run);
    cr_assert_gt(found_even, 150, "64 draws over 200 members, 50 with work, found %u", found_even);
    ws_cpuset_destroy(&run);
    ws_cpuset_destroy(&even);
    big_close(&b);
}
