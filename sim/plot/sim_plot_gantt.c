/* sim_plot_gantt.c: the Gantt chart of each small run recorded with --timeline: one row per
 * core, a box per slice (processes coloured by pid, migration costs, steal probes and sleeps in
 * colours of their own). A larger timeline is left to `schedlab export --perfetto`, and a note
 * on the page says so. */
#include "sim/db/sim_db_timeline.h"
#include "sim/plot/sim_plot_int.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define GANTT_MAX_SLICES 20000   /* more boxes than a PNG can show */
#define GANTT_MAX_RUNS 6         /* charts per page */

/* Slices and whether they are whole, of run id (-1 when the run has no timeline). */
static int64_t slices_of(const struct plot_model *m, int64_t id, int64_t *dropped)
{
    sqlite3_stmt *st;
    int64_t n = -1;
    if (sqlite3_prepare_v2(m->db, "SELECT slices, dropped FROM timeline_info WHERE run_id = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;   /* (a database older than the timeline tables) */
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        n = sqlite3_column_int64(st, 0);
        *dropped = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return n;
}

/* Rows: core start end colour (start, end in units of scale; colour 0xRRGGBB), no wakes. */
static int gantt_rows(const struct plot_model *m, FILE *f, int64_t id, double scale,
                      double *tmax)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->db, "SELECT core, start_ns, end_ns, kind, pid FROM timeline "
                           "WHERE run_id = ?1 AND kind <> 'wake' ORDER BY core, start_ns", -1,
                           &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(st, 3);
        uint64_t pid = (uint64_t)sqlite3_column_int64(st, 4), colour;
        if (strcmp(kind, "run") == 0)   /* a mid-tone per process, by a hash of its pid */
            colour = ((pid * 0x9E3779B1u) & 0x7F7F7F) + 0x303030;
        else
            colour = strcmp(kind, "migrate") == 0 ? 0xCC3311 : strcmp(kind, "steal") == 0
                     ? 0xEE9922 : 0xDDDDDD;
        double end = (double)sqlite3_column_int64(st, 2) / scale;
        *tmax = end > *tmax ? end : *tmax;
        fprintf(f, "%d %.17g %.17g %llu\n", sqlite3_column_int(st, 0),
                (double)sqlite3_column_int64(st, 1) / scale, end, (unsigned long long)colour);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* The chart of run r. */
static int gantt_run(const struct plot_model *m, const char *dir, struct plot_list *l,
                     const struct plot_run *r, char *err, size_t errlen)
{
    char stem[64], title[512];
    snprintf(stem, sizeof stem, "gantt-run%lld", (long long)r->id);
    snprintf(title, sizeof title, "Schedule of run %lld: %s on %s, %s, seed %lld",
             (long long)r->id, r->trace, r->topology, r->strategy, (long long)r->seed);
    double scale, tmax = 0;
    const char *unit = plot_time_unit(r->makespan_ns, &scale);
    FILE *f = plot_data_open(m, dir, stem, title, "SELECT core, start_ns, end_ns, kind, pid "
        "FROM timeline WHERE run_id = ?1 AND kind <> 'wake' ORDER BY core, start_ns",
        "?1 = run id", "times divided into the plot's unit; colour: a hash of the pid for "
        "'run', fixed for migrate (red), steal (orange) and sleep (grey)",
        "core start end colour", err, errlen);
    if (f == NULL)
        return -1;
    if (gantt_rows(m, f, r->id, scale, &tmax) != 0) {
        plot_data_discard(f, dir, stem);
        snprintf(err, errlen, "%s: %s", m->db_path, sqlite3_errmsg(m->db));
        return -1;
    }
    if (plot_data_close(f, dir, stem, err, errlen) != 0)
        return -1;
    char *vars = NULL;
    size_t vlen;
    FILE *v = open_memstream(&vars, &vlen);
    if (v == NULL)
        return snprintf(err, errlen, "out of memory"), -1;
    int h = 160 + 22 * (int)r->ncores;
    fprintf(v, "W=1100; H=%d; ncores=%u; tmax=%.17g; ", h > 2000 ? 2000 : h, r->ncores, tmax);
    plot_var_str(v, "unit", unit);
    plot_var_str(v, "ttl", title);
    char *cap = plot_strf("One row per core, one box per slice: a process running (a colour "
                          "per process), a migrated process paying its migration cost (red), "
                          "steal probes (orange), sleep (grey); white is idle spinning. "
                          "schedlab export %lld --perfetto shows the same slices in Perfetto.",
                          (long long)r->id);
    struct plot_item *it = fclose(v) == 0 && cap != NULL
                           ? plot_list_add(l, stem, "gantt", title, cap, vars) : NULL;
    free(vars), free(cap);
    return it == NULL ? (snprintf(err, errlen, "out of memory"), -1) : 0;
}

int plot_extract_gantt(const struct plot_model *m, const char *dir, struct plot_list *l,
                       char *err, size_t errlen)
{
    size_t done = 0, big = 0;
    for (size_t i = 0; i < m->nruns; i++) {
        int64_t dropped = 0, n = slices_of(m, m->runs[i].id, &dropped);
        if (n < 0)
            continue;
        if (n > GANTT_MAX_SLICES || dropped > 0 || done == GANTT_MAX_RUNS) {
            big++;
            continue;
        }
        if (gantt_run(m, dir, l, &m->runs[i], err, errlen) != 0)
            return -1;
        done++;
    }
    if (big > 0)
        plot_list_note(l, "%zu run%s with a timeline not drawn as a Gantt chart (over %d "
                       "slices, cut, or past the first %d): see schedlab export RUN --perfetto.",
                       big, big == 1 ? "" : "s", GANTT_MAX_SLICES, GANTT_MAX_RUNS);
    return 0;
}
