/* sim_trace_window.c: cached windows of a file for reading lines at any offset (see
 * sim_trace_window.h). */
#include "sim/trace/sim_trace_window.h"
#include "sim/trace/sim_trace_src.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void sim_trace_windows_init(struct sim_trace_windows *ws, int fd, uint64_t size)
{
    memset(ws, 0, sizeof *ws);
    ws->fd = fd;
    ws->size = size;
}

void sim_trace_windows_free(struct sim_trace_windows *ws)
{
    for (size_t i = 0; i < SIM_TRACE_NWIN; i++)
        free(ws->w[i].data);
    memset(ws->w, 0, sizeof ws->w);
}

/* pread all of n bytes at off (fewer only at the end of the file): the count, or -1. */
static ssize_t read_at(int fd, char *p, size_t n, uint64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, p + got, n - got, (off_t)(off + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

/* The window holding byte off - 1 and at least off, or NULL. */
static struct sim_trace_win *find(struct sim_trace_windows *ws, uint64_t off)
{
    for (size_t i = 0; i < SIM_TRACE_NWIN; i++) {
        struct sim_trace_win *w = &ws->w[i];
        if (w->data != NULL && w->start < off && off < w->start + w->len) {
            w->used = ++ws->clock;
            return w;
        }
    }
    return NULL;
}

/* Refill the least recently used window with the bytes from start on; NULL on a read error. */
static struct sim_trace_win *load(struct sim_trace_windows *ws, uint64_t start)
{
    struct sim_trace_win *w = &ws->w[0];
    for (size_t i = 1; i < SIM_TRACE_NWIN; i++)
        if (ws->w[i].used < w->used)
            w = &ws->w[i];
    if (w->data == NULL && (w->data = malloc(SIM_TRACE_WIN)) == NULL)
        return NULL;
    ssize_t n = read_at(ws->fd, w->data, SIM_TRACE_WIN, start);
    if (n < 0)
        return NULL;
    w->start = start;
    w->len = (size_t)n;
    w->used = ++ws->clock;
    return w;
}

static bool room(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    char *b = realloc(*buf, need);
    if (b == NULL)
        return false;
    *buf = b;
    *cap = need;
    return true;
}

/* A line longer than a window: read on from off + have, have bytes already in *buf. */
static long long long_line(struct sim_trace_windows *ws, uint64_t off, size_t have, char **buf,
                           size_t *cap, size_t max, size_t *span)
{
    for (;;) {
        if (have > max)
            return SIM_TRACE_LINE_LONG;
        size_t want = max + 1 - have < SIM_TRACE_WIN ? max + 1 - have : SIM_TRACE_WIN;
        if (!room(buf, cap, have + want + 1))
            return errno = ENOMEM, SIM_TRACE_LINE_IOERR;
        ssize_t n = read_at(ws->fd, *buf + have, want, off + have);
        if (n < 0)
            return SIM_TRACE_LINE_IOERR;
        char *nl = memchr(*buf + have, '\n', (size_t)n);
        if (nl != NULL || n == 0) {
            size_t len = nl != NULL ? (size_t)(nl - *buf) : have;
            if (len > max)
                return SIM_TRACE_LINE_LONG;
            (*buf)[len] = '\0';
            *span = len + (nl != NULL);
            return (long long)len;
        }
        have += (size_t)n;
    }
}

long long sim_trace_windows_line(struct sim_trace_windows *ws, uint64_t off, const char **text,
                                 char **buf, size_t *cap, size_t max, size_t *span,
                                 bool *at_start)
{
    *text = NULL;
    if (off == 0 || off >= ws->size)
        return SIM_TRACE_LINE_EOF;
    struct sim_trace_win *w = find(ws, off);
    for (int tries = 0;; tries++) {
        if (w == NULL && (w = load(ws, off - 1)) == NULL)
            return errno ? SIM_TRACE_LINE_IOERR : (errno = ENOMEM, SIM_TRACE_LINE_IOERR);
        if (w->len < 2 && off - 1 + w->len < ws->size)
            return errno = EIO, SIM_TRACE_LINE_IOERR;   /* the file shrank */
        *at_start = w->data[off - 1 - w->start] == '\n';
        const char *p = w->data + (off - w->start);
        size_t avail = (size_t)(w->start + w->len - off);
        const char *nl = memchr(p, '\n', avail);
        bool at_end = w->start + w->len >= ws->size;
        if (nl == NULL && !at_end && tries == 0 && w->start != off - 1) {
            w = NULL;   /* the line runs past this window: reload from its start */
            continue;
        }
        size_t len = nl != NULL ? (size_t)(nl - p) : avail;
        if (nl == NULL && !at_end) {
            if (!room(buf, cap, (len < max ? len : max) + 2))
                return errno = ENOMEM, SIM_TRACE_LINE_IOERR;
            memcpy(*buf, p, len < max + 1 ? len : max + 1);
            long long n = long_line(ws, off, len < max + 1 ? len : max + 1, buf, cap, max, span);
            *text = *buf;   /* after long_line: it may move *buf */
            return n;
        }
        if (len > max)
            return SIM_TRACE_LINE_LONG;
        *text = p;
        *span = len + (nl != NULL);
        return (long long)len;
    }
}
