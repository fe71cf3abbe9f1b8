/* ws_topo_json.c: reads the JSON topology format (traces/topologies/README.md) into a model,
 * with every refusal naming the field path and its line and column in the text.
 *
 * Parsing runs in three steps: cJSON builds a tree (a syntax error reports cJSON's error
 * position); the tree is checked field by field into an unfinished model (unknown, duplicate,
 * missing and mistyped fields are refused here, each with its path); ws_topo_finish then checks
 * the relations (partition into clusters, SMT groups, cache overlap, SLIT rules). cJSON keeps no
 * positions, so the path of a refused field is mapped back to a position afterwards by walking
 * the original text (locate()), which is valid JSON by then. */
#include "core/ws_topo.h"

#include "core/ws_alloc.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jctx {
    struct ws_topo *t;
    struct ws_topo_error *err;
    uint32_t *cluster_pos;   /* cluster id -> index in the "clusters" array */
    uint32_t *node_pos;      /* node id -> index in "nodes" */
    uint32_t *core_pos;      /* core id -> index in "cores" (UINT32_MAX if not listed) */
};

static ws_status jfail(struct jctx *x, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static ws_status jfail(struct jctx *x, const char *field, const char *fmt, ...)
{
    va_list ap;
    x->err->line = 0;
    x->err->column = 0;
    snprintf(x->err->field, sizeof(x->err->field), "%s", field);
    va_start(ap, fmt);
    vsnprintf(x->err->message, sizeof(x->err->message), fmt, ap);
    va_end(ap);
    return WS_EINVAL;
}

/* path + "." + key, or path + "[i]" (key == NULL). A path too long for buf is cut short
 * (it still names the outer fields). */
static const char *sub(char *buf, size_t len, const char *path, const char *key, uint32_t i)
{
    int n;
    if (key == NULL)
        n = snprintf(buf, len, "%s[%u]", path, i);
    else
        n = snprintf(buf, len, "%s%s%s", path, path[0] ? "." : "", key);
    if (n < 0)
        buf[0] = '\0';
    return buf;
}

/* Refuse keys outside allowed (NULL-terminated) and keys given twice. */
static ws_status check_keys(struct jctx *x, const cJSON *obj, const char *path,
                            const char *const *allowed)
{
    char f[128];
    for (const cJSON *it = obj->child; it != NULL; it = it->next) {
        bool known = false;
        for (const char *const *a = allowed; *a != NULL && !known; a++)
            known = strcmp(*a, it->string) == 0;
        if (!known)
            return jfail(x, sub(f, sizeof f, path, it->string, 0), "unknown field '%s'",
                         it->string);
        for (const cJSON *o = obj->child; o != it; o = o->next)
            if (strcmp(o->string, it->string) == 0)
                return jfail(x, sub(f, sizeof f, path, it->string, 0),
                             "field '%s' is given twice", it->string);
    }
    return WS_OK;
}

static const char *json_type(const cJSON *v)
{
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsObject(v))
        return "an object";
    if (cJSON_IsBool(v))
        return "a boolean";
    return "null";
}

/* Look up obj.key; if missing, refuse when required, else return NULL with *st = WS_OK. */
static const cJSON *field(struct jctx *x, const cJSON *obj, const char *path, const char *key,
                          bool required, ws_status *st)
{
    char f[128];
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *st = WS_OK;
    if (v == NULL && required)
        *st = jfail(x, sub(f, sizeof f, path, key, 0), "missing required field '%s'", key);
    return v;
}

/* An integer in [lo, hi] at value v (path names it). */
static ws_status as_u32(struct jctx *x, const cJSON *v, const char *path, uint32_t lo,
                        uint32_t hi, uint32_t *out)
{
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble))
        return jfail(x, path, "expected an integer, found %s", json_type(v));
    if (v->valuedouble < lo || v->valuedouble > hi)
        return jfail(x, path, "%.17g is outside %u..%u", v->valuedouble, lo, hi);
    *out = (uint32_t)v->valuedouble;
    return WS_OK;
}

static ws_status get_u32(struct jctx *x, const cJSON *obj, const char *path, const char *key,
                         bool required, uint32_t lo, uint32_t hi, uint32_t *out)
{
    char f[128];
    ws_status st;
    const cJSON *v = field(x, obj, path, key, required, &st);
    return v == NULL ? st : as_u32(x, v, sub(f, sizeof f, path, key, 0), lo, hi, out);
}

/* A number >= lo (strictly > lo when strict) at obj.key. */
static ws_status get_num(struct jctx *x, const cJSON *obj, const char *path, const char *key,
                         bool required, double lo, bool strict, double *out)
{
    char f[128];
    ws_status st;
    const cJSON *v = field(x, obj, path, key, required, &st);
    if (v == NULL)
        return st;
    sub(f, sizeof f, path, key, 0);
    if (!cJSON_IsNumber(v))
        return jfail(x, f, "expected a number, found %s", json_type(v));
    if (v->valuedouble < lo || (strict && v->valuedouble == lo) || !isfinite(v->valuedouble))
        return jfail(x, f, "%.17g must be %s %g", v->valuedouble, strict ? ">" : ">=", lo);
    *out = v->valuedouble;
    return WS_OK;
}

/* A core capacity at obj.key, within WS_TOPO_CAP_MIN..WS_TOPO_CAP_MAX. */
static ws_status get_capacity(struct jctx *x, const cJSON *obj, const char *path, double *out)
{
    char f[128];
    ws_status st;
    const cJSON *v = field(x, obj, path, "capacity", false, &st);
    if (v == NULL)
        return st;
    sub(f, sizeof f, path, "capacity", 0);
    if (!cJSON_IsNumber(v))
        return jfail(x, f, "expected a number, found %s", json_type(v));
    if (!(v->valuedouble >= WS_TOPO_CAP_MIN && v->valuedouble <= WS_TOPO_CAP_MAX))
        return jfail(x, f, "%.17g is outside %s (speed relative to a P-core's 1.0)",
                     v->valuedouble, WS_TOPO_CAP_RANGE_TEXT);
    *out = v->valuedouble;
    return WS_OK;
}

static ws_status get_str(struct jctx *x, const cJSON *obj, const char *path, const char *key,
                         bool required, const char **out)
{
    char f[128];
    ws_status st;
    const cJSON *v = field(x, obj, path, key, required, &st);
    if (v == NULL)
        return st;
    if (!cJSON_IsString(v))
        return jfail(x, sub(f, sizeof f, path, key, 0), "expected a string, found %s",
                     json_type(v));
    *out = v->valuestring;
    return WS_OK;
}

static ws_status get_kind(struct jctx *x, const cJSON *obj, const char *path, bool required,
                          int32_t *out)
{
    const char *s = NULL;
    char f[128];
    enum ws_core_kind k;
    ws_status st = get_str(x, obj, path, "kind", required, &s);
    if (st != WS_OK || s == NULL)
        return st;
    if (ws_core_kind_parse(s, &k) != WS_OK)
        return jfail(x, sub(f, sizeof f, path, "kind", 0),
                     "unknown core kind '%s' (P, E or other)", s);
    *out = (int32_t)k;
    return WS_OK;
}

/* A core list: a string "0-3,8" or an array of ids, every id < ncores and none twice. */
static ws_status as_cpuset(struct jctx *x, const cJSON *v, const char *path, struct ws_cpuset *s)
{
    size_t bad = 0;
    if (cJSON_IsString(v)) {
        if (ws_cpuset_parse(s, v->valuestring, &bad) == WS_OK)
            return WS_OK;
        struct ws_cpuset wide;
        if (ws_cpuset_init(&wide, WS_CPUSET_MAX_BITS) != WS_OK)
            return WS_NOMEM;
        bool junk = ws_cpuset_parse(&wide, v->valuestring, &bad) != WS_OK;
        uint32_t last = WS_CPUSET_NONE;
        for (uint32_t c = ws_cpuset_first(&wide); c != WS_CPUSET_NONE; c = ws_cpuset_next(&wide, c))
            last = c;
        ws_cpuset_destroy(&wide);
        if (junk)
            return jfail(x, path, "bad core list '%s' at offset %zu (want e.g. \"0-3,8\")",
                         v->valuestring, bad);
        return jfail(x, path, "core %u is out of range 0..%u", last, s->nbits - 1);
    }
    if (!cJSON_IsArray(v))
        return jfail(x, path, "expected a core list (\"0-3,8\" or [0,1,2]), found %s",
                     json_type(v));
    ws_cpuset_zero(s);
    uint32_t i = 0;
    for (const cJSON *e = v->child; e != NULL; e = e->next, i++) {
        char f[128];
        uint32_t c;
        sub(f, sizeof f, path, NULL, i);
        if (as_u32(x, e, f, 0, UINT32_MAX - 1, &c) != WS_OK)
            return WS_EINVAL;
        if (c >= s->nbits)
            return jfail(x, f, "core %u is out of range 0..%u", c, s->nbits - 1);
        if (ws_cpuset_test(s, c))
            return jfail(x, f, "duplicate core id %u in the list", c);
        ws_cpuset_set(s, c);
    }
    return WS_OK;
}

/* An array field with at least min entries (min 0 allows empty). */
static ws_status get_array(struct jctx *x, const cJSON *obj, const char *key, bool required,
                           int min, const cJSON **out)
{
    ws_status st;
    const cJSON *v = field(x, obj, "", key, required, &st);
    *out = NULL;
    if (v == NULL)
        return st;
    if (!cJSON_IsArray(v))
        return jfail(x, key, "expected an array, found %s", json_type(v));
    if (cJSON_GetArraySize(v) < min)
        return jfail(x, key, "needs at least %d entr%s", min, min == 1 ? "y" : "ies");
    *out = v;
    return WS_OK;
}

/* Entry i of an array of objects, with its id (0..n-1, not seen before: pos[id] unset). */
static ws_status entry_id(struct jctx *x, const cJSON *e, const char *arr, uint32_t i,
                          uint32_t n, uint32_t *pos, const char *const *keys, uint32_t *id)
{
    char f[128], g[128];
    sub(f, sizeof f, arr, NULL, i);
    if (!cJSON_IsObject(e))
        return jfail(x, f, "expected an object, found %s", json_type(e));
    if (check_keys(x, e, f, keys) != WS_OK || get_u32(x, e, f, "id", true, 0, n - 1, id) != WS_OK)
        return WS_EINVAL;
    if (pos[*id] != UINT32_MAX)
        return jfail(x, sub(g, sizeof g, f, "id", 0), "duplicate id %u (also %s[%u])", *id, arr,
                     pos[*id]);
    pos[*id] = i;
    return WS_OK;
}

static ws_status parse_kinds(struct jctx *x, const cJSON *root)
{
    static const char *const keys[] = { "capacity", "power_active_w", "power_idle_w", NULL };
    ws_status st;
    const cJSON *v = field(x, root, "", "kinds", false, &st);
    if (v == NULL)
        return st;
    if (!cJSON_IsObject(v))
        return jfail(x, "kinds", "expected an object, found %s", json_type(v));
    if (check_keys(x, v, "kinds", (const char *const[]){ "P", "E", "other", NULL }) != WS_OK)
        return WS_EINVAL;
    for (const cJSON *k = v->child; k != NULL; k = k->next) {
        char f[128];
        enum ws_core_kind kind;
        sub(f, sizeof f, "kinds", k->string, 0);
        if (ws_core_kind_parse(k->string, &kind) != WS_OK)
            return jfail(x, f, "unknown core kind '%s' (P, E or other)", k->string);
        if (!cJSON_IsObject(k))
            return jfail(x, f, "expected an object, found %s", json_type(k));
        struct ws_topo_kind *tk = &x->t->kinds[kind];
        tk->present = true;
        if (check_keys(x, k, f, keys) != WS_OK ||
            get_capacity(x, k, f, &tk->capacity) != WS_OK ||
            get_num(x, k, f, "power_active_w", false, 0, false, &tk->power_active_w) != WS_OK ||
            get_num(x, k, f, "power_idle_w", false, 0, false, &tk->power_idle_w) != WS_OK)
            return WS_EINVAL;
    }
    return WS_OK;
}

static ws_status parse_nodes(struct jctx *x, const cJSON *arr)
{
    static const char *const keys[] = { "id", "socket", "memory_gb", "bandwidth_gbs", NULL };
    uint32_t i = 0, id;
    for (const cJSON *e = arr->child; e != NULL; e = e->next, i++) {
        char f[128];
        double gb = 0;
        if (entry_id(x, e, "nodes", i, x->t->nnodes, x->node_pos, keys, &id) != WS_OK)
            return WS_EINVAL;
        struct ws_topo_node *n = &x->t->nodes[id];
        sub(f, sizeof f, "nodes", NULL, i);
        if (get_u32(x, e, f, "socket", false, 0, WS_TOPO_MAX_CORES - 1, &n->socket) != WS_OK ||
            get_num(x, e, f, "memory_gb", false, 0, false, &gb) != WS_OK ||
            get_num(x, e, f, "bandwidth_gbs", false, 0, false, &n->bandwidth_gbs) != WS_OK)
            return WS_EINVAL;
        n->memory_bytes = (uint64_t)llround(gb * 1073741824.0);
    }
    return WS_OK;
}

/* "distance": nnodes rows of nnodes integers (required with more than one node). */
static ws_status parse_distance(struct jctx *x, const cJSON *root)
{
    uint32_t n = x->t->nnodes, i = 0;
    const cJSON *v;
    if (get_array(x, root, "distance", n > 1, 0, &v) != WS_OK)
        return WS_EINVAL;
    if (v == NULL)
        return WS_OK;
    if ((uint32_t)cJSON_GetArraySize(v) != n)
        return jfail(x, "distance", "needs %u rows (one per node), found %d", n,
                     cJSON_GetArraySize(v));
    for (const cJSON *row = v->child; row != NULL; row = row->next, i++) {
        char f[128], g[128];
        uint32_t j = 0;
        sub(f, sizeof f, "distance", NULL, i);
        if (!cJSON_IsArray(row) || (uint32_t)cJSON_GetArraySize(row) != n)
            return jfail(x, f, "row %u needs %u entries (one per node), found %s%d", i, n,
                         cJSON_IsArray(row) ? "" : "not an array: ",
                         cJSON_IsArray(row) ? cJSON_GetArraySize(row) : 0);
        for (const cJSON *d = row->child; d != NULL; d = d->next, j++)
            if (as_u32(x, d, sub(g, sizeof g, f, NULL, j), 10, 255,
                       &x->t->distance[(size_t)i * n + j]) != WS_OK)
                return WS_EINVAL;
    }
    return WS_OK;
}

static ws_status parse_clusters(struct jctx *x, const cJSON *arr)
{
    static const char *const keys[] = { "id", "kind", "node", "cores", "smt", "latency_ns", NULL };
    uint32_t i = 0, id;
    for (const cJSON *e = arr->child; e != NULL; e = e->next, i++) {
        char f[128], g[128];
        int32_t kind = 0;
        ws_status st;
        if (entry_id(x, e, "clusters", i, x->t->nclusters, x->cluster_pos, keys, &id) != WS_OK)
            return WS_EINVAL;
        struct ws_topo_cluster *k = &x->t->clusters[id];
        sub(f, sizeof f, "clusters", NULL, i);
        if (get_kind(x, e, f, true, &kind) != WS_OK ||
            get_u32(x, e, f, "node", true, 0, x->t->nnodes - 1, &k->node) != WS_OK ||
            get_u32(x, e, f, "smt", false, 1, 8, &k->smt) != WS_OK ||
            get_u32(x, e, f, "latency_ns", false, 0, 1000000, &k->latency_ns) != WS_OK)
            return WS_EINVAL;
        k->kind = (uint32_t)kind;
        const cJSON *c = field(x, e, f, "cores", true, &st);
        if (c == NULL || (st = as_cpuset(x, c, sub(g, sizeof g, f, "cores", 0), &k->cores)) != WS_OK)
            return st;
    }
    return WS_OK;
}

/* "cores": optional per-core overrides {id, capacity, os_id, phys}. */
static ws_status parse_cores(struct jctx *x, const cJSON *root)
{
    static const char *const keys[] = { "id", "capacity", "os_id", "phys", NULL };
    const cJSON *arr;
    uint32_t i = 0, id;
    if (get_array(x, root, "cores", false, 0, &arr) != WS_OK)
        return WS_EINVAL;
    if (arr == NULL)
        return WS_OK;
    for (const cJSON *e = arr->child; e != NULL; e = e->next, i++) {
        char f[128];
        uint32_t os = 0;
        if (entry_id(x, e, "cores", i, x->t->ncores, x->core_pos, keys, &id) != WS_OK)
            return WS_EINVAL;
        struct ws_topo_core *c = &x->t->cores[id];
        sub(f, sizeof f, "cores", NULL, i);
        if (get_capacity(x, e, f, &c->capacity) != WS_OK ||
            get_u32(x, e, f, "phys", false, 0, x->t->ncores - 1, &c->phys) != WS_OK)
            return WS_EINVAL;
        os = (uint32_t)c->os_id;
        if (get_u32(x, e, f, "os_id", false, 0, INT32_MAX, &os) != WS_OK)
            return WS_EINVAL;
        c->os_id = (int32_t)os;
    }
    return WS_OK;
}

static ws_status parse_cache(struct jctx *x, const cJSON *e, uint32_t i)
{
    static const char *const keys[] = { "level", "size_kb", "line", "share", "kind", "cores", NULL };
    char f[128], g[128];
    uint32_t level = 0, line = 64, share = WS_SHARE_COUNT;
    double kb = 0;
    int32_t kind = -1;
    const char *s = NULL;
    sub(f, sizeof f, "caches", NULL, i);
    if (!cJSON_IsObject(e))
        return jfail(x, f, "expected an object, found %s", json_type(e));
    if (check_keys(x, e, f, keys) != WS_OK ||
        get_u32(x, e, f, "level", true, 1, WS_TOPO_CACHE_LEVELS, &level) != WS_OK ||
        get_num(x, e, f, "size_kb", true, 0, true, &kb) != WS_OK ||
        get_u32(x, e, f, "line", false, 8, 4096, &line) != WS_OK ||
        get_kind(x, e, f, false, &kind) != WS_OK || get_str(x, e, f, "share", false, &s) != WS_OK)
        return WS_EINVAL;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(e, "cores");
    for (uint32_t k = 0; s != NULL && k < WS_SHARE_LIST; k++)
        if (strcmp(s, ws_cache_share_name((enum ws_cache_share)k)) == 0)
            share = k;
    if ((s == NULL) == (list == NULL))
        return jfail(x, f, "give exactly one of 'share' and 'cores'");
    if (s != NULL && share == WS_SHARE_COUNT)
        return jfail(x, sub(g, sizeof g, f, "share", 0),
                     "unknown sharing '%s' (core, cluster, node, socket or machine)", s);
    struct ws_cpuset set = { 0 };
    ws_status st = WS_OK;
    if (list != NULL) {
        share = WS_SHARE_LIST;
        st = ws_cpuset_init(&set, x->t->ncores);
        if (st == WS_OK)
            st = as_cpuset(x, list, sub(g, sizeof g, f, "cores", 0), &set);
    }
    if (st == WS_OK)
        st = ws_topo_add_cache(x->t, level, (uint64_t)llround(kb * 1024), line,
                               (enum ws_cache_share)share, kind, list ? &set : NULL);
    ws_cpuset_destroy(&set);
    return st;
}

static ws_status parse_latency(struct jctx *x, const cJSON *root)
{
    static const char *const keys[] = { "same_core", "smt", "cluster", "node", "remote",
                                        "socket", NULL };
    ws_status st;
    const cJSON *v = field(x, root, "", "latency_ns", false, &st);
    if (v != NULL) {
        if (!cJSON_IsObject(v))
            return jfail(x, "latency_ns", "expected an object, found %s", json_type(v));
        if (check_keys(x, v, "latency_ns", keys) != WS_OK)
            return WS_EINVAL;
        for (int d = 0; d < WS_DIST_COUNT; d++)
            if (get_u32(x, v, "latency_ns", keys[d], false, 0, 1000000,
                        &x->t->latency_class_ns[d]) != WS_OK)
                return WS_EINVAL;
        if (get_u32(x, v, "latency_ns", "socket", false, 0, 1000000,
                    &x->t->latency_socket_ns) != WS_OK)
            return WS_EINVAL;
    }
    const cJSON *m;
    uint32_t n = x->t->ncores, i = 0;
    if (get_array(x, root, "latency_matrix", false, 0, &m) != WS_OK)
        return WS_EINVAL;
    if (m == NULL)
        return WS_OK;
    if ((uint32_t)cJSON_GetArraySize(m) != n)
        return jfail(x, "latency_matrix", "needs %u rows (one per core), found %d", n,
                     cJSON_GetArraySize(m));
    uint32_t *ns = ws_malloc((size_t)n * n * sizeof(*ns));
    if (ns == NULL)
        return WS_NOMEM;
    for (const cJSON *row = m->child; row != NULL && st == WS_OK; row = row->next, i++) {
        char f[128], g[128];
        uint32_t j = 0;
        sub(f, sizeof f, "latency_matrix", NULL, i);
        if (!cJSON_IsArray(row) || (uint32_t)cJSON_GetArraySize(row) != n)
            st = jfail(x, f, "each row needs %u entries (one per core)", n);
        for (const cJSON *d = row->child; d != NULL && st == WS_OK; d = d->next, j++)
            st = as_u32(x, d, sub(g, sizeof g, f, NULL, j), 0, 1000000, &ns[(size_t)i * n + j]);
    }
    if (st == WS_OK)
        st = ws_topo_set_latency_matrix(x->t, ns);
    ws_free(ns);
    return st;
}

/* Everything after the counts are known: fill the allocated model x->t from root. */
static ws_status parse_body(struct jctx *x, const cJSON *root, const cJSON *nodes,
                            const cJSON *clusters)
{
    const char *s = NULL;
    const cJSON *src, *caches;
    ws_status st;
    if (get_str(x, root, "", "name", true, &s) != WS_OK)
        return WS_EINVAL;
    if (strlen(s) == 0 || strlen(s) >= WS_TOPO_NAME_MAX)
        return jfail(x, "name", "a name needs 1..%d characters", WS_TOPO_NAME_MAX - 1);
    snprintf(x->t->name, sizeof(x->t->name), "%s", s);
    s = "";
    if (get_str(x, root, "", "description", false, &s) != WS_OK)
        return WS_EINVAL;
    snprintf(x->t->description, sizeof(x->t->description), "%s", s);
    if (get_array(x, root, "sources", false, 0, &src) != WS_OK)
        return WS_EINVAL;
    uint32_t i = 0;
    for (const cJSON *e = src ? src->child : NULL; e != NULL; e = e->next, i++) {
        char f[128];
        if (!cJSON_IsString(e))
            return jfail(x, sub(f, sizeof f, "sources", NULL, i), "expected a string, found %s",
                         json_type(e));
        if ((st = ws_topo_add_source(x->t, e->valuestring)) != WS_OK)
            return st;
    }
    if ((st = parse_kinds(x, root)) != WS_OK || (st = parse_nodes(x, nodes)) != WS_OK ||
        (st = parse_distance(x, root)) != WS_OK || (st = parse_clusters(x, clusters)) != WS_OK ||
        (st = parse_cores(x, root)) != WS_OK)
        return st;
    if (get_array(x, root, "caches", false, 0, &caches) != WS_OK)
        return WS_EINVAL;
    i = 0;
    for (const cJSON *e = caches ? caches->child : NULL; e != NULL; e = e->next, i++)
        if ((st = parse_cache(x, e, i)) != WS_OK)
            return st;
    return parse_latency(x, root);
}

/* Rewrite "clusters[ID]...", "nodes[ID]...", "cores[ID]..." from ws_topo_finish (ids) into
 * positions in the arrays of the text; a core without an entry in "cores" names its cluster. */
static void ids_to_positions(struct jctx *x)
{
    static const char *const arrays[] = { "clusters[", "nodes[", "cores[" };
    uint32_t *const pos[] = { x->cluster_pos, x->node_pos, x->core_pos };
    const uint32_t n[] = { x->t->nclusters, x->t->nnodes, x->t->ncores };
    char *f = x->err->field, tail[128];
    for (int a = 0; a < 3; a++) {
        size_t len = strlen(arrays[a]);
        unsigned id;
        int used = 0;
        if (strncmp(f, arrays[a], len) != 0 || sscanf(f + len, "%u]%n", &id, &used) != 1 ||
            used == 0 || id >= n[a])
            continue;
        snprintf(tail, sizeof tail, "%s", f + len + used);
        if (pos[a][id] != UINT32_MAX) {
            if (snprintf(f, sizeof(x->err->field), "%.*s%u]%s", (int)len, arrays[a],
                         pos[a][id], tail) < 0)
                f[0] = '\0';
        } else if (a == 2) {
            snprintf(f, sizeof(x->err->field), "clusters[%u].cores",
                     x->cluster_pos[x->t->cores[id].cluster]);
        }
        return;
    }
}

/* ---- mapping a field path back to a position in the text -------------------------------- */

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* p at '"': the position after the closing quote. */
static const char *skip_string(const char *p, const char *end)
{
    for (p++; p < end && *p != '"'; p++)
        if (*p == '\\')
            p++;
    return p < end ? p + 1 : end;
}

/* p at the start of a value: the position after it (brackets matched iteratively). */
static const char *skip_value(const char *p, const char *end)
{
    if (p < end && *p == '"')
        return skip_string(p, end);
    if (p < end && (*p == '{' || *p == '[')) {
        int depth = 0;
        while (p < end) {
            if (*p == '"') {
                p = skip_string(p, end);
                continue;
            }
            if (*p == '{' || *p == '[')
                depth++;
            else if ((*p == '}' || *p == ']') && --depth == 0)
                return p + 1;
            p++;
        }
        return end;
    }
    while (p < end && *p != '\0' && strchr(",]} \t\r\n", *p) == NULL)
        p++;
    return p;
}

/* p at '{': start of the value of member key (length klen), or NULL. */
static const char *find_member(const char *p, const char *end, const char *key, size_t klen)
{
    for (p = skip_ws(p + 1, end); p < end && *p == '"'; p = skip_ws(p + 1, end)) {
        const char *k = p + 1, *after = skip_string(p, end);
        bool match = (size_t)(after - 1 - k) == klen && strncmp(k, key, klen) == 0;
        p = skip_ws(after, end);
        if (p >= end || *p != ':')
            return NULL;
        p = skip_ws(p + 1, end);
        if (match)
            return p;
        p = skip_ws(skip_value(p, end), end);
        if (p >= end || *p != ',')
            return NULL;
    }
    return NULL;
}

/* p at '[': start of element idx, or NULL. */
static const char *find_element(const char *p, const char *end, unsigned long idx)
{
    p = skip_ws(p + 1, end);
    for (unsigned long i = 0; p < end && *p != ']'; i++) {
        if (i == idx)
            return p;
        p = skip_ws(skip_value(p, end), end);
        if (p >= end || *p != ',')
            return NULL;
        p = skip_ws(p + 1, end);
    }
    return NULL;
}

/* Where the deepest existing part of path ("clusters[2].cores") starts in text. */
static const char *locate(const char *text, size_t len, const char *path)
{
    const char *end = text + len, *cur = skip_ws(text, end), *s = path;
    while (*s != '\0' && cur < end) {
        const char *next;
        if (*s == '[') {
            char *after;
            unsigned long idx = strtoul(s + 1, &after, 10);
            if (*cur != '[' || *after != ']')
                break;
            next = find_element(cur, end, idx);
            s = after + 1;
        } else {
            if (*s == '.')
                s++;
            size_t klen = strcspn(s, ".[");
            if (*cur != '{')
                break;
            next = find_member(cur, end, s, klen);
            s += klen;
        }
        if (next == NULL)
            break;
        cur = next;
    }
    return cur;
}

/* Line and column (1-based) of position p in text. */
static void line_col(const char *text, const char *p, struct ws_topo_error *err)
{
    err->line = 1;
    err->column = 1;
    for (const char *q = text; q < p; q++) {
        if (*q == '\n') {
            err->line++;
            err->column = 1;
        } else {
            err->column++;
        }
    }
}

/* Counts from the document, allocation, the body, finish. */
static ws_status parse_root(struct jctx *x, const cJSON *root)
{
    static const char *const keys[] = { "name", "description", "sources", "ncores", "kinds",
                                        "nodes", "distance", "clusters", "cores", "caches",
                                        "latency_ns", "latency_matrix", NULL };
    const cJSON *nodes, *clusters;
    uint32_t ncores;
    ws_status st;
    if (!cJSON_IsObject(root))
        return jfail(x, "", "a topology is a JSON object, not %s", json_type(root));
    if (check_keys(x, root, "", keys) != WS_OK ||
        get_u32(x, root, "", "ncores", true, 1, WS_TOPO_MAX_CORES, &ncores) != WS_OK ||
        get_array(x, root, "nodes", true, 1, &nodes) != WS_OK ||
        get_array(x, root, "clusters", true, 1, &clusters) != WS_OK)
        return WS_EINVAL;
    uint32_t nn = (uint32_t)cJSON_GetArraySize(nodes), nc = (uint32_t)cJSON_GetArraySize(clusters);
    if (nc > ncores)
        return jfail(x, "clusters", "%u clusters for %u cores: a cluster needs a core", nc, ncores);
    if (nn > WS_TOPO_MAX_CORES)
        return jfail(x, "nodes", "more than %u nodes", WS_TOPO_MAX_CORES);
    if ((st = ws_topo_alloc(&x->t, ncores, nc, nn)) != WS_OK)
        return st;
    x->cluster_pos = ws_malloc(nc * sizeof(uint32_t));
    x->node_pos = ws_malloc(nn * sizeof(uint32_t));
    x->core_pos = ws_malloc(ncores * sizeof(uint32_t));
    if (x->cluster_pos == NULL || x->node_pos == NULL || x->core_pos == NULL)
        return WS_NOMEM;
    memset(x->cluster_pos, 0xff, nc * sizeof(uint32_t));
    memset(x->node_pos, 0xff, nn * sizeof(uint32_t));
    memset(x->core_pos, 0xff, ncores * sizeof(uint32_t));
    for (uint32_t c = 0; c < ncores; c++)
        x->t->cores[c].capacity = 0;  /* 0 = the kind's capacity, set by finish */
    if ((st = parse_body(x, root, nodes, clusters)) != WS_OK)
        return st;
    st = ws_topo_finish(x->t, x->err);
    if (st == WS_EINVAL)
        ids_to_positions(x);
    return st;
}

ws_status ws_topo_parse_json(const char *text, size_t len, struct ws_topo **out,
                             struct ws_topo_error *err)
{
    struct ws_topo_error scratch;
    struct jctx x = { .err = err ? err : &scratch };
    memset(x.err, 0, sizeof(*x.err));
    *out = NULL;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (root == NULL) {
        jfail(&x, "", "JSON syntax error");
        line_col(text, end != NULL && end >= text && end <= text + len ? end : text, x.err);
        return WS_EINVAL;
    }
    ws_status st = parse_root(&x, root);
    cJSON_Delete(root);
    ws_free(x.cluster_pos);
    ws_free(x.node_pos);
    ws_free(x.core_pos);
    if (st != WS_OK) {
        if (st == WS_NOMEM)
            jfail(&x, "", "out of memory");
        else
            line_col(text, locate(text, len, x.err->field), x.err);
        ws_topo_destroy(x.t);
        return st;
    }
    *out = x.t;
    return WS_OK;
}
