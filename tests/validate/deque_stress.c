/* deque_stress.c: one owner and K thieves hammer a deque from pinned threads; every item must be
 * consumed exactly once. Each consumption sets the item's bit in a bitmap with an atomic OR, so
 * a duplicate is caught at the moment it happens (its bit is already set) and a lost item shows
 * as a clear bit at the end; sums are never trusted.
 *
 * Default mode: the deque starts at capacity 2 so it grows many times while thieves steal;
 * the owner pushes bursts and takes some back, thieves mix plain, batch and conditional steals.
 *
 * --race: the last-items race, made as frequent as possible. The owner pushes 1 to 3 items and
 * at once takes until the deque is empty, over and over, while the thieves do nothing but
 * steal. Almost every take then meets a thief on the same one or two items: the one-item race
 * (both sides CAS top), and the two-item case that only the take's store-bottom / load-top order
 * protects (protocol (B) of core/ws_deque.c): the owner takes item t+1 without a CAS because it
 * read top = t, so a thief that steals t and then comes back must see the lowered bottom, or it
 * steals t+1 too. A StoreLoad reordering there shows up as a duplicate within seconds (see
 * core/aarch64/ws_deque.S). The round prints how often the owner lost an item to a thief.
 *
 * --ref drives push/take/steal through the C reference ws_deque_ref_* (on native builds the
 * public names are that code already; on ARCH=aarch64 they are the assembly).
 *
 * --asym runs the deque in asymmetric mode (core/ws_deque.c (E): a fence-free take, steals that
 * call membarrier); where the kernel lacks membarrier's private expedited command it says the
 * rounds were skipped and exits 0.
 *
 * Usage: deque_stress [--quick] [--race] [--ref] [--asym] [--items N] [--thieves K]; rounds run with
 * 1..K thieves. Prints "N passed, M failed" and exits non-zero on any failure. */
#include "core/ws_atomic.h"
#include "core/ws_deque.h"
#include "sim/util/sim_util.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef ws_status (*push_fn)(struct ws_deque *, void *);
typedef ws_status (*pop_fn)(struct ws_deque *, void **);

/* The CPUs the process may use, saved before any pinning: the owner pins itself in each round,
 * and threads inherit their creator's affinity, so without restoring it every round after the
 * first would put all its thieves on the owner's CPU. */
static cpu_set_t all_cpus;
static bool all_cpus_known;

/* The entry points under test: the public ones, or the C reference with --ref. */
struct ops {
    push_fn push;
    pop_fn take;
    pop_fn steal;
};

struct shared {
    struct ws_deque dq;
    struct ops op;
    bool race;
    uint64_t n_items;
    _Atomic uint64_t *bitmap;
    _Atomic uint64_t consumed;
    _Atomic uint64_t duplicates;
    _Atomic uint64_t pred_garbage;   /* steal_if predicates shown a value never pushed */
    _Atomic int owner_done;
    _Atomic int started;
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

/* The conditional steal's predicate. It must only ever be shown an item that was pushed: the
 * scheduler's predicates dereference their item, so a cell read through a stale top (a cell a
 * later grow never copied) would be a wild pointer there, even though the CAS would have
 * refused it afterwards. Anything else is counted and fails the round. */
static bool odd_only(const void *x, void *arg)
{
    struct shared *s = arg;
    if ((uint64_t)(uintptr_t)x - 1 >= s->n_items)
        ws_fetch_add_relaxed(&s->pred_garbage, 1);
    return ((uintptr_t)x & 1) != 0;
}

/* True once the owner has finished and the deque is drained: a thief may leave. */
static bool thief_may_leave(struct shared *s, ws_status st)
{
    return st == WS_EMPTY && ws_load_acquire(&s->owner_done) && ws_deque_size(&s->dq) == 0;
}

/* Default thief: a mix of plain, batch and conditional steals. */
static void thief_mixed(struct thief *t)
{
    struct shared *s = t->s;
    uint64_t rng = 0x1234567ull * (uint64_t)(t->id + 1);
    void *buf[8];
    for (;;) {
        uint64_t r = xorshift(&rng) % 8;
        ws_status st;
        if (r < 5) {
            void *x;
            if ((st = s->op.steal(&s->dq, &x)) == WS_OK)
                consume(s, x), t->got++;
        } else if (r < 7) {
            uint32_t n = 0;
            st = ws_deque_steal_batch(&s->dq, buf, 1 + (uint32_t)(r % 8), &n);
            for (uint32_t i = 0; i < n; i++)
                consume(s, buf[i]), t->got++;
        } else {
            void *x;
            if ((st = ws_deque_steal_if(&s->dq, &x, odd_only, s)) == WS_OK)
                consume(s, x), t->got++;
        }
        if (thief_may_leave(s, st))
            break;
    }
}

/* --race thief: nothing but back-to-back plain steals, so a thief that has just won item t
 * comes back for t+1 while the owner may still be inside its take. Stolen items are consumed
 * only when a steal fails (or 64 are held): consuming in between (two contended atomic RMWs)
 * made the thief's next steal late for that window, and an unfenced take then failed under
 * qemu about once in 5 million items instead of several times per million. */
static void thief_race(struct thief *t)
{
    struct shared *s = t->s;
    void *held[64];
    unsigned n = 0;
    for (;;) {
        ws_status st = s->op.steal(&s->dq, &held[n]);
        if (st == WS_OK && ++n < 64)
            continue;
        for (unsigned i = 0; i < n; i++)
            consume(s, held[i]);
        t->got += n;
        n = 0;
        if (thief_may_leave(s, st))
            break;
    }
}

static void *thief_main(void *arg)
{
    struct thief *t = arg;
    sim_pin_self(t->id + 1);
    ws_fetch_add_acq_rel(&t->s->started, 1);   /* pairs with the owner's wait in round_run */
    if (t->s->race)
        thief_race(t);
    else
        thief_mixed(t);
    return NULL;
}

/* Default owner: bursts of 1..64 pushes, then up to 39 takes; returns the items it took. */
static uint64_t owner_mixed(struct shared *s, uint64_t rng)
{
    uint64_t next = 0, got = 0;
    while (next < s->n_items) {
        uint64_t burst = 1 + xorshift(&rng) % 64;
        for (uint64_t k = 0; k < burst && next < s->n_items; k++)
            if (s->op.push(&s->dq, item(next)) == WS_OK)
                next++;
        uint64_t takes = xorshift(&rng) % 40;
        for (uint64_t k = 0; k < takes; k++) {
            void *x;
            if (s->op.take(&s->dq, &x) != WS_OK)
                break;
            consume(s, x);
            got++;
        }
    }
    return got;
}

/* --race owner: push 1..3 items, take until empty, repeat. *lost counts the cycles in which a
 * thief got at least one of the items (the owner raced and lost). Returns the items it took. */
static uint64_t owner_race(struct shared *s, uint64_t rng, uint64_t *lost)
{
    uint64_t next = 0, got = 0;
    *lost = 0;
    while (next < s->n_items) {
        uint64_t k = 1 + xorshift(&rng) % 3, pushed = 0, taken = 0;
        for (; pushed < k && next < s->n_items; pushed++)
            if (s->op.push(&s->dq, item(next++)) != WS_OK)
                return got;                     /* cannot happen: capacity stays at 4 */
        void *x;
        while (s->op.take(&s->dq, &x) == WS_OK)
            consume(s, x), got++, taken++;
        *lost += taken < pushed;
    }
    return got;
}

/* After a round: every item consumed exactly once, counters agree with what the threads saw,
 * the deque's invariants hold. Returns the number of failed checks. */
static int round_check(struct shared *s, uint64_t owner_got, uint64_t stolen)
{
    int fails = 0;
    uint64_t missing = 0;
    for (uint64_t i = 0; i < s->n_items; i++)
        if (!(ws_load_relaxed(&s->bitmap[i / 64]) & (UINT64_C(1) << (i % 64))))
            missing++;
    uint64_t dups = ws_load_relaxed(&s->duplicates);
    struct ws_deque_stats st;
    ws_deque_stats(&s->dq, &st);
    const char *why = ws_deque_check(&s->dq);
    if (missing || dups) {
        fprintf(stderr, "FAIL: %llu items lost, %llu duplicated\n", (unsigned long long)missing,
                (unsigned long long)dups);
        fails++;
    }
    uint64_t garbage = ws_load_relaxed(&s->pred_garbage);
    if (garbage) {
        fprintf(stderr, "FAIL: the steal predicate was shown %llu values never pushed\n",
                (unsigned long long)garbage);
        fails++;
    }
    if (st.takes != owner_got || st.steals != stolen || st.pushes != s->n_items) {
        fprintf(stderr, "FAIL: counters (pushes %llu takes %llu steals %llu) disagree with the "
                        "threads (pushed %llu taken %llu stolen %llu)\n",
                (unsigned long long)st.pushes, (unsigned long long)st.takes,
                (unsigned long long)st.steals, (unsigned long long)s->n_items,
                (unsigned long long)owner_got, (unsigned long long)stolen);
        fails++;
    }
    if (why != NULL) {
        fprintf(stderr, "FAIL: invariant after the round: %s\n", why);
        fails++;
    }
    return fails;
}

/* One round with n_thieves thieves: returns the number of failed checks. */
static bool asym;   /* --asym */

static int round_run(const struct ops *op, bool race, uint64_t n_items, int n_thieves,
                     uint64_t seed)
{
    struct shared s;
    memset(&s, 0, sizeof(s));
    s.op = *op;
    s.race = race;
    s.n_items = n_items;
    s.bitmap = calloc((n_items + 63) / 64, sizeof(uint64_t));
    struct thief *th = calloc((size_t)n_thieves, sizeof(*th));
    if (s.bitmap == NULL || th == NULL || ws_deque_init(&s.dq, 2) != WS_OK) {
        fprintf(stderr, "deque_stress: out of memory\n");
        return 1;
    }
    ws_deque_set_asym(&s.dq, asym);   /* before the thieves exist */
    if (all_cpus_known)
        sched_setaffinity(0, sizeof(all_cpus), &all_cpus);   /* undo the last round's pin */
    for (int i = 0; i < n_thieves; i++) {
        th[i] = (struct thief){ .s = &s, .id = i };
        pthread_create(&th[i].th, NULL, thief_main, &th[i]);
    }
    sim_pin_self(0);
    while (ws_load_acquire(&s.started) < n_thieves)  /* pairs with the thieves' increment */
        ws_cpu_relax();
    uint64_t lost = 0;
    uint64_t owner_got = race ? owner_race(&s, seed, &lost) : owner_mixed(&s, seed);
    void *x;
    while (s.op.take(&s.dq, &x) == WS_OK)
        consume(&s, x), owner_got++;
    ws_store_release(&s.owner_done, 1);              /* pairs with thief_may_leave */
    uint64_t stolen = 0;
    for (int i = 0; i < n_thieves; i++) {
        pthread_join(th[i].th, NULL);
        stolen += th[i].got;
    }
    int fails = round_check(&s, owner_got, stolen);
    struct ws_deque_stats st;
    ws_deque_stats(&s.dq, &st);
    printf("round%s: %llu items, %d thieves: owner took %llu, thieves stole %llu (lost races "
           "%llu, denied %llu), capacity grew to %llu",
           race ? " (race)" : "", (unsigned long long)n_items, n_thieves,
           (unsigned long long)owner_got, (unsigned long long)stolen,
           (unsigned long long)st.steal_lost, (unsigned long long)st.steal_denied,
           (unsigned long long)ws_deque_capacity(&s.dq));
    if (race)
        printf("; the owner lost items to a thief in %llu cycles", (unsigned long long)lost);
    if (asym)
        printf("; %llu membarrier calls", (unsigned long long)st.steal_barriers);
    printf("\n");
    ws_deque_destroy(&s.dq);
    free(s.bitmap);
    free(th);
    return fails;
}

int main(int argc, char **argv)
{
    struct ops op = { ws_deque_push, ws_deque_take, ws_deque_steal };
    uint64_t items = 2000000;
    int thieves = 3;
    bool race = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            items = 100000;
        else if (strcmp(argv[i], "--race") == 0)
            race = true;
        else if (strcmp(argv[i], "--ref") == 0)
            op = (struct ops){ ws_deque_ref_push, ws_deque_ref_take, ws_deque_ref_steal };
        else if (strcmp(argv[i], "--asym") == 0)
            asym = true;
        else if (strcmp(argv[i], "--items") == 0 && i + 1 < argc)
            items = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--thieves") == 0 && i + 1 < argc)
            thieves = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: deque_stress [--quick] [--race] [--ref] [--asym] "
                            "[--items N] [--thieves K]\n");
            return 2;
        }
    }
    if (asym && !ws_deque_asym_supported()) {
        printf("SKIP: membarrier's private expedited command is not available here\n"
               "0 passed, 0 failed (%d skipped)\n", thieves);
        return 0;
    }
    all_cpus_known = sched_getaffinity(0, sizeof(all_cpus), &all_cpus) == 0;
    int passed = 0, failed = 0;
    for (int k = 1; k <= thieves; k++) {
        if (round_run(&op, race, items, k, 0x9E3779B97F4A7C15ull * (uint64_t)k) == 0)
            passed++;
        else
            failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
