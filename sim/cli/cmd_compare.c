/* cmd_compare.c: `schedlab compare`: run every strategy over traces x topologies x parameter
 * sets x seeds into one experiment and print the comparison, or write the runs as a job list
 * (--plan) for GNU parallel or a Slurm array. */
#include "core/ws_victim.h"
#include "sim/cli/cli.h"
#include "sim/cli/commands.h"
#include "sim/run/sim_compare.h"
#include "sim/db/sim_db.h"
#include "sim/util/sim_outfile.h"
#include "sim/run/sim_run.h"
#include "sim/util/sim_util.h"
#include "sim/trace/sim_gen.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LIST 256

static volatile int interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

struct lists {
    const char *traces[MAX_LIST], *topos[MAX_LIST], *strats[MAX_LIST], *params[MAX_LIST];
    size_t ntraces, ntopos, nstrats, nparams;
};

static int add(const char **list, size_t *n, const char *v)
{
    if (*n >= MAX_LIST)
        return sim_cli_usage_error("compare", "more than %d values for one option", MAX_LIST);
    list[(*n)++] = v;
    return 0;
}

/* --strategy takes names, comma lists and "all". */
static int add_strategies(struct lists *l, char *arg)
{
    char *save = NULL;
    for (char *s = strtok_r(arg, ",", &save); s != NULL; s = strtok_r(NULL, ",", &save)) {
        if (strcmp(s, "all") == 0) {
            for (size_t i = 0; i < ws_victim_count(); i++)
                if (add(l->strats, &l->nstrats, ws_victim_get(i)->name) != 0)
                    return -1;
        } else if (sim_cli_check_strategy("compare", s) != 0) {
            return -1;
        } else if (add(l->strats, &l->nstrats, s) != 0) {
            return -1;
        }
    }
    return 0;
}

/* An existing file named by a relative path becomes absolute, so that every plan line runs
 * the same from any folder of a shared filesystem; specs and preset names stay as they are. */
static void shell_quote_path(FILE *f, const char *s);

static void shell_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

static void shell_quote_path(FILE *f, const char *s)
{
    char abs[PATH_MAX];
    if (s[0] != '/' && access(s, F_OK) == 0 && realpath(s, abs) != NULL)
        s = abs;
    shell_quote(f, s);
}

/* One `schedlab replay` command per job, each writing its own database beside the plan. */
static int write_plan(const char *path, const char *workdir, const struct sim_compare_spec *s,
                      const struct sim_job *jobs, size_t n, const struct lists *l)
{
    char exe[PATH_MAX], dir[PATH_MAX + 8];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        snprintf(exe, sizeof exe, "schedlab");
    else
        exe[len] = '\0';
    if (workdir != NULL)
        snprintf(dir, sizeof dir, "%s", workdir);
    else
        snprintf(dir, sizeof dir, "%s.d", path);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return sim_cli_fail("compare", "%s: cannot create folder: %s", dir, strerror(errno));
    char absdir[PATH_MAX];
    if (realpath(dir, absdir) == NULL)
        return sim_cli_fail("compare", "%s: %s", dir, strerror(errno));
    snprintf(dir, sizeof dir, "%s", absdir);
    struct sim_outfile o;
    if (sim_outfile_open(&o, path) != 0)
        return sim_cli_fail("compare", "%s: cannot write: %s", path, strerror(errno));
    FILE *f = o.f;
    for (size_t i = 0; i < n; i++) {
        const struct sim_job *j = &jobs[i];
        shell_quote(f, exe);
        fputs(" replay ", f);
        shell_quote_path(f, s->traces[j->trace]);
        fputs(" --topology ", f);
        shell_quote_path(f, s->topologies[j->topology]);
        fprintf(f, " --strategy %s --seed %llu%s", s->strategies[j->strategy],
                (unsigned long long)j->seed, s->per_process ? " --per-process" : "");
        /* Swept values are in the set's label; fixed ones apply to every set. */
        for (size_t p = 0; p < l->nparams; p++)
            if (strchr(l->params[p], ',') == NULL)
                fputs(" --param ", f), shell_quote(f, l->params[p]);
        char label[256], *save = NULL;
        snprintf(label, sizeof label, "%s", s->psets[j->pset].label);
        for (char *a = strtok_r(label, " ", &save); a != NULL; a = strtok_r(NULL, " ", &save))
            fputs(" --param ", f), shell_quote(f, a);
        fputs(" --db ", f);
        char db[sizeof dir + 32];
        snprintf(db, sizeof db, "%s/run-%06zu.db", dir, i + 1);
        shell_quote(f, db);
        fputs(" --json\n", f);
    }
    if (sim_outfile_close(&o, true) != 0) {
        return sim_cli_fail("compare", "%s: cannot write: %s", path, strerror(errno));
    }
    printf("wrote %zu runs to %s; each writes its own database in %s/\n", n, path, dir);
    printf("run them with e.g.  parallel --jobs 8 < %s\n", path);
    printf("  or on many hosts: parallel --sshloginfile HOSTS --jobs 8 < %s\n", path);
    printf("  or a Slurm array: sbatch --array=1-%zu scripts/slurm-array.sh %s\n", n, path);
    printf("then merge:         schedlab merge OUT.db %s/run-*.db\n", dir);
    return SIM_EXIT_OK;
}

/* Traces x workload seeds 1..n: each generator spec with its seed key set ("seed", uts's "r"). */
struct seeded_traces {
    char (*buf)[512];
    size_t n;
};

static int seed_traces(struct lists *l, unsigned n, struct seeded_traces *st)
{
    char err[768];
    if (l->ntraces * n > MAX_LIST)
        return sim_cli_usage_error("compare", "traces x --trace-seeds is more than %d",
                                   MAX_LIST);
    st->buf = calloc(l->ntraces * n, sizeof(*st->buf));
    if (st->buf == NULL)
        return sim_cli_fail("compare", "out of memory");
    for (size_t t = 0; t < l->ntraces; t++) {
        for (unsigned k = 1; k <= n; k++) {
            if (sim_gen_with_seed(l->traces[t], k, st->buf[st->n], sizeof st->buf[0], err,
                                  sizeof err) != 0)
                return sim_cli_usage_error("compare", "--trace-seeds: %s", err);
            st->n++;
        }
    }
    for (size_t i = 0; i < st->n; i++)
        l->traces[i] = st->buf[i];
    l->ntraces = st->n;
    return 0;
}

/* The comparison table of the experiment's stored runs, as `report` prints it. */
static void print_stored(const char *db, int64_t experiment, size_t planned, bool json)
{
    char err[1024];
    struct sim_compare_table *t = NULL;
    if (sim_compare_read(db, experiment, &t, err, sizeof err) != 0) {
        sim_cli_fail("compare", "%s", err);
        return;
    }
    t->planned = planned;
    sim_compare_print(stdout, t, json ? SIM_COMPARE_JSON : SIM_COMPARE_TEXT);
    sim_compare_table_free(t);
}

static int new_experiment(const char *db_path, const char *desc, int64_t *id)
{
    char err[1024];
    struct sim_db *db = NULL;
    const char *slash = strrchr(db_path, '/');
    if (slash != NULL && slash != db_path) {
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - db_path), db_path);
        mkdir(dir, 0777);
    }
    if (sim_db_open(db_path, false, &db, err, sizeof err) != 0 ||
        sim_db_create_experiment(db, desc, id, err, sizeof err) != 0) {
        sim_db_close(db);
        return sim_cli_fail("compare", "%s", err);
    }
    sim_db_close(db);
    return 0;
}

int sim_cmd_compare(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "topology", required_argument, NULL, 't' }, { "strategy", required_argument, NULL, 's' },
        { "seeds", required_argument, NULL, 'n' },    { "param", required_argument, NULL, 'p' },
        { "jobs", required_argument, NULL, 'j' },     { "db", required_argument, NULL, 'd' },
        { "json", no_argument, NULL, 'J' },           { "plan", required_argument, NULL, 'P' },
        { "description", required_argument, NULL, 'D' },
        { "per-process", no_argument, NULL, 'R' },
        { "trace-seeds", required_argument, NULL, 'W' },
        { "workdir", required_argument, NULL, 'w' },
        { NULL, 0, NULL, 0 },
    };
    struct lists l = { .ntraces = 0 };
    uint64_t seeds = 3, jobs_n = (uint64_t)sim_online_cpus(), trace_seeds = 0;
    const char *db = SIM_DEFAULT_DB, *plan = NULL, *desc = NULL, *workdir = NULL;
    bool json = false, per_process = false;
    char err[1024];
    int c;
    optind = 1;
    while ((c = sim_cli_getopt("compare", argc, argv, ":t:s:n:p:j:", longopts)) != -1) {
        int rc = 0;
        switch (c) {
        case '?': return SIM_EXIT_USAGE;
        case 't': rc = add(l.topos, &l.ntopos, optarg); break;
        case 's': rc = add_strategies(&l, optarg); break;
        case 'p':
            rc = sim_cli_check_param("compare", optarg) || add(l.params, &l.nparams, optarg);
            break;
        case 'd': db = optarg; break;
        case 'J': json = true; break;
        case 'P': plan = optarg; break;
        case 'D': desc = optarg; break;
        case 'R': per_process = true; break;
        case 'w': workdir = optarg; break;
        case 'W':
            if (!sim_cli_parse_u64(optarg, &trace_seeds) || trace_seeds == 0 ||
                trace_seeds > 1000)
                return sim_cli_usage_error("compare", "--trace-seeds wants 1..1000, not '%s'",
                                           optarg);
            break;
        case 'n':
            if (!sim_cli_parse_u64(optarg, &seeds) || seeds == 0 || seeds > 1000)
                return sim_cli_usage_error("compare", "--seeds wants 1..1000, not '%s'", optarg);
            break;
        case 'j':
            if (!sim_cli_parse_u64(optarg, &jobs_n) || jobs_n == 0 || jobs_n > 1024)
                return sim_cli_usage_error("compare", "-j wants 1..1024, not '%s'", optarg);
            break;
        }
        if (rc != 0)
            return SIM_EXIT_USAGE;
    }
    for (int i = optind; i < argc; i++)
        if (add(l.traces, &l.ntraces, argv[i]) != 0)
            return SIM_EXIT_USAGE;
    if (l.ntraces == 0)
        return sim_cli_usage_error("compare", "which traces? (files or specs like fib:20)");
    if (workdir != NULL && plan == NULL)
        return sim_cli_usage_error("compare", "--workdir goes with --plan");
    struct seeded_traces st = { .n = 0 };
    if (trace_seeds > 0 && seed_traces(&l, (unsigned)trace_seeds, &st) != 0)
        return SIM_EXIT_USAGE;
    if (l.ntopos == 0)
        l.topos[l.ntopos++] = "m1";
    for (size_t i = 0; i < l.ntopos; i++)
        if (sim_cli_check_topology("compare", l.topos[i]) != 0)
            return SIM_EXIT_USAGE;
    for (size_t i = 0; i < l.ntraces; i++)
        if (sim_cli_check_trace("compare", l.traces[i]) != 0)
            return SIM_EXIT_USAGE;
    if (l.nstrats == 0) {
        char all[] = "all";
        add_strategies(&l, all);
    }
    struct sim_compare_spec spec = {
        .traces = l.traces, .ntraces = l.ntraces, .topologies = l.topos,
        .ntopologies = l.ntopos, .strategies = l.strats, .nstrategies = l.nstrats,
        .seeds = (unsigned)seeds, .per_process = per_process,
    };
    if (sim_compare_psets(l.params, l.nparams, &spec.psets, &spec.npsets, err, sizeof err) != 0)
        return sim_cli_usage_error("compare", "%s", err);
    for (size_t i = 0; i < l.nparams; i++)
        sim_cli_strategy_param_note("compare", l.strats, l.nstrats, l.params[i]);
    size_t n = 0;
    struct sim_job *jobs = sim_compare_jobs(&spec, &n);
    int rc = SIM_EXIT_FAIL;
    if (jobs == NULL) {
        free(spec.psets);
        return sim_cli_fail("compare", "out of memory");
    }
    if (plan != NULL) {
        rc = write_plan(plan, workdir, &spec, jobs, n, &l);
        goto out;
    }
    int64_t experiment = 0;
    if (new_experiment(db, desc, &experiment) != 0)
        goto out;
    struct sigaction sa = { .sa_handler = on_sigint };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);   /* no SA_RESTART: waitpid returns to forward it */
    size_t stored = sim_compare_run(&spec, jobs, n, (unsigned)jobs_n, db, experiment,
                                    isatty(STDERR_FILENO), &interrupted, err, sizeof err);
    print_stored(db, experiment, n, json);
    if (stored < n) {
        sim_cli_fail("compare", "%zu of %zu runs stored; %s", stored, n, err);
        rc = interrupted ? 130 : SIM_EXIT_FAIL;
    } else {
        rc = SIM_EXIT_OK;
    }
out:
    free(jobs);
    free(spec.psets);
    free(st.buf);
    return rc;
}
