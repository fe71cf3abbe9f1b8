/* sim_uts.h: the Unbalanced Tree Search (UTS) tree: SHA-1 node states and the branching rules of
 * the reference implementation, and the standard named parameter sets. */
#ifndef SIM_UTS_H
#define SIM_UTS_H

#include <stdbool.h>
#include <stdint.h>

/* Olivier et al., "UTS: An Unbalanced Tree Search Benchmark", LCPC 2006; the rules are restated
 * in ../shared/traces/README.md. Counts match the published ones only if followed exactly:
 * every double operation below is written in the reference's order. */

enum sim_uts_type { SIM_UTS_BIN = 0, SIM_UTS_GEO = 1, SIM_UTS_HYBRID = 2 };
enum sim_uts_shape { SIM_UTS_LINEAR = 0, SIM_UTS_EXPDEC = 1, SIM_UTS_CYCLIC = 2,
                     SIM_UTS_FIXED = 3 };

struct sim_uts_params {
    int type;          /* -t enum sim_uts_type */
    int shape;         /* -a enum sim_uts_shape (GEO, HYBRID) */
    int gen_mx;        /* -d */
    double b0;         /* -b */
    int root_seed;     /* -r */
    double q;          /* -q non-leaf probability (BIN, HYBRID) */
    int m;             /* -m non-leaf branching (BIN, HYBRID) */
};

#define SIM_UTS_DIGEST 20
#define SIM_UTS_MAX_CHILDREN 100

/* The reference defaults: -t 1 -a 0 -d 6 -b 4 -r 0 -q 0.234375 -m 4. */
void sim_uts_defaults(struct sim_uts_params *p);

/* Fill p from a standard set name (T1, T2, T3, T4, T5, T1L, T2L, T3L, T1XL, T1XXL, T2XXL,
 * T3XXL, T1WL, T2WL, T3WL, BOTS-tiny, BOTS-medium, default; case-insensitive). false if unknown. */
bool sim_uts_preset(const char *name, struct sim_uts_params *p);

/* The names sim_uts_preset knows, comma-separated. */
const char *sim_uts_preset_names(void);

/* Root state: SHA1(16 zero bytes || seed as 4 bytes big-endian). */
void sim_uts_root(int seed, uint8_t out[SIM_UTS_DIGEST]);

/* State of child i: SHA1(parent state || i as 4 bytes big-endian). */
void sim_uts_child(const uint8_t parent[SIM_UTS_DIGEST], uint32_t i, uint8_t out[SIM_UTS_DIGEST]);

/* Number of children of the node with this state at this depth (root depth 0). */
int sim_uts_num_children(const struct sim_uts_params *p, const uint8_t state[SIM_UTS_DIGEST],
                         uint32_t depth);

#endif
