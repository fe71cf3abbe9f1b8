/* nat_validate.h: the simulator checked against the machine: calibrate the simulator's costs on
 * this host, run a workload natively, replay the same workload in the simulator over the model
 * of the same cores, and compare the metrics.
 *
 * What is calibrated and where it goes (nat_calib.h measures it):
 *   steal_ns   -> steal_probe_ns = steal_ns - the model's core-to-core latency (each probe is
 *                 charged latency + steal_probe_ns)
 *   wake_ns    -> wake_ns (a sleeping core's wake-up)
 *   spawn_ns   -> spawn_ns (the chain: spawn + dispatch + exit of an empty process)
 *   proc_ns    -> the generator's work=: a computed workload run on one worker costs proc_ns per
 *                 process; the simulated process runs proc_ns - spawn_ns (its spawn is charged
 *                 apart), with ws=0 (native processes have no working set worth refilling) and
 *                 msg_ns = 0 (a join message is part of proc_ns)
 * spawn_ns and proc_ns are the fastest of three one-worker runs (the least disturbed by other
 * load). Replayed traces keep their own work; spin_ns is the same parameter on both sides. The
 * native run is one run: on a machine shared with other work its makespan and utilisation carry
 * that noise, which the relative errors then show. */
#ifndef NAT_VALIDATE_H
#define NAT_VALIDATE_H

#include "native/nat_calib.h"
#include "native/nat_run.h"

#define NAT_VALIDATE_METRICS 6

struct nat_validate_opts {
    const char *workload;
    const char *strategy;
    uint32_t threads;             /* 0 = every host core */
    uint64_t seed;
    struct ws_params params;
    const char *db_path;          /* NULL: store nothing */
    volatile int *stopped;
};

struct nat_metric_cmp {
    const char *name;             /* "makespan_ns", "steals", ... */
    double native, sim;
    double rel_error;             /* (sim - native) / native; NAN when native is 0 */
};

struct nat_validate_result {
    struct nat_calibration cal;
    struct nat_run_result native;
    struct sim_run_summary sim;
    int64_t sim_run_id;
    double sim_wall_s;
    char sim_trace[600];          /* what the simulator replayed */
    char topology[64];
    struct nat_metric_cmp m[NAT_VALIDATE_METRICS];
};

/* Do it. 0, or -1 with a message in err. */
int nat_validate(const struct nat_validate_opts *o, struct nat_validate_result *r, char *err,
                 size_t errlen);

#endif
