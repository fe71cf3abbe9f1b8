/* still_platform.h: a ws_platform for unit tests of the scheduler core whose clock stands
 * still at 1 ms, whose random numbers come from an xorshift state (ctx points to a uint64_t),
 * and which ignores charges and wake-ups. Include it once per test file. */
#ifndef TESTS_UNIT_STILL_PLATFORM_H
#define TESTS_UNIT_STILL_PLATFORM_H

#include "core/ws_platform.h"

static uint64_t still_now(void *ctx, uint32_t core)
{
    (void)ctx, (void)core;
    return 1000000;
}

static uint64_t still_random(void *ctx, uint32_t core)
{
    uint64_t *x = ctx;
    (void)core;
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
    return *x;
}

static void still_charge(void *ctx, uint32_t core, uint64_t ns, enum ws_charge what)
{
    (void)ctx, (void)core, (void)ns, (void)what;
}

static void still_wake(void *ctx, uint32_t waker, uint32_t target)
{
    (void)ctx, (void)waker, (void)target;
}

static const struct ws_platform plat = { still_now, still_random, still_charge, still_wake, NULL };

#endif
