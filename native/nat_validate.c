/* nat_validate.c: calibrate, run natively, simulate the same workload on the same cores, compare
 * (see nat_validate.h). */
#include "native/nat_validate.h"
#include "native/nat_work.h"

#include "sim/util/sim_version.h"
#include "sim/db/sim_db.h"
#include "sim/engine/sim_engine.h"
#include "sim/run/sim_run.h"
#include "sim/trace/import/sim_import.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHAIN_LEN 200000
#define CALIB_MAX_PROCS 3000000   /* larger computed workloads calibrate on fib:25 instead */

#define CALIB_RUNS 3   /* the fastest of a few one-worker runs: the least disturbed by others */

/* Quick native runs on one worker without a database: ns per completed process of the fastest
 * (0 on failure). */
static uint64_t ns_per_proc(const struct ws_topo *host, const char *workload, uint64_t seed,
                            const struct ws_params *p)
{
    uint64_t best = 0;
    for (int i = 0; i < CALIB_RUNS; i++) {
        struct nat_run_opts o;
        nat_run_defaults(&o);
        o.workload = workload;
        o.threads = 1;
        o.host = host;
        o.seed = seed;
        o.params = *p;
        struct nat_run_result r;
        char err[512];
        if (nat_run(&o, &r, err, sizeof err) != 0 || r.summary.processes == 0)
            return 0;
        uint64_t v = r.summary.makespan_ns / r.summary.processes;
        if (best == 0 || v < best)
            best = v;
    }
    return best;
}

static void calibrate(const struct nat_validate_opts *o, const struct ws_topo *host,
                      const struct ws_topo *topo, const int32_t *cpus,
                      const struct nat_workload *wl, struct nat_calibration *c)
{
    memset(c, 0, sizeof(*c));
    c->busy_iters_per_ns = nat_calib_busy();
    if (topo->ncores >= 2) {
        c->steal_ns = nat_calib_steal(cpus[0], cpus[1]);
        c->wake_ns = nat_calib_wake(cpus[0], cpus[1]);
        c->latency_ns = ws_topo_latency_ns(topo, 0, 1);
    }
    char chain[32];
    snprintf(chain, sizeof chain, "chain:%d", CHAIN_LEN);
    c->spawn_ns = ns_per_proc(host, chain, o->seed, &o->params);
    if (wl->kind == NAT_WORK_REPLAY)
        return;
    const char *w = wl->expected_processes && wl->expected_processes > CALIB_MAX_PROCS
                    ? "fib:25" : o->workload;
    c->proc_ns = ns_per_proc(host, w, o->seed, &o->params);
}

/* The simulator's spec for a computed workload: its canonical spec with work and ws replaced. */
static void sim_spec(const struct nat_workload *wl, uint64_t work, char *out, size_t len)
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
    if (off < len)
        snprintf(out + off, len - off, "work=%llu,ws=0", (unsigned long long)work);
}

static int store_sim(const struct nat_validate_opts *o, struct sim_run_metrics *m,
                     const struct ws_params *p, const char *cal_json, const char *topology,
                     const char *checksum, struct nat_validate_result *r, char *err,
                     size_t errlen)
{
    char *base = sim_params_json(p);
    cJSON *j = base ? cJSON_Parse(base) : NULL;
    free(base);
    cJSON *cal = cal_json ? cJSON_Parse(cal_json) : NULL;
    if (j != NULL && cal != NULL)
        cJSON_AddItemToObject(j, "calibration", cal);
    else
        cJSON_Delete(cal);
    char *pj = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    if (pj == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    m->run = (struct sim_run_desc){
        .trace = r->sim_trace, .trace_checksum = checksum, .topology = topology,
        .strategy = o->strategy, .params_json = pj, .seed = o->seed, .mode = SIM_MODE_SIM,
        .tool_version = sim_version,
        .start_unix_ns = (int64_t)wall.tv_sec * 1000000000 + wall.tv_nsec,
        .wall_s = r->sim_wall_s, .timeseries_interval_ns = m->run.timeseries_interval_ns,
    };
    struct sim_db *db = NULL;
    int rc = sim_db_open(o->db_path, false, &db, err, errlen);
    if (rc == 0)
        rc = sim_db_write_run(db, m, &r->sim_run_id, err, errlen);
    sim_db_close(db);
    free(pj);
    return rc;
}

/* Replay r->sim_trace on topo with p in the simulator (and store it). */
static int simulate(const struct nat_validate_opts *o, const struct ws_topo *topo,
                    const struct ws_params *p, const char *cal_json,
                    struct nat_validate_result *r, char *err, size_t errlen)
{
    struct sim_trace *t = sim_trace_open(r->sim_trace, NULL, err, errlen);
    if (t == NULL)
        return -1;
    struct sim_engine_opts eo = { .topo = topo, .params = p, .strategy = o->strategy,
                                  .seed = o->seed };
    uint64_t t0 = nat_now_ns();
    struct sim_engine *e = sim_engine_create(t, &eo, err, errlen);
    int rc = -1;
    if (e != NULL && sim_engine_run(e, o->stopped, err, errlen) == 0) {
        r->sim_wall_s = (double)(nat_now_ns() - t0) / 1e9;
        struct sim_run_metrics m = *sim_engine_metrics(e);
        r->sim = m.summary;
        const char *sum = sim_trace_checksum(t);
        rc = o->db_path == NULL ? 0
             : store_sim(o, &m, p, cal_json, r->topology, sum, r, err, errlen);
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

static void compare(struct nat_validate_result *r)
{
    const struct sim_run_summary *n = &r->native.summary, *s = &r->sim;
    const struct nat_metric_cmp v[NAT_VALIDATE_METRICS] = {
        { "makespan_ns", (double)n->makespan_ns, (double)s->makespan_ns, 0 },
        { "steals", (double)n->steals, (double)s->steals, 0 },
        { "steal_attempts", (double)n->steal_attempts, (double)s->steal_attempts, 0 },
        { "migrations", (double)mig_total(n), (double)mig_total(s), 0 },
        { "utilization", n->utilization, s->utilization, 0 },
        { "processes", (double)n->processes, (double)s->processes, 0 },
    };
    for (int i = 0; i < NAT_VALIDATE_METRICS; i++) {
        r->m[i] = v[i];
        r->m[i].rel_error = v[i].native != 0 ? (v[i].sim - v[i].native) / v[i].native
                            : (v[i].sim == 0 ? 0.0 : (double)NAN);
    }
}

/* The simulator's parameters: the user's, with the calibrated costs. */
static struct ws_params sim_params(const struct nat_validate_opts *o,
                                   const struct nat_calibration *c, bool computed)
{
    struct ws_params p = o->params;
    if (c->steal_ns)
        p.steal_probe_ns = c->steal_ns > c->latency_ns ? c->steal_ns - c->latency_ns : 0;
    if (c->wake_ns)
        p.wake_ns = c->wake_ns;
    if (c->spawn_ns)
        p.spawn_ns = c->spawn_ns;
    if (computed)
        p.msg_ns = 0;
    return p;
}

int nat_validate(const struct nat_validate_opts *o, struct nat_validate_result *r, char *err,
                 size_t errlen)
{
    memset(r, 0, sizeof(*r));
    struct ws_topo *host = NULL, *topo = NULL;
    struct nat_workload *wl = calloc(1, sizeof(*wl));
    int32_t *cpus = NULL;
    char *cal_json = NULL;
    int rc = -1, detected;
    if (wl == NULL || nat_work_parse(o->workload, false, wl, err, errlen) != 0 ||
        wl->kind == NAT_WORK_CHAIN || nat_topo_host(&host, &detected, err, errlen) != 0) {
        if (wl != NULL && wl->kind == NAT_WORK_CHAIN)
            snprintf(err, errlen, "%s: the simulator has no chain generator", o->workload);
        goto out;
    }
    uint32_t n = o->threads ? o->threads : host->ncores;
    if ((cpus = calloc(n, sizeof(int32_t))) == NULL ||
        nat_topo_workers(host, n, NAT_BIND_STATIC, &topo, cpus, err, errlen) != 0)
        goto out;
    snprintf(r->topology, sizeof r->topology, "host:%u:static", n);
    calibrate(o, host, topo, cpus, wl, &r->cal);
    if (wl->kind != NAT_WORK_REPLAY && r->cal.proc_ns == 0) {
        snprintf(err, errlen, "%s: calibration run failed", o->workload);
        goto out;
    }
    uint64_t work = r->cal.proc_ns > r->cal.spawn_ns ? r->cal.proc_ns - r->cal.spawn_ns : 0;
    sim_spec(wl, work, r->sim_trace, sizeof r->sim_trace);
    if ((cal_json = nat_calib_json(&r->cal)) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    struct nat_run_opts no;
    nat_run_defaults(&no);
    no.workload = o->workload;
    no.threads = n;
    no.strategy = o->strategy;
    no.seed = o->seed;
    no.params = o->params;
    no.db_path = o->db_path;
    no.calibration_json = cal_json;
    no.host = host;
    no.busy_ipn = r->cal.busy_iters_per_ns;
    no.stopped = o->stopped;
    if (nat_run(&no, &r->native, err, errlen) != 0)
        goto out;
    struct ws_params sp = sim_params(o, &r->cal, wl->kind != NAT_WORK_REPLAY);
    if (simulate(o, topo, &sp, cal_json, r, err, errlen) != 0)
        goto out;
    compare(r);
    rc = 0;
out:
    free(cal_json);
    free(cpus);
    free(wl);
    ws_topo_destroy(topo);
    ws_topo_destroy(host);
    return rc;
}
