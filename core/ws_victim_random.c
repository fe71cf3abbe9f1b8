/* ws_victim_random.c: `random`: a uniformly random other core per attempt (Blumofe and
 * Leiserson's randomized work stealing). */
#include "core/ws_victim.h"

static uint32_t select_random(struct ws_sched *s, uint32_t thief, uint32_t attempt)
{
    (void)attempt;
    return ws_victim_random_other(s, thief);
}

const struct ws_victim_ops ws_victim_random = {
    .name = "random",
    .summary = "a uniformly random other core",
    .select = select_random,
};
