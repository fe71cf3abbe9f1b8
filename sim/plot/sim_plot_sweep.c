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

/* ---- tick labels that tell every value apart ---------------------------------------------- */

#define TICKS_MAX 16   /* labels at least 1/TICKS_MAX of the axis apart (closer: tick only) */
#define DECIMALS_MAX 12

/* v with d decimals, trailing zeros dropped, SI-suffixed (k M G T P) when |v| >= 10^4 ("10k",
 * "1.000001M"); *back gets the value the label reads as. */
static void tick_label(double v, int d, char *buf, size_t len, double *back)
{
    static const char si[] = "\0kMGTP";
    int k = 0;
    double mult = 1;
    if (fabs(v) >= 1e4)
        for (; k < 5 && fabs(v) / mult >= 1e3; k++)
            mult *= 1e3;
    int n = snprintf(buf, len, "%.*f", d, v / mult);
    if (strchr(buf, '.') != NULL) {
        while (n > 0 && buf[n - 1] == '0')
            buf[--n] = '\0';
        if (n > 0 && buf[n - 1] == '.')
            buf[--n] = '\0';
    }
    *back = strtod(buf, NULL) * mult;
    if (k > 0 && (size_t)n + 1 < len)
        buf[n] = si[k], buf[n + 1] = '\0';
}

/* Do d decimals label the increasing values v[0..n) as increasing values (so no two alike)? */
static bool decimals_tell_apart(const double *v, size_t n, int d)
{
    char buf[64];
    double prev = 0, back;
    for (size_t i = 0; i < n; i++) {
        tick_label(v[i], d, buf, sizeof buf, &back);
        if (i > 0 && !(back > prev))
            return false;
        prev = back;
    }
    return true;
}

/* Where x lies along an axis from lo (linear, or log when logx). */
static double axis_pos(double x, double lo, bool logx)
{
    return logx ? log10(x / lo) : x - lo;
}

/* Keep in v[0..n) (increasing) the values labelled: the first, then each one at least
 * 1/TICKS_MAX of the axis from the last kept (closer labels would print over each other);
 * returns how many. */
static size_t labelled(double *v, size_t n, bool logx)
{
    double span = axis_pos(v[n - 1], v[0], logx);
    size_t m = 1;
    for (size_t i = 1; i < n; i++)
        if (axis_pos(v[i], v[0], logx) - axis_pos(v[m - 1], v[0], logx) >= span / TICKS_MAX)
            v[m++] = v[i];
    return m;
}

/* gnuplot xtics list ("label" value, ...) of the distinct values val[order[..]] (increasing):
 * a tick at each, the labelled ones (see labelled) with the fewest decimals that tell them
 * apart, the others unlabelled (""); NULL when out of memory. */
static char *sweep_xtics(const double *val, const size_t *order, size_t ncfgs, bool logx)
{
    double *v = malloc(2 * ncfgs * sizeof *v), *lab = v + ncfgs;
    if (v == NULL)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < ncfgs; i++)
        if (n == 0 || val[order[i]] > v[n - 1])
            v[n++] = val[order[i]];
    memcpy(lab, v, n * sizeof *v);
    size_t m = labelled(lab, n, logx), k = 0;
    int d = 0;
    while (d < DECIMALS_MAX && !decimals_tell_apart(lab, m, d))
        d++;
    char *list = NULL, buf[64] = "";
    size_t len;
    FILE *f = open_memstream(&list, &len);
    for (size_t i = 0; f != NULL && i < n; i++) {
        double back;
        if (k < m && lab[k] == v[i] && ++k)
            tick_label(v[i], d, buf, sizeof buf, &back);
        fprintf(f, "%s\"%s\" %.17g", i ? ", " : "", k && lab[k - 1] == v[i] ? buf : "", v[i]);
    }
    free(v);
    if (f == NULL || fclose(f) != 0)
        return free(list), NULL;
    return list;
}

/* printf format of the y tick labels: gnuplot's ticks are multiples of 1, 2 or 5 times a tenth
 * of the power of ten below the range, so that many decimals label each one exactly. */
static void y_format(double lo, double hi, char *buf, size_t len)
{
    double span = hi - lo > 0 ? hi - lo : fabs(hi) / 100;
    int d = span > 0 ? 1 - (int)floor(log10(span)) : 0;
    snprintf(buf, len, "%%.%df", d < 0 ? 0 : d > 9 ? 9 : d);
}

static int by_value(const void *a, const void *b, void *vals)
{
    double x = ((double *)vals)[*(const size_t *)a], y = ((double *)vals)[*(const size_t *)b];
    return x < y ? -1 : x > y;
}

/* One block per strategy of group g: value mean half n (mean and half in units of scale);
 * y[0], y[1] get the lowest and highest mean -/+ half. */
static void sweep_blocks(const struct plot_model *m, FILE *f, size_t g, size_t nstrat,
                         const size_t *order, size_t *idx, double *xs, const double *val,
                         double scale, double y[2])
{
    y[0] = (double)INFINITY, y[1] = -(double)INFINITY;
    for (size_t s = 0; s < nstrat; s++) {
        size_t rows = 0;
        for (size_t i = 0; i < m->ncfgs; i++) {
            size_t c = order[i], n = m->cfg_strat[c] == s ? plot_cell_runs(m, g, c, idx) : 0;
            for (size_t k = 0; k < n; k++)
                xs[k] = m->runs[idx[k]].makespan_ns;
            struct sim_ci ci;
            sim_ci_compute(xs, n, &ci);
            if (n == 0)
                continue;
            rows++;
            fprintf(f, "%.17g %.17g %.17g %zu\n", val[c], ci.mean / scale, ci.half / scale, n);
            y[0] = fmin(y[0], (ci.mean - ci.half) / scale);
            y[1] = fmax(y[1], (ci.mean + ci.half) / scale);
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
    double y[2] = { 0, 0 };
    bool logx = lo > 0 && lo < (double)INFINITY && vmax / lo >= 100 && val[order[0]] > 0;
    char *xtl = sweep_xtics(val, order, m->ncfgs, logx), yfmt[16];
    if (f != NULL) {
        sweep_blocks(m, f, g, nstrat, order, idx, xs, val, scale, y);
        fprintf(f, "# x tick labels: %s\n", xtl != NULL ? xtl : "-");
        rc = plot_data_close(f, dir, stem, err, errlen);
    }
    free(idx), free(xs);
    if (rc != 0 || xtl == NULL)
        return free(words), free(xtl), rc != 0 ? -1 : oom(err, errlen);
    y_format(y[0], y[1], yfmt, sizeof yfmt);
    char *vars = NULL;
    size_t vlen;
    FILE *v = open_memstream(&vars, &vlen);
    if (v != NULL) {
        fprintf(v, "W=900; H=520; nstrat=%zu; logx=%d; ", nstrat, logx);
        plot_var_str(v, "unit", unit);
        plot_var_str(v, "param", name);
        plot_var_str(v, "strats", words);
        plot_var_str(v, "ttl", title);
        plot_var_str(v, "xtl", xtl);
        plot_var_str(v, "yfmt", yfmt);
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
    free(words), free(xtl);
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
