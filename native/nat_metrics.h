/* nat_metrics.h: what a native run measured, in the simulator's metrics structs (sim_metrics.h,
 * stored by sim_db_write_run exactly like a replay): the per-core timeseries buckets each worker
 * keeps, and the collection after the workers have exited. */
#ifndef NAT_METRICS_H
#define NAT_METRICS_H

#include "native/nat_rt.h"
#include "sim/engine/sim_metrics.h"

/* Add a busy interval [start, start + len) (ns since t0) to ts, doubling its bucket width until
 * the interval fits (pairs of buckets merge). Owner of ts only. */
void nat_ts_busy(struct nat_ts *ts, uint64_t start, uint64_t len);

/* Record a queue length q seen at time t (the bucket keeps the largest). */
void nat_ts_queue(struct nat_ts *ts, uint64_t t, uint64_t q);

/* Every worker's buckets of rt, at the widest worker's width, as m's timeseries: one sample a
 * core per bucket up to span, stamped at the bucket's end (distinct stamps; the last at span).
 * 0, or -1 when out of memory. */
int nat_ts_collect(const struct nat_rt *rt, uint64_t span, struct sim_run_metrics *m);

/* Counters of a native run that the database has no column for. */
struct nat_extra {
    uint64_t spawns;              /* processes created by workers (roots not included) */
    uint64_t aff_violations;      /* dispatches of strict processes outside their set: 0 */
    uint64_t timeouts;            /* futex sleeps ended by the safety timeout */
    uint64_t timeout_finds;       /* ... of which found work on the next look */
    uint64_t wakeups;             /* futex sleeps ended by a wake-up */
    uint64_t dropped;             /* replay: messages to processes that had exited */
    uint64_t join_rmw;            /* join arrivals off the owner (one RMW each; nat_rt.h Joins) */
    uint64_t join_flushes;        /* owners' flushes of their plain join counts */
    uint64_t steal_barriers;      /* membarrier calls of steals from fast deques (ws_deque.c E) */
    uint64_t lock_waits;          /* replay: a worker found the replay's lock held ... */
    uint64_t lock_wait_ns;        /* ... and waited this long in all */
    uint64_t won_rounds;          /* steal rounds that took a process ... */
    uint64_t won_ns;              /* ... and their time: look, barrier, CAS (the model's
                                     steal_probe_ns + steal_hit_ns on an asymmetric deque) */
    uint64_t won_long;            /* won rounds left out of both: over NAT_ROUND_LONG_NS */
    uint64_t won_hist[NAT_ROUND_BINS];   /* every won round's duration (nat_round_bin) */
    uint64_t tally;               /* workload count kept by the workers (UTS nodes) */
    uint64_t cpu_ns;              /* CPU time of all workers (spinning included) */
    bool pinned;                  /* every worker that had a CPU to pin to is pinned */
};

/* Fill m from a finished runtime (m->run is left for the caller; arrays are malloc'd: free
 * with nat_metrics_free). 0, or -1 when out of memory (m freed). */
int nat_metrics_collect(const struct nat_rt *rt, struct sim_run_metrics *m, struct nat_extra *x);
void nat_metrics_free(struct sim_run_metrics *m);

/* The q-quantile (0 <= q <= 1) of the durations counted in hist (nat_round_bin's bins), in ns,
 * linear within its bin (bin 0 from 0 ns; the last bin read as one quarter doubling wide); 0
 * when hist is empty. */
double nat_round_quantile(const uint64_t hist[NAT_ROUND_BINS], double q);

/* --timeline: give every worker of rt (not started yet) a timeline keeping at most max slices
 * (0: the default). 0, or -1 when out of memory (nat_tl_free frees what was made). */
int nat_tl_setup(struct nat_rt *rt, size_t max);

/* After the workers exited: move every worker's slices into all (initialised here, at most
 * max slices of rt->n cores, the cut counted) and point m's timeline fields at it (m->timeline
 * lives as long as all). 0, or -1 when out of memory (all freed). */
int nat_tl_collect(struct nat_rt *rt, size_t max, struct sim_timeline *all,
                   struct sim_run_metrics *m);

/* Free the workers' timelines (none: a no-op). */
void nat_tl_free(struct nat_rt *rt);

#endif
