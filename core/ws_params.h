/* ws_params.h: every tunable of schedlab in one struct, described by a table so that any of
 * them can be set by name (`--param name=value`, JSON files) and recorded with each run.
 *
 * Nothing here is a compile-time constant: sweeps vary any field. Defaults follow the source
 * documents (MIN_STEAL_QUEUE_SIZE 2, LOAD_IMBALANCE_THRESHOLD 2, STEAL_RETRY_LIMIT 3,
 * MAX_MIGRATIONS_PER_PROCESS 100, load weights 4/3/2/1) or, for costs, the middle of the
 * ranges they give (context switch 100-200 cycles, cache refill 100-300 cycles per miss,
 * remote memory 200-500 cycles, cross-NUMA 1000+ cycles) converted at 3 GHz.
 *
 * Every number has a range, in the table of ws_params.c (printed by `schedlab replay --help`)
 * and enforced by ws_params_set, the only way values come in from outside (command line,
 * compare's sweeps, plan files): every `*_ns` value lies in 0..2^53 (ws_time.h), counts and
 * weights in 0..10^6, search effort per idle round is bounded (steal_retries <= 1024,
 * p2c_choices <= 64), so no accepted value can wrap simulated time or make one step unbounded. */
#ifndef WS_PARAMS_H
#define WS_PARAMS_H

#include "core/ws_common.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ws_steal_amount { WS_STEAL_ONE = 0, WS_STEAL_HALF };
enum ws_wake_place { WS_WAKE_LAST = 0, WS_WAKE_WAKER };
enum ws_pick_order { WS_PICK_LIFO = 0, WS_PICK_FIFO };
enum ws_wake_at { WS_WAKE_AT_ENQUEUE = 0, WS_WAKE_AT_SWITCH };
enum ws_mig_policy { WS_MIG_CONSERVATIVE = 0, WS_MIG_AGGRESSIVE, WS_MIG_ADAPTIVE, WS_MIG_NUMA,
                     WS_MIG_OFF };

struct ws_params {
    /* stealing rules */
    uint64_t min_steal_queue;      /* victim must have at least this many waiting processes */
    uint64_t wake_queue;           /* a sleeper is woken for work when a core has this many
                                      waiting; 0 = min_steal_queue's count */
    uint64_t imbalance_threshold;  /* steal only if victim load - thief load > this */
    uint64_t steal_cooldown_ns;    /* minimum time between steals from the same victim */
    uint64_t steal_retries;        /* victim choices per idle round */
    uint32_t steal_amount;         /* enum ws_steal_amount */
    uint64_t steal_batch_max;      /* cap on a steal-half batch */
    uint64_t p2c_choices;          /* d of the power-of-d-choices strategy */
    /* load and priorities */
    uint64_t load_w_max, load_w_high, load_w_normal, load_w_low;
    uint64_t low_every;            /* a waiting low process runs after this many normal picks */
    uint64_t time_slice_ns;        /* run budget before preemption (BEAM's reductions) */
    uint32_t wake_placement;       /* enum ws_wake_place */
    uint32_t pick_order;           /* enum ws_pick_order: the owner takes its newest waiting
                                      process (lifo) or its oldest (fifo, BEAM's run queues) */
    uint32_t wake_at;              /* enum ws_wake_at: work a core queues for itself wakes a
                                      sleeper at once (enqueue) or when the core next switches
                                      processes (switch: BEAM's wakeup_other, in schedule()) */
    uint64_t wake_every;           /* wake_at switch: a core looks at every switch (1) for the
                                      work it queued since, or at every Nth switch (N > 1) for
                                      whatever then waits on it, queued since or not: the
                                      native fast path's housekeeping (every 16 picks) */
    /* balancer */
    uint64_t balance_interval_ns;  /* period of the check_balance pass; 0 = off (strategy beam:
                                      its own period, ws_victim_beam.c) */
    uint64_t balance_compact;      /* 1: compaction of load, as BEAM's +scl (ws_balance.c) */
    /* migration policy */
    uint32_t migration_policy;     /* enum ws_mig_policy; setting it loads its preset */
    double   migration_factor;     /* migrate when benefit > cost * factor */
    uint64_t max_migrations;       /* per process */
    uint64_t core_migrations_per_s;   /* into one core per second; 0 = unlimited */
    uint64_t system_migrations_per_s; /* whole machine per second; 0 = unlimited */
    uint64_t burst_max;            /* storm guard: at most this many migrations per core of the
                                      machine ... */
    uint64_t burst_window_ns;      /* ... within this window; 0 = off */
    double   numa_cost_scale;      /* extra multiplier on cross-node costs (policy numa) */
    /* migration cost terms (ns) */
    uint64_t ctx_switch_ns;
    uint64_t refill_l2_ns, refill_l3_ns, refill_mem_ns; /* per cache line refilled from there */
    uint64_t remote_mem_ns;        /* per line touched remotely, scaled by (distance - 10) / 10 */
    uint64_t numa_migration_ns;    /* fixed cost of moving across NUMA nodes */
    /* scheduler binding (ws_bind.h) */
    uint32_t binding;              /* enum ws_bind_kind: none|static|dynamic|hybrid|pcores */
    uint32_t bind_order;           /* enum ws_bind_order: BEAM's +sbt orders */
    uint64_t os_migrate_pct;       /* chance in percent that the OS moves a waking unbound
                                      scheduler (simulated) */
    /* simulated machine (ignored natively) */
    uint64_t spin_ns;              /* idle core spins this long before sleeping */
    uint64_t wake_ns;              /* cost of waking a sleeping core */
    uint64_t spin_wake_ns;         /* mean time a spinning core takes to come for work (drawn
                                      exponentially per wake; 0: at once). A spinning core is
                                      awake: it is told of any work it may steal
                                      (min_steal_queue), not only of a wake_queue backlog, and
                                      comes after the draw, or not at all when it would sleep
                                      first; woken (a backlog, its own queue) it comes after
                                      the draw or wake_ns, whichever is less */
    uint64_t spawn_ns;             /* cost of a spawn to the spawner */
    uint64_t msg_ns;               /* cost of a send to the sender */
    uint64_t msg_remote_ns;        /* extra cost of a send whose receiver last ran on another
                                      core: the line transfer a native join's RMW pays */
    uint64_t dispatch_ns;          /* cost to a core of each process it starts running: a
                                      runtime's switch between slices. When the core's process
                                      has just left it, paid before the next pick (the switch
                                      comes first, as BEAM's schedule(); other cores may take
                                      the work meanwhile, and a core that then finds none was
                                      idle, not busy); when the core was idle, at the pick */
    uint64_t steal_probe_ns;       /* extra per steal attempt on top of core-to-core latency */
    uint64_t steal_hit_ns;         /* a steal's barrier, natively the membarrier of a steal
                                      from an asymmetric deque: paid by a thief that saw work
                                      on its victim, before it takes (in the simulator's time,
                                      ws_sched_set_steal_barrier) */
    uint64_t steal_victim_ns;      /* ... and by the victim core's running process (the
                                      membarrier interrupts it) */
    uint64_t noise_gap_ns;         /* host noise: mean time between the detours of a core's
                                      thread (the OS or hypervisor taking its CPU), drawn
                                      exponentially per core while it is busy; 0: no noise */
    uint64_t noise_ns;             /* ... and a detour's mean length (exponential), charged to
                                      the process the core dispatches next (sim_engine.c) */
    uint64_t noise_shared_gap_ns;  /* machine-wide detours, on every core at the same time for
                                      the same length: mean simulated time between them
                                      (exponential); 0: none */
    uint64_t noise_shared_ns;      /* ... and their mean length (exponential) */
    uint64_t sample_interval_ns;   /* timeseries interval to start from (0: 1 us); it doubles
                                      while 128 do not cover the run */
    uint64_t max_events;           /* a replay stops with an error after this many events */
    uint64_t zero_overheads;       /* 1: every cost above and all latencies are zero */
    uint64_t no_preempt;           /* 1: run phases run to completion */
    uint64_t cost_capacity;        /* 1: spawn_ns, msg_ns, msg_remote_ns and dispatch_ns are
                                      divided by the core's capacity (the fraction carried per
                                      core), as validate models a host whose CPUs differ in
                                      speed; 0: the same ns on every core */
    uint64_t runtime_known;        /* 1: ws_proc.expected_ns holds a process's run time from
                                      its trace; 0: left unknown (the migration check then
                                      assumes a time slice), as for native computed workloads,
                                      whose processes carry no phases */
};

enum ws_param_type { WS_PARAM_U64, WS_PARAM_F64, WS_PARAM_ENUM };

struct ws_param_desc {
    const char *name;
    enum ws_param_type type;
    size_t offset;
    const char *const *choices;   /* WS_PARAM_ENUM: NULL-terminated names */
    const char *doc;
    double lo, hi;                /* WS_PARAM_U64 and WS_PARAM_F64: the accepted range */
    bool sim_only;                /* read by the simulator alone: a native run, which pays the
                                     host's own costs, ignores it (native warns) */
};

/* Default event cap of a replay: the engine handles about 10-15 M events/s, so this bounds a
 * run to about 2-3 minutes; a larger run is asked for with --param max_events=N. */
#define WS_PARAMS_MAX_EVENTS_DEFAULT UINT64_C(2000000000)

/* Fill p with the defaults. */
void ws_params_defaults(struct ws_params *p);

/* Number of parameters and the i-th description (i < count). */
size_t ws_params_count(void);
const struct ws_param_desc *ws_params_desc(size_t i);
const struct ws_param_desc *ws_params_find(const char *name);

/* Set the parameter `name` from text (decimal, with k/M/G suffixes for integers, or a choice
 * name). Setting migration_policy also loads that policy's preset values. WS_EINVAL with a
 * message in err (unknown name, not a number, outside the parameter's range, stated in the
 * message) leaves p unchanged. */
ws_status ws_params_set(struct ws_params *p, const char *name, const char *value, char *err,
                        size_t errlen);

/* The accepted values of d as text ("0..2^53", "1..64", "one|half"). Returns buf. */
char *ws_params_range_text(const struct ws_param_desc *d, char *buf, size_t len);

/* Write the value of parameter i of p as text ("2", "0.5", "half"). Returns buf. */
char *ws_params_format(const struct ws_params *p, size_t i, char *buf, size_t len);

/* Whether parameter i of p differs from its default, as text (ws_params_format). */
bool ws_params_changed(const struct ws_params *p, size_t i);

/* Apply zero_overheads (the pure model of scheduling theory): zero every cost and latency term
 * and lift the migration rate limits. Called by drivers before a run. */
void ws_params_apply_zero_overheads(struct ws_params *p);

#endif
