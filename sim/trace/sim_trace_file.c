/* sim_trace_file.c: the schedlab JSON Lines trace reader: one line at a time with cJSON, reading
 * ahead to a child's line on demand and remembering where skipped lines are. */
#include "sim/trace/sim_trace_line.h"
#include "sim/trace/sim_trace_map.h"
#include "sim/trace/sim_trace_window.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
 *   seen    id/64 -> bitmask of ids scanned (for duplicates): about a byte per dense id;
 *   expect  child id -> (parent id, parent line) for spawn phases whose child line is unread.
 * If the file cannot be seeked (a pipe), held lines are kept as copies instead.
 * A header "roots": N lets next_root stop after N roots without scanning to the end of file,
 * so a consumer that asks for the next root early does not make the reader skip everything.
 *
 * Seeking ("kids" layout)
 * -----------------------
 * A file whose header says "layout":"kids" (what `trace gen` writes) is read by seeking
 * instead: each line with spawn phases gives the offset and line number of the block of its
 * children's lines, each root those of the next root, so a child is read where its parent's
 * cursor (rec->gen[0], gen[1]) points and the cursor moves past it, whatever order the
 * consumer runs processes in. Nothing is read ahead: memory is the `seen` bits and a few
 * windows of the file (sim_trace_window.h). Every line read must start a line, be the process
 * asked for (id and parent) and have an unseen id; when the lines read cover every byte after
 * the header, every line was read exactly once and finish has nothing left to check.
 * Otherwise (a consumer that stopped spawning, offsets that skip lines) finish falls back to
 * checking the whole file in order, as for any other file.
 */

struct line_ref {
    uint64_t off, line, len;
    char *copy;   /* the line's text when the file is not seekable, else NULL */
};

struct file_src {
    struct sim_trace base;
    struct sim_trace_line_ctx ctx;   /* base, path, time unit: for the line parser */
    FILE *f;
    bool seekable;
    const char *path;           /* base.info.canonical */
    uint64_t pos;               /* offset of the next unread line */
    uint64_t lineno;            /* number of the last line read */
    bool eof;
    char *buf;                  /* line buffer (at most SIM_TRACE_MAX_LINE + 1 bytes) */
    size_t bufcap;
    char *rbuf;                 /* re-read buffer */
    size_t rbufcap;
    char *lbuf;                 /* a line longer than a window, read by seeking */
    size_t lbufcap;
    struct sim_trace_map seen, expect, held;
    struct line_ref *roots;     /* queue of scanned, not yet given roots */
    size_t roots_head, roots_n, roots_cap;
    uint64_t roots_scanned, roots_given;
    uint64_t last_root_spawn, last_root_line;
    uint64_t max_buffered;
    bool jump;                  /* "kids" layout on a seekable file: read by seeking */
    struct sim_trace_windows win;
    uint64_t size, hdr_end;     /* file size; offset of the line after the header */
    uint64_t jroot_off, jroot_line;   /* the next root's line (UINT64_MAX: none) */
    uint64_t jbytes;            /* bytes of the lines read by seeking, newlines included */
};

/* "PATH:LINE: FIELD: message" through the line parser's context. */
#define FAIL(fs, ...) sim_trace_line_fail(&(fs)->ctx, __VA_ARGS__)

/* ---- reading lines ------------------------------------------------------------------------ */

/* The next non-blank line: 1 with text/len/off/line set, 0 at end of file, or -1. A line longer
 * than SIM_TRACE_MAX_LINE is refused before more of it is read. */
static int read_line(struct file_src *fs, char **text, size_t *len, uint64_t *off,
                     uint64_t *line)
{
    for (;;) {
        size_t used;
        bool nl;
        long long n = sim_trace_getline(fs->f, &fs->buf, &fs->bufcap, SIM_TRACE_MAX_LINE, &used,
                                        &nl);
        if (n == SIM_TRACE_LINE_EOF) {
            fs->eof = true;
            return 0;
        }
        if (n == SIM_TRACE_LINE_IOERR)
            return FAIL(fs, fs->lineno + 1, "line", "read error: %s", strerror(errno));
        if (n == SIM_TRACE_LINE_LONG)
            return FAIL(fs, fs->lineno + 1, "line", "line too long: more than %" PRIu64
                        " bytes (the limit; see traces/FORMAT.md)", SIM_TRACE_MAX_LINE);
        *off = fs->pos;
        fs->pos += used;
        *line = ++fs->lineno;
        size_t k = (size_t)n;
        if (memchr(fs->buf, '\0', k) != NULL)
            return FAIL(fs, *line, "line", "contains a NUL byte");
        while (k > 0 && fs->buf[k - 1] == '\r')
            fs->buf[--k] = '\0';
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
        return sim_trace_line_parse(&fs->ctx, ref->copy, ref->len, ref->line, parent, out);
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
    return sim_trace_line_parse(&fs->ctx, fs->rbuf, ref->len, ref->line, parent, out);
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

/* Read, check and admit the next line: SIM_TRACE_OK with *out (and the line's text, length and
 * offset for remembering it), SIM_TRACE_END at end of file, or SIM_TRACE_ERROR. The record is
 * built with parent when its id is want_id (so it inherits parent's affinity). */
static int scan_line(struct file_src *fs, uint64_t want_id, const struct sim_trace_rec *parent,
                     struct sim_trace_rec **out, char **text, size_t *len, uint64_t *off)
{
    uint64_t line;
    int got = fs->eof ? 0 : read_line(fs, text, len, off, &line);
    if (got <= 0)
        return got < 0 ? SIM_TRACE_ERROR : at_eof(fs);
    cJSON *j;
    if (sim_trace_line_json(&fs->ctx, *text, *len, line, &j) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    const cJSON *idj = cJSON_GetObjectItemCaseSensitive(j, "id");
    bool maybe = parent != NULL && cJSON_IsNumber(idj) && idj->valuedouble == (double)want_id;
    struct sim_trace_rec *r;
    int rc = sim_trace_line_rec(&fs->ctx, j, line, maybe ? parent : NULL, &r);
    cJSON_Delete(j);
    if (rc != SIM_TRACE_OK)
        return rc;
    if (admit(fs, r) != SIM_TRACE_OK) {
        sim_trace_rec_free(r);
        return SIM_TRACE_ERROR;
    }
    *out = r;
    return SIM_TRACE_OK;
}

/* Read on to the wanted line: the next root (want_root) or process want_id (parent's child). */
static int scan(struct file_src *fs, bool want_root, uint64_t want_id,
                const struct sim_trace_rec *parent, struct sim_trace_rec **out)
{
    for (;;) {
        char *text;
        size_t len;
        uint64_t off;
        struct sim_trace_rec *r;
        int rc = scan_line(fs, want_id, want_root ? NULL : parent, &r, &text, &len, &off);
        if (rc != SIM_TRACE_OK)
            return rc;
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

/* ---- reading by seeking ("kids" layout) --------------------------------------------------- */

/* A [OFFSET,LINE] field (has: present and not null): its target must be a later line inside
 * the file (the line read ends at end). SIM_TRACE_OK or SIM_TRACE_ERROR. */
static int slot_check(struct file_src *fs, const char *name, bool has, const uint64_t v[2],
                      uint64_t end, uint64_t line)
{
    if (has && (v[0] < end || v[0] >= fs->size || v[1] <= line))
        return FAIL(fs, line, name, "expected [offset, line] of a later line of the file "
                    "(the \"kids\" layout; traces/FORMAT.md)");
    return SIM_TRACE_OK;
}

/* A [OFFSET,LINE] field from the full parser: *has false when absent or null. */
static int slot_json(struct file_src *fs, const cJSON *j, const char *name, uint64_t line,
                     bool *has, uint64_t v[2])
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, name);
    *has = a != NULL && !cJSON_IsNull(a);
    if (!*has)
        return SIM_TRACE_OK;
    for (int i = 0; i < 2; i++) {
        const cJSON *x = cJSON_GetArrayItem(a, i);
        if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != 2 || !cJSON_IsNumber(x)
            || !(x->valuedouble >= 0) || x->valuedouble > (double)SIM_TRACE_MAX_INT
            || x->valuedouble != (double)(uint64_t)x->valuedouble)
            return FAIL(fs, line, name, "expected [offset, line] (the \"kids\" layout; "
                        "traces/FORMAT.md)");
        v[i] = (uint64_t)x->valuedouble;
    }
    return SIM_TRACE_OK;
}

/* Parse a line read by seeking: the fast parser, else cJSON (which names what is wrong). */
static int jump_parse(struct file_src *fs, const char *text, size_t k, uint64_t line,
                      const struct sim_trace_rec *parent, struct sim_trace_rec **out,
                      struct sim_trace_fast_slots *sl)
{
    int rc = sim_trace_line_fast(&fs->ctx, text, k, line, parent, out, sl);
    if (rc != 0)
        return rc > 0 ? SIM_TRACE_OK : SIM_TRACE_ERROR;
    if (k + 1 > fs->rbufcap) {   /* cJSON wants its own NUL-terminated copy */
        char *b = realloc(fs->rbuf, k + 1);
        if (b == NULL)
            return FAIL(fs, line, "line", "out of memory");
        fs->rbuf = b;
        fs->rbufcap = k + 1;
    }
    memmove(fs->rbuf, text, k);
    fs->rbuf[k] = '\0';
    cJSON *j;
    if (sim_trace_line_json(&fs->ctx, fs->rbuf, k, line, &j) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    rc = slot_json(fs, j, "kids", line, &sl->has_kids, sl->kids);
    if (rc == SIM_TRACE_OK)
        rc = slot_json(fs, j, "next", line, &sl->has_next, sl->next);
    if (rc == SIM_TRACE_OK)
        rc = sim_trace_line_rec(&fs->ctx, j, line, parent, out);
    cJSON_Delete(j);
    return rc;
}

/* Mark id seen: SIM_TRACE_OK, or an error if it was seen before. */
static int jump_seen(struct file_src *fs, const struct sim_trace_rec *r)
{
    if (seen_has(fs, r->id))
        return FAIL(fs, r->line, "id", "duplicate id %" PRIu64 " (on another line)", r->id);
    bool created;
    struct sim_trace_map_ent *s = sim_trace_map_put(&fs->seen, r->id >> 6, &created);
    if (s == NULL)
        return FAIL(fs, r->line, "id", "out of memory");
    s->v[0] |= 1ULL << (r->id & 63);
    return SIM_TRACE_OK;
}

/* Read and check the line at off (line number line, named by a field of line from) as a child
 * of parent (NULL: a root); its children's cursor goes to gen[0..1], a root's next root to
 * next (next[0] UINT64_MAX: none). */
static int jump_read(struct file_src *fs, uint64_t off, uint64_t line, uint64_t from,
                     const struct sim_trace_rec *parent, struct sim_trace_rec **out,
                     uint64_t next[2])
{
    size_t span;
    bool at_start;
    const char *text;
    long long n = sim_trace_windows_line(&fs->win, off, &text, &fs->lbuf, &fs->lbufcap,
                                         SIM_TRACE_MAX_LINE, &span, &at_start);
    if (n == SIM_TRACE_LINE_EOF || (n >= 0 && !at_start))
        return FAIL(fs, from, parent != NULL ? "kids" : "next", "offset %" PRIu64 " (line %"
                    PRIu64 ") is not where a line starts (the \"kids\" layout's offsets are "
                    "wrong)", off, line);
    if (n == SIM_TRACE_LINE_IOERR)
        return FAIL(fs, line, "line", "read error: %s", strerror(errno));
    if (n == SIM_TRACE_LINE_LONG)
        return FAIL(fs, line, "line", "line too long: more than %" PRIu64 " bytes (the limit; "
                    "see traces/FORMAT.md)", SIM_TRACE_MAX_LINE);
    size_t k = (size_t)n;
    while (k > 0 && text[k - 1] == '\r')
        k--;
    struct sim_trace_fast_slots sl;
    struct sim_trace_rec *r;
    if (jump_parse(fs, text, k, line, parent, &r, &sl) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    if (slot_check(fs, "kids", sl.has_kids, sl.kids, off + span, line) != SIM_TRACE_OK
        || slot_check(fs, "next", sl.has_next && parent == NULL, sl.next, off + span, line)
               != SIM_TRACE_OK) {
        sim_trace_rec_free(r);
        return SIM_TRACE_ERROR;
    }
    uint64_t ko = sl.has_kids ? sl.kids[0] : 0, kl = sl.has_kids ? sl.kids[1] : 0;
    next[0] = sl.has_next ? sl.next[0] : UINT64_MAX;
    next[1] = sl.next[1];
    r->gen[0] = ko;
    r->gen[1] = kl;
    fs->jbytes += span;
    *out = r;
    return SIM_TRACE_OK;
}

static int jump_root(struct file_src *fs, struct sim_trace_rec **out)
{
    if (fs->jroot_off >= fs->size || fs->roots_given == fs->base.info.roots)
        return SIM_TRACE_END;
    uint64_t next[2];
    struct sim_trace_rec *r;
    uint64_t from = fs->roots_scanned > 0 ? fs->last_root_line : 1;
    if (jump_read(fs, fs->jroot_off, fs->jroot_line, from, NULL, &r, next) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    int rc = r->parent != SIM_TRACE_NO_PARENT
                 ? FAIL(fs, r->line, "parent", "expected a parentless process here (the next "
                        "root of line %" PRIu64 ")", fs->last_root_line)
                 : admit_root(fs, r);
    if (rc == SIM_TRACE_OK)
        rc = jump_seen(fs, r);
    if (rc != SIM_TRACE_OK) {
        sim_trace_rec_free(r);
        return rc;
    }
    fs->jroot_off = next[0];
    fs->jroot_line = next[0] == UINT64_MAX ? 0 : next[1];
    *out = r;
    return SIM_TRACE_OK;
}

/* The child cid of parent, at parent's cursor; the cursor moves to the next line. */
static int jump_child(struct file_src *fs, const struct sim_trace_rec *parent, uint64_t cid,
                      struct sim_trace_rec **out)
{
    struct sim_trace_rec *p = (struct sim_trace_rec *)parent;   /* gen is the source's */
    if (p->gen[0] == 0)
        return FAIL(fs, p->line, "kids", "process %" PRIu64 " spawns %" PRIu64 " but its line "
                    "has no kids field", p->id, cid);
    uint64_t next[2], start = fs->jbytes;
    struct sim_trace_rec *r;
    if (jump_read(fs, p->gen[0], p->gen[1], p->line, parent, &r, next) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    int rc = SIM_TRACE_OK;
    if (r->id != cid)
        rc = FAIL(fs, r->line, "id", "expected process %" PRIu64 " (spawned by %" PRIu64
                  ", line %" PRIu64 ") in its parent's kids block, found %" PRIu64, cid,
                  p->id, p->line, r->id);
    else if (r->parent != p->id)
        rc = FAIL(fs, r->line, "parent", "process %" PRIu64 " is spawned by %" PRIu64
                  " (line %" PRIu64 "), not by %" PRIu64, cid, p->id, p->line, r->parent);
    if (rc == SIM_TRACE_OK)
        rc = jump_seen(fs, r);
    if (rc != SIM_TRACE_OK) {
        sim_trace_rec_free(r);
        return rc;
    }
    p->gen[0] += fs->jbytes - start;
    p->gen[1]++;
    *out = r;
    return SIM_TRACE_OK;
}

/* ---- the source operations ----------------------------------------------------------------- */

static int file_next_root(struct sim_trace *t, struct sim_trace_rec **out)
{
    struct file_src *fs = (struct file_src *)t;
    if (t->failed)
        return SIM_TRACE_ERROR;
    int rc;
    if (fs->jump) {
        rc = jump_root(fs, out);
    } else if (fs->roots_n > 0) {
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
    if (fs->jump)
        return jump_child(fs, parent, cid, out);
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

/* The consumer is done: check the lines it never needed, to the end of the file, keeping none.
 * Only a header "roots" count stops next_root before the end; without it this reads nothing. */
static int file_finish(struct sim_trace *t)
{
    struct file_src *fs = (struct file_src *)t;
    if (fs->jump && !t->failed) {
        if (fs->jbytes == fs->size - fs->hdr_end)
            return SIM_TRACE_OK;   /* every line was read once, each checked as it was */
        fs->jump = false;          /* check the whole file in order */
        sim_trace_map_free(&fs->seen);
        sim_trace_map_free(&fs->expect);
        fs->roots_scanned = 0;
    }
    for (;;) {
        char *text;
        size_t len;
        uint64_t off;
        struct sim_trace_rec *r;
        int rc = t->failed ? SIM_TRACE_ERROR
                           : scan_line(fs, 0, NULL, &r, &text, &len, &off);
        if (rc != SIM_TRACE_OK)
            return rc == SIM_TRACE_END ? SIM_TRACE_OK : SIM_TRACE_ERROR;
        sim_trace_rec_free(r);
    }
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
    free(fs->lbuf);
    sim_trace_windows_free(&fs->win);
    free(fs->ctx.scratch);
    free(fs->ctx.words);
    if (fs->f != NULL)
        fclose(fs->f);
    free(fs);
}

static const struct sim_trace_ops file_ops = {
    .next_root = file_next_root,
    .child = file_child,
    .release = file_release,
    .close = file_close,
    .finish = file_finish,
};

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
    if (sim_trace_line_json(&fs->ctx, text, len, line, &j) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    int rc = sim_trace_line_header(&fs->ctx, j);
    const cJSON *lay = cJSON_GetObjectItemCaseSensitive(j, "layout");
    struct stat sb;
    const cJSON *bytes = cJSON_GetObjectItemCaseSensitive(j, "bytes");
    fs->jump = cJSON_IsString(lay) && strcmp(lay->valuestring, "kids") == 0 && fs->seekable
               && fstat(fileno(fs->f), &sb) == 0 && S_ISREG(sb.st_mode)
               && cJSON_IsNumber(bytes) && bytes->valuedouble == (double)sb.st_size;
    fs->hdr_end = fs->pos;
    fs->size = fs->jump ? (uint64_t)sb.st_size : 0;
    fs->jroot_off = fs->hdr_end;
    fs->jroot_line = 2;
    sim_trace_windows_init(&fs->win, fileno(fs->f), fs->size);
    cJSON_Delete(j);
    fs->ctx.time_unit_ns = fs->base.info.time_unit_ns;
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
    fs->ctx = (struct sim_trace_line_ctx){ .t = &fs->base, .path = fs->path,
                                           .time_unit_ns = 1 };
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
