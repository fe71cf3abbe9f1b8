/* sim_trace_walk.c: one pass over a whole trace that counts what is in it and evaluates it on
 * infinitely many cores with zero overheads (critical path, average parallelism, deadlocks). */
#include "sim/trace/sim_trace_map.h"
#include "sim/trace/sim_trace_src.h"

#include <stdlib.h>
#include <string.h>

/*
 * The evaluation
 * --------------
 * With unlimited cores and no overheads a process never waits for a core: it starts when it is
 * injected (roots, at spawn_ns) or spawned (at its parent's time at the SPAWN phase), RUN and
 * WAIT phases advance its own clock, SEND delivers at the sender's clock, and RECV completes at
 * max(own clock, arrival of the message it consumes). The critical path is the largest finish
 * time; average parallelism is total RUN work divided by it.
 *
 * Records are pulled through the ordinary source interface, depth first: a spawned child goes
 * on a stack and is evaluated before older work, and the next root is asked for only when the
 * stack is empty. So a fork-join tree or a DAG whose predecessors come first is evaluated in one
 * streaming pass holding only the records on the current path and their unfinished siblings.
 *
 * Messages are indistinguishable, so a RECV needs only the arrival times. A process blocked on
 * RECV is resumed at once ("safe") when its mailbox holds at least as many messages as it has
 * RECVs left: then every message it will consume is known (assuming it receives all messages
 * sent to it) and it takes the earliest. Processes that exchange messages in cycles (rings,
 * clients and servers) never become safe; when nothing else can proceed and every root has been
 * read, the blocked process with the smallest resume time max(clock, earliest arrival) takes
 * one message and goes on. That choice is exact: every message not yet sent will be sent by a
 * blocked process or a descendant of one, all at or after that smallest resume time, so the
 * step is the one a time-ordered event simulation would take next. Processes still blocked with
 * an empty mailbox at the end are stuck: the trace deadlocks and has no critical path.
 *
 * Depth and width. Each process carries the length of the longest causal chain ending in it:
 * 1 for a root, its spawner's + 1 for a child, and at least a message's sender's + 1 once it
 * consumes a message (a mailbox keeps the longest chain of any message sent to it, since
 * messages are indistinguishable). Every RUN phase is an interval of the process's clock; the
 * width is the largest number of intervals that overlap, found by sorting their ends once the
 * walk is over (half-open intervals: an end sorts before a start at the same time).
 */

struct proc {
    struct sim_trace_rec *rec;
    uint64_t clock;
    uint32_t pc;            /* next phase */
    uint32_t recvs_left;    /* RECV phases at pc or later */
    bool blocked;           /* waiting at phases[pc], a RECV */
    size_t hidx;            /* index in the wake heap, or NOT_QUEUED */
    uint64_t key, seq;      /* wake heap order: resume time, then first queued */
    uint64_t chain;         /* longest causal chain ending here (processes) */
};

#define NOT_QUEUED SIZE_MAX

struct box {                /* unconsumed arrival times, a binary min-heap */
    uint64_t *at;
    uint32_t n, cap;
    uint64_t chain;         /* longest chain of a sender of any message here */
};

struct walk {
    struct sim_trace *t;
    struct sim_trace_stats *st;
    sim_trace_visit_fn visit;
    void *ctx;
    struct sim_trace_map ids;       /* id -> v[0] struct proc *, v[1] struct box * */
    struct proc **stack;            /* runnable */
    size_t nstack, capstack;
    struct proc **heap;             /* blocked with mail, by (key, seq); each at most once */
    size_t nheap, capheap;
    uint64_t seq, live, makespan;
    uint64_t *runs;                 /* RUN intervals: (start << 1) | 1 and (end << 1) | 0 */
    size_t nruns, capruns;
    bool runs_cut;                  /* more than SIM_TRACE_WIDTH_MAX_RUNS: width unknown */
};

static bool grow(void **a, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 64;
    void *p = realloc(*a, c * size);
    if (p == NULL)
        return false;
    *a = p;
    *cap = c;
    return true;
}

static int oom(struct walk *w)
{
    return sim_trace_fail(w->t, "%s: out of memory while walking the trace",
                          w->t->info.canonical);
}

/* ---- mailboxes --------------------------------------------------------------------------- */

static bool box_push(struct box *b, uint64_t at)
{
    if (b->n == b->cap) {
        uint32_t c = b->cap ? b->cap * 2 : 4;
        uint64_t *p = realloc(b->at, c * sizeof *p);
        if (p == NULL)
            return false;
        b->at = p;
        b->cap = c;
    }
    uint32_t i = b->n++;
    for (; i > 0 && b->at[(i - 1) / 2] > at; i = (i - 1) / 2)
        b->at[i] = b->at[(i - 1) / 2];
    b->at[i] = at;
    return true;
}

static uint64_t box_pop(struct box *b)
{
    uint64_t top = b->at[0], last = b->at[--b->n];
    uint32_t i = 0;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= b->n)
            break;
        if (c + 1 < b->n && b->at[c + 1] < b->at[c])
            c++;
        if (b->at[c] >= last)
            break;
        b->at[i] = b->at[c];
        i = c;
    }
    if (b->n > 0)
        b->at[i] = last;
    return top;
}

/* ---- the wake heap ------------------------------------------------------------------------
 * Blocked processes with mail, keyed by resume time max(clock, earliest arrival). A key only
 * falls while its process stays blocked (new mail can only be earlier), so updates sift up. */

static bool wake_less(const struct proc *a, const struct proc *b)
{
    return a->key < b->key || (a->key == b->key && a->seq < b->seq);
}

static void heap_set(struct walk *w, size_t i, struct proc *p)
{
    w->heap[i] = p;
    p->hidx = i;
}

static void sift_up(struct walk *w, size_t i)
{
    struct proc *p = w->heap[i];
    for (; i > 0 && wake_less(p, w->heap[(i - 1) / 2]); i = (i - 1) / 2)
        heap_set(w, i, w->heap[(i - 1) / 2]);
    heap_set(w, i, p);
}

static void sift_down(struct walk *w, size_t i)
{
    struct proc *p = w->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= w->nheap)
            break;
        if (c + 1 < w->nheap && wake_less(w->heap[c + 1], w->heap[c]))
            c++;
        if (!wake_less(w->heap[c], p))
            break;
        heap_set(w, i, w->heap[c]);
        i = c;
    }
    heap_set(w, i, p);
}

/* Queue blocked p (mailbox b not empty) or lower its key. */
static int wake_update(struct walk *w, struct proc *p, const struct box *b)
{
    p->key = p->clock > b->at[0] ? p->clock : b->at[0];
    if (p->hidx == NOT_QUEUED) {
        if (!grow((void **)&w->heap, &w->capheap, w->nheap, sizeof *w->heap))
            return oom(w);
        p->seq = w->seq++;
        heap_set(w, w->nheap++, p);
    }
    sift_up(w, p->hidx);
    return SIM_TRACE_OK;
}

static void wake_remove(struct walk *w, struct proc *p)
{
    size_t i = p->hidx;
    if (i == NOT_QUEUED)
        return;
    p->hidx = NOT_QUEUED;
    struct proc *last = w->heap[--w->nheap];
    if (i == w->nheap)
        return;
    heap_set(w, i, last);
    sift_up(w, i);
    sift_down(w, last->hidx);
}

/* ---- processes ----------------------------------------------------------------------------- */

static void account(struct sim_trace_stats *st, const struct sim_trace_rec *r)
{
    bool leaf = true;
    st->processes++;
    st->roots += r->parent == SIM_TRACE_NO_PARENT;
    for (uint32_t i = 0; i < r->nphases; i++) {
        const struct sim_trace_phase *ph = &r->phases[i];
        st->phases[ph->kind]++;
        if (ph->kind == SIM_PHASE_RUN)
            st->total_work_ns += ph->arg;
        else if (ph->kind == SIM_PHASE_WAIT)
            st->total_wait_ns += ph->arg;
        else if (ph->kind == SIM_PHASE_SPAWN)
            leaf = false;
    }
    st->leaves += leaf;
    st->prio[r->prio < SIM_PRIO_COUNT ? r->prio : SIM_PRIO_NORMAL]++;
    st->aff[r->aff_kind < SIM_AFF_COUNT ? r->aff_kind : SIM_AFF_NONE]++;
    if (r->ws_bytes > st->ws_bytes_max)
        st->ws_bytes_max = r->ws_bytes;
    if (r->depth > st->max_depth)
        st->max_depth = r->depth;
}

/* Take a record just obtained from the source: count it, show it to the visitor, and make it a
 * runnable process with its clock at `clock`. */
static int start(struct walk *w, struct sim_trace_rec *r, const struct sim_trace_rec *parent,
                 uint64_t clock, uint64_t chain)
{
    account(w->st, r);
    if (w->visit != NULL && w->visit(w->ctx, r, parent) != 0) {
        sim_trace_release(w->t, r);
        return sim_trace_fail(w->t, "%s: stopped by the caller", w->t->info.canonical);
    }
    bool created;
    struct sim_trace_map_ent *e = sim_trace_map_put(&w->ids, r->id, &created);
    struct proc *p = e != NULL && e->v[0] == 0 ? calloc(1, sizeof *p) : NULL;
    if (p == NULL || !grow((void **)&w->stack, &w->capstack, w->nstack, sizeof *w->stack)) {
        free(p);
        sim_trace_release(w->t, r);
        if (e != NULL && e->v[0] != 0)
            return sim_trace_fail(w->t, "%s: id: process %llu exists twice",
                                  w->t->info.canonical, (unsigned long long)r->id);
        return oom(w);
    }
    p->rec = r;
    p->clock = clock;
    p->chain = chain;
    p->hidx = NOT_QUEUED;
    for (uint32_t i = 0; i < r->nphases; i++)
        p->recvs_left += r->phases[i].kind == SIM_PHASE_RECV;
    e->v[0] = (uint64_t)(uintptr_t)p;
    w->stack[w->nstack++] = p;
    if (++w->live > w->st->peak_live)
        w->st->peak_live = w->live;
    return SIM_TRACE_OK;
}

static void finish(struct walk *w, struct proc *p)
{
    if (p->clock > w->makespan)
        w->makespan = p->clock;
    if (p->chain > w->st->dag_depth)
        w->st->dag_depth = p->chain;
    struct sim_trace_map_ent *e = sim_trace_map_get(&w->ids, p->rec->id);
    struct box *b = (struct box *)(uintptr_t)e->v[1];
    if (b == NULL || b->n == 0) {   /* later mail to it is counted as unreceived at the end */
        if (b != NULL)
            free(b->at);
        free(b);
        sim_trace_map_del(&w->ids, e);
    } else {
        e->v[0] = 0;
    }
    sim_trace_release(w->t, p->rec);
    free(p);
    w->live--;
}

static int deliver(struct walk *w, uint64_t to, uint64_t at, uint64_t chain)
{
    bool created;
    struct sim_trace_map_ent *e = sim_trace_map_put(&w->ids, to, &created);
    struct box *b = e != NULL ? (struct box *)(uintptr_t)e->v[1] : NULL;
    if (e != NULL && b == NULL && (b = calloc(1, sizeof *b)) != NULL)
        e->v[1] = (uint64_t)(uintptr_t)b;
    if (b == NULL || !box_push(b, at))
        return oom(w);
    if (chain > b->chain)
        b->chain = chain;
    struct proc *p = (struct proc *)(uintptr_t)e->v[0];
    if (p == NULL || !p->blocked)
        return SIM_TRACE_OK;
    if (b->n < p->recvs_left)
        return wake_update(w, p, b);
    if (!grow((void **)&w->stack, &w->capstack, w->nstack, sizeof *w->stack))
        return oom(w);
    p->blocked = false;   /* safe now: every message it will take is here */
    wake_remove(w, p);
    w->stack[w->nstack++] = p;
    return SIM_TRACE_OK;
}

/* Consume the earliest message for the RECV at p->pc. */
static void take(struct walk *w, struct proc *p)
{
    struct sim_trace_map_ent *e = sim_trace_map_get(&w->ids, p->rec->id);
    struct box *b = (struct box *)(uintptr_t)e->v[1];
    uint64_t at = box_pop(b);
    if (at > p->clock)
        p->clock = at;
    if (b->chain + 1 > p->chain)
        p->chain = b->chain + 1;
    p->recvs_left--;
    p->pc++;
}

/* Keep the RUN interval [at, at + len) for the width (none when len is 0); past the cap the
 * width is given up and the memory freed. */
static int note_run(struct walk *w, uint64_t at, uint64_t len)
{
    if (len == 0 || w->runs_cut)
        return SIM_TRACE_OK;
    if (w->nruns / 2 >= SIM_TRACE_WIDTH_MAX_RUNS) {
        w->runs_cut = true;
        free(w->runs);
        w->runs = NULL;
        return SIM_TRACE_OK;
    }
    if (!grow((void **)&w->runs, &w->capruns, w->nruns + 2, sizeof *w->runs))
        return oom(w);
    w->runs[w->nruns++] = (at << 1) | 1;
    w->runs[w->nruns++] = ((at + len) << 1) | 0;
    return SIM_TRACE_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The most RUN intervals that overlap (see Depth and width). */
static uint64_t width(struct walk *w)
{
    if (w->nruns == 0)
        return 0;
    qsort(w->runs, w->nruns, sizeof *w->runs, cmp_u64);
    uint64_t now = 0, most = 0;
    for (size_t i = 0; i < w->nruns; i++) {
        if (w->runs[i] & 1)
            most = ++now > most ? now : most;
        else
            now--;
    }
    return most;
}

/* Run p until it blocks on a RECV it cannot safely complete, or ends. */
static int run(struct walk *w, struct proc *p)
{
    const struct sim_trace_rec *r = p->rec;
    while (p->pc < r->nphases) {
        const struct sim_trace_phase *ph = &r->phases[p->pc];
        struct sim_trace_rec *c;
        int rc = SIM_TRACE_OK;
        switch (ph->kind) {
        case SIM_PHASE_RUN:
            rc = note_run(w, p->clock, ph->arg);
            p->clock += ph->arg;
            break;
        case SIM_PHASE_WAIT:
            p->clock += ph->arg;
            break;
        case SIM_PHASE_SEND:
            rc = deliver(w, ph->arg, p->clock, p->chain);
            break;
        case SIM_PHASE_SPAWN:
            rc = sim_trace_child(w->t, r, ph->arg, &c);
            if (rc == SIM_TRACE_OK)
                rc = start(w, c, r, p->clock, p->chain + 1);
            break;
        case SIM_PHASE_RECV: {
            struct sim_trace_map_ent *e = sim_trace_map_get(&w->ids, r->id);
            struct box *b = (struct box *)(uintptr_t)e->v[1];
            if (b != NULL && b->n >= p->recvs_left) {
                take(w, p);
                continue;
            }
            p->blocked = true;
            return b != NULL && b->n > 0 ? wake_update(w, p, b) : SIM_TRACE_OK;
        }
        case SIM_PHASE_AFFINITY:   /* where it runs does not change the walk's times */
            break;
        default:   /* EXIT */
            p->pc = r->nphases;
            continue;
        }
        if (rc != SIM_TRACE_OK)
            return rc;
        p->pc++;
    }
    finish(w, p);
    return SIM_TRACE_OK;
}

/* ---- the walk ------------------------------------------------------------------------------ */

/* The blocked process with the smallest resume time takes one message; false if none. */
static bool resume_earliest(struct walk *w, struct proc **out)
{
    if (w->nheap == 0)
        return false;
    struct proc *p = w->heap[0];
    wake_remove(w, p);
    p->blocked = false;
    take(w, p);
    *out = p;
    return true;
}

static int walk_all(struct walk *w)
{
    bool roots_done = false;
    for (;;) {
        while (w->nstack > 0) {
            int rc = run(w, w->stack[--w->nstack]);
            if (rc != SIM_TRACE_OK)
                return rc;
        }
        if (!roots_done) {
            struct sim_trace_rec *r;
            int rc = sim_trace_next_root(w->t, &r);
            if (rc == SIM_TRACE_ERROR)
                return rc;
            if (rc == SIM_TRACE_END)
                roots_done = true;
            else if (start(w, r, NULL, r->spawn_ns, 1) != SIM_TRACE_OK)
                return SIM_TRACE_ERROR;
            continue;
        }
        struct proc *p;
        if (!resume_earliest(w, &p))
            return SIM_TRACE_OK;
        int rc = run(w, p);
        if (rc != SIM_TRACE_OK)
            return rc;
    }
}

/* Count what is left (stuck processes, unreceived messages) and free it all. */
static void cleanup(struct walk *w)
{
    for (size_t i = 0; i < w->ids.cap; i++) {
        struct sim_trace_map_ent *e = &w->ids.e[i];
        if (e->key == SIM_TRACE_MAP_FREE)
            continue;
        struct proc *p = (struct proc *)(uintptr_t)e->v[0];
        struct box *b = (struct box *)(uintptr_t)e->v[1];
        if (p != NULL) {
            w->st->stuck += p->blocked;
            sim_trace_release(w->t, p->rec);
            free(p);
        }
        if (b != NULL) {
            w->st->unreceived += b->n;
            free(b->at);
            free(b);
        }
    }
    sim_trace_map_free(&w->ids);
    free(w->stack);
    free(w->heap);
    free(w->runs);
}

int sim_trace_walk(struct sim_trace *t, struct sim_trace_stats *st, sim_trace_visit_fn visit,
                   void *ctx)
{
    struct walk w;
    memset(&w, 0, sizeof w);
    memset(st, 0, sizeof *st);
    w.t = t;
    w.st = st;
    w.visit = visit;
    w.ctx = ctx;
    sim_trace_map_init(&w.ids);
    int rc = t->failed ? SIM_TRACE_ERROR : walk_all(&w);
    if (rc == SIM_TRACE_OK)
        rc = sim_trace_finish(t);   /* lines no process asked for are an error, not dropped */
    if (rc == SIM_TRACE_OK && !w.runs_cut) {
        st->dag_width = width(&w);
        st->width_known = true;
    }
    cleanup(&w);
    st->tally = t->tally;
    if (rc != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    st->cp_known = st->stuck == 0;
    if (st->cp_known) {
        st->critical_path_ns = w.makespan;
        st->parallelism = w.makespan > 0 ? (double)st->total_work_ns / (double)w.makespan : 0.0;
    }
    st->width_known = st->width_known && st->cp_known;
    if (!st->width_known)
        st->dag_width = 0;
    return SIM_TRACE_OK;
}
