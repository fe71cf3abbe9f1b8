/* cmd_export.c: `schedlab export RUN --perfetto -o FILE`: a run's recorded schedule as Chrome
 * trace-event JSON (sim/plot/sim_perfetto.c), and the --timeline option that replay and native
 * share for recording it. */
#include "sim/cli/cli.h"
#include "sim/cli/commands.h"
#include "sim/db/sim_db.h"
#include "sim/engine/sim_timeline.h"
#include "sim/plot/sim_perfetto.h"
#include "sim/run/sim_run.h"
#include "sim/util/sim_outfile.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sim_cli_timeline_arg(const char *cmd, const char *arg, size_t *max)
{
    uint64_t n = SIM_TIMELINE_DEFAULT_MAX;
    if (arg != NULL && (!sim_cli_parse_u64(arg, &n) || n == 0 || n > (UINT64_C(1) << 32)))
        return sim_cli_usage_error(cmd, "--timeline=N wants a number of slices in 1..2^32 "
                                   "(default 1M), not '%s'", arg), -1;
    *max = (size_t)n;
    return 0;
}

void sim_cli_timeline_note(const char *cmd, size_t max, uint64_t slices, uint64_t dropped)
{
    if (max == 0 || dropped == 0)
        return;
    fprintf(stderr, "schedlab %s: timeline cut at %llu slices: %llu later slices were not "
            "stored (allow more with --timeline=N)\n", cmd, (unsigned long long)slices,
            (unsigned long long)dropped);
}

/* RUN: a positive id or "newest"; -1 after a usage error. */
static int parse_run(const char *s, int64_t *run)
{
    uint64_t v;
    if (strcmp(s, "newest") == 0) {
        *run = 0;
        return 0;
    }
    if (!sim_cli_parse_u64(s, &v) || v == 0 || v > INT64_MAX)
        return sim_cli_usage_error("export", "RUN is a run id (a positive number) or 'newest', "
                                   "not '%s'", s), -1;
    *run = (int64_t)v;
    return 0;
}

/* Export run (0: the newest with a timeline) of the open db to path. */
static int export_to(struct sim_db *db, int64_t run, const char *path)
{
    char err[2048];
    if (run == 0 && sim_perfetto_newest(db, &run, err, sizeof err) != 0)
        return sim_cli_fail("export", "%s", err);
    struct sim_outfile out;
    if (sim_outfile_open(&out, path) != 0)
        return sim_cli_fail("export", "%s: cannot write: %s", path, strerror(errno));
    uint64_t slices = 0, cut = 0;
    int rc = sim_perfetto_export(db, run, out.f, &slices, &cut, err, sizeof err);
    if (rc == 0)
        rc = sim_db_verify_unchanged(db, err, sizeof err);
    int e = 0;
    if (sim_outfile_close(&out, rc == 0) != 0 && rc == 0) {
        e = errno;
        snprintf(err, sizeof err, "%s: cannot write: %s", path, strerror(e));
        rc = -1;
    }
    if (rc != 0)
        return sim_cli_fail("export", "%s", err);
    printf("exported run %lld: %llu slices to %s\n", (long long)run, (unsigned long long)slices,
           path);
    if (cut > 0)
        fprintf(stderr, "schedlab export: run %lld's timeline was cut when recorded: %llu "
                "slices after the last one shown are missing\n", (long long)run,
                (unsigned long long)cut);
    return SIM_EXIT_OK;
}

int sim_cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "perfetto", no_argument, NULL, 'P' },
        { "output", required_argument, NULL, 'o' },
        { "db", required_argument, NULL, 'd' },
        { NULL, 0, NULL, 0 },
    };
    const char *db_path = SIM_DEFAULT_DB, *out = NULL;
    bool perfetto = false;
    int c;
    optind = 1;
    while ((c = sim_cli_getopt("export", argc, argv, ":o:", longopts)) != -1) {
        switch (c) {
        case '?': return SIM_EXIT_USAGE;
        case 'P': perfetto = true; break;
        case 'o': out = optarg; break;
        case 'd': db_path = optarg; break;
        }
    }
    if (optind >= argc)
        return sim_cli_usage_error("export", "which run? (a run id, or 'newest')");
    if (optind + 1 < argc)
        return sim_cli_usage_error("export", "unexpected argument '%s'", argv[optind + 1]);
    if (!perfetto)
        return sim_cli_usage_error("export", "which format? (--perfetto: Chrome trace-event "
                                   "JSON, the one so far)");
    if (out == NULL)
        return sim_cli_usage_error("export", "where to? (-o FILE)");
    int64_t run;
    if (parse_run(argv[optind], &run) != 0)
        return SIM_EXIT_USAGE;
    struct sim_db *db;
    char err[2048];
    if (sim_db_open(db_path, true, &db, err, sizeof err) != 0)
        return sim_cli_fail("export", "%s", err);
    int rc = export_to(db, run, out);
    sim_db_close(db);
    return rc;
}
