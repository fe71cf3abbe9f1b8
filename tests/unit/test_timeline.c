/* test_timeline.c: the timeline recorder (sim/engine/sim_timeline.c): contiguous runs of one
 * process merge, as does a steal round that goes on; the cap drops and counts the rest with the
 * first cut time; append keeps the destination's cap (a replay's slices against its busy time:
 * tests/cli/timeline.sh). */
#include "sim/engine/sim_timeline.h"

#include <criterion/criterion.h>

Test(timeline, merges_contiguous_runs_of_one_process_only)
{
    struct sim_timeline t;
    cr_assert_eq(sim_timeline_init(&t, 2, 10), 0);
    sim_timeline_add(&t, 0, SIM_TL_RUN, 0, 5, 7, 2, SIM_TL_NONE32);
    sim_timeline_add(&t, 0, SIM_TL_RUN, 5, 9, 7, 2, SIM_TL_NONE32);    /* merged */
    sim_timeline_add(&t, 1, SIM_TL_RUN, 9, 12, 7, 2, SIM_TL_NONE32);   /* other core */
    sim_timeline_add(&t, 0, SIM_TL_RUN, 10, 12, 7, 2, SIM_TL_NONE32);  /* a gap */
    sim_timeline_add(&t, 0, SIM_TL_RUN, 12, 13, 8, 2, SIM_TL_NONE32);  /* another pid */
    cr_assert_eq(t.n, 4);
    cr_assert_eq(t.v[0].end_ns, 9);
    cr_assert_eq(t.dropped, 0);
    sim_timeline_free(&t);
}

/* A steal round that took nothing so far and goes on at its slice's end (the simulator's round
 * after its barrier) is one slice, named by what it then takes. */
Test(timeline, a_round_that_goes_on_is_one_steal_slice)
{
    struct sim_timeline t;
    cr_assert_eq(sim_timeline_init(&t, 2, 10), 0);
    sim_timeline_add(&t, 0, SIM_TL_STEAL, 10, 30, SIM_TL_NONE64, 0, SIM_TL_NONE32);
    sim_timeline_add(&t, 0, SIM_TL_STEAL, 30, 30, 5, 1, 1);              /* merged, named */
    sim_timeline_add(&t, 0, SIM_TL_STEAL, 30, 40, 6, 1, 1);              /* after a take */
    sim_timeline_add(&t, 1, SIM_TL_STEAL, 50, 60, SIM_TL_NONE64, 0, SIM_TL_NONE32);
    sim_timeline_add(&t, 1, SIM_TL_STEAL, 61, 70, 7, 1, 0);              /* a gap */
    cr_assert_eq(t.n, 4);
    cr_assert_eq(t.v[0].start_ns, 10);
    cr_assert_eq(t.v[0].end_ns, 30);
    cr_assert_eq(t.v[0].pid, 5);
    cr_assert_eq(t.v[0].victim, 1);
    cr_assert_eq(t.v[0].prio, 1);
    sim_timeline_free(&t);
}

Test(timeline, the_cap_drops_and_counts_later_slices)
{
    struct sim_timeline t, u;
    cr_assert_eq(sim_timeline_init(&t, 1, 3), 0);
    for (uint64_t i = 0; i < 5; i++)
        sim_timeline_add(&t, 0, SIM_TL_STEAL, 10 * i, 10 * i + 1, SIM_TL_NONE64, 0, 0);
    cr_assert_eq(t.n, 3);
    cr_assert_eq(t.dropped, 2);
    cr_assert_eq(t.cut_ns, 30);
    cr_assert_eq(sim_timeline_init(&u, 1, 4), 0);
    sim_timeline_add(&u, 0, SIM_TL_SLEEP, 1, 2, SIM_TL_NONE64, 0, SIM_TL_NONE32);
    cr_assert_eq(sim_timeline_append(&u, &t), 0);
    cr_assert_eq(u.n, 4);              /* 1 + 3, at the cap */
    cr_assert_eq(u.dropped, 2);        /* t's own two */
    cr_assert_eq(t.n, 0);
    sim_timeline_free(&t);
    sim_timeline_free(&u);
}

Test(timeline, kind_names_round_trip)
{
    for (int k = 0; k < SIM_TL_KIND_COUNT; k++)
        cr_assert_eq(sim_timeline_kind_parse(sim_timeline_kind_name((enum sim_tl_kind)k)), k);
    cr_assert_eq(sim_timeline_kind_parse("nap"), SIM_TL_KIND_COUNT);
}
