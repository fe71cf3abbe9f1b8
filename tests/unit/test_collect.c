/* test_collect.c: the utilisation timeseries adds up: per core, busy fraction times interval
 * width summed over the intervals is the core's busy time, whether the interval is fixed or
 * doubles as the run grows, and whether busy segments follow one another (spawns, runs, sends)
 * or are cut by preemption, migration costs and idle gaps (sim_collect.c merges back-to-back
 * segments before adding them to the buckets). */
#include "core/ws_topo.h"
#include "sim/engine/sim_engine.h"
#include "sim/engine/sim_topo.h"
#include "sim/trace/import/sim_import.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Replay trace on topo (strategy random) with the given timeseries interval (0: automatic,
 * doubling) and time slice (0: the default) and check every core's timeseries against its
 * busy time. */
static void check_sums(const char *trace, const char *topo, uint64_t interval, uint64_t slice)
{
    char err[512] = "";
    struct ws_params p;
    ws_params_defaults(&p);
    p.sample_interval_ns = interval;
    if (slice > 0)
        p.time_slice_ns = slice;
    struct ws_topo *t = NULL;
    cr_assert_eq(sim_topo_load(topo, &t, err, sizeof err), 0, "%s", err);
    struct sim_trace *tr = sim_trace_open(trace, NULL, err, sizeof err);
    cr_assert_not_null(tr, "%s", err);
    struct sim_engine_opts o = { .topo = t, .params = &p, .strategy = "random", .seed = 3 };
    struct sim_engine *e = sim_engine_create(tr, &o, err, sizeof err);
    cr_assert_not_null(e, "%s", err);
    cr_assert_eq(sim_engine_run(e, NULL, err, sizeof err), 0, "%s: %s", trace, err);
    const struct sim_run_metrics *m = sim_engine_metrics(e);
    uint64_t w = m->run.timeseries_interval_ns, busy_all = 0;
    size_t nb = m->ntimeseries / m->ncores;
    cr_assert_gt(nb, 1, "%s: more than one interval", trace);
    for (uint32_t c = 0; c < m->ncores; c++) {
        double sum = 0;
        for (size_t i = 0; i < nb; i++) {
            const struct sim_ts_sample *s = &m->timeseries[(size_t)c * nb + i];
            cr_assert_eq(s->core, c);
            sum += s->utilization * (double)(s->t_ns - i * w);
        }
        double busy = (double)m->cores[c].busy_ns;
        busy_all += m->cores[c].busy_ns;
        cr_assert(fabs(sum - busy) <= 1e-6 * busy + 1e-6, "%s on %s, core %u: timeseries "
                  "adds up to %.3f ns busy, the core was busy %.0f ns", trace, topo, c, sum, busy);
    }
    cr_assert_gt(busy_all, 0);
    sim_engine_destroy(e);
    sim_trace_close(tr);
    ws_topo_destroy(t);
}

Test(collect, timeseries_adds_up_to_busy_time_with_a_fixed_interval)
{
    check_sums("fib:12", "m1", 700, 0);
    check_sums("fib:10,work=900", "i9-12900k", 333, 250);
}

Test(collect, timeseries_adds_up_to_busy_time_as_the_interval_doubles)
{
    check_sums("fib:14", "epyc7r13-2s", 0, 0);   /* NUMA: migration costs cut segments */
    check_sums("nqueens:7", "synth:p=64", 0, 0);
    check_sums("uts:t=1,a=3,d=6,b=4,r=19", "m1", 0, 400);
}
