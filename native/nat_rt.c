/* nat_rt.c: the native runtime's setup and shared machinery: the platform ws_sched runs on,
 * creation and teardown, process pools with deferred reuse, futex wake-ups, the live count and
 * termination, and the creating thread's side (start, roots, waiting, the deadlock watchdog).
 * The design essay is in nat_rt.h; the workers' loop is in nat_loop.c. */
#include "native/nat_rt.h"
#include "native/nat_sys.h"

#include "core/ws_alloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLAB_PROCS 256
#define WATCH_NS 50000000ull      /* deadlock watchdog period */
#define WATCH_ROUNDS 3            /* consecutive quiet observations that make a deadlock */

struct nat_slab {
    struct nat_slab *next;
    uint32_t n;
    struct nat_proc procs[];
};

uint64_t nat_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the platform -------------------------------------------------------------------------- */

static uint64_t plat_now(void *ctx, uint32_t core)
{
    (void)ctx, (void)core;
    return nat_now_ns();
}

static uint64_t plat_random(void *ctx, uint32_t core)
{
    uint64_t *x = &((struct nat_rt *)ctx)->w[core].rng;   /* SplitMix64, as the simulator */
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Natively the time a charge stands for has passed already (a probe's, a barrier's, a
 * victim's): the runs measure it (steal_ns, won_ns), so there is no figure to add. */
static void plat_charge(void *ctx, uint32_t core, uint64_t ns, enum ws_charge what)
{
    (void)ctx, (void)core, (void)ns, (void)what;
}

/* A told spinning worker (ws_sched_told) is woken like any other: natively it notices in
 * the time it takes. */
static void plat_wake(void *ctx, uint32_t waker, uint32_t target)
{
    (void)ws_sched_told(((struct nat_rt *)ctx)->s, target);
    nat_wake_worker(ctx, waker, target);
}

static const struct ws_platform nat_platform = { plat_now, plat_random, plat_charge, plat_wake, NULL };

void nat_wake_worker(struct nat_rt *rt, uint32_t waker, uint32_t target)
{
    struct nat_worker *t = &rt->w[target];
    /* --timeline only (the waker's own tl: no other worker's line is read): who woke it,
     * published to the sleeper by the RMW below (it reads woken_by after seeing wake_seq). */
    if (WS_UNLIKELY(waker >= rt->n || rt->w[waker].tl != NULL))
        ws_store_relaxed(&t->woken_by, waker);
    /* seq_cst RMW, then the parked load: a sleeper stores parked before its futex_wait reads the
     * word, so either it sees the new value or this load sees it parked. */
    atomic_fetch_add_explicit(&t->wake_seq, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&t->parked, memory_order_seq_cst))
        nat_futex_wake(&t->wake_seq, 1);
}

/* ---- failure and termination --------------------------------------------------------------- */

static void wake_everyone(struct nat_rt *rt)
{
    for (uint32_t i = 0; i < rt->n; i++)
        nat_wake_worker(rt, NAT_WAKER_NONE, i);
    nat_futex_wake(&rt->done, 1 << 30);
}

static void finish(struct nat_rt *rt)
{
    ws_store_relaxed(&rt->t_end, nat_now_ns());
    /* release: the end time (and everything the workers did) before done. */
    if (atomic_exchange_explicit(&rt->done, 1, memory_order_acq_rel) == 0)
        wake_everyone(rt);
}

void nat_rt_fail(struct nat_rt *rt, const char *fmt, ...)
{
    pthread_mutex_lock(&rt->lock);
    if (!ws_load_relaxed(&rt->failed)) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(rt->err, sizeof rt->err, fmt, ap);
        va_end(ap);
        ws_store_release(&rt->failed, 1);
    }
    pthread_mutex_unlock(&rt->lock);
    finish(rt);
}

void nat_live_flush(struct nat_worker *w)
{
    /* A busy worker keeps its credit (a delta below zero covers nothing unseen); an idle one
     * gives it all back, so that the count can reach zero. */
    int64_t delta = -w->live_credit;
    if (delta == 0 || (delta < 0 && !w->is_idle))
        return;
    /* acq_rel: the flush that reaches zero sees every other flush before it. */
    int64_t v = atomic_fetch_add_explicit(&w->rt->live, delta, memory_order_acq_rel) + delta;
    w->live_credit = 0;
    if (v == 0)
        finish(w->rt);
}

void nat_live_credit(struct nat_worker *w)
{
    int64_t add = NAT_LIVE_CREDIT - w->live_credit;
    /* acq_rel, as a flush; it precedes the push that makes the new process visible (release),
     * so any flush by a worker that runs it comes later in the count's modification order. */
    atomic_fetch_add_explicit(&w->rt->live, add, memory_order_acq_rel);
    w->live_credit = NAT_LIVE_CREDIT;
}

/* ---- pools --------------------------------------------------------------------------------- */

static struct nat_slab *slab_new(void)
{
    struct nat_slab *s = calloc(1, sizeof(*s) + SLAB_PROCS * sizeof(struct nat_proc));
    if (s != NULL)
        s->n = SLAB_PROCS;
    return s;
}

/* A batch whose grace period passed becomes the free list, or waits on ready while free holds
 * some. */
static void release_batch(struct nat_pool *pl, struct nat_proc *head)
{
    if (pl->free == NULL) {
        pl->free = head;
        return;
    }
    head->parent = pl->ready;
    pl->ready = head;
}

/* Has every worker that was inside a steal round when the batch was sealed left it? */
static bool grace_passed(const struct nat_worker *w)
{
    for (uint32_t i = 0; i < w->nworkers; i++) {
        if (i == w->id || (w->pool.snap[i] & 1) == 0)
            continue;   /* itself, or not stealing when the batch was sealed */
        /* acquire: pairs with the other worker's release of its counter, so its reads of the
         * batch (a stale steal predicate) happen before our reuse. */
        if (ws_load_acquire(&w->rt->w[i].qs) == w->pool.snap[i])
            return false;
    }
    return true;
}

/* Move limbo towards reuse: release the sealed batch if its grace period passed, then seal
 * the current limbo (snapshotting every worker's counter). */
static void advance(struct nat_worker *w)
{
    struct nat_pool *pl = &w->pool;
    for (int round = 0; round < 2; round++) {
        if (pl->sealed != NULL) {
            if (!grace_passed(w))
                return;
            release_batch(pl, pl->sealed);
            pl->sealed = NULL;
        }
        if (pl->limbo == NULL)
            return;
        pl->sealed = pl->limbo;
        pl->limbo = NULL;
        pl->limbo_room = NAT_LIMBO_BATCH;
        for (uint32_t i = 0; i < w->nworkers; i++)
            pl->snap[i] = ws_load_seq_cst(&w->rt->w[i].qs);
    }
}

void nat_pool_advance(struct nat_worker *w)
{
    advance(w);
    if (w->pool.limbo_room == 0)
        w->pool.limbo_room = 1;   /* not sealed (a grace period still runs): try at the next free */
}

static int pool_grow(struct nat_pool *pl)
{
    struct nat_slab *s = slab_new();
    if (s == NULL)
        return -1;
    s->next = pl->slabs;
    pl->slabs = s;
    for (uint32_t i = s->n; i-- > 0;) {
        s->procs[i].dirty = 1;   /* zeroed memory is not the template */
        s->procs[i].next = pl->free;
        pl->free = &s->procs[i];
    }
    return 0;
}

/* free ran out: the next ready batch, else whatever advance releases, else a new slab. */
struct nat_proc *nat_pool_refill(struct nat_worker *w)
{
    struct nat_pool *pl = &w->pool;
    if (pl->ready != NULL) {
        pl->free = pl->ready;
        pl->ready = pl->ready->parent;
        return pl->free;
    }
    advance(w);   /* a released batch becomes free (it is empty) */
    if (pl->free == NULL && pool_grow(pl) != 0) {
        nat_rt_fail(w->rt, "out of memory (processes)");
        return NULL;
    }
    return w->pool.free;
}

int nat_pool_prewarm(struct nat_worker *w)
{
    for (uint32_t i = 0; i < NAT_POOL_PREWARM; i++)
        if (pool_grow(&w->pool) != 0)
            return -1;
    return 0;
}

static void pool_destroy(struct nat_pool *pl)
{
    struct nat_slab *s = pl->slabs;
    while (s != NULL) {
        struct nat_slab *next = s->next;
        for (uint32_t i = 0; i < s->n; i++)
            if (s->procs[i].wp.cores.w != NULL)
                ws_proc_fini(&s->procs[i].wp);
        free(s);
        s = next;
    }
    free(pl->snap);
    memset(pl, 0, sizeof(*pl));
}

/* ---- latency samples ---------------------------------------------------------------------- */

void nat_sample_mark(struct nat_proc *p, uint64_t t_spawn)
{
    p->sample = 1;
    p->t_spawn = t_spawn;
    p->sampled = p->step;
    p->step = nat_sample_step;
}

/* ns since t0, + 1 (t_spawn's scale). */
static uint64_t sample_now(const struct nat_worker *w)
{
    uint64_t now = nat_now_ns(), t0 = w->rt->t0;
    return (now > t0 ? now - t0 : 0) + 1;
}

/* A sampled process's step: its wait until the first run, then the behaviour's step, then, if it
 * exited (EXIT or RESUME), its response time. p is not touched after a step that did not exit (it
 * may run elsewhere at once). */
enum nat_step nat_sample_step(struct nat_worker *w, struct nat_proc *p)
{
    if (p->sample == 1) {
        p->sample = 2;
        uint64_t now = sample_now(w);
        sim_hist_add(w->wait_hist, now > p->t_spawn ? now - p->t_spawn : 0);
    }
    enum nat_step r = p->sampled(w, p);
    if (r == NAT_EXIT || r == NAT_RESUME) {
        uint64_t now = sample_now(w);
        sim_hist_add(w->resp_hist, now > p->t_spawn ? now - p->t_spawn : 0);
    }
    return r;
}

/* ---- slow paths of the inline helpers ----------------------------------------------------- */

enum nat_step nat_ready_call(struct nat_worker *w, struct nat_proc *p)
{
    nat_ready(w, p);
    return NAT_EXIT;
}

void nat_proc_inherit(struct nat_worker *w, struct nat_proc *child, const struct nat_proc *parent)
{
    child->dirty = 1;
    if (ws_proc_inherit(&child->wp, &parent->wp) != WS_OK)
        nat_rt_fail(w->rt, "out of memory (affinity of process %llu)",
                    (unsigned long long)child->wp.id);
}

/* ---- creation ------------------------------------------------------------------------------ */

static int worker_init(struct nat_rt *rt, uint32_t i)
{
    struct nat_worker *w = &rt->w[i];
    w->rt = rt;
    w->s = rt->s;
    w->id = i;
    w->nworkers = rt->n;
    w->spawn_path = ws_sched_spawn_path(rt->s, i);
    ws_sched_fast_init(rt->s, i, &w->fq);
    w->fast = rt->o.fast;
    w->wake_at_switch = rt->p.wake_at == WS_WAKE_AT_SWITCH;
    w->wake_count = (uint32_t)rt->p.wake_every;
    /* pick_order fifo takes the oldest: a completed parent then waits at the tail like any
     * other (the deque), so it is not run next (nat_resume). */
    w->resume_ok = w->fast && !w->fq.oldest;
    nat_refresh_local(w);
    if (w->fast)   /* fence-free fast take where membarrier works (core/ws_deque.c (E)) */
        ws_deque_set_asym(w->fq.q, true);
    w->hk_every = w->fast ? NAT_HOUSEKEEP : 1;
    w->pool.limbo_room = NAT_LIMBO_BATCH;
    w->housekeep = w->hk_every;
    w->is_idle = true;
    w->next_id = i;
    w->rng = rt->o.seed * 0x9E3779B97F4A7C15ull + i + 1;
    w->sample = rt->o.sample_every ? rt->o.sample_every : 1;
    w->os_cpu = rt->o.os_cpus != NULL ? rt->o.os_cpus[i] : -1;
    w->ts.width = nat_ts_first_width(&rt->p);
    w->pool.snap = calloc(rt->n, sizeof(uint64_t));
    w->steal_row = calloc(rt->n, sizeof(uint64_t));
    w->wait_hist = calloc(1, sizeof(struct sim_hist));
    w->resp_hist = calloc(1, sizeof(struct sim_hist));
    atomic_init(&w->wake_seq, 0);
    atomic_init(&w->woken_by, NAT_WAKER_NONE);
    atomic_init(&w->parked, 0);
    atomic_init(&w->qs, 0);
    atomic_init(&w->ntimers_pub, 0);
    atomic_init(&w->join_req, NULL);
    return (w->pool.snap && w->steal_row && w->wait_hist && w->resp_hist) ? 0 : -1;
}

int nat_rt_create(const struct nat_rt_opts *o, struct nat_rt **out, char *err, size_t errlen)
{
    *out = NULL;
    struct nat_rt *rt = calloc(1, sizeof(*rt));
    if (rt == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    rt->o = *o;
    rt->topo = o->topo;
    rt->p = *o->params;
    rt->n = o->topo->ncores;
    pthread_mutex_init(&rt->lock, NULL);
    ws_proc_init(&rt->tmpl, 0);
    rt->safety_ns = o->safety_sleep_ns ? o->safety_sleep_ns : 2000000;
    atomic_init(&rt->live, 1);
    ws_status st = ws_sched_create(rt->topo, &rt->p, o->strategy, &nat_platform, rt, &rt->s);
    if (st != WS_OK) {
        snprintf(err, errlen, st == WS_EINVAL ? "unknown strategy '%s'" : "out of memory%s",
                 st == WS_EINVAL ? o->strategy : "");
        nat_rt_destroy(rt);
        return -1;
    }
    size_t bytes = ((sizeof(struct nat_worker) * rt->n + WS_CACHE_LINE - 1) / WS_CACHE_LINE) *
                   WS_CACHE_LINE;
    rt->w = aligned_alloc(WS_CACHE_LINE, bytes);
    int bad = rt->w == NULL;
    if (!bad)
        memset(rt->w, 0, bytes);
    for (uint32_t i = 0; !bad && i < rt->n; i++)
        bad = worker_init(rt, i) != 0;
    if (bad) {
        snprintf(err, errlen, "out of memory");
        nat_rt_destroy(rt);
        return -1;
    }
    for (uint32_t c = 0; c < rt->n; c++)
        ws_sched_set_idle(rt->s, c, true);   /* every worker starts idle, as in the simulator */
    *out = rt;
    return 0;
}

void nat_rt_join(struct nat_rt *rt)
{
    for (uint32_t i = 0; rt != NULL && rt->w != NULL && i < rt->n; i++) {
        if (rt->w[i].started) {
            pthread_join(rt->w[i].thread, NULL);
            rt->w[i].started = false;
        }
    }
}

void nat_rt_destroy(struct nat_rt *rt)
{
    if (rt == NULL)
        return;
    nat_rt_join(rt);
    for (uint32_t i = 0; rt->w != NULL && i < rt->n; i++) {
        struct nat_worker *w = &rt->w[i];
        pool_destroy(&w->pool);
        free(w->steal_row);
        free(w->wait_hist);
        free(w->resp_hist);
        free(w->timers);
    }
    pool_destroy(&rt->main_pool);
    free(rt->w);
    ws_sched_destroy(rt->s);
    pthread_mutex_destroy(&rt->lock);
    free(rt);
}

/* ---- the creating thread's side ------------------------------------------------------------ */

struct nat_proc *nat_rt_root_new(struct nat_rt *rt, nat_step_fn step)
{
    struct nat_pool *pl = &rt->main_pool;
    if (pl->free == NULL && pool_grow(pl) != 0)
        return NULL;
    struct nat_proc *p = pl->free;
    pl->free = p->next;
    if (p->wp.cores.w != NULL)
        ws_proc_fini(&p->wp);
    p->wp = rt->tmpl;
    /* Ids of roots: above every id a worker hands out soon (workers use id, id + n, ...). */
    p->wp.id = (UINT64_C(1) << 62) + rt->main_next_id++;
    p->step = step;
    p->parent = NULL;
    p->state = 0;
    p->sample = 0;
    p->dirty = 1;   /* injected through an inbox */
    p->t_spawn = 0;
    atomic_init(&p->join, 0);
    atomic_init(&p->mbox, 0);
    return p;
}

int nat_rt_inject(struct nat_rt *rt, struct nat_proc *p)
{
    uint32_t want = rt->root_rr++ % rt->n, to;
    /* Counted live before any worker can see it; the feeder's own +1 keeps the count above 0
     * when no core may run it and the count is taken back. */
    atomic_fetch_add_explicit(&rt->live, 1, memory_order_acq_rel);
    uint64_t now = nat_now_ns();
    nat_sample_mark(p, (rt->t0 != 0 && now > rt->t0 ? now - rt->t0 : 0) + 1);
    if (ws_sched_inject(rt->s, want, &p->wp, now, &to) != WS_OK) {
        atomic_fetch_sub_explicit(&rt->live, 1, memory_order_acq_rel);
        return -1;
    }
    if (rt->t_first == 0)
        rt->t_first = now;
    nat_dekker(rt);   /* the inbox before the wake, against a worker going to sleep */
    nat_wake_worker(rt, NAT_WAKER_NONE, to);
    return 0;
}

void nat_rt_feeder_done(struct nat_rt *rt)
{
    if (atomic_fetch_sub_explicit(&rt->live, 1, memory_order_acq_rel) == 1)
        finish(rt);
}

int nat_rt_start(struct nat_rt *rt, char *err, size_t errlen)
{
    for (uint32_t i = 0; i < rt->n; i++) {
        struct nat_worker *w = &rt->w[i];
        int e = pthread_create(&w->thread, NULL, nat_worker_main, w);
        if (e != 0) {
            snprintf(err, errlen, "cannot start worker %u: %s", i, strerror(e));
            nat_rt_fail(rt, "cannot start worker %u", i);
            ws_store_release(&rt->start, 1);
            nat_futex_wake(&rt->start, 1 << 30);
            return -1;
        }
        w->started = true;
    }
    /* Wait until every worker is pinned and online, so t0 does not include thread start-up. */
    while (ws_load_acquire(&rt->nready) < rt->n)
        nat_futex_wait(&rt->nready, ws_load_relaxed(&rt->nready), 1000000);
    rt->t0 = nat_now_ns();
    ws_store_release(&rt->start, 1);   /* pairs with the workers' acquire of start */
    nat_futex_wake(&rt->start, 1 << 30);
    return 0;
}

/* True if every worker is idle and parked in futex_wait with nothing queued and no timer armed,
 * while processes are alive: nothing can ever make them runnable again (roots no longer
 * arrive). A worker between finding work and leaving idle is not parked, so a worker that is
 * slow to get a CPU back is not mistaken for a deadlock. */
static bool quiet(const struct nat_rt *rt)
{
    for (uint32_t i = 0; i < rt->n; i++)
        if (!ws_sched_is_idle(rt->s, i) || !ws_load_acquire(&rt->w[i].parked) ||
            ws_load_relaxed(&rt->w[i].ntimers_pub) != 0 || ws_sched_waiting(rt->s, i) != 0)
            return false;
    return ws_load_acquire(&rt->live) > 0;
}

int nat_rt_wait(struct nat_rt *rt, volatile int *stopped, char *err, size_t errlen)
{
    int quiet_rounds = 0;
    while (!ws_load_acquire(&rt->done)) {
        nat_futex_wait(&rt->done, 0, WATCH_NS);
        if (ws_load_acquire(&rt->done))
            break;
        if (stopped != NULL && *stopped)
            nat_rt_fail(rt, "interrupted");
        quiet_rounds = quiet(rt) ? quiet_rounds + 1 : 0;
        if (quiet_rounds >= WATCH_ROUNDS) {
            rt->stuck = (uint64_t)ws_load_acquire(&rt->live);
            nat_rt_fail(rt, "deadlock: %llu processes blocked forever waiting for messages that "
                            "never come", (unsigned long long)rt->stuck);
        }
    }
    nat_rt_join(rt);
    if (ws_load_acquire(&rt->failed)) {
        snprintf(err, errlen, "%s", rt->err);
        return -1;
    }
    return 0;
}
