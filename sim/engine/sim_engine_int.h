/* sim_engine_int.h: the simulator's internal state, shared by sim_engine.c (events and cores),
 * sim_exec.c (processes and phases) and sim_collect.c (metrics). Not for other modules. */
#ifndef SIM_ENGINE_INT_H
#define SIM_ENGINE_INT_H

#include "core/ws_sched.h"
#include "core/ws_time.h"
#include "sim/engine/sim_engine.h"
#include "sim/engine/sim_eventq.h"
#include "sim/engine/sim_timeline.h"
#include "sim/trace/sim_gen.h"
#include "sim/util/sim_hist.h"
#include "sim/util/sim_idmap.h"
#include "sim/util/sim_tclock.h"
#include "sim/util/sim_util.h"

#include <math.h>

enum { EV_ROOT = 1, EV_CORE, EV_TIMER };

#define SIM_TS_BUCKETS 128

/* A live process. Invariant: exactly one of: running on a core (core.cur), queued in the
 * scheduler, blocked in RECV (blocked), sleeping in WAIT (a pending EV_TIMER names it).
 *
 * Layout: on 1,024 cores and more a process is cold whenever an event resumes it, and every
 * line of it costs a miss. So processes are 64-byte aligned (sim_proc_new) and fill exactly
 * three lines: line 0 is wp's head (what the scheduler reads), line 1 wp's tail (ready_ns,
 * owed_ns) with what every phase step reads (phases, pc, nphases, charge: a copy of the
 * record's, so that a step does not also miss on the record's header), and line 2 the rest of
 * a RUN phase, the mailbox and the accounting. */
struct sproc {
    struct ws_proc wp;          /* first member: the scheduler hands back &wp */
    /* line 1, after wp's tail: every phase step */
    const struct sim_trace_phase *phases;   /* rec->phases */
    uint32_t pc;                /* phase being executed */
    uint32_t nphases;           /* rec->nphases */
    uint64_t charge;            /* migration cost (or a steal's cost to its victim, plat_charge)
                                   to pay before it runs again */
    /* line 2: RUN phases, messages, accounting */
    struct sim_trace_rec *rec;
    uint64_t remaining;         /* work left in the RUN phase, ns at capacity 1.0 */
    double work_frac;           /* work done beyond the whole ns taken off remaining, [0, 1):
                                   a slow core's short slices add up exactly */
    uint64_t mailbox;           /* messages received, not yet consumed */
    uint64_t first_run_ns, wait_ns;
    uint64_t spawn_ns;
    uint32_t tl_core;           /* --timeline: 1 + the core it last ran on, else the one it was
                                   first queued on (0: none): where a migration starts */
    bool in_run;                /* remaining holds the rest of RUN phase pc */
    bool blocked;               /* in RECV with an empty mailbox */
    bool spawn_paid;            /* SPAWN phase pc's cost is paid: the child is made next */
};
/* Bytes a process takes: whole lines (three while ws_proc is 104 bytes). */
#define SIM_PROC_SIZE ((sizeof(struct sproc) + 63) / 64 * 64)

/* A modelled core. On 1,024 cores and more every event finds its core's state out of the first
 * level cache, so the fields are grouped by when they are used, and the array is aligned so that
 * each group keeps to its lines: line 0 holds what every event reads (its event, its process, a
 * RUN segment, the pending busy stretch), line 1 the counters bumped by runs and dispatches,
 * and the rest what only an idle core or a wake-up reads. */
struct score {
    /* line 0: every event */
    _Alignas(64) struct sproc *cur;   /* running (or about to run) process */
    uint64_t gen;               /* the only EV_CORE of this core that is not stale */
    uint64_t run_len;           /* length of the RUN segment the pending event ends */
    uint64_t slice_used;        /* ns the current process ran since dispatch */
    uint64_t charge;            /* costs charged during the current scheduler call */
    uint64_t ts_to;             /* busy time [ts_from, ts_to) not yet in the timeseries: a
                                   core's back-to-back segments are added once (sim_collect.c) */
    double cap;
    bool run_full;              /* ... and that segment finishes the RUN phase */
    bool running;               /* the pending event ends a RUN segment */
    bool after_preempt;
    bool left;                    /* its process has just left it: the switch comes next */
    bool switched;                /* ... and was paid (dispatch_ns): the pick comes next */
    bool waiting;               /* idle, waiting for a wake (spinning or asleep) */
    bool asleep;
    bool idle;                  /* nothing to run since idle_since */
    bool slept_limited;         /* its migration windows were full when it began to wait */
    /* lines 1-2: the counters (busy_ns at every segment, processes_run at every dispatch) */
    struct sim_core_stats st;
    /* idle rounds: steals, waits and wake-ups */
    uint64_t rng;
    double cost_frac;           /* cost_capacity: the ns fraction carried to the next cost */
    uint64_t ready_at, idle_since;
    uint64_t retry_at;          /* a waiting core looks again then (ws_sched_retry_at) */
    uint64_t steal_items_seen;
    uint64_t lost_seen;         /* its lost races already on the engine's lost_clock */
    uint64_t ts_from;
    uint64_t sleep_since;
    uint32_t wake_count;        /* switches since its last wake check (wake_every > 1) */
    uint32_t tl_victim;         /* timeline: the core of its latest steal, then (from its
                                   dispatch) where the process it runs migrated from */
};
_Static_assert(sizeof(struct score) % 64 == 0, "cores do not share cache lines");

/* What core c's next event will read beyond its own state: the process it runs (lines 1 and 2),
 * the phase that process steps next, and the receiver of that phase when it is a SEND after a
 * RUN. Kept apart from struct score, 24 bytes a core, so that on many cores the array stays in the near caches and the event loop can ask for these
 * lines an event ahead without first waiting for the core's own line (sim_engine.c,
 * prefetch_next). A hint only: it may be stale, and nothing else reads it. */
struct sim_hint {
    const void *proc;           /* the core's cur at its last sim_core_schedule, or NULL */
    const void *phase;          /* &proc->phases[its pc then] */
    const uint64_t *peer;       /* the live table's slot of the process the phase sends to
                                   (sim_idtab_slot), or NULL */
};

/* The machine-wide detours of host noise (noise_shared_gap_ns, noise_shared_ns): one schedule
 * for every core in simulated time, d[i] = { start, length } for detours base + i, drawn in
 * order from a generator of its own as far as a core has asked; seen[c] is the first detour
 * core c has not paid or skipped. Off (seen NULL) without both parameters. */
struct sim_shared_noise {
    uint64_t (*d)[2];
    size_t n, cap;
    uint64_t base, next, rng;   /* next: start of the next detour to draw */
    uint64_t *seen;
};

struct sim_engine {
    struct sim_trace *trace;
    const struct ws_topo *topo;
    struct ws_params p;
    struct ws_sched *s;
    struct sim_engine_opts o;
    struct sim_eventq q;
    uint64_t now;               /* time of the event being handled */
    uint32_t ncores;
    struct score *cores;
    struct sim_hint *hints;     /* [ncores], when ncores >= SIM_PREFETCH_MIN_CORES; else NULL */
    struct sim_shared_noise sn; /* the machine-wide detours (noise_shared_*; sim_engine.c) */
    uint64_t *noise_at;         /* [ncores]: each core's next detour (host noise), when
                                   noise_gap_ns and noise_ns are set; else NULL */
    struct sim_idtab live;      /* id -> struct sproc * */
    struct sim_idmap pending;   /* id -> messages sent before the process existed */
    uint64_t *exited_bits;      /* ids < exited_cap that have exited */
    uint64_t exited_cap;
    struct sim_idmap exited_big;/* exited ids >= exited_cap */
    void *free_procs;           /* recycled process structs, linked through their first word */
    void *proc_slabs;           /* every slab of processes (sim_exec.c), linked through their
                                   first word */
    struct sim_trace_rec *next_root;
    uint32_t root_rr;
    uint64_t live_procs, done, dropped_msgs, last_exit, first_spawn;
    bool started;
    struct sim_hist wait_hist, resp_hist;
    struct sim_tclock steal_clock;  /* when the steals ended (steals_by_tenth) ... */
    struct sim_tclock lost_clock;   /* ... and the attempts that lost their race */
    struct sim_idmap steal_pairs;   /* thief * ncores + victim -> steals (only the pairs that
                                       stole: a sparse steal matrix, cheap at any core count) */
    uint64_t *steal_matrix;     /* ncores^2 when ncores <= 1024, built from steal_pairs at the
                                   end of the run; else NULL */
    /* timeseries: busy ns and max queue length per core and bucket of ts_width ns */
    uint64_t ts_width;
    bool ts_fixed;
    uint64_t *ts_busy;
    uint32_t *ts_queue;
    struct sim_run_metrics m;
    struct sim_proc_row *rows;
    size_t nrows, rows_cap;
    struct sim_bind *bind;      /* scheduler binding (sim_bind.c); NULL until created */
    struct sim_timeline tl;     /* the run's slices (with opts.timeline_max only) */
    bool tl_on;
    char err[512];
    bool failed;
};

/* Below this many cores the cores' state and the processes they run stay in the first-level
 * cache, and looking ahead only costs instructions (about 25 an event). */
#define SIM_PREFETCH_MIN_CORES 128

/* The engine's random draws: SplitMix64 steps (the generators' mix, sim_gen.h, of the state
 * before its step), each core's from its own generator (rng), so that a run is a function of
 * its seed. */
static inline uint64_t sim_splitmix64(uint64_t *x)
{
    uint64_t v = *x;
    *x += 0x9E3779B97F4A7C15ull;
    return sim_gen_mix(v);
}

/* 64 random bits as a uniform draw in the open interval (0, 1). */
static inline double sim_unit_of(uint64_t bits)
{
    return ((double)(bits >> 11) + 0.5) * 0x1.0p-53;
}

/* An exponential draw with the given mean from 64 random bits. */
static inline uint64_t sim_exp_of(uint64_t bits, uint64_t mean)
{
    double t = -log(sim_unit_of(bits)) * (double)mean;
    return t < (double)WS_TIME_INPUT_MAX ? (uint64_t)t : WS_TIME_INPUT_MAX;
}

/* A uniform draw in (0, 1), an exponential one, from core c's generator. */
static inline double sim_draw_unit(struct sim_engine *e, uint32_t c)
{
    return sim_unit_of(sim_splitmix64(&e->cores[c].rng));
}

static inline uint64_t sim_draw_exp(struct sim_engine *e, uint32_t c, uint64_t mean)
{
    return sim_exp_of(sim_splitmix64(&e->cores[c].rng), mean);
}

/* sim_noise.c: host noise. init allocates what the parameters ask for (0, or -1 out of
 * memory; free releases it either way). due: the detours core c owes by now (its own and the
 * machine-wide ones); woke: it was idle until now, and a fresh gap starts. pay: the same,
 * charged to p, its process, and counted in the core's noise_ns. Both only where e->noise_at is
 * set (either kind of noise on). barrier_wait: what a thief's barrier waits of victim's
 * detour (ws_platform.h), 0 without noise of the cores' own. */
int      sim_noise_init(struct sim_engine *e, uint64_t seed);
void     sim_noise_free(struct sim_engine *e);
uint64_t sim_noise_due(struct sim_engine *e, uint32_t c, uint64_t now, bool woke);
void     sim_noise_pay(struct sim_engine *e, uint32_t c, struct sproc *p, uint64_t now,
                       bool woke);
uint64_t sim_noise_barrier_wait(struct sim_engine *e, uint32_t thief, uint32_t victim);

/* sim_engine.c */
/* size bytes of zeroed memory, 64-byte aligned, on huge pages where the kernel grants them
 * (for the per-core arrays), or NULL; released with free(). */
void *sim_alloc_wide(size_t size);
void sim_core_schedule(struct sim_engine *e, uint32_t c, uint64_t t);

/* A CPU cost (spawn, send) on core k: ns, or with cost_capacity ns / k's capacity, whole ns
 * with the fraction carried in k->cost_frac. */
static inline uint64_t sim_cpu_cost(const struct sim_engine *e, struct score *k, uint64_t ns)
{
    if (!e->p.cost_capacity || k->cap == 1.0 || ns == 0)
        return ns;
    double t = (double)ns / k->cap + k->cost_frac, whole = floor(t);
    k->cost_frac = t - whole;
    return ws_time_from_double(whole);
}

/* The same for the dispatch, rounded and not carried: a pass that pays the switch and the
 * pass after it that draws it must read the same length. */
static inline uint64_t sim_dispatch_cost(const struct sim_engine *e, const struct score *k)
{
    uint64_t ns = e->p.dispatch_ns;
    if (!e->p.cost_capacity || k->cap == 1.0 || ns == 0)
        return ns;
    return ws_time_from_double(round((double)ns / k->cap));
}
void sim_core_kick(struct sim_engine *e, uint32_t c, uint64_t t);
/* Queue an event at t; a t past the clock limit (ws_time.h) or a full memory fails the run.
 * Every event of the engine goes through here. Returns 0 or -1. */
int sim_push(struct sim_engine *e, uint64_t t, uint32_t kind, uint32_t core, uint64_t data);
int sim_fail(struct sim_engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* sim_exec.c: create a process for rec (spawned by code on core `by`); run cur's phases. */
struct sproc *sim_proc_new(struct sim_engine *e, struct sim_trace_rec *rec,
                           const struct sproc *parent);
/* Execute phases of core c's current process from time now. Returns the time at which the
 * core next needs attention (an EV_CORE was scheduled) or UINT64_MAX when the process left the
 * core (blocked, waiting, exited, preempted). */
uint64_t sim_exec(struct sim_engine *e, uint32_t c, uint64_t now);
/* A RUN segment of core c's process ended at now. */
void sim_exec_run_done(struct sim_engine *e, uint32_t c, uint64_t now);
void sim_exec_timer(struct sim_engine *e, struct sproc *p, uint64_t now);
void sim_proc_free(struct sim_engine *e, struct sproc *p);

/* sim_collect.c */
int  sim_collect_init(struct sim_engine *e);
void sim_collect_busy(struct sim_engine *e, uint32_t c, uint64_t start, uint64_t len);
void sim_collect_queue(struct sim_engine *e, uint32_t c, uint64_t t);
/* thief stole n processes from victim (counted into the sparse steal matrix). */
void sim_collect_steals(struct sim_engine *e, uint32_t thief, uint32_t victim, uint64_t n);
void sim_collect_exit(struct sim_engine *e, struct sproc *p, uint64_t t);
int  sim_collect_finish(struct sim_engine *e);
void sim_collect_free(struct sim_engine *e);

/* sim_bind.c: the binding of params.binding / bind_order. init may replace e->topo by the
 * model in bind order (owned here, freed by sim_bind_free after the scheduler); on_wake is
 * called as a sleeping scheduler wakes and returns the cost in ns of any operating-system move
 * of its thread to pay first (0 for bound schedulers). */
int      sim_bind_init(struct sim_engine *e, char *err, size_t errlen);
void     sim_bind_free(struct sim_engine *e);
uint64_t sim_bind_on_wake(struct sim_engine *e, uint32_t c);

/* sim_engine_tl.c: the timeline (each entry returns at once while it is off). busy: a segment
 * that sim_collect_busy also counts (migrate: the migration cost paid first); steal: an idle
 * core's probes of cost ns from now, which got process `got` or none; wake: core c is woken
 * by waker at t (closing its sleep); finish: the last sleeps, and the metrics' timeline. */
int  sim_tl_init(struct sim_engine *e);
void sim_tl_free(struct sim_engine *e);
void sim_tl_busy(struct sim_engine *e, uint32_t c, uint64_t start, uint64_t len, bool migrate);
void sim_tl_steal(struct sim_engine *e, uint32_t c, uint64_t now, uint64_t cost,
                  const struct sproc *got);
void sim_tl_wake(struct sim_engine *e, uint32_t c, uint32_t waker, uint64_t t);
void sim_tl_queued(struct sim_engine *e, struct sproc *p);
void sim_tl_dispatch(struct sim_engine *e, uint32_t c, struct sproc *p);
void sim_tl_finish(struct sim_engine *e);

#endif
