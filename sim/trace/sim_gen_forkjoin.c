/* sim_gen_forkjoin.c: the fork-join generators fib:N and nqueens:N: one process per call,
 * children spawned, results joined by messages to the parent. */
#include "sim/trace/sim_gen.h"

#include <stdlib.h>

/* ---- fib ------------------------------------------------------------------------------------
 * fib(n), n >= 2: spawn fib(n-1), spawn fib(n-2), recv, recv, run(work), send(parent).
 * fib(n), n < 2:  run(work), send(parent).   (The root sends nothing.)
 * Processes: S(n) = 2 F(n+1) - 1. Ids are preorder numbers, a pure function of the position in
 * the tree: root 0, first child id + 1, second child id + 1 + S(n-1). gen[0] = n.
 * The tally "result" counts fib(1) leaves: after a whole walk it equals F(n). */

#define FIB_MAX 75   /* S(75) < 2^53: ids stay exact in JSON */

struct fib_gen {
    struct sim_trace base;
    uint64_t n, ws;
    struct sim_gen_work work;
    uint64_t size[FIB_MAX + 1];   /* S(k) */
    bool root_given;
};

static struct sim_trace_rec *fib_node(struct fib_gen *g, uint64_t id, uint64_t n,
                                      const struct sim_trace_rec *parent)
{
    bool inner = n >= 2, has_parent = parent != NULL;
    uint32_t np = (inner ? 5u : 1u) + (has_parent ? 1u : 0u);
    struct sim_trace_rec *r = sim_gen_rec(&g->base, np, 0, id, parent, g->ws);
    if (r == NULL)
        return NULL;
    struct sim_trace_phase *ph = sim_trace_rec_phases(r);
    uint32_t k = 0;
    if (inner) {
        ph[k++] = (struct sim_trace_phase){ id + 1, SIM_PHASE_SPAWN };
        ph[k++] = (struct sim_trace_phase){ id + 1 + g->size[n - 1], SIM_PHASE_SPAWN };
        ph[k++] = (struct sim_trace_phase){ 0, SIM_PHASE_RECV };
        ph[k++] = (struct sim_trace_phase){ 0, SIM_PHASE_RECV };
    }
    ph[k++] = (struct sim_trace_phase){ sim_gen_work_ns(g->work, id), SIM_PHASE_RUN };
    if (has_parent)
        ph[k++] = (struct sim_trace_phase){ parent->id, SIM_PHASE_SEND };
    r->gen[0] = n;
    if (n == 1)
        g->base.tally++;
    return r;
}

static int fib_next_root(struct sim_trace *t, struct sim_trace_rec **out)
{
    struct fib_gen *g = (struct fib_gen *)t;
    if (t->failed)
        return SIM_TRACE_ERROR;
    if (g->root_given)
        return SIM_TRACE_END;
    if ((*out = fib_node(g, 0, g->n, NULL)) == NULL)
        return SIM_TRACE_ERROR;
    g->root_given = true;
    return SIM_TRACE_OK;
}

static int fib_child(struct sim_trace *t, const struct sim_trace_rec *parent, uint64_t cid,
                     struct sim_trace_rec **out)
{
    struct fib_gen *g = (struct fib_gen *)t;
    if (t->failed)
        return SIM_TRACE_ERROR;
    uint64_t n = parent->gen[0];
    uint64_t cn = n >= 2 && cid == parent->id + 1 ? n - 1
                  : n >= 2 && cid == parent->id + 1 + g->size[n - 1] ? n - 2 : UINT64_MAX;
    if (cn == UINT64_MAX)
        return sim_gen_fail(t, "child", "process %llu spawns no process %llu",
                            (unsigned long long)parent->id, (unsigned long long)cid);
    return (*out = fib_node(g, cid, cn, parent)) != NULL ? SIM_TRACE_OK : SIM_TRACE_ERROR;
}

static const struct sim_trace_ops fib_ops = {
    .next_root = fib_next_root,
    .child = fib_child,
    .release = sim_gen_release,
    .close = sim_gen_close,
};

static struct sim_trace *fib_open(const union sim_gen_val *v, char *err, size_t errlen)
{
    struct fib_gen *g = (struct fib_gen *)sim_gen_new(sizeof *g, &fib_ops, err, errlen);
    if (g == NULL)
        return NULL;
    g->n = v[0].u;
    g->work = sim_gen_work_of(v[1].f);
    g->ws = v[2].u;
    uint64_t f0 = 0, f1 = 1;   /* F(k), F(k+1) */
    for (int k = 0; k <= FIB_MAX; k++) {
        g->size[k] = 2 * f1 - 1;
        uint64_t f2 = f0 + f1;
        f0 = f1;
        f1 = f2;
    }
    g->base.info.roots = 1;
    g->base.info.processes = g->size[g->n];
    g->base.info.tally_name = "result";
    return &g->base;
}

static const struct sim_gen_param fib_params[] = {
    { "n", SIM_GEN_U64, NULL, 0, FIB_MAX, false, "fib(n), 0..75" },
    { "work", SIM_GEN_F64, "1000", 0, 1e15, false, "ns of run per process (a fraction is "
      "spread over the processes in whole ns)" },
    { "ws", SIM_GEN_U64, "4096", 0, 1e15, false, "working set in bytes" },
    { NULL, SIM_GEN_U64, NULL, 0, 0, false, NULL },
};

const struct sim_gen_kind sim_gen_fib = {
    .name = "fib",
    .syntax = "fib:N[,work=NS,ws=BYTES]          fork-join fib(N): 2F(N+1)-1 processes",
    .params = fib_params,
    .positional = 0,
    .open = fib_open,
};

/* ---- nqueens --------------------------------------------------------------------------------
 * One process per partial placement of queens on rows 0..r-1 that is still valid. A process at
 * row r < n spawns one child per valid column of row r (ascending), receives one message per
 * child, runs, and sends to its parent; a process with no valid column (a dead end) or at row n
 * (a solution) runs and sends. The tally "solutions" counts row-n processes.
 * Ids are a function of the placement: id = r * n! + idx, where idx numbers the placements of
 * depth r in mixed radix (digit at row j = rank of the column among the n - j unused ones), so
 * ids are below (n+1)! <= 18! < 2^53 for n <= 17.
 * gen[0] = idx, gen[1] = columns used, gen[2] = left diagonals, gen[3] = right diagonals. */

#define NQ_MAX 17

struct nq_gen {
    struct sim_trace base;
    uint64_t n, ws, fact, mask;
    struct sim_gen_work work;
    bool root_given;
};

/* The RUN of process id for a fractional work= (see sim_gen_work_ns). The ids here are sparse
 * and structured (rows n! apart, dead placements skipped), so the dense ids' telescoping total
 * does not hold and their pattern biases it (nqueens:10, frac 0.25: 344 ns short over 35539
 * processes). So each process's extra ns is drawn instead: 1 when its scrambled id falls below
 * frac, a fixed draw per id of probability frac, monotone in work=. The total is N work with a
 * spread of sqrt(N frac (1 - frac)) ns, at most 0.5 / sqrt(N) ns per process (nqueens:10:
 * 0.003 ns, nqueens:12: 0.0005 ns). An integral work= gives every process exactly work. */
static uint64_t nq_work_ns(const struct nq_gen *g, uint64_t id)
{
    return g->work.whole + (sim_gen_mix(id) < g->work.frac);
}

static struct sim_trace_rec *nq_node(struct nq_gen *g, uint64_t idx, uint32_t row,
                                     uint64_t cols, uint64_t ld, uint64_t rd,
                                     const struct sim_trace_rec *parent)
{
    uint64_t avail = row < g->n ? ~(cols | ld | rd) & g->mask : 0;
    uint32_t k = (uint32_t)__builtin_popcountll(avail);
    uint32_t np = 2 * k + 1 + (parent != NULL);
    uint64_t id = row * g->fact + idx;
    struct sim_trace_rec *r = sim_gen_rec(&g->base, np, 0, id, parent, g->ws);
    if (r == NULL)
        return NULL;
    struct sim_trace_phase *ph = sim_trace_rec_phases(r);
    uint32_t j = 0;
    uint64_t child_base = (row + 1) * g->fact + idx * (g->n - row);
    for (uint64_t a = avail; a != 0; a &= a - 1) {
        uint64_t bit = a & -a;
        uint64_t rank = (uint64_t)__builtin_popcountll(~cols & (bit - 1) & g->mask);
        ph[j++] = (struct sim_trace_phase){ child_base + rank, SIM_PHASE_SPAWN };
    }
    for (uint32_t i = 0; i < k; i++)
        ph[j++] = (struct sim_trace_phase){ 0, SIM_PHASE_RECV };
    ph[j++] = (struct sim_trace_phase){ nq_work_ns(g, id), SIM_PHASE_RUN };
    if (parent != NULL)
        ph[j++] = (struct sim_trace_phase){ parent->id, SIM_PHASE_SEND };
    r->gen[0] = idx;
    r->gen[1] = cols;
    r->gen[2] = ld;
    r->gen[3] = rd;
    if (row == g->n)
        g->base.tally++;
    return r;
}

static int nq_next_root(struct sim_trace *t, struct sim_trace_rec **out)
{
    struct nq_gen *g = (struct nq_gen *)t;
    if (t->failed)
        return SIM_TRACE_ERROR;
    if (g->root_given)
        return SIM_TRACE_END;
    if ((*out = nq_node(g, 0, 0, 0, 0, 0, NULL)) == NULL)
        return SIM_TRACE_ERROR;
    g->root_given = true;
    return SIM_TRACE_OK;
}

static int nq_child(struct sim_trace *t, const struct sim_trace_rec *parent, uint64_t cid,
                    struct sim_trace_rec **out)
{
    struct nq_gen *g = (struct nq_gen *)t;
    if (t->failed)
        return SIM_TRACE_ERROR;
    uint32_t row = parent->depth;
    uint64_t cols = parent->gen[1], ld = parent->gen[2], rd = parent->gen[3];
    uint64_t base = (row + 1) * g->fact + parent->gen[0] * (g->n - row);
    uint64_t rank = cid - base;
    uint64_t avail = row < g->n ? ~(cols | ld | rd) & g->mask : 0;
    for (uint64_t a = avail; cid >= base && a != 0; a &= a - 1) {
        uint64_t bit = a & -a;
        if ((uint64_t)__builtin_popcountll(~cols & (bit - 1) & g->mask) != rank)
            continue;
        *out = nq_node(g, rank + parent->gen[0] * (g->n - row), row + 1, cols | bit,
                       ((ld | bit) << 1) & g->mask, (rd | bit) >> 1, parent);
        return *out != NULL ? SIM_TRACE_OK : SIM_TRACE_ERROR;
    }
    return sim_gen_fail(t, "child", "process %llu spawns no process %llu",
                        (unsigned long long)parent->id, (unsigned long long)cid);
}

static const struct sim_trace_ops nq_ops = {
    .next_root = nq_next_root,
    .child = nq_child,
    .release = sim_gen_release,
    .close = sim_gen_close,
};

static struct sim_trace *nq_open(const union sim_gen_val *v, char *err, size_t errlen)
{
    struct nq_gen *g = (struct nq_gen *)sim_gen_new(sizeof *g, &nq_ops, err, errlen);
    if (g == NULL)
        return NULL;
    g->n = v[0].u;
    g->work = sim_gen_work_of(v[1].f);
    g->ws = v[2].u;
    g->fact = 1;
    for (uint64_t i = 2; i <= g->n; i++)
        g->fact *= i;
    g->mask = (1ULL << g->n) - 1;
    g->base.info.roots = 1;
    g->base.info.tally_name = "solutions";
    return &g->base;
}

static const struct sim_gen_param nq_params[] = {
    { "n", SIM_GEN_U64, NULL, 1, NQ_MAX, false, "board size, 1..17" },
    { "work", SIM_GEN_F64, "1000", 0, 1e15, false, "ns of run per process (a fraction is "
      "spread over the processes in whole ns)" },
    { "ws", SIM_GEN_U64, "4096", 0, 1e15, false, "working set in bytes" },
    { NULL, SIM_GEN_U64, NULL, 0, 0, false, NULL },
};

const struct sim_gen_kind sim_gen_nqueens = {
    .name = "nqueens",
    .syntax = "nqueens:N[,work=NS,ws=BYTES]      fork-join N-queens search, one process per "
              "valid partial placement",
    .params = nq_params,
    .positional = 0,
    .open = nq_open,
};
