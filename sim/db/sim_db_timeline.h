/* sim_db_timeline.h: reading a run's timeline (schema version 3: tables timeline_info and
 * timeline; see results/schema.sql). Errors name the database file, as sim_db.h's do. */
#ifndef SIM_DB_TIMELINE_H
#define SIM_DB_TIMELINE_H

#include "sim/db/sim_db.h"
#include "sim/engine/sim_timeline.h"

#include <stdbool.h>
#include <stdint.h>

struct sim_db_tl_info {
    bool recorded;          /* the run was recorded with --timeline */
    uint64_t slices;        /* rows stored */
    uint64_t max_slices;    /* the cap */
    uint64_t dropped;       /* slices cut at the cap (0: the timeline is whole) */
    uint64_t cut_ns;        /* start of the first slice cut (valid when dropped > 0) */
};

/* Read run_id's timeline_info into *out: 1 when recorded, 0 when not (also for a database of
 * an older schema, which has no timeline tables), -1 with err. */
int sim_db_read_timeline_info(struct sim_db *db, int64_t run_id, struct sim_db_tl_info *out,
                              char *err, size_t errlen);

/* Called per slice in order of core, then start; non-zero stops the walk (negative: an
 * error the callback reported itself, then sim_db_read_timeline returns -1). */
typedef int (*sim_db_tl_fn)(void *ctx, const struct sim_tl_slice *s);

/* Hand every stored slice of run_id to fn. 0, or -1 with err (or fn's own error). */
int sim_db_read_timeline(struct sim_db *db, int64_t run_id, sim_db_tl_fn fn, void *ctx,
                         char *err, size_t errlen);

#endif
