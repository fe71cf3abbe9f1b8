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

static uint64_t plat_random(void *ctx, uint32_t core)
{
    return sim_splitmix64(&((struct sim_engine *)ctx)->cores[core].rng);
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

/* The time a spinning core c takes to come for work: exponential with mean spin_wake_ns,
 * from c's own generator (so a run stays a function of its seed). */
static uint64_t spin_wake(struct sim_engine *e, uint32_t c)
{
    return e->p.spin_wake_ns == 0 ? 0 : sim_draw_exp(e, c, e->p.spin_wake_ns);
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

/* A steal's barrier waits out the victim's detour (host noise; sim_noise.c). */
static uint64_t plat_barrier_wait(void *ctx, uint32_t thief, uint32_t victim)
{
    return sim_noise_barrier_wait(ctx, thief, victim);
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
        uint64_t late = e->noise_at != NULL ? sim_noise_due(e, c, now, false) : 0;
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

/* Core c is about to pick: the wake checks its enqueues put off (wake_at switch) happen now, or
 * with wake_every N > 1 at every Nth switch only, for whatever then waits on c (as the native
 * fast path's housekeeping every 16 picks, nat_loop.c). A switch is counted once, when its
 * process has just left c (not again after a paid dispatch cost, nor at an idle core's picks). */
static void wake_check(struct sim_engine *e, uint32_t c)
{
    struct score *k = &e->cores[c];
    if (WS_LIKELY(e->p.wake_every <= 1 || e->p.wake_at != WS_WAKE_AT_SWITCH)) {
        ws_sched_switch(e->s, c);
        return;
    }
    if (!k->left || k->switched || ++k->wake_count < e->p.wake_every)
        return;
    k->wake_count = 0;
    ws_sched_wake_later(e->s, c);
    ws_sched_switch(e->s, c);
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
        wake_check(e, c);
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
    int bad = e->cores == NULL || (e->ncores >= SIM_PREFETCH_MIN_CORES && e->hints == NULL) ||
              sim_noise_init(e, o->seed) != 0 ||
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
    sim_noise_free(e);
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
