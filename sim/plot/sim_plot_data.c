/* sim_plot_data.c: the bar, scatter and curve plots: makespan with confidence intervals,
 * migrations by distance class, the response-time CDF and energy versus makespan. Each writes
 * one data file with SQL results (and what was derived from them) and adds one plot_item. */
#include "sim/plot/sim_plot_int.h"
#include "sim/util/sim_stats.h"

#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define CDF_POINTS 400   /* quantile points per CDF curve (plus the minimum) */

static int oom(char *err, size_t errlen)
{
    snprintf(err, errlen, "out of memory");
    return -1;
}

static int sql_fail(const struct plot_model *m, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", m->db_path, sqlite3_errmsg(m->db));
    return -1;
}

/* Every configuration's label (cfgs), strategy number (cstrat) and parameter-set number
 * (cvar) as gnuplot word lists. */
static void var_cfgs(const struct plot_model *m, FILE *v)
{
    char *w = NULL;
    for (size_t c = 0; c < m->ncfgs; c++)
        plot_words_add(&w, m->cfg_label[c]);
    plot_var_str(v, "cfgs", w);
    free(w);
    fprintf(v, "cstrat='");
    for (size_t c = 0; c < m->ncfgs; c++)
        fprintf(v, "%s%zu", c ? " " : "", m->cfg_strat[c]);
    fprintf(v, "'; cvar='");
    for (size_t c = 0; c < m->ncfgs; c++)
        fprintf(v, "%s%zu", c ? " " : "", m->cfg_var[c]);
    fprintf(v, "'; ");
}

/* Finish the vars stream v (of the buffer *vbuf) and add the item; frees caption and *vbuf. */
static int add_item(struct plot_list *l, const char *name, const char *script, const char *title,
                    char *caption, FILE *v, char **vbuf, char *err, size_t errlen)
{
    plot_var_str(v, "ttl", title);
    int bad = fclose(v) != 0;
    struct plot_item *it = bad || caption == NULL ? NULL
                           : plot_list_add(l, name, script, title, caption, *vbuf);
    free(caption);
    free(*vbuf);
    return it == NULL ? oom(err, errlen) : 0;
}

/* ---- 1. makespan bars ----------------------------------------------------------------------- */

/* Write group g's rows (x from *x); the best mean into *best, its configuration into *bc, and
 * the lowest and highest CI ends as per cent above the best into *lo, *hi. */
static void makespan_group(const struct plot_model *m, FILE *f, size_t g, size_t *idx,
                           double *xs, int *x, double *best, size_t *bc, double *lo, double *hi)
{
    *best = INFINITY;
    *lo = *hi = 0;
    for (size_t c = 0; c < m->ncfgs; c++) {
        size_t n = plot_cell_runs(m, g, c, idx);
        for (size_t i = 0; i < n; i++)
            xs[i] = m->runs[idx[i]].makespan_ns;
        struct sim_ci k;
        sim_ci_compute(xs, n, &k);
        if (n > 0 && k.mean < *best) {
            *best = k.mean;
            *bc = c;
        }
    }
    for (size_t c = 0; c < m->ncfgs; c++) {
        size_t n = plot_cell_runs(m, g, c, idx);
        if (n == 0)
            continue;
        for (size_t i = 0; i < n; i++)
            xs[i] = m->runs[idx[i]].makespan_ns;
        struct sim_ci k;
        sim_ci_compute(xs, n, &k);
        double norm = *best > 0 ? k.mean / *best : (double)NAN;
        double nh = *best > 0 ? k.half / *best : (double)NAN;
        if (isfinite(norm) && isfinite(nh)) {
            *lo = fmin(*lo, 100 * (norm - nh - 1));
            *hi = fmax(*hi, 100 * (norm + nh - 1));
        }
        fprintf(f, "%d %zu %zu %zu %.17g %.17g %.17g %.17g\n", (*x)++, g, c, n, k.mean, k.half,
                norm, nh);
    }
}

/* Write s into a gnuplot data string (inside "..."), broken into lines ("\n", which gnuplot
 * expands) of about `width` characters after a ',', ':' or ' ' where possible; returns the
 * number of lines. A '"' or '\\' in s is written as '\'' or '/'. */
static int put_wrapped(FILE *f, const char *s, size_t width)
{
    int lines = 1;
    while (*s != '\0') {
        size_t len = strlen(s), cut = len;
        if (len > width) {
            cut = 0;
            for (size_t i = 0; i < len && (i < width || cut == 0); i++)
                if (s[i] == ',' || s[i] == ':' || s[i] == ' ')
                    cut = i + 1;
            if (cut == 0 || cut == len)   /* no place to break: hard-break only if far too long */
                cut = len <= 2 * width ? len : width;
        }
        for (size_t i = 0; i < cut; i++)
            fputc(s[i] == '"' ? '\'' : s[i] == '\\' ? '/' : s[i], f);
        s += cut;
        if (*s != '\0') {
            fputs("\\n", f);
            lines++;
        }
    }
    return lines;
}

/* Block 1 of the makespan file: each group's label, centred under its bars; returns the most
 * lines a label has. */
static int makespan_labels(const struct plot_model *m, FILE *f, const int *gx0, int xend,
                           const double *best, const size_t *bc, int slot_px)
{
    int lines = 1;
    fprintf(f, "\n\n# block 1: group labels\n# columns: x label\n");
    for (size_t g = 0; g < m->ngroups; g++) {
        const struct plot_run *r = &m->runs[m->group_first[g]];
        double scale;
        const char *u = plot_time_unit(best[g], &scale);
        int end = g + 1 < m->ngroups ? gx0[g + 1] - 2 : xend - 2;
        size_t width = (size_t)((end - gx0[g] + 2) * slot_px / 7);   /* ~7 px per character */
        width = width < 10 ? 10 : width;
        fprintf(f, "%.1f \"", (gx0[g] + end) / 2.0);
        int n = put_wrapped(f, r->trace, width);
        fputs("\\n", f);
        n += put_wrapped(f, r->topology, width);
        fputs("\\nbest: ", f);
        n += put_wrapped(f, m->cfg_label[bc[g]], width > 6 ? width - 6 : width);
        fprintf(f, "\\n%.3g %s\"\n", best[g] / scale, u);
        lines = n + 1 > lines ? n + 1 : lines;
    }
    return lines;
}

/* Panel variables of the makespan dot plot: per group I its title gtitles, its y range
 * yloI..yhiI (per cent above the best, around the data, never less than 0.2 points tall) and
 * its best mean bestI in tunitI; the layout and canvas size. */
static void makespan_vars(const struct plot_model *m, FILE *v, const double *best,
                          const size_t *bc, const double *lo, const double *hi)
{
    char *gt = NULL;
    size_t longest = 0, cols = m->ngroups < 2 ? m->ngroups : 2;
    size_t rows = (m->ngroups + cols - 1) / cols;
    for (size_t c = 0; c < m->ncfgs; c++)
        longest = strlen(m->cfg_label[c]) > longest ? strlen(m->cfg_label[c]) : longest;
    for (size_t g = 0; g < m->ngroups; g++) {
        double scale;
        const char *u = plot_time_unit(best[g], &scale);
        char t[640];
        snprintf(t, sizeof t, "%s: best %s, %.4g %s", plot_group_name(m, g), m->cfg_label[bc[g]],
                 best[g] / scale, u);
        plot_words_add(&gt, t);
        double span = fmax(hi[g] - lo[g], 0.2), mid = (hi[g] + lo[g]) / 2;
        fprintf(v, "ylo%zu=%.6g; yhi%zu=%.6g; best%zu=%.9g; ", g + 1, mid - 0.62 * span, g + 1,
                mid + 0.62 * span, g + 1, best[g] / scale);
        char name[32];
        snprintf(name, sizeof name, "tunit%zu", g + 1);
        plot_var_str(v, name, u);
    }
    plot_var_str(v, "gtitles", gt);
    free(gt);
    /* strategy names under the dots, turned when they would not fit side by side */
    int xrot = longest * 7 > 56, turned = (int)(longest > 40 ? 40 : longest) * 7 / 2;
    int bm = 70 + (xrot ? turned : 0), lm = 80 + (xrot ? turned : 0);
    size_t pw = 190 + 60 * m->ncfgs;   /* a panel and its axes (the script's margins) */
    pw = pw < 500 ? 500 : pw;
    size_t w = cols * pw + (size_t)lm - 80, tw = 9 * 90 + 40;   /* room for the title */
    fprintf(v, "ncfg=%zu; npanel=%zu; cols=%zu; rows=%zu; xrot=%d; bm=%d; lm=%d; W=%zu; H=%zu; ",
            m->ncfgs, m->ngroups, cols, rows, xrot, bm, lm, w > tw ? w : tw,
            60 + rows * (300 + (size_t)bm) + (rows - 1) * 50);
    var_cfgs(m, v);
}

int plot_extract_makespan(const struct plot_model *m, const char *dir, struct plot_list *l,
                          char *err, size_t errlen)
{
    const char *title = "Makespan by strategy: per cent above the best strategy of each trace "
                        "and machine";
    FILE *f = plot_data_open(m, dir, "makespan", title, plot_runs_sql, "?1 = experiment id",
        "per trace x topology x strategy: mean and 95% Student-t confidence half-width of "
        "makespan_ns over the seeds; norm = mean / the group's best mean, norm_half = half / "
        "best mean (the plot shows 100 * (norm - 1), per cent above the best).\nblock 1: the x "
        "position of each group's label and the label: trace, topology, the best strategy and "
        "its mean makespan",
        "x group cfg n mean_ns half_ns norm norm_half", err, errlen);
    size_t *idx = malloc(m->nruns * sizeof *idx);
    double *xs = malloc(m->nruns * sizeof *xs), *best = calloc(m->ngroups, sizeof *best);
    double *lo = calloc(m->ngroups, sizeof *lo), *hi = calloc(m->ngroups, sizeof *hi);
    size_t *bc = calloc(m->ngroups, sizeof *bc);
    int *gx0 = calloc(m->ngroups, sizeof *gx0), x = 0;
    char *vbuf = NULL;
    size_t vlen;
    FILE *v = f && idx && xs && best && lo && hi && bc && gx0 ? open_memstream(&vbuf, &vlen)
                                                               : NULL;
    if (v == NULL) {
        if (f != NULL)
            plot_data_discard(f, dir, "makespan");
        free(idx), free(xs), free(best), free(lo), free(hi), free(bc), free(gx0);
        return f == NULL ? -1 : oom(err, errlen);
    }
    for (size_t g = 0; g < m->ngroups; g++) {
        gx0[g] = x;
        makespan_group(m, f, g, idx, xs, &x, &best[g], &bc[g], &lo[g], &hi[g]);
        x++;   /* a gap between groups */
    }
    makespan_labels(m, f, gx0, x, best, bc, 40);
    makespan_vars(m, v, best, bc, lo, hi);
    free(idx), free(xs), free(best), free(lo), free(hi), free(bc), free(gx0);
    if (plot_data_close(f, dir, "makespan", err, errlen) != 0) {
        fclose(v), free(vbuf);
        return -1;
    }
    char *cap = plot_strf(
        "One panel per trace and machine. Each dot is one strategy's mean makespan over its "
        "seeds, drawn as per cent above the best (lowest) mean of the same trace and machine, "
        "so the best strategy is at 0 and +1.5%% means 1.5%% slower; the right axis gives the "
        "same scale in absolute time. Each panel's axis spans its own data (not from zero), so "
        "differences of a few per cent show. Error bars: 95%% confidence interval of the mean "
        "(Student t over the seeds; none with a single seed), scaled by the same best mean.");
    return add_item(l, "makespan", "makespan", title, cap, v, &vbuf, err, errlen);
}

/* ---- panels -------------------------------------------------------------------------------- */

/* Layout of n panels in at most `maxcols` columns; writes npanel, cols, rows. */
static void var_layout(FILE *v, size_t n, size_t maxcols, size_t *cols, size_t *rows)
{
    *cols = n < maxcols ? n : maxcols;
    *rows = (n + *cols - 1) / *cols;
    fprintf(v, "npanel=%zu; cols=%zu; rows=%zu; ", n, *cols, *rows);
}

/* The configurations of group g with runs, as a gnuplot word list of indexes. */
static void var_present(const struct plot_model *m, FILE *v, const char *name, size_t g,
                        size_t *idx)
{
    fprintf(v, "%s='", name);
    const char *sep = "";
    for (size_t c = 0; c < m->ncfgs; c++) {
        if (plot_cell_runs(m, g, c, idx) > 0) {
            fprintf(v, "%s%zu", sep, c);
            sep = " ";
        }
    }
    fprintf(v, "'; ");
}

/* ---- 4. migrations by distance class ------------------------------------------------------- */

static const char *const migr_sql =
    "SELECT distance, SUM(count) FROM migrations\n"
    "WHERE run_id IN (" PLOT_CELL_RUNS ")\n"
    "GROUP BY distance";

static const char *const dist_names[4] = { "smt", "cluster", "node", "remote" };

/* One row per configuration of group g: mean migrations per run by class, and cumulative;
 * the group's mean total into *total. */
static int migrations_group(const struct plot_model *m, sqlite3_stmt *st, FILE *f, size_t g,
                            size_t *idx, double *total)
{
    int x = 0;
    *total = 0;
    for (size_t c = 0; c < m->ncfgs; c++) {
        size_t n = plot_cell_runs(m, g, c, idx);
        if (n == 0)
            continue;
        double mean[4] = { 0, 0, 0, 0 };
        sqlite3_reset(st);
        plot_bind_cell(m, st, g, c);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *d = (const char *)sqlite3_column_text(st, 0);
            for (int k = 0; k < 4; k++)
                if (d != NULL && strcmp(d, dist_names[k]) == 0)
                    mean[k] = sqlite3_column_double(st, 1) / (double)n;
        }
        if (rc != SQLITE_DONE)
            return -1;
        *total += mean[0] + mean[1] + mean[2] + mean[3];
        fprintf(f, "%d %zu %zu %.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g \"%s\"\n", x++, c,
                n, mean[0], mean[1], mean[2], mean[3], mean[0], mean[0] + mean[1],
                mean[0] + mean[1] + mean[2], mean[0] + mean[1] + mean[2] + mean[3],
                m->cfg_label[c]);
    }
    return 0;
}

int plot_extract_migrations(const struct plot_model *m, const char *dir, struct plot_list *l,
                            char *err, size_t errlen)
{
    const char *title = "Migrations by distance class (mean per run)";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->db, migr_sql, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(m, err, errlen);
    FILE *f = plot_data_open(m, dir, "migrations", title, migr_sql,
        "?1 = experiment id, ?2..?6 = the block's trace, topology and each row's strategy, "
        "params, mode",
        "sums divided by n, the runs (seeds) of the strategy; s1..s4 are the cumulative sums "
        "smt, +cluster, +node, +remote (the stacked bars' tops).\n"
        "one block per trace x topology, in the order of the page",
        "x cfg n smt cluster node remote s1 s2 s3 s4 label", err, errlen);
    size_t *idx = malloc(m->nruns * sizeof *idx);
    if (f == NULL || idx == NULL) {
        sqlite3_finalize(st);
        if (f != NULL)
            plot_data_discard(f, dir, "migrations");
        free(idx);
        return f == NULL ? -1 : oom(err, errlen);
    }
    char *vbuf = NULL, *gn = NULL, empty[1024] = "";
    size_t vlen, cols, rows;
    FILE *v = open_memstream(&vbuf, &vlen);
    int rc = v == NULL ? -1 : 0;
    for (size_t g = 0; g < m->ngroups && rc == 0; g++) {
        double total;
        fprintf(f, "%s# block %zu: %s\n", g ? "\n\n" : "", g, plot_group_name(m, g));
        rc = migrations_group(m, st, f, g, idx, &total);
        plot_words_add(&gn, plot_group_name(m, g));
        if (rc == 0 && total == 0) {   /* the panel says so instead of showing no bars */
            size_t len = strlen(empty);
            snprintf(empty + len, sizeof empty - len, "%s%zu", len ? " " : "", g + 1);
            fprintf(f, "# block %zu: no migrations in any run\n", g);
        }
    }
    sqlite3_finalize(st);
    if (rc != 0) {
        if (v != NULL)
            fclose(v);
        plot_data_discard(f, dir, "migrations");
        free(idx), free(vbuf), free(gn);
        return v == NULL ? oom(err, errlen) : sql_fail(m, err, errlen);
    }
    var_layout(v, m->ngroups, m->ngroups == 4 ? 2 : 3, &cols, &rows);
    plot_var_str(v, "gnames", gn);
    plot_var_str(v, "mempty", empty);
    size_t w = cols * (160 + 34 * m->ncfgs);
    fprintf(v, "W=%zu; H=%zu; ", w < 1000 ? 1000 : w, rows * 430 + 60);
    free(gn);
    free(idx);
    if (plot_data_close(f, dir, "migrations", err, errlen) != 0) {
        fclose(v);
        free(vbuf);
        return -1;
    }
    char *cap = plot_strf(
        "Process migrations per run (mean over the seeds), split by how far they moved: "
        "between SMT siblings, within a cluster (shared L2), between clusters of one NUMA node, "
        "or to another node. One panel per trace and machine, each with its own scale; a panel "
        "whose runs made no migration says so.");
    return add_item(l, "migrations", "migrations", title, cap, v, &vbuf, err, errlen);
}

/* ---- 5. response-time CDF ------------------------------------------------------------------ */

static const char *const resp_count_sql =
    "SELECT COUNT(*) FROM processes\n"
    "WHERE end_ns IS NOT NULL AND run_id IN (" PLOT_CELL_RUNS ")";
static const char *const resp_sql =
    "SELECT end_ns - spawn_ns AS resp FROM processes\n"
    "WHERE end_ns IS NOT NULL AND run_id IN (" PLOT_CELL_RUNS ")\n"
    "ORDER BY resp";

/* Write the empirical CDF of cell (g, c) at CDF_POINTS+1 evenly spaced ranks; returns the
 * number of processes, or -1 on an SQL error. */
static int64_t cdf_block(const struct plot_model *m, sqlite3_stmt *cnt, sqlite3_stmt *st, FILE *f,
                     size_t g, size_t c)
{
    sqlite3_reset(cnt);
    plot_bind_cell(m, cnt, g, c);
    if (sqlite3_step(cnt) != SQLITE_ROW)
        return -1;
    int64_t n = sqlite3_column_int64(cnt, 0);
    fprintf(f, "# processes: %lld\n", (long long)n);
    if (n == 0)
        return 0;
    sqlite3_reset(st);
    plot_bind_cell(m, st, g, c);
    int64_t rank = 0, k = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        /* emit rank r when it is the k-th of the evenly spaced ranks (n-1)*k/CDF_POINTS */
        int64_t want = n > 1 ? (n - 1) * k / CDF_POINTS : 0;
        if (rank == want || rank == n - 1) {
            fprintf(f, "%lld %.17g\n", (long long)sqlite3_column_int64(st, 0),
                    (double)(rank + 1) / (double)n);
            while (k <= CDF_POINTS && (n > 1 ? (n - 1) * k / CDF_POINTS : 0) <= rank)
                k++;
        }
        rank++;
    }
    return rc == SQLITE_DONE ? n : -1;
}

/* Write the p50/p95/p99 of the run summaries of cell (g, c), means over its seeds. */
static void summary_block(const struct plot_model *m, FILE *f, size_t g, size_t c, size_t *idx)
{
    static const double fr[3] = { 0.50, 0.95, 0.99 };
    size_t n = plot_cell_runs(m, g, c, idx);
    fprintf(f, "# from run_summary resp_p50_ns, resp_p95_ns, resp_p99_ns: mean over %zu runs\n",
            n);
    for (int q = 0; q < 3; q++) {
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += m->runs[idx[i]].resp_ns[q];
        fprintf(f, "%.17g %.2f\n", s / (double)n, fr[q]);
    }
}

/* Append " N" (or "N" first) to a gnuplot word list held in buf[cap]. */
static void list_add(char *buf, size_t cap, size_t n)
{
    size_t len = strlen(buf);
    snprintf(buf + len, cap - len, "%s%zu", len ? " " : "", n);
}

/* Blocks of group g; appends to v the lists of its CDF blocks (cblkG, their strategies ccfgG)
 * and of its summary-only blocks (sblkG, scfgG). */
static int response_group(const struct plot_model *m, sqlite3_stmt *cnt, sqlite3_stmt *st,
                          FILE *f, FILE *v, size_t g, size_t *idx, size_t *block,
                          unsigned char *kinds)
{
    char cblk[2048] = "", ccfg[2048] = "", sblk[2048] = "", scfg[2048] = "";
    for (size_t c = 0; c < m->ncfgs; c++) {
        size_t n = plot_cell_runs(m, g, c, idx);
        if (n == 0)
            continue;
        bool all = true;
        for (size_t i = 0; i < n; i++)
            all = all && m->runs[idx[i]].per_process;
        fprintf(f, "%s# block %zu: %s, %s, %zu runs, %s\n", *block ? "\n\n" : "", *block,
                plot_group_name(m, g), m->cfg_label[c], n,
                all ? "per-process response times (CDF)" : "summary percentiles only");
        int64_t np = all ? cdf_block(m, cnt, st, f, g, c) : 0;
        if (np < 0)
            return -1;
        if (np == 0)   /* no per-process rows, or no process ever ended */
            summary_block(m, f, g, c, idx);
        kinds[c] |= np ? 1 : 2;
        list_add(np ? cblk : sblk, sizeof cblk, (*block)++);
        list_add(np ? ccfg : scfg, sizeof ccfg, c);
    }
    fprintf(v, "cblk%zu='%s'; ccfg%zu='%s'; sblk%zu='%s'; scfg%zu='%s'; ", g + 1, cblk, g + 1,
            ccfg, g + 1, sblk, g + 1, scfg);
    return 0;
}

/* The legend kind of each strategy (1 CDF, 2 summary points, 3 both) as `lkinds`; true when
 * any strategy has summary points. */
static bool var_kinds(const struct plot_model *m, FILE *v, const unsigned char *kinds)
{
    bool summary = false;
    fprintf(v, "lkinds='");
    for (size_t c = 0; c < m->ncfgs; c++) {
        fprintf(v, "%s%d", c ? " " : "", kinds[c]);
        summary = summary || (kinds[c] & 2);
    }
    fprintf(v, "'; ");
    return summary;
}

int plot_extract_response(const struct plot_model *m, const char *dir, struct plot_list *l,
                          char *err, size_t errlen)
{
    const char *title = "Response time (spawn to exit) distribution by strategy";
    sqlite3_stmt *cnt = NULL, *st = NULL;
    if (sqlite3_prepare_v2(m->db, resp_count_sql, -1, &cnt, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(m->db, resp_sql, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(cnt);
        return sql_fail(m, err, errlen);
    }
    char *q = plot_strf("%s;\n%s", resp_count_sql, resp_sql);
    FILE *f = q == NULL ? NULL : plot_data_open(m, dir, "response", title, q,
        "?1 = experiment id, ?2..?6 = the block's trace, topology, strategy, params, mode",
        "per-process blocks: the empirical CDF of the response times pooled over the seeds, at "
        "401 evenly spaced ranks (fraction = (rank+1) / processes); strategies whose runs lack "
        "per-process rows get the run_summary percentiles instead (fraction 0.50, 0.95, 0.99)",
        "resp_ns fraction", err, errlen);
    free(q);
    size_t *idx = malloc(m->nruns * sizeof *idx), block = 0, cols, rows;
    unsigned char *kinds = calloc(m->ncfgs, 1);   /* per strategy: 1 CDF, 2 summary, 3 both */
    char *vbuf = NULL, *gn = NULL;
    size_t vlen;
    FILE *v = f && idx && kinds ? open_memstream(&vbuf, &vlen) : NULL;
    int rc = v == NULL ? -1 : 0;
    for (size_t g = 0; g < m->ngroups && rc == 0; g++) {
        rc = response_group(m, cnt, st, f, v, g, idx, &block, kinds);
        plot_words_add(&gn, plot_group_name(m, g));
    }
    sqlite3_finalize(cnt);
    sqlite3_finalize(st);
    free(idx);
    if (rc != 0) {
        if (v != NULL)
            fclose(v), free(vbuf);
        if (f != NULL)
            plot_data_discard(f, dir, "response");
        free(gn), free(kinds);
        return f == NULL ? -1 : v == NULL ? oom(err, errlen) : sql_fail(m, err, errlen);
    }
    bool summary = var_kinds(m, v, kinds);
    free(kinds);
    var_layout(v, m->ngroups, 2, &cols, &rows);
    plot_var_str(v, "gnames", gn);
    var_cfgs(m, v);
    fprintf(v, "W=%zu; H=%zu; ", cols * 620, rows * 440 + 80);
    free(gn);
    if (plot_data_close(f, dir, "response", err, errlen) != 0) {
        fclose(v), free(vbuf);
        return -1;
    }
    char *cap = plot_strf(
        "Fraction of processes whose response time (spawn to exit) is at most x, per strategy, "
        "pooled over all seeds; log time axis. One panel per trace and machine. Each strategy's "
        "line is thinner than the one before, so curves that coincide show as one multicoloured "
        "band.%s",
        summary ? " Strategies marked 'p50/p95/p99 only' were run without --per-process: their "
                  "points are the means of the stored 50th, 95th and 99th percentiles, not a "
                  "full distribution." : "");
    return add_item(l, "response", "response", title, cap, v, &vbuf, err, errlen);
}

/* ---- 6. energy versus makespan ------------------------------------------------------------- */

/* One block per trace x topology on a P/E machine, one row per run; the panel variables into v
 * and the panel names into *gn. Returns the number of blocks. */
static size_t energy_blocks(const struct plot_model *m, FILE *f, FILE *v, size_t *idx, char **gn)
{
    size_t np = 0;
    for (size_t g = 0; g < m->ngroups; g++) {
        if (!m->runs[m->group_first[g]].pe)
            continue;
        fprintf(f, "%s# block %zu: %s\n", np ? "\n\n" : "", np, plot_group_name(m, g));
        for (size_t i = 0; i < m->nruns; i++) {
            const struct plot_run *r = &m->runs[i];
            if (r->group == g)
                fprintf(f, "%zu %.17g %.17g %lld %lld\n", r->cfg, r->makespan_ns, r->energy_j,
                        (long long)r->seed, (long long)r->id);
        }
        char name[16];
        snprintf(name, sizeof name, "cfg%zu", ++np);
        var_present(m, v, name, g, idx);
        plot_words_add(gn, plot_group_name(m, g));
    }
    return np;
}

int plot_extract_energy(const struct plot_model *m, const char *dir, struct plot_list *l,
                        char *err, size_t errlen)
{
    const char *title = "Energy versus makespan on P/E machines (one point per run)";
    size_t npe = 0;
    double maxt = 0, maxe = 0;
    for (size_t i = 0; i < m->nruns; i++) {
        if (!m->runs[i].pe)
            continue;
        maxt = m->runs[i].makespan_ns > maxt ? m->runs[i].makespan_ns : maxt;
        maxe = m->runs[i].energy_j > maxe ? m->runs[i].energy_j : maxe;
        npe++;
    }
    if (npe == 0) {
        plot_list_note(l, "No energy-versus-makespan plot: no run of this experiment is on a "
                          "machine with both P and E cores.");
        return 0;
    }
    FILE *f = plot_data_open(m, dir, "energy", title, plot_runs_sql, "?1 = experiment id",
        "rows of runs on machines with both P and E cores (the EXISTS columns), one block per "
        "trace x topology",
        "cfg makespan_ns energy_j seed run_id", err, errlen);
    size_t *idx = malloc(m->nruns * sizeof *idx), np = 0, cols, rows;
    char *vbuf = NULL, *gn = NULL;
    size_t vlen;
    FILE *v = f && idx ? open_memstream(&vbuf, &vlen) : NULL;
    if (v == NULL) {
        if (f != NULL)
            plot_data_discard(f, dir, "energy");
        free(idx);
        return f == NULL ? -1 : oom(err, errlen);
    }
    np = energy_blocks(m, f, v, idx, &gn);
    free(idx);
    double ts, es = maxe >= 1 ? 1 : maxe >= 1e-3 ? 1e-3 : 1e-6;
    const char *tu = plot_time_unit(maxt, &ts);
    var_layout(v, np, 2, &cols, &rows);
    plot_var_str(v, "gnames", gn);
    plot_var_str(v, "tunit", tu);
    plot_var_str(v, "eunit", es == 1 ? "J" : es == 1e-3 ? "mJ" : "µJ");
    fprintf(v, "tscale=%g; escale=%g; W=%zu; H=%zu; ", ts, es, cols * 620, rows * 440 + 80);
    var_cfgs(m, v);
    free(gn);
    if (plot_data_close(f, dir, "energy", err, errlen) != 0) {
        fclose(v), free(vbuf);
        return -1;
    }
    char *cap = plot_strf(
        "Each point is one run (one seed): its makespan against the machine's modelled energy "
        "for the run, coloured by strategy. Lower left is better on both. Each strategy has its "
        "own symbol shape and size, so runs with equal results show as nested symbols rather "
        "than hiding each other. Only machines with both performance (P) and efficiency (E) "
        "cores are shown, one panel per trace and machine.");
    return add_item(l, "energy", "energy", title, cap, v, &vbuf, err, errlen);
}
