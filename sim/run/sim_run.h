/* sim_run.h: one complete replay: open the trace and topology, simulate, and store the metrics
 * in SQLite in one transaction. Shared by `replay` and `compare`. */
#ifndef SIM_RUN_H
#define SIM_RUN_H

#include "core/ws_params.h"
#include "sim/engine/sim_metrics.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_DEFAULT_DB "results/schedlab.db"

struct sim_run_opts {
    const char *trace;          /* file or generator spec */
    const char *topology;       /* preset, file or synth:SPEC; with machine, its name */
    const struct ws_topo *machine;   /* the machine itself (borrowed), or NULL: topology's */
    const char *strategy;
    uint64_t seed;
    struct ws_params params;
    bool per_process;
    size_t timeline_max;        /* record the schedule, at most this many slices; 0 = off */
    const char *db_path;        /* NULL: no database (benchmarks) */
    int64_t experiment_id;      /* 0 = none */
    bool progress;              /* progress line on stderr */
    volatile int *stopped;      /* set asynchronously to interrupt */
};

struct sim_run_result {
    struct sim_run_summary summary;
    uint32_t ncores;
    int64_t run_id;             /* 0 when no database */
    double wall_s;
    char trace_checksum[41];
    uint64_t tally;             /* the generator's tally (nqueens solutions), if any */
    const char *tally_name;
    uint64_t timeline_slices;   /* slices recorded (with timeline_max) */
    uint64_t timeline_dropped;  /* slices cut at timeline_max (> 0: say so) */
};

/* Run it. 0, or -1 with a message naming the file/line/field at fault in err; on failure
 * nothing is written to the database. */
int sim_run_replay(const struct sim_run_opts *o, struct sim_run_result *r, char *err,
                   size_t errlen);

struct cJSON;
/* The summary keys every run prints with --json (replay and native alike): trace, topology,
 * strategy, seed, cores, makespan_ns, processes, events, steals, steal_attempts, migrations,
 * preemptions, messages, utilization, wait/resp p50 and p99, energy_j, the derived metrics
 * (migrations_considered, migration_rate_per_s, migration_success_rate, migration_cost_avg_ns,
 * busy_cv, busy_max_mean, steal_success_rate), wall_s, events_per_s, run_id. The caller adds
 * its own keys and owns the object. NULL when out of memory. */
struct cJSON *sim_summary_json(const char *trace, const char *topology, const char *strategy,
                               uint64_t seed, uint32_t cores, const struct sim_run_summary *s,
                               double wall_s, int64_t run_id);

/* The derived metrics of s as two lines of the human summary (replay, native). */
void sim_print_derived_metrics(FILE *f, const struct sim_run_summary *s);

/* The parameters of p that differ from the defaults, "name=value ..." in table order, or "-"
 * when none does: the `params` key of replay's and native's --json, as in compare's rows. */
void sim_params_label(const struct ws_params *p, char *buf, size_t len);

/* Every parameter of p as one JSON object (malloc'd; NULL when out of memory). */
char *sim_params_json(const struct ws_params *p);

/* Print the parameter table (name, default, range, meaning) for --help. */
void sim_params_help(FILE *f);

/* Apply "name=value" to p; -1 with a message in err. */
int sim_params_apply(struct ws_params *p, const char *assignment, char *err, size_t errlen);

#endif
