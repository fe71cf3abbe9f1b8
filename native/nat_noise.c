/* nat_noise.c: host noise as a worker's CPU sees it, by a selfish-detour loop (the method of
 * Beckman et al., "The influence of operating systems on the performance of collective
 * operations at extreme scale", CLUSTER 2006): a thread pinned to each of the run's CPUs reads
 * the clock in a tight loop, and a gap between two consecutive reads longer than
 * NAT_NOISE_MIN_NS is a detour, time the thread did not have its CPU (a preemption, the
 * hypervisor running another guest's vCPU, a long interrupt). The loops run at once, as a
 * run's workers do. The simulator's host-noise model (noise_gap_ns, noise_ns in ws_params.h)
 * takes the detours' rate and mean length. */
#include "native/nat_calib.h"
#include "native/nat_rt.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct detour_loop {
    int32_t cpu;
    uint64_t dur_ns;
    uint64_t observed_ns, detours, detour_ns, max_ns, off_cpu_ns;
};

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The loop of one CPU. At each detour it also reads its thread's CPU time: what the wall clock
 * gained since the previous detour beyond that is time the thread was off its CPU (the
 * kernel ran something else), where the rest of a detour (a hypervisor running another vCPU,
 * an interrupt) counts as the thread's CPU time, as it does in every CPU-time measurement. */
static void *detour_thread(void *arg)
{
    struct detour_loop *l = arg;
    nat_calib_pin(l->cpu);
    uint64_t t0 = nat_now_ns(), last = t0, end = t0 + l->dur_ns;
    uint64_t mark = t0, mark_cpu = thread_cpu_ns();
    for (;;) {
        uint64_t t = nat_now_ns(), gap = t - last;
        if (gap > NAT_NOISE_MIN_NS) {
            l->detours++;
            l->detour_ns += gap;
            l->max_ns = gap > l->max_ns ? gap : l->max_ns;
            uint64_t cpu = thread_cpu_ns();
            t = nat_now_ns();
            uint64_t wall = t - mark, used = cpu - mark_cpu;
            l->off_cpu_ns += wall > used ? wall - used : 0;
            mark = t;
            mark_cpu = cpu;
        }
        last = t;
        if (t >= end)
            break;
    }
    l->observed_ns = last - t0;
    return NULL;
}

int nat_noise_measure(const int32_t *cpus, uint32_t n, uint64_t dur_ns, struct nat_noise *acc)
{
    struct detour_loop *l = calloc(n, sizeof(*l));
    pthread_t *t = calloc(n, sizeof(*t));
    bool *started = calloc(n, sizeof(*started));
    int rc = l != NULL && t != NULL && started != NULL ? 0 : -1;
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        l[i] = (struct detour_loop){ .cpu = cpus[i], .dur_ns = dur_ns };
        started[i] = pthread_create(&t[i], NULL, detour_thread, &l[i]) == 0;
        rc = started[i] ? 0 : -1;
    }
    for (uint32_t i = 0; started != NULL && i < n; i++)
        if (started[i])
            pthread_join(t[i], NULL);
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        acc->observed_ns += (double)l[i].observed_ns;
        acc->detours += l[i].detours;
        acc->detour_ns += (double)l[i].detour_ns;
        acc->off_cpu_ns += (double)l[i].off_cpu_ns;
        acc->max_ns = (double)l[i].max_ns > acc->max_ns ? (double)l[i].max_ns : acc->max_ns;
    }
    if (rc == 0)
        acc->slices++;
    free(started);
    free(t);
    free(l);
    return rc;
}

double nat_noise_gap_ns(const struct nat_noise *z)
{
    return z->detours > 0 ? (z->observed_ns - z->detour_ns) / (double)z->detours : 0.0;
}

double nat_noise_mean_ns(const struct nat_noise *z)
{
    return z->detours > 0 ? z->detour_ns / (double)z->detours : 0.0;
}

double nat_noise_work_factor(const struct nat_noise *z)
{
    if (z->detours == 0 || z->observed_ns <= 0)
        return 1.0;
    double all = z->detour_ns / z->observed_ns, off = z->off_cpu_ns / z->observed_ns;
    if (off > all)
        off = all;
    return off < 1.0 && all < 1.0 ? (1.0 - all) / (1.0 - off) : 1.0;
}

double nat_noise_replay_ns(const struct nat_calibration *c)
{
    return c->replay.ns -
           c->replay_cpu_ns * (1.0 - nat_noise_work_factor(&c->noise)) * c->replay_per_spawn;
}
