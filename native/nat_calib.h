/* nat_calib.h: quick measurements of the host that turn into simulator parameters and into the
 * native replay's busy work: the rate of the busy loop, the latency of a steal between two
 * cores, the latency of a futex wake-up, and the cost of one spawn. Each takes a few ms. */
#ifndef NAT_CALIB_H
#define NAT_CALIB_H

#include "native/nat_topo.h"

#include <stdint.h>

/* The busy loop of replayed RUN phases: `iters` dependent multiply-adds (never optimised
 * away). */
static inline void nat_busy(uint64_t iters)
{
    uint64_t x = iters;
    for (uint64_t i = 0; i < iters; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        __asm__ __volatile__("" : "+r"(x));
    }
}

/* Iterations of nat_busy per ns on the calling thread (best of a few ~1 ms runs). */
double nat_calib_busy(void);

/* Median ns of one steal of a freshly pushed item between threads pinned to host CPUs a and b
 * (a ping-pong of Chase-Lev deques, half a round trip). 0 if a thread cannot start. */
uint64_t nat_calib_steal(int32_t cpu_a, int32_t cpu_b);

/* Median ns from futex_wake on CPU a to the sleeper on CPU b running again. 0 on failure. */
uint64_t nat_calib_wake(int32_t cpu_a, int32_t cpu_b);

struct nat_calibration {
    double busy_iters_per_ns;
    uint64_t steal_ns;            /* one steal between worker 0's and worker 1's cores */
    uint64_t wake_ns;             /* futex wake-up latency between them */
    uint64_t spawn_ns;            /* spawn + dispatch + exit of an empty process (chain) */
    uint64_t proc_ns;             /* the workload's own cost per process on one worker */
    uint64_t latency_ns;          /* the model's core-to-core latency of those two cores */
};

/* Write c as a JSON object (malloc'd; NULL when out of memory). */
char *nat_calib_json(const struct nat_calibration *c);

#endif
