/* sim_plot_model.c: load an experiment's runs from SQL and number its groups (trace x
 * topology) and configurations (strategy + the parameters that vary), the axes of every plot. */
#include "sim/plot/sim_plot_int.h"

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

const char *const plot_runs_sql =
    "SELECT r.id, r.trace, r.topology, r.strategy, r.params, r.mode, r.seed, r.ncores,\n"
    "       s.makespan_ns, s.energy_j, s.resp_p50_ns, s.resp_p95_ns, s.resp_p99_ns,\n"
    "       EXISTS (SELECT 1 FROM core_stats c WHERE c.run_id = r.id AND c.kind = 'P')\n"
    "       AND EXISTS (SELECT 1 FROM core_stats c WHERE c.run_id = r.id AND c.kind = 'E'),\n"
    "       EXISTS (SELECT 1 FROM processes p WHERE p.run_id = r.id)\n"
    "FROM runs r JOIN run_summary s ON s.run_id = r.id\n"
    "WHERE ?1 = 0 OR r.experiment_id = ?1\n"
    "ORDER BY r.id";

static int sql_fail(const struct plot_model *m, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s: %s", m->db_path, what, sqlite3_errmsg(m->db));
    return -1;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return strdup(t ? (const char *)t : "");
}

/* Resolve SIM_PLOT_NEWEST and check that a named experiment exists; *id gets the result. */
static int resolve_experiment(struct plot_model *m, int64_t want, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (want == SIM_PLOT_NEWEST) {
        const char *q = "SELECT id FROM experiments e WHERE EXISTS (SELECT 1 FROM runs r WHERE "
                        "r.experiment_id = e.id) ORDER BY created DESC, id DESC LIMIT 1";
        if (sqlite3_prepare_v2(m->db, q, -1, &st, NULL) != SQLITE_OK)
            return sql_fail(m, "experiments", err, errlen);
        m->experiment_id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_finalize(st);
        want = m->experiment_id;
    }
    m->experiment_id = want;
    if (want == SIM_PLOT_ALL)
        return 0;
    const char *q = "SELECT description, created, (SELECT COUNT(*) FROM experiments) "
                    "FROM experiments WHERE id = ?1";
    if (sqlite3_prepare_v2(m->db, q, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(m, "experiments", err, errlen);
    sqlite3_bind_int64(st, 1, want);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        m->exp_description = col_dup(st, 0);
        m->exp_created = col_dup(st, 1);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return 0;
    int64_t lo = 0, hi = 0, n = 0;
    if (sqlite3_prepare_v2(m->db, "SELECT MIN(id), MAX(id), COUNT(*) FROM experiments", -1, &st,
                           NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        lo = sqlite3_column_int64(st, 0);
        hi = sqlite3_column_int64(st, 1);
        n = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    if (n == 0)
        snprintf(err, errlen, "%s: no experiment %lld (the database has no experiments; "
                 "--experiment all plots every run)", m->db_path, (long long)want);
    else if (n == 1)
        snprintf(err, errlen, "%s: no experiment %lld (its only experiment is %lld)", m->db_path,
                 (long long)want, (long long)lo);
    else
        snprintf(err, errlen, "%s: no experiment %lld (it has %lld experiments, ids %lld to "
                 "%lld)", m->db_path, (long long)want, (long long)n, (long long)lo,
                 (long long)hi);
    return -1;
}

static int load_runs(struct plot_model *m, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->db, plot_runs_sql, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(m, "runs", err, errlen);
    sqlite3_bind_int64(st, 1, m->experiment_id);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (m->nruns == cap) {
            cap = cap ? 2 * cap : 64;
            struct plot_run *r = realloc(m->runs, cap * sizeof *r);
            if (r == NULL) {
                sqlite3_finalize(st);
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            m->runs = r;
        }
        struct plot_run *r = &m->runs[m->nruns++];
        memset(r, 0, sizeof *r);
        r->id = sqlite3_column_int64(st, 0);
        r->trace = col_dup(st, 1);
        r->topology = col_dup(st, 2);
        r->strategy = col_dup(st, 3);
        r->params = col_dup(st, 4);
        r->mode = col_dup(st, 5);
        r->seed = sqlite3_column_int64(st, 6);
        r->ncores = (uint32_t)sqlite3_column_int64(st, 7);
        r->makespan_ns = sqlite3_column_double(st, 8);
        r->energy_j = sqlite3_column_double(st, 9);
        for (int k = 0; k < 3; k++)
            r->resp_ns[k] = sqlite3_column_double(st, 10 + k);
        r->pe = sqlite3_column_int(st, 13) != 0;
        r->per_process = sqlite3_column_int(st, 14) != 0;
        if (!r->trace || !r->topology || !r->strategy || !r->params || !r->mode) {
            sqlite3_finalize(st);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return sql_fail(m, "runs", err, errlen);
    return 0;
}

static bool same_group(const struct plot_run *a, const struct plot_run *b)
{
    return strcmp(a->trace, b->trace) == 0 && strcmp(a->topology, b->topology) == 0;
}

static bool same_cfg(const struct plot_run *a, const struct plot_run *b)
{
    return strcmp(a->strategy, b->strategy) == 0 && strcmp(a->params, b->params) == 0 &&
           strcmp(a->mode, b->mode) == 0;
}

/* Number groups and configurations by first appearance. */
static int number_runs(struct plot_model *m)
{
    m->group_first = calloc(m->nruns, sizeof(size_t));
    m->cfg_first = calloc(m->nruns, sizeof(size_t));
    if (m->group_first == NULL || m->cfg_first == NULL)
        return -1;
    for (size_t i = 0; i < m->nruns; i++) {
        struct plot_run *r = &m->runs[i];
        size_t g = 0, c = 0;
        while (g < m->ngroups && !same_group(&m->runs[m->group_first[g]], r))
            g++;
        if (g == m->ngroups)
            m->group_first[m->ngroups++] = i;
        while (c < m->ncfgs && !same_cfg(&m->runs[m->cfg_first[c]], r))
            c++;
        if (c == m->ncfgs)
            m->cfg_first[m->ncfgs++] = i;
        r->group = g;
        r->cfg = c;
    }
    return 0;
}

/* Parameter `key` of the params JSON as text ("" when absent), malloc'd. */
static char *param_text(const char *params, const char *key)
{
    cJSON *j = cJSON_Parse(params);
    cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    char *s;
    if (cJSON_IsString(v))
        s = strdup(v->valuestring);
    else
        s = v ? cJSON_PrintUnformatted(v) : strdup("");
    cJSON_Delete(j);
    return s;
}

/* The parameter names whose values differ between configurations, space-separated. */
static int find_varying(struct plot_model *m)
{
    m->varying = strdup("");
    if (m->varying == NULL)
        return -1;
    cJSON *first = cJSON_Parse(m->runs[m->cfg_first[0]].params);
    cJSON *item;
    int rc = 0;
    cJSON_ArrayForEach(item, first) {
        char *v0 = param_text(m->runs[m->cfg_first[0]].params, item->string);
        bool differs = false;
        for (size_t c = 1; c < m->ncfgs && !differs && v0; c++) {
            char *v = param_text(m->runs[m->cfg_first[c]].params, item->string);
            differs = v == NULL || strcmp(v, v0) != 0;
            free(v);
        }
        free(v0);
        if (!differs)
            continue;
        char *s = plot_strf("%s%s%s", m->varying, m->varying[0] ? " " : "", item->string);
        if (s == NULL) {
            rc = -1;
            break;
        }
        free(m->varying);
        m->varying = s;
    }
    cJSON_Delete(first);
    return rc;
}

/* Number the strategies and the parameter sets of the configurations by first appearance. */
static int number_cfgs(struct plot_model *m)
{
    m->cfg_strat = calloc(m->ncfgs, sizeof(size_t));
    m->cfg_var = calloc(m->ncfgs, sizeof(size_t));
    if (m->cfg_strat == NULL || m->cfg_var == NULL)
        return -1;
    size_t nstrat = 0, nvar = 0;
    for (size_t c = 0; c < m->ncfgs; c++) {
        const struct plot_run *r = &m->runs[m->cfg_first[c]];
        m->cfg_strat[c] = m->cfg_var[c] = SIZE_MAX;
        for (size_t d = 0; d < c; d++) {
            const struct plot_run *q = &m->runs[m->cfg_first[d]];
            if (strcmp(q->strategy, r->strategy) == 0 && strcmp(q->mode, r->mode) == 0)
                m->cfg_strat[c] = m->cfg_strat[d];
            if (strcmp(q->params, r->params) == 0)
                m->cfg_var[c] = m->cfg_var[d];
        }
        if (m->cfg_strat[c] == SIZE_MAX)
            m->cfg_strat[c] = nstrat++;
        if (m->cfg_var[c] == SIZE_MAX)
            m->cfg_var[c] = nvar++;
    }
    return 0;
}

/* Label of configuration c: mode (when not sim), strategy, then each varying k=v. */
static char *make_label(const struct plot_model *m, size_t c)
{
    const struct plot_run *r = &m->runs[m->cfg_first[c]];
    char *s = plot_strf("%s%s%s", strcmp(r->mode, "sim") ? r->mode : "",
                        strcmp(r->mode, "sim") ? ":" : "", r->strategy);
    char *names = strdup(m->varying);
    char *save = NULL;
    for (char *k = names ? strtok_r(names, " ", &save) : NULL; k && s;
         k = strtok_r(NULL, " ", &save)) {
        char *v = param_text(r->params, k);
        char *t = v ? plot_strf("%s %s=%s", s, k, v) : NULL;
        free(v);
        free(s);
        s = t;
    }
    free(names);
    return s;
}

int plot_model_load(struct plot_model *m, struct sqlite3 *db, const char *db_path,
                    int64_t experiment_id, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    m->db = db;
    m->db_path = db_path;
    if (resolve_experiment(m, experiment_id, err, errlen) != 0 || load_runs(m, err, errlen) != 0)
        return -1;
    if (m->nruns == 0) {
        if (m->experiment_id > 0)
            snprintf(err, errlen, "%s: experiment %lld has no runs", db_path,
                     (long long)m->experiment_id);
        else
            snprintf(err, errlen, "%s: the database has no runs (make some with 'schedlab "
                     "replay' or 'schedlab compare')", db_path);
        return -1;
    }
    if (number_runs(m) != 0 || number_cfgs(m) != 0 || find_varying(m) != 0 ||
        (m->cfg_label = calloc(m->ncfgs, sizeof(char *))) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t c = 0; c < m->ncfgs; c++) {
        if ((m->cfg_label[c] = make_label(m, c)) == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    return 0;
}

void plot_model_free(struct plot_model *m)
{
    for (size_t i = 0; i < m->nruns; i++) {
        struct plot_run *r = &m->runs[i];
        free(r->trace);
        free(r->topology);
        free(r->strategy);
        free(r->params);
        free(r->mode);
    }
    for (size_t c = 0; m->cfg_label && c < m->ncfgs; c++)
        free(m->cfg_label[c]);
    free(m->cfg_label);
    free(m->cfg_strat);
    free(m->cfg_var);
    free(m->runs);
    free(m->group_first);
    free(m->cfg_first);
    free(m->varying);
    free(m->exp_description);
    free(m->exp_created);
    memset(m, 0, sizeof *m);
}

size_t plot_cell_runs(const struct plot_model *m, size_t g, size_t c, size_t *idx)
{
    size_t n = 0;
    for (size_t i = 0; i < m->nruns; i++)
        if (m->runs[i].group == g && m->runs[i].cfg == c)
            idx[n++] = i;
    return n;
}

void plot_bind_cell(const struct plot_model *m, sqlite3_stmt *st, size_t g, size_t c)
{
    const struct plot_run *gr = &m->runs[m->group_first[g]], *cr = &m->runs[m->cfg_first[c]];
    sqlite3_bind_int64(st, 1, m->experiment_id);
    sqlite3_bind_text(st, 2, gr->trace, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, gr->topology, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, cr->strategy, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, cr->params, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, cr->mode, -1, SQLITE_STATIC);
}

const char *plot_group_name(const struct plot_model *m, size_t g)
{
    static char buf[512];
    const struct plot_run *r = &m->runs[m->group_first[g]];
    snprintf(buf, sizeof buf, "%s on %s", r->trace, r->topology);
    return buf;
}
