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

/* Check the header object (line 1) and fill c->t->info (name, time unit, roots, processes). */
int sim_trace_line_header(const struct sim_trace_line_ctx *c, const cJSON *j);

#endif
