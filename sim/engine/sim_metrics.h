/* sim_metrics.h: everything measured in one run (simulated or native), as plain data that the
 * runner fills in and sim_db_write_run stores; it maps one-to-one onto results/schema.sql.
 *
 * Conventions: times are nanoseconds (simulated time for mode "sim", wall time for "native");
 * counters are uint64_t and must stay below 2^63 (SQLite integers are signed; larger values
 * are refused by the schema's CHECKs); arrays are owned by whoever filled the struct (the
 * database code only reads them); a NULL array with a zero count means "not recorded". Core
 * indexes are 0..ncores-1 of the run's topology; timeseries, steal-matrix and process rows that
 * name another core make the write fail (foreign keys). Invariants the schema checks:
 * steal_attempts >= steals, percentiles p50 <= p95 <= p99, sleep_ns <= idle_ns, a core never
 * steals from itself, utilisations within 0..1. */
#ifndef SIM_METRICS_H
#define SIM_METRICS_H

#include "sim/engine/sim_timeline.h"

#include <stddef.h>
#include <stdint.h>

/* Why a steal attempt failed; one counter each (a successful steal is counted in `steals`).
 * The names stored in SQLite are sim_db_steal_fail_name(). */
enum sim_steal_fail {
    SIM_STEAL_FAIL_EMPTY = 0,     /* the victim had nothing to steal */
    SIM_STEAL_FAIL_LOST_RACE,     /* another thief (or the owner) got the item first */
    SIM_STEAL_FAIL_AFFINITY,      /* denied: the item may not run on the thief's core */
    SIM_STEAL_FAIL_COOLDOWN,      /* denied: stole from this victim too recently */
    SIM_STEAL_FAIL_THRESHOLD,     /* denied: victim queue too short / imbalance below threshold */
    SIM_STEAL_FAIL_COST,          /* denied: migration cost exceeds its benefit */
    SIM_STEAL_FAIL_RATE_LIMIT,    /* denied: per-process, per-core or system migration limit */
    SIM_STEAL_FAIL_COUNT
};

/* Parts of a run its steals are counted by (sim_run_summary.steals_by_tenth). */
#define SIM_TENTHS 10

/* How far a migration moved a process (the nearest level the two cores share). */
enum sim_dist {
    SIM_DIST_SMT = 0,   /* SMT sibling of the same physical core */
    SIM_DIST_CLUSTER,   /* another core of the same cluster */
    SIM_DIST_NODE,      /* another cluster of the same NUMA node */
    SIM_DIST_REMOTE,    /* another NUMA node */
    SIM_DIST_COUNT
};

enum sim_run_mode {
    SIM_MODE_SIM = 0,   /* discrete-event simulation */
    SIM_MODE_NATIVE,    /* real threads on the host */
    SIM_MODE_BEAM       /* the Erlang VM, recorded (schedlab beam validate) */
};

/* What was run. Strings are borrowed (NUL-terminated, not NULL unless said otherwise). */
struct sim_run_desc {
    int64_t experiment_id;        /* 0 = not part of an experiment, else experiments.id */
    const char *trace;            /* trace name: file path or generator spec ("fib:25") */
    const char *trace_checksum;   /* hex digest of the trace bytes or spec; NULL = unknown */
    const char *topology;         /* topology name or file */
    const char *strategy;         /* victim strategy name */
    const char *params_json;      /* every parameter of the run as one JSON object; NULL = "{}" */
    uint64_t seed;
    enum sim_run_mode mode;
    const char *tool_version;     /* schedlab version string */
    int64_t start_unix_ns;        /* wall-clock start, ns since the Unix epoch; 0 = now */
    double wall_s;                /* wall-clock duration of the run, seconds */
    uint64_t timeseries_interval_ns; /* sampling interval of `timeseries` (0 = none recorded) */
};

/* Whole-run totals and distributions. */
struct sim_run_summary {
    uint64_t makespan_ns;         /* first spawn to last exit */
    uint64_t processes;           /* processes that ran to completion */
    uint64_t events;              /* simulator events handled (0 for native runs) */
    uint64_t steals;              /* successful steals */
    uint64_t steal_attempts;      /* steals + every failed attempt */
    /* When the steals ended, by tenth of the makespan, and those of the last tenth by
     * hundredth; the same for the attempts that lost their race (sim_tclock_tenths; reported,
     * not stored). */
    uint64_t steals_by_tenth[SIM_TENTHS], steals_last_tenth[SIM_TENTHS];
    uint64_t lost_by_tenth[SIM_TENTHS], lost_last_tenth[SIM_TENTHS];
    uint64_t steal_fail[SIM_STEAL_FAIL_COUNT];  /* failed attempts by reason */
    uint64_t migrations[SIM_DIST_COUNT];        /* migrations by distance class */
    uint64_t migration_cost_ns;   /* total time charged to processes for migrating */
    uint64_t preemptions;         /* reduction-budget expiries that requeued a process */
    uint64_t dispatches;          /* processes started on a core (picked, stolen or woken),
                                     over all cores (simulated runs) */
    uint64_t messages;            /* messages delivered */
    uint64_t stuck_processes;     /* processes left waiting at the end (deadlock); 0 normally */
    double utilization;           /* mean over cores of busy / makespan, 0..1 */
    uint64_t wait_p50_ns, wait_p95_ns, wait_p99_ns;   /* spawn -> first run */
    uint64_t resp_p50_ns, resp_p95_ns, resp_p99_ns;   /* spawn -> exit */
    double energy_j;              /* energy estimate from the topology's power model */
    /* Raw counts behind the derived metrics (summed over cores by sim_metrics_add_core). */
    uint64_t migrations_considered; /* migration decisions of the policy: every cost/benefit or
                                       rate-limit decision, committed or not */
    int64_t migration_cost_est_ns;  /* sum of the cost model's estimate (all five terms, so
                                       negative for a move to a faster core) of each committed
                                       migration */
    uint64_t balance_moves;         /* processes the periodic balancer moved: placed along its
                                       paths at enqueue, or pulled by a core run dry (the pulls
                                       are also migrations; core/ws_balance.c) */
    /* Derived from the rest by sim_metrics_derive (0 where the denominator is 0). */
    double migration_rate_per_s;    /* committed migrations per second of makespan */
    double migration_success_rate;  /* committed migrations / migrations_considered */
    double migration_cost_avg_ns;   /* migration_cost_est_ns / committed migrations */
    double busy_cv;                 /* coefficient of variation of per-core busy_ns:
                                       population standard deviation / mean (0 = even) */
    double busy_max_mean;           /* max per-core busy_ns / mean (1 = even) */
    double steal_success_rate;      /* steals / steal_attempts */
};

/* The steal-time series of a summary: steals by tenth, steals of the last tenth by hundredth,
 * lost races by tenth, lost races of the last tenth by hundredth (SIM_TENTHS counts each);
 * sim_steal_times_key names them in --json. */
#define SIM_STEAL_TIMES 4
extern const char *const sim_steal_times_key[SIM_STEAL_TIMES];
const uint64_t *sim_steal_times(const struct sim_run_summary *s, int series);

/* Per-core totals. busy + idle + steal is the core's share of the makespan. */
struct sim_core_stats {
    uint64_t busy_ns;             /* running processes (including migration cost charged) */
    uint64_t idle_ns;             /* spinning or sleeping with nothing to run */
    uint64_t steal_ns;            /* probing victims and stealing */
    uint64_t sleep_ns;            /* part of idle_ns spent asleep (after the spin period) */
    uint64_t wakeups;             /* times the core was woken from sleep */
    uint64_t processes_run;       /* process dispatches on this core (a slice each) */
    uint64_t steals_in;           /* successful steals by this core (as thief) */
    uint64_t steals_out;          /* successful steals from this core (as victim) */
    uint64_t steal_attempts;      /* attempts by this core as thief */
    uint64_t noise_ns;            /* part of busy_ns that host noise took (noise_gap_ns,
                                     noise_ns; 0 natively, where it is in every time) */
    uint64_t noise_steal_ns;      /* ... and part of steal_ns: detours a core paid before its
                                     steal round, when it ran out of work */
    char kind[8];                 /* core kind: "P", "E" or "other" */
    uint32_t cluster;             /* cluster index in the topology */
    uint32_t node;                /* NUMA node index */
};

/* One timeseries sample: core `core` over the interval that ends at t_ns. */
struct sim_ts_sample {
    uint32_t core;
    uint64_t t_ns;
    double utilization;           /* busy fraction of the interval, 0..1 */
    uint32_t queue_len;           /* runnable processes queued on the core at t_ns */
};

/* One process (only with --per-process). Times that never happened are UINT64_MAX and a core
 * it never ran on is UINT32_MAX (both stored as NULL). */
struct sim_proc_row {
    uint64_t pid;
    uint64_t spawn_ns;
    uint64_t first_run_ns;
    uint64_t end_ns;
    uint64_t wait_ns;             /* total time runnable but not running */
    uint32_t core_last;           /* core it ran on last, or UINT32_MAX */
    uint32_t migrations;
};

/* Everything for one run. The runner owns the arrays. */
struct sim_run_metrics {
    struct sim_run_desc run;
    struct sim_run_summary summary;
    uint32_t ncores;
    struct sim_core_stats *cores;      /* [ncores]; required (ncores >= 1) */
    uint64_t *steal_matrix;            /* [ncores * ncores], [thief * ncores + victim]; NULL = none.
                                          Only non-zero cells are stored. */
    struct sim_ts_sample *timeseries;  /* [ntimeseries] */
    size_t ntimeseries;
    struct sim_proc_row *procs;        /* [nprocs] */
    size_t nprocs;
    /* The schedule (only with --timeline; timeline_max 0 = not recorded): ntimeline slices
     * kept of at most timeline_max, timeline_dropped more cut from timeline_cut_ns on. */
    const struct sim_tl_slice *timeline;
    size_t ntimeline, timeline_max;
    uint64_t timeline_dropped, timeline_cut_ns;
};

struct ws_core_stats;

/* Add the raw counts of one core's scheduler statistics that the derived metrics need
 * (migrations considered, the summed cost estimate) to s. Called per core by the drivers. */
void sim_metrics_add_core(struct sim_run_summary *s, const struct ws_core_stats *ws);

/* Compute the derived metrics of m->summary (migration rate, success rate and average cost,
 * the load-balance quality of m->cores, steal success rate) from the counts already in m.
 * Both drivers call it once their metrics are complete, before storing or printing. */
void sim_metrics_derive(struct sim_run_metrics *m);

#endif
