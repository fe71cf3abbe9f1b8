/* nat_work.h: what a native run executes: the fork-join workloads computed for real (fib:N,
 * nqueens:N, uts:SET or uts:t=..), each with the answer every run is checked against, the
 * spawn-chain used for calibration, and replay of any other trace (nat_replay.h). */
#ifndef NAT_WORK_H
#define NAT_WORK_H

#include "native/nat_rt.h"
#include "sim/trace/sim_uts.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum nat_work_kind { NAT_WORK_FIB = 0, NAT_WORK_NQUEENS, NAT_WORK_UTS, NAT_WORK_CHAIN,
                     NAT_WORK_REPLAY };

struct nat_workload {
    enum nat_work_kind kind;
    char spec[512];               /* as given */
    char canonical[512];          /* the trace source's canonical spec (replay and checks) */
    char checksum[41];            /* hex SHA-1 of the trace (sim_trace_checksum) */
    uint32_t n;                   /* fib n, nqueens board size, chain length */
    struct sim_uts_params uts;
    char uts_set[32];             /* the standard set the parameters are, or "" */
    const char *tally_name;       /* "result", "solutions", "nodes"; NULL for replay */
    uint64_t expected;            /* the right tally */
    uint64_t expected_processes;  /* processes a run must complete; 0 = not known in advance */
};

/* Parse WORKLOAD: fib:N, nqueens:N, uts:SET / uts:t=..,a=.. (computed natively unless
 * force_replay), chain:N (N processes, each spawning the next: the spawn-cost calibration),
 * or any trace sim_trace_open accepts (replayed). For uts parameters that are no published set
 * the expected node count is computed here by a sequential walk. 0, or -1 with a message. */
int nat_work_parse(const char *spec, bool force_replay, struct nat_workload *wl, char *err,
                   size_t errlen);

/* The root process of a computed workload (rt->work must point at wl). NULL when out of
 * memory. */
struct nat_proc *nat_work_root(struct nat_rt *rt, const struct nat_workload *wl);

/* The tally a finished run computed: the root's joined value or the workers' count. */
uint64_t nat_work_tally(const struct nat_rt *rt, const struct nat_workload *wl,
                        uint64_t worker_tally);

/* The right tally of a run of `copies` copies of the root: each joins the same value (fib,
 * nqueens), workers' counts add up (UTS nodes, chain). */
uint64_t nat_work_expected(const struct nat_workload *wl, uint64_t copies);

/* Published size of UTS standard set `name` (0 if it has none). */
uint64_t nat_uts_published(const char *name);

/* State of UTS child i: SHA1(parent || i as 4 bytes big-endian), as sim_uts_child, through
 * libcrypto's low-level SHA-1 (several times faster than the one-shot SHA1() of OpenSSL 3). */
void nat_uts_child(const uint8_t parent[SIM_UTS_DIGEST], uint32_t i, uint8_t out[SIM_UTS_DIGEST]);

/* Nodes of a UTS tree counted sequentially (explicit stack). */
uint64_t nat_uts_count(const struct sim_uts_params *p);

/* Known answers: F(n) for n <= 93; nqueens solutions for n = 1..17 (0 if unknown). */
uint64_t nat_fib_value(uint32_t n);
uint64_t nat_nqueens_solutions(uint32_t n);

/* The step functions, for tests that build processes by hand. */
enum nat_step nat_fib_step(struct nat_worker *w, struct nat_proc *p);
enum nat_step nat_nqueens_step(struct nat_worker *w, struct nat_proc *p);
enum nat_step nat_uts_step(struct nat_worker *w, struct nat_proc *p);
enum nat_step nat_chain_step(struct nat_worker *w, struct nat_proc *p);

#endif
