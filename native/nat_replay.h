/* nat_replay.h: replaying a schedlab trace natively. Each trace process becomes a native process
 * that walks its phases: RUN becomes calibrated busy work (nat_busy) for the phase's ns times
 * `scale`, cut into reduction budgets of time_slice_ns (a process whose budget is spent yields
 * if anything else waits, as in the simulator); WAIT becomes a timer of ns times `scale` on the
 * worker; SEND and RECV use the process's mailbox counter (-1 while it waits in RECV, so a send
 * knows whether to wake it); SPAWN takes the child's record, read before the run (up to a
 * limit, NAT_REPLAY_PRELOAD_MAX records by default; beyond it, from the trace source in the
 * run). Roots arrive at t0 + spawn_ns times `scale`, injected by the creating thread.
 *
 * A process whose record was read ahead has a slot of its own, made before the run: its
 * mailbox counter lives there from the start (messages sent before the spawn wait in it), and
 * its exit marks it, so its spawn, its sends and its exit take no lock: a send finds the slot
 * through a map nothing writes during the run. The trace source and the id maps of the other
 * processes (live processes, messages held for processes not spawned yet, exited ids) are shared
 * by the workers under one spin lock (nat_replay.c replay_lock: held well under a microsecond at
 * each spawn, send and exit; a futex sleep and wake-up per wait had cost more than the sections
 * themselves). Messages to exited processes are dropped and counted; messages held for a
 * process that never appears fail the run, as in the simulator. */
#ifndef NAT_REPLAY_H
#define NAT_REPLAY_H

#include "native/nat_rt.h"
#include "sim/util/sim_idmap.h"

#include <stdatomic.h>

/* A read-ahead process's slot: its mailbox (messages waiting; -1 while it waits in RECV; at
 * most NAT_RSLOT_EXITED plus the sends that came after its exit) and the process, once spawned. */
#define NAT_RSLOT_EXITED INT64_MIN
struct nat_rslot {
    _Atomic int64_t mbox;
    _Atomic(struct nat_proc *) proc;
};

/* Most records read ahead of a run (nat_replay_open): a fork-join record takes about 270 bytes
 * (fib:20's 21,891 records added 6 MB to a replay's peak memory), so at most about 70 MB. */
#define NAT_REPLAY_PRELOAD_MAX (UINT64_C(1) << 18)
#define NAT_REPLAY_SHARED UINT64_MAX   /* (a ready value: no slot) */

struct nat_replay {
    struct sim_trace *t;
    /* Records read before the run, so that a spawn takes its child's parsed record without the
     * lock: the roots first (pre[0 .. proots)), then the children of pre[0 .. pwalked) in walk
     * order. A record beyond pwalked has its children read from t under the lock, as is every
     * root past proots. ready maps a read-ahead record's id to its index in pre and slot
     * (NAT_REPLAY_SHARED for an id read ahead twice: its processes use the maps); nothing
     * writes it during the run. Read-ahead records stay with t until nat_replay_close. */
    struct sim_trace_rec **pre;
    struct nat_rslot *slot;       /* [npre], beside pre */
    uint64_t npre, proots, pwalked, pnext;   /* pnext: the feeder's next read-ahead root */
    struct sim_idmap ready;
    _Atomic uint32_t lock;        /* t and the three maps (nat_replay.c replay_lock) */
    struct sim_idmap live;        /* id -> struct nat_proc * */
    struct sim_idmap pending;     /* id -> messages sent before it was spawned */
    struct sim_idmap exited;      /* ids that exited */
    double scale;                 /* ns of the trace -> ns natively */
    double ipn;                   /* nat_busy iterations per ns */
    uint32_t ncores;              /* affinity core ids must be below this */
    uint64_t tally;               /* the source's tally after the run */
};

/* Open TRACE for replay and read up to max_ahead of its records ahead (0: NAT_REPLAY_PRELOAD_MAX;
 * a trace's errors in them are reported here). 0, or -1 with a message in err. */
int nat_replay_open(struct nat_replay *r, const char *trace, double scale, double ipn,
                    uint32_t ncores, uint64_t max_ahead, char *err, size_t errlen);
void nat_replay_close(struct nat_replay *r);

/* Creating thread, before nat_rt_start (rt->work == r): inject the read-ahead roots due at the
 * start (spawn 0), as a computed workload's root is injected. Fed after the start instead, the
 * first root waited 208-257 us for the creating thread to get a CPU back from the workers'
 * start spin on a 2-CPU host, and worker 0 had gone to sleep meanwhile: the model's cores meet
 * their first work awake. -1 after nat_rt_fail (start the workers all the same: they stop). */
int nat_replay_feed_due(struct nat_rt *rt, struct nat_replay *r);

/* Creating thread, after nat_rt_start: inject every other root at its time, then
 * nat_rt_feeder_done. Failures go to nat_rt_fail. */
void nat_replay_feed(struct nat_rt *rt, struct nat_replay *r, volatile int *stopped);

/* After a successful run: -1 with a message if messages are held for processes that never
 * appeared (in the maps: a read-ahead record's process always appears in a run that ends well,
 * its parent having been read ahead and run its spawn). */
int nat_replay_check(struct nat_replay *r, char *err, size_t errlen);

enum nat_step nat_replay_step(struct nat_worker *w, struct nat_proc *p);

#endif
