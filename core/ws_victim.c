/* ws_victim.c: the registry of victim strategies and helpers they share. Adding a strategy is
 * one file (ws_victim_NAME.c defining ws_victim_NAME) and one line X(NAME) in the registry; the
 * command line's help texts and errors, `compare --strategy all` and the tests find it here. */
#include "core/ws_victim.h"
#include "core/ws_sched_int.h"

#include <string.h>

/* The registry: one line per strategy NAME, defined as ws_victim_NAME in ws_victim_NAME.c, in
 * the order help texts list them. */
#define WS_VICTIM_REGISTRY(X) \
    X(random)                 \
    X(ring)                   \
    X(load)                   \
    X(p2c)                    \
    X(locality)               \
    X(pe)                     \
    X(beam)

#define DECLARE(name) extern const struct ws_victim_ops ws_victim_##name;
#define ENTRY(name) &ws_victim_##name,
WS_VICTIM_REGISTRY(DECLARE)
static const struct ws_victim_ops *const registry[] = { WS_VICTIM_REGISTRY(ENTRY) };

#define NREG (sizeof(registry) / sizeof(registry[0]))

const struct ws_victim_ops *ws_victim_find(const char *name)
{
    for (size_t i = 0; i < NREG; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

size_t ws_victim_count(void)
{
    return NREG;
}

const struct ws_victim_ops *ws_victim_get(size_t i)
{
    return i < NREG ? registry[i] : NULL;
}

bool ws_victim_reads(const struct ws_victim_ops *v, const char *param)
{
    for (const char *const *p = v->params; p != NULL && *p != NULL; p++)
        if (strcmp(*p, param) == 0)
            return true;
    return false;
}

const struct ws_victim_ops *ws_victim_param_owner(const char *param)
{
    for (size_t i = 0; i < NREG; i++)
        if (ws_victim_reads(registry[i], param))
            return registry[i];
    return NULL;
}

uint32_t ws_victim_random_other(struct ws_sched *s, uint32_t thief)
{
    if (s->ncores < 2)
        return WS_CORE_NONE;
    uint32_t v = (uint32_t)(s->plat->random(s->ctx, thief) % (s->ncores - 1));
    return v >= thief ? v + 1 : v;
}

bool ws_victim_tried(const struct ws_sched *s, uint32_t thief, uint32_t v)
{
    const struct ws_core *k = &s->cores[thief];
    for (uint32_t i = 0; i < k->ntried; i++)
        if (k->tried[i] == v)
            return true;
    return false;
}

bool ws_victim_candidate(const struct ws_sched *s, uint32_t thief, uint32_t v)
{
    uint64_t need = s->p.min_steal_queue ? s->p.min_steal_queue : 1;
    return v != thief && ws_sched_waiting(s, v) >= need && !ws_victim_tried(s, thief, v);
}

uint32_t ws_victim_busiest(struct ws_sched *s, uint32_t thief, const struct ws_cpuset *set,
                           uint32_t sample)
{
    uint32_t n = set ? ws_cpuset_count(set) : s->ncores;
    uint32_t best = WS_CORE_NONE;
    uint64_t best_load = 0;
    if (sample != 0 && n > sample) {
        /* A set that is one run of cores (a node's, usually) maps k to its k-th member by
         * adding: ws_cpuset_nth scans the set's words, which was a sixth of a fork-join
         * replay's ramp-up on 1,024 cores. */
        uint32_t lo = set ? ws_cpuset_first(set) : 0;
        bool run = set == NULL || ws_cpuset_nth(set, n - 1) == lo + n - 1;
        for (uint32_t i = 0; i < sample; i++) {
            uint32_t k = (uint32_t)(s->plat->random(s->ctx, thief) % n);
            uint32_t v = run ? lo + k : ws_cpuset_nth(set, k);
            uint64_t l;
            if (ws_victim_candidate(s, thief, v) && (l = ws_sched_load(s, v)) > best_load)
                best = v, best_load = l;
        }
        return best;
    }
    if (set == NULL) {
        /* Every core: only those whose look bits are set (they may hold min_steal_queue
         * waiting processes) can be candidates, found a bitmap word at a time. */
        for (uint32_t v = ws_sched_look_next(s, 0); v != WS_CORE_NONE;
             v = ws_sched_look_next(s, v + 1)) {
            uint64_t l;
            if (ws_victim_candidate(s, thief, v) && (l = ws_sched_load(s, v)) > best_load)
                best = v, best_load = l;
        }
        return best;
    }
    /* A set: its members whose look bits are set, the set's words ANDed with the bitmap's. */
    for (uint32_t v = ws_sched_look_next_in(s, 0, set->w, set->nwords); v != WS_CORE_NONE;
         v = ws_sched_look_next_in(s, v + 1, set->w, set->nwords)) {
        uint64_t l;
        if (ws_victim_candidate(s, thief, v) && (l = ws_sched_load(s, v)) > best_load)
            best = v, best_load = l;
    }
    return best;
}

uint32_t ws_victim_busiest_capped(struct ws_sched *s, uint32_t thief,
                                  const struct ws_cpuset *set, uint32_t cap)
{
    uint32_t start = (uint32_t)(s->plat->random(s->ctx, thief) % s->ncores);
    uint32_t best = WS_CORE_NONE, seen = 0;
    uint64_t best_load = 0;
    for (int pass = 0; pass < 2; pass++) {
        uint32_t lo = pass == 0 ? start : 0, hi = pass == 0 ? s->ncores : start;
        for (uint32_t v = ws_sched_look_next_in(s, lo, set->w, set->nwords);
             v != WS_CORE_NONE && v < hi && seen < cap;
             v = ws_sched_look_next_in(s, v + 1, set->w, set->nwords)) {
            uint64_t l;
            seen++;
            if (ws_victim_candidate(s, thief, v) && (l = ws_sched_load(s, v)) > best_load)
                best = v, best_load = l;
        }
    }
    return best;
}
