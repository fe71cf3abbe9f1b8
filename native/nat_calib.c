/* nat_calib.c: the host measurements of nat_calib.h: busy-loop rate, steal latency (deque
 * ping-pong), join message (local and from the other core) and UTS child costs (the wake-up
 * latencies are in nat_calib_wake.c); each a robust estimate (nat_cost_robust, nat_cost.c:
 * warm-up discarded, preempted trials dropped, 20% trimmed mean) of repeated trials with its
 * 95% confidence interval. */
#include "native/nat_calib.h"
#include "native/nat_rt.h"
#include "native/nat_sys.h"
#include "native/nat_work.h"

#include "core/ws_deque.h"
#include "sim/util/sim_stats.h"
#include "sim/util/sim_util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#endif

#define STEAL_ROUNDS 500
#define STEAL_TRIALS 31
#define MICRO_TRIALS 15
#define MSG_OPS 100000
#define CHILD_OPS 20000
#define RJOIN_LINES 64    /* joins per round of the remote arrival */
#define RJOIN_ROUNDS 40
#define RJOIN_TRIALS 31

long nat_calib_nivcsw(bool thread)
{
    struct rusage u;
    return getrusage(thread ? RUSAGE_THREAD : RUSAGE_SELF, &u) == 0 ? u.ru_nivcsw : 0;
}

void nat_calib_pin(int32_t cpu)
{
    if (cpu < 0)
        return;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
}

int nat_calib_pair_begin(struct nat_calib_pair *pr, void *(*fn)(void *), void *arg,
                         int32_t cpu_a)
{
    if (pthread_create(&pr->t, NULL, fn, arg) != 0)
        return -1;
    pr->restore = pthread_getaffinity_np(pthread_self(), sizeof(pr->saved), &pr->saved) == 0;
    nat_calib_pin(cpu_a);
    return 0;
}

void nat_calib_pair_end(struct nat_calib_pair *pr)
{
    pthread_join(pr->t, NULL);
    if (pr->restore)
        pthread_setaffinity_np(pthread_self(), sizeof(pr->saved), &pr->saved);
}

/* ---- steal ping-pong ----------------------------------------------------------------------- */

struct pingpong {
    struct ws_deque d[2];     /* d[i] is owned (pushed) by thread i and stolen from by the other */
    int32_t cpu[2];
    _Atomic int ready;
    uint64_t ns;              /* thread 0: duration of the rounds */
};

struct pp_arg {
    struct pingpong *pp;
    int me;
};

static void *pp_thread(void *arg)
{
    struct pp_arg *a = arg;
    struct pingpong *pp = a->pp;
    int me = a->me, other = 1 - me;
    static int token;
    nat_calib_pin(pp->cpu[me]);
    atomic_fetch_add(&pp->ready, 1);
    while (atomic_load(&pp->ready) < 2)
        ws_cpu_relax();
    uint64_t t0 = nat_now_ns();
    for (int r = 0; r < STEAL_ROUNDS; r++) {
        void *x;
        if (me == 0 && ws_deque_push(&pp->d[me], &token) != WS_OK)
            break;
        while (ws_deque_steal(&pp->d[other], &x) != WS_OK)
            ws_cpu_relax();
        if (me == 1 && ws_deque_push(&pp->d[me], &token) != WS_OK)
            break;
    }
    if (me == 0)
        pp->ns = nat_now_ns() - t0;
    return NULL;
}

/* One trial: thread 1 is started, the calling thread plays thread 0 (pinned, then restored).
 * ns per steal, or a negative value when thread 1 cannot start. */
static double steal_trial(int32_t a, int32_t b, bool asym)
{
    struct pingpong pp = { .cpu = { a, b } };
    if (ws_deque_init(&pp.d[0], 64) != WS_OK)
        return 0;
    if (ws_deque_init(&pp.d[1], 64) != WS_OK) {
        ws_deque_destroy(&pp.d[0]);
        return 0;
    }
    ws_deque_set_asym(&pp.d[0], asym);
    ws_deque_set_asym(&pp.d[1], asym);
    atomic_init(&pp.ready, 0);
    struct nat_calib_pair pr;
    struct pp_arg args[2] = { { &pp, 0 }, { &pp, 1 } };
    bool ok = nat_calib_pair_begin(&pr, pp_thread, &args[1], -1) == 0;   /* each pins itself */
    if (ok) {
        pp_thread(&args[0]);
        nat_calib_pair_end(&pr);
    }
    ws_deque_destroy(&pp.d[0]);
    ws_deque_destroy(&pp.d[1]);
    return ok ? (double)pp.ns / (2.0 * STEAL_ROUNDS) : -1.0;
}

struct nat_cost nat_calib_steal(int32_t cpu_a, int32_t cpu_b, bool asym)
{
    struct nat_cost none = { 0 };
    if (cpu_a < 0 || cpu_b < 0 || cpu_a == cpu_b)
        return none;   /* two spinning threads on one CPU would measure the scheduler instead */
    struct nat_trial v[STEAL_TRIALS];
    for (int i = -1; i < STEAL_TRIALS; i++) {   /* trial -1: the warm-up, discarded */
        long cs = nat_calib_nivcsw(false);   /* both threads are this process's */
        double ns = steal_trial(cpu_a, cpu_b, asym);
        if (ns < 0)
            return none;
        if (i >= 0)
            v[i] = (struct nat_trial){ ns, nat_calib_nivcsw(false) - cs };
    }
    return nat_cost_robust(v, STEAL_TRIALS);
}

/* ---- a membarrier's cost to the thread it interrupts ------------------------------------- */

#define VICTIM_TRIALS 15
#define VICTIM_BARRIERS 40
#define VICTIM_GAP_NS 50000
#define VICTIM_RUN_NS 4000000
#define VICTIM_CHUNK_NS 250
#define VICTIM_MAX_GAPS 4096
#define VICTIM_MIN_GAP_NS 1000

struct mbv {
    int32_t cpu_a;
    bool barriers;              /* this run sends them (else its sender only spins) */
    _Atomic int ready;          /* the sender is on its CPU */
    _Atomic int phase;          /* 0: starting, 1: the victim loops, 2: it is done */
    uint32_t sent;
    uint64_t call[VICTIM_BARRIERS][2];   /* each barrier's call: its start and its return */
};

/* Thread a: a barrier every VICTIM_GAP_NS while the victim loops, at most VICTIM_BARRIERS,
 * each call's start and return read from the clock. */
static void *mbv_sender(void *arg)
{
    struct mbv *m = arg;
    nat_calib_pin(m->cpu_a);
    atomic_store(&m->ready, 1);
    while (atomic_load(&m->phase) == 0)
        ws_cpu_relax();
    uint64_t next = nat_now_ns() + VICTIM_GAP_NS;
    while (atomic_load(&m->phase) == 1) {
        if (nat_now_ns() < next || m->sent == VICTIM_BARRIERS) {
            ws_cpu_relax();
            continue;
        }
        next += VICTIM_GAP_NS;
        if (!m->barriers)
            continue;
        m->call[m->sent][0] = nat_now_ns();
#if defined(__linux__) && defined(__NR_membarrier)
        syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
#endif
        m->call[m->sent][1] = nat_now_ns();
        m->sent++;
    }
    return NULL;
}

/* One run on b of VICTIM_RUN_NS of work, in chunks of VICTIM_CHUNK_NS with a clock read after
 * each, while a sends barriers (or, barriers false, only spins): its wall time less the host's
 * detours, the gaps between reads longer than a chunk by VICTIM_MIN_GAP_NS that overlap no
 * barrier's call (each less a chunk's mean time). What a barrier costs the victim is then in
 * that time: its own gap, and the slower chunks after it. -1 when a thread cannot start. */
static double mbv_run(int32_t a, int32_t b, bool barriers, double iters_per_ns, uint32_t *sent,
                      double *call_ns)
{
    static _Thread_local uint64_t gap[VICTIM_MAX_GAPS][2];
    struct mbv m = { .cpu_a = a, .barriers = barriers };
    atomic_init(&m.ready, 0);
    atomic_init(&m.phase, 0);
    pthread_t t;
    if (pthread_create(&t, NULL, mbv_sender, &m) != 0)
        return -1;
    nat_calib_pin(b);
    while (atomic_load(&m.ready) == 0)
        ws_cpu_relax();
    uint64_t chunk = (uint64_t)(iters_per_ns * VICTIM_CHUNK_NS) + 1;
    uint64_t chunks = VICTIM_RUN_NS / VICTIM_CHUNK_NS, n = 0;
    nat_busy(chunk * chunks / 16);   /* on the CPU, warm */
    atomic_store(&m.phase, 1);
    uint64_t t0 = nat_now_ns(), last = t0;
    for (uint64_t i = 0; i < chunks; i++) {
        nat_busy(chunk);
        uint64_t x = nat_now_ns();
        if (x - last > VICTIM_CHUNK_NS + VICTIM_MIN_GAP_NS && n < VICTIM_MAX_GAPS) {
            gap[n][0] = last;
            gap[n][1] = x;
            n++;
        }
        last = x;
    }
    atomic_store(&m.phase, 2);
    pthread_join(t, NULL);
    *sent = m.sent;
    *call_ns = 0;
    for (uint32_t i = 0; i < m.sent; i++)
        *call_ns += (double)(m.call[i][1] - m.call[i][0]) / m.sent;
    double wall = (double)(last - t0), gaps = 0;
    for (uint64_t g = 0; g < n; g++)
        gaps += (double)(gap[g][1] - gap[g][0]);
    double mean = chunks > n ? (wall - gaps) / (double)(chunks - n) : 0;
    for (uint64_t g = 0; g < n; g++) {
        bool barrier = false;
        for (uint32_t i = 0; i < m.sent && !barrier; i++)
            barrier = gap[g][0] <= m.call[i][1] && gap[g][1] >= m.call[i][0];
        if (!barrier)
            wall -= (double)(gap[g][1] - gap[g][0]) - mean;
    }
    return wall;
}

struct nat_cost nat_calib_barrier_victim(int32_t cpu_a, int32_t cpu_b, double iters_per_ns,
                                         struct nat_cost *caller)
{
    struct nat_cost none = { 0 };
    *caller = none;
    if (cpu_a < 0 || cpu_b < 0 || cpu_a == cpu_b || iters_per_ns <= 0 ||
        !ws_deque_asym_supported())   /* registers the process for the expedited command */
        return none;
    cpu_set_t saved;
    bool restore = pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved) == 0;
    struct nat_trial v[VICTIM_TRIALS], call[VICTIM_TRIALS];
    uint32_t k = 0;
    for (int i = -1; i < VICTIM_TRIALS; i++) {   /* trial -1: the warm-up, discarded */
        uint32_t sent = 0, none_sent = 0;
        double call_ns = 0, unused;
        long cs = nat_calib_nivcsw(false);
        double base = mbv_run(cpu_a, cpu_b, false, iters_per_ns, &none_sent, &unused);
        long pre = nat_calib_nivcsw(false) - cs;   /* the barriers may count as switches */
        double with = mbv_run(cpu_a, cpu_b, true, iters_per_ns, &sent, &call_ns);
        if (base < 0 || with < 0) {
            k = 0;
            break;
        }
        if (i >= 0 && sent > 0) {
            call[k] = (struct nat_trial){ call_ns, pre };
            v[k++] = (struct nat_trial){ (with - base) / sent, pre };
        }
    }
    if (restore)
        pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
    if (k == 0)
        return none;
    struct nat_cost c = nat_cost_robust(v, k);
    if (c.ns < 0)
        c.ns = 0;
    *caller = nat_cost_robust(call, k);
    return c;
}

/* ---- a join arrival from the other core ---------------------------------------------------- */

/* Each join word on its own pair of lines (the adjacent-line prefetcher fetches pairs), with the
 * owner field an arrival reads first, as nat_join_arrive reads join_owner. */
struct rjoin_line {
    _Alignas(128) _Atomic uint64_t join;
    uint32_t owner;
};

struct rjoin {
    struct rjoin_line line[RJOIN_LINES];
    _Alignas(128) _Atomic uint32_t phase;   /* odd: the owner has set the joins up */
    int32_t cpu[2];
    _Atomic int ready;
    uint64_t remote_ns, local_ns;           /* thread 1: its arrivals' time, both kinds */
    uint64_t sink;                          /* their results, kept */
};

struct rjoin_arg {
    struct rjoin *j;
    int me;
};

/* Thread 1 arrives at every join in turn, each arrival's line chosen by the last one's result
 * (old >> 8 is 0, which the compiler cannot know): the CPU cannot overlap the misses, as a
 * worker's arrivals, one per process, never overlap. */
static uint64_t rjoin_chain(struct rjoin *j)
{
    uint64_t old = 0;
    for (uint32_t i = 0; i < RJOIN_LINES; i++) {
        struct rjoin_line *l = &j->line[(i + (old >> 8)) % RJOIN_LINES];
        if (l->owner != 1)
            old = atomic_fetch_add_explicit(&l->join, (UINT64_C(1) << 16) - 1,
                                            memory_order_acq_rel);
    }
    return old;
}

/* Thread 0 (the owner) sets up every join (nat_join_expect: a store to a line it then holds
 * modified); thread 1 arrives at each (a read of the owner, then the acq_rel RMW of
 * nat_join_arrive_remote), timed per round; then it times the same arrivals on joins it set up
 * itself, where the lines are its own. */
static void *rjoin_thread(void *arg)
{
    struct rjoin_arg *a = arg;
    struct rjoin *j = a->j;
    nat_calib_pin(j->cpu[a->me]);
    atomic_fetch_add(&j->ready, 1);
    while (atomic_load(&j->ready) < 2)
        ws_cpu_relax();
    for (uint32_t r = 0; r < RJOIN_ROUNDS; r++) {
        if (a->me == 0) {
            for (uint32_t i = 0; i < RJOIN_LINES; i++) {
                j->line[i].owner = 0;
                atomic_store_explicit(&j->line[i].join, 3, memory_order_relaxed);
            }
            atomic_store_explicit(&j->phase, 2 * r + 1, memory_order_release);
            while (atomic_load_explicit(&j->phase, memory_order_acquire) != 2 * r + 2)
                ws_cpu_relax();
            continue;
        }
        while (atomic_load_explicit(&j->phase, memory_order_acquire) != 2 * r + 1)
            ws_cpu_relax();
        uint64_t t0 = nat_now_ns();
        j->sink += rjoin_chain(j);
        j->remote_ns += nat_now_ns() - t0;
        atomic_store_explicit(&j->phase, 2 * r + 2, memory_order_release);
    }
    for (uint32_t r = 0; a->me == 1 && r < RJOIN_ROUNDS; r++) {
        for (uint32_t i = 0; i < RJOIN_LINES; i++) {
            j->line[i].owner = 0;
            atomic_store_explicit(&j->line[i].join, 3, memory_order_relaxed);
        }
        uint64_t t0 = nat_now_ns();
        j->sink += rjoin_chain(j);
        j->local_ns += nat_now_ns() - t0;
    }
    return NULL;
}

/* One trial: ns per arrival from the other core beyond the same arrival on local lines, or
 * NAN when thread 1 cannot start. */
static double rjoin_trial(int32_t a, int32_t b)
{
    struct rjoin *j = aligned_alloc(128, sizeof(*j));
    if (j == NULL)
        return (double)NAN;
    memset(j, 0, sizeof(*j));
    j->cpu[0] = a;
    j->cpu[1] = b;
    struct nat_calib_pair pr;
    struct rjoin_arg args[2] = { { j, 0 }, { j, 1 } };
    bool ok = nat_calib_pair_begin(&pr, rjoin_thread, &args[1], -1) == 0;   /* each pins itself */
    if (ok) {
        rjoin_thread(&args[0]);
        nat_calib_pair_end(&pr);
    }
    double ns = ((double)j->remote_ns - (double)j->local_ns) / (RJOIN_ROUNDS * RJOIN_LINES);
    free(j);
    return ok ? ns : (double)NAN;
}

struct nat_cost nat_calib_msg_remote(int32_t cpu_a, int32_t cpu_b)
{
    struct nat_cost none = { 0 };
    if (cpu_a < 0 || cpu_b < 0 || cpu_a == cpu_b)
        return none;
    struct nat_trial v[RJOIN_TRIALS];
    for (int i = -1; i < RJOIN_TRIALS; i++) {   /* trial -1: the warm-up, discarded */
        long cs = nat_calib_nivcsw(false);
        double ns = rjoin_trial(cpu_a, cpu_b);
        if (isnan(ns))
            return none;
        if (i >= 0)
            v[i] = (struct nat_trial){ ns, nat_calib_nivcsw(false) - cs };
    }
    return nat_cost_robust(v, RJOIN_TRIALS);
}

/* ---- join message and UTS child ------------------------------------------------------------ */

/* The calling thread's CPU time in ns: single-thread costs are timed with it, so time the thread
 * spent waiting for a CPU on a loaded host is not counted as cost. */
static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A single-thread trial's clock: CPU time, and the thread's own involuntary switches to tell a
 * preempted trial. The loops stay inline in each caller: an indirect call per operation would
 * cost more than the join message being timed. */
struct micro_clock {
    long cs;
    uint64_t t0;
};

static struct micro_clock micro_start(void)
{
    long cs = nat_calib_nivcsw(true);
    return (struct micro_clock){ cs, thread_cpu_ns() };
}

static struct nat_trial micro_stop(struct micro_clock c, uint32_t ops)
{
    double ns = (double)(thread_cpu_ns() - c.t0) / ops;
    return (struct nat_trial){ ns, nat_calib_nivcsw(true) - c.cs };
}

/* The busy loop's rate in the calling thread's CPU time, estimated like every other cost (a
 * trimmed mean of the trials not preempted) rather than by the fastest run, a rate the loop
 * keeps only at its best. */
double nat_calib_busy(void)
{
    const uint64_t iters = 1u << 18;   /* about 0.3 ms */
    struct nat_trial v[MICRO_TRIALS + 1];   /* v[0]: the warm-up */
    for (int t = 0; t <= MICRO_TRIALS; t++) {
        struct micro_clock c = micro_start();
        nat_busy(iters);
        v[t] = micro_stop(c, 1);
        v[t].v = v[t].v > 0 ? (double)iters / v[t].v : 0;
    }
    struct nat_cost k = nat_cost_robust(v + 1, MICRO_TRIALS);
    return k.ns > 0 ? k.ns : 1.0;
}

struct nat_cost nat_calib_msg(void)
{
    static _Atomic int32_t join;
    static _Atomic uint64_t acc;
    struct nat_trial v[MICRO_TRIALS + 1];   /* v[0]: the warm-up */
    for (int t = 0; t <= MICRO_TRIALS; t++) {
        atomic_store_explicit(&join, MSG_OPS + 1, memory_order_relaxed);
        struct micro_clock c = micro_start();
        for (uint32_t i = 0; i < MSG_OPS; i++) {
            atomic_fetch_add_explicit(&acc, i, memory_order_relaxed);
            atomic_fetch_sub_explicit(&join, 1, memory_order_acq_rel);
        }
        v[t] = micro_stop(c, MSG_OPS);
    }
    return nat_cost_robust(v + 1, MICRO_TRIALS);
}

struct nat_cost nat_calib_uts_child(void)
{
    uint8_t d[2][SIM_UTS_DIGEST] = { { 0 } };
    struct nat_trial v[MICRO_TRIALS + 1];   /* v[0]: the warm-up */
    for (int t = 0; t <= MICRO_TRIALS; t++) {
        struct micro_clock c = micro_start();
        for (uint32_t i = 0; i < CHILD_OPS; i++)   /* each digest hashes the last: no skipping */
            nat_uts_child(d[i & 1], i, d[(i + 1) & 1]);
        v[t] = micro_stop(c, CHILD_OPS);
    }
    return nat_cost_robust(v + 1, MICRO_TRIALS);
}

void nat_calib_load(struct nat_calibration *c)
{
    memset(c->load, 0, sizeof c->load);
    if (getloadavg(c->load, 3) != 3)
        memset(c->load, 0, sizeof c->load);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    c->host_cpus = n > 0 ? (uint32_t)n : 0;
}

static void add_cost(cJSON *o, const char *name, const struct nat_cost *k)
{
    char flat[32];
    snprintf(flat, sizeof flat, "%s_ns", name);
    cJSON_AddNumberToObject(o, flat, k->ns);
    cJSON *x = cJSON_AddObjectToObject(o, name);
    if (x == NULL)
        return;
    cJSON_AddNumberToObject(x, "ns", k->ns);
    cJSON_AddNumberToObject(x, "ci95", k->half);
    cJSON_AddNumberToObject(x, "median", k->median);
    cJSON_AddNumberToObject(x, "n", k->n);
    cJSON_AddNumberToObject(x, "preempted", k->preempted);
    cJSON_AddNumberToObject(x, "dropped", k->dropped);
    cJSON_AddNumberToObject(x, "tries", k->tries);
    cJSON_AddBoolToObject(x, "unsettled", k->unsettled);
}

static void add_dist(cJSON *o, const struct nat_dist *d)
{
    static const char *const names[NAT_DIST_Q] = { "p10", "p25", "p50", "p75", "p90", "p99" };
    cJSON *x = cJSON_AddObjectToObject(o, "proc_dist");
    if (x == NULL)
        return;
    cJSON_AddNumberToObject(x, "n", (double)d->n);
    cJSON_AddNumberToObject(x, "mean_ns", d->mean);
    cJSON_AddNumberToObject(x, "cv", d->cv);
    for (int i = 0; i < NAT_DIST_Q; i++)
        cJSON_AddNumberToObject(x, names[i], d->q[i]);
    cJSON_AddNumberToObject(x, "max", d->max);
}

static void add_noise(cJSON *o, const struct nat_noise *z)
{
    cJSON *x = cJSON_AddObjectToObject(o, "noise");
    if (x == NULL)
        return;
    cJSON_AddNumberToObject(x, "slices", z->slices);
    cJSON_AddNumberToObject(x, "observed_ns", z->observed_ns);
    cJSON_AddNumberToObject(x, "detours", (double)z->detours);
    cJSON_AddNumberToObject(x, "min_ns", NAT_NOISE_MIN_NS);
    cJSON_AddNumberToObject(x, "gap_ns", nat_noise_gap_ns(z));
    cJSON_AddNumberToObject(x, "mean_ns", nat_noise_mean_ns(z));
    cJSON_AddNumberToObject(x, "shared_detours", (double)z->shared_detours);
    cJSON_AddNumberToObject(x, "shared_gap_ns", nat_noise_shared_gap_ns(z));
    cJSON_AddNumberToObject(x, "shared_mean_ns", nat_noise_shared_mean_ns(z));
    cJSON_AddNumberToObject(x, "shared_share", z->detour_ns > 0 ? z->shared_ns / z->detour_ns : 0);
    cJSON_AddNumberToObject(x, "max_ns", z->max_ns);
    cJSON_AddNumberToObject(x, "share", z->observed_ns > 0 ? z->detour_ns / z->observed_ns : 0);
    cJSON_AddNumberToObject(x, "off_cpu_share",
                            z->observed_ns > 0 ? z->off_cpu_ns / z->observed_ns : 0);
    cJSON_AddNumberToObject(x, "work_factor", nat_noise_work_factor(z));
}

double nat_calib_corun_factor(const struct nat_calibration *c)
{
    if (c->corun.n == 0 || c->corun_alone.n == 0 || c->corun_alone.ns <= 0 || c->corun.ns <= 0)
        return 1.0;
    double f = c->corun.ns / c->corun_alone.ns;
    return fabs(f - 1.0) <= c->corun.half / c->corun_alone.ns ? 1.0 : f;
}

/* A measured value replaces the model's ref: from at least min_n trials, with ref outside its
 * 95% interval. */
static bool outside(const struct nat_cost *x, double ref, uint32_t min_n)
{
    return x->n >= min_n && fabs(x->ns - ref) > x->half;
}

double nat_calib_speed(const struct nat_calibration *c, uint32_t k)
{
    if (k == 0 || k >= c->nspeed || c->speed[k].ns <= 0)
        return 1.0;
    return outside(&c->speed[k], 1.0, 1) ? c->speed[k].ns : 1.0;
}

bool nat_calib_speed_doubtful(const struct nat_calibration *c, uint32_t k)
{
    if (k == 0 || k >= c->nspeed || c->speed[k].n == 0)
        return false;
    return c->speed[k].dropped > c->speed[k].n ||
           fabs(nat_calib_speed(c, k) - 1.0) > NAT_SPEED_UNEVEN;
}

double nat_calib_busy_rate(const struct nat_calibration *c)
{
    const struct nat_cost *b = &c->busy_rate;
    return b->ns > 0 && outside(b, 1.0, NAT_COST_MIN_CLEAN) ? b->ns : 1.0;
}

double nat_calib_busy_factor(const struct nat_calibration *c)
{
    const struct nat_cost *b = &c->busy_factor;
    return b->ns > 0 && outside(b, 1.0, NAT_COST_MIN_CLEAN) ? b->ns : 1.0;
}

/* The barrier's cost to its victim as measured on two pinned threads, 0 where it was not, or
 * did not settle (nat_cost_settle: the model is better without it than with a burst's). */
static double victim_measured(const struct nat_calibration *c)
{
    return c->steal_victim.n && !c->steal_victim.unsettled ? c->steal_victim.ns : 0.0;
}

bool nat_calib_busy_victim_applies(const struct nat_calibration *c)
{
    return c->busy_roles && outside(&c->busy_victim, victim_measured(c), NAT_COST_MIN_CLEAN);
}

double nat_calib_steal_victim(const struct nat_calibration *c)
{
    double v = nat_calib_busy_victim_applies(c) ? c->busy_victim.ns : victim_measured(c);
    return v > 0 ? v : 0.0;
}

bool nat_calib_steal_thief(const struct nat_calibration *c, double *ns)
{
    const struct nat_cost *b = &c->busy_thief;
    if (!c->busy_roles || b->ns <= 0 || !outside(b, 0.0, NAT_COST_MIN_CLEAN))
        return false;
    *ns = b->ns;
    return true;
}

/* A measured ratio as {ratio, ci95, n, applied}: the object, or NULL (no memory). */
static cJSON *add_ratio(cJSON *o, const char *name, const struct nat_cost *k, double applied)
{
    cJSON *x = cJSON_AddObjectToObject(o, name);
    if (x != NULL) {
        cJSON_AddNumberToObject(x, "ratio", k->ns);
        cJSON_AddNumberToObject(x, "ci95", k->half);
        cJSON_AddNumberToObject(x, "n", k->n);
        cJSON_AddNumberToObject(x, "applied", applied);
    }
    return x;
}

char *nat_calib_json(const struct nat_calibration *c)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    cJSON_AddNumberToObject(o, "busy_iters_per_ns", c->busy_iters_per_ns);
    add_cost(o, "steal", &c->steal);
    add_cost(o, "steal_hit", &c->steal_hit);
    add_cost(o, "steal_victim", &c->steal_victim);
    add_cost(o, "steal_barrier", &c->steal_barrier);
    add_cost(o, "steal_round", &c->steal_round);
    cJSON *bf = add_ratio(o, "busy_factor", &c->busy_factor, nat_calib_busy_factor(c));
    if (bf != NULL)
        cJSON_AddBoolToObject(bf, "roles", c->busy_roles);
    add_cost(o, "busy_victim", &c->busy_victim);
    add_cost(o, "busy_thief", &c->busy_thief);
    add_ratio(o, "busy_cpu", &c->busy_cpu, 1.0);
    cJSON_AddNumberToObject(o, "steal_victim_model_ns", nat_calib_steal_victim(c));
    double thief;
    if (nat_calib_steal_thief(c, &thief))
        cJSON_AddNumberToObject(o, "steal_thief_model_ns", thief);
    else
        cJSON_AddNullToObject(o, "steal_thief_model_ns");
    add_cost(o, "wake", &c->wake);
    add_cost(o, "spin_wake", &c->spin_wake);
    add_cost(o, "spawn", &c->spawn);
    add_cost(o, "msg", &c->msg);
    add_cost(o, "msg_remote", &c->msg_remote);
    add_cost(o, "replay", &c->replay);
    add_ratio(o, "busy_rate", &c->busy_rate, nat_calib_busy_rate(c));
    add_cost(o, "child", &c->child);
    add_cost(o, "proc", &c->proc);
    add_cost(o, "proc_before", &c->proc_before);
    add_cost(o, "proc_calm", &c->proc_calm);
    add_cost(o, "corun_alone", &c->corun_alone);
    add_cost(o, "corun", &c->corun);
    cJSON_AddNumberToObject(o, "corun_factor", nat_calib_corun_factor(c));
    cJSON *sp = cJSON_AddArrayToObject(o, "cpu_speed");   /* [k]: worker k's CPU; [0] is 1 */
    for (uint32_t k = 0; sp != NULL && k < c->nspeed; k++) {
        cJSON *x = cJSON_CreateObject();
        if (x == NULL)
            break;
        cJSON_AddNumberToObject(x, "ratio", k ? c->speed[k].ns : 1.0);
        cJSON_AddNumberToObject(x, "ci95", c->speed[k].half);
        cJSON_AddNumberToObject(x, "n", c->speed[k].n);
        cJSON_AddNumberToObject(x, "dropped", c->speed[k].dropped);
        cJSON_AddNumberToObject(x, "capacity", nat_calib_speed(c, k));
        cJSON_AddBoolToObject(x, "doubtful", nat_calib_speed_doubtful(c, k));
        cJSON_AddItemToArray(sp, x);
    }
    add_dist(o, &c->proc_dist);
    add_noise(o, &c->noise);
    cJSON_AddNumberToObject(o, "latency_ns", c->latency_ns);
    cJSON_AddStringToObject(o, "workload", c->workload);
    cJSON *l = cJSON_AddArrayToObject(o, "load");
    for (int i = 0; l != NULL && i < 3; i++)
        cJSON_AddItemToArray(l, cJSON_CreateNumber(c->load[i]));
    cJSON_AddNumberToObject(o, "host_cpus", c->host_cpus);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}
