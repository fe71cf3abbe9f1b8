/* sim_run.c: one replay from names to a stored run (see sim_run.h). */
#include "sim/run/sim_run.h"
#include "sim/util/sim_version.h"
#include "sim/db/sim_db.h"
#include "sim/engine/sim_engine.h"
#include "sim/engine/sim_topo.h"
#include "sim/util/sim_util.h"
#include "sim/trace/import/sim_import.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

char *sim_params_json(const struct ws_params *p)
{
    cJSON *o = cJSON_CreateObject();
    char buf[64];
    for (size_t i = 0; o != NULL && i < ws_params_count(); i++) {
        const struct ws_param_desc *d = ws_params_desc(i);
        ws_params_format(p, i, buf, sizeof buf);
        if (d->type == WS_PARAM_ENUM)
            cJSON_AddStringToObject(o, d->name, buf);
        else
            cJSON_AddNumberToObject(o, d->name, strtod(buf, NULL));
    }
    char *s = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return s;
}

void sim_params_label(const struct ws_params *p, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < ws_params_count() && n < len; i++) {
        char a[64];
        if (ws_params_changed(p, i))
            n += (size_t)snprintf(buf + n, len - n, "%s%s=%s", n ? " " : "",
                                  ws_params_desc(i)->name, ws_params_format(p, i, a, sizeof a));
    }
    if (buf[0] == '\0')
        snprintf(buf, len, "-");
}

cJSON *sim_summary_json(const char *trace, const char *topology, const char *strategy,
                        uint64_t seed, uint32_t cores, const struct sim_run_summary *s,
                        double wall_s, int64_t run_id)
{
    cJSON *j = cJSON_CreateObject();
    if (j == NULL)
        return NULL;
    uint64_t mig = 0;
    for (int d = 0; d < SIM_DIST_COUNT; d++)
        mig += s->migrations[d];
    cJSON_AddStringToObject(j, "trace", trace);
    cJSON_AddStringToObject(j, "topology", topology);
    cJSON_AddStringToObject(j, "strategy", strategy);
    cJSON_AddNumberToObject(j, "seed", (double)seed);
    cJSON_AddNumberToObject(j, "cores", cores);
    cJSON_AddNumberToObject(j, "makespan_ns", (double)s->makespan_ns);
    cJSON_AddNumberToObject(j, "processes", (double)s->processes);
    cJSON_AddNumberToObject(j, "events", (double)s->events);
    cJSON_AddNumberToObject(j, "steals", (double)s->steals);
    cJSON_AddNumberToObject(j, "steal_attempts", (double)s->steal_attempts);
    for (int a = 0; a < SIM_STEAL_TIMES; a++) {
        cJSON *arr = cJSON_AddArrayToObject(j, sim_steal_times_key[a]);
        for (int k = 0; arr != NULL && k < SIM_TENTHS; k++)
            cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)sim_steal_times(s, a)[k]));
    }
    cJSON_AddNumberToObject(j, "migrations", (double)mig);
    cJSON_AddNumberToObject(j, "preemptions", (double)s->preemptions);
    cJSON_AddNumberToObject(j, "messages", (double)s->messages);
    cJSON_AddNumberToObject(j, "utilization", s->utilization);
    cJSON_AddNumberToObject(j, "wait_p50_ns", (double)s->wait_p50_ns);
    cJSON_AddNumberToObject(j, "wait_p99_ns", (double)s->wait_p99_ns);
    cJSON_AddNumberToObject(j, "resp_p50_ns", (double)s->resp_p50_ns);
    cJSON_AddNumberToObject(j, "resp_p99_ns", (double)s->resp_p99_ns);
    cJSON_AddNumberToObject(j, "energy_j", s->energy_j);
    cJSON_AddNumberToObject(j, "migrations_considered", (double)s->migrations_considered);
    cJSON_AddNumberToObject(j, "balance_moves", (double)s->balance_moves);
    cJSON_AddNumberToObject(j, "migration_rate_per_s", s->migration_rate_per_s);
    cJSON_AddNumberToObject(j, "migration_success_rate", s->migration_success_rate);
    cJSON_AddNumberToObject(j, "migration_cost_avg_ns", s->migration_cost_avg_ns);
    cJSON_AddNumberToObject(j, "busy_cv", s->busy_cv);
    cJSON_AddNumberToObject(j, "busy_max_mean", s->busy_max_mean);
    cJSON_AddNumberToObject(j, "steal_success_rate", s->steal_success_rate);
    cJSON_AddNumberToObject(j, "wall_s", wall_s);
    cJSON_AddNumberToObject(j, "events_per_s", wall_s > 0 ? (double)s->events / wall_s : 0);
    cJSON_AddNumberToObject(j, "run_id", (double)run_id);
    return j;
}

void sim_print_derived_metrics(FILE *f, const struct sim_run_summary *s)
{
    fprintf(f, "  migration     %.1f per s, %.1f %% of %llu considered, estimated cost %.0f ns "
               "each\n", s->migration_rate_per_s, 100.0 * s->migration_success_rate,
            (unsigned long long)s->migrations_considered, s->migration_cost_avg_ns);
    fprintf(f, "  balance       busy time CV %.3f, max/mean %.3f; steal success %.1f %%\n",
            s->busy_cv, s->busy_max_mean, 100.0 * s->steal_success_rate);
    fprintf(f, "  balancer      %llu moves (along its paths and pulled when dry)\n",
            (unsigned long long)s->balance_moves);
}

void sim_params_help(FILE *f)
{
    struct ws_params def;
    ws_params_defaults(&def);
    fprintf(f, "\nparameters (--param name=value; times in ns; k, M, G multiply by 10^3, 10^6, "
               "10^9):\n");
    for (size_t i = 0; i < ws_params_count(); i++) {
        const struct ws_param_desc *d = ws_params_desc(i);
        char v[64], r[64];
        fprintf(f, "  %-23s default %s, range %s\n      %s\n", d->name,
                ws_params_format(&def, i, v, sizeof v), ws_params_range_text(d, r, sizeof r),
                d->doc);
    }
}

int sim_params_apply(struct ws_params *p, const char *assignment, char *err, size_t errlen)
{
    const char *eq = strchr(assignment, '=');
    if (eq == NULL || eq == assignment) {
        snprintf(err, errlen, "--param wants name=value, not '%s'", assignment);
        return -1;
    }
    char name[64];
    size_t n = (size_t)(eq - assignment);
    if (n >= sizeof name) {
        snprintf(err, errlen, "unknown parameter '%.*s'", (int)n, assignment);
        return -1;
    }
    memcpy(name, assignment, n);
    name[n] = '\0';
    return ws_params_set(p, name, eq + 1, err, errlen) == WS_OK ? 0 : -1;
}

/* Create the folder holding path if it is missing (one level, as for results/). */
static int ensure_dir_of(const char *path, char *err, size_t errlen)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL || slash == path)
        return 0;
    char dir[1024];
    size_t n = (size_t)(slash - path);
    if (n >= sizeof dir)
        return 0;
    memcpy(dir, path, n);
    dir[n] = '\0';
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: cannot create folder: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

struct progress_state {
    uint64_t t0;
    uint64_t last;
};

static void show_progress(void *ctx, uint64_t sim_ns, uint64_t done, uint64_t events)
{
    struct progress_state *ps = ctx;
    uint64_t now = sim_now_ns();
    if (now - ps->t0 < 1000000000ull || now - ps->last < 250000000ull)
        return;
    ps->last = now;
    fprintf(stderr, "\rreplay: %.3f s simulated, %llu processes done, %llu events, %.1f s",
            (double)sim_ns / 1e9, (unsigned long long)done, (unsigned long long)events,
            (double)(now - ps->t0) / 1e9);
}

static int store(const struct sim_run_opts *o, struct sim_run_metrics *m, struct sim_run_result *r,
                 char *err, size_t errlen)
{
    struct sim_db *db = NULL;
    if (ensure_dir_of(o->db_path, err, errlen) != 0 ||
        sim_db_open(o->db_path, false, &db, err, errlen) != 0)
        return -1;
    int rc = sim_db_write_run(db, m, &r->run_id, err, errlen);
    sim_db_close(db);
    return rc;
}

int sim_run_replay(const struct sim_run_opts *o, struct sim_run_result *r, char *err,
                   size_t errlen)
{
    memset(r, 0, sizeof(*r));
    struct ws_topo *topo = NULL;
    struct sim_trace *t = NULL;
    struct sim_engine *e = NULL;
    char *pjson = NULL;
    int rc = -1;
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    uint64_t t0 = sim_now_ns();
    if (o->machine == NULL && sim_topo_load(o->topology, &topo, err, errlen) != 0)
        goto out;
    const struct ws_topo *machine = o->machine != NULL ? o->machine : topo;
    if ((t = sim_trace_open(o->trace, NULL, err, errlen)) == NULL)
        goto out;
    const char *sum = sim_trace_checksum(t);
    if (sum == NULL) {
        snprintf(err, errlen, "%s", sim_trace_error(t));
        goto out;
    }
    snprintf(r->trace_checksum, sizeof r->trace_checksum, "%s", sum);
    struct progress_state ps = { t0, 0 };
    struct sim_engine_opts eo = {
        .topo = machine, .params = &o->params, .strategy = o->strategy, .seed = o->seed,
        .per_process = o->per_process, .progress = o->progress ? show_progress : NULL,
        .progress_ctx = &ps, .timeline_max = o->timeline_max,
    };
    if ((e = sim_engine_create(t, &eo, err, errlen)) == NULL)
        goto out;
    int st = sim_engine_run(e, o->stopped, err, errlen);
    if (o->progress && sim_now_ns() - t0 >= 1000000000ull)
        fputs("\r\033[K", stderr);
    if (st != 0) {
        /* The engine's findings (deadlock, unknown receiver, affinity) name the trace here. */
        char *msg = strdup(err);
        if (msg != NULL && strncmp(msg, o->trace, strlen(o->trace)) != 0)
            snprintf(err, errlen, "%s: %s", o->trace, msg);
        free(msg);
        goto out;
    }
    r->wall_s = (double)(sim_now_ns() - t0) / 1e9;
    struct sim_run_metrics m = *sim_engine_metrics(e);
    r->summary = m.summary;
    r->ncores = m.ncores;
    r->tally = t->tally;
    r->tally_name = sim_trace_info(t)->tally_name;
    r->timeline_slices = m.ntimeline;
    r->timeline_dropped = m.timeline_dropped;
    if (o->db_path != NULL) {
        if ((pjson = sim_params_json(&o->params)) == NULL) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        m.run = (struct sim_run_desc){
            .experiment_id = o->experiment_id, .trace = o->trace, .trace_checksum = sum,
            .topology = o->topology, .strategy = o->strategy, .params_json = pjson,
            .seed = o->seed, .mode = SIM_MODE_SIM, .tool_version = sim_version,
            .start_unix_ns = (int64_t)wall.tv_sec * 1000000000 + wall.tv_nsec,
            .wall_s = r->wall_s, .timeseries_interval_ns = m.run.timeseries_interval_ns,
        };
        if (store(o, &m, r, err, errlen) != 0)
            goto out;
    }
    rc = 0;
out:
    free(pjson);
    sim_engine_destroy(e);
    sim_trace_close(t);
    ws_topo_destroy(topo);
    return rc;
}
