/* sim_import_wf.c: the WfCommons WfFormat importer (schema 1.4 and 1.5): one DAG-task process per
 * workflow task, or one per core it used. */
#include "sim/trace/import/sim_import_int.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * The mapping
 * -----------
 * Schema 1.5 (and 1.6, which only adds optional fields) keeps the graph in
 * workflow.specification.tasks[] (`id`, `parents[]`, `children[]` naming task ids) and the
 * measurements in workflow.execution.tasks[] (`id`, `runtimeInSeconds`, `coreCount`); schema 1.4
 * has both in workflow.tasks[] (`name`, `parents[]`/`children[]` naming tasks by name,
 * `runtimeInSeconds`, `cores`). A dependency may be listed on either end or both; the union is
 * taken. Every task is a root injected at time 0 that waits for one message per parent:
 *
 *     RECV x (parents)   RUN runtime   SEND to each child
 *
 * A task that used k > 1 cores (multicore=split, the default) is k processes: a head as above
 * whose RUN is preceded by a SEND to each of k-1 helpers and followed by k-1 RECVs from them, and
 * helpers `RECV, RUN runtime, SEND head`. This keeps both quantities the bounds are made of: the
 * task's k x runtime core-seconds of work, and its duration of runtime on k idle cores (the
 * critical path does not grow). multicore=serial makes it one process of k x runtime instead,
 * which keeps the work but stretches the critical path. The instances in ../shared all use one
 * core per task.
 *
 * Recorded measurements the model has no place for are counted, not silently lost: files and
 * their sizes (data transfer is not modelled), machine assignments (the simulator places tasks),
 * avgCPU (the runtime is taken as busy time), memory, I/O byte counts, energy and the workflow
 * manager's priorities. Process ids are 0, 1, 2 ... in a topological order of the tasks.
 */

struct wtask {
    const cJSON *spec;          /* the task object with parents/children */
    const char *id;             /* the name other tasks use to refer to it */
    uint64_t line;
    uint64_t runtime_ns;
    uint32_t cores;
    uint32_t exec_rec;          /* 1 + index of its record in workflow.execution.tasks, or 0 */
    bool has_runtime;
    uint64_t pid;               /* first process id */
    uint32_t npar, nchild;      /* after the union of both lists */
    uint32_t firstp, firstc;    /* in par[] / chl[] */
};

/* Where one `"key": "value"` of the text is (value as written, unescaped or not). */
struct wloc {
    const char *v;
    size_t len;
    uint64_t line;
};

struct wedge {
    uint32_t p, c;              /* parent and child task indexes */
    uint8_t by;                 /* 1: in the child's parents[], 2: in the parent's children[] */
};

struct wgraph {
    const char *text;
    size_t len;
    struct wloc *locs;          /* every `"id": "..."` (1.4: "name") by value: see index_lines */
    size_t nlocs;
    struct wtask *t;
    uint32_t n;
    bool v14;
    const char **keys;          /* sorted reference names ... */
    uint32_t *keyidx;           /* ... and the task each names */
    uint32_t nkeys;
    struct wedge *edges;
    size_t nedges, capedges;
    uint32_t *par, *chl;        /* parents / children of each task, by task index */
};

/* Line of the first `"key": "value"` in text (1 if not found: the file's start). One scan of the
 * text: used once per file (schemaVersion); tasks use the line index below. */
static uint64_t line_of(const char *text, const char *key, const char *value)
{
    size_t vl = strlen(value);
    /* An empty value matches everywhere: step one character, and stop at the end. */
    for (const char *p = text; (p = strstr(p, value)) != NULL && *p != '\0'; p += vl ? vl : 1) {
        if (p == text || p[-1] != '"' || p[vl] != '"')
            continue;
        const char *q = p - 2;
        while (q > text && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
            q--;
        if (*q != ':')
            continue;
        q--;
        while (q > text && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
            q--;
        size_t kl = strlen(key);
        if (q - text >= (ptrdiff_t)kl + 1 && *q == '"' && memcmp(q - kl, key, kl) == 0
            && q[-(ptrdiff_t)kl - 1] == '"') {
            uint64_t ln = 1;
            for (const char *c = text; c < p; c++)
                ln += *c == '\n';
            return ln;
        }
    }
    return 1;
}

static int cmp_loc(const void *a, const void *b)
{
    const struct wloc *x = a, *y = b;
    int c = memcmp(x->v, y->v, x->len < y->len ? x->len : y->len);
    if (c != 0)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->v < y->v ? -1 : x->v > y->v;   /* equal values: in file order */
}

static const char *skip_ws(const char *q, const char *end)
{
    while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
        q++;
    return q;
}

/* Index every `"key": "value"` of the text by value, in one pass (lines counted as it goes), so
 * that finding a task's line is a binary search: one task per line_of scan of the whole text
 * made a workflow of n tasks cost n times its size. */
static int index_lines(struct imp_builder *b, struct wgraph *g, const char *key)
{
    char pat[16];
    size_t pl = (size_t)snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *p = g->text, *end = g->text + g->len, *counted = g->text;
    uint64_t line = 1;
    size_t cap = 0;
    while (p < end && (p = memmem(p, (size_t)(end - p), pat, pl)) != NULL) {
        const char *q = skip_ws(p + pl, end);
        p += pl;
        if (q == end || *q != ':' || (q = skip_ws(q + 1, end)) == end || *q != '"')
            continue;
        const char *close = memchr(q + 1, '"', (size_t)(end - q - 1));
        if (close == NULL)
            break;
        for (; counted < q; counted++)
            line += *counted == '\n';
        if (g->nlocs == cap) {
            cap = cap ? cap * 2 : 1024;
            struct wloc *l = realloc(g->locs, cap * sizeof *l);
            if (l == NULL)
                return imp_fail(b, 0, "out of memory");
            g->locs = l;
        }
        g->locs[g->nlocs++] = (struct wloc){ q + 1, (size_t)(close - q - 1), line };
        p = close + 1;
    }
    if (g->nlocs > 1)
        qsort(g->locs, g->nlocs, sizeof *g->locs, cmp_loc);
    return 0;
}

/* Line of the nth (0: first) `"key": "value"` of the indexed key; 0 if there are fewer. */
static uint64_t line_nth(const struct wgraph *g, const char *value, size_t nth)
{
    struct wloc want = { value, strlen(value), 0 };
    size_t lo = 0, hi = g->nlocs;
    while (lo < hi) {   /* the first entry not below (value, any position) */
        size_t mid = lo + (hi - lo) / 2;
        const struct wloc *m = &g->locs[mid];
        int c = memcmp(m->v, want.v, m->len < want.len ? m->len : want.len);
        if (c == 0 && m->len != want.len)
            c = m->len < want.len ? -1 : 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    lo += nth;
    if (lo >= g->nlocs || g->locs[lo].len != want.len
        || memcmp(g->locs[lo].v, value, want.len) != 0)
        return 0;
    return g->locs[lo].line;
}

static const cJSON *path_get(const cJSON *o, const char *a, const char *b, const char *c)
{
    o = cJSON_GetObjectItemCaseSensitive(o, a);
    if (o != NULL && b != NULL)
        o = cJSON_GetObjectItemCaseSensitive(o, b);
    if (o != NULL && c != NULL)
        o = cJSON_GetObjectItemCaseSensitive(o, c);
    return o;
}

static int cmp_key(const void *a, const void *b, void *ctx)
{
    const char *const *k = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int c = strcmp(k[x], k[y]);
    return c != 0 ? c : (x < y ? -1 : x > y);
}

/* Index the reference names: ids (1.5), or names and then ids (1.4). */
static int index_keys(struct imp_builder *b, struct wgraph *g)
{
    uint32_t cap = g->n * 2 + 1, m = 0;
    const char **k = malloc(cap * sizeof *k);
    uint32_t *ti = malloc(cap * sizeof *ti), *ord = malloc(cap * sizeof *ord);
    g->keys = malloc(cap * sizeof *g->keys);
    g->keyidx = malloc(cap * sizeof *g->keyidx);
    if (k == NULL || ti == NULL || ord == NULL || g->keys == NULL || g->keyidx == NULL) {
        free(k), free(ti), free(ord);
        return imp_fail(b, 0, "out of memory");
    }
    for (uint32_t i = 0; i < g->n; i++) {
        k[m] = g->t[i].id, ti[m++] = i;
        const cJSON *alt = cJSON_GetObjectItemCaseSensitive(g->t[i].spec, "id");
        if (g->v14 && cJSON_IsString(alt) && strcmp(alt->valuestring, g->t[i].id) != 0)
            k[m] = alt->valuestring, ti[m++] = i;
    }
    for (uint32_t i = 0; i < m; i++)
        ord[i] = i;
    qsort_r(ord, m, sizeof *ord, cmp_key, k);
    int rc = 0;
    for (uint32_t i = 0; i < m; i++) {
        if (i > 0 && strcmp(k[ord[i]], k[ord[i - 1]]) == 0) {
            if (ti[ord[i]] == ti[ord[i - 1]])
                continue;
            if (ord[i] < g->n || !g->v14) {   /* a primary name used twice */
                rc = imp_fail(b, g->t[ti[ord[i]]].line, "tasks: two tasks are named '%s'",
                              k[ord[i]]);
                break;
            }
            continue;   /* a 1.4 id equal to another task's name: the name wins */
        }
        g->keys[g->nkeys] = k[ord[i]];
        g->keyidx[g->nkeys++] = ti[ord[i]];
    }
    free(k), free(ti), free(ord);
    return rc;
}

static long find_task(const struct wgraph *g, const char *name)
{
    uint32_t lo = 0, hi = g->nkeys;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(g->keys[mid], name);
        if (c == 0)
            return g->keyidx[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int add_edge(struct imp_builder *b, struct wgraph *g, uint32_t p, uint32_t c, uint8_t by)
{
    if (g->nedges == g->capedges) {
        size_t cap = g->capedges ? g->capedges * 2 : 1024;
        struct wedge *e = realloc(g->edges, cap * sizeof *e);
        if (e == NULL)
            return imp_fail(b, 0, "out of memory");
        g->edges = e;
        g->capedges = cap;
    }
    g->edges[g->nedges++] = (struct wedge){ p, c, by };
    return 0;
}

/* Edges named by task i's list `field` ("parents" or "children"). */
static int list_edges(struct imp_builder *b, struct wgraph *g, uint32_t i, const char *field)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(g->t[i].spec, field);
    if (list == NULL)
        return 0;
    if (!cJSON_IsArray(list))
        return imp_fail(b, g->t[i].line, "tasks[%" PRIu32 "] '%s': %s: not an array", i,
                        g->t[i].id, field);
    uint32_t k = 0;
    for (const cJSON *e = list->child; e != NULL; e = e->next, k++) {
        long j = cJSON_IsString(e) ? find_task(g, e->valuestring) : -2;
        if (j < 0)
            return imp_fail(b, g->t[i].line, "tasks[%" PRIu32 "] '%s': %s[%" PRIu32 "]: %s%s%s",
                            i, g->t[i].id, field, k, j == -2 ? "not a string" : "no task '",
                            j == -2 ? "" : e->valuestring, j == -2 ? "" : "' in the workflow");
        bool parents = field[0] == 'p';
        if (add_edge(b, g, parents ? (uint32_t)j : i, parents ? i : (uint32_t)j,
                     parents ? 1 : 2) != 0)
            return -1;
    }
    return 0;
}

static int cmp_edge(const void *a, const void *b)
{
    const struct wedge *x = a, *y = b;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    return x->c < y->c ? -1 : x->c > y->c;
}

/* The union of both lists as per-task parent and child arrays. */
static int build_edges(struct imp_builder *b, struct wgraph *g)
{
    for (uint32_t i = 0; i < g->n; i++)
        if (list_edges(b, g, i, "parents") || list_edges(b, g, i, "children"))
            return -1;
    if (g->nedges > 1)   /* edges is NULL when there are none (qsort wants non-NULL) */
        qsort(g->edges, g->nedges, sizeof *g->edges, cmp_edge);
    size_t m = 0, one_sided = 0;
    for (size_t i = 0; i < g->nedges; i++) {
        if (m > 0 && g->edges[m - 1].p == g->edges[i].p && g->edges[m - 1].c == g->edges[i].c)
            g->edges[m - 1].by |= g->edges[i].by;
        else
            g->edges[m++] = g->edges[i];
    }
    g->nedges = m;
    for (size_t i = 0; i < m; i++)
        one_sided += g->edges[i].by != 3;
    imp_note(b, "one_sided_edges", "dependencies listed only in parents[] or only in "
             "children[]: taken", one_sided);
    g->par = malloc((m + 1) * sizeof *g->par);
    g->chl = malloc((m + 1) * sizeof *g->chl);
    if (g->par == NULL || g->chl == NULL)
        return imp_fail(b, 0, "out of memory");
    for (size_t i = 0; i < m; i++) {
        g->t[g->edges[i].p].nchild++;
        g->t[g->edges[i].c].npar++;
    }
    uint32_t ap = 0, ac = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        g->t[i].firstp = ap, ap += g->t[i].npar, g->t[i].npar = 0;
        g->t[i].firstc = ac, ac += g->t[i].nchild, g->t[i].nchild = 0;
    }
    for (size_t i = 0; i < m; i++) {
        struct wtask *p = &g->t[g->edges[i].p], *c = &g->t[g->edges[i].c];
        g->chl[p->firstc + p->nchild++] = g->edges[i].c;
        g->par[c->firstp + c->npar++] = g->edges[i].p;
    }
    return 0;
}

/* A number field of o as seconds -> ns, at most 2^53 ns (absent: *present false). */
static int seconds(struct imp_builder *b, const struct wtask *t, const cJSON *o, const char *key,
                   uint64_t *ns, bool *present)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *present = v != NULL;
    if (v == NULL)
        return 0;
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0))
        return imp_fail(b, t->line, "task '%s': %s: want a number of seconds >= 0, not %s",
                        t->id, key, cJSON_IsNumber(v) ? "a negative one" : "a non-number");
    double d = v->valuedouble * 1e9;
    if (!(d <= (double)SIM_TRACE_MAX_TIME_NS))
        return imp_fail(b, t->line, "task '%s': %s: %g s is beyond the limit of 2^53 ns (about "
                        "104 days)", t->id, key, v->valuedouble);
    *ns = (uint64_t)llround(d);
    return 0;
}

static int core_count(struct imp_builder *b, struct wtask *t, const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    t->cores = 1;
    if (v == NULL)
        return 0;
    if (!cJSON_IsNumber(v) || !(v->valuedouble > 0) || v->valuedouble > 4096)
        return imp_fail(b, t->line, "task '%s': %s: want a core count in (0, 4096]", t->id, key);
    t->cores = (uint32_t)ceil(v->valuedouble);
    if ((double)t->cores != v->valuedouble)
        imp_note(b, "fractional_cores", "fractional core counts: rounded up", 1);
    return 0;
}

/* Count the recorded fields the model has no place for. */
static void note_unmapped(struct imp_builder *b, const cJSON *spec, const cJSON *exec)
{
    static const struct { const char *field, *key, *what; } u[] = {
        { "inputFiles", "files", "tasks with input/output files: data transfer not modelled" },
        { "outputFiles", "files", "tasks with input/output files: data transfer not modelled" },
        { "files", "files", "tasks with input/output files: data transfer not modelled" },
        { "machines", "machines", "tasks with a recorded machine: placement left to the "
          "scheduler" },
        { "machine", "machines", "tasks with a recorded machine: placement left to the "
          "scheduler" },
        { "avgCPU", "avg_cpu", "tasks with avgCPU: ignored, the runtime is taken as busy time" },
        { "memoryInBytes", "memory", "tasks with memoryInBytes: not mapped" },
        { "readBytes", "io_bytes", "tasks with read/written byte counts: I/O not modelled" },
        { "writtenBytes", "io_bytes", "tasks with read/written byte counts: I/O not modelled" },
        { "energyInKWh", "energy", "tasks with energy or power figures: not mapped" },
        { "avgPowerInW", "energy", "tasks with energy or power figures: not mapped" },
        { "priority", "wms_priority", "tasks with a workflow-manager priority: not mapped" },
    };
    const char *seen[sizeof u / sizeof u[0]];
    size_t nseen = 0;
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, u[i].field);
        if (v == NULL && exec != NULL)
            v = cJSON_GetObjectItemCaseSensitive(exec, u[i].field);
        if (v == NULL || (cJSON_IsArray(v) && v->child == NULL))
            continue;
        bool dup = false;
        for (size_t k = 0; k < nseen; k++)
            dup = dup || strcmp(seen[k], u[i].key) == 0;
        if (!dup) {
            seen[nseen++] = u[i].key;
            imp_note(b, u[i].key, u[i].what, 1);
        }
    }
}

/* The error for task t's second execution record, workflow.execution.tasks[k]: at the line of
 * that record when it can be told (the third `"id": "ID"`, after the specification's and the
 * first record's), else at the task's. */
static int dup_exec(struct imp_builder *b, const struct wgraph *g, const struct wtask *t,
                    uint32_t k)
{
    uint64_t line = line_nth(g, t->id, 2);
    return imp_fail(b, line ? line : t->line, "workflow.execution.tasks[%" PRIu32 "]: task '%s' "
                    "has a second execution record (the first is workflow.execution.tasks[%"
                    PRIu32 "]): which runtime to use is ambiguous", k, t->id, t->exec_rec - 1);
}

/* Runtimes and core counts from workflow.execution.tasks[] (1.5). */
static int exec_15(struct imp_builder *b, struct wgraph *g, const cJSON *root)
{
    const cJSON *ex = path_get(root, "workflow", "execution", "tasks");
    if (ex != NULL && !cJSON_IsArray(ex))
        return imp_fail(b, 1, "workflow.execution.tasks: not an array");
    uint32_t k = 0;
    for (const cJSON *e = ex ? ex->child : NULL; e != NULL; e = e->next, k++) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
        if (!cJSON_IsString(id))
            return imp_fail(b, 1, "workflow.execution.tasks[%" PRIu32 "]: id: missing or not a "
                            "string", k);
        long i = find_task(g, id->valuestring);
        if (i < 0) {
            imp_note(b, "orphan_executions", "execution records of tasks not in the "
                     "specification: ignored", 1);
            continue;
        }
        struct wtask *t = &g->t[i];
        if (t->exec_rec > 0)   /* two measurements of one task: which is meant is unknowable */
            return dup_exec(b, g, t, k);
        t->exec_rec = k + 1;
        if (seconds(b, t, e, "runtimeInSeconds", &t->runtime_ns, &t->has_runtime)
            || core_count(b, t, e, "coreCount"))
            return -1;
        note_unmapped(b, t->spec, e);
    }
    return 0;
}

/* The task list, with runtimes for 1.4. */
static int load_tasks(struct imp_builder *b, struct wgraph *g, const cJSON *root)
{
    const cJSON *tasks = g->v14 ? path_get(root, "workflow", "tasks", NULL)
                                : path_get(root, "workflow", "specification", "tasks");
    const char *where = g->v14 ? "workflow.tasks" : "workflow.specification.tasks";
    if (!cJSON_IsArray(tasks))
        return imp_fail(b, 1, "%s: missing or not an array", where);
    g->n = (uint32_t)cJSON_GetArraySize(tasks);
    g->t = calloc(g->n + 1, sizeof *g->t);
    if (g->t == NULL)
        return imp_fail(b, 0, "out of memory");
    const char *key = g->v14 ? "name" : "id";
    if (index_lines(b, g, key) != 0)
        return -1;
    uint32_t i = 0;
    for (const cJSON *e = tasks->child; e != NULL; e = e->next, i++) {
        struct wtask *t = &g->t[i];
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, key);
        if (!cJSON_IsObject(e) || !cJSON_IsString(id))
            return imp_fail(b, 1, "%s[%" PRIu32 "]: %s: missing or not a string", where, i, key);
        uint64_t ln = line_nth(g, id->valuestring, 0);
        *t = (struct wtask){ .spec = e, .id = id->valuestring, .cores = 1, .line = ln ? ln : 1 };
        if (g->v14) {
            if (seconds(b, t, e, "runtimeInSeconds", &t->runtime_ns, &t->has_runtime)
                || core_count(b, t, e, "cores"))
                return -1;
            note_unmapped(b, e, NULL);
        }
    }
    return 0;
}

static uint64_t task_name(const void *ctx, uint32_t i, char *buf, size_t len)
{
    const struct wtask *t = &((const struct wgraph *)ctx)->t[i];
    snprintf(buf, len, "'%.60s'", t->id);
    return t->line;
}

/* Kahn's order (ready tasks in file order); a cycle is an error naming its tasks. */
static int topo(struct imp_builder *b, struct wgraph *g, uint32_t *order)
{
    struct sim_dag_edge *e = malloc((g->nedges + 1) * sizeof *e);
    if (e == NULL)
        return imp_fail(b, 0, "out of memory");
    for (size_t k = 0; k < g->nedges; k++)
        e[k] = (struct sim_dag_edge){ .from = g->edges[k].p, .to = g->edges[k].c };
    int rc = imp_dag_order(b, g->n, e, g->nedges, 0, order, "workflow", task_name, g);
    free(e);
    return rc;
}

static int phase(struct imp_builder *b, long idx, unsigned kind, uint64_t arg)
{
    return idx < 0 ? -1 : imp_phase_add(b, (size_t)idx, kind, arg);
}

/* The processes of task t (see the essay above). */
static int emit_task(struct imp_builder *b, const struct wgraph *g, const struct wtask *t,
                     uint32_t mc)
{
    uint32_t helpers = mc == SIM_IMPORT_MC_SPLIT ? t->cores - 1 : 0;
    uint64_t run = mc == SIM_IMPORT_MC_SPLIT ? t->runtime_ns : t->runtime_ns * t->cores;
    long h = imp_proc_add(b, t->pid, SIM_TRACE_NO_PARENT, 0, t->line);
    int rc = h < 0 ? -1 : 0;
    for (uint32_t k = 0; rc == 0 && k < t->npar; k++)
        rc = phase(b, h, SIM_PHASE_RECV, 0);
    for (uint32_t k = 1; rc == 0 && k <= helpers; k++)
        rc = phase(b, h, SIM_PHASE_SEND, t->pid + k);
    if (rc == 0 && run > 0)
        rc = phase(b, h, SIM_PHASE_RUN, run);
    for (uint32_t k = 0; rc == 0 && k < helpers; k++)
        rc = phase(b, h, SIM_PHASE_RECV, 0);
    for (uint32_t k = 0; rc == 0 && k < t->nchild; k++)
        rc = phase(b, h, SIM_PHASE_SEND, g->t[g->chl[t->firstc + k]].pid);
    for (uint32_t k = 1; rc == 0 && k <= helpers; k++) {
        long x = imp_proc_add(b, t->pid + k, SIM_TRACE_NO_PARENT, 0, t->line);
        rc = phase(b, x, SIM_PHASE_RECV, 0);
        if (rc == 0 && run > 0)
            rc = phase(b, x, SIM_PHASE_RUN, run);
        if (rc == 0)
            rc = phase(b, x, SIM_PHASE_SEND, t->pid);
    }
    return rc;
}

static int emit(struct imp_builder *b, struct wgraph *g, const uint32_t *order, uint32_t mc)
{
    uint64_t next = 0;
    for (uint32_t k = 0; k < g->n; k++) {
        struct wtask *t = &g->t[order[k]];
        t->pid = next;
        next += mc == SIM_IMPORT_MC_SPLIT ? t->cores : 1;
        if (mc == SIM_IMPORT_MC_SERIAL && t->runtime_ns > SIM_TRACE_MAX_TIME_NS / t->cores)
            return imp_fail(b, t->line, "task '%s': runtimeInSeconds x %" PRIu32 " cores "
                            "(multicore=serial) is beyond the limit of 2^53 ns (about 104 days)",
                            t->id, t->cores);
        if (!t->has_runtime)
            imp_note(b, "no_runtime", "tasks without a recorded runtime: no work", 1);
        else if (t->runtime_ns == 0)
            imp_note(b, "zero_runtime", "tasks of runtime 0: kept, without a run phase", 1);
        if (t->cores > 1)
            imp_note(b, mc == SIM_IMPORT_MC_SPLIT ? "multicore_split" : "multicore_serial",
                     mc == SIM_IMPORT_MC_SPLIT ? "multi-core tasks: one process per core"
                                               : "multi-core tasks: one process, cores x "
                                                 "runtime",
                     1);
    }
    for (uint32_t k = 0; k < g->n; k++)
        if (emit_task(b, g, &g->t[order[k]], mc) != 0)
            return -1;
    return 0;
}

/* "FILE:LINE: column C: malformed JSON" for where cJSON stopped. */
static int json_error(struct imp_builder *b, const char *text, size_t len, const char *at)
{
    if (at == NULL || at < text || at > text + len)
        at = text + len;
    uint64_t line = 1, col = 1;
    for (const char *c = text; c < at; c++) {
        col++;
        if (*c == '\n')
            line++, col = 1;
    }
    const char *last = text + len;   /* a whole document ends with its closing brace */
    while (last > text && strchr(" \t\r\n", last[-1]) != NULL)
        last--;
    return imp_fail(b, line, "column %" PRIu64 ": malformed JSON%s", col,
                    last == text || last[-1] != '}' ? " (the file ends early: truncated?)" : "");
}

static int parse_version(struct imp_builder *b, struct wgraph *g, const cJSON *root)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "schemaVersion");
    if (!cJSON_IsString(v))
        return imp_fail(b, 1, "schemaVersion: missing or not a string (is this WfFormat?)");
    if (strcmp(v->valuestring, "1.4") == 0)
        g->v14 = true;
    else if (strcmp(v->valuestring, "1.5") != 0 && strcmp(v->valuestring, "1.6") != 0)
        return imp_fail(b, line_of(g->text, "schemaVersion", v->valuestring),
                        "schemaVersion: '%s' is not supported (1.4, 1.5, 1.6)", v->valuestring);
    return 0;
}

int sim_import_wfcommons(struct imp_builder *b, const struct sim_import_opts *o)
{
    size_t len;
    char *text = imp_read_text(b, SIM_IMPORT_WF_MAX_BYTES, &len);
    if (text == NULL)
        return -1;
    struct wgraph g = { .text = text, .len = len };
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    uint32_t *order = NULL;
    int rc;
    if (root == NULL)
        rc = json_error(b, text, len, end != NULL ? end : cJSON_GetErrorPtr());
    else if (!cJSON_IsObject(root))
        rc = imp_fail(b, 1, "not a JSON object (is this WfFormat?)");
    else
        rc = parse_version(b, &g, root);
    if (rc == 0)
        rc = load_tasks(b, &g, root);
    if (rc == 0)
        rc = index_keys(b, &g);
    if (rc == 0 && !g.v14)
        rc = exec_15(b, &g, root);
    if (rc == 0)
        rc = build_edges(b, &g);
    if (rc == 0 && (order = malloc((g.n + 1) * sizeof *order)) == NULL)
        rc = imp_fail(b, 0, "out of memory");
    if (rc == 0)
        rc = topo(b, &g, order);
    if (rc == 0)
        rc = emit(b, &g, order, o->multicore);
    free(order);
    free(g.t);
    free(g.locs);
    free(g.keys);
    free(g.keyidx);
    free(g.edges);
    free(g.par);
    free(g.chl);
    cJSON_Delete(root);
    free(text);
    return rc;
}
