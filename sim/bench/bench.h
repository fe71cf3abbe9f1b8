/* bench.h: what every `schedlab bench` benchmark receives and returns: options in, a list of
 * named numbers out (printed as a table or as one JSON object). */
#ifndef SIM_BENCH_H
#define SIM_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_BENCH_MAX_KEYS 48
#define SIM_BENCH_MAX_REPS 64
#define SIM_BENCH_MAX_TEXT 4
#define SIM_BENCH_TEXT_LEN 64

struct sim_bench_opts {
    unsigned reps;        /* repetitions per measurement; medians are reported */
    uint64_t items;       /* work per repetition (meaning depends on the benchmark) */
    bool progress;        /* show progress on stderr (a terminal) */
    bool no_peers;        /* forkjoin: do not run the OpenMP / oneTBB peers (said in the output) */
};

struct sim_bench_result {
    unsigned n;
    const char *key[SIM_BENCH_MAX_KEYS];
    double value[SIM_BENCH_MAX_KEYS];
    unsigned ntext;                             /* named strings, e.g. which deque back end */
    const char *text_key[SIM_BENCH_MAX_TEXT];
    char text_value[SIM_BENCH_MAX_TEXT][SIM_BENCH_TEXT_LEN];
};

void   sim_bench_add(struct sim_bench_result *r, const char *key, double value);
double sim_bench_get(const struct sim_bench_result *r, const char *key); /* NaN if absent */
void   sim_bench_add_text(struct sim_bench_result *r, const char *key, const char *value);
void   sim_bench_progress(const struct sim_bench_opts *o, const char *what, unsigned done,
                          unsigned total);

/* True when this process runs under a user-mode CPU emulator (qemu-user), whose times are not
 * figures of the hardware the binary targets; why receives the evidence (bench_emul.c). */
bool   sim_bench_emulated(char *why, size_t len);

/* Benchmarks: 0 on success, -1 if they could not run (allocation failure; a missing or failing
 * peer program or a wrong answer, said on stderr). */
int sim_bench_deque(const struct sim_bench_opts *o, struct sim_bench_result *r);
int sim_bench_sim(const struct sim_bench_opts *o, struct sim_bench_result *r);
int sim_bench_forkjoin(const struct sim_bench_opts *o, struct sim_bench_result *r);

#endif
