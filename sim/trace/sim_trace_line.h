/* sim_trace_line.h: parsing one line of a JSON Lines trace (the reader's helper; internal). */
#ifndef SIM_TRACE_LINE_H
#define SIM_TRACE_LINE_H

#include "sim/trace/sim_trace_src.h"

#include <cjson/cJSON.h>

/* Where a line is parsed: errors go to t as "PATH:LINE: FIELD: message"; times in the line are
 * multiplied by time_unit_ns; scratch (and words) hold the phases of the line being parsed
 * (the owner frees them). */
struct sim_trace_line_ctx {
    struct sim_trace *t;
    const char *path;
    uint64_t time_unit_ns;
    struct sim_trace_phase *scratch;
    size_t scratch_cap;
    uint32_t *words;            /* the line's AFFINITY-phase changes (the owner frees it) */
    size_t nwords, words_cap;
};

/* Fail t with "PATH:LINE: FIELD: message"; returns SIM_TRACE_ERROR. */
int sim_trace_line_fail(const struct sim_trace_line_ctx *c, uint64_t line, const char *field,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Parse text[0..len) (NUL-terminated) as one JSON object; malformed JSON names the column. */
int sim_trace_line_json(const struct sim_trace_line_ctx *c, char *text, size_t len,
                        uint64_t line, cJSON **out);

/* Check a process object and build its record. parent (may be NULL) gives the depth and the
 * affinity inherited when the line has no "affinity" field. */
int sim_trace_line_rec(struct sim_trace_line_ctx *c, const cJSON *j, uint64_t line,
                       const struct sim_trace_rec *parent, struct sim_trace_rec **out);

/* sim_trace_line_json then sim_trace_line_rec. */
int sim_trace_line_parse(struct sim_trace_line_ctx *c, char *text, size_t len,
                         uint64_t line, const struct sim_trace_rec *parent,
                         struct sim_trace_rec **out);

/* The "kids" and "next" fields of a line (the seeking layout): has_* false when absent or null. */
struct sim_trace_fast_slots {
    bool has_kids, has_next;
    uint64_t kids[2], next[2];   /* offset, line number */
};

/* Parse a process line written in the exact form of `trace gen` without cJSON: 1 with *out
 * built as sim_trace_line_rec would build it and slots filled; 0 when the line is outside that
 * form or fails a check (nothing reported: parse it with sim_trace_line_parse, which gives the
 * same record or the error); SIM_TRACE_ERROR when out of memory. */
int sim_trace_line_fast(struct sim_trace_line_ctx *c, const char *text, size_t len,
                        uint64_t line, const struct sim_trace_rec *parent,
                        struct sim_trace_rec **out, struct sim_trace_fast_slots *slots);

/* Check the header object (line 1) and fill c->t->info (name, time unit, roots, processes). */
int sim_trace_line_header(const struct sim_trace_line_ctx *c, const cJSON *j);

#endif
