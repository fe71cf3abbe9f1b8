/* test_balance_run.c: the periodic balancer driven end to end, in whole replays (sim_run_replay)
 * and native runs (nat_run) of a skewed workload, where one hot spawner makes most processes:
 * with the balancer the run differs from the run without it, and its moves are counted apart
 * (balance_moves; a pull is also a migration, never a steal). The strategy `beam` runs its own
 * balancer, in replay and natively. */
#include "native/nat_run.h"
#include "sim/run/sim_run.h"

#include <criterion/criterion.h>
#include <string.h>

#define SKEWED "skewed:procs=3000"

static uint64_t migrations(const struct sim_run_summary *s)
{
    uint64_t n = 0;
    for (int d = 0; d < SIM_DIST_COUNT; d++)
        n += s->migrations[d];
    return n;
}

/* A replay of SKEWED on synth:p=8 without a database; its summary in *out. */
static void replay(const char *strategy, uint64_t interval_ns, uint64_t slice_ns,
                   struct sim_run_summary *out)
{
    struct sim_run_opts o = { .trace = SKEWED, .topology = "synth:p=8", .strategy = strategy,
                              .seed = 1, .db_path = NULL };
    ws_params_defaults(&o.params);
    o.params.balance_interval_ns = interval_ns;
    if (slice_ns != 0)
        o.params.time_slice_ns = slice_ns;
    struct sim_run_result r;
    char err[512];
    cr_assert_eq(sim_run_replay(&o, &r, err, sizeof err), 0, "%s: %s", strategy, err);
    *out = r.summary;
}

Test(balance_run, replay_with_the_balancer_differs_and_counts_its_moves)
{
    struct sim_run_summary off, on;
    replay("ring", 0, 0, &off);
    replay("ring", 100000, 0, &on);
    cr_assert_eq(off.processes, on.processes);
    cr_assert_eq(off.balance_moves, 0, "no balancer, no balance moves");
    cr_assert_eq(migrations(&off), off.steals, "without it every migration is a steal");
    cr_assert_gt(on.balance_moves, 0, "the balancer moved processes");
    cr_assert_gt(migrations(&on), on.steals, "its pulls are migrations that are not steals");
    cr_assert_neq(on.makespan_ns, off.makespan_ns, "the run differs");
}

Test(balance_run, replay_with_beam_runs_its_own_balancer)
{
    /* A 1 us time slice puts beam's period of 1000 slices at 1 ms, inside the ~8 ms run. */
    struct sim_run_summary ring, beam;
    replay("ring", 0, 1000, &ring);
    replay("beam", 0, 1000, &beam);
    cr_assert_eq(ring.balance_moves, 0);
    cr_assert_gt(beam.balance_moves, 0, "beam balances with balance_interval_ns left at 0");
    cr_assert_eq(ring.processes, beam.processes);
}

/* A native run of SKEWED on 2 workers; its summary in *out. */
static void native(const char *strategy, uint64_t interval_ns, struct sim_run_summary *out)
{
    struct nat_run_opts o;
    nat_run_defaults(&o);
    o.workload = SKEWED;
    o.threads = 2;
    o.strategy = strategy;
    o.scale = 0.05;
    o.params.balance_interval_ns = interval_ns;
    struct nat_run_result r;
    char err[512];
    cr_assert_eq(nat_run(&o, &r, err, sizeof err), 0, "%s: %s", strategy, err);
    *out = r.summary;
}

/* A native run with the balancer on that moved something: whether a pass finds an imbalance
 * depends on how the threads were scheduled, so up to 3 runs (one in about 30 moved nothing
 * under CI's load). */
static void native_moving(const char *strategy, struct sim_run_summary *out)
{
    for (int i = 0; i < 3; i++) {
        native(strategy, 20000, out);
        if (out->balance_moves > 0)
            return;
    }
}

Test(balance_run, native_with_the_balancer_counts_its_moves)
{
    struct sim_run_summary off, on, beam;
    native("ring", 0, &off);
    native_moving("ring", &on);
    native_moving("beam", &beam);
    cr_assert_eq(off.processes, on.processes);
    cr_assert_eq(off.balance_moves, 0, "no balancer, no balance moves");
    cr_assert_gt(on.balance_moves, 0, "every 20 us for the whole run: the balancer moved some");
    cr_assert_gt(beam.balance_moves, 0);
    cr_assert_eq(beam.processes, off.processes);
}
