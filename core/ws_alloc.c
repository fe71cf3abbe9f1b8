/* ws_alloc.c: allocation wrappers with an on-demand failure hook for fault-injection tests. */
#include "core/ws_alloc.h"
#include "core/ws_atomic.h"
#include "core/ws_common.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define WIDE_HUGE ((size_t)2 << 20)   /* a transparent huge page on x86-64 and most arm64 */

static _Atomic uint64_t alloc_count;
static _Atomic uint64_t fail_at;   /* absolute allocation number to fail; 0 = never */

/* True when this allocation must fail. Relaxed: the hook is a test aid, not a sync point. */
static int should_fail(void)
{
    uint64_t n = ws_fetch_add_relaxed(&alloc_count, 1) + 1;
    uint64_t f = ws_load_relaxed(&fail_at);
    return f != 0 && n == f;
}

void *ws_malloc(size_t size)
{
    return should_fail() ? NULL : malloc(size);
}

void *ws_calloc(size_t n, size_t size)
{
    return should_fail() ? NULL : calloc(n, size);
}

void *ws_aligned_alloc(size_t align, size_t size)
{
    if (should_fail())
        return NULL;
    size = (size + align - 1) / align * align;
    return aligned_alloc(align, size);
}

void *ws_alloc_wide(size_t size)
{
    if (should_fail())
        return NULL;
    size_t align = size >= WIDE_HUGE / 2 ? WIDE_HUGE : WS_CACHE_LINE;
    size_t n = size == 0 ? align : (size + align - 1) / align * align;
    void *p = aligned_alloc(align, n);
    if (p == NULL)
        return NULL;
#ifdef MADV_HUGEPAGE
    if (align == WIDE_HUGE)
        (void)madvise(p, n, MADV_HUGEPAGE);   /* advice only: refused, the pages stay small */
#endif
    memset(p, 0, n);
    return p;
}

void ws_free(void *p)
{
    free(p);
}

void ws_alloc_fail_after(uint64_t n)
{
    ws_store_relaxed(&fail_at, n == 0 ? 0 : ws_load_relaxed(&alloc_count) + n);
}

uint64_t ws_alloc_count(void)
{
    return ws_load_relaxed(&alloc_count);
}
