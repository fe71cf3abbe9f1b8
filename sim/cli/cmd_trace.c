/* cmd_trace.c: `schedlab trace gen` (write a generator's trace as a JSON Lines file),
 * `schedlab trace import` (the same for an imported STG, WfCommons, ftrace or perf file) and
 * `schedlab trace stats` (what a trace holds, its critical path and parallelism). */
#include "sim/cli/cli.h"
#include "sim/cli/commands.h"
#include "sim/trace/import/sim_import.h"
#include "sim/trace/import/sim_import_beam.h"
#include "sim/util/sim_outfile.h"
#include "sim/trace/sim_trace.h"
#include "sim/util/sim_util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const CMD = "trace";

static struct sim_trace *open_or_fail(const char *spec)
{
    char err[1024];
    struct sim_trace *t = sim_trace_open(spec, NULL, err, sizeof err);
    if (t == NULL)
        sim_cli_fail(CMD, "%s", err);
    return t;
}

/* ---- gen ----------------------------------------------------------------------------------- */

struct writer {
    FILE *f;
    int err;           /* errno of the first write error */
    uint64_t too_big;  /* id of a process with more phases than a file may hold, if any */
    uint32_t nphases;
};

/* Write one record; a record the reader would refuse (more than SIM_TRACE_MAX_PHASES phases: a
 * generator's processes may have more) stops the walk, so no file is written that cannot be
 * read back. */
static int write_visit(void *ctx, const struct sim_trace_rec *rec,
                       const struct sim_trace_rec *parent)
{
    struct writer *w = ctx;
    if (rec->nphases > SIM_TRACE_MAX_PHASES) {
        w->too_big = rec->id;
        w->nphases = rec->nphases;
        return -1;
    }
    if (sim_trace_write_rec(w->f, rec, parent) != 0) {
        w->err = errno ? errno : EIO;
        return -1;
    }
    return 0;
}

/* Write t into the open temporary file; 0, or -1 after printing the error. */
static int write_trace(struct sim_trace *t, FILE *f, const char *out, struct sim_trace_stats *st)
{
    struct writer w = { f, 0, 0, 0 };
    if (sim_trace_write_header(f, sim_trace_info(t)) != 0) {
        sim_cli_fail(CMD, "%s: write error: %s", out, strerror(errno));
        return -1;
    }
    if (sim_trace_walk(t, st, write_visit, &w) != SIM_TRACE_OK) {
        if (w.err != 0)
            sim_cli_fail(CMD, "%s: write error: %s", out, strerror(w.err));
        else if (w.nphases != 0)
            sim_cli_fail(CMD, "%s: process %" PRIu64 " has %" PRIu32 " phases, more than a "
                         "trace file may hold (%" PRIu32 "; traces/FORMAT.md)", out, w.too_big,
                         w.nphases, SIM_TRACE_MAX_PHASES);
        else
            sim_cli_fail(CMD, "%s", sim_trace_error(t));
        return -1;
    }
    return 0;
}

/* Write t into the open temporary file in the "kids" layout (a reader seeks to each child
 * instead of reading ahead; traces/FORMAT.md); 0, or -1 after printing the error. */
static int write_trace_layout(struct sim_trace *t, FILE *f, const char *out,
                              struct sim_trace_stats *st)
{
    struct sim_trace_write_result res;
    if (sim_trace_write_layout(t, f, &res) == SIM_TRACE_OK) {
        st->processes = res.processes;
        return 0;
    }
    if (res.err == 0 && res.nphases == 0 && !t->failed)
        res.err = EIO;
    if (res.err != 0)
        sim_cli_fail(CMD, "%s: write error: %s", out, strerror(res.err));
    else if (res.nphases != 0)
        sim_cli_fail(CMD, "%s: process %" PRIu64 " has %" PRIu32 " phases, more than a trace "
                     "file may hold (%" PRIu32 "; traces/FORMAT.md)", out, res.too_big,
                     res.nphases, SIM_TRACE_MAX_PHASES);
    else
        sim_cli_fail(CMD, "%s", sim_trace_error(t));
    return -1;
}

/* The "kids" layout into a target that cannot seek (a FIFO, a terminal): written to an
 * anonymous temporary file first, then copied. 0, or -1 after printing the error. */
static int write_layout_copy(struct sim_trace *t, FILE *f, const char *out,
                             struct sim_trace_stats *st)
{
    FILE *tmp = tmpfile();
    if (tmp == NULL) {
        sim_cli_fail(CMD, "%s: cannot create a temporary file: %s", out, strerror(errno));
        return -1;
    }
    int rc = write_trace_layout(t, tmp, out, st);
    char buf[1 << 16];
    size_t n;
    if (rc == 0 && fseek(tmp, 0, SEEK_SET) == 0) {
        while ((n = fread(buf, 1, sizeof buf, tmp)) > 0 && fwrite(buf, 1, n, f) == n)
            ;
        if (ferror(tmp) || ferror(f)) {
            sim_cli_fail(CMD, "%s: write error: %s", out, strerror(errno));
            rc = -1;
        }
    }
    fclose(tmp);
    return rc;
}

/* Write t to out through a whole-or-nothing output file (sim_outfile.h), so out is either
 * complete or untouched; print what was written. Generators go in the seekable "kids" layout
 * (seek), everything else in the walk's order. 0, or -1 after
 * printing the error. */
static int write_file(struct sim_trace *t, const char *out, bool seek)
{
    struct sim_outfile o;
    if (sim_outfile_open(&o, out) != 0) {
        sim_cli_fail(CMD, "%s: cannot create: %s", out, strerror(errno));
        return -1;
    }
    uint64_t t0 = sim_now_ns();
    struct sim_trace_stats st;
    struct stat sb;
    bool regular = fstat(fileno(o.f), &sb) == 0 && S_ISREG(sb.st_mode);
    int rc = !seek ? write_trace(t, o.f, out, &st)
             : regular ? write_trace_layout(t, o.f, out, &st)
                       : write_layout_copy(t, o.f, out, &st);
    if (sim_outfile_close(&o, rc == 0) != 0 && rc == 0) {
        sim_cli_fail(CMD, "%s: write error: %s", out, strerror(errno));
        rc = -1;
    }
    if (rc == 0)
        fprintf(stderr, "wrote %" PRIu64 " processes to %s (%s) in %.2f s\n", st.processes, out,
                sim_trace_info(t)->canonical, (double)(sim_now_ns() - t0) / 1e9);
    return rc;
}

static int cmd_gen(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'o' },
        { NULL, 0, NULL, 0 },
    };
    const char *out = NULL;
    int c;
    while ((c = sim_cli_getopt("trace gen", argc, argv, ":o:", longopts)) != -1) {
        if (c == '?')
            return SIM_EXIT_USAGE;
        out = optarg;
    }
    if (optind != argc - 1 || out == NULL)
        return sim_cli_usage_error("trace gen", "expected KIND[:ARGS] and -o FILE");
    const char *spec = argv[optind];
    char err[1024];
    struct sim_trace *t = sim_trace_open(spec, NULL, err, sizeof err);
    if (t == NULL)
        return sim_cli_fail(CMD, "%s", err);
    if (strcmp(sim_trace_info(t)->kind, "file") == 0) {
        sim_trace_close(t);
        return sim_cli_usage_error("trace gen", "'%s' is a file, not a generator spec (kinds:\n%s)",
                                   spec, sim_trace_kinds());
    }
    int rc = write_file(t, out, true);
    sim_trace_close(t);
    return rc == 0 ? SIM_EXIT_OK : SIM_EXIT_FAIL;
}

/* ---- import -------------------------------------------------------------------------------- */

/* The ground truth of a BEAM recording beside its imported trace (OUT.truth). 0 or -1. */
static int write_beam_truth(const char *recording, const char *out)
{
    char path[4096], err[1024];
    if ((size_t)snprintf(path, sizeof path, "%s.truth", out) >= sizeof path)
        return sim_cli_fail(CMD, "%s.truth: path too long", out), -1;
    if (sim_beam_truth_write(recording, path, err, sizeof err) != 0)
        return sim_cli_fail(CMD, "%s", err), -1;
    fprintf(stderr, "wrote the recording's ground truth (slices, schedulers, migrations) to "
            "%s\n", path);
    return 0;
}

static int cmd_import(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'o' },
        { "unit-ns", required_argument, NULL, 'u' },
        { "multicore", required_argument, NULL, 'm' },
        { NULL, 0, NULL, 0 },
    };
    const char *out = NULL, *unit = NULL, *mc = NULL;
    int c;
    while ((c = sim_cli_getopt("trace import", argc, argv, ":o:", longopts)) != -1) {
        if (c == '?')
            return SIM_EXIT_USAGE;
        *(c == 'o' ? &out : c == 'u' ? &unit : &mc) = optarg;
    }
    if (optind != argc - 2 || out == NULL)
        return sim_cli_usage_error("trace import", "expected FORMAT FILE -o OUT (formats: stg, "
                                   "wfcommons, ftrace, perf, beam)");
    int fmt = sim_import_format_parse(argv[optind]);
    if (fmt < 0)
        return sim_cli_usage_error("trace import", "unknown format '%s' (stg, wfcommons, "
                                   "ftrace, perf, beam)", argv[optind]);
    struct sim_import_opts io;
    sim_import_opts_defaults(&io);
    if (unit != NULL && (fmt != SIM_IMPORT_STG || !sim_cli_parse_u64(unit, &io.unit_ns)
                         || io.unit_ns == 0 || io.unit_ns > 1000000000000ULL))
        return sim_cli_usage_error("trace import", "--unit-ns wants ns per STG cost unit "
                                   "(1..10^12) and format stg, not '%s'", unit);
    if (mc != NULL) {
        if (fmt != SIM_IMPORT_WFCOMMONS || (strcmp(mc, "split") != 0 && strcmp(mc, "serial")))
            return sim_cli_usage_error("trace import", "--multicore wants split or serial and "
                                       "format wfcommons, not '%s'", mc);
        io.multicore = mc[1] == 'e' ? SIM_IMPORT_MC_SERIAL : SIM_IMPORT_MC_SPLIT;
    }
    char err[1024];
    struct sim_trace *t = sim_import_open_format((enum sim_import_format)fmt, argv[optind + 1],
                                                 &io, err, sizeof err);
    if (t == NULL)
        return sim_cli_fail(CMD, "%s", err);
    int rc = write_file(t, out, false);
    if (rc == 0)
        sim_import_report_write(stderr, sim_import_report(t));
    sim_trace_close(t);
    if (rc == 0 && fmt == SIM_IMPORT_BEAM)
        rc = write_beam_truth(argv[optind + 1], out);
    return rc == 0 ? SIM_EXIT_OK : SIM_EXIT_FAIL;
}

/* ---- stats --------------------------------------------------------------------------------- */

static void print_json(struct sim_trace *t, const struct sim_trace_stats *st, double wall_s)
{
    const struct sim_trace_info *info = sim_trace_info(t);
    cJSON *o = cJSON_CreateObject(), *ph = cJSON_CreateObject(), *pr = cJSON_CreateObject();
    cJSON *af = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "trace", info->name);
    cJSON_AddStringToObject(o, "canonical", info->canonical);
    const char *sum = sim_trace_checksum(t);
    cJSON_AddStringToObject(o, "checksum", sum != NULL ? sum : "");
    cJSON_AddNumberToObject(o, "processes", (double)st->processes);
    cJSON_AddNumberToObject(o, "roots", (double)st->roots);
    cJSON_AddNumberToObject(o, "leaves", (double)st->leaves);
    cJSON_AddNumberToObject(o, "max_depth", st->max_depth);
    cJSON_AddNumberToObject(o, "total_work_ns", (double)st->total_work_ns);
    cJSON_AddNumberToObject(o, "total_wait_ns", (double)st->total_wait_ns);
    for (unsigned i = 0; i < SIM_PHASE_COUNT; i++)
        cJSON_AddNumberToObject(ph, sim_trace_phase_name(i), (double)st->phases[i]);
    for (unsigned i = 0; i < SIM_PRIO_COUNT; i++)
        cJSON_AddNumberToObject(pr, sim_trace_prio_name(i), (double)st->prio[i]);
    for (unsigned i = 0; i < SIM_AFF_COUNT; i++)
        cJSON_AddNumberToObject(af, sim_trace_aff_name(i), (double)st->aff[i]);
    cJSON_AddItemToObject(o, "phases", ph);
    cJSON_AddItemToObject(o, "priority", pr);
    cJSON_AddItemToObject(o, "affinity", af);
    cJSON_AddNumberToObject(o, "ws_bytes_max", (double)st->ws_bytes_max);
    if (st->cp_known) {
        cJSON_AddNumberToObject(o, "critical_path_ns", (double)st->critical_path_ns);
        cJSON_AddNumberToObject(o, "parallelism", st->parallelism);
    } else {
        cJSON_AddNullToObject(o, "critical_path_ns");
        cJSON_AddNullToObject(o, "parallelism");
    }
    cJSON_AddNumberToObject(o, "dag_depth", (double)st->dag_depth);
    if (st->width_known)
        cJSON_AddNumberToObject(o, "dag_width", (double)st->dag_width);
    else
        cJSON_AddNullToObject(o, "dag_width");
    cJSON_AddNumberToObject(o, "stuck", (double)st->stuck);
    cJSON_AddNumberToObject(o, "unreceived", (double)st->unreceived);
    cJSON_AddNumberToObject(o, "peak_live", (double)st->peak_live);
    if (info->tally_name != NULL)
        cJSON_AddNumberToObject(o, info->tally_name, (double)st->tally);
    cJSON_AddNumberToObject(o, "wall_s", wall_s);
    char *s = cJSON_PrintUnformatted(o);
    puts(s);
    free(s);
    cJSON_Delete(o);
}

static void print_mix(const char *label, const uint64_t *v, unsigned n,
                      const char *(*name)(unsigned))
{
    printf("%-15s", label);
    for (unsigned i = 0; i < n; i++)
        printf("%s%s %" PRIu64, i ? ", " : "", name(i), v[i]);
    putchar('\n');
}

static void print_table(struct sim_trace *t, const struct sim_trace_stats *st, double wall_s)
{
    const struct sim_trace_info *info = sim_trace_info(t);
    const char *sum = sim_trace_checksum(t);
    printf("%-15s%s\n", "trace", info->name);
    printf("%-15s%s\n", "canonical", info->canonical);
    printf("%-15s%s\n", "checksum", sum != NULL ? sum : "(unreadable)");
    printf("%-15s%" PRIu64 "\n", "processes", st->processes);
    printf("%-15s%" PRIu64 "\n", "roots", st->roots);
    printf("%-15s%" PRIu64 "\n", "leaves", st->leaves);
    printf("%-15s%" PRIu32 "\n", "max depth", st->max_depth);
    printf("%-15s%" PRIu64 " ns\n", "total work", st->total_work_ns);
    printf("%-15s%" PRIu64 " ns\n", "total wait", st->total_wait_ns);
    print_mix("phases", st->phases, SIM_PHASE_COUNT, sim_trace_phase_name);
    print_mix("priority", st->prio, SIM_PRIO_COUNT, sim_trace_prio_name);
    print_mix("affinity", st->aff, SIM_AFF_COUNT, sim_trace_aff_name);
    printf("%-15s%" PRIu64 " bytes\n", "max ws", st->ws_bytes_max);
    if (st->cp_known) {
        printf("%-15s%" PRIu64 " ns\n", "critical path", st->critical_path_ns);
        printf("%-15s%.3f\n", "parallelism", st->parallelism);
    } else {
        printf("%-15sunknown: deadlock, %" PRIu64 " processes wait for messages that never "
               "come\n", "critical path", st->stuck);
    }
    printf("%-15s%" PRIu64 " processes on the longest chain of spawns and messages\n",
           "dag depth", st->dag_depth);
    if (st->width_known)
        printf("%-15s%" PRIu64 " processes running at once on unlimited cores\n", "dag width",
               st->dag_width);
    else
        printf("%-15sunknown (%s)\n", "dag width",
               st->cp_known ? "more RUN phases than kept for it" : "deadlock");
    if (st->unreceived > 0)
        printf("%-15s%" PRIu64 " messages (to exited or nonexistent processes)\n", "unreceived",
               st->unreceived);
    if (info->tally_name != NULL)
        printf("%-15s%" PRIu64 "\n", info->tally_name, st->tally);
    printf("%-15s%" PRIu64 "\n", "peak live", st->peak_live);
    printf("%-15s%.3f s (%.0f processes/s)\n", "walk time", wall_s,
           wall_s > 0 ? (double)st->processes / wall_s : 0.0);
}

static int cmd_stats(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "json", no_argument, NULL, 'j' },
        { NULL, 0, NULL, 0 },
    };
    bool json = false;
    int c;
    while ((c = sim_cli_getopt("trace stats", argc, argv, ":", longopts)) != -1) {
        if (c == '?')
            return SIM_EXIT_USAGE;
        json = true;
    }
    if (optind != argc - 1)
        return sim_cli_usage_error("trace stats", "expected one TRACE");
    struct sim_trace *t = open_or_fail(argv[optind]);
    if (t == NULL)
        return SIM_EXIT_FAIL;
    struct sim_trace_stats st;
    uint64_t t0 = sim_now_ns();
    if (sim_trace_walk(t, &st, NULL, NULL) != SIM_TRACE_OK) {
        sim_cli_fail(CMD, "%s", sim_trace_error(t));
        sim_trace_close(t);
        return SIM_EXIT_FAIL;
    }
    double wall_s = (double)(sim_now_ns() - t0) / 1e9;
    if (json)
        print_json(t, &st, wall_s);
    else
        print_table(t, &st, wall_s);
    sim_trace_close(t);
    return SIM_EXIT_OK;
}

int sim_cmd_trace(int argc, char **argv)
{
    if (argc < 2)
        return sim_cli_usage_error(CMD, "expected a subcommand: gen, stats or import");
    optind = 1;
    if (strcmp(argv[1], "gen") == 0)
        return cmd_gen(argc - 1, argv + 1);
    if (strcmp(argv[1], "stats") == 0)
        return cmd_stats(argc - 1, argv + 1);
    if (strcmp(argv[1], "import") == 0)
        return cmd_import(argc - 1, argv + 1);
    return sim_cli_usage_error(CMD, "unknown subcommand '%s' (gen, stats, import)", argv[1]);
}
