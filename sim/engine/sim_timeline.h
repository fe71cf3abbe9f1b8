/* sim_timeline.h: the schedule of one run as slices per core (what ran where and when, steal
 * probes, migration costs, sleeps, wake-ups), recorded only on request and capped in size.
 *
 * A slice is [start_ns, end_ns) on one core; a wake-up is an instant (start == end). Busy time
 * is exactly the run and migrate slices: the recorder is fed the very segments that the run's
 * busy_ns adds up, so summed per core they equal core_stats.busy_ns of a complete timeline.
 * Contiguous run slices of one process on one core are merged into one. Once `max` slices are
 * held, later ones are counted in `dropped` (the first one's start in cut_ns) and not kept:
 * memory stays bounded and the cut is reported, never silent. A timeline belongs to one thread
 * (the native runtime keeps one per worker and joins them with sim_timeline_append). */
#ifndef SIM_TIMELINE_H
#define SIM_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

/* Default cap of a recorded timeline (slices). */
#define SIM_TIMELINE_DEFAULT_MAX 1000000u

enum sim_tl_kind {
    SIM_TL_RUN = 0,     /* a process runs (its messages and spawns included) */
    SIM_TL_MIGRATE,     /* a migrated process pays its migration cost (busy); victim = from */
    SIM_TL_STEAL,       /* an idle core probes victims; victim = where it stole from, if it did */
    SIM_TL_SLEEP,       /* the core sleeps */
    SIM_TL_WAKE,        /* instant: the core is woken; victim = the waking core */
    SIM_TL_KIND_COUNT
};

#define SIM_TL_NONE32 UINT32_MAX   /* no victim */
#define SIM_TL_NONE64 UINT64_MAX   /* no process */

struct sim_tl_slice {
    uint64_t start_ns, end_ns;
    uint64_t pid;                  /* the process, or SIM_TL_NONE64 */
    uint32_t core;
    uint32_t victim;               /* another core, or SIM_TL_NONE32 */
    uint8_t kind;                  /* enum sim_tl_kind */
    uint8_t prio;                  /* enum ws_prio of pid (0 when none) */
};

struct sim_timeline {
    struct sim_tl_slice *v;
    size_t n, cap;
    size_t max;                    /* slices kept at most (>= 1) */
    uint64_t dropped;              /* slices not kept because of max */
    uint64_t cut_ns;               /* start of the first slice not kept (valid if dropped) */
    size_t *last;                  /* [ncores]: index of each core's latest slice + 1, 0 none */
    uint32_t ncores;
};

/* Set up an empty timeline of ncores cores keeping at most max slices (0: the default).
 * 0, or -1 when out of memory (nothing to free then). */
int sim_timeline_init(struct sim_timeline *t, uint32_t ncores, size_t max);
void sim_timeline_free(struct sim_timeline *t);

/* Record a slice (see struct sim_tl_slice; start <= end, core < ncores). It extends the core's
 * latest slice instead where that one ends at start and is a run of the same process, or a
 * steal that took nothing (a round that goes on: the slice then takes this one's process).
 * Past max it is counted as dropped. 0, or -1 when out of memory (the slice is counted as
 * dropped too). */
int sim_timeline_add(struct sim_timeline *t, uint32_t core, enum sim_tl_kind kind,
                     uint64_t start, uint64_t end, uint64_t pid, uint8_t prio, uint32_t victim);

/* Move every slice of src (left empty) to the end of dst, within dst's max; dropped counts
 * and cut times add up. 0, or -1 when out of memory. */
int sim_timeline_append(struct sim_timeline *dst, struct sim_timeline *src);

/* "run", "migrate", "steal", "sleep", "wake" (the names stored in SQLite), or NULL. */
const char *sim_timeline_kind_name(enum sim_tl_kind k);

/* The kind named s, or SIM_TL_KIND_COUNT. */
enum sim_tl_kind sim_timeline_kind_parse(const char *s);

#endif
