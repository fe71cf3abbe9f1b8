/* sim_core_row.c: a core's scheduler statistics into its database row and the run summary
 * (see sim_core_row.h). The steal and migration enums of core/ and of sim_metrics.h list the
 * same reasons and classes in the same order, the core's "ok" and "same core" first. */
#include "sim/engine/sim_core_row.h"
#include "core/ws_atomic.h"

#include <string.h>

_Static_assert(WS_STEAL_RESULT_COUNT - 1 == SIM_STEAL_FAIL_COUNT,
               "every failed steal result has a summary counter");
_Static_assert(WS_DIST_COUNT - 1 == SIM_DIST_COUNT,
               "every migration distance class but the same core has a summary counter");

void sim_core_row_fill(const struct ws_topo *t, uint32_t c, const struct ws_core_stats *ws,
                       uint64_t span, struct sim_core_stats *o, struct sim_run_summary *s)
{
    o->steals_in = ws->steal_items;
    o->steals_out = ws_load_relaxed(&ws->steals_out);
    o->steal_attempts = 0;
    for (int r = 0; r < WS_STEAL_RESULT_COUNT; r++)
        o->steal_attempts += ws->steal_result[r];
    enum ws_core_kind kind = ws_topo_core_kind(t, c);
    memset(o->kind, 0, sizeof(o->kind));
    strncpy(o->kind, ws_core_kind_name(kind), sizeof(o->kind) - 1);
    o->cluster = ws_topo_cluster_of(t, c);
    o->node = ws_topo_node_of(t, c);
    s->steals += ws->steal_items;
    s->steal_attempts += o->steal_attempts;
    for (int r = WS_STEAL_EMPTY; r < WS_STEAL_RESULT_COUNT; r++)
        s->steal_fail[r - 1] += ws->steal_result[r];
    for (int d = WS_DIST_SMT; d < WS_DIST_COUNT; d++)
        s->migrations[d - 1] += ws->migrations[d];
    sim_metrics_add_core(s, ws);
    double active = (double)(span - (o->sleep_ns < span ? o->sleep_ns : span));
    s->energy_j += (active * ws_topo_power_w(t, kind, true) +
                    (double)o->sleep_ns * ws_topo_power_w(t, kind, false)) / 1e9;
}
