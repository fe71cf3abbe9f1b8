/* test_faults.c: fault injection: deque growth, trace loading (files and generators), topology
 * parsing, the SQLite writer and a whole replay fail cleanly when the Nth allocation fails, for
 * every N up to the number of allocations the operation makes.
 *
 * The failing allocator
 * ---------------------
 * core/ allocates through ws_alloc.h, whose ws_alloc_fail_after hook the deque test uses. sim/,
 * cJSON and SQLite call malloc directly, so this file adds one counter that sees them all:
 *   - the unit-test binary is linked with -Wl,--wrap=malloc,calloc,realloc,strdup,strndup,
 *     aligned_alloc,posix_memalign (the Makefile's hardening block): every call to those from
 *     schedlab's own objects (core/, sim/, this test) reaches the __wrap_ functions below, which
 *     count and fail on demand and otherwise call the real allocator. Under ASan __real_malloc
 *     is ASan's malloc, so LeakSanitizer still tracks every block;
 *   - cJSON (a shared library) is pointed at the counting malloc with cJSON_InitHooks;
 *   - SQLite (a shared library) gets the counting xMalloc/xRealloc around its default allocator
 *     with sqlite3_config(SQLITE_CONFIG_MALLOC).
 * Why not the other mechanisms: routing every sim/ allocation through ws_malloc would touch
 * most sim/ files and still miss cJSON and SQLite; defining malloc itself in the test binary
 * would replace ASan's allocator and blind LeakSanitizer; LD_PRELOAD does not compose with ASan.
 * Allocations libc makes internally (getline's buffer, fopen's FILE) are not counted.
 *
 * Injection is per thread (only the arming thread's allocations count), so Criterion's own
 * threads never see a failure. Each sweep runs the operation with failure at allocation
 * N = 1, 2, ... until a run completes without reaching N: that run's count is the total. Every
 * run must either succeed with exactly the reference result (a failure some code absorbs, such
 * as SQLite's benign page-cache allocations, is fine) or return an error with a message and
 * leave no trace: nothing leaked (LeakSanitizer, checked at the end of each test in the
 * ASan+UBSan build) and, for the database, every table exactly as before.
 */
#include "core/ws_alloc.h"
#include "core/ws_deque.h"
#include "core/ws_topo.h"
#include "sim/db/sim_db.h"
#include "sim/engine/sim_engine.h"
#include "sim/run/sim_run.h"
#include "sim/engine/sim_topo.h"
#include "sim/trace/import/sim_import.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

/* ---- the failing allocator ---------------------------------------------------------------- */

/* Weak: without the --wrap link flags these stay NULL and the sweeps skip (see fi_available). */
extern void *__real_malloc(size_t n) __attribute__((weak));
extern void *__real_calloc(size_t n, size_t size) __attribute__((weak));
extern void *__real_realloc(void *p, size_t n) __attribute__((weak));
extern void *__real_aligned_alloc(size_t align, size_t n) __attribute__((weak));
extern int __real_posix_memalign(void **p, size_t align, size_t n) __attribute__((weak));

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
void *__wrap_aligned_alloc(size_t align, size_t n);
int __wrap_posix_memalign(void **p, size_t align, size_t n);

/* This thread's injection state: count allocations once armed; fail number fail_at (and every
 * later one when persistent). */
static _Thread_local struct {
    bool armed, persistent, fired;
    uint64_t count, fail_at;
} fi;

static bool fi_fail(void)
{
    if (!fi.armed)
        return false;
    uint64_t n = ++fi.count;
    if (n == fi.fail_at || (fi.persistent && n > fi.fail_at)) {
        fi.fired = true;
        return true;
    }
    return false;
}

void *__wrap_malloc(size_t n)
{
    return fi_fail() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return fi_fail() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    return fi_fail() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = __wrap_malloc(n);
    return d != NULL ? memcpy(d, s, n) : NULL;
}

char *__wrap_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = __wrap_malloc(len + 1);
    if (d != NULL) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

void *__wrap_aligned_alloc(size_t align, size_t n)
{
    return fi_fail() ? NULL : __real_aligned_alloc(align, n);
}

int __wrap_posix_memalign(void **p, size_t align, size_t n)
{
    return fi_fail() ? 12 /* ENOMEM */ : __real_posix_memalign(p, align, n);
}

static void *cjson_malloc(size_t n)
{
    return malloc(n);   /* __wrap_malloc: this object is linked with --wrap too */
}

static sqlite3_mem_methods sqlite_default;

static void *sqlite_malloc(int n)
{
    return fi_fail() ? NULL : sqlite_default.xMalloc(n);
}

static void *sqlite_realloc(void *p, int n)
{
    return fi_fail() ? NULL : sqlite_default.xRealloc(p, n);
}

/* Point cJSON and SQLite at the counter (each test runs in its own process). */
static void fi_setup(void)
{
    cJSON_Hooks hooks = { cjson_malloc, free };
    cJSON_InitHooks(&hooks);
    cr_assert_eq(sqlite3_shutdown(), SQLITE_OK);
    cr_assert_eq(sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_default), SQLITE_OK);
    sqlite3_mem_methods m = sqlite_default;
    m.xMalloc = sqlite_malloc;
    m.xRealloc = sqlite_realloc;
    cr_assert_eq(sqlite3_config(SQLITE_CONFIG_MALLOC, &m), SQLITE_OK);
    cr_assert_eq(sqlite3_initialize(), SQLITE_OK);
}

static void fi_teardown(void)
{
    cJSON_InitHooks(NULL);
}

static bool fi_available(void)
{
    return __real_malloc != NULL && __real_calloc != NULL && __real_realloc != NULL;
}

static void fi_arm(uint64_t n, bool persistent)
{
    fi.count = 0;
    fi.fail_at = n;
    fi.persistent = persistent;
    fi.fired = false;
    fi.armed = true;
}

/* Stop injecting; true if an allocation was failed since fi_arm. */
static bool fi_disarm(void)
{
    fi.armed = false;
    return fi.fired;
}

/* No block allocated in this test is unreachable (ASan builds; elsewhere a no-op). */
static void leak_check(void)
{
#if defined(__SANITIZE_ADDRESS__)
    cr_assert_eq(__lsan_do_recoverable_leak_check(), 0,
                 "LeakSanitizer found leaks (report above)");
#endif
}

/* One operation under test: 0 with a result verify() compares to the reference, or -1 with a
 * message in err. It cleans up after itself either way. */
struct op {
    const char *name;
    int (*run)(void *ctx, char *err, size_t errlen);
    void (*verify_ok)(void *ctx, uint64_t n);       /* result equals the reference */
    void (*verify_failed)(void *ctx, uint64_t n);   /* state is as before the run */
    void *ctx;
};

struct sweep_result {
    uint64_t total;      /* allocations of a complete run */
    uint64_t failed;     /* runs that returned an error */
    uint64_t oom_msgs;   /* ... whose message says "out of memory" */
};

/* Run op with the Nth allocation failing for N = 1, 2, ... until it completes without reaching
 * N. Each run must succeed with the reference result or fail cleanly with a message. */
static struct sweep_result sweep(const struct op *op, bool persistent)
{
    struct sweep_result r = { 0, 0, 0 };
    for (uint64_t n = 1;; n++) {
        char err[2048] = "";
        fi_arm(n, persistent);
        int rc = op->run(op->ctx, err, sizeof err);
        bool fired = fi_disarm();
        if (rc == 0) {
            if (op->verify_ok != NULL)
                op->verify_ok(op->ctx, n);
        } else {
            cr_assert(fired, "%s: failed without an injected failure: %s", op->name, err);
            cr_assert(err[0] != '\0', "%s: allocation %llu failed: error without a message",
                      op->name, (unsigned long long)n);
            if (op->verify_failed != NULL)
                op->verify_failed(op->ctx, n);
            r.failed++;
            r.oom_msgs += strstr(err, "out of memory") != NULL;
        }
        if (!fired) {
            cr_assert_eq(rc, 0, "%s: %s", op->name, err);
            r.total = n - 1;
            break;
        }
        cr_assert_lt(n, 200000, "%s: no end to its allocations", op->name);
    }
    cr_log_info("%s%s: %llu allocations, %llu failed runs (%llu say out of memory)", op->name,
                persistent ? " (persistent)" : "", (unsigned long long)r.total,
                (unsigned long long)r.failed, (unsigned long long)r.oom_msgs);
    return r;
}

TestSuite(faults, .init = fi_setup, .fini = fi_teardown, .timeout = 120);

/* ---- deque growth (the ws_alloc hook of core/) ---------------------------------------------- */

/* Push 0..199 into a deque of capacity 2 with the nth core allocation failing: every push
 * either succeeds or returns WS_NOMEM with the deque unchanged; all pushed items come back. */
Test(faults, deque_growth)
{
    uint64_t n;
    for (n = 1;; n++) {
        struct ws_deque d;
        uint64_t base = ws_alloc_count();
        ws_alloc_fail_after(n);
        ws_status st = ws_deque_init(&d, 2);
        if (st != WS_OK) {
            cr_assert_eq(st, WS_NOMEM);
            ws_alloc_fail_after(0);
            continue;
        }
        uintptr_t pushed = 0;
        unsigned nomem = 0;
        for (uintptr_t i = 1; i <= 200; i++) {
            uint64_t size = ws_deque_size(&d), cap = ws_deque_capacity(&d);
            st = ws_deque_push(&d, (void *)i);
            if (st == WS_NOMEM) {
                nomem++;
                cr_assert_eq(ws_deque_size(&d), size, "failed push changed the size");
                cr_assert_eq(ws_deque_capacity(&d), cap, "failed grow changed the capacity");
                cr_assert_null(ws_deque_check(&d));
                continue;
            }
            cr_assert_eq(st, WS_OK);
            pushed++;
        }
        bool fired = ws_alloc_count() - base >= n;
        ws_alloc_fail_after(0);
        cr_assert_eq(pushed + nomem, 200);
        cr_assert_leq(nomem, 1, "one injected failure fails one push");
        for (uintptr_t left = pushed; left > 0; left--) {
            void *item;
            cr_assert_eq(ws_deque_take(&d, &item), WS_OK);
        }
        void *item;
        cr_assert_eq(ws_deque_take(&d, &item), WS_EMPTY);
        ws_deque_destroy(&d);
        if (!fired)
            break;
        cr_assert_lt(n, 1000);
    }
    cr_assert_geq(n, 5, "growth from 2 to 256 allocates at least 7 buffers");
    leak_check();
}

/* ---- trace loading --------------------------------------------------------------------- */

struct trace_ctx {
    const char *spec;
    struct sim_trace_stats ref, got;
};

static int trace_run(void *vctx, char *err, size_t errlen)
{
    struct trace_ctx *c = vctx;
    struct sim_trace *t = sim_trace_open(c->spec, NULL, err, errlen);
    if (t == NULL)
        return -1;
    int rc = sim_trace_walk(t, &c->got, NULL, NULL) == SIM_TRACE_OK ? 0 : -1;
    if (rc == 0 && sim_trace_checksum(t) == NULL)
        rc = -1;
    if (rc != 0)
        snprintf(err, errlen, "%s", sim_trace_error(t));
    sim_trace_close(t);
    return rc;
}

static void trace_verify(void *vctx, uint64_t n)
{
    struct trace_ctx *c = vctx;
    cr_assert_eq(c->got.processes, c->ref.processes, "%s, allocation %llu failed", c->spec,
                 (unsigned long long)n);
    cr_assert_eq(c->got.total_work_ns, c->ref.total_work_ns);
    cr_assert_eq(c->got.critical_path_ns, c->ref.critical_path_ns);
    cr_assert_eq(c->got.unreceived, c->ref.unreceived);
    cr_assert_eq(c->got.max_depth, c->ref.max_depth);
}

static void sweep_trace(const char *spec, uint64_t min_allocs)
{
    struct trace_ctx c = { .spec = spec };
    char err[1024];
    cr_assert_eq(trace_run(&c, err, sizeof err), 0, "%s", err);
    c.ref = c.got;
    struct op op = { spec, trace_run, trace_verify, NULL, &c };
    struct sweep_result r = sweep(&op, false);
    cr_assert_geq(r.total, min_allocs, "%s: too few allocations counted: is the hook on?", spec);
    cr_assert_gt(r.failed, 0);
    sweep(&op, true);
}

Test(faults, trace_files)
{
    if (!fi_available())
        cr_skip_test("unit tests not linked with the --wrap allocation hooks");
    sweep_trace("traces/samples/dag_tiny.jsonl", 20);
    sweep_trace("traces/samples/affinity_prio.jsonl", 20);
    sweep_trace("traces/samples/ring_small.jsonl", 20);
    leak_check();
}

Test(faults, trace_generators)
{
    if (!fi_available())
        cr_skip_test("unit tests not linked with the --wrap allocation hooks");
    sweep_trace("fib:7", 10);
    sweep_trace("nqueens:5", 10);
    sweep_trace("ring:procs=5,rounds=3", 5);
    sweep_trace("server:clients=4,requests=3", 5);
    sweep_trace("uts:t=1,a=0,d=4,b=3,r=19", 5);
    leak_check();
}

/* ---- topology parsing ------------------------------------------------------------------ */

struct topo_ctx {
    const char *text;     /* JSON text, or NULL to run synth */
    const char *spec;
    char *ref, *got;      /* ws_topo_to_json of the result */
};

static int topo_run(void *vctx, char *err, size_t errlen)
{
    struct topo_ctx *c = vctx;
    struct ws_topo *t = NULL;
    struct ws_topo_error e;
    memset(&e, 0, sizeof e);
    ws_status st = c->text != NULL ? ws_topo_parse_json(c->text, strlen(c->text), &t, &e)
                                   : ws_topo_synth(c->spec, &t, &e);
    if (st != WS_OK) {
        cr_assert_null(t, "a failed parse leaves *out NULL");
        snprintf(err, errlen, "%s: %s", e.field, e.message);
        return -1;
    }
    c->got = ws_topo_to_json(t, false);
    ws_topo_destroy(t);
    if (c->got == NULL) {
        snprintf(err, errlen, "ws_topo_to_json: out of memory");
        return -1;
    }
    return 0;
}

static void topo_verify(void *vctx, uint64_t n)
{
    struct topo_ctx *c = vctx;
    if (c->ref != NULL)
        cr_assert_str_eq(c->got, c->ref, "allocation %llu failed", (unsigned long long)n);
    ws_topo_json_free(c->got);
    c->got = NULL;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long len = ftell(f);
    rewind(f);
    char *s = malloc((size_t)len + 1);
    cr_assert_not_null(s);
    cr_assert_eq(fread(s, 1, (size_t)len, f), (size_t)len);
    s[len] = '\0';
    fclose(f);
    return s;
}

static void sweep_topo(const char *text, const char *spec)
{
    struct topo_ctx c = { text, spec, NULL, NULL };
    char err[1024];
    cr_assert_eq(topo_run(&c, err, sizeof err), 0, "%s", err);
    c.ref = c.got;
    c.got = NULL;
    struct op op = { spec, topo_run, topo_verify, NULL, &c };
    struct sweep_result r = sweep(&op, false);
    cr_assert_geq(r.total, 5, "%s: too few allocations counted", spec);
    sweep(&op, true);
    ws_topo_json_free(c.ref);
}

Test(faults, topology_parsing)
{
    if (!fi_available())
        cr_skip_test("unit tests not linked with the --wrap allocation hooks");
    const char *files[] = { "traces/topologies/m1.json", "traces/topologies/epyc7r13-2s.json",
                            "traces/topologies/i9-12900k.json" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *text = slurp(files[i]);
        sweep_topo(text, files[i]);
        free(text);
    }
    sweep_topo(NULL, "synth:sockets=2,nodes=4,clusters=8,p=16,e=16,smt=2");
    leak_check();
}

/* sim_topo_load: name lookup, file reading and parsing together. */
static int topo_load_run(void *vctx, char *err, size_t errlen)
{
    struct ws_topo *t = NULL;
    int rc = sim_topo_load(vctx, &t, err, errlen);
    cr_assert(rc == 0 || t == NULL);
    ws_topo_destroy(t);
    return rc;
}

Test(faults, topology_loading)
{
    if (!fi_available())
        cr_skip_test("unit tests not linked with the --wrap allocation hooks");
    char preset[] = "m1", file[] = "traces/topologies/graviton3.json";
    struct op op = { "load m1", topo_load_run, NULL, NULL, preset };
    cr_assert_geq(sweep(&op, false).total, 5);
    op.name = file;
    op.ctx = file;
    cr_assert_geq(sweep(&op, false).total, 5);
    leak_check();
}

/* ---- the SQLite writer ----------------------------------------------------------------- */

static const char *const tables[] = { "experiments", "runs", "run_summary", "core_stats",
                                      "steal_matrix", "migrations", "timeseries", "processes" };
#define NTABLES (sizeof tables / sizeof tables[0])

struct db_ctx {
    char dir[64], pristine[128], path[128];
    struct sim_run_metrics *m;
    int64_t before[NTABLES], after_one[NTABLES];   /* rows before, and after one more run */
};

/* Row counts of every table, read without injection, after an integrity check. */
static void count_rows(const char *path, int64_t counts[NTABLES])
{
    sqlite3 *db;
    cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK, "%s", path);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    for (size_t i = 0; i < NTABLES; i++) {
        char q[128];
        snprintf(q, sizeof q, "SELECT COUNT(*) FROM %s", tables[i]);
        cr_assert_eq(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK, "%s", q);
        cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
        counts[i] = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
}

/* Copy a database file (no -wal or -shm beside it: the copy starts with none either). */
static void copy_file(const char *from, const char *to)
{
    static char buf[1 << 16];
    char side[160];
    for (int i = 0; i < 2; i++) {
        snprintf(side, sizeof side, "%s%s", to, i == 0 ? "-wal" : "-shm");
        unlink(side);
    }
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    cr_assert(in != NULL && out != NULL, "copy %s to %s", from, to);
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        cr_assert_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    cr_assert_eq(fclose(out), 0);
}

static int db_write_run(void *vctx, char *err, size_t errlen)
{
    struct db_ctx *c = vctx;
    fi.armed = false;   /* the copy is set-up, not the operation under test */
    copy_file(c->pristine, c->path);
    fi.armed = true;
    struct sim_db *db = NULL;
    int64_t id = 0;
    int rc = sim_db_open(c->path, false, &db, err, errlen);
    if (rc == 0)
        rc = sim_db_write_run(db, c->m, &id, err, errlen);
    sim_db_close(db);
    return rc;
}

static void db_verify_ok(void *vctx, uint64_t n)
{
    struct db_ctx *c = vctx;
    int64_t now[NTABLES];
    count_rows(c->path, now);
    for (size_t i = 0; i < NTABLES; i++)
        cr_assert_eq(now[i], c->after_one[i], "%s after a write with allocation %llu failed",
                     tables[i], (unsigned long long)n);
}

static void db_verify_failed(void *vctx, uint64_t n)
{
    struct db_ctx *c = vctx;
    int64_t now[NTABLES];
    count_rows(c->path, now);
    for (size_t i = 0; i < NTABLES; i++)
        cr_assert_eq(now[i], c->before[i], "%s changed by a failed write (allocation %llu)",
                     tables[i], (unsigned long long)n);
}

/* A database holding one run of the engine's metrics, and the metrics of another. */
static void db_fixture(struct db_ctx *c, struct sim_engine **e, struct sim_trace **t,
                       struct ws_topo **topo)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(c->dir, sizeof c->dir, "%s/schedlab-faults-XXXXXX", base);
    cr_assert_not_null(mkdtemp(c->dir));
    snprintf(c->pristine, sizeof c->pristine, "%s/pristine.db", c->dir);
    snprintf(c->path, sizeof c->path, "%s/work.db", c->dir);
    char err[1024];
    cr_assert_eq(sim_topo_load("synth:p=2", topo, err, sizeof err), 0, "%s", err);
    *t = sim_trace_open("fib:4", NULL, err, sizeof err);
    cr_assert_not_null(*t, "%s", err);
    static struct ws_params params;
    ws_params_defaults(&params);
    struct sim_engine_opts eo = { .topo = *topo, .params = &params, .strategy = "locality",
                                  .seed = 1, .per_process = true };
    *e = sim_engine_create(*t, &eo, err, sizeof err);
    cr_assert_not_null(*e, "%s", err);
    cr_assert_eq(sim_engine_run(*e, NULL, err, sizeof err), 0, "%s", err);
    c->m = (struct sim_run_metrics *)sim_engine_metrics(*e);
    c->m->run = (struct sim_run_desc){ .trace = "fib:4", .trace_checksum = "0",
                                       .topology = "synth:p=2",
                                       .strategy = "locality", .params_json = "{}", .seed = 1,
                                       .mode = SIM_MODE_SIM, .tool_version = "test",
                                       .timeseries_interval_ns =
                                           c->m->run.timeseries_interval_ns };
    struct sim_db *db;
    int64_t id;
    cr_assert_eq(sim_db_open(c->pristine, false, &db, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sim_db_write_run(db, c->m, &id, err, sizeof err), 0, "%s", err);
    sim_db_close(db);
    count_rows(c->pristine, c->before);
    copy_file(c->pristine, c->path);
    cr_assert_eq(sim_db_open(c->path, false, &db, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sim_db_write_run(db, c->m, &id, err, sizeof err), 0, "%s", err);
    sim_db_close(db);
    count_rows(c->path, c->after_one);
    cr_assert_gt(c->after_one[1], c->before[1]);
}

static void db_cleanup(struct db_ctx *c)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", c->dir);
    cr_assert_eq(system(cmd), 0);
}

Test(faults, sqlite_writer)
{
    if (!fi_available())
        cr_skip_test("unit tests not linked with the --wrap allocation hooks");
    struct db_ctx c;
    memset(&c, 0, sizeof c);
    struct sim_engine *e;
    struct sim_trace *t;
    struct ws_topo *topo;
    db_fixture(&c, &e, &t, &topo);
    struct op op = { "sqlite writer", db_write_run, db_verify_ok, db_verify_failed, &c };
    struct sweep_result r = sweep(&op, false);
    cr_assert_geq(r.total, 50, "SQLite's allocations are counted");
    cr_assert_gt(r.failed, 0);
    sim_engine_destroy(e);
    sim_trace_close(t);
    ws_topo_destroy(topo);
    db_cleanup(&c);
    leak_check();
}

/* ---- a whole replay: topology, trace, engine ---------------------------------------------- */

/* sim_run_replay without a database (the writer sweep above covers storing): loading the
 * topology and the trace, the engine's set-up and every allocation it makes while running. */
struct replay_ctx {
    struct sim_run_opts ro;
    struct sim_run_summary ref, got;
};

static int replay_run(void *vctx, char *err, size_t errlen)
{
    struct replay_ctx *c = vctx;
    struct sim_run_result r;
    int rc = sim_run_replay(&c->ro, &r, err, errlen);
    c->got = r.summary;
    return rc;
}

static void replay_verify_ok(void *vctx, uint64_t n)
{
    struct replay_ctx *c = vctx;
    cr_assert(c->got.events == c->ref.events && c->got.makespan_ns == c->ref.makespan_ns
              && c->got.steals == c->ref.steals && c->got.processes == c->ref.processes,
              "%s: the replay differs when allocation %llu fails", c->ro.trace,
              (unsigned long long)n);
}

static void sweep_replay(const char *trace, const char *topology, const char *strategy)
{
    struct replay_ctx c = { .ro = { .trace = trace, .topology = topology, .strategy = strategy,
                                    .seed = 1, .per_process = true } };
    ws_params_defaults(&c.ro.params);
    char err[1024];
    cr_assert_eq(replay_run(&c, err, sizeof err), 0, "%s", err);
    c.ref = c.got;
    struct op op = { trace, replay_run, replay_verify_ok, NULL, &c };
    cr_assert_geq(sweep(&op, false).total, 50);
}

Test(faults, replay_pipeline)
{
    if (!fi_available())
        cr_skip_test("unit tests not linked with the --wrap allocation hooks");
    sweep_replay("traces/samples/dag_tiny.jsonl", "m1", "locality");
    sweep_replay("traces/samples/affinity_prio.jsonl", "traces/topologies/m1.json", "pe");
    sweep_replay("fib:5", "synth:sockets=2,nodes=2,clusters=4,p=4,e=4", "random");
    leak_check();
}
