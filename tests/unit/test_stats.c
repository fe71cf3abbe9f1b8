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

/* Two samples' distributions (sim_dist_compare): range and median of each, the KS gap and its
 * p-value, checked against values worked by hand. */
Test(stats, distributions_by_hand)
{
    struct sim_dist_cmp c;
    const double same[] = { 3, 1, 2, 5, 4 };
    cr_assert_eq(sim_dist_compare(same, 5, same, 5, &c), 0);
    cr_assert_float_eq(c.d, 0.0, 1e-12);
    cr_assert_float_eq(c.p, 1.0, 1e-12);
    cr_assert(c.x_min == 1 && c.x_median == 3 && c.x_max == 5, "%g %g %g", c.x_min,
              c.x_median, c.x_max);

    /* Apart: D 1. n = m = 10: e = 5, lambda = (sqrt 5 + 0.12 + 0.11 / sqrt 5) = 2.4053,
     * Q = 2 (exp(-2 l^2) - exp(-8 l^2) + ...) = 1.888e-5. */
    double lo[10], hi[10];
    for (int i = 0; i < 10; i++)
        lo[i] = i, hi[i] = 100 + i;
    cr_assert_eq(sim_dist_compare(lo, 10, hi, 10, &c), 0);
    cr_assert_float_eq(c.d, 1.0, 1e-12);
    cr_assert(c.p > 1.8e-5 && c.p < 1.95e-5, "p %g", c.p);
    cr_assert(c.x_median == 4.5 && c.y_min == 100 && c.y_max == 109);

    /* Half the runs at 4 and half at 38 against every seed at 9 (means 21 and 9): F_x(9) = 0.5,
     * F_y(9) = 1, so D = 0.5 at 9 and again 0.5 just below 38; with ties the walk steps past
     * all copies of a value at once. */
    const double runs[] = { 4, 4, 4, 38, 38, 38 }, seeds[] = { 9, 9, 9, 9, 9, 9, 9, 9 };
    cr_assert_eq(sim_dist_compare(runs, 6, seeds, 8, &c), 0);
    cr_assert_float_eq(c.d, 0.5, 1e-12);
    cr_assert(c.p > 0 && c.p < 1, "p %g", c.p);
    cr_assert(c.x_median == 21 && c.y_median == 9);

    /* Ties across the samples open no gap of their own: {1, 2, 2} against {2, 2, 3}. F_x: 1/3
     * at 1, 1 at 2; F_y: 0 at 1, 2/3 at 2, 1 at 3: D = 1/3. */
    const double a[] = { 1, 2, 2 }, b[] = { 2, 2, 3 };
    cr_assert_eq(sim_dist_compare(a, 3, b, 3, &c), 0);
    cr_assert_float_eq(c.d, 1.0 / 3.0, 1e-12);

    cr_assert_eq(sim_dist_compare(a, 0, b, 3, &c), 0);
    cr_assert(c.d == 0 && c.p == 1, "an empty sample: no gap");
}
