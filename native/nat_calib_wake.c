/* nat_calib_wake.c: wake-up latencies between two pinned threads: a futex sleeper's
 * (nat_calib_wake) and a spinning worker's (nat_calib_spin_wake), each over many samples taken
 * one at a time, robustly (nat_cost_robust: warm-up discarded, preempted samples dropped). */
#include "native/nat_calib.h"
#include "native/nat_rt.h"
#include "native/nat_sys.h"

#include "core/ws_atomic.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WAKE_SAMPLES 61   /* the first is the warm-up */

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
    nat_calib_pin(k->cpu);
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
    struct nat_calib_pair pr;
    if (nat_calib_pair_begin(&pr, wake_sleeper, k, cpu_a) != 0) {
        free(k);
        return c;
    }
    struct nat_trial v[WAKE_SAMPLES];
    for (uint32_t i = 0; i < WAKE_SAMPLES; i++) {
        while (atomic_load(&k->parked) != i + 1)
            sched_yield();
        struct timespec ts = { 0, 50000 };   /* let it reach futex_wait */
        nanosleep(&ts, NULL);
        long cs = nat_calib_nivcsw(false);   /* the sleeper's switches are this process's */
        atomic_store(&k->t_wake, nat_now_ns());
        atomic_fetch_add(&k->word, 1);
        nat_futex_wake(&k->word, 1);
        while (atomic_load(&k->acked) != i + 1)
            sched_yield();
        v[i].switches = nat_calib_nivcsw(false) - cs;
    }
    nat_calib_pair_end(&pr);
    for (uint32_t i = 0; i < WAKE_SAMPLES; i++)
        v[i].v = k->lat[i];
    c = nat_cost_robust(v + 1, WAKE_SAMPLES - 1);   /* v[0]: the warm-up */
    free(k);
    return c;
}

/* A spinning worker's wake-up: the waker pushes (writes a deque line) and bumps the spinner's
 * wake word, as nat_after_push and nat_wake_worker do; the spinner, in wait_for_work's loop,
 * sees the word change and reads the pushed line, as its next steal round's look does. Timed
 * from the waker's clock read before the push to the spinner's after the read (one clock:
 * CLOCK_MONOTONIC on both CPUs). */
#define SPIN_SAMPLES 201   /* the first is the warm-up */

struct spinlat {
    _Alignas(64) _Atomic uint32_t word;   /* the spinner's wake word */
    _Atomic uint32_t ready;               /* sample number + 1 the spinner spins for */
    _Atomic uint32_t acked;               /* samples the spinner has recorded */
    _Alignas(64) _Atomic uint64_t pushed; /* the deque line the waker writes first */
    _Atomic uint64_t t_wake;
    int32_t cpu;
    double lat[SPIN_SAMPLES];
};

static void *spin_waiter(void *arg)
{
    struct spinlat *k = arg;
    nat_calib_pin(k->cpu);
    for (uint32_t i = 0; i < SPIN_SAMPLES; i++) {
        uint32_t seen = atomic_load_explicit(&k->word, memory_order_acquire);
        atomic_store(&k->ready, i + 1);
        while (atomic_load_explicit(&k->word, memory_order_acquire) == seen)
            ws_cpu_relax();
        (void)atomic_load_explicit(&k->pushed, memory_order_relaxed);
        uint64_t t1 = nat_now_ns(), t0 = atomic_load(&k->t_wake);
        k->lat[i] = t1 > t0 ? (double)(t1 - t0) : 0;
        atomic_store(&k->acked, i + 1);
    }
    return NULL;
}

struct nat_cost nat_calib_spin_wake(int32_t cpu_a, int32_t cpu_b)
{
    struct nat_cost c = { 0 };
    struct spinlat *k = aligned_alloc(64, (sizeof(*k) + 63) / 64 * 64);
    if (k == NULL)
        return c;
    memset(k, 0, sizeof(*k));
    k->cpu = cpu_b;
    struct nat_calib_pair pr;
    if (nat_calib_pair_begin(&pr, spin_waiter, k, cpu_a) != 0) {
        free(k);
        return c;
    }
    struct nat_trial v[SPIN_SAMPLES];
    for (uint32_t i = 0; i < SPIN_SAMPLES; i++) {
        while (atomic_load(&k->ready) != i + 1)
            ws_cpu_relax();
        uint64_t settle = nat_now_ns() + 20000;   /* the spinner into its loop */
        while (nat_now_ns() < settle)
            ws_cpu_relax();
        long cs = nat_calib_nivcsw(false);
        uint64_t t0 = nat_now_ns();
        atomic_store_explicit(&k->pushed, i + 1, memory_order_relaxed);
        atomic_store_explicit(&k->t_wake, t0, memory_order_relaxed);
        atomic_fetch_add_explicit(&k->word, 1, memory_order_release);
        while (atomic_load(&k->acked) != i + 1)
            ws_cpu_relax();
        v[i].switches = nat_calib_nivcsw(false) - cs;
    }
    nat_calib_pair_end(&pr);
    for (uint32_t i = 0; i < SPIN_SAMPLES; i++)
        v[i].v = k->lat[i];
    c = nat_cost_robust(v + 1, SPIN_SAMPLES - 1);   /* v[0]: the warm-up */
    free(k);
    return c;
}
