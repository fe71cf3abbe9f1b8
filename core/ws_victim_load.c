/* ws_victim_load.c: `load`: the busiest core by weighted load (4 max + 3 high + 2 normal +
 * 1 low), scanning every core: O(cores) per attempt, the price of an exact answer. */
#include "core/ws_victim.h"

static uint32_t select_load(struct ws_sched *s, uint32_t thief, uint32_t attempt)
{
    (void)attempt;
    return ws_victim_busiest(s, thief, NULL, 0);
}

const struct ws_victim_ops ws_victim_load = {
    .name = "load",
    .summary = "the busiest core by weighted queue load",
    .select = select_load,
};
