/* peer.h: what the peer programs of `schedlab bench forkjoin` share: arguments, a clock, the UTS
 * tree (sim/trace/sim_uts.h, with the SHA-1 of native/nat_forkjoin.c so that every contender hashes
 * the same way), and the one JSON line each prints. C and C++.
 *
 * Usage of a peer:  PEER fib N THREADS REPS  |  PEER uts SET THREADS REPS
 * Output: {"peer":..,"workload":..,"threads":..,"tasks":..,"result":..,"ns":..,"reps":..}
 * where tasks counts one task per call (fib: 2F(N+1)-1; uts: one per node), result is fib(N)
 * or the node count, and ns the median wall time of REPS runs. */
#ifndef PEER_H
#define PEER_H

#ifdef __cplusplus
extern "C" {
#endif
#include "sim/trace/sim_uts.h"
void nat_uts_child(const uint8_t parent[SIM_UTS_DIGEST], uint32_t i, uint8_t out[SIM_UTS_DIGEST]);
#ifdef __cplusplus
}
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PEER_MAX_REPS 64
#define PEER_MAX_THREADS 256

struct peer_job {
    int fib;                      /* 1: fib, 0: uts */
    int n;                        /* fib's N */
    const char *set;              /* uts's set name */
    struct sim_uts_params uts;
    int threads, reps;
};

static inline uint64_t peer_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* 0, or -1 after printing the usage. */
static inline int peer_args(int argc, char **argv, struct peer_job *j)
{
    memset(j, 0, sizeof(*j));
    if (argc == 5 && strcmp(argv[1], "fib") == 0) {
        j->fib = 1;
        j->n = atoi(argv[2]);
    } else if (argc == 5 && strcmp(argv[1], "uts") == 0 && sim_uts_preset(argv[2], &j->uts)) {
        j->set = argv[2];
    } else {
        fprintf(stderr, "usage: %s fib N THREADS REPS | %s uts SET THREADS REPS\n", argv[0],
                argv[0]);
        return -1;
    }
    j->threads = atoi(argv[3]);
    j->reps = atoi(argv[4]);
    if (j->n < 0 || j->n > 60 || j->threads < 1 || j->threads > PEER_MAX_THREADS ||
        j->reps < 1 || j->reps > PEER_MAX_REPS) {
        fprintf(stderr, "%s: fib N 0..60, THREADS 1..%d, REPS 1..%d\n", argv[0],
                PEER_MAX_THREADS, PEER_MAX_REPS);
        return -1;
    }
    return 0;
}

static inline uint64_t peer_fib_tasks(int n)
{
    uint64_t a = 0, b = 1;   /* F(k), F(k+1) */
    for (int i = 0; i <= n; i++) {
        uint64_t c = a + b;
        a = b;
        b = c;
    }
    return 2 * a - 1;        /* 2 F(n+1) - 1 */
}

static inline int peer_cmp(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

static inline void peer_print(const char *peer, const struct peer_job *j, uint64_t tasks,
                              uint64_t result, uint64_t *ns)
{
    qsort(ns, (size_t)j->reps, sizeof(*ns), peer_cmp);
    char wl[64];
    if (j->fib)
        snprintf(wl, sizeof wl, "fib:%d", j->n);
    else
        snprintf(wl, sizeof wl, "uts:%s", j->set);
    printf("{\"peer\":\"%s\",\"workload\":\"%s\",\"threads\":%d,\"tasks\":%llu,\"result\":%llu,"
           "\"ns\":%llu,\"reps\":%d}\n", peer, wl, j->threads, (unsigned long long)tasks,
           (unsigned long long)result, (unsigned long long)ns[j->reps / 2], j->reps);
}

#endif
