/* cmd_beam.c: `schedlab beam record` (run an Erlang program under the VM's own tracing into a
 * recording) and `schedlab beam validate` (record, import, replay with the BEAM-as-shipped
 * configuration, and print recorded vs simulated per metric over repetitions). */
#include "native/nat_topo.h"
#include "sim/cli/cli.h"
#include "sim/cli/commands.h"
#include "sim/run/sim_beam.h"
#include "sim/run/sim_run.h"
#include "sim/trace/import/sim_import_beam.h"
#include "sim/util/sim_stats.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BEAM_MAX_ARGS 16
#define BEAM_MAX_REPS 100
#define BEAM_MAX_PARAMS 32

struct beam_opts {
    const char *program, *out, *entry, *db;
    const char *binding, *bind_order;   /* schedlab's kinds (NULL: not given) */
    const char *sbt;                    /* erl +sbt they map to */
    const char *args[BEAM_MAX_ARGS];
    int nargs;
    const char *params[BEAM_MAX_PARAMS];   /* validate --param NAME=VALUE, applied last */
    size_t nparams;
    uint64_t schedulers, timeout_ms, reps;
    bool untraced, json;
    bool switch_at_dispatch;            /* validate --switch-at dispatch (the default) or send */
};

/* scripts/beam-record.sh: $SCHEDLAB_BEAM_RECORD, else found upwards from the executable, else
 * relative to the working folder. */
static void find_script(char *out, size_t cap)
{
    const char *env = getenv("SCHEDLAB_BEAM_RECORD");
    if (env != NULL && *env != '\0') {
        snprintf(out, cap, "%s", env);
        return;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        for (char *slash; (slash = strrchr(exe, '/')) != NULL;) {
            *slash = '\0';
            if ((size_t)snprintf(out, cap, "%s/scripts/beam-record.sh", exe) < cap
                && access(out, R_OK) == 0)
                return;
        }
    }
    snprintf(out, cap, "scripts/beam-record.sh");
}

/* Run the recorder once (traced into out, or untraced); *wall_ns gets the run's wall time.
 * 0; 77 when erl is missing; else 1 after the recorder printed its error. */
static int run_recorder(const struct beam_opts *o, const char *out, bool traced,
                        uint64_t *wall_ns)
{
    char script[PATH_MAX], sched[24], timeout[24];
    find_script(script, sizeof script);
    snprintf(sched, sizeof sched, "%" PRIu64, o->schedulers);
    snprintf(timeout, sizeof timeout, "%" PRIu64, o->timeout_ms);
    const char *argv[12 + BEAM_MAX_ARGS] = { "bash", script, o->program, sched, o->sbt, out,
                                             o->entry, timeout, traced ? "traced" : "untraced" };
    for (int i = 0; i < o->nargs; i++)
        argv[9 + i] = o->args[i];
    int fd[2];
    if (pipe(fd) != 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]);
        close(fd[1]);
        execvp("bash", (char *const *)argv);
        _exit(127);
    }
    close(fd[1]);
    char buf[256] = "";
    size_t got = 0;
    ssize_t k;
    while (pid > 0 && (k = read(fd[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)k;
    buf[got] = '\0';
    close(fd[0]);
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
        return 1;
    const char *w = strstr(buf, "_wall_ns ");
    *wall_ns = w != NULL ? strtoull(w + 9, NULL, 10) : 0;
    return WEXITSTATUS(st) == 77 ? 77 : WEXITSTATUS(st) != 0 || w == NULL ? 1 : 0;
}

/*
 * schedlab's scheduler binding (README, "binding") as erl +sbt. The VM binds or leaves
 * unbound; it has no hybrid binding and no notion of P and E cores. none and dynamic (the OS
 * may move a scheduler) are +sbt u; static binds scheduler i to core i of the bind order,
 * which is +sbt ORDER itself (schedlab took its orders from erl: ns, ts, ps, s, nnts, nnps,
 * tnnps, db; default ns as in schedlab). NULL with the reason in err when it does not map.
 */
static const char *sbt_of(const char *binding, const char *order, char *err, size_t errlen)
{
    static const char *const orders[] = { "ns", "ts", "ps", "s", "nnts", "nnps", "tnnps", "db" };
    if (binding == NULL && order == NULL)
        return "u";   /* the VM's default: unbound */
    if (binding == NULL || strcmp(binding, "none") == 0 || strcmp(binding, "dynamic") == 0) {
        if (order == NULL)
            return "u";
        snprintf(err, errlen, "--bind-order %s: a bind order needs --binding static (binding "
                 "%s leaves the schedulers unbound, erl +sbt u)", order,
                 binding ? binding : "none");
        return NULL;
    }
    if (strcmp(binding, "static") == 0) {
        for (size_t i = 0; i < sizeof orders / sizeof *orders; i++)
            if (strcmp(order ? order : "ns", orders[i]) == 0)
                return orders[i];
        snprintf(err, errlen, "--bind-order %s: the VM binds in the orders ns, ts, ps, s, nnts, "
                 "nnps, tnnps and db (u is no order: use --binding none)", order);
        return NULL;
    }
    if (strcmp(binding, "hybrid") == 0 || strcmp(binding, "pcores") == 0)
        snprintf(err, errlen, "--binding %s: the Erlang VM has no such binding (erl +sbt binds "
                 "every scheduler or none, and knows no P and E cores): use none, dynamic or "
                 "static", binding);
    else
        snprintf(err, errlen, "--binding %s: not a binding (none, static, dynamic, hybrid, "
                 "pcores; the VM takes none, dynamic and static)", binding);
    return NULL;
}

/* validate --param NAME=VALUE: checked now (name and value), so a typo stops the command
 * before minutes of recording; record has no replay to give it to. 0, or -1 after the usage
 * error. */
static int add_param(const char *cmd, struct beam_opts *o, const char *assignment)
{
    struct ws_params p;
    char err[256];
    if (strcmp(cmd, "beam record") == 0)
        return sim_cli_usage_error(cmd, "--param: only validate replays (record runs the VM)"),
               -1;
    if (o->nparams == BEAM_MAX_PARAMS)
        return sim_cli_usage_error(cmd, "at most %d --param", BEAM_MAX_PARAMS), -1;
    if (sim_cli_check_param(cmd, assignment) != 0)
        return -1;
    ws_params_defaults(&p);
    if (sim_params_apply(&p, assignment, err, sizeof err) != 0)
        return sim_cli_usage_error(cmd, "%s", err), -1;
    o->params[o->nparams++] = assignment;
    return 0;
}

/* Parse the options both subcommands share; -1 after a usage error. */
static int parse_opts(const char *cmd, int argc, char **argv, struct beam_opts *o)
{
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'o' },
        { "schedulers", required_argument, NULL, 'S' },
        { "binding", required_argument, NULL, 'b' },
        { "bind", required_argument, NULL, 'b' },
        { "bind-order", required_argument, NULL, 'O' },
        { "entry", required_argument, NULL, 'e' },
        { "timeout-ms", required_argument, NULL, 'T' },
        { "arg", required_argument, NULL, 'a' },
        { "untraced", no_argument, NULL, 'u' },
        { "reps", required_argument, NULL, 'r' },
        { "db", required_argument, NULL, 'd' },
        { "json", no_argument, NULL, 'j' },
        { "param", required_argument, NULL, 'p' },
        { "switch-at", required_argument, NULL, 'w' },
        { NULL, 0, NULL, 0 },
    };
    *o = (struct beam_opts){ .entry = "main", .db = SIM_DEFAULT_DB, .switch_at_dispatch = true,
                             .schedulers = 1, .timeout_ms = 10000, .reps = 5 };
    int c;
    optind = 1;
    while ((c = sim_cli_getopt(cmd, argc, argv, ":o:a:p:", longopts)) != -1) {
        uint64_t *num = c == 'S' ? &o->schedulers : c == 'T' ? &o->timeout_ms
                      : c == 'r' ? &o->reps : NULL;
        if (c == '?')
            return -1;
        if (num != NULL && (!sim_cli_parse_u64(optarg, num) || *num == 0
                            || *num > (c == 'S' ? 1024 : c == 'r' ? BEAM_MAX_REPS : 3600000)))
            return sim_cli_usage_error(cmd, "--%s: not within its range: '%s' (see --help)",
                                       c == 'S' ? "schedulers" : c == 'r' ? "reps"
                                                                          : "timeout-ms",
                                       optarg), -1;
        if (c == 'a' && o->nargs == BEAM_MAX_ARGS)
            return sim_cli_usage_error(cmd, "at most %d --arg", BEAM_MAX_ARGS), -1;
        if (c == 'a')
            o->args[o->nargs++] = optarg;
        if (c == 'p' && add_param(cmd, o, optarg) != 0)
            return -1;
        if (c == 'w' && strcmp(cmd, "beam record") == 0)
            return sim_cli_usage_error(cmd, "--switch-at: only validate replays (record runs "
                                       "the VM)"), -1;
        if (c == 'w' && strcmp(optarg, "send") != 0 && strcmp(optarg, "dispatch") != 0)
            return sim_cli_usage_error(cmd, "--switch-at %s: not send or dispatch", optarg), -1;
        if (c == 'w')
            o->switch_at_dispatch = strcmp(optarg, "dispatch") == 0;
        *(c == 'o' ? &o->out : c == 'b' ? &o->binding : c == 'O' ? &o->bind_order
          : c == 'e' ? &o->entry
          : c == 'd' ? &o->db : &(const char *){ NULL }) = optarg;
        o->untraced |= c == 'u';
        o->json |= c == 'j';
    }
    if (optind != argc - 1)
        return sim_cli_usage_error(cmd, "expected one PROGRAM.erl"), -1;
    char err[256];
    if ((o->sbt = sbt_of(o->binding, o->bind_order, err, sizeof err)) == NULL)
        return sim_cli_usage_error(cmd, "%s", err), -1;
    o->program = argv[optind];
    return 0;
}

static int cmd_record(int argc, char **argv)
{
    struct beam_opts o;
    if (parse_opts("beam record", argc, argv, &o) != 0)
        return SIM_EXIT_USAGE;
    if (o.out == NULL && !o.untraced)
        return sim_cli_usage_error("beam record", "where to? (-o TRACE, or --untraced)");
    uint64_t wall;
    int rc = run_recorder(&o, o.untraced ? "none" : o.out, !o.untraced, &wall);
    if (rc == 77)
        return 77;
    if (rc != 0)
        return sim_cli_fail("beam record", "%s: recording failed (the recorder's message is "
                            "above)", o.program);
    if (o.untraced)
        printf("untraced run of %s: %.3f ms\n", o.program, (double)wall / 1e6);
    else
        fprintf(stderr, "recorded %s on %" PRIu64 " scheduler(s) into %s: %.3f ms traced\n",
                o.program, o.schedulers, o.out, (double)wall / 1e6);
    return SIM_EXIT_OK;
}

/* ---- validate ------------------------------------------------------------------------------- */

struct beam_reps {
    struct sim_beam_cmp c[BEAM_MAX_REPS];     /* costs from the other recordings */
    struct sim_beam_cmp own[BEAM_MAX_REPS];   /* costs from the compared recording itself */
    struct sim_beam_truth *t[BEAM_MAX_REPS];
    char rec[BEAM_MAX_REPS][PATH_MAX];
    double overhead[BEAM_MAX_REPS];      /* traced / untraced wall time - 1 */
    double wall[2];                      /* summed untraced and traced wall time, ns */
    struct sim_beam_setup cost[BEAM_MAX_REPS], own_cost[BEAM_MAX_REPS];
    uint64_t n;
    struct ws_topo *machine;             /* the host's topology cut to the schedulers */
    char machine_name[32];
};

/* The machine the replays run on: the host as hwloc detects it, its first N cores in bind
 * order (as a native run of N workers gets them); where that fails (more schedulers than the
 * host has cores), synth:p=N, said on stderr. */
static void host_machine(const struct beam_opts *o, struct beam_reps *r)
{
    struct ws_topo *host = NULL;
    int32_t cpus[SIM_BEAM_MAX_SCHED];
    int detected = 0;
    char err[512];
    snprintf(r->machine_name, sizeof r->machine_name, "host:%" PRIu64, o->schedulers);
    if (o->schedulers > SIM_BEAM_MAX_SCHED ||
        nat_topo_host(&host, &detected, err, sizeof err) != 0 ||
        nat_topo_workers(host, (uint32_t)o->schedulers, NAT_BIND_STATIC, &r->machine, cpus, err,
                         sizeof err) != 0) {
        fprintf(stderr, "schedlab beam validate: replaying on synth:p=%" PRIu64 ", not the host "
                "(%s)\n", o->schedulers, err);
        snprintf(r->machine_name, sizeof r->machine_name, "synth:p=%" PRIu64, o->schedulers);
        r->machine = NULL;
    } else if (!detected) {
        snprintf(r->machine_name, sizeof r->machine_name, "host:%" PRIu64 ":undetected",
                 o->schedulers);
    }
    ws_topo_destroy(host);
}

/* One recording: untraced run, traced run, sidecar read back into r->t[r->n]. 0, 77 or 1. */
static int one_rec(const struct beam_opts *o, const char *dir, struct beam_reps *r)
{
    char *rec = r->rec[r->n], truth[PATH_MAX + 8], err[1024];
    uint64_t plain, traced;
    snprintf(rec, PATH_MAX, "%s/rep%" PRIu64 ".beam", dir, r->n + 1);
    snprintf(truth, sizeof truth, "%s.truth", rec);
    int rc = run_recorder(o, "none", false, &plain);
    if (rc == 0)
        rc = run_recorder(o, rec, true, &traced);
    if (rc != 0)
        return rc == 77 ? 77 : sim_cli_fail("beam validate", "%s: recording failed (the "
                                            "recorder's message is above)", o->program);
    if ((r->t[r->n] = malloc(sizeof *r->t[r->n])) == NULL)
        return sim_cli_fail("beam validate", "out of memory");
    if (sim_beam_truth_write(rec, truth, err, sizeof err) != 0
        || sim_beam_truth_read(truth, r->t[r->n], err, sizeof err) != 0) {
        free(r->t[r->n]);
        return sim_cli_fail("beam validate", "%s", err);
    }
    r->overhead[r->n] = plain ? (double)traced / (double)plain - 1 : (double)NAN;
    r->wall[0] += (double)plain;
    r->wall[1] += (double)traced;
    r->n++;
    return 0;
}

/* Compare repetition i twice: with the VM's switching cost measured on the other repetitions
 * (leave one out; its own when it is the only one), stored in o->db as the pair of runs, and
 * with its own cost, stored in a scratch database under dir. 0 or 1. */
static int one_cmp(const struct beam_opts *o, const char *dir, struct beam_reps *r, uint64_t i)
{
    char what[PATH_MAX + 64], scratch[PATH_MAX], err[1024];
    const struct sim_beam_truth *const *t = (const struct sim_beam_truth *const *)r->t;
    sim_beam_calibrate(t, r->n, r->n > 1 ? i : r->n, t[i], &r->cost[i]);
    sim_beam_calibrate(t + i, 1, 1, t[i], &r->own_cost[i]);
    struct sim_beam_setup su = r->cost[i];
    /* The VM's default, +sbt u, is schedlab's binding none (not its default, static). */
    su.binding = r->own_cost[i].binding = o->binding ? o->binding : "none";
    su.bind_order = r->own_cost[i].bind_order = o->bind_order;
    su.at_dispatch = r->own_cost[i].at_dispatch = o->switch_at_dispatch;
    su.params = r->own_cost[i].params = o->params;
    su.nparams = r->own_cost[i].nparams = o->nparams;
    su.machine = r->own_cost[i].machine = r->machine;
    su.machine_name = r->own_cost[i].machine_name = r->machine_name;
    snprintf(what, sizeof what, "beam validate %s, %" PRIu64 " scheduler(s), repetition %"
             PRIu64 " (switching %" PRIu64 " ns charged at %s, wake-up %" PRIu64 " ns, from %s)",
             o->program, o->schedulers, i + 1, su.switch_ns,
             su.at_dispatch ? "the model's dispatches" : "spawns and sends", su.wake_ns,
             r->n > 1 ? "the other repetitions" : "this recording");
    snprintf(scratch, sizeof scratch, "%s/own.db", dir);
    if (sim_beam_compare(r->rec[i], r->t[i], &su, o->db, what, i + 1, &r->c[i], err,
                         sizeof err) != 0)
        return sim_cli_fail("beam validate", "%s", err);
    if (sim_beam_compare(r->rec[i], r->t[i], &r->own_cost[i], scratch, what, i + 1, &r->own[i],
                         err, sizeof err) != 0)
        return sim_cli_fail("beam validate", "%s", err);
    return 0;
}

/* Mean and 95% CI of metric m's error over cs[0..n) (in points for a utilisation). */
static void err_ci(const struct sim_beam_cmp *cs, uint64_t n, int m, struct sim_ci *ci)
{
    double x[BEAM_MAX_REPS];
    for (uint64_t i = 0; i < n; i++)
        x[i] = cs[i].err[m] * (sim_beam_metric_is_util(m) ? 100 : 1);
    sim_ci_compute(x, n, ci);
}

/* The calibration: costs per repetition, the switching gaps behind them, and the errors of
 * makespan and mean utilisation when each repetition is calibrated on itself. */
static void print_calibration(const struct beam_opts *o, const struct beam_reps *r, cJSON *j)
{
    double ev = 0, disp = 0, own = 0, wake = 0, quantum = 0, gaps = 0, gap_ns = 0, share = 0;
    double spin = 0, spin_wake = 0, spread = 0;
    for (uint64_t i = 0; i < r->n; i++) {
        spread += (double)r->c[i].dispatch_spread / (double)r->n;
        spin += (double)r->cost[i].spin_ns / (double)r->n;
        spin_wake += (double)r->cost[i].spin_wake_ns / (double)r->n;
        share += r->cost[i].switch_share / (double)r->n;
        quantum += (double)r->cost[i].time_slice_ns / (double)r->n;
        ev += (double)r->c[i].event_cost_ns / (double)r->n;
        disp += (double)r->c[i].dispatch_ns / (double)r->n;
        wake += (double)r->cost[i].wake_ns / (double)r->n;
        own += (double)(o->switch_at_dispatch ? r->own[i].dispatch_ns : r->own[i].event_cost_ns)
               / (double)r->n;
        gaps += (double)r->t[i]->switch_gaps;
        gap_ns += (double)r->t[i]->switch_ns;
    }
    struct sim_ci ms, ut;
    err_ci(r->own, r->n, SIM_BM_MAKESPAN, &ms);
    err_ci(r->own, r->n, SIM_BM_UTIL_MEAN, &ut);
    const char *name = o->switch_at_dispatch ? "dispatch_ns" : "spawn_ns = msg_ns";
    cJSON *c = cJSON_AddObjectToObject(j, "calibration");
    cJSON_AddStringToObject(c, "from", r->n > 1 ? "other repetitions" : "this recording");
    cJSON_AddStringToObject(c, "switch_at", o->switch_at_dispatch ? "dispatch" : "send");
    cJSON_AddNumberToObject(c, "event_cost_ns", ev);
    cJSON_AddNumberToObject(c, "dispatch_ns", disp);
    cJSON_AddNumberToObject(c, "dispatch_spread", spread);
    cJSON_AddNumberToObject(c, "switch_share", share);
    cJSON_AddNumberToObject(c, "wake_ns", wake);
    cJSON_AddNumberToObject(c, "time_slice_ns", quantum);
    cJSON_AddNumberToObject(c, "spin_ns", spin);
    cJSON_AddNumberToObject(c, "spin_wake_ns", spin_wake);
    cJSON_AddNumberToObject(c, "switch_gap_mean_ns", gaps > 0 ? gap_ns / gaps : 0);
    cJSON_AddNumberToObject(c, "own_cost_ns", own);
    cJSON_AddNumberToObject(c, "own_makespan_rel_error", isnan(ms.mean) ? 0 : ms.mean);
    cJSON_AddNumberToObject(c, "own_util_mean_error_points", isnan(ut.mean) ? 0 : ut.mean);
    if (o->json)
        return;
    printf("  VM switching between slices (work waiting): %.0f gaps of %.0f ns a recording,\n"
           "  %.3f of the slices' time (means); calibrated on %s,\n"
           "  charged at %s: %s = %.0f ns, wake_ns = %.0f ns, time_slice_ns = %.0f ns (the\n"
           "  VM's median preempted slice; 0: none seen, default kept)\n"
           "  awake schedulers: spin_ns = %.0f ns (awake per period run dry, microstate\n"
           "  accounting), spin_wake_ns = %.0f ns (how soon an idle one came for work)\n"
           "  calibrated on its own recording instead (%s = %.0f ns): makespan %+.1f%% +- %.1f,\n"
           "  util_mean %+.1f pts +- %.1f\n", gaps / (double)r->n, gaps > 0 ? gap_ns / gaps : 0,
           share, r->n > 1 ? "the other repetitions (leave one out)"
                           : "its own recording (one repetition)",
           o->switch_at_dispatch ? "the model's dispatches (--switch-at dispatch)"
                                 : "spawns and sends", name,
           o->switch_at_dispatch ? disp : ev, wake, quantum, spin, spin_wake, name, own,
           100 * ms.mean,
           100 * ms.half, ut.mean, ut.half);
    if (o->switch_at_dispatch)
        printf("  dispatch_ns spreads the switching over %.1f of the model's dispatches a replay\n"
               "  (the fit's count: a replay charged so makes that many, or comes nearest)\n",
               spread);
}

/* Where the VM's schedulers spent the recorded runs (microstate accounting, shares of each
 * scheduler's window, means over the repetitions that have it): the time awake outside any
 * process (port, aux, check_io, other) is what the model has no state for. */
static void print_msacc(const struct beam_opts *o, const struct beam_reps *r, cJSON *j)
{
    static const char *const names[SIM_BEAM_MSACC_STATES] = {
        "emulator", "port", "aux", "check_io", "gc", "other", "sleep",
    };
    uint64_t with = 0;
    for (uint64_t i = 0; i < r->n; i++)
        with += r->t[i]->has_msacc;
    cJSON *a = cJSON_AddArrayToObject(j, "vm_msacc");
    if (with == 0)
        return;
    if (!o->json)
        printf("  the VM's schedulers (microstate accounting, share of the run, mean of %" PRIu64
               " recording(s)):\n", with);
    for (uint32_t s = 0; s < r->t[0]->schedulers; s++) {
        double share[SIM_BEAM_MSACC_STATES] = { 0 };
        for (uint64_t i = 0; i < r->n; i++) {
            const struct sim_beam_truth *t = r->t[i];
            uint64_t window = 0;
            for (int k = 0; t->has_msacc && k < SIM_BEAM_MSACC_STATES; k++)
                window += t->msacc_ns[s][k];
            for (int k = 0; window > 0 && k < SIM_BEAM_MSACC_STATES; k++)
                share[k] += (double)t->msacc_ns[s][k] / (double)window / (double)with;
        }
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "scheduler", s + 1);
        for (int k = 0; k < SIM_BEAM_MSACC_STATES; k++)
            cJSON_AddNumberToObject(e, names[k], share[k]);
        cJSON_AddItemToArray(a, e);
        if (o->json)
            continue;
        printf("    scheduler %u:", s + 1);
        for (int k = 0; k < SIM_BEAM_MSACC_STATES; k++)
            printf(" %s %.1f%%", names[k], 100 * share[k]);
        printf(" (awake outside processes %.1f%%)\n",
               100 * (share[SIM_MSACC_PORT] + share[SIM_MSACC_AUX] + share[SIM_MSACC_CHECK_IO] +
                      share[SIM_MSACC_OTHER]));
    }
}

static void print_reps(const struct beam_opts *o, const struct beam_reps *r)
{
    double x[BEAM_MAX_REPS];
    struct sim_ci ci;
    cJSON *j = cJSON_CreateObject(), *ms = cJSON_AddObjectToObject(j, "metrics");
    if (!o->json)
        printf("beam validate %s on %" PRIu64 " scheduler(s), %" PRIu64 " repetitions; "
               "simulated on %s with strategy %s (BEAM as shipped)\n"
               "  %-12s %14s %14s %22s\n", o->program, o->schedulers, r->n, r->machine_name,
               "beam", "metric", "recorded", "simulated", "error, mean +- 95% CI");
    cJSON_AddStringToObject(j, "topology", r->machine_name);
    for (int m = 0; m < SIM_BM_COUNT; m++) {
        double vm = 0, sim = 0;
        for (uint64_t i = 0; i < r->n; i++) {
            vm += r->c[i].vm[m] / r->n;
            sim += r->c[i].sim[m] / r->n;
        }
        err_ci(r->c, r->n, m, &ci);
        bool pts = sim_beam_metric_is_util(m);
        if (isnan(vm)) {   /* a recording without it (sleep: no microstate accounting) */
            cJSON_AddNullToObject(ms, sim_beam_metric_name(m));
            if (!o->json)
                printf("  %-12s %14s %14.4g (not recorded)\n", sim_beam_metric_name(m), "-", sim);
            continue;
        }
        cJSON *e = cJSON_AddObjectToObject(ms, sim_beam_metric_name(m));
        cJSON_AddNumberToObject(e, "recorded", vm);
        cJSON_AddNumberToObject(e, "simulated", sim);
        cJSON_AddNumberToObject(e, pts ? "error_points" : "rel_error", isnan(ci.mean) ? 0
                                                                                : ci.mean);
        cJSON_AddNumberToObject(e, "ci_half", isnan(ci.half) ? 0 : ci.half);
        if (!o->json)
            printf("  %-12s %14.4g %14.4g %+10.1f %s +- %.1f\n", sim_beam_metric_name(m), vm,
                   sim, ci.mean * (pts ? 1 : 100), pts ? "pts" : "% ",
                   ci.half * (pts ? 1 : 100));
    }
    print_calibration(o, r, j);
    print_msacc(o, r, j);
    cJSON *pa = cJSON_AddArrayToObject(j, "params");
    for (size_t i = 0; i < o->nparams; i++) {
        cJSON_AddItemToArray(pa, cJSON_CreateString(o->params[i]));
        if (!o->json)
            printf("%s%s%s", i == 0 ? "  replayed with --param " : " ", o->params[i],
                   i + 1 == o->nparams ? " (applied last)\n" : "");
    }
    double wall_util = 0;
    for (uint64_t i = 0; i < r->n; i++)
        wall_util += r->c[i].vm_wall_util / (double)r->n;
    cJSON_AddNumberToObject(j, "vm_scheduler_wall_time_util", wall_util);
    if (!o->json)
        printf("  the VM's own scheduler_wall_time: mean utilisation %.4f (also counts the trace "
               "port's writes\n  between slices; util_* above count slices and switching)\n",
               wall_util);
    for (uint64_t i = 0; i < r->n; i++)
        x[i] = r->overhead[i];
    sim_ci_compute(x, r->n, &ci);
    cJSON_AddStringToObject(j, "program", o->program);
    cJSON_AddNumberToObject(j, "schedulers", (double)o->schedulers);
    cJSON_AddNumberToObject(j, "reps", (double)r->n);
    cJSON_AddNumberToObject(j, "tracing_overhead", isnan(ci.mean) ? 0 : ci.mean);
    cJSON_AddNumberToObject(j, "tracing_overhead_ci_half", isnan(ci.half) ? 0 : ci.half);
    cJSON_AddNumberToObject(j, "untraced_wall_ns", r->wall[0] / (double)r->n);
    cJSON_AddNumberToObject(j, "traced_wall_ns", r->wall[1] / (double)r->n);
    cJSON_AddNumberToObject(j, "experiment_last", (double)r->c[r->n - 1].experiment_id);
    if (o->json) {
        char *s = cJSON_PrintUnformatted(j);
        puts(s);
        free(s);
    } else {
        printf("  tracing overhead (traced %.3f ms / untraced %.3f ms wall time - 1): %+.1f%% "
               "+- %.1f\n  stored: one experiment per repetition (last %" PRId64 ": recorded run %"
               PRId64 ", simulated run %" PRId64 ") in %s\n", r->wall[1] / (double)r->n / 1e6,
               r->wall[0] / (double)r->n / 1e6, 100 * ci.mean, 100 * ci.half,
               r->c[r->n - 1].experiment_id, r->c[r->n - 1].vm_run_id,
               r->c[r->n - 1].sim_run_id, o->db);
    }
    cJSON_Delete(j);
}

static int cmd_validate(int argc, char **argv)
{
    struct beam_opts o;
    if (parse_opts("beam validate", argc, argv, &o) != 0)
        return SIM_EXIT_USAGE;
    char dir[] = "/tmp/schedlab-beam-XXXXXX";
    if (mkdtemp(dir) == NULL)
        return sim_cli_fail("beam validate", "cannot make a temporary folder: %s",
                            strerror(errno));
    struct beam_reps *r = calloc(1, sizeof *r);
    int rc = r == NULL ? SIM_EXIT_FAIL : 0;
    while (rc == 0 && r->n < o.reps)
        rc = one_rec(&o, dir, r);
    if (rc == 0)
        host_machine(&o, r);
    for (uint64_t i = 0; rc == 0 && i < r->n; i++)
        rc = one_cmp(&o, dir, r, i);
    if (rc == 0)
        print_reps(&o, r);
    for (uint64_t i = 0; r != NULL && i < r->n; i++)
        free(r->t[i]);
    if (r != NULL)
        ws_topo_destroy(r->machine);
    free(r);
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "schedlab beam validate: could not remove %s\n", dir);
    return rc;
}

int sim_cmd_beam(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "record") == 0)
        return cmd_record(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "validate") == 0)
        return cmd_validate(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(SIM_BEAM_USAGE, stdout);
        return SIM_EXIT_OK;
    }
    return sim_cli_usage_error("beam", "expected record or validate");
}

int sim_cmd_validate_or_beam(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "beam") == 0)
        return cmd_validate(argc - 1, argv + 1);
    return sim_cmd_validate(argc, argv);
}
