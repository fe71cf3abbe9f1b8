/* sim_tclock.c: a doubling-width count of events over time (sim_tclock.h). */
#include "sim/util/sim_tclock.h"

#include <string.h>

void sim_tclock_init(struct sim_tclock *c)
{
    memset(c, 0, sizeof(*c));
    c->width = 1;
}

/* Twice as wide: bin i takes old bins 2i and 2i + 1. */
static void coarsen(struct sim_tclock *c)
{
    for (uint32_t i = 0; i < SIM_TCLOCK_BINS / 2; i++)
        c->n[i] = c->n[2 * i] + c->n[2 * i + 1];
    memset(&c->n[SIM_TCLOCK_BINS / 2], 0, sizeof(c->n) / 2);
    c->width *= 2;
}

void sim_tclock_add(struct sim_tclock *c, uint64_t t, uint64_t count)
{
    if (c->width == 0)   /* zeroed */
        c->width = 1;
    while (t / c->width >= SIM_TCLOCK_BINS)   /* (a division: never overflows) */
        coarsen(c);
    c->n[t / c->width] += count;
    c->total += count;
}

void sim_tclock_merge(struct sim_tclock *into, const struct sim_tclock *from)
{
    struct sim_tclock f = *from;
    if (f.width == 0)
        f.width = 1;
    if (into->width == 0)
        into->width = 1;
    while (into->width < f.width)
        coarsen(into);
    while (f.width < into->width)
        coarsen(&f);
    for (uint32_t i = 0; i < SIM_TCLOCK_BINS; i++)
        into->n[i] += f.n[i];
    into->total += f.total;
}

void sim_tclock_split(const struct sim_tclock *c, uint64_t from, uint64_t to, uint64_t *out,
                      unsigned parts)
{
    memset(out, 0, parts * sizeof(*out));
    if (parts == 0)
        return;
    double len = to > from ? (double)(to - from) : 0;
    for (uint32_t i = 0; i < SIM_TCLOCK_BINS; i++) {
        if (c->n[i] == 0)
            continue;
        double mid = ((double)i + 0.5) * (double)c->width;
        unsigned k;
        if (mid < (double)from || len == 0)
            k = mid < (double)from ? 0 : parts - 1;
        else if (mid >= (double)to)
            k = parts - 1;
        else {
            k = (unsigned)(((mid - (double)from) / len) * parts);
            if (k >= parts)
                k = parts - 1;
        }
        out[k] += c->n[i];
    }
}

void sim_tclock_tenths(const struct sim_tclock *c, uint64_t from, uint64_t to,
                       uint64_t tenths[10], uint64_t last[10])
{
    uint64_t h[100];
    sim_tclock_split(c, from, to, h, 100);
    for (int k = 0; k < 10; k++) {
        tenths[k] = 0;
        for (int i = 0; i < 10; i++)
            tenths[k] += h[10 * k + i];
        last[k] = h[90 + k];
    }
}
