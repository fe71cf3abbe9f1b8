/* nat_replay.c: native replay of trace processes (the model is in nat_replay.h). */
#include "native/nat_replay.h"
#include "native/nat_calib.h"
#include "sim/trace/import/sim_import.h"
#include "core/ws_migrate.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int keep(struct nat_replay *r, struct sim_trace_rec *rec, uint64_t *room)
{
    if (r->npre == *room) {
        uint64_t n = *room * 2;
        struct sim_trace_rec **pre = realloc(r->pre, n * sizeof *pre);
        if (pre == NULL)
            return -1;
        r->pre = pre;
        *room = n;
    }
    r->pre[r->npre++] = rec;
    return 0;
}

/* Map rec (pre[i]) to its slot; an id met twice (an invalid trace: the source or a spawn will
 * say so) keeps to the maps. */
static int index_rec(struct nat_replay *r, const struct sim_trace_rec *rec, uint64_t i)
{
    uint64_t v;
    if (sim_idmap_get(&r->ready, rec->id, &v))
        i = NAT_REPLAY_SHARED;
    return sim_idmap_put(&r->ready, rec->id, i);
}

/* Read the roots, then the children of each record read in turn, until max records are held
 * (a record's children are read whole). Parsing a record in the run would be done under the
 * replay's lock, and its cost there depends on the allocator's state: a trace's 2-worker runs
 * waited 0.6-1.0 ms a run for the lock after a sweep's 1-worker count and 2.4-2.6 ms without
 * one. Read ahead, a spawn holds the lock only for the id maps; with a slot each, not at all. */
static int preload(struct nat_replay *r, uint64_t max, char *err, size_t errlen)
{
    uint64_t room = 1024;
    struct sim_trace_rec *rec;
    int st = SIM_TRACE_OK;
    if ((r->pre = malloc(room * sizeof *r->pre)) == NULL || sim_idmap_init(&r->ready, 1024) != 0)
        goto oom;
    while (r->npre < max && (st = sim_trace_next_root(r->t, &rec)) == SIM_TRACE_OK) {
        if (keep(r, rec, &room) != 0) {
            sim_trace_release(r->t, rec);
            goto oom;
        }
        if (index_rec(r, rec, r->npre - 1) != 0)
            goto oom;
    }
    r->proots = r->npre;
    for (; st != SIM_TRACE_ERROR && r->pwalked < r->npre && r->npre < max;
         r->pwalked++) {
        const struct sim_trace_rec *p = r->pre[r->pwalked];
        for (uint32_t i = 0; i < p->nphases && st != SIM_TRACE_ERROR; i++) {
            if (p->phases[i].kind != SIM_PHASE_SPAWN)
                continue;
            if ((st = sim_trace_child(r->t, p, p->phases[i].arg, &rec)) != SIM_TRACE_OK)
                break;
            if (keep(r, rec, &room) != 0 || index_rec(r, rec, r->npre - 1) != 0)
                goto oom;
        }
    }
    if (st == SIM_TRACE_ERROR) {
        snprintf(err, errlen, "%s", sim_trace_error(r->t));
        return -1;
    }
    if (r->npre > 0 && (r->slot = malloc(r->npre * sizeof *r->slot)) == NULL)
        goto oom;
    for (uint64_t i = 0; i < r->npre; i++) {
        atomic_init(&r->slot[i].mbox, 0);
        atomic_init(&r->slot[i].proc, NULL);
    }
    return 0;
oom:
    snprintf(err, errlen, "out of memory (reading the trace ahead)");
    return -1;
}

int nat_replay_open(struct nat_replay *r, const char *trace, double scale, double ipn,
                    uint32_t ncores, uint64_t max_ahead, char *err, size_t errlen)
{
    memset(r, 0, sizeof(*r));
    r->scale = scale > 0 ? scale : 1.0;
    r->ipn = ipn > 0 ? ipn : 1.0;
    r->ncores = ncores;
    if ((r->t = sim_trace_open(trace, NULL, err, errlen)) == NULL)
        return -1;
    if (sim_idmap_init(&r->live, 1024) != 0 || sim_idmap_init(&r->pending, 16) != 0 ||
        sim_idmap_init(&r->exited, 1024) != 0) {
        snprintf(err, errlen, "out of memory");
        nat_replay_close(r);
        return -1;
    }
    atomic_init(&r->lock, 0);
    if (preload(r, max_ahead ? max_ahead : NAT_REPLAY_PRELOAD_MAX, err, errlen) != 0) {
        nat_replay_close(r);
        return -1;
    }
    return 0;
}

void nat_replay_close(struct nat_replay *r)
{
    if (r->t != NULL) {
        /* Processes left alive by a failed run (a deadlock) still hold their records. */
        for (size_t i = 0; r->live.keys != NULL && i <= r->live.mask; i++) {
            if (r->live.keys[i] == UINT64_MAX)
                continue;
            struct nat_proc *p = (struct nat_proc *)(uintptr_t)r->live.vals[i];
            if (!p->u.rp.ahead)
                sim_trace_release(r->t, p->u.rp.rec);
            p->u.rp.rec = NULL;
        }
        r->tally = r->t->tally;
        sim_trace_close(r->t);
    }
    sim_idmap_destroy(&r->live);
    sim_idmap_destroy(&r->pending);
    sim_idmap_destroy(&r->exited);
    sim_idmap_destroy(&r->ready);
    free(r->pre);
    free(r->slot);
    r->pre = NULL;
    r->slot = NULL;
    r->t = NULL;
}

static uint64_t scaled(const struct nat_replay *r, uint64_t ns)
{
    return (uint64_t)((double)ns * r->scale + 0.5);
}

/* Fill p from its record: its mailbox in slot when it has one (no lock needed), else registered
 * in the maps (r->lock held). 0, or -1 after nat_rt_fail. */
static int setup(struct nat_rt *rt, struct nat_replay *r, struct nat_proc *p,
                 struct sim_trace_rec *rec, bool ahead, struct nat_rslot *slot)
{
    p->dirty = 1;
    p->wp.id = rec->id;
    p->wp.prio = rec->prio;
    p->wp.wset_bytes = rec->ws_bytes;
    p->wp.expected_ns = 0;
    for (uint32_t i = 0; i < rec->nphases && rt->p.runtime_known; i++)
        if (rec->phases[i].kind == SIM_PHASE_RUN)
            p->wp.expected_ns += scaled(r, rec->phases[i].arg);
    p->u.rp = (struct nat_rp){ rec, 0, 0, 0, false, ahead, slot };
    if (rec->aff_kind != SIM_AFF_NONE) {
        struct ws_cpuset set;
        if (ws_cpuset_init(&set, r->ncores) != WS_OK)
            return nat_rt_fail(rt, "out of memory"), -1;
        for (uint32_t i = 0; i < rec->aff_ncores; i++) {
            if (ws_cpuset_set(&set, rec->aff_cores[i]) != WS_OK) {
                ws_cpuset_destroy(&set);
                return nat_rt_fail(rt, "process %llu (line %llu): affinity: core %u does not exist "
                                       "natively (%u workers)", (unsigned long long)rec->id,
                                   (unsigned long long)rec->line, rec->aff_cores[i], r->ncores), -1;
            }
        }
        enum ws_aff_kind k = rec->aff_kind == SIM_AFF_STRICT ? WS_AFF_STRICT : WS_AFF_PREFERRED;
        ws_status st = ws_proc_set_affinity(&p->wp, k, &set, rec->aff_preferred);
        ws_cpuset_destroy(&set);
        if (st != WS_OK)
            return nat_rt_fail(rt, "process %llu (line %llu): affinity: invalid",
                               (unsigned long long)rec->id, (unsigned long long)rec->line), -1;
    }
    if (slot != NULL) {
        /* (published with p by the spawn's push: a sender that finds p blocked in RECV has
         * seen p's RECV, which came after that push) */
        atomic_store_explicit(&slot->proc, p, memory_order_relaxed);
        return 0;
    }
    uint64_t held = 0;
    sim_idmap_del(&r->pending, rec->id, &held);
    atomic_store_explicit(&p->mbox, (int64_t)held, memory_order_relaxed);
    if (sim_idmap_put(&r->live, rec->id, (uint64_t)(uintptr_t)p) != 0)
        return nat_rt_fail(rt, "out of memory (processes)"), -1;
    return 0;
}

/* The slot of read-ahead id, or NULL (lock-free: nothing writes r->ready during the run); its
 * index in pre in *index where index is not NULL. */
static struct nat_rslot *slot_of(const struct nat_replay *r, uint64_t id, uint64_t *index)
{
    uint64_t v;
    if (!sim_idmap_get(&r->ready, id, &v) || v == NAT_REPLAY_SHARED)
        return NULL;
    if (index != NULL)
        *index = v;
    return &r->slot[v];
}

static _Atomic int64_t *mailbox(struct nat_proc *p)
{
    return p->u.rp.slot != NULL ? &p->u.rp.slot->mbox : &p->mbox;
}

/* Take the replay's lock: worker w (NULL: the feeder). Its critical sections are short (a
 * record made or a map updated, about a microsecond), so a waiter spins for it, yielding its
 * CPU now and then in case the holder needs it (more workers than CPUs), rather than sleeping:
 * a futex sleep and wake-up cost this host 15-25 us a wait, the replay's workers then spent a
 * third of their time waiting for each other, and the simulator has no such lock. A worker's
 * waits are counted and timed. */
#define REPLAY_LOCK_YIELD 4096u   /* spins between yields */

static void replay_lock(struct nat_worker *w, struct nat_replay *r)
{
    if (atomic_exchange_explicit(&r->lock, 1, memory_order_acquire) == 0)
        return;
    uint64_t t0 = nat_now_ns();
    uint32_t spins = 0;
    do {
        while (atomic_load_explicit(&r->lock, memory_order_relaxed) != 0)
            if (++spins % REPLAY_LOCK_YIELD == 0)
                sched_yield();
            else
                ws_cpu_relax();
    } while (atomic_exchange_explicit(&r->lock, 1, memory_order_acquire) != 0);
    if (w != NULL) {
        w->st.lock_wait_ns += nat_now_ns() - t0;
        w->st.lock_waits++;
    }
}

static void replay_unlock(struct nat_replay *r)
{
    atomic_store_explicit(&r->lock, 0, memory_order_release);
}

static void finish(struct nat_worker *w, struct nat_replay *r, struct nat_proc *p)
{
    if (p->u.rp.slot != NULL) {   /* later sends see the mark and count themselves dropped */
        atomic_store_explicit(&p->u.rp.slot->mbox, NAT_RSLOT_EXITED, memory_order_relaxed);
        p->u.rp.rec = NULL;
        return;
    }
    replay_lock(w, r);
    sim_idmap_del(&r->live, p->wp.id, NULL);
    sim_idmap_put(&r->exited, p->wp.id, 1);
    if (!p->u.rp.ahead)
        sim_trace_release(r->t, p->u.rp.rec);
    replay_unlock(r);
    p->u.rp.rec = NULL;
}

static void send_msg(struct nat_worker *w, struct nat_replay *r, uint64_t to)
{
    struct nat_proc *t = NULL;
    int64_t old = 0;
    uint64_t v;
    w->st.messages++;
    struct nat_rslot *slot = slot_of(r, to, NULL);
    if (slot != NULL) {
        /* acq_rel: a receiver blocked in RECV (-1) is handed over to us with its state. */
        old = atomic_fetch_add_explicit(&slot->mbox, 1, memory_order_acq_rel);
        if (old == -1)
            nat_ready(w, atomic_load_explicit(&slot->proc, memory_order_relaxed));
        else if (old < -1)
            w->st.dropped++;
        return;
    }
    replay_lock(w, r);
    if (sim_idmap_get(&r->live, to, &v)) {
        t = (struct nat_proc *)(uintptr_t)v;
        /* acq_rel: a receiver blocked in RECV (-1) is handed over to us with its state. */
        old = atomic_fetch_add_explicit(&t->mbox, 1, memory_order_acq_rel);
    } else if (sim_idmap_get(&r->exited, to, &v)) {
        w->st.dropped++;
    } else {
        uint64_t held = 0;
        sim_idmap_get(&r->pending, to, &held);
        if (sim_idmap_put(&r->pending, to, held + 1) != 0)
            nat_rt_fail(w->rt, "out of memory (messages)");
    }
    replay_unlock(r);
    if (t != NULL && old == -1)
        nat_ready(w, t);   /* its RECV completes with this message */
}

static void spawn_child(struct nat_worker *w, struct nat_replay *r, struct nat_proc *p,
                        uint64_t cid)
{
    struct nat_proc *c = nat_proc_new(w, NULL, nat_replay_step);
    if (c == NULL)
        return;
    struct sim_trace_rec *crec;
    uint64_t i;
    struct nat_rslot *slot = slot_of(r, cid, &i);
    if (slot != NULL && r->pre[i]->parent == p->wp.id) {
        /* read ahead, with its slot: nothing shared to lock */
        if (setup(w->rt, r, c, r->pre[i], true, slot) == 0)
            nat_spawn(w, c);
        else
            nat_proc_free(w, c);
        return;
    }
    replay_lock(w, r);
    int st = sim_trace_child(r->t, p->u.rp.rec, cid, &crec);
    int ok = st == SIM_TRACE_OK ? setup(w->rt, r, c, crec, false, NULL) : -1;
    if (st != SIM_TRACE_OK)
        nat_rt_fail(w->rt, "%s", sim_trace_error(r->t));
    replay_unlock(r);
    if (ok == 0)
        nat_spawn(w, c);
    else
        nat_proc_free(w, c);
}

/* The trace's cores as a set of the workers' width; -1 after nat_rt_fail when one is missing. */
static int trace_cores(struct nat_rt *rt, const struct nat_replay *r,
                       const struct sim_trace_rec *rec, const char *what, const uint32_t *cores,
                       uint32_t n, struct ws_cpuset *set)
{
    if (ws_cpuset_init(set, r->ncores) != WS_OK)
        return nat_rt_fail(rt, "out of memory"), -1;
    for (uint32_t i = 0; i < n; i++) {
        if (ws_cpuset_set(set, cores[i]) != WS_OK) {
            ws_cpuset_destroy(set);
            return nat_rt_fail(rt, "process %llu (line %llu): %s: core %u does not exist "
                                   "natively (%u workers)", (unsigned long long)rec->id,
                               (unsigned long long)rec->line, what, cores[i], r->ncores), -1;
        }
    }
    return 0;
}

/* Where a process whose strict cores exclude its worker goes: its preferred core if allowed,
 * else the least loaded allowed worker (lowest id on ties). */
static uint32_t move_target(const struct nat_worker *w, const struct ws_proc *wp)
{
    if (wp->pref_core >= 0 && ws_proc_allowed(wp, (uint32_t)wp->pref_core))
        return (uint32_t)wp->pref_core;
    uint32_t best = ws_cpuset_first(&wp->cores);
    for (uint32_t c = best; c != WS_CPUSET_NONE; c = ws_cpuset_next(&wp->cores, c))
        if (ws_sched_load(w->s, c) < ws_sched_load(w->s, best))
            best = c;
    return best;
}

/* AFFINITY phase ph of p on worker w. True when p left the worker: a strict mask without it
 * moved p to an allowed worker, counted as a migration there; p must not be touched then. */
static bool change_affinity(struct nat_worker *w, struct nat_replay *r, struct nat_proc *p,
                            const struct sim_trace_phase *ph)
{
    const struct sim_trace_rec *rec = p->u.rp.rec;
    struct sim_trace_aff_change a;
    sim_trace_aff_change(rec, ph, &a);
    if (a.set_max)
        p->wp.max_migrations = a.max_migrations;
    if (!a.set_aff)
        return false;
    struct ws_cpuset set;
    bool move = false;
    enum ws_aff_kind k = a.kind == SIM_AFF_STRICT ? WS_AFF_STRICT
                         : a.kind == SIM_AFF_PREFERRED ? WS_AFF_PREFERRED : WS_AFF_NONE;
    if (trace_cores(w->rt, r, rec, "affinity phase", a.cores, a.ncores, &set) != 0)
        return true;
    p->dirty = 1;   /* wp now differs from a fresh process's */
    ws_status st = ws_proc_update_affinity(&p->wp, k, &set, a.preferred, &move);
    ws_cpuset_destroy(&set);
    if (st != WS_OK)
        return nat_rt_fail(w->rt, "process %llu (line %llu): affinity phase: invalid",
                           (unsigned long long)rec->id, (unsigned long long)rec->line), true;
    if (!move)
        return false;
    uint64_t now = nat_now_ns();
    uint32_t to = move_target(w, &p->wp), placed;
    ws_migrate_commit(w->s, &p->wp, w->id, to, now);
    nat_live_flush(w);
    if (ws_sched_inject(w->s, to, &p->wp, now, &placed) != WS_OK)
        return nat_rt_fail(w->rt, "process %llu: cannot be moved (affinity)",
                           (unsigned long long)rec->id), true;
    nat_dekker(w->rt);   /* the inbox before the wake, against a worker going to sleep */
    nat_wake_worker(w->rt, w->id, placed);
    return true;
}

/* RUN: busy work within the reduction budget. True (with *out) when p must leave the core. */
static bool run_phase(struct nat_worker *w, struct nat_replay *r, struct nat_proc *p,
                      uint64_t ns, enum nat_step *out)
{
    struct nat_rp *x = &p->u.rp;
    const struct ws_params *pr = &w->rt->p;
    if (!x->in_run) {
        x->remaining = scaled(r, ns);
        x->in_run = true;
    }
    if (x->dispatch != w->st.run) {   /* a new dispatch: a fresh reduction budget */
        x->dispatch = w->st.run;
        w->slice_left = pr->time_slice_ns;
    }
    bool budget = !pr->no_preempt && pr->time_slice_ns > 0;
    uint64_t chunk = budget && x->remaining > w->slice_left ? w->slice_left : x->remaining;
    nat_busy((uint64_t)((double)chunk * r->ipn));
    x->remaining -= chunk;
    if (budget)
        w->slice_left -= chunk;
    if (x->remaining == 0) {
        x->in_run = false;
        x->pc++;
    }
    if (budget && w->slice_left == 0 && x->pc < x->rec->nphases) {
        if (ws_sched_waiting(w->s, w->id) > 0) {   /* reductions spent: yield, as BEAM */
            *out = NAT_YIELD;
            return true;
        }
        w->slice_left = pr->time_slice_ns;
    }
    return false;
}

enum nat_step nat_replay_step(struct nat_worker *w, struct nat_proc *p)
{
    struct nat_replay *r = w->rt->work;
    struct nat_rp *x = &p->u.rp;
    while (!ws_load_relaxed(&w->rt->failed)) {
        if (x->pc >= x->rec->nphases || x->rec->phases[x->pc].kind == SIM_PHASE_EXIT)
            break;
        const struct sim_trace_phase *ph = &x->rec->phases[x->pc];
        enum nat_step out;
        switch (ph->kind) {
        case SIM_PHASE_RUN:
            if (run_phase(w, r, p, ph->arg, &out))
                return out;
            break;
        case SIM_PHASE_WAIT:
            x->pc++;
            nat_timer_arm(w, p, nat_now_ns() + scaled(r, ph->arg));
            return NAT_BLOCK;
        case SIM_PHASE_SEND:
            x->pc++;
            send_msg(w, r, ph->arg);
            break;
        case SIM_PHASE_RECV:
            x->pc++;
            /* acq_rel: 0 -> -1 hands p to the next sender, which must see the pc above. */
            if (atomic_fetch_sub_explicit(mailbox(p), 1, memory_order_acq_rel) > 0)
                break;
            return NAT_BLOCK;
        case SIM_PHASE_SPAWN:
            x->pc++;
            spawn_child(w, r, p, ph->arg);
            break;
        case SIM_PHASE_AFFINITY:
            x->pc++;
            if (change_affinity(w, r, p, ph))
                return NAT_BLOCK;   /* moved (or failed): another worker may run it now */
            break;
        default:
            nat_rt_fail(w->rt, "process %llu: unknown phase kind %u",
                        (unsigned long long)p->wp.id, ph->kind);
            return NAT_EXIT;
        }
    }
    finish(w, r, p);
    return NAT_EXIT;
}

/* Make root rec's process and inject it: 0, or -1 (after nat_rt_fail, the record released
 * where it is not read ahead) when the feeding must stop. */
static int inject_root(struct nat_rt *rt, struct nat_replay *r, struct sim_trace_rec *rec,
                       bool ahead)
{
    struct nat_proc *p = ws_load_acquire(&rt->done) ? NULL
                         : nat_rt_root_new(rt, nat_replay_step);
    if (p == NULL) {
        if (!ws_load_acquire(&rt->done))
            nat_rt_fail(rt, "out of memory (processes)");
        if (!ahead) {
            replay_lock(NULL, r);
            sim_trace_release(r->t, rec);
            replay_unlock(r);
        }
        return -1;
    }
    struct nat_rslot *slot = ahead ? slot_of(r, rec->id, NULL) : NULL;
    int ok;
    if (slot != NULL) {
        ok = setup(rt, r, p, rec, true, slot);
    } else {
        replay_lock(NULL, r);
        ok = setup(rt, r, p, rec, ahead, NULL);
        replay_unlock(r);
    }
    if (ok != 0)
        return -1;
    if (nat_rt_inject(rt, p) != 0) {
        nat_rt_fail(rt, "process %llu: cannot be placed (affinity)",
                    (unsigned long long)rec->id);
        return -1;
    }
    return 0;
}

int nat_replay_feed_due(struct nat_rt *rt, struct nat_replay *r)
{
    while (r->pnext < r->proots && r->pre[r->pnext]->spawn_ns == 0)
        if (inject_root(rt, r, r->pre[r->pnext++], true) != 0)
            return -1;
    return 0;
}

void nat_replay_feed(struct nat_rt *rt, struct nat_replay *r, volatile int *stopped)
{
    while (!ws_load_acquire(&rt->done)) {
        struct sim_trace_rec *rec;
        int st = SIM_TRACE_OK;
        bool ahead = r->pnext < r->proots;
        if (ahead) {
            rec = r->pre[r->pnext++];
        } else {
            replay_lock(NULL, r);
            st = sim_trace_next_root(r->t, &rec);
            replay_unlock(r);
        }
        if (st == SIM_TRACE_END)
            break;
        if (st == SIM_TRACE_ERROR) {
            nat_rt_fail(rt, "%s", sim_trace_error(r->t));
            break;
        }
        uint64_t at = rt->t0 + scaled(r, rec->spawn_ns), now;
        while ((now = nat_now_ns()) < at && !ws_load_acquire(&rt->done)) {
            if (stopped != NULL && *stopped)
                nat_rt_fail(rt, "interrupted");
            uint64_t d = at - now < 10000000 ? at - now : 10000000;
            struct timespec ts = { 0, (long)d };
            nanosleep(&ts, NULL);
        }
        if (inject_root(rt, r, rec, ahead) != 0)
            break;
    }
    nat_rt_feeder_done(rt);
}

int nat_replay_check(struct nat_replay *r, char *err, size_t errlen)
{
    for (size_t i = 0; r->pending.n > 0 && i <= r->pending.mask; i++) {
        if (r->pending.keys[i] != UINT64_MAX) {
            snprintf(err, errlen, "message to process %llu, which never exists",
                     (unsigned long long)r->pending.keys[i]);
            return -1;
        }
    }
    return 0;
}
