/* sim_uts.c: the UTS tree (see sim_uts.h) and the uts:SET / uts:t=..,a=.. generator: each node a
 * process that runs, then spawns its children; no join. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "sim/trace/sim_uts.h"
#include "sim/trace/sim_gen.h"

#include <math.h>
#include <openssl/sha.h>
#include <string.h>
#include <strings.h>

struct preset {
    const char *name;
    struct sim_uts_params p;
};

/* From ../shared/traces/uts/uts_reference_trees.tsv (UTS sample_trees.sh, BOTS inputs). */
static const struct preset presets[] = {
    { "default", { 1, 0, 6, 4, 0, 15.0 / 64.0, 4 } },
    { "T1", { 1, 3, 10, 4, 19, 15.0 / 64.0, 4 } },
    { "T5", { 1, 0, 20, 4, 34, 15.0 / 64.0, 4 } },
    { "T2", { 1, 2, 16, 6, 502, 15.0 / 64.0, 4 } },
    { "T3", { 0, 0, 6, 2000, 42, 0.124875, 8 } },
    { "T4", { 2, 0, 16, 6, 1, 0.234375, 4 } },
    { "T1L", { 1, 3, 13, 4, 29, 15.0 / 64.0, 4 } },
    { "T2L", { 1, 2, 23, 7, 220, 15.0 / 64.0, 4 } },
    { "T3L", { 0, 0, 6, 2000, 7, 0.200014, 5 } },
    { "BOTS-tiny", { 0, 0, 6, 2000, 8, 0.333332, 3 } },
    { "T1XL", { 1, 3, 15, 4, 29, 15.0 / 64.0, 4 } },
    { "BOTS-medium", { 0, 0, 6, 2000, 23, 0.333344, 3 } },
    { "T1XXL", { 1, 3, 15, 4, 19, 15.0 / 64.0, 4 } },
    { "T3XXL", { 0, 0, 6, 2000, 316, 0.499995, 2 } },
    { "T2XXL", { 0, 0, 6, 2000, 0, 0.499999995, 2 } },
    { "T1WL", { 1, 3, 18, 4, 19, 15.0 / 64.0, 4 } },
    { "T2WL", { 0, 0, 6, 2000, 559, 0.4999999995, 2 } },
    { "T3WL", { 0, 0, 6, 2000, 559, 0.4999995, 2 } },
};

void sim_uts_defaults(struct sim_uts_params *p)
{
    *p = presets[0].p;
}

bool sim_uts_preset(const char *name, struct sim_uts_params *p)
{
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
        if (strcasecmp(name, presets[i].name) == 0) {
            *p = presets[i].p;
            return true;
        }
    return false;
}

const char *sim_uts_preset_names(void)
{
    return "default, T1, T2, T3, T4, T5, T1L, T2L, T3L, T1XL, T1XXL, T2XXL, T3XXL, T1WL, T2WL, "
           "T3WL, BOTS-tiny, BOTS-medium";
}

static void put_be32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

void sim_uts_root(int seed, uint8_t out[SIM_UTS_DIGEST])
{
    uint8_t in[20] = { 0 };
    put_be32(in + 16, (uint32_t)seed);
    SHA1(in, sizeof in, out);
}

/* The low-level SHA-1 interface: 58 ns per node against 450 ns for the one-shot SHA1(),
 * which looks the algorithm up on every call in OpenSSL 3 (hence OPENSSL_SUPPRESS_DEPRECATED). */
void sim_uts_child(const uint8_t parent[SIM_UTS_DIGEST], uint32_t i, uint8_t out[SIM_UTS_DIGEST])
{
    uint8_t be[4];
    put_be32(be, i);
    SHA_CTX c;
    SHA1_Init(&c);
    SHA1_Update(&c, parent, SIM_UTS_DIGEST);
    SHA1_Update(&c, be, sizeof be);
    SHA1_Final(out, &c);
}

/* rng_rand then rng_toProb of the reference: bytes 16..19 big-endian, 31 bits, / 2^31. */
static double node_prob(const uint8_t s[SIM_UTS_DIGEST])
{
    uint32_t b = (uint32_t)s[16] << 24 | (uint32_t)s[17] << 16 | (uint32_t)s[18] << 8 | s[19];
    return (double)(int32_t)(b & 0x7fffffffu) / 2147483648.0;
}

static int children_bin(const struct sim_uts_params *p, const uint8_t s[SIM_UTS_DIGEST])
{
    return node_prob(s) < p->q ? p->m : 0;
}

static int children_geo(const struct sim_uts_params *p, const uint8_t s[SIM_UTS_DIGEST],
                        uint32_t depth)
{
    double b_i = p->b0;
    if (depth > 0) {
        switch (p->shape) {
        case SIM_UTS_EXPDEC:
            b_i = p->b0 * pow((double)depth, -log(p->b0) / log((double)p->gen_mx));
            break;
        case SIM_UTS_CYCLIC:
            if (depth > 5u * (uint32_t)p->gen_mx) {
                b_i = 0.0;
                break;
            }
            b_i = pow(p->b0, sin(2.0 * 3.141592653589793 * (double)depth / (double)p->gen_mx));
            break;
        case SIM_UTS_FIXED:
            b_i = depth < (uint32_t)p->gen_mx ? p->b0 : 0;
            break;
        default:   /* LINEAR */
            b_i = p->b0 * (1.0 - (double)depth / (double)p->gen_mx);
            break;
        }
    }
    if (b_i <= 0)
        return 0;
    double prob = 1.0 / (1.0 + b_i);
    double u = node_prob(s);
    return (int)floor(log(1 - u) / log(1 - prob));
}

int sim_uts_num_children(const struct sim_uts_params *p, const uint8_t state[SIM_UTS_DIGEST],
                         uint32_t depth)
{
    int n;
    if (p->type == SIM_UTS_BIN)
        n = depth == 0 ? (int)floor(p->b0) : children_bin(p, state);
    else if (p->type == SIM_UTS_HYBRID && (double)depth >= 0.5 * (double)p->gen_mx)
        n = children_bin(p, state);
    else
        n = children_geo(p, state, depth);
    if (depth == 0 && p->type == SIM_UTS_BIN) {
        int root_bf = (int)ceil(p->b0);
        return n > root_bf ? root_bf : n;
    }
    return n > SIM_UTS_MAX_CHILDREN ? SIM_UTS_MAX_CHILDREN : n;
}

/* ---- the uts generator ----------------------------------------------------------------------
 * Node: run(work), then spawn each child. Ids are handed out in creation order (root 0; a
 * node's children get a block of consecutive ids when its record is made), so they depend on
 * the order the consumer asks for children; the tree itself does not. A whole walk numbers the
 * nodes 0..N-1 whatever the order, so a fractional work= dithered by id (sim_gen_work_ns) runs
 * N work ns in all to the nearest ns; which node gets the extra ns follows the ids' order.
 * gen[0..2] hold the 20-byte state, gen[3] the first child's id. */

struct uts_gen {
    struct sim_trace base;
    struct sim_uts_params p;
    struct sim_gen_work work;
    uint64_t ws, next_id;
    bool root_given;
};

static struct sim_trace_rec *uts_node(struct uts_gen *g, uint64_t id,
                                      const uint8_t state[SIM_UTS_DIGEST], uint32_t depth,
                                      const struct sim_trace_rec *parent)
{
    int k = sim_uts_num_children(&g->p, state, depth);
    struct sim_trace_rec *r = sim_gen_rec(&g->base, 1u + (uint32_t)k, 0, id, parent, g->ws);
    if (r == NULL)
        return NULL;
    struct sim_trace_phase *ph = sim_trace_rec_phases(r);
    ph[0] = (struct sim_trace_phase){ sim_gen_work_ns(g->work, id), SIM_PHASE_RUN };
    for (int i = 0; i < k; i++)
        ph[1 + i] = (struct sim_trace_phase){ g->next_id + (uint64_t)i, SIM_PHASE_SPAWN };
    memcpy(r->gen, state, SIM_UTS_DIGEST);
    r->gen[3] = g->next_id;
    g->next_id += (uint64_t)k;
    return r;
}

static int uts_next_root(struct sim_trace *t, struct sim_trace_rec **out)
{
    struct uts_gen *g = (struct uts_gen *)t;
    if (t->failed)
        return SIM_TRACE_ERROR;
    if (g->root_given)
        return SIM_TRACE_END;
    uint8_t s[SIM_UTS_DIGEST];
    sim_uts_root(g->p.root_seed, s);
    g->next_id = 1;
    if ((*out = uts_node(g, 0, s, 0, NULL)) == NULL)
        return SIM_TRACE_ERROR;
    g->root_given = true;
    return SIM_TRACE_OK;
}

static int uts_child(struct sim_trace *t, const struct sim_trace_rec *parent, uint64_t cid,
                     struct sim_trace_rec **out)
{
    struct uts_gen *g = (struct uts_gen *)t;
    if (t->failed)
        return SIM_TRACE_ERROR;
    uint64_t first = parent->gen[3], k = parent->nphases - 1u;
    if (cid < first || cid - first >= k)
        return sim_gen_fail(t, "child", "process %llu spawns no process %llu",
                            (unsigned long long)parent->id, (unsigned long long)cid);
    uint8_t s[SIM_UTS_DIGEST];
    sim_uts_child((const uint8_t *)parent->gen, (uint32_t)(cid - first), s);
    *out = uts_node(g, cid, s, parent->depth + 1, parent);
    return *out != NULL ? SIM_TRACE_OK : SIM_TRACE_ERROR;
}

static const struct sim_trace_ops uts_ops = {
    .next_root = uts_next_root,
    .child = uts_child,
    .release = sim_gen_release,
    .close = sim_gen_close,
};

enum { UP_NAME, UP_T, UP_A, UP_D, UP_B, UP_R, UP_Q, UP_M, UP_WORK, UP_WS };

static int uts_preset(union sim_gen_val *v, const bool *given, char *err, size_t errlen)
{
    struct sim_uts_params p;
    if (!sim_uts_preset(v[UP_NAME].s, &p)) {
        snprintf(err, errlen, "set: unknown UTS parameter set '%s' (known: %s)", v[UP_NAME].s,
                 sim_uts_preset_names());
        return -1;
    }
    if (!given[UP_T]) v[UP_T].u = (uint64_t)p.type;
    if (!given[UP_A]) v[UP_A].u = (uint64_t)p.shape;
    if (!given[UP_D]) v[UP_D].u = (uint64_t)p.gen_mx;
    if (!given[UP_B]) v[UP_B].f = p.b0;
    if (!given[UP_R]) v[UP_R].u = (uint64_t)p.root_seed;
    if (!given[UP_Q]) v[UP_Q].f = p.q;
    if (!given[UP_M]) v[UP_M].u = (uint64_t)p.m;
    return 0;
}

static struct sim_trace *uts_open(const union sim_gen_val *v, char *err, size_t errlen)
{
    struct uts_gen *g = (struct uts_gen *)sim_gen_new(sizeof *g, &uts_ops, err, errlen);
    if (g == NULL)
        return NULL;
    g->p.type = (int)v[UP_T].u;
    g->p.shape = (int)v[UP_A].u;
    g->p.gen_mx = (int)v[UP_D].u;
    g->p.b0 = v[UP_B].f;
    g->p.root_seed = (int)v[UP_R].u;
    g->p.q = v[UP_Q].f;
    g->p.m = (int)v[UP_M].u;
    g->work = sim_gen_work_of(v[UP_WORK].f);
    g->ws = v[UP_WS].u;
    g->base.info.roots = 1;
    return &g->base;
}

static const struct sim_gen_param uts_params[] = {
    [UP_NAME] = { "set", SIM_GEN_STR, NULL, 0, 0, true, "a standard set: T1, T3, ..." },
    [UP_T] = { "t", SIM_GEN_U64, "1", 0, 2, false, "tree type: 0 BIN, 1 GEO, 2 HYBRID" },
    [UP_A] = { "a", SIM_GEN_U64, "0", 0, 3, false, "GEO shape: 0 linear, 1 expdec, 2 cyclic, "
               "3 fixed" },
    [UP_D] = { "d", SIM_GEN_U64, "6", 1, 1e6, false, "gen_mx: depth parameter" },
    [UP_B] = { "b", SIM_GEN_F64, "4", 0, 1e6, false, "root branching factor b0" },
    [UP_R] = { "r", SIM_GEN_U64, "0", 0, 2147483647, false, "root seed" },
    [UP_Q] = { "q", SIM_GEN_F64, "0.234375", 0, 1, false, "BIN non-leaf probability" },
    [UP_M] = { "m", SIM_GEN_U64, "4", 0, 100000, false, "BIN non-leaf branching factor" },
    [UP_WORK] = { "work", SIM_GEN_F64, "1000", 0, 1e15, false, "ns of run per node (a "
                  "fraction is spread over the nodes in whole ns)" },
    [UP_WS] = { "ws", SIM_GEN_U64, "4096", 0, 1e15, false, "working set in bytes" },
    { NULL, SIM_GEN_U64, NULL, 0, 0, false, NULL },
};

const struct sim_gen_kind sim_gen_uts = {
    .name = "uts",
    .syntax = "uts:SET | uts:t=T,a=A,d=D,b=B,r=R[,q=Q,m=M][,work=NS,ws=BYTES]   Unbalanced "
              "Tree Search (SET: T1..T5, T1L.., default)",
    .params = uts_params,
    .positional = UP_NAME,
    .preset = uts_preset,
    .open = uts_open,
};
