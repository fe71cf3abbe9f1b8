/* ws_deque.h: lock-free Chase-Lev work-stealing deque (one owner, any number of thieves).
 *
 * The owner pushes and takes at the bottom (LIFO); thieves steal from the top (FIFO) with one
 * compare-and-swap on the top index. Operations are O(1); the buffer doubles when full.
 * Items are opaque non-NULL pointers.
 *
 * Contracts by caller:
 *   owner only : ws_deque_push, ws_deque_take, ws_deque_grow, ws_deque_reclaim_quiescent
 *   any thread : ws_deque_steal, ws_deque_steal_if, ws_deque_steal_batch, ws_deque_size,
 *                ws_deque_stats
 *   owner only : ws_deque_reserve (before the first push of a deque made by ws_deque_init_empty)
 *   nobody else running : ws_deque_init, ws_deque_init_at, ws_deque_init_empty, ws_deque_destroy,
 *                         ws_deque_check
 *
 * On ARM64 builds the hot operations push / take / steal come from core/aarch64/ assembly with
 * exactly these symbols; the portable C versions stay available as ws_deque_ref_* everywhere
 * (used by the differential tests). The struct layout is therefore ABI: the offsets below are
 * asserted in ws_deque.c and used by the assembly, which includes this header.
 */
#ifndef WS_DEQUE_H
#define WS_DEQUE_H

/* core/aarch64/ includes this header for its #defines; everything C-only is hidden from the
 * assembler. ws_common.h is C-only, so the few numbers of it that the assembly needs are restated
 * here and checked against it (below), so a change there breaks the build, not the deque. */
#define WS_DEQUE_ASM_CACHE_LINE 128 /* WS_CACHE_LINE */
#define WS_DEQUE_ASM_OK         0   /* WS_OK */
#define WS_DEQUE_ASM_EMPTY      1   /* WS_EMPTY */
#define WS_DEQUE_ASM_ABORT      2   /* WS_ABORT */
#define WS_DEQUE_ASM_NOMEM      4   /* WS_NOMEM */

#ifdef __ASSEMBLER__
#define WS_CACHE_LINE WS_DEQUE_ASM_CACHE_LINE
#else
#include "core/ws_atomic.h"
#include "core/ws_common.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

_Static_assert(WS_DEQUE_ASM_CACHE_LINE == WS_CACHE_LINE, "ws_deque.h restates WS_CACHE_LINE");
_Static_assert(WS_DEQUE_ASM_OK == WS_OK && WS_DEQUE_ASM_EMPTY == WS_EMPTY &&
                   WS_DEQUE_ASM_ABORT == WS_ABORT && WS_DEQUE_ASM_NOMEM == WS_NOMEM,
               "ws_deque.h restates the ws_status codes the assembly returns");

/* Circular buffer of capacity mask + 1 (a power of two). Cell i holds the item of index i for
 * every index in [top, bottom) while this buffer is current. Retired buffers are kept on a list
 * (next) until no thief can read them. */
struct ws_deque_buf {
    uint64_t mask;
    struct ws_deque_buf *next;      /* retired list link; owner only */
    _Atomic(void *) cells[];
};

/* Counters. Owner counters are plain (one writer); thief counters are relaxed atomics. */
struct ws_deque_stats {
    uint64_t pushes;          /* items pushed by the owner */
    uint64_t takes;           /* items taken by the owner */
    uint64_t take_empty;      /* owner takes that found nothing (or lost the last item) */
    uint64_t steal_attempts;  /* single-item steal tries (a batch counts one per item tried) */
    uint64_t steals;          /* items stolen (a batch counts each item) */
    uint64_t steal_lost;      /* steals that lost the CAS race to another thread */
    uint64_t steal_empty;     /* steals that found the deque empty */
    uint64_t steal_denied;    /* conditional steals whose predicate refused the top item */
    uint64_t steal_barriers;  /* asym deques: steals that found work and called membarrier */
};

/* Index protocol (the invariants the whole file relies on):
 *   - top and bottom are 64-bit counters that only the owner (bottom) and successful CASes
 *     (top) change; they may wrap around 2^64: sizes are computed as (int64_t)(bottom - top).
 *   - Items live at indices [top, bottom); index i is in cell (i & mask).
 *   - top never decreases. bottom moves down only transiently inside take.
 *   - top_cache is the owner's private, possibly stale copy of top (top_cache <= top), used by
 *     push to avoid reading the thieves' cache line on every push.
 */
struct ws_deque {
    /* Owner line: written by the owner, read by thieves (bottom, buf). */
    _Alignas(WS_CACHE_LINE) _Atomic uint64_t bottom;
    _Atomic(struct ws_deque_buf *) buf;
    uint64_t top_cache;
    uint64_t pushes;
    uint64_t takes;
    uint64_t take_empty;
    struct ws_deque_buf *retired;  /* buffers replaced by growth, freed when quiescent */
    bool asym;                     /* fence-free take, membarrier in steal (ws_deque.c (E)) */
    uint64_t mask_cache;           /* buf's mask, the owner's copy (written where buf is): its
                                      push and take index cells without reading the buffer's
                                      header line, a miss each on a simulated machine of
                                      thousands of deques (0 before ws_deque_reserve) */

    /* Thief line: top is the only CAS target. */
    _Alignas(WS_CACHE_LINE) _Atomic uint64_t top;

    /* Thief counters, apart from top so counting never slows the owner's read of top. Only
     * outcomes are counted (one relaxed add per steal); attempts are their sum. */
    _Alignas(WS_CACHE_LINE) _Atomic uint64_t steals;
    _Atomic uint64_t steal_lost;
    _Atomic uint64_t steal_empty;
    _Atomic uint64_t steal_denied;
    _Atomic uint64_t steal_barriers; /* asym deques: membarrier calls made by steals */
};

/* Any thread: number of items, a snapshot that may be stale by the time it returns (>= 0).
 * Inline: the scheduler reads queue lengths at every spawn, pick and steal look. */
static inline uint64_t ws_deque_size(const struct ws_deque *d)
{
    uint64_t t = atomic_load_explicit(&d->top, memory_order_relaxed);
    uint64_t b = atomic_load_explicit(&d->bottom, memory_order_relaxed);
    int64_t n = (int64_t)(b - t);
    return n > 0 ? (uint64_t)n : 0;
}

/* Any thread: the top index, how many items have left by the top so far (steals, and the
 * owner's takes of a last item): a steal that read top before it moved loses its race. */
static inline uint64_t ws_deque_top(const struct ws_deque *d)
{
    return atomic_load_explicit(&d->top, memory_order_relaxed);
}

#endif /* !__ASSEMBLER__ */

/* Offsets the assembly depends on. */
#define WS_DEQUE_OFF_BOTTOM    0
#define WS_DEQUE_OFF_BUF       8
#define WS_DEQUE_OFF_TOP_CACHE 16
#define WS_DEQUE_OFF_PUSHES    24
#define WS_DEQUE_OFF_TAKES     32
#define WS_DEQUE_OFF_TAKE_EMPTY 40
#define WS_DEQUE_OFF_TOP       (WS_CACHE_LINE)
#define WS_DEQUE_OFF_STEALS    (2 * WS_CACHE_LINE)
#define WS_DEQUE_OFF_STEAL_LOST (2 * WS_CACHE_LINE + 8)
#define WS_DEQUE_OFF_STEAL_EMPTY (2 * WS_CACHE_LINE + 16)
#define WS_DEQUE_OFF_STEAL_DENIED (2 * WS_CACHE_LINE + 24)
#define WS_DEQUE_BUF_OFF_MASK  0
#define WS_DEQUE_BUF_OFF_CELLS 16

#ifndef __ASSEMBLER__

/* Predicate for conditional steals: true if the thief may take this item. Called by the thief
 * on an item it does not own yet; it must only read the item, and may see an item that another
 * thread takes at the same moment (the result is then discarded). */
typedef bool (*ws_deque_pred)(const void *item, void *arg);

/* Initialise an empty deque whose buffer holds at least `capacity` items (rounded up to a power
 * of two, minimum 2). Returns WS_NOMEM and leaves *d unusable if the buffer cannot be allocated. */
ws_status ws_deque_init(struct ws_deque *d, uint64_t capacity);

/* As ws_deque_init, with top = bottom = start: tests use a start near 2^64 to show that the
 * index arithmetic survives wraparound. */
ws_status ws_deque_init_at(struct ws_deque *d, uint64_t capacity, uint64_t start);

/* Initialise an empty deque without a buffer (nothing allocated, cannot fail): sizes read 0,
 * steals find it empty, and the owner calls ws_deque_reserve before its first push. A scheduler
 * of thousands of modelled cores allocates buffers only for the queues that are ever used. */
void ws_deque_init_empty(struct ws_deque *d);

/* Owner: give a deque made by ws_deque_init_empty its buffer of at least `capacity` items;
 * nothing when it has one. Returns WS_NOMEM, leaving d as it was, when allocation fails. */
ws_status ws_deque_reserve(struct ws_deque *d, uint64_t capacity);

/* Can deques of this process run asymmetric (ws_deque.c (E))? Registers the process for
 * membarrier's private expedited command the first time; false where the kernel (or the build:
 * the aarch64 assembly back end, whose steal never calls membarrier) cannot. Thread-safe. */
bool ws_deque_asym_supported(void);

/* Nobody else running on d: make its take fence-free and its steals call membarrier (on true,
 * only after ws_deque_asym_supported() said true), or symmetric again (false). A single-threaded
 * user (the simulator) never sets it. */
void ws_deque_set_asym(struct ws_deque *d, bool on);

/* Free the buffer and every retired buffer. No other thread may touch d during or after. */
void ws_deque_destroy(struct ws_deque *d);

/* Owner: push item (non-NULL) at the bottom. WS_NOMEM if growth failed (deque unchanged). */
ws_status ws_deque_push(struct ws_deque *d, void *item);

/* Owner: take the most recently pushed item. WS_OK with *out set, or WS_EMPTY. */
ws_status ws_deque_take(struct ws_deque *d, void **out);

/* Any thread: steal the oldest item. WS_OK with *out set, WS_EMPTY, or WS_ABORT on a lost race. */
ws_status ws_deque_steal(struct ws_deque *d, void **out);

/* Any thread: steal the oldest item only if pred(item, arg) accepts it; WS_DENIED if refused
 * (nothing changes), otherwise as ws_deque_steal. */
ws_status ws_deque_steal_if(struct ws_deque *d, void **out, ws_deque_pred pred, void *arg);

/* Any thread: steal up to min(max, ceil(size / 2)) of the oldest items into out[], oldest
 * first; *n_out receives the count. WS_OK if at least one was stolen, else the status of the
 * first failed steal (WS_EMPTY or WS_ABORT). */
ws_status ws_deque_steal_batch(struct ws_deque *d, void **out, uint32_t max, uint32_t *n_out);

/* (ws_deque_size and ws_deque_top, any thread, are inline above, beside the struct.) */

/* Owner: capacity of the current buffer (0 before ws_deque_reserve). */
uint64_t ws_deque_capacity(const struct ws_deque *d);

/* Owner: double the buffer (push calls this when full). WS_NOMEM leaves the deque unchanged. */
ws_status ws_deque_grow(struct ws_deque *d);

/* Owner, when no thief can be inside a steal on d (e.g. all thieves parked, or a
 * single-threaded simulator): free the retired buffers. Their total capacity is always less
 * than the current buffer's, so memory stays bounded even if this is never called. */
void ws_deque_reclaim_quiescent(struct ws_deque *d);

/* Snapshot of the counters (thief counters read relaxed). */
void ws_deque_stats(const struct ws_deque *d, struct ws_deque_stats *out);

/* Invariant checker for asserts and tests; call only while no other thread runs on d.
 * Returns NULL when every invariant holds, else a static description of the first violation. */
const char *ws_deque_check(const struct ws_deque *d);

/* Portable C reference implementations of the hot operations; identical contracts. */
ws_status ws_deque_ref_push(struct ws_deque *d, void *item);
ws_status ws_deque_ref_take(struct ws_deque *d, void **out);
ws_status ws_deque_ref_steal(struct ws_deque *d, void **out);

/* ---- the owner's operations, inline: the bodies of ws_deque_ref_push / ws_deque_ref_take,
 * here so that a driver's per-spawn fast path (ws_sched_fast_push / ws_sched_fast_take) has no
 * call. The letters are the arguments of ws_deque.c's essay. */

/* Owner: as ws_deque_push. */
static inline ws_status ws_deque_push_inline(struct ws_deque *d, void *item)
{
    uint64_t b = ws_load_relaxed(&d->bottom);
    struct ws_deque_buf *a = ws_load_relaxed(&d->buf);
    if (WS_UNLIKELY(b - d->top_cache > d->mask_cache)) {
        /* Looks full by the stale copy: refresh it from the thieves' line (pairs with (C)). */
        d->top_cache = ws_load_acquire(&d->top);
        if (b - d->top_cache > d->mask_cache) {
            if (ws_deque_grow(d) != WS_OK)
                return WS_NOMEM;
            a = ws_load_relaxed(&d->buf);
        }
    }
    ws_store_relaxed(&a->cells[b & d->mask_cache], item);
    ws_store_release(&d->bottom, b + 1);       /* (A): publishes the cell */
    d->pushes++;
    return WS_OK;
}

/* On ARMv8, gcc compiles take's seq_cst store and load to STLR; LDAR, which the architecture
 * keeps in order (RCsc) but qemu-user's TCG does not: it emits no StoreLoad barrier between them
 * on an x86-64 host, and deque_stress --race then duplicates and loses items under
 * qemu-aarch64 (see "The take fence" in core/aarch64/ws_deque.S). The extra DMB ISH is
 * redundant in C11 and on hardware and makes the C reference as robust as the assembly; other
 * targets get nothing (x86-64 keeps XCHG; MOV, and ThreadSanitizer never sees a fence). */
#if defined(__aarch64__)
#define ws_deque_emulator_store_load_fence() ws_fence_seq_cst()
#else
#define ws_deque_emulator_store_load_fence() ((void)0)
#endif

/* Owner: as ws_deque_take; d->asym picks the fence-free order (E) or the symmetric one (B). */
static inline ws_status ws_deque_take_inline(struct ws_deque *d, void **out)
{
    uint64_t b = ws_load_relaxed(&d->bottom) - 1;
    struct ws_deque_buf *a = ws_load_relaxed(&d->buf);
    uint64_t t;
    if (d->asym) {                             /* (E): the thief's membarrier orders these */
        ws_store_relaxed(&d->bottom, b);
        atomic_signal_fence(memory_order_seq_cst);
        t = ws_load_relaxed(&d->top);
    } else {
        ws_store_seq_cst(&d->bottom, b);       /* (B): ordered in S before ... */
        ws_deque_emulator_store_load_fence();
        t = ws_load_seq_cst(&d->top);          /* ... this load of top */
    }
    int64_t size = (int64_t)(b - t);           /* items left after this take */
    if (WS_UNLIKELY(size < 0)) {
        ws_store_relaxed(&d->bottom, b + 1);   /* was empty: restore */
        d->take_empty++;
        return WS_EMPTY;
    }
    void *x = ws_load_relaxed(&a->cells[b & d->mask_cache]);
    if (WS_LIKELY(size > 0)) {
        d->takes++;
        *out = x;
        return WS_OK;
    }
    /* One item left: race the thieves for it on top (B, C). */
    bool won = ws_cas_seq_cst(&d->top, &t, t + 1);
    ws_store_relaxed(&d->bottom, b + 1);
    if (!won) {
        d->take_empty++;
        return WS_EMPTY;
    }
    d->takes++;
    *out = x;
    return WS_OK;
}

/* The owner's push and take for an inline fast path: the inline bodies, except where the hot
 * operations are assembly (aarch64), whose symbols are then called. */
#if defined(__aarch64__)
#define ws_deque_push_fast ws_deque_push
#define ws_deque_take_fast ws_deque_take
#else
#define ws_deque_push_fast ws_deque_push_inline
#define ws_deque_take_fast ws_deque_take_inline
#endif

#endif /* !__ASSEMBLER__ */
#endif
