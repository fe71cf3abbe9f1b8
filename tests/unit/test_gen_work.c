/* test_gen_work.c: fractional work= of the fork-join and UTS generators (sim_gen.h): an integral
 * work= gives the same traces as before (pinned checksums), a fraction gives whole-ns RUN phases
 * of whole or whole + 1 whose total is N work (exact to 1 ns on densely numbered ids, a fixed
 * fair draw per process on nqueens's sparse ones), records independent of the order children are
 * asked for, the canonical spec printing a whole number as before, and bad values named. */
#include "sim/trace/import/sim_import.h"
#include "sim/trace/sim_gen.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct sim_trace *open_ok(const char *spec)
{
    char err[1024];
    struct sim_trace *t = sim_trace_open(spec, NULL, err, sizeof err);
    cr_assert_not_null(t, "open %s: %s", spec, err);
    return t;
}

/* ---- the dithering itself ------------------------------------------------------------------ */

Test(gen_work, integral_work_is_whole_for_every_id)
{
    static const double ws[] = { 0, 1, 7, 1000, 1e15 };
    static const uint64_t ids[] = { 0, 1, 2, 3, 1000, 123456789, (1ULL << 53) - 1, UINT64_MAX };
    for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) {
        struct sim_gen_work w = sim_gen_work_of(ws[i]);
        cr_assert_eq(w.frac, 0, "work %g has a fraction", ws[i]);
        for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++)
            cr_assert_eq(sim_gen_work_ns(w, ids[k]), (uint64_t)ws[i]);
    }
}

/* Over ids first..first+n-1 the extras telescope to floor((first+n) f + 1/2) - floor(first f +
 * 1/2), each 0 or 1, whatever the ids' size (fixed point, no float rounding of large ids): from
 * id 0, n f to the nearest ns. */
Test(gen_work, fraction_sums_exactly_over_dense_ids)
{
    static const double ws[] = { 0.5, 2.5, 0.7, 10.48, 9.123, 0.001, 0.999, 1234.875 };
    static const uint64_t firsts[] = { 0, 1, 1000003, (1ULL << 53) - 5000 };
    for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) {
        struct sim_gen_work w = sim_gen_work_of(ws[i]);
        double frac = ws[i] - floor(ws[i]);
        cr_assert_eq(w.whole, (uint64_t)floor(ws[i]));
        for (size_t f = 0; f < sizeof firsts / sizeof firsts[0]; f++) {
            uint64_t n = 4000, sum = 0;
            for (uint64_t id = firsts[f]; id < firsts[f] + n; id++) {
                uint64_t ns = sim_gen_work_ns(w, id);
                cr_assert(ns == w.whole || ns == w.whole + 1, "work %g id %llu: %llu ns", ws[i],
                          (unsigned long long)id, (unsigned long long)ns);
                sum += ns - w.whole;
            }
            double slack = firsts[f] == 0 ? 0.5 + 1e-6 : 1.0;
            cr_assert(fabs((double)sum - (double)n * frac) <= slack, "work %g from id %llu: %llu "
                      "extra ns over %llu ids, want %.3f", ws[i], (unsigned long long)firsts[f],
                      (unsigned long long)sum, (unsigned long long)n, (double)n * frac);
        }
    }
}

/* ---- the generators ------------------------------------------------------------------------ */

struct runs {
    uint64_t n, total, lo, hi;      /* processes, sum of RUN, smallest and largest RUN */
};

static int runs_visit(void *ctx, const struct sim_trace_rec *rec,
                      const struct sim_trace_rec *parent)
{
    struct runs *r = ctx;
    (void)parent;
    for (uint32_t i = 0; i < rec->nphases; i++) {
        if (rec->phases[i].kind != SIM_PHASE_RUN)
            continue;
        uint64_t ns = rec->phases[i].arg;
        r->lo = r->n == 0 || ns < r->lo ? ns : r->lo;
        r->hi = ns > r->hi ? ns : r->hi;
        r->total += ns;
        r->n++;
    }
    return 0;
}

static struct runs walk_runs(const char *spec)
{
    struct runs r = { 0 };
    struct sim_trace_stats st;
    struct sim_trace *t = open_ok(spec);
    cr_assert_eq(sim_trace_walk(t, &st, runs_visit, &r), SIM_TRACE_OK, "%s: %s", spec,
                 sim_trace_error(t));
    cr_assert_eq(r.n, st.processes, "%s: one RUN per process", spec);
    cr_assert_eq(r.total, st.total_work_ns);
    sim_trace_close(t);
    return r;
}

/* fib and uts number a whole walk's processes 0..N-1: the total is N work to the nearest ns.
 * nqueens draws per process (its ids are sparse): within 0.01 ns per process on average. */
Test(gen_work, fractional_totals)
{
    static const struct { const char *spec; double work, per_proc; } cases[] = {
        { "fib:10,work=2.5", 2.5, 0 },
        { "fib:20,work=0.7", 0.7, 0 },
        { "fib:18,work=10.483", 10.483, 0 },
        { "uts:T1,d=5,work=1.123", 1.123, 0 },
        { "uts:T3,b=200,work=0.25", 0.25, 0 },
        { "nqueens:8,work=3.3", 3.3, 0.01 },
        { "nqueens:10,work=9.7", 9.7, 0.01 },
        { "nqueens:10,work=0.25", 0.25, 0.01 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct runs r = walk_runs(cases[i].spec);
        double want = (double)r.n * cases[i].work;
        double whole = floor(cases[i].work);
        cr_assert(r.lo >= (uint64_t)whole && r.hi <= (uint64_t)whole + 1, "%s: RUN %llu..%llu",
                  cases[i].spec, (unsigned long long)r.lo, (unsigned long long)r.hi);
        cr_assert(r.lo < r.hi, "%s: no process got the extra ns", cases[i].spec);
        double slack = cases[i].per_proc > 0 ? cases[i].per_proc * (double)r.n : 0.5 + 1e-6;
        cr_assert(fabs((double)r.total - want) <= slack, "%s: %llu ns over %llu processes, want "
                  "%.2f +- %.2f", cases[i].spec, (unsigned long long)r.total,
                  (unsigned long long)r.n, want, slack);
    }
}

/* The RUN of process id is a function of the id: the (id, RUN) pairs of a depth-first walk and
 * of a reversed breadth-first one (last spawn first) are the same. */
static uint64_t pair_hash(const struct sim_trace_rec *rec)
{
    uint64_t h = 0;
    for (uint32_t i = 0; i < rec->nphases; i++)
        if (rec->phases[i].kind == SIM_PHASE_RUN)
            h += sim_gen_mix(rec->id * 0x100000001B3ULL ^ rec->phases[i].arg);
    return h;
}

static int pair_visit(void *ctx, const struct sim_trace_rec *rec,
                      const struct sim_trace_rec *parent)
{
    (void)parent;
    *(uint64_t *)ctx += pair_hash(rec);
    return 0;
}

static uint64_t pairs_reverse_bfs(const char *spec)
{
    struct sim_trace *t = open_ok(spec);
    size_t cap = 1 << 16, head = 0, tail = 0;
    struct sim_trace_rec **q = malloc(cap * sizeof *q), *r;
    uint64_t sum = 0;
    cr_assert_eq(sim_trace_next_root(t, &r), SIM_TRACE_OK);
    q[tail++] = r;
    while (head < tail) {
        struct sim_trace_rec *p = q[head++];
        sum += pair_hash(p);
        for (uint32_t i = p->nphases; i-- > 0;) {
            struct sim_trace_rec *c;
            if (p->phases[i].kind != SIM_PHASE_SPAWN)
                continue;
            cr_assert_eq(sim_trace_child(t, p, p->phases[i].arg, &c), SIM_TRACE_OK, "%s",
                         sim_trace_error(t));
            cr_assert_lt(tail, cap);
            q[tail++] = c;
        }
        sim_trace_release(t, p);
    }
    free(q);
    sim_trace_close(t);
    return sum;
}

Test(gen_work, run_depends_on_the_id_not_the_order)
{
    static const char *const specs[] = { "fib:12,work=2.5", "nqueens:7,work=3.3" };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        uint64_t a = 0;
        struct sim_trace_stats st;
        struct sim_trace *t = open_ok(specs[i]);
        cr_assert_eq(sim_trace_walk(t, &st, pair_visit, &a), SIM_TRACE_OK);
        sim_trace_close(t);
        cr_assert_eq(pairs_reverse_bfs(specs[i]), a, "%s: RUN depends on the asking order",
                     specs[i]);
    }
}

/* Integral work= keeps every trace byte for byte: checksums of the records as they were when
 * work= was an integer parameter. */
Test(gen_work, integral_traces_unchanged)
{
    static const struct { const char *spec, *sum; } pinned[] = {
        { "fib:14", "adb6e40d8280f2ff33edc47279ca6bff4eaad5c1" },
        { "fib:12,work=7", "1133e0e2b44bd626a7a9dcfa30d3c79b381776b3" },
        { "nqueens:7", "cfc81c8da77c80f3809088153f83facb0ba8a2b8" },
        { "uts:default", "053ccd58326b3e9e716ae5883966443165b8b884" },
        { "uts:T1,d=5,work=33", "060a38a82e3756b4bd792834b48674f1f8dd1239" },
    };
    for (size_t i = 0; i < sizeof pinned / sizeof pinned[0]; i++) {
        struct sim_trace *t = open_ok(pinned[i].spec);
        const char *sum = sim_trace_checksum(t);
        cr_assert_not_null(sum, "%s: %s", pinned[i].spec, sim_trace_error(t));
        cr_assert_str_eq(sum, pinned[i].sum, "%s: the trace changed", pinned[i].spec);
        sim_trace_close(t);
    }
}

Test(gen_work, canonical_spec)
{
    static const struct { const char *spec, *canonical; } cases[] = {
        { "fib:10", "fib:n=10,work=1000,ws=4096" },
        { "fib:10,work=1000.0", "fib:n=10,work=1000,ws=4096" },
        { "fib:10,work=1e3", "fib:n=10,work=1000,ws=4096" },
        { "fib:10,work=2.50", "fib:n=10,work=2.5,ws=4096" },
        { "nqueens:8,work=9.123", "nqueens:n=8,work=9.123,ws=4096" },
        { "uts:T1,work=0.125",
          "uts:t=1,a=3,d=10,b=4,r=19,q=0.234375,m=4,work=0.125,ws=4096" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sim_trace *t = open_ok(cases[i].spec);
        cr_assert_str_eq(sim_trace_info(t)->canonical, cases[i].canonical, "%s",
                         cases[i].spec);
        sim_trace_close(t);
    }
}

Test(gen_work, bad_values_name_the_field)
{
    static const char *const bad[] = { "fib:10,work=-1", "fib:10,work=abc", "fib:10,work=",
                                       "nqueens:8,work=2.5x", "uts:T1,work=nan",
                                       "fib:10,work=1e16", "fib:10,work=inf" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[1024], want[256];
        struct sim_trace *t = sim_trace_open(bad[i], NULL, err, sizeof err);
        cr_assert_null(t, "%s opened", bad[i]);
        snprintf(want, sizeof want, "%s: work: expected a number from 0 to ", bad[i]);
        cr_assert(strstr(err, want) != NULL, "%s: %s", bad[i], err);
    }
}
