/* test_tclock.c: the doubling steal clock (sim_tclock) keeps every event, widens only as far
 * as the latest time needs, merges clocks of different widths, splits a run into equal parts
 * with each bin in the part of its middle, and gives tenths whose last one its hundredths add
 * up to. (SIM_TCLOCK_BINS is 2,048: the widths below follow from it.) */
#include "sim/util/sim_tclock.h"

#include <criterion/criterion.h>
#include <string.h>

static uint64_t sum(const uint64_t *v, unsigned n)
{
    uint64_t s = 0;
    for (unsigned i = 0; i < n; i++)
        s += v[i];
    return s;
}

Test(tclock, widens_only_as_far_as_needed)
{
    struct sim_tclock c;
    sim_tclock_init(&c);
    cr_assert_eq(SIM_TCLOCK_BINS, 2048);
    sim_tclock_add(&c, 0, 1);
    sim_tclock_add(&c, 2047, 1);
    cr_assert_eq(c.width, 1);   /* 2047 is the last bin of width 1 */
    sim_tclock_add(&c, 4000, 2);
    cr_assert_eq(c.width, 2);   /* 4000 / 2 = 2000 < 2048 */
    cr_assert_eq(c.n[0], 1);
    cr_assert_eq(c.n[1023], 1); /* 2047 merged into bin 1023 of width 2 */
    cr_assert_eq(c.n[2000], 2);
    cr_assert_eq(c.total, 4);
}

Test(tclock, split_by_bin_middle)
{
    struct sim_tclock c;
    sim_tclock_init(&c);
    sim_tclock_add(&c, 0, 1);      /* width 1 at first */
    sim_tclock_add(&c, 4000, 2);   /* width 2: bin 2000, middle 4001, at or past `to` */
    uint64_t out[10];
    sim_tclock_split(&c, 0, 4000, out, 10);
    const uint64_t want[10] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
    cr_assert_arr_eq(out, want, sizeof want);
    /* Before `from`: part 0. */
    sim_tclock_split(&c, 2000, 8000, out, 3);
    cr_assert_eq(out[0], 1);
    cr_assert_eq(out[1], 2);   /* 4001 in [4000, 6000) */
    cr_assert_eq(out[2], 0);
    /* An empty run: all in the last part, none lost. */
    sim_tclock_split(&c, 0, 0, out, 10);
    cr_assert_eq(sum(out, 10), 3);
}

Test(tclock, uniform_events_split_evenly)
{
    struct sim_tclock c;
    sim_tclock_init(&c);
    for (uint64_t t = 0; t < 1000000; t += 100)   /* 10,000 events, 1 per 100 ns */
        sim_tclock_add(&c, t, 1);
    cr_assert_eq(c.width, 512);   /* 999,900 / 512 = 1,952 < 2,048 */
    uint64_t out[10];
    sim_tclock_split(&c, 0, 1000000, out, 10);
    cr_assert_eq(sum(out, 10), 10000);
    for (int k = 0; k < 10; k++)   /* exact to within one bin (about 5 events) each edge */
        cr_assert(out[k] >= 1000 - 12 && out[k] <= 1000 + 12, "part %d holds %llu", k,
                  (unsigned long long)out[k]);
    /* Tenths, and the last one by hundredth: 1,000 and 100 each within a bin an edge. */
    uint64_t tenths[10], last[10];
    sim_tclock_tenths(&c, 0, 1000000, tenths, last);
    cr_assert_eq(sum(tenths, 10), 10000);
    cr_assert_eq(sum(last, 10), tenths[9]);
    for (int k = 0; k < 10; k++) {
        cr_assert(tenths[k] >= 1000 - 12 && tenths[k] <= 1000 + 12, "tenth %d: %llu", k,
                  (unsigned long long)tenths[k]);
        cr_assert(last[k] >= 100 - 12 && last[k] <= 100 + 12, "hundredth %d: %llu", 90 + k,
                  (unsigned long long)last[k]);
    }
}

Test(tclock, merge_of_different_widths)
{
    struct sim_tclock a, b;
    memset(&a, 0, sizeof a);   /* a zeroed clock is an empty one */
    sim_tclock_init(&b);
    sim_tclock_add(&a, 5, 1);
    sim_tclock_add(&b, 16000, 3);   /* width 8 */
    sim_tclock_merge(&a, &b);
    cr_assert_eq(a.width, 8);
    cr_assert_eq(a.total, 4);
    cr_assert_eq(a.n[0], 1);
    cr_assert_eq(a.n[2000], 3);
    /* The other way round: the wider clock keeps its width. */
    struct sim_tclock z;
    memset(&z, 0, sizeof z);
    sim_tclock_add(&z, 3, 1);
    sim_tclock_merge(&b, &z);
    cr_assert_eq(b.width, 8);
    cr_assert_eq(b.total, 4);
    cr_assert_eq(b.n[0], 1);
}

Test(tclock, latest_times_do_not_overflow)
{
    struct sim_tclock c;
    sim_tclock_init(&c);
    sim_tclock_add(&c, 7, 1);
    sim_tclock_add(&c, UINT64_MAX - 1, 1);
    cr_assert(c.width >= UINT64_C(1) << 53);
    cr_assert_lt((UINT64_MAX - 1) / c.width, SIM_TCLOCK_BINS);
    cr_assert_eq(c.total, 2);
    uint64_t out[4];
    sim_tclock_split(&c, 0, UINT64_MAX, out, 4);
    cr_assert_eq(sum(out, 4), 2);
    cr_assert_eq(out[0], 1);
    cr_assert_eq(out[3], 1);
}
