/* sim_noise.c: host noise in the simulator: the detours of each core's own thread
 * (noise_gap_ns, noise_ns), the machine-wide ones (noise_shared_gap_ns, noise_shared_ns), and
 * what a steal's barrier waits of a busy victim's detour. Drawn only with noise on, so that a
 * run without it is as before. */
#include "sim/engine/sim_engine_int.h"

#include <stdlib.h>
#include <string.h>

/* Machine-wide detours (noise_shared_gap_ns, noise_shared_ns): detours that come at the same
 * time with the same length on every core, as when the hypervisor deschedules the whole guest.
 * On the 2-vCPU development host 58-86% of one vCPU's detours overlapped one of the other's
 * (5-10% would by chance), and those were the long ones: 67-136 us on average against 4-18 us
 * for the rest, 93-99% of the time lost. While both cores are away neither steals from the
 * other, where independent detours of that length each let the other core steal. Their schedule
 * is one Poisson process in simulated time from a generator of its own (splitmix64 from the
 * seed); a core pays the ones begun since it last paid, and skips those that came while it was
 * idle. */
static uint64_t shared_exp(struct sim_shared_noise *sn, uint64_t mean)
{
    return sim_exp_of(sim_splitmix64(&sn->rng), mean);
}

/* Most machine-wide detours held: past it, the oldest are dropped, and a core that had not yet
 * paid them (one running a phase far longer than a time slice) no longer does. */
#define SHARED_NOISE_MAX (1u << 20)

/* Room for one more detour: drop the ones every core is past, else grow. -1: out of memory. */
static int shared_room(struct sim_engine *e)
{
    struct sim_shared_noise *sn = &e->sn;
    uint64_t past = sn->base + sn->n;
    for (uint32_t c = 0; c < e->ncores; c++)
        past = sn->seen[c] < past ? sn->seen[c] : past;
    if (past == sn->base && sn->n >= SHARED_NOISE_MAX)
        past = sn->base + sn->n / 2;
    if (past > sn->base) {
        size_t drop = (size_t)(past - sn->base);
        memmove(sn->d, sn->d + drop, (sn->n - drop) * sizeof *sn->d);
        sn->n -= drop;
        sn->base = past;
        for (uint32_t c = 0; c < e->ncores; c++)
            sn->seen[c] = sn->seen[c] < past ? past : sn->seen[c];
        if (sn->n < sn->cap)
            return 0;
    }
    size_t cap = sn->cap ? sn->cap * 2 : 64;
    uint64_t (*d)[2] = realloc(sn->d, cap * sizeof *d);
    if (d == NULL)
        return -1;
    sn->d = d;
    sn->cap = cap;
    return 0;
}

/* The machine-wide detours core c pays at now: those begun since it last paid, or none when it
 * was idle until now (woke): it starts after the ones begun by now. */
static uint64_t shared_due(struct sim_engine *e, uint32_t c, uint64_t now, bool woke)
{
    struct sim_shared_noise *sn = &e->sn;
    while (sn->next <= now) {
        if (sn->n == sn->cap && shared_room(e) != 0) {
            sim_fail(e, "out of memory (host noise)");
            return 0;
        }
        uint64_t len = shared_exp(sn, e->p.noise_shared_ns);
        sn->d[sn->n][0] = sn->next;
        sn->d[sn->n][1] = len;
        sn->n++;
        uint64_t gap = shared_exp(sn, e->p.noise_shared_gap_ns);
        sn->next = ws_time_add(ws_time_add(sn->next, len), gap);
    }
    size_t i = (size_t)(sn->seen[c] - sn->base), lo = i, hi = sn->n;
    if (woke) {   /* the first begun after now: binary search (an idle core may lag far) */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (sn->d[mid][0] <= now)
                lo = mid + 1;
            else
                hi = mid;
        }
        sn->seen[c] = sn->base + lo;
        return 0;
    }
    uint64_t d = 0;
    for (; i < sn->n && sn->d[i][0] <= now; i++)
        d = ws_time_add(d, sn->d[i][1]);
    sn->seen[c] = sn->base + i;
    return d;
}

/* Whether cores have detours of their own (noise_gap_ns and noise_ns both set). */
static bool own_noise(const struct sim_engine *e)
{
    return e->p.noise_gap_ns > 0 && e->p.noise_ns > 0;
}

/* Detours a core pays one by one at once; beyond them, their expected total. */
#define NOISE_DRAWS_MAX 64

/* Host noise (noise_gap_ns, noise_ns): the detours of core c's thread (the OS or the
 * hypervisor taking its CPU) come as a Poisson process in the time c is busy, each of
 * exponential length. They are paid where the core's busy time is cut: at the end of a run
 * segment by its process, before its next step (sim_exec_run_done; a segment is at most a time
 * slice), at a dispatch by the process it starts, and when the core runs out of work by its
 * steal round (a thief that lost its CPU steals later). A core that was idle starts a fresh gap
 * when it dispatches (woke): detours while idle take no work, and the gaps are memoryless. More
 * than NOISE_DRAWS_MAX detours due at once are paid as their expected total. The draws come
 * from c's generator, and only with noise on, so that a run without it is as before. Returns
 * the time due by now, the machine-wide detours' included (shared_due; the caller counts it:
 * noise_ns, sim_noise_pay; noise_steal_ns). */
uint64_t sim_noise_due(struct sim_engine *e, uint32_t c, uint64_t now, bool woke)
{
    uint64_t *at = &e->noise_at[c], gap = e->p.noise_gap_ns, len = e->p.noise_ns, d = 0;
    if (e->sn.seen != NULL)
        d = shared_due(e, c, now, woke);
    if (!own_noise(e))   /* (machine-wide detours only) */
        return d;
    if (woke)
        *at = ws_time_add(now, sim_draw_exp(e, c, gap));
    for (int i = 0; *at <= now; i++) {
        if (i == NOISE_DRAWS_MAX) {
            uint64_t rest = (now - *at) / ws_time_add(gap, len) + 1;
            d = ws_time_add(d, ws_time_mul(rest, len));
            *at = ws_time_add(now, sim_draw_exp(e, c, gap));
            break;
        }
        uint64_t x = sim_draw_exp(e, c, len);
        d = ws_time_add(d, x);
        *at = ws_time_add(ws_time_add(*at, x), sim_draw_exp(e, c, gap));
    }
    return d;
}

void sim_noise_pay(struct sim_engine *e, uint32_t c, struct sproc *p, uint64_t now, bool woke)
{
    uint64_t d = sim_noise_due(e, c, now, woke);
    p->charge = ws_time_add(p->charge, d);
    e->cores[c].st.noise_ns = ws_time_add(e->cores[c].st.noise_ns, d);
}

int sim_noise_init(struct sim_engine *e, uint64_t seed)
{
    bool shared = e->p.noise_shared_gap_ns > 0 && e->p.noise_shared_ns > 0;
    if (own_noise(e) || shared) {
        e->noise_at = calloc(e->ncores, sizeof(uint64_t));   /* (every core starts idle) */
        if (e->noise_at == NULL)
            return -1;
    }
    if (shared) {
        e->sn.rng = seed * 0xD1B54A32D192ED03ull + 0x632BE59BD9B4E019ull;
        e->sn.seen = calloc(e->ncores, sizeof(uint64_t));
        if (e->sn.seen == NULL)
            return -1;
        e->sn.next = shared_exp(&e->sn, e->p.noise_shared_gap_ns);
    }
    return 0;
}

void sim_noise_free(struct sim_engine *e)
{
    free(e->noise_at);
    free(e->sn.d);
    free(e->sn.seen);
}

/* A steal's barrier with host noise (ws_platform.h): a busy victim is in a detour
 * noise_ns / (noise_gap_ns + noise_ns) of its time, and what is left of the detour is
 * exponential with mean noise_ns (memoryless); the thief waits for it. Drawn from the thief's
 * generator, only with noise on. */
uint64_t sim_noise_barrier_wait(struct sim_engine *e, uint32_t thief, uint32_t victim)
{
    uint64_t len = e->p.noise_ns;
    if (e->noise_at == NULL || e->cores[victim].idle || !own_noise(e))
        return 0;   /* (a machine-wide detour takes the thief's CPU too) */
    return sim_draw_unit(e, thief) * (double)ws_time_add(e->p.noise_gap_ns, len) < (double)len
           ? sim_draw_exp(e, thief, len) : 0;
}
