/* ws_victim_ring.c: `ring`: BEAM's try_steal_task order: the run queues above the thief's
 * index, upwards and wrapping around, the first ones that have work to spare. */
#include "core/ws_victim.h"
#include "core/ws_sched_int.h"

static uint32_t select_ring(struct ws_sched *s, uint32_t thief, uint32_t attempt)
{
    struct ws_core *k = &s->cores[thief];
    if (attempt == 0)
        k->ring_cursor = thief;
    for (uint32_t i = 1; i < s->ncores; i++) {
        uint32_t v = (k->ring_cursor + i) % s->ncores;
        if (v == thief)
            break;
        if (ws_victim_candidate(s, thief, v)) {
            k->ring_cursor = v;
            return v;
        }
    }
    return WS_CORE_NONE;
}

const struct ws_victim_ops ws_victim_ring = {
    .name = "ring",
    .summary = "next core upwards with work (BEAM's try_steal_task order)",
    .select = select_ring,
};
