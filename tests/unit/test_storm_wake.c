/* test_storm_wake.c: idle cores and the stealing rules over whole simulated runs: a core refused
 * by a full migration window looks again when the window ends (the engine's idle-core
 * invariant, checked after every event), steal_retries 0 turns stealing off, the default steal
 * cooldown changes runs, and P/E-aware stealing differs from `load` where kinds differ; and
 * host noise (noise_gap_ns, noise_ns), which takes cores away from their work and their steals. */
#include "core/ws_topo.h"
#include "sim/engine/sim_engine.h"
#include "sim/engine/sim_topo.h"
#include "sim/trace/import/sim_import.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* What a replay gives back: its summary, and its cores' busy, steal and noise time summed. */
struct ran {
    struct sim_run_summary s;
    uint64_t busy_ns, steal_ns, noise_ns, noise_steal_ns;
    uint64_t core_noise_ns[2];    /* cores 0 and 1: noise_ns + noise_steal_ns */
};

/* One replay of trace on topo with strategy, seed and the default parameters changed by `sets`
 * ("name=value" strings, NULL-terminated), with the engine's invariants checked after every
 * event. The run must succeed. */
static struct ran run_seed(const char *trace, const char *topo, const char *strategy,
                           const char *const *sets, uint64_t seed)
{
    char err[512] = "";
    struct ws_params p;
    ws_params_defaults(&p);
    for (; sets != NULL && *sets != NULL; sets++) {
        char name[64];
        const char *eq = strchr(*sets, '=');
        cr_assert_not_null(eq, "%s", *sets);
        snprintf(name, sizeof name, "%.*s", (int)(eq - *sets), *sets);
        cr_assert_eq(ws_params_set(&p, name, eq + 1, err, sizeof err), WS_OK, "%s", err);
    }
    struct ws_topo *t = NULL;
    cr_assert_eq(sim_topo_load(topo, &t, err, sizeof err), 0, "%s", err);
    struct sim_trace *tr = sim_trace_open(trace, NULL, err, sizeof err);
    cr_assert_not_null(tr, "%s", err);
    struct sim_engine_opts o = { .topo = t, .params = &p, .strategy = strategy, .seed = seed,
                                 .check_invariants = true };
    struct sim_engine *e = sim_engine_create(tr, &o, err, sizeof err);
    cr_assert_not_null(e, "%s", err);
    int rc = sim_engine_run(e, NULL, err, sizeof err);
    cr_assert_eq(rc, 0, "%s on %s (%s): %s", trace, topo, strategy, err);
    const struct sim_run_metrics *m = sim_engine_metrics(e);
    struct ran r = { .s = m->summary };
    for (uint32_t c = 0; c < m->ncores; c++) {
        r.busy_ns += m->cores[c].busy_ns;
        r.steal_ns += m->cores[c].steal_ns;
        r.noise_ns += m->cores[c].noise_ns + m->cores[c].noise_steal_ns;
        r.noise_steal_ns += m->cores[c].noise_steal_ns;
        if (c < 2)
            r.core_noise_ns[c] = m->cores[c].noise_ns + m->cores[c].noise_steal_ns;
        cr_assert_leq(m->cores[c].noise_ns, m->cores[c].busy_ns);
        cr_assert_leq(m->cores[c].noise_steal_ns, m->cores[c].steal_ns);
    }
    sim_engine_destroy(e);
    sim_trace_close(tr);
    ws_topo_destroy(t);
    return r;
}

static struct sim_run_summary run(const char *trace, const char *topo, const char *strategy,
                                  const char *const *sets)
{
    return run_seed(trace, topo, strategy, sets, 1).s;
}

static uint64_t migrations(const struct sim_run_summary *s)
{
    uint64_t n = 0;
    for (int i = 0; i < SIM_DIST_COUNT; i++)
        n += s->migrations[i];
    return n;
}

/* One hot spawner makes every process at the start, so nothing wakes a core the storm guard
 * refused but the end of the guard's window. Before cores looked again then, they slept for
 * the rest of the run (utilisation 0.15-0.37, 18-32 % of the steals of an unguarded run). */
Test(storm_wake, cores_refused_by_the_storm_guard_look_again_when_its_window_ends,
     .timeout = 300)
{
    static const char *const topos[] = { "m1", "synth:p=8", "m1max", "i9-12900k" };
    static const char *const unguarded[] = { "burst_max=0", NULL };
    for (size_t i = 0; i < sizeof topos / sizeof topos[0]; i++) {
        struct sim_run_summary g = run("skewed:procs=3000", topos[i], "random", NULL);
        struct sim_run_summary u = run("skewed:procs=3000", topos[i], "random", unguarded);
        cr_assert_eq(g.processes, u.processes);
        /* The guard was binding: it refused moves by rate at least once. */
        cr_assert_gt(g.steal_fail[SIM_STEAL_FAIL_RATE_LIMIT], 0, "%s", topos[i]);
        cr_assert_geq(migrations(&g) * 10, migrations(&u) * 8,
                      "%s: %llu migrations with the guard, %llu without", topos[i],
                      (unsigned long long)migrations(&g), (unsigned long long)migrations(&u));
        cr_assert_gt(g.utilization, 0.5, "%s: utilisation %.3f", topos[i], g.utilization);
    }
}

/* Rate windows that fill fast: one migration per core per window, and 2,000 per second in the
 * machine; the invariant holds on a fork-join workload too. */
Test(storm_wake, tight_rate_windows_keep_the_idle_core_invariant, .timeout = 120)
{
    static const char *const tight[] = { "burst_max=1", "burst_window_ns=20000",
                                         "system_migrations_per_s=2000", NULL };
    struct sim_run_summary s = run("fib:16", "m1", "load", tight);
    cr_assert_eq(s.processes, 2 * 1597 - 1);
    cr_assert_gt(s.steal_fail[SIM_STEAL_FAIL_RATE_LIMIT], 0);
}

/* steal_retries 0 turns stealing off, the last look before sleeping included: cores run only
 * what is placed on them. */
Test(steal_rules, steal_retries_0_steals_nothing, .timeout = 120)
{
    static const char *const none[] = { "steal_retries=0", NULL };
    struct sim_run_summary d = run("fib:16", "m1", "locality", NULL);
    struct sim_run_summary z = run("fib:16", "m1", "locality", none);
    cr_assert_gt(d.steals, 0);
    cr_assert_eq(z.steals, 0);
    cr_assert_eq(z.steal_attempts, 0);
    cr_assert_eq(migrations(&z), 0);
    cr_assert_eq(z.processes, d.processes);
    cr_assert_gt(z.makespan_ns, d.makespan_ns, "one core ran everything");
}

/* The default cooldown (4,000 ns, 10,000 cycles at 2.5 GHz) is long enough to refuse a thief
 * that comes back to the same victim on fork-join work: the run differs from one without. */
Test(steal_rules, default_cooldown_changes_a_fork_join_run, .timeout = 120)
{
    static const char *const off[] = { "steal_cooldown_ns=0", NULL };
    struct ws_params p;
    ws_params_defaults(&p);
    cr_assert_eq(p.steal_cooldown_ns, 4000);
    struct sim_run_summary d = run("nqueens:9", "m1", "locality", NULL);
    struct sim_run_summary z = run("nqueens:9", "m1", "locality", off);
    cr_assert_eq(z.steal_fail[SIM_STEAL_FAIL_COOLDOWN], 0);
    cr_assert_gt(d.steal_fail[SIM_STEAL_FAIL_COOLDOWN], 0);
    cr_assert_neq(d.steals, z.steals);
    cr_assert_neq(d.makespan_ns, z.makespan_ns);
}

/* pe differs from load where they pick different victims: fork-join spawns pile up on the
 * spawner's core, and pe's P-cores take E-cores' queues first (and its E-cores each other's)
 * where load takes the busiest. On one kind and one cluster both, and locality, are load. */
Test(steal_rules, pe_differs_from_load_on_fork_join_over_p_and_e_cores, .timeout = 120)
{
    struct sim_run_summary l = run("fib:20", "m1", "load", NULL);
    struct sim_run_summary pe = run("fib:20", "m1", "pe", NULL);
    cr_assert_eq(l.processes, pe.processes);
    cr_assert_neq(l.steals, pe.steals);
    cr_assert_neq(l.makespan_ns, pe.makespan_ns);
    struct sim_run_summary fl = run("fib:20", "synth:p=8", "load", NULL);
    static const char *const same[] = { "pe", "locality" };
    for (size_t i = 0; i < 2; i++) {
        struct sim_run_summary f = run("fib:20", "synth:p=8", same[i], NULL);
        cr_assert_eq(f.makespan_ns, fl.makespan_ns, "%s", same[i]);
        cr_assert_eq(f.steals, fl.steals, "%s", same[i]);
        cr_assert_eq(f.steal_attempts, fl.steal_attempts, "%s", same[i]);
    }
}

/* ---- host noise ------------------------------------------------------------------------------ */

/* On one core nothing else moves: every detour is time added to the core's busy and steal time,
 * exactly, and over many detours they take about noise_ns / (noise_gap_ns + noise_ns) of it. */
Test(noise, one_core_pays_every_detour_and_the_expected_share, .timeout = 120)
{
    static const char *const on[] = { "noise_gap_ns=20000", "noise_ns=2000", NULL };
    struct ran c = run_seed("fib:18", "synth:p=1", "random", NULL, 1);
    struct ran n = run_seed("fib:18", "synth:p=1", "random", on, 1);
    cr_assert_eq(c.noise_ns, 0);
    cr_assert_eq(n.s.processes, c.s.processes);
    cr_assert_gt(n.noise_ns, 0);
    cr_assert_eq(n.busy_ns + n.steal_ns, c.busy_ns + c.steal_ns + n.noise_ns,
                 "busy+steal %llu with noise %llu, %llu without",
                 (unsigned long long)(n.busy_ns + n.steal_ns), (unsigned long long)n.noise_ns,
                 (unsigned long long)(c.busy_ns + c.steal_ns));
    cr_assert_gt(n.s.makespan_ns, c.s.makespan_ns);
    double share = (double)n.noise_ns / (double)(n.busy_ns + n.steal_ns);
    cr_assert(share > 0.07 && share < 0.11, "noise share %.4f, want about 2000 / 22000", share);
}

/* Noise is off unless both terms of a kind (a core's own, machine-wide) are set, and then the
 * run is the one without it. */
Test(noise, off_by_default_and_with_either_term_zero, .timeout = 120)
{
    static const char *const gap[] = { "noise_gap_ns=5000", NULL };
    static const char *const len[] = { "noise_ns=500", NULL };
    static const char *const both[] = { "noise_gap_ns=5000", "noise_ns=500", NULL };
    static const char *const sgap[] = { "noise_shared_gap_ns=5000", NULL };
    static const char *const slen[] = { "noise_shared_ns=500", NULL };
    struct ran d = run_seed("fib:16", "synth:p=4", "random", NULL, 3);
    const char *const *half[] = { gap, len, sgap, slen };
    for (int i = 0; i < 4; i++) {
        struct ran h = run_seed("fib:16", "synth:p=4", "random", half[i], 3);
        cr_assert_eq(h.noise_ns, 0);
        cr_assert_eq(h.s.makespan_ns, d.s.makespan_ns);
        cr_assert_eq(h.s.steals, d.s.steals);
        cr_assert_eq(h.s.steal_attempts, d.s.steal_attempts);
    }
    struct ran b = run_seed("fib:16", "synth:p=4", "random", both, 3);
    cr_assert_gt(b.noise_ns, 0);
    cr_assert_neq(b.s.makespan_ns, d.s.makespan_ns);
}

/* With two cores the victim is always the other one: without noise every seed makes the same
 * run. Detours drawn per seed make the steal count vary, as natively. */
Test(noise, detours_make_steal_counts_vary_over_seeds, .timeout = 120)
{
    static const char *const on[] = { "noise_gap_ns=200000", "noise_ns=20000", NULL };
    uint64_t clean = 0, lo = UINT64_MAX, hi = 0;
    for (uint64_t seed = 1; seed <= 8; seed++) {
        struct ran c = run_seed("fib:20", "synth:p=2", "random", NULL, seed);
        struct ran n = run_seed("fib:20", "synth:p=2", "random", on, seed);
        if (seed == 1)
            clean = c.s.steals;
        cr_assert_eq(c.s.steals, clean, "seed %llu", (unsigned long long)seed);
        lo = n.s.steals < lo ? n.s.steals : lo;
        hi = n.s.steals > hi ? n.s.steals : hi;
    }
    cr_assert_lt(lo, hi, "with noise every seed made %llu steals", (unsigned long long)lo);
}

/* A run far longer than the gaps (one 10 ms process, never preempted) pays its detours when it
 * ends, before it exits: the first ones drawn, the rest as their expected total. Detours come
 * every noise_gap_ns of busy time on average, so about 10 ms x 10 / 110 of them fall within
 * the run; the makespan grows by just them (what falls while it pays comes after its exit). */
Test(noise, a_long_run_pays_its_detours_when_it_ends, .timeout = 120)
{
    static const char *const on[] = { "noise_gap_ns=100", "noise_ns=10", "no_preempt=1", NULL };
    static const char *const off[] = { "no_preempt=1", NULL };
    struct ran n = run_seed("fib:0,work=10000000", "synth:p=1", "random", on, 1);
    struct ran c = run_seed("fib:0,work=10000000", "synth:p=1", "random", off, 1);
    double want = 1e7 * 10.0 / 110.0;
    cr_assert(n.noise_ns > 0.95 * want && n.noise_ns < 1.05 * want, "noise %llu ns, want ~%.0f",
              (unsigned long long)n.noise_ns, want);
    cr_assert_eq(n.s.makespan_ns - c.s.makespan_ns, n.noise_ns,
                 "the makespan grew by %llu ns, with %llu ns of noise",
                 (unsigned long long)(n.s.makespan_ns - c.s.makespan_ns),
                 (unsigned long long)n.noise_ns);
}

/* A steal's barrier waits out the victim's detour (ws_platform.h barrier_wait): with the victim
 * in a detour half its time and detours of 20 us on average, a steal's thief pays about 10 us
 * beyond steal_hit_ns on average; without noise only its probes. */
Test(noise, a_steal_barrier_waits_out_the_victims_detour, .timeout = 120)
{
    static const char *const hit[] = { "steal_hit_ns=20000", NULL };
    static const char *const on[] = { "steal_hit_ns=20000", "noise_gap_ns=20000",
                                      "noise_ns=20000", NULL };
    struct ran c = run_seed("fib:20", "synth:p=2", "random", hit, 1);
    struct ran n = run_seed("fib:20", "synth:p=2", "random", on, 1);
    cr_assert_gt(c.s.steals, 0);
    cr_assert_gt(n.s.steals, 0);
    /* Barriers paid: the steals, and the pending ones that lost their race (a completion
     * cannot find its queue empty with top unmoved, and fib's work is never in an inbox). */
    double barriers_c = (double)(c.s.steals + c.s.steal_fail[SIM_STEAL_FAIL_LOST_RACE]);
    double barriers_n = (double)(n.s.steals + n.s.steal_fail[SIM_STEAL_FAIL_LOST_RACE]);
    double beyond_c = (double)c.steal_ns - 20000.0 * barriers_c;
    double beyond_n = (double)n.steal_ns - (double)n.noise_steal_ns - 20000.0 * barriers_n;
    cr_assert_lt(beyond_c, 2000.0 * (double)c.s.steal_attempts,
                 "without noise a thief pays its probes beyond the barriers: %.0f ns", beyond_c);
    cr_assert_gt(beyond_n, 4000.0 * barriers_n,
                 "%.0f barriers waited %.0f ns beyond their cost in all", barriers_n, beyond_n);
}

/* Machine-wide detours (noise_shared_gap_ns, noise_shared_ns) come at the same time with the
 * same length on every core: two cores each busy with one 5 ms process of their own (strict
 * affinity, cut in time slices) pay exactly the same detours, where detours of each core's own
 * at the same rate and length differ from core to core. Either way the makespan grows. */
Test(noise, machine_wide_detours_hit_every_busy_core_alike, .timeout = 120)
{
    char path[128];
    snprintf(path, sizeof path, "/tmp/schedlab-noise-%d.jsonl", (int)getpid());
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("{\"format\":\"schedlab-trace\",\"version\":1,\"time_unit\":\"us\"}\n"
          "{\"id\":0,\"spawn\":0,\"affinity\":{\"kind\":\"strict\",\"cores\":[0]},"
          "\"phases\":[[\"run\",5000]]}\n"
          "{\"id\":1,\"spawn\":0,\"affinity\":{\"kind\":\"strict\",\"cores\":[1]},"
          "\"phases\":[[\"run\",5000]]}\n", f);
    fclose(f);
    static const char *const shared[] = { "noise_shared_gap_ns=200000",
                                          "noise_shared_ns=20000", NULL };
    static const char *const own[] = { "noise_gap_ns=200000", "noise_ns=20000", NULL };
    struct ran c = run_seed(path, "synth:p=2", "random", NULL, 1);
    for (uint64_t seed = 1; seed <= 4; seed++) {
        struct ran m = run_seed(path, "synth:p=2", "random", shared, seed);
        struct ran o = run_seed(path, "synth:p=2", "random", own, seed);
        cr_assert_gt(m.core_noise_ns[0], 0, "seed %llu", (unsigned long long)seed);
        cr_assert_eq(m.core_noise_ns[0], m.core_noise_ns[1], "seed %llu: %llu and %llu ns",
                     (unsigned long long)seed, (unsigned long long)m.core_noise_ns[0],
                     (unsigned long long)m.core_noise_ns[1]);
        cr_assert_neq(o.core_noise_ns[0], o.core_noise_ns[1], "seed %llu: own detours alike",
                      (unsigned long long)seed);
        cr_assert_gt(m.s.makespan_ns, c.s.makespan_ns);
        cr_assert_gt(o.s.makespan_ns, c.s.makespan_ns);
    }
    unlink(path);
}
