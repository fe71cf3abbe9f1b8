/* nat_validate.c: calibrate, run natively `repeat` times, simulate the same workload on the same
 * cores over `sim_repeat` seeds, compare the means with their confidence intervals (see
 * nat_validate.h); the repetitions of both sides are in nat_validate_run.c. */
#include "core/ws_deque.h"
#include "native/nat_validate.h"
#include "native/nat_validate_int.h"
#include "native/nat_work.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHAIN_LEN 200000
#define CALIB_MIN_RUNS 7   /* a trimmed mean of 5 with 4 preempted read uts:T1 10% high */
#define CALIB_MAX_TRIALS 21
#define FIB_CALIB_MAX 30        /* fib:30, 2.7 M processes */
#define NQUEENS_CALIB_MAX 12
#define CPU_OFF_MAX 0.05        /* the model's CPU time off the runs' by more: r->cpu_off */

/* ---- calibration --------------------------------------------------------------------------- */

/* The per-process cost of workload on one worker: a warm-up run discarded (it pages in the
 * heap and trains the caches), then as many runs as fit in CALIB_BUDGET_NS, at least `runs`
 * and at most CALIB_MAX_TRIALS. n == 0 on failure (err says why). */
static struct nat_cost per_proc(const struct ws_topo *host, const char *workload, uint32_t runs,
                                const struct nat_validate_opts *vo, uint64_t *procs, char *err,
                                size_t errlen)
{
    struct nat_trial v[CALIB_MAX_TRIALS], warm;
    uint64_t wall = 0;
    if (nat_validate_proc_trial(host, workload, vo, &warm, NULL, procs, &wall, err, errlen) != 0)
        return (struct nat_cost){ 0 };
    uint64_t fit = wall > 0 ? CALIB_BUDGET_NS / wall : CALIB_MAX_TRIALS;
    uint32_t n = fit > runs ? (uint32_t)(fit < CALIB_MAX_TRIALS ? fit : CALIB_MAX_TRIALS)
                            : (runs < CALIB_MAX_TRIALS ? runs : CALIB_MAX_TRIALS);
    for (uint32_t i = 0; i < n; i++)
        if (nat_validate_proc_trial(host, workload, vo, &v[i], NULL, procs, &wall, err,
                                    errlen) != 0)
            return (struct nat_cost){ 0 };
    return nat_cost_robust(v, n);
}

/* A smaller UTS tree of the same kind: depth limit lowered (geometric, hybrid) or root
 * branching scaled (binomial) until it has at most NAT_CALIB_MAX_PROCS nodes. */
static void uts_smaller(const struct nat_workload *wl, char *out, size_t len)
{
    struct sim_uts_params u = wl->uts;
    uint64_t n = wl->expected;
    while (n > NAT_CALIB_MAX_PROCS) {
        if (u.type == SIM_UTS_BIN)
            u.b0 = fmax(1.0, floor(u.b0 * (double)NAT_CALIB_MAX_PROCS / (double)n));
        else if (u.gen_mx > 1)
            u.gen_mx--;
        else
            break;
        n = nat_uts_count(&u);
    }
    snprintf(out, len, "uts:t=%d,a=%d,d=%d,b=%.17g,r=%d,q=%.17g,m=%d", u.type, u.shape,
             u.gen_mx, u.b0, u.root_seed, u.q, u.m);
}

void nat_validate_calib_workload(const struct nat_workload *wl, char *out, size_t len)
{
    snprintf(out, len, "%s", wl->spec);
    if (wl->kind == NAT_WORK_FIB && wl->n > FIB_CALIB_MAX)
        snprintf(out, len, "fib:%d", FIB_CALIB_MAX);
    else if (wl->kind == NAT_WORK_NQUEENS && wl->n > NQUEENS_CALIB_MAX)
        snprintf(out, len, "nqueens:%d", NQUEENS_CALIB_MAX);
    else if (wl->kind == NAT_WORK_UTS && wl->expected > NAT_CALIB_MAX_PROCS)
        uts_smaller(wl, out, len);
}

static struct ws_params sim_params(const struct nat_validate_opts *o,
                                   const struct nat_calibration *c, bool computed);

/* A replayed trace's cost per spawn beyond what the model charges (c->replay): the trace on one
 * worker (robust trials in CPU time, the native runs' busy-loop rate) against the model's
 * one-core cost of it, which is linear in spawn_ns: simulated at spawn_ns 0 and 1000, the
 * slope is the trace's spawns. n == 0 when it has none (nothing to charge it to). The model's
 * core runs at the busy loop's rate in the trials' minutes (on worker 0's CPU, cpu0) over the
 * calibrated one: a process's first 0.3 ms loops ran 10-16% slower than the same loops a
 * second later, and a residual that took that in went into every spawn. */
static int calib_replay(const struct nat_validate_opts *o, const struct ws_topo *host,
                        const struct nat_workload *wl, int32_t cpu0, uint32_t runs,
                        struct nat_calibration *c, char *err, size_t errlen)
{
    struct nat_validate_opts ro = *o;
    ro.busy_ipn = c->busy_iters_per_ns;
    uint64_t procs = 0;
    double rate = nat_validate_busy_on(cpu0);
    struct nat_cost nat = per_proc(host, wl->spec, runs, &ro, &procs, err, errlen);
    rate = (rate + nat_validate_busy_on(cpu0)) / 2 / c->busy_iters_per_ns;
    struct ws_topo *one = NULL;
    int32_t cpu;
    if (nat.n == 0 || nat_topo_workers(host, 1, NAT_BIND_STATIC, &one, &cpu, err, errlen) != 0)
        return -1;
    one->cores[0].capacity = rate < WS_TOPO_CAP_MIN ? WS_TOPO_CAP_MIN
                             : rate > WS_TOPO_CAP_MAX ? WS_TOPO_CAP_MAX : rate;
    struct ws_params p = sim_params(o, c, false);
    p.spawn_ns = 0;
    double b0 = nat_validate_sim_busy(one, &p, o->strategy, wl->spec, o->seed, err, errlen);
    p.spawn_ns = 1000;
    double b1 = b0 < 0 ? -1 : nat_validate_sim_busy(one, &p, o->strategy, wl->spec, o->seed,
                                                    err, errlen);
    ws_topo_destroy(one);
    if (b1 < 0)
        return -1;
    double spawns = (b1 - b0) / 1000.0, n = (double)procs;
    if (spawns < 0.5)
        return 0;
    c->replay = nat;
    c->replay_cpu_ns = nat.ns;
    c->replay_per_spawn = n / spawns;
    c->replay.ns = (nat.ns * n - b0) / spawns;
    c->replay.median = (nat.median * n - b0) / spawns;
    c->replay.half = nat.half * n / spawns;
    return 0;
}

/* The measurements of one or two pinned threads that calibrate makes until settled
 * (nat_cost_settle): a burst of the host's detours spoils one now and then. */
enum probe_kind { PROBE_STEAL, PROBE_STEAL_ASYM, PROBE_VICTIM, PROBE_WAKE, PROBE_SPIN_WAKE,
                  PROBE_MSG_REMOTE, PROBE_MSG, PROBE_CHILD };

struct probe {
    enum probe_kind kind;
    const int32_t *cpus;        /* worker 0's and worker 1's CPUs (only worker 0's from
                                   PROBE_MSG on, which a one-thread validation makes too) */
    double iters_per_ns;        /* the busy loop's rate on worker 0's CPU */
    double barrier_ns;          /* PROBE_VICTIM: the steal ping-pong's barrier (the asymmetric
                                   steal), 0 if none */
};

/* The victim's measurement makes the same membarrier calls as the steal ping-pong: its caller's
 * side read 0.83-1.29 of the ping-pong in 22 calibrations, and 71 and 202 in two a burst of the
 * host held for seconds (a victim cost of 0.6 and 2.9 ms, where 7-11 us is usual). */
#define PROBE_BARRIER_RATIO 2.0

static bool probe_agrees(void *ctx, const struct nat_cost *c, const struct nat_cost *side)
{
    const struct probe *p = ctx;
    if (p->kind != PROBE_VICTIM || c->n == 0 || side->n == 0 || !(p->barrier_ns > 0))
        return true;
    return side->ns <= PROBE_BARRIER_RATIO * p->barrier_ns &&
           side->ns >= p->barrier_ns / PROBE_BARRIER_RATIO;
}

static struct nat_cost probe_once(void *ctx, struct nat_cost *side)
{
    const struct probe *p = ctx;
    int32_t a = p->cpus[0], b = p->kind < PROBE_MSG ? p->cpus[1] : -1;   /* (one CPU: MSG on) */
    switch (p->kind) {
    case PROBE_STEAL: return nat_calib_steal(a, b, false);
    case PROBE_STEAL_ASYM: return nat_calib_steal(a, b, true);
    case PROBE_VICTIM: return nat_calib_barrier_victim(a, b, p->iters_per_ns, side);
    case PROBE_WAKE: return nat_calib_wake(a, b);
    case PROBE_SPIN_WAKE: return nat_calib_spin_wake(a, b);
    case PROBE_MSG_REMOTE: return nat_calib_msg_remote(a, b);
    case PROBE_MSG: return nat_calib_msg();
    case PROBE_CHILD: return nat_calib_uts_child();
    }
    return (struct nat_cost){ 0 };
}

static struct nat_cost probe(enum probe_kind kind, const int32_t *cpus, double iters_per_ns,
                             double barrier_ns, struct nat_cost *side)
{
    struct probe p = { kind, cpus, iters_per_ns, barrier_ns };
    return nat_cost_settle(probe_once, probe_agrees, &p, side);
}

/* Measure every cost of nat_calibration on host for workers cpus[0..] of topo. */
static int calibrate(const struct nat_validate_opts *o, const struct ws_topo *host,
                     const struct ws_topo *topo, const int32_t *cpus,
                     const struct nat_workload *wl, struct nat_calibration *c, char *err,
                     size_t errlen)
{
    memset(c, 0, sizeof(*c));
    nat_calib_load(c);
    uint32_t runs = o->repeat > CALIB_MIN_RUNS ? o->repeat : CALIB_MIN_RUNS;
    c->busy_iters_per_ns = nat_validate_busy_on(cpus[0]);   /* where worker 0 runs */
    if (topo->ncores >= 2) {
        double ipn = c->busy_iters_per_ns;
        c->steal = probe(PROBE_STEAL, cpus, ipn, 0, NULL);
        /* A computed workload runs on the fast path, whose deques are asymmetric: a steal that
         * has seen work pays a membarrier (tens of us on a VM, where it interrupts every vCPU
         * of the process), which the model charges to steals that took a process. */
        if (wl->kind != NAT_WORK_REPLAY && ws_deque_asym_supported()) {
            struct nat_cost a = probe(PROBE_STEAL_ASYM, cpus, ipn, 0, NULL);
            if (a.n > 0 && c->steal.n > 0) {
                c->steal_hit = a;
                c->steal_hit.ns = a.ns > c->steal.ns ? a.ns - c->steal.ns : 0;
                c->steal_hit.median = a.median > c->steal.median ? a.median - c->steal.median : 0;
                c->steal_hit.half = sqrt(a.half * a.half + c->steal.half * c->steal.half);
            }
            c->steal_victim = probe(PROBE_VICTIM, cpus, ipn, a.n > 0 ? a.ns : 0,
                                    &c->steal_barrier);
        }
        c->wake = probe(PROBE_WAKE, cpus, ipn, 0, NULL);
        c->spin_wake = probe(PROBE_SPIN_WAKE, cpus, ipn, 0, NULL);
        c->msg_remote = probe(PROBE_MSG_REMOTE, cpus, ipn, 0, NULL);
        c->latency_ns = (double)ws_topo_latency_ns(topo, 0, 1);
    }
    c->msg = probe(PROBE_MSG, cpus, c->busy_iters_per_ns, 0, NULL);
    if (wl->kind == NAT_WORK_UTS)
        c->child = probe(PROBE_CHILD, cpus, c->busy_iters_per_ns, 0, NULL);
    char chain[32];
    uint64_t procs = 0;
    snprintf(chain, sizeof chain, "chain:%d", CHAIN_LEN);
    c->spawn = per_proc(host, chain, runs, o, &procs, err, errlen);
    if (c->spawn.n == 0)
        return -1;
    if (wl->kind == NAT_WORK_REPLAY)
        return calib_replay(o, host, wl, cpus[0], runs, c, err, errlen);
    nat_validate_calib_workload(wl, c->workload, sizeof c->workload);
    c->proc = per_proc(host, c->workload, runs, o, &procs, err, errlen);
    if (c->proc.n == 0)
        return -1;
    return nat_validate_measure_dist(host, c->workload, o, &c->proc_dist, err, errlen);
}

int nat_validate_calibrate(const struct nat_validate_opts *o, struct nat_calibration *cal,
                           char *err, size_t errlen)
{
    struct ws_topo *host = NULL, *topo = NULL;
    struct nat_workload *wl = calloc(1, sizeof(*wl));
    int32_t *cpus = NULL;
    int rc = -1, detected;
    if (wl == NULL || nat_work_parse(o->workload, false, wl, err, errlen) != 0 ||
        nat_topo_host(&host, &detected, err, errlen) != 0)
        goto out;
    uint32_t n = o->threads ? o->threads : host->ncores;
    if ((cpus = calloc(n, sizeof(int32_t))) != NULL &&
        nat_topo_workers(host, n, NAT_BIND_STATIC, &topo, cpus, err, errlen) == 0)
        rc = calibrate(o, host, topo, cpus, wl, cal, err, errlen);
out:
    free(cpus);
    free(wl);
    ws_topo_destroy(topo);
    ws_topo_destroy(host);
    return rc;
}

/* ---- the simulated model ------------------------------------------------------------------- */

static uint64_t round_ns(double x)
{
    return x > 0 ? (uint64_t)llround(x) : 0;
}

/* The simulator's parameters: the user's, with the calibrated costs (robust estimates: trimmed
 * means of the trials that were not preempted) rounded to whole ns. */
static struct ws_params sim_params(const struct nat_validate_opts *o,
                                   const struct nat_calibration *c, bool computed)
{
    struct ws_params p = o->params;
    if (c->steal.n)
        p.steal_probe_ns = round_ns(c->steal.ns - c->latency_ns);
    p.cost_capacity = 1;   /* a core's CPU costs at its speed (speeds) */
    if (c->steal_round.n)   /* the barrier as the runs pay it: the round less the probe */
        p.steal_hit_ns = round_ns(c->steal_round.ns - c->steal.ns);
    else if (c->steal_hit.n)
        p.steal_hit_ns = round_ns(c->steal_hit.ns);
    if (c->steal_victim.n || c->busy_victim.n)   /* the ping-pong's, or as the runs pay it */
        p.steal_victim_ns = round_ns(nat_calib_steal_victim(c));
    double thief;
    if (nat_calib_steal_thief(c, &thief))   /* a migration's cost to the stolen process */
        p.ctx_switch_ns = round_ns(thief);
    if (c->wake.n)
        p.wake_ns = round_ns(c->wake.ns);
    if (c->spin_wake.n)   /* a spinning core looks at a push that late, not at once */
        p.spin_wake_ns = round_ns(c->spin_wake.ns);
    if (c->msg_remote.n)
        p.msg_remote_ns = round_ns(c->msg_remote.ns);
    p.msg_ns = round_ns(c->msg.ns);
    /* Host noise as the run's CPUs saw it in the runs' minutes: the model's cores lose their
     * CPU as often and for as long (nat_noise.c). */
    if (c->noise.detours > 0) {
        p.noise_gap_ns = round_ns(nat_noise_gap_ns(&c->noise));
        p.noise_ns = round_ns(nat_noise_mean_ns(&c->noise));
        /* ... and the machine-wide ones on every core at once (a detour that overlapped
         * another CPU's: the long ones on a VM) */
        p.noise_shared_gap_ns = round_ns(nat_noise_shared_gap_ns(&c->noise));
        p.noise_shared_ns = round_ns(nat_noise_shared_mean_ns(&c->noise));
    }
    /* A computed workload's processes carry no phases natively: the scheduler does not know
     * their run time there, nor then in the model (its migration check assumes a slice). */
    if (computed)
        p.runtime_known = 0;
    /* Natively a computed workload spawns through the fast path, whose pushes wake nobody: the
     * worker looks for cores to wake at its housekeeping point, after the step
     * (nat_fast_housekeep), so wake_at=enqueue runs as wake_at=switch there, and so it runs in
     * the model. It matters where one step spawns many: uts:T3's root spawns 2,000 children in
     * one step of about 170 us, and its first steal came 24 us after the start in the model
     * with enqueue, 174 us with switch, and 214 us natively. */
    if (computed && p.wake_at == WS_WAKE_AT_ENQUEUE)
        p.wake_at = WS_WAKE_AT_SWITCH;
    /* ... and it looks at every NAT_HOUSEKEEP-th pick, for whatever then waits, not at every
     * switch for what was queued since: uts:T3 at 2 threads made 16,400 steal attempts a run in
     * the model where it looked at every switch, 6,700 natively (of 2,350 steals: the idle
     * worker, held off by the migration burst limit, was woken for nothing at each look). */
    if (computed && (p.wake_every <= 1 || p.wake_every > NAT_HOUSEKEEP))
        p.wake_every = NAT_HOUSEKEEP;   /* (a wake_every of 2-16 under switch: natively it
                                           looks at those switches too, and so the model) */
    if (computed)
        p.spawn_ns = round_ns(c->spawn.ns + c->child.ns);
    else if (c->replay.n)
        p.spawn_ns = round_ns(nat_noise_replay_ns(c));
    return p;
}

/* work= of a computed workload: proc less what the simulator charges apart per process (a spawn
 * for every process but the root; a join message for fib and nqueens), so one worker costs proc
 * per process. Spawn and message are charged in whole ns (sim_params rounds them), so work takes
 * the exact remainder, fractional: the generators spread a fraction over the processes in whole
 * ns (sim_gen.h), and the model's per-process total is proc to the 0.001 ns the spec keeps
 * (WORK_STEP). Where the separately measured spawn and message exceed proc (they are timed
 * apart, in loops that keep their lines hot), the message, then the spawn, is cut to fit.
 * *exact gets work unrounded. */
#define WORK_STEP 1e-3
static double sim_work(const struct nat_workload *wl, const struct nat_calibration *c,
                       struct ws_params *p, uint64_t procs, double *exact)
{
    double share = procs > 0 ? 1.0 - 1.0 / (double)procs : 1.0;
    double sends = wl->kind == NAT_WORK_UTS ? 0.0 : share;
    double spawn = (double)p->spawn_ns * share;
    if (spawn > c->proc.ns) {
        p->spawn_ns = (uint64_t)floor(c->proc.ns / share);
        spawn = (double)p->spawn_ns * share;
    }
    if (sends > 0 && spawn + (double)p->msg_ns * sends > c->proc.ns)
        p->msg_ns = (uint64_t)floor((c->proc.ns - spawn) / sends);
    *exact = c->proc.ns - spawn - (double)p->msg_ns * sends;
    if (*exact < 0)
        *exact = 0;
    return round(*exact / WORK_STEP) * WORK_STEP;
}

/* work as the spec's text: to WORK_STEP, without trailing zeros, so a whole number reads as
 * before ("work=9", the generators' canonical form). */
static void work_text(double work, char *out, size_t len)
{
    snprintf(out, len, "%.3f", work);
    char *end = out + strlen(out);
    while (end > out && end[-1] == '0')
        *--end = '\0';
    if (end > out && end[-1] == '.')
        *--end = '\0';
}

/* The simulator's spec for a computed workload: its canonical spec with work and ws replaced. */
static void sim_spec(const struct nat_workload *wl, double work, char *out, size_t len)
{
    if (wl->kind == NAT_WORK_REPLAY) {
        snprintf(out, len, "%s", wl->spec);
        return;
    }
    const char *colon = strchr(wl->canonical, ':');
    size_t off = (size_t)snprintf(out, len, "%.*s:", (int)(colon - wl->canonical), wl->canonical);
    const char *s = colon + 1;
    while (*s != '\0' && off < len) {
        const char *end = strchr(s, ',');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        if (strncmp(s, "work=", 5) != 0 && strncmp(s, "ws=", 3) != 0)
            off += (size_t)snprintf(out + off, len - off, "%.*s,", (int)n, s);
        s += n + (end != NULL);
    }
    char text[48];
    work_text(work, text, sizeof text);
    if (off < len)
        snprintf(out + off, len - off, "work=%s,ws=0", text);
}

static const char *const metric_names[NAT_VALIDATE_METRICS] = {
    "makespan_ns", "steals", "steal_attempts", "migrations", "utilization", "processes",
    "busy_ns", "busy_max_mean", "cpu_ns",
};

/* The thief's busy time a steal adds in the model, beyond its round: 0 where not measured. */
static double steal_thief_ns(const struct nat_calibration *c)
{
    double ns;
    return nat_calib_steal_thief(c, &ns) ? ns : 0.0;
}

/* Mean, interval and relative error of native nat[0..nn) against simulated sim[0..ns). */
static void compare_one(const double *nat, uint32_t nn, const double *sim, uint32_t ns,
                        struct nat_metric_cmp *c)
{
    sim_ci_compute(nat, nn, &c->native_ci);
    sim_ci_compute(sim, ns, &c->sim_ci);
    if (sim_dist_compare(nat, nn, sim, ns, &c->dist) != 0)
        c->dist = (struct sim_dist_cmp){ .p = (double)NAN, .d = (double)NAN };   /* (no memory) */
    double a = c->native_ci.mean, b = c->sim_ci.mean;
    c->native = a;
    c->sim = b;
    if (a == 0) {
        c->rel_error = b == 0 ? 0.0 : (double)NAN;
        c->rel_half = b == 0 ? 0.0 : (double)NAN;
        return;
    }
    c->rel_error = (b - a) / a;
    double ra = c->native_ci.half / a, rb = b != 0 ? c->sim_ci.half / b : 0;
    c->rel_half = fabs(b / a) * sqrt(ra * ra + rb * rb);
}

/* Means, intervals and relative errors of nat[i][0..repeat) and sim[i][0..sim_repeat). */
static void compare(const double nat[][NAT_VALIDATE_MAX_REPEAT],
                    const double sim[][NAT_VALIDATE_MAX_REPEAT], struct nat_validate_result *r)
{
    for (int i = 0; i < NAT_VALIDATE_METRICS; i++) {
        r->m[i].name = metric_names[i];
        compare_one(nat[i], r->repeat, sim[i], r->sim_repeat, &r->m[i]);
    }
    r->noisy = r->m[0].native > 0 &&
               r->m[0].native_ci.half / r->m[0].native > fabs(r->m[0].rel_error);
    const struct nat_metric_cmp *cpu = &r->m[8];   /* cpu_ns */
    r->cpu_off = isfinite(cpu->rel_error) && fabs(cpu->rel_error) > CPU_OFF_MAX &&
                 fabs(cpu->rel_error) > cpu->rel_half;
    /* What the steal counts explain of it: each steal costs its thief the barrier and its
     * victim the interruption, in CPU time on both sides. */
    r->cpu_off_steals_ns = (r->m[1].sim - r->m[1].native) *
                           (r->cal.steal_hit.ns + nat_calib_steal_victim(&r->cal) +
                            steal_thief_ns(&r->cal));
}

/* The cores' busy times compared rank by rank (busiest native core with busiest simulated
 * core, ...): which core is which differs between runs, the shape of the load does not. */
static void compare_busy(const struct samples *s, struct nat_validate_result *r)
{
    r->nbusy = r->threads < NAT_VALIDATE_MAX_RANKS ? r->threads : NAT_VALIDATE_MAX_RANKS;
    r->busy_max_error = 0;
    for (uint32_t k = 0; k < r->nbusy; k++) {
        r->busy[k].name = "busy_ns_rank";
        compare_one(s->busy_nat[k], r->repeat, s->busy_sim[k], r->sim_repeat, &r->busy[k]);
        if (isfinite(r->busy[k].rel_error) && fabs(r->busy[k].rel_error) >
                                              fabs(r->busy_max_error))
            r->busy_max_error = r->busy[k].rel_error;
    }
}

/* Where the runs go: o->db_path, or a temporary database (r->db_temp); and their experiment:
 * o->experiment_id, or a new one holding the calibration. 0, or -1 with err. */
static int open_store(const struct nat_validate_opts *o, struct nat_validate_result *r,
                      char *err, size_t errlen)
{
    if (o->db_path != NULL)
        snprintf(r->db_path, sizeof r->db_path, "%s", o->db_path);
    else if (nat_validate_db_temp(r->db_path, sizeof r->db_path, err, errlen) != 0)
        return -1;
    r->db_temp = o->db_path == NULL;
    r->experiment_id = o->experiment_id;
    if (r->experiment_id == 0)
        return nat_validate_experiment(r->db_path, o->workload, o->strategy, &r->cal,
                                       &r->experiment_id, err, errlen);
    return 0;
}

/* The model from the calibration: parameters, work=, the simulated spec and what work= misses
 * of the calibration (under 0.001 ns a process, unless spawn and message were cut to fit). */
static struct ws_params model(const struct nat_validate_opts *o, const struct nat_workload *wl,
                              struct nat_validate_result *r)
{
    bool computed = wl->kind != NAT_WORK_REPLAY;
    struct ws_params sp = sim_params(o, &r->cal, computed);
    double exact = 0;
    uint64_t procs = wl->expected_processes ? wl->expected_processes : 1000000;
    /* The detours that the per-process cost's CPU time holds spread evenly, the model's cores
     * pay as detours (nat_noise_work_factor). (What N workers pay beyond one goes to the cores'
     * capacity: slow_by_factor. The co-running factor is reported only: nat_calib.h.) */
    struct nat_calibration c = r->cal;
    c.proc.ns *= nat_noise_work_factor(&r->cal.noise);
    double work = computed ? sim_work(wl, &c, &sp, procs, &exact) : 0;
    r->quantisation = computed && c.proc.ns > 0 ? (work - exact) / c.proc.ns : 0.0;
    sim_spec(wl, work, r->sim_trace, sizeof r->sim_trace);
    return sp;
}

/* proc from every trial between the native runs (the one before them kept as proc_before, the
 * unpreempted trials' as proc_calm), and
 * the model, the runs' reference and the stored calibration made again from it. */
static int recalibrate(const struct nat_validate_opts *o, const struct nat_workload *wl,
                       const struct nat_trial *trials, uint32_t ntrials,
                       const struct samples *s, struct nat_validate_result *r,
                       struct ws_params *sp, char **cal_json, char *err, size_t errlen)
{
    if (ntrials > 0) {
        r->cal.proc_before = r->cal.proc;
        r->cal.proc = nat_cost_all(trials, ntrials);   /* CPU time: preempted ones too */
        r->cal.proc_calm = nat_cost_robust(trials, ntrials);
    }
    nat_validate_fit_busy(s, r->threads, &r->cal);
    *sp = model(o, wl, r);
    free(*cal_json);
    if ((*cal_json = nat_validate_ref_json(&r->cal, r->experiment_id)) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    bool sweep = o->cal != NULL;
    int64_t first = sweep ? r->native_run_ids[0] : 0;
    int64_t last = sweep ? r->native_run_ids[r->repeat - 1] : 0;
    return nat_validate_recalibrated(r->db_path, r->experiment_id, o->workload, o->strategy,
                                     &r->cal, first, last, err, errlen);
}

/* Both sides' repetitions: the native runs (with the per-process cost measured again between
 * them, also under a sweep: the rest of its calibration is shared, but the per-process cost
 * drifts by several % within a minute on a shared host, and a count's model must have the one
 * of its own runs' minutes), then the simulations of the model. */
static int measure(const struct nat_validate_opts *o, const struct ws_topo *host,
                   struct ws_topo *topo, const int32_t *cpus,
                   const struct nat_workload *wl, struct nat_validate_result *r,
                   struct samples *s, struct ws_params *sp, char **cal_json, char *err,
                   size_t errlen)
{
    bool again = wl->kind != NAT_WORK_REPLAY;
    struct nat_trial *trials = again ? calloc((size_t)(r->repeat + 1) * SLOT_MAX_TRIALS,
                                              sizeof(*trials)) : NULL;
    uint32_t ntrials = 0;
    int rc = -1;
    if (again && trials == NULL)
        snprintf(err, errlen, "out of memory");
    else if (nat_validate_run_natives(o, host, cpus, *cal_json, r, s, trials, &ntrials, err,
                                      errlen) == 0 &&
             (s->nround == 0 || (r->cal.steal_round = nat_cost_robust(s->round, s->nround),
                                 true)) &&
             (nat_validate_speeds(s, r, topo), true) &&
             (!again || nat_validate_corun(o, host, r->threads, r->cal.workload,
                                           &r->cal.corun_alone, &r->cal.corun, err,
                                           errlen) == 0) &&
             recalibrate(o, wl, trials, ntrials, s, r, sp, cal_json, err, errlen) == 0) {
        nat_validate_slow_by_factor(r, topo);
        nat_validate_seed_factors(trials, s, r);
        rc = nat_validate_run_sims(o, topo, *cal_json, sp, r, s, err, errlen);
    }
    free(trials);
    return rc;
}

/* A temporary database is removed, and the ids of what it held with it. */
static void close_store(struct nat_validate_result *r)
{
    if (!r->db_temp)
        return;
    nat_validate_db_remove(r->db_path);
    r->experiment_id = 0;
    memset(r->native_run_ids, 0, sizeof r->native_run_ids);
    memset(r->sim_run_ids, 0, sizeof r->sim_run_ids);
    r->native.run_id = r->sim_run_id = 0;
}

/* --paired: each metric's errors run by run, against the mean of the seeds that modelled it
 * (seed i models run i % repeat). */
static void compare_paired(const struct samples *s, struct nat_validate_result *r)
{
    for (int k = 0; k < NAT_VALIDATE_METRICS; k++) {
        double e[NAT_VALIDATE_MAX_REPEAT];
        uint32_t n = 0;
        for (uint32_t j = 0; r->paired && j < r->repeat; j++) {
            double sum = 0;
            uint32_t seeds = 0;
            for (uint32_t i = j; i < r->sim_repeat; i += r->repeat, seeds++)
                sum += s->sim[k][i];
            if (k == 0) {   /* (makespan) */
                r->paired_native[j] = s->nat[0][j];
                r->paired_sim[j] = seeds > 0 ? sum / seeds : 0;
            }
            if (seeds > 0 && s->nat[k][j] != 0)
                e[n++] = (sum / seeds - s->nat[k][j]) / s->nat[k][j];
        }
        sim_ci_compute(e, n, &r->m[k].paired);
    }
}

/* Every comparison of the samples, and the host's load after the runs. */
static void summarise(const struct samples *s, struct nat_validate_result *r)
{
    compare(s->nat, s->sim, r);
    compare_paired(s, r);
    compare_busy(s, r);
    sim_ci_compute(s->first_sim, r->sim_repeat, &r->first_steal_sim);
    for (int t = 0; t < SIM_STEAL_TIMES; t++)
        for (int k = 0; k < SIM_TENTHS; k++) {
            sim_ci_compute(s->tenth_nat[t][k], r->repeat, &r->tenth_native[t][k]);
            sim_ci_compute(s->tenth_sim[t][k], r->sim_repeat, &r->tenth_sim[t][k]);
        }
    sim_ci_compute(s->noise_busy, r->sim_repeat, &r->sim_noise_busy);
    sim_ci_compute(s->noise_steal, r->sim_repeat, &r->sim_noise_steal);
    /* robust: a run whose worker lost its CPU inside a round reads milliseconds */
    r->won_round_native = nat_cost_of(s->won, s->nwon);
    static const double q[3] = { 0.1, 0.5, 0.9 };
    for (int i = 0; i < 3; i++)
        r->won_round_p[i] = nat_round_quantile(s->won_hist, q[i]);
    sim_ci_compute(s->share, r->repeat, &r->cpu_share);
    for (uint32_t k = 0; k < r->threads && k < NAT_VALIDATE_MAX_RANKS; k++) {
        sim_ci_compute(s->share_nat[k], r->repeat, &r->run_share_native[k]);
        sim_ci_compute(s->share_sim[k], r->sim_repeat, &r->run_share_sim[k]);
    }
    if (getloadavg(r->load, 3) != 3)
        memset(r->load, 0, sizeof r->load);
}

int nat_validate(const struct nat_validate_opts *o, struct nat_validate_result *r, char *err,
                 size_t errlen)
{
    memset(r, 0, sizeof(*r));
    struct ws_topo *host = NULL, *topo = NULL;
    struct nat_workload *wl = calloc(1, sizeof(*wl));
    struct samples *s = calloc(1, sizeof(*s));
    int32_t *cpus = NULL;
    char *cal_json = NULL;
    int rc = -1, detected;
    r->repeat = o->repeat ? o->repeat : 5;
    r->paired = o->paired;
    r->sim_repeat = o->sim_repeat ? o->sim_repeat
                    : r->repeat > NAT_VALIDATE_SIM_SEEDS ? r->repeat : NAT_VALIDATE_SIM_SEEDS;
    if (wl == NULL || s == NULL || r->repeat > NAT_VALIDATE_MAX_REPEAT ||
        r->sim_repeat > NAT_VALIDATE_MAX_REPEAT) {
        snprintf(err, errlen, wl && s ? "repeat and sim_repeat: at most %d" : "out of memory",
                 NAT_VALIDATE_MAX_REPEAT);
        goto out;
    }
    if (nat_work_parse(o->workload, false, wl, err, errlen) != 0 ||
        wl->kind == NAT_WORK_CHAIN || nat_topo_host(&host, &detected, err, errlen) != 0) {
        if (wl->kind == NAT_WORK_CHAIN)
            snprintf(err, errlen, "%s: the simulator has no chain generator", o->workload);
        goto out;
    }
    r->threads = o->threads ? o->threads : host->ncores;
    if ((cpus = calloc(r->threads, sizeof(int32_t))) == NULL ||
        nat_topo_workers(host, r->threads, NAT_BIND_STATIC, &topo, cpus, err, errlen) != 0)
        goto out;
    snprintf(r->topology, sizeof r->topology, "host:%u:static", r->threads);
    if (o->cal != NULL)
        r->cal = *o->cal;
    else if (calibrate(o, host, topo, cpus, wl, &r->cal, err, errlen) != 0)
        goto out;
    struct ws_params sp = model(o, wl, r);
    if (open_store(o, r, err, errlen) != 0)
        goto out;
    if ((cal_json = nat_validate_ref_json(&r->cal, r->experiment_id)) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (measure(o, host, topo, cpus, wl, r, s, &sp, &cal_json, err, errlen) != 0)
        goto out;
    if (r->threads > 1 && nat_validate_first_steal_native(o, host, r, err, errlen) != 0)
        goto out;
    summarise(s, r);
    r->won_round_model = r->cal.latency_ns + (double)sp.steal_probe_ns + (double)sp.steal_hit_ns;
    rc = 0;
out:
    close_store(r);
    free(cal_json);
    free(cpus);
    free(s);
    free(wl);
    ws_topo_destroy(topo);
    ws_topo_destroy(host);
    return rc;
}
