/* sim_plot.c: `schedlab plot` from database to folder: load the experiment, extract every
 * plot's data file, render what gnuplot can, and write index.html (see sim_plot.h). */
#include "sim/db/sim_db.h"
#include "sim/plot/sim_plot_int.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef int (*extract_fn)(const struct plot_model *, const char *, struct plot_list *, char *,
                          size_t);

/* In the order of the page. */
static const struct {
    const char *what;
    extract_fn fn;
} extractors[] = {
    { "makespan", plot_extract_makespan },
    { "sweep", plot_extract_sweep },
    { "utilisation", plot_extract_util },
    { "steal matrix", plot_extract_steals },
    { "migrations", plot_extract_migrations },
    { "response time", plot_extract_response },
    { "energy", plot_extract_energy },
    { "gantt", plot_extract_gantt },
};

/* mkdir -p; 0 or -1 with errno. *created tells whether the last folder was made here. */
static int make_dirs(const char *path, bool *created)
{
    *created = false;
    char p[PATH_MAX];
    if ((size_t)snprintf(p, sizeof p, "%s", path) >= sizeof p) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *s = p + 1; *s != '\0'; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    if (mkdir(p, 0755) == 0)
        *created = true;
    else if (errno != EEXIST)
        return -1;
    struct stat sb;
    if (stat(p, &sb) != 0)
        return -1;
    if (!S_ISDIR(sb.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* Run the extractors; a failing one is reported and the rest still run. */
static void extract_all(const struct plot_model *m, const char *dir, struct plot_list *l,
                        FILE *log)
{
    for (size_t i = 0; i < sizeof extractors / sizeof extractors[0]; i++) {
        char err[1024] = "";
        if (extractors[i].fn(m, dir, l, err, sizeof err) != 0 && log != NULL)
            fprintf(log, "schedlab plot: no %s plot: %s\n", extractors[i].what, err);
    }
}

/* Remove the data files of l (extracted from a database that changed under them). */
static void remove_data(const struct plot_list *l, const char *dir)
{
    for (size_t i = 0; i < l->n; i++) {
        char path[PATH_MAX];
        if ((size_t)snprintf(path, sizeof path, "%s/%s.dat", dir, l->items[i].name) < sizeof path)
            unlink(path);
    }
}

/* Render with gnuplot when there is one (and the scripts); says why not in log. */
static void render(const struct sim_plot_opts *o, struct plot_list *l, struct sim_plot_result *r)
{
    char gp[PATH_MAX], scripts[PATH_MAX];
    const char *prog = o->gnuplot ? o->gnuplot : "gnuplot";
    if (!plot_find_gnuplot(prog, gp, sizeof gp)) {
        r->gnuplot_missing = true;
        if (o->log != NULL)
            fprintf(o->log, "schedlab plot: gnuplot not found (looked for '%s'%s), so no "
                    "images were drawn; the data files and index.html are written.\n"
                    "  Install it with: apt-get install gnuplot-nox   (Debian/Ubuntu; other "
                    "systems: a gnuplot with the pngcairo and svg terminals)\n"
                    "  then run schedlab plot again.\n", prog, strchr(prog, '/') ? "" : " on PATH");
        return;
    }
    if (!plot_find_scripts(o->scripts_dir, scripts, sizeof scripts)) {
        r->failed = l->n;
        if (o->log != NULL)
            fprintf(o->log, "schedlab plot: the gnuplot scripts (%s) are not in %s; give "
                    "--scripts DIR or set SCHEDLAB_PLOT_SCRIPTS\n", "makespan.gp ...", scripts);
        return;
    }
    plot_render(l, gp, scripts, r->out_dir, o->log, &r->rendered, &r->failed);
}

int sim_plot_run(const struct sim_plot_opts *o, struct sim_plot_result *r, char *err,
                 size_t errlen)
{
    memset(r, 0, sizeof *r);
    struct sim_db *db;
    if (sim_db_open(o->db_path, true, &db, err, errlen) != 0)
        return -1;
    struct plot_model m;
    if (plot_model_load(&m, sim_db_handle(db), sim_db_path(db), o->experiment_id, err,
                        errlen) != 0) {
        plot_model_free(&m);
        sim_db_close(db);
        return -1;
    }
    r->experiment_id = m.experiment_id;
    r->runs = m.nruns;
    if (o->out_dir != NULL)
        snprintf(r->out_dir, sizeof r->out_dir, "%s", o->out_dir);
    else if (m.experiment_id > 0)
        snprintf(r->out_dir, sizeof r->out_dir, "results/plots/%lld", (long long)m.experiment_id);
    else
        snprintf(r->out_dir, sizeof r->out_dir, "results/plots/all");
    int rc = -1;
    bool created = false;
    struct plot_list l = { 0 };
    if (make_dirs(r->out_dir, &created) != 0) {
        snprintf(err, errlen, "%s: cannot create the output folder: %s", r->out_dir,
                 strerror(errno));
        goto out;
    }
    extract_all(&m, r->out_dir, &l, o->log);
    if (sim_db_verify_unchanged(db, err, errlen) != 0) {
        remove_data(&l, r->out_dir);
        goto out;
    }
    r->plots = l.n;
    render(o, &l, r);
    m.table_html = o->table_html;
    if (plot_write_html(&m, &l, r->out_dir, r->gnuplot_missing, err, errlen) != 0) {
        if (l.n == 0)
            goto out;
        if (o->log != NULL)   /* the data files are there: report, but succeed */
            fprintf(o->log, "schedlab plot: %s\n", err);
    }
    rc = 0;
out:
    if (rc != 0 && created)
        rmdir(r->out_dir);   /* only when empty: nothing of a failed plot stays */
    plot_list_free(&l);
    plot_model_free(&m);
    sim_db_close(db);
    return rc;
}
