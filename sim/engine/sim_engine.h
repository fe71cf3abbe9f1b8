/* sim_engine.h: the discrete-event simulator: replays one trace over one modelled machine,
 * with every scheduling decision made by the core/ scheduler through its platform interface.
 *
 * The machine model
 * -----------------
 * A core runs its current process's RUN phases at its capacity (a P-core is 1.0: n ns of work
 * take n / capacity ns). After time_slice_ns of running a process is preempted and requeued, as
 * BEAM does when the reduction budget is spent (unless no_preempt). SEND, SPAWN, RECV and EXIT
 * take msg_ns / spawn_ns / nothing; a WAIT phase takes the process off the core until its timer
 * fires. Costs charged by the scheduler (steal probes: core-to-core latency + steal_probe_ns;
 * migrations: the cost model of ws_migrate.h) advance the charged core's clock.
 *
 * Idle cores: a core with nothing to run does one steal round with its victim strategy, then
 * the last look over all cores; if both find nothing it waits. For spin_ns it spins (awake: a
 * wake-up costs nothing, and it draws active power), then it sleeps (a wake-up costs wake_ns).
 * Waiting cores are woken by the scheduler when work appears (ws_sched.h), and by a timer when
 * the scheduler refused them for a time-bounded reason (a full migration window): at the time
 * ws_sched_retry_at gives, a spinning core looks again at once and a sleeping one after wake_ns,
 * as a timed futex wait would. Every decision point of a core is an event; events at equal
 * times run in insertion order, so runs are exactly reproducible for the same inputs and seed.
 *
 * Time: all arithmetic on simulated time saturates (ws_time.h) and every event passes
 * sim_push, which refuses a time past the clock limit, so no sum of trace times and costs can
 * wrap around to a plausible small time. A RUN segment on a core of capacity c does
 * segment * c of work, carried exactly across segments (work_frac); a segment cut short by
 * the time slice lasts at least long enough for 1 ns of work, so progress never rounds to
 * zero, however short the slice or slow the core.
 *
 * Messages: SEND to a process that exists increments its mailbox and wakes it if it is blocked
 * in RECV; to a process not spawned yet it is held until that process appears; to one that has
 * exited it is dropped (counted). When no event remains, processes still blocked are reported as
 * a deadlock, and messages held for processes that never appeared are an error.
 */
#ifndef SIM_ENGINE_H
#define SIM_ENGINE_H

#include "core/ws_params.h"
#include "core/ws_topo.h"
#include "sim/engine/sim_metrics.h"
#include "sim/trace/sim_trace.h"

#include <stdbool.h>
#include <stdint.h>

struct sim_engine;

struct sim_engine_opts {
    const struct ws_topo *topo;     /* borrowed; must outlive the engine */
    const struct ws_params *params; /* copied */
    const char *strategy;
    uint64_t seed;
    bool per_process;               /* keep a row per process for the metrics */
    /* Check the engine's invariants after every event and fail the run on the first broken
     * one (always on in WS_DEBUG builds): sim_engine_check. */
    bool check_invariants;
    /* Record the schedule (sim_timeline.h), keeping at most this many slices; 0 = off. */
    size_t timeline_max;
    /* Called about every 2^20 events with simulated time and processes done (may be NULL). */
    void (*progress)(void *ctx, uint64_t sim_ns, uint64_t done, uint64_t events);
    void *progress_ctx;
};

/* Create an engine over trace t (borrowed; the engine releases the records it takes).
 * NULL with a message in err on an unknown strategy or out of memory. */
struct sim_engine *sim_engine_create(struct sim_trace *t, const struct sim_engine_opts *o,
                                     char *err, size_t errlen);
void sim_engine_destroy(struct sim_engine *e);

/* Run to completion. 0, or -1 with a message in err: a trace error, a deadlock ("N processes
 * blocked forever"), messages to processes that never exist, out of memory, more events than
 * the parameter max_events allows, a simulated clock that would pass 2^62 ns (ws_time.h). *
 * *stopped, when non-NULL, is polled between events; setting it stops the run with an error. */
int sim_engine_run(struct sim_engine *e, volatile int *stopped, char *err, size_t errlen);

/* The invariants of idle cores: no core sleeps past the end of a refusal for a time-bounded
 * reason (a full migration window: ws_sched_retry_at) while another core has work it may
 * steal, and no core runs a process with its sleeping bit set (the bit is set for the last
 * look and cleared as the core leaves idle). 0, or -1 with the core, the times and the victim
 * (or the process) in err. Between events only. */
int sim_engine_check(const struct sim_engine *e, char *err, size_t errlen);

/* Scheduler binding (params binding and bind_order; model in core/ws_bind.h): how many times
 * the operating system moved a scheduler thread, and the core of the machine model in bind
 * order (sim_engine_topo) that scheduler s runs on now. */
uint64_t sim_engine_os_migrations(const struct sim_engine *e);
uint32_t sim_engine_sched_core(const struct sim_engine *e, uint32_t s);
/* The machine model the schedulers see: the given one, or its cores in bind order. */
const struct ws_topo *sim_engine_topo(const struct sim_engine *e);

/* The run's metrics (valid after a successful run, owned by the engine; run descriptor fields
 * other than timeseries_interval_ns are left for the caller). */
const struct sim_run_metrics *sim_engine_metrics(struct sim_engine *e);

#endif
