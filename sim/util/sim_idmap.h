/* sim_idmap.h: an open-addressing hash map from 64-bit ids to 64-bit values (pointers or
 * counts), for finding live processes by id and holding messages sent ahead of a spawn.
 *
 * Linear probing with backward-shift deletion (no tombstones), so lookups stay short however
 * many processes come and go; the table doubles at 1/2 load. Key UINT64_MAX is reserved. */
#ifndef SIM_IDMAP_H
#define SIM_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_idmap {
    uint64_t *keys;   /* UINT64_MAX = empty slot */
    uint64_t *vals;
    size_t mask;      /* capacity - 1 (a power of two) */
    size_t n;
};

int  sim_idmap_init(struct sim_idmap *m, size_t capacity_hint);   /* 0 or -1 (no memory) */
void sim_idmap_destroy(struct sim_idmap *m);
/* Insert or replace (key != UINT64_MAX, asserted). 0, or -1 when growing failed (map
 * unchanged). */
int  sim_idmap_put(struct sim_idmap *m, uint64_t key, uint64_t val);
/* True and *val set if present. */
bool sim_idmap_get(const struct sim_idmap *m, uint64_t key, uint64_t *val);
/* Remove; true if it was present (and *val set when val is non-NULL). */
bool sim_idmap_del(struct sim_idmap *m, uint64_t key, uint64_t *val);

#endif
