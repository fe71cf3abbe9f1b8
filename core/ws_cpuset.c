/* ws_cpuset.c: arbitrary-width core sets: allocation, word-wise set algebra, list parsing and
 * formatting (invariants in ws_cpuset.h). */
#include "core/ws_cpuset.h"

#include "core/ws_alloc.h"

#include <string.h>

static uint32_t words_for(uint32_t nbits)
{
    return (nbits + 63) / 64;
}

/* Mask of the valid bits of the last word (all ones when nbits is a multiple of 64). */
static uint64_t tail_mask(uint32_t nbits)
{
    return (nbits & 63) ? (UINT64_C(1) << (nbits & 63)) - 1 : ~UINT64_C(0);
}

static uint64_t word_or_zero(const struct ws_cpuset *s, uint32_t i)
{
    return i < s->nwords ? s->w[i] : 0;
}

ws_status ws_cpuset_init(struct ws_cpuset *s, uint32_t nbits)
{
    s->w = NULL;
    s->nbits = 0;
    s->nwords = 0;
    if (nbits > WS_CPUSET_MAX_BITS)
        return WS_EINVAL;
    if (nbits == 0)
        return WS_OK;
    uint64_t *w = ws_calloc(words_for(nbits), sizeof(uint64_t));
    if (w == NULL)
        return WS_NOMEM;
    s->w = w;
    s->nbits = nbits;
    s->nwords = words_for(nbits);
    return WS_OK;
}

ws_status ws_cpuset_dup(struct ws_cpuset *dst, const struct ws_cpuset *src)
{
    ws_status st = ws_cpuset_init(dst, src->nbits);
    if (st == WS_OK && src->nwords > 0)
        memcpy(dst->w, src->w, src->nwords * sizeof(uint64_t));
    return st;
}

void ws_cpuset_destroy(struct ws_cpuset *s)
{
    ws_free(s->w);
    s->w = NULL;
    s->nbits = 0;
    s->nwords = 0;
}

void ws_cpuset_zero(struct ws_cpuset *s)
{
    if (s->nwords > 0)
        memset(s->w, 0, s->nwords * sizeof(uint64_t));
}

void ws_cpuset_fill(struct ws_cpuset *s)
{
    if (s->nwords == 0)
        return;
    memset(s->w, 0xff, s->nwords * sizeof(uint64_t));
    s->w[s->nwords - 1] &= tail_mask(s->nbits);
}

ws_status ws_cpuset_set_range(struct ws_cpuset *s, uint32_t lo, uint32_t hi)
{
    if (lo > hi || hi >= s->nbits)
        return WS_EINVAL;
    uint32_t i = lo;
    for (; i <= hi && (i & 63) != 0; i++)
        ws_cpuset_set(s, i);
    for (; (uint64_t)i + 63 <= hi; i += 64)
        s->w[i >> 6] = ~UINT64_C(0);
    for (; i <= hi; i++)
        ws_cpuset_set(s, i);
    return WS_OK;
}

uint32_t ws_cpuset_count(const struct ws_cpuset *s)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->nwords; i++)
        n += (uint32_t)__builtin_popcountll(s->w[i]);
    return n;
}

/* First set bit at or after word index wi, or WS_CPUSET_NONE. */
static uint32_t scan_from(const struct ws_cpuset *s, uint32_t wi, uint64_t first_word)
{
    uint64_t x = first_word;
    for (;;) {
        if (x != 0)
            return wi * 64 + (uint32_t)__builtin_ctzll(x);
        if (++wi >= s->nwords)
            return WS_CPUSET_NONE;
        x = s->w[wi];
    }
}

uint32_t ws_cpuset_first(const struct ws_cpuset *s)
{
    return s->nwords == 0 ? WS_CPUSET_NONE : scan_from(s, 0, s->w[0]);
}

uint32_t ws_cpuset_next(const struct ws_cpuset *s, uint32_t i)
{
    if (i == WS_CPUSET_NONE || i + 1 >= s->nbits)
        return WS_CPUSET_NONE;
    i++;
    return scan_from(s, i >> 6, s->w[i >> 6] & (~UINT64_C(0) << (i & 63)));
}

uint32_t ws_cpuset_nth(const struct ws_cpuset *s, uint32_t k)
{
    for (uint32_t wi = 0; wi < s->nwords; wi++) {
        uint64_t x = s->w[wi];
        uint32_t n = (uint32_t)__builtin_popcountll(x);
        if (k >= n) {
            k -= n;
            continue;
        }
        while (k-- > 0)
            x &= x - 1;
        return wi * 64 + (uint32_t)__builtin_ctzll(x);
    }
    return WS_CPUSET_NONE;
}

enum binop { OP_AND, OP_OR, OP_ANDNOT };

static uint64_t apply(enum binop op, uint64_t x, uint64_t y)
{
    switch (op) {
    case OP_AND: return x & y;
    case OP_OR: return x | y;
    default: return x & ~y;
    }
}

/* Check first that no result bit falls outside dst, then write: dst unchanged on error. */
static ws_status binop(struct ws_cpuset *dst, const struct ws_cpuset *a, const struct ws_cpuset *b,
                       enum binop op)
{
    uint32_t n = a->nwords > b->nwords ? a->nwords : b->nwords;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t r = apply(op, word_or_zero(a, i), word_or_zero(b, i));
        if (r == 0)
            continue;
        if (i >= dst->nwords || (i == dst->nwords - 1 && (r & ~tail_mask(dst->nbits)) != 0))
            return WS_EINVAL;
    }
    for (uint32_t i = 0; i < dst->nwords; i++)
        dst->w[i] = apply(op, word_or_zero(a, i), word_or_zero(b, i));
    return WS_OK;
}

ws_status ws_cpuset_and(struct ws_cpuset *dst, const struct ws_cpuset *a, const struct ws_cpuset *b)
{
    return binop(dst, a, b, OP_AND);
}

ws_status ws_cpuset_or(struct ws_cpuset *dst, const struct ws_cpuset *a, const struct ws_cpuset *b)
{
    return binop(dst, a, b, OP_OR);
}

ws_status ws_cpuset_andnot(struct ws_cpuset *dst, const struct ws_cpuset *a,
                           const struct ws_cpuset *b)
{
    return binop(dst, a, b, OP_ANDNOT);
}

ws_status ws_cpuset_copy(struct ws_cpuset *dst, const struct ws_cpuset *src)
{
    return binop(dst, src, src, OP_AND);
}

bool ws_cpuset_equal(const struct ws_cpuset *a, const struct ws_cpuset *b)
{
    uint32_t n = a->nwords > b->nwords ? a->nwords : b->nwords;
    for (uint32_t i = 0; i < n; i++)
        if (word_or_zero(a, i) != word_or_zero(b, i))
            return false;
    return true;
}

bool ws_cpuset_is_empty(const struct ws_cpuset *s)
{
    for (uint32_t i = 0; i < s->nwords; i++)
        if (s->w[i] != 0)
            return false;
    return true;
}

bool ws_cpuset_is_subset(const struct ws_cpuset *a, const struct ws_cpuset *b)
{
    for (uint32_t i = 0; i < a->nwords; i++)
        if ((a->w[i] & ~word_or_zero(b, i)) != 0)
            return false;
    return true;
}

bool ws_cpuset_intersects(const struct ws_cpuset *a, const struct ws_cpuset *b)
{
    uint32_t n = a->nwords < b->nwords ? a->nwords : b->nwords;
    for (uint32_t i = 0; i < n; i++)
        if ((a->w[i] & b->w[i]) != 0)
            return true;
    return false;
}

/* Parse a decimal id at *p (no sign, at most 10 digits); advance *p. False on no digits. */
static bool parse_id(const char **p, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    int digits = 0;
    while (*s >= '0' && *s <= '9' && digits < 11) {
        v = v * 10 + (uint64_t)(*s - '0');
        s++;
        digits++;
    }
    if (digits == 0 || digits > 10)
        return false;
    *p = s;
    *out = v;
    return true;
}

static const char *skip_spaces(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* Parse one item "N" or "N-M" at *p into [lo, hi]; false on junk. */
static bool parse_item(const char **p, uint64_t *lo, uint64_t *hi)
{
    const char *s = skip_spaces(*p);
    if (!parse_id(&s, lo))
        return false;
    s = skip_spaces(s);
    *hi = *lo;
    if (*s == '-') {
        s = skip_spaces(s + 1);
        if (!parse_id(&s, hi))
            return false;
        s = skip_spaces(s);
    }
    *p = s;
    return true;
}

ws_status ws_cpuset_parse(struct ws_cpuset *s, const char *text, size_t *bad_pos)
{
    const char *p = skip_spaces(text);
    if (*p == '\0') {
        ws_cpuset_zero(s);
        return WS_OK;
    }
    /* First pass validates everything, second pass writes: s unchanged on error. */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            ws_cpuset_zero(s);
        p = text;
        for (;;) {
            const char *item = skip_spaces(p);
            uint64_t lo, hi;
            if (!parse_item(&p, &lo, &hi) || lo > hi || hi >= s->nbits ||
                (*p != ',' && *p != '\0')) {
                if (bad_pos != NULL)
                    *bad_pos = (size_t)(item - text);
                return WS_EINVAL;
            }
            if (pass == 1)
                ws_cpuset_set_range(s, (uint32_t)lo, (uint32_t)hi);
            if (*p == '\0')
                break;
            p++;
        }
    }
    return WS_OK;
}

/* Append text to buf at *pos, counting the length even past len. */
static void put(char *buf, size_t len, size_t *pos, const char *text)
{
    for (; *text != '\0'; text++, (*pos)++)
        if (*pos + 1 < len)
            buf[*pos] = *text;
}

static void put_num(char *buf, size_t len, size_t *pos, uint32_t v)
{
    char tmp[12];
    int i = (int)sizeof(tmp) - 1;
    tmp[i] = '\0';
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put(buf, len, pos, tmp + i);
}

size_t ws_cpuset_format(const struct ws_cpuset *s, char *buf, size_t len)
{
    size_t pos = 0;
    uint32_t c = ws_cpuset_first(s);
    while (c != WS_CPUSET_NONE) {
        uint32_t end = c, n;
        while ((n = ws_cpuset_next(s, end)) == end + 1)
            end = n;
        if (pos > 0)
            put(buf, len, &pos, ",");
        put_num(buf, len, &pos, c);
        if (end != c) {
            put(buf, len, &pos, "-");
            put_num(buf, len, &pos, end);
        }
        c = n;
    }
    if (len > 0)
        buf[pos < len ? pos : len - 1] = '\0';
    return pos;
}

const char *ws_cpuset_check(const struct ws_cpuset *s)
{
    if (s->nwords != words_for(s->nbits))
        return "nwords is not ceil(nbits / 64)";
    if ((s->w == NULL) != (s->nbits == 0))
        return "words missing for a non-empty width, or present for width 0";
    if (s->nwords > 0 && (s->w[s->nwords - 1] & ~tail_mask(s->nbits)) != 0)
        return "a bit beyond nbits is set";
    return NULL;
}
