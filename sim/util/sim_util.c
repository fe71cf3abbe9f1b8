/* sim_util.c: clocks, pinning and medians for the command line and the benchmarks. */
#include "sim/util/sim_util.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

uint64_t sim_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int sim_online_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) != 0)
        return 1;
    int n = CPU_COUNT(&set);
    return n > 0 ? n : 1;
}

int sim_pin_self(int cpu)
{
    cpu_set_t allowed, one;
    if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
        return -1;
    int n = CPU_COUNT(&allowed);
    if (n <= 0)
        return -1;
    int want = cpu % n;
    CPU_ZERO(&one);
    for (int i = 0, seen = 0; i < CPU_SETSIZE; i++) {
        if (!CPU_ISSET(i, &allowed))
            continue;
        if (seen++ == want) {
            CPU_SET(i, &one);
            break;
        }
    }
    return pthread_setaffinity_np(pthread_self(), sizeof(one), &one) == 0 ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void sim_sort_doubles(double *v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof(*v), cmp_double);
}

double sim_median(double *v, size_t n)
{
    if (n == 0)
        return 0;
    sim_sort_doubles(v, n);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int sim_slab_refill(void **slabs, void **free_list, size_t n, size_t size)
{
    char *slab = aligned_alloc(64, 64 + n * size);
    if (slab == NULL)
        return -1;
    *(void **)(void *)slab = *slabs;
    *slabs = slab;
    for (size_t i = n; i-- > 0;) {
        void *p = slab + 64 + i * size;
        *(void **)p = *free_list;
        *free_list = p;
    }
    return 0;
}

void sim_slab_free_all(void **slabs)
{
    while (*slabs != NULL) {
        void *next = *(void **)*slabs;
        free(*slabs);
        *slabs = next;
    }
}
