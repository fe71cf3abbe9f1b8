/* sim_import.h: importers of foreign workload formats (STG task graphs, WfCommons WfFormat JSON,
 * Linux ftrace and `perf script` scheduler traces) as ordinary trace sources, each with a report
 * of what it dropped or could not map. */
#ifndef SIM_IMPORT_H
#define SIM_IMPORT_H

#include "sim/trace/sim_trace.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * How an import works
 * -------------------
 * An importer reads the whole input file when the source is opened, checks it (every error names
 * the file, the line and the field, and nothing is kept) and builds every process in memory; the
 * source then hands records out through the ordinary sim_trace table, so an imported file is
 * "directly usable as TRACE" by replay, compare and `trace stats`, and `trace import` writes it as
 * a JSON Lines file with the same walk `trace gen` uses. Inputs are small (task graphs of a few
 * thousand tasks, scheduler traces of a few hundred thousand events), so memory is the trace.
 *
 * A TRACE is an import when it is a spec `FORMAT:PATH[,key=value...]` (FORMAT one of stg,
 * wfcommons, ftrace, perf; options are peeled off the end only when their key is one the format
 * knows, so a path may hold commas), or a plain path that is not a generator spec, does not end
 * in .jsonl and whose extension (.stg) or first 64 KiB (a WfFormat object, ftrace or perf text,
 * an STG header) mark an importable format. Anything else stays with the JSON Lines reader.
 *
 * The checksum of an imported source is the SHA-1 of the input file's bytes when every option has
 * its default, else the SHA-1 of "FILESHA1,OPTIONS" (so a different unit is a different trace).
 */

/* Open TRACE: a generator spec KIND:ARGS (fib:25, uts:T1, ring:procs=1000,rounds=10, ...; the
 * list is sim_trace_kinds()) when the text before the first ':' names a kind and it does not end
 * in .jsonl; otherwise a path to a JSON Lines file (write ./fib:3 for a file so named). opts may
 * be NULL.
 * Returns the source, or NULL with a message "FILE:LINE: FIELD: message" in err. The header
 * line of a file is read and checked here. The importable formats (below) are recognised first. */
struct sim_trace *sim_trace_open(const char *trace, const struct sim_trace_opts *opts, char *err,
                                 size_t errlen);

/* Largest WfCommons file: the document is parsed whole (cJSON takes several times its size). */
#define SIM_IMPORT_WF_MAX_BYTES (UINT64_C(256) << 20)
/* STG files are read a line at a time; a line is at most SIM_TRACE_MAX_LINE bytes. */

enum sim_import_format {
    SIM_IMPORT_STG = 0,
    SIM_IMPORT_WFCOMMONS = 1,
    SIM_IMPORT_FTRACE = 2,
    SIM_IMPORT_PERF = 3,
    SIM_IMPORT_BEAM = 4,        /* an Erlang VM recording of `schedlab beam record` */
};
#define SIM_IMPORT_FORMATS 5

enum sim_import_multicore {
    SIM_IMPORT_MC_SPLIT = 0,    /* k-core task: k processes of the runtime each (default) */
    SIM_IMPORT_MC_SERIAL = 1,   /* k-core task: one process of k x runtime */
};

struct sim_import_opts {
    uint64_t unit_ns;           /* STG: ns per cost unit; 0 = default 1000 (1 us) */
    uint32_t multicore;         /* WfCommons: enum sim_import_multicore */
};

/* One thing an importer dropped, changed or could not map, with how often. */
struct sim_import_note {
    const char *key;            /* stable short name ("dummy_tasks"), for tests and scripts */
    const char *what;           /* one line for people */
    uint64_t count;
};

#define SIM_IMPORT_NOTES_MAX 32

/* What an import produced and what it lost. Notes appear in the order first raised. */
struct sim_import_report {
    enum sim_import_format format;
    uint64_t processes;         /* processes in the trace */
    uint64_t messages;          /* SEND phases */
    uint64_t spawns;            /* SPAWN phases */
    uint64_t total_work_ns;     /* sum of RUN phases */
    uint32_t nnotes;
    struct sim_import_note notes[SIM_IMPORT_NOTES_MAX];
};

/* The format's name ("stg", "wfcommons", "ftrace", "perf"). */
const char *sim_import_format_name(enum sim_import_format f);

/* The format named name (also "wf" for wfcommons); -1 if none. */
int sim_import_format_parse(const char *name);

/* Option defaults (unit 1 us, multicore split). */
void sim_import_opts_defaults(struct sim_import_opts *o);

/* True when sim_trace_open should hand trace to sim_import_open (see above). Reads at most the
 * first 64 KiB of a file; a file that cannot be read is left to the JSON Lines reader. */
bool sim_import_claims(const char *trace);

/* Open an import spec or a sniffed path. NULL with "FILE:LINE: FIELD: message" in err. */
struct sim_trace *sim_import_open(const char *trace, const struct sim_trace_opts *opts, char *err,
                                  size_t errlen);

/* Open path as format f with options o (NULL: defaults). NULL with the error in err. */
struct sim_trace *sim_import_open_format(enum sim_import_format f, const char *path,
                                         const struct sim_import_opts *o, char *err,
                                         size_t errlen);

/* The report of an imported source; NULL when t is not one. */
const struct sim_import_report *sim_import_report(const struct sim_trace *t);

/* The count of note key in r (0 when absent). */
uint64_t sim_import_note_count(const struct sim_import_report *r, const char *key);

/* Print r as text lines ("import: KEY COUNT: WHAT"); 0, or -1 on an I/O error. */
int sim_import_report_write(FILE *f, const struct sim_import_report *r);

#endif
