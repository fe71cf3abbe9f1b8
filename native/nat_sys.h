/* nat_sys.h: the two futex operations the native runtime sleeps and wakes with (Linux). */
#ifndef NAT_SYS_H
#define NAT_SYS_H

#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Sleep while *word == expect, at most timeout_ns (0 = no limit). Spurious returns are fine:
 * every caller re-checks its condition. */
static inline void nat_futex_wait(_Atomic uint32_t *word, uint32_t expect, uint64_t timeout_ns)
{
    struct timespec ts = { (time_t)(timeout_ns / 1000000000u), (long)(timeout_ns % 1000000000u) };
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expect,
            timeout_ns ? &ts : NULL, NULL, 0);
}

/* Wake up to n threads sleeping on word. */
static inline void nat_futex_wake(_Atomic uint32_t *word, int n)
{
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

#endif
