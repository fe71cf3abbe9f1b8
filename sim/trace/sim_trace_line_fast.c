/* sim_trace_line_fast.c: a parser for process lines in the exact form `trace gen` writes, so the
 * reader's hot path avoids building a cJSON tree; anything else is left to the full parser. */
#include "sim/trace/sim_trace_line.h"

#include <stdlib.h>
#include <string.h>

/*
 * The subset
 * ----------
 * One object without whitespace (except inside "kids" and "next", whose values are written
 * padded), keys id, parent, spawn, prio, ws, phases, kids, next, each at most once; integers
 * as plain digits without leading zeros (at most 16); prio one of the four names; phases of
 * run, wait, send, spawn (one argument), recv (an optional count) and exit (last, none). Every
 * check sim_trace_line_rec makes is made here too; a line outside the subset, or one that
 * fails a check, is reported as not handled, so the full parser gives the same record or the
 * same error. The fast parser never reports an error itself (except running out of memory).
 */

enum { K_ID = 1, K_PARENT = 2, K_SPAWN = 4, K_PRIO = 8, K_WS = 16, K_PHASES = 32, K_KIDS = 64,
       K_NEXT = 128 };

struct cur {
    const char *p, *end;
};

/* Consume s (n bytes) if the text continues with it. Short literals: a loop beats memcmp. */
static inline bool lit(struct cur *c, const char *s, size_t n)
{
    if ((size_t)(c->end - c->p) < n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (c->p[i] != s[i])
            return false;
    c->p += n;
    return true;
}

/* A JSON integer as plain digits, at most SIM_TRACE_MAX_TIME_NS (2^53). */
static bool num(struct cur *c, uint64_t *out)
{
    const char *s = c->p;
    uint64_t v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9' && c->p - s < 17)
        v = v * 10 + (uint64_t)(*c->p++ - '0');
    size_t n = (size_t)(c->p - s);
    if (n == 0 || n > 16 || (n > 1 && *s == '0') || v > SIM_TRACE_MAX_TIME_NS)
        return false;
    if (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E'))
        return false;
    *out = v;
    return true;
}

static void spaces(struct cur *c)
{
    while (c->p < c->end && *c->p == ' ')
        c->p++;
}

/* "kids"/"next": [OFFSET,LINE] or null, spaces allowed around each token. */
static bool slot(struct cur *c, bool *has, uint64_t v[2])
{
    spaces(c);
    *has = !lit(c, "null", 4);
    if (*has && !(lit(c, "[", 1) && (spaces(c), num(c, &v[0])) && (spaces(c), lit(c, ",", 1))
                  && (spaces(c), num(c, &v[1])) && (spaces(c), lit(c, "]", 1))))
        return false;
    spaces(c);
    return true;
}

static bool time_ok(uint64_t v, uint64_t unit)
{
    return v <= SIM_TRACE_MAX_TIME_NS / unit;
}

/* One phase into c->scratch (recv N: N phases); *k counts them. */
static bool phase(struct sim_trace_line_ctx *x, struct cur *c, uint64_t id, uint32_t *k,
                  bool *exited)
{
    static const struct { const char *s; size_t n; int kind; } names[] = {
        { "[\"run\"", 6, SIM_PHASE_RUN }, { "[\"wait\"", 7, SIM_PHASE_WAIT },
        { "[\"send\"", 7, SIM_PHASE_SEND }, { "[\"recv\"", 7, SIM_PHASE_RECV },
        { "[\"spawn\"", 8, SIM_PHASE_SPAWN }, { "[\"exit\"", 7, SIM_PHASE_EXIT },
    };
    int kind = -1, i;   /* the one name the first letter allows */
    if (c->end - c->p < 4 || c->p[0] != '[' || c->p[1] != '"')
        return false;
    switch (c->p[2]) {
    case 'r': i = c->p[3] == 'u' ? 0 : 3; break;
    case 'w': i = 1; break;
    case 's': i = c->p[3] == 'e' ? 2 : 4; break;
    case 'e': i = 5; break;
    default: return false;
    }
    if (lit(c, names[i].s, names[i].n))
        kind = names[i].kind;
    if (kind < 0 || *exited)
        return false;
    uint64_t arg = 0, count = 1;
    if (kind == SIM_PHASE_EXIT)
        *exited = true;
    else if (kind == SIM_PHASE_RECV && lit(c, ",", 1)) {
        if (!num(c, &count) || count == 0 || count > UINT32_MAX)
            return false;
    } else if (kind != SIM_PHASE_RECV) {
        bool is_time = kind == SIM_PHASE_RUN || kind == SIM_PHASE_WAIT;
        if (!lit(c, ",", 1) || !num(c, &arg))
            return false;
        if (is_time ? !time_ok(arg, x->time_unit_ns) : arg > SIM_TRACE_MAX_INT)
            return false;
        if (kind == SIM_PHASE_SPAWN && arg == id)
            return false;
        if (is_time)
            arg *= x->time_unit_ns;
    }
    if (!lit(c, "]", 1) || *k + count > SIM_TRACE_MAX_PHASES)
        return false;
    if (*k + count > x->scratch_cap) {
        size_t cap = (size_t)(*k + count) * 2;
        struct sim_trace_phase *p = realloc(x->scratch, cap * sizeof *p);
        if (p == NULL)
            return false;
        x->scratch = p;
        x->scratch_cap = cap;
    }
    for (uint64_t r = 0; r < count; r++)
        x->scratch[(*k)++] = (struct sim_trace_phase){ arg, (uint8_t)kind };
    return true;
}

static bool phases(struct sim_trace_line_ctx *x, struct cur *c, uint64_t id, uint32_t *k)
{
    bool exited = false;
    uint64_t n = 0;
    *k = 0;
    if (!lit(c, "[", 1))
        return false;
    if (lit(c, "]", 1))
        return true;
    do {
        if (++n > SIM_TRACE_MAX_PHASES || !phase(x, c, id, k, &exited))
            return false;
    } while (lit(c, ",", 1));
    return lit(c, "]", 1);
}

static bool prio(struct cur *c, uint8_t *out)
{
    for (unsigned i = 0; i < SIM_PRIO_COUNT; i++) {
        const char *name = sim_trace_prio_name(i);
        size_t n = strlen(name);
        struct cur t = *c;
        if (lit(&t, "\"", 1) && lit(&t, name, n) && lit(&t, "\"", 1)) {
            *c = t;
            *out = (uint8_t)i;
            return true;
        }
    }
    return false;
}

struct fields {
    unsigned seen;
    uint64_t id, parent, spawn, ws;
    uint8_t prio;
    uint32_t nph;
};

/* One "key":value member. */
static bool member(struct sim_trace_line_ctx *x, struct cur *c, struct fields *f,
                   struct sim_trace_fast_slots *s)
{
    static const struct { const char *s; size_t n; unsigned bit; } keys[] = {
        { "\"id\":", 5, K_ID }, { "\"parent\":", 9, K_PARENT }, { "\"spawn\":", 8, K_SPAWN },
        { "\"prio\":", 7, K_PRIO }, { "\"ws\":", 5, K_WS }, { "\"phases\":", 9, K_PHASES },
        { "\"kids\":", 7, K_KIDS }, { "\"next\":", 7, K_NEXT },
    };
    if (c->end - c->p < 3 || c->p[0] != '"')
        return false;
    int i;   /* the one key the first two letters allow */
    switch (c->p[1]) {
    case 'i': i = 0; break;
    case 'p': i = c->p[2] == 'a' ? 1 : c->p[2] == 'r' ? 3 : 5; break;
    case 's': i = 2; break;
    case 'w': i = 4; break;
    case 'k': i = 6; break;
    case 'n': i = 7; break;
    default: return false;
    }
    unsigned bit = lit(c, keys[i].s, keys[i].n) ? keys[i].bit : 0;
    if (bit == 0 || (f->seen & bit) != 0)
        return false;
    f->seen |= bit;
    switch (bit) {
    case K_ID: return num(c, &f->id) && f->id <= SIM_TRACE_MAX_INT;
    case K_PARENT: return num(c, &f->parent) && f->parent <= SIM_TRACE_MAX_INT;
    case K_SPAWN: return num(c, &f->spawn) && time_ok(f->spawn, x->time_unit_ns);
    case K_WS: return num(c, &f->ws) && f->ws <= SIM_TRACE_MAX_INT;
    case K_PRIO: return prio(c, &f->prio);
    case K_KIDS: return slot(c, &s->has_kids, s->kids);
    case K_NEXT: return slot(c, &s->has_next, s->next);
    default: return (f->seen & K_ID) != 0 && phases(x, c, f->id, &f->nph);
    }
}

/* The record of f, affinity inherited from parent (none for a root), as sim_trace_line_rec. */
static struct sim_trace_rec *build(struct sim_trace_line_ctx *x, const struct fields *f,
                                   uint64_t line, const struct sim_trace_rec *parent)
{
    uint32_t ncores = parent != NULL ? parent->aff_ncores : 0;
    struct sim_trace_rec *r = sim_trace_rec_new_aff(f->nph, ncores, 0);
    if (r == NULL)
        return NULL;
    bool child = (f->seen & K_PARENT) != 0;
    r->id = f->id;
    r->parent = child ? f->parent : SIM_TRACE_NO_PARENT;
    r->spawn_ns = child ? 0 : f->spawn * x->time_unit_ns;
    r->ws_bytes = f->ws;
    r->prio = f->prio;
    r->line = line;
    r->depth = parent != NULL ? parent->depth + 1 : 0;
    if (f->nph > 0)
        memcpy(sim_trace_rec_phases(r), x->scratch, f->nph * sizeof *x->scratch);
    if (parent != NULL) {
        r->aff_kind = parent->aff_kind;
        r->aff_preferred = parent->aff_preferred;
        if (ncores > 0)
            memcpy(sim_trace_rec_cores(r), parent->aff_cores, ncores * sizeof(uint32_t));
    }
    return r;
}

int sim_trace_line_fast(struct sim_trace_line_ctx *x, const char *text, size_t len,
                        uint64_t line, const struct sim_trace_rec *parent,
                        struct sim_trace_rec **out, struct sim_trace_fast_slots *slots)
{
    struct cur c = { text, text + len };
    struct fields f = { .prio = SIM_PRIO_NORMAL };
    memset(slots, 0, sizeof *slots);
    if (!lit(&c, "{", 1))
        return 0;
    do {
        if (!member(x, &c, &f, slots))
            return 0;
    } while (lit(&c, ",", 1));
    spaces(&c);
    bool child = (f.seen & K_PARENT) != 0;
    if (!lit(&c, "}", 1) || c.p != c.end || (f.seen & (K_ID | K_PHASES)) != (K_ID | K_PHASES)
        || (!child && (f.seen & K_SPAWN) == 0) || (child && f.parent == f.id))
        return 0;
    *out = build(x, &f, line, parent);
    return *out != NULL ? 1 : sim_trace_line_fail(x, line, "line", "out of memory");
}
