/* sim_engine.c: the event loop, the platform interface the scheduler runs on, and each core's
 * decision cycle (run, pick, steal, wait); the model is described in sim_engine.h. */
#include "sim/engine/sim_engine_int.h"
#include "core/ws_alloc.h"
#include "core/ws_migrate.h"
#include "core/ws_victim.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sim_fail(struct sim_engine *e, const char *fmt, ...)
{
    if (!e->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->err, sizeof(e->err), fmt, ap);
        va_end(ap);
        e->failed = true;
    }
    return -1;
}

/* Per-core arrays that the event loop reads all over: on 4,096 cores the lines in use (a few a
 * core) lie on more 4 KiB pages than the TLB maps, and a replay ran about 30 % faster with its
 * large allocations on huge pages (ws_alloc_wide). */
void *sim_alloc_wide(size_t size)
{
    return ws_alloc_wide(size);
}

/* ---- the platform interface ---------------------------------------------------------------- */

static uint64_t plat_now(void *ctx, uint32_t core)
{
    struct sim_engine *e = ctx;
    return ws_time_add(e->now, e->cores[core].charge);
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* 64 random bits as a uniform draw in the open interval (0, 1). */
static double unit_of(uint64_t bits)
{
    return ((double)(bits >> 11) + 0.5) * 0x1.0p-53;
}

static uint64_t plat_random(void *ctx, uint32_t core)
{
    return splitmix64(&((struct sim_engine *)ctx)->cores[core].rng);
}

static void plat_charge(void *ctx, uint32_t core, uint64_t ns, enum ws_charge what)
{
    struct sim_engine *e = ctx;
    if (what == WS_CHARGE_STEAL_VICTIM) {   /* its running process pays, if one runs */
        struct sproc *p = e->cores[core].cur;
        if (p != NULL)
            p->charge = ws_time_add(p->charge, ns);
        return;
    }
    e->cores[core].charge = ws_time_add(e->cores[core].charge, ns);
}

/* A uniform draw in the open interval (0, 1) from core c's generator. */
static double draw_unit(struct sim_engine *e, uint32_t c)
{
    return unit_of(plat_random(e, c));
}

/* An exponential draw with the given mean from 64 random bits. */
static uint64_t exp_of(uint64_t bits, uint64_t mean)
{
    double t = -log(unit_of(bits)) * (double)mean;
    return t < (double)WS_TIME_INPUT_MAX ? (uint64_t)t : WS_TIME_INPUT_MAX;
}

/* ... from core c's generator. */
static uint64_t draw_exp(struct sim_engine *e, uint32_t c, uint64_t mean)
{
    return exp_of(plat_random(e, c), mean);
}

/* The time a spinning core c takes to come for work: exponential with mean spin_wake_ns,
 * from c's own generator (so a run stays a function of its seed). */
static uint64_t spin_wake(struct sim_engine *e, uint32_t c)
{
    return e->p.spin_wake_ns == 0 ? 0 : draw_exp(e, c, e->p.spin_wake_ns);
}

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
    return exp_of(splitmix64(&sn->rng), mean);
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
static uint64_t noise_due(struct sim_engine *e, uint32_t c, uint64_t now, bool woke)
{
    uint64_t *at = &e->noise_at[c], gap = e->p.noise_gap_ns, len = e->p.noise_ns, d = 0;
    if (e->sn.seen != NULL)
        d = shared_due(e, c, now, woke);
    if (!own_noise(e))   /* (machine-wide detours only) */
        return d;
    if (woke)
        *at = ws_time_add(now, draw_exp(e, c, gap));
    for (int i = 0; *at <= now; i++) {
        if (i == NOISE_DRAWS_MAX) {
            uint64_t rest = (now - *at) / ws_time_add(gap, len) + 1;
            d = ws_time_add(d, ws_time_mul(rest, len));
            *at = ws_time_add(now, draw_exp(e, c, gap));
            break;
        }
        uint64_t x = draw_exp(e, c, len);
        d = ws_time_add(d, x);
        *at = ws_time_add(ws_time_add(*at, x), draw_exp(e, c, gap));
    }
    return d;
}

void sim_noise_pay(struct sim_engine *e, uint32_t c, struct sproc *p, uint64_t now, bool woke)
{
    uint64_t d = noise_due(e, c, now, woke);
    p->charge = ws_time_add(p->charge, d);
    e->cores[c].st.noise_ns = ws_time_add(e->cores[c].st.noise_ns, d);
}

/* The scheduler found work for a waiting core: it resumes after the wake-up latency and never
 * before its own failed probes are over. A spinning core comes after spin_wake's draw: told of
 * work short of a backlog (ws_sched_told), not at all when it would fall asleep first (it goes
 * back to spinning unwoken); woken, no later than a sleeper would. */
static void plat_wake(void *ctx, uint32_t waker, uint32_t target)
{
    struct sim_engine *e = ctx;
    struct score *k = &e->cores[target];
    bool told = ws_sched_told(e->s, target);
    if (getenv("DBGW")) fprintf(stderr, "wake %u->%u t%llu waiting%d asleep%d\n", waker, target, (unsigned long long)plat_now(e, waker), e->cores[target].waiting, e->cores[target].asleep);
    if (!k->waiting)
        return;
    uint64_t lat = k->asleep ? e->p.wake_ns : spin_wake(e, target);
    if (!k->asleep && !told && lat > e->p.wake_ns)
        lat = e->p.wake_ns;   /* woken, not told: no slower than a sleeper */
    if (told && !k->asleep &&
        ws_time_add(plat_now(e, waker), lat) >= ws_time_add(k->ready_at, e->p.spin_ns)) {
        ws_sched_set_sleeping(e->s, target, true);   /* unnoticed: still spinning */
        return;
    }
    ws_sched_set_spinning(e->s, target, false);
    uint64_t t = ws_time_add(plat_now(e, waker), lat);
    if (t < k->ready_at)
        t = k->ready_at;
    if (k->asleep)   /* an unbound scheduler's thread may wake on another core (ws_bind.h) */
        t = ws_time_add(t, sim_bind_on_wake(e, target));
    sim_tl_wake(e, target, waker, t);
    if (k->asleep) {
        k->st.sleep_ns += t - k->sleep_since;
        k->st.wakeups++;
    }
    k->waiting = k->asleep = false;
    sim_core_schedule(e, target, t);
}

/* A steal's barrier with host noise (ws_platform.h): a busy victim is in a detour
 * noise_ns / (noise_gap_ns + noise_ns) of its time, and what is left of the detour is
 * exponential with mean noise_ns (memoryless); the thief waits for it. Drawn from the thief's
 * generator, only with noise on. */
static uint64_t plat_barrier_wait(void *ctx, uint32_t thief, uint32_t victim)
{
    struct sim_engine *e = ctx;
    uint64_t len = e->p.noise_ns;
    if (e->noise_at == NULL || e->cores[victim].idle || !own_noise(e))
        return 0;   /* (a machine-wide detour takes the thief's CPU too) */
    return draw_unit(e, thief) * (double)ws_time_add(e->p.noise_gap_ns, len) < (double)len
           ? draw_exp(e, thief, len) : 0;
}

static const struct ws_platform sim_platform = { plat_now, plat_random, plat_charge, plat_wake,
                                                 plat_barrier_wait };

/* ---- cores ------------------------------------------------------------------------------- */

int sim_push(struct sim_engine *e, uint64_t t, uint32_t kind, uint32_t core, uint64_t data)
{
    if (ws_time_past_clock(t))
        return sim_fail(e, "the simulated clock would pass " WS_TIME_CLOCK_MAX_TEXT " ns (about "
                           "146 years) after %.3f s: the trace's times and costs add up to more "
                           "than a run may simulate", (double)e->now / 1e9);
    if (sim_eventq_push(&e->q, t, kind, core, data) != 0)
        return sim_fail(e, "out of memory (event queue)");
    return 0;
}

/* Give core c one pending EV_CORE at time t (any earlier pending one becomes stale). */
void sim_core_schedule(struct sim_engine *e, uint32_t c, uint64_t t)
{
    struct score *k = &e->cores[c];
    k->gen++;
    if (e->hints != NULL) {   /* (cur is in the cache: the core has just worked on it) */
        const struct sproc *p = k->cur;
        e->hints[c] = (struct sim_hint){ p, p != NULL ? p->phases + p->pc : NULL, NULL };
    }
    sim_push(e, t, EV_CORE, c, k->gen);
}

/* Work was queued on c from outside the scheduler (a root arriving): wake c if it waits. */
void sim_core_kick(struct sim_engine *e, uint32_t c, uint64_t t)
{
    (void)t;
    if (e->cores[c].waiting) {
        ws_sched_set_sleeping(e->s, c, false);
        plat_wake(e, c, c);
    }
}

static void leave_idle(struct sim_engine *e, uint32_t c, uint64_t now)
{
    struct score *k = &e->cores[c];
    if (!k->idle)
        return;
    k->idle = false;
    /* (set since its last look: its own queues gave it work while that look waited for its
     * barrier, or the look found it) */
    ws_sched_set_sleeping(e->s, c, false);
    ws_sched_set_idle(e->s, c, false);
    k->st.idle_ns += now - k->idle_since;
}

/* Count the steals of the last scheduler call into the thief x victim pairs, and them and its
 * lost races at `end`, when the call's costs are paid (natively: the end of the round), on the
 * steal clocks. */
static void note_steals(struct sim_engine *e, uint32_t c, uint64_t end)
{
    struct score *k = &e->cores[c];
    uint32_t victim = 0;
    uint64_t n = ws_sched_new_steals(e->s, c, &k->steal_items_seen, &victim);
    k->tl_victim = n != 0 ? victim : SIM_TL_NONE32;
    if (n != 0) {
        sim_collect_steals(e, c, victim, n);
        sim_tclock_add(&e->steal_clock, end, n);
    }
    uint64_t lost = ws_sched_core_stats(e->s, c)->steal_result[WS_STEAL_LOST_RACE];
    if (lost != k->lost_seen) {
        sim_tclock_add(&e->lost_clock, end, lost - k->lost_seen);
        k->lost_seen = lost;
    }
}

/* Core c found nothing once its probes are over (ready_at, its clock): it waits, spinning
 * for spin_ns and then asleep, until woken; a time-bounded refusal (ws_sched_retry_at) ends the
 * wait at its expiry. One event: the spin's end or the retry time, whichever comes first. */
static void begin_wait(struct sim_engine *e, uint32_t c)
{
    struct score *k = &e->cores[c];
    k->retry_at = ws_sched_retry_at(e->s, c);
    k->slept_limited = ws_migrate_limited(e->s, c, plat_now(e, c));
    k->waiting = true;
    k->asleep = false;
    ws_sched_set_sleeping(e->s, c, true);
    if (e->p.spin_ns > 0)
        ws_sched_set_spinning(e->s, c, true);
    uint64_t t = ws_time_add(k->ready_at, e->p.spin_ns);
    if (k->retry_at < t)
        t = k->retry_at > k->ready_at ? k->retry_at : k->ready_at;
    sim_core_schedule(e, c, t);
}

/* Nothing to run on c: steal, or wait for a wake. Returns the stolen process or NULL. */
static struct sproc *go_idle(struct sim_engine *e, uint32_t c, uint64_t now)
{
    struct score *k = &e->cores[c];
    if (!k->idle) {
        k->idle = true;
        k->idle_since = now;
        ws_sched_set_idle(e->s, c, true);
        /* The detours due from the busy period that ends here: the thread looks for work
         * when it has its CPU back, as after a pending steal (neither waiting nor asleep). */
        uint64_t late = e->noise_at != NULL ? noise_due(e, c, now, false) : 0;
        if (late > 0) {
            sim_tl_steal(e, c, now, late, NULL);
            k->ready_at = ws_time_add(now, late);
            k->st.steal_ns += late;
            k->st.noise_steal_ns += late;
            sim_core_schedule(e, c, k->ready_at);
            return NULL;
        }
    }
    k->charge = 0;
    /* A steal waiting for its barrier: the core is busy stealing until its costs are paid,
     * then goes on with its round or its last look (ws_sched_set_steal_barrier), neither
     * waiting nor asleep. */
    bool look = ws_sched_look_pending(e->s, c);
    struct ws_proc *wp = look ? NULL : ws_sched_steal(e->s, c);
    bool looked = wp == NULL && (look || !ws_sched_steal_pending(e->s, c));
    if (looked) {
        /* The last look, with the sleeping bit set first, as natively (nat_loop.c): a core
         * that finds work there has ended its search, and one whose look waits for its
         * barrier is woken by a push meanwhile, the waker clearing the bit. */
        if (!look)
            ws_sched_set_sleeping(e->s, c, true);
        wp = ws_sched_last_look(e->s, c);
    }
    bool pending = wp == NULL && ws_sched_steal_pending(e->s, c);
    /* Woken during the look: natively its wait ends before it begins (the wake sequence
     * moved), and the core goes round again from its own queues. */
    bool woken = looked && !pending && wp == NULL && !ws_sched_is_sleeping(e->s, c);
    uint64_t cost = k->charge;
    note_steals(e, c, ws_time_add(now, cost));
    sim_tl_steal(e, c, now, cost, (struct sproc *)wp);
    k->ready_at = ws_time_add(now, cost);
    if (pending || woken)
        sim_core_schedule(e, c, k->ready_at);
    else if (wp == NULL)
        begin_wait(e, c);           /* on the core's clock: the probes are over */
    k->charge = 0;
    k->st.steal_ns += cost;
    return (struct sproc *)wp;
}

/* Start running p on core c at now (after any migration cost it owes). */
static void dispatch(struct sim_engine *e, uint32_t c, struct sproc *p, uint64_t now)
{
    struct score *k = &e->cores[c];
    /* p comes cold out of a queue, and sim_exec reads its phase next: ask for that line now,
     * so that it arrives while the accounting below waits for p's own lines. */
    __builtin_prefetch(p->phases + p->pc);
    k->cur = p;
    k->slice_used = 0;
    k->st.processes_run++;
    if (p->first_run_ns == UINT64_MAX)
        p->first_run_ns = now;
    if (now > p->wp.ready_ns)
        p->wait_ns += now - p->wp.ready_ns;
    /* A migrated process first pays its migration cost on this core (busy time). */
    sim_tl_dispatch(e, c, p);
    p->charge = ws_time_add(p->charge, p->wp.owed_ns);
    e->m.summary.migration_cost_ns = ws_time_add(e->m.summary.migration_cost_ns, p->wp.owed_ns);
    p->wp.owed_ns = 0;
    sim_collect_queue(e, c, now);
}

/* Core c's decision cycle at time now: run its process's phases, pick the next, steal, wait. */
static void core_continue(struct sim_engine *e, uint32_t c, uint64_t now)
{
    struct score *k = &e->cores[c];
    for (int guard = 0; !e->failed; guard++) {
        if (k->cur != NULL) {
            if (sim_exec(e, c, now) != UINT64_MAX)
                return;
            k->left = k->cur == NULL;
            continue;
        }
        k->charge = 0;
        ws_sched_switch(e->s, c);    /* wake checks put off to this switch (wake_at switch) */
        uint64_t d = sim_dispatch_cost(e, k);
        if (k->left && d > 0 && !k->switched) {
            /* The switch first, the pick after it: meanwhile the work it will look for may go
             * to another core. */
            k->switched = true;
            sim_core_schedule(e, c, ws_time_add(now, d));
            return;
        }
        bool paid = k->switched;
        k->left = k->switched = false;
        ws_sched_balance(e->s, c);   /* the check_balance pass, when due */
        struct ws_proc *wp = ws_sched_next(e->s, c, k->after_preempt);
        k->after_preempt = false;
        struct sproc *p = (struct sproc *)wp;
        if (p == NULL) {
            p = go_idle(e, c, now);   /* a switch paid for nothing was idle time */
            if (p == NULL)
                return;
            now = k->ready_at;
            paid = false;
        }
        bool woke = k->idle;
        leave_idle(e, c, now);
        dispatch(e, c, p, now);
        if (e->noise_at != NULL)
            sim_noise_pay(e, c, p, now, woke);
        if (d > 0) {   /* the switch to p: busy, drawn as p's run (before now when paid) */
            uint64_t at = paid ? now - d : now;
            k->st.busy_ns += d;
            sim_collect_busy(e, c, at, d);
            sim_tl_busy(e, c, at, d, false);
            now = paid ? now : ws_time_add(now, d);
        }
        if (now != e->now || p->charge > 0) {
            /* Resume at the new time so other cores see the world in time order. */
            k->running = false;
            sim_core_schedule(e, c, now);
            return;
        }
    }
}

/* The event of a waiting core: its retry time while asleep (a timed wake-up), or while still
 * spinning (it looks again at once), or the end of its spin (it sleeps until woken or until
 * its retry time). */
static void on_wait_event(struct sim_engine *e, uint32_t c)
{
    struct score *k = &e->cores[c];
    if (k->asleep) {
        sim_core_kick(e, c, e->now);
        return;
    }
    ws_sched_set_spinning(e->s, c, false);
    if (e->now >= k->retry_at) {
        k->waiting = false;
        ws_sched_set_sleeping(e->s, c, false);
        core_continue(e, c, e->now);
        return;
    }
    k->asleep = true;
    k->sleep_since = e->now;
    if (k->retry_at != UINT64_MAX)
        sim_core_schedule(e, c, k->retry_at);
}

static void on_core_event(struct sim_engine *e, const struct sim_event *ev)
{
    struct score *k = &e->cores[ev->core];
    if (ev->data != k->gen)
        return;   /* stale: superseded by a wake or a reschedule */
    if (k->waiting) {
        on_wait_event(e, ev->core);
        return;
    }
    if (k->running) {
        k->running = false;
        sim_exec_run_done(e, ev->core, e->now);
        k->left = k->cur == NULL;   /* preempted */
    }
    core_continue(e, ev->core, e->now);
}

/* Inject the pending root and fetch the next one. */
static void on_root(struct sim_engine *e)
{
    struct sim_trace_rec *rec = e->next_root;
    e->next_root = NULL;
    struct sproc *p = sim_proc_new(e, rec, NULL);
    if (p == NULL)
        return;
    uint32_t c = e->root_rr++ % e->ncores, placed;
    /* A waiting core is woken for the root it gets before the spawn's wake check tells the
     * others of it: natively the core whose inbox it enters takes it first, where a spinning
     * core told at the same time would otherwise come first and steal it. */
    if (ws_sched_spawn_stays(e->s, c, &p->wp))
        sim_core_kick(e, c, e->now);
    if (ws_sched_spawn(e->s, c, &p->wp, &placed) != WS_OK) {
        sim_fail(e, "process %llu: cannot be placed (affinity or memory)",
                 (unsigned long long)rec->id);
        return;
    }
    sim_tl_queued(e, p);
    sim_core_kick(e, placed, e->now);
    int st = sim_trace_next_root(e->trace, &e->next_root);
    if (st == SIM_TRACE_ERROR) {
        sim_fail(e, "%s", sim_trace_error(e->trace));
        return;
    }
    if (st == SIM_TRACE_OK)
        sim_push(e, e->next_root->spawn_ns, EV_ROOT, 0, 0);
}

/* ---- creation and the loop ----------------------------------------------------------------- */

struct sim_engine *sim_engine_create(struct sim_trace *t, const struct sim_engine_opts *o,
                                     char *err, size_t errlen)
{
    if (ws_victim_find(o->strategy) == NULL) {
        snprintf(err, errlen, "unknown strategy '%s'", o->strategy);
        return NULL;
    }
    struct sim_engine *e = calloc(1, sizeof(*e));
    if (e == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    e->trace = t;
    e->topo = o->topo;
    e->o = *o;
#ifdef WS_DEBUG
    e->o.check_invariants = true;
#endif
    e->p = *o->params;
    ws_params_apply_zero_overheads(&e->p);
    e->ncores = o->topo->ncores;
    if (sim_bind_init(e, err, errlen) != 0) {   /* may put e->topo in bind order */
        sim_engine_destroy(e);
        return NULL;
    }
    e->cores = sim_alloc_wide(e->ncores * sizeof(struct score));   /* line-aligned cores */
    if (e->ncores >= SIM_PREFETCH_MIN_CORES)
        e->hints = sim_alloc_wide(e->ncores * sizeof(struct sim_hint));
    bool shared = e->p.noise_shared_gap_ns > 0 && e->p.noise_shared_ns > 0;
    bool noisy = own_noise(e) || shared;
    if (noisy)
        e->noise_at = calloc(e->ncores, sizeof(uint64_t));   /* (every core starts idle) */
    if (shared) {
        e->sn.rng = o->seed * 0xD1B54A32D192ED03ull + 0x632BE59BD9B4E019ull;
        e->sn.seen = calloc(e->ncores, sizeof(uint64_t));
        e->sn.next = shared_exp(&e->sn, e->p.noise_shared_gap_ns);
    }
    int bad = e->cores == NULL || (e->ncores >= SIM_PREFETCH_MIN_CORES && e->hints == NULL) ||
              (noisy && e->noise_at == NULL) || (shared && e->sn.seen == NULL) ||
              sim_eventq_init(&e->q, 1024) != 0 ||
              sim_idtab_init(&e->live) != 0 || sim_idmap_init(&e->pending, 16) != 0 ||
              sim_idmap_init(&e->exited_big, 16) != 0 || sim_collect_init(e) != 0 ||
              sim_tl_init(e) != 0 ||
              ws_sched_create(e->topo, &e->p, o->strategy, &sim_platform, e, &e->s) != WS_OK;
    if (bad) {
        snprintf(err, errlen, "out of memory");
        sim_engine_destroy(e);
        return NULL;
    }
    /* A steal's barrier takes time in the model as natively: the victim may take its work
     * back before the thief's barrier is over (ws_sched_set_steal_barrier). */
    ws_sched_set_steal_barrier(e->s, true);
    /* Every core starts idle and waiting, as a scheduler thread that has just been started
     * and found nothing: spinning for spin_ns from time 0, then asleep; the first work to
     * arrive wakes it. */
    for (uint32_t c = 0; c < e->ncores; c++) {
        struct score *k = &e->cores[c];
        k->cap = ws_topo_capacity(e->topo, c);
        k->rng = o->seed * 0x9E3779B97F4A7C15ull + c + 1;
        k->idle = k->waiting = true;
        k->retry_at = UINT64_MAX;
        ws_sched_set_idle(e->s, c, true);
        begin_wait(e, c);
    }
    return e;
}

static void free_live(void *ctx, uint64_t id, uint64_t val)
{
    (void)id;
    sim_proc_free(ctx, (struct sproc *)(uintptr_t)val);
}

void sim_engine_destroy(struct sim_engine *e)
{
    if (e == NULL)
        return;
    /* Every live process, the ones running on a core (cores[c].cur) included, is in the
     * live map until it finishes: free them from there, once. */
    sim_idtab_each(&e->live, free_live, e);
    sim_trace_release(e->trace, e->next_root);
    sim_slab_free_all(&e->proc_slabs);   /* (every process is on the free list by now) */
    ws_sched_destroy(e->s);
    sim_eventq_destroy(&e->q);
    sim_idtab_destroy(&e->live);
    sim_idmap_destroy(&e->pending);
    sim_idmap_destroy(&e->exited_big);
    sim_collect_free(e);
    sim_tl_free(e);
    sim_bind_free(e);   /* after the scheduler: it may own e->topo */
    free(e->cores);
    free(e->hints);
    free(e->noise_at);
    free(e->sn.d);
    free(e->sn.seen);
    free(e);
}

/* The event cap (parameter max_events) is reached: the run would take too long. */
static void too_many_events(struct sim_engine *e)
{
    sim_fail(e, "more than %llu events (parameter max_events) after %.3f s simulated and %llu "
                "processes done: stopped rather than run for hours; allow more with "
                "--param max_events=N (up to " WS_TIME_INPUT_MAX_TEXT ")",
             (unsigned long long)e->p.max_events, (double)e->now / 1e9,
             (unsigned long long)e->done);
}

/* A core other than c with work c may steal by the queue rules (min_steal_queue and
 * imbalance_threshold against c's load), or WS_CORE_NONE. */
static uint32_t stealable_for(const struct sim_engine *e, uint32_t c)
{
    uint64_t need = e->p.min_steal_queue ? e->p.min_steal_queue : 1;
    uint64_t mine = ws_sched_load(e->s, c);
    for (uint32_t v = 0; v < e->ncores; v++)
        if (v != c && ws_sched_waiting(e->s, v) >= need &&
            ws_sched_load(e->s, v) > mine + e->p.imbalance_threshold)
            return v;
    return WS_CORE_NONE;
}

int sim_engine_check(const struct sim_engine *e, char *err, size_t errlen)
{
    for (uint32_t c = 0; c < e->ncores; c++) {
        const struct score *k = &e->cores[c];
        if (k->cur != NULL && ws_sched_is_sleeping(e->s, c)) {
            snprintf(err, errlen, "core %u runs process %llu with its sleeping bit set", c,
                     (unsigned long long)k->cur->wp.id);
            return -1;
        }
        if (!k->asleep)
            continue;
        if (k->slept_limited && k->retry_at == UINT64_MAX && e->p.steal_retries != 0) {
            snprintf(err, errlen, "core %u sleeps since %llu ns refused by a full migration "
                     "window, with no time set to look again", c,
                     (unsigned long long)k->sleep_since);
            return -1;
        }
        uint32_t v = k->retry_at < e->now ? stealable_for(e, c) : WS_CORE_NONE;
        if (v != WS_CORE_NONE) {
            snprintf(err, errlen, "core %u still sleeps at %llu ns, past the end of its refusal "
                     "at %llu ns, while core %u has %llu processes it may steal", c,
                     (unsigned long long)e->now, (unsigned long long)k->retry_at, v,
                     (unsigned long long)ws_sched_waiting(e->s, v));
            return -1;
        }
    }
    return 0;
}

/* After an event, when checking: the engine's invariants, failing the run on a broken one. */
static void check_after_event(struct sim_engine *e)
{
    char msg[256];
    if (e->o.check_invariants && !e->failed && sim_engine_check(e, msg, sizeof msg) != 0)
        sim_fail(e, "engine invariant broken: %s", msg);
}

/* On a machine of many cores the next event's core was last touched thousands of events ago,
 * so its lines, its process's and that process's next phase come from far down the memory
 * hierarchy: ask for them while this event is handled. The core's hint (struct sim_hint) names
 * the process and phase without waiting for the core's line. Usually the next event is the
 * earliest one now; when this event pushes an earlier one, only the prefetch is wasted. */
static void prefetch_next(const struct sim_engine *e)
{
    const struct sim_event *nx = sim_eventq_peek(&e->q);
    if (nx == NULL)
        return;
    if (nx->kind == EV_CORE) {
        const struct score *k = &e->cores[nx->core];
        const struct sim_hint *h = &e->hints[nx->core];
        __builtin_prefetch(k);
        __builtin_prefetch(&k->st);
        ws_sched_prefetch(e->s, nx->core);
        if (h->proc != NULL) {
            __builtin_prefetch((const char *)h->proc + 64);
            __builtin_prefetch((const char *)h->proc + 128);
            __builtin_prefetch(h->phase);
        }
        if (h->peer != NULL) {   /* a send's receiver: its core, mailbox and phase */
            /* (a load nothing waits on: the slot is readable, if maybe stale, and a prefetch
             * of whatever it holds, even 0, is harmless) */
            const char *t = (const char *)(uintptr_t)*h->peer;
            __builtin_prefetch(t);
            __builtin_prefetch(t + 64);
            __builtin_prefetch(t + 128);
        }
    } else if (nx->kind == EV_TIMER) {   /* a sleeping process: the scheduler wakes it */
        __builtin_prefetch((const void *)(uintptr_t)nx->data);
        __builtin_prefetch((const char *)(uintptr_t)nx->data + 64);
    }
}

int sim_engine_run(struct sim_engine *e, volatile int *stopped, char *err, size_t errlen)
{
    int st = sim_trace_next_root(e->trace, &e->next_root);
    if (st == SIM_TRACE_ERROR)
        sim_fail(e, "%s", sim_trace_error(e->trace));
    else if (st == SIM_TRACE_OK)
        sim_push(e, e->next_root->spawn_ns, EV_ROOT, 0, 0);
    struct sim_event ev;
    uint64_t events = 0;
    while (!e->failed && sim_eventq_pop(&e->q, &ev)) {
        e->now = ev.time;
        if (e->hints != NULL)
            prefetch_next(e);
        if (++events > e->p.max_events) {
            too_many_events(e);
            break;
        }
        if (ev.kind == EV_CORE)
            on_core_event(e, &ev);
        else if (ev.kind == EV_ROOT)
            on_root(e);
        else
            sim_exec_timer(e, (struct sproc *)(uintptr_t)ev.data, e->now);
        check_after_event(e);
        if ((events & 0xFFFFF) == 0) {
            if (e->o.progress != NULL)
                e->o.progress(e->o.progress_ctx, e->now, e->done, events);
            if (stopped != NULL && *stopped)
                sim_fail(e, "interrupted");
        }
    }
    e->m.summary.events = events;
    if (!e->failed && sim_trace_finish(e->trace) != SIM_TRACE_OK)   /* lines nobody asked for */
        sim_fail(e, "%s", sim_trace_error(e->trace));
    if (!e->failed)
        sim_collect_finish(e);
    if (!e->failed)
        sim_tl_finish(e);
    if (e->failed) {
        snprintf(err, errlen, "%s", e->err);
        return -1;
    }
    return 0;
}

const struct sim_run_metrics *sim_engine_metrics(struct sim_engine *e)
{
    return &e->m;
}
