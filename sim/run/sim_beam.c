/* sim_beam.c: an Erlang VM recording replayed with the BEAM-as-shipped configuration and
 * compared with the recording's ground truth (see sim_beam.h). */
#include "sim/run/sim_beam.h"

#include "sim/db/sim_db.h"
#include "sim/run/sim_run.h"
#include "sim/util/sim_version.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const metric_names[SIM_BM_COUNT] = {
    "makespan_ns", "util_mean", "util_max", "util_min", "migrations", "resp_p50_ns",
    "resp_p99_ns", "wait_p50_ns", "runq_mean", "runq_max", "sleep_mean", "sleep_max",
};

const char *sim_beam_metric_name(enum sim_beam_metric m)
{
    return (unsigned)m < SIM_BM_COUNT ? metric_names[m] : "?";
}

int sim_beam_metric_is_util(enum sim_beam_metric m)
{
    return m == SIM_BM_UTIL_MEAN || m == SIM_BM_UTIL_MAX || m == SIM_BM_UTIL_MIN ||
           m == SIM_BM_SLEEP_MEAN || m == SIM_BM_SLEEP_MAX;
}

/*
 * BEAM as shipped is the strategy `beam` (core/ws_victim_beam.c: ring-order stealing, the
 * periodic balancer at OTP's period with compaction, strict-only affinity, low priority in the
 * normal queue). On top of it: no cost model in the way of a steal (BEAM steals whenever a
 * queue has work: min_steal_queue 1, imbalance 0; the migration policy stays at its default,
 * since "off" denies every move), no spinning before sleep (the recorder runs the VM with
 * +sbwt none), spawn and send costs zero, since the recorded run slices already hold
 * what happens inside a slice (what the VM spends between slices is added by a setup
 * calibrated from recordings, sim_beam.h), and run queues served oldest first (pick_order
 * fifo): a process made runnable joins the tail of its scheduler's queue and the scheduler
 * runs the head (erl_process.c: enqueue_process, dequeue_process), where the model's default
 * runs the newest. A sleeping scheduler is woken for a backlog, not for one waiting process
 * (wake_queue 2; BEAM's wakeup_other check looks for a run queue that stays non-empty): with
 * the wake at 1 the model handed a token ring's token to the idle scheduler at every pass
 * (234 crossings in a recording where the VM made 48), -32% makespan on 2 schedulers. And
 * that check is made between slices (wake_at switch: BEAM's wakeup_other runs in schedule()):
 * of the processes a slice made ready that started on another scheduler, all but 47 of 1,244
 * (45 of those in the server) started after that slice had ended.
 */
static const struct { const char *name, *value; } shipped_params[] = {
    { "min_steal_queue", "1" },
    { "imbalance_threshold", "0" },
    { "spawn_ns", "0" },
    { "msg_ns", "0" },
    { "spin_ns", "0" },
    { "pick_order", "fifo" },
    { "wake_queue", "2" },
    { "wake_at", "switch" },
};

const char *sim_beam_shipped(struct ws_params *p)
{
    char err[256];
    for (size_t i = 0; i < sizeof shipped_params / sizeof *shipped_params; i++)
        ws_params_set(p, shipped_params[i].name, shipped_params[i].value, err, sizeof err);
    return "beam";
}

/* The slices' time of t over all schedulers. */
static uint64_t slices_ns(const struct sim_beam_truth *t)
{
    uint64_t sum = 0;
    for (uint32_t s = 0; s < t->schedulers; s++)
        sum += t->busy_ns[s];
    return sum;
}

static double awake_per_idle(const struct sim_beam_truth *t);

void sim_beam_calibrate(const struct sim_beam_truth *const *t, size_t n, size_t skip,
                        const struct sim_beam_truth *target, struct sim_beam_setup *s)
{
    uint64_t ns = 0, busy = 0, wake = 0, with_wakes = 0, quantum = 0, with_quanta = 0;
    uint64_t pick = 0, with_picks = 0, with_spin = 0;
    double spin = 0;
    for (size_t i = 0; i < n; i++)
        if (i != skip) {
            double a = awake_per_idle(t[i]);
            spin += a >= 0 ? a : 0;
            with_spin += a >= 0;
            /* an exponential mean, the lost races censored (sim_import_beam_cost.c, pickups) */
            uint64_t races = t[i]->won + t[i]->lost, won = t[i]->won ? t[i]->won : 1;
            pick += races ? (t[i]->won_ns + t[i]->lost_ns) / won : 0;   /* none won: >= */
            with_picks += races > 0;
            quantum += t[i]->quanta ? t[i]->quantum_ns : 0;
            with_quanta += t[i]->quanta > 0;
            ns += t[i]->switch_ns;
            busy += slices_ns(t[i]);
            wake += t[i]->wakes ? t[i]->wake_median_ns : 0;
            with_wakes += t[i]->wakes > 0;
        }
    double share = busy ? (double)ns / (double)busy : 0;
    s->switch_share = share;
    s->switch_ns = (uint64_t)(share * (double)slices_ns(target) + 0.5);
    s->event_cost_ns = target->charged_events
                       ? (s->switch_ns + target->charged_events / 2) / target->charged_events : 0;
    s->dispatch_ns = target->slices ? (s->switch_ns + target->slices / 2) / target->slices : 0;
    s->wake_ns = with_wakes ? (wake + with_wakes / 2) / with_wakes : 0;
    s->time_slice_ns = with_quanta ? (quantum + with_quanta / 2) / with_quanta : 0;
    s->spin_ns = with_spin ? (uint64_t)(spin / (double)with_spin + 0.5) : 0;
    s->spin_wake_ns = with_picks ? (pick + with_picks / 2) / with_picks : 0;
}

/* Setup s applied to p after BEAM as shipped, the user's --param last. 0, or -1 with the
 * refused value in err. */
static int apply_setup(struct ws_params *p, const struct sim_beam_setup *s, char *err,
                       size_t errlen)
{
    char v[32], d[32], w[32], q[32], sp[32], sw[32];
    snprintf(v, sizeof v, "%llu", (unsigned long long)(s->at_dispatch ? 0 : s->event_cost_ns));
    snprintf(d, sizeof d, "%llu", (unsigned long long)(s->at_dispatch ? s->dispatch_ns : 0));
    snprintf(w, sizeof w, "%llu", (unsigned long long)s->wake_ns);
    snprintf(q, sizeof q, "%llu", (unsigned long long)s->time_slice_ns);
    snprintf(sp, sizeof sp, "%llu", (unsigned long long)s->spin_ns);
    snprintf(sw, sizeof sw, "%llu", (unsigned long long)s->spin_wake_ns);
    const char *kv[][2] = { { "spawn_ns", v }, { "msg_ns", v }, { "dispatch_ns", d },
                            { "wake_ns", w }, { "spin_ns", sp }, { "spin_wake_ns", sw },
                            { "time_slice_ns", s->time_slice_ns ? q : NULL },
                            { "binding", s->binding }, { "bind_order", s->bind_order } };
    for (size_t i = 0; i < sizeof kv / sizeof *kv; i++)
        if (kv[i][1] != NULL && ws_params_set(p, kv[i][0], kv[i][1], err, errlen) != 0)
            return -1;
    for (size_t i = 0; i < s->nparams; i++)
        if (sim_params_apply(p, s->params[i], err, errlen) != 0)
            return -1;
    return 0;
}

/* The VM's busy time of scheduler s as the simulator counts its own: the slices and the
 * switching between them (charged in the simulator as spawn and send costs). Not
 * scheduler_wall_time's active time: that also holds the trace port's writes, port tasks a
 * scheduler runs when no process is ready, which no trace process stands for. */
static uint64_t vm_busy(const struct sim_beam_truth *t, uint32_t s)
{
    uint64_t b = t->busy_ns[s] + t->switched_ns[s];
    return b < t->makespan_ns ? b : t->makespan_ns;
}

/*
 * Sleep. The VM's is its microstate accounting's sleep state, over each scheduler thread's
 * window: from when it handled the switch on (just before the root starts) to when it handled
 * the switch off (after the recorder saw the last exit, which it looks for every millisecond;
 * later when the thread was not running: 4 ms past a 0.3 ms run under load). The part of the
 * window past the makespan is taken as asleep and left out, so the share is of the makespan,
 * as the simulator's sleep_ns is, and at most the scheduler's idle time (the makespan less
 * its slices and switching). NAN without msacc records.
 */
static double vm_sleep_ns(const struct sim_beam_truth *t, uint32_t s)
{
    if (!t->has_msacc)
        return NAN;
    uint64_t window = 0;
    for (int k = 0; k < SIM_BEAM_MSACC_STATES; k++)
        window += t->msacc_ns[s][k];
    uint64_t tail = window > t->makespan_ns ? window - t->makespan_ns : 0;
    uint64_t z = t->msacc_ns[s][SIM_MSACC_SLEEP];
    z = z > tail ? z - tail : 0;
    uint64_t idle = t->makespan_ns - vm_busy(t, s);   /* asleep only when not busy */
    return (double)(z < idle ? z : idle);
}

/*
 * Awake and idle. Between a slice and the next the VM's schedulers were often awake without
 * work (aux work, I/O polls, the trace port): in a ring recording on 2 schedulers 2.6-2.7 ms
 * of 12 ms each, about 38 us per period a scheduler ran dry. That is the model's spin_ns: an
 * awake core is told of work it may steal, a sleeping one only of a backlog (wake_queue 2).
 * The mean over schedulers of (makespan - sleep - slices and switching) per period run dry;
 * -1 without microstate accounting or such periods.
 */
static double awake_per_idle(const struct sim_beam_truth *t)
{
    double awake = 0;
    uint64_t periods = 0;
    for (uint32_t s = 0; s < t->schedulers && t->has_msacc; s++) {
        double z = vm_sleep_ns(t, s), b = (double)vm_busy(t, s);
        double a = (double)t->makespan_ns - z - b;
        awake += a > 0 ? a : 0;
        periods += t->idle_periods[s];
    }
    return periods > 0 ? awake / (double)periods : -1;
}

static void sleep_metrics(const double *z, uint32_t n, uint64_t makespan, double *out)
{
    double sum = 0, max = 0;
    for (uint32_t i = 0; i < n; i++) {
        double share = makespan ? z[i] / (double)makespan : 0;
        sum += share;
        max = share > max ? share : max;
    }
    out[SIM_BM_SLEEP_MEAN] = sum / n;
    out[SIM_BM_SLEEP_MAX] = isnan(sum) ? sum : max;
}

/* scheduler_wall_time's mean active share over the run (0 when not recorded). */
static double vm_wall_util(const struct sim_beam_truth *t)
{
    double sum = 0;
    for (uint32_t s = 0; s < t->schedulers; s++)
        sum += t->vm_total_ns[s] ? (double)t->vm_active_ns[s] / (double)t->vm_total_ns[s] : 0;
    return sum / t->schedulers;
}

/* Per-scheduler utilisation, sorted descending (the VM's scheduler 1 need not be core 0). */
static void util_sorted(const uint64_t *busy, uint32_t n, uint64_t makespan, double *u)
{
    for (uint32_t i = 0; i < n; i++)
        u[i] = makespan ? (double)busy[i] / (double)makespan : 0;
    for (uint32_t i = 1; i < n; i++)
        for (uint32_t k = i; k > 0 && u[k] > u[k - 1]; k--) {
            double x = u[k];
            u[k] = u[k - 1];
            u[k - 1] = x;
        }
}

static void util_metrics(const double *u, uint32_t n, double *out)
{
    double sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum += u[i];
    out[SIM_BM_UTIL_MEAN] = sum / n;
    out[SIM_BM_UTIL_MAX] = u[0];
    out[SIM_BM_UTIL_MIN] = u[n - 1];
}

/*
 * Run queues. The VM's side is the mean of erlang:statistics(run_queue_lengths) per scheduler
 * over the recording's samples (about one a millisecond, instantaneous); the simulator's the
 * mean of its timeseries' queue_len per core, which is each bucket's largest queue (at most
 * 128 buckets a run): an upper bound of the time average, so the simulated side reads high
 * where queues move within a bucket. Compared as the mean over schedulers and the largest.
 */
static void runq_metrics(const double *mean, uint32_t n, double *out)
{
    double sum = 0, max = 0;
    for (uint32_t i = 0; i < n; i++) {
        sum += mean[i];
        max = mean[i] > max ? mean[i] : max;
    }
    out[SIM_BM_RUNQ_MEAN] = sum / n;
    out[SIM_BM_RUNQ_MAX] = max;
}

/* Store the recorded run (mode beam, strategy beam-vm) in experiment exp, under the replay's
 * trace name ("beam:RECORDING"), so that report and plot put the two in one table. 0 or -1. */
static int store_vm(struct sim_db *db, const char *trace, const struct sim_beam_truth *t,
                    int64_t exp, const char *topo, int64_t *id, char *err, size_t errlen)
{
    struct sim_core_stats *cores = calloc(t->schedulers, sizeof *cores);
    if (cores == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    double usum = 0;
    for (uint32_t s = 0; s < t->schedulers; s++) {
        uint64_t busy = vm_busy(t, s);
        double z = vm_sleep_ns(t, s);
        cores[s] = (struct sim_core_stats){ .busy_ns = busy, .idle_ns = t->makespan_ns - busy,
                                            .sleep_ns = isnan(z) ? 0 : (uint64_t)z,
                                            .kind = "P" };
        usum += t->makespan_ns ? (double)busy / (double)t->makespan_ns : 0;
    }
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    struct sim_run_metrics m = {
        .run = { .experiment_id = exp, .trace = trace, .topology = topo,
                 .strategy = "beam-vm", .params_json = "{\"source\":\"erlang vm recording\"}",
                 .seed = 0, .mode = SIM_MODE_BEAM, .tool_version = sim_version,
                 .start_unix_ns = (int64_t)wall.tv_sec * 1000000000 + wall.tv_nsec,
                 .wall_s = (double)t->wall_ns / 1e9 },
        .summary = { .makespan_ns = t->makespan_ns, .processes = t->processes,
                     .migrations = { [SIM_DIST_CLUSTER] = t->migrations },
                     .utilization = usum / t->schedulers, .wait_p50_ns = t->wait_p50_ns,
                     .wait_p95_ns = t->wait_p99_ns, .wait_p99_ns = t->wait_p99_ns,
                     .resp_p50_ns = t->resp_p50_ns, .resp_p95_ns = t->resp_p95_ns,
                     .resp_p99_ns = t->resp_p99_ns },
        .ncores = t->schedulers, .cores = cores,
    };
    sim_metrics_derive(&m);
    int rc = sim_db_write_run(db, &m, id, err, errlen);
    free(cores);
    return rc;
}

/* The simulated side of c from run r (its per-core rows read from db). 0 or -1. */
static int sim_side(struct sim_db *db, const struct sim_run_result *r, struct sim_beam_cmp *c,
                    char *err, size_t errlen)
{
    struct sim_core_stats *cores = calloc(r->ncores, sizeof *cores);
    uint64_t *busy = calloc(r->ncores, sizeof *busy);
    double *u = calloc(r->ncores, sizeof *u), *q = calloc(r->ncores, sizeof *q);
    double *z = calloc(r->ncores, sizeof *z);
    int rc = cores && busy && u && q && z ? sim_db_read_core_stats(db, r->run_id, cores,
                                                                   r->ncores, err, errlen) : -1;
    if (rc == 0)
        rc = sim_db_read_queue_means(db, r->run_id, q, r->ncores, err, errlen);
    if (rc == 0) {
        for (uint32_t i = 0; i < r->ncores; i++) {
            busy[i] = cores[i].busy_ns;
            z[i] = (double)cores[i].sleep_ns;
        }
        util_sorted(busy, r->ncores, r->summary.makespan_ns, u);
        util_metrics(u, r->ncores, c->sim);
        sleep_metrics(z, r->ncores, r->summary.makespan_ns, c->sim);
        const struct sim_run_summary *s = &r->summary;
        c->sim[SIM_BM_MAKESPAN] = (double)s->makespan_ns;
        c->sim[SIM_BM_MIGRATIONS] = 0;
        for (int d = 0; d < SIM_DIST_COUNT; d++)
            c->sim[SIM_BM_MIGRATIONS] += (double)s->migrations[d];
        c->sim[SIM_BM_RESP_P50] = (double)s->resp_p50_ns;
        c->sim[SIM_BM_RESP_P99] = (double)s->resp_p99_ns;
        c->sim[SIM_BM_WAIT_P50] = (double)s->wait_p50_ns;
        runq_metrics(q, r->ncores, c->sim);
    } else if (cores == NULL || busy == NULL || u == NULL || q == NULL || z == NULL) {
        snprintf(err, errlen, "out of memory");
    }
    free(z);
    free(q);
    free(cores);
    free(busy);
    free(u);
    return rc;
}

static void vm_side(const struct sim_beam_truth *t, struct sim_beam_cmp *c)
{
    double u[SIM_BEAM_MAX_SCHED];
    uint64_t busy[SIM_BEAM_MAX_SCHED] = { 0 };
    for (uint32_t s = 0; s < t->schedulers; s++)
        busy[s] = vm_busy(t, s);
    util_sorted(busy, t->schedulers, t->makespan_ns, u);
    util_metrics(u, t->schedulers, c->vm);
    c->vm[SIM_BM_MAKESPAN] = (double)t->makespan_ns;
    c->vm_wall_util = vm_wall_util(t);
    c->vm[SIM_BM_MIGRATIONS] = (double)t->migrations;
    c->vm[SIM_BM_RESP_P50] = (double)t->resp_p50_ns;
    c->vm[SIM_BM_RESP_P99] = (double)t->resp_p99_ns;
    c->vm[SIM_BM_WAIT_P50] = (double)t->wait_p50_ns;
    double q[SIM_BEAM_MAX_SCHED], z[SIM_BEAM_MAX_SCHED];
    for (uint32_t s = 0; s < t->schedulers; s++) {
        q[s] = t->rq_samples ? (double)t->rq_sum[s] / (double)t->rq_samples : 0;
        z[s] = vm_sleep_ns(t, s);
    }
    runq_metrics(q, t->schedulers, c->vm);
    sleep_metrics(z, t->schedulers, t->makespan_ns, c->vm);
}

#define DISPATCH_FITS 4
#define DISPATCH_SCAN 16

/* o's parameters: BEAM as shipped and setup, with the recording's switching time spread over
 * `spread` dispatches (0: setup's own dispatch_ns, over the recording's slices). */
static int set_spread(struct sim_run_opts *o, const struct sim_beam_setup *setup,
                      uint64_t spread, uint64_t *dispatch_ns, char *err, size_t errlen)
{
    struct sim_beam_setup fit = *setup;
    if (spread > 0)
        fit.dispatch_ns = (setup->switch_ns + spread / 2) / spread;
    *dispatch_ns = fit.dispatch_ns;
    ws_params_defaults(&o->params);
    sim_beam_shipped(&o->params);
    return apply_setup(&o->params, &fit, err, errlen);
}

struct dispatch_fit {
    uint64_t tried[DISPATCH_FITS], ntried;
    uint64_t lo, hi;                /* the fewest and most dispatches a replay made */
    uint64_t best, best_off;        /* the spread whose replay came nearest, and by how many */
};

/* One replay stored nowhere at `spread` (see set_spread); 1 when it made as many dispatches as
 * its cost was spread over, 0 when not, -1 on an error. */
static int fit_try(struct sim_run_opts *o, const struct sim_beam_setup *setup, uint64_t spread,
                   struct dispatch_fit *f, uint64_t *made, char *err, size_t errlen)
{
    uint64_t d;
    struct sim_run_result r;
    if (set_spread(o, setup, spread, &d, err, errlen) != 0 ||
        sim_run_replay(o, &r, err, errlen) != 0)
        return -1;
    *made = r.summary.dispatches;
    f->lo = *made < f->lo ? *made : f->lo;
    f->hi = *made > f->hi ? *made : f->hi;
    if (spread == 0)
        return 0;
    if (f->ntried < DISPATCH_FITS)
        f->tried[f->ntried++] = spread;
    uint64_t off = *made > spread ? *made - spread : spread - *made;
    if (off < f->best_off || (off == f->best_off && spread < f->best))
        f->best = spread, f->best_off = off;
    return off == 0;
}

/* The model starts a process more or fewer times than the VM ran slices (it preempts by time,
 * not reductions): the recording's switching time is spread over the model's own dispatches,
 * counted by replays stored nowhere. The count moves with the cost charged (the order of events
 * does), so this looks for a spread k whose replay makes k dispatches: by repeating (k = the
 * last replay's count; at most DISPATCH_FITS replays), then, where that cycles, over every k
 * between the fewest and the most dispatches seen (at most DISPATCH_SCAN more). Where no k
 * makes itself, the one whose replay came nearest is kept (the smallest of a tie). Leaves o's
 * parameters set for it and c->dispatch_ns, c->dispatch_spread set (0: no replay dispatched
 * anything, and the first guess stays). */
static int fit_dispatch(struct sim_run_opts *o, const struct sim_beam_setup *setup,
                        struct sim_beam_cmp *c, char *err, size_t errlen)
{
    const char *db_path = o->db_path;
    o->db_path = NULL;
    struct dispatch_fit f = { .lo = UINT64_MAX, .best_off = UINT64_MAX };
    uint64_t k = 0, made = 0;
    int rc = 0;
    for (int i = 0; i < DISPATCH_FITS && rc == 0; i++, k = made)
        if ((rc = fit_try(o, setup, k, &f, &made, err, errlen)) != 0 || made == 0)
            break;
    uint64_t lo = f.lo, hi = f.hi;
    if (rc == 0 && made > 0 && hi - lo <= DISPATCH_SCAN)
        for (k = lo; k <= hi && rc == 0; k++) {
            bool seen = false;
            for (uint64_t j = 0; j < f.ntried; j++)
                seen |= f.tried[j] == k;
            if (!seen)
                rc = fit_try(o, setup, k, &f, &made, err, errlen);
        }
    o->db_path = db_path;
    if (rc < 0)
        return -1;
    c->dispatch_spread = f.best;
    return set_spread(o, setup, f.best, &c->dispatch_ns, err, errlen);
}

int sim_beam_compare(const char *recording, const struct sim_beam_truth *t,
                     const struct sim_beam_setup *setup, const char *db_path, const char *what,
                     uint64_t seed, struct sim_beam_cmp *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    char spec[1100], topo[32];
    snprintf(spec, sizeof spec, "beam:%s", recording);
    snprintf(topo, sizeof topo, "synth:p=%u", t->schedulers);
    struct sim_run_opts o = { .trace = spec, .topology = topo, .seed = seed,
                              .db_path = db_path, .machine = setup->machine };
    if (setup->machine != NULL)
        o.topology = setup->machine_name;
    ws_params_defaults(&o.params);
    o.strategy = sim_beam_shipped(&o.params);
    struct sim_db *db = NULL;
    struct sim_run_result r;
    int rc = apply_setup(&o.params, setup, err, errlen);
    c->event_cost_ns = setup->at_dispatch ? 0 : setup->event_cost_ns;
    c->dispatch_ns = setup->at_dispatch ? setup->dispatch_ns : 0;
    if (rc == 0 && setup->at_dispatch && setup->switch_ns > 0)
        rc = fit_dispatch(&o, setup, c, err, errlen);
    if (rc == 0)
        rc = sim_db_open(db_path, false, &db, err, errlen);
    if (rc == 0)
        rc = sim_db_create_experiment(db, what, &c->experiment_id, err, errlen);
    o.experiment_id = c->experiment_id;
    if (rc == 0)
        rc = store_vm(db, spec, t, c->experiment_id, o.topology, &c->vm_run_id, err, errlen);
    if (rc == 0)
        rc = sim_run_replay(&o, &r, err, errlen);
    if (rc == 0)
        rc = sim_side(db, &r, c, err, errlen);
    if (rc == 0) {
        c->sim_run_id = r.run_id;
        vm_side(t, c);
        for (int m = 0; m < SIM_BM_COUNT; m++)
            c->err[m] = sim_beam_metric_is_util(m) ? c->sim[m] - c->vm[m]
                        : c->vm[m] != 0 ? (c->sim[m] - c->vm[m]) / c->vm[m] : (double)NAN;
    }
    sim_db_close(db);
    return rc;
}
