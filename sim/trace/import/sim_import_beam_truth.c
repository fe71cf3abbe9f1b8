/* sim_import_beam_truth.c: reading back the ground-truth sidecar of an imported Erlang VM
 * recording (format in sim_import_beam.h) into the metrics `beam validate` compares. */
#include "sim/trace/import/sim_import_beam.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct times {
    uint64_t *v;
    size_t n, cap;
};

static int times_push(struct times *t, uint64_t x)
{
    if (t->n == t->cap) {
        size_t c = t->cap ? t->cap * 2 : 256;
        uint64_t *v = realloc(t->v, c * sizeof *v);
        if (v == NULL)
            return -1;
        t->v = v;
        t->cap = c;
    }
    t->v[t->n++] = x;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The nearest-rank q-quantile of sorted v[0..n) (0 when n is 0). */
static uint64_t quantile(const uint64_t *v, size_t n, double q)
{
    if (n == 0)
        return 0;
    size_t k = (size_t)(q * (double)n + 0.999999);
    return v[k == 0 ? 0 : (k > n ? n : k) - 1];
}

/* "msacc S E P A C G O Z" (after its key) into t; 0, or -1. */
static int msacc_record(struct sim_beam_truth *t, const char *s)
{
    uint64_t v[1 + SIM_BEAM_MSACC_STATES];
    for (int i = 0; i <= SIM_BEAM_MSACC_STATES; i++) {
        char *end;
        errno = 0;
        if (*s < '0' || *s > '9' || ((v[i] = strtoull(s, &end, 10)), errno != 0) ||
            (*end != ' ' && *end != '\0') || (i == SIM_BEAM_MSACC_STATES) != (*end == '\0'))
            return -1;
        s = *end == ' ' ? end + 1 : end;
    }
    if (v[0] == 0 || v[0] > t->schedulers)
        return -1;
    memcpy(t->msacc_ns[v[0] - 1], v + 1, sizeof t->msacc_ns[0]);
    t->has_msacc = true;
    return 0;
}

/* One record of the sidecar into t (its fields parsed from s); 0, or -1 naming the record. */
static int truth_record(struct sim_beam_truth *t, const char *s, struct times *wait,
                        struct times *resp, bool *end)
{
    uint64_t a, b, c, d;
    char extra;
    if (sscanf(s, "schedulers %" SCNu64 " %c", &a, &extra) == 1 && a >= 1
        && a <= SIM_BEAM_MAX_SCHED)
        t->schedulers = (uint32_t)a;
    else if (sscanf(s, "wall_ns %" SCNu64 " %c", &t->wall_ns, &extra) == 1
             || sscanf(s, "makespan_ns %" SCNu64 " %c", &t->makespan_ns, &extra) == 1)
        return 0;
    else if (sscanf(s, "util %" SCNu64 " %" SCNu64 " %" SCNu64 " %c", &a, &b, &c, &extra) == 3
             && a >= 1 && a <= t->schedulers) {
        t->vm_active_ns[a - 1] = b;
        t->vm_total_ns[a - 1] = c;
    } else if (sscanf(s, "proc %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %c", &a, &b, &c,
                      &d, &extra) == 4 && b <= c && c <= d) {
        t->processes++;
        if (times_push(wait, c - b) != 0 || times_push(resp, d - b) != 0)
            return -1;
    } else if (sscanf(s, "slice %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %c", &a, &b, &c,
                      &d, &extra) == 4 && b >= 1 && b <= t->schedulers && c <= d) {
        t->slices++;
        t->busy_ns[b - 1] += d - c;
    } else if (sscanf(s, "migration %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %c", &a, &b,
                      &c, &d, &extra) == 4) {
        t->migrations++;
    } else if (sscanf(s, "switch %" SCNu64 " %" SCNu64 " %" SCNu64 " %c", &t->switch_gaps,
                      &t->switch_ns, &t->charged_events, &extra) == 3) {
        return 0;
    } else if (sscanf(s, "switched %" SCNu64 " %" SCNu64 " %c", &a, &b, &extra) == 2
               && a >= 1 && a <= t->schedulers) {
        t->switched_ns[a - 1] = b;
    } else if (sscanf(s, "runqueue %" SCNu64 " %" SCNu64 " %" SCNu64 " %c", &a, &b, &c,
                      &extra) == 3 && a >= 1 && a <= t->schedulers) {
        t->rq_samples = b;
        t->rq_sum[a - 1] = c;
    } else if (sscanf(s, "pickup %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %c", &t->won,
                      &t->won_ns, &t->lost, &t->lost_ns, &extra) == 4) {
        return 0;
    } else if (sscanf(s, "idle %" SCNu64 " %" SCNu64 " %c", &a, &b, &extra) == 2 && a >= 1 &&
               a <= t->schedulers) {
        t->idle_periods[a - 1] = b;
    } else if (strncmp(s, "msacc ", 6) == 0) {
        return msacc_record(t, s + 6);
    } else if (sscanf(s, "quantum %" SCNu64 " %" SCNu64 " %c", &t->quanta, &t->quantum_ns,
                      &extra) == 2) {
        return 0;
    } else if (sscanf(s, "wake %" SCNu64 " %" SCNu64 " %" SCNu64 " %c", &t->wakes, &t->wake_ns,
                      &t->wake_median_ns, &extra) == 3) {
        return 0;
    } else if (sscanf(s, "end %" SCNu64 " %c", &a, &extra) == 1) {
        *end = true;
    } else {
        return -1;
    }
    return 0;
}

int sim_beam_truth_read(const char *path, struct sim_beam_truth *t, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    memset(t, 0, sizeof *t);
    struct times wait = { 0 }, resp = { 0 };
    char buf[256];
    uint64_t line = 0;
    bool end = false;
    int rc = 0;
    while (rc == 0 && fgets(buf, sizeof buf, f) != NULL) {
        line++;
        buf[strcspn(buf, "\n")] = '\0';
        if (line == 1 ? strcmp(buf, "schedlab-beam-truth 1") != 0
                      : end || truth_record(t, buf, &wait, &resp, &end) != 0) {
            snprintf(err, errlen, "%s:%" PRIu64 ": %s", path, line,
                     line == 1 ? "not a schedlab BEAM ground-truth file (first line "
                                 "'schedlab-beam-truth 1')"
                               : end ? "text after the 'end' line" : "malformed record");
            rc = -1;
        }
    }
    fclose(f);
    if (rc == 0 && (!end || t->schedulers == 0 || t->processes == 0)) {
        snprintf(err, errlen, "%s:%" PRIu64 ": %s", path, line,
                 !end ? "the file stops without its 'end' line (truncated?)"
                      : "no schedulers or no processes");
        rc = -1;
    }
    if (rc == 0) {
        qsort(wait.v, wait.n, sizeof *wait.v, cmp_u64);
        qsort(resp.v, resp.n, sizeof *resp.v, cmp_u64);
        t->wait_p50_ns = quantile(wait.v, wait.n, 0.5);
        t->wait_p99_ns = quantile(wait.v, wait.n, 0.99);
        t->resp_p50_ns = quantile(resp.v, resp.n, 0.5);
        t->resp_p95_ns = quantile(resp.v, resp.n, 0.95);
        t->resp_p99_ns = quantile(resp.v, resp.n, 0.99);
    }
    free(wait.v);
    free(resp.v);
    return rc;
}
