/* sim_compare_print.c: the comparison table (sim_compare_table.c) as text, JSON, CSV, Markdown
 * and HTML: one function for compare and report alike. */
#include "sim/run/sim_compare.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static const char *const dist_names[SIM_DIST_COUNT] = { "smt", "cluster", "node", "remote" };

/* What the confidence interval covers, e.g. "3 workload seeds (seed=1..3) x 2 scheduler
 * seeds" or "5 scheduler seeds". */
static void variation(const struct sim_compare_group *g, char *buf, size_t len)
{
    if (g->seed_key != NULL)
        snprintf(buf, len, "%zu workload seeds (%s=%llu..%llu) x %zu scheduler seed%s",
                 g->workload_seeds, g->seed_key, (unsigned long long)g->seed_lo,
                 (unsigned long long)g->seed_hi, g->scheduler_seeds,
                 g->scheduler_seeds == 1 ? "" : "s");
    else
        snprintf(buf, len, "%zu scheduler seed%s (the workload is fixed)", g->scheduler_seeds,
                 g->scheduler_seeds == 1 ? "" : "s");
}

static const char *label(const struct sim_compare_row *w)
{
    return w->params[0] ? w->params : "-";
}

/* ---- text ---------------------------------------------------------------------------------- */

/* The second table of a group: the derived metrics, means over seeds. */
static void text_derived(FILE *f, const struct sim_compare_group *g)
{
    fprintf(f, "  %-10s %-22s %12s %8s %10s %8s %8s %8s\n", "strategy", "params", "migr/s",
            "migr ok", "cost ns", "busy CV", "max/mean", "steal ok");
    for (size_t r = 0; r < g->nrows; r++) {
        const struct sim_compare_row *w = &g->rows[r];
        fprintf(f, "  %-10s %-22s %12.1f %7.1f%% %10.0f %8.3f %8.3f %7.1f%%\n", w->strategy,
                label(w), w->migration_rate_per_s, 100 * w->migration_success_rate,
                w->migration_cost_avg_ns, w->busy_cv, w->busy_max_mean,
                100 * w->steal_success_rate);
    }
}

/* The unit a group's times print in: the largest makespan mean stays below 1000 of it, so a
 * 37.6 s run reads 37.5810 s, not 37580963839 ns or 37580.9638 ms. */
struct time_unit {
    const char *name;
    double ns;
};

static struct time_unit group_unit(const struct sim_compare_group *g)
{
    double top = 0;
    for (size_t r = 0; r < g->nrows; r++)
        if (g->rows[r].makespan.mean > top)
            top = g->rows[r].makespan.mean;
    if (top < 1e6)
        return (struct time_unit){ "us", 1e3 };
    if (top < 1e9)
        return (struct time_unit){ "ms", 1e6 };
    return (struct time_unit){ "s", 1e9 };
}

/* A response time in the unit that keeps it readable: "812.0us", "4.56ms", "1.23s". */
static const char *resp_text(double ns, char *buf, size_t len)
{
    if (ns < 1e6)
        snprintf(buf, len, "%.1fus", ns / 1e3);
    else if (ns < 1e9)
        snprintf(buf, len, "%.2fms", ns / 1e6);
    else
        snprintf(buf, len, "%.2fs", ns / 1e9);
    return buf;
}

static void text_group(FILE *f, const struct sim_compare_group *g)
{
    char var[160];
    variation(g, var, sizeof var);
    fprintf(f, "\n%s on %s (%u cores)", g->trace, g->topology, g->ncores);
    struct time_unit u = group_unit(g);
    if (g->bound_kind != NULL)
        fprintf(f, ", lower bound %.3f %s (%s)", (double)g->lower_bound_ns / u.ns, u.name,
                g->bound_kind);
    fprintf(f, "\n  95%% CI over %s\n", var);
    char head[32];
    snprintf(head, sizeof head, "makespan %s (95%% CI)", u.name);
    fprintf(f, "  %-10s %-22s %-24s %6s %6s %7s %9s %-22s %10s %10s\n", "strategy", "params",
            head, "/best", "/bound", "util", "steals", "migr smt/cl/node/rem", "p99 resp",
            "energy J");
    for (size_t r = 0; r < g->nrows; r++) {
        const struct sim_compare_row *w = &g->rows[r];
        char ms[64], mig[64], resp[32];
        snprintf(ms, sizeof ms, "%.4f ± %.4f (n=%zu)", w->makespan.mean / u.ns,
                 w->makespan.half / u.ns, w->makespan.n);
        snprintf(mig, sizeof mig, "%.0f/%.0f/%.0f/%.0f", w->migrations[0], w->migrations[1],
                 w->migrations[2], w->migrations[3]);
        fprintf(f, "  %-10s %-22s %-24s %6.3f %6.3f %6.1f%% %9.0f %-22s %10s %10.4g\n",
                w->strategy, label(w), ms, w->vs_best, w->vs_bound, 100 * w->utilization.mean,
                w->steals, mig, resp_text(w->resp_p99_ns, resp, sizeof resp), w->energy_j);
    }
    text_derived(f, g);
}

static void print_text(FILE *f, const struct sim_compare_table *t)
{
    if (t->experiment_id > 0)
        fprintf(f, "experiment %lld in %s: %zu of %zu runs stored", (long long)t->experiment_id,
                t->db, t->nin, t->planned);
    else
        fprintf(f, "all runs of %s (no experiment): %zu runs", t->db, t->nin);
    for (size_t g = 0; g < t->ngroups; g++)
        text_group(f, &t->groups[g]);
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void ci_json(cJSON *o, const char *key, const struct sim_ci *c)
{
    cJSON *x = cJSON_AddObjectToObject(o, key);
    cJSON_AddNumberToObject(x, "mean", c->mean);
    cJSON_AddNumberToObject(x, "ci95", c->half);
    cJSON_AddNumberToObject(x, "sd", c->sd);
    cJSON_AddNumberToObject(x, "n", (double)c->n);
}

static void row_json(cJSON *rows, const struct sim_compare_row *w)
{
    cJSON *x = cJSON_CreateObject();
    cJSON_AddItemToArray(rows, x);
    cJSON_AddStringToObject(x, "strategy", w->strategy);
    cJSON_AddStringToObject(x, "params", w->params);
    ci_json(x, "makespan_ns", &w->makespan);
    cJSON_AddNumberToObject(x, "vs_best", w->vs_best);
    cJSON_AddNumberToObject(x, "vs_bound", w->vs_bound);
    ci_json(x, "utilization", &w->utilization);
    cJSON_AddNumberToObject(x, "steals", w->steals);
    cJSON_AddNumberToObject(x, "steal_attempts", w->steal_attempts);
    cJSON *m = cJSON_AddObjectToObject(x, "migrations");
    for (int d = 0; d < SIM_DIST_COUNT; d++)
        cJSON_AddNumberToObject(m, dist_names[d], w->migrations[d]);
    cJSON_AddNumberToObject(x, "resp_p99_ns", w->resp_p99_ns);
    cJSON_AddNumberToObject(x, "energy_j", w->energy_j);
    cJSON_AddNumberToObject(x, "migration_rate_per_s", w->migration_rate_per_s);
    cJSON_AddNumberToObject(x, "migration_success_rate", w->migration_success_rate);
    cJSON_AddNumberToObject(x, "migration_cost_avg_ns", w->migration_cost_avg_ns);
    cJSON_AddNumberToObject(x, "busy_cv", w->busy_cv);
    cJSON_AddNumberToObject(x, "busy_max_mean", w->busy_max_mean);
    cJSON_AddNumberToObject(x, "steal_success_rate", w->steal_success_rate);
}

static void print_json(FILE *f, const struct sim_compare_table *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "experiment_id", (double)t->experiment_id);
    cJSON_AddStringToObject(o, "db", t->db);
    cJSON_AddNumberToObject(o, "runs", (double)t->planned);
    cJSON_AddNumberToObject(o, "stored", (double)t->nin);
    cJSON *groups = cJSON_AddArrayToObject(o, "groups");
    for (size_t i = 0; i < t->ngroups; i++) {
        const struct sim_compare_group *g = &t->groups[i];
        char var[160];
        variation(g, var, sizeof var);
        cJSON *gr = cJSON_CreateObject();
        cJSON_AddItemToArray(groups, gr);
        cJSON_AddStringToObject(gr, "trace", g->trace);
        cJSON_AddStringToObject(gr, "topology", g->topology);
        cJSON_AddNumberToObject(gr, "cores", g->ncores);
        cJSON_AddNumberToObject(gr, "lower_bound_ns", (double)g->lower_bound_ns);
        if (g->bound_kind)
            cJSON_AddStringToObject(gr, "bound_kind", g->bound_kind);
        cJSON_AddNumberToObject(gr, "workload_seeds", (double)g->workload_seeds);
        cJSON_AddNumberToObject(gr, "scheduler_seeds", (double)g->scheduler_seeds);
        cJSON_AddStringToObject(gr, "ci_covers", var);
        cJSON *rows = cJSON_AddArrayToObject(gr, "rows");
        for (size_t r = 0; r < g->nrows; r++)
            row_json(rows, &g->rows[r]);
    }
    char *txt = cJSON_PrintUnformatted(o);
    if (txt != NULL)
        fprintf(f, "%s\n", txt);
    free(txt);
    cJSON_Delete(o);
}

/* ---- CSV, Markdown, HTML ------------------------------------------------------------------- */

/* s as one CSV field (quoted when it holds a comma, quote or space). */
static void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\" \n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++)
        fputs(*s == '"' ? "\"\"" : (char[2]){ *s, 0 }, f);
    fputc('"', f);
}

static void print_csv(FILE *f, const struct sim_compare_table *t)
{
    fputs("trace,topology,cores,lower_bound_ns,bound_kind,workload_seeds,scheduler_seeds,"
          "strategy,params,makespan_mean_ns,makespan_ci95_ns,makespan_sd_ns,n,vs_best,vs_bound,"
          "utilization,steals,steal_attempts,migrations_smt,migrations_cluster,migrations_node,"
          "migrations_remote,resp_p99_ns,energy_j,migration_rate_per_s,migration_success_rate,"
          "migration_cost_avg_ns,busy_cv,busy_max_mean,steal_success_rate\n", f);
    for (size_t i = 0; i < t->ngroups; i++) {
        const struct sim_compare_group *g = &t->groups[i];
        for (size_t r = 0; r < g->nrows; r++) {
            const struct sim_compare_row *w = &g->rows[r];
            csv_field(f, g->trace), fputc(',', f), csv_field(f, g->topology);
            fprintf(f, ",%u,%llu,", g->ncores, (unsigned long long)g->lower_bound_ns);
            csv_field(f, g->bound_kind ? g->bound_kind : "");
            fprintf(f, ",%zu,%zu,", g->workload_seeds, g->scheduler_seeds);
            csv_field(f, w->strategy), fputc(',', f), csv_field(f, w->params);
            fprintf(f, ",%.17g,%.17g,%.17g,%zu,%.17g,%.17g,%.17g,%.17g,%.17g",
                    w->makespan.mean, w->makespan.half, w->makespan.sd, w->makespan.n,
                    w->vs_best, w->vs_bound, w->utilization.mean, w->steals, w->steal_attempts);
            for (int d = 0; d < SIM_DIST_COUNT; d++)
                fprintf(f, ",%.17g", w->migrations[d]);
            fprintf(f, ",%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", w->resp_p99_ns,
                    w->energy_j, w->migration_rate_per_s, w->migration_success_rate,
                    w->migration_cost_avg_ns, w->busy_cv, w->busy_max_mean,
                    w->steal_success_rate);
        }
    }
}

/* Text with <, >, & escaped for HTML. */
static void html_esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else
            fputc(*s, f);
    }
}

/* Markdown (html false) or HTML table of one group: the columns of the text table. */
static void grid_group(FILE *f, const struct sim_compare_group *g, bool html)
{
    struct time_unit u = group_unit(g);
    char mhead[32];
    snprintf(mhead, sizeof mhead, "makespan %s (95%% CI)", u.name);
    const char *const head[] = { "strategy", "params", mhead, "n", "/best", "/bound", "util",
                                 "steals", "migr smt/cl/node/rem", "p99 resp", "energy J" };
    const size_t ncol = sizeof head / sizeof head[0];
    char var[160], cell[11][64];
    variation(g, var, sizeof var);
    if (html) {
        fputs("<h3>", f), html_esc(f, g->trace), fputs(" on ", f), html_esc(f, g->topology);
        fprintf(f, " (%u cores)</h3>\n<p>95%% CI over %s", g->ncores, var);
    } else {
        fprintf(f, "\n### %s on %s (%u cores)\n\n95%% CI over %s", g->trace, g->topology,
                g->ncores, var);
    }
    if (g->bound_kind != NULL)
        fprintf(f, "; lower bound %.3f %s (%s)", (double)g->lower_bound_ns / u.ns, u.name,
                g->bound_kind);
    fputs(html ? "</p>\n<table>\n<tr>" : "\n\n|", f);
    for (size_t c = 0; c < ncol; c++)
        fprintf(f, html ? "<th>%s</th>" : " %s |", head[c]);
    fputs(html ? "</tr>\n" : "\n|", f);
    for (size_t c = 0; !html && c < ncol; c++)
        fputs(c < 2 ? "---|" : "---:|", f);
    if (!html)
        fputc('\n', f);
    for (size_t r = 0; r < g->nrows; r++) {
        const struct sim_compare_row *w = &g->rows[r];
        snprintf(cell[0], 64, "%s", w->strategy);
        snprintf(cell[1], 64, "%s", label(w));
        snprintf(cell[2], 64, "%.4f ± %.4f", w->makespan.mean / u.ns, w->makespan.half / u.ns);
        snprintf(cell[3], 64, "%zu", w->makespan.n);
        snprintf(cell[4], 64, "%.3f", w->vs_best);
        snprintf(cell[5], 64, "%.3f", w->vs_bound);
        snprintf(cell[6], 64, "%.1f%%", 100 * w->utilization.mean);
        snprintf(cell[7], 64, "%.0f", w->steals);
        snprintf(cell[8], 64, "%.0f/%.0f/%.0f/%.0f", w->migrations[0], w->migrations[1],
                 w->migrations[2], w->migrations[3]);
        resp_text(w->resp_p99_ns, cell[9], 64);
        snprintf(cell[10], 64, "%.4g", w->energy_j);
        fputs(html ? "<tr>" : "|", f);
        for (size_t c = 0; c < ncol; c++) {
            if (html)
                fputs("<td>", f), html_esc(f, cell[c]), fputs("</td>", f);
            else
                fprintf(f, " %s |", cell[c]);
        }
        fputs(html ? "</tr>\n" : "\n", f);
    }
    if (html)
        fputs("</table>\n", f);
}

void sim_compare_print(FILE *f, const struct sim_compare_table *t, enum sim_compare_format fmt)
{
    switch (fmt) {
    case SIM_COMPARE_TEXT:
        print_text(f, t);
        break;
    case SIM_COMPARE_JSON:
        print_json(f, t);
        break;
    case SIM_COMPARE_CSV:
        print_csv(f, t);
        break;
    case SIM_COMPARE_MARKDOWN:
    case SIM_COMPARE_HTML:
        if (fmt == SIM_COMPARE_MARKDOWN)
            fprintf(f, "# Experiment %lld of %s: %zu runs\n", (long long)t->experiment_id,
                    t->db, t->nin);
        for (size_t g = 0; g < t->ngroups; g++)
            grid_group(f, &t->groups[g], fmt == SIM_COMPARE_HTML);
        break;
    }
}
