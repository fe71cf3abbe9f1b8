/* sim_gen_load.c: load-shape generators: bursty arrivals, skewed spawning (one hot spawner),
 * mixed priorities, and processes with strict/preferred affinity. All seeded; every random
 * draw is sim_gen_rand(seed, id, k), so records do not depend on the order they are asked for. */
#include "sim/trace/sim_gen.h"

#include <stdlib.h>
#include <string.h>

#define MAX_PHASES (1u << 24)

/* Phases run, wait, run, wait, ..., run (iters runs) with exponential lengths; draws 2k, 2k+1. */
static uint32_t run_wait_phases(struct sim_trace_phase *ph, uint64_t seed, uint64_t id,
                                uint64_t iters, uint64_t work, uint64_t sleep)
{
    uint32_t k = 0;
    for (uint64_t i = 0; i < iters; i++) {
        if (i > 0)
            ph[k++] = (struct sim_trace_phase){
                sim_gen_exp(sleep, sim_gen_rand(seed, id, 2 * i + 1)), SIM_PHASE_WAIT };
        ph[k++] = (struct sim_trace_phase){ sim_gen_exp(work, sim_gen_rand(seed, id, 2 * i)),
                                            SIM_PHASE_RUN };
    }
    return k;
}

static int no_child(struct sim_trace *t, const struct sim_trace_rec *parent, uint64_t cid)
{
    return sim_gen_fail(t, "child", "process %llu spawns no process %llu",
                        (unsigned long long)parent->id, (unsigned long long)cid);
}

/* ---- bursty ---------------------------------------------------------------------------------
 * bursts x size roots (ids 0..N-1). Burst b starts at b*gap; within it arrivals are a Poisson
 * stream with mean spacing spread/size (clamped so roots stay in nondecreasing time). Each root:
 * run(~exp work), then spawns `fanout` children (ids N + j*fanout + k; run(~exp work),
 * send(parent)) and receives their messages. */

struct bursty_gen {
    struct sim_trace base;
    uint64_t bursts, size, gap, spread, work, fanout, seed, ws;
    uint64_t next, t, offset;   /* next root index, its predecessor's time, offset in burst */
};

static int bursty_next_root(struct sim_trace *t, struct sim_trace_rec **out)
{
    struct bursty_gen *g = (struct bursty_gen *)t;
    if (t->failed)
        return SIM_TRACE_ERROR;
    if (g->next == g->bursts * g->size)
        return SIM_TRACE_END;
    uint64_t j = g->next, i = j % g->size;
    uint64_t spacing = sim_gen_exp(g->spread / g->size, sim_gen_rand(g->seed, j, 0));
    g->offset = i == 0 ? 0 : g->offset + spacing;
    uint64_t at = (j / g->size) * g->gap + g->offset;
    g->t = at > g->t ? at : g->t;
    struct sim_trace_rec *r = sim_gen_rec(t, 1 + 2 * (uint32_t)g->fanout, 0, j, NULL, g->ws);
    if (r == NULL)
        return SIM_TRACE_ERROR;
    r->spawn_ns = g->t;
    struct sim_trace_phase *ph = sim_trace_rec_phases(r);
    uint32_t k = 0;
    ph[k++] = (struct sim_trace_phase){ sim_gen_exp(g->work, sim_gen_rand(g->seed, j, 1)),
                                        SIM_PHASE_RUN };
    uint64_t first = g->bursts * g->size + j * g->fanout;
    for (uint64_t c = 0; c < g->fanout; c++)
        ph[k++] = (struct sim_trace_phase){ first + c, SIM_PHASE_SPAWN };
    for (uint64_t c = 0; c < g->fanout; c++)
        ph[k++] = (struct sim_trace_phase){ 0, SIM_PHASE_RECV };
    g->next++;
    *out = r;
    return SIM_TRACE_OK;
}

static int bursty_child(struct sim_trace *t, const struct sim_trace_rec *parent, uint64_t cid,
                        struct sim_trace_rec **out)
{
    struct bursty_gen *g = (struct bursty_gen *)t;
    if (t->failed)
        return SIM_TRACE_ERROR;
    uint64_t first = g->bursts * g->size + parent->id * g->fanout;
    if (parent->parent != SIM_TRACE_NO_PARENT || cid < first || cid - first >= g->fanout)
        return no_child(t, parent, cid);
    struct sim_trace_rec *r = sim_gen_rec(t, 2, 0, cid, parent, g->ws);
    if (r == NULL)
        return SIM_TRACE_ERROR;
    struct sim_trace_phase *ph = sim_trace_rec_phases(r);
    ph[0] = (struct sim_trace_phase){ sim_gen_exp(g->work, sim_gen_rand(g->seed, cid, 1)),
                                      SIM_PHASE_RUN };
    ph[1] = (struct sim_trace_phase){ parent->id, SIM_PHASE_SEND };
    *out = r;
    return SIM_TRACE_OK;
}

static const struct sim_trace_ops bursty_ops = {
    .next_root = bursty_next_root,
    .child = bursty_child,
    .release = sim_gen_release,
    .close = sim_gen_close,
};

static struct sim_trace *bursty_open(const union sim_gen_val *v, char *err, size_t errlen)
{
    struct bursty_gen *g = (struct bursty_gen *)sim_gen_new(sizeof *g, &bursty_ops, err, errlen);
    if (g == NULL)
        return NULL;
    g->bursts = v[0].u;
    g->size = v[1].u;
    g->gap = v[2].u;
    g->spread = v[3].u;
    g->work = v[4].u;
    g->fanout = v[5].u;
    g->seed = v[6].u;
    g->ws = v[7].u;
    g->base.info.roots = g->bursts * g->size;
    g->base.info.processes = g->bursts * g->size * (1 + g->fanout);
    return &g->base;
}

static const struct sim_gen_param bursty_params[] = {
    { "bursts", SIM_GEN_U64, "10", 1, 1e6, false, "number of bursts" },
    { "size", SIM_GEN_U64, "100", 1, 1e6, false, "arrivals per burst" },
    { "gap", SIM_GEN_U64, "1000000", 0, 1e15, false, "ns between burst starts" },
    { "spread", SIM_GEN_U64, "10000", 0, 1e15, false, "mean ns a burst's arrivals span" },
    { "work", SIM_GEN_U64, "50000", 0, 1e15, false, "mean ns of run per process" },
    { "fanout", SIM_GEN_U64, "0", 0, 1e6, false, "children per arrival (joined by messages)" },
    { "seed", SIM_GEN_U64, "1", 0, 1.8e19, false, "random seed" },
    { "ws", SIM_GEN_U64, "16384", 0, 1e15, false, "working set in bytes" },
    { NULL, SIM_GEN_U64, NULL, 0, 0, false, NULL },
};

const struct sim_gen_kind sim_gen_bursty = {
    .name = "bursty",
    .syntax = "bursty:bursts=B,size=N[,gap=NS,spread=NS,work=NS,fanout=K,seed=S,ws=B]   "
              "arrivals in bursts",
    .params = bursty_params,
    .positional = -1,
    .open = bursty_open,
};

/* ---- skewed ---------------------------------------------------------------------------------
 * Root 0 spawns spawners 1..S; spawner 1 is hot and spawns round(hot * procs) workers, the
 * others share the rest evenly. A spawner alternates run(spawn_cost) and spawn(worker); workers
 * (ids S+1..S+procs, each spawner's a consecutive range) run(~exp work) and exit. */

struct skewed_gen {
    struct sim_trace base;
    uint64_t procs, spawners, work, spawn_cost, seed, ws, hot;
    bool root_given;
};

/* First worker index of spawner s (1-based); spawner S+1's is procs. */
static uint64_t skewed_first(const struct skewed_gen *g, uint64_t s)
{
    if (s <= 1)
        return 0;
    if (g->spawners == 1)
        return g->procs;
    uint64_t rest = g->procs - g->hot, n = g->spawners - 1, q = rest / n, rem = rest % n;
    uint64_t before = s - 2;   /* cold spawners before s */
    return g->hot + before * q + (before < rem ? before : rem);
}

static struct sim_trace_rec *skewed_proc(struct skewed_gen *g, uint64_t id,
                                         const struct sim_trace_rec *parent)
{
    uint64_t S = g->spawners, lo = 0, hi = 0, nph;
    if (id == 0) {
        nph = S;
    } else if (id <= S) {
        lo = skewed_first(g, id);
        hi = id == S ? g->procs : skewed_first(g, id + 1);
        nph = 2 * (hi - lo);
    } else {
        nph = 1;
    }
    struct sim_trace_rec *r = sim_gen_rec(&g->base, (uint32_t)nph, 0, id, parent, g->ws);
    if (r == NULL)
        return NULL;
    struct sim_trace_phase *ph = sim_trace_rec_phases(r);
    uint32_t k = 0;
    if (id == 0) {
        for (uint64_t s = 1; s <= S; s++)
            ph[k++] = (struct sim_trace_phase){ s, SIM_PHASE_SPAWN };
    } else if (id <= S) {
        for (uint64_t w = lo; w < hi; w++) {
            ph[k++] = (struct sim_trace_phase){ g->spawn_cost, SIM_PHASE_RUN };
            ph[k++] = (struct sim_trace_phase){ S + 1 + w, SIM_PHASE_SPAWN };
        }
    } else {
        ph[k++] = (struct sim_trace_phase){ sim_gen_exp(g->work, sim_gen_rand(g->seed, id, 0)),
                                            SIM_PHASE_RUN };
    }
    r->gen[0] = lo;
    r->gen[1] = hi;
    return r;
}

static int skewed_next_root(struct sim_trace *t, struct sim_trace_rec **out)
{
    struct skewed_gen *g = (struct skewed_gen *)t;
    if (t->failed)
        return SIM_TRACE_ERROR;
    if (g->root_given)
        return SIM_TRACE_END;
    if ((*out = skewed_proc(g, 0, NULL)) == NULL)
        return SIM_TRACE_ERROR;
    g->root_given = true;
    return SIM_TRACE_OK;
}

static int skewed_child(struct sim_trace *t, const struct sim_trace_rec *parent, uint64_t cid,
                        struct sim_trace_rec **out)
{
    struct skewed_gen *g = (struct skewed_gen *)t;
    if (t->failed)
        return SIM_TRACE_ERROR;
    uint64_t S = g->spawners;
    bool ok = parent->id == 0 ? cid >= 1 && cid <= S
              : parent->id <= S && cid >= S + 1 + parent->gen[0] && cid < S + 1 + parent->gen[1];
    if (!ok)
        return no_child(t, parent, cid);
    return (*out = skewed_proc(g, cid, parent)) != NULL ? SIM_TRACE_OK : SIM_TRACE_ERROR;
}

static const struct sim_trace_ops skewed_ops = {
    .next_root = skewed_next_root,
    .child = skewed_child,
    .release = sim_gen_release,
    .close = sim_gen_close,
};

static struct sim_trace *skewed_open(const union sim_gen_val *v, char *err, size_t errlen)
{
    uint64_t procs = v[0].u, spawners = v[1].u;
    uint64_t hot = spawners == 1 ? procs : (uint64_t)(v[2].f * (double)procs + 0.5);
    if (2 * hot > MAX_PHASES || 2 * (procs - hot) > MAX_PHASES) {
        snprintf(err, errlen, "procs: too many phases for one spawner");
        return NULL;
    }
    struct skewed_gen *g = (struct skewed_gen *)sim_gen_new(sizeof *g, &skewed_ops, err, errlen);
    if (g == NULL)
        return NULL;
    g->procs = procs;
    g->spawners = spawners;
    g->hot = hot;
    g->work = v[3].u;
    g->spawn_cost = v[4].u;
    g->seed = v[5].u;
    g->ws = v[6].u;
    g->base.info.roots = 1;
    g->base.info.processes = 1 + spawners + procs;
    return &g->base;
}

static const struct sim_gen_param skewed_params[] = {
    { "procs", SIM_GEN_U64, "10000", 1, 1e7, false, "worker processes" },
    { "spawners", SIM_GEN_U64, "8", 1, 1e6, false, "spawner processes" },
    { "hot", SIM_GEN_F64, "0.9", 0, 1, false, "fraction of workers the hot spawner makes" },
    { "work", SIM_GEN_U64, "10000", 0, 1e15, false, "mean ns of run per worker" },
    { "spawn_cost", SIM_GEN_U64, "200", 0, 1e15, false, "ns a spawner runs per spawn" },
    { "seed", SIM_GEN_U64, "1", 0, 1.8e19, false, "random seed" },
    { "ws", SIM_GEN_U64, "16384", 0, 1e15, false, "working set in bytes" },
    { NULL, SIM_GEN_U64, NULL, 0, 0, false, NULL },
};

const struct sim_gen_kind sim_gen_skewed = {
    .name = "skewed",
    .syntax = "skewed:procs=N[,spawners=S,hot=F,work=NS,spawn_cost=NS,seed=S,ws=B]   "
              "one hot spawner",
    .params = skewed_params,
    .positional = -1,
    .open = skewed_open,
};

/* ---- mixed ----------------------------------------------------------------------------------
 * procs roots (ids 0..N-1) arriving as a Poisson stream (mean spacing gap, the first at 0), each
 * with a priority drawn by the weights prio=MAX/HIGH/NORMAL/LOW (default 1/9/80/10), doing
 * iters x run(~exp work) separated by wait(~exp sleep). */

struct mixed_gen {
    struct sim_trace base;
    uint64_t procs, gap, work, iters, sleep, seed, ws;
    uint64_t weight[SIM_PRIO_COUNT], wsum;
    uint64_t next, t;
};

static int mixed_next_root(struct sim_trace *t, struct sim_trace_rec **out)
{
    struct mixed_gen *g = (struct mixed_gen *)t;
    if (t->failed)
        return SIM_TRACE_ERROR;
    if (g->next == g->procs)
        return SIM_TRACE_END;
    uint64_t j = g->next++;
    if (j > 0)
        g->t += sim_gen_exp(g->gap, sim_gen_rand(g->seed, j, 1000));
    struct sim_trace_rec *r = sim_gen_rec(t, 2 * (uint32_t)g->iters - 1, 0, j, NULL, g->ws);
    if (r == NULL)
        return SIM_TRACE_ERROR;
    r->spawn_ns = g->t;
    run_wait_phases(sim_trace_rec_phases(r), g->seed, j, g->iters, g->work, g->sleep);
    uint64_t x = sim_gen_rand(g->seed, j, 1001) % g->wsum;
    uint8_t p = 0;
    while (x >= g->weight[p])
        x -= g->weight[p++];
    r->prio = p;
    *out = r;
    return SIM_TRACE_OK;
}

static int mixed_child(struct sim_trace *t, const struct sim_trace_rec *parent, uint64_t cid,
                       struct sim_trace_rec **out)
{
    (void)out;
    return t->failed ? SIM_TRACE_ERROR : no_child(t, parent, cid);
}

static const struct sim_trace_ops mixed_ops = {
    .next_root = mixed_next_root,
    .child = mixed_child,
    .release = sim_gen_release,
    .close = sim_gen_close,
};

/* "a/b/c/d" -> four weights with a positive sum; 0 or -1. */
static int parse_weights(const char *s, uint64_t w[SIM_PRIO_COUNT], uint64_t *sum)
{
    char *end;
    *sum = 0;
    for (int i = 0; i < SIM_PRIO_COUNT; i++) {
        if (*s < '0' || *s > '9')
            return -1;
        w[i] = strtoull(s, &end, 10);
        if (w[i] > 1000000 || *end != (i < SIM_PRIO_COUNT - 1 ? '/' : '\0'))
            return -1;
        *sum += w[i];
        s = end + 1;
    }
    return *sum > 0 ? 0 : -1;
}

static struct sim_trace *mixed_open(const union sim_gen_val *v, char *err, size_t errlen)
{
    uint64_t w[SIM_PRIO_COUNT], sum;
    if (parse_weights(v[5].s, w, &sum) != 0) {
        snprintf(err, errlen, "prio: expected four weights MAX/HIGH/NORMAL/LOW such as "
                 "1/9/80/10, not '%s'", v[5].s);
        return NULL;
    }
    struct mixed_gen *g = (struct mixed_gen *)sim_gen_new(sizeof *g, &mixed_ops, err, errlen);
    if (g == NULL)
        return NULL;
    g->procs = v[0].u;
    g->gap = v[1].u;
    g->work = v[2].u;
    g->iters = v[3].u;
    g->sleep = v[4].u;
    memcpy(g->weight, w, sizeof w);
    g->wsum = sum;
    g->seed = v[6].u;
    g->ws = v[7].u;
    g->base.info.roots = g->procs;
    g->base.info.processes = g->procs;
    return &g->base;
}

static const struct sim_gen_param mixed_params[] = {
    { "procs", SIM_GEN_U64, "1000", 1, 1e9, false, "processes (all roots)" },
    { "gap", SIM_GEN_U64, "10000", 0, 1e15, false, "mean ns between arrivals" },
    { "work", SIM_GEN_U64, "50000", 0, 1e15, false, "mean ns per run phase" },
    { "iters", SIM_GEN_U64, "4", 1, 1e6, false, "run phases per process" },
    { "sleep", SIM_GEN_U64, "20000", 0, 1e15, false, "mean ns per wait phase" },
    { "prio", SIM_GEN_STR, "1/9/80/10", 0, 0, false, "weights of max/high/normal/low" },
    { "seed", SIM_GEN_U64, "1", 0, 1.8e19, false, "random seed" },
    { "ws", SIM_GEN_U64, "16384", 0, 1e15, false, "working set in bytes" },
    { NULL, SIM_GEN_U64, NULL, 0, 0, false, NULL },
};

const struct sim_gen_kind sim_gen_mixed = {
    .name = "mixed",
    .syntax = "mixed:procs=N[,gap=NS,work=NS,iters=K,sleep=NS,prio=W/W/W/W,seed=S,ws=B]   "
              "mixed priorities",
    .params = mixed_params,
    .positional = -1,
    .open = mixed_open,
};

/* ---- affinity -------------------------------------------------------------------------------
 * Root 0 (no affinity) spawns workers 1..procs. A worker is strict with probability `strict`,
 * preferred with probability `preferred`, else unconstrained; a constrained worker gets `set`
 * distinct cores of 0..cores-1 (Floyd's sampling), a preferred one also a preferred core among
 * them. Workers do iters x run(~exp work) separated by wait(~exp sleep). */

struct aff_gen {
    struct sim_trace base;
    uint64_t procs, cores, set, work, iters, sleep, seed, ws;
    double strict, preferred;
    bool root_given;
};

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Floyd's algorithm: `set` distinct values of 0..cores-1, sorted, into out. */
static void pick_cores(const struct aff_gen *g, uint64_t id, uint32_t *out)
{
    uint32_t n = 0;
    for (uint64_t j = g->cores - g->set; j < g->cores; j++) {
        uint32_t c = (uint32_t)(sim_gen_rand(g->seed, id, 2000 + j) % (j + 1));
        for (uint32_t i = 0; i < n; i++)
            if (out[i] == c) {
                c = (uint32_t)j;
                break;
            }
        out[n++] = c;
    }
    qsort(out, n, sizeof *out, cmp_u32);
}

static struct sim_trace_rec *aff_worker(struct aff_gen *g, uint64_t id,
                                        const struct sim_trace_rec *parent)
{
    double u = sim_gen_unit(sim_gen_rand(g->seed, id, 1000));
    uint8_t kind = u < g->strict ? SIM_AFF_STRICT
                   : u < g->strict + g->preferred ? SIM_AFF_PREFERRED : SIM_AFF_NONE;
    uint32_t ncores = kind == SIM_AFF_NONE ? 0 : (uint32_t)g->set;
    struct sim_trace_rec *r = sim_gen_rec(&g->base, 2 * (uint32_t)g->iters - 1, ncores, id,
                                          parent, g->ws);
    if (r == NULL)
        return NULL;
    run_wait_phases(sim_trace_rec_phases(r), g->seed, id, g->iters, g->work, g->sleep);
    r->aff_kind = kind;
    if (kind != SIM_AFF_NONE) {
        uint32_t *cores = sim_trace_rec_cores(r);
        pick_cores(g, id, cores);
        if (kind == SIM_AFF_PREFERRED)
            r->aff_preferred = (int32_t)cores[sim_gen_rand(g->seed, id, 1001) % g->set];
    }
    return r;
}

static int aff_next_root(struct sim_trace *t, struct sim_trace_rec **out)
{
    struct aff_gen *g = (struct aff_gen *)t;
    if (t->failed)
        return SIM_TRACE_ERROR;
    if (g->root_given)
        return SIM_TRACE_END;
    struct sim_trace_rec *r = sim_gen_rec(t, (uint32_t)g->procs, 0, 0, NULL, g->ws);
    if (r == NULL)
        return SIM_TRACE_ERROR;
    struct sim_trace_phase *ph = sim_trace_rec_phases(r);
    for (uint64_t w = 1; w <= g->procs; w++)
        ph[w - 1] = (struct sim_trace_phase){ w, SIM_PHASE_SPAWN };
    g->root_given = true;
    *out = r;
    return SIM_TRACE_OK;
}

static int aff_child(struct sim_trace *t, const struct sim_trace_rec *parent, uint64_t cid,
                     struct sim_trace_rec **out)
{
    struct aff_gen *g = (struct aff_gen *)t;
    if (t->failed)
        return SIM_TRACE_ERROR;
    if (parent->id != 0 || cid == 0 || cid > g->procs)
        return no_child(t, parent, cid);
    return (*out = aff_worker(g, cid, parent)) != NULL ? SIM_TRACE_OK : SIM_TRACE_ERROR;
}

static const struct sim_trace_ops aff_ops = {
    .next_root = aff_next_root,
    .child = aff_child,
    .release = sim_gen_release,
    .close = sim_gen_close,
};

static struct sim_trace *aff_open(const union sim_gen_val *v, char *err, size_t errlen)
{
    if (v[4].u > v[1].u || v[2].f + v[3].f > 1.0) {
        snprintf(err, errlen, "%s", v[4].u > v[1].u ? "set: more cores per set than "
                 "cores" : "strict: strict + preferred exceeds 1");
        return NULL;
    }
    struct aff_gen *g = (struct aff_gen *)sim_gen_new(sizeof *g, &aff_ops, err, errlen);
    if (g == NULL)
        return NULL;
    g->procs = v[0].u;
    g->cores = v[1].u;
    g->strict = v[2].f;
    g->preferred = v[3].f;
    g->set = v[4].u;
    g->work = v[5].u;
    g->iters = v[6].u;
    g->sleep = v[7].u;
    g->seed = v[8].u;
    g->ws = v[9].u;
    g->base.info.roots = 1;
    g->base.info.processes = 1 + g->procs;
    return &g->base;
}

static const struct sim_gen_param aff_params[] = {
    { "procs", SIM_GEN_U64, "1000", 1, MAX_PHASES, false, "worker processes" },
    { "cores", SIM_GEN_U64, "8", 1, 1e6, false, "cores ids are drawn from (0..cores-1)" },
    { "strict", SIM_GEN_F64, "0.25", 0, 1, false, "fraction with strict affinity" },
    { "preferred", SIM_GEN_F64, "0.25", 0, 1, false, "fraction with preferred affinity" },
    { "set", SIM_GEN_U64, "2", 1, 4096, false, "cores per affinity set" },
    { "work", SIM_GEN_U64, "50000", 0, 1e15, false, "mean ns per run phase" },
    { "iters", SIM_GEN_U64, "2", 1, 1e6, false, "run phases per worker" },
    { "sleep", SIM_GEN_U64, "10000", 0, 1e15, false, "mean ns per wait phase" },
    { "seed", SIM_GEN_U64, "1", 0, 1.8e19, false, "random seed" },
    { "ws", SIM_GEN_U64, "65536", 0, 1e15, false, "working set in bytes" },
    { NULL, SIM_GEN_U64, NULL, 0, 0, false, NULL },
};

const struct sim_gen_kind sim_gen_affinity = {
    .name = "affinity",
    .syntax = "affinity:procs=N[,cores=C,strict=F,preferred=F,set=K,work=NS,iters=K,sleep=NS,"
              "seed=S,ws=B]   strict/preferred affinity",
    .params = aff_params,
    .positional = -1,
    .open = aff_open,
};
