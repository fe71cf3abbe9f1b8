/* sim_trace_window.h: a few cached windows of a file, so that lines can be read at any offset
 * with few system calls (the reader of the "kids" layout seeks to each child's line). */
#ifndef SIM_TRACE_WINDOW_H
#define SIM_TRACE_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_TRACE_NWIN 128           /* 1 MiB held; small windows: a replay on 1,024
                                        * cores reads in as many places at once */
#define SIM_TRACE_WIN (8u << 10)

/* Invariants: a window with data != NULL holds the file's bytes [start, start + len); used
 * orders windows by last use (the least recently used is refilled first). */
struct sim_trace_windows {
    int fd;
    uint64_t size;                   /* the file's size when opened */
    uint64_t clock;
    struct sim_trace_win {
        uint64_t start, used;
        size_t len;
        char *data;
    } w[SIM_TRACE_NWIN];
};

/* Windows over fd (size bytes long); nothing is allocated until the first read. */
void sim_trace_windows_init(struct sim_trace_windows *ws, int fd, uint64_t size);
void sim_trace_windows_free(struct sim_trace_windows *ws);

/* The line that starts at off (0 < off): *text (without its newline, not NUL-terminated,
 * valid until the next call: in a window, or for a line longer than a window in *buf, grown as
 * needed up to max + 1 bytes) and its length, or SIM_TRACE_LINE_EOF
 * (off at or beyond the end), SIM_TRACE_LINE_LONG or SIM_TRACE_LINE_IOERR (errno set).
 * *span: the bytes the line takes, newline included; *at_start: whether byte off - 1 is a
 * newline, i.e. off is where a line starts. */
long long sim_trace_windows_line(struct sim_trace_windows *ws, uint64_t off, const char **text,
                                 char **buf, size_t *cap, size_t max, size_t *span,
                                 bool *at_start);

#endif
