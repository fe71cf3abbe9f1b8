/* test_trace_gen.c: the generators: exact process counts (fib, nqueens solutions), determinism
 * and independence from the order children are asked for, spec errors, bounded memory, and the
 * write -> read round trip through a JSON Lines file. */
#include "sim/trace/import/sim_import.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct sim_trace *open_ok(const char *spec)
{
    char err[1024];
    struct sim_trace *t = sim_trace_open(spec, NULL, err, sizeof err);
    cr_assert_not_null(t, "open %s: %s", spec, err);
    return t;
}

static struct sim_trace_stats walk(const char *spec)
{
    struct sim_trace_stats st;
    struct sim_trace *t = open_ok(spec);
    cr_assert_eq(sim_trace_walk(t, &st, NULL, NULL), SIM_TRACE_OK, "%s: %s", spec,
                 sim_trace_error(t));
    sim_trace_close(t);
    return st;
}

Test(gen_fib, process_count_and_result)
{
    uint64_t f[32] = { 0, 1 };
    for (int i = 2; i < 32; i++)
        f[i] = f[i - 1] + f[i - 2];
    for (int n = 0; n <= 22; n += (n < 5 ? 1 : 4)) {
        char spec[32];
        snprintf(spec, sizeof spec, "fib:%d", n);
        struct sim_trace_stats st = walk(spec);
        cr_assert_eq(st.processes, 2 * f[n + 1] - 1, "fib:%d: %llu processes", n,
                     (unsigned long long)st.processes);
        cr_assert_eq(st.tally, f[n], "fib:%d result", n);
        cr_assert_eq(st.phases[SIM_PHASE_SEND], st.processes - 1);
        cr_assert_eq(st.phases[SIM_PHASE_RECV], st.processes - 1);
        cr_assert_eq(st.stuck, 0);
        cr_assert_eq(st.unreceived, 0);
        cr_assert(st.peak_live <= (uint64_t)n + 1, "fib:%d holds %llu records", n,
                  (unsigned long long)st.peak_live);
        /* Critical path: a chain of n runs down and back up (n >= 1). */
        cr_assert_eq(st.critical_path_ns, 1000u * (n > 0 ? (uint64_t)n : 1));
    }
}

Test(gen_nqueens, solution_counts)
{
    static const uint64_t solutions[] = { 1, 0, 0, 2, 10, 4, 40, 92, 352, 724 };
    for (int n = 1; n <= 10; n++) {
        char spec[32];
        snprintf(spec, sizeof spec, "nqueens:%d", n);
        struct sim_trace_stats st = walk(spec);
        cr_assert_eq(st.tally, solutions[n - 1], "nqueens:%d: %llu solutions", n,
                     (unsigned long long)st.tally);
        cr_assert_eq(st.max_depth, solutions[n - 1] ? (uint32_t)n : st.max_depth);
        cr_assert_eq(st.stuck, 0);
    }
}

/* ---- determinism ---------------------------------------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
    return h;
}

static uint64_t rec_hash(const struct sim_trace_rec *r)
{
    uint64_t h = mix(mix(mix(mix(r->id, r->parent), r->spawn_ns), r->ws_bytes), r->prio);
    h = mix(mix(mix(h, r->aff_kind), (uint64_t)(int64_t)r->aff_preferred), r->depth);
    for (uint32_t i = 0; i < r->aff_ncores; i++)
        h = mix(h, r->aff_cores[i]);
    for (uint32_t i = 0; i < r->nphases; i++)
        h = mix(mix(h, r->phases[i].kind), r->phases[i].arg);
    return h;
}

/* Every record of the trace, children asked for in reverse (last spawn first) and breadth
 * first, the opposite of sim_trace_walk's order; returns the sum of record hashes. */
static uint64_t hash_reverse_bfs(const char *spec, uint64_t *count)
{
    struct sim_trace *t = open_ok(spec);
    size_t cap = 1 << 16, head = 0, tail = 0;
    struct sim_trace_rec **q = malloc(cap * sizeof *q), *r;
    uint64_t sum = 0;
    *count = 0;
    while (sim_trace_next_root(t, &r) == SIM_TRACE_OK) {
        q[tail++] = r;
        while (head < tail) {
            struct sim_trace_rec *p = q[head++];
            sum += rec_hash(p);
            ++*count;
            for (uint32_t i = p->nphases; i-- > 0;) {
                if (p->phases[i].kind != SIM_PHASE_SPAWN)
                    continue;
                struct sim_trace_rec *c;
                cr_assert_eq(sim_trace_child(t, p, p->phases[i].arg, &c), SIM_TRACE_OK, "%s",
                             sim_trace_error(t));
                cr_assert_lt(tail, cap);
                q[tail++] = c;
            }
            sim_trace_release(t, p);
        }
        head = tail = 0;
    }
    free(q);
    cr_assert_str_eq(sim_trace_error(t), "");
    sim_trace_close(t);
    return sum;
}

static int hash_visit(void *ctx, const struct sim_trace_rec *rec,
                      const struct sim_trace_rec *parent)
{
    (void)parent;
    *(uint64_t *)ctx += rec_hash(rec);
    return 0;
}

static uint64_t hash_walk(const char *spec)
{
    uint64_t sum = 0;
    struct sim_trace_stats st;
    struct sim_trace *t = open_ok(spec);
    cr_assert_eq(sim_trace_walk(t, &st, hash_visit, &sum), SIM_TRACE_OK);
    sim_trace_close(t);
    return sum;
}

static const char *const order_free[] = {
    "fib:12", "nqueens:7", "ring:procs=50,rounds=3,tokens=4", "server:clients=20,requests=4",
    "bursty:bursts=3,size=20,fanout=3", "skewed:procs=300,spawners=4", "mixed:procs=200",
    "affinity:procs=200,cores=16,set=3",
};

Test(gen_determinism, same_spec_same_records_in_any_order)
{
    for (size_t i = 0; i < sizeof order_free / sizeof order_free[0]; i++) {
        uint64_t n, a = hash_walk(order_free[i]), b = hash_walk(order_free[i]);
        cr_assert_eq(a, b, "%s differs between two walks", order_free[i]);
        cr_assert_eq(hash_reverse_bfs(order_free[i], &n), a,
                     "%s: records depend on the order children are asked for", order_free[i]);
    }
}

/* Released records are reused (sim_gen.c pools them by size): the second child, made in the
 * memory of the first after the consumer scribbled over it, equals the same child made by a
 * fresh source and carries nothing of the first. */
Test(gen_determinism, reused_records_are_fresh)
{
    static const char *const specs[] = { "fib:6", "nqueens:8" };
    for (size_t s = 0; s < 2; s++) {
        struct sim_trace *a = open_ok(specs[s]), *b = open_ok(specs[s]);
        struct sim_trace_rec *ra, *rb, *first, *want, *got;
        cr_assert_eq(sim_trace_next_root(a, &ra), SIM_TRACE_OK);
        cr_assert_eq(sim_trace_next_root(b, &rb), SIM_TRACE_OK);
        cr_assert_eq(sim_trace_child(b, rb, rb->phases[0].arg, &first), SIM_TRACE_OK);
        first->user = first;
        first->prio = 3;
        first->line = 77;
        sim_trace_release(b, first);
        cr_assert_eq(sim_trace_child(b, rb, rb->phases[1].arg, &got), SIM_TRACE_OK);
        cr_assert_eq(sim_trace_child(a, ra, ra->phases[1].arg, &want), SIM_TRACE_OK);
        cr_assert_null(got->user, "%s: a reused record keeps the consumer's pointer", specs[s]);
        cr_assert_eq(got->prio, want->prio);
        cr_assert_eq(got->line, 0);
        cr_assert_eq(got->id, want->id);
        cr_assert_eq(got->parent, want->parent);
        cr_assert_eq(got->nphases, want->nphases);
        cr_assert_eq(got->aff_kind, want->aff_kind);
        cr_assert_eq(got->aff_preferred, -1);
        cr_assert_eq(memcmp(got->phases, want->phases, want->nphases * sizeof *want->phases), 0);
        cr_assert_eq(memcmp(got->gen, want->gen, sizeof want->gen), 0);
        sim_trace_release(b, got);
        sim_trace_release(a, want);
        sim_trace_release(a, ra);
        sim_trace_release(b, rb);
        sim_trace_close(a);
        sim_trace_close(b);
    }
}

Test(gen_determinism, seed_changes_random_generators)
{
    cr_assert_neq(hash_walk("mixed:procs=50,seed=1"), hash_walk("mixed:procs=50,seed=2"));
    cr_assert_neq(hash_walk("affinity:procs=50,seed=1"), hash_walk("affinity:procs=50,seed=2"));
    cr_assert_neq(hash_walk("bursty:bursts=2,size=9"), hash_walk("bursty:bursts=2,size=9,seed=7"));
}

Test(gen_shapes, beam_workloads)
{
    struct sim_trace_stats st = walk("ring:procs=100,rounds=10");
    cr_assert_eq(st.processes, 100);
    cr_assert_eq(st.phases[SIM_PHASE_SEND], 1000);
    cr_assert_eq(st.critical_path_ns, 1000u * 1000, "one token: every hop in sequence");
    st = walk("ring:procs=100,rounds=10,tokens=4");
    cr_assert_lt(st.critical_path_ns, 1000u * 1000);
    cr_assert_eq(st.stuck, 0);
    st = walk("server:clients=30,requests=5,servers=3");
    cr_assert_eq(st.processes, 34);
    cr_assert_eq(st.phases[SIM_PHASE_SEND], 2 * 30 * 5);
    cr_assert_eq(st.stuck + st.unreceived, 0);
    st = walk("skewed:procs=1000,spawners=5,hot=0.8");
    cr_assert_eq(st.processes, 1006);
    cr_assert_eq(st.max_depth, 2);
    st = walk("mixed:procs=2000,prio=1/1/1/1");
    for (int p = 0; p < SIM_PRIO_COUNT; p++)
        cr_assert(st.prio[p] > 400 && st.prio[p] < 600, "prio %d: %llu", p,
                  (unsigned long long)st.prio[p]);
    st = walk("affinity:procs=1000,strict=0.5,preferred=0.3");
    cr_assert(st.aff[SIM_AFF_STRICT] > 420 && st.aff[SIM_AFF_STRICT] < 580);
    cr_assert(st.aff[SIM_AFF_PREFERRED] > 230 && st.aff[SIM_AFF_PREFERRED] < 370);
    st = walk("bursty:bursts=4,size=25,fanout=2");
    cr_assert_eq(st.roots, 100);
    cr_assert_eq(st.processes, 300);
}

Test(gen_shapes, affinity_sets_are_valid)
{
    struct sim_trace *t = open_ok("affinity:procs=300,cores=12,set=4,strict=0.4,preferred=0.6");
    struct sim_trace_rec *root, *c;
    cr_assert_eq(sim_trace_next_root(t, &root), SIM_TRACE_OK);
    for (uint32_t i = 0; i < root->nphases; i++) {
        cr_assert_eq(sim_trace_child(t, root, root->phases[i].arg, &c), SIM_TRACE_OK);
        cr_assert_neq(c->aff_kind, SIM_AFF_NONE);
        cr_assert_eq(c->aff_ncores, 4);
        bool pref = c->aff_preferred < 0;
        for (uint32_t k = 0; k < 4; k++) {
            cr_assert_lt(c->aff_cores[k], 12);
            cr_assert(k == 0 || c->aff_cores[k] > c->aff_cores[k - 1]);
            pref |= (int32_t)c->aff_cores[k] == c->aff_preferred;
        }
        cr_assert(pref);
        cr_assert_eq(c->aff_preferred >= 0, c->aff_kind == SIM_AFF_PREFERRED);
        sim_trace_release(t, c);
    }
    sim_trace_release(t, root);
    sim_trace_close(t);
}

Test(gen_spec, errors_name_the_parameter)
{
    static const struct { const char *spec, *want; } bad[] = {
        { "fib:", "n: missing" },
        { "fib:x", "n: expected an integer" },
        { "fib:76", "n: expected an integer from 0 to 75" },
        { "fib:10,foo=3", "foo: unknown parameter (fib takes n, work, ws)" },
        { "fib:10,n=11", "n: given twice" },
        { "nqueens:18", "n: expected" },
        { "uts:T9", "unknown UTS parameter set 'T9'" },
        { "uts:t=5", "t: expected" },
        { "ring:procs=4,tokens=5", "tokens: more tokens than procs" },
        { "server:clients=2,servers=3", "servers: more servers than clients" },
        { "mixed:prio=1/2/3", "prio: expected four weights" },
        { "affinity:set=9", "set: more cores per set than cores" },
        { "skewed:hot=1.5", "hot: expected a number" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[1024];
        struct sim_trace *t = sim_trace_open(bad[i].spec, NULL, err, sizeof err);
        cr_assert_null(t, "%s opened", bad[i].spec);
        cr_assert(strstr(err, bad[i].want) != NULL, "%s: '%s' lacks '%s'", bad[i].spec, err,
                  bad[i].want);
    }
}

/* ---- round trip ------------------------------------------------------------------------------ */

static int write_visit(void *ctx, const struct sim_trace_rec *rec,
                       const struct sim_trace_rec *parent)
{
    return sim_trace_write_rec(ctx, rec, parent);
}

Test(gen_roundtrip, file_has_the_same_trace)
{
    static const char *const specs[] = {
        "fib:9", "nqueens:5", "uts:default", "server:clients=7,requests=3,servers=2",
        "bursty:bursts=2,size=5,fanout=1", "affinity:procs=40", "mixed:procs=30",
    };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        char path[] = "/tmp/test_gen_XXXXXX";
        int fd = mkstemp(path);
        FILE *f = fdopen(fd, "w");
        struct sim_trace *t = open_ok(specs[i]);
        struct sim_trace_stats a, b;
        cr_assert_eq(sim_trace_write_header(f, sim_trace_info(t)), 0);
        cr_assert_eq(sim_trace_walk(t, &a, write_visit, f), SIM_TRACE_OK);
        sim_trace_close(t);
        fclose(f);
        uint64_t ha = hash_walk(specs[i]), hb = hash_walk(path);
        t = open_ok(path);
        cr_assert_eq(sim_trace_walk(t, &b, NULL, NULL), SIM_TRACE_OK, "%s", sim_trace_error(t));
        sim_trace_close(t);
        unlink(path);
        cr_assert_eq(ha, hb, "%s: records differ after the round trip", specs[i]);
        a.tally = b.tally = 0;
        cr_assert_eq(memcmp(&a, &b, sizeof a), 0, "%s: stats differ after the round trip",
                     specs[i]);
    }
}
