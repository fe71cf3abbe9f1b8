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

/* One row of the comparison table: a strategy (and parameter set) over its seeds. */
struct sim_compare_row {
    size_t strategy, pset;
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
    size_t trace, topology;
    uint32_t ncores;
    uint64_t lower_bound_ns;     /* 0 if unknown */
    const char *bound_kind;      /* "critical path", "work / capacity", or NULL */
    struct sim_compare_row *rows;
    size_t nrows;
};

/* Group the stored jobs into tables (malloc'd; free with sim_compare_groups_free). Lower
 * bounds come from a walk of each trace (critical path, total work over the machine's total
 * capacity); traces that cannot be walked get none. */
struct sim_compare_group *sim_compare_tabulate(const struct sim_compare_spec *s,
                                               const struct sim_job *jobs, size_t njobs,
                                               size_t *ngroups);
void sim_compare_groups_free(struct sim_compare_group *g, size_t n);

#endif
