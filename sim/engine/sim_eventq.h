/* sim_eventq.h: the simulator's pending-event set: a priority queue ordered by time, then by
 * insertion sequence, so that equal-time events come out first-in first-out and every run is
 * deterministic. Single-threaded; one queue per simulation.
 *
 * The structure and the reasons for it are written atop sim_eventq.c. The fields of struct
 * sim_eventq are private: use the functions below. */
#ifndef SIM_EVENTQ_H
#define SIM_EVENTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One event. `seq` is assigned by sim_eventq_push (0, 1, 2, ... per queue) and breaks ties
 * between equal times; kind, core and data are the caller's, carried unchanged. */
struct sim_event {
    uint64_t time;
    uint64_t seq;
    uint32_t kind;
    uint32_t core;
    uint64_t data;
};

struct sim_eventq_impl;

/* Private. See sim_eventq.c for the structure and its invariants. */
struct sim_eventq {
    struct sim_eventq_impl *impl;  /* NULL after a failed init or destroy */
    size_t n;                      /* events in the queue */
    uint64_t next_seq;             /* sequence number of the next push */
};

/* Set up an empty queue with room for about capacity_hint events (0 is fine; it grows).
 * Returns 0, or -1 if memory ran out (q is then safe to destroy). */
int sim_eventq_init(struct sim_eventq *q, size_t capacity_hint);

/* Free the queue's memory; the events still in it are dropped. Safe after a failed init. */
void sim_eventq_destroy(struct sim_eventq *q);

/* Add an event at `time` (any value, also earlier than events already popped); assigns the next
 * sequence number. Returns 0, or -1 if growing failed, in which case the queue is unchanged
 * (same events, and the sequence counter is not advanced). */
int sim_eventq_push(struct sim_eventq *q, uint64_t time, uint32_t kind, uint32_t core,
                    uint64_t data);

/* Remove the earliest event (smallest time, then smallest seq) into *out. False if empty
 * (then *out is untouched). */
bool sim_eventq_pop(struct sim_eventq *q, struct sim_event *out);

/* Number of events in the queue. */
size_t sim_eventq_size(const struct sim_eventq *q);

/* Time of the earliest event, or UINT64_MAX if the queue is empty (an event may also have time
 * UINT64_MAX: check sim_eventq_size to tell the two apart). */
uint64_t sim_eventq_peek_time(const struct sim_eventq *q);

/* The earliest event, left in the queue (valid until the next push or pop), or NULL if the
 * queue is empty. */
const struct sim_event *sim_eventq_peek(const struct sim_eventq *q);

/* Consistency check for tests: NULL if the queue's invariants hold, else what is wrong. O(n). */
const char *sim_eventq_check(const struct sim_eventq *q);

#endif
