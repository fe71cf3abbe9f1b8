/* sim_plot.h: `schedlab plot`: extract one experiment's data from the results database with SQL
 * into plain data files, render them with gnuplot (run as a program on scripts/plot/KIND.gp) as
 * PNG and SVG, and write an index.html that shows every plot with the experiment's runs.
 *
 * Plots, one data file each (the file's header comment names the query that produced it):
 *   makespan      mean makespan per strategy, 95% CI over seeds, normalised to the best
 *   util-G        per-core utilisation over time, one panel per strategy (group G)
 *   steals-G      thief x victim steal matrix, one panel per strategy (group G)
 *   migrations    migrations by distance class per strategy, stacked, one panel per group
 *   response      response-time CDF per strategy, one panel per group
 *   energy        energy versus makespan, one point per run, P/E machines only
 * A group is one trace on one topology; a "strategy" is a configuration: the strategy name plus
 * the parameters that differ between the experiment's runs (a sweep), so seeds are replicates.
 *
 * Outcome. Data files and index.html are written even when gnuplot is missing or fails on a
 * plot; sim_plot_run fails (-1) only when nothing at all can be produced: no such database or
 * experiment, no runs, an output folder that cannot be created. */
#ifndef SIM_PLOT_H
#define SIM_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_PLOT_NEWEST (-1)   /* experiment_id: the newest experiment with runs, else all runs */
#define SIM_PLOT_ALL    0      /* experiment_id: every run of the database */

struct sim_plot_opts {
    const char *db_path;       /* the database (must exist; opened read-only) */
    int64_t experiment_id;     /* > 0, SIM_PLOT_NEWEST or SIM_PLOT_ALL */
    const char *out_dir;       /* NULL: results/plots/<experiment id or "all"> */
    const char *scripts_dir;   /* NULL: $SCHEDLAB_PLOT_SCRIPTS, else scripts/plot found upwards
                                * from the executable, else ./scripts/plot */
    const char *gnuplot;       /* program name (searched on PATH) or path; NULL: "gnuplot" */
    FILE *log;                 /* warnings (gnuplot missing, a plot that failed); NULL: none */
    const char *table_html;    /* compare's table as HTML (sim_compare_print), shown above the
                                * runs; NULL: none */
};

struct sim_plot_result {
    int64_t experiment_id;     /* the experiment plotted; 0 = all runs */
    char out_dir[4096];        /* where the files are */
    size_t runs;               /* runs plotted */
    size_t plots;              /* plots with data (one data file each) */
    size_t rendered;           /* plots whose PNG and SVG gnuplot wrote */
    size_t failed;             /* plots gnuplot was run on but failed */
    bool gnuplot_missing;      /* no gnuplot program found: data files and index.html only */
};

/* Extract, render and index one experiment. 0 when anything was produced (see *r for what),
 * -1 with a message naming the database, experiment or folder in err otherwise. */
int sim_plot_run(const struct sim_plot_opts *o, struct sim_plot_result *r, char *err,
                 size_t errlen);

#endif
