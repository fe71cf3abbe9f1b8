/* ws_victim_pe.c: `pe`: heterogeneity-aware stealing for P-core/E-core machines.
 *
 * A P-core steals from E-cores' queues first: work waiting on a slow core finishes sooner on a
 * fast one. An E-core avoids taking work a P-core could run sooner: while some P-core is idle
 * it steals nothing (that P-core will), and otherwise it prefers other E-cores' queues and only
 * then P-cores'. On machines with one kind it behaves like `load`. */
#include "core/ws_victim.h"
#include "core/ws_sched_int.h"

static bool some_idle_p_core(const struct ws_sched *s)
{
    const struct ws_cpuset *pset = &s->topo->kind_cores[WS_KIND_P];
    for (uint32_t c = ws_cpuset_first(pset); c != WS_CPUSET_NONE; c = ws_cpuset_next(pset, c))
        if (ws_sched_is_idle(s, c))
            return true;
    return false;
}

static uint32_t select_pe(struct ws_sched *s, uint32_t thief, uint32_t attempt)
{
    (void)attempt;
    const struct ws_topo *t = s->topo;
    enum ws_core_kind mine = ws_topo_core_kind(t, thief);
    if (mine != WS_KIND_P && some_idle_p_core(s))
        return WS_CORE_NONE;
    enum ws_core_kind first = mine == WS_KIND_P ? WS_KIND_E : mine;
    uint32_t v = ws_victim_busiest(s, thief, &t->kind_cores[first], 64);
    if (v != WS_CORE_NONE)
        return v;
    return ws_victim_busiest(s, thief, NULL, 64);
}

const struct ws_victim_ops ws_victim_pe = {
    .name = "pe",
    .summary = "P-cores steal from E-cores first; E-cores leave work to idle P-cores",
    .select = select_pe,
};
