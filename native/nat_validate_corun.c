/* nat_validate_corun.c: what a worker's per-process cost becomes while the run's other CPUs
 * work too. On a shared host two vCPUs may be threads of one physical core, or share caches
 * and memory bandwidth with each other: measured here, fib:27 on one worker costs 7% more per
 * process while the other vCPU computes, nqueens:10 18% more. The model runs its cores at the
 * cost a worker has alone unless told; validate gives it the cost beside busy neighbours for
 * N threads, whose workers are busy together nearly all the run. */
#include "native/nat_validate.h"
#include "native/nat_validate_int.h"

#include "native/nat_run.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

/* A copy of the workload running on one CPU, over and over, until told to stop. */
struct companion {
    pthread_t thread;
    const struct ws_topo *host;
    const struct nat_validate_opts *vo;
    const char *workload;
    int32_t cpu;
    volatile int *stop;
    atomic_int started;
};

static void *companion_main(void *arg)
{
    struct companion *c = arg;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(c->cpu, &one);
    (void)pthread_setaffinity_np(pthread_self(), sizeof one, &one);
    struct nat_run_opts o;
    nat_run_defaults(&o);
    o.workload = c->workload;
    o.threads = 1;
    o.host = c->host;
    o.seed = c->vo->seed + 1;
    o.params = c->vo->params;
    o.bind = NAT_BIND_NONE;            /* not pinned by nat_run: its worker inherits this CPU */
    o.params.binding = WS_BIND_NONE;
    o.stopped = c->stop;
    atomic_store_explicit(&c->started, 1, memory_order_release);
    while (!*c->stop) {
        struct nat_run_result r;
        char err[256];
        if (nat_run(&o, &r, err, sizeof err) != 0)
            break;   /* stopped (or failed: the measurement then reads as alone) */
    }
    return NULL;
}

/* n one-worker trials of workload into t[*k...]. 0, or -1 with err. */
static int trials(const struct ws_topo *host, const char *workload,
                  const struct nat_validate_opts *vo, uint32_t n, struct nat_trial *t,
                  uint32_t *k, char *err, size_t errlen)
{
    uint64_t procs, wall;
    for (uint32_t i = 0; i < n; i++)
        if (nat_validate_proc_trial(host, workload, vo, &t[(*k)++], &procs, &wall, err,
                                    errlen) != 0)
            return -1;
    return 0;
}

/* Start a companion on each of cpus[1..threads); false if one could not start (those that
 * did are stopped again). */
static bool start_companions(struct companion *c, uint32_t threads, const int32_t *cpus,
                             const struct ws_topo *host, const struct nat_validate_opts *vo,
                             const char *workload, volatile int *stop)
{
    uint32_t started = 0;
    for (uint32_t i = 1; i < threads; i++, started++) {
        c[i] = (struct companion){ .host = host, .vo = vo, .workload = workload,
                                   .cpu = cpus[i], .stop = stop };
        atomic_init(&c[i].started, 0);
        if (cpus[i] < 0 || pthread_create(&c[i].thread, NULL, companion_main, &c[i]) != 0)
            break;
    }
    if (started + 1 < threads) {
        *stop = 1;
        for (uint32_t i = 1; i <= started; i++)
            pthread_join(c[i].thread, NULL);
        return false;
    }
    for (uint32_t i = 1; i < threads; i++)   /* each one is working before the trial */
        while (!atomic_load_explicit(&c[i].started, memory_order_acquire))
            sched_yield();
    struct timespec settle = { 0, 2000000 };
    nanosleep(&settle, NULL);
    return true;
}

static void stop_companions(struct companion *c, uint32_t threads, volatile int *stop)
{
    *stop = 1;
    for (uint32_t i = 1; i < threads; i++)
        pthread_join(c[i].thread, NULL);
}

int nat_validate_corun(const struct nat_validate_opts *vo, const struct ws_topo *host,
                       const int32_t *cpus, uint32_t threads, const char *workload,
                       const char *mate, struct nat_cost *alone, struct nat_cost *beside,
                       char *err, size_t errlen)
{
    enum { PAIRS = 8 };
    struct nat_trial solo[PAIRS + 1], co[PAIRS];
    struct companion c[NAT_VALIDATE_MAX_CORUN];
    *alone = *beside = (struct nat_cost){ 0 };
    if (threads < 2 || threads > NAT_VALIDATE_MAX_CORUN || cpus == NULL)
        return 0;
    /* Alone and beside the companions in turn, alone last: the per-process cost drifts by
     * 10-40% within a minute on a shared host, and blocks (7 alone, 8 beside, 7 alone) read
     * uts:T3's factor 0.98-1.16 in five validations, fib:27's 0.98-1.03. */
    uint32_t ns = 0, nc = 0;
    for (uint32_t i = 0; i < PAIRS; i++) {
        if (trials(host, workload, vo, 1, solo, &ns, err, errlen) != 0)
            return -1;
        volatile int stop = 0;
        if (!start_companions(c, threads, cpus, host, vo, mate, &stop))
            return 0;   /* no measurement: the model keeps the cost alone */
        int rc = trials(host, workload, vo, 1, co, &nc, err, errlen);
        stop_companions(c, threads, &stop);
        if (rc != 0)
            return -1;
    }
    if (trials(host, workload, vo, 1, solo, &ns, err, errlen) != 0)
        return -1;
    /* The factor from each beside trial over the mean of the alone trials around it (a pair
     * with a preempted trial counts as preempted). Robust estimates of the two sides apart
     * drop different trials: interleaved so, uts:T3 still read 1.00-1.19; as pairs, 1.00-1.07
     * (fib:27 1.00-1.02). */
    struct nat_trial ratio[PAIRS];
    for (uint32_t i = 0; i < PAIRS; i++)
        ratio[i] = (struct nat_trial){
            co[i].v / (0.5 * (solo[i].v + solo[i + 1].v)),
            solo[i].switches + co[i].switches + solo[i + 1].switches };
    struct nat_cost f = nat_cost_robust(ratio, PAIRS);
    *alone = nat_cost_robust(solo, ns);
    *beside = f;   /* the cost beside: alone x the factor, its interval the factor's */
    beside->ns = alone->ns * f.ns;
    beside->median = alone->ns * f.median;
    beside->half = alone->ns * f.half;
    return 0;
}
