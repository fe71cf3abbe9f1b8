/* nat_calib.h: quick measurements of the host that turn into simulator parameters and into the
 * native replay's busy work: the rate of the busy loop, the latency of a steal between two
 * cores, the latency of a futex wake-up, and the cost of one spawn. Each takes a few ms. */
#ifndef NAT_CALIB_H
#define NAT_CALIB_H

#include "native/nat_topo.h"

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

/* The busy loop of replayed RUN phases: `iters` dependent multiply-adds (never optimised
 * away). */
static inline void nat_busy(uint64_t iters)
{
    uint64_t x = iters;
    for (uint64_t i = 0; i < iters; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        __asm__ __volatile__("" : "+r"(x));
    }
}

/* A measured cost in ns (doubles, so sub-nanosecond costs keep their fraction), estimated
 * robustly: a warm-up trial is run first and discarded, trials during which the timing thread was
 * preempted (getrusage ru_nivcsw rose more than in the calmest trial) are dropped, and the rest are summarised by their 20%
 * trimmed mean, so one trial a loaded host stretched by a time slice does not move the cost.
 * n == 0: not measured (the host cannot, e.g. one core has no steal between two cores). */
struct nat_cost {
    double ns;                    /* 20% trimmed mean of the kept trials */
    double half;                  /* its 95% half-width (Tukey-McLaughlin, winsorised sd) */
    double median;
    uint32_t n;                   /* trials kept */
    uint32_t preempted;           /* trials that saw an involuntary context switch */
    uint32_t dropped;             /* ... of which dropped (all are, unless fewer than
                                     NAT_COST_MIN_CLEAN would remain: then none is) */
    uint32_t tries;               /* measurements made of it (nat_cost_settle), 0 or 1 where it
                                     was measured once */
    bool unsettled;               /* nat_cost_settle: none of them settled */
};

/* One trial of a cost: its value and the involuntary context switches (ru_nivcsw) its threads
 * saw. A trial counts as preempted when it saw more than the fewest any trial saw: setting up a
 * trial may switch structurally (pinning a new thread to another CPU is one), which every
 * trial pays alike. */
struct nat_trial {
    double v;
    long switches;
};

#define NAT_COST_MIN_CLEAN 3
#define NAT_COST_TRIM 0.2

/* The robust cost of trials t[0..n) (see struct nat_cost; nat_cost.c); the warm-up is not among
 * them. */
struct nat_cost nat_cost_robust(const struct nat_trial *t, uint32_t n);
/* The same with the preempted trials kept (preempted counts them, dropped is 0): for a cost in
 * CPU time, which a preemption does not stretch by its wait. Where nearly every trial saw a
 * switch, the few that nat_cost_robust keeps are a chance sample: the per-process cost between
 * the native runs kept 3-20 of 121 trials in half of 16 validations, and read the runs' cost
 * 4.9% off on average at one thread where all of them read 2.8% off (README). */
struct nat_cost nat_cost_all(const struct nat_trial *t, uint32_t n);
/* How many of n sorted values the trimmed mean leaves out at each end (NAT_COST_TRIM of them). */
uint32_t nat_cost_trim(uint32_t n);
/* Whether nat_cost_robust keeps trial t[i] of t[0..n): not preempted (no more involuntary
 * switches than the fewest any trial saw), or every trial kept where fewer than
 * NAT_COST_MIN_CLEAN saw no more (then all were stretched alike). */
bool nat_trial_kept(const struct nat_trial *t, uint32_t n, uint32_t i);

/* Involuntary context switches so far of the calling thread (thread = true) or of the whole
 * process; compare two readings to tell whether a trial was preempted. */
long nat_calib_nivcsw(bool thread);

/* Iterations of nat_busy per ns of the calling thread's CPU time (a robust estimate over
 * 15 runs of ~0.3 ms after a warm-up). */
double nat_calib_busy(void);

/* One steal of a freshly pushed item between threads pinned to host CPUs a and b (a ping-pong
 * of Chase-Lev deques, half a round trip), over several trials. asym: the deques in the
 * asymmetric mode the native fast path runs its deques in (core/ws_deque.c (E)), so each steal
 * pays its membarrier, as a steal from a fast-path worker does; ignored where membarrier is
 * unavailable. n == 0 if a thread cannot start or a == b. */
struct nat_cost nat_calib_steal(int32_t cpu_a, int32_t cpu_b, bool asym);

/* From futex_wake on CPU a to the sleeper on CPU b running again. n == 0 on failure. */
struct nat_cost nat_calib_wake(int32_t cpu_a, int32_t cpu_b);

/* From a push and wake on CPU a to a spinning waiter on CPU b seeing the pushed line (a
 * spinning worker's wake-up, to its steal's look). n == 0 on failure. */
struct nat_cost nat_calib_spin_wake(int32_t cpu_a, int32_t cpu_b);

/* A join message: one relaxed read-modify-write of a parent's join counter and accumulator on
 * the calling thread (what nat_join_arrive does when the parent's line is local). */
struct nat_cost nat_calib_msg(void);

/* A join arrival from the other core: thread 0 pinned to CPU a sets up joins (a store to each
 * join's line, as nat_join_expect), thread 1 pinned to b arrives at each (a read of its owner,
 * then the acq_rel RMW of nat_join_arrive_remote), its time beyond the same arrivals on lines
 * of its own: the cache-line transfer an arrival off the join's owner pays. Wall time of
 * pinned spinning threads, trials where the process was preempted dropped. The first remote
 * arrival's request to the owner and the owner's flush are not in it. n == 0 if a == b or a
 * thread cannot start. */
struct nat_cost nat_calib_msg_remote(int32_t cpu_a, int32_t cpu_b);

/* What one membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) from CPU a costs a thread running
 * on CPU b (the victim of a steal from an asymmetric deque: the barrier interrupts every CPU
 * running a thread of the process): paired runs of about 4 ms of nat_busy work on b, in 250 ns
 * chunks with a clock read after each, without and with barriers sent from a every 50 us; the
 * difference in wall time per barrier, each run's wall time less the host's detours (the
 * gaps between reads that overlap no barrier's call). So the barrier's own gap and the slower
 * work after it count, and the host's detours do not: as a plain wall-time difference it read
 * 11-31 us from sitting to sitting, the detours of 4 ms runs over 40 barriers. n == 0 if
 * a == b, a thread cannot start, or the kernel has no such membarrier. *caller gets the
 * sender's side of the same barriers: the mean time of a call, one every 50 us while the victim
 * computes, as a worker's steals come (a ping-pong's back-to-back barriers read 15-30% less). */
struct nat_cost nat_calib_barrier_victim(int32_t cpu_a, int32_t cpu_b, double iters_per_ns,
                                         struct nat_cost *caller);

/* One UTS child: a SHA-1 of 24 bytes (nat_uts_child), the cost a UTS node pays per child. */
struct nat_cost nat_calib_uts_child(void);

/* x[0..n) as a cost, none of them preempted (nat_cost_robust). */
struct nat_cost nat_cost_of(const double *x, uint32_t n);

/* A cost is settled when its 95% half-width is at most NAT_COST_SETTLED of its value (or it
 * could not be measured at all: n == 0). An unsettled one is no measurement: a burst of the
 * host's detours during it left more trials stretched than the trimmed mean drops (uts:T3's
 * barrier to its victim once read 624 ± 1,328 us, its median 13.9 us, against 7.5 ± 1.3 us
 * minutes before), and the model would charge it to every steal. */
#define NAT_COST_SETTLED 0.5
#define NAT_COST_TRIES 5
#define NAT_COST_RETRY_NS 200000000   /* pause before measuring again: a burst lasts seconds */
bool nat_cost_settled(const struct nat_cost *c);

/* One measurement of a cost (and, where it makes two at once, the second into *side). */
typedef struct nat_cost (*nat_cost_probe)(void *ctx, struct nat_cost *side);
/* Whether a measurement agrees with what else is known of it (a settled interval can still be
 * a burst that lasted the whole measurement: then its value is far from another measure of the
 * same thing). */
typedef bool (*nat_cost_agrees)(void *ctx, const struct nat_cost *c, const struct nat_cost *side);

/* probe(ctx) until its cost is settled and agrees (agrees may be NULL: every cost agrees), at
 * most NAT_COST_TRIES times, pausing NAT_COST_RETRY_NS before each retry; the first that does,
 * else the one of the narrowest interval relative to its value among those that agree (all of
 * them where none does) marked unsettled. With its *side when side is not NULL, and its tries
 * set to the measurements made. */
struct nat_cost nat_cost_settle(nat_cost_probe probe, nat_cost_agrees agrees, void *ctx,
                                struct nat_cost *side);

/* The distribution of one process's cost on one worker: its RUN slices of a native timeline
 * summed, over the processes of the calibration workload (the first NAT_DIST_SLICES slices of
 * it). Wall ns, each slice's clock reads in it (tens of ns in a VM): its shape, read relative
 * to its median, is the workload's; its level is above proc (CPU time, no timeline). mean and
 * cv are over the processes up to the 99th percentile. */
#define NAT_DIST_Q 6              /* quantiles 10, 25, 50, 75, 90, 99 % */
#define NAT_DIST_SLICES (1u << 18)
struct nat_dist {
    uint64_t n;                   /* processes; 0: not measured */
    double mean, cv;              /* mean and coefficient of variation (sd / mean) */
    double q[NAT_DIST_Q];
    double max;
};

/* What validate's model of the host is made of. Every cost is measured (n > 0) unless the host
 * cannot measure it; nothing is taken from ws_params defaults. */
/* Host noise (nat_noise.c): detours, gaps between consecutive clock reads longer than
 * NAT_NOISE_MIN_NS, of a loop pinned to each of the run's CPUs, summed over CPUs and slices. */
#define NAT_NOISE_MIN_NS 1000u
struct nat_noise {
    double observed_ns;           /* the loops' time, all CPUs together */
    uint64_t detours;
    double detour_ns;             /* ... their total */
    double max_ns;                /* the longest */
    double off_cpu_ns;            /* time the loops' threads were off their CPUs (the rest of
                                     the detours counts as their CPU time) */
    uint64_t shared_detours;      /* of the detours, those that every other CPU was in a
                                     detour for a part of (machine-wide), each CPU's counted */
    double shared_ns;             /* ... their total */
    uint32_t slices;              /* measurements added */
};

/* Add a measurement of dur_ns on cpus[0..n) at once (one pinned thread each) to *acc.
 * 0, or -1 when a thread cannot start or memory ran out (acc unchanged). */
int nat_noise_measure(const int32_t *cpus, uint32_t n, uint64_t dur_ns, struct nat_noise *acc);

/* Of n CPUs' detours (span[c][0 .. nspan[c]): each [start, end) in one clock, CPU c's apart),
 * add those that every other CPU was in a detour for a part of to acc->shared_detours and
 * acc->shared_ns: machine-wide detours (nat_noise.c). 0, or -1 when memory ran out. */
int nat_noise_classify(uint32_t n, const uint64_t (*const *span)[2], const size_t *nspan,
                       struct nat_noise *acc);

/* The mean time between a CPU's own detours (their ends to the next start) and their mean
 * length, and the same of its machine-wide ones (that every other CPU was in a detour for a part
 * of); 0 when there was none (no machine-wide ones with one CPU). */
double nat_noise_gap_ns(const struct nat_noise *z);
double nat_noise_mean_ns(const struct nat_noise *z);
double nat_noise_shared_gap_ns(const struct nat_noise *z);
double nat_noise_shared_mean_ns(const struct nat_noise *z);

/* What a per-process cost measured in CPU time is multiplied by for a model whose cores also
 * pay these detours: (1 - all detours' share of the time) / (1 - the off-CPU share). CPU time
 * includes the detours a thread spends on its CPU (a hypervisor's, an interrupt's), so the cost
 * holds them spread evenly; the model pays them as detours instead. 1 without detours. */
double nat_noise_work_factor(const struct nat_noise *z);

/* A replayed trace's cost per spawn in a model whose cores pay c->noise as detours: replay less
 * the detours its trials' CPU time held, spread over the spawns, as nat_noise_work_factor
 * takes them out of a computed workload's per-process cost. */
struct nat_calibration;
double nat_noise_replay_ns(const struct nat_calibration *c);

/* Pin the calling thread to host CPU cpu (ignored when negative). */
void nat_calib_pin(int32_t cpu);

/* The calling thread's side of a two-thread measurement: its partner started on fn(arg), the
 * caller pinned to cpu_a (not when negative: it pins itself) until nat_calib_pair_end joins
 * the partner and puts the caller's affinity back. nat_calib_pair_begin: 0, or -1 when the
 * partner cannot start (nothing to end then). */
struct nat_calib_pair {
    pthread_t t;
    cpu_set_t saved;
    bool restore;
};
int nat_calib_pair_begin(struct nat_calib_pair *pr, void *(*fn)(void *), void *arg,
                         int32_t cpu_a);
void nat_calib_pair_end(struct nat_calib_pair *pr);

#define NAT_SPEED_MAX 16
/* The widest 95% interval of the joint fit's factor (nat_validate_fit.c) whose steal costs the
 * model may take: nqueens:11 (8 steals a run) read 0.93 ± 0.11 beside a victim of 40 ± 23 us,
 * uts:T3 (2,000) 1.013 ± 0.007. */
#define NAT_FIT_FACTOR_HALF 0.02   /* CPUs whose speed validate measures (a larger run: not measured) */

struct nat_calibration {
    double busy_iters_per_ns;
    struct nat_cost steal;        /* one steal between worker 0's and worker 1's cores */
    struct nat_cost steal_hit;    /* ... the extra of that steal from an asymmetric deque (its
                                     membarrier; n == 0: replayed trace, or no membarrier) */
    struct nat_cost steal_victim; /* ... what that membarrier costs the victim's thread */
    struct nat_cost steal_barrier; /* ... and its caller, one every 50 us to a computing victim */
    struct nat_cost steal_round;  /* a steal round that took a process (look, barrier, CAS) in
                                     runs of the calibration workload on the validated thread
                                     count, between its native runs (n == 0: one thread, a
                                     replayed trace, or no steal) */
    struct nat_cost busy_factor;  /* in those runs: each worker's busy time a dispatch against
                                     its CPU's in the same slot's one-worker trial (a ratio in
                                     ns), and the busy time a steal adds to its victim and to
                                     its thief (beyond its round), fitted together over the
                                     runs that stole (nat_validate_fit.c; n == 0: fewer than
                                     NAT_COST_MIN_CLEAN did, more than NAT_SPEED_MAX threads,
                                     or steals that went alike both ways). nat_calib_busy_factor,
                                     nat_calib_steal_victim, nat_calib_steal_thief */
    struct nat_cost busy_victim;
    struct nat_cost busy_thief;
    struct nat_cost busy_cpu;     /* in those runs: their busy CPU time a process against the
                                     same slot's one-worker run's (a ratio), over all the runs
                                     that stole, preempted ones too (nat_validate_fit.c).
                                     Reported, not given to the model */
    bool busy_roles;              /* busy_victim and busy_thief may replace the model's: the
                                     joint fit put the factor within NAT_FIT_FACTOR_HALF */
    struct nat_cost wake;         /* futex wake-up latency between them */
    struct nat_cost spin_wake;    /* ... and a spinning worker's, to its look at the push */
    struct nat_cost spawn;        /* spawn + dispatch + exit of an empty process (chain) */
    struct nat_cost msg;          /* a join message to the parent (fork-join workloads) */
    struct nat_cost msg_remote;   /* ... arriving from the other core: the extra over msg */
    struct nat_cost replay;       /* replayed trace: native CPU per spawn beyond its work and
                                     the model's other costs, on one worker (n == 0: computed) */
    double replay_cpu_ns;         /* replayed trace: its trials' CPU time per process, and */
    double replay_per_spawn;      /* ... its processes per spawn (0: no replay cost) */
    struct nat_cost busy_rate;    /* replayed trace: the busy loop's rate pinned on worker 0's
                                     CPU between the native runs, over busy_iters_per_ns (a
                                     ratio: the runs' RUN phases take 1/ratio of their ns;
                                     n == 0: not measured). nat_calib_busy_rate */
    struct nat_cost child;        /* UTS: the SHA-1 of one child (0 samples otherwise) */
    struct nat_cost proc;         /* the workload's own cost per process on one worker */
    struct nat_cost proc_before;  /* ... as measured before the native runs, where proc was
                                     measured again between them (n == 0: it was not) */
    struct nat_cost proc_calm;    /* ... the trials between them that nat_cost_robust keeps,
                                     the unpreempted (reported; proc keeps all: nat_cost_all) */
    struct nat_dist proc_dist;    /* ... and how it spreads over the processes */
    struct nat_cost corun_alone;  /* busy ns a dispatch of the calibration workload on one
                                     worker alone, and worker 0's on the validated N workers
                                     of one runtime, each running a copy of its own with
                                     stealing off
                                     (n == 0: not measured: one thread, a replayed trace);
                                     reported, not given to the model (nat_calib_corun_factor).
                                     corun is corun_alone x the robust mean of each beside
                                     trial's ratio to the alone trials around it, its n and
                                     interval those of the ratios */
    struct nat_cost corun;
    struct nat_cost speed[NAT_SPEED_MAX]; /* [k], 1 <= k < nspeed: worker k's CPU's speed
                                     against worker 0's, one worker pinned on each between the
                                     native runs: each slot's trial on worker 0's CPU over its
                                     trial on worker k's (a ratio; n == 0: not measured) */
    uint32_t nspeed;              /* workers whose CPU's speed was measured (0: one thread, or
                                     more than NAT_SPEED_MAX) */
    struct nat_noise noise;       /* host noise on the run's CPUs, in the runs' minutes
                                     (slices == 0: not measured) */
    double latency_ns;            /* the model's core-to-core latency of those two cores */
    char workload[512];           /* what proc was measured on: the workload or a smaller one */
    double load[3];               /* the host's 1, 5 and 15 minute load averages at the time */
    uint32_t host_cpus;           /* online CPUs, to read the load against */
};

/* What a worker's per-process cost is multiplied by beside busy neighbours: corun /
 * corun_alone, or 1 where they were not measured or 1 lies within the ratio's 95% interval
 * (corun.half / corun_alone.ns: the paired trials' spread). Reported, not given to the model:
 * on this VM it read 1.00-1.02 in quiet sittings, and 1.09-1.91 in others whose 2-thread runs
 * did not slow (fib:27's model then ran 67-87% long where it ran within 3% without it), so
 * what it measures there is not what the runs pay. */
double nat_calib_corun_factor(const struct nat_calibration *c);

/* Worker k's CPU's speed against worker 0's, the capacity the model gives core k: the
 * measured ratio, or 1 where not measured or 1 lies within its 95% interval. On this VM one
 * vCPU read fib:27 at 14-19 ns a process where the other read 11.6-13.8, minutes apart, and
 * both alike at other times. (Worker 0's busy time a dispatch over worker k's, in a run with
 * a copy of the workload on each, read 0.44-0.56 where 2-thread runs read 0.67-0.72 and the
 * pinned trials 0.61-0.74.) */
double nat_calib_speed(const struct nat_calibration *c, uint32_t k);

/* Whether worker k's CPU speed is one a reader should doubt: it rests on fewer clean trials
 * than the preempted ones dropped, or the model's capacity for it is more than
 * NAT_SPEED_UNEVEN off 1. The model's steal counts at 2 threads are far from linear in that
 * ratio (uts:T1's made 9.3 steals a run at 1.000, 15.4 at 0.99, 15.8 at 0.9), and on a shared
 * host one vCPU may run 1.2-2.8x slower than the other for minutes, so such a sitting says more
 * about the host than about the model. */
#define NAT_SPEED_UNEVEN 0.10
bool nat_calib_speed_doubtful(const struct nat_calibration *c, uint32_t k);

/* How much faster than calibrated a replayed trace's busy loop ran in the runs' minutes, the
 * factor the model's cores' capacity is multiplied by: busy_rate where measured and 1 lies
 * outside its 95% interval, else 1. The loop's rate moved by up to 10% within a minute on this
 * VM (0.82-0.90 iterations a ns, pinned or not), and a trace's RUN phases, which are most of
 * its time, move with it. */
double nat_calib_busy_rate(const struct nat_calibration *c);

/* What the model's per-process cost on N workers is multiplied by: busy_factor where measured
 * and 1 lies outside its 95% interval, else 1. */
double nat_calib_busy_factor(const struct nat_calibration *c);

/* What the model charges a steal's victim (steal_victim_ns): busy_victim where it was measured
 * from at least NAT_COST_MIN_CLEAN runs and its 95% interval excludes the ping-pong's
 * steal_victim (0 where that was not measured), else steal_victim; never below 0. On this VM
 * uts:T3 on 2 workers, one stealing 2,100-2,200 times a run from the other and the other 121
 * times back, read 17 us to the victim and 1.7 us to the thief, where the ping-pong's victim
 * paid 12.7 us a barrier. */
double nat_calib_steal_victim(const struct nat_calibration *c);
/* ... whether that is busy_victim. */
bool nat_calib_busy_victim_applies(const struct nat_calibration *c);

/* What the model charges a stolen process on its thief (ctx_switch_ns, a migration's cost):
 * busy_thief where it was measured from at least NAT_COST_MIN_CLEAN runs and its 95% interval
 * lies above 0: true with *ns; else false (the model keeps its ctx_switch_ns). */
bool nat_calib_steal_thief(const struct nat_calibration *c, double *ns);

/* The host's load averages and online CPUs into c (zeros where unreadable). */
void nat_calib_load(struct nat_calibration *c);

/* Write c as a JSON object (malloc'd; NULL when out of memory): each cost as
 * {"ns", "ci95", "n"}, plus "<cost>_ns" numbers for readers of the flat form. */
char *nat_calib_json(const struct nat_calibration *c);

#endif
