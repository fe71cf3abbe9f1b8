/* sim_import_stg.c: the Standard Task Graph Set (.stg) importer: one DAG-task process per task. */
#include "sim/trace/import/sim_import_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/*
 * The mapping
 * -----------
 * An STG file is `n`, then n + 2 lines `id cost npred pred...` (ids 0..n+1; 0 is a dummy entry
 * and n+1 a dummy exit), with `#` comment lines (Tobita & Kasahara 2002). Every real task becomes
 * a root process injected at time 0 with the task id as its process id:
 *
 *     RECV x (predecessors)   RUN cost * unit_ns   SEND to each successor (ascending id)
 *
 * so it starts when the last predecessor's message arrives: with zero overheads the replay is the
 * textbook list schedule. The dummy entry and exit are dropped when their cost is 0 (the rule of
 * the set), with the edges that touch them; a dummy of non-zero cost is kept as a task. A real
 * task of cost 0 keeps its messages but has no RUN phase. Duplicate predecessors are merged.
 * Processes come out in a topological order (the file's, when it is topological), so `trace
 * stats` and the simulator read every predecessor before its successors.
 */

struct task {
    uint64_t cost;
    uint64_t line;
    uint32_t npred, first;      /* preds in g.pred[first .. first + npred) */
    uint32_t nsucc, firsts;     /* succs in g.succ[firsts .. firsts + nsucc) */
    bool dropped;
};

struct graph {
    struct task *t;
    uint32_t n;                 /* tasks including the two dummies */
    uint32_t *pred, *succ;
    size_t npred, cappred;
    uint64_t last_line;
};

/* Parse one unsigned integer token at *s; advances *s. -1 when there is none or it is bad. */
static int next_u64(const char **s, uint64_t *v, bool *none)
{
    const char *p = *s + strspn(*s, " \t\r");
    *none = *p == '\0' || *p == '\n';
    if (*none)
        return -1;
    if (*p < '0' || *p > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(p, &end, 10);
    if (errno != 0 || (*end != '\0' && *end != ' ' && *end != '\t' && *end != '\r'
                       && *end != '\n'))
        return -1;
    *v = x;
    *s = end;
    return 0;
}

/* One field of line: value into *v, or an error naming the field. */
static int field(struct imp_builder *b, uint64_t ln, const char **s, const char *name,
                 uint64_t *v)
{
    bool none;
    const char *at = *s + strspn(*s, " \t\r");
    if (next_u64(s, v, &none) == 0)
        return 0;
    if (none)
        return imp_fail(b, ln, "%s: missing (the line ends early)", name);
    int len = (int)strcspn(at, " \t\r\n");
    return imp_fail(b, ln, "%s: not a non-negative integer: '%.*s'", name, len > 40 ? 40 : len,
                    at);
}

static int add_pred(struct imp_builder *b, struct graph *g, uint32_t p)
{
    if (g->npred == g->cappred) {
        size_t c = g->cappred ? g->cappred * 2 : 1024;
        uint32_t *np = realloc(g->pred, c * sizeof *np);
        if (np == NULL)
            return imp_fail(b, 0, "out of memory");
        g->pred = np;
        g->cappred = c;
    }
    g->pred[g->npred++] = p;
    return 0;
}

/* Parse task line `line` (expected id `want`) into g. */
static int parse_task(struct imp_builder *b, struct graph *g, const char *line, uint64_t ln,
                      uint32_t want)
{
    const char *s = line;
    uint64_t id, cost, npred;
    if (field(b, ln, &s, "id", &id) || field(b, ln, &s, "cost", &cost)
        || field(b, ln, &s, "npred", &npred))
        return -1;
    if (id != want)
        return imp_fail(b, ln, "id: expected task %" PRIu32 ", found %" PRIu64
                        " (tasks are listed 0..n+1 in order)", want, id);
    if (npred >= g->n)
        return imp_fail(b, ln, "npred: %" PRIu64 " predecessors but only %" PRIu32 " tasks",
                        npred, g->n);
    struct task *t = &g->t[want];
    *t = (struct task){ .cost = cost, .line = ln, .first = (uint32_t)g->npred };
    for (uint64_t k = 0; k < npred; k++) {
        char name[32];
        uint64_t p;
        snprintf(name, sizeof name, "pred[%" PRIu64 "]", k);
        if (field(b, ln, &s, name, &p))
            return -1;
        if (p >= g->n)
            return imp_fail(b, ln, "%s: predecessor %" PRIu64 " does not exist (tasks are "
                            "0..%" PRIu32 ")", name, p, g->n - 1);
        bool dup = false;
        for (uint32_t j = t->first; j < g->npred; j++)
            dup = dup || g->pred[j] == p;
        if (dup)
            imp_note(b, "duplicate_edges", "predecessors listed twice by a task: merged", 1);
        else if (add_pred(b, g, (uint32_t)p) != 0)
            return -1;
    }
    t->npred = (uint32_t)(g->npred - t->first);
    s += strspn(s, " \t\r");
    if (*s != '\0')
        return imp_fail(b, ln, "unexpected value after the %" PRIu64 " predecessors: '%.20s'",
                        npred, s);
    return 0;
}

/* One significant line (not blank, not a comment) into g: the task count, then the tasks. */
static int parse_line(struct imp_builder *b, struct graph *g, const char *s, uint64_t ln,
                      uint32_t *next, bool *have_n)
{
    if (*have_n && *next == g->n)
        return imp_fail(b, ln, "unexpected line after the last task (%" PRIu32 ")", g->n - 1);
    if (*have_n)
        return parse_task(b, g, s, ln, (*next)++);
    uint64_t n;
    if (field(b, ln, &s, "n", &n))
        return -1;
    if (n > 10000000)
        return imp_fail(b, ln, "n: %" PRIu64 " tasks is more than 10^7", n);
    g->n = (uint32_t)n + 2;
    g->t = calloc(g->n, sizeof *g->t);
    if (g->t == NULL)
        return imp_fail(b, ln, "out of memory");
    *have_n = true;
    return 0;
}

/* Read the file's lines into g, one at a time: a line longer than SIM_TRACE_MAX_LINE is refused
 * before more of it is read, and a last task line without its newline (a cut file) too. */
static int parse(struct imp_builder *b, struct graph *g, FILE *f)
{
    uint64_t ln = 0;
    uint32_t next = 0;
    bool have_n = false, nl = true;
    char *buf = NULL;
    size_t cap = 0, used;
    int rc = 0;
    long long n;
    while (rc == 0 && (n = sim_trace_getline(f, &buf, &cap, SIM_TRACE_MAX_LINE, &used, &nl)) >= 0) {
        ln++;
        const char *s = buf + strspn(buf, " \t\r");
        if (*s == '\0' || *s == '#')
            continue;
        if ((size_t)n != strlen(buf))
            rc = imp_fail(b, ln, "a NUL byte in the line: not a text file");
        else if (!nl)   /* a cut last task line may still parse: refuse it */
            rc = imp_check_complete(b, "x", 1, ln);
        else
            rc = parse_line(b, g, s, ln, &next, &have_n);
    }
    free(buf);
    if (rc != 0)
        return rc;
    if (n == SIM_TRACE_LINE_LONG)
        return imp_fail(b, ln + 1, "line too long: more than %" PRIu64 " bytes (the limit; see "
                        "traces/IMPORT.md)", SIM_TRACE_MAX_LINE);
    if (n == SIM_TRACE_LINE_IOERR)
        return imp_fail(b, ln + 1, "cannot read: %s", strerror(errno));
    g->last_line = ln;
    if (!have_n)
        return imp_fail(b, ln, "n: missing: the file holds no task count (is it empty?)");
    if (next < g->n)
        return imp_fail(b, ln, "truncated: the file ends after task %" PRId64 " of 0..%" PRIu32,
                        (int64_t)next - 1, g->n - 1);
    return 0;
}

/* Successor lists from predecessor lists (ascending, since tasks are visited in id order). */
static int build_succ(struct imp_builder *b, struct graph *g)
{
    g->succ = malloc((g->npred + 1) * sizeof *g->succ);
    if (g->succ == NULL)
        return imp_fail(b, 0, "out of memory");
    for (uint32_t i = 0; i < g->n; i++)
        for (uint32_t k = 0; k < g->t[i].npred; k++)
            g->t[g->pred[g->t[i].first + k]].nsucc++;
    uint32_t at = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        g->t[i].firsts = at;
        at += g->t[i].nsucc;
        g->t[i].nsucc = 0;
    }
    for (uint32_t i = 0; i < g->n; i++)
        for (uint32_t k = 0; k < g->t[i].npred; k++) {
            struct task *p = &g->t[g->pred[g->t[i].first + k]];
            g->succ[p->firsts + p->nsucc++] = i;
        }
    return 0;
}

static uint64_t task_name(const void *ctx, uint32_t i, char *buf, size_t len)
{
    snprintf(buf, len, "%" PRIu32, i);
    return ((const struct graph *)ctx)->t[i].line;
}

/* A topological order into order[] (the file's, when it is topological); a cycle is an error
 * naming its tasks. */
static int topo_order(struct imp_builder *b, struct graph *g, uint32_t *order)
{
    struct sim_dag_edge *e = malloc((g->npred + 1) * sizeof *e);
    if (e == NULL)
        return imp_fail(b, 0, "out of memory");
    size_t ne = 0;
    for (uint32_t i = 0; i < g->n; i++)
        for (uint32_t k = 0; k < g->t[i].npred; k++)
            e[ne++] = (struct sim_dag_edge){ .from = g->pred[g->t[i].first + k], .to = i };
    int rc = imp_dag_order(b, g->n, e, ne, SIM_DAG_KEEP_SORTED, order, "task graph", task_name,
                           g);
    free(e);
    return rc;
}

/* Add the processes in topological order. */
static int emit(struct imp_builder *b, struct graph *g, const uint32_t *order, uint64_t unit)
{
    for (uint32_t k = 0; k < g->n; k++) {
        uint32_t i = order[k];
        const struct task *t = &g->t[i];
        if (t->dropped)
            continue;
        if (t->cost > SIM_TRACE_MAX_TIME_NS / unit)
            return imp_fail(b, t->line, "cost: %" PRIu64 " units of %" PRIu64 " ns is beyond "
                            "the limit of 2^53 ns (about 104 days)", t->cost, unit);
        long idx = imp_proc_add(b, i, SIM_TRACE_NO_PARENT, 0, t->line);
        if (idx < 0)
            return -1;
        for (uint32_t j = 0; j < t->npred; j++)
            if (!g->t[g->pred[t->first + j]].dropped
                && imp_phase_add(b, (size_t)idx, SIM_PHASE_RECV, 0) != 0)
                return -1;
        if (t->cost > 0 && imp_phase_add(b, (size_t)idx, SIM_PHASE_RUN, t->cost * unit) != 0)
            return -1;
        if (t->cost == 0)
            imp_note(b, "zero_cost_tasks", "real tasks of cost 0: kept, without a run phase", 1);
        for (uint32_t j = 0; j < t->nsucc; j++) {
            uint32_t s = g->succ[t->firsts + j];
            if (!g->t[s].dropped && imp_phase_add(b, (size_t)idx, SIM_PHASE_SEND, s) != 0)
                return -1;
        }
    }
    return 0;
}

/* Drop the zero-cost dummy entry and exit with their edges (counted). */
static void drop_dummies(struct imp_builder *b, struct graph *g)
{
    struct task *entry = &g->t[0], *exit_ = &g->t[g->n - 1];
    entry->dropped = entry->cost == 0 && entry->npred == 0;
    exit_->dropped = exit_->cost == 0 && exit_->nsucc == 0;
    imp_note(b, "dummy_tasks", "zero-cost dummy entry/exit tasks: dropped",
             (uint64_t)entry->dropped + exit_->dropped);
    imp_note(b, "dummies_kept", "dummy entry/exit tasks with a cost or edges: kept as tasks",
             (uint64_t)!entry->dropped + !exit_->dropped);
    uint64_t edges = 0;
    for (uint32_t i = 0; i < g->n; i++)
        for (uint32_t k = 0; k < g->t[i].npred; k++)
            edges += g->t[i].dropped || g->t[g->pred[g->t[i].first + k]].dropped;
    imp_note(b, "dummy_edges", "edges from the dummy entry or to the dummy exit: dropped",
             edges);
}

int sim_import_stg(struct imp_builder *b, const struct sim_import_opts *o)
{
    FILE *f = fopen(b->path, "rb");
    if (f == NULL)
        return imp_fail(b, 0, "cannot open: %s", strerror(errno));
    struct graph g = { 0 };
    uint32_t *order = NULL;
    int rc = parse(b, &g, f);
    fclose(f);
    if (rc == 0)
        rc = build_succ(b, &g);
    if (rc == 0 && (order = malloc(g.n * sizeof *order)) == NULL)
        rc = imp_fail(b, 0, "out of memory");
    if (rc == 0)
        rc = topo_order(b, &g, order);
    if (rc == 0) {
        drop_dummies(b, &g);
        rc = emit(b, &g, order, o->unit_ns);
    }
    free(order);
    free(g.t);
    free(g.pred);
    free(g.succ);
    return rc;
}
