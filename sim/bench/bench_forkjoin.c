/* bench_forkjoin.c: `schedlab bench forkjoin`: the native runtime against OpenMP tasks (gcc's
 * libgomp) and oneTBB task_group on fork-join work, all in one invocation: fib(N) (one task per
 * call, joined) and a UTS tree (one task per node) on 1 and 2 threads. Numbers are medians of
 * wall time per task; ratios are peer / native (above 1: the native runtime is faster). The peers
 * are tests/bench/peer_gomp.c and peer_tbb.cpp, built by `make tests-build` next to this binary
 * (build/tests/bench/); missing peers leave their keys out. cpu_ns_per_task_* is the workers'
 * CPU time per task (idle spinning included), a check on wall times taken on a busy machine.
 * --items N runs fib(N) (default 30);
 * below 30 the UTS tree is the small "default" set instead of T1 (for smoke tests). */
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

#define PEER_REPS_MAX 3   /* libgomp's fib(30) takes seconds per run on 2 threads */

struct fj_ctx {
    const struct sim_bench_opts *o;
    struct sim_bench_result *r;
    const struct ws_topo *host;
    char peers[PATH_MAX];
    int exact;                    /* every answer checked so far was right */
    unsigned step, steps;
};

/* Median wall ns of reps native runs of workload on t threads (and in *cpu the median CPU
 * time of the workers, spinning included, when cpu is not NULL); 0 on failure. */
static double native_ns(struct fj_ctx *c, const char *workload, uint32_t t, bool slow,
                        unsigned reps, double *cpu)
{
    double v[SIM_BENCH_MAX_REPS], u[SIM_BENCH_MAX_REPS];
    for (unsigned i = 0; i < reps; i++) {
        struct nat_run_opts o;
        nat_run_defaults(&o);
        o.workload = workload;
        o.threads = t;
        o.host = c->host;
        o.slow = slow;
        o.seed = i + 1;
        struct nat_run_result r;
        char err[512];
        if (nat_run(&o, &r, err, sizeof err) != 0) {
            fprintf(stderr, "bench forkjoin: native %s: %s\n", workload, err);
            c->exact = 0;
            return 0;
        }
        v[i] = (double)r.summary.makespan_ns;
        u[i] = (double)r.x.cpu_ns;
    }
    sim_bench_progress(c->o, "forkjoin", ++c->step, c->steps);
    if (cpu != NULL)
        *cpu = sim_median(u, reps);
    return sim_median(v, reps);
}

/* Run a peer; its median wall ns (and its answer checked against `expected`); 0 if absent. */
static double peer_ns(struct fj_ctx *c, const char *peer, const char *args, uint64_t expected)
{
    char cmd[PATH_MAX + 128];
    snprintf(cmd, sizeof cmd, "%s/%s", c->peers, peer);
    sim_bench_progress(c->o, "forkjoin", ++c->step, c->steps);
    if (access(cmd, X_OK) != 0)
        return 0;
    snprintf(cmd, sizeof cmd, "'%s/%s' %s", c->peers, peer, args);
    FILE *f = popen(cmd, "r");
    char line[512] = "";
    if (f == NULL)
        return 0;
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
        fprintf(stderr, "bench forkjoin: %s %s failed\n", peer, args);
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

/* The directory of the peers: $SCHEDLAB_PEERS, else <this binary's folder>/tests/bench. */
static void peer_dir(char *buf, size_t len)
{
    const char *env = getenv("SCHEDLAB_PEERS");
    if (env != NULL) {
        snprintf(buf, len, "%s", env);
        return;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(exe, '/');
    if (n <= 0 || slash == NULL)
        snprintf(exe, sizeof exe, ".");
    else
        *slash = '\0';
    size_t k = strlen(exe);
    if (k + sizeof "/tests/bench" > len)
        k = 0, exe[0] = '.', exe[1] = '\0';
    memcpy(buf, exe, k ? k : 1);
    memcpy(buf + (k ? k : 1), "/tests/bench", sizeof "/tests/bench");
}

static void fib_part(struct fj_ctx *c, uint32_t n, uint64_t tasks)
{
    struct sim_bench_result *r = c->r;
    unsigned reps = c->o->reps, preps = reps < PEER_REPS_MAX ? reps : PEER_REPS_MAX;
    char spec[32], a1[64], a2[64];
    snprintf(spec, sizeof spec, "fib:%u", n);
    snprintf(a1, sizeof a1, "fib %u 1 %u", n, preps);
    snprintf(a2, sizeof a2, "fib %u 2 %u", n, preps);
    double u1 = 0, u2 = 0;
    double n1 = native_ns(c, spec, 1, false, reps, &u1);
    double n2 = native_ns(c, spec, 2, false, reps, &u2);
    double ws1 = native_ns(c, spec, 1, true, reps, NULL);
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
    add_pos(r, "cpu_ns_per_task_1t", u1 / T);
    add_pos(r, "cpu_ns_per_task_2t", u2 / T);
    add_pos(r, "fib_ms_1t", n1 / 1e6);
    add_pos(r, "fib_ms_2t", n2 / 1e6);
    add_ratio(r, "speedup_2t", n1, n2);
    add_pos(r, "gomp_ns_per_task_1t", g1 / T);
    add_pos(r, "gomp_ns_per_task_2t", g2 / T);
    add_pos(r, "tbb_ns_per_task_1t", t1 / T);
    add_pos(r, "tbb_ns_per_task_2t", t2 / T);
    add_pos(r, "gomp_fib_ms_1t", g1 / 1e6);
    add_pos(r, "gomp_fib_ms_2t", g2 / 1e6);
    add_pos(r, "tbb_fib_ms_1t", t1 / 1e6);
    add_pos(r, "tbb_fib_ms_2t", t2 / 1e6);
    add_ratio(r, "gomp_ratio_1t", g1, n1);
    add_ratio(r, "gomp_ratio_2t", g2, n2);
    add_ratio(r, "tbb_ratio_1t", t1, n1);
    add_ratio(r, "tbb_ratio_2t", t2, n2);
}

static void uts_part(struct fj_ctx *c, const char *set)
{
    struct sim_bench_result *r = c->r;
    unsigned reps = c->o->reps < PEER_REPS_MAX ? c->o->reps : PEER_REPS_MAX;
    uint64_t nodes = nat_uts_published(set);
    char spec[32], a1[64], a2[64];
    snprintf(spec, sizeof spec, "uts:%s", set);
    snprintf(a1, sizeof a1, "uts %s 1 %u", set, reps);
    snprintf(a2, sizeof a2, "uts %s 2 %u", set, reps);
    double n1 = native_ns(c, spec, 1, false, reps, NULL);
    double n2 = native_ns(c, spec, 2, false, reps, NULL);
    double g1 = peer_ns(c, "peer_gomp", a1, nodes), g2 = peer_ns(c, "peer_gomp", a2, nodes);
    double t1 = peer_ns(c, "peer_tbb", a1, nodes), t2 = peer_ns(c, "peer_tbb", a2, nodes);
    double N = (double)nodes;
    sim_bench_add(r, "uts_nodes", N);
    add_pos(r, "uts_ns_per_node_1t", n1 / N);
    add_pos(r, "uts_ns_per_node_2t", n2 / N);
    add_pos(r, "uts_ms_1t", n1 / 1e6);
    add_pos(r, "uts_ms_2t", n2 / 1e6);
    add_ratio(r, "uts_speedup_2t", n1, n2);
    add_pos(r, "gomp_uts_ns_per_node_1t", g1 / N);
    add_pos(r, "gomp_uts_ns_per_node_2t", g2 / N);
    add_pos(r, "tbb_uts_ns_per_node_1t", t1 / N);
    add_pos(r, "tbb_uts_ns_per_node_2t", t2 / N);
    add_ratio(r, "gomp_uts_ratio_1t", g1, n1);
    add_ratio(r, "gomp_uts_ratio_2t", g2, n2);
    add_ratio(r, "tbb_uts_ratio_1t", t1, n1);
    add_ratio(r, "tbb_uts_ratio_2t", t2, n2);
}

int sim_bench_forkjoin(const struct sim_bench_opts *o, struct sim_bench_result *r)
{
    struct ws_topo *host = NULL;
    int detected;
    char err[256];
    if (nat_topo_host(&host, &detected, err, sizeof err) != 0) {
        fprintf(stderr, "bench forkjoin: %s\n", err);
        return -1;
    }
    uint32_t n = o->items < 16 ? 16 : o->items > 40 ? 40 : (uint32_t)o->items;
    struct fj_ctx c = { .o = o, .r = r, .host = host, .exact = 1, .steps = 15 };
    peer_dir(c.peers, sizeof c.peers);
    fib_part(&c, n, 2 * nat_fib_value(n + 1) - 1);
    uts_part(&c, n >= 30 ? "T1" : "default");
    sim_bench_add(r, "exact", c.exact);
    ws_topo_destroy(host);
    return 0;
}
