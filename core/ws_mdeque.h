/* ws_mdeque.h: a pthread-mutex deque with the work-stealing deque's API, the baseline that
 * benchmarks and differential tests measure ws_deque against.
 *
 * Same semantics as ws_deque (owner LIFO at the bottom, thieves FIFO at the top, doubling
 * growth, the same counters) but every operation holds one mutex, so it never aborts. */
#ifndef WS_MDEQUE_H
#define WS_MDEQUE_H

#include "core/ws_deque.h"

#include <pthread.h>

struct ws_mdeque {
    pthread_mutex_t lock;
    void **cells;            /* circular, capacity mask + 1 */
    uint64_t mask;
    uint64_t top, bottom;    /* items at [top, bottom) */
    struct ws_deque_stats stats;
};

ws_status ws_mdeque_init(struct ws_mdeque *d, uint64_t capacity);
void      ws_mdeque_destroy(struct ws_mdeque *d);
ws_status ws_mdeque_push(struct ws_mdeque *d, void *item);
ws_status ws_mdeque_take(struct ws_mdeque *d, void **out);
ws_status ws_mdeque_steal(struct ws_mdeque *d, void **out);
ws_status ws_mdeque_steal_if(struct ws_mdeque *d, void **out, ws_deque_pred pred, void *arg);
ws_status ws_mdeque_steal_batch(struct ws_mdeque *d, void **out, uint32_t max, uint32_t *n_out);
uint64_t  ws_mdeque_size(struct ws_mdeque *d);
void      ws_mdeque_stats(struct ws_mdeque *d, struct ws_deque_stats *out);

#endif
