/* sim_hist.c: log-linear histogram (see the header). Values below SIM_HIST_SUB are exact. */
#include "sim/util/sim_hist.h"

static unsigned bucket_of(uint64_t v)
{
    if (v < SIM_HIST_SUB)
        return (unsigned)v;
    unsigned top = 63u - (unsigned)__builtin_clzll(v);          /* >= 6 */
    unsigned shift = top - 6;
    return (top - 5) * SIM_HIST_SUB + (unsigned)((v >> shift) & (SIM_HIST_SUB - 1));
}

/* Largest value that falls in bucket i. */
static uint64_t bucket_high(unsigned i)
{
    if (i < SIM_HIST_SUB)
        return i;
    unsigned top = i / SIM_HIST_SUB + 5;
    uint64_t sub = i % SIM_HIST_SUB;
    unsigned shift = top - 6;
    uint64_t lo = ((uint64_t)1 << top) | (sub << shift);
    return lo + (((uint64_t)1 << shift) - 1);
}

void sim_hist_add(struct sim_hist *h, uint64_t v)
{
    h->b[bucket_of(v)]++;
    h->count++;
    if (v > h->max)
        h->max = v;
}

uint64_t sim_hist_quantile(const struct sim_hist *h, double q)
{
    if (h->count == 0)
        return 0;
    uint64_t rank = (uint64_t)(q * (double)h->count);
    if (rank >= h->count)
        rank = h->count - 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < 64 * SIM_HIST_SUB; i++) {
        seen += h->b[i];
        if (seen > rank) {
            uint64_t hi = bucket_high(i);
            return hi < h->max ? hi : h->max;
        }
    }
    return h->max;
}
