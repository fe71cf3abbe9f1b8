/* nat_calib.c: the host measurements of nat_calib.h: busy-loop rate, steal latency (deque
 * ping-pong), futex wake-up latency, join message and UTS child costs; each the mean of
 * repeated trials with its 95% confidence interval. */
#include "native/nat_calib.h"
#include "native/nat_rt.h"
#include "native/nat_sys.h"
#include "native/nat_work.h"

#include "core/ws_deque.h"
#include "sim/util/sim_stats.h"
#include "sim/util/sim_util.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STEAL_ROUNDS 2000
#define STEAL_TRIALS 9
#define MICRO_TRIALS 15
#define MSG_OPS 1000000
#define CHILD_OPS 20000
#define WAKE_SAMPLES 41

struct nat_cost nat_cost_of(const double *x, uint32_t n)
{
    struct sim_ci ci;
    sim_ci_compute(x, n, &ci);
    double *sorted = n > 0 ? malloc(n * sizeof(double)) : NULL;
    double med = ci.mean;
    if (sorted != NULL) {
        memcpy(sorted, x, n * sizeof(double));
        med = sim_median(sorted, n);
        free(sorted);
    }
    return (struct nat_cost){ .ns = ci.mean, .half = ci.half, .median = med, .n = n };
}

static void pin_to(int32_t cpu)
{
    if (cpu < 0)
        return;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
}

double nat_calib_busy(void)
{
    double best = 0;
    uint64_t iters = 1u << 18;
    for (int r = 0; r < 5; r++) {
        uint64_t t0 = nat_now_ns();
        nat_busy(iters);
        uint64_t dt = nat_now_ns() - t0;
        double rate = dt ? (double)iters / (double)dt : 0;
        if (rate > best)
            best = rate;
    }
    return best > 0 ? best : 1.0;
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
    pin_to(pp->cpu[me]);
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
static double steal_trial(int32_t a, int32_t b)
{
    struct pingpong pp = { .cpu = { a, b } };
    if (ws_deque_init(&pp.d[0], 64) != WS_OK)
        return 0;
    if (ws_deque_init(&pp.d[1], 64) != WS_OK) {
        ws_deque_destroy(&pp.d[0]);
        return 0;
    }
    atomic_init(&pp.ready, 0);
    pthread_t t;
    struct pp_arg args[2] = { { &pp, 0 }, { &pp, 1 } };
    bool ok = pthread_create(&t, NULL, pp_thread, &args[1]) == 0;
    if (ok) {
        cpu_set_t saved;
        bool restore = pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved) == 0;
        pp_thread(&args[0]);
        pthread_join(t, NULL);
        if (restore)
            pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
    }
    ws_deque_destroy(&pp.d[0]);
    ws_deque_destroy(&pp.d[1]);
    return ok ? (double)pp.ns / (2.0 * STEAL_ROUNDS) : -1.0;
}

struct nat_cost nat_calib_steal(int32_t cpu_a, int32_t cpu_b)
{
    struct nat_cost none = { 0 };
    if (cpu_a < 0 || cpu_b < 0 || cpu_a == cpu_b)
        return none;   /* two spinning threads on one CPU would measure the scheduler instead */
    double v[STEAL_TRIALS];
    for (int i = 0; i < STEAL_TRIALS; i++)
        if ((v[i] = steal_trial(cpu_a, cpu_b)) < 0)
            return none;
    return nat_cost_of(v, STEAL_TRIALS);
}

/* ---- futex wake-up latency ----------------------------------------------------------------- */

struct wakelat {
    _Atomic uint32_t word;        /* futex word, bumped by each wake */
    _Atomic uint32_t parked;      /* sample number + 1 the sleeper waits for */
    _Atomic uint32_t acked;       /* samples the sleeper has recorded */
    _Atomic uint64_t t_wake;
    int32_t cpu;
    double lat[WAKE_SAMPLES];
};

static void *wake_sleeper(void *arg)
{
    struct wakelat *k = arg;
    pin_to(k->cpu);
    for (uint32_t i = 0; i < WAKE_SAMPLES; i++) {
        uint32_t seen = atomic_load(&k->word);
        atomic_store(&k->parked, i + 1);
        while (atomic_load(&k->word) == seen)
            nat_futex_wait(&k->word, seen, 100000000);
        uint64_t t1 = nat_now_ns(), t0 = atomic_load(&k->t_wake);
        k->lat[i] = t1 > t0 ? (double)(t1 - t0) : 0;
        atomic_store(&k->acked, i + 1);
    }
    return NULL;
}

struct nat_cost nat_calib_wake(int32_t cpu_a, int32_t cpu_b)
{
    struct nat_cost c = { 0 };
    struct wakelat *k = calloc(1, sizeof(*k));
    if (k == NULL)
        return c;
    k->cpu = cpu_b;
    pthread_t t;
    if (pthread_create(&t, NULL, wake_sleeper, k) != 0) {
        free(k);
        return c;
    }
    cpu_set_t saved;
    bool restore = pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved) == 0;
    pin_to(cpu_a);
    for (uint32_t i = 0; i < WAKE_SAMPLES; i++) {
        while (atomic_load(&k->parked) != i + 1)
            sched_yield();
        struct timespec ts = { 0, 50000 };   /* let it reach futex_wait */
        nanosleep(&ts, NULL);
        atomic_store(&k->t_wake, nat_now_ns());
        atomic_fetch_add(&k->word, 1);
        nat_futex_wake(&k->word, 1);
        while (atomic_load(&k->acked) != i + 1)
            sched_yield();
    }
    pthread_join(t, NULL);
    if (restore)
        pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
    c = nat_cost_of(k->lat, WAKE_SAMPLES);
    free(k);
    return c;
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

struct nat_cost nat_calib_msg(void)
{
    static _Atomic int32_t join;
    static _Atomic uint64_t acc;
    double v[MICRO_TRIALS];
    for (int t = 0; t < MICRO_TRIALS; t++) {
        atomic_store_explicit(&join, MSG_OPS + 1, memory_order_relaxed);
        uint64_t t0 = thread_cpu_ns();
        for (uint32_t i = 0; i < MSG_OPS; i++) {
            atomic_fetch_add_explicit(&acc, i, memory_order_relaxed);
            atomic_fetch_sub_explicit(&join, 1, memory_order_acq_rel);
        }
        v[t] = (double)(thread_cpu_ns() - t0) / MSG_OPS;
    }
    return nat_cost_of(v, MICRO_TRIALS);
}

struct nat_cost nat_calib_uts_child(void)
{
    uint8_t d[2][SIM_UTS_DIGEST] = { { 0 } };
    double v[MICRO_TRIALS];
    for (int t = 0; t < MICRO_TRIALS; t++) {
        uint64_t t0 = thread_cpu_ns();
        for (uint32_t i = 0; i < CHILD_OPS; i++)   /* each digest hashes the last: no skipping */
            nat_uts_child(d[i & 1], i, d[(i + 1) & 1]);
        v[t] = (double)(thread_cpu_ns() - t0) / CHILD_OPS;
    }
    return nat_cost_of(v, MICRO_TRIALS);
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
}

char *nat_calib_json(const struct nat_calibration *c)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    cJSON_AddNumberToObject(o, "busy_iters_per_ns", c->busy_iters_per_ns);
    add_cost(o, "steal", &c->steal);
    add_cost(o, "wake", &c->wake);
    add_cost(o, "spawn", &c->spawn);
    add_cost(o, "msg", &c->msg);
    add_cost(o, "child", &c->child);
    add_cost(o, "proc", &c->proc);
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
