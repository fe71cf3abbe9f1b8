/* cmd_report.c: `schedlab report`: compare's table, printed again from the runs stored in any
 * database (after compare, or after a --plan run and merge). */
#include "sim/cli/cli.h"
#include "sim/cli/commands.h"
#include "sim/run/sim_compare.h"
#include "sim/run/sim_run.h"

#include <getopt.h>
#include <string.h>

/* Parse --experiment: a positive id, "newest" or "all" (0: every run). */
static bool parse_experiment(const char *s, int64_t *out)
{
    uint64_t v;
    if (strcmp(s, "newest") == 0)
        return *out = SIM_COMPARE_NEWEST, true;
    if (strcmp(s, "all") == 0)
        return *out = 0, true;
    if (!sim_cli_parse_u64(s, &v) || v == 0 || v > INT64_MAX)
        return false;
    *out = (int64_t)v;
    return true;
}

int sim_cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "db", required_argument, NULL, 'd' },   { "experiment", required_argument, NULL, 'e' },
        { "json", no_argument, NULL, 'J' },       { "csv", no_argument, NULL, 'C' },
        { "markdown", no_argument, NULL, 'M' },   { NULL, 0, NULL, 0 },
    };
    const char *db = SIM_DEFAULT_DB;
    int64_t experiment = SIM_COMPARE_NEWEST;
    enum sim_compare_format fmt = SIM_COMPARE_TEXT;
    int formats = 0, c;
    optind = 1;
    while ((c = sim_cli_getopt("report", argc, argv, ":d:e:", longopts)) != -1) {
        switch (c) {
        case '?': return SIM_EXIT_USAGE;
        case 'd': db = optarg; break;
        case 'J': fmt = SIM_COMPARE_JSON, formats++; break;
        case 'C': fmt = SIM_COMPARE_CSV, formats++; break;
        case 'M': fmt = SIM_COMPARE_MARKDOWN, formats++; break;
        case 'e':
            if (!parse_experiment(optarg, &experiment))
                return sim_cli_usage_error("report", "--experiment wants a positive id, "
                                           "'newest' or 'all', not '%s'", optarg);
            break;
        }
    }
    if (optind < argc)
        return sim_cli_usage_error("report", "unexpected argument '%s'", argv[optind]);
    if (formats > 1)
        return sim_cli_usage_error("report", "give one of --json, --csv, --markdown");
    char err[1024];
    struct sim_compare_table *t = NULL;
    if (sim_compare_read(db, experiment, &t, err, sizeof err) != 0)
        return sim_cli_fail("report", "%s", err);
    sim_compare_print(stdout, t, fmt);
    sim_compare_table_free(t);
    return SIM_EXIT_OK;
}
