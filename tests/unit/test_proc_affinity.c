/* test_proc_affinity.c: affinity changes at run time: ws_proc_update_affinity says when a strict
 * mask excludes the current core and leaves the process unchanged on bad input; get returns
 * what was set; the trace reader decodes AFFINITY phases and the writer writes them back. */
#include "core/ws_proc.h"
#include "sim/trace/import/sim_import.h"
#include "sim/trace/sim_trace_src.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static void set_of(struct ws_cpuset *s, uint32_t width, const char *list)
{
    cr_assert_eq(ws_cpuset_init(s, width), WS_OK);
    cr_assert_eq(ws_cpuset_parse(s, list, NULL), WS_OK);
}

Test(proc_affinity, strict_change_away_from_current_core_must_move)
{
    struct ws_proc p;
    struct ws_cpuset e, pc, got;
    ws_proc_init(&p, 7);
    set_of(&e, 8, "0-3");
    set_of(&pc, 8, "4-7");
    cr_assert_eq(ws_proc_set_affinity(&p, WS_AFF_STRICT, &e, -1), WS_OK);
    p.cur_core = 2;
    bool move = true;
    cr_assert_eq(ws_proc_update_affinity(&p, WS_AFF_STRICT, &e, -1, &move), WS_OK);
    cr_assert(!move, "still allowed on core 2");
    cr_assert_eq(ws_proc_update_affinity(&p, WS_AFF_STRICT, &pc, 5, &move), WS_OK);
    cr_assert(move, "core 2 is not in 4-7");
    enum ws_aff_kind k;
    int32_t pref;
    cr_assert_eq(ws_proc_get_affinity(&p, &k, &got, &pref), WS_OK);
    cr_assert(k == WS_AFF_STRICT && pref == 5 && ws_cpuset_equal(&got, &pc));
    ws_cpuset_destroy(&got);
    /* bad input: an empty strict mask changes nothing */
    struct ws_cpuset empty;
    set_of(&empty, 8, "");
    move = false;
    cr_assert_eq(ws_proc_update_affinity(&p, WS_AFF_STRICT, &empty, -1, &move), WS_EINVAL);
    cr_assert(!move && p.aff_kind == WS_AFF_STRICT && ws_cpuset_equal(&p.cores, &pc));
    /* clearing never forces a move */
    cr_assert_eq(ws_proc_update_affinity(&p, WS_AFF_NONE, NULL, -1, &move), WS_OK);
    cr_assert(!move && p.aff_kind == WS_AFF_NONE && p.pref_core == -1);
    cr_assert(ws_proc_allowed(&p, 2));
    ws_cpuset_destroy(&e);
    ws_cpuset_destroy(&pc);
    ws_cpuset_destroy(&empty);
    ws_proc_fini(&p);
}

Test(proc_affinity, trace_phases_decode_and_write_back)
{
    const char *path = "traces/samples/affinity_move.jsonl";
    char err[512];
    struct sim_trace *t = sim_trace_open(path, NULL, err, sizeof err);
    cr_assert_not_null(t, "%s", err);
    struct sim_trace_rec *r;
    cr_assert_eq(sim_trace_next_root(t, &r), SIM_TRACE_OK);
    cr_assert_eq(r->phases[1].kind, SIM_PHASE_AFFINITY);
    struct sim_trace_aff_change a;
    sim_trace_aff_change(r, &r->phases[1], &a);
    cr_assert(a.set_aff && a.set_max && a.kind == SIM_AFF_STRICT && a.max_migrations == 1);
    cr_assert(a.ncores == 4 && a.cores[0] == 4 && a.cores[3] == 7 && a.preferred == -1);
    sim_trace_aff_change(r, &r->phases[3], &a);
    cr_assert(a.set_aff && !a.set_max && a.kind == SIM_AFF_NONE && a.ncores == 0);
    char buf[1024] = { 0 };
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    cr_assert_eq(sim_trace_write_rec(f, r, NULL), 0);
    fclose(f);
    cr_assert(strstr(buf, "[\"affinity\",{\"kind\":\"strict\",\"cores\":[4,5,6,7],"
                          "\"max_migrations\":1}]") != NULL, "%s", buf);
    cr_assert(strstr(buf, "[\"affinity\",{\"kind\":\"none\"}]") != NULL, "%s", buf);
    sim_trace_release(t, r);
    cr_assert_eq(sim_trace_next_root(t, &r), SIM_TRACE_OK);
    sim_trace_aff_change(r, &r->phases[3], &a);
    cr_assert(!a.set_aff && a.set_max && a.max_migrations == 0);
    sim_trace_release(t, r);
    sim_trace_close(t);
}
