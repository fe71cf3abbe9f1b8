/* sim_collect.c: metrics of a simulated run: per-core times, steals, migrations, latency
 * histograms, the utilisation timeseries, and the end-of-run checks (deadlock, messages to
 * processes that never existed). */
#include "sim/engine/sim_core_row.h"
#include "sim/engine/sim_engine_int.h"

#include <stdlib.h>
#include <string.h>

#define MATRIX_MAX_CORES 1024
#define TS_FIRST_WIDTH 1000

int sim_collect_init(struct sim_engine *e)
{
    uint32_t n = e->ncores;
    if (sim_idmap_init(&e->steal_pairs, 64) != 0)
        return -1;
    sim_tclock_init(&e->steal_clock);
    sim_tclock_init(&e->lost_clock);
    e->ts_width = e->p.sample_interval_ns ? e->p.sample_interval_ns : TS_FIRST_WIDTH;
    e->ts_busy = sim_alloc_wide((size_t)n * SIM_TS_BUCKETS * sizeof(uint64_t));
    e->ts_queue = sim_alloc_wide((size_t)n * SIM_TS_BUCKETS * sizeof(uint32_t));
    return (e->ts_busy == NULL || e->ts_queue == NULL) ? -1 : 0;
}

void sim_collect_free(struct sim_engine *e)
{
    sim_idmap_destroy(&e->steal_pairs);
    free(e->steal_matrix);
    free(e->ts_busy);
    free(e->ts_queue);
    free(e->exited_bits);
    free(e->rows);
    free(e->m.cores);
    free(e->m.timeseries);
}

void sim_collect_steals(struct sim_engine *e, uint32_t thief, uint32_t victim, uint64_t n)
{
    uint64_t key = (uint64_t)thief * e->ncores + victim, had = 0;
    sim_idmap_get(&e->steal_pairs, key, &had);
    if (sim_idmap_put(&e->steal_pairs, key, had + n) != 0)
        sim_fail(e, "out of memory (steal matrix)");
}

/* The thief x victim matrix of the database rows, from the pairs that stole (up to
 * MATRIX_MAX_CORES cores; above, no matrix is stored). */
static int fill_steal_matrix(struct sim_engine *e)
{
    uint32_t n = e->ncores;
    if (n > MATRIX_MAX_CORES)
        return 0;
    e->steal_matrix = calloc((size_t)n * n, sizeof(uint64_t));
    if (e->steal_matrix == NULL)
        return sim_fail(e, "out of memory (steal matrix)");
    for (size_t i = 0; e->steal_pairs.keys != NULL && i <= e->steal_pairs.mask; i++)
        if (e->steal_pairs.keys[i] != UINT64_MAX)
            e->steal_matrix[e->steal_pairs.keys[i]] = e->steal_pairs.vals[i];
    return 0;
}

/* Double the bucket width until time t falls inside the buckets, merging pairs. */
static void ts_fit(struct sim_engine *e, uint64_t t)
{
    while (t >= e->ts_width * SIM_TS_BUCKETS) {   /* (t / width >= BUCKETS, no division;
                                                      width < 2^56: no overflow) */
        for (uint32_t c = 0; c < e->ncores; c++) {
            uint64_t *b = &e->ts_busy[(size_t)c * SIM_TS_BUCKETS];
            uint32_t *q = &e->ts_queue[(size_t)c * SIM_TS_BUCKETS];
            for (uint32_t i = 0; i < SIM_TS_BUCKETS / 2; i++) {
                b[i] = b[2 * i] + b[2 * i + 1];
                q[i] = q[2 * i] > q[2 * i + 1] ? q[2 * i] : q[2 * i + 1];
            }
            memset(b + SIM_TS_BUCKETS / 2, 0, sizeof(*b) * SIM_TS_BUCKETS / 2);
            memset(q + SIM_TS_BUCKETS / 2, 0, sizeof(*q) * SIM_TS_BUCKETS / 2);
        }
        e->ts_width *= 2;
    }
}

/* Times here are below the clock limit (ws_time.h): a later one has already failed the run
 * in sim_push and is not recorded, so ts_fit's doubling cannot overflow. */
static void ts_add_busy(struct sim_engine *e, uint32_t c, uint64_t start, uint64_t len)
{
    if (len == 0 || ws_time_past_clock(ws_time_add(start, len)))
        return;
    ts_fit(e, start + len - 1);
    uint64_t *b = &e->ts_busy[(size_t)c * SIM_TS_BUCKETS];
    while (len > 0) {
        uint64_t i = start / e->ts_width;
        uint64_t room = (i + 1) * e->ts_width - start;
        uint64_t part = len < room ? len : room;
        b[i] += part;
        start += part;
        len -= part;
    }
}

/* A core's busy segments mostly follow one another (spawn costs, a run, a send): one that
 * starts where the pending one ends extends it, and the buckets are filled once per stretch.
 * Bucket sums do not depend on how a stretch is cut, and ts_fit's width only on the latest
 * time it is given, so the timeseries is the same as segment by segment. */
void sim_collect_busy(struct sim_engine *e, uint32_t c, uint64_t start, uint64_t len)
{
    struct score *k = &e->cores[c];
    if (start == k->ts_to) {
        k->ts_to = ws_time_add(start, len);
        return;
    }
    ts_add_busy(e, c, k->ts_from, k->ts_to - k->ts_from);
    k->ts_from = start;
    k->ts_to = ws_time_add(start, len);
}

/* A bucket's maximum starts at 0, so an empty queue (most dispatches on a large machine)
 * leaves it as it is: the core's bucket line, one of ncores * 8 lines, is not touched. ts_fit
 * still sees t, as the bucket width depends on the latest time it is given. */
void sim_collect_queue(struct sim_engine *e, uint32_t c, uint64_t t)
{
    if (ws_time_past_clock(t))
        return;
    ts_fit(e, t);
    uint64_t w = ws_sched_waiting(e->s, c);
    if (w == 0)
        return;
    uint32_t *q = &e->ts_queue[(size_t)c * SIM_TS_BUCKETS + t / e->ts_width];
    if (w > *q)
        *q = w > UINT32_MAX ? UINT32_MAX : (uint32_t)w;
}

void sim_collect_exit(struct sim_engine *e, struct sproc *p, uint64_t t)
{
    uint64_t first = p->first_run_ns == UINT64_MAX ? t : p->first_run_ns;
    sim_hist_add(&e->wait_hist, first - p->spawn_ns);
    sim_hist_add(&e->resp_hist, t - p->spawn_ns);
    if (!e->o.per_process)
        return;
    if (e->nrows == e->rows_cap) {
        size_t cap = e->rows_cap ? e->rows_cap * 2 : 1024;
        struct sim_proc_row *r = realloc(e->rows, cap * sizeof(*r));
        if (r == NULL) {
            sim_fail(e, "out of memory (per-process rows)");
            return;
        }
        e->rows = r;
        e->rows_cap = cap;
    }
    e->rows[e->nrows++] = (struct sim_proc_row){
        .pid = p->wp.id, .spawn_ns = p->spawn_ns, .first_run_ns = p->first_run_ns,
        .end_ns = t, .wait_ns = p->wait_ns, .core_last = (uint32_t)p->wp.cur_core,
        .migrations = p->wp.migrations,
    };
}

static void smallest_id(void *ctx, uint64_t id, uint64_t val)
{
    uint64_t *least = ctx;
    (void)val;
    if (id < *least)
        *least = id;
}

/* The end-of-run checks: every process exited and every message found its process; a
 * deadlock names its smallest stuck id. */
static int check_end(struct sim_engine *e)
{
    if (e->live_procs > 0) {
        uint64_t example = UINT64_MAX;
        sim_idtab_each(&e->live, smallest_id, &example);
        e->m.summary.stuck_processes = e->live_procs;
        return sim_fail(e, "deadlock: %llu processes blocked forever waiting for messages that "
                           "never come (e.g. process %llu)", (unsigned long long)e->live_procs,
                        (unsigned long long)example);
    }
    if (e->pending.n > 0) {
        for (size_t i = 0; i <= e->pending.mask; i++)
            if (e->pending.keys[i] != UINT64_MAX)
                return sim_fail(e, "message to process %llu, which never exists",
                                (unsigned long long)e->pending.keys[i]);
    }
    return 0;
}

static void fill_core(struct sim_engine *e, uint32_t c, uint64_t end, struct sim_core_stats *o)
{
    struct score *k = &e->cores[c];
    if (k->asleep && k->sleep_since < end)
        k->st.sleep_ns += end - k->sleep_since;   /* (a core that fell asleep after the end
                                                     of the run contributes nothing) */
    *o = k->st;
    e->m.summary.dispatches += o->processes_run;
    uint64_t span = end - e->first_spawn;
    /* Probes made by cores going idle at the very end can reach past the last exit: that part
     * is not in the run (busy time cannot: nothing runs after the last exit). */
    uint64_t used = o->busy_ns + o->steal_ns + o->sleep_ns;
    if (used > span)
        o->steal_ns -= used - span < o->steal_ns ? used - span : o->steal_ns;
    if (o->noise_steal_ns > o->steal_ns)
        o->noise_steal_ns = o->steal_ns;   /* (detours before a look past the end, likewise) */
    used = o->busy_ns + o->steal_ns;
    o->idle_ns = span > used ? span - used : 0;
    if (o->sleep_ns > o->idle_ns)
        o->sleep_ns = o->idle_ns;   /* a wake-up completing after the last exit */
    sim_core_row_fill(e->topo, c, ws_sched_core_stats(e->s, c), span, o, &e->m.summary);
}

static int fill_timeseries(struct sim_engine *e, uint64_t end)
{
    uint64_t nb = (end + e->ts_width - 1) / e->ts_width;   /* buckets up to the end, each with a
                                                              distinct end time t_ns */
    if (nb == 0)
        nb = 1;
    if (nb > SIM_TS_BUCKETS)
        nb = SIM_TS_BUCKETS;
    e->m.timeseries = calloc((size_t)e->ncores * nb, sizeof(struct sim_ts_sample));
    if (e->m.timeseries == NULL)
        return sim_fail(e, "out of memory (timeseries)");
    size_t n = 0;
    for (uint32_t c = 0; c < e->ncores; c++) {
        for (uint64_t i = 0; i < nb; i++) {
            uint64_t lo = i * e->ts_width, hi = lo + e->ts_width < end ? lo + e->ts_width : end;
            uint64_t width = hi > lo ? hi - lo : 1;
            struct sim_ts_sample *t = &e->m.timeseries[n++];
            t->core = c;
            t->t_ns = hi;
            t->utilization = (double)e->ts_busy[(size_t)c * SIM_TS_BUCKETS + i] / (double)width;
            if (t->utilization > 1.0)
                t->utilization = 1.0;
            t->queue_len = e->ts_queue[(size_t)c * SIM_TS_BUCKETS + i];
        }
    }
    e->m.ntimeseries = n;
    e->m.run.timeseries_interval_ns = e->ts_width;
    return 0;
}

int sim_collect_finish(struct sim_engine *e)
{
    if (check_end(e) != 0)
        return -1;
    struct sim_run_summary *s = &e->m.summary;
    uint64_t end = e->last_exit > e->first_spawn ? e->last_exit : e->first_spawn;
    s->makespan_ns = end - e->first_spawn;
    s->processes = e->done;
    e->m.ncores = e->ncores;
    e->m.cores = calloc(e->ncores, sizeof(struct sim_core_stats));
    if (e->m.cores == NULL)
        return sim_fail(e, "out of memory");
    double busy = 0;   /* (a sum over up to 16,384 cores of times up to 2^62 ns) */
    for (uint32_t c = 0; c < e->ncores; c++) {
        fill_core(e, c, end, &e->m.cores[c]);
        busy += (double)e->m.cores[c].busy_ns;
    }
    s->utilization = s->makespan_ns ? busy / ((double)s->makespan_ns * e->ncores) : 0;
    sim_tclock_tenths(&e->steal_clock, e->first_spawn, end, s->steals_by_tenth,
                      s->steals_last_tenth);
    sim_tclock_tenths(&e->lost_clock, e->first_spawn, end, s->lost_by_tenth, s->lost_last_tenth);
    s->wait_p50_ns = sim_hist_quantile(&e->wait_hist, 0.50);
    s->wait_p95_ns = sim_hist_quantile(&e->wait_hist, 0.95);
    s->wait_p99_ns = sim_hist_quantile(&e->wait_hist, 0.99);
    s->resp_p50_ns = sim_hist_quantile(&e->resp_hist, 0.50);
    s->resp_p95_ns = sim_hist_quantile(&e->resp_hist, 0.95);
    s->resp_p99_ns = sim_hist_quantile(&e->resp_hist, 0.99);
    if (fill_steal_matrix(e) != 0)
        return -1;
    e->m.steal_matrix = e->steal_matrix;
    e->m.procs = e->rows;
    e->m.nprocs = e->nrows;
    sim_metrics_derive(&e->m);
    for (uint32_t c = 0; c < e->ncores; c++)
        ts_add_busy(e, c, e->cores[c].ts_from, e->cores[c].ts_to - e->cores[c].ts_from);
    return fill_timeseries(e, end);
}
