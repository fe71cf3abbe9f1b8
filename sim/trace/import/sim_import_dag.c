/* sim_import_dag.c: the importers' topological order of a task graph, with the error for a cycle
 * naming the file, the line of one task on it and the tasks around it. */
#include "sim/trace/import/sim_import_int.h"

#include <stdlib.h>

int imp_dag_order(struct imp_builder *b, uint32_t n, const struct sim_dag_edge *e, size_t ne,
                  unsigned flags, uint32_t *order, const char *what, imp_task_name_fn *name,
                  const void *ctx)
{
    uint32_t *cycle = malloc(((size_t)n + 1) * sizeof *cycle), len = 0;
    enum sim_dag_rc rc = cycle == NULL ? SIM_DAG_NOMEM
                                       : sim_dag_sort(n, e, ne, flags, order, cycle, &len);
    if (rc != SIM_DAG_CYCLE) {
        free(cycle);
        return rc == SIM_DAG_OK ? 0 : imp_fail(b, 0, "out of memory");
    }
    char path[400], one[64];
    uint64_t line = name(ctx, cycle[0], one, sizeof one);
    int at = snprintf(path, sizeof path, "%s", one);
    for (uint32_t k = 1; k <= len && at < (int)sizeof path - 80; k++) {
        name(ctx, cycle[k % len], one, sizeof one);   /* ends where it began */
        at += snprintf(path + at, sizeof path - (size_t)at, " <- %s", one);
    }
    free(cycle);
    return imp_fail(b, line, "cycle in the %s: task %s (each waits for the next)", what, path);
}
