/* cmd_plot.c: `schedlab plot`: plots of one experiment (see sim_plot.h) from the command line. */
#include "sim/cli/cli.h"
#include "sim/cli/commands.h"
#include "sim/plot/sim_plot.h"
#include "sim/run/sim_compare.h"
#include "sim/run/sim_run.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* compare's table of the experiment as HTML (malloc'd), or NULL when it cannot be read (plot
 * then reports why). */
static char *comparison_html(const char *db, int64_t experiment)
{
    char err[1024], *buf = NULL;
    size_t len = 0;
    struct sim_compare_table *t = NULL;
    if (sim_compare_read(db, experiment == SIM_PLOT_NEWEST ? SIM_COMPARE_NEWEST : experiment,
                         &t, err, sizeof err) != 0)
        return NULL;
    FILE *f = open_memstream(&buf, &len);
    if (f != NULL) {
        sim_compare_print(f, t, SIM_COMPARE_HTML);
        fclose(f);
    }
    sim_compare_table_free(t);
    return buf;
}

/* Parse --experiment: a positive id, "all" or "newest". */
static bool parse_experiment(const char *s, int64_t *out)
{
    uint64_t v;
    if (strcmp(s, "all") == 0) {
        *out = SIM_PLOT_ALL;
        return true;
    }
    if (strcmp(s, "newest") == 0) {
        *out = SIM_PLOT_NEWEST;
        return true;
    }
    if (!sim_cli_parse_u64(s, &v) || v == 0 || v > INT64_MAX)
        return false;
    *out = (int64_t)v;
    return true;
}

int sim_cmd_plot(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "db", required_argument, NULL, 'd' },
        { "experiment", required_argument, NULL, 'e' },
        { "output", required_argument, NULL, 'o' },
        { "scripts", required_argument, NULL, 'S' },
        { "gnuplot", required_argument, NULL, 'g' },
        { NULL, 0, NULL, 0 },
    };
    struct sim_plot_opts o = {
        .db_path = SIM_DEFAULT_DB, .experiment_id = SIM_PLOT_NEWEST, .log = stderr,
    };
    int c;
    optind = 1;
    while ((c = sim_cli_getopt("plot", argc, argv, ":d:e:o:", longopts)) != -1) {
        switch (c) {
        case '?': return SIM_EXIT_USAGE;
        case 'd': o.db_path = optarg; break;
        case 'o': o.out_dir = optarg; break;
        case 'S': o.scripts_dir = optarg; break;
        case 'g': o.gnuplot = optarg; break;
        case 'e':
            if (!parse_experiment(optarg, &o.experiment_id))
                return sim_cli_usage_error("plot", "--experiment wants a positive id, 'all' or "
                                           "'newest', not '%s'", optarg);
            break;
        }
    }
    if (optind < argc)
        return sim_cli_usage_error("plot", "unexpected argument '%s'", argv[optind]);
    struct sim_plot_result r;
    char err[2048] = "";
    char *table = comparison_html(o.db_path, o.experiment_id);
    o.table_html = table;
    int rc = sim_plot_run(&o, &r, err, sizeof err);
    free(table);
    if (rc != 0)
        return sim_cli_fail("plot", "%s", err);
    if (r.experiment_id > 0)
        printf("experiment %lld: %zu runs\n", (long long)r.experiment_id, r.runs);
    else
        printf("all runs (no experiment): %zu runs\n", r.runs);
    printf("  %zu plots: data files written", r.plots);
    if (r.gnuplot_missing)
        printf(", no images (gnuplot missing)\n");
    else if (r.failed > 0)
        printf(", PNG and SVG of %zu, %zu failed (see gnuplot.log)\n", r.rendered, r.failed);
    else
        printf(", PNG and SVG of each\n");
    printf("  open %s/index.html\n", r.out_dir);
    return SIM_EXIT_OK;
}
