/* test_idtab.c: sim_idtab, the engine's id -> process table, against a plain reference array:
 * dense ids, ids past the dense range (the hash map behind it), pages emptied and taken again,
 * replacement, absent ids, and the walk over everything held. */
#include "sim/util/sim_idmap.h"

#include <criterion/criterion.h>
#include <stdlib.h>

#define NREF 5000u

/* Reference: ids i * stride (stride 1 and 7 give dense and spread pages). */
static uint64_t ref_val(uint64_t id)
{
    return id * 2654435761u + 1;   /* never 0 */
}

static void count_each(void *ctx, uint64_t key, uint64_t val)
{
    uint64_t *acc = ctx;
    cr_assert_eq(val, ref_val(key), "walk: id %llu holds %llu", (unsigned long long)key,
                 (unsigned long long)val);
    acc[0]++;
    acc[1] += key;
}

Test(idtab, dense_and_big_ids_match_a_reference)
{
    struct sim_idtab t;
    cr_assert_eq(sim_idtab_init(&t), 0);
    const uint64_t big = SIM_IDTAB_DENSE_MAX + 12345;
    for (uint64_t i = 0; i < NREF; i++)
        cr_assert_eq(sim_idtab_put(&t, i * 7, ref_val(i * 7)), 0);
    cr_assert_eq(sim_idtab_put(&t, big, ref_val(big)), 0);
    cr_assert_eq(sim_idtab_put(&t, SIM_IDTAB_DENSE_MAX - 1, ref_val(SIM_IDTAB_DENSE_MAX - 1)), 0);
    cr_assert_eq(t.n, NREF + 2);
    for (uint64_t id = 0; id < NREF * 7; id++)
        cr_assert_eq(sim_idtab_get(&t, id), id % 7 == 0 ? ref_val(id) : 0, "id %llu",
                     (unsigned long long)id);
    cr_assert_eq(sim_idtab_get(&t, big), ref_val(big));
    cr_assert_eq(sim_idtab_get(&t, big + 1), 0);
    cr_assert_eq(sim_idtab_get(&t, SIM_IDTAB_DENSE_MAX - 2), 0);
    uint64_t acc[2] = { 0, 0 }, sum = big + SIM_IDTAB_DENSE_MAX - 1;
    for (uint64_t i = 0; i < NREF; i++)
        sum += i * 7;
    sim_idtab_each(&t, count_each, acc);
    cr_assert_eq(acc[0], NREF + 2);
    cr_assert_eq(acc[1], sum);
    cr_assert_eq(sim_idtab_del(&t, big), ref_val(big));
    cr_assert_eq(sim_idtab_del(&t, big), 0, "deleted twice");
    cr_assert_eq(sim_idtab_get(&t, big), 0);
    sim_idtab_destroy(&t);
}

Test(idtab, emptied_pages_are_reused_and_start_empty)
{
    struct sim_idtab t;
    cr_assert_eq(sim_idtab_init(&t), 0);
    for (uint64_t id = 0; id < 4 * SIM_IDTAB_PAGE; id++)
        cr_assert_eq(sim_idtab_put(&t, id, ref_val(id)), 0);
    for (uint64_t id = 0; id < 4 * SIM_IDTAB_PAGE; id++)
        cr_assert_eq(sim_idtab_del(&t, id), ref_val(id));
    cr_assert_eq(t.n, 0);
    cr_assert_null(t.pages[0], "an empty page goes back to the pool");
    cr_assert_not_null(t.pool);
    /* A page taken again from the pool holds nothing but what is put. */
    cr_assert_eq(sim_idtab_put(&t, 1000, 5), 0);
    for (uint64_t id = 1000 / SIM_IDTAB_PAGE * SIM_IDTAB_PAGE;
         id < (1000 / SIM_IDTAB_PAGE + 1) * SIM_IDTAB_PAGE; id++)
        cr_assert_eq(sim_idtab_get(&t, id), id == 1000 ? 5u : 0u, "id %llu",
                     (unsigned long long)id);
    cr_assert_eq(sim_idtab_put(&t, 1000, 6), 0);   /* replace: still one id held */
    cr_assert_eq(t.n, 1);
    cr_assert_eq(sim_idtab_get(&t, 1000), 6);
    cr_assert_eq(sim_idtab_del(&t, 999), 0);
    cr_assert_eq(t.n, 1);
    sim_idtab_destroy(&t);
}
