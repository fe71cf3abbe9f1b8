/* bench_forkjoin.c: `schedlab bench forkjoin`: the native runtime against OpenMP tasks (gcc's
 * libgomp) and oneTBB task_group on fork-join work, all in one invocation: fib(N) (one task per
 * call, joined) and a UTS tree (one task per node) on 1 and 2 threads. Numbers are medians of
 * wall time per task over --reps runs (peers included); ratios are peer / native (above 1: the
 * native runtime is faster). The native 1- and 2-thread runs alternate, so that each pair sees
 * the same machine: slower_2t_runs counts the pairs whose 2-thread run was slower and
 * speedup_2t_min is the worst pair. loadavg_1m is the load average when the benchmark began and
 * loadavg_1m_end when it ended (the machine may be shared). The peers are
 * tests/bench/peer_gomp.c and peer_tbb.cpp, built next to this binary (build/tests/bench/) by
 * `make bench` and `make tests-build`, or copied beside it, or in $SCHEDLAB_PEER_DIR (peer_dir);
 * a missing or failing peer is an error (nothing printed, exit 1), never a dropped key. cpu_ns_per_task_* is the workers' CPU time per task (idle
 * spinning included), a check on wall times taken on a busy machine. ws_ns_per_task_1t sends
 * every spawn and pick through ws_sched_spawn / ws_sched_next (--slow). --items N runs fib(N)
 * (default 30); below 30 the UTS tree is the small "default" set instead of T1 (smoke tests).
 * membarriers_per_run_2t (uts_...): the membarrier calls of steals per 2-thread run (the price
 * of the fence-free take, core/ws_deque.c (E); 0 where membarrier is unavailable). */
#include "native/nat_run.h"
#include "native/nat_work.h"
#include "sim/bench/bench.h"
#include "sim/util/sim_util.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const PEERS[] = { "peer_gomp", "peer_tbb" };

struct fj_ctx {
    const struct sim_bench_opts *o;
    struct sim_bench_result *r;
    const struct ws_topo *host;
    char peers[PATH_MAX];
    int exact;                    /* every answer checked so far was right */
    int failed;                   /* a native run or a peer failed (said on stderr) */
    double barriers, runs2;       /* membarrier calls of steals in 2-thread fast runs, runs */
    unsigned step, steps;
};

/* One native run of workload on t threads: wall ns, and the workers' CPU ns in *cpu; 0 on
 * failure (said on stderr). */
static double native_once(struct fj_ctx *c, const char *workload, uint32_t t, bool slow,
                          unsigned seed, double *cpu)
{
    struct nat_run_opts o;
    nat_run_defaults(&o);
    o.workload = workload;
    o.threads = t;
    o.host = c->host;
    o.slow = slow;
    o.seed = seed;
    struct nat_run_result r;
    char err[512];
    if (nat_run(&o, &r, err, sizeof err) != 0) {
        fprintf(stderr, "bench forkjoin: native %s on %u threads: %s\n", workload, t, err);
        c->failed = 1;
        return 0;
    }
    *cpu = (double)r.x.cpu_ns;
    if (t == 2 && !slow) {
        c->barriers += (double)r.x.steal_barriers;
        c->runs2 += 1;
    }
    return (double)r.summary.makespan_ns;
}

/* Medians of reps native runs on 1 and 2 threads, alternating (m[0], m[1]: wall ns; u[0], u[1]:
 * CPU ns), with the pairs' worst speedup in *worst and in *slower the pairs where 2 threads
 * took longer. */
struct fj_pair {
    double m[2], u[2], worst;
    unsigned slower;
};

static void native_pair(struct fj_ctx *c, const char *workload, unsigned reps, struct fj_pair *p)
{
    double v[2][SIM_BENCH_MAX_REPS], u[2][SIM_BENCH_MAX_REPS];
    p->worst = 0;
    p->slower = 0;
    for (unsigned i = 0; i < reps; i++) {
        for (uint32_t t = 1; t <= 2; t++)
            v[t - 1][i] = native_once(c, workload, t, false, i + 1, &u[t - 1][i]);
        double sp = v[1][i] > 0 ? v[0][i] / v[1][i] : 0;
        p->worst = i == 0 || sp < p->worst ? sp : p->worst;
        p->slower += v[1][i] > v[0][i];
        sim_bench_progress(c->o, "forkjoin", ++c->step, c->steps);
    }
    for (int k = 0; k < 2; k++) {
        p->m[k] = sim_median(v[k], reps);
        p->u[k] = sim_median(u[k], reps);
    }
}

/* Median wall ns of reps native runs of workload on t threads; 0 on failure. */
static double native_ns(struct fj_ctx *c, const char *workload, uint32_t t, bool slow,
                        unsigned reps)
{
    double v[SIM_BENCH_MAX_REPS], cpu;
    for (unsigned i = 0; i < reps; i++)
        v[i] = native_once(c, workload, t, slow, i + 1, &cpu);
    sim_bench_progress(c->o, "forkjoin", ++c->step, c->steps);
    return sim_median(v, reps);
}

/* Run a peer; its median wall ns (and its answer checked against `expected`); 0 if it failed
 * (said on stderr). */
static double peer_ns(struct fj_ctx *c, const char *peer, const char *args, uint64_t expected)
{
    char cmd[PATH_MAX + 128];
    sim_bench_progress(c->o, "forkjoin", ++c->step, c->steps);
    if (c->o->no_peers)
        return 0;                 /* --no-peers: the output says "peers: not run" */
    snprintf(cmd, sizeof cmd, "'%s/%s' %s", c->peers, peer, args);
    FILE *f = popen(cmd, "r");
    char line[512] = "";
    if (f == NULL) {
        fprintf(stderr, "bench forkjoin: cannot run %s/%s\n", c->peers, peer);
        c->failed = 1;
        return 0;
    }
    if (fgets(line, sizeof line, f) == NULL)
        line[0] = '\0';
    int st = pclose(f);
    cJSON *j = cJSON_Parse(line);
    const cJSON *ns = cJSON_GetObjectItem(j, "ns"), *res = cJSON_GetObjectItem(j, "result");
    double v = 0;
    if (st == 0 && cJSON_IsNumber(ns) && cJSON_IsNumber(res)) {
        v = ns->valuedouble;
        if ((uint64_t)res->valuedouble != expected) {
            fprintf(stderr, "bench forkjoin: %s %s: wrong answer %.0f (expected %llu)\n", peer,
                    args, res->valuedouble, (unsigned long long)expected);
            c->exact = 0;
        }
    } else {
        fprintf(stderr, "bench forkjoin: %s/%s %s failed\n", c->peers, peer, args);
        c->failed = 1;
    }
    cJSON_Delete(j);
    return v;
}

static void add_ratio(struct sim_bench_result *r, const char *key, double peer, double ours)
{
    if (peer > 0 && ours > 0)
        sim_bench_add(r, key, peer / ours);
}

static void add_pos(struct sim_bench_result *r, const char *key, double v)
{
    if (v > 0)
        sim_bench_add(r, key, v);
}

/* The directory of the peers: $SCHEDLAB_PEER_DIR (or its older name $SCHEDLAB_PEERS), else
 * <this binary's folder>/tests/bench when peer_gomp is there (a build tree), else the binary's
 * own folder (a carried build that ships the peers beside schedlab). */
static void peer_dir(char *buf, size_t len)
{
    const char *env = getenv("SCHEDLAB_PEER_DIR");
    if (env == NULL)
        env = getenv("SCHEDLAB_PEERS");
    if (env != NULL) {
        snprintf(buf, len, "%s", env);
        return;
    }
    char exe[PATH_MAX], probe[PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(exe, '/');
    if (n <= 0 || slash == NULL)
        snprintf(exe, sizeof exe, ".");
    else
        *slash = '\0';
    snprintf(probe, sizeof probe, "%s/tests/bench/%s", exe, PEERS[0]);
    int k = snprintf(buf, len, "%s/tests/bench", exe);
    if (access(probe, X_OK) != 0 || k < 0 || (size_t)k >= len)
        snprintf(buf, len, "%s", exe);
}

static void fib_part(struct fj_ctx *c, uint32_t n, uint64_t tasks)
{
    struct sim_bench_result *r = c->r;
    unsigned reps = c->o->reps;
    char spec[32], a1[64], a2[64];
    snprintf(spec, sizeof spec, "fib:%u", n);
    snprintf(a1, sizeof a1, "fib %u 1 %u", n, reps);
    snprintf(a2, sizeof a2, "fib %u 2 %u", n, reps);
    struct fj_pair nat;
    c->barriers = c->runs2 = 0;
    native_pair(c, spec, reps, &nat);
    double n1 = nat.m[0], n2 = nat.m[1];
    double ws1 = native_ns(c, spec, 1, true, reps);
    double g1 = peer_ns(c, "peer_gomp", a1, nat_fib_value(n));
    double g2 = peer_ns(c, "peer_gomp", a2, nat_fib_value(n));
    double t1 = peer_ns(c, "peer_tbb", a1, nat_fib_value(n));
    double t2 = peer_ns(c, "peer_tbb", a2, nat_fib_value(n));
    double T = (double)tasks;
    sim_bench_add(r, "fib_n", n);
    sim_bench_add(r, "tasks", T);
    add_pos(r, "ns_per_task_1t", n1 / T);
    add_pos(r, "ns_per_task_2t", n2 / T);
    add_pos(r, "ws_ns_per_task_1t", ws1 / T);
    add_pos(r, "cpu_ns_per_task_1t", nat.u[0] / T);
    add_pos(r, "cpu_ns_per_task_2t", nat.u[1] / T);
    add_pos(r, "fib_ms_1t", n1 / 1e6);
    add_pos(r, "fib_ms_2t", n2 / 1e6);
    add_ratio(r, "speedup_2t", n1, n2);
    sim_bench_add(r, "speedup_2t_min", nat.worst);
    sim_bench_add(r, "slower_2t_runs", nat.slower);
    sim_bench_add(r, "membarriers_per_run_2t", c->runs2 > 0 ? c->barriers / c->runs2 : 0);
    add_pos(r, "gomp_ns_per_task_1t", g1 / T);
    add_pos(r, "gomp_ns_per_task_2t", g2 / T);
    add_pos(r, "tbb_ns_per_task_1t", t1 / T);
    add_pos(r, "tbb_ns_per_task_2t", t2 / T);
    add_ratio(r, "gomp_ratio_1t", g1, n1);
    add_ratio(r, "gomp_ratio_2t", g2, n2);
    add_ratio(r, "tbb_ratio_1t", t1, n1);
    add_ratio(r, "tbb_ratio_2t", t2, n2);
}

static void uts_part(struct fj_ctx *c, const char *set)
{
    struct sim_bench_result *r = c->r;
    unsigned reps = c->o->reps;
    uint64_t nodes = nat_uts_published(set);
    char spec[32], a1[64], a2[64];
    snprintf(spec, sizeof spec, "uts:%s", set);
    snprintf(a1, sizeof a1, "uts %s 1 %u", set, reps);
    snprintf(a2, sizeof a2, "uts %s 2 %u", set, reps);
    struct fj_pair nat;
    c->barriers = c->runs2 = 0;
    native_pair(c, spec, reps, &nat);
    double n1 = nat.m[0], n2 = nat.m[1];
    double g1 = peer_ns(c, "peer_gomp", a1, nodes), g2 = peer_ns(c, "peer_gomp", a2, nodes);
    double t1 = peer_ns(c, "peer_tbb", a1, nodes), t2 = peer_ns(c, "peer_tbb", a2, nodes);
    double N = (double)nodes;
    sim_bench_add(r, "uts_nodes", N);
    add_pos(r, "uts_ns_per_node_1t", n1 / N);
    add_pos(r, "uts_ns_per_node_2t", n2 / N);
    add_ratio(r, "uts_speedup_2t", n1, n2);
    sim_bench_add(r, "uts_slower_2t_runs", nat.slower);
    sim_bench_add(r, "uts_membarriers_per_run_2t", c->runs2 > 0 ? c->barriers / c->runs2 : 0);
    add_pos(r, "gomp_uts_ns_per_node_1t", g1 / N);
    add_pos(r, "gomp_uts_ns_per_node_2t", g2 / N);
    add_pos(r, "tbb_uts_ns_per_node_1t", t1 / N);
    add_pos(r, "tbb_uts_ns_per_node_2t", t2 / N);
    add_ratio(r, "gomp_uts_ratio_1t", g1, n1);
    add_ratio(r, "gomp_uts_ratio_2t", g2, n2);
    add_ratio(r, "tbb_uts_ratio_1t", t1, n1);
    add_ratio(r, "tbb_uts_ratio_2t", t2, n2);
}

/* Are both peers in c->peers? Else say which is missing and how to build it. */
static bool peers_present(const struct fj_ctx *c)
{
    char path[PATH_MAX + 32];
    for (size_t i = 0; i < sizeof(PEERS) / sizeof(PEERS[0]); i++) {
        snprintf(path, sizeof path, "%s/%s", c->peers, PEERS[i]);
        if (access(path, X_OK) != 0) {
            fprintf(stderr, "bench forkjoin: peer program %s is missing (`make bench` or `make "
                            "tests-build` builds it; SCHEDLAB_PEER_DIR names another folder)\n",
                    path);
            return false;
        }
    }
    return true;
}

static double loadavg_1m(void)
{
    double l[1];
    return getloadavg(l, 1) == 1 ? l[0] : -1;
}

int sim_bench_forkjoin(const struct sim_bench_opts *o, struct sim_bench_result *r)
{
    struct fj_ctx c = { .o = o, .r = r, .exact = 1 };
    peer_dir(c.peers, sizeof c.peers);
    if (o->no_peers)
        sim_bench_add_text(r, "peers", "not run (--no-peers)");
    else if (!peers_present(&c))
        return -1;
    int detected;
    char err[256];
    struct ws_topo *host = NULL;
    if (nat_topo_host(&host, &detected, err, sizeof err) != 0) {
        fprintf(stderr, "bench forkjoin: %s\n", err);
        return -1;
    }
    c.host = host;
    c.steps = 2 * o->reps + 9;
    sim_bench_add(r, "loadavg_1m", loadavg_1m());
    uint32_t n = o->items < 16 ? 16 : o->items > 40 ? 40 : (uint32_t)o->items;
    fib_part(&c, n, 2 * nat_fib_value(n + 1) - 1);
    uts_part(&c, n >= 30 ? "T1" : "default");
    sim_bench_add(r, "exact", c.exact);
    sim_bench_add(r, "loadavg_1m_end", loadavg_1m());
    ws_topo_destroy(host);
    return c.failed || !c.exact ? -1 : 0;
}
