/* deque_diff.c: differential test of the ARM64 assembly deque (ws_deque_push/take/steal from
 * core/aarch64/) against the C reference (ws_deque_ref_*), built only for ARCH=aarch64 and run
 * under qemu-aarch64 by scripts/test-aarch64.sh.
 *
 * Cases (each one line of "passed"/"failed"):
 *   random   seeded random push / take / steal / steal_batch sequences applied to one deque
 *            through the assembly and to another through the C reference: every status, item
 *            and batch count must match, and after every operation so must top, bottom, the
 *            owner's cached top, the capacity, every counter and the live cells. The deques
 *            start at capacity 2 (so they grow often) and at indices 0, 2^63 - 7 and 2^64 - 7
 *            (so the signed size tests cross both wraparound points).
 *   nomem    a push that must grow while the allocator fails returns WS_NOMEM from both and
 *            leaves both deques unchanged.
 *   contended  an owner and two thieves on the assembly deque: every item is consumed once, and
 *            each counter equals the number of calls that returned its status (steal_lost counts
 *            the WS_ABORTs, which single-threaded sequences never produce).
 * Usage: deque_diff [--ops N] [--seeds N]. Prints "N passed, M failed"; exits 1 on a failure. */
#include "core/ws_alloc.h"
#include "core/ws_atomic.h"
#include "core/ws_deque.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_MAX 8

typedef ws_status (*push_fn)(struct ws_deque *, void *);
typedef ws_status (*pop_fn)(struct ws_deque *, void **);

/* One way of driving a deque: the assembly entry points or the C reference. */
struct impl {
    const char *name;
    push_fn push;
    pop_fn take;
    pop_fn steal;
};

static const struct impl asm_impl = { "asm", ws_deque_push, ws_deque_take, ws_deque_steal };
static const struct impl ref_impl = { "ref", ws_deque_ref_push, ws_deque_ref_take,
                                      ws_deque_ref_steal };

static uint64_t xorshift(uint64_t *r)
{
    *r ^= *r << 13;
    *r ^= *r >> 7;
    *r ^= *r << 17;
    return *r;
}

/* The batch contract of ws_deque_steal_batch, driven through impl->steal. For the assembly this
 * is exactly what ws_deque_steal_batch does (it calls ws_deque_steal); the real function is
 * also called on the assembly deque and compared (see op_batch). */
static ws_status batch(const struct impl *m, struct ws_deque *d, void **out, uint32_t max,
                       uint32_t *n_out)
{
    uint64_t want = (ws_deque_size(d) + 1) / 2;
    if (want > max)
        want = max;
    if (want == 0)
        want = 1;
    uint32_t n = 0;
    ws_status s = WS_OK;
    while (n < want && (s = m->steal(d, &out[n])) == WS_OK)
        n++;
    *n_out = n;
    return n > 0 ? WS_OK : s;
}

/* First difference between the two deques' observable state, or NULL. */
static const char *state_diff(const struct ws_deque *a, const struct ws_deque *r)
{
    struct ws_deque_stats sa, sr;
    uint64_t t = ws_load_relaxed(&a->top), b = ws_load_relaxed(&a->bottom);
    if (t != ws_load_relaxed(&r->top))
        return "top";
    if (b != ws_load_relaxed(&r->bottom))
        return "bottom";
    if (a->top_cache != r->top_cache)
        return "top_cache";
    if (ws_deque_capacity(a) != ws_deque_capacity(r))
        return "capacity";
    ws_deque_stats(a, &sa);
    ws_deque_stats(r, &sr);
    if (memcmp(&sa, &sr, sizeof(sa)) != 0)
        return "counters";
    const struct ws_deque_buf *ba = ws_load_relaxed(&a->buf), *br = ws_load_relaxed(&r->buf);
    for (uint64_t i = t; i != b; i++)
        if (ws_load_relaxed(&ba->cells[i & ba->mask]) != ws_load_relaxed(&br->cells[i & br->mask]))
            return "live cells";
    if (ws_deque_check(a) != NULL)
        return ws_deque_check(a);
    return ws_deque_check(r);
}

/* Applies one random operation to both deques; returns what differed, or NULL. */
static const char *step(struct ws_deque *a, struct ws_deque *r, uint64_t *rng, uint64_t *next,
                        int push_bias)
{
    uint64_t dice = xorshift(rng) % 100;
    void *xa = NULL, *xr = NULL;
    if (dice < (uint64_t)push_bias) {
        void *it = (void *)(uintptr_t)++*next;
        if (ws_deque_push(a, it) != ref_impl.push(r, it))
            return "push status";
    } else if (dice < 70) {
        if (ws_deque_take(a, &xa) != ref_impl.take(r, &xr) || xa != xr)
            return "take result";
    } else if (dice < 85) {
        if (ws_deque_steal(a, &xa) != ref_impl.steal(r, &xr) || xa != xr)
            return "steal result";
    } else {
        void *oa[BATCH_MAX], *or[BATCH_MAX];
        uint32_t max = 1 + (uint32_t)(xorshift(rng) % BATCH_MAX), na = 0, nr = 0;
        ws_status s_real = ws_deque_steal_batch(a, oa, max, &na);
        if (s_real != batch(&ref_impl, r, or, max, &nr) || na != nr)
            return "steal_batch status or count";
        if (memcmp(oa, or, na * sizeof(void *)) != 0)
            return "steal_batch items";
    }
    return state_diff(a, r);
}

/* One seeded random sequence from index start: 0 if the two deques agreed throughout. */
static int case_random(uint64_t seed, uint64_t start, uint64_t ops)
{
    struct ws_deque a, r;
    if (ws_deque_init_at(&a, 2, start) != WS_OK || ws_deque_init_at(&r, 2, start) != WS_OK) {
        fprintf(stderr, "deque_diff: out of memory\n");
        return 1;
    }
    uint64_t rng = seed * 0x9E3779B97F4A7C15ull + 1, next = 0;
    const char *why = NULL;
    uint64_t i;
    for (i = 0; i < ops && why == NULL; i++) {
        /* Phases of 300 operations alternate between filling (growth) and draining (the
         * last-item race and empty paths). */
        int push_bias = (i / 300) % 2 ? 20 : 60;
        why = step(&a, &r, &rng, &next, push_bias);
    }
    if (why != NULL)
        fprintf(stderr, "FAIL random seed %llu start %#llx: %s differs after op %llu\n",
                (unsigned long long)seed, (unsigned long long)start, why,
                (unsigned long long)i);
    ws_deque_destroy(&a);
    ws_deque_destroy(&r);
    return why != NULL;
}

/* Fills a deque to capacity then pushes with the allocator failing; 0 if m behaved. */
static int nomem_one(const struct impl *m)
{
    struct ws_deque d;
    if (ws_deque_init(&d, 4) != WS_OK)
        return 1;
    for (uintptr_t i = 1; i <= 4; i++)
        m->push(&d, (void *)i);
    const struct ws_deque_buf *before = ws_load_relaxed(&d.buf);
    ws_alloc_fail_after(1);
    ws_status s = m->push(&d, (void *)(uintptr_t)5);
    ws_alloc_fail_after(0);
    int bad = s != WS_NOMEM || ws_load_relaxed(&d.buf) != before || ws_deque_size(&d) != 4 ||
              d.pushes != 4 || ws_deque_check(&d) != NULL;
    bad |= m->push(&d, (void *)(uintptr_t)5) != WS_OK || ws_deque_capacity(&d) != 8;
    void *x = NULL;
    bad |= m->take(&d, &x) != WS_OK || x != (void *)(uintptr_t)5;
    if (bad)
        fprintf(stderr, "FAIL nomem (%s): status %d, deque changed or unusable\n", m->name, s);
    ws_deque_destroy(&d);
    return bad;
}

struct contended {
    struct ws_deque dq;
    uint64_t n_items;
    _Atomic unsigned char *seen;
    _Atomic uint64_t duplicates;
    _Atomic int owner_done;
};

struct tally {
    struct contended *c;
    uint64_t ok, empty, abort_, other;
};

static void consume(struct contended *c, void *x)
{
    uint64_t i = (uint64_t)(uintptr_t)x - 1;
    if (i >= c->n_items || atomic_exchange_explicit(&c->seen[i], 1, memory_order_relaxed))
        ws_fetch_add_relaxed(&c->duplicates, 1);
}

static void *thief_main(void *arg)
{
    struct tally *t = arg;
    void *x;
    for (;;) {
        ws_status s = ws_deque_steal(&t->c->dq, &x);
        if (s == WS_OK) {
            t->ok++;
            consume(t->c, x);
        } else if (s == WS_ABORT) {
            t->abort_++;
        } else if (s == WS_EMPTY) {
            t->empty++;
            if (ws_load_acquire(&t->c->owner_done))   /* pairs with the owner's release */
                break;
        } else {
            t->other++;
        }
    }
    return NULL;
}

/* Owner pushes two, takes one, repeatedly, against two thieves. */
static int case_contended(uint64_t n_items)
{
    enum { THIEVES = 2 };
    struct contended c = { .n_items = n_items };
    struct tally th[THIEVES], own = { .c = &c };
    pthread_t tid[THIEVES];
    c.seen = calloc(n_items, 1);
    if (c.seen == NULL || ws_deque_init(&c.dq, 2) != WS_OK)
        return 1;
    for (int i = 0; i < THIEVES; i++) {
        th[i] = (struct tally){ .c = &c };
        pthread_create(&tid[i], NULL, thief_main, &th[i]);
    }
    void *x;
    for (uint64_t i = 0; i < n_items; i++) {
        ws_deque_push(&c.dq, (void *)(uintptr_t)(i + 1));
        if (i % 2 == 0)
            continue;
        ws_status s = ws_deque_take(&c.dq, &x);
        if (s == WS_OK)
            own.ok++, consume(&c, x);
        else
            own.empty++;
    }
    while (ws_deque_take(&c.dq, &x) == WS_OK)
        own.ok++, consume(&c, x);
    own.empty++;                                      /* the take that ended the loop */
    ws_store_release(&c.owner_done, 1);
    struct tally sum = { 0 };
    for (int i = 0; i < THIEVES; i++) {
        pthread_join(tid[i], NULL);
        sum.ok += th[i].ok, sum.empty += th[i].empty, sum.abort_ += th[i].abort_;
        sum.other += th[i].other;
    }
    struct ws_deque_stats st;
    ws_deque_stats(&c.dq, &st);
    uint64_t missing = 0;
    for (uint64_t i = 0; i < n_items; i++)
        missing += ws_load_relaxed(&c.seen[i]) == 0;
    int bad = missing || ws_load_relaxed(&c.duplicates) || sum.other ||
              st.pushes != n_items || st.takes != own.ok || st.take_empty != own.empty ||
              st.steals != sum.ok || st.steal_lost != sum.abort_ ||
              st.steal_empty != sum.empty || ws_deque_check(&c.dq) != NULL;
    printf("contended: %llu items, owner took %llu, thieves stole %llu, lost %llu races\n",
           (unsigned long long)n_items, (unsigned long long)own.ok, (unsigned long long)sum.ok,
           (unsigned long long)sum.abort_);
    if (bad)
        fprintf(stderr, "FAIL contended: missing %llu, duplicated %llu; counters takes %llu/%llu "
                        "take_empty %llu/%llu steals %llu/%llu lost %llu/%llu empty %llu/%llu\n",
                (unsigned long long)missing, (unsigned long long)ws_load_relaxed(&c.duplicates),
                (unsigned long long)st.takes, (unsigned long long)own.ok,
                (unsigned long long)st.take_empty, (unsigned long long)own.empty,
                (unsigned long long)st.steals, (unsigned long long)sum.ok,
                (unsigned long long)st.steal_lost, (unsigned long long)sum.abort_,
                (unsigned long long)st.steal_empty, (unsigned long long)sum.empty);
    ws_deque_destroy(&c.dq);
    free((void *)c.seen);
    return bad;
}

int main(int argc, char **argv)
{
    uint64_t ops = 20000, seeds = 6;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc)
            ops = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seeds") == 0 && i + 1 < argc)
            seeds = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: deque_diff [--ops N] [--seeds N]\n");
            return 2;
        }
    }
    static const uint64_t starts[] = { 0, (UINT64_C(1) << 63) - 7, UINT64_MAX - 6 };
    int passed = 0, failed = 0;
    for (uint64_t s = 1; s <= seeds; s++)
        for (size_t k = 0; k < sizeof(starts) / sizeof(starts[0]); k++)
            case_random(s, starts[k], ops) ? failed++ : passed++;
    nomem_one(&asm_impl) ? failed++ : passed++;
    nomem_one(&ref_impl) ? failed++ : passed++;
    case_contended(200000) ? failed++ : passed++;
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
