/* bench_emul.c: tells whether this process runs under a user-mode CPU emulator (qemu-user), whose
 * times say nothing about the hardware the binary was built for, so that every `schedlab bench`
 * can say so in its output.
 *
 * Two signs, either sufficient, both read from the kernel rather than from anything a test sets:
 *   1. /proc/thread-self/exe is the emulator. qemu-user rewrites /proc/self/exe (and
 *      /proc/PID/exe) to the guest program, but the kernel's thread-self link still names the
 *      host executable, e.g. /usr/bin/qemu-aarch64 (binfmt_misc runs it too).
 *   2. On ARM64 builds: /proc/cpuinfo describes no ARM CPU. An ARM64 kernel prints a
 *      "CPU implementer" line per CPU; qemu-user (7.2) passes the host's file through, which on
 *      an x86-64 host has vendor_id / model name lines instead.
 */
#include "sim/bench/bench.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Sign 1: the kernel's executable of this thread is a qemu-* program. */
static bool exe_is_emulator(char *why, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/thread-self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return false;
    exe[n] = '\0';
    const char *base = strrchr(exe, '/');
    base = base != NULL ? base + 1 : exe;
    if (strncmp(base, "qemu-", 5) != 0)
        return false;
    snprintf(why, len, "qemu-user: /proc/thread-self/exe is %s", exe);
    return true;
}

/* Sign 2 (ARM64 code only): /proc/cpuinfo is readable and has no "CPU implementer" line. */
static bool cpuinfo_is_foreign(char *why, size_t len)
{
#if defined(__aarch64__)
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return false;
    char line[256], model[sizeof line] = "";
    bool arm = false, any = false;
    while (fgets(line, sizeof line, f) != NULL) {
        any = true;
        if (strncmp(line, "CPU implementer", 15) == 0)
            arm = true;
        else if (model[0] == '\0' && strncmp(line, "model name", 10) == 0) {
            const char *v = strchr(line, ':');
            snprintf(model, sizeof model, "%s", v != NULL ? v + 1 + (v[1] == ' ') : line);
            model[strcspn(model, "\n")] = '\0';
        }
    }
    fclose(f);
    if (!any || arm)
        return false;
    snprintf(why, len, "/proc/cpuinfo describes no ARM64 CPU%s%s", model[0] ? ": " : "", model);
    return true;
#else
    (void)why;
    (void)len;
    return false;
#endif
}

bool sim_bench_emulated(char *why, size_t len)
{
    if (len > 0)
        why[0] = '\0';
    return exe_is_emulator(why, len) || cpuinfo_is_foreign(why, len);
}
