/* sim_trace_line.c: one line of a schedlab JSON Lines trace -> a checked record (or the header's
 * fields), with errors naming the file, line and field. */
#include "sim/trace/sim_trace_line.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Fail with "FILE:LINE: FIELD: message"; returns SIM_TRACE_ERROR. */
int sim_trace_line_fail(const struct sim_trace_line_ctx *c, uint64_t line, const char *field,
                        const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sim_trace_fail(c->t, "%s:%" PRIu64 ": %s: %s", c->path, line, field, msg);
}

#define FAIL sim_trace_line_fail

long long sim_trace_getline(FILE *f, char **buf, size_t *cap, size_t max, size_t *consumed,
                            bool *newline)
{
    size_t n = 0;
    int ch;
    *newline = false;
    flockfile(f);
    while ((ch = getc_unlocked(f)) != EOF && ch != '\n') {
        if (n == max) {
            funlockfile(f);
            return SIM_TRACE_LINE_LONG;
        }
        if (n + 1 >= *cap) {
            size_t c = *cap < 256 ? 256 : *cap * 2;
            char *b = realloc(*buf, c > max + 1 ? max + 1 : c);
            if (b == NULL) {
                funlockfile(f);
                errno = ENOMEM;
                return SIM_TRACE_LINE_IOERR;
            }
            *buf = b;
            *cap = c > max + 1 ? max + 1 : c;
        }
        (*buf)[n++] = (char)ch;
    }
    bool err = ch == EOF && ferror(f);
    funlockfile(f);
    if (err)
        return SIM_TRACE_LINE_IOERR;
    if (ch == EOF && n == 0)
        return SIM_TRACE_LINE_EOF;
    if (*cap == 0 && (*buf = malloc(*cap = 1)) == NULL) {
        errno = ENOMEM;
        return SIM_TRACE_LINE_IOERR;
    }
    (*buf)[n] = '\0';
    *newline = ch == '\n';
    *consumed = n + *newline;
    return (long long)n;
}

/* ---- field access ------------------------------------------------------------------------ */

/* Why v (a non-negative integer) times scale is not in [0, max]: the limit as the format states
 * it (2^53 - 1 for ids, 2^53 ns for times, whatever their unit). */
static int out_of_range(const struct sim_trace_line_ctx *c, uint64_t line, const char *label,
                        double v, uint64_t max, uint64_t scale)
{
    if (max == SIM_TRACE_MAX_TIME_NS && scale > 1)
        return FAIL(c, line, label, "value %.0f is %.0f ns, beyond the limit of 2^53 ns (about "
                    "104 days)", v, v * (double)scale);
    if (max == SIM_TRACE_MAX_TIME_NS)
        return FAIL(c, line, label, "value %.0f ns is beyond the limit of 2^53 ns (about 104 "
                    "days)", v);
    if (max == SIM_TRACE_MAX_INT)
        return FAIL(c, line, label, "value %.0f out of range (at most 2^53 - 1: JSON numbers are "
                    "exact integers only below 2^53)", v);
    return FAIL(c, line, label, "value %.0f out of range (at most %" PRIu64 ")", v, max);
}

/* Read item (label names it in errors) as an integer in [0, max] once multiplied by scale (the
 * time unit of time fields, whose max is SIM_TRACE_MAX_TIME_NS). */
static int get_uint(const struct sim_trace_line_ctx *c, uint64_t line, const cJSON *item,
                    const char *label, uint64_t max, uint64_t scale, uint64_t *out)
{
    if (!cJSON_IsNumber(item))
        return FAIL(c, line, label, "expected an integer");
    double v = item->valuedouble;
    if (v < 0)
        return FAIL(c, line, label, "negative value %g", v);
    if (v != floor(v))
        return FAIL(c, line, label, "not an integer: %g", v);
    if (v > (double)SIM_TRACE_MAX_TIME_NS || (uint64_t)v > max / scale)
        return out_of_range(c, line, label, v, max, scale);
    *out = (uint64_t)v * scale;
    return SIM_TRACE_OK;
}

/* obj[key] as get_uint; absent or null -> *present false (an error if required). */
static int field_uint(const struct sim_trace_line_ctx *c, uint64_t line, const cJSON *obj,
                      const char *key, bool required, uint64_t max, uint64_t scale, uint64_t *out,
                      bool *present)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    *present = item != NULL && !cJSON_IsNull(item);
    if (!*present)
        return required ? FAIL(c, line, key, "missing field") : SIM_TRACE_OK;
    return get_uint(c, line, item, key, max, scale, out);
}

static int parse_prio(const struct sim_trace_line_ctx *c, uint64_t line, const cJSON *obj,
                      uint8_t *prio)
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
        return FAIL(c, line, "prio", "unknown priority '%s' (max, high, normal, low)",
                    p->valuestring);
    }
    uint64_t v;
    if (get_uint(c, line, p, "prio", SIM_PRIO_COUNT - 1, 1, &v) != SIM_TRACE_OK)
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

/* Label "PREFIX.FIELD" into buf. */
static const char *lbl(char *buf, size_t len, const char *prefix, const char *field)
{
    snprintf(buf, len, "%s.%s", prefix, field);
    return buf;
}

/* Check an affinity object o (NULL: absent; JSON null: none) labelled prefix in errors. */
static int parse_aff_obj(const struct sim_trace_line_ctx *c, uint64_t line, const cJSON *o,
                         const char *prefix, struct aff *a)
{
    char label[64];
    memset(a, 0, sizeof *a);
    a->preferred = -1;
    a->present = o != NULL;
    if (o == NULL || cJSON_IsNull(o))
        return SIM_TRACE_OK;
    if (!cJSON_IsObject(o))
        return FAIL(c, line, prefix, "expected an object");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "kind");
    if (!cJSON_IsString(k))
        return FAIL(c, line, lbl(label, sizeof label, prefix, "kind"), "missing field (none, "
                    "strict, preferred)");
    unsigned kind = SIM_AFF_COUNT;
    for (unsigned i = 0; i < SIM_AFF_COUNT; i++)
        if (strcmp(k->valuestring, sim_trace_aff_name(i)) == 0)
            kind = i;
    if (kind == SIM_AFF_COUNT)
        return FAIL(c, line, lbl(label, sizeof label, prefix, "kind"), "unknown kind '%s' "
                    "(none, strict, preferred)", k->valuestring);
    a->kind = (uint8_t)kind;
    if (kind == SIM_AFF_NONE)
        return SIM_TRACE_OK;
    a->cores = cJSON_GetObjectItemCaseSensitive(o, "cores");
    if (!cJSON_IsArray(a->cores) || cJSON_GetArraySize(a->cores) == 0)
        return FAIL(c, line, lbl(label, sizeof label, prefix, "cores"), "expected a non-empty "
                    "array of core ids");
    a->n = (uint32_t)cJSON_GetArraySize(a->cores);
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "preferred");
    if (p != NULL && !cJSON_IsNull(p)) {
        lbl(label, sizeof label, prefix, "preferred");
        if (kind != SIM_AFF_PREFERRED)
            return FAIL(c, line, label, "only for kind 'preferred'");
        uint64_t v;
        if (get_uint(c, line, p, label, INT32_MAX, 1, &v) != SIM_TRACE_OK)
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

/* Copy the cores of a into cores[0 .. a->n), sorted; check repeats and the preferred core. */
static int fill_cores(const struct sim_trace_line_ctx *c, uint64_t line, const struct aff *a,
                      const char *prefix, uint32_t *cores)
{
    char label[80];
    uint32_t i = 0;
    const cJSON *core;
    cJSON_ArrayForEach(core, a->cores) {
        uint64_t v;
        snprintf(label, sizeof label, "%s.cores[%" PRIu32 "]", prefix, i);
        if (get_uint(c, line, core, label, INT32_MAX, 1, &v) != SIM_TRACE_OK)
            return SIM_TRACE_ERROR;
        cores[i++] = (uint32_t)v;
    }
    qsort(cores, a->n, sizeof *cores, cmp_u32);
    bool pref_found = a->preferred < 0;
    for (i = 0; i < a->n; i++) {
        if (i > 0 && cores[i] == cores[i - 1])
            return FAIL(c, line, lbl(label, sizeof label, prefix, "cores"), "core %" PRIu32
                        " listed twice", cores[i]);
        pref_found |= (int64_t)cores[i] == a->preferred;
    }
    if (!pref_found)
        return FAIL(c, line, lbl(label, sizeof label, prefix, "preferred"), "core %" PRId32
                    " is not in cores", a->preferred);
    return SIM_TRACE_OK;
}

/* Copy the affinity into r (whose cores array has room for a->n). */
static int fill_aff(const struct sim_trace_line_ctx *c, uint64_t line, const struct aff *a,
                    struct sim_trace_rec *r)
{
    r->aff_kind = a->kind;
    r->aff_preferred = a->preferred;
    return fill_cores(c, line, a, "affinity", sim_trace_rec_cores(r));
}

/* Room for n more words in c->words; SIM_TRACE_OK or out of memory. */
static int words_room(struct sim_trace_line_ctx *c, uint64_t line, size_t n)
{
    if (c->nwords + n <= c->words_cap)
        return SIM_TRACE_OK;
    size_t cap = (c->nwords + n) * 2;
    uint32_t *w = realloc(c->words, cap * sizeof *w);
    if (w == NULL)
        return FAIL(c, line, "phases", "out of memory");
    c->words = w;
    c->words_cap = cap;
    return SIM_TRACE_OK;
}

/* ["affinity", {kind, cores, preferred, max_migrations}] #i: its change appended to c->words
 * (layout in sim_trace_src.h); *arg its offset. */
static int parse_aff_phase(struct sim_trace_line_ctx *c, uint64_t line, const cJSON *item, int i,
                           uint64_t *arg)
{
    char prefix[48], label[64];
    snprintf(prefix, sizeof prefix, "phases[%d][1]", i);
    if (!cJSON_IsObject(item) && !cJSON_IsNull(item))
        return FAIL(c, line, prefix, "expected an affinity object {\"kind\":...} or null");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(item, "kind");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(item, "max_migrations");
    bool set_aff = cJSON_IsNull(item) || k != NULL, set_max = m != NULL && !cJSON_IsNull(m);
    if (!set_aff && !set_max)
        return FAIL(c, line, prefix, "sets nothing: give kind (none, strict, preferred) or "
                    "max_migrations");
    struct aff a;
    uint64_t max = 0;
    if (parse_aff_obj(c, line, set_aff ? item : NULL, prefix, &a) != SIM_TRACE_OK
        || (set_max && get_uint(c, line, m, lbl(label, sizeof label, prefix, "max_migrations"),
                                UINT32_MAX, 1, &max) != SIM_TRACE_OK)
        || words_room(c, line, SIM_TRACE_AFF_HEAD + a.n) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    uint32_t *w = c->words + c->nwords;
    w[0] = (set_aff ? SIM_TRACE_AFF_SET : 0) | (set_max ? SIM_TRACE_AFF_MAX : 0)
           | (uint32_t)a.kind << 8;
    w[1] = (uint32_t)a.preferred;
    w[2] = (uint32_t)max;
    w[3] = a.n;
    if (a.n > 0 && fill_cores(c, line, &a, prefix, w + SIM_TRACE_AFF_HEAD) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    *arg = c->nwords;
    c->nwords += SIM_TRACE_AFF_HEAD + a.n;
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

/* item as get_uint would read it; false (nothing reported) if it is not one. The fast path:
 * labels for errors are only formatted when this fails. */
static bool quick_uint(const cJSON *item, uint64_t max, uint64_t scale, uint64_t *out)
{
    if (!cJSON_IsNumber(item))
        return false;
    double v = item->valuedouble;
    if (!(v >= 0) || v != floor(v) || v > (double)SIM_TRACE_MAX_TIME_NS)
        return false;
    uint64_t u = (uint64_t)v;
    if (u > max / scale)
        return false;
    *out = u * scale;
    return true;
}

/* The argument of phase #i, checked; errors are labelled phases[i][1]. */
static int phase_arg(const struct sim_trace_line_ctx *c, uint64_t line, const cJSON *item, int i,
                     uint64_t max, uint64_t scale, uint64_t *out)
{
    if (quick_uint(item, max, scale, out))
        return SIM_TRACE_OK;
    char label[48];
    snprintf(label, sizeof label, "phases[%d][1]", i);
    return get_uint(c, line, item, label, max, scale, out);
}

/* Check phase element #i and return its kind, argument and repeat count (recv N). */
static int parse_phase(struct sim_trace_line_ctx *c, uint64_t line, const cJSON *ph, int i,
                       int last, int *kind, uint64_t *arg, uint64_t *count)
{
    char label[48];
    *arg = 0;
    *count = 1;
    int n = cJSON_IsArray(ph) ? cJSON_GetArraySize(ph) : 0;
    const cJSON *name = n > 0 ? cJSON_GetArrayItem(ph, 0) : NULL;
    *kind = cJSON_IsString(name) ? phase_kind(name->valuestring) : -2;
    bool takes_arg = *kind != SIM_PHASE_EXIT && *kind != SIM_PHASE_RECV;
    bool bad_n = n > 2 || (takes_arg && n != 2) || (*kind == SIM_PHASE_EXIT && n != 1);
    if (*kind < 0 || bad_n || (*kind == SIM_PHASE_EXIT && i != last)) {
        snprintf(label, sizeof label, "phases[%d]", i);
        if (*kind == -2)
            return FAIL(c, line, label, "expected [\"name\", argument]");
        if (*kind < 0)
            return FAIL(c, line, label, "unknown phase '%s' (run, wait, send, recv, spawn, "
                        "exit, affinity)", name->valuestring);
        if (bad_n)
            return FAIL(c, line, label, "phase '%s' takes %s", name->valuestring,
                        takes_arg ? "one argument" : (*kind == SIM_PHASE_RECV
                                                          ? "an optional count" : "no argument"));
        return FAIL(c, line, label, "exit must be the last phase");
    }
    const cJSON *item = n == 2 ? cJSON_GetArrayItem(ph, 1) : NULL;
    if (*kind == SIM_PHASE_AFFINITY)
        return parse_aff_phase(c, line, item, i, arg);
    if (item != NULL && *kind == SIM_PHASE_RECV) {
        if (phase_arg(c, line, item, i, UINT32_MAX, 1, count) != SIM_TRACE_OK)
            return SIM_TRACE_ERROR;
        if (*count == 0) {
            snprintf(label, sizeof label, "phases[%d][1]", i);
            return FAIL(c, line, label, "recv count must be at least 1");
        }
    } else if (item != NULL) {
        bool is_time = *kind == SIM_PHASE_RUN || *kind == SIM_PHASE_WAIT;
        return phase_arg(c, line, item, i, is_time ? SIM_TRACE_MAX_TIME_NS : SIM_TRACE_MAX_INT,
                         is_time ? c->time_unit_ns : 1, arg);
    }
    return SIM_TRACE_OK;
}

/* Parse the phases of process id into c->scratch (recv N gives N phases); *n is the count. */
static int parse_phases(struct sim_trace_line_ctx *c, uint64_t line, const cJSON *phases,
                        uint64_t id, uint32_t *n)
{
    int total = cJSON_GetArraySize(phases), i = 0;
    uint64_t k = 0;
    c->nwords = 0;
    if ((uint64_t)total > SIM_TRACE_MAX_PHASES)
        return FAIL(c, line, "phases", "%d phases, more than %" PRIu32 " (the limit of one "
                    "process)", total, SIM_TRACE_MAX_PHASES);
    const cJSON *ph;
    cJSON_ArrayForEach(ph, phases) {
        int kind;
        uint64_t arg, count;
        if (parse_phase(c, line, ph, i++, total - 1, &kind, &arg, &count) != SIM_TRACE_OK)
            return SIM_TRACE_ERROR;
        if (kind == SIM_PHASE_SPAWN && arg == id)
            return FAIL(c, line, "phases", "process %" PRIu64 " spawns itself", id);
        /* checked before anything is allocated: ["recv",4000000000] is a 50-byte line */
        if (k + count > SIM_TRACE_MAX_PHASES)
            return FAIL(c, line, "phases", "more than %" PRIu32 " phases, recv counts included "
                        "(the limit of one process)", SIM_TRACE_MAX_PHASES);
        if (k + count > c->scratch_cap) {
            size_t cap = (size_t)(k + count) * 2;
            struct sim_trace_phase *p = realloc(c->scratch, cap * sizeof *p);
            if (p == NULL)
                return FAIL(c, line, "phases", "out of memory");
            c->scratch = p;
            c->scratch_cap = cap;
        }
        for (uint64_t rep = 0; rep < count; rep++)
            c->scratch[k++] = (struct sim_trace_phase){ arg, (uint8_t)kind };
    }
    *n = (uint32_t)k;
    return SIM_TRACE_OK;
}

/* ---- one line -> one record ---------------------------------------------------------------- */

int sim_trace_line_json(const struct sim_trace_line_ctx *c, char *text, size_t len, uint64_t line,
                        cJSON **out)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(text, len + 1, &end, true);
    if (j == NULL) {
        size_t col = end != NULL && end >= text ? (size_t)(end - text) + 1 : 1;
        return sim_trace_fail(c->t, "%s:%" PRIu64 ": column %zu: malformed JSON", c->path,
                              line, col);
    }
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return FAIL(c, line, "line", "expected a JSON object");
    }
    *out = j;
    return SIM_TRACE_OK;
}

/* Build the record of a process line. parent (may be NULL) supplies an inherited affinity. */
int sim_trace_line_rec(struct sim_trace_line_ctx *c, const cJSON *j, uint64_t line,
                       const struct sim_trace_rec *parent, struct sim_trace_rec **out)
{
    uint64_t id, par = SIM_TRACE_NO_PARENT, spawn = 0, ws = 0;
    uint32_t nph = 0;
    bool has, has_parent;
    uint8_t prio;
    struct aff a;
    if (field_uint(c, line, j, "id", true, SIM_TRACE_MAX_INT, 1, &id, &has) != SIM_TRACE_OK
        || field_uint(c, line, j, "parent", false, SIM_TRACE_MAX_INT, 1, &par, &has_parent)
               != SIM_TRACE_OK
        || field_uint(c, line, j, "spawn", !has_parent, SIM_TRACE_MAX_TIME_NS, c->time_unit_ns,
                      &spawn, &has) != SIM_TRACE_OK
        || field_uint(c, line, j, "ws", false, SIM_TRACE_MAX_INT, 1, &ws, &has) != SIM_TRACE_OK
        || parse_prio(c, line, j, &prio) != SIM_TRACE_OK
        || parse_aff_obj(c, line, cJSON_GetObjectItemCaseSensitive(j, "affinity"), "affinity",
                         &a) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    if (has_parent && par == id)
        return FAIL(c, line, "parent", "process %" PRIu64 " is its own parent", id);
    const cJSON *phases = cJSON_GetObjectItemCaseSensitive(j, "phases");
    if (phases == NULL)
        return FAIL(c, line, "phases", "missing field");
    if (!cJSON_IsArray(phases))
        return FAIL(c, line, "phases", "expected an array of phases");
    if (parse_phases(c, line, phases, id, &nph) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    bool inherit = !a.present && parent != NULL;
    uint32_t ncores = inherit ? parent->aff_ncores : a.n;
    struct sim_trace_rec *r = sim_trace_rec_new_aff(nph, ncores, (uint32_t)c->nwords);
    if (r == NULL)
        return FAIL(c, line, "line", "out of memory");
    if (c->nwords > 0)
        memcpy(sim_trace_rec_aff_words(r), c->words, c->nwords * sizeof *c->words);
    r->id = id;
    r->parent = has_parent ? par : SIM_TRACE_NO_PARENT;
    r->spawn_ns = has_parent ? 0 : spawn;
    r->ws_bytes = ws;
    r->prio = prio;
    r->line = line;
    r->depth = parent != NULL ? parent->depth + 1 : 0;
    if (nph > 0)
        memcpy(sim_trace_rec_phases(r), c->scratch, nph * sizeof *c->scratch);
    if (inherit) {
        r->aff_kind = parent->aff_kind;
        r->aff_preferred = parent->aff_preferred;
        if (ncores > 0)
            memcpy(sim_trace_rec_cores(r), parent->aff_cores, ncores * sizeof(uint32_t));
    } else if (a.kind != SIM_AFF_NONE && fill_aff(c, line, &a, r) != SIM_TRACE_OK) {
        sim_trace_rec_free(r);
        return SIM_TRACE_ERROR;
    }
    *out = r;
    return SIM_TRACE_OK;
}

/* Parse line text into a record (parent: see build_rec). */
int sim_trace_line_parse(struct sim_trace_line_ctx *c, char *text, size_t len, uint64_t line,
                     const struct sim_trace_rec *parent, struct sim_trace_rec **out)
{
    cJSON *j;
    if (sim_trace_line_json(c, text, len, line, &j) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    int rc = sim_trace_line_rec(c, j, line, parent, out);
    cJSON_Delete(j);
    return rc;
}

/* ---- the header line ----------------------------------------------------------------------- */

int sim_trace_line_header(const struct sim_trace_line_ctx *c, const cJSON *j)
{
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(j, "format");
    if (fmt == NULL)
        return FAIL(c, 1, "format", "missing field: the first line must be the header "
                    "{\"format\":\"schedlab-trace\",\"version\":1}");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "schedlab-trace") != 0)
        return FAIL(c, 1, "format", "expected \"schedlab-trace\"");
    uint64_t v;
    bool has;
    if (field_uint(c, 1, j, "version", true, UINT32_MAX, 1, &v, &has) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    if (v != 1)
        return FAIL(c, 1, "version", "unsupported version %" PRIu64 " (this reader knows 1)", v);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(j, "name");
    if (name != NULL && !cJSON_IsString(name))
        return FAIL(c, 1, "name", "expected a string");
    if (name != NULL)
        snprintf(c->t->info.name, sizeof c->t->info.name, "%s", name->valuestring);
    const cJSON *unit = cJSON_GetObjectItemCaseSensitive(j, "time_unit");
    if (unit != NULL) {
        static const char *const units[] = { "ns", "us", "ms", "s" };
        static const uint64_t scale[] = { 1, 1000, 1000000, 1000000000 };
        unsigned i = 0;
        while (i < 4 && !(cJSON_IsString(unit) && strcmp(unit->valuestring, units[i]) == 0))
            i++;
        if (i == 4)
            return FAIL(c, 1, "time_unit", "expected \"ns\", \"us\", \"ms\" or \"s\"");
        c->t->info.time_unit_ns = scale[i];
    }
    if (field_uint(c, 1, j, "roots", false, SIM_TRACE_MAX_INT, 1, &v, &has) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    if (has)
        c->t->info.roots = v;
    if (field_uint(c, 1, j, "processes", false, SIM_TRACE_MAX_INT, 1, &v, &has)
        != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    if (has)
        c->t->info.processes = v;
    return SIM_TRACE_OK;
}

