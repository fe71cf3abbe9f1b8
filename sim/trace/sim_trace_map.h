/* sim_trace_map.h: an open-addressing hash map from 64-bit keys to three 64-bit words, used by
 * the trace reader and walker for ids seen, children expected, lines skipped and mailboxes. */
#ifndef SIM_TRACE_MAP_H
#define SIM_TRACE_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Invariants: cap is 0 or a power of two; n < cap * 3 / 4; a slot is free iff its key is
 * SIM_TRACE_MAP_FREE (never a valid key); linear probing with backward-shift deletion, so
 * every key is found between its home slot and the first free slot after it. */
#define SIM_TRACE_MAP_FREE UINT64_MAX

struct sim_trace_map_ent {
    uint64_t key;
    uint64_t v[3];
};

struct sim_trace_map {
    struct sim_trace_map_ent *e;
    size_t cap, n;
};

/* An empty map (no allocation until the first put). */
void sim_trace_map_init(struct sim_trace_map *m);
void sim_trace_map_free(struct sim_trace_map *m);

/* The entry of key, or NULL. Pointers stay valid until the next put or del. */
struct sim_trace_map_ent *sim_trace_map_get(const struct sim_trace_map *m, uint64_t key);

/* The entry of key, inserted with v[] zeroed (*created = true) if absent; NULL if out of memory
 * (the map is then unchanged). key must not be SIM_TRACE_MAP_FREE. */
struct sim_trace_map_ent *sim_trace_map_put(struct sim_trace_map *m, uint64_t key, bool *created);

/* Remove the entry e (from get or put). */
void sim_trace_map_del(struct sim_trace_map *m, struct sim_trace_map_ent *e);

#endif
