/* cmd_topo.c: `schedlab topo list | show | validate | detect`: browse, check and export
 * machine models. */
#include "sim/cli/cli.h"
#include "sim/cli/commands.h"
#include "sim/util/sim_outfile.h"
#include "sim/engine/sim_topo.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define ERR_LEN 1024
#define SHOW_MAX_CLUSTERS 16  /* clusters listed one by one; the rest are summarised */

struct topo_opts {
    bool json;
    const char *out;  /* -o FILE */
};

/* One line per kind: count, capacity, power. */
static void show_kinds(const struct ws_topo *t)
{
    for (int k = 0; k < WS_KIND_COUNT; k++) {
        const struct ws_topo_kind *x = &t->kinds[k];
        if (x->ncores == 0)
            continue;
        printf("  %-6s %5u cores, capacity %.2f, power %.2f W active / %.3f W idle\n",
               ws_core_kind_name((enum ws_core_kind)k), x->ncores, x->capacity,
               x->power_active_w, x->power_idle_w);
    }
}

static void show_clusters(const struct ws_topo *t)
{
    char set[256];
    printf("clusters: %u\n", t->nclusters);
    for (uint32_t i = 0; i < t->nclusters && i < SHOW_MAX_CLUSTERS; i++) {
        const struct ws_topo_cluster *k = &t->clusters[i];
        ws_cpuset_format(&k->cores, set, sizeof(set));
        printf("  #%-4u %-5s node %-3u cores %s", i, ws_core_kind_name((enum ws_core_kind)k->kind),
               k->node, set);
        if (k->smt > 1)
            printf(" (SMT x%u)", k->smt);
        if (k->latency_ns != 0)
            printf(", %u ns inside", k->latency_ns);
        putchar('\n');
    }
    if (t->nclusters > SHOW_MAX_CLUSTERS)
        printf("  ... and %u more\n", t->nclusters - SHOW_MAX_CLUSTERS);
}

static void show_nodes(const struct ws_topo *t)
{
    char set[256];
    printf("NUMA nodes: %u on %u socket%s\n", t->nnodes, t->nsockets, t->nsockets == 1 ? "" : "s");
    for (uint32_t i = 0; i < t->nnodes && i < SHOW_MAX_CLUSTERS; i++) {
        const struct ws_topo_node *n = &t->nodes[i];
        ws_cpuset_format(&n->cores, set, sizeof(set));
        printf("  #%-4u socket %-3u %8.1f GiB %7.1f GB/s  cores %s\n", i, n->socket,
               (double)n->memory_bytes / 1073741824.0, n->bandwidth_gbs, set);
    }
    if (t->nnodes > 1 && t->nnodes <= SHOW_MAX_CLUSTERS) {
        printf("  distance:\n");
        for (uint32_t i = 0; i < t->nnodes; i++) {
            printf("   ");
            for (uint32_t j = 0; j < t->nnodes; j++)
                printf(" %3u", ws_topo_node_distance(t, i, j));
            putchar('\n');
        }
    }
}

static void show_caches(const struct ws_topo *t)
{
    if (t->ncache_specs == 0)
        return;
    printf("caches:\n");
    for (uint32_t i = 0; i < t->ncache_specs; i++) {
        const struct ws_topo_cache_spec *s = &t->cache_specs[i];
        char who[128];
        if (s->share == WS_SHARE_LIST)
            ws_cpuset_format(&s->cores, who, sizeof(who));
        else
            snprintf(who, sizeof(who), "per %s", ws_cache_share_name((enum ws_cache_share)s->share));
        printf("  L%u %8.0f KiB %s%s%s\n", s->level, (double)s->size_bytes / 1024.0,
               s->share == WS_SHARE_LIST ? "cores " : "", who,
               s->kind >= 0 ? (s->kind == WS_KIND_P ? " (P cores)" : s->kind == WS_KIND_E
                               ? " (E cores)" : " (other cores)") : "");
    }
}

/* Latency by class, with the range actually seen when a matrix or per-cluster values apply. */
static void show_latency(const struct ws_topo *t)
{
    uint32_t lo[WS_DIST_COUNT], hi[WS_DIST_COUNT];
    for (int d = 0; d < WS_DIST_COUNT; d++) {
        lo[d] = UINT32_MAX;
        hi[d] = 0;
    }
    /* Sample pairs: all of them up to 256 cores, else core 0 and a stride of the rest. */
    uint32_t n = t->ncores, step = n <= 256 ? 1 : n / 256;
    for (uint32_t a = 0; a < n; a += step)
        for (uint32_t b = 0; b < n; b++) {
            enum ws_dist_class d = ws_topo_dist_class(t, a, b);
            uint32_t ns = ws_topo_latency_ns(t, a, b);
            lo[d] = ns < lo[d] ? ns : lo[d];
            hi[d] = ns > hi[d] ? ns : hi[d];
        }
    printf("latency classes (core to core, ns)%s:\n",
           t->latency_matrix ? " from the explicit matrix" : "");
    for (int d = 0; d < WS_DIST_COUNT; d++) {
        if (lo[d] == UINT32_MAX)
            continue;
        printf("  %-10s", ws_dist_class_name((enum ws_dist_class)d));
        if (lo[d] == hi[d])
            printf(" %u\n", lo[d]);
        else
            printf(" %u..%u\n", lo[d], hi[d]);
    }
}

static void show_summary(const struct ws_topo *t)
{
    printf("%s: %s\n", t->name, t->description);
    printf("cores: %u\n", t->ncores);
    show_kinds(t);
    show_clusters(t);
    show_nodes(t);
    show_caches(t);
    show_latency(t);
    for (uint32_t i = 0; i < t->nsources; i++)
        printf("%s %s\n", i == 0 ? "sources:" : "        ", t->sources[i]);
}

/* Print t as JSON on f; 0 or -1 when out of memory. */
static int print_json(FILE *f, const struct ws_topo *t)
{
    char *s = ws_topo_to_json(t, true);
    if (s == NULL)
        return -1;
    fputs(s, f);
    fputc('\n', f);
    ws_topo_json_free(s);
    return 0;
}

static int topo_list(const struct topo_opts *o)
{
    char err[ERR_LEN], **names;
    int n = sim_topo_list(&names, err, sizeof(err));
    if (n < 0)
        return sim_cli_fail("topo", "%s", err);
    int rc = SIM_EXIT_OK;
    if (o->json)
        printf("[");
    for (int i = 0; i < n; i++) {
        struct ws_topo *t;
        if (sim_topo_load(names[i], &t, err, sizeof(err)) != 0) {
            fprintf(stderr, "schedlab topo: %s\n", err);
            rc = SIM_EXIT_FAIL;
            continue;
        }
        if (o->json)
            printf("%s{\"name\":\"%s\",\"ncores\":%u}", i ? "," : "", names[i], t->ncores);
        else
            printf("%-16s %5u cores  %s\n", names[i], t->ncores, t->description);
        ws_topo_destroy(t);
    }
    if (o->json)
        printf("]\n");
    printf("%s", o->json ? "" : "(also: synth:p=N[,e=N,sockets=N,nodes=N,clusters=N,smt=N,ecap=X])\n");
    sim_topo_names_free(names, n);
    return rc;
}

static int topo_show(const char *name, const struct topo_opts *o, bool validate_only)
{
    char err[ERR_LEN];
    struct ws_topo *t;
    if (sim_topo_load(name, &t, err, sizeof(err)) != 0)
        return sim_cli_fail("topo", "%s", err);
    int rc = SIM_EXIT_OK;
    if (validate_only)
        printf("%s: ok (%u cores, %u clusters, %u NUMA nodes)\n", name, t->ncores,
               t->nclusters, t->nnodes);
    else if (o->json)
        rc = print_json(stdout, t) == 0 ? SIM_EXIT_OK : sim_cli_fail("topo", "out of memory");
    else
        show_summary(t);
    ws_topo_destroy(t);
    return rc;
}

static int topo_detect(const struct topo_opts *o)
{
    struct ws_topo *t;
    struct ws_topo_error e;
    char err[ERR_LEN];
    if (ws_topo_detect(&t, &e) != WS_OK) {
        sim_topo_format_error(err, sizeof(err), "hwloc", &e);
        return sim_cli_fail("topo", "detect: %s", err);
    }
    int rc = SIM_EXIT_OK;
    if (o->out == NULL) {
        rc = print_json(stdout, t) == 0 ? SIM_EXIT_OK : sim_cli_fail("topo", "out of memory");
    } else {
        struct sim_outfile out;
        if (sim_outfile_open(&out, o->out) != 0 ||
            sim_outfile_close(&out, print_json(out.f, t) == 0) != 0)
            rc = sim_cli_fail("topo", "cannot write %s: %s", o->out, strerror(errno));
        else
            fprintf(stderr, "wrote %s (%u cores, %u clusters, %u NUMA nodes)\n", o->out,
                    t->ncores, t->nclusters, t->nnodes);
    }
    ws_topo_destroy(t);
    return rc;
}

int sim_cmd_topo(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "json", no_argument, NULL, 'j' },
        { "output", required_argument, NULL, 'o' },
        { NULL, 0, NULL, 0 },
    };
    struct topo_opts o = { false, NULL };
    int c;
    while ((c = sim_cli_getopt("topo", argc, argv, ":o:", longopts)) != -1) {
        if (c == '?')
            return SIM_EXIT_USAGE;
        if (c == 'j')
            o.json = true;
        else if (c == 'o')
            o.out = optarg;
    }
    if (optind >= argc)
        return sim_cli_usage_error("topo", "which subcommand? (list, show, validate, detect)");
    const char *sub = argv[optind];
    int nargs = argc - optind - 1;
    bool wants_arg = strcmp(sub, "show") == 0 || strcmp(sub, "validate") == 0;
    if (!wants_arg && strcmp(sub, "list") != 0 && strcmp(sub, "detect") != 0)
        return sim_cli_usage_error("topo", "unknown subcommand '%s'", sub);
    if (nargs != (wants_arg ? 1 : 0))
        return sim_cli_usage_error("topo", "'%s' takes %s", sub,
                                   wants_arg ? "one NAME or FILE" : "no arguments");
    if (o.out != NULL && strcmp(sub, "detect") != 0)
        return sim_cli_usage_error("topo", "-o is for 'detect' only");
    if (strcmp(sub, "list") == 0)
        return topo_list(&o);
    if (strcmp(sub, "detect") == 0)
        return topo_detect(&o);
    return topo_show(argv[optind + 1], &o, strcmp(sub, "validate") == 0);
}
