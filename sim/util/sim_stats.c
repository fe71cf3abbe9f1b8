/* sim_stats.c: mean, sample standard deviation and the 95% Student-t confidence interval. */
#include "sim/util/sim_stats.h"
#include "sim/util/sim_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* The median of sorted v[0..n) (n > 0). */
static double median_sorted(const double *v, size_t n)
{
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* Q_KS(l) = 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 l^2): 1 at l = 0, falling to 0. */
static double kolmogorov_q(double l)
{
    if (l < 0.2)
        return 1.0;   /* (the series converges slowly there; Q > 0.9999999) */
    double sum = 0.0, sign = 1.0;
    for (int k = 1; k <= 100; k++) {
        double term = exp(-2.0 * (double)k * (double)k * l * l);
        sum += sign * term;
        if (term < 1e-12)
            break;
        sign = -sign;
    }
    double q = 2.0 * sum;
    return q < 0 ? 0 : q > 1 ? 1 : q;
}

int sim_dist_compare(const double *x, size_t n, const double *y, size_t m,
                     struct sim_dist_cmp *out)
{
    memset(out, 0, sizeof(*out));
    out->p = 1.0;
    if (n == 0 || m == 0)
        return 0;
    double *a = malloc(n * sizeof(double)), *b = malloc(m * sizeof(double));
    if (a == NULL || b == NULL) {
        free(a);
        free(b);
        return -1;
    }
    memcpy(a, x, n * sizeof(double));
    memcpy(b, y, m * sizeof(double));
    sim_sort_doubles(a, n);
    sim_sort_doubles(b, m);
    out->x_min = a[0], out->x_median = median_sorted(a, n), out->x_max = a[n - 1];
    out->y_min = b[0], out->y_median = median_sorted(b, m), out->y_max = b[m - 1];
    /* Walk both in order; at each distinct value both functions step past all of its copies,
     * so tied values never open a gap of their own. */
    size_t i = 0, j = 0;
    double d = 0.0;
    while (i < n && j < m) {
        double v = a[i] <= b[j] ? a[i] : b[j];
        while (i < n && a[i] <= v)
            i++;
        while (j < m && b[j] <= v)
            j++;
        double gap = fabs((double)i / (double)n - (double)j / (double)m);
        if (gap > d)
            d = gap;
    }
    free(a);
    free(b);
    out->d = d;
    double e = (double)n * (double)m / (double)(n + m), se = sqrt(e);
    out->p = kolmogorov_q((se + 0.12 + 0.11 / se) * d);
    return 0;
}
