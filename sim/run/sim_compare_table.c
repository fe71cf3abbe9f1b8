/* sim_compare_table.c: the comparison table of compare and report, built from the runs of one
 * experiment as stored in the database (see the essay in sim_compare.h). */
#include "core/ws_victim.h"
#include "sim/db/sim_db.h"
#include "sim/engine/sim_topo.h"
#include "sim/run/sim_compare.h"
#include "sim/trace/import/sim_import.h"
#include "sim/trace/sim_gen.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading ------------------------------------------------------------------------------- */

static int read_inputs(struct sim_db *db, struct sim_compare_table *t, char *err, size_t errlen)
{
    int64_t *ids = NULL;
    size_t n = 0;
    if (sim_db_list_runs(db, t->experiment_id, &ids, &n, err, errlen) != 0)
        return -1;
    t->in = calloc(n ? n : 1, sizeof(*t->in));
    if (t->in == NULL) {
        free(ids);
        return snprintf(err, errlen, "out of memory"), -1;
    }
    for (size_t i = 0; i < n; i++) {
        struct sim_run_record rec;
        struct sim_compare_input *x = &t->in[t->nin];
        if (sim_db_read_run(db, ids[i], &rec, err, errlen) != 0 ||
            sim_db_read_summary(db, ids[i], &x->summary, err, errlen) != 0) {
            sim_db_run_record_free(&rec);
            free(ids);
            return -1;
        }
        x->trace = rec.trace, rec.trace = NULL;
        x->topology = rec.topology, rec.topology = NULL;
        x->strategy = rec.strategy, rec.strategy = NULL;
        x->params_json = rec.params_json, rec.params_json = NULL;
        x->seed = rec.seed;
        x->ncores = rec.ncores;
        sim_db_run_record_free(&rec);
        t->nin++;
    }
    free(ids);
    return 0;
}

/* ---- grouping ------------------------------------------------------------------------------ */

/* Per input: its group and row while tabulating. */
struct slot {
    char base[512];
    bool seeded;
    uint64_t wseed;
    size_t group, row;
    char *label;
};

static int strategy_rank(const char *name)
{
    for (size_t i = 0; i < ws_victim_count(); i++)
        if (strcmp(ws_victim_get(i)->name, name) == 0)
            return (int)i;
    return (int)ws_victim_count();
}

static int cmp_groups(const void *a, const void *b)
{
    const struct sim_compare_group *x = a, *y = b;
    int c = strverscmp(x->trace, y->trace);
    return c != 0 ? c : strverscmp(x->topology, y->topology);
}

static int cmp_rows(const void *a, const void *b)
{
    const struct sim_compare_row *x = a, *y = b;
    int c = strverscmp(x->params, y->params);
    if (c != 0)
        return c;
    int rx = strategy_rank(x->strategy), ry = strategy_rank(y->strategy);
    return rx != ry ? rx - ry : strcmp(x->strategy, y->strategy);
}

/* The groups: distinct (base trace, topology), sorted. */
static int make_groups(struct sim_compare_table *t, struct slot *s)
{
    t->groups = calloc(t->nin ? t->nin : 1, sizeof(*t->groups));
    if (t->groups == NULL)
        return -1;
    for (size_t i = 0; i < t->nin; i++) {
        size_t g = 0;
        while (g < t->ngroups && (strcmp(t->groups[g].trace, s[i].base) != 0 ||
                                  strcmp(t->groups[g].topology, t->in[i].topology) != 0))
            g++;
        if (g == t->ngroups) {
            t->groups[g].trace = strdup(s[i].base);
            t->groups[g].topology = t->in[i].topology;
            if (t->groups[g].trace == NULL)
                return -1;
            t->ngroups++;
        }
    }
    qsort(t->groups, t->ngroups, sizeof(*t->groups), cmp_groups);
    for (size_t i = 0; i < t->nin; i++)
        for (size_t g = 0; g < t->ngroups; g++)
            if (strcmp(t->groups[g].trace, s[i].base) == 0 &&
                strcmp(t->groups[g].topology, t->in[i].topology) == 0)
                s[i].group = g;
    return 0;
}

/* Label every input of group g with the parameters that differ between the group's runs. */
static int label_group(const struct sim_compare_table *t, struct slot *s, size_t g)
{
    cJSON *first = NULL;
    bool vary[256] = { false };
    int rc = 0;
    for (size_t pass = 0; pass < 2 && rc == 0; pass++) {
        for (size_t i = 0; i < t->nin && rc == 0; i++) {
            if (s[i].group != g)
                continue;
            cJSON *p = cJSON_Parse(t->in[i].params_json);
            if (p == NULL)
                p = cJSON_CreateObject();   /* unreadable: every parameter differs */
            if (p == NULL) {
                rc = -1;
                break;
            }
            if (first == NULL) {
                first = p;
                p = NULL;
            }
            char label[1024] = "";
            size_t k = 0, len = 0;
            for (cJSON *a = first->child; a != NULL && k < 256; a = a->next, k++) {
                cJSON *b = p ? cJSON_GetObjectItemCaseSensitive(p, a->string) : a;
                char *vb = b ? cJSON_PrintUnformatted(b) : NULL, *va = cJSON_PrintUnformatted(a);
                if (pass == 0 && (vb == NULL || va == NULL || strcmp(va, vb) != 0))
                    vary[k] = true;
                if (pass == 1 && vary[k] && vb != NULL && len < sizeof label)
                    len += (size_t)snprintf(label + len, sizeof label - len, "%s%s=%s",
                                            len ? " " : "", a->string,
                                            cJSON_IsString(b) ? b->valuestring : vb);
                free(va), free(vb);
            }
            if (pass == 1 && (s[i].label = strdup(label)) == NULL)
                rc = -1;
            cJSON_Delete(p);
        }
    }
    cJSON_Delete(first);
    return rc;
}

/* The rows of group g: distinct (label, strategy), sorted; s[i].row points into them. */
static int make_rows(struct sim_compare_group *gr, const struct sim_compare_table *t,
                     struct slot *s, size_t g)
{
    gr->rows = calloc(t->nin ? t->nin : 1, sizeof(*gr->rows));
    if (gr->rows == NULL)
        return -1;
    for (size_t i = 0; i < t->nin; i++) {
        if (s[i].group != g)
            continue;
        size_t r = 0;
        while (r < gr->nrows && (strcmp(gr->rows[r].params, s[i].label) != 0 ||
                                 strcmp(gr->rows[r].strategy, t->in[i].strategy) != 0))
            r++;
        if (r == gr->nrows) {
            gr->rows[r].strategy = t->in[i].strategy;
            if ((gr->rows[r].params = strdup(s[i].label)) == NULL)
                return -1;
            gr->nrows++;
        }
    }
    qsort(gr->rows, gr->nrows, sizeof(*gr->rows), cmp_rows);
    for (size_t i = 0; i < t->nin; i++)
        for (size_t r = 0; s[i].group == g && r < gr->nrows; r++)
            if (strcmp(gr->rows[r].params, s[i].label) == 0 &&
                strcmp(gr->rows[r].strategy, t->in[i].strategy) == 0)
                s[i].row = r;
    return 0;
}

/* Means and confidence intervals of row r of group g over its runs. */
static int fill_row(const struct sim_compare_table *t, const struct slot *s, size_t g, size_t r,
                    struct sim_compare_row *row)
{
    double *mk = calloc(t->nin ? t->nin : 1, sizeof(double));
    double *ut = calloc(t->nin ? t->nin : 1, sizeof(double));
    double sum[6 + 4 + SIM_DIST_COUNT] = { 0 };
    size_t k = 0;
    if (mk == NULL || ut == NULL) {
        free(mk), free(ut);
        return -1;
    }
    for (size_t i = 0; i < t->nin; i++) {
        if (s[i].group != g || s[i].row != r)
            continue;
        const struct sim_run_summary *x = &t->in[i].summary;
        mk[k] = (double)x->makespan_ns;
        ut[k++] = x->utilization;
        const double v[10] = { x->migration_rate_per_s, x->migration_success_rate,
                               x->migration_cost_avg_ns, x->busy_cv, x->busy_max_mean,
                               x->steal_success_rate, (double)x->steals,
                               (double)x->steal_attempts, (double)x->resp_p99_ns,
                               x->energy_j };
        for (int j = 0; j < 10; j++)
            sum[j] += v[j];
        for (int d = 0; d < SIM_DIST_COUNT; d++)
            sum[10 + d] += (double)x->migrations[d];
    }
    sim_ci_compute(mk, k, &row->makespan);
    sim_ci_compute(ut, k, &row->utilization);
    free(mk), free(ut);
    double div = k ? (double)k : 1;
    double *out[10] = { &row->migration_rate_per_s, &row->migration_success_rate,
                        &row->migration_cost_avg_ns, &row->busy_cv, &row->busy_max_mean,
                        &row->steal_success_rate, &row->steals, &row->steal_attempts,
                        &row->resp_p99_ns, &row->energy_j };
    for (int j = 0; j < 10; j++)
        *out[j] = sum[j] / div;
    for (int d = 0; d < SIM_DIST_COUNT; d++)
        row->migrations[d] = sum[10 + d] / div;
    return 0;
}

/* Lower bound of trace on topology: max(critical path / fastest core, work / capacity); 0 when
 * either cannot be opened or the trace deadlocks. */
static uint64_t lower_bound(const char *trace, const char *topology, const char **kind)
{
    char err[512];
    struct ws_topo *t = NULL;
    struct sim_trace *tr = NULL;
    struct sim_trace_stats st;
    uint64_t bound = 0;
    if (sim_topo_load(topology, &t, err, sizeof err) != 0)
        return 0;
    if ((tr = sim_trace_open(trace, NULL, err, sizeof err)) != NULL &&
        sim_trace_walk(tr, &st, NULL, NULL) == SIM_TRACE_OK && st.cp_known) {
        double cap = 0, fastest = 0;
        for (uint32_t c = 0; c < t->ncores; c++) {
            cap += t->cores[c].capacity;
            if (t->cores[c].capacity > fastest)
                fastest = t->cores[c].capacity;
        }
        double cp = (double)st.critical_path_ns / fastest, work = (double)st.total_work_ns / cap;
        bound = (uint64_t)(cp > work ? cp : work);
        *kind = cp > work ? "critical path" : "work / capacity";
    }
    sim_trace_close(tr);
    ws_topo_destroy(t);
    return bound;
}

/* Seeds, cores and the lower bound (the mean over the group's distinct traces) of group g. */
static void describe_group(struct sim_compare_group *gr, const struct sim_compare_table *t,
                           const struct slot *s, size_t g)
{
    double bounds = 0;
    size_t ntraces = 0, nbound = 0;
    for (size_t i = 0; i < t->nin; i++) {
        if (s[i].group != g)
            continue;
        if (t->in[i].ncores > gr->ncores)
            gr->ncores = t->in[i].ncores;
        bool new_trace = true, new_seed = true;
        for (size_t j = 0; j < i && (new_trace || new_seed); j++) {
            if (s[j].group != g)
                continue;
            if (strcmp(t->in[j].trace, t->in[i].trace) == 0)
                new_trace = false;
            if (t->in[j].seed == t->in[i].seed)
                new_seed = false;
        }
        gr->scheduler_seeds += new_seed;
        if (!new_trace)
            continue;
        ntraces++;
        if (s[i].seeded) {
            gr->seed_key = sim_gen_seed_key(t->in[i].trace);
            if (ntraces == 1 || s[i].wseed < gr->seed_lo)
                gr->seed_lo = s[i].wseed;
            if (ntraces == 1 || s[i].wseed > gr->seed_hi)
                gr->seed_hi = s[i].wseed;
        }
        uint64_t b = lower_bound(t->in[i].trace, t->in[i].topology, &gr->bound_kind);
        bounds += (double)b;
        nbound += b > 0;
    }
    gr->workload_seeds = ntraces;
    gr->lower_bound_ns = nbound == ntraces && ntraces ? (uint64_t)(bounds / (double)ntraces) : 0;
    if (gr->lower_bound_ns == 0)
        gr->bound_kind = NULL;
}

/* Split each run's trace into base spec and workload seed. A base with a single trace keeps
 * the trace's own name (nothing varied). */
static void split_traces(const struct sim_compare_table *t, struct slot *s)
{
    for (size_t i = 0; i < t->nin; i++)
        s[i].seeded = sim_gen_split_seed(t->in[i].trace, s[i].base, sizeof s[i].base,
                                         &s[i].wseed);
    for (size_t i = 0; i < t->nin; i++) {
        bool several = false;
        for (size_t j = 0; j < t->nin && s[i].seeded && !several; j++)
            several = s[j].seeded && strcmp(s[j].base, s[i].base) == 0 &&
                      strcmp(t->in[j].topology, t->in[i].topology) == 0 &&
                      strcmp(t->in[j].trace, t->in[i].trace) != 0;
        if (!several) {
            s[i].seeded = false;
            snprintf(s[i].base, sizeof s[i].base, "%s", t->in[i].trace);
        }
    }
}

static int tabulate(struct sim_compare_table *t)
{
    struct slot *s = calloc(t->nin ? t->nin : 1, sizeof(*s));
    int rc = -1;
    if (s == NULL)
        return -1;
    split_traces(t, s);
    if (make_groups(t, s) != 0)
        goto out;
    for (size_t g = 0; g < t->ngroups; g++) {
        struct sim_compare_group *gr = &t->groups[g];
        if (label_group(t, s, g) != 0 || make_rows(gr, t, s, g) != 0)
            goto out;
        describe_group(gr, t, s, g);
        double best = 0;
        for (size_t r = 0; r < gr->nrows; r++) {
            if (fill_row(t, s, g, r, &gr->rows[r]) != 0)
                goto out;
            double m = gr->rows[r].makespan.mean;
            if (gr->rows[r].makespan.n > 0 && (best == 0 || m < best))
                best = m;
        }
        for (size_t r = 0; r < gr->nrows; r++) {
            struct sim_compare_row *w = &gr->rows[r];
            w->vs_best = best > 0 && w->makespan.n ? w->makespan.mean / best : 0;
            w->vs_bound = gr->lower_bound_ns && w->makespan.n
                              ? w->makespan.mean / (double)gr->lower_bound_ns : 0;
        }
    }
    rc = 0;
out:
    for (size_t i = 0; i < t->nin; i++)
        free(s[i].label);
    free(s);
    return rc;
}

int sim_compare_read(const char *db_path, int64_t experiment, struct sim_compare_table **out,
                     char *err, size_t errlen)
{
    struct sim_db *db = NULL;
    struct sim_compare_table *t = calloc(1, sizeof(*t));
    *out = NULL;
    if (t == NULL || (t->db = strdup(db_path)) == NULL) {
        free(t);
        return snprintf(err, errlen, "out of memory"), -1;
    }
    int rc = -1;
    if (sim_db_open(db_path, true, &db, err, errlen) != 0)
        goto out;
    t->experiment_id = experiment;
    if (experiment == SIM_COMPARE_NEWEST &&
        sim_db_newest_experiment(db, &t->experiment_id, err, errlen) != 0)
        goto out;
    if (read_inputs(db, t, err, errlen) != 0 || sim_db_verify_unchanged(db, err, errlen) != 0)
        goto out;
    if (t->nin == 0) {
        if (t->experiment_id > 0)
            snprintf(err, errlen, "%s: experiment %lld has no runs", db_path,
                     (long long)t->experiment_id);
        else
            snprintf(err, errlen, "%s: no runs", db_path);
        goto out;
    }
    t->planned = t->nin;
    if (tabulate(t) != 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    rc = 0;
out:
    sim_db_close(db);
    if (rc != 0)
        sim_compare_table_free(t);
    else
        *out = t;
    return rc;
}

void sim_compare_table_free(struct sim_compare_table *t)
{
    if (t == NULL)
        return;
    for (size_t g = 0; g < t->ngroups; g++) {
        for (size_t r = 0; r < t->groups[g].nrows; r++)
            free(t->groups[g].rows[r].params);
        free(t->groups[g].rows);
        free(t->groups[g].trace);
    }
    for (size_t i = 0; i < t->nin; i++) {
        free(t->in[i].trace), free(t->in[i].topology);
        free(t->in[i].strategy), free(t->in[i].params_json);
    }
    free(t->groups);
    free(t->in);
    free(t->db);
    free(t);
}
