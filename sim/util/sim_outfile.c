/* sim_outfile.c: whole-or-nothing output files (see sim_outfile.h). */
#include "sim/util/sim_outfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sim_outfile_open(struct sim_outfile *o, const char *path)
{
    struct stat sb;
    o->path = path;
    o->tmp = NULL;
    if (strcmp(path, "-") == 0) {   /* standard output, through a descriptor of our own */
        int fd = dup(STDOUT_FILENO);
        o->f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (o->f == NULL && fd >= 0) {
            int e = errno;
            close(fd);
            errno = e;
        }
        return o->f != NULL ? 0 : -1;
    }
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        o->f = fopen(path, "w");   /* a device or FIFO: write through, never rename over it */
        return o->f != NULL ? 0 : -1;
    }
    size_t n = strlen(path) + 16;
    o->tmp = malloc(n);
    if (o->tmp == NULL)
        return -1;
    snprintf(o->tmp, n, "%s.tmpXXXXXX", path);
    int fd = mkstemp(o->tmp);
    mode_t mask = umask(0);
    umask(mask);
    o->f = fd >= 0 && fchmod(fd, 0666 & ~mask) == 0 ? fdopen(fd, "w") : NULL;
    if (o->f == NULL) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
            unlink(o->tmp);
        }
        free(o->tmp);
        o->tmp = NULL;
        errno = e;
        return -1;
    }
    return 0;
}

int sim_outfile_close(struct sim_outfile *o, bool ok)
{
    int e = 0;
    if (ok && (fflush(o->f) != 0 || ferror(o->f) ||
               (o->tmp != NULL && fsync(fileno(o->f)) != 0)))
        e = errno != 0 ? errno : EIO;
    if (fclose(o->f) != 0 && e == 0)
        e = errno;
    o->f = NULL;
    if (o->tmp != NULL) {
        if (ok && e == 0 && rename(o->tmp, o->path) != 0)
            e = errno;
        if (!ok || e != 0)
            unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
    }
    errno = e;
    return ok && e == 0 ? 0 : -1;
}
