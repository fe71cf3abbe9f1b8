/* sim_import_sched.c: the Linux scheduler-trace importer (ftrace text and `perf script` of
 * `perf sched record`): each thread becomes a process of runs and sleeps, wake-ups become
 * messages. */
#include "sim/trace/import/sim_import_int.h"

#include "core/ws_time.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/*
 * The mapping
 * -----------
 * Times are rebased to the first event line (t0). Every thread id except 0 (the idle task) is a
 * process; its phases are what it did, replayed in order:
 *
 *   on-CPU time   RUN, summed over consecutive runs: a switch-out with prev_state R/R+ is a
 *                 preemption, so the thread stays runnable and its next run continues the RUN
 *                 (queueing and preemption are the simulator's to decide again);
 *   a sleep       a switch-out in any other state (S, D, I, ...) ends the RUN; what ends the sleep
 *                 decides the phase: woken by a traced thread A -> A gets SEND(this) at the wake's
 *                 time (inside its RUN) and this thread RECV; woken from idle, an interrupt
 *                 (ftrace flags h/s/H/z/Z) or by nobody visible -> WAIT(sleep's length);
 *   a fork        sched_process_fork: SPAWN(child) in the parent at that time; the child is that
 *                 parent's child process (a pid reused after an exit gets a new id,
 *                 pid + 2^32 x incarnation);
 *   an exit       sched_process_exit, then the last switch-out (state X/Z) ends the process.
 *
 * Threads that exist before the trace starts are roots at time 0 in the state their first event
 * implies: switched out first -> running at t0 (that first run is clipped to the trace), switched
 * in first -> runnable at t0, woken first -> asleep since t0. A thread first seen at
 * sched_wakeup_new without a fork event is a root at that time. At the end of the trace a running
 * thread's RUN is cut there and an unfinished sleep is dropped.
 *
 * Wake-ups: when the trace holds sched_waking (always emitted in the waker's context) it is used
 * and sched_wakeup ignored; otherwise sched_wakeup (which recent kernels may emit from the target
 * CPU for remote wake-ups, making the waker look like whatever ran there). `perf script` shows no
 * irq flags, so a wake-up from an interrupt is credited to the thread it interrupted. Kernel
 * priorities map to BEAM-like classes: < 100 (real-time) high, 100..129 normal, >= 130 low.
 * Everything not mapped or inconsistent is counted in the report.
 */

enum tstate { T_RUNNING, T_RUNNABLE, T_SLEEPING, T_DEAD };

struct thr {
    uint64_t tid;
    uint64_t id;                /* process id of the current incarnation */
    size_t proc;                /* its builder index */
    uint32_t incarnation;
    uint8_t state;              /* enum tstate */
    bool exiting;
    uint64_t since;             /* RUNNING: on-CPU since; SLEEPING: asleep since */
    uint64_t run;               /* RUN ns not yet appended */
};

/* Threads live in fixed-size chunks that never move once allocated, so a struct thr * stays
 * valid until the import ends: the event handlers hold a thread (the parent of a fork, the target
 * of a wake-up) while they create others, and a growing flat array would leave such a pointer
 * dangling. Only the small table of chunk pointers is ever reallocated. */
#define THR_CHUNK 256

struct sched_imp {
    struct imp_builder *b;
    struct thr **chunk;         /* thread i is chunk[i / THR_CHUNK][i % THR_CHUNK] */
    size_t n, nchunks;
    struct sim_idmap bytid;     /* tid -> thread index */
    uint64_t t0, last, line;
    uint64_t line0;             /* the first event line (t0's) */
    bool started, use_waking;
};

static struct thr *thr_at(const struct sched_imp *s, size_t i)
{
    return &s->chunk[i / THR_CHUNK][i % THR_CHUNK];
}

/* A zeroed record for thread index s->n (not yet counted); NULL when out of memory (nothing
 * changed). Existing records never move. */
static struct thr *thr_slot(struct sched_imp *s)
{
    if (s->n == s->nchunks * THR_CHUNK) {
        struct thr **t = realloc(s->chunk, (s->nchunks + 1) * sizeof *t);
        if (t == NULL)
            return NULL;
        s->chunk = t;
        if ((t[s->nchunks] = calloc(THR_CHUNK, sizeof **t)) == NULL)
            return NULL;
        s->nchunks++;
    }
    return thr_at(s, s->n);
}

static void thr_free(struct sched_imp *s)
{
    for (size_t i = 0; i < s->nchunks; i++)
        free(s->chunk[i]);
    free(s->chunk);
}

static uint8_t map_prio(int prio)
{
    if (prio < 0)
        return SIM_PRIO_NORMAL;
    return prio < 100 ? SIM_PRIO_HIGH : prio < 130 ? SIM_PRIO_NORMAL : SIM_PRIO_LOW;
}

static int flush_run(struct sched_imp *s, struct thr *t)
{
    if (t->run == 0)
        return 0;
    uint64_t r = t->run;
    t->run = 0;
    return imp_phase_add(s->b, t->proc, SIM_PHASE_RUN, r);
}

static int phase(struct sched_imp *s, struct thr *t, unsigned kind, uint64_t arg)
{
    return flush_run(s, t) != 0 ? -1 : imp_phase_add(s->b, t->proc, kind, arg);
}

/* Charge on-CPU time up to now. */
static void charge(struct thr *t, uint64_t now)
{
    if (t->state == T_RUNNING) {
        t->run += now - t->since;
        t->since = now;
    }
}

/* A new thread record (a new process) for tid; NULL on error. parent: the spawner or NULL. */
static struct thr *new_thread(struct sched_imp *s, uint64_t tid, const struct thr *parent,
                              uint64_t spawn, int prio, uint8_t state)
{
    uint64_t slot;
    struct thr *t;
    if (sim_idmap_get(&s->bytid, tid, &slot)) {
        t = thr_at(s, slot);
        t->incarnation++;
        imp_note(s->b, "pid_reuse", "thread ids used again after an exit: new process ids", 1);
    } else {
        if ((t = thr_slot(s)) == NULL || sim_idmap_put(&s->bytid, tid, s->n) != 0) {
            imp_fail(s->b, s->line, "out of memory");
            return NULL;
        }
        s->n++;
        *t = (struct thr){ .tid = tid };
    }
    t->id = tid + ((uint64_t)t->incarnation << 32);
    long idx = imp_proc_add(s->b, t->id, parent ? parent->id : SIM_TRACE_NO_PARENT,
                            parent ? 0 : spawn, s->line);
    if (idx < 0)
        return NULL;
    s->b->p[idx].prio = parent ? s->b->p[parent->proc].prio : map_prio(prio);
    t->proc = (size_t)idx;
    t->state = state;
    t->exiting = false;
    t->since = spawn;
    t->run = 0;
    return t;
}

static struct thr *find(struct sched_imp *s, uint64_t tid)
{
    uint64_t slot;
    return sim_idmap_get(&s->bytid, tid, &slot) ? thr_at(s, slot) : NULL;
}

/* The thread tid, created in `state` at t0 if it has not been seen (first-event rule). */
static struct thr *get(struct sched_imp *s, uint64_t tid, int prio, uint8_t state)
{
    struct thr *t = find(s, tid);
    if (t != NULL)
        return t;
    t = new_thread(s, tid, NULL, 0, prio, state);
    if (t != NULL && state == T_RUNNING)
        imp_note(s->b, "clipped_start", "runs already in progress at trace start: counted from "
                 "the first event", 1);
    return t;
}

/* The thread a line was recorded in, which must be running now; NULL if idle or not known to
 * be running (counted) or on error (s->b->failed). */
static struct thr *context(struct sched_imp *s, uint64_t ctx, uint64_t now)
{
    if (ctx == 0)
        return NULL;
    struct thr *t = get(s, ctx, -1, T_RUNNING);
    if (t == NULL)
        return NULL;
    if (t->state != T_RUNNING) {
        imp_note(s->b, "inconsistent", "events contradicting the thread's known state "
                 "(lost events?): resolved as described in IMPORT.md", 1);
        return NULL;
    }
    charge(t, now);
    return t;
}

static int on_switch(struct sched_imp *s, const struct sched_ev *ev, uint64_t now)
{
    if (ev->pid != 0) {
        struct thr *p = get(s, ev->pid, ev->prio, T_RUNNING);
        if (p == NULL)
            return -1;
        if (p->state != T_RUNNING)
            imp_note(s->b, "inconsistent", "events contradicting the thread's known state "
                     "(lost events?): resolved as described in IMPORT.md", 1);
        charge(p, now);
        char st = ev->state[0];
        if (p->exiting || st == 'X' || st == 'Z' || st == 'x') {
            p->state = T_DEAD;
            if (flush_run(s, p) != 0)
                return -1;
        } else if (st == 'R') {
            p->state = T_RUNNABLE;
        } else {
            p->state = T_SLEEPING;
            p->since = now;
        }
    }
    if (ev->pid2 == 0)
        return 0;
    struct thr *n = find(s, ev->pid2);
    if (n == NULL || n->state == T_DEAD) {
        if (n != NULL)
            imp_note(s->b, "unforked_reuse", "exited thread ids running again without a fork "
                     "event: new roots", 1);
        n = new_thread(s, ev->pid2, NULL, n != NULL ? now : 0, ev->prio2, T_RUNNABLE);
        if (n == NULL)
            return -1;
    }
    if (n->state == T_SLEEPING) {
        imp_note(s->b, "no_wakeup", "threads switched in with no wake-up event: slept as WAIT",
                 1);
        if (phase(s, n, SIM_PHASE_WAIT, now - n->since) != 0)
            return -1;
    } else if (n->state == T_RUNNING) {
        imp_note(s->b, "inconsistent", "events contradicting the thread's known state "
                 "(lost events?): resolved as described in IMPORT.md", 1);
        charge(n, now);
    }
    n->state = T_RUNNING;
    n->since = now;
    return 0;
}

static int on_wake(struct sched_imp *s, const struct sched_ev *ev, uint64_t now)
{
    if (ev->pid == 0)
        return 0;
    struct thr *t = get(s, ev->pid, ev->prio, T_SLEEPING);
    if (t == NULL)
        return -1;
    if (t->state != T_SLEEPING) {
        imp_note(s->b, "wake_not_sleeping", "wake-ups of threads already running or runnable "
                 "(or exited): ignored", 1);
        return 0;
    }
    struct thr *w = ev->irq || ev->ctx == ev->pid ? NULL : context(s, ev->ctx, now);
    if (s->b->failed)
        return -1;
    t->state = T_RUNNABLE;
    if (w == NULL) {
        imp_note(s->b, "untraced_wakers", "wake-ups from idle, interrupts or unknown threads: "
                 "timed sleeps (WAIT)", 1);
        return phase(s, t, SIM_PHASE_WAIT, now - t->since);
    }
    return phase(s, w, SIM_PHASE_SEND, t->id) != 0 ? -1 : phase(s, t, SIM_PHASE_RECV, 0);
}

static int on_fork(struct sched_imp *s, const struct sched_ev *ev, uint64_t now)
{
    struct thr *p = ev->pid != 0 ? get(s, ev->pid, -1, T_RUNNING) : NULL;
    if (ev->pid != 0 && p == NULL)
        return -1;
    if (p != NULL && p->state != T_RUNNING) {
        imp_note(s->b, "inconsistent", "events contradicting the thread's known state "
                 "(lost events?): resolved as described in IMPORT.md", 1);
        p->state = T_RUNNING;
        p->since = now;
    }
    if (p != NULL)
        charge(p, now);
    struct thr *c = find(s, ev->pid2);
    if (c != NULL && c->state != T_DEAD)
        return imp_fail(s->b, s->line, "sched_process_fork: child %" PRIu64 " is already a "
                        "live thread", ev->pid2);
    c = new_thread(s, ev->pid2, p, now, -1, T_RUNNABLE);
    if (c == NULL)
        return -1;
    return p != NULL ? phase(s, p, SIM_PHASE_SPAWN, c->id) : 0;
}

static int on_event(struct sched_imp *s, const struct sched_ev *ev, uint64_t now)
{
    struct thr *t;
    switch (ev->kind) {
    case SEV_SWITCH:
        return on_switch(s, ev, now);
    case SEV_WAKING:
        return on_wake(s, ev, now);
    case SEV_WAKEUP:
        return s->use_waking ? 0 : on_wake(s, ev, now);
    case SEV_WAKEUP_NEW:
        t = find(s, ev->pid);
        if (t == NULL || t->state == T_DEAD) {
            imp_note(s->b, "unforked_new", "threads first seen at sched_wakeup_new (no fork "
                     "event): roots at that time", 1);
            return new_thread(s, ev->pid, NULL, now, ev->prio, T_RUNNABLE) ? 0 : -1;
        }
        return t->state == T_SLEEPING ? on_wake(s, ev, now) : 0;
    case SEV_FORK:
        return on_fork(s, ev, now);
    case SEV_EXIT:
        if (ev->pid == 0 || (t = get(s, ev->pid, ev->prio, T_RUNNING)) == NULL)
            return ev->pid == 0 ? 0 : -1;
        charge(t, now);
        t->exiting = true;
        return 0;
    case SEV_LOST:
        imp_note(s->b, "lost_events", "events the kernel lost (buffer overrun): the import may "
                 "be inexact", ev->lost);
        return 0;
    default:
        imp_note(s->b, "other_events", "other events (sched_stat_*, sched_migrate_task, ...): "
                 "not needed, ignored", 1);
        return 0;
    }
}

/* End of trace: cut running threads' RUN, drop unfinished sleeps. */
static int finish(struct sched_imp *s)
{
    for (size_t i = 0; i < s->n; i++) {
        struct thr *t = thr_at(s, i);
        if (t->state == T_RUNNING) {
            charge(t, s->last);
            imp_note(s->b, "clipped_end", "runs still in progress at trace end: cut there", 1);
        } else if (t->state == T_SLEEPING) {
            imp_note(s->b, "trailing_sleeps", "sleeps unfinished at trace end: dropped", 1);
        }
        if (flush_run(s, t) != 0)
            return -1;
    }
    return 0;
}

/* Rebase an event's time to the first event line (a time going backwards is taken as the
 * previous event's) into *now; -1 (error set) beyond the limit on trace times. */
static int event_time(struct sched_imp *s, struct sched_ev *ev, uint64_t *now)
{
    if (!s->started) {
        s->t0 = s->last = ev->ts_ns;
        s->line0 = s->line;
        s->started = true;
    }
    if (ev->ts_ns < s->last) {
        imp_note(s->b, "time_backwards", "events out of time order: taken at the previous "
                 "event's time", 1);
        ev->ts_ns = s->last;
    }
    s->last = ev->ts_ns;
    *now = ev->ts_ns - s->t0;
    if (*now > WS_TIME_INPUT_MAX)
        return imp_fail(s->b, s->line, "timestamp: %" PRIu64 " ns after the first event (line %"
                        PRIu64 "), beyond the limit of " WS_TIME_INPUT_MAX_TEXT " ns (about "
                        "104 days)", *now, s->line0);
    return 0;
}

/* Parse and apply one line (NUL-terminated); 0 or -1 (error set). */
static int one_line(struct sched_imp *s, const char *line, enum sim_import_format f)
{
    char err[256];
    struct sched_ev ev;
    uint64_t now = 0;
    if (sim_sched_line_parse(line, f, &ev, err, sizeof err) != 0)
        return imp_fail(s->b, s->line, "%s", err);
    if (ev.kind == SEV_SKIP)
        return 0;
    if (ev.kind != SEV_LOST && event_time(s, &ev, &now) != 0)
        return -1;
    if (ev.ctx_unknown)
        imp_note(s->b, "unknown_context", "event lines whose thread perf could not tell "
                 "(':-1 -1'): their wake-ups are timed sleeps", 1);
    return on_event(s, &ev, now);
}

/* Every line of text (len bytes, text[len] == '\0'; modified in place), then the end. */
static int run_lines(struct sched_imp *s, char *text, size_t len, enum sim_import_format f)
{
    for (char *line = text, *end = text + len; line < end;) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        if (nl == NULL)
            nl = end;
        s->line++;
        if (memchr(line, '\0', (size_t)(nl - line)) != NULL)
            return imp_fail(s->b, s->line, "a NUL byte in this line: not a text %s recording",
                            f == SIM_IMPORT_PERF ? "perf script" : "ftrace");
        *nl = '\0';
        if (one_line(s, line, f) != 0)
            return -1;
        line = nl + 1;
    }
    if (!s->started)
        return imp_fail(s->b, s->line, "no events: the file holds no %s event lines",
                        f == SIM_IMPORT_PERF ? "perf script" : "ftrace");
    s->last -= s->t0;
    return finish(s);
}

int sim_import_sched(struct imp_builder *b, enum sim_import_format f)
{
    size_t len;
    char *text = imp_read_file(b, &len);
    if (text == NULL)
        return -1;
    uint64_t lines = 1;
    for (size_t i = 0; i + 1 < len; i++)
        lines += text[i] == '\n';
    if (imp_check_complete(b, text, len, lines) != 0) {
        free(text);
        return -1;
    }
    struct sched_imp s = { .b = b };
    s.use_waking = strstr(text, "sched_waking:") != NULL;
    int rc = sim_idmap_init(&s.bytid, 256) == 0 ? run_lines(&s, text, len, f)
                                                 : imp_fail(b, 0, "out of memory");
    if (rc == 0 && b->n == 0)
        rc = imp_fail(b, s.line, "no threads: the trace shows only the idle task");
    sim_idmap_destroy(&s.bytid);
    thr_free(&s);
    free(text);
    return rc;
}
