/* ws_sched.h: the scheduler core: per-core run queues per BEAM priority, placement, picking
 * the next process, idle stealing with a victim strategy, migration decisions and balancing.
 *
 * The design, in one place
 * ------------------------
 * Each core owns four Chase-Lev deques, one per priority (max, high, normal, low). The owner
 * pushes spawned and requeued processes at the bottom and takes at the bottom (LIFO: fork-join
 * work runs depth-first and stays cache-warm); thieves take the oldest at the top. A process
 * enqueued onto ANOTHER core (a wake-up placed on its last core, a spawn placed by affinity, a
 * balancer move) cannot be pushed into that core's deque, which has a single pusher; it goes to
 * the core's inbox, a short-held spin-locked FIFO that the owner drains into its deques at every
 * scheduling point and that thieves may also take from, so a process in an inbox is never
 * hidden from idle cores.
 *
 * Picking (ws_sched_next): max before high before normal/low, strictly, as BEAM does. Normal
 * and low share a turn: a waiting low process runs once after `low_every` normal picks (and
 * whenever no normal process waits), so low neither starves nor starves normal. After a
 * preemption the owner takes the oldest waiting process (from the top of its own deque) instead
 * of the newest, so long-running processes on one core round-robin like BEAM's FIFO queues,
 * while fork-join children still run depth-first.
 *
 * Stealing (ws_sched_steal): an idle core asks its victim strategy for up to `steal_retries`
 * victims. A victim is skipped when the thief stole from it less than `steal_cooldown_ns` ago,
 * when it has fewer than `min_steal_queue` waiting processes, or when its load minus the thief's
 * does not exceed `imbalance_threshold` (load = weighted queue lengths, 4/3/2/1 by priority).
 * Otherwise the thief probes the victim's queues from max to low with a conditional steal whose
 * predicate enforces strict affinity, the per-process and rate limits, and the migration cost
 * model (ws_migrate.h). Each probe is charged the core-to-core latency. Every outcome is counted
 * by reason. Before a core goes to sleep the driver calls ws_sched_last_look, which scans every
 * core that may have work (the `work` bitmap) under the same rules, so with permissive rules no
 * core sleeps while it could take work; cores with fewer than min_steal_queue waiting are
 * skipped without counting an attempt (no probe is made). steal_retries 0 turns stealing off
 * altogether, last look included: cores then run only what is placed on them. A core that the
 * rules refused for a time-bounded reason (a full migration window) must not sleep past it:
 * ws_sched_retry_at says when the driver wakes it to look again (a timer event in the
 * simulator, a timed futex wait natively).
 *
 * Waking: when a core's queues reach `min_steal_queue` waiting processes and some core sleeps,
 * the nearest sleeping core is woken through the platform, unless enough cores woken earlier
 * are still searching: at most max(1, busy cores / 2) search at once (Go's limit on spinning
 * threads), so wake-ups spread work geometrically without a herd. A searcher that steals and sees work left
 * behind wakes the next sleeper, so surplus work pulls in cores one at a time, never as a herd
 * (the throttle of Go's spinning threads). A wake aimed at one core (work placed in its inbox)
 * is never throttled.
 *
 * Threads: ws_sched_next, ws_sched_requeue and ws_sched_spawn/ws_sched_wake acting on the
 * calling core are owner-only for that core; ws_sched_steal and ws_sched_last_look run on the
 * thief's own thread; everything else is any-thread. Statistics of a core are written only by
 * that core's thread except the atomic steals_out counter.
 */
#ifndef WS_SCHED_H
#define WS_SCHED_H

#include "core/ws_deque.h"
#include "core/ws_params.h"
#include "core/ws_platform.h"
#include "core/ws_proc.h"
#include "core/ws_topo.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define WS_CORE_NONE UINT32_MAX

/* Why a steal attempt failed, or that it succeeded. */
enum ws_steal_result {
    WS_STEAL_OK = 0,
    WS_STEAL_EMPTY,        /* victim had nothing waiting */
    WS_STEAL_LOST_RACE,    /* another thief or the owner took it first */
    WS_STEAL_AFFINITY,     /* the oldest process is strictly bound elsewhere */
    WS_STEAL_COOLDOWN,     /* stole from this victim too recently */
    WS_STEAL_THRESHOLD,    /* victim queue too short or imbalance too small */
    WS_STEAL_COST,         /* migration cost exceeds the benefit */
    WS_STEAL_RATE_LIMIT,   /* per-process, per-core, system or burst limit reached */
    WS_STEAL_RESULT_COUNT
};

const char *ws_steal_result_name(enum ws_steal_result r); /* "ok", "empty", "lost_race", ... */

struct ws_core_stats {
    uint64_t steal_result[WS_STEAL_RESULT_COUNT]; /* attempts by this core as thief, by result */
    uint64_t steal_items;         /* processes stolen (a half-steal counts each) */
    uint64_t inbox_steals;        /* of which taken from a victim's inbox */
    uint64_t migrations[WS_DIST_COUNT]; /* processes migrated in, by distance class */
    uint64_t picks[WS_PRIO_COUNT];      /* processes picked to run, by priority */
    uint64_t spawns, wakes_sent, balance_moves;
    _Atomic uint64_t steals_out;  /* processes stolen from this core by others */
    _Atomic uint64_t mig_considered; /* migrations into this core the policy decided on: every
                                        ws_migrate_check and every round refused by the rate
                                        limits (atomic: a balancing core decides for others) */
    int64_t mig_cost_est_ns;      /* sum of the cost model's total (ws_mig_cost.total, signed)
                                     over the migrations committed into this core, saturating */
};

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
    struct { uint32_t victim; uint64_t t; } recent[WS_RECENT_VICTIMS]; /* steal cooldowns */
    uint32_t recent_next;
    uint32_t tried[WS_RECENT_VICTIMS]; /* victims tried in the current idle round */
    uint32_t ntried;
    uint32_t ring_cursor;
    uint64_t mig_window_start, mig_window_count; /* per-core per-second migration window */
    uint32_t emigrate_to;         /* balancer path, or WS_CORE_NONE */
    uint32_t last_victim;         /* victim of this core's latest successful steal */
    _Atomic uint32_t searching;   /* woken to look for work and has not settled yet */
    bool round_cost_denied;       /* the current idle round met a cost refusal */
    uint32_t cost_idle_rounds;    /* idle rounds in a row that cost alone left without work */
    struct ws_core_stats stats;
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
    _Atomic uint64_t nsleeping;
    _Atomic uint64_t nsearching;      /* cores woken and still searching (wake throttle) */
    _Atomic uint64_t nidle;           /* cores with their idle bit set */
    _Atomic uint64_t sys_window_start, sys_window_count;     /* per-second system window */
    _Atomic uint64_t burst_window_start, burst_window_count; /* storm guard window */
    uint64_t next_balance_ns;
};

/* Create a scheduler for topo with params p (copied), the named victim strategy and the
 * driver's platform. WS_EINVAL if the strategy is unknown, WS_NOMEM on allocation failure;
 * *out is NULL then. */
ws_status ws_sched_create(const struct ws_topo *topo, const struct ws_params *p,
                          const char *strategy, const struct ws_platform *plat, void *ctx,
                          struct ws_sched **out);
void ws_sched_destroy(struct ws_sched *s);

/* Weighted load of core c: 4 max + 3 high + 2 normal + 1 low waiting (weights are params),
 * inbox processes counted at their priority's weight. Any thread; a snapshot. */
uint64_t ws_sched_load(const struct ws_sched *s, uint32_t c);

/* Waiting processes on core c (deques and inbox). Any thread; a snapshot. */
uint64_t ws_sched_waiting(const struct ws_sched *s, uint32_t c);

/* Place a new process spawned by code running on `core` (its parent's core; any core for
 * processes without a parent). Affinity decides: strict -> the spawner if allowed, else the
 * least-loaded allowed core; preferred -> the preferred core; none -> the spawner (or its
 * balancer path). Returns the core it went to. WS_NOMEM leaves nothing queued. */
ws_status ws_sched_spawn(struct ws_sched *s, uint32_t core, struct ws_proc *p, uint32_t *placed);

/* Make a blocked process runnable again; `core` is the waker. Placement: its last core
 * (wake_placement=last, BEAM's rule) or the waker's (waker), corrected for affinity. */
ws_status ws_sched_wake(struct ws_sched *s, uint32_t core, struct ws_proc *p, uint32_t *placed);

/* Owner of core: put back a process that was preempted on it. */
ws_status ws_sched_requeue(struct ws_sched *s, uint32_t core, struct ws_proc *p);

/* Owner of core: the next process to run (NULL if none waits locally). after_preempt selects
 * the oldest instead of the newest (see the essay). */
struct ws_proc *ws_sched_next(struct ws_sched *s, uint32_t core, bool after_preempt);

/* Thief core is idle: one round of up to steal_retries victims. Returns the stolen process
 * (now assigned to thief; extra processes of a half-steal are queued on thief) or NULL. */
struct ws_proc *ws_sched_steal(struct ws_sched *s, uint32_t thief);

/* Thief core is about to sleep: scan every core under the same rules; as ws_sched_steal.
 * With steal_retries 0 it takes nothing (no stealing at all). */
struct ws_proc *ws_sched_last_look(struct ws_sched *s, uint32_t thief);

/* Thief's steal round and last look found nothing: the earliest time (platform clock) at which
 * a refusal they met for a time-bounded reason expires (a full migration window, the storm
 * guard's weight on the adaptive cost factor), when the driver must wake the core to look
 * again; UINT64_MAX when nothing time-bounded refused it (a push wakes it). Thief's thread. */
uint64_t ws_sched_retry_at(struct ws_sched *s, uint32_t thief);

/* Driver reports core state changes: idle (nothing to run) and asleep (needs a wake). */
void ws_sched_set_idle(struct ws_sched *s, uint32_t core, bool idle);
void ws_sched_set_sleeping(struct ws_sched *s, uint32_t core, bool asleep);
bool ws_sched_is_idle(const struct ws_sched *s, uint32_t core);
bool ws_sched_is_sleeping(const struct ws_sched *s, uint32_t core);
/* May core have waiting processes? (its work bit; see struct ws_sched) */
static inline bool ws_sched_has_work_bit(const struct ws_sched *s, uint32_t core)
{
    return (atomic_load_explicit(&s->work[core >> 6], memory_order_relaxed) >> (core & 63)) & 1u;
}

/* The periodic check_balance pass (any core may run it when it is due; see ws_balance.c).
 * Returns true if it ran. */
bool ws_sched_balance(struct ws_sched *s, uint32_t core);

/* Internal to core/: the steal predicate context and migration accounting, shared with
 * ws_sched_steal.c and ws_balance.c. */
uint32_t ws_sched_place_allowed(struct ws_sched *s, const struct ws_proc *p, uint32_t want);
ws_status ws_sched_enqueue_on(struct ws_sched *s, uint32_t from, uint32_t to, struct ws_proc *p);
/* Wake the sleeping core nearest to `near` (if any), acting as core `from`. */
void ws_sched_wake_one_sleeper(struct ws_sched *s, uint32_t from, uint32_t near);
/* Work was queued on core c by any path: set its work bit. */
void ws_sched_note_work(struct ws_sched *s, uint32_t c);
/* Core stops counting as a woken searcher (done by set_idle(false) / set_sleeping(true)). */
bool ws_sched_search_end(struct ws_sched *s, uint32_t core);
/* Append p to an inbox (any thread). */
void ws_sched_inbox_put(struct ws_inbox *b, struct ws_proc *p);
/* Take the oldest inbox process of k that pred accepts (pred NULL: any); NULL if none. */
struct ws_proc *ws_sched_inbox_take(struct ws_core *k,
                                    bool (*pred)(const struct ws_proc *, void *), void *arg);

#endif
