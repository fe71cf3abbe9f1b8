/* sim_engine_tl.c: the simulator's side of --timeline: what each core does, fed to the
 * recorder (sim_timeline.h) from the points where the engine accounts the same time. With the
 * timeline off (e->tl_on false) every entry returns at its first test. */
#include "sim/engine/sim_engine_int.h"

int sim_tl_init(struct sim_engine *e)
{
    if (e->o.timeline_max == 0)
        return 0;
    if (sim_timeline_init(&e->tl, e->ncores, e->o.timeline_max) != 0)
        return -1;
    e->tl_on = true;
    for (uint32_t c = 0; c < e->ncores; c++)
        e->cores[c].tl_victim = SIM_TL_NONE32;
    return 0;
}

void sim_tl_free(struct sim_engine *e)
{
    if (e->tl_on)
        sim_timeline_free(&e->tl);
    e->tl_on = false;
}

static void add(struct sim_engine *e, uint32_t c, enum sim_tl_kind kind, uint64_t start,
                uint64_t end, const struct sproc *p, uint32_t victim)
{
    uint64_t pid = p != NULL ? p->rec->id : SIM_TL_NONE64;
    uint8_t prio = p != NULL ? p->wp.prio : 0;
    if (sim_timeline_add(&e->tl, c, kind, start, end, pid, prio, victim) != 0)
        sim_fail(e, "out of memory (timeline)");
}

void sim_tl_busy(struct sim_engine *e, uint32_t c, uint64_t start, uint64_t len, bool migrate)
{
    if (!e->tl_on || len == 0)
        return;
    add(e, c, migrate ? SIM_TL_MIGRATE : SIM_TL_RUN, start, start + len, e->cores[c].cur,
        migrate ? e->cores[c].tl_victim : SIM_TL_NONE32);
}

/* A round that waited for its steal's barrier goes on where the barrier ended: natively that
 * is one round, one slice, from the round's start to its take, named by its process, and the
 * recorder makes the two one here too (sim_timeline_add), so a first steal dates from its
 * round's start on both sides (validate's first_steal_ns). */
void sim_tl_steal(struct sim_engine *e, uint32_t c, uint64_t now, uint64_t cost,
                  const struct sproc *got)
{
    if (!e->tl_on)
        return;
    struct score *k = &e->cores[c];
    if (got == NULL)
        k->tl_victim = SIM_TL_NONE32;
    if (cost > 0 || got != NULL)
        add(e, c, SIM_TL_STEAL, now, now + cost, got, got != NULL ? k->tl_victim : SIM_TL_NONE32);
}

/* p was just queued by a spawn (its cur_core): a migration before it ever runs starts there. */
void sim_tl_queued(struct sim_engine *e, struct sproc *p)
{
    if (e->tl_on)
        p->tl_core = (uint32_t)p->wp.cur_core + 1;
}

/* Core c dispatches p: if p owes a migration's cost (stolen, pulled by the balancer, moved by
 * an affinity change), the migrate slice it pays next names the core p last ran on (or was
 * first queued on) as where it came from; from now on that is c. */
void sim_tl_dispatch(struct sim_engine *e, uint32_t c, struct sproc *p)
{
    if (!e->tl_on)
        return;
    uint32_t from = p->tl_core - 1;   /* UINT32_MAX = SIM_TL_NONE32 when 0 */
    e->cores[c].tl_victim = p->wp.owed_ns > 0 && from != c ? from : SIM_TL_NONE32;
    p->tl_core = c + 1;
}

void sim_tl_wake(struct sim_engine *e, uint32_t c, uint32_t waker, uint64_t t)
{
    if (!e->tl_on)
        return;
    struct score *k = &e->cores[c];
    if (k->asleep && t > k->sleep_since && e->started)
        add(e, c, SIM_TL_SLEEP, k->sleep_since, t, NULL, SIM_TL_NONE32);
    add(e, c, SIM_TL_WAKE, t, t, NULL, waker == c ? SIM_TL_NONE32 : waker);
}

void sim_tl_finish(struct sim_engine *e)
{
    if (!e->tl_on)
        return;
    for (uint32_t c = 0; c < e->ncores; c++) {
        const struct score *k = &e->cores[c];
        if (k->asleep && k->sleep_since < e->last_exit)
            add(e, c, SIM_TL_SLEEP, k->sleep_since, e->last_exit, NULL, SIM_TL_NONE32);
    }
    e->m.timeline = e->tl.v;
    e->m.ntimeline = e->tl.n;
    e->m.timeline_max = e->tl.max;
    e->m.timeline_dropped = e->tl.dropped;
    e->m.timeline_cut_ns = e->tl.cut_ns;
}
