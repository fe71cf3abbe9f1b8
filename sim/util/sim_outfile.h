/* sim_outfile.h: output files that appear whole or not at all: written under a temporary name
 * beside the target and renamed into place on success. A target that exists and is not a
 * regular file (/dev/null, a FIFO, a terminal) is written directly instead: renaming over it
 * would replace the device node itself, and "-" is standard output (a stream: what was written
 * before a failure stays written). */
#ifndef SIM_OUTFILE_H
#define SIM_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

struct sim_outfile {
    FILE *f;        /* write here */
    char *tmp;      /* the temporary name, or NULL when writing the target directly */
    const char *path;
};

/* Open path for writing (mode 0666 & ~umask for a new file). 0, or -1 with errno set and
 * nothing created. */
int sim_outfile_open(struct sim_outfile *o, const char *path);

/* Close o; when ok, flush (and for a regular file fsync) and rename into place, else remove
 * the temporary file. 0 if the output is complete, -1 with errno set otherwise (the target is
 * then untouched, unless it is written directly). */
int sim_outfile_close(struct sim_outfile *o, bool ok);

#endif
