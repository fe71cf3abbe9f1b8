/* sim_trace_map.c: open-addressing hash map with linear probing (see sim_trace_map.h). */
#include "sim/trace/sim_trace_map.h"

#include <stdlib.h>

static size_t slot_of(uint64_t key, size_t cap)
{
    key ^= key >> 31;
    key *= 0x9E3779B97F4A7C15ULL;
    key ^= key >> 29;
    return (size_t)key & (cap - 1);
}

void sim_trace_map_init(struct sim_trace_map *m)
{
    m->e = NULL;
    m->cap = 0;
    m->n = 0;
}

void sim_trace_map_free(struct sim_trace_map *m)
{
    free(m->e);
    sim_trace_map_init(m);
}

struct sim_trace_map_ent *sim_trace_map_get(const struct sim_trace_map *m, uint64_t key)
{
    if (m->n == 0)
        return NULL;
    for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (m->e[i].key == key)
            return &m->e[i];
        if (m->e[i].key == SIM_TRACE_MAP_FREE)
            return NULL;
    }
}

static bool grow(struct sim_trace_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    struct sim_trace_map_ent *e = malloc(cap * sizeof *e);
    if (e == NULL)
        return false;
    for (size_t i = 0; i < cap; i++)
        e[i].key = SIM_TRACE_MAP_FREE;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->e[i].key == SIM_TRACE_MAP_FREE)
            continue;
        size_t j = slot_of(m->e[i].key, cap);
        while (e[j].key != SIM_TRACE_MAP_FREE)
            j = (j + 1) & (cap - 1);
        e[j] = m->e[i];
    }
    free(m->e);
    m->e = e;
    m->cap = cap;
    return true;
}

struct sim_trace_map_ent *sim_trace_map_put(struct sim_trace_map *m, uint64_t key, bool *created)
{
    struct sim_trace_map_ent *f = sim_trace_map_get(m, key);
    *created = false;
    if (f != NULL)
        return f;
    if ((m->n + 1) * 4 > m->cap * 3 && !grow(m))
        return NULL;
    size_t i = slot_of(key, m->cap);
    while (m->e[i].key != SIM_TRACE_MAP_FREE)
        i = (i + 1) & (m->cap - 1);
    m->e[i].key = key;
    m->e[i].v[0] = m->e[i].v[1] = m->e[i].v[2] = 0;
    m->n++;
    *created = true;
    return &m->e[i];
}

void sim_trace_map_del(struct sim_trace_map *m, struct sim_trace_map_ent *e)
{
    size_t mask = m->cap - 1;
    size_t hole = (size_t)(e - m->e);
    m->e[hole].key = SIM_TRACE_MAP_FREE;
    m->n--;
    /* Backward shift: move later entries of the cluster into the hole when their home slot
     * does not lie cyclically in (hole, j]. */
    for (size_t j = (hole + 1) & mask; m->e[j].key != SIM_TRACE_MAP_FREE; j = (j + 1) & mask) {
        size_t home = slot_of(m->e[j].key, m->cap);
        bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (stays)
            continue;
        m->e[hole] = m->e[j];
        m->e[j].key = SIM_TRACE_MAP_FREE;
        hole = j;
    }
}
