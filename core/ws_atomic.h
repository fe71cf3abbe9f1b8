/* ws_atomic.h: C11 atomics wrapped so that every access carries its memory order in its name.
 *
 * Only the _explicit forms of <stdatomic.h> are used in schedlab. Each non-relaxed call site
 * says, in a comment, which access on another thread it pairs with. */
#ifndef WS_ATOMIC_H
#define WS_ATOMIC_H

#include <stdatomic.h>

#define ws_load_relaxed(p)        atomic_load_explicit((p), memory_order_relaxed)
#define ws_load_acquire(p)        atomic_load_explicit((p), memory_order_acquire)
#define ws_load_seq_cst(p)        atomic_load_explicit((p), memory_order_seq_cst)
#define ws_store_relaxed(p, v)    atomic_store_explicit((p), (v), memory_order_relaxed)
#define ws_store_release(p, v)    atomic_store_explicit((p), (v), memory_order_release)
#define ws_store_seq_cst(p, v)    atomic_store_explicit((p), (v), memory_order_seq_cst)

#define ws_fetch_add_relaxed(p, v) atomic_fetch_add_explicit((p), (v), memory_order_relaxed)
#define ws_fetch_add_acq_rel(p, v) atomic_fetch_add_explicit((p), (v), memory_order_acq_rel)
#define ws_fetch_sub_acq_rel(p, v) atomic_fetch_sub_explicit((p), (v), memory_order_acq_rel)
#define ws_xchg_acq_rel(p, v)      atomic_exchange_explicit((p), (v), memory_order_acq_rel)

/* Strong compare-and-swap: seq_cst on success, relaxed on failure (the value read on failure
 * is only used to decide to give up). */
#define ws_cas_seq_cst(p, expected, desired) \
    atomic_compare_exchange_strong_explicit((p), (expected), (desired), \
                                            memory_order_seq_cst, memory_order_relaxed)
#define ws_cas_acq_rel(p, expected, desired) \
    atomic_compare_exchange_strong_explicit((p), (expected), (desired), \
                                            memory_order_acq_rel, memory_order_acquire)

#define ws_fence_seq_cst() atomic_thread_fence(memory_order_seq_cst)
#define ws_fence_release() atomic_thread_fence(memory_order_release)
#define ws_fence_acquire() atomic_thread_fence(memory_order_acquire)

/* Spin-wait hint: lets the sibling hyper-thread run and saves power while polling. */
static inline void ws_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    atomic_signal_fence(memory_order_seq_cst);
#endif
}

#endif
