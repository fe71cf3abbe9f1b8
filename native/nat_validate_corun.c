/* nat_validate_corun.c: what a worker's per-process cost becomes while the run's other workers
 * work too. On a shared host two vCPUs may be threads of one physical core, or share caches
 * and memory bandwidth; two workers of one runtime also share its lines (the live count, the
 * pools, the deques' ends), which copies of the computation in other processes (as measured
 * here before) do not. The model runs its cores at the cost a worker has alone unless told;
 * validate gives it worker 0's cost beside the other workers of the same runtime, each
 * computing a copy of its own, for N threads, whose workers are busy together nearly all the
 * run. On this VM it reads 1.00-1.02 for fib:27, nqueens:11 and uts:T3 (copies in other
 * processes read 0.96-1.00): the 2-thread runs' extra cost a process is not two busy workers
 * but what comes with their steals. */
#include "native/nat_validate.h"
#include "native/nat_validate_int.h"

#include "native/nat_run.h"

#include <stdio.h>

/* One run of workload on `threads` (<= 64) workers of one runtime, each running a copy of its
 * root with stealing off and an idle worker asleep at once (a spinning sibling slows a busy
 * one): a trial of worker 0's busy ns a dispatch (its CPU is the one the alone trials run on;
 * the other CPUs' speeds are measured apart, nat_calib_speed), with the process's involuntary
 * switches; with threads 1, the same alone. 0, or -1 with err. */
static int busy_trial(const struct ws_topo *host, const char *workload, uint32_t threads,
                      const struct nat_validate_opts *vo, struct nat_trial *t, char *err,
                      size_t errlen)
{
    struct nat_run_opts o;
    nat_run_defaults(&o);
    o.workload = workload;
    o.threads = threads;
    o.roots = threads;
    o.strategy = vo->strategy;
    o.host = host;
    o.seed = vo->seed;
    o.params = vo->params;
    o.params.steal_retries = 0;
    o.params.spin_ns = 0;
    o.busy_ipn = vo->busy_ipn;
    o.stopped = vo->stopped;
    struct nat_run_result r;
    long cs = nat_calib_nivcsw(false);
    if (nat_run(&o, &r, err, errlen) != 0)
        return -1;
    if (r.per_core_run[0] == 0) {
        snprintf(err, errlen, "%s: co-running trial: worker 0 ran no process", workload);
        return -1;
    }
    *t = (struct nat_trial){ (double)r.per_core_busy[0] / (double)r.per_core_run[0],
                             nat_calib_nivcsw(false) - cs };
    return 0;
}

int nat_validate_corun(const struct nat_validate_opts *vo, const struct ws_topo *host,
                       uint32_t threads, const char *workload, struct nat_cost *alone,
                       struct nat_cost *beside, char *err, size_t errlen)
{
    enum { PAIRS = 8 };
    struct nat_trial solo[PAIRS + 1], co[PAIRS];
    *alone = *beside = (struct nat_cost){ 0 };
    if (threads < 2)
        return 0;
    /* Alone and beside in turn, alone last: the per-process cost drifts by 10-40% within a
     * minute on a shared host, and blocks of each (7 alone, 8 beside, 7 alone; then with
     * copies in other processes) read uts:T3's factor 0.98-1.16 in five validations, fib:27's
     * 0.98-1.03. */
    for (uint32_t i = 0; i < PAIRS; i++)
        if (busy_trial(host, workload, 1, vo, &solo[i], err, errlen) != 0 ||
            busy_trial(host, workload, threads, vo, &co[i], err, errlen) != 0)
            return -1;
    if (busy_trial(host, workload, 1, vo, &solo[PAIRS], err, errlen) != 0)
        return -1;
    /* The factor from each beside trial over the mean of the alone trials around it (a pair
     * with a preempted trial counts as preempted). Robust estimates of the two sides apart
     * drop different trials: interleaved so, uts:T3 still read 1.00-1.19; as pairs, 1.00-1.07
     * (fib:27 1.00-1.02). */
    struct nat_trial ratio[PAIRS];
    for (uint32_t i = 0; i < PAIRS; i++)
        ratio[i] = (struct nat_trial){
            co[i].v / (0.5 * (solo[i].v + solo[i + 1].v)),
            solo[i].switches + co[i].switches + solo[i + 1].switches };
    struct nat_cost f = nat_cost_robust(ratio, PAIRS);
    *alone = nat_cost_robust(solo, PAIRS + 1);
    *beside = f;   /* the cost beside: alone x the factor, its interval the factor's */
    beside->ns = alone->ns * f.ns;
    beside->median = alone->ns * f.median;
    beside->half = alone->ns * f.half;
    return 0;
}
