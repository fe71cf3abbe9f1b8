/* ws_topo_json_write.c: writes a model in the JSON topology format ws_topo_parse_json reads,
 * in canonical form (ids in order, core lists as ranges, defaults left out of "cores"), so that
 * writing, parsing and writing again gives the same text. */
#include "core/ws_topo.h"

#include "core/ws_alloc.h"

#include <cjson/cJSON.h>
#include <string.h>

/* Add a core list as "0-3,8" text; false on allocation failure. */
static bool add_cpuset(cJSON *obj, const char *key, const struct ws_cpuset *s)
{
    size_t n = ws_cpuset_format(s, NULL, 0) + 1;
    char *buf = ws_malloc(n);
    if (buf == NULL)
        return false;
    ws_cpuset_format(s, buf, n);
    bool ok = cJSON_AddStringToObject(obj, key, buf) != NULL;
    ws_free(buf);
    return ok;
}

/* Add an array of n unsigned numbers. */
static cJSON *u32_array(const uint32_t *v, uint32_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (uint32_t i = 0; a != NULL && i < n; i++)
        if (!cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]))) {
            cJSON_Delete(a);
            return NULL;
        }
    return a;
}

/* Add rows x cols matrix m as an array of arrays. */
static bool add_matrix(cJSON *obj, const char *key, const uint32_t *m, uint32_t n)
{
    cJSON *a = cJSON_AddArrayToObject(obj, key);
    for (uint32_t i = 0; a != NULL && i < n; i++)
        if (!cJSON_AddItemToArray(a, u32_array(m + (size_t)i * n, n)))
            return false;
    return a != NULL;
}

static bool add_kinds(cJSON *root, const struct ws_topo *t)
{
    cJSON *kinds = cJSON_AddObjectToObject(root, "kinds");
    for (int k = 0; kinds != NULL && k < WS_KIND_COUNT; k++) {
        if (!t->kinds[k].present)
            continue;
        cJSON *o = cJSON_AddObjectToObject(kinds, ws_core_kind_name((enum ws_core_kind)k));
        if (o == NULL || !cJSON_AddNumberToObject(o, "capacity", t->kinds[k].capacity) ||
            !cJSON_AddNumberToObject(o, "power_active_w", t->kinds[k].power_active_w) ||
            !cJSON_AddNumberToObject(o, "power_idle_w", t->kinds[k].power_idle_w))
            return false;
    }
    return kinds != NULL;
}

static bool add_nodes(cJSON *root, const struct ws_topo *t)
{
    cJSON *nodes = cJSON_AddArrayToObject(root, "nodes");
    for (uint32_t i = 0; nodes != NULL && i < t->nnodes; i++) {
        const struct ws_topo_node *n = &t->nodes[i];
        cJSON *o = cJSON_CreateObject();
        if (!cJSON_AddItemToArray(nodes, o) || !cJSON_AddNumberToObject(o, "id", n->id) ||
            !cJSON_AddNumberToObject(o, "socket", n->socket) ||
            !cJSON_AddNumberToObject(o, "memory_gb", (double)n->memory_bytes / 1073741824.0) ||
            !cJSON_AddNumberToObject(o, "bandwidth_gbs", n->bandwidth_gbs))
            return false;
    }
    return nodes != NULL && (t->nnodes == 1 || add_matrix(root, "distance", t->distance, t->nnodes));
}

static bool add_clusters(cJSON *root, const struct ws_topo *t)
{
    cJSON *arr = cJSON_AddArrayToObject(root, "clusters");
    for (uint32_t i = 0; arr != NULL && i < t->nclusters; i++) {
        const struct ws_topo_cluster *k = &t->clusters[i];
        cJSON *o = cJSON_CreateObject();
        if (!cJSON_AddItemToArray(arr, o) || !cJSON_AddNumberToObject(o, "id", k->id) ||
            !cJSON_AddStringToObject(o, "kind", ws_core_kind_name((enum ws_core_kind)k->kind)) ||
            !cJSON_AddNumberToObject(o, "node", k->node) || !add_cpuset(o, "cores", &k->cores))
            return false;
        if (k->smt > 1 && !cJSON_AddNumberToObject(o, "smt", k->smt))
            return false;
        if (k->latency_ns != 0 && !cJSON_AddNumberToObject(o, "latency_ns", k->latency_ns))
            return false;
    }
    return arr != NULL;
}

/* "cores": only cores with something other than the defaults (capacity of the kind, os_id ==
 * id, SMT grouping implied by the cluster's smt). */
static bool add_cores(cJSON *root, const struct ws_topo *t)
{
    cJSON *arr = NULL;
    for (uint32_t c = 0; c < t->ncores; c++) {
        const struct ws_topo_core *x = &t->cores[c];
        bool cap = x->capacity != t->kinds[x->kind].capacity, os = x->os_id != (int32_t)c;
        bool phys = x->phys != c && t->clusters[x->cluster].smt == 1;
        if (!cap && !os && !phys)
            continue;
        if (arr == NULL && (arr = cJSON_AddArrayToObject(root, "cores")) == NULL)
            return false;
        cJSON *o = cJSON_CreateObject();
        if (!cJSON_AddItemToArray(arr, o) || !cJSON_AddNumberToObject(o, "id", c) ||
            (cap && !cJSON_AddNumberToObject(o, "capacity", x->capacity)) ||
            (os && !cJSON_AddNumberToObject(o, "os_id", x->os_id)) ||
            (phys && !cJSON_AddNumberToObject(o, "phys", x->phys)))
            return false;
    }
    return true;
}

static bool add_caches(cJSON *root, const struct ws_topo *t)
{
    if (t->ncache_specs == 0)
        return true;
    cJSON *arr = cJSON_AddArrayToObject(root, "caches");
    for (uint32_t i = 0; arr != NULL && i < t->ncache_specs; i++) {
        const struct ws_topo_cache_spec *s = &t->cache_specs[i];
        cJSON *o = cJSON_CreateObject();
        if (!cJSON_AddItemToArray(arr, o) || !cJSON_AddNumberToObject(o, "level", s->level) ||
            !cJSON_AddNumberToObject(o, "size_kb", (double)s->size_bytes / 1024.0) ||
            !cJSON_AddNumberToObject(o, "line", s->line_bytes))
            return false;
        bool ok = s->share == WS_SHARE_LIST
                      ? add_cpuset(o, "cores", &s->cores)
                      : cJSON_AddStringToObject(o, "share",
                                                ws_cache_share_name((enum ws_cache_share)s->share))
                            != NULL;
        if (!ok || (s->kind >= 0 &&
                    !cJSON_AddStringToObject(o, "kind",
                                             ws_core_kind_name((enum ws_core_kind)s->kind))))
            return false;
    }
    return arr != NULL;
}

static bool add_latency(cJSON *root, const struct ws_topo *t)
{
    cJSON *o = cJSON_AddObjectToObject(root, "latency_ns");
    for (int d = 0; o != NULL && d < WS_DIST_COUNT; d++)
        if (!cJSON_AddNumberToObject(o, ws_dist_class_name((enum ws_dist_class)d),
                                     t->latency_class_ns[d]))
            return false;
    if (o == NULL || !cJSON_AddNumberToObject(o, "socket", t->latency_socket_ns))
        return false;
    return t->latency_matrix == NULL ||
           add_matrix(root, "latency_matrix", t->latency_matrix, t->ncores);
}

static cJSON *build(const struct ws_topo *t)
{
    cJSON *root = cJSON_CreateObject();
    if (root == NULL || !cJSON_AddStringToObject(root, "name", t->name) ||
        !cJSON_AddStringToObject(root, "description", t->description))
        goto fail;
    cJSON *src = cJSON_AddArrayToObject(root, "sources");
    for (uint32_t i = 0; src != NULL && i < t->nsources; i++)
        if (!cJSON_AddItemToArray(src, cJSON_CreateString(t->sources[i])))
            goto fail;
    if (src == NULL || !cJSON_AddNumberToObject(root, "ncores", t->ncores) ||
        !add_kinds(root, t) || !add_nodes(root, t) || !add_clusters(root, t) ||
        !add_cores(root, t) || !add_caches(root, t) || !add_latency(root, t))
        goto fail;
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}

char *ws_topo_to_json(const struct ws_topo *t, bool pretty)
{
    cJSON *root = build(t);
    if (root == NULL)
        return NULL;
    char *s = pretty ? cJSON_Print(root) : cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return s;
}

void ws_topo_json_free(char *text)
{
    cJSON_free(text);
}
