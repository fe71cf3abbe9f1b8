/* ws_proc.h: the process control block the scheduler core works on, and its affinity.
 *
 * A ws_proc is embedded in whatever the driver (simulator or native runtime) keeps per
 * process; the driver owns its memory. The scheduler reads and writes only the fields below.
 *
 * Affinity kinds (set, get, check, update and clear at run time with the functions below):
 *   WS_AFF_NONE      runs anywhere
 *   WS_AFF_PREFERRED prefers `pref_core` (placement goes there when allowed), may be stolen or
 *                    migrated, subject to the migration policy
 *   WS_AFF_STRICT    runs only on cores in `cores`; never stolen or migrated off them: thieves
 *                    use a conditional steal whose predicate checks the set (ws_sched.c)
 * Children inherit the parent's affinity unless the driver sets their own.
 */
#ifndef WS_PROC_H
#define WS_PROC_H

#include "core/ws_common.h"
#include "core/ws_cpuset.h"

#include <stdbool.h>
#include <stdint.h>

/* BEAM priorities, most urgent first. */
enum ws_prio { WS_PRIO_MAX = 0, WS_PRIO_HIGH, WS_PRIO_NORMAL, WS_PRIO_LOW, WS_PRIO_COUNT };

enum ws_aff_kind { WS_AFF_NONE = 0, WS_AFF_PREFERRED, WS_AFF_STRICT };

struct ws_proc {
    uint64_t id;
    uint8_t  prio;              /* enum ws_prio */
    uint8_t  aff_kind;          /* enum ws_aff_kind */
    int32_t  pref_core;         /* preferred core, or -1 */
    int32_t  cur_core;          /* core it last ran on or is queued on, or -1 before placement */
    struct ws_cpuset cores;     /* STRICT: the allowed cores (zero-width otherwise) */
    _Atomic uint32_t migrations; /* completed migrations (steals and balancer moves); atomic
                                    because a thief's steal predicate may read it while the
                                    thief that won the process increments it */
    uint32_t max_migrations;    /* per-process limit; 0 = the scheduler's max_migrations */
    uint64_t last_migration_ns; /* time of the last migration (0 = never) */
    uint64_t wset_bytes;        /* working-set size, for the cache-refill cost */
    uint64_t reductions;        /* work units consumed (driver-defined), for the balancer */
    uint64_t ready_ns;          /* when it last became runnable (for wait-time accounting) */
    uint64_t expected_ns;       /* driver's estimate of its remaining run time (0 = unknown) */
    uint64_t owed_ns;           /* migration cost (ws_migrate.h) owed; the driver makes the
                                   process pay it on its new core before it runs, then zeroes it */
    struct ws_proc *inbox_next; /* link in a core's remote-enqueue inbox (ws_sched.c) */
};

const char *ws_prio_name(enum ws_prio p);                  /* "max", "high", ... */
ws_status ws_prio_parse(const char *s, enum ws_prio *out); /* WS_EINVAL on junk */
const char *ws_aff_kind_name(enum ws_aff_kind k);          /* "none", "preferred", "strict" */
ws_status ws_aff_kind_parse(const char *s, enum ws_aff_kind *out);

/* Initialise p with no affinity, normal priority, no core. */
void ws_proc_init(struct ws_proc *p, uint64_t id);

/* Free what the process owns (its strict core set). */
void ws_proc_fini(struct ws_proc *p);

/* Set affinity: kind with `cores` (copied; required for STRICT, must be non-empty) and
 * `pref` (required for PREFERRED, -1 otherwise). WS_EINVAL / WS_NOMEM leave p unchanged. */
ws_status ws_proc_set_affinity(struct ws_proc *p, enum ws_aff_kind kind,
                               const struct ws_cpuset *cores, int32_t pref);

/* Drop any affinity (kind none). */
void ws_proc_clear_affinity(struct ws_proc *p);

/* Read p's affinity: its kind, its preferred core (-1 if none) and, if cores is non-NULL, a new
 * set (to destroy) holding its strict cores (zero-width unless STRICT). WS_NOMEM: *cores
 * untouched. */
ws_status ws_proc_get_affinity(const struct ws_proc *p, enum ws_aff_kind *kind,
                               struct ws_cpuset *cores, int32_t *pref);

/* Change the affinity of a placed process at run time (ws_proc_set_affinity's rules; kind none
 * clears). *must_move: its current core is no longer allowed, so the driver moves it at this
 * scheduling point and counts the move as a migration (ws_migrate_commit). On error p and
 * *must_move are unchanged. */
ws_status ws_proc_update_affinity(struct ws_proc *p, enum ws_aff_kind kind,
                                  const struct ws_cpuset *cores, int32_t pref, bool *must_move);

/* Child takes the parent's affinity (kind, cores, preferred core) and priority. */
ws_status ws_proc_inherit(struct ws_proc *child, const struct ws_proc *parent);

/* May p run on core c? Only STRICT restricts. */
static inline bool ws_proc_allowed(const struct ws_proc *p, uint32_t c)
{
    return p->aff_kind != WS_AFF_STRICT || ws_cpuset_test(&p->cores, c);
}

#endif
