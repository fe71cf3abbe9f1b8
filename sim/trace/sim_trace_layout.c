/* sim_trace_layout.c: the JSON Lines writer of the "kids" layout, in which every process's
 * children are consecutive lines and each line says where its children's block starts, so a
 * reader seeks to a child instead of reading ahead to it. */
#include "sim/trace/sim_trace_src.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The layout
 * ----------
 * The file is written in blocks: a root's line, then the block of its children's lines (in
 * spawn order), then, recursively, the blocks of those children's children, the LAST child's
 * first. That is the order a scheduler that runs the newest spawned process first (the owner's
 * end of a work-stealing deque) asks for records, so one core replaying the file reads it
 * front to back; a thief that steals an older sibling seeks.
 *
 * A line with spawn phases carries "kids":[OFFSET,LINE], the byte offset and line number of
 * its children's block; a root carries "next":[OFFSET,LINE] (or null) for the next root. Both
 * are written as fixed-width placeholders and filled in once the target is written: a
 * placeholder still in the output buffer is patched there, an older one with pwrite. Memory:
 * the records of the not yet expanded siblings on the current path.
 */

#define OFF_W 15    /* digits of an offset: files under 10^15 bytes */
#define LINE_W 13   /* digits of a line number */
#define SLOT_W (1 + OFF_W + 1 + LINE_W + 1)   /* "[OFF,LINE]" or "null" padded */
#define OUT_CAP (1u << 20)

struct pending {
    struct sim_trace_rec *rec;
    uint64_t slot;          /* file offset of its "kids" placeholder */
};

struct lw {
    struct sim_trace *t;
    struct sim_trace_write_result *res;
    int fd;
    FILE *ms;               /* one line at a time */
    char *line;
    size_t line_cap;
    char *out;              /* output not yet written; out[0] is at file offset flushed */
    size_t nout;
    uint64_t flushed, lineno;
    uint64_t bytes_slot;    /* file offset of the header's "bytes" value */
    struct pending *stack;
    size_t nstack, capstack;
};

static int io_fail(struct lw *w)
{
    if (w->res->err == 0)
        w->res->err = errno ? errno : EIO;
    return SIM_TRACE_ERROR;
}

static int write_all(int fd, const char *p, size_t n, uint64_t off)
{
    while (n > 0) {
        ssize_t k = pwrite(fd, p, n, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k, n -= (size_t)k, off += (uint64_t)k;
    }
    return 0;
}

static int flush_out(struct lw *w)
{
    if (write_all(w->fd, w->out, w->nout, w->flushed) != 0)
        return io_fail(w);
    w->flushed += w->nout;
    w->nout = 0;
    return SIM_TRACE_OK;
}

/* Overwrite the n bytes at file offset at with s, in the buffer or in the file. */
static int overwrite(struct lw *w, uint64_t at, const char *s, size_t n)
{
    if (at >= w->flushed) {
        memcpy(w->out + (at - w->flushed), s, n);
        return SIM_TRACE_OK;
    }
    return write_all(w->fd, s, n, at) == 0 ? SIM_TRACE_OK : io_fail(w);
}

/* Fill the placeholder at slot with [off,line], or null when off is UINT64_MAX. */
static int patch(struct lw *w, uint64_t slot, uint64_t off, uint64_t line)
{
    char s[64];
    int n = off == UINT64_MAX
                ? snprintf(s, sizeof s, "%-*s", SLOT_W, "null")
                : snprintf(s, sizeof s, "[%*" PRIu64 ",%*" PRIu64 "]", OFF_W, off, LINE_W, line);
    if (n != SLOT_W)   /* a file of 10^15 bytes or 10^13 lines */
        return errno = EFBIG, io_fail(w);
    return overwrite(w, slot, s, SLOT_W);
}

static bool has_spawn(const struct sim_trace_rec *r)
{
    for (uint32_t i = 0; i < r->nphases; i++)
        if (r->phases[i].kind == SIM_PHASE_SPAWN)
            return true;
    return false;
}

/* Append bytes to the output; lines longer than the buffer go straight to the file. */
static int put(struct lw *w, const char *p, size_t n)
{
    if (w->nout + n > OUT_CAP && flush_out(w) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    if (n > OUT_CAP) {
        if (write_all(w->fd, p, n, w->flushed) != 0)
            return io_fail(w);
        w->flushed += n;
        return SIM_TRACE_OK;
    }
    memcpy(w->out + w->nout, p, n);
    w->nout += n;
    return SIM_TRACE_OK;
}

/* Write r's line with a "kids" placeholder if it spawns and a "next" one if it is a root;
 * *kids_slot / *next_slot: their file offsets. */
static int emit(struct lw *w, const struct sim_trace_rec *r, const struct sim_trace_rec *parent,
                uint64_t *kids_slot, uint64_t *next_slot)
{
    if (r->nphases > SIM_TRACE_MAX_PHASES) {
        w->res->too_big = r->id;
        w->res->nphases = r->nphases;
        return SIM_TRACE_ERROR;
    }
    rewind(w->ms);
    if (sim_trace_write_rec(w->ms, r, parent) != 0 || fflush(w->ms) != 0)
        return io_fail(w);
    long n = ftell(w->ms);
    if (n < 2 || (size_t)n >= w->line_cap)
        return errno = EOVERFLOW, io_fail(w);
    if (put(w, w->line, (size_t)n - 2) != SIM_TRACE_OK)   /* without "}\n" */
        return SIM_TRACE_ERROR;
    char ph[SLOT_W + 1];
    snprintf(ph, sizeof ph, "%-*s", SLOT_W, "null");
    if (has_spawn(r)) {
        *kids_slot = w->flushed + w->nout + 8;
        if (put(w, ",\"kids\":", 8) != SIM_TRACE_OK || put(w, ph, SLOT_W) != SIM_TRACE_OK)
            return SIM_TRACE_ERROR;
    }
    if (r->parent == SIM_TRACE_NO_PARENT) {
        *next_slot = w->flushed + w->nout + 8;
        if (put(w, ",\"next\":", 8) != SIM_TRACE_OK || put(w, ph, SLOT_W) != SIM_TRACE_OK)
            return SIM_TRACE_ERROR;
    }
    w->lineno++;
    w->res->processes++;
    return put(w, "}\n", 2);
}

static int push(struct lw *w, struct sim_trace_rec *r, uint64_t slot)
{
    if (w->nstack == w->capstack) {
        size_t c = w->capstack ? w->capstack * 2 : 64;
        struct pending *p = realloc(w->stack, c * sizeof *p);
        if (p == NULL)
            return errno = ENOMEM, io_fail(w);
        w->stack = p;
        w->capstack = c;
    }
    w->stack[w->nstack++] = (struct pending){ r, slot };
    return SIM_TRACE_OK;
}

/* Write the block of p's children at the current position, and queue those that spawn. */
static int expand(struct lw *w, struct pending p)
{
    int rc = patch(w, p.slot, w->flushed + w->nout, w->lineno + 1);
    for (uint32_t i = 0; rc == SIM_TRACE_OK && i < p.rec->nphases; i++) {
        if (p.rec->phases[i].kind != SIM_PHASE_SPAWN)
            continue;
        struct sim_trace_rec *c;
        if (sim_trace_child(w->t, p.rec, p.rec->phases[i].arg, &c) != SIM_TRACE_OK)
            return SIM_TRACE_ERROR;
        uint64_t slot = 0, unused;
        rc = emit(w, c, p.rec, &slot, &unused);
        if (rc == SIM_TRACE_OK && has_spawn(c))
            rc = push(w, c, slot);
        else
            sim_trace_release(w->t, c);
    }
    sim_trace_release(w->t, p.rec);
    return rc;
}

/* Every root with its descendants, each root's "next" filled in when the next one is written. */
static int write_roots(struct lw *w)
{
    uint64_t prev_next = UINT64_MAX;
    struct sim_trace_rec *r;
    int rc;
    while ((rc = sim_trace_next_root(w->t, &r)) == SIM_TRACE_OK) {
        uint64_t kids = 0, next = 0, off = w->flushed + w->nout;
        rc = emit(w, r, NULL, &kids, &next);
        if (rc == SIM_TRACE_OK && prev_next != UINT64_MAX)
            rc = patch(w, prev_next, off, w->lineno);
        prev_next = next;
        if (rc == SIM_TRACE_OK && has_spawn(r))
            rc = push(w, r, kids);
        else
            sim_trace_release(w->t, r);
        while (rc == SIM_TRACE_OK && w->nstack > 0)
            rc = expand(w, w->stack[--w->nstack]);
        if (rc != SIM_TRACE_OK)
            return rc;
    }
    if (rc != SIM_TRACE_END)
        return rc;
    if (prev_next != UINT64_MAX && patch(w, prev_next, UINT64_MAX, 0) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    rc = sim_trace_finish(w->t);
    if (rc != SIM_TRACE_OK || flush_out(w) != SIM_TRACE_OK)
        return SIM_TRACE_ERROR;
    char s[SIM_TRACE_BYTES_W + 8];   /* the header's "bytes": the file is complete */
    snprintf(s, sizeof s, "%*" PRIu64, SIM_TRACE_BYTES_W, w->flushed);
    return overwrite(w, w->bytes_slot, s, SIM_TRACE_BYTES_W);
}

int sim_trace_write_layout(struct sim_trace *t, FILE *f, struct sim_trace_write_result *res)
{
    memset(res, 0, sizeof *res);
    struct lw w = { .t = t, .res = res, .lineno = 1 };
    static const char head[] = "{\"format\":\"schedlab-trace\",\"version\":1,\"layout\":"
                               "\"kids\",\"bytes\":";
    long at = ftell(f);
    if (at < 0 || sim_trace_write_header_layout(f, &t->info, "kids") != 0 || fflush(f) != 0)
        return io_fail(&w);
    w.bytes_slot = (uint64_t)at + sizeof head - 1;
    w.fd = fileno(f);
    off_t start = lseek(w.fd, 0, SEEK_CUR);
    if (start < 0)
        return io_fail(&w);
    w.flushed = (uint64_t)start;
    w.line_cap = SIM_TRACE_MAX_LINE + (64u << 10);
    w.line = malloc(w.line_cap);
    w.out = malloc(OUT_CAP);
    w.ms = w.line != NULL ? fmemopen(w.line, w.line_cap, "w") : NULL;
    int rc = w.out == NULL || w.ms == NULL ? (errno = ENOMEM, io_fail(&w)) : write_roots(&w);
    for (size_t i = 0; i < w.nstack; i++)
        sim_trace_release(t, w.stack[i].rec);
    free(w.stack);
    if (w.ms != NULL)
        fclose(w.ms);
    free(w.line);
    free(w.out);
    if (rc == SIM_TRACE_OK && lseek(w.fd, (off_t)w.flushed, SEEK_SET) < 0)
        return io_fail(&w);
    return rc;
}
