/* ws_migrate.c: migration cost model, benefit, decision and rate limits (essay in the header). */
#include "core/ws_migrate.h"
#include "core/ws_sched_int.h"
#include "core/ws_atomic.h"
#include "core/ws_time.h"

#include <math.h>

#define NS_PER_S 1000000000ull
#define REMOTE_WSET_CAP (64ull << 20)
#define TERM_MAX ((double)(INT64_C(1) << 60))   /* |term| bound: five of them fit an int64 */

/* One cost term from its real value: clamped to +-TERM_MAX (parameters up to 2^53 ns times
 * working sets and capacity ratios can exceed 64 bits); NaN gives 0. */
static int64_t term(double ns)
{
    if (!(ns == ns))
        return 0;
    if (ns > TERM_MAX)
        return (int64_t)TERM_MAX;
    if (ns < -TERM_MAX)
        return -(int64_t)TERM_MAX;
    return (int64_t)ns;
}

/* Capacity of `from`'s caches strictly below `level` (all levels if level is 0), i.e. what
 * the process loses by moving. The largest such cache bounds what must be refilled. */
static uint64_t lost_cache_bytes(const struct ws_topo *t, uint32_t from, uint32_t level)
{
    uint64_t lost = 0;
    uint32_t top = level == 0 ? WS_TOPO_CACHE_LEVELS : level - 1;
    for (uint32_t l = 0; l < top; l++) {
        int32_t i = t->cores[from].cache[l];
        if (i >= 0 && t->caches[i].size_bytes > lost)
            lost = t->caches[i].size_bytes;
    }
    return lost;
}

static uint32_t line_bytes(const struct ws_topo *t, uint32_t core)
{
    int32_t i = t->cores[core].cache[0];
    return (i >= 0 && t->caches[i].line_bytes > 0) ? t->caches[i].line_bytes : 64;
}

void ws_migrate_cost(const struct ws_sched *s, const struct ws_proc *p, uint32_t from,
                     uint32_t to, struct ws_mig_cost *out)
{
    const struct ws_topo *t = s->topo;
    const struct ws_params *pr = &s->p;
    uint64_t line = line_bytes(t, from);
    for (int i = 0; i < WS_MIG_TERMS; i++)
        out->terms[i] = 0;
    if (from == to) {
        out->total = 0;
        return;
    }
    out->terms[0] = term((double)pr->ctx_switch_ns);                          /* (1) */
    struct ws_topo_shared sh = ws_topo_shared_cache(t, from, to);
    uint64_t lost = lost_cache_bytes(t, from, sh.level);
    uint64_t lines = (p->wset_bytes < lost ? p->wset_bytes : lost) / line;
    uint64_t per_line = sh.level == 2 ? pr->refill_l2_ns
                      : sh.level == 3 ? pr->refill_l3_ns : pr->refill_mem_ns;
    out->terms[1] = term((double)lines * (double)per_line);                   /* (2) */
    uint32_t na = t->cores[from].node, nb = t->cores[to].node;
    if (na != nb) {
        uint64_t dist = ws_topo_node_distance(t, na, nb);
        uint64_t wl = (p->wset_bytes < REMOTE_WSET_CAP ? p->wset_bytes : REMOTE_WSET_CAP) / line;
        double remote = (double)wl * (double)pr->remote_mem_ns *
                        (double)(dist > 10 ? dist - 10 : 0) / 10.0;
        out->terms[2] = term(remote * pr->numa_cost_scale);                  /* (3) */
        out->terms[3] = term((double)pr->numa_migration_ns * pr->numa_cost_scale); /* (4) */
    }
    double cf = t->cores[from].capacity, ct = t->cores[to].capacity;
    if (p->expected_ns > 0 && cf > 0 && ct > 0)
        out->terms[4] = term((double)p->expected_ns * (cf / ct - 1.0));      /* (5) */
    out->total = 0;
    for (int i = 0; i < WS_MIG_TERMS; i++)
        out->total += out->terms[i];
}

int64_t ws_migrate_benefit(const struct ws_sched *s, const struct ws_proc *p, uint32_t from)
{
    uint64_t est = p->expected_ns ? p->expected_ns : s->p.time_slice_ns;
    if (!s->p.no_preempt && s->p.time_slice_ns > 0 && est > s->p.time_slice_ns)
        est = s->p.time_slice_ns;   /* it waits for each one's slice at most */
    if (est == 0)
        est = 1;
    uint64_t b = ws_time_mul(ws_sched_waiting(s, from), est);
    return b > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)b;
}

/* Count in a fixed window [start, start + len): the value if still inside, else 0. */
static uint64_t window_count(uint64_t start, uint64_t count, uint64_t len, uint64_t now)
{
    return (now >= start && now - start < len) ? count : 0;
}

/* The storm guard's allowance: burst_max migrations per core of the machine per window. */
static uint64_t burst_limit(const struct ws_sched *s)
{
    return s->p.burst_max * s->ncores;
}

static uint64_t burst_now(const struct ws_sched *s, uint64_t now)
{
    return window_count(ws_load_relaxed(&s->burst_window_start),
                        ws_load_relaxed(&s->burst_window_count), s->p.burst_window_ns, now);
}

bool ws_migrate_limited(const struct ws_sched *s, uint32_t to, uint64_t now)
{
    const struct ws_params *pr = &s->p;
    const struct ws_core *c = &s->cores[to];
    if (pr->core_migrations_per_s &&
        window_count(c->mig_window_start, c->mig_window_count, NS_PER_S, now) >=
            pr->core_migrations_per_s)
        return true;
    if (pr->system_migrations_per_s &&
        window_count(ws_load_relaxed(&s->sys_window_start), ws_load_relaxed(&s->sys_window_count),
                     NS_PER_S, now) >= pr->system_migrations_per_s)
        return true;
    return pr->burst_max && pr->burst_window_ns && burst_now(s, now) >= burst_limit(s);
}

/* End of a fixed window [start, start + len), saturating. */
static uint64_t window_end(uint64_t start, uint64_t len)
{
    return ws_time_add(start, len);
}

uint64_t ws_migrate_limited_until(const struct ws_sched *s, uint32_t to, uint64_t now)
{
    const struct ws_params *pr = &s->p;
    const struct ws_core *c = &s->cores[to];
    uint64_t until = now;
    if (pr->core_migrations_per_s &&
        window_count(c->mig_window_start, c->mig_window_count, NS_PER_S, now) >=
            pr->core_migrations_per_s)
        until = window_end(c->mig_window_start, NS_PER_S);
    uint64_t st = ws_load_relaxed(&s->sys_window_start);
    if (pr->system_migrations_per_s &&
        window_count(st, ws_load_relaxed(&s->sys_window_count), NS_PER_S, now) >=
            pr->system_migrations_per_s && window_end(st, NS_PER_S) > until)
        until = window_end(st, NS_PER_S);
    uint64_t bs = ws_load_relaxed(&s->burst_window_start);
    if (pr->burst_max && pr->burst_window_ns && burst_now(s, now) >= burst_limit(s) &&
        window_end(bs, pr->burst_window_ns) > until)
        until = window_end(bs, pr->burst_window_ns);
    return until;
}

uint64_t ws_migrate_burst_until(const struct ws_sched *s, uint64_t now)
{
    if (s->p.migration_policy != WS_MIG_ADAPTIVE || !s->p.burst_max || !s->p.burst_window_ns ||
        burst_now(s, now) == 0)
        return UINT64_MAX;
    return window_end(ws_load_relaxed(&s->burst_window_start), s->p.burst_window_ns);
}

enum ws_steal_result ws_migrate_check(struct ws_sched *s, const struct ws_proc *p,
                                      uint32_t from, uint32_t to, uint64_t now)
{
    const struct ws_params *pr = &s->p;
    ws_fetch_add_relaxed(&s->cores[to].stats.mig_considered, 1);
    if (pr->migration_policy == WS_MIG_OFF)
        return WS_STEAL_COST;
    uint64_t maxm = p->max_migrations ? p->max_migrations : pr->max_migrations;
    if (ws_load_relaxed(&p->migrations) >= maxm || ws_migrate_limited(s, to, now))
        return WS_STEAL_RATE_LIMIT;
    uint64_t burst = pr->burst_max && pr->burst_window_ns ? burst_now(s, now) : 0;
    struct ws_mig_cost cost;
    ws_migrate_cost(s, p, from, to, &cost);
    if (cost.total <= 0)
        return WS_STEAL_OK;
    double factor = pr->migration_factor;
    if (pr->migration_policy == WS_MIG_ADAPTIVE) {
        if (pr->burst_max)
            factor *= 1.0 + (double)burst / (double)burst_limit(s);
        uint32_t rounds = s->cores[to].cost_idle_rounds;
        factor = ldexp(factor, -(int)(rounds < 60 ? rounds : 60));
    }
    double benefit = (double)ws_migrate_benefit(s, p, from);
    return benefit > (double)cost.total * factor ? WS_STEAL_OK : WS_STEAL_COST;
}

/* a + b clamped to the int64 range (a run's sum of cost estimates never wraps). */
static int64_t add_saturating(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

/* Advance a shared fixed window by one event (relaxed: limits are approximate across threads,
 * exact in the single-threaded simulator). */
static void window_bump(_Atomic uint64_t *start, _Atomic uint64_t *count, uint64_t len,
                        uint64_t now)
{
    uint64_t st = ws_load_relaxed(start);
    if (now < st || now - st >= len) {
        ws_store_relaxed(start, now);
        ws_store_relaxed(count, 1);
    } else {
        ws_fetch_add_relaxed(count, 1);
    }
}

void ws_migrate_commit(struct ws_sched *s, struct ws_proc *p, uint32_t from, uint32_t to,
                       uint64_t now)
{
    struct ws_core *c = &s->cores[to];
    if (now < c->mig_window_start || now - c->mig_window_start >= NS_PER_S) {
        c->mig_window_start = now;
        c->mig_window_count = 0;
    }
    c->mig_window_count++;
    window_bump(&s->sys_window_start, &s->sys_window_count, NS_PER_S, now);
    if (s->p.burst_window_ns)
        window_bump(&s->burst_window_start, &s->burst_window_count, s->p.burst_window_ns, now);
    ws_fetch_add_relaxed(&p->migrations, 1);
    p->last_migration_ns = now;
    c->stats.migrations[ws_topo_dist_class(s->topo, from, to)]++;
    /* Terms (1)-(4) are time spent; (5) is not charged: the slower or faster core's capacity
     * already stretches or shrinks the remaining work. */
    struct ws_mig_cost cost;
    ws_migrate_cost(s, p, from, to, &cost);
    c->stats.mig_cost_est_ns = add_saturating(c->stats.mig_cost_est_ns, cost.total);
    int64_t spent = cost.terms[0] + cost.terms[1] + cost.terms[2] + cost.terms[3];
    if (spent > 0)
        p->owed_ns = ws_time_add(p->owed_ns, (uint64_t)spent);
}
