/* nat_validate_cores.c: the model's cores as the native runs' CPUs ran: each CPU's speed and a
 * replayed trace's busy-loop rate from the trials between the runs, what N workers pay a
 * dispatch beyond one, and each simulated seed's own speeds and (--paired) per-process cost. */
#include "native/nat_validate_int.h"

#include "sim/util/sim_util.h"

#include <stdlib.h>

static void set_capacity(struct ws_topo *topo, uint32_t k, double cap)
{
    topo->cores[k].capacity = cap < WS_TOPO_CAP_MIN ? WS_TOPO_CAP_MIN
                              : cap > WS_TOPO_CAP_MAX ? WS_TOPO_CAP_MAX : cap;
}

/* Each worker's CPU's speed from the trials between the native runs, given to the model as
 * its core's capacity (nat_calib_speed), with its CPU costs at that speed (cost_capacity). */
static void speeds(const struct samples *s, struct nat_validate_result *r, struct ws_topo *topo)
{
    r->cal.nspeed = r->threads > 1 && r->threads <= NAT_SPEED_MAX ? r->threads : 0;
    for (uint32_t k = 1; k < r->cal.nspeed; k++)
        r->cal.speed[k] = nat_cost_robust(s->speed[k], r->repeat + 1);
    for (uint32_t k = 0; k < topo->ncores && k < r->cal.nspeed; k++)
        set_capacity(topo, k, nat_calib_speed(&r->cal, k));
}

/* A replayed trace's busy loop in the runs' minutes against its calibration (nat_calib_busy_rate),
 * as every core's capacity multiplied by it. */
static void busy_rate(const struct samples *s, struct nat_validate_result *r, struct ws_topo *topo)
{
    if (s->nrate == 0)
        return;
    r->cal.busy_rate = nat_cost_robust(s->rate, s->nrate);
    double f = nat_calib_busy_rate(&r->cal);
    for (uint32_t k = 0; k < topo->ncores && f != 1.0; k++)
        set_capacity(topo, k, topo->cores[k].capacity * f);
}

void nat_validate_speeds(const struct samples *s, struct nat_validate_result *r,
                         struct ws_topo *topo)
{
    speeds(s, r, topo);
    busy_rate(s, r, topo);
}

/* What N workers pay a dispatch beyond one (nat_calib_busy_factor), as every core's capacity
 * divided by it: the runs' busy time holds the work, the spawns and the messages alike, which
 * the model's cores run at their capacity (cost_capacity), a replayed trace's too. The runs'
 * reference records the speeds (cpu_capacity) and the factor (busy_factor) apart. */
void nat_validate_slow_by_factor(struct nat_validate_result *r, struct ws_topo *topo)
{
    double f = nat_calib_busy_factor(&r->cal);
    for (uint32_t k = 0; k < topo->ncores; k++) {
        if (f != 1.0)
            set_capacity(topo, k, topo->cores[k].capacity / f);
        if (k < NAT_VALIDATE_MAX_RANKS)
            r->capacity[k] = topo->cores[k].capacity;
    }
}

/* Whether worker k's speed trial of slot `slot` counts, as in the slots' mean (nat_trial_kept). */
static bool speed_clean(const struct samples *s, const struct nat_validate_result *r, uint32_t k,
                        uint32_t slot)
{
    return s->speed[k][slot].v > 0 && nat_trial_kept(s->speed[k], r->repeat + 1, slot);
}

/* Worker k's CPU's speed as one seed's core k runs it: one slot's trials between the native runs,
 * not the slots' mean. A steal count is far from linear in the CPUs' speeds, and at exactly
 * equal speeds the two workers run in lockstep: uts:T1's model made 9.3 steals a run with core 1
 * at 1.000 of core 0, 7.7 at 1.003, 11.4 at 0.997, 15.4 at 0.99 and 18.7 at 0.97; in five
 * sittings whose model had both cores at 1 (the slots' mean, where its interval held 1) it made
 * 23-28% fewer steals than the runs. So each seed takes the ratio its own slot measured, as the
 * runs each had theirs: seed i the i-th of the clean slots' ratios that the slots' trimmed
 * mean keeps, in order, or with --paired (run j = i mod repeat) the mean of the clean slots
 * just before and after run j; with no clean slot there, the slots' mean (unrounded to 1). */
static double seed_speed(const struct samples *s, const struct nat_validate_result *r, uint32_t i,
                         uint32_t k)
{
    if (k == 0 || k >= r->cal.nspeed)
        return 1.0;
    double mean = r->cal.speed[k].ns > 0 ? r->cal.speed[k].ns : 1.0;
    if (r->paired) {
        uint32_t j = i % r->repeat, n = 0;
        double sum = 0;
        for (uint32_t slot = j; slot <= j + 1; slot++)
            if (speed_clean(s, r, k, slot)) {
                sum += s->speed[k][slot].v;
                n++;
            }
        return n > 0 ? sum / n : mean;
    }
    double v[NAT_VALIDATE_MAX_REPEAT + 1];
    uint32_t n = 0;
    for (uint32_t slot = 0; slot <= r->repeat; slot++)
        if (speed_clean(s, r, k, slot))
            v[n++] = s->speed[k][slot].v;
    if (n == 0)
        return mean;
    /* the ratios the slots' mean keeps (nat_cost_robust trims NAT_COST_TRIM of each end), in
     * order: the seeds' speeds then average to that mean, where a few outlying slots (a trial
     * the host stretched) would otherwise speed up or slow down the model as a whole */
    sim_sort_doubles(v, n);
    uint32_t g = nat_cost_trim(n);
    return v[g + i % (n - 2 * g)];
}

/* Each seed's CPU speeds (seed_speed), and with --paired native run j's own per-process cost,
 * from the trials just before and after it, over the model's (r->cal.proc, all of them); the
 * seeds that model run j run their cores that much slower (nat_validate_run.c). 1 without
 * trials (a replayed trace) or without --paired. */
void nat_validate_seed_factors(const struct nat_trial *trials, const struct samples *s,
                               struct nat_validate_result *r)
{
    for (uint32_t i = 0; i < r->sim_repeat; i++)
        for (uint32_t k = 0; k < NAT_SPEED_MAX; k++)
            r->seed_speed[i][k] = seed_speed(s, r, i, k);
    for (uint32_t j = 0; j < r->repeat; j++) {
        for (uint32_t k = 0; k < NAT_SPEED_MAX; k++)
            r->paired_speed[j][k] = r->paired ? seed_speed(s, r, j, k) : 1.0;
        r->paired_factor[j] = 1.0;
        uint32_t a = s->slot_first[j], b = s->slot_first[j + 2];
        if (!r->paired || trials == NULL || b <= a || !(r->cal.proc.ns > 0))
            continue;
        struct nat_cost c = nat_cost_all(trials + a, b - a);   /* as r->cal.proc */
        if (c.n > 0 && c.ns > 0)
            r->paired_factor[j] = c.ns / r->cal.proc.ns;
    }
}
