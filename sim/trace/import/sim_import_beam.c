/* sim_import_beam.c: the Erlang VM importer: a recording made by `schedlab beam record`
 * (scripts/beam_record.erl) becomes a trace of one process per Erlang process, and its ground
 * truth (slices, schedulers, migrations) a sidecar file. */
#include "sim/trace/import/sim_import_beam_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/*
 * The recording
 * -------------
 * Text, one record a line: the header "schedlab-beam 1", "schedulers N", "otp R", "bind TYPE"
 * (erlang:system_info(scheduler_bind_type); optional), "wall_ns NS",
 * "util S ACTIVE TOTAL" per scheduler, "msacc S EMULATOR PORT AUX CHECK_IO GC OTHER SLEEP" per
 * scheduler (the VM's microstate accounting over the run, ns; optional), "rq T L1 .. LN" run
 * queue samples (optional), then the events in time order,
 *   in T S PID | out T S PID | exit T S PID | spawn T S PID CHILD |
 *   send T S PID TO MSG | recv T S PID MSG
 * (T ns from the start of the run, S the scheduler 1..N, PID the process's number, the root 1;
 * a send to a process outside the program is "TO 0 MSG 0", a receive of a message from outside
 * "MSG 0"), and last "end EVENTS", so a cut file is told apart from a short run.
 *
 * The mapping
 * -----------
 * Each process's on-scheduler time becomes RUN phases, cut where it spawned (SPAWN child),
 * sent to a traced process (SEND to) or took a message from one (RECV: the VM traces a receive
 * when the receiver moves the message into its queue, in its own slice; a slice that starts by
 * taking a traced message was scheduled because that message came, so all of it follows the
 * RECV, the time up to the receive's trace included). The gap between two
 * slices is the simulator's to decide again when the next slice starts by taking a traced
 * message (the process was blocked in receive) or starts without one (it was preempted or
 * yielded: counted as requeued_gaps); when it starts by taking a message from outside the
 * program (a reply of the code server, a timer), the gap becomes a WAIT of its length.
 */

static const char *const bev_name[BEV_KINDS] = { "in", "out", "exit", "spawn", "send", "recv" };
static const int bev_args[BEV_KINDS] = { 0, 0, 0, 1, 2, 1 };

void sim_beam_rec_free(struct brec *r)
{
    for (size_t i = 0; i < r->np; i++)
        free(r->p[i].ev);
    free(r->p);
    free(r->ev);
    free(r->msacc);
    sim_idmap_destroy(&r->index);
}

/* The process pid (added when first seen); its index or -1 (out of memory). */
static long bproc_get(struct imp_builder *b, struct brec *r, uint64_t pid, uint64_t line)
{
    uint64_t v;
    if (sim_idmap_get(&r->index, pid, &v))
        return (long)v;
    if (r->np == r->pcap) {
        size_t c = r->pcap ? r->pcap * 2 : 64;
        struct bproc *p = realloc(r->p, c * sizeof *p);
        if (p == NULL)
            return imp_fail(b, line, "out of memory");
        r->p = p;
        r->pcap = c;
    }
    if (sim_idmap_put(&r->index, pid, r->np) != 0)
        return imp_fail(b, line, "out of memory");
    r->p[r->np] = (struct bproc){ .pid = pid, .parent = SIM_TRACE_NO_PARENT, .line = line,
                                  .first_in = UINT64_MAX };
    return (long)r->np++;
}

/* The index of a process already seen. */
static size_t pidx(const struct brec *r, uint64_t pid)
{
    uint64_t v = 0;
    sim_idmap_get(&r->index, pid, &v);
    return (size_t)v;
}

static int bproc_push(struct imp_builder *b, struct bproc *p, size_t e)
{
    if (p->nev == p->cap) {
        size_t c = p->cap ? p->cap * 2 : 8;
        size_t *v = realloc(p->ev, c * sizeof *v);
        if (v == NULL)
            return imp_fail(b, p->line, "out of memory");
        p->ev = v;
        p->cap = c;
    }
    p->ev[p->nev++] = e;
    return 0;
}

/* Parse n unsigned integers from s into v; the number parsed, or -1 on a malformed field
 * (its position in *bad). Trailing text is an error too (bad = n). */
static int parse_u64s(const char *s, uint64_t *v, int n, int *bad)
{
    for (int i = 0; i < n; i++) {
        while (*s == ' ')
            s++;
        char *end;
        errno = 0;
        if (*s < '0' || *s > '9' || ((v[i] = strtoull(s, &end, 10)), errno != 0)
            || (*end != ' ' && *end != '\0')) {
            *bad = i;
            return -1;
        }
        s = end;
    }
    while (*s == ' ')
        s++;
    if (*s != '\0') {
        *bad = n;
        return -1;
    }
    return n;
}

/* A run queue sample "rq T L1 .. LN" (N the schedulers) added to r's sums. 1, or -1. */
static int parse_rq(struct imp_builder *b, struct brec *r, const char *rest, uint64_t line)
{
    uint64_t v[SIM_BEAM_MAX_SCHED + 1];
    int bad;
    if (parse_u64s(rest, v, (int)r->schedulers + 1, &bad) < 0)
        return imp_fail(b, line, "rq: field %d: want TIME and one queue length per scheduler "
                        "(%" PRIu32 ")", bad + 1, r->schedulers);
    for (uint32_t s = 0; s < r->schedulers; s++)
        r->rq_sum[s] += v[s + 1];
    r->rq_n++;
    return 1;
}

/* Microstate accounting of one scheduler, "msacc S EMULATOR PORT AUX CHECK_IO GC OTHER SLEEP"
 * (ns over the run). 1, or -1. */
static int parse_msacc(struct imp_builder *b, struct brec *r, const char *rest, uint64_t line)
{
    uint64_t v[1 + SIM_BEAM_MSACC_STATES];
    int bad;
    if (parse_u64s(rest, v, 1 + SIM_BEAM_MSACC_STATES, &bad) < 0)
        return imp_fail(b, line, "msacc: field %d: want SCHEDULER and the ns of emulator port "
                        "aux check_io gc other sleep", bad + 1);
    if (v[0] == 0 || v[0] > r->schedulers)
        return imp_fail(b, line, "msacc: scheduler %" PRIu64 " is not within 1..%" PRIu32, v[0],
                        r->schedulers);
    if (r->msacc == NULL && (r->msacc = calloc(r->schedulers, sizeof *r->msacc)) == NULL)
        return imp_fail(b, line, "out of memory");
    memcpy(r->msacc[v[0] - 1], v + 1, sizeof *r->msacc);
    return 1;
}

/* One header line (schedulers, otp, bind, wall_ns, util, msacc, rq); 1 if it was one, 0 if
 * not, -1 on error. */
static int parse_header(struct imp_builder *b, struct brec *r, const char *key, const char *rest,
                        uint64_t line)
{
    uint64_t v[3];
    int bad;
    if (strcmp(key, "otp") == 0 || strcmp(key, "bind") == 0)
        return 1;   /* the VM's release and scheduler_bind_type: for the reader */
    if (strcmp(key, "schedulers") == 0 || strcmp(key, "wall_ns") == 0) {
        if (parse_u64s(rest, v, 1, &bad) < 0)
            return imp_fail(b, line, "%s: not an integer: '%s'", key, rest);
        if (key[0] == 's' && (v[0] == 0 || v[0] > SIM_BEAM_MAX_SCHED))
            return imp_fail(b, line, "schedulers: %" PRIu64 " is not within 1..%d", v[0],
                            SIM_BEAM_MAX_SCHED);
        if (key[0] == 's')
            r->schedulers = (uint32_t)v[0];
        else
            r->wall_ns = v[0];
        return 1;
    }
    if (strcmp(key, "rq") == 0)
        return r->schedulers ? parse_rq(b, r, rest, line)
                             : imp_fail(b, line, "rq: before the 'schedulers' line");
    if (strcmp(key, "msacc") == 0)
        return r->schedulers ? parse_msacc(b, r, rest, line)
                             : imp_fail(b, line, "msacc: before the 'schedulers' line");
    if (strcmp(key, "util") != 0)
        return 0;
    if (parse_u64s(rest, v, 3, &bad) < 0)
        return imp_fail(b, line, "util: field %d: want SCHEDULER ACTIVE_NS TOTAL_NS", bad + 1);
    if (v[0] == 0 || v[0] > r->schedulers)
        return imp_fail(b, line, "util: scheduler %" PRIu64 " is not within 1..%" PRIu32, v[0],
                        r->schedulers);
    r->util[v[0] - 1][0] = v[1];
    r->util[v[0] - 1][1] = v[2];
    return 1;
}

/* One event line: checked and appended to r and its process. 0 or -1. */
static int parse_event(struct imp_builder *b, struct brec *r, int kind, const char *rest,
                       uint64_t line)
{
    static const char *const field[] = { "time", "scheduler", "pid", "argument", "message" };
    uint64_t v[5] = { 0 };
    int bad, n = 3 + bev_args[kind];
    if (parse_u64s(rest, v, n, &bad) < 0)
        return imp_fail(b, line, "%s: %s", bev_name[kind],
                        bad == n ? "unexpected text after the last field"
                                 : bad < 3 ? field[bad] : field[3 + (kind == BEV_SEND && bad == 4)]);
    if (v[1] == 0 || v[1] > r->schedulers)
        return imp_fail(b, line, "%s: scheduler %" PRIu64 " is not within 1..%" PRIu32
                        " (the header's schedulers)", bev_name[kind], v[1], r->schedulers);
    if (v[2] == 0)
        return imp_fail(b, line, "%s: pid 0 is not a process", bev_name[kind]);
    if (v[0] > SIM_TRACE_MAX_TIME_NS)
        return imp_fail(b, line, "%s: time %" PRIu64 " ns is beyond the limit of 2^53 ns",
                        bev_name[kind], v[0]);
    if (r->nev > 0 && v[0] < r->ev[r->nev - 1].t)
        return imp_fail(b, line, "%s: time %" PRIu64 " ns is before the previous event's (%"
                        PRIu64 " ns): events must be in time order", bev_name[kind], v[0],
                        r->ev[r->nev - 1].t);
    if (r->nev == r->cap) {
        size_t c = r->cap ? r->cap * 2 : 1024;
        struct bevent *e = realloc(r->ev, c * sizeof *e);
        if (e == NULL)
            return imp_fail(b, line, "out of memory");
        r->ev = e;
        r->cap = c;
    }
    r->ev[r->nev] = (struct bevent){ .t = v[0], .sched = (uint32_t)v[1], .pid = v[2],
                                     .a = v[3], .b = v[4], .line = line, .kind = (uint8_t)kind };
    long i = bproc_get(b, r, v[2], line);
    if (i < 0 || bproc_push(b, &r->p[i], r->nev) != 0)
        return -1;
    r->nev++;
    return 0;
}

/* Split off the first word of s (modified); the rest after one blank. */
static char *first_word(char *s)
{
    char *sp = strchr(s, ' ');
    if (sp == NULL)
        return s + strlen(s);
    *sp = '\0';
    return sp + 1;
}

/* Read the whole recording into r. 0, or -1 with the error in the builder. */
static int beam_parse(struct imp_builder *b, struct brec *r)
{
    size_t len;
    char *text = imp_read_text(b, (size_t)1 << 31, &len);
    if (text == NULL)
        return -1;
    uint64_t line = 0, end_count = UINT64_MAX;
    bool cut = len > 0 && text[len - 1] != '\n';   /* checked once the lines are counted */
    int rc = 0;
    for (char *s = text, *nl; rc == 0 && *s != '\0'; s = nl + 1) {
        nl = strchr(s, '\n');
        if (nl == NULL)
            nl = s + strlen(s) - 1;   /* last line without a newline: checked below */
        else
            *nl = '\0';
        line++;
        if (line == 1) {
            if (strcmp(s, "schedlab-beam 1") != 0)
                rc = imp_fail(b, 1, "not a schedlab BEAM recording (the first line must be "
                              "'schedlab-beam 1'; record one with 'schedlab beam record')");
            continue;
        }
        if (end_count != UINT64_MAX) {
            rc = imp_fail(b, line, "text after the 'end' line");
            break;
        }
        char *rest = first_word(s);
        int kind = -1;
        for (int k = 0; k < BEV_KINDS; k++)
            if (strcmp(s, bev_name[k]) == 0)
                kind = k;
        if (kind >= 0 && r->schedulers == 0)
            rc = imp_fail(b, line, "%s: an event before the 'schedulers' line", s);
        else if (kind >= 0)
            rc = parse_event(b, r, kind, rest, line);
        else if (strcmp(s, "end") == 0) {
            int bad;
            if (parse_u64s(rest, &end_count, 1, &bad) < 0)
                rc = imp_fail(b, line, "end: not an integer: '%s'", rest);
            else if (end_count != r->nev)
                rc = imp_fail(b, line, "end: the recording says %" PRIu64 " events, the file "
                              "holds %zu (cut or edited?)", end_count, r->nev);
        } else {
            int h = parse_header(b, r, s, rest, line);
            if (h == 0)
                rc = imp_fail(b, line, "unknown record '%s' (in, out, exit, spawn, send, recv, "
                              "util, end)", s);
            else if (h < 0)
                rc = -1;
        }
    }
    if (rc == 0 && cut)
        rc = imp_check_complete(b, "x", 1, line);
    if (rc == 0 && r->schedulers == 0)
        rc = imp_fail(b, line, "no 'schedulers' line: not a complete recording");
    if (rc == 0 && end_count == UINT64_MAX)
        rc = imp_fail(b, line, "the recording stops without its 'end' line (truncated? the "
                      "recorder writes it last)");
    free(text);
    return rc;
}

/* Check the processes' lives: the root (pid 1) is never spawned, every other process is, each
 * spawned once before its first event, slices alternate in/out, every process exits, nothing
 * happens after its exit. Fills spawn, first_in and exit times. 0 or -1. */
static int beam_check(struct imp_builder *b, struct brec *r)
{
    for (size_t i = 0; i < r->nev; i++) {
        const struct bevent *e = &r->ev[i];
        struct bproc *p = &r->p[pidx(r, e->pid)];
        if (p->exited)
            return imp_fail(b, e->line, "%s: process %" PRIu64 " already exited (line %" PRIu64
                            ")", bev_name[e->kind], p->pid, p->exit_t);
        if (p->parent == SIM_TRACE_NO_PARENT && p->pid != 1 && e->kind != BEV_SPAWN)
            return imp_fail(b, e->line, "%s: process %" PRIu64 " was never spawned by a traced "
                            "process (only the root, 1, has no parent)", bev_name[e->kind],
                            p->pid);
        if (e->kind == BEV_IN && p->first_in == UINT64_MAX)
            p->first_in = e->t;
        if (e->kind == BEV_EXIT) {
            p->exited = true;
            p->exit_t = e->line;   /* the line for messages; the time is set below */
        }
        if (e->kind != BEV_SPAWN)
            continue;
        long c = bproc_get(b, r, e->a, e->line);
        if (c < 0)
            return -1;
        p = &r->p[pidx(r, e->pid)];   /* r->p may have moved */
        if (e->a == 1 || r->p[c].parent != SIM_TRACE_NO_PARENT
            || (r->p[c].nev > 0 && r->ev[r->p[c].ev[0]].t < e->t))
            return imp_fail(b, e->line, "spawn: process %" PRIu64 " is the root, spawned "
                            "twice or seen before its spawn", e->a);
        r->p[c].parent = p->pid;
        r->p[c].spawn_t = e->t;
        r->p[c].line = e->line;
    }
    for (size_t i = 0; i < r->np; i++) {
        struct bproc *p = &r->p[i];
        if (!p->exited)
            return imp_fail(b, p->line, "process %" PRIu64 " never exits: the program left it "
                            "running when the recording stopped (a program must end every "
                            "process it starts)", p->pid);
        p->exit_t = r->ev[p->ev[p->nev - 1]].t;
    }
    return 0;
}

/* ---- the trace ------------------------------------------------------------------------------ */

struct walk {
    struct imp_builder *b;
    size_t idx;                 /* the process in the builder */
    uint64_t run;               /* on-scheduler time not yet emitted */
};

/* Emit the pending RUN, then kind(arg). 0 or -1. */
static int emit(struct walk *w, unsigned kind, uint64_t arg)
{
    if (w->run > 0 && imp_phase_add(w->b, w->idx, SIM_PHASE_RUN, w->run) != 0)
        return -1;
    w->run = 0;
    return kind == SIM_PHASE_RUN ? 0 : imp_phase_add(w->b, w->idx, kind, arg);
}

/* What a slice's start says about the gap before it (see "The mapping"). */
static int gap(struct walk *w, const struct brec *r, const struct bproc *p, size_t k,
               uint64_t gap_ns)
{
    const struct bevent *next = k + 1 < p->nev ? &r->ev[p->ev[k + 1]] : NULL;
    if (next != NULL && next->kind == BEV_RECV && next->a != 0)
        return 0;
    if (next != NULL && next->kind == BEV_RECV) {
        imp_note(w->b, "outside_waits", "waits for a message from outside the program "
                 "(code server, timer, I/O) kept as WAIT phases of their length", 1);
        return emit(w, SIM_PHASE_WAIT, gap_ns);
    }
    imp_note(w->b, "requeued_gaps", "gaps between slices with no message taken (preempted or "
             "yielded): left to the simulator's scheduling", 1);
    return 0;
}

/* The phases of process p from its events. 0 or -1. */
static int beam_phases(struct imp_builder *b, const struct brec *r, const struct bproc *p,
                       size_t idx)
{
    struct walk w = { b, idx, 0 };
    bool running = false;
    uint64_t since = 0, out_t = UINT64_MAX;
    for (size_t k = 0; k < p->nev; k++) {
        const struct bevent *e = &r->ev[p->ev[k]];
        if ((e->kind == BEV_IN) == running)
            return imp_fail(b, e->line, "%s: process %" PRIu64 " is %s", bev_name[e->kind],
                            p->pid, running ? "running already (no 'out' since its 'in')"
                                            : "not running (no 'in' before this)");
        if (e->kind == BEV_IN) {
            running = true;
            since = e->t;
            if (out_t != UINT64_MAX && gap(&w, r, p, k, e->t - out_t) != 0)
                return -1;
            continue;
        }
        w.run += e->t - since;
        since = e->t;
        int rc = 0;
        if (e->kind == BEV_OUT) {
            running = false;
            out_t = e->t;
        } else if (e->kind == BEV_SPAWN) {
            rc = emit(&w, SIM_PHASE_SPAWN, e->a);
        } else if (e->kind == BEV_SEND && e->a != 0) {
            rc = emit(&w, SIM_PHASE_SEND, e->a);
        } else if (e->kind == BEV_SEND) {
            imp_note(b, "sends_outside", "sends to processes outside the program (or to a "
                     "registered name): kept as run time, no message", 1);
        } else if (e->kind == BEV_RECV && e->a != 0 && r->ev[p->ev[k - 1]].kind == BEV_IN) {
            /* The slice began because this message came (its process was blocked in receive):
             * all of it, the time up to the receive's trace included, follows the RECV. */
            uint64_t pre = e->t - r->ev[p->ev[k - 1]].t;
            w.run -= pre;
            rc = emit(&w, SIM_PHASE_RECV, 0);
            w.run = pre;
        } else if (e->kind == BEV_RECV && e->a != 0) {
            rc = emit(&w, SIM_PHASE_RECV, 0);
        } else if (e->kind == BEV_RECV) {
            imp_note(b, "receives_outside", "messages from outside the program (the recorder's "
                     "start signal, replies of system processes): no RECV phase", 1);
        }
        if (rc != 0)
            return -1;
    }
    return emit(&w, SIM_PHASE_RUN, 0);
}

/* Every receive takes a message sent before it to its process. 0 or -1. */
static int beam_check_messages(struct imp_builder *b, const struct brec *r)
{
    struct sim_idmap sent;   /* message id -> index of its send event */
    if (sim_idmap_init(&sent, 1024) != 0)
        return imp_fail(b, 0, "out of memory");
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < r->nev; i++) {
        const struct bevent *e = &r->ev[i];
        uint64_t s;
        if (e->kind == BEV_SEND && e->a != 0) {
            if (e->b == 0 || sim_idmap_get(&sent, e->b, &s))
                rc = imp_fail(b, e->line, "send: message id %" PRIu64 " is 0 or used twice",
                              e->b);
            else if (sim_idmap_put(&sent, e->b, i) != 0)
                rc = imp_fail(b, e->line, "out of memory");
        } else if (e->kind == BEV_RECV && e->a != 0) {
            if (!sim_idmap_get(&sent, e->a, &s) || r->ev[s].a != e->pid)
                rc = imp_fail(b, e->line, "recv: message %" PRIu64 " was not sent to process %"
                              PRIu64 " before this", e->a, e->pid);
        }
    }
    sim_idmap_destroy(&sent);
    return rc;
}

/* Parse and check path into r (initialised here; sim_beam_rec_free it either way). 0 or -1. */
int sim_beam_rec_load(struct imp_builder *b, struct brec *r)
{
    memset(r, 0, sizeof *r);
    if (sim_idmap_init(&r->index, 64) != 0)
        return imp_fail(b, 0, "out of memory");
    if (beam_parse(b, r) != 0 || beam_check(b, r) != 0 || beam_check_messages(b, r) != 0)
        return -1;
    if (r->np == 0)
        return imp_fail(b, 0, "no events: the program ran no traced process");
    return 0;
}

int sim_import_beam(struct imp_builder *b)
{
    struct brec *r = malloc(sizeof *r);
    if (r == NULL)
        return imp_fail(b, 0, "out of memory");
    int rc = sim_beam_rec_load(b, r);
    for (size_t i = 0; rc == 0 && i < r->np; i++) {
        const struct bproc *p = &r->p[i];
        long idx = imp_proc_add(b, p->pid, p->parent, p->spawn_t, p->line);
        rc = idx < 0 ? -1 : beam_phases(b, r, p, (size_t)idx);
    }
    sim_beam_rec_free(r);
    free(r);
    return rc;
}
