/* test_import.c: the importers through their API: line shapes of ftrace and perf text, format
 * sniffing and import specs, the drop report's counts, records served by an imported source
 * (roots, children, phases), pid reuse, and errors that name file and line. */
#include "sim/trace/import/sim_import.h"
#include "sim/trace/import/sim_import_int.h"
#include "sim/trace/sim_trace.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static void tmp_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "/tmp/schedlab-import-%d-%s", (int)getpid(), name);
}

static struct sched_ev parse_ok(const char *line, enum sim_import_format f)
{
    struct sched_ev ev;
    char err[256];
    cr_assert_eq(sim_sched_line_parse(line, f, &ev, err, sizeof err), 0, "%s: %s", line, err);
    return ev;
}

Test(import_line, ftrace_key_value_with_flags_and_tgid)
{
    struct sched_ev ev = parse_ok("  Web Content-4242  (   4200) [003] d..2.  12.000500: "
                                  "sched_switch: prev_comm=Web Content prev_pid=4242 "
                                  "prev_prio=120 prev_state=R+ ==> next_comm=a-b next_pid=7 "
                                  "next_prio=98", SIM_IMPORT_FTRACE);
    cr_assert_eq(ev.kind, SEV_SWITCH);
    cr_assert_eq(ev.ctx, 4242);
    cr_assert_eq(ev.ts_ns, 12000500000ULL);
    cr_assert_eq(ev.pid, 4242);
    cr_assert_eq(ev.pid2, 7);
    cr_assert_str_eq(ev.state, "R+");
    cr_assert_eq(ev.prio2, 98);
    cr_assert(!ev.irq);
}

Test(import_line, ftrace_irq_context_and_nanoseconds)
{
    struct sched_ev ev = parse_ok("          <idle>-0       [001] d.h3.  5.123456789: "
                                  "sched_waking: comm=kworker/1:2 pid=55 prio=120 "
                                  "target_cpu=001", SIM_IMPORT_FTRACE);
    cr_assert_eq(ev.kind, SEV_WAKING);
    cr_assert(ev.irq);
    cr_assert_eq(ev.pid, 55);
    cr_assert_eq(ev.ts_ns, 5123456789ULL);
}

Test(import_line, trace_cmd_plugin_forms)
{
    struct sched_ev ev = parse_ok("    kworker/0:1-12    [000]  100.000001: sched_switch:  "
                                  "kworker/0:1:12 [120] S ==> ksoftirqd/0:9 [120]",
                                  SIM_IMPORT_FTRACE);
    cr_assert_eq(ev.pid, 12);
    cr_assert_eq(ev.pid2, 9);
    cr_assert_str_eq(ev.state, "S");
    ev = parse_ok("  bash-300 [001]  100.000002: sched_wakeup: cat:301 [120] success=1 CPU:000",
                  SIM_IMPORT_FTRACE);
    cr_assert_eq(ev.kind, SEV_WAKEUP);
    cr_assert_eq(ev.pid, 301);
    cr_assert_eq(ev.prio, 120);
}

Test(import_line, perf_shapes)
{
    struct sched_ev ev = parse_ok(" kworker/1:0-eve    23 [001]  2346.406052: sched:sched_waking: "
                                  "comm=tokio-rt-worker pid=68 prio=120 target_cpu=001",
                                  SIM_IMPORT_PERF);
    cr_assert_eq(ev.ctx, 23);
    cr_assert_eq(ev.pid, 68);
    ev = parse_ok("  java 100/104 [002] 1.000000:   1 sched:sched_process_fork: comm=java pid=104 "
                  "child_comm=java child_pid=105", SIM_IMPORT_PERF);
    cr_assert_eq(ev.kind, SEV_FORK);
    cr_assert_eq(ev.ctx, 104);
    cr_assert_eq(ev.pid2, 105);
    ev = parse_ok("             :-1    -1 [001]  3200.219639: sched:sched_switch: prev_comm=k "
                  "prev_pid=380 prev_prio=120 prev_state=R+ ==> next_comm=k next_pid=32 "
                  "next_prio=120", SIM_IMPORT_PERF);
    cr_assert(ev.ctx_unknown);
    cr_assert_eq(ev.ctx, 0);
    ev = parse_ok("  perf 1 [000] 1.5: sched:sched_stat_runtime: comm=perf pid=1 runtime=5 [ns]",
                  SIM_IMPORT_PERF);
    cr_assert_eq(ev.kind, SEV_OTHER);
}

Test(import_line, unknown_shapes_are_errors)
{
    struct sched_ev ev;
    char err[256];
    cr_assert_neq(sim_sched_line_parse("bash-12 [000] 1.0: sched_switch: x", SIM_IMPORT_PERF, &ev,
                                       err, sizeof err), 0);
    cr_assert(strstr(err, "perf script") != NULL, "%s", err);
    cr_assert_neq(sim_sched_line_parse("perf 12 [000] 1.0: sched:sched_switch: prev_pid=1",
                                       SIM_IMPORT_PERF, &ev, err, sizeof err), 0);
    cr_assert(strstr(err, "==>") != NULL, "%s", err);
    cr_assert_neq(sim_sched_line_parse("hello", SIM_IMPORT_FTRACE, &ev, err, sizeof err), 0);
    cr_assert_eq(sim_sched_line_parse("# tracer: nop", SIM_IMPORT_FTRACE, &ev, err, sizeof err), 0);
    cr_assert_eq(ev.kind, SEV_SKIP);
    cr_assert_eq(sim_sched_line_parse("CPU:1 [LOST 42 EVENTS]", SIM_IMPORT_FTRACE, &ev, err,
                                      sizeof err), 0);
    cr_assert_eq(ev.kind, SEV_LOST);
    cr_assert_eq(ev.lost, 42);
}

Test(import, claims_and_sniffing)
{
    cr_assert(sim_import_claims("stg:whatever"));
    cr_assert(sim_import_claims("tests/data/stg/cycle.stg"));
    cr_assert(sim_import_claims("tests/data/sched/perf_pingpong.txt"));
    cr_assert(sim_import_claims("tests/data/sched/tracecmd_pingpong.txt"));
    cr_assert(sim_import_claims("tests/data/wfcommons/wf14_multicore.json"));
    cr_assert(!sim_import_claims("traces/samples/dag_tiny.jsonl"));
    cr_assert(!sim_import_claims("/nonexistent/file"));
    char path[256];
    tmp_path(path, sizeof path, "jsonl-named.json");   /* a JSON Lines trace under another name */
    write_file(path, "{\"format\":\"schedlab-trace\",\"version\":1}\n{\"id\":0,\"spawn\":0,"
                     "\"phases\":[[\"run\",1]]}\n");
    cr_assert(!sim_import_claims(path));
    unlink(path);
}

/* All processes of t by id: id -> phases as text, in the walk's order. */
static void phases_text(const struct sim_trace_rec *r, char *buf, size_t len)
{
    size_t n = 0;
    for (uint32_t i = 0; i < r->nphases && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s %llu", i ? "," : "",
                              sim_trace_phase_name(r->phases[i].kind),
                              (unsigned long long)r->phases[i].arg);
}

Test(import, stg_records_and_report)
{
    char err[512];
    struct sim_trace *t = sim_trace_open("stg:tests/data/stg/greedy_fanout.stg,unit=10", NULL,
                                         err, sizeof err);
    cr_assert_not_null(t, "%s", err);
    const struct sim_import_report *rep = sim_import_report(t);
    cr_assert_not_null(rep);
    cr_assert_eq(rep->processes, 5);
    cr_assert_eq(rep->messages, 3);
    cr_assert_eq(rep->total_work_ns, 3210);
    cr_assert_eq(sim_import_note_count(rep, "dummy_tasks"), 2);
    cr_assert_eq(sim_import_note_count(rep, "dummy_edges"), 6);
    cr_assert_eq(sim_import_note_count(rep, "no_such_note"), 0);
    struct sim_trace_rec *r;
    char buf[256];
    cr_assert_eq(sim_trace_next_root(t, &r), SIM_TRACE_OK);
    cr_assert_eq(r->id, 1);
    phases_text(r, buf, sizeof buf);
    cr_assert_str_eq(buf, "run 10");
    sim_trace_release(t, r);
    cr_assert_eq(sim_trace_next_root(t, &r), SIM_TRACE_OK);
    phases_text(r, buf, sizeof buf);
    cr_assert_str_eq(buf, "run 320,send 3,send 4,send 5");
    sim_trace_release(t, r);
    cr_assert_eq(sim_trace_next_root(t, &r), SIM_TRACE_OK);
    phases_text(r, buf, sizeof buf);
    cr_assert_str_eq(buf, "recv 0,run 960");
    /* r stays handed out: close must free it */
    sim_trace_close(t);
    cr_assert_null(sim_import_report(NULL));
}

Test(import, ftrace_tree_children_and_notes)
{
    char err[512];
    struct sim_trace *t = sim_import_open_format(SIM_IMPORT_FTRACE,
                                                 "tests/data/sched/ftrace_pingpong.txt", NULL,
                                                 err, sizeof err);
    cr_assert_not_null(t, "%s", err);
    const struct sim_import_report *rep = sim_import_report(t);
    cr_assert_eq(rep->spawns, 1);
    cr_assert_eq(sim_import_note_count(rep, "untraced_wakers"), 1);
    cr_assert_eq(sim_import_note_count(rep, "trailing_sleeps"), 2);
    struct sim_trace_rec *root, *child;
    cr_assert_eq(sim_trace_next_root(t, &root), SIM_TRACE_OK);
    cr_assert_eq(root->id, 100);
    cr_assert_eq(root->phases[0].kind, SIM_PHASE_SPAWN);
    cr_assert_eq(sim_trace_child(t, root, 101, &child), SIM_TRACE_OK);
    cr_assert_eq(child->parent, 100);
    cr_assert_eq(child->depth, 1);
    struct sim_trace_rec *again;
    cr_assert_eq(sim_trace_child(t, root, 101, &again), SIM_TRACE_ERROR);   /* asked twice */
    cr_assert(strstr(sim_trace_error(t), "twice") != NULL);
    sim_trace_release(t, child);
    sim_trace_release(t, root);
    sim_trace_close(t);
}

Test(import, pid_reuse_and_truncation)
{
    char path[256], err[512];
    tmp_path(path, sizeof path, "reuse.txt");
    write_file(path,
               "  a-10 [000] .....  1.000000: sched_process_fork: comm=a pid=10 child_comm=a "
               "child_pid=11\n"
               "  a-11 [000] .....  1.000100: sched_process_exit: comm=a pid=11 prio=120\n"
               "  a-11 [000] d..2.  1.000200: sched_switch: prev_comm=a prev_pid=11 prev_prio=120 "
               "prev_state=X ==> next_comm=a next_pid=10 next_prio=120\n"
               "  a-10 [000] .....  1.000300: sched_process_fork: comm=a pid=10 child_comm=a "
               "child_pid=11\n");
    struct sim_trace *t = sim_trace_open(path, NULL, err, sizeof err);
    cr_assert_not_null(t, "%s", err);
    const struct sim_import_report *rep = sim_import_report(t);
    cr_assert_eq(rep->processes, 3);
    cr_assert_eq(sim_import_note_count(rep, "pid_reuse"), 1);
    struct sim_trace_rec *r, *c;
    cr_assert_eq(sim_trace_next_root(t, &r), SIM_TRACE_OK);
    cr_assert_eq(r->id, 10);
    cr_assert_eq(sim_trace_child(t, r, 11 + (1ULL << 32), &c), SIM_TRACE_OK);
    sim_trace_close(t);
    /* the same file cut in the middle of its last line */
    FILE *f = fopen(path, "a");
    fputs("  a-10 [000] .....  1.000400: sched_process_exit: comm=a pid=1", f);
    fclose(f);
    t = sim_trace_open(path, NULL, err, sizeof err);
    cr_assert_null(t);
    char want[300];
    snprintf(want, sizeof want, "%s:5: the file ends in the middle of this line", path);
    cr_assert(strstr(err, want) != NULL, "%s", err);
    unlink(path);
}

Test(import, spec_options_and_errors)
{
    char err[512];
    struct sim_trace *t = sim_trace_open("wfcommons:tests/data/wfcommons/wf14_multicore.json,"
                                         "multicore=serial", NULL, err, sizeof err);
    cr_assert_not_null(t, "%s", err);
    cr_assert_eq(sim_import_note_count(sim_import_report(t), "multicore_serial"), 1);
    cr_assert_eq(sim_import_report(t)->processes, 4);
    sim_trace_close(t);
    cr_assert_null(sim_trace_open("wfcommons:x.json,multicore=both", NULL, err, sizeof err));
    cr_assert(strstr(err, "multicore") != NULL, "%s", err);
    cr_assert_null(sim_trace_open("stg:", NULL, err, sizeof err));
    cr_assert(strstr(err, "which file") != NULL, "%s", err);
    cr_assert_null(sim_trace_open("stg:tests/data/stg/missing_pred.stg", NULL, err, sizeof err));
    cr_assert(strstr(err, "missing_pred.stg:4: pred[0]") != NULL, "%s", err);
    /* a comma in the path is kept when what follows is not an option of the format */
    char path[256];
    tmp_path(path, sizeof path, "a,b.stg");
    write_file(path, "1\n0 0 0\n1 7 1 0\n2 0 1 1\n");
    char spec[300];
    snprintf(spec, sizeof spec, "stg:%s", path);
    t = sim_trace_open(spec, NULL, err, sizeof err);
    cr_assert_not_null(t, "%s", err);
    cr_assert_eq(sim_import_report(t)->total_work_ns, 7000);
    sim_trace_close(t);
    unlink(path);
}
