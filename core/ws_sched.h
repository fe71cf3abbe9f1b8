/* ws_sched.h: the scheduler core: per-core run queues per BEAM priority, placement, picking
 * the next process, idle stealing with a victim strategy, migration decisions and balancing.
 *
 * The design, in one place
 * ------------------------
 * Each core owns four Chase-Lev deques, one per priority (max, high, normal, low). The owner
 * pushes spawned and requeued processes at the bottom and takes at the bottom (LIFO: fork-join
 * work runs depth-first and stays cache-warm); thieves take the oldest at the top. (The parameter
 * pick_order says which end the owner takes: lifo, the default, as here, or fifo: see Picking.) A
 * process enqueued onto ANOTHER core (a wake-up placed on its last core, a spawn placed by
 * affinity, a balancer move) cannot be pushed into that core's deque, which has a single pusher;
 * it goes to the core's inbox, a short-held spin-locked FIFO that the owner drains into its deques
 * at every scheduling point and that thieves may also take from, so a process in an inbox is never
 * hidden from idle cores.
 *
 * Picking (ws_sched_next): max before high before normal/low, strictly, as BEAM does. Normal
 * and low share a turn: a waiting low process runs once after `low_every` normal picks (and
 * whenever no normal process waits), so low neither starves nor starves normal. After a
 * preemption the owner takes the oldest waiting process (from the top of its own deque) instead
 * of the newest, so long-running processes on one core round-robin like BEAM's FIFO queues,
 * while fork-join children still run depth-first. With pick_order fifo the owner always takes
 * the oldest, as BEAM does (a process made runnable joins the tail of its run queue and the
 * scheduler runs the head): fork-join work then runs breadth-first and queues grow long, as
 * they do in the VM. The owner's take of the top is a steal on its own deque (safe from any
 * thread), which a thief may win: the owner then looks again.
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

struct ws_sched;   /* opaque: its layout is private to core/ (ws_sched_int.h) */

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

/* Owner of core: queue p in core's own deque: a process preempted there, or one the driver
 * kept out of ws_sched so far (a native worker publishing its private ring). */
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

/* The steal's barrier in time (the simulator's model of a steal from an asymmetric deque,
 * core/ws_deque.c (E)). Natively the thief pays the membarrier after it has seen work on the
 * victim and before it takes anything, so the victim's owner may take that work back
 * meanwhile, and the steal then finds the deque empty. With this on (set before the cores
 * start) a thief that finds a victim worth a steal, with steal_hit_ns or steal_victim_ns set,
 * pays both costs and stops its round there, its steal pending (no process, no attempt counted
 * yet); its next ws_sched_steal, at its clock after the costs, completes it first: the
 * victim's oldest process if any is still there, under the conditional steal's rules but
 * without min_steal_queue and the imbalance threshold, which natively were read before the
 * barrier; a lost race instead if the queue it saw work in has moved its top meanwhile (the
 * victim took its last item, or another thief stole: natively the thief's top is stale and
 * its CAS fails, even where the victim has pushed again since); then the round goes on from
 * its next attempt. The steal is dated when the thief looked (the cooldown counts from there).
 * The last look before a sleep pends alike, as natively its steal pays the same barrier: its
 * next ws_sched_last_look completes the steal and goes on with the look from the victim after
 * it. A process the thief picks from its own queues meanwhile (ws_sched_next) cancels the
 * pending steal. Off, a steal takes at once and its costs follow it (the native runtime,
 * whose barrier is real). */
void ws_sched_set_steal_barrier(struct ws_sched *s, bool on);
/* Whether thief's round or last look ended with its steal pending (the driver resumes it
 * after its costs instead of letting it wait or look before sleeping). */
bool ws_sched_steal_pending(const struct ws_sched *s, uint32_t thief);
/* Whether that pending steal is the last look's (the driver resumes it with
 * ws_sched_last_look; ws_sched_steal hands it there too). */
bool ws_sched_look_pending(const struct ws_sched *s, uint32_t thief);

/* Thief's steal round and last look found nothing: the earliest time (platform clock) at which
 * a refusal they met for a time-bounded reason expires (a full migration window, the storm
 * guard's weight on the adaptive cost factor), when the driver must wake the core to look
 * again; UINT64_MAX when nothing time-bounded refused it (a push wakes it). Thief's thread. */
uint64_t ws_sched_retry_at(struct ws_sched *s, uint32_t thief);

/* Driver reports core state changes: idle (nothing to run) and asleep (needs a wake). */
void ws_sched_set_idle(struct ws_sched *s, uint32_t core, bool idle);
void ws_sched_set_sleeping(struct ws_sched *s, uint32_t core, bool asleep);
/* A waiting core (its sleeping bit set) that is still awake, spinning: it is woken for any
 * work it may steal (min_steal_queue waiting), not only for a wake_queue backlog, as an awake
 * scheduler finds work without being woken for a backlog. Set while it spins, cleared when it
 * sleeps or is woken. */
void ws_sched_set_spinning(struct ws_sched *s, uint32_t core, bool on);
/* Whether the wake core is getting (platform wake) is for work short of a backlog, found
 * while spinning (cleared by the call): a platform may model the time a spinning core takes
 * to notice it, and leave it unnoticed when it would sleep first (ws_sched_set_sleeping and
 * ws_sched_set_spinning back on). */
bool ws_sched_told(struct ws_sched *s, uint32_t core);
/* Core is switching processes (its process just left it): the wake checks its own enqueues
 * put off under wake_at switch happen now. */
void ws_sched_switch(struct ws_sched *s, uint32_t core);
/* Put off the wake check for work core queued for itself to its next ws_sched_switch (a native
 * push outside ws_sched under wake_at switch). */
void ws_sched_wake_later(struct ws_sched *s, uint32_t core);
bool ws_sched_is_idle(const struct ws_sched *s, uint32_t core);
bool ws_sched_is_sleeping(const struct ws_sched *s, uint32_t core);
/* The periodic check_balance pass: drivers call it at every scheduling point of every core;
 * when it is due, one core at a time runs it (see ws_balance.c). Any core's thread. Returns
 * true if this call ran it. */
bool ws_sched_balance(struct ws_sched *s, uint32_t core);

/* ---- what drivers read and ask beyond the calls above --------------------------------------
 * The simulator and the native runtime use only this header; the layout behind struct
 * ws_sched is private to core/ (ws_sched_int.h). */

/* Core c's statistics (written by c's thread but for the atomic counters: read them there, or
 * once the cores have stopped). */
const struct ws_core_stats *ws_sched_core_stats(const struct ws_sched *s, uint32_t c);

/* A hint, no effect on the schedule: ask for the lines of core c's state that its next pick or
 * spawn reads (its normal deque, inbox, counters and spawn path). A simulator of thousands of
 * cores calls it an event ahead, when the core's state has long left the caches. */
void ws_sched_prefetch(const struct ws_sched *s, uint32_t c);

/* Thief's thread, after each ws_sched_steal or ws_sched_last_look (one call steals from one
 * victim at most): the processes thief stole since *seen (its steal_items count when last
 * asked; updated) and, when that is not 0, in *victim the core they came from. */
uint64_t ws_sched_new_steals(const struct ws_sched *s, uint32_t thief, uint64_t *seen,
                             uint32_t *victim);

/* The one rule of local placement: would a spawn by code on `core`, whose balancer path is
 * `path` (WS_CORE_NONE: none), stay on core, on a machine of ncores cores? Yes for a process
 * without affinity unless the path leads elsewhere, with strict affinity that allows core, with
 * preferred affinity for core (or for no core of the machine). ws_sched_spawn places by it
 * (through ws_sched_spawn_stays); inline and pure so that a driver's per-spawn fast path (a
 * native worker's private ring) asks the very same question at no cost. */
static inline bool ws_sched_spawn_local(uint32_t core, uint32_t path, uint32_t ncores,
                                        const struct ws_proc *p)
{
    if (p->aff_kind == WS_AFF_STRICT)
        return ws_proc_allowed(p, core);
    if (p->aff_kind == WS_AFF_PREFERRED && p->pref_core >= 0 && (uint32_t)p->pref_core < ncores)
        return (uint32_t)p->pref_core == core;
    return p->aff_kind != WS_AFF_NONE || path == WS_CORE_NONE || path == core;
}

/* Where core's balancer path for normal priority lives (ws_sched_balance writes it from
 * another core: read it with ws_load_relaxed; WS_CORE_NONE: none), for a driver's fast path
 * to pass to ws_sched_spawn_local; valid until ws_sched_destroy. */
const _Atomic uint32_t *ws_sched_spawn_path(const struct ws_sched *s, uint32_t core);

/* Would ws_sched_spawn, called by code on `core`, place p on core itself?
 * (ws_sched_spawn_local with core's own path.) */
bool ws_sched_spawn_stays(const struct ws_sched *s, uint32_t core, const struct ws_proc *p);

/* A thread that runs no core (a driver's feeder of roots) makes p runnable: placed at `want`
 * corrected for affinity (as a wake-up), queued in that core's inbox with ready time `now`, its
 * work bit set; *placed is the core. Nobody is woken: the caller wakes *placed. WS_EINVAL when
 * no core may run p (nothing queued). */
ws_status ws_sched_inject(struct ws_sched *s, uint32_t want, struct ws_proc *p, uint64_t now,
                          uint32_t *placed);

/* Work waits on core c, queued by the caller acting as core `from`: if some core sleeps and at
 * least min_steal_queue processes wait on c, wake the sleeper nearest to c (within the wake
 * throttle). ws_sched's own enqueues do this already; a driver repeats it after ordering its
 * push before its look at the sleepers (natively: nat_dekker). Any thread. */
void ws_sched_wake_for_work(struct ws_sched *s, uint32_t from, uint32_t c);

/* Processes waiting in core c's inbox (placed there by other cores), and in its deque of
 * priority prio. Any thread; snapshots. */
uint64_t ws_sched_inbox_len(const struct ws_sched *s, uint32_t c);
uint64_t ws_sched_queued(const struct ws_sched *s, uint32_t c, enum ws_prio prio);

/* Cores whose idle bit is set (somebody may be waiting for work). Any thread; a snapshot. */
uint64_t ws_sched_idle_cores(const struct ws_sched *s);

/* ---- the owner's inline fast path ----------------------------------------------------------
 * A driver that spawns and picks at every scheduling point (a native worker) may bypass
 * ws_sched_spawn / ws_sched_next for normal-priority processes that ws_sched_spawn_local keeps on
 * the spawner: push straight into the core's own Chase-Lev deque of normal priority, where thieves
 * see it at once, and take back the newest (pick_order fifo: the oldest). What ws_sched_spawn adds
 * on top it leaves to the driver's scheduling points: no clock read (ready_ns is not set), no wake
 * check per push (the driver calls ws_sched_wake_for_work after its own ordering point when a core
 * is idle), no inbox drain or priority pick per take (the driver drains and picks at its
 * housekeeping points and whenever the fast take finds nothing). The work bit is kept exact: set
 * (release) by the first push after the owner cleared it, so ws_sched_last_look never skips a core
 * whose fast pushes wait. A handle holds what these helpers touch, so that no private layout is
 * exposed. */
struct ws_sched_fast {
    struct ws_deque *q;           /* the core's own deque of normal priority */
    _Atomic uint64_t *work_word;  /* the word of the work bitmap that holds the core's bit */
    uint64_t work_bit;
    struct ws_core_stats *stats;  /* the core's statistics (owner-written) */
    bool oldest;                  /* pick_order fifo: the take is of the top (the oldest) */
};

/* Fill f for core's owner; valid until ws_sched_destroy. */
void ws_sched_fast_init(struct ws_sched *s, uint32_t core, struct ws_sched_fast *f);

/* Owner of core: ws_sched_fast_push without its bookkeeping, for a driver that pushes several
 * processes in a row (a fork's children) and keeps its new processes' cur_core at core already
 * (a process that last ran on core says so: a native worker's pool): p joins the bottom of
 * core's normal deque, stealable at once; the driver then calls ws_sched_fast_pushed once for
 * all of them, before it makes any other ws_sched call. WS_NOMEM leaves nothing queued. */
static inline ws_status ws_sched_fast_put(struct ws_sched_fast *f, uint32_t core,
                                          struct ws_proc *p)
{
    WS_ASSERT(p->cur_core == (int32_t)core);
    (void)core;
    return ws_deque_push_fast(f->q, p);
}

/* Owner: the bookkeeping of n processes ws_sched_fast_put queued: the work bit, set after them
 * as ws_sched_fast_push sets it after its one (a last look in between skips the core, as it
 * would between a push and its bit), and n spawns counted. */
static inline void ws_sched_fast_pushed(struct ws_sched_fast *f, uint64_t n)
{
    /* Only the owner clears its bit, so a relaxed look at its own bit is exact. seq_cst RMW
     * when it is clear, as ws_sched's own enqueues set it (pairs with the last look's scan). */
    if (WS_UNLIKELY(!(atomic_load_explicit(f->work_word, memory_order_relaxed) & f->work_bit)))
        atomic_fetch_or_explicit(f->work_word, f->work_bit, memory_order_seq_cst);
    f->stats->spawns += n;
}

/* Owner of core: p (normal priority, ws_sched_spawn_local true for core) joins the bottom of
 * core's normal deque, stealable at once; counted as a spawn. WS_NOMEM leaves nothing queued. */
static inline ws_status ws_sched_fast_push(struct ws_sched_fast *f, uint32_t core,
                                           struct ws_proc *p)
{
    p->cur_core = (int32_t)core;
    ws_status st = ws_sched_fast_put(f, core, p);
    if (WS_UNLIKELY(st != WS_OK))
        return st;
    ws_sched_fast_pushed(f, 1);
    return WS_OK;
}

/* Owner: ws_sched_fast_take without counting the pick, for a driver that counts its picks
 * itself (in a counter it keeps anyway) and adds them with ws_sched_fast_picked before the
 * core's statistics are read. */
static inline struct ws_proc *ws_sched_fast_grab(struct ws_sched_fast *f)
{
    void *x;
    ws_status st = WS_UNLIKELY(f->oldest) ? ws_deque_steal(f->q, &x)
                                          : ws_deque_take_fast(f->q, &x);
    return st == WS_OK ? x : NULL;
}

/* ws_sched_fast_grab for a driver that has read f->oldest false once (pick_order lifo). */
static inline struct ws_proc *ws_sched_fast_grab_newest(struct ws_sched_fast *f)
{
    void *x;
    WS_ASSERT(!f->oldest);
    return ws_deque_take_fast(f->q, &x) == WS_OK ? x : NULL;
}

/* Owner: n normal picks that ws_sched_fast_grab made, counted. */
static inline void ws_sched_fast_picked(struct ws_sched_fast *f, uint64_t n)
{
    f->stats->picks[WS_PRIO_NORMAL] += n;
}

/* Owner of core: the newest process of its normal deque (the oldest under pick_order fifo),
 * counted as a normal pick; NULL when it is empty or, fifo, a thief took the oldest first (then
 * ws_sched_next, which drains the inbox, picks by priority and clears the work bit, decides).
 * Fifo's take is a steal: on an asymmetric deque (ws_deque.c (E)) it would call membarrier at
 * every pick, so a driver keeps the deque symmetric when f->oldest. */
static inline struct ws_proc *ws_sched_fast_take(struct ws_sched_fast *f)
{
    struct ws_proc *p = ws_sched_fast_grab(f);
    if (p != NULL)
        ws_sched_fast_picked(f, 1);
    return p;
}

#endif
