/* cmd_native.c: `schedlab native WORKLOAD`: run a workload on worker threads bound to this
 * machine's cores as --binding and bind_order say, with the core/ scheduler making every
 * decision, check its answer, store the run (mode native) and print its summary with the keys
 * of `replay --json`. */
#include "native/nat_run.h"
#include "sim/cli/cli.h"
#include "sim/cli/commands.h"
#include "sim/run/sim_run.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static volatile int interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

static uint64_t migrations(const struct sim_run_summary *s)
{
    uint64_t m = 0;
    for (int d = 0; d < SIM_DIST_COUNT; d++)
        m += s->migrations[d];
    return m;
}

static void print_json(const struct nat_run_opts *o, const struct nat_run_result *r)
{
    const struct sim_run_summary *s = &r->summary;
    cJSON *j = sim_summary_json(o->workload, r->topology, o->strategy, o->seed, r->ncores, s,
                                r->wall_s, r->run_id);
    if (j == NULL)
        return;
    if (r->tally_name != NULL) {
        cJSON_AddNumberToObject(j, r->tally_name, (double)r->tally);
        cJSON_AddNumberToObject(j, "expected", (double)r->expected);
        cJSON_AddStringToObject(j, "check", "exact");
    }
    cJSON_AddNumberToObject(j, "threads", r->ncores);
    char label[1024];
    sim_params_label(&o->params, label, sizeof label);
    cJSON_AddStringToObject(j, "params", label);
    /* the binding in effect: bind order u unbinds any kind (ws_bind.h) */
    cJSON_AddStringToObject(j, "binding", nat_bind_name((enum nat_bind)ws_bind_effective(
                                              (enum ws_bind_kind)o->bind,
                                              (enum ws_bind_order)o->params.bind_order)));
    cJSON_AddStringToObject(j, "bind_order", ws_bind_order_names[o->params.bind_order]);
    cJSON_AddBoolToObject(j, "pinned", r->x.pinned);
    cJSON_AddNumberToObject(j, "pinned_workers", r->pinned_workers);
    cJSON_AddNumberToObject(j, "masked_workers", r->masked_workers);
    cJSON_AddNumberToObject(j, "ns_per_process",
                            s->processes ? (double)s->makespan_ns / (double)s->processes : 0);
    cJSON_AddNumberToObject(j, "cpu_ns_per_process",
                            s->processes ? (double)r->x.cpu_ns / (double)s->processes : 0);
    cJSON_AddNumberToObject(j, "spawns", (double)r->x.spawns);
    cJSON_AddNumberToObject(j, "affinity_violations", (double)r->x.aff_violations);
    cJSON_AddNumberToObject(j, "wakeups", (double)r->x.wakeups);
    cJSON_AddNumberToObject(j, "sleep_timeouts", (double)r->x.timeouts);
    cJSON_AddNumberToObject(j, "sleep_timeout_finds", (double)r->x.timeout_finds);
    cJSON_AddNumberToObject(j, "dropped_messages", (double)r->x.dropped);
    cJSON_AddNumberToObject(j, "lock_waits", (double)r->x.lock_waits);
    cJSON_AddNumberToObject(j, "lock_wait_ns", (double)r->x.lock_wait_ns);
    cJSON_AddNumberToObject(j, "trace_read_ahead", (double)r->read_ahead);
    cJSON_AddNumberToObject(j, "trace_roots_at_start", (double)r->roots_at_start);
    cJSON_AddNumberToObject(j, "won_rounds", (double)r->x.won_rounds);
    cJSON_AddNumberToObject(j, "won_round_ns",
                            r->x.won_rounds ? (double)r->x.won_ns / (double)r->x.won_rounds : 0);
    cJSON_AddNumberToObject(j, "won_rounds_long", (double)r->x.won_long);
    cJSON_AddNumberToObject(j, "won_round_p10_ns", nat_round_quantile(r->x.won_hist, 0.1));
    cJSON_AddNumberToObject(j, "won_round_p50_ns", nat_round_quantile(r->x.won_hist, 0.5));
    cJSON_AddNumberToObject(j, "won_round_p90_ns", nat_round_quantile(r->x.won_hist, 0.9));
    char *txt = cJSON_PrintUnformatted(j);
    puts(txt);
    free(txt);
    cJSON_Delete(j);
}

static void print_text(const struct nat_run_opts *o, const struct nat_run_result *r)
{
    const struct sim_run_summary *s = &r->summary;
    printf("native %s on %s (%u workers%s, bind order %s), strategy %s, seed %llu\n",
           o->workload, r->topology, r->ncores, r->x.pinned ? ", pinned"
           : r->masked_workers ? ", affinity masks" : "",
           ws_bind_order_names[o->params.bind_order], o->strategy, (unsigned long long)o->seed);
    printf("  makespan      %.6f s (%.1f ns per process)\n", (double)s->makespan_ns / 1e9,
           s->processes ? (double)s->makespan_ns / (double)s->processes : 0);
    printf("  processes     %llu\n", (unsigned long long)s->processes);
    if (r->tally_name != NULL)
        printf("  %-13s %llu (exact)\n", r->tally_name, (unsigned long long)r->tally);
    printf("  utilisation   %.1f %%\n", 100.0 * s->utilization);
    printf("  steals        %llu of %llu attempts\n", (unsigned long long)s->steals,
           (unsigned long long)s->steal_attempts);
    printf("  migrations    %llu (smt %llu, cluster %llu, node %llu, remote %llu)\n",
           (unsigned long long)migrations(s), (unsigned long long)s->migrations[SIM_DIST_SMT],
           (unsigned long long)s->migrations[SIM_DIST_CLUSTER],
           (unsigned long long)s->migrations[SIM_DIST_NODE],
           (unsigned long long)s->migrations[SIM_DIST_REMOTE]);
    sim_print_derived_metrics(stdout, s);
    printf("  spawns        %llu; %llu wake-ups, %llu sleep timeouts\n",
           (unsigned long long)r->x.spawns,
           (unsigned long long)r->x.wakeups, (unsigned long long)r->x.timeouts);
    if (r->x.lock_waits > 0)
        printf("  replay lock   %llu waits for it, %.1f us in all\n",
               (unsigned long long)r->x.lock_waits, (double)r->x.lock_wait_ns / 1e3);
    printf("  wait          p50 %llu ns, p99 %llu ns (sampled)\n",
           (unsigned long long)s->wait_p50_ns, (unsigned long long)s->wait_p99_ns);
    printf("  wall time     %.3f s\n", r->wall_s);
    if (r->run_id > 0)
        printf("  stored        run %lld in %s\n", (long long)r->run_id, o->db_path);
}

static const struct option longopts[] = {
    { "threads", required_argument, NULL, 'n' },
    { "strategy", required_argument, NULL, 's' },
    { "binding", required_argument, NULL, 'b' },
    { "seed", required_argument, NULL, 'S' },
    { "db", required_argument, NULL, 'd' },
    { "no-db", no_argument, NULL, 'N' },
    { "param", required_argument, NULL, 'p' },
    { "scale", required_argument, NULL, 'x' },
    { "replay", no_argument, NULL, 'r' },
    { "slow", no_argument, NULL, 'W' },
    { "affinity", required_argument, NULL, 'a' },
    { "json", no_argument, NULL, 'j' },
    { "timeline", optional_argument, NULL, 'T' },
    { NULL, 0, NULL, 0 },
};

/* The command line into o; 0, or an exit status. */
static int parse(int argc, char **argv, struct nat_run_opts *o, bool *json)
{
    char err[512], *end;
    uint64_t v;
    int c;
    bool bind_given = false;
    optind = 1;
    while ((c = sim_cli_getopt("native", argc, argv, ":n:s:p:", longopts)) != -1) {
        switch (c) {
        case '?': return SIM_EXIT_USAGE;
        case 's': o->strategy = optarg; break;
        case 'd': o->db_path = optarg; break;
        case 'N': o->db_path = NULL; break;
        case 'r': o->replay = true; break;
        case 'W': o->slow = true; break;
        case 'a': o->root_affinity = optarg; break;
        case 'j': *json = true; break;
        case 'T':
            if (sim_cli_timeline_arg("native", optarg, &o->timeline_max) != 0)
                return SIM_EXIT_USAGE;
            break;
        case 'n':
            if (!sim_cli_parse_u64(optarg, &v) || v == 0 || v > 4096)
                return sim_cli_usage_error("native", "--threads wants 1..4096, not '%s'", optarg);
            o->threads = (uint32_t)v;
            break;
        case 'b':
            if (nat_bind_parse(optarg, &o->bind) != 0)
                return sim_cli_usage_error("native", "--binding wants none, static, dynamic, "
                                           "hybrid or pcores, not '%s'", optarg);
            bind_given = true;
            break;
        case 'S':
            if (!sim_cli_parse_u64(optarg, &o->seed))
                return sim_cli_usage_error("native", "--seed wants a number, not '%s'", optarg);
            break;
        case 'x':
            o->scale = strtod(optarg, &end);
            if (*end != '\0' || !(o->scale > 0) || o->scale > 1e6)
                return sim_cli_usage_error("native", "--scale wants a factor > 0, not '%s'",
                                           optarg);
            break;
        case 'p':
            if (sim_cli_check_param("native", optarg) != 0)
                return SIM_EXIT_USAGE;
            if (sim_params_apply(&o->params, optarg, err, sizeof err) != 0)
                return sim_cli_usage_error("native", "%s", err);
            break;
        }
    }
    if (optind >= argc)
        return sim_cli_usage_error("native", "which workload? (fib:N, nqueens:N, uts:SET or a "
                                             "trace)");
    if (optind + 1 < argc)
        return sim_cli_usage_error("native", "unexpected argument '%s'", argv[optind + 1]);
    if (sim_cli_check_strategy("native", o->strategy) != 0)
        return SIM_EXIT_USAGE;
    sim_cli_strategy_params_check("native", o->strategy, &o->params);
    sim_cli_native_params_check("native", &o->params);
    o->workload = argv[optind];
    if (o->timeline_max > 0 && o->db_path == NULL)
        return sim_cli_usage_error("native", "--timeline stores the schedule in the database: "
                                   "it cannot go with --no-db");
    /* --binding K and --param binding=K are one setting; --binding wins. */
    if (bind_given)
        o->params.binding = (uint32_t)o->bind;
    else
        o->bind = (enum nat_bind)o->params.binding;
    return SIM_EXIT_OK;
}

int sim_cmd_native(int argc, char **argv)
{
    struct nat_run_opts o;
    nat_run_defaults(&o);
    o.db_path = SIM_DEFAULT_DB;
    bool json = false;
    int st = parse(argc, argv, &o, &json);
    if (st != SIM_EXIT_OK)
        return st;
    o.stopped = &interrupted;
    signal(SIGINT, on_sigint);
    struct nat_run_result r;
    char err[1024];
    if (nat_run(&o, &r, err, sizeof err) != 0)
        return sim_cli_fail("native", "%s", err);
    sim_cli_timeline_note("native", o.timeline_max, r.timeline_slices, r.timeline_dropped);
    if (json)
        print_json(&o, &r);
    else
        print_text(&o, &r);
    return SIM_EXIT_OK;
}
