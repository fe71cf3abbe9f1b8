/* test_topo.c: the machine model: JSON parsing and its refusals (one test per kind of bad
 * input, each naming field, line and column), distance / latency / cache queries, synthetic
 * machines, every preset, JSON round trips, and hwloc detection (host and hwloc-synthetic). */
#include "core/ws_alloc.h"
#include "core/ws_topo.h"
#include "sim/engine/sim_topo.h"

#include <criterion/criterion.h>
#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A small machine that has every distance class: 2 sockets with one node each, node 0 holds a
 * P cluster of 2 physical cores x 2 threads (0-3) and an E cluster (4-5); node 1 a P cluster of
 * 2 single-thread cores (6-7). Line numbers matter to the tests below. */
static const char *small =
    "{\n"                                                                   /* 1 */
    "  \"name\": \"small\",\n"                                              /* 2 */
    "  \"ncores\": 8,\n"                                                    /* 3 */
    "  \"kinds\": { \"P\": { \"capacity\": 1, \"power_active_w\": 5, \"power_idle_w\": 0.5 },\n"
    "             \"E\": { \"capacity\": 0.4, \"power_active_w\": 1 } },\n" /* 5 */
    "  \"nodes\": [ { \"id\": 0, \"socket\": 0, \"memory_gb\": 8 },\n"      /* 6 */
    "             { \"id\": 1, \"socket\": 1, \"memory_gb\": 8 } ],\n"      /* 7 */
    "  \"distance\": [[10, 21], [21, 10]],\n"                               /* 8 */
    "  \"clusters\": [\n"                                                   /* 9 */
    "    { \"id\": 0, \"kind\": \"P\", \"node\": 0, \"cores\": \"0-3\", \"smt\": 2, \"latency_ns\": 30 },\n"
    "    { \"id\": 1, \"kind\": \"E\", \"node\": 0, \"cores\": [4, 5] },\n" /* 11 */
    "    { \"id\": 2, \"kind\": \"P\", \"node\": 1, \"cores\": \"6-7\" }\n" /* 12 */
    "  ],\n"                                                                /* 13 */
    "  \"cores\": [ { \"id\": 7, \"capacity\": 0.9, \"os_id\": 42 } ],\n"   /* 14 */
    "  \"caches\": [\n"                                                     /* 15 */
    "    { \"level\": 1, \"size_kb\": 32, \"share\": \"core\" },\n"        /* 16 */
    "    { \"level\": 2, \"size_kb\": 1024, \"share\": \"cluster\", \"kind\": \"E\" },\n"
    "    { \"level\": 3, \"size_kb\": 8192, \"share\": \"socket\" }\n"     /* 18 */
    "  ],\n"                                                                /* 19 */
    "  \"latency_ns\": { \"smt\": 5, \"cluster\": 40, \"node\": 80, \"remote\": 150, \"socket\": 250 }\n"
    "}\n";

static struct ws_topo *parse_ok(const char *text)
{
    struct ws_topo *t = NULL;
    struct ws_topo_error e;
    ws_status st = ws_topo_parse_json(text, strlen(text), &t, &e);
    cr_assert_eq(st, WS_OK, "parse failed: %d:%d %s: %s", e.line, e.column, e.field, e.message);
    const char *why = ws_topo_check(t);
    cr_assert_null(why, "invariant: %s", why ? why : "");
    return t;
}

/* Replace the first occurrence of from in small by to, parse, and expect a refusal. */
static struct ws_topo_error parse_bad(const char *from, const char *to)
{
    char text[4096];
    const char *at = strstr(small, from);
    cr_assert_not_null(at, "test bug: '%s' not in the document", from);
    snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - small), small, to, at + strlen(from));
    struct ws_topo *t = (struct ws_topo *)1;
    struct ws_topo_error e;
    cr_assert_eq(ws_topo_parse_json(text, strlen(text), &t, &e), WS_EINVAL, "accepted: %s", to);
    cr_assert_null(t);
    return e;
}

static void expect(const struct ws_topo_error *e, const char *field, int line, const char *words)
{
    cr_assert_str_eq(e->field, field, "field '%s' (message: %s)", e->field, e->message);
    cr_assert_eq(e->line, line, "line %d, want %d (%s: %s)", e->line, line, e->field, e->message);
    cr_assert_gt(e->column, 0);
    cr_assert_not_null(strstr(e->message, words), "message '%s' lacks '%s'", e->message, words);
}

Test(topo_parse, small_machine_fields)
{
    struct ws_topo *t = parse_ok(small);
    cr_assert_str_eq(t->name, "small");
    cr_assert_eq(ws_topo_ncores(t), 8);
    cr_assert_eq(t->nclusters, 3);
    cr_assert_eq(t->nnodes, 2);
    cr_assert_eq(t->nsockets, 2);
    cr_assert_eq(ws_topo_core_kind(t, 4), WS_KIND_E);
    cr_assert_eq(ws_topo_core_kind(t, 6), WS_KIND_P);
    cr_assert_float_eq(ws_topo_capacity(t, 4), 0.4, 1e-12);
    cr_assert_float_eq(ws_topo_capacity(t, 7), 0.9, 1e-12);
    cr_assert_eq(t->cores[7].os_id, 42);
    cr_assert_eq(t->cores[3].phys, 2);
    cr_assert_eq(ws_topo_cluster_of(t, 5), 1);
    cr_assert_eq(ws_topo_node_of(t, 6), 1);
    cr_assert_eq(t->cores[6].socket, 1);
    cr_assert_eq(t->nodes[1].memory_bytes, UINT64_C(8) << 30);
    cr_assert_eq(t->kinds[WS_KIND_P].ncores, 6);
    cr_assert_eq(ws_cpuset_count(&t->kind_cores[WS_KIND_E]), 2);
    cr_assert_float_eq(ws_topo_power_w(t, WS_KIND_P, true), 5.0, 1e-12);
    cr_assert_float_eq(ws_topo_power_w(t, WS_KIND_P, false), 0.5, 1e-12);
    cr_assert_float_eq(ws_topo_power_w(t, WS_KIND_E, false), 0.0, 1e-12);
    ws_topo_destroy(t);
}

Test(topo_query, distance_classes_are_ordered_and_complete)
{
    struct ws_topo *t = parse_ok(small);
    cr_assert_eq(ws_topo_dist_class(t, 2, 2), WS_DIST_SAME_CORE);
    cr_assert_eq(ws_topo_dist_class(t, 0, 1), WS_DIST_SMT);
    cr_assert_eq(ws_topo_dist_class(t, 1, 2), WS_DIST_CLUSTER);
    cr_assert_eq(ws_topo_dist_class(t, 0, 4), WS_DIST_NODE);
    cr_assert_eq(ws_topo_dist_class(t, 5, 6), WS_DIST_REMOTE);
    cr_assert(WS_DIST_SAME_CORE < WS_DIST_SMT && WS_DIST_SMT < WS_DIST_CLUSTER &&
              WS_DIST_CLUSTER < WS_DIST_NODE && WS_DIST_NODE < WS_DIST_REMOTE);
    for (uint32_t a = 0; a < 8; a++)
        for (uint32_t b = 0; b < 8; b++)
            cr_assert_eq(ws_topo_dist_class(t, a, b), ws_topo_dist_class(t, b, a));
    cr_assert_eq(ws_topo_node_distance(t, 0, 0), 10);
    cr_assert_eq(ws_topo_node_distance(t, 0, 1), 21);
    struct ws_cpuset sib;
    ws_cpuset_init(&sib, 8);
    ws_topo_smt_siblings(t, 3, &sib);
    cr_assert_eq(ws_cpuset_count(&sib), 2);
    cr_assert(ws_cpuset_test(&sib, 2) && ws_cpuset_test(&sib, 3));
    ws_cpuset_destroy(&sib);
    ws_topo_destroy(t);
}

Test(topo_query, latency_by_class_cluster_override_and_socket)
{
    struct ws_topo *t = parse_ok(small);
    cr_assert_eq(ws_topo_latency_ns(t, 3, 3), 0);
    cr_assert_eq(ws_topo_latency_ns(t, 0, 1), 5);     /* SMT */
    cr_assert_eq(ws_topo_latency_ns(t, 0, 2), 30);    /* cluster 0's own latency */
    cr_assert_eq(ws_topo_latency_ns(t, 4, 5), 40);    /* class default for cluster 1 */
    cr_assert_eq(ws_topo_latency_ns(t, 1, 5), 80);    /* same node */
    cr_assert_eq(ws_topo_latency_ns(t, 0, 7), 250);   /* other node on another socket */
    ws_topo_destroy(t);
}

Test(topo_query, explicit_latency_matrix_wins)
{
    const char *doc =
        "{\"name\":\"m\",\"ncores\":3,\"nodes\":[{\"id\":0}],"
        "\"clusters\":[{\"id\":0,\"kind\":\"P\",\"node\":0,\"cores\":\"0-2\"}],"
        "\"latency_matrix\":[[0,11,12],[11,0,13],[12,13,0]]}";
    struct ws_topo *t = parse_ok(doc);
    cr_assert_eq(ws_topo_latency_ns(t, 0, 1), 11);
    cr_assert_eq(ws_topo_latency_ns(t, 2, 1), 13);
    cr_assert_eq(ws_topo_dist_class(t, 0, 2), WS_DIST_CLUSTER);
    ws_topo_destroy(t);
}

Test(topo_query, shared_cache_is_the_smallest_common_level)
{
    struct ws_topo *t = parse_ok(small);
    struct ws_topo_shared s = ws_topo_shared_cache(t, 0, 1);  /* SMT siblings: L1 */
    cr_assert_eq(s.level, 1);
    cr_assert_eq(s.size_bytes, 32 * 1024);
    s = ws_topo_shared_cache(t, 4, 5);                         /* E cluster: L2 */
    cr_assert_eq(s.level, 2);
    cr_assert_eq(s.size_bytes, 1024 * 1024);
    s = ws_topo_shared_cache(t, 0, 2);                         /* P cluster, no L2: socket L3 */
    cr_assert_eq(s.level, 3);
    cr_assert_eq(s.size_bytes, 8u << 20);
    s = ws_topo_shared_cache(t, 0, 6);                         /* other socket: nothing */
    cr_assert_eq(s.level, 0);
    cr_assert_eq(t->cores[0].cache[1], -1, "P cores have no L2 in this model");
    ws_topo_destroy(t);
}

/* ---- bad input: one test per kind, each naming the field and its line ---------------------- */

Test(topo_bad, syntax_error_reports_cjson_position)
{
    struct ws_topo_error e = parse_bad("\"ncores\": 8,", "\"ncores\": 8,,");
    cr_assert_eq(e.line, 3);
    cr_assert_gt(e.column, 12);
    cr_assert_not_null(strstr(e.message, "syntax"));
}

Test(topo_bad, missing_required_field)
{
    struct ws_topo_error e = parse_bad("\"cores\": [4, 5] ", "\"smt\": 1 ");
    expect(&e, "clusters[1].cores", 11, "missing required field 'cores'");
    e = parse_bad("\"ncores\": 8,", "");
    expect(&e, "ncores", 1, "missing");
}

Test(topo_bad, mistyped_field_value)
{
    struct ws_topo_error e = parse_bad("\"ncores\": 8", "\"ncores\": \"8\"");
    expect(&e, "ncores", 3, "expected an integer, found a string");
    e = parse_bad("\"memory_gb\": 8 }", "\"memory_gb\": [8] }");
    expect(&e, "nodes[0].memory_gb", 6, "expected a number");
    e = parse_bad("\"kind\": \"E\", \"node\"", "\"kind\": \"X\", \"node\"");
    expect(&e, "clusters[1].kind", 11, "unknown core kind 'X'");
}

Test(topo_bad, misspelled_field_name)
{
    struct ws_topo_error e = parse_bad("\"smt\": 2,", "\"smtt\": 2,");
    expect(&e, "clusters[0].smtt", 10, "unknown field 'smtt'");
    e = parse_bad("\"distance\"", "\"distances\"");
    expect(&e, "distances", 8, "unknown field");
}

Test(topo_bad, duplicate_field)
{
    struct ws_topo_error e = parse_bad("\"ncores\": 8,", "\"ncores\": 8, \"ncores\": 8,");
    expect(&e, "ncores", 3, "given twice");
}

Test(topo_bad, core_in_two_clusters)
{
    struct ws_topo_error e = parse_bad("\"cores\": [4, 5]", "\"cores\": [3, 4, 5]");
    expect(&e, "clusters[1].cores", 11, "core 3 is already in cluster 0");
}

Test(topo_bad, core_in_no_cluster)
{
    struct ws_topo_error e = parse_bad("\"cores\": \"6-7\"", "\"cores\": \"6\"");
    expect(&e, "clusters", 9, "core 7 is in no cluster");
}

Test(topo_bad, distance_matrix_of_the_wrong_size)
{
    struct ws_topo_error e = parse_bad("[[10, 21], [21, 10]]", "[[10, 21]]");
    expect(&e, "distance", 8, "needs 2 rows");
    e = parse_bad("[[10, 21], [21, 10]]", "[[10, 21], [21, 10, 30]]");
    expect(&e, "distance[1]", 8, "row 1 needs 2 entries");
    e = parse_bad("[[10, 21], [21, 10]]", "[[10, 21], [21, 12]]");
    expect(&e, "distance[1][1]", 8, "must be 10");
}

Test(topo_bad, core_id_out_of_range)
{
    struct ws_topo_error e = parse_bad("\"cores\": \"6-7\"", "\"cores\": \"6-9\"");
    expect(&e, "clusters[2].cores", 12, "core 9 is out of range 0..7");
    e = parse_bad("\"cores\": [4, 5]", "\"cores\": [4, 5, 8]");
    expect(&e, "clusters[1].cores[2]", 11, "core 8 is out of range");
    e = parse_bad("{ \"id\": 7, \"capacity\"", "{ \"id\": 8, \"capacity\"");
    expect(&e, "cores[0].id", 14, "outside 0..7");
    e = parse_bad("\"node\": 1, \"cores\": \"6-7\"", "\"node\": 2, \"cores\": \"6-7\"");
    expect(&e, "clusters[2].node", 12, "outside 0..1");
}

Test(topo_bad, duplicate_ids)
{
    struct ws_topo_error e = parse_bad("{ \"id\": 2, \"kind\"", "{ \"id\": 1, \"kind\"");
    expect(&e, "clusters[2].id", 12, "duplicate id 1 (also clusters[1])");
    e = parse_bad("\"cores\": [4, 5]", "\"cores\": [4, 5, 4]");
    expect(&e, "clusters[1].cores[2]", 11, "duplicate core id 4");
}

Test(topo_bad, junk_core_list)
{
    struct ws_topo_error e = parse_bad("\"cores\": \"6-7\"", "\"cores\": \"6..7\"");
    expect(&e, "clusters[2].cores", 12, "bad core list");
}

Test(topo_bad, smt_siblings_across_clusters)
{
    struct ws_topo_error e = parse_bad("\"os_id\": 42", "\"os_id\": 42, \"phys\": 5");
    expect(&e, "cores[0].phys", 14, "SMT siblings");
    e = parse_bad("\"smt\": 2,", "\"smt\": 3,");
    expect(&e, "clusters[0].smt", 10, "cannot be grouped");
}

Test(topo_bad, caches_that_overlap_or_lack_a_scope)
{
    struct ws_topo_error e = parse_bad("\"share\": \"socket\" }",
                                       "\"share\": \"socket\" }, { \"level\": 3, \"size_kb\": 1, "
                                       "\"cores\": \"0\" }");
    expect(&e, "caches[3]", 18, "core 0 already has a level-3 cache");
    e = parse_bad("\"share\": \"core\"", "\"share\": \"die\"");
    expect(&e, "caches[0].share", 16, "unknown sharing 'die'");
    e = parse_bad("\"share\": \"core\"", "\"line\": 64");
    expect(&e, "caches[0]", 16, "exactly one of 'share' and 'cores'");
}

Test(topo_bad, latency_matrix_of_the_wrong_size)
{
    const char *doc =
        "{\"name\":\"m\",\"ncores\":2,\"nodes\":[{\"id\":0}],"
        "\"clusters\":[{\"id\":0,\"kind\":\"P\",\"node\":0,\"cores\":\"0-1\"}],\n"
        "\"latency_matrix\":[[0,1],[1]]}";
    struct ws_topo *t;
    struct ws_topo_error e;
    cr_assert_eq(ws_topo_parse_json(doc, strlen(doc), &t, &e), WS_EINVAL);
    expect(&e, "latency_matrix[1]", 2, "needs 2 entries");
}

Test(topo_bad, not_an_object)
{
    struct ws_topo *t;
    struct ws_topo_error e;
    cr_assert_eq(ws_topo_parse_json("[1, 2]", 6, &t, &e), WS_EINVAL);
    expect(&e, "", 1, "a topology is a JSON object");
}

Test(topo_bad, file_errors_name_file_line_and_field)
{
    char path[] = "/tmp/schedlab-topo-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    const char *doc = "{\n  \"name\": \"x\",\n  \"ncores\": 2,\n  \"nodes\": [{\"id\": 0}],\n"
                      "  \"clusters\": [{\"id\": 0, \"kind\": \"P\", \"node\": 0, \"cores\": \"0-2\"}]\n}\n";
    cr_assert_eq(write(fd, doc, strlen(doc)), (ssize_t)strlen(doc));
    close(fd);
    struct ws_topo *t;
    char err[512], want[600];
    cr_assert_eq(sim_topo_load(path, &t, err, sizeof(err)), -1);
    unlink(path);
    snprintf(want, sizeof(want), "%s:5:", path);
    cr_assert_not_null(strstr(err, want), "error '%s' lacks '%s'", err, want);
    cr_assert_not_null(strstr(err, "clusters[0].cores: core 2 is out of range 0..1"), "%s", err);
    cr_assert_eq(sim_topo_load("no-such-preset", &t, err, sizeof(err)), -1);
    cr_assert_not_null(strstr(err, "unknown topology 'no-such-preset'"), "%s", err);
}

Test(topo_bad, every_failed_allocation_is_reported_and_leaks_nothing)
{
    for (uint64_t n = 1; n < 200; n++) {
        struct ws_topo *t = NULL;
        struct ws_topo_error e;
        ws_alloc_fail_after(n);
        ws_status st = ws_topo_parse_json(small, strlen(small), &t, &e);
        ws_alloc_fail_after(0);
        if (st == WS_OK) {
            cr_assert_null(ws_topo_check(t));
            ws_topo_destroy(t);
            return;  /* n passed the last allocation: every earlier one was refused cleanly */
        }
        cr_assert_eq(st, WS_NOMEM, "allocation %llu: %s", (unsigned long long)n, ws_status_name(st));
        cr_assert_null(t);
    }
    cr_assert_fail("parsing never succeeded");
}

/* ---- synthetic machines -------------------------------------------------------------------- */

Test(topo_synth, p_alone_is_identical_cores_in_one_cluster)
{
    struct ws_topo *t;
    struct ws_topo_error e;
    cr_assert_eq(ws_topo_synth("synth:p=16", &t, &e), WS_OK);
    cr_assert_eq(t->ncores, 16);
    cr_assert_eq(t->nclusters, 1);
    cr_assert_eq(t->nnodes, 1);
    for (uint32_t c = 1; c < 16; c++) {
        cr_assert_eq(ws_topo_dist_class(t, 0, c), WS_DIST_CLUSTER);
        cr_assert_float_eq(ws_topo_capacity(t, c), 1.0, 1e-12);
    }
    cr_assert_null(ws_topo_check(t));
    ws_topo_destroy(t);
}

Test(topo_synth, sockets_nodes_clusters_and_kinds)
{
    struct ws_topo *t;
    struct ws_topo_error e;
    cr_assert_eq(ws_topo_synth("sockets=2,nodes=8,clusters=64,p=256,e=256", &t, &e), WS_OK,
                 "%s: %s", e.field, e.message);
    cr_assert_eq(t->ncores, 512);
    cr_assert_eq(t->nclusters, 64);
    cr_assert_eq(t->nnodes, 8);
    cr_assert_eq(t->nsockets, 2);
    cr_assert_eq(t->kinds[WS_KIND_P].ncores, 256);
    cr_assert_eq(t->kinds[WS_KIND_E].ncores, 256);
    for (uint32_t i = 0; i < t->nclusters; i++)
        cr_assert_eq(ws_cpuset_count(&t->clusters[i].cores), 8);
    cr_assert_eq(ws_topo_node_distance(t, 0, 3), 12);
    cr_assert_eq(ws_topo_node_distance(t, 0, 4), 32);
    cr_assert_eq(ws_topo_dist_class(t, 0, 7), WS_DIST_CLUSTER);
    cr_assert_eq(ws_topo_dist_class(t, 0, 8), WS_DIST_NODE);
    cr_assert_eq(ws_topo_dist_class(t, 0, 64), WS_DIST_REMOTE);
    cr_assert_lt(ws_topo_latency_ns(t, 0, 64), ws_topo_latency_ns(t, 0, 511),
                 "crossing sockets costs more than crossing nodes");
    cr_assert_null(ws_topo_check(t));
    ws_topo_destroy(t);
}

Test(topo_synth, four_thousand_cores_with_smt)
{
    struct ws_topo *t;
    struct ws_topo_error e;
    cr_assert_eq(ws_topo_synth("synth:sockets=4,nodes=16,clusters=256,p=1536,e=1024,smt=2", &t,
                               &e), WS_OK, "%s: %s", e.field, e.message);
    cr_assert_eq(t->ncores, 4096);
    cr_assert_eq(ws_cpuset_count(&t->kind_cores[WS_KIND_P]), 3072);
    cr_assert_eq(ws_topo_dist_class(t, 4094, 4095), WS_DIST_CLUSTER, "E-cores have no SMT");
    cr_assert_eq(ws_topo_dist_class(t, 0, 1), WS_DIST_SMT);
    cr_assert_eq(ws_topo_dist_class(t, 0, 4095), WS_DIST_REMOTE);
    cr_assert_eq(ws_topo_core_kind(t, 4095), WS_KIND_E);
    cr_assert_null(ws_topo_check(t));
    ws_topo_destroy(t);
}

Test(topo_synth, bad_specs_name_the_key)
{
    static const struct { const char *spec, *field, *words; } bad[] = {
        { "synth:", "p", "needs cores" },
        { "p=3,nodes=2", "p", "split evenly" },
        { "p=8,q=1", "q", "unknown key" },
        { "p=8,nodes=2,clusters=3", "clusters", "split evenly over 2 nodes" },
        { "p=4,clusters=8", "clusters", "without cores" },
        { "p=4,e=4,clusters=1", "clusters", "a cluster per kind" },
        { "p=x", "p", "whole number" },
        { "p=8,ecap=2", "ecap", "capacity" },
        { "p=20000", "p", "" },
        { "p", "p", "key=value" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct ws_topo *t = (struct ws_topo *)1;
        struct ws_topo_error e;
        cr_assert_eq(ws_topo_synth(bad[i].spec, &t, &e), WS_EINVAL, "accepted '%s'", bad[i].spec);
        cr_assert_null(t);
        cr_assert_str_eq(e.field, bad[i].field, "'%s': field '%s' (%s)", bad[i].spec, e.field,
                         e.message);
        cr_assert_not_null(strstr(e.message, bad[i].words), "'%s': %s", bad[i].spec, e.message);
    }
}

/* ---- presets and round trips ---------------------------------------------------------------- */

/* Writing, parsing and writing again gives the same text, and the reparsed model agrees on
 * every query for a sample of pairs. */
static void round_trip(const struct ws_topo *t)
{
    char *a = ws_topo_to_json(t, true);
    cr_assert_not_null(a);
    struct ws_topo *u = parse_ok(a);
    char *b = ws_topo_to_json(u, true);
    cr_assert_str_eq(a, b, "%s: JSON round trip differs", t->name);
    uint32_t step = t->ncores > 64 ? 7 : 1;
    for (uint32_t x = 0; x < t->ncores; x += step)
        for (uint32_t y = 0; y < t->ncores; y += step) {
            cr_assert_eq(ws_topo_latency_ns(t, x, y), ws_topo_latency_ns(u, x, y));
            cr_assert_eq(ws_topo_dist_class(t, x, y), ws_topo_dist_class(u, x, y));
            cr_assert_eq(ws_topo_shared_cache(t, x, y).level, ws_topo_shared_cache(u, x, y).level);
        }
    ws_topo_json_free(a);
    ws_topo_json_free(b);
    ws_topo_destroy(u);
}

Test(topo_presets, every_preset_loads_validates_and_round_trips)
{
    static const char *const required[] = { "m1", "m1max", "m2ultra", "i9-12900k",
                                            "epyc7r13-2s", "graviton3", "altra" };
    char err[1024], **names;
    int n = sim_topo_list(&names, err, sizeof(err));
    cr_assert_geq(n, 7, "%s", n < 0 ? err : "too few presets");
    for (size_t r = 0; r < sizeof(required) / sizeof(required[0]); r++) {
        bool found = false;
        for (int i = 0; i < n; i++)
            found |= strcmp(names[i], required[r]) == 0;
        cr_assert(found, "preset %s missing", required[r]);
    }
    for (int i = 0; i < n; i++) {
        struct ws_topo *t;
        cr_assert_eq(sim_topo_load(names[i], &t, err, sizeof(err)), 0, "%s", err);
        cr_assert_null(ws_topo_check(t), "%s", names[i]);
        cr_assert_str_eq(t->name, names[i], "a preset's name is its file name");
        cr_assert_geq(t->nsources, 1, "%s cites no source", names[i]);
        cr_assert_gt(t->ncache_specs, 0, "%s has no caches", names[i]);
        cr_assert_gt(t->kinds[WS_KIND_P].power_active_w, 0, "%s has no P power", names[i]);
        round_trip(t);
        ws_topo_destroy(t);
    }
    sim_topo_names_free(names, n);
}

Test(topo_presets, m1_published_latencies_and_caches)
{
    char err[512];
    struct ws_topo *t;
    cr_assert_eq(sim_topo_load("m1", &t, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(t->kinds[WS_KIND_P].ncores, 4);
    cr_assert_eq(t->kinds[WS_KIND_E].ncores, 4);
    uint32_t p = ws_cpuset_first(&t->kind_cores[WS_KIND_P]);
    uint32_t e = ws_cpuset_first(&t->kind_cores[WS_KIND_E]);
    cr_assert_eq(ws_topo_latency_ns(t, p, p + 1), 40);
    cr_assert_eq(ws_topo_latency_ns(t, e, e + 1), 53);
    cr_assert_eq(ws_topo_latency_ns(t, p, e), 145);
    cr_assert_eq(ws_topo_shared_cache(t, p, p + 1).size_bytes, 12u << 20);
    cr_assert_eq(ws_topo_shared_cache(t, e, e + 1).size_bytes, 4u << 20);
    cr_assert_eq(ws_topo_shared_cache(t, p, e).level, 3);
    cr_assert_lt(ws_topo_capacity(t, e), ws_topo_capacity(t, p));
    ws_topo_destroy(t);
}

Test(topo_presets, epyc_ccx_ccd_and_socket_latencies)
{
    char err[512];
    struct ws_topo *t;
    cr_assert_eq(sim_topo_load("epyc7r13-2s", &t, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(t->ncores, 192);
    cr_assert_eq(t->nsockets, 2);
    cr_assert_eq(ws_topo_dist_class(t, 0, 1), WS_DIST_SMT);
    cr_assert_eq(ws_topo_latency_ns(t, 0, 2), 23);
    cr_assert_eq(ws_topo_latency_ns(t, 0, 16), 107);
    cr_assert_eq(ws_topo_latency_ns(t, 0, 191), 197);
    cr_assert_eq(ws_topo_shared_cache(t, 0, 15).size_bytes, 32u << 20);
    cr_assert_eq(ws_topo_node_distance(t, 0, 1), 32);
    ws_topo_destroy(t);
}

Test(topo_presets, synth_and_detect_round_trip)
{
    struct ws_topo *t;
    struct ws_topo_error e;
    cr_assert_eq(ws_topo_synth("sockets=2,nodes=4,clusters=8,p=8,e=8,smt=2", &t, &e), WS_OK);
    round_trip(t);
    ws_topo_destroy(t);
}

/* ---- host detection --------------------------------------------------------------------------- */

Test(topo_detect, this_host)
{
    struct ws_topo *t;
    struct ws_topo_error e;
    cr_assert_eq(ws_topo_detect(&t, &e), WS_OK, "%s: %s", e.field, e.message);
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    cr_assert_geq(t->ncores, 1);
    cr_assert_leq((long)t->ncores, online);
    cr_assert_null(ws_topo_check(t));
    for (uint32_t c = 0; c < t->ncores; c++)
        cr_assert_geq(t->cores[c].os_id, 0);
    round_trip(t);
    ws_topo_destroy(t);
}

Test(topo_detect, hwloc_synthetic_machine_with_smt_numa_and_shared_l3)
{
    setenv("HWLOC_SYNTHETIC", "pack:2 [numa] l3:2 l2:4 core:1 pu:2", 1);
    struct ws_topo *t;
    struct ws_topo_error e;
    cr_assert_eq(ws_topo_detect(&t, &e), WS_OK, "%s: %s", e.field, e.message);
    cr_assert_eq(t->ncores, 32);
    cr_assert_eq(t->nnodes, 2);
    cr_assert_eq(t->nsockets, 2);
    cr_assert_eq(t->nclusters, 4, "one cluster per L3");
    cr_assert_eq(ws_topo_dist_class(t, 0, 1), WS_DIST_SMT);
    cr_assert_eq(ws_topo_dist_class(t, 0, 2), WS_DIST_CLUSTER);
    cr_assert_eq(ws_topo_dist_class(t, 0, 8), WS_DIST_NODE);
    cr_assert_eq(ws_topo_dist_class(t, 0, 16), WS_DIST_REMOTE);
    cr_assert_eq(ws_topo_shared_cache(t, 0, 1).level, 2);
    cr_assert_eq(ws_topo_shared_cache(t, 0, 2).level, 3);
    cr_assert_eq(t->ncache_specs, 2, "uniform levels give one spec each");
    cr_assert_eq(t->cache_specs[0].share, WS_SHARE_CORE);
    cr_assert_eq(t->cache_specs[1].share, WS_SHARE_CLUSTER);
    cr_assert_null(ws_topo_check(t));
    ws_topo_destroy(t);
}

/* Export an hwloc-synthetic machine to XML, add CPU kinds, and detect from that file. */
Test(topo_detect, cpu_kinds_become_p_and_e_clusters)
{
    hwloc_topology_t h;
    char *xml;
    int len;
    cr_assert_eq(hwloc_topology_init(&h), 0);
    cr_assert_eq(hwloc_topology_set_synthetic(h, "pack:1 [numa] l3:1 l2:4 core:2 pu:1"), 0);
    cr_assert_eq(hwloc_topology_load(h), 0);
    hwloc_bitmap_t e_cores = hwloc_bitmap_alloc(), p_cores = hwloc_bitmap_alloc();
    hwloc_bitmap_set_range(p_cores, 0, 3);
    hwloc_bitmap_set_range(e_cores, 4, 7);
    struct hwloc_info_s atom = { (char *)"CoreType", (char *)"IntelAtom" };
    struct hwloc_info_s core = { (char *)"CoreType", (char *)"IntelCore" };
    cr_assert_eq(hwloc_cpukinds_register(h, e_cores, 0, 1, &atom, 0), 0);
    cr_assert_eq(hwloc_cpukinds_register(h, p_cores, 1, 1, &core, 0), 0);
    cr_assert_eq(hwloc_topology_export_xmlbuffer(h, &xml, &len, 0), 0);
    char path[] = "/tmp/schedlab-hwloc-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_eq(write(fd, xml, (size_t)len - 1), len - 1);
    close(fd);
    hwloc_free_xmlbuffer(h, xml);
    hwloc_bitmap_free(e_cores);
    hwloc_bitmap_free(p_cores);
    hwloc_topology_destroy(h);
    setenv("HWLOC_XMLFILE", path, 1);
    struct ws_topo *t;
    struct ws_topo_error err;
    ws_status st = ws_topo_detect(&t, &err);
    unlink(path);
    cr_assert_eq(st, WS_OK, "%s: %s", err.field, err.message);
    cr_assert_eq(t->kinds[WS_KIND_P].ncores, 4);
    cr_assert_eq(t->kinds[WS_KIND_E].ncores, 4);
    cr_assert_eq(ws_topo_core_kind(t, 0), WS_KIND_P);
    cr_assert_eq(ws_topo_core_kind(t, 7), WS_KIND_E);
    cr_assert_eq(t->nclusters, 4, "one cluster per shared L2, split by kind");
    cr_assert_eq(ws_topo_dist_class(t, 4, 5), WS_DIST_CLUSTER);
    cr_assert_eq(ws_topo_dist_class(t, 0, 4), WS_DIST_NODE);
    cr_assert_lt(ws_topo_capacity(t, 7), ws_topo_capacity(t, 0));
    cr_assert_null(ws_topo_check(t));
    ws_topo_destroy(t);
}
