/* sim_core_row.h: the one conversion from the scheduler's per-core statistics (ws_core_stats)
 * to the run metrics the database stores (sim_metrics.h), used by the simulator's collection
 * (sim_collect.c) and the native runtime's (native/nat_metrics.c) alike, so both count steals,
 * failed attempts and migrations the same way. */
#ifndef SIM_CORE_ROW_H
#define SIM_CORE_ROW_H

#include "core/ws_sched.h"
#include "core/ws_topo.h"
#include "sim/engine/sim_metrics.h"

/* Complete core c's row o, whose times (busy, idle, steal, sleep over a run of span ns, with
 * sleep_ns <= span) the driver has filled in, from ws: steals in and out, attempts, kind,
 * cluster and node of topo t. Add to s c's successful steals, attempts, failed attempts by
 * reason, migrations by distance class, the raw counts of the derived metrics, and c's energy
 * over the span (t's power model: active when not asleep). */
void sim_core_row_fill(const struct ws_topo *t, uint32_t c, const struct ws_core_stats *ws,
                       uint64_t span, struct sim_core_stats *o, struct sim_run_summary *s);

#endif
