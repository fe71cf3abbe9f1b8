/* sim_merge.c: `schedlab merge OUT.db IN.db...`: copy the runs of databases written on many
 * machines (compare --plan) into one experiment.
 *
 * Each input is attached and copied in one transaction: its runs get new ids in OUT (mapped in
 * a temporary table) and every per-run table is copied with the run ids rewritten. Column lists
 * come from the schema itself (PRAGMA table_info), so a column added to schema.sql is copied
 * without touching this file. Inputs must carry the same schema version. */
#include "sim/cli.h"
#include "sim/commands.h"
#include "sim/sim_db.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static const char *const run_tables[] = {
    "run_summary", "core_stats", "steal_matrix", "migrations", "timeseries", "processes",
};

/* Comma-separated columns of table, with run_id replaced by `m.new` when rewrite is set. */
static int columns(sqlite3 *h, const char *table, bool rewrite, char *out, size_t len)
{
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA main.table_info(%s)", table);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    size_t n = 0;
    out[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(st, 1);
        const char *v = rewrite && strcmp(c, "run_id") == 0 ? "m.new" : c;
        n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s", n ? "," : "", v);
    }
    sqlite3_finalize(st);
    return n > 0 && n < len ? 0 : -1;
}

static int exec(sqlite3 *h, const char *sql, const char *what, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    snprintf(err, errlen, "%s: %s", what, msg ? msg : sqlite3_errmsg(h));
    sqlite3_free(msg);
    return -1;
}

/* Copy every run of the attached `src` into experiment exp. */
static int copy_runs(sqlite3 *h, int64_t exp, char *err, size_t errlen)
{
    char cols[2048], sel[2048], sql[8192];
    if (columns(h, "runs", false, cols, sizeof cols) != 0)
        return snprintf(err, errlen, "cannot read the runs schema"), -1;
    /* runs: every column but id; experiment_id set to exp. One insert per run keeps the map. */
    char keep[2048] = "", pick[2048] = "";
    size_t a = 0, b = 0;
    char *save = NULL;
    for (char *c = strtok_r(cols, ",", &save); c != NULL; c = strtok_r(NULL, ",", &save)) {
        if (strcmp(c, "id") == 0)
            continue;
        a += (size_t)snprintf(keep + a, sizeof keep - a, "%s%s", a ? "," : "", c);
        if (strcmp(c, "experiment_id") == 0)
            b += (size_t)snprintf(pick + b, sizeof pick - b, "%s%lld", b ? "," : "",
                                  (long long)exp);
        else
            b += (size_t)snprintf(pick + b, sizeof pick - b, "%s%s", b ? "," : "", c);
    }
    snprintf(sql, sizeof sql,
             "CREATE TEMP TABLE IF NOT EXISTS m(old INTEGER PRIMARY KEY, new INTEGER);"
             "DELETE FROM m;"
             "INSERT INTO m(old, new) SELECT id, (SELECT COALESCE(MAX(id),0) FROM main.runs) + "
             "ROW_NUMBER() OVER (ORDER BY id) FROM src.runs;"
             "INSERT INTO main.runs(id,%s) SELECT m.new,%s FROM src.runs JOIN m ON m.old = "
             "src.runs.id ORDER BY src.runs.id;", keep, pick);
    if (exec(h, sql, "copying runs", err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < sizeof run_tables / sizeof run_tables[0]; i++) {
        if (columns(h, run_tables[i], false, cols, sizeof cols) != 0 ||
            columns(h, run_tables[i], true, sel, sizeof sel) != 0)
            return snprintf(err, errlen, "cannot read the %s schema", run_tables[i]), -1;
        snprintf(sql, sizeof sql, "INSERT INTO main.%s(%s) SELECT %s FROM src.%s JOIN m "
                                  "ON m.old = src.%s.run_id", run_tables[i], cols, sel,
                 run_tables[i], run_tables[i]);
        char what[64];
        snprintf(what, sizeof what, "copying %s", run_tables[i]);
        if (exec(h, sql, what, err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* Attach `in` and copy it, all or nothing. */
static int merge_one(struct sim_db *out, const char *in, int64_t exp, int64_t *runs, char *err,
                     size_t errlen)
{
    struct sim_db *check = NULL;
    char e2[512];
    if (sim_db_open(in, true, &check, e2, sizeof e2) != 0) {   /* schema version checked here */
        snprintf(err, errlen, "%s", e2);
        return -1;
    }
    sim_db_close(check);
    sqlite3 *h = sim_db_handle(out);
    char *q = sqlite3_mprintf("ATTACH %Q AS src", in);
    int rc = exec(h, q, in, err, errlen);
    sqlite3_free(q);
    if (rc != 0)
        return -1;
    rc = exec(h, "BEGIN IMMEDIATE", in, err, errlen);
    if (rc == 0)
        rc = copy_runs(h, exp, err, errlen);
    if (rc == 0) {
        sqlite3_stmt *st;
        sqlite3_prepare_v2(h, "SELECT COUNT(*) FROM m", -1, &st, NULL);
        *runs = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_finalize(st);
        rc = exec(h, "COMMIT", in, err, errlen);
    }
    if (rc != 0) {
        char *tmp = sqlite3_mprintf("%s: %s", in, err);
        snprintf(err, errlen, "%s", tmp ? tmp : in);
        sqlite3_free(tmp);
        sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_exec(h, "DETACH src", NULL, NULL, NULL);
    return rc;
}

int sim_cmd_merge(int argc, char **argv)
{
    if (argc < 3)
        return sim_cli_usage_error("merge", "needs OUT.db and at least one IN.db");
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-')
            return sim_cli_usage_error("merge", "unknown option '%s'", argv[i]);
    char err[1024];
    struct sim_db *out = NULL;
    int64_t exp = 0, total = 0;
    char desc[256];
    snprintf(desc, sizeof desc, "merged from %d databases", argc - 2);
    if (sim_db_open(argv[1], false, &out, err, sizeof err) != 0 ||
        sim_db_create_experiment(out, desc, &exp, err, sizeof err) != 0) {
        sim_db_close(out);
        return sim_cli_fail("merge", "%s", err);
    }
    for (int i = 2; i < argc; i++) {
        int64_t runs = 0;
        if (merge_one(out, argv[i], exp, &runs, err, sizeof err) != 0) {
            sim_db_close(out);
            return sim_cli_fail("merge", "%s (inputs before it were merged into experiment "
                                         "%lld)", err, (long long)exp);
        }
        total += runs;
    }
    sim_db_close(out);
    printf("merged %lld runs from %d databases into experiment %lld of %s\n", (long long)total,
           argc - 2, (long long)exp, argv[1]);
    return SIM_EXIT_OK;
}
