/* cli_names.c: command-line checks of the names a user types (parameters, topologies,
 * generator kinds), each refused as a usage error (exit 2) with the closest known name. */
#include "core/ws_params.h"
#include "sim/cli/cli.h"
#include "sim/engine/sim_topo.h"
#include "sim/trace/import/sim_import.h"
#include "sim/trace/sim_gen.h"
#include "sim/util/sim_suggest.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sim_cli_check_param(const char *cmd, const char *assignment)
{
    char name[64], hint[128];
    size_t len = strcspn(assignment, "=");
    if (len == 0 || len >= sizeof name || assignment[len] != '=')
        return 0;   /* malformed: the parser says how */
    memcpy(name, assignment, len);
    name[len] = '\0';
    if (ws_params_find(name) != NULL)
        return 0;
    size_t n = ws_params_count();
    const char **names = malloc(n * sizeof *names);
    hint[0] = '\0';
    if (names != NULL) {
        for (size_t i = 0; i < n; i++)
            names[i] = ws_params_desc(i)->name;
        sim_suggest_text(name, names, n, hint, sizeof hint);
        free(names);
    }
    return sim_cli_usage_error(cmd, "unknown parameter '%s'%s", name, hint);
}

int sim_cli_check_topology(const char *cmd, const char *name)
{
    size_t len = strlen(name);
    if (strncmp(name, "synth:", 6) == 0 || strchr(name, '/') != NULL ||
        (len > 5 && strcmp(name + len - 5, ".json") == 0) || access(name, F_OK) == 0)
        return 0;   /* a synth: spec or a file: loading it reports its faults */
    char err[512], hint[128] = "", **names = NULL;
    int n = sim_topo_list(&names, err, sizeof err);
    if (n < 0)
        return 0;   /* no preset folder: the load says so */
    bool found = false;
    for (int i = 0; i < n && !found; i++)
        found = strcmp(names[i], name) == 0;
    if (!found)
        sim_suggest_text(name, (const char *const *)names, (size_t)n, hint, sizeof hint);
    sim_topo_names_free(names, n);
    if (found)
        return 0;
    return sim_cli_usage_error(cmd, "unknown topology '%s'%s: not a preset (see 'schedlab "
                               "topo list'), a file, or a synth: spec", name, hint);
}

int sim_cli_check_trace(const char *cmd, const char *trace)
{
    size_t n = strcspn(trace, ":");
    if (trace[n] != ':' || n == 0 || sim_gen_known(trace) || access(trace, F_OK) == 0 ||
        sim_import_claims(trace))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)trace[i]) && !isdigit((unsigned char)trace[i]) &&
            trace[i] != '_')
            return 0;   /* not a KIND: prefix; opening it reports the file */
    const char *near = sim_gen_suggest_kind(trace);
    return sim_cli_usage_error(cmd, "%s: unknown generator '%.*s'%s%s%s (kinds: 'schedlab "
                               "trace --help')", trace, (int)n, trace,
                               near ? " (did you mean '" : "", near ? near : "",
                               near ? "'?)" : "");
}
