/* nat_forkjoin.c: the computed workloads as process state machines: fib and nqueens join their
 * children's values (nat_join_*), UTS nodes spawn their children and exit (the simulator's uts
 * generator has no join either; the workers count nodes), and the spawn chain. Each mirrors the
 * phase structure of its generator in sim/trace/sim_gen_forkjoin.c and sim/trace/sim_uts.c, so a native run
 * and a replay of the same spec create the same processes. */
#include "native/nat_work.h"

#include <string.h>

/* The UTS tree of the simulator's generator, hashed the same way (sim/trace/sim_uts.c). */
void nat_uts_child(const uint8_t parent[SIM_UTS_DIGEST], uint32_t i, uint8_t out[SIM_UTS_DIGEST])
{
    sim_uts_child(parent, i, out);
}

/* A child of fib process p computing fib(n), spawned through nat_spawn; false when the run
 * has failed (out of memory). */
static inline __attribute__((always_inline)) bool fib_child(struct nat_worker *w,
                                                           struct nat_proc *p, uint32_t n)
{
    struct nat_proc *c = nat_proc_new(w, p, nat_fib_step);
    if (c == NULL)
        return false;
    c->parent = p;
    c->u.fj.n = n;
    nat_spawn(w, c);
    return true;
}

/* As fib_child for a p that nat_fork_plain accepted: nat_fork_put, after nat_fork_live, with
 * its id from nat_fork_ids. */
static inline __attribute__((always_inline)) bool fib_child_put(struct nat_worker *w,
                                                               struct nat_proc *p, uint32_t n,
                                                               uint64_t id)
{
    struct nat_proc *c = nat_proc_new_plain(w, nat_fib_step, id);
    if (c == NULL)
        return false;
    c->parent = p;
    c->u.fj.n = n;
    return nat_fork_put(w, c);
}

/* fib(n) for n >= 2: spawn fib(n-1), fib(n-2), join both. Out of line, so that the step's
 * exits (most of its runs) save no registers for the spawns, which are unrolled (a loop of
 * two costs a mispredicted exit branch per fork). */
static __attribute__((noinline)) enum nat_step fib_fork(struct nat_worker *w, struct nat_proc *p,
                                                        uint32_t n)
{
    nat_join_expect(w, p, 2);
    p->state = 1;   /* before the children: the last arrival may run p elsewhere at once */
    /* Out of memory: the run has failed; p stays blocked. */
    if (WS_LIKELY(nat_fork_plain(w, p))) {
        nat_fork_live(w, 2);
        uint64_t id = nat_fork_ids(w, 2), step = w->nworkers;
        uint32_t put = 0;
        if (fib_child_put(w, p, n - 1, id) && (put = 1, fib_child_put(w, p, n - 2, id + step)))
            put = 2;
        nat_fork_pushed(w, put);
    } else if (fib_child(w, p, n - 1)) {
        fib_child(w, p, n - 2);
    }
    return NAT_BLOCK;   /* p is not touched again here (nat_join_expect) */
}

/* fib(n): n < 2 sends n; otherwise spawn fib(n-1), fib(n-2), join both, send the sum. */
enum nat_step nat_fib_step(struct nat_worker *w, struct nat_proc *p)
{
    uint64_t v;
    if (p->state != 0)
        v = nat_join_value(p);
    else if (p->u.fj.n < 2)
        v = p->u.fj.n;
    else
        return fib_fork(w, p, p->u.fj.n);
    return nat_join_arrive(w, p->parent, v);
}

/* The children of queens process p, one per free column (avail, ascending); plain: p was
 * accepted by nat_fork_plain (a constant in each copy), the children then go through
 * nat_fork_put, after nat_fork_live, and are counted by nat_fork_pushed. */
static inline __attribute__((always_inline)) void nqueens_children(struct nat_worker *w,
                                                                  struct nat_proc *p,
                                                                  struct nat_fj b, uint32_t avail,
                                                                  uint32_t mask, bool plain)
{
    uint32_t put = 0, k = (uint32_t)__builtin_popcount(avail);
    uint64_t id = plain ? nat_fork_ids(w, k) : 0, step = w->nworkers;
    if (plain)
        nat_fork_live(w, k);
    for (uint32_t a = avail; a != 0; a &= a - 1, id += step) {
        uint32_t bit = a & -a;
        struct nat_proc *c = plain ? nat_proc_new_plain(w, nat_nqueens_step, id)
                                   : nat_proc_new(w, p, nat_nqueens_step);
        if (c == NULL)
            break;   /* out of memory: the run has failed; p stays blocked */
        c->parent = p;
        c->u.fj = (struct nat_fj){ 0, b.row + 1, b.cols | bit, ((b.ld | bit) << 1) & mask,
                                   (b.rd | bit) >> 1 };
        if (!plain)
            nat_spawn(w, c);
        else if (nat_fork_put(w, c))
            put++;
        else
            break;
    }
    if (plain)
        nat_fork_pushed(w, put);
}

/* Queens process p spawns a child per free column of its row (avail, ascending) and joins
 * their counts. Out of line, as fib_fork. */
static __attribute__((noinline)) enum nat_step nqueens_fork(struct nat_worker *w,
                                                            struct nat_proc *p, uint32_t avail,
                                                            uint32_t mask)
{
    struct nat_fj b = p->u.fj;
    nat_join_expect(w, p, (uint32_t)__builtin_popcount(avail));
    p->state = 1;   /* before the children: the last arrival may run p elsewhere at once */
    if (WS_LIKELY(nat_fork_plain(w, p)))
        nqueens_children(w, p, b, avail, mask, true);
    else
        nqueens_children(w, p, b, avail, mask, false);
    return NAT_BLOCK;   /* p is not touched again here (nat_join_expect) */
}

/* One placement of queens on rows 0..row-1: spawn a child per free column of row (ascending),
 * join their counts; a full board counts 1, a dead end 0. */
enum nat_step nat_nqueens_step(struct nat_worker *w, struct nat_proc *p)
{
    uint64_t v;
    if (p->state != 0) {
        v = nat_join_value(p);
    } else {
        uint32_t n = ((const struct nat_workload *)w->rt->work)->n, row = p->u.fj.row;
        uint32_t mask = (uint32_t)((1u << n) - 1);
        uint32_t avail = row < n ? ~(p->u.fj.cols | p->u.fj.ld | p->u.fj.rd) & mask : 0;
        if (avail != 0)
            return nqueens_fork(w, p, avail, mask);
        v = row == n;
    }
    return nat_join_arrive(w, p->parent, v);
}

/* A UTS node: count it, spawn its children (their states are computed here, as the reference
 * does), exit. */
enum nat_step nat_uts_step(struct nat_worker *w, struct nat_proc *p)
{
    const struct nat_workload *wl = w->rt->work;
    int k = sim_uts_num_children(&wl->uts, p->u.uts.digest, p->u.uts.depth);
    w->st.tally++;
    for (int i = 0; i < k; i++) {
        struct nat_proc *c = nat_proc_new(w, p, nat_uts_step);
        if (c == NULL)
            return NAT_EXIT;
        nat_uts_child(p->u.uts.digest, (uint32_t)i, c->u.uts.digest);
        c->u.uts.depth = p->u.uts.depth + 1;
        nat_spawn(w, c);
    }
    return NAT_EXIT;
}

/* chain:N: process i spawns process i+1 and exits; the last counts the chain. The cost of one
 * spawn, dispatch and exit with nothing else. */
enum nat_step nat_chain_step(struct nat_worker *w, struct nat_proc *p)
{
    w->st.tally++;
    if (p->u.fj.n > 1) {
        struct nat_proc *c = nat_proc_new(w, p, nat_chain_step);
        if (c == NULL)
            return NAT_EXIT;
        c->u.fj.n = p->u.fj.n - 1;
        nat_spawn(w, c);
    }
    return NAT_EXIT;
}

struct nat_proc *nat_work_root(struct nat_rt *rt, const struct nat_workload *wl)
{
    static const nat_step_fn steps[] = {
        [NAT_WORK_FIB] = nat_fib_step, [NAT_WORK_NQUEENS] = nat_nqueens_step,
        [NAT_WORK_UTS] = nat_uts_step, [NAT_WORK_CHAIN] = nat_chain_step,
    };
    if (wl->kind == NAT_WORK_REPLAY)
        return NULL;
    struct nat_proc *p = nat_rt_root_new(rt, steps[wl->kind]);
    if (p == NULL)
        return NULL;
    memset(&p->u, 0, sizeof(p->u));
    if (wl->kind == NAT_WORK_UTS)
        sim_uts_root(wl->uts.root_seed, p->u.uts.digest);
    else
        p->u.fj.n = wl->n;
    return p;
}

/* The root's joined value is the tally (fib, nqueens), else the workers' count. */
static bool joined(const struct nat_workload *wl)
{
    return wl->kind == NAT_WORK_FIB || wl->kind == NAT_WORK_NQUEENS;
}

uint64_t nat_work_tally(const struct nat_rt *rt, const struct nat_workload *wl,
                        uint64_t worker_tally)
{
    return joined(wl) ? atomic_load_explicit(&rt->result, memory_order_relaxed) : worker_tally;
}

uint64_t nat_work_expected(const struct nat_workload *wl, uint64_t copies)
{
    return joined(wl) ? wl->expected : wl->expected * copies;
}
