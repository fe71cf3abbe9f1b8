/* nat_rt.h: the native runtime: worker threads pinned to host cores, each driving one core of the
 * core/ scheduler (ws_sched) through a platform of real clocks, per-worker generators and futex
 * sleeping, running processes that are small state machines.
 *
 * The design, in one place
 * ------------------------
 * Workers. One thread per core of the run's topology (native/nat_topo.h builds it from the host
 * and the binding kind), pinned to that core's os_id, running ws_sched's core of the same index.
 * Everything ws_sched decides natively it decides as in the simulator: placement of spawns and
 * wake-ups (affinity, inboxes), priorities, steal rounds with the victim strategy, the stealing
 * rules and the migration cost model, the wake throttle. The platform (nat_rt.c): now_ns is
 * CLOCK_MONOTONIC; random is a per-worker SplitMix64 seeded from (seed, worker); charge only
 * counts (the time has passed already); wake bumps the target's futex word.
 *
 * Processes. A nat_proc embeds a ws_proc and a step function; the worker calls the step, which
 * returns EXIT (done: the worker frees it), BLOCK (it handed itself to a join, a mailbox or a
 * timer: the worker must not touch it again), YIELD (its reduction budget is spent: requeue it
 * through ws_sched_requeue, oldest-first next pick as BEAM), AGAIN (its join completed while
 * it blocked: step once more) or RESUME (an exit whose arrival completed its parent's join
 * plainly: the parent runs next; only as nat_join_arrive's result, see nat_resume, so that the
 * plain exit tests nothing more). Fork-join results travel as join messages: a parent expects k
 * children (nat_join_expect), sets its next state, spawns them and blocks without touching
 * itself again; each child's value arrives at the parent's join (nat_join_arrive: plainly on
 * the worker that spawned it, else by one RMW on one word, value in the high bits and count in
 * the low NAT_JOIN_BITS; see Joins), and whoever counts the last one makes the parent runnable. No arrival can come before the parent is ready to be woken, since
 * the count cannot reach zero before the last child exists. Trace replay uses
 * per-process mailboxes (nat_replay.c): a counter that is -1 while its owner waits in RECV, so
 * one fetch_add tells the sender whether it must wake the receiver.
 *
 * The fast path. A spawn that ws_sched_spawn would place on the spawner anyway (no affinity
 * elsewhere, normal priority: ws_sched_spawn_local, the rule ws_sched_spawn applies) goes straight
 * to the bottom of the worker's own Chase-Lev deque of normal priority in ws_sched
 * (ws_sched_fast_push; a fork's children ws_sched_fast_put each, then one ws_sched_fast_pushed for
 * the work bit and the spawn count), stealable by any thief at once, and the worker's next pick
 * takes the newest from there (ws_sched_fast_grab, its picks counted when the worker stops; all
 * inline): one release store per push, and per take no fence where membarrier exists (the deque's
 * asymmetric mode, core/ws_deque.c (E): a thief that sees work pays the barrier) or else one
 * seq_cst store; no clock, no lock, no shared counter; a process comes from a per-worker pool. What
 * ws_sched_spawn and ws_sched_next do besides, the worker does at its housekeeping points (every
 * NAT_HOUSEKEEP scheduling points) and whenever the fast take finds nothing: drain the inbox and
 * pick by priority (ws_sched_next), and wake a sleeper for the work it pushed (nat_fast_housekeep:
 * only while some core is idle, so busy workers share no cache line for it). A pushed process is
 * therefore stealable at once by an awake thief, and a sleeping one is woken within NAT_HOUSEKEEP
 * scheduling points of the pusher. After a preemption the pick goes through ws_sched_next (oldest
 * first, as BEAM). `fast = false` (or a non-normal priority) sends every spawn through
 * ws_sched_spawn and every pick through ws_sched_next. The balancer's path that
 * ws_sched_spawn_local reads is read at housekeeping points (nat_refresh_local), not per spawn. A
 * parent whose join a step completes plainly (Joins) is run right after that step (nat_resume)
 * instead of being pushed and taken straight back: it would be the newest of the deque, which the
 * next pick takes; this is a wake-up, not a spawn, and every spawn still goes through the deque.
 * Under pick_order fifo the parent is pushed (it waits at the tail).
 *
 * Joins, work first. The worker that spawns a parent's k children (its join owner, set by
 * nat_join_expect) counts the arrivals it runs itself in plain fields of the parent (join_left,
 * join_lsum): the common case, where the owner takes its own children back, completes the join
 * without an atomic RMW, at the arrival that counts join_left down from k to 0. An arrival on any
 * other worker (a stolen child, or one that resumed elsewhere after blocking) pays one acq_rel RMW
 * on the join word, whose count starts at k + 1: the extra 1 is the owner's token, so the word
 * cannot reach zero while the owner still holds uncounted plain arrivals. The first such remote
 * arrival (it sees the count at k + 1) pushes the parent onto the owner's join_req list and wakes
 * it; the owner, at its next housekeeping point or idle look, flushes (nat_loop.c join_flush):
 * marks the join flushed by setting its owner to NAT_JOIN_FLUSHED, a worker nobody is (its later
 * arrivals then take the RMW too, and so one test tells an arrival whether it may count plainly),
 * and subtracts its plain count and its token in one RMW, adding its plain sum. Whichever RMW
 * brings the count to zero readies the parent. Exactly one arrival or flush readies it: locally
 * when all k arrivals were plain (then no RMW touched the word), else the RMW that reaches zero,
 * which needs the token, which only the flush returns, which happens once, after a remote arrival
 * asked for it.
 *
 * Sleeping. An idle worker does one steal round, then sets its sleeping bit (seq_cst), makes a
 * seq_cst RMW on the runtime's `dekker` word and takes ws_sched's last look (Dekker's pattern
 * against a pusher that pushes, makes the same RMW and reads the bitmap: one of the two sees the
 * other; nat_dekker). With nothing found it spins on its futex word for spin_ns (a wake-up then
 * costs nothing, as in the simulator), then sleeps in futex_wait. A waker increments the word and
 * calls futex_wake only if the sleeper said it is parked. Every push the runtime makes is
 * followed by nat_dekker and a wake check; the pushes ws_sched makes on its own (the extra
 * processes of a half-steal, inbox drains) and its wake throttle are covered by a safety net:
 * the futex wait times out after `safety_sleep_ns` (default 2 ms) and the worker looks again.
 * How often that found work is counted (timeout_finds); it is mostly work ws_sched's wake policy
 * sends no wake-up for, which the simulator leaves to its core as well.
 *
 * Termination. Live processes are counted without a shared atomic per spawn: each worker keeps
 * a delta (+1 per spawn, -1 per exit) that is never positive, and the global count is the sum
 * of the flushed deltas. The worker stores its negation, live_credit (a spawn's decrement then
 * tests the sign it leaves). When a spawn would make the delta positive the worker first adds
 * NAT_LIVE_CREDIT more than it owes to the global count (nat_live_credit) and keeps that credit
 * as a negative delta for the next spawns, and gives the credit back when it goes idle
 * (nat_live_flush keeps it while the worker is busy). So the global count is never below the
 * number of live processes, and reaches zero only when none is alive and every worker has
 * flushed: the worker whose flush reaches zero records the end time and wakes everyone.
 *
 * Memory. Processes come from per-worker pools of slabs. A thief's steal predicate reads the
 * oldest process of a victim's deque before its CAS decides, so a process may be read by a thief
 * that lost the race after it exited. Freed processes therefore wait in a limbo batch until every
 * worker that was inside a steal round when the batch was sealed has left it (an epoch scheme
 * whose critical sections are the steal rounds: a worker's counter is odd during a round). A
 * worker that is descheduled while running processes never holds reuse up; only one preempted
 * inside a steal round does, for as long as it is off the CPU.
 *
 * Start-up. Each worker's thread gives its pool NAT_POOL_PREWARM slabs before it reports ready,
 * so that the first touches of their pages fall before t0. A first touch is a page fault, and on
 * the shared 2-vCPU development VM one costs 11-25 us of CPU (a slab of 256 processes is 15
 * pages): measured inside the run, the first slab cost nqueens:10's root dispatch 0.3-0.5 ms on
 * one worker, and a two-worker run grew 3-4 slabs (a stolen process is freed into its thief's
 * pool, so the victim needs a second slab), a roughly fixed 0.5-1 ms that the model has no
 * term for. A run that outgrows the prewarmed slabs still pays for its growth, as the one-worker
 * calibration does. A ready worker then spins for the start (nat_loop.c await_start), so that
 * the first process starts within microseconds of t0, as on the model's cores, which are awake
 * at time 0; waiting in the kernel, it started after a futex wake-up (50-55 us).
 *
 * Threads: nat_proc_new, nat_spawn, nat_take_local, nat_join_* and nat_ready run on the worker that calls them
 * (the step's worker); nat_rt_* are for the thread that created the runtime.
 */
#ifndef NAT_RT_H
#define NAT_RT_H

#include "core/ws_atomic.h"
#include "core/ws_sched.h"
#include "sim/util/sim_hist.h"
#include "sim/util/sim_tclock.h"
#include "sim/trace/sim_trace.h"
#include "sim/engine/sim_timeline.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define NAT_HOUSEKEEP 16u           /* scheduling points between housekeeping (fast mode) */
#define NAT_TS_BUCKETS 128
#define NAT_TS_FIRST_WIDTH 1000     /* ns; buckets double as the run grows */

/* The timeseries' first bucket width: sample_interval_ns, else NAT_TS_FIRST_WIDTH, as the
 * simulator's (sim_collect.c). */
static inline uint64_t nat_ts_first_width(const struct ws_params *p)
{
    return p->sample_interval_ns ? p->sample_interval_ns : NAT_TS_FIRST_WIDTH;
}

/* A steal round that took a process is a look, one barrier and a CAS: 1-100 us on the 2-vCPU
 * host, where the barrier's IPI costs 1-2 us or 25-45 us as the host runs the victim's vCPU. A
 * round longer than this lost its thread for a host time slice; it is counted apart
 * (won_long), so that a run's mean round (the model's steal_hit_ns) is the rounds' and not
 * the slice's: one such round of 93 ms made a run's mean 5.9 ms. */
#define NAT_ROUND_LONG_NS 1000000u
/* Won rounds' durations, every one (long ones too), in bins of a quarter doubling from 256 ns
 * (bin 0 holds shorter ones, the last longer ones, 2^32 ns and up): 19% wide, so that a run's
 * quantiles show whether its barriers were fast, slow or both (nat_round_quantile). */
#define NAT_ROUND_BINS 96u

static inline uint32_t nat_round_bin(uint64_t ns)
{
    if (ns < 256)
        return 0;
    uint32_t l = 63u - (uint32_t)__builtin_clzll(ns);   /* 2^l <= ns, l >= 8 */
    uint32_t b = (l - 8u) * 4u + (uint32_t)((ns >> (l - 2u)) & 3u);
    return b < NAT_ROUND_BINS ? b : NAT_ROUND_BINS - 1u;
}

enum nat_step { NAT_EXIT = 0, NAT_BLOCK, NAT_YIELD, NAT_AGAIN, NAT_RESUME };

struct nat_worker;
struct nat_proc;
typedef enum nat_step (*nat_step_fn)(struct nat_worker *w, struct nat_proc *p);

/* Payloads of the built-in behaviours. */
struct nat_fj {               /* fib: n; nqueens: row and the three occupancy masks */
    uint32_t n, row, cols, ld, rd;
};
struct nat_utsn {             /* one UTS node */
    uint8_t digest[20];
    uint32_t depth;
};
struct nat_rslot;
struct nat_rp {               /* a replayed trace process */
    struct sim_trace_rec *rec;
    uint64_t remaining;       /* ns left in the RUN phase at pc (scaled) */
    uint64_t dispatch;        /* the worker's dispatch count when its budget was last reset */
    uint32_t pc;
    bool in_run;
    bool ahead;               /* rec was read ahead: it stays with the source until the end */
    struct nat_rslot *slot;   /* its read-ahead slot (mailbox, exit), or NULL: the maps */
};

/* A process. Invariant: at any time it is in exactly one of: a ws_sched deque or inbox, running
 * on a worker, blocked (join, mailbox or timer), or in a pool. */
struct nat_proc {
    struct ws_proc wp;            /* first: ws_sched hands back &wp */
    nat_step_fn step;
    struct nat_proc *parent;      /* join_arrive reports here; NULL: to the run's result */
    struct nat_proc *next;        /* pool / limbo link */
    _Atomic uint64_t join;        /* (sum of the remote arrivals' values << NAT_JOIN_BITS) |
                                     (k + 1 - remote arrivals - the owner's flush); the sum of
                                     all values << NAT_JOIN_BITS once complete (see Joins) */
    _Atomic uint32_t join_owner;  /* the worker that spawned the children, NAT_JOIN_FLUSHED once
                                     it flushed (Joins; remote arrivals read it: relaxed) */
    uint32_t join_k;              /* children expected */
    uint32_t join_left;           /* owner only: join_k less the arrivals counted plainly (a
                                     countdown: one decrement tests for the last) */
    uint64_t join_lsum;           /* owner only: their values' sum */
    uint8_t state;                /* the behaviour's program counter */
    uint8_t sample;               /* 1: latency-sampled, 2: its first run was recorded */
    uint8_t dirty;                /* wp may differ from the template: it went through ws_sched
                                     (or was stolen) or got its own affinity, priority, record */
    union {                       /* before the cold fields: a fork-join process touches bytes
                                     0-23 and 104-187 only (three cache lines, not four) */
        struct nat_fj fj;
        struct nat_utsn uts;
        struct nat_rp rp;
    } u;
    _Atomic int64_t mbox;         /* replay mailbox: messages waiting, -1 = blocked in RECV */
    uint64_t t_spawn;             /* sampled processes: spawn time (ns since start + 1) */
    nat_step_fn sampled;          /* sampled processes: the behaviour's step (nat_sample_mark) */
};

struct nat_slab;

/* Per-worker process pool with deferred reuse (see Memory above). Owner only. */
struct nat_pool {
    struct nat_proc *free;        /* reusable now (strict core sets are dropped on reuse) */
    struct nat_proc *ready;       /* more batches reusable now, each a list through ->next, their
                                     heads stacked through ->parent (free processes have none),
                                     for when free runs out (nat_pool_refill): a released batch
                                     needs no tail to join them */
    struct nat_proc *limbo;       /* freed since the last seal */
    uint32_t limbo_room;          /* frees until the next seal (nat_pool_advance) */
    struct nat_proc *sealed;      /* waiting for a grace period */
    uint64_t *snap;               /* every worker's qs when `sealed` was sealed */
    struct nat_slab *slabs;
};

struct nat_timer {
    uint64_t t;                   /* absolute CLOCK_MONOTONIC ns */
    struct nat_proc *p;
};

/* Per-core timeseries: busy ns and largest queue per bucket of `width` ns (doubling). */
struct nat_ts {
    uint64_t width;
    uint64_t busy[NAT_TS_BUCKETS];
    uint32_t queue[NAT_TS_BUCKETS];
};

/* Counters of one worker; written only by its thread, read after it exited. */
struct nat_stats {
    uint64_t run, exits, preemptions, messages, dropped;
    uint64_t join_rmw, join_flushes; /* arrivals that paid the RMW; owner flushes (Joins) */
    uint64_t aff_violations;      /* dispatches on a core outside a strict process's set */
    uint64_t tally;               /* workload count (UTS nodes) */
    uint64_t busy_ns, steal_ns, sleep_ns, wakeups, timeouts, timeout_finds;
    uint64_t migration_cost_ns;
    uint64_t lock_waits, lock_wait_ns; /* replay: waits for the replay's lock, their time */
    uint64_t won_rounds, won_ns;  /* steal rounds that took a process, their time ... */
    uint64_t won_long;            /* ... less these, over NAT_ROUND_LONG_NS */
    uint32_t won_hist[NAT_ROUND_BINS];   /* every won round's duration (nat_round_bin) */
    struct sim_tclock steal_clock;       /* when its steal rounds that took work ended, ns
                                            since t0 (steals_by_tenth) ... */
    struct sim_tclock lost_clock;        /* ... and those that lost their race */
    uint64_t lost_seen;                  /* its lost races already on lost_clock */
    uint64_t cpu_ns;              /* the thread's CPU time from start to exit */
};

struct nat_rt;

struct nat_worker {
    /* ---- owner-only ---- */
    struct nat_rt *rt;
    struct ws_sched *s;
    uint32_t id, nworkers;
    const _Atomic uint32_t *spawn_path; /* ws_sched's balancer path of this core (nat_local_ok;
                                           the balancing core writes it: relaxed loads) */
    bool fast;                    /* spawns and picks take the fast path */
    bool resume_ok;               /* a join completed here may run its parent next (nat_resume) */
    bool resume_plain;            /* resume_ok && local_plain (nat_refresh_local): nat_resume's
                                     test for a parent of no affinity at normal priority */
    bool local_plain;             /* nat_local_ok for a process of no affinity at normal priority,
                                     as of the last housekeeping point (nat_refresh_local) */
    bool after_preempt;
    bool wake_at_switch;          /* p.wake_at switch: wake checks wait for the next switch */
    uint32_t wake_count;          /* ... with p.wake_every > 1: switches to the next check */
    bool is_idle;
    uint32_t housekeep;           /* countdown to the next housekeeping point */
    uint32_t hk_every;
    struct nat_proc *resume;      /* a parent whose join the running step completed (nat_resume) */
    uint64_t sched_picks;         /* dispatches of processes ws_sched picked (from_sched); the
                                     others (st.run less these: fast takes, resumed parents) are
                                     counted into ws_sched's picks when the worker stops */
    struct ws_sched_fast fq;      /* ws_sched's own normal deque of this core (fast path) */
    struct nat_pool pool;
    int64_t live_credit;          /* minus the live delta (see Termination): never negative */
    uint64_t next_id;
    uint64_t rng;
    uint32_t sample;              /* countdown to the next sampled spawn */
    uint64_t slice_left;          /* replay: run budget of the current dispatch, ns */
    uint64_t qs_count;
    uint64_t busy_since;
    struct sim_timeline *tl;      /* --timeline: this worker's slices (nat_metrics.h); NULL off */
    uint64_t tl_mark;             /* ns since t0 where the open run slice starts */
    uint64_t tl_pid;              /* the open run slice's process (SIM_TL_NONE64: none yet) */
    uint8_t tl_prio;
    uint64_t steal_seen;          /* ws steal_items already in the steal matrix */
    uint64_t *steal_row;          /* [nworkers] steals by this thief from each victim */
    struct nat_timer *timers;     /* min-heap by t */
    uint32_t ntimers, timers_cap;
    struct sim_hist *wait_hist, *resp_hist;
    struct nat_ts ts;
    struct nat_stats st;
    int32_t os_cpu;               /* CPU to pin to, -1 = none */
    bool pinned;
    pthread_t thread;
    bool started;
    /* ---- touched by other threads ---- */
    _Alignas(WS_CACHE_LINE) _Atomic uint32_t wake_seq; /* futex word: bumped by every wake */
    _Atomic uint32_t woken_by;    /* --timeline: the worker whose wake bumped wake_seq last
                                     (NAT_WAKER_NONE: the feeder or the end of the run) */
    _Atomic uint32_t parked;      /* in futex_wait (a waker must call futex_wake) */
    _Atomic uint64_t qs;          /* steal rounds * 2, + 1 while inside one */
    _Atomic uint32_t ntimers_pub; /* ntimers, for the deadlock watchdog */
    _Atomic(struct nat_proc *) join_req; /* joins whose plain part a remote arrival asks this
                                     owner to flush, linked through ->next (Joins) */
};

struct nat_rt_opts {
    const struct ws_topo *topo;   /* borrowed; one worker per core */
    const int32_t *os_cpus;       /* [topo->ncores] pin targets (-1 = none); NULL = no pinning */
    const struct ws_params *params; /* copied */
    const char *strategy;
    uint64_t seed;
    bool fast;                    /* spawns and picks through the fast path (nat_rt.h) */
    uint32_t sample_every;        /* latency sample: one spawn in this many (>= 1) */
    uint64_t safety_sleep_ns;     /* futex wait timeout; 0 = 2 ms */
};

struct nat_rt {
    struct nat_rt_opts o;
    const struct ws_topo *topo;
    struct ws_sched *s;
    struct ws_params p;
    uint32_t n;
    struct nat_worker *w;         /* [n] */
    struct ws_proc tmpl;          /* what ws_proc_init makes: copied into new processes */
    uint64_t safety_ns;
    _Alignas(WS_CACHE_LINE) _Atomic uint64_t dekker; /* see nat_dekker */
    _Alignas(WS_CACHE_LINE) _Atomic int64_t live; /* flushed live count (+1: the root feeder) */
    _Atomic uint32_t done;        /* futex word: 1 once finished or failed */
    _Atomic uint32_t start;       /* futex word: workers wait for 1 */
    _Atomic uint32_t failed;
    _Atomic uint32_t nready;      /* futex word: workers pinned and waiting for start */
    uint64_t stuck;               /* processes left blocked by a deadlock */
    uint64_t t0;                  /* CLOCK_MONOTONIC ns when the workers were released */
    uint64_t t_first;             /* when the first root was injected (0: none yet) */
    _Atomic uint64_t t_end;
    _Atomic uint64_t result;      /* value joined by a root (parent NULL) */
    void *work;                   /* the workload's context */
    pthread_mutex_t lock;         /* the first failure's message (nat_rt_fail) */
    uint32_t root_rr;
    struct nat_pool main_pool;    /* roots made by the creating thread */
    uint64_t main_next_id;
    char err[512];
};

/* Monotonic clock, ns. */
uint64_t nat_now_ns(void);

/* Create the runtime (threads are not started). 0, or -1 with a message in err (unknown
 * strategy, out of memory). */
int nat_rt_create(const struct nat_rt_opts *o, struct nat_rt **out, char *err, size_t errlen);

/* Creating thread: a root process running `step` from the main pool (NULL: out of memory). */
struct nat_proc *nat_rt_root_new(struct nat_rt *rt, nat_step_fn step);

/* Creating thread: start the workers (pinned), waiting for them to be ready, and record t0.
 * 0, or -1 with a message in err. */
int nat_rt_start(struct nat_rt *rt, char *err, size_t errlen);

/* Creating thread: make root p runnable (placed round-robin, corrected for affinity, into that
 * core's inbox; the core is woken). Before or after nat_rt_start. 0, or -1 if no core may run
 * it. */
int nat_rt_inject(struct nat_rt *rt, struct nat_proc *p);

/* Creating thread: no more roots will come (drops the feeder's +1 of the live count). */
void nat_rt_feeder_done(struct nat_rt *rt);

/* Creating thread: wait until every process has exited (or a failure, an interrupt through
 * *stopped, or a deadlock: every worker asleep, no timer armed, nothing queued, processes left),
 * then join the workers. 0, or -1 with a message in err. */
int nat_rt_wait(struct nat_rt *rt, volatile int *stopped, char *err, size_t errlen);

/* Join the worker threads if they run (they must have been told to stop: nat_rt_wait returned,
 * or the run failed). Idempotent; NULL is a no-op. */
void nat_rt_join(struct nat_rt *rt);

/* Free everything (joining the workers first). NULL is a no-op. */
void nat_rt_destroy(struct nat_rt *rt);

/* Record a failure (first message wins) and stop the run. Any thread. */
void nat_rt_fail(struct nat_rt *rt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- slow paths of the inline functions below (nat_loop.c, nat_rt.c) ---------------------- */

struct nat_proc *nat_pool_refill(struct nat_worker *w);
void nat_proc_inherit(struct nat_worker *w, struct nat_proc *child, const struct nat_proc *parent);
void nat_spawn_slow(struct nat_worker *w, struct nat_proc *p);
void nat_ready_slow(struct nat_worker *w, struct nat_proc *p);
/* nat_ready, out of line: keeps a step's exit path free of the push (nat_resume). Returns
 * NAT_EXIT, for the exiting step's tail call (nat_join_arrive). */
enum nat_step nat_ready_call(struct nat_worker *w, struct nat_proc *p);
void nat_sample_spawn(struct nat_worker *w, struct nat_proc *p);
/* Latency-sample p, made runnable at t_spawn (ns since t0, + 1): its step becomes
 * nat_sample_step, which records its wait at its first run and its response at its exit around
 * the behaviour's own step, so that the dispatch loop tests nothing for sampling. Before p is
 * runnable. */
void nat_sample_mark(struct nat_proc *p, uint64_t t_spawn);
enum nat_step nat_sample_step(struct nat_worker *w, struct nat_proc *p);
/* Worker w: an arrival at parent's join off its owner, or after the owner's flush (Joins).
 * Returns NAT_EXIT, as nat_join_arrive. */
enum nat_step nat_join_arrive_remote(struct nat_worker *w, struct nat_proc *parent, uint64_t v);
/* Worker w: flush the joins its join_req list holds (Joins); cheap to call when it is empty. */
void nat_join_flush_requests(struct nat_worker *w);
/* Flush w's live delta into the global count (see Termination): a busy worker keeps its credit. */
void nat_live_flush(struct nat_worker *w);
/* w's live delta went positive: flush it with NAT_LIVE_CREDIT reserved (see Termination). */
void nat_live_credit(struct nat_worker *w);
/* Seal the limbo batch and release the sealed one if its grace period passed. */
void nat_pool_advance(struct nat_worker *w);
/* Worker w's thread, before the start: give its pool NAT_POOL_PREWARM slabs, their pages
 * touched here (see Start-up). 0, or -1 when out of memory (the run then fails). */
int nat_pool_prewarm(struct nat_worker *w);
/* Wake worker `target` (any thread) on behalf of worker `waker` (NAT_WAKER_NONE: not a
 * worker): bump its futex word, futex_wake it if parked. */
#define NAT_WAKER_NONE UINT32_MAX
void nat_wake_worker(struct nat_rt *rt, uint32_t waker, uint32_t target);
/* Worker w: p (which last ran on w) becomes runnable again at `at` (CLOCK_MONOTONIC ns). */
void nat_timer_arm(struct nat_worker *w, struct nat_proc *p, uint64_t at);
/* After a push the runtime made into w's deque: nat_dekker, then wake a sleeper if work waits. */
void nat_after_push(struct nat_worker *w);
/* The thread body of a worker. */
void *nat_worker_main(void *arg);

/* The sleep/wake handshake's ordering point: a seq_cst RMW on one shared word, made by a
 * pusher between its push and its look at the sleeping bitmap, and by a sleeper between setting
 * its sleeping bit and its last look for work. The two RMWs are ordered; whichever comes second
 * synchronises with the first, so either the pusher sees the sleeper or the sleeper sees the
 * push (Dekker's pattern, without fences, which ThreadSanitizer does not model). */
static inline void nat_dekker(struct nat_rt *rt)
{
    atomic_fetch_add_explicit(&rt->dekker, 0, memory_order_seq_cst);
}

/* ---- the fast path ------------------------------------------------------------------------- */

#define NAT_POOL_PREWARM 4u    /* slabs each worker touches before the start (Start-up) */
#define NAT_LIMBO_BATCH 64u   /* frees between attempts to recycle (nat_pool_advance) */

/* Worker w: p exited; back to the pool once no thief can be reading it (see Memory). */
static inline void nat_proc_free(struct nat_worker *w, struct nat_proc *p)
{
    p->next = w->pool.limbo;
    w->pool.limbo = p;
    if (WS_UNLIKELY(--w->pool.limbo_room == 0))
        nat_pool_advance(w);
}


/* Is p of no affinity and normal priority (what a child inherits nothing from)? */
static inline bool nat_proc_plain(const struct nat_proc *p)
{
    return p->wp.aff_kind == WS_AFF_NONE && p->wp.prio == WS_PRIO_NORMAL;
}

/* May p go to w's own deque by the fast path? Only in fast mode, at normal priority, and only
 * for a process that ws_sched would place on w anyway: the placement rule is ws_sched's own
 * (ws_sched_spawn_local), the one ws_sched_spawn applies. A wake-up of a process that last ran
 * on w (nat_ready) asks the same question: ws_sched_wake keeps it on w whenever a spawn from w
 * would. */
static inline bool nat_local_ok(const struct nat_worker *w, const struct nat_proc *p)
{
    /* The common case first: no affinity, normal priority (ws_sched_spawn_local's last line,
     * with the path as of the last housekeeping point: see nat_refresh_local). */
    if (WS_LIKELY(nat_proc_plain(p)))
        return w->local_plain;
    return w->fast && p->wp.prio == WS_PRIO_NORMAL &&
           ws_sched_spawn_local(w->id, ws_load_relaxed(w->spawn_path), w->nworkers,
                                &p->wp);
}

/* Worker w, at a housekeeping point (and at start): may a process of no affinity at normal
 * priority go to w's own deque? ws_sched_spawn_local with the balancer's current path. The
 * path is a hint that another core's balance pass rewrites at most once a balance interval
 * (milliseconds); reading it here instead of at every spawn delays a change by at most
 * NAT_HOUSEKEEP scheduling points and saves the spawns a load of ws_sched's line. */
static inline void nat_refresh_local(struct nat_worker *w)
{
    uint32_t path = ws_load_relaxed(w->spawn_path);
    w->local_plain = w->fast && (path == WS_CORE_NONE || path == w->id);
    w->resume_plain = w->resume_ok && w->local_plain;
}

/* Worker w: a process from its pool with the template's ws_proc (no affinity, normal priority)
 * but for its id (nat_proc_alloc sets it), its cur_core w (ws_sched_fast_put's precondition: a
 * process that last ran on w says so already, since every dispatch on w is of a process whose
 * cur_core is w); NULL when out of memory (the run has failed then). */
static inline struct nat_proc *nat_proc_get(struct nat_worker *w)
{
    struct nat_proc *p = w->pool.free;
    if (WS_UNLIKELY(p == NULL) && (p = nat_pool_refill(w)) == NULL)
        return NULL;
    w->pool.free = p->next;
    if (WS_UNLIKELY(p->dirty)) {   /* one that only took the fast path left wp as new */
        if (p->wp.cores.w != NULL)
            ws_proc_fini(&p->wp);
        p->wp = w->rt->tmpl;
        p->wp.cur_core = (int32_t)w->id;
        p->dirty = 0;
    }
    WS_ASSERT(p->wp.cur_core == (int32_t)w->id);
    return p;
}

/* nat_proc_get with a new id: w's ids are id, id + nworkers, ... (unique across workers). */
static inline struct nat_proc *nat_proc_alloc(struct nat_worker *w)
{
    struct nat_proc *p = nat_proc_get(w);
    if (p != NULL) {
        p->wp.id = w->next_id;
        w->next_id += w->nworkers;
    }
    return p;
}

/* Worker w, making k processes at once (a fork): their ids, reserved in one step, are the
 * result + i * nworkers for i < k, as k calls of nat_proc_alloc would have given them. */
static inline uint64_t nat_fork_ids(struct nat_worker *w, uint32_t k)
{
    uint64_t id = w->next_id;
    w->next_id += (uint64_t)k * w->nworkers;
    return id;
}

/* p (from nat_proc_alloc) runs `step` from its start, joined to nobody. Last: a caller's own
 * parent store then replaces the NULL. */
static inline void nat_proc_start(struct nat_proc *p, nat_step_fn step)
{
    p->step = step;
    p->parent = NULL;
    p->state = 0;
    p->sample = 0;
}

/* Worker w: a fresh process running `step`, spawned by `from` (NULL: none), whose affinity and
 * priority it inherits; not yet runnable, joined to nobody (set ->parent to join). NULL when out
 * of memory (the run has failed then). */
static inline struct nat_proc *nat_proc_new(struct nat_worker *w, const struct nat_proc *from,
                                            nat_step_fn step)
{
    struct nat_proc *p = nat_proc_alloc(w);
    if (p == NULL)
        return NULL;
    if (from != NULL && WS_UNLIKELY(!nat_proc_plain(from)))
        nat_proc_inherit(w, p, from);
    nat_proc_start(p, step);
    return p;
}

#define NAT_JOIN_FLUSHED UINT32_MAX                 /* join_owner after the owner's flush */
#define NAT_JOIN_BITS 16u                          /* low bits of join: the count */
#define NAT_JOIN_COUNT ((UINT64_C(1) << NAT_JOIN_BITS) - 1)
#define NAT_LIVE_CREDIT 256                        /* live count reserved per flush (spawns) */

/* Worker w: p goes to the bottom of w's own ws_sched deque (stealable at once); false (the
 * run has failed: out of memory) if it could not. */
static inline __attribute__((always_inline)) bool nat_push_local(struct nat_worker *w,
                                                                 struct nat_proc *p)
{
    if (WS_LIKELY(ws_sched_fast_push(&w->fq, w->id, &p->wp) == WS_OK))
        return true;
    nat_rt_fail(w->rt, "out of memory (deque of worker %u)", w->id);
    return false;
}

/* Worker w: make p (from nat_proc_new, payload filled in) runnable. Its +1 of the live count
 * comes out of w's credit (see Termination), so the count covers it before anyone can see it.
 * Always inlined: a step that spawns in a loop would otherwise call it (about 10 instructions
 * of call and frame per spawn under callgrind). */
static inline __attribute__((always_inline)) void nat_spawn_count(struct nat_worker *w,
                                                                  struct nat_proc *p)
{
    if (WS_UNLIKELY(--w->live_credit < 0))
        nat_live_credit(w);
    if (WS_UNLIKELY(--w->sample == 0))
        nat_sample_spawn(w, p);
}

static inline __attribute__((always_inline)) void nat_spawn(struct nat_worker *w,
                                                            struct nat_proc *p)
{
    nat_spawn_count(w, p);
    if (WS_LIKELY(nat_local_ok(w, p))) {
        nat_push_local(w, p);
        return;
    }
    nat_spawn_slow(w, p);
}

/* Worker w, in the step of p before it makes children: may they be made by nat_proc_new_plain
 * and made runnable by nat_fork_put, which test nothing of them? True when p has no
 * affinity and normal priority (its children then inherit nothing) and such processes stay on
 * w (nat_local_ok). One test for all of p's children. */
static inline bool nat_fork_plain(const struct nat_worker *w, const struct nat_proc *p)
{
    return nat_proc_plain(p) && w->local_plain;
}

/* nat_proc_new for a child of a process nat_fork_plain accepted, with its id from
 * nat_fork_ids. */
static inline struct nat_proc *nat_proc_new_plain(struct nat_worker *w, nat_step_fn step,
                                                  uint64_t id)
{
    struct nat_proc *p = nat_proc_get(w);
    if (p != NULL) {
        p->wp.id = id;
        nat_proc_start(p, step);
    }
    return p;
}

/* nat_spawn for the k children of a process nat_fork_plain accepted, in three parts, so that
 * what a spawn counts is counted once per fork: nat_fork_live(w, k) first, then nat_fork_put
 * for each child, then nat_fork_pushed(w, the children put) before anything else. */

/* Worker w, before it makes k children runnable: their +k of the live count, out of w's credit
 * (see Termination), so the count covers them before anyone can see them. */
static inline __attribute__((always_inline)) void nat_fork_live(struct nat_worker *w, uint32_t k)
{
    if (WS_UNLIKELY((w->live_credit -= k) < 0))
        nat_live_credit(w);
}

/* One child (from nat_proc_new_plain, payload filled in) to the bottom of w's deque, stealable
 * at once (ws_sched_fast_put: the work bit and the spawn count wait for nat_fork_pushed); false
 * (the run has failed: out of memory) if it could not. */
static inline __attribute__((always_inline)) bool nat_fork_put(struct nat_worker *w,
                                                               struct nat_proc *p)
{
    if (WS_UNLIKELY(--w->sample == 0))
        nat_sample_spawn(w, p);
    if (WS_LIKELY(ws_sched_fast_put(&w->fq, w->id, &p->wp) == WS_OK))
        return true;
    nat_rt_fail(w->rt, "out of memory (deque of worker %u)", w->id);
    return false;
}

/* The n children nat_fork_put queued: ws_sched's bookkeeping of their pushes, once. */
static inline __attribute__((always_inline)) void nat_fork_pushed(struct nat_worker *w,
                                                                  uint32_t n)
{
    ws_sched_fast_pushed(&w->fq, n);
}

/* Worker w's fast pick: the newest process of its own normal deque (pick_order fifo: the
 * oldest); NULL when it is empty. Only in fast mode and not right after a preemption (then
 * ws_sched_next picks, by priority, oldest first): the dispatch loop sends those picks through
 * its housekeeping point, so that this one tests neither. lifo: w->fq.oldest is false (a
 * constant in the loop's copy that tests nothing). Counted as a pick when the worker stops
 * (sched_picks). */
static inline __attribute__((always_inline)) struct nat_proc *nat_take_local(struct nat_worker *w,
                                                                            bool lifo)
{
    return (struct nat_proc *)(lifo ? ws_sched_fast_grab_newest(&w->fq)
                                    : ws_sched_fast_grab(&w->fq));
}

/* Worker w's housekeeping point, fast mode: if some core is idle and w's deque holds work, order
 * the pushes before the look at the sleepers (nat_dekker) and wake one. While every core is busy
 * nobody needs waking and no shared line is touched. */
static inline void nat_fast_housekeep(struct nat_worker *w)
{
    if (ws_sched_idle_cores(w->s) != 0 && ws_deque_size(w->fq.q) != 0)
        nat_after_push(w);
}

/* Worker w, inside p's step before it spawns any child: p will join 1 <= k < NAT_JOIN_COUNT
 * children, w being the join's owner. The step must then set its next state, spawn the k
 * children and return NAT_BLOCK without touching p after the last spawn: the last arrival makes
 * p runnable, maybe on another worker. The plain fields reach every child's worker through the
 * pushes that hand the children over. */
static inline void nat_join_expect(struct nat_worker *w, struct nat_proc *p, uint32_t k)
{
    ws_store_relaxed(&p->join_owner, w->id);
    p->join_k = k;
    p->join_left = k;
    p->join_lsum = 0;
    ws_store_relaxed(&p->join, (uint64_t)k + 1);   /* + the owner's token (Joins) */
}

/* The sum of the values p's children sent (after the join completed). */
static inline uint64_t nat_join_value(const struct nat_proc *p)
{
    return ws_load_relaxed(&p->join) >> NAT_JOIN_BITS;
}

/* Worker w: p (now runnable again) goes to w's deque if it last ran here, else to ws_sched. */
static inline __attribute__((always_inline)) void nat_ready(struct nat_worker *w,
                                                            struct nat_proc *p)
{
    if (WS_LIKELY(p->wp.cur_core == (int32_t)w->id && nat_local_ok(w, p))) {
        nat_push_local(w, p);
        return;
    }
    nat_ready_slow(w, p);
}

/* Worker w, inside a step: p's join completed here with no RMW, so p last ran on w (its
 * owner). Rather than push p and take it straight back, the worker runs it as soon as the
 * current step returns (loop in nat_loop.c), as nat_take_local would have: the newest process
 * of w's deque. Nothing is spawned this way, so every spawn still goes through the deque;
 * p is only private for the step's remainder, when no pick happens anyway. Returns what the
 * step must return: NAT_RESUME (p is w->resume) or, when p goes through nat_ready instead (a
 * process ws_sched must place), NAT_EXIT. One parent per step: the step's last act
 * (nat_join_arrive), so w->resume is free (the loop took the last one before this step ran). */
static inline __attribute__((always_inline)) enum nat_step nat_resume(struct nat_worker *w,
                                                                      struct nat_proc *p)
{
    WS_ASSERT(w->resume == NULL);
    /* The common case first, as nat_local_ok's: no affinity, normal priority. */
    if (WS_LIKELY(nat_proc_plain(p) ? w->resume_plain : w->resume_ok && nat_local_ok(w, p))) {
        w->resume = p;
        return NAT_RESUME;
    }
    return nat_ready_call(w, p);
}

/* Worker w: a child's value v (< 2^48) arrives at parent (NULL: the run's result), as the
 * last act of the child's step, which must return what this returns: NAT_EXIT, or NAT_RESUME
 * when the parent runs next (nat_resume); so the slow paths are tail calls and the step's exit
 * path keeps no frame. Counted as a message. On the join's owner, before its flush, a plain
 * count (the other fields are not read by any other worker: the test stops them at
 * join_owner); elsewhere nat_join_arrive_remote. The last arrival makes the parent runnable
 * (Joins). */
static inline __attribute__((always_inline)) enum nat_step nat_join_arrive(struct nat_worker *w,
                                                                           struct nat_proc *parent,
                                                                           uint64_t v)
{
    if (parent == NULL) {
        ws_store_relaxed(&w->rt->result, v);
        return NAT_EXIT;
    }
    w->st.messages++;
    if (WS_LIKELY(ws_load_relaxed(&parent->join_owner) == w->id)) {
        parent->join_lsum += v;
        if (--parent->join_left == 0) {   /* all k plain: nobody else wrote join */
            ws_store_relaxed(&parent->join, parent->join_lsum << NAT_JOIN_BITS);
            return nat_resume(w, parent);
        }
        return NAT_EXIT;
    }
    return nat_join_arrive_remote(w, parent, v);
}

#endif
