/* sim_plot_html.c: index.html of a plot folder: the experiment, its runs (trace, topology,
 * strategy, seeds, parameters) and every plot, PNGs inlined as data: URIs so that the page is
 * one self-contained file that needs no network. */
#include "sim/plot/sim_plot_int.h"

#include <errno.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const css =
    "body{font-family:sans-serif;max-width:1400px;margin:1em auto;padding:0 1em;color:#222}"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ccc;padding:2px 6px;"
    "text-align:left;vertical-align:top}th{background:#f2f2f2}code{font-size:.85em}"
    "img{max-width:100%;height:auto;border:1px solid #eee}.missing{color:#a00}"
    "details code{white-space:pre-wrap;word-break:break-all;display:block;max-width:60em}"
    "nav li{margin:.1em 0}\n";

/* Write `s` HTML-escaped. */
static void put_esc(FILE *f, const char *s)
{
    char *e = plot_html_escape(s ? s : "");
    fputs(e ? e : "", f);
    free(e);
}

/* Write file `path` as base64; false when it cannot be read. */
static bool put_base64(FILE *f, const char *path)
{
    FILE *in = fopen(path, "rb");
    if (in == NULL)
        return false;
    unsigned char buf[3 * 1024];
    unsigned char enc[4 * 1024 + 1];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        int k = EVP_EncodeBlock(enc, buf, (int)n);
        fwrite(enc, 1, (size_t)k, f);
    }
    bool ok = !ferror(in);
    fclose(in);
    return ok;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The seeds of cell (g, c) as "1-5, 9". */
static void put_seeds(FILE *f, const struct plot_model *m, const size_t *idx, size_t n)
{
    int64_t *s = malloc(n * sizeof *s);
    if (s == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        s[i] = m->runs[idx[i]].seed;
    qsort(s, n, sizeof *s, cmp_i64);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && s[j + 1] == s[j] + 1)
            j++;
        fprintf(f, "%s%lld", i ? ", " : "", (long long)s[i]);
        if (j > i)
            fprintf(f, "%s%lld", j == i + 1 ? ", " : "&ndash;", (long long)s[j]);
        i = j + 1;
    }
    free(s);
}

/* The derived metrics of run_summary (results/schema.sql, version 2), as table cells: the mean
 * over the cell's runs idx[0..n) that have a value (a run stored by version 1 may have none). */
static void put_derived(FILE *f, const struct plot_model *m, const size_t *idx, size_t n)
{
    static const int digits[] = { 1, 1, 0, 3, 3, 1 };
    static const double scale[] = { 1, 100, 1, 1, 1, 100 };   /* rates as percentages */
    double sum[6] = { 0 };
    size_t cnt[6] = { 0 };
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(m->db, "SELECT migration_rate_per_s, migration_success_rate, "
                           "migration_cost_avg_ns, busy_cv, busy_max_mean, steal_success_rate "
                           "FROM run_summary WHERE run_id = ?1", -1, &st, NULL) != SQLITE_OK)
        st = NULL;
    for (size_t k = 0; st != NULL && k < n; k++) {
        sqlite3_bind_int64(st, 1, m->runs[idx[k]].id);
        if (sqlite3_step(st) == SQLITE_ROW)
            for (int c = 0; c < 6; c++)
                if (sqlite3_column_type(st, c) != SQLITE_NULL) {
                    sum[c] += sqlite3_column_double(st, c);
                    cnt[c]++;
                }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    for (int c = 0; c < 6; c++) {
        fputs("<td>", f);
        if (cnt[c] > 0)
            fprintf(f, "%.*f%s", digits[c], scale[c] * sum[c] / (double)cnt[c],
                    scale[c] > 1 ? "%" : "");
        else
            fputs("&ndash;", f);
        fputs("</td>", f);
    }
}

static void put_runs_table(FILE *f, const struct plot_model *m)
{
    size_t *idx = malloc(m->nruns * sizeof *idx);
    if (idx == NULL)
        return;
    fprintf(f, "<h2 id=\"runs\">Runs</h2>\n<table>\n<tr><th>trace</th><th>topology</th>"
               "<th>strategy</th><th>mode</th><th>seeds</th><th>runs</th><th>migrations/s</th>"
               "<th>migration success</th><th>migration cost ns</th><th>busy CV</th>"
               "<th>busy max/mean</th><th>steal success</th><th>parameters</th></tr>\n");
    for (size_t g = 0; g < m->ngroups; g++) {
        for (size_t c = 0; c < m->ncfgs; c++) {
            size_t n = plot_cell_runs(m, g, c, idx);
            if (n == 0)
                continue;
            const struct plot_run *r = &m->runs[idx[0]];
            fputs("<tr><td>", f);
            put_esc(f, r->trace);
            fputs("</td><td>", f);
            put_esc(f, r->topology);
            fputs("</td><td>", f);
            put_esc(f, m->cfg_label[c]);
            fputs("</td><td>", f);
            put_esc(f, r->mode);
            fputs("</td><td>", f);
            put_seeds(f, m, idx, n);
            fprintf(f, "</td><td>%zu</td>", n);
            put_derived(f, m, idx, n);
            fputs("<td><details><summary>params JSON</summary><code>", f);
            put_esc(f, r->params);
            fputs("</code></details></td></tr>\n", f);
        }
    }
    fputs("</table>\n", f);
    free(idx);
}

static void put_header(FILE *f, const struct plot_model *m)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
    if (m->experiment_id > 0)
        fprintf(f, "schedlab experiment %lld", (long long)m->experiment_id);
    else
        fputs("schedlab: all runs", f);
    fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", css);
    if (m->experiment_id > 0)
        fprintf(f, "schedlab experiment %lld", (long long)m->experiment_id);
    else
        fputs("schedlab: all runs of the database", f);
    fputs("</h1>\n<p>", f);
    if (m->exp_description != NULL && m->exp_description[0] != '\0') {
        put_esc(f, m->exp_description);
        fputs("<br>\n", f);
    }
    if (m->exp_created != NULL) {
        fputs("Created ", f);
        put_esc(f, m->exp_created);
        fputs(". ", f);
    }
    fputs("Database <code>", f);
    put_esc(f, m->db_path);
    fprintf(f, "</code>: %zu runs, %zu trace &times; topology combinations, %zu strategies.",
            m->nruns, m->ngroups, m->ncfgs);
    if (m->varying[0] != '\0') {
        fputs(" Parameters varied: <code>", f);
        put_esc(f, m->varying);
        fputs("</code> (part of each strategy's label).", f);
    }
    fputs("</p>\n", f);
}

static void put_item(FILE *f, const struct plot_item *it, const char *dir, bool missing)
{
    char path[4096];
    fprintf(f, "<h2 id=\"%s\">", it->name);
    put_esc(f, it->title);
    fprintf(f, "</h2>\n<p>%s</p>\n", it->caption);
    snprintf(path, sizeof path, "%s/%s.png", dir, it->name);
    bool shown = false;
    if (it->png) {
        fputs("<p><img alt=\"", f);
        put_esc(f, it->title);
        fputs("\" src=\"data:image/png;base64,", f);
        shown = put_base64(f, path);
        fputs("\"></p>\n", f);
    }
    if (!shown)
        fprintf(f, "<p class=\"missing\">Not rendered: %s. The data are in the file below.</p>\n",
                missing ? "gnuplot is not installed (apt-get install gnuplot-nox), run "
                          "<code>schedlab plot</code> again after installing it"
                        : "gnuplot failed on this plot, see gnuplot.log");
    fputs("<p>Files:", f);
    if (it->png)
        fprintf(f, " <a href=\"%s.png\">PNG</a>", it->name);
    if (it->svg)
        fprintf(f, " <a href=\"%s.svg\">SVG</a>", it->name);
    fprintf(f, " <a href=\"%s.dat\">data</a></p>\n", it->name);
}

int plot_write_html(const struct plot_model *m, const struct plot_list *l, const char *dir,
                    bool gnuplot_missing, char *err, size_t errlen)
{
    char path[4096], tmp[4096];
    snprintf(path, sizeof path, "%s/index.html", dir);
    snprintf(tmp, sizeof tmp, "%s/.index.html.tmp", dir);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    put_header(f, m);
    fputs("<nav><ul>\n<li><a href=\"#runs\">Runs</a></li>\n", f);
    for (size_t i = 0; i < l->n; i++) {
        fprintf(f, "<li><a href=\"#%s\">", l->items[i].name);
        put_esc(f, l->items[i].title);
        fputs("</a></li>\n", f);
    }
    fputs("</ul></nav>\n", f);
    if (gnuplot_missing)
        fputs("<p class=\"missing\">gnuplot was not found, so there are no images: install it "
              "(<code>apt-get install gnuplot-nox</code>) and run <code>schedlab plot</code> "
              "again. The data files are complete.</p>\n", f);
    for (size_t i = 0; i < l->nnotes; i++) {
        fputs("<p>", f);
        put_esc(f, l->notes[i]);
        fputs("</p>\n", f);
    }
    if (m->table_html != NULL)
        fprintf(f, "<h2 id=\"comparison\">Comparison</h2>\n%s", m->table_html);
    put_runs_table(f, m);
    for (size_t i = 0; i < l->n; i++)
        put_item(f, &l->items[i], dir, gnuplot_missing);
    fputs("</body>\n</html>\n", f);
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
