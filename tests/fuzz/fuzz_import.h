/* fuzz_import.h: the body of the importer fuzz targets (fuzz_stg.c, fuzz_wfcommons.c,
 * fuzz_ftrace.c, fuzz_perf.c): the input is a file of one foreign format, opened with
 * sim_import_open_format; an import either fails with a message or gives a trace whose records
 * keep sim_trace.h's invariants and whose report counts what the walk finds. The format
 * sniffer (sim_import_claims) reads the same bytes. fuzz_sched_scale.c feeds it recordings it
 * expands from a short description. */
#ifndef FUZZ_IMPORT_H
#define FUZZ_IMPORT_H

#include "tests/fuzz/fuzz_check.h"

#include "sim/trace/import/sim_import.h"

/* Import size bytes of format f from a memory file (any size) and check the result. */
static inline void fuzz_import_file(enum sim_import_format f, const uint8_t *data, size_t size)
{
    char path[64], err[1024] = "";
    int fd = fuzz_memfd(data, size, path);
    if (fd < 0)
        return;
    sim_import_claims(path);
    struct sim_trace *t = sim_import_open_format(f, path, NULL, err, sizeof err);
    if (t == NULL) {
        check(err[0] != '\0', "a failed import says why");
        close(fd);
        return;
    }
    const struct sim_import_report *rep = sim_import_report(t);
    check(rep != NULL && rep->format == f, "an import has its report");
    struct sim_trace_stats st;
    if (fuzz_walk(t, &st) == SIM_TRACE_OK && st.processes <= MAX_RECORDS)
        check(st.processes == rep->processes, "the report counts the processes walked");
    sim_trace_close(t);
    close(fd);
}

/* The body of the file-format targets: the fuzzer's bytes are the file. */
static inline void fuzz_import(enum sim_import_format f, const uint8_t *data, size_t size)
{
    if (size <= FUZZ_MAX_INPUT)
        fuzz_import_file(f, data, size);
}

#endif
