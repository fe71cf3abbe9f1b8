/* ws_topo.c: the machine model's construction, validation (ws_topo_finish), invariant check and
 * destruction; the O(1) queries are inline in ws_topo.h. */
#include "core/ws_topo.h"

#include "core/ws_alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Default latencies per distance class (ns) and across sockets; see traces/topologies/README.md. */
static const uint32_t default_latency[WS_DIST_COUNT] = { 0, 10, 40, 100, 150 };
#define DEFAULT_SOCKET_LATENCY 200

static const char *const kind_names[WS_KIND_COUNT] = { "P", "E", "other" };
static const char *const dist_names[WS_DIST_COUNT] = { "same_core", "smt", "cluster", "node",
                                                       "remote" };
static const char *const share_names[WS_SHARE_COUNT] = { "core", "cluster", "node", "socket",
                                                         "machine", "list" };

const char *ws_core_kind_name(enum ws_core_kind k)
{
    return (unsigned)k < WS_KIND_COUNT ? kind_names[k] : "?";
}

ws_status ws_core_kind_parse(const char *s, enum ws_core_kind *out)
{
    static const char *const alias[WS_KIND_COUNT] = { "p", "e", "Other" };
    for (int k = 0; k < WS_KIND_COUNT; k++) {
        if (strcmp(s, kind_names[k]) == 0 || strcmp(s, alias[k]) == 0) {
            *out = (enum ws_core_kind)k;
            return WS_OK;
        }
    }
    return WS_EINVAL;
}

const char *ws_dist_class_name(enum ws_dist_class d)
{
    return (unsigned)d < WS_DIST_COUNT ? dist_names[d] : "?";
}

const char *ws_cache_share_name(enum ws_cache_share s)
{
    return (unsigned)s < WS_SHARE_COUNT ? share_names[s] : "?";
}

/* Fill *err (if any) with a field path and a message; returns WS_EINVAL. */
static ws_status fail(struct ws_topo_error *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static ws_status fail(struct ws_topo_error *err, const char *field, const char *fmt, ...)
{
    if (err == NULL)
        return WS_EINVAL;
    va_list ap;
    err->line = 0;
    err->column = 0;
    snprintf(err->field, sizeof(err->field), "%s", field);
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return WS_EINVAL;
}

ws_status ws_topo_alloc(struct ws_topo **out, uint32_t ncores, uint32_t nclusters,
                        uint32_t nnodes)
{
    *out = NULL;
    if (ncores == 0 || ncores > WS_TOPO_MAX_CORES || nclusters == 0 || nclusters > ncores ||
        nnodes == 0 || nnodes > WS_TOPO_MAX_CORES)
        return WS_EINVAL;
    struct ws_topo *t = ws_calloc(1, sizeof(*t));
    if (t == NULL)
        return WS_NOMEM;
    t->ncores = ncores;
    t->nclusters = nclusters;
    t->nnodes = nnodes;
    t->nsockets = 1;
    t->cores = ws_calloc(ncores, sizeof(*t->cores));
    t->clusters = ws_calloc(nclusters, sizeof(*t->clusters));
    t->nodes = ws_calloc(nnodes, sizeof(*t->nodes));
    t->distance = ws_calloc((size_t)nnodes * nnodes, sizeof(*t->distance));
    if (t->cores == NULL || t->clusters == NULL || t->nodes == NULL || t->distance == NULL)
        goto nomem;
    for (uint32_t c = 0; c < ncores; c++) {
        struct ws_topo_core *x = &t->cores[c];
        x->id = x->phys = c;
        x->os_id = (int32_t)c;
        for (int l = 0; l < WS_TOPO_CACHE_LEVELS; l++)
            x->cache[l] = -1;
    }
    for (uint32_t i = 0; i < nclusters; i++) {
        t->clusters[i].id = i;
        t->clusters[i].smt = 1;
        if (ws_cpuset_init(&t->clusters[i].cores, ncores) != WS_OK)
            goto nomem;
    }
    for (uint32_t i = 0; i < nnodes; i++) {
        t->nodes[i].id = i;
        t->distance[(size_t)i * nnodes + i] = 10;
        if (ws_cpuset_init(&t->nodes[i].cores, ncores) != WS_OK)
            goto nomem;
    }
    for (int k = 0; k < WS_KIND_COUNT; k++)
        if (ws_cpuset_init(&t->kind_cores[k], ncores) != WS_OK)
            goto nomem;
    t->kinds[WS_KIND_P].capacity = 1.0;
    t->kinds[WS_KIND_E].capacity = 0.5;
    t->kinds[WS_KIND_OTHER].capacity = 0.5;
    memcpy(t->latency_class_ns, default_latency, sizeof(default_latency));
    t->latency_socket_ns = DEFAULT_SOCKET_LATENCY;
    *out = t;
    return WS_OK;
nomem:
    ws_topo_destroy(t);
    return WS_NOMEM;
}

ws_status ws_topo_add_cache(struct ws_topo *t, uint32_t level, uint64_t size_bytes,
                            uint32_t line_bytes, enum ws_cache_share share, int32_t kind,
                            const struct ws_cpuset *cores)
{
    if (share == WS_SHARE_LIST && cores == NULL)
        return WS_EINVAL;
    struct ws_topo_cache_spec *specs = ws_calloc(t->ncache_specs + 1, sizeof(*specs));
    if (specs == NULL)
        return WS_NOMEM;
    struct ws_topo_cache_spec *s = &specs[t->ncache_specs];
    if (share == WS_SHARE_LIST && ws_cpuset_dup(&s->cores, cores) != WS_OK) {
        ws_free(specs);
        return WS_NOMEM;
    }
    if (t->ncache_specs > 0)
        memcpy(specs, t->cache_specs, t->ncache_specs * sizeof(*specs));
    s->level = level;
    s->size_bytes = size_bytes;
    s->line_bytes = line_bytes ? line_bytes : 64;
    s->share = share;
    s->kind = kind;
    ws_free(t->cache_specs);
    t->cache_specs = specs;
    t->ncache_specs++;
    return WS_OK;
}

ws_status ws_topo_add_source(struct ws_topo *t, const char *source)
{
    char **v = ws_calloc(t->nsources + 1, sizeof(*v));
    size_t n = strlen(source) + 1;
    char *copy = ws_malloc(n);
    if (v == NULL || copy == NULL) {
        ws_free(v);
        ws_free(copy);
        return WS_NOMEM;
    }
    memcpy(copy, source, n);
    if (t->nsources > 0)
        memcpy(v, t->sources, t->nsources * sizeof(*v));
    v[t->nsources++] = copy;
    ws_free(t->sources);
    t->sources = v;
    return WS_OK;
}

ws_status ws_topo_set_latency_matrix(struct ws_topo *t, const uint32_t *ns)
{
    size_t n = (size_t)t->ncores * t->ncores;
    uint32_t *m = ws_malloc(n * sizeof(*m));
    if (m == NULL)
        return WS_NOMEM;
    memcpy(m, ns, n * sizeof(*m));
    ws_free(t->latency_matrix);
    t->latency_matrix = m;
    return WS_OK;
}

void ws_topo_destroy(struct ws_topo *t)
{
    if (t == NULL)
        return;
    for (uint32_t i = 0; i < t->nsources; i++)
        ws_free(t->sources[i]);
    ws_free(t->sources);
    if (t->clusters != NULL)
        for (uint32_t i = 0; i < t->nclusters; i++)
            ws_cpuset_destroy(&t->clusters[i].cores);
    if (t->nodes != NULL)
        for (uint32_t i = 0; i < t->nnodes; i++)
            ws_cpuset_destroy(&t->nodes[i].cores);
    for (uint32_t i = 0; i < t->ncache_specs; i++)
        ws_cpuset_destroy(&t->cache_specs[i].cores);
    for (uint32_t i = 0; i < t->ncaches; i++)
        ws_cpuset_destroy(&t->caches[i].cores);
    for (int k = 0; k < WS_KIND_COUNT; k++)
        ws_cpuset_destroy(&t->kind_cores[k]);
    ws_free(t->cache_specs);
    ws_free(t->caches);
    ws_free(t->cores);
    ws_free(t->clusters);
    ws_free(t->nodes);
    ws_free(t->distance);
    ws_free(t->latency_matrix);
    ws_free(t);
}

/* Step 1 of finish: clusters partition the cores; copy cluster, node and kind into cores. */
static ws_status finish_clusters(struct ws_topo *t, struct ws_topo_error *err)
{
    char f[64];
    for (uint32_t c = 0; c < t->ncores; c++)
        t->cores[c].cluster = UINT32_MAX;
    for (uint32_t i = 0; i < t->nclusters; i++) {
        struct ws_topo_cluster *k = &t->clusters[i];
        if (k->kind >= WS_KIND_COUNT)
            return fail(err, (snprintf(f, sizeof f, "clusters[%u].kind", i), f), "bad kind");
        if (k->node >= t->nnodes)
            return fail(err, (snprintf(f, sizeof f, "clusters[%u].node", i), f),
                        "node %u does not exist (the machine has %u)", k->node, t->nnodes);
        snprintf(f, sizeof f, "clusters[%u].cores", i);
        if (k->cores.nbits != t->ncores || ws_cpuset_is_empty(&k->cores))
            return fail(err, f, "a cluster needs at least one core");
        for (uint32_t c = ws_cpuset_first(&k->cores); c != WS_CPUSET_NONE;
             c = ws_cpuset_next(&k->cores, c)) {
            if (t->cores[c].cluster != UINT32_MAX)
                return fail(err, f, "core %u is already in cluster %u; a core belongs to "
                            "exactly one cluster", c, t->cores[c].cluster);
            t->cores[c].cluster = i;
            t->cores[c].node = k->node;
            t->cores[c].kind = k->kind;
        }
    }
    for (uint32_t c = 0; c < t->ncores; c++)
        if (t->cores[c].cluster == UINT32_MAX)
            return fail(err, "clusters", "core %u is in no cluster (cores are 0..%u)", c,
                        t->ncores - 1);
    return WS_OK;
}

/* Step 2: SMT grouping (cluster smt > 1 groups consecutive cores), phys checks, capacity.
 * phys_cluster is scratch of 2 * WS_TOPO_MAX_CORES entries. */
static ws_status finish_cores(struct ws_topo *t, uint32_t *phys_cluster, struct ws_topo_error *err)
{
    char f[64];
    for (uint32_t i = 0; i < t->nclusters; i++) {
        struct ws_topo_cluster *k = &t->clusters[i];
        if (k->smt == 0 || ws_cpuset_count(&k->cores) % k->smt != 0)
            return fail(err, (snprintf(f, sizeof f, "clusters[%u].smt", i), f),
                        "%u cores cannot be grouped %u threads per physical core",
                        ws_cpuset_count(&k->cores), k->smt);
        if (k->smt == 1)
            continue;
        uint32_t n = 0, head = 0;
        for (uint32_t c = ws_cpuset_first(&k->cores); c != WS_CPUSET_NONE;
             c = ws_cpuset_next(&k->cores, c), n++) {
            if (n % k->smt == 0)
                head = c;
            t->cores[c].phys = head;
        }
    }
    for (uint32_t c = 0; c < t->ncores; c++)
        phys_cluster[c] = UINT32_MAX;
    for (uint32_t c = 0; c < t->ncores; c++) {
        struct ws_topo_core *x = &t->cores[c];
        snprintf(f, sizeof f, "cores[%u].phys", c);
        if (x->phys >= t->ncores)
            return fail(err, f, "physical core %u is out of range 0..%u", x->phys, t->ncores - 1);
        if (phys_cluster[x->phys] != UINT32_MAX && phys_cluster[x->phys] != x->cluster)
            return fail(err, f, "SMT siblings of physical core %u are in clusters %u and %u",
                        x->phys, phys_cluster[x->phys], x->cluster);
        phys_cluster[x->phys] = x->cluster;
        if (x->capacity == 0)
            x->capacity = t->kinds[x->kind].capacity;
        if (!(x->capacity >= WS_TOPO_CAP_MIN && x->capacity <= WS_TOPO_CAP_MAX))
            return fail(err, (snprintf(f, sizeof f, "cores[%u].capacity", c), f),
                        "%.17g is outside %s", x->capacity, WS_TOPO_CAP_RANGE_TEXT);
        ws_cpuset_set(&t->kind_cores[x->kind], c);
    }
    /* Canonical labels: phys = the smallest id among the siblings (cores run in id order, so
     * the first core seen with a label is its smallest). */
    uint32_t *head = phys_cluster + WS_TOPO_MAX_CORES;
    for (uint32_t c = 0; c < t->ncores; c++)
        head[c] = UINT32_MAX;
    for (uint32_t c = 0; c < t->ncores; c++) {
        if (head[t->cores[c].phys] == UINT32_MAX)
            head[t->cores[c].phys] = c;
        t->cores[c].phys = head[t->cores[c].phys];
    }
    for (int k = 0; k < WS_KIND_COUNT; k++) {
        t->kinds[k].ncores = ws_cpuset_count(&t->kind_cores[k]);
        t->kinds[k].present |= t->kinds[k].ncores > 0;
    }
    return WS_OK;
}

/* Step 3: nodes (core sets, sockets) and the distance matrix. */
static ws_status finish_nodes(struct ws_topo *t, struct ws_topo_error *err)
{
    char f[64];
    t->nsockets = 0;
    for (uint32_t n = 0; n < t->nnodes; n++) {
        if (t->nodes[n].socket >= WS_TOPO_MAX_CORES)
            return fail(err, (snprintf(f, sizeof f, "nodes[%u].socket", n), f),
                        "socket %u is out of range", t->nodes[n].socket);
        if (t->nodes[n].socket + 1 > t->nsockets)
            t->nsockets = t->nodes[n].socket + 1;
        ws_cpuset_zero(&t->nodes[n].cores);
    }
    for (uint32_t c = 0; c < t->ncores; c++) {
        ws_cpuset_set(&t->nodes[t->cores[c].node].cores, c);
        t->cores[c].socket = t->nodes[t->cores[c].node].socket;
    }
    for (uint32_t i = 0; i < t->nnodes; i++) {
        for (uint32_t j = 0; j < t->nnodes; j++) {
            uint32_t d = t->distance[(size_t)i * t->nnodes + j];
            snprintf(f, sizeof f, "distance[%u][%u]", i, j);
            if (i == j && d != 10)
                return fail(err, f, "a node's distance to itself must be 10, not %u", d);
            if (i != j && d < 10)
                return fail(err, f, "distance %u between different nodes is below the local 10", d);
        }
    }
    return WS_OK;
}

/* Group key of core c under a sharing scope (cores with equal keys share one instance). */
static uint32_t share_key(const struct ws_topo *t, enum ws_cache_share s, uint32_t c)
{
    switch (s) {
    case WS_SHARE_CORE: return t->cores[c].phys;
    case WS_SHARE_CLUSTER: return t->cores[c].cluster;
    case WS_SHARE_NODE: return t->cores[c].node;
    case WS_SHARE_SOCKET: return t->cores[c].socket;
    default: return 0;
    }
}

static bool spec_covers(const struct ws_topo *t, const struct ws_topo_cache_spec *s, uint32_t c)
{
    if (s->kind >= 0 && t->cores[c].kind != (uint32_t)s->kind)
        return false;
    return s->share != WS_SHARE_LIST || ws_cpuset_test(&s->cores, c);
}

/* Expand spec si into instances; key_inst is scratch of WS_TOPO_MAX_CORES entries (the largest
 * key). With fill == false only counts them into *n. */
static ws_status expand_spec(struct ws_topo *t, uint32_t si, int32_t *key_inst, bool fill,
                             uint32_t *n, struct ws_topo_error *err)
{
    const struct ws_topo_cache_spec *s = &t->cache_specs[si];
    char f[64];
    snprintf(f, sizeof f, "caches[%u]", si);
    for (uint32_t c = 0; c < t->ncores; c++)
        key_inst[share_key(t, (enum ws_cache_share)s->share, c)] = -1;
    for (uint32_t c = 0; c < t->ncores; c++) {
        if (!spec_covers(t, s, c))
            continue;
        uint32_t key = share_key(t, (enum ws_cache_share)s->share, c);
        if (key_inst[key] < 0) {
            key_inst[key] = (int32_t)(*n)++;
            if (fill) {
                struct ws_topo_cache *x = &t->caches[key_inst[key]];
                x->level = s->level;
                x->size_bytes = s->size_bytes;
                x->line_bytes = s->line_bytes;
                x->spec = si;
                if (ws_cpuset_init(&x->cores, t->ncores) != WS_OK)
                    return WS_NOMEM;
                t->ncaches = *n;
            }
        }
        if (!fill)
            continue;
        int32_t *slot = &t->cores[c].cache[s->level - 1];
        if (*slot >= 0)
            return fail(err, f, "core %u already has a level-%u cache (from caches[%u])", c,
                        s->level, t->caches[*slot].spec);
        *slot = key_inst[key];
        ws_cpuset_set(&t->caches[*slot].cores, c);
    }
    return WS_OK;
}

/* Step 4: cache specs -> instances, and each core's instance per level. */
static ws_status finish_caches(struct ws_topo *t, int32_t *key_inst, struct ws_topo_error *err)
{
    char f[64];
    uint32_t n = 0;
    for (uint32_t i = 0; i < t->ncache_specs; i++) {
        const struct ws_topo_cache_spec *s = &t->cache_specs[i];
        if (s->level < 1 || s->level > WS_TOPO_CACHE_LEVELS)
            return fail(err, (snprintf(f, sizeof f, "caches[%u].level", i), f),
                        "level %u is outside 1..%d", s->level, WS_TOPO_CACHE_LEVELS);
        if (s->size_bytes == 0)
            return fail(err, (snprintf(f, sizeof f, "caches[%u].size_kb", i), f),
                        "a cache needs a size > 0");
        if (s->share >= WS_SHARE_COUNT || s->kind >= WS_KIND_COUNT ||
            (s->share == WS_SHARE_LIST && s->cores.nbits != t->ncores))
            return fail(err, (snprintf(f, sizeof f, "caches[%u]", i), f), "bad sharing");
        expand_spec(t, i, key_inst, false, &n, err);
    }
    if (n == 0)
        return WS_OK;
    t->caches = ws_calloc(n, sizeof(*t->caches));
    if (t->caches == NULL)
        return WS_NOMEM;
    n = 0;
    for (uint32_t i = 0; i < t->ncache_specs; i++) {
        ws_status st = expand_spec(t, i, key_inst, true, &n, err);
        if (st != WS_OK)
            return st;
    }
    return WS_OK;
}

ws_status ws_topo_finish(struct ws_topo *t, struct ws_topo_error *err)
{
    int32_t *scratch = ws_malloc(2 * WS_TOPO_MAX_CORES * sizeof(int32_t));
    if (scratch == NULL)
        return WS_NOMEM;
    ws_status st = finish_clusters(t, err);
    if (st == WS_OK)
        st = finish_cores(t, (uint32_t *)scratch, err);
    if (st == WS_OK)
        st = finish_nodes(t, err);
    if (st == WS_OK)
        st = finish_caches(t, scratch, err);
    ws_free(scratch);
    if (st == WS_NOMEM)
        fail(err, "", "out of memory");
    return st;
}

void ws_topo_smt_siblings(const struct ws_topo *t, uint32_t c, struct ws_cpuset *set)
{
    const struct ws_cpuset *k = &t->clusters[t->cores[c].cluster].cores;
    for (uint32_t d = ws_cpuset_first(k); d != WS_CPUSET_NONE; d = ws_cpuset_next(k, d))
        if (t->cores[d].phys == t->cores[c].phys)
            ws_cpuset_set(set, d);
}

/* Invariants 1-3 of ws_topo.h. */
static const char *check_cores(const struct ws_topo *t)
{
    if (t->ncores == 0 || t->ncores > WS_TOPO_MAX_CORES)
        return "ncores is outside 1..WS_TOPO_MAX_CORES";
    for (uint32_t c = 0; c < t->ncores; c++) {
        const struct ws_topo_core *x = &t->cores[c];
        if (x->id != c || x->cluster >= t->nclusters || x->node >= t->nnodes)
            return "a core's id, cluster or node is out of range";
        const struct ws_topo_cluster *k = &t->clusters[x->cluster];
        if (!ws_cpuset_test(&k->cores, c) || k->node != x->node || k->kind != x->kind)
            return "a core disagrees with its cluster (set, node or kind)";
        if (!ws_cpuset_test(&t->nodes[x->node].cores, c) ||
            x->socket != t->nodes[x->node].socket)
            return "a core is missing from its node's set, or its socket differs";
        if (x->phys > c || t->cores[x->phys].phys != x->phys ||
            t->cores[x->phys].cluster != x->cluster)
            return "phys is not the smallest id of SMT siblings in one cluster";
        if (!ws_cpuset_test(&t->kind_cores[x->kind], c))
            return "a core is missing from its kind's set";
    }
    uint32_t total = 0;
    for (uint32_t i = 0; i < t->nclusters; i++)
        total += ws_cpuset_count(&t->clusters[i].cores);
    if (total != t->ncores)
        return "the clusters' core sets do not partition the cores";
    return NULL;
}

const char *ws_topo_check(const struct ws_topo *t)
{
    const char *why = check_cores(t);
    if (why != NULL)
        return why;
    for (uint32_t i = 0; i < t->nnodes; i++)
        for (uint32_t j = 0; j < t->nnodes; j++) {
            uint32_t d = t->distance[(size_t)i * t->nnodes + j];
            if ((i == j && d != 10) || d < 10)
                return "the distance matrix breaks the SLIT rules";
        }
    for (uint32_t c = 0; c < t->ncores; c++)
        for (uint32_t l = 0; l < WS_TOPO_CACHE_LEVELS; l++) {
            int32_t i = t->cores[c].cache[l];
            if (i >= 0 && ((uint32_t)i >= t->ncaches || t->caches[i].level != l + 1 ||
                           !ws_cpuset_test(&t->caches[i].cores, c)))
                return "a core's cache instance is of the wrong level or does not hold it";
        }
    uint32_t n = 0;
    for (int k = 0; k < WS_KIND_COUNT; k++) {
        if (ws_cpuset_count(&t->kind_cores[k]) != t->kinds[k].ncores)
            return "a kind's count differs from its core set";
        n += t->kinds[k].ncores;
    }
    return n == t->ncores ? NULL : "the kinds' core sets do not cover the cores";
}
