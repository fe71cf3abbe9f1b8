/* sim_import_sched_line.c: parsing one line of ftrace text (`cat trace`, `trace-cmd report`) or of
 * `perf script` output into a scheduler event. */
#include "sim/trace/import/sim_import_int.h"

#include "core/ws_time.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/*
 * The shapes
 * ----------
 * ftrace (`cat trace`; `trace-cmd report`, optionally with -l latency flags):
 *
 *     COMM-PID [(TGID)] [CPU] [FLAGS] SECS.FRAC: EVENT: PAYLOAD
 *           <idle>-0     [001] d..2.  1234.567890: sched_switch: prev_comm=... ==> next_comm=...
 *
 * `perf script` of `perf sched record` (default fields):
 *
 *     COMM TID[/TID] [CPU] SECS.FRAC: [PERIOD] SUBSYS:EVENT: PAYLOAD
 *            perf 17843 [000]  2346.405444: sched:sched_waking: comm=migration/0 pid=18 ...
 *
 * perf prints `:-1 -1` for a sample whose thread it could not resolve: its context is unknown.
 * COMM may hold spaces and dashes, so both heads are anchored on the `[CPU]` column: the first
 * ` [digits]` whose left side ends in `-PID` (ftrace) or ` TID` (perf). Payloads come in two
 * forms: the kernel's own `key=value` text (prev_pid=, pid=, child_pid=, ...), and the shorter one
 * libtraceevent's plugins print in trace-cmd and some perf versions (`comm:pid [prio] S ==>
 * comm:pid [prio]`, `comm:pid [prio] CPU:002`). Keys are searched after a space so that only
 * the pid fields are read: comm values (which may contain anything) are never needed.
 */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Digits at s as a number (at least one digit); *end after them. */
static bool read_u64(const char *s, uint64_t *v, const char **end)
{
    if (!is_digit(*s))
        return false;
    uint64_t x = 0;
    for (; is_digit(*s); s++) {
        if (x > (UINT64_MAX - 9) / 10)
            return false;
        x = x * 10 + (uint64_t)(*s - '0');
    }
    *v = x;
    *end = s;
    return true;
}

/* "SECS.FRAC:" at s -> ns (digits past the ninth decimal dropped); *end after the colon.
 * 1, 0 if s is no timestamp, -1 if it is one whose ns do not fit in 64 bits. */
static int read_ts(const char *s, uint64_t *ns, const char **end)
{
    const char *p = s;
    while (is_digit(*p))
        p++;
    if (p == s || *p != '.' || !is_digit(p[1]))
        return 0;
    uint64_t sec = 0, frac = 0;
    bool big = false;
    for (; s < p; s++)
        big |= __builtin_mul_overflow(sec, 10, &sec)
               || __builtin_add_overflow(sec, (uint64_t)(*s - '0'), &sec);
    int d = 0;
    for (s++; is_digit(*s); s++, d++)
        if (d < 9)
            frac = frac * 10 + (uint64_t)(*s - '0');
    for (; d < 9; d++)
        frac *= 10;
    if (*s != ':')
        return 0;
    big |= __builtin_mul_overflow(sec, 1000000000ULL, &sec)
           || __builtin_add_overflow(sec, frac, ns);
    *end = s + 1;
    return big ? -1 : 1;
}

/* The timestamp column at *p (after an ftrace latency-flags column if there is one): 0 with
 * *p after its colon, 1 if there is none (a shape error), -1 with a message if it overflows. */
static int ts_column(const char **p, enum sim_import_format f, struct sched_ev *ev, char *err,
                     size_t errlen)
{
    const char *s = *p;
    int r = read_ts(s, &ev->ts_ns, p);
    if (r == 0 && f == SIM_IMPORT_FTRACE) {   /* ftrace only: a latency-flags column first */
        size_t fl = strcspn(s, " ");
        ev->irq = fl >= 3 && strchr("hHsZz", s[2]) != NULL;
        s += fl;
        s += strspn(s, " ");
        r = read_ts(s, &ev->ts_ns, p);
    }
    if (r >= 0)
        return r == 0;
    snprintf(err, errlen, "timestamp: %.*s s does not fit in 64-bit nanoseconds (trace times are "
             "limited to " WS_TIME_INPUT_MAX_TEXT " ns after the first event)",
             (int)strcspn(s, ":"), s);
    return -1;
}

/* The task column left of the `[CPU]` bracket at br: its pid, in ftrace or perf shape. */
static bool head_pid(const char *line, const char *br, enum sim_import_format f, uint64_t *pid)
{
    const char *e = br;
    while (e > line && e[-1] == ' ')
        e--;
    if (f == SIM_IMPORT_FTRACE && e > line && e[-1] == ')') {   /* "(TGID)" of record-tgid */
        while (e > line && e[-1] != '(')
            e--;
        if (e == line)
            return false;
        e--;
        while (e > line && e[-1] == ' ')
            e--;
    }
    const char *d = e;
    while (d > line && is_digit(d[-1]))
        d--;
    if (d == e)
        return false;
    if (f == SIM_IMPORT_PERF && d > line && d[-1] == '/') {   /* "PID/TID": d is the tid */
        const char *p = d - 1;
        while (p > line && is_digit(p[-1]))
            p--;
        if (p == d - 1)
            return false;
        if (p > line && p[-1] != ' ')
            return false;
    } else if (f == SIM_IMPORT_PERF && d - line >= 2 && d[-1] == '-' && d[-2] == ' ' && d[0] == '1'
               && d + 1 == e) {
        *pid = UINT64_MAX;   /* perf's ":-1 -1": a sample whose thread perf could not tell */
        return true;
    } else if (f == SIM_IMPORT_PERF ? (d == line || d[-1] != ' ') : (d == line || d[-1] != '-')) {
        return false;
    }
    const char *end;
    return read_u64(d, pid, &end) && end == e;
}

/* Find the `[CPU]` column; the position of '[' or NULL. */
static const char *cpu_bracket(const char *line, enum sim_import_format f, uint64_t *pid)
{
    for (const char *p = strchr(line, '['); p != NULL; p = strchr(p + 1, '[')) {
        const char *q = p + 1;
        uint64_t cpu;
        if (p > line && p[-1] == ' ' && read_u64(q, &cpu, &q) && *q == ']' && q[1] == ' '
            && head_pid(line, p, f, pid))
            return p;
    }
    return NULL;
}

/* The value of " key=" in payload as a number; false if absent. */
static bool kv_u64(const char *payload, const char *key, uint64_t *v)
{
    size_t kl = strlen(key);
    for (const char *p = payload; (p = strstr(p, key)) != NULL; p += kl) {
        const char *end;
        if ((p == payload || p[-1] == ' ') && p[kl] == '=' && read_u64(p + kl + 1, v, &end)
            && (*end == ' ' || *end == '\0'))
            return true;
    }
    return false;
}

static int kv_prio(const char *payload, const char *key)
{
    uint64_t v;
    return kv_u64(payload, key, &v) && v < 1000 ? (int)v : -1;
}

/* Plugin form "comm:pid [prio]" anywhere in [s, lim): the first one; *after past ']'. */
static bool plugin_task(const char *s, const char *lim, uint64_t *pid, int *prio,
                        const char **after)
{
    for (const char *p = s; p + 1 < lim; p++) {
        if (p[0] != ' ' || p[1] != '[')
            continue;
        const char *q = p + 2, *end;
        uint64_t pr;
        bool neg = *q == '-';
        if (neg)
            q++;
        if (!read_u64(q, &pr, &end) || *end != ']' || end >= lim)
            continue;
        const char *d = p;
        while (d > s && is_digit(d[-1]))
            d--;
        if (d == p || d == s || d[-1] != ':' || !read_u64(d, pid, &q))
            continue;
        *prio = neg || pr >= 1000 ? -1 : (int)pr;
        *after = end + 1;
        return true;
    }
    return false;
}

static void copy_state(char *dst, const char *s)
{
    size_t n = strcspn(s, " ");
    if (n > 7)
        n = 7;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static int parse_switch(const char *pl, struct sched_ev *ev, char *err, size_t errlen)
{
    const char *arrow = strstr(pl, " ==> ");
    if (arrow == NULL) {
        snprintf(err, errlen, "sched_switch: no ' ==> ' between the previous and next task");
        return -1;
    }
    if (strstr(pl, "prev_pid=") != NULL) {
        const char *st = strstr(pl, " prev_state=");
        if (!kv_u64(pl, "prev_pid", &ev->pid) || !kv_u64(arrow, "next_pid", &ev->pid2)
            || st == NULL || st > arrow) {
            snprintf(err, errlen, "sched_switch: prev_pid, prev_state or next_pid missing");
            return -1;
        }
        copy_state(ev->state, st + 12);
        ev->prio = kv_prio(pl, "prev_prio");
        ev->prio2 = kv_prio(arrow, "next_prio");
        return 0;
    }
    const char *after, *after2;
    if (!plugin_task(pl, arrow, &ev->pid, &ev->prio, &after) || *after != ' '
        || !plugin_task(arrow + 4, arrow + strlen(arrow), &ev->pid2, &ev->prio2, &after2)) {
        snprintf(err, errlen, "sched_switch: expected 'COMM:PID [PRIO] STATE ==> COMM:PID "
                 "[PRIO]' or prev_pid=/next_pid= fields");
        return -1;
    }
    copy_state(ev->state, after + 1);
    return 0;
}

static int parse_payload(const char *pl, struct sched_ev *ev, char *err, size_t errlen)
{
    const char *after;
    switch (ev->kind) {
    case SEV_SWITCH:
        return parse_switch(pl, ev, err, errlen);
    case SEV_FORK:
        if (kv_u64(pl, "pid", &ev->pid) && kv_u64(pl, "child_pid", &ev->pid2))
            return 0;
        snprintf(err, errlen, "sched_process_fork: pid or child_pid missing");
        return -1;
    case SEV_WAKEUP:
    case SEV_WAKING:
    case SEV_WAKEUP_NEW:
    case SEV_EXIT:
        if (kv_u64(pl, "pid", &ev->pid)) {
            ev->prio = kv_prio(pl, "prio");
            return 0;
        }
        if (plugin_task(pl, pl + strlen(pl), &ev->pid, &ev->prio, &after))
            return 0;
        snprintf(err, errlen, "%s: no pid= field nor 'COMM:PID [PRIO]'",
                 ev->kind == SEV_EXIT ? "sched_process_exit" : "sched_wakeup");
        return -1;
    default:
        return 0;
    }
}

static enum sched_ev_kind kind_of(const char *name, size_t n)
{
    static const struct { const char *name; enum sched_ev_kind kind; } k[] = {
        { "sched_switch", SEV_SWITCH },       { "sched_wakeup", SEV_WAKEUP },
        { "sched_waking", SEV_WAKING },       { "sched_wakeup_new", SEV_WAKEUP_NEW },
        { "sched_process_fork", SEV_FORK },   { "sched_process_exit", SEV_EXIT },
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (strlen(k[i].name) == n && memcmp(k[i].name, name, n) == 0)
            return k[i].kind;
    return SEV_OTHER;
}

/* Header and comment lines of `cat trace` and `trace-cmd report`. */
static bool ftrace_header(const char *s, struct sched_ev *ev)
{
    uint64_t v;
    const char *e;
    if (strncmp(s, "cpus=", 5) == 0 || strncmp(s, "version = ", 10) == 0)
        return true;
    if (strncmp(s, "CPU ", 4) == 0 && read_u64(s + 4, &v, &e) && strcmp(e, " is empty") == 0)
        return true;
    if (strncmp(s, "CPU:", 4) == 0 && read_u64(s + 4, &v, &e) && strncmp(e, " [LOST ", 7) == 0
        && read_u64(e + 7, &ev->lost, &e) && strncmp(e, " EVENTS]", 8) == 0) {
        ev->kind = SEV_LOST;
        return true;
    }
    return false;
}

/* Thread ids are Linux pid_t values; the importer also needs them below 2^32 (a reused pid's
 * process id is tid + 2^32 x incarnation). 0, or -1 naming the field (event name: nlen bytes). */
static int check_tids(const struct sched_ev *ev, int nlen, const char *name, char *err,
                      size_t errlen)
{
    const char *field = NULL;
    uint64_t v = 0;
    if (ev->ctx > UINT32_MAX)
        field = "the thread id column", v = ev->ctx;
    else if (ev->pid > UINT32_MAX)
        field = ev->kind == SEV_SWITCH ? "prev_pid" : "pid", v = ev->pid;
    else if (ev->pid2 > UINT32_MAX)
        field = ev->kind == SEV_SWITCH ? "next_pid" : "child_pid", v = ev->pid2;
    if (field == NULL)
        return 0;
    snprintf(err, errlen, "%.*s: %s: %" PRIu64 " is not a thread id (at most 2^32-1)", nlen,
             name, field, v);
    return -1;
}

int sim_sched_line_parse(const char *line, enum sim_import_format f, struct sched_ev *ev,
                         char *err, size_t errlen)
{
    memset(ev, 0, sizeof *ev);
    ev->prio = ev->prio2 = -1;
    ev->kind = SEV_SKIP;
    const char *s = line + strspn(line, " \t\r");
    if (*s == '\0' || *s == '#' || (f == SIM_IMPORT_FTRACE && ftrace_header(s, ev)))
        return 0;
    const char *br = cpu_bracket(s, f, &ev->ctx), *p;
    if (br == NULL)
        goto shape;
    if (ev->ctx == UINT64_MAX) {
        ev->ctx = 0;
        ev->ctx_unknown = true;
    }
    p = strchr(br, ']') + 1;
    p += strspn(p, " ");
    int r = ts_column(&p, f, ev, err, errlen);
    if (r != 0) {
        if (r > 0)
            goto shape;
        ev->kind = SEV_SKIP;
        return -1;
    }
    p += strspn(p, " ");
    if (f == SIM_IMPORT_PERF && is_digit(*p)) {   /* an optional period column */
        uint64_t period;
        const char *q;
        if (read_u64(p, &period, &q) && *q == ' ')
            p = q + strspn(q, " ");
    }
    size_t tl = strcspn(p, " ");
    if (tl < 2 || p[tl - 1] != ':')
        goto shape;
    const char *name = p, *colon = memchr(p, ':', tl - 1);
    if (colon != NULL)   /* perf's "sched:" subsystem prefix */
        name = colon + 1;
    int nlen = (int)(p + tl - 1 - name);
    ev->kind = kind_of(name, (size_t)nlen);
    p += tl;
    p += strspn(p, " ");
    if (parse_payload(p, ev, err, errlen) != 0)
        return -1;
    return check_tids(ev, nlen, name, err, errlen);
shape:
    snprintf(err, errlen, "cannot read this line as %s: expected '%s'",
             f == SIM_IMPORT_PERF ? "perf script output of `perf sched record`" : "ftrace text",
             f == SIM_IMPORT_PERF ? "COMM TID [CPU] SECS.FRAC: sched:EVENT: ..."
                                  : "COMM-PID [CPU] [FLAGS] SECS.FRAC: EVENT: ...");
    ev->kind = SEV_SKIP;
    return -1;
}

bool sim_import_sched_sniff(const char *line, enum sim_import_format *f)
{
    struct sched_ev ev;
    char err[256];
    static const enum sim_import_format fs[] = { SIM_IMPORT_PERF, SIM_IMPORT_FTRACE };
    if (strncmp(line, "cpus=", 5) == 0) {   /* trace-cmd report's first line */
        *f = SIM_IMPORT_FTRACE;
        return true;
    }
    for (size_t i = 0; i < 2; i++) {
        if (sim_sched_line_parse(line, fs[i], &ev, err, sizeof err) == 0 && ev.kind != SEV_SKIP
            && ev.kind != SEV_LOST && strstr(line, "sched_") != NULL) {
            *f = fs[i];
            return true;
        }
    }
    return false;
}
