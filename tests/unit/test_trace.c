/* test_trace.c: the JSON Lines trace reader (samples, inheritance, read-ahead, every bad-input
 * error naming file, line and field), checksums, and the hash map it is built on. */
#include "sim/trace/import/sim_import.h"
#include "sim/trace/sim_trace_map.h"
#include "sim/trace/sim_trace_src.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

/* Write text to a fresh temporary .jsonl file named in `path`. */
static void write_tmp(const char *text)
{
    snprintf(path, sizeof path, "/tmp/test_trace_XXXXXX.jsonl");
    int fd = mkstemps(path, 6);
    cr_assert(fd >= 0);
    size_t n = strlen(text);
    cr_assert_eq(write(fd, text, n), (ssize_t)n);
    close(fd);
}

static struct sim_trace *open_ok(const char *p)
{
    char err[1024];
    struct sim_trace *t = sim_trace_open(p, NULL, err, sizeof err);
    cr_assert_not_null(t, "open %s: %s", p, err);
    return t;
}

static int root(struct sim_trace *t, struct sim_trace_rec **r)
{
    return sim_trace_next_root(t, r);
}

Test(trace_file, dag_sample_records)
{
    struct sim_trace *t = open_ok("traces/samples/dag_tiny.jsonl");
    cr_assert_str_eq(sim_trace_info(t)->name, "dag-tiny");
    cr_assert_eq(sim_trace_info(t)->time_unit_ns, 1000);
    cr_assert_eq(sim_trace_info(t)->roots, 1);
    struct sim_trace_rec *r, *c, *none;
    cr_assert_eq(root(t, &r), SIM_TRACE_OK);
    cr_assert_eq(r->id, 0);
    cr_assert_eq(r->parent, SIM_TRACE_NO_PARENT);
    cr_assert_eq(r->nphases, 4);
    cr_assert_eq(r->phases[3].kind, SIM_PHASE_SPAWN);
    cr_assert_eq(r->phases[3].arg, 4);
    /* Ask for the last child first: the reader reads ahead and comes back for the others. */
    cr_assert_eq(sim_trace_child(t, r, 4, &c), SIM_TRACE_OK);
    cr_assert_eq(c->id, 4);
    cr_assert_eq(c->depth, 1);
    cr_assert_eq(c->line, 6);
    cr_assert_eq(c->nphases, 4, "recv 2 expands to two phases");
    cr_assert_eq(c->phases[0].kind, SIM_PHASE_RECV);
    cr_assert_eq(c->phases[1].kind, SIM_PHASE_RECV);
    cr_assert_eq(c->phases[2].arg, 100000, "run 100 us is 100000 ns");
    cr_assert_eq(c->phases[3].kind, SIM_PHASE_EXIT);
    sim_trace_release(t, c);
    cr_assert_eq(sim_trace_child(t, r, 2, &c), SIM_TRACE_OK);
    cr_assert_eq(c->phases[1].arg, 200000);
    sim_trace_release(t, c);
    cr_assert_eq(root(t, &none), SIM_TRACE_END);
    sim_trace_release(t, r);
    sim_trace_close(t);
}

Test(trace_file, affinity_priority_and_inheritance)
{
    struct sim_trace *t = open_ok("traces/samples/affinity_prio.jsonl");
    struct sim_trace_rec *r, *c, *r2;
    cr_assert_eq(root(t, &r), SIM_TRACE_OK);
    cr_assert_eq(r->id, 10);
    cr_assert_eq(r->prio, SIM_PRIO_HIGH);
    cr_assert_eq(r->ws_bytes, 65536);
    cr_assert_eq(r->aff_kind, SIM_AFF_STRICT);
    cr_assert_eq(r->aff_ncores, 2);
    cr_assert_eq(r->aff_cores[1], 1);
    cr_assert_eq(sim_trace_child(t, r, 11, &c), SIM_TRACE_OK);
    cr_assert_eq(c->aff_kind, SIM_AFF_STRICT, "no affinity field: inherits the parent's");
    cr_assert_eq(c->aff_ncores, 2);
    cr_assert_eq(c->prio, SIM_PRIO_NORMAL, "priority is not inherited");
    sim_trace_release(t, c);
    cr_assert_eq(sim_trace_child(t, r, 12, &c), SIM_TRACE_OK);
    cr_assert_eq(c->aff_kind, SIM_AFF_PREFERRED);
    cr_assert_eq(c->aff_preferred, 3);
    cr_assert_eq(c->prio, SIM_PRIO_LOW);
    sim_trace_release(t, c);
    cr_assert_eq(root(t, &r2), SIM_TRACE_OK);
    cr_assert_eq(r2->id, 20);
    cr_assert_eq(r2->spawn_ns, 1000);
    cr_assert_eq(r2->prio, SIM_PRIO_MAX);
    cr_assert_eq(r2->phases[1].kind, SIM_PHASE_WAIT);
    sim_trace_release(t, r2);
    sim_trace_release(t, r);
    sim_trace_close(t);
}

Test(trace_file, samples_walk)
{
    struct sim_trace_stats st;
    struct sim_trace *t = open_ok("traces/samples/dag_tiny.jsonl");
    cr_assert_eq(sim_trace_walk(t, &st, NULL, NULL), SIM_TRACE_OK);
    cr_assert_eq(st.processes, 5);
    cr_assert_eq(st.total_work_ns, 700000);
    cr_assert(st.cp_known);
    cr_assert_eq(st.critical_path_ns, 500000, "100 + 300 + 100 us");
    cr_assert_float_eq(st.parallelism, 1.4, 1e-9);
    sim_trace_close(t);

    t = open_ok("traces/samples/affinity_prio.jsonl");
    cr_assert_eq(sim_trace_walk(t, &st, NULL, NULL), SIM_TRACE_OK);
    cr_assert_eq(st.processes, 7);
    cr_assert_eq(st.roots, 4);
    cr_assert_eq(st.prio[SIM_PRIO_MAX], 1);
    cr_assert_eq(st.prio[SIM_PRIO_LOW], 2);
    cr_assert_eq(st.aff[SIM_AFF_STRICT], 3);
    cr_assert_eq(st.aff[SIM_AFF_PREFERRED], 2);
    cr_assert_eq(st.critical_path_ns, 101000);
    sim_trace_close(t);

    t = open_ok("traces/samples/ring_small.jsonl");
    cr_assert_eq(sim_trace_walk(t, &st, NULL, NULL), SIM_TRACE_OK);
    cr_assert_eq(st.processes, 4);
    cr_assert_eq(st.critical_path_ns, 4000, "one token, 8 hops of 500 ns");
    cr_assert_eq(st.stuck, 0);
    sim_trace_close(t);
}

/* ---- bad input: each error names the file, the line and the field ----------------------- */

#define HDR "{\"format\":\"schedlab-trace\",\"version\":1}\n"
#define ROOT0 "{\"id\":0,\"spawn\":0,\"phases\":[[\"run\",10]]}\n"

/* Open and walk text; the error must contain "PATH:LINE: FIELD" and `what`. */
static void expect_error(const char *text, int line, const char *field, const char *what)
{
    write_tmp(text);
    char err[1024], want[256];
    snprintf(want, sizeof want, "%s:%d: %s", path, line, field);
    struct sim_trace *t = sim_trace_open(path, NULL, err, sizeof err);
    if (t != NULL) {
        struct sim_trace_stats st;
        cr_assert_eq(sim_trace_walk(t, &st, NULL, NULL), SIM_TRACE_ERROR, "no error for %s",
                     what);
        snprintf(err, sizeof err, "%s", sim_trace_error(t));
        sim_trace_close(t);
    }
    unlink(path);
    cr_assert(strstr(err, want) != NULL, "error '%s' lacks '%s'", err, want);
    cr_assert(strstr(err, what) != NULL, "error '%s' lacks '%s'", err, what);
}

Test(trace_bad, header_errors)
{
    expect_error("", 1, "format", "empty file");
    expect_error(ROOT0, 1, "format", "missing field");
    expect_error("{\"format\":\"other\",\"version\":1}\n", 1, "format", "schedlab-trace");
    expect_error("{\"format\":\"schedlab-trace\",\"version\":2}\n", 1, "version", "unsupported");
    expect_error("{\"format\":\"schedlab-trace\"}\n", 1, "version", "missing field");
    expect_error("{\"format\":\"schedlab-trace\",\"version\":1,\"time_unit\":\"h\"}\n", 1,
                 "time_unit", "expected");
}

Test(trace_bad, malformed_json_gives_column)
{
    expect_error(HDR ROOT0 "{\"id\":1,\"spawn\":0,\"phases\":[[\"run\",10]}\n", 3, "column 39",
                 "malformed JSON");
    expect_error(HDR "[1,2]\n", 2, "line", "expected a JSON object");
    expect_error(HDR ROOT0 "{\"id\":1,\"spawn\":0,\"phases\":[]} junk\n", 3, "column",
                 "malformed JSON");
}

Test(trace_bad, fields)
{
    expect_error(HDR "{\"spawn\":0,\"phases\":[]}\n", 2, "id", "missing field");
    expect_error(HDR "{\"id\":0,\"spawn\":0}\n", 2, "phases", "missing field");
    expect_error(HDR "{\"id\":0,\"phases\":[]}\n", 2, "spawn", "missing field");
    expect_error(HDR "{\"id\":\"a\",\"spawn\":0,\"phases\":[]}\n", 2, "id", "integer");
    expect_error(HDR "{\"id\":0,\"spawn\":0,\"phases\":[[\"jump\",1]]}\n", 2, "phases[0]",
                 "unknown phase 'jump'");
    expect_error(HDR "{\"id\":0,\"spawn\":0,\"phases\":[[\"run\",5],[\"run\",-5]]}\n", 2,
                 "phases[1][1]", "negative");
    expect_error(HDR "{\"id\":0,\"spawn\":0,\"phases\":[[\"wait\",1.5]]}\n", 2, "phases[0][1]",
                 "not an integer");
    expect_error(HDR "{\"id\":0,\"spawn\":-1,\"phases\":[]}\n", 2, "spawn", "negative");
    expect_error(HDR "{\"id\":0,\"spawn\":0,\"phases\":[[\"run\"]]}\n", 2, "phases[0]",
                 "one argument");
    expect_error(HDR "{\"id\":0,\"spawn\":0,\"phases\":[[\"exit\"],[\"run\",1]]}\n", 2,
                 "phases[0]", "last phase");
    expect_error(HDR "{\"id\":0,\"spawn\":0,\"prio\":\"urgent\",\"phases\":[]}\n", 2, "prio",
                 "unknown priority");
    expect_error(HDR "{\"id\":0,\"spawn\":0,\"affinity\":{\"kind\":\"strict\",\"cores\":[1],"
                 "\"preferred\":1},\"phases\":[]}\n", 2, "affinity.preferred", "only for");
    expect_error(HDR "{\"id\":0,\"spawn\":0,\"affinity\":{\"kind\":\"preferred\",\"cores\":[1,2],"
                 "\"preferred\":3},\"phases\":[]}\n", 2, "affinity.preferred", "not in cores");
    expect_error(HDR "{\"id\":0,\"spawn\":0,\"affinity\":{\"kind\":\"strict\",\"cores\":[1,1]},"
                 "\"phases\":[]}\n", 2, "affinity.cores", "twice");
    expect_error(HDR "{\"id\":0,\"spawn\":0,\"phases\":[[\"run\",1e300]]}\n", 2, "phases[0][1]",
                 "beyond the limit of 2^53 ns");
}

Test(trace_bad, number_limits_state_2_53)
{
    /* times: 2^53 ns is the largest, whatever the unit; ids: 2^53 - 1 */
    expect_error(HDR "{\"id\":0,\"spawn\":0,\"phases\":[[\"run\",9007199254740994]]}\n", 2,
                 "phases[0][1]", "beyond the limit of 2^53 ns");
    expect_error("{\"format\":\"schedlab-trace\",\"version\":1,\"time_unit\":\"s\"}\n"
                 "{\"id\":0,\"spawn\":0,\"phases\":[[\"wait\",9007200]]}\n", 2, "phases[0][1]",
                 "value 9007200 is 9007200000000000 ns, beyond the limit of 2^53 ns");
    expect_error("{\"format\":\"schedlab-trace\",\"version\":1,\"time_unit\":\"ms\"}\n"
                 "{\"id\":0,\"spawn\":9007199254741,\"phases\":[]}\n", 2, "spawn",
                 "beyond the limit of 2^53 ns");
    expect_error(HDR "{\"id\":9007199254740992,\"spawn\":0,\"phases\":[]}\n", 2, "id",
                 "at most 2^53 - 1");
    expect_error(HDR "{\"id\":0,\"spawn\":0,\"phases\":[[\"send\",1e20]]}\n", 2,
                 "phases[0][1]", "at most 2^53 - 1");
    /* exactly 2^53 ns is accepted */
    write_tmp(HDR "{\"id\":0,\"spawn\":0,\"phases\":[[\"wait\",9007199254740992]]}\n");
    struct sim_trace *t = open_ok(path);
    struct sim_trace_stats st;
    cr_assert_eq(sim_trace_walk(t, &st, NULL, NULL), SIM_TRACE_OK, "%s", sim_trace_error(t));
    cr_assert_eq(st.total_wait_ns, 9007199254740992ULL);
    sim_trace_close(t);
    unlink(path);
}

Test(trace_bad, phase_count_limit_before_allocation)
{
    char text[256];
    snprintf(text, sizeof text, HDR "{\"id\":0,\"spawn\":0,\"phases\":[[\"recv\",%u],"
             "[\"recv\",2]]}\n", SIM_TRACE_MAX_PHASES - 1);
    expect_error(text, 2, "phases", "more than 524288 phases");
    snprintf(text, sizeof text, HDR "{\"id\":0,\"spawn\":0,\"phases\":[[\"recv\",%u]]}\n",
             SIM_TRACE_MAX_PHASES);
    write_tmp(text);   /* exactly the limit is accepted */
    struct sim_trace *t = open_ok(path);
    struct sim_trace_rec *r;
    cr_assert_eq(root(t, &r), SIM_TRACE_OK, "%s", sim_trace_error(t));
    cr_assert_eq(r->nphases, SIM_TRACE_MAX_PHASES);
    sim_trace_release(t, r);
    sim_trace_close(t);
    unlink(path);
}

Test(trace_bad, line_length_limit)
{
    /* a line one byte over the limit fails naming its line; the header too */
    size_t n = SIM_TRACE_MAX_LINE + 1;
    char *text = malloc(n + 128);
    cr_assert_not_null(text);
    int h = snprintf(text, 128, HDR "{\"id\":0,\"spawn\":0,\"phases\":[]}\n");
    memset(text + h, ' ', n);
    memcpy(text + h + n, "\n", 2);
    expect_error(text, 3, "line", "line too long: more than 16777216 bytes");
    memset(text, ' ', n);
    memcpy(text + n, "\n", 2);
    expect_error(text, 1, "line", "line too long");
    free(text);
}

Test(trace_bad, structure)
{
    expect_error(HDR ROOT0 ROOT0, 3, "id", "duplicate id 0");
    expect_error(HDR "{\"id\":0,\"spawn\":0,\"phases\":[[\"spawn\",7]]}\n", 2, "phases",
                 "spawns 7, which never appears");
    expect_error(HDR "{\"id\":0,\"spawn\":50,\"phases\":[]}\n"
                 "{\"id\":1,\"spawn\":40,\"phases\":[]}\n", 3, "spawn", "before the previous");
    expect_error(HDR "{\"id\":1,\"parent\":0,\"phases\":[]}\n" ROOT0, 2, "parent",
                 "does not appear on an earlier line");
    expect_error(HDR ROOT0 "{\"id\":1,\"parent\":0,\"phases\":[]}\n", 3, "parent",
                 "no spawn phase for 1");
    expect_error(HDR "{\"id\":0,\"spawn\":0,\"phases\":[[\"spawn\",1],[\"spawn\",1]]}\n", 2,
                 "phases", "spawned twice");
    expect_error(HDR "{\"id\":0,\"spawn\":0,\"phases\":[[\"spawn\",0]]}\n", 2, "phases",
                 "spawns itself");
    /* With "roots": 1 the reader stops giving roots after one; an extra root is found when a
     * child's line lies beyond it. */
    expect_error("{\"format\":\"schedlab-trace\",\"version\":1,\"roots\":1}\n"
                 "{\"id\":0,\"spawn\":0,\"phases\":[[\"spawn\",2]]}\n"
                 "{\"id\":1,\"spawn\":0,\"phases\":[]}\n{\"id\":2,\"parent\":0,\"phases\":[]}\n",
                 3, "parent", "more parentless");
    expect_error("{\"format\":\"schedlab-trace\",\"version\":1,\"roots\":3}\n" ROOT0, 1, "roots",
                 "header says 3");
    /* ... and when nothing after it is ever asked for: the walk's end reads the rest */
    expect_error("{\"format\":\"schedlab-trace\",\"version\":1,\"roots\":1}\n" ROOT0
                 "{\"id\":1,\"spawn\":5,\"phases\":[]}\n", 3, "parent", "more parentless");
    expect_error("{\"format\":\"schedlab-trace\",\"version\":1,\"roots\":1}\n" ROOT0
                 "{\"id\":7,\"parent\":3,\"phases\":[]}\n", 3, "parent",
                 "parent 3 does not appear");
}

Test(trace_bad, read_ahead_limit)
{
    /* Root 0 spawns 1 and 2; line of 2 comes after 5 lines of root 3's children. */
    write_tmp(HDR "{\"id\":0,\"spawn\":0,\"phases\":[[\"spawn\",2]]}\n"
                  "{\"id\":3,\"spawn\":0,\"phases\":[[\"spawn\",4],[\"spawn\",5],[\"spawn\",6]]}\n"
                  "{\"id\":4,\"parent\":3,\"phases\":[]}\n{\"id\":5,\"parent\":3,\"phases\":[]}\n"
                  "{\"id\":6,\"parent\":3,\"phases\":[]}\n{\"id\":2,\"parent\":0,\"phases\":[]}\n");
    struct sim_trace_stats st;
    struct sim_trace *t = open_ok(path);
    cr_assert_eq(sim_trace_walk(t, &st, NULL, NULL), SIM_TRACE_OK);
    cr_assert_eq(st.processes, 6);
    sim_trace_close(t);
    char err[512];
    struct sim_trace_opts o = { .max_buffered = 2 };
    t = sim_trace_open(path, &o, err, sizeof err);
    cr_assert_not_null(t);
    cr_assert_eq(sim_trace_walk(t, &st, NULL, NULL), SIM_TRACE_ERROR);
    cr_assert(strstr(sim_trace_error(t), "lines read ahead") != NULL, "%s", sim_trace_error(t));
    sim_trace_close(t);
    unlink(path);
}

Test(trace_bad, missing_file_and_deadlock)
{
    char err[512];
    cr_assert_null(sim_trace_open("/nonexistent/x.jsonl", NULL, err, sizeof err));
    cr_assert(strstr(err, "/nonexistent/x.jsonl: cannot open") != NULL, "%s", err);
    /* 0 waits for a message nobody sends; 1 sends to 9, which never exists. */
    write_tmp(HDR "{\"id\":0,\"spawn\":0,\"phases\":[[\"recv\"],[\"run\",5]]}\n"
                  "{\"id\":1,\"spawn\":3,\"phases\":[[\"run\",5],[\"send\",9]]}\n");
    struct sim_trace_stats st;
    struct sim_trace *t = open_ok(path);
    cr_assert_eq(sim_trace_walk(t, &st, NULL, NULL), SIM_TRACE_OK);
    cr_assert_eq(st.stuck, 1);
    cr_assert_eq(st.unreceived, 1);
    cr_assert(!st.cp_known);
    sim_trace_close(t);
    unlink(path);
}

/* ---- checksums ------------------------------------------------------------------------------ */

Test(trace_checksum, file_and_spec)
{
    write_tmp("abc");
    char hex[41];
    cr_assert_eq(sim_trace_file_sha1(path, hex), 0);
    cr_assert_str_eq(hex, "a9993e364706816aba3e25717850c26c9cd0d89d", "FIPS 180 test vector");
    unlink(path);
    struct sim_trace *a = open_ok("fib:25"), *b = open_ok("fib:n=25,work=1000");
    struct sim_trace *c = open_ok("fib:25,work=999");
    cr_assert_str_eq(sim_trace_info(a)->canonical, "fib:n=25,work=1000,ws=4096");
    cr_assert_str_eq(sim_trace_checksum(a), sim_trace_checksum(b));
    cr_assert_str_neq(sim_trace_checksum(a), sim_trace_checksum(c));
    sim_trace_close(a);
    sim_trace_close(b);
    sim_trace_close(c);
    struct sim_trace *u1 = open_ok("uts:T1"), *u2 = open_ok("uts:t=1,a=3,d=10,b=4,r=19");
    cr_assert_str_eq(sim_trace_checksum(u1), sim_trace_checksum(u2));
    sim_trace_close(u1);
    sim_trace_close(u2);
}

/* ---- the hash map --------------------------------------------------------------------------- */

Test(trace_map, against_reference_array)
{
    enum { N = 5000 };
    static uint64_t ref[N];   /* ref[k] = value + 1 if key k*7919 present, else 0 */
    struct sim_trace_map m;
    sim_trace_map_init(&m);
    uint64_t x = 12345;
    for (int step = 0; step < 200000; step++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t k = (x >> 33) % N, key = k * 7919;
        bool created;
        if ((x >> 20) % 3 != 0) {
            struct sim_trace_map_ent *e = sim_trace_map_put(&m, key, &created);
            cr_assert_not_null(e);
            cr_assert_eq(created, ref[k] == 0);
            e->v[0] = (uint64_t)step;
            ref[k] = (uint64_t)step + 1;
        } else {
            struct sim_trace_map_ent *e = sim_trace_map_get(&m, key);
            cr_assert_eq(e != NULL, ref[k] != 0);
            if (e != NULL) {
                cr_assert_eq(e->v[0] + 1, ref[k]);
                sim_trace_map_del(&m, e);
                ref[k] = 0;
            }
        }
    }
    size_t n = 0;
    for (int k = 0; k < N; k++) {
        n += ref[k] != 0;
        struct sim_trace_map_ent *e = sim_trace_map_get(&m, (uint64_t)k * 7919);
        cr_assert_eq(e != NULL, ref[k] != 0);
    }
    cr_assert_eq(m.n, n);
    sim_trace_map_free(&m);
}
