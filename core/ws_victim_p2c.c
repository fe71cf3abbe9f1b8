/* ws_victim_p2c.c: `p2c`: power of d choices: the more loaded of d random other cores
 * (Mitzenmacher), d = p2c_choices. Near the busiest at O(d) cost. */
#include "core/ws_victim.h"
#include "core/ws_sched_int.h"
#include "core/ws_atomic.h"

static uint32_t select_p2c(struct ws_sched *s, uint32_t thief, uint32_t attempt)
{
    (void)attempt;
    uint32_t best = WS_CORE_NONE;
    uint64_t best_load = 0;
    uint64_t d = s->p.p2c_choices ? s->p.p2c_choices : 1;
    for (uint64_t i = 0; i < d; i++) {
        uint32_t v = ws_victim_random_other(s, thief);
        if (v == WS_CORE_NONE)
            return v;
        uint64_t l = ws_sched_load(s, v);
        if (best == WS_CORE_NONE || l > best_load)
            best = v, best_load = l;
    }
    return best;
}

static const char *const p2c_params[] = { "p2c_choices", NULL };

const struct ws_victim_ops ws_victim_p2c = {
    .name = "p2c",
    .summary = "the more loaded of d random cores (power of d choices)",
    .params = p2c_params,
    .select = select_p2c,
};
