/* deque_stress.c: one owner and K thieves hammer a deque from pinned threads; every item must be
 * consumed exactly once. Each consumption sets the item's bit in a bitmap with an atomic OR, so
 * a duplicate is caught at the moment it happens (its bit is already set) and a lost item shows
 * as a clear bit at the end; sums are never trusted.
 *
 * The deque starts at capacity 2 so it grows many times while thieves steal. Thieves mix plain,
 * batch and conditional steals. Usage: deque_stress [--quick] [--items N] [--thieves K]
 * Prints "N passed, M failed" and exits non-zero on any failure. */
#include "core/ws_atomic.h"
#include "core/ws_deque.h"
#include "sim/sim_util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct shared {
    struct ws_deque dq;
    uint64_t n_items;
    _Atomic uint64_t *bitmap;
    _Atomic uint64_t consumed;
    _Atomic uint64_t duplicates;
    _Atomic int owner_done;
    _Atomic int started;
    int n_threads;
};

struct thief {
    struct shared *s;
    int id;
    uint64_t got;
    pthread_t th;
};

static void *item(uint64_t i) { return (void *)(uintptr_t)(i + 1); }

static void consume(struct shared *s, void *x)
{
    uint64_t i = (uint64_t)(uintptr_t)x - 1;
    if (i >= s->n_items) {
        ws_fetch_add_relaxed(&s->duplicates, 1);   /* a garbage item counts as corruption */
        return;
    }
    uint64_t bit = UINT64_C(1) << (i % 64);
    uint64_t old = atomic_fetch_or_explicit(&s->bitmap[i / 64], bit, memory_order_relaxed);
    if (old & bit)
        ws_fetch_add_relaxed(&s->duplicates, 1);
    ws_fetch_add_relaxed(&s->consumed, 1);
}

static uint64_t xorshift(uint64_t *r)
{
    *r ^= *r << 13;
    *r ^= *r >> 7;
    *r ^= *r << 17;
    return *r;
}

static bool odd_only(const void *x, void *arg)
{
    (void)arg;
    return ((uintptr_t)x & 1) != 0;
}

static void *thief_main(void *arg)
{
    struct thief *t = arg;
    struct shared *s = t->s;
    uint64_t rng = 0x1234567ull * (uint64_t)(t->id + 1);
    void *buf[8];
    sim_pin_self(t->id + 1);
    ws_fetch_add_acq_rel(&s->started, 1);
    for (;;) {
        uint64_t r = xorshift(&rng) % 8;
        ws_status st;
        if (r < 5) {
            void *x;
            if ((st = ws_deque_steal(&s->dq, &x)) == WS_OK)
                consume(s, x), t->got++;
        } else if (r < 7) {
            uint32_t n = 0;
            st = ws_deque_steal_batch(&s->dq, buf, 1 + (uint32_t)(r % 8), &n);
            for (uint32_t i = 0; i < n; i++)
                consume(s, buf[i]), t->got++;
        } else {
            void *x;
            if ((st = ws_deque_steal_if(&s->dq, &x, odd_only, NULL)) == WS_OK)
                consume(s, x), t->got++;
        }
        if (st == WS_EMPTY && ws_load_acquire(&s->owner_done) && ws_deque_size(&s->dq) == 0)
            break;
    }
    return NULL;
}

/* One round: returns the number of failed checks. */
static int round_run(uint64_t n_items, int n_thieves, uint64_t seed)
{
    struct shared s;
    memset(&s, 0, sizeof(s));
    s.n_items = n_items;
    s.bitmap = calloc((n_items + 63) / 64, sizeof(uint64_t));
    struct thief *th = calloc((size_t)n_thieves, sizeof(*th));
    if (s.bitmap == NULL || th == NULL || ws_deque_init(&s.dq, 2) != WS_OK) {
        fprintf(stderr, "deque_stress: out of memory\n");
        return 1;
    }
    for (int i = 0; i < n_thieves; i++) {
        th[i] = (struct thief){ .s = &s, .id = i };
        pthread_create(&th[i].th, NULL, thief_main, &th[i]);
    }
    sim_pin_self(0);
    while (ws_load_acquire(&s.started) < n_thieves)
        ws_cpu_relax();
    uint64_t rng = seed, next = 0, owner_got = 0;
    while (next < n_items) {
        uint64_t burst = 1 + xorshift(&rng) % 64;
        for (uint64_t k = 0; k < burst && next < n_items; k++)
            if (ws_deque_push(&s.dq, item(next)) == WS_OK)
                next++;
        uint64_t takes = xorshift(&rng) % 40;
        for (uint64_t k = 0; k < takes; k++) {
            void *x;
            if (ws_deque_take(&s.dq, &x) != WS_OK)
                break;
            consume(&s, x);
            owner_got++;
        }
    }
    void *x;
    while (ws_deque_take(&s.dq, &x) == WS_OK)
        consume(&s, x), owner_got++;
    ws_store_release(&s.owner_done, 1);
    uint64_t stolen = 0;
    for (int i = 0; i < n_thieves; i++) {
        pthread_join(th[i].th, NULL);
        stolen += th[i].got;
    }
    int fails = 0;
    uint64_t missing = 0;
    for (uint64_t i = 0; i < n_items; i++)
        if (!(ws_load_relaxed(&s.bitmap[i / 64]) & (UINT64_C(1) << (i % 64))))
            missing++;
    uint64_t dups = ws_load_relaxed(&s.duplicates);
    struct ws_deque_stats st;
    ws_deque_stats(&s.dq, &st);
    const char *why = ws_deque_check(&s.dq);
    if (missing || dups) {
        fprintf(stderr, "FAIL: %llu items lost, %llu duplicated\n", (unsigned long long)missing,
                (unsigned long long)dups);
        fails++;
    }
    if (st.takes != owner_got || st.steals != stolen || st.pushes != n_items) {
        fprintf(stderr, "FAIL: counters (pushes %llu takes %llu steals %llu) disagree with the "
                        "threads (pushed %llu taken %llu stolen %llu)\n",
                (unsigned long long)st.pushes, (unsigned long long)st.takes,
                (unsigned long long)st.steals, (unsigned long long)n_items,
                (unsigned long long)owner_got, (unsigned long long)stolen);
        fails++;
    }
    if (why != NULL) {
        fprintf(stderr, "FAIL: invariant after the round: %s\n", why);
        fails++;
    }
    printf("round: %llu items, %d thieves: owner took %llu, thieves stole %llu (lost races %llu, "
           "denied %llu), capacity grew to %llu\n",
           (unsigned long long)n_items, n_thieves, (unsigned long long)owner_got,
           (unsigned long long)stolen, (unsigned long long)st.steal_lost,
           (unsigned long long)st.steal_denied, (unsigned long long)ws_deque_capacity(&s.dq));
    ws_deque_destroy(&s.dq);
    free(s.bitmap);
    free(th);
    return fails;
}

int main(int argc, char **argv)
{
    uint64_t items = 2000000;
    int thieves = 3;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            items = 100000;
        else if (strcmp(argv[i], "--items") == 0 && i + 1 < argc)
            items = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--thieves") == 0 && i + 1 < argc)
            thieves = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: deque_stress [--quick] [--items N] [--thieves K]\n");
            return 2;
        }
    }
    int passed = 0, failed = 0;
    for (int k = 1; k <= thieves; k++) {
        if (round_run(items, k, 0x9E3779B97F4A7C15ull * (uint64_t)k) == 0)
            passed++;
        else
            failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
