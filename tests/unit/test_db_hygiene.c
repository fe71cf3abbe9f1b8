/* test_db_hygiene.c: what opening the results database does to files: anything that is not a
 * schedlab database is refused with its bytes unchanged and no -wal/-shm/-journal file made; an
 * empty file becomes a new database; readers create no files, still see rows that wait in a
 * -wal file, and learn when the file was rewritten under them; odd characters in a path are
 * not read as URI syntax. */
#include "sim/db/sim_db.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/schedlab-test-hygiene-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(db_hygiene, .init = make_dir, .fini = remove_dir);

static const char *file(const char *name)
{
    static char path[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%s/%s", dir, name);
    return path[k];
}

static bool exists(const char *path, const char *suffix)
{
    char p[300];
    snprintf(p, sizeof p, "%s%s", path, suffix);
    return access(p, F_OK) == 0;
}

/* The whole file, malloc'd; *n gets its size. */
static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long len = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)len + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return buf;
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(data, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *h;
    cr_assert_eq(sqlite3_open(path, &h), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(h));
    cr_assert_eq(sqlite3_close(h), SQLITE_OK);
}

/* Opening `path` read-write and read-only both fail with `want` and the path in the message,
 * and leave the file byte for byte as it was, with no file beside it. */
static void refused_unchanged(const char *path, const char *want)
{
    size_t n0, n1;
    char *before = slurp(path, &n0);
    for (int ro = 0; ro < 2; ro++) {
        struct sim_db *db = (struct sim_db *)1;
        char err[512] = "";
        cr_assert_eq(sim_db_open(path, ro, &db, err, sizeof err), -1, "%s opened", path);
        cr_assert_null(db);
        cr_assert(strstr(err, path) && strstr(err, want), "want '%s': %s", want, err);
    }
    char *after = slurp(path, &n1);
    cr_assert(n0 == n1 && memcmp(before, after, n0) == 0, "%s changed when refused", path);
    cr_assert(!exists(path, "-wal") && !exists(path, "-shm") && !exists(path, "-journal"),
              "a -wal, -shm or -journal file was made beside %s", path);
    free(before);
    free(after);
}

/* One minimal run (one core, every counter zero). */
static int64_t write_run(struct sim_db *db)
{
    static struct sim_core_stats core;
    struct sim_run_metrics m = { .ncores = 1, .cores = &core };
    m.run = (struct sim_run_desc){ .trace = "fib:4", .topology = "synth:p=1", .strategy = "ring",
                                   .tool_version = "test", .mode = SIM_MODE_SIM };
    int64_t id = 0;
    char err[512] = "";
    cr_assert_eq(sim_db_write_run(db, &m, &id, err, sizeof err), 0, "%s", err);
    return id;
}

static struct sim_db *open_ok(const char *path, bool ro)
{
    struct sim_db *db = NULL;
    char err[512] = "";
    cr_assert_eq(sim_db_open(path, ro, &db, err, sizeof err), 0, "%s", err);
    return db;
}

static size_t count_runs(struct sim_db *db)
{
    int64_t *ids;
    size_t n;
    char err[512] = "";
    cr_assert_eq(sim_db_list_runs(db, 0, &ids, &n, err, sizeof err), 0, "%s", err);
    free(ids);
    return n;
}

Test(db_hygiene, files_that_are_not_schedlab_databases_keep_their_bytes)
{
    const char text[] = "this is a trace given as --db by mistake, long enough to fill a header\n";
    write_file(file("text.db"), text, sizeof text - 1);
    refused_unchanged(file("text.db"), "not a database");

    unsigned char noise[5000];
    for (size_t i = 0; i < sizeof noise; i++)
        noise[i] = (unsigned char)(i * 2654435761u >> 13);
    write_file(file("random.db"), noise, sizeof noise);
    refused_unchanged(file("random.db"), "not a database");
    write_file(file("short.db"), "SQLite", 6);   /* a header cut short */
    refused_unchanged(file("short.db"), "not a database");

    raw_exec(file("foreign.db"), "CREATE TABLE t (x); INSERT INTO t VALUES (1);");
    refused_unchanged(file("foreign.db"), "not a schedlab database");
    raw_exec(file("foreign-wal.db"), "PRAGMA journal_mode = WAL; CREATE TABLE t (x);");
    refused_unchanged(file("foreign-wal.db"), "not a schedlab database");
    raw_exec(file("foreign-id.db"), "PRAGMA application_id = 42;");   /* no tables */
    refused_unchanged(file("foreign-id.db"), "application_id 42");

    sim_db_close(open_ok(file("newer.db"), false));
    raw_exec(file("newer.db"), "PRAGMA user_version = 99");
    refused_unchanged(file("newer.db"), "newer schedlab");
}

Test(db_hygiene, folders_and_fifos_are_refused_without_reading)
{
    struct sim_db *db;
    char err[512] = "";
    cr_assert_eq(sim_db_open(dir, false, &db, err, sizeof err), -1);
    cr_assert(strstr(err, "not a regular file"), "%s", err);
    cr_assert_eq(mkfifo(file("fifo.db"), 0600), 0);   /* reading it would block */
    cr_assert_eq(sim_db_open(file("fifo.db"), true, &db, err, sizeof err), -1);
    cr_assert(strstr(err, file("fifo.db")) && strstr(err, "not a regular file"), "%s", err);
}

Test(db_hygiene, an_empty_file_becomes_a_new_database_but_not_for_a_reader)
{
    write_file(file("empty.db"), "", 0);
    struct sim_db *db;
    char err[512] = "";
    cr_assert_eq(sim_db_open(file("empty.db"), true, &db, err, sizeof err), -1);
    cr_assert(strstr(err, "empty file"), "%s", err);
    struct stat sb;
    cr_assert_eq(stat(file("empty.db"), &sb), 0);
    cr_assert_eq(sb.st_size, 0, "a refused read-only open wrote %lld bytes", (long long)sb.st_size);
    db = open_ok(file("empty.db"), false);
    write_run(db);
    sim_db_close(db);
    db = open_ok(file("empty.db"), true);
    cr_assert_eq(count_runs(db), 1);
    sim_db_close(db);
}

Test(db_hygiene, readers_create_no_files_and_change_no_byte)
{
    struct sim_db *db = open_ok(file("r.db"), false);
    write_run(db);
    sim_db_close(db);
    cr_assert(!exists(file("r.db"), "-wal"), "a closed database keeps its -wal file");
    size_t n0, n1;
    char *before = slurp(file("r.db"), &n0);
    db = open_ok(file("r.db"), true);
    cr_assert_eq(count_runs(db), 1);
    char err[512] = "";
    cr_assert_eq(sim_db_verify_unchanged(db, err, sizeof err), 0, "%s", err);
    sim_db_close(db);
    char *after = slurp(file("r.db"), &n1);
    cr_assert(n0 == n1 && memcmp(before, after, n0) == 0, "a reader changed the file");
    cr_assert(!exists(file("r.db"), "-wal") && !exists(file("r.db"), "-shm"),
              "a reader left -wal/-shm files");
    free(before);
    free(after);
}

Test(db_hygiene, a_reader_sees_rows_that_wait_in_the_wal)
{
    struct sim_db *w = open_ok(file("w.db"), false);
    write_run(w);
    write_run(w);   /* the writer stays connected: its rows are in the -wal file */
    struct stat sb;
    cr_assert_eq(stat(file("w.db-wal"), &sb), 0);
    cr_assert_gt(sb.st_size, 0);
    struct sim_db *r = open_ok(file("w.db"), true);
    cr_assert_eq(count_runs(r), 2);
    sim_db_close(r);
    sim_db_close(w);
}

Test(db_hygiene, a_reader_learns_that_the_file_was_rewritten_under_it)
{
    sim_db_close(open_ok(file("c.db"), false));
    struct sim_db *r = open_ok(file("c.db"), true);
    cr_assert_eq(count_runs(r), 0);
    struct sim_db *w = open_ok(file("c.db"), false);
    write_run(w);
    sim_db_close(w);   /* the last connection folds the -wal file into the main file */
    char err[512] = "";
    cr_assert_eq(sim_db_verify_unchanged(r, err, sizeof err), -1);
    cr_assert(strstr(err, "changed while being read") && strstr(err, file("c.db")), "%s", err);
    sim_db_close(r);
}

Test(db_hygiene, uri_characters_in_a_path_are_plain_characters)
{
    const char *odd = file("a?mode=ro&x#y%41 b.db");
    struct sim_db *db = open_ok(odd, false);
    write_run(db);
    sim_db_close(db);
    cr_assert(access(odd, F_OK) == 0, "the database is not at '%s'", odd);
    cr_assert(access(file("a"), F_OK) != 0, "the path was cut at '?'");
    db = open_ok(odd, true);
    cr_assert_eq(count_runs(db), 1);
    char *uri = sim_db_uri(db);
    cr_assert_not_null(uri);
    cr_assert(strstr(uri, "%3F") && strstr(uri, "%23") && strstr(uri, "%25"), "%s", uri);
    sqlite3_free(uri);
    sim_db_close(db);
}
