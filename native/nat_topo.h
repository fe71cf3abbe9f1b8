/* nat_topo.h: the machine a native run uses: the host model (hwloc detection, or a plain
 * model of the online CPUs when detection fails), the order in which a binding kind hands out
 * host cores to workers, and the model of exactly the cores the workers got.
 *
 * Binding kinds and bind orders are those of core/ws_bind.h; natively they become each worker's
 * CPU affinity:
 *   none     no affinity call: workers keep the process's mask and the OS places them
 *   static   worker i is pinned to the CPU of host core home[i] (one CPU)
 *   pcores   as static, P-cores first
 *   dynamic  every worker's mask is the CPUs of the run's cores (home[0..n)); the OS moves them
 *   hybrid   worker 0 is pinned to host core 0; worker i > 0 gets the CPUs of the run's cores of
 *            the kind of its home core
 * The default order (ns) hands out cores in logical order; the legacy rule of earlier versions,
 * every physical core's first thread before any SMT sibling, is order ts. With more workers
 * than host cores the model is synthetic (synth:p=N: one cluster, equal cores) and workers
 * share host cores round-robin. */
#ifndef NAT_TOPO_H
#define NAT_TOPO_H

#include "core/ws_bind.h"
#include "core/ws_topo.h"

#include <stddef.h>
#include <stdint.h>

enum nat_bind { NAT_BIND_NONE = WS_BIND_NONE, NAT_BIND_STATIC = WS_BIND_STATIC,
                NAT_BIND_DYNAMIC = WS_BIND_DYNAMIC, NAT_BIND_HYBRID = WS_BIND_HYBRID,
                NAT_BIND_PCORES = WS_BIND_PCORES };

const char *nat_bind_name(enum nat_bind b);                 /* "none", "static", ... */
int nat_bind_parse(const char *s, enum nat_bind *out);     /* 0, or -1 on junk */

/* Where each worker goes: pin[i] its single pin CPU (-1 = not pinned), and for an unpinned
 * worker of a dynamic or hybrid binding, mask[i] = 1 when it gets an affinity mask, the CPUs
 * cpus[j] of every worker j with same_mask(i, j). Filled by nat_topo_place. */
struct nat_place {
    enum nat_bind bind;
    uint32_t n;
    int32_t *pin;             /* [n] */
    int32_t *cpu;             /* [n] the host CPU of each worker's home core */
    uint32_t *kind;           /* [n] the kind of each worker's home core */
    uint8_t *scope;           /* [n] enum ws_bind_scope */
};

/* The host: ws_topo_detect, or on failure synth:p=<online CPUs> with os ids 0..n-1 (noted in
 * *detected = 0). 0, or -1 with a message in err. */
int nat_topo_host(struct ws_topo **out, int *detected, char *err, size_t errlen);

/* The model of n workers on host with binding b, and each worker's pin target in
 * os_cpus[0..n) (-1 for none). 0, or -1 with a message in err. */
int nat_topo_workers(const struct ws_topo *host, uint32_t n, enum nat_bind b,
                     struct ws_topo **out, int32_t *os_cpus, char *err, size_t errlen);

/* As nat_topo_workers, for kind b in bind order o, also filling pl (arrays allocated here,
 * released by nat_place_free). 0, or -1 with a message in err. */
int nat_topo_place(const struct ws_topo *host, uint32_t n, enum nat_bind b, enum ws_bind_order o,
                   struct ws_topo **out, struct nat_place *pl, char *err, size_t errlen);
void nat_place_free(struct nat_place *pl);

/* The affinity mask of unpinned worker i of pl as host CPU numbers: the CPUs of every worker
 * of its scope (all of them, or those of its kind). Returns the count written to cpus. */
uint32_t nat_place_mask(const struct nat_place *pl, uint32_t i, int32_t *cpus);

#endif
