/* nat_run.c: one native run from names to a stored run (see nat_run.h). */
#include "native/nat_run.h"
#include "native/nat_calib.h"
#include "native/nat_replay.h"
#include "native/nat_work.h"

#include "sim/util/sim_version.h"
#include "sim/db/sim_db.h"
#include "sim/run/sim_run.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <sched.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define SAMPLE_EVERY 1024   /* computed workloads: one spawn in this many is latency-sampled */

void nat_run_defaults(struct nat_run_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->strategy = "locality";
    o->bind = NAT_BIND_STATIC;
    o->seed = 1;
    o->scale = 1.0;
    ws_params_defaults(&o->params);
}

/* "strict:LIST" or "preferred:N" on the root of a computed workload. */
static int root_affinity(struct nat_proc *p, const char *spec, uint32_t n, char *err,
                         size_t errlen)
{
    struct ws_cpuset set;
    if (ws_cpuset_init(&set, n) != WS_OK) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = -1;
    char *end;
    if (strncmp(spec, "strict:", 7) == 0) {
        if (ws_cpuset_parse(&set, spec + 7, NULL) != WS_OK || ws_cpuset_is_empty(&set))
            snprintf(err, errlen, "--affinity %s: want cores 0..%u such as strict:0-1", spec,
                     n - 1);
        else
            rc = ws_proc_set_affinity(&p->wp, WS_AFF_STRICT, &set, -1) == WS_OK ? 0 : -1;
    } else if (strncmp(spec, "preferred:", 10) == 0) {
        long c = strtol(spec + 10, &end, 10);
        if (*end != '\0' || c < 0 || c >= (long)n)
            snprintf(err, errlen, "--affinity %s: want a core 0..%u", spec, n - 1);
        else
            rc = ws_proc_set_affinity(&p->wp, WS_AFF_PREFERRED, NULL, (int32_t)c) == WS_OK ? 0
                                                                                          : -1;
    } else {
        snprintf(err, errlen, "--affinity wants strict:LIST or preferred:CORE, not '%s'", spec);
    }
    ws_cpuset_destroy(&set);
    return rc;
}

/* Every parameter, the native settings and any calibration, as one JSON object. */
static char *params_json(const struct nat_run_opts *o, const struct nat_rt *rt,
                         const struct nat_run_result *r, const char *host_desc,
                         const struct nat_place *pl)
{
    struct ws_params p = o->params;
    p.binding = (uint32_t)o->bind;   /* --binding is the binding= parameter */
    char *base = sim_params_json(&p);
    cJSON *j = base ? cJSON_Parse(base) : NULL;
    free(base);
    if (j == NULL)
        return NULL;
    cJSON *nat = cJSON_AddObjectToObject(j, "native");
    cJSON_AddNumberToObject(nat, "threads", rt->n);
    cJSON_AddStringToObject(nat, "binding", nat_bind_name(o->bind));
    cJSON_AddStringToObject(nat, "effective_binding", nat_bind_name(pl->bind));
    cJSON_AddBoolToObject(nat, "pinned", r->x.pinned);
    cJSON_AddNumberToObject(nat, "pinned_workers", r->pinned_workers);
    cJSON_AddNumberToObject(nat, "masked_workers", r->masked_workers);
    cJSON_AddBoolToObject(nat, "fast_path", rt->o.fast);
    cJSON_AddNumberToObject(nat, "safety_sleep_ns", (double)rt->safety_ns);
    cJSON_AddNumberToObject(nat, "sample_every", rt->o.sample_every);
    cJSON_AddNumberToObject(nat, "scale", o->scale > 0 ? o->scale : 1.0);
    cJSON_AddNumberToObject(nat, "busy_iters_per_ns", r->busy_ipn);
    cJSON_AddStringToObject(nat, "host", host_desc);
    if (o->calibration_json != NULL) {
        cJSON *c = cJSON_Parse(o->calibration_json);
        if (c != NULL)
            cJSON_AddItemToObject(j, "calibration", c);
    }
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

static int store(const struct nat_run_opts *o, struct sim_run_metrics *m, int64_t *run_id,
                 char *err, size_t errlen)
{
    const char *slash = strrchr(o->db_path, '/');
    if (slash != NULL && slash != o->db_path) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - o->db_path), o->db_path);
        if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "%s: cannot create folder: %s", dir, strerror(errno));
            return -1;
        }
    }
    struct sim_db *db = NULL;
    if (sim_db_open(o->db_path, false, &db, err, errlen) != 0)
        return -1;
    int rc = sim_db_write_run(db, m, run_id, err, errlen);
    sim_db_close(db);
    return rc;
}

/* Give every unpinned worker of a dynamic or hybrid binding its affinity mask, as soon as the
 * workers are started (until then they run with the creating thread's mask). Returns how many
 * masks were applied. */
static uint32_t apply_masks(struct nat_rt *rt, const struct nat_place *pl)
{
    if (pl->bind != NAT_BIND_DYNAMIC && pl->bind != NAT_BIND_HYBRID)
        return 0;
    int32_t *cpus = calloc(pl->n, sizeof(int32_t));
    uint32_t applied = 0;
    for (uint32_t i = 0; cpus != NULL && i < rt->n && i < pl->n; i++) {
        uint32_t k = nat_place_mask(pl, i, cpus);
        cpu_set_t set;
        CPU_ZERO(&set);
        for (uint32_t j = 0; j < k; j++)
            if (cpus[j] >= 0 && cpus[j] < CPU_SETSIZE)
                CPU_SET(cpus[j], &set);
        if (CPU_COUNT(&set) > 0 &&
            pthread_setaffinity_np(rt->w[i].thread, sizeof(set), &set) == 0)
            applied++;
    }
    free(cpus);
    return applied;
}

/* Run the workload on rt (started here), feeding roots. */
static int execute(const struct nat_run_opts *o, struct nat_rt *rt, struct nat_workload *wl,
                   struct nat_replay *rp, const struct nat_place *pl,
                   struct nat_run_result *r, char *err, size_t errlen)
{
    if (wl->kind != NAT_WORK_REPLAY) {
        for (uint32_t i = 0; i < (o->roots ? o->roots : 1); i++) {
            struct nat_proc *root = nat_work_root(rt, wl);
            if (root == NULL) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            if (o->root_affinity != NULL &&
                root_affinity(root, o->root_affinity, rt->n, err, errlen) != 0)
                return -1;
            if (nat_rt_inject(rt, root) != 0) {
                snprintf(err, errlen, "the root cannot be placed (affinity)");
                return -1;
            }
        }
        if (nat_rt_start(rt, err, errlen) != 0)
            return -1;
        r->masked_workers = apply_masks(rt, pl);
        nat_rt_feeder_done(rt);
    } else {
        bool due = nat_replay_feed_due(rt, rp) == 0;
        r->roots_at_start = rp->pnext;
        if (nat_rt_start(rt, err, errlen) != 0)
            return -1;
        r->masked_workers = apply_masks(rt, pl);
        if (due)
            nat_replay_feed(rt, rp, o->stopped);
        else
            nat_rt_feeder_done(rt);
    }
    if (nat_rt_wait(rt, o->stopped, err, errlen) != 0)
        return -1;
    return wl->kind == NAT_WORK_REPLAY ? nat_replay_check(rp, err, errlen) : 0;
}

/* The answer and the process count must be the known ones. */
static int check_answer(const struct nat_workload *wl, const struct nat_run_result *r,
                        uint64_t copies, char *err, size_t errlen)
{
    if (wl->tally_name != NULL && r->tally != r->expected) {
        snprintf(err, errlen, "%s: wrong answer: %s %llu, expected %llu", wl->spec,
                 wl->tally_name, (unsigned long long)r->tally, (unsigned long long)r->expected);
        return -1;
    }
    if (wl->expected_processes && r->summary.processes != wl->expected_processes * copies) {
        snprintf(err, errlen, "%s: %llu processes completed, expected %llu", wl->spec,
                 (unsigned long long)r->summary.processes,
                 (unsigned long long)(wl->expected_processes * copies));
        return -1;
    }
    if (r->x.aff_violations != 0) {
        snprintf(err, errlen, "%s: strict affinity violated %llu times", wl->spec,
                 (unsigned long long)r->x.aff_violations);
        return -1;
    }
    return 0;
}

/* "pinned" is true only when every worker was pinned to one CPU and the call succeeded. */
static void count_pinned(const struct nat_rt *rt, struct nat_run_result *r)
{
    r->pinned_workers = 0;
    for (uint32_t c = 0; c < rt->n; c++)
        r->pinned_workers += rt->w[c].os_cpu >= 0 && rt->w[c].pinned;
    r->x.pinned = rt->n > 0 && r->pinned_workers == rt->n;
}

static int finish_run(const struct nat_run_opts *o, struct nat_rt *rt, struct nat_workload *wl,
                      const char *host_desc, const struct nat_place *pl,
                      struct nat_run_result *r, char *err, size_t errlen,
                      struct timespec wall, uint64_t t_start)
{
    struct sim_run_metrics m;
    struct sim_timeline all = { 0 };
    uint32_t masked = r->masked_workers;
    if (nat_metrics_collect(rt, &m, &r->x) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (o->timeline_max > 0 && nat_tl_collect(rt, o->timeline_max, &all, &m) != 0) {
        nat_metrics_free(&m);
        snprintf(err, errlen, "out of memory (timeline)");
        return -1;
    }
    r->timeline_slices = m.ntimeline;
    r->timeline_dropped = m.timeline_dropped;
    r->masked_workers = masked;
    count_pinned(rt, r);
    r->summary = m.summary;
    r->ncores = rt->n;
    r->tally_name = wl->tally_name;
    r->tally = nat_work_tally(rt, wl, r->x.tally);
    uint64_t copies = wl->kind == NAT_WORK_REPLAY || o->roots == 0 ? 1 : o->roots;
    r->expected = nat_work_expected(wl, copies);
    for (uint32_t c = 0; c < rt->n && c < 64; c++) {
        r->per_core_run[c] = m.cores[c].processes_run;
        r->per_core_busy[c] = m.cores[c].busy_ns;
        r->per_core_steals_in[c] = m.cores[c].steals_in;
        r->per_core_steals_out[c] = m.cores[c].steals_out;
        r->per_core_idle[c] = m.cores[c].idle_ns;
        r->per_core_awake[c] = m.cores[c].idle_ns - m.cores[c].sleep_ns;
    }
    int rc = check_answer(wl, r, copies, err, errlen);
    r->wall_s = (double)(nat_now_ns() - t_start) / 1e9;
    char *pj = NULL;
    if (rc == 0 && o->db_path != NULL) {
        if ((pj = params_json(o, rt, r, host_desc, pl)) == NULL) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        } else {
            m.run = (struct sim_run_desc){
                .trace = o->workload, .trace_checksum = wl->checksum[0] ? wl->checksum : NULL,
                .topology = r->topology, .strategy = o->strategy, .params_json = pj,
                .seed = o->seed, .mode = SIM_MODE_NATIVE, .tool_version = sim_version,
                .start_unix_ns = (int64_t)wall.tv_sec * 1000000000 + wall.tv_nsec,
                .wall_s = r->wall_s, .timeseries_interval_ns = m.run.timeseries_interval_ns,
            };
            rc = store(o, &m, &r->run_id, err, errlen);
        }
    }
    free(pj);
    nat_metrics_free(&m);
    if (o->timeline_max > 0)
        sim_timeline_free(&all);
    return rc;
}

int nat_run(const struct nat_run_opts *o, struct nat_run_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof(*r));
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    uint64_t t_start = nat_now_ns();
    struct nat_workload *wl = calloc(1, sizeof(*wl));
    struct ws_topo *own_host = NULL, *topo = NULL;
    struct nat_rt *rt = NULL;
    struct nat_replay rp = { 0 };
    struct nat_place pl = { 0 };
    int rc = -1, detected = 0;
    if (wl == NULL || nat_work_parse(o->workload, o->replay, wl, err, errlen) != 0)
        goto out;
    const struct ws_topo *host = o->host;
    if (host == NULL && nat_topo_host(&own_host, &detected, err, errlen) != 0)
        goto out;
    host = host ? host : own_host;
    uint32_t n = o->threads ? o->threads : host->ncores;
    if (n > WS_TOPO_MAX_CORES) {
        snprintf(err, errlen, "--threads %u: too many", n);
        goto out;
    }
    if (nat_topo_place(host, n, o->bind, (enum ws_bind_order)o->params.bind_order, &topo, &pl,
                       err, errlen) != 0)
        goto out;
    snprintf(r->topology, sizeof r->topology, "host:%u:%s", n, nat_bind_name(pl.bind));
    bool replay = wl->kind == NAT_WORK_REPLAY;
    r->busy_ipn = replay ? (o->busy_ipn > 0 ? o->busy_ipn : nat_calib_busy()) : 0;
    if (replay && nat_replay_open(&rp, o->workload, o->scale, r->busy_ipn, n,
                                  o->read_ahead_max, err, errlen) != 0)
        goto out;
    r->read_ahead = rp.npre;
    struct nat_rt_opts ro = {
        .topo = topo, .os_cpus = pl.pin, .params = &o->params, .strategy = o->strategy,
        .seed = o->seed, .fast = !o->slow && !replay, .sample_every = replay ? 1 : SAMPLE_EVERY,
    };
    if (nat_rt_create(&ro, &rt, err, errlen) != 0)
        goto out;
    if (o->timeline_max > 0 && nat_tl_setup(rt, o->timeline_max) != 0) {
        snprintf(err, errlen, "out of memory (timeline)");
        goto out;
    }
    rt->work = replay ? (void *)&rp : (void *)wl;
    if (execute(o, rt, wl, &rp, &pl, r, err, errlen) != 0)
        goto out;
    char host_desc[300];
    snprintf(host_desc, sizeof host_desc, "%s%s", host->description,
             o->host != NULL || detected ? "" : " (hwloc detection failed: online CPUs)");
    rc = finish_run(o, rt, wl, host_desc, &pl, r, err, errlen, wall, t_start);
out:
    nat_rt_join(rt);      /* a failure may have left them running; their processes hold records */
    nat_tl_free(rt);
    nat_replay_close(&rp);
    nat_rt_destroy(rt);
    ws_topo_destroy(topo);
    ws_topo_destroy(own_host);
    nat_place_free(&pl);
    free(wl);
    return rc;
}
