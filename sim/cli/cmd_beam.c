/* cmd_beam.c: `schedlab beam record` (run an Erlang program under the VM's own tracing into a
 * recording) and `schedlab beam validate` (record, import, replay with the BEAM-as-shipped
 * configuration, and print recorded vs simulated per metric over repetitions). */
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

struct beam_opts {
    const char *program, *out, *bind, *entry, *db;
    const char *args[BEAM_MAX_ARGS];
    int nargs;
    uint64_t schedulers, timeout_ms, reps;
    bool untraced, json;
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
    const char *argv[12 + BEAM_MAX_ARGS] = { "bash", script, o->program, sched, o->bind, out,
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

/* Parse the options both subcommands share; -1 after a usage error. */
static int parse_opts(const char *cmd, int argc, char **argv, struct beam_opts *o)
{
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'o' },
        { "schedulers", required_argument, NULL, 'S' },
        { "bind", required_argument, NULL, 'b' },
        { "entry", required_argument, NULL, 'e' },
        { "timeout-ms", required_argument, NULL, 'T' },
        { "arg", required_argument, NULL, 'a' },
        { "untraced", no_argument, NULL, 'u' },
        { "reps", required_argument, NULL, 'r' },
        { "db", required_argument, NULL, 'd' },
        { "json", no_argument, NULL, 'j' },
        { NULL, 0, NULL, 0 },
    };
    *o = (struct beam_opts){ .bind = "u", .entry = "main", .db = SIM_DEFAULT_DB,
                             .schedulers = 1, .timeout_ms = 10000, .reps = 5 };
    int c;
    optind = 1;
    while ((c = sim_cli_getopt(cmd, argc, argv, ":o:a:", longopts)) != -1) {
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
        *(c == 'o' ? &o->out : c == 'b' ? &o->bind : c == 'e' ? &o->entry
          : c == 'd' ? &o->db : &(const char *){ NULL }) = optarg;
        o->untraced |= c == 'u';
        o->json |= c == 'j';
    }
    if (optind != argc - 1)
        return sim_cli_usage_error(cmd, "expected one PROGRAM.erl"), -1;
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
    struct sim_beam_cmp c[BEAM_MAX_REPS];
    double overhead[BEAM_MAX_REPS];      /* traced / untraced wall time - 1 */
    uint64_t n;
};

/* One repetition: untraced run, traced run, sidecar, replay and comparison. 0, 77 or 1. */
static int one_rep(const struct beam_opts *o, const char *dir, struct beam_reps *r)
{
    char rec[PATH_MAX], truth[PATH_MAX + 8], what[PATH_MAX + 64], err[1024];
    uint64_t plain, traced;
    snprintf(rec, sizeof rec, "%s/rep%" PRIu64 ".beam", dir, r->n + 1);
    snprintf(truth, sizeof truth, "%s.truth", rec);
    snprintf(what, sizeof what, "beam validate %s, %" PRIu64 " scheduler(s), repetition %"
             PRIu64, o->program, o->schedulers, r->n + 1);
    int rc = run_recorder(o, "none", false, &plain);
    if (rc == 0)
        rc = run_recorder(o, rec, true, &traced);
    if (rc != 0)
        return rc == 77 ? 77 : sim_cli_fail("beam validate", "%s: recording failed (the "
                                            "recorder's message is above)", o->program);
    if (sim_beam_truth_write(rec, truth, err, sizeof err) != 0
        || sim_beam_compare(rec, truth, o->db, what, r->n + 1, &r->c[r->n], err,
                            sizeof err) != 0)
        return sim_cli_fail("beam validate", "%s", err);
    r->overhead[r->n] = plain ? (double)traced / (double)plain - 1 : (double)NAN;
    r->n++;
    return 0;
}

static void print_reps(const struct beam_opts *o, const struct beam_reps *r)
{
    double x[BEAM_MAX_REPS];
    struct sim_ci ci;
    cJSON *j = cJSON_CreateObject(), *ms = cJSON_AddObjectToObject(j, "metrics");
    if (!o->json)
        printf("beam validate %s on %" PRIu64 " scheduler(s), %" PRIu64 " repetitions; "
               "simulated on synth:p=%" PRIu64 " with strategy %s (BEAM as shipped)\n"
               "  %-12s %14s %14s %22s\n", o->program, o->schedulers, r->n, o->schedulers,
               "ring", "metric", "recorded", "simulated", "error, mean +- 95% CI");
    for (int m = 0; m < SIM_BM_COUNT; m++) {
        double vm = 0, sim = 0;
        for (uint64_t i = 0; i < r->n; i++) {
            x[i] = r->c[i].err[m];
            vm += r->c[i].vm[m] / r->n;
            sim += r->c[i].sim[m] / r->n;
        }
        sim_ci_compute(x, r->n, &ci);
        bool pts = sim_beam_metric_is_util(m);
        cJSON *e = cJSON_AddObjectToObject(ms, sim_beam_metric_name(m));
        cJSON_AddNumberToObject(e, "recorded", vm);
        cJSON_AddNumberToObject(e, "simulated", sim);
        cJSON_AddNumberToObject(e, pts ? "error_points" : "rel_error", isnan(ci.mean) ? 0
                                                                      : ci.mean * (pts ? 100 : 1));
        cJSON_AddNumberToObject(e, "ci_half", isnan(ci.half) ? 0 : ci.half * (pts ? 100 : 1));
        if (!o->json)
            printf("  %-12s %14.4g %14.4g %+10.1f %s +- %.1f\n", sim_beam_metric_name(m), vm,
                   sim, 100 * ci.mean, pts ? "pts" : "% ", 100 * ci.half);
    }
    for (uint64_t i = 0; i < r->n; i++)
        x[i] = r->overhead[i];
    sim_ci_compute(x, r->n, &ci);
    cJSON_AddStringToObject(j, "program", o->program);
    cJSON_AddNumberToObject(j, "schedulers", (double)o->schedulers);
    cJSON_AddNumberToObject(j, "reps", (double)r->n);
    cJSON_AddNumberToObject(j, "tracing_overhead", isnan(ci.mean) ? 0 : ci.mean);
    cJSON_AddNumberToObject(j, "tracing_overhead_ci_half", isnan(ci.half) ? 0 : ci.half);
    cJSON_AddNumberToObject(j, "experiment_last", (double)r->c[r->n - 1].experiment_id);
    if (o->json) {
        char *s = cJSON_PrintUnformatted(j);
        puts(s);
        free(s);
    } else {
        printf("  tracing overhead (traced / untraced wall time - 1): %+.1f%% +- %.1f\n"
               "  stored: one experiment per repetition (last %" PRId64 ": recorded run %"
               PRId64 ", simulated run %" PRId64 ") in %s\n", 100 * ci.mean, 100 * ci.half,
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
        rc = one_rep(&o, dir, r);
    if (rc == 0)
        print_reps(&o, r);
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
