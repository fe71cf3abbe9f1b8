/* test_uts.c: the UTS generator against the published reference counts (the default tree here;
 * T1..T5 in tests/cli/uts.sh), and the tree rules against a direct recursive count. */
#include "sim/trace/import/sim_import.h"
#include "sim/trace/sim_uts.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ref {
    unsigned long long size, depth, leaves;
};

/* Row `name` of $SCHEDLAB_SHARED/traces/uts/uts_reference_trees.tsv; false (and a loud note)
 * if the shared data is missing. */
static bool reference(const char *name, struct ref *r)
{
    const char *shared = getenv("SCHEDLAB_SHARED");
    char path[1024], line[1024];
    snprintf(path, sizeof path, "%s/traces/uts/uts_reference_trees.tsv",
             shared != NULL ? shared : "../shared");
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "\n*** SKIPPING UTS reference checks: %s is missing ***\n\n", path);
        return false;
    }
    bool found = false;
    while (!found && fgets(line, sizeof line, f) != NULL) {
        char *save, *col[7];
        int n = 0;
        for (char *c = strtok_r(line, "\t\n", &save); c != NULL && n < 7;
             c = strtok_r(NULL, "\t\n", &save))
            col[n++] = c;
        if (n >= 6 && strcmp(col[0], name) == 0) {
            r->size = strtoull(col[3], NULL, 10);
            r->depth = strtoull(col[4], NULL, 10);
            r->leaves = strtoull(col[5], NULL, 10);
            found = true;
        }
    }
    fclose(f);
    cr_assert(found, "no row %s in %s", name, path);
    return true;
}

static struct sim_trace_stats walk(const char *spec)
{
    char err[512];
    struct sim_trace_stats st;
    struct sim_trace *t = sim_trace_open(spec, NULL, err, sizeof err);
    cr_assert_not_null(t, "%s", err);
    cr_assert_eq(sim_trace_walk(t, &st, NULL, NULL), SIM_TRACE_OK, "%s", sim_trace_error(t));
    sim_trace_close(t);
    return st;
}

Test(uts, default_tree_matches_reference)
{
    struct ref r;
    if (!reference("default", &r))
        cr_skip_test("shared traces missing (set SCHEDLAB_SHARED)");
    struct sim_trace_stats st = walk("uts:default");
    cr_assert_eq(st.processes, r.size);
    cr_assert_eq(st.max_depth, r.depth);
    cr_assert_eq(st.leaves, r.leaves);
    cr_assert_eq(st.phases[SIM_PHASE_SPAWN], r.size - 1);
    cr_assert_eq(st.critical_path_ns, 1000 * (r.depth + 1), "one run per level");
}

/* Direct recursive count with the tree rules alone (no records, no trace machinery). */
static void count(const struct sim_uts_params *p, const uint8_t s[SIM_UTS_DIGEST], uint32_t d,
                  struct ref *r)
{
    int k = sim_uts_num_children(p, s, d);
    r->size++;
    r->leaves += k == 0;
    if (d > r->depth)
        r->depth = d;
    for (int i = 0; i < k; i++) {
        uint8_t c[SIM_UTS_DIGEST];
        sim_uts_child(s, (uint32_t)i, c);
        count(p, c, d + 1, r);
    }
}

static void same_as_direct(const char *spec, const struct sim_uts_params *p)
{
    struct ref r = { 0, 0, 0 };
    uint8_t s[SIM_UTS_DIGEST];
    sim_uts_root(p->root_seed, s);
    count(p, s, 0, &r);
    struct sim_trace_stats st = walk(spec);
    cr_assert_eq(st.processes, r.size, "%s: %llu vs %llu", spec,
                 (unsigned long long)st.processes, r.size);
    cr_assert_eq(st.leaves, r.leaves, "%s", spec);
    cr_assert_eq(st.max_depth, r.depth, "%s", spec);
    cr_assert_gt(r.size, 10, "%s: a trivial tree tests nothing", spec);
}

Test(uts, generator_follows_the_rules)
{
    struct sim_uts_params p;
    sim_uts_defaults(&p);
    same_as_direct("uts:", &p);
    p = (struct sim_uts_params){ SIM_UTS_BIN, 0, 6, 50, 7, 0.2, 4 };
    same_as_direct("uts:t=0,b=50,r=7,q=0.2,m=4", &p);
    p = (struct sim_uts_params){ SIM_UTS_HYBRID, SIM_UTS_LINEAR, 8, 4, 1, 0.2, 4 };
    same_as_direct("uts:t=2,a=0,d=8,b=4,r=1,q=0.2", &p);
    cr_assert_gt(walk("uts:t=2,a=0,d=8,b=4,r=1,q=0.2").max_depth, 4, "reaches the BIN part");
    p = (struct sim_uts_params){ SIM_UTS_GEO, SIM_UTS_CYCLIC, 6, 3, 11, 0, 0 };
    same_as_direct("uts:t=1,a=2,d=6,b=3,r=11", &p);
    p = (struct sim_uts_params){ SIM_UTS_GEO, SIM_UTS_EXPDEC, 6, 3, 1, 0, 0 };
    same_as_direct("uts:t=1,a=1,d=6,b=3,r=1", &p);
}

Test(uts, bin_root_has_floor_b_children)
{
    struct sim_trace_stats st = walk("uts:t=0,b=7.5,q=0,m=4");
    cr_assert_eq(st.processes, 8);
    cr_assert_eq(st.max_depth, 1);
    uint8_t s[SIM_UTS_DIGEST];
    struct sim_uts_params p = { SIM_UTS_BIN, 0, 6, 7.5, 0, 0, 4 };
    sim_uts_root(0, s);
    cr_assert_eq(sim_uts_num_children(&p, s, 0), 7);
}

Test(uts, named_sets_are_their_parameters)
{
    static const struct { const char *name, *canonical; } sets[] = {
        { "uts:T1", "uts:t=1,a=3,d=10,b=4,r=19,q=0.234375,m=4,work=1000,ws=4096" },
        { "uts:T3", "uts:t=0,a=0,d=6,b=2000,r=42,q=0.124875,m=8,work=1000,ws=4096" },
        { "uts:t3l", "uts:t=0,a=0,d=6,b=2000,r=7,q=0.200014,m=5,work=1000,ws=4096" },
        { "uts:T2XXL", "uts:t=0,a=0,d=6,b=2000,r=0,q=0.499999995,m=2,work=1000,ws=4096" },
        { "uts:T1,d=3,work=5", "uts:t=1,a=3,d=3,b=4,r=19,q=0.234375,m=4,work=5,ws=4096" },
    };
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        char err[512];
        struct sim_trace *t = sim_trace_open(sets[i].name, NULL, err, sizeof err);
        cr_assert_not_null(t, "%s", err);
        cr_assert_str_eq(sim_trace_info(t)->canonical, sets[i].canonical);
        sim_trace_close(t);
    }
    struct sim_uts_params p;
    cr_assert(!sim_uts_preset("T9", &p));
}
