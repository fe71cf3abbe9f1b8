/* ws_platform.h: the only way the scheduler core talks to the world.
 *
 * The simulator implements it with simulated time and per-core seeded generators; the native
 * runtime with clocks, real threads and futex wake-ups. Nothing in core/ knows which one it runs
 * under: that is what makes "the same code, native and simulated" true.
 *
 * Every callback receives the driver's context pointer and the core on whose behalf the
 * scheduler is acting (the thief, the spawner, the waker). Callbacks must not call back into
 * the scheduler. */
#ifndef WS_PLATFORM_H
#define WS_PLATFORM_H

#include <stdint.h>

/* What a charged cost was for (drivers may account them separately). */
enum ws_charge {
    WS_CHARGE_STEAL_PROBE = 0, /* a steal attempt: core-to-core latency plus the probe */
    WS_CHARGE_STEAL_VICTIM,    /* to the victim: a steal that took one of its processes (its
                                  running process pays; natively the cost is real, not added) */
    WS_CHARGE_COUNT
};
/* (A migration's cost is not charged to a core: the process owes it, ws_proc.owed_ns, and the
 * driver makes it pay before it runs again.) */

struct ws_platform {
    /* Current time in ns as seen by `core`. */
    uint64_t (*now_ns)(void *ctx, uint32_t core);
    /* A uniformly random 64-bit number from `core`'s generator (seeded by the driver). */
    uint64_t (*random)(void *ctx, uint32_t core);
    /* `core` spends ns on `what` (the simulator advances that core's clock; natively the time
     * has already passed and this only counts). */
    void (*charge)(void *ctx, uint32_t core, uint64_t ns, enum ws_charge what);
    /* `target` has new work and may be asleep: wake it (waker is the acting core). */
    void (*wake)(void *ctx, uint32_t waker, uint32_t target);
    /* Optional (NULL: none). How long a steal's barrier keeps `thief` waiting beyond its cost
     * (steal_hit_ns) because `victim`'s CPU is not running: natively a membarrier's interrupt
     * must reach the victim's CPU, and waits while the hypervisor has taken it (the simulator
     * draws this from its host noise; natively the wait is real, not added). */
    uint64_t (*barrier_wait)(void *ctx, uint32_t thief, uint32_t victim);
};

#endif
