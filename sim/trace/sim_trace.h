/* sim_trace.h: schedlab workload traces: process records, and trace sources (JSON Lines files and
 * procedural generators) read through one small table of functions. */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * The model
 * ---------
 * A trace is a set of processes. Each has an id, an optional parent, a priority, an affinity, a
 * working-set size and a list of phases executed in order:
 *
 *   RUN   n   compute for n ns at capacity 1.0 (on-core)
 *   WAIT  n   timed sleep of n ns (off-core)
 *   SEND  d   put one message in the mailbox of process d (messages carry no payload)
 *   RECV      block until the mailbox holds a message, then consume one
 *   SPAWN c   create child process c (its record comes from sim_trace_child)
 *   EXIT      end (implicit after the last phase)
 *   AFFINITY  set, change or clear the process's own affinity and/or its migration limit from
 *             here on (sim_trace_aff_change decodes it); a strict mask that excludes the
 *             current core moves the process at this scheduling point, counted as a migration
 *
 * A parentless process (a "root") is injected at its spawn_ns; a child starts when its parent
 * runs the SPAWN phase naming it (its spawn_ns is 0 and meaningless). A DAG task is a process
 * that RECVs once per predecessor, RUNs, then SENDs to each successor.
 *
 * Sources and memory
 * ------------------
 * Records are created on demand and owned by the source; the consumer returns each one with
 * sim_trace_release when it is done with it (normally when the process exits). Generators build a
 * child's record from its parent's record (the gen[] words), so memory is proportional to the
 * records alive, never to the whole tree: fib:30 (2,692,537 processes) or uts:T1 (4,130,071)
 * stream in a few kilobytes when the consumer releases as it goes. File traces are read one line
 * at a time; sim_trace_child reads ahead to the child's line and remembers where the lines it
 * skipped are (about 64 bytes each), so a file's memory is bounded by how far ahead of the point
 * of reading children appear. See traces/FORMAT.md.
 *
 * Contracts common to all functions here: a source is used by one thread at a time; after a call
 * returns SIM_TRACE_ERROR every later call returns SIM_TRACE_ERROR again and sim_trace_error()
 * says what went wrong as "FILE:LINE: FIELD: message" (generators: "SPEC: FIELD: message").
 */

#define SIM_TRACE_NO_PARENT UINT64_MAX
/* Largest id a trace may hold: JSON numbers are exact integers only up to 2^53 - 1 (2^53 itself
 * is exact, but so is the rounding of 2^53 + 1 to it, so it cannot be told apart). */
#define SIM_TRACE_MAX_INT 9007199254740991ULL
/* Largest time a trace may hold, after its time unit or an importer's unit scaling:
 * WS_TIME_INPUT_MAX (2^53 ns, about 104 days; core/ws_time.h). */
#define SIM_TRACE_MAX_TIME_NS (UINT64_C(1) << 53)
/* Longest line of a trace file, newline excluded, checked while reading (before anything is
 * parsed): room for SIM_TRACE_MAX_PHASES phases of the longest form (27 bytes). 16 MiB; parsing
 * the longest line takes at most about 30 bytes per byte of it. */
#define SIM_TRACE_MAX_LINE (UINT64_C(16) << 20)
/* Most phases one process may have, recv counts expanded: 16 bytes each in memory. 2^19. */
#define SIM_TRACE_MAX_PHASES (UINT32_C(1) << 19)

enum sim_trace_status {
    SIM_TRACE_OK = 0,
    SIM_TRACE_END = 1,      /* next_root: no more roots */
    SIM_TRACE_ERROR = -1,   /* see sim_trace_error() */
};

enum sim_trace_prio { SIM_PRIO_MAX = 0, SIM_PRIO_HIGH = 1, SIM_PRIO_NORMAL = 2, SIM_PRIO_LOW = 3 };
#define SIM_PRIO_COUNT 4

enum sim_trace_aff_kind { SIM_AFF_NONE = 0, SIM_AFF_STRICT = 1, SIM_AFF_PREFERRED = 2 };
#define SIM_AFF_COUNT 3

enum sim_trace_phase_kind {
    SIM_PHASE_RUN = 0,
    SIM_PHASE_WAIT = 1,
    SIM_PHASE_SEND = 2,
    SIM_PHASE_RECV = 3,
    SIM_PHASE_SPAWN = 4,
    SIM_PHASE_EXIT = 5,
    SIM_PHASE_AFFINITY = 6,
};
#define SIM_PHASE_COUNT 7

struct sim_trace_phase {
    uint64_t arg;   /* RUN/WAIT: ns; SEND: destination id; SPAWN: child id; RECV/EXIT: 0;
                       AFFINITY: offset of its change in the record's aff_words */
    uint8_t kind;   /* enum sim_trace_phase_kind */
};

/* One AFFINITY phase, decoded. set_aff false: the affinity stays as it is (only the migration
 * limit changes). kind NONE clears it; cores (sorted, no duplicates) and preferred as in a
 * record's affinity. set_max: max_migrations replaces the process's limit (0 = the run's). */
struct sim_trace_aff_change {
    bool set_aff, set_max;
    uint8_t kind;                          /* enum sim_trace_aff_kind */
    int32_t preferred;                     /* -1 or one of cores (PREFERRED only) */
    uint32_t max_migrations;
    uint32_t ncores;
    const uint32_t *cores;
};

/* One process. Invariants: ids are unique within a trace and <= SIM_TRACE_MAX_INT; roots come
 * out of next_root in nondecreasing spawn_ns; aff_cores is sorted ascending without duplicates,
 * aff_ncores == 0 iff aff_kind == SIM_AFF_NONE; aff_preferred is -1 or one of aff_cores (only
 * for PREFERRED); children inherit the parent's affinity unless their line says otherwise (the
 * source resolves this: the record always holds the final affinity). */
struct sim_trace_rec {
    uint64_t id;
    uint64_t parent;                       /* SIM_TRACE_NO_PARENT for a root */
    uint64_t spawn_ns;                     /* roots: injection time; children: 0 */
    uint64_t ws_bytes;                     /* working-set size in bytes */
    const struct sim_trace_phase *phases;  /* nphases entries */
    uint32_t nphases;
    uint8_t prio;                          /* enum sim_trace_prio */
    uint8_t aff_kind;                      /* enum sim_trace_aff_kind */
    int32_t aff_preferred;                 /* preferred core id, or -1 */
    uint32_t aff_ncores;
    const uint32_t *aff_cores;             /* aff_ncores core ids */
    const uint32_t *aff_words;             /* AFFINITY phases' changes (sim_trace_aff_change) */
    uint32_t aff_nwords;
    uint32_t depth;                        /* spawn depth: roots 0, children parent + 1 */
    uint64_t line;                         /* line in the trace file; 0 for generators */
    void *user;                            /* the consumer's; sources never read or write it */
    uint64_t gen[4];                       /* source-private state; do not touch */
};

struct sim_trace;

/* The table every source implements; callers use the sim_trace_* wrappers below. */
struct sim_trace_ops {
    int (*next_root)(struct sim_trace *t, struct sim_trace_rec **out);
    int (*child)(struct sim_trace *t, const struct sim_trace_rec *parent, uint64_t child_id,
                 struct sim_trace_rec **out);
    void (*release)(struct sim_trace *t, struct sim_trace_rec *rec);
    void (*close)(struct sim_trace *t);
    int (*finish)(struct sim_trace *t);   /* NULL: nothing left to check */
};

/* What is known about a trace before reading it. */
struct sim_trace_info {
    const char *kind;          /* "file", or the generator kind ("fib", "uts", ...) */
    char canonical[512];       /* the file's path, or the generator spec with every parameter */
    char name[128];            /* header "name" of a file, or the spec as given */
    uint64_t roots;            /* number of roots if known in advance, else UINT64_MAX */
    uint64_t processes;        /* number of processes if known in advance, else 0 */
    uint64_t time_unit_ns;     /* file header time_unit (1 for ns); 1 for generators */
    const char *tally_name;    /* generator-specific count ("solutions" for nqueens), or NULL */
};

/* The common head of every source; a source's own struct starts with it. */
struct sim_trace {
    const struct sim_trace_ops *ops;
    struct sim_trace_info info;
    uint64_t tally;            /* the count named by info.tally_name, so far */
    bool failed;
    char err[640];
    char checksum[41];         /* hex SHA-1, filled on first sim_trace_checksum() */
};

struct sim_trace_opts {
    uint64_t max_buffered;     /* files: most skipped lines remembered at once; 0 = no limit */
};

/* Opening a TRACE by name (generator, JSON Lines file or imported format) is sim_trace_open
 * in sim/trace/import/sim_import.h, the layer that knows every format. */

/* The next root in nondecreasing spawn_ns: SIM_TRACE_OK with *out set, SIM_TRACE_END when there
 * are no more, or SIM_TRACE_ERROR. */
static inline int sim_trace_next_root(struct sim_trace *t, struct sim_trace_rec **out)
{
    return t->ops->next_root(t, out);
}

/* The record of child_id, spawned by parent's SPAWN phase; parent must not be released yet and
 * each child is asked for once. SIM_TRACE_OK with *out set, or SIM_TRACE_ERROR (a file whose
 * child line never appears, or appears with another parent, is an error naming the line). */
static inline int sim_trace_child(struct sim_trace *t, const struct sim_trace_rec *parent,
                                  uint64_t child_id, struct sim_trace_rec **out)
{
    return t->ops->child(t, parent, child_id, out);
}

/* Give a record back; rec must not be used afterwards. NULL is ignored. */
static inline void sim_trace_release(struct sim_trace *t, struct sim_trace_rec *rec)
{
    if (rec != NULL)
        t->ops->release(t, rec);
}

/* The consumer is done (every root taken, every process it ran finished): check what it did not
 * read. A file is read on to its end and every remaining line checked, so lines no process asked
 * for (a root beyond the header's "roots" count, a child of no process) are an error rather than
 * silently dropped. SIM_TRACE_OK, or SIM_TRACE_ERROR (t's error set). Call it once, before
 * reporting success; sources without a finish step return SIM_TRACE_OK. */
int sim_trace_finish(struct sim_trace *t);

/* Close the source and free everything it holds (records not yet released included). NULL ok. */
void sim_trace_close(struct sim_trace *t);

/* The last error, "" if none. */
const char *sim_trace_error(const struct sim_trace *t);

static inline const struct sim_trace_info *sim_trace_info(const struct sim_trace *t)
{
    return &t->info;
}

/* Hex SHA-1 of the trace: of the file's bytes (read once, on the first call), or of the canonical
 * generator spec string. NULL (and the error set) if the file cannot be read. */
const char *sim_trace_checksum(struct sim_trace *t);

/* Generator kinds and their argument syntax, one per line, for help texts. */
const char *sim_trace_kinds(void);

/* The change of AFFINITY phase ph of r into *out. */
void sim_trace_aff_change(const struct sim_trace_rec *r, const struct sim_trace_phase *ph,
                          struct sim_trace_aff_change *out);

/* Short names of phases, priorities and affinity kinds as written in trace files. */
const char *sim_trace_phase_name(unsigned kind);
const char *sim_trace_prio_name(unsigned prio);
const char *sim_trace_aff_name(unsigned kind);

/* ---- walking a whole trace: stats and writing files ------------------------------------- */

/* What sim_trace_walk found. The critical path is the makespan of the trace on infinitely many
 * cores with zero overheads (the method is described in sim_trace_walk.c and FORMAT.md). */
struct sim_trace_stats {
    uint64_t processes, roots, leaves;     /* leaves: processes without a SPAWN phase */
    uint64_t total_work_ns;                /* sum of RUN phases */
    uint64_t total_wait_ns;                /* sum of WAIT phases */
    uint64_t phases[SIM_PHASE_COUNT];      /* phase counts by kind */
    uint64_t prio[SIM_PRIO_COUNT];         /* processes by priority */
    uint64_t aff[SIM_AFF_COUNT];           /* processes by affinity kind */
    uint64_t ws_bytes_max;
    uint32_t max_depth;                    /* deepest spawn depth (roots are 0) */
    uint64_t peak_live;                    /* most records held at once during the walk */
    bool cp_known;                         /* false if the trace deadlocks */
    uint64_t critical_path_ns;             /* valid if cp_known */
    double parallelism;                    /* total_work_ns / critical_path_ns, if cp_known */
    uint64_t stuck;                        /* processes blocked forever on RECV */
    uint64_t unreceived;                   /* messages never consumed (to exited or unknown ids) */
    uint64_t tally;                        /* the source's tally after the walk */
    /* The trace as a graph of processes (task graphs above all), on infinitely many cores:
     * dag_depth is the most processes on one causal chain (a spawn or a consumed message links
     * one process to the next; a fork-join parent counts again after its children's replies);
     * dag_width the most processes inside RUN phases at one instant, known (width_known) when
     * the walk did not deadlock and held at most SIM_TRACE_WIDTH_MAX_RUNS RUN phases. */
    uint64_t dag_depth;
    uint64_t dag_width;
    bool width_known;
};

#define SIM_TRACE_WIDTH_MAX_RUNS (UINT64_C(1) << 21)   /* RUN phases kept for dag_width */

/* Called once per record, in the order the walk obtains them (every parent before its
 * children, roots in spawn order), with the parent's record (NULL for roots); nonzero stops
 * the walk with SIM_TRACE_ERROR. */
typedef int (*sim_trace_visit_fn)(void *ctx, const struct sim_trace_rec *rec,
                                  const struct sim_trace_rec *parent);

/* Read every record of t once (t must be fresh), compute st, call visit (may be NULL) on each.
 * Memory: the records of processes alive in the infinite-core evaluation order, which for trees
 * and DAGs is a depth-first walk. Returns SIM_TRACE_OK or SIM_TRACE_ERROR (t's error set). */
int sim_trace_walk(struct sim_trace *t, struct sim_trace_stats *st, sim_trace_visit_fn visit,
                   void *ctx);

/* Write the header line for a trace with this info (name, roots, processes when known, and the
 * generator spec). Returns 0, or -1 on an I/O error (errno set). */
int sim_trace_write_header(FILE *f, const struct sim_trace_info *info);

/* sim_trace_write_header with a "layout" field naming how the lines are ordered (NULL: none)
 * and, after it, a "bytes" field: the file's size, written as "0" padded to SIM_TRACE_BYTES_W
 * characters for the writer to fill in once it knows. */
#define SIM_TRACE_BYTES_W 16
int sim_trace_write_header_layout(FILE *f, const struct sim_trace_info *info,
                                  const char *layout);

/* What sim_trace_write_layout wrote, or why it stopped. */
struct sim_trace_write_result {
    uint64_t processes;        /* lines written after the header */
    int err;                   /* errno of the first I/O error, else 0 */
    uint64_t too_big;          /* a process with more phases than a file may hold ... */
    uint32_t nphases;          /* ... and how many (0: none) */
};

/* Write t (fresh) to f, a seekable file, in the "kids" layout (traces/FORMAT.md, "Layout"):
 * the header, then each root followed by its descendants in blocks of siblings, with offsets
 * that let a reader seek to a child. SIM_TRACE_OK, or SIM_TRACE_ERROR with res->err (I/O),
 * res->nphases (a process too big for a file) or t's error set. f is left at the end. */
int sim_trace_write_layout(struct sim_trace *t, FILE *f, struct sim_trace_write_result *res);

/* Write one record as a line: spawn only for roots, prio unless normal, ws unless 0, affinity
 * unless it equals what the line would inherit without one (parent's, or none for a root;
 * parent may be NULL for roots). 0, or -1 on an I/O error. */
int sim_trace_write_rec(FILE *f, const struct sim_trace_rec *rec,
                        const struct sim_trace_rec *parent);

#endif
