/* sim_dag.h: one topological sort with cycle detection for task graphs given as edge lists,
 * used by every importer of DAG workloads (STG, WfCommons). */
#ifndef SIM_DAG_H
#define SIM_DAG_H

#include <stddef.h>
#include <stdint.h>

/*
 * The order
 * ---------
 * Kahn's algorithm: the tasks with no predecessor in index order, then, first in first out,
 * each task whose last predecessor has just been placed, successors visited in the order of
 * their edges. With SIM_DAG_KEEP_SORTED the identity order is returned unchanged when every
 * edge already goes from a lower to a higher index (a file that is topological as written).
 *
 * The cycle
 * ---------
 * When tasks remain unplaced, each waits for at least one unplaced predecessor. The walk starts
 * at the lowest unplaced task and steps to its first unplaced predecessor (edge order) until it
 * reaches a task it has seen; the task where it stops is on a cycle. cycle[] gets that task,
 * then the predecessor it waits for, and so on around the cycle back to (not repeating) it.
 */

struct sim_dag_edge {
    uint32_t from, to;          /* task `to` waits for task `from`; both < n */
};

enum sim_dag_rc {
    SIM_DAG_OK = 0,
    SIM_DAG_CYCLE = 1,          /* cycle[0 .. *ncycle) is set; order[] is not */
    SIM_DAG_NOMEM = -1,
};

#define SIM_DAG_KEEP_SORTED 1u

/* Sort the n tasks of the graph with edges e[0 .. ne) into order[0 .. n); on a cycle fill
 * cycle[] (room for n) as described above. Duplicate edges count as one wait each, consistently
 * on both ends. On SIM_DAG_NOMEM nothing is written. */
enum sim_dag_rc sim_dag_sort(uint32_t n, const struct sim_dag_edge *e, size_t ne, unsigned flags,
                             uint32_t *order, uint32_t *cycle, uint32_t *ncycle);

#endif
