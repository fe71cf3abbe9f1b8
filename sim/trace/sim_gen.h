/* sim_gen.h: the generator framework: KIND:ARGS spec parsing into typed parameters, the table
 * of generator kinds, and the counter-based random numbers every generator draws from. */
#ifndef SIM_GEN_H
#define SIM_GEN_H

#include "sim/trace/sim_trace_src.h"

/*
 * Determinism without order dependence: a consumer asks for children in whatever order its
 * schedule produces, so a generator must never draw random numbers from one sequential stream
 * (the values would depend on the asking order). Every draw is a hash of (seed, process id,
 * draw number): sim_gen_rand(). Only next_root, whose order is fixed, may keep running state.
 */

enum sim_gen_ptype { SIM_GEN_U64, SIM_GEN_F64, SIM_GEN_STR };

struct sim_gen_param {
    const char *key;
    enum sim_gen_ptype type;
    const char *def;        /* default value as text; NULL: required */
    double min, max;        /* numeric range, inclusive */
    bool hidden;            /* left out of the canonical spec (e.g. uts's set name) */
    const char *help;
};

union sim_gen_val {
    uint64_t u;
    double f;
    char s[32];
};

struct sim_gen_kind {
    const char *name;
    const char *syntax;                  /* one help line */
    const struct sim_gen_param *params;  /* ends with a zeroed entry */
    int positional;                      /* index of the parameter a bare first argument sets */
    /* Optional: fill parameters from a named set (v[positional].s); given[i] marks the ones
     * the user set explicitly, which win. Returns 0, or -1 with "FIELD: message" in err. */
    int (*preset)(union sim_gen_val *v, const bool *given, char *err, size_t errlen);
    /* Build the source from parsed values; NULL with "FIELD: message" in err on failure
     * (sim_gen_open puts the spec in front). sim_gen_open fills info.kind, info.canonical and
     * info.name afterwards. */
    struct sim_trace *(*open)(const union sim_gen_val *v, char *err, size_t errlen);
};

extern const struct sim_gen_kind sim_gen_fib, sim_gen_nqueens, sim_gen_uts, sim_gen_ring,
    sim_gen_server, sim_gen_bursty, sim_gen_skewed, sim_gen_mixed, sim_gen_affinity;

/* SplitMix64 finaliser: a bijective 64-bit mix. */
static inline uint64_t sim_gen_mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* Random word number k for process id under seed. */
static inline uint64_t sim_gen_rand(uint64_t seed, uint64_t id, uint64_t k)
{
    return sim_gen_mix(sim_gen_mix(sim_gen_mix(seed) ^ id) ^ k);
}

/* Uniform double in [0, 1) from a random word. */
static inline double sim_gen_unit(uint64_t r)
{
    return (double)(r >> 11) * 0x1.0p-53;
}

/*
 * Sub-nanosecond work. A fork-join or UTS generator's work= may be fractional (validate gives it
 * the calibrated per-process cost to 0.001 ns), but a RUN phase lasts whole ns. With
 * w = whole + frac, process id runs whole + (floor((id + 1) frac + 1/2) - floor(id frac + 1/2))
 * ns: a pure function of the id, so no asking order changes a record, and over ids 0..N-1 the
 * extras telescope to floor(N frac + 1/2), so a walk of N densely numbered processes runs N w ns
 * rounded to the nearest ns (the half offset: a lone process of work 0.7 runs 1 ns, not 0).
 * frac is kept as a 64-bit fixed-point fraction (f = frac 2^64), where the extra is 1 exactly
 * when (id f + 2^63 mod 2^64) + f carries out of 64 bits: no rounding of large ids. An integral
 * w has f = 0 and gives every process exactly whole, as before. (nqueens numbers its processes
 * sparsely and draws the extra instead: sim_gen_forkjoin.c.)
 */
struct sim_gen_work {
    uint64_t whole;
    uint64_t frac;   /* the fractional part in units of 2^-64 */
};

/* w (finite, 0 <= w < 2^63) split into whole ns and a fixed-point fraction. */
struct sim_gen_work sim_gen_work_of(double w);

/* Whole ns of RUN for process id (see above). */
static inline uint64_t sim_gen_work_ns(struct sim_gen_work w, uint64_t id)
{
    uint64_t lo = id * w.frac + (1ULL << 63);   /* wraps: the fraction of id frac + 1/2 */
    return w.whole + (lo + w.frac < lo);
}

/* Exponentially distributed integer with the given mean (at least 1 when mean >= 1). */
uint64_t sim_gen_exp(uint64_t mean, uint64_t r);

/* Release and close shared by generators: records made by sim_gen_rec (pooled by size, see
 * sim_gen.c) and state made by sim_gen_new. */
void sim_gen_release(struct sim_trace *t, struct sim_trace_rec *rec);
void sim_gen_close(struct sim_trace *t);

/* Allocate a generator source of `size` zeroed bytes (its struct starts with struct
 * sim_trace) with the given ops, freed by sim_gen_close; NULL with err set when out of
 * memory. */
struct sim_trace *sim_gen_new(size_t size, const struct sim_trace_ops *ops, char *err,
                              size_t errlen);

/* A record for a generator: nphases phases, room for ncores affinity cores (kind NONE until
 * the caller sets it), id/parent/depth/ws set. NULL when out
 * of memory (t's error set). */
struct sim_trace_rec *sim_gen_rec(struct sim_trace *t, uint32_t nphases, uint32_t ncores,
                                  uint64_t id, const struct sim_trace_rec *parent, uint64_t ws);

/* The generator kind closest to the (unknown) kind of spec, for "did you mean"; or NULL. */
const char *sim_gen_suggest_kind(const char *spec);

/* Workload seeds. The key that seeds spec's randomness ("seed", or uts's root seed "r"), or
 * NULL for a deterministic kind (fib, nqueens, ring) or a spec that is no generator. */
const char *sim_gen_seed_key(const char *spec);
/* spec with its seed key set to seed (appended last: "mixed:procs=9,seed=2") into out; -1 with
 * err when spec is no generator, is deterministic, or gives the key itself. */
int sim_gen_with_seed(const char *spec, uint64_t seed, char *out, size_t len, char *err,
                      size_t errlen);
/* The inverse: when trace is a generator spec whose last argument is its seed key with a plain
 * number, base gets the spec without it and *seed the number; otherwise false. */
bool sim_gen_split_seed(const char *trace, char *base, size_t len, uint64_t *seed);

/* Fail with "SPEC: FIELD: message" (SPEC is info.name). Returns SIM_TRACE_ERROR. */
int sim_gen_fail(struct sim_trace *t, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
