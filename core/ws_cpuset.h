/* ws_cpuset.h: sets of core ids of any width, as dynamically sized bitmaps of 64-bit words.
 *
 * Invariants of a set (checked by ws_cpuset_check):
 *   1. nwords == ceil(nbits / 64); w holds nwords words, allocated through ws_alloc.h
 *      (w == NULL only when nbits == 0).
 *   2. Bits at positions >= nbits are always zero, so word-wise count / equal / subset never
 *      see stray bits, and ws_cpuset_fill never sets ids the set cannot hold.
 *   3. The width is fixed at init. Binary operations accept sets of different widths: a
 *      source bit beyond the destination's width is an error (WS_EINVAL, destination
 *      unchanged) where it would be lost, and a missing bit of the narrower set reads as zero.
 *
 * Readers may call the const functions from any thread while no one writes the set; writers
 * need exclusive access (the set has no locking of its own). test/set/clear are O(1); first,
 * next, count, and the binary operations are O(nbits / 64). */
#ifndef WS_CPUSET_H
#define WS_CPUSET_H

#include "core/ws_common.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Returned by ws_cpuset_first / ws_cpuset_next when no further bit is set. */
#define WS_CPUSET_NONE UINT32_MAX

/* Widest set ws_cpuset_init accepts (ids 0 .. WS_CPUSET_MAX_BITS-1). */
#define WS_CPUSET_MAX_BITS (1u << 20)

struct ws_cpuset {
    uint64_t *w;      /* nwords words; bit i of the set is bit (i % 64) of w[i / 64] */
    uint32_t nbits;   /* width: valid ids are 0 .. nbits-1 */
    uint32_t nwords;  /* ceil(nbits / 64) */
};

/* Make an empty set that can hold ids 0..nbits-1 (nbits may be 0). WS_NOMEM or WS_EINVAL
 * (nbits > WS_CPUSET_MAX_BITS) leave *s as an empty zero-width set that destroy accepts. */
ws_status ws_cpuset_init(struct ws_cpuset *s, uint32_t nbits);

/* Make dst a new set of src's width and contents (dst must not be initialised). */
ws_status ws_cpuset_dup(struct ws_cpuset *dst, const struct ws_cpuset *src);

/* Free the words; leaves a zero-width set. Safe on a zeroed or already-destroyed set. */
void ws_cpuset_destroy(struct ws_cpuset *s);

/* Add / remove id i. WS_EINVAL if i >= nbits (set unchanged). */
static inline ws_status ws_cpuset_set(struct ws_cpuset *s, uint32_t i)
{
    if (WS_UNLIKELY(i >= s->nbits))
        return WS_EINVAL;
    s->w[i >> 6] |= UINT64_C(1) << (i & 63);
    return WS_OK;
}

static inline ws_status ws_cpuset_clear(struct ws_cpuset *s, uint32_t i)
{
    if (WS_UNLIKELY(i >= s->nbits))
        return WS_EINVAL;
    s->w[i >> 6] &= ~(UINT64_C(1) << (i & 63));
    return WS_OK;
}

/* True if id i is in the set; false for any i >= nbits. */
static inline bool ws_cpuset_test(const struct ws_cpuset *s, uint32_t i)
{
    return i < s->nbits && ((s->w[i >> 6] >> (i & 63)) & 1u) != 0;
}

/* Remove every id / add every id 0..nbits-1. */
void ws_cpuset_zero(struct ws_cpuset *s);
void ws_cpuset_fill(struct ws_cpuset *s);

/* Add ids lo..hi inclusive. WS_EINVAL if lo > hi or hi >= nbits (set unchanged). */
ws_status ws_cpuset_set_range(struct ws_cpuset *s, uint32_t lo, uint32_t hi);

/* Number of ids in the set. */
uint32_t ws_cpuset_count(const struct ws_cpuset *s);

/* Smallest id in the set, or WS_CPUSET_NONE if it is empty. */
uint32_t ws_cpuset_first(const struct ws_cpuset *s);

/* Smallest id in the set that is > i, or WS_CPUSET_NONE. Iterate with
 *   for (uint32_t c = ws_cpuset_first(s); c != WS_CPUSET_NONE; c = ws_cpuset_next(s, c)) */
uint32_t ws_cpuset_next(const struct ws_cpuset *s, uint32_t i);

/* The k-th smallest id (k = 0 is the first), or WS_CPUSET_NONE if count <= k. */
uint32_t ws_cpuset_nth(const struct ws_cpuset *s, uint32_t k);

/* dst = a & b, dst = a | b, dst = a & ~b. dst may alias a or b. WS_EINVAL (dst unchanged) if
 * the result holds an id >= dst->nbits. */
ws_status ws_cpuset_and(struct ws_cpuset *dst, const struct ws_cpuset *a, const struct ws_cpuset *b);
ws_status ws_cpuset_or(struct ws_cpuset *dst, const struct ws_cpuset *a, const struct ws_cpuset *b);
ws_status ws_cpuset_andnot(struct ws_cpuset *dst, const struct ws_cpuset *a,
                           const struct ws_cpuset *b);

/* dst = src, keeping dst's width. WS_EINVAL (dst unchanged) if src holds an id >= dst->nbits. */
ws_status ws_cpuset_copy(struct ws_cpuset *dst, const struct ws_cpuset *src);

/* Same ids (widths may differ). */
bool ws_cpuset_equal(const struct ws_cpuset *a, const struct ws_cpuset *b);

/* No ids. */
bool ws_cpuset_is_empty(const struct ws_cpuset *s);

/* Every id of a is in b. */
bool ws_cpuset_is_subset(const struct ws_cpuset *a, const struct ws_cpuset *b);

/* a and b share at least one id. */
bool ws_cpuset_intersects(const struct ws_cpuset *a, const struct ws_cpuset *b);

/* Replace the contents of s with the ids of a list such as "0-3,8,10-11" (decimal ids and
 * inclusive ranges, comma-separated, spaces allowed around items; "" is the empty set).
 * WS_EINVAL on junk, a reversed range, or an id >= s->nbits: s unchanged, and if bad_pos is
 * non-NULL it receives the offset in text of the offending item. */
ws_status ws_cpuset_parse(struct ws_cpuset *s, const char *text, size_t *bad_pos);

/* Write s as a list ("0-3,8,10-11"; "" when empty) into buf, always NUL-terminated when
 * len > 0. Returns the length the whole text needs (excluding the NUL), like snprintf:
 * a result >= len means buf was truncated. */
size_t ws_cpuset_format(const struct ws_cpuset *s, char *buf, size_t len);

/* NULL if the invariants above hold, else a sentence naming the first one broken. */
const char *ws_cpuset_check(const struct ws_cpuset *s);

#endif
