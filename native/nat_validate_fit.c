/* nat_validate_fit.c: what a run of the calibration workload on N workers pays beyond one
 * worker, from the runs between validate's native runs (nat_validate_round_trial): the busy
 * time a dispatch as a factor of one worker's, and the busy time a steal adds to its victim and
 * to its thief (nat_calibration.busy_factor, busy_victim, busy_thief).
 *
 * Every worker k of every run is one equation:
 *     busy[k] = factor x run[k] x proc[k] + victim x out[k] + thief x in[k]
 * with proc[k] the busy time a dispatch of k's CPU in the same slot's one-worker trial (paired
 * by slot: the cost drifts by 10-20% over a validation here), out[k] and in[k] its steals as
 * victim and as thief. All three are fitted together, least squares over the runs, each with
 * the 95% interval of the jackknife over the runs (each left out in turn; Student's t for n - 1
 * degrees of freedom): fitted alone, a steal absorbs whatever a dispatch costs more on N
 * workers, and a factor fitted alone absorbs the steals.
 *
 * The joint fit is ill-conditioned where steals are few: on fib:27 (7 steals a run against 2 M
 * dispatches, most of them the victim's) it traded the factor (0.56 ± 0.70) against the victim
 * (520 ± 590 us), and on nqueens:11 (8) read 0.93 ± 0.11 beside 40 ± 23 us. Its steal costs
 * are the model's only where its factor is within NAT_FIT_FACTOR_HALF and their intervals
 * exclude the ping-pong's values; else, as where the runs' steals went alike both ways, the
 * factor is each run's busy time less its steals at the costs the
 * model charges them, over its dispatches' one-worker cost: the robust mean of the runs'
 * (nat_cost_robust), which 7 steals a run cannot move by more than 0.2%. */
#include "native/nat_validate_int.h"

#include <math.h>

#define FIT_VARS 3

/* Least squares over the runs but `skip` (UINT32_MAX: none) into beta. false where the
 * equations cannot tell the terms apart (steals that went alike both ways in every run). */
static bool fit(const struct samples *s, uint32_t threads, uint32_t skip,
                double beta[FIT_VARS])
{
    double a[FIT_VARS][FIT_VARS + 1] = { { 0 } };   /* X'X | X'y */
    for (uint32_t i = 0; i < s->nrbusy; i++) {
        if (i == skip)
            continue;
        const struct nat_round_busy *b = &s->rbusy[i];
        for (uint32_t k = 0; k < threads; k++) {
            double x[FIT_VARS] = { b->run[k] * b->proc[k], b->out[k], b->in[k] };
            for (int u = 0; u < FIT_VARS; u++) {
                for (int v = 0; v < FIT_VARS; v++)
                    a[u][v] += x[u] * x[v];
                a[u][FIT_VARS] += x[u] * b->busy[k];
            }
        }
    }
    double scale[FIT_VARS];   /* columns scaled to a unit diagonal: pivots read as 1 - R^2 */
    for (int u = 0; u < FIT_VARS; u++) {
        if (!(a[u][u] > 0))
            return false;
        scale[u] = 1.0 / sqrt(a[u][u]);
    }
    for (int u = 0; u < FIT_VARS; u++) {
        for (int v = 0; v < FIT_VARS; v++)
            a[u][v] *= scale[u] * scale[v];
        a[u][FIT_VARS] *= scale[u];
    }
    for (int p = 0; p < FIT_VARS; p++) {   /* Gauss-Jordan on the symmetric X'X */
        if (!(a[p][p] > 1e-9))
            return false;
        for (int u = 0; u < FIT_VARS; u++) {
            double f = u == p ? 0.0 : a[u][p] / a[p][p];
            for (int v = p; v <= FIT_VARS && f != 0.0; v++)
                a[u][v] -= f * a[p][v];
        }
    }
    for (int u = 0; u < FIT_VARS; u++)
        beta[u] = a[u][FIT_VARS] / a[u][u] * scale[u];
    return true;
}

/* The joint fit into out[] with its jackknife intervals; false where it or a jackknife fit
 * cannot be made. */
static bool fit_joint(const struct samples *s, uint32_t threads, struct nat_cost *out[FIT_VARS])
{
    uint32_t n = s->nrbusy, preempted = 0;
    double beta[FIT_VARS], jack[NAT_VALIDATE_MAX_REPEAT + 1][FIT_VARS];
    if (!fit(s, threads, UINT32_MAX, beta))
        return false;
    long fewest = s->rbusy[0].switches;
    for (uint32_t i = 0; i < n; i++) {
        if (!fit(s, threads, i, jack[i]))
            return false;
        if (s->rbusy[i].switches < fewest)
            fewest = s->rbusy[i].switches;
    }
    for (uint32_t i = 0; i < n; i++)
        preempted += s->rbusy[i].switches > fewest;
    for (int u = 0; u < FIT_VARS; u++) {
        double mean = 0, ss = 0;
        for (uint32_t i = 0; i < n; i++)
            mean += jack[i][u] / n;
        for (uint32_t i = 0; i < n; i++)
            ss += (jack[i][u] - mean) * (jack[i][u] - mean);
        double se = sqrt(ss * (double)(n - 1) / (double)n);
        *out[u] = (struct nat_cost){ .ns = beta[u], .half = sim_t95(n - 1) * se,
                                     .median = beta[u], .n = n, .preempted = preempted };
    }
    return true;
}

/* busy_cpu, the same factor in CPU time, which a preemption does not stretch, so that no run is
 * dropped (the busy-time factor drops every run preempted more than the calmest: on a loaded
 * host it kept 3-19 of 31). A run's CPU time a process is its workers' CPU time less their idle
 * time awake (steal rounds, spinning) and its steals at the model's victim cost, times the share
 * of their time not idle that was busy (the rest, picks and housekeeping, holds the wake-ups of
 * sleeping workers, which a one-worker run does not make: uts:T3's factor read 1.15-1.19 with
 * them, 1.02-1.06 without, beside 1.02-1.05 in busy time), over processes; against the same
 * slot's one-worker CPU time a process times its busy share. The trimmed mean of all the runs
 * (nat_cost_all). */
static void fit_cpu(const struct samples *s, struct nat_calibration *c)
{
    struct nat_trial f[NAT_VALIDATE_MAX_REPEAT + 1];
    uint32_t n = 0;
    double per_steal = nat_calib_steal_victim(c);
    for (uint32_t i = 0; i < s->nrbusy; i++) {
        const struct nat_round_busy *b = &s->rbusy[i];
        double cpu = b->cpu - per_steal * (double)b->steals, busy = 0;
        for (uint32_t k = 0; k < NAT_SPEED_MAX; k++)
            busy += b->busy[k];
        if (b->proc_cpu > 0 && b->proc_share > 0 && b->procs > 0 && cpu > 0 && busy > 0)
            f[n++] = (struct nat_trial){ cpu * busy / (busy + b->between) / b->procs /
                                         (b->proc_cpu * b->proc_share), b->switches };
    }
    c->busy_cpu = n >= NAT_COST_MIN_CLEAN ? nat_cost_all(f, n) : (struct nat_cost){ 0 };
}

void nat_validate_fit_busy(const struct samples *s, uint32_t threads, struct nat_calibration *c)
{
    struct nat_cost *out[FIT_VARS] = { &c->busy_factor, &c->busy_victim, &c->busy_thief };
    for (int u = 0; u < FIT_VARS; u++)
        *out[u] = (struct nat_cost){ 0 };
    c->busy_cpu = (struct nat_cost){ 0 };
    if (s->nrbusy < NAT_COST_MIN_CLEAN || threads > NAT_SPEED_MAX)
        return;
    fit_cpu(s, c);
    double thief;
    c->busy_roles = false;
    if (!fit_joint(s, threads, out))   /* the roles cannot be told apart */
        c->busy_factor = c->busy_victim = c->busy_thief = (struct nat_cost){ 0 };
    else if ((c->busy_roles = c->busy_factor.half <= NAT_FIT_FACTOR_HALF) &&
             (nat_calib_busy_victim_applies(c) || nat_calib_steal_thief(c, &thief)))
        return;   /* the steals' costs are the fit's: so is the factor */
    /* The steals at the ping-pong's victim: each run's factor, and their robust mean. */
    double per_steal = nat_calib_steal_victim(c);
    struct nat_trial f[NAT_VALIDATE_MAX_REPEAT + 1];
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->nrbusy; i++) {
        const struct nat_round_busy *b = &s->rbusy[i];
        double busy = 0, base = 0;
        for (uint32_t k = 0; k < threads; k++) {
            busy += b->busy[k];
            base += b->run[k] * b->proc[k];
        }
        if (base > 0)
            f[n++] = (struct nat_trial){ (busy - per_steal * (double)b->steals) / base,
                                         b->switches };
    }
    c->busy_factor = n >= NAT_COST_MIN_CLEAN ? nat_cost_robust(f, n) : (struct nat_cost){ 0 };
}
