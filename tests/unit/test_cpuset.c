/* test_cpuset.c: arbitrary-width core sets: widths around and far beyond 64, iteration, set
 * algebra across widths, list parsing (including every kind of junk) and formatting. */
#include "core/ws_alloc.h"
#include "core/ws_cpuset.h"

#include <criterion/criterion.h>
#include <string.h>

static void check(const struct ws_cpuset *s)
{
    const char *why = ws_cpuset_check(s);
    cr_assert_null(why, "invariant violated: %s", why ? why : "");
}

Test(cpuset, widths_around_word_boundaries)
{
    static const uint32_t widths[] = { 0, 1, 63, 64, 65, 128, 4096, 4097 };
    for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
        struct ws_cpuset s;
        cr_assert_eq(ws_cpuset_init(&s, widths[i]), WS_OK);
        cr_assert_eq(s.nwords, (widths[i] + 63) / 64);
        cr_assert(ws_cpuset_is_empty(&s));
        ws_cpuset_fill(&s);
        cr_assert_eq(ws_cpuset_count(&s), widths[i], "fill of width %u", widths[i]);
        check(&s);
        ws_cpuset_destroy(&s);
        check(&s);
    }
}

Test(cpuset, set_clear_test_beyond_64_and_out_of_range)
{
    struct ws_cpuset s;
    cr_assert_eq(ws_cpuset_init(&s, 4096), WS_OK);
    cr_assert_eq(ws_cpuset_set(&s, 0), WS_OK);
    cr_assert_eq(ws_cpuset_set(&s, 64), WS_OK);
    cr_assert_eq(ws_cpuset_set(&s, 4095), WS_OK);
    cr_assert_eq(ws_cpuset_set(&s, 4096), WS_EINVAL);
    cr_assert(ws_cpuset_test(&s, 64) && ws_cpuset_test(&s, 4095));
    cr_assert(!ws_cpuset_test(&s, 63) && !ws_cpuset_test(&s, 4096) && !ws_cpuset_test(&s, 9999));
    cr_assert_eq(ws_cpuset_count(&s), 3);
    cr_assert_eq(ws_cpuset_clear(&s, 64), WS_OK);
    cr_assert_eq(ws_cpuset_clear(&s, 5000), WS_EINVAL);
    cr_assert(!ws_cpuset_test(&s, 64));
    cr_assert_eq(ws_cpuset_count(&s), 2);
    check(&s);
    ws_cpuset_destroy(&s);
}

Test(cpuset, first_next_nth_walk_every_bit_in_order)
{
    struct ws_cpuset s;
    static const uint32_t ids[] = { 3, 63, 64, 127, 128, 1000, 2047, 4095 };
    cr_assert_eq(ws_cpuset_init(&s, 4096), WS_OK);
    cr_assert_eq(ws_cpuset_first(&s), WS_CPUSET_NONE);
    for (size_t i = 0; i < 8; i++)
        ws_cpuset_set(&s, ids[i]);
    size_t k = 0;
    for (uint32_t c = ws_cpuset_first(&s); c != WS_CPUSET_NONE; c = ws_cpuset_next(&s, c), k++) {
        cr_assert_lt(k, 8);
        cr_assert_eq(c, ids[k]);
        cr_assert_eq(ws_cpuset_nth(&s, (uint32_t)k), ids[k]);
    }
    cr_assert_eq(k, 8);
    cr_assert_eq(ws_cpuset_nth(&s, 8), WS_CPUSET_NONE);
    cr_assert_eq(ws_cpuset_next(&s, 4095), WS_CPUSET_NONE);
    ws_cpuset_destroy(&s);
}

Test(cpuset, set_range_across_words)
{
    struct ws_cpuset s;
    cr_assert_eq(ws_cpuset_init(&s, 300), WS_OK);
    cr_assert_eq(ws_cpuset_set_range(&s, 60, 200), WS_OK);
    cr_assert_eq(ws_cpuset_count(&s), 141);
    cr_assert_eq(ws_cpuset_first(&s), 60);
    cr_assert(!ws_cpuset_test(&s, 59) && ws_cpuset_test(&s, 200) && !ws_cpuset_test(&s, 201));
    cr_assert_eq(ws_cpuset_set_range(&s, 5, 4), WS_EINVAL);
    cr_assert_eq(ws_cpuset_set_range(&s, 0, 300), WS_EINVAL);
    cr_assert_eq(ws_cpuset_count(&s), 141, "a refused range changes nothing");
    cr_assert_eq(ws_cpuset_set_range(&s, 0, 299), WS_OK);
    cr_assert_eq(ws_cpuset_count(&s), 300);
    check(&s);
    ws_cpuset_destroy(&s);
}

Test(cpuset, algebra_across_different_widths)
{
    struct ws_cpuset a, b, d;
    cr_assert_eq(ws_cpuset_init(&a, 100), WS_OK);
    cr_assert_eq(ws_cpuset_init(&b, 5000), WS_OK);
    cr_assert_eq(ws_cpuset_init(&d, 5000), WS_OK);
    ws_cpuset_set_range(&a, 10, 90);
    ws_cpuset_set_range(&b, 80, 4500);
    cr_assert_eq(ws_cpuset_and(&d, &a, &b), WS_OK);
    cr_assert_eq(ws_cpuset_count(&d), 11);            /* 80..90 */
    cr_assert_eq(ws_cpuset_or(&d, &a, &b), WS_OK);
    cr_assert_eq(ws_cpuset_count(&d), 4491);          /* 10..4500 */
    cr_assert_eq(ws_cpuset_andnot(&d, &b, &a), WS_OK);
    cr_assert_eq(ws_cpuset_first(&d), 91);
    cr_assert(ws_cpuset_intersects(&a, &b));
    cr_assert(!ws_cpuset_is_subset(&a, &b));
    cr_assert(ws_cpuset_is_subset(&d, &b));
    /* A result that does not fit the narrower destination is refused, leaving it unchanged. */
    struct ws_cpuset before;
    cr_assert_eq(ws_cpuset_dup(&before, &a), WS_OK);
    cr_assert_eq(ws_cpuset_or(&a, &a, &b), WS_EINVAL);
    cr_assert(ws_cpuset_equal(&a, &before));
    cr_assert_eq(ws_cpuset_copy(&a, &b), WS_EINVAL);
    cr_assert(ws_cpuset_equal(&a, &before));
    /* The intersection fits, so and-ing in place into the narrow set works. */
    cr_assert_eq(ws_cpuset_and(&a, &a, &b), WS_OK);
    cr_assert_eq(ws_cpuset_count(&a), 11);
    /* equal compares ids, not widths. */
    ws_cpuset_zero(&d);
    cr_assert_eq(ws_cpuset_copy(&d, &a), WS_OK);
    cr_assert(ws_cpuset_equal(&a, &d) && ws_cpuset_equal(&d, &a));
    ws_cpuset_set(&d, 4999);
    cr_assert(!ws_cpuset_equal(&a, &d));
    check(&a);
    check(&d);
    ws_cpuset_destroy(&a);
    ws_cpuset_destroy(&b);
    ws_cpuset_destroy(&d);
    ws_cpuset_destroy(&before);
}

Test(cpuset, parse_lists_and_format_them_back)
{
    struct ws_cpuset s;
    char buf[64];
    cr_assert_eq(ws_cpuset_init(&s, 4096), WS_OK);
    cr_assert_eq(ws_cpuset_parse(&s, "0-3,8,10-11", NULL), WS_OK);
    cr_assert_eq(ws_cpuset_count(&s), 7);
    cr_assert_eq(ws_cpuset_format(&s, buf, sizeof(buf)), strlen("0-3,8,10-11"));
    cr_assert_str_eq(buf, "0-3,8,10-11");
    cr_assert_eq(ws_cpuset_parse(&s, " 4095 , 62 - 66,1", NULL), WS_OK);
    ws_cpuset_format(&s, buf, sizeof(buf));
    cr_assert_str_eq(buf, "1,62-66,4095");
    cr_assert_eq(ws_cpuset_parse(&s, "", NULL), WS_OK);
    cr_assert(ws_cpuset_is_empty(&s));
    ws_cpuset_format(&s, buf, sizeof(buf));
    cr_assert_str_eq(buf, "");
    ws_cpuset_destroy(&s);
}

Test(cpuset, parse_refuses_junk_and_leaves_the_set_unchanged)
{
    static const struct { const char *text; size_t pos; } bad[] = {
        { "a", 0 }, { "1-", 0 }, { "-1", 0 }, { "3-1", 0 }, { "1,,2", 2 }, { "1 2", 0 },
        { "0-3,4096", 4 }, { "1,", 2 }, { "99999999999", 0 }, { "2;3", 0 }, { "0x10", 0 },
    };
    struct ws_cpuset s;
    cr_assert_eq(ws_cpuset_init(&s, 4096), WS_OK);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t pos = 777;
        ws_cpuset_parse(&s, "5,70", NULL);
        cr_assert_eq(ws_cpuset_parse(&s, bad[i].text, &pos), WS_EINVAL, "'%s'", bad[i].text);
        cr_assert_eq(pos, bad[i].pos, "'%s': offset %zu", bad[i].text, pos);
        cr_assert_eq(ws_cpuset_count(&s), 2, "'%s' changed the set", bad[i].text);
        cr_assert(ws_cpuset_test(&s, 70));
    }
    ws_cpuset_destroy(&s);
}

Test(cpuset, format_reports_the_length_it_needs_when_truncated)
{
    struct ws_cpuset s;
    char buf[6];
    cr_assert_eq(ws_cpuset_init(&s, 2000), WS_OK);
    ws_cpuset_parse(&s, "0-3,1000,1999", NULL);
    size_t need = ws_cpuset_format(&s, buf, sizeof(buf));
    cr_assert_eq(need, strlen("0-3,1000,1999"));
    cr_assert_str_eq(buf, "0-3,1");
    cr_assert_eq(ws_cpuset_format(&s, NULL, 0), need);
    ws_cpuset_destroy(&s);
}

Test(cpuset, failed_allocation_reports_nomem_and_leaves_an_empty_set)
{
    struct ws_cpuset s;
    ws_alloc_fail_after(1);
    cr_assert_eq(ws_cpuset_init(&s, 512), WS_NOMEM);
    ws_alloc_fail_after(0);
    cr_assert_eq(s.nbits, 0);
    cr_assert_null(s.w);
    check(&s);
    ws_cpuset_destroy(&s);
    cr_assert_eq(ws_cpuset_init(&s, WS_CPUSET_MAX_BITS + 1), WS_EINVAL);
}
