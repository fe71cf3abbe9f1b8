/* cmd_validate.c: `schedlab validate WORKLOAD`: calibrate on this host, run natively, simulate
 * the same workload over the model of the same cores, and print per metric the native value,
 * the simulated value and the relative error. */
#include "native/nat_validate.h"
#include "sim/cli/cli.h"
#include "sim/cli/commands.h"
#include "sim/run/sim_run.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>

static volatile int interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void print_json(const struct nat_validate_opts *o, const struct nat_validate_result *r)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "workload", o->workload);
    cJSON_AddStringToObject(j, "strategy", o->strategy);
    cJSON_AddStringToObject(j, "topology", r->topology);
    cJSON_AddNumberToObject(j, "threads", r->native.ncores);
    cJSON_AddNumberToObject(j, "seed", (double)o->seed);
    cJSON_AddStringToObject(j, "sim_trace", r->sim_trace);
    cJSON *cal = cJSON_AddObjectToObject(j, "calibration");
    cJSON_AddNumberToObject(cal, "busy_iters_per_ns", r->cal.busy_iters_per_ns);
    cJSON_AddNumberToObject(cal, "steal_ns", (double)r->cal.steal_ns);
    cJSON_AddNumberToObject(cal, "wake_ns", (double)r->cal.wake_ns);
    cJSON_AddNumberToObject(cal, "spawn_ns", (double)r->cal.spawn_ns);
    cJSON_AddNumberToObject(cal, "proc_ns", (double)r->cal.proc_ns);
    cJSON_AddNumberToObject(cal, "latency_ns", (double)r->cal.latency_ns);
    cJSON *m = cJSON_AddObjectToObject(j, "metrics");
    for (int i = 0; i < NAT_VALIDATE_METRICS; i++) {
        cJSON *x = cJSON_AddObjectToObject(m, r->m[i].name);
        cJSON_AddNumberToObject(x, "native", r->m[i].native);
        cJSON_AddNumberToObject(x, "sim", r->m[i].sim);
        if (isnan(r->m[i].rel_error))
            cJSON_AddNullToObject(x, "rel_error");
        else
            cJSON_AddNumberToObject(x, "rel_error", r->m[i].rel_error);
    }
    if (r->native.tally_name != NULL)
        cJSON_AddNumberToObject(j, r->native.tally_name, (double)r->native.tally);
    cJSON_AddNumberToObject(j, "native_run_id", (double)r->native.run_id);
    cJSON_AddNumberToObject(j, "sim_run_id", (double)r->sim_run_id);
    cJSON_AddNumberToObject(j, "native_wall_s", r->native.wall_s);
    cJSON_AddNumberToObject(j, "sim_wall_s", r->sim_wall_s);
    char *txt = cJSON_PrintUnformatted(j);
    puts(txt);
    free(txt);
    cJSON_Delete(j);
}

static void print_text(const struct nat_validate_opts *o, const struct nat_validate_result *r)
{
    printf("validate %s on %s, strategy %s (simulated as %s)\n", o->workload, r->topology,
           o->strategy, r->sim_trace);
    printf("  calibration   steal %llu ns, wake-up %llu ns, spawn %llu ns, %llu ns per process, "
           "busy loop %.3f iterations/ns\n", (unsigned long long)r->cal.steal_ns,
           (unsigned long long)r->cal.wake_ns, (unsigned long long)r->cal.spawn_ns,
           (unsigned long long)r->cal.proc_ns, r->cal.busy_iters_per_ns);
    printf("  %-16s %16s %16s %10s\n", "metric", "native", "simulated", "rel. error");
    for (int i = 0; i < NAT_VALIDATE_METRICS; i++)
        printf("  %-16s %16.4g %16.4g %+9.1f%%\n", r->m[i].name, r->m[i].native, r->m[i].sim,
               100.0 * r->m[i].rel_error);
    if (r->native.run_id > 0)
        printf("  stored        native run %lld, simulated run %lld in %s\n",
               (long long)r->native.run_id, (long long)r->sim_run_id, o->db_path);
}

int sim_cmd_validate(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "threads", required_argument, NULL, 'n' },
        { "strategy", required_argument, NULL, 's' },
        { "seed", required_argument, NULL, 'S' },
        { "db", required_argument, NULL, 'd' },
        { "no-db", no_argument, NULL, 'N' },
        { "param", required_argument, NULL, 'p' },
        { "json", no_argument, NULL, 'j' },
        { NULL, 0, NULL, 0 },
    };
    struct nat_validate_opts o = { .strategy = "locality", .seed = 1, .db_path = SIM_DEFAULT_DB };
    ws_params_defaults(&o.params);
    bool json = false;
    char err[1024];
    uint64_t v;
    int c;
    optind = 1;
    while ((c = sim_cli_getopt("validate", argc, argv, ":n:s:p:", longopts)) != -1) {
        switch (c) {
        case '?': return SIM_EXIT_USAGE;
        case 's': o.strategy = optarg; break;
        case 'd': o.db_path = optarg; break;
        case 'N': o.db_path = NULL; break;
        case 'j': json = true; break;
        case 'n':
            if (!sim_cli_parse_u64(optarg, &v) || v == 0 || v > 4096)
                return sim_cli_usage_error("validate", "--threads wants 1..4096, not '%s'",
                                           optarg);
            o.threads = (uint32_t)v;
            break;
        case 'S':
            if (!sim_cli_parse_u64(optarg, &o.seed))
                return sim_cli_usage_error("validate", "--seed wants a number, not '%s'", optarg);
            break;
        case 'p':
            if (sim_cli_check_param("validate", optarg) != 0)
                return SIM_EXIT_USAGE;
            if (sim_params_apply(&o.params, optarg, err, sizeof err) != 0)
                return sim_cli_usage_error("validate", "%s", err);
            break;
        }
    }
    if (optind >= argc)
        return sim_cli_usage_error("validate", "which workload? (fib:N, nqueens:N, uts:SET or "
                                               "a trace)");
    if (optind + 1 < argc)
        return sim_cli_usage_error("validate", "unexpected argument '%s'", argv[optind + 1]);
    if (sim_cli_check_strategy("validate", o.strategy) != 0)
        return SIM_EXIT_USAGE;
    sim_cli_strategy_params_check("validate", o.strategy, &o.params);
    o.workload = argv[optind];
    o.stopped = &interrupted;
    signal(SIGINT, on_sigint);
    struct nat_validate_result r;
    if (nat_validate(&o, &r, err, sizeof err) != 0)
        return sim_cli_fail("validate", "%s", err);
    if (json)
        print_json(&o, &r);
    else
        print_text(&o, &r);
    return SIM_EXIT_OK;
}
