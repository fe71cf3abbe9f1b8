/* sim_perfetto.h: a run's recorded timeline (sim_db_timeline.h) as Chrome trace-event JSON,
 * the format the Perfetto UI and chrome://tracing open (the "JSON Object Format": an object
 * whose traceEvents array holds the events; times in microseconds, written here with all
 * three decimals so that every nanosecond survives). One process (pid 0) for the machine, one
 * thread per core (tid = core): "X" complete events for slices, "i" instants for wake-ups,
 * "s"/"f" flow events from victim to thief for steals and migrations, "C" counters for each
 * core's queue length (the run's timeseries), "M" metadata naming the tracks. */
#ifndef SIM_PERFETTO_H
#define SIM_PERFETTO_H

#include "sim/db/sim_db.h"

#include <stdint.h>
#include <stdio.h>

/* The newest run of db that has a timeline, into *run; -1 with err when there is none. */
int sim_perfetto_newest(struct sim_db *db, int64_t *run, char *err, size_t errlen);

/* Write run `run` of db to f. 0, or -1 with err naming the run: no such run, a run recorded
 * without --timeline, a database error. *slices gets the slices written, *cut the slices that
 * were cut when it was recorded (0: whole). */
int sim_perfetto_export(struct sim_db *db, int64_t run, FILE *f, uint64_t *slices,
                        uint64_t *cut, char *err, size_t errlen);

#endif
