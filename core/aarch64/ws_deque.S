// ws_deque.S: the Chase-Lev deque's hot paths (push, take, steal) in ARM64 assembly, with the
// contracts, counters and memory orders of the C reference ws_deque_ref_* in core/ws_deque.c.
//
// Two variants, picked at build time (make ARCH=aarch64 AARCH64_ATOMICS=llsc|lse):
//   LL/SC (ARMv8.0)  the CAS on top is an LDAXR/STLXR loop, counters an LDXR/STXR loop
//   LSE   (ARMv8.1)  the CAS on top is one CASAL, counters one LDADD
// Push and take are the same in both: the owner needs a read-modify-write only for the last
// item, and that goes through the same CAS macro as steal.
//
// Memory orders. The letters (A)-(D) are the arguments of the essay atop core/ws_deque.c. The C
// reference expresses the paper's two seq_cst fences as seq_cst accesses; the assembly follows
// the paper itself where that matters (take: relaxed store of bottom, full fence, relaxed load
// of top) and uses the standard C11-to-ARMv8 mappings elsewhere (acquire load = LDAR, release
// store = STLR, seq_cst RMW = LDAXR/STLXR or CASAL, seq_cst fence = DMB ISH):
//
//   instruction        in          C11 access it implements            pairs with
//   -----------------  ----------  ----------------------------------  ------------------------------
//   STR  cell          push        relaxed store of the cell            published by the STLR below
//   STLR bottom        push        release store of bottom (A)          steal's LDAR bottom: a thief
//                                                                       that reads b+1 sees the cell
//   LDAR top           push (full) acquire load of top                  the CAS on top (C) of the
//                                                                       thief that freed the slot
//   STR  bottom        take        relaxed store of bottom-1 (B)        steal's LDAR bottom; a thief
//                                                                       reading it still sees the
//                                                                       cells push's STLR published
//                                                                       (ARMv8 orders po;[L];coi, C11
//                                                                       puts the store in the STLR's
//                                                                       release sequence)
//   DMB  ISH           take        seq_cst fence (B): the only          the order of steal's LDAR top
//                                  StoreLoad barrier in the deque;      and LDAR bottom; see "The
//                                  the store above is visible to all    take fence" below
//                                  before the load below is satisfied
//   LDR  top           take        relaxed load of top (B)              ordered by the DMB; the owner
//                                                                       then reads only its own cell
//   CAS top (see below) take, last seq_cst CAS t -> t+1 (B, C)          every other CAS on top: one wins
//   STR  bottom        take        relaxed restore of bottom            none (the index is then dead)
//   LDAR top           steal       acquire load of top (B, C)           ordered before the next LDAR
//                                                                       (acquire: [A];po in ARMv8)
//   LDAR bottom        steal       acquire load of bottom (B, A)        push's STLR (A); take's
//                                                                       STR+DMB (B): never a stale,
//                                                                       larger b (see below)
//   LDAR buf           steal       acquire load of buf (D)              grow's release store of buf
//                                                                       (STLR, compiled from C)
//   LDR  cell          steal       relaxed load of the cell             kept before the CAS by the
//                                                                       CAS's release half
//   CAS top            steal       seq_cst CAS t -> t+1 (C)             every other CAS on top
//     LL/SC: LDAXR     CAS         its acquire (and RCsc) load half     the STLXR/CASAL that wrote top
//            STLXR     CAS         its release store half; orders the   LDAR top in steal and take
//                                  cell load above before the commit
//     LSE:   CASAL     CAS         acquire + release in one instruction as LDAXR + STLXR
//   LDXR/STXR | LDADD  thieves     relaxed fetch_add of a counter       none (statistics only)
//   LDR/ADD/STR        owner       plain owner counters (one writer)    none
//
// The take fence. (B) needs take's store of bottom to be ordered before its load of top: with
// two items [t, t+1] the owner lowers bottom to t+1, reads top = t and takes t+1 WITHOUT a CAS;
// a thief that steals t and comes straight back must then read bottom = t+1, or it sees one item
// left, CASes top t+1 -> t+2 and takes t+1 as well (a duplicate; top is then above bottom, so
// the next item pushed lands below top and is never taken: a loss). ARMv8 alone gives that order
// with STLR bottom; LDAR top (an LDAR may not be satisfied before an earlier STLR is observed:
// the RCsc rule gcc's seq_cst mapping relies on), and the first version of this file did so.
// qemu-user does not honour that rule: TCG translates STLR as (barrier; store) and LDAR as
// (load; barrier) (target/arm/translate-a64.c, disas_ldst_excl, qemu 7.2), which on an x86-64
// host is `lock orl; mov [bottom]; mov [top]; lock orl` (seen with -d out_asm): nothing between
// the store and the load, so TSO lets the load pass the store. A two-thread STLR;LDAR
// store-buffering litmus test showed the ARMv8-forbidden r0 = r1 = 0 outcome in 0.1% to 98% of
// runs under qemu-aarch64 7.2, depending on how tightly the harness started the two threads
// (never with a DMB ISH between), and deque_stress --race lost and duplicated items within
// seconds on both variants, with the C reference too (gcc emits the same STLR; LDAR). DMB ISH
// is a full barrier on hardware and in TCG (TCG_MO_ALL, the x86 `lock orl`); DMB ISHST or
// ISHLD would not do (no StoreLoad). With the DMB the RCsc rule is no longer needed, so the
// accesses around it are plain, as in the paper: on hardware the sequence costs one DMB, as
// STLR; DMB; LDAR would.
//
// Why steal needs no fence: the paper puts a seq_cst fence between steal's loads of top and
// bottom too. On ARMv8 the two LDARs are already in order (acquire: [A];po is in the
// ordered-before relation) and the architecture is other-multi-copy-atomic, so the bad cycle
// owner STR bottom -DMB-> LDR top -fr-> thief's CAS top -> LDAR top -> LDAR bottom -fr-> owner
// STR bottom lies in ordered-before and is forbidden. Under qemu on x86-64 the loads are TSO
// loads (never reordered with each other, and each LDAR is followed by a `lock orl`).
//
// Indices are 64-bit and wrap: sizes are the SIGN of (b - t), tested with the N flag or against
// zero after a SUB, never with a signed compare of b against t (that overflows at 2^63).
//
// Registers: x0 = d, x1 = item or out; x2 = b, x3 = buf, x4 = t, x5 = size or mask, x6-x13
// scratch. Leaf functions except push's growth path, which calls ws_deque_grow (C).

#include "core/ws_deque.h"

#ifdef WS_AARCH64_LSE
#ifndef __ARM_FEATURE_ATOMICS
#error "the LSE variant needs -march=armv8.1-a or later"
#endif
#endif

        // Offsets from ws_deque.h (asserted against the struct in ws_deque.c).
        .equ    OFF_BOTTOM,      WS_DEQUE_OFF_BOTTOM
        .equ    OFF_BUF,         WS_DEQUE_OFF_BUF
        .equ    OFF_TOP_CACHE,   WS_DEQUE_OFF_TOP_CACHE
        .equ    OFF_PUSHES,      WS_DEQUE_OFF_PUSHES
        .equ    OFF_TAKES,       WS_DEQUE_OFF_TAKES
        .equ    OFF_TAKE_EMPTY,  WS_DEQUE_OFF_TAKE_EMPTY
        .equ    OFF_TOP,         WS_DEQUE_OFF_TOP
        .equ    OFF_STEALS,      WS_DEQUE_OFF_STEALS
        .equ    OFF_STEAL_LOST,  WS_DEQUE_OFF_STEAL_LOST
        .equ    OFF_STEAL_EMPTY, WS_DEQUE_OFF_STEAL_EMPTY
        .equ    BUF_MASK,        WS_DEQUE_BUF_OFF_MASK
        .equ    BUF_CELLS,       WS_DEQUE_BUF_OFF_CELLS
        .equ    ST_OK,           WS_DEQUE_ASM_OK
        .equ    ST_EMPTY,        WS_DEQUE_ASM_EMPTY
        .equ    ST_ABORT,        WS_DEQUE_ASM_ABORT
        .equ    ST_NOMEM,        WS_DEQUE_ASM_NOMEM

        // LDAR/STLR take no offset: the code addresses bottom as [x0].
        .if OFF_BOTTOM != 0
        .error "bottom must be the first field of struct ws_deque"
        .endif

// owner_count OFF: d->OFF++ as a plain load/add/store (only the owner writes owner counters).
        .macro  owner_count off
        ldr     x9, [x0, #\off]
        add     x9, x9, #1
        str     x9, [x0, #\off]
        .endm

#ifdef WS_AARCH64_LSE

// thief_count OFF: relaxed atomic d->OFF += 1. LDADD without A/L suffix = memory_order_relaxed.
        .macro  thief_count off
        add     x11, x0, #\off
        mov     x10, #1
        ldadd   x10, x12, [x11]
        .endm

// cas_top ADDR, EXP, NEW: seq_cst strong CAS of top (at ADDR) from EXP to NEW; Z set if it won.
// CASAL: acquire+release RMW, in the single order of seq_cst accesses with LDAR/STLR.
        .macro  cas_top addr, exp, new
        mov     x10, \exp
        casal   x10, \new, [\addr]      // x10 = old top; stored NEW iff old == EXP
        cmp     x10, \exp
        .endm

#else /* LL/SC */

// thief_count OFF: relaxed atomic d->OFF += 1 as an exclusive-monitor loop, no acquire/release.
        .macro  thief_count off
        add     x11, x0, #\off
1:      ldxr    x12, [x11]
        add     x12, x12, #1
        stxr    w13, x12, [x11]
        cbnz    w13, 1b                 // lost the reservation: retry (not a lost race)
        .endm

// cas_top ADDR, EXP, NEW: seq_cst strong CAS of top (at ADDR) from EXP to NEW; Z set if it won.
// LDAXR (acquire, RCsc) reads top; STLXR (release) commits only if nobody wrote top in between;
// a spurious STLXR failure retries, so the CAS is strong like atomic_compare_exchange_strong.
        .macro  cas_top addr, exp, new
1:      ldaxr   x10, [\addr]
        cmp     x10, \exp
        b.ne    2f                      // top moved: lost (Z clear); relaxed failure order
        stlxr   w13, \new, [\addr]
        cbnz    w13, 1b                 // reservation lost: reread top and compare again
2:
        .endm

#endif

        .text

// ws_status ws_deque_push(struct ws_deque *d, void *item): owner only; WS_OK or WS_NOMEM.
        .globl  ws_deque_push
        .type   ws_deque_push, %function
        .p2align 4
ws_deque_push:
        .cfi_startproc
        ldr     x2, [x0]                        // b = bottom: relaxed, the owner wrote it
        ldr     x3, [x0, #OFF_BUF]              // buf: relaxed, the owner wrote it
        ldr     x4, [x0, #OFF_TOP_CACHE]        // stale copy of top (<= top)
        ldr     x5, [x3, #BUF_MASK]
        sub     x6, x2, x4
        cmp     x6, x5
        b.hi    .Lpush_full                     // b - top_cache > mask (unsigned): looks full
.Lpush_store:
        and     x6, x2, x5
        add     x7, x3, #BUF_CELLS
        str     x1, [x7, x6, lsl #3]            // cell[b & mask] = item: relaxed
        add     x2, x2, #1
        stlr    x2, [x0]                        // (A) release: bottom = b+1 publishes the cell
        owner_count OFF_PUSHES
        mov     w0, #ST_OK
        ret
.Lpush_full:
        add     x8, x0, #OFF_TOP
        ldar    x4, [x8]                        // acquire top: pairs with the thieves' CAS (C)
        str     x4, [x0, #OFF_TOP_CACHE]
        sub     x6, x2, x4
        cmp     x6, x5
        b.ls    .Lpush_store                    // thieves made room
        stp     x29, x30, [sp, #-32]!           // really full: ws_deque_grow(d)
        .cfi_def_cfa_offset 32
        .cfi_offset 29, -32
        .cfi_offset 30, -24
        mov     x29, sp
        stp     x0, x1, [sp, #16]
        bl      ws_deque_grow
        mov     w9, w0
        ldp     x0, x1, [sp, #16]
        ldp     x29, x30, [sp], #32
        .cfi_restore 29
        .cfi_restore 30
        .cfi_def_cfa_offset 0
        cbnz    w9, .Lpush_nomem                // deque unchanged
        ldr     x2, [x0]                        // b again (the call clobbered x2)
        ldr     x3, [x0, #OFF_BUF]              // the new buffer: relaxed, grow ran on this thread
        ldr     x5, [x3, #BUF_MASK]
        b       .Lpush_store
.Lpush_nomem:
        mov     w0, #ST_NOMEM
        ret
        .cfi_endproc
        .size   ws_deque_push, . - ws_deque_push

// ws_status ws_deque_take(struct ws_deque *d, void **out): owner only; WS_OK or WS_EMPTY.
        .globl  ws_deque_take
        .type   ws_deque_take, %function
        .p2align 4
ws_deque_take:
        .cfi_startproc
        ldr     x2, [x0]                        // bottom: relaxed, the owner wrote it
        ldr     x3, [x0, #OFF_BUF]              // buf: relaxed, the owner wrote it
        sub     x2, x2, #1                      // b = bottom - 1
        add     x8, x0, #OFF_TOP
        str     x2, [x0]                        // (B) bottom = b: relaxed ...
        dmb     ish                             // (B) ... seq_cst fence: StoreLoad, see above ...
        ldr     x4, [x8]                        // (B) ... then t = top: relaxed
        subs    x5, x2, x4                      // size = (int64_t)(b - t), items left after this
        b.mi    .Ltake_empty                    // size < 0: was empty
        ldr     x6, [x3, #BUF_MASK]
        and     x6, x2, x6
        add     x7, x3, #BUF_CELLS
        ldr     x7, [x7, x6, lsl #3]            // x = cell[b & mask]: relaxed (own write)
        cbz     x5, .Ltake_last
        owner_count OFF_TAKES                   // size > 0: no thief can reach index b
        str     x7, [x1]
        mov     w0, #ST_OK
        ret
.Ltake_last:                                    // one item: race the thieves on top (B, C)
        add     x6, x4, #1
        cas_top x8, x4, x6                      // seq_cst CAS top: t -> t+1; Z = won
        add     x2, x2, #1
        str     x2, [x0]                        // bottom = b+1 = t+1: relaxed, deque now empty
        b.ne    .Ltake_lost
        owner_count OFF_TAKES
        str     x7, [x1]
        mov     w0, #ST_OK
        ret
.Ltake_empty:
        add     x2, x2, #1
        str     x2, [x0]                        // restore bottom: relaxed
.Ltake_lost:
        owner_count OFF_TAKE_EMPTY
        mov     w0, #ST_EMPTY
        ret
        .cfi_endproc
        .size   ws_deque_take, . - ws_deque_take

// ws_status ws_deque_steal(struct ws_deque *d, void **out): any thread; WS_OK, WS_EMPTY or
// WS_ABORT (lost the CAS race).
        .globl  ws_deque_steal
        .type   ws_deque_steal, %function
        .p2align 4
ws_deque_steal:
        .cfi_startproc
        add     x8, x0, #OFF_TOP
        ldar    x4, [x8]                        // (B, C) t = top: acquire, so ordered before ...
        ldar    x2, [x0]                        // ... b = bottom: acquire, (A) and (B)
        sub     x5, x2, x4
        cmp     x5, #0
        b.le    .Lsteal_empty                   // (int64_t)(b - t) <= 0
        add     x9, x0, #OFF_BUF
        ldar    x3, [x9]                        // (D) acquire buf: pairs with grow's release
        ldr     x5, [x3, #BUF_MASK]
        and     x5, x4, x5
        add     x7, x3, #BUF_CELLS
        ldr     x7, [x7, x5, lsl #3]            // x = cell[t & mask]: relaxed, before the CAS
        add     x6, x4, #1
        cas_top x8, x4, x6                      // (C) seq_cst CAS top: t -> t+1; Z = won
        b.ne    .Lsteal_lost
        thief_count OFF_STEALS
        str     x7, [x1]
        mov     w0, #ST_OK
        ret
.Lsteal_empty:
        thief_count OFF_STEAL_EMPTY
        mov     w0, #ST_EMPTY
        ret
.Lsteal_lost:
        thief_count OFF_STEAL_LOST
        mov     w0, #ST_ABORT
        ret
        .cfi_endproc
        .size   ws_deque_steal, . - ws_deque_steal

        .section .note.GNU-stack, "", %progbits
