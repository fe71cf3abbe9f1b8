/* sim_trace_open.c: open any TRACE by name: a generator spec, an importable foreign format, or
 * a JSON Lines file (the dispatch of sim_trace_open in sim_import.h). */
#include "sim/trace/import/sim_import.h"
#include "sim/trace/sim_trace_src.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* KIND:ARGS with a plain word as KIND, naming no file: meant as a generator spec. */
static bool looks_like_spec(const char *trace)
{
    size_t n = strcspn(trace, ":");
    if (trace[n] != ':' || n == 0 || access(trace, F_OK) == 0 || ends_with(trace, ".jsonl"))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)trace[i]) && !isdigit((unsigned char)trace[i]) &&
            trace[i] != '_')
            return false;
    return true;
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
    if (is_file && looks_like_spec(trace))      /* fbi:10: an unknown generator, not a file */
        return sim_gen_open(trace, err, errlen);
    if (is_file)
        return sim_trace_file_open(trace, opts, err, errlen);
    return sim_gen_open(trace, err, errlen);
}
