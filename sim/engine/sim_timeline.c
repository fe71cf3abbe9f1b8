/* sim_timeline.c: recording a run's slices per core under a cap (see sim_timeline.h). */
#include "sim/engine/sim_timeline.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[SIM_TL_KIND_COUNT] = {
    "run", "migrate", "steal", "sleep", "wake",
};

const char *sim_timeline_kind_name(enum sim_tl_kind k)
{
    return (unsigned)k < SIM_TL_KIND_COUNT ? kind_names[k] : NULL;
}

enum sim_tl_kind sim_timeline_kind_parse(const char *s)
{
    for (int k = 0; k < SIM_TL_KIND_COUNT; k++)
        if (s != NULL && strcmp(s, kind_names[k]) == 0)
            return (enum sim_tl_kind)k;
    return SIM_TL_KIND_COUNT;
}

int sim_timeline_init(struct sim_timeline *t, uint32_t ncores, size_t max)
{
    memset(t, 0, sizeof(*t));
    t->max = max ? max : SIM_TIMELINE_DEFAULT_MAX;
    t->ncores = ncores;
    t->last = calloc(ncores ? ncores : 1, sizeof(size_t));
    return t->last != NULL ? 0 : -1;
}

void sim_timeline_free(struct sim_timeline *t)
{
    free(t->v);
    free(t->last);
    memset(t, 0, sizeof(*t));
}

static void drop(struct sim_timeline *t, uint64_t start)
{
    if (t->dropped == 0 || start < t->cut_ns)
        t->cut_ns = start;
    t->dropped++;
}

/* Room for `want` slices (<= max), growing by doubling; -1 when out of memory. */
static int reserve(struct sim_timeline *t, size_t want)
{
    if (want <= t->cap)
        return 0;
    size_t cap = t->cap ? t->cap : 4096;
    while (cap < want)
        cap *= 2;
    if (cap > t->max)
        cap = t->max;
    struct sim_tl_slice *v = realloc(t->v, cap * sizeof(*v));
    if (v == NULL)
        return -1;
    t->v = v;
    t->cap = cap;
    return 0;
}

int sim_timeline_add(struct sim_timeline *t, uint32_t core, enum sim_tl_kind kind,
                     uint64_t start, uint64_t end, uint64_t pid, uint8_t prio, uint32_t victim)
{
    size_t li = t->last[core];
    struct sim_tl_slice *l = li != 0 ? &t->v[li - 1] : NULL;
    if (l != NULL && kind == SIM_TL_RUN && l->kind == SIM_TL_RUN && l->pid == pid &&
        l->end_ns == start) {
        l->end_ns = end;    /* the same process goes on running: one slice */
        return 0;
    }
    if (l != NULL && kind == SIM_TL_STEAL && l->kind == SIM_TL_STEAL &&
        l->pid == SIM_TL_NONE64 && l->end_ns == start) {
        /* a round goes on where its slice so far ended (after a barrier, in the simulator):
         * one round, one slice, named by what it took */
        l->end_ns = end;
        if (pid != SIM_TL_NONE64) {
            l->pid = pid;
            l->prio = prio;
            l->victim = victim;
        }
        return 0;
    }
    if (t->n >= t->max) {
        drop(t, start);
        return 0;
    }
    if (reserve(t, t->n + 1) != 0) {
        drop(t, start);
        return -1;
    }
    t->v[t->n] = (struct sim_tl_slice){ .start_ns = start, .end_ns = end, .pid = pid,
                                        .core = core, .victim = victim, .kind = (uint8_t)kind,
                                        .prio = prio };
    t->last[core] = ++t->n;
    return 0;
}

int sim_timeline_append(struct sim_timeline *dst, struct sim_timeline *src)
{
    size_t room = dst->max - dst->n, take = src->n < room ? src->n : room;
    if (reserve(dst, dst->n + take) != 0)
        return -1;
    memcpy(dst->v + dst->n, src->v, take * sizeof(*src->v));
    dst->n += take;
    for (size_t i = take; i < src->n; i++)
        drop(dst, src->v[i].start_ns);
    if (src->dropped > 0) {
        uint64_t cut = src->cut_ns, n = src->dropped;
        drop(dst, cut);
        dst->dropped += n - 1;
    }
    src->n = 0;
    src->dropped = 0;
    memset(src->last, 0, src->ncores * sizeof(size_t));
    return 0;
}
