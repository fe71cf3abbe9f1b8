/* test_dag.c: sim_dag_sort, the one topological sort of the importers: Kahn's order with ready
 * tasks first in first out, the file's order kept when asked and already topological, and the
 * cycle it reports lying on the graph's cycle even behind a tail of waiting tasks. */
#include "sim/util/sim_dag.h"

#include <criterion/criterion.h>

#define E(a, b) { .from = (a), .to = (b) }

Test(dag, kahn_order_ready_tasks_first_in_first_out)
{
    /* 0 -> 1, 2 has no predecessor: Kahn places 0, 2, then 1 */
    const struct sim_dag_edge e[] = { E(0, 1) };
    uint32_t order[3], cycle[3], nc = 0;
    cr_assert_eq(sim_dag_sort(3, e, 1, 0, order, cycle, &nc), SIM_DAG_OK);
    cr_assert(order[0] == 0 && order[1] == 2 && order[2] == 1, "%u %u %u", order[0], order[1],
              order[2]);
    /* KEEP_SORTED keeps the identity, since every edge goes up */
    cr_assert_eq(sim_dag_sort(3, e, 1, SIM_DAG_KEEP_SORTED, order, cycle, &nc), SIM_DAG_OK);
    cr_assert(order[0] == 0 && order[1] == 1 && order[2] == 2);
}

Test(dag, unsorted_ids_put_every_edge_forward)
{
    const struct sim_dag_edge e[] = { E(4, 1), E(2, 0), E(1, 3), E(0, 3), E(5, 2), E(5, 4) };
    uint32_t order[6], pos[6], cycle[6], nc = 0;
    cr_assert_eq(sim_dag_sort(6, e, 6, SIM_DAG_KEEP_SORTED, order, cycle, &nc), SIM_DAG_OK);
    for (uint32_t i = 0; i < 6; i++)
        pos[order[i]] = i;
    for (size_t k = 0; k < 6; k++)
        cr_assert_lt(pos[e[k].from], pos[e[k].to], "edge %u -> %u backwards", e[k].from, e[k].to);
    cr_assert_eq(order[0], 5);   /* the only task with no predecessor */
    cr_assert_eq(order[5], 3);   /* the only one waiting for two */
}

Test(dag, cycle_behind_a_tail_is_reported_around_the_cycle)
{
    /* 0 -> 1 -> 2 -> 3 -> 4 -> 2 (cycle 2 3 4), 5 waits for 4 */
    const struct sim_dag_edge e[] = { E(0, 1), E(1, 2), E(4, 2), E(2, 3), E(3, 4), E(4, 5) };
    uint32_t order[6], cycle[6], nc = 0;
    cr_assert_eq(sim_dag_sort(6, e, 6, SIM_DAG_KEEP_SORTED, order, cycle, &nc), SIM_DAG_CYCLE);
    cr_assert_eq(nc, 3);
    /* from 2 the walk goes to 4 (2's waiting predecessor), 3, then 2 again: stops at 3 */
    cr_assert(cycle[0] == 3 && cycle[1] == 2 && cycle[2] == 4, "%u %u %u", cycle[0], cycle[1],
              cycle[2]);
    for (uint32_t k = 0; k < nc; k++) {   /* each waits for the next */
        bool edge = false;
        for (size_t j = 0; j < 6; j++)
            edge = edge || (e[j].to == cycle[k] && e[j].from == cycle[(k + 1) % nc]);
        cr_assert(edge, "cycle[%u] = %u does not wait for %u", k, cycle[k], cycle[(k + 1) % nc]);
    }
}

Test(dag, self_loop_and_empty_graph)
{
    const struct sim_dag_edge e[] = { E(1, 1) };
    uint32_t order[2], cycle[2], nc = 0;
    cr_assert_eq(sim_dag_sort(2, e, 1, 0, order, cycle, &nc), SIM_DAG_CYCLE);
    cr_assert(nc == 1 && cycle[0] == 1);
    cr_assert_eq(sim_dag_sort(0, NULL, 0, 0, order, cycle, &nc), SIM_DAG_OK);
}
