/* sim_gen_beam.c: BEAM-like message-passing generators: ring:procs=P,rounds=R (a token ring)
 * and server:clients=C,requests=Q (request/reply to gen_server-like processes). */
#include "sim/trace/sim_gen.h"

#include <stdlib.h>

#define MAX_PHASES (1u << 24)   /* per process: 256 MiB of phases */

/* ---- ring -----------------------------------------------------------------------------------
 * Members 0..P-1; member 0 is the root and first spawns 1..P-1. Member i passes to (i+1) mod P.
 * `tokens` members (i = floor(j P / tokens), j = 0..tokens-1) start with a token:
 *   holder:     run, send, (rounds-1) x [recv, run, send], recv
 *   non-holder: rounds x [recv, run, send]
 * Every member sends and receives `rounds` messages; the ring never deadlocks (each dependency
 * chain going backwards around the ring loses one round at every holder). */

struct ring_gen {
    struct sim_trace base;
    uint64_t procs, rounds, tokens, work, ws;
    bool root_given;
};

static bool ring_holder(const struct ring_gen *g, uint64_t i)
{
    uint64_t j = (i * g->tokens + g->procs - 1) / g->procs;   /* ceil(i T / P) */
    return j < g->tokens && j * g->procs / g->tokens == i;
}

static struct sim_trace_rec *ring_member(struct ring_gen *g, uint64_t i,
                                         const struct sim_trace_rec *parent)
{
    uint32_t nspawn = i == 0 ? (uint32_t)(g->procs - 1) : 0;
    uint32_t np = nspawn + 3 * (uint32_t)g->rounds;
    struct sim_trace_rec *r = sim_gen_rec(&g->base, np, 0, i, parent, g->ws);
    if (r == NULL)
        return NULL;
    struct sim_trace_phase *ph = sim_trace_rec_phases(r);
    uint32_t k = 0;
    for (uint64_t c = 1; c <= nspawn; c++)
        ph[k++] = (struct sim_trace_phase){ c, SIM_PHASE_SPAWN };
    uint64_t next = (i + 1) % g->procs;
    bool holder = ring_holder(g, i);
    for (uint64_t round = 0; round < g->rounds; round++) {
        if (!holder || round > 0)
            ph[k++] = (struct sim_trace_phase){ 0, SIM_PHASE_RECV };
        ph[k++] = (struct sim_trace_phase){ g->work, SIM_PHASE_RUN };
        ph[k++] = (struct sim_trace_phase){ next, SIM_PHASE_SEND };
    }
    if (holder)
        ph[k++] = (struct sim_trace_phase){ 0, SIM_PHASE_RECV };
    return r;
}

static int ring_next_root(struct sim_trace *t, struct sim_trace_rec **out)
{
    struct ring_gen *g = (struct ring_gen *)t;
    if (t->failed)
        return SIM_TRACE_ERROR;
    if (g->root_given)
        return SIM_TRACE_END;
    if ((*out = ring_member(g, 0, NULL)) == NULL)
        return SIM_TRACE_ERROR;
    g->root_given = true;
    return SIM_TRACE_OK;
}

static int ring_child(struct sim_trace *t, const struct sim_trace_rec *parent, uint64_t cid,
                      struct sim_trace_rec **out)
{
    struct ring_gen *g = (struct ring_gen *)t;
    if (t->failed)
        return SIM_TRACE_ERROR;
    if (parent->id != 0 || cid == 0 || cid >= g->procs)
        return sim_gen_fail(t, "child", "process %llu spawns no process %llu",
                            (unsigned long long)parent->id, (unsigned long long)cid);
    return (*out = ring_member(g, cid, parent)) != NULL ? SIM_TRACE_OK : SIM_TRACE_ERROR;
}

static const struct sim_trace_ops ring_ops = {
    .next_root = ring_next_root,
    .child = ring_child,
    .release = sim_gen_release,
    .close = sim_gen_close,
};

static struct sim_trace *ring_open(const union sim_gen_val *v, char *err, size_t errlen)
{
    if (v[2].u > v[0].u || v[0].u - 1 + 3 * v[1].u > MAX_PHASES) {
        snprintf(err, errlen, "%s", v[2].u > v[0].u ? "tokens: more tokens than procs"
                                                          : "procs: too many phases for member 0");
        return NULL;
    }
    struct ring_gen *g = (struct ring_gen *)sim_gen_new(sizeof *g, &ring_ops, err, errlen);
    if (g == NULL)
        return NULL;
    g->procs = v[0].u;
    g->rounds = v[1].u;
    g->tokens = v[2].u;
    g->work = v[3].u;
    g->ws = v[4].u;
    g->base.info.roots = 1;
    g->base.info.processes = g->procs;
    return &g->base;
}

static const struct sim_gen_param ring_params[] = {
    { "procs", SIM_GEN_U64, "100", 2, 1e7, false, "ring members" },
    { "rounds", SIM_GEN_U64, "10", 1, 1e6, false, "messages each member sends" },
    { "tokens", SIM_GEN_U64, "1", 1, 1e7, false, "tokens circulating at once" },
    { "work", SIM_GEN_U64, "1000", 0, 1e15, false, "ns of run per hop" },
    { "ws", SIM_GEN_U64, "4096", 0, 1e15, false, "working set in bytes" },
    { NULL, SIM_GEN_U64, NULL, 0, 0, false, NULL },
};

const struct sim_gen_kind sim_gen_ring = {
    .name = "ring",
    .syntax = "ring:procs=P,rounds=R[,tokens=T,work=NS,ws=BYTES]   token ring of P processes",
    .params = ring_params,
    .positional = -1,
    .open = ring_open,
};

/* ---- server ---------------------------------------------------------------------------------
 * Root 0 spawns servers 1..S, then clients S+1..S+C. Client c talks to server c mod S:
 *   client: requests x [wait(think ~ exp), run(cwork), send(server), recv]
 *   server: (its clients x requests) x [recv, run(work), send(client)]
 * Messages carry no sender, so a server's k-th reply goes to its (k mod n)-th client in turn:
 * round-robin, which is the arrival order when clients run at the same pace. No deadlock: a
 * client may only get a reply early, never wait for one that is not owed. */

struct server_gen {
    struct sim_trace base;
    uint64_t clients, requests, servers, work, cwork, think, seed, ws;
    bool root_given;
};

static uint64_t server_nclients(const struct server_gen *g, uint64_t s)
{
    return (g->clients - s + g->servers - 1) / g->servers;   /* clients c = s (mod S) */
}

static struct sim_trace_rec *server_proc(struct server_gen *g, uint64_t id,
                                         const struct sim_trace_rec *parent)
{
    uint64_t S = g->servers, nph;
    if (id == 0)
        nph = S + g->clients;
    else if (id <= S)
        nph = 3 * server_nclients(g, id - 1) * g->requests;
    else
        nph = (g->think ? 4 : 3) * g->requests;
    struct sim_trace_rec *r = sim_gen_rec(&g->base, (uint32_t)nph, 0, id, parent, g->ws);
    if (r == NULL)
        return NULL;
    struct sim_trace_phase *ph = sim_trace_rec_phases(r);
    uint32_t k = 0;
    if (id == 0) {
        for (uint64_t c = 1; c <= nph; c++)
            ph[k++] = (struct sim_trace_phase){ c, SIM_PHASE_SPAWN };
    } else if (id <= S) {
        uint64_t s = id - 1, n = server_nclients(g, s);
        for (uint64_t q = 0; q < n * g->requests; q++) {
            ph[k++] = (struct sim_trace_phase){ 0, SIM_PHASE_RECV };
            ph[k++] = (struct sim_trace_phase){ g->work, SIM_PHASE_RUN };
            ph[k++] = (struct sim_trace_phase){ S + 1 + s + (q % n) * S, SIM_PHASE_SEND };
        }
    } else {
        uint64_t server = 1 + (id - S - 1) % S;
        for (uint64_t q = 0; q < g->requests; q++) {
            if (g->think)
                ph[k++] = (struct sim_trace_phase){ sim_gen_exp(g->think,
                                                                sim_gen_rand(g->seed, id, q)),
                                                    SIM_PHASE_WAIT };
            ph[k++] = (struct sim_trace_phase){ g->cwork, SIM_PHASE_RUN };
            ph[k++] = (struct sim_trace_phase){ server, SIM_PHASE_SEND };
            ph[k++] = (struct sim_trace_phase){ 0, SIM_PHASE_RECV };
        }
    }
    return r;
}

static int server_next_root(struct sim_trace *t, struct sim_trace_rec **out)
{
    struct server_gen *g = (struct server_gen *)t;
    if (t->failed)
        return SIM_TRACE_ERROR;
    if (g->root_given)
        return SIM_TRACE_END;
    if ((*out = server_proc(g, 0, NULL)) == NULL)
        return SIM_TRACE_ERROR;
    g->root_given = true;
    return SIM_TRACE_OK;
}

static int server_child(struct sim_trace *t, const struct sim_trace_rec *parent, uint64_t cid,
                        struct sim_trace_rec **out)
{
    struct server_gen *g = (struct server_gen *)t;
    if (t->failed)
        return SIM_TRACE_ERROR;
    if (parent->id != 0 || cid == 0 || cid > g->servers + g->clients)
        return sim_gen_fail(t, "child", "process %llu spawns no process %llu",
                            (unsigned long long)parent->id, (unsigned long long)cid);
    return (*out = server_proc(g, cid, parent)) != NULL ? SIM_TRACE_OK : SIM_TRACE_ERROR;
}

static const struct sim_trace_ops server_ops = {
    .next_root = server_next_root,
    .child = server_child,
    .release = sim_gen_release,
    .close = sim_gen_close,
};

static struct sim_trace *server_open(const union sim_gen_val *v, char *err, size_t errlen)
{
    uint64_t clients = v[0].u, requests = v[1].u, servers = v[2].u;
    if (servers > clients || 3 * ((clients + servers - 1) / servers) * requests > MAX_PHASES
        || servers + clients > MAX_PHASES) {
        snprintf(err, errlen, "%s", servers > clients
                 ? "servers: more servers than clients"
                 : "clients: too many phases for one process (clients x requests / servers)");
        return NULL;
    }
    struct server_gen *g = (struct server_gen *)sim_gen_new(sizeof *g, &server_ops, err, errlen);
    if (g == NULL)
        return NULL;
    g->clients = clients;
    g->requests = requests;
    g->servers = servers;
    g->work = v[3].u;
    g->cwork = v[4].u;
    g->think = v[5].u;
    g->seed = v[6].u;
    g->ws = v[7].u;
    g->base.info.roots = 1;
    g->base.info.processes = 1 + servers + clients;
    return &g->base;
}

static const struct sim_gen_param server_params[] = {
    { "clients", SIM_GEN_U64, "100", 1, 1e7, false, "client processes" },
    { "requests", SIM_GEN_U64, "50", 1, 1e6, false, "requests per client" },
    { "servers", SIM_GEN_U64, "1", 1, 1e6, false, "server processes" },
    { "work", SIM_GEN_U64, "5000", 0, 1e15, false, "server ns per request" },
    { "cwork", SIM_GEN_U64, "1000", 0, 1e15, false, "client ns per request" },
    { "think", SIM_GEN_U64, "20000", 0, 1e15, false, "mean client think time (exponential)" },
    { "seed", SIM_GEN_U64, "1", 0, 1.8e19, false, "random seed" },
    { "ws", SIM_GEN_U64, "16384", 0, 1e15, false, "working set in bytes" },
    { NULL, SIM_GEN_U64, NULL, 0, 0, false, NULL },
};

const struct sim_gen_kind sim_gen_server = {
    .name = "server",
    .syntax = "server:clients=C,requests=Q[,servers=S,work=NS,cwork=NS,think=NS,seed=N,ws=B]   "
              "clients calling servers",
    .params = server_params,
    .positional = -1,
    .open = server_open,
};
