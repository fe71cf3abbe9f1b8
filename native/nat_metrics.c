/* nat_metrics.c: per-core timeseries buckets, the collection of a native run's metrics into
 * the structs the database stores, and the workers' timelines (see nat_metrics.h). Times are
 * wall-clock ns. */
#include "native/nat_metrics.h"
#include "sim/engine/sim_core_row.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Halve the resolution: bucket i becomes buckets 2i and 2i+1. */
static void ts_double(struct nat_ts *ts)
{
    for (uint32_t i = 0; i < NAT_TS_BUCKETS / 2; i++) {
        ts->busy[i] = ts->busy[2 * i] + ts->busy[2 * i + 1];
        ts->queue[i] = ts->queue[2 * i] > ts->queue[2 * i + 1] ? ts->queue[2 * i]
                                                                : ts->queue[2 * i + 1];
    }
    memset(ts->busy + NAT_TS_BUCKETS / 2, 0, sizeof(ts->busy[0]) * NAT_TS_BUCKETS / 2);
    memset(ts->queue + NAT_TS_BUCKETS / 2, 0, sizeof(ts->queue[0]) * NAT_TS_BUCKETS / 2);
    ts->width *= 2;
}

static void ts_fit(struct nat_ts *ts, uint64_t t)
{
    while (t / ts->width >= NAT_TS_BUCKETS)
        ts_double(ts);
}

void nat_ts_busy(struct nat_ts *ts, uint64_t start, uint64_t len)
{
    if (len == 0)
        return;
    ts_fit(ts, start + len - 1);
    while (len > 0) {
        uint64_t i = start / ts->width;
        uint64_t room = (i + 1) * ts->width - start;
        uint64_t part = len < room ? len : room;
        ts->busy[i] += part;
        start += part;
        len -= part;
    }
}

void nat_ts_queue(struct nat_ts *ts, uint64_t t, uint64_t q)
{
    ts_fit(ts, t);
    uint32_t *b = &ts->queue[t / ts->width];
    if (q > *b)
        *b = q > UINT32_MAX ? UINT32_MAX : (uint32_t)q;
}

static void hist_merge(struct sim_hist *into, const struct sim_hist *h)
{
    into->count += h->count;
    if (h->max > into->max)
        into->max = h->max;
    for (size_t i = 0; i < sizeof(h->b) / sizeof(h->b[0]); i++)
        into->b[i] += h->b[i];
}

static void fill_core(const struct nat_rt *rt, uint32_t c, uint64_t span,
                      struct sim_core_stats *o, struct sim_run_summary *s)
{
    const struct nat_worker *w = &rt->w[c];
    o->busy_ns = w->st.busy_ns < span ? w->st.busy_ns : span;
    o->steal_ns = w->st.steal_ns < span - o->busy_ns ? w->st.steal_ns : span - o->busy_ns;
    o->idle_ns = span - o->busy_ns - o->steal_ns;
    o->sleep_ns = w->st.sleep_ns < o->idle_ns ? w->st.sleep_ns : o->idle_ns;
    o->wakeups = w->st.wakeups;
    o->processes_run = w->st.run;
    sim_core_row_fill(rt->topo, c, ws_sched_core_stats(rt->s, c), span, o, s);
    s->migration_cost_ns += w->st.migration_cost_ns;
    s->preemptions += w->st.preemptions;
    s->messages += w->st.messages;
    s->processes += w->st.exits;
}

int nat_ts_collect(const struct nat_rt *rt, uint64_t span, struct sim_run_metrics *m)
{
    uint64_t width = nat_ts_first_width(&rt->p);
    for (uint32_t c = 0; c < rt->n; c++)
        if (rt->w[c].ts.width > width)
            width = rt->w[c].ts.width;
    while (span / width >= NAT_TS_BUCKETS)
        width *= 2;
    /* Buckets [i * width, (i + 1) * width) up to the one holding span - 1; each sample is
     * stamped at its bucket's end, cut to span, so stamps are distinct. What a worker put at
     * span itself (its last exit) joins the last bucket. */
    uint64_t nb = span == 0 ? 1 : (span - 1) / width + 1;
    m->timeseries = calloc((size_t)rt->n * nb, sizeof(struct sim_ts_sample));
    if (m->timeseries == NULL)
        return -1;
    size_t k = 0;
    for (uint32_t c = 0; c < rt->n; c++) {
        struct nat_ts ts = rt->w[c].ts;
        while (ts.width < width)
            ts_double(&ts);
        if (nb < NAT_TS_BUCKETS) {
            ts.busy[nb - 1] += ts.busy[nb];
            if (ts.queue[nb] > ts.queue[nb - 1])
                ts.queue[nb - 1] = ts.queue[nb];
        }
        for (uint64_t i = 0; i < nb; i++) {
            uint64_t lo = i * width, hi = lo + width < span ? lo + width : span;
            struct sim_ts_sample *t = &m->timeseries[k++];
            t->core = c;
            t->t_ns = hi;
            t->utilization = (double)ts.busy[i] / (double)(hi > lo ? hi - lo : 1);
            if (t->utilization > 1.0)
                t->utilization = 1.0;
            t->queue_len = ts.queue[i];
        }
    }
    m->ntimeseries = k;
    m->run.timeseries_interval_ns = width;
    return 0;
}

int nat_metrics_collect(const struct nat_rt *rt, struct sim_run_metrics *m, struct nat_extra *x)
{
    memset(m, 0, sizeof(*m));
    memset(x, 0, sizeof(*x));
    uint64_t start = rt->t_first > rt->t0 ? rt->t_first : rt->t0;
    uint64_t end = atomic_load_explicit(&rt->t_end, memory_order_relaxed);
    uint64_t span = end > start ? end - start : 0;
    struct sim_run_summary *s = &m->summary;
    struct sim_hist *wait = calloc(1, sizeof(*wait)), *resp = calloc(1, sizeof(*resp));
    m->ncores = rt->n;
    m->cores = calloc(rt->n, sizeof(struct sim_core_stats));
    m->steal_matrix = calloc((size_t)rt->n * rt->n, sizeof(uint64_t));
    if (wait == NULL || resp == NULL || m->cores == NULL || m->steal_matrix == NULL)
        goto nomem;
    s->makespan_ns = span;
    x->pinned = true;
    uint64_t busy = 0;
    struct sim_tclock *steals = calloc(2, sizeof(*steals));   /* steals, lost races (16 KiB
                                                                  each: not on the stack) */
    if (steals == NULL)
        goto nomem;
    for (uint32_t c = 0; c < rt->n; c++) {
        const struct nat_worker *w = &rt->w[c];
        fill_core(rt, c, span, &m->cores[c], s);
        busy += m->cores[c].busy_ns;
        hist_merge(wait, w->wait_hist);
        hist_merge(resp, w->resp_hist);
        memcpy(&m->steal_matrix[(size_t)c * rt->n], w->steal_row, rt->n * sizeof(uint64_t));
        m->steal_matrix[(size_t)c * rt->n + c] = 0;
        x->aff_violations += w->st.aff_violations;
        x->timeouts += w->st.timeouts;
        x->join_rmw += w->st.join_rmw;
        x->join_flushes += w->st.join_flushes;
        struct ws_deque_stats ds;
        ws_deque_stats(w->fq.q, &ds);
        x->steal_barriers += ds.steal_barriers;
        x->lock_waits += w->st.lock_waits;
        x->lock_wait_ns += w->st.lock_wait_ns;
        x->won_rounds += w->st.won_rounds;
        x->won_ns += w->st.won_ns;
        x->won_long += w->st.won_long;
        for (uint32_t b = 0; b < NAT_ROUND_BINS; b++)
            x->won_hist[b] += w->st.won_hist[b];
        sim_tclock_merge(&steals[0], &w->st.steal_clock);
        sim_tclock_merge(&steals[1], &w->st.lost_clock);
        x->timeout_finds += w->st.timeout_finds;
        x->wakeups += w->st.wakeups;
        x->dropped += w->st.dropped;
        x->tally += w->st.tally;
        x->cpu_ns += w->st.cpu_ns;
        if (w->os_cpu >= 0 && !w->pinned)
            x->pinned = false;
    }
    x->spawns = s->processes + rt->stuck - rt->main_next_id;   /* every process but the roots */
    s->stuck_processes = rt->stuck;
    s->utilization = span ? (double)busy / ((double)span * rt->n) : 0;
    if (s->utilization > 1.0)
        s->utilization = 1.0;
    uint64_t to = end > rt->t0 ? end - rt->t0 : 0;
    sim_tclock_tenths(&steals[0], start - rt->t0, to, s->steals_by_tenth, s->steals_last_tenth);
    sim_tclock_tenths(&steals[1], start - rt->t0, to, s->lost_by_tenth, s->lost_last_tenth);
    free(steals);
    s->wait_p50_ns = sim_hist_quantile(wait, 0.50);
    s->wait_p95_ns = sim_hist_quantile(wait, 0.95);
    s->wait_p99_ns = sim_hist_quantile(wait, 0.99);
    s->resp_p50_ns = sim_hist_quantile(resp, 0.50);
    s->resp_p95_ns = sim_hist_quantile(resp, 0.95);
    s->resp_p99_ns = sim_hist_quantile(resp, 0.99);
    free(wait);
    free(resp);
    sim_metrics_derive(m);
    if (nat_ts_collect(rt, span, m) != 0)
        goto nomem_done;
    return 0;
nomem:
    free(wait);
    free(resp);
nomem_done:
    nat_metrics_free(m);
    return -1;
}

void nat_metrics_free(struct sim_run_metrics *m)
{
    free(m->cores);
    free(m->steal_matrix);
    free(m->timeseries);
    m->cores = NULL;
    m->steal_matrix = NULL;
    m->timeseries = NULL;
}

/* ---- --timeline: one recorder per worker (owner only while running), joined at the end ---- */

/* Slices whose memory is allocated and touched before the run, shared by all workers: a page
 * fault in the middle of a run costs microseconds in a virtual machine (about 130 ns per slice
 * measured, against 4 ns for a touched one), so a timeline of up to this many slices records
 * without one; a longer one still grows (and faults) as it goes. */
#define NAT_TL_PREFAULT (UINT64_C(1) << 20)

int nat_tl_setup(struct nat_rt *rt, size_t max)
{
    size_t each = (size_t)(NAT_TL_PREFAULT / (rt->n ? rt->n : 1));
    for (uint32_t c = 0; c < rt->n; c++) {
        struct sim_timeline *t = calloc(1, sizeof(*t));
        if (t == NULL)
            return -1;
        if (sim_timeline_init(t, rt->n, max) != 0) {
            free(t);
            return -1;
        }
        rt->w[c].tl = t;
        size_t cap = each < t->max ? each : t->max;
        if (cap > 0 && (t->v = malloc(cap * sizeof(*t->v))) == NULL)
            return -1;
        t->cap = t->v != NULL ? cap : 0;
        if (t->cap > 0)
            memset(t->v, 0xff, t->cap * sizeof(*t->v));   /* touch every page now */
    }
    return 0;
}

/* The worker whose next slice (at[c] into its timeline, each in order of start) starts first;
 * UINT32_MAX when every one is used up. */
static uint32_t tl_first(const struct nat_rt *rt, const size_t *at)
{
    uint32_t best = UINT32_MAX;
    for (uint32_t c = 0; c < rt->n; c++) {
        const struct sim_timeline *t = rt->w[c].tl;
        if (t != NULL && at[c] < t->n &&
            (best == UINT32_MAX ||
             t->v[at[c]].start_ns < rt->w[best].tl->v[at[best]].start_ns))
            best = c;
    }
    return best;
}

/* The workers' slices merged in order of start and cut at one time, as the simulator's: kept
 * are the first max slices that start before every worker's own cut; the rest count as
 * dropped, from the earliest start not kept. */
int nat_tl_collect(struct nat_rt *rt, size_t max, struct sim_timeline *all,
                   struct sim_run_metrics *m)
{
    size_t *at = calloc(rt->n, sizeof(size_t));
    if (at == NULL || sim_timeline_init(all, rt->n, max) != 0) {
        free(at);
        return -1;
    }
    uint64_t total = 0, cut = UINT64_MAX;
    for (uint32_t c = 0; c < rt->n; c++) {
        const struct sim_timeline *t = rt->w[c].tl;
        total += t->n;
        all->dropped += t->dropped;
        if (t->dropped > 0 && t->cut_ns < cut)
            cut = t->cut_ns;
    }
    size_t cap = total < all->max ? (size_t)total : all->max;
    all->v = malloc((cap ? cap : 1) * sizeof(*all->v));
    if (all->v == NULL) {
        free(at);
        sim_timeline_free(all);
        return -1;
    }
    all->cap = cap;
    uint32_t c;
    while ((c = tl_first(rt, at)) != UINT32_MAX) {
        const struct sim_tl_slice *s = &rt->w[c].tl->v[at[c]];
        if (s->start_ns >= cut || all->n == all->max) {
            cut = s->start_ns < cut ? s->start_ns : cut;
            break;
        }
        all->v[all->n++] = *s;
        at[c]++;
    }
    /* A tie at the cap: slices kept at the very ns of the first one left out would lie at
     * cut_ns, from which the timeline says nothing was kept; they go too (slices stay sorted by
     * start, so they are the last). A CI run met one in a 30-slice cut. */
    while (all->n > 0 && all->v[all->n - 1].start_ns >= cut)
        all->n--;
    free(at);
    all->dropped += total - all->n;
    all->cut_ns = all->dropped > 0 ? cut : 0;
    m->timeline = all->v;
    m->ntimeline = all->n;
    m->timeline_max = all->max;
    m->timeline_dropped = all->dropped;
    m->timeline_cut_ns = all->cut_ns;
    return 0;
}

void nat_tl_free(struct nat_rt *rt)
{
    for (uint32_t c = 0; rt != NULL && c < rt->n; c++) {
        if (rt->w[c].tl != NULL) {
            sim_timeline_free(rt->w[c].tl);
            free(rt->w[c].tl);
            rt->w[c].tl = NULL;
        }
    }
}

/* Bin b's lower edge in ns: 2^l (1 + k/4) for b = (l - 8) * 4 + k; bin 0 starts at 0. */
static double round_bin_low(uint32_t b)
{
    return b == 0 ? 0.0 : ldexp(1.0 + (double)(b % 4u) / 4.0, (int)(b / 4u) + 8);
}

double nat_round_quantile(const uint64_t hist[NAT_ROUND_BINS], double q)
{
    uint64_t n = 0;
    for (uint32_t b = 0; b < NAT_ROUND_BINS; b++)
        n += hist[b];
    if (n == 0)
        return 0.0;
    double want = q * (double)n, seen = 0.0;
    for (uint32_t b = 0; b < NAT_ROUND_BINS; b++) {
        if (hist[b] == 0)
            continue;
        if (seen + (double)hist[b] >= want) {
            double lo = round_bin_low(b);
            double hi = b + 1 < NAT_ROUND_BINS ? round_bin_low(b + 1) : lo * 1.25;
            double f = (want - seen) / (double)hist[b];
            return lo + (hi - lo) * (f < 0 ? 0 : f > 1 ? 1 : f);
        }
        seen += (double)hist[b];
    }
    return 0.0;   /* (not reached: the last non-empty bin returns) */
}
