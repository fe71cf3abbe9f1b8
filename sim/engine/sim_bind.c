/* sim_bind.c: scheduler binding in the simulator: the modelled core each scheduler thread runs
 * on, and the operating system moving unbound scheduler threads when they wake (the model is
 * written out in core/ws_bind.h). Static binding with the logical order (the default) leaves
 * the engine exactly as without this file: no state, no random draws. */
#include "sim/engine/sim_engine_int.h"
#include "core/ws_bind.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sim_bind {
    struct ws_topo *topo;     /* the model in bind order (core i = scheduler i's start core) */
    uint32_t *slot;           /* [n] core of that model scheduler i runs on now */
    uint8_t *scope;           /* [n] enum ws_bind_scope */
    uint64_t *pending;        /* [n] cost of a move made while asleep, paid at the next wake */
    uint64_t rng;
    uint64_t moves;           /* scheduler threads moved by the operating system */
    bool moving;              /* some scheduler is not bound to one core */
};

static void bind_free(struct sim_bind *b)
{
    if (b == NULL)
        return;
    ws_topo_destroy(b->topo);
    free(b->slot);
    free(b->scope);
    free(b->pending);
    free(b);
}

/* The permuted model when home is not the identity (else t->topo stays NULL). */
static int bind_topo(struct sim_bind *b, const struct ws_topo *t, const uint32_t *home,
                     char *err, size_t errlen)
{
    uint32_t i = 0;
    while (i < t->ncores && home[i] == i)
        i++;
    if (i == t->ncores)
        return 0;
    struct ws_topo_error te;
    ws_status st = ws_bind_sub_topo(t, home, t->ncores, &b->topo, &te);
    if (st != WS_OK)
        snprintf(err, errlen, "binding: %s", st == WS_NOMEM ? "out of memory" : te.message);
    return st == WS_OK ? 0 : -1;
}

int sim_bind_init(struct sim_engine *e, char *err, size_t errlen)
{
    const struct ws_topo *t = e->topo;
    uint32_t n = t->ncores;
    struct sim_bind *b = calloc(1, sizeof(*b));
    uint32_t *home = calloc(n, sizeof(uint32_t));
    int rc = -1;
    if (b == NULL || home == NULL || (b->slot = calloc(n, sizeof(uint32_t))) == NULL ||
        (b->scope = calloc(n, 1)) == NULL || (b->pending = calloc(n, sizeof(uint64_t))) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    ws_status st = ws_bind_map(t, (enum ws_bind_kind)e->p.binding,
                               (enum ws_bind_order)e->p.bind_order, home, b->scope);
    if (st != WS_OK) {
        snprintf(err, errlen, st == WS_NOMEM ? "out of memory" : "binding: unknown kind");
        goto out;
    }
    if (bind_topo(b, t, home, err, errlen) != 0)
        goto out;
    for (uint32_t i = 0; i < n; i++) {
        b->slot[i] = i;
        b->moving |= b->scope[i] != WS_SCOPE_FIXED;
    }
    b->rng = e->o.seed * 0xD1B54A32D192ED03ull ^ 0x5EEDB1D5ull;
    if (b->topo != NULL)
        e->topo = b->topo;
    e->bind = b;
    b = NULL;
    rc = 0;
out:
    bind_free(b);
    free(home);
    return rc;
}

void sim_bind_free(struct sim_engine *e)
{
    bind_free(e->bind);
    e->bind = NULL;
}

static uint64_t next_rand(struct sim_bind *b)
{
    b->rng ^= b->rng >> 12;
    b->rng ^= b->rng << 25;
    b->rng ^= b->rng >> 27;
    return b->rng * 0x2545F4914F6CDD1Dull;
}

/* May schedulers c and d exchange cores: d asleep, each allowed on the other's core? */
static bool may_swap(const struct sim_engine *e, const struct sim_bind *b, uint32_t c,
                     uint32_t d)
{
    return d != c && e->cores[d].asleep &&
           ws_bind_allows(e->topo, b->scope[c], c, b->slot[d]) &&
           ws_bind_allows(e->topo, b->scope[d], d, b->slot[c]);
}

/* Exchange the cores of c and d; each pays the cost of its move (d at its own wake). */
static uint64_t swap(struct sim_engine *e, struct sim_bind *b, uint32_t c, uint32_t d)
{
    uint32_t from = b->slot[c], to = b->slot[d];
    uint64_t cost = ws_bind_os_migration_ns(e->topo, &e->p, from, to);
    b->pending[d] = ws_time_add(b->pending[d], ws_bind_os_migration_ns(e->topo, &e->p, to, from));
    b->slot[c] = to, b->slot[d] = from;
    e->cores[c].cap = ws_topo_capacity(e->topo, to);
    e->cores[d].cap = ws_topo_capacity(e->topo, from);
    b->moves += 2;
    return cost;
}

uint64_t sim_bind_on_wake(struct sim_engine *e, uint32_t c)
{
    struct sim_bind *b = e->bind;
    if (b == NULL || !b->moving)
        return 0;
    uint64_t cost = b->pending[c];
    b->pending[c] = 0;
    if (b->scope[c] == WS_SCOPE_FIXED || next_rand(b) % 100 >= e->p.os_migrate_pct)
        return cost;
    uint32_t pick = UINT32_MAX, seen = 0;
    for (uint32_t d = 0; d < e->ncores; d++)      /* uniform among the candidates */
        if (may_swap(e, b, c, d) && next_rand(b) % ++seen == 0)
            pick = d;
    if (pick != UINT32_MAX)
        cost = ws_time_add(cost, swap(e, b, c, pick));
    return cost;
}

uint64_t sim_engine_os_migrations(const struct sim_engine *e)
{
    return e->bind != NULL ? e->bind->moves : 0;
}

uint32_t sim_engine_sched_core(const struct sim_engine *e, uint32_t s)
{
    return e->bind != NULL ? e->bind->slot[s] : s;
}

const struct ws_topo *sim_engine_topo(const struct sim_engine *e)
{
    return e->topo;
}
