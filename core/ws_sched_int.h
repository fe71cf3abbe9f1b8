/* ws_sched_int.h: the scheduler's private layout (struct ws_sched, its per-core state and
 * inboxes) and the helpers core/ shares between ws_sched.c, ws_sched_steal.c, ws_balance.c,
 * ws_migrate.c and the victim strategies. Included only by the .c files of core/: the drivers
 * (sim/, native/) and the tests see the public API of ws_sched.h, which never exposes these
 * fields, and scripts/check-layers.sh fails on any include of a core "_int.h" header from
 * outside core/. */
#ifndef WS_SCHED_INT_H
#define WS_SCHED_INT_H

#include "core/ws_sched.h"

/* Inbox: FIFO of processes enqueued by other cores (intrusive via ws_proc.inbox_next). */
struct ws_inbox {
    atomic_flag lock;
    struct ws_proc *head, *tail;
    _Atomic uint32_t len;
};

#define WS_RECENT_VICTIMS 8

struct ws_core {
    struct ws_deque q[WS_PRIO_COUNT];
    struct ws_inbox inbox;
    uint32_t id;
    uint32_t normal_since_low;    /* normal picks since the last low pick */
    bool deques_ready;            /* q[] have buffers (allocated at the core's first use); read
                                     at every pick and spawn, so on the inbox's line */
    struct { uint32_t victim; uint64_t t; } recent[WS_RECENT_VICTIMS]; /* steal cooldowns */
    uint32_t recent_next;
    uint32_t tried[WS_RECENT_VICTIMS]; /* victims tried in the current idle round */
    uint32_t ntried;
    uint32_t ring_cursor;
    uint64_t mig_window_start, mig_window_count; /* per-core per-second migration window */
    uint32_t last_victim;         /* victim of this core's latest successful steal */
    uint32_t pending;             /* 1 + the victim of the steal waiting for its barrier,
                                     0: none (ws_sched_set_steal_barrier) */
    uint32_t pending_next;        /* ... and the round's attempt to go on with after it */
    uint32_t pending_top;         /* ... and the top index (low bits) of the victim's queue
                                     pending_q that it saw work in */
    uint64_t pending_at;          /* ... and when it looked (the steal's time: the barrier
                                     comes after it natively, within the steal) */
    _Atomic uint32_t searching;   /* woken to look for work and has not settled yet */
    _Atomic uint32_t spinning;    /* waiting and awake (ws_sched_set_spinning) */
    _Atomic uint32_t told;        /* woken while spinning for work short of a backlog */
    bool wake_due;                /* queued work waits for its wake check until the core's
                                     next switch (wake_at switch; owner only) */
    bool round_cost_denied;       /* the current idle round met a cost refusal */
    uint8_t pending_q;            /* the queue pending_top is of (WS_PRIO_COUNT: none) */
    bool pending_look;            /* the pending steal is the last look's, in its pass ... */
    uint8_t look_pass;            /* ... look_pass (0: the thief's cluster), to go on with
                                     from the victim's next id after it */
    uint32_t cost_idle_rounds;    /* idle rounds in a row that cost alone left without work */
    struct ws_core_stats stats;
    /* Balancer paths per priority (ws_balance.c), WS_CORE_NONE when none. Written only by the
     * core running the balance pass, read by any core at its enqueues (emig, limit) and by this
     * core when it runs dry (immig): relaxed atomics, hints like the work bitmap (a process
     * itself is handed over through a deque or an inbox, which order its fields). emig[normal]
     * is the spawn path, read at every spawn, natively by the worker's fast path through
     * ws_sched_spawn_path. On a line of their own: the fields above include some that other
     * cores write (the inbox, searching, steals_out), and a spawn must not miss the cache on
     * their account. */
    _Alignas(WS_CACHE_LINE) _Atomic uint32_t emig[WS_PRIO_COUNT];  /* push surplus there */
    _Atomic uint32_t immig[WS_PRIO_COUNT];  /* pull from there when this core runs dry */
    _Atomic uint32_t limit[WS_PRIO_COUNT];  /* migration limit: queue length above which
                                               enqueues emigrate */
};

struct ws_victim_ops;

struct ws_sched {
    const struct ws_topo *topo;
    struct ws_params p;
    const struct ws_platform *plat;
    void *ctx;
    const struct ws_victim_ops *victim;
    uint32_t ncores;
    struct ws_core *cores;
    uint32_t nwords;                  /* words in the idle / sleeping bitmaps */
    _Atomic uint64_t *idle;           /* bit c: core c has nothing to run */
    _Atomic uint64_t *sleeping;       /* bit c: core c is asleep (wake before it runs) */
    _Atomic uint64_t *work;           /* bit c: core c may have waiting processes (a hint: set
                                         whenever work is queued on c, cleared only by c's owner
                                         when it finds its queues empty, then re-checked) */
    _Atomic uint64_t *spare;          /* bit c: core c may have min_steal_queue (at least 1)
                                         waiting processes, so a thief may take one: the summary
                                         the last look scans. A superset of those cores: set by
                                         every enqueue that reaches the mark, re-evaluated (set
                                         or cleared) by the owner at each ws_sched_next and by
                                         a thief after each steal (ws_sched_settle_spare); a
                                         stale bit costs one look */
    /* Summaries, 64-ary: bit w of word w / 64 is set whenever word w of sleeping (spare) has
     * a bit set, so finding a sleeper (a core with work to spare) reads one summary word per
     * 4,096 cores and then one bitmap word. A set summary bit over a zero word is allowed (it
     * costs one look); a clear one over a nonzero word is not: the clearer of a word's last
     * bit clears the summary bit and then looks at the word again (bitmap_change). */
    _Atomic uint64_t *sleeping_sum, *spare_sum;
    uint32_t *cluster_words;          /* cluster i's first and last bitmap word at [2i], [2i+1] */
    bool steal_barrier;               /* steals wait for their barrier's time
                                         (ws_sched_set_steal_barrier) */
    bool spare_off;                   /* a fast-path handle exists (its pushes do not keep the
                                         spare bits): the last look scans the work bits alone.
                                         Set as handles are made, before the workers start */
    _Atomic uint64_t nsleeping;
    _Atomic uint64_t nspinning;       /* cores with their spinning flag set */
    _Atomic uint32_t queues_used;     /* bit q: deque q of some core has held a process (set at
                                         the enqueue that first brings one into the system,
                                         never cleared; normal's always). Load, waiting, picks
                                         and probes read only these deques: a replay of normal
                                         processes alone reads one deque per core, not four.
                                         A process moves between cores only through a deque or
                                         an inbox, which order the bit before it */
    _Atomic uint64_t nsearching;      /* cores woken and still searching (wake throttle) */
    _Atomic uint64_t nidle;           /* cores with their idle bit set */
    _Atomic uint64_t sys_window_start, sys_window_count;     /* per-second system window */
    _Atomic uint64_t burst_window_start, burst_window_count; /* storm guard window */
    /* The balancer (ws_balance.c): the time the next pass is due and the flag that lets one
     * core at a time run it; the scheduler behaviour the strategy and parameters set. */
    _Atomic uint64_t next_balance_ns;
    _Atomic uint32_t balancing;
    _Atomic uint32_t emig_paths;      /* 1 once a pass has set an emigration path: until then
                                         every emig[] is WS_CORE_NONE, and spawns and wake-ups
                                         do not read the cores' path lines (a miss each on a
                                         machine of thousands of cores) */
    bool balance_compact;             /* +scl: concentrate work on the cores that stay busy */
    bool strict_only;                 /* preferred affinity ignored (BEAM has none) */
    bool low_in_normal;               /* low-priority processes queued with normal ones */
};

/* The deque a process of p's priority is queued in: its priority's own, or normal's when low
 * shares the normal queue (low_in_normal). */
static inline int ws_sched_queue_of(const struct ws_sched *s, const struct ws_proc *p)
{
    return s->low_in_normal && p->prio == WS_PRIO_LOW ? WS_PRIO_NORMAL : p->prio;
}

/* p's affinity as this scheduler honours it: preferred counts as none when strict_only. */
static inline bool ws_sched_pref_honoured(const struct ws_sched *s, const struct ws_proc *p)
{
    return p->aff_kind == WS_AFF_PREFERRED && !s->strict_only;
}

/* Waiting processes on a core that make it wake a sleeper (wake_queue, else min_steal_queue). */
static inline uint64_t ws_sched_wake_mark(const struct ws_sched *s)
{
    uint64_t m = s->p.wake_queue ? s->p.wake_queue : s->p.min_steal_queue;
    return m ? m : 1;
}

/* Whether deque q of any core may hold a process (see queues_used). */
static inline bool ws_sched_queue_used(const struct ws_sched *s, int q)
{
    return (atomic_load_explicit(&s->queues_used, memory_order_relaxed) >> q) & 1u;
}

/* May core have waiting processes? (its work bit; see struct ws_sched) */
static inline bool ws_sched_has_work_bit(const struct ws_sched *s, uint32_t core)
{
    return (atomic_load_explicit(&s->work[core >> 6], memory_order_relaxed) >> (core & 63)) & 1u;
}

/* The core p goes to when `want` is the natural choice, corrected for affinity: want if
 * allowed, else the preferred core if allowed, else the least-loaded allowed core;
 * WS_CORE_NONE when no core may run p. Any thread; loads are a snapshot. */
uint32_t ws_sched_place_allowed(struct ws_sched *s, const struct ws_proc *p, uint32_t want);
/* Queue p on core `to`, acting from core `from`: from's own deque when to == from, else to's
 * inbox and a wake-up (ws_sched.c). */
ws_status ws_sched_enqueue_on(struct ws_sched *s, uint32_t from, uint32_t to, struct ws_proc *p);
/* Wake the sleeping core nearest to `near` (if any), acting as core `from`. */
void ws_sched_wake_one_sleeper(struct ws_sched *s, uint32_t from, uint32_t near);
/* Wake core target if it sleeps, acting as core `from` (never throttled). */
void ws_sched_wake_core(struct ws_sched *s, uint32_t from, uint32_t target);
/* Owner of c: give its deques their buffers if they have none yet (first use of the core).
 * Returns WS_NOMEM, leaving them without, when allocation fails. */
ws_status ws_sched_core_ready(struct ws_sched *s, uint32_t c);
/* A fast-path handle for core c is made: give c's deques their buffers and let the last look
 * scan the work bits alone, as fast pushes set no spare bit (out of memory: ws_sched_next
 * tries the buffers again). */
void ws_sched_fast_attach(struct ws_sched *s, uint32_t c);
/* Work was queued on core c by any path: set its spare bit if c now has enough to steal. */
void ws_sched_note_spare(struct ws_sched *s, uint32_t c);
/* Any core, after a pick or a steal from c: c's spare bit says whether it has enough waiting
 * to be stolen from. Clearing is followed by a second look at c's queues, and an enqueue on c
 * sets the bit again after queuing (natively a push may still slip between the two looks: the
 * bit is then clear until c's next pick, and the enqueue's wake-up brings a thief). */
void ws_sched_settle_spare(struct ws_sched *s, uint32_t c);
/* The words the last look scans: work bits, narrowed to the spare bits while they are kept. */
static inline uint64_t ws_sched_look_word(const struct ws_sched *s, uint32_t w)
{
    uint64_t bits = atomic_load_explicit(&s->work[w], memory_order_relaxed);
    return s->spare_off ? bits : bits & atomic_load_explicit(&s->spare[w], memory_order_relaxed);
}
/* The smallest core id >= v whose look word bit (ws_sched_look_word) is set, or WS_CORE_NONE:
 * skips the words without spare bits through their summary (every word when spare_off). */
uint32_t ws_sched_look_next(const struct ws_sched *s, uint32_t v);
/* The same among the cores of mask (mask_words words of a core bitmap, as a ws_cpuset's):
 * the look bits of a set, word by word, instead of a test of every member. */
uint32_t ws_sched_look_next_in(const struct ws_sched *s, uint32_t v, const uint64_t *mask,
                               uint32_t mask_words);
/* Work was queued on core c by any path: set its work bit. */
void ws_sched_note_work(struct ws_sched *s, uint32_t c);
/* Core stops counting as a woken searcher (done by set_idle(false) / set_sleeping(true)). */
bool ws_sched_search_end(struct ws_sched *s, uint32_t core);
/* Append p to an inbox (any thread). */
void ws_sched_inbox_put(struct ws_inbox *b, struct ws_proc *p);
/* Balancer: the core an enqueue of p by core `from` onto core `to` goes to: to, or to's
 * emigration path when to's queue for p's priority has reached its migration limit and p may
 * run there (counted as a balance move of `from`). Caller: from's thread. */
uint32_t ws_balance_emigrate(struct ws_sched *s, uint32_t from, uint32_t to,
                             const struct ws_proc *p);
/* Balancer: core runs dry: pull one waiting process from its immigration path (oldest first,
 * under the affinity, limit and cost checks of a steal) into its own deque. Owner of core.
 * Returns whether one came. */
bool ws_balance_immigrate(struct ws_sched *s, uint32_t core);
/* Take the oldest inbox process of k that pred accepts (pred NULL: any); NULL if none. */
struct ws_proc *ws_sched_inbox_take(struct ws_core *k,
                                    bool (*pred)(const struct ws_proc *, void *), void *arg);

#endif
