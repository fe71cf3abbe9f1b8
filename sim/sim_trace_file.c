/* sim_trace_file.c: the schedlab JSON Lines trace reader: one line at a time with cJSON, reading
 * ahead to a child's line on demand and remembering where skipped lines are. */
#include "sim/sim_trace_map.h"
#include "sim/sim_trace_src.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Reading ahead
 * -------------
 * Lines are read in file order. Each line is checked the first time it is read ("scanned"):
 * JSON, fields, ids unique, the parent already seen and naming this child in a spawn phase,
 * roots in nondecreasing spawn time. A scanned line that is not the one wanted is remembered
 * by position only: non-roots in `held` (id -> offset, line, length), roots in the `roots`
 * queue, and read again (pread) and parsed again when asked for. So memory is about 64 bytes
 * per line between the reading point and the lines the consumer has asked for, plus:
 *   seen    id/64 -> bitmask of ids scanned (for duplicates): dense ids cost 1/2 byte per id;
 *   expect  child id -> (parent id, parent line) for spawn phases whose child line is unread.
 * If the file cannot be seeked (a pipe), held lines are kept as copies instead.
 * A header "roots": N lets next_root stop after N roots without scanning to the end of file,
 * so a consumer that asks for the next root early does not make the reader skip everything.
 */

struct line_ref {
    uint64_t off, line, len;
    char *copy;   /* the line's text when the file is not seekable, else NULL */
};

struct file_src {
    struct sim_trace base;
    FILE *f;
    bool seekable;
    const char *path;           /* base.info.canonical */
    uint64_t pos;               /* offset of the next unread line */
    uint64_t lineno;            /* number of the last line read */
    bool eof;
    char *buf;                  /* getline buffer */
    size_t bufcap;
    char *rbuf;                 /* re-read buffer */
    size_t rbufcap;
    struct sim_trace_map seen, expect, held;
    struct line_ref *roots;     /* queue of scanned, not yet given roots */
    size_t roots_head, roots_n, roots_cap;
    uint64_t roots_scanned, roots_given;
    uint64_t last_root_spawn, last_root_line;
    uint64_t max_buffered;
};

/* Fail with "FILE:LINE: FIELD: message"; returns SIM_TRACE_ERROR. */
static int fail_at(struct file_src *fs, uint64_t line, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(struct file_src *fs, uint64_t line, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sim_trace_fail(&fs->base, "%s:%" PRIu64 ": %s: %s", fs->path, line, field, msg);
}

#define FAIL fail_at

/* ---- field access ------------------------------------------------------------------------ */

/* Read obj[key] (label names it in errors) as an integer in [0, max]; absent -> *present false
 * (an error if required). scale multiplies (time units), with overflow an error. */
static int get_uint(struct file_src *fs, uint64_t line, const cJSON *item, const char *label,
                    uint64_t max, uint64_t scale, uint64_t *out)
{
    if (!cJSON_IsNumber(item))
        return FAIL(fs, line, label, "expected an integer");
    double v = item->valuedouble;
    if (v < 0)
        return FAIL(fs, line, label, "negative value %g", v);
    if (v != floor(v))
        return FAIL(fs, line, label, "not an integer: %g", v);
    if (v > (double)SIM_TRACE_MAX_INT || (uint64_t)v > max)
        return FAIL(fs, line, label, "value %.0f out of range (at most %" PRIu64 ")", v, max);
    uint64_t u = (uint64_t)v;
    if (scale > 1 && u > UINT64_MAX / scale)
        return FAIL(fs, line, label, "value %" PRIu64 " overflows in nanoseconds", u);
    *out = u * scale;
    return SIM_TRACE_OK;
}

static int field_uint(struct file_src *fs, uint64_t line, const cJSON *obj, const char *key,
                      bool required, uint64_t max, uint64_t scale, uint64_t *out, bool *present)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    *present = item != NULL && !cJSON_IsNull(item);
    if (!*present)
        return required ? FAIL(fs, line, key, "missing field") : SIM_TRACE_OK;
    return get_uint(fs, line, item, key, max, scale, out);
}

static int parse_prio(struct file_src *fs, uint64_t line, const cJSON *obj, uint8_t *prio)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(obj, "prio");
    *prio = SIM_PRIO_NORMAL;
    if (p == NULL || cJSON_IsNull(p))
        return SIM_TRACE_OK;
    if (cJSON_IsString(p)) {
        for (unsigned i = 0; i < SIM_PRIO_COUNT; i++)
            if (strcmp(p->valuestring, sim_trace_prio_name(i)) == 0) {
                *prio = (uint8_t)i;
                return SIM_TRACE_OK;
            }
        return FAIL(fs, line, "prio", "unknown priority '%s' (max, high, normal, low)",
                    p->valuestring);
    }
    uint64_t v;
    if (get_uint(fs, line, p, "prio", SIM_PRIO_COUNT - 1, 1, &v) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    *prio = (uint8_t)v;
    return SIM_TRACE_OK;
}

/* ---- affinity ----------------------------------------------------------------------------- */

struct aff {
    bool present;
    uint8_t kind;
    int32_t preferred;
    uint32_t n;
    const cJSON *cores;
};

static int parse_aff(struct file_src *fs, uint64_t line, const cJSON *obj, struct aff *a)
{
    memset(a, 0, sizeof *a);
    a->preferred = -1;
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(obj, "affinity");
    if (o == NULL)
        return SIM_TRACE_OK;
    a->present = true;
    if (cJSON_IsNull(o))
        return SIM_TRACE_OK;
    if (!cJSON_IsObject(o))
        return FAIL(fs, line, "affinity", "expected an object");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "kind");
    if (!cJSON_IsString(k))
        return FAIL(fs, line, "affinity.kind", "missing field (none, strict, preferred)");
    unsigned kind = SIM_AFF_COUNT;
    for (unsigned i = 0; i < SIM_AFF_COUNT; i++)
        if (strcmp(k->valuestring, sim_trace_aff_name(i)) == 0)
            kind = i;
    if (kind == SIM_AFF_COUNT)
        return FAIL(fs, line, "affinity.kind", "unknown kind '%s' (none, strict, preferred)",
                    k->valuestring);
    a->kind = (uint8_t)kind;
    if (kind == SIM_AFF_NONE)
        return SIM_TRACE_OK;
    a->cores = cJSON_GetObjectItemCaseSensitive(o, "cores");
    if (!cJSON_IsArray(a->cores) || cJSON_GetArraySize(a->cores) == 0)
        return FAIL(fs, line, "affinity.cores", "expected a non-empty array of core ids");
    a->n = (uint32_t)cJSON_GetArraySize(a->cores);
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "preferred");
    if (p != NULL && !cJSON_IsNull(p)) {
        if (kind != SIM_AFF_PREFERRED)
            return FAIL(fs, line, "affinity.preferred", "only for kind 'preferred'");
        uint64_t v;
        if (get_uint(fs, line, p, "affinity.preferred", INT32_MAX, 1, &v) != SIM_TRACE_OK)
            return SIM_TRACE_ERROR;
        a->preferred = (int32_t)v;
    }
    return SIM_TRACE_OK;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Copy the affinity into r (whose cores array has room for a->n). */
static int fill_aff(struct file_src *fs, uint64_t line, const struct aff *a,
                    struct sim_trace_rec *r)
{
    uint32_t *cores = sim_trace_rec_cores(r);
    r->aff_kind = a->kind;
    r->aff_preferred = a->preferred;
    char label[48];
    uint32_t i = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, a->cores) {
        uint64_t v;
        snprintf(label, sizeof label, "affinity.cores[%" PRIu32 "]", i);
        if (get_uint(fs, line, c, label, INT32_MAX, 1, &v) != SIM_TRACE_OK)
            return SIM_TRACE_ERROR;
        cores[i++] = (uint32_t)v;
    }
    qsort(cores, a->n, sizeof *cores, cmp_u32);
    bool pref_found = a->preferred < 0;
    for (i = 0; i < a->n; i++) {
        if (i > 0 && cores[i] == cores[i - 1])
            return FAIL(fs, line, "affinity.cores", "core %" PRIu32 " listed twice", cores[i]);
        pref_found |= (int64_t)cores[i] == a->preferred;
    }
    if (!pref_found)
        return FAIL(fs, line, "affinity.preferred", "core %" PRId32 " is not in cores",
                    a->preferred);
    return SIM_TRACE_OK;
}

/* ---- phases ------------------------------------------------------------------------------ */

static int phase_kind(const char *name)
{
    for (unsigned i = 0; i < SIM_PHASE_COUNT; i++)
        if (strcmp(name, sim_trace_phase_name(i)) == 0)
            return (int)i;
    return -1;
}

/* Check phase element #i and return its kind, argument and repeat count (recv N). */
static int parse_phase(struct file_src *fs, uint64_t line, const cJSON *ph, int i, int last,
                       int *kind, uint64_t *arg, uint64_t *count)
{
    char label[48];
    snprintf(label, sizeof label, "phases[%d]", i);
    int n = cJSON_IsArray(ph) ? cJSON_GetArraySize(ph) : 0;
    const cJSON *name = n > 0 ? cJSON_GetArrayItem(ph, 0) : NULL;
    if (!cJSON_IsString(name))
        return FAIL(fs, line, label, "expected [\"name\", argument]");
    *kind = phase_kind(name->valuestring);
    if (*kind < 0)
        return FAIL(fs, line, label, "unknown phase '%s' (run, wait, send, recv, spawn, exit)",
                    name->valuestring);
    bool takes_arg = *kind != SIM_PHASE_EXIT && *kind != SIM_PHASE_RECV;
    if (n > 2 || (takes_arg && n != 2) || (*kind == SIM_PHASE_EXIT && n != 1))
        return FAIL(fs, line, label, "phase '%s' takes %s", name->valuestring,
                    takes_arg ? "one argument" : (*kind == SIM_PHASE_RECV
                                                      ? "an optional count" : "no argument"));
    if (*kind == SIM_PHASE_EXIT && i != last)
        return FAIL(fs, line, label, "exit must be the last phase");
    *arg = 0;
    *count = 1;
    snprintf(label, sizeof label, "phases[%d][1]", i);
    bool is_time = *kind == SIM_PHASE_RUN || *kind == SIM_PHASE_WAIT;
    if (n == 2 && *kind == SIM_PHASE_RECV) {
        if (get_uint(fs, line, cJSON_GetArrayItem(ph, 1), label, UINT32_MAX, 1, count)
            != SIM_TRACE_OK)
            return SIM_TRACE_ERROR;
        if (*count == 0)
            return FAIL(fs, line, label, "recv count must be at least 1");
    } else if (n == 2) {
        uint64_t scale = is_time ? fs->base.info.time_unit_ns : 1;
        uint64_t max = is_time ? UINT64_MAX : SIM_TRACE_MAX_INT;
        if (get_uint(fs, line, cJSON_GetArrayItem(ph, 1), label, max, scale, arg)
            != SIM_TRACE_OK)
            return SIM_TRACE_ERROR;
    }
    return SIM_TRACE_OK;
}

/* Count the phases of the line (recv N counts N), checking each. */
static int count_phases(struct file_src *fs, uint64_t line, const cJSON *phases, uint64_t *total)
{
    int n = cJSON_GetArraySize(phases);
    *total = 0;
    for (int i = 0; i < n; i++) {
        int kind;
        uint64_t arg, count;
        if (parse_phase(fs, line, cJSON_GetArrayItem(phases, i), i, n - 1, &kind, &arg, &count)
            != SIM_TRACE_OK)
            return SIM_TRACE_ERROR;
        *total += count;
        if (*total > UINT32_MAX)
            return FAIL(fs, line, "phases", "more than %" PRIu32 " phases", UINT32_MAX);
    }
    return SIM_TRACE_OK;
}

static int fill_phases(struct file_src *fs, uint64_t line, const cJSON *phases,
                       struct sim_trace_rec *r)
{
    struct sim_trace_phase *out = sim_trace_rec_phases(r);
    int n = cJSON_GetArraySize(phases), i = 0;
    uint32_t k = 0;
    const cJSON *ph;
    cJSON_ArrayForEach(ph, phases) {
        int kind;
        uint64_t arg, count;
        if (parse_phase(fs, line, ph, i, n - 1, &kind, &arg, &count) != SIM_TRACE_OK)
            return SIM_TRACE_ERROR;
        if (kind == SIM_PHASE_SPAWN && arg == r->id)
            return FAIL(fs, line, "phases", "process %" PRIu64 " spawns itself", r->id);
        for (uint64_t c = 0; c < count; c++) {
            out[k].kind = (uint8_t)kind;
            out[k++].arg = arg;
        }
        i++;
    }
    return SIM_TRACE_OK;
}

/* ---- one line -> one record ---------------------------------------------------------------- */

static int parse_json(struct file_src *fs, char *text, size_t len, uint64_t line, cJSON **out)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(text, len + 1, &end, true);
    if (j == NULL) {
        size_t col = end != NULL && end >= text ? (size_t)(end - text) + 1 : 1;
        return sim_trace_fail(&fs->base, "%s:%" PRIu64 ": column %zu: malformed JSON", fs->path,
                              line, col);
    }
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return FAIL(fs, line, "line", "expected a JSON object");
    }
    *out = j;
    return SIM_TRACE_OK;
}

/* Build the record of a process line. parent (may be NULL) supplies an inherited affinity. */
static int build_rec(struct file_src *fs, const cJSON *j, uint64_t line,
                     const struct sim_trace_rec *parent, struct sim_trace_rec **out)
{
    uint64_t id, par = SIM_TRACE_NO_PARENT, spawn = 0, ws = 0, nph;
    bool has, has_parent;
    uint8_t prio;
    struct aff a;
    if (field_uint(fs, line, j, "id", true, SIM_TRACE_MAX_INT, 1, &id, &has) != SIM_TRACE_OK
        || field_uint(fs, line, j, "parent", false, SIM_TRACE_MAX_INT, 1, &par, &has_parent)
               != SIM_TRACE_OK
        || field_uint(fs, line, j, "spawn", !has_parent, UINT64_MAX, fs->base.info.time_unit_ns,
                      &spawn, &has) != SIM_TRACE_OK
        || field_uint(fs, line, j, "ws", false, SIM_TRACE_MAX_INT, 1, &ws, &has) != SIM_TRACE_OK
        || parse_prio(fs, line, j, &prio) != SIM_TRACE_OK || parse_aff(fs, line, j, &a))
        return SIM_TRACE_ERROR;
    if (has_parent && par == id)
        return FAIL(fs, line, "parent", "process %" PRIu64 " is its own parent", id);
    const cJSON *phases = cJSON_GetObjectItemCaseSensitive(j, "phases");
    if (phases == NULL)
        return FAIL(fs, line, "phases", "missing field");
    if (!cJSON_IsArray(phases))
        return FAIL(fs, line, "phases", "expected an array of phases");
    if (count_phases(fs, line, phases, &nph) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    bool inherit = !a.present && parent != NULL;
    uint32_t ncores = inherit ? parent->aff_ncores : a.n;
    struct sim_trace_rec *r = sim_trace_rec_new((uint32_t)nph, ncores);
    if (r == NULL)
        return FAIL(fs, line, "line", "out of memory");
    r->id = id;
    r->parent = has_parent ? par : SIM_TRACE_NO_PARENT;
    r->spawn_ns = has_parent ? 0 : spawn;
    r->ws_bytes = ws;
    r->prio = prio;
    r->line = line;
    r->depth = parent != NULL ? parent->depth + 1 : 0;
    int rc = fill_phases(fs, line, phases, r);
    if (rc == SIM_TRACE_OK && inherit) {
        r->aff_kind = parent->aff_kind;
        r->aff_preferred = parent->aff_preferred;
        memcpy(sim_trace_rec_cores(r), parent->aff_cores, ncores * sizeof(uint32_t));
    } else if (rc == SIM_TRACE_OK && a.kind != SIM_AFF_NONE) {
        rc = fill_aff(fs, line, &a, r);
    }
    if (rc != SIM_TRACE_OK) {
        sim_trace_rec_free(r);
        return SIM_TRACE_ERROR;
    }
    *out = r;
    return SIM_TRACE_OK;
}

/* Parse line text into a record (parent: see build_rec). */
static int parse_rec(struct file_src *fs, char *text, size_t len, uint64_t line,
                     const struct sim_trace_rec *parent, struct sim_trace_rec **out)
{
    cJSON *j;
    if (parse_json(fs, text, len, line, &j) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    int rc = build_rec(fs, j, line, parent, out);
    cJSON_Delete(j);
    return rc;
}

/* ---- reading lines ------------------------------------------------------------------------ */

/* The next non-blank line: 1 with text/len/off/line set, 0 at end of file, or -1. */
static int read_line(struct file_src *fs, char **text, size_t *len, uint64_t *off,
                     uint64_t *line)
{
    for (;;) {
        ssize_t n = getline(&fs->buf, &fs->bufcap, fs->f);
        if (n < 0) {
            if (ferror(fs->f))
                return FAIL(fs, fs->lineno + 1, "line", "read error: %s", strerror(errno));
            fs->eof = true;
            return 0;
        }
        *off = fs->pos;
        fs->pos += (uint64_t)n;
        *line = ++fs->lineno;
        size_t k = (size_t)n;
        while (k > 0 && (fs->buf[k - 1] == '\n' || fs->buf[k - 1] == '\r'))
            fs->buf[--k] = '\0';
        if (strlen(fs->buf) != k)
            return FAIL(fs, *line, "line", "contains a NUL byte");
        size_t s = strspn(fs->buf, " \t");
        if (s == k)
            continue;
        *text = fs->buf;
        *len = k;
        return 1;
    }
}

/* Read a remembered line again and parse it. */
static int reread(struct file_src *fs, const struct line_ref *ref,
                  const struct sim_trace_rec *parent, struct sim_trace_rec **out)
{
    if (ref->copy != NULL)
        return parse_rec(fs, ref->copy, ref->len, ref->line, parent, out);
    if (ref->len + 1 > fs->rbufcap) {
        char *b = realloc(fs->rbuf, ref->len + 1);
        if (b == NULL)
            return FAIL(fs, ref->line, "line", "out of memory");
        fs->rbuf = b;
        fs->rbufcap = ref->len + 1;
    }
    ssize_t n = pread(fileno(fs->f), fs->rbuf, ref->len, (off_t)ref->off);
    if (n != (ssize_t)ref->len)
        return FAIL(fs, ref->line, "line", "cannot read it again: %s",
                    n < 0 ? strerror(errno) : "file changed while reading");
    fs->rbuf[ref->len] = '\0';
    return parse_rec(fs, fs->rbuf, ref->len, ref->line, parent, out);
}

static int make_ref(struct file_src *fs, const char *text, size_t len, uint64_t off,
                    uint64_t line, struct line_ref *ref)
{
    ref->off = off;
    ref->line = line;
    ref->len = len;
    ref->copy = NULL;
    if (!fs->seekable && (ref->copy = strdup(text)) == NULL)
        return FAIL(fs, line, "line", "out of memory");
    return SIM_TRACE_OK;
}

/* ---- first reading of a line: the checks that need the file order ------------------------- */

static bool seen_has(const struct file_src *fs, uint64_t id)
{
    const struct sim_trace_map_ent *e = sim_trace_map_get(&fs->seen, id >> 6);
    return e != NULL && (e->v[0] >> (id & 63) & 1);
}

static int admit_root(struct file_src *fs, const struct sim_trace_rec *r)
{
    const struct sim_trace_map_ent *e = sim_trace_map_get(&fs->expect, r->id);
    if (e != NULL)
        return FAIL(fs, r->line, "parent", "process %" PRIu64 " is spawned by %" PRIu64
                    " (line %" PRIu64 ") but has no parent field", r->id, e->v[0], e->v[1]);
    if (fs->roots_scanned > 0 && r->spawn_ns < fs->last_root_spawn)
        return FAIL(fs, r->line, "spawn", "spawn time %" PRIu64 " ns is before the previous "
                    "root's %" PRIu64 " ns (line %" PRIu64 "): parentless processes must come "
                    "in nondecreasing spawn time", r->spawn_ns, fs->last_root_spawn,
                    fs->last_root_line);
    if (fs->roots_scanned == fs->base.info.roots)
        return FAIL(fs, r->line, "parent", "more parentless processes than the header's roots "
                    "(%" PRIu64 ")", fs->base.info.roots);
    fs->roots_scanned++;
    fs->last_root_spawn = r->spawn_ns;
    fs->last_root_line = r->line;
    return SIM_TRACE_OK;
}

static int admit_child(struct file_src *fs, const struct sim_trace_rec *r)
{
    struct sim_trace_map_ent *e = sim_trace_map_get(&fs->expect, r->id);
    if (e == NULL && seen_has(fs, r->parent))
        return FAIL(fs, r->line, "parent", "process %" PRIu64 " has no spawn phase for %" PRIu64,
                    r->parent, r->id);
    if (e == NULL)
        return FAIL(fs, r->line, "parent", "parent %" PRIu64 " does not appear on an earlier "
                    "line", r->parent);
    if (e->v[0] != r->parent)
        return FAIL(fs, r->line, "parent", "process %" PRIu64 " is spawned by %" PRIu64
                    " (line %" PRIu64 "), not by %" PRIu64, r->id, e->v[0], e->v[1], r->parent);
    sim_trace_map_del(&fs->expect, e);
    return SIM_TRACE_OK;
}

/* Check a line read for the first time against everything read before it, and record it. */
static int admit(struct file_src *fs, const struct sim_trace_rec *r)
{
    if (seen_has(fs, r->id))
        return FAIL(fs, r->line, "id", "duplicate id %" PRIu64 " (used on an earlier line)",
                    r->id);
    int rc = r->parent == SIM_TRACE_NO_PARENT ? admit_root(fs, r) : admit_child(fs, r);
    if (rc != SIM_TRACE_OK)
        return rc;
    for (uint32_t i = 0; i < r->nphases; i++) {
        uint64_t c = r->phases[i].arg;
        if (r->phases[i].kind != SIM_PHASE_SPAWN)
            continue;
        if (seen_has(fs, c))
            return FAIL(fs, r->line, "phases", "spawns %" PRIu64 ", an id used on an earlier "
                        "line", c);
        bool created;
        struct sim_trace_map_ent *e = sim_trace_map_put(&fs->expect, c, &created);
        if (e == NULL)
            return FAIL(fs, r->line, "phases", "out of memory");
        if (!created)
            return FAIL(fs, r->line, "phases", "process %" PRIu64 " is spawned twice (also on "
                        "line %" PRIu64 ")", c, e->v[1]);
        e->v[0] = r->id;
        e->v[1] = r->line;
    }
    bool created;
    struct sim_trace_map_ent *s = sim_trace_map_put(&fs->seen, r->id >> 6, &created);
    if (s == NULL)
        return FAIL(fs, r->line, "id", "out of memory");
    s->v[0] |= 1ULL << (r->id & 63);
    return SIM_TRACE_OK;
}

/* End of file reached: children still expected never appear. Returns SIM_TRACE_END or ERROR. */
static int at_eof(struct file_src *fs)
{
    if (fs->base.failed)
        return SIM_TRACE_ERROR;
    if (fs->expect.n > 0) {
        struct sim_trace_map_ent first = { UINT64_MAX, { 0, UINT64_MAX, 0 } };
        for (size_t i = 0; i < fs->expect.cap; i++) {
            const struct sim_trace_map_ent *e = &fs->expect.e[i];
            if (e->key != SIM_TRACE_MAP_FREE
                && (e->v[1] < first.v[1] || (e->v[1] == first.v[1] && e->key < first.key)))
                first = *e;
        }
        return FAIL(fs, first.v[1], "phases", "process %" PRIu64 " spawns %" PRIu64
                    ", which never appears in the file", first.v[0], first.key);
    }
    if (fs->base.info.roots != UINT64_MAX && fs->roots_scanned != fs->base.info.roots)
        return FAIL(fs, 1, "roots", "the header says %" PRIu64 " parentless processes, the file "
                    "has %" PRIu64, fs->base.info.roots, fs->roots_scanned);
    return SIM_TRACE_END;
}

/* Append to the queue of roots read ahead; 0, or -1 when out of memory. */
static int roots_push(struct file_src *fs, const struct line_ref *ref)
{
    if (fs->roots_head + fs->roots_n == fs->roots_cap) {
        if (fs->roots_head > 0 && fs->roots_head >= fs->roots_cap / 2) {
            memmove(fs->roots, fs->roots + fs->roots_head, fs->roots_n * sizeof *fs->roots);
            fs->roots_head = 0;
        } else {
            size_t cap = fs->roots_cap ? fs->roots_cap * 2 : 16;
            struct line_ref *q = realloc(fs->roots, cap * sizeof *q);
            if (q == NULL)
                return -1;
            fs->roots = q;
            fs->roots_cap = cap;
        }
    }
    fs->roots[fs->roots_head + fs->roots_n++] = *ref;
    return 0;
}

static int remember(struct file_src *fs, const struct sim_trace_rec *r, const char *text,
                    size_t len, uint64_t off)
{
    struct line_ref ref;
    if (make_ref(fs, text, len, off, r->line, &ref) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    if (r->parent == SIM_TRACE_NO_PARENT) {
        if (roots_push(fs, &ref) != 0)
            return free(ref.copy), FAIL(fs, r->line, "line", "out of memory");
    } else {
        bool created;
        struct sim_trace_map_ent *e = sim_trace_map_put(&fs->held, r->id, &created);
        if (e == NULL)
            return free(ref.copy), FAIL(fs, r->line, "line", "out of memory");
        e->v[0] = ref.copy != NULL ? (uint64_t)(uintptr_t)ref.copy : ref.off;
        e->v[1] = ref.line;
        e->v[2] = ref.len;
    }
    if (fs->max_buffered && fs->held.n + fs->roots_n > fs->max_buffered)
        return FAIL(fs, r->line, "line", "more than %" PRIu64 " lines read ahead (the limit): "
                    "children appear too far after their parents", fs->max_buffered);
    return SIM_TRACE_OK;
}

/* Read on to the wanted line: the next root (want_root) or process want_id (parent's child). */
static int scan(struct file_src *fs, bool want_root, uint64_t want_id,
                const struct sim_trace_rec *parent, struct sim_trace_rec **out)
{
    for (;;) {
        char *text;
        size_t len;
        uint64_t off, line;
        int got = fs->eof ? 0 : read_line(fs, &text, &len, &off, &line);
        if (got <= 0)
            return got < 0 ? SIM_TRACE_ERROR : at_eof(fs);
        cJSON *j;
        if (parse_json(fs, text, len, line, &j) != SIM_TRACE_OK)
            return SIM_TRACE_ERROR;
        const cJSON *idj = cJSON_GetObjectItemCaseSensitive(j, "id");
        bool maybe = !want_root && cJSON_IsNumber(idj) && idj->valuedouble == (double)want_id;
        struct sim_trace_rec *r;
        int rc = build_rec(fs, j, line, maybe ? parent : NULL, &r);
        cJSON_Delete(j);
        if (rc != SIM_TRACE_OK)
            return rc;
        if (admit(fs, r) != SIM_TRACE_OK) {
            sim_trace_rec_free(r);
            return SIM_TRACE_ERROR;
        }
        if (want_root ? r->parent == SIM_TRACE_NO_PARENT : r->id == want_id) {
            *out = r;
            return SIM_TRACE_OK;
        }
        rc = remember(fs, r, text, len, off);
        sim_trace_rec_free(r);
        if (rc != SIM_TRACE_OK)
            return rc;
    }
}

/* ---- the source operations ----------------------------------------------------------------- */

static int file_next_root(struct sim_trace *t, struct sim_trace_rec **out)
{
    struct file_src *fs = (struct file_src *)t;
    if (t->failed)
        return SIM_TRACE_ERROR;
    int rc;
    if (fs->roots_n > 0) {
        struct line_ref ref = fs->roots[fs->roots_head++];
        fs->roots_n--;
        rc = reread(fs, &ref, NULL, out);
        free(ref.copy);
    } else if (fs->roots_given == t->info.roots) {
        return SIM_TRACE_END;
    } else {
        rc = scan(fs, true, 0, NULL, out);
    }
    if (rc == SIM_TRACE_OK)
        fs->roots_given++;
    return rc;
}

static int file_child(struct sim_trace *t, const struct sim_trace_rec *parent, uint64_t cid,
                      struct sim_trace_rec **out)
{
    struct file_src *fs = (struct file_src *)t;
    if (t->failed)
        return SIM_TRACE_ERROR;
    struct sim_trace_map_ent *h = sim_trace_map_get(&fs->held, cid);
    if (h != NULL) {
        struct line_ref ref = { h->v[0], h->v[1], h->v[2], NULL };
        if (!fs->seekable)
            ref.copy = (char *)(uintptr_t)h->v[0];
        sim_trace_map_del(&fs->held, h);
        int rc = reread(fs, &ref, parent, out);
        free(ref.copy);
        if (rc == SIM_TRACE_OK && (*out)->parent != parent->id) {
            uint64_t line = (*out)->line, p = (*out)->parent;
            sim_trace_rec_free(*out);
            return FAIL(fs, line, "parent", "process %" PRIu64 " is a child of %" PRIu64
                        ", not of %" PRIu64, cid, p, parent->id);
        }
        return rc;
    }
    const struct sim_trace_map_ent *e = sim_trace_map_get(&fs->expect, cid);
    if (e == NULL || e->v[0] != parent->id)
        return FAIL(fs, parent->line, "phases", "process %" PRIu64 " has no pending spawn of %"
                    PRIu64 " (not in its spawn phases, or already spawned)", parent->id, cid);
    int rc = scan(fs, false, cid, parent, out);
    return rc == SIM_TRACE_END ? SIM_TRACE_ERROR : rc;
}

static void file_release(struct sim_trace *t, struct sim_trace_rec *rec)
{
    (void)t;
    sim_trace_rec_free(rec);
}

static void file_close(struct sim_trace *t)
{
    struct file_src *fs = (struct file_src *)t;
    if (!fs->seekable)
        for (size_t i = 0; i < fs->held.cap; i++)
            if (fs->held.e[i].key != SIM_TRACE_MAP_FREE)
                free((char *)(uintptr_t)fs->held.e[i].v[0]);
    for (size_t i = 0; i < fs->roots_n; i++)
        free(fs->roots[fs->roots_head + i].copy);
    free(fs->roots);
    sim_trace_map_free(&fs->seen);
    sim_trace_map_free(&fs->expect);
    sim_trace_map_free(&fs->held);
    free(fs->buf);
    free(fs->rbuf);
    if (fs->f != NULL)
        fclose(fs->f);
    free(fs);
}

static const struct sim_trace_ops file_ops = {
    .next_root = file_next_root,
    .child = file_child,
    .release = file_release,
    .close = file_close,
};

/* ---- the header line ----------------------------------------------------------------------- */

static int parse_header_fields(struct file_src *fs, const cJSON *j)
{
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(j, "format");
    if (fmt == NULL)
        return FAIL(fs, 1, "format", "missing field: the first line must be the header "
                    "{\"format\":\"schedlab-trace\",\"version\":1}");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "schedlab-trace") != 0)
        return FAIL(fs, 1, "format", "expected \"schedlab-trace\"");
    uint64_t v;
    bool has;
    if (field_uint(fs, 1, j, "version", true, UINT32_MAX, 1, &v, &has) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    if (v != 1)
        return FAIL(fs, 1, "version", "unsupported version %" PRIu64 " (this reader knows 1)", v);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(j, "name");
    if (name != NULL && !cJSON_IsString(name))
        return FAIL(fs, 1, "name", "expected a string");
    if (name != NULL)
        snprintf(fs->base.info.name, sizeof fs->base.info.name, "%s", name->valuestring);
    const cJSON *unit = cJSON_GetObjectItemCaseSensitive(j, "time_unit");
    if (unit != NULL) {
        static const char *const units[] = { "ns", "us", "ms", "s" };
        static const uint64_t scale[] = { 1, 1000, 1000000, 1000000000 };
        unsigned i = 0;
        while (i < 4 && !(cJSON_IsString(unit) && strcmp(unit->valuestring, units[i]) == 0))
            i++;
        if (i == 4)
            return FAIL(fs, 1, "time_unit", "expected \"ns\", \"us\", \"ms\" or \"s\"");
        fs->base.info.time_unit_ns = scale[i];
    }
    if (field_uint(fs, 1, j, "roots", false, SIM_TRACE_MAX_INT, 1, &v, &has) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    if (has)
        fs->base.info.roots = v;
    if (field_uint(fs, 1, j, "processes", false, SIM_TRACE_MAX_INT, 1, &v, &has)
        != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    if (has)
        fs->base.info.processes = v;
    return SIM_TRACE_OK;
}

static int read_header(struct file_src *fs)
{
    char *text;
    size_t len;
    uint64_t off, line;
    int got = read_line(fs, &text, &len, &off, &line);
    if (got < 0)
        return SIM_TRACE_ERROR;
    if (got == 0)
        return FAIL(fs, 1, "format", "empty file: expected the header line");
    if (line != 1)
        return FAIL(fs, 1, "format", "blank first line: expected the header line");
    cJSON *j;
    if (parse_json(fs, text, len, line, &j) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    int rc = parse_header_fields(fs, j);
    cJSON_Delete(j);
    return rc;
}

struct sim_trace *sim_trace_file_open(const char *path, const struct sim_trace_opts *opts,
                                      char *err, size_t errlen)
{
    struct file_src *fs = calloc(1, sizeof *fs);
    if (fs == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    sim_trace_init_head(&fs->base, &file_ops, "file");
    struct sim_trace_info *info = &fs->base.info;
    if ((size_t)snprintf(info->canonical, sizeof info->canonical, "%s", path)
        >= sizeof info->canonical) {
        snprintf(err, errlen, "%s: path too long", path);
        free(fs);
        return NULL;
    }
    const char *base = strrchr(path, '/');
    snprintf(info->name, sizeof info->name, "%s", base != NULL ? base + 1 : path);
    fs->path = info->canonical;
    fs->max_buffered = opts != NULL ? opts->max_buffered : 0;
    sim_trace_map_init(&fs->seen);
    sim_trace_map_init(&fs->expect);
    sim_trace_map_init(&fs->held);
    fs->f = fopen(path, "r");
    if (fs->f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        file_close(&fs->base);
        return NULL;
    }
    fs->seekable = lseek(fileno(fs->f), 0, SEEK_CUR) >= 0;
    if (read_header(fs) != SIM_TRACE_OK) {
        snprintf(err, errlen, "%s", fs->base.err);
        file_close(&fs->base);
        return NULL;
    }
    return &fs->base;
}
