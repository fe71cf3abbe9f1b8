/* nat_validate_run.c: both sides' repetitions of validate (nat_validate_int.h): the native
 * runs with the per-process trials between them, the simulations on several threads, and the
 * extra native run that times the first steal. */
#include "native/nat_validate.h"
#include "native/nat_validate_int.h"

#include "sim/util/sim_version.h"
#include "sim/db/sim_db.h"
#include "sim/engine/sim_engine.h"
#include "sim/engine/sim_timeline.h"
#include "sim/run/sim_run.h"
#include "sim/trace/import/sim_import.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The extra native run records the first slices of its schedule, where the first steal is (on
 * a loaded host worker 0 may run 16 k slices before worker 1 is up); every simulation records
 * its first slices in memory (its cores start together, so the first steal is early). */
#define FIRST_STEAL_SLICES (1u << 18)
#define SIM_FIRST_SLICES (1u << 16)
/* The host's noise is measured before each native run and after the last, this long each time
 * on all the run's CPUs at once: detours come every few ms on a quiet VM. */
#define NOISE_SLICE_NS 50000000ull

static int store_sim(const struct nat_validate_opts *o, struct sim_run_metrics *m,
                     const struct ws_params *p, const char *cal_json, uint64_t seed,
                     int32_t pair, double wall_s, const struct nat_validate_result *r,
                     int64_t *id, char *err, size_t errlen, const char *checksum)
{
    uint32_t seed_index = (uint32_t)(seed - o->seed);   /* (seeds are o->seed + i) */
    char *base = sim_params_json(p);
    cJSON *j = base ? cJSON_Parse(base) : NULL;
    free(base);
    cJSON *cal = cal_json ? cJSON_Parse(cal_json) : NULL;
    if (j != NULL && cal != NULL)
        cJSON_AddItemToObject(j, "calibration", cal);
    else
        cJSON_Delete(cal);
    cJSON *sp = j != NULL ? cJSON_AddArrayToObject(j, "cpu_speed") : NULL;   /* its cores' */
    for (uint32_t k = 0; sp != NULL && seed_index < NAT_VALIDATE_MAX_REPEAT && k < r->threads &&
                         k < NAT_SPEED_MAX; k++)
        cJSON_AddItemToArray(sp, cJSON_CreateNumber(r->seed_speed[seed_index][k]));
    cJSON *pr = j != NULL && pair >= 0 ? cJSON_AddObjectToObject(j, "paired") : NULL;
    if (pr != NULL) {   /* --paired: the native run it models, at that run's cost */
        cJSON_AddNumberToObject(pr, "native_run_id", (double)r->native_run_ids[pair]);
        cJSON_AddNumberToObject(pr, "cost_factor", r->paired_factor[pair]);
    }
    char *pj = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    if (pj == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    m->run = (struct sim_run_desc){
        .trace = r->sim_trace, .trace_checksum = checksum, .topology = r->topology,
        .strategy = o->strategy, .params_json = pj, .seed = seed, .mode = SIM_MODE_SIM,
        .tool_version = sim_version,
        .start_unix_ns = (int64_t)wall.tv_sec * 1000000000 + wall.tv_nsec,
        .wall_s = wall_s, .timeseries_interval_ns = m->run.timeseries_interval_ns,
        .experiment_id = r->experiment_id,
    };
    struct sim_db *db = NULL;
    int rc = sim_db_open(r->db_path, false, &db, err, errlen);
    if (rc == 0)
        rc = sim_db_write_run(db, m, id, err, errlen);
    sim_db_close(db);
    free(pj);
    return rc;
}

/* CPU time of a simulated run: every core's time but its sleep (spinning costs CPU) and the
 * part of the host noise it paid that natively is off the CPU (noise z; the rest of a detour
 * counts as CPU time there, nat_noise.c). */
static double sim_cpu_ns(const struct sim_run_metrics *m, const struct nat_noise *z)
{
    double off = z->detour_ns > 0 ? z->off_cpu_ns / z->detour_ns : 1.0, t = 0;
    for (uint32_t c = 0; c < m->ncores; c++)
        t += (double)(m->cores[c].busy_ns + m->cores[c].steal_ns + m->cores[c].idle_ns -
                      m->cores[c].sleep_ns) -
             off * (double)(m->cores[c].noise_ns + m->cores[c].noise_steal_ns);
    return t;
}

/* From the first RUN slice of a simulated run's recorded slices to its first successful steal
 * (0: none among them). */
static double sim_first_steal(const struct sim_run_metrics *m)
{
    uint64_t first_run = UINT64_MAX, first_steal = UINT64_MAX;
    for (size_t i = 0; i < m->ntimeline; i++) {
        const struct sim_tl_slice *x = &m->timeline[i];
        if (x->kind == SIM_TL_RUN && x->start_ns < first_run)
            first_run = x->start_ns;
        if (x->kind == SIM_TL_STEAL && x->pid != SIM_TL_NONE64 && x->start_ns < first_steal)
            first_steal = x->start_ns;
    }
    return first_steal != UINT64_MAX && first_run <= first_steal
           ? (double)(first_steal - first_run) : 0.0;
}

/* What one simulated repetition gives back. */
struct sim_out {
    struct sim_run_summary sum;
    double cpu_ns, wall_s, first_steal;
    double noise_busy, noise_steal;   /* host noise, all cores: in runs, before steal rounds */
    double *busy;                 /* [threads], largest first */
    double share[NAT_VALIDATE_MAX_RANKS];   /* core k's share of the dispatches */
    int64_t id;
};

/* Each of n cores' share of the dispatches they made, in place (all 0 when none ran). */
static void run_shares(double *share, uint32_t n)
{
    double all = 0;
    for (uint32_t k = 0; k < n; k++)
        all += share[k];
    for (uint32_t k = 0; k < n; k++)
        share[k] = all > 0 ? share[k] / all : 0.0;
}

/* Replay r->sim_trace on topo with p and seed in the simulator into *out and store it (under
 * lock, when not NULL: simulations run on several threads, the database takes one writer);
 * pair: the native run it models (--paired), else -1. */
static int simulate(const struct nat_validate_opts *o, const struct ws_topo *topo,
                    const struct ws_params *p, const char *cal_json, uint64_t seed, int32_t pair,
                    const struct nat_validate_result *r, struct sim_out *out,
                    pthread_mutex_t *lock, char *err, size_t errlen)
{
    struct sim_trace *t = sim_trace_open(r->sim_trace, NULL, err, errlen);
    if (t == NULL)
        return -1;
    struct sim_engine_opts eo = { .topo = topo, .params = p, .strategy = o->strategy,
                                  .seed = seed, .timeline_max = SIM_FIRST_SLICES };
    uint64_t t0 = nat_now_ns();
    struct sim_engine *e = sim_engine_create(t, &eo, err, errlen);
    int rc = -1;
    if (e != NULL && sim_engine_run(e, o->stopped, err, errlen) == 0) {
        out->wall_s = (double)(nat_now_ns() - t0) / 1e9;
        struct sim_run_metrics m = *sim_engine_metrics(e);
        out->sum = m.summary;
        out->cpu_ns = sim_cpu_ns(&m, &r->cal.noise);
        out->first_steal = sim_first_steal(&m);
        m.timeline = NULL;   /* recorded for the first steal only: not stored */
        m.ntimeline = m.timeline_max = 0;
        m.timeline_dropped = m.timeline_cut_ns = 0;
        for (uint32_t c = 0; c < m.ncores && c < r->threads; c++)
            out->busy[c] = (double)m.cores[c].busy_ns;
        uint32_t n = 0;
        for (; n < m.ncores && n < r->threads && n < NAT_VALIDATE_MAX_RANKS; n++)
            out->share[n] = (double)m.cores[n].processes_run;
        run_shares(out->share, n);
        for (uint32_t c = 0; c < m.ncores; c++) {
            out->noise_busy += (double)m.cores[c].noise_ns;
            out->noise_steal += (double)m.cores[c].noise_steal_ns;
        }
        nat_validate_sort_busy(out->busy, r->threads);
        const char *sum = sim_trace_checksum(t);
        if (lock != NULL)
            pthread_mutex_lock(lock);
        rc = store_sim(o, &m, p, cal_json, seed, pair, out->wall_s, r, &out->id, err, errlen,
                       sum);
        if (lock != NULL)
            pthread_mutex_unlock(lock);
    }
    sim_engine_destroy(e);
    sim_trace_close(t);
    return rc;
}

static uint64_t mig_total(const struct sim_run_summary *s)
{
    uint64_t m = 0;
    for (int d = 0; d < SIM_DIST_COUNT; d++)
        m += s->migrations[d];
    return m;
}

/* The compared metrics of one run; busy_ns is the mean core's busy time, cpu_ns the CPU time
 * of all cores (what the workers held a CPU for, whatever else the host ran). */
static void metrics_of(const struct sim_run_summary *s, double cpu_ns,
                       double v[NAT_VALIDATE_METRICS])
{
    v[8] = cpu_ns;
    v[0] = (double)s->makespan_ns;
    v[1] = (double)s->steals;
    v[2] = (double)s->steal_attempts;
    v[3] = (double)mig_total(s);
    v[4] = s->utilization;
    v[5] = (double)s->processes;
    v[6] = s->utilization * (double)s->makespan_ns;
    v[7] = s->busy_max_mean;
}

/* Native repetition i (seed + i), stored in r's experiment; its metrics and its cores' busy
 * times (read back from the stored rows) into s. */
static int native_rep(const struct nat_validate_opts *o, const struct ws_topo *host,
                      const char *cal_json, uint32_t i, struct nat_validate_result *r,
                      struct samples *s, char *err, size_t errlen)
{
    struct nat_run_opts no;
    nat_run_defaults(&no);
    no.workload = o->workload;
    no.threads = r->threads;
    no.strategy = o->strategy;
    no.seed = o->seed + i;
    no.params = o->params;
    no.db_path = r->db_path;
    no.calibration_json = cal_json;
    no.host = host;
    no.busy_ipn = r->cal.busy_iters_per_ns;
    no.stopped = o->stopped;
    no.timeline_max = r->timeline ? FIRST_STEAL_SLICES : 0;
    double *nb = calloc(r->threads, sizeof(double));
    int rc = nb == NULL || nat_run(&no, &r->native, err, errlen) != 0 ||
             (r->experiment_id != 0 && nat_validate_adopt(r->db_path, r->experiment_id,
                                                          r->native.run_id, err, errlen) != 0) ||
             nat_validate_busy(r->db_path, r->native.run_id, r->threads, nb, err, errlen) != 0
             ? -1 : 0;
    if (nb == NULL)
        snprintf(err, errlen, "out of memory");
    _Static_assert(sizeof r->native.per_core_run / sizeof r->native.per_core_run[0] >=
                       NAT_VALIDATE_MAX_RANKS, "a native run counts every compared worker");
    if (rc == 0) {
        double share[NAT_VALIDATE_MAX_RANKS];
        uint32_t n = r->threads < NAT_VALIDATE_MAX_RANKS ? r->threads : NAT_VALIDATE_MAX_RANKS;
        for (uint32_t k = 0; k < n; k++)
            share[k] = (double)r->native.per_core_run[k];
        run_shares(share, n);
        for (uint32_t k = 0; k < n; k++) {
            s->busy_nat[k][i] = nb[k];
            s->share_nat[k][i] = share[k];
        }
    }
    free(nb);
    if (rc != 0)
        return -1;
    r->native_run_ids[i] = r->native.run_id;
    r->native_wall_s += r->native.wall_s;
    double nv[NAT_VALIDATE_METRICS];
    metrics_of(&r->native.summary, (double)r->native.x.cpu_ns, nv);
    const struct sim_run_summary *ns = &r->native.summary;
    s->share[i] = ns->makespan_ns > 0
                  ? nv[8] / ((double)r->threads * (double)ns->makespan_ns) : 0.0;
    for (int k = 0; k < NAT_VALIDATE_METRICS; k++)
        s->nat[k][i] = nv[k];
    for (int t = 0; t < SIM_STEAL_TIMES; t++)
        for (int k = 0; k < SIM_TENTHS; k++)
            s->tenth_nat[t][k][i] = (double)sim_steal_times(ns, t)[k];
    r->won_long += r->native.x.won_long;
    for (uint32_t b = 0; b < NAT_ROUND_BINS; b++)
        s->won_hist[b] += r->native.x.won_hist[b];
    if (r->native.x.won_rounds > 0)
        s->won[s->nwon++] = (double)r->native.x.won_ns / (double)r->native.x.won_rounds;
    return 0;
}

/* A copy of t with every core's capacity divided by f and core k's multiplied by speed[k] (k <
 * nspeed), within the topology's limits: the model of a run whose per-process cost was f times
 * the calibrated one and whose CPUs ran at those speeds against the model's. NULL with err. */
static struct ws_topo *paired_topo(const struct ws_topo *t, double f, const double *speed,
                                   uint32_t nspeed, char *err, size_t errlen)
{
    char *text = ws_topo_to_json(t, false);
    struct ws_topo *c = NULL;
    struct ws_topo_error te;
    if (text == NULL || ws_topo_parse_json(text, strlen(text), &c, &te) != WS_OK) {
        snprintf(err, errlen, "cannot copy the model's topology: %s",
                 text == NULL ? "out of memory" : te.message);
        ws_topo_json_free(text);
        return NULL;
    }
    ws_topo_json_free(text);
    for (uint32_t k = 0; k < c->ncores; k++) {
        double cap = c->cores[k].capacity / f * (k < nspeed ? speed[k] : 1.0);
        c->cores[k].capacity = cap < WS_TOPO_CAP_MIN ? WS_TOPO_CAP_MIN
                               : cap > WS_TOPO_CAP_MAX ? WS_TOPO_CAP_MAX : cap;
    }
    return c;
}

/* The simulated repetitions, shared by the threads that run them. */
struct sim_jobs {
    const struct nat_validate_opts *o;
    const struct ws_topo *topo;
    const struct ws_params *sp;
    const char *cal_json;
    struct nat_validate_result *r;
    struct samples *s;
    pthread_mutex_t lock;         /* the database, r and s */
    _Atomic uint32_t next;        /* the next repetition to simulate */
    int rc;
    char err[512];
};

/* Simulated repetition i (seed + i) into s and r, under j->lock. 0, or -1 with j->err. */
static int sim_rep(struct sim_jobs *j, uint32_t i)
{
    struct nat_validate_result *r = j->r;
    char err[512];
    struct sim_out out = { .busy = calloc(r->threads, sizeof(double)) };
    struct ws_topo *own = NULL;   /* --paired: the cores of the run this seed models */
    double f = r->paired ? r->paired_factor[i % r->repeat] : 1.0;
    double speed[NAT_SPEED_MAX];  /* ... its CPUs' speeds over the model's */
    bool same = true;
    for (uint32_t k = 0; k < NAT_SPEED_MAX; k++) {
        double model = nat_calib_speed(&r->cal, k);
        speed[k] = model > 0 ? r->seed_speed[i][k] / model : 1.0;
        same = same && speed[k] == 1.0;
    }
    int rc = -1;
    if (out.busy == NULL)
        snprintf(err, sizeof err, "out of memory");
    else if ((f == 1.0 && same) ||
             (own = paired_topo(j->topo, f, speed, NAT_SPEED_MAX, err, sizeof err)) != NULL)
        rc = simulate(j->o, own != NULL ? own : j->topo, j->sp, j->cal_json, j->o->seed + i,
                      r->paired ? (int32_t)(i % r->repeat) : -1, r, &out, &j->lock, err,
                      sizeof err);
    ws_topo_destroy(own);
    pthread_mutex_lock(&j->lock);
    if (rc == 0) {
        r->sim_wall_s += out.wall_s;
        r->sim_run_ids[i] = out.id;
        if (i + 1 == r->sim_repeat)
            r->sim = out.sum;
        double sv[NAT_VALIDATE_METRICS];
        metrics_of(&out.sum, out.cpu_ns, sv);
        for (int k = 0; k < NAT_VALIDATE_METRICS; k++)
            j->s->sim[k][i] = sv[k];
        j->s->first_sim[i] = out.first_steal;
        for (int t = 0; t < SIM_STEAL_TIMES; t++)
            for (int k = 0; k < SIM_TENTHS; k++)
                j->s->tenth_sim[t][k][i] = (double)sim_steal_times(&out.sum, t)[k];
        j->s->noise_busy[i] = out.noise_busy;
        j->s->noise_steal[i] = out.noise_steal;
        for (uint32_t k = 0; k < r->threads && k < NAT_VALIDATE_MAX_RANKS; k++) {
            j->s->busy_sim[k][i] = out.busy[k];
            j->s->share_sim[k][i] = out.share[k];
        }
    } else if (j->rc == 0) {
        j->rc = -1;
        snprintf(j->err, sizeof j->err, "%s", err);
    }
    pthread_mutex_unlock(&j->lock);
    free(out.busy);
    return rc;
}

static void *sim_worker(void *arg)
{
    struct sim_jobs *j = arg;
    uint32_t i;
    while ((i = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed)) < j->r->sim_repeat &&
           sim_rep(j, i) == 0)
        ;
    return NULL;
}

/* The native repetitions, all before any simulation, with nothing else of ours running. With
 * trials (room for (repeat + 1) x SLOT_MAX_TRIALS), one-worker runs of the calibration workload
 * before each and after the last (up to SLOT_MAX_TRIALS where cheap): the per-process cost measured in the
 * same minutes as the runs, since on a shared host it drifts by 20% between runs a few seconds
 * apart. */
int nat_validate_run_natives(const struct nat_validate_opts *o, const struct ws_topo *host,
                             const int32_t *cpus, const char *cal_json,
                             struct nat_validate_result *r, struct samples *s,
                             struct nat_trial *trials, uint32_t *ntrials, char *err,
                             size_t errlen)
{
    uint64_t procs, wall = 0;
    uint32_t per_slot = 1;   /* trials before each run: more where they are cheap */
    struct nat_validate_opts ro = *o;   /* the round's runs: a replay's busy loop as the runs' */
    ro.busy_ipn = r->cal.busy_iters_per_ns;
    memset(&r->cal.noise, 0, sizeof r->cal.noise);   /* (a sweep's count measures its own) */
    memset(&r->cal.steal_round, 0, sizeof r->cal.steal_round);   /* (... and its own rounds) */
    r->cal.busy_factor = r->cal.busy_victim = r->cal.busy_thief = (struct nat_cost){ 0 };
    r->cal.busy_roles = false;                                     /* (... and its fit) */
    memset(r->cal.speed, 0, sizeof r->cal.speed);                  /* (... and its CPUs) */
    r->cal.nspeed = 0;
    r->cal.busy_rate = (struct nat_cost){ 0 };                      /* (... and its loop) */
    s->nrate = 0;
    for (uint32_t i = 0; i <= r->repeat; i++) {
        if (nat_noise_measure(cpus, r->threads, NOISE_SLICE_NS, &r->cal.noise) != 0) {
            snprintf(err, errlen, "cannot start a noise measurement thread");
            return -1;
        }
        if (trials == NULL && r->cal.busy_iters_per_ns > 0)   /* a replayed trace */
            s->rate[s->nrate++] = (struct nat_trial){
                nat_validate_busy_on(cpus[0]) / r->cal.busy_iters_per_ns, 0 };
        uint32_t first = *ntrials;
        s->slot_first[i] = first;
        struct nat_busy_run slot_proc[NAT_SPEED_MAX] = { { 0, 0 } };   /* this slot's busy
                                                                     time on each worker's CPU */
        for (uint32_t k = 0; trials != NULL && k < per_slot; k++)
            if (nat_validate_proc_trial(host, r->cal.workload, o, &trials[(*ntrials)++],
                                        k == 0 ? &slot_proc[0] : NULL, &procs, &wall, err,
                                        errlen) != 0)
                return -1;
        /* a replayed trace has no per-process trials (its work is its own): one one-worker
         * run of it on worker 0's CPU stands for them here */
        const char *wl = trials != NULL ? r->cal.workload : o->workload;
        bool speeds = r->threads > 1 && r->threads <= NAT_SPEED_MAX;
        struct nat_trial t0 = trials != NULL ? trials[first] : (struct nat_trial){ 0 };
        uint64_t n0, w0;
        if (trials == NULL && speeds &&
            nat_validate_proc_trial(host, wl, &ro, &t0, &slot_proc[0], &n0, &w0, err,
                                    errlen) != 0)
            return -1;
        /* each other worker's CPU, against worker 0's trial of this slot */
        for (uint32_t k = 1; speeds && k < r->threads; k++) {
            struct nat_trial t;
            if (nat_validate_proc_trial_on(host, wl, cpus[k], &ro, &t, &slot_proc[k], err,
                                           errlen) != 0)
                return -1;
            s->speed[k][i] = (struct nat_trial){ t.v > 0 ? t0.v / t.v : 1.0,
                                                 t0.switches + t.switches };
        }
        /* the steal round as runs pay it (on an asymmetric deque: its barrier; a replayed
         * trace's workers keep symmetric deques and take the lock on its records) */
        struct nat_round_busy *b = &s->rbusy[s->nrbusy];
        int got = r->threads > 1 ? nat_validate_round_trial(host, wl, r->threads, &ro,
                                                            &s->round[s->nround], b, err,
                                                            errlen)
                                 : 0;
        if (got < 0)
            return -1;
        s->nround += (uint32_t)got;
        if (b->steals > 0) {   /* (a slot no run filled holds no steals) */
            for (uint32_t k = 0; k < NAT_SPEED_MAX; k++)
                b->proc[k] = slot_proc[k].dispatch;
            b->proc_cpu = trials != NULL ? t0.v : 0.0;
            b->proc_share = trials != NULL ? slot_proc[0].share : 0.0;
            s->nrbusy++;
        }
        if (i == 0 && wall > 0) {
            uint64_t fit = CALIB_BUDGET_NS / ((uint64_t)(r->repeat + 1) * wall);
            per_slot = fit < 1 ? 1 : fit > SLOT_MAX_TRIALS ? SLOT_MAX_TRIALS : (uint32_t)fit;
        }
        if (i < r->repeat && native_rep(o, host, cal_json, i, r, s, err, errlen) != 0)
            return -1;
    }
    s->slot_first[r->repeat + 1] = *ntrials;
    return 0;
}

/* The simulated repetitions (independent engines, one per seed) on up to one thread per
 * online CPU. */
int nat_validate_run_sims(const struct nat_validate_opts *o, const struct ws_topo *topo,
                          const char *cal_json, const struct ws_params *sp,
                          struct nat_validate_result *r, struct samples *s, char *err,
                          size_t errlen)
{
    struct sim_jobs j = { .o = o, .topo = topo, .sp = sp, .cal_json = cal_json, .r = r, .s = s };
    pthread_mutex_init(&j.lock, NULL);
    atomic_init(&j.next, 0);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    uint32_t n = cpus > 1 ? (uint32_t)(cpus < r->sim_repeat ? cpus : r->sim_repeat) : 1;
    pthread_t t[NAT_VALIDATE_MAX_REPEAT];
    uint32_t started = 0;
    while (started + 1 < n && pthread_create(&t[started], NULL, sim_worker, &j) == 0)
        started++;
    sim_worker(&j);   /* the calling thread is one of them */
    for (uint32_t k = 0; k < started; k++)
        pthread_join(t[k], NULL);
    pthread_mutex_destroy(&j.lock);
    r->sim_run_id = r->sim_run_ids[r->sim_repeat - 1];
    if (j.rc != 0)
        snprintf(err, errlen, "%s", j.err);
    return j.rc;
}

/* The native time to the first steal: one more native run (seed + repeat) recording its first
 * slices into a temporary database. The measured repetitions record none: a timeline reads the
 * clock at every dispatch, which made fib:27's native processes 2.7x slower on a 16-core Xeon
 * VM. (Every simulation records its first slices in memory: it costs the model nothing.)
 * 0, or -1 with err. */
int nat_validate_first_steal_native(const struct nat_validate_opts *o,
                                    const struct ws_topo *host, struct nat_validate_result *r,
                                    char *err, size_t errlen)
{
    struct nat_validate_result *t = malloc(sizeof(*t));
    struct samples *s = calloc(1, sizeof(*s));
    int rc = t && s ? 0 : -1;
    if (rc == 0) {
        *t = *r;
        t->timeline = true;
        t->experiment_id = 0;
        rc = nat_validate_db_temp(t->db_path, sizeof t->db_path, err, errlen);
    } else {
        snprintf(err, errlen, "out of memory");
    }
    if (rc == 0) {
        struct nat_validate_opts po = *o;
        po.seed = o->seed + r->repeat;
        rc = native_rep(&po, host, "{}", 0, t, s, err, errlen);
        if (rc == 0)
            rc = nat_validate_first_steal(t->db_path, t->native.run_id, &r->first_steal_native,
                                          err, errlen);
        nat_validate_db_remove(t->db_path);
    }
    free(s);
    free(t);
    return rc;
}

double nat_validate_sim_busy(const struct ws_topo *topo, const struct ws_params *p,
                             const char *strategy, const char *trace, uint64_t seed, char *err,
                             size_t errlen)
{
    struct sim_trace *t = sim_trace_open(trace, NULL, err, errlen);
    if (t == NULL)
        return -1;
    struct sim_engine_opts eo = { .topo = topo, .params = p, .strategy = strategy,
                                  .seed = seed };
    struct sim_engine *e = sim_engine_create(t, &eo, err, errlen);
    double busy = -1;
    if (e != NULL && sim_engine_run(e, NULL, err, errlen) == 0) {
        const struct sim_run_metrics *m = sim_engine_metrics(e);
        busy = 0;
        for (uint32_t c = 0; c < m->ncores; c++)
            busy += (double)m->cores[c].busy_ns;
    }
    sim_engine_destroy(e);
    sim_trace_close(t);
    return busy;
}
