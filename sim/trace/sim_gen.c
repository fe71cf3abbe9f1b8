/* sim_gen.c: generator specs (KIND:ARGS) parsed against each kind's parameter table, the
 * registry of kinds, and helpers shared by all generators. */
#include "sim/trace/sim_gen.h"
#include "sim/util/sim_suggest.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct sim_gen_kind *const kinds[] = {
    &sim_gen_fib, &sim_gen_nqueens, &sim_gen_uts, &sim_gen_ring, &sim_gen_server,
    &sim_gen_bursty, &sim_gen_skewed, &sim_gen_mixed, &sim_gen_affinity,
};
#define NKINDS (sizeof kinds / sizeof kinds[0])
#define MAX_PARAMS 16

static const struct sim_gen_kind *find_kind(const char *spec)
{
    size_t n = strcspn(spec, ":");
    for (size_t i = 0; i < NKINDS; i++)
        if (strlen(kinds[i]->name) == n && strncmp(spec, kinds[i]->name, n) == 0)
            return kinds[i];
    return NULL;
}

bool sim_gen_known(const char *spec)
{
    return find_kind(spec) != NULL;
}

const char *sim_gen_kinds(void)
{
    static char buf[4096];
    if (buf[0] == '\0') {
        size_t off = 0;
        for (size_t i = 0; i < NKINDS && off < sizeof buf; i++)
            off += (size_t)snprintf(buf + off, sizeof buf - off, "  %s\n", kinds[i]->syntax);
    }
    return buf;
}

const char *sim_trace_kinds(void)
{
    return sim_gen_kinds();
}

const char *sim_gen_suggest_kind(const char *spec)
{
    const char *names[NKINDS];
    char word[64];
    snprintf(word, sizeof word, "%.*s", (int)strcspn(spec, ":"), spec);
    for (size_t i = 0; i < NKINDS; i++)
        names[i] = kinds[i]->name;
    return sim_suggest(word, names, NKINDS);
}

/* ---- workload seeds ------------------------------------------------------------------------ */

/* The parameters that seed a kind's randomness: seed= of the random kinds, r= (the root seed)
 * of UTS. Kinds with neither (fib, nqueens, ring) are deterministic. */
static const char *const seed_keys[] = { "seed", "r" };

const char *sim_gen_seed_key(const char *spec)
{
    const struct sim_gen_kind *k = find_kind(spec);
    for (size_t s = 0; k != NULL && s < sizeof seed_keys / sizeof seed_keys[0]; s++)
        for (int i = 0; k->params[i].key != NULL; i++)
            if (strcmp(k->params[i].key, seed_keys[s]) == 0)
                return seed_keys[s];
    return NULL;
}

/* The argument text of spec's parameter key ("" args when absent), or NULL. */
static const char *find_arg(const char *spec, const char *key)
{
    const char *a = strchr(spec, ':');
    size_t klen = strlen(key);
    while (a != NULL) {
        a++;
        if (strncmp(a, key, klen) == 0 && a[klen] == '=')
            return a;
        a = strchr(a, ',');
    }
    return NULL;
}

int sim_gen_with_seed(const char *spec, uint64_t seed, char *out, size_t len, char *err,
                      size_t errlen)
{
    const char *key = sim_gen_seed_key(spec);
    if (!sim_gen_known(spec))
        return snprintf(err, errlen, "%s: not a generator spec (only generated workloads "
                        "take a seed)", spec), -1;
    if (key == NULL)
        return snprintf(err, errlen, "%s: a deterministic generator (it takes no seed; "
                        "random kinds take seed=, uts r=)", spec), -1;
    if (find_arg(spec, key) != NULL)
        return snprintf(err, errlen, "%s: gives %s= itself", spec, key), -1;
    int n = snprintf(out, len, "%s%s%s=%llu", spec, strchr(spec, ':') ? "," : ":", key,
                     (unsigned long long)seed);
    if (n < 0 || (size_t)n >= len)
        return snprintf(err, errlen, "%s: spec too long", spec), -1;
    return 0;
}

bool sim_gen_split_seed(const char *trace, char *base, size_t len, uint64_t *seed)
{
    const char *key = sim_gen_seed_key(trace);
    const char *a = key != NULL ? find_arg(trace, key) : NULL;
    if (a == NULL)
        return false;
    const char *v = a + strlen(key) + 1, *end = v;
    while (*end >= '0' && *end <= '9')
        end++;
    if (end == v || *end != '\0' || (size_t)(a - 1 - trace) >= len)
        return false;   /* not the last argument, or not a plain number */
    *seed = strtoull(v, NULL, 10);
    size_t keep = (size_t)(a - 1 - trace);   /* drop the ',' or ':' before key too */
    memcpy(base, trace, keep);
    base[keep] = '\0';
    return true;
}

/* ---- parameter parsing --------------------------------------------------------------------- */

static int find_param(const struct sim_gen_kind *k, const char *key, size_t len)
{
    for (int i = 0; k->params[i].key != NULL; i++)
        if (strlen(k->params[i].key) == len && strncmp(k->params[i].key, key, len) == 0)
            return i;
    return -1;
}

static void list_params(const struct sim_gen_kind *k, char *out, size_t len)
{
    size_t off = 0;
    out[0] = '\0';
    for (int i = 0; k->params[i].key != NULL && off < len; i++)
        if (!k->params[i].hidden)
            off += (size_t)snprintf(out + off, len - off, "%s%s", off ? ", " : "",
                                    k->params[i].key);
}

/* Parse text as parameter p into v; 0, or -1 with err set. */
static int parse_value(const char *spec, const struct sim_gen_param *p, const char *text,
                       union sim_gen_val *v, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    if (p->type == SIM_GEN_STR) {
        if (strlen(text) >= sizeof v->s || text[0] == '\0') {
            snprintf(err, errlen, "%s: %s: expected a name of 1 to %zu characters", spec, p->key,
                     sizeof v->s - 1);
            return -1;
        }
        snprintf(v->s, sizeof v->s, "%s", text);
        return 0;
    }
    if (p->type == SIM_GEN_U64) {
        if (text[0] < '0' || text[0] > '9')
            goto bad;
        unsigned long long u = strtoull(text, &end, 10);
        if (errno != 0 || *end != '\0' || (double)u < p->min || (double)u > p->max)
            goto bad;
        v->u = u;
        return 0;
    }
    double f = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !(f >= p->min && f <= p->max))
        goto bad;
    v->f = f;
    return 0;
bad:
    snprintf(err, errlen, "%s: %s: expected %s from %.17g to %.17g, not '%s'", spec, p->key,
             p->type == SIM_GEN_U64 ? "an integer" : "a number", p->min, p->max, text);
    return -1;
}

/* Split ARGS into the kind's parameters: text[i] gets the value given for params[i]. */
static int split_args(const char *spec, const struct sim_gen_kind *k, const char *args,
                      char text[][64], bool *given, char *err, size_t errlen)
{
    bool first = true;
    while (*args != '\0') {
        size_t n = strcspn(args, ","), klen = strcspn(args, "=,");
        int i = klen < n ? find_param(k, args, klen) : (first ? k->positional : -1);
        if (i < 0) {
            char names[256];
            list_params(k, names, sizeof names);
            snprintf(err, errlen, "%s: %.*s: unknown parameter (%s takes %s)", spec,
                     (int)(klen < n ? klen : n), args, k->name, names);
            return -1;
        }
        const char *val = klen < n ? args + klen + 1 : args;
        size_t vlen = (size_t)(args + n - val);
        if (given[i] || vlen >= 64) {
            snprintf(err, errlen, "%s: %s: %s", spec, k->params[i].key,
                     given[i] ? "given twice" : "value too long");
            return -1;
        }
        memcpy(text[i], val, vlen);
        text[i][vlen] = '\0';
        given[i] = true;
        first = false;
        args += n + (args[n] == ',');
    }
    return 0;
}

/* Shortest decimal text that reads back as f. */
static void print_double(char *out, size_t len, double f)
{
    if (f == (double)(int64_t)f && f > -1e15 && f < 1e15) {
        snprintf(out, len, "%lld", (long long)f);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, len, "%.*g", prec, f);
        if (strtod(out, NULL) == f)
            return;
    }
}

static void canonical_spec(const struct sim_gen_kind *k, const union sim_gen_val *v, char *out,
                           size_t len)
{
    size_t off = (size_t)snprintf(out, len, "%s:", k->name);
    bool first = true;
    for (int i = 0; k->params[i].key != NULL && off < len; i++) {
        const struct sim_gen_param *p = &k->params[i];
        char num[40];
        if (p->hidden)
            continue;
        if (p->type == SIM_GEN_U64)
            snprintf(num, sizeof num, "%llu", (unsigned long long)v[i].u);
        else if (p->type == SIM_GEN_F64)
            print_double(num, sizeof num, v[i].f);
        off += (size_t)snprintf(out + off, len - off, "%s%s=%s", first ? "" : ",", p->key,
                                p->type == SIM_GEN_STR ? v[i].s : num);
        first = false;
    }
}

static int parse_spec(const char *spec, const struct sim_gen_kind *k, union sim_gen_val *v,
                      char *err, size_t errlen)
{
    char text[MAX_PARAMS][64];
    bool given[MAX_PARAMS] = { false };
    const char *colon = strchr(spec, ':');
    if (split_args(spec, k, colon != NULL ? colon + 1 : "", text, given, err, errlen) != 0)
        return -1;
    for (int i = 0; k->params[i].key != NULL; i++) {
        const struct sim_gen_param *p = &k->params[i];
        if (!given[i] && p->def == NULL && !(k->preset != NULL && p->hidden)) {
            snprintf(err, errlen, "%s: %s: missing (%s)", spec, p->key, p->help);
            return -1;
        }
        const char *t = given[i] ? text[i] : p->def;
        memset(&v[i], 0, sizeof v[i]);
        if (t != NULL && parse_value(spec, p, t, &v[i], err, errlen) != 0)
            return -1;
    }
    char why[512];
    if (k->preset != NULL && given[k->positional] && k->preset(v, given, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", spec, why);
        return -1;
    }
    return 0;
}

struct sim_trace *sim_gen_open(const char *spec, char *err, size_t errlen)
{
    const struct sim_gen_kind *k = find_kind(spec);
    union sim_gen_val v[MAX_PARAMS];
    if (k == NULL) {
        const char *near = sim_gen_suggest_kind(spec);
        snprintf(err, errlen, "%s: unknown generator '%.*s'%s%s%s", spec,
                 (int)strcspn(spec, ":"), spec, near ? " (did you mean '" : "",
                 near ? near : "", near ? "'?)" : "");
        return NULL;
    }
    if (parse_spec(spec, k, v, err, errlen) != 0)
        return NULL;
    char canonical[sizeof ((struct sim_trace_info *)0)->canonical];
    canonical_spec(k, v, canonical, sizeof canonical);
    char why[512];
    struct sim_trace *t = k->open(v, why, sizeof why);
    if (t == NULL) {
        snprintf(err, errlen, "%s: %s", spec, why);
        return NULL;
    }
    t->info.kind = k->name;
    memcpy(t->info.canonical, canonical, sizeof canonical);
    snprintf(t->info.name, sizeof t->info.name, "%s", spec);
    return t;
}

/* ---- helpers for generators ---------------------------------------------------------------- */

uint64_t sim_gen_exp(uint64_t mean, uint64_t r)
{
    if (mean == 0)
        return 0;
    double u = sim_gen_unit(r);
    double x = -log1p(-u) * (double)mean;
    if (x > 1e18)
        x = 1e18;
    uint64_t n = (uint64_t)llround(x);
    return n > 0 ? n : 1;
}

struct sim_gen_work sim_gen_work_of(double w)
{
    double whole = floor(w);   /* w - whole is exact: whole <= w <= 2 whole (Sterbenz), or 0 */
    return (struct sim_gen_work){ (uint64_t)whole, (uint64_t)ldexp(w - whole, 64) };
}

/* ---- records ------------------------------------------------------------------------------
 * A replay makes and drops one record per process, and calloc and free of each were about a
 * tenth of a fork-join replay's instructions. So generator records come from free lists, one
 * per size class (up to 256, 512, 1024 and 2048 bytes), refilled a slab of SLAB_RECS records at
 * a time; a larger record is calloc'd. The lists and slabs live in a head allocated just before
 * the generator's struct (every generator is made by sim_gen_new), and sim_gen_close frees the
 * slabs, records still out included, as sim_trace_close promises. A source is used by one
 * thread at a time (natively under the replay's lock), so nothing here locks. */

#define REC_CLASSES   4u
#define REC_CLASS_MIN 256u          /* bytes of class 0; class k holds up to 256 << k */
#define SLAB_RECS     64u
#define SLAB_HEAD     64u           /* a slab's link word, padded to keep records aligned */

struct gen_head {
    void *free[REC_CLASSES];        /* released records, linked through their first word */
    void *slabs;                    /* every slab, linked through its first word */
};
#define GEN_HEAD_SIZE ((sizeof(struct gen_head) + 63u) & ~(size_t)63u)

static struct gen_head *head_of(struct sim_trace *t)
{
    return (struct gen_head *)(void *)((char *)t - GEN_HEAD_SIZE);
}

/* The class of a record of `size` bytes, or REC_CLASSES when none is large enough. */
static unsigned rec_class(size_t size)
{
    unsigned k = 0;
    while (k < REC_CLASSES && size > (size_t)REC_CLASS_MIN << k)
        k++;
    return k;
}

/* A new slab's records onto class k's free list; -1 when out of memory. */
static int slab_add(struct gen_head *h, unsigned k)
{
    size_t csize = (size_t)REC_CLASS_MIN << k;
    char *s = malloc(SLAB_HEAD + SLAB_RECS * csize);
    if (s == NULL)
        return -1;
    *(void **)(void *)s = h->slabs;
    h->slabs = s;
    for (size_t i = SLAB_RECS; i-- > 0;) {
        void *m = s + SLAB_HEAD + i * csize;
        *(void **)m = h->free[k];
        h->free[k] = m;
    }
    return 0;
}

/* `size` zeroed bytes for a record, or NULL when out of memory. */
static void *rec_alloc(struct gen_head *h, size_t size)
{
    unsigned k = rec_class(size);
    if (k == REC_CLASSES)
        return calloc(1, size);
    if (h->free[k] == NULL && slab_add(h, k) != 0)
        return NULL;
    void *m = h->free[k];
    h->free[k] = *(void **)m;
    memset(m, 0, size);
    return m;
}

void sim_gen_release(struct sim_trace *t, struct sim_trace_rec *rec)
{
    unsigned k = rec_class(sim_trace_rec_size(rec->nphases, rec->aff_ncores, rec->aff_nwords));
    if (k == REC_CLASSES) {
        free(rec);
        return;
    }
    struct gen_head *h = head_of(t);
    *(void **)(void *)rec = h->free[k];
    h->free[k] = rec;
}

void sim_gen_close(struct sim_trace *t)
{
    if (t == NULL)
        return;
    struct gen_head *h = head_of(t);
    while (h->slabs != NULL) {
        void *next = *(void **)h->slabs;
        free(h->slabs);
        h->slabs = next;
    }
    free(h);
}

struct sim_trace *sim_gen_new(size_t size, const struct sim_trace_ops *ops, char *err,
                              size_t errlen)
{
    char *mem = calloc(1, GEN_HEAD_SIZE + size);
    if (mem == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    struct sim_trace *t = (struct sim_trace *)(void *)(mem + GEN_HEAD_SIZE);
    sim_trace_init_head(t, ops, "gen");
    return t;
}

struct sim_trace_rec *sim_gen_rec(struct sim_trace *t, uint32_t nphases, uint32_t ncores,
                                  uint64_t id, const struct sim_trace_rec *parent, uint64_t ws)
{
    void *mem = rec_alloc(head_of(t), sim_trace_rec_size(nphases, ncores, 0));
    if (mem == NULL) {
        sim_gen_fail(t, "id", "out of memory for process %llu", (unsigned long long)id);
        return NULL;
    }
    struct sim_trace_rec *r = sim_trace_rec_init(mem, nphases, ncores, 0);
    r->id = id;
    r->ws_bytes = ws;
    if (parent != NULL) {
        r->parent = parent->id;
        r->depth = parent->depth + 1;
    }
    return r;
}

int sim_gen_fail(struct sim_trace *t, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sim_trace_fail(t, "%s: %s: %s", t->info.name, field, msg);
}
