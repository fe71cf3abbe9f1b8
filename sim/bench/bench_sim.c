/* bench_sim.c: `schedlab bench sim`: event-queue hold throughput at 10 k and 1 M pending events
 * (against a plain binary heap measured in the same run), and replay throughput.
 *
 * The hold model (Vaucher and Duval 1975; the classic priority-queue benchmark for discrete-event
 * simulation): fill the queue with n events at random times, then repeat "pop the earliest event,
 * push it again at its time + a random increment", which keeps n pending. Increments come from a
 * table of 64 Ki draws made before timing (so log() is not measured): exponential with mean 1 ms,
 * and uniform on [0, 2 ms), in integer nanoseconds. Each number is the median over --reps
 * repetitions of --items holds (after the fill, which is not timed).
 *
 * Keys:
 *   events_per_s_10k, events_per_s_1m      sim_eventq, exponential increments (the headline)
 *   events_per_s_10k_uniform, ..._1m_uniform   sim_eventq, uniform increments
 *   heap_events_per_s_10k, heap_events_per_s_1m   binary-heap baseline, exponential
 *   speedup_vs_heap_10k, speedup_vs_heap_1m
 *   replay_setup_ms_N, replay_procs_per_s_N, replay_events_per_proc_N,
 *   replay_wall_procs_per_s_N (N = 8, 1024, 4096), replay_cost_ratio_4096_8,
 *   replay_procs_per_s_1024_locality, replay_procs_per_s_4096_locality
 *                                           trace replay in steady state (see bench_replay)
 */
#include "sim/bench/bench.h"
#include "sim/engine/sim_eventq.h"
#include "sim/run/sim_run.h"
#include "sim/util/sim_util.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

#define NINC (1u << 16)
#define SIZE_10K 10000u
#define SIZE_1M  1000000u

/* ---- binary-heap baseline: the textbook structure, 32-byte events, hole-based sifts ------- */

struct bheap {
    struct sim_event *a;
    size_t n, cap;
    uint64_t seq;
};

static int ev_before(const struct sim_event *x, const struct sim_event *y)
{
    return x->time < y->time || (x->time == y->time && x->seq < y->seq);
}

static int bheap_push(struct bheap *h, uint64_t time, uint32_t kind, uint32_t core,
                      uint64_t data)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        struct sim_event *a = realloc(h->a, cap * sizeof(*a));
        if (a == NULL)
            return -1;
        h->a = a;
        h->cap = cap;
    }
    struct sim_event e = { time, h->seq++, kind, core, data };
    size_t i = h->n++;
    while (i > 0 && ev_before(&e, &h->a[(i - 1) / 2])) {
        h->a[i] = h->a[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->a[i] = e;
    return 0;
}

static bool bheap_pop(struct bheap *h, struct sim_event *out)
{
    if (h->n == 0)
        return false;
    *out = h->a[0];
    struct sim_event last = h->a[--h->n];
    size_t i = 0, n = h->n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && ev_before(&h->a[c + 1], &h->a[c]))
            c++;
        if (!ev_before(&h->a[c], &last))
            break;
        h->a[i] = h->a[c];
        i = c;
    }
    h->a[i] = last;
    return true;
}

/* ---- the hold loop, written once for both structures ------------------------------------ */

static uint64_t rng_next(uint64_t *s)   /* splitmix64 */
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void fill_increments(uint64_t *inc, bool exponential, uint64_t seed)
{
    for (unsigned i = 0; i < NINC; i++) {
        double u = (double)(rng_next(&seed) >> 11) * 0x1.0p-53;
        inc[i] = exponential ? (uint64_t)(-log1p(-u) * 1e6) : (uint64_t)(u * 2e6);
    }
}

/* Holds per second; -1 if the fill ran out of memory. */
#define DEFINE_HOLD(fn, type, push, pop)                                                   \
    static double fn(type *q, const uint64_t *inc, size_t n, uint64_t holds)              \
    {                                                                                      \
        struct sim_event e;                                                                \
        for (size_t i = 0; i < n; i++)                                                     \
            if (push(q, inc[(i * 7) & (NINC - 1)], 0, 0, i) != 0)                          \
                return -1;                                                                 \
        uint64_t sum = 0, t0 = sim_now_ns();                                               \
        for (uint64_t i = 0; i < holds; i++) {                                             \
            pop(q, &e);                                                                    \
            sum += e.data;                                                                 \
            if (push(q, e.time + inc[i & (NINC - 1)], e.kind, e.core, e.data) != 0)        \
                return -1;                                                                 \
        }                                                                                  \
        double s = (double)(sim_now_ns() - t0) / 1e9;                                      \
        while (pop(q, &e))                                                                 \
            sum += e.data;                                                                 \
        volatile uint64_t sink = sum;                                                      \
        (void)sink;                                                                        \
        return (double)holds / s;                                                          \
    }

DEFINE_HOLD(hold_eventq, struct sim_eventq, sim_eventq_push, sim_eventq_pop)
DEFINE_HOLD(hold_bheap, struct bheap, bheap_push, bheap_pop)

static double run_eventq(const uint64_t *inc, size_t n, uint64_t holds)
{
    struct sim_eventq q;
    if (sim_eventq_init(&q, n) != 0)
        return -1;
    double r = hold_eventq(&q, inc, n, holds);
    sim_eventq_destroy(&q);
    return r;
}

static double run_bheap(const uint64_t *inc, size_t n, uint64_t holds)
{
    struct bheap h = { 0 };
    double r = hold_bheap(&h, inc, n, holds);
    free(h.a);
    return r;
}

/* The CPU time this process has used, in seconds (the machine may be shared: wall time would
 * count the other tenants). */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One replay of trace on topo (default rules, aggregated metrics, no database). -1 on
 * failure. */
struct replay_cost {
    double cpu_s, wall_s;
    uint64_t procs, events;
};

static int replay_once(const char *trace, const char *topo, const char *strategy,
                       struct replay_cost *c)
{
    struct sim_run_opts ro = { .trace = trace, .topology = topo, .strategy = strategy,
                               .seed = 1 };
    struct sim_run_result rr;
    char err[512];
    ws_params_defaults(&ro.params);
    double t0 = cpu_s();
    if (sim_run_replay(&ro, &rr, err, sizeof err) != 0 || rr.wall_s <= 0)
        return -1;
    c->cpu_s = cpu_s() - t0;
    c->wall_s = rr.wall_s;
    c->procs = rr.summary.processes;
    c->events = rr.summary.events;
    return 0;
}

/* Replay cost on 8, 1,024 and 4,096 synthetic cores, in CPU time.
 *
 * Steady state is the marginal cost of a process: two fib traces of different sizes are
 * replayed, and the extra processes of the larger are divided by its extra CPU time. Set-up
 * (machine, scheduler, metrics) and the ramps (cores filling up at the start, emptying at the
 * end: the same few levels of the fork tree at both sizes) cancel out, so what is left is the
 * time per process while every core is busy. The sizes grow with the core count so that the
 * smaller trace, too, keeps every core busy for most of its run. On 4,096 cores even fib:24
 * (150 k processes, 37 a core) is mostly ramp, and fib:27 keeps the cores 59 % busy (fib:29:
 * 79 %), so 4,096 cores take fib:27 and fib:29. Set-up is measured apart, as the CPU time of
 * replaying fib:1 (one process). Medians over 3 repetitions. With --items below 100 k (as under
 * an emulator) the traces are fib:10 and fib:12 everywhere, so the keys exist but mean little.
 *
 * Keys (N = 8, 1024, 4096):
 *   replay_procs_per_s_N        steady state: extra processes / extra CPU seconds
 *   replay_events_per_proc_N    steady state: extra events / extra processes
 *   replay_setup_ms_N           CPU ms of replaying fib:1
 *   replay_wall_procs_per_s_N   the larger trace's processes over its wall time, set-up and
 *                               ramps included
 *   replay_cost_ratio_4096_8    steady-state time per process at 4,096 cores over that at 8
 * The traces above replay with strategy random; replay_procs_per_s_1024_locality and
 * replay_procs_per_s_4096_locality are the steady state with the default strategy. */
struct replay_sizes {
    const char *topo, *small, *large;
};

static const struct replay_sizes replay_full[3] = {
    { "synth:p=8", "fib:20", "fib:25" },
    { "synth:p=1024", "fib:24", "fib:27" },
    { "synth:p=4096", "fib:27", "fib:29" },
};

static const struct replay_sizes replay_emulated[3] = {
    { "synth:p=8", "fib:10", "fib:12" },
    { "synth:p=1024", "fib:10", "fib:12" },
    { "synth:p=4096", "fib:10", "fib:12" },
};

enum { R_SETUP, R_RATE, R_EVENTS, R_WALL, R_N };

/* One repetition on one topology: out[R_N]. */
static int replay_rep(const struct replay_sizes *z, const char *strategy, double *out)
{
    struct replay_cost one, small, large;
    if (replay_once("fib:1", z->topo, strategy, &one) != 0 ||
        replay_once(z->small, z->topo, strategy, &small) != 0 ||
        replay_once(z->large, z->topo, strategy, &large) != 0 || large.procs <= small.procs)
        return -1;
    double extra_s = large.cpu_s - small.cpu_s;
    double extra_procs = (double)(large.procs - small.procs);
    out[R_SETUP] = one.cpu_s * 1e3;
    out[R_RATE] = extra_s > 0 ? extra_procs / extra_s : (double)large.procs / large.cpu_s;
    out[R_EVENTS] = (double)(large.events - small.events) / extra_procs;
    out[R_WALL] = (double)large.procs / large.wall_s;
    return 0;
}

static int bench_replay(const struct sim_bench_opts *o, struct sim_bench_result *r)
{
    static const char *const keys[3][R_N] = {   /* stored by pointer: static strings */
        { "replay_setup_ms_8", "replay_procs_per_s_8", "replay_events_per_proc_8",
          "replay_wall_procs_per_s_8" },
        { "replay_setup_ms_1024", "replay_procs_per_s_1024", "replay_events_per_proc_1024",
          "replay_wall_procs_per_s_1024" },
        { "replay_setup_ms_4096", "replay_procs_per_s_4096", "replay_events_per_proc_4096",
          "replay_wall_procs_per_s_4096" },
    };
    /* The default strategy, locality, the path a replay without --strategy takes (its steal
     * looks are bounded on one wide cluster as random's are; see ws_victim_locality.c). */
    static const char *const loc_keys[2] = { "replay_procs_per_s_1024_locality",
                                            "replay_procs_per_s_4096_locality" };
    const struct replay_sizes *sizes = o->items < 100000 ? replay_emulated : replay_full;
    /* Repetition outermost: each one replays every size and strategy once, so that the host's
     * speed, which moves by tens of percent over a minute on a shared machine, weighs on the
     * core counts alike and their ratios stay fair. */
    double v[3][R_N][3], loc[2][3];
    for (int rep = 0; rep < 3; rep++) {
        for (int t = 0; t < 3; t++) {
            double out[R_N];
            if (replay_rep(&sizes[t], "random", out) != 0)
                return -1;
            for (int k = 0; k < R_N; k++)
                v[t][k][rep] = out[k];
        }
        for (int t = 1; t < 3; t++) {
            double out[R_N];
            if (replay_rep(&sizes[t], "locality", out) != 0)
                return -1;
            loc[t - 1][rep] = out[R_RATE];
        }
    }
    double steady[3];
    for (int t = 0; t < 3; t++) {
        for (int k = 0; k < R_N; k++)
            sim_bench_add(r, keys[t][k], sim_median(v[t][k], 3));
        steady[t] = sim_median(v[t][R_RATE], 3);
    }
    sim_bench_add(r, "replay_cost_ratio_4096_8", steady[0] / steady[2]);
    for (int t = 0; t < 2; t++)
        sim_bench_add(r, loc_keys[t], sim_median(loc[t], 3));
    return 0;
}

enum { M_10K, M_1M, M_10K_U, M_1M_U, M_HEAP_10K, M_HEAP_1M, M_N };

/* One repetition: every measurement once, into s[M_N]. */
static int measure(uint64_t *inc, uint64_t holds, unsigned rep, double *s)
{
    fill_increments(inc, true, 0x5EED0000u + rep);
    s[M_10K] = run_eventq(inc, SIZE_10K, holds);
    s[M_HEAP_10K] = run_bheap(inc, SIZE_10K, holds);
    s[M_1M] = run_eventq(inc, SIZE_1M, holds);
    s[M_HEAP_1M] = run_bheap(inc, SIZE_1M, holds);
    fill_increments(inc, false, 0x5EED1000u + rep);
    s[M_10K_U] = run_eventq(inc, SIZE_10K, holds);
    s[M_1M_U] = run_eventq(inc, SIZE_1M, holds);
    for (int k = 0; k < M_N; k++)
        if (s[k] < 0)
            return -1;
    return 0;
}

int sim_bench_sim(const struct sim_bench_opts *o, struct sim_bench_result *r)
{
    static const char *keys[M_N] = {
        "events_per_s_10k", "events_per_s_1m", "events_per_s_10k_uniform",
        "events_per_s_1m_uniform", "heap_events_per_s_10k", "heap_events_per_s_1m",
    };
    double *samples = calloc((size_t)M_N * o->reps, sizeof(double));
    uint64_t *inc = malloc(NINC * sizeof(uint64_t));
    int rc = samples && inc ? 0 : -1;
    for (unsigned rep = 0; rc == 0 && rep < o->reps; rep++) {
        rc = measure(inc, o->items, rep, samples + (size_t)rep * M_N);
        sim_bench_progress(o, "sim", rep + 1, o->reps);
    }
    double col[SIM_BENCH_MAX_REPS];
    for (int k = 0; rc == 0 && k < M_N; k++) {
        for (unsigned rep = 0; rep < o->reps; rep++)
            col[rep] = samples[(size_t)rep * M_N + (size_t)k];
        sim_bench_add(r, keys[k], sim_median(col, o->reps));
    }
    free(samples);
    free(inc);
    if (rc != 0)
        return -1;
    sim_bench_add(r, "speedup_vs_heap_10k",
                  sim_bench_get(r, "events_per_s_10k") / sim_bench_get(r, "heap_events_per_s_10k"));
    sim_bench_add(r, "speedup_vs_heap_1m",
                  sim_bench_get(r, "events_per_s_1m") / sim_bench_get(r, "heap_events_per_s_1m"));
    return bench_replay(o, r);
}
