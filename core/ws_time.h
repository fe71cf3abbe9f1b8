/* ws_time.h: the limits every time value in schedlab lives within, and the checked arithmetic
 * that keeps simulated time from ever wrapping around.
 *
 * The limits
 * ----------
 *   WS_TIME_INPUT_MAX = 2^53 ns (about 104 days): the largest time or duration accepted from
 *     any input: trace times, every `*_ns` parameter, durations after an importer's unit
 *     scaling. It is the exact-integer limit of JSON numbers, so every value schedlab reads or
 *     stores as JSON is exact.
 *   WS_TIME_CLOCK_MAX = 2^62 ns (about 146 years): the simulated clock. A run whose clock would
 *     pass it stops with an error instead of wrapping to a small, plausible time.
 *
 * Why there is room: one input duration run on the slowest core (capacity 0.01, ws_topo.h)
 * lasts at most 2^53 * 100 < 2^60 ns, so one step of the clock is far below the clock limit,
 * and the sum of two values below 2^63 cannot wrap a u64. Still, every addition to simulated
 * time goes through ws_time_add, which saturates at UINT64_MAX rather than wrapping: a time
 * past the clock limit is caught where it is used (ws_time_past_clock), never disguised.
 *
 * All functions are pure and total: no input makes them undefined (NaN, negative or huge
 * doubles included). */
#ifndef WS_TIME_H
#define WS_TIME_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#define WS_TIME_INPUT_MAX (UINT64_C(1) << 53)
#define WS_TIME_INPUT_MAX_TEXT "2^53"
#define WS_TIME_CLOCK_MAX (UINT64_C(1) << 62)
#define WS_TIME_CLOCK_MAX_TEXT "2^62"

/* a + b, or UINT64_MAX when the sum does not fit. */
static inline uint64_t ws_time_add(uint64_t a, uint64_t b)
{
    uint64_t s;
    return __builtin_add_overflow(a, b, &s) ? UINT64_MAX : s;
}

/* a - b, or 0 when b > a. */
static inline uint64_t ws_time_sub(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}

/* a * b, or UINT64_MAX when the product does not fit. */
static inline uint64_t ws_time_mul(uint64_t a, uint64_t b)
{
    uint64_t p;
    return __builtin_mul_overflow(a, b, &p) ? UINT64_MAX : p;
}

/* A non-negative double of ns as a u64, truncated: NaN and negatives give 0, values from 2^64
 * up give UINT64_MAX (a plain cast of those is undefined). */
static inline uint64_t ws_time_from_double(double ns)
{
    if (!(ns > 0))
        return 0;
    if (ns >= 18446744073709551616.0)
        return UINT64_MAX;
    return (uint64_t)ns;
}

/* ns of wall time that `work` ns of work (at capacity 1.0) take on a core of capacity `cap`,
 * rounded up; saturates at UINT64_MAX (also for cap <= 0 with work > 0). */
static inline uint64_t ws_time_at_capacity(uint64_t work, double cap)
{
    if (cap == 1.0 || work == 0)
        return work;
    if (!(cap > 0))
        return UINT64_MAX;
    return ws_time_from_double(ceil((double)work / cap));
}

/* Whether t lies past the simulated clock's limit. */
static inline bool ws_time_past_clock(uint64_t t)
{
    return t > WS_TIME_CLOCK_MAX;
}

#endif
