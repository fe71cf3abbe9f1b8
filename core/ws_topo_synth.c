/* ws_topo_synth.c: synthetic machines for sweeps from a spec such as
 * "sockets=2,nodes=8,clusters=64,p=256,e=256" (format in traces/topologies/README.md).
 *
 * Layout: sockets hold nodes/sockets NUMA nodes each; every node holds clusters/nodes clusters,
 * the P clusters first, then the E clusters, split in proportion to the node's P and E cores
 * (at least one of each kind present); cores are spread over their kind's clusters as evenly as
 * possible (earlier clusters take the remainder). Ids run socket by socket, node by node,
 * cluster by cluster; a P-core with smt=N is N consecutive ids. Numbers that no spec key sets
 * (cache sizes, memory, power, latencies) are round illustrative values, listed in the README. */
#include "core/ws_topo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct synth_spec {
    uint32_t p, e, sockets, nodes, clusters, smt;
    double ecap;
};

static ws_status sfail(struct ws_topo_error *err, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static ws_status sfail(struct ws_topo_error *err, const char *key, const char *fmt, ...)
{
    if (err == NULL)
        return WS_EINVAL;
    va_list ap;
    memset(err, 0, sizeof(*err));
    snprintf(err->field, sizeof(err->field), "%s", key);
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return WS_EINVAL;
}

/* One "key=value" item of length n into sp. */
static ws_status parse_item(struct synth_spec *sp, const char *item, size_t n,
                            struct ws_topo_error *err)
{
    static const char *const keys[] = { "p", "e", "sockets", "nodes", "clusters", "smt" };
    char buf[64];
    if (n >= sizeof(buf))
        return sfail(err, "", "spec item '%.*s...' is too long", 20, item);
    memcpy(buf, item, n);
    buf[n] = '\0';
    char *eq = strchr(buf, '='), *end;
    if (eq == NULL || eq == buf || eq[1] == '\0')
        return sfail(err, buf, "want key=value, found '%s'", buf);
    *eq = '\0';
    const char *v = eq + 1;
    if (strcmp(buf, "ecap") == 0) {
        sp->ecap = strtod(v, &end);
        if (end == v || *end != '\0' || !(sp->ecap >= WS_TOPO_CAP_MIN && sp->ecap <= 1))
            return sfail(err, "ecap", "want an E-core capacity in %g..1, found '%s'",
                         WS_TOPO_CAP_MIN, v);
        return WS_OK;
    }
    uint32_t *dst[] = { &sp->p, &sp->e, &sp->sockets, &sp->nodes, &sp->clusters, &sp->smt };
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        if (strcmp(buf, keys[k]) != 0)
            continue;
        unsigned long x = (*v >= '0' && *v <= '9') ? strtoul(v, &end, 10) : 0;
        if (*v < '0' || *v > '9' || *end != '\0' || x > WS_TOPO_MAX_CORES)
            return sfail(err, buf, "want a whole number 0..%u, found '%s'", WS_TOPO_MAX_CORES, v);
        *dst[k] = (uint32_t)x;
        return WS_OK;
    }
    return sfail(err, buf, "unknown key '%s' (p, e, sockets, nodes, clusters, smt, ecap)", buf);
}

/* Defaults and the divisibility rules of the layout. */
static ws_status check_spec(struct synth_spec *sp, struct ws_topo_error *err)
{
    uint32_t kinds = (sp->p > 0) + (sp->e > 0);
    if (kinds == 0)
        return sfail(err, "p", "a machine needs cores: give p=N and/or e=N");
    if (sp->sockets == 0)
        sp->sockets = 1;
    if (sp->nodes == 0)
        sp->nodes = sp->sockets;
    if (sp->clusters == 0)
        sp->clusters = sp->nodes * kinds;
    if (sp->smt == 0 || sp->smt > 8)
        return sfail(err, "smt", "want 1..8 threads per P-core");
    if (sp->nodes % sp->sockets != 0)
        return sfail(err, "nodes", "%u nodes do not split evenly over %u sockets", sp->nodes,
                     sp->sockets);
    if (sp->clusters % sp->nodes != 0)
        return sfail(err, "clusters", "%u clusters do not split evenly over %u nodes",
                     sp->clusters, sp->nodes);
    if (sp->p % sp->nodes != 0 || sp->e % sp->nodes != 0)
        return sfail(err, sp->p % sp->nodes ? "p" : "e",
                     "cores of each kind must split evenly over %u nodes", sp->nodes);
    if (sp->clusters / sp->nodes < kinds)
        return sfail(err, "clusters", "each node needs a cluster per kind (P and E)");
    if ((uint64_t)sp->p * sp->smt + sp->e > WS_TOPO_MAX_CORES)
        return sfail(err, "p", "more than %u cores", WS_TOPO_MAX_CORES);
    return WS_OK;
}

/* P clusters per node: in proportion to the node's P cores, leaving one for E if any. */
static uint32_t p_clusters_per_node(const struct synth_spec *sp)
{
    uint32_t cpn = sp->clusters / sp->nodes, pn = sp->p / sp->nodes, en = sp->e / sp->nodes;
    if (en == 0)
        return cpn;
    if (pn == 0)
        return 0;
    uint32_t cp = (uint32_t)(((uint64_t)cpn * pn + (pn + en) / 2) / (pn + en));
    return cp < 1 ? 1 : cp > cpn - 1 ? cpn - 1 : cp;
}

/* Every cluster gets at least one core (checked once the P/E cluster split is known). */
static ws_status check_split(const struct synth_spec *sp, uint32_t cp, struct ws_topo_error *err)
{
    uint32_t cpn = sp->clusters / sp->nodes;
    if (cp > sp->p / sp->nodes || cpn - cp > sp->e / sp->nodes)
        return sfail(err, "clusters", "%u clusters per node leave a cluster without cores "
                     "(%u P-cores and %u E-cores per node)", cpn, sp->p / sp->nodes,
                     sp->e / sp->nodes);
    return WS_OK;
}

/* Fill clusters and cores of node n starting at core id *next and cluster id *cl. */
static void fill_node(struct ws_topo *t, const struct synth_spec *sp, uint32_t n, uint32_t *next,
                      uint32_t *cl)
{
    uint32_t cpn = sp->clusters / sp->nodes, cp = p_clusters_per_node(sp);
    for (int kind = 0; kind < 2; kind++) {
        uint32_t nk = kind == 0 ? cp : cpn - cp;
        uint32_t phys = (kind == 0 ? sp->p : sp->e) / sp->nodes;
        uint32_t threads = kind == 0 ? sp->smt : 1;
        for (uint32_t j = 0; j < nk; j++, (*cl)++) {
            struct ws_topo_cluster *k = &t->clusters[*cl];
            uint32_t size = phys / nk + (j < phys % nk);
            k->kind = kind == 0 ? WS_KIND_P : WS_KIND_E;
            k->node = n;
            k->smt = threads;
            if (size > 0)
                ws_cpuset_set_range(&k->cores, *next, *next + size * threads - 1);
            *next += size * threads;
        }
    }
}

/* Nodes, distances, caches, power: the illustrative constants of the README. */
static ws_status fill_machine(struct ws_topo *t, const struct synth_spec *sp)
{
    uint32_t per_socket = sp->nodes / sp->sockets;
    for (uint32_t i = 0; i < t->nnodes; i++) {
        t->nodes[i].socket = i / per_socket;
        t->nodes[i].memory_bytes = UINT64_C(64) << 30;
        t->nodes[i].bandwidth_gbs = 100;
        for (uint32_t j = 0; j < t->nnodes; j++)
            t->distance[(size_t)i * t->nnodes + j] =
                i == j ? 10 : i / per_socket == j / per_socket ? 12 : 32;
    }
    t->kinds[WS_KIND_P] = (struct ws_topo_kind){ 1.0, 4.0, 0.1, 0, sp->p > 0 };
    t->kinds[WS_KIND_E] = (struct ws_topo_kind){ sp->ecap, 1.0, 0.03, 0, sp->e > 0 };
    ws_status st = ws_topo_add_cache(t, 1, 64 << 10, 64, WS_SHARE_CORE, -1, NULL);
    if (st == WS_OK)
        st = ws_topo_add_cache(t, 2, 2 << 20, 64, WS_SHARE_CLUSTER, -1, NULL);
    if (st == WS_OK)
        st = ws_topo_add_cache(t, 3, 32 << 20, 64, WS_SHARE_NODE, -1, NULL);
    if (st == WS_OK)
        st = ws_topo_add_source(t, "synthetic (ws_topo_synth); constants are illustrative");
    return st;
}

ws_status ws_topo_synth(const char *spec, struct ws_topo **out, struct ws_topo_error *err)
{
    struct synth_spec sp = { .smt = 1, .ecap = 0.5 };
    *out = NULL;
    if (strncmp(spec, "synth:", 6) == 0)
        spec += 6;
    for (const char *s = spec; *s != '\0';) {
        size_t n = strcspn(s, ",");
        ws_status st = parse_item(&sp, s, n, err);
        if (st != WS_OK)
            return st;
        s += n + (s[n] == ',');
    }
    if (check_spec(&sp, err) != WS_OK || check_split(&sp, p_clusters_per_node(&sp), err) != WS_OK)
        return WS_EINVAL;
    struct ws_topo *t;
    ws_status st = ws_topo_alloc(&t, sp.p * sp.smt + sp.e, sp.clusters, sp.nodes);
    if (st != WS_OK)
        return st == WS_NOMEM ? (sfail(err, "", "out of memory"), st)
                              : sfail(err, "clusters", "more clusters than cores");
    snprintf(t->name, sizeof(t->name), "synth:%.57s", spec);
    snprintf(t->description, sizeof(t->description),
             "synthetic: %u socket(s), %u node(s), %u cluster(s), %u P-cores (x%u SMT), %u E-cores",
             sp.sockets, sp.nodes, sp.clusters, sp.p, sp.smt, sp.e);
    uint32_t next = 0, cl = 0;
    for (uint32_t n = 0; n < sp.nodes; n++)
        fill_node(t, &sp, n, &next, &cl);
    st = fill_machine(t, &sp);
    if (st == WS_OK)
        st = ws_topo_finish(t, err);
    else
        sfail(err, "", "out of memory");
    if (st != WS_OK) {
        ws_topo_destroy(t);
        return st;
    }
    *out = t;
    return WS_OK;
}
