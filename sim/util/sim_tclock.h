/* sim_tclock.h: when events happened over a run whose length is not known until it ends, in
 * bounded memory: SIM_TCLOCK_BINS equal bins from time 0 whose width doubles (neighbours
 * merged) whenever an event falls past the last one, so the run always spans between half and
 * all of the bins. At the end the counts are split into equal parts of the run (the steals in
 * each tenth of a run, native and simulated alike: where a model's count differs from the
 * machine's, and when). */
#ifndef SIM_TCLOCK_H
#define SIM_TCLOCK_H

#include <stdint.h>

#define SIM_TCLOCK_BINS 2048   /* 16 KiB: a hundredth of a run spans 20-40 bins */

struct sim_tclock {
    uint64_t width;                   /* ns a bin covers: a power of two (1 at first) */
    uint64_t total;                   /* events counted */
    uint64_t n[SIM_TCLOCK_BINS];      /* bin i: events in [i * width, (i + 1) * width) */
};

/* An empty clock (a zeroed struct is one too). */
void sim_tclock_init(struct sim_tclock *c);
/* count events at time t (ns). */
void sim_tclock_add(struct sim_tclock *c, uint64_t t, uint64_t count);
/* Add from's events into into (the finer of the two is coarsened to the other's width). */
void sim_tclock_merge(struct sim_tclock *into, const struct sim_tclock *from);
/* The events by `parts` equal parts of [from, to): out[k] counts those of part k, each bin
 * going whole to the part holding its middle (so a part's edges are exact to within a bin,
 * at most 2 / SIM_TCLOCK_BINS of the run after the last doubling); events before `from` count
 * in part 0 and those at or after `to` in the last. The out[] sum to total. */
void sim_tclock_split(const struct sim_tclock *c, uint64_t from, uint64_t to, uint64_t *out,
                      unsigned parts);

/* The events by tenth of [from, to) into tenths[10], and those of the last tenth by hundredth
 * of the run into last[10] (the run's end, where steal counts differ most): the split by 100,
 * so last[] sums to tenths[9]. */
void sim_tclock_tenths(const struct sim_tclock *c, uint64_t from, uint64_t to,
                       uint64_t tenths[10], uint64_t last[10]);

#endif
