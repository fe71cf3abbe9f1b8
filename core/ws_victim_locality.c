/* ws_victim_locality.c: `locality`: the nearest core with work: the busiest candidate in the
 * thief's cluster; if none has work to spare, the busiest in its NUMA node; only then a remote
 * node. Large levels are bounded so a round stays cheap on thousand-core machines: a node of
 * more than LEVEL_SAMPLE x 4 cores is sampled (that many random members; a remote node
 * LEVEL_SAMPLE), and a cluster that wide (a synthetic machine may be one cluster of thousands
 * of cores, synth:p=4096, where a look at every member was half of a replay's instructions)
 * compares at most that many of its members with work to spare, from a random one onwards, so
 * that a cluster where few cores hold work still finds them all. Real clusters (up to 64
 * cores) are looked at whole. A steal thus crosses a NUMA boundary only when no nearer core
 * has anything to give. */
#include "core/ws_victim.h"
#include "core/ws_sched_int.h"

#define LEVEL_SAMPLE 16

static uint32_t select_locality(struct ws_sched *s, uint32_t thief, uint32_t attempt)
{
    (void)attempt;
    const struct ws_topo *t = s->topo;
    const struct ws_topo_core *c = &t->cores[thief];
    const struct ws_cpuset *cl = &t->clusters[c->cluster].cores;
    uint32_t v = ws_cpuset_count(cl) > LEVEL_SAMPLE * 4
                 ? ws_victim_busiest_capped(s, thief, cl, LEVEL_SAMPLE * 4)
                 : ws_victim_busiest(s, thief, cl, 0);
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
