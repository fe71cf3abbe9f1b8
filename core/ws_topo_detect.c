/* ws_topo_detect.c: builds the model of the running machine from hwloc (the one place in core/
 * that reads the system).
 *
 * Mapping hwloc onto the model:
 *   - cores are hwloc PUs in hwloc's logical order (SMT siblings adjacent); os_id is the PU's
 *     OS index, phys groups the PUs of one hwloc Core;
 *   - kinds come from hwloc's CPU kinds: with one kind (or none reported) every core is P;
 *     otherwise a "CoreType" info of IntelAtom / IntelCore decides, else the most performant
 *     kind (hwloc lists kinds least performant first) is P, the next E, any others "other";
 *   - a cluster is the set of cores of one kind in one NUMA node sharing the smallest L2 or L3
 *     cache that spans more than one physical core (an E-core module's L2, a CCX's L3); cores
 *     with no such cache form one cluster per node and kind;
 *   - NUMA nodes carry hwloc's local memory, sockets are hwloc Packages, the distance matrix
 *     comes from hwloc's OS-provided NUMA distances scaled so that local is 10 (else 10 local,
 *     20 same package, 32 otherwise);
 *   - caches (L1d..L4) become one spec per level when every instance has the same size and a
 *     recognisable sharing scope (per kind if sizes differ by kind), else one spec per instance;
 *   - latencies and power cannot be read from the machine: the defaults of the format apply. */
#include "core/ws_topo.h"

#include "core/ws_alloc.h"

#include <hwloc.h>
#include <stdio.h>
#include <string.h>

#define NO_KIND 0xffu

struct det {
    hwloc_topology_t h;
    struct ws_topo *t;
    uint32_t npu;
    hwloc_obj_t *pu;        /* by our id */
    uint32_t *kind;         /* by our id */
    uint32_t *node;         /* by our id */
    int32_t *id_of_os;      /* OS index -> our id, -1 if not a PU we use */
    uint32_t max_os;
    uint32_t *cluster;      /* by our id */
};

static ws_status dfail(struct ws_topo_error *err, const char *field, const char *msg)
{
    if (err != NULL) {
        memset(err, 0, sizeof(*err));
        snprintf(err->field, sizeof(err->field), "%s", field);
        snprintf(err->message, sizeof(err->message), "%s", msg);
    }
    return WS_EINVAL;
}

/* Our ids of the PUs in an hwloc cpuset, into s (width npu). */
static void to_set(const struct det *d, hwloc_const_cpuset_t cs, struct ws_cpuset *s)
{
    unsigned os;
    ws_cpuset_zero(s);
    hwloc_bitmap_foreach_begin(os, cs)
        if (os <= d->max_os && d->id_of_os[os] >= 0)
            ws_cpuset_set(s, (uint32_t)d->id_of_os[os]);
    hwloc_bitmap_foreach_end();
}

/* Kind of CPU kind index k of nr (ordered least performant first). */
static uint32_t kind_of(hwloc_topology_t h, unsigned k, unsigned nr)
{
    struct hwloc_info_s *infos;
    unsigned ninfos = 0;
    int eff;
    if (hwloc_cpukinds_get_info(h, k, NULL, &eff, &ninfos, &infos, 0) == 0)
        for (unsigned i = 0; i < ninfos; i++) {
            if (strcmp(infos[i].name, "CoreType") != 0)
                continue;
            if (strcmp(infos[i].value, "IntelAtom") == 0)
                return WS_KIND_E;
            if (strcmp(infos[i].value, "IntelCore") == 0)
                return WS_KIND_P;
        }
    return k + 1 == nr ? WS_KIND_P : k + 2 == nr ? WS_KIND_E : WS_KIND_OTHER;
}

/* PUs, os map, kinds, NUMA node of each PU. */
static ws_status read_pus(struct det *d)
{
    d->npu = (uint32_t)hwloc_get_nbobjs_by_type(d->h, HWLOC_OBJ_PU);
    if (d->npu == 0 || d->npu > WS_TOPO_MAX_CORES)
        return WS_EINVAL;
    d->pu = ws_calloc(d->npu, sizeof(*d->pu));
    d->kind = ws_calloc(d->npu, sizeof(*d->kind));
    d->node = ws_calloc(d->npu, sizeof(*d->node));
    if (d->pu == NULL || d->kind == NULL || d->node == NULL)
        return WS_NOMEM;
    for (uint32_t i = 0; i < d->npu; i++) {
        d->pu[i] = hwloc_get_obj_by_type(d->h, HWLOC_OBJ_PU, i);
        if (d->pu[i] == NULL)
            return WS_EINVAL;
        if (d->pu[i]->os_index > d->max_os)
            d->max_os = d->pu[i]->os_index;
    }
    d->id_of_os = ws_malloc(((size_t)d->max_os + 1) * sizeof(int32_t));
    if (d->id_of_os == NULL)
        return WS_NOMEM;
    memset(d->id_of_os, 0xff, ((size_t)d->max_os + 1) * sizeof(int32_t));
    for (uint32_t i = 0; i < d->npu; i++)
        d->id_of_os[d->pu[i]->os_index] = (int32_t)i;
    int nr = hwloc_cpukinds_get_nr(d->h, 0);
    hwloc_bitmap_t cs = hwloc_bitmap_alloc();
    if (cs == NULL)
        return WS_NOMEM;
    for (int k = 0; nr > 1 && k < nr; k++) {
        if (hwloc_cpukinds_get_info(d->h, (unsigned)k, cs, NULL, NULL, NULL, 0) != 0)
            continue;
        uint32_t kind = kind_of(d->h, (unsigned)k, (unsigned)nr);
        for (uint32_t i = 0; i < d->npu; i++)
            if (hwloc_bitmap_isset(cs, d->pu[i]->os_index))
                d->kind[i] = kind;
    }
    hwloc_bitmap_free(cs);
    int nn = hwloc_get_nbobjs_by_type(d->h, HWLOC_OBJ_NUMANODE);
    for (int n = 0; n < nn; n++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(d->h, HWLOC_OBJ_NUMANODE, (unsigned)n);
        for (uint32_t i = 0; i < d->npu; i++)
            if (hwloc_bitmap_isset(o->cpuset, d->pu[i]->os_index))
                d->node[i] = (uint32_t)n;
    }
    return WS_OK;
}

/* The cache object that defines PU i's cluster (smallest L2/L3 spanning > 1 core), or NULL. */
static hwloc_obj_t cluster_cache(const struct det *d, uint32_t i)
{
    for (hwloc_obj_t o = d->pu[i]->parent; o != NULL; o = o->parent) {
        if (o->type != HWLOC_OBJ_L2CACHE && o->type != HWLOC_OBJ_L3CACHE)
            continue;
        if (hwloc_get_nbobjs_inside_cpuset_by_type(d->h, o->cpuset, HWLOC_OBJ_CORE) > 1)
            return o;
    }
    return NULL;
}

/* Cluster of each PU: first-seen order of the key (cache object, node, kind). O(npu^2),
 * run once per detection. */
static ws_status assign_clusters(struct det *d, uint32_t *nclusters)
{
    hwloc_obj_t *cc = ws_malloc(d->npu * sizeof(*cc));
    d->cluster = ws_malloc(d->npu * sizeof(uint32_t));
    if (cc == NULL || d->cluster == NULL) {
        ws_free(cc);
        return WS_NOMEM;
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < d->npu; i++) {
        cc[i] = cluster_cache(d, i);
        d->cluster[i] = UINT32_MAX;
        for (uint32_t j = 0; j < i && d->cluster[i] == UINT32_MAX; j++)
            if (cc[j] == cc[i] && d->node[j] == d->node[i] && d->kind[j] == d->kind[i])
                d->cluster[i] = d->cluster[j];
        if (d->cluster[i] == UINT32_MAX)
            d->cluster[i] = n++;
    }
    ws_free(cc);
    *nclusters = n;
    return WS_OK;
}

/* Sockets and memory of the nodes, and the distance matrix. */
static void fill_nodes(struct det *d)
{
    struct ws_topo *t = d->t;
    for (uint32_t n = 0; n < t->nnodes; n++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(d->h, HWLOC_OBJ_NUMANODE, n);
        hwloc_obj_t pkg = o ? hwloc_get_ancestor_obj_by_type(d->h, HWLOC_OBJ_PACKAGE, o) : NULL;
        t->nodes[n].socket = pkg ? pkg->logical_index : 0;
        t->nodes[n].memory_bytes = o ? o->attr->numanode.local_memory : 0;
    }
    for (uint32_t i = 0; i < t->nnodes; i++)
        for (uint32_t j = 0; j < t->nnodes; j++)
            t->distance[(size_t)i * t->nnodes + j] =
                i == j ? 10 : t->nodes[i].socket == t->nodes[j].socket ? 20 : 32;
    struct hwloc_distances_s *dist[1];
    unsigned nr = 1;
    if (t->nnodes < 2 ||
        hwloc_distances_get_by_type(d->h, HWLOC_OBJ_NUMANODE, &nr, dist,
                                    HWLOC_DISTANCES_KIND_FROM_OS, 0) != 0 || nr == 0)
        return;
    if (dist[0]->nbobjs == t->nnodes && dist[0]->values[0] > 0) {
        for (uint32_t a = 0; a < t->nnodes; a++)
            for (uint32_t b = 0; b < t->nnodes; b++) {
                uint64_t v = dist[0]->values[(size_t)a * t->nnodes + b] * 10 / dist[0]->values[0];
                uint32_t i = dist[0]->objs[a]->logical_index, j = dist[0]->objs[b]->logical_index;
                t->distance[(size_t)i * t->nnodes + j] = i == j ? 10 : v < 10 ? 10 : (uint32_t)v;
            }
    }
    hwloc_distances_release(d->h, dist[0]);
}

/* Key of PU i's group under a sharing scope (cores with equal keys share one instance). */
static uint32_t dkey(const struct det *d, int share, uint32_t i)
{
    switch (share) {
    case WS_SHARE_CORE: return d->t->cores[i].phys;
    case WS_SHARE_CLUSTER: return d->cluster[i];
    case WS_SHARE_NODE: return d->node[i];
    case WS_SHARE_SOCKET: return d->t->nodes[d->node[i]].socket;
    default: return 0;
    }
}

static bool kind_ok(const struct det *d, int32_t kf, uint32_t i)
{
    return kf < 0 || d->kind[i] == (uint32_t)kf;
}

/* The scope whose group (cores of kind kf) around x's first core is exactly x, or LIST. */
static int scope_of(const struct det *d, const struct ws_cpuset *x, int32_t kf)
{
    uint32_t c0 = ws_cpuset_first(x);
    for (int s = WS_SHARE_CORE; s < WS_SHARE_LIST; s++) {
        bool ok = true;
        for (uint32_t i = 0; i < d->npu && ok; i++)
            ok = (dkey(d, s, i) == dkey(d, s, c0) && kind_ok(d, kf, i)) == ws_cpuset_test(x, i);
        if (ok)
            return s;
    }
    return WS_SHARE_LIST;
}

/* Number of groups of a scope among cores of kind kf; mark is scratch of npu + nnodes. */
static uint32_t groups(const struct det *d, int share, int32_t kf, uint8_t *mark)
{
    uint32_t n = 0, size = d->npu + d->t->nnodes;
    memset(mark, 0, size);
    for (uint32_t i = 0; i < d->npu; i++) {
        uint32_t k = dkey(d, share, i);
        if (kind_ok(d, kf, i) && k < size && !mark[k]) {
            mark[k] = 1;
            n++;
        }
    }
    return n;
}

/* Do the instances of kind kf (all if kf < 0) form one spec? Then its scope, else -1. */
static int uniform(const struct det *d, hwloc_obj_t *objs, const struct ws_cpuset *sets, int n,
                   int32_t kf, uint8_t *mark, int *first)
{
    int scope = -1, m = 0;
    for (int i = 0; i < n; i++) {
        if (ws_cpuset_is_empty(&sets[i]) ||
            (kf >= 0 && !ws_cpuset_is_subset(&sets[i], &d->t->kind_cores[kf])))
            continue;
        int s = scope_of(d, &sets[i], kf);
        if (m == 0) {
            scope = s;
            *first = i;
        }
        if (s != scope || s == WS_SHARE_LIST ||
            objs[i]->attr->cache.size != objs[*first]->attr->cache.size ||
            objs[i]->attr->cache.linesize != objs[*first]->attr->cache.linesize)
            return -1;
        m++;
    }
    return m > 0 && (uint32_t)m == groups(d, scope, kf, mark) ? scope : -1;
}

/* Specs of one cache level: one for all, else one per kind, else one per instance. */
static ws_status add_level(struct det *d, uint32_t level, hwloc_obj_t *objs,
                           struct ws_cpuset *sets, int n, uint8_t *mark)
{
    int first = 0, s = uniform(d, objs, sets, n, -1, mark, &first);
    if (s >= 0)
        return ws_topo_add_cache(d->t, level, objs[first]->attr->cache.size,
                                 objs[first]->attr->cache.linesize, (enum ws_cache_share)s, -1,
                                 NULL);
    int per_kind[WS_KIND_COUNT], firsts[WS_KIND_COUNT];
    bool all = true;
    for (int k = 0; k < WS_KIND_COUNT; k++) {
        per_kind[k] = -1;
        if (!ws_cpuset_is_empty(&d->t->kind_cores[k]))
            all &= (per_kind[k] = uniform(d, objs, sets, n, k, mark, &firsts[k])) >= 0;
    }
    ws_status st = WS_OK;
    for (int k = 0; all && st == WS_OK && k < WS_KIND_COUNT; k++)
        if (per_kind[k] >= 0)
            st = ws_topo_add_cache(d->t, level, objs[firsts[k]]->attr->cache.size,
                                   objs[firsts[k]]->attr->cache.linesize,
                                   (enum ws_cache_share)per_kind[k], k, NULL);
    for (int i = 0; !all && st == WS_OK && i < n; i++)
        if (!ws_cpuset_is_empty(&sets[i]))
            st = ws_topo_add_cache(d->t, level, objs[i]->attr->cache.size,
                                   objs[i]->attr->cache.linesize, WS_SHARE_LIST, -1, &sets[i]);
    return st;
}

/* Cache specs for L1d..L4 (kind_cores must be filled first). */
static ws_status add_caches(struct det *d)
{
    static const hwloc_obj_type_t types[WS_TOPO_CACHE_LEVELS] = {
        HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L4CACHE
    };
    uint8_t *mark = ws_malloc(d->npu + d->t->nnodes);
    if (mark == NULL)
        return WS_NOMEM;
    ws_status st = WS_OK;
    for (uint32_t l = 0; l < WS_TOPO_CACHE_LEVELS && st == WS_OK; l++) {
        int n = hwloc_get_nbobjs_by_type(d->h, types[l]);
        if (n <= 0)
            continue;
        hwloc_obj_t *objs = ws_calloc((size_t)n, sizeof(*objs));
        struct ws_cpuset *sets = ws_calloc((size_t)n, sizeof(*sets));
        st = objs && sets ? WS_OK : WS_NOMEM;
        for (int i = 0; st == WS_OK && i < n; i++) {
            objs[i] = hwloc_get_obj_by_type(d->h, types[l], (unsigned)i);
            st = ws_cpuset_init(&sets[i], d->npu);
            if (st == WS_OK)
                to_set(d, objs[i]->cpuset, &sets[i]);
        }
        if (st == WS_OK)
            st = add_level(d, l + 1, objs, sets, n, mark);
        for (int i = 0; sets != NULL && i < n; i++)
            ws_cpuset_destroy(&sets[i]);
        ws_free(sets);
        ws_free(objs);
    }
    ws_free(mark);
    return st;
}

static ws_status build(struct det *d, struct ws_topo_error *err)
{
    ws_status st = read_pus(d);
    if (st != WS_OK)
        return st == WS_NOMEM ? st : dfail(err, "", "hwloc reports no usable processing units");
    uint32_t nclusters = 0;
    if ((st = assign_clusters(d, &nclusters)) != WS_OK)
        return st;
    int nn = hwloc_get_nbobjs_by_type(d->h, HWLOC_OBJ_NUMANODE);
    if ((st = ws_topo_alloc(&d->t, d->npu, nclusters, nn > 0 ? (uint32_t)nn : 1)) != WS_OK)
        return st;
    hwloc_obj_t prev = NULL;
    for (uint32_t i = 0; i < d->npu; i++) {
        struct ws_topo_core *c = &d->t->cores[i];
        /* Logical order keeps a Core's PUs adjacent: a PU starts a new physical core unless
         * it shares the previous PU's Core object. */
        hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(d->h, HWLOC_OBJ_CORE, d->pu[i]);
        c->os_id = (int32_t)d->pu[i]->os_index;
        c->capacity = 0;
        c->phys = (core != NULL && core == prev) ? d->t->cores[i - 1].phys : i;
        prev = core;
        struct ws_topo_cluster *k = &d->t->clusters[d->cluster[i]];
        k->kind = d->kind[i];
        k->node = d->node[i];
        ws_cpuset_set(&k->cores, i);
        ws_cpuset_set(&d->t->kind_cores[d->kind[i]], i);
    }
    fill_nodes(d);
    return add_caches(d);
}

ws_status ws_topo_detect(struct ws_topo **out, struct ws_topo_error *err)
{
    struct det d = { 0 };
    *out = NULL;
    if (hwloc_topology_init(&d.h) != 0)
        return dfail(err, "", "hwloc_topology_init failed");
    if (hwloc_topology_load(d.h) != 0) {
        hwloc_topology_destroy(d.h);
        return dfail(err, "", "hwloc_topology_load failed");
    }
    ws_status st = build(&d, err);
    if (st == WS_OK) {
        hwloc_obj_t pkg = hwloc_get_obj_by_type(d.h, HWLOC_OBJ_PACKAGE, 0);
        const char *model = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") : NULL;
        snprintf(d.t->name, sizeof(d.t->name), "detected");
        snprintf(d.t->description, sizeof(d.t->description), "this host (%s), read by hwloc %s",
                 model ? model : "unknown CPU", HWLOC_VERSION);
        st = ws_topo_add_source(d.t, "hwloc host detection (schedlab topo detect); latencies "
                                     "and power are the format's defaults, not measured");
    }
    if (st == WS_OK)
        st = ws_topo_finish(d.t, err);
    else if (st == WS_NOMEM)
        dfail(err, "", "out of memory");
    hwloc_topology_destroy(d.h);
    ws_free(d.pu);
    ws_free(d.kind);
    ws_free(d.node);
    ws_free(d.id_of_os);
    ws_free(d.cluster);
    if (st != WS_OK) {
        ws_topo_destroy(d.t);
        return st;
    }
    *out = d.t;
    return WS_OK;
}
