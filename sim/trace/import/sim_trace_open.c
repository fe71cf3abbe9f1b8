/* sim_trace_open.c: open any TRACE by name: a generator spec, an importable foreign format, or
 * a JSON Lines file (the dispatch of sim_trace_open in sim_import.h). */
#include "sim/trace/import/sim_import.h"
#include "sim/trace/sim_trace_src.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

struct sim_trace *sim_trace_open(const char *trace, const struct sim_trace_opts *opts, char *err,
                                 size_t errlen)
{
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (trace == NULL || trace[0] == '\0') {
        snprintf(err, errlen, "empty trace name");
        return NULL;
    }
    bool is_file = strchr(trace, ':') == NULL || ends_with(trace, ".jsonl")
                   || !sim_gen_known(trace);
    if (is_file && sim_import_claims(trace))   /* stg:, wfcommons:, ftrace:, perf:, sniffed */
        return sim_import_open(trace, opts, err, errlen);
    if (is_file)
        return sim_trace_file_open(trace, opts, err, errlen);
    return sim_gen_open(trace, err, errlen);
}
