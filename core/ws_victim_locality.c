/* ws_victim_locality.c: `locality`: the nearest core with work: the busiest candidate in the
 * thief's cluster; if none has work to spare, the busiest in its NUMA node; only then a remote
 * node. Large levels are sampled (LEVEL_SAMPLE random members) so a round stays cheap on
 * thousand-core machines. A steal thus crosses a NUMA boundary only when no nearer core has
 * anything to give. */
#include "core/ws_victim.h"
#include "core/ws_sched_int.h"

#define LEVEL_SAMPLE 16

static uint32_t select_locality(struct ws_sched *s, uint32_t thief, uint32_t attempt)
{
    (void)attempt;
    const struct ws_topo *t = s->topo;
    const struct ws_topo_core *c = &t->cores[thief];
    uint32_t v = ws_victim_busiest(s, thief, &t->clusters[c->cluster].cores, 0);
    if (v != WS_CORE_NONE)
        return v;
    v = ws_victim_busiest(s, thief, &t->nodes[c->node].cores, LEVEL_SAMPLE * 4);
    if (v != WS_CORE_NONE)
        return v;
    if (t->nnodes < 2)
        return WS_CORE_NONE;
    /* Remote: nodes nearest by SLIT distance first. */
    uint32_t best = WS_CORE_NONE;
    uint32_t best_dist = UINT32_MAX;
    for (uint32_t n = 0; n < t->nnodes; n++) {
        uint32_t d = ws_topo_node_distance(t, c->node, n);
        if (n == c->node || d > best_dist)
            continue;
        uint32_t cand = ws_victim_busiest(s, thief, &t->nodes[n].cores, LEVEL_SAMPLE);
        if (cand != WS_CORE_NONE && (d < best_dist || best == WS_CORE_NONE))
            best = cand, best_dist = d;
    }
    return best;
}

const struct ws_victim_ops ws_victim_locality = {
    .name = "locality",
    .summary = "same cluster, then same NUMA node, then the nearest remote node",
    .select = select_locality,
};
