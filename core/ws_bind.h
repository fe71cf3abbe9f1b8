/* ws_bind.h: scheduler binding: which core each scheduler thread starts on, whether it may be
 * moved, and the cost of the operating system moving it; shared by the simulator and the native
 * runtime so that `binding=KIND bind_order=ORDER` means the same in both.
 *
 * Binding kinds (the source documents' scheduler binding strategies)
 * ------------------------------------------------------------------
 *   static   scheduler i is bound to core order[i] for the whole run.
 *   none     schedulers are not bound: they start on cores in logical order (the bind order is
 *            ignored) and the operating system may move them to any core.
 *   dynamic  schedulers start on the bind order's cores, with an affinity mask of every core
 *            of the run, within which the operating system may move them.
 *   hybrid   scheduler 0 is the primary, bound to core 0; every other scheduler starts on its
 *            bind-order core and may be moved only among the cores of that core's kind (P-core
 *            schedulers among the P-cores, E-core schedulers among the E-cores); on a machine
 *            of one kind that leaves all but scheduler 0 dynamic.
 *   pcores   as static, with the bind order stably regrouped by (thread rank, kind): the first
 *            thread of every P-core, then of every E-core, then other cores, then the second
 *            threads likewise (a whole E-core before a P-core's SMT sibling).
 *
 * Bind orders (Erlang/OTP's `erl +sbt`; erts/doc "erl", flag +sbt, whose wording is quoted)
 * ------------------------------------------------------------------------------------------
 * The order in which scheduler identifiers are bound to logical processors. Each order is a
 * stable sort of the cores by a key; ties keep logical (schedlab id) order. On this model a
 * "processor" is a socket, a hardware thread's rank is its position among its SMT siblings.
 *   u      unbound: "the operating system decides where the scheduler threads execute, and when
 *          to migrate them"; whatever the kind, the same as binding=none.
 *   ns     no_spread: "schedulers with close scheduler identifiers are bound as close as
 *          possible in hardware": logical order. The default here, so a static run is the
 *          identity map of earlier schedlab versions.
 *   ts     thread_spread: the first hardware thread of every core, then the second, ...: key
 *          (thread rank).
 *   ps     processor_spread: "like thread_spread, but also over physical processor chips": key
 *          (thread rank, core rank within its socket, socket).
 *   s      spread: "spread as much as possible": key (thread rank, core rank within its
 *          cluster, cluster rank within its node, node rank within its socket, socket).
 *   nnts   no_node_thread_spread: thread_spread inside one NUMA node at a time: key (node,
 *          thread rank).
 *   nnps   no_node_processor_spread: processor_spread inside one NUMA node at a time: key
 *          (node, thread rank, core rank within the node); a node lies in one socket, so this
 *          equals nnts on every machine model.
 *   tnnps  thread_no_node_processor_spread: "spread over hardware threads across NUMA nodes,
 *          but only spread over processors internally in one NUMA node at a time": key (thread
 *          rank, node, core rank within the node).
 *   db     default_bind: tnnps (OTP's default bind order when binding is asked for; OTP's
 *          default is not to bind, u).
 * On a machine of one socket without SMT (m1) every order but s is the logical order.
 *
 * The operating-system migration model (simulation)
 * -------------------------------------------------
 * A scheduler that is not bound (none, dynamic, hybrid's non-primary ones) is a thread the
 * operating system places. The model: every core carries exactly one scheduler thread at any
 * time (one scheduler per core, as BEAM starts them). When a sleeping scheduler is woken, the
 * operating system may place it elsewhere: with probability os_migrate_pct percent it picks,
 * uniformly with the run's seed, one core among those whose schedulers are asleep (idle cores)
 * and allowed by the woken scheduler's scope, and the two threads exchange cores (the sleeper
 * will wake where the woken one slept). Each moved thread pays ws_bind_os_migration_ns before
 * it runs again: a context switch plus refilling its hot state (WS_BIND_HOT_LINES lines: run
 * queues, stack, the top of the current heap) from the nearest level it shares with its old
 * core, plus the NUMA migration cost across nodes. Its speed is that of its new core. The
 * scheduler's own view (victim choice, process migration costs) stays that of its start core,
 * as BEAM's schedulers do not learn where the operating system moved their threads. */
#ifndef WS_BIND_H
#define WS_BIND_H

#include "core/ws_common.h"
#include "core/ws_params.h"
#include "core/ws_topo.h"

#include <stdbool.h>
#include <stdint.h>

enum ws_bind_kind { WS_BIND_NONE = 0, WS_BIND_STATIC, WS_BIND_DYNAMIC, WS_BIND_HYBRID,
                    WS_BIND_PCORES, WS_BIND_KIND_COUNT };
enum ws_bind_order { WS_ORDER_U = 0, WS_ORDER_NS, WS_ORDER_TS, WS_ORDER_PS, WS_ORDER_S,
                     WS_ORDER_NNTS, WS_ORDER_NNPS, WS_ORDER_TNNPS, WS_ORDER_DB,
                     WS_ORDER_COUNT };
/* Where the operating system may move a scheduler thread. */
enum ws_bind_scope { WS_SCOPE_FIXED = 0, WS_SCOPE_KIND, WS_SCOPE_ANY };

/* Lines of a scheduler thread's hot state refilled after an operating-system migration. */
#define WS_BIND_HOT_LINES 512

/* NULL-terminated names, indexed by the enums ("none", "static", ...; "u", "ns", ...). */
extern const char *const ws_bind_kind_names[];
extern const char *const ws_bind_order_names[];

/* Cores of t in bind order o: order[i] is the core of scheduler i (t->ncores entries). WS_NOMEM
 * or WS_EINVAL (an unknown o) leave order unchanged. */
ws_status ws_bind_order_map(const struct ws_topo *t, enum ws_bind_order o, uint32_t *order);

/* The start core home[i] and scope[i] of every scheduler i < t->ncores for kind k and order o
 * (see above). WS_NOMEM or WS_EINVAL leave both unchanged. */
ws_status ws_bind_map(const struct ws_topo *t, enum ws_bind_kind k, enum ws_bind_order o,
                      uint32_t *home, uint8_t *scope);

/* The effective kind: order u makes every kind none. */
enum ws_bind_kind ws_bind_effective(enum ws_bind_kind k, enum ws_bind_order o);

/* May a scheduler of scope sc that started on core home run on core c? */
bool ws_bind_allows(const struct ws_topo *t, uint8_t sc, uint32_t home, uint32_t c);

/* Cost in ns of the operating system moving a scheduler thread from core a to core b (0 when
 * a == b): ctx_switch_ns + WS_BIND_HOT_LINES x the refill cost of the nearest shared level
 * (SMT siblings: none), + numa_migration_ns across nodes. */
uint64_t ws_bind_os_migration_ns(const struct ws_topo *t, const struct ws_params *p, uint32_t a,
                                 uint32_t b);

/* The model of cores pick[0..n) of t, in that order (core i of the result is pick[i] of t),
 * keeping clusters, nodes, caches, kinds, latencies and os ids. WS_EINVAL with e filled on a
 * pick that is out of range or repeated, WS_NOMEM; *out NULL on error. */
ws_status ws_bind_sub_topo(const struct ws_topo *t, const uint32_t *pick, uint32_t n,
                           struct ws_topo **out, struct ws_topo_error *e);

#endif
