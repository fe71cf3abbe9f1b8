/* sim_import_beam_int.h: the Erlang VM recording as the BEAM importer holds it in memory
 * (sim_import_beam.c parses and checks it; sim_import_beam_cost.c measures its ground truth). */
#ifndef SIM_IMPORT_BEAM_INT_H
#define SIM_IMPORT_BEAM_INT_H

#include "sim/trace/import/sim_import_beam.h"
#include "sim/trace/import/sim_import_int.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bev { BEV_IN, BEV_OUT, BEV_EXIT, BEV_SPAWN, BEV_SEND, BEV_RECV, BEV_KINDS };

struct bevent {
    uint64_t t, pid, a, b;      /* a: child, receiver or message; b: the send's message */
    uint64_t line;
    uint32_t sched;
    uint8_t kind;
};

struct bproc {
    uint64_t pid, parent, line;
    uint64_t spawn_t, first_in, exit_t;
    size_t *ev;                 /* indexes of its events, in order */
    size_t nev, cap;
    bool exited;
};

struct brec {
    uint32_t schedulers;
    uint64_t wall_ns;
    uint64_t util[SIM_BEAM_MAX_SCHED][2];
    uint64_t rq_sum[SIM_BEAM_MAX_SCHED], rq_n;   /* run queue samples: sums per scheduler */
    uint64_t (*msacc)[SIM_BEAM_MSACC_STATES];   /* per scheduler, NULL until an msacc line */
    struct bevent *ev;
    size_t nev, cap;
    struct bproc *p;
    size_t np, pcap;
    struct sim_idmap index;     /* pid -> index in p */
};

/* Parse and check the builder's file into r (initialised here; sim_beam_rec_free it either
 * way). 0 or -1 (the builder holds the message). */
int sim_beam_rec_load(struct imp_builder *b, struct brec *r);
void sim_beam_rec_free(struct brec *r);

#endif
