/* nat_work.c: parsing a native workload, and the answers its run is checked against: F(n),
 * the nqueens solution counts, the published UTS tree sizes (or a sequential count). */
#include "native/nat_work.h"
#include "sim/trace/import/sim_import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* From ../shared/traces/uts/uts_reference_trees.tsv (Olivier et al., LCPC 2006; BOTS). */
static const struct { const char *name; uint64_t size; } uts_sizes[] = {
    { "default", 1732ull },           { "T1", 4130071ull },           { "T5", 4147582ull },
    { "T2", 4117769ull },             { "T3", 4112897ull },           { "T4", 4132453ull },
    { "T1L", 102181082ull },          { "T2L", 96793510ull },         { "T3L", 111345631ull },
    { "BOTS-tiny", 30399117ull },     { "T1XL", 1635119272ull },
    { "BOTS-medium", 1606963542ull },
    { "T1XXL", 4230646601ull },       { "T3XXL", 2793220501ull },     { "T2XXL", 10612052303ull },
    { "T1WL", 270751679750ull },      { "T2WL", 295393891003ull },    { "T3WL", 157063495159ull },
};

/* ../shared/traces/README.md, and OEIS A000170 for 15..17. */
static const uint64_t nq_solutions[] = { 0, 1, 0, 0, 2, 10, 4, 40, 92, 352, 724, 2680, 14200,
                                         73712, 365596, 2279184, 14772512, 95815104 };

uint64_t nat_fib_value(uint32_t n)
{
    uint64_t a = 0, b = 1;
    for (uint32_t i = 0; i < n && i < 93; i++) {
        uint64_t c = a + b;
        a = b;
        b = c;
    }
    return a;
}

uint64_t nat_nqueens_solutions(uint32_t n)
{
    return n < sizeof nq_solutions / sizeof nq_solutions[0] ? nq_solutions[n] : 0;
}

uint64_t nat_uts_published(const char *name)
{
    for (size_t i = 0; i < sizeof uts_sizes / sizeof uts_sizes[0]; i++)
        if (strcmp(uts_sizes[i].name, name) == 0)
            return uts_sizes[i].size;
    return 0;
}

uint64_t nat_uts_count(const struct sim_uts_params *p)
{
    struct node { uint8_t d[SIM_UTS_DIGEST]; uint32_t depth; };
    size_t cap = 1024, n = 1;
    struct node *st = malloc(cap * sizeof(*st));
    if (st == NULL)
        return 0;
    sim_uts_root(p->root_seed, st[0].d);
    st[0].depth = 0;
    uint64_t count = 0;
    while (n > 0) {
        struct node x = st[--n];
        count++;
        int k = sim_uts_num_children(p, x.d, x.depth);
        if (n + (size_t)k > cap) {
            while (n + (size_t)k > cap)
                cap *= 2;
            struct node *g = realloc(st, cap * sizeof(*st));
            if (g == NULL) {
                free(st);
                return 0;
            }
            st = g;
        }
        for (int i = 0; i < k; i++) {
            nat_uts_child(x.d, (uint32_t)i, st[n].d);
            st[n++].depth = x.depth + 1;
        }
    }
    free(st);
    return count;
}

/* Value of key in a canonical spec "kind:k=v,k=v"; NULL if absent (buf receives it). */
static const char *spec_value(const char *canonical, const char *key, char *buf, size_t len)
{
    const char *s = strchr(canonical, ':');
    size_t klen = strlen(key);
    while (s != NULL) {
        s++;
        if (strncmp(s, key, klen) == 0 && s[klen] == '=') {
            const char *v = s + klen + 1, *end = strchr(v, ',');
            size_t n = end ? (size_t)(end - v) : strlen(v);
            snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), v);
            return buf;
        }
        s = strchr(s, ',');
    }
    return NULL;
}

static double num(const char *canonical, const char *key)
{
    char buf[64];
    return spec_value(canonical, key, buf, sizeof buf) ? strtod(buf, NULL) : 0.0;
}

/* A computed workload runs its own code: work= and ws= of its generator spec would describe
 * busy work it does not do. -1 with a message naming the field when spec gives one. */
static int reject_busy_work(const char *spec, char *err, size_t errlen)
{
    static const char *const keys[] = { "work", "ws" };
    for (const char *s = strpbrk(spec, ":,"); s != NULL; s = strpbrk(s + 1, ",")) {
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            size_t n = strlen(keys[k]);
            if (strncmp(s + 1, keys[k], n) == 0 && s[1 + n] == '=') {
                snprintf(err, errlen, "%s: %s: a computed workload runs its own code, not busy "
                         "work of a given size; replay the trace (native --replay) to run "
                         "%s=", spec, keys[k], keys[k]);
                return -1;
            }
        }
    }
    return 0;
}

static bool uts_equal(const struct sim_uts_params *a, const struct sim_uts_params *b)
{
    return a->type == b->type && a->shape == b->shape && a->gen_mx == b->gen_mx &&
           a->b0 == b->b0 && a->root_seed == b->root_seed && a->q == b->q && a->m == b->m;
}

static void parse_uts(struct nat_workload *wl)
{
    struct sim_uts_params *u = &wl->uts;
    const char *c = wl->canonical;
    u->type = (int)num(c, "t");
    u->shape = (int)num(c, "a");
    u->gen_mx = (int)num(c, "d");
    u->b0 = num(c, "b");
    u->root_seed = (int)num(c, "r");
    u->q = num(c, "q");
    u->m = (int)num(c, "m");
    for (size_t i = 0; i < sizeof uts_sizes / sizeof uts_sizes[0]; i++) {
        struct sim_uts_params p;
        if (sim_uts_preset(uts_sizes[i].name, &p) && uts_equal(&p, u)) {
            snprintf(wl->uts_set, sizeof wl->uts_set, "%s", uts_sizes[i].name);
            wl->expected = uts_sizes[i].size;
            break;
        }
    }
    if (wl->expected == 0)
        wl->expected = nat_uts_count(u);   /* no published size: count it here */
    wl->expected_processes = wl->expected;
    wl->tally_name = "nodes";
}

int nat_work_parse(const char *spec, bool force_replay, struct nat_workload *wl, char *err,
                   size_t errlen)
{
    memset(wl, 0, sizeof(*wl));
    snprintf(wl->spec, sizeof wl->spec, "%s", spec);
    if (strncmp(spec, "chain:", 6) == 0) {
        char *end;
        unsigned long long n = strtoull(spec + 6, &end, 10);
        if (*end != '\0' || n == 0 || n > (1ull << 32) - 1) {
            snprintf(err, errlen, "%s: n: want a chain length 1..4294967295", spec);
            return -1;
        }
        wl->kind = NAT_WORK_CHAIN;
        wl->n = (uint32_t)n;
        wl->expected = wl->expected_processes = n;
        wl->tally_name = "chain";
        snprintf(wl->canonical, sizeof wl->canonical, "chain:n=%llu", n);
        snprintf(wl->checksum, sizeof wl->checksum, "-");
        return 0;
    }
    struct sim_trace *t = sim_trace_open(spec, NULL, err, errlen);
    if (t == NULL)
        return -1;
    const struct sim_trace_info *info = sim_trace_info(t);
    snprintf(wl->canonical, sizeof wl->canonical, "%s", info->canonical);
    const char *sum = sim_trace_checksum(t);
    if (sum == NULL) {
        snprintf(err, errlen, "%s", sim_trace_error(t));
        sim_trace_close(t);
        return -1;
    }
    snprintf(wl->checksum, sizeof wl->checksum, "%s", sum);
    const char *kind = info->kind;
    wl->kind = NAT_WORK_REPLAY;
    if (!force_replay && strcmp(kind, "fib") == 0) {
        wl->kind = NAT_WORK_FIB;
        wl->n = (uint32_t)num(wl->canonical, "n");
        wl->expected = nat_fib_value(wl->n);
        wl->expected_processes = 2 * nat_fib_value(wl->n + 1) - 1;
        wl->tally_name = "result";
    } else if (!force_replay && strcmp(kind, "nqueens") == 0) {
        wl->kind = NAT_WORK_NQUEENS;
        wl->n = (uint32_t)num(wl->canonical, "n");
        wl->expected = nat_nqueens_solutions(wl->n);
        wl->tally_name = "solutions";
    } else if (!force_replay && strcmp(kind, "uts") == 0) {
        wl->kind = NAT_WORK_UTS;
        parse_uts(wl);
    }
    sim_trace_close(t);
    return wl->kind == NAT_WORK_REPLAY ? 0 : reject_busy_work(spec, err, errlen);
}
