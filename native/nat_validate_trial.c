/* nat_validate_trial.c: validate's one-off native runs without a database: one-worker trials
 * of the per-process cost (on a given CPU too), the N-worker runs between the native runs that
 * time the steal rounds and what N workers pay beyond one, and the timeline run that gives the
 * per-process cost's spread. */
#include "native/nat_validate_int.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

/* A calibration run's options: workload on one worker of host, the user's seed and params. */
static void one_worker(const struct ws_topo *host, const char *workload,
                       const struct nat_validate_opts *vo, struct nat_run_opts *o)
{
    nat_run_defaults(o);
    o->busy_ipn = vo->busy_ipn;
    o->workload = workload;
    o->threads = 1;
    o->host = host;
    o->seed = vo->seed;
    o->params = vo->params;
    o->stopped = vo->stopped;
}

/* One one-worker native run of workload without a database: a trial of ns per completed
 * process, in the worker's CPU time (a worker preempted by other programs is not charged for the
 * wait), with the process's involuntary switches (the caller only waits, so they are the
 * worker's, one of them its pinning); *procs gets the processes and *wall_ns the run's wall
 * time. -1 on failure. */
static int proc_trial(const struct nat_run_opts *op, const char *workload, struct nat_trial *t,
                      struct nat_busy_run *busy_run, uint64_t *procs, uint64_t *wall_ns,
                      char *err, size_t errlen)
{
    struct nat_run_opts o = *op;
    struct nat_run_result r;
    long cs = nat_calib_nivcsw(false);
    uint64_t t0 = nat_now_ns();
    if (nat_run(&o, &r, err, errlen) != 0)
        return -1;
    *wall_ns = nat_now_ns() - t0;
    if (r.summary.processes == 0) {
        snprintf(err, errlen, "%s: calibration run completed no process", workload);
        return -1;
    }
    double ns = r.x.cpu_ns > 0 ? (double)r.x.cpu_ns : (double)r.summary.makespan_ns;
    *t = (struct nat_trial){ ns / (double)r.summary.processes, nat_calib_nivcsw(false) - cs };
    *procs = r.summary.processes;
    if (busy_run != NULL) {
        double on = (double)r.summary.makespan_ns - (double)r.per_core_idle[0];
        busy_run->dispatch = r.per_core_run[0] > 0
                             ? (double)r.per_core_busy[0] / (double)r.per_core_run[0] : 0.0;
        busy_run->share = on > 0 ? (double)r.per_core_busy[0] / on : 0.0;
    }
    return 0;
}

int nat_validate_proc_trial(const struct ws_topo *host, const char *workload,
                            const struct nat_validate_opts *vo, struct nat_trial *t,
                            struct nat_busy_run *busy_run, uint64_t *procs,
                            uint64_t *wall_ns, char *err, size_t errlen)
{
    struct nat_run_opts o;
    one_worker(host, workload, vo, &o);
    return proc_trial(&o, workload, t, busy_run, procs, wall_ns, err, errlen);
}

/* The calling thread pinned on cpu, its affinity kept in *saved (false: it could not be read,
 * and pin_restore leaves the pin). */
static bool pin_on(int32_t cpu, cpu_set_t *saved)
{
    bool ok = pthread_getaffinity_np(pthread_self(), sizeof *saved, saved) == 0;
    nat_calib_pin(cpu);
    return ok;
}

static void pin_restore(bool ok, const cpu_set_t *saved)
{
    if (ok)
        pthread_setaffinity_np(pthread_self(), sizeof *saved, saved);
}

double nat_validate_busy_on(int32_t cpu)
{
    cpu_set_t saved;
    bool restore = pin_on(cpu, &saved);
    double ipn = nat_calib_busy();
    pin_restore(restore, &saved);
    return ipn;
}

int nat_validate_proc_trial_on(const struct ws_topo *host, const char *workload, int32_t cpu,
                               const struct nat_validate_opts *vo, struct nat_trial *t,
                               struct nat_busy_run *busy_run, char *err, size_t errlen)
{
    struct nat_run_opts o;
    one_worker(host, workload, vo, &o);
    o.bind = NAT_BIND_NONE;   /* not pinned by nat_run: its worker inherits this thread's CPU */
    o.params.binding = WS_BIND_NONE;
    cpu_set_t saved;
    bool restore = pin_on(cpu, &saved);
    uint64_t procs, wall;
    int rc = proc_trial(&o, workload, t, busy_run, &procs, &wall, err, errlen);
    pin_restore(restore, &saved);
    return rc;
}

int nat_validate_round_trial(const struct ws_topo *host, const char *workload, uint32_t threads,
                             const struct nat_validate_opts *vo, struct nat_trial *t,
                             struct nat_round_busy *b, char *err, size_t errlen)
{
    struct nat_run_opts o;
    one_worker(host, workload, vo, &o);
    o.threads = threads;
    o.strategy = vo->strategy;
    struct nat_run_result r;
    long cs = nat_calib_nivcsw(false);
    if (nat_run(&o, &r, err, errlen) != 0)
        return -1;
    long switches = nat_calib_nivcsw(false) - cs;
    memset(b, 0, sizeof(*b));
    if (threads <= NAT_SPEED_MAX && r.summary.steals > 0) {
        *b = (struct nat_round_busy){ .steals = r.summary.steals, .switches = switches,
                                      .cpu = (double)r.x.cpu_ns,
                                      .procs = (double)r.summary.processes };
        for (uint32_t k = 0; k < threads; k++) {
            b->cpu -= (double)r.per_core_awake[k];
            double other = (double)r.summary.makespan_ns - (double)r.per_core_busy[k] -
                           (double)r.per_core_idle[k];
            b->between += other > 0 ? other : 0;
            b->busy[k] = (double)r.per_core_busy[k];
            b->run[k] = (double)r.per_core_run[k];
            b->out[k] = (double)r.per_core_steals_out[k];
            b->in[k] = (double)r.per_core_steals_in[k];
        }
    }
    if (r.x.won_rounds == 0)
        return 0;
    *t = (struct nat_trial){ (double)r.x.won_ns / (double)r.x.won_rounds, switches };
    return 1;
}

/* The per-process cost distribution of workload: one one-worker run recording its timeline
 * into a temporary database, each process's RUN slices summed. 0, or -1 with err. */
int nat_validate_measure_dist(const struct ws_topo *host, const char *workload,
                              const struct nat_validate_opts *vo, struct nat_dist *d, char *err,
                              size_t errlen)
{
    char path[512];
    if (nat_validate_db_temp(path, sizeof path, err, errlen) != 0)
        return -1;
    struct nat_run_opts o;
    one_worker(host, workload, vo, &o);
    o.db_path = path;
    o.timeline_max = NAT_DIST_SLICES;
    struct nat_run_result r;
    int rc = nat_run(&o, &r, err, errlen);
    if (rc == 0)
        rc = nat_validate_dist(path, r.run_id, d, err, errlen);
    nat_validate_db_remove(path);
    return rc;
}
