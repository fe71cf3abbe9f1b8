/* ws_victim_beam.c: `beam`: BEAM's default scheduler as a whole, as OTP ships it: ring-order
 * stealing of one process (try_steal_task), the periodic balancer on with compaction of load
 * (+scl true), strict affinity only (BEAM binds schedulers, not processes, and has no
 * preferred affinity: a preferred process is placed as one without), and low priority sharing
 * the normal run queue (BEAM's PRIORITY_LOW and PRIORITY_NORMAL processes are one queue).
 *
 * The balancer's period. OTP's erl_process.c calls check_balance once a run queue has executed
 * ERTS_RUNQ_CALL_CHECK_BALANCE_REDS = ERTS_RUNQ_CHECK_BALANCE_REDS_PER_SCHED / 2 =
 * 2000 * CONTEXT_REDS / 2 reductions, CONTEXT_REDS (4000 since OTP 20) being one time slice of
 * a process. schedlab's time slice (time_slice_ns) stands for CONTEXT_REDS, so the period is
 * 1000 time slices: 500 ms at the default 500 us slice. A balance_interval_ns other than 0
 * overrides it. */
#include "core/ws_victim.h"

/* The stealing order is ring's (ws_victim_ring.c). */
extern const struct ws_victim_ops ws_victim_ring;

static uint32_t select_beam(struct ws_sched *s, uint32_t thief, uint32_t attempt)
{
    return ws_victim_ring.select(s, thief, attempt);
}

const struct ws_victim_ops ws_victim_beam = {
    .name = "beam",
    .summary = "BEAM as shipped: ring stealing, balancer every 1000 time slices with "
               "compaction, strict-only affinity, low in the normal queue",
    .select = select_beam,
    .balance_slices = 1000,
    .balance_compact = true,
    .strict_only = true,
    .low_in_normal = true,
};
