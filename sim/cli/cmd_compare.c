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

/* One `schedlab replay` command per job, each writing its own database beside the plan. */
static int write_plan(const char *path, const struct sim_compare_spec *s,
                      const struct sim_job *jobs, size_t n, const struct lists *l)
{
    char exe[PATH_MAX], dir[PATH_MAX + 8];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        snprintf(exe, sizeof exe, "schedlab");
    else
        exe[len] = '\0';
    snprintf(dir, sizeof dir, "%s.d", path);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return sim_cli_fail("compare", "%s: cannot create folder: %s", dir, strerror(errno));
    struct sim_outfile o;
    if (sim_outfile_open(&o, path) != 0)
        return sim_cli_fail("compare", "%s: cannot write: %s", path, strerror(errno));
    FILE *f = o.f;
    for (size_t i = 0; i < n; i++) {
        const struct sim_job *j = &jobs[i];
        shell_quote(f, exe);
        fputs(" replay ", f);
        shell_quote(f, s->traces[j->trace]);
        fputs(" --topology ", f);
        shell_quote(f, s->topologies[j->topology]);
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
    printf("run them with e.g.  parallel --jobs 8 < %s   (or one line per Slurm array task)\n",
           path);
    printf("then merge:         schedlab merge OUT.db %s/run-*.db\n", dir);
    return SIM_EXIT_OK;
}

/* The second table of a group: the derived metrics, means over seeds. */
static void print_derived(const struct sim_compare_spec *s, const struct sim_compare_group *g)
{
    printf("  %-10s %-22s %12s %8s %10s %8s %8s %8s\n", "strategy", "params", "migr/s",
           "migr ok", "cost ns", "busy CV", "max/mean", "steal ok");
    for (size_t r = 0; r < g->nrows; r++) {
        const struct sim_compare_row *w = &g->rows[r];
        printf("  %-10s %-22s %12.1f %7.1f%% %10.0f %8.3f %8.3f %7.1f%%\n",
               s->strategies[w->strategy],
               s->psets[w->pset].label[0] ? s->psets[w->pset].label : "-",
               w->migration_rate_per_s, 100 * w->migration_success_rate,
               w->migration_cost_avg_ns, w->busy_cv, w->busy_max_mean,
               100 * w->steal_success_rate);
    }
}

static void print_table(const struct sim_compare_spec *s, const struct sim_compare_group *g,
                        size_t ng)
{
    for (size_t i = 0; i < ng; i++) {
        printf("\n%s on %s (%u cores)", s->traces[g[i].trace], s->topologies[g[i].topology],
               g[i].ncores);
        if (g[i].bound_kind != NULL)
            printf(", lower bound %.3f ms (%s)", (double)g[i].lower_bound_ns / 1e6,
                   g[i].bound_kind);
        printf("\n  %-10s %-22s %-24s %6s %6s %7s %9s %-22s %10s %10s\n", "strategy", "params",
               "makespan ms (95% CI)", "/best", "/bound", "util", "steals",
               "migr smt/cl/node/rem", "p99 resp", "energy J");
        for (size_t r = 0; r < g[i].nrows; r++) {
            const struct sim_compare_row *w = &g[i].rows[r];
            char ms[48], mig[48];
            snprintf(ms, sizeof ms, "%.4f ± %.4f (n=%zu)", w->makespan.mean / 1e6,
                     w->makespan.half / 1e6, w->makespan.n);
            snprintf(mig, sizeof mig, "%.0f/%.0f/%.0f/%.0f", w->migrations[0], w->migrations[1],
                     w->migrations[2], w->migrations[3]);
            printf("  %-10s %-22s %-24s %6.3f %6.3f %6.1f%% %9.0f %-22s %8.1fus %10.4g\n",
                   s->strategies[w->strategy],
                   s->psets[w->pset].label[0] ? s->psets[w->pset].label : "-", ms, w->vs_best,
                   w->vs_bound, 100 * w->utilization.mean, w->steals, mig,
                   w->resp_p99_ns / 1e3, w->energy_j);
        }
        print_derived(s, &g[i]);
    }
}

static void ci_json(cJSON *o, const char *key, const struct sim_ci *c)
{
    cJSON *x = cJSON_AddObjectToObject(o, key);
    cJSON_AddNumberToObject(x, "mean", c->mean);
    cJSON_AddNumberToObject(x, "ci95", c->half);
    cJSON_AddNumberToObject(x, "sd", c->sd);
    cJSON_AddNumberToObject(x, "n", (double)c->n);
}

static void print_json(const struct sim_compare_spec *s, const struct sim_compare_group *g,
                       size_t ng, int64_t experiment, const char *db, size_t stored, size_t n)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "experiment_id", (double)experiment);
    cJSON_AddStringToObject(o, "db", db);
    cJSON_AddNumberToObject(o, "runs", (double)n);
    cJSON_AddNumberToObject(o, "stored", (double)stored);
    cJSON *groups = cJSON_AddArrayToObject(o, "groups");
    for (size_t i = 0; i < ng; i++) {
        cJSON *gr = cJSON_CreateObject();
        cJSON_AddItemToArray(groups, gr);
        cJSON_AddStringToObject(gr, "trace", s->traces[g[i].trace]);
        cJSON_AddStringToObject(gr, "topology", s->topologies[g[i].topology]);
        cJSON_AddNumberToObject(gr, "cores", g[i].ncores);
        cJSON_AddNumberToObject(gr, "lower_bound_ns", (double)g[i].lower_bound_ns);
        if (g[i].bound_kind)
            cJSON_AddStringToObject(gr, "bound_kind", g[i].bound_kind);
        cJSON *rows = cJSON_AddArrayToObject(gr, "rows");
        for (size_t r = 0; r < g[i].nrows; r++) {
            const struct sim_compare_row *w = &g[i].rows[r];
            cJSON *x = cJSON_CreateObject();
            cJSON_AddItemToArray(rows, x);
            cJSON_AddStringToObject(x, "strategy", s->strategies[w->strategy]);
            cJSON_AddStringToObject(x, "params", s->psets[w->pset].label);
            ci_json(x, "makespan_ns", &w->makespan);
            cJSON_AddNumberToObject(x, "vs_best", w->vs_best);
            cJSON_AddNumberToObject(x, "vs_bound", w->vs_bound);
            ci_json(x, "utilization", &w->utilization);
            cJSON_AddNumberToObject(x, "steals", w->steals);
            cJSON_AddNumberToObject(x, "steal_attempts", w->steal_attempts);
            cJSON *m = cJSON_AddObjectToObject(x, "migrations");
            const char *names[] = { "smt", "cluster", "node", "remote" };
            for (int d = 0; d < SIM_DIST_COUNT; d++)
                cJSON_AddNumberToObject(m, names[d], w->migrations[d]);
            cJSON_AddNumberToObject(x, "resp_p99_ns", w->resp_p99_ns);
            cJSON_AddNumberToObject(x, "energy_j", w->energy_j);
            cJSON_AddNumberToObject(x, "migration_rate_per_s", w->migration_rate_per_s);
            cJSON_AddNumberToObject(x, "migration_success_rate", w->migration_success_rate);
            cJSON_AddNumberToObject(x, "migration_cost_avg_ns", w->migration_cost_avg_ns);
            cJSON_AddNumberToObject(x, "busy_cv", w->busy_cv);
            cJSON_AddNumberToObject(x, "busy_max_mean", w->busy_max_mean);
            cJSON_AddNumberToObject(x, "steal_success_rate", w->steal_success_rate);
        }
    }
    char *t = cJSON_PrintUnformatted(o);
    puts(t);
    free(t);
    cJSON_Delete(o);
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
        { NULL, 0, NULL, 0 },
    };
    struct lists l = { .ntraces = 0 };
    uint64_t seeds = 3, jobs_n = (uint64_t)sim_online_cpus();
    const char *db = SIM_DEFAULT_DB, *plan = NULL, *desc = NULL;
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
        case 'p': rc = add(l.params, &l.nparams, optarg); break;
        case 'd': db = optarg; break;
        case 'J': json = true; break;
        case 'P': plan = optarg; break;
        case 'D': desc = optarg; break;
        case 'R': per_process = true; break;
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
    if (l.ntopos == 0)
        l.topos[l.ntopos++] = "m1";
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
        rc = write_plan(plan, &spec, jobs, n, &l);
        free(jobs), free(spec.psets);
        return rc;
    }
    int64_t experiment = 0;
    if (new_experiment(db, desc, &experiment) != 0)
        goto out;
    struct sigaction sa = { .sa_handler = on_sigint };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);   /* no SA_RESTART: waitpid returns to forward it */
    size_t stored = sim_compare_run(&spec, jobs, n, (unsigned)jobs_n, db, experiment,
                                    isatty(STDERR_FILENO), &interrupted, err, sizeof err);
    size_t ng = 0;
    struct sim_compare_group *g = sim_compare_tabulate(&spec, jobs, n, &ng);
    if (g != NULL && json)
        print_json(&spec, g, ng, experiment, db, stored, n);
    else if (g != NULL) {
        printf("experiment %lld in %s: %zu of %zu runs stored", (long long)experiment, db, stored,
               n);
        print_table(&spec, g, ng);
    }
    sim_compare_groups_free(g, ng);
    if (stored < n) {
        sim_cli_fail("compare", "%zu of %zu runs stored; %s", stored, n, err);
        rc = interrupted ? 130 : SIM_EXIT_FAIL;
    } else {
        rc = SIM_EXIT_OK;
    }
out:
    free(jobs);
    free(spec.psets);
    return rc;
}
