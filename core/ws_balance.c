/* ws_balance.c: the periodic balancer, modelled on BEAM's check_balance.
 *
 * Every balance_interval_ns one core (whichever reaches a scheduling point when the pass is
 * due) compares the cores' weighted loads with the mean. Cores above mean + imbalance_threshold
 * are paired, most loaded first, with the least loaded cores below the mean, and for each pair:
 *   - a migration path is set: the overloaded core's new spawns go to its partner
 *     (ws_sched_spawn reads emigrate_to for processes without affinity), as BEAM's emigration
 *     flags do, until the next pass;
 *   - waiting processes move at once from the top of the overloaded core's queues into the
 *     partner's inbox, half the excess at most, each through the same affinity, limit and cost
 *     checks as a steal and counted as a balancer move and a migration.
 * Cores without a partner get their path cleared. The pass costs O(cores log cores). */
#include "core/ws_alloc.h"
#include "core/ws_atomic.h"
#include "core/ws_migrate.h"
#include "core/ws_sched_int.h"

#include <stdlib.h>

struct load_entry {
    uint64_t load;
    uint32_t core;
};

static int by_load_desc(const void *a, const void *b)
{
    const struct load_entry *x = a, *y = b;
    if (x->load != y->load)
        return x->load < y->load ? 1 : -1;
    return (x->core > y->core) - (x->core < y->core);
}

struct move_ctx {
    struct ws_sched *s;
    uint32_t to, from;
    uint64_t now;
};

static bool may_move(const void *item, void *arg)
{
    const struct move_ctx *m = arg;
    const struct ws_proc *p = item;
    return ws_proc_allowed(p, m->to) &&
           ws_migrate_check(m->s, p, m->from, m->to, m->now) == WS_STEAL_OK;
}

/* Move up to n waiting processes from `from` to `to`'s inbox, acting as core `self`. */
static void move_some(struct ws_sched *s, uint32_t self, uint32_t from, uint32_t to, uint64_t n)
{
    struct move_ctx m = { s, to, from, s->plat->now_ns(s->ctx, self) };
    for (uint64_t i = 0; i < n; i++) {
        void *x = NULL;
        int q;
        for (q = 0; q < WS_PRIO_COUNT; q++)
            if (ws_deque_steal_if(&s->cores[from].q[q], &x, may_move, &m) == WS_OK)
                break;
        if (q == WS_PRIO_COUNT)
            return;
        struct ws_proc *p = x;
        ws_migrate_commit(s, p, from, to, m.now);
        s->cores[self].stats.balance_moves++;
        ws_sched_enqueue_on(s, self, to, p);
    }
}

bool ws_sched_balance(struct ws_sched *s, uint32_t core)
{
    uint64_t now = s->plat->now_ns(s->ctx, core);
    if (s->p.balance_interval_ns == 0 || now < s->next_balance_ns || s->ncores < 2)
        return false;
    s->next_balance_ns = now + s->p.balance_interval_ns;
    struct load_entry *e = ws_malloc(sizeof(*e) * s->ncores);
    if (e == NULL)
        return false;   /* try again next period */
    uint64_t total = 0;
    for (uint32_t c = 0; c < s->ncores; c++) {
        e[c].core = c;
        e[c].load = ws_sched_load(s, c);
        total += e[c].load;
        s->cores[c].emigrate_to = WS_CORE_NONE;
    }
    qsort(e, s->ncores, sizeof(*e), by_load_desc);
    uint64_t mean = total / s->ncores;
    uint32_t lo = s->ncores - 1;
    for (uint32_t hi = 0; hi < lo; hi++, lo--) {
        if (e[hi].load <= mean + s->p.imbalance_threshold || e[lo].load >= mean)
            break;
        s->cores[e[hi].core].emigrate_to = e[lo].core;
        uint64_t w = s->p.load_w_normal ? s->p.load_w_normal : 1;
        move_some(s, core, e[hi].core, e[lo].core, (e[hi].load - mean) / w / 2);
    }
    ws_free(e);
    return true;
}
