/* sim_stats.c: mean, sample standard deviation and the 95% Student-t confidence interval. */
#include "sim/util/sim_stats.h"

#include <math.h>

/* t(0.975; dof) for dof = 1..30, to 6 decimals. */
static const double t95_table[30] = {
    12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
    2.262157,  2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905,
    2.109816,  2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
    2.059539,  2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
};

double sim_t95(size_t dof)
{
    if (dof == 0)
        return (double)NAN;
    if (dof <= 30)
        return t95_table[dof - 1];
    /* Cornish-Fisher expansion of the t quantile around the normal quantile z (Abramowitz &
     * Stegun 26.7.5); four terms keep the error below 1e-6 for dof > 30. */
    const double z = 1.959963984540054, v = (double)dof;
    const double z2 = z * z, z3 = z2 * z, z5 = z3 * z2, z7 = z5 * z2, z9 = z7 * z2;
    const double g1 = (z3 + z) / 4.0;
    const double g2 = (5.0 * z5 + 16.0 * z3 + 3.0 * z) / 96.0;
    const double g3 = (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / 384.0;
    const double g4 = (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / 92160.0;
    return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v);
}

double sim_stats_mean(const double *x, size_t n)
{
    if (n == 0)
        return 0.0;
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s / (double)n;
}

double sim_stats_sd(const double *x, size_t n)
{
    if (n <= 1)
        return 0.0;
    double m = sim_stats_mean(x, n), ss = 0.0;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - m) * (x[i] - m);
    return sqrt(ss / (double)(n - 1));
}

void sim_ci_compute(const double *x, size_t n, struct sim_ci *out)
{
    out->n = n;
    out->mean = sim_stats_mean(x, n);
    out->sd = sim_stats_sd(x, n);
    out->half = n >= 2 ? sim_t95(n - 1) * out->sd / sqrt((double)n) : 0.0;
}
