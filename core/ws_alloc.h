/* ws_alloc.h: the one allocation entry point of core/, with a fault-injection hook for tests.
 *
 * Every allocation in the library goes through ws_malloc/ws_calloc so that a test can make the
 * Nth allocation fail and check that the caller reports WS_NOMEM and leaves its state unchanged
 * (the "allocator that fails on demand" of a test build stronger than the release build). */
#ifndef WS_ALLOC_H
#define WS_ALLOC_H

#include <stddef.h>
#include <stdint.h>

void *ws_malloc(size_t size);
void *ws_calloc(size_t n, size_t size);
void *ws_aligned_alloc(size_t align, size_t size); /* size rounded up to align */
/* Zeroed memory for an array every event may read anywhere in (per-core state of a simulated
 * machine): from 1 MiB up aligned to and rounded up to 2 MiB and on transparent huge pages where
 * the kernel grants them (Linux, THP in madvise or always mode). On 4,096
 * cores such arrays span more 4 KiB pages than the TLB maps, and each first touch of a small page
 * is a fault (11-25 us of CPU each on a VM measured here). Below 1 MiB: WS_CACHE_LINE aligned.
 * Freed with ws_free. */
void *ws_alloc_wide(size_t size);
void  ws_free(void *p);

/* Make the nth allocation from now fail (1 = the next one); 0 disables injection.
 * Any thread; the count is global. */
void ws_alloc_fail_after(uint64_t n);

/* Allocations made through this module since start (for tests and leak checks). */
uint64_t ws_alloc_count(void);

#endif
