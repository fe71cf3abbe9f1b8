/* sim_plot_heat.c: the heatmaps, one image per trace x topology with one panel per strategy:
 * per-core utilisation over time (of a representative run) and the thief x victim steal matrix
 * (mean over the seeds). */
#include "sim/engine/sim_topo.h"
#include "sim/plot/sim_plot_int.h"

#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BOUNDS 24   /* heatmaps: draw cluster lines up to this many, else node lines only */

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

/* Stem "KIND-G-trace-topology" of group g's image. */
static void group_stem(const struct plot_model *m, const char *kind, size_t g, char *out,
                       size_t cap)
{
    const struct plot_run *r = &m->runs[m->group_first[g]];
    char a[48], b[32];
    plot_slug(r->trace, a, sizeof a);
    plot_slug(r->topology, b, sizeof b);
    snprintf(out, cap, "%s-%zu-%s-%s", kind, g + 1, a, b);
}

/* Tic step for n cores: a power of two giving at most `labels` labels. */
static unsigned core_step(uint32_t n, unsigned labels)
{
    unsigned step = 1;
    while (step < 4096 && n / step > labels)
        step *= 2;
    return step;
}

static int cmp_makespan(const void *a, const void *b, void *ctx)
{
    const struct plot_model *m = ctx;
    double x = m->runs[*(const size_t *)a].makespan_ns, y = m->runs[*(const size_t *)b].makespan_ns;
    return x < y ? -1 : x > y;
}

/* ---- machine boundaries ------------------------------------------------------------------- */

/* Where the clusters, NUMA nodes and sockets of a run's machine begin: the first core of each
 * but the first, as gnuplot word lists ("96 144"). Clusters and nodes come from the run's
 * core_stats rows (what the run itself recorded); sockets from the topology named in the run,
 * used only when it has the run's cores on the same nodes (else empty). cl is empty when there
 * are more than MAX_BOUNDS clusters (too many lines to read). */
struct heat_bounds {
    char cl[2048], nd[2048], sk[2048];
};

/* Append core to the word list w[cap] (a full list stays as it is). */
static void bound_add(char *w, size_t cap, int64_t core, size_t *count)
{
    size_t len = strlen(w);
    if (len + 24 < cap) {
        snprintf(w + len, cap - len, "%s%lld", len ? " " : "", (long long)core);
        (*count)++;
    }
}

/* Socket starts of run r from its topology, checked against the nodes in node[ncores]. */
static void socket_bounds(const struct plot_run *r, const int64_t *node, struct heat_bounds *b)
{
    struct ws_topo *t;
    char err[512];
    size_t n = 0;
    if (sim_topo_load(r->topology, &t, err, sizeof err) != 0)
        return;
    bool same = t->ncores == r->ncores;
    for (uint32_t c = 0; same && c < t->ncores; c++)
        same = node[c] == (int64_t)t->cores[c].node;
    for (uint32_t c = 1; same && c < t->ncores; c++)
        if (t->cores[c].socket != t->cores[c - 1].socket)
            bound_add(b->sk, sizeof b->sk, c, &n);
    ws_topo_destroy(t);
}

static void heat_bounds(const struct plot_model *m, const struct plot_run *r, struct heat_bounds *b)
{
    sqlite3_stmt *st;
    memset(b, 0, sizeof *b);
    int64_t *node = malloc((r->ncores ? r->ncores : 1) * sizeof *node);
    size_t ncl = 0, nnd = 0, rows = 0;
    if (node == NULL || sqlite3_prepare_v2(m->db, "SELECT core, cluster, node FROM core_stats "
                                           "WHERE run_id = ?1 ORDER BY core", -1, &st,
                                           NULL) != SQLITE_OK) {
        free(node);
        return;
    }
    sqlite3_bind_int64(st, 1, r->id);
    int64_t pc = -1, pn = -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t core = sqlite3_column_int64(st, 0), c = sqlite3_column_int64(st, 1);
        int64_t n = sqlite3_column_int64(st, 2);
        if (pc >= 0 && c != pc)
            bound_add(b->cl, sizeof b->cl, core, &ncl);
        if (pn >= 0 && n != pn)
            bound_add(b->nd, sizeof b->nd, core, &nnd);
        if (core == (int64_t)rows && rows < r->ncores)
            node[rows++] = n;
        pc = c;
        pn = n;
    }
    sqlite3_finalize(st);
    if (ncl > MAX_BOUNDS)
        b->cl[0] = '\0';
    if (rows == r->ncores)
        socket_bounds(r, node, b);
    free(node);
}

/* The boundaries as a data-file comment. */
static void bounds_comment(const struct heat_bounds *b, FILE *f)
{
    fprintf(f, "# boundaries (first core of each but the first): clusters: %s; NUMA nodes: %s; "
            "sockets: %s\n", b->cl[0] ? b->cl : "-", b->nd[0] ? b->nd : "-",
            b->sk[0] ? b->sk : "-");
}

/* Append "HOW lines: WHAT" to the legend text out[cap] (", " between entries). */
static void lines_add(char *out, size_t cap, const char *how, const char *what)
{
    size_t len = strlen(out);
    snprintf(out + len, cap - len, "%s%s lines: %s", len ? ", " : "", how, what);
}

/* The boundaries as the script variables bounds, nbounds and sbounds, and `lines`, the legend
 * of the lines for the subtitle (cl_how, nd_how, sk_how: how each kind is drawn), whose length
 * is returned. Sockets that coincide with the nodes are drawn, and named, once. */
static size_t bounds_vars(const struct heat_bounds *b, FILE *v, const char *cl_how,
                          const char *nd_how, const char *sk_how)
{
    char lines[256] = "";
    bool same = strcmp(b->nd, b->sk) == 0;
    plot_var_str(v, "bounds", b->cl);
    plot_var_str(v, "nbounds", same ? "" : b->nd);
    plot_var_str(v, "sbounds", b->sk);
    if (b->cl[0])
        lines_add(lines, sizeof lines, cl_how, "clusters");
    if (b->nd[0])
        lines_add(lines, sizeof lines, same ? sk_how : nd_how,
                  same ? "NUMA nodes = sockets" : "NUMA nodes");
    if (b->sk[0] && !same)
        lines_add(lines, sizeof lines, sk_how, "sockets");
    plot_var_str(v, "lines", lines);
    return strlen(lines);
}

/* ---- 2. utilisation over time -------------------------------------------------------------- */

static const char *const util_sql =
    "SELECT core, t_ns, utilization FROM timeseries WHERE run_id = ?1 ORDER BY core, t_ns";

/* The timeseries interval of run r, its number of samples and its last sample time (0s when
 * unknown). */
static void util_size(const struct plot_model *m, const struct plot_run *r, int64_t *w,
                      int64_t *n, int64_t *tlast)
{
    sqlite3_stmt *st;
    *w = *n = *tlast = 0;
    if (sqlite3_prepare_v2(m->db, "SELECT timeseries_interval_ns, COUNT(t.t_ns), MAX(t.t_ns) "
                                  "FROM runs r LEFT JOIN timeseries t ON t.run_id = r.id "
                                  "WHERE r.id = ?1", -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, r->id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *w = sqlite3_column_int64(st, 0);
        *n = sqlite3_column_int64(st, 1);
        *tlast = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
}

/* Write run r's samples as a matrix block: row = core, column k = the interval
 * [k*w, (k+1)*w) (the last one may end early, at the makespan); NaN where a core has no
 * sample. -1 on an SQL error or when out of memory. */
static int util_block(sqlite3_stmt *st, FILE *f, const struct plot_run *r, int64_t w,
                      int64_t tlast)
{
    size_t nb = (size_t)((tlast - 1) / w + 1), n = r->ncores;
    double *u = malloc(n * nb * sizeof *u);
    if (u == NULL)
        return -1;
    for (size_t i = 0; i < n * nb; i++)
        u[i] = (double)NAN;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, r->id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t c = sqlite3_column_int64(st, 0), t = sqlite3_column_int64(st, 1);
        size_t k = (size_t)(t > 0 ? (t - 1) / w : 0);
        if (c >= 0 && (size_t)c < n && k < nb)
            u[(size_t)c * nb + k] = sqlite3_column_double(st, 2);
    }
    for (size_t c = 0; c < n; c++)
        for (size_t k = 0; k < nb; k++)
            fprintf(f, "%.4g%c", u[c * nb + k], k + 1 < nb ? ' ' : '\n');
    free(u);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* The median-makespan run of each configuration of group g into rep[c] (SIZE_MAX: none, or
 * too few samples to draw), its interval into w[c] and last sample time into tlast[c]. */
static void util_reps(const struct plot_model *m, struct plot_list *l, size_t g, size_t *idx,
                      size_t *rep, int64_t *w, int64_t *tlast, double *tmax)
{
    *tmax = 0;
    for (size_t c = 0; c < m->ncfgs; c++) {
        size_t n = plot_cell_runs(m, g, c, idx);
        rep[c] = SIZE_MAX;
        if (n == 0)
            continue;
        qsort_r(idx, n, sizeof *idx, cmp_makespan, (void *)m);
        const struct plot_run *r = &m->runs[idx[(n - 1) / 2]];
        int64_t samples;
        util_size(m, r, &w[c], &samples, &tlast[c]);
        if (w[c] <= 0 || r->ncores < 2 || tlast[c] <= w[c] || samples < 2 * (int64_t)r->ncores) {
            /* gnuplot's image needs a grid of at least 2 x 2 */
            plot_list_note(l, "No utilisation panel for run %lld (%s on %s, %s): it has %lld "
                           "timeseries samples on %u cores.", (long long)r->id, r->trace,
                           r->topology, m->cfg_label[c], (long long)samples, r->ncores);
            continue;
        }
        rep[c] = idx[(n - 1) / 2];
        if (r->makespan_ns > *tmax)
            *tmax = r->makespan_ns;
    }
}

/* The caption of group g's utilisation heatmap. */
static char *util_caption(const struct plot_model *m, size_t g, const char *kinds)
{
    char *name = plot_html_escape(plot_group_name(m, g)), *k = plot_html_escape(kinds);
    char *s = plot_strf(
        "How busy each core of %s is over time: colour = fraction of each sampling interval the "
        "core spent running processes (dark = idle, yellow = fully busy). One panel per "
        "strategy, each showing the representative run of that strategy: the seed with the "
        "median makespan (the panel title names it). All panels share the time axis, so a "
        "shorter panel finished earlier. Horizontal lines mark where the machine's NUMA nodes and "
        "sockets begin (and its clusters, when there are few).%s%s",
        name ? name : "", kinds[0] ? " Cores by kind: " : "", k ? k : "");
    free(name);
    free(k);
    return s;
}

/* Scratch arrays of one group, [ncfgs] each except idx [nruns]. */
struct util_scratch {
    size_t *idx, *rep;
    int64_t *w, *tlast;
};

/* Panel titles, configuration indexes and sample widths (in the unit: scale ns) into v;
 * returns the panel count. */
static size_t util_panels(const struct plot_model *m, const struct util_scratch *s, double scale,
                          FILE *v)
{
    char *titles = NULL;
    size_t np = 0;
    for (size_t c = 0; c < m->ncfgs; c++) {
        if (s->rep[c] == SIZE_MAX)
            continue;
        const struct plot_run *r = &m->runs[s->rep[c]];
        char t[512];
        double ms;
        const char *mu = plot_time_unit(r->makespan_ns, &ms);
        snprintf(t, sizeof t, "%s: run %lld, seed %lld, makespan %.3g %s", m->cfg_label[c],
                 (long long)r->id, (long long)r->seed, r->makespan_ns / ms, mu);
        plot_words_add(&titles, t);
        np++;
        fprintf(v, "cfg%zu=%zu; dt%zu=%.9g; ", np, c, np, (double)s->w[c] / scale);
    }
    plot_var_str(v, "titles", titles);
    free(titles);
    return np;
}

static int util_group(const struct plot_model *m, sqlite3_stmt *st, const char *dir,
                      struct plot_list *l, size_t g, struct util_scratch *s, char *err,
                      size_t errlen)
{
    char stem[96], title[512], kinds[256] = "", *vbuf = NULL;
    double tmax, scale;
    util_reps(m, l, g, s->idx, s->rep, s->w, s->tlast, &tmax);
    if (tmax == 0)
        return 0;
    const char *unit = plot_time_unit(tmax, &scale);
    const struct plot_run *first = &m->runs[m->group_first[g]];
    group_stem(m, "util", g, stem, sizeof stem);
    snprintf(title, sizeof title, "Per-core utilisation over time: %s", plot_group_name(m, g));
    plot_core_kinds(m, first->id, kinds, sizeof kinds);
    FILE *f = plot_data_open(m, dir, stem, title, util_sql,
        "?1 = the block's run (the strategy's median-makespan seed)",
        "a matrix per strategy: row = core, column k = utilisation over the interval "
        "[k*w, (k+1)*w) of the run's runs.timeseries_interval_ns w (the last one ends at the "
        "makespan); NaN: no sample",
        "utilization of interval 0, 1, ... (one row per core)", err, errlen);
    if (f == NULL)
        return -1;
    struct heat_bounds b;
    heat_bounds(m, first, &b);
    bounds_comment(&b, f);
    size_t np = 0, vlen;
    for (size_t c = 0; c < m->ncfgs; c++) {
        if (s->rep[c] == SIZE_MAX)
            continue;
        const struct plot_run *r = &m->runs[s->rep[c]];
        fprintf(f, "%s# block %zu: %s, run %lld (seed %lld), interval %lld ns\n",
                np ? "\n\n" : "", np, m->cfg_label[c], (long long)r->id, (long long)r->seed,
                (long long)s->w[c]);
        np++;
        if (util_block(st, f, r, s->w[c], s->tlast[c]) != 0) {
            plot_data_discard(f, dir, stem);
            return sql_fail(m, err, errlen);
        }
    }
    if (plot_data_close(f, dir, stem, err, errlen) != 0)
        return -1;
    FILE *v = open_memstream(&vbuf, &vlen);
    if (v == NULL)
        return oom(err, errlen);
    np = util_panels(m, s, scale, v);
    unsigned ph = first->ncores * 3 < 110 ? 110 : first->ncores * 3 > 300 ? 300
                                                                         : first->ncores * 3;
    fprintf(v, "npanel=%zu; ncores=%u; ystep=%u; tmax=%.9g; W=1000; H=%zu; ", np, first->ncores,
            core_step(first->ncores, ph / 18), tmax / scale, np * (ph + 64) + 130);
    plot_var_str(v, "tunit", unit);
    plot_var_str(v, "kinds", kinds);
    plot_var_str(v, "ttl", title);
    bounds_vars(&b, v, "thin white", "dashed white", "thick white");
    int bad = fclose(v) != 0;
    char *cap = util_caption(m, g, kinds);
    struct plot_item *it = bad || !cap ? NULL : plot_list_add(l, stem, "util", title, cap, vbuf);
    free(cap);
    free(vbuf);
    return it == NULL ? oom(err, errlen) : 0;
}

int plot_extract_util(const struct plot_model *m, const char *dir, struct plot_list *l,
                      char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->db, util_sql, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(m, err, errlen);
    struct util_scratch s = {
        .idx = malloc(m->nruns * sizeof(size_t)), .rep = malloc(m->ncfgs * sizeof(size_t)),
        .w = malloc(m->ncfgs * sizeof(int64_t)), .tlast = malloc(m->ncfgs * sizeof(int64_t)),
    };
    int rc = s.idx && s.rep && s.w && s.tlast ? 0 : oom(err, errlen);
    for (size_t g = 0; g < m->ngroups && rc == 0; g++)
        rc = util_group(m, st, dir, l, g, &s, err, errlen);
    sqlite3_finalize(st);
    free(s.idx);
    free(s.rep);
    free(s.w);
    free(s.tlast);
    return rc;
}

/* ---- 3. steal matrix ----------------------------------------------------------------------- */

static const char *const steal_sql =
    "SELECT thief, victim, SUM(count) FROM steal_matrix\n"
    "WHERE run_id IN (" PLOT_CELL_RUNS ")\n"
    "GROUP BY thief, victim";

/* Mean steals per run of cell (g, c) into mat[thief * n + victim] (0 where none); returns
 * the total, -1 on an SQL error. */
static double steal_matrix(const struct plot_model *m, sqlite3_stmt *st, size_t g, size_t c,
                           size_t runs, uint32_t n, double *mat)
{
    memset(mat, 0, (size_t)n * n * sizeof *mat);
    sqlite3_reset(st);
    plot_bind_cell(m, st, g, c);
    double total = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t t = sqlite3_column_int64(st, 0), vi = sqlite3_column_int64(st, 1);
        double k = sqlite3_column_double(st, 2) / (double)runs;
        if (t >= 0 && vi >= 0 && t < n && vi < n)
            mat[t * n + vi] = k;
        total += k;
    }
    return rc == SQLITE_DONE ? total : -1;
}

/* Write group g's matrices, one block per configuration; panel variables into v. */
static int steal_blocks(const struct plot_model *m, sqlite3_stmt *st, FILE *f, FILE *v, size_t g,
                        size_t *idx, double *mat, size_t *np)
{
    uint32_t n = m->runs[m->group_first[g]].ncores;
    double lo = INFINITY, hi = 0;
    char *titles = NULL, empty[1024] = "";
    for (size_t c = 0; c < m->ncfgs; c++) {
        size_t runs = plot_cell_runs(m, g, c, idx);
        if (runs == 0)
            continue;
        double total = steal_matrix(m, st, g, c, runs, n, mat);
        if (total < 0)
            return free(titles), -1;
        fprintf(f, "%s# block %zu: %s, %zu runs, %.1f steals per run%s\n", *np ? "\n\n" : "",
                *np, m->cfg_label[c], runs, total, total > 0 ? "" : " (no steals)");
        if (total == 0) {   /* the panel says so instead of showing an empty matrix */
            size_t len = strlen(empty);
            snprintf(empty + len, sizeof empty - len, "%s%zu", len ? " " : "", *np + 1);
        }
        for (size_t i = 0; i < (size_t)n * n; i++) {   /* row = thief, column = victim */
            double k = mat[i];
            fprintf(f, "%.6g%c", k, (i + 1) % n ? ' ' : '\n');
            lo = k > 0 && k < lo ? k : lo;
            hi = k > hi ? k : hi;
        }
        char pt[512];
        snprintf(pt, sizeof pt, "%s: %.1f steals/run, %zu seed%s", m->cfg_label[c], total, runs,
                 runs == 1 ? "" : "s");
        plot_words_add(&titles, pt);
        (*np)++;
    }
    plot_var_str(v, "titles", titles);
    plot_var_str(v, "sempty", empty);
    free(titles);
    if (!isfinite(lo))
        lo = 0.1;   /* no steal at all: any range does, the panels are empty */
    fprintf(v, "cbmin=%.6g; cbmax=%.6g; ", lo, hi > lo ? hi : lo * 10);
    return 0;
}

static int steal_group(const struct plot_model *m, sqlite3_stmt *st, const char *dir,
                       struct plot_list *l, size_t g, size_t *idx, char *err, size_t errlen)
{
    const struct plot_run *first = &m->runs[m->group_first[g]];
    uint32_t n = first->ncores;
    char stem[96], title[512], *vbuf = NULL;
    group_stem(m, "steals", g, stem, sizeof stem);
    snprintf(title, sizeof title, "Steals by thief and victim core: %s", plot_group_name(m, g));
    FILE *f = plot_data_open(m, dir, stem, title, steal_sql,
        "?1 = experiment id, ?2..?6 = this group's trace and topology and the block's "
        "strategy, params and mode",
        "SUM(count) / the strategy's number of runs = mean steals per run, as a matrix per "
        "strategy: row = thief core, column = victim core, 0 where no steal happened",
        "steals per run from victim 0, 1, ... (one row per thief)", err, errlen);
    struct heat_bounds b;
    if (f != NULL) {
        heat_bounds(m, first, &b);
        bounds_comment(&b, f);
    }
    double *mat = malloc((size_t)n * n * sizeof *mat);
    size_t vlen, np = 0, cols, rows;
    FILE *v = f && mat ? open_memstream(&vbuf, &vlen) : NULL;
    if (v == NULL || steal_blocks(m, st, f, v, g, idx, mat, &np) != 0) {
        bool sql = v != NULL;
        if (v != NULL)
            fclose(v), free(vbuf);
        if (f != NULL)
            plot_data_discard(f, dir, stem);
        free(mat);
        return f == NULL ? -1 : sql ? sql_fail(m, err, errlen) : oom(err, errlen);
    }
    free(mat);
    if (plot_data_close(f, dir, stem, err, errlen) != 0) {
        fclose(v), free(vbuf);
        return -1;
    }
    cols = np < 3 ? np : 3;
    rows = (np + cols - 1) / cols;
    char kinds[256];
    plot_core_kinds(m, first->id, kinds, sizeof kinds);
    /* wide enough for the title and the subtitle (~9 px a character at 13 points) */
    size_t sub = bounds_vars(&b, v, "grey", "dark", "darkest") + strlen(kinds) + 9;
    size_t w = cols * 440 + 40, tw = 9 * (sub > strlen(title) ? sub : strlen(title)) + 40;
    fprintf(v, "npanel=%zu; cols=%zu; rows=%zu; ncores=%u; ystep=%u; W=%zu; H=%zu; ", np, cols,
            rows, n, core_step(n, 10), w > tw ? w : tw, rows * 450 + 50);
    plot_var_str(v, "kinds", kinds);
    plot_var_str(v, "ttl", title);
    int bad = fclose(v) != 0;
    char *name = plot_html_escape(plot_group_name(m, g));
    char *cap = name == NULL ? NULL : plot_strf(
        "Which cores stole from which on %s: row = thief, column = victim, colour = successful "
        "steals per run (mean over the seeds; logarithmic colour scale shared by the panels; "
        "white = none). Thin grey lines separate clusters, thick dark lines NUMA nodes and "
        "thicker darkest lines sockets (where they differ from the nodes), so blocks on the "
        "diagonal are local steals and cells far from it cross the machine. One panel per "
        "strategy; a strategy that made no steal says so in its panel.",
        name);
    struct plot_item *it = bad || !cap ? NULL : plot_list_add(l, stem, "steals", title, cap, vbuf);
    free(name);
    free(cap);
    free(vbuf);
    return it == NULL ? oom(err, errlen) : 0;
}

int plot_extract_steals(const struct plot_model *m, const char *dir, struct plot_list *l,
                        char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->db, steal_sql, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(m, err, errlen);
    size_t *idx = malloc(m->nruns * sizeof *idx);
    int rc = idx ? 0 : oom(err, errlen);
    for (size_t g = 0; g < m->ngroups && rc == 0; g++)
        rc = steal_group(m, st, dir, l, g, idx, err, errlen);
    sqlite3_finalize(st);
    free(idx);
    return rc;
}
