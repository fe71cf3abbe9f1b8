/* sim_idmap.c: linear-probing id map with backward-shift deletion. */
#include "sim/util/sim_idmap.h"

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
