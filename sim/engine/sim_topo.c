/* sim_topo.c: resolving a topology name (synth spec, JSON file or preset) to a model, with
 * errors that name the file, line and field; and listing the presets. */
#include "sim/engine/sim_topo.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILE_BYTES (256u << 20)  /* a 16k-core latency matrix is ~1.5 GB; refuse above this */

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

const char *sim_topo_dir(char *buf, size_t len)
{
    const char *env = getenv("SCHEDLAB_TOPOLOGIES");
    if (env != NULL && env[0] != '\0') {
        snprintf(buf, len, "%s", env);
        return is_dir(buf) ? buf : NULL;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL)
            *slash = '\0';
        /* build/schedlab, build/NAME/schedlab, build/NAME/san-thread/schedlab, ... */
        char up[PATH_MAX] = "";
        for (int depth = 1; depth <= 4; depth++) {
            size_t used = strlen(up);
            snprintf(up + used, sizeof(up) - used, "../");
            if (snprintf(buf, len, "%s/%straces/topologies", exe, up) < (int)len && is_dir(buf))
                return buf;
        }
    }
    snprintf(buf, len, "traces/topologies");
    return is_dir(buf) ? buf : NULL;
}

void sim_topo_format_error(char *buf, size_t len, const char *source,
                           const struct ws_topo_error *e)
{
    char where[64] = "";
    if (e->line > 0)
        snprintf(where, sizeof(where), ":%d:%d", e->line, e->column);
    snprintf(buf, len, "%s%s: %s%s%s", source, where, e->field, e->field[0] ? ": " : "",
             e->message);
}

/* Read a whole file into a malloc'd buffer; NULL with err set on failure. */
static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap || cap >= MAX_FILE_BYTES)
            break;
        char *bigger = realloc(buf, cap * 2);
        if (bigger == NULL) {
            free(buf);
            buf = NULL;
        }
        buf = bigger;
        cap *= 2;
    }
    bool bad = buf == NULL || ferror(f) || n == cap;
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "%s: %s", path, buf == NULL ? "out of memory"
                 : n == cap ? "file too large" : "read error");
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

int sim_topo_load_file(const char *path, struct ws_topo **out, char *err, size_t errlen)
{
    size_t len = 0;
    struct ws_topo_error e;
    *out = NULL;
    char *text = read_file(path, &len, err, errlen);
    if (text == NULL)
        return -1;
    ws_status st = ws_topo_parse_json(text, len, out, &e);
    free(text);
    if (st != WS_OK) {
        sim_topo_format_error(err, errlen, path, &e);
        return -1;
    }
    return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int sim_topo_load(const char *name, struct ws_topo **out, char *err, size_t errlen)
{
    *out = NULL;
    if (strncmp(name, "synth:", 6) == 0) {
        struct ws_topo_error e;
        if (ws_topo_synth(name, out, &e) == WS_OK)
            return 0;
        sim_topo_format_error(err, errlen, name, &e);
        return -1;
    }
    if (strchr(name, '/') != NULL || ends_with(name, ".json"))
        return sim_topo_load_file(name, out, err, errlen);
    char dir[PATH_MAX], path[PATH_MAX + 64];
    if (name[0] != '\0' && sim_topo_dir(dir, sizeof(dir)) != NULL &&
        snprintf(path, sizeof(path), "%s/%s.json", dir, name) < (int)sizeof(path) &&
        is_file(path))
        return sim_topo_load_file(path, out, err, errlen);
    if (name[0] != '\0' && is_file(name))
        return sim_topo_load_file(name, out, err, errlen);
    snprintf(err, errlen, "unknown topology '%s': not a preset (see 'schedlab topo list'), "
             "a file, or a synth: spec", name);
    return -1;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int sim_topo_list(char ***names, char *err, size_t errlen)
{
    char dir[PATH_MAX];
    *names = NULL;
    if (sim_topo_dir(dir, sizeof(dir)) == NULL) {
        snprintf(err, errlen, "no topology directory (set SCHEDLAB_TOPOLOGIES)");
        return -1;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    int n = 0, cap = 0;
    char **v = NULL;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (!ends_with(e->d_name, ".json") || strlen(e->d_name) == 5)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **bigger = realloc(v, (size_t)cap * sizeof(*v));
            if (bigger == NULL)
                break;
            v = bigger;
        }
        v[n] = strndup(e->d_name, strlen(e->d_name) - 5);
        if (v[n] != NULL)
            n++;
    }
    closedir(d);
    if (n > 0)
        qsort(v, (size_t)n, sizeof(*v), cmp_names);
    *names = v;
    return n;
}

void sim_topo_names_free(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
