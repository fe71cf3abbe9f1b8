/* sim_db_open.c: opening the results database: look at the file before touching it, then connect
 * (the schema text is in sim_db_schema.c, writing in sim_db.c, reading in sim_db_read.c).
 *
 * Look before touching. A file handed to schedlab as a database may be anything: another
 * program's SQLite database, a trace given by mistake, an empty file. Connecting read-write and
 * switching to WAL would rewrite its header before the schema check could refuse it, so
 * sim_db_open decides first, without writing a byte (probe_file, then inspect):
 *   1. stat: absent -> a new database (read-write opens only); not a regular file -> refused;
 *      0 bytes -> a new database (read-write opens only, so `touch x.db` is a valid start).
 *   2. the first 16 bytes must be SQLite's magic ("SQLite format 3\0"), else refused.
 *   3. a read-only connection reads application_id, user_version and the table count:
 *      schedlab's id and version -> accepted; an older version -> accepted, upgraded in place
 *      by a read-write open and seen through a TEMP view by a reader (sim_db_upgrade.c); no
 *      tables, version 0 and no foreign id -> blank, made schedlab's by a read-write open;
 *      anything else (another program's tables, a newer schema) -> refused.
 * Only then does a read-write open connect for writing, switch to WAL and, in a BEGIN IMMEDIATE
 * that checks again (another process may have created the schema meanwhile), create the schema.
 * A refused file keeps its bytes, and no -wal, -shm or -journal file is made beside it.
 *
 * Read-only connections (plot, merge's inputs, the inspection above) create nothing. When no
 * rows wait in a -wal file (none, or an empty one), every committed row is in the main file and
 * the connection is `immutable=1`: no locks, no -shm or -wal file, so a read-only database in a
 * read-only folder opens and a reader leaves no files behind. A writer that starts meanwhile
 * adds to its -wal file, unseen; only a checkpoint rewrites the main file, and a reader calls
 * sim_db_verify_unchanged after reading to learn whether that happened. When rows wait in a
 * -wal file the connection is `mode=ro`, with SQLite's locks; in a read-only folder that needs
 * the -shm file to exist already. The inspection is stricter: it goes without locks only when
 * there is no -wal file at all, reads the three values in one statement (one snapshot), and
 * looks again under SQLite's locks after any SQLite error, so that a file that another process
 * is creating at that moment (compare -j N, parallel replays) is never refused; the write path
 * then checks once more under its lock. */
#include "sim/db/sim_db_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define APPLICATION_ID 0x5343484C   /* "SCHL" */
#define BUSY_TIMEOUT_MS 10000

const char *sim_db_path(const struct sim_db *db)
{
    return db->path;
}

struct sqlite3 *sim_db_handle(struct sim_db *db)
{
    return db->h;
}

/* ---- errors ------------------------------------------------------------------------------- */

/* What a user can do about an SQLite error, or "". */
static const char *hint(const struct sim_db *db, int code)
{
    switch (code & 0xff) {
    case SQLITE_READONLY:
        return db->read_only ? " (the database was opened read-only)"
                             : " (no write permission on the file, its directory or its "
                               "-wal/-shm files)";
    case SQLITE_FULL:
        return " (free some space)";
    case SQLITE_CANTOPEN:
        return " (no such file or directory, or no permission)";
    case SQLITE_NOTADB:
        return " (not an SQLite database)";
    case SQLITE_BUSY:
        return " (another process held the database locked for too long)";
    default:
        return "";
    }
}

int sim_db_fail(const struct sim_db *db, char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return -1;
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    int code = db->h ? sqlite3_extended_errcode(db->h) : SQLITE_NOMEM;
    const char *msg = db->h ? sqlite3_errmsg(db->h) : "out of memory";
    /* "disk I/O error" alone hides the cause (a full disk, a read-only file system): the
     * operating system's error says it. (Not for CANTOPEN: SQLite retries read-only and its
     * last errno is misleading.) */
    int sys = db->h && (code & 0xff) == SQLITE_IOERR ? sqlite3_system_errno(db->h) : 0;
    if (sys != 0)
        snprintf(err, errlen, "%s: %s: %s (%s)", db->path ? db->path : "(database)", what, msg,
                 strerror(sys));
    else
        snprintf(err, errlen, "%s: %s: %s%s", db->path ? db->path : "(database)", what, msg,
                 hint(db, code));
    return -1;
}

int sim_db_fail_plain(const struct sim_db *db, char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return -1;
    int n = snprintf(err, errlen, "%s: ", db->path ? db->path : "(database)");
    if (n < 0 || (size_t)n >= errlen)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- looking at the file ------------------------------------------------------------------ */

enum probe { PROBE_ABSENT, PROBE_EMPTY, PROBE_SQLITE };

/* Classify the file at db->path without writing (steps 1 and 2 above); -1 after reporting. */
static int probe_file(struct sim_db *db, enum probe *out, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(db->path, &sb) != 0) {
        if (errno != ENOENT)
            return sim_db_fail_plain(db, err, errlen, "cannot open: %s", strerror(errno));
        *out = PROBE_ABSENT;
        return 0;
    }
    if (!S_ISREG(sb.st_mode))
        return sim_db_fail_plain(db, err, errlen, "not a database: not a regular file");
    if (sb.st_size == 0) {
        *out = PROBE_EMPTY;
        return 0;
    }
    static const char magic[16] = "SQLite format 3";   /* with its terminating NUL */
    char head[16];
    int fd = open(db->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sim_db_fail_plain(db, err, errlen, "cannot open: %s", strerror(errno));
    ssize_t n = read(fd, head, sizeof head);
    int e = errno;
    close(fd);
    if (n < 0)
        return sim_db_fail_plain(db, err, errlen, "cannot read: %s", strerror(e));
    if (n < (ssize_t)sizeof head || memcmp(head, magic, sizeof magic) != 0)
        return sim_db_fail_plain(db, err, errlen, "not a database: the file does not start "
                                 "with the SQLite header (left unchanged)");
    *out = PROBE_SQLITE;
    return 0;
}

/* Bytes of PATH-wal: -1 when there is none. */
static off_t wal_size(const char *path)
{
    char wal[4096];
    struct stat sb;
    if ((size_t)snprintf(wal, sizeof wal, "%s-wal", path) >= sizeof wal)
        return -1;
    return stat(wal, &sb) == 0 ? sb.st_size : -1;
}

/* "file:" URI of path with query (e.g. "mode=ro"), every byte outside [A-Za-z0-9/._~-]
 * percent-encoded; sqlite3_free it. NULL when out of memory. */
static char *path_uri(const char *path, const char *query)
{
    size_t n = strlen(path);
    char *enc = sqlite3_malloc64(3 * n + 1), *p = enc;
    if (enc == NULL)
        return NULL;
    for (const unsigned char *s = (const unsigned char *)path; *s != '\0'; s++) {
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
            strchr("/._~-", *s) != NULL)
            *p++ = (char)*s;
        else
            p += sprintf(p, "%%%02X", *s);
    }
    *p = '\0';
    /* "file://" + "/abs" gives an empty authority; a relative path must not start with "//". */
    char *uri = sqlite3_mprintf("file:%s%s?%s", path[0] == '/' ? "//" : "", enc, query);
    sqlite3_free(enc);
    return uri;
}

/* Connect db->h to db->path through a URI with query and the open flags. */
static int connect_uri(struct sim_db *db, const char *query, int flags, char *err, size_t errlen)
{
    char *uri = path_uri(db->path, query);
    if (uri == NULL)
        return sim_db_fail_plain(db, err, errlen, "out of memory");
    int rc = sqlite3_open_v2(uri, &db->h, flags | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
    sqlite3_free(uri);
    db->uri_query = query;
    db->immutable = strcmp(query, "immutable=1") == 0;
    if (db->immutable && stat(db->path, &db->stamp) != 0)
        return sim_db_fail_plain(db, err, errlen, "cannot open: %s", strerror(errno));
    if (rc != SQLITE_OK)
        return sim_db_fail(db, err, errlen, "cannot open");
    sqlite3_extended_result_codes(db->h, 1);
    return 0;
}

char *sim_db_uri(const struct sim_db *db)
{
    return db->uri_query != NULL ? path_uri(db->path, db->uri_query) : NULL;
}

/* Same file, size and modification time? */
static bool same_stamp(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

int sim_db_verify_unchanged(const struct sim_db *db, char *err, size_t errlen)
{
    struct stat now;
    if (!db->immutable)
        return 0;
    if (stat(db->path, &now) != 0 || !same_stamp(&now, &db->stamp))
        return sim_db_fail_plain(db, err, errlen, "changed while being read (another process "
                                 "wrote to it), so what was read may be torn; run again");
    return 0;
}

/* ---- the schema --------------------------------------------------------------------------- */

/* user_version, application_id and the table count, read by one statement (one snapshot: a
 * reader without locks must not mix two states of the file). */
static int read_ids(struct sim_db *db, int64_t *version, int64_t *app, int64_t *tables)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->h, "SELECT (SELECT user_version FROM pragma_user_version), "
                           "(SELECT application_id FROM pragma_application_id), "
                           "(SELECT count(*) FROM sqlite_schema)", -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int64(st, 0);
        *app = sqlite3_column_int64(st, 1);
        *tables = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

enum schema_state { SCHEMA_OURS, SCHEMA_BLANK, SCHEMA_OLD };

/* Oldest schema version this schedlab upgrades (sim_db_upgrade.c). */
#define OLDEST_UPGRADABLE 1

/* Read the ids and table count and classify them; -1 after reporting (refused or unreadable).
 * SCHEMA_OLD: schedlab's, of an older version that sim_db_upgrade handles. */
static int schema_check(struct sim_db *db, enum schema_state *out, char *err, size_t errlen)
{
    int64_t version, app, tables;
    if (read_ids(db, &version, &app, &tables) != 0)
        return sim_db_fail(db, err, errlen, "cannot read the schema");
    if (tables == 0 && version == 0 && (app == 0 || app == APPLICATION_ID)) {
        *out = SCHEMA_BLANK;
        return 0;
    }
    if (app != APPLICATION_ID)
        return sim_db_fail_plain(db, err, errlen, "not a schedlab database (application_id "
                                 "%lld, %lld table%s; left unchanged)", (long long)app,
                                 (long long)tables, tables == 1 ? "" : "s");
    db->version = version;
    if (version >= OLDEST_UPGRADABLE && version < SIM_DB_SCHEMA_VERSION) {
        *out = SCHEMA_OLD;
        return 0;
    }
    if (version != SIM_DB_SCHEMA_VERSION)
        return sim_db_fail_plain(db, err, errlen,
                                 "schema version %lld, but this schedlab reads and writes "
                                 "version %d%s", (long long)version, SIM_DB_SCHEMA_VERSION,
                                 version > SIM_DB_SCHEMA_VERSION ? " (written by a newer "
                                                                   "schedlab)" : "");
    *out = SCHEMA_OURS;
    return 0;
}

/* schema_setup's transaction. */
static int schema_setup_tx(struct sim_db *db, char *err, size_t errlen)
{
    if (sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return sim_db_fail(db, err, errlen, "cannot start a transaction");
    enum schema_state s;
    int rc = schema_check(db, &s, err, errlen);
    if (rc == 0 && s == SCHEMA_BLANK &&
        sqlite3_exec(db->h, sim_db_schema_sql(), NULL, NULL, NULL) != SQLITE_OK)
        rc = sim_db_fail(db, err, errlen, "cannot create the schema");
    if (rc == 0 && s == SCHEMA_OLD)
        rc = sim_db_upgrade(db, db->version, err, errlen);
    sqlite3_exec(db->h, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* Check the schema again under the write lock and create it in a blank database, or upgrade
 * an older one (all in one transaction). Foreign keys are off meanwhile (the pragma is a no-op
 * inside a transaction, so around it): an upgrade that rebuilds a table drops the old one,
 * which would otherwise cascade to every row that references it (sim_db_upgrade.c). */
static int schema_setup(struct sim_db *db, char *err, size_t errlen)
{
    if (sqlite3_exec(db->h, "PRAGMA foreign_keys = OFF", NULL, NULL, NULL) != SQLITE_OK)
        return sim_db_fail(db, err, errlen, "cannot switch foreign keys off");
    int rc = schema_setup_tx(db, err, errlen);
    if (sqlite3_exec(db->h, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK && rc == 0)
        rc = sim_db_fail(db, err, errlen, "cannot enable foreign keys");
    return rc;
}

/* Connection settings: busy timeout, foreign keys and, for writing, WAL. */
static int configure(struct sim_db *db, char *err, size_t errlen)
{
    sqlite3_busy_timeout(db->h, BUSY_TIMEOUT_MS);
    if (sqlite3_exec(db->h, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK)
        return sim_db_fail(db, err, errlen, "cannot enable foreign keys");
    if (db->read_only)
        return 0;
    if (sqlite3_db_readonly(db->h, "main") == 1)
        return sim_db_fail_plain(db, err, errlen, "cannot open for writing: the file is read-only");
    if (sqlite3_exec(db->h, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK)
        return sim_db_fail(db, err, errlen, "cannot switch to WAL");
    if (sqlite3_exec(db->h, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL) != SQLITE_OK)
        return sim_db_fail(db, err, errlen, "cannot set synchronous");
    return 0;
}

/* ---- opening ------------------------------------------------------------------------------ */

/* Could a `mode=ro` connection not be made for want of a writable folder? */
static bool folder_read_only(int code)
{
    return (code & 0xff) == SQLITE_CANTOPEN || code == SQLITE_READONLY_CANTINIT ||
           code == SQLITE_READONLY_DIRECTORY;
}

/* Connect read-only to an existing SQLite file and classify its schema (see the file
 * comment): immutable unless rows wait in a -wal file, or, for the inspection, unless a -wal
 * file exists at all (a writer may be connected: read under its locks). */
static int connect_reader(struct sim_db *db, bool inspect, enum schema_state *s, char *err,
                          size_t errlen)
{
    off_t wal = wal_size(db->path);
    bool immutable = inspect ? wal < 0 : wal <= 0;
    if (connect_uri(db, immutable ? "immutable=1" : "mode=ro", SQLITE_OPEN_READONLY, err,
                    errlen) != 0)
        return -1;
    if (configure(db, err, errlen) == 0 && schema_check(db, s, err, errlen) == 0)
        return 0;
    int code = sqlite3_extended_errcode(db->h);
    if (inspect && immutable && code != SQLITE_OK) {
        /* An SQLite error (not a refusal) may be a torn read of a file another process is
         * creating: look again under SQLite's locks. */
        sqlite3_close(db->h);
        db->h = NULL;
        if (connect_uri(db, "mode=ro", SQLITE_OPEN_READONLY, err, errlen) != 0 ||
            configure(db, err, errlen) != 0)
            return -1;
        return schema_check(db, s, err, errlen);
    }
    if (!immutable && folder_read_only(code))
        return sim_db_fail_plain(db, err, errlen, "cannot read: committed rows wait in its "
                                 "-wal file and the folder is read-only (SQLite cannot create "
                                 "the -shm index); open it once where the folder is writable");
    return -1;
}

/* A read-only connection to an older schema reads run_summary through a TEMP view with the
 * columns added since (sim_db_upgrade.c): nothing is written to the file. */
static int old_reader(struct sim_db *db, char *err, size_t errlen)
{
    char e[512];
    if (db->version >= 2)
        return 0;   /* run_summary is already whole; only the timeline tables are missing */
    if (sim_db_upgrade_view(db->h, "main", "run_summary", e, sizeof e) != 0)
        return sim_db_fail_plain(db, err, errlen, "%s", e);
    return 0;
}

/* Decide on the file and connect (see the file comment); -1 after reporting. */
static int open_checked(struct sim_db *db, char *err, size_t errlen)
{
    enum probe p;
    enum schema_state s = SCHEMA_BLANK;
    if (probe_file(db, &p, err, errlen) != 0)
        return -1;
    if (db->read_only) {
        if (p != PROBE_SQLITE)
            return sim_db_fail_plain(db, err, errlen, p == PROBE_ABSENT ? "cannot open: no "
                                     "such file" : "empty file, not a schedlab database");
        if (connect_reader(db, false, &s, err, errlen) != 0)
            return -1;
        if (s == SCHEMA_BLANK)
            return sim_db_fail_plain(db, err, errlen, "empty database (no schedlab schema), "
                                     "opened read-only");
        return s == SCHEMA_OLD ? old_reader(db, err, errlen) : 0;
    }
    if (p == PROBE_SQLITE) {
        db->read_only = true;   /* the inspection connection */
        int rc = connect_reader(db, true, &s, err, errlen);
        sqlite3_close(db->h);
        db->h = NULL;
        db->read_only = false;
        if (rc != 0)
            return -1;
    }
    if (connect_uri(db, "mode=rwc", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err,
                    errlen) != 0)
        return -1;
    return configure(db, err, errlen) != 0 ? -1 : schema_setup(db, err, errlen);
}

/* An in-memory or temporary database (":memory:", ""): nothing to look at first. */
static int open_scratch(struct sim_db *db, char *err, size_t errlen)
{
    int flags = db->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(db->path, &db->h, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        return sim_db_fail(db, err, errlen, "cannot open");
    sqlite3_extended_result_codes(db->h, 1);
    if (configure(db, err, errlen) != 0)
        return -1;
    if (!db->read_only)
        return schema_setup(db, err, errlen);
    enum schema_state s;
    if (schema_check(db, &s, err, errlen) != 0)
        return -1;
    return s == SCHEMA_OLD ? old_reader(db, err, errlen) : 0;
}

int sim_db_open(const char *path, bool read_only, struct sim_db **out, char *err, size_t errlen)
{
    *out = NULL;
    struct sim_db *db = calloc(1, sizeof(*db));
    if (db == NULL || (db->path = strdup(path)) == NULL) {
        free(db);
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    db->read_only = read_only;
    bool scratch = path[0] == '\0' || strcmp(path, ":memory:") == 0;
    if ((scratch ? open_scratch(db, err, errlen) : open_checked(db, err, errlen)) != 0) {
        sim_db_close(db);
        return -1;
    }
    *out = db;
    return 0;
}

void sim_db_close(struct sim_db *db)
{
    if (db == NULL)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(db->st[i]);
    sqlite3_close(db->h);   /* NULL is fine; all statements are finalized */
    free(db->path);
    free(db);
}

void sim_db_remove(const char *path)
{
    char side[4096];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}
