/* test_deque.c: sequential semantics, growth, wraparound, counters and fault injection of the
 * Chase-Lev deque, each checked against the mutex deque where both apply. */
#include "core/ws_alloc.h"
#include "core/ws_deque.h"
#include "core/ws_mdeque.h"

#include <criterion/criterion.h>
#include <stdlib.h>

static void *item(uint64_t i)
{
    return (void *)(uintptr_t)(i + 1);
}

static uint64_t index_of(void *x)
{
    return (uint64_t)(uintptr_t)x - 1;
}

static void check(const struct ws_deque *d)
{
    const char *why = ws_deque_check(d);
    cr_assert_null(why, "invariant violated: %s", why ? why : "");
}

Test(deque, take_is_lifo_steal_is_fifo)
{
    struct ws_deque d;
    void *x;
    cr_assert_eq(ws_deque_init(&d, 8), WS_OK);
    for (uint64_t i = 0; i < 6; i++)
        cr_assert_eq(ws_deque_push(&d, item(i)), WS_OK);
    cr_assert_eq(ws_deque_size(&d), 6);
    cr_assert_eq(ws_deque_take(&d, &x), WS_OK);
    cr_assert_eq(index_of(x), 5);
    cr_assert_eq(ws_deque_steal(&d, &x), WS_OK);
    cr_assert_eq(index_of(x), 0);
    cr_assert_eq(ws_deque_steal(&d, &x), WS_OK);
    cr_assert_eq(index_of(x), 1);
    cr_assert_eq(ws_deque_take(&d, &x), WS_OK);
    cr_assert_eq(index_of(x), 4);
    cr_assert_eq(ws_deque_size(&d), 2);
    check(&d);
    ws_deque_destroy(&d);
}

Test(deque, empty_take_and_steal_report_empty_and_leave_it_usable)
{
    struct ws_deque d;
    void *x = NULL;
    cr_assert_eq(ws_deque_init(&d, 2), WS_OK);
    cr_assert_eq(ws_deque_take(&d, &x), WS_EMPTY);
    cr_assert_eq(ws_deque_steal(&d, &x), WS_EMPTY);
    cr_assert_eq(ws_deque_take(&d, &x), WS_EMPTY);
    cr_assert_null(x);
    check(&d);
    cr_assert_eq(ws_deque_push(&d, item(7)), WS_OK);
    cr_assert_eq(ws_deque_take(&d, &x), WS_OK);
    cr_assert_eq(index_of(x), 7);
    cr_assert_eq(ws_deque_steal(&d, &x), WS_EMPTY);
    check(&d);
    ws_deque_destroy(&d);
}

Test(deque, last_item_goes_to_exactly_one_of_take_and_steal)
{
    struct ws_deque d;
    void *x;
    cr_assert_eq(ws_deque_init(&d, 4), WS_OK);
    cr_assert_eq(ws_deque_push(&d, item(1)), WS_OK);
    cr_assert_eq(ws_deque_steal(&d, &x), WS_OK);
    cr_assert_eq(ws_deque_take(&d, &x), WS_EMPTY);
    cr_assert_eq(ws_deque_push(&d, item(2)), WS_OK);
    cr_assert_eq(ws_deque_take(&d, &x), WS_OK);
    cr_assert_eq(index_of(x), 2);
    cr_assert_eq(ws_deque_steal(&d, &x), WS_EMPTY);
    check(&d);
    ws_deque_destroy(&d);
}

Test(deque, grows_and_keeps_order_across_growth)
{
    struct ws_deque d;
    void *x;
    cr_assert_eq(ws_deque_init(&d, 2), WS_OK);
    cr_assert_eq(ws_deque_capacity(&d), 2);
    /* Steal a few first so that [top, bottom) straddles the buffer end when it grows. */
    for (uint64_t i = 0; i < 3; i++)
        cr_assert_eq(ws_deque_push(&d, item(i)), WS_OK);
    cr_assert_eq(ws_deque_steal(&d, &x), WS_OK);
    cr_assert_eq(index_of(x), 0);
    for (uint64_t i = 3; i < 1000; i++) {
        cr_assert_eq(ws_deque_push(&d, item(i)), WS_OK);
        check(&d);
    }
    cr_assert_geq(ws_deque_capacity(&d), 999);
    for (uint64_t i = 1; i < 500; i++) {
        cr_assert_eq(ws_deque_steal(&d, &x), WS_OK);
        cr_assert_eq(index_of(x), i);
    }
    for (uint64_t i = 999; i >= 500; i--) {
        cr_assert_eq(ws_deque_take(&d, &x), WS_OK);
        cr_assert_eq(index_of(x), i);
    }
    cr_assert_eq(ws_deque_take(&d, &x), WS_EMPTY);
    check(&d);
    ws_deque_reclaim_quiescent(&d);
    check(&d);
    ws_deque_destroy(&d);
}

Test(deque, indices_survive_integer_wraparound)
{
    struct ws_deque d;
    void *x;
    uint64_t start = UINT64_MAX - 5;   /* top and bottom cross 2^64 during the test */
    cr_assert_eq(ws_deque_init_at(&d, 4, start), WS_OK);
    for (uint64_t i = 0; i < 20; i++)
        cr_assert_eq(ws_deque_push(&d, item(i)), WS_OK);
    cr_assert_eq(ws_deque_size(&d), 20);
    check(&d);
    for (uint64_t i = 0; i < 10; i++) {
        cr_assert_eq(ws_deque_steal(&d, &x), WS_OK);
        cr_assert_eq(index_of(x), i);
    }
    for (uint64_t i = 19; i >= 10; i--) {
        cr_assert_eq(ws_deque_take(&d, &x), WS_OK);
        cr_assert_eq(index_of(x), i);
    }
    cr_assert_eq(ws_deque_take(&d, &x), WS_EMPTY);
    cr_assert_eq(ws_deque_size(&d), 0);
    check(&d);
    ws_deque_destroy(&d);
}

Test(deque, circular_buffer_wraps_many_times_without_growing)
{
    struct ws_deque d;
    void *x;
    cr_assert_eq(ws_deque_init(&d, 8), WS_OK);
    for (uint64_t i = 0; i < 10000; i++) {
        cr_assert_eq(ws_deque_push(&d, item(2 * i)), WS_OK);
        cr_assert_eq(ws_deque_push(&d, item(2 * i + 1)), WS_OK);
        cr_assert_eq(ws_deque_steal(&d, &x), WS_OK);
        cr_assert_eq(ws_deque_take(&d, &x), WS_OK);
    }
    cr_assert_eq(ws_deque_capacity(&d), 8);
    check(&d);
    ws_deque_destroy(&d);
}

static bool accept_even(const void *x, void *arg)
{
    (*(int *)arg)++;
    return index_of((void *)(uintptr_t)x) % 2 == 0;
}

Test(deque, conditional_steal_commits_only_when_the_predicate_accepts)
{
    struct ws_deque d;
    void *x = NULL;
    int calls = 0;
    cr_assert_eq(ws_deque_init(&d, 4), WS_OK);
    cr_assert_eq(ws_deque_push(&d, item(1)), WS_OK);
    cr_assert_eq(ws_deque_push(&d, item(2)), WS_OK);
    cr_assert_eq(ws_deque_steal_if(&d, &x, accept_even, &calls), WS_DENIED);
    cr_assert_null(x);
    cr_assert_eq(ws_deque_size(&d), 2);
    cr_assert_eq(ws_deque_steal(&d, &x), WS_OK);
    cr_assert_eq(index_of(x), 1);
    cr_assert_eq(ws_deque_steal_if(&d, &x, accept_even, &calls), WS_OK);
    cr_assert_eq(index_of(x), 2);
    cr_assert_eq(ws_deque_steal_if(&d, &x, accept_even, &calls), WS_EMPTY);
    cr_assert_eq(calls, 2, "predicate is not called on an empty deque");
    struct ws_deque_stats st;
    ws_deque_stats(&d, &st);
    cr_assert_eq(st.steal_denied, 1);
    cr_assert_eq(st.steals, 2);
    ws_deque_destroy(&d);
}

Test(deque, batch_steals_half_rounded_up_and_bounded)
{
    struct ws_deque d;
    void *out[16];
    uint32_t n = 99;
    cr_assert_eq(ws_deque_init(&d, 4), WS_OK);
    cr_assert_eq(ws_deque_steal_batch(&d, out, 8, &n), WS_EMPTY);
    cr_assert_eq(n, 0);
    for (uint64_t i = 0; i < 9; i++)
        ws_deque_push(&d, item(i));
    cr_assert_eq(ws_deque_steal_batch(&d, out, 16, &n), WS_OK);
    cr_assert_eq(n, 5, "half of 9 rounded up");
    for (uint32_t i = 0; i < n; i++)
        cr_assert_eq(index_of(out[i]), i, "oldest first");
    cr_assert_eq(ws_deque_steal_batch(&d, out, 1, &n), WS_OK);
    cr_assert_eq(n, 1, "bounded by max");
    cr_assert_eq(index_of(out[0]), 5);
    cr_assert_eq(ws_deque_size(&d), 3);
    check(&d);
    ws_deque_destroy(&d);
}

Test(deque, counters_count_every_outcome)
{
    struct ws_deque d;
    struct ws_deque_stats st;
    void *x;
    cr_assert_eq(ws_deque_init(&d, 2), WS_OK);
    for (uint64_t i = 0; i < 5; i++)
        ws_deque_push(&d, item(i));
    ws_deque_take(&d, &x);
    ws_deque_take(&d, &x);
    ws_deque_steal(&d, &x);
    ws_deque_steal(&d, &x);
    ws_deque_steal(&d, &x);
    ws_deque_steal(&d, &x);   /* empty */
    ws_deque_take(&d, &x);    /* empty */
    ws_deque_stats(&d, &st);
    cr_assert_eq(st.pushes, 5);
    cr_assert_eq(st.takes, 2);
    cr_assert_eq(st.steals, 3);
    cr_assert_eq(st.steal_empty, 1);
    cr_assert_eq(st.take_empty, 1);
    cr_assert_eq(st.steal_lost, 0);
    cr_assert_eq(st.steal_attempts, 4);
    ws_deque_destroy(&d);
}

Test(deque, failed_growth_returns_nomem_and_changes_nothing)
{
    struct ws_deque d;
    void *x;
    cr_assert_eq(ws_deque_init(&d, 2), WS_OK);
    cr_assert_eq(ws_deque_push(&d, item(0)), WS_OK);
    cr_assert_eq(ws_deque_push(&d, item(1)), WS_OK);
    ws_alloc_fail_after(1);
    cr_assert_eq(ws_deque_push(&d, item(2)), WS_NOMEM);
    ws_alloc_fail_after(0);
    cr_assert_eq(ws_deque_size(&d), 2);
    cr_assert_eq(ws_deque_capacity(&d), 2);
    check(&d);
    cr_assert_eq(ws_deque_push(&d, item(2)), WS_OK);
    cr_assert_eq(ws_deque_take(&d, &x), WS_OK);
    cr_assert_eq(index_of(x), 2);
    ws_deque_destroy(&d);
}

Test(deque, init_reports_nomem)
{
    struct ws_deque d;
    ws_alloc_fail_after(1);
    cr_assert_eq(ws_deque_init(&d, 16), WS_NOMEM);
    ws_alloc_fail_after(0);
}

/* The same random operation sequence on both deques gives the same results and counters. */
Test(deque, matches_the_mutex_deque_on_random_sequences)
{
    for (unsigned seed = 1; seed <= 20; seed++) {
        struct ws_deque d;
        struct ws_mdeque m;
        cr_assert_eq(ws_deque_init(&d, 2), WS_OK);
        cr_assert_eq(ws_mdeque_init(&m, 2), WS_OK);
        uint64_t next = 0, rng = seed * 0x9E3779B97F4A7C15ull;
        for (int op = 0; op < 5000; op++) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            void *x = NULL, *y = NULL, *bx[8], *by[8];
            uint32_t nx = 0, ny = 0;
            switch (rng % 8) {
            case 0: case 1: case 2:
                cr_assert_eq(ws_deque_push(&d, item(next)), ws_mdeque_push(&m, item(next)));
                next++;
                break;
            case 3: case 4:
                cr_assert_eq(ws_deque_take(&d, &x), ws_mdeque_take(&m, &y));
                cr_assert_eq(x, y);
                break;
            case 5: case 6:
                cr_assert_eq(ws_deque_steal(&d, &x), ws_mdeque_steal(&m, &y));
                cr_assert_eq(x, y);
                break;
            default:
                cr_assert_eq(ws_deque_steal_batch(&d, bx, 1 + (uint32_t)(rng >> 40) % 8, &nx),
                             ws_mdeque_steal_batch(&m, by, 1 + (uint32_t)(rng >> 40) % 8, &ny));
                cr_assert_eq(nx, ny);
                for (uint32_t i = 0; i < nx; i++)
                    cr_assert_eq(bx[i], by[i]);
            }
            cr_assert_eq(ws_deque_size(&d), ws_mdeque_size(&m));
        }
        struct ws_deque_stats a, b;
        ws_deque_stats(&d, &a);
        ws_mdeque_stats(&m, &b);
        cr_assert_eq(a.pushes, b.pushes);
        cr_assert_eq(a.takes, b.takes);
        cr_assert_eq(a.take_empty, b.take_empty);
        cr_assert_eq(a.steals, b.steals);
        cr_assert_eq(a.steal_empty, b.steal_empty);
        cr_assert_eq(a.steal_attempts, b.steal_attempts);
        check(&d);
        ws_deque_destroy(&d);
        ws_mdeque_destroy(&m);
    }
}
