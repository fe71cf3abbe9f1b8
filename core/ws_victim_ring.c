/* ws_victim_ring.c: `ring`: BEAM's try_steal_task order: the run queues above the thief's
 * index, upwards and wrapping around, the first ones that have work to spare. */
#include "core/ws_victim.h"
#include "core/ws_sched_int.h"

/* The first candidate in ids [lo, hi), or WS_CORE_NONE. Only cores whose look bits are set
 * can be candidates (they may hold min_steal_queue waiting processes), so the walk skips the
 * others a bitmap word at a time. */
static uint32_t first_candidate(struct ws_sched *s, uint32_t thief, uint32_t lo, uint32_t hi)
{
    for (uint32_t v = ws_sched_look_next(s, lo); v < hi; v = ws_sched_look_next(s, v + 1))
        if (ws_victim_candidate(s, thief, v))
            return v;
    return WS_CORE_NONE;
}

/* The cores after the cursor, upwards and wrapping around, up to the thief. */
static uint32_t select_ring(struct ws_sched *s, uint32_t thief, uint32_t attempt)
{
    struct ws_core *k = &s->cores[thief];
    if (attempt == 0)
        k->ring_cursor = thief;
    uint32_t from = k->ring_cursor + 1 < s->ncores ? k->ring_cursor + 1 : 0;
    uint32_t v = first_candidate(s, thief, from, from <= thief ? thief : s->ncores);
    if (v == WS_CORE_NONE && from > thief)
        v = first_candidate(s, thief, 0, thief);
    if (v != WS_CORE_NONE)
        k->ring_cursor = v;
    return v;
}

const struct ws_victim_ops ws_victim_ring = {
    .name = "ring",
    .summary = "next core upwards with work (BEAM's try_steal_task order)",
    .select = select_ring,
};
