/* sim_metrics.c: the metrics derived from a run's counts, computed in this one place for
 * simulated and native runs alike (definitions in sim_metrics.h and results/schema.sql).
 *
 * Migration rate, success rate and average cost come from the summary's counts; load-balance
 * quality from the per-core busy times: the coefficient of variation (population standard
 * deviation over the mean; 0 when every core was equally busy) and the busiest core over the
 * mean (1 when even, ncores when one core did all the work). A ratio whose denominator is 0
 * (no migration considered, no steal attempted, no busy time, a zero makespan) is 0. */
#include "sim/engine/sim_metrics.h"
#include "core/ws_atomic.h"
#include "core/ws_sched.h"

#include <math.h>

void sim_metrics_add_core(struct sim_run_summary *s, const struct ws_core_stats *ws)
{
    s->migrations_considered += ws_load_relaxed(&ws->mig_considered);
    s->balance_moves += ws->balance_moves;
    int64_t c = ws->mig_cost_est_ns, a = s->migration_cost_est_ns;
    if (c > 0 && a > INT64_MAX - c)
        s->migration_cost_est_ns = INT64_MAX;
    else if (c < 0 && a < INT64_MIN - c)
        s->migration_cost_est_ns = INT64_MIN;
    else
        s->migration_cost_est_ns = a + c;
}

static double ratio(double num, double den)
{
    return den > 0 ? num / den : 0;
}

/* busy_cv and busy_max_mean of the cores' busy times (two passes: no cancellation). */
static void balance_quality(const struct sim_run_metrics *m, struct sim_run_summary *s)
{
    s->busy_cv = 0;
    s->busy_max_mean = 0;
    if (m->cores == NULL || m->ncores == 0)
        return;
    double sum = 0, max = 0;
    for (uint32_t c = 0; c < m->ncores; c++) {
        double b = (double)m->cores[c].busy_ns;
        sum += b;
        if (b > max)
            max = b;
    }
    double mean = sum / m->ncores;
    if (!(mean > 0))
        return;
    double sq = 0;
    for (uint32_t c = 0; c < m->ncores; c++) {
        double d = (double)m->cores[c].busy_ns - mean;
        sq += d * d;
    }
    s->busy_cv = sqrt(sq / m->ncores) / mean;
    s->busy_max_mean = max / mean;
}

void sim_metrics_derive(struct sim_run_metrics *m)
{
    struct sim_run_summary *s = &m->summary;
    double committed = 0;
    for (int d = 0; d < SIM_DIST_COUNT; d++)
        committed += (double)s->migrations[d];
    s->migration_rate_per_s = ratio(committed, (double)s->makespan_ns / 1e9);
    s->migration_success_rate = ratio(committed, (double)s->migrations_considered);
    s->migration_cost_avg_ns = ratio((double)s->migration_cost_est_ns, committed);
    s->steal_success_rate = ratio((double)s->steals, (double)s->steal_attempts);
    balance_quality(m, s);
}

const char *const sim_steal_times_key[SIM_STEAL_TIMES] = {
    "steals_by_tenth", "steals_last_tenth", "lost_races_by_tenth", "lost_races_last_tenth" };

const uint64_t *sim_steal_times(const struct sim_run_summary *s, int series)
{
    return series == 0 ? s->steals_by_tenth : series == 1 ? s->steals_last_tenth
           : series == 2 ? s->lost_by_tenth : s->lost_last_tenth;
}
