/* bench.h: what every `schedlab bench` benchmark receives and returns: options in, a list of
 * named numbers out (printed as a table or as one JSON object). */
#ifndef SIM_BENCH_H
#define SIM_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#define SIM_BENCH_MAX_KEYS 48
#define SIM_BENCH_MAX_REPS 64

struct sim_bench_opts {
    unsigned reps;        /* repetitions per measurement; medians are reported */
    uint64_t items;       /* work per repetition (meaning depends on the benchmark) */
    bool progress;        /* show progress on stderr (a terminal) */
};

struct sim_bench_result {
    unsigned n;
    const char *key[SIM_BENCH_MAX_KEYS];
    double value[SIM_BENCH_MAX_KEYS];
};

void   sim_bench_add(struct sim_bench_result *r, const char *key, double value);
double sim_bench_get(const struct sim_bench_result *r, const char *key); /* NaN if absent */
void   sim_bench_progress(const struct sim_bench_opts *o, const char *what, unsigned done,
                          unsigned total);

/* Benchmarks: 0 on success, -1 if they could not run (allocation failure). */
int sim_bench_deque(const struct sim_bench_opts *o, struct sim_bench_result *r);
int sim_bench_sim(const struct sim_bench_opts *o, struct sim_bench_result *r);
int sim_bench_forkjoin(const struct sim_bench_opts *o, struct sim_bench_result *r);

#endif
