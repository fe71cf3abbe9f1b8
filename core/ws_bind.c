/* ws_bind.c: bind orders, binding kinds, the operating-system migration cost and the model of a
 * chosen list of cores (see ws_bind.h). */
#include "core/ws_bind.h"
#include "core/ws_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ws_bind_kind_names[] = { "none", "static", "dynamic", "hybrid", "pcores",
                                           NULL };
const char *const ws_bind_order_names[] = { "u", "ns", "ts", "ps", "s", "nnts", "nnps", "tnnps",
                                            "db", NULL };

#define NKEYS 6

struct keyed {
    uint32_t key[NKEYS];
    uint32_t core;
};

static int cmp_keyed(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    for (int i = 0; i < NKEYS; i++)
        if (x->key[i] != y->key[i])
            return x->key[i] < y->key[i] ? -1 : 1;
    return x->core < y->core ? -1 : x->core > y->core;
}

/* Per-core ranks the orders sort by. */
struct ranks {
    uint32_t *thr, *in_socket, *in_node, *in_cluster;   /* [ncores] */
    uint32_t *cl_in_node, *node_in_socket;               /* [nclusters], [nnodes] */
};

/* Ranks in logical order: a core's thread rank among its SMT siblings, and its physical core's
 * rank among the physical cores of its socket, node and cluster. O(ncores). */
static void fill_ranks(const struct ws_topo *t, struct ranks *r, uint32_t *cnt)
{
    uint32_t ns = t->nsockets ? t->nsockets : 1;
    uint32_t *sock = cnt, *node = cnt + ns, *cl = node + t->nnodes, *sib = cl + t->nclusters;
    for (uint32_t c = 0; c < t->ncores; c++) {
        const struct ws_topo_core *x = &t->cores[c];
        r->thr[c] = sib[x->phys]++;
        if (x->phys != c) {
            r->in_socket[c] = r->in_socket[x->phys];
            r->in_node[c] = r->in_node[x->phys];
            r->in_cluster[c] = r->in_cluster[x->phys];
            continue;
        }
        r->in_socket[c] = sock[x->socket]++;
        r->in_node[c] = node[x->node]++;
        r->in_cluster[c] = cl[x->cluster]++;
    }
    memset(cnt, 0, sizeof(uint32_t) * (ns + t->nnodes));
    for (uint32_t i = 0; i < t->nclusters; i++)
        r->cl_in_node[i] = node[t->clusters[i].node]++;
    for (uint32_t i = 0; i < t->nnodes; i++)
        r->node_in_socket[i] = sock[t->nodes[i].socket]++;
}

static void order_key(const struct ws_topo *t, const struct ranks *r, enum ws_bind_order o,
                      uint32_t c, uint32_t *k)
{
    const struct ws_topo_core *x = &t->cores[c];
    switch (o) {
    case WS_ORDER_TS:
        k[0] = r->thr[c];
        break;
    case WS_ORDER_PS:
        k[0] = r->thr[c], k[1] = r->in_socket[c], k[2] = x->socket;
        break;
    case WS_ORDER_S:
        k[0] = r->thr[c], k[1] = r->in_cluster[c], k[2] = r->cl_in_node[x->cluster];
        k[3] = r->node_in_socket[x->node], k[4] = x->socket;
        break;
    case WS_ORDER_NNTS:
        k[0] = x->node, k[1] = r->thr[c];
        break;
    case WS_ORDER_NNPS:
        k[0] = x->node, k[1] = r->thr[c], k[2] = r->in_node[c];
        break;
    case WS_ORDER_TNNPS:
    case WS_ORDER_DB:
        k[0] = r->thr[c], k[1] = x->node, k[2] = r->in_node[c];
        break;
    default:   /* u, ns: logical order */
        break;
    }
}

ws_status ws_bind_order_map(const struct ws_topo *t, enum ws_bind_order o, uint32_t *order)
{
    if ((unsigned)o >= WS_ORDER_COUNT)
        return WS_EINVAL;
    uint32_t n = t->ncores, ns = t->nsockets ? t->nsockets : 1;
    struct keyed *v = calloc(n, sizeof(*v));
    uint32_t *buf = calloc((size_t)n * 5 + t->nclusters * 2 + t->nnodes * 2 + ns, sizeof(uint32_t));
    if (v == NULL || buf == NULL) {
        free(v);
        free(buf);
        return WS_NOMEM;
    }
    struct ranks r = { buf, buf + n, buf + 2 * (size_t)n, buf + 3 * (size_t)n,
                       buf + 4 * (size_t)n, buf + 4 * (size_t)n + t->nclusters };
    fill_ranks(t, &r, r.node_in_socket + t->nnodes);
    for (uint32_t c = 0; c < n; c++) {
        v[c].core = c;
        order_key(t, &r, o, c, v[c].key);
    }
    qsort(v, n, sizeof(*v), cmp_keyed);
    for (uint32_t i = 0; i < n; i++)
        order[i] = v[i].core;
    free(v);
    free(buf);
    return WS_OK;
}

enum ws_bind_kind ws_bind_effective(enum ws_bind_kind k, enum ws_bind_order o)
{
    return o == WS_ORDER_U ? WS_BIND_NONE : k;
}

/* pcores: regroup order stably by (thread rank, kind): the first thread of every P-core, then
 * of every E-core and other core, then the second threads likewise. */
static void by_kind(const struct ws_topo *t, const uint32_t *order, uint32_t *home)
{
    uint32_t j = 0, n = t->ncores;
    for (uint32_t thr = 0; j < n; thr++)
        for (uint32_t kind = 0; kind < WS_KIND_COUNT; kind++)
            for (uint32_t i = 0; i < n; i++) {
                uint32_t c = order[i], r = 0;
                for (uint32_t d = t->cores[c].phys; d < c; d++)   /* siblings are in one */
                    r += t->cores[d].phys == t->cores[c].phys;    /* cluster, ids close */
                if (t->cores[c].kind == kind && r == thr)
                    home[j++] = c;
            }
}

ws_status ws_bind_map(const struct ws_topo *t, enum ws_bind_kind k, enum ws_bind_order o,
                      uint32_t *home, uint8_t *scope)
{
    if ((unsigned)k >= WS_BIND_KIND_COUNT || (unsigned)o >= WS_ORDER_COUNT)
        return WS_EINVAL;
    k = ws_bind_effective(k, o);
    uint32_t n = t->ncores;
    uint32_t *order = calloc(n, sizeof(uint32_t));
    if (order == NULL)
        return WS_NOMEM;
    ws_status st = ws_bind_order_map(t, k == WS_BIND_NONE ? WS_ORDER_NS : o, order);
    if (st != WS_OK) {
        free(order);
        return st;
    }
    uint8_t sc = k == WS_BIND_STATIC || k == WS_BIND_PCORES ? WS_SCOPE_FIXED
                 : k == WS_BIND_HYBRID ? WS_SCOPE_KIND : WS_SCOPE_ANY;
    if (k == WS_BIND_PCORES) {
        by_kind(t, order, home);
    } else if (k == WS_BIND_HYBRID) {
        home[0] = 0;   /* the primary scheduler on core 0; the rest in order, core 0 skipped */
        for (uint32_t i = 0, j = 1; i < n; i++)
            if (order[i] != 0)
                home[j++] = order[i];
    } else {
        memcpy(home, order, n * sizeof(uint32_t));
    }
    for (uint32_t i = 0; i < n; i++)
        scope[i] = sc;
    if (k == WS_BIND_HYBRID)
        scope[0] = WS_SCOPE_FIXED;
    free(order);
    return WS_OK;
}

bool ws_bind_allows(const struct ws_topo *t, uint8_t sc, uint32_t home, uint32_t c)
{
    if (sc == WS_SCOPE_FIXED)
        return c == home;
    return sc == WS_SCOPE_ANY || t->cores[c].kind == t->cores[home].kind;
}

uint64_t ws_bind_os_migration_ns(const struct ws_topo *t, const struct ws_params *p, uint32_t a,
                                 uint32_t b)
{
    if (a == b)
        return 0;
    struct ws_topo_shared sh = ws_topo_shared_cache(t, a, b);
    uint64_t line = sh.level == 1 ? 0 : sh.level == 2 ? p->refill_l2_ns
                    : sh.level >= 3 ? p->refill_l3_ns : p->refill_mem_ns;
    if (ws_topo_dist_class(t, a, b) == WS_DIST_SMT)
        line = 0;
    uint64_t ns = p->ctx_switch_ns + WS_BIND_HOT_LINES * line;
    if (t->cores[a].node != t->cores[b].node)
        ns += p->numa_migration_ns;
    return ns;
}
