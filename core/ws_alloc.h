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
void  ws_free(void *p);

/* Make the nth allocation from now fail (1 = the next one); 0 disables injection.
 * Any thread; the count is global. */
void ws_alloc_fail_after(uint64_t n);

/* Allocations made through this module since start (for tests and leak checks). */
uint64_t ws_alloc_count(void);

#endif
