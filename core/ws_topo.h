/* ws_topo.h: the machine model shared by the simulator and the native runtime: cores and their
 * kinds, clusters, caches, NUMA nodes, distances, core-to-core latency and power.
 *
 * The model
 * ---------
 * A machine has ncores logical cores numbered 0..ncores-1 (schedlab's ids; os_id maps them to
 * the operating system's CPU numbers for pinning). Every core belongs to exactly one cluster
 * (the cores sharing an L2 or an L3 slice: an Apple P or E cluster, an AMD CCX, an Intel E-core
 * module), every cluster to exactly one NUMA node, every node to one socket. SMT siblings are
 * cores with the same `phys` (physical core) and always lie in one cluster. A cluster is of one
 * kind (P, E or other), and so are its cores.
 *
 * Caches are described by specs (level, size, who shares it: "core" = one physical core,
 * "cluster", "node", "socket", "machine", or an explicit core list, optionally restricted to
 * one kind); ws_topo_finish expands them into instances, and each core records, per level, the
 * instance it uses (or -1). Level 1 means the L1 data cache; level 4 a system-level cache.
 *
 * Distance classes order how far apart two cores are:
 *   SAME_CORE < SMT (siblings) < CLUSTER (same cluster) < NODE (same NUMA node, other cluster)
 *   < REMOTE (other NUMA node).
 * Core-to-core latency (the cost of a steal or a wake-up in the simulator) is, in order of
 * precedence: the explicit matrix if the model has one; else for CLUSTER pairs the cluster's
 * own latency if set; for REMOTE pairs on different sockets the cross-socket latency; else the
 * latency of the pair's distance class.
 *
 * Invariants after a successful ws_topo_finish (checked by ws_topo_check):
 *   1. 1 <= ncores <= WS_TOPO_MAX_CORES; cores[i].id == i; likewise for clusters, nodes.
 *   2. The clusters' core sets partition 0..ncores-1; cores[c].cluster names the cluster whose
 *      set holds c; cores[c].node == clusters[cores[c].cluster].node; nodes[n].cores is the
 *      union of its clusters' sets; cores[c].socket == nodes[cores[c].node].socket.
 *   3. Cores with equal phys (SMT siblings) are in one cluster, and phys is the smallest id
 *      among them (finish rewrites any labels the description used into this form).
 *   4. distance is nnodes x nnodes, distance[i][i] == 10, off-diagonal entries >= 10.
 *   5. At each cache level the instances' core sets are disjoint; cores[c].cache[l-1] names the
 *      instance of level l holding c, or -1.
 *   6. kind_cores[k] holds exactly the cores of kind k; kinds[k].ncores is its count.
 * Every field is read-only to users once finished; the queries below are O(1) and allocation-
 * free, safe from any number of threads at once. Only the construction functions (parse, synth,
 * detect, finish) allocate, all through ws_alloc.h. core/ never prints: errors come back in a
 * struct ws_topo_error that the command line turns into "FILE:LINE:COL: FIELD: MESSAGE". */
#ifndef WS_TOPO_H
#define WS_TOPO_H

#include "core/ws_common.h"
#include "core/ws_cpuset.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WS_TOPO_MAX_CORES        16384u  /* cores per model (the issue asks for >= 4,096) */
#define WS_TOPO_CACHE_LEVELS     4       /* L1 (data) .. L4 (system-level cache) */
#define WS_TOPO_NAME_MAX         64
#define WS_TOPO_DESC_MAX         256
/* Core capacity (speed relative to a P-core's 1.0) lies in [WS_TOPO_CAP_MIN, WS_TOPO_CAP_MAX]:
 * with work up to 2^53 ns per phase (ws_time.h) one phase then lasts < 2^60 ns of simulated
 * time, and a time slice of a few ns still does whole ns of work (no rounding to nothing). */
#define WS_TOPO_CAP_MIN          0.01
#define WS_TOPO_CAP_MAX          100.0
#define WS_TOPO_CAP_RANGE_TEXT   "0.01..100"

/* Core kinds, ordered from most to least capable. */
enum ws_core_kind {
    WS_KIND_P = 0,      /* performance */
    WS_KIND_E = 1,      /* efficiency */
    WS_KIND_OTHER = 2,  /* anything else (low-power island, accelerator core, unknown) */
    WS_KIND_COUNT
};

/* How far apart two cores are; ordered nearest first. */
enum ws_dist_class {
    WS_DIST_SAME_CORE = 0,  /* a == b */
    WS_DIST_SMT,            /* SMT siblings of one physical core */
    WS_DIST_CLUSTER,        /* same cluster (share an L2 / L3 slice) */
    WS_DIST_NODE,           /* same NUMA node, different cluster */
    WS_DIST_REMOTE,         /* different NUMA node */
    WS_DIST_COUNT
};

/* Who shares one instance of a cache spec. */
enum ws_cache_share {
    WS_SHARE_CORE = 0,   /* one physical core (its SMT siblings) */
    WS_SHARE_CLUSTER,
    WS_SHARE_NODE,
    WS_SHARE_SOCKET,
    WS_SHARE_MACHINE,
    WS_SHARE_LIST,       /* exactly the cores of spec.cores (one instance) */
    WS_SHARE_COUNT
};

struct ws_topo_core {
    uint32_t id;          /* == index in cores[] */
    int32_t  os_id;       /* operating-system CPU number for pinning; -1 if unknown */
    uint32_t kind;        /* enum ws_core_kind (== its cluster's kind) */
    double   capacity;    /* relative speed; a P-core is 1.0 */
    uint32_t cluster;     /* index in clusters[] */
    uint32_t node;        /* index in nodes[] */
    uint32_t socket;      /* == nodes[node].socket */
    uint32_t phys;        /* physical core: SMT siblings share it */
    int32_t  cache[WS_TOPO_CACHE_LEVELS]; /* [l-1]: instance in caches[] of level l, or -1 */
};

struct ws_topo_cluster {
    uint32_t id;          /* == index */
    uint32_t kind;        /* enum ws_core_kind of all its cores */
    uint32_t node;        /* NUMA node holding it */
    uint32_t latency_ns;  /* core-to-core latency inside the cluster; 0 = use the class value */
    uint32_t smt;         /* threads per physical core used to group its cores (>= 1) */
    struct ws_cpuset cores;
};

struct ws_topo_node {
    uint32_t id;             /* == index */
    uint32_t socket;
    uint64_t memory_bytes;   /* 0 = unknown */
    double   bandwidth_gbs;  /* memory bandwidth, GB/s; 0 = unknown */
    struct ws_cpuset cores;  /* filled by ws_topo_finish */
};

/* A cache as described (one JSON entry); expanded into instances by ws_topo_finish. */
struct ws_topo_cache_spec {
    uint32_t level;          /* 1 .. WS_TOPO_CACHE_LEVELS */
    uint64_t size_bytes;     /* per instance */
    uint32_t line_bytes;
    uint32_t share;          /* enum ws_cache_share */
    int32_t  kind;           /* only cores of this kind get it; -1 = all */
    struct ws_cpuset cores;  /* WS_SHARE_LIST only; zero-width otherwise */
};

/* One physical cache. */
struct ws_topo_cache {
    uint32_t level;
    uint64_t size_bytes;
    uint32_t line_bytes;
    uint32_t spec;           /* index in cache_specs[] */
    struct ws_cpuset cores;  /* cores sharing it */
};

struct ws_topo_kind {
    double   capacity;         /* default capacity of cores of this kind */
    double   power_active_w;   /* per core while running; 0 = unknown */
    double   power_idle_w;     /* per core while idle; 0 = unknown */
    uint32_t ncores;           /* filled by ws_topo_finish */
    bool     present;          /* some core is of this kind, or the description lists it */
};

/* What two cores share: the smallest common cache level and its size; level 0 = none. */
struct ws_topo_shared {
    uint32_t level;
    uint64_t size_bytes;
};

struct ws_topo {
    char name[WS_TOPO_NAME_MAX];
    char description[WS_TOPO_DESC_MAX];
    char **sources;              /* nsources strings (where the numbers come from) */
    uint32_t nsources;

    uint32_t ncores, nclusters, nnodes, nsockets;
    struct ws_topo_core *cores;
    struct ws_topo_cluster *clusters;
    struct ws_topo_node *nodes;
    uint32_t *distance;          /* nnodes x nnodes, row-major, SLIT style (10 = local) */

    uint32_t ncache_specs, ncaches;
    struct ws_topo_cache_spec *cache_specs;
    struct ws_topo_cache *caches;

    struct ws_topo_kind kinds[WS_KIND_COUNT];
    struct ws_cpuset kind_cores[WS_KIND_COUNT];

    uint32_t latency_class_ns[WS_DIST_COUNT]; /* per distance class */
    uint32_t latency_socket_ns;  /* REMOTE pairs on different sockets */
    uint32_t *latency_matrix;    /* ncores x ncores explicit override, or NULL */
};

/* Where and why a description was refused. line/column are 1-based positions in the text
 * (0 when unknown, e.g. for synth specs and detection); field is a path such as
 * "cores[3].cluster" ("" for the document itself). */
struct ws_topo_error {
    int  line;
    int  column;
    char field[128];
    char message[256];
};

/* ---- names --------------------------------------------------------------------------- */

const char *ws_core_kind_name(enum ws_core_kind k);      /* "P", "E", "other" */
ws_status ws_core_kind_parse(const char *s, enum ws_core_kind *out); /* also "p", "e" */
const char *ws_dist_class_name(enum ws_dist_class d);    /* "same_core", "smt", ... */
const char *ws_cache_share_name(enum ws_cache_share s);  /* "core", "cluster", ... */

/* ---- construction -------------------------------------------------------------------- */

/* Parse a JSON description (format: traces/topologies/README.md) from text[0..len).
 * On success *out owns a finished model. On error returns WS_EINVAL (or WS_NOMEM), *out is
 * NULL and *err says where and why. */
ws_status ws_topo_parse_json(const char *text, size_t len, struct ws_topo **out,
                             struct ws_topo_error *err);

/* The model as JSON text in the format ws_topo_parse_json reads (pretty = indented).
 * Parsing the result gives an equal model. NULL on allocation failure. Free with
 * ws_topo_json_free. */
char *ws_topo_to_json(const struct ws_topo *t, bool pretty);
void ws_topo_json_free(char *text);

/* Build a synthetic machine from a spec "key=value,..." (a leading "synth:" is skipped).
 * Keys: p, e (core counts per kind), sockets, nodes, clusters, smt (threads per P-core),
 * ecap (E-core capacity). "p=M" alone is M identical P-cores in one cluster and one node.
 * WS_EINVAL with *err naming the key on a bad spec. */
ws_status ws_topo_synth(const char *spec, struct ws_topo **out, struct ws_topo_error *err);

/* Read the running machine with hwloc (core kinds via hwloc's CPU-kinds interface where the
 * hardware reports them). The only part of core/ that reads the system. */
ws_status ws_topo_detect(struct ws_topo **out, struct ws_topo_error *err);

/* Allocate an unfinished model with room for the given counts (1 <= nclusters <= ncores):
 * ids set to their index, os_id = phys = index, capacity 0 (= the kind's, set by finish),
 * caches -1, cluster smt 1 and empty core sets of width ncores, distance 10 on the diagonal and
 * 0 elsewhere, the default latencies, kind capacities P 1.0 / E 0.5 / other 0.5. Fill
 * clusters[] (kind, node, cores, ...), nodes[], distance and any core overrides, then call
 * ws_topo_finish. WS_EINVAL on bad counts, WS_NOMEM; *out NULL on error. */
ws_status ws_topo_alloc(struct ws_topo **out, uint32_t ncores, uint32_t nclusters,
                        uint32_t nnodes);

/* Add a cache spec to an unfinished model (cores may be NULL unless share == WS_SHARE_LIST;
 * it is copied). */
ws_status ws_topo_add_cache(struct ws_topo *t, uint32_t level, uint64_t size_bytes,
                            uint32_t line_bytes, enum ws_cache_share share, int32_t kind,
                            const struct ws_cpuset *cores);

/* Add a source citation (copied). */
ws_status ws_topo_add_source(struct ws_topo *t, const char *source);

/* Set an explicit ncores x ncores latency matrix (copied), replacing any previous one. */
ws_status ws_topo_set_latency_matrix(struct ws_topo *t, const uint32_t *ns);

/* Validate the filled-in fields against the invariants above and derive the rest (core
 * cluster/node/socket/cache fields from the cluster sets, node sets, cache instances, kind
 * sets and counts). On error returns WS_EINVAL with *err naming the field (paths as in the
 * JSON format: "clusters[2].cores", "distance", ...); the model must then only be destroyed. */
ws_status ws_topo_finish(struct ws_topo *t, struct ws_topo_error *err);

/* Free a model (finished or not). NULL is a no-op. */
void ws_topo_destroy(struct ws_topo *t);

/* NULL if the invariants of a finished model hold, else a sentence naming the first broken. */
const char *ws_topo_check(const struct ws_topo *t);

/* ---- queries (finished model; O(1), no allocation, any thread) ---------------------------- */

static inline uint32_t ws_topo_ncores(const struct ws_topo *t)
{
    return t->ncores;
}

static inline enum ws_core_kind ws_topo_core_kind(const struct ws_topo *t, uint32_t c)
{
    return (enum ws_core_kind)t->cores[c].kind;
}

static inline double ws_topo_capacity(const struct ws_topo *t, uint32_t c)
{
    return t->cores[c].capacity;
}

static inline uint32_t ws_topo_cluster_of(const struct ws_topo *t, uint32_t c)
{
    return t->cores[c].cluster;
}

static inline uint32_t ws_topo_node_of(const struct ws_topo *t, uint32_t c)
{
    return t->cores[c].node;
}

/* How far apart cores a and b are (both < ncores). */
static inline enum ws_dist_class ws_topo_dist_class(const struct ws_topo *t, uint32_t a,
                                                    uint32_t b)
{
    const struct ws_topo_core *x = &t->cores[a], *y = &t->cores[b];
    if (a == b)
        return WS_DIST_SAME_CORE;
    if (x->phys == y->phys)
        return WS_DIST_SMT;
    if (x->cluster == y->cluster)
        return WS_DIST_CLUSTER;
    if (x->node == y->node)
        return WS_DIST_NODE;
    return WS_DIST_REMOTE;
}

/* Core-to-core latency in ns (precedence in the essay above). */
static inline uint32_t ws_topo_latency_ns(const struct ws_topo *t, uint32_t a, uint32_t b)
{
    if (t->latency_matrix != NULL)
        return t->latency_matrix[(size_t)a * t->ncores + b];
    enum ws_dist_class d = ws_topo_dist_class(t, a, b);
    if (d == WS_DIST_CLUSTER && t->clusters[t->cores[a].cluster].latency_ns != 0)
        return t->clusters[t->cores[a].cluster].latency_ns;
    if (d == WS_DIST_REMOTE && t->cores[a].socket != t->cores[b].socket)
        return t->latency_socket_ns;
    return t->latency_class_ns[d];
}

/* SLIT distance between NUMA nodes na and nb (10 = local). */
static inline uint32_t ws_topo_node_distance(const struct ws_topo *t, uint32_t na, uint32_t nb)
{
    return t->distance[(size_t)na * t->nnodes + nb];
}

/* The smallest cache level cores a and b both use one instance of, and its size;
 * {0, 0} if they share none. For a == b that is the core's L1 (if described). */
static inline struct ws_topo_shared ws_topo_shared_cache(const struct ws_topo *t, uint32_t a,
                                                         uint32_t b)
{
    struct ws_topo_shared r = { 0, 0 };
    for (uint32_t l = 0; l < WS_TOPO_CACHE_LEVELS; l++) {
        int32_t i = t->cores[a].cache[l];
        if (i >= 0 && i == t->cores[b].cache[l]) {
            r.level = l + 1;
            r.size_bytes = t->caches[i].size_bytes;
            break;
        }
    }
    return r;
}

/* Power of one core of kind k, running (active) or idle, in watts (0 = unknown). */
static inline double ws_topo_power_w(const struct ws_topo *t, enum ws_core_kind k, bool active)
{
    return active ? t->kinds[k].power_active_w : t->kinds[k].power_idle_w;
}

/* Add core c's SMT siblings (including c) to set, which must be ncores wide. O(ncores). */
void ws_topo_smt_siblings(const struct ws_topo *t, uint32_t c, struct ws_cpuset *set);

#endif
