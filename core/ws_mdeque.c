/* ws_mdeque.c: the mutex-protected baseline deque. Invariant: items at [top, bottom), held in
 * cells[i & mask]; only code holding lock reads or writes any field. */
#include "core/ws_mdeque.h"
#include "core/ws_alloc.h"

#include <string.h>

ws_status ws_mdeque_init(struct ws_mdeque *d, uint64_t capacity)
{
    uint64_t c = 2;
    while (c < capacity)
        c <<= 1;
    void **cells = ws_calloc(c, sizeof(void *));
    if (cells == NULL)
        return WS_NOMEM;
    memset(d, 0, sizeof(*d));
    pthread_mutex_init(&d->lock, NULL);
    d->cells = cells;
    d->mask = c - 1;
    return WS_OK;
}

void ws_mdeque_destroy(struct ws_mdeque *d)
{
    pthread_mutex_destroy(&d->lock);
    ws_free(d->cells);
    d->cells = NULL;
}

/* Lock held: double the buffer. */
static ws_status grow_locked(struct ws_mdeque *d)
{
    uint64_t cap = (d->mask + 1) * 2;
    void **cells = ws_calloc(cap, sizeof(void *));
    if (cells == NULL)
        return WS_NOMEM;
    for (uint64_t i = d->top; i != d->bottom; i++)
        cells[i & (cap - 1)] = d->cells[i & d->mask];
    ws_free(d->cells);
    d->cells = cells;
    d->mask = cap - 1;
    return WS_OK;
}

ws_status ws_mdeque_push(struct ws_mdeque *d, void *item)
{
    ws_status s = WS_OK;
    pthread_mutex_lock(&d->lock);
    if (d->bottom - d->top > d->mask)
        s = grow_locked(d);
    if (s == WS_OK) {
        d->cells[d->bottom++ & d->mask] = item;
        d->stats.pushes++;
    }
    pthread_mutex_unlock(&d->lock);
    return s;
}

ws_status ws_mdeque_take(struct ws_mdeque *d, void **out)
{
    ws_status s = WS_EMPTY;
    pthread_mutex_lock(&d->lock);
    if (d->bottom != d->top) {
        *out = d->cells[--d->bottom & d->mask];
        d->stats.takes++;
        s = WS_OK;
    } else {
        d->stats.take_empty++;
    }
    pthread_mutex_unlock(&d->lock);
    return s;
}

/* Lock held: steal the top item if pred (may be NULL) accepts it. */
static ws_status steal_locked(struct ws_mdeque *d, void **out, ws_deque_pred pred, void *arg)
{
    d->stats.steal_attempts++;
    if (d->bottom == d->top) {
        d->stats.steal_empty++;
        return WS_EMPTY;
    }
    void *x = d->cells[d->top & d->mask];
    if (pred != NULL && !pred(x, arg)) {
        d->stats.steal_denied++;
        return WS_DENIED;
    }
    d->top++;
    d->stats.steals++;
    *out = x;
    return WS_OK;
}

ws_status ws_mdeque_steal(struct ws_mdeque *d, void **out)
{
    return ws_mdeque_steal_if(d, out, NULL, NULL);
}

ws_status ws_mdeque_steal_if(struct ws_mdeque *d, void **out, ws_deque_pred pred, void *arg)
{
    pthread_mutex_lock(&d->lock);
    ws_status s = steal_locked(d, out, pred, arg);
    pthread_mutex_unlock(&d->lock);
    return s;
}

ws_status ws_mdeque_steal_batch(struct ws_mdeque *d, void **out, uint32_t max, uint32_t *n_out)
{
    pthread_mutex_lock(&d->lock);
    uint64_t want = (d->bottom - d->top + 1) / 2;
    if (want > max)
        want = max;
    if (want == 0)
        want = 1;
    uint32_t n = 0;
    ws_status s = WS_OK;
    while (n < want && (s = steal_locked(d, &out[n], NULL, NULL)) == WS_OK)
        n++;
    pthread_mutex_unlock(&d->lock);
    *n_out = n;
    return n > 0 ? WS_OK : s;
}

uint64_t ws_mdeque_size(struct ws_mdeque *d)
{
    pthread_mutex_lock(&d->lock);
    uint64_t n = d->bottom - d->top;
    pthread_mutex_unlock(&d->lock);
    return n;
}

void ws_mdeque_stats(struct ws_mdeque *d, struct ws_deque_stats *out)
{
    pthread_mutex_lock(&d->lock);
    *out = d->stats;
    pthread_mutex_unlock(&d->lock);
}
