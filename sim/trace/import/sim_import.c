/* sim_import.c: the importers' common half: import specs and format sniffing, the in-memory
 * trace builder, the source it turns into, and the report of what was dropped. */
#include "sim/trace/import/sim_import_int.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const format_names[SIM_IMPORT_FORMATS] = { "stg", "wfcommons", "ftrace",
                                                              "perf", "beam" };

const char *sim_import_format_name(enum sim_import_format f)
{
    return (unsigned)f < SIM_IMPORT_FORMATS ? format_names[f] : "?";
}

int sim_import_format_parse(const char *name)
{
    for (int i = 0; i < SIM_IMPORT_FORMATS; i++)
        if (strcmp(name, format_names[i]) == 0)
            return i;
    if (strcmp(name, "wf") == 0)
        return SIM_IMPORT_WFCOMMONS;
    return -1;
}

void sim_import_opts_defaults(struct sim_import_opts *o)
{
    o->unit_ns = 1000;
    o->multicore = SIM_IMPORT_MC_SPLIT;
}

/* ---- the builder --------------------------------------------------------------------------- */

int imp_init(struct imp_builder *b, enum sim_import_format f, const char *path, char *err,
             size_t errlen)
{
    memset(b, 0, sizeof *b);
    b->path = path;
    b->err = err;
    b->errlen = errlen;
    b->rep.format = f;
    if (sim_idmap_init(&b->index, 64) != 0) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    return 0;
}

void imp_free(struct imp_builder *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->p[i].ph);
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
    sim_idmap_destroy(&b->index);
}

int imp_fail(struct imp_builder *b, uint64_t line, const char *fmt, ...)
{
    if (b->failed)
        return -1;
    b->failed = true;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0)
        snprintf(b->err, b->errlen, "%s:%" PRIu64 ": %s", b->path, line, msg);
    else
        snprintf(b->err, b->errlen, "%s: %s", b->path, msg);
    return -1;
}

long imp_proc_add(struct imp_builder *b, uint64_t id, uint64_t parent, uint64_t spawn_ns,
                  uint64_t line)
{
    if (id > SIM_TRACE_MAX_INT)
        return imp_fail(b, line, "process id %" PRIu64 " is beyond 2^53 - 1 (JSON numbers are "
                        "exact integers only below 2^53)", id);
    if (spawn_ns > SIM_TRACE_MAX_TIME_NS)
        return imp_fail(b, line, "process %" PRIu64 ": spawn time %" PRIu64 " ns is beyond the "
                        "limit of 2^53 ns (about 104 days)", id, spawn_ns);
    uint64_t old;
    if (sim_idmap_get(&b->index, id, &old))
        return imp_fail(b, line, "duplicate process id %" PRIu64 " (first from line %" PRIu64
                        ")", id, b->p[old].line);
    if (b->n == b->cap) {
        size_t c = b->cap ? b->cap * 2 : 256;
        struct imp_proc *p = realloc(b->p, c * sizeof *p);
        if (p == NULL)
            return imp_fail(b, line, "out of memory");
        b->p = p;
        b->cap = c;
    }
    if (sim_idmap_put(&b->index, id, b->n) != 0)
        return imp_fail(b, line, "out of memory");
    b->p[b->n] = (struct imp_proc){ .id = id, .parent = parent, .spawn_ns = spawn_ns,
                                    .line = line, .prio = SIM_PRIO_NORMAL };
    return (long)b->n++;
}

long imp_proc_find(const struct imp_builder *b, uint64_t id)
{
    uint64_t v;
    return sim_idmap_get(&b->index, id, &v) ? (long)v : -1;
}

int imp_phase_add(struct imp_builder *b, size_t idx, unsigned kind, uint64_t arg)
{
    struct imp_proc *p = &b->p[idx];
    if (p->nph == SIM_TRACE_MAX_PHASES)   /* what a trace file may hold (traces/FORMAT.md) */
        return imp_fail(b, p->line, "process %" PRIu64 ": more than %" PRIu32 " phases (the "
                        "limit of one process)", p->id, SIM_TRACE_MAX_PHASES);
    if (p->nph == p->cap) {
        uint32_t c = p->cap ? (p->cap >= SIM_TRACE_MAX_PHASES / 2 ? SIM_TRACE_MAX_PHASES
                                                                   : p->cap * 2) : 4;
        struct sim_trace_phase *ph = realloc(p->ph, (size_t)c * sizeof *ph);
        if (ph == NULL)
            return imp_fail(b, p->line, "out of memory");
        p->ph = ph;
        p->cap = c;
    }
    p->ph[p->nph++] = (struct sim_trace_phase){ .arg = arg, .kind = (uint8_t)kind };
    return 0;
}

void imp_note(struct imp_builder *b, const char *key, const char *what, uint64_t n)
{
    struct sim_import_report *r = &b->rep;
    if (n == 0)
        return;
    for (uint32_t i = 0; i < r->nnotes; i++) {
        if (strcmp(r->notes[i].key, key) == 0) {
            r->notes[i].count += n;
            return;
        }
    }
    if (r->nnotes < SIM_IMPORT_NOTES_MAX)
        r->notes[r->nnotes++] = (struct sim_import_note){ key, what, n };
}

char *imp_read_file(struct imp_builder *b, size_t *len)
{
    FILE *f = fopen(b->path, "rb");
    if (f == NULL) {
        imp_fail(b, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *nb = cap > SIZE_MAX / 4 ? NULL : realloc(buf, cap * 2 + 1);
        if (nb == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int e = ferror(f) ? errno : 0;
    fclose(f);
    if (buf == NULL) {
        imp_fail(b, 0, "out of memory reading the file");
        return NULL;
    }
    if (e != 0) {
        free(buf);
        imp_fail(b, 0, "cannot read: %s", strerror(e));
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

char *imp_read_text(struct imp_builder *b, size_t max, size_t *len)
{
    FILE *f = fopen(b->path, "rb");
    if (f == NULL) {
        imp_fail(b, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
        fclose(f);
        imp_fail(b, 0, "file of %" PRIu64 " bytes: larger than the limit of %zu bytes for "
                 "this format (see traces/IMPORT.md)", (uint64_t)st.st_size, max);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0, got = 0;
    char *buf = malloc(cap + 1);
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        if (memchr(buf + n, '\0', got) != NULL)
            break;
        n += got;
        if (n > max)
            break;
        if (n == cap) {
            char *nb = realloc(buf, cap * 2 + 1);
            if (nb == NULL)
                free(buf);
            buf = nb;
            cap *= 2;
        }
    }
    int e = ferror(f) ? errno : 0;
    fclose(f);
    if (buf == NULL || e != 0 || n > max || got > 0) {
        if (buf == NULL)
            imp_fail(b, 0, "out of memory reading the file");
        else if (e != 0)
            imp_fail(b, 0, "cannot read: %s", strerror(e));
        else if (n > max)
            imp_fail(b, 0, "larger than the limit of %zu bytes for this format (see "
                     "traces/IMPORT.md)", max);
        else
            imp_fail(b, 0, "a NUL byte within the first %zu bytes: not a text file",
                     n + got);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int imp_check_complete(struct imp_builder *b, const char *text, size_t len, uint64_t line)
{
    if (len == 0 || text[len - 1] == '\n')
        return 0;
    return imp_fail(b, line, "the file ends in the middle of this line (truncated? a complete "
                    "file ends with a newline)");
}

/* ---- the source ---------------------------------------------------------------------------- */

struct imp_source {
    struct sim_trace head;
    struct imp_builder b;
    size_t *roots;                  /* indexes of roots in injection order */
    size_t nroots, next;
    struct sim_trace_rec **live;    /* per process: its record while handed out */
    uint8_t *given;                 /* per process: handed out already */
    struct sim_import_report rep;
};

static struct sim_trace_rec *make_rec(struct imp_source *s, size_t idx, uint32_t depth)
{
    const struct imp_proc *p = &s->b.p[idx];
    struct sim_trace_rec *r = sim_trace_rec_new(p->nph, 0);
    if (r == NULL)
        return NULL;
    r->id = p->id;
    r->parent = p->parent;
    r->spawn_ns = p->parent == SIM_TRACE_NO_PARENT ? p->spawn_ns : 0;
    r->ws_bytes = p->ws_bytes;
    r->prio = p->prio;
    r->depth = depth;
    r->line = p->line;
    r->gen[0] = idx;
    if (p->nph > 0)
        memcpy(sim_trace_rec_phases(r), p->ph, (size_t)p->nph * sizeof *p->ph);
    s->live[idx] = r;
    s->given[idx] = 1;
    return r;
}

static int src_next_root(struct sim_trace *t, struct sim_trace_rec **out)
{
    struct imp_source *s = (struct imp_source *)t;
    if (t->failed)
        return SIM_TRACE_ERROR;
    if (s->next == s->nroots)
        return SIM_TRACE_END;
    *out = make_rec(s, s->roots[s->next], 0);
    if (*out == NULL)
        return sim_trace_fail(t, "%s: out of memory", s->b.path);
    s->next++;
    return SIM_TRACE_OK;
}

static int src_child(struct sim_trace *t, const struct sim_trace_rec *parent, uint64_t child_id,
                     struct sim_trace_rec **out)
{
    struct imp_source *s = (struct imp_source *)t;
    if (t->failed)
        return SIM_TRACE_ERROR;
    long idx = imp_proc_find(&s->b, child_id);
    if (idx < 0 || s->b.p[idx].parent != parent->id)
        return sim_trace_fail(t, "%s: process %" PRIu64 " is not a child of %" PRIu64,
                              s->b.path, child_id, parent->id);
    if (s->given[idx])
        return sim_trace_fail(t, "%s: process %" PRIu64 " asked for twice", s->b.path,
                              child_id);
    *out = make_rec(s, (size_t)idx, parent->depth + 1);
    if (*out == NULL)
        return sim_trace_fail(t, "%s: out of memory", s->b.path);
    return SIM_TRACE_OK;
}

static void src_release(struct sim_trace *t, struct sim_trace_rec *rec)
{
    struct imp_source *s = (struct imp_source *)t;
    s->live[rec->gen[0]] = NULL;
    sim_trace_rec_free(rec);
}

static void src_close(struct sim_trace *t)
{
    struct imp_source *s = (struct imp_source *)t;
    for (size_t i = 0; s->live != NULL && i < s->b.n; i++)
        sim_trace_rec_free(s->live[i]);
    free(s->live);
    free(s->given);
    free(s->roots);
    imp_free(&s->b);
    free(s);
}

static const struct sim_trace_ops imp_ops = {
    .next_root = src_next_root,
    .child = src_child,
    .release = src_release,
    .close = src_close,
};

const struct sim_import_report *sim_import_report(const struct sim_trace *t)
{
    return t != NULL && t->ops == &imp_ops ? &((const struct imp_source *)t)->rep : NULL;
}

/* Check phases and spawn links, count what the report shows. 0 or -1 (error set). */
static int check_links(struct imp_builder *b, uint32_t *spawned)
{
    for (size_t i = 0; i < b->n; i++) {
        const struct imp_proc *p = &b->p[i];
        for (uint32_t k = 0; k < p->nph; k++) {
            const struct sim_trace_phase *ph = &p->ph[k];
            bool time = ph->kind == SIM_PHASE_RUN || ph->kind == SIM_PHASE_WAIT;
            if (ph->arg > (time ? SIM_TRACE_MAX_TIME_NS : SIM_TRACE_MAX_INT))
                return imp_fail(b, p->line, "process %" PRIu64 ": phase %" PRIu32 " argument %"
                                PRIu64 " is beyond %s", p->id, k, ph->arg,
                                time ? "the limit of 2^53 ns (about 104 days)"
                                     : "2^53 - 1 (the largest id)");
            if (ph->kind == SIM_PHASE_RUN)
                b->rep.total_work_ns += ph->arg;
            else if (ph->kind == SIM_PHASE_SEND)
                b->rep.messages++;
            if (ph->kind != SIM_PHASE_SPAWN)
                continue;
            b->rep.spawns++;
            long c = imp_proc_find(b, ph->arg);
            if (c < 0 || b->p[c].parent != p->id || spawned[c]++ > 0)
                return imp_fail(b, p->line, "process %" PRIu64 " spawns %" PRIu64
                                ", which is missing, has another parent or is spawned twice",
                                p->id, ph->arg);
        }
    }
    for (size_t i = 0; i < b->n; i++)
        if (b->p[i].parent != SIM_TRACE_NO_PARENT && spawned[i] == 0)
            return imp_fail(b, b->p[i].line, "process %" PRIu64 " names parent %" PRIu64
                            ", which never spawns it", b->p[i].id, b->p[i].parent);
    b->rep.processes = b->n;
    return 0;
}

static int cmp_root(const void *a, const void *b, void *ctx)
{
    const struct imp_proc *p = ctx;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    if (p[x].spawn_ns != p[y].spawn_ns)
        return p[x].spawn_ns < p[y].spawn_ns ? -1 : 1;
    return x < y ? -1 : x > y;
}

struct sim_trace *imp_build(struct imp_builder *b, const char *name, const char *canonical,
                            const char *checksum)
{
    struct imp_source *s = calloc(1, sizeof *s);
    uint32_t *spawned = calloc(b->n + 1, sizeof *spawned);
    if (s != NULL) {
        s->live = calloc(b->n + 1, sizeof *s->live);
        s->given = calloc(b->n + 1, 1);
        s->roots = malloc((b->n + 1) * sizeof *s->roots);
    }
    if (s == NULL || spawned == NULL || s->live == NULL || s->given == NULL || s->roots == NULL)
        imp_fail(b, 0, "out of memory");
    else
        check_links(b, spawned);
    free(spawned);
    if (b->failed) {
        if (s != NULL) {
            free(s->live);
            free(s->given);
            free(s->roots);
            free(s);
        }
        imp_free(b);
        return NULL;
    }
    for (size_t i = 0; i < b->n; i++)
        if (b->p[i].parent == SIM_TRACE_NO_PARENT)
            s->roots[s->nroots++] = i;
    qsort_r(s->roots, s->nroots, sizeof *s->roots, cmp_root, b->p);
    s->b = *b;
    s->b.err = NULL;   /* the caller's buffer is theirs again; sources report via head.err */
    s->b.errlen = 0;
    s->rep = b->rep;
    sim_trace_init_head(&s->head, &imp_ops, sim_import_format_name(b->rep.format));
    snprintf(s->head.info.canonical, sizeof s->head.info.canonical, "%s", canonical);
    snprintf(s->head.info.name, sizeof s->head.info.name, "%s", name);
    snprintf(s->head.checksum, sizeof s->head.checksum, "%s", checksum);
    s->head.info.roots = s->nroots;
    s->head.info.processes = b->n;
    return &s->head;
}

/* ---- specs, sniffing, opening --------------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The format prefix of an import spec ("stg:..."), or -1. */
static int spec_format(const char *trace, size_t *skip)
{
    const char *colon = strchr(trace, ':');
    if (colon == NULL || colon == trace || (size_t)(colon - trace) >= 16)
        return -1;
    char name[16];
    memcpy(name, trace, (size_t)(colon - trace));
    name[colon - trace] = '\0';
    *skip = (size_t)(colon - trace) + 1;
    return sim_import_format_parse(name);
}

/* Is line (NUL-terminated, no newline) all blanks and integers, and how many? */
static int count_ints(const char *line)
{
    int n = 0;
    const char *s = line;
    while (*s) {
        while (*s == ' ' || *s == '\t' || *s == '\r')
            s++;
        if (*s == '\0')
            break;
        if (*s < '0' || *s > '9')
            return -1;
        while (*s >= '0' && *s <= '9')
            s++;
        n++;
    }
    return n;
}

/* Classify the text in buf (the first bytes of a file); -1 when it is no format we import. */
static int sniff_text(char *buf)
{
    const char *s = buf;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    if (strncmp(s, "schedlab-beam ", 14) == 0)
        return SIM_IMPORT_BEAM;
    if (*s == '{') {
        const char *nl = strchr(s, '\n');
        size_t first = nl ? (size_t)(nl - s) : strlen(s);
        if (memmem(s, first, "\"schedlab-trace\"", 16) != NULL)
            return -1;
        return strstr(s, "\"schemaVersion\"") != NULL && strstr(s, "\"workflow\"") != NULL
                   ? SIM_IMPORT_WFCOMMONS : -1;
    }
    int seen = 0, stg_head = 0;
    for (char *line = buf; line != NULL && seen < 64;) {
        char *nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = '\0';
        const char *t = line + strspn(line, " \t\r");
        if (*t != '\0' && *t != '#') {
            enum sim_import_format f;
            int ints = count_ints(t);
            if (seen == 0 && ints == 1)
                stg_head = 1;
            else if (seen == 1 && stg_head && ints == 3)
                return SIM_IMPORT_STG;
            else if (sim_import_sched_sniff(t, &f))
                return (int)f;
            seen++;
        }
        line = nl != NULL ? nl + 1 : NULL;
    }
    return -1;
}

static int sniff_file(const char *path)
{
    if (ends_with(path, ".stg"))
        return SIM_IMPORT_STG;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    enum { SNIFF = 1 << 16 };
    char *buf = malloc(SNIFF + 1);
    int fmt = -1;
    if (buf != NULL) {
        size_t n = fread(buf, 1, SNIFF, f);
        buf[n] = '\0';
        if (memchr(buf, '\0', n) == NULL)   /* binary files (perf.data, trace.dat) are not text */
            fmt = sniff_text(buf);
    }
    free(buf);
    fclose(f);
    return fmt;
}

bool sim_import_claims(const char *trace)
{
    size_t skip;
    if (spec_format(trace, &skip) >= 0)
        return true;
    if (ends_with(trace, ".jsonl"))
        return false;
    return sniff_file(trace) >= 0;
}

/* Peel ",key=value" options the format knows off the end of spec (modified in place). */
static int parse_options(char *spec, enum sim_import_format f, struct sim_import_opts *o,
                         char *err, size_t errlen)
{
    char *comma;
    while ((comma = strrchr(spec, ',')) != NULL) {
        char *kv = comma + 1, *eq = strchr(kv, '=');
        if (eq == NULL)
            break;
        *eq = '\0';
        const char *val = eq + 1;
        char *end;
        if (f == SIM_IMPORT_STG && strcmp(kv, "unit") == 0) {
            errno = 0;
            unsigned long long u = strtoull(val, &end, 10);
            if (errno != 0 || *end != '\0' || end == val || u == 0 || u > 1000000000000ULL) {
                snprintf(err, errlen, "%s: unit: want ns per cost unit (1..10^12), not '%s'",
                         spec, val);
                return -1;
            }
            o->unit_ns = u;
        } else if (f == SIM_IMPORT_WFCOMMONS && strcmp(kv, "multicore") == 0) {
            if (strcmp(val, "split") == 0)
                o->multicore = SIM_IMPORT_MC_SPLIT;
            else if (strcmp(val, "serial") == 0)
                o->multicore = SIM_IMPORT_MC_SERIAL;
            else {
                snprintf(err, errlen, "%s: multicore: want split or serial, not '%s'", spec, val);
                return -1;
            }
        } else {
            *eq = '=';
            break;
        }
        *comma = '\0';
    }
    return 0;
}

/* "unit=1000" etc. for the canonical spec; "" for formats without options. */
static void format_options(enum sim_import_format f, const struct sim_import_opts *o, char *buf,
                           size_t len, bool *defaults)
{
    buf[0] = '\0';
    *defaults = true;
    if (f == SIM_IMPORT_STG) {
        snprintf(buf, len, "unit=%" PRIu64, o->unit_ns);
        *defaults = o->unit_ns == 1000;
    } else if (f == SIM_IMPORT_WFCOMMONS) {
        snprintf(buf, len, "multicore=%s", o->multicore == SIM_IMPORT_MC_SERIAL ? "serial"
                                                                                : "split");
        *defaults = o->multicore == SIM_IMPORT_MC_SPLIT;
    }
}

static struct sim_trace *open_format(enum sim_import_format f, const char *path,
                                     const struct sim_import_opts *o, const char *name,
                                     char *err, size_t errlen)
{
    struct imp_builder b;
    if (imp_init(&b, f, path, err, errlen) != 0)
        return NULL;
    int rc = f == SIM_IMPORT_STG         ? sim_import_stg(&b, o)
             : f == SIM_IMPORT_WFCOMMONS ? sim_import_wfcommons(&b, o)
             : f == SIM_IMPORT_BEAM      ? sim_import_beam(&b)
                                         : sim_import_sched(&b, f);
    char hex[41], opt[64], canonical[512], sum[41];
    bool defaults;
    if (rc == 0 && sim_trace_file_sha1(path, hex) != 0)
        rc = imp_fail(&b, 0, "cannot read for its checksum: %s", strerror(errno));
    if (rc != 0 || b.failed) {
        imp_free(&b);
        return NULL;
    }
    format_options(f, o, opt, sizeof opt, &defaults);
    snprintf(canonical, sizeof canonical, "%s:%s%s%s", sim_import_format_name(f), path,
             opt[0] ? "," : "", opt);
    if (defaults) {
        memcpy(sum, hex, sizeof sum);
    } else {
        char both[128];
        unsigned char md[SHA_DIGEST_LENGTH];
        int n = snprintf(both, sizeof both, "%s,%s", hex, opt);
        SHA1((const unsigned char *)both, (size_t)n, md);
        for (int i = 0; i < SHA_DIGEST_LENGTH; i++)
            snprintf(sum + 2 * i, 3, "%02x", md[i]);
    }
    return imp_build(&b, name, canonical, sum);
}

struct sim_trace *sim_import_open_format(enum sim_import_format f, const char *path,
                                         const struct sim_import_opts *o, char *err,
                                         size_t errlen)
{
    struct sim_import_opts d;
    sim_import_opts_defaults(&d);
    if (o != NULL) {
        d.multicore = o->multicore;
        if (o->unit_ns != 0)
            d.unit_ns = o->unit_ns;
    }
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    return open_format(f, path, &d, path, err, errlen);
}

struct sim_trace *sim_import_open(const char *trace, const struct sim_trace_opts *opts, char *err,
                                  size_t errlen)
{
    (void)opts;   /* imports are in memory: there is no read-ahead to cap */
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    struct sim_import_opts o;
    sim_import_opts_defaults(&o);
    size_t skip;
    int f = spec_format(trace, &skip);
    if (f < 0) {
        f = sniff_file(trace);
        if (f < 0) {
            snprintf(err, errlen, "%s: not a format schedlab imports", trace);
            return NULL;
        }
        return open_format((enum sim_import_format)f, trace, &o, trace, err, errlen);
    }
    char *path = strdup(trace + skip);
    if (path == NULL) {
        snprintf(err, errlen, "%s: out of memory", trace);
        return NULL;
    }
    struct sim_trace *t = NULL;
    if (parse_options(path, (enum sim_import_format)f, &o, err, errlen) == 0) {
        if (path[0] == '\0')
            snprintf(err, errlen, "%s: which file? (%s:PATH)", trace,
                     sim_import_format_name((enum sim_import_format)f));
        else
            t = open_format((enum sim_import_format)f, path, &o, trace, err, errlen);
    }
    free(path);
    return t;
}

uint64_t sim_import_note_count(const struct sim_import_report *r, const char *key)
{
    for (uint32_t i = 0; i < r->nnotes; i++)
        if (strcmp(r->notes[i].key, key) == 0)
            return r->notes[i].count;
    return 0;
}

int sim_import_report_write(FILE *f, const struct sim_import_report *r)
{
    fprintf(f, "import: %s: %" PRIu64 " processes, %" PRIu64 " messages, %" PRIu64
            " spawns, %" PRIu64 " ns of work\n", sim_import_format_name(r->format),
            r->processes, r->messages, r->spawns, r->total_work_ns);
    if (r->nnotes == 0)
        fputs("import: nothing dropped or changed\n", f);
    for (uint32_t i = 0; i < r->nnotes; i++)
        fprintf(f, "import: %s %" PRIu64 ": %s\n", r->notes[i].key, r->notes[i].count,
                r->notes[i].what);
    return ferror(f) ? -1 : 0;
}
