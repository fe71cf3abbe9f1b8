/* fuzz_trace.c: fuzz target of the JSON Lines trace reader (sim/trace/sim_trace_file.c): the input is
 * a trace file, read by two consumers in different orders, with every record checked against
 * the invariants sim_trace.h promises. */
#include "tests/fuzz/fuzz_check.h"

#include "sim/trace/sim_trace_src.h"

/*
 * Two consumers, because the reader's memory and error paths depend on the order children are
 * asked for:
 *   1. sim_trace_walk over a memfd (seekable: skipped lines are remembered by offset and read
 *      again with pread), the depth-first order of `trace stats`;
 *   2. a breadth-first consumer over a pipe (not seekable: skipped lines are kept as copies)
 *      that asks for every root first, then children level by level, so the reader reads far
 *      ahead, with max_buffered set so the read-ahead limit is exercised too.
 * Any record handed out must satisfy the invariants of struct sim_trace_rec; a broken one
 * aborts (a crash the fuzzer reports). Errors are fine: they are what bad input should give,
 * and the message must then be non-empty.
 */

static void walk(const char *path)
{
    char err[1024];
    struct sim_trace *t = sim_trace_file_open(path, NULL, err, sizeof err);
    if (t == NULL) {
        check(err[0] != '\0', "open failure has a message");
        return;
    }
    fuzz_walk(t, NULL);
    sim_trace_close(t);
}

/* Breadth first: all roots, then each level's children; records released once expanded. */
static void breadth(const char *path)
{
    char err[1024];
    struct sim_trace_opts opts = { .max_buffered = 64 };
    struct sim_trace *t = sim_trace_file_open(path, &opts, err, sizeof err);
    if (t == NULL)
        return;
    size_t cap = 256, head = 0, tail = 0;
    struct sim_trace_rec **q = malloc(cap * sizeof *q);
    struct sim_trace_rec *r;
    int rc = SIM_TRACE_OK;
    uint64_t last_spawn = 0, n = 0;
    while (q != NULL && n < MAX_RECORDS && (rc = sim_trace_next_root(t, &r)) == SIM_TRACE_OK) {
        check_rec(r, NULL);
        check(n == 0 || r->spawn_ns >= last_spawn, "roots in nondecreasing spawn time");
        last_spawn = r->spawn_ns;
        n++;
        if (tail == cap) {
            struct sim_trace_rec **b = realloc(q, 2 * cap * sizeof *q);
            if (b == NULL) {
                sim_trace_release(t, r);
                break;
            }
            q = b, cap *= 2;
        }
        q[tail++] = r;
    }
    while (q != NULL && rc != SIM_TRACE_ERROR && head < tail && n < MAX_RECORDS) {
        struct sim_trace_rec *p = q[head++];
        for (uint32_t i = 0; i < p->nphases && rc != SIM_TRACE_ERROR; i++) {
            if (p->phases[i].kind != SIM_PHASE_SPAWN)
                continue;
            if ((rc = sim_trace_child(t, p, p->phases[i].arg, &r)) != SIM_TRACE_OK)
                break;
            check_rec(r, p);
            n++;
            if (tail == cap && head > 0) {
                memmove(q, q + head, (tail - head) * sizeof *q);
                tail -= head, head = 0;
            }
            if (tail == cap) {
                struct sim_trace_rec **b = realloc(q, 2 * cap * sizeof *q);
                if (b == NULL) {
                    sim_trace_release(t, r);
                    rc = SIM_TRACE_ERROR;
                    break;
                }
                q = b, cap *= 2;
            }
            q[tail++] = r;
        }
        sim_trace_release(t, p);
    }
    if (rc == SIM_TRACE_ERROR)
        check(sim_trace_error(t)[0] != '\0', "error has a message");
    for (size_t i = head; q != NULL && i < tail; i++)
        sim_trace_release(t, q[i]);
    free(q);
    sim_trace_close(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    if (size > FUZZ_MAX_INPUT)
        return 0;
    int fd = fuzz_memfd(data, size, path);
    if (fd >= 0) {
        walk(path);
        close(fd);
    }
    fd = fuzz_pipe(data, size, path);
    if (fd >= 0) {
        breadth(path);
        close(fd);
    }
    return 0;
}
