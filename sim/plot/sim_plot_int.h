/* sim_plot_int.h: what the parts of `schedlab plot` share: the experiment model (runs, groups,
 * configurations) loaded once from SQL, and the list of plots the extractors produce for the
 * gnuplot runner and index.html.
 *
 * Model invariants. runs[] is ordered by runs.id. Every run belongs to exactly one group (its
 * trace x topology, numbered by first appearance) and one configuration (strategy, mode and
 * exact params text, numbered by first appearance, so compare's strategy order is kept and a
 * configuration has the same colour in every plot). A cell (group, configuration) holds the
 * seeds of one bar. cfg_label[c] is the strategy name plus the parameters whose values differ
 * across the experiment ("locality steal_cooldown_ns=0"); labels are unique. In a sweep the
 * plots colour a configuration by its strategy (cfg_strat) and tell its parameter set
 * (cfg_var) by fill pattern, dash or symbol, so that colours never repeat within a strategy. */
#ifndef SIM_PLOT_INT_H
#define SIM_PLOT_INT_H

#include "sim/plot/sim_plot.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sqlite3;
struct sqlite3_stmt;

struct plot_run {
    int64_t id;
    char *trace, *topology, *strategy, *params, *mode;
    int64_t seed;
    uint32_t ncores;
    double makespan_ns, energy_j, resp_ns[3];   /* resp: p50, p95, p99 */
    bool pe;              /* the machine has both P and E cores */
    bool per_process;     /* the processes table has rows of this run */
    size_t group, cfg;
};

struct plot_model {
    struct sqlite3 *db;
    const char *db_path;
    int64_t experiment_id;          /* 0 = all runs */
    char *exp_description, *exp_created;
    const char *table_html;         /* the comparison table, from sim_plot_opts; NULL: none */
    struct plot_run *runs;
    size_t nruns;
    size_t ngroups, ncfgs;
    size_t *group_first;            /* [ngroups] a run of the group (for trace/topology) */
    size_t *cfg_first;              /* [ncfgs] a run of the configuration */
    char **cfg_label;               /* [ncfgs] */
    size_t *cfg_strat;              /* [ncfgs] strategy (name and mode) by first appearance */
    size_t *cfg_var;                /* [ncfgs] parameter set by first appearance (0 if none vary) */
    char *varying;                  /* the varying parameter names, space-separated ("" none) */
};

/* The SQL that loads the runs (?1 = experiment id, 0 = all); named in data-file headers. */
extern const char *const plot_runs_sql;

/* Fragment selecting the run ids of one cell: ?1 experiment, ?2 trace, ?3 topology,
 * ?4 strategy, ?5 params, ?6 mode (see plot_bind_cell). */
#define PLOT_CELL_RUNS                                                                   \
    "SELECT id FROM runs WHERE (?1 = 0 OR experiment_id = ?1) AND trace = ?2 AND "      \
    "topology = ?3 AND strategy = ?4 AND params = ?5 AND mode = ?6"

/* One plot: a data file, the script that renders it and the variables the script reads. */
struct plot_item {
    char name[96];          /* file stem: NAME.dat, NAME.png, NAME.svg */
    char title[256];
    char *caption;          /* HTML-ready text (escaped), malloc'd */
    char script[32];        /* scripts/plot/SCRIPT.gp */
    char *vars;             /* gnuplot -e statements ("W=900; H=500; ..."), malloc'd */
    bool png, svg;          /* rendered */
};

/* Plots the extractors produced, and notes on what was skipped and why. */
struct plot_list {
    struct plot_item *items;
    size_t n, cap;
    char *notes[32];        /* plain sentences (escaped when written), malloc'd */
    size_t nnotes;
};

/* ---- model (sim_plot_model.c) ---- */

/* Resolve the experiment (SIM_PLOT_NEWEST / SIM_PLOT_ALL / id) and load its runs. */
int plot_model_load(struct plot_model *m, struct sqlite3 *db, const char *db_path,
                    int64_t experiment_id, char *err, size_t errlen);
void plot_model_free(struct plot_model *m);

/* Run indexes of cell (g, c), ascending id, into idx (room for m->nruns); returns the count. */
size_t plot_cell_runs(const struct plot_model *m, size_t g, size_t c, size_t *idx);

/* Bind ?1..?6 of a statement using PLOT_CELL_RUNS to cell (g, c). */
void plot_bind_cell(const struct plot_model *m, struct sqlite3_stmt *st, size_t g, size_t c);

/* "trace on topology" of group g (static buffer, valid until the next call). */
const char *plot_group_name(const struct plot_model *m, size_t g);

/* ---- extraction (sim_plot_data.c: bars, curves, scatter; sim_plot_heat.c: heatmaps) ---- */

int plot_extract_makespan(const struct plot_model *m, const char *dir, struct plot_list *l,
                          char *err, size_t errlen);
int plot_extract_util(const struct plot_model *m, const char *dir, struct plot_list *l,
                      char *err, size_t errlen);
int plot_extract_steals(const struct plot_model *m, const char *dir, struct plot_list *l,
                        char *err, size_t errlen);
int plot_extract_migrations(const struct plot_model *m, const char *dir, struct plot_list *l,
                            char *err, size_t errlen);
int plot_extract_response(const struct plot_model *m, const char *dir, struct plot_list *l,
                          char *err, size_t errlen);
int plot_extract_energy(const struct plot_model *m, const char *dir, struct plot_list *l,
                        char *err, size_t errlen);
/* sim_plot_sweep.c: makespan against the one swept parameter (nothing when none is swept). */
int plot_extract_sweep(const struct plot_model *m, const char *dir, struct plot_list *l,
                       char *err, size_t errlen);
/* sim_plot_gantt.c: a Gantt chart of each small run recorded with --timeline. */
int plot_extract_gantt(const struct plot_model *m, const char *dir, struct plot_list *l,
                       char *err, size_t errlen);

/* ---- shared helpers (sim_plot_util.c) ---- */

/* Open a data file and write the header: title, database, experiment, the query with its
 * bound values, how the numbers were derived, and the columns. NULL with err set on failure.
 * It is written as DIR/NAME.dat.tmp and becomes DIR/NAME.dat only in plot_data_close, so a
 * failed or interrupted extraction leaves no partial or empty NAME.dat. */
FILE *plot_data_open(const struct plot_model *m, const char *dir, const char *name,
                     const char *title, const char *query, const char *binds,
                     const char *derived, const char *columns, char *err, size_t errlen);

/* Close a data file and rename it to DIR/NAME.dat; on a write error (full disk) it is removed
 * and err says why. */
int plot_data_close(FILE *f, const char *dir, const char *name, char *err, size_t errlen);

/* Close and remove a data file that will not be finished. */
void plot_data_discard(FILE *f, const char *dir, const char *name);

/* Add a plot; caption and vars are copied. Returns the item, NULL when out of memory. */
struct plot_item *plot_list_add(struct plot_list *l, const char *name, const char *script,
                                const char *title, const char *caption, const char *vars);
void plot_list_note(struct plot_list *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void plot_list_free(struct plot_list *l);

/* printf into a malloc'd string (NULL when out of memory). */
char *plot_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Append s to *buf as a gnuplot word ("..."), for lists read with word(); returns -1 on OOM. */
int plot_words_add(char **buf, const char *s);

/* s as a gnuplot single-quoted string literal body ('' for '), malloc'd. */
char *plot_gp_quote(const char *s);

/* Write `name='value'; ` to a gnuplot -e statement list, quoting value. */
void plot_var_str(FILE *vars, const char *name, const char *value);

/* s escaped for HTML text and attributes, malloc'd. */
char *plot_html_escape(const char *s);

/* File-name-safe slug of s (letters, digits, '.', '-'; the rest '_'), at most cap-1 bytes. */
void plot_slug(const char *s, char *out, size_t cap);

/* A time unit for values up to max_ns: *scale is ns per unit, returns "ns", "µs", "ms", "s". */
const char *plot_time_unit(double max_ns, double *scale);

/* Core ranges by kind of one run, e.g. "E 0-3, P 4-7" (empty when every core is alike). */
void plot_core_kinds(const struct plot_model *m, int64_t run_id, char *out, size_t cap);

/* ---- output (sim_plot_render.c) ---- */

/* Find the gnuplot program: its path in out, or false when there is none. */
bool plot_find_gnuplot(const char *prog, char *out, size_t cap);

/* Find the scripts folder (see sim_plot_opts.scripts_dir) into out; false if none has them. */
bool plot_find_scripts(const char *given, char *out, size_t cap);

/* Run gnuplot on each item for PNG and SVG; gnuplot's messages go to DIR/gnuplot.log. */
void plot_render(struct plot_list *l, const char *gnuplot, const char *scripts, const char *dir,
                 FILE *log, size_t *rendered, size_t *failed);

/* Write DIR/index.html: the experiment, its runs and every plot (PNG inlined). */
int plot_write_html(const struct plot_model *m, const struct plot_list *l, const char *dir,
                    bool gnuplot_missing, char *err, size_t errlen);

#endif
