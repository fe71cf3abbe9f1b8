/* sim_eventq.c: the pending-event set: a ladder queue (rungs of unsorted buckets) behind a
 * small 4-ary heap that orders only the events about to be popped.
 *
 * Why this structure. A hold (pop the minimum, push it again a random increment later) on a
 * binary or 4-ary heap of 32-byte events ran at 14-15 M holds/s with 10 k pending events but only
 * 3-4 M/s with 1 M pending on the 2-core development machine: at 1 M the heap is 32 MB and every
 * sift walks ~10 levels whose lower half are cache misses (a 16-byte key heap with payloads
 * apart, and 8-ary variants, changed little). A ladder queue (Tang, Goh and Thng, ACM TOMACS
 * 2005) does O(1) amortised work per event with mostly sequential memory traffic: an event is
 * appended to an unsorted bucket, moved between tiers once or twice, and only the few events of
 * the current bucket are ever heap-ordered. Measured in one run (`schedlab bench sim` keeps the
 * binary heap as a baseline) it reaches ~30-40 M holds/s at 10 k and ~11-15 M/s at 1 M. Tuning
 * that mattered: keeping a chain's count and links outside its blocks (an append is then a pure
 * store into a likely uncached block: +60 % at 1 M), and small buckets (8 events on average:
 * a cheaper front heap, +25 % at 10 k; larger ones were no faster at 1 M). A bucket that gets
 * crowded because the times cluster is split into a finer rung, the ladder way; a bucket that
 * cannot be split (width 1 ns: all one time; or no rung left) goes to the heap whole, so the
 * worst case degrades to plain heap behaviour rather than failing.
 *
 * A simulator mostly pops an event, handles it and pushes the same core's next event, which is
 * often the earliest of all (a spawn's cost, a short run). So one event, `top`, is kept outside
 * the tiers whenever it is the earliest: such a push and the pop after it cost a few compares
 * instead of a heap insertion and a sift (fib:22 on 8 cores: about a third of the pushes, 2 %
 * of the replay's instructions; on 1,024 busy cores the next event is rarely the same core's).
 *
 * Tried and dropped: the cores' own events (EV_CORE, one live per core) in a tournament tree
 * of one leaf per core, each inner node a 32-byte copy of its earlier child, with this queue
 * kept for roots and timers and the earlier of the two popped (same sequence counter: every
 * replay's summary came out identical). Its work per event is O(log cores), but it was slower
 * wherever it mattered: fib:27 on 1,024 cores took 0.57-0.69 s of CPU against 0.36-0.46 s with
 * this queue alone (fib:26 on 8 cores: equal), 0.50-0.60 s with a branch-free child select.
 * Popping the root walks the whole path (the root was that core) and the 64 KB tree is evicted
 * by the cores' and processes' lines between two events of one core; this queue's appends and
 * its small front stay in the cache. Callgrind counted 925 instructions a process in the tree's
 * walks against 810 for this queue's push, pop and refill together.
 *
 * Layout.
 *   top     (when has_top) an event before every other event of the queue.
 *   front   the events before the current bucket, ordered by (time, seq): an array sorted latest
 *           first while short (sorted), else a 4-ary heap.
 *   rungs   rung[0..depth): rung r splits [base, base + nb << shift) into nb buckets of width
 *           1 << shift; its buckets [0, bi) are consumed. Rung r+1 covers exactly bucket bi-1
 *           of rung r (the parent's width split into a power of two of buckets). The rungs'
 *           buckets lie one after another in one array of bucket_cap chains.
 *   far     an unsorted chain of the events after the end of rung 0; when every rung is used up
 *           it becomes a new rung 0 sized for ~BUCKET_TARGET events per bucket.
 * Buckets and far are chains of 8-event blocks from one pool, linked by index; within a chain
 * order does not matter, because the front heap sorts by (time, seq) and seq is unique.
 *
 * Invariants (sim_eventq_check verifies them):
 *   1. Every front event is before the deepest rung's bucket bi, which is before every event in
 *      a rung or in far.
 *   2. An event in bucket i of rung r lies in that bucket's time range, and i >= bi.
 *   3. Every far event is after the end of rung 0.
 *   4. The front is non-empty whenever the queue holds an event besides top (so peek is O(1)
 *      and const); top is before every front event.
 *   5. Capacity: cap >= n. The front holds up to cap events; the rungs together use at most
 *      bucket_cap buckets; the pool holds cap / BLOCK_EVENTS + bucket_cap + 2 blocks, enough for
 *      n events in any arrangement (top included) (every non-empty chain has one partly filled block at most).
 *      So only a push that makes n exceed cap allocates; pop and every internal move never do,
 *      which is why a failed push can leave the queue exactly as it was.
 * Times near UINT64_MAX: bucket ends are never computed (they could overflow); membership is
 * tested as (t - base) >> shift < nb, which cannot. */
#include "sim/engine/sim_eventq.h"
#include "core/ws_alloc.h"
#include "core/ws_common.h"

#include <string.h>

#define BLOCK_EVENTS   8u          /* events per block: a block is 256 bytes */
#define BUCKET_TARGET  8u          /* mean events per bucket a rung is sized for */
#define SPLIT_MIN      32u         /* a bucket with more events than this is split into a rung */
#define MAX_RUNGS      16u
#define NIL            UINT32_MAX
#define HEAP_D         4u
#define SORTED_MAX     48u         /* a front of at most this many events is a sorted array */

struct block {                     /* a piece of a bucket or far chain; links live in `link` */
    struct sim_event ev[BLOCK_EVENTS];
};
_Static_assert(sizeof(struct block) == 256, "a block is 256 bytes");
_Static_assert(sizeof(struct sim_event) == 32, "an event is 32 bytes");

/* A bucket or the far list: blocks linked through link[], the head block partly filled and the
 * others full. The count lives here, not in the block, so that an append is one store into a
 * (probably uncached) block and no load from it. */
struct chain {
    uint32_t head;                 /* block appended to, or NIL if the chain is empty */
    uint32_t cnt;                  /* events in the head block, 1..BLOCK_EVENTS (0 if empty) */
};

struct rung {
    uint64_t base;
    uint32_t shift;                /* bucket width is 1 << shift (shift <= 63) */
    uint32_t nb;                   /* buckets, <= max_buckets */
    uint32_t bi;                   /* first unconsumed bucket */
    uint32_t first;                /* its buckets are bucket[first .. first + nb) */
};

struct sim_eventq_impl {
    struct sim_event *front;       /* 4-ary heap of nfront events; children of i: 4i+1..4i+4 */
    size_t nfront;
    size_t cap;                    /* events the queue holds without allocating */
    uint32_t depth;                /* rungs in use */
    uint32_t max_buckets;          /* buckets of rung 0 at most */
    uint32_t bucket_cap;           /* buckets of all rungs together at most (2 * max_buckets) */
    struct rung rung[MAX_RUNGS];
    struct chain *bucket;          /* [bucket_cap]; rungs' buckets one after the other */
    struct chain far;
    size_t nfar;
    uint64_t far_min, far_max;     /* time range of far (valid when nfar > 0) */
    struct block *pool;            /* [pool_cap]; [0, pool_used) handed out at some point */
    uint32_t *link;                /* [pool_cap]: next block of a chain or of the free list */
    uint32_t pool_cap, pool_used, pool_free;  /* pool_free: free list head, or NIL */
    void *front_alloc;             /* allocation `front` lives in (aligned so child groups of
                                      four share one 128-byte pair of cache lines) */
    struct sim_event top;          /* the earliest event, when has_top */
    bool has_top;
    bool sorted;                   /* front is an array sorted latest first, not a heap */
};

/* ---- front heap -------------------------------------------------------------------------- */

static inline int before(const struct sim_event *a, const struct sim_event *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

/* A front of at most SORTED_MAX events is kept as an array sorted latest first (pop takes the
 * last element; a refilled bucket of ~8-30 events is insertion-sorted once): fib:22 on 1,024
 * busy cores, pop and refill together 201 -> 138 instructions a pop. A push that would make it longer
 * turns it into the heap (an array sorted earliest first is one) until it next runs empty, so
 * a crowded front keeps O(log n) pushes. */
static inline const struct sim_event *front_min(const struct sim_eventq_impl *q)
{
    return q->sorted ? &q->front[q->nfront - 1] : &q->front[0];
}

/* Sorted front: e into its place, moving the later events up one. */
static inline void sorted_insert(struct sim_event *f, size_t n, const struct sim_event *e)
{
    size_t i = n;
    while (i > 0 && before(&f[i - 1], e)) {
        f[i] = f[i - 1];
        i--;
    }
    f[i] = *e;
}

static void front_to_heap(struct sim_eventq_impl *q)
{
    struct sim_event *f = q->front;
    for (size_t i = 0, j = q->nfront; i + 1 < j; i++, j--) {
        struct sim_event t = f[i];
        f[i] = f[j - 1];
        f[j - 1] = t;
    }
    q->sorted = false;
}

static inline void front_push(struct sim_eventq_impl *q, const struct sim_event *e)
{
    struct sim_event *f = q->front;
    if (q->sorted) {
        if (q->nfront < SORTED_MAX) {
            sorted_insert(f, q->nfront++, e);
            return;
        }
        front_to_heap(q);
    }
    size_t i = q->nfront++;
    while (i > 0) {
        size_t p = (i - 1) / HEAP_D;
        if (!before(e, &f[p]))
            break;
        f[i] = f[p];
        i = p;
    }
    f[i] = *e;
}

/* Move the hole at i down to where `e` belongs among f[0..n) and put e there. */
static inline void sift_down(struct sim_event *f, size_t n, size_t i, const struct sim_event *e)
{
    for (;;) {
        size_t c = HEAP_D * i + 1, m = c;
        if (c >= n)
            break;
        size_t end = c + HEAP_D < n ? c + HEAP_D : n;
        for (size_t j = c + 1; j < end; j++)
            if (before(&f[j], &f[m]))
                m = j;
        if (!before(&f[m], e))
            break;
        f[i] = f[m];
        i = m;
    }
    f[i] = *e;
}

static inline void front_pop(struct sim_eventq_impl *q, struct sim_event *out)
{
    struct sim_event *f = q->front;
    if (q->sorted) {
        *out = f[--q->nfront];
        return;
    }
    *out = f[0];
    size_t n = --q->nfront;
    if (n > 0) {
        struct sim_event last = f[n];
        sift_down(f, n, 0, &last);
    }
}

/* Floyd's heap construction over front[0..nfront). */
static void front_heapify(struct sim_eventq_impl *q)
{
    size_t n = q->nfront;
    if (n < 2)
        return;
    for (size_t i = (n - 2) / HEAP_D + 1; i-- > 0;) {
        struct sim_event e = q->front[i];
        sift_down(q->front, n, i, &e);
    }
}

/* ---- block chains ------------------------------------------------------------------------ */

/* A free block; never fails while invariant 5 holds. */
static inline uint32_t block_get(struct sim_eventq_impl *q)
{
    uint32_t b = q->pool_free;
    if (b != NIL) {
        q->pool_free = q->link[b];
        return b;
    }
    WS_ASSERT(q->pool_used < q->pool_cap);
    return q->pool_used++;
}

static inline void block_put(struct sim_eventq_impl *q, uint32_t b)
{
    q->link[b] = q->pool_free;
    q->pool_free = b;
}

static inline void chain_append(struct sim_eventq_impl *q, struct chain *c,
                                const struct sim_event *e)
{
    if (c->head == NIL || c->cnt == BLOCK_EVENTS) {
        uint32_t b = block_get(q);
        q->link[b] = c->head;
        c->head = b;
        c->cnt = 0;
    }
    q->pool[c->head].ev[c->cnt++] = *e;
}

static size_t chain_count(const struct sim_eventq_impl *q, const struct chain *c)
{
    if (c->head == NIL)
        return 0;
    size_t n = c->cnt;
    for (uint32_t h = q->link[c->head]; h != NIL; h = q->link[h])
        n += BLOCK_EVENTS;
    return n;
}

static inline struct chain *rung_buckets(struct sim_eventq_impl *q, uint32_t r)
{
    return q->bucket + q->rung[r].first;
}

/* Buckets in use by the open rungs. */
static inline uint32_t open_buckets(const struct sim_eventq_impl *q)
{
    return q->depth ? q->rung[q->depth - 1].first + q->rung[q->depth - 1].nb : 0;
}

static const struct chain empty_chain = { NIL, 0 };

/* ---- moving events between tiers --------------------------------------------------------- */

/* Distribute chain c (freeing its blocks) into rung r's buckets; every event must fall in it. */
static void chain_to_rung(struct sim_eventq_impl *q, struct chain c, uint32_t r)
{
    const struct rung *g = &q->rung[r];
    struct chain *buckets = rung_buckets(q, r);
    for (uint32_t h = c.head, cnt = c.cnt; h != NIL; cnt = BLOCK_EVENTS) {
        struct sim_event ev[BLOCK_EVENTS];
        uint32_t next = q->link[h];
        memcpy(ev, q->pool[h].ev, cnt * sizeof(ev[0]));
        block_put(q, h);   /* before appending, so the pool bound of invariant 5 holds */
        for (uint32_t i = 0; i < cnt; i++) {
            uint64_t idx = (ev[i].time - g->base) >> g->shift;
            WS_ASSERT(ev[i].time >= g->base && idx < g->nb);
            chain_append(q, &buckets[idx], &ev[i]);
        }
        h = next;
    }
}

/* Open rung r over [base, base + nb << shift) with empty buckets after the open ones. */
static void rung_open(struct sim_eventq_impl *q, uint32_t r, uint64_t base, uint32_t shift,
                      uint32_t nb)
{
    WS_ASSERT(r == q->depth && open_buckets(q) + nb <= q->bucket_cap);
    q->rung[r] = (struct rung){
        .base = base, .shift = shift, .nb = nb, .bi = 0, .first = open_buckets(q),
    };
    struct chain *buckets = rung_buckets(q, r);
    for (uint32_t i = 0; i < nb; i++)
        buckets[i] = empty_chain;
    q->depth = r + 1;
}

/* Rung 0 from the far chain: buckets sized for ~BUCKET_TARGET events each over its range. */
static void rung_from_far(struct sim_eventq_impl *q)
{
    uint64_t span = q->far_max - q->far_min;
    uint64_t target = q->nfar / BUCKET_TARGET;
    if (target < 1)
        target = 1;
    if (target > q->max_buckets - 1)
        target = q->max_buckets - 1;
    uint32_t shift = 0;
    while (shift < 63 && (span >> shift) >= target)
        shift++;
    rung_open(q, 0, q->far_min, shift, (uint32_t)(span >> shift) + 1);
    struct chain c = q->far;
    q->far = empty_chain;
    q->nfar = 0;
    chain_to_rung(q, c, 0);
}

/* Split bucket b of the deepest rung (chain c, cnt events) into a finer rung of `room` buckets
 * at most (>= 2). */
static void rung_split(struct sim_eventq_impl *q, uint32_t b, struct chain c, size_t cnt,
                       uint32_t room)
{
    const struct rung *g = &q->rung[q->depth - 1];
    uint32_t k = 1;   /* log2 of the child's bucket count */
    while (k < g->shift && ((size_t)1 << (k + 1)) <= cnt / BUCKET_TARGET &&
           (1u << (k + 1)) <= room)
        k++;
    uint64_t base = g->base + ((uint64_t)b << g->shift);
    rung_open(q, q->depth, base, g->shift - k, 1u << k);
    chain_to_rung(q, c, q->depth - 1);
}

/* Copy chain c (freeing its blocks) into the empty front and heap-order it. */
static void chain_to_front(struct sim_eventq_impl *q, struct chain c)
{
    for (uint32_t h = c.head, cnt = c.cnt; h != NIL; cnt = BLOCK_EVENTS) {
        memcpy(q->front + q->nfront, q->pool[h].ev, cnt * sizeof(struct sim_event));
        q->nfront += cnt;
        uint32_t next = q->link[h];
        block_put(q, h);
        h = next;
    }
    q->sorted = q->nfront <= SORTED_MAX;
    if (!q->sorted) {
        front_heapify(q);
        return;
    }
    for (size_t i = 1; i < q->nfront; i++) {
        struct sim_event e = q->front[i];
        sorted_insert(q->front, i, &e);
    }
}

/* Restore invariant 4 after the front ran empty: take the next non-empty bucket of the deepest
 * rung (splitting it if it is crowded), dropping exhausted rungs, rebuilding rung 0 from far. */
static void refill(struct sim_eventq_impl *q)
{
    while (q->nfront == 0) {
        if (q->depth == 0) {
            if (q->nfar == 0)
                return;
            rung_from_far(q);
            continue;
        }
        struct rung *g = &q->rung[q->depth - 1];
        struct chain *buckets = rung_buckets(q, q->depth - 1);
        while (g->bi < g->nb && buckets[g->bi].head == NIL)
            g->bi++;
        if (g->bi == g->nb) {
            q->depth--;
            continue;
        }
        uint32_t b = g->bi++;
        struct chain c = buckets[b];
        buckets[b] = empty_chain;
        size_t cnt = chain_count(q, &c);
        uint32_t room = q->bucket_cap - open_buckets(q);
        if (cnt > SPLIT_MIN && g->shift > 0 && q->depth < MAX_RUNGS && room >= 2)
            rung_split(q, b, c, cnt, room);
        else
            chain_to_front(q, c);
    }
}

/* Put e where invariants 1-3 want it. */
static inline void place(struct sim_eventq_impl *q, const struct sim_event *e)
{
    uint64_t t = e->time;
    if (q->depth > 0) {
        const struct rung *g = &q->rung[q->depth - 1];
        if (t < g->base || ((t - g->base) >> g->shift) < g->bi) {
            front_push(q, e);
            return;
        }
        for (uint32_t r = q->depth; r-- > 0;) {
            g = &q->rung[r];
            uint64_t idx = (t - g->base) >> g->shift;
            if (idx < g->nb) {
                chain_append(q, &rung_buckets(q, r)[idx], e);
                return;
            }
        }
    }
    if (q->nfar == 0 || t < q->far_min)
        q->far_min = t;
    if (q->nfar == 0 || t > q->far_max)
        q->far_max = t;
    q->nfar++;
    chain_append(q, &q->far, e);
}

/* ---- capacity ---------------------------------------------------------------------------- */

struct arrays {
    void *front_alloc;
    struct block *pool;
    uint32_t *link;
    struct chain *bucket;
    uint32_t pool_cap, max_buckets, bucket_cap;
};

static void arrays_free(struct arrays *a)
{
    ws_free(a->front_alloc);
    ws_free(a->pool);
    ws_free(a->link);
    ws_free(a->bucket);
}

/* Allocate the arrays for `cap` events; 0, or -1 with nothing allocated. */
static int arrays_alloc(struct arrays *a, size_t cap)
{
    size_t max_buckets = cap / BUCKET_TARGET < 2 ? 2 : cap / BUCKET_TARGET;
    size_t bucket_cap = 2 * max_buckets;
    size_t pool_cap = cap / BLOCK_EVENTS + 1 + bucket_cap + 1;   /* invariant 5 */
    memset(a, 0, sizeof(*a));
    if (pool_cap >= NIL || cap > SIZE_MAX / 4 / sizeof(struct sim_event))
        return -1;
    a->max_buckets = (uint32_t)max_buckets;
    a->bucket_cap = (uint32_t)bucket_cap;
    a->pool_cap = (uint32_t)pool_cap;
    /* 3 leading slots put child groups 4i+1..4i+4 on 128-byte boundaries. */
    a->front_alloc = ws_aligned_alloc(128, (cap + HEAP_D - 1) * sizeof(struct sim_event));
    a->pool = ws_aligned_alloc(64, pool_cap * sizeof(struct block));
    a->link = ws_malloc(pool_cap * sizeof(uint32_t));
    a->bucket = ws_malloc(bucket_cap * sizeof(struct chain));
    if (a->front_alloc == NULL || a->pool == NULL || a->link == NULL || a->bucket == NULL) {
        arrays_free(a);
        return -1;
    }
    return 0;
}

/* Grow q to hold at least `want` events; 0, or -1 with q unchanged. Blocks keep their
 * indexes, so chains survive the copy. */
static int grow(struct sim_eventq_impl *q, size_t want)
{
    size_t cap = q->cap ? q->cap : 8;
    while (cap < want)
        cap *= 2;
    struct arrays a;
    if (arrays_alloc(&a, cap) != 0)
        return -1;
    struct sim_event *front = (struct sim_event *)a.front_alloc + (HEAP_D - 1);
    if (q->nfront > 0)
        memcpy(front, q->front, q->nfront * sizeof(*front));
    if (q->pool_used > 0) {
        memcpy(a.pool, q->pool, q->pool_used * sizeof(struct block));
        memcpy(a.link, q->link, q->pool_used * sizeof(uint32_t));
    }
    if (open_buckets(q) > 0)
        memcpy(a.bucket, q->bucket, open_buckets(q) * sizeof(struct chain));
    struct arrays old = { q->front_alloc, q->pool, q->link, q->bucket, 0, 0, 0 };
    arrays_free(&old);
    q->front_alloc = a.front_alloc;
    q->front = front;
    q->pool = a.pool;
    q->link = a.link;
    q->bucket = a.bucket;
    q->pool_cap = a.pool_cap;
    q->max_buckets = a.max_buckets;
    q->bucket_cap = a.bucket_cap;
    q->cap = cap;
    return 0;
}

/* ---- public ------------------------------------------------------------------------------ */

int sim_eventq_init(struct sim_eventq *q, size_t capacity_hint)
{
    q->n = 0;
    q->next_seq = 0;
    q->impl = ws_calloc(1, sizeof(*q->impl));
    if (q->impl == NULL)
        return -1;
    q->impl->far = empty_chain;
    q->impl->pool_free = NIL;
    if (grow(q->impl, capacity_hint) != 0) {
        ws_free(q->impl);
        q->impl = NULL;
        return -1;
    }
    return 0;
}

void sim_eventq_destroy(struct sim_eventq *q)
{
    if (q->impl != NULL) {
        struct sim_eventq_impl *qi = q->impl;
        struct arrays a = { qi->front_alloc, qi->pool, qi->link, qi->bucket, 0, 0, 0 };
        arrays_free(&a);
        ws_free(q->impl);
    }
    q->impl = NULL;
    q->n = 0;
}

int sim_eventq_push(struct sim_eventq *q, uint64_t time, uint32_t kind, uint32_t core,
                    uint64_t data)
{
    struct sim_eventq_impl *qi = q->impl;
    if (WS_UNLIKELY(q->n == qi->cap) && grow(qi, q->n + 1) != 0)
        return -1;
    struct sim_event e = { time, q->next_seq++, kind, core, data };
    q->n++;
    if (!qi->has_top) {
        /* (an empty front means an empty queue: invariant 4) */
        if (qi->nfront == 0 || before(&e, front_min(qi))) {
            qi->top = e;
            qi->has_top = true;
            return 0;
        }
    } else if (before(&e, &qi->top)) {
        struct sim_event old = qi->top;
        qi->top = e;
        e = old;
    }
    place(qi, &e);
    if (WS_UNLIKELY(qi->nfront == 0))
        refill(qi);
    return 0;
}

bool sim_eventq_pop(struct sim_eventq *q, struct sim_event *out)
{
    if (q->n == 0)
        return false;
    struct sim_eventq_impl *qi = q->impl;
    q->n--;
    if (qi->has_top) {
        *out = qi->top;
        qi->has_top = false;
        return true;
    }
    front_pop(qi, out);
    if (qi->nfront == 0)
        refill(qi);
    return true;
}

size_t sim_eventq_size(const struct sim_eventq *q)
{
    return q->n;
}

uint64_t sim_eventq_peek_time(const struct sim_eventq *q)
{
    if (q->n == 0)
        return UINT64_MAX;
    return q->impl->has_top ? q->impl->top.time : front_min(q->impl)->time;
}

const struct sim_event *sim_eventq_peek(const struct sim_eventq *q)
{
    if (q->n == 0)
        return NULL;
    return q->impl->has_top ? &q->impl->top : front_min(q->impl);
}

/* ---- checking ---------------------------------------------------------------------------- */

/* Check chain c: every event in bucket `bucket` of rung g (or, with g NULL, >= min_t); adds its
 * events to *n and its blocks to *blocks. */
static const char *check_chain(const struct sim_eventq_impl *q, const struct chain *c,
                               const struct rung *g, uint64_t bucket, uint64_t min_t,
                               size_t *n, size_t *blocks)
{
    if (c->head == NIL)
        return c->cnt == 0 ? NULL : "empty chain with a count";
    if (c->cnt == 0 || c->cnt > BLOCK_EVENTS)
        return "bad head block count";
    for (uint32_t h = c->head, cnt = c->cnt; h != NIL; h = q->link[h], cnt = BLOCK_EVENTS) {
        if (h >= q->pool_used)
            return "chain block out of range";
        if (++*blocks > q->pool_used)
            return "chain cycle";
        for (uint32_t i = 0; i < cnt; i++) {
            uint64_t t = q->pool[h].ev[i].time;
            if (g != NULL && (t < g->base || ((t - g->base) >> g->shift) != bucket))
                return "event outside its bucket";
            if (t < min_t)
                return "event earlier than its tier allows";
        }
        *n += cnt;
    }
    return NULL;
}

static const char *check_front(const struct sim_eventq_impl *q)
{
    for (size_t i = 1; i < q->nfront; i++) {
        if (q->sorted && before(&q->front[i - 1], &q->front[i]))
            return "sorted front out of order";
        if (!q->sorted && before(&q->front[i], &q->front[(i - 1) / HEAP_D]))
            return "front heap order violated";
    }
    if (q->sorted && q->nfront > SORTED_MAX)
        return "sorted front too long";
    if (q->depth == 0)
        return q->nfront == 0 ? NULL : "front events without a rung";
    const struct rung *g = &q->rung[q->depth - 1];
    for (size_t i = 0; i < q->nfront; i++) {
        uint64_t t = q->front[i].time;
        if (t >= g->base && ((t - g->base) >> g->shift) >= g->bi)
            return "front event not before the deepest rung's current bucket";
    }
    return NULL;
}

const char *sim_eventq_check(const struct sim_eventq *q)
{
    const struct sim_eventq_impl *qi = q->impl;
    if (qi == NULL)
        return q->n == 0 ? NULL : "events without storage";
    const char *why = check_front(qi);
    size_t n = qi->nfront, blocks = 0;
    for (uint32_t r = 0; why == NULL && r < qi->depth; r++) {
        const struct rung *g = &qi->rung[r];
        if (g->bi > g->nb || g->shift > 63 || g->nb == 0 ||
            g->first != (r ? qi->rung[r - 1].first + qi->rung[r - 1].nb : 0) ||
            g->first + g->nb > qi->bucket_cap)
            return "bad rung";
        for (uint32_t i = 0; why == NULL && i < g->nb; i++) {
            const struct chain *c = &qi->bucket[g->first + i];
            if (c->head != NIL && i < g->bi)
                return "event in a consumed bucket";
            why = check_chain(qi, c, g, i, 0, &n, &blocks);
        }
    }
    if (why != NULL)
        return why;
    size_t nfar = 0;
    why = check_chain(qi, &qi->far, NULL, 0, qi->nfar ? qi->far_min : 0, &nfar, &blocks);
    if (why != NULL)
        return why;
    if (nfar != qi->nfar)
        return "far count wrong";
    if (nfar > 0 && qi->depth > 0) {
        const struct rung *g = &qi->rung[0];
        if (qi->far_min >= g->base && ((qi->far_min - g->base) >> g->shift) < g->nb)
            return "far event inside rung 0";
    }
    if (n + nfar + qi->has_top != q->n)
        return "event count wrong";
    if (q->n > qi->has_top && qi->nfront == 0)
        return "front empty while the queue is not";
    if (qi->has_top && qi->nfront > 0 && !before(&qi->top, front_min(qi)))
        return "top not before the front";
    if (q->n > qi->cap || qi->pool_used > qi->pool_cap)
        return "over capacity";
    size_t nfree = 0;
    for (uint32_t h = qi->pool_free; h != NIL && nfree <= qi->pool_used; h = qi->link[h])
        nfree++;
    return blocks + nfree == qi->pool_used ? NULL : "blocks lost or shared";
}
