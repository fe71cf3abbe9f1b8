/* sim_hist.h: a log-linear histogram of nanosecond durations for percentiles in bounded
 * memory: 64 power-of-two ranges split into 64 linear sub-buckets each (relative error under
 * 1.6%), so ten million samples cost the same 32 KiB as ten. */
#ifndef SIM_HIST_H
#define SIM_HIST_H

#include <stdint.h>

#define SIM_HIST_SUB 64

struct sim_hist {
    uint64_t count;
    uint64_t max;
    uint64_t b[64 * SIM_HIST_SUB];
};

void sim_hist_add(struct sim_hist *h, uint64_t v);
/* The q-quantile (0 <= q <= 1): the upper edge of the bucket holding it, capped at the largest
 * sample; 0 for an empty histogram. */
uint64_t sim_hist_quantile(const struct sim_hist *h, double q);

#endif
