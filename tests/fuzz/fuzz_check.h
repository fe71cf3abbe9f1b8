/* fuzz_check.h: what every trace-source fuzz target checks on the records a source hands out:
 * the invariants of struct sim_trace_rec (sim/trace/sim_trace.h), and a walk of the whole trace. */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include "tests/fuzz/fuzz_common.h"

#include "sim/trace/sim_trace.h"

#define MAX_RECORDS 20000   /* consumers stop after this many records */

/* A broken promise aborts: a crash the fuzzer reports with the input. */
static inline void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz: broken invariant: %s\n", what);
        abort();
    }
}

static inline void check_rec(const struct sim_trace_rec *r, const struct sim_trace_rec *parent)
{
    check(r->id <= SIM_TRACE_MAX_INT, "id <= 2^53 - 1");
    check(r->prio < SIM_PRIO_COUNT && r->aff_kind < SIM_AFF_COUNT, "prio and affinity kinds");
    check((r->aff_ncores == 0) == (r->aff_kind == SIM_AFF_NONE), "aff_ncores == 0 iff none");
    for (uint32_t i = 1; i < r->aff_ncores; i++)
        check(r->aff_cores[i - 1] < r->aff_cores[i], "affinity cores sorted, no duplicates");
    if (r->aff_preferred >= 0) {
        bool found = false;
        for (uint32_t i = 0; i < r->aff_ncores; i++)
            found |= r->aff_cores[i] == (uint32_t)r->aff_preferred;
        check(found && r->aff_kind == SIM_AFF_PREFERRED, "preferred core is one of the cores");
    }
    for (uint32_t i = 0; i < r->nphases; i++) {
        check(r->phases[i].kind < SIM_PHASE_COUNT, "phase kind");
        check(r->phases[i].kind != SIM_PHASE_EXIT || i + 1 == r->nphases, "exit is last");
        check(r->phases[i].kind != SIM_PHASE_SPAWN || r->phases[i].arg != r->id,
              "no process spawns itself");
    }
    if (parent == NULL) {
        check(r->parent == SIM_TRACE_NO_PARENT && r->depth == 0, "roots have no parent");
    } else {
        check(r->parent == parent->id, "child names its parent");
        check(r->depth == parent->depth + 1, "depth = parent's + 1");
    }
}

static inline int fuzz_visit(void *ctx, const struct sim_trace_rec *rec,
                             const struct sim_trace_rec *parent)
{
    uint64_t *n = ctx;
    check_rec(rec, parent);
    return ++*n > MAX_RECORDS;
}

/* Walk t (fresh) as `trace stats` does, checking every record; the stats go to *out when it is
 * not NULL. Returns the walk's status (an error must come with a message). */
static inline int fuzz_walk(struct sim_trace *t, struct sim_trace_stats *out)
{
    struct sim_trace_stats st;
    uint64_t n = 0;
    int rc = sim_trace_walk(t, &st, fuzz_visit, &n);
    if (rc != SIM_TRACE_OK)
        check(sim_trace_error(t)[0] != '\0', "walk failure has a message");
    else
        check(st.processes == n && st.roots <= st.processes, "walk counts what it visits");
    sim_trace_checksum(t);
    if (out != NULL)
        *out = st;
    return rc;
}

#endif
