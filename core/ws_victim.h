/* ws_victim.h: victim-selection strategies, each a table of function pointers in its own file,
 * found by name in the registry (ws_victim.c). Adding a strategy is one new file and one
 * registry line.
 *
 * A strategy only chooses whom to try; the stealing rules (cooldown, minimum queue, imbalance,
 * affinity, cost) are applied by ws_sched_steal to whatever it returns. Within one idle round
 * the attempt number counts up from 0 and the thief's `tried` list holds the victims already
 * tried, so strategies can avoid repeating themselves. */
#ifndef WS_VICTIM_H
#define WS_VICTIM_H

#include "core/ws_sched.h"

#include <stddef.h>

/* One strategy. The registry (ws_victim.c) is the only list of strategies: help texts, error
 * messages, `compare --strategy all` and the test loops all read it. */
struct ws_victim_ops {
    const char *name;
    const char *summary;             /* one line for help texts */
    /* Names of the struct ws_params fields this strategy alone reads (p2c: p2c_choices), ending
     * with NULL; NULL when it reads none. A front end shows them in --help and warns when one is
     * set for a strategy that does not read it. */
    const char *const *params;
    /* Victim for attempt `attempt` of thief's idle round: a core != thief, or WS_CORE_NONE
     * when the strategy has no candidate (the round ends). Thief's thread only. */
    uint32_t (*select)(struct ws_sched *s, uint32_t thief, uint32_t attempt);
    /* The scheduler a strategy stands for beyond its victim choice (all 0 for plain victim
     * strategies; `beam` sets them): the balancer's period in time slices where the parameter
     * balance_interval_ns is 0, compaction on whatever balance_compact says, preferred affinity
     * ignored, low priority queued with normal. ws_sched_create applies them. */
    uint64_t balance_slices;
    bool balance_compact, strict_only, low_in_normal;
};

const struct ws_victim_ops *ws_victim_find(const char *name);  /* NULL if unknown */
size_t ws_victim_count(void);
const struct ws_victim_ops *ws_victim_get(size_t i);           /* NULL if i >= count */
/* True if strategy v declares parameter `param` in its params list. */
bool ws_victim_reads(const struct ws_victim_ops *v, const char *param);
/* The first strategy that declares `param`, or NULL for a parameter no strategy declares (one
 * that applies whatever the strategy). */
const struct ws_victim_ops *ws_victim_param_owner(const char *param);

/* Helpers shared by the strategies. */
uint32_t ws_victim_random_other(struct ws_sched *s, uint32_t thief); /* uniform, != thief */
bool ws_victim_tried(const struct ws_sched *s, uint32_t thief, uint32_t v);
/* A candidate: not thief, not tried this round, at least min_steal_queue waiting. */
bool ws_victim_candidate(const struct ws_sched *s, uint32_t thief, uint32_t v);
/* The candidate with the largest load among the cores of set (all cores if set is NULL);
 * sets wider than `sample` (0 = no limit) are sampled: `sample` random members are compared
 * instead. WS_CORE_NONE if there is no candidate. */
uint32_t ws_victim_busiest(struct ws_sched *s, uint32_t thief, const struct ws_cpuset *set,
                           uint32_t sample);
/* The same among the members of set that may have work to spare (their look bits), at most
 * `cap` of them, taken from a random member onwards round the set: exact while at most cap
 * members hold work, and at most cap looks however wide the set is. */
uint32_t ws_victim_busiest_capped(struct ws_sched *s, uint32_t thief,
                                  const struct ws_cpuset *set, uint32_t cap);

#endif
