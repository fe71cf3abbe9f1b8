/* fuzz_common.h: what the fuzz targets share: turning the fuzzer's bytes into a file the
 * readers can open (memfd, seekable; or a pipe, not seekable) and into NUL-terminated lines.
 *
 * Every target defines LLVMFuzzerTestOneInput and is built twice: with clang and libFuzzer
 * (`make fuzz`, -fsanitize=fuzzer,address,undefined) to search, and with gcc and
 * tests/fuzz/replay_main.c (`make test`, -fsanitize=address,undefined) to replay the seed corpus
 * and every regression input once. A target must be deterministic, must not leak (LeakSanitizer
 * runs after each input) and must bound its own work so that any input finishes in well under a
 * second: limits below are the targets' own, not the readers'. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Largest input the file-based targets pass on (a pipe holds 64 KiB without a reader). */
#define FUZZ_MAX_INPUT 60000

/* Write data to an anonymous memory file; its /proc/self/fd path goes to path[64]. Returns the
 * descriptor (close it when done), or -1. The file is seekable, like a trace on disk. */
static inline int fuzz_memfd(const uint8_t *data, size_t size, char path[64])
{
    int fd = memfd_create("fuzz", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    snprintf(path, 64, "/proc/self/fd/%d", fd);
    return fd;
}

/* A pipe already holding data (size <= FUZZ_MAX_INPUT) with its write end closed; path[64]
 * names the read end, which is not seekable. Returns the read descriptor, or -1. */
static inline int fuzz_pipe(const uint8_t *data, size_t size, char path[64])
{
    int p[2];
    if (size > FUZZ_MAX_INPUT || pipe2(p, O_CLOEXEC) != 0)
        return -1;
    ssize_t n = size > 0 ? write(p[1], data, size) : 0;
    close(p[1]);
    if (n != (ssize_t)size) {
        close(p[0]);
        return -1;
    }
    snprintf(path, 64, "/proc/self/fd/%d", p[0]);
    return p[0];
}

/* A NUL-terminated copy of data (malloc'd; the caller frees), or NULL. */
static inline char *fuzz_strdup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s != NULL) {
        memcpy(s, data, size);
        s[size] = '\0';
    }
    return s;
}

#endif
