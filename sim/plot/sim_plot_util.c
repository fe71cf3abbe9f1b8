/* sim_plot_util.c: helpers shared by the plot extractors: data-file headers, the plot list,
 * string building and quoting for gnuplot and HTML, units, and core-kind ranges. */
#include "sim/plot/sim_plot_int.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *plot_strf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* Write s with every line prefixed by "# " and `lead` on the first line. */
static void comment_lines(FILE *f, const char *lead, const char *s)
{
    fprintf(f, "# %s", lead);
    for (; *s != '\0'; s++) {
        fputc(*s, f);
        if (*s == '\n' && s[1] != '\0')
            fputs("#   ", f);
    }
    fputc('\n', f);
}

FILE *plot_data_open(const struct plot_model *m, const char *dir, const char *name,
                     const char *title, const char *query, const char *binds,
                     const char *derived, const char *columns, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.dat.tmp", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    fprintf(f, "# schedlab plot: %s\n", title);
    fprintf(f, "# database: %s\n", m->db_path);
    if (m->experiment_id > 0)
        fprintf(f, "# experiment: %lld\n", (long long)m->experiment_id);
    else
        fprintf(f, "# experiment: none (all runs of the database)\n");
    comment_lines(f, "query: ", query);
    if (binds != NULL && binds[0] != '\0')
        comment_lines(f, "bound: ", binds);
    if (derived != NULL && derived[0] != '\0')
        comment_lines(f, "derived: ", derived);
    fprintf(f, "# columns: %s\n", columns);
    return f;
}

int plot_data_close(FILE *f, const char *dir, const char *name, char *err, size_t errlen)
{
    char tmp[4096], path[4096];
    snprintf(tmp, sizeof tmp, "%s/%s.dat.tmp", dir, name);
    snprintf(path, sizeof path, "%s/%s.dat", dir, name);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

void plot_data_discard(FILE *f, const char *dir, const char *name)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s/%s.dat.tmp", dir, name);
    fclose(f);
    unlink(tmp);
}

struct plot_item *plot_list_add(struct plot_list *l, const char *name, const char *script,
                                const char *title, const char *caption, const char *vars)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        struct plot_item *it = realloc(l->items, cap * sizeof *it);
        if (it == NULL)
            return NULL;
        l->items = it;
        l->cap = cap;
    }
    struct plot_item *it = &l->items[l->n];
    memset(it, 0, sizeof *it);
    snprintf(it->name, sizeof it->name, "%s", name);
    snprintf(it->script, sizeof it->script, "%s", script);
    snprintf(it->title, sizeof it->title, "%s", title);
    it->caption = strdup(caption);
    it->vars = strdup(vars);
    if (it->caption == NULL || it->vars == NULL) {
        free(it->caption);
        free(it->vars);
        return NULL;
    }
    l->n++;
    return it;
}

void plot_list_note(struct plot_list *l, const char *fmt, ...)
{
    if (l->nnotes == sizeof l->notes / sizeof l->notes[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) >= 0)
        l->notes[l->nnotes++] = s;
    va_end(ap);
}

void plot_list_free(struct plot_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].caption);
        free(l->items[i].vars);
    }
    free(l->items);
    for (size_t i = 0; i < l->nnotes; i++)
        free(l->notes[i]);
    memset(l, 0, sizeof *l);
}

int plot_words_add(char **buf, const char *s)
{
    size_t old = *buf ? strlen(*buf) : 0, len = strlen(s);
    char *b = realloc(*buf, old + len + 4);
    if (b == NULL)
        return -1;
    char *p = b + old;
    if (old > 0)
        *p++ = ' ';
    *p++ = '"';
    for (const char *q = s; *q != '\0'; q++)   /* a double quote would end the word */
        *p++ = *q == '"' ? '\'' : *q;
    *p++ = '"';
    *p = '\0';
    *buf = b;
    return 0;
}

char *plot_gp_quote(const char *s)
{
    size_t n = 0;
    for (const char *q = s; *q != '\0'; q++)
        n += *q == '\'' ? 2 : 1;
    char *out = malloc(n + 1), *p = out;
    if (out == NULL)
        return NULL;
    for (const char *q = s; *q != '\0'; q++) {
        if (*q == '\'')
            *p++ = '\'';
        *p++ = *q;
    }
    *p = '\0';
    return out;
}

void plot_var_str(FILE *vars, const char *name, const char *value)
{
    char *q = plot_gp_quote(value ? value : "");
    fprintf(vars, "%s='%s'; ", name, q ? q : "");
    free(q);
}

char *plot_html_escape(const char *s)
{
    size_t n = 0;
    for (const char *q = s; *q != '\0'; q++)
        n += strchr("<>&\"'", *q) != NULL ? 6 : 1;
    char *out = malloc(n + 1), *p = out;
    if (out == NULL)
        return NULL;
    for (const char *q = s; *q != '\0'; q++) {
        const char *e = NULL;
        switch (*q) {
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '&': e = "&amp;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = "&#39;"; break;
        default: *p++ = *q; continue;
        }
        size_t k = strlen(e);
        memcpy(p, e, k);
        p += k;
    }
    *p = '\0';
    return out;
}

void plot_slug(const char *s, char *out, size_t cap)
{
    size_t i = 0;
    for (; *s != '\0' && i + 1 < cap; s++) {
        char c = *s;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-';
        out[i++] = ok ? c : '_';
    }
    out[i] = '\0';
}

const char *plot_time_unit(double max_ns, double *scale)
{
    if (max_ns >= 1e9) {
        *scale = 1e9;
        return "s";
    }
    if (max_ns >= 1e6) {
        *scale = 1e6;
        return "ms";
    }
    if (max_ns >= 1e3) {
        *scale = 1e3;
        return "µs";
    }
    *scale = 1;
    return "ns";
}

/* Append "K a-b" (or "K a") to out. */
static void add_range(char *out, size_t cap, const char *kind, long a, long b)
{
    size_t len = strlen(out);
    if (a == b)
        snprintf(out + len, cap - len, "%s%s %ld", len ? ", " : "", kind, a);
    else
        snprintf(out + len, cap - len, "%s%s %ld-%ld", len ? ", " : "", kind, a, b);
}

void plot_core_kinds(const struct plot_model *m, int64_t run_id, char *out, size_t cap)
{
    out[0] = '\0';
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->db, "SELECT core, kind FROM core_stats WHERE run_id = ?1 "
                                  "ORDER BY core", -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, run_id);
    char kind[16] = "";
    long first = -1, last = -1;
    size_t ranges = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        long core = (long)sqlite3_column_int64(st, 0);
        const char *k = (const char *)sqlite3_column_text(st, 1);
        k = k ? k : "?";
        if (first >= 0 && strcmp(k, kind) == 0 && core == last + 1) {
            last = core;
            continue;
        }
        if (first >= 0) {
            add_range(out, cap, kind, first, last);
            ranges++;
        }
        snprintf(kind, sizeof kind, "%s", k);
        first = last = core;
    }
    if (first >= 0)
        add_range(out, cap, kind, first, last);
    sqlite3_finalize(st);
    if (ranges == 0)
        out[0] = '\0';   /* one kind everywhere: nothing worth saying */
}
