/* sim_trace_src.h: what trace sources share (record allocation, error reporting, the open
 * functions of each source); the simulator includes sim_trace.h only. */
#ifndef SIM_TRACE_SRC_H
#define SIM_TRACE_SRC_H

#include "sim/trace/sim_trace.h"

/* A record, its phases and its affinity cores in one allocation; phases and cores are zeroed.
 * NULL when out of memory. Free with sim_trace_rec_free. */
struct sim_trace_rec *sim_trace_rec_new(uint32_t nphases, uint32_t ncores);
void sim_trace_rec_free(struct sim_trace_rec *rec);

/* sim_trace_rec_new with room for nwords words of AFFINITY-phase changes after the cores (see
 * SIM_TRACE_AFF_* for their layout); zeroed. */
struct sim_trace_rec *sim_trace_rec_new_aff(uint32_t nphases, uint32_t ncores, uint32_t nwords);

/* For sources that allocate records themselves: the bytes sim_trace_rec_new_aff allocates, and
 * the record it makes in zeroed memory `mem` of at least that size (mem, as a record). */
size_t sim_trace_rec_size(uint32_t nphases, uint32_t ncores, uint32_t nwords);
struct sim_trace_rec *sim_trace_rec_init(void *mem, uint32_t nphases, uint32_t ncores,
                                         uint32_t nwords);

/* An AFFINITY phase's change in aff_words: a head of SIM_TRACE_AFF_HEAD words, then ncores core
 * ids. Head: flags (SIM_TRACE_AFF_SET | SIM_TRACE_AFF_MAX) | kind << 8, preferred (as uint32),
 * max_migrations, ncores. */
#define SIM_TRACE_AFF_HEAD 4u
#define SIM_TRACE_AFF_SET 1u
#define SIM_TRACE_AFF_MAX 2u

/* The writable views of a record made by sim_trace_rec_new. */
static inline struct sim_trace_phase *sim_trace_rec_phases(struct sim_trace_rec *rec)
{
    return (struct sim_trace_phase *)(rec + 1);
}
static inline uint32_t *sim_trace_rec_cores(struct sim_trace_rec *rec)
{
    return (uint32_t *)(sim_trace_rec_phases(rec) + rec->nphases);
}
static inline uint32_t *sim_trace_rec_aff_words(struct sim_trace_rec *rec)
{
    return sim_trace_rec_cores(rec) + rec->aff_ncores;
}

/* Record the error (printf format) in t, mark t failed; returns SIM_TRACE_ERROR. */
int sim_trace_fail(struct sim_trace *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What sim_trace_getline returns besides a line's length. */
enum {
    SIM_TRACE_LINE_EOF = -1,     /* end of file, nothing read */
    SIM_TRACE_LINE_LONG = -2,    /* the line is longer than the limit (the rest is not read) */
    SIM_TRACE_LINE_IOERR = -3,   /* read error, errno set */
};

/* Read the next line of f into *buf (grown as needed up to max + 1 bytes, NUL-terminated,
 * without its newline): its length, or one of the SIM_TRACE_LINE_* codes. A line is refused as
 * too long as soon as its max + 1st byte is read, so no input makes the buffer larger.
 * *consumed: the bytes taken from f (newline included); *newline: whether one ended the line. */
long long sim_trace_getline(FILE *f, char **buf, size_t *cap, size_t max, size_t *consumed,
                            bool *newline);

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
