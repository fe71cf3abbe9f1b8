/* test_plot.c: `schedlab plot` end to end through sim_plot_run on a database made by real
 * replays: every plot's data file holds what independent SQL queries say (counts, means,
 * confidence intervals, steal and migration sums, timeseries, process counts), gnuplot turns
 * each into a non-empty PNG and SVG, index.html inlines them with no network reference, a
 * missing gnuplot still leaves the data files and index.html, and bad or default experiment ids
 * resolve as documented. */
#include "sim/db/sim_db.h"
#include "sim/plot/sim_plot.h"
#include "sim/run/sim_run.h"
#include "sim/util/sim_stats.h"

#include <criterion/criterion.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEEDS 3

static char tmpdir[64], dbpath[128];
static int64_t exp_old, exp_new;

/* One replay of fib:11 into the test database. */
static void replay(const char *topo, const char *strategy, uint64_t seed, int64_t exp,
                   bool per_process)
{
    struct sim_run_opts o = { .trace = "fib:11", .topology = topo, .strategy = strategy,
                              .seed = seed, .db_path = dbpath, .experiment_id = exp,
                              .per_process = per_process };
    ws_params_defaults(&o.params);
    struct sim_run_result r;
    char err[1024];
    cr_assert_eq(sim_run_replay(&o, &r, err, sizeof err), 0, "%s", err);
}

/* The database: an old experiment (1 run), a run of no experiment, and the newest experiment:
 * fib:11 on m1 (P/E) and synth:p=4, strategies random (with per-process rows) and pe
 * (without), SEEDS seeds each. Groups and strategies appear in that order. */
static void make_db(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/schedlab-test-plot-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(dbpath, sizeof dbpath, "%s/r.db", tmpdir);
    struct sim_db *db;
    char err[512];
    cr_assert_eq(sim_db_open(dbpath, false, &db, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sim_db_create_experiment(db, "old", &exp_old, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sim_db_create_experiment(db, "new", &exp_new, err, sizeof err), 0, "%s", err);
    sim_db_close(db);
    replay("m1", "locality", 1, exp_old, false);
    replay("m1", "ring", 1, 0, false);
    const char *topos[2] = { "m1", "synth:p=4" };
    for (int t = 0; t < 2; t++)
        for (uint64_t s = 1; s <= SEEDS; s++) {
            replay(topos[t], "random", s, exp_new, true);
            replay(topos[t], "pe", s, exp_new, false);
        }
}

static void remove_tmpdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(plot, .init = make_db, .fini = remove_tmpdir);

/* ---- helpers ------------------------------------------------------------------------------ */

static sqlite3 *open_ro(void)
{
    sqlite3 *h;
    cr_assert_eq(sqlite3_open_v2(dbpath, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    return h;
}

/* One number from a query with "%lld"-style arguments already formatted in. */
static double qnum(sqlite3 *h, const char *sql)
{
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(h));
    double v = NAN;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return v;
}

static const char *path_in(const char *dir, const char *name)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* The data lines of block `want` of a .dat file (blocks are separated by two blank lines;
 * comment lines skipped), each malloc'd into lines[]; returns the count. The block's comment
 * lines go to hdr (concatenated) when hdr is not NULL. */
static size_t read_block(const char *path, int want, char **lines, size_t cap, char *hdr,
                         size_t hdrlen)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s missing", path);
    char buf[65536];
    int block = 0, blanks = 0;
    bool seen = false;
    size_t n = 0;
    if (hdr)
        hdr[0] = '\0';
    while (fgets(buf, sizeof buf, f) != NULL) {
        if (buf[0] == '\n') {
            blanks++;
            continue;
        }
        if (blanks >= 2 && seen) {
            block++;
            seen = false;
        }
        blanks = 0;
        if (buf[0] == '#') {
            if (block == want && hdr && strlen(hdr) + strlen(buf) < hdrlen)
                strcat(hdr, buf);
            continue;
        }
        seen = true;
        if (block == want && n < cap)
            lines[n++] = strdup(buf);
    }
    fclose(f);
    return n;
}

static void free_lines(char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
}

/* Sum and count of the numbers of a matrix block. */
static double block_sum(char **lines, size_t n, size_t *cols)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        char *p = lines[i], *end;
        size_t c = 0;
        for (double v = strtod(p, &end); end != p; v = strtod(p, &end)) {
            s += isnan(v) ? 0 : v;
            p = end;
            c++;
        }
        *cols = c;
    }
    return s;
}

static struct sim_plot_result do_plot(int64_t exp, const char *out, const char *gnuplot)
{
    struct sim_plot_opts o = { .db_path = dbpath, .experiment_id = exp, .out_dir = out,
                               .gnuplot = gnuplot };
    struct sim_plot_result r;
    char err[1024] = "";
    cr_assert_eq(sim_plot_run(&o, &r, err, sizeof err), 0, "%s", err);
    return r;
}

static const char *const stems[] = {
    "makespan", "util-1-fib_11-m1", "util-2-fib_11-synth_p_4", "steals-1-fib_11-m1",
    "steals-2-fib_11-synth_p_4", "migrations", "response", "energy",
};
#define NSTEMS (sizeof stems / sizeof stems[0])

/* ---- the data files hold what SQL says ----------------------------------------------------- */

/* makespan.dat: n, mean and CI half-width of each bar against SQL; normalised to the best. */
static void check_makespan(sqlite3 *h, const char *out)
{
    char *lines[16];
    size_t n = read_block(path_in(out, "makespan.dat"), 0, lines, 16, NULL, 0);
    cr_assert_eq(n, 4, "2 groups x 2 strategies, got %zu bars", n);
    const char *topo[2] = { "m1", "synth:p=4" }, *strat[2] = { "random", "pe" };
    double best[2] = { INFINITY, INFINITY }, means[4], norm;
    for (size_t i = 0; i < n; i++) {
        int x;
        size_t g, c, cnt;
        double mean, half, nh;
        cr_assert_eq(sscanf(lines[i], "%d %zu %zu %zu %lf %lf %lf %lf", &x, &g, &c, &cnt, &mean,
                            &half, &norm, &nh), 8, "%s", lines[i]);
        cr_assert_eq(g, i / 2);
        cr_assert_eq(c, i % 2);
        char sql[512];
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM runs WHERE experiment_id = %lld AND "
                 "topology = '%s' AND strategy = '%s'", (long long)exp_new, topo[g], strat[c]);
        cr_assert_eq((size_t)qnum(h, sql), cnt);
        cr_assert_eq(cnt, SEEDS);
        double xs[SEEDS];
        for (int s = 0; s < SEEDS; s++) {
            snprintf(sql, sizeof sql, "SELECT makespan_ns FROM run_summary JOIN runs ON id = "
                     "run_id WHERE experiment_id = %lld AND topology = '%s' AND strategy = '%s' "
                     "AND seed = %d", (long long)exp_new, topo[g], strat[c], s + 1);
            xs[s] = qnum(h, sql);
        }
        struct sim_ci ci;
        sim_ci_compute(xs, SEEDS, &ci);
        cr_assert(fabs(mean - ci.mean) <= 1e-6 * ci.mean, "%g vs %g", mean, ci.mean);
        cr_assert(fabs(half - ci.half) <= 1e-6 * (ci.half + 1), "%g vs %g", half, ci.half);
        best[g] = fmin(best[g], mean);
        means[i] = mean;
        cr_assert(nh >= 0);
    }
    free_lines(lines, n);
    n = read_block(path_in(out, "makespan.dat"), 0, lines, 16, NULL, 0);
    for (size_t i = 0; i < n; i++) {
        double v[8];
        sscanf(lines[i], "%lf %lf %lf %lf %lf %lf %lf %lf", &v[0], &v[1], &v[2], &v[3], &v[4],
               &v[5], &v[6], &v[7]);
        cr_assert(fabs(v[6] - means[i] / best[i / 2]) < 1e-9, "norm %g", v[6]);
        cr_assert(v[6] >= 1.0 - 1e-12);
    }
    free_lines(lines, n);
    n = read_block(path_in(out, "makespan.dat"), 1, lines, 16, NULL, 0);
    cr_assert_eq(n, 2, "one label per group");
    cr_assert(strstr(lines[0], "fib:11\\nm1\\nbest: ") != NULL, "%s", lines[0]);
    free_lines(lines, n);
}

/* steals-G.dat: per block an ncores x ncores matrix whose sum x runs = SQL SUM(count). */
static void check_steals(sqlite3 *h, const char *out)
{
    const char *files[2] = { "steals-1-fib_11-m1.dat", "steals-2-fib_11-synth_p_4.dat" };
    const char *topo[2] = { "m1", "synth:p=4" }, *strat[2] = { "random", "pe" };
    size_t ncores[2] = { 8, 4 };
    for (int g = 0; g < 2; g++) {
        for (int c = 0; c < 2; c++) {
            char *lines[16];
            size_t n = read_block(path_in(out, files[g]), c, lines, 16, NULL, 0), cols = 0;
            cr_assert_eq(n, ncores[g], "%s block %d: %zu rows", files[g], c, n);
            double sum = block_sum(lines, n, &cols);
            cr_assert_eq(cols, ncores[g]);
            char sql[512];
            snprintf(sql, sizeof sql, "SELECT COALESCE(SUM(count), 0) FROM steal_matrix WHERE "
                     "run_id IN (SELECT id FROM runs WHERE experiment_id = %lld AND topology = "
                     "'%s' AND strategy = '%s')", (long long)exp_new, topo[g], strat[c]);
            double want = qnum(h, sql);
            cr_assert(fabs(sum * SEEDS - want) < 1e-3, "%s: %g x %d vs SQL %g", files[g], sum,
                      SEEDS, want);
            cr_assert(want > 0, "fib:11 steals on %s", topo[g]);
            free_lines(lines, n);
        }
    }
}

/* util-G.dat: the matrix of the run its header names holds that run's timeseries. */
static void check_util(sqlite3 *h, const char *out)
{
    char *lines[16], hdr[4096];
    size_t n = read_block(path_in(out, "util-1-fib_11-m1.dat"), 1, lines, 16, hdr, sizeof hdr);
    cr_assert_eq(n, 8, "8 cores of m1");
    const char *r = strstr(hdr, ", run ");
    cr_assert_not_null(r, "%s", hdr);
    long long run = atoll(r + 6);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT strategy FROM runs WHERE id = %lld", run);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "pe", "block 1 is pe's run");
    sqlite3_finalize(st);
    size_t cols = 0;
    double sum = block_sum(lines, n, &cols);
    snprintf(sql, sizeof sql, "SELECT SUM(utilization) FROM timeseries WHERE run_id = %lld", run);
    cr_assert(fabs(sum - qnum(h, sql)) < 1e-3 * n * cols, "%g vs %g", sum, qnum(h, sql));
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM timeseries WHERE run_id = %lld", run);
    cr_assert_eq((double)(n * cols), qnum(h, sql));
    free_lines(lines, n);
}

/* migrations.dat: each row's classes are SQL sums / runs; cumulative columns add up. */
static void check_migrations(sqlite3 *h, const char *out)
{
    char *lines[16];
    size_t n = read_block(path_in(out, "migrations.dat"), 0, lines, 16, NULL, 0);
    cr_assert_eq(n, 2);
    const char *strat[2] = { "random", "pe" };
    for (size_t i = 0; i < n; i++) {
        double v[11];
        cr_assert_eq(sscanf(lines[i], "%lf %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf", &v[0],
                            &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9],
                            &v[10]), 11);
        char sql[512];
        snprintf(sql, sizeof sql, "SELECT SUM(count) FROM migrations WHERE distance = 'node' "
                 "AND run_id IN (SELECT id FROM runs WHERE experiment_id = %lld AND topology = "
                 "'m1' AND strategy = '%s')", (long long)exp_new, strat[i]);
        cr_assert(fabs(v[5] * SEEDS - qnum(h, sql)) < 1e-6, "node: %g", v[5]);
        snprintf(sql, sizeof sql, "SELECT SUM(migrations) FROM run_summary WHERE run_id IN "
                 "(SELECT id FROM runs WHERE experiment_id = %lld AND topology = 'm1' AND "
                 "strategy = '%s')", (long long)exp_new, strat[i]);
        cr_assert(fabs(v[10] * SEEDS - qnum(h, sql)) < 1e-6, "total: %g", v[10]);
        cr_assert(fabs(v[10] - (v[3] + v[4] + v[5] + v[6])) < 1e-9);
    }
    free_lines(lines, n);
}

/* response.dat: random has per-process rows (a CDF over all of them), pe only summaries. */
static void check_response(sqlite3 *h, const char *out)
{
    char *lines[512], hdr[4096];
    size_t n = read_block(path_in(out, "response.dat"), 0, lines, 512, hdr, sizeof hdr);
    cr_assert(strstr(hdr, "random") && strstr(hdr, "(CDF)"), "%s", hdr);
    const char *p = strstr(hdr, "# processes: ");
    cr_assert_not_null(p);
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM processes WHERE end_ns IS NOT NULL AND "
             "run_id IN (SELECT id FROM runs WHERE experiment_id = %lld AND topology = 'm1' AND "
             "strategy = 'random')", (long long)exp_new);
    cr_assert_eq(atof(p + 13), qnum(h, sql));
    cr_assert(n >= 2 && n <= 401, "%zu points", n);
    double px = -1, pf = 0, x = 0, fr = 0;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(sscanf(lines[i], "%lf %lf", &x, &fr), 2);
        cr_assert(x >= px && fr > pf, "CDF not increasing at %zu", i);
        px = x;
        pf = fr;
    }
    cr_assert(fabs(fr - 1.0) < 1e-12, "CDF ends at %g", fr);
    snprintf(sql, sizeof sql, "SELECT MAX(end_ns - spawn_ns) FROM processes WHERE run_id IN "
             "(SELECT id FROM runs WHERE experiment_id = %lld AND topology = 'm1' AND strategy "
             "= 'random')", (long long)exp_new);
    cr_assert_eq(x, qnum(h, sql));
    free_lines(lines, n);
    n = read_block(path_in(out, "response.dat"), 1, lines, 512, hdr, sizeof hdr);
    cr_assert(strstr(hdr, "pe") && strstr(hdr, "summary percentiles only"), "%s", hdr);
    cr_assert_eq(n, 3);
    snprintf(sql, sizeof sql, "SELECT AVG(resp_p95_ns) FROM run_summary WHERE run_id IN (SELECT "
             "id FROM runs WHERE experiment_id = %lld AND topology = 'm1' AND strategy = 'pe')",
             (long long)exp_new);
    cr_assert_eq(sscanf(lines[1], "%lf %lf", &x, &fr), 2);
    cr_assert(fabs(x - qnum(h, sql)) < 1e-6 && fabs(fr - 0.95) < 1e-12);
    free_lines(lines, n);
}

/* energy.dat: one row per run on the P/E machine (m1), none of synth:p=4. */
static void check_energy(sqlite3 *h, const char *out)
{
    char *lines[64];
    size_t n = read_block(path_in(out, "energy.dat"), 0, lines, 64, NULL, 0);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM runs WHERE experiment_id = %lld AND "
             "topology = 'm1'", (long long)exp_new);
    cr_assert_eq((double)n, qnum(h, sql));
    free_lines(lines, n);
    n = read_block(path_in(out, "energy.dat"), 1, lines, 64, NULL, 0);
    cr_assert_eq(n, 0, "synth:p=4 has no E cores");
}

Test(plot, data_files_match_sql_and_gnuplot_draws_each)
{
    char out[128];
    snprintf(out, sizeof out, "%s/deep/out", tmpdir);   /* created with its parent */
    struct sim_plot_result r = do_plot(SIM_PLOT_NEWEST, out, NULL);
    cr_assert_eq(r.experiment_id, exp_new, "the default is the newest experiment");
    cr_assert_eq(r.runs, 4 * SEEDS);
    cr_assert_eq(r.plots, NSTEMS);
    cr_assert(!r.gnuplot_missing, "gnuplot is installed by scripts/setup.sh");
    cr_assert_eq(r.failed, 0, "see %s/gnuplot.log", out);
    cr_assert_eq(r.rendered, NSTEMS);
    for (size_t i = 0; i < NSTEMS; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s.png", stems[i]);
        cr_assert_gt(file_size(path_in(out, name)), 1000, "%s", name);
        FILE *f = fopen(path_in(out, name), "rb");
        unsigned char sig[8] = { 0 };
        cr_assert_eq(fread(sig, 1, 8, f), 8);
        fclose(f);
        cr_assert(memcmp(sig, "\x89PNG\r\n\x1a\n", 8) == 0, "%s is not a PNG", name);
        snprintf(name, sizeof name, "%s.svg", stems[i]);
        cr_assert_gt(file_size(path_in(out, name)), 1000, "%s", name);
    }
    sqlite3 *h = open_ro();
    check_makespan(h, out);
    check_steals(h, out);
    check_util(h, out);
    check_migrations(h, out);
    check_response(h, out);
    check_energy(h, out);
    sqlite3_close(h);
}

Test(plot, index_html_is_self_contained)
{
    char out[128];
    snprintf(out, sizeof out, "%s/html", tmpdir);
    do_plot(exp_new, out, NULL);
    FILE *f = fopen(path_in(out, "index.html"), "r");
    cr_assert_not_null(f);
    static char html[8 << 20];
    size_t n = fread(html, 1, sizeof html - 1, f);
    html[n] = '\0';
    fclose(f);
    size_t imgs = 0;
    for (const char *p = html; (p = strstr(p, "<img ")) != NULL; p++) {
        imgs++;
        cr_assert(strncmp(strstr(p, "src=\""), "src=\"data:image/png;base64,", 27) == 0);
    }
    cr_assert_eq(imgs, NSTEMS);
    cr_assert_null(strstr(html, "http://"), "no network references");
    cr_assert_null(strstr(html, "https://"), "no network references");
    cr_assert_null(strstr(html, "<script"));
    cr_assert_not_null(strstr(html, "<td>fib:11</td><td>synth:p=4</td><td>pe</td>"));
    cr_assert_not_null(strstr(html, "1&ndash;3"), "seeds 1-3");
    cr_assert_not_null(strstr(html, "&quot;steal_cooldown_ns&quot;"), "params JSON");
    cr_assert_not_null(strstr(html, "schedlab experiment"));
}

Test(plot, missing_gnuplot_still_writes_data_and_index)
{
    char out[128];
    snprintf(out, sizeof out, "%s/nognuplot", tmpdir);
    struct sim_plot_result r = do_plot(exp_new, out, "/nonexistent/gnuplot");
    cr_assert(r.gnuplot_missing);
    cr_assert_eq(r.rendered, 0);
    cr_assert_eq(r.plots, NSTEMS);
    for (size_t i = 0; i < NSTEMS; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s.dat", stems[i]);
        cr_assert_gt(file_size(path_in(out, name)), 0, "%s", name);
        snprintf(name, sizeof name, "%s.png", stems[i]);
        cr_assert_eq(file_size(path_in(out, name)), -1, "%s", name);
    }
    cr_assert_gt(file_size(path_in(out, "index.html")), 0);
}

Test(plot, experiment_ids_resolve_or_fail_clearly)
{
    char out[128], err[1024] = "";
    snprintf(out, sizeof out, "%s/ids", tmpdir);
    struct sim_plot_opts o = { .db_path = dbpath, .experiment_id = 99, .out_dir = out,
                               .gnuplot = "/nonexistent/gnuplot" };
    struct sim_plot_result r;
    cr_assert_eq(sim_plot_run(&o, &r, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "no experiment 99"), "%s", err);
    cr_assert_not_null(strstr(err, dbpath), "%s", err);
    cr_assert_eq(file_size(out), -1, "nothing created for a bad id");

    r = do_plot(exp_old, out, "/nonexistent/gnuplot");
    cr_assert_eq(r.runs, 1);
    cr_assert_eq(r.plots, 6, "one group on a P/E machine: one of each kind");
    r = do_plot(SIM_PLOT_ALL, out, "/nonexistent/gnuplot");
    cr_assert_eq(r.experiment_id, 0);
    cr_assert_eq(r.runs, 4 * SEEDS + 2, "every run, with and without an experiment");

    o.db_path = path_in(tmpdir, "absent.db");
    o.experiment_id = SIM_PLOT_NEWEST;
    cr_assert_eq(sim_plot_run(&o, &r, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "absent.db"), "%s", err);
}
