/* ws_sched_steal.c: an idle core's steal round and its last look before sleeping: the stealing
 * rules, the conditional steal that enforces affinity, limits and cost, and the accounting of
 * every attempt by reason (design essay in ws_sched.h). */
#include "core/ws_atomic.h"
#include "core/ws_migrate.h"
#include "core/ws_sched_int.h"
#include "core/ws_time.h"
#include "core/ws_victim.h"

struct steal_ctx {
    struct ws_sched *s;
    uint32_t thief, victim;
    uint64_t now;
    enum ws_steal_result why;   /* reason of the first refusal */
};

/* The conditional-steal predicate: runs on the thief, before the CAS commits. */
static bool accept_proc(const struct ws_proc *p, void *arg)
{
    struct steal_ctx *c = arg;
    enum ws_steal_result r = WS_STEAL_OK;
    if (!ws_proc_allowed(p, c->thief))
        r = WS_STEAL_AFFINITY;
    else
        r = ws_migrate_check(c->s, p, c->victim, c->thief, c->now);
    if (r != WS_STEAL_OK && c->why == WS_STEAL_EMPTY)
        c->why = r;
    return r == WS_STEAL_OK;
}

static bool accept_item(const void *item, void *arg)
{
    return accept_proc(item, arg);
}

static bool in_cooldown(const struct ws_sched *s, const struct ws_core *k, uint32_t v,
                        uint64_t now)
{
    if (s->p.steal_cooldown_ns == 0)
        return false;
    for (int i = 0; i < WS_RECENT_VICTIMS; i++)
        if (k->recent[i].victim == v && k->recent[i].t != 0 &&
            now - k->recent[i].t < s->p.steal_cooldown_ns)
            return true;
    return false;
}

/* Probe v's queues from max to low, then its inbox; *got on success. */
static enum ws_steal_result probe(struct steal_ctx *c, struct ws_proc **got)
{
    struct ws_core *vk = &c->s->cores[c->victim];
    for (int q = 0; q < WS_PRIO_COUNT; q++) {
        void *x;
        if (!ws_sched_queue_used(c->s, q))
            continue;   /* no process ever went there: empty */
        ws_status st = ws_deque_steal_if(&vk->q[q], &x, accept_item, c);
        if (st == WS_OK) {
            *got = x;
            return WS_STEAL_OK;
        }
        if (st == WS_ABORT)
            return WS_STEAL_LOST_RACE;
    }
    struct ws_proc *p = ws_sched_inbox_take(vk, accept_proc, c);
    if (p != NULL) {
        c->s->cores[c->thief].stats.inbox_steals++;
        *got = p;
        return WS_STEAL_OK;
    }
    return c->why;
}

/* A steal that took a process costs more than its probe: natively, the membarrier of a steal
 * from an asymmetric deque (core/ws_deque.c (E)), which the thief waits for (longer while the
 * victim's CPU is not running: barrier_wait) and which interrupts the victim's running thread. */
static void charge_hit(struct ws_sched *s, uint32_t thief, uint32_t victim)
{
    if (s->p.zero_overheads)
        return;
    if (s->p.steal_hit_ns != 0) {
        uint64_t wait = s->plat->barrier_wait != NULL
                        ? s->plat->barrier_wait(s->ctx, thief, victim) : 0;
        s->plat->charge(s->ctx, thief, ws_time_add(s->p.steal_hit_ns, wait),
                        WS_CHARGE_STEAL_PROBE);
    }
    if (s->p.steal_victim_ns != 0)
        s->plat->charge(s->ctx, victim, s->p.steal_victim_ns, WS_CHARGE_STEAL_VICTIM);
}

/* A half-steal takes more of the same victim's oldest processes into the thief's deques. */
static void steal_more(struct steal_ctx *c, int64_t extra)
{
    struct ws_sched *s = c->s;
    struct ws_core *tk = &s->cores[c->thief];
    for (int64_t i = 0; i < extra; i++) {
        struct ws_proc *p = NULL;
        if (probe(c, &p) != WS_STEAL_OK)
            return;
        charge_hit(s, c->thief, c->victim);   /* each item its own steal */
        ws_migrate_commit(s, p, c->victim, c->thief, c->now);
        p->cur_core = (int32_t)c->thief;
        ws_fetch_add_relaxed(&s->cores[c->victim].stats.steals_out, 1);
        tk->stats.steal_items++;
        tk->stats.steal_result[WS_STEAL_OK]++;   /* a batch is a run of single steals */
        if (ws_sched_core_ready(s, c->thief) != WS_OK ||
            ws_deque_push(&tk->q[ws_sched_queue_of(s, p)], p) != WS_OK)
            ws_sched_inbox_put(&tk->inbox, p);   /* out of memory: keep it, never lose it */
        ws_sched_note_work(s, c->thief);
        ws_sched_note_spare(s, c->thief);
    }
}

/* Take one of v's processes (the conditional steal) and settle the steal: thief's counters
 * and cooldowns, v's spare bit, a sleeper pulled in. waiting: v's waiting processes before,
 * which size a half-steal. hit_paid: the barrier's costs were charged already (a pending
 * steal completing). */
static enum ws_steal_result take_from(struct ws_sched *s, uint32_t thief, uint32_t v,
                                      uint64_t now, uint64_t waiting, bool hit_paid,
                                      struct ws_proc **got)
{
    struct ws_core *k = &s->cores[thief];
    struct steal_ctx c = { s, thief, v, now, WS_STEAL_EMPTY };
    enum ws_steal_result r = probe(&c, got);
    if (r == WS_STEAL_COST)
        k->round_cost_denied = true;
    if (r != WS_STEAL_OK)
        return r;
    if (!hit_paid)
        charge_hit(s, thief, v);
    k->cost_idle_rounds = 0;
    ws_migrate_commit(s, *got, v, thief, now);
    (*got)->cur_core = (int32_t)thief;
    ws_fetch_add_relaxed(&s->cores[v].stats.steals_out, 1);
    k->stats.steal_items++;
    k->last_victim = v;
    k->recent[k->recent_next].victim = v;
    k->recent[k->recent_next].t = now ? now : 1;
    k->recent_next = (k->recent_next + 1) % WS_RECENT_VICTIMS;
    if (s->p.steal_amount == WS_STEAL_HALF) {
        int64_t extra = (int64_t)((waiting + 1) / 2) - 1;
        if (extra > (int64_t)s->p.steal_batch_max - 1)
            extra = (int64_t)s->p.steal_batch_max - 1;
        steal_more(&c, extra);
    }
    ws_sched_settle_spare(s, v);   /* the steal may have left v too little to spare */
    /* Settled. Pull in the next sleeper if the victim still has work to spare, or if this was
     * the last searcher: pushes made while searchers were out woke nobody, and that work must
     * not wait beside sleeping cores (a spurious wake costs one empty search, nothing more). */
    bool was_searching = ws_load_relaxed(&k->searching) != 0;
    ws_sched_search_end(s, thief);
    if (ws_sched_waiting(s, v) >= ws_sched_wake_mark(s) ||
        (was_searching && ws_load_seq_cst(&s->nsearching) == 0))
        ws_sched_wake_one_sleeper(s, thief, v);
    return WS_STEAL_OK;
}

/* Whether a steal from v waits for its barrier (ws_sched_set_steal_barrier). */
static bool barrier_first(const struct ws_sched *s)
{
    return s->steal_barrier && !s->p.zero_overheads &&
           (s->p.steal_hit_ns != 0 || s->p.steal_victim_ns != 0);
}

/* A pending steal remembers where it saw work: the first of v's queues a probe would take
 * from, and that queue's top. Natively the thief reads top before its barrier and its CAS
 * needs top unchanged after it, so a victim that emptied that queue meanwhile (its take of a
 * last item moves top), even if it has pushed again since, makes the steal lose its race. */
static void mark_top(const struct ws_sched *s, struct ws_core *k, uint32_t v)
{
    const struct ws_core *vk = &s->cores[v];
    k->pending_q = WS_PRIO_COUNT;
    for (int q = 0; q < WS_PRIO_COUNT; q++)
        if (ws_sched_queue_used(s, q) && ws_deque_size(&vk->q[q]) != 0) {
            k->pending_q = (uint8_t)q;
            k->pending_top = (uint32_t)ws_deque_top(&vk->q[q]);
            return;
        }
}

/* Apply the rules to victim v and try it. round: the steal round, where the cooldown holds
 * (the last look ignores it). With the barrier in time the try leaves the steal pending
 * (k->pending) where v is worth a steal: the result is then WS_STEAL_EMPTY, and the round or
 * the last look stops there without counting it. Natively the last look's steal pays the
 * same membarrier as the round's (the deque's, core/ws_deque.c (E)), and may lose its race
 * in it alike. */
static enum ws_steal_result try_victim(struct ws_sched *s, uint32_t thief, uint32_t v,
                                       bool round, struct ws_proc **got)
{
    struct ws_core *k = &s->cores[thief];
    uint64_t now = s->plat->now_ns(s->ctx, thief);
    if (round && in_cooldown(s, k, v, now))
        return WS_STEAL_COOLDOWN;
    /* Looking at the victim's queues costs the core-to-core latency, found empty or not. */
    if (!s->p.zero_overheads)
        s->plat->charge(s->ctx, thief,
                        ws_time_add(ws_topo_latency_ns(s->topo, thief, v), s->p.steal_probe_ns),
                        WS_CHARGE_STEAL_PROBE);
    /* A clear work bit means nothing waits on v (only v's owner clears it, after finding its
     * queues empty and before looking again): the attempt is empty without touching v's
     * inbox and deque lines, most attempts' cache misses on a large, mostly idle machine. */
    if (!ws_sched_has_work_bit(s, v))
        return WS_STEAL_EMPTY;
    uint64_t waiting = ws_sched_waiting(s, v);
    if (waiting == 0)
        return WS_STEAL_EMPTY;
    if (waiting < s->p.min_steal_queue ||
        ws_sched_load(s, v) <= ws_sched_load(s, thief) + s->p.imbalance_threshold)
        return WS_STEAL_THRESHOLD;
    if (barrier_first(s)) {
        charge_hit(s, thief, v);
        k->pending = v + 1;
        k->pending_at = now;
        k->pending_look = !round;
        mark_top(s, k, v);
        return WS_STEAL_EMPTY;
    }
    return take_from(s, thief, v, now, waiting, false, got);
}

/* The pending steal of thief, after its barrier: whatever v still holds, unless the queue it
 * saw work in moved its top meanwhile (mark_top): a lost race. The steal is dated when the
 * thief looked, as natively (its clock is read before the steal's membarrier): the cooldown
 * from v and the migration windows count from there. */
static enum ws_steal_result finish_pending(struct ws_sched *s, uint32_t thief,
                                           struct ws_proc **got)
{
    struct ws_core *k = &s->cores[thief];
    uint32_t v = k->pending - 1;
    k->pending = 0;
    if (k->pending_q < WS_PRIO_COUNT &&
        (uint32_t)ws_deque_top(&s->cores[v].q[k->pending_q]) != k->pending_top)
        return WS_STEAL_LOST_RACE;
    if (!ws_sched_has_work_bit(s, v))
        return WS_STEAL_EMPTY;
    uint64_t waiting = ws_sched_waiting(s, v);
    if (waiting == 0)
        return WS_STEAL_EMPTY;
    return take_from(s, thief, v, k->pending_at, waiting, true, got);
}

/* The thief's own and the machine-wide migration limits are reached: no victim can help, so
 * the round ends at once, counted as one rate-limited attempt and one migration the policy
 * considered and refused. */
static bool limited(struct ws_sched *s, struct ws_core *k, uint32_t thief)
{
    if (!ws_migrate_limited(s, thief, s->plat->now_ns(s->ctx, thief)))
        return false;
    k->stats.steal_result[WS_STEAL_RATE_LIMIT]++;
    ws_fetch_add_relaxed(&k->stats.mig_considered, 1);
    return true;
}

struct ws_proc *ws_sched_steal(struct ws_sched *s, uint32_t thief)
{
    struct ws_core *k = &s->cores[thief];
    uint32_t first = 0;
    if (k->pending != 0 && k->pending_look)
        return ws_sched_last_look(s, thief);   /* the last look's: it goes on there */
    if (k->pending != 0) {   /* its barrier is over: the steal completes, the round goes on */
        first = k->pending_next;
        if (k->ntried < WS_RECENT_VICTIMS)
            k->tried[k->ntried++] = k->pending - 1;
        struct ws_proc *p = NULL;
        enum ws_steal_result r = finish_pending(s, thief, &p);
        k->stats.steal_result[r]++;
        if (r == WS_STEAL_OK)
            return p;
    } else {
        k->ntried = 0;
        k->round_cost_denied = false;
    }
    if (limited(s, k, thief))
        return NULL;
    for (uint32_t a = first; a < s->p.steal_retries; a++) {
        uint32_t v = s->victim->select(s, thief, a);
        if (v == WS_CORE_NONE || v >= s->ncores || v == thief)
            break;
        if (k->ntried < WS_RECENT_VICTIMS)
            k->tried[k->ntried++] = v;
        struct ws_proc *p = NULL;
        enum ws_steal_result r = try_victim(s, thief, v, true, &p);
        if (k->pending != 0) {
            k->pending_next = a + 1;
            return NULL;   /* counted when it completes */
        }
        k->stats.steal_result[r]++;
        if (r == WS_STEAL_OK)
            return p;
    }
    return NULL;
}

void ws_sched_set_steal_barrier(struct ws_sched *s, bool on)
{
    s->steal_barrier = on;
}

bool ws_sched_steal_pending(const struct ws_sched *s, uint32_t thief)
{
    return s->cores[thief].pending != 0;
}

bool ws_sched_look_pending(const struct ws_sched *s, uint32_t thief)
{
    return s->cores[thief].pending != 0 && s->cores[thief].pending_look;
}

/* Whether the last look should try v: it may have work (its bit) and enough of it to meet
 * min_steal_queue. Cores failing this are skipped without counting an attempt. */
static bool worth_a_look(const struct ws_sched *s, uint32_t v)
{
    uint64_t need = s->p.min_steal_queue ? s->p.min_steal_queue : 1;
    return ws_sched_waiting(s, v) >= need;
}

/* What one victim of the last look gave: go on, work, stop (the limits are reached), or a
 * steal pending behind its barrier. */
enum look { LOOK_ON, LOOK_GOT, LOOK_STOP, LOOK_PENDING };

/* The last look's tries of cores [lo, hi) in id order that may have work to spare, those of
 * the thief's cluster (pass 0) or the others (pass 1). A pending steal remembers the pass. */
static enum look look_range(struct ws_sched *s, uint32_t thief, int pass, uint32_t lo,
                            uint32_t hi, struct ws_proc **p)
{
    struct ws_core *k = &s->cores[thief];
    uint32_t my_cluster = s->topo->cores[thief].cluster;
    for (uint32_t v = ws_sched_look_next(s, lo); v < hi; v = ws_sched_look_next(s, v + 1)) {
        if ((s->topo->cores[v].cluster == my_cluster) != (pass == 0) || !worth_a_look(s, v))
            continue;
        enum ws_steal_result r = try_victim(s, thief, v, false, p);
        if (k->pending != 0) {
            k->look_pass = (uint8_t)pass;
            return LOOK_PENDING;   /* counted when it completes */
        }
        k->stats.steal_result[r]++;
        if (r == WS_STEAL_OK)
            return LOOK_GOT;
        if (r == WS_STEAL_RATE_LIMIT && limited(s, k, thief))
            return LOOK_STOP;
    }
    return LOOK_ON;
}

/* Before sleeping: every other core that may have work to spare, nearest first (the thief's
 * cluster, then the others), each pass from the ids above the thief's upwards, wrapping
 * around, under the same rules except the cooldown: a cooldown spreads steals over victims,
 * it must not leave a core asleep beside work it may take. The work bits narrowed to the
 * spare bits (ws_sched_look_next) make the scan cost nothing when the machine is idle and
 * skip the many busy cores that hold fewer than min_steal_queue waiting processes, word by
 * word through the spare summary; the cores found and their order are those of the work bits
 * alone, as a spare bit is set for every core that may have enough. A failed try changes no
 * bit, so the bitmaps may be read afresh after each. */
struct ws_proc *ws_sched_last_look(struct ws_sched *s, uint32_t thief)
{
    struct ws_core *k = &s->cores[thief];
    struct ws_proc *p = NULL;
    int pass = 0;
    uint32_t from = thief + 1;   /* the pass's next id: above the thief, then wrapping */
    if (s->p.steal_retries == 0 || (k->pending != 0 && !k->pending_look))
        return NULL;   /* steal_retries 0: no stealing at all, the last look included */
    if (k->pending != 0) {   /* its barrier is over: the steal completes, the look goes on */
        uint32_t v = k->pending - 1;
        enum ws_steal_result r = finish_pending(s, thief, &p);
        k->stats.steal_result[r]++;
        if (r == WS_STEAL_OK)
            return p;
        if (r == WS_STEAL_RATE_LIMIT && limited(s, k, thief))
            return NULL;
        pass = k->look_pass;
        from = v + 1;
    } else if (limited(s, k, thief)) {
        return NULL;
    }
    for (; pass < 2; pass++, from = thief + 1) {    /* pass 0: the thief's cluster */
        enum look l = from > thief ? look_range(s, thief, pass, from, s->ncores, &p) : LOOK_ON;
        if (l == LOOK_ON)
            l = look_range(s, thief, pass, from > thief ? 0 : from, thief, &p);
        if (l != LOOK_ON)
            return l == LOOK_GOT ? p : NULL;
    }
    /* The idle episode ends without work: if cost was what refused it, the adaptive policy
     * grows more willing (ws_migrate.h). */
    if (k->round_cost_denied && k->cost_idle_rounds < 64)
        k->cost_idle_rounds++;
    return NULL;
}

/* Time-bounded refusals: the migration windows into the thief (per core, system, storm guard)
 * while they are full, and under the adaptive policy a cost refusal that the storm guard's
 * weight on the factor may have caused, until its window ends. The cooldown is not one of
 * them: the last look ignores it, so it never leaves a core asleep. */
uint64_t ws_sched_retry_at(struct ws_sched *s, uint32_t thief)
{
    if (s->p.steal_retries == 0)
        return UINT64_MAX;
    uint64_t now = s->plat->now_ns(s->ctx, thief);
    if (ws_migrate_limited(s, thief, now))
        return ws_migrate_limited_until(s, thief, now);
    if (s->cores[thief].round_cost_denied)
        return ws_migrate_burst_until(s, now);
    return UINT64_MAX;
}
