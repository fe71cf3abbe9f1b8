/* sim_compare.c: parameter sweeps, the job list, parallel worker processes and the comparison
 * table (see sim_compare.h).
 *
 * Workers are forked processes, one per run, at most `workers` at a time: a run that crashes or
 * runs out of memory takes only itself down, and SQLite's WAL with a busy timeout lets them all
 * write to one database. Each run is one transaction, so an interrupted worker (SIGINT stops
 * its simulation between events) leaves no row; the parent forwards SIGINT to its workers,
 * launches nothing new, and reports how many runs were stored. */
#include "sim/run/sim_compare.h"
#include "sim/run/sim_run.h"
#include "sim/engine/sim_topo.h"
#include "sim/trace/import/sim_import.h"
#include "sim/util/sim_util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- sweeps ---------------------------------------------------------------------------------- */

/* Most parameter sets one sweep may expand into (a few `--param a=1,2,...` multiply fast). */
#define MAX_PSETS 100000

/* Split values at commas into v[] (empty values kept, so that ws_params_set refuses them);
 * the number of values, or 0 if there are more than max. */
static size_t split_values(char *values, char **v, size_t max)
{
    size_t n = 0;
    for (char *c = values;; c++) {
        if (n == max)
            return 0;
        v[n++] = c;
        c = strchr(c, ',');
        if (c == NULL)
            return n;
        *c = '\0';
    }
}

int sim_compare_psets(const char **assignments, size_t n, struct sim_pset **out, size_t *nout,
                      char *err, size_t errlen)
{
    struct sim_pset *sets = calloc(1, sizeof(*sets));
    if (sets == NULL)
        return snprintf(err, errlen, "out of memory"), -1;
    ws_params_defaults(&sets[0].p);
    size_t nsets = 1;
    for (size_t a = 0; a < n; a++) {
        const char *eq = strchr(assignments[a], '=');
        if (eq == NULL || eq == assignments[a]) {
            snprintf(err, errlen, "--param wants name=value[,value...], not '%s'", assignments[a]);
            free(sets);
            return -1;
        }
        char name[64], values[1024], *v[256];
        if ((size_t)(eq - assignments[a]) >= sizeof name || strlen(eq + 1) >= sizeof values) {
            snprintf(err, errlen, "--param %.40s...: name or values too long", assignments[a]);
            free(sets);
            return -1;
        }
        snprintf(name, sizeof name, "%.*s", (int)(eq - assignments[a]), assignments[a]);
        snprintf(values, sizeof values, "%s", eq + 1);
        size_t nvals = split_values(values, v, sizeof v / sizeof v[0]);
        if (nvals == 0 || nsets * nvals > MAX_PSETS) {
            if (nvals == 0)
                snprintf(err, errlen, "--param %s: more than %zu values", name,
                         sizeof v / sizeof v[0]);
            else
                snprintf(err, errlen, "--param %s: the sweep has more than %d parameter sets",
                         name, MAX_PSETS);
            free(sets);
            return -1;
        }
        struct sim_pset *next = calloc(nsets * nvals, sizeof(*next));
        if (next == NULL) {
            free(sets);
            return snprintf(err, errlen, "out of memory"), -1;
        }
        size_t k = 0;
        for (size_t i = 0; i < nsets; i++) {
            for (size_t j = 0; j < nvals; j++, k++) {
                next[k] = sets[i];
                if (ws_params_set(&next[k].p, name, v[j], err, errlen) != WS_OK) {
                    free(sets), free(next);
                    return -1;
                }
                if (nvals > 1) {
                    size_t len = strlen(next[k].label);
                    snprintf(next[k].label + len, sizeof next[k].label - len, "%s%s=%s",
                             len ? " " : "", name, v[j]);
                }
            }
        }
        free(sets);
        sets = next;
        nsets = k;
    }
    *out = sets;
    *nout = nsets;
    return 0;
}

struct sim_job *sim_compare_jobs(const struct sim_compare_spec *s, size_t *n)
{
    size_t total = s->ntraces * s->ntopologies * s->npsets * s->nstrategies * s->seeds;
    struct sim_job *jobs = calloc(total ? total : 1, sizeof(*jobs));
    if (jobs == NULL)
        return NULL;
    size_t k = 0;
    for (size_t t = 0; t < s->ntraces; t++)
        for (size_t o = 0; o < s->ntopologies; o++)
            for (size_t p = 0; p < s->npsets; p++)
                for (size_t g = 0; g < s->nstrategies; g++)
                    for (unsigned seed = 1; seed <= s->seeds; seed++)
                        jobs[k++] = (struct sim_job){ t, o, g, p, seed, 0, { 0 }, 0 };
    *n = total;
    return jobs;
}

/* ---- workers --------------------------------------------------------------------------------- */

struct worker_msg {
    int ok;
    int64_t run_id;
    uint32_t ncores;
    struct sim_run_summary summary;
    char err[768];
};

static volatile int child_stop;

static void child_on_sigint(int sig)
{
    (void)sig;
    child_stop = 1;
}

/* In the child: run one job, report through fd, exit. */
static void __attribute__((noreturn))
worker(const struct sim_compare_spec *s, const struct sim_job *j, const char *db,
       int64_t experiment, int fd)
{
    signal(SIGINT, child_on_sigint);
    struct sim_run_opts o = {
        .trace = s->traces[j->trace], .topology = s->topologies[j->topology],
        .strategy = s->strategies[j->strategy], .seed = j->seed,
        .params = s->psets[j->pset].p, .db_path = db, .experiment_id = experiment,
        .per_process = s->per_process,
        .stopped = &child_stop,
    };
    struct sim_run_result r;
    struct worker_msg m;
    memset(&m, 0, sizeof m);
    m.ok = sim_run_replay(&o, &r, m.err, sizeof m.err) == 0;
    if (m.ok) {
        m.run_id = r.run_id;
        m.summary = r.summary;
        m.ncores = r.ncores;
    }
    ssize_t w = write(fd, &m, sizeof m);
    _exit(w == (ssize_t)sizeof m && m.ok ? 0 : 1);
}

struct slot {
    pid_t pid;
    int fd;
    size_t job;
};

static void draw_progress(size_t done, size_t total, uint64_t t0)
{
    double el = (double)(sim_now_ns() - t0) / 1e9;
    double left = done ? el / (double)done * (double)(total - done) : 0;
    int width = 30, fill = total ? (int)((double)width * (double)done / (double)total) : width;
    fprintf(stderr, "\r[%.*s%*s] %zu/%zu runs, %.1f s elapsed, ~%.1f s left ", fill,
            "##############################", width - fill, "", done, total, el, left);
    fflush(stderr);
}

/* Reap one finished worker; returns its slot index or -1 (EINTR). */
static int reap(struct slot *slots, unsigned nslots, struct sim_job *jobs, bool *ok,
                char *err, size_t errlen)
{
    int status;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0)
        return -1;
    for (unsigned i = 0; i < nslots; i++) {
        if (slots[i].pid != pid)
            continue;
        struct worker_msg m;
        ssize_t r = read(slots[i].fd, &m, sizeof m);
        close(slots[i].fd);
        slots[i].pid = 0;
        *ok = r == (ssize_t)sizeof m && m.ok;
        if (*ok) {
            jobs[slots[i].job].run_id = m.run_id;
            jobs[slots[i].job].summary = m.summary;
            jobs[slots[i].job].ncores = m.ncores;
        } else if (err[0] == '\0') {
            snprintf(err, errlen, "%s", r == (ssize_t)sizeof m ? m.err
                                        : "a worker died without reporting (crash or kill)");
        }
        return (int)i;
    }
    return -1;
}

size_t sim_compare_run(const struct sim_compare_spec *s, struct sim_job *jobs, size_t n,
                       unsigned workers, const char *db_path, int64_t experiment_id,
                       bool progress, volatile int *stopped, char *err, size_t errlen)
{
    struct slot *slots = calloc(workers, sizeof(*slots));
    if (slots == NULL)
        return snprintf(err, errlen, "out of memory"), 0;
    err[0] = '\0';
    size_t next = 0, done = 0, stored = 0;
    unsigned running = 0;
    uint64_t t0 = sim_now_ns();
    bool forwarded = false;
    fflush(NULL);
    while ((next < n && !*stopped && err[0] == '\0') || running > 0) {
        while (running < workers && next < n && !*stopped && err[0] == '\0') {
            int fds[2];
            unsigned i = 0;
            while (slots[i].pid != 0)
                i++;
            if (pipe(fds) != 0) {
                snprintf(err, errlen, "cannot create a pipe: %s", strerror(errno));
                break;
            }
            pid_t pid = fork();
            if (pid == 0) {
                close(fds[0]);
                worker(s, &jobs[next], db_path, experiment_id, fds[1]);
            }
            close(fds[1]);
            if (pid < 0) {
                close(fds[0]);
                snprintf(err, errlen, "cannot start a worker: %s", strerror(errno));
                break;
            }
            slots[i] = (struct slot){ pid, fds[0], next++ };
            running++;
        }
        if (running == 0)
            break;
        if (*stopped && !forwarded) {
            for (unsigned i = 0; i < workers; i++)
                if (slots[i].pid != 0)
                    kill(slots[i].pid, SIGINT);
            forwarded = true;
        }
        bool ok = false;
        if (reap(slots, workers, jobs, &ok, err, errlen) < 0)
            continue;   /* interrupted: forward SIGINT on the next turn */
        running--;
        done++;
        stored += ok;
        if (progress)
            draw_progress(done, n, t0);
    }
    if (progress)
        fputs("\r\033[K", stderr);
    free(slots);
    if (*stopped && err[0] == '\0')
        snprintf(err, errlen, "interrupted");
    return stored;
}
