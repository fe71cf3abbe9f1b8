/* bench_deque.c: `schedlab bench deque`: the Chase-Lev deque against a mutex deque and a plain
 * array, all measured in the same run so the ratios mean something on a noisy machine.
 *
 * Measurements (each the median over --reps repetitions):
 *   pair      owner push then take with a standing depth of 16 items (the common case: take
 *             never meets the last-item race), ns per push+take pair
 *   pair_last push then take on an empty deque (take always races for the last item)
 *   asym_pair the pair on a deque in asymmetric mode (core/ws_deque.c (E): the native fast
 *             path's fence-free take); left out where membarrier is unavailable
 *   steal     one thread pushes n items then steals them all, ns per steal (uncontended cost)
 *   contended 1 owner (pushes 2, takes 1, repeatedly) + 1 thief stealing, pinned to two CPUs;
 *             items consumed per second until all n are gone
 *
 * Where push / take / steal are assembly (ARM64 builds: core/aarch64/ws_deque.S), the portable
 * C11 reference (ws_deque_ref_*, always linked) is measured too, each right after the same
 * measurement of the assembly on the same deque: c11_* keys, and asm_vs_c11_* = the assembly's
 * cost over the C11 deque's (time per operation; below 1: the assembly is faster). Under an
 * emulator only these ratios say anything, and then about the emulator's translation, not the
 * hardware (cmd_bench.c marks such output "emulated").
 */
#include "sim/bench/bench.h"
#include "sim/util/sim_util.h"
#include "core/ws_deque.h"
#include "core/ws_mdeque.h"
#include "core/ws_atomic.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
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
DEFINE_PAIR_LOOP(pair_ref, struct ws_deque, ws_deque_ref_push, ws_deque_ref_take)
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
DEFINE_STEAL_LOOP(steal_ref, struct ws_deque, ws_deque_ref_push, ws_deque_ref_steal)
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
    pthread_t thief;
    cpu_set_t cpus;           /* the owner's CPUs before it pinned itself */
    bool cpus_known;
};

/* Start the thief, then pin the owner to the first CPU. In that order because a thread inherits
 * its creator's affinity: created after the owner's pin, the thief would find one CPU allowed
 * and pin itself to the owner's. -1 if the thread could not start. */
static int contended_start(struct contended *c, void *(*thief)(void *))
{
    c->cpus_known = sched_getaffinity(0, sizeof c->cpus, &c->cpus) == 0;
    if (pthread_create(&c->thief, NULL, thief, c) != 0)
        return -1;
    while (ws_load_acquire(&c->ready) == 0)   /* pairs with the thief's acq_rel add */
        ws_cpu_relax();
    sim_pin_self(0);
    return 0;
}

/* Tell the thief to stop once the deque is empty, wait for it, unpin the owner. */
static void contended_finish(struct contended *c)
{
    ws_store_release(&c->owner_done, 1);       /* pairs with the thief's acquire load */
    pthread_join(c->thief, NULL);
    if (c->cpus_known)
        sched_setaffinity(0, sizeof c->cpus, &c->cpus);
}

/* Items per second, or NAN if the thief could not start. */
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
        void *x;                                                                  \
        if (contended_start(&c, fn##_thief) != 0)                                 \
            return NAN;                                                           \
        uint64_t t0 = sim_now_ns();                                               \
        for (uint64_t i = 0; i < n; i += 2) {                                     \
            push(d, item_of(i));                                                  \
            push(d, item_of(i + 1));                                              \
            take(d, &x);                                                          \
        }                                                                         \
        while (take(d, &x) == WS_OK)                                              \
            ;                                                                     \
        contended_finish(&c);                                                     \
        double s = (double)(sim_now_ns() - t0) / 1e9;                             \
        return (double)n / s;                                                     \
    }

DEFINE_CONTENDED(contended_ws, struct ws_deque, ws_deque_push, ws_deque_take, ws_deque_steal)
DEFINE_CONTENDED(contended_ref, struct ws_deque, ws_deque_ref_push, ws_deque_ref_take,
                 ws_deque_ref_steal)
DEFINE_CONTENDED(contended_mutex, struct ws_mdeque, ws_mdeque_push, ws_mdeque_take,
                 ws_mdeque_steal)

/* True when push / take / steal come from an assembly back end (core/aarch64/) rather than
 * being aliases of ws_deque_ref_*. The volatile read keeps the compiler from folding the
 * comparison of two distinct symbols to false. */
static bool deque_has_asm(void)
{
    ws_status (*volatile push)(struct ws_deque *, void *) = ws_deque_push;
    return push != ws_deque_ref_push;
}

static const char *deque_backend(void)
{
    if (!deque_has_asm())
        return "c11";
#if defined(WS_AARCH64_LSE)
    return "aarch64-lse";
#elif defined(__aarch64__)
    return "aarch64-llsc";
#else
    return "asm";
#endif
}

enum {
    M_PAIR, M_MPAIR, M_LAST, M_MLAST, M_APAIR, M_STEAL, M_MSTEAL, M_CONT, M_MCONT, M_YPAIR,
    M_CPAIR, M_CLAST, M_CSTEAL, M_CCONT, M_N,
    M_N_PORTABLE = M_CPAIR    /* the C11 columns (M_C*) exist only beside an assembly back end */
};

static const char *const bench_keys[M_N] = {
    "pair_ns", "mutex_pair_ns", "pair_last_ns", "mutex_pair_last_ns", "array_pair_ns",
    "steal_ns", "mutex_steal_ns", "contended_items_per_s", "mutex_contended_items_per_s",
    "asym_pair_ns", "c11_pair_ns", "c11_pair_last_ns", "c11_steal_ns", "c11_contended_items_per_s",
};

/* One repetition of every measurement into s[0 .. M_N); the C11 reference only when asm is
 * true, each right after the same measurement of the assembly. -1 on allocation failure. */
static int deque_rep(uint64_t n, bool asm_too, double *s)
{
    struct ws_deque d;
    struct ws_mdeque m;
    if (ws_deque_init(&d, 64) != WS_OK)
        return -1;
    if (ws_mdeque_init(&m, 64) != WS_OK) {
        ws_deque_destroy(&d);
        return -1;
    }
    s[M_PAIR] = pair_ws(&d, n, STANDING_DEPTH);
    s[M_CPAIR] = asm_too ? pair_ref(&d, n, STANDING_DEPTH) : (double)NAN;
    s[M_MPAIR] = pair_mutex(&m, n, STANDING_DEPTH);
    s[M_LAST] = pair_ws(&d, n, 0);
    s[M_CLAST] = asm_too ? pair_ref(&d, n, 0) : (double)NAN;
    s[M_MLAST] = pair_mutex(&m, n, 0);
    s[M_APAIR] = pair_array(n);
    s[M_YPAIR] = (double)NAN;
    if (ws_deque_asym_supported()) {   /* no thief here: set and clear it freely */
        ws_deque_set_asym(&d, true);
        s[M_YPAIR] = pair_ws(&d, n, STANDING_DEPTH);
        ws_deque_set_asym(&d, false);
    }
    s[M_STEAL] = steal_ws(&d, n / 4);
    s[M_CSTEAL] = asm_too ? steal_ref(&d, n / 4) : (double)NAN;
    s[M_MSTEAL] = steal_mutex(&m, n / 4);
    s[M_CONT] = contended_ws(&d, n);
    s[M_CCONT] = asm_too ? contended_ref(&d, n) : (double)NAN;
    s[M_MCONT] = contended_mutex(&m, n);
    ws_deque_destroy(&d);
    ws_mdeque_destroy(&m);
    return 0;
}

static void add_ratio(struct sim_bench_result *r, const char *key, const char *a, const char *b)
{
    sim_bench_add(r, key, sim_bench_get(r, a) / sim_bench_get(r, b));
}

int sim_bench_deque(const struct sim_bench_opts *o, struct sim_bench_result *r)
{
    bool asm_too = deque_has_asm();
    int nkeys = asm_too ? M_N : M_N_PORTABLE;
    double *samples = calloc((size_t)M_N * o->reps, sizeof(double));
    if (samples == NULL)
        return -1;
    for (unsigned rep = 0; rep < o->reps; rep++) {
        if (deque_rep(o->items, asm_too, samples + (size_t)rep * M_N) != 0) {
            free(samples);
            return -1;
        }
        sim_bench_progress(o, "deque", rep + 1, o->reps);
    }
    double col[SIM_BENCH_MAX_REPS];
    for (int k = 0; k < nkeys; k++) {
        for (unsigned rep = 0; rep < o->reps; rep++)
            col[rep] = samples[(size_t)rep * M_N + (size_t)k];
        if (!isnan(col[0]))   /* asym_pair_ns without membarrier */
            sim_bench_add(r, bench_keys[k], sim_median(col, o->reps));
    }
    free(samples);
    sim_bench_add_text(r, "deque", deque_backend());
    add_ratio(r, "pair_vs_mutex", "pair_ns", "mutex_pair_ns");
    add_ratio(r, "pair_vs_array", "pair_ns", "array_pair_ns");
    if (sim_bench_get(r, "asym_pair_ns") > 0)
        add_ratio(r, "asym_pair_vs_mutex", "asym_pair_ns", "mutex_pair_ns");
    add_ratio(r, "contended_vs_mutex", "contended_items_per_s", "mutex_contended_items_per_s");
    if (asm_too) {   /* the assembly's cost over the C11 reference's (below 1: asm is faster) */
        add_ratio(r, "asm_vs_c11_pair", "pair_ns", "c11_pair_ns");
        add_ratio(r, "asm_vs_c11_pair_last", "pair_last_ns", "c11_pair_last_ns");
        add_ratio(r, "asm_vs_c11_steal", "steal_ns", "c11_steal_ns");
        add_ratio(r, "asm_vs_c11_contended", "c11_contended_items_per_s",
                  "contended_items_per_s");
    }
    return 0;
}
