/* nat_validate.h: the simulator checked against the machine: calibrate the simulator's costs on
 * this host, run a workload natively several times, replay the same workload in the simulator
 * over the model of the same cores over sim_repeat seeds, and compare each metric's mean with its
 * 95% confidence interval.
 *
 * What is calibrated and where it goes (nat_calib.h measures it; every cost is the 20% trimmed
 * mean of repeated trials after a discarded warm-up, trials whose thread was preempted dropped,
 * kept in doubles):
 *   steal  -> steal_probe_ns = steal - the model's core-to-core latency (each probe is
 *             charged latency + steal_probe_ns)
 *   steal_hit -> steal_hit_ns (computed workloads, where the kernel has membarrier: the same
 *             steal from asymmetric deques, as the fast path's workers keep them, less the
 *             plain one; the membarrier a steal pays once it has seen work, charged to a
 *             steal that took a process)
 *   steal_victim -> steal_victim_ns (the same computed workloads: what one such membarrier
 *             costs a thread working on the other CPU, charged to the victim's running process)
 *   busy_victim -> steal_victim_ns instead, where its interval excludes steal_victim, and
 *   busy_thief -> ctx_switch_ns (the stolen process's migration cost), where its interval lies
 *             above 0: the busy time a steal adds to its victim and to its thief in the runs of
 *             the calibration workload between the native runs (each worker's busy time beyond
 *             its dispatches at the cost of its CPU, fitted over its steals as victim and as
 *             thief; nat_calib_steal_victim, nat_calib_steal_thief)
 *   wake   -> wake_ns = the wake-up (a sleeping core's); both are timed across two threads in
 *             wall time, where a loaded host stretches some trials by whole time slices: the
 *             robust estimate is the cost of the hardware, the plain mean that of the load
 *   spawn  -> spawn_ns (the chain: spawn + dispatch + exit of an empty process); for UTS plus
 *             one child's SHA-1, which the native node pays per child it creates
 *   msg    -> msg_ns (a join message to the parent; fib and nqueens send one per process)
 *   msg_remote -> msg_remote_ns (the same arrival from the other core, beyond msg: charged to a
 *             send whose receiver last ran on another core)
 *   replay -> a replayed trace's spawn_ns: the trace run on one worker (robust trials, CPU
 *             time) less the model's one-core cost of it without spawns, per spawn (natively
 *             a spawn reads and registers the child's record under the replay's lock)
 *   proc   -> the generator's work=: the workload itself run on one worker (at least `repeat`
 *             runs, more where a run is cheap), in CPU time per process, so the host's other load is not counted as work (a
 *             smaller instance of the same generator where it has more than NAT_CALIB_MAX_PROCS
 *             processes); work = proc - spawn - msg (each per process), to 0.001 ns (the
 *             generators spread a fraction over the processes in whole ns, sim_gen.h), so a
 *             one-worker simulation costs proc per process to within 0.01 ns.
 *   steal_round -> steal_hit_ns = steal_round - steal, where a run of the calibration workload
 *             on the validated thread count (one before each native run) stole: a steal round
 *             that took a process as the runs pay it (26-38 us on this VM, where the
 *             ping-pong's barrier reads 22-27); else the ping-pong's steal_hit
 *   speed  -> worker k's core capacity (N <= NAT_SPEED_MAX threads): its CPU's per-process
 *             cost against worker 0's, one worker pinned on each before every native run, with
 *             cost_capacity = 1 so that a core's spawns and sends run at its speed too; 1 where
 *             the ratio's 95% interval holds 1
 * Computed workloads are simulated with ws=0: a native process touches a few cache lines, which
 * proc already pays on one worker. Replayed traces keep their own work; spin_ns is the same
 * parameter on both sides. */
#ifndef NAT_VALIDATE_H
#define NAT_VALIDATE_H

#include "native/nat_calib.h"
#include "native/nat_run.h"
#include "sim/util/sim_stats.h"

#define NAT_VALIDATE_METRICS 9
#define NAT_VALIDATE_MAX_REPEAT 100
/* Simulated seeds by default, at least: a simulation costs a fraction of a native run, and a
 * steal count of a few per run is bimodal over seeds (uts:T1 on 2 cores: 7 or 11), so that
 * the mean of as few seeds as native runs moves by a third between sittings. */
#define NAT_VALIDATE_SIM_SEEDS 20
#define NAT_VALIDATE_MAX_RANKS 64     /* cores compared one by one by busy time */
#define NAT_CALIB_MAX_PROCS 5000000

struct nat_validate_opts {
    const char *workload;
    const char *strategy;
    uint32_t threads;             /* 0 = every host core */
    uint32_t repeat;              /* native runs (1..NAT_VALIDATE_MAX_REPEAT; 0 = 5) */
    uint32_t sim_repeat;          /* simulated seeds (1..NAT_VALIDATE_MAX_REPEAT; 0 = the
                                     larger of repeat and NAT_VALIDATE_SIM_SEEDS) */
    uint64_t seed;                /* the simulator's seeds are seed, seed + 1, ... */
    bool paired;                  /* --paired: simulated seed i models native run i % repeat,
                                     its cores slowed by that run's own per-process cost
                                     (nat_validate_result.paired_factor), and each metric gets
                                     the mean of the runs' paired errors */
    struct ws_params params;
    const char *db_path;          /* NULL: store nothing */
    const struct nat_calibration *cal;   /* reuse this calibration (a sweep); NULL: measure */
    int64_t experiment_id;        /* store the runs in this experiment (a sweep's); 0: create
                                     one holding the calibration */
    volatile int *stopped;
    double busy_ipn;              /* replay: the busy loop's rate of one-worker calibration runs
                                     (0: each run measures it); validate sets it itself */
};

struct nat_metric_cmp {
    const char *name;             /* "makespan_ns", "steals", ... */
    double native, sim;           /* the means over the repetitions */
    struct sim_ci native_ci, sim_ci;   /* the same with their 95% intervals */
    double rel_error;             /* (sim - native) / native of the means; NAN when native is 0 */
    double rel_half;              /* its 95% half-width (delta method); NAN with rel_error */
    struct sim_ci paired;         /* --paired: the mean over native runs j of (the mean of the
                                     seeds modelling run j - run j) / run j, with its 95%
                                     interval; n 0 otherwise or where a run read 0 */
    struct sim_dist_cmp dist;     /* the runs' and the seeds' distributions: range, median and
                                     the Kolmogorov-Smirnov gap (x: native, y: simulated) */
};

struct nat_validate_result {
    struct nat_calibration cal;
    struct nat_run_result native;     /* the last native run */
    struct sim_run_summary sim;       /* the last simulated run */
    int64_t native_run_ids[NAT_VALIDATE_MAX_REPEAT], sim_run_ids[NAT_VALIDATE_MAX_REPEAT];
    int64_t sim_run_id;               /* the last one */
    uint32_t repeat;                  /* native runs */
    uint32_t sim_repeat;              /* simulated seeds */
    uint32_t threads;
    double native_wall_s, sim_wall_s; /* summed over the repetitions */
    double quantisation;              /* (work simulated - work exact) / proc: the rounding */
    char sim_trace[600];              /* what the simulator replayed */
    char topology[64];
    struct nat_metric_cmp m[NAT_VALIDATE_METRICS];
    bool paired;                      /* --paired (nat_validate_opts.paired) */
    bool noisy;                       /* the native makespan's half-width exceeds its error */
    bool cpu_off;                     /* the model's CPU time (cpu_ns) is off the runs' by more
                                         than 5% and its interval: its steals differ, or the
                                         per-process cost the runs paid is not the one measured
                                         between them */
    double cpu_off_steals_ns;         /* ... what the steal counts' difference explains of it
                                         (x steal_hit + the model's victim cost,
                                         nat_calib_steal_victim), a run */
    uint32_t nbusy;                   /* cores compared by busy time: min(threads, MAX_RANKS) */
    struct nat_metric_cmp busy[NAT_VALIDATE_MAX_RANKS];   /* busy time of the k-th busiest
                                                             core, native vs simulated */
    double busy_max_error;            /* the largest |rel_error| among them, with its sign */
    double capacity[NAT_VALIDATE_MAX_RANKS];   /* the simulated cores' capacities (the first
                                         nbusy): each CPU's speed over the N-worker factor */
    char db_path[512];                /* where the runs were stored */
    bool db_temp;                     /* ... a temporary database, removed (ids are 0) */
    int64_t experiment_id;            /* the experiment holding them and the calibration */
    double load[3];                   /* the host's load averages after the runs */
    double first_steal_native;        /* ns from the first RUN slice to the first steal, of
                                         one extra native run (0: none) */
    struct sim_ci first_steal_sim;    /* the same over the simulated repetitions */
    struct sim_ci tenth_native[SIM_STEAL_TIMES][SIM_TENTHS];   /* steals by tenth of the
                                         makespan in which they ended, those of the last tenth
                                         by hundredth, and the same of lost races, over the
                                         native runs ... */
    struct sim_ci tenth_sim[SIM_STEAL_TIMES][SIM_TENTHS];      /* ... and the simulated ones:
                                         where in a run the model's counts differ */
    struct nat_cost won_round_native; /* a native steal round that took a process (look,
                                         barrier, CAS): its mean time in each run that stole,
                                         the 20% trimmed mean over those runs ... */
    double won_round_model;           /* ... and the model's: steal_probe_ns + steal_hit_ns */
    uint64_t won_long;                /* the native runs' won rounds over NAT_ROUND_LONG_NS,
                                         left out of their means (a thread descheduled) */
    double won_round_p[3];            /* p10, p50, p90 of every won round of the native runs
                                         (the model's is one constant: won_round_model) */
    double paired_native[NAT_VALIDATE_MAX_REPEAT];   /* --paired: run j's makespan ... */
    double paired_sim[NAT_VALIDATE_MAX_REPEAT];      /* ... the mean of its seeds' */
    double paired_factor[NAT_VALIDATE_MAX_REPEAT];   /* --paired: run j's per-process cost (the
                                         trials just before and after it) over the model's;
                                         1 for a replayed trace, which has no such trials */
    double paired_speed[NAT_VALIDATE_MAX_REPEAT][NAT_SPEED_MAX];   /* --paired: worker k's CPU's
                                         speed in run j's minutes (the unpreempted pairs of
                                         trials just before and after it; the slots' mean where
                                         none was; 1 for worker 0, the reference) */
    double seed_speed[NAT_VALIDATE_MAX_REPEAT][NAT_SPEED_MAX];   /* the speed simulated seed i's
                                         core k runs at in place of the model's mean (its slot's,
                                         or with --paired its run's: nat_validate_cores.c) */
    struct sim_ci sim_noise_busy;     /* host noise the model's cores paid, all cores together, in
                                         runs (part of busy time) ... */
    struct sim_ci sim_noise_steal;    /* ... and before steal rounds (part of steal time) */
    bool timeline;                    /* the native runs record their first slices (that
                                         extra run) */
    struct sim_ci cpu_share;          /* native workers' CPU time / (threads x makespan): below
                                         1 they waited for a CPU or slept, which a simulated
                                         core, always there, does not */
    struct sim_ci run_share_native[NAT_VALIDATE_MAX_RANKS];   /* worker k's share of the run's
                                         dispatches (k < threads, by worker, not by rank) ... */
    struct sim_ci run_share_sim[NAT_VALIDATE_MAX_RANKS];      /* ... and core k's in the model:
                                         on a busy run, its CPU's speed as the run saw it,
                                         against the speed the model gave it */
};

/* Do it. Metrics, in this order: makespan_ns, steals, steal_attempts, migrations, utilization,
 * processes, busy_ns (mean per core), busy_max_mean, cpu_ns (all workers' CPU time: robust to
 * the host's other load, which stretches makespan but not it). With 2 threads or more, one
 * more native run records its first slices for the time to the first steal (every simulation
 * records it). 0, or -1 with a message. */
int nat_validate(const struct nat_validate_opts *o, struct nat_validate_result *r, char *err,
                 size_t errlen);

/* Calibrate for workload on threads workers (0 = every core) without running it: what
 * nat_validate measures when o->cal is NULL. 0, or -1 with a message. */
int nat_validate_calibrate(const struct nat_validate_opts *o, struct nat_calibration *cal,
                           char *err, size_t errlen);

struct nat_workload;

/* What the per-process cost of wl is measured on: wl itself, or a smaller instance of its
 * generator (fib:30, nqueens:12, a UTS tree of the same kind cut to NAT_CALIB_MAX_PROCS nodes)
 * where wl is larger. */
void nat_validate_calib_workload(const struct nat_workload *wl, char *out, size_t len);

/* ---- the database side (nat_validate_db.c) ------------------------------------------------ */

/* A fresh path for a temporary database in $TMPDIR or /tmp (not created). 0, or -1 with err. */
int nat_validate_db_temp(char *path, size_t len, char *err, size_t errlen);

/* Remove the database at path and its -wal and -shm files. */
void nat_validate_db_remove(const char *path);

/* Create the experiment that groups one validate invocation's runs (native and simulated, every
 * repetition and thread count) with the calibration stored once, as its description
 * {"command": "validate", "workload", "strategy", "calibration": {...}}. 0, or -1 with err. */
int nat_validate_experiment(const char *path, const char *workload, const char *strategy,
                            const struct nat_calibration *cal, int64_t *id, char *err,
                            size_t errlen);

/* The calibration changed after runs were stored (the per-process cost re-measured between
 * the native runs): rewrite the experiment's description and the proc_ns its runs carry; with
 * first_run > 0 (a sweep, whose experiment keeps the calibration all its counts share) only
 * the proc_ns of runs first_run..last_run. */
int nat_validate_recalibrated(const char *path, int64_t experiment, const char *workload,
                              const char *strategy, const struct nat_calibration *cal,
                              int64_t first_run, int64_t last_run, char *err, size_t errlen);

/* What each run's params carry as "calibration": the costs given to the model (flat, in ns)
 * and the experiment whose description holds the whole calibration, stored once (malloc'd;
 * NULL when out of memory). */
char *nat_validate_ref_json(const struct nat_calibration *c, int64_t experiment);

/* Put stored run run_id into experiment (nat_run stores without one). 0, or -1 with err. */
int nat_validate_adopt(const char *path, int64_t experiment, int64_t run_id, char *err,
                       size_t errlen);

/* Each of the n cores' busy time of stored run run_id, into busy[0..n) largest first. */
int nat_validate_busy(const char *path, int64_t run_id, uint32_t n, double *busy, char *err,
                      size_t errlen);

/* busy[0..n) largest first. */
void nat_validate_sort_busy(double *busy, uint32_t n);

/* The time from stored run run_id's first RUN slice to its first successful steal into *ns
 * (0: none in the recorded slices). */
int nat_validate_first_steal(const char *path, int64_t run_id, double *ns, char *err,
                             size_t errlen);

/* The per-process cost distribution of stored run run_id's timeline. 0, or -1 with err. */
int nat_validate_dist(const char *path, int64_t run_id, struct nat_dist *d, char *err,
                      size_t errlen);

#endif
