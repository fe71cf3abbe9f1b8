/* sim_plot_sweep.c: a parameter sweep drawn as a sweep: mean makespan with its 95% confidence
 * interval against the swept parameter's value, one line per strategy, one plot per trace x
 * topology, a log axis where the values span decades. Only for an experiment in which exactly
 * one parameter varies and takes numeric values. */
#include "sim/plot/sim_plot_int.h"
#include "sim/util/sim_stats.h"

#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static int oom(char *err, size_t errlen)
{
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* The numeric value of parameter `name` in configuration c into *v; false if not a number. */
static bool cfg_value(const struct plot_model *m, const char *name, size_t c, double *v)
{
    sqlite3_stmt *st;
    bool ok = false;
    if (sqlite3_prepare_v2(m->db, "SELECT json_extract(params, '$.' || ?1), "
                           "typeof(json_extract(params, '$.' || ?1)) FROM runs WHERE id = ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, m->runs[m->cfg_first[c]].id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 1);
        ok = t != NULL && (strcmp(t, "integer") == 0 || strcmp(t, "real") == 0);
        *v = sqlite3_column_double(st, 0);
    }
    sqlite3_finalize(st);
    return ok;
}

static int by_value(const void *a, const void *b, void *vals)
{
    double x = ((double *)vals)[*(const size_t *)a], y = ((double *)vals)[*(const size_t *)b];
    return x < y ? -1 : x > y;
}

/* One block per strategy of group g: value mean half n (mean and half in units of scale). */
static void sweep_blocks(const struct plot_model *m, FILE *f, size_t g, size_t nstrat,
                         const size_t *order, size_t *idx, double *xs, const double *val,
                         double scale)
{
    for (size_t s = 0; s < nstrat; s++) {
        size_t rows = 0;
        for (size_t i = 0; i < m->ncfgs; i++) {
            size_t c = order[i], n = m->cfg_strat[c] == s ? plot_cell_runs(m, g, c, idx) : 0;
            for (size_t k = 0; k < n; k++)
                xs[k] = m->runs[idx[k]].makespan_ns;
            struct sim_ci ci;
            sim_ci_compute(xs, n, &ci);
            if (n > 0 && ++rows)
                fprintf(f, "%.17g %.17g %.17g %zu\n", val[c], ci.mean / scale, ci.half / scale, n);
        }
        fprintf(f, "%s\n\n", rows ? "" : "NaN NaN NaN 0");
    }
}

/* Strategy names by number (cfg_strat), as a gnuplot word list; *n gets their count. */
static char *strategy_words(const struct plot_model *m, size_t *n)
{
    char *w = NULL;
    *n = 0;
    for (size_t c = 0; c < m->ncfgs; c++)
        if (m->cfg_strat[c] == *n) {
            plot_words_add(&w, m->runs[m->cfg_first[c]].strategy);
            (*n)++;
        }
    return w;
}

/* Group g's sweep plot of parameter `name` with values val[] (ordered by order[]). */
static int sweep_group(const struct plot_model *m, const char *dir, struct plot_list *l,
                       size_t g, const char *name, const double *val, const size_t *order,
                       char *err, size_t errlen)
{
    char stem[96], slug[64], title[256];
    plot_slug(plot_group_name(m, g), slug, sizeof slug);
    snprintf(stem, sizeof stem, "sweep-%s", slug);
    snprintf(title, sizeof title, "Makespan against %s: %s", name, plot_group_name(m, g));
    size_t *idx = malloc(m->nruns * sizeof *idx), nstrat = 0;
    double *xs = malloc(m->nruns * sizeof *xs), hi = 0, lo = (double)INFINITY, vmax = 0;
    char *words = strategy_words(m, &nstrat);
    if (idx == NULL || xs == NULL || words == NULL)
        return free(idx), free(xs), free(words), oom(err, errlen);
    for (size_t i = 0; i < m->nruns; i++)
        if (m->runs[i].group == g && m->runs[i].makespan_ns > hi)
            hi = m->runs[i].makespan_ns;
    for (size_t c = 0; c < m->ncfgs; c++) {
        vmax = val[c] > vmax ? val[c] : vmax;
        lo = val[c] > 0 && val[c] < lo ? val[c] : lo;
    }
    double scale;
    const char *unit = plot_time_unit(hi, &scale);
    FILE *f = plot_data_open(m, dir, stem, title, plot_runs_sql, "?1 = experiment id",
        "per strategy (one block each) and value of the swept parameter: mean and 95% "
        "Student-t confidence half-width of makespan over the seeds, in the unit named in the "
        "plot", "value mean half n", err, errlen);
    int rc = -1;
    if (f != NULL) {
        sweep_blocks(m, f, g, nstrat, order, idx, xs, val, scale);
        rc = plot_data_close(f, dir, stem, err, errlen);
    }
    free(idx), free(xs);
    if (rc != 0)
        return free(words), -1;
    bool logx = lo > 0 && lo < (double)INFINITY && vmax / lo >= 100 && val[order[0]] > 0;
    char *vars = NULL;
    size_t vlen;
    FILE *v = open_memstream(&vars, &vlen);
    if (v != NULL) {
        fprintf(v, "W=900; H=520; nstrat=%zu; logx=%d; ", nstrat, logx);
        plot_var_str(v, "unit", unit);
        plot_var_str(v, "param", name);
        plot_var_str(v, "strats", words);
        plot_var_str(v, "ttl", title);
        if (fclose(v) != 0) {
            free(vars);
            vars = NULL;
        }
    }
    char *cap = plot_strf("Mean makespan over the seeds against %s, one line per strategy, "
                          "with 95%% confidence intervals (Student t over the seeds)%s. The "
                          "y axis spans the data, not zero, so that small differences show.",
                          name, logx ? "; the x axis is logarithmic (the values span "
                                       "decades)" : "");
    free(words);
    struct plot_item *it = vars && cap ? plot_list_add(l, stem, "sweep", title, cap, vars) : NULL;
    free(vars), free(cap);
    return it == NULL ? oom(err, errlen) : 0;
}

int plot_extract_sweep(const struct plot_model *m, const char *dir, struct plot_list *l,
                       char *err, size_t errlen)
{
    const char *name = m->varying;
    if (name == NULL || name[0] == '\0' || strchr(name, ' ') != NULL || m->ncfgs < 2)
        return 0;   /* not a sweep of one parameter */
    double *val = malloc(m->ncfgs * sizeof *val);
    size_t *order = malloc(m->ncfgs * sizeof *order);
    if (val == NULL || order == NULL)
        return free(val), free(order), oom(err, errlen);
    int rc = 0;
    for (size_t c = 0; c < m->ncfgs && rc == 0; c++) {
        order[c] = c;
        if (!cfg_value(m, name, c, &val[c])) {
            plot_list_note(l, "No sweep plot: parameter %s does not take numeric values.", name);
            rc = 1;
        }
    }
    if (rc == 0)
        qsort_r(order, m->ncfgs, sizeof *order, by_value, val);
    for (size_t g = 0; rc == 0 && g < m->ngroups; g++)
        rc = sweep_group(m, dir, l, g, name, val, order, err, errlen);
    free(val), free(order);
    return rc < 0 ? -1 : 0;
}
