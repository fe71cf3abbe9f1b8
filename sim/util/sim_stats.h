/* sim_stats.h: small-sample statistics for comparing runs over seeds: mean, sample standard
 * deviation and the two-sided 95% Student-t confidence interval of the mean.
 *
 * The interval of n samples x[0..n) is mean ± t(0.975; n-1) · sd / sqrt(n), where sd is the
 * sample standard deviation (divisor n-1). With n == 1 there is no spread to estimate: the
 * interval is reported with half == 0 and sd == 0 (a single seed, not a certainty; callers
 * print n beside the interval). With n == 0 every field is 0. Non-finite inputs are not
 * filtered: they propagate into mean, sd and half. */
#ifndef SIM_STATS_H
#define SIM_STATS_H

#include <stddef.h>

/* A mean with its 95% confidence half-width: the interval is [mean - half, mean + half]. */
struct sim_ci {
    double mean;    /* arithmetic mean; 0 for n == 0 */
    double half;    /* t95(n-1) * sd / sqrt(n); 0 for n <= 1 */
    double sd;      /* sample standard deviation (n-1 divisor); 0 for n <= 1 */
    size_t n;       /* number of samples */
};

/* Mean, sample standard deviation and 95% CI half-width of x[0..n) into *out (x may be NULL
 * when n == 0). Two-pass, so large equal values do not lose precision. */
void sim_ci_compute(const double *x, size_t n, struct sim_ci *out);

/* The 0.975 quantile of Student's t distribution with `dof` degrees of freedom (the factor of a
 * two-sided 95% interval): exact table to 6 digits for dof 1..30, then a Cornish-Fisher
 * expansion (error < 1e-5) approaching 1.959964 as dof grows. dof == 0 returns NaN. */
double sim_t95(size_t dof);

/* Arithmetic mean of x[0..n); 0 for n == 0. */
double sim_stats_mean(const double *x, size_t n);

/* Sample standard deviation (n-1 divisor) of x[0..n); 0 for n <= 1. */
double sim_stats_sd(const double *x, size_t n);

/* Two samples' distributions compared: each one's smallest, median and largest value, and the
 * two-sample Kolmogorov-Smirnov statistic d (the largest gap between their empirical
 * distribution functions, 0..1) with its asymptotic p-value (the Kolmogorov distribution at
 * (sqrt(e) + 0.12 + 0.11 / sqrt(e)) d, e = n m / (n + m), Stephens' small-sample correction):
 * the chance of a gap that large if both came from one continuous distribution. With ties (run
 * counts are integers) the distribution is discrete and p errs high (conservative). Means can
 * agree where distributions do not: a model whose seeds all make 9 steals against runs making
 * 4 to 38. */
struct sim_dist_cmp {
    double x_min, x_median, x_max;
    double y_min, y_median, y_max;
    double d, p;                  /* p 1 when either sample is empty */
};

/* x[0..n) against y[0..m) (neither changed). -1 when out of memory, else 0. */
int sim_dist_compare(const double *x, size_t n, const double *y, size_t m,
                     struct sim_dist_cmp *out);

#endif
