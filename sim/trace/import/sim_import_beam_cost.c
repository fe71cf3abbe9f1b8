/* sim_import_beam_cost.c: the ground truth of an Erlang VM recording, written beside the
 * imported trace (the sidecar's format: sim_import_beam.h): the VM's slices and migrations as
 * recorded, and what `beam validate` calibrates the model with, measured here: the switching
 * between slices, wake-ups, the time slice, the periods a scheduler ran dry and the races for
 * work made ready on another scheduler. */
#include "sim/trace/import/sim_import_beam_int.h"
#include "sim/util/sim_outfile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The VM's cost between slices. A scheduler that puts one process out and the next in spends
 * time in neither slice (picking the next process, switching, the trace port's writes, garbage
 * collection at the switch); the model charges nothing between slices, so this is measured:
 * over consecutive slices a, b of one scheduler where b's process was ready by the time a
 * ended (spawned, sent the message b starts by taking, or put out itself, before a's end), the
 * gap b.start - a.end is pure switching. A process woken by a message from outside the program
 * has no known ready time and is left out. The sum is what `beam validate` spreads over the
 * simulator's spawns and sends (spawn_ns, msg_ns), the events it charges a cost to.
 * Where b's process became ready only after a ended (its scheduler had run dry and slept: the
 * recorder runs the VM with +sbwt none, no spinning), b.start - b.ready is a wake-up: the
 * simulator's wake_ns, taken as the median, since on a shared machine a few of them hold the
 * operating system's preemptions of the VM's threads (milliseconds).
 * A slice whose process's next slice starts without taking a message was put out while it
 * could go on: preempted (BEAM's 4000 reductions) or yielded. The median length of those is
 * the VM's time slice, the simulator's time_slice_ns.
 */
struct bslice {
    uint64_t start, end, ready;
    uint32_t sched;
    bool requeued;              /* its process's next slice starts without taking a message */
};

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int slice_cmp(const void *a, const void *b)
{
    const struct bslice *x = a, *y = b;
    return x->sched != y->sched ? (x->sched < y->sched ? -1 : 1)
           : (x->start > y->start) - (x->start < y->start);
}

/* When the slice starting at p's event k (an `in`) could have started; UINT64_MAX: unknown. */
static uint64_t slice_ready(const struct brec *r, const struct bproc *p, size_t k,
                            uint64_t prev_out, const struct sim_idmap *sent)
{
    const struct bevent *next = k + 1 < p->nev ? &r->ev[p->ev[k + 1]] : NULL;
    uint64_t t = UINT64_MAX;
    if (next != NULL && next->kind == BEV_RECV)
        return next->a != 0 && sim_idmap_get(sent, next->a, &t) ? t : UINT64_MAX;
    return prev_out != UINT64_MAX ? prev_out : p->pid == 1 ? r->ev[p->ev[k]].t : p->spawn_t;
}

/* Every slice of r with its ready time, into *out (n of them). 0 or -1 (out of memory). */
static int slices_of(const struct brec *r, struct bslice **out, size_t *n)
{
    struct sim_idmap sent;
    struct bslice *v = malloc((r->nev / 2 + 1) * sizeof *v);
    if (v == NULL || sim_idmap_init(&sent, 1024) != 0) {
        free(v);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < r->nev; i++)
        if (r->ev[i].kind == BEV_SEND && r->ev[i].a != 0)
            rc = sim_idmap_put(&sent, r->ev[i].b, r->ev[i].t);
    *n = 0;
    for (size_t i = 0; rc == 0 && i < r->np; i++) {
        const struct bproc *p = &r->p[i];
        uint64_t prev_out = UINT64_MAX;
        for (size_t k = 0; k < p->nev; k++) {
            const struct bevent *e = &r->ev[p->ev[k]];
            bool recv = k + 1 < p->nev && r->ev[p->ev[k + 1]].kind == BEV_RECV;
            if (e->kind == BEV_IN && prev_out != UINT64_MAX)
                v[*n - 1].requeued = !recv;
            if (e->kind == BEV_IN)
                v[*n] = (struct bslice){ .start = e->t, .sched = e->sched,
                                         .ready = slice_ready(r, p, k, prev_out, &sent) };
            else if (e->kind == BEV_OUT || e->kind == BEV_EXIT)
                v[(*n)++].end = prev_out = e->t;
        }
    }
    sim_idmap_destroy(&sent);
    if (rc != 0)
        free(v);
    else
        *out = v;
    return rc;
}

/* The VM's costs between slices (see above). */
struct bcost {
    uint64_t gaps, sum, charged;   /* switching gaps, their sum, spawns and traced sends */
    uint64_t wakes, wake_sum;      /* wake-ups and their sum */
    uint64_t wake_median;
    uint64_t quanta, quantum_median;   /* requeued slices (preempted): count, median length */
    uint64_t per_sched[SIM_BEAM_MAX_SCHED];   /* switching time per scheduler (index S - 1) */
    uint64_t idle[SIM_BEAM_MAX_SCHED];        /* gaps whose next process was not ready */
    uint64_t won, won_ns, lost, lost_ns;      /* pickup races (see pickups) */
};

/* Into c, from r's slices v[0..n) sorted by scheduler and start (NULL: none to measure). */
static void switch_cost(const struct brec *r, const struct bslice *v, size_t n, struct bcost *c)
{
    uint64_t *charged = &c->charged;
    for (size_t i = 0; i < r->nev; i++)
        *charged += r->ev[i].kind == BEV_SPAWN || (r->ev[i].kind == BEV_SEND && r->ev[i].a != 0);
    if (v == NULL)
        return;
    uint64_t *wake = malloc((n + 1) * sizeof *wake), *quanta = malloc((n + 1) * sizeof *wake);
    for (size_t i = 0; quanta != NULL && i < n; i++)
        if (v[i].requeued)
            quanta[c->quanta++] = v[i].end - v[i].start;
    if (quanta != NULL && c->quanta > 0) {
        qsort(quanta, c->quanta, sizeof *quanta, u64_cmp);
        c->quantum_median = quanta[c->quanta / 2];
    }
    free(quanta);
    for (size_t i = 1; wake != NULL && i < n; i++) {
        if (v[i].sched != v[i - 1].sched || v[i].ready == UINT64_MAX)
            continue;
        if (v[i].ready == UINT64_MAX || v[i].ready > v[i - 1].end)
            c->idle[v[i].sched - 1]++;
        if (v[i].ready <= v[i - 1].end && v[i].start >= v[i - 1].end) {
            c->gaps++;
            c->sum += v[i].start - v[i - 1].end;
            c->per_sched[v[i].sched - 1] += v[i].start - v[i - 1].end;
        } else if (v[i].ready > v[i - 1].end && v[i].start >= v[i].ready) {
            wake[c->wakes++] = v[i].start - v[i].ready;
            c->wake_sum += v[i].start - v[i].ready;
        }
    }
    if (wake != NULL && c->wakes > 0) {
        qsort(wake, c->wakes, sizeof *wake, u64_cmp);
        c->wake_median = wake[c->wakes / 2];
    }
    free(wake);
}

/*
 * Pickups. A process made ready by a slice on another scheduler (spawned there, or woken by a
 * message sent there) starts after that slice has ended, almost always (the VM's other
 * schedulers are woken from its scheduling loop, between slices: in one recording of each
 * example program on 2 schedulers, 47 of 1,244 such starts came earlier, 45 of them in the
 * server's). Each such process, made ready while another scheduler had no slice in progress,
 * was a race: that scheduler came for it (won: it started there, the time from the making
 * slice's end to its start counted) or the making slice's own scheduler ran it first (lost: the
 * other took longer than that time, which is counted too). How soon an idle scheduler comes,
 * the simulator's spin_wake_ns, is then estimated as an exponential mean with the lost races
 * censored: (won_ns + lost_ns) / won. The won races alone (their median) would read it short,
 * as only the quick ones win. Only races where the other scheduler's own last slice had ended
 * at most PICKUP_AWAKE_NS before count, and a lost race counts at most that long: a scheduler
 * idle for longer has likely gone to sleep, and sleepers are woken for a backlog instead
 * (wake_ns); the VM's schedulers stayed awake about 38 us per period they ran dry in a ring
 * recording. Starts before the making slice's end are left out.
 */
#define PICKUP_AWAKE_NS 50000
struct maker {
    uint64_t end;
    uint32_t sched;
};

/* The end of scheduler s's last slice before time t in v (sorted by scheduler and start), 0
 * if none. */
static uint64_t prev_end(const struct bslice *v, size_t n, uint32_t s, uint64_t t)
{
    size_t lo = 0, hi = n;   /* the first slice not before (s, t) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].sched < s || (v[mid].sched == s && v[mid].start < t))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && v[lo - 1].sched == s ? v[lo - 1].end : 0;
}

/* Into c, from r and its slices v[0..nv) sorted by scheduler and start (NULL: none). */
static void pickups(const struct brec *r, const struct bslice *v, size_t nv, struct bcost *c)
{
    struct sim_idmap made;   /* message id (or child pid + 2^63) -> index in m */
    struct maker *m = v != NULL ? malloc((r->nev + 1) * sizeof *m) : NULL;
    size_t nm = 0;
    if (m == NULL || sim_idmap_init(&made, 1024) != 0) {
        free(m);
        return;
    }
    const uint64_t child = UINT64_C(1) << 63;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < r->np; i++) {   /* what each slice made ready */
        const struct bproc *p = &r->p[i];
        size_t first = nm;
        for (size_t k = 0; rc == 0 && k < p->nev; k++) {
            const struct bevent *e = &r->ev[p->ev[k]];
            if (e->kind == BEV_SPAWN || (e->kind == BEV_SEND && e->a != 0)) {
                m[nm] = (struct maker){ UINT64_MAX, e->sched };
                rc = sim_idmap_put(&made, e->kind == BEV_SPAWN ? e->a | child : e->b, nm++);
            } else if (e->kind == BEV_OUT || e->kind == BEV_EXIT) {
                for (; first < nm; first++)
                    m[first].end = e->t;
            }
        }
    }
    for (size_t i = 0; rc == 0 && i < r->np; i++) {   /* who started on another scheduler */
        const struct bproc *p = &r->p[i];
        for (size_t k = 0; k < p->nev; k++) {
            const struct bevent *e = &r->ev[p->ev[k]];
            if (e->kind != BEV_IN)
                continue;
            const struct bevent *next = k + 1 < p->nev ? &r->ev[p->ev[k + 1]] : NULL;
            uint64_t key = UINT64_MAX, j;
            if (k == 0 && p->pid != 1)
                key = p->pid | child;
            else if (next != NULL && next->kind == BEV_RECV && next->a != 0)
                key = next->a;
            if (key == UINT64_MAX || !sim_idmap_get(&made, key, &j) ||
                m[j].end == UINT64_MAX || e->t < m[j].end)
                continue;
            uint64_t end = m[j].end, pe;
            if (m[j].sched != e->sched) {
                pe = prev_end(v, nv, e->sched, e->t);
                if (pe <= end && end - pe <= PICKUP_AWAKE_NS) {
                    c->won++;
                    c->won_ns += e->t - end;
                }
                continue;
            }
            for (uint32_t s = 1; s <= r->schedulers; s++)   /* another idle at the end? */
                if (s != e->sched && (pe = prev_end(v, nv, s, end + 1)) <= end &&
                    end - pe <= PICKUP_AWAKE_NS) {
                    c->lost++;
                    c->lost_ns += e->t - end < PICKUP_AWAKE_NS ? e->t - end : PICKUP_AWAKE_NS;
                    break;
                }
        }
    }
    sim_idmap_destroy(&made);
    free(m);
}

/* Write the sidecar records of r to f (see sim_import_beam.h); the number of lines written. */
static uint64_t truth_lines(FILE *f, const struct brec *r)
{
    uint64_t n = 0, makespan = 0;
    for (size_t i = 0; i < r->np; i++)
        if (r->p[i].exit_t > makespan)
            makespan = r->p[i].exit_t;
    n += (uint64_t)fprintf(f, "schedlab-beam-truth 1\nschedulers %" PRIu32 "\nwall_ns %" PRIu64
                           "\nmakespan_ns %" PRIu64 "\n", r->schedulers, r->wall_ns,
                           makespan) > 0 ? 4 : 0;
    for (uint32_t s = 0; s < r->schedulers; s++, n++)
        fprintf(f, "util %" PRIu32 " %" PRIu64 " %" PRIu64 "\n", s + 1, r->util[s][0],
                r->util[s][1]);
    struct bcost *c = calloc(1, sizeof *c);
    struct bslice *v = NULL;
    size_t nv = 0;
    if (c != NULL) {
        if (slices_of(r, &v, &nv) == 0)   /* the slices, by scheduler and start, for both */
            qsort(v, nv, sizeof *v, slice_cmp);
        else
            v = NULL;
        switch_cost(r, v, nv, c);
        pickups(r, v, nv, c);
        fprintf(f, "switch %" PRIu64 " %" PRIu64 " %" PRIu64 "\nwake %" PRIu64 " %" PRIu64 " %"
                PRIu64 "\nquantum %" PRIu64 " %" PRIu64 "\npickup %" PRIu64 " %" PRIu64 " %"
                PRIu64 " %" PRIu64 "\n", c->gaps, c->sum, c->charged, c->wakes, c->wake_sum,
                c->wake_median, c->quanta, c->quantum_median, c->won, c->won_ns, c->lost,
                c->lost_ns);
        n++;
        for (uint32_t s = 0; s < r->schedulers; s++, n++)
            fprintf(f, "idle %" PRIu32 " %" PRIu64 "\n", s + 1, c->idle[s]);
        for (uint32_t s = 0; s < r->schedulers; s++)
            fprintf(f, "switched %" PRIu32 " %" PRIu64 "\nrunqueue %" PRIu32 " %" PRIu64 " %"
                    PRIu64 "\n", s + 1, c->per_sched[s], s + 1, r->rq_n, r->rq_sum[s]);
        n += 3 + 2 * (uint64_t)r->schedulers;
        for (uint32_t s = 0; r->msacc != NULL && s < r->schedulers; s++, n++) {
            fprintf(f, "msacc %" PRIu32, s + 1);
            for (int k = 0; k < SIM_BEAM_MSACC_STATES; k++)
                fprintf(f, " %" PRIu64, r->msacc[s][k]);
            fputc('\n', f);
        }
    }
    free(v);
    free(c);
    for (size_t i = 0; i < r->np; i++, n++) {
        const struct bproc *p = &r->p[i];
        fprintf(f, "proc %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", p->pid, p->spawn_t,
                p->first_in == UINT64_MAX ? p->exit_t : p->first_in, p->exit_t);
        uint32_t last = 0;
        uint64_t start = 0;
        for (size_t k = 0; k < p->nev; k++) {
            const struct bevent *e = &r->ev[p->ev[k]];
            if (e->kind == BEV_IN) {
                if (last != 0 && last != e->sched && ++n)
                    fprintf(f, "migration %" PRIu64 " %" PRIu64 " %" PRIu32 " %" PRIu32 "\n",
                            p->pid, e->t, last, e->sched);
                last = e->sched;
                start = e->t;
            } else if ((e->kind == BEV_OUT || e->kind == BEV_EXIT) && last != 0 && ++n) {
                fprintf(f, "slice %" PRIu64 " %" PRIu32 " %" PRIu64 " %" PRIu64 "\n", p->pid,
                        last, start, e->t);
            }
        }
    }
    return n;
}

int sim_beam_truth_write(const char *recording, const char *out, char *err, size_t errlen)
{
    struct imp_builder b;
    if (imp_init(&b, SIM_IMPORT_BEAM, recording, err, errlen) != 0)
        return -1;
    struct brec *r = malloc(sizeof *r);
    int rc = r == NULL ? imp_fail(&b, 0, "out of memory") : sim_beam_rec_load(&b, r);
    imp_free(&b);
    if (rc == 0) {
        struct sim_outfile o;
        if (sim_outfile_open(&o, out) != 0) {
            snprintf(err, errlen, "%s: cannot create: %s", out, strerror(errno));
            rc = -1;
        } else {
            uint64_t n = truth_lines(o.f, r);
            fprintf(o.f, "end %" PRIu64 "\n", n);
            if (sim_outfile_close(&o, true) != 0) {
                snprintf(err, errlen, "%s: write error: %s", out, strerror(errno));
                rc = -1;
            }
        }
    }
    if (r != NULL)
        sim_beam_rec_free(r);
    free(r);
    return rc;
}
