/* sim_compare.h: the cross product of traces x topologies x strategies x parameter sets x seeds,
 * run in parallel worker processes into one experiment, and the comparison table over seeds. */
#ifndef SIM_COMPARE_H
#define SIM_COMPARE_H

#include "core/ws_params.h"
#include "sim/engine/sim_metrics.h"
#include "sim/util/sim_stats.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One parameter set of a sweep: the values and a label naming what was swept ("" if nothing). */
struct sim_pset {
    struct ws_params p;
    char label[256];
};

struct sim_compare_spec {
    const char **traces;     size_t ntraces;
    const char **topologies; size_t ntopologies;
    const char **strategies; size_t nstrategies;
    struct sim_pset *psets;  size_t npsets;
    unsigned seeds;          /* seeds 1..seeds */
    bool per_process;        /* store a row per process (response-time CDFs) */
};

/* One run of the cross product. */
struct sim_job {
    size_t trace, topology, strategy, pset;   /* indexes into the spec */
    uint64_t seed;
    int64_t run_id;                           /* 0 until stored */
    struct sim_run_summary summary;
    uint32_t ncores;
};

/* Expand `--param name=v1,v2,...` assignments (fixed ones have one value) over the defaults
 * into the cross product of parameter sets (malloc'd, *n sets). -1 with err on a bad name or
 * value. */
int sim_compare_psets(const char **assignments, size_t n, struct sim_pset **out, size_t *nout,
                      char *err, size_t errlen);

/* The jobs of the cross product in a fixed order (trace, topology, pset, strategy, seed). */
struct sim_job *sim_compare_jobs(const struct sim_compare_spec *s, size_t *n);

/* Run jobs[0..n) with up to `workers` processes into db_path under experiment_id. Each job's
 * run_id and summary are filled on success. Returns the number of jobs stored; on an
 * interruption (*stopped set) or failures it returns fewer and err says the first failure.
 * progress: draw a progress bar on stderr. */
size_t sim_compare_run(const struct sim_compare_spec *s, struct sim_job *jobs, size_t n,
                       unsigned workers, const char *db_path, int64_t experiment_id,
                       bool progress, volatile int *stopped, char *err, size_t errlen);

/* ---- the comparison table (sim_compare_table.c) ----------------------------------------------
 *
 * compare and report print the same table from the same rows: the runs of one experiment as
 * stored in the database. Runs are grouped by trace x topology, where the trace of a run made
 * with a workload seed ("mixed:procs=9,seed=2", see sim_gen_split_seed) counts under its base
 * spec, so that its interval covers workload as well as scheduler variation. Within a group a
 * row is a strategy and a parameter set, labelled by the parameters that differ between the
 * group's runs. Groups are sorted by trace, then topology (natural order), rows by label, then
 * strategy in registry order: the order does not depend on the order runs were stored in. */

/* One stored run as the table reads it (strings owned by the table). */
struct sim_compare_input {
    char *trace, *topology, *strategy, *params_json;
    uint64_t seed;
    uint32_t ncores;
    struct sim_run_summary summary;
};

/* One row of the comparison table: a strategy (and parameter set) over its seeds. */
struct sim_compare_row {
    const char *strategy;
    char *params;                /* "k=v k2=v2" of the varying parameters; "" if none */
    struct sim_ci makespan;      /* ns */
    double vs_best;              /* mean makespan / best mean makespan of the group */
    double vs_bound;             /* mean makespan / lower bound (0 if unknown) */
    struct sim_ci utilization;
    double steals, steal_attempts, migrations[SIM_DIST_COUNT], resp_p99_ns, energy_j;
    /* Means over seeds of the derived metrics (sim_metrics_derive). */
    double migration_rate_per_s, migration_success_rate, migration_cost_avg_ns;
    double busy_cv, busy_max_mean, steal_success_rate;
};

/* A trace x topology group. */
struct sim_compare_group {
    char *trace;                 /* the base spec when workload seeds vary */
    const char *topology;
    const char *seed_key;        /* "seed" or "r" when workload seeds vary, else NULL */
    uint64_t seed_lo, seed_hi;   /* their range */
    size_t workload_seeds;       /* distinct workload seeds (1 when not varied) */
    size_t scheduler_seeds;      /* distinct scheduler seeds */
    uint32_t ncores;
    uint64_t lower_bound_ns;     /* mean over the group's traces; 0 if unknown */
    const char *bound_kind;      /* "critical path", "work / capacity", or NULL */
    struct sim_compare_row *rows;
    size_t nrows;
};

struct sim_compare_table {
    int64_t experiment_id;       /* 0: every run of the database */
    char *db;
    size_t planned;              /* runs the experiment was meant to have (compare) */
    struct sim_compare_input *in;
    size_t nin;
    struct sim_compare_group *groups;
    size_t ngroups;
};

/* Experiment selector of sim_compare_read: the newest experiment with runs (every run when
 * no experiment has any). */
#define SIM_COMPARE_NEWEST (-1)

/* Read the runs of experiment (> 0, SIM_COMPARE_NEWEST, or 0 for every run) from db_path
 * (opened read-only) and tabulate them. Lower bounds come from a walk of each trace on its
 * topology; traces that cannot be opened any more get none. -1 with err when the database
 * cannot be read or the experiment has no runs; *out is then NULL. */
int sim_compare_read(const char *db_path, int64_t experiment, struct sim_compare_table **out,
                     char *err, size_t errlen);
void sim_compare_table_free(struct sim_compare_table *t);

enum sim_compare_format {
    SIM_COMPARE_TEXT, SIM_COMPARE_JSON, SIM_COMPARE_CSV, SIM_COMPARE_MARKDOWN, SIM_COMPARE_HTML
};

/* Print the table in one format: TEXT is compare's table, JSON one object (compare --json),
 * CSV one line per row with a header line, MARKDOWN and HTML a table per group. */
void sim_compare_print(FILE *f, const struct sim_compare_table *t, enum sim_compare_format fmt);

#endif
