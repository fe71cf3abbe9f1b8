/* sim_beam.h: the Erlang VM measured against the model: replay an imported VM recording with
 * the BEAM-as-shipped configuration, read the recording's ground truth, and compare them metric
 * by metric; store both as a pair of runs of one experiment. */
#ifndef SIM_BEAM_H
#define SIM_BEAM_H

#include "core/ws_params.h"
#include "sim/trace/import/sim_import_beam.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The compared metrics, in print order. */
enum sim_beam_metric {
    SIM_BM_MAKESPAN = 0, SIM_BM_UTIL_MEAN, SIM_BM_UTIL_MAX, SIM_BM_UTIL_MIN,
    SIM_BM_MIGRATIONS, SIM_BM_RESP_P50, SIM_BM_RESP_P99, SIM_BM_WAIT_P50,
    SIM_BM_RUNQ_MEAN, SIM_BM_RUNQ_MAX,   /* mean run queue length: over schedulers, largest */
    SIM_BM_SLEEP_MEAN, SIM_BM_SLEEP_MAX, /* share of the run asleep: mean, most (VM: msacc) */
    SIM_BM_COUNT
};

/* The metric's name ("makespan_ns", "util_max", ...) and whether it is a share of the run
 * (utilisation, sleep: its error is then the difference in points, not a relative error). */
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
    uint64_t event_cost_ns, dispatch_ns;   /* the calibrated switching costs it replayed with
                                              (under any --param) */
    uint64_t dispatch_spread;   /* the model's dispatches the switching time was spread over
                                   (at_dispatch; 0: the recording's slices) */
};

/* What the replay adds to BEAM as shipped: the VM's cost between slices, the wake-up of a
 * scheduler that ran dry (wake_ns), how long its schedulers stayed awake per period they ran
 * dry (spin_ns, from microstate accounting) and how soon an idle one came for work (spin_wake_ns,
 * from the recording's pickup races), all calibrated from recordings (sim_beam_calibrate), and
 * the scheduler binding the VM ran with (NULL: the defaults). The cost between slices is
 * charged to the core that starts the next process (at_dispatch true, the default: dispatch_ns,
 * the VM's switching time spread over the model's dispatches, which sim_beam_compare counts;
 * paid before the pick when the core's process has just left it, as BEAM's schedule() does its
 * work before it dequeues, so that an awake scheduler may take the work meanwhile) or to the
 * events that made it ready (at_dispatch false: every spawn and send, spawn_ns = msg_ns =
 * event_cost_ns). Charged to the sender, a token passed to the other scheduler leaves the
 * switch behind on the sender's, overlapped with the receiver's slice: ring on 2 schedulers
 * read -28.6 % that way against +0.7 % at the dispatch, where server, fib and farm stay within
 * 12 %. */
struct sim_beam_setup {
    bool at_dispatch;
    uint64_t event_cost_ns;     /* the switching time of a recording over its charged events */
    uint64_t switch_ns;         /* ... in all, to spread over the model's dispatches */
    uint64_t dispatch_ns;       /* ... over the recording's slices (the first guess) */
    uint64_t wake_ns;
    uint64_t time_slice_ns;     /* the VM's median preempted slice (0: the default stays) */
    uint64_t spin_ns;           /* a scheduler's awake time per period it ran dry (msacc) */
    uint64_t spin_wake_ns;      /* how soon an idle scheduler comes for work (pickup races) */
    double switch_share;        /* switching time / slices' time it was calibrated with */
    const char *binding, *bind_order;
    /* The machine to replay on (borrowed) and its name: the host's detected topology cut to
     * the recording's schedulers; NULL: synth:p=N. */
    const struct ws_topo *machine;
    const char *machine_name;
    /* NAME=VALUE assignments applied last, over BEAM as shipped and the calibration above
     * (validate beam --param: the same recordings replayed under other parameters). */
    const char *const *params;
    size_t nparams;
};

/* The costs of s for replaying recording `target`, from the sidecars t[0..n) but skip (skip
 * >= n: none): their switching time as a share of their slices' time, applied to target's
 * slices (switch_ns) and spread over target's charged events (spawns and traced sends:
 * event_cost_ns) or its slices (dispatch_ns; sim_beam_compare then spreads it over the model's
 * own dispatches): a
 * share, since a recording the machine slowed down stretches slices and switching alike (on a
 * loaded 2-core host one ring recording in four ran 7 times slower, with the share within
 * 0.42..0.67 and the cost per event 1.9..21 us); the mean of their median wake-ups, whole:
 * the wake-ups a recording shows are those that beat the waker's own scheduler to the work (a
 * low sample of the VM's wake latency), so the dispatch that follows is not taken off them;
 * the mean of their median preempted slices (time_slice_ns); the mean of their schedulers'
 * awake time per period run dry (spin_ns, from microstate accounting and the truth's idle
 * periods); and the mean of their pickup races' exponential estimate (spin_wake_ns, see
 * sim_import_beam_cost.c). 0 where they have none. */
void sim_beam_calibrate(const struct sim_beam_truth *const *t, size_t n, size_t skip,
                        const struct sim_beam_truth *target, struct sim_beam_setup *s);

/* Replay the recording (a `beam record` file, its sidecar read into t) on setup's machine
 * (else synth:p=N, N the recording's schedulers) with the BEAM-as-shipped configuration, setup
 * and seed, store the
 * recorded run (mode beam, strategy "beam-vm") and the simulated one in db_path as one
 * experiment described by what, and compare. The VM's utilisation is its slices' and
 * switching's share of the makespan, as the simulator's busy time holds the work and the
 * charged costs; its scheduler_wall_time (which also counts the trace port's work) is kept
 * apart in vm_wall_util. 0, or -1 with a message in err. */
int sim_beam_compare(const char *recording, const struct sim_beam_truth *t,
                     const struct sim_beam_setup *setup, const char *db_path, const char *what,
                     uint64_t seed, struct sim_beam_cmp *c, char *err, size_t errlen);

#endif
