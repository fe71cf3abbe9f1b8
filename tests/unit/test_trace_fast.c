/* test_trace_fast.c: the cJSON-free parser of generated trace lines agrees with the full parser:
 * the same record for every line it takes, and it takes no line the full parser refuses. */
#include "sim/trace/sim_trace_line.h"

#include <criterion/criterion.h>
#include <string.h>

static const struct sim_trace_ops no_ops;

struct both {
    struct sim_trace t;
    struct sim_trace_line_ctx c;
};

static void both_init(struct both *b, uint64_t unit)
{
    sim_trace_init_head(&b->t, &no_ops, "file");
    b->c = (struct sim_trace_line_ctx){ .t = &b->t, .path = "x.jsonl", .time_unit_ns = unit };
}

static void both_free(struct both *b)
{
    free(b->c.scratch);
    free(b->c.words);
}

/* Parse line with both parsers (parent may be NULL): the fast parser's answer (1 or 0), the
 * full parser's status in *full and its record (or NULL) in *rf, the fast one's in *rq. */
static int parse_both(const char *line, uint64_t unit, const struct sim_trace_rec *parent,
                      int *full, struct sim_trace_rec **rf, struct sim_trace_rec **rq,
                      struct sim_trace_fast_slots *sl)
{
    struct both b;
    both_init(&b, unit);
    *rq = *rf = NULL;
    int fast = sim_trace_line_fast(&b.c, line, strlen(line), 2, parent, rq, sl);
    char *copy = strdup(line);
    *full = sim_trace_line_parse(&b.c, copy, strlen(copy), 2, parent, rf);
    free(copy);
    both_free(&b);
    return fast;
}

static void assert_same(const struct sim_trace_rec *a, const struct sim_trace_rec *b)
{
    cr_assert_eq(a->id, b->id);
    cr_assert_eq(a->parent, b->parent);
    cr_assert_eq(a->spawn_ns, b->spawn_ns);
    cr_assert_eq(a->ws_bytes, b->ws_bytes);
    cr_assert_eq(a->prio, b->prio);
    cr_assert_eq(a->depth, b->depth);
    cr_assert_eq(a->line, b->line);
    cr_assert_eq(a->aff_kind, b->aff_kind);
    cr_assert_eq(a->aff_preferred, b->aff_preferred);
    cr_assert_eq(a->aff_ncores, b->aff_ncores);
    for (uint32_t i = 0; i < a->aff_ncores; i++)
        cr_assert_eq(a->aff_cores[i], b->aff_cores[i]);
    cr_assert_eq(a->nphases, b->nphases);
    for (uint32_t i = 0; i < a->nphases; i++) {
        cr_assert_eq(a->phases[i].kind, b->phases[i].kind, "phase %u", i);
        cr_assert_eq(a->phases[i].arg, b->phases[i].arg, "phase %u", i);
    }
}

/* Lines in the form `trace gen` writes: both parsers give the same record, in ns and in us. */
Test(trace_fast, generated_lines_same_record)
{
    static const char *const lines[] = {
        "{\"id\":0,\"spawn\":0,\"phases\":[]}",
        "{\"id\":5,\"parent\":2,\"ws\":4096,\"phases\":[[\"spawn\",6],[\"recv\",3],[\"run\",1000],"
        "[\"send\",2],[\"wait\",7],[\"recv\"],[\"exit\"]],\"kids\":[            100,   3]}",
        "{\"id\":7,\"spawn\":12,\"prio\":\"high\",\"ws\":1,\"phases\":[[\"run\",1]],"
        "\"next\":null                   }",
        "{\"id\":9007199254740991,\"spawn\":0,\"prio\":\"low\",\"phases\":[[\"send\","
        "9007199254740991]],\"kids\":[1,2],\"next\":[ 3, 4]}",
    };
    struct sim_trace_rec *parent = sim_trace_rec_new(0, 2);
    parent->id = 2;
    parent->depth = 4;
    parent->aff_kind = SIM_AFF_STRICT;
    sim_trace_rec_cores(parent)[0] = 1;
    sim_trace_rec_cores(parent)[1] = 3;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        for (uint64_t unit = 1; unit <= 1000; unit *= 1000) {
            int full;
            struct sim_trace_rec *rf, *rq;
            struct sim_trace_fast_slots sl;
            const struct sim_trace_rec *p = i == 1 ? parent : NULL;
            cr_assert_eq(parse_both(lines[i], unit, p, &full, &rf, &rq, &sl), 1, "%s", lines[i]);
            cr_assert_eq(full, SIM_TRACE_OK, "%s", lines[i]);
            assert_same(rq, rf);
            sim_trace_rec_free(rf);
            sim_trace_rec_free(rq);
            if (i == 1)
                cr_assert(sl.has_kids && sl.kids[0] == 100 && sl.kids[1] == 3 && !sl.has_next);
            if (i == 2)
                cr_assert(!sl.has_kids && !sl.has_next);
            if (i == 3)
                cr_assert(sl.has_next && sl.next[0] == 3 && sl.next[1] == 4);
        }
    sim_trace_rec_free(parent);
}

/* Every line the full parser refuses, the fast parser leaves to it (so the error is the same). */
Test(trace_fast, refused_lines_left_to_full_parser)
{
    static const char *const lines[] = {
        "{\"id\":3,\"parent\":3,\"phases\":[]}",
        "{\"id\":3,\"spawn\":0,\"phases\":[[\"spawn\",3]]}",
        "{\"id\":3,\"spawn\":0,\"phases\":[[\"exit\"],[\"run\",1]]}",
        "{\"id\":3,\"spawn\":0,\"phases\":[[\"recv\",0]]}",
        "{\"id\":3,\"spawn\":0,\"phases\":[[\"recv\",4294967296]]}",
        "{\"id\":3,\"phases\":[]}",
        "{\"spawn\":0,\"phases\":[]}",
        "{\"id\":3,\"spawn\":0}",
        "{\"id\":9007199254740992,\"spawn\":0,\"phases\":[]}",
        "{\"id\":3,\"spawn\":0,\"phases\":[[\"send\",9007199254740992]]}",
        "{\"id\":3,\"spawn\":9007199254740994,\"phases\":[]}",
        "{\"id\":3,\"spawn\":0,\"phases\":[[\"run\",9007199254740994]]}",
        "{\"id\":3,\"spawn\":0,\"phases\":[[\"fly\",1]]}",
        "{\"id\":3,\"spawn\":0,\"phases\":[[\"run\",-1]]}",
        "{\"id\":3,\"spawn\":0,\"phases\":[[\"run\"]]}",
        "{\"id\":3,\"spawn\":0,\"phases\":[[\"exit\",1]]}",
        "{\"id\":3,\"spawn\":0,\"phases\":[[\"run\",1.5]]}",
        "{\"id\":3,\"spawn\":0,\"prio\":\"urgent\",\"phases\":[]}",
        "{\"id\":3,\"spawn\":0,\"phases\":[]",
        "{\"id\":3,\"spawn\":0,\"phases\":[]}x",
        "{\"id\":-3,\"spawn\":0,\"phases\":[]}",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        int full;
        struct sim_trace_rec *rf, *rq;
        struct sim_trace_fast_slots sl;
        cr_assert_eq(parse_both(lines[i], 1, NULL, &full, &rf, &rq, &sl), 0, "%s", lines[i]);
        cr_assert_eq(full, SIM_TRACE_ERROR, "%s", lines[i]);
        cr_assert_null(rq);
    }
    /* in microseconds 2^53 ns is 9007199254740 us: one more is out of range */
    int full;
    struct sim_trace_rec *rf, *rq;
    struct sim_trace_fast_slots sl;
    cr_assert_eq(parse_both("{\"id\":1,\"spawn\":0,\"phases\":[[\"wait\",9007199254741]]}", 1000,
                            NULL, &full, &rf, &rq, &sl), 0);
    cr_assert_eq(full, SIM_TRACE_ERROR);
}

/* Valid lines outside the generated form (spaces, other keys, numeric prio, key order) are left
 * to the full parser, which takes them. */
Test(trace_fast, other_valid_lines_left_to_full_parser)
{
    static const char *const lines[] = {
        "{\"id\": 3,\"spawn\":0,\"phases\":[]}",
        "{\"id\":3,\"spawn\":0,\"phases\":[],\"note\":\"x\"}",
        "{\"id\":3,\"spawn\":0,\"prio\":1,\"phases\":[]}",
        "{\"phases\":[],\"id\":3,\"spawn\":0}",
        "{\"id\":3,\"spawn\":0,\"phases\":[[\"run\",1.0]]}",
        "{\"id\":3,\"id\":4,\"spawn\":0,\"phases\":[]}",
        "{\"id\":3,\"parent\":null,\"spawn\":0,\"phases\":[]}",
        "{\"id\":3,\"spawn\":0,\"affinity\":{\"kind\":\"strict\",\"cores\":[1]},\"phases\":[]}",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        int full;
        struct sim_trace_rec *rf, *rq;
        struct sim_trace_fast_slots sl;
        cr_assert_eq(parse_both(lines[i], 1, NULL, &full, &rf, &rq, &sl), 0, "%s", lines[i]);
        cr_assert_eq(full, SIM_TRACE_OK, "%s", lines[i]);
        sim_trace_rec_free(rf);
    }
}
