/* ws_params.c: the parameter table: names, types, defaults, policies, parsing. */
#include "core/ws_params.h"
#include "core/ws_bind.h"
#include "core/ws_time.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const amount_names[] = { "one", "half", NULL };
static const char *const wake_names[] = { "last", "waker", NULL };
static const char *const pick_names[] = { "lifo", "fifo", NULL };
static const char *const wake_at_names[] = { "enqueue", "switch", NULL };
static const char *const policy_names[] = { "conservative", "aggressive", "adaptive", "numa",
                                            "off", NULL };

/* Ranges. Times are the project-wide time limit (ws_time.h); counts and weights stop where a
 * larger value means nothing more (a queue of a million waiting processes, a weight a million
 * times another) and where the scheduler's sums of them still fit 64 bits. Search effort per
 * idle round is bounded so that one round stays cheap: steal_retries x p2c_choices probes of
 * queue lengths at most. */
#define NS      ((double)WS_TIME_INPUT_MAX)   /* any *_ns parameter: 0..2^53 */
#define COUNT   1e6                           /* queue lengths, weights, batch and burst sizes */
#define RATE    1e9                           /* migrations per second: one per ns */
#define FACTOR  1e3                           /* cost multipliers */

#define U64(f, lo, hi, doc) \
    { #f, WS_PARAM_U64, offsetof(struct ws_params, f), NULL, doc, lo, hi, false }
#define F64(f, lo, hi, doc) \
    { #f, WS_PARAM_F64, offsetof(struct ws_params, f), NULL, doc, lo, hi, false }
#define ENUM(f, ch, doc) { #f, WS_PARAM_ENUM, offsetof(struct ws_params, f), ch, doc, 0, 0, false }
/* A parameter only the simulator reads: a cost or a behaviour of the host that a native run
 * gets from the host itself (ws_param_desc.sim_only). Its doc says "simulated". */
#define SIM_U64(f, lo, hi, doc) \
    { #f, WS_PARAM_U64, offsetof(struct ws_params, f), NULL, doc, lo, hi, true }

static const struct ws_param_desc descs[] = {
    U64(min_steal_queue, 0, COUNT, "victim needs at least this many waiting processes (0 = 1)"),
    U64(wake_queue, 0, COUNT,
        "wake a sleeping core when a queue holds this many waiting (0 = min_steal_queue)"),
    U64(imbalance_threshold, 0, RATE, "steal only if victim load - thief load exceeds this"),
    U64(steal_cooldown_ns, 0, NS, "minimum ns between steals from the same victim"),
    U64(steal_retries, 0, 1024, "victim choices per idle round (0 = no stealing at all)"),
    ENUM(steal_amount, amount_names, "steal one process or half of the victim's queue"),
    U64(steal_batch_max, 1, COUNT, "largest steal-half batch"),
    U64(p2c_choices, 1, 64, "d random victims compared by the p2c strategy"),
    U64(load_w_max, 0, COUNT, "load weight of a waiting max-priority process"),
    U64(load_w_high, 0, COUNT, "load weight of a waiting high-priority process"),
    U64(load_w_normal, 0, COUNT, "load weight of a waiting normal-priority process"),
    U64(load_w_low, 0, COUNT, "load weight of a waiting low-priority process"),
    U64(low_every, 0, COUNT, "a waiting low process runs after this many normal picks"),
    U64(time_slice_ns, 0, NS, "run budget before preemption (0 = never preempt)"),
    ENUM(wake_placement, wake_names, "woken process goes to its last core or the waker's"),
    ENUM(pick_order, pick_names, "a core runs its newest waiting process (lifo) or oldest (fifo)"),
    ENUM(wake_at, wake_at_names,
         "work a core queues for itself wakes a sleeper at once or at the core's next switch"),
    U64(wake_every, 1, COUNT,
        "wake_at switch: look at every Nth switch, for whatever then waits (1: at each, for "
        "what was queued since)"),
    U64(balance_interval_ns, 0, NS, "period of the check_balance pass (0 = off)"),
    U64(balance_compact, 0, 1, "1: the balancer concentrates work on the busy cores (+scl)"),
    ENUM(migration_policy, policy_names, "migration policy preset"),
    F64(migration_factor, 0, FACTOR, "migrate when benefit > cost x factor"),
    U64(max_migrations, 0, NS, "migrations allowed per process"),
    U64(core_migrations_per_s, 0, RATE, "migrations into one core per second (0 = unlimited)"),
    U64(system_migrations_per_s, 0, RATE,
        "migrations in the whole machine per second (0 = unlimited)"),
    U64(burst_max, 0, COUNT, "storm guard: migrations per core of the machine per burst window"),
    U64(burst_window_ns, 0, NS, "storm guard window (0 = off)"),
    F64(numa_cost_scale, 0, FACTOR, "multiplier on cross-node migration costs"),
    U64(ctx_switch_ns, 0, NS, "context switch cost"),
    U64(refill_l2_ns, 0, NS, "refill cost per line from a shared L2"),
    U64(refill_l3_ns, 0, NS, "refill cost per line from a shared L3"),
    U64(refill_mem_ns, 0, NS, "refill cost per line from memory"),
    U64(remote_mem_ns, 0, NS,
        "extra cost per line of remote memory per 10 units of NUMA distance"),
    U64(numa_migration_ns, 0, NS, "fixed cost of a cross-NUMA migration"),
    ENUM(binding, ws_bind_kind_names, "scheduler binding kind (ws_bind.h)"),
    ENUM(bind_order, ws_bind_order_names, "order schedulers are bound to cores in (erl +sbt)"),
    SIM_U64(os_migrate_pct, 0, 100, "% chance the OS moves a waking unbound scheduler (simulated)"),
    U64(spin_ns, 0, NS, "idle spin before sleeping (natively: before the futex wait)"),
    SIM_U64(wake_ns, 0, NS, "cost of waking a sleeping core (simulated)"),
    SIM_U64(spin_wake_ns, 0, NS,
        "mean time a spinning core takes to come for work (exponential; simulated)"),
    SIM_U64(spawn_ns, 0, NS,
        "cost of a spawn to the spawner, paid before the child is queued (simulated)"),
    SIM_U64(msg_ns, 0, NS, "cost of a send to the sender (simulated)"),
    SIM_U64(msg_remote_ns, 0, NS,
        "extra cost of a send to a process that last ran on another core (simulated)"),
    SIM_U64(dispatch_ns, 0, NS,
        "cost to a core of each process it starts (the switch; before the pick when its "
        "process just left; simulated)"),
    SIM_U64(steal_probe_ns, 0, NS,
            "cost per steal attempt on top of core-to-core latency (simulated)"),
    SIM_U64(steal_hit_ns, 0, NS,
        "a steal's barrier: extra cost to a thief that saw work, before it takes (simulated)"),
    SIM_U64(steal_victim_ns, 0, NS,
        "... and to the victim's running process, which the barrier interrupts (simulated)"),
    SIM_U64(noise_gap_ns, 0, NS,
        "host noise: mean busy time between a core's detours (exponential; 0 = none; "
        "simulated)"),
    SIM_U64(noise_ns, 0, NS, "... and a detour's mean length (exponential; simulated)"),
    SIM_U64(noise_shared_gap_ns, 0, NS,
        "host noise on every core at once (the whole guest descheduled): mean time between "
        "such detours (exponential; 0 = none; simulated)"),
    SIM_U64(noise_shared_ns, 0, NS, "... and their mean length (exponential; simulated)"),
    U64(sample_interval_ns, 0, NS,
        "timeseries interval to start from (0 = 1 us); doubled as the run grows, so that at "
        "most 128 intervals cover it"),
    SIM_U64(max_events, 1, NS, "a replay stops with an error after this many events (simulated)"),
    U64(zero_overheads, 0, 1, "1: all costs and latencies zero"),
    U64(no_preempt, 0, 1, "1: run phases run to completion"),
    SIM_U64(cost_capacity, 0, 1,
        "1: spawn, send and dispatch costs run at the core's capacity, like work (CPU work a "
        "slower core does slower; 0: fixed ns on every core; simulated)"),
    U64(runtime_known, 0, 1,
        "1: the scheduler knows each process's run time from its trace (0: not, as natively "
        "for computed workloads)"),
};

#define NDESCS (sizeof(descs) / sizeof(descs[0]))

/* Policy presets: what selecting a policy sets. */
static void apply_policy(struct ws_params *p, enum ws_mig_policy pol)
{
    p->migration_policy = (uint32_t)pol;
    p->numa_cost_scale = 1.0;
    switch (pol) {
    case WS_MIG_CONSERVATIVE:
        p->migration_factor = 2.0, p->core_migrations_per_s = 1000;
        p->system_migrations_per_s = 0, p->burst_max = 1;
        break;
    case WS_MIG_AGGRESSIVE:
        p->migration_factor = 0.5, p->core_migrations_per_s = 0;
        p->system_migrations_per_s = 0, p->burst_max = 0;
        break;
    case WS_MIG_ADAPTIVE:
        p->migration_factor = 1.0, p->core_migrations_per_s = 100000;
        p->system_migrations_per_s = 0, p->burst_max = 32;
        break;
    case WS_MIG_NUMA:
        p->migration_factor = 1.0, p->core_migrations_per_s = 100000;
        p->system_migrations_per_s = 0, p->burst_max = 32, p->numa_cost_scale = 4.0;
        break;
    case WS_MIG_OFF:
        p->migration_factor = 0.0, p->core_migrations_per_s = 0;
        p->system_migrations_per_s = 0, p->burst_max = 0;
        break;
    }
}

void ws_params_defaults(struct ws_params *p)
{
    memset(p, 0, sizeof(*p));
    p->min_steal_queue = 2;
    p->imbalance_threshold = 2;
    p->steal_cooldown_ns = 4000;    /* 10,000 cycles at 2.5 GHz */
    p->steal_retries = 3;
    p->steal_amount = WS_STEAL_ONE;
    p->steal_batch_max = 16;
    p->p2c_choices = 2;
    p->load_w_max = 4, p->load_w_high = 3, p->load_w_normal = 2, p->load_w_low = 1;
    p->low_every = 8;
    p->time_slice_ns = 500000;
    p->wake_placement = WS_WAKE_LAST;
    p->pick_order = WS_PICK_LIFO;   /* fork-join depth first; BEAM's queues are fifo */
    p->wake_every = 1;
    p->balance_interval_ns = 0;
    p->max_migrations = 100;
    p->burst_window_ns = 1000000;
    apply_policy(p, WS_MIG_ADAPTIVE);
    p->ctx_switch_ns = 50;          /* 150 cycles at 3 GHz */
    p->refill_l2_ns = 4;
    p->refill_l3_ns = 15;
    p->refill_mem_ns = 67;          /* 200 cycles */
    p->remote_mem_ns = 60;          /* extra per line at SLIT distance 20 (remote 200-500
                                       cycles against ~150-250 local) */
    p->numa_migration_ns = 400;     /* 1200 cycles */
    p->binding = WS_BIND_STATIC;    /* the identity map: one scheduler bound to each core */
    p->bind_order = WS_ORDER_NS;
    p->os_migrate_pct = 25;
    p->spin_ns = 20000;
    p->wake_ns = 5000;
    p->spawn_ns = 100;
    p->msg_ns = 50;
    p->steal_probe_ns = 20;
    p->max_events = WS_PARAMS_MAX_EVENTS_DEFAULT;
    p->runtime_known = 1;
}

size_t ws_params_count(void)
{
    return NDESCS;
}

const struct ws_param_desc *ws_params_desc(size_t i)
{
    return i < NDESCS ? &descs[i] : NULL;
}

const struct ws_param_desc *ws_params_find(const char *name)
{
    for (size_t i = 0; i < NDESCS; i++)
        if (strcmp(descs[i].name, name) == 0)
            return &descs[i];
    return NULL;
}

/* Decimal digits with an optional k/M/G suffix: 0 and the value, 1 for digits whose value does
 * not fit 64 bits (a number, out of every range), -1 for anything else. */
static int parse_u64(const char *s, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    int overflow = errno == ERANGE;
    uint64_t mul = 1;
    if (*end == 'k')
        mul = 1000, end++;
    else if (*end == 'M')
        mul = 1000000, end++;
    else if (*end == 'G')
        mul = 1000000000, end++;
    if (*end != '\0')
        return -1;
    if (overflow || v > UINT64_MAX / mul)
        return 1;
    *out = (uint64_t)v * mul;
    return 0;
}

/* One bound as text: 2^53 by name, others as written in the table. */
static void bound_text(const struct ws_param_desc *d, double v, char *buf, size_t len)
{
    if (v == (double)WS_TIME_INPUT_MAX)
        snprintf(buf, len, "%s", WS_TIME_INPUT_MAX_TEXT);
    else if (d->type == WS_PARAM_U64)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%g", v);
}

char *ws_params_range_text(const struct ws_param_desc *d, char *buf, size_t len)
{
    char lo[32], hi[32];
    if (d->type == WS_PARAM_ENUM) {
        size_t n = 0;
        buf[0] = '\0';
        for (uint32_t i = 0; d->choices[i] != NULL && n < len; i++)
            n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "|" : "", d->choices[i]);
        return buf;
    }
    bound_text(d, d->lo, lo, sizeof lo);
    bound_text(d, d->hi, hi, sizeof hi);
    snprintf(buf, len, "%s..%s", lo, hi);
    return buf;
}

static ws_status out_of_range(const struct ws_param_desc *d, const char *value, char *err,
                              size_t errlen)
{
    char r[64];
    ws_params_range_text(d, r, sizeof r);
    size_t n = strlen(d->name);
    bool ns = n > 3 && strcmp(d->name + n - 3, "_ns") == 0;
    snprintf(err, errlen, "parameter %s: %s is outside %s%s", d->name, value, r,
             d->hi != (double)WS_TIME_INPUT_MAX ? ""
             : ns ? " (2^53 = 9007199254740992 ns, about 104 days: the largest time)"
                  : " (2^53 = 9007199254740992)");
    return WS_EINVAL;
}

static ws_status set_u64(const struct ws_param_desc *d, char *field, const char *value,
                         char *err, size_t errlen)
{
    uint64_t v = 0;
    int st = parse_u64(value, &v);
    if (st < 0) {
        snprintf(err, errlen, "parameter %s wants a whole number >= 0, not '%s'", d->name, value);
        return WS_EINVAL;
    }
    if (st > 0 || v < (uint64_t)d->lo || v > (uint64_t)d->hi)   /* (bounds are exact) */
        return out_of_range(d, value, err, errlen);
    memcpy(field, &v, sizeof(v));
    return WS_OK;
}

static ws_status set_f64(const struct ws_param_desc *d, char *field, const char *value,
                         char *err, size_t errlen)
{
    char *end;
    errno = 0;
    double v = strtod(value, &end);
    if (end == value || *end != '\0' || !isfinite(v)) {
        snprintf(err, errlen, "parameter %s wants a number >= 0, not '%s'", d->name, value);
        return WS_EINVAL;
    }
    if (errno == ERANGE || v < d->lo || v > d->hi)
        return out_of_range(d, value, err, errlen);
    memcpy(field, &v, sizeof(v));
    return WS_OK;
}

ws_status ws_params_set(struct ws_params *p, const char *name, const char *value, char *err,
                        size_t errlen)
{
    const struct ws_param_desc *d = ws_params_find(name);
    if (d == NULL) {
        snprintf(err, errlen, "unknown parameter '%s'", name);
        return WS_EINVAL;
    }
    char *field = (char *)p + d->offset;
    if (d->type == WS_PARAM_U64)
        return set_u64(d, field, value, err, errlen);
    if (d->type == WS_PARAM_F64)
        return set_f64(d, field, value, err, errlen);
    for (uint32_t i = 0; d->choices[i] != NULL; i++) {
        if (strcmp(d->choices[i], value) == 0) {
            if (d->offset == offsetof(struct ws_params, migration_policy))
                apply_policy(p, (enum ws_mig_policy)i);
            memcpy(field, &i, sizeof(i));
            return WS_OK;
        }
    }
    int n = snprintf(err, errlen, "parameter %s wants one of", name);
    for (uint32_t i = 0; d->choices[i] != NULL && n > 0 && (size_t)n < errlen; i++)
        n += snprintf(err + n, errlen - (size_t)n, " %s", d->choices[i]);
    if (n > 0 && (size_t)n < errlen)
        snprintf(err + n, errlen - (size_t)n, ", not '%s'", value);
    return WS_EINVAL;
}

char *ws_params_format(const struct ws_params *p, size_t i, char *buf, size_t len)
{
    const struct ws_param_desc *d = &descs[i];
    const char *field = (const char *)p + d->offset;
    if (d->type == WS_PARAM_U64) {
        uint64_t v;
        memcpy(&v, field, sizeof(v));
        snprintf(buf, len, "%llu", (unsigned long long)v);
    } else if (d->type == WS_PARAM_F64) {
        double v;
        memcpy(&v, field, sizeof(v));
        snprintf(buf, len, "%g", v);
    } else {
        uint32_t v;
        memcpy(&v, field, sizeof(v));
        snprintf(buf, len, "%s", d->choices[v]);
    }
    return buf;
}

bool ws_params_changed(const struct ws_params *p, size_t i)
{
    struct ws_params def;
    char a[64], b[64];
    ws_params_defaults(&def);
    ws_params_format(p, i, a, sizeof a);
    ws_params_format(&def, i, b, sizeof b);
    return strcmp(a, b) != 0;
}

void ws_params_apply_zero_overheads(struct ws_params *p)
{
    if (!p->zero_overheads)
        return;
    p->ctx_switch_ns = p->refill_l2_ns = p->refill_l3_ns = p->refill_mem_ns = 0;
    p->remote_mem_ns = p->numa_migration_ns = 0;
    p->wake_ns = p->spawn_ns = p->msg_ns = p->msg_remote_ns = p->steal_probe_ns = 0;
    p->spin_wake_ns = 0;
    p->dispatch_ns = 0;
    p->steal_hit_ns = p->steal_victim_ns = 0;
    p->noise_gap_ns = p->noise_ns = p->noise_shared_gap_ns = p->noise_shared_ns = 0;
    /* The pure model of scheduling theory has no migration limits either. */
    p->core_migrations_per_s = p->system_migrations_per_s = p->burst_max = 0;
    p->max_migrations = UINT64_MAX;
}
