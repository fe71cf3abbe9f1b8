/* sim_plot_render.c: find gnuplot and the plot scripts, and run gnuplot as a program once per
 * plot and format (PNG via pngcairo, SVG), its messages collected in the output folder. */
#include "sim/plot/sim_plot_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROBE_SCRIPT "makespan.gp"   /* a folder holding this holds the scripts */

static bool is_exec(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && access(path, X_OK) == 0;
}

bool plot_find_gnuplot(const char *prog, char *out, size_t cap)
{
    if (strchr(prog, '/') != NULL) {
        snprintf(out, cap, "%s", prog);
        return is_exec(prog);
    }
    const char *path = getenv("PATH");
    if (path == NULL)
        return false;
    while (*path != '\0') {
        size_t len = strcspn(path, ":");
        if (len > 0 && (size_t)snprintf(out, cap, "%.*s/%s", (int)len, path, prog) < cap &&
            is_exec(out))
            return true;
        path += len + (path[len] == ':');
    }
    return false;
}

static bool has_scripts(const char *dir)
{
    char p[PATH_MAX];
    struct stat sb;
    return (size_t)snprintf(p, sizeof p, "%s/%s", dir, PROBE_SCRIPT) < sizeof p &&
           stat(p, &sb) == 0;
}

bool plot_find_scripts(const char *given, char *out, size_t cap)
{
    if (given != NULL) {
        snprintf(out, cap, "%s", given);
        return has_scripts(out);
    }
    const char *env = getenv("SCHEDLAB_PLOT_SCRIPTS");
    if (env != NULL && env[0] != '\0') {
        snprintf(out, cap, "%s", env);
        return has_scripts(out);
    }
    /* Upwards from the executable (build/schedlab, build/NAME/schedlab, build/x/san-y/...). */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        for (int up = 0; up < 6; up++) {
            char *slash = strrchr(exe, '/');
            if (slash == NULL)
                break;
            *slash = '\0';
            if ((size_t)snprintf(out, cap, "%s/scripts/plot", exe) < cap && has_scripts(out))
                return true;
        }
    }
    snprintf(out, cap, "scripts/plot");
    return has_scripts(out);
}

/* Run gnuplot on one item in one format; true when it exited 0 and wrote a non-empty file.
 * gnuplot writes DIR/NAME.tmp.FMT, renamed to DIR/NAME.FMT on success and removed otherwise,
 * so a failed plot leaves no empty or partial image. */
static bool run_one(const struct plot_item *it, const char *fmt, const char *gnuplot,
                    const char *scripts, const char *dir, int logfd)
{
    char out[PATH_MAX], tmp[PATH_MAX], script[PATH_MAX];
    snprintf(out, sizeof out, "%s/%s.%s", dir, it->name, fmt);
    snprintf(tmp, sizeof tmp, "%s/%s.tmp.%s", dir, it->name, fmt);
    snprintf(script, sizeof script, "%s/%s.gp", scripts, it->script);
    unlink(out);   /* a stale image must not pass for a new one */
    char *qd = plot_gp_quote(dir), *qs = plot_gp_quote(scripts);
    char *e = qd && qs ? plot_strf("%s data='%s/%s.dat'; out='%s/%s.tmp'; fmt='%s'; "
                                   "scriptdir='%s'",
                                   it->vars, qd, it->name, qd, it->name, fmt, qs)
                       : NULL;
    free(qd);
    free(qs);
    if (e == NULL)
        return false;
    if (logfd >= 0)
        dprintf(logfd, "== %s.%s: gnuplot -e \"...\" %s\n", it->name, fmt, script);
    pid_t pid = fork();
    if (pid == 0) {
        int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (nul >= 0)
            dup2(nul, STDIN_FILENO);
        if (logfd >= 0) {
            dup2(logfd, STDOUT_FILENO);
            dup2(logfd, STDERR_FILENO);
        }
        execl(gnuplot, "gnuplot", "-e", e, script, (char *)NULL);
        dprintf(STDERR_FILENO, "exec %s: %s\n", gnuplot, strerror(errno));
        _exit(127);
    }
    free(e);
    int status = 0;
    if (pid < 0)
        return false;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    struct stat sb;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && stat(tmp, &sb) == 0 && sb.st_size > 0 &&
        rename(tmp, out) == 0)
        return true;
    unlink(tmp);
    return false;
}

void plot_render(struct plot_list *l, const char *gnuplot, const char *scripts, const char *dir,
                 FILE *log, size_t *rendered, size_t *failed)
{
    char logpath[PATH_MAX];
    *rendered = *failed = 0;
    if (l->n == 0)
        return;   /* no empty gnuplot.log */
    snprintf(logpath, sizeof logpath, "%s/gnuplot.log", dir);
    int logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    for (size_t i = 0; i < l->n; i++) {
        struct plot_item *it = &l->items[i];
        it->png = run_one(it, "png", gnuplot, scripts, dir, logfd);
        it->svg = run_one(it, "svg", gnuplot, scripts, dir, logfd);
        if (it->png && it->svg) {
            (*rendered)++;
        } else {
            (*failed)++;
            if (log != NULL)
                fprintf(log, "schedlab plot: gnuplot failed on %s (%s/%s.gp); its messages are "
                        "in %s\n", it->name, scripts, it->script, logpath);
        }
    }
    if (logfd >= 0)
        close(logfd);
}
