/* sim_import_beam.h: what the BEAM importer keeps beside the trace: the ground truth of an
 * Erlang VM recording (the scheduler of every run slice, every migration, per-scheduler busy
 * time, response times), written as a sidecar file and read back by `beam validate`. */
#ifndef SIM_IMPORT_BEAM_H
#define SIM_IMPORT_BEAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most schedulers a recording may name (erl +S allows 1024). */
#define SIM_BEAM_MAX_SCHED 1024

/* The states of the VM's microstate accounting a recording keeps per scheduler, in order:
 * emulator (running processes), port, aux (auxiliary work), check_io, gc (outside a process's
 * slice), other (the scheduler loop itself, unaccounted work) and sleep. */
enum { SIM_MSACC_EMULATOR, SIM_MSACC_PORT, SIM_MSACC_AUX, SIM_MSACC_CHECK_IO, SIM_MSACC_GC,
       SIM_MSACC_OTHER, SIM_MSACC_SLEEP, SIM_BEAM_MSACC_STATES };

/*
 * The sidecar ("OUT.truth", next to the imported trace OUT) is text, one record a line:
 *   schedlab-beam-truth 1
 *   schedulers N            wall_ns NS (the recorder's wall time of the run)
 *   makespan_ns NS          first event to last exit
 *   util S ACTIVE TOTAL     the VM's scheduler_wall_time of scheduler S over the run (ns)
 *   switch GAPS NS EVENTS   time schedulers spent between one slice and the next while the
 *                           next process was ready (GAPS gaps, NS ns in all), and the spawns
 *                           and traced sends the simulator charges a cost to (EVENTS)
 *   wake WAKES NS MEDIAN    slices whose process became ready on a scheduler that had run
 *                           dry: ready to start, WAKES of them, NS ns in all, MEDIAN ns
 *   switched S NS           the switching time of scheduler S (its share of 'switch')
 *   quantum N MEDIAN        slices put out while their process could go on (preempted or
 *                           yielded): N of them, MEDIAN their median length (ns)
 *   runqueue S SAMPLES SUM  the run queue of scheduler S summed over the recording's samples
 *                           of erlang:statistics(run_queue_lengths) (about one a millisecond)
 *   pickup W WNS L LNS      races for a process made ready (spawn, message) while another
 *                           scheduler had no slice in progress: W won by such a scheduler
 *                           (WNS ns from the making slice's end to the start, in all), L lost
 *                           to the making slice's own scheduler (LNS ns likewise)
 *   idle S PERIODS          scheduler S's gaps between slices whose next process was not ready
 *                           when the one before ended (it ran dry)
 *   msacc S E P A C G O Z   scheduler S's microstate accounting over the run (ns): emulator,
 *                           port, aux, check_io, gc, other, sleep (absent from recordings
 *                           made without it)
 *   proc PID SPAWN FIRST_IN EXIT         per process (ns from the first event)
 *   slice PID SCHED START END            every run slice
 *   migration PID T FROM TO              a slice on another scheduler than the one before
 *   end LINES                            lines before this one (a cut file lacks it)
 */

struct sim_beam_truth {
    uint32_t schedulers;
    uint64_t wall_ns, makespan_ns;
    uint64_t processes, slices, migrations;
    uint64_t busy_ns[SIM_BEAM_MAX_SCHED];       /* slices' time per scheduler (index S - 1) */
    uint64_t vm_active_ns[SIM_BEAM_MAX_SCHED];  /* scheduler_wall_time (0 when not recorded) */
    uint64_t vm_total_ns[SIM_BEAM_MAX_SCHED];
    uint64_t wait_p50_ns, wait_p99_ns;          /* spawn -> first slice */
    uint64_t resp_p50_ns, resp_p95_ns, resp_p99_ns;   /* spawn -> exit */
    uint64_t switch_gaps, switch_ns, charged_events;  /* the 'switch' record (0: none) */
    uint64_t wakes, wake_ns, wake_median_ns;          /* the 'wake' record (0: none) */
    uint64_t quanta, quantum_ns;                      /* the 'quantum' record (0: none) */
    uint64_t switched_ns[SIM_BEAM_MAX_SCHED];         /* 'switched' records (index S - 1) */
    uint64_t rq_samples, rq_sum[SIM_BEAM_MAX_SCHED];  /* 'runqueue' records (index S - 1) */
    uint64_t won, won_ns, lost, lost_ns;              /* the 'pickup' record (0: none) */
    uint64_t idle_periods[SIM_BEAM_MAX_SCHED];        /* 'idle' records (index S - 1) */
    bool has_msacc;                                   /* 'msacc' records, one a scheduler */
    uint64_t msacc_ns[SIM_BEAM_MAX_SCHED][SIM_BEAM_MSACC_STATES];
};

/* Read the recording at path (checked as `trace import beam` checks it) and write its ground
 * truth to out, whole or not at all. 0, or -1 with "FILE:LINE: message" in err. */
int sim_beam_truth_write(const char *recording, const char *out, char *err, size_t errlen);

/* Read a sidecar written by sim_beam_truth_write into *t. 0, or -1 with "FILE:LINE: message"
 * in err. */
int sim_beam_truth_read(const char *path, struct sim_beam_truth *t, char *err, size_t errlen);

#endif
