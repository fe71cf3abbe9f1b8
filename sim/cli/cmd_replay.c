/* cmd_replay.c: `schedlab replay TRACE`: simulate one trace on one machine with one strategy,
 * store the run in SQLite and print its summary. */
#include "sim/cli/cli.h"
#include "sim/cli/commands.h"
#include "sim/run/sim_run.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile int interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void print_json(const struct sim_run_opts *o, const struct sim_run_result *r)
{
    cJSON *j = sim_summary_json(o->trace, o->topology, o->strategy, o->seed, r->ncores,
                                &r->summary, r->wall_s, r->run_id);
    if (j == NULL)
        return;
    if (r->tally_name != NULL)
        cJSON_AddNumberToObject(j, r->tally_name, (double)r->tally);
    char label[1024];
    sim_params_label(&o->params, label, sizeof label);
    cJSON_AddStringToObject(j, "params", label);
    char *txt = cJSON_PrintUnformatted(j);
    puts(txt);
    free(txt);
    cJSON_Delete(j);
}

static void print_text(const struct sim_run_opts *o, const struct sim_run_result *r)
{
    const struct sim_run_summary *s = &r->summary;
    uint64_t mig = 0;
    for (int d = 0; d < SIM_DIST_COUNT; d++)
        mig += s->migrations[d];
    printf("replay %s on %s (%u cores), strategy %s, seed %llu\n", o->trace, o->topology,
           r->ncores, o->strategy, (unsigned long long)o->seed);
    printf("  makespan      %.6f s\n", (double)s->makespan_ns / 1e9);
    printf("  processes     %llu\n", (unsigned long long)s->processes);
    printf("  utilisation   %.1f %%\n", 100.0 * s->utilization);
    printf("  steals        %llu of %llu attempts\n", (unsigned long long)s->steals,
           (unsigned long long)s->steal_attempts);
    printf("  migrations    %llu (smt %llu, cluster %llu, node %llu, remote %llu)\n",
           (unsigned long long)mig, (unsigned long long)s->migrations[SIM_DIST_SMT],
           (unsigned long long)s->migrations[SIM_DIST_CLUSTER],
           (unsigned long long)s->migrations[SIM_DIST_NODE],
           (unsigned long long)s->migrations[SIM_DIST_REMOTE]);
    sim_print_derived_metrics(stdout, s);
    printf("  wait          p50 %llu ns, p95 %llu ns, p99 %llu ns\n",
           (unsigned long long)s->wait_p50_ns, (unsigned long long)s->wait_p95_ns,
           (unsigned long long)s->wait_p99_ns);
    printf("  response      p50 %llu ns, p95 %llu ns, p99 %llu ns\n",
           (unsigned long long)s->resp_p50_ns, (unsigned long long)s->resp_p95_ns,
           (unsigned long long)s->resp_p99_ns);
    printf("  energy        %.6f J\n", s->energy_j);
    if (r->tally_name != NULL)
        printf("  %-13s %llu\n", r->tally_name, (unsigned long long)r->tally);
    printf("  wall time     %.3f s (%.2f M events/s, %llu events)\n", r->wall_s,
           r->wall_s > 0 ? (double)s->events / r->wall_s / 1e6 : 0,
           (unsigned long long)s->events);
    if (r->run_id > 0)
        printf("  stored        run %lld in %s\n", (long long)r->run_id,
               o->db_path);
}

int sim_cmd_replay(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "topology", required_argument, NULL, 't' },
        { "strategy", required_argument, NULL, 's' },
        { "seed", required_argument, NULL, 'S' },
        { "db", required_argument, NULL, 'd' },
        { "no-db", no_argument, NULL, 'N' },
        { "per-process", no_argument, NULL, 'P' },
        { "param", required_argument, NULL, 'p' },
        { "zero-overheads", no_argument, NULL, 'Z' },
        { "no-preempt", no_argument, NULL, 'R' },
        { "json", no_argument, NULL, 'j' },
        { "timeline", optional_argument, NULL, 'T' },
        { NULL, 0, NULL, 0 },
    };
    struct sim_run_opts o = {
        .topology = "m1", .strategy = "locality", .seed = 1, .db_path = SIM_DEFAULT_DB,
    };
    ws_params_defaults(&o.params);
    bool json = false;
    char err[1024];
    int c;
    optind = 1;
    while ((c = sim_cli_getopt("replay", argc, argv, ":t:s:p:", longopts)) != -1) {
        switch (c) {
        case '?': return SIM_EXIT_USAGE;
        case 't': o.topology = optarg; break;
        case 's': o.strategy = optarg; break;
        case 'd': o.db_path = optarg; break;
        case 'N': o.db_path = NULL; break;
        case 'P': o.per_process = true; break;
        case 'j': json = true; break;
        case 'T':
            if (sim_cli_timeline_arg("replay", optarg, &o.timeline_max) != 0)
                return SIM_EXIT_USAGE;
            break;
        case 'Z': o.params.zero_overheads = 1; break;
        case 'R': o.params.no_preempt = 1; break;
        case 'S':
            if (!sim_cli_parse_u64(optarg, &o.seed))
                return sim_cli_usage_error("replay", "--seed wants a number, not '%s'", optarg);
            break;
        case 'p':
            if (sim_cli_check_param("replay", optarg) != 0)
                return SIM_EXIT_USAGE;
            if (sim_params_apply(&o.params, optarg, err, sizeof err) != 0)
                return sim_cli_usage_error("replay", "%s", err);
            break;
        }
    }
    if (optind >= argc)
        return sim_cli_usage_error("replay", "which trace? (a .jsonl file or a spec like fib:20)");
    if (optind + 1 < argc)
        return sim_cli_usage_error("replay", "unexpected argument '%s'", argv[optind + 1]);
    o.trace = argv[optind];
    if (o.timeline_max > 0 && o.db_path == NULL)
        return sim_cli_usage_error("replay", "--timeline stores the schedule in the database: "
                                   "it cannot go with --no-db");
    if (sim_cli_check_strategy("replay", o.strategy) != 0 ||
        sim_cli_check_topology("replay", o.topology) != 0 ||
        sim_cli_check_trace("replay", o.trace) != 0)
        return SIM_EXIT_USAGE;
    sim_cli_strategy_params_check("replay", o.strategy, &o.params);
    o.progress = isatty(STDERR_FILENO);
    o.stopped = &interrupted;
    signal(SIGINT, on_sigint);
    struct sim_run_result r;
    if (sim_run_replay(&o, &r, err, sizeof err) != 0) {
        sim_cli_fail("replay", "%s", err);
        return interrupted ? 130 : SIM_EXIT_FAIL;   /* 130: stopped by SIGINT, as compare */
    }
    sim_cli_timeline_note("replay", o.timeline_max, r.timeline_slices, r.timeline_dropped);
    if (json)
        print_json(&o, &r);
    else
        print_text(&o, &r);
    return SIM_EXIT_OK;
}
