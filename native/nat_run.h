/* nat_run.h: one complete native run, from names to a stored run: detect the host, build the
 * workers' topology for the binding, run the workload on pinned workers, check its answer,
 * and store the metrics in SQLite (mode 'native') in one transaction. Shared by `native`,
 * `validate`, `bench forkjoin` and the tests. */
#ifndef NAT_RUN_H
#define NAT_RUN_H

#include "core/ws_params.h"
#include "native/nat_metrics.h"
#include "native/nat_topo.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nat_run_opts {
    const char *workload;         /* fib:N, nqueens:N, uts:SET, chain:N, or any trace */
    uint32_t threads;             /* workers; 0 = every core of the host */
    const char *strategy;
    enum nat_bind bind;           /* with params.bind_order: where workers go (nat_topo.h) */
    uint64_t seed;
    struct ws_params params;
    double scale;                 /* replay: RUN, WAIT and arrival ns multiplied by this (0 = 1) */
    bool replay;                  /* replay fib/nqueens/uts as traces instead of computing */
    bool slow;                    /* no private rings: every spawn and pick through ws_sched */
    const char *root_affinity;    /* computed workloads: "strict:LIST" or "preferred:N"; NULL */
    uint32_t roots;               /* computed workloads: copies of the root, placed on workers
                                     0, 1, ... in turn, each checked (0 = 1; validate's
                                     co-running trials) */
    const char *db_path;          /* NULL: store nothing */
    const char *calibration_json; /* stored in the params JSON as "calibration"; NULL: none */
    const struct ws_topo *host;   /* the host model (NULL: detect it) */
    double busy_ipn;              /* replay: nat_busy iterations per ns (0: calibrate) */
    uint64_t read_ahead_max;      /* replay: most records read before the run (nat_replay.h;
                                     0: NAT_REPLAY_PRELOAD_MAX) */
    volatile int *stopped;        /* set asynchronously to interrupt */
    size_t timeline_max;          /* --timeline: record the schedule, at most this many slices
                                     (stored with the run; needs db_path); 0 = off */
};

struct nat_run_result {
    struct sim_run_summary summary;
    struct nat_extra x;
    uint32_t ncores;
    int64_t run_id;               /* 0 when no database */
    double wall_s;                /* the whole run: setup, run, checks */
    char topology[64];            /* as stored: "host:N:BINDING" */
    const char *tally_name;       /* "result", "solutions", "nodes", "chain"; NULL for replay */
    uint64_t tally;
    uint64_t expected;            /* the right tally (checked: a mismatch fails the run) */
    double busy_ipn;              /* the busy-loop rate used (replay) */
    uint64_t read_ahead;          /* replay: records read before the run */
    uint64_t roots_at_start;      /* replay: roots injected before the workers start (spawn 0) */
    uint64_t per_core_run[64];    /* processes run by each of the first 64 cores */
    uint64_t per_core_busy[64];   /* ... and their busy ns */
    uint64_t per_core_steals_in[64], per_core_steals_out[64];   /* ... their steals as thief
                                                                   and as victim */
    uint64_t per_core_idle[64];   /* ... their idle ns ... */
    uint64_t per_core_awake[64];  /* ... and of that awake (spinning, stealing: CPU) */
    uint32_t pinned_workers;      /* workers pinned to one CPU (x.pinned: all of them) */
    uint32_t masked_workers;      /* unpinned workers given an affinity mask (dynamic, hybrid) */
    uint64_t timeline_slices;     /* --timeline: slices stored */
    uint64_t timeline_dropped;    /* ... and slices cut at the cap */
};

/* Run it. 0, or -1 with a message in err (bad workload or options, a wrong answer, a deadlock,
 * an interrupt); on failure nothing is written to the database. */
int nat_run(const struct nat_run_opts *o, struct nat_run_result *r, char *err, size_t errlen);

/* Defaults: locality, static binding, seed 1, default params, fast path on. */
void nat_run_defaults(struct nat_run_opts *o);

#endif
