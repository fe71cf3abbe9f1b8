/* bench_deque.c: `schedlab bench deque`: the Chase-Lev deque against a mutex deque and a plain
 * array, all measured in the same run so the ratios mean something on a noisy machine.
 *
 * Measurements (each the median over --reps repetitions):
 *   pair      owner push then take with a standing depth of 16 items (the common case: take
 *             never meets the last-item race), ns per push+take pair
 *   pair_last push then take on an empty deque (take always races for the last item)
 *   steal     one thread pushes n items then steals them all, ns per steal (uncontended cost)
 *   contended 1 owner (pushes 2, takes 1, repeatedly) + 1 thief stealing, pinned to two CPUs;
 *             items consumed per second until all n are gone
 */
#include "sim/bench.h"
#include "sim/sim_util.h"
#include "core/ws_deque.h"
#include "core/ws_mdeque.h"
#include "core/ws_atomic.h"

#include <pthread.h>
#include <stdlib.h>

#define STANDING_DEPTH 16

static void *item_of(uint64_t i)
{
    return (void *)(uintptr_t)(i + 1);
}

/* One timing loop per deque type, written once. */
#define DEFINE_PAIR_LOOP(fn, type, push, take)                                   \
    static double fn(type *d, uint64_t n, int depth)                              \
    {                                                                             \
        void *x;                                                                  \
        for (int i = 0; i < depth; i++)                                           \
            push(d, item_of((uint64_t)i));                                        \
        uint64_t t0 = sim_now_ns();                                               \
        for (uint64_t i = 0; i < n; i++) {                                        \
            push(d, item_of(i));                                                  \
            take(d, &x);                                                          \
        }                                                                         \
        double ns = (double)(sim_now_ns() - t0) / (double)n;                      \
        while (take(d, &x) == WS_OK)                                              \
            ;                                                                     \
        return ns;                                                                \
    }

DEFINE_PAIR_LOOP(pair_ws, struct ws_deque, ws_deque_push, ws_deque_take)
DEFINE_PAIR_LOOP(pair_mutex, struct ws_mdeque, ws_mdeque_push, ws_mdeque_take)

#define DEFINE_STEAL_LOOP(fn, type, push, steal)                                  \
    static double fn(type *d, uint64_t n)                                         \
    {                                                                             \
        void *x;                                                                  \
        for (uint64_t i = 0; i < n; i++)                                          \
            push(d, item_of(i));                                                  \
        uint64_t t0 = sim_now_ns();                                               \
        for (uint64_t i = 0; i < n; i++)                                          \
            steal(d, &x);                                                         \
        return (double)(sim_now_ns() - t0) / (double)n;                           \
    }

DEFINE_STEAL_LOOP(steal_ws, struct ws_deque, ws_deque_push, ws_deque_steal)
DEFINE_STEAL_LOOP(steal_mutex, struct ws_mdeque, ws_mdeque_push, ws_mdeque_steal)

/* The plain-array floor: a bounded stack with no synchronisation at all. The volatile pointer
 * keeps the compiler from folding the loop away. */
static double pair_array(uint64_t n)
{
    void *cells[64];
    void *volatile *stack = cells;
    unsigned top = 0;
    uint64_t t0 = sim_now_ns();
    for (uint64_t i = 0; i < n; i++) {
        stack[top++] = item_of(i);
        void *x = stack[--top];
        (void)x;
    }
    return (double)(sim_now_ns() - t0) / (double)n;
}

struct contended {
    void *d;
    uint64_t n;
    _Atomic int owner_done;
    _Atomic int ready;
    uint64_t stolen;
};

#define DEFINE_CONTENDED(fn, type, push, take, steal)                             \
    static void *fn##_thief(void *arg)                                            \
    {                                                                             \
        struct contended *c = arg;                                                \
        type *d = c->d;                                                           \
        void *x;                                                                  \
        sim_pin_self(1);                                                          \
        ws_fetch_add_acq_rel(&c->ready, 1);                                       \
        for (;;) {                                                                \
            ws_status s = steal(d, &x);                                           \
            if (s == WS_OK)                                                       \
                c->stolen++;                                                      \
            else if (s == WS_EMPTY && ws_load_acquire(&c->owner_done))            \
                break;                                                            \
        }                                                                         \
        return NULL;                                                              \
    }                                                                             \
    static double fn(type *d, uint64_t n)                                         \
    {                                                                             \
        struct contended c = { .d = d, .n = n };                                  \
        pthread_t th;                                                             \
        void *x;                                                                  \
        sim_pin_self(0);                                                          \
        pthread_create(&th, NULL, fn##_thief, &c);                                \
        while (ws_load_acquire(&c.ready) == 0)                                    \
            ws_cpu_relax();                                                       \
        uint64_t t0 = sim_now_ns();                                               \
        for (uint64_t i = 0; i < n; i += 2) {                                     \
            push(d, item_of(i));                                                  \
            push(d, item_of(i + 1));                                              \
            take(d, &x);                                                          \
        }                                                                         \
        while (take(d, &x) == WS_OK)                                              \
            ;                                                                     \
        ws_store_release(&c.owner_done, 1);                                       \
        pthread_join(th, NULL);                                                   \
        double s = (double)(sim_now_ns() - t0) / 1e9;                             \
        return (double)n / s;                                                     \
    }

DEFINE_CONTENDED(contended_ws, struct ws_deque, ws_deque_push, ws_deque_take, ws_deque_steal)
DEFINE_CONTENDED(contended_mutex, struct ws_mdeque, ws_mdeque_push, ws_mdeque_take,
                 ws_mdeque_steal)

int sim_bench_deque(const struct sim_bench_opts *o, struct sim_bench_result *r)
{
    enum { M_PAIR, M_MPAIR, M_LAST, M_MLAST, M_APAIR, M_STEAL, M_MSTEAL, M_CONT, M_MCONT, M_N };
    static const char *keys[M_N] = {
        "pair_ns", "mutex_pair_ns", "pair_last_ns", "mutex_pair_last_ns", "array_pair_ns",
        "steal_ns", "mutex_steal_ns", "contended_items_per_s", "mutex_contended_items_per_s",
    };
    double *samples = calloc((size_t)M_N * o->reps, sizeof(double));
    if (samples == NULL)
        return -1;
    for (unsigned rep = 0; rep < o->reps; rep++) {
        struct ws_deque d;
        struct ws_mdeque m;
        double *s = samples + (size_t)rep * M_N;
        if (ws_deque_init(&d, 64) != WS_OK || ws_mdeque_init(&m, 64) != WS_OK) {
            free(samples);
            return -1;
        }
        s[M_PAIR] = pair_ws(&d, o->items, STANDING_DEPTH);
        s[M_MPAIR] = pair_mutex(&m, o->items, STANDING_DEPTH);
        s[M_LAST] = pair_ws(&d, o->items, 0);
        s[M_MLAST] = pair_mutex(&m, o->items, 0);
        s[M_APAIR] = pair_array(o->items);
        s[M_STEAL] = steal_ws(&d, o->items / 4);
        s[M_MSTEAL] = steal_mutex(&m, o->items / 4);
        s[M_CONT] = contended_ws(&d, o->items);
        s[M_MCONT] = contended_mutex(&m, o->items);
        ws_deque_destroy(&d);
        ws_mdeque_destroy(&m);
        sim_bench_progress(o, "deque", rep + 1, o->reps);
    }
    double col[64];
    for (int k = 0; k < M_N; k++) {
        for (unsigned rep = 0; rep < o->reps; rep++)
            col[rep] = samples[(size_t)rep * M_N + (size_t)k];
        sim_bench_add(r, keys[k], sim_median(col, o->reps));
    }
    free(samples);
    sim_bench_add(r, "pair_vs_mutex", sim_bench_get(r, "pair_ns") / sim_bench_get(r, "mutex_pair_ns"));
    sim_bench_add(r, "contended_vs_mutex", sim_bench_get(r, "contended_items_per_s") /
                                               sim_bench_get(r, "mutex_contended_items_per_s"));
    return 0;
}
