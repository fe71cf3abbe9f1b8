/* sim_dag.c: Kahn's topological sort over edge lists, and the cycle that stops it. */
#include "sim/util/sim_dag.h"

#include <stdbool.h>
#include <stdlib.h>

/* Adjacency in compressed rows: the edges out of (or into) task i are adj[first[i] ..
 * first[i + 1]), in edge-list order. */
struct rows {
    uint32_t *first;            /* n + 1 */
    uint32_t *adj;
};

/* Rows of successors (by_to false) or predecessors (by_to true); 0 or -1 (no memory). */
static int rows_build(struct rows *r, uint32_t n, const struct sim_dag_edge *e, size_t ne,
                      bool by_to)
{
    r->first = calloc((size_t)n + 2, sizeof *r->first);
    r->adj = malloc((ne + 1) * sizeof *r->adj);
    if (r->first == NULL || r->adj == NULL)
        return -1;
    for (size_t k = 0; k < ne; k++)
        r->first[(by_to ? e[k].to : e[k].from) + 2]++;
    for (uint32_t i = 0; i < n; i++)
        r->first[i + 2] += r->first[i + 1];
    for (size_t k = 0; k < ne; k++)   /* first[i + 1] is the fill point of row i */
        r->adj[r->first[(by_to ? e[k].to : e[k].from) + 1]++] = by_to ? e[k].from : e[k].to;
    return 0;
}

static void rows_free(struct rows *r)
{
    free(r->first);
    free(r->adj);
}

/* The first predecessor of v still waiting (deg != 0); one exists while v is unplaced. */
static uint32_t waiting_pred(const struct rows *pred, const uint32_t *deg, uint32_t v)
{
    for (uint32_t k = pred->first[v]; k < pred->first[v + 1]; k++)
        if (deg[pred->adj[k]] != 0)
            return pred->adj[k];
    return v;   /* unreachable for an unplaced task */
}

/* The cycle through the unplaced tasks into cycle[] (see sim_dag.h); seen[] is n zeroed bytes. */
static uint32_t find_cycle(uint32_t n, const struct rows *pred, const uint32_t *deg,
                           unsigned char *seen, uint32_t *cycle)
{
    uint32_t v = 0;
    while (v < n && deg[v] == 0)
        v++;
    seen[v] = 1;
    for (uint32_t u; !seen[u = waiting_pred(pred, deg, v)]; v = u)
        seen[u] = 1;
    uint32_t len = 0, u = v;
    do {
        cycle[len++] = u;
        u = waiting_pred(pred, deg, u);
    } while (u != v && len < n);
    return len;
}

/* Whether every edge goes from a lower to a higher index. */
static bool already_sorted(const struct sim_dag_edge *e, size_t ne)
{
    for (size_t k = 0; k < ne; k++)
        if (e[k].from >= e[k].to)
            return false;
    return true;
}

enum sim_dag_rc sim_dag_sort(uint32_t n, const struct sim_dag_edge *e, size_t ne, unsigned flags,
                             uint32_t *order, uint32_t *cycle, uint32_t *ncycle)
{
    if ((flags & SIM_DAG_KEEP_SORTED) && already_sorted(e, ne)) {
        for (uint32_t i = 0; i < n; i++)
            order[i] = i;
        return SIM_DAG_OK;
    }
    struct rows succ = { 0 }, pred = { 0 };
    uint32_t *deg = calloc((size_t)n + 1, sizeof *deg), *tmp = malloc(((size_t)n + 1) * sizeof *tmp);
    enum sim_dag_rc rc = SIM_DAG_NOMEM;
    if (deg == NULL || tmp == NULL || rows_build(&succ, n, e, ne, false) != 0
        || rows_build(&pred, n, e, ne, true) != 0)
        goto out;
    uint32_t head = 0, tail = 0;
    for (uint32_t i = 0; i < n; i++)
        if ((deg[i] = pred.first[i + 1] - pred.first[i]) == 0)
            tmp[tail++] = i;
    while (head < tail) {
        uint32_t v = tmp[head++];
        for (uint32_t k = succ.first[v]; k < succ.first[v + 1]; k++)
            if (--deg[succ.adj[k]] == 0)
                tmp[tail++] = succ.adj[k];
    }
    rc = SIM_DAG_OK;
    if (tail == n) {
        for (uint32_t i = 0; i < n; i++)
            order[i] = tmp[i];
    } else {
        unsigned char *seen = calloc((size_t)n + 1, 1);
        rc = seen == NULL ? SIM_DAG_NOMEM : SIM_DAG_CYCLE;
        if (seen != NULL)
            *ncycle = find_cycle(n, &pred, deg, seen, cycle);
        free(seen);
    }
out:
    rows_free(&succ);
    rows_free(&pred);
    free(deg);
    free(tmp);
    return rc;
}
