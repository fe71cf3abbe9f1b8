/* nat_validate_int.h: what nat_validate.c (calibration, model, comparison) and
 * nat_validate_run.c (the repetitions of both sides) share. Not for other callers. */
#ifndef NAT_VALIDATE_INT_H
#define NAT_VALIDATE_INT_H

#include "native/nat_validate.h"

#define CALIB_BUDGET_NS 1500000000ull   /* per cost: more trials where a run is cheap */
#define SLOT_MAX_TRIALS 4                /* per-process trials before each native run */

/* What a run of the calibration workload on N workers says of the busy time its steals add
 * to their victims and thieves (nat_calibration.busy_victim, busy_thief): each worker's busy
 * time, dispatches, steals as victim and as thief; the run's steals (0: it stole nothing, or
 * N > NAT_SPEED_MAX: no value) and involuntary switches; and the per-process cost on each
 * worker's CPU in the trials of the same slot (one worker pinned there): busy ns a dispatch,
 * the unit of the runs' busy time and dispatches (a fib process is dispatched about 3 times:
 * it resumes after its joins). */
struct nat_round_busy {
    double busy[NAT_SPEED_MAX], run[NAT_SPEED_MAX];
    double out[NAT_SPEED_MAX], in[NAT_SPEED_MAX];
    double proc[NAT_SPEED_MAX];
    double cpu;                   /* the run's workers' CPU ns, less their idle time awake */
    double procs;                 /* ... and its processes */
    double between;               /* its workers' wall time neither busy nor idle (picks,
                                     housekeeping, wake-ups: beside their busy time) */
    double proc_cpu;              /* the slot's one-worker CPU ns a process (0: none) ... */
    double proc_share;            /* ... and its busy share (nat_busy_run.share) */
    uint64_t steals;
    long switches;
};

/* Every repetition's metrics, both sides. */
struct samples {
    double nat[NAT_VALIDATE_METRICS][NAT_VALIDATE_MAX_REPEAT];
    double sim[NAT_VALIDATE_METRICS][NAT_VALIDATE_MAX_REPEAT];
    double share[NAT_VALIDATE_MAX_REPEAT];   /* native CPU time / (threads x makespan) */
    double first_sim[NAT_VALIDATE_MAX_REPEAT];   /* simulated time to the first steal */
    double noise_busy[NAT_VALIDATE_MAX_REPEAT];  /* simulated host noise, all cores: in runs */
    double noise_steal[NAT_VALIDATE_MAX_REPEAT]; /* ... and before steal rounds */
    double tenth_nat[SIM_STEAL_TIMES][SIM_TENTHS][NAT_VALIDATE_MAX_REPEAT];   /* steals and
                                             lost races by tenth of the run (sim_steal_times) */
    double tenth_sim[SIM_STEAL_TIMES][SIM_TENTHS][NAT_VALIDATE_MAX_REPEAT];
    double won[NAT_VALIDATE_MAX_REPEAT];  /* native: mean time of a steal round that took a
                                             process, of the runs that stole (nwon of them) */
    uint32_t nwon;
    uint64_t won_hist[NAT_ROUND_BINS];   /* native: every won round of every run, pooled */
    uint32_t slot_first[NAT_VALIDATE_MAX_REPEAT + 2];   /* the per-process trials of slot i (before
                                             native run i; slot repeat after the last) are
                                             [slot_first[i], slot_first[i + 1]) */
    struct nat_trial round[NAT_VALIDATE_MAX_REPEAT + 1];   /* the calibration workload's runs
                                             between them on as many workers: each one's mean
                                             won round, the runs that stole (nround) */
    uint32_t nround;
    struct nat_round_busy rbusy[NAT_VALIDATE_MAX_REPEAT + 1];   /* the same runs, those that
                                             stole (nrbusy) */
    uint32_t nrbusy;
    struct nat_trial rate[NAT_VALIDATE_MAX_REPEAT + 1];   /* a replayed trace: each slot's
                                             busy-loop rate on worker 0's CPU over the
                                             calibrated one (nat_calibration.busy_rate) */
    uint32_t nrate;
    struct nat_trial speed[NAT_SPEED_MAX][NAT_VALIDATE_MAX_REPEAT + 1];   /* [k][slot]: the
                                             slot's first trial on worker 0's CPU over one on
                                             worker k's (nat_calibration.speed) */
    /* busy time of the k-th busiest core [k][rep], k < NAT_VALIDATE_MAX_RANKS */
    double busy_nat[NAT_VALIDATE_MAX_RANKS][NAT_VALIDATE_MAX_REPEAT];
    double busy_sim[NAT_VALIDATE_MAX_RANKS][NAT_VALIDATE_MAX_REPEAT];
    /* worker (core) k's share of the dispatches [k][rep], k < NAT_VALIDATE_MAX_RANKS */
    double share_nat[NAT_VALIDATE_MAX_RANKS][NAT_VALIDATE_MAX_REPEAT];
    double share_sim[NAT_VALIDATE_MAX_RANKS][NAT_VALIDATE_MAX_REPEAT];
};

/* nat_validate_cores.c. The model's cores (topo) at each CPU's speed and a replayed trace's
 * busy-loop rate, from the trials between the native runs (into r->cal.speed, busy_rate). */
void nat_validate_speeds(const struct samples *s, struct nat_validate_result *r,
                         struct ws_topo *topo);
/* ... then every core's capacity divided by what N workers pay a dispatch beyond one (the
 * calibration's busy factor), recorded in r->capacity ... */
void nat_validate_slow_by_factor(struct nat_validate_result *r, struct ws_topo *topo);
/* ... and each simulated seed's own CPU speeds (r->seed_speed) and, with --paired, each native
 * run's per-process cost and speeds (r->paired_factor, paired_speed). */
void nat_validate_seed_factors(const struct nat_trial *trials, const struct samples *s,
                               struct nat_validate_result *r);

/* The busy time a dispatch (a factor) and a steal (to its victim, to its thief) on `threads`
 * workers, fitted over the runs s->rbusy into c->busy_factor, busy_victim, busy_thief (n == 0
 * in each where fewer than NAT_COST_MIN_CLEAN runs stole, threads > NAT_SPEED_MAX, or the runs
 * cannot tell the terms apart); nat_validate_fit.c. */
void nat_validate_fit_busy(const struct samples *s, uint32_t threads, struct nat_calibration *c);

/* A one-worker run's busy time: ns a dispatch, and its share of the worker's time not idle
 * (the rest: picks and housekeeping between processes). */
struct nat_busy_run {
    double dispatch;
    double share;
};

/* One one-worker native run of workload without a database: a trial of ns per completed
 * process in the worker's CPU time, with the process's involuntary switches; *busy_run (when
 * not NULL) gets its busy time, *procs the processes and *wall_ns the run's wall
 * time. -1 on failure. */
int nat_validate_proc_trial(const struct ws_topo *host, const char *workload,
                            const struct nat_validate_opts *vo, struct nat_trial *t,
                            struct nat_busy_run *busy_run, uint64_t *procs,
                            uint64_t *wall_ns, char *err, size_t errlen);

/* The per-process cost distribution of workload: one one-worker run recording its timeline
 * into a temporary database, each process's RUN slices summed. 0, or -1 with err. */
int nat_validate_measure_dist(const struct ws_topo *host, const char *workload,
                              const struct nat_validate_opts *vo, struct nat_dist *d, char *err,
                              size_t errlen);

/* nat_calib_busy with the calling thread pinned on cpu (its affinity restored after). */
double nat_validate_busy_on(int32_t cpu);

/* The same trial with its worker on host CPU cpu (the calling thread pinned there for the
 * run, its affinity restored after). 0, or -1 with err. */
int nat_validate_proc_trial_on(const struct ws_topo *host, const char *workload, int32_t cpu,
                               const struct nat_validate_opts *vo, struct nat_trial *t,
                               struct nat_busy_run *busy_run, char *err, size_t errlen);

/* One native run of workload on `threads` workers without a database: a trial of the mean time
 * of its steal rounds that took a process, with the process's involuntary switches, and its
 * busy time against its steals into *b. 1, 0 when no round took a process (no trial), -1 on
 * failure. */
int nat_validate_round_trial(const struct ws_topo *host, const char *workload, uint32_t threads,
                             const struct nat_validate_opts *vo, struct nat_trial *t,
                             struct nat_round_busy *b, char *err, size_t errlen);

/* The busy time per process of workload on one worker alone (*alone) and, as a factor of it,
 * on `threads` workers of one runtime each running a copy of its own with stealing off
 * (nat_validate_corun.c): trials alone and beside in turn, *beside = *alone x the robust mean of
 * the paired ratios; n == 0 in both when threads < 2. 0, or -1 with err. */
int nat_validate_corun(const struct nat_validate_opts *vo, const struct ws_topo *host,
                       uint32_t threads, const char *workload, struct nat_cost *alone,
                       struct nat_cost *beside, char *err, size_t errlen);

/* The native repetitions on host CPUs cpus[0..r->threads), with the per-process trials around
 * them when trials is not NULL (room for (repeat + 1) x SLOT_MAX_TRIALS; *ntrials counts
 * them) and the host's noise on those CPUs measured around them into r->cal.noise. 0, or -1
 * with err. */
int nat_validate_run_natives(const struct nat_validate_opts *o, const struct ws_topo *host,
                             const int32_t *cpus, const char *cal_json,
                             struct nat_validate_result *r,
                             struct samples *s, struct nat_trial *trials, uint32_t *ntrials,
                             char *err, size_t errlen);

/* The simulated repetitions of r->sim_trace with sp on topo. 0, or -1 with err. */
int nat_validate_run_sims(const struct nat_validate_opts *o, const struct ws_topo *topo,
                          const char *cal_json, const struct ws_params *sp,
                          struct nat_validate_result *r, struct samples *s, char *err,
                          size_t errlen);

/* One extra native run recording its first slices: r->first_steal_native. 0, or -1. */
int nat_validate_first_steal_native(const struct nat_validate_opts *o,
                                    const struct ws_topo *host, struct nat_validate_result *r,
                                    char *err, size_t errlen);

/* The busy time of all cores of a simulation of trace on topo with p (one core: the model's
 * whole cost of the trace). -1 with err on failure. */
double nat_validate_sim_busy(const struct ws_topo *topo, const struct ws_params *p,
                             const char *strategy, const char *trace, uint64_t seed, char *err,
                             size_t errlen);

#endif
