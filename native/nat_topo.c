/* nat_topo.c: host detection for native runs, the binding order, and the model of the cores the
 * workers were given (a sub-model of the host keeping its clusters, nodes, caches, kinds and
 * latencies). */
#include "native/nat_topo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>

static const char *const bind_names[] = { "none", "static", "pcores" };

const char *nat_bind_name(enum nat_bind b)
{
    return (unsigned)b <= NAT_BIND_PCORES ? bind_names[b] : "?";
}

int nat_bind_parse(const char *s, enum nat_bind *out)
{
    for (int i = 0; i <= NAT_BIND_PCORES; i++) {
        if (strcmp(s, bind_names[i]) == 0) {
            *out = (enum nat_bind)i;
            return 0;
        }
    }
    return -1;
}

static void topo_err(char *err, size_t errlen, const char *what, const struct ws_topo_error *e)
{
    snprintf(err, errlen, "%s: %s%s%s", what, e->field, e->field[0] ? ": " : "", e->message);
}

int nat_topo_host(struct ws_topo **out, int *detected, char *err, size_t errlen)
{
    struct ws_topo_error e;
    *detected = 1;
    if (ws_topo_detect(out, &e) == WS_OK)
        return 0;
    *detected = 0;
    cpu_set_t set;
    int n = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
    char spec[32];
    snprintf(spec, sizeof spec, "p=%d", n > 0 ? n : 1);
    if (ws_topo_synth(spec, out, &e) != WS_OK) {
        topo_err(err, errlen, "host topology", &e);
        return -1;
    }
    snprintf((*out)->name, sizeof((*out)->name), "host");
    uint32_t c = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && c < (*out)->ncores; cpu++)
        if (CPU_ISSET(cpu, &set))
            (*out)->cores[c++].os_id = cpu;
    return 0;
}

/* Host core ids in binding order: every physical core's first thread before any sibling, and
 * within each of the two, for pcores, P-cores before E-cores before the others. */
static void bind_order(const struct ws_topo *h, enum nat_bind b, uint32_t *order)
{
    uint32_t k = 0;
    for (int sib = 0; sib < 2; sib++) {
        for (int kind = 0; kind < WS_KIND_COUNT; kind++) {
            for (uint32_t c = 0; c < h->ncores; c++) {
                bool first_thread = h->cores[c].phys == c;
                if ((sib == 0) != first_thread)
                    continue;
                if (b == NAT_BIND_PCORES && h->cores[c].kind != (uint32_t)kind)
                    continue;
                if (b != NAT_BIND_PCORES && kind > 0)
                    continue;
                order[k++] = c;
            }
        }
    }
}

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
    snprintf(t->name, sizeof t->name, "host");
    char head[24];
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

static int sub_model(const struct ws_topo *h, const uint32_t *pick, uint32_t n,
                     struct ws_topo **out, char *err, size_t errlen)
{
    struct sub u = { h, pick, n, 0, 0, calloc(n, sizeof(uint32_t)), calloc(n, sizeof(uint32_t)) };
    int rc = -1;
    *out = NULL;
    if (u.cl == NULL || u.no == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (uint32_t c = 0; c < n; c++) {
        uint32_t cl = h->cores[pick[c]].cluster, no = h->cores[pick[c]].node;
        if (find(u.cl, u.ncl, cl) == UINT32_MAX)
            u.cl[u.ncl++] = cl;
        if (find(u.no, u.nno, no) == UINT32_MAX)
            u.no[u.nno++] = no;
    }
    struct ws_topo *t = NULL;
    struct ws_topo_error e = { 0 };
    ws_status st = ws_topo_alloc(&t, n, u.ncl, u.nno);
    if (st == WS_OK)
        st = fill_sub(&u, t);
    if (st == WS_OK)
        st = ws_topo_finish(t, &e);
    if (st != WS_OK) {
        if (e.message[0])
            topo_err(err, errlen, "worker topology", &e);
        else
            snprintf(err, errlen, "out of memory");
        ws_topo_destroy(t);
        goto out;
    }
    *out = t;
    rc = 0;
out:
    free(u.cl);
    free(u.no);
    return rc;
}

int nat_topo_workers(const struct ws_topo *host, uint32_t n, enum nat_bind b,
                     struct ws_topo **out, int32_t *os_cpus, char *err, size_t errlen)
{
    uint32_t *order = calloc(host->ncores, sizeof(uint32_t));
    if (order == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    bind_order(host, b, order);
    for (uint32_t i = 0; i < n; i++)
        os_cpus[i] = b == NAT_BIND_NONE ? -1 : host->cores[order[i % host->ncores]].os_id;
    int rc;
    if (n <= host->ncores) {
        rc = sub_model(host, order, n, out, err, errlen);
    } else {
        char spec[32];
        struct ws_topo_error e;
        snprintf(spec, sizeof spec, "p=%u", n);
        rc = ws_topo_synth(spec, out, &e) == WS_OK ? 0 : -1;
        if (rc != 0)
            topo_err(err, errlen, "worker topology", &e);
        else
            snprintf((*out)->name, sizeof((*out)->name), "host-oversubscribed");
    }
    free(order);
    return rc;
}
