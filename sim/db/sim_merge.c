/* sim_merge.c: the database half of `schedlab merge OUT.db IN.db...` (sim/cli/cmd_merge.c is
 * the command line): copy the runs of databases written on many
 * machines (compare --plan) into one new experiment of OUT, all or nothing.
 *
 * Checks first. Each input is named once (two names of one file, by device and inode, are a
 * command-line error checked by the command, and so is OUT among the inputs), and each must open read-only as a
 * schedlab database of this schema version (sim_db_open refuses anything else without touching
 * it). Only then is OUT opened; a new OUT is built under a temporary name beside it and renamed
 * into place on success, so a failed merge never leaves a file at OUT.
 *
 * One transaction. ATTACH is not allowed inside a transaction, so each input is attached in
 * turn and its rows are staged in TEMP tables of OUT's connection (runs renumbered 1.. through
 * stage_map, run ids in the other tables rewritten to match). Then one BEGIN IMMEDIATE creates
 * the experiment and copies the staged rows with run ids offset past OUT's largest, and COMMITs;
 * any failure rolls back, leaving OUT as it was (no empty experiment). Column lists come from
 * the schema itself (PRAGMA table_info), so a column added to schema.sql is copied without
 * touching this file; an input of an older schema version is read through a TEMP view of its
 * run_summary with the columns added since (sim_db_upgrade.c). */
#include "sim/db/sim_db_int.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Every table holding rows of a run, runs first, then in foreign-key order. */
static const char *const tables[] = {
    "runs", "run_summary", "core_stats", "steal_matrix", "migrations", "timeseries", "processes",
    "timeline_info", "timeline",
};
#define FIRST_V3_TABLE 7   /* tables[7..]: schema version 3 (an older input has none) */
#define NTABLES (sizeof tables / sizeof tables[0])

/* Columns of main.table, comma-separated; a column named `key` ("id" of runs, "run_id" of the
 * others) is written as key_expr and experiment_id as exp_expr (when not NULL), each column
 * otherwise prefixed with prefix. 0, or -1 when the schema cannot be read or out is too small. */
static int columns(sqlite3 *h, const char *table, const char *prefix, const char *key_expr,
                   const char *exp_expr, char *out, size_t len)
{
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA main.table_info(%s)", table);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    const char *key = strcmp(table, "runs") == 0 ? "id" : "run_id";
    size_t n = 0;
    out[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(st, 1);
        const char *sep = n ? "," : "";
        if (key_expr != NULL && strcmp(c, key) == 0)
            n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s", sep, key_expr);
        else if (exp_expr != NULL && strcmp(c, "experiment_id") == 0)
            n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s", sep, exp_expr);
        else
            n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s%s", sep, prefix, c);
    }
    sqlite3_finalize(st);
    return n > 0 && n < len ? 0 : -1;
}

/* Run sql; on failure err = "what: SQLite's message" and -1. */
static int exec(sqlite3 *h, const char *sql, const char *what, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    snprintf(err, errlen, "%s: %s", what, msg ? msg : sqlite3_errmsg(h));
    sqlite3_free(msg);
    return -1;
}

/* Empty TEMP copies of every table (no constraints) and the run-id map. */
static int stage_create(sqlite3 *h, char *err, size_t errlen)
{
    if (exec(h, "CREATE TEMP TABLE stage_map(new INTEGER PRIMARY KEY, src INTEGER NOT NULL, "
                "old INTEGER NOT NULL)", "staging", err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < NTABLES; i++) {
        char sql[160];
        snprintf(sql, sizeof sql, "CREATE TEMP TABLE stage_%s AS SELECT * FROM main.%s WHERE 0",
                 tables[i], tables[i]);
        if (exec(h, sql, "staging", err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* In the column list sel, the column `col` (one written by a later schema version than an
 * input's) becomes NULL, padded with spaces to keep the list's length. */
static void null_column(char *sel, const char *col)
{
    size_t n = strlen(col);
    for (char *p = strstr(sel, col); p != NULL; p = strstr(p + n, col)) {
        if ((p[n] == ',' || p[n] == '\0') && (p == sel || p[-1] == ',')) {
            memcpy(p, "NULL", 4);
            memset(p + 4, ' ', n - 4);
            return;
        }
    }
}

/* Stage every row of the attached database `src` (input number k) of schema `version`; before
 * version 2 its run_summary is read through the view temp.src_run_summary. */
static int stage_input(sqlite3 *h, int k, int64_t version, char *err, size_t errlen)
{
    char sql[8192], cols[2048], sel[2048];
    snprintf(sql, sizeof sql, "INSERT INTO stage_map(src, old) SELECT %d, id FROM src.runs "
                              "ORDER BY id", k);
    if (exec(h, sql, "reading runs", err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < NTABLES; i++) {
        if (version < 3 && i >= FIRST_V3_TABLE)
            continue;
        if (columns(h, tables[i], "", NULL, NULL, cols, sizeof cols) != 0 ||
            columns(h, tables[i], "s.", "m.new", NULL, sel, sizeof sel) != 0)
            return snprintf(err, errlen, "cannot read the %s schema", tables[i]), -1;
        bool viewed = version < 2 && strcmp(tables[i], "run_summary") == 0;
        if (version < 3 && strcmp(tables[i], "run_summary") == 0)
            null_column(sel, "s.balance_moves");   /* version 3's column: NULL before */
        snprintf(sql, sizeof sql, "INSERT INTO temp.stage_%s(%s) SELECT %s FROM %s%s AS s "
                 "JOIN stage_map AS m ON m.src = %d AND m.old = s.%s", tables[i], cols, sel,
                 viewed ? "temp.src_" : "src.", tables[i], k,
                 strcmp(tables[i], "runs") == 0 ? "id" : "run_id");
        char what[64];
        snprintf(what, sizeof what, "reading %s", tables[i]);
        if (exec(h, sql, what, err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* ATTACH the database `in` (opened read-only) as src. */
static int attach(sqlite3 *h, const struct sim_db *in, char *err, size_t errlen)
{
    char *uri = sim_db_uri(in);
    if (uri == NULL)
        return snprintf(err, errlen, "out of memory"), -1;
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(h, "ATTACH ?1 AS src", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        sqlite3_finalize(st);
    }
    sqlite3_free(uri);
    if (rc != SQLITE_OK)
        return snprintf(err, errlen, "cannot attach: %s", sqlite3_errmsg(h)), -1;
    return 0;
}

/* user_version of the attached input (sim_db_open has accepted it), or -1. */
static int64_t src_version(sqlite3 *h)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_prepare_v2(h, "PRAGMA src.user_version", -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Stage input number k (path): open it read-only, attach, copy, check it held still. */
static int stage_one(sqlite3 *h, int k, const char *path, char *err, size_t errlen)
{
    struct sim_db *in;
    if (sim_db_open(path, true, &in, err, errlen) != 0)
        return -1;
    char e2[1024];
    int rc = attach(h, in, e2, sizeof e2);
    if (rc == 0) {
        int64_t version = src_version(h);
        bool old = version < 2;
        if (old)
            rc = sim_db_upgrade_view(h, "src", "src_run_summary", e2, sizeof e2);
        if (rc == 0)
            rc = stage_input(h, k, version, e2, sizeof e2);
        if (old)
            sqlite3_exec(h, "DROP VIEW IF EXISTS temp.src_run_summary", NULL, NULL, NULL);
        sqlite3_exec(h, "DETACH src", NULL, NULL, NULL);
    }
    if (rc != 0)
        snprintf(err, errlen, "%s: %s", path, e2);
    else
        rc = sim_db_verify_unchanged(in, err, errlen);
    sim_db_close(in);
    return rc;
}

/* Copy the staged rows of input k (path) into experiment exp, run ids offset by base. */
static int commit_input(sqlite3 *h, int k, const char *path, int64_t exp, int64_t base,
                        char *err, size_t errlen)
{
    char sql[8192], cols[2048], sel[2048], key[64], e[32];
    snprintf(e, sizeof e, "%lld", (long long)exp);
    for (size_t i = 0; i < NTABLES; i++) {
        const char *id = i == 0 ? "id" : "run_id";
        snprintf(key, sizeof key, "%s + %lld", id, (long long)base);
        if (columns(h, tables[i], "", NULL, NULL, cols, sizeof cols) != 0 ||
            columns(h, tables[i], "", key, i == 0 ? e : NULL, sel, sizeof sel) != 0)
            return snprintf(err, errlen, "cannot read the %s schema", tables[i]), -1;
        snprintf(sql, sizeof sql, "INSERT INTO main.%s(%s) SELECT %s FROM temp.stage_%s WHERE "
                 "%s IN (SELECT new FROM stage_map WHERE src = %d)", tables[i], cols, sel,
                 tables[i], id, k);
        char what[4200];
        snprintf(what, sizeof what, "%s: copying %s", path, tables[i]);
        if (exec(h, sql, what, err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* Copy every staged row into a new experiment of OUT in one transaction; *runs gets the count
 * of runs copied. On failure nothing of it remains. */
static int commit_staged(struct sim_db *out, int n, char **paths, int64_t *exp, int64_t *runs,
                         char *err, size_t errlen)
{
    sqlite3 *h = sim_db_handle(out);
    if (exec(h, "BEGIN IMMEDIATE", "cannot start a transaction", err, errlen) != 0)
        return -1;
    char desc[64];
    snprintf(desc, sizeof desc, "merged from %d databases", n);
    int64_t base = -1;
    sqlite3_stmt *st;
    if (sim_db_create_experiment(out, desc, exp, err, errlen) != 0)
        goto fail;
    if (sqlite3_prepare_v2(h, "SELECT (SELECT COALESCE(MAX(id), 0) FROM main.runs), "
                              "(SELECT COUNT(*) FROM stage_map)", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) {
            base = sqlite3_column_int64(st, 0);
            *runs = sqlite3_column_int64(st, 1);
        }
        sqlite3_finalize(st);
    }
    if (base < 0) {
        snprintf(err, errlen, "%s: %s", sim_db_path(out), sqlite3_errmsg(h));
        goto fail;
    }
    for (int k = 0; k < n; k++)
        if (commit_input(h, k, paths[k], *exp, base, err, errlen) != 0)
            goto fail;
    if (exec(h, "COMMIT", "committing", err, errlen) == 0)
        return 0;
fail:
    sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

/* Open every input read-only, refusing what is not a schedlab database of this version. */
static int check_inputs(int n, char **paths, char *err, size_t errlen)
{
    for (int i = 0; i < n; i++) {
        struct sim_db *db;
        if (sim_db_open(paths[i], true, &db, err, errlen) != 0)
            return -1;
        sim_db_close(db);
    }
    return 0;
}

/* ---- the merge ---------------------------------------------------------------------------- */

/* Stage the inputs into OUT (opened at `path`) and commit them; 0 or -1 with err. */
static int merge_into(const char *path, int n, char **paths, int64_t *exp,
                      int64_t *total, bool fresh, char *err, size_t errlen)
{
    struct sim_db *out = NULL;
    if (sim_db_open(path, false, &out, err, errlen) != 0)
        return -1;
    sqlite3 *h = sim_db_handle(out);
    int rc = stage_create(h, err, errlen);
    for (int i = 0; rc == 0 && i < n; i++)
        rc = stage_one(h, i, paths[i], err, errlen);
    if (rc == 0)
        rc = commit_staged(out, n, paths, exp, total, err, errlen);
    /* A new OUT leaves WAL mode so that the renamed file holds every row by itself. */
    if (rc == 0 && fresh)
        rc = exec(h, "PRAGMA journal_mode = DELETE", path, err, errlen);
    sim_db_close(out);
    return rc;
}

int sim_db_merge(const char *out_path, int n, char **paths, int64_t *exp, int64_t *runs,
                 char *err, size_t errlen)
{
    struct stat sb;
    bool fresh = stat(out_path, &sb) != 0 && errno == ENOENT;
    char tmp[4096] = "";
    *exp = 0;
    *runs = 0;
    int rc = check_inputs(n, paths, err, errlen);
    if (rc == 0 && fresh) {
        int fd = -1;
        if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", out_path) >= sizeof tmp ||
            (fd = mkstemp(tmp)) < 0) {
            snprintf(err, errlen, "%s: cannot create: %s", out_path, strerror(errno));
            tmp[0] = '\0';
            rc = -1;
        }
        if (fd >= 0) {
            mode_t mask = umask(0);   /* mkstemp makes 0600; give it what a new file gets */
            umask(mask);
            fchmod(fd, 0666 & ~mask);
            close(fd);
        }
    }
    if (rc == 0)
        rc = merge_into(fresh ? tmp : out_path, n, paths, exp, runs, fresh, err, errlen);
    if (rc == 0 && fresh && rename(tmp, out_path) != 0) {
        snprintf(err, errlen, "%s: cannot rename %s into place: %s", out_path, tmp,
                 strerror(errno));
        rc = -1;
    }
    if (rc != 0 && tmp[0] != '\0')
        sim_db_remove(tmp);
    if (rc != 0) {
        size_t k = strnlen(err, errlen);
        snprintf(err + k, errlen - k, "; nothing was merged (%s)",
                 fresh ? "no output written" : "the output is unchanged");
    }
    return rc;
}
