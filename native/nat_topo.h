/* nat_topo.h: the machine a native run uses: the host model (hwloc detection, or a plain
 * model of the online CPUs when detection fails), the order in which a binding kind hands out
 * host cores to workers, and the model of exactly the cores the workers got.
 *
 * Binding kinds (the source documents' scheduler binding):
 *   none    workers are not pinned; the model is that of the cores they would have had
 *   static  worker i is pinned to the i-th host core, one worker per physical core before any
 *           SMT sibling is used (hwloc's logical order otherwise)
 *   pcores  as static, and within the first threads (then within the siblings) P-cores first,
 *           then E-cores, then any others
 * With more workers than host cores the model is synthetic (synth:p=N: one cluster, equal
 * cores) and pinned workers share host cores round-robin. */
#ifndef NAT_TOPO_H
#define NAT_TOPO_H

#include "core/ws_topo.h"

#include <stddef.h>
#include <stdint.h>

enum nat_bind { NAT_BIND_NONE = 0, NAT_BIND_STATIC, NAT_BIND_PCORES };

const char *nat_bind_name(enum nat_bind b);                 /* "none", "static", "pcores" */
int nat_bind_parse(const char *s, enum nat_bind *out);     /* 0, or -1 on junk */

/* The host: ws_topo_detect, or on failure synth:p=<online CPUs> with os ids 0..n-1 (noted in
 * *detected = 0). 0, or -1 with a message in err. */
int nat_topo_host(struct ws_topo **out, int *detected, char *err, size_t errlen);

/* The model of n workers on host with binding b, and each worker's pin target in
 * os_cpus[0..n) (-1 for none). 0, or -1 with a message in err. */
int nat_topo_workers(const struct ws_topo *host, uint32_t n, enum nat_bind b,
                     struct ws_topo **out, int32_t *os_cpus, char *err, size_t errlen);

#endif
