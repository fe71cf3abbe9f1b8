/* sim_import_int.h: what the importers share: an in-memory trace builder that becomes a source,
 * error reporting with file and line, and reading a whole file. */
#ifndef SIM_IMPORT_INT_H
#define SIM_IMPORT_INT_H

#include "sim/util/sim_dag.h"
#include "sim/util/sim_idmap.h"
#include "sim/trace/import/sim_import.h"
#include "sim/trace/sim_trace_src.h"

#include <stdarg.h>

/*
 * The builder
 * -----------
 * An importer adds processes (imp_proc_add) and appends phases to them (imp_phase_add); a
 * SPAWN phase names a process added before or after it, which then must name the spawner as its
 * parent. imp_build checks exactly what the JSON Lines reader checks of a file (unique ids within
 * 2^53, every child spawned once by its parent, every spawned id present) and turns the builder
 * into a source: roots come out in nondecreasing spawn time (stable: insertion order among
 * equals), children by id. On any failure the builder is freed and nothing is returned.
 */

struct imp_proc {
    uint64_t id;
    uint64_t parent;            /* SIM_TRACE_NO_PARENT for a root */
    uint64_t spawn_ns;          /* roots */
    uint64_t ws_bytes;
    uint64_t line;              /* input line it came from (0 if none) */
    struct sim_trace_phase *ph;
    uint32_t nph, cap;
    uint8_t prio;
};

struct imp_builder {
    const char *path;           /* the input, for messages */
    struct imp_proc *p;
    size_t n, cap;
    struct sim_idmap index;     /* id -> index in p */
    struct sim_import_report rep;
    char *err;                  /* the caller's buffer */
    size_t errlen;
    bool failed;
};

/* Start a builder for path; 0, or -1 (out of memory, message in err). */
int imp_init(struct imp_builder *b, enum sim_import_format f, const char *path, char *err,
             size_t errlen);
void imp_free(struct imp_builder *b);

/* Record the first error as "PATH:LINE: message" (line 0: "PATH: message"); returns -1. */
int imp_fail(struct imp_builder *b, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Add a process; its index, or -1 (duplicate id, id too large, out of memory: error set). */
long imp_proc_add(struct imp_builder *b, uint64_t id, uint64_t parent, uint64_t spawn_ns,
                  uint64_t line);

/* The index of id, or -1. */
long imp_proc_find(const struct imp_builder *b, uint64_t id);

/* Append a phase to process idx; 0 or -1 (out of memory). */
int imp_phase_add(struct imp_builder *b, size_t idx, unsigned kind, uint64_t arg);

/* Count n occurrences of note key (a static string) described by what (static too). */
void imp_note(struct imp_builder *b, const char *key, const char *what, uint64_t n);

/* Check the builder and turn it into a source named name (kind: the format's name, canonical:
 * the spec, checksum: as described in sim_import.h). The builder is consumed either way. NULL
 * with the error in the builder's err buffer. */
struct sim_trace *imp_build(struct imp_builder *b, const char *name, const char *canonical,
                            const char *checksum);

/* Write task i's name for a message into buf (len bytes, cut if longer); returns its line. */
typedef uint64_t imp_task_name_fn(const void *ctx, uint32_t i, char *buf, size_t len);

/* The n tasks of edges e[0 .. ne) in topological order into order[0 .. n) (sim_dag_sort with
 * flags); 0, or -1 with "PATH:LINE: cycle in the WHAT: task A <- B <- A (each waits for the
 * next)" at the line of the first task named, or out of memory. */
int imp_dag_order(struct imp_builder *b, uint32_t n, const struct sim_dag_edge *e, size_t ne,
                  unsigned flags, uint32_t *order, const char *what, imp_task_name_fn *name,
                  const void *ctx);

/* Read the whole file into a NUL-terminated buffer (*len bytes, not counting the NUL); NULL with
 * "PATH: cannot open/read: reason" in the builder's error. */
char *imp_read_file(struct imp_builder *b, size_t *len);

/* imp_read_file for a text format read as one document: a file larger than max bytes is refused
 * before it is read (a regular file, by its size) or as soon as max + 1 bytes have come (a pipe,
 * a device), and so is one holding a NUL byte. NULL with "PATH: reason" in the builder's error. */
char *imp_read_text(struct imp_builder *b, size_t max, size_t *len);

/* Fail if text (len bytes) ends in the middle of a line: a text format whose last line has no
 * newline was cut short (line: that line's number). 0 or -1. */
int imp_check_complete(struct imp_builder *b, const char *text, size_t len, uint64_t line);

/* The importers: fill b from b->path (error set on failure). */
int sim_import_stg(struct imp_builder *b, const struct sim_import_opts *o);
int sim_import_wfcommons(struct imp_builder *b, const struct sim_import_opts *o);
int sim_import_sched(struct imp_builder *b, enum sim_import_format f);
int sim_import_beam(struct imp_builder *b);

/* ---- scheduler-trace lines (sim_import_sched_line.c) ---- */

enum sched_ev_kind {
    SEV_SWITCH, SEV_WAKEUP, SEV_WAKING, SEV_WAKEUP_NEW, SEV_FORK, SEV_EXIT,
    SEV_OTHER,      /* a well-formed event line of another event */
    SEV_LOST,       /* ftrace "CPU:N [LOST k EVENTS]": lost = k */
    SEV_SKIP,       /* a header, comment or blank line */
};

/* One parsed line. Pids are thread ids (0 = the idle task); prios are kernel prios or -1. */
struct sched_ev {
    enum sched_ev_kind kind;
    uint64_t ts_ns;             /* absolute, from SECS.FRACTION */
    uint64_t ctx;               /* the task the line was recorded in (its comm-pid column) */
    bool irq;                   /* ftrace flags say hardirq, softirq or NMI context */
    bool ctx_unknown;           /* perf could not tell the thread (":-1 -1"); ctx is 0 */
    uint64_t pid;               /* wake*, exit: the task; fork: the parent; switch: prev */
    uint64_t pid2;              /* fork: the child; switch: next */
    int prio, prio2;            /* the prios of pid and pid2 */
    char state[8];              /* switch: prev_state ("S", "R+", "D", "X", ...) */
    uint64_t lost;
};

/* Parse one line (NUL-terminated, no newline) of format f (FTRACE or PERF). 0, or -1 with a
 * message in err: an unknown shape or a malformed field of a sched event. */
int sim_sched_line_parse(const char *line, enum sim_import_format f, struct sched_ev *ev,
                         char *err, size_t errlen);

/* Does line look like an ftrace or perf sched event line? (used when sniffing a file) */
bool sim_import_sched_sniff(const char *line, enum sim_import_format *f);

#endif
