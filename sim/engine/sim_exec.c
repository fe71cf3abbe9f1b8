/* sim_exec.c: processes in the simulator: creation from trace records, executing their phases
 * on a core, messages, timers, preemption and exit. */
#include "sim/engine/sim_engine_int.h"
#include "core/ws_migrate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EXITED_BITS_MAX (UINT64_C(1) << 26)   /* dense ids below this are tracked in a bitmap */

static bool has_exited(const struct sim_engine *e, uint64_t id)
{
    uint64_t v;
    if (id < e->exited_cap)
        return (e->exited_bits[id / 64] >> (id % 64)) & 1u;
    return sim_idmap_get(&e->exited_big, id, &v);
}

static void mark_exited(struct sim_engine *e, uint64_t id)
{
    if (id < EXITED_BITS_MAX) {
        if (id >= e->exited_cap) {
            uint64_t cap = e->exited_cap ? e->exited_cap : 4096;
            while (cap <= id)
                cap *= 2;
            uint64_t *b = realloc(e->exited_bits, cap / 8);
            if (b == NULL) {
                sim_fail(e, "out of memory (exited ids)");
                return;
            }
            for (uint64_t i = e->exited_cap / 64; i < cap / 64; i++)
                b[i] = 0;
            e->exited_bits = b;
            e->exited_cap = cap;
        }
        e->exited_bits[id / 64] |= UINT64_C(1) << (id % 64);
    } else if (sim_idmap_put(&e->exited_big, id, 1) != 0) {
        sim_fail(e, "out of memory (exited ids)");
    }
}

/* The trace's cores as a set of the machine's width in *set; -1 (run failed, naming the
 * process, its line and what) when one does not exist. */
static int trace_cores(struct sim_engine *e, const struct sim_trace_rec *r, const char *what,
                       const uint32_t *cores, uint32_t n, struct ws_cpuset *set)
{
    if (ws_cpuset_init(set, e->ncores) != WS_OK)
        return sim_fail(e, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        if (ws_cpuset_set(set, cores[i]) != WS_OK) {
            ws_cpuset_destroy(set);
            return sim_fail(e, "process %llu (line %llu): %s: core %u does not exist on "
                               "topology '%s' (%u cores)", (unsigned long long)r->id,
                            (unsigned long long)r->line, what, cores[i], e->topo->name,
                            e->ncores);
        }
    }
    return 0;
}

static enum ws_aff_kind ws_kind(uint8_t trace_kind)
{
    return trace_kind == SIM_AFF_STRICT ? WS_AFF_STRICT
           : trace_kind == SIM_AFF_PREFERRED ? WS_AFF_PREFERRED : WS_AFF_NONE;
}

/* Translate the record's affinity into the scheduler's. */
static int set_affinity(struct sim_engine *e, struct sproc *p, const struct sim_trace_rec *r)
{
    if (r->aff_kind == SIM_AFF_NONE)
        return 0;
    struct ws_cpuset set;
    if (trace_cores(e, r, "affinity", r->aff_cores, r->aff_ncores, &set) != 0)
        return -1;
    ws_status st = ws_proc_set_affinity(&p->wp, ws_kind(r->aff_kind), &set, r->aff_preferred);
    ws_cpuset_destroy(&set);
    if (st != WS_OK)
        return sim_fail(e, "process %llu (line %llu): affinity: invalid (preferred core %d)",
                        (unsigned long long)r->id, (unsigned long long)r->line, r->aff_preferred);
    return 0;
}

/* AFFINITY phase ph of p, running on core c: the new affinity and migration limit. A strict
 * mask without c moves p now (a migration, counted and charged like a steal's); false then. */
static bool change_affinity(struct sim_engine *e, uint32_t c, struct sproc *p,
                            const struct sim_trace_phase *ph, uint64_t now)
{
    const struct sim_trace_rec *r = p->rec;
    struct sim_trace_aff_change a;
    sim_trace_aff_change(r, ph, &a);
    if (a.set_max)
        p->wp.max_migrations = a.max_migrations;
    if (!a.set_aff)
        return true;
    struct ws_cpuset set;
    bool move = false;
    char what[48];
    snprintf(what, sizeof what, "phases[%u][1].cores", p->pc - 1);
    if (trace_cores(e, r, what, a.cores, a.ncores, &set) != 0)
        return false;
    ws_status st = ws_proc_update_affinity(&p->wp, ws_kind(a.kind), &set, a.preferred, &move);
    ws_cpuset_destroy(&set);
    if (st != WS_OK)
        return sim_fail(e, "process %llu (line %llu): %s: invalid", (unsigned long long)r->id,
                        (unsigned long long)r->line, what), false;
    if (!move)
        return true;
    uint32_t to;
    e->cores[c].cur = NULL;
    if (ws_sched_wake(e->s, c, &p->wp, &to) != WS_OK)
        return sim_fail(e, "process %llu: cannot be moved (affinity or memory)",
                        (unsigned long long)r->id), false;
    ws_migrate_commit(e->s, &p->wp, c, to, now);
    sim_core_kick(e, to, now);
    return false;
}

/* Processes come from slabs of PROC_SLAB, 64-byte aligned so that each keeps to the lines
 * struct sproc lays out (aligned_alloc per process cost more instructions than the rest of
 * its creation); the slab's first line holds its link. Freed with the engine. */
#define PROC_SLAB 64u

static int procs_refill(struct sim_engine *e)
{
    return sim_slab_refill(&e->proc_slabs, &e->free_procs, PROC_SLAB, SIM_PROC_SIZE);
}

struct sproc *sim_proc_new(struct sim_engine *e, struct sim_trace_rec *rec,
                           const struct sproc *parent)
{
    (void)parent;   /* the record already holds the inherited affinity */
    uint64_t held = 0;
    if (e->free_procs == NULL)
        (void)procs_refill(e);   /* (failure: p is NULL below) */
    struct sproc *p = e->free_procs;
    if (p != NULL) {
        e->free_procs = *(void **)p;
        memset(p, 0, sizeof(*p));
    }
    if (p == NULL) {
        sim_trace_release(e->trace, rec);
        sim_fail(e, "out of memory (processes)");
        return NULL;
    }
    ws_proc_init(&p->wp, rec->id);
    p->rec = rec;
    p->phases = rec->phases;
    p->nphases = rec->nphases;
    p->wp.prio = rec->prio;
    p->wp.wset_bytes = rec->ws_bytes;
    for (uint32_t i = 0; i < rec->nphases && e->p.runtime_known; i++)
        if (rec->phases[i].kind == SIM_PHASE_RUN)
            p->wp.expected_ns = ws_time_add(p->wp.expected_ns, rec->phases[i].arg);
    p->spawn_ns = e->now;
    p->first_run_ns = UINT64_MAX;
    if (!e->started) {
        /* The run starts now: time asleep before it is not part of the run. */
        e->started = true;
        e->first_spawn = e->now;
        for (uint32_t c = 0; c < e->ncores; c++)
            if (e->cores[c].asleep)
                e->cores[c].sleep_since = e->now;
    }
    if (e->pending.n > 0 && sim_idmap_del(&e->pending, rec->id, &held))   /* (mostly empty) */
        p->mailbox = held;
    if (set_affinity(e, p, rec) != 0 ||
        sim_idtab_put(&e->live, rec->id, (uint64_t)(uintptr_t)p) != 0) {
        sim_fail(e, "out of memory (processes)");
        sim_proc_free(e, p);
        return NULL;
    }
    e->live_procs++;
    return p;
}

/* Processes go back to a free list (a process is created and freed per spawn: malloc was a
 * tenth of the simulator's time); their slabs are freed with the engine. */
void sim_proc_free(struct sim_engine *e, struct sproc *p)
{
    sim_trace_release(e->trace, p->rec);
    ws_proc_fini(&p->wp);
    *(void **)p = e->free_procs;
    e->free_procs = p;
}

/* Wake a blocked process: its RECV completes with the message just delivered. */
static void unblock(struct sim_engine *e, uint32_t c, struct sproc *t)
{
    t->blocked = false;
    t->mailbox--;
    t->pc++;
    if (ws_sched_wake(e->s, c, &t->wp, NULL) != WS_OK)
        sim_fail(e, "process %llu: cannot be woken (affinity or memory)",
                 (unsigned long long)t->wp.id);
}

/* Deliver a message from core c to process `to`. True when the receiver is alive and last ran
 * (or is queued) on another core: natively the send then writes a cache line that core owns (a
 * join's RMW, a mailbox count), which msg_remote_ns charges. */
static bool send_msg(struct sim_engine *e, uint32_t c, const struct sproc *from, uint64_t to)
{
    e->m.summary.messages++;
    uint64_t v = sim_idtab_get(&e->live, to);
    if (v != 0) {
        struct sproc *t = (struct sproc *)(uintptr_t)v;
        bool remote = t->wp.cur_core >= 0 && (uint32_t)t->wp.cur_core != c;
        t->mailbox++;
        if (t->blocked)
            unblock(e, c, t);
        return remote;
    }
    if (has_exited(e, to)) {
        e->dropped_msgs++;
        return false;
    }
    uint64_t held = 0;
    sim_idmap_get(&e->pending, to, &held);
    if (sim_idmap_put(&e->pending, to, held + 1) != 0)
        sim_fail(e, "out of memory (messages)");
    (void)from;
    return false;
}

static void spawn_child(struct sim_engine *e, uint32_t c, struct sproc *p, uint64_t child_id)
{
    /* The child's slot in the live table, cold on many cores, is asked for while the source
     * makes its record (NULL while its page is empty: a harmless prefetch). */
    __builtin_prefetch(sim_idtab_slot(&e->live, child_id), 1);
    struct sim_trace_rec *crec;
    if (sim_trace_child(e->trace, p->rec, child_id, &crec) != SIM_TRACE_OK) {
        sim_fail(e, "%s", sim_trace_error(e->trace));
        return;
    }
    struct sproc *ch = sim_proc_new(e, crec, p);
    if (ch != NULL && ws_sched_spawn(e->s, c, &ch->wp, NULL) != WS_OK)
        sim_fail(e, "process %llu: cannot be placed (affinity or memory)",
                 (unsigned long long)child_id);
    else if (ch != NULL)
        sim_tl_queued(e, ch);
}

static void finish(struct sim_engine *e, uint32_t c, struct sproc *p, uint64_t now)
{
    e->cores[c].cur = NULL;
    sim_idtab_del(&e->live, p->wp.id);
    mark_exited(e, p->wp.id);
    e->live_procs--;
    e->done++;
    e->last_exit = now;
    sim_collect_exit(e, p, now);
    sim_proc_free(e, p);
}

/* Time for p to finish its RUN phase on a core of capacity cap (rounded up). */
static uint64_t time_to_finish(const struct sproc *p, double cap)
{
    if (cap == 1.0)
        return p->remaining;   /* work_frac < 1 never saves a whole ns at capacity 1.0 */
    return ws_time_from_double(ceil(((double)p->remaining - p->work_frac) / cap));
}

/* Time for p to make its next whole ns of progress on a core of capacity cap (>= 1). */
static uint64_t time_to_one_ns(const struct sproc *p, double cap)
{
    uint64_t t = cap == 1.0 ? 1 : ws_time_from_double(ceil((1.0 - p->work_frac) / cap));
    return t > 0 ? t : 1;
}

/* Whole ns of work a segment of seg ns on capacity cap does, carrying the fraction in
 * *frac; at least 1, as the segment was made long enough for that (time_to_one_ns). */
static uint64_t work_done(uint64_t seg, double cap, double *frac)
{
    if (cap == 1.0)
        return seg > 0 ? seg : 1;
    double w = (double)seg * cap + *frac, whole = floor(w);
    *frac = w - whole;
    if (whole < 1) {           /* (rounding of the product: never less than 1 ns) */
        *frac = 0;
        return 1;
    }
    return ws_time_from_double(whole);
}

/* The event that ends p's RUN phase steps the next phase: name it in the core's hint, and,
 * when it is a SEND, the receiver's slot in the live table (not read now: the run may last
 * thousands of events; prefetch_next reads it an event before the send). */
static void hint_after_run(struct sim_engine *e, uint32_t c, const struct sproc *p)
{
    const struct sim_trace_phase *next = p->phases + p->pc + 1;
    e->hints[c].phase = next;
    if (p->pc + 1 < p->nphases && next->kind == SIM_PHASE_SEND)
        e->hints[c].peer = sim_idtab_slot(&e->live, next->arg);
}

/* Start (or continue) RUN phase pc: schedule the end of the next segment, which finishes the
 * phase or ends the time slice, and always makes at least 1 ns of progress. */
static uint64_t run_segment(struct sim_engine *e, uint32_t c, struct sproc *p, uint64_t now)
{
    struct score *k = &e->cores[c];
    uint64_t full = time_to_finish(p, k->cap), dur = full;
    if (!e->p.no_preempt && e->p.time_slice_ns > 0) {
        uint64_t left = ws_time_sub(e->p.time_slice_ns, k->slice_used);
        uint64_t least = time_to_one_ns(p, k->cap);
        if (left < least)
            left = least;
        if (dur > left)
            dur = left;
    }
    k->run_len = dur;
    k->run_full = dur == full;
    k->running = true;
    sim_core_schedule(e, c, ws_time_add(now, dur));
    if (k->run_full && e->hints != NULL)
        hint_after_run(e, c, p);
    return ws_time_add(now, dur);
}

void sim_exec_run_done(struct sim_engine *e, uint32_t c, uint64_t now)
{
    struct score *k = &e->cores[c];
    struct sproc *p = k->cur;
    uint64_t seg = k->run_len;
    sim_collect_busy(e, c, now - seg, seg);
    sim_tl_busy(e, c, now - seg, seg, false);
    k->st.busy_ns += seg;
    k->slice_used += seg;
    if (e->noise_at != NULL)   /* the segment's detours, before the process goes on */
        sim_noise_pay(e, c, p, now, false);
    if (k->run_full) {
        p->remaining = 0;
    } else {
        uint64_t work = work_done(seg, k->cap, &p->work_frac);
        p->remaining = work >= p->remaining ? 0 : p->remaining - work;
    }
    if (p->remaining == 0) {
        p->work_frac = 0;
        p->in_run = false;
        p->pc++;
    }
    bool budget_spent = !e->p.no_preempt && e->p.time_slice_ns > 0 &&
                        k->slice_used >= e->p.time_slice_ns;
    if (budget_spent && p->pc < p->nphases) {
        /* Reductions spent: back to the queue if anything else waits, as BEAM does. */
        if (ws_sched_waiting(e->s, c) > 0) {
            k->cur = NULL;
            k->after_preempt = true;
            e->m.summary.preemptions++;
            if (ws_sched_requeue(e->s, c, &p->wp) != WS_OK)
                sim_fail(e, "out of memory (run queue)");
        } else {
            k->slice_used = 0;
        }
    }
}

/* One step of p's phases that takes no time; returns false when p left the core. */
static bool step(struct sim_engine *e, uint32_t c, struct sproc *p, uint64_t now,
                 uint64_t *cost)
{
    struct score *k = &e->cores[c];
    if (p->pc >= p->nphases || p->phases[p->pc].kind == SIM_PHASE_EXIT) {
        finish(e, c, p, now);
        return false;
    }
    const struct sim_trace_phase *ph = &p->phases[p->pc];
    switch (ph->kind) {
    case SIM_PHASE_WAIT:
        p->pc++;
        k->cur = NULL;
        sim_push(e, ws_time_add(now, ph->arg), EV_TIMER, c, (uint64_t)(uintptr_t)p);
        return false;
    case SIM_PHASE_SEND:
        p->pc++;
        *cost = e->p.msg_ns;
        if (send_msg(e, c, p, ph->arg))
            *cost = ws_time_add(*cost, e->p.msg_remote_ns);
        return true;
    case SIM_PHASE_RECV:
        if (p->mailbox > 0) {
            p->mailbox--;
            p->pc++;
            return true;
        }
        p->blocked = true;
        k->cur = NULL;
        return false;
    case SIM_PHASE_SPAWN:
        /* The spawner pays for making the child before the child is queued, as a native
         * spawn makes its process and then pushes it: the child is stealable from the end of
         * the cost, not from its start. */
        if (e->p.spawn_ns > 0 && !p->spawn_paid) {
            p->spawn_paid = true;
            *cost = e->p.spawn_ns;
            return true;
        }
        p->spawn_paid = false;
        p->pc++;
        spawn_child(e, c, p, ph->arg);
        return true;
    case SIM_PHASE_AFFINITY:
        p->pc++;
        return change_affinity(e, c, p, ph, now);
    default:
        return sim_fail(e, "process %llu: unknown phase kind %u",
                        (unsigned long long)p->wp.id, ph->kind), false;
    }
}

uint64_t sim_exec(struct sim_engine *e, uint32_t c, uint64_t now)
{
    struct score *k = &e->cores[c];
    struct sproc *p = k->cur;
    if (p->charge > 0) {           /* migration cost first: the core is busy paying it */
        uint64_t t = p->charge;
        p->charge = 0;
        sim_core_schedule(e, c, ws_time_add(now, t));
        k->st.busy_ns += t;
        sim_collect_busy(e, c, now, t);
        sim_tl_busy(e, c, now, t, true);
        return ws_time_add(now, t);
    }
    while (!e->failed && k->cur == p) {
        if (p->pc < p->nphases && p->phases[p->pc].kind == SIM_PHASE_RUN) {
            if (!p->in_run) {
                p->in_run = true;
                p->remaining = p->phases[p->pc].arg;
                p->work_frac = 0;
            }
            if (p->remaining == 0) {
                p->in_run = false;
                p->pc++;
                continue;
            }
            return run_segment(e, c, p, now);
        }
        uint64_t cost = 0;
        if (!step(e, c, p, now, &cost))
            return UINT64_MAX;
        cost = sim_cpu_cost(e, k, cost);
        if (cost > 0) {
            sim_core_schedule(e, c, ws_time_add(now, cost));
            k->st.busy_ns += cost;
            sim_collect_busy(e, c, now, cost);
            sim_tl_busy(e, c, now, cost, false);
            return ws_time_add(now, cost);
        }
    }
    return UINT64_MAX;
}

void sim_exec_timer(struct sim_engine *e, struct sproc *p, uint64_t now)
{
    /* The timer fires on the core the process last ran on, which may be waiting itself. */
    uint32_t c = p->wp.cur_core >= 0 ? (uint32_t)p->wp.cur_core : 0, placed;
    if (ws_sched_wake(e->s, c, &p->wp, &placed) != WS_OK) {
        sim_fail(e, "process %llu: cannot be woken (affinity or memory)",
                 (unsigned long long)p->rec->id);
        return;
    }
    sim_core_kick(e, placed, now);
}
