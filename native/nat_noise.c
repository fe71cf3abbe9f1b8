/* nat_noise.c: host noise as a worker's CPU sees it, by a selfish-detour loop (the method of
 * Beckman et al., "The influence of operating systems on the performance of collective
 * operations at extreme scale", CLUSTER 2006): a thread pinned to each of the run's CPUs reads
 * the clock in a tight loop, and a gap between two consecutive reads longer than
 * NAT_NOISE_MIN_NS is a detour, time the thread did not have its CPU (a preemption, the
 * hypervisor running another guest's vCPU, a long interrupt). The loops run at once, as a
 * run's workers do. A detour that every other CPU's loop was in a detour for a part of is
 * machine-wide (the hypervisor took the whole guest: on the 2-vCPU development host 58-86% of
 * them, and the long ones); the rest are the CPU's own. The simulator's host-noise model takes
 * the rate and mean length of each kind: noise_gap_ns and noise_ns for a core's own,
 * noise_shared_gap_ns and noise_shared_ns for the machine-wide ones (ws_params.h). */
#include "native/nat_calib.h"
#include "native/nat_rt.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct detour_loop {
    int32_t cpu;
    uint64_t dur_ns;
    uint64_t observed_ns, detours, detour_ns, max_ns, off_cpu_ns;
    uint64_t (*span)[2];          /* the detours' [start, end), as many as fit in cap */
    size_t nspan, cap;
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
            if (l->nspan == l->cap) {   /* (doubling, rarely; t is read again after it) */
                size_t cap = l->cap ? l->cap * 2 : 1024;
                uint64_t (*sp)[2] = realloc(l->span, cap * sizeof *sp);
                if (sp != NULL) {
                    l->span = sp;
                    l->cap = cap;
                }
            }
            if (l->nspan < l->cap) {
                l->span[l->nspan][0] = last;
                l->span[l->nspan][1] = t;
                l->nspan++;
            }
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

struct span {
    uint64_t start, end;
    uint32_t cpu;
};

static int by_start(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* (nat_calib.h) Which of the loops' detours are machine-wide (the hypervisor took the whole
 * guest, as the model's noise_shared_* detours take every core): those that every other CPU's
 * loop was in a detour for a part of, added to acc as their count and total. With two CPUs,
 * any overlap; with more, overlaps with some CPUs only (per-CPU interrupts meeting by chance,
 * more likely the more CPUs) leave a detour the CPU's own. Sorted by start, detour i meets
 * every later one that starts before it ends, and every earlier one that ends after it starts
 * (the scan back stops where no earlier detour reaches it: the ends' running maximum).
 * -1: out of memory. */
int nat_noise_classify(uint32_t n, const uint64_t (*const *span)[2], const size_t *nspan,
                       struct nat_noise *acc)
{
    size_t m = 0;
    for (uint32_t i = 0; i < n; i++)
        m += nspan[i];
    struct span *a = malloc((m ? m : 1) * sizeof *a);
    uint64_t *reach = malloc((m ? m : 1) * sizeof *reach);
    size_t *stamp = calloc(n, sizeof *stamp);
    if (a == NULL || reach == NULL || stamp == NULL) {
        free(a), free(reach), free(stamp);
        return -1;
    }
    size_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        for (size_t j = 0; j < nspan[i]; j++)
            a[k++] = (struct span){ span[i][j][0], span[i][j][1], i };
    qsort(a, m, sizeof *a, by_start);
    for (size_t i = 0; i < m; i++)
        reach[i] = i > 0 && reach[i - 1] > a[i].end ? reach[i - 1] : a[i].end;
    for (size_t i = 0; i < m; i++) {
        uint32_t met = 0;   /* other CPUs met: stamp[cpu] == i + 1 once counted */
        for (size_t j = i + 1; j < m && a[j].start < a[i].end; j++)
            if (a[j].cpu != a[i].cpu && stamp[a[j].cpu] != i + 1) {
                stamp[a[j].cpu] = i + 1;
                met++;
            }
        for (size_t j = i; j-- > 0 && reach[j] > a[i].start;)
            if (a[j].end > a[i].start && a[j].cpu != a[i].cpu && stamp[a[j].cpu] != i + 1) {
                stamp[a[j].cpu] = i + 1;
                met++;
            }
        if (met == n - 1) {
            acc->shared_detours++;
            acc->shared_ns += (double)(a[i].end - a[i].start);
        }
    }
    free(a);
    free(reach);
    free(stamp);
    return 0;
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
    /* (a detour left out of a full span list counts as the CPU's own) */
    if (rc == 0 && n > 1) {
        const uint64_t (**sp)[2] = calloc(n, sizeof *sp);
        size_t *ns = calloc(n, sizeof *ns);
        for (uint32_t i = 0; sp != NULL && ns != NULL && i < n; i++) {
            sp[i] = (const uint64_t (*)[2])l[i].span;
            ns[i] = l[i].nspan;
        }
        if (sp == NULL || ns == NULL || nat_noise_classify(n, sp, ns, acc) != 0)
            rc = -1;
        free(sp);
        free(ns);
    }
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        acc->observed_ns += (double)l[i].observed_ns;
        acc->detours += l[i].detours;
        acc->detour_ns += (double)l[i].detour_ns;
        acc->off_cpu_ns += (double)l[i].off_cpu_ns;
        acc->max_ns = (double)l[i].max_ns > acc->max_ns ? (double)l[i].max_ns : acc->max_ns;
    }
    if (rc == 0)
        acc->slices++;
    for (uint32_t i = 0; l != NULL && i < n; i++)
        free(l[i].span);
    free(started);
    free(t);
    free(l);
    return rc;
}

double nat_noise_gap_ns(const struct nat_noise *z)
{
    uint64_t own = z->detours - z->shared_detours;
    return own > 0 ? (z->observed_ns - z->detour_ns) / (double)own : 0.0;
}

double nat_noise_mean_ns(const struct nat_noise *z)
{
    uint64_t own = z->detours - z->shared_detours;
    return own > 0 ? (z->detour_ns - z->shared_ns) / (double)own : 0.0;
}

double nat_noise_shared_gap_ns(const struct nat_noise *z)
{
    return z->shared_detours > 0 ? (z->observed_ns - z->detour_ns) / (double)z->shared_detours
                                 : 0.0;
}

double nat_noise_shared_mean_ns(const struct nat_noise *z)
{
    return z->shared_detours > 0 ? z->shared_ns / (double)z->shared_detours : 0.0;
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
