/* sim_beam.h: the Erlang VM measured against the model: replay an imported VM recording with
 * the BEAM-as-shipped configuration, read the recording's ground truth, and compare them metric
 * by metric; store both as a pair of runs of one experiment. */
#ifndef SIM_BEAM_H
#define SIM_BEAM_H

#include "core/ws_params.h"
#include "sim/trace/import/sim_import_beam.h"

#include <stddef.h>
#include <stdint.h>

/* The compared metrics, in print order. */
enum sim_beam_metric {
    SIM_BM_MAKESPAN = 0, SIM_BM_UTIL_MEAN, SIM_BM_UTIL_MAX, SIM_BM_UTIL_MIN,
    SIM_BM_MIGRATIONS, SIM_BM_RESP_P50, SIM_BM_RESP_P99, SIM_BM_WAIT_P50,
    SIM_BM_RUNQ_MEAN, SIM_BM_RUNQ_MAX,   /* mean run queue length: over schedulers, largest */
    SIM_BM_COUNT
};

/* The metric's name ("makespan_ns", "util_max", ...) and whether it is a utilisation (its error
 * is then the difference in points, not a relative error). */
const char *sim_beam_metric_name(enum sim_beam_metric m);
int sim_beam_metric_is_util(enum sim_beam_metric m);

/* The configuration closest to BEAM's default scheduler: its strategy name and its parameters
 * applied to p (one table: switching to a shipped preset is one line). */
const char *sim_beam_shipped(struct ws_params *p);

struct sim_beam_cmp {
    double vm[SIM_BM_COUNT], sim[SIM_BM_COUNT];
    double err[SIM_BM_COUNT];   /* (sim - vm) / vm, or sim - vm in points for utilisations;
                                   NAN when vm is 0 */
    int64_t vm_run_id, sim_run_id, experiment_id;
    double vm_wall_util;        /* the VM's scheduler_wall_time, mean active share (0..1) */
};

/* What the replay adds to BEAM as shipped: the VM's cost between slices, as a cost of every
 * spawn and send (spawn_ns = msg_ns = event_cost_ns) and the wake-up of a scheduler that ran
 * dry (wake_ns), both calibrated from recordings (sim_beam_calibrate), and the scheduler
 * binding the VM ran with (NULL: the defaults). */
struct sim_beam_setup {
    uint64_t event_cost_ns, wake_ns;
    uint64_t time_slice_ns;     /* the VM's median preempted slice (0: the default stays) */
    double switch_share;        /* switching time / slices' time it was calibrated with */
    const char *binding, *bind_order;
    /* NAME=VALUE assignments applied last, over BEAM as shipped and the calibration above
     * (validate beam --param: the same recordings replayed under other parameters). */
    const char *const *params;
    size_t nparams;
};

/* The costs of s for replaying recording `target`, from the sidecars t[0..n) but skip (skip
 * >= n: none): their switching time as a share of their slices' time, applied to target's
 * slices and spread over target's charged events (spawns and traced sends): a share, since a
 * recording the machine slowed down stretches slices and switching alike (on a loaded 2-core
 * host one ring recording in four ran 7 times slower, with the share within 0.42..0.67 and the
 * cost per event 1.9..21 us); the mean of their median wake-ups and the mean of their median
 * preempted slices (time_slice_ns). 0 where they have none. */
void sim_beam_calibrate(const struct sim_beam_truth *const *t, size_t n, size_t skip,
                        const struct sim_beam_truth *target, struct sim_beam_setup *s);

/* Replay the recording (a `beam record` file, its sidecar read into t) on synth:p=N (N the
 * recording's schedulers) with the BEAM-as-shipped configuration, setup and seed, store the
 * recorded run (mode beam, strategy "beam-vm") and the simulated one in db_path as one
 * experiment described by what, and compare. The VM's utilisation is its slices' and
 * switching's share of the makespan, as the simulator's busy time holds the work and the
 * charged costs; its scheduler_wall_time (which also counts the trace port's work) is kept
 * apart in vm_wall_util. 0, or -1 with a message in err. */
int sim_beam_compare(const char *recording, const struct sim_beam_truth *t,
                     const struct sim_beam_setup *setup, const char *db_path, const char *what,
                     uint64_t seed, struct sim_beam_cmp *c, char *err, size_t errlen);

#endif
