/* test_eventq.c: the event queue pops in (time, insertion order) order whatever the pattern of
 * pushes and pops, grows from any capacity, survives allocation failure unchanged and handles
 * times up to UINT64_MAX; every case is checked against a sorted reference. */
#include "core/ws_alloc.h"
#include "sim/engine/sim_eventq.h"

#include <criterion/criterion.h>
#include <stdlib.h>

static uint64_t rng(uint64_t *s)   /* splitmix64 */
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void check(const struct sim_eventq *q)
{
    const char *why = sim_eventq_check(q);
    cr_assert_null(why, "invariant violated: %s", why ? why : "");
}

static int cmp_event(const void *a, const void *b)
{
    const struct sim_event *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void assert_same(const struct sim_event *got, const struct sim_event *want, size_t i)
{
    cr_assert_eq(got->time, want->time, "pop %zu: time %llu, want %llu", i,
                 (unsigned long long)got->time, (unsigned long long)want->time);
    cr_assert_eq(got->seq, want->seq, "pop %zu: seq %llu, want %llu", i,
                 (unsigned long long)got->seq, (unsigned long long)want->seq);
    cr_assert_eq(got->kind, want->kind);
    cr_assert_eq(got->core, want->core);
    cr_assert_eq(got->data, want->data);
}

/* Push n events with times from `draw`, then pop all and compare with the sorted list. */
static void push_all_pop_all(size_t n, uint64_t (*draw)(uint64_t *s, size_t i), size_t hint)
{
    struct sim_eventq q;
    struct sim_event *ref = malloc(n * sizeof(*ref)), e;
    uint64_t s = 42 + n;
    cr_assert_eq(sim_eventq_init(&q, hint), 0);
    for (size_t i = 0; i < n; i++) {
        uint64_t t = draw(&s, i);
        ref[i] = (struct sim_event){ t, i, (uint32_t)(i * 3), (uint32_t)(i % 7), ~(uint64_t)i };
        cr_assert_eq(sim_eventq_push(&q, t, ref[i].kind, ref[i].core, ref[i].data), 0);
    }
    check(&q);
    cr_assert_eq(sim_eventq_size(&q), n);
    qsort(ref, n, sizeof(*ref), cmp_event);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(sim_eventq_peek_time(&q), ref[i].time);
        cr_assert(sim_eventq_pop(&q, &e));
        assert_same(&e, &ref[i], i);
        if (i % 997 == 0)
            check(&q);
    }
    cr_assert_not(sim_eventq_pop(&q, &e));
    cr_assert_eq(sim_eventq_peek_time(&q), UINT64_MAX);
    check(&q);
    sim_eventq_destroy(&q);
    free(ref);
}

static uint64_t draw_uniform(uint64_t *s, size_t i)
{
    (void)i;
    return rng(s) % 1000000000u;
}

static uint64_t draw_full_range(uint64_t *s, size_t i)
{
    (void)i;
    return rng(s);
}

static uint64_t draw_few_values(uint64_t *s, size_t i)   /* heavy ties */
{
    (void)i;
    return rng(s) % 5;
}

static uint64_t draw_clustered(uint64_t *s, size_t i)    /* dense cluster plus far outliers */
{
    uint64_t r = rng(s);
    return (i % 100 == 0) ? UINT64_MAX - r % 1000 : 1000000 + r % 50000;
}

static uint64_t draw_geometric(uint64_t *s, size_t i)   /* clusters at every scale */
{
    (void)i;
    uint64_t r = rng(s);
    return ((uint64_t)1 << (r % 64)) + (r >> 60);
}

static uint64_t draw_descending(uint64_t *s, size_t i)
{
    (void)s;
    return 1000000000u - i * 13;
}

Test(eventq, pops_in_time_then_seq_order_against_sorted_reference)
{
    push_all_pop_all(20000, draw_uniform, 0);
    push_all_pop_all(20000, draw_full_range, 64);
    push_all_pop_all(20000, draw_clustered, 1);
    push_all_pop_all(5000, draw_descending, 5000);
    push_all_pop_all(60, draw_geometric, 0);      /* nested rungs down to 1 ns buckets */
    push_all_pop_all(300, draw_geometric, 0);
    push_all_pop_all(20000, draw_geometric, 0);
    push_all_pop_all(1, draw_uniform, 0);
}

Test(eventq, equal_times_come_out_fifo)
{
    push_all_pop_all(30000, draw_few_values, 0);
    struct sim_eventq q;
    struct sim_event e;
    cr_assert_eq(sim_eventq_init(&q, 4), 0);
    for (uint64_t i = 0; i < 1000; i++)
        cr_assert_eq(sim_eventq_push(&q, 77, 0, 0, i), 0);
    for (uint64_t i = 0; i < 1000; i++) {
        cr_assert(sim_eventq_pop(&q, &e));
        cr_assert_eq(e.data, i, "equal-time event %llu came out as %llu",
                     (unsigned long long)i, (unsigned long long)e.data);
        cr_assert_eq(e.seq, i);
    }
    sim_eventq_destroy(&q);
}

/* Reference model for interleaved use: a sorted array of pending events. */
struct model {
    struct sim_event *ev;
    size_t n;
};

static void model_push(struct model *m, const struct sim_event *e)
{
    size_t i = m->n++;
    while (i > 0 && cmp_event(&m->ev[i - 1], e) > 0) {
        m->ev[i] = m->ev[i - 1];
        i--;
    }
    m->ev[i] = *e;
}

/* Random interleaving of pushes and pops, times relative to the last popped time (as a
 * simulator does) but sometimes earlier than it, with ties; checked against the model. */
static void interleaved(uint64_t seed, size_t steps, unsigned push_pct, uint64_t spread)
{
    struct sim_eventq q;
    struct model m = { malloc(steps * sizeof(struct sim_event)), 0 };
    struct sim_event e;
    uint64_t now = 1000, seq = 0;
    cr_assert_eq(sim_eventq_init(&q, 1), 0);
    for (size_t i = 0; i < steps; i++) {
        uint64_t r = rng(&seed);
        if (r % 100 < push_pct || m.n == 0) {
            uint64_t t = (r >> 8) % 16 == 0 ? now - (r >> 20) % (now + 1)   /* in the past */
                                            : now + (r >> 12) % spread;
            struct sim_event want = { t, seq++, (uint32_t)r, (uint32_t)(r >> 32), i };
            cr_assert_eq(sim_eventq_push(&q, t, want.kind, want.core, want.data), 0);
            model_push(&m, &want);
        } else {
            cr_assert(sim_eventq_pop(&q, &e));
            assert_same(&e, &m.ev[0], i);
            memmove(m.ev, m.ev + 1, --m.n * sizeof(*m.ev));
            now = e.time;
        }
        cr_assert_eq(sim_eventq_size(&q), m.n);
        cr_assert_eq(sim_eventq_peek_time(&q), m.n ? m.ev[0].time : UINT64_MAX);
        const struct sim_event *pk = sim_eventq_peek(&q);   /* the whole event, left queued */
        cr_assert_eq(pk == NULL, m.n == 0);
        if (pk != NULL)
            assert_same(pk, &m.ev[0], i);
        if (i % 1009 == 0)
            check(&q);
    }
    check(&q);
    sim_eventq_destroy(&q);
    free(m.ev);
}

Test(eventq, interleaved_push_pop_matches_model)
{
    interleaved(1, 40000, 55, 5000);      /* growing */
    interleaved(2, 40000, 50, 100);       /* steady, many ties */
    interleaved(3, 40000, 45, 1u << 30);  /* draining, wide spread */
    interleaved(4, 20000, 70, 3);         /* almost all ties */
}

/* The earliest event is kept apart (top): one displaced by a still earlier push, a tie with it
 * (FIFO: the later push comes after) and a push into an empty queue all keep the order. */
Test(eventq, earliest_event_kept_apart_keeps_the_order)
{
    struct sim_eventq q;
    struct sim_event e;
    static const uint64_t push_t[] = { 500, 100, 300, 50, 50, 60, 40, 700 };
    static const uint64_t pop_data[] = { 6, 3, 4, 5, 1, 2, 0, 7 };
    cr_assert_eq(sim_eventq_init(&q, 0), 0);
    for (uint64_t i = 0; i < 8; i++) {
        cr_assert_eq(sim_eventq_push(&q, push_t[i], 0, 0, i), 0);
        check(&q);
    }
    for (size_t i = 0; i < 8; i++) {
        cr_assert(sim_eventq_pop(&q, &e));
        check(&q);
        cr_assert_eq(e.data, pop_data[i], "pop %zu: event %llu, want %llu", i,
                     (unsigned long long)e.data, (unsigned long long)pop_data[i]);
        if (i == 1) {   /* the simulator's pattern: pop, then push the next, earliest of all */
            cr_assert_eq(sim_eventq_push(&q, 45, 0, 0, 99), 0);
            cr_assert_eq(sim_eventq_peek_time(&q), 45);
            cr_assert(sim_eventq_pop(&q, &e));
            cr_assert_eq(e.data, 99);
            check(&q);
        }
    }
    cr_assert(!sim_eventq_pop(&q, &e));
    cr_assert_eq(sim_eventq_push(&q, 1, 0, 0, 5), 0);
    cr_assert_eq(sim_eventq_peek_time(&q), 1);
    sim_eventq_destroy(&q);
}

/* The front (events before the current bucket) is a sorted array while short and a heap once
 * pushes make it long: pushes before the current bucket, past the switch and back to a sorted
 * front after it runs empty, pop in order. */
Test(eventq, front_switches_from_sorted_array_to_heap)
{
    struct sim_eventq q;
    struct sim_event e;
    struct model m = { malloc(4000 * sizeof(struct sim_event)), 0 };
    uint64_t s = 5, seq = 0;
    cr_assert_eq(sim_eventq_init(&q, 0), 0);
    for (int round = 0; round < 3; round++) {
        uint64_t base = 100000 * (uint64_t)(round + 1);
        for (int i = 0; i < 1000; i++) {
            uint64_t t = base + 1000 + rng(&s) % 1000;
            struct sim_event want = { t, seq++, 1, 0, (uint64_t)i };
            cr_assert_eq(sim_eventq_push(&q, t, 1, 0, want.data), 0);
            model_push(&m, &want);
        }
        for (int i = 0; i < 2; i++) {   /* forms the front from the first bucket */
            cr_assert(sim_eventq_pop(&q, &e));
            assert_same(&e, &m.ev[0], (size_t)i);
            memmove(m.ev, m.ev + 1, --m.n * sizeof(*m.ev));
        }
        for (int i = 0; i < 200; i++) {   /* all before the current bucket: into the front */
            uint64_t t = base + rng(&s) % 1000;
            struct sim_event want = { t, seq++, 2, 0, (uint64_t)i };
            cr_assert_eq(sim_eventq_push(&q, t, 2, 0, want.data), 0);
            model_push(&m, &want);
            check(&q);
        }
        for (size_t i = 0; m.n > 0; i++) {
            cr_assert_eq(sim_eventq_peek_time(&q), m.ev[0].time);
            cr_assert(sim_eventq_pop(&q, &e));
            assert_same(&e, &m.ev[0], i);
            memmove(m.ev, m.ev + 1, --m.n * sizeof(*m.ev));
            if (i % 97 == 0)
                check(&q);
        }
        cr_assert_eq(sim_eventq_size(&q), 0);
    }
    sim_eventq_destroy(&q);
    free(m.ev);
}

Test(eventq, hold_pattern_keeps_order_over_many_epochs)
{
    struct sim_eventq q;
    struct sim_event e;
    uint64_t s = 9, last_time = 0, last_seq = 0;
    cr_assert_eq(sim_eventq_init(&q, 0), 0);
    for (uint64_t i = 0; i < 3000; i++)
        cr_assert_eq(sim_eventq_push(&q, rng(&s) % 100000, 0, 0, i), 0);
    for (uint64_t i = 0; i < 200000; i++) {
        cr_assert(sim_eventq_pop(&q, &e));
        cr_assert(e.time > last_time || (e.time == last_time && e.seq > last_seq) || i == 0,
                  "hold %llu went back in (time, seq)", (unsigned long long)i);
        last_time = e.time;
        last_seq = e.seq;
        cr_assert_eq(sim_eventq_push(&q, e.time + rng(&s) % 100000, 0, 0, e.data), 0);
        if (i % 20011 == 0)
            check(&q);
    }
    cr_assert_eq(sim_eventq_size(&q), 3000);
    sim_eventq_destroy(&q);
}

Test(eventq, grows_from_a_tiny_capacity_hint)
{
    push_all_pop_all(100000, draw_uniform, 1);
    struct sim_eventq q;
    cr_assert_eq(sim_eventq_init(&q, 0), 0);
    cr_assert_eq(sim_eventq_size(&q), 0);
    cr_assert_eq(sim_eventq_peek_time(&q), UINT64_MAX);
    check(&q);
    sim_eventq_destroy(&q);
    sim_eventq_destroy(&q);   /* idempotent */
}

Test(eventq, allocation_failure_leaves_the_queue_unchanged)
{
    struct sim_eventq q;
    struct sim_event e;
    ws_alloc_fail_after(1);
    cr_assert_eq(sim_eventq_init(&q, 100), -1);
    sim_eventq_destroy(&q);
    for (uint64_t k = 2; k <= 5; k++) {   /* each allocation of init in turn */
        ws_alloc_fail_after(k);
        cr_assert_eq(sim_eventq_init(&q, 100), -1, "init survived failing allocation %llu",
                     (unsigned long long)k);
    }
    ws_alloc_fail_after(0);
    cr_assert_eq(sim_eventq_init(&q, 1), 0);
    uint64_t pushed = 0;
    for (int round = 0; round < 8; round++) {
        /* Fill until a push would grow, then fail each of the growth's allocations. */
        while (pushed < 100 || (pushed & (pushed - 1)) != 0) {   /* to a power of two */
            cr_assert_eq(sim_eventq_push(&q, 1000 - pushed % 300, 0, 0, pushed), 0);
            pushed++;
        }
        for (uint64_t k = 1; k <= 4; k++) {
            ws_alloc_fail_after(k);
            int rc = sim_eventq_push(&q, 5, 0, 0, UINT64_MAX);
            ws_alloc_fail_after(0);
            cr_assert_eq(rc, -1, "push at size %llu survived failing allocation %llu",
                         (unsigned long long)pushed, (unsigned long long)k);
            cr_assert_eq(sim_eventq_size(&q), pushed);
            check(&q);
        }
        cr_assert_eq(sim_eventq_push(&q, 2000 + pushed, 0, 0, pushed), 0);
        pushed++;
    }
    /* Sequence numbers were not consumed by the failed pushes: they are 0..pushed-1. */
    uint64_t seen = 0, seqsum = 0;
    while (sim_eventq_pop(&q, &e)) {
        seen++;
        seqsum += e.seq;
        cr_assert_neq(e.data, UINT64_MAX);
    }
    cr_assert_eq(seen, pushed);
    cr_assert_eq(seqsum, pushed * (pushed - 1) / 2);
    sim_eventq_destroy(&q);
}

static uint64_t draw_near_max(uint64_t *s, size_t i)
{
    (void)i;
    uint64_t r = rng(s);
    return (r & 1) ? UINT64_MAX - (r >> 1) % 64 : UINT64_MAX - (r >> 1) % 100000;
}

Test(eventq, times_near_uint64_max)
{
    push_all_pop_all(20000, draw_near_max, 0);
    struct sim_eventq q;
    struct sim_event e;
    cr_assert_eq(sim_eventq_init(&q, 0), 0);
    cr_assert_eq(sim_eventq_push(&q, UINT64_MAX, 1, 0, 0), 0);
    cr_assert_eq(sim_eventq_push(&q, 0, 2, 0, 0), 0);
    cr_assert_eq(sim_eventq_push(&q, UINT64_MAX, 3, 0, 0), 0);
    cr_assert_eq(sim_eventq_push(&q, UINT64_MAX - 1, 4, 0, 0), 0);
    cr_assert_eq(sim_eventq_peek_time(&q), 0);
    uint32_t want[] = { 2, 4, 1, 3, 5 };
    for (int i = 0; i < 5; i++) {
        cr_assert(sim_eventq_pop(&q, &e));
        cr_assert_eq(e.kind, want[i], "pop %d: kind %u, want %u", i, e.kind, want[i]);
        if (i == 1)   /* pushed after the others at the maximum: comes out after them */
            cr_assert_eq(sim_eventq_push(&q, UINT64_MAX, 5, 0, 0), 0);
    }
    cr_assert_eq(sim_eventq_size(&q), 0);
    sim_eventq_destroy(&q);
}
