/* nat_cost.c: the robust estimate of a cost from repeated trials (nat_calib.h): preempted trials
 * dropped, the 20% trimmed mean with its Tukey-McLaughlin 95% interval, and the median. */
#include "native/nat_calib.h"

#include "sim/util/sim_stats.h"
#include "sim/util/sim_util.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

uint32_t nat_cost_trim(uint32_t n)
{
    return (uint32_t)floor(NAT_COST_TRIM * n);
}

/* The 20% trimmed mean of sorted x[0..n), its Tukey-McLaughlin 95% half-width (the winsorised
 * sd, whose tails are clamped to the trimmed range, over the trimmed count) and the median. */
static struct nat_cost trimmed(const double *x, uint32_t n)
{
    uint32_t g = nat_cost_trim(n), h = n - 2 * g;
    double sum = 0, wsum = 0, wsq = 0;
    for (uint32_t i = g; i < n - g; i++)
        sum += x[i];
    double tm = sum / h;
    for (uint32_t i = 0; i < n; i++)
        wsum += x[i < g ? g : i >= n - g ? n - g - 1 : i];
    double wmean = wsum / n;
    for (uint32_t i = 0; i < n; i++) {
        double d = x[i < g ? g : i >= n - g ? n - g - 1 : i] - wmean;
        wsq += d * d;
    }
    double half = n > 1 && h > 1 ? sim_t95(h - 1) * sqrt(wsq / (n - 1)) * sqrt((double)n) / h
                                 : 0.0;
    double med = n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
    return (struct nat_cost){ .ns = tm, .half = half, .median = med, .n = n };
}

/* The fewest involuntary switches of t[0..n) (n > 0), and how many trials saw more. */
static long fewest_switches(const struct nat_trial *t, uint32_t n, uint32_t *more)
{
    long base = t[0].switches;
    for (uint32_t i = 1; i < n; i++)
        base = t[i].switches < base ? t[i].switches : base;
    *more = 0;
    for (uint32_t i = 0; i < n; i++)
        *more += t[i].switches > base;
    return base;
}

bool nat_trial_kept(const struct nat_trial *t, uint32_t n, uint32_t i)
{
    uint32_t pre;
    long base = fewest_switches(t, n, &pre);
    bool drop = n - pre >= NAT_COST_MIN_CLEAN;   /* else every trial was stretched alike */
    return !(drop && t[i].switches > base);
}

/* nat_cost_robust, or with keep_all its preempted trials kept too (nat_cost_all). */
static struct nat_cost robust(const struct nat_trial *t, uint32_t n, bool keep_all)
{
    struct nat_cost c = { 0 };
    double *v = n > 0 ? malloc(n * sizeof(double)) : NULL;
    if (v == NULL)
        return c;
    uint32_t pre, k = 0;
    long base = fewest_switches(t, n, &pre);
    bool drop = !keep_all && n - pre >= NAT_COST_MIN_CLEAN;   /* else every trial was stretched
                                                                 alike */
    for (uint32_t i = 0; i < n; i++)
        if (!(drop && t[i].switches > base))
            v[k++] = t[i].v;
    sim_sort_doubles(v, k);
    c = trimmed(v, k);
    c.preempted = pre;
    c.dropped = drop ? pre : 0;
    free(v);
    return c;
}

struct nat_cost nat_cost_robust(const struct nat_trial *t, uint32_t n)
{
    return robust(t, n, false);
}

struct nat_cost nat_cost_all(const struct nat_trial *t, uint32_t n)
{
    return robust(t, n, true);
}

struct nat_cost nat_cost_of(const double *x, uint32_t n)
{
    struct nat_trial *t = n > 0 ? calloc(n, sizeof(*t)) : NULL;
    if (t == NULL)
        return (struct nat_cost){ 0 };
    for (uint32_t i = 0; i < n; i++)
        t[i].v = x[i];
    struct nat_cost c = nat_cost_robust(t, n);
    free(t);
    return c;
}

bool nat_cost_settled(const struct nat_cost *c)
{
    return c->n == 0 || c->half <= NAT_COST_SETTLED * fabs(c->ns);
}

/* An interval's width relative to its cost (infinite without a cost). */
static double rel_half(const struct nat_cost *c)
{
    return c->ns != 0 ? c->half / fabs(c->ns) : (double)INFINITY;
}

struct nat_cost nat_cost_settle(nat_cost_probe probe, nat_cost_agrees agrees, void *ctx,
                                struct nat_cost *side)
{
    struct nat_cost best = { 0 }, best_side = { 0 };
    bool best_agrees = false, done = false;
    uint32_t tries = 0;
    while (!done && tries < NAT_COST_TRIES) {
        if (tries > 0)
            nanosleep(&(struct timespec){ 0, NAT_COST_RETRY_NS }, NULL);
        struct nat_cost s = { 0 }, c = probe(ctx, &s);
        bool ok = agrees == NULL || agrees(ctx, &c, &s);
        done = ok && nat_cost_settled(&c);
        if (tries++ == 0 || done || (ok && !best_agrees) ||
            (ok == best_agrees && rel_half(&c) < rel_half(&best))) {
            best = c;
            best_side = s;
            best_agrees = ok;
        }
    }
    best.tries = tries;
    best.unsettled = !done;
    if (side != NULL)
        *side = best_side;
    return best;
}
