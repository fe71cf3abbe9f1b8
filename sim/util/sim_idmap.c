/* sim_idmap.c: linear-probing id map with backward-shift deletion, and the paged direct table
 * for dense ids built on it. */
#include "sim/util/sim_idmap.h"
#include "sim/util/sim_util.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define EMPTY UINT64_MAX

static size_t slot_of(uint64_t key, size_t mask)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;   /* murmur3 finaliser: ids are often dense */
    key ^= key >> 33;
    return (size_t)key & mask;
}

static int alloc_table(struct sim_idmap *m, size_t cap)
{
    m->keys = malloc(cap * sizeof(uint64_t));
    m->vals = malloc(cap * sizeof(uint64_t));
    if (m->keys == NULL || m->vals == NULL) {
        free(m->keys), free(m->vals);
        m->keys = m->vals = NULL;   /* sim_idmap_destroy after a failed init frees nothing */
        return -1;
    }
    memset(m->keys, 0xff, cap * sizeof(uint64_t));
    m->mask = cap - 1;
    m->n = 0;
    return 0;
}

int sim_idmap_init(struct sim_idmap *m, size_t capacity_hint)
{
    size_t cap = 16;
    while (cap < capacity_hint * 2)
        cap <<= 1;
    return alloc_table(m, cap);
}

void sim_idmap_destroy(struct sim_idmap *m)
{
    free(m->keys);
    free(m->vals);
    m->keys = m->vals = NULL;
    m->n = 0;
}

static void insert_fresh(struct sim_idmap *m, uint64_t key, uint64_t val)
{
    size_t i = slot_of(key, m->mask);
    while (m->keys[i] != EMPTY)
        i = (i + 1) & m->mask;
    m->keys[i] = key;
    m->vals[i] = val;
    m->n++;
}

static int grow(struct sim_idmap *m)
{
    struct sim_idmap old = *m;
    if (alloc_table(m, (old.mask + 1) * 2) != 0) {
        *m = old;
        return -1;
    }
    for (size_t i = 0; i <= old.mask; i++)
        if (old.keys[i] != EMPTY)
            insert_fresh(m, old.keys[i], old.vals[i]);
    free(old.keys);
    free(old.vals);
    return 0;
}

int sim_idmap_put(struct sim_idmap *m, uint64_t key, uint64_t val)
{
    assert(key != EMPTY);   /* reserved: it marks empty slots */
    size_t i = slot_of(key, m->mask);
    __builtin_prefetch(&m->vals[i], 1);   /* (as in sim_idmap_get) */
    for (; m->keys[i] != EMPTY; i = (i + 1) & m->mask) {
        if (m->keys[i] == key) {
            m->vals[i] = val;
            return 0;
        }
    }
    if ((m->n + 1) * 2 > m->mask + 1) {
        if (grow(m) != 0)
            return -1;
        insert_fresh(m, key, val);
        return 0;
    }
    m->keys[i] = key;
    m->vals[i] = val;
    m->n++;
    return 0;
}

bool sim_idmap_get(const struct sim_idmap *m, uint64_t key, uint64_t *val)
{
    size_t home = slot_of(key, m->mask);
    /* A large map is cold: the value's line is asked for with the key's, not after it. */
    __builtin_prefetch(&m->vals[home]);
    for (size_t i = home; m->keys[i] != EMPTY; i = (i + 1) & m->mask) {
        if (m->keys[i] == key) {
            *val = m->vals[i];
            return true;
        }
    }
    return false;
}

bool sim_idmap_del(struct sim_idmap *m, uint64_t key, uint64_t *val)
{
    size_t i = slot_of(key, m->mask);
    __builtin_prefetch(&m->vals[i], 1);   /* (as in sim_idmap_get) */
    while (m->keys[i] != key) {
        if (m->keys[i] == EMPTY)
            return false;
        i = (i + 1) & m->mask;
    }
    if (val != NULL)
        *val = m->vals[i];
    /* Backward shift: pull later entries of the probe run into the hole. */
    size_t hole = i;
    for (size_t j = (i + 1) & m->mask; m->keys[j] != EMPTY; j = (j + 1) & m->mask) {
        size_t home = slot_of(m->keys[j], m->mask);
        if (((j - home) & m->mask) >= ((j - hole) & m->mask)) {
            m->keys[hole] = m->keys[j];
            m->vals[hole] = m->vals[j];
            hole = j;
        }
    }
    m->keys[hole] = EMPTY;
    m->n--;
    return true;
}

/* ---- sim_idtab ------------------------------------------------------------------------------ */

#define PAGE_BYTES (SIM_IDTAB_PAGE * sizeof(uint64_t))
#define SLAB_PAGES 64u   /* pages are allocated this many at a time (one per page was 1 % of a
                            replay's instructions on 4,096 cores) */

int sim_idtab_init(struct sim_idtab *t)
{
    memset(t, 0, sizeof(*t));
    return sim_idmap_init(&t->big, 16);
}

void sim_idtab_destroy(struct sim_idtab *t)
{
    sim_slab_free_all(&t->slabs);   /* (every page, in use or pooled, lies in one) */
    free(t->pages);
    free(t->page_n);
    sim_idmap_destroy(&t->big);
    memset(t, 0, sizeof(*t));
}

/* SLAB_PAGES more pages into the pool, each on its own lines; 0 or -1 (unchanged). */
static int pool_refill(struct sim_idtab *t)
{
    return sim_slab_refill(&t->slabs, &t->pool, SLAB_PAGES, PAGE_BYTES);
}

/* Make the directory cover page pg (doubling); 0 or -1 (unchanged). */
static int dir_grow(struct sim_idtab *t, size_t pg)
{
    size_t n = t->npages ? t->npages : 64;
    while (n <= pg)
        n *= 2;
    uint64_t **pages = realloc(t->pages, n * sizeof(*pages));
    if (pages == NULL)
        return -1;
    t->pages = pages;
    uint8_t *cnt = realloc(t->page_n, n);
    if (cnt == NULL)
        return -1;   /* (pages grew, npages did not: still consistent) */
    t->page_n = cnt;
    memset(t->pages + t->npages, 0, (n - t->npages) * sizeof(*pages));
    memset(t->page_n + t->npages, 0, n - t->npages);
    t->npages = n;
    return 0;
}

int sim_idtab_put(struct sim_idtab *t, uint64_t key, uint64_t val)
{
    assert(val != 0);   /* reserved: it marks empty slots */
    if (key >= SIM_IDTAB_DENSE_MAX) {
        bool had = sim_idmap_get(&t->big, key, &(uint64_t){ 0 });
        if (sim_idmap_put(&t->big, key, val) != 0)
            return -1;
        t->n += !had;
        return 0;
    }
    size_t pg = (size_t)(key / SIM_IDTAB_PAGE);
    if (pg >= t->npages && dir_grow(t, pg) != 0)
        return -1;
    uint64_t *p = t->pages[pg];
    if (p == NULL) {
        if (t->pool == NULL && pool_refill(t) != 0)
            return -1;
        p = t->pool;
        t->pool = *(void **)t->pool;
        memset(p, 0, PAGE_BYTES);
        t->pages[pg] = p;
    }
    uint64_t *slot = &p[key % SIM_IDTAB_PAGE];
    if (*slot == 0) {
        t->page_n[pg]++;
        t->n++;
    }
    *slot = val;
    return 0;
}

uint64_t sim_idtab_del(struct sim_idtab *t, uint64_t key)
{
    uint64_t v = 0;
    if (key >= SIM_IDTAB_DENSE_MAX) {
        if (sim_idmap_del(&t->big, key, &v))
            t->n--;
        return v;
    }
    size_t pg = (size_t)(key / SIM_IDTAB_PAGE);
    uint64_t *p = pg < t->npages ? t->pages[pg] : NULL;
    if (p == NULL || p[key % SIM_IDTAB_PAGE] == 0)
        return 0;
    v = p[key % SIM_IDTAB_PAGE];
    p[key % SIM_IDTAB_PAGE] = 0;
    t->n--;
    if (--t->page_n[pg] == 0) {   /* its last id left: the page goes back to the pool */
        *(void **)p = t->pool;
        t->pool = p;
        t->pages[pg] = NULL;
    }
    return v;
}

void sim_idtab_each(const struct sim_idtab *t, void (*fn)(void *ctx, uint64_t key, uint64_t val),
                    void *ctx)
{
    for (size_t pg = 0; pg < t->npages; pg++)
        for (size_t i = 0; t->pages[pg] != NULL && i < SIM_IDTAB_PAGE; i++)
            if (t->pages[pg][i] != 0)
                fn(ctx, (uint64_t)pg * SIM_IDTAB_PAGE + i, t->pages[pg][i]);
    for (size_t i = 0; t->big.keys != NULL && i <= t->big.mask; i++)
        if (t->big.keys[i] != EMPTY)
            fn(ctx, t->big.keys[i], t->big.vals[i]);
}
