/* sim_trace_src.h: what trace sources share (record allocation, error reporting, the open
 * functions of each source); the simulator includes sim_trace.h only. */
#ifndef SIM_TRACE_SRC_H
#define SIM_TRACE_SRC_H

#include "sim/sim_trace.h"

/* A record, its phases and its affinity cores in one allocation; phases and cores are zeroed.
 * NULL when out of memory. Free with sim_trace_rec_free. */
struct sim_trace_rec *sim_trace_rec_new(uint32_t nphases, uint32_t ncores);
void sim_trace_rec_free(struct sim_trace_rec *rec);

/* The writable views of a record made by sim_trace_rec_new. */
static inline struct sim_trace_phase *sim_trace_rec_phases(struct sim_trace_rec *rec)
{
    return (struct sim_trace_phase *)(rec + 1);
}
static inline uint32_t *sim_trace_rec_cores(struct sim_trace_rec *rec)
{
    return (uint32_t *)(sim_trace_rec_phases(rec) + rec->nphases);
}

/* Record the error (printf format) in t, mark t failed; returns SIM_TRACE_ERROR. */
int sim_trace_fail(struct sim_trace *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fill the common head of a new source. */
void sim_trace_init_head(struct sim_trace *t, const struct sim_trace_ops *ops, const char *kind);

/* The JSON Lines reader (sim_trace_file.c). */
struct sim_trace *sim_trace_file_open(const char *path, const struct sim_trace_opts *opts,
                                      char *err, size_t errlen);
/* Hex SHA-1 of a file's bytes into hex[41]; 0, or -1 with errno set. */
int sim_trace_file_sha1(const char *path, char hex[41]);

/* Generators (sim_gen.c): true if KIND names one; open KIND:ARGS. */
bool sim_gen_known(const char *spec);
struct sim_trace *sim_gen_open(const char *spec, char *err, size_t errlen);
const char *sim_gen_kinds(void);

#endif
