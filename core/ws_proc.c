/* ws_proc.c: process control block helpers: names, affinity set/get/update/clear/inherit. */
#include "core/ws_proc.h"

#include <string.h>

static const char *const prio_names[WS_PRIO_COUNT] = { "max", "high", "normal", "low" };
static const char *const aff_names[] = { "none", "preferred", "strict" };

const char *ws_prio_name(enum ws_prio p)
{
    return (unsigned)p < WS_PRIO_COUNT ? prio_names[p] : "?";
}

ws_status ws_prio_parse(const char *s, enum ws_prio *out)
{
    for (int i = 0; i < WS_PRIO_COUNT; i++) {
        if (strcmp(s, prio_names[i]) == 0) {
            *out = (enum ws_prio)i;
            return WS_OK;
        }
    }
    return WS_EINVAL;
}

const char *ws_aff_kind_name(enum ws_aff_kind k)
{
    return (unsigned)k <= WS_AFF_STRICT ? aff_names[k] : "?";
}

ws_status ws_aff_kind_parse(const char *s, enum ws_aff_kind *out)
{
    for (int i = 0; i <= WS_AFF_STRICT; i++) {
        if (strcmp(s, aff_names[i]) == 0) {
            *out = (enum ws_aff_kind)i;
            return WS_OK;
        }
    }
    return WS_EINVAL;
}

void ws_proc_init(struct ws_proc *p, uint64_t id)
{
    memset(p, 0, sizeof(*p));
    p->id = id;
    p->prio = WS_PRIO_NORMAL;
    p->aff_kind = WS_AFF_NONE;
    p->pref_core = -1;
    p->cur_core = -1;
}

void ws_proc_fini(struct ws_proc *p)
{
    ws_cpuset_destroy(&p->cores);
}

ws_status ws_proc_set_affinity(struct ws_proc *p, enum ws_aff_kind kind,
                               const struct ws_cpuset *cores, int32_t pref)
{
    struct ws_cpuset copy = { 0 };
    if (kind == WS_AFF_STRICT) {
        if (cores == NULL || ws_cpuset_is_empty(cores))
            return WS_EINVAL;
        ws_status s = ws_cpuset_dup(&copy, cores);
        if (s != WS_OK)
            return s;
        if (pref >= 0 && !ws_cpuset_test(cores, (uint32_t)pref)) {
            ws_cpuset_destroy(&copy);
            return WS_EINVAL;
        }
    } else if (kind == WS_AFF_PREFERRED) {
        if (pref < 0)
            return WS_EINVAL;
    } else if (kind != WS_AFF_NONE) {
        return WS_EINVAL;
    }
    ws_cpuset_destroy(&p->cores);
    p->cores = copy;
    p->aff_kind = (uint8_t)kind;
    p->pref_core = pref;
    return WS_OK;
}

void ws_proc_clear_affinity(struct ws_proc *p)
{
    ws_cpuset_destroy(&p->cores);
    p->aff_kind = WS_AFF_NONE;
    p->pref_core = -1;
}

ws_status ws_proc_get_affinity(const struct ws_proc *p, enum ws_aff_kind *kind,
                               struct ws_cpuset *cores, int32_t *pref)
{
    if (cores != NULL) {
        ws_status s = p->aff_kind == WS_AFF_STRICT ? ws_cpuset_dup(cores, &p->cores)
                                                   : ws_cpuset_init(cores, 0);
        if (s != WS_OK)
            return s;
    }
    *kind = (enum ws_aff_kind)p->aff_kind;
    *pref = p->pref_core;
    return WS_OK;
}

ws_status ws_proc_update_affinity(struct ws_proc *p, enum ws_aff_kind kind,
                                  const struct ws_cpuset *cores, int32_t pref, bool *must_move)
{
    ws_status s = kind == WS_AFF_NONE ? WS_OK : ws_proc_set_affinity(p, kind, cores, pref);
    if (s != WS_OK)
        return s;
    if (kind == WS_AFF_NONE)
        ws_proc_clear_affinity(p);
    *must_move = p->cur_core >= 0 && !ws_proc_allowed(p, (uint32_t)p->cur_core);
    return WS_OK;
}

ws_status ws_proc_inherit(struct ws_proc *child, const struct ws_proc *parent)
{
    ws_status s = ws_proc_set_affinity(child, (enum ws_aff_kind)parent->aff_kind,
                                       parent->aff_kind == WS_AFF_STRICT ? &parent->cores : NULL,
                                       parent->pref_core);
    if (s == WS_OK)
        child->prio = parent->prio;
    return s;
}
