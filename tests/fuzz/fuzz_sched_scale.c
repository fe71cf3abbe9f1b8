/* fuzz_sched_scale.c: fuzz target of the ftrace and perf-sched importers at the scale of
 * system-wide recordings: the input is a short description that is expanded into a recording of
 * up to 4,097 threads (and 4,096 forked ones) and 2^15 lines, then imported (the checks of
 * fuzz_import.h).
 *
 * Byte-level fuzzing of whole files (fuzz_ftrace, fuzz_perf) seldom builds an input naming
 * hundreds of distinct threads, so bugs that need many threads (a pointer kept across the growth
 * of the thread table) stay out of reach; here one byte of the description changes the thread
 * count. The description:
 *
 *   byte 0     form: bit 0 perf (else ftrace), bit 1 trace-cmd's short payloads for switches and
 *              wake-ups ("comm:pid [prio]"), bit 2 perf's "PID/TID" column
 *   bytes 1-2  threads n = 2 + (little-endian u16 % 4096)
 *   byte 3     population: % 4 = binary tree of forks, chain of forks, one parent forks all,
 *              no forks (threads appear switched in)
 *   byte 4     the program runs 1 + byte % 64 times
 *   the rest   the program: (op, arg) byte pairs (see run_op), acting on threads picked by a hash
 *              of arg and the step, so that every thread is reached.
 *
 * The population phase runs on one CPU: each new thread runs after its creation and sleeps; a
 * sleeping thread is woken by the running one before it runs again. The program then mixes
 * consistent and inconsistent events (wake-ups of running threads, forks of live ids, exits,
 * time jumps forwards past 2^53 ns and backwards). */
#include "tests/fuzz/fuzz_import.h"

#include <inttypes.h>
#include <stdarg.h>

#define MAX_LINES (1u << 15)
#define MAX_FORKS 4096u          /* fresh threads forked by the program */

struct gen {
    FILE *out;
    uint8_t form;
    uint32_t n;                  /* threads 1..n of the population phase */
    uint32_t next;               /* next fresh thread id of the program's forks */
    uint32_t cur;                /* the running thread (0: idle) */
    uint8_t *asleep;             /* per thread id: switched out asleep */
    uint64_t t_us, lines;
};

/* One event line recorded in thread ctx (irq: from an interrupt), payload printf-style. */
static void ev(struct gen *g, uint32_t ctx, bool irq, const char *name, const char *fmt, ...)
{
    if (g->lines++ >= MAX_LINES)
        return;
    g->t_us++;
    uint64_t sec = 1000 + g->t_us / 1000000, us = g->t_us % 1000000;
    if (!(g->form & 1))
        fprintf(g->out, "%14s-%u [000] %s %" PRIu64 ".%06" PRIu64 ": %s: ",
                ctx ? "t" : "<idle>", ctx, irq ? "dNh2." : "d..2.", sec, us, name);
    else if (g->form & 4)
        fprintf(g->out, "%14s %u/%u [000] %" PRIu64 ".%06" PRIu64 ": sched:%s: ",
                ctx ? "t" : "swapper", ctx, ctx, sec, us, name);
    else
        fprintf(g->out, "%14s %6u [000] %" PRIu64 ".%06" PRIu64 ": sched:%s: ",
                ctx ? "t" : "swapper", ctx, sec, us, name);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(g->out, fmt, ap);
    va_end(ap);
    fputc('\n', g->out);
}

/* The running thread switches out in state st ("R", "S", "X") and b runs. */
static void sw(struct gen *g, const char *st, uint32_t b)
{
    uint32_t a = g->cur;
    if (g->form & 2)
        ev(g, a, false, "sched_switch", "t:%u [120] %s ==> t:%u [120]", a, st, b);
    else
        ev(g, a, false, "sched_switch", "prev_comm=t prev_pid=%u prev_prio=120 prev_state=%s "
           "==> next_comm=t next_pid=%u next_prio=120", a, st, b);
    g->asleep[a] = st[0] == 'S';
    g->cur = b;
}

static void wake(struct gen *g, uint32_t ctx, bool irq, const char *name, uint32_t x)
{
    if (g->form & 2)
        ev(g, ctx, irq, name, "t:%u [120] CPU:000", x);
    else
        ev(g, ctx, irq, name, "comm=t pid=%u prio=120 target_cpu=000", x);
    g->asleep[x] = 0;
}

static void fork_ev(struct gen *g, uint32_t child)
{
    ev(g, g->cur, false, "sched_process_fork", "comm=t pid=%u child_comm=t child_pid=%u",
       g->cur, child);
}

/* Make b the running thread, waking it first if it sleeps. */
static void go(struct gen *g, uint32_t b)
{
    if (g->cur == b)
        return;
    if (g->asleep[b])
        wake(g, g->cur, false, "sched_waking", b);
    sw(g, "R", b);
}

/* Threads 2..n: created by a fork from their parent (pattern), each runs once and sleeps. */
static void populate(struct gen *g, unsigned pattern)
{
    g->cur = 1;
    for (uint32_t i = 2; i <= g->n; i++) {
        uint32_t parent = pattern == 0 ? i / 2 : pattern == 1 ? i - 1 : 1;
        go(g, parent);
        if (pattern != 3)
            fork_ev(g, i);
        sw(g, "R", i);
        sw(g, "S", parent);
    }
}

/* One program step k: op on a thread x picked from arg and k. */
static void run_op(struct gen *g, uint8_t op, uint8_t arg, uint32_t k)
{
    uint64_t h = ((uint64_t)k << 8 | arg) * 0x9e3779b97f4a7c15ULL;
    uint32_t x = 1 + (uint32_t)((h >> 32) % (g->next - 1));
    switch (op % 10) {
    case 0: go(g, x); break;                                    /* preempt, or wake and run */
    case 1: sw(g, "R", x); break;                               /* run x whatever its state */
    case 2: sw(g, "S", x); break;
    case 3: wake(g, g->cur, false, "sched_waking", x); break;
    case 4: wake(g, 0, arg & 1, "sched_wakeup", x); break;     /* from idle or an interrupt */
    case 5:                                                     /* a fresh thread */
        if (g->next <= g->n + MAX_FORKS)
            fork_ev(g, g->next++);
        break;
    case 6: fork_ev(g, x); break;                               /* an id in use or exited */
    case 7:
        ev(g, g->cur, false, "sched_process_exit", "comm=t pid=%u prio=120", g->cur);
        sw(g, "X", x);
        break;
    case 8: wake(g, g->cur, false, "sched_wakeup_new", x); break;
    default: g->t_us = arg & 1 ? g->t_us + (1ULL << (arg % 48)) : g->t_us - g->t_us % 1000;
    }
}

/* With FUZZ_SCHED_DUMP=FILE in the environment, the expanded recording is written there (to
 * read what a crashing description stands for). True unless that fails. */
static bool dump(const char *text, size_t len)
{
    const char *path = getenv("FUZZ_SCHED_DUMP");
    if (path == NULL)
        return true;
    FILE *f = fopen(path, "w");
    bool ok = f != NULL && fwrite(text, 1, len, f) == len;
    return (f == NULL || fclose(f) == 0) && ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5)
        return 0;
    char *text = NULL;
    size_t len = 0;
    struct gen g = { .form = data[0], .n = 2 + (uint32_t)((data[1] | data[2] << 8) % 4096) };
    g.next = g.n + 1;
    g.asleep = calloc(g.n + MAX_FORKS + 2, 1);
    g.out = open_memstream(&text, &len);
    if (g.asleep != NULL && g.out != NULL) {
        populate(&g, data[3] % 4);
        for (uint32_t r = 0, k = 0; r <= data[4] % 64u; r++)
            for (size_t i = 5; i + 1 < size; i += 2)
                run_op(&g, data[i], data[i + 1], k++);
    }
    if (g.out != NULL && fclose(g.out) == 0 && g.asleep != NULL && dump(text, len))
        fuzz_import_file(g.form & 1 ? SIM_IMPORT_PERF : SIM_IMPORT_FTRACE, (uint8_t *)text, len);
    free(text);
    free(g.asleep);
    return 0;
}
