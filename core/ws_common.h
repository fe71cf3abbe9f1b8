/* ws_common.h: status codes, cache-line size and small helpers shared by every core/ module. */
#ifndef WS_COMMON_H
#define WS_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Status of a hot-path or setup operation. Hot paths return these and never touch errno. */
typedef enum ws_status {
    WS_OK = 0,     /* done */
    WS_EMPTY,      /* nothing to take or steal */
    WS_ABORT,      /* lost a race with another thread; retrying may succeed */
    WS_DENIED,     /* a predicate or policy refused the operation; nothing changed */
    WS_NOMEM,      /* an allocation failed; nothing changed */
    WS_EINVAL      /* bad argument; nothing changed */
} ws_status;

/* Name of a status, for messages. Never NULL. */
const char *ws_status_name(ws_status s);

/* Padding unit that keeps owner-written and thief-written fields apart. 128 bytes covers the
 * adjacent-line prefetcher of x86 cores and the 128-byte lines of Apple's ARM64 cores. */
#define WS_CACHE_LINE 128

#define WS_LIKELY(x)   __builtin_expect(!!(x), 1)
#define WS_UNLIKELY(x) __builtin_expect(!!(x), 0)

#ifdef WS_DEBUG
#include <assert.h>
#define WS_ASSERT(x) assert(x)
#else
#define WS_ASSERT(x) ((void)0)
#endif

#endif
