/* ws_sched_fast.c: the handle of a core owner's inline fast path (ws_sched_fast_* in
 * ws_sched.h): where its normal deque, its work bit and its statistics live, so that the
 * public header needs none of the private layout. */
#include "core/ws_sched_int.h"

void ws_sched_fast_init(struct ws_sched *s, uint32_t core, struct ws_sched_fast *f)
{
    ws_sched_fast_attach(s, core);   /* deque buffers; the last look stops trusting spare bits */
    f->q = &s->cores[core].q[WS_PRIO_NORMAL];
    f->work_word = &s->work[core >> 6];
    f->work_bit = UINT64_C(1) << (core & 63);
    f->stats = &s->cores[core].stats;
    f->oldest = s->p.pick_order == WS_PICK_FIFO;   /* as ws_sched_next picks */
}
