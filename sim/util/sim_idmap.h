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

/* A table from ids to nonzero values for ids that are mostly dense (generated traces number
 * their processes 0, 1, 2, ...): ids below SIM_IDTAB_DENSE_MAX index pages of
 * SIM_IDTAB_PAGE slots directly (one line read, no hashing, and ids made together share
 * lines); larger ids go to a sim_idmap. A page exists while it holds an id and goes back to
 * a pool when its last id leaves, so memory follows the ids held (at most a page each), plus a
 * directory of 9 bytes per SIM_IDTAB_PAGE ids up to the largest id put. Value 0 is reserved
 * (it marks an empty slot). */
#define SIM_IDTAB_PAGE 64u
#define SIM_IDTAB_DENSE_MAX (UINT64_C(1) << 26)

struct sim_idtab {
    uint64_t **pages;     /* [npages]: page i holds ids i * SIM_IDTAB_PAGE ...; NULL: empty */
    uint8_t *page_n;      /* [npages]: ids held by each page */
    size_t npages;
    void *pool;           /* empty pages, linked through their first word */
    void *slabs;          /* the pages' allocations, linked through their first word */
    struct sim_idmap big; /* ids >= SIM_IDTAB_DENSE_MAX */
    size_t n;             /* ids held */
};

int  sim_idtab_init(struct sim_idtab *t);   /* 0 or -1 (no memory) */
void sim_idtab_destroy(struct sim_idtab *t);
/* Insert or replace (val != 0, key != UINT64_MAX). 0, or -1 when out of memory (unchanged). */
int  sim_idtab_put(struct sim_idtab *t, uint64_t key, uint64_t val);
/* The value of key, or 0 when absent. */
static inline uint64_t sim_idtab_get(const struct sim_idtab *t, uint64_t key)
{
    uint64_t v = 0;
    if (key / SIM_IDTAB_PAGE < t->npages) {
        const uint64_t *pg = t->pages[key / SIM_IDTAB_PAGE];
        return pg != NULL ? pg[key % SIM_IDTAB_PAGE] : 0;
    }
    if (key >= SIM_IDTAB_DENSE_MAX && t->big.n > 0)
        (void)sim_idmap_get(&t->big, key, &v);
    return v;
}
/* Where key's value lies while its page exists (0 there: absent), else NULL (absent, or a key
 * past the dense range). The slot stays readable memory until sim_idtab_destroy, whatever it
 * holds by then: what a prefetch needs. */
static inline const uint64_t *sim_idtab_slot(const struct sim_idtab *t, uint64_t key)
{
    if (key / SIM_IDTAB_PAGE >= t->npages)
        return NULL;
    const uint64_t *pg = t->pages[key / SIM_IDTAB_PAGE];
    return pg != NULL ? pg + key % SIM_IDTAB_PAGE : NULL;
}
/* Remove key; its value, or 0 when it was absent. */
uint64_t sim_idtab_del(struct sim_idtab *t, uint64_t key);
/* Call fn on every (key, value) held, in no particular order; fn must not change t. */
void sim_idtab_each(const struct sim_idtab *t, void (*fn)(void *ctx, uint64_t key, uint64_t val),
                    void *ctx);

#endif
