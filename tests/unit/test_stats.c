/* test_stats.c: the 95% confidence interval of sim_stats matches hand-computed values on known
 * data, the t quantile matches published tables (and a numerically integrated density beyond
 * the table), and the degenerate sizes n = 0 and n = 1 give the documented zeros. */
#include "sim/util/sim_stats.h"

#include <criterion/criterion.h>
#include <math.h>

#define near(a, b, eps) cr_assert(fabs((a) - (b)) <= (eps), "%s = %.9g, want %.9g", #a, (a), (b))

Test(stats, known_data_by_hand)
{
    /* mean 5, squared deviations 9+1+1+1+0+0+4+16 = 32, variance 32/7, sd 2.1380899353,
     * half = t(7) 2.364624 * sd / sqrt(8) = 1.7874877. */
    const double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
    struct sim_ci ci;
    sim_ci_compute(x, 8, &ci);
    cr_assert_eq(ci.n, 8);
    near(ci.mean, 5.0, 1e-12);
    near(ci.sd, 2.1380899353, 1e-9);
    near(ci.half, 1.7874877, 1e-6);
}

Test(stats, two_samples_use_t_with_one_dof)
{
    /* sd = sqrt(2), half = 12.706205 * sqrt(2) / sqrt(2) = 12.706205. */
    const double x[] = { 10, 12 };
    struct sim_ci ci;
    sim_ci_compute(x, 2, &ci);
    near(ci.mean, 11.0, 1e-12);
    near(ci.sd, sqrt(2.0), 1e-12);
    near(ci.half, 12.706205, 1e-6);
}

Test(stats, large_offset_keeps_precision)
{
    /* Makespans in ns are ~1e9; a one-pass sum of squares would lose the spread of 1. */
    const double x[] = { 1e9 + 1, 1e9 + 2, 1e9 + 3 };
    struct sim_ci ci;
    sim_ci_compute(x, 3, &ci);
    near(ci.mean, 1e9 + 2, 1e-6);
    near(ci.sd, 1.0, 1e-9);
    near(ci.half, 4.302653 / sqrt(3.0), 1e-6);
}

Test(stats, identical_samples_have_zero_width)
{
    const double x[] = { 7, 7, 7, 7 };
    struct sim_ci ci;
    sim_ci_compute(x, 4, &ci);
    near(ci.mean, 7.0, 0.0);
    near(ci.sd, 0.0, 0.0);
    near(ci.half, 0.0, 0.0);
}

Test(stats, one_sample_has_zero_half_width)
{
    const double x[] = { 42 };
    struct sim_ci ci;
    sim_ci_compute(x, 1, &ci);
    cr_assert_eq(ci.n, 1);
    near(ci.mean, 42.0, 0.0);
    near(ci.sd, 0.0, 0.0);
    near(ci.half, 0.0, 0.0);
}

Test(stats, no_samples_are_all_zero)
{
    struct sim_ci ci = { 1, 1, 1, 1 };
    sim_ci_compute(NULL, 0, &ci);
    cr_assert_eq(ci.n, 0);
    near(ci.mean, 0.0, 0.0);
    near(ci.half, 0.0, 0.0);
    near(ci.sd, 0.0, 0.0);
}

Test(stats, t_quantile_table_and_tail)
{
    cr_assert(isnan(sim_t95(0)));
    near(sim_t95(1), 12.706205, 1e-6);
    near(sim_t95(2), 4.302653, 1e-6);
    near(sim_t95(4), 2.776445, 1e-6);
    near(sim_t95(9), 2.262157, 1e-6);
    near(sim_t95(29), 2.045230, 1e-6);
    near(sim_t95(30), 2.042272, 1e-6);
    /* Beyond the table (reference values from integrating the t density numerically). */
    near(sim_t95(31), 2.039513, 1e-5);
    near(sim_t95(40), 2.021075, 1e-5);
    near(sim_t95(60), 2.000298, 1e-5);
    near(sim_t95(100), 1.983972, 1e-5);
    near(sim_t95(1000), 1.962339, 1e-5);
    near(sim_t95(100000000), 1.959964, 1e-5);
    for (size_t d = 1; d < 200; d++)
        cr_assert(sim_t95(d + 1) < sim_t95(d), "t95 not decreasing at dof %zu", d);
}

Test(stats, mean_and_sd_helpers)
{
    const double x[] = { 1, 2, 3, 4 };
    near(sim_stats_mean(x, 4), 2.5, 1e-12);
    near(sim_stats_sd(x, 4), sqrt(5.0 / 3.0), 1e-12);
    near(sim_stats_mean(x, 0), 0.0, 0.0);
    near(sim_stats_sd(x, 1), 0.0, 0.0);
}
