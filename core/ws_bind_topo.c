/* ws_bind_topo.c: the model of a chosen list of cores of a machine, in the order given (the
 * machine as a set of bound schedulers sees it): ws_bind_sub_topo of ws_bind.h. */
#include "core/ws_bind.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Index in 0..m-1 of value v in list[0..m), or UINT32_MAX. */
static uint32_t find(const uint32_t *list, uint32_t m, uint32_t v)
{
    for (uint32_t i = 0; i < m; i++)
        if (list[i] == v)
            return i;
    return UINT32_MAX;
}

/* Clusters and nodes of the chosen cores, renumbered in order of first appearance. */
struct sub {
    const struct ws_topo *h;
    const uint32_t *pick;     /* [n] host ids */
    uint32_t n, ncl, nno;
    uint32_t *cl, *no;        /* host cluster / node ids of the sub-model's ones */
};

static ws_status copy_caches(const struct sub *u, struct ws_topo *t)
{
    for (uint32_t i = 0; i < u->h->ncache_specs; i++) {
        const struct ws_topo_cache_spec *s = &u->h->cache_specs[i];
        if (s->share != WS_SHARE_LIST) {
            ws_status st = ws_topo_add_cache(t, s->level, s->size_bytes, s->line_bytes,
                                             (enum ws_cache_share)s->share, s->kind, NULL);
            if (st != WS_OK)
                return st;
            continue;
        }
        struct ws_cpuset set;
        if (ws_cpuset_init(&set, u->n) != WS_OK)
            return WS_NOMEM;
        for (uint32_t c = 0; c < u->n; c++)
            if (ws_cpuset_test(&s->cores, u->pick[c]))
                ws_cpuset_set(&set, c);
        ws_status st = ws_cpuset_is_empty(&set) ? WS_OK
                       : ws_topo_add_cache(t, s->level, s->size_bytes, s->line_bytes,
                                           WS_SHARE_LIST, s->kind, &set);
        ws_cpuset_destroy(&set);
        if (st != WS_OK)
            return st;
    }
    return WS_OK;
}

static ws_status fill_sub(const struct sub *u, struct ws_topo *t)
{
    const struct ws_topo *h = u->h;
    for (uint32_t i = 0; i < u->ncl; i++) {
        const struct ws_topo_cluster *hc = &h->clusters[u->cl[i]];
        t->clusters[i].kind = hc->kind;
        t->clusters[i].node = find(u->no, u->nno, hc->node);
        t->clusters[i].latency_ns = hc->latency_ns;
    }
    for (uint32_t i = 0; i < u->nno; i++) {
        const struct ws_topo_node *hn = &h->nodes[u->no[i]];
        t->nodes[i].socket = hn->socket;
        t->nodes[i].memory_bytes = hn->memory_bytes;
        t->nodes[i].bandwidth_gbs = hn->bandwidth_gbs;
        for (uint32_t j = 0; j < u->nno; j++)
            t->distance[(size_t)i * u->nno + j] = ws_topo_node_distance(h, u->no[i], u->no[j]);
    }
    for (uint32_t c = 0; c < u->n; c++) {
        const struct ws_topo_core *hc = &h->cores[u->pick[c]];
        struct ws_topo_core *x = &t->cores[c];
        x->os_id = hc->os_id;
        x->capacity = hc->capacity;
        uint32_t sib = c;   /* phys label: the first chosen core of the same physical core */
        for (uint32_t d = 0; d < c; d++)
            if (h->cores[u->pick[d]].phys == hc->phys) {
                sib = t->cores[d].phys;
                break;
            }
        x->phys = sib;
        ws_cpuset_set(&t->clusters[find(u->cl, u->ncl, hc->cluster)].cores, c);
    }
    memcpy(t->kinds, h->kinds, sizeof(t->kinds));
    for (int k = 0; k < WS_KIND_COUNT; k++)
        t->kinds[k].ncores = 0;
    memcpy(t->latency_class_ns, h->latency_class_ns, sizeof(t->latency_class_ns));
    t->latency_socket_ns = h->latency_socket_ns;
    snprintf(t->name, sizeof t->name, "%s", h->name);
    char head[24] = "";
    if (u->n != h->ncores)
        snprintf(head, sizeof head, "%u cores of ", u->n);
    size_t hl = strlen(head);
    memcpy(t->description, head, hl);
    snprintf(t->description + hl, sizeof t->description - hl, "%.*s",
             (int)(sizeof t->description - hl - 1), h->description);
    for (uint32_t i = 0; i < h->nsources; i++)
        if (ws_topo_add_source(t, h->sources[i]) != WS_OK)
            return WS_NOMEM;
    if (h->latency_matrix != NULL) {
        uint32_t *m = malloc((size_t)u->n * u->n * sizeof(uint32_t));
        if (m == NULL)
            return WS_NOMEM;
        for (uint32_t a = 0; a < u->n; a++)
            for (uint32_t b = 0; b < u->n; b++)
                m[(size_t)a * u->n + b] =
                    h->latency_matrix[(size_t)u->pick[a] * h->ncores + u->pick[b]];
        ws_status st = ws_topo_set_latency_matrix(t, m);
        free(m);
        if (st != WS_OK)
            return st;
    }
    return copy_caches(u, t);
}

static ws_status check_pick(const struct ws_topo *h, const uint32_t *pick, uint32_t n,
                            struct ws_topo_error *e)
{
    struct ws_cpuset seen;
    if (ws_cpuset_init(&seen, h->ncores) != WS_OK)
        return WS_NOMEM;
    ws_status st = n == 0 ? WS_EINVAL : WS_OK;
    for (uint32_t i = 0; i < n && st == WS_OK; i++) {
        if (pick[i] >= h->ncores || ws_cpuset_test(&seen, pick[i])) {
            snprintf(e->field, sizeof e->field, "pick[%u]", i);
            snprintf(e->message, sizeof e->message, "core %u is %s", pick[i],
                     pick[i] >= h->ncores ? "out of range" : "picked twice");
            st = WS_EINVAL;
        } else {
            ws_cpuset_set(&seen, pick[i]);
        }
    }
    if (n == 0)
        snprintf(e->message, sizeof e->message, "no cores picked");
    ws_cpuset_destroy(&seen);
    return st;
}

ws_status ws_bind_sub_topo(const struct ws_topo *h, const uint32_t *pick, uint32_t n,
                           struct ws_topo **out, struct ws_topo_error *e)
{
    memset(e, 0, sizeof(*e));
    *out = NULL;
    ws_status st = check_pick(h, pick, n, e);
    if (st != WS_OK)
        return st;
    struct sub u = { h, pick, n, 0, 0, calloc(n, sizeof(uint32_t)), calloc(n, sizeof(uint32_t)) };
    st = u.cl == NULL || u.no == NULL ? WS_NOMEM : WS_OK;
    for (uint32_t c = 0; st == WS_OK && c < n; c++) {
        uint32_t cl = h->cores[pick[c]].cluster, no = h->cores[pick[c]].node;
        if (find(u.cl, u.ncl, cl) == UINT32_MAX)
            u.cl[u.ncl++] = cl;
        if (find(u.no, u.nno, no) == UINT32_MAX)
            u.no[u.nno++] = no;
    }
    struct ws_topo *t = NULL;
    if (st == WS_OK)
        st = ws_topo_alloc(&t, n, u.ncl, u.nno);
    if (st == WS_OK)
        st = fill_sub(&u, t);
    if (st == WS_OK)
        st = ws_topo_finish(t, e);
    free(u.cl);
    free(u.no);
    if (st != WS_OK) {
        ws_topo_destroy(t);
        return st;
    }
    *out = t;
    return WS_OK;
}
