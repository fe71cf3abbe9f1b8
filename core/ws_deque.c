/* ws_deque.c: the portable C11 Chase-Lev deque, in the memory orders of Lê, Pop, Cohen and
 * Zappa Nardelli, "Correct and Efficient Work-Stealing for Weak Memory Models", PPoPP 2013,
 * with their two seq_cst fences expressed as seq_cst accesses on the indices they separate.
 *
 * Why these orders suffice (the argument the code comments refer to by letter):
 *
 *  (A) Publication. push writes the cell (relaxed), then bottom with release. A thief reads
 *      bottom with (at least) acquire; seeing the new bottom it also sees the cell.
 *  (B) The last item. take stores the decremented bottom and then loads top; steal loads top
 *      and then loads bottom. The paper puts a seq_cst fence between each pair; here the four
 *      accesses are themselves seq_cst, so they lie in the single total order S of the C11
 *      model, consistent with program order. Either the owner's store of bottom precedes the
 *      thief's load of bottom in S (the thief sees the deque without the item) or the thief's
 *      load of top precedes the owner's load of top, and when one item is left both sides race
 *      for it with a CAS on top, which exactly one wins. A seq_cst load cannot return a bottom
 *      older than the owner's seq_cst store that precedes it in S (C11 7.17.3p6), so no thief
 *      acts on a stale, larger bottom.
 *  (C) Thieves against thieves. Every steal commits by CAS top: t -> t + 1 (seq_cst), so each
 *      index is handed out once.
 *  (D) Growth. The owner copies [top, bottom) into a new buffer and publishes it with a release
 *      store of buf; a thief loads buf with acquire after reading bottom. A thief still reading
 *      the old buffer reads the same item for its index (the old buffer is never written again
 *      and never freed while a thief may hold it: retired buffers are freed only at
 *      ws_deque_reclaim_quiescent or destroy). Since each buffer doubles, the retired ones hold
 *      fewer cells in total than the current one.
 *
 *  (E) Asymmetric mode (d->asym, set by the native runtime where the kernel supports it): take
 *      stores bottom and loads top with only a compiler barrier between them, so on x86-64 the
 *      owner's pair costs no XCHG; the StoreLoad ordering that (B) needs is paid by the thief
 *      instead, as in the asymmetric Dekker pattern: a steal that has seen work (top < bottom,
 *      a plain pre-check, so idle probing of empty deques never calls it) calls
 *      membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) and then reads bottom again, and proceeds to
 *      the CAS only if the item is still there. membarrier(2): "all its running threads
 *      siblings have passed through a state where all memory accesses to user-space addresses
 *      match program order between entry to and return from the membarrier() system call" (the
 *      kernel runs a full barrier on every CPU running a thread of this process). Take at index
 *      i = the decremented bottom conflicts with a steal of index i only if the thief read top =
 *      i and the owner took i without CAS, i.e. read a top below i. Let P be the point of that
 *      barrier on the owner's CPU. If the owner's store of bottom = i is before P, the thief's
 *      second read of bottom (after the call) sees i (or a later push's value, whose cell the
 *      thief then reads through the release of that push: it takes the new item, consistently
 *      with the owner's view), so it finds no item at i and gives up. If the store is after P,
 *      so is the owner's load of top, which then sees at least the i the thief read before the
 *      call (the thief's read saw a CAS that was globally visible before P): size <= 0, and the
 *      owner either finds the deque empty or races for the last item with a CAS, which exactly
 *      one side wins (C). A thread not running at P (descheduled) passes through the kernel's
 *      context switch, a full barrier, so the same holds. Steal_batch is a run of single steals,
 *      each with its barrier. The simulator (single-threaded) never sets asym: its steals make no
 *      system call and its takes are as in (B); asym is one predictable branch in take and steal.
 *
 *  (F) The conditional steal's predicate. A plain steal may read garbage through a stale top:
 *      if t was stolen and a grow came after, cell t of the new buffer was never copied and
 *      holds uninitialised memory, and the failing CAS discards it. A predicate runs before the
 *      CAS and the scheduler's dereference their item, so steal_if reads the cell with acquire
 *      and then top again, and gives up (a lost race) unless top is still t. Then index t was
 *      neither stolen (every steal of t moves top past it) nor taken by the owner (taking t as
 *      the last item CASes top; taking it without a CAS would need a take that read a top below
 *      t, which (B) and (E) exclude once the thief has seen bottom > t), so it was in [top,
 *      bottom) at every grow between its push and the thief's load of buf, each grow copied it,
 *      and x is the item at t. (native_stress found this: a steal-half round handed a NULL
 *      cell to the affinity check, about one run of 500 rounds in ten.)
 *
 * Why accesses, not fences: ThreadSanitizer does not model stand-alone fences, and the stress
 * tests must run clean under it on this very code; and on x86-64 a seq_cst load is a plain MOV
 * (the store side's XCHG carries the barrier), which takes the MFENCE out of steal. Measured on
 * the 2-core development machine: uncontended steal 14.5 ns with the paper's fences, 9.7 ns
 * with seq_cst accesses; the owner's push+take pair was 6.4 ns either way.
 *
 * Indices are uint64_t and compared through (int64_t)(b - t), so they survive wraparound.
 */
#include "core/ws_deque.h"
#include "core/ws_alloc.h"
#include "core/ws_atomic.h"

#include <stddef.h>
#include <string.h>
#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

_Static_assert(offsetof(struct ws_deque, bottom) == WS_DEQUE_OFF_BOTTOM, "asm layout");
_Static_assert(offsetof(struct ws_deque, buf) == WS_DEQUE_OFF_BUF, "asm layout");
_Static_assert(offsetof(struct ws_deque, top_cache) == WS_DEQUE_OFF_TOP_CACHE, "asm layout");
_Static_assert(offsetof(struct ws_deque, pushes) == WS_DEQUE_OFF_PUSHES, "asm layout");
_Static_assert(offsetof(struct ws_deque, takes) == WS_DEQUE_OFF_TAKES, "asm layout");
_Static_assert(offsetof(struct ws_deque, take_empty) == WS_DEQUE_OFF_TAKE_EMPTY, "asm layout");
_Static_assert(offsetof(struct ws_deque, top) == WS_DEQUE_OFF_TOP, "top on its own line");
_Static_assert(offsetof(struct ws_deque, steals) == WS_DEQUE_OFF_STEALS,
               "thief counters on their own line");
_Static_assert(offsetof(struct ws_deque, steal_lost) == WS_DEQUE_OFF_STEAL_LOST, "asm layout");
_Static_assert(offsetof(struct ws_deque, steal_empty) == WS_DEQUE_OFF_STEAL_EMPTY, "asm layout");
_Static_assert(offsetof(struct ws_deque, steal_denied) == WS_DEQUE_OFF_STEAL_DENIED,
               "asm layout");
_Static_assert(offsetof(struct ws_deque_buf, mask) == WS_DEQUE_BUF_OFF_MASK, "asm layout");
_Static_assert(offsetof(struct ws_deque_buf, cells) == WS_DEQUE_BUF_OFF_CELLS, "asm layout");
_Static_assert(sizeof(_Atomic(void *)) == sizeof(void *), "cells are plain words");
_Static_assert(sizeof(_Atomic uint64_t) == 8, "indices are plain words");

static struct ws_deque_buf *buf_new(uint64_t capacity)
{
    struct ws_deque_buf *a =
        ws_aligned_alloc(WS_CACHE_LINE, sizeof(*a) + capacity * sizeof(a->cells[0]));
    if (a == NULL)
        return NULL;
    a->mask = capacity - 1;
    a->next = NULL;
    return a;
}

static uint64_t round_pow2(uint64_t n)
{
    uint64_t c = 2;
    while (c < n && c < (UINT64_C(1) << 62))
        c <<= 1;
    return c;
}

ws_status ws_deque_init_at(struct ws_deque *d, uint64_t capacity, uint64_t start)
{
    struct ws_deque_buf *a = buf_new(round_pow2(capacity));
    if (a == NULL)
        return WS_NOMEM;
    memset(d, 0, sizeof(*d));
    atomic_init(&d->bottom, start);
    atomic_init(&d->top, start);
    atomic_init(&d->buf, a);
    d->mask_cache = a->mask;
    d->top_cache = start;
    return WS_OK;
}

ws_status ws_deque_init(struct ws_deque *d, uint64_t capacity)
{
    return ws_deque_init_at(d, capacity, 0);
}

void ws_deque_init_empty(struct ws_deque *d)
{
    memset(d, 0, sizeof(*d));
    atomic_init(&d->bottom, 0);
    atomic_init(&d->top, 0);
    atomic_init(&d->buf, NULL);
}

/* A thief reads buf only after seeing bottom above top (steal_one), so the release store here,
 * followed by push's release store of bottom (A), orders the buffer before any use of it. */
ws_status ws_deque_reserve(struct ws_deque *d, uint64_t capacity)
{
    if (ws_load_relaxed(&d->buf) != NULL)
        return WS_OK;
    struct ws_deque_buf *a = buf_new(round_pow2(capacity));
    if (a == NULL)
        return WS_NOMEM;
    ws_store_release(&d->buf, a);
    d->mask_cache = a->mask;
    return WS_OK;
}

void ws_deque_reclaim_quiescent(struct ws_deque *d)
{
    struct ws_deque_buf *r = d->retired;
    while (r != NULL) {
        struct ws_deque_buf *next = r->next;
        ws_free(r);
        r = next;
    }
    d->retired = NULL;
}

void ws_deque_destroy(struct ws_deque *d)
{
    ws_deque_reclaim_quiescent(d);
    ws_free(ws_load_relaxed(&d->buf));
    atomic_init(&d->buf, NULL);
}

ws_status ws_deque_grow(struct ws_deque *d)
{
    struct ws_deque_buf *old = ws_load_relaxed(&d->buf);
    uint64_t b = ws_load_relaxed(&d->bottom);
    uint64_t t = ws_load_acquire(&d->top);   /* pairs with the thieves' CAS on top (C) */
    struct ws_deque_buf *a = buf_new((old->mask + 1) * 2);
    if (a == NULL)
        return WS_NOMEM;
    /* Copying from a stale t is harmless: indices below the real top are never read again. */
    for (uint64_t i = t; i != b; i++)
        ws_store_relaxed(&a->cells[i & a->mask], ws_load_relaxed(&old->cells[i & old->mask]));
    /* (D) release: a thief that acquires the new buffer sees the copied cells. */
    ws_store_release(&d->buf, a);
    d->mask_cache = a->mask;
    old->next = d->retired;
    d->retired = old;
    return WS_OK;
}

/* The owner's push and take are ws_deque_push_inline / ws_deque_take_inline in ws_deque.h (so
 * that a driver's fast path inlines them); the C reference is these bodies. */
ws_status ws_deque_ref_push(struct ws_deque *d, void *item)
{
    return ws_deque_push_inline(d, item);
}

/* (E): membarrier(2) through syscall(2), as glibc has no wrapper; 0 on success. */
static int membarrier_call(int cmd)
{
#if defined(__linux__) && defined(__NR_membarrier) && !defined(WS_DEQUE_ASM)
    return (int)syscall(__NR_membarrier, cmd, 0, 0);
#else
    (void)cmd;
    return -1;
#endif
}

static _Atomic int asym_state;   /* 0: not asked yet, 1: supported, -1: not */

bool ws_deque_asym_supported(void)
{
    int s = ws_load_acquire(&asym_state);   /* pairs with the release below */
    if (s != 0)
        return s > 0;
#if defined(__linux__) && !defined(WS_DEQUE_ASM)
    int cmds = membarrier_call(MEMBARRIER_CMD_QUERY);
    s = cmds >= 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
                membarrier_call(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0
            ? 1 : -1;
#else
    s = -1;
#endif
    ws_store_release(&asym_state, s);   /* registering twice is harmless */
    return s > 0;
}

void ws_deque_set_asym(struct ws_deque *d, bool on)
{
    d->asym = on && ws_deque_asym_supported();
}

ws_status ws_deque_ref_take(struct ws_deque *d, void **out)
{
    return ws_deque_take_inline(d, out);
}

/* Shared body of steal and steal_if: pred may be NULL. */
static inline ws_status steal_one(struct ws_deque *d, void **out, ws_deque_pred pred, void *arg)
{
    uint64_t t = ws_load_seq_cst(&d->top);     /* (B, C): ordered in S before ... */
    uint64_t b = ws_load_seq_cst(&d->bottom);  /* ... this load; (A): acquires push's cell */
    if ((int64_t)(b - t) <= 0) {
        ws_fetch_add_relaxed(&d->steal_empty, 1);
        return WS_EMPTY;
    }
    if (d->asym) {   /* (E): work seen; the owner's take is ordered after the barrier */
        ws_fetch_add_relaxed(&d->steal_barriers, 1);
        membarrier_call(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
        b = ws_load_acquire(&d->bottom);        /* (A) again: a later push's cell */
        if ((int64_t)(b - t) <= 0) {
            ws_fetch_add_relaxed(&d->steal_empty, 1);
            return WS_EMPTY;
        }
    }
    struct ws_deque_buf *a = ws_load_acquire(&d->buf); /* (D): pairs with grow's release */
    void *x;
    if (pred == NULL) {
        x = ws_load_relaxed(&a->cells[t & a->mask]);   /* a stale t: the CAS refuses x */
    } else {
        x = ws_load_acquire(&a->cells[t & a->mask]);   /* (F): ordered before ... */
        if (ws_load_seq_cst(&d->top) != t) {           /* ... this second look at top */
            ws_fetch_add_relaxed(&d->steal_lost, 1);
            return WS_ABORT;
        }
        if (!pred(x, arg)) {
            ws_fetch_add_relaxed(&d->steal_denied, 1);
            return WS_DENIED;
        }
    }
    if (!ws_cas_seq_cst(&d->top, &t, t + 1)) {  /* (C) */
        ws_fetch_add_relaxed(&d->steal_lost, 1);
        return WS_ABORT;
    }
    ws_fetch_add_relaxed(&d->steals, 1);
    *out = x;
    return WS_OK;
}

ws_status ws_deque_ref_steal(struct ws_deque *d, void **out)
{
    return steal_one(d, out, NULL, NULL);
}

ws_status ws_deque_steal_if(struct ws_deque *d, void **out, ws_deque_pred pred, void *arg)
{
    return steal_one(d, out, pred, arg);
}

/* A batch is a run of single-CAS steals. Claiming k items with one CAS on top is unsound
 * against Chase-Lev's take, which takes any item above top without a CAS; so each item is
 * committed separately, and the batch stops at the first failure. */
ws_status ws_deque_steal_batch(struct ws_deque *d, void **out, uint32_t max, uint32_t *n_out)
{
    uint64_t size = ws_deque_size(d);
    uint64_t want = (size + 1) / 2;
    if (want > max)
        want = max;
    if (want == 0)
        want = 1;                               /* let steal report empty or a race */
    uint32_t n = 0;
    ws_status s = WS_OK;
    while (n < want) {
        s = ws_deque_steal(d, &out[n]);
        if (s != WS_OK)
            break;
        n++;
    }
    *n_out = n;
    return n > 0 ? WS_OK : s;
}

uint64_t ws_deque_capacity(const struct ws_deque *d)
{
    const struct ws_deque_buf *a = ws_load_relaxed(&d->buf);
    return a != NULL ? a->mask + 1 : 0;
}

void ws_deque_stats(const struct ws_deque *d, struct ws_deque_stats *out)
{
    out->pushes = d->pushes;
    out->takes = d->takes;
    out->take_empty = d->take_empty;
    out->steals = ws_load_relaxed(&d->steals);
    out->steal_lost = ws_load_relaxed(&d->steal_lost);
    out->steal_empty = ws_load_relaxed(&d->steal_empty);
    out->steal_denied = ws_load_relaxed(&d->steal_denied);
    out->steal_barriers = ws_load_relaxed(&d->steal_barriers);
    out->steal_attempts = out->steals + out->steal_lost + out->steal_empty + out->steal_denied;
}

const char *ws_deque_check(const struct ws_deque *d)
{
    const struct ws_deque_buf *a = ws_load_relaxed(&d->buf);
    uint64_t t = ws_load_relaxed(&d->top);
    uint64_t b = ws_load_relaxed(&d->bottom);
    if (a == NULL)
        return "buffer is NULL";
    if (((a->mask + 1) & a->mask) != 0)
        return "capacity is not a power of two";
    if (d->mask_cache != a->mask)
        return "owner's cached mask is not the buffer's";
    if ((int64_t)(b - t) < 0)
        return "bottom is below top while quiescent";
    if (b - t > a->mask + 1)
        return "more items than capacity";
    if ((int64_t)(t - d->top_cache) < 0)
        return "owner's cached top is ahead of top";
    uint64_t retired_cells = 0;
    for (const struct ws_deque_buf *r = d->retired; r != NULL; r = r->next)
        retired_cells += r->mask + 1;
    if (retired_cells > a->mask + 1)
        return "retired buffers hold more cells than the current one";
    for (uint64_t i = t; i != b; i++)
        if (ws_load_relaxed(&a->cells[i & a->mask]) == NULL)
            return "a live cell holds NULL";
    uint64_t stolen = ws_load_relaxed(&d->steals);
    if (d->pushes < d->takes + stolen)
        return "more items taken and stolen than pushed";
    if (d->pushes - d->takes - stolen != b - t)
        return "counters disagree with the number of items";
    return NULL;
}

/* Without an assembly back end the public hot operations are the C reference, by alias. */
#ifndef WS_DEQUE_ASM
ws_status ws_deque_push(struct ws_deque *d, void *item) __attribute__((alias("ws_deque_ref_push")));
ws_status ws_deque_take(struct ws_deque *d, void **out) __attribute__((alias("ws_deque_ref_take")));
ws_status ws_deque_steal(struct ws_deque *d, void **out) __attribute__((alias("ws_deque_ref_steal")));
#endif
