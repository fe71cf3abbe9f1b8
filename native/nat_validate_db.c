/* nat_validate_db.c: what validate keeps in and reads back from the database: one experiment per
 * invocation holding the calibration once (its description), runs moved into it, each core's
 * busy time of a stored run, and the per-process cost distribution of a timeline. Runs always
 * go to a database (a temporary one without --db): per-core busy time and timelines are read
 * back from the stored rows, the one form both sides share. */
#include "native/nat_validate.h"

#include "sim/db/sim_db.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int nat_validate_db_temp(char *path, size_t len, char *err, size_t errlen)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, len, "%s/schedlab-validate-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create a temporary database", path);
        return -1;
    }
    close(fd);
    unlink(path);   /* sim_db_open creates it with the schema */
    return 0;
}

void nat_validate_db_remove(const char *path)
{
    sim_db_remove(path);
}

/* Run sql (binding ?1 = a, ?2 = b) on the database at path. 0, or -1 with err. */
static int exec2(const char *path, const char *sql, int64_t a, int64_t b, char *err,
                 size_t errlen)
{
    struct sim_db *db = NULL;
    if (sim_db_open(path, false, &db, err, errlen) != 0)
        return -1;
    sqlite3_stmt *st = NULL;
    sqlite3 *h = sim_db_handle(db);
    int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
             sqlite3_bind_int64(st, 1, a) == SQLITE_OK &&
             sqlite3_bind_int64(st, 2, b) == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE
             ? 0 : -1;
    if (rc != 0)
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(h));
    sqlite3_finalize(st);
    sim_db_close(db);
    return rc;
}

/* The description of validate's experiment: {"command", "workload", "strategy",
 * "calibration"} (malloc'd; NULL when out of memory). */
static char *experiment_desc(const char *workload, const char *strategy,
                             const struct nat_calibration *cal)
{
    char *cj = nat_calib_json(cal);
    cJSON *d = cJSON_CreateObject();
    cJSON *c = cj ? cJSON_Parse(cj) : NULL;
    free(cj);
    char *desc = NULL;
    if (d != NULL && c != NULL) {
        cJSON_AddStringToObject(d, "command", "validate");
        cJSON_AddStringToObject(d, "workload", workload);
        cJSON_AddStringToObject(d, "strategy", strategy);
        cJSON_AddItemToObject(d, "calibration", c);
        c = NULL;
        desc = cJSON_PrintUnformatted(d);
    }
    cJSON_Delete(c);
    cJSON_Delete(d);
    return desc;
}

int nat_validate_experiment(const char *path, const char *workload, const char *strategy,
                            const struct nat_calibration *cal, int64_t *id, char *err,
                            size_t errlen)
{
    char *desc = experiment_desc(workload, strategy, cal);
    if (desc == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct sim_db *db = NULL;
    int rc = sim_db_open(path, false, &db, err, errlen);
    if (rc == 0)
        rc = sim_db_create_experiment(db, desc, id, err, errlen);
    sim_db_close(db);
    free(desc);
    return rc;
}

int nat_validate_recalibrated(const char *path, int64_t experiment, const char *workload,
                              const char *strategy, const struct nat_calibration *cal,
                              int64_t first_run, int64_t last_run, char *err, size_t errlen)
{
    char *desc = experiment_desc(workload, strategy, cal);
    struct sim_db *db = NULL;
    if (desc == NULL || sim_db_open(path, false, &db, err, errlen) != 0) {
        if (desc == NULL)
            snprintf(err, errlen, "out of memory");
        free(desc);
        return -1;
    }
    sqlite3 *h = sim_db_handle(db);
    sqlite3_stmt *a = NULL, *b = NULL;
    bool sweep = first_run > 0;
    int rc = (sweep ||
              (sqlite3_prepare_v2(h, "UPDATE experiments SET description = ?2 WHERE id = ?1",
                                  -1, &a, NULL) == SQLITE_OK &&
               sqlite3_bind_int64(a, 1, experiment) == SQLITE_OK &&
               sqlite3_bind_text(a, 2, desc, -1, SQLITE_STATIC) == SQLITE_OK &&
               sqlite3_step(a) == SQLITE_DONE)) &&
             sqlite3_prepare_v2(h, sweep ? "UPDATE runs SET params = json_set(params, "
                                           "'$.calibration.proc_ns', ?2, "
                                           "'$.calibration.noise_gap_ns', ?5, "
                                           "'$.calibration.noise_ns', ?6, "
                                           "'$.calibration.noise_shared_gap_ns', ?7, "
                                           "'$.calibration.noise_shared_ns', ?8) "
                                           "WHERE id BETWEEN ?3 AND ?4"
                                         : "UPDATE runs SET params = json_set(params, "
                                           "'$.calibration.proc_ns', ?2, "
                                           "'$.calibration.noise_gap_ns', ?5, "
                                           "'$.calibration.noise_ns', ?6, "
                                           "'$.calibration.noise_shared_gap_ns', ?7, "
                                           "'$.calibration.noise_shared_ns', ?8) "
                                           "WHERE experiment_id = ?1",
                                -1, &b, NULL) == SQLITE_OK &&
             (sweep || sqlite3_bind_int64(b, 1, experiment) == SQLITE_OK) &&
             sqlite3_bind_double(b, 2, cal->proc.ns) == SQLITE_OK &&
             sqlite3_bind_double(b, 5, nat_noise_gap_ns(&cal->noise)) == SQLITE_OK &&
             sqlite3_bind_double(b, 6, nat_noise_mean_ns(&cal->noise)) == SQLITE_OK &&
             sqlite3_bind_double(b, 7, nat_noise_shared_gap_ns(&cal->noise)) == SQLITE_OK &&
             sqlite3_bind_double(b, 8, nat_noise_shared_mean_ns(&cal->noise)) == SQLITE_OK &&
             (!sweep || (sqlite3_bind_int64(b, 3, first_run) == SQLITE_OK &&
                         sqlite3_bind_int64(b, 4, last_run) == SQLITE_OK)) &&
             sqlite3_step(b) == SQLITE_DONE ? 0 : -1;
    if (rc != 0)
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(h));
    sqlite3_finalize(a);
    sqlite3_finalize(b);
    sim_db_close(db);
    free(desc);
    return rc;
}

char *nat_validate_ref_json(const struct nat_calibration *c, int64_t experiment)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    cJSON_AddNumberToObject(o, "experiment", (double)experiment);
    const struct { const char *name; const struct nat_cost *k; } costs[] = {
        { "steal_ns", &c->steal }, { "steal_hit_ns", &c->steal_hit },
        { "steal_victim_ns", &c->steal_victim }, { "steal_round_ns", &c->steal_round },
        { "busy_victim_ns", &c->busy_victim }, { "busy_thief_ns", &c->busy_thief },
        { "wake_ns", &c->wake }, { "spin_wake_ns", &c->spin_wake }, { "spawn_ns", &c->spawn },
        { "msg_ns", &c->msg }, { "msg_remote_ns", &c->msg_remote },
        { "replay_ns", &c->replay }, { "child_ns", &c->child }, { "proc_ns", &c->proc },
    };
    for (size_t i = 0; i < sizeof costs / sizeof costs[0]; i++)
        cJSON_AddNumberToObject(o, costs[i].name, costs[i].k->ns);
    cJSON_AddNumberToObject(o, "latency_ns", c->latency_ns);
    cJSON_AddNumberToObject(o, "busy_factor", nat_calib_busy_factor(c));
    cJSON_AddNumberToObject(o, "busy_rate", nat_calib_busy_rate(c));
    cJSON_AddNumberToObject(o, "replay_model_ns", nat_noise_replay_ns(c));
    cJSON_AddNumberToObject(o, "steal_victim_model_ns", nat_calib_steal_victim(c));
    double thief;   /* (null: the model keeps its ctx_switch_ns) */
    if (nat_calib_steal_thief(c, &thief))
        cJSON_AddNumberToObject(o, "steal_thief_model_ns", thief);
    else
        cJSON_AddNullToObject(o, "steal_thief_model_ns");
    cJSON_AddNumberToObject(o, "noise_gap_ns", nat_noise_gap_ns(&c->noise));
    cJSON_AddNumberToObject(o, "noise_ns", nat_noise_mean_ns(&c->noise));
    cJSON_AddNumberToObject(o, "noise_shared_gap_ns", nat_noise_shared_gap_ns(&c->noise));
    cJSON_AddNumberToObject(o, "noise_shared_ns", nat_noise_shared_mean_ns(&c->noise));
    cJSON *cap = cJSON_AddArrayToObject(o, "cpu_capacity");   /* the model's cores (speeds) */
    for (uint32_t k = 0; cap != NULL && k < c->nspeed; k++)
        cJSON_AddItemToArray(cap, cJSON_CreateNumber(nat_calib_speed(c, k)));
    cJSON_AddStringToObject(o, "workload", c->workload);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

int nat_validate_adopt(const char *path, int64_t experiment, int64_t run_id, char *err,
                       size_t errlen)
{
    return exec2(path, "UPDATE runs SET experiment_id = ?1 WHERE id = ?2", experiment, run_id,
                 err, errlen);
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

void nat_validate_sort_busy(double *busy, uint32_t n)
{
    qsort(busy, n, sizeof(double), cmp_desc);
}

int nat_validate_busy(const char *path, int64_t run_id, uint32_t n, double *busy, char *err,
                      size_t errlen)
{
    struct sim_core_stats *cs = calloc(n, sizeof(*cs));
    struct sim_db *db = NULL;
    int rc = cs != NULL ? sim_db_open(path, true, &db, err, errlen) : -1;
    if (rc == 0)
        rc = sim_db_read_core_stats(db, run_id, cs, n, err, errlen);
    for (uint32_t c = 0; rc == 0 && c < n; c++)
        busy[c] = (double)cs[c].busy_ns;
    if (rc == 0)
        nat_validate_sort_busy(busy, n);
    else if (cs == NULL)
        snprintf(err, errlen, "out of memory");
    sim_db_close(db);
    free(cs);
    return rc;
}

int nat_validate_first_steal(const char *path, int64_t run_id, double *ns, char *err,
                             size_t errlen)
{
    struct sim_db *db = NULL;
    *ns = 0;
    if (sim_db_open(path, true, &db, err, errlen) != 0)
        return -1;
    sqlite3 *h = sim_db_handle(db);
    sqlite3_stmt *st = NULL;
    /* From the first RUN slice: a native timeline counts from the runtime's start, before
     * its workers are up; the simulator's from the first arrival. */
    int rc = sqlite3_prepare_v2(h, "SELECT (SELECT MIN(start_ns) FROM timeline WHERE run_id = ?1 "
                                   "AND kind = 'steal' AND pid IS NOT NULL) - (SELECT "
                                   "MIN(start_ns) FROM timeline WHERE run_id = ?1 AND "
                                   "kind = 'run')", -1, &st, NULL) == SQLITE_OK &&
             sqlite3_bind_int64(st, 1, run_id) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW
             ? 0 : -1;
    if (rc == 0)
        *ns = sqlite3_column_double(st, 0);   /* NULL (no steal) reads 0 */
    else
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(h));
    sqlite3_finalize(st);
    sim_db_close(db);
    return rc;
}

/* The q-quantile of sorted v[0..n) (nearest rank). */
static double quantile(const double *v, size_t n, double q)
{
    size_t k = (size_t)ceil(q * (double)n);
    return v[k > 0 ? k - 1 : 0];
}

static const double dist_q[NAT_DIST_Q] = { 0.10, 0.25, 0.50, 0.75, 0.90, 0.99 };

/* Pids from 2^62 up are the runtime's own (the root's start-up), not a workload's process. */
#define NAT_DIST_PID_MAX (INT64_C(1) << 62)

/* Every process's RUN slices of a run, summed per pid, ascending, into a malloc'd *out. */
static int proc_costs(sqlite3 *h, int64_t run_id, double **out, size_t *n)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 4096;
    *n = 0;
    *out = malloc(cap * sizeof(double));
    if (*out == NULL || sqlite3_prepare_v2(h,
            "SELECT SUM(end_ns - start_ns) AS c FROM timeline WHERE run_id = ?1 AND "
            "kind = 'run' AND pid IS NOT NULL AND pid < ?2 GROUP BY pid ORDER BY c", -1, &st,
            NULL) != SQLITE_OK || sqlite3_bind_int64(st, 1, run_id) != SQLITE_OK ||
        sqlite3_bind_int64(st, 2, NAT_DIST_PID_MAX) != SQLITE_OK) {
        sqlite3_finalize(st);
        return -1;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            double *g = realloc(*out, 2 * cap * sizeof(double));
            if (g == NULL)
                break;
            *out = g;
            cap *= 2;
        }
        (*out)[(*n)++] = sqlite3_column_double(st, 0);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int nat_validate_dist(const char *path, int64_t run_id, struct nat_dist *d, char *err,
                      size_t errlen)
{
    struct sim_db *db = NULL;
    double *v = NULL;
    size_t n = 0;
    memset(d, 0, sizeof(*d));
    if (sim_db_open(path, true, &db, err, errlen) != 0)
        return -1;
    int rc = proc_costs(sim_db_handle(db), run_id, &v, &n);
    if (rc != 0 || n == 0) {
        snprintf(err, errlen, "%s: no timeline of run %lld", path, (long long)run_id);
        rc = -1;
    } else {
        struct sim_ci ci;   /* mean and cv up to the 99th percentile: a page fault or a
                               preemption inside one slice would otherwise be the cv */
        sim_ci_compute(v, (size_t)ceil(0.99 * (double)n), &ci);
        d->n = n;
        d->mean = ci.mean;
        d->cv = ci.mean > 0 ? ci.sd / ci.mean : 0;
        for (int i = 0; i < NAT_DIST_Q; i++)
            d->q[i] = quantile(v, n, dist_q[i]);
        d->max = v[n - 1];
    }
    free(v);
    sim_db_close(db);
    return rc;
}
