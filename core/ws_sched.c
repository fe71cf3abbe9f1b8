/* ws_sched.c: scheduler state, load, placement, inboxes and picking the next process (the
 * design essay is in ws_sched.h; stealing is in ws_sched_steal.c). */
#include "core/ws_sched_int.h"
#include "core/ws_alloc.h"
#include "core/ws_atomic.h"
#include "core/ws_time.h"
#include "core/ws_victim.h"

#include <string.h>

#define INITIAL_DEQUE 64

static const char *const result_names[WS_STEAL_RESULT_COUNT] = {
    "ok", "empty", "lost_race", "affinity", "cooldown", "threshold", "cost", "rate_limit",
};

const char *ws_steal_result_name(enum ws_steal_result r)
{
    return (unsigned)r < WS_STEAL_RESULT_COUNT ? result_names[r] : "?";
}

/* The scheduler behaviour the strategy stands for beyond its victim choice (ws_victim.h): its
 * balancer period where balance_interval_ns is 0, compaction, strict-only affinity, low
 * priority in the normal queue. */
static void apply_mode(struct ws_sched *s, const struct ws_victim_ops *v)
{
    if (s->p.balance_interval_ns == 0 && v->balance_slices != 0)
        s->p.balance_interval_ns = ws_time_mul(s->p.time_slice_ns, v->balance_slices);
    s->balance_compact = s->p.balance_compact != 0 || v->balance_compact;
    s->strict_only = v->strict_only;
    s->low_in_normal = v->low_in_normal;
}

/* The summaries of the sleeping and spare bitmaps, and each cluster's range of bitmap words
 * (the wake-up's first pass reads only those). */
static ws_status summaries_create(struct ws_sched *s)
{
    uint32_t nsum = (s->nwords + 63) / 64;
    s->sleeping_sum = ws_calloc(nsum, sizeof(uint64_t));
    s->spare_sum = ws_calloc(nsum, sizeof(uint64_t));
    s->cluster_words = ws_calloc(2 * (size_t)s->topo->nclusters + 1, sizeof(uint32_t));
    if (s->sleeping_sum == NULL || s->spare_sum == NULL || s->cluster_words == NULL)
        return WS_NOMEM;
    for (uint32_t i = 0; i < s->topo->nclusters; i++) {
        const struct ws_cpuset *cl = &s->topo->clusters[i].cores;
        uint32_t lo = 1, hi = 0;   /* an empty cluster: an empty range */
        for (uint32_t w = 0; w < cl->nwords && w < s->nwords; w++) {
            if (cl->w[w] != 0) {
                lo = lo > hi ? w : lo;
                hi = w;
            }
        }
        s->cluster_words[2 * i] = lo;
        s->cluster_words[2 * i + 1] = hi;
    }
    return WS_OK;
}

ws_status ws_sched_create(const struct ws_topo *topo, const struct ws_params *p,
                          const char *strategy, const struct ws_platform *plat, void *ctx,
                          struct ws_sched **out)
{
    *out = NULL;
    const struct ws_victim_ops *v = ws_victim_find(strategy);
    if (v == NULL)
        return WS_EINVAL;
    struct ws_sched *s = ws_calloc(1, sizeof(*s));
    if (s == NULL)
        return WS_NOMEM;
    s->topo = topo;
    s->p = *p;
    ws_params_apply_zero_overheads(&s->p);
    s->plat = plat;
    s->ctx = ctx;
    s->victim = v;
    apply_mode(s, v);
    s->ncores = topo->ncores;
    s->nwords = (s->ncores + 63) / 64;
    /* 2,176 bytes a core, 9 MB on 4,096: on huge pages, set-up takes 2 MB faults, not 4 KB ones */
    s->cores = ws_alloc_wide(sizeof(struct ws_core) * s->ncores);
    s->idle = ws_calloc(s->nwords, sizeof(uint64_t));
    s->sleeping = ws_calloc(s->nwords, sizeof(uint64_t));
    s->work = ws_calloc(s->nwords, sizeof(uint64_t));
    s->spare = ws_calloc(s->nwords, sizeof(uint64_t));
    if (s->cores == NULL || s->idle == NULL || s->sleeping == NULL || s->work == NULL ||
        s->spare == NULL || summaries_create(s) != WS_OK) {
        s->ncores = 0;   /* the cores' deques are not made yet */
        ws_sched_destroy(s);
        return WS_NOMEM;
    }
    memset(s->cores, 0, sizeof(struct ws_core) * s->ncores);
    ws_store_relaxed(&s->queues_used, UINT32_C(1) << WS_PRIO_NORMAL);
    for (uint32_t c = 0; c < s->ncores; c++) {
        struct ws_core *k = &s->cores[c];
        k->id = c;
        for (int q = 0; q < WS_PRIO_COUNT; q++) {
            ws_store_relaxed(&k->emig[q], WS_CORE_NONE);
            ws_store_relaxed(&k->immig[q], WS_CORE_NONE);
            ws_store_relaxed(&k->limit[q], UINT32_MAX);
        }
        atomic_flag_clear(&k->inbox.lock);
        for (int q = 0; q < WS_PRIO_COUNT; q++)
            ws_deque_init_empty(&k->q[q]);   /* buffers at first use: ws_sched_core_ready */
    }
    *out = s;
    return WS_OK;
}

void ws_sched_destroy(struct ws_sched *s)
{
    if (s == NULL)
        return;
    for (uint32_t c = 0; s->cores != NULL && c < s->ncores; c++)
        for (int q = 0; q < WS_PRIO_COUNT; q++)
            ws_deque_destroy(&s->cores[c].q[q]);
    ws_free(s->cores);
    ws_free(s->sleeping_sum);
    ws_free(s->spare_sum);
    ws_free(s->cluster_words);
    ws_free(s->idle);
    ws_free(s->sleeping);
    ws_free(s->work);
    ws_free(s->spare);
    ws_free(s);
}

ws_status ws_sched_core_ready(struct ws_sched *s, uint32_t c)
{
    struct ws_core *k = &s->cores[c];
    if (WS_LIKELY(k->deques_ready))
        return WS_OK;
    for (int q = 0; q < WS_PRIO_COUNT; q++)
        if (ws_deque_reserve(&k->q[q], INITIAL_DEQUE) != WS_OK)
            return WS_NOMEM;   /* the ones reserved keep their buffers: a later call adds the rest */
    k->deques_ready = true;
    return WS_OK;
}

/* ---- load -------------------------------------------------------------------------------- */

static uint64_t weight(const struct ws_params *p, int prio)
{
    switch (prio) {
    case WS_PRIO_MAX:  return p->load_w_max;
    case WS_PRIO_HIGH: return p->load_w_high;
    case WS_PRIO_NORMAL: return p->load_w_normal;
    default:           return p->load_w_low;
    }
}

uint64_t ws_sched_load(const struct ws_sched *s, uint32_t c)
{
    const struct ws_core *k = &s->cores[c];
    uint64_t load = 0;
    for (uint32_t used = ws_load_relaxed(&s->queues_used); used != 0; used &= used - 1) {
        int q = __builtin_ctz(used);
        load += weight(&s->p, q) * ws_deque_size(&k->q[q]);
    }
    /* Inbox processes count at the normal weight: their priorities are not summed apart. */
    return load + weight(&s->p, WS_PRIO_NORMAL) * ws_load_relaxed(&k->inbox.len);
}

uint64_t ws_sched_waiting(const struct ws_sched *s, uint32_t c)
{
    const struct ws_core *k = &s->cores[c];
    uint64_t n = ws_load_relaxed(&k->inbox.len);
    for (uint32_t used = ws_load_relaxed(&s->queues_used); used != 0; used &= used - 1)
        n += ws_deque_size(&k->q[__builtin_ctz(used)]);
    return n;
}

/* ---- idle and sleeping bitmaps ----------------------------------------------------------- */

/* Set or clear bit c; returns whether it was set before. One RMW, so of two threads changing
 * the same bit at once exactly one sees it change (natively a sleeper and its wakers race). */
static bool bit_set(_Atomic uint64_t *words, uint32_t c, bool on)
{
    /* One bit of the old value, each way apart: gcc makes each a LOCK BTS / BTR on x86-64,
     * where the two in one expression were a load and a CMPXCHG loop. */
    uint64_t bit = UINT64_C(1) << (c & 63);
    if (on)
        return (atomic_fetch_or_explicit(&words[c >> 6], bit, memory_order_seq_cst) & bit) != 0;
    return (atomic_fetch_and_explicit(&words[c >> 6], ~bit, memory_order_seq_cst) & bit) != 0;
}

static bool bit_test(const _Atomic uint64_t *words, uint32_t c)
{
    return (ws_load_seq_cst(&words[c >> 6]) >> (c & 63)) & 1u;
}

/* bit_set on a bitmap with a summary (struct ws_sched). Setting also sets the word's summary
 * bit (read first: the summary word is shared by 64 words), after the bitmap word, so a
 * reader that finds the summary bit finds the bit. Clearing leaves the summary bit: a reader
 * that meets a zero word clears it (sum_word), which no clearer could do safely, as a bit set
 * between its clear of the word and of the summary would be hidden. */
static bool sum_bit_set(_Atomic uint64_t *words, _Atomic uint64_t *sum, uint32_t c, bool on)
{
    bool was = bit_set(words, c, on);
    uint64_t sbit = UINT64_C(1) << ((c >> 6) & 63);
    if (on && !(ws_load_seq_cst(&sum[c >> 12]) & sbit))
        atomic_fetch_or_explicit(&sum[c >> 12], sbit, memory_order_seq_cst);
    return was;
}

/* Word w of a summarised bitmap, for a reader that found its summary bit set: when it is zero,
 * the summary bit is cleared and the word read again (a setter meanwhile saw the summary bit
 * still set and left it, so it is set back if the word is no longer zero). */
static uint64_t sum_word(const _Atomic uint64_t *words, _Atomic uint64_t *sum, uint32_t w)
{
    uint64_t bits = ws_load_seq_cst(&words[w]);
    if (bits != 0)
        return bits;
    uint64_t sbit = UINT64_C(1) << (w & 63);
    atomic_fetch_and_explicit(&sum[w >> 6], ~sbit, memory_order_seq_cst);
    bits = ws_load_seq_cst(&words[w]);
    if (bits != 0)
        atomic_fetch_or_explicit(&sum[w >> 6], sbit, memory_order_seq_cst);
    return bits;
}

/* The first word index in [w, end) whose summary bit is set, or end. */
static uint32_t sum_next(const _Atomic uint64_t *sum, uint32_t w, uint32_t end)
{
    while (w < end) {
        uint64_t bits = ws_load_seq_cst(&sum[w >> 6]) & (~UINT64_C(0) << (w & 63));
        if (bits != 0) {
            uint32_t r = (w & ~63u) + (uint32_t)__builtin_ctzll(bits);
            return r < end ? r : end;
        }
        w = (w | 63u) + 1;
    }
    return end;
}

/* A woken core has settled (found work or went back to waiting): it no longer counts as a
 * searcher for the wake throttle. Returns whether it was one. */
bool ws_sched_search_end(struct ws_sched *s, uint32_t core)
{
    if (!atomic_exchange_explicit(&s->cores[core].searching, 0, memory_order_acq_rel))
        return false;
    ws_fetch_sub_acq_rel(&s->nsearching, 1);
    return true;
}

void ws_sched_set_idle(struct ws_sched *s, uint32_t core, bool idle)
{
    if (idle != bit_test(s->idle, core)) {
        if (idle)
            ws_fetch_add_acq_rel(&s->nidle, 1);
        else
            ws_fetch_sub_acq_rel(&s->nidle, 1);
    }
    bit_set(s->idle, core, idle);
    /* The last searcher found work (in its own queues or inbox, or by stealing): work queued
     * while searchers were out woke nobody, so hand the search on to one more sleeper. */
    if (!idle && ws_sched_search_end(s, core) && ws_load_seq_cst(&s->nsearching) == 0)
        ws_sched_wake_one_sleeper(s, core, core);
}

void ws_sched_set_sleeping(struct ws_sched *s, uint32_t core, bool asleep)
{
    if (asleep)
        ws_sched_search_end(s, core);
    if (sum_bit_set(s->sleeping, s->sleeping_sum, core, asleep) == asleep)
        return;   /* already so: another thread (a second waker) changed it first */
    if (asleep)
        ws_fetch_add_acq_rel(&s->nsleeping, 1);
    else
        ws_fetch_sub_acq_rel(&s->nsleeping, 1);
}

bool ws_sched_is_idle(const struct ws_sched *s, uint32_t core)
{
    return bit_test(s->idle, core);
}

bool ws_sched_is_sleeping(const struct ws_sched *s, uint32_t core)
{
    return bit_test(s->sleeping, core);
}

/* Work was queued on c: make sure its work bit is set (read first: the word is shared). */
void ws_sched_note_work(struct ws_sched *s, uint32_t c)
{
    if (!bit_test(s->work, c))
        bit_set(s->work, c, true);
}

void ws_sched_fast_attach(struct ws_sched *s, uint32_t c)
{
    (void)ws_sched_core_ready(s, c);
    s->spare_off = true;
}

static uint64_t steal_mark(const struct ws_sched *s)
{
    return s->p.min_steal_queue ? s->p.min_steal_queue : 1;
}

/* Read first (the word is shared); the RMW after the enqueue pairs with settle_spare's: an
 * owner that clears after it sees what it queued, one that clears before leaves the bit set. */
void ws_sched_note_spare(struct ws_sched *s, uint32_t c)
{
    if (!bit_test(s->spare, c) && ws_sched_waiting(s, c) >= steal_mark(s))
        sum_bit_set(s->spare, s->spare_sum, c, true);
}

/* Cleared, then looked at again, as clear_work does. */
void ws_sched_settle_spare(struct ws_sched *s, uint32_t c)
{
    bool enough = ws_sched_waiting(s, c) >= steal_mark(s);
    if (enough == bit_test(s->spare, c))
        return;
    sum_bit_set(s->spare, s->spare_sum, c, enough);
    if (!enough && ws_sched_waiting(s, c) >= steal_mark(s))
        sum_bit_set(s->spare, s->spare_sum, c, true);
}

uint32_t ws_sched_look_next_in(const struct ws_sched *s, uint32_t v, const uint64_t *mask,
                               uint32_t mask_words)
{
    uint32_t end = mask != NULL && mask_words < s->nwords ? mask_words : s->nwords;
    if (v >= s->ncores || v >> 6 >= end)
        return WS_CORE_NONE;
    uint32_t w = v >> 6;
    uint64_t bits = ws_sched_look_word(s, w) & (~UINT64_C(0) << (v & 63));
    if (mask != NULL)
        bits &= mask[w];
    while (bits == 0) {
        w = s->spare_off ? w + 1 : sum_next(s->spare_sum, w + 1, end);
        if (w >= end)
            return WS_CORE_NONE;
        if (mask != NULL && mask[w] == 0)
            continue;
        bits = s->spare_off ? ws_sched_look_word(s, w)
                            : ws_load_relaxed(&s->work[w]) & sum_word(s->spare, s->spare_sum, w);
        if (mask != NULL)
            bits &= mask[w];
    }
    return w * 64 + (uint32_t)__builtin_ctzll(bits);
}

uint32_t ws_sched_look_next(const struct ws_sched *s, uint32_t v)
{
    return ws_sched_look_next_in(s, v, NULL, 0);
}

/* Owner of c found its queues empty: clear the bit, then look again so that work queued by
 * another core between the look and the clear is not hidden (its enqueuer saw the bit set and
 * did not set it again). */
static void clear_work(struct ws_sched *s, uint32_t c)
{
    bit_set(s->work, c, false);
    if (ws_sched_waiting(s, c) > 0)
        bit_set(s->work, c, true);
}

/* Clear target's sleeping bit (so no second waker picks it) and wake it. It is counted as a
 * searcher first: natively the target may be setting its sleeping bit at this moment, which ends
 * its search, and that must not be undone by this count arriving after it (a sleeper counted as
 * a searcher would throttle every later wake-up). */
static void wake_core(struct ws_sched *s, uint32_t from, uint32_t target)
{
    if (!atomic_exchange_explicit(&s->cores[target].searching, 1, memory_order_acq_rel))
        ws_fetch_add_acq_rel(&s->nsearching, 1);
    ws_sched_set_sleeping(s, target, false);
    s->cores[from].stats.wakes_sent++;
    s->plat->wake(s->ctx, from, target);
}

void ws_sched_wake_core(struct ws_sched *s, uint32_t from, uint32_t target)
{
    if (ws_sched_is_sleeping(s, target))
        wake_core(s, from, target);
}

/* The first sleeping core other than `skip` in bitmap words [lo, hi], narrowed to the words of
 * mask when it is not NULL; WS_CORE_NONE if none. Reads only the words the summary marks. */
static uint32_t first_sleeper(const struct ws_sched *s, uint32_t lo, uint32_t hi,
                              const uint64_t *mask, uint32_t skip)
{
    for (uint32_t w = sum_next(s->sleeping_sum, lo, hi + 1); w <= hi;
         w = sum_next(s->sleeping_sum, w + 1, hi + 1)) {
        uint64_t bits = sum_word(s->sleeping, s->sleeping_sum, w);
        if (mask != NULL)
            bits &= mask[w];
        if (w == skip >> 6)
            bits &= ~(UINT64_C(1) << (skip & 63));
        if (bits != 0)
            return w * 64 + (uint32_t)__builtin_ctzll(bits);
    }
    return WS_CORE_NONE;
}

/* Wake the sleeping core nearest to `near`: its own cluster first, then the first sleeper
 * found scanning the bitmap from near's word onwards (preset ids are grouped by cluster and
 * node, so this finds near cores first). Both read the sleeping summary, so a wake-up costs
 * O(cores / 4096) words plus one per word of stale summary bits. Pairs with the sleeper's
 * seq_cst bitmap update. */
void ws_sched_wake_one_sleeper(struct ws_sched *s, uint32_t from, uint32_t near)
{
    if (ws_load_seq_cst(&s->nsleeping) == 0)
        return;
    uint64_t idle = ws_load_relaxed(&s->nidle);
    uint64_t busy = s->ncores > idle ? s->ncores - idle : 0;
    if (ws_load_seq_cst(&s->nsearching) >= (busy / 2 > 1 ? busy / 2 : 1))
        return;   /* enough searchers on their way */
    uint32_t cl = s->topo->cores[near].cluster;
    uint32_t c = first_sleeper(s, s->cluster_words[2 * cl], s->cluster_words[2 * cl + 1],
                               s->topo->clusters[cl].cores.w, near);
    if (c == WS_CORE_NONE)
        c = first_sleeper(s, near / 64, s->nwords - 1, NULL, near);
    if (c == WS_CORE_NONE && near / 64 > 0)
        c = first_sleeper(s, 0, near / 64 - 1, NULL, near);
    if (c != WS_CORE_NONE)
        wake_core(s, from, c);
}

/* ---- inbox ------------------------------------------------------------------------------- */

static void inbox_lock(struct ws_inbox *b)
{
    while (atomic_flag_test_and_set_explicit(&b->lock, memory_order_acquire))
        ws_cpu_relax();
}

static void inbox_unlock(struct ws_inbox *b)
{
    atomic_flag_clear_explicit(&b->lock, memory_order_release);
}

void ws_sched_inbox_put(struct ws_inbox *b, struct ws_proc *p)
{
    p->inbox_next = NULL;
    inbox_lock(b);
    if (b->tail != NULL)
        b->tail->inbox_next = p;
    else
        b->head = p;
    b->tail = p;
    ws_fetch_add_relaxed(&b->len, 1);
    inbox_unlock(b);
}

struct ws_proc *ws_sched_inbox_take(struct ws_core *k, bool (*pred)(const struct ws_proc *, void *),
                                    void *arg)
{
    struct ws_inbox *b = &k->inbox;
    if (ws_load_relaxed(&b->len) == 0)
        return NULL;
    inbox_lock(b);
    struct ws_proc *prev = NULL, *p = b->head;
    while (p != NULL && pred != NULL && !pred(p, arg))
        prev = p, p = p->inbox_next;
    if (p != NULL) {
        if (prev == NULL)
            b->head = p->inbox_next;
        else
            prev->inbox_next = p->inbox_next;
        if (b->tail == p)
            b->tail = prev;
        p->inbox_next = NULL;
        ws_fetch_sub_acq_rel(&b->len, 1);
    }
    inbox_unlock(b);
    return p;
}

/* Owner: move every inbox process into the deques. */
static ws_status inbox_drain(struct ws_sched *s, struct ws_core *k)
{
    struct ws_proc *p;
    while ((p = ws_sched_inbox_take(k, NULL, NULL)) != NULL) {
        if (ws_deque_push(&k->q[ws_sched_queue_of(s, p)], p) != WS_OK) {
            ws_sched_inbox_put(&k->inbox, p);     /* keep it; try again at the next point */
            return WS_NOMEM;
        }
    }
    return WS_OK;
}

/* ---- placement --------------------------------------------------------------------------- */

/* The core p should go to when `want` is the natural choice, corrected for affinity: want if
 * allowed, else the preferred core if allowed, else the least-loaded allowed core. */
uint32_t ws_sched_place_allowed(struct ws_sched *s, const struct ws_proc *p, uint32_t want)
{
    if (ws_proc_allowed(p, want))
        return want;
    if (!s->strict_only && p->pref_core >= 0 && ws_proc_allowed(p, (uint32_t)p->pref_core))
        return (uint32_t)p->pref_core;
    uint32_t best = WS_CORE_NONE;
    uint64_t best_load = UINT64_MAX;
    for (uint32_t c = ws_cpuset_first(&p->cores); c != WS_CPUSET_NONE && c < s->ncores;
         c = ws_cpuset_next(&p->cores, c)) {
        uint64_t l = ws_sched_load(s, c);
        if (l < best_load)
            best = c, best_load = l;
    }
    return best;
}

/* p's deque is one that holds processes from now on (queues_used; read first: the word is
 * shared by every core). Before p is queued, so whoever finds p sees the bit. */
static void mark_queue(struct ws_sched *s, const struct ws_proc *p)
{
    uint32_t bit = UINT32_C(1) << ws_sched_queue_of(s, p);
    if (!(ws_load_relaxed(&s->queues_used) & bit))
        atomic_fetch_or_explicit(&s->queues_used, bit, memory_order_seq_cst);
}

/* Queue p on core `to`, acting from core `from`: a push into from's own deque when to == from,
 * else the inbox of `to` and a wake-up. */
ws_status ws_sched_enqueue_on(struct ws_sched *s, uint32_t from, uint32_t to, struct ws_proc *p)
{
    mark_queue(s, p);
    p->cur_core = (int32_t)to;
    p->ready_ns = s->plat->now_ns(s->ctx, from);
    if (to != from) {
        ws_sched_inbox_put(&s->cores[to].inbox, p);
        ws_sched_note_work(s, to);
        ws_sched_note_spare(s, to);
        if (ws_sched_is_sleeping(s, to)) {
            wake_core(s, from, to);
            return WS_OK;
        }
    } else {
        ws_status st = ws_sched_core_ready(s, from);
        if (st == WS_OK)
            st = ws_deque_push(&s->cores[from].q[ws_sched_queue_of(s, p)], p);
        if (st != WS_OK)
            return st;
        ws_sched_note_work(s, from);
        ws_sched_note_spare(s, from);
        if (s->p.wake_at == WS_WAKE_AT_SWITCH) {   /* checked at the next switch */
            s->cores[from].wake_due = true;
            return WS_OK;
        }
    }
    ws_sched_wake_for_work(s, from, to);
    return WS_OK;
}

void ws_sched_set_spinning(struct ws_sched *s, uint32_t core, bool on)
{
    /* Only a backlog mark above the steal mark lets work be told to spinners alone: otherwise
     * the count stays 0, and the idle path writes no shared line for it. */
    if (ws_sched_wake_mark(s) <= steal_mark(s))
        return;
    if (atomic_exchange_explicit(&s->cores[core].spinning, on, memory_order_acq_rel) == on)
        return;
    if (on)
        ws_fetch_add_acq_rel(&s->nspinning, 1);
    else
        ws_fetch_sub_acq_rel(&s->nspinning, 1);
}

bool ws_sched_told(struct ws_sched *s, uint32_t core)
{
    return atomic_load_explicit(&s->cores[core].told, memory_order_relaxed) != 0 &&
           atomic_exchange_explicit(&s->cores[core].told, 0, memory_order_relaxed) != 0;
}

void ws_sched_wake_later(struct ws_sched *s, uint32_t core)
{
    s->cores[core].wake_due = true;
}

void ws_sched_switch(struct ws_sched *s, uint32_t core)
{
    if (!s->cores[core].wake_due)
        return;
    s->cores[core].wake_due = false;
    ws_sched_wake_for_work(s, core, core);
}

/* A spinning core other than c, the first after c in id order (all cores are scanned only
 * while some spin and the work is short of a sleeper's backlog), woken; false if none. */
static bool wake_one_spinner(struct ws_sched *s, uint32_t from, uint32_t c)
{
    for (uint32_t i = 1; i < s->ncores; i++) {
        uint32_t v = (c + i) % s->ncores;
        if (ws_load_relaxed(&s->cores[v].spinning) && ws_sched_is_sleeping(s, v)) {
            atomic_store_explicit(&s->cores[v].told, 1, memory_order_relaxed);
            wake_core(s, from, v);
            return true;
        }
    }
    return false;
}

/* Enough waiting on c for a thief: wake the nearest sleeper to come and take it, or, short of
 * a sleeper's backlog (wake_queue) but enough to steal, a spinning core. */
void ws_sched_wake_for_work(struct ws_sched *s, uint32_t from, uint32_t c)
{
    if (ws_load_seq_cst(&s->nsleeping) == 0)
        return;
    uint64_t w = ws_sched_waiting(s, c);
    if (w >= ws_sched_wake_mark(s))
        ws_sched_wake_one_sleeper(s, from, c);
    else if (w >= steal_mark(s) && ws_load_seq_cst(&s->nspinning) > 0)
        wake_one_spinner(s, from, c);
}

/* The core p's honoured preferred affinity names, or WS_CORE_NONE. */
static uint32_t pref_of(const struct ws_sched *s, const struct ws_proc *p)
{
    if (ws_sched_pref_honoured(s, p) && p->pref_core >= 0 && (uint32_t)p->pref_core < s->ncores)
        return (uint32_t)p->pref_core;
    return WS_CORE_NONE;
}

/* When the rule says no, the preferred core is another one, the balancer's path may lead away
 * (ws_balance_emigrate decides), or ws_sched_place_allowed corrects an unallowed spawner to
 * another core (test_sched.c checks these). Under strict_only a preferred process is placed
 * as one without affinity. */
bool ws_sched_spawn_stays(const struct ws_sched *s, uint32_t core, const struct ws_proc *p)
{
    uint32_t path = ws_load_relaxed(&s->emig_paths)
                    ? ws_load_relaxed(&s->cores[core].emig[ws_sched_queue_of(s, p)])
                    : WS_CORE_NONE;   /* none set yet */
    if (p->aff_kind == WS_AFF_PREFERRED && s->strict_only)
        return path == WS_CORE_NONE || path == core;
    return ws_sched_spawn_local(core, path, s->ncores, p);
}

const _Atomic uint32_t *ws_sched_spawn_path(const struct ws_sched *s, uint32_t core)
{
    return &s->cores[core].emig[WS_PRIO_NORMAL];
}

ws_status ws_sched_spawn(struct ws_sched *s, uint32_t core, struct ws_proc *p, uint32_t *placed)
{
    uint32_t to = core;
    if (!ws_sched_spawn_stays(s, core, p)) {
        uint32_t pref = pref_of(s, p);
        to = ws_sched_place_allowed(s, p, pref != WS_CORE_NONE ? pref : core);
        if (to != WS_CORE_NONE && pref == WS_CORE_NONE)
            to = ws_balance_emigrate(s, core, to, p);
    }
    if (to == WS_CORE_NONE)
        return WS_EINVAL;
    ws_status st = ws_sched_enqueue_on(s, core, to, p);
    if (st == WS_OK) {
        s->cores[core].stats.spawns++;
        if (placed != NULL)
            *placed = to;
    }
    return st;
}

ws_status ws_sched_wake(struct ws_sched *s, uint32_t core, struct ws_proc *p, uint32_t *placed)
{
    uint32_t want = core;
    if (s->p.wake_placement == WS_WAKE_LAST && p->cur_core >= 0)
        want = (uint32_t)p->cur_core;
    uint32_t pref = pref_of(s, p);
    if (pref != WS_CORE_NONE)
        want = pref;
    uint32_t to = ws_sched_place_allowed(s, p, want);
    if (to == WS_CORE_NONE)
        return WS_EINVAL;
    if (pref == WS_CORE_NONE)
        to = ws_balance_emigrate(s, core, to, p);
    ws_status st = ws_sched_enqueue_on(s, core, to, p);
    if (st == WS_OK && placed != NULL)
        *placed = to;
    return st;
}

ws_status ws_sched_inject(struct ws_sched *s, uint32_t want, struct ws_proc *p, uint64_t now,
                          uint32_t *placed)
{
    uint32_t to = ws_sched_place_allowed(s, p, want);
    if (to == WS_CORE_NONE)
        return WS_EINVAL;
    mark_queue(s, p);
    p->cur_core = (int32_t)to;
    p->ready_ns = now;
    ws_sched_inbox_put(&s->cores[to].inbox, p);
    ws_sched_note_work(s, to);
    ws_sched_note_spare(s, to);
    *placed = to;
    return WS_OK;
}

ws_status ws_sched_requeue(struct ws_sched *s, uint32_t core, struct ws_proc *p)
{
    return ws_sched_enqueue_on(s, core, core, p);
}

/* ---- picking ----------------------------------------------------------------------------- */

/* Priority to serve next on k, or -1 if nothing waits: max, high, then normal and low sharing
 * a turn (a low process runs after low_every normal picks or when no normal one waits). */
static bool has_queued(const struct ws_sched *s, const struct ws_core *k, int q)
{
    return ws_sched_queue_used(s, q) && ws_deque_size(&k->q[q]) > 0;
}

static int pick_prio(const struct ws_sched *s, const struct ws_core *k)
{
    if (has_queued(s, k, WS_PRIO_MAX))
        return WS_PRIO_MAX;
    if (has_queued(s, k, WS_PRIO_HIGH))
        return WS_PRIO_HIGH;
    bool normal = has_queued(s, k, WS_PRIO_NORMAL);
    bool low = has_queued(s, k, WS_PRIO_LOW);
    if (low && (!normal || k->normal_since_low >= s->p.low_every))
        return WS_PRIO_LOW;
    return normal ? WS_PRIO_NORMAL : -1;
}

struct ws_proc *ws_sched_next(struct ws_sched *s, uint32_t core, bool after_preempt)
{
    struct ws_core *k = &s->cores[core];
    /* The oldest is the top of the owner's own deque: the owner takes it with the thieves'
     * CAS (a steal is safe from any thread, ws_deque.c (C)), racing them like one more thief. */
    bool oldest = after_preempt || s->p.pick_order == WS_PICK_FIFO;
    if (ws_sched_core_ready(s, core) != WS_OK)
        return NULL;   /* out of memory: its inbox keeps what waits */
    inbox_drain(s, k);
    for (;;) {
        int q = pick_prio(s, k);
        if (q < 0 && ws_balance_immigrate(s, core))
            continue;   /* ran dry: the balancer's path brought one */
        if (q < 0) {
            clear_work(s, core);
            ws_sched_settle_spare(s, core);
            return NULL;
        }
        void *x;
        ws_status st = oldest ? ws_deque_steal(&k->q[q], &x) : ws_deque_take(&k->q[q], &x);
        if (st != WS_OK)
            continue;   /* a thief took it meanwhile: look again */
        if (q == WS_PRIO_LOW)
            k->normal_since_low = 0;
        else if (q == WS_PRIO_NORMAL)
            k->normal_since_low++;
        k->stats.picks[q]++;
        k->pending = 0;   /* work of its own: a pending steal is given up */
        struct ws_proc *p = x;
        p->cur_core = (int32_t)core;
        ws_sched_settle_spare(s, core);
        return p;
    }
}

/* ---- what drivers read ------------------------------------------------------------------- */

void ws_sched_prefetch(const struct ws_sched *s, uint32_t c)
{
    const struct ws_core *k = &s->cores[c];
    __builtin_prefetch(&k->q[WS_PRIO_NORMAL].bottom);
    __builtin_prefetch(&k->q[WS_PRIO_NORMAL].top);
    __builtin_prefetch(&k->inbox);
    __builtin_prefetch(&k->stats.picks[WS_PRIO_NORMAL]);
    __builtin_prefetch(&k->emig[WS_PRIO_NORMAL]);
}

const struct ws_core_stats *ws_sched_core_stats(const struct ws_sched *s, uint32_t c)
{
    return &s->cores[c].stats;
}

uint64_t ws_sched_new_steals(const struct ws_sched *s, uint32_t thief, uint64_t *seen,
                             uint32_t *victim)
{
    const struct ws_core *k = &s->cores[thief];
    uint64_t n = k->stats.steal_items - *seen;
    *seen = k->stats.steal_items;
    if (n != 0)
        *victim = k->last_victim;
    return n;
}

uint64_t ws_sched_inbox_len(const struct ws_sched *s, uint32_t c)
{
    return ws_load_relaxed(&s->cores[c].inbox.len);
}

uint64_t ws_sched_queued(const struct ws_sched *s, uint32_t c, enum ws_prio prio)
{
    return ws_deque_size(&s->cores[c].q[prio]);
}

uint64_t ws_sched_idle_cores(const struct ws_sched *s)
{
    return ws_load_relaxed(&s->nidle);
}
