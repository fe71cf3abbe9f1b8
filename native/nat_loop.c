/* nat_loop.c: a worker's life: the scheduling loop and its fast path, housekeeping, the slow
 * paths through ws_sched, idling (steal round, last look, spin, futex
 * sleep), WAIT timers, and the worker's own accounting (design essay in nat_rt.h). */
#include "native/nat_metrics.h"
#include "native/nat_rt.h"
#include "native/nat_sys.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- small helpers ------------------------------------------------------------------------- */

/* A steal round reads processes in other workers' deques before its CAS decides whether it
 * owns them; the qs counter is odd for its duration (seq_cst: a batch sealed while it is even
 * was freed before this round could see it) and even again after (release: pairs with
 * grace_passed's acquire, so what the round read happens before any reuse). */
static inline void steal_begin(struct nat_worker *w)
{
    ws_store_seq_cst(&w->qs, (++w->qs_count << 1) | 1);
}

static inline void steal_end(struct nat_worker *w)
{
    ws_store_release(&w->qs, ++w->qs_count << 1);
}

static uint64_t rel_now(const struct nat_worker *w, uint64_t now)
{
    return now > w->rt->t0 ? now - w->rt->t0 : 0;
}

/* ---- --timeline (w->tl set): slices from the clock reads the accounting makes -------------- */

/* A busy period [busy_since, enter_idle's now) is cut into run slices at each dispatch's clock
 * read: a process's slice runs from its dispatch to the next one (its pick and housekeeping
 * included), the last one to enter_idle, and time before a period's first dispatch goes to
 * that process (or to no process when none ran). So per worker the run slices partition the
 * same intervals that st.busy_ns adds up: their sum equals it exactly (ns since t0 both). */
static void tl_add(struct nat_worker *w, enum sim_tl_kind k, uint64_t start, uint64_t end,
                   uint64_t pid, uint8_t prio, uint32_t victim)
{
    if (sim_timeline_add(w->tl, w->id, k, start, end, pid, prio, victim) != 0)
        nat_rt_fail(w->rt, "out of memory (timeline of worker %u)", w->id);
}

/* The worker's own queue length (its deques and inbox: what ws_sched_waiting counts) at rel,
 * into its timeseries (the largest per bucket, as the simulator's), at the clock reads the
 * timeline makes anyway: each dispatch (after the take, so it includes the pushes of the
 * process before), steal round, sleep and wake-up. Without --timeline only leave_idle samples. */
static void tl_queue(struct nat_worker *w, uint64_t rel)
{
    nat_ts_queue(&w->ts, rel, ws_sched_waiting(w->s, w->id));
}

/* Close the open run slice at rel (ns since t0); the next one starts there. A process is
 * recorded even when no clock tick passed (every dispatch shows); no process only when some did. */
static void tl_run_close(struct nat_worker *w, uint64_t rel)
{
    if (rel > w->tl_mark || w->tl_pid != SIM_TL_NONE64)
        tl_add(w, SIM_TL_RUN, w->tl_mark, rel, w->tl_pid, w->tl_prio, SIM_TL_NONE32);
    w->tl_mark = rel;
    tl_queue(w, rel);
}

/* Worker w dispatches p: the previous process's slice ends here, p's begins. */
static void tl_dispatch(struct nat_worker *w, const struct nat_proc *p)
{
    if (w->tl_pid != SIM_TL_NONE64)
        tl_run_close(w, rel_now(w, nat_now_ns()));
    w->tl_pid = p->wp.id;
    w->tl_prio = (uint8_t)p->wp.prio;
}

/* A process that came through ws_sched: a migration's cost it owes (ws_migrate_commit) is
 * natively being paid in cache misses right now; count it. Fast-path processes owe nothing. */
static struct nat_proc *from_sched(struct nat_worker *w, struct ws_proc *wp)
{
    if (wp != NULL) {
        w->sched_picks++;
        ((struct nat_proc *)wp)->dirty = 1;   /* a steal may have changed its migration fields */
        wp->cur_core = (int32_t)w->id;   /* runs here (the fast take's processes say so already) */
    }
    if (wp != NULL && wp->owed_ns != 0) {
        w->st.migration_cost_ns += wp->owed_ns;
        wp->owed_ns = 0;
    }
    return (struct nat_proc *)wp;
}

/* ---- pushes through ws_sched --------------------------------------------------------------- */

void nat_after_push(struct nat_worker *w)
{
    if (WS_UNLIKELY(w->wake_at_switch)) {   /* checked when the running process leaves */
        ws_sched_wake_later(w->s, w->id);
        return;
    }
    nat_dekker(w->rt);   /* pairs with the sleeper's, between its sleeping bit and last look */
    ws_sched_wake_for_work(w->s, w->id, w->id);
}

/* The running process has left the worker (wake_at switch): the wake checks of the pushes it
 * made happen now, as BEAM's schedule() looks for schedulers to wake between slices; with
 * wake_every N > 1 at every Nth switch only, for whatever then waits here. */
static void at_switch(struct nat_worker *w)
{
    if (w->rt->p.wake_every > 1) {
        if (--w->wake_count != 0)
            return;
        w->wake_count = (uint32_t)w->rt->p.wake_every;
        ws_sched_wake_later(w->s, w->id);
    }
    nat_dekker(w->rt);
    ws_sched_switch(w->s, w->id);
}

static void check(struct nat_worker *w, ws_status st, const struct nat_proc *p, const char *what)
{
    if (st != WS_OK)
        nat_rt_fail(w->rt, "process %llu: cannot be %s (%s)", (unsigned long long)p->wp.id,
                    what, st == WS_NOMEM ? "out of memory" : "no allowed core");
}

/* Give up the fast path for good (a non-normal priority appeared here): priorities need
 * ws_sched's picking order. */
static void go_slow(struct nat_worker *w)
{
    w->fast = false;
    w->local_plain = false;
    w->resume_plain = false;
    w->hk_every = w->housekeep = 1;
}

/* A spawn nat_local_ok refused (placed elsewhere, or not at normal priority). */
void nat_spawn_slow(struct nat_worker *w, struct nat_proc *p)
{
    if (w->fast && p->wp.prio != WS_PRIO_NORMAL)
        go_slow(w);
    p->dirty = 1;
    nat_live_flush(w);
    uint32_t placed = WS_CORE_NONE;
    ws_status st = ws_sched_spawn(w->s, w->id, &p->wp, &placed);
    check(w, st, p, "placed");
    if (st == WS_OK && placed == w->id)
        nat_after_push(w);
}

/* A wake-up nat_ready did not keep on w: through ws_sched_wake's placement. */
void nat_ready_slow(struct nat_worker *w, struct nat_proc *p)
{
    p->dirty = 1;
    nat_live_flush(w);
    uint32_t placed = WS_CORE_NONE;
    ws_status st = ws_sched_wake(w->s, w->id, &p->wp, &placed);
    check(w, st, p, "woken");
    if (st == WS_OK && placed == w->id)
        nat_after_push(w);
}

/* ---- joins off their owner (design essay: nat_rt.h, Joins) --------------------------------- */

/* The first remote arrival at p (the owner's token still in its count): hand p to its owner,
 * who flushes its plain count. p cannot complete before that flush, so it is safe to touch here;
 * the owner's id is read before the push, after which the owner may flush and free it. */
static void join_request(struct nat_worker *w, struct nat_proc *p)
{
    uint32_t owner = ws_load_relaxed(&p->join_owner);   /* not flushed: this asks for it */
    _Atomic(struct nat_proc *) *head = &w->rt->w[owner].join_req;
    struct nat_proc *h = ws_load_relaxed(head);
    do
        p->next = h;   /* release below: the owner's acquiring exchange reads it */
    while (!atomic_compare_exchange_weak_explicit(head, &h, p, memory_order_release,
                                                  memory_order_relaxed));
    nat_wake_worker(w->rt, w->id, owner);   /* an idle owner looks at join_req when woken */
}

enum nat_step nat_join_arrive_remote(struct nat_worker *w, struct nat_proc *parent, uint64_t v)
{
    uint64_t first = (uint64_t)parent->join_k + 1;   /* before the RMW: then p may complete */
    w->st.join_rmw++;
    /* acq_rel: releases everything this child did to whoever counts last, which acquires every
     * earlier RMW (the owner's flush included) through the release sequence. */
    uint64_t old = atomic_fetch_add_explicit(&parent->join, (v << NAT_JOIN_BITS) - 1,
                                             memory_order_acq_rel);
    uint64_t n = old & NAT_JOIN_COUNT;
    if (n == 1)
        nat_ready(w, parent);
    else if (n == first)
        join_request(w, parent);
    return NAT_EXIT;
}

/* Owner w: p's plain arrivals and the token go into the join word; later arrivals here pay the
 * RMW too. Ready p if that completes it (every remote arrival came first). */
static void join_flush(struct nat_worker *w, struct nat_proc *p)
{
    uint64_t mine = (uint64_t)(p->join_k - p->join_left) + 1;
    w->st.join_flushes++;
    ws_store_relaxed(&p->join_owner, NAT_JOIN_FLUSHED);
    uint64_t old = atomic_fetch_add_explicit(&p->join, (p->join_lsum << NAT_JOIN_BITS) - mine,
                                             memory_order_acq_rel);
    if ((old & NAT_JOIN_COUNT) == mine)
        nat_ready(w, p);
}

void nat_join_flush_requests(struct nat_worker *w)
{
    if (ws_load_relaxed(&w->join_req) == NULL)
        return;
    /* acquire: pairs with join_request's release (p->next and the join fields it read). */
    struct nat_proc *p = atomic_exchange_explicit(&w->join_req, NULL, memory_order_acquire);
    while (p != NULL) {
        struct nat_proc *next = p->next;   /* before the flush: p may run and exit after it */
        join_flush(w, p);
        p = next;
    }
}

void nat_sample_spawn(struct nat_worker *w, struct nat_proc *p)
{
    w->sample = w->rt->o.sample_every ? w->rt->o.sample_every : 1;
    nat_sample_mark(p, rel_now(w, nat_now_ns()) + 1);
}

/* ---- timers (replay WAIT phases): a min-heap by deadline, owner only ------------------------ */

void nat_timer_arm(struct nat_worker *w, struct nat_proc *p, uint64_t at)
{
    if (w->ntimers == w->timers_cap) {
        uint32_t cap = w->timers_cap ? w->timers_cap * 2 : 64;
        struct nat_timer *t = realloc(w->timers, cap * sizeof(*t));
        if (t == NULL) {
            nat_rt_fail(w->rt, "out of memory (timers)");
            return;
        }
        w->timers = t;
        w->timers_cap = cap;
    }
    uint32_t i = w->ntimers++;
    while (i > 0 && w->timers[(i - 1) / 2].t > at) {
        w->timers[i] = w->timers[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    w->timers[i] = (struct nat_timer){ at, p };
    ws_store_relaxed(&w->ntimers_pub, w->ntimers);
}

static struct nat_proc *timer_pop(struct nat_worker *w)
{
    struct nat_proc *p = w->timers[0].p;
    struct nat_timer last = w->timers[--w->ntimers];
    uint32_t i = 0;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= w->ntimers)
            break;
        if (c + 1 < w->ntimers && w->timers[c + 1].t < w->timers[c].t)
            c++;
        if (w->timers[c].t >= last.t)
            break;
        w->timers[i] = w->timers[c];
        i = c;
    }
    if (w->ntimers > 0)
        w->timers[i] = last;
    ws_store_relaxed(&w->ntimers_pub, w->ntimers);
    return p;
}

/* Processes whose WAIT ended become runnable, through ws_sched_wake as the simulator's timers. */
static void fire_timers(struct nat_worker *w, uint64_t now)
{
    while (w->ntimers > 0 && w->timers[0].t <= now) {
        struct nat_proc *p = timer_pop(w);
        p->dirty = 1;
        nat_live_flush(w);
        uint32_t placed = WS_CORE_NONE;
        ws_status st = ws_sched_wake(w->s, w->id, &p->wp, &placed);
        check(w, st, p, "woken");
        if (st == WS_OK && placed == w->id)
            nat_after_push(w);
    }
}

/* ---- idling -------------------------------------------------------------------------------- */

static void enter_idle(struct nat_worker *w, uint64_t now)
{
    if (!w->is_idle) {
        w->is_idle = true;
        w->st.busy_ns += now - w->busy_since;
        nat_ts_busy(&w->ts, rel_now(w, w->busy_since), now - w->busy_since);
        if (WS_UNLIKELY(w->tl != NULL))
            tl_run_close(w, rel_now(w, now));
        ws_sched_set_idle(w->s, w->id, true);
    }
    nat_live_flush(w);
}

static void leave_idle(struct nat_worker *w)
{
    if (!w->is_idle)
        return;
    uint64_t now = nat_now_ns();
    w->is_idle = false;
    w->busy_since = now;
    if (WS_UNLIKELY(w->tl != NULL)) {
        w->tl_mark = rel_now(w, now);
        w->tl_pid = SIM_TL_NONE64;
    }
    ws_sched_set_idle(w->s, w->id, false);
    nat_ts_queue(&w->ts, rel_now(w, now), ws_sched_waiting(w->s, w->id));
}

/* Count the steals of the last ws_sched call into this thief's row of the steal matrix;
 * returns the victim, or SIM_TL_NONE32 when it stole nothing. */
/* The steals of the round that ended at `end`: into the steal matrix and on the steal clock,
 * and its lost races on theirs. Returns the victim, or SIM_TL_NONE32 when the round took
 * nothing. */
static uint32_t note_steals(struct nat_worker *w, uint64_t end)
{
    uint64_t t = end > w->rt->t0 ? end - w->rt->t0 : 0;
    uint64_t lost = ws_sched_core_stats(w->s, w->id)->steal_result[WS_STEAL_LOST_RACE];
    if (lost != w->st.lost_seen) {
        sim_tclock_add(&w->st.lost_clock, t, lost - w->st.lost_seen);
        w->st.lost_seen = lost;
    }
    uint32_t victim = 0;
    uint64_t n = ws_sched_new_steals(w->s, w->id, &w->steal_seen, &victim);
    if (n == 0)
        return SIM_TL_NONE32;
    w->steal_row[victim] += n;
    sim_tclock_add(&w->st.steal_clock, t, n);
    return victim;
}

static struct nat_proc *steal_round(struct nat_worker *w, bool last_look)
{
    uint64_t t0 = nat_now_ns();
    steal_begin(w);
    struct ws_proc *wp = last_look ? ws_sched_last_look(w->s, w->id)
                                   : ws_sched_steal(w->s, w->id);
    steal_end(w);
    uint64_t t1 = nat_now_ns();
    w->st.steal_ns += t1 - t0;
    uint32_t victim = note_steals(w, t1);
    if (victim != SIM_TL_NONE32) {
        w->st.won_hist[nat_round_bin(t1 - t0)]++;
        if (t1 - t0 > NAT_ROUND_LONG_NS) {
            w->st.won_long++;   /* its thread lost the CPU: not the round's cost */
        } else {
            w->st.won_rounds++;
            w->st.won_ns += t1 - t0;
        }
    }
    if (WS_UNLIKELY(w->tl != NULL)) {
        tl_add(w, SIM_TL_STEAL, rel_now(w, t0), rel_now(w, t1), wp ? wp->id : SIM_TL_NONE64,
               wp ? (uint8_t)wp->prio : 0, wp ? victim : SIM_TL_NONE32);
        tl_queue(w, rel_now(w, t1));
    }
    return from_sched(w, wp);
}

/* --timeline: a sleep [now, t1) and, when woken for work, the wake-up with its waker (stored by
 * nat_wake_worker before the wake_seq bump park acquired). The end of the run's broadcast
 * (done set) and the feeder's injections have no waking worker: the first is no wake-up for
 * work and is left out, the second is recorded without a waker. */
static void tl_park(struct nat_worker *w, uint64_t now, uint64_t t1, bool woken)
{
    tl_queue(w, rel_now(w, now));
    tl_add(w, SIM_TL_SLEEP, rel_now(w, now), rel_now(w, t1), SIM_TL_NONE64, 0, SIM_TL_NONE32);
    if (!woken || ws_load_acquire(&w->rt->done))
        return;
    uint32_t by = ws_load_relaxed(&w->woken_by);
    tl_add(w, SIM_TL_WAKE, rel_now(w, t1), rel_now(w, t1), SIM_TL_NONE64, 0,
           by < w->rt->n && by != w->id ? by : SIM_TL_NONE32);
    tl_queue(w, rel_now(w, t1));
}

/* Futex sleep until woken, the safety timeout, the next timer, or retry_at (the end of a
 * time-bounded refusal: ws_sched_retry_at), whichever comes first. */
static void park(struct nat_worker *w, uint32_t seq, uint64_t retry_at, bool *timed_out)
{
    uint64_t now = nat_now_ns(), timeout = w->rt->safety_ns;
    bool timer = w->ntimers > 0 && w->timers[0].t < now + timeout;
    if (timer)
        timeout = w->timers[0].t > now ? w->timers[0].t - now : 1;
    if (retry_at < now + timeout) {   /* a retry is a timer of its own, not the safety net */
        timer = true;
        timeout = retry_at > now ? retry_at - now : 1;
    }
    atomic_store_explicit(&w->parked, 1, memory_order_seq_cst);   /* pairs with nat_wake_worker */
    nat_futex_wait(&w->wake_seq, seq, timeout);
    atomic_store_explicit(&w->parked, 0, memory_order_relaxed);
    uint64_t t1 = nat_now_ns();
    w->st.sleep_ns += t1 - now;
    bool woken = ws_load_acquire(&w->wake_seq) != seq;
    *timed_out = !woken && !timer;   /* the safety net, not a timer, ended the sleep */
    if (woken)
        w->st.wakeups++;
    else if (!timer)
        w->st.timeouts++;
    if (WS_UNLIKELY(w->tl != NULL))
        tl_park(w, now, t1, woken);
}

/* Nothing found by a steal round: set the sleeping bit, look once more, spin, then sleep.
 * Returns work found by the last look, else NULL (the caller loops). */
static struct nat_proc *wait_for_work(struct nat_worker *w, bool *timed_out)
{
    struct nat_rt *rt = w->rt;
    uint32_t seq = ws_load_acquire(&w->wake_seq);
    nat_join_flush_requests(w);   /* after seq: a request's wake-up after this ends the sleep */
    ws_sched_set_sleeping(w->s, w->id, true);
    nat_dekker(rt);   /* the sleeping bit before the look; pairs with nat_after_push's */
    struct nat_proc *p = from_sched(w, ws_sched_next(w->s, w->id, false));
    if (p == NULL)
        p = steal_round(w, true);
    if (p != NULL || ws_load_acquire(&rt->done)) {
        ws_sched_set_sleeping(w->s, w->id, false);
        return p;
    }
    uint64_t retry_at = ws_sched_retry_at(w->s, w->id);   /* same clock: nat_now_ns */
    uint64_t until = nat_now_ns() + rt->p.spin_ns;
    if (rt->p.spin_ns > 0)   /* awake: told of work short of a backlog (ws_sched_told) */
        ws_sched_set_spinning(w->s, w->id, true);
    if (retry_at < until)
        until = retry_at;
    for (uint32_t i = 1; ws_load_acquire(&w->wake_seq) == seq; i++) {
        ws_cpu_relax();
        if ((i & 63) == 0 && (ws_load_relaxed(&rt->done) || nat_now_ns() >= until))
            break;
        if (w->ntimers > 0 && (i & 63) == 0 && nat_now_ns() >= w->timers[0].t)
            break;
    }
    ws_sched_set_spinning(w->s, w->id, false);
    if (ws_load_acquire(&w->wake_seq) == seq && !ws_load_acquire(&rt->done) &&
        (w->ntimers == 0 || nat_now_ns() < w->timers[0].t) && nat_now_ns() < retry_at)
        park(w, seq, retry_at, timed_out);
    ws_sched_set_sleeping(w->s, w->id, false);
    return NULL;
}

/* Nothing local to run: timers, own queues, a steal round, then wait. NULL when the run is
 * over. */
static struct nat_proc *idle(struct nat_worker *w)
{
    struct nat_rt *rt = w->rt;
    enter_idle(w, nat_now_ns());
    bool timed_out = false;
    while (!ws_load_acquire(&rt->done)) {
        if (w->ntimers > 0)
            fire_timers(w, nat_now_ns());
        nat_join_flush_requests(w);
        ws_sched_balance(w->s, w->id);
        struct nat_proc *p = from_sched(w, ws_sched_next(w->s, w->id, false));
        if (p == NULL)
            p = steal_round(w, false);
        if (p == NULL)
            p = wait_for_work(w, &timed_out);
        if (p != NULL) {
            if (timed_out)
                w->st.timeout_finds++;
            leave_idle(w);
            return p;
        }
    }
    return NULL;
}

/* ---- the loop ------------------------------------------------------------------------------ */

/* Every hk_every scheduling points: due timers, the balancer's pass when due, the inbox (work
 * placed here by other cores: ws_sched_next drains it and picks by priority), and a wake-up for
 * an idle core when work waits here. */
static struct nat_proc *housekeep(struct nat_worker *w)
{
    w->housekeep = w->hk_every;
    if (WS_UNLIKELY(ws_load_relaxed(&w->rt->failed)))
        return NULL;   /* a failed run: the take below runs what is queued, then idle sees done */
    if (w->ntimers > 0)
        fire_timers(w, nat_now_ns());
    nat_join_flush_requests(w);
    ws_sched_balance(w->s, w->id);   /* when due, on one worker at a time */
    nat_refresh_local(w);            /* the balancer's path, for the spawns until the next */
    if (ws_sched_inbox_len(w->s, w->id) != 0) {
        struct nat_proc *p = from_sched(w, ws_sched_next(w->s, w->id, w->after_preempt));
        w->after_preempt = false;
        if (p != NULL) {
            leave_idle(w);   /* a worker's first pick may come here: its busy period begins */
            return p;
        }
    }
    if (w->fast)
        nat_fast_housekeep(w);
    return NULL;
}

static struct nat_proc *next_slow(struct nat_worker *w)
{
    struct nat_proc *p = from_sched(w, ws_sched_next(w->s, w->id, w->after_preempt));
    w->after_preempt = false;
    if (p == NULL)
        return idle(w);
    leave_idle(w);   /* the first process of a run arrives in the inbox of an idle worker */
    return p;
}

/* The next process to run; NULL when the run is over. plain: as in loop. */
static inline __attribute__((always_inline)) struct nat_proc *next_proc(struct nat_worker *w,
                                                                       bool plain)
{
    if (WS_UNLIKELY(--w->housekeep == 0)) {
        struct nat_proc *p = housekeep(w);
        if (p != NULL)
            return p;
        /* Slow mode housekeeps at every pick, and a yield makes the next pick housekeep. */
        if (WS_UNLIKELY(!w->fast || w->after_preempt))
            return next_slow(w);
    }
    struct nat_proc *p = nat_take_local(w, plain);
    return WS_LIKELY(p != NULL) ? p : next_slow(w);
}

static void proc_exited(struct nat_worker *w, struct nat_proc *p)
{
    /* Migrated and not marked: one of a half-steal's extra processes (ws_sched_steal queues them
     * on the thief, whose fast take does not pass them through from_sched). Its migration cost
     * counts here, and its pool reuse resets it to the template. */
    if (WS_UNLIKELY(ws_load_relaxed(&p->wp.migrations) != 0 && !p->dirty)) {
        w->st.migration_cost_ns += p->wp.owed_ns;
        p->wp.owed_ns = 0;
        p->dirty = 1;
    }
    w->st.exits++;
    w->live_credit++;
    nat_proc_free(w, p);   /* a sampled one recorded its response (nat_sample_step) */
}

/* Its reduction budget is spent: back to the queue; the next pick takes the oldest (BEAM). */
static void on_yield(struct nat_worker *w, struct nat_proc *p)
{
    w->st.preemptions++;
    w->after_preempt = true;
    w->housekeep = 1;   /* the next pick is ws_sched_next's, oldest first (next_proc) */
    p->dirty = 1;
    nat_live_flush(w);
    check(w, ws_sched_requeue(w->s, w->id, &p->wp), p, "requeued");
    nat_after_push(w);
}

/* A step returned neither EXIT nor BLOCK: step again while it says AGAIN, then as run_one. */
static bool after_step(struct nat_worker *w, struct nat_proc *p, enum nat_step r)
{
    while (r == NAT_AGAIN)
        r = p->step(w, p);
    if (r == NAT_EXIT || r == NAT_RESUME)
        proc_exited(w, p);
    else if (r == NAT_YIELD)
        on_yield(w, p);
    return r == NAT_RESUME;
}

/* One dispatch of p; true when the parent p's exit completed runs next (NAT_RESUME: w->resume).
 * plain: as in loop. picked: p came from a pick, so its strict affinity is checked; a resumed
 * parent (nat_resume) was admitted by nat_local_ok, which allows it here. */
static inline __attribute__((always_inline)) bool run_one(struct nat_worker *w,
                                                          struct nat_proc *p, bool plain,
                                                          bool picked)
{
    w->st.run++;
    if (!plain && WS_UNLIKELY(w->tl != NULL))
        tl_dispatch(w, p);
    if (picked && WS_UNLIKELY(!ws_proc_allowed(&p->wp, w->id)))
        w->st.aff_violations++;
    enum nat_step r = p->step(w, p);
    if (WS_LIKELY(r == NAT_EXIT)) {   /* the common results first: one test each */
        proc_exited(w, p);
        return false;
    }
    if (r == NAT_BLOCK)
        return false;
    if (r == NAT_RESUME) {
        proc_exited(w, p);
        return true;
    }
    return after_step(w, p, r);
}

/* The parent a step's join completed (nat_resume, the step's NAT_RESUME): picked now, as
 * nat_take_local would have picked it from the deque, and counted as that pick is (see
 * sched_picks). (No pick can follow a yield here: a step that completed a join exited, and the
 * loop's picks reset after_preempt before any step runs.) */
static inline struct nat_proc *take_resume(struct nat_worker *w)
{
    struct nat_proc *p = w->resume;
    w->resume = NULL;
    return p;
}

/* The worker's life until the run ends: pick and run, and run next the parents whose joins the
 * steps complete. plain: no --timeline and pick_order lifo, a constant in each of the two
 * copies (nat_worker_main runs one), so that the common one tests neither at each dispatch. */
static inline __attribute__((always_inline)) void loop(struct nat_worker *w, bool plain)
{
    struct nat_proc *p;
    while ((p = next_proc(w, plain)) != NULL) {
        bool resume = run_one(w, p, plain, true);
        while (resume)
            resume = run_one(w, take_resume(w), plain, false);
        if (WS_UNLIKELY(w->wake_at_switch))
            at_switch(w);
    }
}

static void pin(struct nat_worker *w)
{
    if (w->os_cpu < 0)
        return;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(w->os_cpu, &one);
    w->pinned = pthread_setaffinity_np(pthread_self(), sizeof(one), &one) == 0;
}

/* How a ready worker waits for the start: spinning, yielding its CPU every START_YIELD spins
 * (the creating thread needs one to give the start), and after START_SPINS in the kernel. A
 * worker that waited in the kernel from the first took a wake-up to begin: 2-thread runs of
 * nqueens:11 dispatched their first process 50-55 us after t0, which the makespan counted and
 * the model, whose cores are awake at time 0, does not have (2.5% of that run). */
#define START_YIELD 256u
#define START_SPINS (UINT32_C(1) << 22)

static void await_start(struct nat_rt *rt)
{
    /* (acquire: pairs with nat_rt_start's release) */
    for (uint32_t spins = 1; !ws_load_acquire(&rt->start); spins++) {
        if (spins >= START_SPINS)
            nat_futex_wait(&rt->start, 0, 1000000);
        else if (spins % START_YIELD == 0)
            sched_yield();
        else
            ws_cpu_relax();
    }
}

void *nat_worker_main(void *arg)
{
    struct nat_worker *w = arg;
    struct nat_rt *rt = w->rt;
    pin(w);
    /* pick_order fifo: the fast take is a steal, which on an asymmetric deque calls membarrier
     * at every pick (ws_sched_fast_take); no thief runs before the start, so it is safe here. */
    if (w->fq.oldest)
        ws_deque_set_asym(w->fq.q, false);
    if (nat_pool_prewarm(w) != 0)   /* first touches before t0, not in the run (Start-up) */
        nat_rt_fail(rt, "out of memory (processes)");
    atomic_fetch_add_explicit(&rt->nready, 1, memory_order_acq_rel);
    nat_futex_wake(&rt->nready, 1);
    await_start(rt);
    w->busy_since = rt->t0;
    w->tl_mark = 0;
    w->tl_pid = SIM_TL_NONE64;
    struct timespec c0, c1;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    if (WS_LIKELY(w->tl == NULL && !w->fq.oldest))
        loop(w, true);
    else
        loop(w, false);
    ws_sched_fast_picked(&w->fq, w->st.run - w->sched_picks);   /* the fast picks (sched_picks) */
    if (!w->is_idle)
        enter_idle(w, nat_now_ns());     /* a failed run: close the busy period */
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    w->st.cpu_ns = (uint64_t)((c1.tv_sec - c0.tv_sec) * 1000000000 + (c1.tv_nsec - c0.tv_nsec));
    return NULL;
}
