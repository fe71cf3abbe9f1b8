/* ws_migrate.h: the migration cost model, the benefit estimate, the decision, and the rate
 * limits that guard every move of a process between cores (steals and balancer moves).
 *
 * The cost of moving process p from core `from` to core `to`, in ns (terms numbered as in the
 * code and in the `terms` array below):
 *
 *   (1) context switch      ctx_switch_ns
 *   (2) cache refill        L / line * r(level), where `level` is the smallest cache level the
 *                           two cores share (ws_topo_shared_cache), L = min(wset, the capacity
 *                           of `from`'s caches below that level; its last-level cache if they
 *                           share none) and r is refill_l2_ns / refill_l3_ns for a shared L2 /
 *                           L3 and refill_mem_ns when the lines come back from memory
 *   (3) remote memory       different NUMA nodes only: min(wset, 64 MiB) / line *
 *                           remote_mem_ns * (distance - 10) / 10, times numa_cost_scale
 *   (4) cross-NUMA fixed    numa_migration_ns * numa_cost_scale when the nodes differ
 *   (5) speed change        remaining * (cap(from) / cap(to) - 1): positive when moving to a
 *                           slower core (an E-core), negative when moving to a faster one
 *
 * The benefit is the wait the move saves: the process would wait behind the victim's other
 * waiting processes, each assumed to run for one estimate (its expected_ns if the driver
 * knows it, else one time slice), while the idle thief runs it now:
 *
 *   benefit = waiting(from) * estimate
 *
 * A move happens when benefit > cost * factor; a negative cost (a move to a faster core)
 * always passes. The factor is migration_factor; under the adaptive policy it is
 *
 *   factor * (1 + burst_count / (burst_max * cores)) / 2^r
 *
 * raised by how close the system is to its storm limit, and halved for each of the r idle
 * rounds in a row that the thief ended without work because cost alone refused it (r resets
 * when it migrates something). The benefit only sees the waiting process's own run time, not
 * the work it will spawn, so a fork-join subtree looks cheap to leave behind; an idle core
 * that keeps being refused is evidence against that estimate, and the adaptive policy lets it
 * cross a NUMA boundary after a few rounds instead of idling for the whole run.
 *
 * Overflow: each term is clamped to +-2^60 ns and the benefit to INT64_MAX, so that extreme
 * (valid) parameters and working sets saturate instead of wrapping into a negative cost that
 * would always pass; what a process owes adds up saturating (ws_time.h).
 *
 * Rate limits, checked before the cost: the process's own max_migrations (or the scheduler's),
 * core_migrations_per_s into the thief, system_migrations_per_s, and the storm guard of at most
 * burst_max migrations per core of the machine per burst_window_ns (so the guard means the same
 * on 8 cores and on 4,096). Windows are fixed intervals that restart when they expire. A
 * refusal by a window is bounded in time, so an idle core refused by one must look again when
 * the window ends rather than sleep until some push happens to wake it (the skewed workloads
 * spawn everything early, and a core left asleep then stays asleep beside thousands of waiting
 * processes): ws_migrate_limited_until and ws_migrate_burst_until say when, and
 * ws_sched_retry_at turns that into the time an idle core's driver wakes it. */
#ifndef WS_MIGRATE_H
#define WS_MIGRATE_H

#include "core/ws_sched.h"

#define WS_MIG_TERMS 5

struct ws_mig_cost {
    int64_t terms[WS_MIG_TERMS];   /* (1)..(5) above, ns */
    int64_t total;
};

/* Cost of moving p from `from` to `to` (no side effects). */
void ws_migrate_cost(const struct ws_sched *s, const struct ws_proc *p, uint32_t from,
                     uint32_t to, struct ws_mig_cost *out);

/* Wait saved by moving p off `from` now (no side effects). */
int64_t ws_migrate_benefit(const struct ws_sched *s, const struct ws_proc *p, uint32_t from);

/* May p move from `from` to `to` at time now? WS_STEAL_OK, WS_STEAL_RATE_LIMIT or
 * WS_STEAL_COST. Its only side effect: the decision is counted as one migration considered
 * (ws_core_stats.mig_considered of `to`), the denominator of the migration success rate. */
enum ws_steal_result ws_migrate_check(struct ws_sched *s, const struct ws_proc *p,
                                      uint32_t from, uint32_t to, uint64_t now);

/* Are the limits that do not depend on the process (into core `to`, system, storm) reached? */
bool ws_migrate_limited(const struct ws_sched *s, uint32_t to, uint64_t now);

/* When the limits ws_migrate_limited finds reached for `to` at `now` have all expired (the end
 * of the latest of their windows, > now); `now` itself when none is reached. No side effects. */
uint64_t ws_migrate_limited_until(const struct ws_sched *s, uint32_t to, uint64_t now);

/* When the storm guard stops raising the adaptive policy's cost factor (the end of a burst
 * window that holds migrations); UINT64_MAX under other policies or with no such window. */
uint64_t ws_migrate_burst_until(const struct ws_sched *s, uint64_t now);

/* Record a completed move: counters of p, the windows, the thief's statistics (the distance
 * class and the cost model's total estimate, summed in mig_cost_est_ns), and the cost's time
 * terms (1)-(4) added to what p owes (ws_proc.owed_ns). */
void ws_migrate_commit(struct ws_sched *s, struct ws_proc *p, uint32_t from, uint32_t to,
                       uint64_t now);

#endif
