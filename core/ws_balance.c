/* ws_balance.c: the periodic balancer, modelled on BEAM's check_balance (erl_process.c).
 *
 * The design
 * ----------
 * A pass runs every balance_interval_ns, on one core at a time: whichever core reaches a
 * scheduling point first once the pass is due wins the `balancing` flag (the drivers call
 * ws_sched_balance at every scheduling point; BEAM uses an atomic flag the same way). The pass
 * moves nothing itself. For each priority it
 *   1. reads every core's queue length (inbox processes count as normal),
 *   2. sets each core's migration limit to the average length over the active cores, rounded
 *      up (BEAM: migration_limit from the run queues' maximum lengths),
 *   3. pairs the core most over its limit with the core most under it, the second most over
 *      with the second most under, and so on, and publishes each pair as an emigration path on
 *      the over core and an immigration path on the under core (BEAM: mpath, the EMIGRATE and
 *      IMMIGRATE flags); every other path is cleared.
 * Between passes processes follow the paths where they are queued:
 *   - push on enqueue (ws_balance_emigrate): a spawn or wake-up placed on a core whose queue
 *     for its priority has reached the limit goes to that core's emigration partner instead
 *     (BEAM: check_emigration_need in enqueue_process). The process is not running anywhere,
 *     so this is a placement, not a migration, and costs nothing;
 *   - pull when dry (ws_balance_immigrate): a core with nothing local takes the oldest waiting
 *     process of its immigration source, under the affinity, limit and cost checks of a steal,
 *     committed and charged as a migration (BEAM: immigrate, when a queue runs empty). A
 *     sleeping core given an immigration path is woken by the pass, as it is dry already.
 * Both are counted in the acting core's balance_moves, apart from steals.
 *
 * Compaction (balance_compact, BEAM's +scl, on by default there): when cores sat idle at the
 * pass, only as many cores as were busy are active, the lowest-numbered ones; the others get
 * limit 0 and emigration paths to the active ones and never immigrate, so work concentrates
 * on the cores that stay busy and the rest can sleep.
 *
 * Threads: the pass writes the paths and limits of every core with relaxed atomic stores while
 * the other cores read them (relaxed: they are hints; a process changes hands only through a
 * deque or an inbox, whose own orders publish its fields). The pass reads queue lengths as
 * snapshots. The flag is taken with an acq_rel exchange and given back with a release store,
 * so a pass sees every store of the pass before it. The pass costs O(cores log cores) per
 * priority. */
#include "core/ws_alloc.h"
#include "core/ws_atomic.h"
#include "core/ws_migrate.h"
#include "core/ws_sched_int.h"
#include "core/ws_time.h"

#include <stdlib.h>

struct gap {
    uint64_t by;      /* how far over (or under) its limit the core is */
    uint32_t core;
};

static int by_gap_desc(const void *a, const void *b)
{
    const struct gap *x = a, *y = b;
    if (x->by != y->by)
        return x->by < y->by ? 1 : -1;
    return (x->core > y->core) - (x->core < y->core);
}

/* Processes waiting on c in queue q (the inbox counted with normal). */
static uint64_t qlen(const struct ws_sched *s, uint32_t c, int q)
{
    uint64_t n = ws_sched_queued(s, c, (enum ws_prio)q);
    return q == WS_PRIO_NORMAL ? n + ws_sched_inbox_len(s, c) : n;
}

/* Active cores of the pass: all, or under compaction the number not idle (at least one). */
static uint32_t active_cores(const struct ws_sched *s)
{
    if (!s->balance_compact)
        return s->ncores;
    uint64_t idle = ws_sched_idle_cores(s);
    return idle >= s->ncores ? 1 : s->ncores - (uint32_t)idle;
}

/* Steps 1-3 of the essay for queue q, run by core self; over and under hold ncores entries
 * each. An immigrating core that sleeps is woken to pull (it runs dry at once). */
static void balance_queue(struct ws_sched *s, uint32_t self, int q, uint32_t active,
                          struct gap *over, struct gap *under)
{
    uint64_t total = 0;
    for (uint32_t c = 0; c < s->ncores; c++)
        total += qlen(s, c, q);
    uint64_t avg = (total + active - 1) / active;
    uint32_t nover = 0, nunder = 0;
    for (uint32_t c = 0; c < s->ncores; c++) {
        struct ws_core *k = &s->cores[c];
        uint64_t len = qlen(s, c, q), limit = c < active ? avg : 0;
        ws_store_relaxed(&k->limit[q], (uint32_t)(limit < UINT32_MAX ? limit : UINT32_MAX));
        ws_store_relaxed(&k->emig[q], WS_CORE_NONE);
        ws_store_relaxed(&k->immig[q], WS_CORE_NONE);
        if (len > limit)
            over[nover++] = (struct gap){ len - limit, c };
        else if (len < limit)
            under[nunder++] = (struct gap){ limit - len, c };
    }
    qsort(over, nover, sizeof *over, by_gap_desc);
    qsort(under, nunder, sizeof *under, by_gap_desc);
    for (uint32_t i = 0; i < nover && i < nunder; i++) {
        ws_store_relaxed(&s->emig_paths, 1);
        ws_store_relaxed(&s->cores[over[i].core].emig[q], under[i].core);
        ws_store_relaxed(&s->cores[under[i].core].immig[q], over[i].core);
        ws_sched_wake_core(s, self, under[i].core);
    }
}

/* The pass is due and core self won the flag: run it. */
static void balance_pass(struct ws_sched *s, uint32_t self, struct gap *scratch)
{
    uint32_t active = active_cores(s);
    for (int q = 0; q < WS_PRIO_COUNT; q++) {
        if (q == WS_PRIO_LOW && s->low_in_normal)
            continue;   /* low processes sit in the normal queue */
        balance_queue(s, self, q, active, scratch, scratch + s->ncores);
    }
}

bool ws_sched_balance(struct ws_sched *s, uint32_t core)
{
    if (s->p.balance_interval_ns == 0 || s->ncores < 2)
        return false;
    uint64_t now = s->plat->now_ns(s->ctx, core);
    if (now < ws_load_relaxed(&s->next_balance_ns))
        return false;
    /* One core at a time; pairs with the release below, so this pass reads the due time and
     * the paths the previous pass left. */
    if (ws_xchg_acq_rel(&s->balancing, 1) != 0)
        return false;
    bool ran = false;
    if (now >= ws_load_relaxed(&s->next_balance_ns)) {   /* nobody ran it meanwhile */
        ws_store_relaxed(&s->next_balance_ns, ws_time_add(now, s->p.balance_interval_ns));
        struct gap *scratch = ws_malloc(2 * sizeof(struct gap) * s->ncores);
        if (scratch != NULL) {   /* out of memory: no pass, the old paths stay a period */
            balance_pass(s, core, scratch);
            ws_free(scratch);
            ran = true;
        }
    }
    ws_store_release(&s->balancing, 0);
    return ran;
}

uint32_t ws_balance_emigrate(struct ws_sched *s, uint32_t from, uint32_t to,
                             const struct ws_proc *p)
{
    if (!ws_load_relaxed(&s->emig_paths))
        return to;   /* no path set yet: every one is WS_CORE_NONE */
    const struct ws_core *k = &s->cores[to];
    int q = ws_sched_queue_of(s, p);
    uint32_t dst = ws_load_relaxed(&k->emig[q]);
    if (dst == WS_CORE_NONE || dst == to || dst >= s->ncores || !ws_proc_allowed(p, dst))
        return to;
    if (qlen(s, to, q) < ws_load_relaxed(&k->limit[q]))
        return to;
    s->cores[from].stats.balance_moves++;
    return dst;
}

struct pull_ctx {
    struct ws_sched *s;
    uint32_t to, from;
    uint64_t now;
};

static bool may_pull(const void *item, void *arg)
{
    const struct pull_ctx *m = arg;
    const struct ws_proc *p = item;
    return ws_proc_allowed(p, m->to) &&
           ws_migrate_check(m->s, p, m->from, m->to, m->now) == WS_STEAL_OK;
}

bool ws_balance_immigrate(struct ws_sched *s, uint32_t core)
{
    struct ws_core *k = &s->cores[core];
    for (int q = 0; q < WS_PRIO_COUNT; q++) {
        uint32_t src = ws_load_relaxed(&k->immig[q]);
        if (src == WS_CORE_NONE || src == core || src >= s->ncores ||
            ws_sched_queued(s, src, (enum ws_prio)q) == 0)
            continue;
        struct pull_ctx m = { s, core, src, s->plat->now_ns(s->ctx, core) };
        void *x = NULL;
        if (ws_deque_steal_if(&s->cores[src].q[q], &x, may_pull, &m) != WS_OK)
            continue;
        struct ws_proc *p = x;
        ws_migrate_commit(s, p, src, core, m.now);
        k->stats.balance_moves++;
        p->cur_core = (int32_t)core;
        if (ws_deque_push(&k->q[q], p) != WS_OK)
            ws_sched_inbox_put(&k->inbox, p);   /* out of memory: keep it, never lose it */
        ws_sched_note_work(s, core);
        return true;
    }
    return false;
}
